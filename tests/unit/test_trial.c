/* tests/unit/test_trial.c - the trials CSV reader and writer (core/trial.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/trial.h"

typedef struct collected {
  int rows;
  char models[8][32];
  char rates[8][32];
  long lines[8];
} collected;

static pt_code collect_row(void *ctx, const pt_row *row, pt_error *err) {
  collected *c = ctx;
  (void)err;
  if (c->rows < 8) {
    snprintf(c->models[c->rows], 32, "%.*s", (int)row->f[PT_COL_MODEL].len, row->f[PT_COL_MODEL].s);
    if (row->present[PT_COL_EVAL_RATE])
      snprintf(c->rates[c->rows], 32, "%.*s", (int)row->f[PT_COL_EVAL_RATE].len,
               row->f[PT_COL_EVAL_RATE].s);
    c->lines[c->rows] = row->line;
  }
  c->rows++;
  return PT_OK;
}

static pt_code read_str(const char *text, collected *c, pt_error *err) {
  FILE *fp = fmemopen((void *)text, strlen(text), "rb");
  assert_non_null(fp);
  memset(c, 0, sizeof *c);
  pt_error_clear(err);
  pt_code rc = pt_trials_read(fp, "t.csv", NULL, collect_row, c, err);
  fclose(fp);
  return rc;
}

/* Good input: rows, models and the line each row starts on. */
static const struct {
  const char *name, *text;
  int rows;
  const char *model0, *rate0, *model_last;
  long line_last;
} good[] = {
    {"plain", "model,environment,eval_rate\nm1,vm,1.5\nm2,vm,2\n", 2, "m1", "1.5", "m2", 3},
    {"any order, extra columns", "x,eval_rate,environment,y,model\n1,7,vm,2,m\n", 1, "m", "7", "m", 2},
    {"BOM and CRLF", "\xEF\xBB\xBFmodel,environment,eval_rate\r\nm,vm,3\r\n", 1, "m", "3", "m", 2},
    /* a BOM before a quoted name (Excel's "CSV UTF-8") was a libcsv strict error */
    {"BOM and quoted header", "\xEF\xBB\xBF\"model\",\"environment\",\"eval_rate\"\r\nm,vm,3\r\n", 1,
     "m", "3", "m", 2},
    {"quoted comma and newline", "model,environment,eval_rate\n\"a,\nb\",vm,1\nc,vm,2\n", 2, "a,\nb",
     "1", "c", 4},
    {"blank lines skipped", "model,environment,eval_rate\n\nm,vm,1\n\n\nn,vm,2\n", 2, "m", "1", "n", 6},
    {"no final newline", "model,environment\nm,vm", 1, "m", "", "m", 2},
    {"header only", "model,environment,eval_rate\n", 0, NULL, NULL, NULL, 0},
    {"escaped quotes", "model,environment\n\"a \"\"q\"\"\",vm\n", 1, "a \"q\"", "", "a \"q\"", 2},
};

static void test_reader_good(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    collected c;
    pt_error err;
    pt_code rc = read_str(good[i].text, &c, &err);
    if (rc)
      fail_msg("%s: %s", good[i].name, err.msg);
    assert_int_equal(c.rows, good[i].rows);
    if (!good[i].rows)
      continue;
    assert_string_equal(c.models[0], good[i].model0);
    assert_string_equal(c.rates[0], good[i].rate0);
    assert_string_equal(c.models[c.rows - 1], good[i].model_last);
    assert_int_equal(c.lines[c.rows - 1], good[i].line_last);
  }
}

/* Bad input: the code, line, column and words of the error. */
static const struct {
  const char *name, *text;
  pt_code code;
  long line, column;
  const char *msg;
} bad[] = {
    {"empty", "", PT_EDATA, 0, 0, "empty file"},
    {"blank only", "\n\r\n", PT_EDATA, 0, 0, "empty file"},
    {"no model", "environment,eval_rate\nvm,1\n", PT_EDATA, 1, 0, "'model' is missing"},
    {"no environment", "model,eval_rate\nm,1\n", PT_EDATA, 1, 0, "'environment' is missing"},
    {"duplicate", "model,environment,eval_rate,model\n", PT_EDATA, 1, 4, "duplicate column name 'model'"},
    {"duplicate unknown", "model,environment,x,x\n", PT_EDATA, 1, 4, "duplicate column name 'x'"},
    {"empty name", "model,,environment\n", PT_EDATA, 1, 2, "empty column name"},
    {"ragged short", "model,environment,eval_rate\nm,vm,1\nm,vm\n", PT_EDATA, 3, 0, "row has 2 fields"},
    {"ragged long", "model,environment\nm,vm,1\n", PT_EDATA, 2, 0, "row has 3 fields, the header has 2"},
    {"unterminated", "model,environment\nm,vm\n\"m,vm\n", PT_EDATA, 3, 0, "unterminated quoted field"},
    {"stray quote", "model,environment\nm\"x,vm\n", PT_EDATA, 2, 0, "malformed CSV"},
};

static void test_reader_bad(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    collected c;
    pt_error err;
    pt_code rc = read_str(bad[i].text, &c, &err);
    if (rc != bad[i].code)
      fail_msg("%s: code %d, expected %d (%s)", bad[i].name, rc, bad[i].code, err.msg);
    if (err.line != bad[i].line || err.column != bad[i].column)
      fail_msg("%s: at %ld:%ld, expected %ld:%ld", bad[i].name, err.line, err.column,
               bad[i].line, bad[i].column);
    if (!strstr(err.msg, bad[i].msg))
      fail_msg("%s: message '%s' lacks '%s'", bad[i].name, err.msg, bad[i].msg);
    assert_string_equal(err.file, "t.csv");
  }
}

/* Typed field access: a row with one value column, checked as int/double. */
typedef struct one_value {
  pt_code rc_int, rc_double;
  int64_t i;
  double d;
  bool present;
  char msg[256];
} one_value;

static pt_code typed_row(void *ctx, const pt_row *row, pt_error *err) {
  one_value *v = ctx;
  bool p;
  v->rc_int = pt_row_int(row, PT_COL_EVAL_COUNT, &v->i, &p, err);
  v->rc_double = pt_row_double(row, PT_COL_EVAL_COUNT, &v->d, &v->present, err);
  snprintf(v->msg, sizeof v->msg, "%s", err->msg);
  return PT_OK;
}

static const struct {
  const char *field;
  pt_code rc_int, rc_double;
  int64_t i;
  double d;
  bool present;
} typed[] = {
    {"12", PT_OK, PT_OK, 12, 12.0, true},
    {"", PT_OK, PT_OK, 0, 0, false},
    {"1.5", PT_EDATA, PT_OK, 0, 1.5, true},
    {"12x", PT_EDATA, PT_EDATA, 0, 0, false},
    {"-3", PT_EDATA, PT_EDATA, 0, 0, false},
    {"nan", PT_EDATA, PT_EDATA, 0, 0, false},
    {"inf", PT_EDATA, PT_EDATA, 0, 0, false},
    {"1e999", PT_EDATA, PT_EDATA, 0, 0, false},
    {"99999999999999999999", PT_EDATA, PT_OK, 0, 1e20, true},
    {" 5", PT_OK, PT_OK, 5, 5, true},  /* libcsv trims unquoted blanks */
    {"\" 5\"", PT_EDATA, PT_EDATA, 0, 0, false},  /* a quoted blank: strtod would skip it */
    {"0x10", PT_EDATA, PT_EDATA, 0, 0, false}, /* strtod would read hexadecimal */
    {"1e3", PT_EDATA, PT_OK, 0, 1000, true},
};

static void test_typed_fields(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++) {
    char text[128];
    snprintf(text, sizeof text, "model,environment,eval_count\nm,vm,%s\n", typed[i].field);
    FILE *fp = fmemopen(text, strlen(text), "rb");
    one_value v = {0};
    pt_error err;
    pt_error_clear(&err);
    assert_int_equal(pt_trials_read(fp, "t.csv", NULL, typed_row, &v, &err), PT_OK);
    fclose(fp);
    if (v.rc_int != typed[i].rc_int || v.rc_double != typed[i].rc_double)
      fail_msg("'%s': int %d double %d", typed[i].field, v.rc_int, v.rc_double);
    if (typed[i].rc_int == PT_OK && typed[i].present)
      assert_int_equal(v.i, typed[i].i);
    if (typed[i].rc_double == PT_OK) {
      assert_int_equal(v.present, typed[i].present);
      if (typed[i].present)
        assert_true(v.d == typed[i].d);
    }
  }
}

/* The writer: header once, quoting, round trip through the reader. */
static pt_code to_trial(void *ctx, const pt_row *row, pt_error *err) {
  pt_trial *t = ctx;
  pt_trial_free_strings(t); /* keep the last row */
  return pt_row_to_trial(row, t, err);
}

static void test_writer_round_trip(void **state) {
  (void)state;
  char path[] = "/tmp/ptbench-trial-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  unlink(path);
  pt_error err;
  pt_error_clear(&err);
  pt_trial t;
  pt_trial_init(&t);
  t.run_id = "r1";
  t.environment = "vm";
  t.started_at = "2026-11-23T10:00:00.123Z";
  t.model = "odd, \"model\"";
  t.model_digest = "abc";
  t.prompt_id = "p1";
  t.trial = 3;
  t.warmup = true;
  t.status = PT_STATUS_ERROR;
  t.done_reason = "stop";
  t.eval_count = 290;
  t.eval_duration_ns = 4709213000;
  t.eval_rate = pt_rate(t.eval_count, t.eval_duration_ns);
  t.error = "line one\nline two";
  for (int i = 0; i < 2; i++) {
    pt_trial_writer *w = pt_trial_writer_open(path, &err);
    assert_non_null(w);
    assert_int_equal(pt_trial_write(w, &t, &err), PT_OK);
    assert_int_equal(pt_trial_writer_close(w, &err), PT_OK);
  }
  /* header once, two rows */
  FILE *fp = fopen(path, "rb");
  char line[1024];
  int headers = 0;
  while (fgets(line, sizeof line, fp))
    headers += !strncmp(line, "run_id,environment,", 19);
  fclose(fp);
  assert_int_equal(headers, 1);

  pt_trial back;
  pt_trial_init(&back);
  fp = fopen(path, "rb");
  assert_int_equal(pt_trials_read(fp, path, NULL, to_trial, &back, &err), PT_OK);
  fclose(fp);
  assert_string_equal(back.model, t.model);
  assert_string_equal(back.error, t.error);
  assert_int_equal(back.trial, 3);
  assert_true(back.warmup);
  assert_int_equal(back.status, PT_STATUS_ERROR);
  assert_int_equal(back.eval_count, 290);
  assert_int_equal(back.prompt_eval_count, PT_MISSING);
  assert_true(back.eval_rate == t.eval_rate); /* shortest round-trip format */
  assert_true(isnan(back.prompt_eval_rate));
  pt_trial_free_strings(&back);

  /* a file that is not ours is never appended to */
  fp = fopen(path, "wb");
  fputs("a,b\n1,2\n", fp);
  fclose(fp);
  assert_null(pt_trial_writer_open(path, &err));
  assert_int_equal(err.code, PT_EDATA);
  unlink(path);
}

/* STATS.md 8: no rate for fewer than 2 tokens or a zero duration. OLLAMA.md's
 * sample prints 290 tokens in 4.709213 s as 61.58 tokens/s; 61.581415 is
 * 290 / 4.709213 worked out by Python. */
/* The parallel reader: a file big enough for two chunks, with a quoted
 * field of 100,001 lines across the middle, where the cut must not fall; a
 * ragged row in the second chunk reports its true line. */
static pt_code count_row(void *ctx, const pt_row *row, pt_error *err) {
  (void)row;
  (void)err;
  ++*(long *)ctx;
  return PT_OK;
}

static void test_parallel_lines(void **state) {
  (void)state;
  char path[] = "/tmp/ptbench-parallel-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *fp = fdopen(fd, "wb");
  assert_non_null(fp);
  fputs("model,environment,eval_rate\n", fp);           /* line 1 */
  for (int i = 0; i < 700000; i++)                       /* 2 .. 700001 */
    fputs("m,vm,1\n", fp);
  fputs("x,vm,\"", fp);                                  /* 700002 .. 800002 */
  for (int i = 0; i < 100000; i++)
    fputs("a\n", fp);
  fputs("\"\n", fp);
  for (int i = 0; i < 700000; i++)                       /* 800003 .. 1500002 */
    fputs("m,vm,1\n", fp);
  assert_int_equal(fflush(fp), 0);
  long counts[2] = {0, 0};
  void *ctxs[2] = {&counts[0], &counts[1]};
  size_t used = 0;
  pt_error err;
  pt_error_clear(&err);
  pt_code rc = pt_trials_read_path_parallel(path, NULL, NULL, count_row, ctxs, 2, &used, &err);
  if (rc)
    fail_msg("%s", err.msg);
  assert_int_equal(used, 2);
  assert_int_equal(counts[0] + counts[1], 1400001);
  fputs("m,vm\n", fp);                                   /* 1500003: ragged */
  fclose(fp);
  pt_error_clear(&err);
  counts[0] = counts[1] = 0;
  rc = pt_trials_read_path_parallel(path, NULL, NULL, count_row, ctxs, 2, &used, &err);
  unlink(path);
  assert_int_equal(rc, PT_EDATA);
  assert_int_equal(err.line, 1500003);
  assert_non_null(strstr(err.msg, "row has 2 fields"));
}

static void test_rate(void **state) {
  (void)state;
  assert_true(fabs(pt_rate(290, 4709213000) - 61.581415) < 1e-6);
  assert_true(isnan(pt_rate(1, 1000)));
  assert_true(isnan(pt_rate(10, 0)));
  assert_true(isnan(pt_rate(PT_MISSING, 100)));
  assert_true(isnan(pt_rate(10, PT_MISSING)));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reader_good),
      cmocka_unit_test(test_reader_bad),
      cmocka_unit_test(test_typed_fields),
      cmocka_unit_test(test_writer_round_trip),
      cmocka_unit_test(test_rate),
      cmocka_unit_test(test_parallel_lines),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
