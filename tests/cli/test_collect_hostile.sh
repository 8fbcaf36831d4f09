#!/usr/bin/env bash
# tests/cli/test_collect_hostile.sh - `ptbench collect --timeout 3` against
# servers that misbehave (issue 13 item 4): it never hangs, and a trial whose
# final object arrived is kept. Each case was a defect: an idle connection
# after the final object gave status timeout, a late close made wall_ns that
# long, junk lines after it, endless done:false lines and a one-byte-a-second
# drip held the run forever. Also: invalid UTF-8 in an error body is stored
# repaired (issue 13 item 10), and OLLAMA_HOST with an invalid port is warned
# about as Ollama does (issue 9 item 8).
#
# Every collect runs under `timeout 90`, so a regression fails instead of
# hanging the suite. The deadline of a generate with --timeout 3 and
# --num-predict 1 is 3 + max(10, 1 x 4) = 13 s (collect/ollama.h). The drip
# sends a byte every 0.5 s: never silent for --timeout, even on a loaded
# machine.
set -u
SRC=${PTBENCH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
[ -n "${FAKE_OLLAMA:-}" ] && [ -x "$FAKE_OLLAMA" ] || { echo "skip: FAKE_OLLAMA not built"; exit 77; }
# shellcheck source=../lib/cli.sh
. "$SRC/tests/lib/cli.sh"
# shellcheck source=../lib/fake.sh
. "$SRC/tests/lib/fake.sh"
export PTBENCH_SYSROOT="$SRC/tests/data/sysroot/amd-vm"
unset OLLAMA_HOST

echo 'Say hello.' >"$TMP/prompt.txt"

# field NAME FILE: column NAME of the first data row, unquoted (RFC 4180;
# the rows here hold no line breaks)
field() {
  awk -v name="$1" '
    function split_csv(line, f,    n, i, c, q, cur) {
      n = 0; cur = ""; q = 0
      for (i = 1; i <= length(line); i++) {
        c = substr(line, i, 1)
        if (q) {
          if (c != "\"") cur = cur c
          else if (substr(line, i + 1, 1) == "\"") { cur = cur c; i++ }
          else q = 0
        } else if (c == "\"") q = 1
        else if (c == ",") { f[++n] = cur; cur = "" }
        else cur = cur c
      }
      f[++n] = cur
      return n
    }
    { sub(/\r$/, "") }
    NR == 1 { n = split_csv($0, h); for (i = 1; i <= n; i++) if (h[i] == name) c = i; next }
    NR == 2 { split_csv($0, f); print f[c]; exit }' "$2"
}

# collect_one DIR [OPTIONS...]: one trial of m:1b (no warm-up) into DIR
collect_one() {
  local dir=$1
  shift
  run timeout 90 "$PTBENCH" collect --env vm --host "$FAKE_URL" -m m:1b --prompts "$TMP/prompt.txt" \
    -n 1 --warmup 0 --timeout 3 --num-predict 1 --out "$TMP/$dir" "$@"
}

start_fake --model 'm:1b:50,load=0,tokens=4' \
  --fault 'generate:1:idle-after' --fault 'generate:2:close-after:0:8' \
  --fault 'generate:3:junk-after' --fault 'generate:4:endless' \
  --fault 'generate:5:drip:0:0.5' --fault 'generate:6:latin1-502' || exit 1

t "final object, then an idle open connection"
collect_one idle
expect_status 0
[ "$(field status "$TMP/idle/trials.csv")" = ok ] && ok ||
  fail "status $(field status "$TMP/idle/trials.csv"): the measurement was thrown away"
[ "$(field eval_count "$TMP/idle/trials.csv")" = 1 ] && ok || fail "eval_count kept"

t "final object, the server closes 8 s later"
collect_one late
expect_status 0
[ "$(field status "$TMP/late/trials.csv")" = ok ] && ok || fail "status"
wall=$(field wall_ns "$TMP/late/trials.csv")
[ -n "$wall" ] && [ "$wall" -lt 8000000000 ] && ok || fail "wall_ns $wall: not taken at the final object"

t "final object, then junk lines forever"
collect_one junk
expect_status 0
[ "$(field status "$TMP/junk/trials.csv")" = ok ] && ok || fail "status"
[ "$(field done_reason "$TMP/junk/trials.csv")" = length ] && ok || fail "done_reason"

t "done:false lines forever: the deadline ends the trial"
collect_one endless
expect_status 0
[ "$(field status "$TMP/endless/trials.csv")" = timeout ] && ok || fail "status"
want="the reply did not end within 13 s, its deadline (--timeout 3 s + 10 s for 1 token)"
[ "$(field error "$TMP/endless/trials.csv")" = "$want" ] && ok ||
  fail "error: $(field error "$TMP/endless/trials.csv")"

t "one byte at a time: the deadline ends the trial"
collect_one drip
expect_status 0
[ "$(field status "$TMP/drip/trials.csv")" = timeout ] && ok || fail "status"
[ "$(field error "$TMP/drip/trials.csv")" = "$want" ] && ok ||
  fail "error: $(field error "$TMP/drip/trials.csv")"
wall=$(field wall_ns "$TMP/drip/trials.csv")
# (libcurl's clock may fire a few microseconds before ours reads 13 s)
[ -n "$wall" ] && [ "$wall" -ge 12900000000 ] && ok || fail "wall_ns $wall: the deadline is 13 s"
# the row is whole and the manifest true: the session ended, its trial failed
[ "$(awk 'END { print NR }' "$TMP/drip/trials.csv")" = 2 ] && ok || fail "rows"
[ "$(jq -r '[.status, .sessions[0].status, .sessions[0].trials.failed, .trials.failed] | join(" ")' \
  "$TMP/drip/manifest.json")" = "complete complete 1 1" ] && ok ||
  fail "manifest: $(jq -c '[.status, .sessions[0].status, .sessions[0].trials]' "$TMP/drip/manifest.json")"
grep -q '"dmi_vendor":[[:space:]]*"QEMU"' "$TMP/drip/manifest.json" && ok || fail "the probe read the test root"

t "an error page in ISO-8859-1 is stored as valid UTF-8"
collect_one latin1
expect_status 0
[ "$(field status "$TMP/latin1/trials.csv")" = error ] && ok || fail "status"
[ "$(field error "$TMP/latin1/trials.csv")" = \
  "HTTP 502: <html><body>Passerelle d"$'\xEF\xBF\xBD'"faillante</body></html>" ] && ok ||
  fail "error: $(field error "$TMP/latin1/trials.csv" | od -c | head -3)"
iconv -f UTF-8 -t UTF-8 "$TMP/latin1/trials.csv" >/dev/null 2>&1 && ok || fail "trials.csv is not UTF-8"
stop_fake || fail "fake-ollama did not stop cleanly"

t "OLLAMA_HOST with an invalid port: a warning, and the default port"
OLLAMA_HOST=127.0.0.1:99999 run timeout 90 "$PTBENCH" collect --env vm -m m:1b --timeout 2 \
  --out "$TMP/port"
[ "$(head -1 "$TMP/stderr")" = \
  "ptbench: warning: OLLAMA_HOST: invalid port '99999', using the default 11434" ] && ok ||
  fail "first line of stderr: $(head -1 "$TMP/stderr")"
expect_err_has "http://127.0.0.1:11434"

t "--host with an invalid port is refused"
run "$PTBENCH" collect --env vm -m m:1b --host 127.0.0.1:99999 --out "$TMP/port2"
expect_status 2
expect_err_has "ptbench: collect: --host '127.0.0.1:99999': the port must be a number 0-65535"
[ ! -e "$TMP/port2" ] && ok || fail "a run directory was made"

finish
