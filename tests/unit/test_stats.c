/* tests/unit/test_stats.c - analyze/stats.c against independent references.
 *
 * Every expected number was computed outside ptbench and pasted here; each
 * table says where from. "R" is Debian's R 4.2.2 (r-base-core), "coin" its
 * r-cran-coin 1.4-2. Nothing here needs R at run time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analyze/stats.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* got within rel of want (absolute when want == 0); NAN must match NAN. */
static void check(double got, double want, double rel, const char *what, size_t i) {
  if (isnan(want)) {
    if (!isnan(got))
      fail_msg("%s [case %zu]: got %.17g, want NAN", what, i);
    return;
  }
  if (isinf(want)) {
    if (got != want)
      fail_msg("%s [case %zu]: got %.17g, want %g", what, i, got, want);
    return;
  }
  double tol = want == 0.0 ? rel : rel * fabs(want);
  if (!(fabs(got - want) <= tol))
    fail_msg("%s [case %zu]: got %.17g, want %.17g (rel err %.3g)", what, i, got,
             want, want == 0.0 ? fabs(got) : fabs(got - want) / fabs(want));
}

/* ---- accumulator ---- */

/* Welford's cancellation example (Wikipedia, "Algorithms for calculating
 * variance"): 1e9 + {4, 7, 13, 16} has mean 1e9 + 10 and variance 30. */
static void test_acc_welford(void **state) {
  (void)state;
  static const double x[] = {1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16};
  pt_acc a;
  pt_acc_init(&a);
  assert_true(isnan(pt_acc_variance(&a)));
  pt_acc_push(&a, x[0]);
  assert_true(isnan(pt_acc_variance(&a)));
  for (size_t i = 1; i < COUNT(x); i++)
    pt_acc_push(&a, x[i]);
  assert_int_equal(a.n, 4);
  check(a.mean, 1e9 + 10, 1e-15, "mean", 0);
  check(pt_acc_variance(&a), 30.0, 1e-9, "variance", 0);
  check(a.min, 1e9 + 4, 0, "min", 0);
  check(a.max, 1e9 + 16, 0, "max", 0);
}

/* ---- 4: quantiles ---- */

/* R: quantile(x, p, type = 7) */
static void test_quantile_type7(void **state) {
  (void)state;
  static const double x8[] = {1, 1, 2, 3, 4, 5, 6, 9};  /* sort(c(3,1,4,1,5,9,2,6)) */
  static const double x2[] = {2, 7};
  static const double x1[] = {7};
  static const struct {
    const double *x;
    size_t n;
    double p, want;
  } cases[] = {
      {x8, 8, 0.0, 1}, {x8, 8, 0.1, 1}, {x8, 8, 0.25, 1.75}, {x8, 8, 0.5, 3.5},
      {x8, 8, 0.9, 6.8999999999999995}, {x8, 8, 0.99, 8.7899999999999991},
      {x8, 8, 1.0, 9}, {x2, 2, 0.5, 4.5}, {x2, 2, 0.9, 6.4999999999999991},
      {x2, 2, 0.99, 6.9499999999999993}, {x1, 1, 0.0, 7}, {x1, 1, 0.5, 7},
      {x1, 1, 0.99, 7}, {x1, 0, 0.5, NAN}, {x8, 8, 1.5, NAN}, {x8, 8, -0.1, NAN},
  };
  for (size_t i = 0; i < COUNT(cases); i++)
    check(pt_quantile_sorted(cases[i].x, cases[i].n, cases[i].p), cases[i].want, 1e-14,
          "quantile", i);
}

/* ---- 1-7: summaries ---- */

static const double x40[] = {
    52.99, 51.75, 48.24, 47.75, 51.15, 53.60, 50.96, 47.62, 47.91, 51.56,
    53.36, 50.82, 47.81, 48.19, 51.92, 52.99, 49.97, 47.44, 49.24, 52.89,
    52.48, 49.14, 47.20, 49.66, 53.05, 52.56, 49.05, 47.11, 50.10, 53.09,
    51.84, 48.33, 47.85, 51.25, 53.00, 51.05, 47.72, 48.02, 51.66, 53.46};

/* R: mean, var, sd, 100*sd/mean, sd/sqrt(n), min, quantile(type=7) at
 * .5/.9/.99, max, t.test(x, conf.level)$conf.int, sort(x)[c(k, n-k+1)] with
 * k from pbinom (n <= 30) or floor((n+1-qnorm(1-a/2)*sqrt(n))/2) (n > 30),
 * 1-2*pbinom(k-1, n, .5), mad(x, constant=1), sum(abs(x-median)/mad > 14.826)
 * (MAD = 0: the mean-deviation scale of test_outlier_scale). */
static void test_summarize(void **state) {
  (void)state;
  static const struct {
    const char *name;
    double x[40];
    double conf;
    size_t n;
    double mean, var, sd, cv, se, min, median, max, p90, p99, ci_lo, ci_hi;
    double mci_lo, mci_hi, mci_level, mad;
    size_t outliers;
  } cases[] = {
      {"n1", {42.5}, .95, 1, 42.5, NAN, NAN, NAN, NAN, 42.5, 42.5, 42.5, 42.5, 42.5,
       NAN, NAN, NAN, NAN, NAN, 0, 0},
      {"n2", {12, 10}, .95, 2, 11, 2, 1.4142135623730951, 12.8564869306645, 1, 10, 11,
       12, 11.800000000000001, 11.979999999999999, -1.7062047361746941,
       23.706204736174694, NAN, NAN, NAN, 1, 0},
      {"n3", {49.1, 50.3, 49.8}, .95, 3, 49.733333333333334, 0.36333333333333062,
       0.60277137733416852, 1.2120067908863978, 0.34801021696368373,
       49.100000000000001, 49.799999999999997, 50.299999999999997,
       50.199999999999996, 50.289999999999999, 48.235966223333833,
       51.230700443332829, NAN, NAN, NAN, 0.5, 0},
      {"n5", {50.10, 49.85, 50.32, 49.97, 50.21}, .95, 5, 50.090000000000003,
       0.034849999999999992, 0.18668154702594467, 0.37269224800547945,
       0.083486525858967195, 49.850000000000001, 50.100000000000001, 50.32,
       50.275999999999996, 50.315600000000003, 49.858204243928903,
       50.321795756071104, NAN, NAN, NAN, 0.13000000000000256, 0},
      {"n5 at 90%", {50.10, 49.85, 50.32, 49.97, 50.21}, .90, 5, 50.090000000000003,
       0.034849999999999992, 0.18668154702594467, 0.37269224800547945,
       0.083486525858967195, 49.850000000000001, 50.100000000000001, 50.32,
       50.275999999999996, 50.315600000000003, 49.912019518145989,
       50.267980481854018, 49.850000000000001, 50.32, 0.9375, 0.13000000000000256,
       0},
      {"zero variance", {7, 7, 7, 7, 7, 7}, .95, 6, 7, 0, 0, 0, 0, 7, 7, 7, 7, 7, 7, 7,
       7, 7, 0.96875, 0, 0},
      {"MAD = 0", {5, 6, 5, 5, 5}, .95, 5, 5.2000000000000002, 0.20000000000000001,
       0.44721359549995793, 8.6002614519222682, 0.19999999999999998, 5, 5, 6,
       5.5999999999999996, 5.96, 4.6447109789604415, 5.7552890210395589, NAN, NAN,
       NAN, 0, 0},
      {"outlier",
       {50.1, 50.2, 49.9, 50.0, 50.3, 50.1, 49.8, 50.2, 50.0, 50.1, 49.9, 80.0},
       .95, 12, 52.549999999999997, 74.74818181818182, 8.6457030840864419,
       16.452336982086475, 2.4957995014654428, 49.799999999999997,
       50.100000000000001, 80, 50.289999999999999, 76.733000000000018,
       47.056782334710455, 58.043217665289546, 49.899999999999999,
       50.200000000000003, 0.96142578125, 0.10000000000000142, 1},
      {"n40 (normal approximation)", {0}, .95, 40, 50.394500000000001,
       4.7583330769230781, 2.181360373006505, 4.3285683417962373,
       0.34490335881675166, 47.109999999999999, 50.890000000000001,
       53.600000000000001, 53.053999999999995, 53.545400000000001,
       49.696867107831181, 51.09213289216882, 49.049999999999997, 51.75,
       0.96152269171579974, 2.1000000000000014, 0},
      {"n40 at 99%", {0}, .99, 40, 50.394500000000001, 4.7583330769230781,
       2.181360373006505, 4.3285683417962373, 0.34490335881675166,
       47.109999999999999, 50.890000000000001, 53.600000000000001,
       53.053999999999995, 53.545400000000001, 49.460531647620599,
       51.328468352379403, 48.240000000000002, 51.920000000000002,
       0.99357342390430858, 2.1000000000000014, 0},
  };
  for (size_t i = 0; i < COUNT(cases); i++) {
    double x[40];
    for (size_t j = 0; j < cases[i].n; j++)
      x[j] = cases[i].n == 40 ? x40[j] : cases[i].x[j];
    pt_summary s;
    pt_summarize(x, cases[i].n, cases[i].conf, &s);
    const double r = 1e-12;
    assert_int_equal(s.n, cases[i].n);
    check(s.mean, cases[i].mean, r, "mean", i);
    check(s.variance, cases[i].var, 1e-10, "variance", i);
    check(s.stddev, cases[i].sd, 1e-10, "stddev", i);
    check(s.cv_pct, cases[i].cv, 1e-10, "cv_pct", i);
    check(s.se, cases[i].se, 1e-10, "se", i);
    check(s.min, cases[i].min, r, "min", i);
    check(s.median, cases[i].median, r, "median", i);
    check(s.max, cases[i].max, r, "max", i);
    check(s.p90, cases[i].p90, r, "p90", i);
    check(s.p99, cases[i].p99, r, "p99", i);
    check(s.ci_low, cases[i].ci_lo, r, "ci_low", i);
    check(s.ci_high, cases[i].ci_hi, r, "ci_high", i);
    check(s.median_ci_low, cases[i].mci_lo, r, "median_ci_low", i);
    check(s.median_ci_high, cases[i].mci_hi, r, "median_ci_high", i);
    check(s.median_ci_level, cases[i].mci_level, r, "median_ci_level", i);
    check(s.mad, cases[i].mad, 1e-9, "mad", i);
    assert_int_equal(s.outliers, cases[i].outliers);
  }
}

/* Finding 10: extreme magnitudes keep their spread. The references are
 * those of the same values times 1e300 (or 1e-308), exact by hand:
 * {1, 1.1, 1.05}: mean 1.05, sd 0.05, CV 4.7619 %; {1, 1.5}: mean 1.25,
 * sd 0.5 / sqrt 2. The variance itself is not a double there: NAN. */
static void test_summarize_extremes(void **state) {
  (void)state;
  double tiny[] = {1e-300, 1.1e-300, 1.05e-300};
  pt_summary s;
  pt_summarize(tiny, 3, 0.95, &s);
  check(s.mean, 1.05e-300, 1e-14, "mean", 0);
  check(s.stddev, 0.05e-300, 1e-12, "stddev", 0);
  check(s.cv_pct, 100 * 0.05 / 1.05, 1e-12, "cv_pct", 0);
  assert_true(isnan(s.variance));  /* 2.5e-603 underflows */
  assert_true(s.ci_low < s.mean && s.mean < s.ci_high);
  double sub[] = {1e-320, 2e-320, 3e-320};  /* subnormals */
  pt_summarize(sub, 3, 0.95, &s);
  check(s.mean, 2e-320, 1e-3, "mean", 1);
  check(s.cv_pct, 50, 1e-3, "cv_pct", 1);  /* sd 1, mean 2: as exact as 1e-320 is */
  double huge[] = {1e308, 1.5e308};
  pt_summarize(huge, 2, 0.95, &s);
  check(s.mean, 1.25e308, 1e-15, "mean", 2);
  check(s.stddev, 0.5e308 / sqrt(2.0), 1e-14, "stddev", 2);
  check(s.cv_pct, 100 * 0.5 / sqrt(2.0) / 1.25, 1e-14, "cv_pct", 2);
  assert_true(isnan(s.variance));  /* 1.25e615 overflows */
}

static void test_summarize_empty(void **state) {
  (void)state;
  pt_summary s;
  pt_summarize(NULL, 0, 0.95, &s);
  assert_int_equal(s.n, 0);
  assert_int_equal(s.outliers, 0);
  assert_true(isnan(s.mean) && isnan(s.median) && isnan(s.min) && isnan(s.ci_low) &&
              isnan(s.median_ci_level) && isnan(s.mad));
  double one = 3.0;
  pt_summarize(&one, 1, 1.5, &s);  /* bad confidence: no intervals */
  assert_true(s.mean == 3.0 && isnan(s.ci_low) && isnan(s.median_ci_low));
}

/* The analyzer's largest groups: 250,000 values, a permutation of 1..250000.
 * R: mean, var, median, quantile(type=7), mad(constant=1), t.test()$conf.int,
 * sort(x)[c(124510, 125491)]. */
static void test_summarize_large(void **state) {
  (void)state;
  const size_t n = 250000;
  double *x = malloc(n * sizeof *x);
  assert_non_null(x);
  for (size_t i = 0; i < n; i++)
    x[i] = (double)((i * 7919) % n + 1);
  pt_summary s;
  pt_summarize(x, n, 0.95, &s);
  check(s.mean, 125000.5, 1e-14, "mean", 0);
  check(s.variance, 5208354166.666667, 1e-12, "variance", 0);
  check(s.median, 125000.5, 0, "median", 0);
  check(s.p90, 225000.10000000001, 1e-14, "p90", 0);
  check(s.p99, 247500.01000000001, 1e-14, "p99", 0);
  check(s.mad, 62500, 0, "mad", 0);
  check(s.ci_low, 124717.60163104247, 1e-13, "ci_low", 0);
  check(s.ci_high, 125283.39836895753, 1e-13, "ci_high", 0);
  check(s.median_ci_low, 124510, 0, "median_ci_low", 0);
  check(s.median_ci_high, 125491, 0, "median_ci_high", 0);
  assert_int_equal(s.outliers, 0);
  free(x);
}

/* ---- 7: outliers ---- */

/* hyperfine's own cases (src/outlier_detection.rs: test_detect_outliers,
 * test_detect_outliers_if_mad_becomes_0) plus ours for MAD = 0. hyperfine
 * divides by DBL_EPSILON when the MAD is 0, so any value off the median
 * counts (its answers for those cases are 1 and 2); ptbench falls back to the
 * mean absolute deviation (STATS.md 7), and the counts marked "MAD = 0" come
 * from R 4.2.2: m <- median(x); s <- if (mad(x, constant=1) > 0)
 * 1.4826*mad(x, constant=1) else sqrt(pi/2)*mean(abs(x-m));
 * sum(abs(x-m)/s > 10). */
static void test_outliers(void **state) {
  (void)state;
  static const struct {
    double x[20];
    size_t n, want;
  } cases[] = {
      {{50.0}, 1, 0},
      {{1000.0, 0.0}, 2, 0},
      {{-0.2, 0.0, 0.2}, 3, 0},
      {{-0.2, 0.0, 0.2, 4.0}, 4, 1},
      {{0.5, 0.30, 0.29, 0.31, 0.30}, 5, 1},
      {{2.33269488, 1.42195907, -0.57527698, -0.31293437, 2.2948158, 0.75813273,
        -1.0712388, -0.96394741, -1.15897446, 1.10976285}, 10, 0},
      {{2.33269488, 1.42195907, -0.57527698, -0.31293437, 2.2948158, 0.75813273,
        -1.0712388, -0.96394741, -1.15897446, 1.10976285, 20.0, -500.0}, 12, 2},
      {{10, 10, 10, 10, 10, 10, 10, 100}, 8, 0},       /* MAD = 0 (hyperfine: 1) */
      {{10, 10, 10, 10, 10, 10, 10, 100, 100}, 9, 0},  /* MAD = 0 (hyperfine: 2) */
      {{5, 5, 5, 9}, 4, 0},                            /* MAD = 0 */
      {{5, 5, 5, 5}, 4, 0},        /* MAD = 0, mean deviation 0: nothing off the median */
      /* the shipped llm-benchmark log (tests/data/import/llm-benchmark):
       * quantised rates, MAD = 0, nothing is ten deviations away */
      {{443 / 8.99201, 50, 50, 49, 50}, 5, 0},
      /* the same log as written (two decimals): none either */
      {{49.27, 50, 50, 49, 50}, 5, 0},
      /* MAD = 0 and n <= 18: the value judged is left out of its own scale,
       * floored at the resolution (1 here): 1 among eleven 50s is 49 steps
       * off (the whole-sample scale made it z = 49 / (1.2533 * 49 / 12) =
       * 9.6 < 10, never an outlier); 49 among them is one step off */
      {{50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 1}, 12, 1},
      {{50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 49}, 12, 0},
      {{50.00, 50.00, 50.00, 50.00, 50.00, 49.99}, 6, 0},  /* one step of 0.01 */
      {{70, 70, 1}, 3, 1},
      {{70, 1}, 2, 0},  /* two values: neither is the odd one */
      /* MAD = 0, and one value far off the rest: still found */
      {{50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 49, 49, 49, 49, 25}, 20, 1},
  };
  for (size_t i = 0; i < COUNT(cases); i++) {
    double x[20];
    for (size_t j = 0; j < cases[i].n; j++)
      x[j] = cases[i].x[j];
    pt_summary s;
    pt_summarize(x, cases[i].n, 0.95, &s);
    if (s.outliers != cases[i].want)
      fail_msg("outliers [case %zu]: got %zu, want %zu", i, s.outliers, cases[i].want);
  }
  assert_false(pt_is_outlier(1.0, 0.0, NAN));
  assert_false(pt_is_outlier(1.0, 0.0, 0.0));  /* no scale: nothing is */
  assert_true(pt_is_outlier(14.827, 0.0, 1.0));
  assert_false(pt_is_outlier(-14.825, 0.0, 1.0));
  assert_true(isnan(pt_mad_sorted(NULL, 0)));
  assert_true(isnan(pt_outlier_scale_sorted(NULL, 0)));
}

/* STATS.md 7: the scale itself, in MAD units. R 4.2.2: d <- mad(x,
 * constant=1); if (d > 0) d else sqrt(pi/2)/1.4826*mean(abs(x-median(x))). */
static void test_outlier_scale(void **state) {
  (void)state;
  static const struct {
    double x[20];
    size_t n;
    double want;
  } cases[] = {
      {{-0.2, 0.0, 0.2, 4.0}, 4, 0.20000000000000001},      /* MAD > 0: the MAD */
      {{5, 5, 5, 5}, 4, 0},
      {{5, 5, 5, 9}, 4, 0.84534880434068538},
      {{10, 10, 10, 10, 10, 10, 10, 100}, 8, 9.5101740488327113},
      {{49, 443 / 8.99201, 50, 50, 50}, 5, 0.29317382176332518},
      {{25, 49, 49, 49, 49, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50}, 20,
       1.2257557662939937},
  };
  for (size_t i = 0; i < COUNT(cases); i++)
    check(pt_outlier_scale_sorted(cases[i].x, cases[i].n), cases[i].want, 1e-12, "scale", i);
}

/* STATS.md 7: the resolution the MAD = 0 scale is floored at, by hand:
 * the coarsest power of ten every value is a multiple of. */
static void test_resolution(void **state) {
  (void)state;
  static const struct {
    double x[6];
    size_t n;
    double want;
  } cases[] = {
      {{50, 49, 50}, 3, 1},
      {{10, 100}, 2, 10},
      {{49.27, 50, 49}, 3, 0.01},
      {{0.5, 0.25}, 2, 0.01},                 /* 0.25 = 25 x 0.01 */
      {{1e-300, 2e-300}, 2, 1e-300},
      {{1.5e308, 1e308}, 2, 1e307},
      {{443 / 8.99201, 50}, 2, 1e-11},        /* no step: 12 digits below 10^1 */
      {{0, 0}, 2, 0},
  };
  for (size_t i = 0; i < COUNT(cases); i++)
    check(pt_resolution(cases[i].x, cases[i].n), cases[i].want, 1e-12, "resolution", i);
  assert_true(isnan(pt_resolution(NULL, 0)));
  double inf = INFINITY;
  assert_true(isnan(pt_resolution(&inf, 1)));
}

/* ---- distributions ---- */

/* R 4.2.2: qchisq(p, df), pchisq(x, df), pgamma(x, a) (options(digits=17)). */
static void test_chisq(void **state) {
  (void)state;
  static const struct {
    double p, df, q;
  } quantiles[] = {
      {0.2, 1, 0.064184754667301613},  {0.2, 2, 0.446287102628419530},
      {0.2, 3, 1.005174013052349213},  {0.2, 5, 2.342534305841120545},
      {0.1, 4, 1.063623216779224112},  {0.9, 10, 15.987179172105262737},
      {0.2, 100, 87.945335922750984992},
  };
  for (size_t i = 0; i < COUNT(quantiles); i++)
    check(pt_chisq_quantile(quantiles[i].p, quantiles[i].df), quantiles[i].q, 1e-9,
          "qchisq", i);
  static const struct {
    double x, df, p;
  } cdfs[] = {
      {0.5, 1, 0.52049987781304652},
      {3, 4, 0.44217459962892536},
      {30, 10, 0.99914335878922467},
      {200, 150, 0.99602681402917836},
  };
  for (size_t i = 0; i < COUNT(cdfs); i++)
    check(pt_chisq_cdf(cdfs[i].x, cdfs[i].df), cdfs[i].p, 1e-12, "pchisq", i);
  check(pt_gammainc(0.5, 0.1), 0.34527915398142295, 1e-12, "pgamma", 0);
  check(pt_gammainc(7, 5), 0.23781653702706132, 1e-12, "pgamma", 1);
  check(pt_gammainc(40, 50), 0.93542963107886701, 1e-12, "pgamma", 2);
  assert_true(pt_chisq_quantile(0, 3) == 0 && isinf(pt_chisq_quantile(1, 3)));
  assert_true(isnan(pt_chisq_quantile(0.5, 0)) && isnan(pt_chisq_quantile(1.5, 3)));
  assert_true(isnan(pt_gammainc(-1, 1)) && pt_chisq_cdf(-1, 3) == 0);
}

/* R: pbeta(x, a, b) */
static void test_betainc(void **state) {
  (void)state;
  static const struct {
    double a, b, x, want;
  } cases[] = {
      {0.5, 0.5, 0.3, 0.36901011956554525},
      {2, 3, 0.4, 0.52480000000000004},
      {10, 0.5, 0.999, 0.8888967091248603},
      {500, 0.5, 0.99, 1.5273578790529865e-03},
      {0.1, 20, 1e-5, 4.4747748254791486e-01},
      {50, 60, 0.45, 0.46423529143060377},
      {1e5, 0.5, 0.99999, 1.5729868816242590e-01},
      {2, 3, 0.0, 0.0},
      {2, 3, 1.0, 1.0},
      {2, 3, 1.5, NAN},
      {0, 3, 0.5, NAN},
  };
  for (size_t i = 0; i < COUNT(cases); i++)
    check(pt_betainc(cases[i].a, cases[i].b, cases[i].x), cases[i].want, 1e-12,
          "betainc", i);
}

/* R: pt(t, df) */
static void test_t_cdf(void **state) {
  (void)state;
  static const struct {
    double t, df, want;
  } cases[] = {
      {0, 1, 0.5},
      {1, 1, 0.75000000000000022},
      {-3, 1, 0.10241638234956672},
      {1e10, 1, 9.9999999996816902e-01},
      {-1e10, 1, 3.1830988618379065e-11},
      {2, 1.5, 0.88790583482197438},
      {-40, 1.5, 0.0014898121954656227},
      {1.96, 1000, 0.97486340752212564},
      {-6, 1000, 1.3776845866887376e-09},
      {0.3, 2.5, 0.60632881425240137},
      {-50, 3, 8.8085760206359757e-06},
      {2.5, 1e6, 9.937902552489184e-01},
      {-8, 30, 3.1329112378503861e-09},
      {-3, 1e6, 0.0013499312707108962},
      {2, 4e5, 0.97724953060787945},
      {-10, 1e7, 7.6217961451368046e-24},
      {-30, 1e7, 5.0073068454095124e-198},
      {-1.96, INFINITY, 0.024997895148220428},  /* R: pnorm(-1.96) */
      {1, 0, NAN},
      {NAN, 3, NAN},
  };
  for (size_t i = 0; i < COUNT(cases); i++)
    check(pt_t_cdf(cases[i].t, cases[i].df), cases[i].want,
          cases[i].df >= 1e6 ? 1e-10 : 1e-11, "t_cdf", i);
}

/* R: qt(p, df) */
static void test_t_quantile(void **state) {
  (void)state;
  static const struct {
    double p, df, want;
  } cases[] = {
      {1e-12, 1, -318309886183.79071},
      {1e-06, 1, -318309.88618274347},
      {0.025, 1, -12.706204736174707},
      {0.3, 1, -0.72654252800536101},
      {0.975, 1, 12.706204736174694},
      {1 - 1e-10, 1, 3183098598.4671478},
      {1e-12, 1.5, -52194694.273446366},
      {1e-06, 1.5, -5219.4693247069472},
      {0.025, 1.5, -6.0166631044279324},
      {0.3, 1.5, -0.65179548260235731},
      {0.975, 1.5, 6.0166631044279288},
      {1 - 1e-10, 1.5, 2422662.9674997074},
      {1e-12, 2, -707106.78118548694},
      {1e-06, 2, -707.10572052593386},
      {0.025, 2, -4.3026527297494637},
      {0.3, 2, -0.61721339984836765},
      {0.975, 2, 4.3026527297494619},
      {1 - 1e-10, 2, 70710.675182734471},
      {1e-12, 5, -393.95695957760387},
      {1e-06, 5, -24.771029720515955},
      {0.025, 5, -2.570581835636315},
      {0.3, 5, -0.55942964446936105},
      {0.975, 5, 2.5705818356363137},
      {1 - 1e-10, 5, 156.82559011328078},
      {1e-12, 30, -11.397217523311411},
      {1e-06, 30, -5.8711171204188828},
      {0.025, 30, -2.0422724563012382},
      {0.3, 30, -0.53001900390650458},
      {0.975, 30, 2.0422724563012378},
      {1 - 1e-10, 30, 9.3774897460797746},
      {1e-12, 1000, -7.1242289253143918},
      {1e-06, 1000, -4.7816086204583499},
      {0.025, 1000, -1.9623390808264078},
      {0.3, 1000, -0.52456770730922675},
      {0.975, 1000, 1.9623390808264076},
      {1 - 1e-10, 1000, 6.4278762700330212},
      {1e-12, 1e6, -7.0345726084112563},
      {1e-06, 1e6, -4.75345234827968},
      {0.025, 1e6, -1.9599663568141066},
      {0.3, 1e6, -0.52440067986020866},
      {0.975, 1e6, 1.9599663568141066},
      {1 - 1e-10, 1e6, 6.3614068361697171},
      {0.5, 3, 0},
      {0, 3, -INFINITY},
      {1, 3, INFINITY},
      {1.5, 3, NAN},
      {0.5, -1, NAN},
  };
  for (size_t i = 0; i < COUNT(cases); i++)
    check(pt_t_quantile(cases[i].p, cases[i].df), cases[i].want, 1e-10, "t_quantile", i);
}

/* Property: the quantile inverts the CDF, over a grid of p and df. */
static void test_t_roundtrip(void **state) {
  (void)state;
  static const double ps[] = {1e-15, 1e-9, 1e-4, 0.01, 0.05, 0.2, 0.4999, 0.6, 0.9, 0.995};
  static const double dfs[] = {0.5, 1, 1.5, 2, 2.7, 4, 9.3, 29, 100, 1234.5, 1e5};
  size_t i = 0;
  for (size_t a = 0; a < COUNT(ps); a++)
    for (size_t b = 0; b < COUNT(dfs); b++, i++) {
      double t = pt_t_quantile(ps[a], dfs[b]);
      check(pt_t_cdf(t, dfs[b]), ps[a], 1e-11, "t_cdf(t_quantile(p))", i);
      double hi = 1 - ps[a], lo = 1 - hi;  /* an exact pair hi + lo == 1 */
      check(pt_t_quantile(hi, dfs[b]), -pt_t_quantile(lo, dfs[b]), 1e-11, "t symmetry", i);
    }
  for (size_t a = 0; a < COUNT(ps); a++)
    check(pt_normal_cdf(pt_normal_quantile(ps[a])), ps[a], 1e-13,
          "normal_cdf(normal_quantile(p))", a);
}

/* R: pnorm(z), qnorm(p) */
static void test_normal(void **state) {
  (void)state;
  static const struct {
    double z, want;
  } cdf[] = {
      {-10, 7.6198530241605269e-24}, {-1.96, 0.024997895148220428}, {0, 0.5},
      {0.5, 0.69146246127401301},    {3, 0.9986501019683699},       {8.3, 1},
  };
  static const struct {
    double p, want;
  } q[] = {
      {1e-300, -37.047096299361201}, {1e-20, -9.2623400897984052},
      {1e-5, -4.2648907939228256},   {0.02425, -1.9729610513118845},
      {0.3, -0.52440051270804067},   {0.5, 0},
      {0.7, 0.52440051270804067},    {0.975, 1.9599639845400536},
      {1 - 1e-12, 7.0344869100478356}, {0, -INFINITY}, {1, INFINITY}, {-0.5, NAN},
  };
  for (size_t i = 0; i < COUNT(cdf); i++)
    check(pt_normal_cdf(cdf[i].z), cdf[i].want, 1e-13, "normal_cdf", i);
  for (size_t i = 0; i < COUNT(q); i++)
    check(pt_normal_quantile(q[i].p), q[i].want, 1e-13, "normal_quantile", i);
}

/* R: pbinom(k, n, 0.5) */
static void test_binom_half(void **state) {
  (void)state;
  static const struct {
    long k, n;
    double want;
  } cases[] = {
      {0, 5, 0.03125}, {2, 5, 0.5}, {4, 5, 0.96875}, {9, 30, 0.02138697262853383},
      {15, 30, 0.57223222404718377}, {30, 60, 0.55128908650428488},
      {20, 61, 0.0049267240976296565}, {40, 100, 0.028443966820490434},
      {470, 1000, 0.03101159754918165}, {-1, 5, 0}, {5, 5, 1}, {0, -1, NAN},
  };
  for (size_t i = 0; i < COUNT(cases); i++)
    check(pt_binom_half_cdf(cases[i].k, cases[i].n), cases[i].want, 1e-12, "binom", i);
}

/* ---- 6: median CI ranks ----
 * R: k = largest with 1-2*pbinom(k-1, n, .5) >= conf for n <= 30,
 * floor((n+1-qnorm(1-(1-conf)/2)*sqrt(n))/2) above; lo = k-1, hi = n-k,
 * level = 1-2*pbinom(k-1, n, .5). The level is compared to 1e-10: at
 * n = 250000 the incomplete beta's front factor loses ~1e-12 to cancellation. */
static void test_median_ci_ranks(void **state) {
  (void)state;
  static const struct {
    size_t n;
    double conf;
    bool ok;
    size_t lo, hi;
    double level;
  } cases[] = {
      {1, 0.90, false, 0, 0, 0},
      {4, 0.90, false, 0, 0, 0},
      {5, 0.90, true, 0, 4, 0.9375},
      {6, 0.90, true, 0, 5, 0.96875},
      {8, 0.90, true, 1, 6, 0.9296875},
      {12, 0.90, true, 2, 9, 0.96142578125},
      {30, 0.90, true, 10, 19, 0.90126285329461109},
      {31, 0.90, true, 10, 20, 0.92924445401877165},
      {1000, 0.90, true, 473, 526, 0.90631270852450341},
      {1, 0.95, false, 0, 0, 0},
      {2, 0.95, false, 0, 0, 0},
      {3, 0.95, false, 0, 0, 0},
      {5, 0.95, false, 0, 0, 0},
      {6, 0.95, true, 0, 5, 0.96875},
      {7, 0.95, true, 0, 6, 0.984375},
      {8, 0.95, true, 0, 7, 0.9921875},
      {9, 0.95, true, 1, 7, 0.9609375},
      {10, 0.95, true, 1, 8, 0.978515625},
      {20, 0.95, true, 5, 14, 0.95861053466796875},
      {29, 0.95, true, 8, 20, 0.9758804552257061},
      {30, 0.95, true, 9, 20, 0.95722605474293232},
      {31, 0.95, true, 9, 21, 0.97055062651634216},
      {50, 0.95, true, 17, 32, 0.96716086243573141},
      {100, 0.95, true, 39, 60, 0.96479979978229513},
      {1000, 0.95, true, 468, 531, 0.95370880263950186},
      {250000, 0.95, true, 124509, 125490, 0.95023773270817491},
      {7, 0.99, false, 0, 0, 0},
      {8, 0.99, true, 0, 7, 0.9921875},
      {12, 0.99, true, 1, 10, 0.99365234375},
      {30, 0.99, true, 7, 22, 0.99477712064981461},
      {31, 0.99, true, 7, 23, 0.9966731071472168},
      {100, 0.99, true, 36, 63, 0.99336287948407387},
      {250000, 0.99, true, 124355, 125644, 0.99006273973505432},
      {10, 1.0, false, 0, 0, 0},
      {0, 0.95, false, 0, 0, 0},
  };
  for (size_t i = 0; i < COUNT(cases); i++) {
    size_t lo = 99, hi = 99;
    double level = -1;
    bool ok = pt_median_ci_ranks(cases[i].n, cases[i].conf, &lo, &hi, &level);
    if (ok != cases[i].ok)
      fail_msg("median ci [case %zu, n=%zu]: ok=%d", i, cases[i].n, ok);
    if (!ok)
      continue;
    if (lo != cases[i].lo || hi != cases[i].hi)
      fail_msg("median ci [case %zu, n=%zu]: ranks %zu..%zu, want %zu..%zu", i,
               cases[i].n, lo, hi, cases[i].lo, cases[i].hi);
    check(level, cases[i].level, 1e-10, "median ci level", i);
  }
}

/* ---- 9-10: penalty and its CI ---- */

static void test_penalty(void **state) {
  (void)state;
  /* The article: (50.10 - 49.27) / 50.10 = 1.66 %; R: (1-49.27/50.10)*100 */
  check(pt_penalty_pct(50.10, 49.27, true), 1.6566866267465064, 1e-13, "penalty", 0);
  check(pt_penalty_pct(50.10, 49.27, false), -1.6566866267465064, 1e-13, "penalty", 1);
  check(pt_penalty_pct(100, 110, false), 10, 1e-13, "penalty", 2);
  check(pt_penalty_pct(0, 110, false), NAN, 0, "penalty", 3);
  check(pt_ratio_to_penalty(0.98, true), 2, 1e-13, "ratio_to_penalty", 0);
}

/* R: ta <- va/(na*ma^2); tb <- vb/(nb*mb^2);
 * df <- (ta+tb)^2/(ta^2/(na-1)+tb^2/(nb-1));
 * exp(log(mb/ma) -+ qt(1-(1-conf)/2, df)*sqrt(ta+tb)) */
static void test_ratio_ci(void **state) {
  (void)state;
  static const struct {
    double ma, va;
    size_t na;
    double mb, vb;
    size_t nb;
    double conf, ratio, low, high, df;
  } cases[] = {
      {50.090000000000003, 0.034849999999999992, 5, 49.256, 0.038029999999999856, 5,
       0.95, 0.9833499700539029, 0.97784785449760614, 0.98888304469596711,
       7.9709421358612209},
      {50.090000000000003, 0.034849999999999992, 5, 49.256, 0.038029999999999856, 5,
       0.99, 0.9833499700539029, 0.97535084880052259, 0.99141469430635265,
       7.9709421358612209},
      {50.1, 0.04, 3, 49.27, 1.5, 40, 0.95, 0.98343313373253494, 0.97416684114276841,
       0.99278756746479657, 21.305853969844044},
      {51.166666666666664, 861.22598870056493, 60, 48.118181818181817,
       850.53670033670039, 55, 0.95, 0.94042049156055674, 0.75581330754371145,
       1.1701179274299183, 110.74308480362582},
      {50, 0, 4, 40, 0, 4, 0.95, 0.8, 0.8, 0.8, NAN},   /* both variances 0 */
      {50, 1, 1, 40, 1, 4, 0.95, 0.8, NAN, NAN, NAN},   /* n < 2 */
      {-5, 1, 4, 40, 1, 4, 0.95, -8, NAN, NAN, NAN},    /* mean <= 0 */
  };
  for (size_t i = 0; i < COUNT(cases); i++) {
    pt_ratio_interval r;
    pt_ratio_ci(cases[i].ma, cases[i].va, cases[i].na, cases[i].mb, cases[i].vb,
                cases[i].nb, cases[i].conf, &r);
    check(r.ratio, cases[i].ratio, 1e-14, "ratio", i);
    check(r.low, cases[i].low, 1e-12, "ratio low", i);
    check(r.high, cases[i].high, 1e-12, "ratio high", i);
    check(r.df, cases[i].df, 1e-12, "ratio df", i);
  }
  /* Penalty bounds of case 0, higher is better: 100 (1 - high), 100 (1 - low). */
  pt_ratio_interval r;
  pt_ratio_ci(cases[0].ma, cases[0].va, 5, cases[0].mb, cases[0].vb, 5, 0.95, &r);
  double lo, hi;
  pt_ratio_ci_to_penalty(&r, true, &lo, &hi);
  check(lo, (1 - 0.98888304469596711) * 100, 1e-10, "penalty low", 0);
  check(hi, (1 - 0.97784785449760614) * 100, 1e-10, "penalty high", 0);
  pt_ratio_ci_to_penalty(&r, false, &lo, &hi);
  check(lo, (0.97784785449760614 - 1) * 100, 1e-10, "penalty low", 1);
  check(hi, (0.98888304469596711 - 1) * 100, 1e-10, "penalty high", 1);
}

/* ---- 11: Welch ---- */

/* R: t.test(a, b, var.equal = FALSE): statistic, parameter, p.value; the
 * means and variances passed in are R's mean(), var(). */
static void test_welch(void **state) {
  (void)state;
  static const struct {
    double ma, va;
    size_t na;
    double mb, vb;
    size_t nb;
    double t, df, p;
  } cases[] = {
      /* a = c(50.10, 49.85, 50.32, 49.97, 50.21), b = c(49.27, 49.50, 49.11, 49.38, 49.02) */
      {50.090000000000003, 0.034849999999999992, 5, 49.256, 0.038029999999999856, 5,
       6.9079131830428437, 7.9847979749274236, 0.00012465668769388297},
      /* a = c(49.1, 50.3, 49.8), b = c(10, 12) */
      {49.733333333333334, 0.36333333333333062, 3, 11, 2, 2, 36.581418756194466,
       1.2477392653018189, 0.0076258215259179937},
      /* a = c(5, 5, 5), b = c(4, 6, 5.5): one side without variance */
      {5, 0, 3, 5.166666666666667, 1.0833333333333333, 3, -0.27735009811261507, 2,
       0.80754991027012446},
      /* a = (1:60*37) %% 101, b = (1:55*53) %% 103 + 0.5 */
      {51.166666666666664, 861.22598870056493, 60, 48.118181818181817,
       850.53670033670039, 55, 0.55826997992717264, 112.25307918911913,
       0.57777186150761151},
      /* degenerate cases, by the contract in stats.h */
      {5, 0, 3, 5, 0, 4, 0, NAN, 1},
      {5, 0, 3, 6, 0, 4, -INFINITY, NAN, 0},
      {5, 1, 1, 6, 1, 4, NAN, NAN, NAN},
  };
  for (size_t i = 0; i < COUNT(cases); i++) {
    pt_test t;
    pt_welch(cases[i].ma, cases[i].va, cases[i].na, cases[i].mb, cases[i].vb,
             cases[i].nb, &t);
    check(t.statistic, cases[i].t, 1e-12, "welch t", i);
    check(t.df, cases[i].df, 1e-12, "welch df", i);
    check(t.p, cases[i].p, 1e-10, "welch p", i);
    assert_false(t.exact);
  }
}

/* ---- 12: Mann-Whitney ---- */

static void fill_mod(double *x, size_t n, unsigned mul, unsigned mod, double add) {
  for (size_t i = 0; i < n; i++)
    x[i] = (double)(((i + 1) * mul) % mod) + add;
}

/* No ties: R wilcox.test(a, b, exact = TRUE) or (exact = FALSE, correct =
 * TRUE) — W and p.value. Ties with both n <= 25: coin 1.4-2
 * wilcox_test(distribution = "exact"), 2 * min(p "less", p "greater"),
 * confirmed for at/bt by brute-force enumeration of all 92378 splits in
 * Python (fractions). */
static void test_mann_whitney(void **state) {
  (void)state;
  enum { MAXN = 60 };
  static const struct {
    const char *name;
    double a[MAXN], b[MAXN];
    size_t na, nb;
    unsigned gen;  /* 0 = literal arrays; else filled below */
    double u, p;
    bool exact;
  } cases[] = {
      {"5 vs 5, no ties", {50.10, 49.85, 50.32, 49.97, 50.21},
       {49.27, 49.50, 49.11, 49.38, 49.02}, 5, 5, 0, 25, 0.0079365079365079361, true},
      {"3 vs 4", {3.1, 1.2, 5.5}, {2.2, 4.4, 6.6, 0.5}, 3, 4, 0, 6, 1, true},
      {"1 vs 1", {1}, {2}, 1, 1, 0, 0, 1, true},
      {"50 vs 50 exact", {0}, {0}, 50, 50, 1, 1317, 0.64802443986146163, true},
      {"50 vs 50 shifted", {0}, {0}, 50, 50, 2, 1749, 0.00049121861245921504, true},
      {"60 vs 55 normal", {0}, {0}, 60, 55, 3, 1751, 0.5736446507799613, false},
      {"ties exact 9 vs 10", {1, 2, 2, 3, 3, 3, 5, 7, 8},
       {2, 3, 4, 4, 6, 7, 7, 9, 10, 11}, 9, 10, 0, 22.5, 0.065643334993180188, true},
      {"ties exact 25 vs 22", {0}, {0}, 25, 22, 4, 242, 0.4941434587045308, true},
      {"ties normal 26 vs 5", {0}, {3, 5, 5, 8, 12}, 26, 5, 5, 59, 0.76698200848895648,
       false},
      {"all equal", {4, 4, 4}, {4, 4}, 3, 2, 0, 3, 1, true},
  };
  /* twice, forwards and backwards: the exact test keeps the counts of the
   * last (N, m) without ties (stats.c), which the two 50 vs 50 cases share
   * and the others replace; every p must be R's either way */
  for (size_t step = 0; step < 2 * COUNT(cases); step++) {
    size_t i = step < COUNT(cases) ? step : 2 * COUNT(cases) - 1 - step;
    double a[MAXN], b[MAXN];
    for (size_t j = 0; j < cases[i].na; j++)
      a[j] = cases[i].a[j];
    for (size_t j = 0; j < cases[i].nb; j++)
      b[j] = cases[i].b[j];
    switch (cases[i].gen) {
    case 1: /* a <- (1:50*37) %% 101; b <- (1:50*53) %% 103 + 0.5 */
      fill_mod(a, 50, 37, 101, 0);
      fill_mod(b, 50, 53, 103, 0.5);
      break;
    case 2: /* a + 20 */
      fill_mod(a, 50, 37, 101, 20);
      fill_mod(b, 50, 53, 103, 0.5);
      break;
    case 3: /* a <- (1:60*37) %% 101; b <- (1:55*53) %% 103 + 0.5 */
      fill_mod(a, 60, 37, 101, 0);
      fill_mod(b, 55, 53, 103, 0.5);
      break;
    case 4: /* a <- (1:25*7) %% 13; b <- (1:22*5) %% 11 + 2 */
      fill_mod(a, 25, 7, 13, 0);
      fill_mod(b, 22, 5, 11, 2);
      break;
    case 5: /* a <- (1:26*7) %% 13 */
      fill_mod(a, 26, 7, 13, 0);
      break;
    default:
      break;
    }
    pt_test t;
    pt_mann_whitney(a, cases[i].na, b, cases[i].nb, &t);
    check(t.statistic, cases[i].u, 0, "U", i);
    check(t.p, cases[i].p, 1e-10, "mw p", i);
    check(t.df, NAN, 0, "mw df", i);
    if (t.exact != cases[i].exact)
      fail_msg("mw [case %zu]: exact = %d", i, t.exact);
  }
  pt_test t;
  double one = 1;
  pt_mann_whitney(&one, 1, NULL, 0, &t);
  assert_true(isnan(t.p) && isnan(t.statistic));
}

/* ---- 15 ---- */

/* R: exp(mean(log(c(0.98, 1.02, 0.95, 1.10)))) */
static void test_geomean(void **state) {
  (void)state;
  static const double r[] = {0.98, 1.02, 0.95, 1.10};
  static const double bad[] = {1.0, 0.0};
  check(pt_geomean(r, 4), 1.0109638688305842, 1e-14, "geomean", 0);
  check(pt_geomean(r, 0), NAN, 0, "geomean", 1);
  check(pt_geomean(bad, 2), NAN, 0, "geomean", 2);
}

/* Large groups are sorted by radix on the bits of the doubles: the order of
 * negative numbers, -0.0, subnormals and huge values must be the order of
 * qsort with a plain comparison (the reference here). */
static int cmp_ref(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void test_large_sort(void **state) {
  (void)state;
  enum { N = 5000 };
  static double x[N], ref[N];
  unsigned long long r = 88172645463325252ull;  /* xorshift64 */
  static const double special[] = {-0.0, 0.0, 5e-324, -5e-324, 1e308, -1e308, 1.0, -1.0};
  for (size_t i = 0; i < N; i++) {
    r ^= r << 13;
    r ^= r >> 7;
    r ^= r << 17;
    x[i] = i % 10 == 0 ? special[(i / 10) % 8] : ((double)(r % 2000001) - 1e6) / 7.0;
    ref[i] = x[i];
  }
  qsort(ref, N, sizeof *ref, cmp_ref);
  pt_summary s;
  pt_summarize(x, N, 0.95, &s);
  for (size_t i = 0; i < N; i++)
    if (!(x[i] == ref[i]))
      fail_msg("sorted[%zu] = %.17g, reference %.17g", i, x[i], ref[i]);
  assert_true(s.min == -1e308 && s.max == 1e308);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_acc_welford),     cmocka_unit_test(test_quantile_type7),
      cmocka_unit_test(test_summarize),       cmocka_unit_test(test_summarize_empty),
      cmocka_unit_test(test_summarize_large), cmocka_unit_test(test_outliers),
      cmocka_unit_test(test_outlier_scale),
      cmocka_unit_test(test_resolution),
      cmocka_unit_test(test_summarize_extremes),
      cmocka_unit_test(test_chisq),
      cmocka_unit_test(test_betainc),         cmocka_unit_test(test_t_cdf),
      cmocka_unit_test(test_t_quantile),      cmocka_unit_test(test_t_roundtrip),
      cmocka_unit_test(test_normal),          cmocka_unit_test(test_binom_half),
      cmocka_unit_test(test_median_ci_ranks), cmocka_unit_test(test_penalty),
      cmocka_unit_test(test_ratio_ci),        cmocka_unit_test(test_welch),
      cmocka_unit_test(test_mann_whitney),    cmocka_unit_test(test_geomean),
      cmocka_unit_test(test_large_sort),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
