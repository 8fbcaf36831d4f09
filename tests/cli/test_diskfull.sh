#!/usr/bin/env bash
# tests/cli/test_diskfull.sh - `collect` on a disk that fills up (issue 13
# items 2 and 3): the run stops with an error naming trials.csv and the
# cause, the file holds whole rows only, the manifest says `failed` and
# why, and `--resume` with room again runs exactly the missing trials; a
# disk already full before the header leaves an empty trials.csv, which the
# next run takes as new.
#
# The disk is a 64 KiB tmpfs, so the test needs root (mount); without it,
# or when the mount fails, it is skipped with a message (exit 77).
#
# Reference values: the fake server's 'tiny:1b:40,tokens=20' answers 20
# tokens at 40 tokens/s (fake-ollama --help); 2 prompts x 500 trials make
# 1000 rows of about 250 bytes, four times what 64 KiB holds.
set -u
SRC=${PTBENCH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
[ -n "${FAKE_OLLAMA:-}" ] && [ -x "$FAKE_OLLAMA" ] || { echo "skip: FAKE_OLLAMA not built"; exit 77; }
# shellcheck source=../lib/cli.sh
. "$SRC/tests/lib/cli.sh"
# shellcheck source=../lib/fake.sh
. "$SRC/tests/lib/fake.sh"
export PTBENCH_SYSROOT="$SRC/tests/data/sysroot/amd-vm"
unset OLLAMA_HOST

DISK=$TMP/disk
mkdir -p "$DISK"
if [ "$(id -u)" != 0 ]; then
  echo "skip: the disk-full tests mount a small tmpfs, which needs root"
  exit 77
fi
if ! mount -t tmpfs -o size=64k tmpfs "$DISK" 2>"$TMP/mount.err"; then
  echo "skip: cannot mount a tmpfs: $(cat "$TMP/mount.err")"
  exit 77
fi
# unmount before cli.sh's EXIT trap removes $TMP (the trap runs both)
trap 'umount "$DISK" 2>/dev/null; stop_fake >/dev/null 2>&1; rm -rf "$TMP"' EXIT

printf 'Say hello.\nCount to three.\n' >"$TMP/prompts.txt"
start_fake --model 'tiny:1b:40,tokens=20' || exit 1
collect() {
  run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" \
    -n 500 --warmup 0 --out "$DISK/run" "$@"
}
ok_trials() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { sub(/\r$/, "") } $c["status"] == "ok" { print $c["model"], $c["prompt_id"], $c["trial"] }' \
    "$1" | sort
}
whole() {
  [ "$(tail -c 2 "$1" | od -An -c | tr -d ' ')" = '\r\n' ] &&
    awk -F, 'NR == 1 { n = NF } NF != n { bad = 1 } END { exit bad }' "$1"
}
R=$DISK/run/trials.csv
M=$DISK/run/manifest.json

t "the disk fills up mid-run: an error naming the file and the cause"
collect
expect_status 1
expect_err_has "ptbench: $R: cannot write a row: No space left on device; the file is cut back to its last whole row"
expect_err_has "ptbench: the rows so far are kept in $DISK/run; once the cause is fixed, run the same command with --resume to finish the run"
whole "$R" && ok || fail "trials.csv is not whole rows: $(tail -c 120 "$R" | od -c | tail -4)"
n=$(ok_trials "$R" | wc -l)
[ "$n" -gt 10 ] && [ "$n" -lt 1000 ] && ok || fail "$n ok rows"
[ "$(ok_trials "$R" | sort -u | wc -l)" = "$n" ] && ok || fail "a trial twice"

t "the manifest says failed, and why: the run and its session"
[ "$(jq -r '.status, .sessions[0].status' "$M" | tr '\n' ' ')" = "failed failed " ] && ok ||
  fail "manifest: $(grep '"status"' "$M")"
for where in .reason .sessions[0].reason; do
  case "$(jq -r "$where" "$M")" in
    "$R: cannot write a row: No space left on device"*) ok ;;
    *) fail "no reason at $where: $(jq -r "$where" "$M")" ;;
  esac
done
[ "$(jq -r '.sessions[0].trials.ok' "$M")" = "$n" ] && ok || fail "the session's count: $(jq -c .sessions[0].trials "$M")"
SID=$(jq -r '.sessions[0].run_id' "$M")

t "the rows it has are analyzed"
run "$PTBENCH" analyze --format csv "$DISK/run"
expect_status 0
expect_out_has "tiny:1b,vm,vm,1,$n,40,"

t "--resume with room again runs exactly the missing trials"
mount -o remount,size=1m "$DISK" || fail "remount"
collect --resume
expect_status 0
expect_err_has "resuming: $n trials already ok, $((1000 - n)) to run"
[ "$(ok_trials "$R" | wc -l)" = 1000 ] && ok || fail "ok trials: $(ok_trials "$R" | wc -l)"
[ "$(ok_trials "$R" | sort -u | wc -l)" = 1000 ] && ok || fail "a trial ran twice"
whole "$R" && ok || fail "trials.csv is not whole rows"
[ "$(jq -r '.status, .sessions[0].status, (.sessions | length)' "$M" | tr '\n' ' ')" = "complete complete 1 " ] &&
  ok || fail "manifest not complete: $(jq -c '[.status, .sessions[].status]' "$M")"
[ "$(jq -r '.sessions[0].run_id' "$M")" = "$SID" ] && ok || fail "the session kept its run_id"
[ "$(jq -r '.reason, .sessions[0].reason' "$M" | tr '\n' ' ')" = "null null " ] && ok || fail "a reason after completing"

t "a disk full before the header: an empty trials.csv, taken as new by the next run"
rm -rf "$DISK/run"
mount -o remount,size=64k "$DISK" || fail "remount"
head -c 1M /dev/zero >"$DISK/filler" 2>/dev/null
collect
expect_status 1
expect_err_has "ptbench: $R: cannot write the header: No space left on device; the file is left empty"
[ -f "$R" ] && [ ! -s "$R" ] && ok || fail "trials.csv: $(ls -l "$R" 2>&1)"
rm -f "$DISK/filler"
for flag in "" --resume; do
  rm -f "$M"
  : >"$R"
  collect -n 2 $flag
  expect_status 0
  [ "$(ok_trials "$R" | wc -l)" = 4 ] && ok || fail "rows after an empty file (${flag:-no flag})"
done

stop_fake
finish
