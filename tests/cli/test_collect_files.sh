#!/usr/bin/env bash
# tests/cli/test_collect_files.sh - what `collect` does with the files it
# finds in a run directory (issue 13 items 2, 3 and 9): an empty trials.csv
# is a new file; a torn last row is reported, cut off and its trial run
# again; a whole last row without its line end gets one; a symbolic link
# for trials.csv or manifest.json, and rows of another run, are refused
# with the other file left as it was; a trials.csv of the previous column
# set is resumed in its own column order. The disk-full cases are in
# test_diskfull.sh (they need root for a small tmpfs).
#
# Reference values: the fake server's model 'tiny:1b:40,tokens=20' answers
# 20 tokens at 40 tokens/s (fake-ollama --help); a run of 2 prompts x 2
# trials without warm-up has the 4 ok trials (tiny:1b, p1|p2, 1|2).
set -u
SRC=${PTBENCH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
[ -n "${FAKE_OLLAMA:-}" ] && [ -x "$FAKE_OLLAMA" ] || { echo "skip: FAKE_OLLAMA not built"; exit 77; }
# shellcheck source=../lib/cli.sh
. "$SRC/tests/lib/cli.sh"
# shellcheck source=../lib/fake.sh
. "$SRC/tests/lib/fake.sh"
export PTBENCH_SYSROOT="$SRC/tests/data/sysroot/amd-vm"
unset OLLAMA_HOST

printf 'Say hello.\nCount to three.\n' >"$TMP/prompts.txt"
start_fake --model 'tiny:1b:40,tokens=20' || exit 1

# collect DIR ARGS...: 2 prompts x 2 trials, no warm-up, into DIR
collect() {
  local dir=$1
  shift
  run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" \
    -n 2 --warmup 0 --out "$dir" "$@"
}
# ok_trials FILE: "model prompt trial" of every ok row, one per line, sorted
ok_trials() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { sub(/\r$/, "") } $c["status"] == "ok" { print $c["model"], $c["prompt_id"], $c["trial"] }' \
    "$1" | sort
}
ALL4=$'tiny:1b p1 1\ntiny:1b p1 2\ntiny:1b p2 1\ntiny:1b p2 2'
# whole FILE: ends with CRLF, every line has the header's number of fields
whole() {
  [ "$(tail -c 2 "$1" | od -An -c | tr -d ' ')" = '\r\n' ] &&
    awk -F, 'NR == 1 { n = NF } NF != n { bad = 1 } END { exit bad }' "$1"
}
json_field() { sed -n "s/^[[:space:]]*\"$1\":[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" "$2" | head -1; }

collect "$TMP/base"
[ "$status" = 0 ] && [ "$(ok_trials "$TMP/base/trials.csv")" = "$ALL4" ] || {
  fail "the base run: $err"
  finish
}

# ---------------------------------------------------------------- empty
# issue 13 item 3: a 0-byte trials.csv (the disk filled before the header)
# blocked its directory: exit 2 without --resume, 3 with it.
for flag in "" --resume; do
  t "an empty trials.csv is a new file (${flag:-no flag})"
  d=$TMP/empty${flag}
  mkdir -p "$d"
  : >"$d/trials.csv"
  collect "$d" $flag
  expect_status 0
  [ "$(ok_trials "$d/trials.csv")" = "$ALL4" ] && ok || fail "rows: $(cat "$d/trials.csv")"
  cmp -s <(head -1 "$d/trials.csv") <(head -1 "$TMP/base/trials.csv") && ok || fail "header"
  [ "$(json_field status "$d/manifest.json")" = complete ] && ok || fail "manifest status"
done

# ---------------------------------------------------------------- torn
# issue 13 item 2: a row cut short by an interrupted write made the file
# unreadable ("row has 1 field"); now it is reported, cut off, run again.
t "a torn last row: a warning, cut off, its trial run again"
cp -r "$TMP/base" "$TMP/torn"
size=$(stat -c %s "$TMP/torn/trials.csv")
truncate -s $((size - 30)) "$TMP/torn/trials.csv"
run "$PTBENCH" analyze --format text "$TMP/torn"
expect_status 0
expect_out_has "tiny:1b  vm                  1  3" # the 3 whole rows, one session
expect_err_has "ptbench: warning: $TMP/torn/trials.csv:5: the last row is incomplete (the file ends inside it"
collect "$TMP/torn" --resume
expect_status 0
expect_err_has "warning: $TMP/torn/trials.csv:5: the last row is incomplete"
expect_err_has "resuming: 3 trials already ok, 1 to run"
[ "$(ok_trials "$TMP/torn/trials.csv")" = "$ALL4" ] && ok || fail "ok trials: $(ok_trials "$TMP/torn/trials.csv")"
whole "$TMP/torn/trials.csv" && ok || fail "not whole: $(tail -c 200 "$TMP/torn/trials.csv" | od -c | tail -3)"
[ "$(wc -l <"$TMP/torn/trials.csv")" = 5 ] && ok || fail "rows: $(wc -l <"$TMP/torn/trials.csv")"

t "a whole last row without its line end gets one"
cp -r "$TMP/base" "$TMP/open"
size=$(stat -c %s "$TMP/open/trials.csv")
truncate -s $((size - 2)) "$TMP/open/trials.csv"
collect "$TMP/open" --resume
expect_status 0
case "$err" in *incomplete*) fail "warned: $err" ;; *) ok ;; esac
expect_err_has "resuming: 4 trials already ok, 0 to run"
cmp -s "$TMP/open/trials.csv" "$TMP/base/trials.csv" && ok || fail "the line end was not restored"

# ---------------------------------------------------------------- links
# issue 13 item 9: --resume wrote through a planted trials.csv symlink into
# another run's file.
t "a trials.csv that is a symbolic link is refused; its target is unchanged"
cp -r "$TMP/base" "$TMP/other"
cp "$TMP/other/trials.csv" "$TMP/other.before"
mkdir -p "$TMP/planted"
cp "$TMP/base/manifest.json" "$TMP/planted/"
ln -s "$TMP/other/trials.csv" "$TMP/planted/trials.csv"
for flag in --resume ""; do
  collect "$TMP/planted" $flag -n 3  # trials to run: something to write
  expect_status 3
  expect_err_has "ptbench: $TMP/planted/trials.csv: is a symbolic link; refusing to write through it"
  cmp -s "$TMP/other/trials.csv" "$TMP/other.before" && ok || fail "the link's target changed"
done

t "a manifest.json that is a symbolic link is refused"
cp -r "$TMP/base" "$TMP/mlink"
mv "$TMP/mlink/manifest.json" "$TMP/mlink.json"
ln -s "$TMP/mlink.json" "$TMP/mlink/manifest.json"
cp "$TMP/mlink.json" "$TMP/mlink.before"
collect "$TMP/mlink" --resume
expect_status 3
expect_err_has "ptbench: $TMP/mlink/manifest.json: is a symbolic link"
cmp -s "$TMP/mlink.json" "$TMP/mlink.before" && ok || fail "the link's target changed"
[ -L "$TMP/mlink/manifest.json" ] && ok || fail "the link was replaced"

t "rows of another run (a copy, not a link) are refused"
collect "$TMP/second"
expect_status 0
cp "$TMP/second/trials.csv" "$TMP/second.before"
cp -r "$TMP/base" "$TMP/mixed"
cp "$TMP/second/trials.csv" "$TMP/mixed/trials.csv"
collect "$TMP/mixed" --resume -n 3
expect_status 3
second_id=$(json_field run_id "$TMP/second/manifest.json")
expect_err_has "trials.csv:2: row of session '$second_id', which $TMP/mixed/manifest.json does not list: the files are not of one run; refusing to write to them"
cmp -s "$TMP/mixed/trials.csv" "$TMP/second.before" && ok || fail "the copy was written to"

# ---------------------------------------------------------------- old files
# issue 9 item 6: a run directory of the previous version (23 columns, no
# seq or gpu_*) is resumed in its own column order; its header is kept.
t "a trials.csv of the previous column set is resumed in its order"
cp -r "$TMP/base" "$TMP/v1"
awk -F, 'BEGIN { OFS = "," } { sub(/\r$/, "")
  if (NR == 1) for (i = 1; i <= NF; i++) keep[i] = $i !~ /^(seq|gpu_clock_mhz|gpu_temp_c|gpu_power_w|gpu_busy_pct)$/
  line = ""; n = 0
  for (i = 1; i <= NF; i++) if (keep[i]) line = line (n++ ? "," : "") $i
  printf "%s\r\n", line }' "$TMP/base/trials.csv" >"$TMP/v1/trials.csv"
head -1 "$TMP/v1/trials.csv" >"$TMP/v1.header"
grep -q '^run_id,environment,started_at,model,' "$TMP/v1.header" && ok || fail "v1 header: $(cat "$TMP/v1.header")"
collect "$TMP/v1" --resume -n 3
expect_status 0
cmp -s <(head -1 "$TMP/v1/trials.csv") "$TMP/v1.header" && ok || fail "the header was rewritten"
[ "$(awk -F, '{ print NF }' "$TMP/v1/trials.csv" | sort -u)" = 23 ] && ok || fail "rows of another width"
[ "$(ok_trials "$TMP/v1/trials.csv" | wc -l)" = 6 ] && ok || fail "ok trials: $(ok_trials "$TMP/v1/trials.csv")"
run "$PTBENCH" analyze --format csv "$TMP/v1"
expect_status 0
expect_out_has "tiny:1b,vm,vm,1,6,40,0,"

stop_fake
finish
