/* tests/unit/test_import.c - `ptbench import` parsers and run-directory
 * writer (collect/import.h): Go durations, `ollama run --verbose` statistics
 * blocks, llm-benchmark logs, and the files pt_import_run leaves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/import.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/trial.h"

#define SEC INT64_C(1000000000)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)

/* ------------------------------------------------------------ durations */

/* The first group is Go's own table, parseDurationTests in golang/go
 * src/time/time_test.go, with its expected values as written there. The
 * second group is what Ollama prints, worked out by hand from the digits. */
static const struct {
  const char *in;
  int64_t want;
} good_durations[] = {
    {"0", 0},
    {"5s", 5 * SEC},
    {"30s", 30 * SEC},
    {"1478s", 1478 * SEC},
    {"-5s", -5 * SEC},
    {"+5s", 5 * SEC},
    {"-0", 0},
    {"+0", 0},
    {"5.0s", 5 * SEC},
    {"5.6s", 5 * SEC + 600000000},
    {"5.s", 5 * SEC},
    {".5s", 500000000},
    {"1.0s", SEC},
    {"1.00s", SEC},
    {"1.004s", SEC + 4000000},
    {"1.0040s", SEC + 4000000},
    {"100.00100s", 100 * SEC + 1000000},
    {"10ns", 10},
    {"11us", 11000},
    {"12\xc2\xb5s", 12000}, /* U+00B5 */
    {"12\xce\xbcs", 12000}, /* U+03BC */
    {"13ms", 13000000},
    {"14s", 14 * SEC},
    {"15m", 15 * MIN},
    {"16h", 16 * HOUR},
    {"3h30m", 3 * HOUR + 30 * MIN},
    {"10.5s4m", 4 * MIN + 10 * SEC + 500000000},
    {"-2m3.4s", -(2 * MIN + 3 * SEC + 400000000)},
    {"1h2m3s4ms5us6ns", HOUR + 2 * MIN + 3 * SEC + 4000000 + 5000 + 6},
    {"39h9m14.425s", 39 * HOUR + 9 * MIN + 14 * SEC + 425000000},
    {"52763797000ns", INT64_C(52763797000)},
    {"0.3333333333333333333h", 20 * MIN},
    {"9007199254740993ns", (INT64_C(1) << 53) + 1},
    {"9223372036854775807ns", INT64_MAX},
    {"9223372036854775.807us", INT64_MAX},
    {"9223372036s854ms775us807ns", INT64_MAX},
    {"-9223372036854775808ns", INT64_MIN},
    {"-9223372036854775.808us", INT64_MIN},
    {"-9223372036s854ms775us808ns", INT64_MIN},
    {"-2562047h47m16.854775808s", INT64_MIN},
    {"0.100000000000000000000h", 6 * MIN},
    {"0.830103483285477580700h", 49 * MIN + 48 * SEC + 372539827},
    /* Ollama's Duration.String() output */
    {"5.043500667s", INT64_C(5043500667)},
    {"5.025959ms", 5025959},
    {"325.953ms", 325953000},
    {"4.709213s", INT64_C(4709213000)},
    {"850\xc2\xb5s", 850000},
    {"850us", 850000},
    {"850\xce\xbcs", 850000},
    {"12ns", 12},
    {"1m2.5s", 62 * SEC + 500000000},
    {"1h0m1s", HOUR + SEC},
    {"2h", 2 * HOUR},
    {"1m0.000000001s", MIN + 1},
    {"2562047h47m16.854775807s", INT64_MAX},
    {"1.5ns", 1},   /* sub-nanosecond fractions are truncated */
    {"0.9ns", 0},
    {"1h1h", 2 * HOUR}, /* Go allows a unit twice */
};

/* Go rejects all of these (parseDurationErrorTests, then more of ours). */
static const char *const bad_durations[] = {
    "", "3", "-", "s", ".", "-.", ".s", "+.s", "1d", "\x85\x85", "\xff" "ff",
    "hello \xff" "ff world", "\xef\xbf\xbd",
    "9223372036854775810ns", "9223372036854775808ns", "-9223372036854775809ns",
    "9223372036854776us", "3000000h", "9223372036854775.808us",
    "9223372036854ms775us808ns",
    "12.3.4ms", "ms", "1x", "1", "1s2", "1 s", " 1s", "1s ", "1S", "0.0", "00",
    "1..5s", "1e3s", "--1s", "+-1s", "1.5", "\xc2\xb5s", "5\xc2s",
};

static void test_duration_good(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof good_durations / sizeof good_durations[0]; i++) {
    int64_t ns = -42;
    bool ok = pt_go_duration_parse(good_durations[i].in, strlen(good_durations[i].in), &ns);
    if (!ok || ns != good_durations[i].want)
      fail_msg("\"%s\": ok %d, got %lld, want %lld", good_durations[i].in, ok, (long long)ns,
               (long long)good_durations[i].want);
  }
}

static void test_duration_bad(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof bad_durations / sizeof bad_durations[0]; i++) {
    int64_t ns = -42;
    if (pt_go_duration_parse(bad_durations[i], strlen(bad_durations[i]), &ns))
      fail_msg("\"%s\" accepted as %lld", bad_durations[i], (long long)ns);
    assert_int_equal(ns, -42);
  }
}

static void test_duration_length_bounded(void **state) {
  (void)state;
  int64_t ns = 0;
  assert_true(pt_go_duration_parse("5sXYZ", 2, &ns));
  assert_int_equal(ns, 5 * SEC);
  assert_false(pt_go_duration_parse("5sXYZ", 1, &ns));
  assert_false(pt_go_duration_parse(NULL, 0, &ns));
}

/* ------------------------------------------------------------ cleaning */

static const struct {
  const char *in, *want;
} cleans[] = {
    {"plain", "plain"},
    {"  padded \t", "padded"},
    {"\x1b[?25l\xe2\xa0\x8b \x1b[K\x1b[?25h\x1b[2K\x1b[1Gtotal duration:  1s",
     "total duration:  1s"},
    {"\x1b[38;5;245m>>> \x1b[0mhello", ">>> hello"},
    {"a\rb\r\n", "a b"},
    {"\xe2\xa0\x99\xe2\xa0\xb9\xe2\xa0\xb8\xe2\xa0\xbc\xe2\xa0\xb4\xe2\xa0\xa6\xe2\xa0\xa7"
     "\xe2\xa0\x87\xe2\xa0\x8f",
     ""},
    {"\x1b]0;title\x07x", "x"},
    {"\x1b]0;title\x1b\\x", "x"},
    {"\x1b(Bx\x1b" "7y", "xy"},
    {"bell\x07 and\x08 bs", "bell and bs"},
    {"\xe2\x80\x94 dash stays", "\xe2\x80\x94 dash stays"},
    {"cut \x1b[", "cut"},
    {"\x1b", ""},
};

static void test_clean_line(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof cleans / sizeof cleans[0]; i++) {
    size_t n = strlen(cleans[i].in);
    char *out = malloc(n + 1);
    assert_non_null(out);
    size_t got = pt_import_clean_line(cleans[i].in, n, out);
    assert_int_equal(got, strlen(out));
    if (strcmp(out, cleans[i].want))
      fail_msg("case %zu: got \"%s\", want \"%s\"", i, out, cleans[i].want);
    free(out);
  }
}

/* ------------------------------------------------------------ stats blocks */

/* The sample of OLLAMA.md (from Ollama's api.Metrics.Summary()). */
static const char ollama_md_sample[] =
    "total duration:       5.043500667s\n"
    "load duration:        5.025959ms\n"
    "prompt eval count:    26 token(s)\n"
    "prompt eval duration: 325.953ms\n"
    "prompt eval rate:     79.77 tokens/s\n"
    "eval count:           290 token(s)\n"
    "eval duration:        4.709213s\n"
    "eval rate:            61.58 tokens/s\n";

static pt_code parse(pt_import_format fmt, const char *text, pt_import_log *log,
                     pt_error *err) {
  memset(log, 0, sizeof *log);
  pt_error_clear(err);
  return pt_import_parse(fmt, text, strlen(text), "run.log", log, err);
}

static void test_ollama_md_sample(void **state) {
  (void)state;
  pt_import_log log;
  pt_error err;
  assert_int_equal(parse(PT_IMPORT_OLLAMA_VERBOSE, ollama_md_sample, &log, &err), PT_OK);
  assert_int_equal(log.n, 1);
  const pt_import_block *b = &log.blocks[0];
  assert_int_equal(b->line, 1);
  assert_null(b->model);
  assert_int_equal(b->prompt_no, 0);
  assert_int_equal(b->total_duration_ns, INT64_C(5043500667));
  assert_int_equal(b->load_duration_ns, 5025959);
  assert_int_equal(b->prompt_eval_count, 26);
  assert_int_equal(b->prompt_eval_duration_ns, 325953000);
  assert_int_equal(b->eval_count, 290);
  assert_int_equal(b->eval_duration_ns, INT64_C(4709213000));
  assert_true(b->prompt_eval_rate == 79.77);
  assert_true(b->eval_rate == 61.58);
  /* the derived rate agrees with the one Ollama printed: 290 / 4.709213 s */
  assert_true(fabs(pt_rate(b->eval_count, b->eval_duration_ns) - 61.58) < 0.005);
  assert_true(fabs(pt_rate(b->prompt_eval_count, b->prompt_eval_duration_ns) - 79.77) < 0.005);
  pt_import_log_free(&log);
  assert_int_equal(log.n, 0);
}

static void test_missing_lines(void **state) {
  (void)state;
  pt_import_log log;
  pt_error err;
  assert_int_equal(parse(PT_IMPORT_OLLAMA_VERBOSE,
                         "total duration:       2.5s\n"
                         "eval count:           100 token(s)\n"
                         "eval duration:        2s\n"
                         "eval rate:            50.00 tokens/s\n",
                         &log, &err),
                   PT_OK);
  assert_int_equal(log.n, 1);
  const pt_import_block *b = &log.blocks[0];
  assert_int_equal(b->total_duration_ns, 2500000000);
  assert_int_equal(b->load_duration_ns, PT_MISSING);
  assert_int_equal(b->prompt_eval_count, PT_MISSING);
  assert_int_equal(b->prompt_eval_duration_ns, PT_MISSING);
  assert_true(isnan(b->prompt_eval_rate));
  assert_int_equal(b->eval_count, 100);
  assert_int_equal(b->eval_duration_ns, 2 * SEC);
  assert_true(b->eval_rate == 50.0);
  pt_import_log_free(&log);
}

/* How a log splits into blocks: number of blocks, their first lines and
 * eval counts (-1 = missing), and the model of the last block. */
static const struct {
  const char *name, *text;
  size_t n;
  long lines[4];
  int64_t counts[4];
  const char *model_last;
} splits[] = {
    {"total duration starts a block",
     "total duration: 1s\neval count: 5 token(s)\ntotal duration: 2s\neval count: 6 token(s)\n",
     2, {1, 3}, {5, 6}, NULL},
    {"total duration starts a block even when new",
     "eval count: 5 token(s)\neval duration: 1s\ntotal duration: 2s\n", 2, {1, 3}, {5, -1},
     NULL},
    {"a repeated key starts a block", "eval count: 5 token(s)\neval count: 6 token(s)\n", 2,
     {1, 2}, {5, 6}, NULL},
    {"any other line ends a block",
     "eval count: 5 token(s)\nThe model says hi.\neval duration: 1s\n", 2, {1, 3}, {5, -1}, NULL},
    {"a blank line ends a block", "load duration: 1ms\n\neval count: 7 token(s)\n", 2, {1, 3},
     {-1, 7}, NULL},
    {"model text and prompts are skipped",
     "$ ollama run llama3.2 --verbose\n>>> hi\ntotal: not a key\neval counts: 3\n"
     "Eval count: 3\neval count 3\n\ntotal duration: 1s\neval count: 2 token(s)\n>>> /bye\n",
     1, {8}, {2}, "llama3.2"},
    {"any spacing after the colon, CRLF",
     "total duration:1s\r\neval count:\t9 token(s)\r\neval rate:   4.50   tokens/s  \r\n", 1, {1},
     {9}, NULL},
    {"ANSI and spinner noise",
     "\x1b[?25l\xe2\xa0\x8b \x1b[K\x1b[?25h\x1b[?25l\x1b[2K\x1b[1G\xe2\xa0\x99 \x1b[K"
     "\x1b[?25h\x1b[?25l\x1b[2K\x1b[1G\x1b[K\x1b[?25htotal duration:       1.5s\n"
     "eval count:           \x1b[1m12\x1b[0m token(s)\n"
     "\x1b[2K\xe2\xa0\xb9 eval duration:        1s\n",
     1, {1}, {12}, NULL},
    {"model_name and later ollama run lines name the model",
     "model_name =    mistral:7b\neval count: 2 token(s)\n"
     "user@host:~$ ollama run --verbose --format json phi4:14b \"Why?\"\neval count: 3 token(s)\n",
     2, {2, 4}, {2, 3}, "phi4:14b"},
    {"ollama run in the middle of text is not a command",
     "To try it, type ollama run gemma2:9b\neval count: 2 token(s)\n", 1, {2}, {2}, NULL},
    {"no final newline", "eval count: 4 token(s)", 1, {1}, {4}, NULL},
};

static void test_splits(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof splits / sizeof splits[0]; i++) {
    pt_import_log log;
    pt_error err;
    pt_code rc = parse(PT_IMPORT_OLLAMA_VERBOSE, splits[i].text, &log, &err);
    if (rc)
      fail_msg("%s: %s", splits[i].name, err.msg);
    if (log.n != splits[i].n)
      fail_msg("%s: %zu blocks, want %zu", splits[i].name, log.n, splits[i].n);
    for (size_t j = 0; j < log.n; j++) {
      if (log.blocks[j].line != splits[i].lines[j] ||
          log.blocks[j].eval_count != splits[i].counts[j])
        fail_msg("%s: block %zu at line %ld count %lld", splits[i].name, j,
                 log.blocks[j].line, (long long)log.blocks[j].eval_count);
    }
    const char *m = log.blocks[log.n - 1].model;
    if (splits[i].model_last ? !m || strcmp(m, splits[i].model_last) : m != NULL)
      fail_msg("%s: model %s", splits[i].name, m ? m : "(none)");
    pt_import_log_free(&log);
  }
}

/* Malformed statistics lines: the message and line each must give. */
static const struct {
  const char *text;
  long line;
  const char *msg;
} bad_logs[] = {
    {"eval count: 290 token(s)\neval duration:        12.3.4ms\n", 2,
     "malformed duration \"12.3.4ms\" in 'eval duration'"},
    {"total duration: -1s\n", 1, "negative duration \"-1s\" in 'total duration'"},
    {"load duration: 5\n", 1, "malformed duration \"5\" in 'load duration'"},
    {"load duration:\n", 1, "malformed duration \"\" in 'load duration'"},
    {"prompt eval duration: 1d\n", 1, "malformed duration \"1d\" in 'prompt eval duration'"},
    {"text\n\neval count: 12x\n", 3, "malformed token count \"12x\" in 'eval count'"},
    {"prompt eval count: -5 token(s)\n", 1,
     "malformed token count \"-5 token(s)\" in 'prompt eval count'"},
    {"eval count: 5 token(s) more\n", 1, "malformed token count \"5 token(s) more\" in 'eval count'"},
    {"eval count: 99999999999999999999 token(s)\n", 1, "malformed token count"},
    {"eval count: 5tokens\n", 1, "malformed token count \"5tokens\""},
    {"eval rate: fast tokens/s\n", 1, "malformed rate \"fast tokens/s\" in 'eval rate'"},
    {"eval rate: nan tokens/s\n", 1, "malformed rate \"nan tokens/s\""},
    {"prompt eval rate: 1e3 tokens/s\n", 1, "malformed rate \"1e3 tokens/s\" in 'prompt eval rate'"},
    {"eval rate: .5 tokens/s\n", 1, "malformed rate \".5 tokens/s\""},
    {"eval rate: 61.58 tokens/min\n", 1, "malformed rate \"61.58 tokens/min\""},
    {"hello\nworld\n", 0, "no 'ollama run --verbose' statistics found"},
    {"", 0, "no 'ollama run --verbose' statistics found"},
};

static void test_bad_logs(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof bad_logs / sizeof bad_logs[0]; i++) {
    pt_import_log log;
    pt_error err;
    pt_code rc = parse(PT_IMPORT_OLLAMA_VERBOSE, bad_logs[i].text, &log, &err);
    if (rc != PT_EDATA || err.line != bad_logs[i].line || strcmp(err.file, "run.log") ||
        !strstr(err.msg, bad_logs[i].msg))
      fail_msg("case %zu: code %d, %s:%ld: %s", i, rc, err.file, err.line, err.msg);
    pt_import_log_free(&log);
  }
}

/* ------------------------------------------------------------ llm-benchmark */

/* Shaped as llm_benchmark/run_benchmark.py writes it: "\nmodel_name =    M\n",
 * each prompt's stderr, then "\n" and 40 dashes; two files' worth here. */
static const char llm_log[] =
    "\nmodel_name =    mistral:7b\n"
    "\x1b[?25l\xe2\xa0\x8b \x1b[K\x1b[?25h\x1b[2K\x1b[1Gtotal duration:       9.130435501s\n"
    "load duration:        2.917834ms\n"
    "prompt eval count:    12 token(s)\n"
    "prompt eval duration: 89.126ms\n"
    "prompt eval rate:     134.64 tokens/s\n"
    "eval count:           443 token(s)\n"
    "eval duration:        8.99201s\n"
    "eval rate:            49.27 tokens/s\n"
    "\x1b[?25l\xe2\xa0\x99 \x1b[K\x1b[?25h\x1b[2K\x1b[1Gtotal duration:       6.5s\n"
    "eval count:           310 token(s)\n"
    "eval duration:        6.2s\n"
    "eval rate:            50.00 tokens/s\n"
    "\n----------------------------------------"
    "\nmodel_name = gemma2:9b\n"
    "total duration:       1s\n"
    "eval count:           30 token(s)\n"
    "\n----------------------------------------";

static void test_llm_benchmark(void **state) {
  (void)state;
  pt_import_log log;
  pt_error err;
  assert_int_equal(parse(PT_IMPORT_LLM_BENCHMARK, llm_log, &log, &err), PT_OK);
  assert_int_equal(log.n, 3);
  static const struct {
    const char *model;
    long prompt_no, line;
    int64_t total, eval_count;
  } want[] = {
      {"mistral:7b", 1, 3, INT64_C(9130435501), 443},
      {"mistral:7b", 2, 11, INT64_C(6500000000), 310},
      {"gemma2:9b", 1, 18, INT64_C(1000000000), 30},
  };
  for (size_t i = 0; i < 3; i++) {
    assert_string_equal(log.blocks[i].model, want[i].model);
    assert_int_equal(log.blocks[i].prompt_no, want[i].prompt_no);
    assert_int_equal(log.blocks[i].line, want[i].line);
    assert_int_equal(log.blocks[i].total_duration_ns, want[i].total);
    assert_int_equal(log.blocks[i].eval_count, want[i].eval_count);
  }
  assert_int_equal(log.blocks[0].eval_duration_ns, INT64_C(8992010000));
  assert_int_equal(log.blocks[0].prompt_eval_duration_ns, 89126000);
  assert_int_equal(log.blocks[0].load_duration_ns, 2917834);
  pt_import_log_free(&log);
}

/* The sample shipped in tests/data/import (its README lists the values). */
static void test_llm_benchmark_sample(void **state) {
  (void)state;
  const char *path = "tests/data/import/llm-benchmark/log_2025-01-01-120000.log";
  pt_buf b = PT_BUF_INIT;
  pt_error err;
  pt_error_clear(&err);
  assert_int_equal(pt_read_file(path, 0, &b, &err), PT_OK);
  pt_import_log log = {0};
  assert_int_equal(pt_import_parse(PT_IMPORT_LLM_BENCHMARK, b.data, b.len, path, &log, &err),
                   PT_OK);
  static const int64_t counts[] = {443, 310, 600, 196, 400};
  static const int64_t eval_ns[] = {INT64_C(8992010000), INT64_C(6200000000),
                                    INT64_C(12000000000), INT64_C(4000000000),
                                    INT64_C(8000000000)};
  assert_int_equal(log.n, 5);
  for (size_t i = 0; i < 5; i++) {
    assert_string_equal(log.blocks[i].model, "mistral:7b");
    assert_int_equal(log.blocks[i].prompt_no, (long)i + 1);
    assert_int_equal(log.blocks[i].eval_count, counts[i]);
    assert_int_equal(log.blocks[i].eval_duration_ns, eval_ns[i]);
  }
  pt_import_log_free(&log);
  pt_buf_free(&b);
}

/* ------------------------------------------------------------ shared reference */

/* PTBENCH_SHARED/testdata/ollama holds a verbose summary and the JSON reply
 * it was printed from: the parsed durations must equal the JSON's. */
static void test_shared_reference(void **state) {
  (void)state;
  const char *shared = getenv("PTBENCH_SHARED");
  char txt[1024], json[1024];
  if (!shared || snprintf(txt, sizeof txt, "%s/testdata/ollama/verbose-summary-from-"
                                          "generate-nonstream-response.txt",
                          shared) >= (int)sizeof txt)
    skip();
  snprintf(json, sizeof json, "%s/testdata/ollama/generate-nonstream-response.json", shared);
  if (access(txt, R_OK) != 0 || access(json, R_OK) != 0)
    skip();
  pt_error err;
  pt_error_clear(&err);
  pt_buf b = PT_BUF_INIT;
  assert_int_equal(pt_read_file(txt, 0, &b, &err), PT_OK);
  pt_import_log log = {0};
  assert_int_equal(pt_import_parse(PT_IMPORT_OLLAMA_VERBOSE, b.data, b.len, txt, &log, &err),
                   PT_OK);
  cJSON *j = pt_json_read_file(json, 0, &err);
  assert_non_null(j);
  assert_int_equal(log.n, 1);
  const pt_import_block *p = &log.blocks[0];
  assert_int_equal(p->total_duration_ns, pt_json_int(j, "total_duration", -2));
  assert_int_equal(p->load_duration_ns, pt_json_int(j, "load_duration", -2));
  assert_int_equal(p->prompt_eval_count, pt_json_int(j, "prompt_eval_count", -2));
  assert_int_equal(p->prompt_eval_duration_ns, pt_json_int(j, "prompt_eval_duration", -2));
  assert_int_equal(p->eval_count, pt_json_int(j, "eval_count", -2));
  assert_int_equal(p->eval_duration_ns, pt_json_int(j, "eval_duration", -2));
  cJSON_Delete(j);
  pt_import_log_free(&log);
  pt_buf_free(&b);
}

/* ------------------------------------------------------------ run directory */

typedef struct rows {
  int n;
  char model[8][32], prompt[8][16], trial[8][8], rate[8][32], env[8][16];
} rows;

static pt_code take_row(void *ctx, const pt_row *row, pt_error *err) {
  rows *r = ctx;
  (void)err;
  if (r->n < 8) {
#define TAKE(dst, col) \
  snprintf(r->dst[r->n], sizeof r->dst[0], "%.*s", (int)row->f[col].len, row->f[col].s)
    TAKE(model, PT_COL_MODEL);
    TAKE(prompt, PT_COL_PROMPT_ID);
    TAKE(trial, PT_COL_TRIAL);
    TAKE(rate, PT_COL_EVAL_RATE);
    TAKE(env, PT_COL_ENVIRONMENT);
#undef TAKE
  }
  r->n++;
  return PT_OK;
}

static pt_code read_rows(const char *path, rows *r, pt_error *err) {
  void *ctxs[1] = {r};
  pt_read_cfg cfg = {.path = path, .on_row = take_row, .ctxs = ctxs, .nctx = 1};
  return pt_trials_read_path(&cfg, NULL, err);
}

static char tmpdir[64];

static int setup_dir(void **state) {
  (void)state;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/ptbench-import-XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state) {
  (void)state;
  return pt_remove_tree(tmpdir);
}

/* ------------------------------------------------------------ llama-bench */

/* llama.cpp's documented outputs, verbatim (tests/data/import/llama-bench/
 * README.md says where each comes from). The expected samples are the
 * numbers printed there; the rates come from the same README's samples_ts. */
static void test_llama_bench_readme(void **state) {
  (void)state;
  static const struct {
    const char *path;
    size_t blocks;
    const char *model;
    long line0, line1;  /* where the two results start */
    int64_t pp0, tg0;   /* first sample of each test */
  } files[] = {
      {"tests/data/import/llama-bench/readme.json", 10, "Qwen2.5-7B-Instruct-Q4_K_M.gguf", 2, 39,
       74601900, 1075361300},
      {"tests/data/import/llama-bench/readme.jsonl", 10, "Qwen2.5-7B-Instruct-Q4_K_M.gguf", 1, 2,
       71551000, 1066331700},
      {"tests/data/import/llama-bench/readme-2023.jsonl", 10, "ggml-model-q4_0.gguf", 1, 2,
       213837238, 984472709},
  };
  for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
    pt_buf b = PT_BUF_INIT;
    pt_error err;
    pt_error_clear(&err);
    assert_int_equal(pt_read_file(files[f].path, 0, &b, &err), PT_OK);
    pt_import_log log = {0};
    if (pt_import_parse(PT_IMPORT_LLAMA_BENCH, b.data, b.len, files[f].path, &log, &err))
      fail_msg("%s: %s", files[f].path, err.msg);
    assert_int_equal(log.n, files[f].blocks);
    assert_int_equal(cJSON_GetArraySize(log.results), 2);
    for (size_t i = 0; i < log.n; i++) {
      const pt_import_block *bl = &log.blocks[i];
      bool pp = i < 5;
      assert_string_equal(bl->model, files[f].model);
      assert_string_equal(bl->prompt_id, pp ? "pp512" : "tg128");
      assert_int_equal(bl->result, pp ? 0 : 1);
      assert_int_equal(bl->line, pp ? files[f].line0 : files[f].line1);
      assert_int_equal(bl->prompt_eval_count, pp ? 512 : PT_MISSING);
      assert_int_equal(bl->eval_count, pp ? PT_MISSING : 128);
      assert_int_equal(pp ? bl->eval_duration_ns : bl->prompt_eval_duration_ns, PT_MISSING);
      assert_int_equal(bl->total_duration_ns, PT_MISSING);
    }
    assert_int_equal(log.blocks[0].prompt_eval_duration_ns, files[f].pp0);
    assert_int_equal(log.blocks[5].eval_duration_ns, files[f].tg0);
    /* the samples stay out of the kept result */
    const cJSON *r = cJSON_GetArrayItem(log.results, 1);
    assert_null(pt_json_get(r, "samples_ns"));
    assert_string_equal(pt_json_str(r, "file"), files[f].path);
    assert_int_equal(pt_json_int(r, "n_gen", 0), 128);
    pt_import_log_free(&log);
    pt_buf_free(&b);
  }
}

/* Test names as llama-bench's markdown printer makes them (llama-bench.cpp,
 * field "test"): pp, tg, pp+tg, and " @ dN" at a depth. */
static void test_llama_bench_tests(void **state) {
  (void)state;
  static const struct {
    const char *json;
    const char *id;
    int64_t prompt, gen, prompt_ns, eval_ns, total_ns;
  } cases[] = {
      {"{\"n_prompt\":512,\"n_gen\":0,\"samples_ns\":[1000000000]}", "pp512", 512, PT_MISSING,
       1000000000, PT_MISSING, PT_MISSING},
      {"{\"n_prompt\":0,\"n_gen\":128,\"n_depth\":0,\"samples_ns\":[2000000000]}", "tg128",
       PT_MISSING, 128, PT_MISSING, 2000000000, PT_MISSING},
      {"{\"n_prompt\":512,\"n_gen\":128,\"samples_ns\":[3000000000]}", "pp512+tg128", 512, 128,
       PT_MISSING, PT_MISSING, 3000000000},
      {"{\"n_prompt\":0,\"n_gen\":128,\"n_depth\":512,\"samples_ns\":[4000000000]}",
       "tg128 @ d512", PT_MISSING, 128, PT_MISSING, 4000000000, PT_MISSING},
      /* samples_ts agreeing to 6 significant digits: 128 / 3 s = 42.6667 */
      {"{\"n_prompt\":0,\"n_gen\":128,\"samples_ns\":[3000000000],\"samples_ts\":[42.6667]}",
       "tg128", PT_MISSING, 128, PT_MISSING, 3000000000, PT_MISSING},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pt_import_log log;
    pt_error err;
    if (parse(PT_IMPORT_LLAMA_BENCH, cases[i].json, &log, &err))
      fail_msg("case %zu: %s", i, err.msg);
    assert_int_equal(log.n, 1);
    const pt_import_block *b = &log.blocks[0];
    assert_string_equal(b->prompt_id, cases[i].id);
    assert_null(b->model);
    assert_int_equal(b->prompt_eval_count, cases[i].prompt);
    assert_int_equal(b->eval_count, cases[i].gen);
    assert_int_equal(b->prompt_eval_duration_ns, cases[i].prompt_ns);
    assert_int_equal(b->eval_duration_ns, cases[i].eval_ns);
    assert_int_equal(b->total_duration_ns, cases[i].total_ns);
    pt_import_log_free(&log);
  }
}

static const struct {
  const char *text;
  pt_code code;
  long line, column;
  const char *msg;
} bad_llama[] = {
    {"", PT_EDATA, 0, 0, "no llama-bench results found"},
    {"[]", PT_EDATA, 0, 0, "no llama-bench results found"},
    {"\n\n", PT_EDATA, 0, 0, "no llama-bench results found"},
    /* a run killed before the closing bracket */
    {"[\n  {\"n_prompt\": 512, \"n_gen\": 0, \"samples_ns\": [1]},\n  {\"n_prompt\": 0,",
     PT_EPARSE, 3, 17, "not valid JSON"},  /* where the input ends */
    {"{\"n_prompt\":512,\"n_gen\":0,\"samples_ns\":[1]}\n{\"n_prompt\":0 oops}\n", PT_EPARSE, 2,
     15, "not valid JSON"},
    {"[1]", PT_EDATA, 1, 0, "a llama-bench result is a JSON object"},
    {"{\"n_gen\":128,\"samples_ns\":[1]}", PT_EDATA, 1, 0,
     "llama-bench result without 'n_prompt'"},
    {"{\"n_prompt\":-1,\"n_gen\":128,\"samples_ns\":[1]}", PT_EDATA, 1, 0,
     "'n_prompt' is not a token count"},
    {"{\"n_prompt\":0,\"n_gen\":1.5,\"samples_ns\":[1]}", PT_EDATA, 1, 0,
     "'n_gen' is not a token count"},
    {"{\"n_prompt\":0,\"n_gen\":0,\"samples_ns\":[1]}", PT_EDATA, 1, 0, "a test of 0 tokens"},
    /* llama-bench's csv and md printers give averages only */
    {"{\"n_prompt\":0,\"n_gen\":128,\"avg_ns\":1,\"avg_ts\":2}", PT_EDATA, 1, 0,
     "tg128: no 'samples_ns': this output has only averages"},
    {"{\"n_prompt\":0,\"n_gen\":128,\"samples_ns\":[]}", PT_EDATA, 1, 0,
     "tg128: 'samples_ns' is not a list of durations"},
    {"{\"n_prompt\":0,\"n_gen\":128,\"samples_ns\":[5, 0]}", PT_EDATA, 1, 0,
     "tg128: samples_ns[1] is not a duration in nanoseconds above 0"},
    {"{\"n_prompt\":0,\"n_gen\":128,\"samples_ns\":[1.5]}", PT_EDATA, 1, 0,
     "samples_ns[0] is not a duration"},
    {"{\"n_prompt\":0,\"n_gen\":128,\"samples_ns\":[\"1\"]}", PT_EDATA, 1, 0,
     "samples_ns[0] is not a duration"},
    {"{\"n_prompt\":0,\"n_gen\":128,\"samples_ns\":[1e300]}", PT_EDATA, 1, 0,
     "samples_ns[0] is not a duration"},
    {"{\"n_prompt\":0,\"n_gen\":128,\"samples_ns\":[1,2],\"samples_ts\":[1]}", PT_EDATA, 1, 0,
     "tg128: 'samples_ts' does not hold one rate per sample"},
    /* 128 tokens in 1 s are 128 tokens/s, not 130 */
    {"{\"n_prompt\":0,\"n_gen\":128,\"samples_ns\":[1000000000],\"samples_ts\":[130]}", PT_EDATA,
     1, 0,
     "tg128: samples_ts[0] disagrees with samples_ns[0]: 128 tokens in 1000000000 ns are 128 "
     "tokens/s"},
    {"\n{\"n_prompt\":0,\"n_gen\":128,\"samples_ns\":[1]}\n[2]\n", PT_EDATA, 3, 0,
     "a llama-bench result is a JSON object"},
};

static void test_llama_bench_bad(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof bad_llama / sizeof bad_llama[0]; i++) {
    pt_import_log log;
    pt_error err;
    pt_code rc = parse(PT_IMPORT_LLAMA_BENCH, bad_llama[i].text, &log, &err);
    if (rc != bad_llama[i].code || err.line != bad_llama[i].line ||
        err.column != bad_llama[i].column || strcmp(err.file, "run.log") ||
        !strstr(err.msg, bad_llama[i].msg))
      fail_msg("case %zu: code %d, %s:%ld:%ld: %s", i, rc, err.file, err.line, err.column,
               err.msg);
    pt_import_log_free(&log);
  }
}

static void write_text(const char *path, const char *text) {
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  fputs(text, fp);
  assert_int_equal(fclose(fp), 0);
}

static size_t count_entries(const char *dir) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
  closedir(d);
  return n;
}

static void test_run_dir(void **state) {
  (void)state;
  char log1[128], log2[128], out[128], path[160];
  snprintf(log1, sizeof log1, "%s/a.log", tmpdir);
  snprintf(log2, sizeof log2, "%s/b.log", tmpdir);
  snprintf(out, sizeof out, "%s/results/vm", tmpdir);
  write_text(log1, ollama_md_sample);
  write_text(log2, "$ ollama run phi4:14b\neval count: 1 token(s)\neval duration: 1s\n"
                   "eval rate: 1.00 tokens/s\n\neval rate: 7.25 tokens/s\n");
  const char *files[] = {log1, log2};
  pt_import_options o = {
      .format = PT_IMPORT_OLLAMA_VERBOSE, .environment = "vm", .out_dir = out,
      .run_id = "r1", .imported_at = "2025-01-01T12:00:00.000Z", .files = files, .nfiles = 2,
  };
  pt_error err;
  pt_error_clear(&err);
  /* the first log names no model */
  assert_int_equal(pt_import_run(&o, NULL, &err), PT_EUSAGE);
  assert_string_equal(err.file, log1);
  assert_int_equal(err.line, 1);
  assert_non_null(strstr(err.msg, "--model"));
  assert_false(pt_exists(out));
  assert_int_equal(count_entries(tmpdir), 2);  /* the two logs, nothing else */

  /* --model overrides the log; trials are numbered per model */
  o.model = "llama3.2";
  size_t n = 0;
  pt_error_clear(&err);
  assert_int_equal(pt_import_run(&o, &n, &err), PT_OK);
  assert_int_equal(n, 3);
  rows r = {0};
  snprintf(path, sizeof path, "%s/trials.csv", out);
  assert_int_equal(read_rows(path, &r, &err), PT_OK);
  assert_int_equal(r.n, 3);
  static const char *const trial_no[] = {"1", "2", "3"};
  for (int i = 0; i < 3; i++) {
    assert_string_equal(r.model[i], "llama3.2");
    assert_string_equal(r.env[i], "vm");
    assert_string_equal(r.prompt[i], "");
    assert_string_equal(r.trial[i], trial_no[i]);
  }
  assert_true(fabs(strtod(r.rate[0], NULL) - 61.58) < 0.005);  /* 290 / 4.709213 s */
  assert_string_equal(r.rate[1], "");    /* count 1: no valid rate (STATS.md 8) */
  assert_string_equal(r.rate[2], "7.25");  /* only the printed rate */

  snprintf(path, sizeof path, "%s/manifest.json", out);
  cJSON *m = pt_json_read_file(path, 0, &err);
  assert_non_null(m);
  assert_string_equal(pt_json_str(m, "schema"), "ptbench.manifest/1");
  assert_string_equal(pt_json_str(m, "run_id"), "r1");
  assert_string_equal(pt_json_str(m, "environment"), "vm");
  assert_true(cJSON_IsNull(pt_json_get(m, "label")));
  assert_string_equal(pt_json_str(m, "status"), "complete");
  assert_string_equal(pt_json_str(m, "imported_at"), "2025-01-01T12:00:00.000Z");
  cJSON *src = pt_json_get(m, "source");
  assert_string_equal(pt_json_str(src, "kind"), "import");
  assert_string_equal(pt_json_str(src, "format"), "ollama-verbose");
  cJSON *fl = pt_json_get(src, "files");
  assert_int_equal(cJSON_GetArraySize(fl), 2);
  assert_string_equal(pt_json_str(cJSON_GetArrayItem(fl, 0), "path"), log1);
  assert_int_equal(pt_json_int(cJSON_GetArrayItem(fl, 0), "size", -1),
                   (long long)strlen(ollama_md_sample));
  assert_int_equal(pt_json_int(cJSON_GetArrayItem(fl, 1), "trials", -1), 2);
  cJSON *models = pt_json_get(m, "models");
  assert_int_equal(cJSON_GetArraySize(models), 1);
  assert_string_equal(pt_json_str(cJSON_GetArrayItem(models, 0), "name"), "llama3.2");
  assert_int_equal(pt_json_int(pt_json_get(m, "trials"), "ok", -1), 3);
  cJSON_Delete(m);

  /* never overwritten */
  pt_error_clear(&err);
  assert_int_equal(pt_import_run(&o, NULL, &err), PT_EUSAGE);
  assert_non_null(strstr(err.file, "trials.csv"));
  assert_non_null(strstr(err.msg, "choose another --out"));
  assert_int_equal(count_entries(out), 2);
  snprintf(path, sizeof path, "%s/results", tmpdir);
  assert_int_equal(count_entries(path), 1);  /* no temporary directory left */
}

static void test_run_dir_existing(void **state) {
  (void)state;
  char log[128], out[128], path[160];
  snprintf(log, sizeof log, "%s/c.log", tmpdir);
  snprintf(out, sizeof out, "%s/keep", tmpdir);
  write_text(log, llm_log);
  assert_int_equal(mkdir(out, 0777), 0);
  snprintf(path, sizeof path, "%s/notes.txt", out);
  write_text(path, "mine\n");
  const char *files[] = {log, log};
  pt_import_options o = {
      .format = PT_IMPORT_LLM_BENCHMARK, .environment = "bare-metal", .label = "Host",
      .out_dir = out, .run_id = "r2", .imported_at = "x", .files = files, .nfiles = 2,
  };
  pt_error err;
  pt_error_clear(&err);
  size_t n = 0;
  assert_int_equal(pt_import_run(&o, &n, &err), PT_OK);
  assert_int_equal(n, 6);
  assert_int_equal(count_entries(out), 3);  /* notes.txt kept */
  rows r = {0};
  snprintf(path, sizeof path, "%s/trials.csv", out);
  assert_int_equal(read_rows(path, &r, &err), PT_OK);
  assert_int_equal(r.n, 6);
  /* the same log twice: each (model, prompt) gets trials 1 and 2 */
  static const char *const want[6][3] = {
      {"mistral:7b", "prompt-1", "1"}, {"mistral:7b", "prompt-2", "1"},
      {"gemma2:9b", "prompt-1", "1"},  {"mistral:7b", "prompt-1", "2"},
      {"mistral:7b", "prompt-2", "2"}, {"gemma2:9b", "prompt-1", "2"},
  };
  for (int i = 0; i < 6; i++) {
    assert_string_equal(r.model[i], want[i][0]);
    assert_string_equal(r.prompt[i], want[i][1]);
    assert_string_equal(r.trial[i], want[i][2]);
  }
  snprintf(path, sizeof path, "%s/manifest.json", out);
  cJSON *m = pt_json_read_file(path, 0, &err);
  assert_non_null(m);
  assert_string_equal(pt_json_str(m, "label"), "Host");
  assert_string_equal(pt_json_str(pt_json_get(m, "source"), "format"), "llm-benchmark");
  assert_int_equal(cJSON_GetArraySize(pt_json_get(m, "models")), 2);
  cJSON_Delete(m);

  /* a malformed second log: nothing is written */
  char bad[128], out2[128];
  snprintf(bad, sizeof bad, "%s/bad.log", tmpdir);
  snprintf(out2, sizeof out2, "%s/never", tmpdir);
  write_text(bad, "model_name = m\ntotal duration: 1s\neval duration: 12.3.4ms\n");
  const char *files2[] = {log, bad};
  o.files = files2;
  o.out_dir = out2;
  pt_error_clear(&err);
  assert_int_equal(pt_import_run(&o, NULL, &err), PT_EDATA);
  assert_string_equal(err.file, bad);
  assert_int_equal(err.line, 3);
  assert_false(pt_exists(out2));

  /* an output path that is a file */
  o.files = files;
  o.out_dir = log;
  pt_error_clear(&err);
  assert_int_equal(pt_import_run(&o, NULL, &err), PT_EUSAGE);
  assert_int_equal(count_entries(tmpdir), 3);  /* c.log, keep, bad.log, nothing else */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_duration_good),
      cmocka_unit_test(test_duration_bad),
      cmocka_unit_test(test_duration_length_bounded),
      cmocka_unit_test(test_clean_line),
      cmocka_unit_test(test_ollama_md_sample),
      cmocka_unit_test(test_missing_lines),
      cmocka_unit_test(test_splits),
      cmocka_unit_test(test_bad_logs),
      cmocka_unit_test(test_llm_benchmark),
      cmocka_unit_test(test_llm_benchmark_sample),
      cmocka_unit_test(test_shared_reference),
      cmocka_unit_test(test_llama_bench_readme),
      cmocka_unit_test(test_llama_bench_tests),
      cmocka_unit_test(test_llama_bench_bad),
      cmocka_unit_test_setup_teardown(test_run_dir, setup_dir, teardown_dir),
      cmocka_unit_test_setup_teardown(test_run_dir_existing, setup_dir, teardown_dir),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
