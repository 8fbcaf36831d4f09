/* tests/unit/test_lmm.c - the session mixed model (analyze/lmm.c) and the
 * power calculation (analyze/power.c) against R.
 *
 * Reference values: tests/data/lmm/refs.json, written by
 * tests/data/lmm/make_refs.R with R 4.2.2, lme4 1.1-31 and lmerTest 3.1-3
 * (Debian 12's r-base-core and r-cran-lmertest): lmerTest's lmer + contest1D
 * for the mixed model, lm() where the session variance cannot be estimated,
 * pt(q, df, ncp), power.t.test(strict = TRUE) and p.adjust(, "holm"). The
 * datasets are the trials.csv files beside it, read with ptbench's own
 * reader. Nothing here needs R at run time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/lmm.h"
#include "analyze/power.h"
#include "analyze/stats.h"
#include "core/json.h"
#include "core/trial.h"
#include "tests/unit/rng.h"

#define DATA "tests/data/lmm/"

/* got within rel of want (absolute when want == 0); NAN must match NAN. */
static void check(double got, double want, double rel, const char *what, const char *name) {
  if (isnan(want)) {
    if (!isnan(got))
      fail_msg("%s [%s]: got %.17g, want NAN", what, name, got);
    return;
  }
  double tol = want == 0.0 ? rel : rel * fabs(want);
  if (!(fabs(got - want) <= tol))
    fail_msg("%s [%s]: got %.17g, want %.17g (rel err %.3g)", what, name, got, want,
             want == 0.0 ? fabs(got) : fabs(got - want) / fabs(want));
}

/* ---- reading a dataset ---- */

typedef struct row {
  char *run, *env, *block;
  double y;
} row;

typedef struct rows {
  row *v;
  size_t n, cap;
  bool across;  /* block = model:prompt, else prompt */
} rows;

static char *dup_field(const pt_field *f) {
  char *s = malloc(f->len + 1);
  assert_non_null(s);
  memcpy(s, f->s, f->len);
  s[f->len] = '\0';
  return s;
}

static pt_code on_row(void *ctx, const pt_row *r, pt_error *err) {
  rows *rs = ctx;
  if (rs->n == rs->cap) {
    rs->cap = rs->cap ? 2 * rs->cap : 64;
    rs->v = realloc(rs->v, rs->cap * sizeof *rs->v);
    assert_non_null(rs->v);
  }
  row *o = &rs->v[rs->n++];
  o->run = dup_field(&r->f[PT_COL_RUN_ID]);
  o->env = dup_field(&r->f[PT_COL_ENVIRONMENT]);
  char *model = dup_field(&r->f[PT_COL_MODEL]);
  char *prompt = dup_field(&r->f[PT_COL_PROMPT_ID]);
  size_t len = strlen(model) + strlen(prompt) + 2;
  o->block = malloc(len);
  assert_non_null(o->block);
  if (rs->across)
    snprintf(o->block, len, "%s:%s", model, prompt);
  else
    snprintf(o->block, len, "%s", prompt);
  free(model);
  free(prompt);
  bool present;
  return pt_row_double(r, PT_COL_EVAL_RATE, &o->y, &present, err);
}

static void rows_free(rows *rs) {
  for (size_t i = 0; i < rs->n; i++) {
    free(rs->v[i].run);
    free(rs->v[i].env);
    free(rs->v[i].block);
  }
  free(rs->v);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted distinct names (R's factor levels) and each row's index among them. */
static size_t levels(const rows *rs, bool block, size_t *index) {
  char **names = malloc(rs->n * sizeof *names);
  assert_non_null(names);
  for (size_t i = 0; i < rs->n; i++)
    names[i] = block ? rs->v[i].block : rs->v[i].run;
  qsort(names, rs->n, sizeof *names, cmp_str);
  size_t k = 0;
  for (size_t i = 0; i < rs->n; i++)
    if (i == 0 || strcmp(names[i], names[k - 1]) != 0)
      names[k++] = names[i];
  for (size_t i = 0; i < rs->n; i++) {
    const char *key = block ? rs->v[i].block : rs->v[i].run;
    char *const *hit = bsearch(&key, names, k, sizeof *names, cmp_str);
    assert_non_null(hit);
    index[i] = (size_t)(hit - names);
  }
  free(names);
  return k;
}

/* A dataset as the cells pt_lmm_compare takes: one per (session, block),
 * with the pt_acc of log(eval_rate). */
typedef struct dataset {
  rows rs;
  size_t *session, *block;
  size_t n_sessions, n_blocks;
  pt_lmm_cell *cells;
  size_t n_cells;
} dataset;

static void dataset_load(const char *file, bool across, dataset *d) {
  memset(d, 0, sizeof *d);
  d->rs.across = across;
  char path[512];
  snprintf(path, sizeof path, DATA "%s", file);
  pt_error err;
  pt_error_clear(&err);
  void *ctxs[1] = {&d->rs};
  pt_read_cfg cfg = {.path = path, .on_row = on_row, .ctxs = ctxs, .nctx = 1};
  if (pt_trials_read_path(&cfg, NULL, &err) != PT_OK)
    fail_msg("%s: %s", path, err.msg);
  d->session = malloc(d->rs.n * sizeof *d->session);
  d->block = malloc(d->rs.n * sizeof *d->block);
  assert_true(d->session && d->block);
  d->n_sessions = levels(&d->rs, false, d->session);
  d->n_blocks = levels(&d->rs, true, d->block);
  pt_acc *acc = calloc(d->n_sessions * d->n_blocks, sizeof *acc);
  bool *vm = calloc(d->n_sessions, sizeof *vm);
  assert_true(acc && vm);
  for (size_t i = 0; i < d->n_sessions * d->n_blocks; i++)
    pt_acc_init(&acc[i]);
  for (size_t i = 0; i < d->rs.n; i++) {
    pt_acc_push(&acc[d->session[i] * d->n_blocks + d->block[i]], log(d->rs.v[i].y));
    vm[d->session[i]] = strcmp(d->rs.v[i].env, "vm") == 0;
  }
  d->cells = calloc(d->n_sessions * d->n_blocks, sizeof *d->cells);
  assert_non_null(d->cells);
  for (size_t s = 0; s < d->n_sessions; s++)
    for (size_t b = 0; b < d->n_blocks; b++) {
      const pt_acc *a = &acc[s * d->n_blocks + b];
      if (a->n == 0)
        continue;
      d->cells[d->n_cells++] = (pt_lmm_cell){s, b, vm[s], a->n, a->mean, a->m2};
    }
  free(acc);
  free(vm);
}

static void dataset_free(dataset *d) {
  rows_free(&d->rs);
  free(d->session);
  free(d->block);
  free(d->cells);
}

static cJSON *refs;

static int load_refs(void **state) {
  (void)state;
  pt_error err;
  refs = pt_json_read_file(DATA "refs.json", 0, &err);
  if (!refs)
    fprintf(stderr, "refs.json: %s\n", err.msg);
  return refs ? 0 : -1;
}

static int free_refs(void **state) {
  (void)state;
  cJSON_Delete(refs);
  return 0;
}

/* ---- the mixed model against lmerTest / lm ---- */

/* Every case of refs.json through pt_lmm_compare: estimate, SE, variance
 * components and REML criterion to 1e-6 relative, df and p to 1e-3 (the
 * brief's tolerances; lmerTest's df come from numerical derivatives). */
static void test_compare_vs_r(void **state) {
  (void)state;
  const cJSON *c;
  size_t count = 0;
  cJSON_ArrayForEach(c, pt_json_get(refs, "cases")) {
    const char *name = pt_json_str(c, "name");
    dataset d;
    dataset_load(pt_json_str(c, "file"), pt_json_bool(c, "across", false), &d);
    assert_int_equal(d.rs.n, (size_t)pt_json_num(c, "n"));
    assert_int_equal(d.n_sessions, (size_t)pt_json_num(c, "sessions"));
    pt_lmm_comparison cmp;
    pt_error err;
    pt_error_clear(&err);
    if (pt_lmm_compare(d.cells, d.n_cells, &cmp, &err) != PT_OK)
      fail_msg("%s: %s", name, err.msg);
    if (strcmp(pt_lmm_status_name(cmp.status), pt_json_str(c, "status")) != 0)
      fail_msg("%s: status %s, want %s", name, pt_lmm_status_name(cmp.status),
               pt_json_str(c, "status"));
    check(cmp.env.estimate, pt_json_num(c, "estimate"), 1e-6, "estimate", name);
    check(cmp.env.se, pt_json_num(c, "se"), 1e-6, "se", name);
    check(cmp.sigma_b, pt_json_num(c, "sigma_b"), 1e-6, "sigma_b", name);
    check(cmp.sigma_w, pt_json_num(c, "sigma_w"), 1e-6, "sigma_w", name);
    check(cmp.reml, pt_json_num(c, "reml"), 1e-6, "reml", name);
    check(cmp.env.df, pt_json_num(c, "df"), 1e-3, "df", name);
    check(cmp.env.t, pt_json_num(c, "t"), 1e-6, "t", name);
    check(cmp.env.p, pt_json_num(c, "p"), 1e-3, "p", name);
    if (cmp.singular != pt_json_bool(c, "singular", false))
      fail_msg("%s: singular %d", name, cmp.singular);
    assert_int_equal(cmp.blocks_dropped,
                     (size_t)cJSON_GetArraySize(pt_json_get(c, "dropped")));
    /* the CI from the same t interval (on the log scale), as contest1D */
    double q = pt_t_quantile(0.975, cmp.env.df);
    check(cmp.env.estimate - q * cmp.env.se, pt_json_num(c, "ci_low"), 1e-5, "ci_low", name);
    check(cmp.env.estimate + q * cmp.env.se, pt_json_num(c, "ci_high"), 1e-5, "ci_high",
          name);
    dataset_free(&d);
    count++;
  }
  assert_true(count >= 12);
}

/* The general API on the raw rows (one group per trial, dense design:
 * intercept, vm, block indicators but the first) gives what the cells give,
 * and drops the same column lme4 drops. */
static void test_rows_vs_cells(void **state) {
  (void)state;
  const cJSON *c;
  cJSON_ArrayForEach(c, pt_json_get(refs, "cases")) {
    const char *name = pt_json_str(c, "name");
    dataset d;
    dataset_load(pt_json_str(c, "file"), pt_json_bool(c, "across", false), &d);
    size_t n = d.rs.n, p = d.n_blocks + 1;
    double *x = calloc(n * p, sizeof *x), *mean = malloc(n * sizeof *mean);
    double *m2 = calloc(n, sizeof *m2);
    size_t *count = malloc(n * sizeof *count);
    assert_true(x && mean && m2 && count);
    for (size_t i = 0; i < n; i++) {
      x[i * p] = 1.0;
      x[i * p + 1] = strcmp(d.rs.v[i].env, "vm") == 0;
      if (d.block[i] > 0)
        x[i * p + 1 + d.block[i]] = 1.0;
      mean[i] = log(d.rs.v[i].y);
      count[i] = 1;
    }
    pt_lmm_data data = {n, p, d.n_sessions, x, d.session, count, mean, m2};
    pt_lmm_fit fit;
    pt_error err;
    if (pt_lmm_fit_reml(&data, &fit, &err) != PT_OK)
      fail_msg("%s: %s", name, err.msg);
    double *L = calloc(p, sizeof *L);
    assert_non_null(L);
    L[1] = 1.0;
    pt_lmm_test t;
    assert_int_equal(pt_lmm_contrast(&fit, L, &t, &err), PT_OK);
    check(t.estimate, pt_json_num(c, "estimate"), 1e-6, "estimate", name);
    check(t.se, pt_json_num(c, "se"), 1e-6, "se", name);
    check(t.df, pt_json_num(c, "df"), 1e-3, "df", name);
    check(fit.reml, pt_json_num(c, "reml"), 1e-6, "reml", name);
    /* dropped columns by name: R calls block column k "prompt_id<level>" */
    size_t dropped = 0;
    for (size_t j = 0; j < p; j++)
      dropped += fit.dropped[j];
    assert_int_equal(dropped, (size_t)cJSON_GetArraySize(pt_json_get(c, "dropped")));
    if (strcmp(name, "rankdef") == 0) {
      assert_true(fit.dropped[2]);  /* "prompt_idp2", aliased with vm */
      assert_int_equal(fit.rank, 2);
      /* a contrast on the dropped column is not estimable */
      L[1] = 0.0;
      L[2] = 1.0;
      assert_int_equal(pt_lmm_contrast(&fit, L, &t, &err), PT_EDATA);
      assert_non_null(strstr(err.msg, "aliased"));
    }
    free(L);
    pt_lmm_fit_free(&fit);
    free(x);
    free(mean);
    free(m2);
    free(count);
    dataset_free(&d);
  }
}

/* ---- degenerate data ---- */

/* The article: one row per model and environment. Per model the estimate is
 * the log of the published ratio exactly and nothing else exists (no
 * residual); the verdict is undetermined, the penalty is the article's. */
static void test_one_row_per_cell(void **state) {
  (void)state;
  static const struct {
    double a, b, penalty;  /* data/article/{bare-metal,vm}/trials.csv; penalty = (1 - b/a) 100 */
  } cases[] = {{50.10, 49.27, 1.6566866267465069}, {35.06, 34.96, 0.28522532800912817},
               {27.52, 27.20, 1.1627906976744207}, {25.10, 24.67, 1.7131474103585653}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    pt_lmm_cell cells[] = {{0, 0, false, 1, log(cases[i].a), 0.0},
                           {1, 0, true, 1, log(cases[i].b), 0.0}};
    pt_lmm_comparison c;
    pt_error err;
    assert_int_equal(pt_lmm_compare(cells, 2, &c, &err), PT_OK);
    assert_int_equal(c.status, PT_LMM_EXACT);
    check(c.env.estimate, log(cases[i].b / cases[i].a), 1e-12, "estimate", "article");
    assert_true(isnan(c.env.se) && isnan(c.env.p) && isnan(c.env.df));
    assert_true(isnan(c.sigma_w) && isnan(c.sigma_b));
    double pen, lo, hi;
    pt_lmm_penalty(&c.env, 0.95, true, &pen, &lo, &hi);
    check(pen, cases[i].penalty, 1e-12, "penalty", "article");
    assert_true(isnan(lo) && isnan(hi));
    assert_int_equal(pt_lmm_verdict(c.status, c.env.estimate, c.env.p, 0.05, true),
                     PT_VERDICT_UNDETERMINED);
  }
}

/* Identical trials never give p = 0 or a zero-width interval. */
static void test_zero_variance(void **state) {
  (void)state;
  pt_lmm_comparison c;
  pt_error err;
  double pen, lo, hi;
  /* two identical trials per environment, one session each: exact */
  pt_lmm_cell two[] = {{0, 0, false, 2, log(50.0), 0.0}, {1, 0, true, 2, log(49.0), 0.0}};
  assert_int_equal(pt_lmm_compare(two, 2, &c, &err), PT_OK);
  assert_int_equal(c.status, PT_LMM_EXACT);
  check(c.env.estimate, log(49.0 / 50.0), 1e-13, "estimate", "identical");
  assert_true(isnan(c.env.p) && isnan(c.env.se));
  check(c.sigma_w, 0.0, 0.0, "sigma_w", "identical");
  pt_lmm_penalty(&c.env, 0.95, true, &pen, &lo, &hi);
  assert_true(isnan(lo) && isnan(hi));
  /* every value equal, 3 sessions per side */
  pt_lmm_cell flat[6];
  for (size_t s = 0; s < 6; s++)
    flat[s] = (pt_lmm_cell){s, 0, s >= 3, 5, log(42.0), 0.0};
  assert_int_equal(pt_lmm_compare(flat, 6, &c, &err), PT_OK);
  assert_int_equal(c.status, PT_LMM_EXACT);
  check(c.env.estimate, 0.0, 1e-15, "estimate", "flat");
  assert_true(isnan(c.env.p));
  /* sessions differ, trials within each are identical: no within noise */
  static const double rate[6] = {50.0, 50.4, 49.8, 49.5, 49.9, 49.3};
  for (size_t s = 0; s < 6; s++)
    flat[s] = (pt_lmm_cell){s, 0, s >= 3, 5, log(rate[s]), 0.0};
  assert_int_equal(pt_lmm_compare(flat, 6, &c, &err), PT_OK);
  assert_int_equal(c.status, PT_LMM_NO_WITHIN);
  assert_true(isnan(c.env.p) && isnan(c.env.se));
  assert_int_equal(pt_lmm_verdict(c.status, c.env.estimate, c.env.p, 0.05, true),
                   PT_VERDICT_UNDETERMINED);
  /* one environment noisy, the other identical, one session each: the
   * estimate exists, the session spread does not */
  pt_lmm_cell mixed[] = {{0, 0, false, 3, log(50.0), 0.0}, {1, 0, true, 3, log(49.0), 1e-4}};
  assert_int_equal(pt_lmm_compare(mixed, 2, &c, &err), PT_OK);
  assert_int_equal(c.status, PT_LMM_NO_BETWEEN);
  assert_true(c.env.p > 0.0 && c.env.se > 0.0);
  pt_lmm_penalty(&c.env, 0.95, true, &pen, &lo, &hi);
  assert_true(hi > lo);
  assert_int_equal(pt_lmm_verdict(c.status, c.env.estimate, c.env.p, 0.05, true),
                   PT_VERDICT_UNDETERMINED);
}

/* Bad input: each is an error that says what is wrong. */
static void test_bad_input(void **state) {
  (void)state;
  pt_lmm_comparison c;
  pt_error err;
  static const struct {
    pt_lmm_cell cells[3];
    size_t n;
    const char *msg;
  } cases[] = {
      {{{0, 0, false, 3, 1.0, 0.1}, {0, 0, true, 3, 1.1, 0.1}}, 2,
       "session 0 has rows in both environments"},
      {{{7, 0, false, 3, 1.0, 0.1}, {9, 1, true, 3, 1.1, 0.1}, {9, 0, false, 2, 1.0, 0.0}}, 3,
       "session 9 has rows in both environments"},
      {{{0, 0, false, 3, 1.0, 0.1}, {1, 0, false, 3, 1.1, 0.1}}, 2,
       "the compared environment has no rows"},
      {{{0, 0, false, 0, 1.0, 0.1}, {1, 0, true, 3, 1.1, 0.1}}, 2, "needs at least one row"},
      {{{0, 0, false, 2, NAN, 0.1}, {1, 0, true, 3, 1.1, 0.1}}, 2, "finite values"},
      {{{0, 0, false, 2, 1.0, -1.0}, {1, 0, true, 3, 1.1, 0.1}}, 2, "finite values"},
      {{{0}}, 0, "no data"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    pt_error_clear(&err);
    assert_int_equal(pt_lmm_compare(cases[i].cells, cases[i].n, &c, &err), PT_EDATA);
    if (!strstr(err.msg, cases[i].msg))
      fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err.msg, cases[i].msg);
  }
  /* the general API */
  double x[] = {1, 0, 1, 1};
  size_t sess[] = {0, 5}, cnt[] = {1, 1}, zero[] = {0, 1};
  double mean[] = {1, 2}, m2[] = {0, 0}, bad[] = {1, NAN};
  pt_lmm_fit fit;
  pt_lmm_data d = {2, 2, 2, x, sess, cnt, mean, m2};
  assert_int_equal(pt_lmm_fit_reml(&d, &fit, &err), PT_EDATA);
  assert_non_null(strstr(err.msg, "session 5 is out of range"));
  pt_lmm_fit_free(&fit);
  size_t sess_ok[] = {0, 1};
  d = (pt_lmm_data){2, 2, 2, x, sess_ok, zero, mean, m2};
  assert_int_equal(pt_lmm_fit_reml(&d, &fit, &err), PT_EDATA);
  pt_lmm_fit_free(&fit);
  d = (pt_lmm_data){2, 2, 2, x, sess_ok, cnt, bad, m2};
  assert_int_equal(pt_lmm_fit_reml(&d, &fit, &err), PT_EDATA);
  pt_lmm_fit_free(&fit);
  double zx[] = {0, 0, 0, 0};
  d = (pt_lmm_data){2, 2, 2, zx, sess_ok, cnt, mean, m2};
  assert_int_equal(pt_lmm_fit_reml(&d, &fit, &err), PT_EDATA);
  pt_lmm_fit_free(&fit);
  pt_lmm_fit_free(NULL);
}

/* a seeded normal stream for the tests below */
static uint64_t rng_state;
static double rng_normal(void) { return pt_test_normal(&rng_state); }

/* 10,000 sessions (5,000 per side, 3 prompts, 4 trials each): fits, finds
 * the effect, and a session with a single trial is fine among them. */
static void test_many_sessions(void **state) {
  (void)state;
  rng_state = 42;
  size_t S = 10000, K = 3;
  pt_lmm_cell *cells = calloc(S * K, sizeof *cells);
  assert_non_null(cells);
  size_t n = 0;
  for (size_t s = 0; s < S; s++) {
    bool vm = s % 2 == 1;
    double u = 0.01 * rng_normal();
    for (size_t b = 0; b < K; b++) {
      pt_acc a;
      pt_acc_init(&a);
      size_t trials = s == 0 ? 1 : 4;
      for (size_t t = 0; t < trials; t++)
        pt_acc_push(&a, log(50.0) + 0.03 * (double)b + (vm ? -0.01 : 0.0) + u +
                            0.005 * rng_normal());
      if (s == 0 && b > 0)
        continue;  /* session 0: one trial of one prompt */
      cells[n++] = (pt_lmm_cell){s * 7 + 3, b, vm, a.n, a.mean, a.m2};
    }
  }
  pt_lmm_comparison c;
  pt_error err;
  assert_int_equal(pt_lmm_compare(cells, n, &c, &err), PT_OK);
  assert_int_equal(c.status, PT_LMM_OK);
  assert_int_equal(c.sessions_baseline, 5000);
  assert_int_equal(c.sessions_compared, 5000);
  /* true values: effect -0.01, sigma_b 0.01, sigma_w 0.005; SE ~ 0.0002 */
  assert_true(fabs(c.env.estimate + 0.01) < 0.001);
  assert_true(fabs(c.sigma_b - 0.01) < 0.0005);
  assert_true(fabs(c.sigma_w - 0.005) < 0.0002);
  assert_true(c.env.p < 1e-6);
  assert_true(fabs(c.env.df - 9998) < 50);
  free(cells);
}

/* ---- verdicts, penalties, Holm ---- */

static void test_verdict_table(void **state) {
  (void)state;
  static const struct {
    pt_lmm_status status;
    double log_ratio, p;
    bool hib;
    pt_verdict want;
  } cases[] = {
      {PT_LMM_OK, -0.01, 0.01, true, PT_VERDICT_WORSE},
      {PT_LMM_OK, -0.01, 0.01, false, PT_VERDICT_BETTER},
      {PT_LMM_OK, 0.01, 0.01, true, PT_VERDICT_BETTER},
      {PT_LMM_OK, 0.01, 0.01, false, PT_VERDICT_WORSE},
      {PT_LMM_OK, -0.01, 0.05, true, PT_VERDICT_NO_DIFFERENCE},  /* p < alpha, strictly */
      {PT_LMM_OK, -0.01, 0.2, true, PT_VERDICT_NO_DIFFERENCE},
      {PT_LMM_ROWS_ARE_SESSIONS, -0.01, 0.001, true, PT_VERDICT_WORSE},
      {PT_LMM_NO_BETWEEN, -0.01, 1e-9, true, PT_VERDICT_UNDETERMINED},
      {PT_LMM_NO_WITHIN, -0.01, NAN, true, PT_VERDICT_UNDETERMINED},
      {PT_LMM_EXACT, -0.01, NAN, true, PT_VERDICT_UNDETERMINED},
      {PT_LMM_OK, -0.01, NAN, true, PT_VERDICT_UNDETERMINED},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    if (pt_lmm_verdict(cases[i].status, cases[i].log_ratio, cases[i].p, 0.05,
                       cases[i].hib) != cases[i].want)
      fail_msg("case %zu", i);
  assert_string_equal(pt_verdict_name(PT_VERDICT_NO_DIFFERENCE), "no_difference");
  assert_string_equal(pt_lmm_status_name(PT_LMM_ROWS_ARE_SESSIONS), "rows_are_sessions");
  assert_non_null(strstr(pt_lmm_status_text(PT_LMM_NO_BETWEEN), "A B A B"));
}

/* Penalty and CI (STATS.md 19): from the unbal2 reference, lmerTest's
 * contest1D CI (-0.078572007628017818, 0.036296822999017542) mapped by
 * (1 - e^x) 100 and (e^x - 1) 100. */
static void test_penalty(void **state) {
  (void)state;
  pt_lmm_test t = {-0.021137592314500138, 0.013284821175056541, 1.9900609501302053, NAN,
                   NAN};
  double pen, lo, hi;
  pt_lmm_penalty(&t, 0.95, true, &pen, &lo, &hi);
  check(pen, (1 - exp(-0.021137592314500138)) * 100, 1e-12, "penalty", "hib");
  check(lo, (1 - exp(0.036296822999017542)) * 100, 1e-6, "low", "hib");
  check(hi, (1 - exp(-0.078572007628017818)) * 100, 1e-6, "high", "hib");
  pt_lmm_penalty(&t, 0.95, false, &pen, &lo, &hi);
  check(pen, (exp(-0.021137592314500138) - 1) * 100, 1e-12, "penalty", "lib");
  check(lo, (exp(-0.078572007628017818) - 1) * 100, 1e-6, "low", "lib");
  check(hi, (exp(0.036296822999017542) - 1) * 100, 1e-6, "high", "lib");
  t.se = 0.0;
  pt_lmm_penalty(&t, 0.95, true, &pen, &lo, &hi);
  assert_true(isnan(lo) && isnan(hi));
}

static void test_holm(void **state) {
  (void)state;
  const cJSON *h = pt_json_get(refs, "holm");
  const cJSON *p = pt_json_get(h, "p"), *adj = pt_json_get(h, "adjusted");
  size_t n = (size_t)cJSON_GetArraySize(p);
  double in[16], out[16];
  assert_true(n <= 16);
  for (size_t i = 0; i < n; i++) {
    const cJSON *v = cJSON_GetArrayItem(p, (int)i);
    in[i] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
  }
  pt_error err;
  assert_int_equal(pt_holm(in, n, out, &err), PT_OK);
  for (size_t i = 0; i < n; i++) {
    const cJSON *v = cJSON_GetArrayItem(adj, (int)i);
    check(out[i], cJSON_IsNumber(v) ? v->valuedouble : NAN, 1e-15, "holm", "p.adjust");
  }
  /* in place, and a single p-value is itself */
  assert_int_equal(pt_holm(in, n, in, &err), PT_OK);
  check(in[0], out[0], 0, "holm in place", "p.adjust");
  double one = 0.03;
  assert_int_equal(pt_holm(&one, 1, &one, &err), PT_OK);
  check(one, 0.03, 0, "holm single", "p.adjust");
  double badp = 1.5;
  assert_int_equal(pt_holm(&badp, 1, &badp, &err), PT_EDATA);
}

/* ---- power ---- */

static void test_nct_vs_r(void **state) {
  (void)state;
  const cJSON *c;
  size_t n = 0;
  cJSON_ArrayForEach(c, pt_json_get(refs, "nct")) {
    char name[96];
    snprintf(name, sizeof name, "pt(%g, %g, %g)", pt_json_num(c, "q"), pt_json_num(c, "df"),
             pt_json_num(c, "ncp"));
    double got = pt_nct_cdf(pt_json_num(c, "q"), pt_json_num(c, "df"), pt_json_num(c, "ncp"));
    double want = pt_json_num(c, "p");
    if (!(fabs(got - want) <= 1e-10))
      fail_msg("%s: got %.17g, want %.17g", name, got, want);
    n++;
  }
  assert_true(n >= 80);
  assert_true(isnan(pt_nct_cdf(1.0, 0.0, 1.0)));
  check(pt_nct_cdf(INFINITY, 5, 2), 1.0, 0, "inf", "nct");
  check(pt_nct_cdf(1.5, 7, 0), pt_t_cdf(1.5, 7), 0, "central", "nct");
}

static void test_power_vs_r(void **state) {
  (void)state;
  const cJSON *c;
  cJSON_ArrayForEach(c, pt_json_get(refs, "power")) {
    double sd = pt_json_num(c, "sd"), delta = pt_json_num(c, "delta");
    double alpha = pt_json_num(c, "alpha");
    check(pt_power_t2(pt_json_num(c, "k"), sd, delta, alpha), pt_json_num(c, "power"), 1e-9,
          "power", "power.t.test");
    check(pt_power_t2(pt_json_num(c, "k"), sd, -delta, alpha), pt_json_num(c, "power"), 1e-9,
          "power (negative effect)", "power.t.test");
    /* the smallest k reaching 0.8, with sigma_b = sd and no within noise */
    pt_power_design d;
    pt_error err;
    assert_int_equal(pt_power_sessions(sd, 0.0, 10, delta, alpha, 0.8, 3600.0, 100000, &d,
                                       &err), PT_OK);
    assert_true(d.reached);
    assert_int_equal(d.sessions, (size_t)pt_json_num(c, "k80"));
    assert_true(d.power >= 0.8);
    assert_true(pt_power_t2((double)d.sessions - 1, sd, delta, alpha) < 0.8 ||
                d.sessions == 2);
    check(d.gpu_seconds, 2.0 * (double)d.sessions * 10 * 3600.0, 1e-15, "gpu", "design");
  }
}

static void test_power_design(void **state) {
  (void)state;
  pt_power_design d;
  pt_error err;
  /* sd of a session mean combines the components: (P1) */
  assert_int_equal(pt_power_sessions(0.01, 0.02, 16, pt_penalty_to_log_ratio(1, true), 0.05,
                                     0.8, 2.5, 1000, &d, &err), PT_OK);
  check(d.sd_session_mean, sqrt(0.0001 + 0.0004 / 16), 1e-15, "tau", "design");
  check(d.power, pt_power_t2((double)d.sessions, d.sd_session_mean, log(0.99), 0.05), 0,
        "power", "design");
  /* more trials per session never need more sessions */
  pt_power_design more;
  assert_int_equal(pt_power_sessions(0.01, 0.02, 64, log(0.99), 0.05, 0.8, 2.5, 1000, &more,
                                     &err), PT_OK);
  assert_true(more.sessions <= d.sessions);
  /* out of reach */
  assert_int_equal(pt_power_sessions(0.05, 0.02, 4, log(0.999), 0.05, 0.8, 1.0, 10, &d, &err),
                   PT_OK);
  assert_false(d.reached);
  assert_int_equal(d.sessions, 10);
  /* what cannot be estimated is said, not assumed */
  assert_int_equal(pt_power_sessions(NAN, 0.01, 4, log(0.99), 0.05, 0.8, 1.0, 10, &d, &err),
                   PT_EDATA);
  assert_non_null(strstr(err.msg, "between-session sd is unknown"));
  assert_int_equal(pt_power_sessions(0.01, 0.01, 0, log(0.99), 0.05, 0.8, 1.0, 10, &d, &err),
                   PT_EDATA);
  assert_int_equal(pt_power_sessions(0.01, 0.01, 4, 0.0, 0.05, 0.8, 1.0, 10, &d, &err),
                   PT_EDATA);
  check(pt_penalty_to_log_ratio(1, false), log(1.01), 0, "log ratio", "lib");
  assert_true(isnan(pt_penalty_to_log_ratio(100, true)));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_compare_vs_r),  cmocka_unit_test(test_rows_vs_cells),
      cmocka_unit_test(test_one_row_per_cell), cmocka_unit_test(test_zero_variance),
      cmocka_unit_test(test_bad_input),     cmocka_unit_test(test_many_sessions),
      cmocka_unit_test(test_verdict_table), cmocka_unit_test(test_penalty),
      cmocka_unit_test(test_holm),          cmocka_unit_test(test_nct_vs_r),
      cmocka_unit_test(test_power_vs_r),    cmocka_unit_test(test_power_design),
  };
  return cmocka_run_group_tests(tests, load_refs, free_refs);
}
