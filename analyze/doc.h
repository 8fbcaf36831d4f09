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

/* The schema id written as "schema" and the only one pt_doc_check accepts. */
#define PT_DOC_SCHEMA_ID "ptbench.analysis/1"
/* The document's file name in a report directory. */
#define PT_DOC_FILE "analysis.json"

/* ---- key names, by the object they appear in (one definition each) ---- */

/* top level */
#define PT_DOC_SCHEMA "schema"
#define PT_DOC_TOOL "tool"                 /* {name, version} */
#define PT_DOC_METRIC "metric"             /* {name, label, unit, higher_is_better} */
#define PT_DOC_CONFIDENCE "confidence"
#define PT_DOC_ALPHA "alpha"
#define PT_DOC_TEST "test"                 /* PT_DOC_TEST_WELCH or _MANN_WHITNEY */
#define PT_DOC_BASELINE "baseline"         /* top: name; environment: bool; comparison: name */
#define PT_DOC_ENVIRONMENTS "environments"
#define PT_DOC_MODELS "models"             /* top: array; summary comparison: count */
#define PT_DOC_SUMMARY "summary"           /* {comparisons} */
#define PT_DOC_WARNINGS "warnings"
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
/* models[] */
#define PT_DOC_GROUPS "groups"
#define PT_DOC_COMPARISONS "comparisons"   /* of a model and of the summary */
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
/* summary.comparisons[] */
#define PT_DOC_MEAN_PENALTY_PCT "mean_penalty_pct"
#define PT_DOC_GEOMEAN_PENALTY_PCT "geomean_penalty_pct"
/* warnings[] */
#define PT_DOC_CODE "code"
#define PT_DOC_MESSAGE "message"

/* Values of "test". */
#define PT_DOC_TEST_WELCH "welch"
#define PT_DOC_TEST_MANN_WHITNEY "mann-whitney"

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
 * expected, err's file set to name (NULL: none) and its field to "schema".
 * The rest of the document is read leniently by the accessors. */
pt_code pt_doc_check(const cJSON *doc, const char *name, pt_error *err);

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
cJSON *pt_doc_groups(const cJSON *model);
cJSON *pt_doc_comparisons(const cJSON *model);
cJSON *pt_doc_summary_comparisons(const cJSON *doc);
cJSON *pt_doc_warnings(const cJSON *doc);
/* Objects: the summary and the metric; NULL when absent or not objects. */
cJSON *pt_doc_summary(const cJSON *doc);
cJSON *pt_doc_metric(const cJSON *doc);

/* Top-level values: NULL or NAN when absent. */
const char *pt_doc_baseline(const cJSON *doc);  /* the baseline's name */
double pt_doc_confidence(const cJSON *doc);
double pt_doc_alpha(const cJSON *doc);
const char *pt_doc_test(const cJSON *doc);
/* How a "test" value reads in a sentence: "Mann–Whitney U test" for
 * PT_DOC_TEST_MANN_WHITNEY, else "Welch's t-test". */
const char *pt_doc_test_label(const char *test);

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

/* The environment a group, comparison, summary comparison or warning is
 * about, or NULL. */
const char *pt_doc_item_env(const cJSON *item);
/* The item of arr (a groups[] or comparisons[] array) about env, or NULL. */
cJSON *pt_doc_find_env_item(const cJSON *arr, const char *env);

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
/* v with decimals digits, "—" when not finite; never "-0.00". */
const char *pt_fmt_num(double v, int decimals, char *buf, size_t size);
/* v with two decimals and "%": "1.66%"; "—" when not finite. */
const char *pt_fmt_pct(double v, char *buf, size_t size);
/* A comparison's penalty: "1.66%", with " ~" when its test found no
 * significant difference (benchstat's mark for noise), "—" when absent. */
const char *pt_fmt_penalty(const cJSON *comparison, char *buf, size_t size);
/* A p-value: "0.003", "< 0.001", or "—". */
const char *pt_fmt_p(double p, char *buf, size_t size);

#endif
