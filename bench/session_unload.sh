#!/usr/bin/env bash
# bench/session_unload.sh - what unloading the models between sessions
# costs (`collect --sessions K`, issue 9): the wait from asking the server
# to unload (keep_alive 0) until /api/ps no longer lists the models, beside
# the time the server takes to load a model, which a session without the
# unload would have skipped and which the unload makes every session pay
# alike. The fake Ollama server runs in real time (--realtime) with a
# model's load time and the delay its unload takes to leave /api/ps
# (--unload-delay, as Ollama frees memory in the background) set per case;
# the wait is the manifest's sessions[].unload.wait_s, the load time the
# load_duration the server reported in the session's first trial.
#
#   bash bench/session_unload.sh [SESSIONS]   (default 4)
#
# Target: the unload adds no more than the model's load time. A benchmark,
# not a test: it reports and exits 0 whatever the figures (1 only when it
# cannot run).
set -euo pipefail
cd "$(dirname "$0")/.."
SESSIONS=${1:-4}
PTBENCH=${PTBENCH:-build/release/ptbench}
FAKE=${FAKE_OLLAMA:-build/release/tests/fake-ollama}
[ -x "$PTBENCH" ] && [ -x "$FAKE" ] || make -s build >/dev/null
command -v jq >/dev/null || { echo "session_unload: jq is needed" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-bench.XXXXXX")
fake_pid=""
cleanup() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
echo 'Say hello.' >"$dir/prompts.txt"

# case: load seconds, unload delay seconds
printf '%-26s %10s %12s %12s %8s %s\n' case "load s" "unload s" "max unload" ratio target
for c in 1.5:0.3 1.5:1.0 4.0:0.3; do
  load=${c%%:*} delay=${c#*:}
  "$FAKE" --port 0 --exit-after 600 --realtime --unload-delay "$delay" \
    --model "m:7b:200,tokens=20,load=$load,prompt-rate=100000" \
    >"$dir/fake.out" 2>"$dir/fake.err" </dev/null &
  fake_pid=$!
  for _ in $(seq 100); do
    grep -q '^listening on ' "$dir/fake.out" 2>/dev/null && break
    sleep 0.05
  done
  url="http://127.0.0.1:$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$dir/fake.out")"
  rm -rf "$dir/run"
  PTBENCH_SYSROOT=/nonexistent "$PTBENCH" collect --quiet --env bench --host "$url" -m m:7b \
    --prompts "$dir/prompts.txt" -n 1 --warmup 1 --sessions "$SESSIONS" --no-telemetry \
    --out "$dir/run" || { echo "collect failed" >&2; exit 1; }
  kill "$fake_pid" 2>/dev/null || true
  wait "$fake_pid" 2>/dev/null || true
  fake_pid=""
  # per session after the first: the unload wait, and the load its first trial reported
  waits=$(jq -r '.sessions[1:][] | .unload.wait_s' "$dir/run/manifest.json")
  loads=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $c["load_duration_ns"] != "" { print $c["run_id"], $c["load_duration_ns"] / 1e9 }' \
    "$dir/run/trials.csv" | awk 'NR > 1 { print $2 }')
  mean_wait=$(printf '%s\n' $waits | awk '{ s += $1; n++ } END { printf "%.3f", s / n }')
  max_wait=$(printf '%s\n' $waits | awk 'BEGIN { m = 0 } $1 > m { m = $1 } END { printf "%.3f", m }')
  mean_load=$(printf '%s\n' $loads | awk '{ s += $1; n++ } END { printf "%.3f", s / n }')
  awk -v n="load=${load}s unload-delay=${delay}s" -v l="$mean_load" -v w="$mean_wait" -v m="$max_wait" \
    'BEGIN { printf "%-26s %10.3f %12.3f %12.3f %8.3f %s\n", n, l, w, m, w / l, m <= l ? "met" : "missed" }'
done
echo
echo "unload s: mean wait over sessions 2..$SESSIONS (manifest unload.wait_s); load s: mean"
echo "load_duration the server reported in those sessions' first trial; target: max unload <= load"
