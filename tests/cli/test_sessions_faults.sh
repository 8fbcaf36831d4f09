#!/usr/bin/env bash
# tests/cli/test_sessions_faults.sh - faults that must leave every row
# whole and the manifest true (issue 9, Checks): kill -9 at random moments
# of a two-session run (20 tries: trials.csv always reads, and --resume
# completes exactly the missing trials of each session), and a second
# Ctrl-C (the process ends at once, but not inside a write, and the
# manifest says "interrupted", not "running"). The disk filling up is in
# test_diskfull.sh (it needs root for its tmpfs), the one-byte-a-second
# server in test_collect_hostile.sh.
#
# Reference values: 'tiny:1b:40,tokens=20' answers in 0.5 s of reported
# time; --pace 0.1 makes the server take a tenth of it, so a session of
# one warm-up and 2 prompts x 2 trials lasts about 0.3 s (fake-ollama
# --help).
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

rows() { echo $(($(wc -l <"$1") - 1)); }
mf() { jq -r "$1" "$2/manifest.json"; }
# keys FILE ID: "model prompt trial" of the ok measured rows of session ID
keys() {
  awk -F, -v id="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { sub(/\r$/, "") }
    $c["status"] == "ok" && $c["warmup"] == 0 && $c["run_id"] == id {
      print $c["model"], $c["prompt_id"], $c["trial"] }' "$1" | sort
}
ALL4=$'tiny:1b p1 1\ntiny:1b p1 2\ntiny:1b p2 1\ntiny:1b p2 2'
# whole_rows FILE: every line but a torn last one has the header's fields
whole_rows() {
  awk -F, 'NR == 1 { n = NF } NF != n { bad++ } END { exit bad > 0 }' "$1"
}

start_fake --pace 0.1 --unload-delay 0.05 --model 'tiny:1b:40,tokens=20,load=0.2' || exit 1
CARGS=(collect --env vm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" -n 2)

# ---------------------------------------------------------------- kill -9
t "kill -9 at random moments, then --resume: whole rows, exactly the missing trials"
RANDOM=4242  # the moments are drawn from a fixed seed: the same 20 every run
for try in $(seq 1 20); do
  d=$TMP/k$try
  "$PTBENCH" "${CARGS[@]}" --sessions 2 --out "$d" 2>"$TMP/k.err" &
  pid=$!
  sleep "0.$(printf '%03d' $((RANDOM % 900)))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if [ -s "$d/trials.csv" ]; then
    before=$(wc -c <"$d/trials.csv")
    cp "$d/trials.csv" "$TMP/k.before"
    # it reads: analyzed, or nothing to analyze yet (a header, warm-ups)
    run "$PTBENCH" analyze --format csv "$d"
    case "$status:$err" in
      0:* | 3:*"no usable trial"* | 3:*"no trials: a header but no rows"*) ok ;;
      *) fail "try $try: trials.csv does not read: $err" ;;
    esac
  else
    before=0
  fi
  # killed before the manifest was first written, nothing says 2 sessions
  want=2
  [ -f "$d/manifest.json" ] || want=1
  run "$PTBENCH" "${CARGS[@]}" --out "$d" --resume
  [ "$status" = 0 ] && ok || fail "try $try: --resume: $err"
  [ "$(mf '.sessions | length' "$d")" = $want ] && ok || fail "try $try: sessions $(mf '.sessions | length' "$d")"
  [ "$(mf '([.sessions[].status] | unique | join(" ")), .status' "$d" | tr '\n' ' ')" = \
    "complete complete " ] && ok || fail "try $try: statuses $(mf '[.status, .sessions[].status]' "$d")"
  for id in $(mf '.sessions[].run_id' "$d"); do
    [ "$(keys "$d/trials.csv" "$id")" = "$ALL4" ] && ok ||
      fail "try $try: session $id: $(keys "$d/trials.csv" "$id" | tr '\n' '|')"
  done
  whole_rows "$d/trials.csv" && ok || fail "try $try: rows of another width"
  # what was there before stays (a torn last row aside, which --resume cuts off)
  if [ "$before" -gt 0 ]; then
    kept=$(awk -F, 'NR == 1 { n = NF } NF == n { print }' "$TMP/k.before" | wc -c)
    cmp -s -n "$kept" "$TMP/k.before" "$d/trials.csv" && ok || fail "try $try: earlier rows changed"
  fi
  [ "$(mf '.trials.ok' "$d")" = $((4 * want)) ] && ok || fail "try $try: the run's count $(mf '.trials' "$d")"
done

# ---------------------------------------------------------------- second Ctrl-C
t "a second Ctrl-C: the process ends, its rows whole, the manifest true"
stop_fake
start_fake --realtime --model 'slow:1b:100,tokens=30,load=0,prompt-rate=100000' || exit 1
for try in 1 2 3 4 5; do
  d=$TMP/c$try
  "$PTBENCH" collect --env vm --host "$FAKE_URL" -m slow:1b --prompts "$TMP/prompts.txt" -n 3 \
    --sessions 2 --out "$d" 2>"$TMP/c.err" &
  pid=$!
  for ((i = 0; i < 200; i++)); do
    [ -f "$d/trials.csv" ] && [ "$(rows "$d/trials.csv")" -ge $((try)) ] && break
    sleep 0.05
  done
  sleep "0.$((try * 7))"
  # two SIGINTs sent at once may merge into one (signals of one kind do not
  # queue); SIGTERM then SIGINT are two, so the second finds the collector
  # still in its trial and takes the last-words path (core/interrupt.h)
  if [ $((try % 2)) = 1 ]; then
    kill -TERM "$pid"
  else
    kill -INT "$pid"
  fi
  kill -INT "$pid"
  wait "$pid"
  status=$?
  case $status in 130 | 143) ok ;; *) fail "try $try: exit status $status: $(cat "$TMP/c.err")" ;; esac
  whole_rows "$d/trials.csv" && [ "$(tail -c 2 "$d/trials.csv" | od -An -c | tr -d ' ')" = '\r\n' ] &&
    ok || fail "try $try: trials.csv not whole"
  [ "$(mf '.status' "$d")" = interrupted ] && ok || fail "try $try: run status $(mf .status "$d")"
  [ "$(mf '.ended_at | test("^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9][.][0-9]{3}Z$")' "$d")" = true ] &&
    ok || fail "try $try: ended_at $(mf .ended_at "$d")"
  last=$(mf '.sessions[-1] | "\(.status) \(.trials.ok + .trials.warmup + .trials.failed)"' "$d")
  [ "${last% *}" = interrupted ] && ok || fail "try $try: last session $last"
  id=$(mf '.sessions[-1].run_id' "$d")
  n=$(awk -F, -v id="$id" 'NR > 1 && $1 == id && $10 != "interrupted"' "$d/trials.csv" | wc -l)
  [ "${last#* }" = "$n" ] && ok || fail "try $try: the manifest counts ${last#* } rows of session $id, the file has $n"
  case "$try:$(mf '.reason' "$d")" in
    *:"interrupted by a second signal" | [24]:"interrupted by a signal") ok ;;
    *) fail "try $try: reason $(mf .reason "$d")" ;;
  esac
  [ "$(mf '.sessions[-1].reason' "$d")" = "$(mf '.reason' "$d")" ] && ok || fail "try $try: session reason"
  ls "$d" | grep -q tmp && fail "try $try: a temporary file is left: $(ls "$d")" || ok
  run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m slow:1b --prompts "$TMP/prompts.txt" -n 3 \
    --out "$d" --resume --quiet
  [ "$status" = 0 ] && [ "$(mf .status "$d")" = complete ] && ok || fail "try $try: resume: $err"
done
stop_fake

finish
