#!/usr/bin/env bash
# bench/batch.sh - `ptbench batch --jobs 2` over 100 tar.gz archives (each
# 2 environments x 4 models x 30 trials, from tests/lib/batch.sh) into a
# fresh site, then again (every archive unchanged), then into another fresh
# site with PNG charts as well as SVG. Prints the three wall times.
#
#   bash bench/batch.sh [ARCHIVES] [JOBS]   (default 100 and 2; needs `make` first)
#
# Target (batch issue): the first run under 10 s wall.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100}
JOBS=${2:-2}
PTBENCH=${PTBENCH:-build/release/ptbench}
[ -x "$PTBENCH" ] || make -s build >/dev/null
PTBENCH=$(cd "$(dirname "$PTBENCH")" && pwd)/$(basename "$PTBENCH")
. tests/lib/batch.sh

dir=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir"
archives=()
for i in $(seq 1 "$N"); do
  name=$(printf 'runs-%03d' "$i")
  make_runs "src/$name/runs" "$i" "$(date -u -d "2024-01-01 + $i days" +%F)" 30
  tar -czf "$name.tar.gz" -C "src/$name" runs
  archives+=("$name.tar.gz")
done
printf 'input: %d archives, %d KB in all\n\n' "$N" "$(du -ck ./*.tar.gz | tail -1 | cut -f1)"

# wall NAME CMD...: wall time of one run, in seconds
wall() {
  local name=$1 start end
  shift
  start=$(date +%s.%N)
  "$@" 2>"$dir/err.$name" || { cat "$dir/err.$name" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" -v n="$name" 'BEGIN { printf "%-22s %6.2f s\n", n, b - a }'
}

wall "batch (fresh site)" "$PTBENCH" batch --jobs "$JOBS" --out site "${archives[@]}"
tail -1 "$dir/err.batch (fresh site)"
wall "batch (all unchanged)" "$PTBENCH" batch --jobs "$JOBS" --out site "${archives[@]}"
tail -1 "$dir/err.batch (all unchanged)"
wall "batch (png,svg charts)" "$PTBENCH" batch --jobs "$JOBS" --formats png,svg --out site-png "${archives[@]}"
tail -1 "$dir/err.batch (png,svg charts)"
echo "target: fresh site (default formats) under 10 s with --jobs 2"
