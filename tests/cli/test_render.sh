#!/usr/bin/env bash
# CLI tests of `ptbench render` and `ptbench report`: the article rebuilt
# from data/article (its published table, the computed mean penalty, the
# charts), the report directory written whole or not at all, bad analysis
# documents, bad options, and hostile names escaped in the Markdown.
. "$(dirname "$0")/../lib/cli.sh"
cd "$PTBENCH_SRC"

# no_tmp_dirs DIR: nothing named *.tmp-* or *.old-* was left in DIR
no_tmp_dirs() {
  local left
  left=$(find "$1" -maxdepth 1 \( -name '*.tmp-*' -o -name '*.old-*' \) | head -1)
  if [ -n "$left" ]; then fail "left behind: $left"; else ok; fi
}

# expect_file_has FILE TEXT
expect_file_has() {
  if grep -qF -- "$2" "$1"; then ok; else fail "$1 lacks '$2'"; fi
}

# --- make article, verbatim but for the output directory -------------------
t "make article"
run "$PTBENCH" report --quiet --out "$TMP/article" --template article.md data/article
expect_status 0
[ -z "$out" ] && ok || fail "report wrote to stdout: $out"
[ -z "$err" ] && ok || fail "--quiet report wrote to stderr: $err"

t "article table.md is the published table"
# tests/golden/article-table.md is the table as the article printed it
if cmp -s "$TMP/article/table.md" tests/golden/article-table.md; then ok; else
  fail "table.md differs from the golden table"
  diff tests/golden/article-table.md "$TMP/article/table.md" >&2
fi

t "article README.md"
readme=$TMP/article/README.md
while IFS= read -r row; do expect_file_has "$readme" "$row"; done <tests/golden/article-table.md
# the mean of the four published penalties, worked out by hand:
# (1.6567 + 0.2852 + 1.1628 + 1.7131) / 4 = 1.2045
expect_file_has "$readme" "**1.20%**"
expect_file_has "$readme" "](eval_rate-means.png)"
expect_file_has "$readme" "](eval_rate-penalty.png)"
expect_file_has "$readme" "# Measuring GPU Passthrough Overhead Using vfio-pci on AI Linux"
expect_file_has "$readme" "AMD Radeon RX 9060 XT 16GB"
expect_file_has "$readme" "ROCm 6.4.1"
expect_file_has "$readme" "Sbnb Linux"
expect_file_has "$readme" "5 prompts, with 1 run per prompt"
# the data has one run per cell: the caveat is there
expect_file_has "$readme" "What these numbers cannot show"

t "article charts"
# the default formats are png, svg and html; pdf when asked for
run "$PTBENCH" report --quiet --formats png,svg,pdf --out "$TMP/article-pdf" --template article.md data/article
expect_status 0
[ -f "$TMP/article/index.html" ] && ok || fail "no index.html in the article's report"
for c in eval_rate-means eval_rate-penalty; do
  f=$TMP/article/$c
  [ "$(head -c 8 "$f.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] && ok ||
    fail "$c.png has no PNG signature"
  [ "$(head -c 5 "$TMP/article-pdf/$c.pdf")" = "%PDF-" ] && ok || fail "$c.pdf does not start with %PDF-"
  [ ! -e "$f.pdf" ] && ok || fail "$c.pdf written without being asked for"
  if command -v xmllint >/dev/null; then
    xmllint --noout "$f.svg" 2>/dev/null && ok || fail "$c.svg is not well-formed XML"
  else
    head -c 200 "$f.svg" | grep -q '<svg' && ok || fail "$c.svg has no <svg"
  fi
done
expect_file_has "$TMP/article/analysis.json" '"schema":	"ptbench.analysis/2"'
no_tmp_dirs "$TMP"

# --- render = analyze + render, byte for byte -------------------------------
t "render an analysis.json from ptbench analyze"
run "$PTBENCH" analyze -o "$TMP/analysis.json" data/article
expect_status 0
run "$PTBENCH" render --out "$TMP/rendered" "$TMP/analysis.json"
expect_status 0
expect_err_has "report written to $TMP/rendered"
run "$PTBENCH" report --out "$TMP/reported" data/article
expect_status 0
for f in table.md analysis.json; do
  cmp -s "$TMP/rendered/$f" "$TMP/reported/$f" && ok || fail "render and report differ in $f"
done
# README.md differs in what it says of the charts of every trial: report has
# the trials (here one per cell: nothing to draw), render only analysis.json
single="Every model has a single trial per environment: there is no spread or drift to draw."
alone="The distribution and timeline of every trial are drawn from the trials themselves, which analysis.json does not hold: \`ptbench report\` on the run directories draws them."
expect_file_has "$TMP/reported/README.md" "$single"
expect_file_has "$TMP/rendered/README.md" "$alone"
if diff <(grep -vxF "$single" "$TMP/reported/README.md") \
        <(grep -vxF "$alone" "$TMP/rendered/README.md") >/dev/null; then ok; else
  fail "render and report differ in README.md beyond the note on the trial charts"
fi
cmp -s "$TMP/analysis.json" "$TMP/rendered/analysis.json" && ok ||
  fail "analysis.json of the report differs from analyze's"
# the default template is report.md: the table, the details, the warnings
expect_file_has "$TMP/rendered/README.md" "| mistral:7b | Bare Metal | 1 | 1 | 50.10 | — | — | 50.10 | — | — | — | — |"
expect_file_has "$TMP/rendered/README.md" "| mistral:7b | VM w/ GPU Passthrough | 1 | 1 | 49.27 | — | — | 49.27 | 1.66% | — | — | undetermined |"
expect_file_has "$TMP/rendered/README.md" "- no residual variation (one value per cell, or identical values): no test; collect at least 3 sessions per environment, alternating A B A B"
expect_file_has "$TMP/rendered/README.md" "## Warnings"
expect_file_has "$TMP/rendered/README.md" "| Hypervisor host | Sbnb Linux |"

t "--formats"
run "$PTBENCH" render --formats svg --out "$TMP/svg" "$TMP/analysis.json"
expect_status 0
[ "$(cd "$TMP/svg" && ls | tr '\n' ' ')" = "README.md analysis.json eval_rate-means.svg eval_rate-penalty.svg table.md " ] &&
  ok || fail "svg only: $(ls "$TMP/svg")"
expect_file_has "$TMP/svg/README.md" "](eval_rate-means.svg)"
run "$PTBENCH" render --formats none --out "$TMP/none" "$TMP/analysis.json"
expect_status 0
[ ! -e "$TMP/none/eval_rate-means.png" ] && ok || fail "--formats none drew charts"
[ ! -e "$TMP/none/index.html" ] && ok || fail "--formats none wrote index.html"
if grep -q '](eval_rate' "$TMP/none/README.md"; then fail "chart link without a chart"; else ok; fi

# --- a failed render leaves the previous report untouched ------------------
t "failed render keeps the previous report"
run "$PTBENCH" render --out "$TMP/keep" "$TMP/analysis.json"
expect_status 0
before=$(cd "$TMP/keep" && sha256sum ./*)
mkdir -p "$TMP/tpl"
printf '# report\n{{#rows}}\n| {{model}} |\n' >"$TMP/tpl/broken.md.mustache"
run "$PTBENCH" render --templates "$TMP/tpl" --template broken.md --out "$TMP/keep" "$TMP/analysis.json"
expect_status 3
expect_err_has "broken.md.mustache:2:1: unclosed section 'rows'"
[ "$(cd "$TMP/keep" && sha256sum ./*)" = "$before" ] && ok || fail "previous report changed"
no_tmp_dirs "$TMP"

t "a template given by path, its partials beside it"
printf 'rows: {{> part}}' >"$TMP/tpl/own.md.mustache"
printf '{{#rows}}[{{model}}]{{/rows}}' >"$TMP/tpl/part.mustache"
run "$PTBENCH" render --template "$TMP/tpl/own.md.mustache" --out "$TMP/own" "$TMP/analysis.json"
expect_status 0
[ "$(cat "$TMP/own/README.md")" = "rows: [mistral:7b][gemma2:9b][phi4:14b][deepseek-r1:14b]" ] &&
  ok || fail "own template: $(cat "$TMP/own/README.md")"

t "a missing partial renders empty, with a warning"
printf 'a{{> nosuch}}b\n' >"$TMP/tpl/lack.md.mustache"
run "$PTBENCH" render --templates "$TMP/tpl" --template lack.md --out "$TMP/lack" "$TMP/analysis.json"
expect_status 0
expect_err_has "warning: missing partial 'nosuch' ($TMP/tpl/lack.md.mustache:1:2): no 'nosuch.mustache' in $TMP/tpl"
[ "$(cat "$TMP/lack/README.md")" = "ab" ] && ok || fail "missing partial: $(cat "$TMP/lack/README.md")"
run "$PTBENCH" render --quiet --templates "$TMP/tpl" --template lack.md --out "$TMP/lack" "$TMP/analysis.json"
expect_status 0
[ -z "$err" ] && ok || fail "--quiet still warns: $err"

t "a user's table.md overrides the shipped one"
printf 'my table\n' >"$TMP/tpl/table.md.mustache"
run "$PTBENCH" render --templates "$TMP/tpl" --out "$TMP/mytable" "$TMP/analysis.json"
expect_status 0
[ "$(cat "$TMP/mytable/table.md")" = "my table" ] && ok || fail "table.md not overridden"
expect_file_has "$TMP/mytable/README.md" "my table"

t "unknown template"
run "$PTBENCH" render --template nosuch --out "$TMP/nt" "$TMP/analysis.json"
expect_status 1
expect_err_has "no template 'nosuch': no 'nosuch.mustache' in"
expect_no_file "$TMP/nt"

# --- bad analysis documents: exit 3, nothing written -----------------------
t "analysis.json that is not JSON"
printf '{"schema": "ptbench.analysis/2",\n  "models": [}\n' >"$TMP/bad.json"
run "$PTBENCH" render --out "$TMP/bad" "$TMP/bad.json"
expect_status 3
expect_err_has "bad.json:2:"
expect_no_file "$TMP/bad"

t "analysis.json of another schema"
printf '{"schema": "ptbench.manifest/1"}\n' >"$TMP/schema.json"
run "$PTBENCH" render --out "$TMP/bad" "$TMP/schema.json"
expect_status 3
expect_err_has "schema.json: not an analysis document: schema is 'ptbench.manifest/1', expected 'ptbench.analysis/2'"
expect_no_file "$TMP/bad"

# an analysis.json of an older ptbench (schema 1: no sessions, no verdicts)
# is refused with what to do, not rendered with blanks
t "analysis.json of an older ptbench"
printf '{"schema": "ptbench.analysis/1", "models": []}\n' >"$TMP/v1.json"
run "$PTBENCH" render --out "$TMP/bad" "$TMP/v1.json"
expect_status 3
expect_err_has "ptbench: $TMP/v1.json: an analysis document of another ptbench version (schema 'ptbench.analysis/1', this one reads 'ptbench.analysis/2'): analyze the trials again with this ptbench, 'ptbench analyze -o analysis.json RUN...'"
expect_no_file "$TMP/bad"
no_tmp_dirs "$TMP"

t "analysis.json that does not exist"
run "$PTBENCH" render --out "$TMP/bad" "$TMP/nope.json"
expect_status 1
expect_no_file "$TMP/bad"

# --- output directories ------------------------------------------------------
t "output under a file cannot be written"
touch "$TMP/file"
run "$PTBENCH" render --out "$TMP/file/sub" "$TMP/analysis.json"
expect_status 1
expect_err_has "$TMP/file/sub"
[ -f "$TMP/file" ] && [ ! -s "$TMP/file" ] && ok || fail "$TMP/file changed"
no_tmp_dirs "$TMP"

t "a directory that is not a report is not replaced"
mkdir -p "$TMP/precious"
echo keep >"$TMP/precious/notes.txt"
run "$PTBENCH" render --out "$TMP/precious" "$TMP/analysis.json"
expect_status 3
expect_err_has "refusing to replace a directory that is not a ptbench report"
[ "$(cat "$TMP/precious/notes.txt")" = keep ] && ok || fail "precious/notes.txt changed"

t "a file is not replaced"
run "$PTBENCH" render --out "$TMP/file" "$TMP/analysis.json"
expect_status 3
[ -f "$TMP/file" ] && ok || fail "$TMP/file replaced"

# --- options -----------------------------------------------------------------
t "unknown --formats"
run "$PTBENCH" render --formats png,gif --out "$TMP/f" "$TMP/analysis.json"
expect_status 2
expect_err_has "unknown chart format 'gif'"
expect_no_file "$TMP/f"
run "$PTBENCH" report --formats jpeg --out "$TMP/f" data/article
expect_status 2
expect_no_file "$TMP/f"

t "an empty --out is a usage error, with or without charts"
run "$PTBENCH" render --formats none --out '' "$TMP/analysis.json"
expect_status 2
expect_err_has "--out wants a directory"

t "render usage"
run "$PTBENCH" render
expect_status 2
expect_err_has "no ANALYSIS.json given"
run "$PTBENCH" render a.json b.json
expect_status 2
expect_err_has "too many arguments: 'b.json'"
run "$PTBENCH" report --out "$TMP/f"
expect_status 2
expect_err_has "no INPUT given"
run "$PTBENCH" report --metric tokens --out "$TMP/f" data/article
expect_status 2
expect_err_has "unknown metric 'tokens'"
run "$PTBENCH" report --help
expect_status 0
expect_out_has "--baseline ENV"
expect_out_has "--formats LIST"

t "report with analyze options"
run "$PTBENCH" report --quiet --label vm=VM --baseline vm --out "$TMP/opts" data/article
expect_status 0
expect_file_has "$TMP/opts/table.md" "| Model | VM | Bare Metal | Penalty (%) |"
expect_file_has "$TMP/opts/table.md" "| mistral:7b | 49.27 | 50.10 | -1.68% |"

t "report with bad input data"
printf 'model,environment,eval_rate\nm,vm,12x\n' >"$TMP/bad.csv"
run "$PTBENCH" report --out "$TMP/badcsv" "$TMP/bad.csv"
expect_status 3
expect_err_has "bad.csv:2:3: 'eval_rate' is not a number"
expect_no_file "$TMP/badcsv"

# --- hostile names -------------------------------------------------------------
t "hostile model names and labels are escaped"
long=$(printf 'x%.0s' $(seq 200))
{
  echo 'model,environment,eval_rate'
  for e in bare-metal vm; do
    r=$([ $e = vm ] && echo 9 || echo 10)
    echo "\"a|b\",$e,$r"
    echo "\"<script>alert(1)</script>\",$e,$r"
    echo "\"$long\",$e,$r"
  done
} >"$TMP/hostile.csv"
run "$PTBENCH" report --label 'vm=V|M <i>' --out "$TMP/hostile" "$TMP/hostile.csv"
expect_status 0
expect_file_has "$TMP/hostile/table.md" "| Model | bare-metal | V\|M &lt;i&gt; | Penalty (%) |"
expect_file_has "$TMP/hostile/table.md" '| a\|b | 10.00 | 9.00 | 10.00% |'
expect_file_has "$TMP/hostile/table.md" '| &lt;script&gt;alert(1)&lt;/script&gt; | 10.00 | 9.00 | 10.00% |'
expect_file_has "$TMP/hostile/table.md" "| $long | 10.00 | 9.00 | 10.00% |"
for f in README.md table.md; do
  if grep -q '<script>\|<i>' "$TMP/hostile/$f"; then fail "raw HTML in $f"; else ok; fi
  if grep -q '[^\\]|b' "$TMP/hostile/$f"; then fail "unescaped | in $f"; else ok; fi
done
# the table of the report is the table of analyze --format md
run "$PTBENCH" analyze --format md --label 'vm=V|M <i>' "$TMP/hostile.csv"
expect_out_file "$TMP/hostile/table.md"

# --- docs/render.md examples, verbatim -----------------------------------
t "docs/render.md examples"
mkdir -p "$TMP/doc" && cp -r data "$TMP/doc/" && cd "$TMP/doc"
run "$PTBENCH" report --out out/article --template article.md data/article
expect_status 0
warning="ptbench: warning: vm against bare-metal: the verdict of 4 of 4 models is undetermined: no residual variation (one value per cell, or identical values): no test; collect at least 3 sessions per environment, alternating A B A B
ptbench: warning: 8 groups have a single trial: no variance, confidence interval or test; collect several trials per model to tell a penalty from noise"
[ "$err" = "$warning"$'\n'"ptbench: report written to out/article" ] && ok || fail "stderr: $err"
run "$PTBENCH" analyze -o analysis.json data/article
expect_status 0
[ "$err" = "$warning" ] && ok || fail "stderr: $err"
run "$PTBENCH" render --formats png,svg --out out/report analysis.json
expect_status 0
[ "$err" = "ptbench: report written to out/report" ] && ok || fail "stderr: $err"
run ls out/report
[ "$out" = "$(printf '%s\n' README.md analysis.json eval_rate-means.png eval_rate-means.svg eval_rate-penalty.png eval_rate-penalty.svg table.md)" ] &&
  ok || fail "ls out/report: $out"
run "$PTBENCH" report --quiet --label vm="VM (vfio-pci)" --formats pdf --out out/pdf data/article
expect_status 0
[ -z "$out$err" ] && ok || fail "output: $out$err"
{ echo "| Model | Bare Metal | VM (vfio-pci) | Penalty (%) |"; tail -n +2 "$PTBENCH_SRC/tests/golden/article-table.md"; } >expected.md
cmp -s out/pdf/table.md expected.md && ok || fail "out/pdf/table.md differs"
cd "$PTBENCH_SRC"

t "the report directory has the usual permissions"
(umask 022 && "$PTBENCH" report --quiet --out "$TMP/perm" data/article)
[ "$(stat -c %a "$TMP/perm")" = 755 ] && ok || fail "mode $(stat -c %a "$TMP/perm"), want 755"
[ "$(stat -c %a "$TMP/perm/README.md")" = 644 ] && ok || fail "README.md mode $(stat -c %a "$TMP/perm/README.md")"

finish
