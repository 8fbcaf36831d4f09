#!/usr/bin/env bash
# CLI tests of `ptbench batch`: the site of docs/batch.md built from a tar.gz,
# a zip, a tar.xz and a directory; rebuilding only what changed; the same
# bytes whatever --jobs; partial failure; the site's memory (a run adds its
# archives to those of earlier runs, --prune, a failed archive keeps its
# older page, unique titles); the pages Hugo and MkDocs read (index.md page
# bundles, _index.md and README.md, directory links, dates for people); and
# every hostile or broken archive the issue lists (each refused with a
# message naming archive and entry, nothing written outside the site and the
# temporary directory). tests/cli/test_site_generators.sh builds the site
# with Hugo and MkDocs themselves.
. "$(dirname "$0")/../lib/cli.sh"
. "$PTBENCH_SRC/tests/lib/batch.sh"
DOC="$PTBENCH_SRC/docs/batch.md"

# Everything below runs in $TMP/w; extraction goes to $TMP/tmp, which must be
# empty again after every run.
umask 022
mkdir -p "$TMP/w" "$TMP/tmp"
export TMPDIR="$TMP/tmp"
cd "$TMP/w" || exit 1

# A command from docs/batch.md, run as written there (with this build's
# binary for `ptbench`). Fails when the doc no longer shows it.
doc_run() {
  if grep -qxF "$1" "$DOC"; then ok; else fail "docs/batch.md lacks the line: $1"; fi
  local words
  read -r -a words <<<"$1"
  run "$PTBENCH" "${words[@]:1}"
}

tmp_is_clean() {
  if [ -z "$(ls -A "$TMP/tmp")" ]; then ok; else fail "left in TMPDIR: $(ls -A "$TMP/tmp")"; fi
}

# line number of the first line of FILE holding TEXT (0 = none)
line_of() { grep -nF -- "$2" "$1" | head -1 | cut -d: -f1 || true; }

# --- the example of docs/batch.md ---------------------------------------
make_runs src/jan/runs 1 2025-01-14 4
make_runs src/feb 2 2025-02-03 4
make_runs src/mar 3 2025-03-09 4
make_runs lab-runs 4 2024-12-01 4
tar -czf runs-2025-01.tar.gz -C src/jan runs
(cd src/feb && python3 -c '
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for d, _, files in sorted(os.walk(".")):
        for f in sorted(files):
            z.write(os.path.join(d, f))
' ../../runs-2025-02.zip)
tar -cJf runs-2025-03.tar.xz -C src mar

t "docs example: four archives published"
doc_run "ptbench batch --out site runs-2025-01.tar.gz runs-2025-02.zip runs-2025-03.tar.xz lab-runs/"
expect_status 0
expect_err_has "ptbench: runs-2025-01.tar.gz: published site/runs-2025-01/"
expect_err_has "ptbench: lab-runs/: published site/lab-runs/"
expect_err_has "ptbench: published 4 of 4 archives, 0 failed"
for slug in runs-2025-01 runs-2025-02 runs-2025-03 lab-runs; do
  for f in index.md analysis.json index.html eval_rate-means.svg eval_rate-penalty.svg .source-hash \
           .ptbench-report; do
    [ -f "site/$slug/$f" ] && ok || fail "missing site/$slug/$f"
  done
  # one Markdown page per folder: a README.md beside index.md fails MkDocs
  # --strict, a table.md is a stray page in its navigation
  [ "$(cd "site/$slug" && ls -- *.md)" = index.md ] && ok ||
    fail "site/$slug holds other Markdown pages: $(ls "site/$slug")"
done
for f in README.md _index.md index.html .ptbench-state.json .ptbench-site; do
  [ -f "site/$f" ] && ok || fail "no site/$f"
done
# a root index.md would make the whole site one leaf bundle in Hugo
[ ! -e site/index.md ] && ok || fail "site/index.md written"
tmp_is_clean

t "site index: newest first, front matter, directory links, dates for people"
# dates are the manifests' latest ended_at (tests/lib/batch.sh: vm ends at 11:00)
head -4 site/_index.md >"$TMP/fm"
printf -- '---\ntitle: "Benchmark archives"\ndate: "2025-03-09T11:00:00.000Z"\n---\n' >"$TMP/fm.want"
cmp -s "$TMP/fm" "$TMP/fm.want" && ok || fail "_index.md front matter: $(cat "$TMP/fm")"
# README.md: the same index, for MkDocs and GitHub, hidden from Hugo
head -8 site/README.md >"$TMP/fm"
printf -- '---\ntitle: "Benchmark archives"\ndate: "2025-03-09T11:00:00.000Z"\n_build:\n  render: never\n  list: never\n  publishResources: false\n---\n' >"$TMP/fm.want"
cmp -s "$TMP/fm" "$TMP/fm.want" && ok || fail "README.md front matter: $(cat "$TMP/fm")"
cmp -s <(sed 1,5d site/_index.md) <(sed 1,9d site/README.md) && ok ||
  fail "README.md and _index.md differ beyond their front matter"
l3=$(line_of site/_index.md "| [runs-2025-03](runs-2025-03/) | 9 Mar 2025 11:00 UTC |")
l2=$(line_of site/_index.md "| [runs-2025-02](runs-2025-02/) | 3 Feb 2025 11:00 UTC |")
l1=$(line_of site/_index.md "| [runs-2025-01](runs-2025-01/) | 14 Jan 2025 11:00 UTC |")
l0=$(line_of site/_index.md "| [lab-runs](lab-runs/) | 1 Dec 2024 11:00 UTC |")
if [ "${l3:-0}" -gt 0 ] && [ "$l3" -lt "${l2:-0}" ] && [ "$l2" -lt "${l1:-0}" ] &&
   [ "$l1" -lt "${l0:-0}" ]; then ok; else fail "index order: $(cat site/_index.md)"; fi
grep -qF '4 archives, newest first.' site/_index.md && ok || fail "archive count"
grep -qF '| Bare Metal, VM (vfio-pci) | mistral:7b, gemma2:9b, phi4:14b, deepseek-r1:14b |' \
  site/_index.md && ok || fail "environments and models column"
grep -qE '\| [0-9]+\.[0-9]{2}% \|$' site/_index.md && ok || fail "mean penalty column"
grep -qF '<a href="runs-2025-03/index.html">runs-2025-03</a>' site/index.html && ok ||
  fail "index.html links to the HTML reports"
grep -qE '20[0-9]{2}-[0-9]{2}-[0-9]{2}T' site/index.html && fail "raw ISO date in index.html" || ok

t "archive page: front matter, a link back to the index, the date for people"
head -7 site/runs-2025-02/index.md >"$TMP/fm"
printf -- '---\ntitle: "runs-2025-02"\ndate: "2025-02-03T11:00:00.000Z"\n---\n\n[Benchmark archives](../) · 3 Feb 2025 11:00 UTC\n\n' >"$TMP/fm.want"
cmp -s "$TMP/fm" "$TMP/fm.want" && ok || fail "index.md head: $(cat "$TMP/fm")"
grep -qF '<p><a href="../index.html">Benchmark archives</a> · 3 Feb 2025 11:00 UTC</p>' \
  site/runs-2025-02/index.html && ok || fail "index.html: no link back or no date"
grep -qE '20[0-9]{2}-[0-9]{2}-[0-9]{2}T' site/runs-2025-02/index.html &&
  fail "raw ISO date in the archive's index.html" || ok

t "report: front matter in Markdown, not in HTML; SVG charts with alt text"
grep -q 'title: ' site/runs-2025-02/index.html && fail "front matter shown in HTML" || ok
grep -q '<table>' site/runs-2025-02/index.html && ok || fail "no table in HTML"
grep -qE '<img src="eval_rate-means.svg" alt="[^"]+"' site/runs-2025-02/index.html && ok ||
  fail "throughput chart not shown as SVG with alt text"
grep -qE '<img src="eval_rate-penalty.svg" alt="[^"]+"' site/runs-2025-02/index.html && ok ||
  fail "penalty chart not shown as SVG with alt text"
grep -qiE '<script|<link|https?://' site/runs-2025-02/index.html site/index.html &&
  fail "HTML has script or external resources" || ok
[ -z "$(find site -perm -o=w)" ] && [ -z "$(find site -type d ! -perm -o=x)" ] && ok ||
  fail "site not readable by others or writable by them: $(find site -type d -ls | head -3)"
grep -rq "ptbench-batch-" site && fail "temporary paths published" || ok

t "--formats png,svg: Markdown shows the PNG, HTML the SVG"
run "$PTBENCH" batch --formats png,svg --out site-png runs-2025-02.zip
expect_status 0
[ -f site-png/runs-2025-02/eval_rate-means.png ] && [ -f site-png/runs-2025-02/eval_rate-penalty.svg ] && ok ||
  fail "charts missing: $(ls site-png/runs-2025-02)"
grep -qF '](eval_rate-means.png)' site-png/runs-2025-02/index.md && ok || fail "index.md lacks the PNG"
grep -qE '<img src="eval_rate-means.svg" alt="[^"]+"' site-png/runs-2025-02/index.html && ok ||
  fail "HTML does not show the SVG"

t "the charts of every trial: only with --trial-charts, and a note without"
[ ! -e site/runs-2025-02/eval_rate-distribution.svg ] && ok || fail "trial charts by default"
grep -qF 'left out of the site (`ptbench batch --trial-charts` draws them' site/runs-2025-02/index.md &&
  ok || fail "no note on the trial charts"
run "$PTBENCH" batch --trial-charts --out site-trials runs-2025-02.zip
expect_status 0
[ -f site-trials/runs-2025-02/eval_rate-distribution.svg ] &&
  [ -f site-trials/runs-2025-02/eval_rate-timeline.svg ] && ok ||
  fail "no trial charts: $(ls site-trials/runs-2025-02)"
grep -qE '<img src="eval_rate-distribution.svg" alt="[^"]+"' site-trials/runs-2025-02/index.html &&
  ok || fail "HTML does not show the distribution"
[ -s site-trials/runs-2025-02/index.md ] &&
  ! grep -qF 'left out of the site' site-trials/runs-2025-02/index.md && ok ||
  fail "note with the charts, or no index.md"
# the option shapes the pages: turning it on rebuilds them
run "$PTBENCH" batch --trial-charts --out site runs-2025-02.zip
expect_status 0
expect_err_has "ptbench: runs-2025-02.zip: published site/runs-2025-02/"
[ -f site/runs-2025-02/eval_rate-distribution.svg ] && ok || fail "not rebuilt with trial charts"
run "$PTBENCH" batch --out site runs-2025-02.zip
expect_status 0
[ ! -e site/runs-2025-02/eval_rate-distribution.svg ] && ok || fail "not rebuilt without them"

# --- rebuild only what changed -----------------------------------------
t "second run skips every archive"
touch -d '2001-01-01' site/runs-2025-01/index.md
run "$PTBENCH" batch --out site runs-2025-01.tar.gz runs-2025-02.zip runs-2025-03.tar.xz lab-runs/
expect_status 0
expect_err_has "ptbench: runs-2025-01.tar.gz: unchanged, skipped"
expect_err_has "ptbench: lab-runs/: unchanged, skipped"
expect_err_has "ptbench: published 4 of 4 archives (4 unchanged), 0 failed"
[ "$(date -r site/runs-2025-01/index.md +%Y)" = 2001 ] && ok || fail "unchanged report rewritten"
grep -qF "(runs-2025-01/)" site/_index.md && ok || fail "unchanged archive left out of index"

t "a changed archive is rebuilt, alone"
make_runs src/jan/runs 11 2025-01-15 4
tar -czf runs-2025-01.tar.gz -C src/jan runs
run "$PTBENCH" batch --out site runs-2025-01.tar.gz runs-2025-02.zip runs-2025-03.tar.xz lab-runs/
expect_status 0
expect_err_has "ptbench: runs-2025-01.tar.gz: published site/runs-2025-01/"
expect_err_has "ptbench: runs-2025-02.zip: unchanged, skipped"
expect_err_has "ptbench: published 4 of 4 archives (3 unchanged), 0 failed"
grep -qF "(runs-2025-01/) | 15 Jan 2025 11:00 UTC |" site/_index.md && ok || fail "index not updated"

t "a changed run directory is rebuilt; the archives not given stay listed"
make_runs lab-runs 12 2024-12-02 4
run "$PTBENCH" batch --out site runs-2025-01.tar.gz lab-runs/
expect_status 0
expect_err_has "ptbench: lab-runs/: published site/lab-runs/"
expect_err_has "ptbench: runs-2025-01.tar.gz: unchanged, skipped"
expect_err_has "ptbench: published 2 of 2 archives (1 unchanged), 0 failed; 2 earlier archives kept"
for slug in runs-2025-03 runs-2025-02 runs-2025-01 lab-runs; do
  grep -qF "| [$slug]($slug/) |" site/_index.md && ok || fail "$slug not listed"
done
tmp_is_clean

t "a report whose analysis.json is not of this schema is rebuilt"
sed -i 's|"ptbench\.analysis/[0-9]*"|"ptbench.analysis/0"|' site/lab-runs/analysis.json
grep -qF '"ptbench.analysis/0"' site/lab-runs/analysis.json && ok || fail "schema not changed"
run "$PTBENCH" batch --out site runs-2025-01.tar.gz lab-runs/
expect_status 0
expect_err_has "ptbench: lab-runs/: published site/lab-runs/"
expect_err_has "ptbench: runs-2025-01.tar.gz: unchanged, skipped"
grep -qF '"ptbench.analysis/2"' site/lab-runs/analysis.json && ok || fail "old analysis kept"

t "--templates: a user's page template is used, and changing it rebuilds"
mkdir -p my-templates
sed 's|<main>|<main class="mine">|' "$PTBENCH_SRC/templates/page.html.mustache" >my-templates/page.html.mustache
run "$PTBENCH" batch --templates my-templates --out site runs-2025-01.tar.gz
expect_status 0
expect_err_has "ptbench: runs-2025-01.tar.gz: published site/runs-2025-01/"
grep -q '<main class="mine">' site/runs-2025-01/index.html site/index.html && ok ||
  fail "user page template not used"
run "$PTBENCH" batch --templates my-templates --out site runs-2025-01.tar.gz
expect_err_has "ptbench: runs-2025-01.tar.gz: unchanged, skipped"
echo '<!-- changed -->' >>my-templates/page.html.mustache
run "$PTBENCH" batch --templates my-templates --out site runs-2025-01.tar.gz
expect_err_has "ptbench: runs-2025-01.tar.gz: published site/runs-2025-01/"
run "$PTBENCH" batch --quiet --out site runs-2025-01.tar.gz
expect_status 0
[ -z "$err" ] && ok || fail "--quiet printed: $err"

t "an archive given through a symbolic link is read (not refused as a link)"
ln -sf runs-2025-01.tar.gz linked-runs.tar.gz
run "$PTBENCH" batch --out site-link linked-runs.tar.gz
expect_status 0
expect_err_has "ptbench: linked-runs.tar.gz: published site-link/linked-runs/"
run "$PTBENCH" batch --out site-link missing-runs.tar.gz
expect_status 1
expect_err_has "ptbench: missing-runs.tar.gz: no such file or directory"

t "a run directory whose trials.csv is a symbolic link is rebuilt when the file changes"
mkdir -p linked/bm linked/vm real
make_runs src/linked 13 2025-04-01 4
cp -r src/linked/bare-metal/. linked/bm/ && cp src/linked/vm/manifest.json linked/vm/
cp src/linked/vm/trials.csv real/trials.csv
ln -s ../../real/trials.csv linked/vm/trials.csv
run "$PTBENCH" batch --out site-link linked
expect_err_has "ptbench: linked: published site-link/linked/"
make_runs src/linked 14 2025-04-01 4
cp src/linked/vm/trials.csv real/trials.csv
run "$PTBENCH" batch --out site-link linked
expect_err_has "ptbench: linked: published site-link/linked/"

t "a missing partial in a user template is a warning naming the archive"
mkdir -p partial-templates
printf '# {{{title_md}}}\n{{> no-such-partial}}\n' >partial-templates/report.md.mustache
run "$PTBENCH" batch --templates partial-templates --out site-partial runs-2025-01.tar.gz
expect_status 0
expect_err_has "ptbench: warning: runs-2025-01.tar.gz: missing partial 'no-such-partial' (partial-templates/report.md.mustache:2:1)"
tmp_is_clean

# --- the same bytes whatever the number of jobs ------------------------
t "--jobs 1 and --jobs 2 write identical sites"
run "$PTBENCH" batch --jobs 1 --out site-j1 runs-2025-01.tar.gz runs-2025-02.zip runs-2025-03.tar.xz lab-runs/
expect_status 0
run "$PTBENCH" batch --jobs 2 --out site-j2 runs-2025-01.tar.gz runs-2025-02.zip runs-2025-03.tar.xz lab-runs/
expect_status 0
if diff -r site-j1 site-j2 >"$TMP/diff"; then ok; else fail "sites differ: $(head -5 "$TMP/diff")"; fi

t "slugs: lowercase, collisions numbered in input order; titles unique too"
mkdir -p dup/A other/A && cp -r lab-runs dup/A/runs && cp -r lab-runs other/A/runs &&
  cp -r lab-runs "My Runs!"
run "$PTBENCH" batch --out site-slug "My Runs!" dup/A lab-runs/ other/A
expect_status 0
expect_err_has "ptbench: My Runs!: published site-slug/my-runs/"
expect_err_has "ptbench: dup/A: published site-slug/a/"
expect_err_has "ptbench: lab-runs/: published site-slug/lab-runs/"
expect_err_has "ptbench: other/A: published site-slug/a-2/"
head -2 site-slug/a/index.md | grep -qxF 'title: "A"' && ok || fail "title of a: $(head -3 site-slug/a/index.md)"
head -2 site-slug/a-2/index.md | grep -qxF 'title: "A (2)"' && ok ||
  fail "title of a-2: $(head -3 site-slug/a-2/index.md)"
grep -qF '<title>A (2)</title>' site-slug/a-2/index.html && ok || fail "HTML title of a-2"
grep -qF '| [A](a/) |' site-slug/_index.md && grep -qF '| [A (2)](a-2/) |' site-slug/_index.md &&
  ok || fail "index titles: $(cat site-slug/_index.md)"

t "the same archive named twice is done once"
run "$PTBENCH" batch --out site-slug dup/A "./dup/A/"
expect_status 0
expect_err_has "ptbench: dup/A: unchanged, skipped"
expect_err_has "ptbench: ./dup/A/: the same archive as 'dup/A', done once"
expect_err_has "ptbench: published 2 of 2 archives (2 unchanged), 0 failed; 3 earlier archives kept"

t "an archive named like one of an earlier run gets a slug and title of its own"
mkdir -p third/A && cp -r lab-runs third/A/runs
run "$PTBENCH" batch --out site-slug third/A
expect_status 0
expect_err_has "ptbench: third/A: published site-slug/a-3/"
head -2 site-slug/a-3/index.md | grep -qxF 'title: "A (3)"' && ok || fail "title of a-3"
for link in '[A](a/)' '[A (2)](a-2/)' '[A (3)](a-3/)' '[My Runs!](my-runs/)' '[lab-runs](lab-runs/)'; do
  grep -qF "| $link |" site-slug/_index.md && ok || fail "index lacks $link"
done

# --- partial failure -----------------------------------------------------
printf '\037\213\010\000garbage, not deflate data\n' >corrupt.tar.gz
t "one good and one corrupt archive: exit 4 and the summary"
doc_run "ptbench batch --out site-partial runs-2025-02.zip corrupt.tar.gz"
expect_status 4
expect_err_has "ptbench: corrupt.tar.gz: cannot read archive:"
expect_err_has "ptbench: published 1 of 2 archives, 1 failed"
[ -f site-partial/runs-2025-02/index.html ] && ok || fail "good archive not published"
[ -s site-partial/_index.md ] && [ -s site-partial/README.md ] &&
  ! grep -q corrupt site-partial/_index.md site-partial/README.md && ok ||
  fail "failed archive listed, or no index: $(ls site-partial)"
tmp_is_clean

# --- bad input, one case each --------------------------------------------
python3 - <<'PY'
import gzip, io, tarfile, zipfile
# a zip whose entries climb out of the extraction directory
with zipfile.ZipFile("dotdot.zip", "w") as z:
    z.writestr("runs/bare-metal/trials.csv", "model,environment,eval_rate\nm,bare-metal,1\n")
    z.writestr("runs/../../evil.txt", "pwned\n")
# a symbolic link to /etc/passwd, named like a trials file
with tarfile.open("symlink.tar.gz", "w:gz") as t:
    i = tarfile.TarInfo("runs/bare-metal/trials.csv")
    i.type, i.linkname = tarfile.SYMTYPE, "/etc/passwd"
    t.addfile(i)
# a hard link and a FIFO
with tarfile.open("hardlink.tar.gz", "w:gz") as t:
    i = tarfile.TarInfo("runs/x")
    i.type, i.linkname = tarfile.LNKTYPE, "../../../etc/passwd"
    t.addfile(i)
with tarfile.open("fifo.tar.gz", "w:gz") as t:
    i = tarfile.TarInfo("runs/fifo")
    i.type = tarfile.FIFOTYPE
    t.addfile(i)
# an absolute path
with tarfile.open("absolute.tar.gz", "w:gz") as t:
    i = tarfile.TarInfo("/tmp/ptbench-batch-evil")
    i.size = 1
    t.addfile(i, io.BytesIO(b"x"))
# 1 GiB of zeros when unpacked, 1 MB packed: a tar header, then one gzip
# member of 1 MiB of zeros repeated 1024 times (gzip members concatenate)
i = tarfile.TarInfo("runs/bare-metal/trials.csv")
i.size, i.mtime = 1 << 30, 0
with open("bomb.tar.gz", "wb") as f:
    f.write(gzip.compress(i.tobuf(format=tarfile.GNU_FORMAT), 9, mtime=0))
    zeros = gzip.compress(bytes(1 << 20), 9, mtime=0)
    for _ in range(1024):
        f.write(zeros)
    f.write(gzip.compress(bytes(1024), 9, mtime=0))
PY
tar -czf empty.tar.gz -T /dev/null
mkdir -p no-runs/notes && echo hello >no-runs/notes/readme.txt

bad_case() {  # NAME EXPECTED-STATUS MESSAGE
  t "bad input: $1"
  run "$PTBENCH" batch --out site-bad "$1"
  expect_status "$2"
  expect_err_has "ptbench: $1: $3"
  expect_err_has "ptbench: published 0 of 1 archives, 1 failed"
  tmp_is_clean
}
bad_case empty.tar.gz 3 "no trials.csv in this directory or below"
bad_case corrupt.tar.gz 3 "cannot read archive: "
bad_case dotdot.zip 3 "refused entry 'runs/../../evil.txt': its path has a '..' component"
bad_case symlink.tar.gz 3 "refused entry 'runs/bare-metal/trials.csv': it is a symbolic link"
bad_case hardlink.tar.gz 3 "refused entry 'runs/x': it is a hard link"
bad_case fifo.tar.gz 3 "refused entry 'runs/fifo': it is not a regular file or directory"
bad_case absolute.tar.gz 3 "refused entry '/tmp/ptbench-batch-evil': its path is absolute"
bad_case bomb.tar.gz 3 \
  "refused entry 'runs/bare-metal/trials.csv': it is larger than 67108864 bytes unpacked"
bad_case no-runs 3 "no trials.csv in this directory or below"
bad_case missing.tar.gz 1 "no such file or directory"
echo text >notes.txt
bad_case notes.txt 2 "not a directory or an archive"

t "nothing written outside the site and the temporary directory"
[ -z "$(find "$TMP" -name evil.txt)" ] && ok || fail "evil.txt was written"
[ ! -e /tmp/ptbench-batch-evil ] && ok || fail "/tmp/ptbench-batch-evil was written"
[ ! -e site-bad/README.md ] && [ ! -e site-bad/_index.md ] && [ ! -e site-bad/index.html ] &&
  [ ! -e site-bad/.ptbench-state.json ] && ok ||
  fail "index or state written though every archive failed: $(ls -A site-bad)"

t "broken run data names the file inside the archive"
mkdir -p src/badcsv/vm
printf 'model,environment,eval_count,eval_duration_ns\nm,vm,12x,1000\n' >src/badcsv/vm/trials.csv
tar -czf badcsv.tar.gz -C src badcsv
run "$PTBENCH" batch --out site-bad badcsv.tar.gz
expect_status 3
expect_err_has "ptbench: badcsv.tar.gz: badcsv/vm/trials.csv:2:"

# --- hostile names publish escaped text, never markup ---------------------
t "hostile model and archive names are escaped"
make_runs src/evil/runs 5 2025-04-01 3 '<script>alert(1)</script>' '<img src=x onerror=alert(1)>'
tar -czf '<b>x&"y.tar.gz' -C src/evil runs
run "$PTBENCH" batch --out site-evil '<b>x&"y.tar.gz'
expect_status 0
expect_err_has "published site-evil/b-x-y/"
grep -rqiE '<script|<img src=x|<b>' site-evil --include='*.html' && fail "markup in HTML" || ok
grep -qF '<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>' site-evil/b-x-y/index.html && ok ||
  fail "model name not shown as text"
grep -qF '<title>&lt;b&gt;x&amp;&quot;y</title>' site-evil/b-x-y/index.html && ok ||
  fail "archive name not escaped in the page title"
grep -qF 'title: "<b>x&\"y"' site-evil/b-x-y/index.md && ok || fail "YAML title not quoted"

# --- no cap on environments ------------------------------------------------
t "300 environments: every one in the index row, every mean penalty"
mkdir -p many/runs
python3 -c '
with open("many/runs/trials.csv", "w") as f:
    f.write("environment,model,eval_rate\n")
    for i in range(300):
        f.write("env%03d,m,%d\n" % (i, 100 + i))
'
run "$PTBENCH" batch --out site-many many/runs
expect_status 0
# the baseline is the first environment read (no "bare-metal"): env000; the
# penalty of env i is (1 - (100 + i) / 100) * 100 = -i %
python3 - site-many/_index.md <<'PY' && ok || fail "index row of 300 environments"
import sys
row = [l for l in open(sys.argv[1]) if l.startswith("| [runs](runs/)")][0]
cells = [c.strip() for c in row.strip().strip("|").split(" | ")]
want_envs = ", ".join("env%03d" % i for i in range(300))
want_pen = ", ".join("env%03d: -%d.00%%" % (i, i) for i in range(1, 300))
if cells[2] != want_envs or cells[3] != "m" or cells[4] != want_pen:
    sys.exit("row: %s" % row[:400])
PY

# --- the site's memory ------------------------------------------------------
# The issue: `batch --out site 2025-07.tar.gz` rewrote the index with
# 2025-07 only, and the earlier archive folders stayed on disk, unlinked.
make_runs src/m5/runs 31 2025-05-06 3
make_runs src/m6/runs 32 2025-06-06 3
make_runs src/m7/runs 33 2025-07-06 3
for m in 5 6 7; do tar -czf "2025-0$m.tar.gz" -C "src/m$m" runs; done

t "memory: a run with this month's archive keeps the earlier ones in the index"
run "$PTBENCH" batch --out site-mem 2025-05.tar.gz 2025-06.tar.gz
expect_status 0
run "$PTBENCH" batch --out site-mem 2025-07.tar.gz
expect_status 0
expect_err_has "ptbench: 2025-07.tar.gz: published site-mem/2025-07/"
expect_err_has "ptbench: published 1 of 1 archives, 0 failed; 2 earlier archives kept"
grep -qF '3 archives, newest first.' site-mem/_index.md && ok || fail "count: $(cat site-mem/_index.md)"
l7=$(line_of site-mem/_index.md "| [2025-07](2025-07/) | 6 Jul 2025 11:00 UTC |")
l6=$(line_of site-mem/_index.md "| [2025-06](2025-06/) | 6 Jun 2025 11:00 UTC |")
l5=$(line_of site-mem/_index.md "| [2025-05](2025-05/) | 6 May 2025 11:00 UTC |")
if [ "${l7:-0}" -gt 0 ] && [ "$l7" -lt "${l6:-0}" ] && [ "$l6" -lt "${l5:-0}" ]; then ok; else
  fail "index after adding 2025-07: $(cat site-mem/_index.md)"; fi
for f in README.md index.html; do
  for slug in 2025-05 2025-06 2025-07; do
    grep -qF "$slug/" "site-mem/$f" && ok || fail "$f does not link $slug"
  done
done
[ "$(jq -r '[.archives[] | .slug + "=" + .source] | join(" ")' site-mem/.ptbench-state.json)" = \
  "2025-05=../2025-05.tar.gz 2025-06=../2025-06.tar.gz 2025-07=../2025-07.tar.gz" ] && ok ||
  fail "state: $(cat site-mem/.ptbench-state.json)"
jq -e '.schema == "ptbench.site/1" and (.archives[0].environments == ["Bare Metal", "VM (vfio-pci)"])
       and (.archives[0].penalties[0].environment == "VM (vfio-pci)")' \
  site-mem/.ptbench-state.json >/dev/null && ok || fail "state fields"

t "memory: the same archive from another directory is the same archive"
mkdir -p elsewhere
run env -C elsewhere "$PTBENCH" batch --out ../site-mem ../2025-06.tar.gz
expect_status 0
expect_err_has "ptbench: ../2025-06.tar.gz: unchanged, skipped"
[ "$(jq '.archives | length' site-mem/.ptbench-state.json)" = 3 ] && ok || fail "archive added twice"

t "a failed archive keeps its older page, and its place in the index"
cp 2025-06.tar.gz 2025-06.good
printf '\037\213\010\000garbage, not deflate data\n' >2025-06.tar.gz
cp -r site-mem/2025-06 "$TMP/page-before"
run "$PTBENCH" batch --out site-mem 2025-06.tar.gz 2025-07.tar.gz
expect_status 4
expect_err_has "ptbench: 2025-06.tar.gz: cannot read archive:"
diff -r "$TMP/page-before" site-mem/2025-06 >/dev/null && ok || fail "older page changed"
grep -qF "| [2025-06](2025-06/) | 6 Jun 2025 11:00 UTC |" site-mem/_index.md && ok ||
  fail "failed archive's older page left out of the index"
mv 2025-06.good 2025-06.tar.gz
# a later time than the published one, even on a file system counting seconds
touch -d "@$(($(date +%s) + 2))" 2025-06.tar.gz

t "--prune removes the archives not given, only folders ptbench made"
run "$PTBENCH" batch --out site-mem --prune 2025-07.tar.gz 2025-06.tar.gz
expect_status 0
expect_err_has "ptbench: site-mem/2025-05/: pruned (not given)"
expect_err_has "ptbench: published 2 of 2 archives (1 unchanged), 0 failed; 1 earlier archive pruned"
[ ! -e site-mem/2025-05 ] && ok || fail "2025-05 not removed: $(ls -A site-mem/2025-05)"
grep -qF '2025-05' site-mem/_index.md site-mem/README.md site-mem/index.html &&
  fail "pruned archive still listed" || ok
[ "$(jq -r '[.archives[].slug] | join(" ")' site-mem/.ptbench-state.json)" = "2025-06 2025-07" ] &&
  ok || fail "state after prune: $(jq -c '[.archives[].slug]' site-mem/.ptbench-state.json)"
echo mine >site-mem/2025-06/notes.txt
run "$PTBENCH" batch --out site-mem --prune 2025-07.tar.gz
expect_status 4
expect_err_has "ptbench: site-mem/2025-06/: not pruned: site-mem/2025-06: refusing to remove it: it holds 'notes.txt', which ptbench did not write there; move that elsewhere first"
[ "$(cat site-mem/2025-06/notes.txt)" = mine ] && [ -f site-mem/2025-06/index.md ] && ok ||
  fail "a folder holding a file ptbench did not write was pruned"
grep -qF '| [2025-06](2025-06/) |' site-mem/_index.md && ok || fail "unpruned archive unlisted"
rm site-mem/2025-06/notes.txt

t "an archive whose folder was removed by hand is left out of the index, with a warning"
rm -r site-mem/2025-06
run "$PTBENCH" batch --out site-mem 2025-07.tar.gz
expect_status 0
expect_err_has "ptbench: warning: site-mem/2025-06/: the folder is gone: left out of the index"
grep -qF '2025-06' site-mem/_index.md && fail "gone archive still listed" || ok
grep -qF '1 archive, newest first.' site-mem/_index.md && ok || fail "count after gone"

t "an invalid state file is refused, naming it, and nothing is written"
cp site-mem/.ptbench-state.json "$TMP/state.good"
printf '{"schema": "ptbench.site/1", "archives": [{"slug": "../x"}]}\n' >site-mem/.ptbench-state.json
before=$(find site-mem -type f -exec md5sum {} + | sort)
run "$PTBENCH" batch --out site-mem 2025-05.tar.gz
expect_status 3
expect_err_has "ptbench: site-mem/.ptbench-state.json: not a ptbench site state: archives[0]: 'slug' is not a slug"
[ "$(find site-mem -type f -exec md5sum {} + | sort)" = "$before" ] && ok || fail "site changed"
printf '{"schema": "ptbench.site/1", "archives": [' >site-mem/.ptbench-state.json
run "$PTBENCH" batch --out site-mem 2025-05.tar.gz
expect_status 3
expect_err_has "ptbench: site-mem/.ptbench-state.json:1:"
cp "$TMP/state.good" site-mem/.ptbench-state.json

t "a site of the first layout (root index.md, README.md pages) is moved to this one"
run "$PTBENCH" batch --out site-old 2025-05.tar.gz
expect_status 0
# what ptbench wrote before the state file: index.md at the root (listed by
# the marker), README.md and table.md in the archive folders
rm site-old/README.md site-old/_index.md site-old/.ptbench-state.json
echo '# old index' >site-old/index.md
printf '{"schema": "ptbench.output/1", "kind": "site", "complete": true, "files": ["index.html", "index.md"]}\n' \
  >site-old/.ptbench-site
mv site-old/2025-05/index.md site-old/2025-05/README.md
echo '| table |' >site-old/2025-05/table.md
echo 0000000000000000 >site-old/2025-05/.source-hash
# and the charts under their names of then
rm site-old/2025-05/eval_rate-*.svg
echo '<svg/>' >site-old/2025-05/throughput.svg
echo '<svg/>' >site-old/2025-05/penalty.svg
printf '{"schema": "ptbench.output/1", "kind": "report", "complete": true, "files": [".source-hash", "README.md", "analysis.json", "index.html", "penalty.svg", "table.md", "throughput.svg"]}\n' \
  >site-old/2025-05/.ptbench-report
run "$PTBENCH" batch --out site-old 2025-05.tar.gz
expect_status 0
expect_err_has "ptbench: 2025-05.tar.gz: published site-old/2025-05/"
[ ! -e site-old/index.md ] && [ -f site-old/_index.md ] && [ -f site-old/README.md ] && ok ||
  fail "root after the move: $(ls -A site-old)"
[ ! -e site-old/2025-05/README.md ] && [ ! -e site-old/2025-05/table.md ] &&
  [ -f site-old/2025-05/index.md ] && ok || fail "archive after the move: $(ls -A site-old/2025-05)"
[ "$(jq -r '.files | join(" ")' site-old/.ptbench-site)" = \
  "README.md _index.md index.html .ptbench-state.json" ] && ok ||
  fail "site marker: $(cat site-old/.ptbench-site)"

t "a user's index.md at the root of a site is not removed"
echo '# mine' >site-old/index.md
run "$PTBENCH" batch --out site-old 2025-05.tar.gz
expect_status 0
[ "$(cat site-old/index.md)" = '# mine' ] && ok || fail "user's index.md removed"
rm site-old/index.md

t "one batch at a time: a site being published into is refused, left as it was"
# a process holds the site directory's lock (flock) as a running batch does
python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(60)
' site-mem "$TMP/held" & holder=$!
for _ in $(seq 1 100); do [ -e "$TMP/held" ] && break; sleep 0.05; done
before=$(find site-mem -type f -exec md5sum {} + | sort)
run "$PTBENCH" batch --out site-mem 2025-05.tar.gz
expect_status 1
expect_err_has "ptbench: site-mem: another ptbench batch is publishing into this site: run again when it is done"
[ "$(find site-mem -type f -exec md5sum {} + | sort)" = "$before" ] && ok || fail "site changed"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
run "$PTBENCH" batch --out site-mem 2025-07.tar.gz
expect_status 0

# --- private temporary directories -------------------------------------------
t "stale temporary directories of killed batch runs are swept, ptbench's only"
# a dead process: one that ran and exited (its pid is not reused this soon)
sh -c 'exit 0' & dead=$!
wait "$dead"
for d in Dead01 Live01 None01 Fresh1; do mkdir -p "$TMP/tmp/ptbench-batch-$d/0/runs"; done
mkdir -p "$TMP/tmp/ptbench-other-Dead01"
printf 'ptbench batch %s\n' "$dead" >"$TMP/tmp/ptbench-batch-Dead01/.ptbench-batch"
printf 'ptbench batch %s\n' "$dead" >"$TMP/tmp/ptbench-other-Dead01/.ptbench-batch"
printf 'ptbench batch %s\n' "$$" >"$TMP/tmp/ptbench-batch-Live01/.ptbench-batch"
printf 'ptbench batch %s\n' "$dead" >"$TMP/tmp/ptbench-batch-Fresh1/.ptbench-batch"
touch -d '2 hours ago' "$TMP/tmp/ptbench-batch-Dead01" "$TMP/tmp/ptbench-batch-Live01" \
  "$TMP/tmp/ptbench-batch-None01" "$TMP/tmp/ptbench-other-Dead01"
run "$PTBENCH" batch --out site-mem 2025-07.tar.gz
expect_status 0
[ "$(ls -A "$TMP/tmp" | sort | tr '\n' ' ')" = \
  "ptbench-batch-Fresh1 ptbench-batch-Live01 ptbench-batch-None01 ptbench-other-Dead01 " ] && ok ||
  fail "after the sweep: $(ls -A "$TMP/tmp")"
rm -rf "${TMP:?}"/tmp/*

# --- usage ----------------------------------------------------------------
t "usage errors"
run "$PTBENCH" batch --out site-u
expect_status 2
expect_err_has "no ARCHIVE given"
run "$PTBENCH" batch --jobs 0 lab-runs
expect_status 2
expect_err_has "--jobs must be between 1 and 256"
run "$PTBENCH" batch --formats png,gif lab-runs
expect_status 2
expect_err_has "--formats"

finish
