#!/usr/bin/env bash
# tests/cli/test_fake_samples.sh - the fake Ollama server's bodies have the
# keys and types of the real server's, sample by sample.
#
# Reference: every file of $PTBENCH_SHARED/testdata/ollama (bodies from
# Ollama's API documentation and server source; see its README.md). For each
# sample the fake answers the matching request, and the two bodies are
# reduced to their sets of "path:type" (array indices as []); every
# difference must be one listed below with its reason, found in Ollama's
# source (api/types.go, server/routes.go, server/images.go):
#   - keys the fake omits: a metric whose value is zero (omitempty: e.g. no
#     load_duration once the model is loaded), message.images (omitempty);
#   - keys the fake adds: done_reason (set on every final object since 2024;
#     older doc samples predate it), context (generate adds it unless raw;
#     some doc samples leave it out), model_info keys of its own family,
#     modelfile and template (ShowResponse; the openapi sample omits them),
#     model_info's general.parameter_count (docs/api.md's show example has
#     it), context_length (ProcessModelResponse; the older ps sample
#     predates it); the fake's model_info holds fewer keys of its
#     architecture and no tokenizer.* (they vary by model);
# Error bodies must match exactly. A new sample file fails the test until it
# is added here. Skips (77) without ../shared, curl or jq.
set -u

command -v curl >/dev/null 2>&1 || { echo "skip: no curl"; exit 77; }
command -v jq >/dev/null 2>&1 || { echo "skip: no jq"; exit 77; }
[ -n "${FAKE_OLLAMA:-}" ] && [ -x "$FAKE_OLLAMA" ] || { echo "skip: FAKE_OLLAMA not built"; exit 77; }
SAMPLES=${PTBENCH_SHARED:-/nonexistent}/testdata/ollama
[ -d "$SAMPLES" ] || { echo "skip: no samples in $SAMPLES"; exit 77; }
SRC=${PTBENCH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=../lib/cli.sh
. "$SRC/tests/lib/cli.sh" # TMP, fail and finish; fake.sh chains its cleanup onto cli.sh's trap
# shellcheck source=../lib/fake.sh
. "$SRC/tests/lib/fake.sh"

# The set of "path:type" of a JSON value; model_info keys that start with
# the architecture's name ("gemma4.block_count") as ARCH.*
SHAPE='def shape: [paths as $p
  | ($p | map(if type == "number" then "[]" else tostring end) | join("/")) + ":"
    + (getpath($p) | type)] | unique;
  def arch: if type == "object" and (.model_info | type) == "object" then
    (.model_info["general.architecture"] // "") as $a
    | .model_info |= with_entries(.key |= (if $a != "" and startswith($a + ".")
                                           then "ARCH" + .[($a | length):] else . end))
  else . end;'

# compare NAME SAMPLE_JSON FAKE_JSON ABSENT_OK EXTRA_OK: both files hold one
# JSON value; ABSENT_OK/EXTRA_OK are space-separated paths ("a/b") whose
# subtrees may be missing from, or added by, the fake; a path ending in "."
# stands for every key it begins ("model_info/ARCH.").
compare() {
  local name=$1 sample=$2 fake=$3 absent=$4 extra=$5 diff
  diff=$(jq -n -r --slurpfile s "$sample" --slurpfile f "$fake" \
    --arg absent "$absent" --arg extra "$extra" "$SHAPE"'
    def allowed($list): . as $e | any($list | split(" ")[] | select(. != "");
      . as $p | ($e | startswith($p + ":") or startswith($p + "/") or
                      (($p | endswith(".")) and startswith($p))));
    ($s[0] | arch | shape) as $a | ($f[0] | arch | shape) as $b
    | (($a - $b) | map(select(allowed($absent) | not)) | map("missing " + .)) +
      (($b - $a) | map(select(allowed($extra) | not)) | map("added " + .))
    | .[]')
  [ -z "$diff" ] || fail "$name: $(echo "$diff" | paste -sd ',' -)"
}

# req METHOD PATH [BODY] > file: the fake's body; the HTTP status in $TMP/status
req() {
  local args=(-s -w '%{http_code}' -o "$TMP/out" -X "$1" "$FAKE_URL$2")
  [ $# -ge 3 ] && args+=(--data-binary "$3")
  curl "${args[@]}" >"$TMP/status"
  cat "$TMP/out"
}
status_is() { [ "$(cat "$TMP/status")" = "$1" ] || fail "$2: HTTP $(cat "$TMP/status"), want $1"; }

# exact NAME SAMPLE FILE: the same JSON (compact)
exact() {
  [ "$(jq -c . "$SAMPLES/$2")" = "$(jq -c . "$3")" ] ||
    fail "$1: got $(jq -c . "$3"), want $(jq -c . "$SAMPLES/$2")"
}

DONE=" " # samples checked
mark() { DONE="$DONE$1 "; }

start_fake --model 'llama3.2:3b,family=llama,load=0.5,tokens=8' --model 'broken:1b,tokens=8' \
  --model 'new:1b,pullable' --unload-delay 0 \
  --fault 'model=broken:1b:error-midstream' --fault 'chat:1:404-legacy' \
  --fault 'tags:2:500' || exit 1
M='"model":"llama3.2:3b"'
P='"prompt":"Why is the sky blue?"'
MSG='"messages":[{"role":"user","content":"Why is the sky blue?"}]'

# ---- errors: exact bodies -------------------------------------------------------
req POST /api/chat "{\"model\":\"mistral:7b\",$MSG}" >"$TMP/b"
status_is 404 error-model-not-found-legacy.json
exact error-model-not-found-legacy.json error-model-not-found-legacy.json "$TMP/b"
mark error-model-not-found-legacy.json
req POST /api/generate "{\"model\":\"mistral:7b\",$P}" >"$TMP/b"
status_is 404 error-model-not-found.json
exact error-model-not-found.json error-model-not-found.json "$TMP/b"
mark error-model-not-found.json
req POST /api/generate >"$TMP/b"
status_is 400 error-missing-body.json
exact error-missing-body.json error-missing-body.json "$TMP/b"
mark error-missing-body.json
req GET /api/tags >/dev/null
req GET /api/tags >"$TMP/b"
status_is 500 error-generic.json
exact error-generic.json error-generic.json "$TMP/b"
mark error-generic.json
req POST /api/generate "{\"model\":\"broken:1b\",$P}" >"$TMP/b"
status_is 200 error-midstream.ndjson
tail -1 "$SAMPLES/error-midstream.ndjson" >"$TMP/s"
tail -1 "$TMP/b" >"$TMP/f"
[ "$(jq -c . "$TMP/s")" = "$(jq -c . "$TMP/f")" ] || fail "error-midstream.ndjson: error line $(cat "$TMP/f")"
head -1 "$SAMPLES/error-midstream.ndjson" >"$TMP/s"
head -1 "$TMP/b" >"$TMP/f"
compare "error-midstream.ndjson (chunk)" "$TMP/s" "$TMP/f" "" ""
[ "$(grep -c . "$TMP/b")" = "$(grep -c . "$SAMPLES/error-midstream.ndjson")" ] ||
  fail "error-midstream.ndjson: $(grep -c . "$TMP/b") lines, want 5 (4 chunks, the error)"
mark error-midstream.ndjson

# ---- generate -------------------------------------------------------------------------
# the first request loads the model: load_duration and every metric present
req POST /api/generate "{$M,$P,\"stream\":false}" >"$TMP/b"
for s in generate-nonstream-response.json generate-options-response.json; do
  compare "$s" "$SAMPLES/$s" "$TMP/b" "" "done_reason"
  mark $s
done
compare generate-seed-response.json "$SAMPLES/generate-seed-response.json" "$TMP/b" "" \
  "done_reason context"
mark generate-seed-response.json
compare usage-generate-nonstream-response.json "$SAMPLES/usage-generate-nonstream-response.json" \
  "$TMP/b" "" "context"
mark usage-generate-nonstream-response.json
compare generate-nonstream-response-minimal.json "$SAMPLES/generate-nonstream-response-minimal.json" \
  "$TMP/b" "" "done_reason context total_duration load_duration prompt_eval_count prompt_eval_duration eval_count eval_duration"
mark generate-nonstream-response-minimal.json
req POST /api/generate "{$M,\"prompt\":\"Tell me about Canada.\",\"stream\":false,\"format\":{\"type\":\"object\"}}" >"$TMP/b"
# loaded now: no load_duration (zero, omitted)
compare generate-structured-response.json "$SAMPLES/generate-structured-response.json" "$TMP/b" \
  "load_duration" ""
mark generate-structured-response.json

req POST /api/generate "{$M,$P,\"options\":{\"seed\":1}}" >"$TMP/b"
head -1 "$TMP/b" >"$TMP/f"
compare generate-stream-chunk.json "$SAMPLES/generate-stream-chunk.json" "$TMP/f" "" ""
mark generate-stream-chunk.json
tail -1 "$TMP/b" >"$TMP/f"
compare generate-stream-final.json "$SAMPLES/generate-stream-final.json" "$TMP/f" "load_duration" \
  "done_reason"
mark generate-stream-final.json
# the shortened docs stream: chunks alike; its final line lacks the metrics
head -1 "$SAMPLES/generate-stream.ndjson" >"$TMP/s"
head -1 "$TMP/b" >"$TMP/f"
compare "generate-stream.ndjson (chunk)" "$TMP/s" "$TMP/f" "" ""
tail -1 "$SAMPLES/generate-stream.ndjson" >"$TMP/s"
tail -1 "$TMP/b" >"$TMP/f"
compare "generate-stream.ndjson (final)" "$TMP/s" "$TMP/f" "" \
  "context total_duration prompt_eval_count prompt_eval_duration eval_count eval_duration"
mark generate-stream.ndjson

req POST /api/generate "{$M,\"keep_alive\":0}" >"$TMP/b"
compare generate-unload-response.json "$SAMPLES/generate-unload-response.json" "$TMP/b" "" ""
mark generate-unload-response.json
sleep 0.1 # --unload-delay 0: gone at once
req POST /api/generate "{$M}" >"$TMP/b"
compare generate-load-response.json "$SAMPLES/generate-load-response.json" "$TMP/b" "" "done_reason"
[ "$(jq -r .done_reason "$TMP/b")" = load ] || fail "generate-load-response.json: done_reason $(jq .done_reason "$TMP/b")"
mark generate-load-response.json

# ---- chat -----------------------------------------------------------------------------
req POST /api/chat "{$M,\"messages\":[],\"keep_alive\":0}" >"$TMP/b"
compare chat-unload-response.json "$SAMPLES/chat-unload-response.json" "$TMP/b" "" ""
mark chat-unload-response.json
sleep 0.1
req POST /api/chat "{$M,\"messages\":[]}" >"$TMP/b"
compare chat-load-response.json "$SAMPLES/chat-load-response.json" "$TMP/b" "" ""
mark chat-load-response.json
req POST /api/generate "{$M,\"keep_alive\":0}" >/dev/null
sleep 0.1
req POST /api/chat "{$M,$MSG,\"stream\":false}" >"$TMP/b"
compare chat-nonstream-response.json "$SAMPLES/chat-nonstream-response.json" "$TMP/b" "" "done_reason"
mark chat-nonstream-response.json
req POST /api/chat "{$M,$MSG}" >"$TMP/b"
head -1 "$TMP/b" >"$TMP/f"
compare chat-stream-chunk.json "$SAMPLES/chat-stream-chunk.json" "$TMP/f" "message/images" ""
mark chat-stream-chunk.json
tail -1 "$TMP/b" >"$TMP/f"
compare chat-stream-final.json "$SAMPLES/chat-stream-final.json" "$TMP/f" "load_duration" "done_reason"
mark chat-stream-final.json

# ---- models ---------------------------------------------------------------------------
req GET /api/version >"$TMP/b"
for s in version-response.json version-response-openapi.json; do
  compare "$s" "$SAMPLES/$s" "$TMP/b" "" ""
  mark $s
done
req GET /api/tags >"$TMP/b"
compare tags-response.json "$SAMPLES/tags-response.json" "$TMP/b" "" ""
mark tags-response.json
req GET /api/ps >"$TMP/b"
[ "$(jq '.models | length' "$TMP/b")" -ge 1 ] || fail "ps: no model loaded"
compare ps-response-openapi.json "$SAMPLES/ps-response-openapi.json" "$TMP/b" "" ""
mark ps-response-openapi.json
compare ps-response.json "$SAMPLES/ps-response.json" "$TMP/b" "" "models/[]/context_length"
mark ps-response.json
req POST /api/show "{$M}" >"$TMP/b"
compare show-response-openapi.json "$SAMPLES/show-response-openapi.json" "$TMP/b" \
  "model_info/ARCH. model_info/tokenizer." "modelfile template model_info/general.parameter_count"
mark show-response-openapi.json

# ---- pull -----------------------------------------------------------------------------
req POST /api/pull '{"model":"new:1b","stream":false}' >"$TMP/b"
compare pull-nonstream-response.json "$SAMPLES/pull-nonstream-response.json" "$TMP/b" "" ""
mark pull-nonstream-response.json
req POST /api/pull '{"model":"new:1b"}' >"$TMP/b"
head -1 "$TMP/b" >"$TMP/f"
compare pull-stream-manifest.json "$SAMPLES/pull-stream-manifest.json" "$TMP/f" "" ""
mark pull-stream-manifest.json
sed -n 3p "$TMP/b" >"$TMP/f"
compare pull-stream-progress.json "$SAMPLES/pull-stream-progress.json" "$TMP/f" "" ""
mark pull-stream-progress.json
# the last statuses, in the sample's order; "removing any unused layers"
# comes only when a pull replaces layers of a model already there
# (server/images.go), never on the fake's first pull
want=$(jq -r -s '[.[].status | select(. != "removing any unused layers")] | join(",")' \
  "$SAMPLES/pull-stream-final-statuses.txt")
got=$(tail -3 "$TMP/b" | jq -r -s '[.[].status] | join(",")')
[ "$got" = "$want" ] || fail "pull-stream-final-statuses.txt: got $got, want $want"
mark pull-stream-final-statuses.txt

stop_fake || fail "fake-ollama did not stop cleanly"

# ---- every sample is checked, or said not to be a server body ------------------------
mark README.md                                           # the samples' notes
mark verbose-summary-from-generate-nonstream-response.txt # `ollama run --verbose` output: tests/unit/test_import.c
for f in "$SAMPLES"/*; do
  b=${f##*/}
  case "$DONE" in *" $b "*) ;; *) fail "sample $b is not checked here: add it" ;; esac
done

finish
