#!/usr/bin/env bash
# tests/cli/test_probe.sh - what `collect` records about the machine and
# what `analyze` makes of it: the host facts of the test machines under
# tests/data/sysroot (PTBENCH_SYSROOT), --note, GPU telemetry on and off
# (--no-telemetry, a remote endpoint is covered by the unit test), and the
# facts warnings of a bare-metal run against a VM run (whole output,
# compared with tests/data/sysroot/expected/analyze-warnings.txt).
set -u
SRC=${PTBENCH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
[ -n "${FAKE_OLLAMA:-}" ] && [ -x "$FAKE_OLLAMA" ] || { echo "skip: FAKE_OLLAMA not built"; exit 77; }
command -v jq >/dev/null 2>&1 || { echo "skip: no jq"; exit 77; }
# shellcheck source=../lib/cli.sh
. "$SRC/tests/lib/cli.sh"
# shellcheck source=../lib/fake.sh
. "$SRC/tests/lib/fake.sh"
unset OLLAMA_HOST
TREES=$SRC/tests/data/sysroot

start_fake --model 'tiny:1b:40,tokens=20' || exit 1
collect() { # collect TREE ENV OUT [options...]
  local tree=$1 env=$2 out=$3
  shift 3
  PTBENCH_SYSROOT=$TREES/$tree run "$PTBENCH" collect --quiet --env "$env" --host "$FAKE_URL" \
    -m tiny:1b -n 2 --warmup 0 --prompts "$TMP/prompts.txt" --out "$out" "$@"
}
printf 'Say hello.\n' >"$TMP/prompts.txt"

t "the manifest's host object is the probe's, whole"
collect amd-vm vm "$TMP/vm" --note qemu_machine=pc-q35-8.2 --note "hypervisor=QEMU 8.2.2"
expect_status 0
jq '.host' "$TMP/vm/manifest.json" >"$TMP/host.json"
# the expected file is cJSON's layout; compare as JSON
if [ "$(jq -S . "$TMP/host.json")" = "$(jq -S . "$TREES/expected/amd-vm.json")" ]; then ok; else
  fail "host differs from expected/amd-vm.json"
  diff <(jq -S . "$TREES/expected/amd-vm.json") <(jq -S . "$TMP/host.json") | head -20 >&2
fi

t "--note goes into the manifest's notes, in order"
[ "$(jq -c .notes "$TMP/vm/manifest.json")" = '{"qemu_machine":"pc-q35-8.2","hypervisor":"QEMU 8.2.2"}' ] &&
  ok || fail "notes: $(jq -c .notes "$TMP/vm/manifest.json")"

t "telemetry samples the passed-through GPU's hwmon during the trials"
jq -e '.telemetry.enabled == true and .telemetry.source == "amdgpu hwmon (card1, 0000:01:00.0)"
       and .telemetry.rate_hz == 4 and .telemetry.reason == null and .telemetry.samples >= 2' \
  "$TMP/vm/manifest.json" >/dev/null && ok || fail "telemetry: $(jq -c .telemetry "$TMP/vm/manifest.json")"

t "--resume keeps the notes when none are given"
PTBENCH_SYSROOT=$TREES/amd-vm run "$PTBENCH" collect --quiet --env vm --host "$FAKE_URL" \
  -m tiny:1b -n 3 --warmup 0 --prompts "$TMP/prompts.txt" --out "$TMP/vm" --resume
expect_status 0
[ "$(jq -c .notes "$TMP/vm/manifest.json")" = '{"qemu_machine":"pc-q35-8.2","hypervisor":"QEMU 8.2.2"}' ] &&
  ok || fail "notes after --resume: $(jq -c .notes "$TMP/vm/manifest.json")"

t "--no-telemetry: off, and the manifest says why"
collect amd-bare-metal bare-metal "$TMP/bm" --no-telemetry
expect_status 0
[ "$(jq -c .telemetry "$TMP/bm/manifest.json")" = '{"enabled":false,"source":null,"rate_hz":null,"reason":"turned off with --no-telemetry","samples":0,"sampled_s":0,"cpu_s":0}' ] &&
  ok || fail "telemetry: $(jq -c .telemetry "$TMP/bm/manifest.json")"
[ "$(jq -c .notes "$TMP/bm/manifest.json")" = '{}' ] && ok || fail "no notes: {}"

t "a bad --note is a usage error, before anything is written"
for bad in novalue =v 'k=a'$'\x01'; do
  collect amd-vm vm "$TMP/bad" --note "$bad"
  expect_status 2
  expect_no_file "$TMP/bad"
done
collect amd-vm vm "$TMP/bad" --note a=1 --note a=2
expect_status 2
expect_err_has "--note 'a' is given twice"

t "analyze names what differs between the machines"
run "$PTBENCH" analyze --format json "$TMP/bm" "$TMP/vm"
expect_status 0
echo "$out" | jq -r '.warnings[] | select(.code | test("mismatch|critical")) | "\(.code) \(.environment): \(.message)"' \
  >"$TMP/warnings.txt"
if cmp -s "$TMP/warnings.txt" "$TREES/expected/analyze-warnings.txt"; then ok; else
  fail "warnings differ from expected/analyze-warnings.txt"
  diff "$TREES/expected/analyze-warnings.txt" "$TMP/warnings.txt" >&2
fi

t "the NVIDIA host through its fake nvidia-smi"
PATH=$TREES/nvidia-host/usr/bin:$PATH collect nvidia-host bare-metal "$TMP/nv"
expect_status 0
jq -e '.host.cuda_version == "12.4" and .telemetry.source == "nvidia-smi (0000:17:00.0)"' \
  "$TMP/nv/manifest.json" >/dev/null && ok || fail "nvidia: $(jq -c '[.host.cuda_version, .telemetry]' "$TMP/nv/manifest.json")"

stop_fake || fail "fake-ollama did not exit cleanly"
finish
