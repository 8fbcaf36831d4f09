#!/usr/bin/env bash
# CLI tests of `ptbench analyze`: the article's table, output formats, and
# every bad input the spine issue lists (exit status, message, no output).
. "$(dirname "$0")/../lib/cli.sh"
cd "$PTBENCH_SRC"

# --- the published table, cell for cell -------------------------------
# tests/golden/article-table.md holds the article's published table
# (values and penalties as the article printed them).
t "article table"
run "$PTBENCH" analyze --format md data/article
expect_status 0
expect_out_file tests/golden/article-table.md

t "article json"
run "$PTBENCH" analyze data/article
expect_status 0
expect_out_has '"schema":	"ptbench.analysis/2"'
expect_out_has '"baseline":	"bare-metal"'
expect_out_has '"variance":	null'
# the summary's mean penalty is (1.6567 + 0.2852 + 1.1628 + 1.7131) / 4
expect_out_has '"mean_penalty_pct":	1.20'

t "-o writes the format of its extension, atomically"
run "$PTBENCH" analyze -o "$TMP/a.md" data/article
expect_status 0
if cmp -s "$TMP/a.md" tests/golden/article-table.md; then ok; else fail "a.md differs"; fi
run "$PTBENCH" analyze -o "$TMP/a.csv" data/article
expect_status 0
if head -1 "$TMP/a.csv" | grep -q '^model,environment,label,baseline,n,mean'; then ok; else fail "csv header"; fi
[ "$(wc -l <"$TMP/a.csv")" -eq 9 ] && ok || fail "csv should have 8 rows and a header"

t "stdin and labels"
run bash -c "{ cat data/article/bare-metal/trials.csv; tail -n +2 data/article/vm/trials.csv; } |
  '$PTBENCH' analyze --format md --label vm=VM --label 'bare-metal=Host' -"
expect_status 0
expect_out_has '| Model | Host | VM | Penalty (%) |'

t "baseline switch flips the sign"
run "$PTBENCH" analyze --format md --baseline vm data/article
expect_status 0
expect_out_has '| mistral:7b | 49.27 | 50.10 | -1.68% |'

t "markdown escaping"
printf 'model,environment,eval_rate\n"a|b*c_d<script>",bare-metal,10\n"a|b*c_d<script>",vm,9\n' >"$TMP/esc.csv"
run "$PTBENCH" analyze --format md "$TMP/esc.csv"
expect_status 0
expect_out_has '| a\|b\*c\_d&lt;script&gt; | 10.00 | 9.00 | 10.00% |'

t "derived rate, warm-ups and failures excluded"
cat >"$TMP/derive.csv" <<'CSV'
environment,model,eval_count,eval_duration_ns,warmup,status,extra
bare-metal,m,100,2000000000,1,ok,x
bare-metal,m,100,1000000000,0,ok,x
bare-metal,m,100,1000000000,0,error,x
bare-metal,m,1,1000000000,0,ok,x
vm,m,90,1000000000,0,ok,x
CSV
run "$PTBENCH" analyze "$TMP/derive.csv"
expect_status 0
expect_out_has '"mean":	100'
expect_out_has '"warmup":	1'
expect_out_has '"failed":	1'
expect_out_has '"invalid":	1'

t "BOM and CRLF"
printf '\xef\xbb\xbfmodel,environment,eval_rate\r\nm,bare-metal,10\r\nm,vm,9\r\n' >"$TMP/bom.csv"
run "$PTBENCH" analyze --format md "$TMP/bom.csv"
expect_status 0
expect_out_has '| m | 10.00 | 9.00 | 10.00% |'

t "a full disk on standard output is an error"
if [ -w /dev/full ]; then
  run bash -c "'$PTBENCH' analyze data/article >/dev/full"
  expect_status 1
  expect_err_has "error writing to standard output: No space left on device"
fi

t "help lists the exit statuses"
run "$PTBENCH" analyze --help
expect_status 0
expect_out_has '3    invalid input data'

# --- bad input: status, message, and no output file --------------------
# bad NAME STATUS MESSAGE CONTENT: writes CONTENT to NAME, runs analyze -o.
bad() {
  local name=$1 want=$2 msg=$3 content=$4
  t "bad input: $name"
  printf '%b' "$content" >"$TMP/$name"
  run "$PTBENCH" analyze -o "$TMP/out-$name.json" "$TMP/$name"
  expect_status "$want"
  expect_err_has "$msg"
  expect_no_file "$TMP/out-$name.json"
}
bad empty.csv 3 "empty.csv: empty file" ''
bad header-only.csv 3 "header-only.csv: no trials: a header but no rows" 'model,environment,eval_rate\n'
bad no-model.csv 3 "no-model.csv:1: required column 'model' is missing" 'environment,eval_rate\nvm,1\n'
bad no-metric.csv 3 "no-metric.csv:1: no 'eval_rate' column" 'model,environment\nm,vm\n'
bad dup.csv 3 "dup.csv:1:3: duplicate column name 'model'" 'model,environment,model,eval_rate\nm,vm,m,1\n'
bad text.csv 3 "text.csv:3:3: 'eval_rate' is not a number: \"12x\"" 'model,environment,eval_rate\nm,vm,1\nm,vm,12x\n'
bad negative.csv 3 "negative.csv:2:3: 'eval_rate' is negative: \"-5\"" 'model,environment,eval_rate\nm,vm,-5\n'
bad nan.csv 3 "nan.csv:2:3: 'eval_rate' is not a finite number: \"nan\"" 'model,environment,eval_rate\nm,vm,nan\n'
bad inf.csv 3 "inf.csv:2:3: 'eval_rate' is not a finite number: \"inf\"" 'model,environment,eval_rate\nm,vm,inf\n'
bad ragged.csv 3 "ragged.csv:3: row has 2 fields, the header has 3" 'model,environment,eval_rate\nm,vm,1\nm,vm\n'
bad quote.csv 3 "quote.csv:3: unterminated quoted field" 'model,environment,eval_rate\nm,vm,1\n"m,vm,2\n'
bad count.csv 3 "count.csv:2:3: 'eval_count' is not a whole number: \"1.5\"" 'model,environment,eval_count,eval_duration_ns\nm,vm,1.5,100\n'

t "a path that does not exist"
run "$PTBENCH" analyze -o "$TMP/o.json" "$TMP/nope"
expect_status 2
expect_err_has "nope: no such file or directory"
expect_no_file "$TMP/o.json"

t "a leftover temporary directory of a killed run is not input"
mkdir -p "$TMP/runs/vm.tmp-AbC123" "$TMP/runs/bm"
cp data/article/vm/trials.csv "$TMP/runs/vm.tmp-AbC123/"
cp data/article/bare-metal/trials.csv "$TMP/runs/bm/"
run "$PTBENCH" analyze --format md "$TMP/runs"
expect_status 0
expect_out_has '| Model | bare-metal |'
case "$out" in *"| vm"*|*49.27*) fail "the .tmp- directory was read" ;; *) ok ;; esac

t "a directory holding no trials.csv"
mkdir -p "$TMP/emptydir/sub"
run "$PTBENCH" analyze -o "$TMP/o.json" "$TMP/emptydir"
expect_status 3
expect_err_has "emptydir: no trials.csv in this directory or below"
expect_no_file "$TMP/o.json"

t "unknown metric"
run "$PTBENCH" analyze --metric tokens data/article
expect_status 2
expect_err_has "unknown metric 'tokens'"

t "unknown format"
run "$PTBENCH" analyze --format xml data/article
expect_status 2
expect_err_has "unknown format 'xml'"

t "baseline not in the data"
run "$PTBENCH" analyze -o "$TMP/o.json" --baseline cloud data/article
expect_status 2
expect_err_has "baseline 'cloud' is not an environment of the data (found 'bare-metal', 'vm')"
expect_no_file "$TMP/o.json"

t "unknown option"
run "$PTBENCH" analyze --frobnicate data/article
expect_status 2
expect_err_has "unknown option '--frobnicate'"

t "no input"
run "$PTBENCH" analyze
expect_status 2
expect_err_has "no INPUT given"

finish
