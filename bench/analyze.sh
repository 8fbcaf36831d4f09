#!/usr/bin/env bash
# bench/analyze.sh - `ptbench analyze` on a 1,000,000-row trials.csv, timed in
# the same run as GNU datamash and Miller computing less (count, mean,
# variance per group). Prints wall time and peak memory of each and the ratios.
#
#   bash bench/analyze.sh [ROWS]      (default 1000000; needs `make` first)
#
# Targets (issues #2 and #8): ptbench >= 3x faster than datamash, >= 6x
# faster than Miller, peak memory < 100 MB.
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

# All DESIGN.md columns (numbers past 2^31 printed with %.0f: mawk's %d
# stops there), 4 models x 2 environments, 200 sessions (run_ids,
# alternating bare-metal and vm, 1 % session-to-session spread), 5 prompts
# (up to 8 % apart), trials with 2 % noise; seq numbers the trials of a
# session.
awk -v rows="$ROWS" 'BEGIN {
  srand(42)
  print "run_id,seq,environment,started_at,model,model_digest,prompt_id,trial,warmup,status,done_reason,prompt_eval_count,prompt_eval_duration_ns,eval_count,eval_duration_ns,load_duration_ns,total_duration_ns,ttft_ns,wall_ns,eval_rate,prompt_eval_rate,size_bytes,size_vram_bytes,gpu_clock_mhz,gpu_temp_c,gpu_power_w,gpu_busy_pct,error"
  split("mistral:7b gemma2:9b phi4:14b deepseek-r1:14b", m, " ")
  split("50.10 35.06 27.52 25.10", base, " ")
  split("1.00 0.97 1.04 0.92 1.02", pf, " ")
  sessions = 200
  per = int(rows / sessions); if (per < 1) per = 1
  for (i = 0; i < rows; i++) {
    s = int(i / per); j = i % per
    if (j == 0) { vm = s % 2; sf = 1 + (rand() - 0.5) * 0.035 }
    k = j % 4 + 1; p = int(j / 4) % 5 + 1
    rate = base[k] * pf[p] * sf * (vm ? 0.985 : 1) * (1 + (rand() - 0.5) * 0.04)
    n = 256; dur = int(n / rate * 1e9)
    printf "%s-%03d,%d,%s,2026-11-%02dT%02d:%02d:%02d.%03dZ,%s,sha256:%064d,p%d,%d,0,ok,length,26,%d,%d,%.0f,5025959,%.0f,%d,%.0f,%.4f,%.4f,8000000000,8000000000,2520,%d,%.1f,%.1f,\n",
      vm ? "vm" : "bare-metal", s, j + 1, vm ? "vm" : "bare-metal", 1 + int(s / 8), (s * 3) % 24,
      int(j / 100) % 60, int(j / 2) % 60, j % 1000, m[k], k, p, int(j / 20) + 1, 325953000, n,
      dur, dur + 400000000, 350000000, dur + 420000000, rate, 79.77, 60 + j % 15,
      150 + (j % 50) / 10, 95 + (j % 50) / 10
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
measure datamash sh -c 'datamash -s -t, --header-in -g 5,3 count 20 mean 20 svar 20 <"$1"' sh "$csv"
measure miller mlr --icsv --ojson stats1 -a count,mean,var -f eval_rate -g model,environment "$csv"

echo
awk -v p="$t_ptbench" -v d="$t_datamash" -v m="$t_miller" -v mem="$m_ptbench" 'BEGIN {
  printf "datamash / ptbench: %.1fx (target >= 3x)\n", d / p
  printf "miller / ptbench:   %.1fx (target >= 6x)\n", m / p
  printf "ptbench peak RSS:   %.1f MB (target < 100 MB)\n", mem / 1024
}'
# the same numbers, as a check that all three read the same data
grep -m1 -A3 '"model":	"mistral:7b"' "$dir/out.ptbench" | tail -1 >/dev/null || true
