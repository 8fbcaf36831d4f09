/* core/trial.c - the trial schema (one table), its CSV reader (a memchr fast
 * path in front of libcsv) and its writer (whole rows or none). */
#define _GNU_SOURCE /* memrchr */
#include "core/trial.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/hash.h"

/* ------------------------------------------------------------------ schema */

static const pt_column_def columns[PT_COL_COUNT] = {
#define PT_X(id, name, field, type, since) {name, offsetof(pt_trial, field), PT_CT_##type, since},
    PT_COLUMN_MAP(PT_X)
#undef PT_X
};

/* Each column's pt_trial field has the C type its column type says. */
#define CT_IS_STRING(x) _Generic((x), const char *: 1, default: 0)
#define CT_IS_INT(x) _Generic((x), int64_t: 1, default: 0)
#define CT_IS_ORDINAL(x) _Generic((x), long: 1, default: 0)
#define CT_IS_DOUBLE(x) _Generic((x), double: 1, default: 0)
#define CT_IS_BOOL(x) _Generic((x), bool: 1, default: 0)
#define CT_IS_STATUS(x) _Generic((x), pt_status: 1, default: 0)
#define PT_X(id, name, field, type, since)                                 \
  _Static_assert(CT_IS_##type(((pt_trial *)0)->field),                    \
                 "column '" name "': its pt_trial field has another type"); \
  _Static_assert(since >= 1 && since <= PT_SCHEMA_VERSION, "column '" name "': version");
PT_COLUMN_MAP(PT_X)
#undef PT_X

static const char *const status_names[] = {"ok", "error", "timeout", "interrupted"};

const pt_column_def *pt_column_get(pt_column c) { return &columns[c]; }

const char *pt_column_name(pt_column c) {
  return (unsigned)c < PT_COL_COUNT ? columns[c].name : "?";
}

/* Constant time per name: the schema has a fixed, small number of columns. */
int pt_column_find(const char *name, size_t len) {
  for (int i = 0; i < PT_COL_COUNT; i++)
    if (columns[i].name[0] == (len ? name[0] : '\0') && strlen(columns[i].name) == len &&
        !memcmp(columns[i].name, name, len))
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

/* The field of column c in trial t, as a pointer to its C type. */
typedef const char *cstr;
#define FIELD(t, c, type) ((type *)(void *)((char *)(t) + columns[c].offset))
#define CFIELD(t, c, type) ((const type *)(const void *)((const char *)(t) + columns[c].offset))

void pt_trial_init(pt_trial *t) {
  memset(t, 0, sizeof *t);
  for (int c = 0; c < PT_COL_COUNT; c++)
    switch (columns[c].type) {
    case PT_CT_STRING:
      *FIELD(t, c, cstr) = NULL;
      break;
    case PT_CT_INT:
      *FIELD(t, c, int64_t) = PT_MISSING;
      break;
    case PT_CT_ORDINAL:
      *FIELD(t, c, long) = 0;
      break;
    case PT_CT_DOUBLE:
      *FIELD(t, c, double) = NAN;
      break;
    case PT_CT_BOOL:
      *FIELD(t, c, bool) = false;
      break;
    case PT_CT_STATUS:
      *FIELD(t, c, pt_status) = PT_STATUS_OK;
      break;
    }
}

double pt_rate(int64_t count, int64_t duration_ns) {
  if (count < 2 || duration_ns <= 0)
    return NAN;
  return (double)count / (double)duration_ns * 1e9;
}

/* ------------------------------------------------------------------ reader
 *
 * Input is fed one physical line at a time. A line that holds no double
 * quote, ends in LF (or CRLF) and starts outside a quoted field is split
 * right here with memchr (fast_line); any other line goes through libcsv.
 * Both hand fields and row ends to the same callbacks (on_field,
 * on_row_end), so headers, ragged rows and repeated headers are handled in
 * one place. They agree because outside quotes libcsv only splits at commas
 * and line ends and trims blanks (spaces and tabs) around unquoted fields,
 * which is all fast_line does; and in strict mode a line end is outside a
 * quoted field exactly when an even number of quotes came before it, which
 * open_quote tracks. tests/fuzz/fuzz_csv_diff.c checks this on any input. */

/* The header, once parsed: which field index holds which known column. */
typedef struct header {
  const bool *wanted;   /* columns the caller reads; NULL = all */
  size_t n;             /* number of header fields */
  size_t map_cap;
  int *map;             /* field index -> pt_column, or -1 (unknown or unwanted) */
  pt_strtab names;      /* the header's names; index = field index */
  long line;            /* where the header row is */
  bool present[PT_COL_COUNT];
  long colno[PT_COL_COUNT];
} header;

typedef struct reader {
  const pt_read_cfg *cfg;
  const char *path;
  void *ctx;
  pt_error *err;
  pt_code rc;           /* first failure; parsing stops once set */
  long line;            /* physical line being fed */
  long row_line;        /* line where the current row started */
  uint64_t offset;      /* bytes fed so far (from the start of the input) */
  uint64_t row_offset;  /* where the line of the current row starts */
  bool need_start;      /* the next non-blank line starts a row */
  bool any;             /* a non-blank line was seen */
  bool in_header;       /* the row being read is the header */
  bool open_quote;      /* libcsv is inside a quoted field */
  bool hdr_match;       /* the row so far equals the header */
  bool lone_cr;         /* a header line held a CR not before its LF: rows
                           may have begun on the line the header ended on */
  char last_byte;       /* the last byte fed */
  header *h;
  size_t nfield;        /* fields seen in the current row */
  pt_buf rowbuf;        /* known fields of the current row, NUL-separated */
  char first[32];       /* the row's first field, when shorter than this */
  size_t first_len;     /* its length; sizeof first or more: longer */
  size_t off[PT_COL_COUNT];
  pt_row row;
  size_t rows, repeats;
  long torn_line;       /* an incomplete last row, left out */
  uint64_t torn_offset;
  bool open_end;        /* the last row had no line end */
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
  int *m = pt_grow_array(h->map, &h->map_cap, idx + 1, sizeof *m);
  if (!m) {
    fail(r, PT_ENOMEM, r->row_line, 0, "out of memory");
    return;
  }
  h->map = m;
  h->n++;
  m[idx] = -1;
  if (len == 0) {
    fail(r, PT_EDATA, r->row_line, (long)idx + 1, "empty column name in header");
    return;
  }
  /* every name, known or not, goes in the table: duplicates are found in
   * constant time, and the index of a name is its field index */
  size_t at;
  bool added;
  pt_code rc = pt_strtab_intern(&h->names, s, len, &at, &added);
  if (rc) {
    fail(r, rc, r->row_line, (long)idx + 1, "%s",
         rc == PT_ETOOBIG ? "too many columns" : "out of memory");
    return;
  }
  if (!added) {
    fail(r, PT_EDATA, r->row_line, (long)idx + 1, "duplicate column name '%.*s'",
         len > 200 ? 200 : (int)len, s);
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

static bool header_name_is(const header *h, size_t idx, const char *s, size_t len) {
  size_t n;
  const char *name = pt_strtab_str(&h->names, idx, &n);
  return n == len && !memcmp(name, s, len);
}

static void on_field(void *sv, size_t len, void *data) {
  reader *r = data;
  const char *s = sv ? sv : "";
  if (r->rc)
    return;
  if (r->in_header) {
    header_field(r, s, len);
    return;
  }
  size_t idx = r->nfield++;
  if (idx == 0) {  /* kept to tell a second header from a row (looks_like_header) */
    r->first_len = len;
    if (len < sizeof r->first)
      memcpy(r->first, s, len);
  }
  if (idx >= r->h->n) {
    r->hdr_match = false;
    return;  /* reported as ragged at the end of the row */
  }
  if (idx == 0 || r->hdr_match)
    r->hdr_match = header_name_is(r->h, idx, s, len);
  int c = r->h->map[idx];
  if (c < 0)
    return;  /* a column the caller does not use */
  if (r->rowbuf.cap - r->rowbuf.len < len + 2 && pt_buf_reserve(&r->rowbuf, len + 1)) {
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
  r->h->line = r->row_line;
  memcpy(r->row.present, r->h->present, sizeof r->row.present);
  memcpy(r->row.colno, r->h->colno, sizeof r->row.colno);
  r->row.nfields = r->h->n;
  /* by name: a caller may not want the required columns copied */
  if (pt_strtab_find(&r->h->names, "model", 5) < 0)
    fail(r, PT_EDATA, r->row_line, 0, "required column 'model' is missing");
  else if (pt_strtab_find(&r->h->names, "environment", 11) < 0)
    fail(r, PT_EDATA, r->row_line, 0, "required column 'environment' is missing");
  else if (r->cfg->on_header) {
    /* the header's own names, for callbacks that check them */
    for (int c = 0; c < PT_COL_COUNT; c++)
      if (r->row.present[c]) {
        r->row.f[c].s = columns[c].name;
        r->row.f[c].len = strlen(columns[c].name);
      }
    r->row.line = r->row_line;
    pt_code rc = r->cfg->on_header(r->ctx, &r->row, r->err);
    if (rc) {
      r->rc = rc;
      if (r->err && !r->err->file[0])
        pt_error_at(r->err, rc, r->path, r->row_line, 0, "%s", r->err->msg);
    }
  }
}

/* Does the current row begin as a ptbench header does, with a column name
 * (two inputs with different headers joined: a second header)? */
static bool looks_like_header(const reader *r) {
  return r->first_len < sizeof r->first && pt_column_find(r->first, r->first_len) >= 0;
}

/* The message for a second header that differs from the first. */
static void fail_second_header(reader *r) {
  char what[96];
  if (r->nfield == r->h->n)
    snprintf(what, sizeof what, "its %zu columns in another order, or others", r->nfield);
  else
    snprintf(what, sizeof what, "%zu column%s here, %zu there", r->nfield,
             r->nfield == 1 ? "" : "s", r->h->n);
  fail(r, PT_EDATA, r->row_line, 0,
       "a second header row, unlike the first (line %ld): %s; files with different "
       "columns were joined (trials.csv of different ptbench versions?): give each file "
       "as an input of its own",
       r->h->line, what);
}

static void next_row(reader *r) {
  r->nfield = 0;
  r->hdr_match = false;
  pt_buf_reset(&r->rowbuf);
}

/* c is the character that ended the row, -1 when the input ended in it. */
static void on_row_end(int c, void *data) {
  reader *r = data;
  r->need_start = true;
  if (r->rc)
    return;
  if (r->in_header) {
    end_header(r);
    return;
  }
  if (r->nfield != r->h->n) {
    if (c == -1 && r->nfield < r->h->n) {
      /* the input stops inside the row: a write cut short */
      r->torn_line = r->row_line;
      r->torn_offset = r->row_offset;
    } else if (looks_like_header(r)) {
      fail_second_header(r);
    } else {
      fail(r, PT_EDATA, r->row_line, 0, "row has %zu field%s, the header has %zu",
           r->nfield, r->nfield == 1 ? "" : "s", r->h->n);
    }
    next_row(r);
    return;
  }
  if (r->hdr_match) {
    r->repeats++;  /* the header again: files concatenated with theirs */
    next_row(r);
    return;
  }
  for (int i = 0; i < PT_COL_COUNT; i++)
    if (r->row.present[i])
      r->row.f[i].s = r->rowbuf.data + r->off[i];
  r->row.line = r->row_line;
  r->rows++;
  if (c == -1)
    r->open_end = true;
  if (r->cfg->on_row) {
    pt_code rc = r->cfg->on_row(r->ctx, &r->row, r->err);
    if (rc == PT_EDATA && looks_like_header(r)) {
      /* the same columns in another order: the row's values are names */
      fail_second_header(r);
      if (r->err)
        pt_error_set_field(r->err, "");
    } else if (rc) {
      r->rc = rc;
    }
  }
  next_row(r);
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* A line libcsv makes no row of (when no row is under way). */
static bool blank_line(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!is_blank(s[i]))
      return false;
  return true;
}

static pt_code reader_init(reader *r, header *h, const pt_read_cfg *cfg, void *ctx,
                           pt_error *err) {
  memset(r, 0, sizeof *r);
  r->cfg = cfg;
  r->path = cfg->path ? cfg->path : "<input>";
  r->ctx = ctx;
  r->err = err;
  r->h = h;
  r->need_start = true;
  r->row.path = r->path;
  memcpy(r->row.present, h->present, sizeof r->row.present);
  memcpy(r->row.colno, h->colno, sizeof r->row.colno);
  r->row.nfields = h->n;
  pt_buf_init(&r->rowbuf, 0);
  if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI) != 0)
    return pt_error_at(err, PT_ENOMEM, r->path, 0, 0, "out of memory");
  return PT_OK;
}

static void reader_free(reader *r) {
  csv_free(&r->p);
  pt_buf_free(&r->rowbuf);
}

static void header_free(header *h) {
  free(h->map);
  pt_strtab_free(&h->names);
}

static bool is_space(char c) { return c == ' ' || c == '\t'; }

/* The first comma in [p, e), or e. Eight bytes at a time where the byte
 * order allows (fields are short: a call to memchr costs more than this). */
static const char *find_comma(const char *p, const char *e) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  for (; e - p >= 8; p += 8) {
    uint64_t x;
    memcpy(&x, p, 8);
    x ^= 0x2c2c2c2c2c2c2c2cULL;  /* a comma becomes a zero byte */
    /* the lowest set bit marks the first zero byte (Mycroft's test) */
    uint64_t zero = (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL;
    if (zero)
      return p + (__builtin_ctzll(zero) >> 3);
  }
#endif
  while (p < e && *p != ',')
    p++;
  return p;
}

/* Split a quote-free line that ends in LF (or CRLF), outside any quoted
 * field, as libcsv would: at commas, blanks trimmed around each field; a
 * line of blanks makes no row. */
static void fast_line(reader *r, const char *s, size_t n) {
  const char *e = s + n - 1;
  int term = '\n';
  if (e > s && e[-1] == '\r') {
    e--;
    term = '\r';
  }
  const char *p = s;
  while (p < e && is_space(*p))
    p++;
  if (p == e)
    return;
  const header *h = r->h;
  for (;;) {
    const char *q = find_comma(p, e);
    size_t idx = r->nfield;
    if (!r->in_header && idx && !r->hdr_match && (idx >= h->n || h->map[idx] < 0)) {
      r->nfield++;  /* all on_field would do: a column nobody reads, in a row
                       that is not the header again */
    } else {
      const char *a = p, *b = q;
      while (a < b && is_space(*a))
        a++;
      while (b > a && is_space(b[-1]))
        b--;
      on_field((void *)a, (size_t)(b - a), r);
    }
    if (q == e || r->rc)
      break;
    p = q + 1;
  }
  on_row_end(term, r);
}

static size_t count_quotes(const char *s, size_t n) {
  size_t k = 0;
  for (const char *q = s, *e = s + n; (q = memchr(q, '"', (size_t)(e - q))) != NULL; q++)
    k++;
  return k;
}

/* Feed one physical line (with its line end, if any). has_quote: the line
 * holds a double quote. */
static void feed_line(reader *r, const char *s, size_t n, bool has_quote) {
  uint64_t start = r->offset;
  r->offset += n;
  if (n)
    r->last_byte = s[n - 1];
  if (r->need_start && n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
    s += 3;  /* a UTF-8 byte order mark, before libcsv sees it (a quoted first name) */
    n -= 3;
  }
  r->line++;
  if (r->need_start && !blank_line(s, n)) {
    r->row_line = r->line;
    r->row_offset = start;
    r->need_start = false;
    r->any = true;
  }
  if (r->in_header)
    for (const char *cr = s; (cr = memchr(cr, '\r', (size_t)(s + n - cr))) != NULL; cr++)
      if (cr + 1 < s + n && cr[1] != '\n')
        r->lone_cr = true;
  if (!has_quote && !r->open_quote && !r->cfg->libcsv_only && n && s[n - 1] == '\n') {
    const char *cr = memchr(s, '\r', n);
    if (!cr || cr == s + n - 2) {
      fast_line(r, s, n);
      return;
    }
  }
  if (has_quote && (count_quotes(s, n) & 1))
    r->open_quote = !r->open_quote;
  if (csv_parse(&r->p, s, n, on_field, on_row_end, r) != n && !r->rc)
    fail(r, PT_EDATA, r->line, 0, "malformed CSV: %s (a stray or unbalanced '\"')",
         csv_strerror(csv_error(&r->p)));
}

/* Feed data line by line; stops at the end of the header when header_only.
 * Returns the number of bytes consumed. */
static size_t feed(reader *r, const char *data, size_t len, bool header_only) {
  size_t pos = 0;
  const char *quote = NULL;  /* the next quote at or after pos, once searched */
  bool searched = false;
  while (pos < len && !r->rc && !(header_only && !r->in_header)) {
    const char *s = data + pos;
    const char *nl = memchr(s, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - s) + 1 : len - pos;
    if (!searched || (quote && quote < s)) {
      quote = memchr(s, '"', len - pos);
      searched = true;
    }
    feed_line(r, s, n, quote && quote < s + n);
    pos += n;
  }
  return pos;
}

/* The end of the input: a row libcsv still holds is the last one, with no
 * line end. It is used when whole; when the input stops inside it (too few
 * fields, or an open quote) it is a torn row, left out. */
static void finish_rows(reader *r) {
  if (r->rc)
    return;
  bool eol = r->last_byte == '\n' || r->last_byte == '\r';
  if (csv_fini(&r->p, on_field, on_row_end, r) != 0) {
    if (!eol && !r->in_header) {
      r->torn_line = r->row_line;
      r->torn_offset = r->row_offset;
    } else {
      fail(r, PT_EDATA, r->row_line, 0, "unterminated quoted field (row starts here)");
    }
  }
}

static void finish(reader *r) {
  finish_rows(r);
  if (!r->rc && !r->any)
    fail(r, PT_EDATA, 0, 0, "empty file: expected a header row");
}

static void warn_torn(const pt_read_cfg *cfg, const char *path, long line) {
  if (!cfg->on_warning)
    return;
  pt_error w;
  pt_error_clear(&w);
  pt_error_at(&w, PT_OK, path, line, 0,
              "the last row is incomplete (the file ends inside it, with no line end: a "
              "write cut short?); it is left out and the rows before it are used");
  cfg->on_warning(cfg->warn_ctx, &w);
}

static void fill_info(pt_read_info *info, const reader *last, size_t rows, size_t repeats,
                      size_t workers) {
  if (!info)
    return;
  info->rows = rows;
  info->header_repeats = repeats;
  info->torn_line = last->torn_line;
  info->whole_bytes = last->torn_line ? last->torn_offset : last->offset;
  info->open_end = last->open_end;
  info->workers = workers;
}

static void *first_ctx(const pt_read_cfg *cfg) { return cfg->ctxs ? cfg->ctxs[0] : NULL; }

pt_code pt_trials_read(FILE *fp, const pt_read_cfg *cfg, pt_read_info *info, pt_error *err) {
  header h = {.wanted = cfg->wanted};
  pt_strtab_init(&h.names);
  reader r;
  if (info)
    memset(info, 0, sizeof *info);
  pt_code rc = reader_init(&r, &h, cfg, first_ctx(cfg), err);
  if (rc)
    return rc;
  r.in_header = true;
  char buf[1 << 16];
  pt_buf pending = PT_BUF_INIT;  /* a line not yet ended */
  size_t got;
  while (!r.rc && (got = fread(buf, 1, sizeof buf, fp)) > 0) {
    const char *nl = memrchr(buf, '\n', got);
    if (!nl) {
      if (pt_buf_append(&pending, buf, got))
        fail(&r, PT_ENOMEM, r.line + 1, 0, "out of memory");
      continue;
    }
    size_t whole = (size_t)(nl - buf) + 1;
    if (pending.len) {  /* finish the pending line first */
      const char *first = memchr(buf, '\n', got);
      size_t k = (size_t)(first - buf) + 1;
      if (pt_buf_append(&pending, buf, k)) {
        fail(&r, PT_ENOMEM, r.line + 1, 0, "out of memory");
        break;
      }
      feed(&r, pending.data, pending.len, false);
      pt_buf_reset(&pending);
      feed(&r, buf + k, whole - k, false);
    } else {
      feed(&r, buf, whole, false);
    }
    if (!r.rc && got > whole && pt_buf_append(&pending, buf + whole, got - whole))
      fail(&r, PT_ENOMEM, r.line + 1, 0, "out of memory");
  }
  if (!r.rc && ferror(fp))
    fail(&r, PT_EIO, r.line + 1, 0, "read error: %s", strerror(errno));
  if (!r.rc && pending.len)
    feed(&r, pending.data, pending.len, false);
  pt_buf_free(&pending);
  finish(&r);
  rc = r.rc;
  fill_info(info, &r, r.rows, r.repeats, 1);
  if (!rc && r.torn_line)
    warn_torn(cfg, r.path, r.torn_line);
  reader_free(&r);
  header_free(&h);
  return rc;
}

/* ---- reading a regular file, in parallel ----
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
      char *p = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
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
  w->r.offset = (uint64_t)w->start;
  feed_range(&w->r, w->fd, w->start, w->end, false, NULL);
  finish_rows(&w->r);
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

/* Read the regular file open on fd (len bytes) as pt_trials_read_path does. */
static pt_code read_fd(int fd, off_t len, const pt_read_cfg *cfg, pt_read_info *info,
                       pt_error *err) {
  const char *path = cfg->path ? cfg->path : "<input>";
  off_t body = 0;
  header h = {.wanted = cfg->wanted};
  pt_strtab_init(&h.names);
  reader hr;
  pt_code rc = reader_init(&hr, &h, cfg, first_ctx(cfg), err);
  if (rc)
    return rc;
  hr.in_header = true;
  feed_range(&hr, fd, 0, len, true, &body);
  bool header_done = !hr.in_header;
  if (!hr.rc && !header_done)
    finish(&hr);  /* no header row with a line end: the file is empty or one line */
  if (!hr.rc && header_done && hr.lone_cr) {
    /* a CR alone ended the header inside a line, and rows may have begun
     * after it: this reader goes on through the file, alone */
    feed_range(&hr, fd, body, len, false, NULL);
    finish_rows(&hr);
    header_done = false;
  }
  rc = hr.rc;
  long header_lines = hr.line;
  if (rc || !header_done) {
    fill_info(info, &hr, hr.rows, hr.repeats, 1);
    if (!rc && hr.torn_line)
      warn_torn(cfg, path, hr.torn_line);
    reader_free(&hr);
    header_free(&h);
    return rc;
  }
  reader_free(&hr);

  size_t n = cfg->nctx < MAX_WORKERS ? cfg->nctx : MAX_WORKERS;
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
    if ((rc = reader_init(&w[k].r, &h, cfg, cfg->ctxs ? cfg->ctxs[k] : NULL, &w[k].err))) {
      if (err)
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
    size_t rows = 0, repeats = 0;
    for (size_t k = 0; k < n; k++) {
      if (!rc && (rc = w[k].r.rc) && err)
        *err = w[k].err;
      rows += w[k].r.rows;
      repeats += w[k].r.repeats;
    }
    fill_info(info, &w[n - 1].r, rows, repeats, n);
    if (!rc && w[n - 1].r.torn_line)
      warn_torn(cfg, path, w[n - 1].r.torn_line);
  }
  for (size_t k = 0; k < ready; k++)
    reader_free(&w[k].r);
  free(w);
  free(tid);
  free(running);
  header_free(&h);
  return rc;
}

pt_code pt_trials_read_path(const pt_read_cfg *cfg, pt_read_info *info, pt_error *err) {
  if (info)
    memset(info, 0, sizeof *info);
  const char *path = cfg->path;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return pt_error_at(err, errno == ENOENT ? PT_ENOTFOUND : PT_EIO, path, 0, 0,
                       "cannot open: %s", strerror(errno));
  struct stat st;
  pt_code rc;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    /* not a regular file (a pipe, a device): read it as a stream */
    FILE *fp = fdopen(fd, "rb");
    if (!fp) {
      close(fd);
      return pt_error_at(err, PT_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    }
    rc = pt_trials_read(fp, cfg, info, err);
    fclose(fp);
    return rc;
  }
  rc = read_fd(fd, st.st_size, cfg, info, err);
  close(fd);
  return rc;
}

/* ------------------------------------------------------------------ fields */

static pt_code field_error(const pt_row *row, pt_column c, pt_error *err, const char *what) {
  pt_code rc = pt_error_at(err, PT_EDATA, row->path, row->line, row->colno[c],
                           "'%s' %s: \"%.*s\"", columns[c].name, what,
                           (int)(row->f[c].len > 64 ? 64 : row->f[c].len), row->f[c].s);
  pt_error_set_field(err, columns[c].name);
  return rc;
}

/* strtod and strtoll also take leading blanks, and strtod hexadecimal
 * ("0x1p3", the only form it reads in full that holds an x): a CSV number
 * is written without either. */
static bool plain_number(const char *s) {
  if (isspace((unsigned char)s[0]))
    return false;
  if (*s == '+' || *s == '-')
    s++;
  return !(s[0] == '0' && (s[1] == 'x' || s[1] == 'X'));
}

pt_code pt_row_int(const pt_row *row, pt_column c, int64_t *out, bool *present,
                   pt_error *err) {
  *present = false;
  size_t len = row->f[c].len;
  if (!row->present[c] || len == 0)
    return PT_OK;
  const char *s = row->f[c].s;
  /* the common case, up to 18 digits (no overflow), without strtoll */
  if (len <= 18) {
    int64_t v = 0;
    size_t i = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9')
      v = v * 10 + (s[i++] - '0');
    if (i == len) {
      *out = v;
      *present = true;
      return PT_OK;
    }
  }
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (end == s || end != s + len || !plain_number(s))
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
  if (!isfinite(v))
    return field_error(row, c, err, "is not a finite number");
  if (errno == ERANGE && v == 0.0)  /* subnormals are fine; 1e-400 is not 0 */
    return field_error(row, c, err, "is too small for a double (below 4.9e-324)");
  if (v < 0)
    return field_error(row, c, err, "is negative");
  *out = v;
  *present = true;
  return PT_OK;
}

/* One field of a row into the trial, as its column type says. */
static pt_code field_to_trial(const pt_row *row, pt_column c, pt_trial *t, pt_error *err) {
  bool present;
  int64_t v;
  double d;
  pt_code rc = PT_OK;
  switch (columns[c].type) {
  case PT_CT_STRING: {
    char *s = malloc(row->f[c].len + 1);
    if (!s)
      return pt_error_set(err, PT_ENOMEM, "out of memory");
    memcpy(s, row->f[c].s, row->f[c].len);
    s[row->f[c].len] = '\0';
    *FIELD(t, c, cstr) = s;
    break;
  }
  case PT_CT_INT:
    if (!(rc = pt_row_int(row, c, &v, &present, err)) && present)
      *FIELD(t, c, int64_t) = v;
    break;
  case PT_CT_ORDINAL:
    if (!(rc = pt_row_int(row, c, &v, &present, err)) && present) {
      if (v > LONG_MAX)
        return field_error(row, c, err, "is out of range");
      *FIELD(t, c, long) = (long)v;
    }
    break;
  case PT_CT_DOUBLE:
    if (!(rc = pt_row_double(row, c, &d, &present, err)) && present)
      *FIELD(t, c, double) = d;
    break;
  case PT_CT_BOOL:
    if (!(rc = pt_row_int(row, c, &v, &present, err)) && present) {
      if (v > 1)
        return field_error(row, c, err, "is not 0 or 1");
      *FIELD(t, c, bool) = v == 1;
    }
    break;
  case PT_CT_STATUS:
    if (row->f[c].len &&
        !pt_status_parse(row->f[c].s, row->f[c].len, FIELD(t, c, pt_status)))
      return field_error(row, c, err, "is not one of ok, error, timeout, interrupted");
    break;
  }
  return rc;
}

pt_code pt_row_to_trial(const pt_row *row, pt_trial *t, pt_error *err) {
  pt_trial_init(t);
  pt_code rc = PT_OK;
  for (int c = 0; !rc && c < PT_COL_COUNT; c++)
    if (row->present[c])
      rc = field_to_trial(row, (pt_column)c, t, err);
  if (rc)
    pt_trial_free_strings(t);
  return rc;
}

void pt_trial_free_strings(pt_trial *t) {
  for (int c = 0; c < PT_COL_COUNT; c++)
    if (columns[c].type == PT_CT_STRING) {
      free((char *)*FIELD(t, c, cstr));
      *FIELD(t, c, cstr) = NULL;
    }
}

/* ------------------------------------------------------------------ writer */

struct pt_trial_writer {
  int fd;                        /* a file we opened, or -1 */
  FILE *fp;                      /* a stream we were given, or NULL */
  char *name;
  pt_buf row;
  pt_column cols[PT_COL_COUNT];  /* the file's columns, in its order */
  size_t ncols;
};

pt_code pt_csv_field(pt_buf *b, const char *s) {
  if (!s)
    return PT_OK;
  size_t n = strlen(s);
  if (strcspn(s, ",\"\r\n") == n && (n == 0 || (!is_space(s[0]) && !is_space(s[n - 1]))))
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

/* Shortest decimal that reads back as the same double. */
static pt_code put_double(pt_buf *b, double v) {
  char s[40];
  for (int prec = 6; prec <= 17; prec++) {
    snprintf(s, sizeof s, "%.*g", prec, v);
    if (strtod(s, NULL) == v)
      break;
  }
  return pt_buf_puts(b, s);
}

/* One cell, as the column's type says; a missing value is an empty cell. */
static pt_code put_cell(pt_buf *b, const pt_trial *t, pt_column c) {
  switch (columns[c].type) {
  case PT_CT_STRING:
    return pt_csv_field(b, *CFIELD(t, c, cstr));
  case PT_CT_INT: {
    int64_t v = *CFIELD(t, c, int64_t);
    return v < 0 ? PT_OK : pt_buf_printf(b, "%lld", (long long)v);
  }
  case PT_CT_ORDINAL: {
    long v = *CFIELD(t, c, long);
    return v > 0 ? pt_buf_printf(b, "%ld", v) : PT_OK;
  }
  case PT_CT_DOUBLE: {
    double v = *CFIELD(t, c, double);
    return isfinite(v) && v >= 0 ? put_double(b, v) : PT_OK;
  }
  case PT_CT_BOOL:
    return pt_buf_putc(b, *CFIELD(t, c, bool) ? '1' : '0');
  case PT_CT_STATUS:
    return pt_buf_puts(b, pt_status_name(*CFIELD(t, c, pt_status)));
  }
  return PT_EINTERNAL;
}

static pt_code format_cols(pt_buf *b, const pt_trial *t, const pt_column *cols, size_t n) {
  pt_code rc = PT_OK;
  for (size_t i = 0; !rc && i < n; i++) {
    if (i)
      rc = pt_buf_putc(b, ',');
    if (!rc)
      rc = t ? put_cell(b, t, cols[i]) : pt_buf_puts(b, columns[cols[i]].name);
  }
  return rc ? rc : pt_buf_puts(b, "\r\n");
}

/* The columns of schema version v, in order; returns how many. */
static size_t version_cols(int v, pt_column *cols) {
  size_t n = 0;
  for (int c = 0; c < PT_COL_COUNT; c++)
    if (columns[c].since <= v)
      cols[n++] = (pt_column)c;
  return n;
}

pt_code pt_trial_format_header(pt_buf *b) {
  pt_column cols[PT_COL_COUNT];
  return format_cols(b, NULL, cols, version_cols(PT_SCHEMA_VERSION, cols));
}

pt_code pt_trial_format(pt_buf *b, const pt_trial *t) {
  pt_column cols[PT_COL_COUNT];
  return format_cols(b, t, cols, version_cols(PT_SCHEMA_VERSION, cols));
}

static pt_trial_writer *writer_new(int fd, FILE *fp, const char *name, pt_error *err) {
  pt_trial_writer *w = calloc(1, sizeof *w);
  if (w)
    w->name = strdup(name);
  if (!w || !w->name) {
    free(w);
    pt_error_set(err, PT_ENOMEM, "out of memory");
    return NULL;
  }
  w->fd = fd;
  w->fp = fp;
  w->ncols = version_cols(PT_SCHEMA_VERSION, w->cols);
  pt_buf_init(&w->row, 0);
  return w;
}

/* Write w->row (what: "a row", "the header") whole or not at all: on any
 * failure the file is cut back to its size before, so it ends with a whole
 * row. */
static pt_code write_row(pt_trial_writer *w, const char *what, pt_error *err) {
  if (w->fp) {
    if (fwrite(w->row.data, 1, w->row.len, w->fp) != w->row.len || fflush(w->fp) != 0)
      return pt_error_at(err, PT_EIO, w->name, 0, 0, "cannot write: %s", strerror(errno));
    return PT_OK;
  }
  struct stat st;
  if (fstat(w->fd, &st) != 0)
    return pt_error_at(err, PT_EIO, w->name, 0, 0, "cannot write: %s", strerror(errno));
  const char *p = w->row.data;
  size_t left = w->row.len;
  int saved = 0;
  while (left > 0) {
    ssize_t n = write(w->fd, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      saved = n < 0 ? errno : EIO;
      break;
    }
    p += n;
    left -= (size_t)n;
  }
  if (!saved && fsync(w->fd) != 0 && errno != EINVAL)
    saved = errno;
  if (!saved)
    return PT_OK;
  if (ftruncate(w->fd, st.st_size) != 0) {
    int e = errno;
    return pt_error_at(err, PT_EIO, w->name, 0, 0,
                       "cannot write %s: %s; cutting the file back to its last whole "
                       "row failed too (%s): its last row may be incomplete",
                       what, strerror(saved), strerror(e));
  }
  fsync(w->fd);
  return pt_error_at(err, PT_EIO, w->name, 0, 0,
                     "cannot write %s: %s; the file is %s", what, strerror(saved),
                     st.st_size ? "cut back to its last whole row" : "left empty");
}

/* What the writer learns from the header of a file it appends to. */
typedef struct layout {
  bool seen;     /* the header was read */
  pt_column cols[PT_COL_COUNT];
  size_t ncols;
} layout;

/* A header is ptbench's when it is the column list of some schema version,
 * exactly: those names, that order, nothing else. */
static pt_code check_layout(void *ctx, const pt_row *h, pt_error *err) {
  layout *l = ctx;
  l->seen = true;
  for (int v = PT_SCHEMA_VERSION; v >= 1; v--) {
    size_t n = version_cols(v, l->cols);
    bool same = n == h->nfields;
    for (size_t i = 0; same && i < n; i++)
      same = h->present[l->cols[i]] && h->colno[l->cols[i]] == (long)i + 1;
    if (same) {
      l->ncols = n;
      return PT_OK;
    }
  }
  return pt_error_at(err, PT_EDATA, h->path, h->line, 0,
                     "not a ptbench trials file (its header is none ptbench writes); "
                     "refusing to append to it");
}

pt_trial_writer *pt_trial_writer_open(const char *path, pt_error *err) {
  int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) {
    if (errno == ELOOP)
      pt_error_at(err, PT_EUNSAFE, path, 0, 0,
                  "is a symbolic link; refusing to write through it");
    else
      pt_error_at(err, PT_EIO, path, 0, 0, "cannot open for appending: %s", strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    pt_error_at(err, PT_EUNSAFE, path, 0, 0, "not a regular file; refusing to append to it");
    close(fd);
    return NULL;
  }
  pt_trial_writer *w = writer_new(fd, NULL, path, err);
  if (!w) {
    close(fd);
    return NULL;
  }
  pt_code rc = PT_OK;
  if (st.st_size == 0) {
    /* new, or left empty by a failure before its header: a new file */
    if (pt_trial_format_header(&w->row))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    else
      rc = write_row(w, "the header", err);
  } else {
    layout l = {.seen = false};
    void *ctxs[1] = {&l};
    pt_read_cfg cfg = {.path = path, .on_header = check_layout, .ctxs = ctxs, .nctx = 1};
    pt_read_info info;
    rc = read_fd(fd, st.st_size, &cfg, &info, err);
    if (rc == PT_EDATA && !l.seen)
      pt_error_prefix(err, "not a ptbench trials file; refusing to append to it");
    else if (rc && l.ncols)
      pt_error_prefix(err, "refusing to append to it");
    if (!rc) {
      memcpy(w->cols, l.cols, sizeof l.cols);
      w->ncols = l.ncols;
      if (info.torn_line) {  /* its trial was not recorded: cut it off */
        if (ftruncate(fd, (off_t)info.whole_bytes) != 0)
          rc = pt_error_at(err, PT_EIO, path, info.torn_line, 0,
                           "cannot cut off the incomplete last row: %s", strerror(errno));
      } else if (info.open_end) {  /* whole, but the next row needs a line end first */
        rc = pt_buf_puts(&w->row, "\r\n") ? pt_error_set(err, PT_ENOMEM, "out of memory")
                                           : write_row(w, "the last row's line end", err);
      }
    }
  }
  pt_buf_reset(&w->row);
  if (rc) {
    pt_trial_writer_close(w, NULL);
    return NULL;
  }
  return w;
}

pt_trial_writer *pt_trial_writer_stream(FILE *fp, const char *name, pt_error *err) {
  pt_trial_writer *w = writer_new(-1, fp, name, err);
  if (!w)
    return NULL;
  if (pt_trial_format_header(&w->row) || write_row(w, "the header", err)) {
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
  if (format_cols(&w->row, t, w->cols, w->ncols))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  return write_row(w, "a row", err);
}

pt_code pt_trial_writer_close(pt_trial_writer *w, pt_error *err) {
  if (!w)
    return PT_OK;
  pt_code rc = PT_OK;
  if (w->fd >= 0 && close(w->fd) != 0)
    rc = pt_error_at(err, PT_EIO, w->name, 0, 0, "cannot close: %s", strerror(errno));
  pt_buf_free(&w->row);
  free(w->name);
  free(w);
  return rc;
}
