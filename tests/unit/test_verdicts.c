/* tests/unit/test_verdicts.c - verdicts end to end: trials files through
 * pt_dataset_add and pt_analyze to the analysis document's session-model
 * fields, against lmerTest; the calibration of the verdicts on simulated
 * studies through the same path; and the bad inputs of issue 8 (a session
 * with one trial, a prompt in one environment only, identical values, a
 * single model, 10,000 sessions, a run_id in two environments), NAME=PATH,
 * runs pooled from different machines, session order, slow first trials,
 * GPU telemetry and the per-prompt table.
 *
 * Reference values: tests/data/lmm/refs.json (R 4.2.2, lme4 1.1-31,
 * lmerTest 3.1-3, made by tests/data/lmm/make_refs.R from the CSV files
 * beside it, which are trials files analyze reads as they are), and R calls
 * quoted beside the other numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/analysis.h"
#include "analyze/analysis_internal.h"
#include "analyze/doc.h"
#include "core/buf.h"
#include "core/json.h"
#include "tests/unit/rng.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static char tmpdir[] = "/tmp/ptbench-verdicts-XXXXXX";

static int setup(void **state) {
  (void)state;
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

/* Write text to tmpdir/name (made with its directories) and return the path. */
static const char *write_file(const char *name, const char *text) {
  static char path[8][512];
  static int k;
  char *p = path[k++ % 8];
  snprintf(p, 512, "%s/%s", tmpdir, name);
  for (char *s = p + strlen(tmpdir) + 1; *s; s++)
    if (*s == '/') {
      *s = '\0';
      mkdir(p, 0755);
      *s = '/';
    }
  FILE *fp = fopen(p, "w");
  assert_non_null(fp);
  assert_int_equal(fputs(text, fp) >= 0, 1);
  assert_int_equal(fclose(fp), 0);
  return p;
}

/* Analyze inputs (each PATH or NAME=PATH); NULL with err when it fails. */
static cJSON *analyze_inputs(const char *const *inputs, size_t n, pt_adjust adjust,
                             pt_error *err) {
  pt_dataset *ds = pt_dataset_new(pt_metric_find("eval_rate"));
  assert_non_null(ds);
  pt_error_clear(err);
  cJSON *doc = NULL;
  pt_code rc = PT_OK;
  for (size_t i = 0; i < n && !rc; i++)
    rc = pt_dataset_add_input(ds, inputs[i], err);
  if (!rc) {
    pt_analyze_opts o;
    pt_analyze_opts_init(&o);
    o.adjust = adjust;
    doc = pt_analyze(ds, &o, err);
  }
  pt_dataset_free(ds);
  return doc;
}

static cJSON *analyze_one(const char *path, pt_error *err) {
  return analyze_inputs(&path, 1, PT_ADJUST_HOLM, err);
}

static const cJSON *model_named(const cJSON *doc, const char *name) {
  const cJSON *m;
  cJSON_ArrayForEach(m, pt_doc_models(doc)) if (!strcmp(pt_doc_model_name(m), name)) return m;
  return NULL;
}

static const cJSON *comparison(const cJSON *doc, const char *model, const char *env) {
  return pt_doc_comparison_of(model_named(doc, model), env);
}

static bool has_warning(const cJSON *doc, const char *code, const char *part) {
  const cJSON *w;
  cJSON_ArrayForEach(w, pt_doc_warnings(doc)) {
    if (!strcmp(pt_json_str(w, PT_DOC_CODE), code) &&
        (!part || strstr(pt_json_str(w, PT_DOC_MESSAGE), part)))
      return true;
  }
  return false;
}

static void check_rel(double got, double want, double rel, const char *what, const char *name) {
  double tol = rel * fmax(fabs(want), 1e-300);
  if (!(fabs(got - want) <= tol))
    fail_msg("%s: %s = %.12g, lmerTest %.12g (rel tol %g)", name, what, got, want, rel);
}

/* ----------------------------------------------- against lmerTest, whole */

/* Every reference case through the analyzer: per-model cases are the
 * model's comparison, across-models cases the summary row. */
static void test_refs_end_to_end(void **state) {
  (void)state;
  pt_error err;
  cJSON *refs = pt_json_read_file("tests/data/lmm/refs.json", 0, &err);
  assert_non_null(refs);
  const cJSON *c;
  size_t checked = 0;
  cJSON_ArrayForEach(c, pt_json_get(refs, "cases")) {
    const char *name = pt_json_str(c, "name");
    char path[256];
    snprintf(path, sizeof path, "tests/data/lmm/%s", pt_json_str(c, "file"));
    cJSON *doc = analyze_one(path, &err);
    if (!doc)
      fail_msg("%s: %s", name, err.msg);
    const cJSON *got;
    if (pt_json_bool(c, "across", false)) {
      got = cJSON_GetArrayItem(pt_doc_summary_comparisons(doc), 0);
    } else {
      assert_int_equal(cJSON_GetArraySize(pt_doc_models(doc)), 1);
      got = cJSON_GetArrayItem(pt_doc_comparisons(cJSON_GetArrayItem(pt_doc_models(doc), 0)), 0);
    }
    assert_non_null(got);
    assert_string_equal(pt_json_str(got, PT_DOC_FIT), pt_json_str(c, "status"));
    check_rel(pt_json_num(got, PT_DOC_LOG_RATIO), pt_json_num(c, "estimate"), 1e-6, "estimate",
              name);
    check_rel(pt_json_num(got, PT_DOC_SE), pt_json_num(c, "se"), 1e-6, "se", name);
    check_rel(pt_json_num(got, PT_DOC_DF), pt_json_num(c, "df"), 1e-3, "df", name);
    check_rel(pt_json_num(got, PT_DOC_P_VALUE), pt_json_num(c, "p"), 1e-3, "p", name);
    const cJSON *vc = pt_json_get(got, PT_DOC_VARIANCE_COMPONENTS);
    double sb = pt_json_num(c, "sigma_b"), sw = pt_json_num(c, "sigma_w");
    if (isnan(sb))
      assert_true(cJSON_IsNull(pt_json_get(vc, PT_DOC_BETWEEN_SD_PCT)));
    else if (sb == 0)
      assert_true(pt_json_num(vc, PT_DOC_BETWEEN_SD_PCT) == 0);
    else
      check_rel(pt_json_num(vc, PT_DOC_BETWEEN_SD_PCT), 100 * sb, 1e-5, "sigma_b", name);
    if (!strcmp(pt_json_str(c, "status"), "rows_are_sessions"))
      assert_true(cJSON_IsNull(pt_json_get(vc, PT_DOC_WITHIN_SD_PCT)));
    else
      check_rel(pt_json_num(vc, PT_DOC_WITHIN_SD_PCT), 100 * sw, 1e-5, "sigma_w", name);
    /* the penalty and its interval map the estimate and lmerTest's CI */
    double pen = pt_json_num(got, PT_DOC_PENALTY_PCT);
    check_rel(pen, (1 - exp(pt_json_num(c, "estimate"))) * 100, 1e-6, "penalty", name);
    check_rel(pt_json_num(got, PT_DOC_PENALTY_CI_LOW), (1 - exp(pt_json_num(c, "ci_high"))) * 100,
              1e-4, "penalty_ci_low", name);
    check_rel(pt_json_num(got, PT_DOC_PENALTY_CI_HIGH), (1 - exp(pt_json_num(c, "ci_low"))) * 100,
              1e-4, "penalty_ci_high", name);
    /* the verdict follows the status and p: the family of one model is
     * its own p, and the summary is one test */
    const char *status = pt_json_str(c, "status");
    bool determined = !strcmp(status, "ok") || !strcmp(status, "rows_are_sessions");
    const char *v = pt_doc_verdict(got);
    if (!determined)
      assert_string_equal(v, PT_DOC_UNDETERMINED);
    else if (pt_json_num(c, "p") < 0.05)
      assert_string_equal(v, pt_json_num(c, "estimate") < 0 ? "worse" : "better");
    else
      assert_string_equal(v, "no_difference");
    cJSON_Delete(doc);
    checked++;
  }
  assert_true(checked >= 13);
  cJSON_Delete(refs);
}

/* The article: one value per cell gives the published penalties, no test. */
static void test_article(void **state) {
  (void)state;
  pt_error err;
  cJSON *doc = analyze_one("data/article", &err);
  assert_non_null(doc);
  static const struct {
    const char *model;
    double a, b;
  } cells[] = {{"mistral:7b", 50.10, 49.27}, {"gemma2:9b", 35.06, 34.96},
               {"phi4:14b", 27.52, 27.20},   {"deepseek-r1:14b", 25.10, 24.67}};
  for (size_t i = 0; i < 4; i++) {
    const cJSON *c = comparison(doc, cells[i].model, "vm");
    NEAR(pt_json_num(c, PT_DOC_PENALTY_PCT), (1 - cells[i].b / cells[i].a) * 100, 1e-9);
    assert_string_equal(pt_doc_verdict(c), PT_DOC_UNDETERMINED);
    assert_string_equal(pt_json_str(c, PT_DOC_FIT), "exact");
    assert_true(cJSON_IsNull(pt_json_get(c, PT_DOC_P_VALUE)));
    assert_true(cJSON_IsNull(pt_json_get(c, PT_DOC_PENALTY_CI_LOW)));
    assert_true(cJSON_IsNull(pt_json_get(c, PT_DOC_SIGNIFICANT)));
    assert_non_null(strstr(pt_doc_verdict_note(c), PT_DOC_ABAB_ADVICE));
  }
  /* the summary is tests/data/lmm/article_across.csv's (refs.json): the
   * geometric-mean penalty, its interval within-session only, said so */
  const cJSON *s = cJSON_GetArrayItem(pt_doc_summary_comparisons(doc), 0);
  NEAR(pt_json_num(s, PT_DOC_LOG_RATIO), -0.012134478900090796, 1e-12);
  assert_string_equal(pt_json_str(s, PT_DOC_FIT), "no_between");
  assert_string_equal(pt_doc_verdict(s), PT_DOC_UNDETERMINED);
  assert_non_null(strstr(pt_doc_verdict_note(s), "within-session noise only"));
  NEAR(pt_json_num(s, PT_DOC_MEAN_PENALTY_PCT), 1.2044, 1e-4); /* the article's 1-2 % */
  assert_true(has_warning(doc, "undetermined", "4 of 4 models"));
  cJSON_Delete(doc);
}

/* ------------------------------------------------------------ bad inputs */

static void test_run_id_in_two_environments(void **state) {
  (void)state;
  pt_error err;
  /* in one file: named, with its line and the first one's */
  const char *p = write_file("reuse/trials.csv", "run_id,environment,model,eval_rate\n"
                                                 "r1,bare-metal,m,50\nr1,bare-metal,m,51\n"
                                                 "r2,vm,m,49\nr1,vm,m,48\n");
  assert_null(analyze_one(p, &err));
  assert_int_equal(err.code, PT_EDATA);
  assert_int_equal(err.line, 5);
  assert_string_equal(err.file, p);
  assert_non_null(strstr(err.msg, "run_id 'r1' is in two environments: 'bare-metal' (line 2) "
                                  "and 'vm'"));
  /* across files, and across NAME=PATH inputs of one run */
  const char *a = write_file("reuse2/a.csv", "run_id,environment,model,eval_rate\nr9,x,m,50\n");
  const char *b = write_file("reuse2/b.csv", "run_id,environment,model,eval_rate\nr9,y,m,50\n");
  const char *both[] = {a, b};
  assert_null(analyze_inputs(both, 2, PT_ADJUST_HOLM, &err));
  assert_int_equal(err.code, PT_EDATA);
  assert_non_null(strstr(err.msg, "run_id 'r9' is in two environments: 'x'"));
  assert_non_null(strstr(err.msg, "and 'y'"));
  char n1[600], n2[600];
  snprintf(n1, sizeof n1, "old=%s", a);
  snprintf(n2, sizeof n2, "new=%s", a);
  const char *named[] = {n1, n2};
  assert_null(analyze_inputs(named, 2, PT_ADJUST_HOLM, &err));
  assert_non_null(strstr(err.msg, "run_id 'r9' is in two environments: 'old'"));
}

/* A text with sessions sessions a side alternating A B, prompts p1..p3 with
 * trials each, values v(session, prompt, trial) written by the caller. */
typedef double (*value_fn)(int session, int prompt, int trial, void *ctx);

static char *study_text(int sessions, int prompts, int trials, const char *model, value_fn v,
                        void *ctx) {
  pt_buf b = PT_BUF_INIT;
  pt_buf_puts(&b, "run_id,seq,environment,started_at,model,prompt_id,eval_rate\n");
  for (int s = 0; s < 2 * sessions; s++) {
    int seq = 0;
    for (int t = 0; t < trials; t++)
      for (int p = 0; p < prompts; p++) {
        seq++;
        pt_buf_printf(&b, "s%d,%d,%s,2026-11-%02dT10:%02d:%02d.000Z,%s,p%d,%.6f\n", s, seq,
                      s % 2 ? "vm" : "bare-metal", 1 + s % 28, seq / 60, seq % 60, model,
                      p + 1, v(s, p, t, ctx));
      }
  }
  return pt_buf_detach(&b, NULL);
}

static double constant_value(int s, int p, int t, void *ctx) {
  (void)s, (void)p, (void)t, (void)ctx;
  return 50.0;
}

/* Identical values: never p = 0 or a zero-width interval. */
static void test_all_equal(void **state) {
  (void)state;
  char *text = study_text(3, 2, 3, "m", constant_value, NULL);
  pt_error err;
  cJSON *doc = analyze_one(write_file("equal/trials.csv", text), &err);
  free(text);
  assert_non_null(doc);
  const cJSON *c = comparison(doc, "m", "vm");
  NEAR(pt_json_num(c, PT_DOC_PENALTY_PCT), 0, 1e-12);
  assert_true(cJSON_IsNull(pt_json_get(c, PT_DOC_P_VALUE)));
  assert_true(cJSON_IsNull(pt_json_get(c, PT_DOC_PENALTY_CI_LOW)));
  assert_true(cJSON_IsNull(pt_json_get(c, PT_DOC_PENALTY_CI_HIGH)));
  assert_true(cJSON_IsNull(pt_json_get(c, PT_DOC_SIGNIFICANT)));
  assert_string_equal(pt_doc_verdict(c), PT_DOC_UNDETERMINED);
  /* Welch on two constants would say p = 0: it is null */
  assert_true(cJSON_IsNull(pt_json_get(c, PT_DOC_WELCH)));
  assert_true(pt_json_num(pt_json_get(c, PT_DOC_MANN_WHITNEY), PT_DOC_P) > 0);
  cJSON_Delete(doc);

  /* two identical trials against two others, one session each */
  doc = analyze_one(write_file("equal/two.csv", "model,environment,eval_rate\n"
                                                "m,bare-metal,50\nm,bare-metal,50\n"
                                                "m,vm,49\nm,vm,49\n"),
                    &err);
  assert_non_null(doc);
  c = comparison(doc, "m", "vm");
  NEAR(pt_json_num(c, PT_DOC_PENALTY_PCT), 2, 1e-9);
  assert_true(cJSON_IsNull(pt_json_get(c, PT_DOC_P_VALUE)));
  assert_true(cJSON_IsNull(pt_json_get(c, PT_DOC_PENALTY_CI_LOW)));
  assert_true(cJSON_IsNull(pt_json_get(c, PT_DOC_WELCH)));
  assert_string_equal(pt_doc_verdict(c), PT_DOC_UNDETERMINED);
  /* nor does a group of identical trials get an interval of width 0 */
  const cJSON *g = pt_doc_group_of(model_named(doc, "m"), "vm");
  assert_true(pt_json_num(g, PT_DOC_VARIANCE) == 0);
  assert_true(cJSON_IsNull(pt_json_get(g, PT_DOC_CI_LOW)));
  assert_true(cJSON_IsNull(pt_json_get(g, PT_DOC_CI_HIGH)));
  cJSON_Delete(doc);
}

typedef struct noise {
  uint64_t state;
  double effect, sb, sw;
  double u[64];  /* session effects */
} noise;

/* log-normal rates: prompt effects 4 % apart, a session effect, trial noise */
static double noisy_value(int s, int p, int t, void *ctx) {
  noise *n = ctx;
  (void)t;
  return 50.0 *
         exp(0.04 * p + n->u[s] + n->sw * pt_test_normal(&n->state) + (s % 2 ? n->effect : 0));
}

static void draw_sessions(noise *n, int sessions) {
  for (int s = 0; s < 2 * sessions && s < 64; s++)
    n->u[s] = n->sb * pt_test_normal(&n->state);
}

/* A session with a single trial, and a prompt run in one environment only. */
static void test_sparse_sessions_and_prompts(void **state) {
  (void)state;
  noise n = {42, -0.01, 0.003, 0.004, {0}};
  draw_sessions(&n, 3);
  char *text = study_text(3, 2, 4, "m", noisy_value, &n);
  pt_buf b = PT_BUF_INIT;
  pt_buf_puts(&b, text);
  free(text);
  /* a fourth vm session with one trial; a prompt p9 on vm only */
  pt_buf_puts(&b, "lone,1,vm,2026-11-20T10:00:00.000Z,m,p1,49.6\n"
                  "s1,99,vm,2026-11-02T11:00:00.000Z,m,p9,44.0\n"
                  "s3,99,vm,2026-11-04T11:00:00.000Z,m,p9,44.2\n");
  pt_error err;
  cJSON *doc = analyze_one(write_file("sparse/trials.csv", b.data), &err);
  pt_buf_free(&b);
  assert_non_null(doc);
  const cJSON *c = comparison(doc, "m", "vm");
  assert_string_equal(pt_json_str(c, PT_DOC_FIT), "ok");
  assert_int_equal(pt_json_int(pt_json_get(c, PT_DOC_SESSIONS), PT_DOC_COMPARED, 0), 4);
  assert_int_equal(pt_json_int(pt_json_get(c, PT_DOC_SESSIONS), PT_DOC_BASELINE, 0), 3);
  assert_true(isfinite(pt_json_num(c, PT_DOC_P_VALUE)));
  assert_true(fabs(pt_json_num(c, PT_DOC_LOG_RATIO) + 0.01) < 0.02);
  assert_true(has_warning(doc, "prompt-coverage", "prompt 'p9' ran on vm only"));
  /* a prompt per environment and none shared: confounded, said */
  doc = (cJSON_Delete(doc), analyze_one(write_file("sparse/apart.csv",
                                                   "run_id,environment,model,prompt_id,eval_rate\n"
                                                   "a1,bare-metal,m,p1,50\na1,bare-metal,m,p1,51\n"
                                                   "a2,bare-metal,m,p1,50.5\na2,bare-metal,m,p1,50.2\n"
                                                   "b1,vm,m,p2,49\nb1,vm,m,p2,48.5\n"
                                                   "b2,vm,m,p2,49.2\nb2,vm,m,p2,49.1\n"),
                                        &err));
  assert_non_null(doc);
  assert_true(has_warning(doc, "prompt-confounded", "no prompt ran on both"));
  cJSON_Delete(doc);
}

/* One model: the across-models row is the model's own fit. */
static void test_single_model(void **state) {
  (void)state;
  noise n = {7, -0.015, 0.004, 0.005, {0}};
  draw_sessions(&n, 3);
  char *text = study_text(3, 3, 3, "only", noisy_value, &n);
  pt_error err;
  cJSON *doc = analyze_one(write_file("single/trials.csv", text), &err);
  free(text);
  assert_non_null(doc);
  const cJSON *c = comparison(doc, "only", "vm");
  const cJSON *s = cJSON_GetArrayItem(pt_doc_summary_comparisons(doc), 0);
  static const char *const keys[] = {PT_DOC_LOG_RATIO, PT_DOC_SE, PT_DOC_DF, PT_DOC_P_VALUE,
                                     PT_DOC_PENALTY_PCT, PT_DOC_PENALTY_CI_LOW};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
    NEAR(pt_json_num(s, keys[i]), pt_json_num(c, keys[i]), 1e-9 * fabs(pt_json_num(c, keys[i])));
  /* with one model Holm changes nothing */
  NEAR(pt_json_num(c, PT_DOC_P_ADJUSTED), pt_json_num(c, PT_DOC_P_VALUE), 1e-15);
  assert_string_equal(pt_doc_verdict(s), pt_doc_verdict(c));
  cJSON_Delete(doc);
}

/* 10,000 sessions of 2 trials: linear, and every session counted. */
static void test_ten_thousand_sessions(void **state) {
  (void)state;
  pt_buf b = PT_BUF_INIT;
  pt_buf_puts(&b, "run_id,environment,model,prompt_id,eval_rate\n");
  uint64_t st = 99;
  for (int s = 0; s < 10000; s++) {
    double u = 0.004 * pt_test_normal(&st);
    for (int t = 0; t < 2; t++)
      pt_buf_printf(&b, "r%d,%s,m,p,%.5f\n", s, s % 2 ? "vm" : "bare-metal",
                    50 * exp(u + 0.003 * pt_test_normal(&st) - (s % 2 ? 0.01 : 0)));
  }
  pt_error err;
  cJSON *doc = analyze_one(write_file("many/trials.csv", b.data), &err);
  pt_buf_free(&b);
  assert_non_null(doc);
  const cJSON *c = comparison(doc, "m", "vm");
  assert_int_equal(pt_json_int(pt_json_get(c, PT_DOC_SESSIONS), PT_DOC_BASELINE, 0), 5000);
  assert_int_equal(pt_json_int(pt_json_get(c, PT_DOC_SESSIONS), PT_DOC_COMPARED, 0), 5000);
  assert_int_equal(cJSON_GetArraySize(pt_json_get(pt_doc_env_find(doc, "vm"), PT_DOC_SESSIONS)),
                   5000);
  assert_string_equal(pt_json_str(c, PT_DOC_FIT), "ok");
  assert_string_equal(pt_doc_verdict(c), "worse");
  /* the truth: a 1 % penalty, session sd 0.4 %, trial sd 0.3 % */
  NEAR(pt_json_num(c, PT_DOC_LOG_RATIO), -0.01, 0.0005);
  NEAR(pt_json_num(pt_json_get(c, PT_DOC_VARIANCE_COMPONENTS), PT_DOC_BETWEEN_SD_PCT), 0.4, 0.03);
  NEAR(pt_json_num(pt_json_get(c, PT_DOC_VARIANCE_COMPONENTS), PT_DOC_WITHIN_SD_PCT), 0.3, 0.02);
  cJSON_Delete(doc);
}

/* ------------------------------------------------------------- NAME=PATH */

static void test_name_path(void **state) {
  (void)state;
  const char *june = write_file("runs/june/vm/trials.csv",
                                "run_id,environment,model,eval_rate\nj1,vm,m,50\nj1,vm,m,50.4\n"
                                "j2,vm,m,50.2\nj2,vm,m,49.9\n");
  write_file("runs/june/vm/manifest.json",
             "{\"schema\":\"ptbench.manifest/1\",\"label\":\"VM\",\"host\":{\"hostname\":\"h1\"},"
             "\"ollama\":{\"version\":\"0.5.1\"}}");
  const char *july = write_file("runs/july/vm/trials.csv",
                                "run_id,environment,model,eval_rate\nk1,vm,m,49\nk1,vm,m,49.3\n"
                                "k2,vm,m,49.1\nk2,vm,m,48.8\n");
  write_file("runs/july/vm/manifest.json",
             "{\"schema\":\"ptbench.manifest/1\",\"label\":\"VM\",\"host\":{\"hostname\":\"h2\"},"
             "\"ollama\":{\"version\":\"0.6.0\"}}");
  char a[600], b[600];
  snprintf(a, sizeof a, "old=%s", june);
  snprintf(b, sizeof b, "new=%s", july);
  const char *named[] = {a, b};
  pt_error err;
  cJSON *doc = analyze_inputs(named, 2, PT_ADJUST_HOLM, &err);
  assert_non_null(doc);
  assert_string_equal(pt_doc_baseline(doc), "old");
  /* the label is the NAME, not the runs' common manifest label */
  assert_string_equal(pt_doc_env_label(pt_doc_env_find(doc, "new")), "new");
  const cJSON *c = comparison(doc, "m", "new");
  assert_non_null(c);
  assert_true(pt_json_num(c, PT_DOC_PENALTY_PCT) > 1.5);
  assert_false(has_warning(doc, "pooled-runs-differ", NULL));
  /* the machines differ, as two environments should be told */
  assert_true(has_warning(doc, "version-mismatch", NULL));
  cJSON_Delete(doc);

  /* pooled under one name: warned, naming both files and what differs */
  const char *pooled[] = {june, july};
  doc = analyze_inputs(pooled, 2, PT_ADJUST_HOLM, &err);
  assert_non_null(doc);
  assert_true(has_warning(doc, "pooled-runs-differ", "host 'h1' in"));
  assert_true(has_warning(doc, "pooled-runs-differ", "Ollama version '0.5.1'"));
  assert_true(has_warning(doc, "pooled-runs-differ", july));
  cJSON_Delete(doc);

  /* the rule: an existing path wins; a '/' before the '=' makes a path */
  const char *path;
  char name[64];
  const char *eq = write_file("runs/a=b.csv", "model,environment,eval_rate\nm,x,1\n");
  assert_false(pt_input_split(eq, &path, name, sizeof name));  /* exists */
  assert_true(path == eq);
  assert_true(pt_input_split("june=runs/june", &path, name, sizeof name));
  assert_string_equal(name, "june");
  assert_string_equal(path, "runs/june");
  assert_false(pt_input_split("./x=y", &path, name, sizeof name));
  assert_false(pt_input_split("=y", &path, name, sizeof name));
  assert_false(pt_input_split("-", &path, name, sizeof name));
  assert_true(pt_input_split("a=b=c", &path, name, sizeof name));
  assert_string_equal(name, "a");
  assert_string_equal(path, "b=c");
  /* a NAME=PATH whose PATH does not exist says which */
  const char *missing = "gone=no/such/dir";
  assert_null(analyze_inputs(&missing, 1, PT_ADJUST_HOLM, &err));
  assert_int_equal(err.code, PT_EUSAGE);
  assert_string_equal(err.file, "no/such/dir");
}

/* --------------------------------------------------- order, first trials */

static void test_order_and_first_trials(void **state) {
  (void)state;
  /* sessions A A B B by time (ids interleaved), and A B A B */
  static const char head[] = "run_id,seq,environment,started_at,model,eval_rate\n";
  pt_buf b = PT_BUF_INIT;
  pt_buf_puts(&b, head);
  for (int s = 0; s < 4; s++)
    for (int t = 1; t <= 4; t++)
      pt_buf_printf(&b, "s%d,%d,%s,2026-11-%02dT10:00:%02d.000Z,m,%.1f\n", s, t,
                    s < 2 ? "bare-metal" : "vm", 1 + s, t, 50 + 0.1 * t);
  pt_error err;
  cJSON *doc = analyze_one(write_file("order/aabb.csv", b.data), &err);
  assert_non_null(doc);
  assert_true(has_warning(doc, "order-confounded", "every session of bare-metal (2) started "
                                                   "before every session of vm (2)"));
  cJSON_Delete(doc);
  pt_buf_reset(&b);
  pt_buf_puts(&b, head);
  for (int s = 0; s < 4; s++)
    for (int t = 1; t <= 4; t++)
      pt_buf_printf(&b, "s%d,%d,%s,2026-11-%02dT10:00:%02d.000Z,m,%.1f\n", s, t,
                    s % 2 ? "vm" : "bare-metal", 1 + s, t, 50 + 0.1 * t);
  doc = analyze_one(write_file("order/abab.csv", b.data), &err);
  assert_non_null(doc);
  assert_false(has_warning(doc, "order-confounded", NULL));
  cJSON_Delete(doc);

  /* the first measured trial of every session is checked: here the third
   * session's (by seq, written last in the file) is 20 % slow */
  pt_buf_reset(&b);
  pt_buf_puts(&b, head);
  for (int s = 0; s < 4; s++)
    for (int t = 4; t >= 1; t--)
      pt_buf_printf(&b, "s%d,%d,%s,2026-11-%02dT10:00:%02d.000Z,m,%.1f\n", s, t,
                    s % 2 ? "vm" : "bare-metal", 1 + s, t, s == 2 && t == 1 ? 40.0 : 50 + 0.1 * t);
  doc = analyze_one(write_file("order/slow.csv", b.data), &err);
  pt_buf_free(&b);
  assert_non_null(doc);
  assert_true(has_warning(doc, "first-trial-slow",
                          "the first measured trial of 1 of 2 sessions is more than 10% off "
                          "its prompt's median in that session: s2 (20%)"));
  cJSON_Delete(doc);

  /* a started_at that is no time is an error naming where */
  doc = analyze_one(write_file("order/bad.csv", "run_id,started_at,environment,model,eval_rate\n"
                                                "r,2026-11-01T10:00:00Z,a,m,1\n"
                                                "r,yesterday,a,m,1\n"),
                    &err);
  assert_null(doc);
  assert_int_equal(err.code, PT_EDATA);
  assert_int_equal(err.line, 3);
  assert_int_equal(err.column, 2);
  assert_non_null(strstr(err.msg, "'started_at' is not an ISO 8601 time"));
}

/* ------------------------------------------------------- GPU telemetry */

static void test_telemetry_facts(void **state) {
  (void)state;
  /* bare metal at 2650 MHz, vm at 2500 MHz (-5.7 %): from the trials alone */
  pt_buf b = PT_BUF_INIT;
  pt_buf_puts(&b, "run_id,environment,model,eval_rate,gpu_clock_mhz,gpu_temp_c\n");
  for (int i = 0; i < 6; i++)
    pt_buf_printf(&b, "a%d,bare-metal,m,50.%d,2650,70\nb%d,vm,m,49.%d,2500,%d\n", i % 2, i,
                  i % 2, i, i == 3 ? 111 : 75);
  pt_error err;
  const char *p = write_file("gpu/vm/trials.csv", b.data);
  pt_buf_free(&b);
  cJSON *doc = analyze_one(p, &err);
  assert_non_null(doc);
  assert_true(has_warning(doc, "gpu-clock-mismatch", "2650 MHz on bare-metal, 2500 MHz on vm"));
  assert_false(has_warning(doc, "gpu-critical-temp", NULL)); /* no manifest, no limit known */
  cJSON_Delete(doc);
  /* with the manifest's critical temperature the 111 °C trial is named */
  write_file("gpu/vm/manifest.json",
             "{\"schema\":\"ptbench.manifest/1\",\"host\":{\"gpus\":[{\"name\":\"G\",\"primary\":"
             "true,\"temp_crit_c\":110}]}}");
  doc = analyze_one(p, &err);
  assert_non_null(doc);
  assert_true(has_warning(doc, "gpu-critical-temp", "a trial reached 111 °C"));
  cJSON_Delete(doc);
}

/* ------------------------------------------- prompts, Holm, fast numbers */

static void test_prompts_and_adjust(void **state) {
  (void)state;
  const char *p = write_file("prompts/trials.csv",
                             "model,environment,prompt_id,eval_rate\n"
                             "m,bare-metal,p1,50\nm,bare-metal,p1,52\nm,bare-metal,p2,40\n"
                             "m,vm,p1,49\nm,vm,p2,39\nm,vm,p2,39.4\n");
  pt_error err;
  cJSON *doc = analyze_one(p, &err);
  assert_non_null(doc);
  const cJSON *prompts = pt_doc_prompts(model_named(doc, "m"));
  assert_int_equal(cJSON_GetArraySize(prompts), 2);
  const cJSON *p1 = cJSON_GetArrayItem(prompts, 0), *p2 = cJSON_GetArrayItem(prompts, 1);
  assert_string_equal(pt_doc_prompt_id(p1), "p1");
  const cJSON *g = pt_doc_find_env_item(pt_doc_groups(p1), "bare-metal");
  assert_int_equal(pt_json_int(g, PT_DOC_N, 0), 2);
  NEAR(pt_json_num(g, PT_DOC_MEAN), 51, 1e-12);
  assert_true(cJSON_IsNull(pt_json_get(g, PT_DOC_PENALTY_PCT)) ||
              !pt_json_get(g, PT_DOC_PENALTY_PCT));
  g = pt_doc_find_env_item(pt_doc_groups(p1), "vm");
  NEAR(pt_json_num(g, PT_DOC_PENALTY_PCT), (1 - 49.0 / 51) * 100, 1e-9);
  g = pt_doc_find_env_item(pt_doc_groups(p2), "vm");
  NEAR(pt_json_num(g, PT_DOC_MEAN), 39.2, 1e-12);
  NEAR(pt_json_num(g, PT_DOC_PENALTY_PCT), (1 - 39.2 / 40) * 100, 1e-9);
  cJSON_Delete(doc);

  /* Holm across three models against --adjust none; the p-values of the
   * fits adjusted as R's p.adjust(p, "holm") would */
  pt_buf b = PT_BUF_INIT;
  pt_buf_puts(&b, "run_id,environment,model,eval_rate\n");
  uint64_t st = 5;
  static const double effect[] = {-0.02, -0.004, 0.0};
  for (int m = 0; m < 3; m++)
    for (int s = 0; s < 8; s++) {
      double u = 0.003 * pt_test_normal(&st);
      for (int t = 0; t < 3; t++)
        pt_buf_printf(&b, "s%d,%s,m%d,%.5f\n", s, s % 2 ? "vm" : "bare-metal", m,
                      50 * exp(u + 0.002 * pt_test_normal(&st) + (s % 2 ? effect[m] : 0)));
    }
  const char *path = write_file("holm/trials.csv", b.data);
  pt_buf_free(&b);
  cJSON *holm = analyze_inputs(&path, 1, PT_ADJUST_HOLM, &err);
  cJSON *none = analyze_inputs(&path, 1, PT_ADJUST_NONE, &err);
  assert_non_null(holm);
  assert_non_null(none);
  assert_string_equal(pt_doc_adjust(holm), PT_DOC_ADJUST_HOLM);
  assert_string_equal(pt_doc_adjust(none), PT_DOC_ADJUST_NONE);
  double pv[3], adj[3];
  for (int m = 0; m < 3; m++) {
    char name[8];
    snprintf(name, sizeof name, "m%d", m);
    pv[m] = pt_json_num(comparison(none, name, "vm"), PT_DOC_P_VALUE);
    NEAR(pt_json_num(comparison(none, name, "vm"), PT_DOC_P_ADJUSTED), pv[m], 0);
    adj[m] = pt_json_num(comparison(holm, name, "vm"), PT_DOC_P_ADJUSTED);
  }
  /* Holm by hand: sorted ascending, (m - j + 1) p_(j), running maximum */
  int o[3] = {0, 1, 2};
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++)
      if (pv[o[j]] < pv[o[i]]) {
        int t = o[i];
        o[i] = o[j];
        o[j] = t;
      }
  double run = 0;
  for (int k = 0; k < 3; k++) {
    run = fmax(run, fmin(1, (3 - k) * pv[o[k]]));
    NEAR(adj[o[k]], run, 1e-15);
  }
  /* the verdict follows the adjusted p */
  for (int m = 0; m < 3; m++) {
    char name[8];
    snprintf(name, sizeof name, "m%d", m);
    const cJSON *c = comparison(holm, name, "vm");
    assert_int_equal(cJSON_IsTrue(pt_json_get(c, PT_DOC_SIGNIFICANT)), adj[m] < 0.05);
  }
  cJSON_Delete(holm);
  cJSON_Delete(none);
}

/* pt_decimal_fast gives strtod's double on plain decimals, and steps
 * aside (NAN) on everything else: a differential test on random input. */
static void test_decimal_fast(void **state) {
  (void)state;
  uint64_t st = 1;
  char buf[64];
  for (int i = 0; i < 200000; i++) {
    uint64_t r = pt_test_u64(&st);
    int digits = 1 + (int)(r % 17), point = (int)((r >> 8) % (uint64_t)(digits + 2)) - 1;
    size_t n = 0;
    for (int d = 0; d < digits; d++) {
      if (d == point)
        buf[n++] = '.';
      buf[n++] = (char)('0' + pt_test_u64(&st) % 10);
    }
    if (point == digits)
      buf[n++] = '.';
    buf[n] = '\0';
    double fast = pt_decimal_fast(buf, n), slow = strtod(buf, NULL);
    if (!isnan(fast) && fast != slow)
      fail_msg("'%s': fast %.17g, strtod %.17g", buf, fast, slow);
    if (digits <= 15 && n <= 16 && isnan(fast))
      fail_msg("'%s': plain decimal not taken", buf);
  }
  static const char *const not_plain[] = {"", ".", "-1", "+1", "1e3", "0x10", " 1", "1 ",
                                          "1..2", "nan", "inf", "1234567890123456"};
  for (size_t i = 0; i < sizeof not_plain / sizeof *not_plain; i++)
    assert_true(isnan(pt_decimal_fast(not_plain[i], strlen(not_plain[i]))));
}

/* ------------------------------------ calibration through the whole path */

/* Simulated studies written as trials files and analyzed as a user would:
 * the verdict's false-positive rate on A/A data stays within the binomial
 * bound of alpha, the penalty interval covers the truth, and a 1 % penalty
 * across heterogeneous prompts is found with 3 sessions per side. (The
 * fine-grained calibration, 1,500 studies per scenario, is
 * test_lmm_calib.c's; this one holds the analyzer to it.) */
static void test_calibration_end_to_end(void **state) {
  (void)state;
  static const struct {
    const char *name;
    double effect, sb, sw;
    int sessions, prompts, trials;
    bool aa;
  } cases[] = {
      {"A/A, session sd 1 %, CV 0.5 %", 0, 0.01, 0.005, 3, 1, 10, true},
      {"A/A, 5 prompts, session sd 0.5 %", 0, 0.005, 0.005, 3, 5, 4, true},
      {"1 % penalty, 5 prompts, CV 1 %", -0.01005033585350145, 0.0, 0.01, 3, 5, 4, false},
  };
  const int reps = 250;
  double se = sqrt(0.05 * 0.95 / reps);
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    noise n = {1000 + k, cases[k].effect, cases[k].sb, cases[k].sw, {0}};
    int significant = 0, covered = 0, determined = 0;
    for (int r = 0; r < reps; r++) {
      draw_sessions(&n, cases[k].sessions);
      char *text = study_text(cases[k].sessions, cases[k].prompts, cases[k].trials, "m",
                              noisy_value, &n);
      pt_error err;
      cJSON *doc = analyze_one(write_file("calib/trials.csv", text), &err);
      free(text);
      if (!doc)
        fail_msg("%s: %s", cases[k].name, err.msg);
      const cJSON *c = comparison(doc, "m", "vm");
      if (!pt_doc_undetermined(c)) {
        determined++;
        significant += cJSON_IsTrue(pt_json_get(c, PT_DOC_SIGNIFICANT));
        double truth = (1 - exp(cases[k].effect)) * 100;
        covered += pt_json_num(c, PT_DOC_PENALTY_CI_LOW) <= truth &&
                   truth <= pt_json_num(c, PT_DOC_PENALTY_CI_HIGH);
      }
      cJSON_Delete(doc);
    }
    double rate = (double)significant / reps, cov = (double)covered / determined;
    print_message("  %-36s significant %5.1f %%  coverage %5.1f %%  determined %d/%d\n",
                  cases[k].name, 100 * rate, 100 * cov, determined, reps);
    assert_int_equal(determined, reps);
    if (cases[k].aa && rate > 0.05 + 3.29 * se)
      fail_msg("%s: false-positive rate %.3f above alpha's bound", cases[k].name, rate);
    if (!cases[k].aa && rate < 0.80)
      fail_msg("%s: power %.3f < 0.80", cases[k].name, rate);
    if (cov < 0.93 - 3.29 * sqrt(0.93 * 0.07 / reps))
      fail_msg("%s: coverage %.3f", cases[k].name, cov);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refs_end_to_end),
      cmocka_unit_test(test_article),
      cmocka_unit_test(test_run_id_in_two_environments),
      cmocka_unit_test(test_all_equal),
      cmocka_unit_test(test_sparse_sessions_and_prompts),
      cmocka_unit_test(test_single_model),
      cmocka_unit_test(test_ten_thousand_sessions),
      cmocka_unit_test(test_name_path),
      cmocka_unit_test(test_order_and_first_trials),
      cmocka_unit_test(test_telemetry_facts),
      cmocka_unit_test(test_prompts_and_adjust),
      cmocka_unit_test(test_decimal_fast),
      cmocka_unit_test(test_calibration_end_to_end),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
