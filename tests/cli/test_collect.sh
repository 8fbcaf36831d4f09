#!/usr/bin/env bash
# tests/cli/test_collect.sh - `ptbench collect` against the fake Ollama
# server: rows equal what the server reported, requests carry the options,
# OLLAMA_HOST, plan files (the article's benchmarks.yml), every fault of
# docs/collect.md "Faults", interrupt and resume, the manifest.
#
# Reference values come from the fake server's model specs, not from
# ptbench: a model 'tiny:1b:40,tokens=20,load=0.5' answers 20 tokens with
# eval_duration = 20 / 40 s = 500000000 ns, so eval_rate 40, and reports
# load_duration 500000000 ns on its first request only (fake-ollama --help).
set -u
SRC=${PTBENCH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
[ -n "${FAKE_OLLAMA:-}" ] && [ -x "$FAKE_OLLAMA" ] || { echo "skip: FAKE_OLLAMA not built"; exit 77; }
# shellcheck source=../lib/cli.sh
. "$SRC/tests/lib/cli.sh"
# shellcheck source=../lib/fake.sh
. "$SRC/tests/lib/fake.sh"
export PTBENCH_SYSROOT="$SRC/tests/data/sysroot/amd-vm"
unset OLLAMA_HOST

TINY='tiny:1b:40,tokens=20,load=0.5,vram=50%'
printf 'Say hello.\nCount to three.\n' >"$TMP/prompts.txt"

# col NAME FILE: the values of column NAME, one per data row (no field
# before the last column holds a comma in these tests)
col() {
  awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
                        { sub(/\r$/, ""); print $c }' "$2"
}
rows() { echo $(($(wc -l <"$1") - 1)); }
# csv_whole FILE: every line ends with CRLF and has the header's columns
csv_whole() {
  [ "$(tail -c 2 "$1" | od -An -c | tr -d ' ')" = '\r\n' ] &&
    awk -F, 'NR == 1 { n = NF } NF != n { bad = 1 } END { exit bad }' "$1"
}
# the run's status: the first "status" of the manifest (the top level's;
# each session's follows in "sessions")
json_status() { sed -n 's/^[[:space:]]*"status":[[:space:]]*"\([a-z]*\)".*/\1/p' "$1" | head -1; }

# ---------------------------------------------------------------- rows
t "rows equal what the server reported"
start_fake --model "$TINY" --log "$TMP/log1" || exit 1
run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m tiny:1b --prompts "$TMP/prompts.txt" \
  -n 2 --out "$TMP/r1"
expect_status 0
R=$TMP/r1/trials.csv
[ "$(rows "$R")" = 5 ] && ok || fail "rows: $(rows "$R"), want 1 warm-up + 2 prompts x 2"
[ "$(col warmup "$R" | tr '\n' ' ')" = "1 0 0 0 0 " ] && ok || fail "warmup column"
[ "$(col status "$R" | sort -u)" = ok ] && ok || fail "status column"
[ "$(col eval_count "$R" | sort -u)" = 20 ] && ok || fail "eval_count: $(col eval_count "$R")"
[ "$(col eval_duration_ns "$R" | sort -u)" = 500000000 ] && ok || fail "eval_duration_ns"
[ "$(col eval_rate "$R" | sort -u)" = 40 ] && ok || fail "eval_rate: $(col eval_rate "$R")"
[ "$(col load_duration_ns "$R" | tr '\n' ' ')" = "500000000     " ] && ok ||
  fail "load_duration_ns: only the first request loads the model"
[ "$(col done_reason "$R" | sort -u)" = stop ] && ok || fail "done_reason"
# the warm-up first, then the 4 trials in the session's random order
[ "$(col prompt_id "$R" | head -1)" = p1 ] && ok || fail "the warm-up runs the first prompt"
[ "$(paste -d' ' <(col prompt_id "$R") <(col trial "$R") | tail -n +2 | sort | tr '\n' ' ')" = \
  "p1 1 p1 2 p2 1 p2 2 " ] && ok || fail "prompts x trials: $(paste -d' ' <(col prompt_id "$R") <(col trial "$R"))"
[ "$(col seq "$R" | tr '\n' ' ')" = "1 2 3 4 5 " ] && ok || fail "seq: $(col seq "$R" | tr '\n' ' ')"
size=$(col size_bytes "$R" | sort -u) vram=$(col size_vram_bytes "$R" | sort -u)
d=$((2 * ${vram:-0} - ${size:-0}))
[ -n "$size" ] && [ "${d#-}" -le 1 ] && ok || fail "size $size, vram $vram (50%, rounded)"
[ -n "$(col ttft_ns "$R" | sort -u | grep -v '^$')" ] && ok || fail "ttft measured when streaming"
[ "$(col environment "$R" | sort -u)" = vm ] && ok || fail "environment column"
M=$TMP/r1/manifest.json
[ "$(json_status "$M")" = complete ] && ok || fail "manifest status"
grep -q '"dmi_vendor":[[:space:]]*"QEMU"' "$M" && ok || fail "host probe from PTBENCH_SYSROOT"
grep -q '"local":[[:space:]]*true' "$M" && ok || fail "endpoint is local"
grep -q '"version":[[:space:]]*"0.12.6"' "$M" && ok || fail "ollama version"
grep -q '"label":[[:space:]]*null' "$M" && ok || fail "no label"
expect_err_has "ptbench: vm: 1 session (complete), 1 run now; measured trials 4 ok, 0 failed; warm-ups 1 ok, 0 failed"
expect_err_has "ptbench:   tiny:1b       40.00       4       0"

t "requests carry the default options"
grep '"/api/generate"' "$TMP/log1" | head -1 >"$TMP/req"
grep -q '"options":{"seed":42,"temperature":0,"num_predict":256,"num_ctx":4096}' "$TMP/req" &&
  grep -q '"keep_alive":"5m"' "$TMP/req" && grep -q '"stream":true' "$TMP/req" && ok ||
  fail "default options: $(cat "$TMP/req")"
[ "$(grep -c '"/api/ps"' "$TMP/log1")" = 5 ] && ok || fail "one /api/ps per trial"

t "an existing trials.csv is never overwritten"
run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m tiny:1b --out "$TMP/r1"
expect_status 2
expect_err_has "already exists; add --resume"
[ "$(rows "$R")" = 5 ] && ok || fail "trials.csv changed"

t "OLLAMA_HOST, command-line options, --no-stream, --label"
OLLAMA_HOST="  '127.0.0.1:$FAKE_PORT' " run "$PTBENCH" collect --env bare-metal -m tiny:1b \
  --prompts "$TMP/prompts.txt" -n 1 --warmup 0 --seed 7 --temperature 0.3 --num-predict 10 \
  --num-ctx 2048 --keep-alive 10m --no-stream --label "Bare metal" --out "$TMP/r2" -q
expect_status 0
[ -z "$err" ] && ok || fail "--quiet printed: $err"
grep '"/api/generate"' "$TMP/log1" | tail -1 >"$TMP/req"
grep -q '"options":{"seed":7,"temperature":0.3,"num_predict":10,"num_ctx":2048}' "$TMP/req" &&
  grep -q '"keep_alive":"10m"' "$TMP/req" && grep -q '"stream":false' "$TMP/req" && ok ||
  fail "options from the command line: $(cat "$TMP/req")"
R=$TMP/r2/trials.csv
[ "$(col eval_count "$R" | sort -u)" = 10 ] && [ "$(col done_reason "$R" | sort -u)" = length ] &&
  ok || fail "num_predict 10 cuts the answer"
[ -z "$(col ttft_ns "$R" | sort -u)" ] && ok || fail "no ttft without streaming"
grep -q '"label":[[:space:]]*"Bare metal"' "$TMP/r2/manifest.json" && ok || fail "label"
grep -q '"stream":[[:space:]]*false' "$TMP/r2/manifest.json" && ok || fail "stream false"

t "plan file options; the command line overrides the plan"
cat >"$TMP/plan.yml" <<'EOF'
version: 2.0
models:
  - model: tiny:1b
prompts:
  - id: only
    text: Just one prompt.
trials: 1
warmup: 0
keep_alive: 600
options:
  seed: 9
  num_ctx: 1024
  top_k: 5
EOF
run "$PTBENCH" collect --env vm --host "$FAKE_URL" --plan "$TMP/plan.yml" --seed 11 --out "$TMP/r3"
expect_status 0
grep '"/api/generate"' "$TMP/log1" | tail -1 >"$TMP/req"
grep -q '"options":{"top_k":5,"seed":11,"temperature":0,"num_predict":256,"num_ctx":1024}' \
  "$TMP/req" && grep -q '"keep_alive":600' "$TMP/req" && ok ||
  fail "plan options: $(cat "$TMP/req")"
[ "$(rows "$TMP/r3/trials.csv")" = 1 ] && ok || fail "plan trials and warmup"
stop_fake

t "the article's benchmarks.yml"
start_fake || exit 1 # its default models are the article's four
run "$PTBENCH" collect --env vm --host "$FAKE_URL" --plan "$SRC/tests/data/benchmarks.yml" \
  -n 1 --warmup 0 --num-predict 8 --out "$TMP/article"
expect_status 0
[ "$(rows "$TMP/article/trials.csv")" = 20 ] && ok || fail "4 models x 5 built-in prompts"
[ "$(col model "$TMP/article/trials.csv" | uniq | tr '\n' ' ')" = \
  "mistral:7b gemma2:9b phi4:14b deepseek-r1:14b " ] && ok || fail "models in plan order"
grep -q '"version":[[:space:]]*"2.0"' "$TMP/article/manifest.json" && ok || fail "plan version"

t "a model the server lacks: a list and the --pull hint, no run directory"
run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m nosuch:1b -m mistral:7b -m other:2b \
  --out "$TMP/missing"
expect_status 1
expect_err_has "models not on this server: 'nosuch:1b', 'other:2b'"
expect_err_has "--pull"
expect_no_file "$TMP/missing"
stop_fake

t "--pull fetches what is missing"
start_fake --model 'new:1b,pullable' || exit 1
run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m new:1b --pull --prompts "$TMP/prompts.txt" \
  -n 1 --warmup 0 --out "$TMP/pulled"
expect_status 0
expect_err_has "pulling 'new:1b'"
[ "$(rows "$TMP/pulled/trials.csv")" = 2 ] && ok || fail "rows after pull"
stop_fake

# ---------------------------------------------------------------- faults
t "connection refused: one message, exit 1, no run directory"
run "$PTBENCH" collect --env vm --host 127.0.0.1:1 -m tiny:1b --out "$TMP/refused"
expect_status 1
expect_err_has "http://127.0.0.1:1"
expect_err_has "ollama serve"
expect_err_has "OLLAMA_HOST"
[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && ok || fail "one line: $err"
expect_no_file "$TMP/refused"

# fault_run NAME FAULT...: two models, two prompts, one trial each
fault_run() {
  local name=$1
  shift
  start_fake --model 'a:1b:50,tokens=20' --model 'b:1b:50,tokens=20' "$@" || exit 1
  run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m a:1b -m b:1b --prompts "$TMP/prompts.txt" \
    -n 1 --warmup 0 --timeout 1 --out "$TMP/$name"
  stop_fake
  R=$TMP/$name/trials.csv
}
expect_rows() { # STATUSES ERROR-TEXT
  [ "$(col status "$R" | tr '\n' ' ')" = "$1" ] && ok || fail "statuses: $(col status "$R" | tr '\n' ' ')"
  grep -q "$2" "$R" && ok || fail "error column lacks '$2': $(cat "$R")"
  csv_whole "$R" && ok || fail "CSV not whole"
}

t "404 for a model"
fault_run f404 --fault model=b:1b:404
expect_status 0
expect_rows "ok ok error error " "HTTP 404: model 'b:1b' not found"
expect_err_has "2 trials failed"
t "500"
fault_run f500 --fault generate:2:500
expect_status 0
expect_rows "ok error ok ok " "HTTP 500: "
t "error line mid-stream"
fault_run fmid --fault generate:3:error-midstream:2
expect_status 0
expect_rows "ok ok error ok " "an error was encountered while running the model"
t "dropped connection"
fault_run fdrop --fault generate:1:drop:2
expect_status 0
expect_rows "error ok ok ok " "transfer failed"
t "stall past --timeout 1"
fault_run fstall --fault generate:4:stall:1:3
expect_status 0
expect_rows "ok ok ok timeout " "no data for 1 s"
t "a model that always fails is skipped after 3 in a row; the others complete; exit 4"
start_fake --model 'a:1b:50,tokens=20' --model 'b:1b:50,tokens=20' --model 'c:1b:50,tokens=20' \
  --fault model=b:1b:500 || exit 1
run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m a:1b -m b:1b -m c:1b \
  --prompts "$TMP/prompts.txt" -n 3 --warmup 0 --out "$TMP/skip"
stop_fake
R=$TMP/skip/trials.csv
expect_status 4
expect_err_has "ptbench: warning: skipping 'b:1b' for the rest of session "
expect_err_has ": 3 trials in a row failed; the last (prompt '"
[ "$(awk -F, 'NR > 1 { print $5, $10 }' "$R" | sort | uniq -c | awk '{ print $1, $2, $3 }' | tr '\n' ' ')" = \
  "6 a:1b ok 3 b:1b error 6 c:1b ok " ] && ok || fail "rows: $(cat "$R")"
csv_whole "$R" && ok || fail "CSV not whole"
[ "$(json_status "$TMP/skip/manifest.json")" = partial ] && ok || fail "manifest status: $(json_status "$TMP/skip/manifest.json")"
[ "$(jq -r '.sessions[0].skipped_models[0].model' "$TMP/skip/manifest.json")" = b:1b ] && ok ||
  fail "skipped_models: $(jq -c '.sessions[0].skipped_models' "$TMP/skip/manifest.json")"
# the summary: one aligned table, the skipped model said so
expect_err_has "ptbench: vm: 1 session (partial), 1 run now; measured trials 12 ok, 3 failed; warm-ups 0 ok, 0 failed"
expect_err_has "ptbench:   model    tokens/s      ok  failed"
expect_err_has "ptbench:   a:1b        50.00       6       0"
expect_err_has "ptbench:   b:1b            -       0       3  skipped in 1 session: 3 trials in a row failed; the last (prompt '"
expect_err_has "ptbench:   c:1b        50.00       6       0"
expect_err_has "ptbench: warning: some models were skipped after 3 failed trials in a row"

t "every model skipped: the session fails, exit 1"
start_fake --model 'a:1b:50,tokens=20' --model 'b:1b:50,tokens=20' --fault generate:500 || exit 1
run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m a:1b -m b:1b --prompts "$TMP/prompts.txt" \
  -n 2 --warmup 0 --max-failures 2 --out "$TMP/f3"
stop_fake
expect_status 1
expect_err_has "ptbench: http://127.0.0.1:$FAKE_PORT: every model with trials to run was skipped; the last, 'b:1b': 2 trials in a row failed"
[ "$(json_status "$TMP/f3/manifest.json")" = failed ] && ok || fail "manifest status failed"
[ "$(rows "$TMP/f3/trials.csv")" = 4 ] && ok || fail "rows: 2 per model, then skipped"

# ---------------------------------------------------------------- interrupt
t "SIGINT mid-run: exit 130, whole rows, manifest interrupted"
start_fake --realtime --model 'slow:1b:100,tokens=30,load=0,prompt-rate=100000' || exit 1
"$PTBENCH" collect --env vm --host "$FAKE_URL" -m slow:1b --prompts "$TMP/prompts.txt" -n 4 \
  --out "$TMP/int" 2>"$TMP/int.err" &
pid=$!
for ((i = 0; i < 200; i++)); do
  [ -f "$TMP/int/trials.csv" ] && [ "$(rows "$TMP/int/trials.csv")" -ge 2 ] && break
  sleep 0.05
done
sleep 0.1
kill -INT "$pid"
wait "$pid"
status=$?
[ "$status" = 130 ] && ok || fail "exit status $status, want 130: $(cat "$TMP/int.err")"
R=$TMP/int/trials.csv
csv_whole "$R" && ok || fail "CSV not whole after SIGINT"
n=$(rows "$R")
[ "$n" -ge 2 ] && [ "$n" -lt 9 ] && ok || fail "rows after SIGINT: $n"
[ "$(json_status "$TMP/int/manifest.json")" = interrupted ] && ok || fail "manifest not interrupted"
grep -q 'resume' "$TMP/int.err" && ok || fail "no --resume hint"

t "--resume runs only what is missing"
run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m slow:1b --prompts "$TMP/prompts.txt" -n 4 \
  --out "$TMP/int" --resume
expect_status 0
expect_err_has "resuming:"
okrows=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $c["warmup"] == 0 && $c["status"] == "ok" { print $c["model"], $c["prompt_id"], $c["trial"] }' "$R")
[ "$(printf '%s\n' "$okrows" | wc -l)" = 8 ] && ok || fail "ok trials after resume: $okrows"
[ "$(printf '%s\n' "$okrows" | sort -u | wc -l)" = 8 ] && ok || fail "a trial ran twice"
[ "$(json_status "$TMP/int/manifest.json")" = complete ] && ok || fail "manifest complete"
[ "$(col run_id "$R" | sort -u | wc -l)" = 1 ] && ok || fail "resume keeps the run id"
csv_whole "$R" && ok || fail "CSV not whole after resume"

t "--resume refuses other options"
run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m slow:1b --prompts "$TMP/prompts.txt" -n 4 \
  --seed 1 --out "$TMP/int" --resume
expect_status 2
expect_err_has "other options"
t "--resume refuses other prompt texts under the same ids"
printf 'Say goodbye.\nCount to three.\n' >"$TMP/prompts2.txt"
run "$PTBENCH" collect --env vm --host "$FAKE_URL" -m slow:1b --prompts "$TMP/prompts2.txt" -n 4 \
  --out "$TMP/int" --resume
expect_status 2
expect_err_has "prompt 'p1' had another text in the run"
t "--resume refuses other extra options of the plan"
printf 'models:\n  - model: slow:1b\noptions:\n  top_k: 5\n' >"$TMP/topk.yml"
run "$PTBENCH" collect --env vm --host "$FAKE_URL" --plan "$TMP/topk.yml" \
  --prompts "$TMP/prompts.txt" -n 4 --out "$TMP/int" --resume
expect_status 2
expect_err_has "other options"
expect_err_has '"top_k":5'
t "--resume refuses another environment"
run "$PTBENCH" collect --env bare-metal --host "$FAKE_URL" -m slow:1b --out "$TMP/int" --resume
expect_status 2
expect_err_has "environment"
stop_fake

# ---------------------------------------------------------------- usage
t "usage errors"
run "$PTBENCH" collect -m tiny:1b
expect_status 2
expect_err_has "--env NAME is required"
run "$PTBENCH" collect --env 'a/b' -m x
expect_status 2
run "$PTBENCH" collect --env vm
expect_status 2
expect_err_has "no models"
printf 'models:\n  - model: a\ntrials: five\n' >"$TMP/bad.yml"
run "$PTBENCH" collect --env vm --plan "$TMP/bad.yml"
expect_status 3
expect_err_has "bad.yml:3:9: 'trials' must be a whole number"
run "$PTBENCH" collect --env vm -m a --keep-alive soon
expect_status 2
# the message names the range it checks (it said "1 or more" and refused 2000000)
run "$PTBENCH" collect --env vm -m a --max-failures 2000000
expect_status 2
expect_err_has "--max-failures 1..1000000"

finish
