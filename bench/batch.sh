#!/usr/bin/env bash
# bench/batch.sh - `ptbench batch --jobs 2` over 1,000 tar.gz archives (each
# 2 environments x 4 models x 30 trials, from tests/lib/batch.sh's
# make_archives) into a fresh site; then again with nothing changed; then
# with one new archive alone, which the site adds to the 1,000 it remembers.
# Prints the three wall times and batch's summaries.
#
#   bash bench/batch.sh [ARCHIVES] [JOBS]   (default 1000 and 2; needs `make` first)
#
# Targets (issue 12): the fresh site under 15 s, nothing changed under 1 s.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
JOBS=${2:-2}
PTBENCH=${PTBENCH:-build/release/ptbench}
[ -x "$PTBENCH" ] || make -s build >/dev/null
PTBENCH=$(cd "$(dirname "$PTBENCH")" && pwd)/$(basename "$PTBENCH")
. tests/lib/batch.sh

dir=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir"
make_archives archives "$N" 30
make_archives new 1 30
mv new/runs-0001.tar.gz runs-new.tar.gz
printf 'input: %d archives, %d KB in all; %s, %d cores\n\n' "$N" \
  "$(du -ck archives/*.tar.gz | tail -1 | cut -f1)" "$("$PTBENCH" --version 2>&1 | head -1)" \
  "$(nproc)"

# wall NAME CMD...: the wall time of one run, and its CPU time (user + system,
# which on a machine shared with other work says what the run itself costs)
wall() {
  local name=$1 TIMEFORMAT='%R %U %S'
  shift
  { time "$@" 2>"$dir/err" || { cat "$dir/err" >&2; exit 1; }; } 2>"$dir/time"
  read -r real user sys <"$dir/time"
  awk -v r="$real" -v u="$user" -v s="$sys" -v n="$name" \
    'BEGIN { printf "%-28s %6.2f s wall  %6.2f s CPU (%.2f user, %.2f system)\n", n, r, u + s, u, s }'
  tail -1 "$dir/err"
}

wall "batch (fresh site)" "$PTBENCH" batch --jobs "$JOBS" --out site archives/*.tar.gz
wall "batch (nothing changed)" "$PTBENCH" batch --jobs "$JOBS" --out site archives/*.tar.gz
wall "batch (one new archive)" "$PTBENCH" batch --jobs "$JOBS" --out site runs-new.tar.gz
echo "targets: fresh site under 15 s, nothing changed under 1 s (--jobs 2)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows the wall times)"
