#!/usr/bin/env bash
# tests/cli/test_safety.sh - the data-safety and exit-code findings of the
# QA review (/work/plan/qa/findings-safety.md), each reproduced as the
# reviewer did and checked to lose nothing:
#   1. analyze -o writes through FIFOs, devices and links, never replaces
#      them, and never writes over one of its inputs or their manifest.json;
#   2. collect never replaces a manifest.json it did not make;
#   3. collect --resume refuses an imported run;
#   4. a header-only trials.csv without a manifest (the disk filled before
#      the first manifest) is a new run for collect, --resume, --add-session;
#   9. a server answering non-JSON ends collect with 1 (docs/collect.md);
#   12. the summary headline's failed trials are the sum of the models'.
set -u
SRC=${PTBENCH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
[ -n "${FAKE_OLLAMA:-}" ] && [ -x "$FAKE_OLLAMA" ] || { echo "skip: FAKE_OLLAMA not built"; exit 77; }
# shellcheck source=../lib/cli.sh
. "$SRC/tests/lib/cli.sh"
# shellcheck source=../lib/fake.sh
. "$SRC/tests/lib/fake.sh"
export PTBENCH_SYSROOT="$SRC/tests/data/sysroot/amd-vm"
unset OLLAMA_HOST
ART=$SRC/data/article
# what analyze writes, to compare with what landed where -o pointed
"$PTBENCH" analyze -q --format csv "$ART" >"$TMP/want.csv" || fail "analyze to stdout"

# ---------------------------------------------------------- 1. analyze -o
t "1: -o a FIFO is written to, and stays a FIFO"
mkfifo "$TMP/fifo"
timeout 20 cat "$TMP/fifo" >"$TMP/fifo.got" &
reader=$!
run timeout 20 "$PTBENCH" analyze -q --format csv -o "$TMP/fifo" "$ART"
expect_status 0
wait "$reader"
[ -p "$TMP/fifo" ] && ok || fail "the FIFO was replaced: $(ls -l "$TMP/fifo")"
cmp -s "$TMP/fifo.got" "$TMP/want.csv" && ok || fail "the reader got: $(head -c 200 "$TMP/fifo.got")"

t "1: -o a character device (a copy of /dev/null) is written to, and stays one"
if mknod "$TMP/null" c 1 3 2>/dev/null; then
  run "$PTBENCH" analyze -q --format csv -o "$TMP/null" "$ART"
  expect_status 0
  [ -c "$TMP/null" ] && ok || fail "the device was replaced: $(ls -l "$TMP/null")"
else
  echo "note: mknod not permitted; the device case is left out"
fi

t "1: -o a link to standard output writes standard output"
ln -s /proc/self/fd/1 "$TMP/so"
"$PTBENCH" analyze -q --format csv -o "$TMP/so" "$ART" >"$TMP/so.got" 2>"$TMP/so.err"
[ $? -eq 0 ] && ok || fail "exit status; stderr: $(cat "$TMP/so.err")"
[ -L "$TMP/so" ] && ok || fail "the link was replaced"
cmp -s "$TMP/so.got" "$TMP/want.csv" && ok || fail "standard output: $(head -c 200 "$TMP/so.got")"

t "1: -o a link to a file writes the file, the link stays"
echo old >"$TMP/real.csv"
chmod 640 "$TMP/real.csv"
ln -s real.csv "$TMP/link.csv"
run "$PTBENCH" analyze -q -o "$TMP/link.csv" "$ART"
expect_status 0
[ -L "$TMP/link.csv" ] && ok || fail "the link was replaced"
cmp -s "$TMP/real.csv" "$TMP/want.csv" && ok || fail "the file: $(head -c 200 "$TMP/real.csv")"
[ "$(stat -c %a "$TMP/real.csv")" = 640 ] && ok || fail "mode $(stat -c %a "$TMP/real.csv"), was 640"

t "1: -o a link to nothing is refused, exit 3, the link kept"
ln -s nowhere/x.csv "$TMP/dangling.csv"
run "$PTBENCH" analyze -q -o "$TMP/dangling.csv" "$ART"
expect_status 3
expect_err_has "dangling.csv: is a symbolic link that leads to nothing that exists"
[ -L "$TMP/dangling.csv" ] && ok || fail "the link was replaced"

t "1: -o a directory is a usage error"
mkdir "$TMP/adir"
run "$PTBENCH" analyze -q -o "$TMP/adir" "$ART"
expect_status 2
expect_err_has "adir: is a directory; give a file to write"

# a copy of the article's runs; each refusal must leave it as it was
cp -r "$ART" "$TMP/art"
printf '{"manifest_version": 3}\n' >"$TMP/art/vm/manifest.json"
snapshot() { (cd "$TMP/art" && find . -type f | sort | xargs sha256sum); }
before=$(snapshot)
refused() {  # refused NAME OUT INPUT...: exit 3, naming OUT, nothing changed
  t "1: -o $1 is refused"
  local o=$2
  shift 2
  run "$PTBENCH" analyze -q -o "$o" "$@"
  expect_status 3
  expect_err_has "$o: is "
  expect_err_has "refusing to write over it: choose another output file"
  [ "$(snapshot)" = "$before" ] && ok || fail "the inputs changed"
}
refused "a trials.csv below an input directory" "$TMP/art/vm/trials.csv" "$TMP/art"
refused "a manifest.json below an input directory" "$TMP/art/vm/manifest.json" "$TMP/art"
refused "an input file" "$TMP/art/vm/trials.csv" "$TMP/art/vm/trials.csv" "$TMP/art/bare-metal"
refused "the input of NAME=PATH" "$TMP/art/vm/trials.csv" "vm=$TMP/art/vm/trials.csv" "$TMP/art/bare-metal"
refused "the manifest.json beside an input file" "$TMP/art/vm/manifest.json" "$TMP/art/vm/trials.csv" "$TMP/art/bare-metal"
ln -s art "$TMP/art-link"
refused "an input reached through a link to its directory" "$TMP/art-link/vm/trials.csv" "$TMP/art"
t "1: -o another file in an input directory is written"
run "$PTBENCH" analyze -q --format csv -o "$TMP/art/analysis.csv" "$TMP/art"
expect_status 0

# ----------------------------------------------------------------- collect
start_fake --model 'tiny:1b:40,tokens=20' || exit 1
printf 'Say hello.\n' >"$TMP/one.txt"
collect() {
  run "$PTBENCH" collect -q --env vm --host "$FAKE_URL" -m tiny:1b -n 1 --warmup 0 \
    --prompts "$TMP/one.txt" "$@"
}

t "2: a manifest.json collect did not make is not replaced"
for content in '{"manifest_version": 3}' 'not json at all'; do
  mkdir -p "$TMP/ext"
  printf '%s\n' "$content" >"$TMP/ext/manifest.json"
  for mode in "" --resume --add-session; do
    collect --out "$TMP/ext" $mode
    if [ -z "$mode" ]; then
      expect_status 2
      expect_err_has "ext/manifest.json: already exists and is not a manifest ptbench can read; not overwritten"
    else  # the manifest to continue is invalid data
      expect_status 3
      expect_err_has "ext/manifest.json:"
    fi
    [ "$(cat "$TMP/ext/manifest.json")" = "$content" ] && ok || fail "replaced ($mode)"
    expect_no_file "$TMP/ext/trials.csv"
  done
  rm -rf "$TMP/ext"
done

t "3: --resume and --add-session refuse an imported run"
run "$PTBENCH" import -q --format llm-benchmark --env vm --out "$TMP/imp" \
  "$SRC/tests/data/import/llm-benchmark/log_2025-01-01-120000.log"
expect_status 0
cp -r "$TMP/imp" "$TMP/imp.orig"
for mode in --resume --add-session ""; do
  collect --out "$TMP/imp" $mode
  expect_status 2
  expect_err_has "imp/manifest.json: is not the manifest of a run 'ptbench collect' made (it was imported)"
  diff -r "$TMP/imp" "$TMP/imp.orig" >/dev/null && ok || fail "the imported run changed ($mode)"
done

t "4: a header-only trials.csv without a manifest is a new run"
collect --out "$TMP/full"
expect_status 0
for mode in "" --resume --add-session; do
  mkdir -p "$TMP/hdr"
  head -1 "$TMP/full/trials.csv" >"$TMP/hdr/trials.csv"
  collect --out "$TMP/hdr" $mode
  expect_status 0
  [ "$(($(wc -l <"$TMP/hdr/trials.csv") - 1))" = 1 ] && ok || fail "rows ($mode): $(cat "$TMP/hdr/trials.csv")"
  [ -f "$TMP/hdr/manifest.json" ] && ok || fail "no manifest ($mode)"
  rm -rf "$TMP/hdr"
done
t "4: rows without a manifest are still refused"
mkdir -p "$TMP/rows"
cp "$TMP/full/trials.csv" "$TMP/rows/"
collect --out "$TMP/rows" --resume
expect_status 2
expect_err_has "manifest.json: is missing beside a trials.csv with rows"
stop_fake

t "9: a server answering non-JSON ends collect with 1, as docs/collect.md says"
start_fake --model 'tiny:1b:40,tokens=20' --fault generate:garbage:0 || exit 1
run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m tiny:1b -n 3 --warmup 0 \
  --prompts "$TMP/one.txt" --out "$TMP/garbage"
stop_fake
expect_status 1
expect_err_has "every model with trials to run was skipped"

t "12: the summary's failed trials are the models' sum; a failed warm-up is counted apart"
# requests to generate: 1 the warm-up (fails), 2 and 3 the trials (3 fails)
start_fake --model 'tiny:1b:40,tokens=20' --fault generate:1:500 --fault generate:3:500 || exit 1
printf 'Say hello.\nCount to three.\n' >"$TMP/prompts.txt"
run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m tiny:1b -n 1 --warmup 1 \
  --prompts "$TMP/prompts.txt" --out "$TMP/wfail"
stop_fake
expect_status 0
expect_err_has "1 run now; measured trials 1 ok, 1 failed; warm-ups 0 ok, 1 failed; trials.csv"
expect_err_has "ptbench:   tiny:1b       40.00       1       1"
expect_err_has "ptbench: warning: 1 trial and 1 warm-up failed; see the 'error' column"
[ "$(jq .trials.failed "$TMP/wfail/manifest.json")" = 2 ] && ok ||
  fail "manifest trials.failed (every failed row): $(jq -c .trials "$TMP/wfail/manifest.json")"
finish
