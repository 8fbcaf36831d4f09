#!/usr/bin/env bash
# bench/models.sh - `ptbench analyze` grows linearly with the number of
# models: 12,500 to 100,000 models of 10 trials each (2 environments, 5
# prompts, each model in 2 sessions a side: a session model fitted per
# model), the largest 1,000,000 rows, with the time per model at each size,
# so a quadratic step shows as a growing number.
#
#   bash bench/models.sh [MAX_MODELS]    (default 100000; needs `make` first)
#
# Target (issue #13 item 6): 1,000,000 rows with 100,000 models under 5 s.
# Before models, environments, sessions and prompts were looked up in hash
# tables, 40,000 models took 8.1 s and 100,000 did not finish in 300 s.
set -euo pipefail
cd "$(dirname "$0")/.."
MAX=${1:-100000}
. bench/lib.sh
bench_ptbench
need_gnu_time
bench_tmpdir models

# models N: N x 10 rows; each model has 5 prompts in each of 2 environments
# and its prompts split over 2 sessions a side (200 sessions in all, each
# shared by many models), 1 % penalty, 1 % noise
models() {
  awk -v models="$1" 'BEGIN {
    srand(3)
    print "run_id,environment,model,prompt_id,eval_rate"
    for (m = 0; m < models; m++)
      for (e = 0; e < 2; e++)
        for (p = 0; p < 5; p++) {
            s = e * 100 + (m % 50) * 2 + (p < 3 ? 0 : 1)
            printf "%s-%d,%s,m%06d,p%d,%.3f\n", e ? "vm" : "bm", s, e ? "vm" : "bare-metal", m, p,
              (40 + p) * (1 - 0.01 * e) * (1 + (rand() - 0.5) * 0.02)
          }
  }' >"$dir/trials.csv"
}

printf '%10s %9s %9s %10s %12s\n' models rows wall "peak RSS" "us/model"
worst=0
for n in $((MAX / 8)) $((MAX / 4)) $((MAX / 2)) "$MAX"; do
  models "$n"
  /usr/bin/time -f '%e %M' -o "$dir/time" "$PTBENCH" analyze --quiet --format md \
    "$dir/trials.csv" >"$dir/out" 2>"$dir/err" || { cat "$dir/err"; exit 1; }
  read -r secs kb <"$dir/time"
  rows=$(($(wc -l <"$dir/out") - 2))
  [ "$rows" -eq "$n" ] || { echo "expected $n table rows, got $rows"; exit 1; }
  printf '%10d %9d %8.2fs %7.1f MB %12.1f\n' "$n" $((n * 10)) "$secs" \
    "$(awk -v k="$kb" 'BEGIN{print k/1024}')" \
    "$(awk -v s="$secs" -v n="$n" 'BEGIN{print s * 1e6 / n}')"
  worst=$secs
done
echo
awk -v s="$worst" -v n="$MAX" 'BEGIN {
  printf "%d models in %d rows: %.2f s (target < 5 s): %s\n", n, n * 10, s, s < 5 ? "met" : "NOT met"
}'
