#!/usr/bin/env bash
# bench/report.sh - wall time of `ptbench report` (analyze + render, every
# chart in PNG, SVG and PDF) for the published article (data/article) and
# for a generated 12 models x 3 environments x 1,000 trials dataset. Prints
# the best of 5 runs of each.
#
#   bash bench/report.sh          (needs `make` first, or PTBENCH=path)
#
# Targets (issue "Render the article"): article < 0.3 s, 36,000 trials < 1 s.
set -euo pipefail
cd "$(dirname "$0")/.."
PTBENCH=${PTBENCH:-build/release/ptbench}
[ -x "$PTBENCH" ] || make -s build >/dev/null
RUNS=${RUNS:-5}

dir=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# 12 models x 3 environments x 1,000 trials, rates with 2 % noise, the VMs
# 1.5 % and 3 % slower.
awk 'BEGIN {
  srand(7)
  print "model,environment,trial,eval_rate"
  split("bare-metal vm container", env, " ")
  for (m = 1; m <= 12; m++)
    for (e = 1; e <= 3; e++)
      for (i = 1; i <= 1000; i++)
        printf "model-%02d:%db,%s,%d,%.4f\n", m, m + 6, env[e], i,
          (60 - 3 * m) * (1 - 0.015 * (e - 1)) * (1 + (rand() - 0.5) * 0.04)
}' >"$dir/trials.csv"

# best NAME ARGS...: best wall time of $RUNS runs of `ptbench report ARGS`
best() {
  local name=$1 b="" t0 t1 ms
  shift
  for _ in $(seq "$RUNS"); do
    t0=$(date +%s%N)
    "$PTBENCH" report --quiet --formats png,svg,pdf --out "$dir/out" "$@"
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    if [ -z "$b" ] || [ "$ms" -lt "$b" ]; then b=$ms; fi
  done
  printf '%-36s %6d ms   (target < %s)\n' "$name" "$b" "$TARGET"
}

TARGET="300 ms" best "article (data/article)" --template article.md data/article
TARGET="1000 ms" best "12 x 3 x 1,000 trials (36,000 rows)" "$dir/trials.csv"
