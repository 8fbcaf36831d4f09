/* analyze/stats.h - the statistics of STATS.md, as pure functions.
 *
 * Numbering follows ../shared/STATS.md (and the README): each function's
 * comment cites the item it implements. Nothing here allocates except where
 * a function says so; a statistic that does not exist (a variance with n < 2,
 * a median CI with too few values) is NAN, which the JSON writer turns into
 * null. Values are doubles; n is size_t.
 */
#ifndef PT_STATS_H
#define PT_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* ---- 1-3: streaming accumulator (Welford), init / push / finish ---- */
typedef struct pt_acc {
  size_t n;
  double mean;  /* running mean */
  double m2;    /* running sum of squared deviations */
  double min, max;
} pt_acc;

void pt_acc_init(pt_acc *a);
void pt_acc_push(pt_acc *a, double x);
/* Sample variance s^2 = m2 / (n - 1); NAN when n < 2. */
double pt_acc_variance(const pt_acc *a);

/* Summary of one group (STATS.md 1-7). */
typedef struct pt_summary {
  size_t n;
  double mean, variance, stddev, cv_pct, se;  /* NAN where undefined */
  double min, median, max, p90, p99;
  double ci_low, ci_high;                     /* 5: t interval of the mean */
  double median_ci_low, median_ci_high;       /* 6: order-statistic interval */
  double median_ci_level;                     /* 6: achieved confidence, or NAN */
  size_t outliers;                            /* 7: modified z > 14.826 */
} pt_summary;

/* Summarise x[0..n-1]. Sorts x in place (callers pass their own copy).
 * confidence in (0, 1), e.g. 0.95. n == 0 gives all-NAN with n = 0. */
void pt_summarize(double *x, size_t n, double confidence, pt_summary *out);

/* 4: percentile of sorted x by linear interpolation between closest ranks
 * (Hyndman-Fan type 7, numpy's default); p in [0, 1]. NAN when n == 0. */
double pt_quantile_sorted(const double *sorted, size_t n, double p);

/* 7: is x an outlier given the group's median and MAD? (MAD = 0: no outliers
 * unless x differs from the median... see implementation note.) */
bool pt_is_outlier(double x, double median, double mad);
/* Median absolute deviation of sorted x about its median. Allocates a
 * scratch copy; returns NAN when n == 0 or memory fails. */
double pt_mad_sorted(const double *sorted, size_t n);

/* ---- distributions ---- */
/* Regularized incomplete beta I_x(a, b). */
double pt_betainc(double a, double b, double x);
/* Student t CDF with df degrees of freedom (df > 0, may be fractional). */
double pt_t_cdf(double t, double df);
/* Quantile of Student t: returns t with P(T <= t) = p. */
double pt_t_quantile(double p, double df);
/* Standard normal CDF and quantile. */
double pt_normal_cdf(double z);
double pt_normal_quantile(double p);
/* Binomial(n, 0.5) CDF P(X <= k). */
double pt_binom_half_cdf(long k, long n);

/* ---- 6: distribution-free CI of the median ----
 * Indices (0-based, into the sorted sample) of the order statistics that
 * bound the median with at least the requested confidence: exact binomial
 * for n <= 30, normal approximation with continuity correction above.
 * Returns false when no such interval exists (n < 6 at 95 %). *level gets
 * the achieved confidence. */
bool pt_median_ci_ranks(size_t n, double confidence, size_t *lo, size_t *hi,
                        double *level);

/* ---- 9-10: penalty and its CI ---- */
/* 9: penalty % of mean_b against mean_a. Positive means B is worse. */
double pt_penalty_pct(double mean_a, double mean_b, bool higher_is_better);

typedef struct pt_ratio_ci {
  double ratio;          /* mean_b / mean_a */
  double low, high;      /* CI of the ratio, NAN when undefined */
  double df;             /* Welch-Satterthwaite df of the log-ratio */
} pt_ratio_ci;

/* 10: CI of mean_b / mean_a by the delta method on the log ratio, with
 * Welch-Satterthwaite degrees of freedom. NAN bounds when either side has
 * n < 2 or both variances are zero... (a zero-width interval is returned
 * when both variances are 0 and n >= 2). */
void pt_ratio_ci(double mean_a, double var_a, size_t n_a, double mean_b,
                 double var_b, size_t n_b, double confidence, pt_ratio_ci *out);

/* Map a ratio (B/A) to a penalty %, as 9 does for means. */
double pt_ratio_to_penalty(double ratio, bool higher_is_better);

/* ---- 11: Welch's t-test, two-sided ---- */
typedef struct pt_test {
  double statistic;  /* t, or U */
  double df;         /* Welch only; NAN for U */
  double p;          /* two-sided p-value, NAN when the test cannot run */
  bool exact;        /* Mann-Whitney: exact distribution used */
} pt_test;

/* Needs n >= 2 on both sides; p = NAN otherwise. Equal means with zero
 * variance on both sides give p = 1; different means with zero variance p = 0. */
void pt_welch(double mean_a, double var_a, size_t n_a, double mean_b, double var_b,
              size_t n_b, pt_test *out);

/* ---- 12: Mann-Whitney U, two-sided ----
 * U of sample a. Mid-ranks for ties; exact null distribution when no ties
 * and n_a, n_b <= 50 (or ties and both <= 25: exact over the tied ranks),
 * otherwise normal approximation with tie and continuity correction.
 * Allocates scratch memory; p = NAN on allocation failure or an empty side. */
void pt_mann_whitney(const double *a, size_t n_a, const double *b, size_t n_b,
                     pt_test *out);

/* ---- 15: geometric mean of ratios ---- */
double pt_geomean(const double *x, size_t n);

#endif
