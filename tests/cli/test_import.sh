#!/usr/bin/env bash
# CLI tests of `ptbench import`: the examples of docs/import.md run verbatim,
# the rows and manifest they produce, analyze on the result, and bad input
# (exit status, message, nothing written).
. "$(dirname "$0")/../lib/cli.sh"

DATA="$PTBENCH_SRC/tests/data/import"
mkdir -p "$TMP/w"
cd "$TMP/w" || exit 1
cp "$DATA/llm-benchmark/log_2025-01-01-120000.log" "$DATA/ollama-verbose/session.log" \
   "$DATA/ollama-verbose/noisy.log" "$DATA/ollama-verbose/pasted.log" \
   "$DATA/bad/no-stats.log" .
cp "$DATA/bad/malformed-duration.log" bad.log
# llama.cpp's documented llama-bench outputs, named as docs/import.md names them
cp "$DATA/llama-bench/readme.json" bare-metal.json
cp "$DATA/llama-bench/readme.jsonl" vm.jsonl

ptbench() { "$PTBENCH" "$@"; }

# Columns of trials.csv by header name, one comma-joined line per row.
columns() {
  local file=$1
  shift
  awk -F, -v want="$*" '
    { sub(/\r$/, "") }
    NR == 1 { n = split(want, w, " "); for (i = 1; i <= NF; i++) idx[$i] = i; next }
    { s = ""; for (j = 1; j <= n; j++) s = s (j > 1 ? "," : "") $(idx[w[j]]); print s }' "$file"
}

expect_text() {  # ACTUAL EXPECTED WHAT
  if [ "$1" = "$2" ]; then ok; else
    fail "$3 differs:"
    diff <(printf '%s\n' "$2") <(printf '%s\n' "$1") >&2
  fi
}

no_leftovers() {  # no temporary directories beside the run directories
  if ls -a results 2>/dev/null | grep -q '\.tmp-'; then fail "temporary directory left in results/"; else ok; fi
}

# --- docs/import.md: each "$ ptbench ..." line of its console blocks is run
# as is; the lines under it are the exact stderr, then stdout ---------------
docs_case() {
  t "docs: $1"
  eval "run $1"
  expect_text "$err${err:+${out:+$'\n'}}$out" "$2" "output"
}
ndocs=0
cmd="" expect="" in_block=0
while IFS= read -r line <&3; do
  case "$line" in
    '```console') in_block=1; continue ;;
    '```')
      if [ "$in_block" = 1 ] && [ -n "$cmd" ]; then docs_case "$cmd" "$expect"; ndocs=$((ndocs + 1)); fi
      in_block=0 cmd=""
      continue ;;
  esac
  [ "$in_block" = 1 ] || continue
  case "$line" in
    '$ '*)
      if [ -n "$cmd" ]; then docs_case "$cmd" "$expect"; ndocs=$((ndocs + 1)); fi
      cmd=${line#'$ '} expect="" ;;
    *) expect=${expect:+$expect$'\n'}$line ;;
  esac
done 3<"$PTBENCH_SRC/docs/import.md"
t "docs examples found"
[ "$ndocs" -eq 10 ] && ok || fail "expected 10 examples in docs/import.md, ran $ndocs"

# --- what the examples wrote -------------------------------------------
# Expected values are read off the sample logs by hand (tests/data/import/
# README.md): durations in Go notation converted to nanoseconds.
COLS="environment model prompt_id trial warmup status done_reason prompt_eval_count prompt_eval_duration_ns eval_count eval_duration_ns load_duration_ns total_duration_ns started_at ttft_ns"

t "llm-benchmark rows"
expect_text "$(columns results/bare-metal/trials.csv $COLS)" \
"bare-metal,mistral:7b,prompt-1,1,0,ok,,12,89126000,443,8992010000,2917834,9130435501,,
bare-metal,mistral:7b,prompt-2,1,0,ok,,15,100000000,310,6200000000,3000000,6500000000,,
bare-metal,mistral:7b,prompt-3,1,0,ok,,18,90000000,600,12000000000,2500000,12750000000,,
bare-metal,mistral:7b,prompt-4,1,0,ok,,20,80000000,196,4000000000,2000000,4100000000,,
bare-metal,mistral:7b,prompt-5,1,0,ok,,25,125000000,400,8000000000,2250000,8250000000,," "rows"

t "ollama-verbose rows: models from the logs, missing lines empty"
expect_text "$(columns results/vm/trials.csv $COLS)" \
"vm,mistral:7b,,1,0,ok,,26,325953000,290,4709213000,5025959,5043500667,,
vm,mistral:7b,,2,0,ok,,14,120500000,3000,60250000000,850000,62500000000,,
vm,mistral:7b,,3,0,ok,,,,100,2000000000,,2500000000,,
vm,phi4:14b,,1,0,ok,,20,100000000,64,1600000000,12500000,3200000000,,
vm,phi4:14b,,2,0,ok,,30,150000000,36,1200000000,10000000,1650000000,," "rows"

t "rates agree with the rates Ollama printed (2 decimals)"
for pair in "results/bare-metal/trials.csv log_2025-01-01-120000.log" \
            "results/vm/trials.csv session.log noisy.log"; do
  set -- $pair
  csv=$1
  shift
  printed=$(cat "$@" | grep -a '^eval rate:' | awk '{ print $3 }')
  got=$(columns "$csv" eval_rate)
  if paste -d' ' <(printf '%s\n' "$got") <(printf '%s\n' "$printed") |
     awk 'NF != 2 || ($1 - $2 > 0.005 || $2 - $1 > 0.005) { bad = 1 } END { exit bad }'; then ok; else
    fail "$csv eval_rate [$got] vs printed [$printed]"
  fi
done

t "one run id per run, the same in manifest.json"
id=$(columns results/vm/trials.csv run_id | sort -u)
[ "$(printf '%s\n' "$id" | wc -l)" -eq 1 ] && [ -n "$id" ] && ok || fail "run ids: $id"
grep -q "\"run_id\":	\"$id\"" results/vm/manifest.json && ok || fail "manifest run_id"

t "manifest.json of the llm-benchmark import"
m=$(cat results/bare-metal/manifest.json)
for want in '"schema":	"ptbench.manifest/1"' '"name":	"ptbench"' '"environment":	"bare-metal"' \
            '"label":	null' '"status":	"complete"' '"kind":	"import"' '"format":	"llm-benchmark"' \
            '"path":	"log_2025-01-01-120000.log"' '"imported_at":	"20' '"ok":	5'; do
  case "$m" in *"$want"*) ok ;; *) fail "lacks $want" ;; esac
done
size=$(wc -c <log_2025-01-01-120000.log)
case "$m" in *"\"size\":	$size,"*) ok ;; *) fail "size $size not recorded" ;; esac
[ "$(grep -c '"name":	"mistral:7b"' results/bare-metal/manifest.json)" -eq 1 ] && ok || fail "models"

t "manifest.json of the ollama-verbose import"
m=$(cat results/vm/manifest.json)
for want in '"label":	"VM (vfio-pci)"' '"format":	"ollama-verbose"' '"path":	"session.log"' \
            '"path":	"noisy.log"' '"name":	"mistral:7b"' '"name":	"phi4:14b"' '"ok":	5'; do
  case "$m" in *"$want"*) ok ;; *) fail "lacks $want" ;; esac
done

t "--model with the OLLAMA.md sample"
expect_text "$(columns results/vm-pasted/trials.csv $COLS)" \
  "vm,mistral:7b,,1,0,ok,,26,325953000,290,4709213000,5025959,5043500667,," "rows"
expect_no_file results/vm-bad
no_leftovers

# --- analyze reads what import wrote ---------------------------------------
t "analyze the imported runs"
run "$PTBENCH" analyze --format md results/bare-metal results/vm
if [ "$status" -eq 1 ] && case "$err" in *"not yet"*) true ;; *) false ;; esac; then
  echo "note: ptbench analyze is not implemented yet; step skipped"
else
  expect_status 0
  expect_out_has '| mistral:7b |'
  expect_out_has 'VM (vfio-pci)'
fi

# --- bad input ---------------------------------------------------------------
t "a log without statistics"
run "$PTBENCH" import --format ollama-verbose --env x --model m no-stats.log
expect_status 3
expect_text "$err" "ptbench: no-stats.log: no 'ollama run --verbose' statistics found" "stderr"
expect_no_file results/x

t "malformed duration: file and line, nothing written"
run "$PTBENCH" import --format llm-benchmark --env y bad.log
expect_status 3
expect_text "$err" "ptbench: bad.log:8: malformed duration \"12.3.4ms\" in 'eval duration'" "stderr"
expect_no_file results/y

t "one bad log among good ones: nothing left behind"
run "$PTBENCH" import --format ollama-verbose --env z session.log noisy.log bad.log
expect_status 3
expect_no_file results/z
no_leftovers

t "an existing trials.csv is not overwritten"
sum=$(cksum <results/vm/trials.csv)
msum=$(cksum <results/vm/manifest.json)
run "$PTBENCH" import --format ollama-verbose --env vm --model m pasted.log
expect_status 2
expect_err_has "results/vm/trials.csv: already exists; not overwritten: choose another --out"
[ "$(cksum <results/vm/trials.csv)" = "$sum" ] && ok || fail "trials.csv changed"
[ "$(cksum <results/vm/manifest.json)" = "$msum" ] && ok || fail "manifest.json changed"
mkdir -p results/half && printf 'run_id\n' >results/half/trials.csv
run "$PTBENCH" import --format ollama-verbose --env vm --model m --out results/half pasted.log
expect_status 2
[ "$(cat results/half/trials.csv)" = "run_id" ] && ok || fail "trials.csv changed"
expect_no_file results/half/manifest.json
no_leftovers

t "an existing directory without a run is filled, its files kept"
mkdir -p results/notes && echo mine >results/notes/README
run "$PTBENCH" import --format ollama-verbose --env n --model m --out results/notes pasted.log
expect_status 0
[ -f results/notes/trials.csv ] && [ -f results/notes/manifest.json ] && ok || fail "run not written"
[ "$(cat results/notes/README)" = mine ] && ok || fail "README changed"

t "standard input"
run bash -c "'$PTBENCH' import -q --format ollama-verbose --env s --model m --out results/stdin - <pasted.log"
expect_status 0
[ -z "$err" ] && ok || fail "--quiet printed: $err"
[ "$(columns results/stdin/trials.csv eval_count)" = 290 ] && ok || fail "stdin rows"

t "usage errors"
run "$PTBENCH" import --env x pasted.log
expect_status 2
expect_err_has "--format is required"
run "$PTBENCH" import --format csv --env x pasted.log
expect_status 2
expect_err_has "unknown format 'csv'"
run "$PTBENCH" import --format ollama-verbose pasted.log
expect_status 2
expect_err_has "--env NAME is required"
run "$PTBENCH" import --format ollama-verbose --env x
expect_status 2
expect_err_has "no log files given"
run "$PTBENCH" import --format ollama-verbose --env ../up --model m pasted.log
expect_status 2
expect_err_has "give --out"
expect_no_file ../up

t "an unreadable log"
run "$PTBENCH" import --format ollama-verbose --env u --model m missing.log
expect_status 1
expect_err_has "missing.log"
expect_no_file results/u

# --- llama-bench -------------------------------------------------------------
# Expected values are llama.cpp's own: the samples_ns of the README examples
# (tests/data/import/README.md says which commit), and their samples_ts and
# avg_ts, which llama-bench computed from them.
LB="$DATA/llama-bench"
LBCOLS="model prompt_id trial warmup status prompt_eval_count prompt_eval_duration_ns eval_count eval_duration_ns total_duration_ns started_at load_duration_ns"

t "llama-bench -o json rows: one per sample, the test as prompt id"
expect_text "$(columns results/lb-bare-metal/trials.csv $LBCOLS)" \
"Qwen2.5-7B-Instruct-Q4_K_M.gguf,pp512,1,0,ok,512,74601900,,,,,
Qwen2.5-7B-Instruct-Q4_K_M.gguf,pp512,2,0,ok,512,71632900,,,,,
Qwen2.5-7B-Instruct-Q4_K_M.gguf,pp512,3,0,ok,512,71745200,,,,,
Qwen2.5-7B-Instruct-Q4_K_M.gguf,pp512,4,0,ok,512,71952700,,,,,
Qwen2.5-7B-Instruct-Q4_K_M.gguf,pp512,5,0,ok,512,70745500,,,,,
Qwen2.5-7B-Instruct-Q4_K_M.gguf,tg128,1,0,ok,,,128,1075361300,,,
Qwen2.5-7B-Instruct-Q4_K_M.gguf,tg128,2,0,ok,,,128,1065089400,,,
Qwen2.5-7B-Instruct-Q4_K_M.gguf,tg128,3,0,ok,,,128,1071761200,,,
Qwen2.5-7B-Instruct-Q4_K_M.gguf,tg128,4,0,ok,,,128,1081934900,,,
Qwen2.5-7B-Instruct-Q4_K_M.gguf,tg128,5,0,ok,,,128,1089692600,,," "rows"

t "llama-bench rates agree with its samples_ts (6 significant digits)"
for pair in "results/lb-bare-metal bare-metal.json" "results/lb-vm vm.jsonl"; do
  set -- $pair
  printed=$(jq -r '(if type == "array" then .[] else . end) | .samples_ts[]' "$2")
  got=$(columns "$1/trials.csv" prompt_eval_rate eval_rate | tr -d ,)
  if paste -d' ' <(printf '%s\n' "$got") <(printf '%s\n' "$printed") |
     awk 'NF != 2 || ($1 - $2) / $2 > 1e-5 || ($2 - $1) / $2 > 1e-5 { bad = 1 } END { exit bad }'; then ok; else
    fail "$1 rates [$got] vs samples_ts [$printed]"
  fi
done

t "the analyzed means are llama-bench's avg_ts"
for pair in "results/lb-bare-metal bare-metal.json" "results/lb-vm vm.jsonl"; do
  set -- $pair
  want=$(jq -r '(if type == "array" then .[] else . end) | .avg_ts' "$2")
  got=$( { "$PTBENCH" analyze -q --metric prompt_eval_rate "$1" | jq '.models[0].groups[0].mean'
           "$PTBENCH" analyze -q "$1" | jq '.models[0].groups[0].mean'; } )
  if paste -d' ' <(printf '%s\n' "$got") <(printf '%s\n' "$want") |
     awk 'NF != 2 || ($1 - $2) / $2 > 1e-8 || ($2 - $1) / $2 > 1e-8 { bad = 1 } END { exit bad }'; then ok; else
    fail "$1 means [$got] vs avg_ts [$want]"
  fi
done

t "llama-bench manifest: machine, build, settings, results"
m=results/lb-bare-metal/manifest.json
expect_text "$(jq -c '[.source.format, .host.cpu_model, .gpu.model, .software.runtime]' $m)" \
  '["llama-bench","AMD Ryzen 7 7800X3D 8-Core Processor","NVIDIA GeForce RTX 4080","llama.cpp 8cf427ff (5163), CUDA"]' "facts"
expect_text "$(jq -c '.models' $m)" \
  '[{"name":"Qwen2.5-7B-Instruct-Q4_K_M.gguf","file":"models/Qwen2.5-7B-Instruct-Q4_K_M.gguf","type":"qwen2 7B Q4_K - Medium","size_bytes":4677120000,"parameters":7615616512}]' "models"
expect_text "$(jq -c '[.options.n_gpu_layers, .options.n_threads, .options.flash_attn, (.options | has("n_prompt") or has("avg_ts") or has("build_commit"))]' $m)" \
  '[99,8,false,false]' "options"
expect_text "$(jq -c '[.llama_bench.results[] | [.prompt_id, .line, .test_time, has("samples_ns")]]' $m)" \
  '[["pp512",2,"2025-04-24T11:58:50Z",false],["tg128",39,"2025-04-24T11:58:51Z",false]]' "results"

t "llama-bench 2023 jsonl (no n_depth, no backends)"
run "$PTBENCH" import -q --format llama-bench --env old --out results/lb-2023 "$LB/readme-2023.jsonl"
expect_status 0
expect_text "$(columns results/lb-2023/trials.csv model prompt_id trial eval_duration_ns | sed -n '1p;6p')" \
"ggml-model-q4_0.gguf,pp512,1,
ggml-model-q4_0.gguf,tg128,1,984472709" "rows"
expect_text "$(jq -c '[.software.runtime, .options.cuda, .options.f16_kv]' results/lb-2023/manifest.json)" \
  '["llama.cpp 3469684 (1275)",true,true]' "manifest"

t "two files of the same tests: more trials of each"
run "$PTBENCH" import -q --format llama-bench --env both --out results/lb-both bare-metal.json vm.jsonl
expect_status 0
expect_text "$(columns results/lb-both/trials.csv prompt_id trial | sort | uniq -c | awk '{print $1}' | sort -u)" "1" "no repeated (prompt, trial)"
expect_text "$(columns results/lb-both/trials.csv prompt_id trial | tail -1)" "tg128,10" "last"

t "settings that differ within an import name the prompt"
# the README's two results, again with n_gpu_layers 0 (derived with jq)
jq '. + map(.n_gpu_layers = 0)' bare-metal.json >ngl.json
run "$PTBENCH" import -q --format llama-bench --env ngl --out results/lb-ngl ngl.json
expect_status 0
expect_text "$(columns results/lb-ngl/trials.csv prompt_id | uniq)" \
"pp512 n_gpu_layers=99
tg128 n_gpu_layers=99
pp512 n_gpu_layers=0
tg128 n_gpu_layers=0" "prompt ids"
expect_text "$(jq -c '[(.options | has("n_gpu_layers")), .options.n_threads, [.llama_bench.results[].prompt_id][3]]' results/lb-ngl/manifest.json)" \
  '[false,8,"tg128 n_gpu_layers=0"]' "manifest"

t "pp+tg and depth tests"
jq -c '.[1] | (.n_prompt = 512 | .samples_ts = [ .samples_ns[] | 640e9 / . ]), (.n_depth = 512)' bare-metal.json >pg.jsonl
run "$PTBENCH" import -q --format llama-bench --env pg --out results/lb-pg pg.jsonl
expect_status 0
expect_text "$(columns results/lb-pg/trials.csv prompt_id prompt_eval_count eval_count eval_duration_ns total_duration_ns eval_rate | sed -n '1p;6p')" \
"pp512+tg128,512,128,,1075361300,
tg128 @ d512,,128,1075361300,,119.0297623691684" "rows"

t "llama-bench output with averages only"
jq 'map(del(.samples_ns, .samples_ts))' bare-metal.json >avg.json
run "$PTBENCH" import --format llama-bench --env avg avg.json
expect_status 3
expect_text "$err" "ptbench: avg.json:2: pp512: no 'samples_ns': this output has only averages (avg_ns, avg_ts); import llama-bench's -o json or -o jsonl, which list every repetition" "stderr"
expect_no_file results/avg

t "samples_ts that disagree with samples_ns"
jq -c '.[] | .samples_ts[2] = 120.5' bare-metal.json >edited.jsonl
run "$PTBENCH" import --format llama-bench --env ed edited.jsonl
expect_status 3
expect_text "$err" "ptbench: edited.jsonl:1: pp512: samples_ts[2] disagrees with samples_ns[2]: 512 tokens in 71745200 ns are 7136.37 tokens/s" "stderr"
expect_no_file results/ed

t "a llama-bench run cut short"
head -n 45 bare-metal.json >cut.json
run "$PTBENCH" import --format llama-bench --env cut cut.json
expect_status 3
expect_err_has "ptbench: cut.json:45:"
expect_err_has ": not valid JSON"
expect_no_file results/cut
no_leftovers

t "llama-bench help names the format"
run "$PTBENCH" import --help
expect_out_has "ollama-verbose, llm-benchmark or llama-bench"

finish
