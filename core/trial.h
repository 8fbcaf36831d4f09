/* core/trial.h - the trial schema (DESIGN.md "Run directory") and its CSV
 * reader and writer (libcsv).
 *
 * A trial is one Ollama request. On disk it is one row of trials.csv, with the
 * columns of PT_COLUMN_MAP in that order. The reader finds columns by header
 * name, in any order, ignores columns it does not know, accepts a UTF-8 BOM
 * and CRLF line ends, and hands each row to a callback as field views, so the
 * analyzer can read a million rows without building trials. Rows without a
 * double quote are split with memchr; rows with one go through libcsv (the
 * two agree on every input: tests/fuzz/fuzz_csv_diff.c). The writer emits
 * RFC 4180 with the header once and each row as one write, flushed; a failed
 * write leaves the file cut back to its last whole row.
 */
#ifndef PT_TRIAL_H
#define PT_TRIAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

/* The trial schema, one table: X(id, header name, pt_trial field, type,
 * schema version that added the column), in the writer's order. The enum
 * pt_column, the column table (pt_column_def), the reader, the writer and
 * the free function all come from this list; the README's trials.csv table
 * is checked against it by tests/unit/test_trial.c. A new column goes at
 * its place with the next version number (PT_SCHEMA_VERSION), so files
 * written with an older column set can still be appended to in their order.
 */
#define PT_COLUMN_MAP(X)                                                        \
  X(RUN_ID, "run_id", run_id, STRING, 1)                                        \
  X(SEQ, "seq", seq, ORDINAL, 2)                                                \
  X(ENVIRONMENT, "environment", environment, STRING, 1)                         \
  X(STARTED_AT, "started_at", started_at, STRING, 1)                            \
  X(MODEL, "model", model, STRING, 1)                                           \
  X(MODEL_DIGEST, "model_digest", model_digest, STRING, 1)                      \
  X(PROMPT_ID, "prompt_id", prompt_id, STRING, 1)                               \
  X(TRIAL, "trial", trial, ORDINAL, 1)                                          \
  X(WARMUP, "warmup", warmup, BOOL, 1)                                          \
  X(STATUS, "status", status, STATUS, 1)                                        \
  X(DONE_REASON, "done_reason", done_reason, STRING, 1)                         \
  X(PROMPT_EVAL_COUNT, "prompt_eval_count", prompt_eval_count, INT, 1)          \
  X(PROMPT_EVAL_DURATION_NS, "prompt_eval_duration_ns", prompt_eval_duration_ns, \
    INT, 1)                                                                     \
  X(EVAL_COUNT, "eval_count", eval_count, INT, 1)                               \
  X(EVAL_DURATION_NS, "eval_duration_ns", eval_duration_ns, INT, 1)             \
  X(LOAD_DURATION_NS, "load_duration_ns", load_duration_ns, INT, 1)             \
  X(TOTAL_DURATION_NS, "total_duration_ns", total_duration_ns, INT, 1)          \
  X(TTFT_NS, "ttft_ns", ttft_ns, INT, 1)                                        \
  X(WALL_NS, "wall_ns", wall_ns, INT, 1)                                        \
  X(EVAL_RATE, "eval_rate", eval_rate, DOUBLE, 1)                               \
  X(PROMPT_EVAL_RATE, "prompt_eval_rate", prompt_eval_rate, DOUBLE, 1)          \
  X(SIZE_BYTES, "size_bytes", size_bytes, INT, 1)                               \
  X(SIZE_VRAM_BYTES, "size_vram_bytes", size_vram_bytes, INT, 1)                \
  X(GPU_CLOCK_MHZ, "gpu_clock_mhz", gpu_clock_mhz, DOUBLE, 2)                   \
  X(GPU_TEMP_C, "gpu_temp_c", gpu_temp_c, DOUBLE, 2)                            \
  X(GPU_POWER_W, "gpu_power_w", gpu_power_w, DOUBLE, 2)                         \
  X(GPU_BUSY_PCT, "gpu_busy_pct", gpu_busy_pct, DOUBLE, 2)                      \
  X(ERROR, "error", error, STRING, 1)

/* The newest column set; version 1 is the 23 columns before seq and gpu_*. */
#define PT_SCHEMA_VERSION 2

typedef enum {
#define PT_X(id, name, field, type, since) PT_COL_##id,
  PT_COLUMN_MAP(PT_X)
#undef PT_X
  PT_COL_COUNT
} pt_column;

/* How a column's value is held in pt_trial and written in CSV. */
typedef enum {
  PT_CT_STRING,   /* const char *; NULL = empty cell */
  PT_CT_INT,      /* int64_t >= 0; PT_MISSING = empty cell */
  PT_CT_ORDINAL,  /* long, 1-based position; 0 = empty cell */
  PT_CT_DOUBLE,   /* double >= 0, finite; NAN = empty cell */
  PT_CT_BOOL,     /* bool, written 1 or 0 */
  PT_CT_STATUS,   /* pt_status, written by name */
} pt_column_type;

typedef struct pt_column_def {
  const char *name;      /* header name */
  size_t offset;         /* offsetof(pt_trial, field) */
  pt_column_type type;
  int since;             /* schema version that added it */
} pt_column_def;

/* The definition of column c (c < PT_COL_COUNT). */
const pt_column_def *pt_column_get(pt_column c);

/* Header name of a column; pt_column_find returns -1 for an unknown name. */
const char *pt_column_name(pt_column c);
int pt_column_find(const char *name, size_t len);

typedef enum {
  PT_STATUS_OK,
  PT_STATUS_ERROR,
  PT_STATUS_TIMEOUT,
  PT_STATUS_INTERRUPTED,
} pt_status;

const char *pt_status_name(pt_status s);
/* Returns false for an unknown name. */
bool pt_status_parse(const char *s, size_t len, pt_status *out);

#define PT_MISSING (-1)  /* an integer metric that was not reported */

/* One trial: one row, its fields as PT_COLUMN_MAP types them. Strings are
 * borrowed: the writer copies nothing, the owner of the struct owns them.
 * Integer metrics use PT_MISSING, doubles NAN, when not reported (Ollama
 * omits zero metrics). */
typedef struct pt_trial {
  const char *run_id;
  long seq;                 /* 1-based position in its session; 0 = not set */
  const char *environment;
  const char *started_at;   /* ISO 8601 UTC with milliseconds */
  const char *model;
  const char *model_digest;
  const char *prompt_id;
  long trial;               /* 1-based within (model, prompt) */
  bool warmup;
  pt_status status;
  const char *done_reason;
  int64_t prompt_eval_count, prompt_eval_duration_ns;
  int64_t eval_count, eval_duration_ns;
  int64_t load_duration_ns, total_duration_ns;
  int64_t ttft_ns, wall_ns;
  double eval_rate, prompt_eval_rate;  /* tokens/s, derived */
  int64_t size_bytes, size_vram_bytes;
  double gpu_clock_mhz, gpu_temp_c;    /* GPU telemetry during the trial; */
  double gpu_power_w, gpu_busy_pct;    /* NAN when not sampled */
  const char *error;
} pt_trial;

/* A trial with every metric missing and status ok. */
void pt_trial_init(pt_trial *t);

/* count / duration * 1e9 in tokens/s; NAN when there is no valid rate
 * (STATS.md 8: count < 2, or duration missing or <= 0). */
double pt_rate(int64_t count, int64_t duration_ns);

/* ---- reader ---- */

typedef struct pt_field {
  const char *s;  /* NUL-terminated at len */
  size_t len;
} pt_field;

/* One row as the reader hands it over: the fields of the known columns
 * (present[c] false when the file has no such column, or the caller did
 * not ask for it). Valid only during the callback. */
typedef struct pt_row {
  const char *path;     /* file name for messages */
  long line;            /* line where the row starts, 1-based */
  size_t nfields;       /* fields in the header (known or not) */
  bool present[PT_COL_COUNT];
  long colno[PT_COL_COUNT];  /* 1-based column number of each field */
  pt_field f[PT_COL_COUNT];
} pt_row;

/* Called for every data row; return PT_OK to go on, anything else stops the
 * read and is returned (fill err with the location). */
typedef pt_code (*pt_row_fn)(void *ctx, const pt_row *row, pt_error *err);

/* Called once after the header with which known columns exist (f holds
 * their names); may reject the file (e.g. a missing metric column). */
typedef pt_code (*pt_header_fn)(void *ctx, const pt_row *header, pt_error *err);

/* Called for what the reader tolerates but the user should hear about;
 * warning->file and ->line say where, ->msg what (the code is PT_OK). */
typedef void (*pt_warn_fn)(void *ctx, const pt_error *warning);

typedef struct pt_read_cfg {
  const char *path;          /* the file to read (pt_trials_read_path); names
                                the input in messages (both functions) */
  pt_header_fn on_header;    /* may be NULL; called with ctxs[0] */
  pt_row_fn on_row;          /* may be NULL: rows are checked and counted */
  void *const *ctxs;         /* one context per worker, nctx of them */
  size_t nctx;               /* workers wanted; 0 or 1 reads on this thread */
  const bool *wanted;        /* columns to copy, indexed by pt_column; NULL =
                                all; the others read as absent */
  pt_warn_fn on_warning;     /* may be NULL */
  void *warn_ctx;
  bool libcsv_only;          /* every row through libcsv, none through the
                                fast path (the differential fuzz test) */
} pt_read_cfg;

/* What a read found besides the rows. */
typedef struct pt_read_info {
  size_t rows;               /* data rows handed to on_row */
  size_t header_repeats;     /* rows equal to the header, skipped: files
                                concatenated with their headers */
  long torn_line;            /* line where an incomplete last row starts
                                (left out, with a warning); 0 = none */
  uint64_t whole_bytes;      /* bytes before that row; without one, every
                                byte read */
  bool open_end;             /* the last row is whole but has no line end */
  size_t workers;            /* contexts used: merge ctxs[0..workers) */
} pt_read_info;

/* Read trials CSV from fp (cfg->path names it; one thread).
 *
 * Columns are found by header name, in any order; unknown columns are
 * skipped; a UTF-8 BOM, CRLF or LF line ends and blank lines are accepted.
 * A row equal to the header is skipped (concatenated files). A last row
 * with no line end is used when it is whole; when the input ends inside it
 * (fewer fields than the header, or an open quote: a write cut short) it is
 * left out with a warning and the rows before it are used.
 *
 * Errors (each naming path, line and, where it applies, column): an empty
 * input, a duplicate or empty column name, missing `model` or
 * `environment`, a row with another number of fields than the header (a
 * second header unlike the first - a row whose first field is a column
 * name - is named as such, and so is one whose row callback fails with
 * PT_EDATA), a quote inside an unquoted field, an unterminated quote before
 * the last line end, a read error. info (may be NULL) is filled either way. */
pt_code pt_trials_read(FILE *fp, const pt_read_cfg *cfg, pt_read_info *info, pt_error *err);

/* Read the file cfg->path as pt_trials_read does, with up to cfg->nctx
 * threads: the body is cut into chunks that start on row boundaries and
 * worker k calls on_row with ctxs[k] for the rows of chunk k, concurrently
 * with the others (so each context must be private to its worker). Chunks
 * follow file order: merging contexts 0..info->workers-1 in turn restores
 * the order of the rows. Small files, pipes and nctx <= 1 use one thread.
 * The first error in file order is returned. */
pt_code pt_trials_read_path(const pt_read_cfg *cfg, pt_read_info *info, pt_error *err);

/* Typed field access; they fail with PT_EDATA and a message naming path,
 * line, column and field. An empty or absent field is "missing": *present is
 * set false and PT_OK returned. Numbers must be finite and >= 0. */
pt_code pt_row_int(const pt_row *row, pt_column c, int64_t *out, bool *present,
                   pt_error *err);
pt_code pt_row_double(const pt_row *row, pt_column c, double *out, bool *present,
                      pt_error *err);

/* Parse a whole row into a trial whose strings are malloc'ed copies (free
 * with pt_trial_free_strings). */
pt_code pt_row_to_trial(const pt_row *row, pt_trial *t, pt_error *err);
/* Free the strings of a trial filled by pt_row_to_trial and set them NULL. */
void pt_trial_free_strings(pt_trial *t);

/* ---- writer ---- */

typedef struct pt_trial_writer pt_trial_writer;

/* Open path for appending (never through a symbolic link: O_NOFOLLOW). A
 * new or empty file gets the header. An existing file must be a regular
 * file that reads as trials CSV (pt_trials_read) under a header ptbench
 * writes or wrote (any PT_SCHEMA_VERSION); rows then go in that header's
 * column order. A last row left incomplete by an interrupted write is cut
 * off (its trial was not recorded), and a whole last row without a line end
 * gets one. Anything else is PT_EDATA (PT_EUNSAFE for a link or a file that
 * is not regular): ptbench never mixes or rewrites a file not its own.
 * Returns NULL on failure with err set. */
pt_trial_writer *pt_trial_writer_open(const char *path, pt_error *err);
/* Write to an open stream (stdout); the header is written first. */
pt_trial_writer *pt_trial_writer_stream(FILE *fp, const char *name, pt_error *err);
/* Append one row: formatted in memory, written with one write, flushed and
 * (files) fsync'ed. When any of that fails (a full disk, an I/O error, a
 * short write) the file is cut back to its length before the row, so it
 * holds whole rows only, and err names the file and the cause. */
pt_code pt_trial_write(pt_trial_writer *w, const pt_trial *t, pt_error *err);
/* Close (not the stream passed to pt_trial_writer_stream). NULL is a no-op. */
pt_code pt_trial_writer_close(pt_trial_writer *w, pt_error *err);

struct pt_buf;

/* Append one CSV field to b: as is, or quoted by libcsv's csv_write when it
 * holds a comma, a quote, a line end or edge blanks (RFC 4180). NULL
 * appends nothing (an empty field). */
pt_code pt_csv_field(struct pt_buf *b, const char *s);

/* Append one row, or the header, with its CRLF (RFC 4180) to b, in the
 * current schema's column order. */
pt_code pt_trial_format(struct pt_buf *b, const pt_trial *t);
pt_code pt_trial_format_header(struct pt_buf *b);

#endif
