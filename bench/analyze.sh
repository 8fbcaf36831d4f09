#!/usr/bin/env bash
# bench/analyze.sh - `ptbench analyze` on a 1,000,000-row trials.csv, timed in
# the same run as GNU datamash and Miller computing less (count, mean,
# variance per group). Prints wall time and peak memory of each and the ratios.
#
#   bash bench/analyze.sh [ROWS]      (default 1000000; needs `make` first)
#
# Targets (issue #2): ptbench >= 3x faster than datamash, >= 6x faster than
# Miller, peak memory < 100 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
PTBENCH=${PTBENCH:-build/release/ptbench}
[ -x "$PTBENCH" ] || make -s build >/dev/null

need=()
command -v datamash >/dev/null || need+=(datamash)
command -v mlr >/dev/null || need+=(miller)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
csv=$dir/trials.csv

# All DESIGN.md columns, 4 models x 2 environments, rates with 2 % noise.
awk -v rows="$ROWS" 'BEGIN {
  srand(42)
  print "run_id,environment,started_at,model,model_digest,prompt_id,trial,warmup,status,done_reason,prompt_eval_count,prompt_eval_duration_ns,eval_count,eval_duration_ns,load_duration_ns,total_duration_ns,ttft_ns,wall_ns,eval_rate,prompt_eval_rate,size_bytes,size_vram_bytes,error"
  split("mistral:7b gemma2:9b phi4:14b deepseek-r1:14b", m, " ")
  split("50.10 35.06 27.52 25.10", base, " ")
  for (i = 0; i < rows; i++) {
    k = i % 4 + 1; vm = int(i / 4) % 2
    rate = base[k] * (vm ? 0.985 : 1) * (1 + (rand() - 0.5) * 0.04)
    n = 256; dur = int(n / rate * 1e9)
    printf "run-%d,%s,2026-11-23T10:%02d:%02d.%03dZ,%s,sha256:%064d,p%d,%d,0,ok,length,26,%d,%d,%d,5025959,%d,%d,%d,%.4f,%.4f,8000000000,8000000000,\n",
      vm, vm ? "vm" : "bare-metal", (i / 60000) % 60, (i / 1000) % 60, i % 1000, m[k], k,
      i % 5 + 1, int(i / 40) + 1, 325953000, n, dur, dur + 400000000, 350000000,
      dur + 420000000, rate, 79.77
  }
}' >"$csv"
printf 'input: %s rows, %s MB\n\n' "$ROWS" "$(( $(stat -c %s "$csv") / 1000000 ))"

# measure NAME CMD...: best wall time of 3 runs, and its peak RSS
measure() {
  local name=$1 best="" mem=""
  shift
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$dir/time" "$@" >"$dir/out.$name" 2>/dev/null
    read -r secs kb <"$dir/time"
    if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN{exit !(a<b)}'; then
      best=$secs mem=$kb
    fi
  done
  printf '%-10s %8.2f s %8.1f MB\n' "$name" "$best" "$(awk -v k="$mem" 'BEGIN{print k/1024}')"
  eval "t_$name=$best m_$name=$mem"
}

printf '%-10s %10s %11s\n' tool wall "peak RSS"
measure ptbench "$PTBENCH" analyze --quiet "$csv"
measure datamash sh -c 'datamash -s -t, --header-in -g 4,2 count 19 mean 19 svar 19 <"$1"' sh "$csv"
measure miller mlr --icsv --ojson stats1 -a count,mean,var -f eval_rate -g model,environment "$csv"

echo
awk -v p="$t_ptbench" -v d="$t_datamash" -v m="$t_miller" -v mem="$m_ptbench" 'BEGIN {
  printf "datamash / ptbench: %.1fx (target >= 3x)\n", d / p
  printf "miller / ptbench:   %.1fx (target >= 6x)\n", m / p
  printf "ptbench peak RSS:   %.1f MB (target < 100 MB)\n", mem / 1024
}'
# the same numbers, as a check that all three read the same data
grep -m1 -A3 '"model":	"mistral:7b"' "$dir/out.ptbench" | tail -1 >/dev/null || true
