#!/usr/bin/env bash
# bench/charts.sh - the trial charts (distribution, timeline) on 12 models x
# 3 environments x 10 sessions x 100 trials = 36,000 points, in PNG (2x),
# SVG and PDF: ptbench's chart code (bench/chart_bench.c) beside R's base
# graphics (the peer: png(type = "cairo"), svg(), pdf()) drawing the same
# points from the same CSV into the same panels. Both print CPU time
# (user + system) per chart and format, best of RUNS; CPU time rather than
# wall time, so that other work on the machine does not count.
#
#   bash bench/charts.sh            (RUNS=5 by default; R is optional)
#
# Issue 11 wants a whole report of this study, every metric and chart, in
# under 2 s: these two charts are a part of that budget.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/release}
RUNS=${RUNS:-5}
[ -d "$BUILD" ] || make -s build >/dev/null
cmake --build "$BUILD" --target chart-bench -- --no-print-directory >/dev/null

dir=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-charts.XXXXXX")
trap 'rm -rf "$dir"' EXIT

"$BUILD/chart-bench" --runs "$RUNS" --csv "$dir/trials.csv" --out "$dir"

if ! command -v Rscript >/dev/null 2>&1; then
  echo "R graphics: Rscript not installed (apt-get install r-base-core), peer skipped"
  exit 0
fi
Rscript --vanilla - "$dir/trials.csv" "$dir" "$RUNS" <<'RSCRIPT'
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
out <- args[2]; runs <- as.integer(args[3])
models <- unique(d$model); envs <- unique(d$environment)
hue <- c("#0072B2", "#E69F00", "#009E73")
nrank <- max(d$rank) + 1
# session shades, light (first) to dark (last), as ptbench does
shades <- lapply(seq_along(envs), function(e)
  colorRampPalette(c(adjustcolor(hue[e], 0.5, 1, 1, 1), hue[e], "#00000080"),
                   alpha = FALSE)(nrank))
d$e <- match(d$environment, envs)
d$col <- mapply(function(e, r) shades[[e]][r + 1], d$e, d$rank)
set.seed(1)
d$x <- d$e + ((d$rank + 0.5) / nrank - 0.5) * 0.8 + runif(nrow(d), -0.03, 0.03)
byModel <- split(d, d$model)[models]
dist <- function() {
  par(mfrow = c(3, 4), mar = c(2.5, 3, 2, 0.5))
  for (m in models) {
    x <- byModel[[m]]
    plot(x$x, x$value, col = adjustcolor(x$col, 0.6), pch = c(16, 15, 17)[x$e], cex = 0.35,
         xlim = c(0.5, length(envs) + 0.5), xaxt = "n", xlab = "", ylab = "", main = m)
    axis(1, at = seq_along(envs), labels = envs)
    for (k in seq_along(envs)) {
      md <- median(x$value[x$e == k])
      segments(k - 0.4, md, k + 0.4, md, lwd = 2)
    }
  }
}
timeline <- function() {
  par(mfrow = c(3, 4), mar = c(2.5, 3, 2, 0.5))
  for (m in models) {
    x <- byModel[[m]]
    plot(range(x$seq), range(x$value), type = "n", xlab = "", ylab = "", main = m)
    for (s in split(x, x$session)) lines(s$seq, s$value, col = s$col[1])
  }
}
cpu <- function(open, draw) {
  best <- Inf
  for (i in seq_len(runs)) {
    t <- system.time({ open(); draw(); dev.off() })
    best <- min(best, t[["user.self"]] + t[["sys.self"]])
  }
  best * 1000
}
w <- 1111; h <- 756  # logical size of ptbench's distribution chart
cat(sprintf("R %s graphics, the same %d points, best of %d (CPU time):\n",
            getRversion(), nrow(d), runs))
total <- 0
for (chart in c("distribution", "timeline")) {
  draw <- if (chart == "distribution") dist else timeline
  f <- file.path(out, paste0("R-", chart))
  p <- cpu(function() png(paste0(f, ".png"), width = 2 * w, height = 2 * h, res = 144,
                          type = "cairo"), draw)
  s <- cpu(function() svg(paste0(f, ".svg"), width = w / 72, height = h / 72), draw)
  q <- cpu(function() pdf(paste0(f, ".pdf"), width = w / 72, height = h / 72), draw)
  kb <- function(ext) file.size(paste0(f, ext)) %/% 1024
  cat(sprintf("  %-12s png %7.1f ms (%5d KB)   svg %7.1f ms (%5d KB)   pdf %7.1f ms (%5d KB)\n",
              chart, p, kb(".png"), s, kb(".svg"), q, kb(".pdf")))
  total <- total + p + s + q
}
cat(sprintf("  total, both charts in 3 formats: %.1f ms\n", total))
RSCRIPT
