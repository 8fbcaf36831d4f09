/* tests/unit/test_trial.c - the trial schema, its CSV reader and writer
 * (core/trial.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fs.h"
#include "core/trial.h"

/* ------------------------------------------------------------------ helpers */

typedef struct collected {
  int rows;
  char models[8][32];
  char rates[8][32];
  long lines[8];
  int warnings;
  long warn_line;
  char warn_msg[256], warn_file[64];
  pt_read_info info;
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

static void collect_warning(void *ctx, const pt_error *w) {
  collected *c = ctx;
  c->warnings++;
  c->warn_line = w->line;
  snprintf(c->warn_msg, sizeof c->warn_msg, "%s", w->msg);
  snprintf(c->warn_file, sizeof c->warn_file, "%s", w->file);
  assert_int_equal(w->code, PT_OK);
}

static pt_code read_mem(const char *text, size_t len, collected *c, bool libcsv_only,
                        pt_error *err) {
  FILE *fp = fmemopen((void *)text, len, "rb");
  assert_non_null(fp);
  memset(c, 0, sizeof *c);
  pt_error_clear(err);
  void *ctxs[1] = {c};
  pt_read_cfg cfg = {.path = "t.csv", .on_row = collect_row, .ctxs = ctxs, .nctx = 1,
                     .on_warning = collect_warning, .warn_ctx = c, .libcsv_only = libcsv_only};
  pt_code rc = pt_trials_read(fp, &cfg, &c->info, err);
  fclose(fp);
  return rc;
}

static pt_code read_str(const char *text, collected *c, pt_error *err) {
  return read_mem(text, strlen(text), c, false, err);
}

static char *temp_path(const char *tag) {
  char *path = malloc(64);
  assert_non_null(path);
  snprintf(path, 64, "/tmp/ptbench-%s-XXXXXX", tag);
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  return path;
}

static void write_text(const char *path, const char *text) {
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
  assert_int_equal(fclose(fp), 0);
}

static char *slurp(const char *path) {
  pt_buf b = PT_BUF_INIT;
  pt_error err;
  assert_int_equal(pt_read_file(path, 0, &b, &err), PT_OK);
  return pt_buf_detach(&b, NULL);
}

/* ------------------------------------------------------------------ reader */

/* Good input: rows, models and the line each row starts on. Each is read
 * with the fast path and with libcsv alone, with the same result. */
static const struct {
  const char *name, *text;
  int rows;
  const char *model0, *rate0, *model_last;
  long line_last;
  size_t repeats;
} good[] = {
    {"plain", "model,environment,eval_rate\nm1,vm,1.5\nm2,vm,2\n", 2, "m1", "1.5", "m2", 3, 0},
    {"any order, extra columns", "x,eval_rate,environment,y,model\n1,7,vm,2,m\n", 1, "m", "7", "m", 2, 0},
    {"BOM and CRLF", "\xEF\xBB\xBFmodel,environment,eval_rate\r\nm,vm,3\r\n", 1, "m", "3", "m", 2, 0},
    /* a BOM before a quoted name (Excel's "CSV UTF-8") was a libcsv strict error */
    {"BOM and quoted header", "\xEF\xBB\xBF\"model\",\"environment\",\"eval_rate\"\r\nm,vm,3\r\n", 1,
     "m", "3", "m", 2, 0},
    {"quoted comma and newline", "model,environment,eval_rate\n\"a,\nb\",vm,1\nc,vm,2\n", 2, "a,\nb",
     "1", "c", 4, 0},
    {"blank lines skipped", "model,environment,eval_rate\n\nm,vm,1\n\n\nn,vm,2\n", 2, "m", "1", "n", 6, 0},
    {"lines of blanks skipped", "model,environment,eval_rate\n \t\r\nm,vm,1\n  \nn,vm,2\n", 2, "m",
     "1", "n", 5, 0},
    {"blanks trimmed", "model,environment,eval_rate\n m\t, vm ,\t2 \n", 1, "m", "2", "m", 2, 0},
    {"no final newline, whole row", "model,environment\nm,vm", 1, "m", "", "m", 2, 0},
    {"ends in CR", "model,environment\r\nm,vm\r", 1, "m", "", "m", 2, 0},
    {"header only", "model,environment,eval_rate\n", 0, NULL, NULL, NULL, 0, 0},
    {"header only, no newline", "model,environment,eval_rate", 0, NULL, NULL, NULL, 0, 0},
    {"escaped quotes", "model,environment\n\"a \"\"q\"\"\",vm\n", 1, "a \"q\"", "", "a \"q\"", 2, 0},
    /* issue 12: cat a/trials.csv b/trials.csv | ptbench analyze - */
    {"repeated header skipped", "model,environment,eval_rate\nm,vm,1\nmodel,environment,eval_rate\nn,vm,2\n",
     2, "m", "1", "n", 4, 1},
    {"repeated header, CRLF and BOM", "model,environment,eval_rate\r\nm,vm,1\r\n"
     "\xEF\xBB\xBFmodel,environment,eval_rate\r\nn,vm,2\r\n", 2, "m", "1", "n", 4, 1},
    {"repeated quoted header", "model,environment,eval_rate\nm,vm,1\n\"model\",environment,\"eval_rate\"\n",
     1, "m", "1", "m", 2, 1},
    {"a row that only starts like the header", "model,environment\nmodel,vm\n", 1, "model", "",
     "model", 2, 0},
    {"bare CR ends a row", "model,environment\rm,vm\rn,vm\n", 2, "m", "", "n", 1, 0},
};

static void test_reader_good(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    for (int libcsv_only = 0; libcsv_only < 2; libcsv_only++) {
      collected c;
      pt_error err;
      pt_code rc = read_mem(good[i].text, strlen(good[i].text), &c, libcsv_only, &err);
      if (rc)
        fail_msg("%s: %s", good[i].name, err.msg);
      if (c.rows != good[i].rows)
        fail_msg("%s (libcsv only %d): %d rows", good[i].name, libcsv_only, c.rows);
      assert_int_equal(c.info.rows, (size_t)good[i].rows);
      assert_int_equal(c.info.header_repeats, good[i].repeats);
      assert_int_equal(c.warnings, 0);
      assert_int_equal(c.info.torn_line, 0);
      assert_int_equal(c.info.whole_bytes, strlen(good[i].text));
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
    /* a last row with too many fields cannot come from a write cut short */
    {"ragged long, no newline", "model,environment\nm,vm,1", PT_EDATA, 2, 0, "row has 3 fields"},
    {"ragged short, not last", "model,environment,eval_rate\nm,vm\nn,vm,1", PT_EDATA, 2, 0,
     "row has 2 fields"},
    {"unterminated", "model,environment\nm,vm\n\"m,vm\n", PT_EDATA, 3, 0, "unterminated quoted field"},
    {"stray quote", "model,environment\nm\"x,vm\n", PT_EDATA, 2, 0, "malformed CSV"},
    /* QA finding (two trials.csv with different headers piped together):
     * a row that begins with a column name is named a second header */
    {"header with other columns inside", "model,environment\nm,vm\nmodel,environment,x\n", PT_EDATA,
     3, 0, "a second header row, unlike the first (line 1): 3 columns here, 2 there; files with "
     "different columns were joined"},
    {"header of fewer columns inside", "model,environment,eval_rate\nm,vm,1\nmodel,environment\n",
     PT_EDATA, 3, 0, "a second header row, unlike the first (line 1): 2 columns here, 3 there"},
    /* a row of another length whose first field is no column name stays a ragged row */
    {"ragged, not a header", "model,environment\nm,vm\nmodelx,environment,x\n", PT_EDATA, 3, 0,
     "row has 3 fields, the header has 2"},
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

/* Issue 13 item 2: a last row the file ends inside (no line end; too few
 * fields or an open quote) is left out with one warning naming its line;
 * whole_bytes is where it starts, so a writer can cut it off. */
static const struct {
  const char *name, *text;
  int rows;
  long torn_line;      /* 0: none */
  size_t whole_bytes;  /* with a torn row: bytes before it */
  bool open_end;
} torn[] = {
    {"cut in a middle field", "model,environment,eval_rate\r\nm,vm,1\r\nn,v", 1, 3, 37, false},
    /* every field there (the last one empty): whole, used */
    {"cut after the last comma", "model,environment,eval_rate\r\nm,vm,1\r\nn,vm,", 2, 0, 0, true},
    {"cut in the first field", "model,environment,eval_rate\nm,vm,1\n2026112", 1, 3, 35, false},
    {"cut inside quotes", "model,environment,eval_rate\nm,vm,1\n\"n,v", 1, 3, 35, false},
    {"cut inside quotes, a line later", "model,environment,error\nm,vm,\nn,vm,\"line one\nline t", 1,
     3, 30, false},
    {"only data row torn", "model,environment,eval_rate\nm,v", 0, 2, 28, false},
    {"whole last row, no line end", "model,environment,eval_rate\nm,vm,1\nn,vm,2", 2, 0, 0, true},
};

static void test_reader_torn(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof torn / sizeof torn[0]; i++)
    for (int libcsv_only = 0; libcsv_only < 2; libcsv_only++) {
      collected c;
      pt_error err;
      size_t len = strlen(torn[i].text);
      pt_code rc = read_mem(torn[i].text, len, &c, libcsv_only, &err);
      if (rc)
        fail_msg("%s: %s", torn[i].name, err.msg);
      if (c.rows != torn[i].rows || c.info.torn_line != torn[i].torn_line)
        fail_msg("%s: %d rows, torn line %ld", torn[i].name, c.rows, c.info.torn_line);
      assert_int_equal(c.warnings, torn[i].torn_line ? 1 : 0);
      assert_int_equal(c.info.open_end, torn[i].open_end);
      if (torn[i].torn_line) {
        assert_int_equal(c.warn_line, torn[i].torn_line);
        assert_string_equal(c.warn_file, "t.csv");
        assert_non_null(strstr(c.warn_msg, "last row is incomplete"));
        assert_int_equal(c.info.whole_bytes, torn[i].whole_bytes);
      } else {
        assert_int_equal(c.info.whole_bytes, len);
      }
    }
}

/* Issue 13 item 5: the duplicate check is a hash lookup. 200,000 columns
 * with a duplicate as the last: found, at its column. (The timing is in
 * bench/linear.sh, not here.) */
static void test_wide_header(void **state) {
  (void)state;
  pt_buf b = PT_BUF_INIT;
  assert_int_equal(pt_buf_puts(&b, "model,environment"), PT_OK);
  for (int i = 0; i < 200000; i++)
    assert_int_equal(pt_buf_printf(&b, ",c%d", i), PT_OK);
  size_t wide = b.len;
  assert_int_equal(pt_buf_puts(&b, ",c123456\n"), PT_OK);
  collected c;
  pt_error err;
  assert_int_equal(read_mem(b.data, b.len, &c, false, &err), PT_EDATA);
  assert_int_equal(err.column, 200003);
  assert_non_null(strstr(err.msg, "duplicate column name 'c123456'"));
  /* without the duplicate, and a row: read */
  b.len = wide;
  assert_int_equal(pt_buf_puts(&b, "\nm,vm"), PT_OK);
  for (int i = 0; i < 200000; i++)
    assert_int_equal(pt_buf_puts(&b, ",1"), PT_OK);
  assert_int_equal(pt_buf_putc(&b, '\n'), PT_OK);
  assert_int_equal(read_mem(b.data, b.len, &c, false, &err), PT_OK);
  assert_int_equal(c.rows, 1);
  pt_buf_free(&b);
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
    {"1e-308", PT_EDATA, PT_OK, 0, 1e-308, true},  /* subnormal: finite, as strtod reads it */
    {"4.9e-324", PT_EDATA, PT_OK, 0, 4.9e-324, true},
    {"1e-400", PT_EDATA, PT_EDATA, 0, 0, false},   /* underflows to 0: not what was written */
    {"99999999999999999999", PT_EDATA, PT_OK, 0, 1e20, true},
    {" 5", PT_OK, PT_OK, 5, 5, true},  /* libcsv trims unquoted blanks */
    {"\" 5\"", PT_EDATA, PT_EDATA, 0, 0, false},  /* a quoted blank: strtod would skip it */
    {"0x10", PT_EDATA, PT_EDATA, 0, 0, false}, /* strtod would read hexadecimal */
    {"1e3", PT_EDATA, PT_OK, 0, 1000, true},
    {"+7", PT_OK, PT_OK, 7, 7, true},              /* as strtoll and strtod read it */
    {"000000000000000012", PT_OK, PT_OK, 12, 12, true},
    {"1234567890123456789", PT_OK, PT_OK, 1234567890123456789, 1234567890123456789.0, true},
    {"9223372036854775808", PT_EDATA, PT_OK, 0, 9223372036854775808.0, true}, /* INT64_MAX + 1 */
    {"0X1p3", PT_EDATA, PT_EDATA, 0, 0, false},    /* a hexadecimal float */
    {"-0x1p3", PT_EDATA, PT_EDATA, 0, 0, false},
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
    void *ctxs[1] = {&v};
    pt_read_cfg cfg = {.path = "t.csv", .on_row = typed_row, .ctxs = ctxs, .nctx = 1};
    assert_int_equal(pt_trials_read(fp, &cfg, NULL, &err), PT_OK);
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

/* pt_row_to_trial by column type: a bad value names its column. */
static pt_code to_trial(void *ctx, const pt_row *row, pt_error *err) {
  pt_trial *t = ctx;
  pt_trial_free_strings(t); /* keep the last row */
  return pt_row_to_trial(row, t, err);
}

static const struct {
  const char *name, *text, *msg;
  long column;
} bad_values[] = {
    {"seq", "model,environment,seq\nm,vm,1.5\n", "'seq' is not a whole number", 3},
    {"trial", "model,environment,trial\nm,vm,-1\n", "'trial' is negative", 3},
    {"warmup", "model,environment,warmup\nm,vm,2\n", "'warmup' is not 0 or 1", 3},
    {"status", "model,environment,status\nm,vm,fine\n", "'status' is not one of ok, error", 3},
    {"gpu_temp_c", "gpu_temp_c,model,environment\nhot,m,vm\n", "'gpu_temp_c' is not a number", 1},
    {"gpu_power_w", "model,environment,gpu_power_w\nm,vm,inf\n", "'gpu_power_w' is not a finite", 3},
};

static void test_row_to_trial_bad(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
    FILE *fp = fmemopen((void *)bad_values[i].text, strlen(bad_values[i].text), "rb");
    pt_trial t;
    pt_trial_init(&t);
    pt_error err;
    pt_error_clear(&err);
    void *ctxs[1] = {&t};
    pt_read_cfg cfg = {.path = "t.csv", .on_row = to_trial, .ctxs = ctxs, .nctx = 1};
    pt_code rc = pt_trials_read(fp, &cfg, NULL, &err);
    fclose(fp);
    if (rc != PT_EDATA || !strstr(err.msg, bad_values[i].msg) || err.line != 2 ||
        err.column != bad_values[i].column)
      fail_msg("%s: %d %ld:%ld %s", bad_values[i].name, rc, err.line, err.column, err.msg);
    assert_string_equal(err.field, bad_values[i].name);
    pt_trial_free_strings(&t);
  }
}

/* ------------------------------------------------------------------ schema */

/* The column table is the struct: every column's offset and type say where
 * and how pt_row_to_trial stores it (read back through the field's name). */
static void test_schema_table(void **state) {
  (void)state;
  assert_int_equal(PT_COL_COUNT, 28);
  assert_string_equal(pt_column_name(PT_COL_RUN_ID), "run_id");
  assert_string_equal(pt_column_name(PT_COL_SEQ), "seq");
  assert_string_equal(pt_column_name(PT_COL_ERROR), "error");
  assert_int_equal(pt_column_get(PT_COL_SEQ)->offset, offsetof(pt_trial, seq));
  assert_int_equal(pt_column_get(PT_COL_SEQ)->type, PT_CT_ORDINAL);
  assert_int_equal(pt_column_get(PT_COL_GPU_BUSY_PCT)->offset, offsetof(pt_trial, gpu_busy_pct));
  assert_int_equal(pt_column_get(PT_COL_GPU_BUSY_PCT)->type, PT_CT_DOUBLE);
  assert_int_equal(pt_column_get(PT_COL_STATUS)->type, PT_CT_STATUS);
  for (int c = 0; c < PT_COL_COUNT; c++) {
    const char *name = pt_column_name((pt_column)c);
    assert_int_equal(pt_column_find(name, strlen(name)), c);
  }
  assert_int_equal(pt_column_find("eval_rat", 8), -1);
  assert_int_equal(pt_column_find("", 0), -1);
  /* version 1 is the 23 columns ptbench wrote before seq and gpu_* */
  int v1 = 0;
  for (int c = 0; c < PT_COL_COUNT; c++)
    v1 += pt_column_get((pt_column)c)->since == 1;
  assert_int_equal(v1, 23);
}

/* The README's trials.csv table lists exactly the schema's columns, in its
 * order (the docs cannot drift from core/trial.h). */
static void test_readme_columns(void **state) {
  (void)state;
  char *readme = slurp("README.md");
  const char *sec = strstr(readme, "\n### trials.csv\n");
  assert_non_null(sec);
  const char *table = strstr(sec, "\n| column | meaning |\n|---|---|\n");
  assert_non_null(table);
  const char *p = strchr(table + 1, '\n') + 1;
  p = strchr(p, '\n') + 1;
  int next = 0;
  while (!strncmp(p, "| ", 2)) {
    const char *cell_end = strstr(p + 2, " |");
    assert_non_null(cell_end);
    for (const char *q = p + 2; q < cell_end;) {
      const char *a = memchr(q, '`', (size_t)(cell_end - q));
      if (!a)
        break;
      const char *b = memchr(a + 1, '`', (size_t)(cell_end - a - 1));
      assert_non_null(b);
      if (next >= PT_COL_COUNT)
        fail_msg("README lists '%.*s' beyond the schema's columns", (int)(b - a - 1), a + 1);
      const char *want = pt_column_name((pt_column)next);
      if (strlen(want) != (size_t)(b - a - 1) || memcmp(want, a + 1, (size_t)(b - a - 1)))
        fail_msg("README lists '%.*s' where the schema has '%s'", (int)(b - a - 1), a + 1, want);
      next++;
      q = b + 1;
    }
    p = strchr(p, '\n') + 1;
  }
  assert_int_equal(next, PT_COL_COUNT);
  free(readme);
}

/* ------------------------------------------------------------------ writer */

static pt_trial sample_trial(void) {
  pt_trial t;
  pt_trial_init(&t);
  t.run_id = "r1";
  t.seq = 7;
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
  t.gpu_clock_mhz = 2520;
  t.gpu_temp_c = 61.5;
  t.gpu_busy_pct = 99.25;
  t.error = "line one\nline two";
  return t;
}

static void read_back(const char *path, pt_trial *back, collected *info) {
  pt_trial_init(back);
  pt_error err;
  pt_error_clear(&err);
  void *ctxs[1] = {back};
  memset(info, 0, sizeof *info);
  pt_read_cfg cfg = {.path = path, .on_row = to_trial, .ctxs = ctxs, .nctx = 1,
                     .on_warning = collect_warning, .warn_ctx = info};
  pt_code rc = pt_trials_read_path(&cfg, &info->info, &err);
  if (rc)
    fail_msg("%s", err.msg);
}

static void test_writer_round_trip(void **state) {
  (void)state;
  char *path = temp_path("trial");
  unlink(path);
  pt_error err;
  pt_error_clear(&err);
  pt_trial t = sample_trial();
  for (int i = 0; i < 2; i++) {
    pt_trial_writer *w = pt_trial_writer_open(path, &err);
    assert_non_null(w);
    assert_int_equal(pt_trial_write(w, &t, &err), PT_OK);
    assert_int_equal(pt_trial_writer_close(w, &err), PT_OK);
  }
  /* header once, in the schema's order; two rows */
  char *text = slurp(path);
  pt_buf h = PT_BUF_INIT;
  assert_int_equal(pt_trial_format_header(&h), PT_OK);
  assert_int_equal(strncmp(text, h.data, h.len), 0);
  assert_null(strstr(text + h.len, "run_id,"));
  assert_string_equal(h.data,
                      "run_id,seq,environment,started_at,model,model_digest,prompt_id,trial,"
                      "warmup,status,done_reason,prompt_eval_count,prompt_eval_duration_ns,"
                      "eval_count,eval_duration_ns,load_duration_ns,total_duration_ns,ttft_ns,"
                      "wall_ns,eval_rate,prompt_eval_rate,size_bytes,size_vram_bytes,"
                      "gpu_clock_mhz,gpu_temp_c,gpu_power_w,gpu_busy_pct,error\r\n");
  /* a row as RFC 4180 writes it: quotes doubled, missing values empty */
  assert_non_null(strstr(text, "\r\nr1,7,vm,2026-11-23T10:00:00.123Z,\"odd, \"\"model\"\"\",abc,"
                               "p1,3,1,error,stop,,,290,4709213000,,,,,61.5814"));
  assert_non_null(strstr(text, ",,,2520,61.5,,99.25,\"line one\nline two\"\r\n"));
  pt_buf_free(&h);
  free(text);

  pt_trial back;
  collected c;
  read_back(path, &back, &c);
  assert_int_equal(c.info.rows, 2);
  assert_string_equal(back.model, t.model);
  assert_string_equal(back.error, t.error);
  assert_string_equal(back.run_id, "r1");
  assert_int_equal(back.seq, 7);
  assert_int_equal(back.trial, 3);
  assert_true(back.warmup);
  assert_int_equal(back.status, PT_STATUS_ERROR);
  assert_int_equal(back.eval_count, 290);
  assert_int_equal(back.prompt_eval_count, PT_MISSING);
  assert_true(back.eval_rate == t.eval_rate); /* shortest round-trip format */
  assert_true(isnan(back.prompt_eval_rate));
  assert_true(back.gpu_clock_mhz == 2520 && back.gpu_temp_c == 61.5 && back.gpu_busy_pct == 99.25);
  assert_true(isnan(back.gpu_power_w));
  pt_trial_free_strings(&back);
  assert_null(back.model);
  unlink(path);
  free(path);
}

/* Appending: which existing files are ptbench's (and in which column order
 * rows go), which are refused. */
#define V1_HEADER                                                                              \
  "run_id,environment,started_at,model,model_digest,prompt_id,trial,warmup,status,"            \
  "done_reason,prompt_eval_count,prompt_eval_duration_ns,eval_count,eval_duration_ns,"         \
  "load_duration_ns,total_duration_ns,ttft_ns,wall_ns,eval_rate,prompt_eval_rate,size_bytes,"  \
  "size_vram_bytes,error\r\n"
#define V1_ROW "r0,vm,2026-01-01T00:00:00.000Z,m,d,p1,1,0,ok,stop,,,20,500000000,,,,,40,,,,\r\n"

static const struct {
  const char *name, *before;  /* file content before opening; NULL = no file */
  pt_code open_rc;
  const char *msg;            /* words of the refusal */
  size_t keep;                /* bytes of `before` kept (the rest is a torn row) */
  const char *row_starts;     /* what the appended row starts with */
} appends[] = {
    {"new file", NULL, PT_OK, NULL, 0, "r1,7,vm,"},
    {"empty file (the disk filled before the header)", "", PT_OK, NULL, 0, "r1,7,vm,"},
    {"version 1 header: rows in its order", V1_HEADER V1_ROW, PT_OK, NULL, SIZE_MAX, "r1,vm,"},
    {"version 1, torn last row cut off", V1_HEADER V1_ROW "r0,vm,2026-01-01T00:0", PT_OK, NULL,
     sizeof V1_HEADER V1_ROW - 1, "r1,vm,"},
    {"version 1, whole last row without line end", V1_HEADER "r0,vm,,m,,,,0,ok,,,,,,,,,,,,,,", PT_OK,
     NULL, SIZE_MAX, "\r\nr1,vm,"},
    {"not ptbench's", "a,b\n1,2\n", PT_EDATA, "not a ptbench trials file", SIZE_MAX, NULL},
    {"unknown column", "model,environment,extra\n", PT_EDATA, "not a ptbench trials file",
     SIZE_MAX, NULL},
    {"a subset of the columns", "model,environment,eval_rate\n", PT_EDATA,
     "not a ptbench trials file", SIZE_MAX, NULL},
    {"version 1 columns, another order", "environment,run_id,started_at,model,model_digest,"
     "prompt_id,trial,warmup,status,done_reason,prompt_eval_count,prompt_eval_duration_ns,"
     "eval_count,eval_duration_ns,load_duration_ns,total_duration_ns,ttft_ns,wall_ns,eval_rate,"
     "prompt_eval_rate,size_bytes,size_vram_bytes,error\r\n", PT_EDATA, "not a ptbench trials file",
     SIZE_MAX, NULL},
    {"a malformed row", V1_HEADER "r0,vm\r\n" V1_ROW, PT_EDATA, "refusing to append to it: row has 2",
     SIZE_MAX, NULL},
};

static void test_writer_append(void **state) {
  (void)state;
  pt_trial t = sample_trial();
  t.warmup = false;
  t.status = PT_STATUS_OK;
  for (size_t i = 0; i < sizeof appends / sizeof appends[0]; i++) {
    char *path = temp_path("append");
    if (appends[i].before)
      write_text(path, appends[i].before);
    else
      unlink(path);
    pt_error err;
    pt_error_clear(&err);
    pt_trial_writer *w = pt_trial_writer_open(path, &err);
    if ((w ? PT_OK : err.code) != appends[i].open_rc)
      fail_msg("%s: open gave %d: %s", appends[i].name, w ? 0 : err.code, err.msg);
    char *after;
    if (!w) {
      if (!strstr(err.msg, appends[i].msg))
        fail_msg("%s: message '%s' lacks '%s'", appends[i].name, err.msg, appends[i].msg);
      after = slurp(path);
      assert_string_equal(after, appends[i].before);  /* untouched */
      free(after);
      unlink(path);
      free(path);
      continue;
    }
    assert_int_equal(pt_trial_write(w, &t, &err), PT_OK);
    assert_int_equal(pt_trial_writer_close(w, &err), PT_OK);
    after = slurp(path);
    size_t keep = appends[i].before ? strlen(appends[i].before) : 0;
    if (appends[i].keep != SIZE_MAX)
      keep = appends[i].keep;
    if (appends[i].before && keep)
      assert_int_equal(memcmp(after, appends[i].before, keep), 0);
    const char *row = after + keep;
    if (!keep) {  /* a new file: our header first */
      pt_buf h = PT_BUF_INIT;
      assert_int_equal(pt_trial_format_header(&h), PT_OK);
      assert_int_equal(strncmp(after, h.data, h.len), 0);
      row = after + h.len;
      pt_buf_free(&h);
    }
    if (strncmp(row, appends[i].row_starts, strlen(appends[i].row_starts)))
      fail_msg("%s: row '%.40s' does not start with '%s'", appends[i].name, row,
               appends[i].row_starts);
    /* and the file reads, whole, with the new row last */
    pt_trial back;
    collected c;
    read_back(path, &back, &c);
    assert_int_equal(c.warnings, 0);
    assert_false(c.info.open_end);
    assert_string_equal(back.run_id, "r1");
    assert_int_equal(back.eval_count, 290);
    pt_trial_free_strings(&back);
    free(after);
    unlink(path);
    free(path);
  }
}

/* Issue 13 item 9: never through a symbolic link; the link's target is left
 * as it was. */
static void test_writer_refuses_links(void **state) {
  (void)state;
  char *target = temp_path("target");
  write_text(target, V1_HEADER V1_ROW);
  char link_path[80];
  snprintf(link_path, sizeof link_path, "%s.link", target);
  assert_int_equal(symlink(target, link_path), 0);
  pt_error err;
  pt_error_clear(&err);
  assert_null(pt_trial_writer_open(link_path, &err));
  assert_int_equal(err.code, PT_EUNSAFE);
  assert_string_equal(err.file, link_path);
  assert_non_null(strstr(err.msg, "symbolic link"));
  char *after = slurp(target);
  assert_string_equal(after, V1_HEADER V1_ROW);
  free(after);
  /* a dangling link is not followed to create its target either */
  unlink(target);
  pt_error_clear(&err);
  assert_null(pt_trial_writer_open(link_path, &err));
  assert_int_equal(err.code, PT_EUNSAFE);
  assert_false(pt_exists(target));
  unlink(link_path);
  /* nor is anything but a regular file appended to */
  char dir[] = "/tmp/ptbench-dir-XXXXXX";
  assert_non_null(mkdtemp(dir));
  pt_error_clear(&err);
  assert_null(pt_trial_writer_open(dir, &err));
  rmdir(dir);
  free(target);
}

/* Issue 13 item 2: a write that fails part way (here the file size limit,
 * RLIMIT_FSIZE, which fails a write() past it with EFBIG after writing what
 * fits, as a full disk does with ENOSPC) leaves the file cut back to its
 * last whole row, and says so; the next write, with room, goes on. The
 * collect test does the same with a full tmpfs. */
static void test_writer_failed_write(void **state) {
  (void)state;
  char *path = temp_path("full");
  unlink(path);
  pt_error err;
  pt_error_clear(&err);
  pt_trial t = sample_trial();
  pt_trial_writer *w = pt_trial_writer_open(path, &err);
  assert_non_null(w);
  assert_int_equal(pt_trial_write(w, &t, &err), PT_OK);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  off_t whole = st.st_size;

  struct rlimit old, lim;
  assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
  void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
  lim = old;
  lim.rlim_cur = (rlim_t)whole + 40;  /* room for part of a row only */
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
  pt_code rc = pt_trial_write(w, &t, &err);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
  signal(SIGXFSZ, prev);

  assert_int_equal(rc, PT_EIO);
  assert_string_equal(err.file, path);
  assert_non_null(strstr(err.msg, strerror(EFBIG)));
  assert_non_null(strstr(err.msg, "cut back to its last whole row"));
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_size, whole);
  /* the writer goes on when there is room again */
  assert_int_equal(pt_trial_write(w, &t, &err), PT_OK);
  assert_int_equal(pt_trial_writer_close(w, &err), PT_OK);
  pt_trial back;
  collected c;
  read_back(path, &back, &c);
  assert_int_equal(c.info.rows, 2);
  assert_int_equal(c.warnings, 0);
  pt_trial_free_strings(&back);
  unlink(path);
  free(path);
}

/* The parallel reader: a file big enough for two chunks, with a quoted
 * field of 100,001 lines across the middle, where the cut must not fall; a
 * ragged row in the second chunk reports its true line; a torn last row in
 * the last chunk is a warning. */
static pt_code count_row(void *ctx, const pt_row *row, pt_error *err) {
  (void)row;
  (void)err;
  ++*(long *)ctx;
  return PT_OK;
}

static pt_code read_parallel(const char *path, long counts[2], collected *c, pt_error *err) {
  counts[0] = counts[1] = 0;
  memset(c, 0, sizeof *c);
  void *ctxs[2] = {&counts[0], &counts[1]};
  pt_error_clear(err);
  pt_read_cfg cfg = {.path = path, .on_row = count_row, .ctxs = ctxs, .nctx = 2,
                     .on_warning = collect_warning, .warn_ctx = c};
  return pt_trials_read_path(&cfg, &c->info, err);
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
  for (int i = 0; i < 699999; i++)                       /* 800003 .. 1500001 */
    fputs("m,vm,1\n", fp);
  fputs("model,environment,eval_rate\n", fp);           /* 1500002: a repeated header */
  assert_int_equal(fflush(fp), 0);
  long counts[2];
  collected c;
  pt_error err;
  pt_code rc = read_parallel(path, counts, &c, &err);
  if (rc)
    fail_msg("%s", err.msg);
  assert_int_equal(c.info.workers, 2);
  assert_int_equal(counts[0] + counts[1], 1400000);
  assert_int_equal(c.info.rows, 1400000);
  assert_int_equal(c.info.header_repeats, 1);
  assert_true(counts[0] > 0 && counts[1] > 0);

  fputs("m,v", fp);                                      /* 1500003: torn */
  assert_int_equal(fflush(fp), 0);
  rc = read_parallel(path, counts, &c, &err);
  assert_int_equal(rc, PT_OK);
  assert_int_equal(c.info.rows, 1400000);
  assert_int_equal(c.info.torn_line, 1500003);
  assert_int_equal(c.warnings, 1);
  assert_int_equal(c.warn_line, 1500003);
  assert_string_equal(c.warn_file, path);
  assert_int_equal(c.info.whole_bytes, (uint64_t)ftell(fp) - 3);

  fputs("1\n", fp);                                      /* 1500003: "m,v1", ragged */
  fclose(fp);
  rc = read_parallel(path, counts, &c, &err);
  unlink(path);
  assert_int_equal(rc, PT_EDATA);
  assert_int_equal(err.line, 1500003);
  assert_non_null(strstr(err.msg, "row has 2 fields"));
}

/* STATS.md 8: no rate for fewer than 2 tokens or a zero duration. OLLAMA.md's
 * sample prints 290 tokens in 4.709213 s as 61.58 tokens/s; 61.581415 is
 * 290 / 4.709213 worked out by Python. */
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
      cmocka_unit_test(test_reader_torn),
      cmocka_unit_test(test_wide_header),
      cmocka_unit_test(test_typed_fields),
      cmocka_unit_test(test_row_to_trial_bad),
      cmocka_unit_test(test_schema_table),
      cmocka_unit_test(test_readme_columns),
      cmocka_unit_test(test_writer_round_trip),
      cmocka_unit_test(test_writer_append),
      cmocka_unit_test(test_writer_refuses_links),
      cmocka_unit_test(test_writer_failed_write),
      cmocka_unit_test(test_rate),
      cmocka_unit_test(test_parallel_lines),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
