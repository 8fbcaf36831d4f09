#!/usr/bin/env bash
# CLI tests of bounded inputs (issue 13 items 7, 8 and 10): every hostile
# input is generated here and must end at once with the documented exit
# status (README "Exit status") and a message naming the place. Plans:
# aliases that expand past 8 MiB, 100,000 levels of nesting, a NUL in a
# string, a file past 1 MiB. Templates: the output cap and the step limit.
# JSON: data after the document. Then llm-benchmark's own plan files
# collected as they are from the fake server.
. "$(dirname "$0")/../lib/cli.sh"
. "$(dirname "$0")/../lib/fake.sh"
SRC=$PTBENCH_SRC
cd "$TMP"

# col NAME FILE: the column NAME of a CSV file without quoted commas
col() {
  awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
                        { sub(/\r$/, ""); print $c }' "$2"
}

# --- plans: exit 3 at the place, before any server is asked ----------------
t "a 400 KB prompt aliased 90,000 times"
python3 - <<'EOF'
with open("alias.yml", "w") as f:
    f.write('prompts:\n  - &p "' + "x" * 400000 + '"\n' + "  - *p\n" * 90000)
EOF
run "$PTBENCH" collect --env vm --host http://127.0.0.1:9 --plan alias.yml --out r-alias
expect_status 3
# 10 + 400,001 * (1 + k) passes 8,388,608 at the 20th alias, line 22 (test_plan.c)
[ "$err" = "ptbench: alias.yml:22:5: the plan expands to more than 8388608 bytes through its aliases (each *alias repeats what its &anchor holds; see docs/collect.md)" ] &&
  ok || fail "stderr: $err"
expect_no_file r-alias

t "100,000 levels of nesting"
python3 -c 'open("deep.yml", "w").write("models: " + "[" * 100000 + "x" + "]" * 100000 + "\n")'
run "$PTBENCH" collect --env vm --host http://127.0.0.1:9 --plan deep.yml --out r-deep
expect_status 3
[ "$err" = "ptbench: deep.yml:1:72: lists and mappings nested more than 64 deep" ] && ok ||
  fail "stderr: $err"

t "a NUL in a string is not cut short"
printf 'models:\n  - "mis\\0tral"\n' >nul.yml
run "$PTBENCH" collect --env vm --host http://127.0.0.1:9 --plan nul.yml --out r-nul
expect_status 3
[ "$err" = 'ptbench: nul.yml:2:5: a NUL character (\0) in a string: strings may not hold one' ] &&
  ok || fail "stderr: $err"
printf -- '- id: a\n  text: "x\\u0000y"\n' >prompts.yml
run "$PTBENCH" collect --env vm --host http://127.0.0.1:9 -m a --prompts prompts.yml --out r-nul
expect_status 3
expect_err_has "prompts.yml:2:9: a NUL character"

t "a plan past 1 MiB"
python3 -c 'open("huge.yml", "w").write("models:\n" + "  - m\n" * 200000)'
run "$PTBENCH" collect --env vm --host http://127.0.0.1:9 --plan huge.yml --out r-huge
expect_status 1
[ "$err" = "ptbench: huge.yml: file is larger than 1048576 bytes" ] && ok || fail "stderr: $err"

t "a plan of 100,000 models (under 1 MiB), one listed twice"
# the place of the repeat is worked out as the file is written
col=$(python3 - <<'EOF'
names = ["m%d" % i for i in range(100000)]
names[99999] = "m5"
head = "models: [" + ",".join(names[:99999]) + ","
open("many.yml", "w").write(head + names[99999] + "]\n")
print(len(head) + 1)
EOF
)
run "$PTBENCH" collect --env vm --host http://127.0.0.1:9 --plan many.yml --out r-many
expect_status 3
[ "$err" = "ptbench: many.yml:1:$col: model 'm5' is listed twice" ] && ok || fail "stderr: $err"

# --- templates ---------------------------------------------------------------------
t "template: output capped at 256 MiB, as render's"
python3 -c 'import json; json.dump({"s": "x" * (1 << 20), "l": list(range(300))}, open("big.json", "w"))'
printf '# big\n\n{{#l}}{{{s}}}{{/l}}\n' >big.mustache
ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=0" run "$PTBENCH" template big.mustache big.json
expect_status 1
[ "$err" = "ptbench: big.mustache:3:7: output larger than 268435456 bytes" ] && ok ||
  fail "stderr: $err"
[ ! -s "$TMP/stdout" ] && ok || fail "output written: $(wc -c <"$TMP/stdout") bytes"

t "template: the step limit is invalid data (exit 3)"
python3 -c 'import json; json.dump({"l": list(range(100))}, open("l.json", "w"))'
printf '{{#l}}{{#l}}{{#l}}{{#l}}x{{/l}}{{/l}}{{/l}}{{/l}}' >t.mustache
run "$PTBENCH" template t.mustache l.json
expect_status 3
[ "$err" = "ptbench: t.mustache:1:19: rendering takes more than 16777216 steps: sections loop inside each other too often" ] &&
  ok || fail "stderr: $err"
[ ! -s "$TMP/stdout" ] && ok || fail "output written"

t "render: the step limit is exit 3 too, and the previous report stays"
run "$PTBENCH" analyze -o analysis.json "$SRC/data/article"
expect_status 0
run "$PTBENCH" render --formats none --out report analysis.json
expect_status 0
before=$(cat report/README.md)
mkdir -p tpl
printf '{{#models}}{{#models}}{{#models}}{{#models}}{{#models}}{{#models}}{{#models}}{{#models}}{{#models}}{{#models}}{{#models}}{{#models}}x{{/models}}{{/models}}{{/models}}{{/models}}{{/models}}{{/models}}{{/models}}{{/models}}{{/models}}{{/models}}{{/models}}{{/models}}' >tpl/loop.md.mustache
run "$PTBENCH" render --formats none --templates tpl --template loop.md --out report analysis.json
expect_status 3
expect_err_has "tpl/loop.md.mustache:1:"
expect_err_has ": rendering takes more than 16777216 steps"
[ "$(cat report/README.md)" = "$before" ] && ok || fail "report changed"

# --- JSON with data after the document --------------------------------------
t "render: trailing garbage after analysis.json"
cp analysis.json tail.json
printf 'garbage\n' >>tail.json
size=$(stat -c %s analysis.json)
lines=$(wc -l <analysis.json)
run "$PTBENCH" render --formats none --out r-tail tail.json
expect_status 3
[ "$err" = "ptbench: tail.json:$((lines + 1)):1: not valid JSON: unexpected data after the document, at byte offset $size" ] &&
  ok || fail "stderr: $err"
expect_no_file r-tail

t "render: two documents, and a NUL after one"
printf '{"a": 1}\n{"b": 2}\n' >two.json
run "$PTBENCH" render --formats none --out r-two two.json
expect_status 3
expect_err_has "two.json:2:1: not valid JSON: unexpected data after the document, at byte offset 9"
printf '{"a": 1}\0' >nul.json
run "$PTBENCH" template t.mustache nul.json
expect_status 3
expect_err_has "nul.json:1:9: not valid JSON: unexpected data after the document, at byte offset 8"

t "whitespace after the document is fine"
printf '\r\n\t \n' >>analysis.json
run "$PTBENCH" render --formats none --out r-ws analysis.json
expect_status 0

# --- llm-benchmark's plans as they are (tests/data/llm-benchmark/README.md) --
t "llm-benchmark's custom benchmark file"
start_fake --model 'deepseek-r1:1.5b:60' --model 'qwen:0.5b:90' --log "$TMP/log" || exit 1
run "$PTBENCH" collect --quiet --env vm --host "$FAKE_URL" \
  --plan "$SRC/tests/data/llm-benchmark/custombenchmarkmodels.yml" -n 1 --warmup 0 \
  --num-predict 8 --out custom
expect_status 0
[ "$(col model custom/trials.csv | uniq | tr '\n' ' ')" = "deepseek-r1:1.5b qwen:0.5b " ] &&
  ok || fail "models: $(cat custom/trials.csv)"
[ "$(jq -r .plan.version custom/manifest.json)" = 2.0.custom ] && ok || fail "plan version"
stop_fake

t "llm-benchmark's prompt entries: prompt, keywords, no id"
models=$(sed -n 's/^  - model: //p' "$SRC/tests/data/llm-benchmark/instruct-prompts.yml")
args=()
for m in $models; do args+=(--model "$m:50"); done
start_fake "${args[@]}" --log "$TMP/log" || exit 1
run "$PTBENCH" collect --quiet --env vm --host "$FAKE_URL" \
  --plan "$SRC/tests/data/llm-benchmark/instruct-prompts.yml" -n 1 --warmup 0 \
  --num-predict 8 --out instruct
expect_status 0
[ "$(jq -r '.plan.prompts[].id' instruct/manifest.json | tr '\n' ' ')" = "p1 p2 p3 p4 p5 " ] &&
  ok || fail "prompt ids: $(jq -c .plan.prompts instruct/manifest.json)"
[ "$(jq -r '.plan.prompts[4].text' instruct/manifest.json)" = "I'd like to book a flight for 4 to Seattle in U.S." ] &&
  ok || fail "prompt text"
grep -q '"prompt":"Develop a python function that solves the following problem, sudoku game"' \
  "$TMP/log" && ok || fail "prompt not sent as written"
[ "$(sed 1d instruct/trials.csv | wc -l)" = 35 ] && ok || fail "7 models x 5 prompts"
stop_fake

finish
