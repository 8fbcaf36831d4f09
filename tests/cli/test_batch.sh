#!/usr/bin/env bash
# CLI tests of `ptbench batch`: the site of docs/batch.md built from a tar.gz,
# a zip, a tar.xz and a directory; rebuilding only what changed; the same
# bytes whatever --jobs; partial failure; and every hostile or broken archive
# the issue lists (each refused with a message naming archive and entry,
# nothing written outside the site and the temporary directory).
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
  for f in README.md table.md analysis.json index.html throughput.svg penalty.svg \
           .source-hash; do
    [ -f "site/$slug/$f" ] && ok || fail "missing site/$slug/$f"
  done
done
[ -f site/index.md ] && [ -f site/index.html ] && ok || fail "no site index"
tmp_is_clean

t "site index: newest first, front matter, relative links"
# dates are the manifests' latest ended_at (tests/lib/batch.sh: vm ends at 11:00)
head -4 site/index.md >"$TMP/fm"
printf -- '---\ntitle: "Benchmark archives"\ndate: "2025-03-09T11:00:00.000Z"\n---\n' >"$TMP/fm.want"
cmp -s "$TMP/fm" "$TMP/fm.want" && ok || fail "index.md front matter: $(cat "$TMP/fm")"
l3=$(line_of site/index.md "(runs-2025-03/README.md) | 2025-03-09 |")
l2=$(line_of site/index.md "(runs-2025-02/README.md) | 2025-02-03 |")
l1=$(line_of site/index.md "(runs-2025-01/README.md) | 2025-01-14 |")
l0=$(line_of site/index.md "(lab-runs/README.md) | 2024-12-01 |")
if [ "${l3:-0}" -gt 0 ] && [ "$l3" -lt "${l2:-0}" ] && [ "$l2" -lt "${l1:-0}" ] &&
   [ "$l1" -lt "${l0:-0}" ]; then ok; else fail "index order: $(cat site/index.md)"; fi
grep -qF '| Bare Metal, VM (vfio-pci) | mistral:7b, gemma2:9b, phi4:14b, deepseek-r1:14b |' \
  site/index.md && ok || fail "environments and models column"
grep -qE '\| [0-9]+\.[0-9]{2}% \|$' site/index.md && ok || fail "mean penalty column"
grep -qF '<a href="runs-2025-03/index.html">runs-2025-03</a>' site/index.html && ok ||
  fail "index.html links to the HTML reports"

t "report: front matter in Markdown, not in HTML; SVG charts with alt text"
head -4 site/runs-2025-02/README.md >"$TMP/fm"
printf -- '---\ntitle: "runs-2025-02"\ndate: "2025-02-03T11:00:00.000Z"\n---\n' >"$TMP/fm.want"
cmp -s "$TMP/fm" "$TMP/fm.want" && ok || fail "README.md front matter: $(cat "$TMP/fm")"
grep -q 'title: ' site/runs-2025-02/index.html && fail "front matter shown in HTML" || ok
grep -q '<table>' site/runs-2025-02/index.html && ok || fail "no table in HTML"
grep -qE '<img src="throughput.svg" alt="[^"]+"' site/runs-2025-02/index.html && ok ||
  fail "throughput chart not shown as SVG with alt text"
grep -qE '<img src="penalty.svg" alt="[^"]+"' site/runs-2025-02/index.html && ok ||
  fail "penalty chart not shown as SVG with alt text"
grep -qiE '<script|<link|https?://' site/runs-2025-02/index.html site/index.html &&
  fail "HTML has script or external resources" || ok
[ -z "$(find site -perm -o=w)" ] && [ -z "$(find site -type d ! -perm -o=x)" ] && ok ||
  fail "site not readable by others or writable by them: $(find site -type d -ls | head -3)"
grep -rq "ptbench-batch-" site && fail "temporary paths published" || ok

t "--formats png,svg: Markdown shows the PNG, HTML the SVG"
run "$PTBENCH" batch --formats png,svg --out site-png runs-2025-02.zip
expect_status 0
[ -f site-png/runs-2025-02/throughput.png ] && [ -f site-png/runs-2025-02/penalty.svg ] && ok ||
  fail "charts missing: $(ls site-png/runs-2025-02)"
grep -qF '](throughput.png)' site-png/runs-2025-02/README.md && ok || fail "README lacks the PNG"
grep -qE '<img src="throughput.svg" alt="[^"]+"' site-png/runs-2025-02/index.html && ok ||
  fail "HTML does not show the SVG"

# --- rebuild only what changed -----------------------------------------
t "second run skips every archive"
touch -d '2001-01-01' site/runs-2025-01/README.md
run "$PTBENCH" batch --out site runs-2025-01.tar.gz runs-2025-02.zip runs-2025-03.tar.xz lab-runs/
expect_status 0
expect_err_has "ptbench: runs-2025-01.tar.gz: unchanged, skipped"
expect_err_has "ptbench: lab-runs/: unchanged, skipped"
expect_err_has "ptbench: published 4 of 4 archives (4 unchanged), 0 failed"
[ "$(date -r site/runs-2025-01/README.md +%Y)" = 2001 ] && ok || fail "unchanged report rewritten"
grep -qF "(runs-2025-01/README.md)" site/index.md && ok || fail "unchanged archive left out of index"

t "a changed archive is rebuilt, alone"
make_runs src/jan/runs 11 2025-01-15 4
tar -czf runs-2025-01.tar.gz -C src/jan runs
run "$PTBENCH" batch --out site runs-2025-01.tar.gz runs-2025-02.zip runs-2025-03.tar.xz lab-runs/
expect_status 0
expect_err_has "ptbench: runs-2025-01.tar.gz: published site/runs-2025-01/"
expect_err_has "ptbench: runs-2025-02.zip: unchanged, skipped"
expect_err_has "ptbench: published 4 of 4 archives (3 unchanged), 0 failed"
grep -qF "(runs-2025-01/README.md) | 2025-01-15 |" site/index.md && ok || fail "index not updated"

t "a changed run directory is rebuilt"
make_runs lab-runs 12 2024-12-02 4
run "$PTBENCH" batch --out site runs-2025-01.tar.gz lab-runs/
expect_status 0
expect_err_has "ptbench: lab-runs/: published site/lab-runs/"
expect_err_has "ptbench: runs-2025-01.tar.gz: unchanged, skipped"
tmp_is_clean

t "a report whose analysis.json is not of this schema is rebuilt"
sed -i 's|"ptbench\.analysis/[0-9]*"|"ptbench.analysis/0"|' site/lab-runs/analysis.json
grep -qF '"ptbench.analysis/0"' site/lab-runs/analysis.json && ok || fail "schema not changed"
run "$PTBENCH" batch --out site runs-2025-01.tar.gz lab-runs/
expect_status 0
expect_err_has "ptbench: lab-runs/: published site/lab-runs/"
expect_err_has "ptbench: runs-2025-01.tar.gz: unchanged, skipped"
grep -qF '"ptbench.analysis/0"' site/lab-runs/analysis.json && fail "old analysis kept" || ok

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

t "slugs: lowercase, collisions numbered in input order"
mkdir -p dup/A && cp -r lab-runs dup/A/runs && cp -r lab-runs "My Runs!"
run "$PTBENCH" batch --out site-slug "My Runs!" dup/A lab-runs/ "dup/A"
expect_status 0
expect_err_has "ptbench: My Runs!: published site-slug/my-runs/"
expect_err_has "ptbench: dup/A: published site-slug/a/"
expect_err_has "ptbench: lab-runs/: published site-slug/lab-runs/"
expect_err_has "ptbench: dup/A: published site-slug/a-2/"

# --- partial failure -----------------------------------------------------
printf '\037\213\010\000garbage, not deflate data\n' >corrupt.tar.gz
t "one good and one corrupt archive: exit 4 and the summary"
doc_run "ptbench batch --out site-partial runs-2025-02.zip corrupt.tar.gz"
expect_status 4
expect_err_has "ptbench: corrupt.tar.gz: cannot read archive:"
expect_err_has "ptbench: published 1 of 2 archives, 1 failed"
[ -f site-partial/runs-2025-02/index.html ] && ok || fail "good archive not published"
grep -q corrupt site-partial/index.md && fail "failed archive listed" || ok
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
[ ! -e site-bad/index.md ] && ok || fail "index written though every archive failed"

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
grep -qF 'title: "<b>x&\"y"' site-evil/b-x-y/README.md && ok || fail "YAML title not quoted"

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
python3 - site-many/index.md <<'PY' && ok || fail "index row of 300 environments"
import sys
row = [l for l in open(sys.argv[1]) if l.startswith("| [runs](runs/README.md)")][0]
cells = [c.strip() for c in row.strip().strip("|").split(" | ")]
want_envs = ", ".join("env%03d" % i for i in range(300))
want_pen = ", ".join("env%03d: -%d.00%%" % (i, i) for i in range(1, 300))
if cells[2] != want_envs or cells[3] != "m" or cells[4] != want_pen:
    sys.exit("row: %s" % row[:400])
PY

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
