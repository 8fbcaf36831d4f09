#!/usr/bin/env bash
# Ctrl-C during `ptbench batch`: the archives being published are finished,
# the rest are not started, the index is left as it was (the site's state
# keeps what was published), no temporary directory remains, and the exit
# status is 130.
. "$(dirname "$0")/../lib/cli.sh"

mkdir -p "$TMP/tmp" "$TMP/in"
for i in $(seq 1 150); do
  cp -r "$PTBENCH_SRC/data/article" "$TMP/in/run-$i"
done
TMPDIR="$TMP/tmp" "$PTBENCH" batch --jobs 1 --out "$TMP/site" "$TMP"/in/run-* \
  >"$TMP/stdout" 2>"$TMP/stderr" &
pid=$!
# wait for the first archive to be published, then interrupt
for _ in $(seq 1 200); do
  [ -d "$TMP/site/run-1" ] && break
  sleep 0.05
done
kill -INT "$pid"
wait "$pid"
status=$?
err=$(cat "$TMP/stderr")

t "batch interrupted"
if [ "$status" -eq 0 ]; then
  echo "batch finished before the signal: nothing to check" >&2
  exit 77
fi
expect_status 130
expect_err_has "interrupted:"
expect_err_has "not processed, the site index not updated"
t "no index written, no temporary directory left"
expect_no_file "$TMP/site/index.html"
expect_no_file "$TMP/site/README.md"
expect_no_file "$TMP/site/_index.md"
[ -z "$(ls -A "$TMP/tmp")" ] && ok || fail "left in TMPDIR: $(ls "$TMP/tmp")"
ls "$TMP/site" | grep -q '\.tmp-' && fail "a report's temporary directory is left" || ok
t "every published report is whole"
for d in "$TMP"/site/run-*; do
  [ -s "$d/index.md" ] && [ -s "$d/index.html" ] || fail "$d is not whole"
done
ok
t "the state remembers every archive published before the signal"
published=$(find "$TMP/site" -mindepth 1 -maxdepth 1 -type d -name 'run-*' | wc -l)
[ "$(jq '.archives | length' "$TMP/site/.ptbench-state.json")" = "$published" ] && ok ||
  fail "state lists $(jq '.archives | length' "$TMP/site/.ptbench-state.json"), $published published"
t "the next run publishes the rest"
run "$PTBENCH" batch --quiet --jobs 2 --out "$TMP/site" "$TMP"/in/run-*
expect_status 0
[ -s "$TMP/site/index.html" ] && ok || fail "no index after the second run"
grep -qF '150 archives, newest first.' "$TMP/site/_index.md" && ok ||
  fail "the index after the second run: $(grep archives "$TMP/site/_index.md")"
finish
