/* core/trial.c - trial schema, CSV reader and writer (libcsv). */
#define _GNU_SOURCE /* memrchr */
#include "core/trial.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/stat.h>
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

/* The header, once parsed: which field index holds which known column. */
typedef struct header {
  const bool *wanted;   /* columns the caller reads; NULL = all */
  size_t n;             /* number of header fields */
  int *map;             /* field index -> pt_column or -1 */
  bool present[PT_COL_COUNT];
  long colno[PT_COL_COUNT];
} header;

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
  bool any;             /* a non-blank line was seen */
  bool in_header;       /* the row being read is the header */
  header *h;
  pt_buf names;         /* header names, NUL-separated, for duplicates */
  size_t nfield;        /* fields seen in the current row */
  pt_buf rowbuf;        /* known fields of the current row, NUL-separated */
  size_t off[PT_COL_COUNT];
  pt_row row;
  struct csv_parser p;
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
  header *h = r->h;
  size_t idx = h->n;
  int *m = realloc(h->map, (idx + 1) * sizeof *m);
  if (!m) {
    fail(r, PT_ENOMEM, r->row_line, 0, "out of memory");
    return;
  }
  h->map = m;
  h->n++;
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
  if (c >= 0 && h->wanted && !h->wanted[c])
    c = -1;  /* not copied, reads as absent */
  m[idx] = c;
  if (c >= 0) {
    h->present[c] = true;
    h->colno[c] = (long)idx + 1;
  }
}

static void on_field(void *s, size_t len, void *data) {
  reader *r = data;
  if (r->rc)
    return;
  if (!s)
    s = "";
  if (r->in_header) {
    header_field(r, s, len);
    return;
  }
  size_t idx = r->nfield++;
  if (idx >= r->h->n)
    return;  /* reported as ragged at the end of the row */
  int c = r->h->map[idx];
  if (c < 0)
    return;  /* a column ptbench does not use */
  if (pt_buf_reserve(&r->rowbuf, len + 1)) {
    fail(r, PT_ENOMEM, r->row_line, 0, "out of memory");
    return;
  }
  r->off[c] = r->rowbuf.len;
  r->row.f[c].len = len;
  memcpy(r->rowbuf.data + r->rowbuf.len, s, len);
  r->rowbuf.len += len + 1;
  r->rowbuf.data[r->rowbuf.len - 1] = '\0';
}

static void end_header(reader *r) {
  r->in_header = false;
  memcpy(r->row.present, r->h->present, sizeof r->row.present);
  memcpy(r->row.colno, r->h->colno, sizeof r->row.colno);
  if (!r->h->present[PT_COL_MODEL])
    fail(r, PT_EDATA, r->row_line, 0, "required column 'model' is missing");
  else if (!r->h->present[PT_COL_ENVIRONMENT])
    fail(r, PT_EDATA, r->row_line, 0, "required column 'environment' is missing");
  else if (r->on_header) {
    r->row.line = r->row_line;
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
  if (r->in_header) {
    end_header(r);
    return;
  }
  if (r->nfield != r->h->n) {
    fail(r, PT_EDATA, r->row_line, 0, "row has %zu field%s, the header has %zu",
         r->nfield, r->nfield == 1 ? "" : "s", r->h->n);
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

static pt_code reader_init(reader *r, header *h, const char *path, pt_header_fn on_header,
                           pt_row_fn on_row, void *ctx, pt_error *err) {
  memset(r, 0, sizeof *r);
  r->path = path;
  r->on_header = on_header;
  r->on_row = on_row;
  r->ctx = ctx;
  r->err = err;
  r->h = h;
  r->need_start = true;
  r->row.path = path;
  memcpy(r->row.present, h->present, sizeof r->row.present);
  memcpy(r->row.colno, h->colno, sizeof r->row.colno);
  pt_buf_init(&r->names, 0);
  pt_buf_init(&r->rowbuf, 0);
  if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI) != 0)
    return pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory");
  return PT_OK;
}

static void reader_free(reader *r) {
  csv_free(&r->p);
  pt_buf_free(&r->names);
  pt_buf_free(&r->rowbuf);
}

/* Feed one physical line (with its line end, if any) to the parser. */
static void feed_line(reader *r, const char *s, size_t n) {
  if (r->line == 0 && n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
    s += 3;  /* a UTF-8 byte order mark, before libcsv sees it (a quoted first name) */
    n -= 3;
  }
  r->line++;
  if (r->need_start && !blank_line(s, n)) {
    r->row_line = r->line;
    r->need_start = false;
    r->any = true;
  }
  if (csv_parse(&r->p, s, n, on_field, on_row_end, r) != n && !r->rc)
    fail(r, PT_EDATA, r->line, 0, "malformed CSV: %s (a stray or unbalanced '\"')",
         csv_strerror(csv_error(&r->p)));
}

/* Feed data line by line; stops at the end of the header when header_only.
 * Returns the number of bytes consumed. */
static size_t feed(reader *r, const char *data, size_t len, bool header_only) {
  size_t pos = 0;
  while (pos < len && !r->rc && !(header_only && !r->in_header)) {
    const char *nl = memchr(data + pos, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - (data + pos)) + 1 : len - pos;
    feed_line(r, data + pos, n);
    pos += n;
  }
  return pos;
}

static void finish(reader *r) {
  if (!r->rc && csv_fini(&r->p, on_field, on_row_end, r) != 0)
    fail(r, PT_EDATA, r->row_line, 0, "unterminated quoted field (row starts here)");
  if (!r->rc && !r->any)
    fail(r, PT_EDATA, 0, 0, "empty file: expected a header row");
}

pt_code pt_trials_read(FILE *fp, const char *path, pt_header_fn on_header,
                       pt_row_fn on_row, void *ctx, pt_error *err) {
  header h = {0};
  reader r;
  pt_code rc = reader_init(&r, &h, path, on_header, on_row, ctx, err);
  if (rc)
    return rc;
  r.in_header = true;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while (!r.rc && (n = getline(&line, &cap, fp)) >= 0)
    feed_line(&r, line, (size_t)n);
  if (!r.rc && ferror(fp))
    fail(&r, PT_EIO, r.line, 0, "read error: %s", strerror(errno));
  finish(&r);
  free(line);
  reader_free(&r);
  free(h.map);
  return r.rc;
}

/* ---- parallel reading of a file ----
 *
 * The main thread reads the header, then scans the body once (memchr for
 * quotes and line ends) to cut it into chunks that start on row boundaries,
 * counting the lines before each. Workers read their chunk with pread in
 * blocks, so memory stays at a block per worker whatever the file size. */

#define BLOCK ((size_t)1 << 20)
#define PARALLEL_MIN_BYTES ((size_t)4 << 20)  /* per worker; less: fewer workers */
#define MAX_WORKERS 16

typedef struct worker {
  reader r;
  int fd;
  off_t start, end;  /* byte range of the chunk */
  long first_line;   /* lines before the chunk */
  pt_error err;
} worker;

/* Feed bytes [start, end) of fd line by line. header_only stops after the
 * header row; *consumed gets the offset after the last line fed. */
static void feed_range(reader *r, int fd, off_t start, off_t end, bool header_only,
                       off_t *consumed) {
  size_t cap = BLOCK, have = 0;
  char *buf = malloc(cap);
  off_t pos = start, fed_to = start;
  if (!buf)
    fail(r, PT_ENOMEM, r->line, 0, "out of memory");
  while (buf && !r->rc && pos < end && !(header_only && !r->in_header)) {
    if (have == cap) {  /* a line longer than the buffer */
      char *p = realloc(buf, cap * 2);
      if (!p) {
        fail(r, PT_ENOMEM, r->line, 0, "out of memory");
        break;
      }
      buf = p;
      cap *= 2;
    }
    size_t want = cap - have;
    if ((off_t)want > end - pos)
      want = (size_t)(end - pos);
    ssize_t n = pread(fd, buf + have, want, pos);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      fail(r, PT_EIO, r->line + 1, 0, "read error: %s", n < 0 ? strerror(errno) : "file shrank");
      break;
    }
    pos += n;
    have += (size_t)n;
    /* feed whole lines; keep a partial last line for the next block */
    size_t whole = have;
    if (pos < end) {
      const char *nl = memrchr(buf, '\n', have);
      whole = nl ? (size_t)(nl - buf) + 1 : 0;
    }
    size_t used = feed(r, buf, whole, header_only);
    fed_to += (off_t)used;
    memmove(buf, buf + used, have - used);
    have -= used;
  }
  free(buf);
  if (consumed)
    *consumed = fed_to;
}

static void *work(void *arg) {
  worker *w = arg;
  w->r.line = w->first_line;
  feed_range(&w->r, w->fd, w->start, w->end, false, NULL);
  if (!w->r.rc && csv_fini(&w->r.p, on_field, on_row_end, &w->r) != 0)
    fail(&w->r, PT_EDATA, w->r.row_line, 0, "unterminated quoted field (row starts here)");
  return NULL;
}

/* Cut [body, len) into n chunks starting on row boundaries: bounds[k] is
 * where chunk k ends, lines[k] the lines before chunk k + 1. RFC 4180 quotes
 * do not nest, so a line end is a row end when the quotes before it are
 * even in number. Returns PT_OK, PT_ENOMEM or PT_EIO. */
static pt_code cut_chunks(int fd, off_t body, off_t len, size_t n, off_t *bounds, long *lines) {
  char *buf = malloc(BLOCK);
  if (!buf)
    return PT_ENOMEM;
  bool quoted = false;
  size_t k = 0;
  long nl_count = 0;
  off_t target = body + (len - body) / (off_t)n;
  for (off_t pos = body; pos < len && k + 1 < n;) {
    size_t want = (off_t)BLOCK < len - pos ? BLOCK : (size_t)(len - pos);
    ssize_t got = pread(fd, buf, want, pos);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0) {
      free(buf);
      return PT_EIO;
    }
    const char *p = buf, *e = buf + got, *q = NULL;
    while (p < e && k + 1 < n) {
      if (!q || q < p) {  /* the next quote (or e), found once per quote */
        q = memchr(p, '"', (size_t)(e - p));
        if (!q)
          q = e;
      }
      const char *nl = memchr(p, '\n', (size_t)(q - p));
      if (nl) {  /* a line end before the next quote */
        nl_count++;
        off_t at = pos + (nl - buf) + 1;
        if (!quoted && at >= target) {
          bounds[k] = at;
          lines[k++] = nl_count;
          target = body + (len - body) / (off_t)n * (off_t)(k + 1);
        }
        p = nl + 1;
      } else if (q < e) {
        quoted = !quoted;
        p = q + 1;
      } else {
        p = e;
      }
    }
    pos += got;
  }
  for (; k + 1 < n; k++) {  /* no row boundary after a target: empty chunks */
    bounds[k] = len;
    lines[k] = nl_count;
  }
  bounds[n - 1] = len;
  free(buf);
  return PT_OK;
}

pt_code pt_trials_read_path_parallel(const char *path, const bool *wanted,
                                     pt_header_fn on_header, pt_row_fn on_row,
                                     void *const *ctxs, size_t nctx, size_t *used,
                                     pt_error *err) {
  *used = 0;
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return pt_error_at(err, errno == ENOENT ? PT_ENOTFOUND : PT_EIO, path, 0, 0,
                       "cannot open: %s", strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    /* not a regular file (a pipe, a device): read it as a stream */
    FILE *fp = fdopen(fd, "rb");
    if (!fp) {
      close(fd);
      return pt_error_at(err, PT_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    }
    *used = 1;
    pt_code rc = pt_trials_read(fp, path, on_header, on_row, ctxs[0], err);
    fclose(fp);
    return rc;
  }
  off_t len = st.st_size, body = 0;
  header h = {.wanted = wanted};
  reader hr;
  pt_code rc = reader_init(&hr, &h, path, on_header, on_row, ctxs[0], err);
  if (rc) {
    close(fd);
    return rc;
  }
  hr.in_header = true;
  feed_range(&hr, fd, 0, len, true, &body);
  if (!hr.rc && hr.in_header)
    finish(&hr);  /* no complete header row: the file is empty */
  rc = hr.rc;
  long header_lines = hr.line;
  bool header_done = !hr.in_header;
  reader_free(&hr);
  *used = 1;
  if (rc || !header_done) {
    free(h.map);
    close(fd);
    return rc;
  }

  size_t n = nctx < MAX_WORKERS ? nctx : MAX_WORKERS;
  if ((size_t)(len - body) < PARALLEL_MIN_BYTES * n)
    n = (size_t)(len - body) / PARALLEL_MIN_BYTES;
  if (n < 1)
    n = 1;
  worker *w = calloc(n, sizeof *w);
  pthread_t *tid = calloc(n, sizeof *tid);
  bool *running = calloc(n, sizeof *running);
  off_t bounds[MAX_WORKERS];
  long lines[MAX_WORKERS];
  if (!w || !tid || !running)
    rc = pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory");
  else if ((rc = cut_chunks(fd, body, len, n, bounds, lines)))
    pt_error_at(err, rc, path, 0, 0, "%s",
                rc == PT_ENOMEM ? "out of memory" : "read error: the file shrank or failed");
  size_t ready = 0;
  for (size_t k = 0; !rc && k < n; k++) {
    pt_error_clear(&w[k].err);
    if ((rc = reader_init(&w[k].r, &h, path, NULL, on_row, ctxs[k], &w[k].err))) {
      *err = w[k].err;
      break;
    }
    ready++;
    w[k].fd = fd;
    w[k].start = k ? bounds[k - 1] : body;
    w[k].end = bounds[k];
    w[k].first_line = header_lines + (k ? lines[k - 1] : 0);
  }
  if (!rc) {
    for (size_t k = 1; k < n; k++)
      running[k] = pthread_create(&tid[k], NULL, work, &w[k]) == 0;
    work(&w[0]);
    for (size_t k = 1; k < n; k++) {
      if (running[k])
        pthread_join(tid[k], NULL);
      else
        work(&w[k]);  /* no thread to be had: do it here */
    }
    /* the first failure in file order wins */
    for (size_t k = 0; k < n && !rc; k++)
      if ((rc = w[k].r.rc) && err)
        *err = w[k].err;
    *used = n;
  }
  for (size_t k = 0; k < ready; k++)
    reader_free(&w[k].r);
  free(w);
  free(tid);
  free(running);
  free(h.map);
  close(fd);
  return rc;
}

pt_code pt_trials_read_path(const char *path, pt_header_fn on_header,
                            pt_row_fn on_row, void *ctx, pt_error *err) {
  size_t used;
  void *ctxs[1] = {ctx};
  return pt_trials_read_path_parallel(path, NULL, on_header, on_row, ctxs, 1, &used, err);
}

static pt_code field_error(const pt_row *row, pt_column c, pt_error *err, const char *what) {
  pt_code rc = pt_error_at(err, PT_EDATA, row->path, row->line, row->colno[c],
                           "'%s' %s: \"%.*s\"", column_names[c], what,
                           (int)(row->f[c].len > 64 ? 64 : row->f[c].len), row->f[c].s);
  pt_error_set_field(err, column_names[c]);
  return rc;
}

/* strtod and strtoll also take leading blanks and (strtod) hexadecimal:
 * a CSV number is written without either. */
static bool plain_number(const char *s) {
  return !isspace((unsigned char)s[0]) && !strpbrk(s, "xX");
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
  if (end == s || end != s + row->f[c].len || !plain_number(s))
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
  if (end == s || end != s + row->f[c].len || !plain_number(s))
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

pt_code pt_csv_field(pt_buf *b, const char *s) {
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
  DO(pt_csv_field(b, t->run_id)); SEP();
  DO(pt_csv_field(b, t->environment)); SEP();
  DO(pt_csv_field(b, t->started_at)); SEP();
  DO(pt_csv_field(b, t->model)); SEP();
  DO(pt_csv_field(b, t->model_digest)); SEP();
  DO(pt_csv_field(b, t->prompt_id)); SEP();
  DO(t->trial > 0 ? pt_buf_printf(b, "%ld", t->trial) : PT_OK); SEP();
  DO(pt_buf_putc(b, t->warmup ? '1' : '0')); SEP();
  DO(pt_csv_field(b, pt_status_name(t->status))); SEP();
  DO(pt_csv_field(b, t->done_reason)); SEP();
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
  DO(pt_csv_field(b, t->error));
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
