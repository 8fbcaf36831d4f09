/* analyze/stats.c - the statistics of ../shared/STATS.md.
 *
 * The analyzer summarises each (model, environment) group with
 * pt_summarize() and compares environments with pt_penalty_pct(),
 * pt_ratio_ci(), pt_welch() and pt_mann_whitney(). Items implemented here,
 * numbered as in STATS.md and cited where the code does them:
 *
 *   (1)  n, mean, min, max.
 *   (2)  sample variance s^2 = sum (x - mean)^2 / (n - 1) by Welford's update
 *        on the values scaled by a power of two to about 1 (so 1e-300 and
 *        1e308 keep their spread); NAN when n < 2, and the variance alone
 *        NAN when a double cannot hold it (s^2 of 1e-300s underflows).
 *   (3)  CV% = 100 s / mean, SE = s / sqrt(n).
 *   (4)  percentiles by Hyndman-Fan type 7: h = (n - 1) p,
 *        Q = x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]).
 *   (5)  CI of the mean: mean +- t(1 - alpha/2, n - 1) s / sqrt(n).
 *   (6)  CI of the median from order statistics: [x(k), x(n-k+1)] (1-based)
 *        covers the median with probability 1 - 2 P(X <= k - 1),
 *        X ~ Binomial(n, 1/2); the largest k reaching the confidence, exact
 *        for n <= 30, k = floor((n + 1 - z sqrt n) / 2) above (normal
 *        approximation with continuity correction).
 *   (7)  outliers: |x - median| / S > 14.826 (ten robust standard deviations,
 *        hyperfine's rule), with the scale S = MAD = median |x - median|.
 *        When the MAD is 0 (more than half the values are equal, as rates
 *        quantised to whole tokens/s or two decimals often are) the scale
 *        falls back to the mean absolute deviation about the median,
 *        S = (1.253314 / 1.4826) mean |x - median|: 1.253314 = sqrt(pi / 2)
 *        makes it estimate sigma, as 1.4826 does for the MAD (Iglewicz and
 *        Hoaglin's modified z-score, "How to Detect and Handle Outliers",
 *        1993, and IBM SPSS's: M = (x - median) / (1.253314 MeanAD) when
 *        MAD = 0). The value judged is left out of that mean, or it would
 *        inflate its own scale: one value at 1 among eleven at 50 has a
 *        whole-sample z of at most (n - 1) / 1.2533 < 10 for n <= 13, and
 *        could never be flagged. The scale is then at least the data's
 *        resolution, the coarsest step 10^k every value lies on (1 for
 *        whole tokens/s, 0.01 for two decimals): values known to one step
 *        cannot be told apart more finely, so 49 among 50s (one step) is
 *        never flagged, while 1 among 50s (49 steps) is. Two equal outliers
 *        still mask each other. No value is flagged with n < 3. hyperfine
 *        instead divides by DBL_EPSILON, so any value off the median would
 *        count.
 *   (9)  penalty %: (1 - B/A) 100 when higher is better, (B/A - 1) 100 when
 *        lower is better.
 *   (10) CI of B/A: ln R +- t(df) sqrt(vA + vB), v = s^2 / (n mean^2),
 *        df = (vA + vB)^2 / (vA^2 / (nA - 1) + vB^2 / (nB - 1)).
 *   (11) Welch's t-test, two-sided, p from the Student t CDF, which is the
 *        regularized incomplete beta: P(|T| > t) = I_{df/(df+t^2)}(df/2, 1/2).
 *   (12) Mann-Whitney U, two-sided: mid-ranks; exact null distribution of the
 *        rank sum by dynamic programming over (count, sum) when there are no
 *        ties and both n <= 50, or ties and both n <= 25 (mid-ranks doubled
 *        so sums are integers); otherwise normal with tie correction
 *        sigma^2 = nA nB / 12 ((N + 1) - sum(t^3 - t) / (N (N - 1))) and
 *        continuity correction 1/2.
 *   (15) geometric mean exp(mean(ln x)).
 *
 * Distributions: incomplete beta by the continued fraction of Numerical
 * Recipes (modified Lentz), with ln B(a, b) from Stirling's series for large
 * arguments; t tails from it (Abramowitz & Stegun 26.7.8 where df is huge and
 * the fraction would cancel); t quantile by Newton's method on the log tail
 * (or on P(|T| < t) near the middle), safeguarded by bisection; normal
 * quantile by Wichura's AS 241 (PPND16).
 */
#include "analyze/stats.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- (1)-(3) accumulator ---- */

void pt_acc_init(pt_acc *a) {
  a->n = 0;
  a->mean = 0.0;
  a->m2 = 0.0;
  a->min = INFINITY;
  a->max = -INFINITY;
}

void pt_acc_push(pt_acc *a, double x) {
  a->n++;
  double d = x - a->mean;
  a->mean += d / (double)a->n;   /* (1) */
  a->m2 += d * (x - a->mean);    /* (2) Welford */
  if (x < a->min)
    a->min = x;
  if (x > a->max)
    a->max = x;
}

double pt_acc_variance(const pt_acc *a) {
  return a->n < 2 ? NAN : a->m2 / (double)(a->n - 1);  /* (2) */
}

/* ---- (4) percentiles, (7) MAD and outliers ---- */

double pt_quantile_sorted(const double *sorted, size_t n, double p) {
  if (n == 0 || !(p >= 0.0 && p <= 1.0))
    return NAN;
  double h = (double)(n - 1) * p;  /* (4) type 7 */
  size_t lo = (size_t)floor(h);
  if (lo >= n - 1)
    return sorted[n - 1];
  return sorted[lo] + (h - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

double pt_mad_sorted(const double *sorted, size_t n) {
  if (n == 0)
    return NAN;
  double med = pt_quantile_sorted(sorted, n, 0.5);
  /* Deviations below the median grow leftwards from j - 1, those above grow
   * rightwards from j: merge the two runs up to the middle element(s). */
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (sorted[mid] < med)
      lo = mid + 1;
    else
      hi = mid;
  }
  size_t left = lo, right = lo;  /* next: sorted[left - 1], sorted[right] */
  size_t k1 = (n - 1) / 2, k2 = n / 2;
  double d1 = 0.0, d = 0.0;
  for (size_t i = 0; i <= k2; i++) {
    if (left > 0 && (right >= n || med - sorted[left - 1] <= sorted[right] - med))
      d = med - sorted[--left];
    else
      d = sorted[right++] - med;
    if (i == k1)
      d1 = d;
  }
  return (d1 + d) / 2.0;  /* (7) median of |x - median| */
}

double pt_outlier_scale_sorted(const double *sorted, size_t n) {
  double mad = pt_mad_sorted(sorted, n);
  if (!(mad == 0.0))
    return mad;  /* (7) the MAD; NAN when n == 0 */
  double med = pt_quantile_sorted(sorted, n, 0.5), sum = 0.0;
  for (size_t i = 0; i < n; i++)
    sum += fabs(sorted[i] - med);
  return PT_MEANAD_TO_MAD * (sum / (double)n);  /* (7) MAD = 0: mean deviation */
}

double pt_resolution(const double *x, size_t n) {
  double top = 0.0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i]))
      return NAN;
    top = fmax(top, fabs(x[i]));
  }
  if (n == 0)
    return NAN;
  if (top == 0.0)
    return 0.0;
  int lead = (int)floor(log10(top));
  for (int k = lead; k > lead - 12; k--) {
    double q = pow(10.0, k);
    if (!(q > 0.0) || !isfinite(q))
      continue;  /* (7) 10^k outside the doubles: no such step */
    size_t i = 0;
    for (; i < n; i++) {
      double u = x[i] / q;
      if (fabs(u - nearbyint(u)) > 1e-3)
        break;
    }
    if (i == n)
      return q;  /* (7) every value on the grid of step q */
  }
  double q = pow(10.0, lead - 12);
  return q > 0.0 ? q : DBL_TRUE_MIN;
}

void pt_outlier_rule_of(const double *sorted, size_t n, pt_outlier_rule *r) {
  r->n = n;
  r->median = pt_quantile_sorted(sorted, n, 0.5);
  r->mad = pt_mad_sorted(sorted, n);
  r->sum_dev = 0.0;
  for (size_t i = 0; i < n; i++)
    r->sum_dev += fabs(sorted[i] - r->median);
  r->resolution = pt_resolution(sorted, n);
}

bool pt_outlier_rule_flags(const pt_outlier_rule *r, double x) {
  if (r->n < 3 || isnan(r->mad))
    return false;
  double d = fabs(x - r->median);
  if (r->mad > 0.0)
    return d / r->mad > PT_OUTLIER_Z;  /* (7) the MAD */
  if (d == 0.0)
    return false;
  /* (7) MAD = 0: the others' mean deviation, at least the resolution */
  double rest = fmax(r->sum_dev - d, 0.0) / (double)(r->n - 1);
  double scale = fmax(PT_MEANAD_TO_MAD * rest, r->resolution);
  return scale > 0.0 && d / scale > PT_OUTLIER_Z;
}

bool pt_is_outlier(double x, double median, double scale) {
  if (isnan(scale) || scale == 0.0)
    return false;  /* (7) no scale: every value is the median */
  return fabs(x - median) / scale > PT_OUTLIER_Z;  /* (7) */
}

/* ---- distributions ---- */

/* Continued fraction of I_x(a, b) (Numerical Recipes betacf, modified Lentz);
 * converges fast for x < (a + 1) / (a + b + 2). */
static double betacf(double a, double b, double x) {
  const double tiny = 1e-300;
  double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0, d = 1.0 - qab * x / qap;
  if (fabs(d) < tiny)
    d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 100000; m++) {
    double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (fabs(d) < tiny)
      d = tiny;
    c = 1.0 + aa / c;
    if (fabs(c) < tiny)
      c = tiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (fabs(d) < tiny)
      d = tiny;
    c = 1.0 + aa / c;
    if (fabs(c) < tiny)
      c = tiny;
    d = 1.0 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1.0) <= DBL_EPSILON)
      break;
  }
  return h;
}

/* lgamma(x) minus Stirling's (x - 1/2) ln x - x + ln sqrt(2 pi), for x >= 10
 * (series error < 1e-16). */
static double lgamma_corr(double x) {
  double r = 1.0 / x, r2 = r * r;
  return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680 -
         r2 * (1.0 / 1188 - r2 * (691.0 / 360360 - r2 / 156))))));
}

/* ln B(a, b) without the cancellation of three large lgamma() values when a
 * or b is large (the t distribution with a big df). */
static double lbeta(double a, double b) {
  double p = fmin(a, b), q = fmax(a, b);
  if (p >= 10.0)
    return -0.5 * log(q) + 0.91893853320467274178 /* ln sqrt(2 pi) */ +
           lgamma_corr(p) + lgamma_corr(q) - lgamma_corr(p + q) +
           (p - 0.5) * log(p / (p + q)) + q * log1p(-p / (p + q));
  if (q >= 10.0)
    return lgamma(p) + lgamma_corr(q) - lgamma_corr(p + q) + p - p * log(p + q) +
           (q - 0.5) * log1p(-p / (p + q));
  return lgamma(p) + lgamma(q) - lgamma(p + q);
}

/* I_x(a, b) given x, y = 1 - x and their logs, so callers that know them
 * more accurately than 1 - x and log(x) (the t tail) keep that accuracy:
 * a ln x is the front factor's exponent, and a may be 1e8. */
static double betainc_xy(double a, double b, double x, double y, double lx, double ly) {
  if (lx == -INFINITY)
    return 0.0;
  if (ly == -INFINITY)
    return 1.0;
  double front = exp(a * lx + b * ly - lbeta(a, b));
  if (x < (a + 1.0) / (a + b + 2.0))
    return front * betacf(a, b, x) / a;
  return 1.0 - front * betacf(b, a, y) / b;
}

double pt_betainc(double a, double b, double x) {
  if (!(a > 0.0 && b > 0.0 && x >= 0.0 && x <= 1.0))
    return NAN;
  return betainc_xy(a, b, x, 1.0 - x, log(x), log1p(-x));
}

double pt_normal_cdf(double z) {
  return 0.5 * erfc(-z * M_SQRT1_2);
}

/* z with P(T > t) ~ P(Z > z) for t >= 0 (Abramowitz & Stegun 26.7.8); the
 * tail it gives is off by a relative ~0.04 t^6 / df^2. */
static double t_as_z(double t, double df) {
  double c = 1.0 / (4.0 * df);  /* z = t (1 - c) / sqrt(1 + 2 c t^2) */
  return (1.0 - c) / sqrt(1.0 / (t * t) + 2.0 * c);
}

/* ln x and ln y for x = df / (df + t^2), y = 1 - x, through r = t^2 / df or
 * its inverse, so neither underflow nor 1 - x loses them. */
static void t_logxy(double t, double df, double *lx, double *ly) {
  if (t > sqrt(df)) {
    double lr = log(df) - 2.0 * log(t);  /* r = df / t^2 < 1 */
    *ly = -log1p(exp(lr));
    *lx = lr + *ly;
  } else {
    double r = t / df * t;
    *lx = -log1p(r);
    *ly = log(r) + *lx;
  }
}

/* Upper tail P(T > t) for t >= 0 and finite df > 0, accurate deep in the
 * tail: 0.5 I_x(df/2, 1/2). */
static double t_tail(double t, double df) {
  /* For t > 1.5 the continued fraction runs at x near 1 and loses about
   * 8e-17 df / t^2 to cancellation; where A&S does better, use it. */
  double t2 = t * t;
  if (t2 > 2.25 && t2 * t2 * t2 * t2 < 2e-15 * df * df * df)
    return pt_normal_cdf(-t_as_z(t, df));
  double lx, ly;
  t_logxy(t, df, &lx, &ly);
  return 0.5 * betainc_xy(df / 2.0, 0.5, exp(lx), exp(ly), lx, ly);  /* (11) */
}

/* Central probability P(|T| < t) = I_y(1/2, df/2), accurate for small t. */
static double t_center(double t, double df) {
  double lx, ly;
  t_logxy(t, df, &lx, &ly);
  return betainc_xy(0.5, df / 2.0, exp(ly), exp(lx), ly, lx);
}

double pt_t_cdf(double t, double df) {
  if (isnan(t) || isnan(df) || !(df > 0.0))
    return NAN;
  if (isinf(df))
    return pt_normal_cdf(t);
  double tail = t_tail(fabs(t), df);
  return t > 0.0 ? 1.0 - tail : tail;
}

/* log of the Student t density at t >= 0, without overflow for huge t. */
static double t_logpdf(double t, double df) {
  double l = t > sqrt(df) ? 2.0 * log(t) - log(df) + log1p(df / t / t)
                          : log1p(t * t / df);  /* ln(1 + t^2 / df) */
  return -0.5 * log(df) - lbeta(df / 2.0, 0.5) - (df + 1.0) / 2.0 * l;
}

double pt_t_quantile(double p, double df) {
  if (isnan(p) || isnan(df) || !(df > 0.0) || p < 0.0 || p > 1.0)
    return NAN;
  if (p == 0.0)
    return -INFINITY;
  if (p == 1.0)
    return INFINITY;
  if (p == 0.5)
    return 0.0;
  if (isinf(df))
    return pt_normal_quantile(p);
  /* Solve for t > 0: t_tail(t) = q in the tails, where it is accurate, and
   * t_center(t) = c near the middle, where the tail would cancel. */
  double q = p < 0.5 ? p : 1.0 - p, logq = log(q);
  double c = 2.0 * fabs(p - 0.5);  /* exact for p in [0.25, 0.75] */
  bool central = q > 0.25;
  double t = -pt_normal_quantile(q);
  t += (t * t * t + t) / (4.0 * df);  /* Cornish-Fisher start */
  /* Bracket [lo, hi]: t is too small at lo, not at hi. */
  double lo = 0.0, hi = t > 1.0 ? t : 1.0;
  while (central ? t_center(hi, df) < c : t_tail(hi, df) > q) {
    lo = hi;
    hi *= 2.0;
    if (isinf(hi))
      return p < 0.5 ? -INFINITY : INFINITY;
  }
  if (!(t > lo && t < hi))
    t = hi;
  for (int it = 0; it < 200; it++) {
    double next;
    bool small;
    if (central) {  /* Newton on t_center(t) - c; derivative 2 pdf */
      double cen = t_center(t, df);
      small = cen < c;
      next = t + (c - cen) / (2.0 * exp(t_logpdf(t, df)));
    } else {  /* Newton on log t_tail(t) - log q; derivative -pdf / tail */
      double ltail = log(t_tail(t, df));
      small = ltail > logq;
      next = t + (ltail - logq) * exp(ltail - t_logpdf(t, df));
    }
    if (small)
      lo = t;
    else
      hi = t;
    if (!(next > lo && next < hi))
      next = (lo > 0.0 && hi > 2.0 * lo) ? sqrt(lo * hi) : 0.5 * (lo + hi);
    double step = fabs(next - t);
    t = next;
    if (step <= 1e-13 * t || hi - lo <= 4.0 * DBL_EPSILON * hi)
      break;
  }
  return p < 0.5 ? -t : t;
}

double pt_gammainc(double a, double x) {
  if (!(a > 0.0) || !(x >= 0.0) || isinf(a))
    return NAN;
  if (x == 0.0)
    return 0.0;
  if (isinf(x))
    return 1.0;
  double lead = a * log(x) - x - lgamma(a);  /* log(x^a e^-x / Gamma(a)) */
  if (x < a + 1.0) {  /* series: P = lead / a * sum x^n / ((a+1)...(a+n)) */
    double ap = a, term = 1.0 / a, sum = term;
    for (int n = 0; n < 100000; n++) {
      ap += 1.0;
      term *= x / ap;
      sum += term;
      if (fabs(term) < fabs(sum) * 1e-16)
        break;
    }
    return fmin(1.0, sum * exp(lead));
  }
  /* continued fraction for Q (modified Lentz) */
  const double tiny = 1e-300;
  double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
  for (int i = 1; i < 100000; i++) {
    double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (fabs(d) < tiny)
      d = tiny;
    c = b + an / c;
    if (fabs(c) < tiny)
      c = tiny;
    d = 1.0 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1.0) < 1e-16)
      break;
  }
  return fmax(0.0, 1.0 - exp(lead) * h);
}

double pt_chisq_cdf(double x, double df) {
  if (!(df > 0.0) || isnan(x))
    return NAN;
  return x <= 0.0 ? 0.0 : pt_gammainc(df / 2.0, x / 2.0);
}

double pt_chisq_quantile(double p, double df) {
  if (!(df > 0.0) || !(p >= 0.0 && p <= 1.0))
    return NAN;
  if (p == 0.0)
    return 0.0;
  if (p == 1.0)
    return INFINITY;
  double lo = 0.0, hi = df + 10.0 * sqrt(2.0 * df) + 10.0;
  while (pt_chisq_cdf(hi, df) < p && hi < DBL_MAX / 4)
    hi *= 2.0;
  /* bisection on the log scale, so tiny quantiles (df = 1) converge too */
  for (int i = 0; i < 400 && hi - lo > 1e-15 * hi; i++) {
    double mid = lo > 0.0 ? sqrt(lo * hi) : hi / 1024.0;
    if (lo == 0.0 && mid < DBL_MIN)
      mid = 0.5 * hi;
    if (pt_chisq_cdf(mid, df) < p)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

double pt_normal_quantile(double p) {
  if (isnan(p) || p < 0.0 || p > 1.0)
    return NAN;
  if (p == 0.0)
    return -INFINITY;
  if (p == 1.0)
    return INFINITY;
  /* Wichura, Algorithm AS 241 (PPND16), Applied Statistics 37 (1988). */
  double q = p - 0.5, r, z;
  if (fabs(q) <= 0.425) {
    r = 0.180625 - q * q;
    return q *
           (((((((2509.0809287301226727 * r + 33430.575583588128105) * r +
                 67265.770927008700853) * r + 45921.953931549871457) * r +
               13731.693765509461125) * r + 1971.5909503065514427) * r +
             133.14166789178437745) * r + 3.387132872796366608) /
           (((((((5226.495278852854561 * r + 28729.085735721942674) * r +
                 39307.89580009271061) * r + 21213.794301586595867) * r +
               5394.1960214247511077) * r + 687.1870074920579083) * r +
             42.313330701600911252) * r + 1.0);
  }
  r = sqrt(-log(q < 0.0 ? p : 1.0 - p));
  if (r <= 5.0) {
    r -= 1.6;
    z = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r +
              0.24178072517745061177) * r + 1.27045825245236838258) * r +
            3.64784832476320460504) * r + 5.7694972214606914055) * r +
          4.6303378461565452959) * r + 1.42343711074968357734) /
        (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r +
              0.0151986665636164571966) * r + 0.14810397642748007459) * r +
            0.68976733498510000455) * r + 1.6763848301838038494) * r +
          2.05319162663775882187) * r + 1.0);
  } else {
    r -= 5.0;
    z = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
              0.0012426609473880784386) * r + 0.026532189526576123093) * r +
            0.29656057182850489123) * r + 1.7848265399172913358) * r +
          5.4637849111641143699) * r + 6.6579046435011037772) /
        (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r +
              1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
            0.0148753612908506148525) * r + 0.13692988092273580531) * r +
          0.59983220655588793769) * r + 1.0);
  }
  return q < 0.0 ? -z : z;
}

double pt_binom_half_cdf(long k, long n) {
  if (n < 0)
    return NAN;
  if (k < 0)
    return 0.0;
  if (k >= n)
    return 1.0;
  if (n <= 60) {  /* C(60, 30) * 30 < 2^64: exact integers */
    uint64_t c = 1, sum = 0;
    for (long i = 0; i <= k; i++) {
      sum += c;
      c = c * (uint64_t)(n - i) / (uint64_t)(i + 1);
    }
    return ldexp((double)sum, (int)-n);
  }
  return pt_betainc((double)(n - k), (double)k + 1.0, 0.5);
}

/* ---- (6) CI of the median ---- */

bool pt_median_ci_ranks(size_t n, double confidence, size_t *lo, size_t *hi,
                        double *level) {
  if (n == 0 || !(confidence > 0.0 && confidence < 1.0))
    return false;
  size_t k = 0;  /* 1-based rank of the lower bound; 0 = none */
  if (n <= 30) {
    /* (6) exact: coverage 1 - 2 P(X <= k - 1) falls as k grows. */
    for (size_t j = 1; 2 * j <= n + 1; j++) {
      if (1.0 - 2.0 * pt_binom_half_cdf((long)j - 1, (long)n) < confidence - 1e-12)
        break;
      k = j;
    }
  } else {
    /* (6) normal approximation with continuity correction. */
    double z = pt_normal_quantile(1.0 - (1.0 - confidence) / 2.0);
    double kk = floor(((double)n + 1.0 - z * sqrt((double)n)) / 2.0);
    k = kk >= 1.0 ? (size_t)kk : 0;
  }
  if (k == 0)
    return false;
  *lo = k - 1;
  *hi = n - k;
  *level = 1.0 - 2.0 * pt_binom_half_cdf((long)k - 1, (long)n);
  return true;
}

/* ---- (1)-(7) group summary ---- */

static int cmp_double(const void *pa, const void *pb) {
  double a = *(const double *)pa, b = *(const double *)pb;
  if (a < b)
    return -1;
  if (a > b)
    return 1;
  return (isnan(a) != 0) - (isnan(b) != 0);  /* total order even if a NaN slips in */
}

static bool has_nan(const double *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (isnan(x[i]))
      return true;
  return false;
}

/* Map a double's bits to an unsigned key with the same order (negative
 * numbers have their bits flipped, positive ones their sign bit set). */
static uint64_t sort_key(double v) {
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  return u >> 63 ? ~u : u | 0x8000000000000000u;
}

/* Sort x ascending. Large arrays go through an LSD radix sort on the keys
 * (8 passes of 8 bits, linear time: a group can hold a million trials);
 * small ones, or when the scratch space cannot be had, through qsort. NaN
 * never reaches here (the analyzer has none); qsort's order handles it. */
static void sort_doubles(double *x, size_t n) {
  uint64_t *scratch = n > 256 ? malloc(2 * n * sizeof *scratch) : NULL;
  if (!scratch) {
    qsort(x, n, sizeof *x, cmp_double);
    return;
  }
  uint64_t *a = scratch, *b = scratch + n;
  for (size_t i = 0; i < n; i++)
    a[i] = sort_key(x[i]);
  for (int shift = 0; shift < 64; shift += 8) {
    size_t count[257] = {0};
    for (size_t i = 0; i < n; i++)
      count[((a[i] >> shift) & 0xFF) + 1]++;
    if (count[((a[0] >> shift) & 0xFF) + 1] == n)
      continue;  /* every key has the same byte here */
    for (int d = 0; d < 256; d++)
      count[d + 1] += count[d];
    for (size_t i = 0; i < n; i++)
      b[count[(a[i] >> shift) & 0xFF]++] = a[i];
    uint64_t *t = a;
    a = b;
    b = t;
  }
  for (size_t i = 0; i < n; i++) {
    uint64_t u = a[i] >> 63 ? a[i] & 0x7FFFFFFFFFFFFFFFu : ~a[i];
    memcpy(&x[i], &u, sizeof u);
  }
  free(scratch);
}

void pt_summarize(double *x, size_t n, double confidence, pt_summary *out) {
  *out = (pt_summary){.n = n, .mean = NAN, .variance = NAN, .stddev = NAN,
                      .cv_pct = NAN, .se = NAN, .min = NAN, .median = NAN,
                      .max = NAN, .p90 = NAN, .p99 = NAN, .ci_low = NAN,
                      .ci_high = NAN, .median_ci_low = NAN, .median_ci_high = NAN,
                      .median_ci_level = NAN, .mad = NAN, .outlier_scale = NAN,
                      .outliers = 0};
  if (n == 0)
    return;
  if (has_nan(x, n))
    qsort(x, n, sizeof *x, cmp_double);
  else
    sort_doubles(x, n);
  /* (2) Welford on the values scaled by 2^e to about 1 (exact: a power of
   * two), so that neither 1e-300 (whose squares underflow) nor 1e308
   * (whose squares overflow) loses the spread */
  double big = fmax(fabs(x[0]), fabs(x[n - 1]));
  int e = isfinite(big) && big > 0.0 ? -ilogb(big) : 0;
  pt_acc acc;
  pt_acc_init(&acc);
  for (size_t i = 0; i < n; i++)
    pt_acc_push(&acc, ldexp(x[i], e));
  out->mean = ldexp(acc.mean, -e);  /* (1) */
  out->min = x[0];
  out->max = x[n - 1];
  double var = pt_acc_variance(&acc);  /* (2), scaled by 2^2e */
  out->stddev = ldexp(sqrt(var), -e);
  /* the variance itself, when a double can hold it (1e-300's cannot) */
  double v = ldexp(var, -2 * e);
  out->variance = isfinite(v) && (v > 0.0 || var == 0.0) ? v : NAN;
  if (acc.mean != 0.0)
    out->cv_pct = 100.0 * sqrt(var) / acc.mean;  /* (3) */
  out->se = out->stddev / sqrt((double)n);
  out->median = pt_quantile_sorted(x, n, 0.5);  /* (4) */
  out->p90 = pt_quantile_sorted(x, n, 0.90);
  out->p99 = pt_quantile_sorted(x, n, 0.99);
  if (n >= 2 && confidence > 0.0 && confidence < 1.0) {
    double t = pt_t_quantile(1.0 - (1.0 - confidence) / 2.0, (double)(n - 1));
    out->ci_low = out->mean - t * out->se;  /* (5) */
    out->ci_high = out->mean + t * out->se;
  }
  size_t lo, hi;
  double level;
  if (pt_median_ci_ranks(n, confidence, &lo, &hi, &level)) {  /* (6) */
    out->median_ci_low = x[lo];
    out->median_ci_high = x[hi];
    out->median_ci_level = level;
  }
  out->mad = pt_mad_sorted(x, n);  /* (7) */
  out->outlier_scale = pt_outlier_scale_sorted(x, n);
  pt_outlier_rule rule;
  pt_outlier_rule_of(x, n, &rule);
  for (size_t i = 0; i < n; i++)
    out->outliers += pt_outlier_rule_flags(&rule, x[i]);
}

/* ---- (9)-(10) penalty and its CI ---- */

double pt_ratio_to_penalty(double ratio, bool higher_is_better) {
  return higher_is_better ? (1.0 - ratio) * 100.0 : (ratio - 1.0) * 100.0;  /* (9) */
}

double pt_penalty_pct(double mean_a, double mean_b, bool higher_is_better) {
  if (mean_a == 0.0)
    return NAN;
  return pt_ratio_to_penalty(mean_b / mean_a, higher_is_better);
}

void pt_ratio_ci(double mean_a, double var_a, size_t n_a, double mean_b,
                 double var_b, size_t n_b, double confidence, pt_ratio_interval *out) {
  out->ratio = mean_a != 0.0 ? mean_b / mean_a : NAN;
  out->low = out->high = out->df = NAN;
  if (n_a < 2 || n_b < 2 || !(mean_a > 0.0 && mean_b > 0.0) ||
      !(var_a >= 0.0 && var_b >= 0.0) || !(confidence > 0.0 && confidence < 1.0))
    return;
  /* (10) delta method: Var(ln mean) ~ s^2 / (n mean^2). */
  double va = var_a / ((double)n_a * mean_a * mean_a);
  double vb = var_b / ((double)n_b * mean_b * mean_b);
  double lr = log(mean_b) - log(mean_a);
  if (va + vb == 0.0) {
    out->low = out->high = out->ratio;
    return;
  }
  out->df = (va + vb) * (va + vb) /
            (va * va / (double)(n_a - 1) + vb * vb / (double)(n_b - 1));
  double half = pt_t_quantile(1.0 - (1.0 - confidence) / 2.0, out->df) * sqrt(va + vb);
  out->low = exp(lr - half);
  out->high = exp(lr + half);
}

void pt_ratio_ci_to_penalty(const pt_ratio_interval *ci, bool higher_is_better,
                            double *low, double *high) {
  double a = pt_ratio_to_penalty(ci->low, higher_is_better);
  double b = pt_ratio_to_penalty(ci->high, higher_is_better);
  *low = higher_is_better ? b : a;
  *high = higher_is_better ? a : b;
}

/* ---- (11) Welch's t-test ---- */

void pt_welch(double mean_a, double var_a, size_t n_a, double mean_b, double var_b,
              size_t n_b, pt_test *out) {
  out->statistic = out->df = out->p = NAN;
  out->exact = false;
  if (n_a < 2 || n_b < 2 || !(var_a >= 0.0 && var_b >= 0.0))
    return;
  double va = var_a / (double)n_a, vb = var_b / (double)n_b;
  double diff = mean_a - mean_b;
  if (va + vb == 0.0) {
    out->statistic = diff == 0.0 ? 0.0 : copysign(INFINITY, diff);
    out->p = diff == 0.0 ? 1.0 : 0.0;
    return;
  }
  out->statistic = diff / sqrt(va + vb);  /* (11) */
  out->df = (va + vb) * (va + vb) /
            (va * va / (double)(n_a - 1) + vb * vb / (double)(n_b - 1));
  out->p = fmin(1.0, 2.0 * t_tail(fabs(out->statistic), out->df));
}

/* ---- (12) Mann-Whitney U ---- */

typedef struct mw_item {
  double v;
  int in_a;
} mw_item;

static int cmp_item(const void *pa, const void *pb) {
  const mw_item *a = pa, *b = pb;
  return cmp_double(&a->v, &b->v);
}

static bool is_sorted(const double *x, size_t n) {
  for (size_t i = 1; i < n; i++)
    if (!(x[i - 1] <= x[i]))
      return false;
  return true;
}

/* Counts of the subsets of m items drawn from the N weights w (integers,
 * non-decreasing) by their sum: cnt[s] for s = 0 .. *width - 1, by a DP
 * over (size, sum). NULL on allocation failure. */
static double *mw_counts(const uint64_t *w, size_t N, size_t m, size_t *width_out) {
  uint64_t smax = 0;  /* largest possible sum: the m biggest weights */
  for (size_t i = N - m; i < N; i++)
    smax += w[i];
  size_t width = (size_t)smax + 1;
  double *dp = calloc((m + 1) * width, sizeof *dp);
  if (!dp)
    return NULL;
  dp[0] = 1.0;
  uint64_t reach = 0;
  for (size_t i = 0; i < N; i++) {
    reach += w[i];
    uint64_t top = reach < smax ? reach : smax;
    size_t kmax = i + 1 < m ? i + 1 : m;
    for (size_t k = kmax; k >= 1; k--) {
      double *row = dp + k * width;
      const double *prev = dp + (k - 1) * width;
      for (uint64_t s = top; s >= w[i]; s--)  /* w[i] >= 1 */
        row[s] += prev[s - w[i]];
    }
  }
  memmove(dp, dp + m * width, width * sizeof *dp);  /* the row of size m */
  double *cnt = realloc(dp, width * sizeof *dp);
  *width_out = width;
  return cnt ? cnt : dp;
}

/* Two-sided exact p of the sum s_obs from the counts of every sum. */
static double mw_tails(const double *cnt, size_t width, uint64_t s_obs) {
  double total = 0.0, below = 0.0, above = 0.0;
  for (size_t s = 0; s < width; s++) {
    total += cnt[s];
    if (s <= s_obs)
      below += cnt[s];
    if (s >= s_obs)
      above += cnt[s];
  }
  return fmin(1.0, 2.0 * fmin(below, above) / total);
}

/* Without ties the weights are the ranks 1..N, so the counts depend on
 * (N, m) alone: the last ones computed are kept (a report's groups mostly
 * share their sizes, and a site's archives too), shared by the threads
 * under a lock. They stay reachable from here until the process ends. */
static struct {
  pthread_mutex_t lock;
  size_t N, m, width;
  double *cnt;
} mw_memo = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, NULL};

/* Two-sided exact p of rank sum s_obs of m items drawn from the N weights w
 * (integers); ranks says w is 1..N (no ties). NAN on allocation failure. */
static double mw_exact_p(const uint64_t *w, size_t N, size_t m, uint64_t s_obs, bool ranks) {
  size_t width;
  if (!ranks) {
    double *cnt = mw_counts(w, N, m, &width);
    double p = cnt ? mw_tails(cnt, width, s_obs) : NAN;
    free(cnt);
    return p;
  }
  pthread_mutex_lock(&mw_memo.lock);
  bool hit = mw_memo.cnt && mw_memo.N == N && mw_memo.m == m;
  double p = hit ? mw_tails(mw_memo.cnt, mw_memo.width, s_obs) : NAN;
  pthread_mutex_unlock(&mw_memo.lock);
  if (hit)
    return p;
  /* counted outside the lock (the DP is the costly part): a thread with
   * other sizes need not wait for it */
  double *cnt = mw_counts(w, N, m, &width);
  if (!cnt)
    return NAN;
  p = mw_tails(cnt, width, s_obs);
  pthread_mutex_lock(&mw_memo.lock);
  double *old = mw_memo.cnt;
  mw_memo.cnt = cnt;
  mw_memo.N = N;
  mw_memo.m = m;
  mw_memo.width = width;
  pthread_mutex_unlock(&mw_memo.lock);
  free(old);
  return p;
}

void pt_mann_whitney(const double *a, size_t n_a, const double *b, size_t n_b,
                     pt_test *out) {
  out->statistic = out->df = out->p = NAN;
  out->exact = false;
  if (n_a == 0 || n_b == 0)
    return;
  size_t N = n_a + n_b;
  bool small = n_a <= 50 && n_b <= 50;  /* the exact test may run */
  mw_item *it = malloc(N * sizeof *it);
  uint64_t *w = small ? malloc(N * sizeof *w) : NULL;  /* doubled mid-ranks */
  if (!it || (small && !w))
    goto done;
  if (is_sorted(a, n_a) && is_sorted(b, n_b)) {
    /* both sides sorted (the analyzer's are): merge in O(N) */
    size_t i = 0, j = 0, k = 0;
    while (i < n_a || j < n_b)
      it[k++] = j >= n_b || (i < n_a && a[i] <= b[j]) ? (mw_item){a[i++], 1}
                                                     : (mw_item){b[j++], 0};
  } else {
    for (size_t i = 0; i < n_a; i++)
      it[i] = (mw_item){a[i], 1};
    for (size_t i = 0; i < n_b; i++)
      it[n_a + i] = (mw_item){b[i], 0};
    qsort(it, N, sizeof *it, cmp_item);
  }
  /* (12) mid-ranks, doubled: a tie run i..j-1 (0-based) gets (i+1) + j. */
  double ties = 0.0;  /* sum of t^3 - t over tie runs */
  bool all_even = true;
  uint64_t rank_sum_a = 0;
  for (size_t i = 0, j; i < N; i = j) {
    for (j = i + 1; j < N && it[j].v == it[i].v; j++)
      ;
    double t = (double)(j - i);
    ties += t * t * t - t;
    uint64_t r2 = (uint64_t)(i + j + 1);
    all_even = all_even && r2 % 2 == 0;
    for (size_t k = i; k < j; k++) {
      if (w)
        w[k] = r2;
      if (it[k].in_a)
        rank_sum_a += r2;
    }
  }
  double na = (double)n_a, nb = (double)n_b;
  out->statistic = (double)rank_sum_a / 2.0 - na * (na + 1.0) / 2.0;  /* U of a */
  bool has_ties = ties > 0.0;
  if ((!has_ties && small) || (has_ties && n_a <= 25 && n_b <= 25)) {
    uint64_t div = all_even ? 2 : 1, s_obs = rank_sum_a, total = 0;
    size_t m = n_a;
    for (size_t k = 0; k < N; k++) {
      total += w[k];
      w[k] /= div;
    }
    if (n_b < n_a) {  /* count subsets of the smaller side: same two tails */
      m = n_b;
      s_obs = total - rank_sum_a;
    }
    out->p = mw_exact_p(w, N, m, s_obs / div, !has_ties);
    out->exact = true;
  } else {
    /* (12) normal approximation, tie and continuity corrected. */
    double n = (double)N;
    double var = na * nb / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    double d = fabs(out->statistic - na * nb / 2.0);
    if (var <= 0.0)
      out->p = 1.0;  /* every value equal */
    else
      out->p = fmin(1.0, erfc(fmax(d - 0.5, 0.0) / sqrt(var) * M_SQRT1_2));
  }
done:
  if (isnan(out->p))
    out->statistic = NAN;
  free(it);
  free(w);
}

/* ---- (15) geometric mean ---- */

double pt_geomean(const double *x, size_t n) {
  if (n == 0)
    return NAN;
  double s = 0.0;
  for (size_t i = 0; i < n; i++) {
    if (!(x[i] > 0.0))
      return NAN;
    s += log(x[i]);
  }
  return exp(s / (double)n);  /* (15) */
}
