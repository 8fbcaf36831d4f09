/* analyze/analysis.h - from trials to the analysis document.
 *
 * A pt_dataset collects the trials of one metric from any number of inputs
 * (trials.csv files, run directories, directories searched recursively,
 * stdin), grouped by (model, environment), in order of first appearance.
 * pt_analyze() computes the statistics of STATS.md for every group, the
 * comparisons against the baseline, the summary and the validity warnings,
 * and returns the analysis document (analyze/doc.h: its schema, keys and
 * readers; described field by field in the README) as a cJSON tree the
 * caller owns.
 */
#ifndef PT_ANALYSIS_H
#define PT_ANALYSIS_H

#include <cJSON.h>
#include <stdbool.h>

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

typedef struct pt_label {
  const char *name;  /* environment */
  const char *text;  /* display label */
} pt_label;

typedef struct pt_analyze_opts {
  const char *baseline;      /* NULL: "bare-metal" if present, else the first */
  double confidence;         /* of every interval, (0, 1) */
  double alpha;              /* significance level, (0, 1) */
  bool mann_whitney;         /* decide significance by U instead of Welch */
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
 * malformed data (file:line:column in err). */
pt_code pt_dataset_add(pt_dataset *ds, const char *input, pt_error *err);

/* Number of trials (rows) read so far. */
size_t pt_dataset_rows(const pt_dataset *ds);

/* Compute the analysis. Fails with PT_EDATA when there is no usable trial,
 * PT_EUSAGE when opts->baseline is not an environment of the data. */
cJSON *pt_analyze(pt_dataset *ds, const pt_analyze_opts *opts, pt_error *err);

/* ---- output formats of `ptbench analyze` (they read the document) ---- */

/* The results table: | Model | <baseline> | <other>... | Penalty (%)... | */
pt_code pt_analysis_md(const cJSON *doc, pt_buf *out);
/* One row per group with every statistic, and the comparison columns. */
pt_code pt_analysis_csv(const cJSON *doc, pt_buf *out);
/* Aligned plain-text table for terminals and the summary of penalties (the
 * warnings are the command's to print, on stderr). */
pt_code pt_analysis_text(const cJSON *doc, pt_buf *out);

/* Markdown-escape text for a table cell: | * _ < > ` [ ] \ and newlines. */
pt_code pt_md_escape(pt_buf *out, const char *s);

#endif
