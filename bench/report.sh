#!/usr/bin/env bash
# bench/report.sh - `ptbench report` (analyze + render) timed end to end:
#   1. the published article (data/article, article.md template) with every
#      chart in PNG, SVG and PDF;
#   2. a generated study of 12 models x 3 environments x 10 sessions x 100
#      trials (36,000 rows, every metric column collect writes, sessions
#      alternating), every metric and every chart: in the default formats
#      (png,svg,html) and in every format (png,svg,pdf,html).
# Prints the best wall time of RUNS runs of each, and the CPU time (user +
# system) of that run, since the machine may be shared: the charts are drawn
# by one thread per CPU, so wall time is what a user waits and CPU time what
# it costs.
#
#   bash bench/report.sh          (needs `make` first, or PTBENCH=path)
#
# Targets (issue 11): the article under 0.3 s; the 36,000 trials with all
# metrics and charts under 2 s.
set -euo pipefail
cd "$(dirname "$0")/.."
PTBENCH=${PTBENCH:-build/release/ptbench}
[ -x "$PTBENCH" ] || make -s build >/dev/null
RUNS=${RUNS:-5}

dir=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# 12 models x 3 environments x 10 sessions x 100 trials (5 prompts, 20
# trials each), the sessions alternating A B C A B C; rates with 2 % noise
# per trial and 1 % per session, the second and third environment 1.5 % and
# 3 % slower, prompts 3 % apart; load time long on a model's first trial of
# a session, time to first token = prompt time + load + 1 to 3 ms.
awk 'BEGIN {
  srand(7)
  print "run_id,seq,environment,started_at,model,prompt_id,trial,warmup,status,done_reason," \
        "prompt_eval_count,prompt_eval_duration_ns,eval_count,eval_duration_ns," \
        "load_duration_ns,total_duration_ns,ttft_ns,wall_ns,eval_rate,prompt_eval_rate"
  split("bare-metal vm container", env, " ")
  split("explain code summarize reason creative", pr, " ")
  t0 = 1767225600  # 2026-01-01
  for (s = 1; s <= 10; s++)
    for (e = 1; e <= 3; e++) {
      sess = (s - 1) * 3 + e
      run = sprintf("20260101T%02d0000Z-%08x", sess % 24, sess * 2654435761 % 4294967296)
      sf = 1 + (rand() - 0.5) * 0.02
      seq = 0
      for (m = 1; m <= 12; m++)
        for (i = 1; i <= 100; i++) {
          seq++
          p = (i - 1) % 5 + 1
          rate = (60 - 3 * m) * (1 - 0.015 * (e - 1)) * sf * (1 + 0.03 * (p - 3)) \
                 * (1 + (rand() - 0.5) * 0.04)
          n = 256; dur = n / rate * 1e9
          pc = 30 + p * 10
          prate = (1000 - 40 * m) * (1 - 0.01 * (e - 1)) * (1 + (rand() - 0.5) * 0.06)
          pdur = pc / prate * 1e9
          load = (i == 1 ? 1500 + 100 * m : 5 + rand() * 3) * 1e6
          ttft = pdur + load + (1 + rand()) * 2e6
          total = load + pdur + dur
          wall = total + (2 + rand()) * 1e6
          ts = t0 + sess * 7200 + seq * 10
          printf "%s,%d,%s,%s.000Z,model-%02d:%db,%s,%d,0,ok,stop,%d,%.0f,%d,%.0f,%.0f,%.0f,%.0f,%.0f,%.4f,%.4f\n",
            run, seq, env[e], strftime("%Y-%m-%dT%H:%M:%S", ts, 1), m, m + 6, pr[p],
            int((i - 1) / 5) + 1, pc, pdur, n, dur, load, total, ttft, wall,
            n / dur * 1e9, pc / pdur * 1e9
        }
    }
}' >"$dir/trials.csv"

# best NAME TARGET ARGS...: best wall time of $RUNS runs of `ptbench report
# ARGS`, with the CPU time of that run
best() {
  local name=$1 target=$2 b="" bcpu="" t0 t1 ms cpu
  shift 2
  for _ in $(seq "$RUNS"); do
    t0=$(date +%s%N)
    # bash's time keyword: user and system seconds of the command
    cpu=$( { TIMEFORMAT='%3U %3S'; time "$PTBENCH" report --quiet --out "$dir/out" "$@"; } 2>&1 |
      awk '{ printf "%d", ($1 + $2) * 1000 }')
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    if [ -z "$b" ] || [ "$ms" -lt "$b" ]; then b=$ms; bcpu=$cpu; fi
  done
  printf '%-58s %6d ms wall %6d ms CPU   (target < %s)\n' "$name" "$b" "$bcpu" "$target"
}

echo "ptbench report, best of $RUNS runs, $(nproc) CPUs"
best "article (data/article), every chart in png,svg,pdf" "300 ms" \
  --template article.md --formats png,svg,pdf data/article
best "36,000 trials, 5 metrics, 20 charts, default formats" "2000 ms" "$dir/trials.csv"
best "36,000 trials, 5 metrics, 20 charts, png,svg,pdf,html" "-" \
  --formats png,svg,pdf,html "$dir/trials.csv"
echo "(files of the last: $(ls "$dir/out" | wc -l), $(du -sh "$dir/out" | cut -f1))"
