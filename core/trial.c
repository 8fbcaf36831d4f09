/* core/trial.c - trial schema, CSV reader and writer (libcsv). */
#include "core/trial.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"

static const char *const column_names[PT_COL_COUNT] = {
#define PT_X(id, name) name,
    PT_COLUMN_MAP(PT_X)
#undef PT_X
};

static const char *const status_names[] = {"ok", "error", "timeout", "interrupted"};

const char *pt_column_name(pt_column c) {
  return (unsigned)c < PT_COL_COUNT ? column_names[c] : "?";
}

int pt_column_find(const char *name, size_t len) {
  for (int i = 0; i < PT_COL_COUNT; i++)
    if (strlen(column_names[i]) == len && !memcmp(column_names[i], name, len))
      return i;
  return -1;
}

const char *pt_status_name(pt_status s) {
  return (unsigned)s < sizeof status_names / sizeof status_names[0] ? status_names[s] : "?";
}

bool pt_status_parse(const char *s, size_t len, pt_status *out) {
  for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++)
    if (strlen(status_names[i]) == len && !memcmp(status_names[i], s, len)) {
      *out = (pt_status)i;
      return true;
    }
  return false;
}

void pt_trial_init(pt_trial *t) {
  memset(t, 0, sizeof *t);
  t->status = PT_STATUS_OK;
  t->prompt_eval_count = t->prompt_eval_duration_ns = PT_MISSING;
  t->eval_count = t->eval_duration_ns = PT_MISSING;
  t->load_duration_ns = t->total_duration_ns = PT_MISSING;
  t->ttft_ns = t->wall_ns = PT_MISSING;
  t->size_bytes = t->size_vram_bytes = PT_MISSING;
  t->eval_rate = t->prompt_eval_rate = NAN;
}

double pt_rate(int64_t count, int64_t duration_ns) {
  if (count < 2 || duration_ns <= 0)
    return NAN;
  return (double)count / (double)duration_ns * 1e9;
}

/* ------------------------------------------------------------------ reader */

typedef struct reader {
  const char *path;
  pt_header_fn on_header;
  pt_row_fn on_row;
  void *ctx;
  pt_error *err;
  pt_code rc;           /* first failure; parsing stops once set */
  long line;            /* physical line being fed */
  long row_line;        /* line where the current row started */
  bool need_start;      /* the next non-blank line starts a row */
  bool have_header;
  size_t nheader;       /* number of header fields */
  int *map;             /* header field index -> pt_column or -1 */
  size_t nmap;
  pt_buf names;         /* header names, for the duplicate check */
  size_t nfield;        /* fields seen in the current row */
  pt_buf rowbuf;        /* known fields of the current row, NUL-separated */
  size_t off[PT_COL_COUNT];
  pt_row row;
} reader;

static void fail(reader *r, pt_code code, long line, long col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void fail(reader *r, pt_code code, long line, long col, const char *fmt, ...) {
  if (r->rc)
    return;
  r->rc = code;
  if (!r->err)
    return;
  char msg[sizeof r->err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  pt_error_at(r->err, code, r->path, line, col, "%s", msg);
}

static void header_field(reader *r, const char *s, size_t len) {
  size_t idx = r->nheader++;
  if (r->nmap < r->nheader) {
    int *m = realloc(r->map, (r->nheader + 16) * sizeof *m);
    if (!m) {
      fail(r, PT_ENOMEM, r->row_line, 0, "out of memory");
      return;
    }
    r->map = m;
    r->nmap = r->nheader + 16;
  }
  if (idx == 0 && len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
    s += 3;  /* UTF-8 byte order mark */
    len -= 3;
  }
  if (len == 0) {
    fail(r, PT_EDATA, r->row_line, (long)idx + 1, "empty column name in header");
    return;
  }
  /* names are kept NUL-separated to find duplicates of unknown columns too */
  for (const char *p = r->names.data, *end = p + r->names.len; p && p < end; p += strlen(p) + 1)
    if (strlen(p) == len && !memcmp(p, s, len)) {
      fail(r, PT_EDATA, r->row_line, (long)idx + 1, "duplicate column name '%.*s'",
           (int)len, s);
      return;
    }
  if (pt_buf_append(&r->names, s, len) || pt_buf_putc(&r->names, '\0')) {
    fail(r, PT_ENOMEM, r->row_line, 0, "out of memory");
    return;
  }
  int c = pt_column_find(s, len);
  r->map[idx] = c;
  if (c >= 0) {
    r->row.present[c] = true;
    r->row.colno[c] = (long)idx + 1;
  }
}

static void on_field(void *s, size_t len, void *data) {
  reader *r = data;
  if (r->rc)
    return;
  if (!s)
    s = "";
  if (!r->have_header) {
    header_field(r, s, len);
    return;
  }
  size_t idx = r->nfield++;
  if (idx >= r->nheader)
    return;  /* reported as ragged at the end of the row */
  int c = r->map[idx];
  if (c < 0)
    return;  /* a column ptbench does not use */
  r->off[c] = r->rowbuf.len;
  r->row.f[c].len = len;
  if (pt_buf_append(&r->rowbuf, s, len) || pt_buf_putc(&r->rowbuf, '\0'))
    fail(r, PT_ENOMEM, r->row_line, 0, "out of memory");
}

static void end_header(reader *r) {
  r->have_header = true;
  if (!r->row.present[PT_COL_MODEL])
    fail(r, PT_EDATA, r->row_line, 0, "required column 'model' is missing");
  else if (!r->row.present[PT_COL_ENVIRONMENT])
    fail(r, PT_EDATA, r->row_line, 0, "required column 'environment' is missing");
  else if (r->on_header) {
    pt_code rc = r->on_header(r->ctx, &r->row, r->err);
    if (rc) {
      r->rc = rc;
      if (r->err && !r->err->file[0])
        pt_error_at(r->err, rc, r->path, r->row_line, 0, "%s", r->err->msg);
    }
  }
}

static void on_row_end(int c, void *data) {
  reader *r = data;
  (void)c;
  r->need_start = true;
  if (r->rc)
    return;
  if (!r->have_header) {
    end_header(r);
    return;
  }
  if (r->nfield != r->nheader) {
    fail(r, PT_EDATA, r->row_line, 0, "row has %zu field%s, the header has %zu",
         r->nfield, r->nfield == 1 ? "" : "s", r->nheader);
    return;
  }
  for (int i = 0; i < PT_COL_COUNT; i++)
    if (r->row.present[i])
      r->row.f[i].s = r->rowbuf.data + r->off[i];
  r->row.line = r->row_line;
  pt_code rc = r->on_row(r->ctx, &r->row, r->err);
  if (rc)
    r->rc = rc;
  r->nfield = 0;
  pt_buf_reset(&r->rowbuf);
}

static bool blank_line(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != '\r' && s[i] != '\n')
      return false;
  return true;
}

pt_code pt_trials_read(FILE *fp, const char *path, pt_header_fn on_header,
                       pt_row_fn on_row, void *ctx, pt_error *err) {
  reader r;
  memset(&r, 0, sizeof r);
  r.path = path;
  r.on_header = on_header;
  r.on_row = on_row;
  r.ctx = ctx;
  r.err = err;
  r.need_start = true;
  r.row.path = path;
  pt_buf_init(&r.names, 0);
  pt_buf_init(&r.rowbuf, 0);

  struct csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
    return pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory");
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  bool any = false;
  while (!r.rc && (n = getline(&line, &cap, fp)) >= 0) {
    r.line++;
    if (r.need_start && !blank_line(line, (size_t)n)) {
      r.row_line = r.line;
      r.need_start = false;
      any = true;
    }
    if (csv_parse(&p, line, (size_t)n, on_field, on_row_end, &r) != (size_t)n && !r.rc)
      fail(&r, PT_EDATA, r.line, 0, "malformed CSV: %s (a stray or unbalanced '\"')",
           csv_strerror(csv_error(&p)));
  }
  if (!r.rc && ferror(fp))
    fail(&r, PT_EIO, r.line, 0, "read error: %s", strerror(errno));
  if (!r.rc && csv_fini(&p, on_field, on_row_end, &r) != 0)
    fail(&r, PT_EDATA, r.row_line, 0, "unterminated quoted field (row starts here)");
  if (!r.rc && !any)
    fail(&r, PT_EDATA, 0, 0, "empty file: expected a header row");
  free(line);
  csv_free(&p);
  free(r.map);
  pt_buf_free(&r.names);
  pt_buf_free(&r.rowbuf);
  return r.rc;
}

pt_code pt_trials_read_path(const char *path, pt_header_fn on_header,
                            pt_row_fn on_row, void *ctx, pt_error *err) {
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return pt_error_at(err, errno == ENOENT ? PT_ENOTFOUND : PT_EIO, path, 0, 0,
                       "cannot open: %s", strerror(errno));
  pt_code rc = pt_trials_read(fp, path, on_header, on_row, ctx, err);
  fclose(fp);
  return rc;
}

static pt_code field_error(const pt_row *row, pt_column c, pt_error *err, const char *what) {
  pt_code rc = pt_error_at(err, PT_EDATA, row->path, row->line, row->colno[c],
                           "'%s' %s: \"%.*s\"", column_names[c], what,
                           (int)(row->f[c].len > 64 ? 64 : row->f[c].len), row->f[c].s);
  pt_error_set_field(err, column_names[c]);
  return rc;
}

pt_code pt_row_int(const pt_row *row, pt_column c, int64_t *out, bool *present,
                   pt_error *err) {
  *present = false;
  if (!row->present[c] || row->f[c].len == 0)
    return PT_OK;
  const char *s = row->f[c].s;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (end == s || end != s + row->f[c].len)
    return field_error(row, c, err, "is not a whole number");
  if (errno == ERANGE)
    return field_error(row, c, err, "is out of range");
  if (v < 0)
    return field_error(row, c, err, "is negative");
  *out = v;
  *present = true;
  return PT_OK;
}

pt_code pt_row_double(const pt_row *row, pt_column c, double *out, bool *present,
                      pt_error *err) {
  *present = false;
  if (!row->present[c] || row->f[c].len == 0)
    return PT_OK;
  const char *s = row->f[c].s;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || end != s + row->f[c].len)
    return field_error(row, c, err, "is not a number");
  if (!isfinite(v) || errno == ERANGE)
    return field_error(row, c, err, "is not a finite number");
  if (v < 0)
    return field_error(row, c, err, "is negative");
  *out = v;
  *present = true;
  return PT_OK;
}

static char *dup_field(const pt_row *row, pt_column c) {
  if (!row->present[c])
    return NULL;
  char *s = malloc(row->f[c].len + 1);
  if (s) {
    memcpy(s, row->f[c].s, row->f[c].len);
    s[row->f[c].len] = '\0';
  }
  return s;
}

pt_code pt_row_to_trial(const pt_row *row, pt_trial *t, pt_error *err) {
  pt_trial_init(t);
  static const pt_column strs[] = {PT_COL_RUN_ID, PT_COL_ENVIRONMENT, PT_COL_STARTED_AT,
                                   PT_COL_MODEL, PT_COL_MODEL_DIGEST, PT_COL_PROMPT_ID,
                                   PT_COL_DONE_REASON, PT_COL_ERROR};
  const char **dst[] = {&t->run_id, &t->environment, &t->started_at, &t->model,
                        &t->model_digest, &t->prompt_id, &t->done_reason, &t->error};
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
    if (!row->present[strs[i]])
      continue;
    if (!(*dst[i] = dup_field(row, strs[i]))) {
      pt_trial_free_strings(t);
      return pt_error_set(err, PT_ENOMEM, "out of memory");
    }
  }
  static const pt_column ints[] = {
      PT_COL_PROMPT_EVAL_COUNT, PT_COL_PROMPT_EVAL_DURATION_NS, PT_COL_EVAL_COUNT,
      PT_COL_EVAL_DURATION_NS, PT_COL_LOAD_DURATION_NS, PT_COL_TOTAL_DURATION_NS,
      PT_COL_TTFT_NS, PT_COL_WALL_NS, PT_COL_SIZE_BYTES, PT_COL_SIZE_VRAM_BYTES};
  int64_t *idst[] = {&t->prompt_eval_count, &t->prompt_eval_duration_ns, &t->eval_count,
                     &t->eval_duration_ns, &t->load_duration_ns, &t->total_duration_ns,
                     &t->ttft_ns, &t->wall_ns, &t->size_bytes, &t->size_vram_bytes};
  pt_code rc = PT_OK;
  bool present;
  int64_t v;
  for (size_t i = 0; !rc && i < sizeof ints / sizeof ints[0]; i++)
    if (!(rc = pt_row_int(row, ints[i], &v, &present, err)) && present)
      *idst[i] = v;
  double d;
  if (!rc && !(rc = pt_row_double(row, PT_COL_EVAL_RATE, &d, &present, err)) && present)
    t->eval_rate = d;
  if (!rc && !(rc = pt_row_double(row, PT_COL_PROMPT_EVAL_RATE, &d, &present, err)) && present)
    t->prompt_eval_rate = d;
  if (!rc && !(rc = pt_row_int(row, PT_COL_TRIAL, &v, &present, err)) && present)
    t->trial = (long)v;
  if (!rc && !(rc = pt_row_int(row, PT_COL_WARMUP, &v, &present, err)) && present) {
    if (v > 1)
      rc = field_error(row, PT_COL_WARMUP, err, "is not 0 or 1");
    t->warmup = v == 1;
  }
  if (!rc && row->present[PT_COL_STATUS] && row->f[PT_COL_STATUS].len &&
      !pt_status_parse(row->f[PT_COL_STATUS].s, row->f[PT_COL_STATUS].len, &t->status))
    rc = field_error(row, PT_COL_STATUS, err,
                     "is not one of ok, error, timeout, interrupted");
  if (rc)
    pt_trial_free_strings(t);
  return rc;
}

void pt_trial_free_strings(pt_trial *t) {
  const char **s[] = {&t->run_id, &t->environment, &t->started_at, &t->model,
                      &t->model_digest, &t->prompt_id, &t->done_reason, &t->error};
  for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
    free((char *)*s[i]);
    *s[i] = NULL;
  }
}

/* ------------------------------------------------------------------ writer */

struct pt_trial_writer {
  FILE *fp;
  bool owned;  /* opened by us: close it and fsync rows */
  char *name;
  pt_buf row;
};

static pt_code put_str(pt_buf *b, const char *s) {
  if (!s)
    return PT_OK;
  size_t n = strlen(s);
  if (strcspn(s, ",\"\r\n") == n && (n == 0 || (s[0] != ' ' && s[n - 1] != ' ')))
    return pt_buf_append(b, s, n);
  /* csv_write quotes the field and doubles embedded quotes (RFC 4180) */
  size_t need = csv_write(NULL, 0, s, n);
  pt_code rc = pt_buf_reserve(b, need);
  if (rc)
    return rc;
  csv_write(b->data + b->len, need, s, n);
  b->len += need;
  b->data[b->len] = '\0';
  return PT_OK;
}

static pt_code put_int(pt_buf *b, int64_t v) {
  return v < 0 ? PT_OK : pt_buf_printf(b, "%lld", (long long)v);
}

/* Shortest decimal that reads back as the same double. */
static pt_code put_double(pt_buf *b, double v) {
  if (!isfinite(v))
    return PT_OK;
  char s[40];
  for (int prec = 6; prec <= 17; prec++) {
    snprintf(s, sizeof s, "%.*g", prec, v);
    if (strtod(s, NULL) == v)
      break;
  }
  return pt_buf_puts(b, s);
}

pt_code pt_trial_format_header(pt_buf *b) {
  pt_code rc = PT_OK;
  for (int i = 0; !rc && i < PT_COL_COUNT; i++)
    rc = pt_buf_printf(b, "%s%s", i ? "," : "", column_names[i]);
  return rc ? rc : pt_buf_puts(b, "\r\n");
}

pt_code pt_trial_format(pt_buf *b, const pt_trial *t) {
  pt_code rc = PT_OK;
#define SEP() (rc = rc ? rc : pt_buf_putc(b, ','))
#define DO(x) (rc = rc ? rc : (x))
  DO(put_str(b, t->run_id)); SEP();
  DO(put_str(b, t->environment)); SEP();
  DO(put_str(b, t->started_at)); SEP();
  DO(put_str(b, t->model)); SEP();
  DO(put_str(b, t->model_digest)); SEP();
  DO(put_str(b, t->prompt_id)); SEP();
  DO(t->trial > 0 ? pt_buf_printf(b, "%ld", t->trial) : PT_OK); SEP();
  DO(pt_buf_putc(b, t->warmup ? '1' : '0')); SEP();
  DO(put_str(b, pt_status_name(t->status))); SEP();
  DO(put_str(b, t->done_reason)); SEP();
  DO(put_int(b, t->prompt_eval_count)); SEP();
  DO(put_int(b, t->prompt_eval_duration_ns)); SEP();
  DO(put_int(b, t->eval_count)); SEP();
  DO(put_int(b, t->eval_duration_ns)); SEP();
  DO(put_int(b, t->load_duration_ns)); SEP();
  DO(put_int(b, t->total_duration_ns)); SEP();
  DO(put_int(b, t->ttft_ns)); SEP();
  DO(put_int(b, t->wall_ns)); SEP();
  DO(put_double(b, t->eval_rate)); SEP();
  DO(put_double(b, t->prompt_eval_rate)); SEP();
  DO(put_int(b, t->size_bytes)); SEP();
  DO(put_int(b, t->size_vram_bytes)); SEP();
  DO(put_str(b, t->error));
  DO(pt_buf_puts(b, "\r\n"));
#undef SEP
#undef DO
  return rc;
}

static pt_trial_writer *writer_new(FILE *fp, bool owned, const char *name, pt_error *err) {
  pt_trial_writer *w = calloc(1, sizeof *w);
  if (w)
    w->name = strdup(name);
  if (!w || !w->name) {
    if (w)
      free(w);
    pt_error_set(err, PT_ENOMEM, "out of memory");
    return NULL;
  }
  w->fp = fp;
  w->owned = owned;
  pt_buf_init(&w->row, 0);
  return w;
}

static pt_code write_all(pt_trial_writer *w, pt_error *err) {
  if (fwrite(w->row.data, 1, w->row.len, w->fp) != w->row.len || fflush(w->fp) != 0 ||
      (w->owned && fsync(fileno(w->fp)) != 0 && errno != EINVAL))
    return pt_error_at(err, PT_EIO, w->name, 0, 0, "cannot write: %s", strerror(errno));
  return PT_OK;
}

pt_trial_writer *pt_trial_writer_open(const char *path, pt_error *err) {
  FILE *fp = fopen(path, "a+b");
  if (!fp) {
    pt_error_at(err, PT_EIO, path, 0, 0, "cannot open for appending: %s", strerror(errno));
    return NULL;
  }
  pt_trial_writer *w = writer_new(fp, true, path, err);
  if (!w) {
    fclose(fp);
    return NULL;
  }
  /* An existing file must be ptbench's: compare its first line. */
  char *line = NULL;
  size_t cap = 0;
  rewind(fp);
  ssize_t n = getline(&line, &cap, fp);
  pt_code rc = PT_OK;
  if (pt_trial_format_header(&w->row))
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  else if (n > 0) {
    const char *s = line;
    if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
      s += 3;
    size_t len = strcspn(s, "\r\n");
    if (len != w->row.len - 2 || memcmp(s, w->row.data, len))
      rc = pt_error_at(err, PT_EDATA, path, 1, 0,
                       "not a ptbench trials file (its header differs); "
                       "refusing to append to it");
  } else {
    rc = write_all(w, err);
  }
  free(line);
  fseek(fp, 0, SEEK_END);
  pt_buf_reset(&w->row);
  if (rc) {
    pt_trial_writer_close(w, NULL);
    return NULL;
  }
  return w;
}

pt_trial_writer *pt_trial_writer_stream(FILE *fp, const char *name, pt_error *err) {
  pt_trial_writer *w = writer_new(fp, false, name, err);
  if (!w)
    return NULL;
  if (pt_trial_format_header(&w->row) || write_all(w, err)) {
    if (err && !err->code)
      pt_error_set(err, PT_ENOMEM, "out of memory");
    pt_trial_writer_close(w, NULL);
    return NULL;
  }
  pt_buf_reset(&w->row);
  return w;
}

pt_code pt_trial_write(pt_trial_writer *w, const pt_trial *t, pt_error *err) {
  pt_buf_reset(&w->row);
  if (pt_trial_format(&w->row, t))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  return write_all(w, err);
}

pt_code pt_trial_writer_close(pt_trial_writer *w, pt_error *err) {
  if (!w)
    return PT_OK;
  pt_code rc = PT_OK;
  if (w->owned && fclose(w->fp) != 0)
    rc = pt_error_at(err, PT_EIO, w->name, 0, 0, "cannot close: %s", strerror(errno));
  pt_buf_free(&w->row);
  free(w->name);
  free(w);
  return rc;
}
