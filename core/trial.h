/* core/trial.h - the trial schema (DESIGN.md "Run directory") and its CSV
 * reader and writer (libcsv).
 *
 * A trial is one Ollama request. On disk it is one row of trials.csv, with the
 * columns below in this order. The reader finds columns by header name, in any
 * order, ignores columns it does not know, accepts a UTF-8 BOM and CRLF line
 * ends, and hands each row to a callback as field views (no copies), so the
 * analyzer can read a million rows without building trials. The writer emits
 * RFC 4180 with the header once and each row as one write, flushed.
 */
#ifndef PT_TRIAL_H
#define PT_TRIAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

/* X(enum suffix, header name) in writer order. */
#define PT_COLUMN_MAP(X)                                   \
  X(RUN_ID, "run_id")                                      \
  X(ENVIRONMENT, "environment")                            \
  X(STARTED_AT, "started_at")                              \
  X(MODEL, "model")                                        \
  X(MODEL_DIGEST, "model_digest")                          \
  X(PROMPT_ID, "prompt_id")                                \
  X(TRIAL, "trial")                                        \
  X(WARMUP, "warmup")                                      \
  X(STATUS, "status")                                      \
  X(DONE_REASON, "done_reason")                            \
  X(PROMPT_EVAL_COUNT, "prompt_eval_count")                \
  X(PROMPT_EVAL_DURATION_NS, "prompt_eval_duration_ns")    \
  X(EVAL_COUNT, "eval_count")                              \
  X(EVAL_DURATION_NS, "eval_duration_ns")                  \
  X(LOAD_DURATION_NS, "load_duration_ns")                  \
  X(TOTAL_DURATION_NS, "total_duration_ns")                \
  X(TTFT_NS, "ttft_ns")                                    \
  X(WALL_NS, "wall_ns")                                    \
  X(EVAL_RATE, "eval_rate")                                \
  X(PROMPT_EVAL_RATE, "prompt_eval_rate")                  \
  X(SIZE_BYTES, "size_bytes")                              \
  X(SIZE_VRAM_BYTES, "size_vram_bytes")                    \
  X(ERROR, "error")

typedef enum {
#define PT_X(id, name) PT_COL_##id,
  PT_COLUMN_MAP(PT_X)
#undef PT_X
  PT_COL_COUNT
} pt_column;

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

/* One trial. Strings are borrowed: the writer copies nothing, the owner of
 * the struct owns them. Integer metrics use PT_MISSING, rates NAN, when
 * not reported (Ollama omits zero metrics). */
typedef struct pt_trial {
  const char *run_id;
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
  const char *error;
} pt_trial;

/* A trial with every metric missing and status ok. */
void pt_trial_init(pt_trial *t);

/* count / duration * 1e9 in tokens/s; NAN when there is no valid rate
 * (STATS.md 8: count < 2, or duration missing or <= 0). */
double pt_rate(int64_t count, int64_t duration_ns);

/* ---- reader ---- */

typedef struct pt_field {
  const char *s;  /* not NUL-terminated in general; s[len] is readable */
  size_t len;
} pt_field;

/* One row as the reader hands it over: the fields of the known columns
 * (present[c] false when the file has no such column). Valid only during the
 * callback. */
typedef struct pt_row {
  const char *path;     /* file name for messages */
  long line;            /* line where the row starts, 1-based */
  bool present[PT_COL_COUNT];
  long colno[PT_COL_COUNT];  /* 1-based column number of each field */
  pt_field f[PT_COL_COUNT];
} pt_row;

/* Called for every data row; return PT_OK to go on, anything else stops the
 * read and is returned (fill err with the location). */
typedef pt_code (*pt_row_fn)(void *ctx, const pt_row *row, pt_error *err);

/* Called once after the header with which known columns exist; may reject
 * the file (e.g. a missing metric column). May be NULL. */
typedef pt_code (*pt_header_fn)(void *ctx, const pt_row *header, pt_error *err);

/* Read trials CSV from fp (path names it in messages). Errors: an empty file,
 * a duplicate or empty column name, missing `model` or `environment`, a row
 * with a different number of fields than the header, an unterminated quote,
 * a read error. Each names path, line and, where it applies, column. */
pt_code pt_trials_read(FILE *fp, const char *path, pt_header_fn on_header,
                       pt_row_fn on_row, void *ctx, pt_error *err);
pt_code pt_trials_read_path(const char *path, pt_header_fn on_header,
                            pt_row_fn on_row, void *ctx, pt_error *err);

/* Read a file with up to nctx threads, copying only the columns marked in
 * wanted (indexed by pt_column; NULL = all; the others read as absent):
 * the body is cut into chunks that
 * start on row boundaries and worker k calls on_row with ctxs[k] for the
 * rows of chunk k, concurrently with the others (so each context must be
 * private to its worker). Chunks follow file order: merging contexts
 * 0..*used-1 in turn restores the order of the rows. on_header is called
 * once, with ctxs[0]. Small files, pipes and nctx == 1 use one thread.
 * The first error in file order is returned. */
pt_code pt_trials_read_path_parallel(const char *path, const bool *wanted,
                                     pt_header_fn on_header, pt_row_fn on_row,
                                     void *const *ctxs, size_t nctx, size_t *used,
                                     pt_error *err);

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
void pt_trial_free_strings(pt_trial *t);

/* ---- writer ---- */

typedef struct pt_trial_writer pt_trial_writer;

/* Open path for appending. A new or empty file gets the header. An existing
 * file must start with ptbench's header (else PT_EDATA: never mixed or
 * overwritten). Returns NULL on failure with err set. */
pt_trial_writer *pt_trial_writer_open(const char *path, pt_error *err);
/* Write to an open stream (stdout); the header is written first. */
pt_trial_writer *pt_trial_writer_stream(FILE *fp, const char *name, pt_error *err);
/* Format the row in memory, write it with one fwrite, flush and fsync
 * (files only), so a row is on disk whole or not at all as far as a crash
 * between rows is concerned. */
pt_code pt_trial_write(pt_trial_writer *w, const pt_trial *t, pt_error *err);
/* Close (not the stream passed to pt_trial_writer_stream). NULL is a no-op. */
pt_code pt_trial_writer_close(pt_trial_writer *w, pt_error *err);

struct pt_buf;

/* Append one CSV field to b: as is, or quoted by libcsv's csv_write when it
 * holds a comma, a quote, a line end or edge blanks (RFC 4180). NULL
 * appends nothing (an empty field). */
pt_code pt_csv_field(struct pt_buf *b, const char *s);

/* Append one row, or the header, with its CRLF (RFC 4180) to b. */
pt_code pt_trial_format(struct pt_buf *b, const pt_trial *t);
pt_code pt_trial_format_header(struct pt_buf *b);

#endif
