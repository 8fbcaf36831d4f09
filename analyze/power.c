/* analyze/power.c - power of the session comparison (STATS.md 21).
 *
 *   (P1) Variance of a session mean: tau^2 = sigma_b^2 + sigma_w^2 / m.
 *   (P2) With k sessions per environment the log ratio's estimate has
 *        variance 2 tau^2 / k, and the test is Student t with
 *        nu = 2k - 2 df; under an effect delta its statistic is noncentral
 *        t with ncp = delta / (tau sqrt(2 / k)).
 *   (P3) Two-sided power, both tails (R's power.t.test(strict = TRUE)):
 *        q = t(1 - alpha/2, nu),
 *        power = 1 - F(q; nu, ncp) + F(-q; nu, ncp).
 *   (P4) Noncentral t CDF by Lenth's algorithm AS 243 (Applied Statistics
 *        38 (1989) 185-189), for t >= 0 (t < 0 by the reflection
 *        F(t; nu, d) = 1 - F(-t; nu, -d)):
 *          F(t) = Phi(-d) + sum_j [ p_j I_x(j + 1/2, nu/2)
 *                                   + q_j I_x(j + 1, nu/2) ],
 *          x = t^2 / (t^2 + nu), p_j = e^{-d^2/2} (d^2/2)^j / (2 j!),
 *          q_j = d e^{-d^2/2} (d^2/2)^j / (2 sqrt 2 Gamma(j + 3/2)),
 *        summed with the incomplete betas updated by their recurrences
 *        until the error bound 2 s (I_x^odd - g^odd) < 1e-12 (s the Poisson
 *        mass not yet used). For nu > 4e5 or d^2 > 1415 (where the Poisson
 *        weights underflow), Abramowitz & Stegun 26.7.10:
 *          F(t) ~ Phi((t (1 - 1/(4 nu)) - d) / sqrt(1 + t^2 / (2 nu))).
 *   (P5) Sessions needed: power is increasing in k, so the smallest k >= 3
 *        (PT_POWER_MIN_SESSIONS) with power >= target is found by
 *        doubling, then bisection.
 */
#include "analyze/power.h"

#include <float.h>
#include <math.h>

#include "analyze/stats.h"

#define LN_SQRT_PI 0.572364942924700087071713675677    /* log(sqrt(pi)) */
#define SQRT_2_OVER_PI 0.797884560802865355879892119869 /* sqrt(2/pi) */

double pt_nct_cdf(double t, double df, double ncp) {
  if (isnan(t) || isnan(df) || isnan(ncp) || !(df > 0.0))
    return NAN;
  if (ncp == 0.0)
    return pt_t_cdf(t, df);
  if (isinf(t))
    return t < 0 ? 0.0 : 1.0;
  bool negdel = t < 0.0;          /* (P4) reflection */
  double tt = negdel ? -t : t;
  double del = negdel ? -ncp : ncp;
  if (negdel && ncp > 40.0)
    return 0.0;
  if (df > 4e5 || del * del > 2.0 * M_LN2 * -(double)DBL_MIN_EXP) {
    double s = 1.0 / (4.0 * df);  /* A & S 26.7.10 */
    double z = (tt * (1.0 - s) - del) / sqrt(1.0 + tt * tt * 2.0 * s);
    double v = pt_normal_cdf(z);
    return negdel ? 1.0 - v : v;
  }
  double x = t * t / (t * t + df);
  double tnc = 0.0;
  if (x > 0.0) {
    double lambda = del * del;
    double p = 0.5 * exp(-0.5 * lambda);
    double q = SQRT_2_OVER_PI * p * del;
    double s = 0.5 - p;
    if (s < 1e-7)
      s = -0.5 * expm1(-0.5 * lambda);
    double a = 0.5, b = 0.5 * df;
    double rxb = pow(1.0 - x, b);
    double albeta = LN_SQRT_PI + lgamma(b) - lgamma(0.5 + b);
    double xodd = pt_betainc(a, b, x);
    double godd = 2.0 * rxb * exp(a * log(x) - albeta);
    double bx = b * x;
    double xeven = bx < DBL_EPSILON ? bx : 1.0 - rxb;
    double geven = bx * rxb;
    tnc = p * xodd + q * xeven;
    for (int it = 1; it <= 1000; it++) {
      a += 1.0;
      xodd -= godd;
      xeven -= geven;
      godd *= x * (a + b - 1.0) / a;
      geven *= x * (a + b - 0.5) / (a + 0.5);
      p *= lambda / (2.0 * it);
      q *= lambda / (2.0 * it + 1.0);
      tnc += p * xodd + q * xeven;
      s -= p;
      if (s < -1e-10)
        break;  /* rounding: the sum is as good as it gets */
      if (s <= 0.0 && it > 1)
        break;
      if (fabs(2.0 * s * (xodd - godd)) < 1e-12)
        break;
    }
  }
  tnc += pt_normal_cdf(-del);
  if (tnc > 1.0)
    tnc = 1.0;
  return negdel ? 1.0 - tnc : tnc;
}

double pt_power_t2(double k, double sd, double delta, double alpha) {
  if (!(k >= 2.0) || !(sd > 0.0) || !isfinite(delta) || !(alpha > 0.0 && alpha < 1.0))
    return NAN;
  double nu = 2.0 * k - 2.0;                     /* (P2) */
  double ncp = fabs(delta) / (sd * sqrt(2.0 / k));
  double q = pt_t_quantile(1.0 - alpha / 2.0, nu);  /* (P3) */
  double power = 1.0 - pt_nct_cdf(q, nu, ncp) + pt_nct_cdf(-q, nu, ncp);
  return power < 0.0 ? 0.0 : power > 1.0 ? 1.0 : power;
}

double pt_penalty_to_log_ratio(double pct, bool higher_is_better) {
  double ratio = higher_is_better ? 1.0 - pct / 100.0 : 1.0 + pct / 100.0;
  return ratio > 0.0 ? log(ratio) : NAN;
}

pt_code pt_power_sessions(double sigma_b, double sigma_w, size_t trials, double delta,
                          double alpha, double target, double wall_seconds,
                          size_t max_sessions, pt_power_design *out, pt_error *err) {
  out->trials = trials;
  out->sessions = 0;
  out->reached = false;
  out->power = out->sd_session_mean = out->gpu_seconds = NAN;
  if (!(sigma_b >= 0.0) || !isfinite(sigma_b))
    return pt_error_set(err, PT_EDATA,
                        "the between-session sd is unknown: it needs at least 2 sessions "
                        "in one environment");
  if (!(sigma_w >= 0.0) || !isfinite(sigma_w))
    return pt_error_set(err, PT_EDATA,
                        "the within-session sd is unknown: it needs sessions with at least "
                        "2 trials");
  if (trials == 0)
    return pt_error_set(err, PT_EDATA, "trials per session must be at least 1");
  if (!isfinite(delta) || delta == 0.0)
    return pt_error_set(err, PT_EDATA, "the effect to detect must be a nonzero number");
  if (!(alpha > 0.0 && alpha < 1.0) || !(target > 0.0 && target < 1.0))
    return pt_error_set(err, PT_EDATA, "alpha and the target power must be in (0, 1)");
  if (max_sessions < PT_POWER_MIN_SESSIONS)
    return pt_error_set(err, PT_EDATA, "at least %d sessions per environment are needed",
                        PT_POWER_MIN_SESSIONS);
  double tau = sqrt(sigma_b * sigma_b + sigma_w * sigma_w / (double)trials);  /* (P1) */
  out->sd_session_mean = tau;
  if (!(tau > 0.0)) {
    /* no noise at all: any design detects any effect */
    out->sessions = PT_POWER_MIN_SESSIONS;
    out->reached = true;
    out->power = 1.0;
  } else {
    /* (P5) doubling, then bisection on [lo, hi] with power(lo) < target;
     * never fewer than PT_POWER_MIN_SESSIONS */
    size_t lo = PT_POWER_MIN_SESSIONS - 1, hi = PT_POWER_MIN_SESSIONS;
    double ph = pt_power_t2((double)hi, tau, delta, alpha);
    while (!(ph >= target) && hi < max_sessions) {
      lo = hi;
      hi = hi > max_sessions / 2 ? max_sessions : 2 * hi;
      ph = pt_power_t2((double)hi, tau, delta, alpha);
    }
    if (ph >= target) {
      while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        double pm = pt_power_t2((double)mid, tau, delta, alpha);
        if (pm >= target) {
          hi = mid;
          ph = pm;
        } else {
          lo = mid;
        }
      }
      out->reached = true;
    }
    out->sessions = hi;
    out->power = ph;
  }
  out->gpu_seconds = 2.0 * (double)out->sessions * (double)trials * wall_seconds;
  return PT_OK;
}
