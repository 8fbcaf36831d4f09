#!/usr/bin/env bash
# Every command README.md shows, and those of the reference pages that no
# other test runs (docs/collect.md, docs/analyze.md, docs/power.md), run as shown
# (tests/readme_doctest.py). Commands that talk to Ollama reach a fake server
# through OLLAMA_HOST (and two more through BARE_METAL_HOST and VM_HOST, for
# the interleaved targets). docs/import.md, render.md, batch.md and
# template-command.md are run by the tests of those commands.
set -u
: "${PTBENCH:?}" "${PTBENCH_SRC:?}" "${FAKE_OLLAMA:?}"
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }
. "$PTBENCH_SRC/tests/lib/fake.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-readme.XXXXXX")
trap 'rm -rf "$work"' EXIT
status=0
for doc in README.md docs/collect.md docs/analyze.md docs/power.md; do
  # a server of its own for each page, so each page's numbers are its own
  # and two more for the interleaved targets' examples (BARE_METAL_HOST, VM_HOST)
  for var in BARE_METAL_HOST VM_HOST OLLAMA_HOST; do
    start_fake --model 'mistral:7b:50.10:0.01' --model 'gemma2:9b:35.06:0.01' \
      --model 'phi4:14b:27.52:0.01' --model 'deepseek-r1:14b:25.10:0.01,thinking' || exit 1
    export "$var=$FAKE_URL"
  done
  mkdir -p "$work/${doc//\//_}"
  python3 "$PTBENCH_SRC/tests/readme_doctest.py" "$PTBENCH_SRC/$doc" "$PTBENCH_SRC" \
    "$PTBENCH" "$work/${doc//\//_}" || status=1
  stop_fake || status=1
done
stop_fake || status=1
exit $status
