/* analyze/doc.h - analysis.json, the one module that knows its shape.
 *
 * The analysis document (README "analysis.json", docs/analyze.md) is written
 * by pt_analyze() (analyze/analysis.c) and read by the output formats of
 * `analyze` (analyze/format.c), the view model (render/view.c), the charts
 * (render/chart.c), the batch index (site/batch.c) and the CLI. They all go
 * through this header: the schema id, the key names, typed accessors, the
 * display order of the environments and the number formats. No other file
 * spells a key of the document or its schema id, so a new field is one
 * PT_DOC_* key here plus its use in the writer and in the readers that show
 * it.
 *
 * Accessors take the document (or one of its items) as const and return
 * items of it: they belong to the document, and a caller that owns a
 * mutable copy (the view model) may change them. Every accessor accepts
 * NULL and anything of the wrong type, and answers NULL, NAN, false or an
 * empty list, so a reader needs no checks of its own for optional parts.
 */
#ifndef PT_DOC_H
#define PT_DOC_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* The schema id written as "schema" and the only one pt_doc_check accepts;
 * older versions share the prefix (version 1 had no sessions, model or
 * verdicts: pt_doc_check names it and says to analyze again). */
#define PT_DOC_SCHEMA_PREFIX "ptbench.analysis/"
#define PT_DOC_SCHEMA_VERSION 2
#define PT_DOC_SCHEMA_ID PT_DOC_SCHEMA_PREFIX "2"
/* The document's file name in a report directory. */
#define PT_DOC_FILE "analysis.json"

/* ---- key names, by the object they appear in (one definition each) ---- */

/* top level */
#define PT_DOC_SCHEMA "schema"
#define PT_DOC_TOOL "tool"                 /* {name, version} */
#define PT_DOC_METRIC "metric"             /* {name, label, unit, higher_is_better} */
#define PT_DOC_CONFIDENCE "confidence"
#define PT_DOC_ALPHA "alpha"
#define PT_DOC_TEST "test"                 /* PT_DOC_TEST_MODEL (v1: welch, mann-whitney) */
#define PT_DOC_ADJUST "adjust"             /* PT_DOC_ADJUST_HOLM or _NONE */
#define PT_DOC_BASELINE "baseline"         /* top: name; environment: bool; comparison: name */
#define PT_DOC_ENVIRONMENTS "environments"
#define PT_DOC_MODELS "models"             /* top: array; summary comparison: count */
#define PT_DOC_SUMMARY "summary"           /* {comparisons} */
#define PT_DOC_WARNINGS "warnings"
#define PT_DOC_OTHER_METRICS "other_metrics" /* [{metric, models, summary, warnings}]:
                                              the metrics analyzed besides the
                                              top level's (--metric LIST) */
/* shared by several objects */
#define PT_DOC_NAME "name"
#define PT_DOC_LABEL "label"
#define PT_DOC_VERSION "version"
#define PT_DOC_ENVIRONMENT "environment"   /* of a group, comparison or warning */
#define PT_DOC_MODEL "model"               /* of a model or warning */
/* metric */
#define PT_DOC_UNIT "unit"
#define PT_DOC_HIGHER_IS_BETTER "higher_is_better"
/* environments[] */
#define PT_DOC_SOURCES "sources"
#define PT_DOC_MANIFEST "manifest"
#define PT_DOC_SESSIONS "sessions"         /* environment: [{run_id, source, trials,
                                              started_at}]; group: count; comparison:
                                              {baseline, compared} counts */
#define PT_DOC_RUN_ID "run_id"             /* a session's; null without a run_id column */
#define PT_DOC_SOURCE "source"             /* a session's file: its position in sources[] */
#define PT_DOC_TRIALS "trials"             /* valid trials of a session */
#define PT_DOC_STARTED_AT "started_at"     /* a session's first trial, or null */
/* models[] */
#define PT_DOC_GROUPS "groups"             /* of a model and of a prompt */
#define PT_DOC_COMPARISONS "comparisons"   /* of a model and of the summary */
#define PT_DOC_PROMPTS "prompts"           /* of a model: [{prompt_id, groups}] */
#define PT_DOC_PROMPT_ID "prompt_id"
/* groups[]: the statistics, then what was left out */
#define PT_DOC_N "n"
#define PT_DOC_MEAN "mean"
#define PT_DOC_VARIANCE "variance"
#define PT_DOC_STDDEV "stddev"
#define PT_DOC_CV_PCT "cv_pct"
#define PT_DOC_SE "se"
#define PT_DOC_MIN "min"
#define PT_DOC_MEDIAN "median"
#define PT_DOC_MAX "max"
#define PT_DOC_P90 "p90"
#define PT_DOC_P99 "p99"
#define PT_DOC_CI_LOW "ci_low"
#define PT_DOC_CI_HIGH "ci_high"
#define PT_DOC_MEDIAN_CI_LOW "median_ci_low"
#define PT_DOC_MEDIAN_CI_HIGH "median_ci_high"
#define PT_DOC_OUTLIERS "outliers"         /* of a group and of its excluded */
#define PT_DOC_EXCLUDED "excluded"         /* {warmup, failed, invalid, outliers} */
#define PT_DOC_WARMUP "warmup"
#define PT_DOC_FAILED "failed"
#define PT_DOC_INVALID "invalid"
#define PT_DOC_TELEMETRY "telemetry"       /* of a group: the GPU sampled during its
                                              trials, or null: {trials, gpu_clock_mhz,
                                              gpu_temp_c, gpu_temp_max_c, gpu_power_w,
                                              gpu_busy_pct}, means (null: not sampled) */
#define PT_DOC_GPU_CLOCK_MHZ "gpu_clock_mhz"
#define PT_DOC_GPU_TEMP_C "gpu_temp_c"
#define PT_DOC_GPU_TEMP_MAX_C "gpu_temp_max_c"
#define PT_DOC_GPU_POWER_W "gpu_power_w"
#define PT_DOC_GPU_BUSY_PCT "gpu_busy_pct"
/* comparisons[] */
#define PT_DOC_RATIO "ratio"
#define PT_DOC_PENALTY_PCT "penalty_pct"
#define PT_DOC_PENALTY_CI_LOW "penalty_ci_low"
#define PT_DOC_PENALTY_CI_HIGH "penalty_ci_high"
#define PT_DOC_WELCH "welch"               /* {t, df, p} or null */
#define PT_DOC_MANN_WHITNEY "mann_whitney" /* {u, exact, p} or null */
#define PT_DOC_T "t"
#define PT_DOC_DF "df"
#define PT_DOC_U "u"
#define PT_DOC_EXACT "exact"
#define PT_DOC_P "p"
#define PT_DOC_P_VALUE "p_value"
#define PT_DOC_SIGNIFICANT "significant"
/* comparisons[] and summary.comparisons[]: the session model (STATS.md 18-21) */
#define PT_DOC_LOG_RATIO "log_ratio"
#define PT_DOC_METHOD "method"             /* PT_DOC_METHOD_* */
#define PT_DOC_FIT "fit"                   /* pt_lmm_status_name: ok, no_between, ... */
#define PT_DOC_COMPARED "compared"
#define PT_DOC_VARIANCE_COMPONENTS "variance_components"
#define PT_DOC_WITHIN_SD_PCT "within_session_sd_pct"
#define PT_DOC_BETWEEN_SD_PCT "between_session_sd_pct"
#define PT_DOC_P_ADJUSTED "p_adjusted"
#define PT_DOC_VERDICT "verdict"           /* pt_verdict_name: worse, better, ... */
#define PT_DOC_VERDICT_NOTE "undetermined_note" /* undetermined: why, what to do; else null */
/* summary.comparisons[] */
#define PT_DOC_MEAN_PENALTY_PCT "mean_penalty_pct"
#define PT_DOC_GEOMEAN_PENALTY_PCT "geomean_penalty_pct"
/* warnings[] */
#define PT_DOC_CODE "code"
#define PT_DOC_MESSAGE "message"

/* Values of "test" (version 1 wrote "welch" or "mann-whitney"). */
#define PT_DOC_TEST_MODEL "session-model"
#define PT_DOC_TEST_WELCH "welch"
#define PT_DOC_TEST_MANN_WHITNEY "mann-whitney"
/* Values of "adjust". */
#define PT_DOC_ADJUST_HOLM "holm"
#define PT_DOC_ADJUST_NONE "none"
/* Values of "method": the REML mixed model with Satterthwaite df; least
 * squares over rows or sessions (sigma_b not fitted); the estimate alone. */
#define PT_DOC_METHOD_LMM "lmm-reml"
#define PT_DOC_METHOD_OLS "least-squares"
#define PT_DOC_METHOD_ESTIMATE "estimate-only"
/* The verdict that says "the data cannot tell". */
#define PT_DOC_UNDETERMINED "undetermined"

/* The statistics of a group in the order they are written (and the CSV
 * format's columns): X(key, field of pt_summary in analyze/stats.h). */
#define PT_DOC_GROUP_STATS(X)                                                        \
  X(PT_DOC_N, n) X(PT_DOC_MEAN, mean) X(PT_DOC_VARIANCE, variance)                   \
  X(PT_DOC_STDDEV, stddev) X(PT_DOC_CV_PCT, cv_pct) X(PT_DOC_SE, se)                 \
  X(PT_DOC_MIN, min) X(PT_DOC_MEDIAN, median) X(PT_DOC_MAX, max) X(PT_DOC_P90, p90)  \
  X(PT_DOC_P99, p99) X(PT_DOC_CI_LOW, ci_low) X(PT_DOC_CI_HIGH, ci_high)             \
  X(PT_DOC_MEDIAN_CI_LOW, median_ci_low) X(PT_DOC_MEDIAN_CI_HIGH, median_ci_high)    \
  X(PT_DOC_OUTLIERS, outliers)

/* ---- loading ---- */

/* PT_OK when doc is an object whose "schema" is PT_DOC_SCHEMA_ID; else
 * PT_ESCHEMA with a message saying what the schema is and what was
 * expected (for an older analysis document: that it comes from an older
 * ptbench and the trials are to be analyzed again), err's file set to name
 * (NULL: none) and its field to "schema". The rest of the document is read
 * leniently by the accessors. */
pt_code pt_doc_check(const cJSON *doc, const char *name, pt_error *err);
/* Is doc an analysis document of any version (its schema is
 * PT_DOC_SCHEMA_PREFIX and a version number)? */
bool pt_doc_is_analysis(const cJSON *doc);

/* Read, parse and check the analysis document at path ("-" = standard
 * input, named "<stdin>" in messages). NULL with err set: as
 * pt_json_read_file (I/O, PT_EPARSE with line and column) or pt_doc_check.
 * The caller owns the result (cJSON_Delete). */
cJSON *pt_doc_load(const char *path, pt_error *err);

/* ---- typed accessors ---- */

/* Arrays of the document, in document order; NULL when absent or not an
 * array (cJSON_ArrayForEach over NULL does nothing). */
cJSON *pt_doc_environments(const cJSON *doc);
cJSON *pt_doc_models(const cJSON *doc);
cJSON *pt_doc_groups(const cJSON *model);    /* of a model or of a prompt */
cJSON *pt_doc_comparisons(const cJSON *model);
cJSON *pt_doc_prompts(const cJSON *model);
cJSON *pt_doc_summary_comparisons(const cJSON *doc);
cJSON *pt_doc_warnings(const cJSON *doc);
/* The other metrics' sections (PT_DOC_OTHER_METRICS); NULL when the
 * document has one metric. A section has the top level's metric, models,
 * summary and warnings keys, so the accessors of those (pt_doc_models,
 * pt_doc_metric_of, pt_doc_summary_comparisons, pt_doc_warnings) read it
 * as they read the document. */
cJSON *pt_doc_other_metrics(const cJSON *doc);
/* Objects: the summary and the metric; NULL when absent or not objects. */
cJSON *pt_doc_summary(const cJSON *doc);
cJSON *pt_doc_metric(const cJSON *doc);

/* Top-level values: NULL or NAN when absent. */
const char *pt_doc_baseline(const cJSON *doc);  /* the baseline's name */
double pt_doc_confidence(const cJSON *doc);
double pt_doc_alpha(const cJSON *doc);
const char *pt_doc_test(const cJSON *doc);
/* How a "test" value reads in a sentence: "session mixed model" for
 * PT_DOC_TEST_MODEL (and anything unknown), "Welch's t-test" and
 * "Mann–Whitney U test" for version 1's values. */
const char *pt_doc_test_label(const char *test);
/* "holm" or "none", or NULL when absent. */
const char *pt_doc_adjust(const cJSON *doc);

/* The metric analyzed. Strings NULL when absent; higher_is_better true when
 * absent. They point into the document. */
typedef struct pt_doc_metric_info {
  const char *name, *label, *unit;
  bool higher_is_better;
} pt_doc_metric_info;
pt_doc_metric_info pt_doc_metric_of(const cJSON *doc);

/* An environments[] item. */
const char *pt_doc_env_name(const cJSON *env);
const char *pt_doc_env_label(const cJSON *env);  /* as written, or NULL */
/* The label, else the name, else NULL: what a reader shows. */
const char *pt_doc_env_display(const cJSON *env);
bool pt_doc_env_is_baseline(const cJSON *env);
cJSON *pt_doc_env_manifest(const cJSON *env);    /* NULL when null or absent */
cJSON *pt_doc_env_sources(const cJSON *env);
/* The environments[] item named name, or NULL. */
cJSON *pt_doc_env_find(const cJSON *doc, const char *name);

/* A models[] item: its name, and its group or comparison for the
 * environment env (NULL when it has none). */
const char *pt_doc_model_name(const cJSON *model);
cJSON *pt_doc_group_of(const cJSON *model, const char *env);
cJSON *pt_doc_comparison_of(const cJSON *model, const char *env);

/* A prompts[] item's prompt_id, or NULL. */
const char *pt_doc_prompt_id(const cJSON *prompt);

/* A comparison's (or summary comparison's) verdict: "worse", "better",
 * "no_difference", "undetermined", or NULL when it has none. */
const char *pt_doc_verdict(const cJSON *comparison);
bool pt_doc_undetermined(const cJSON *comparison);
/* For an undetermined verdict, what it means and what to do, in words: its
 * "undetermined_note" ("bare-metal has a single session (vm has 3): ... collect
 * at least 3 sessions per environment, alternating A B A B"), or for a
 * document without one the words of its "fit"; NULL otherwise. Points into
 * the document or is static: valid as long as the document. */
const char *pt_doc_verdict_note(const cJSON *comparison);
/* The advice every undetermined verdict ends with. */
#define PT_DOC_ABAB_ADVICE \
  "collect at least 3 sessions per environment, alternating A B A B"

/* The environment a group, comparison, summary comparison or warning is
 * about, or NULL. */
const char *pt_doc_item_env(const cJSON *item);
/* The item of arr (a groups[] or comparisons[] array) about env, or NULL. */
cJSON *pt_doc_find_env_item(const cJSON *arr, const char *env);

/* ---- several metrics in one document ---- */

/* Metrics of the document: 1 (the top level's) + its other_metrics. */
size_t pt_doc_metric_count(const cJSON *doc);
/* The document of metric i alone: i = 0 is the top level's metric, i >= 1
 * the other_metrics[i - 1]: a new analysis document (every top-level key
 * of doc, its metric, models, summary and warnings those of the section,
 * no other_metrics), which reads and renders as `analyze --metric NAME`
 * would have written it. NULL when i is out of range or out of memory. The
 * caller owns it (cJSON_Delete). */
cJSON *pt_doc_metric_doc(const cJSON *doc, size_t i);
/* Move the metric of other (an analysis document of the same inputs and
 * options, for another metric) into doc's other_metrics: its metric,
 * models, summary, and the warnings doc does not already have (same code
 * and message). other is consumed (freed), whatever the outcome.
 * PT_ENOMEM (doc unchanged). */
pt_code pt_doc_add_metric(cJSON *doc, cJSON *other, pt_error *err);

/* ---- environments in display order ---- */

/* Environments as tables and the view show them: those flagged baseline
 * first, then the others, each part in document order. Items that are not
 * objects with a string name are left out. items point into the document. */
typedef struct pt_doc_envs {
  cJSON **items;
  size_t n, cap;
} pt_doc_envs;

#define PT_DOC_ENVS_INIT {NULL, 0, 0}

/* Fill out (which must be empty: PT_DOC_ENVS_INIT or freed) with every
 * environment of doc in display order; no limit on their number. PT_ENOMEM
 * (out left empty). */
pt_code pt_doc_env_order(const cJSON *doc, pt_doc_envs *out);
void pt_doc_envs_free(pt_doc_envs *envs);

/* ---- number formats every output shares ---- */

/* "—" (U+2014): a value that does not exist. */
#define PT_DASH "\xE2\x80\x94"

/* Each writes into buf (at least 32 bytes) and returns it. */
/* Magnitudes pt_fmt_num writes in scientific notation (zero aside). */
#define PT_FMT_SCI_ABOVE 1e15
#define PT_FMT_SCI_BELOW 1e-6
/* v with decimals digits, "—" when not finite; never "-0.00"; "%.3e"
 * ("1.500e+308") when |v| >= PT_FMT_SCI_ABOVE or 0 < |v| < PT_FMT_SCI_BELOW. */
const char *pt_fmt_num(double v, int decimals, char *buf, size_t size);
/* v with two decimals and "%": "1.66%"; "—" when not finite. */
const char *pt_fmt_pct(double v, char *buf, size_t size);
/* An interval of percentages: "[0.90%, 2.40%]", "—" when either end is
 * not finite (buf at least 64 bytes). */
const char *pt_fmt_pct_range(double lo, double hi, char *buf, size_t size);
/* A comparison's penalty: "1.66%", with " ~" when its test found no
 * significant difference (benchstat's mark for noise), "—" when absent. */
const char *pt_fmt_penalty(const cJSON *comparison, char *buf, size_t size);
/* A p-value: "0.003", "< 0.001", or "—". */
const char *pt_fmt_p(double p, char *buf, size_t size);
/* A verdict as a reader reads it: "worse", "better", "no difference",
 * "undetermined", or "—" when there is none. */
const char *pt_fmt_verdict(const cJSON *comparison, char *buf, size_t size);

#endif
