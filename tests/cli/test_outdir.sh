#!/usr/bin/env bash
# CLI tests of what `report`, `render` and `batch` may replace: only a
# directory ptbench made (its .ptbench-report marker lists every file in it),
# an empty one or none. Issue 13 item 1 (a directory merely holding an
# analysis.json was deleted with the command's own inputs) is the first
# case; then unexpected files, reports of an earlier ptbench, symbolic links,
# an output holding an input, batch's archive folders and site root, and the
# stale temporary directories of a killed report.
. "$(dirname "$0")/../lib/cli.sh"
cd "$PTBENCH_SRC"

# tree DIR: every path under DIR with its content hash, for before/after checks
tree() { (cd "$1" && find . -print0 | sort -z | xargs -0 -I{} sh -c \
  'if [ -f "{}" ]; then printf "%s %s\n" "{}" "$(sha256sum <"{}" | cut -c1-16)"; else echo "{}"; fi'); }

# --- issue 13 item 1, as the issue gives it ----------------------------------
t "report --out a project holding its input and an analysis.json"
mkdir -p "$TMP/proj/results"
cp -r data/article/bare-metal "$TMP/proj/results/bare"
echo notes >"$TMP/proj/notes.txt"
run "$PTBENCH" analyze -o "$TMP/proj/analysis.json" "$TMP/proj/results/bare"
expect_status 0
before=$(tree "$TMP/proj")
run "$PTBENCH" report --out "$TMP/proj" "$TMP/proj/results/bare"
expect_status 3
expect_err_has "ptbench: $TMP/proj: refusing to replace it with a report: it holds the input '$TMP/proj/results/bare'"
[ "$(tree "$TMP/proj")" = "$before" ] && ok || fail "proj changed: $(tree "$TMP/proj")"

t "render --out the directory of its own input"
run "$PTBENCH" render --out "$TMP/proj" "$TMP/proj/analysis.json"
expect_status 3
expect_err_has "ptbench: $TMP/proj: refusing to replace it with a report: it holds the input '$TMP/proj/analysis.json'"
[ "$(tree "$TMP/proj")" = "$before" ] && ok || fail "proj changed"

t "a directory with an analysis.json and other files is not a report"
run "$PTBENCH" analyze -o "$TMP/analysis.json" data/article
expect_status 0
run "$PTBENCH" render --out "$TMP/proj" "$TMP/analysis.json"
expect_status 3
expect_err_has "ptbench: $TMP/proj: refusing to replace a directory that is not a ptbench report: it holds 'notes.txt'"
[ "$(tree "$TMP/proj")" = "$before" ] && ok || fail "proj changed"

# --- what a report is ----------------------------------------------------------
t "a new report carries its marker, listing every file"
run "$PTBENCH" render --out "$TMP/r" "$TMP/analysis.json"
expect_status 0
m=$TMP/r/.ptbench-report
[ -f "$m" ] && ok || fail "no marker in $TMP/r"
[ "$(jq -r '.schema, .kind, .tool.name, .tool.version, .complete' "$m" | tr '\n' ' ')" = \
  "ptbench.output/1 report ptbench $(jq -r .tool.version "$TMP/r/analysis.json") true " ] &&
  ok || fail "marker: $(cat "$m")"
[ "$(jq -r '.files[]' "$m")" = "$(cd "$TMP/r" && LC_ALL=C ls)" ] && ok ||
  fail "marker lists $(jq -c .files "$m"), directory holds $(ls "$TMP/r")"

t "a report is replaced by the next one"
run "$PTBENCH" render --formats svg --out "$TMP/r" "$TMP/analysis.json"
expect_status 0
[ "$(cd "$TMP/r" && LC_ALL=C ls | tr '\n' ' ')" = "README.md analysis.json eval_rate-means.svg eval_rate-penalty.svg table.md " ] &&
  ok || fail "replaced report holds $(ls "$TMP/r")"
[ "$(jq -r '.files | join(" ")' "$TMP/r/.ptbench-report")" = "README.md analysis.json eval_rate-means.svg eval_rate-penalty.svg table.md" ] &&
  ok || fail "marker not rewritten: $(cat "$TMP/r/.ptbench-report")"
[ -z "$(ls -a "$TMP" | grep -E '\.(tmp|old)-')" ] && ok || fail "left behind: $(ls -a "$TMP")"

t "a file added to a report stops it being replaced"
echo mine >"$TMP/r/notes.txt"
before=$(tree "$TMP/r")
run "$PTBENCH" render --out "$TMP/r" "$TMP/analysis.json"
expect_status 3
expect_err_has "ptbench: $TMP/r: refusing to replace the report: it holds 'notes.txt', which ptbench did not write there; move it elsewhere or choose another --out"
[ "$(tree "$TMP/r")" = "$before" ] && ok || fail "report changed"
rm "$TMP/r/notes.txt"

t "a hidden file and a subdirectory are unexpected too"
mkdir "$TMP/r/.git"
run "$PTBENCH" render --out "$TMP/r" "$TMP/analysis.json"
expect_status 3
expect_err_has "it holds '.git', which ptbench did not write there"
[ -d "$TMP/r/.git" ] && ok || fail ".git removed"
rmdir "$TMP/r/.git"

t "a listed file replaced by a link is unexpected"
mv "$TMP/r/table.md" "$TMP/table.md"
ln -s ../table.md "$TMP/r/table.md"
run "$PTBENCH" render --out "$TMP/r" "$TMP/analysis.json"
expect_status 3
expect_err_has "it holds 'table.md', which ptbench did not write there"
[ -L "$TMP/r/table.md" ] && [ -f "$TMP/table.md" ] && ok || fail "link or its target changed"
rm "$TMP/r/table.md" && mv "$TMP/table.md" "$TMP/r/table.md"

t "a marker that is not ptbench's"
cp "$TMP/r/.ptbench-report" "$TMP/marker"
printf '{"schema":"ptbench.output/1","kind":"report","files":["../notes.txt"]}\n' >"$TMP/r/.ptbench-report"
run "$PTBENCH" render --out "$TMP/r" "$TMP/analysis.json"
expect_status 3
expect_err_has "ptbench: $TMP/r/.ptbench-report: not a valid ptbench marker: 'files' holds '../notes.txt', not a file name; remove the directory yourself or choose another --out"
echo '{"schema": "ptbench.output/1",' >"$TMP/r/.ptbench-report"
run "$PTBENCH" render --out "$TMP/r" "$TMP/analysis.json"
expect_status 3
expect_err_has "ptbench: $TMP/r/.ptbench-report:1:31: not a valid ptbench marker: not valid JSON"
mv "$TMP/marker" "$TMP/r/.ptbench-report"
run "$PTBENCH" render --out "$TMP/r" "$TMP/analysis.json"
expect_status 0

t "a report of an earlier ptbench (no marker) is refused, saying what to do"
mkdir -p "$TMP/old"
# what ptbench wrote before markers (and before charts were named by metric)
for f in README.md table.md analysis.json; do cp "$TMP/r/$f" "$TMP/old/"; done
cp "$TMP/r/eval_rate-means.png" "$TMP/old/throughput.png"
cp "$TMP/r/eval_rate-penalty.png" "$TMP/old/penalty.png"
before=$(tree "$TMP/old")
run "$PTBENCH" render --out "$TMP/old" "$TMP/analysis.json"
expect_status 3
expect_err_has "ptbench: $TMP/old: looks like a report of an earlier ptbench (it has no .ptbench-report marker), so it is not replaced: remove it yourself, or choose another --out"
[ "$(tree "$TMP/old")" = "$before" ] && ok || fail "old report changed"

t "an empty directory and a new one are fine"
mkdir -p "$TMP/empty"
run "$PTBENCH" render --formats none --out "$TMP/empty" "$TMP/analysis.json"
expect_status 0
run "$PTBENCH" render --formats none --out "$TMP/new/deeper" "$TMP/analysis.json"
expect_status 0
[ -f "$TMP/empty/.ptbench-report" ] && [ -f "$TMP/new/deeper/.ptbench-report" ] && ok ||
  fail "no marker"

t "--out a symbolic link to a report is refused"
ln -s r "$TMP/link"
before=$(tree "$TMP/r")
run "$PTBENCH" render --out "$TMP/link" "$TMP/analysis.json"
expect_status 3
expect_err_has "ptbench: $TMP/link: refusing to replace a symbolic link with a report: give the directory itself"
[ -L "$TMP/link" ] && [ "$(tree "$TMP/r")" = "$before" ] && ok || fail "link or report changed"

t "--out a file is refused"
echo x >"$TMP/afile"
run "$PTBENCH" render --out "$TMP/afile" "$TMP/analysis.json"
expect_status 3
expect_err_has "ptbench: $TMP/afile: refusing to replace it with a report: it is not a directory"
[ "$(cat "$TMP/afile")" = x ] && ok || fail "file changed"

t "report --out a directory whose trials are the input"
mkdir -p "$TMP/runs"
cp -r data/article/bare-metal data/article/vm "$TMP/runs/"
run "$PTBENCH" report --out "$TMP/runs" "$TMP/runs/vm" "$TMP/runs/bare-metal"
expect_status 3
expect_err_has "ptbench: $TMP/runs: refusing to replace it with a report: it holds the input '$TMP/runs/vm'"
run "$PTBENCH" report --out "$TMP/runs" "$TMP/runs"
expect_status 3
expect_err_has "ptbench: $TMP/runs: refusing to replace it with a report: it is the input '$TMP/runs'"
run "$PTBENCH" report --out "$TMP/runs/bare-metal" "$TMP/runs"
expect_status 3
expect_err_has "ptbench: $TMP/runs/bare-metal: refusing to replace a directory that is not a ptbench report: it holds 'manifest.json'"
[ -f "$TMP/runs/bare-metal/trials.csv" ] && [ -f "$TMP/runs/vm/trials.csv" ] && ok ||
  fail "runs changed"

# --- batch: archive folders and the site root ------------------------------------
t "batch refuses an archive folder it did not make, publishes the others"
mkdir -p "$TMP/in/vm"
cp -r data/article "$TMP/in/article"
cp -r data/article/vm "$TMP/in/vm/runs"
run "$PTBENCH" batch --out "$TMP/site" "$TMP/in/article"
expect_status 0
mkdir "$TMP/site/vm"
echo mine >"$TMP/site/vm/notes.txt"
run "$PTBENCH" batch --out "$TMP/site" "$TMP/in/article" "$TMP/in/vm"
expect_status 4
expect_err_has "ptbench: $TMP/in/vm: $TMP/site/vm: refusing to replace a directory that is not a ptbench report: it holds 'notes.txt'"
[ "$(cat "$TMP/site/vm/notes.txt")" = mine ] && [ "$(ls -A "$TMP/site/vm")" = notes.txt ] && ok ||
  fail "site/vm changed: $(ls -A "$TMP/site/vm")"
[ -f "$TMP/site/article/.ptbench-report" ] && [ -f "$TMP/site/.ptbench-site" ] && ok ||
  fail "markers missing: $(ls -A "$TMP/site" "$TMP/site/article")"
[ "$(jq -r '.files | join(" ")' "$TMP/site/article/.ptbench-report")" = \
  ".source-hash analysis.json eval_rate-means.svg eval_rate-penalty.svg index.html index.md" ] && ok ||
  fail "archive marker: $(cat "$TMP/site/article/.ptbench-report")"

t "batch into a directory that is not a site"
mkdir -p "$TMP/docs"
echo '# my docs' >"$TMP/docs/index.md"
before=$(tree "$TMP/docs")
run "$PTBENCH" batch --out "$TMP/docs" "$TMP/in/article"
expect_status 3
expect_err_has "ptbench: $TMP/docs: refusing to write a site into a directory that is not a ptbench site: it holds 'index.md'"
[ "$(tree "$TMP/docs")" = "$before" ] && ok || fail "docs changed"

t "batch into a site of an earlier ptbench"
# what ptbench 0.1.0 wrote before markers: index.md, index.html and report folders
cp -r "$TMP/site" "$TMP/oldsite"
rm "$TMP/oldsite/.ptbench-site" "$TMP/oldsite/article/.ptbench-report" \
  "$TMP/oldsite/.ptbench-state.json" "$TMP/oldsite/README.md" "$TMP/oldsite/_index.md"
echo '# Benchmark archives' >"$TMP/oldsite/index.md"
run "$PTBENCH" batch --out "$TMP/oldsite" "$TMP/in/article"
expect_status 3
expect_err_has "ptbench: $TMP/oldsite: looks like a site of an earlier ptbench (it has no .ptbench-site marker), so nothing is written into it: remove it yourself, or choose another --out"

t "batch sweeps the site's stale temporary directories, once they are an hour old"
mkdir -p "$TMP/site/article.tmp-Abc123" "$TMP/site/vm.tmp-Abc123"
cp "$TMP/site/article/.ptbench-report" "$TMP/site/article.tmp-Abc123/"
cp "$TMP/site/article/.ptbench-report" "$TMP/site/vm.tmp-Abc123/"
touch -d '2 hours ago' "$TMP/site/article.tmp-Abc123"
run "$PTBENCH" batch --out "$TMP/site" "$TMP/in/article"
expect_status 0
[ ! -e "$TMP/site/article.tmp-Abc123" ] && [ -d "$TMP/site/vm.tmp-Abc123" ] && ok ||
  fail "sweep: $(ls -A "$TMP/site")"
rm -r "$TMP/site/vm.tmp-Abc123"

# --- stale temporary directories --------------------------------------------------
# A report killed while writing (SIGXFSZ when README.md passes `ulimit -f`)
# leaves its temporary directory, with the marker of a report in progress.
t "a killed report leaves a marked temporary directory"
mkdir -p "$TMP/k"
run bash -c "ulimit -f 1; '$PTBENCH' render --formats none --out '$TMP/k/report' '$TMP/analysis.json'; exit \$?"
[ "$status" -eq $((128 + 25)) ] && ok || fail "exit status $status, expected 153 (SIGXFSZ); stderr: $err"
stale=$(ls -d "$TMP"/k/report.tmp-* 2>/dev/null)
[ -n "$stale" ] && [ -f "$stale/.ptbench-report" ] && ok || fail "no marked temporary directory: $(ls -A "$TMP/k")"
[ "$(jq -r .complete "$stale/.ptbench-report")" = false ] && ok || fail "marker: $(cat "$stale/.ptbench-report")"

t "the next run in the same parent removes it once it is an hour old"
# kept while recent: it may belong to a report still running
run "$PTBENCH" render --formats none --out "$TMP/k/other" "$TMP/analysis.json"
expect_status 0
[ -d "$stale" ] && ok || fail "a recent temporary directory was removed"
# lookalikes that are not ptbench's, all two hours old
mkdir -p "$TMP/k/nomarker.tmp-abc123" "$TMP/k/name.tmp-toolong1" "$TMP/k/target"
echo keep >"$TMP/k/nomarker.tmp-abc123/f"
cp "$stale/.ptbench-report" "$TMP/k/name.tmp-toolong1/"
cp "$stale/.ptbench-report" "$TMP/k/target/"
ln -s target "$TMP/k/linked.tmp-Abc123"
mkdir "$TMP/k/notjson.tmp-abc123" && printf 'not json' >"$TMP/k/notjson.tmp-abc123/.ptbench-report"
touch -h -d '2 hours ago' "$stale" "$TMP"/k/*.tmp-*
run "$PTBENCH" render --formats none --out "$TMP/k/other" "$TMP/analysis.json"
expect_status 0
[ ! -e "$stale" ] && ok || fail "stale $stale not removed"
for d in nomarker.tmp-abc123 name.tmp-toolong1 linked.tmp-Abc123 notjson.tmp-abc123 target; do
  [ -e "$TMP/k/$d" ] || [ -L "$TMP/k/$d" ] && ok || fail "$d removed"
done
[ "$(cat "$TMP/k/nomarker.tmp-abc123/f")" = keep ] && ok || fail "nomarker changed"

t "a stale directory left by the replace step (.old-) is removed too"
cp -r "$TMP/k/other" "$TMP/k/other.old-Zz9Zz9"
touch -d '3 hours ago' "$TMP/k/other.old-Zz9Zz9"
run "$PTBENCH" render --formats none --out "$TMP/k/third" "$TMP/analysis.json"
expect_status 0
[ ! -e "$TMP/k/other.old-Zz9Zz9" ] && ok || fail "stale .old- not removed"

finish
