/* analyze/design.h - how many sessions and trials a verdict needs, from
 * pilot data (`ptbench power`, STATS.md 21).
 *
 * Per model, the pilot's trials (any environments, any sessions) are fitted
 * with the session model - log(metric) ~ environment + prompt + (1 |
 * session), by REML (analyze/lmm.h) - for its between-session sd sigma_b
 * and within-session sd sigma_w; analyze/power.h then gives the fewest
 * sessions per environment that detect the effect with the asked power, at
 * the pilot's trials per session and at a few others, with the GPU time
 * each design costs (from the trials' wall_ns). A small pilot's sigma_b is
 * uncertain (3 sessions a side give it 4 df): the conservative design
 * plans with an upper confidence bound of it instead, from the chi-square
 * of the session means' variance,
 *   tau^2 = sigma_b^2 + sigma_w^2 / m,  nu = sessions - environments,
 *   tau_U^2 = nu tau^2 / chi2(1 - level; nu),  sigma_b,U^2 = tau_U^2 - sigma_w^2 / m,
 * so it reaches the power asked for whenever the true sigma_b is below the
 * bound (about `level` of pilots). When the pilot cannot
 * estimate both (one session per environment, one trial per session,
 * identical values) the model's row says why and nothing is assumed.
 *
 * Nothing here prints. A pt_design owns its rows; the model names point
 * into the dataset, which must outlive the design.
 */
#ifndef PT_DESIGN_H
#define PT_DESIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze/analysis.h"
#include "analyze/lmm.h"
#include "analyze/power.h"

typedef struct pt_design_opts {
  double effect_pct;    /* penalty to detect, % of the baseline (STATS.md 9) */
  double power;         /* wanted power, (0, 1) */
  double alpha;         /* significance level, (0, 1) */
  size_t max_sessions;  /* give up above this many sessions per environment */
} pt_design_opts;

void pt_design_opts_init(pt_design_opts *o);  /* 1 %, 0.8, 0.05, 1000 */

/* The one-sided confidence of the upper bound of sigma_b the conservative
 * design plans with. */
#define PT_DESIGN_UPPER_LEVEL 0.8

/* Trials per session tried besides the pilot's own. */
#define PT_DESIGN_ALTS 4
extern const size_t pt_design_alt_trials[PT_DESIGN_ALTS];  /* 5, 10, 20, 40 */

typedef struct pt_design_row {
  const char *model;        /* borrowed from the dataset */
  size_t envs;              /* environments with trials of the model */
  size_t sessions_min, sessions_max;  /* fewest and most sessions of an environment */
  size_t trials;            /* valid trials */
  size_t trials_per_session;  /* the pilot's, rounded (at least 1) */
  pt_lmm_status status;     /* of the variance fit */
  bool estimable;           /* sigma_b and sigma_w known: the designs are filled */
  double sigma_b, sigma_w;  /* log scale; NAN when not estimable */
  size_t sigma_b_df;        /* sessions - environments: the df sigma_b rests on */
  double sigma_b_upper;     /* its one-sided PT_DESIGN_UPPER_LEVEL upper bound */
  pt_power_design conservative; /* at trials_per_session, planned with sigma_b_upper */
  double wall_seconds;      /* mean wall time of a trial, or NAN (no wall_ns) */
  pt_power_design design;   /* at trials_per_session */
  pt_power_design alt[PT_DESIGN_ALTS];  /* at pt_design_alt_trials */
  char reason[320];         /* when not estimable: why, and what to do */
} pt_design_row;

typedef struct pt_design {
  pt_design_row *rows;      /* one per model, in order of first appearance */
  size_t n;
  double delta;             /* the effect as a log ratio */
  bool higher_is_better;
} pt_design;

/* The design of every model of ds. PT_EUSAGE for options out of range or an
 * effect that is no ratio (>= 100 % for a rate), PT_EDATA when ds has no
 * valid trial, PT_ENOMEM. out is filled (free it with pt_design_free) even
 * when this fails. */
pt_code pt_design_from(pt_dataset *ds, const pt_design_opts *o, pt_design *out, pt_error *err);
void pt_design_free(pt_design *d);

#endif
