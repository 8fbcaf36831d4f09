#!/usr/bin/env bash
# bench/linear.sh - the trials reader scales linearly with the width of the
# header: `ptbench analyze` on files whose header has 125,000 to 1,000,000
# columns (model, environment, eval_rate and unknown columns c4, c5, ...),
# each with two data rows, with the time per column at each width so a
# quadratic step shows as a growing number.
#
#   bash bench/linear.sh [MAX_COLUMNS]    (default 1000000; needs `make` first)
#
# Target (issue #13 item 5): 1,000,000 columns under 5 s. Before the header
# names went into a hash table, 160,000 columns took 57 s and 1,000,000
# did not finish.
set -euo pipefail
cd "$(dirname "$0")/.."
MAX=${1:-1000000}
. bench/lib.sh
bench_ptbench
need_gnu_time
bench_tmpdir linear

# wide N: a trials.csv with N columns and two rows
wide() {
  awk -v n="$1" 'BEGIN {
    printf "model,environment,eval_rate"
    for (i = 4; i <= n; i++) printf ",c%d", i
    printf "\n"
    for (r = 1; r <= 2; r++) {
      printf "m,vm,%d", 40 + r
      for (i = 4; i <= n; i++) printf ",%d", i % 10
      printf "\n"
    }
  }' >"$dir/trials.csv"
}

printf '%10s %9s %10s %12s\n' columns wall "peak RSS" "ns/column"
worst=0
for n in $((MAX / 8)) $((MAX / 4)) $((MAX / 2)) "$MAX"; do
  wide "$n"
  /usr/bin/time -f '%e %M' -o "$dir/time" "$PTBENCH" analyze --quiet --format csv \
    "$dir/trials.csv" >"$dir/out" 2>"$dir/err" || { cat "$dir/err"; exit 1; }
  read -r secs kb <"$dir/time"
  grep -q '^m,vm,vm,1,2,' "$dir/out" || { echo "unexpected output:"; cat "$dir/out"; exit 1; }
  printf '%10d %8.2fs %7.1f MB %12.0f\n' "$n" "$secs" "$(awk -v k="$kb" 'BEGIN{print k/1024}')" \
    "$(awk -v s="$secs" -v n="$n" 'BEGIN{print s * 1e9 / n}')"
  worst=$secs
done
echo
awk -v s="$worst" -v n="$MAX" 'BEGIN {
  printf "%d columns: %.2f s (target < 5 s): %s\n", n, s, s < 5 ? "met" : "NOT met"
}'
