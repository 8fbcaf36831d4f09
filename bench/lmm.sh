#!/usr/bin/env bash
# bench/lmm.sh - the session model (analyze/lmm.c) on 1,000,000 trials in
# 200 sessions and 5 prompts, beside R's lmer + lmerTest on the same rows.
#
#   bash bench/lmm.sh [ROWS [SESSIONS [PROMPTS]]]   (defaults 1000000 200 5)
#
# Target (brief of issue #8): the fit "well under a second". ptbench's time
# includes taking the log of every rate and the per-(session, prompt)
# accumulation, as analyze does; the second line fits every row as its own
# group through the general dense API. R is the peer where it is installed
# (r-base-core, r-cran-lmertest: only for reference values, so this script
# does not install it); without it the R line is skipped, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000} SESSIONS=${2:-200} PROMPTS=${3:-5}
BUILD_DIR=${BUILD_DIR:-build/release}
[ -d "$BUILD_DIR" ] || make -s build >/dev/null
cmake --build "$BUILD_DIR" --target bench-lmm -- --no-print-directory >/dev/null

. bench/lib.sh
need_gnu_time
bench_tmpdir bench
csv=$dir/trials.csv
want_csv=()
if command -v Rscript >/dev/null && Rscript -e 'quit(status = !requireNamespace("lmerTest", quietly = TRUE))' 2>/dev/null; then
  want_csv=(--csv "$csv")
fi

echo "== ptbench (analyze/lmm.c)"
/usr/bin/time -f 'peak RSS %M kB' "$BUILD_DIR/bench-lmm" "$ROWS" "$SESSIONS" "$PROMPTS" ${want_csv[@]+"${want_csv[@]}"} 2>&1

echo
echo "== R lmer + lmerTest (Satterthwaite), same rows"
if [ ${#want_csv[@]} -eq 0 ]; then
  echo "skipped: Rscript with lmerTest not installed (apt-get install r-base-core r-cran-lmertest)"
  exit 0
fi
Rscript - "$csv" <<'R'
suppressPackageStartupMessages(library(lmerTest))
d <- read.csv(commandArgs(TRUE)[1])
d$environment <- factor(d$environment, levels = c("bare-metal", "vm"))
t <- system.time({
  m <- lmer(log(eval_rate) ~ environment + prompt_id + (1 | run_id), d)
  s <- coef(summary(m))["environmentvm", ]
})
vc <- as.data.frame(VarCorr(m))
cat(sprintf("%-34s %8.3f s   log ratio %+.6f  se %.6f  df %7.2f  sigma_b %.5f  sigma_w %.5f\n",
            "lmer + summary (lmerTest)", t[["elapsed"]], s[["Estimate"]], s[["Std. Error"]],
            s[["df"]], vc$sdcor[1], sigma(m)))
R
