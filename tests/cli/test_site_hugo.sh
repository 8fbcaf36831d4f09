#!/usr/bin/env bash
# The site of `ptbench batch` as Hugo builds it (Debian's `hugo`: 0.111 in
# Debian 12). A site of two archives is written as the content folder of
# examples/hugo/ (its theme-free layout and config, as a user copies them)
# and built with path warnings on; the build must say nothing, and
# tests/check_site.py must find every archive's page with its table and
# every image of it in public/, every link resolving and no other page (the
# issue: a root index.md made the whole tree one leaf bundle, so no archive
# page was rendered; as _index.md sections, README.md pages landed at
# /ARCHIVE/readme/ and their charts broke). Then headless Chromium shows one
# Hugo page with its charts drawn. Skipped (77) when hugo is missing and
# cannot be installed; the browser step alone is skipped, visibly, without
# Chromium.
. "$(dirname "$0")/../lib/cli.sh"
. "$PTBENCH_SRC/tests/lib/batch.sh"
. "$PTBENCH_SRC/tests/lib/need.sh"
. "$PTBENCH_SRC/tests/lib/browser.sh"
if ! need_tool hugo hugo; then
  echo "hugo is not installed and could not be installed: skipped"
  exit 77
fi
hugo version

cd "$TMP" || exit 1
make_two_archives
cp -r "$PTBENCH_SRC/examples/hugo" project

t "a site of two archives, written as Hugo content"
run "$PTBENCH" batch --out project/content bench-may.tar.gz bench-june.tar.xz
expect_status 0

t "hugo builds it, with nothing to warn about"
run hugo --source project --printPathWarnings --panicOnWarning
expect_status 0
if grep -qE 'WARN|ERROR' "$TMP/stdout" "$TMP/stderr"; then
  fail "hugo warned: $out $err"
else ok; fi

t "every archive page and every image is in public/, every link resolves"
# 3 pages: the home page (content/_index.md) and one per archive (the page
# bundles content/SLUG/index.md); README.md is hidden from Hugo
run python3 "$PTBENCH_SRC/tests/check_site.py" project/content project/public --pages 3
expect_status 0
echo "$out" | tail -1
[ "$status" -eq 0 ] || echo "$out" >&2
for path in bench-may/eval_rate-means.svg bench-may/eval_rate-penalty.svg \
            bench-june/eval_rate-means.svg bench-june/eval_rate-penalty.svg bench-june/analysis.json; do
  [ -f "project/public/$path" ] && ok || fail "public/$path missing"
done
[ ! -e project/public/readme ] && [ ! -e project/public/bench-may/readme ] && ok ||
  fail "a README page was rendered"
grep -qF '<title>bench-june · Benchmark archives</title>' project/public/bench-june/index.html &&
  ok || fail "public/bench-june/index.html is not Hugo's page"
grep -qF '<a href="../">Benchmark archives</a> · 11 Jun 2025 11:00 UTC' \
  project/public/bench-june/index.html && ok || fail "no link back to the index, or no date"
grep -qE '<a href="(\./)?bench-june/">bench-june</a>' project/public/index.html && ok ||
  fail "the home page does not link the archive: $(grep -o '<a [^>]*>' project/public/index.html)"

t "a third archive, with hostile model names: the next build lists all three, as text"
make_runs src/c/runs 23 2025-07-09 6 '<script>alert(1)</script>' '<img src=x onerror=alert(1)>'
tar -czf bench-july.tar.gz -C src/c runs
run "$PTBENCH" batch --out project/content bench-july.tar.gz
expect_status 0
run hugo --source project --printPathWarnings --panicOnWarning
expect_status 0
run python3 "$PTBENCH_SRC/tests/check_site.py" project/content project/public --pages 4
expect_status 0
[ "$status" -eq 0 ] || echo "$out" >&2
grep -rqiE '<script|<img src=x' project/public --include='*.html' &&
  fail "markup from the data in Hugo's pages" || ok
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' project/public/bench-july/index.html && ok ||
  fail "the model name is not shown as text"

t "headless Chromium shows a Hugo page with its charts"
if need_browser; then
  OUT=${PTBENCH_BUILD:-$TMP}/browser
  mkdir -p "$OUT"
  browser --dump-dom "file://$TMP/project/public/bench-june/index.html"
  expect_status 0
  expect_out_has "<table>"
  grep -qE '<img src="eval_rate-means.svg" alt="[^"]+"' "$TMP/stdout" && ok ||
    fail "no throughput chart with alt text in the DOM"
  # the charts' bars are drawn in the palette's blue and orange
  # (render/chart.c); a chart that did not load shows none of them
  browser --screenshot="$OUT/hugo-report.png" --window-size=1200,3000 \
    "file://$TMP/project/public/bench-june/index.html"
  expect_status 0
  run python3 "$PTBENCH_SRC/tests/png_check.py" colors 0072B2,E69F00 5000 "$OUT/hugo-report.png"
  expect_status 0
  echo "$out"
else
  echo "chromium is not installed and could not be installed: the browser step is skipped"
fi

finish
