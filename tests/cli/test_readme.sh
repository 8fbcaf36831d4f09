#!/usr/bin/env bash
# Every command the README shows, run as shown (tests/readme_doctest.py).
# Commands that talk to Ollama reach a fake server through OLLAMA_HOST.
set -u
: "${PTBENCH:?}" "${PTBENCH_SRC:?}" "${FAKE_OLLAMA:?}"
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }
. "$PTBENCH_SRC/tests/lib/fake.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-readme.XXXXXX")
trap 'rm -rf "$work"' EXIT
start_fake --model 'mistral:7b:50.10:0.01' --model 'gemma2:9b:35.06:0.01' \
  --model 'phi4:14b:27.52:0.01' --model 'deepseek-r1:14b:25.10:0.01,thinking' || exit 1
export OLLAMA_HOST=$FAKE_URL
python3 "$PTBENCH_SRC/tests/readme_doctest.py" "$PTBENCH_SRC/README.md" "$PTBENCH_SRC" \
  "$PTBENCH" "$work"
status=$?
stop_fake || status=1
exit $status
