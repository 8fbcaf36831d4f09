#!/usr/bin/env bash
# tests/cli/test_sessions.sh - sessions in a run directory (issue 9 items
# 1-4 and its Checks), against the fake Ollama server: --sessions K with the
# models unloaded between sessions (the server counts loads), --add-session
# after a simulated reboot (another boot_id in a test root) and the
# analyzer seeing both sessions, settings that differ refused (and taken
# with --force), another environment refused, Ctrl-C in session 2 then
# --resume finishing exactly session 2 (and the planned session 3), two
# targets alternating A B A B by started_at, an old single-session manifest
# resumed, the seeded order, the lock, and GPU telemetry in the rows.
#
# Reference values come from the fake server's specs and the test root's
# files, not from ptbench: 'tiny:1b:40,tokens=20' answers 20 tokens at 40
# tokens/s, and a request that loads it reports load_duration (fake-ollama
# --help); the hwmon values written below are read back in the units of
# the kernel's Documentation/hwmon/sysfs-interface.rst (Hz, millidegrees,
# microwatts).
set -u
SRC=${PTBENCH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
[ -n "${FAKE_OLLAMA:-}" ] && [ -x "$FAKE_OLLAMA" ] || { echo "skip: FAKE_OLLAMA not built"; exit 77; }
# shellcheck source=../lib/cli.sh
. "$SRC/tests/lib/cli.sh"
# shellcheck source=../lib/fake.sh
. "$SRC/tests/lib/fake.sh"
unset OLLAMA_HOST

# a test root of its own: boot_id can change (a "reboot")
ROOT=$TMP/root
cp -a "$SRC/tests/data/sysroot/amd-bare-metal" "$ROOT"
mkdir -p "$ROOT/proc/sys/kernel/random"
echo 11111111-1111-4111-8111-111111111111 >"$ROOT/proc/sys/kernel/random/boot_id"
export PTBENCH_SYSROOT=$ROOT

TINY='tiny:1b:40,tokens=20,load=0.5'
printf 'Say hello.\nCount to three.\n' >"$TMP/prompts.txt"

rows() { echo $(($(wc -l <"$1") - 1)); }
# ok_keys FILE [RUN_ID]: "run_id model prompt trial" of every ok measured row, sorted
ok_keys() {
  awk -F, -v id="${2:-}" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { sub(/\r$/, "") }
    $c["status"] == "ok" && $c["warmup"] == 0 && (id == "" || $c["run_id"] == id) {
      print $c["run_id"], $c["model"], $c["prompt_id"], $c["trial"] }' "$1" | sort
}
col() {
  awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
                        { sub(/\r$/, ""); print $c }' "$2"
}
whole() {
  [ "$(tail -c 2 "$1" | od -An -c | tr -d ' ')" = '\r\n' ] &&
    awk -F, 'NR == 1 { n = NF } NF != n { bad = 1 } END { exit bad }' "$1"
}
mf() { jq -r "$1" "$2/manifest.json"; }

# ---------------------------------------------------------------- --sessions
t "--sessions 3: 3 run_ids, 3 loads per model, unloads between sessions"
start_fake --model "$TINY" --model 'small:2b:25,tokens=20,load=0.2' || exit 1
run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m tiny:1b -m small:2b \
  --prompts "$TMP/prompts.txt" -n 2 --sessions 3 --out "$TMP/s3"
expect_status 0
R=$TMP/s3/trials.csv
[ "$(col run_id "$R" | sort -u | wc -l)" = 3 ] && ok || fail "run_ids: $(col run_id "$R" | sort -u)"
[ "$(mf '[.sessions[].run_id] | join(" ")' "$TMP/s3")" = "$(col run_id "$R" | uniq | tr '\n' ' ' | sed 's/ $//')" ] &&
  ok || fail "the manifest's sessions are the rows' run_ids, in order"
[ "$(fake_loads tiny:1b)" = 3 ] && ok || fail "tiny:1b loaded $(fake_loads tiny:1b) times, want 3"
[ "$(fake_loads small:2b)" = 3 ] && ok || fail "small:2b loaded $(fake_loads small:2b) times, want 3"
# the server reports a load in the first request of each model in each session
[ "$(awk -F, 'NR > 1 && $16 != ""' "$R" | wc -l)" = 6 ] && ok || fail "load_duration in 6 rows"
[ "$(mf '.sessions | map(.status) | join(" ")' "$TMP/s3")" = "complete complete complete" ] &&
  ok || fail "session statuses"
[ "$(mf '.status, .sessions_planned' "$TMP/s3" | tr '\n' ' ')" = "complete 3 " ] && ok || fail "run status"
[ "$(mf '.sessions[0].unload' "$TMP/s3")" = null ] && ok || fail "no unload before the first session"
[ "$(mf '.sessions[1].unload.models | join(" ")' "$TMP/s3")" = "tiny:1b small:2b" ] && ok ||
  fail "unloaded before session 2: $(mf '.sessions[1].unload' "$TMP/s3")"
[ "$(mf '.sessions[2].unload.still_loaded | length' "$TMP/s3")" = 0 ] && ok || fail "still loaded"
[ "$(mf '[.sessions[].boot_id] | unique | join(" ")' "$TMP/s3")" = 11111111-1111-4111-8111-111111111111 ] &&
  ok || fail "boot_id from the test root"
[ "$(mf '[.sessions[].trials.ok] | join(" ")' "$TMP/s3")" = "8 8 8" ] && ok || fail "per-session counts"
[ "$(mf '.trials.ok, .trials.warmup' "$TMP/s3" | tr '\n' ' ')" = "24 6 " ] && ok || fail "run counts"
expect_err_has "unloaded tiny:1b, small:2b before the session ("
# seq: 1..10 in each session (2 warm-ups + 8 trials), warm-ups first per model
for id in $(col run_id "$R" | uniq); do
  [ "$(awk -F, -v id="$id" 'NR > 1 && $1 == id { print $2 }' "$R" | tr '\n' ' ')" = "1 2 3 4 5 6 7 8 9 10 " ] &&
    ok || fail "seq of session $id"
done
# the order: a seed per session, recorded; the sessions' orders are permutations
[ "$(mf '[.sessions[].order.mode] | unique | join(" ")' "$TMP/s3")" = random ] && ok || fail "order mode"
[ "$(mf '[.sessions[].order.seed] | unique | length' "$TMP/s3")" = 3 ] && ok || fail "a seed per session"
whole "$R" && ok || fail "trials.csv not whole"

t "the order: --order-seed reproduces it, --order fixed is plan order"
order_of() { awk -F, 'NR > 1 && $9 == 0 { print $5, $7, $8 }' "$1/trials.csv" | tr '\n' '|'; }
run "$PTBENCH" collect --quiet --env vm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" \
  -n 4 --warmup 0 --order-seed 7 --out "$TMP/o1"
run "$PTBENCH" collect --quiet --env vm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" \
  -n 4 --warmup 0 --order-seed 7 --out "$TMP/o2"
[ "$(order_of "$TMP/o1")" = "$(order_of "$TMP/o2")" ] && ok || fail "same seed, other order"
[ "$(mf '.sessions[0].order.seed' "$TMP/o1")" = 7 ] && ok || fail "seed recorded"
run "$PTBENCH" collect --quiet --env vm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" \
  -n 4 --warmup 0 --order fixed --out "$TMP/o3"
[ "$(order_of "$TMP/o3")" = "tiny:1b p1 1|tiny:1b p1 2|tiny:1b p1 3|tiny:1b p1 4|tiny:1b p2 1|tiny:1b p2 2|tiny:1b p2 3|tiny:1b p2 4|" ] &&
  ok || fail "fixed order: $(order_of "$TMP/o3")"
[ "$(mf '.sessions[0].order | "\(.mode) \(.seed)"' "$TMP/o3")" = "fixed null" ] && ok || fail "fixed recorded"
[ "$(order_of "$TMP/o1")" != "$(order_of "$TMP/o3")" ] && ok || fail "seed 7 gave plan order"

# ---------------------------------------------------------------- --add-session
t "--add-session after a reboot: a second session with another boot_id; analyze sees 2"
run "$PTBENCH" collect --quiet --env bm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" \
  -n 2 --out "$TMP/add"
expect_status 0
echo 22222222-2222-4222-8222-222222222222 >"$ROOT/proc/sys/kernel/random/boot_id"
run "$PTBENCH" collect --env bm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" \
  -n 2 --out "$TMP/add" --add-session
expect_status 0
expect_err_has "starting session 2 of 2 ("
[ "$(mf '[.sessions[].boot_id] | join(" ")' "$TMP/add")" = \
  "11111111-1111-4111-8111-111111111111 22222222-2222-4222-8222-222222222222" ] && ok ||
  fail "boot_ids: $(mf '[.sessions[].boot_id]' "$TMP/add")"
[ "$(col run_id "$TMP/add/trials.csv" | sort -u | wc -l)" = 2 ] && ok || fail "2 run_ids in trials.csv"
[ "$(mf '.sessions | length' "$TMP/add")" = 2 ] && ok || fail "2 sessions"
[ "$(mf '.run_id' "$TMP/add")" = "$(mf '.sessions[0].run_id' "$TMP/add")" ] && ok || fail "the run's id is the first session's"
[ "$(fake_loads tiny:1b)" -ge 1 ] && ok || fail "loads"
run "$PTBENCH" analyze --format json "$TMP/add"
expect_status 0
[ "$(printf '%s' "$out" | jq '.environments[0].manifest.sessions | length')" = 2 ] && ok ||
  fail "analyze's environment has 2 sessions"
[ "$(printf '%s' "$out" | jq '.models[0].groups[0].n')" = 8 ] && ok || fail "analyze uses both sessions' rows"

t "--add-session refuses a changed option, naming it; --force takes it and says so"
cp "$TMP/add/trials.csv" "$TMP/add.before"
run "$PTBENCH" collect --env bm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" \
  -n 2 --seed 7 --out "$TMP/add" --add-session
expect_status 2
expect_err_has "ptbench: $TMP/add/manifest.json: a session with these settings would not be comparable with the run's: option 'seed' is 7 here, 42 in the run; use the run's settings, or add --force to add it anyway"
cmp -s "$TMP/add/trials.csv" "$TMP/add.before" && ok || fail "trials.csv changed"
run "$PTBENCH" collect --env bm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" \
  -n 3 --out "$TMP/add" --add-session
expect_status 2
expect_err_has "trials are 3 here, 2 in the run"
printf 'Say hello.\nCount to four.\n' >"$TMP/prompts2.txt"
run "$PTBENCH" collect --env bm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts2.txt" \
  -n 2 --out "$TMP/add" --add-session
expect_status 2
expect_err_has "prompts are [{\"id\":\"p1\",\"text\":\"Say hello.\"},{\"id\":\"p2\",\"text\":\"Count to four.\"}] here"
run "$PTBENCH" collect --env bm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" \
  -n 2 --seed 7 --out "$TMP/add" --add-session --force
expect_status 0
expect_err_has "--force: adding a session that differs from the run: option 'seed' is 7 here, 42 in the run"
[ "$(mf '.sessions[2].forced[0]' "$TMP/add")" = "option 'seed' is 7 here, 42 in the run" ] && ok ||
  fail "forced: $(mf '.sessions[2].forced' "$TMP/add")"
[ "$(mf '.options.seed' "$TMP/add")" = 42 ] && ok || fail "the run keeps its own options"

t "--add-session and --resume refuse another environment"
for flag in --add-session --resume; do
  run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" \
    -n 2 --out "$TMP/add" $flag --force
  expect_status 2
  expect_err_has "the run was collected for environment 'bm', not 'vm'"
done
stop_fake

t "--add-session refuses other model digests"
start_fake --model "$TINY" || exit 1
# the fake derives digests from names: another server, the same name, the
# same digest; a renamed copy of the run shows the check
sed 's/"digest":[[:space:]]*"[0-9a-f]*"/"digest": "0000000000000000"/' "$TMP/add/manifest.json" \
  >"$TMP/digest.json"
mkdir -p "$TMP/dig" && cp "$TMP/add/trials.csv" "$TMP/dig/" && cp "$TMP/digest.json" "$TMP/dig/manifest.json"
run "$PTBENCH" collect --env bm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" \
  -n 2 --out "$TMP/dig" --add-session
expect_status 2
expect_err_has "model 'tiny:1b' has digest "
expect_err_has " here, 000000000000 in the run"
stop_fake

# ---------------------------------------------------------------- Ctrl-C, --resume
t "Ctrl-C in session 2: exit 130, session 2 interrupted"
start_fake --realtime --model 'slow:1b:100,tokens=20,load=0,prompt-rate=100000' || exit 1
"$PTBENCH" collect --env vm --host "$FAKE_URL" -m slow:1b --prompts "$TMP/prompts.txt" -n 3 \
  --sessions 3 --out "$TMP/int" 2>"$TMP/int.err" &
pid=$!
for ((i = 0; i < 400; i++)); do
  [ -f "$TMP/int/trials.csv" ] && [ "$(col run_id "$TMP/int/trials.csv" | sort -u | wc -l)" = 2 ] &&
    [ "$(col seq "$TMP/int/trials.csv" | tail -1)" -ge 3 ] && break
  sleep 0.05
done
kill -INT "$pid"
wait "$pid"
status=$?
[ "$status" = 130 ] && ok || fail "exit status $status: $(cat "$TMP/int.err")"
R=$TMP/int/trials.csv
whole "$R" && ok || fail "CSV not whole"
[ "$(mf '.sessions | map(.status) | join(" ")' "$TMP/int")" = "complete interrupted" ] && ok ||
  fail "sessions: $(mf '.sessions | map(.status)' "$TMP/int")"
[ "$(mf '.status' "$TMP/int")" = interrupted ] && ok || fail "run status"
S2=$(mf '.sessions[1].run_id' "$TMP/int")
before=$(ok_keys "$R" "$S2" | wc -l)
[ "$before" -ge 1 ] && [ "$before" -lt 6 ] && ok || fail "session 2 had $before ok trials"
[ "$(mf '.sessions[1].trials.ok' "$TMP/int")" = "$before" ] && ok || fail "the manifest's count of session 2"

t "--resume finishes session 2 exactly, under its run_id, then session 3"
run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m slow:1b --prompts "$TMP/prompts.txt" -n 3 \
  --out "$TMP/int" --resume
expect_status 0
expect_err_has "finishing session 2 of 3 ($S2)"
expect_err_has "resuming: $before trials already ok, $((6 - before + 1)) to run"
expect_err_has "starting session 3 of 3"
[ "$(ok_keys "$R" "$S2" | wc -l)" = 6 ] && ok || fail "session 2: $(ok_keys "$R" "$S2")"
[ "$(ok_keys "$R" "$S2" | sort -u | wc -l)" = 6 ] && ok || fail "a trial of session 2 ran twice"
[ "$(col run_id "$R" | sort -u | wc -l)" = 3 ] && ok || fail "3 sessions"
[ "$(ok_keys "$R" | wc -l)" = 18 ] && ok || fail "18 ok trials"
[ "$(mf '.sessions | map(.status) | join(" ")' "$TMP/int")" = "complete complete complete" ] && ok ||
  fail "sessions: $(mf '.sessions | map(.status)' "$TMP/int")"
[ "$(mf '.sessions[1].run_id' "$TMP/int")" = "$S2" ] && ok || fail "session 2 kept its run_id"
[ "$(mf '.sessions[1].trials.ok' "$TMP/int")" = 6 ] && ok || fail "session 2's count"
[ "$(awk -F, -v id="$S2" 'NR > 1 && $1 == id { print $2 }' "$R" | sort -n | uniq -d)" = "" ] && ok ||
  fail "seq repeats in session 2"
whole "$R" && ok || fail "CSV not whole"

t "a session resumed after a reboot keeps its boot_id and says its trials span two boots"
cp -r "$TMP/int" "$TMP/reboot"
# make its last session unfinished again: drop its last two rows
S3=$(mf '.sessions[2].run_id' "$TMP/reboot")
head -n -2 "$TMP/int/trials.csv" >"$TMP/reboot/trials.csv"
jq '.sessions[2].status = "interrupted"' "$TMP/int/manifest.json" >"$TMP/reboot/manifest.json"
echo 33333333-3333-4333-8333-333333333333 >"$ROOT/proc/sys/kernel/random/boot_id"
run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m slow:1b --prompts "$TMP/prompts.txt" -n 3 \
  --out "$TMP/reboot" --resume
expect_status 0
expect_err_has "session $S3 is resumed after a reboot (boot_id 22222222-2222-4222-8222-222222222222, then 33333333-3333-4333-8333-333333333333): its trials span two boots"
[ "$(mf '.sessions[2].boot_id, .sessions[2].differs[0].code, .sessions[2].status' "$TMP/reboot" | tr '\n' ' ')" = \
  "22222222-2222-4222-8222-222222222222 boot-changed complete " ] && ok ||
  fail "session 3: $(mf '.sessions[2] | [.boot_id, .differs, .status]' "$TMP/reboot")"
[ "$(ok_keys "$TMP/reboot/trials.csv" "$S3" | wc -l)" = 6 ] && ok || fail "session 3 finished"
echo 22222222-2222-4222-8222-222222222222 >"$ROOT/proc/sys/kernel/random/boot_id"

t "a resumed run with nothing to do leaves its sessions as they were"
cp "$TMP/int/manifest.json" "$TMP/int.manifest.before"
run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m slow:1b --prompts "$TMP/prompts.txt" -n 3 \
  --out "$TMP/int" --resume
expect_status 0
expect_err_has "resuming: 6 trials already ok, 0 to run"
[ "$(jq -c '[.sessions[] | [.run_id, .status, .started_at, .ended_at, .trials]]' "$TMP/int/manifest.json")" = \
  "$(jq -c '[.sessions[] | [.run_id, .status, .started_at, .ended_at, .trials]]' "$TMP/int.manifest.before")" ] &&
  ok || fail "the sessions changed"

t "a second collect on a run directory in use is refused"
"$PTBENCH" collect --quiet --env vm --host "$FAKE_URL" -m slow:1b --prompts "$TMP/prompts.txt" \
  -n 3 --out "$TMP/int" --add-session 2>"$TMP/lock.err" &
pid=$!
for ((i = 0; i < 200; i++)); do
  [ "$(mf '.sessions | length' "$TMP/int" 2>/dev/null)" = 4 ] && break
  sleep 0.05
done
run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m slow:1b --prompts "$TMP/prompts.txt" -n 3 \
  --out "$TMP/int" --resume
expect_status 2
expect_err_has "another 'ptbench collect' is writing this run directory"
wait "$pid" || fail "the first collect: $(cat "$TMP/lock.err")"
stop_fake

# ---------------------------------------------------------------- old manifest
t "a manifest of the previous version (one session, no 'sessions') is read and resumed"
start_fake --model "$TINY" || exit 1
run "$PTBENCH" collect --quiet --env vm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" \
  -n 2 --out "$TMP/old"
OLD_ID=$(mf .run_id "$TMP/old")
jq 'del(.sessions, .sessions_planned, .order) | .status = "interrupted"' "$TMP/old/manifest.json" \
  >"$TMP/old.json" && mv "$TMP/old.json" "$TMP/old/manifest.json"
# the header, the warm-up and 2 trials
head -n 4 "$TMP/old/trials.csv" >"$TMP/old.csv" && mv "$TMP/old.csv" "$TMP/old/trials.csv"
run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" \
  -n 2 --out "$TMP/old" --resume
expect_status 0
expect_err_has "finishing session 1 of 1 ($OLD_ID)"
expect_err_has "resuming: 2 trials already ok, 3 to run"
[ "$(ok_keys "$TMP/old/trials.csv" "$OLD_ID" | wc -l)" = 4 ] && ok || fail "the old session finished"
[ "$(mf '.sessions | length' "$TMP/old")" = 1 ] && ok || fail "one session"
[ "$(mf '.sessions[0].run_id, .sessions[0].status' "$TMP/old" | tr '\n' ' ')" = "$OLD_ID complete " ] &&
  ok || fail "session 0: $(mf '.sessions[0]' "$TMP/old" | head -5)"
run "$PTBENCH" collect --quiet --env vm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" \
  -n 2 --out "$TMP/old" --add-session
expect_status 0
[ "$(mf '.sessions | length' "$TMP/old")" = 2 ] && ok || fail "a session added to an old run"

t "--add-session on an empty directory starts the run"
run "$PTBENCH" collect --quiet --env vm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" \
  -n 1 --out "$TMP/fresh" --add-session
expect_status 0
[ "$(mf '.sessions | length' "$TMP/fresh")" = 1 ] && ok || fail "one session"
stop_fake

# ---------------------------------------------------------------- targets
t "two targets alternate A B A B (started_at), one run directory each"
start_fake --model "$TINY" || exit 1
URL_A=$FAKE_URL
start_fake --model "$TINY" || exit 1
URL_B=$FAKE_URL
run "$PTBENCH" collect --target bare-metal="$URL_A" --target vm="$URL_B" -m tiny:1b \
  --prompts "$TMP/prompts.txt" -n 1 --sessions 2 --out "$TMP/ab"
expect_status 0
for d in bare-metal vm; do
  [ "$(mf '.environment, (.sessions | length)' "$TMP/ab/$d" | tr '\n' ' ')" = "$d 2 " ] && ok ||
    fail "$d: $(mf '.environment, (.sessions | length)' "$TMP/ab/$d")"
done
order=$( (mf '.sessions[] | "\(.started_at) A \(.ended_at)"' "$TMP/ab/bare-metal"
          mf '.sessions[] | "\(.started_at) B \(.ended_at)"' "$TMP/ab/vm") | sort | awk '{ print $2 }' | tr -d '\n')
[ "$order" = ABAB ] && ok || fail "order by started_at: $order"
# each session ends before the next one starts
(mf '.sessions[] | "\(.started_at) \(.ended_at)"' "$TMP/ab/bare-metal"
 mf '.sessions[] | "\(.started_at) \(.ended_at)"' "$TMP/ab/vm") | sort |
  awk 'NR > 1 && $1 < end { bad = 1 } { end = $2 } END { exit bad }' && ok || fail "sessions overlap"
[ "$(mf '.endpoint.url' "$TMP/ab/vm")" = "$URL_B" ] && ok || fail "vm's endpoint"
expect_err_has "ptbench: vm: starting session 2 of 2"
expect_err_has "ptbench: bare-metal: 2 sessions (complete)"
[ "$(mf '.sessions[0].order.seed' "$TMP/ab/bare-metal")" = "$(mf '.sessions[0].order.seed' "$TMP/ab/vm")" ] &&
  ok || fail "a round's sessions share their order"

t "two targets interrupted, then --resume: still A B A B, every session whole"
stop_fake
start_fake --realtime --model 'slow:1b:100,tokens=20,load=0,prompt-rate=100000' || exit 1
SLOW_A=$FAKE_URL
start_fake --realtime --model 'slow:1b:100,tokens=20,load=0,prompt-rate=100000' || exit 1
SLOW_B=$FAKE_URL
"$PTBENCH" collect --target a="$SLOW_A" --target b="$SLOW_B" -m slow:1b --prompts "$TMP/prompts.txt" \
  -n 2 --sessions 2 --out "$TMP/abi" 2>"$TMP/abi.err" &
pid=$!
for ((i = 0; i < 400; i++)); do
  [ -f "$TMP/abi/b/trials.csv" ] && [ "$(wc -l <"$TMP/abi/b/trials.csv")" -ge 3 ] && break
  sleep 0.05
done
kill -INT "$pid"
wait "$pid"
[ $? = 130 ] && ok || fail "exit: $(cat "$TMP/abi.err")"
[ "$(mf '.status, (.sessions | length)' "$TMP/abi/a" | tr '\n' ' ')" = "interrupted 1 " ] && ok ||
  fail "a: $(mf '[.status, (.sessions | length)]' "$TMP/abi/a")"
run "$PTBENCH" collect --target a="$SLOW_A" --target b="$SLOW_B" -m slow:1b --prompts "$TMP/prompts.txt" \
  -n 2 --out "$TMP/abi" --resume
expect_status 0
order=$( (mf '.sessions[] | "\(.started_at) A"' "$TMP/abi/a"; mf '.sessions[] | "\(.started_at) B"' "$TMP/abi/b") |
        sort | awk '{ print $2 }' | tr -d '\n')
[ "$order" = ABAB ] && ok || fail "order: $order"
for d in a b; do
  [ "$(mf '.status, ([.sessions[].status] | unique | join(" ")), (.sessions | length)' "$TMP/abi/$d" | tr '\n' ' ')" = \
    "complete complete 2 " ] && ok || fail "$d: $(mf '[.status, .sessions[].status]' "$TMP/abi/$d")"
  for id in $(mf '.sessions[].run_id' "$TMP/abi/$d"); do
    [ "$(ok_keys "$TMP/abi/$d/trials.csv" "$id" | wc -l)" = 4 ] && ok || fail "$d: session $id"
  done
done
stop_fake

t "--add-session with targets: a session each, in turn"
start_fake --model "$TINY" || exit 1
URL_A=$FAKE_URL
start_fake --model "$TINY" || exit 1
URL_B=$FAKE_URL
run "$PTBENCH" collect --target bare-metal="$URL_A" --target vm="$URL_B" -m tiny:1b \
  --prompts "$TMP/prompts.txt" -n 1 --sessions 2 --out "$TMP/ab" --add-session
expect_status 0
for d in bare-metal vm; do
  [ "$(mf '.sessions | length' "$TMP/ab/$d")" = 4 ] && ok || fail "$d: $(mf '.sessions | length' "$TMP/ab/$d")"
done
order=$( (mf '.sessions[] | "\(.started_at) A"' "$TMP/ab/bare-metal"; mf '.sessions[] | "\(.started_at) B"' "$TMP/ab/vm") |
        sort | awk '{ print $2 }' | tr -d '\n')
[ "$order" = ABABABAB ] && ok || fail "order: $order"

t "a target that fails stops the others, whose manifests say why"
start_fake --model "$TINY" --fault generate:500 || exit 1
URL_BAD=$FAKE_URL
run "$PTBENCH" collect --target a="$URL_A" --target b="$URL_BAD" -m tiny:1b \
  --prompts "$TMP/prompts.txt" -n 1 --warmup 0 --max-failures 2 --sessions 2 --out "$TMP/bad"
expect_status 1
expect_err_has "b: every model with trials to run was skipped"
[ "$(mf '.status, .reason, (.sessions | length)' "$TMP/bad/a" | tr '\n' '|')" = \
  "interrupted|stopped because target 'b' failed|1|" ] && ok || fail "a: $(mf '[.status, .reason]' "$TMP/bad/a")"
[ "$(mf '.status, .sessions[0].status' "$TMP/bad/b" | tr '\n' ' ')" = "failed failed " ] && ok ||
  fail "b: $(mf '[.status, .sessions[0].status]' "$TMP/bad/b")"
stop_fake "$FAKE_PID"

t "every target's preflight runs before the first trial"
run "$PTBENCH" collect --target a="$URL_A" --target b=127.0.0.1:1 -m tiny:1b \
  --prompts "$TMP/prompts.txt" -n 1 --out "$TMP/pre"
expect_status 1
expect_err_has "ptbench: http://127.0.0.1:1: b: no Ollama server answers"
expect_no_file "$TMP/pre"

t "--target usage"
run "$PTBENCH" collect --target a="$URL_A" --env vm -m tiny:1b
expect_status 2
expect_err_has "--target names the environment and its server"
run "$PTBENCH" collect --target a="$URL_A" --target a="$URL_B" -m tiny:1b
expect_status 2
expect_err_has "--target 'a' is given twice"
run "$PTBENCH" collect --target "$URL_A" -m tiny:1b
expect_status 2
expect_err_has "give NAME=URL"
stop_fake

# ---------------------------------------------------------------- telemetry
t "GPU telemetry reaches the rows: mean clock, power and load, highest temperature"
HW=$ROOT/sys/devices/pci0000:00/0000:00:01.1/0000:01:00.0/0000:02:00.0/0000:03:00.0
echo 2450000000 >"$HW/hwmon/hwmon3/freq1_input"   # Hz
echo 61000 >"$HW/hwmon/hwmon3/temp2_input"        # m°C, the junction sensor
echo 151000000 >"$HW/hwmon/hwmon3/power1_input"   # µW
echo 97 >"$HW/gpu_busy_percent"
start_fake --realtime --model 'slow:1b:100,tokens=50,load=0,prompt-rate=100000' || exit 1
run "$PTBENCH" collect --quiet --env bm --host "$FAKE_URL" -m slow:1b --prompts "$TMP/prompts.txt" \
  -n 1 --warmup 0 --out "$TMP/tele"
expect_status 0
for c in gpu_clock_mhz:2450 gpu_temp_c:61 gpu_power_w:151 gpu_busy_pct:97; do
  [ "$(col "${c%%:*}" "$TMP/tele/trials.csv" | sort -u)" = "${c#*:}" ] && ok ||
    fail "${c%%:*}: $(col "${c%%:*}" "$TMP/tele/trials.csv" | tr '\n' ' '), want ${c#*:}"
done
[ "$(mf '.sessions[0].telemetry.enabled' "$TMP/tele")" = true ] && ok || fail "telemetry in the session"
run "$PTBENCH" collect --quiet --env bm --host "$FAKE_URL" -m slow:1b --prompts "$TMP/prompts.txt" \
  -n 1 --warmup 0 --no-telemetry --out "$TMP/tele-off"
[ "$(col gpu_clock_mhz "$TMP/tele-off/trials.csv" | sort -u)" = "" ] && ok || fail "--no-telemetry leaves them empty"
stop_fake

finish
