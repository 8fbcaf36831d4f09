/* cli/analyze_opts.h - the options of `ptbench analyze` shared with the
 * commands that analyze before they do more (`ptbench report`): one option
 * table fragment, one validation, one analysis run, so the commands cannot
 * drift apart.
 *
 * Use: declare `pt_analyze_cli a = PT_ANALYZE_CLI_INIT;`, put
 * PT_ANALYZE_CLI_OPTIONS(&a) in the command's option table, call
 * pt_analyze_cli_check() after pt_parse_options(), then
 * pt_analyze_cli_run() with the INPUT operands; pt_analyze_cli_free() last.
 */
#ifndef PT_ANALYZE_OPTS_H
#define PT_ANALYZE_OPTS_H

#include <cJSON.h>
#include <stdbool.h>

#include "analyze/analysis.h"
#include "cli/cli.h"

typedef struct pt_analyze_cli {
  const char *baseline;     /* --baseline, NULL = default */
  const char *metric_name;  /* --metric: NAME, NAME,NAME... or all */
  const char *adjust;       /* --adjust */
  double confidence, alpha;
  bool drop_outliers;
  pt_strlist labels;        /* --label NAME=TEXT, as given */
  pt_label *lab;            /* the same, split by pt_analyze_cli_check */
  const pt_metric *metric;  /* set by pt_analyze_cli_check: the first of metrics */
  const pt_metric *metrics[PT_METRIC_MAX];  /* the list, parsed */
  size_t nmetrics;
  bool all_metrics;         /* --metric all: metrics the data lack are skipped */
} pt_analyze_cli;

/* `analyze` analyzes eval_rate unless told otherwise; `report` every metric
 * the data has (PT_ANALYZE_CLI_INIT_ALL). */
#define PT_ANALYZE_CLI_INIT {NULL, "eval_rate", "holm", 0.95, 0.05, false, {0}, NULL, NULL, {0}, 0, false}
#define PT_ANALYZE_CLI_INIT_ALL {NULL, "all", "holm", 0.95, 0.05, false, {0}, NULL, NULL, {0}, 0, false}

/* The option table entries, to be spread into a pt_option array. */
#define PT_ANALYZE_CLI_OPTIONS(a)                                                            \
  {'b', "baseline", PT_OPT_STRING, &(a)->baseline, "ENV",                                    \
   "environment the others are compared with (default: bare-metal, else the first)"},        \
  {0, "metric", PT_OPT_STRING, &(a)->metric_name, "NAME",                                  \
   "eval_rate, prompt_eval_rate, ttft_ns, wall_ns, load_duration_ns, total_duration_ns; "    \
   "a comma-separated list (the first leads), or all (those the data has)"},                 \
  {'c', "confidence", PT_OPT_DOUBLE, &(a)->confidence, "P",                                  \
   "confidence level of the intervals (default: 0.95)"},                                     \
  {0, "alpha", PT_OPT_DOUBLE, &(a)->alpha, "A",                                              \
   "significance level of the tests (default: 0.05)"},                                       \
  {0, "adjust", PT_OPT_STRING, &(a)->adjust, "HOW",                                          \
   "p-values across the models of a comparison: holm (default) or none"},                    \
  {0, "drop-outliers", PT_OPT_FLAG, &(a)->drop_outliers, NULL,                               \
   "leave out trials more than 10 robust standard deviations from the median"},              \
  {'l', "label", PT_OPT_LIST, &(a)->labels, "NAME=TEXT",                                     \
   "display label of an environment (default: the manifest's label, else the name)"}

/* Check the parsed values (metric known, levels in (0, 1), adjustment
 * known, labels NAME=TEXT). Returns -1 when all is well, else the exit status after
 * printing the usage error for cmd. */
int pt_analyze_cli_check(const pt_command *cmd, pt_analyze_cli *a);

/* Read the n inputs (each PATH or NAME=PATH, pt_dataset_add_input) into a
 * new dataset for a->metric. NULL after printing the error, *status set. */
pt_dataset *pt_analyze_cli_read(const pt_analyze_cli *a, char *const *inputs, int n,
                                int *status);

/* Read the n inputs and analyze them, once per metric: the first metric's
 * document with the others in its other_metrics (analyze/doc.h). Returns
 * the analysis document (the caller's, cJSON_Delete) or NULL after
 * printing the error, with *status set to the exit status. The document's
 * warnings are printed to stderr ("ptbench: warning: ...", those of the
 * other metrics after "NAME: "; silenced by --quiet), whatever is done
 * next. */
cJSON *pt_analyze_cli_run(const pt_analyze_cli *a, char *const *inputs, int n, int *status);

/* The same, keeping the datasets (one per metric of the document, in its
 * order: sets[i] is metric i of pt_doc_metric_doc) for the charts drawn
 * from every trial. sets has room for PT_METRIC_MAX; the caller frees each
 * (pt_dataset_free); when NULL is returned none is kept (*nsets is 0). */
cJSON *pt_analyze_cli_run_keep(const pt_analyze_cli *a, char *const *inputs, int n,
                               pt_dataset **sets, size_t *nsets, int *status);

void pt_analyze_cli_free(pt_analyze_cli *a);

#endif
