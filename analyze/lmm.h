/* analyze/lmm.h - the session mixed model of STATS.md 16-20.
 *
 * y = X beta + Z u + e on the log of the metric, with a random intercept per
 * session (u_s ~ N(0, sigma_b^2)) and trial noise e ~ N(0, sigma_w^2),
 * fitted by REML: R's lmer(y ~ ... + (1 | session)) with lmerTest's
 * Satterthwaite degrees of freedom. The equations are numbered in lmm.c and
 * in docs/analyze.md ("The session model").
 *
 * Input is plain arrays of *groups*: rows that share a session and a design
 * row, given by their count, mean and sum of squared deviations (pt_acc's n,
 * mean and m2), so a million trials in a few hundred (session, prompt) cells
 * cost what the cells cost. A group may be a single row (count 1, m2 0).
 * pt_lmm_compare() builds the design of the environment comparison itself
 * (intercept, environment, block indicators); pt_lmm_fit_reml() takes any
 * dense design.
 *
 * Nothing here prints. Functions that allocate return pt_code and fill a
 * pt_error; the arrays of a pt_lmm_fit belong to it (pt_lmm_fit_free).
 * Inputs are borrowed and never kept. Reentrant (no static state).
 */
#ifndef PT_LMM_H
#define PT_LMM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* What the data let the fit estimate. Which fields exist in each case is
 * said beside it; a field that does not exist is NAN. */
typedef enum pt_lmm_status {
  PT_LMM_OK,          /* sigma_b and sigma_w estimated (sigma_b may be 0:
                         `singular`); SE, df, p from REML + Satterthwaite */
  PT_LMM_NO_BETWEEN,  /* sigma_b not estimable: every session is confounded
                         with the fixed effects (one session per environment).
                         Fitted with sigma_b = 0: SE, df and p cover the
                         within-session noise only; sigma_b NAN */
  PT_LMM_ROWS_ARE_SESSIONS, /* every session has one row: sigma_b and sigma_w
                         are not separable, the rows are independent and are
                         fitted by least squares; sigma_w is the total sd,
                         sigma_b NAN; SE, df, p valid */
  PT_LMM_NO_WITHIN,   /* rows within each session are identical once the
                         fixed effects are removed (the REML optimum is at
                         sigma_w -> 0): estimate only, no SE, df or p */
  PT_LMM_EXACT,       /* no residual variation at all (as many rows as
                         coefficients, or all values equal within cells):
                         estimate only, no SE, df or p */
} pt_lmm_status;

/* "ok", "no_between", "rows_are_sessions", "no_within", "exact". */
const char *pt_lmm_status_name(pt_lmm_status s);
/* One short sentence saying what the status means for the verdict, for
 * messages and reports ("one session per environment: ..."). */
const char *pt_lmm_status_text(pt_lmm_status s);

/* ---- the general fit ---- */

/* A dataset as groups. All arrays have n_groups entries (x has n_groups * p,
 * row-major). Sessions are 0-based indices below n_sessions; indices with no
 * group are ignored. */
typedef struct pt_lmm_data {
  size_t n_groups;
  size_t p;                /* columns of the fixed-effect design */
  size_t n_sessions;
  const double *x;         /* design row of each group */
  const size_t *session;   /* session of each group */
  const size_t *count;     /* rows in each group, >= 1 */
  const double *mean;      /* mean of y over the group's rows */
  const double *m2;        /* sum of (y - mean)^2 over the group's rows, >= 0 */
} pt_lmm_data;

/* A fitted model. Arrays are allocated by pt_lmm_fit_reml and owned by the
 * struct; indices are design columns 0..p-1. */
typedef struct pt_lmm_fit {
  pt_lmm_status status;
  size_t n;                /* rows */
  size_t p;                /* design columns */
  size_t rank;             /* columns kept */
  size_t sessions;         /* sessions with rows */
  bool *dropped;           /* [p] aliased with earlier columns and dropped (lme4) */
  double *beta;            /* [p] estimates; NAN for dropped columns */
  double *vcov;            /* [p*p] covariance of beta; NAN where dropped or
                              when the status has no SE */
  double *dvcov_theta;     /* [p*p] d vcov / d theta (for Satterthwaite) */
  double theta;            /* sigma_b / sigma_w (lme4's theta); 0 when not fitted */
  double sigma_w, sigma_b; /* REML sd estimates on the scale of y, or NAN */
  double reml;             /* REML criterion -2 log L_R at the optimum (lme4's
                              REMLcrit; lm's -2 logLik(REML = TRUE) when
                              sigma_b is not fitted); NAN for NO_WITHIN, EXACT */
  bool singular;           /* OK with sigma_b estimated at the boundary 0 */
  double vcov_varpar[4];   /* 2x2 asymptotic covariance of (theta, sigma_w):
                              2 H^+ of the REML deviance, as lmerTest */
} pt_lmm_fit;

/* Fit by REML. Fills *fit (which need not be initialised; free it with
 * pt_lmm_fit_free even when this fails). Errors (PT_EDATA): no groups, p ==
 * 0, a count of 0, a session index out of range, a non-finite value, a
 * negative m2, a design whose every column is zero; PT_ENOMEM. Cost: O(G p)
 * to read the groups, then O(S p^2 + p^3) per likelihood evaluation (S
 * sessions), about 60 evaluations. */
pt_code pt_lmm_fit_reml(const pt_lmm_data *data, pt_lmm_fit *fit, pt_error *err);

/* Free the arrays of a fit; the struct is left zeroed. NULL is a no-op. */
void pt_lmm_fit_free(pt_lmm_fit *fit);

/* The test of one linear combination L'beta of the coefficients. */
typedef struct pt_lmm_test {
  double estimate;   /* L'beta */
  double se;         /* sqrt(L' vcov L) */
  double df;         /* Satterthwaite (lmerTest); n - rank when sigma_b is not fitted */
  double t, p;       /* t = estimate / se; two-sided p from Student t(df) */
} pt_lmm_test;

/* Test L'beta = 0 (L has p entries). PT_EDATA when L weighs a dropped column
 * (not estimable). When the status has no SE only the estimate is set. */
pt_code pt_lmm_contrast(const pt_lmm_fit *fit, const double *L, pt_lmm_test *out,
                        pt_error *err);

/* ---- the environment comparison ---- */

/* One cell: the rows of one session in one block. */
typedef struct pt_lmm_cell {
  size_t session;    /* 0-based session (a run_id); a session belongs to one environment */
  size_t block;      /* 0-based block: the prompt (per model), or the
                        model x prompt cell (across models) */
  bool compared;     /* the session is of the compared environment B, else baseline A */
  size_t n;          /* rows (trials), >= 1 */
  double mean, m2;   /* of log(metric) over those rows: mean, sum of squared deviations */
} pt_lmm_cell;

typedef struct pt_lmm_comparison {
  pt_lmm_status status;
  pt_lmm_test env;          /* log ratio B / A, its SE, df, t, p */
  double sigma_b, sigma_w;  /* sd between sessions and within (log scale), or NAN */
  bool singular;            /* sigma_b estimated at 0 */
  double reml;              /* REML criterion */
  size_t n;                 /* rows */
  size_t sessions_baseline, sessions_compared;
  size_t blocks;            /* blocks with rows */
  size_t blocks_dropped;    /* block columns aliased with the environment
                               and earlier blocks, dropped as lme4 does; the
                               environment effect then includes theirs */
} pt_lmm_comparison;

/* Fit log(metric) ~ environment + block + (1 | session) by REML and test
 * the environment coefficient (STATS.md 18). The design is R's treatment
 * coding: intercept, an indicator of B, an indicator for every block with
 * rows but the lowest-numbered one. Errors (PT_EDATA, message names the
 * session or cell index): no cells, a cell with n == 0 or a non-finite
 * value, a session with cells in both environments, an environment with no
 * rows; PT_ENOMEM. */
pt_code pt_lmm_compare(const pt_lmm_cell *cells, size_t n_cells, pt_lmm_comparison *out,
                       pt_error *err);

/* ---- penalty, verdict, multiplicity (STATS.md 19-20) ---- */

typedef enum pt_verdict {
  PT_VERDICT_WORSE,          /* significant, B worse than A */
  PT_VERDICT_BETTER,         /* significant, B better than A */
  PT_VERDICT_NO_DIFFERENCE,  /* not significant: shown with "~" */
  PT_VERDICT_UNDETERMINED,   /* the data cannot support a verdict (see status) */
} pt_verdict;

/* "worse", "better", "no_difference", "undetermined". */
const char *pt_verdict_name(pt_verdict v);

/* Does the status give a verdict? OK and ROWS_ARE_SESSIONS do; NO_BETWEEN,
 * NO_WITHIN and EXACT are undetermined. */
bool pt_lmm_status_determined(pt_lmm_status s);

/* Sessions every environment of a comparison needs for a verdict (STATS.md
 * 20). With a single session on one side, that session's own deviation is
 * confounded with the environment effect, and a singular fit falls back to
 * the trials as independent (df = n - p): an A/A comparison of one session
 * against two is "significant" about 9 % of the time at alpha = 5 %, in
 * lmerTest as here. The numbers stay lmerTest's; the verdict does not
 * follow them. */
#define PT_LMM_MIN_SESSIONS 2

/* Does the comparison give a verdict? Its status does and each environment
 * has at least PT_LMM_MIN_SESSIONS sessions. */
bool pt_lmm_comparison_determined(const pt_lmm_comparison *c);

/* Penalty % of a log ratio (B / A) and its CI from log_ratio +- t(1 -
 * alpha/2, df) se, mapped as STATS.md 9 (positive = B worse; low <= high).
 * The bounds are NAN when se or df is not finite and positive, or
 * confidence is outside (0, 1). */
void pt_lmm_penalty(const pt_lmm_test *t, double confidence, bool higher_is_better,
                    double *penalty, double *low, double *high);

/* The verdict (20): UNDETERMINED when the status gives none or p_adjusted
 * is NAN; else WORSE/BETTER when p_adjusted < alpha, by the sign of the log
 * ratio and the metric's direction; else NO_DIFFERENCE. `significant` is
 * then true for WORSE/BETTER, false for NO_DIFFERENCE, null (no value) for
 * UNDETERMINED. */
pt_verdict pt_lmm_verdict(pt_lmm_status status, double log_ratio, double p_adjusted,
                          double alpha, bool higher_is_better);

/* The verdict of a comparison: pt_lmm_verdict of its status and estimate,
 * and UNDETERMINED unless pt_lmm_comparison_determined. What every caller
 * with a whole comparison uses. */
pt_verdict pt_lmm_comparison_verdict(const pt_lmm_comparison *c, double p_adjusted,
                                     double alpha, bool higher_is_better);

/* Holm's step-down adjustment of p[0..n-1] into adjusted[] (may alias p),
 * as R's p.adjust(p, "holm"): NAN entries are not part of the family and
 * stay NAN. PT_ENOMEM or PT_EDATA (a value outside [0, 1]). */
pt_code pt_holm(const double *p, size_t n, double *adjusted, pt_error *err);

#endif
