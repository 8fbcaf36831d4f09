#!/usr/bin/env bash
# The site of `ptbench batch` as MkDocs builds it (Debian's `mkdocs`: 1.4 in
# Debian 12). A site of two archives is written as the docs folder of
# examples/mkdocs/ (its mkdocs.yml and hook, as a user copies them) and
# built with `mkdocs build --strict`; tests/check_site.py must find every
# archive's page with its table and every image of it, every link
# resolving, and no other page; the navigation must hold the index and one
# entry per archive, nothing else (the issue: each archive added a stray
# "Table" page). Skipped (77) when mkdocs is missing and cannot be
# installed.
. "$(dirname "$0")/../lib/cli.sh"
. "$PTBENCH_SRC/tests/lib/batch.sh"
. "$PTBENCH_SRC/tests/lib/need.sh"
if ! need_tool mkdocs mkdocs; then
  echo "mkdocs is not installed and could not be installed: skipped"
  exit 77
fi
mkdocs --version

cd "$TMP" || exit 1
make_two_archives
cp -r "$PTBENCH_SRC/examples/mkdocs" project

t "a site of two archives, written as a MkDocs docs folder"
run "$PTBENCH" batch --out project/docs bench-may.tar.gz bench-june.tar.xz
expect_status 0

t "mkdocs build --strict builds it, with nothing to warn about"
run mkdocs build --strict --config-file project/mkdocs.yml
expect_status 0
if grep -qE 'WARNING|ERROR' "$TMP/stdout" "$TMP/stderr"; then
  fail "mkdocs warned: $out $err"
else ok; fi

t "every archive page and every image is in site/, every link resolves"
# 4 pages: the home page (docs/README.md), one per archive and MkDocs's
# 404.html; _index.md (Hugo's index) is left out by the hook
run python3 "$PTBENCH_SRC/tests/check_site.py" project/docs project/site --pages 4 \
  --ignore search --ignore css --ignore js --ignore fonts --ignore img
expect_status 0
echo "$out" | tail -1
[ "$status" -eq 0 ] || echo "$out" >&2
[ ! -e project/site/_index ] && [ ! -e project/site/bench-may/table ] && ok ||
  fail "a stray page was built: $(find project/site -name index.html)"
grep -qF '<a href="../">Benchmark archives</a> · 11 Jun 2025 11:00 UTC' \
  project/site/bench-june/index.html && ok || fail "no link back to the index, or no date"

t "the navigation: the index and one entry per archive, no Table page"
run python3 - project/site/index.html <<'PY'
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
# the mkdocs theme's main navigation: the first "nav navbar-nav" list, up
# to the one on the right (search, previous, next)
nav = page[page.index('class="nav navbar-nav"'):page.index('class="nav navbar-nav ml-auto"')]
links = re.findall(r'<a href="([^"#][^"]*)" class="(?:nav-link|dropdown-item)[^"]*">\s*([^<]*?)\s*</a>', nav)
print(links)
want = [(".", "Benchmark archives"), ("bench-june/", "bench-june"), ("bench-may/", "bench-may")]
sys.exit(0 if sorted(links) == sorted(want) else "navigation: %s" % links)
PY
expect_status 0
[ "$status" -eq 0 ] || echo "$out" >&2

t "hostile model names are text in MkDocs's pages"
make_runs src/c/runs 23 2025-07-09 6 '<script>alert(1)</script>' '<img src=x onerror=alert(1)>'
tar -czf bench-july.tar.gz -C src/c runs
run "$PTBENCH" batch --out project/docs bench-july.tar.gz
expect_status 0
run mkdocs build --strict --config-file project/mkdocs.yml
expect_status 0
grep -rqiE '<script>alert|<img src=x' project/site --include='*.html' &&
  fail "markup from the data in MkDocs's pages" || ok
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' project/site/bench-july/index.html && ok ||
  fail "the model name is not shown as text"
# as it is, without the backslashes of CommonMark escapes, which
# Python-Markdown keeps before < and &
grep -qF '\&lt;' project/site/bench-july/index.html && fail "stray backslash before the name" || ok

finish
