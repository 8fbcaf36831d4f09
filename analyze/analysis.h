/* analyze/analysis.h - from trials to the analysis document.
 *
 * A pt_dataset collects the trials of one metric from any number of inputs
 * (trials.csv files, run directories, directories searched recursively,
 * stdin), grouped by (model, environment), in order of first appearance,
 * each valid trial with its session (run_id), prompt, seq and start time.
 * pt_analyze() computes the statistics of STATS.md for every group, the
 * session model's comparison of every environment with the baseline per
 * model and across models (STATS.md 16-22, analyze/lmm.h), its verdicts,
 * the per-prompt penalties and the validity warnings, and returns the
 * analysis document (analyze/doc.h: its schema, keys and readers;
 * described field by field in the README) as a cJSON tree the caller owns.
 */
#ifndef PT_ANALYSIS_H
#define PT_ANALYSIS_H

#include <cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "analyze/doc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/trial.h"

typedef struct pt_metric {
  const char *name;       /* column name, e.g. "eval_rate" */
  const char *label;      /* "Generation rate" */
  const char *unit;       /* unit of the analyzed values: "tokens/s", "ms" */
  bool higher_is_better;
  pt_column column;       /* column holding the value */
  pt_column count, duration;  /* rates: derive count/duration when the
                                 value column is absent or empty; else -1 */
  double scale;           /* value = column value * scale (ns -> ms) */
} pt_metric;

/* The metric named name, or NULL. pt_metric_names lists them for messages. */
const pt_metric *pt_metric_find(const char *name);
extern const char pt_metric_names[];

/* Most metrics one analysis may hold (every known one). */
#define PT_METRIC_MAX 6
/* The metrics "all" stands for, in the order reports show them: generation
 * rate, prompt processing rate, time to first token, model load time, wall
 * time per request (total_duration_ns, the server's share of wall_ns, only
 * when named). */
extern const char pt_metric_all[];
/* Parse a --metric value: one name, a comma-separated list of names (the
 * first is the document's top-level metric) or "all" (pt_metric_all, *all
 * set: metrics the data lack are then skipped, not errors). Fills out[0..*n)
 * with no name twice. PT_EUSAGE quoting an unknown or repeated name or an
 * empty item. */
pt_code pt_metric_list_parse(const char *list, const pt_metric **out, size_t *n, bool *all,
                             pt_error *err);

typedef struct pt_label {
  const char *name;  /* environment */
  const char *text;  /* display label */
} pt_label;

/* How the p-values of the models of one comparison are adjusted before the
 * verdicts (STATS.md 20). */
typedef enum pt_adjust {
  PT_ADJUST_HOLM,  /* Holm's step-down (the default) */
  PT_ADJUST_NONE,
} pt_adjust;

typedef struct pt_analyze_opts {
  const char *baseline;      /* NULL: "bare-metal" if present, else the first */
  double confidence;         /* of every interval, (0, 1) */
  double alpha;              /* significance level, (0, 1) */
  pt_adjust adjust;          /* across the models of a comparison */
  bool drop_outliers;        /* leave out trials with modified z > 14.826 */
  const pt_label *labels;    /* --label overrides */
  size_t nlabels;
} pt_analyze_opts;

void pt_analyze_opts_init(pt_analyze_opts *o);

typedef struct pt_dataset pt_dataset;

/* A dataset for metric m; NULL when out of memory. */
pt_dataset *pt_dataset_new(const pt_metric *m);
void pt_dataset_free(pt_dataset *ds);

/* Add an input: a trials.csv file, a run directory, a directory searched
 * recursively for trials.csv, or "-" for stdin. A run directory's
 * manifest.json is read beside its trials.csv. Fails with PT_EUSAGE for a
 * path that does not exist, PT_EDATA for a directory with no trials.csv or
 * malformed data (file:line:column in err), among which a run_id met in two
 * environments (named). */
pt_code pt_dataset_add(pt_dataset *ds, const char *input, pt_error *err);
/* The same, with every row of input counted as environment env (NULL: as
 * its `environment` column says); env becomes its display label unless a
 * pt_label overrides it. */
pt_code pt_dataset_add_as(pt_dataset *ds, const char *input, const char *env, pt_error *err);

/* A command-line input: NAME=PATH (benchstat's label=path: the rows of PATH
 * are environment NAME) or PATH. The rule: an argument that exists as a
 * path, is "-", has no '=', starts with '=' or has a '/' before its first
 * '=' is a PATH (so "./a=b" is always a path); else it is NAME=PATH split at
 * the first '='. pt_input_split says which (true: NAME=PATH, name copied to
 * name[size], a NAME of size or more bytes counts as a path), pointing
 * *path into arg; pt_dataset_add_input adds it. */
bool pt_input_split(const char *arg, const char **path, char *name, size_t size);
pt_code pt_dataset_add_input(pt_dataset *ds, const char *arg, pt_error *err);

/* From now on, an input without the metric's column is no error: its rows
 * have no value (counted as invalid). For analyses of every metric the
 * data may have (--metric all). */
void pt_dataset_metric_optional(pt_dataset *ds);

/* Number of trials (rows) read so far. */
size_t pt_dataset_rows(const pt_dataset *ds);

/* ---- the trials themselves, for the charts drawn from every trial ----
 * Indexes are the dataset's own (order of first appearance); names and
 * arrays point into ds and live as long as it. */
const pt_metric *pt_dataset_metric(const pt_dataset *ds);
size_t pt_dataset_model_count(const pt_dataset *ds);
const char *pt_dataset_model_name(const pt_dataset *ds, size_t model);
size_t pt_dataset_env_count(const pt_dataset *ds);
const char *pt_dataset_env_name(const pt_dataset *ds, size_t env);
size_t pt_dataset_session_count(const pt_dataset *ds);
/* The sessions of env that have valid trials, in analysis.json's order
 * (environments[].sessions[]: by first start, those without a time last),
 * into out (room for pt_dataset_session_count); returns how many. PT_ENOMEM
 * is impossible: no allocation beyond out. */
size_t pt_dataset_env_sessions(const pt_dataset *ds, size_t env, size_t *out);

/* The valid trials of one (model, environment), in input order. */
typedef struct pt_dataset_cell {
  size_t n;
  const double *values;     /* in the metric's unit */
  const uint32_t *session;  /* session index of each */
  const uint32_t *seq;      /* its `seq`, 0 when the input has none */
} pt_dataset_cell;
/* False (cell zeroed) when the pair has no valid trial. */
bool pt_dataset_cell_of(const pt_dataset *ds, size_t model, size_t env, pt_dataset_cell *cell);

/* Compute the analysis. Fails with PT_EDATA when there is no usable trial,
 * PT_EUSAGE when opts->baseline is not an environment of the data. */
cJSON *pt_analyze(pt_dataset *ds, const pt_analyze_opts *opts, pt_error *err);

/* The largest across-models fit (STATS.md 18 with model x prompt blocks):
 * above this many blocks the summary's model is not fitted (its cost grows
 * with the cube of the blocks), and a warning says so. */
#define PT_SUMMARY_MAX_BLOCKS 400

/* ---- output formats of `ptbench analyze` (they read the document) ---- */

/* The results table: | Model | <baseline> | <other>... | Penalty (%)... | */
pt_code pt_analysis_md(const cJSON *doc, pt_buf *out);
/* One row per group with every statistic, and the comparison columns. */
pt_code pt_analysis_csv(const cJSON *doc, pt_buf *out);
/* Aligned plain-text table for terminals, the summary of penalties and, for
 * an undetermined verdict, what it means and what to do (the warnings are
 * the command's to print, on stderr). */
pt_code pt_analysis_text(const cJSON *doc, pt_buf *out);

/* The per-prompt penalties (`analyze --by prompt`): one row per model and
 * prompt with each environment's n and mean and each compared
 * environment's penalty, from the models' "prompts" lists. */
pt_code pt_analysis_prompts_md(const cJSON *doc, pt_buf *out);
pt_code pt_analysis_prompts_csv(const cJSON *doc, pt_buf *out);
pt_code pt_analysis_prompts_text(const cJSON *doc, pt_buf *out);

/* Markdown-escape text for a table cell, read alike by CommonMark and
 * Python-Markdown: | * _ ` [ ] \ # backslash-escaped, < > & ~ as entities,
 * newlines as spaces. */
pt_code pt_md_escape(pt_buf *out, const char *s);

/* Write rows x cols NUL-terminated cells (cell_size bytes each, row by
 * row) aligned by display width (UTF-8 code points): the first left_cols
 * columns to the left, the others to the right, two spaces apart, each
 * row without trailing blanks and ended by a newline. */
pt_code pt_text_table(pt_buf *out, const char *cells, size_t cell_size, size_t rows,
                      size_t cols, size_t left_cols);
/* Copy text into a cell of size bytes for pt_text_table: control
 * characters escaped ("\n", "\x1b": a name can neither break a row nor
 * reach the terminal as an escape sequence), cut at a character boundary
 * with "..." (U+2026) when it does not fit. */
void pt_text_cell(char *dst, size_t size, const char *src);

#endif
