#!/usr/bin/env bash
# tests/cli/test_fake_ollama.sh - the fake Ollama server answers like a real
# one. Reference shapes and bodies are the samples of the real API in
# $PTBENCH_SHARED/testdata/ollama (compared when present); expected metric
# values are computed here from the configured rates (eval_duration =
# eval_count / rate). Needs curl and jq (skips with 77 without them).
set -u

command -v curl >/dev/null 2>&1 || { echo "skip: no curl"; exit 77; }
command -v jq >/dev/null 2>&1 || { echo "skip: no jq"; exit 77; }
[ -n "${FAKE_OLLAMA:-}" ] && [ -x "$FAKE_OLLAMA" ] || { echo "skip: FAKE_OLLAMA not built"; exit 77; }
SRC=${PTBENCH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=../lib/fake.sh
. "$SRC/tests/lib/fake.sh"

SAMPLES=${PTBENCH_SHARED:-/nonexistent}/testdata/ollama
[ -d "$SAMPLES" ] || SAMPLES=""
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT # fake.sh chains its own cleanup onto this trap
FAILS=0

fail() {
  echo "FAIL: $*" >&2
  FAILS=$((FAILS + 1))
}
# check NAME COMMAND...: fail NAME unless COMMAND succeeds
check() {
  local name=$1
  shift
  "$@" || fail "$name"
}
# eq NAME GOT WANT
eq() {
  [ "$2" == "$3" ] || fail "$1: got '$2', want '$3'"
}
# req METHOD PATH [BODY]: body in $TMP/body, prints the HTTP status
req() {
  local args=(-s -o "$TMP/body" -w '%{http_code}' -X "$1" "$FAKE_URL$2")
  [ $# -ge 3 ] && args+=(--data-binary "$3")
  curl "${args[@]}"
}
# keys FILE [FILTER]: sorted top-level keys of each JSON value, one list per line
keys() { jq -c "${2:-.} | keys" "$1"; }
# sample_keys NAME [FILTER] [DROP...]: keys of a sample, without DROP keys
sample_keys() {
  local f=$1 filter=${2:-.}
  shift 2
  jq -c "$filter | keys - \$ARGS.positional" "$SAMPLES/$f" --args "$@"
}

# ---- command line ---------------------------------------------------------
"$FAKE_OLLAMA" --help >"$TMP/help" 2>&1
eq "--help status" $? 0
check "--help documents --fault" grep -q -- '--fault SPEC' "$TMP/help"
"$FAKE_OLLAMA" --bogus >/dev/null 2>"$TMP/err"
eq "unknown option status" $? 2
eq "unknown option message" "$(head -1 "$TMP/err")" "fake-ollama: unknown option '--bogus'"
"$FAKE_OLLAMA" --model 'x:1b,rate=abc' >/dev/null 2>"$TMP/err"
eq "bad model spec status" $? 2
"$FAKE_OLLAMA" --fault 'generate:3:explode' >/dev/null 2>"$TMP/err"
eq "bad fault status" $? 2

# ---- one server for the endpoints ---------------------------------------------
start_fake --seed 7 --version-string 0.5.1 --log "$TMP/log" --unload-delay 2 \
  --model 'gemma2:9b:40,tokens=20,cache,load=2' \
  --model 'phi4:14b:30,vram=75%' \
  --model 'qwen3:8b:70,thinking,tokens=4,think-tokens=3' \
  --model 'llama3.2:3b,pullable' \
  --model 'broken:1b' --model 'dropper:1b' --model 'ghost:1b' \
  --fault 'model=broken:1b:error-midstream' \
  --fault 'model=dropper:1b:drop:3' \
  --fault 'model=ghost:1b:404' \
  --fault 'chat:5:503' || exit 1
# r: req, counting requests in $TMP/sent (r runs in subshells) for the log
r() {
  echo >>"$TMP/sent"
  req "$@"
}

eq "GET / status" "$(r GET /)" 200
eq "GET / body" "$(cat "$TMP/body")" "Ollama is running"

eq "version status" "$(r GET /api/version)" 200
eq "version" "$(jq -r .version "$TMP/body")" 0.5.1
[ -n "$SAMPLES" ] && eq "version keys" "$(keys "$TMP/body")" "$(keys "$SAMPLES/version-response.json")"

eq "tags status" "$(r GET /api/tags)" 200
cp "$TMP/body" "$TMP/tags"
eq "tags names" "$(jq -c '[.models[].name]' "$TMP/tags")" \
  '["gemma2:9b","phi4:14b","qwen3:8b","broken:1b","dropper:1b","ghost:1b"]'
check "tags digests are 64 hex" jq -e 'all(.models[].digest; test("^[0-9a-f]{64}$"))' "$TMP/tags" >/dev/null
eq "tags digests differ" "$(jq '[.models[].digest] | unique | length' "$TMP/tags")" 6
if [ -n "$SAMPLES" ]; then
  eq "tags entry keys" "$(keys "$TMP/tags" '.models[0]')" "$(keys "$SAMPLES/tags-response.json" '.models[0]')"
  eq "tags details keys" "$(keys "$TMP/tags" '.models[0].details')" \
    "$(keys "$SAMPLES/tags-response.json" '.models[0].details')"
fi

eq "show status" "$(r POST /api/show '{"model":"qwen3:8b"}')" 200
eq "show thinking caps" "$(jq -c .capabilities "$TMP/body")" '["completion","thinking"]'
check "show has model_info" jq -e '.model_info["general.architecture"] == "qwen3"' "$TMP/body" >/dev/null
[ -n "$SAMPLES" ] && eq "show details keys" "$(keys "$TMP/body" .details)" \
  "$(keys "$SAMPLES/show-response-openapi.json" .details)"
r POST /api/show '{"model":"phi4:14b"}' >/dev/null
eq "show plain caps" "$(jq -c .capabilities "$TMP/body")" '["completion"]'
eq "show unknown status" "$(r POST /api/show '{"model":"mistral:7b"}')" 404
[ -n "$SAMPLES" ] && eq "show unknown body" "$(cat "$TMP/body")" "$(cat "$SAMPLES/error-model-not-found.json")"

# streaming generate, budget 10 < 20 natural tokens: done_reason length
eq "generate status" "$(r POST /api/generate '{"model":"gemma2:9b","prompt":"Why is the sky blue?","options":{"num_predict":10,"seed":42,"temperature":0}}')" 200
cp "$TMP/body" "$TMP/gen"
eq "generate lines" "$(wc -l <"$TMP/gen")" 11
eq "generate chunks not done" "$(jq -s '[.[:10][] | select(.done == false)] | length' "$TMP/gen")" 10
eq "generate final" "$(tail -1 "$TMP/gen" | jq -c '[.done, .done_reason, .eval_count]')" '[true,"length",10]'
# 10 tokens at 40 tokens/s, no noise: 0.25 s
eq "generate eval_duration" "$(tail -1 "$TMP/gen" | jq .eval_duration)" 250000000
eq "generate load_duration (2 s load)" "$(tail -1 "$TMP/gen" | jq .load_duration)" 2000000000
eq "generate text" "$(jq -j 'select(.done == false) | .response' "$TMP/gen")" \
  "The sky is blue because of Rayleigh scattering of sunlight"
if [ -n "$SAMPLES" ]; then
  eq "generate chunk keys" "$(head -1 "$TMP/gen" | keys /dev/stdin)" "$(keys "$SAMPLES/generate-stream-chunk.json")"
  eq "generate final keys" "$(tail -1 "$TMP/gen" | jq -c 'keys - ["done_reason"]')" \
    "$(keys "$SAMPLES/generate-stream-final.json")"
fi

# the same prompt again, not streamed: model loaded, prompt cached -> omitted
eq "generate nonstream status" "$(r POST /api/generate '{"model":"gemma2:9b","prompt":"Why is the sky blue?","stream":false}')" 200
eq "generate nonstream is one line" "$(wc -l <"$TMP/body" | tr -d ' ')" 0
eq "generate nonstream" "$(jq -c '[.done, .done_reason, .eval_count, .eval_duration]' "$TMP/body")" \
  '[true,"stop",20,500000000]'
eq "zero metrics omitted" "$(jq -c '[has("load_duration"), has("prompt_eval_count"), has("prompt_eval_duration")]' "$TMP/body")" \
  '[false,false,false]'
[ -n "$SAMPLES" ] && eq "generate nonstream keys" \
  "$(jq -c 'keys - ["done_reason"]' "$TMP/body")" \
  "$(sample_keys generate-nonstream-response.json . load_duration prompt_eval_count prompt_eval_duration)"

# chat with a thinking model: thinking tokens first, they count in eval_count
eq "chat status" "$(r POST /api/chat '{"model":"qwen3:8b","messages":[{"role":"user","content":"hi"}]}')" 200
cp "$TMP/body" "$TMP/chat"
eq "chat lines" "$(wc -l <"$TMP/chat")" 8
eq "chat thinking first" "$(jq -s -c '[.[:7][] | (.message.thinking // "") != ""]' "$TMP/chat")" \
  '[true,true,true,false,false,false,false]'
eq "chat final" "$(tail -1 "$TMP/chat" | jq -c '[.message.content, .done_reason, .eval_count, has("context")]')" \
  '["","stop",7,false]'
if [ -n "$SAMPLES" ]; then
  eq "chat chunk keys" "$(sed -n 5p "$TMP/chat" | jq -c '.message | keys')" \
    "$(sample_keys chat-stream-chunk.json .message images)"
  eq "chat final keys" "$(tail -1 "$TMP/chat" | jq -c 'keys - ["done_reason"]')" \
    "$(keys "$SAMPLES/chat-stream-final.json")"
fi
eq "chat think:false" "$(r POST /api/chat '{"model":"qwen3:8b","messages":[{"role":"user","content":"hi"}],"think":false,"stream":false}')" 200
eq "chat think:false no thinking" "$(jq -c '[(.message | has("thinking")), .eval_count]' "$TMP/body")" '[false,4]'
eq "think on a plain model" "$(r POST /api/generate '{"model":"phi4:14b","prompt":"x","think":true}')" 400

# load, ps, unload
eq "load status" "$(r POST /api/generate '{"model":"phi4:14b"}')" 200
eq "load reply" "$(jq -c '[.done, .done_reason, .response]' "$TMP/body")" '[true,"load",""]'
eq "ps status" "$(r GET /api/ps)" 200
eq "ps models" "$(jq -c '[.models[].name] | sort' "$TMP/body")" '["gemma2:9b","phi4:14b","qwen3:8b"]'
eq "ps spill (vram=75%)" "$(jq -c '.models[] | select(.name == "phi4:14b") | .size_vram / .size * 100 | round' "$TMP/body")" 75
eq "ps digest = tags digest" "$(jq -r '.models[] | select(.name == "phi4:14b") | .digest' "$TMP/body")" \
  "$(jq -r '.models[] | select(.name == "phi4:14b") | .digest' "$TMP/tags")"
[ -n "$SAMPLES" ] && eq "ps entry keys" "$(keys "$TMP/body" '.models[0]')" \
  "$(keys "$SAMPLES/ps-response-openapi.json" '.models[0]')"
eq "unload status" "$(r POST /api/chat '{"model":"phi4:14b","messages":[],"keep_alive":0}')" 200
eq "unload reply" "$(jq -c '[.done_reason, .message.content]' "$TMP/body")" '["unload",""]'
# the unload finishes in the background (--unload-delay 2): still listed now
r GET /api/ps >/dev/null
eq "ps while unloading" "$(jq -c '[.models[].name] | sort' "$TMP/body")" '["gemma2:9b","phi4:14b","qwen3:8b"]'
for ((i = 0; i < 50; i++)); do
  r GET /api/ps >/dev/null
  [ "$(jq -c '[.models[].name] | sort' "$TMP/body")" = '["gemma2:9b","qwen3:8b"]' ] && break
  sleep 0.1
done
eq "ps after the unload" "$(jq -c '[.models[].name] | sort' "$TMP/body")" '["gemma2:9b","qwen3:8b"]'

# pull makes a pullable model available
eq "pull status" "$(r POST /api/pull '{"model":"llama3.2:3b"}')" 200
eq "pull statuses" "$(jq -s -c '[.[0].status, .[-1].status, length]' "$TMP/body")" '["pulling manifest","success",9]'
eq "pull progress" "$(sed -n 6p "$TMP/body" | jq -c '.completed == .total')" true
[ -n "$SAMPLES" ] && eq "pull progress keys" "$(sed -n 3p "$TMP/body" | keys /dev/stdin)" \
  "$(keys "$SAMPLES/pull-stream-progress.json")"
r GET /api/tags >/dev/null
check "pulled model listed" jq -e 'any(.models[]; .name == "llama3.2:3b")' "$TMP/body" >/dev/null
eq "pull unknown, no stream" "$(r POST /api/pull '{"model":"nope:1b","stream":false}')" 500
check "pull unknown error" jq -e '.error | test("file does not exist")' "$TMP/body" >/dev/null

# request errors
eq "invalid JSON" "$(r POST /api/generate '{"model":')" 400
check "invalid JSON error" jq -e '.error | type == "string"' "$TMP/body" >/dev/null
eq "missing body" "$(r POST /api/chat)" 400
[ -n "$SAMPLES" ] && eq "missing body reply" "$(cat "$TMP/body")" "$(cat "$SAMPLES/error-missing-body.json")"
eq "missing model" "$(r POST /api/generate '{"prompt":"x"}')" 400
eq "wrong method" "$(r GET /api/generate)" 405
eq "unknown path" "$(r GET /api/nothing)" 404

# faults
eq "midstream status" "$(r POST /api/generate '{"model":"broken:1b","prompt":"x"}')" 200
eq "midstream lines" "$(jq -s -c '[.[:4][] | .done] + [.[4] | keys]' "$TMP/body")" '[false,false,false,false,["error"]]'
[ -n "$SAMPLES" ] && eq "midstream error line" "$(tail -1 "$TMP/body")" "$(tail -1 "$SAMPLES/error-midstream.ndjson")"
echo >>"$TMP/sent"
curl -s -o "$TMP/body" "$FAKE_URL/api/generate" -d '{"model":"dropper:1b","prompt":"x"}'
rc=$?
check "drop: curl reports a cut transfer (status $rc)" [ "$rc" -ne 0 ]
eq "drop: lines before the cut" "$(wc -l <"$TMP/body")" 3
eq "model 404 fault" "$(r POST /api/generate '{"model":"ghost:1b","prompt":"x"}')" 404
eq "model 404 fault body" "$(jq -r .error "$TMP/body")" "model 'ghost:1b' not found"
eq "chat #5 is 503" "$(r POST /api/chat '{"model":"qwen3:8b","messages":[{"role":"user","content":"x"}]}')" 503
check "503 error body" jq -e '.error | test("busy")' "$TMP/body" >/dev/null

# the log: one JSON line per request, with the options the client sent
eq "log lines" "$(jq -s length "$TMP/log")" "$(wc -l <"$TMP/sent")"
eq "log generate options" "$(jq -s -c '[.[] | select(.path == "/api/generate")][0].body.options' "$TMP/log")" \
  '{"num_predict":10,"seed":42,"temperature":0}'
eq "log raw body" "$(jq -s -c '[.[] | select(.body == "{\"model\":")] | length' "$TMP/log")" 1
check "server stops cleanly" stop_fake

# ---- reproducible noise, chunking modes, stall, self-stop --------------------
trial_rates() { # prints eval_duration of two trials
  local i
  for i in 1 2; do
    curl -s "$FAKE_URL/api/generate" -d '{"model":"m:1b","prompt":"p","stream":false}' | jq .eval_duration
  done
}
start_fake --seed 3 --chunking split --model 'm:1b:50:0.05' || exit 1
a=$(trial_rates)
stop_fake
start_fake --seed 3 --chunking merge --model 'm:1b:50:0.05' || exit 1
b=$(trial_rates)
eq "merge chunking keeps lines" "$(curl -s "$FAKE_URL/api/generate" -d '{"model":"m:1b","prompt":"p"}' | jq -s length)" 129
stop_fake
start_fake --seed 4 --chunking line --model 'm:1b:50:0.05' --fault 'generate:stall:2:0.2' || exit 1
c=$(trial_rates)
eq "stall then complete" "$(curl -s "$FAKE_URL/api/generate" -d '{"model":"m:1b","prompt":"p","options":{"num_predict":5}}' | jq -s -c '[length, .[-1].done]')" '[6,true]'
stop_fake
eq "same seed, same trials" "$a" "$b"
check "another seed, other trials" [ "$a" != "$c" ]
check "noise varies trials" [ "$(echo "$a" | sort -u | wc -l)" -eq 2 ]

# ---- loads: each request that loads a model counts -----------------------------
start_fake --unload-delay 1 --model 'a:1b,load=0,tokens=3' --model 'b:1b,load=0.25,tokens=3' \
  --model 'c:1b,loaded' || exit 1
loads() { curl -s "$FAKE_URL/debug/loads" | jq -c .loads; }
gen() { curl -s "$FAKE_URL/api/generate" -d "$1"; }
eq "no loads at start" "$(loads)" '{"a:1b":0,"b:1b":0,"c:1b":0}'
eq "first request reports the load" "$(gen '{"model":"b:1b","prompt":"x","stream":false}' | jq .load_duration)" 250000000
eq "next request: no load" "$(gen '{"model":"b:1b","prompt":"x","stream":false}' | jq .load_duration)" null
gen '{"model":"a:1b","prompt":"x"}' >/dev/null
eq "a load per model" "$(loads)" '{"a:1b":1,"b:1b":1,"c:1b":0}'
eq "ps lists the loaded models" "$(curl -s "$FAKE_URL/api/ps" | jq -c '[.models[].name] | sort')" '["a:1b","b:1b","c:1b"]'
eq "unload" "$(gen '{"model":"b:1b","keep_alive":0}' | jq -r .done_reason)" unload
# a request while it is still unloading waits for it and loads it anew
eq "reload after an unload" "$(gen '{"model":"b:1b","prompt":"x","stream":false}' | jq .load_duration)" 250000000
eq "another num_ctx reloads" "$(gen '{"model":"b:1b","prompt":"x","stream":false,"options":{"num_ctx":2048}}' | jq .load_duration)" 250000000
eq "load-only request" "$(gen '{"model":"a:1b","prompt":"","keep_alive":0}' | jq -r .done_reason)" unload
eq "empty prompt loads" "$(gen '{"model":"a:1b"}' | jq -r .done_reason)" load
eq "loads counted" "$(loads)" '{"a:1b":2,"b:1b":3,"c:1b":0}'
eq "fake_loads (tests/lib/fake.sh)" "$(fake_loads b:1b)" 3
fake_loads nosuch:1b >/dev/null
check "fake_loads of an unknown model fails" [ $? -ne 0 ]
eq "unload c" "$(gen '{"model":"c:1b","keep_alive":0}' | jq -r .done_reason)" unload
for ((i = 0; i < 50; i++)); do
  [ "$(curl -s "$FAKE_URL/api/ps" | jq -c '[.models[].name] | sort')" = '["a:1b","b:1b"]' ] && break
  sleep 0.1
done
eq "ps after the unload finished" "$(curl -s "$FAKE_URL/api/ps" | jq -c '[.models[].name] | sort')" '["a:1b","b:1b"]'
check "fault rules skip /debug/loads" [ "$(curl -s -o /dev/null -w '%{http_code}' "$FAKE_URL/debug/loads")" = 200 ]
stop_fake

# ---- hostile replies ----------------------------------------------------------
start_fake --model 'm:1b,load=0,tokens=6' \
  --fault 'generate:1:endless:2' --fault 'generate:2:junk-after' \
  --fault 'generate:3:idle-after' --fault 'generate:4:close-after:0:1' \
  --fault 'generate:5:drip:0:0.2' --fault 'generate:6:endless' || exit 1
G='{"model":"m:1b","prompt":"p"}'
curl -s -m 1 -o "$TMP/h" "$FAKE_URL/api/generate" -d "$G"
eq "endless: curl times out" $? 28
# (curl may stop inside a line: count whole ones)
check "endless: many lines ($(grep -c '"done":false}$' "$TMP/h"))" [ "$(grep -c '"done":false}$' "$TMP/h")" -gt 5 ]
check "endless: none final" [ "$(grep -c '"done":true' "$TMP/h")" -eq 0 ]
curl -s -m 1 -o "$TMP/h" "$FAKE_URL/api/generate" -d "$G"
eq "junk-after: curl times out" $? 28
eq "junk-after: the final object is line 7" "$(sed -n 7p "$TMP/h" | jq -c '[.done, .eval_count]')" '[true,6]'
check "junk-after: junk follows" [ "$(grep -c '^fake-ollama: junk' "$TMP/h")" -gt 5 ]
curl -s -m 1 -o "$TMP/h" "$FAKE_URL/api/generate" -d "$G"
eq "idle-after: curl times out" $? 28
eq "idle-after: ends with the final object" "$(tail -1 "$TMP/h" | jq -c '[.done, .done_reason]')" '[true,"stop"]'
curl -s -m 10 -o "$TMP/h" -w '%{time_total}' "$FAKE_URL/api/generate" -d "$G" >"$TMP/t"
eq "close-after: a complete reply" "$(jq -s -c '[length, .[-1].done]' "$TMP/h")" '[7,true]'
check "close-after: 1 s late ($(cat "$TMP/t") s)" awk '{exit !($1 >= 1)}' "$TMP/t"
curl -s -m 1 -o "$TMP/h" "$FAKE_URL/api/generate" -d '{"model":"m:1b","prompt":"p","stream":false}'
eq "drip: curl times out" $? 28
check "drip: a few bytes of the body ($(wc -c <"$TMP/h"))" [ "$(wc -c <"$TMP/h")" -ge 2 ] && [ "$(wc -c <"$TMP/h")" -le 8 ]
eq "drip: the body's start" "$(head -c 2 "$TMP/h")" '{"'
rm -f "$TMP/h" # curl creates its -o file only when a byte arrives
curl -s -m 1 -o "$TMP/h" "$FAKE_URL/api/generate" -d '{"model":"m:1b","prompt":"p","stream":false}'
eq "endless, no stream: curl times out" $? 28
touch "$TMP/h"
eq "endless, no stream: no answer" "$(wc -c <"$TMP/h")" 0
check "server stops cleanly after hostile replies" stop_fake

# ---- random chunking: lines cut anywhere, reassembled whole --------------------
start_fake --seed 9 --chunking random --split-pause 0 --model 'm:1b,load=0,tokens=200' || exit 1
eq "random chunking keeps lines" "$(curl -s "$FAKE_URL/api/generate" -d "$G" | jq -s -c '[length, .[-1].eval_count]')" '[201,200]'
stop_fake

start_fake --max-requests 2 --model 'm:1b' || exit 1
pid=$FAKE_PID
curl -s -o /dev/null "$FAKE_URL/api/version"
curl -s -o /dev/null "$FAKE_URL/api/tags"
wait_fake "$pid"
eq "--max-requests stops the server" $? 0

[ "$FAILS" -eq 0 ] || { echo "$FAILS check(s) failed" >&2; exit 1; }
echo "ok"
