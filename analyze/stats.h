/* analyze/stats.h - the statistics of STATS.md, as pure functions.
 *
 * Numbering follows ../shared/STATS.md (and the README): each function's
 * comment cites the item it implements. Nothing here allocates except
 * pt_mann_whitney; nothing prints. A statistic that does not exist (a
 * variance with n < 2, a median CI with too few values) is NAN, which the
 * JSON writer turns into null. Values are doubles and must not be NaN; n is
 * size_t. Functions are reentrant except for glibc lgamma()'s signgam.
 */
#ifndef PT_STATS_H
#define PT_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* 7: modified z above which a value is an outlier: ten robust standard
 * deviations, 10 * 1.4826 (hyperfine's rule). */
#define PT_OUTLIER_Z 14.826
/* 7: a mean absolute deviation in MAD units, sqrt(pi / 2) / 1.4826: both
 * 1.253314 MeanAD and 1.4826 MAD estimate sigma for normal data. */
#define PT_MEANAD_TO_MAD (1.2533141373155 / 1.4826)

/* ---- 1-3: streaming accumulator (Welford), init / push / finish ---- */
typedef struct pt_acc {
  size_t n;
  double mean;  /* running mean; NAN-free, 0 while n == 0 */
  double m2;    /* running sum of squared deviations */
  double min, max;
} pt_acc;

/* Start an empty accumulator (n = 0, min = +inf, max = -inf). */
void pt_acc_init(pt_acc *a);
/* Add one value (Welford's update; never sum of squares). */
void pt_acc_push(pt_acc *a, double x);
/* Sample variance s^2 = m2 / (n - 1); NAN when n < 2. */
double pt_acc_variance(const pt_acc *a);

/* Summary of one group (STATS.md 1-7). */
typedef struct pt_summary {
  size_t n;
  double mean, variance, stddev, cv_pct, se;  /* NAN where undefined (the variance
                                                 also where a double cannot hold it) */
  double min, median, max, p90, p99;
  double ci_low, ci_high;                     /* 5: t interval of the mean */
  double median_ci_low, median_ci_high;       /* 6: order-statistic interval */
  double median_ci_level;                     /* 6: achieved confidence, or NAN */
  double mad;                                 /* 7: median |x - median| */
  double outlier_scale;                       /* 7: pt_outlier_scale_sorted */
  size_t outliers;                            /* 7: pt_outlier_rule_flags */
} pt_summary;

/* Summarise x[0..n-1] (1-7). Sorts x in place (callers pass their own copy).
 * confidence in (0, 1), e.g. 0.95; outside it the intervals are NAN. n == 0
 * gives n = 0, outliers = 0 and NAN elsewhere. O(n log n), no allocation. */
void pt_summarize(double *x, size_t n, double confidence, pt_summary *out);

/* 4: percentile of sorted x by linear interpolation between closest ranks
 * (Hyndman-Fan type 7, numpy's and R's default); p in [0, 1]. NAN when
 * n == 0 or p is outside [0, 1]. */
double pt_quantile_sorted(const double *sorted, size_t n, double p);

/* 7: the scale outliers are measured in: the MAD of sorted x, or when that
 * is 0 (more than half the values equal the median, as with quantised rates)
 * PT_MEANAD_TO_MAD * mean |x - median|; 0 only when every value equals the
 * median, NAN when n == 0. O(n), no allocation. */
double pt_outlier_scale_sorted(const double *sorted, size_t n);
/* 7: is x an outlier, |x - median| / scale > PT_OUTLIER_Z, scale from
 * pt_outlier_scale_sorted? A scale of 0 or NAN: false (nothing is). */
bool pt_is_outlier(double x, double median, double scale);
/* 7: the outlier rule of one sample, from pt_outlier_rule_of; judge each
 * value with pt_outlier_rule_flags. */
typedef struct pt_outlier_rule {
  double median;
  double mad;         /* median |x - median|; when > 0 it is the scale */
  double sum_dev;     /* sum |x - median| (the MAD = 0 fallback) */
  double resolution;  /* the coarsest decimal step every value lies on */
  size_t n;
} pt_outlier_rule;
/* 7: the rule of sorted x[0..n). O(n), no allocation. */
void pt_outlier_rule_of(const double *sorted, size_t n, pt_outlier_rule *r);
/* 7: is x, one of the rule's values, an outlier? With MAD > 0,
 * |x - median| / MAD > PT_OUTLIER_Z; with MAD = 0, the scale leaves x out
 * (PT_MEANAD_TO_MAD times the mean |x_j - median| of the others) and is at
 * least the data's resolution. Never with n < 3. */
bool pt_outlier_rule_flags(const pt_outlier_rule *r, double x);
/* 7: the coarsest step 10^k (k from the largest value's leading digit down
 * 12 places) on which every value of x[0..n) lies, within 1e-3 of a step;
 * 10^(lead - 12) when none does; NAN when n == 0 or a value is not finite. */
double pt_resolution(const double *x, size_t n);
/* 7: median absolute deviation (unscaled) of sorted x about its median.
 * O(n), no allocation: merges the two monotone halves. NAN when n == 0. */
double pt_mad_sorted(const double *sorted, size_t n);

/* ---- distributions ---- */
/* Regularized incomplete beta I_x(a, b), a, b > 0, x in [0, 1]; continued
 * fraction (Lentz), ~1e-14 relative. NAN for arguments outside the domain. */
double pt_betainc(double a, double b, double x);
/* Student t CDF P(T <= t) with df > 0 degrees of freedom (fractional is
 * fine; df = INFINITY is the normal). Relative error below ~3e-11 in either
 * tail (checked against R up to df = 1e9). NAN when df <= 0 or t is NaN. */
double pt_t_cdf(double t, double df);
/* Quantile of Student t: t with P(T <= t) = p; -inf/+inf at p = 0/1 (or
 * beyond DBL_MAX), NAN for p outside [0, 1] or df <= 0. Safeguarded Newton;
 * relative error ~1e-12, but t itself is ill-conditioned when df << 1. */
double pt_t_quantile(double p, double df);
/* Standard normal CDF (via erfc) and quantile (Wichura's AS 241, ~1e-16);
 * the quantile is -inf/+inf at p = 0/1 and NAN outside [0, 1]. */
double pt_normal_cdf(double z);
double pt_normal_quantile(double p);
/* Regularized lower incomplete gamma P(a, x) = gamma(a, x) / Gamma(a),
 * a > 0, x >= 0: its series for x < a + 1, the continued fraction of
 * Q = 1 - P above (Numerical Recipes' gser / gcf), ~1e-14 relative. NAN
 * outside the domain. */
double pt_gammainc(double a, double x);
/* Chi-square with df > 0 degrees of freedom: CDF P(a = df/2, x/2) and
 * quantile (x with CDF p, by bisection then Newton on the CDF; 0 at p = 0,
 * +inf at p = 1, NAN outside [0, 1] or df <= 0). */
double pt_chisq_cdf(double x, double df);
double pt_chisq_quantile(double p, double df);
/* Binomial(n, 0.5) CDF P(X <= k): exact integer sum for n <= 60, incomplete
 * beta above. 0 for k < 0, 1 for k >= n, NAN for n < 0. */
double pt_binom_half_cdf(long k, long n);

/* ---- 6: distribution-free CI of the median ----
 * Indices (0-based, into the sorted sample) of the order statistics that
 * bound the median with at least the requested confidence: the narrowest
 * symmetric pair by the exact Binomial(n, 0.5) for n <= 30, by the normal
 * approximation with continuity correction above. Returns false (outputs
 * untouched) when no interval reaches it: n < 6 at 95 %. *level gets the
 * exact binomial coverage of the pair chosen. */
bool pt_median_ci_ranks(size_t n, double confidence, size_t *lo, size_t *hi,
                        double *level);

/* ---- 9-10: penalty and its CI ---- */
/* 9: penalty % of mean_b against mean_a. Positive means B is worse. NAN
 * when mean_a == 0. */
double pt_penalty_pct(double mean_a, double mean_b, bool higher_is_better);

/* The type is not named pt_ratio_ci: C gives typedefs and functions one
 * namespace, and pt_ratio_ci() is the function. */
typedef struct pt_ratio_interval {
  double ratio;          /* mean_b / mean_a */
  double low, high;      /* CI of the ratio, NAN when undefined */
  double df;             /* Welch-Satterthwaite df of the log-ratio */
} pt_ratio_interval;

/* 10: CI of mean_b / mean_a by the delta method on the log ratio, with
 * Welch-Satterthwaite degrees of freedom. NAN bounds (and df) when either
 * side has n < 2, a mean <= 0 or confidence outside (0, 1); when both
 * variances are 0 the interval has zero width and df is NAN. */
void pt_ratio_ci(double mean_a, double var_a, size_t n_a, double mean_b,
                 double var_b, size_t n_b, double confidence, pt_ratio_interval *out);

/* Map a ratio (B/A) to a penalty %, as 9 does for means. */
double pt_ratio_to_penalty(double ratio, bool higher_is_better);
/* 10: the penalty % interval of a ratio CI, low <= high (for a higher-is-
 * better metric the ratio's bounds swap). NAN when the CI is undefined. */
void pt_ratio_ci_to_penalty(const pt_ratio_interval *ci, bool higher_is_better,
                            double *low, double *high);

/* ---- 11: Welch's t-test, two-sided ---- */
typedef struct pt_test {
  double statistic;  /* Welch: t = (mean_a - mean_b) / se; MW: U of sample a */
  double df;         /* Welch only; NAN for U */
  double p;          /* two-sided p-value, NAN when the test cannot run */
  bool exact;        /* Mann-Whitney: exact distribution used */
} pt_test;

/* Needs n >= 2 on both sides; statistic, df and p are NAN otherwise. Zero
 * variance on both sides: equal means give t = 0, p = 1; different means
 * t = +-inf, p = 0; df is NAN in both cases. */
void pt_welch(double mean_a, double var_a, size_t n_a, double mean_b, double var_b,
              size_t n_b, pt_test *out);

/* ---- 12: Mann-Whitney U, two-sided ----
 * U of sample a (R's wilcox.test W). Mid-ranks for ties; exact null
 * distribution when no ties and n_a, n_b <= 50, or ties and both <= 25 (the
 * permutation distribution of the mid-rank sum); otherwise normal
 * approximation with tie and continuity correction. Two-sided p = twice the
 * smaller tail, at most 1; all values equal gives p = 1. Allocates scratch
 * memory; statistic and p are NAN on allocation failure or an empty side. */
void pt_mann_whitney(const double *a, size_t n_a, const double *b, size_t n_b,
                     pt_test *out);

/* ---- 15: geometric mean of ratios ----
 * exp(mean(log x)); NAN when n == 0 or any x <= 0. */
double pt_geomean(const double *x, size_t n);

#endif
