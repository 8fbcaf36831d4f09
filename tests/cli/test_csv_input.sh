#!/usr/bin/env bash
# tests/cli/test_csv_input.sh - trials CSV as `analyze` reads it: files
# concatenated with their headers (issue 12), a last row cut short (issue 13
# item 2), files of the previous column set, a wide header (issue 13 item
# 5). Outputs are compared whole, against the same data read another way.
. "$(dirname "$0")/../lib/cli.sh"
cd "$PTBENCH_SRC"

# The article's two runs, without their manifests (standard input has none,
# so labels would differ otherwise).
mkdir -p "$TMP/a" "$TMP/b"
cp data/article/bare-metal/trials.csv "$TMP/a/trials.csv"
cp data/article/vm/trials.csv "$TMP/b/trials.csv"
"$PTBENCH" analyze --format md "$TMP/a/trials.csv" "$TMP/b/trials.csv" >"$TMP/two-files.md"

# ---------------------------------------------------------------- issue 12
t "cat a/trials.csv b/trials.csv | ptbench analyze -"
run bash -c "cat '$TMP/a/trials.csv' '$TMP/b/trials.csv' | '$PTBENCH' analyze --format md -"
expect_status 0
expect_out_file "$TMP/two-files.md"

t "the same, CRLF and a byte order mark on the second file"
{ sed 's/$/\r/' "$TMP/a/trials.csv"; printf '\xef\xbb\xbf'; sed 's/$/\r/' "$TMP/b/trials.csv"; } \
  >"$TMP/cat-crlf.csv"
run "$PTBENCH" analyze --format md "$TMP/cat-crlf.csv"
expect_status 0
expect_out_file "$TMP/two-files.md"

t "a header with other columns inside is still an error"
{ cat "$TMP/a/trials.csv"; echo "model,environment,eval_rate,x"; } >"$TMP/other-header.csv"
run "$PTBENCH" analyze "$TMP/other-header.csv"
expect_status 3
expect_err_has "other-header.csv:6: a second header row, unlike the first (line 1): 4 columns here, 3 there"

# ---------------------------------------------------------------- torn rows
# A run interrupted mid-write: the last row has no line end and too few
# fields. Before, analyze refused the whole file ("row has 1 field").
t "a torn last row: a warning naming file and line, the whole rows used"
{ cat "$TMP/a/trials.csv" "$TMP/b/trials.csv" | head -n -1; printf 'deepseek-r1:14b,v'; } \
  >"$TMP/torn.csv"
{ cat "$TMP/a/trials.csv" "$TMP/b/trials.csv" | head -n -1; } >"$TMP/whole.csv"
"$PTBENCH" analyze --format csv "$TMP/whole.csv" >"$TMP/whole.out"
run "$PTBENCH" analyze --format csv "$TMP/torn.csv"
expect_status 0
expect_out_file "$TMP/whole.out"
run "$PTBENCH" analyze "$TMP/torn.csv"
expect_status 0
expect_out_has '"code":	"incomplete-row"'
expect_out_has "\"message\":	\"$TMP/torn.csv:10: the last row is incomplete (the file ends inside it, with no line end: a write cut short?); it is left out and the rows before it are used\""

t "a whole last row without its line end is used"
printf 'model,environment,eval_rate\nm,bare-metal,10\nm,vm,9' >"$TMP/open-end.csv"
run "$PTBENCH" analyze --format md "$TMP/open-end.csv"
expect_status 0
expect_out_has '| m | 10.00 | 9.00 | 10.00% |'

# ---------------------------------------------------------------- old files
t "a file of the previous column set (no seq, no gpu_*) reads"
cat >"$TMP/v1.csv" <<'CSV'
run_id,environment,started_at,model,model_digest,prompt_id,trial,warmup,status,done_reason,prompt_eval_count,prompt_eval_duration_ns,eval_count,eval_duration_ns,load_duration_ns,total_duration_ns,ttft_ns,wall_ns,eval_rate,prompt_eval_rate,size_bytes,size_vram_bytes,error
r1,bare-metal,2026-01-01T00:00:00.000Z,m,d,p1,1,0,ok,stop,,,20,500000000,,,,,40,,,,
r2,vm,2026-01-01T01:00:00.000Z,m,d,p1,1,0,ok,stop,,,20,1000000000,,,,,20,,,,
CSV
run "$PTBENCH" analyze --format md "$TMP/v1.csv"
expect_status 0
expect_out_has '| m | 40.00 | 20.00 | 50.00% |'

# ---------------------------------------------------------------- wide header
t "50,000 columns, a duplicate last: its column named"
awk 'BEGIN { printf "model,environment,eval_rate"; for (i = 4; i <= 50000; i++) printf ",c%d", i;
             print ",c777" }' >"$TMP/wide.csv"
run "$PTBENCH" analyze "$TMP/wide.csv"
expect_status 3
expect_err_has "wide.csv:1:50001: duplicate column name 'c777'"

finish
