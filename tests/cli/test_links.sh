#!/usr/bin/env bash
# Every relative link (and #anchor) of README.md and docs/*.md resolves, and
# every docs/NAME.md they mention exists (tests/check_links.py); the checker
# itself is tried on a page with one link of each kind that is broken.
set -u
: "${PTBENCH_SRC:?}"
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }
status=0
python3 "$PTBENCH_SRC/tests/check_links.py" "$PTBENCH_SRC" || status=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-links.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/docs"
cat >"$tmp/docs/page.md" <<'MD'
## A `code` heading — with dashes
## Twice
## Twice
[ok](page.md#a-code-heading--with-dashes) [ok](#twice-1) [ok](../docs/page.md)
[gone](missing.md) [bad anchor](page.md#nope) ![img](chart.svg)
`[not a link](x.md)` and docs/absent.md
```
docs/in-code.md
```
[ref]: other.md#x
MD
got=$(python3 "$PTBENCH_SRC/tests/check_links.py" "$tmp" "$tmp/docs/page.md")
want="docs/page.md:5: link 'missing.md': no file docs/missing.md
docs/page.md:5: link 'page.md#nope': no heading '#nope' in docs/page.md
docs/page.md:5: link 'chart.svg': no file docs/chart.svg
docs/page.md:6: mention 'docs/absent.md': no file docs/absent.md
docs/page.md:8: mention 'docs/in-code.md': no file docs/in-code.md
docs/page.md:10: link 'other.md#x': no file docs/other.md
9 links checked, 6 broken"
if [ "$got" = "$want" ]; then echo "ok: the checker finds each kind of broken link"; else
  echo "FAIL: the checker's report differs:"; diff <(echo "$want") <(echo "$got"); status=1
fi
exit $status
