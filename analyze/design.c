/* analyze/design.c - designs from pilot data (analyze/design.h). */
#include "analyze/design.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analysis_internal.h"
#include "analyze/stats.h"

const size_t pt_design_alt_trials[PT_DESIGN_ALTS] = {5, 10, 20, 40};

void pt_design_opts_init(pt_design_opts *o) {
  o->effect_pct = 1.0;
  o->power = 0.8;
  o->alpha = 0.05;
  o->max_sessions = 1000;
}

void pt_design_free(pt_design *d) {
  if (!d)
    return;
  free(d->rows);
  d->rows = NULL;
  d->n = 0;
}

/* A trial of one model as the fit takes it. */
typedef struct obs {
  uint32_t env, session, prompt;
  double y;  /* log of the value */
} obs;

static int cmp_obs(const void *pa, const void *pb) {
  const obs *a = pa, *b = pb;
  if (a->session != b->session)
    return a->session < b->session ? -1 : 1;
  if (a->prompt != b->prompt)
    return a->prompt < b->prompt ? -1 : 1;
  return 0;
}

/* Dense design of one model: intercept, an indicator per environment but
 * the first present, one per prompt but the first present (R's treatment
 * coding); rows are the (session, prompt) cells. */
typedef struct fit_in {
  size_t G, p;
  double *x, *mean, *m2;
  size_t *session, *count;
} fit_in;

static void fit_in_free(fit_in *f) {
  free(f->x);
  free(f->mean);
  free(f->m2);
  free(f->session);
  free(f->count);
}

/* Fill row, which is zeroed, with the fit of model m. */
static pt_code fit_model(pt_dataset *ds, size_t m, pt_design_row *row, pt_error *err) {
  size_t ne = pt_ds_nenvs(ds), np = pt_ds_nprompts(ds), ns = pt_ds_nsessions(ds);
  size_t n = 0;
  double wall = 0;
  size_t wall_n = 0;
  for (size_t e = 0; e < ne; e++) {
    const pt_group *g = pt_dataset_group(ds, m, e);
    if (g && g->n) {
      n += g->n;
      row->envs++;
      wall += g->wall_sum;
      wall_n += g->wall_n;
    }
  }
  row->trials = n;
  row->wall_seconds = wall_n ? wall / (double)wall_n : NAN;
  obs *o = malloc((n ? n : 1) * sizeof *o);
  int *env_col = malloc((ne + np + 1) * sizeof *env_col), *prompt_col = env_col + ne;
  size_t *per_env = calloc(ne + 1, sizeof *per_env);
  fit_in f = {0};
  pt_lmm_fit fit;
  memset(&fit, 0, sizeof fit);
  pt_code rc = PT_OK;
  if (!o || !env_col || !per_env) {
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    goto out;
  }
  size_t k = 0;
  for (size_t e = 0; e < ne; e++) {
    const pt_group *g = pt_dataset_group(ds, m, e);
    for (size_t i = 0; g && i < g->n; i++)
      o[k++] = (obs){(uint32_t)e, g->session[i], g->prompt[i], log(g->values[i])};
  }
  qsort(o, n, sizeof *o, cmp_obs);
  /* columns: environments and prompts present, the first of each left out */
  for (size_t i = 0; i < ne + np; i++)
    env_col[i] = -1;
  size_t p = 1, sessions = 0;
  for (size_t i = 0; i < n; i++) {
    if (env_col[o[i].env] < 0)
      env_col[o[i].env] = 0;
    if (i == 0 || o[i].session != o[i - 1].session) {
      sessions++;
      per_env[o[i].env]++;
    }
  }
  bool first = true;
  for (size_t e = 0; e < ne; e++)
    if (env_col[e] == 0) {
      env_col[e] = first ? -2 : (int)p++;  /* -2: the reference */
      first = false;
    }
  for (size_t i = 0; i < n; i++)
    if (prompt_col[o[i].prompt] < 0)
      prompt_col[o[i].prompt] = 0;
  first = true;
  for (size_t q = 0; q < np; q++)
    if (prompt_col[q] == 0) {
      prompt_col[q] = first ? -2 : (int)p++;
      first = false;
    }
  row->sessions_min = SIZE_MAX;
  for (size_t e = 0; e < ne; e++)
    if (per_env[e]) {
      row->sessions_min = per_env[e] < row->sessions_min ? per_env[e] : row->sessions_min;
      row->sessions_max = per_env[e] > row->sessions_max ? per_env[e] : row->sessions_max;
    }
  if (row->sessions_min == SIZE_MAX)
    row->sessions_min = 0;
  double tps = sessions ? (double)n / (double)sessions : 0;
  row->trials_per_session = tps < 1 ? 1 : (size_t)floor(tps + 0.5);
  if (n == 0) {
    snprintf(row->reason, sizeof row->reason, "no valid trials");
    goto out;
  }
  /* the cells, as groups of the fit */
  size_t G = 1;
  for (size_t i = 1; i < n; i++)
    G += cmp_obs(&o[i], &o[i - 1]) != 0;
  f.G = G;
  f.p = p;
  f.x = calloc(G * p, sizeof *f.x);
  f.mean = calloc(G, sizeof *f.mean);
  f.m2 = calloc(G, sizeof *f.m2);
  f.session = calloc(G, sizeof *f.session);
  f.count = calloc(G, sizeof *f.count);
  if (!f.x || !f.mean || !f.m2 || !f.session || !f.count) {
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    goto out;
  }
  for (size_t a = 0, b, gi = 0; a < n; a = b, gi++) {
    pt_acc acc;
    pt_acc_init(&acc);
    for (b = a; b < n && !cmp_obs(&o[a], &o[b]); b++)
      pt_acc_push(&acc, o[b].y);
    double *x = f.x + gi * p;
    x[0] = 1;
    if (env_col[o[a].env] > 0)
      x[env_col[o[a].env]] = 1;
    if (prompt_col[o[a].prompt] > 0)
      x[prompt_col[o[a].prompt]] = 1;
    f.session[gi] = o[a].session;
    f.count[gi] = acc.n;
    f.mean[gi] = acc.mean;
    f.m2[gi] = acc.m2;
  }
  pt_lmm_data data = {G, p, ns, f.x, f.session, f.count, f.mean, f.m2};
  pt_error ferr;
  pt_error_clear(&ferr);
  rc = pt_lmm_fit_reml(&data, &fit, &ferr);
  if (rc == PT_EDATA) {  /* nothing a fit can use: said, not fatal */
    snprintf(row->reason, sizeof row->reason, "%s", ferr.msg);
    rc = PT_OK;
    goto out;
  }
  if (rc) {
    *err = ferr;
    goto out;
  }
  row->status = fit.status;
  row->sigma_b = fit.sigma_b;
  row->sigma_w = fit.sigma_w;
  row->sigma_b_df = sessions > row->envs ? sessions - row->envs : 0;
  row->estimable = fit.status == PT_LMM_OK;
  if (!row->estimable) {
    row->sigma_b = NAN;
    if (fit.status != PT_LMM_NO_BETWEEN)
      row->sigma_w = NAN;
    snprintf(row->reason, sizeof row->reason, "%s",
             fit.status == PT_LMM_NO_BETWEEN
                 ? "one session per environment: the session-to-session variation cannot be "
                   "estimated, and it is what a verdict must beat; collect at least 3 sessions "
                   "per environment, alternating A B A B, and ask again"
             : fit.status == PT_LMM_ROWS_ARE_SESSIONS
                 ? "one trial per session: the variation between sessions and within them "
                   "are not told apart; collect sessions of several trials"
             : fit.status == PT_LMM_NO_WITHIN
                 ? "the trials within each session are identical: the within-session "
                   "variation cannot be estimated"
                 : "one value per cell (or identical values): neither the variation between "
                   "sessions nor within them can be estimated; collect at least 3 sessions "
                   "per environment of several trials each, alternating A B A B, and ask "
                   "again");
  }
out:
  pt_lmm_fit_free(&fit);
  fit_in_free(&f);
  free(o);
  free(env_col);
  free(per_env);
  return rc;
}

pt_code pt_design_from(pt_dataset *ds, const pt_design_opts *o, pt_design *out, pt_error *err) {
  memset(out, 0, sizeof *out);
  out->higher_is_better = ds->metric->higher_is_better;
  if (!(o->power > 0 && o->power < 1))
    return pt_error_set(err, PT_EUSAGE, "--power must be between 0 and 1, got %g", o->power);
  if (!(o->alpha > 0 && o->alpha < 1))
    return pt_error_set(err, PT_EUSAGE, "--alpha must be between 0 and 1, got %g", o->alpha);
  out->delta = pt_penalty_to_log_ratio(o->effect_pct, out->higher_is_better);
  if (!isfinite(out->delta) || out->delta == 0.0)
    return pt_error_set(err, PT_EUSAGE,
                        "--effect must be a penalty %% other than 0%s, got %g",
                        out->higher_is_better ? " and below 100" : " and above -100",
                        o->effect_pct);
  size_t usable = 0;
  for (size_t i = 0; i < ds->ngroups; i++)
    usable += ds->groups[i].n;
  if (!usable)
    return pt_error_set(err, PT_EDATA, "no usable trial in the pilot data");
  pt_code rc = pt_dataset_index(ds, err);
  if (rc)
    return rc;
  size_t nm = pt_ds_nmodels(ds);
  if (!(out->rows = calloc(nm ? nm : 1, sizeof *out->rows)))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  out->n = nm;
  for (size_t m = 0; m < nm && !rc; m++) {
    pt_design_row *row = &out->rows[m];
    row->model = pt_ds_model(ds, m);
    row->sigma_b = row->sigma_w = row->sigma_b_upper = NAN;
    if ((rc = fit_model(ds, m, row, err)) || !row->estimable)
      continue;
    pt_error perr;
    if (pt_power_sessions(row->sigma_b, row->sigma_w, row->trials_per_session, out->delta,
                          o->alpha, o->power, row->wall_seconds, o->max_sessions,
                          &row->design, &perr)) {
      row->estimable = false;
      snprintf(row->reason, sizeof row->reason, "%s", perr.msg);
      continue;
    }
    /* the conservative design: sigma_b at its upper bound (design.h) */
    double per = (double)row->trials_per_session, nu = (double)row->sigma_b_df;
    double w2 = row->sigma_w * row->sigma_w / per;
    double tau2 = row->sigma_b * row->sigma_b + w2;
    double tau2_up = nu * tau2 / pt_chisq_quantile(1.0 - PT_DESIGN_UPPER_LEVEL, nu);
    row->sigma_b_upper = sqrt(fmax(tau2_up - w2, row->sigma_b * row->sigma_b));
    if (!isfinite(row->sigma_b_upper) ||
        pt_power_sessions(row->sigma_b_upper, row->sigma_w, row->trials_per_session,
                          out->delta, o->alpha, o->power, row->wall_seconds, o->max_sessions,
                          &row->conservative, NULL))
      row->sigma_b_upper = NAN;  /* conservative.sessions stays 0: shown as unknown */
    for (size_t a = 0; a < PT_DESIGN_ALTS; a++)
      pt_power_sessions(row->sigma_b, row->sigma_w, pt_design_alt_trials[a], out->delta,
                        o->alpha, o->power, row->wall_seconds, o->max_sessions, &row->alt[a],
                        NULL);
  }
  return rc;
}
