/* analyze/power.h - how many sessions a verdict needs (STATS.md 21).
 *
 * With the session model, the environment effect is, in effect, a two-sample
 * comparison of session means: each session mean has variance
 * sigma_b^2 + sigma_w^2 / m (m measured trials per session), and with k
 * sessions per environment the test is a t test with 2k - 2 degrees of
 * freedom. This module gives its power (from the noncentral t distribution),
 * the smallest k that reaches a target power, and the GPU time that design
 * costs. Equations are numbered in power.c. Pure functions: nothing
 * allocates, nothing prints; reentrant except for glibc lgamma()'s signgam
 * (as analyze/stats.h).
 */
#ifndef PT_POWER_H
#define PT_POWER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* Noncentral t CDF P(T <= t), T with df > 0 degrees of freedom and
 * noncentrality ncp (AS 243, Lenth 1989, as R's pt(t, df, ncp); absolute
 * error ~1e-12). NAN for df <= 0 or NaN arguments. */
double pt_nct_cdf(double t, double df, double ncp);

/* Power of the two-sided two-sample t test at level alpha with k >= 2
 * units per group, unit sd `sd` and a true difference `delta`: both
 * rejection tails (R's power.t.test(n = k, delta, sd, sig.level = alpha,
 * strict = TRUE)). k may be fractional. NAN outside the domain. */
double pt_power_t2(double k, double sd, double delta, double alpha);

/* The log ratio B / A of a penalty % (STATS.md 9 read backwards):
 * ln(1 - pct / 100) when higher is better, ln(1 + pct / 100) otherwise.
 * NAN when the ratio would be <= 0. */
double pt_penalty_to_log_ratio(double pct, bool higher_is_better);

typedef struct pt_power_design {
  size_t trials;          /* measured trials per session (m) */
  size_t sessions;        /* per environment (k): the smallest reaching the target */
  bool reached;           /* false: even max_sessions falls short (sessions = max) */
  double power;           /* achieved power at `sessions` */
  double sd_session_mean; /* sqrt(sigma_b^2 + sigma_w^2 / m), log scale */
  double gpu_seconds;     /* 2 k m wall_seconds: measured trials of both sides */
} pt_power_design;

/* The fewest sessions per environment ever advised: with 2, one odd
 * session decides the verdict, and analyze's own advice is "at least 3
 * sessions per environment, alternating A B A B". */
#define PT_POWER_MIN_SESSIONS 3

/* The smallest k in [PT_POWER_MIN_SESSIONS, max_sessions] with power >= target for effect
 * delta (log ratio, either sign) at level alpha, given the variance
 * components (log-scale sd) and m trials per session; wall_seconds is the
 * mean wall time of one trial (NAN: gpu_seconds NAN). PT_EDATA, with a
 * message saying what is missing, when sigma_b or sigma_w is not finite or
 * negative (e.g. not estimable from one session per environment), m == 0,
 * delta == 0, alpha or target outside (0, 1), or max_sessions below
 * PT_POWER_MIN_SESSIONS. */
pt_code pt_power_sessions(double sigma_b, double sigma_w, size_t trials, double delta,
                          double alpha, double target, double wall_seconds,
                          size_t max_sessions, pt_power_design *out, pt_error *err);

#endif
