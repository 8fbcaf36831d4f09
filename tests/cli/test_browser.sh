#!/usr/bin/env bash
# Browser test of ptbench's HTML: a site of two archives (`ptbench batch`)
# and one report from collected data (`ptbench report`'s index.html) opened
# in headless Chromium (Debian's `chromium`). The DOM must hold the tables and
# the chart images with their alt text, and a screenshot of a report must not
# be blank: its decoded pixels are compared with a screenshot of an empty
# page. The screenshots stay in $PTBENCH_BUILD/browser/ for a person to look
# at. Skipped (77) when Chromium is missing and cannot be installed.
. "$(dirname "$0")/../lib/cli.sh"
. "$PTBENCH_SRC/tests/lib/batch.sh"
. "$PTBENCH_SRC/tests/lib/need.sh"
. "$PTBENCH_SRC/tests/lib/browser.sh"
if ! need_browser; then
  echo "chromium is not installed and could not be installed: skipped"
  exit 77
fi

OUT=${PTBENCH_BUILD:-$TMP}/browser
mkdir -p "$OUT"
cd "$TMP" || exit 1
make_two_archives

t "site of two archives"
run "$PTBENCH" batch --out site bench-may.tar.gz bench-june.tar.xz
expect_status 0

t "index.html in the browser: the table of archives, newest first"
browser --dump-dom "file://$TMP/site/index.html"
expect_status 0
expect_out_has "<table>"
expect_out_has '<a href="bench-june/index.html">bench-june</a>'
case "$out" in
  *bench-june/index.html*bench-may/index.html*) ok ;;
  *) fail "archives not newest first" ;;
esac

t "a report in the browser: results table and both charts with alt text"
browser --dump-dom "file://$TMP/site/bench-june/index.html"
expect_status 0
expect_out_has "<table>"
expect_out_has "<td>mistral:7b</td>"
expect_out_has '<a href="../index.html">Benchmark archives</a> · 11 Jun 2025 11:00 UTC'
if grep -qE '<img src="eval_rate-means.svg" alt="[^"]+"' "$TMP/stdout"; then ok; else
  fail "no throughput chart with alt text"; fi
if grep -qE '<img src="eval_rate-penalty.svg" alt="[^"]+"' "$TMP/stdout"; then ok; else
  fail "no penalty chart with alt text"; fi

t "ptbench report's index.html in the browser: every metric's table and charts"
run "$PTBENCH" report --quiet --out rep "$PTBENCH_SRC/tests/data/report/collected"
expect_status 0
browser --dump-dom "file://$TMP/rep/index.html"
expect_status 0
expect_out_has "<title>Bare Metal vs VM</title>"
expect_out_has "<td>mistral:7b</td>"
expect_out_has "Time to first token"
for m in eval_rate prompt_eval_rate ttft_ns wall_ns; do
  for k in means penalty distribution timeline; do
    if grep -qE "<img src=\"$m-$k.svg\" alt=\"[^\"]+\"" "$TMP/stdout"; then ok; else
      fail "no $m-$k chart with alt text"; fi
  done
done
[ "$(grep -c '<table>' "$TMP/stdout")" -ge 4 ] && ok || fail "fewer than 4 tables"

t "screenshots are not blank"
printf '<!DOCTYPE html><html><body></body></html>\n' >blank.html
browser --screenshot="$OUT/blank.png" --window-size=1200,1600 "file://$TMP/blank.html"
expect_status 0
browser --screenshot="$OUT/report.png" --window-size=1200,1600 \
  "file://$TMP/site/bench-june/index.html"
expect_status 0
browser --screenshot="$OUT/index.png" --window-size=1200,1600 "file://$TMP/site/index.html"
expect_status 0
browser --screenshot="$OUT/collected-report.png" --window-size=1200,1600 "file://$TMP/rep/index.html"
expect_status 0
# a report with a table and two charts paints far more than 2 % of the
# window (tests/png_check.py decodes the screenshots)
run python3 "$PTBENCH_SRC/tests/png_check.py" painted "$OUT/blank.png" "$OUT/report.png" \
  "$OUT/index.png" "$OUT/collected-report.png"
expect_status 0
echo "$out"

finish
