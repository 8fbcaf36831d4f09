/* analyze/lmm.c - the session mixed model, fitted by REML (STATS.md 18-20).
 *
 * Model: y = X beta + Z u + e, y = log(metric), n rows, X the n x p fixed-
 * effect design, Z the n x S session indicators, u ~ N(0, sigma_b^2 I),
 * e ~ N(0, sigma^2 I) (sigma = sigma_w). With lambda = sigma_b^2 / sigma^2 =
 * theta^2 (theta is lme4's relative covariance factor), V = sigma^2 H,
 * H = I + lambda Z Z'. Equations, cited below as (Ln):
 *
 *  (L1) Each session's block of H is compound-symmetric:
 *       H_s = I + lambda 1 1',  H_s^-1 = I - lambda/(1 + n_s lambda) 1 1',
 *       |H_s| = 1 + n_s lambda.
 *  (L2) Sufficient statistics. With xbar_s, ybar_s the session means and
 *       W, w_xy, w_yy the within-session sums of squares and products
 *       (W = X'X - sum_s n_s xbar_s xbar_s'), and omega_s = n_s / (1 + n_s
 *       lambda):
 *         M(lambda) = X'H^-1 X = W    + sum_s omega_s xbar_s xbar_s'
 *         u(lambda) = X'H^-1 y = w_xy + sum_s omega_s ybar_s xbar_s
 *         y'H^-1 y           = w_yy + sum_s omega_s ybar_s^2
 *       so a likelihood evaluation costs O(S p^2 + p^3) whatever n is. y is
 *       centred on its mean first when the intercept is in the span of X
 *       (the likelihood does not change; the sums lose fewer digits).
 *  (L3) GLS: beta(lambda) = M^-1 u; penalised residual sum of squares
 *       rho(lambda) = y'H^-1 y - u' beta  (lme4's pwrss).
 *  (L4) Profiled REML criterion (lme4's REMLcrit), r = rank of X:
 *         f(lambda) = sum_s log(1 + n_s lambda) + log|M| + (n - r) log rho
 *         REML = f(lambdahat) + (n - r) (1 + log(2 pi / (n - r)))
 *       sigma^2 = rho / (n - r), sigma_b^2 = lambda sigma^2.
 *  (L5) Its derivative, with ebar_s = ybar_s - xbar_s' beta and
 *       G_k = sum_s omega_s^k xbar_s xbar_s':
 *         f'(lambda) = sum_s omega_s - tr(M^-1 G_2) + (n - r) rho' / rho,
 *         rho'(lambda) = -sum_s omega_s^2 ebar_s^2.
 *  (L6) Optimisation over lambda >= 0 (1-D): f and f' on the grid {0} u
 *       {10^-8, 10^-7.5, ..., 10^8}; every sign change of f' from - to + is
 *       refined to a root by Brent's zeroin, lambda = 0 is a candidate when
 *       f'(0) >= 0 (a singular fit), and the candidate with the least f wins.
 *       As lme4's boundary check: theta < 1e-5 is set to 0 when that is no
 *       worse. f' < 0 at 10^8 means sigma_w -> 0 (PT_LMM_NO_WITHIN).
 *  (L7) Aliased columns (lme4's drop.cols): the columns of X are taken in
 *       order and a column is dropped when the squared norm left after
 *       projecting it on the kept earlier ones is below 1e-10 of its squared
 *       norm (a greedy Cholesky of X'X). R's QR uses 1e-7 on the norm; a
 *       Cholesky of X'X cannot resolve that finely, and for indicator
 *       designs aliased columns cancel to rounding while kept ones keep far
 *       more, so both drop the same columns.
 *  (L8) When sigma_b cannot be estimated: every session indicator lies in
 *       the span of X (1 - n_s xbar_s'(X'X)^-1 xbar_s <= 1e-9 for all s; one
 *       session per environment) -> PT_LMM_NO_BETWEEN; every session has
 *       one row (Z = I: sigma_b^2 + sigma^2 is all the data show) ->
 *       PT_LMM_ROWS_ARE_SESSIONS. Both fit lambda = 0: least squares,
 *       df = n - r. rho(0) <= 1e-12 of the total sum of squares, or n = r,
 *       -> PT_LMM_EXACT.
 *  (L9) Satterthwaite, as lmerTest (as_lmerModLT, contest1D): varpar =
 *       (theta, sigma); D(theta, sigma) = F(theta^2, sigma) is the REML
 *       deviance at fixed variance parameters,
 *         F(lambda, sigma) = sum log(1 + n_s lambda) + log|M| + rho/sigma^2
 *                            + (n - r) log sigma^2 + const.
 *       Its Hessian, analytically (lmerTest differentiates numerically):
 *         D_tt = 2 F_l + 4 theta^2 F_ll,  D_ts = 2 theta F_ls,  D_ss = F_ss,
 *         F_l  = f'(lambda) at the profiled sigma,  F_ls = -2 rho' / sigma^3,
 *         F_ll = a'' + rho'' / sigma^2,  F_ss = 6 rho / sigma^4 - 2 (n - r) / sigma^2,
 *         a''  = -sum omega_s^2 + 2 tr(M^-1 G_3) - tr(M^-1 G_2 M^-1 G_2),
 *         rho''= 2 (sum omega_s^3 ebar_s^2 - g' M^-1 g),  g = sum omega_s^2 ebar_s xbar_s.
 *       A = vcov(varpar) = 2 H^+ with the Moore-Penrose inverse keeping
 *       eigenvalues > 1e-8 (lmerTest's tol), which is also what it does for a
 *       singular fit: at theta = 0, D_ts = 0 and d vcov / d theta = 0, so
 *       the df reduce to n - r.
 *  (L10) Jacobian of vcov(beta) = sigma^2 M^-1:
 *         d/dtheta = 2 theta sigma^2 M^-1 G_2 M^-1,  d/dsigma = 2 sigma M^-1.
 *        For a contrast L: v = L' vcov L, g = (L' d_theta L, 2 v / sigma),
 *        df = 2 v^2 / (g' A g); t = L'beta / sqrt(v), p = 2 P(T_df > |t|).
 *  (L11) Penalty (STATS.md 19): beta_B +- t(1 - alpha/2, df) se, mapped by
 *        (1 - e^x) 100 (higher is better) or (e^x - 1) 100.
 *  (L12) Holm: p_(i) sorted ascending over the m non-missing values,
 *        adj_(i) = max_{j <= i} min(1, (m - j + 1) p_(j)).
 *  (L13) Verdict (STATS.md 20): undetermined unless the status gives one
 *        (L8) and each environment has at least 2 sessions; else worse or
 *        better when the adjusted p < alpha (by the sign), no_difference
 *        otherwise. With one session on a side its random effect is
 *        aliased with the environment's and sigma_b rests on the other
 *        side's sessions alone; a singular fit then tests against the
 *        trials as independent (df = n - p), which on A/A data of 1
 *        session against 2 is "significant" about 9 % of the time at
 *        alpha = 5 % (lmerTest gives the same: the numbers are right, the
 *        design cannot carry a verdict).
 */
#include "analyze/lmm.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/stats.h"

#define ALIAS_TOL 1e-10       /* (L7) */
#define SPAN_TOL 1e-9         /* (L8) */
#define EXACT_TOL 1e-12       /* (L8) */
#define EIGEN_TOL 1e-8        /* (L9) lmerTest's tol */
#define BOUNDARY_THETA 1e-5   /* (L6) lme4's boundary.tol */
#define GRID_LO (-8.0)        /* (L6) log10 lambda */
#define GRID_STEP 0.5
#define GRID_STEPS 32         /* GRID_LO + GRID_STEPS * GRID_STEP = 8 */
#define GRID_MAX (GRID_STEPS + 2)  /* the grid's points, and lambda = 0 */

static const char *const status_names[] = {"ok", "no_between", "rows_are_sessions",
                                           "no_within", "exact"};

const char *pt_lmm_status_name(pt_lmm_status s) {
  return (unsigned)s < sizeof status_names / sizeof *status_names ? status_names[s] : "?";
}

const char *pt_lmm_status_text(pt_lmm_status s) {
  switch (s) {
  case PT_LMM_OK:
    return "sessions are the unit: the interval includes the session-to-session variation";
  case PT_LMM_NO_BETWEEN:
    return "one session per environment: the session-to-session variation cannot be "
           "estimated, so the interval covers within-session noise only; collect at least "
           "3 sessions per environment, alternating A B A B";
  case PT_LMM_ROWS_ARE_SESSIONS:
    return "one trial per session: each trial is its own session, so between- and "
           "within-session variation are not told apart";
  case PT_LMM_NO_WITHIN:
    return "trials within each session are identical once prompts are accounted for: no "
           "within-session noise, no test";
  case PT_LMM_EXACT:
    return "no residual variation (one value per cell, or identical values): no test; "
           "collect at least 3 sessions per environment, alternating A B A B";
  }
  return "?";
}

bool pt_lmm_status_determined(pt_lmm_status s) {
  return s == PT_LMM_OK || s == PT_LMM_ROWS_ARE_SESSIONS;
}

bool pt_lmm_comparison_determined(const pt_lmm_comparison *c) {
  return pt_lmm_status_determined(c->status) && c->sessions_baseline >= PT_LMM_MIN_SESSIONS &&
         c->sessions_compared >= PT_LMM_MIN_SESSIONS;
}

static const char *const verdict_names[] = {"worse", "better", "no_difference",
                                            "undetermined"};

const char *pt_verdict_name(pt_verdict v) {
  return (unsigned)v < sizeof verdict_names / sizeof *verdict_names ? verdict_names[v] : "?";
}

/* ---- small dense linear algebra (row-major, n x n) ---- */

/* Cholesky A = L L' in place (lower triangle; the upper is left alone).
 * false when A is not positive definite. */
static bool chol(double *a, size_t n) {
  for (size_t j = 0; j < n; j++) {
    double d = a[j * n + j];
    for (size_t k = 0; k < j; k++)
      d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0.0) || !isfinite(d))
      return false;
    d = sqrt(d);
    a[j * n + j] = d;
    for (size_t i = j + 1; i < n; i++) {
      double s = a[i * n + j];
      for (size_t k = 0; k < j; k++)
        s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / d;
    }
  }
  return true;
}

/* Solve L L' x = b in place. */
static void chol_solve(const double *l, size_t n, double *b) {
  for (size_t i = 0; i < n; i++) {
    double s = b[i];
    for (size_t k = 0; k < i; k++)
      s -= l[i * n + k] * b[k];
    b[i] = s / l[i * n + i];
  }
  for (size_t i = n; i-- > 0;) {
    double s = b[i];
    for (size_t k = i + 1; k < n; k++)
      s -= l[k * n + i] * b[k];
    b[i] = s / l[i * n + i];
  }
}

/* inv = (L L')^-1, full symmetric; col is n scratch. As LAPACK's dpotri:
 * L^-1 by forward substitution into inv's lower triangle, then
 * L^-T L^-1 (entry (i, j), i >= j: sum over k >= i of L^-1[k][i] L^-1[k][j])
 * into the upper triangle and col, mirrored at the end: n^3 / 3 flops where
 * n solves took 2 n^3 (the analysis fits one model at a time, 100,000 of
 * them for as many models). */
static void chol_inverse(const double *l, size_t n, double *inv, double *col) {
  for (size_t j = 0; j < n; j++) {
    inv[j * n + j] = 1.0 / l[j * n + j];
    for (size_t i = j + 1; i < n; i++) {
      double s = 0.0;
      for (size_t k = j; k < i; k++)
        s += l[i * n + k] * inv[k * n + j];
      inv[i * n + j] = -s / l[i * n + i];
    }
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j <= i; j++) {
      double s = 0.0;
      for (size_t k = i; k < n; k++)
        s += inv[k * n + i] * inv[k * n + j];
      if (i == j)
        col[i] = s;
      else
        inv[j * n + i] = s;
    }
  for (size_t i = 0; i < n; i++) {
    inv[i * n + i] = col[i];
    for (size_t j = 0; j < i; j++)
      inv[i * n + j] = inv[j * n + i];
  }
}

/* tr(A B) for symmetric A, B */
static double trace_prod(const double *a, const double *b, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n * n; i++)
    s += a[i] * b[i];
  return s;
}

/* c = A B (n x n) */
static void mat_mul(const double *a, const double *b, double *c, size_t n) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      double s = 0.0;
      for (size_t k = 0; k < n; k++)
        s += a[i * n + k] * b[k * n + j];
      c[i * n + j] = s;
    }
}

static double quad_form(const double *a, const double *x, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) {
    double t = 0.0;
    for (size_t j = 0; j < n; j++)
      t += a[i * n + j] * x[j];
    s += x[i] * t;
  }
  return s;
}

/* ---- the sufficient statistics (L2) ---- */

/* One group as the builders hand it over: sparse design row. */
typedef struct grp {
  size_t session, n;
  double mean, m2;
  size_t nnz;
  size_t *idx;  /* buffers of p entries owned by the caller */
  double *val;
} grp;

typedef bool (*grp_fn)(const void *ctx, size_t g, grp *out);

typedef struct work {
  size_t n;           /* rows */
  size_t p, r;        /* design columns, kept columns */
  size_t S;           /* sessions with rows */
  size_t *keep;       /* [r] kept column -> design column */
  double *ns;         /* [S] rows of each session */
  double *xbar;       /* [S * r] session means of the kept columns */
  double *ybar;       /* [S] session means of y - centre */
  size_t *nz_off;     /* [S + 1] CSR of the nonzeros of each xbar row */
  size_t *nz_idx;     /* [S * r] */
  double *W;          /* [r * r] within-session SSCP */
  double *wxy;        /* [r] */
  double wyy;
  double tss;         /* total sum of squares about the centre */
  double centre;      /* subtracted from y */
  /* evaluation scratch, r x r unless said */
  double *M, *L, *Minv, *G2, *tmp, *tmp2;
  double *u, *beta, *vec; /* [r] */
  double *ebar;           /* [S] */
} work;

static void work_free(work *w) {
  free(w->keep);
  free(w->ns);
  free(w->xbar);
  free(w->ybar);
  free(w->nz_off);
  free(w->nz_idx);
  free(w->W);
  free(w->wxy);
  free(w->M);
  free(w->L);
  free(w->Minv);
  free(w->G2);
  free(w->tmp);
  free(w->tmp2);
  free(w->u);
  free(w->beta);
  free(w->vec);
  free(w->ebar);
  memset(w, 0, sizeof *w);
}

/* calloc of n * size with an overflow check; n == 0 allocates one byte. */
static void *alloc_array(size_t n, size_t size) {
  if (n != 0 && size > SIZE_MAX / n)
    return NULL;
  return calloc(n ? n : 1, size);
}

/* calloc of a * b elements of size, NULL on overflow. */
static void *alloc_matrix(size_t a, size_t b, size_t size) {
  if (a != 0 && b > SIZE_MAX / a)
    return NULL;
  return alloc_array(a * b, size);
}

/* Read the groups into the within/between statistics, detect aliased
 * columns. ctx/fn hand over each group; n_sessions bounds the indices. */
static pt_code work_build(work *w, const void *ctx, grp_fn fn, size_t G, size_t p,
                          size_t n_sessions, pt_error *err) {
  pt_code rc = PT_ENOMEM;
  size_t *sid = alloc_array(n_sessions, sizeof *sid);
  size_t *gidx = alloc_array(p, sizeof *gidx);
  double *gval = alloc_array(p, sizeof *gval);
  double *sumx = NULL, *xtx = NULL, *lch = NULL, *wfull = NULL, *xbfull = NULL;
  double *sumy = NULL, *wxyfull = NULL;
  bool *kept = NULL;
  memset(w, 0, sizeof *w);
  w->p = p;
  if (!sid || !gidx || !gval)
    goto out;
  for (size_t s = 0; s < n_sessions; s++)
    sid[s] = SIZE_MAX;

  /* pass 1: validate, count rows, map sessions, centre */
  double ysum = 0.0;
  bool has_zero_col = true;
  for (size_t g = 0; g < G; g++) {
    grp gr = {.idx = gidx, .val = gval};
    if (!fn(ctx, g, &gr)) {
      rc = pt_error_set(err, PT_EDATA, "group %zu: invalid design row", g);
      goto out;
    }
    if (gr.session >= n_sessions) {
      rc = pt_error_set(err, PT_EDATA, "group %zu: session %zu is out of range (%zu sessions)",
                        g, gr.session, n_sessions);
      goto out;
    }
    if (gr.n == 0 || !isfinite(gr.mean) || !isfinite(gr.m2) || gr.m2 < 0.0) {
      rc = pt_error_set(err, PT_EDATA,
                        "group %zu: needs at least one row, a finite mean and a "
                        "finite sum of squares >= 0", g);
      goto out;
    }
    for (size_t k = 0; k < gr.nnz; k++) {
      if (!isfinite(gr.val[k])) {
        rc = pt_error_set(err, PT_EDATA, "group %zu: design column %zu is not finite", g,
                          gr.idx[k]);
        goto out;
      }
      has_zero_col = false;
    }
    if (sid[gr.session] == SIZE_MAX)
      sid[gr.session] = w->S++;
    w->n += gr.n;
    ysum += (double)gr.n * gr.mean;
  }
  if (G == 0 || p == 0 || has_zero_col) {
    rc = pt_error_set(err, PT_EDATA, "no data to fit (%zu groups, %zu design columns)", G, p);
    goto out;
  }
  double centre = ysum / (double)w->n;

  size_t S = w->S;
  w->ns = alloc_array(S, sizeof *w->ns);
  sumx = alloc_matrix(S, p, sizeof *sumx);
  sumy = alloc_array(S, sizeof *sumy);
  xtx = alloc_matrix(p, p, sizeof *xtx);
  if (!w->ns || !sumx || !sumy || !xtx)
    goto out;

  /* pass 2: session sums, X'X; (L2) */
  for (size_t g = 0; g < G; g++) {
    grp gr = {.idx = gidx, .val = gval};
    fn(ctx, g, &gr);
    size_t s = sid[gr.session];
    double ng = (double)gr.n;
    w->ns[s] += ng;
    sumy[s] += ng * (gr.mean - centre);
    for (size_t a = 0; a < gr.nnz; a++) {
      sumx[s * p + gr.idx[a]] += ng * gr.val[a];
      for (size_t b = 0; b < gr.nnz; b++)
        xtx[gr.idx[a] * p + gr.idx[b]] += ng * gr.val[a] * gr.val[b];
    }
  }

  /* session means; the within SSCP W = X'X - sum n_s xbar xbar' */
  xbfull = alloc_matrix(S, p, sizeof *xbfull);
  wfull = alloc_matrix(p, p, sizeof *wfull);
  w->ybar = alloc_array(S, sizeof *w->ybar);
  wxyfull = alloc_array(p, sizeof *wxyfull);
  if (!xbfull || !wfull || !w->ybar || !wxyfull)
    goto out;
  memcpy(wfull, xtx, p * p * sizeof *wfull);
  for (size_t s = 0; s < S; s++) {
    w->ybar[s] = sumy[s] / w->ns[s];
    for (size_t j = 0; j < p; j++)
      xbfull[s * p + j] = sumx[s * p + j] / w->ns[s];
    for (size_t a = 0; a < p; a++) {
      double xa = xbfull[s * p + a];
      if (xa == 0.0)
        continue;
      for (size_t b = 0; b < p; b++)
        wfull[a * p + b] -= w->ns[s] * xa * xbfull[s * p + b];
    }
  }
  /* pass 3: within products with y, from deviations (no cancellation) */
  w->wyy = 0.0;
  w->tss = 0.0;
  for (size_t g = 0; g < G; g++) {
    grp gr = {.idx = gidx, .val = gval};
    fn(ctx, g, &gr);
    size_t s = sid[gr.session];
    double ng = (double)gr.n;
    double dy = (gr.mean - centre) - w->ybar[s];
    w->wyy += gr.m2 + ng * dy * dy;
    w->tss += gr.m2 + ng * (gr.mean - centre) * (gr.mean - centre);
    for (size_t a = 0; a < gr.nnz; a++)
      wxyfull[gr.idx[a]] += ng * gr.val[a] * dy;
  }

  /* (L7) aliased columns: greedy Cholesky of X'X in column order */
  kept = alloc_array(p, sizeof *kept);
  lch = alloc_matrix(p, p, sizeof *lch);
  if (!kept || !lch)
    goto out;
  for (size_t j = 0; j < p; j++) {
    double ajj = xtx[j * p + j];
    double d = ajj;
    for (size_t k = 0; k < j; k++)
      if (kept[k])
        d -= lch[j * p + k] * lch[j * p + k];
    if (!(ajj > 0.0) || !(d > ALIAS_TOL * ajj))
      continue;
    kept[j] = true;
    w->r++;
    double ljj = sqrt(d);
    lch[j * p + j] = ljj;
    for (size_t i = j + 1; i < p; i++) {
      double v = xtx[i * p + j];
      for (size_t k = 0; k < j; k++)
        if (kept[k])
          v -= lch[i * p + k] * lch[j * p + k];
      lch[i * p + j] = v / ljj;
    }
  }
  size_t r = w->r;

  /* centring is harmless only when 1 is in the span of the kept columns:
   * residual of the ones vector, n - 1'X (X'X)^-1 X'1 */
  {
    double *b = alloc_array(r, sizeof *b);
    double *xr = alloc_matrix(r, r, sizeof *xr);
    double *copy = alloc_array(r, sizeof *copy);
    if (!b || !xr || !copy) {
      free(b);
      free(xr);
      free(copy);
      goto out;
    }
    size_t i = 0;
    for (size_t a = 0; a < p; a++) {
      if (!kept[a])
        continue;
      double col = 0.0;
      for (size_t s = 0; s < S; s++)
        col += sumx[s * p + a];
      b[i] = col;
      size_t jj = 0;
      for (size_t c = 0; c < p; c++)
        if (kept[c])
          xr[i * r + jj++] = xtx[a * p + c];
      i++;
    }
    bool in_span = false;
    if (chol(xr, r)) {
      memcpy(copy, b, r * sizeof *copy);
      chol_solve(xr, r, copy);
      double q = 0.0;
      for (size_t k = 0; k < r; k++)
        q += b[k] * copy[k];
      in_span = (double)w->n - q <= 1e-9 * (double)w->n;
    }
    free(copy);
    free(b);
    free(xr);
    if (!in_span) {
      /* undo the centring: y enters as is */
      double s2 = 0.0;
      for (size_t s = 0; s < S; s++)
        w->ybar[s] += centre;
      for (size_t g = 0; g < G; g++) {
        grp gr = {.idx = gidx, .val = gval};
        fn(ctx, g, &gr);
        s2 += gr.m2 + (double)gr.n * gr.mean * gr.mean;
      }
      w->tss = s2;
      centre = 0.0;
    }
  }
  w->centre = centre;

  /* reduce to the kept columns */
  w->keep = alloc_array(r, sizeof *w->keep);
  w->xbar = alloc_matrix(S, r, sizeof *w->xbar);
  w->nz_off = alloc_array(S + 1, sizeof *w->nz_off);
  w->nz_idx = alloc_matrix(S, r, sizeof *w->nz_idx);
  w->W = alloc_matrix(r, r, sizeof *w->W);
  w->wxy = alloc_array(r, sizeof *w->wxy);
  w->M = alloc_matrix(r, r, sizeof *w->M);
  w->L = alloc_matrix(r, r, sizeof *w->L);
  w->Minv = alloc_matrix(r, r, sizeof *w->Minv);
  w->G2 = alloc_matrix(r, r, sizeof *w->G2);
  w->tmp = alloc_matrix(r, r, sizeof *w->tmp);
  w->tmp2 = alloc_matrix(r, r, sizeof *w->tmp2);
  w->u = alloc_array(r, sizeof *w->u);
  w->beta = alloc_array(r, sizeof *w->beta);
  w->vec = alloc_array(r, sizeof *w->vec);
  w->ebar = alloc_array(S, sizeof *w->ebar);
  if (!w->keep || !w->xbar || !w->nz_off || !w->nz_idx || !w->W || !w->wxy || !w->M ||
      !w->L || !w->Minv || !w->G2 || !w->tmp || !w->tmp2 || !w->u || !w->beta ||
      !w->vec || !w->ebar)
    goto out;
  for (size_t j = 0, i = 0; j < p; j++)
    if (kept[j])
      w->keep[i++] = j;
  for (size_t a = 0; a < r; a++) {
    w->wxy[a] = wxyfull[w->keep[a]];
    for (size_t b = 0; b < r; b++)
      w->W[a * r + b] = wfull[w->keep[a] * p + w->keep[b]];
  }
  size_t nnz = 0;
  for (size_t s = 0; s < S; s++) {
    w->nz_off[s] = nnz;
    for (size_t a = 0; a < r; a++) {
      double v = xbfull[s * p + w->keep[a]];
      w->xbar[s * r + a] = v;
      if (v != 0.0)
        w->nz_idx[nnz++] = a;
    }
  }
  w->nz_off[S] = nnz;
  rc = PT_OK;
out:
  if (rc == PT_ENOMEM)
    pt_error_set(err, PT_ENOMEM, "out of memory fitting the session model");
  free(sid);
  free(gidx);
  free(gval);
  free(sumx);
  free(sumy);
  free(xtx);
  free(lch);
  free(wfull);
  free(xbfull);
  free(wxyfull);
  free(kept);
  return rc;
}

/* ---- one likelihood evaluation (L2)-(L5) ---- */

typedef struct eval {
  double f, fprime;  /* profiled REML criterion without its constant, and d/dlambda */
  double rho;
  bool ok;
} eval;

/* M(lambda), beta, rho, f, f'. Leaves M's Cholesky in w->L, M^-1 in
 * w->Minv, G_2 in w->G2, ebar in w->ebar, beta in w->beta. */
static eval evaluate(work *w, double lambda) {
  eval e = {NAN, NAN, NAN, false};
  size_t r = w->r, S = w->S;
  double ldh = 0.0, sum_om = 0.0, rho_p = 0.0;
  memcpy(w->M, w->W, r * r * sizeof *w->M);
  memcpy(w->u, w->wxy, r * sizeof *w->u);
  memset(w->G2, 0, r * r * sizeof *w->G2);
  double yhy = w->wyy;
  for (size_t s = 0; s < S; s++) {
    double n = w->ns[s];
    double om = n / (1.0 + n * lambda);  /* (L2) omega_s */
    double om2 = om * om;
    const double *xb = w->xbar + s * r;
    ldh += log1p(n * lambda);            /* (L1) log|H_s| */
    sum_om += om;
    yhy += om * w->ybar[s] * w->ybar[s];
    for (size_t a = w->nz_off[s]; a < w->nz_off[s + 1]; a++) {
      size_t i = w->nz_idx[a];
      w->u[i] += om * w->ybar[s] * xb[i];
      for (size_t b = w->nz_off[s]; b < w->nz_off[s + 1]; b++) {
        size_t j = w->nz_idx[b];
        w->M[i * r + j] += om * xb[i] * xb[j];
        w->G2[i * r + j] += om2 * xb[i] * xb[j];
      }
    }
  }
  memcpy(w->L, w->M, r * r * sizeof *w->L);
  if (!chol(w->L, r))
    return e;
  double ldm = 0.0;
  for (size_t i = 0; i < r; i++)
    ldm += 2.0 * log(w->L[i * r + i]);
  memcpy(w->beta, w->u, r * sizeof *w->beta);
  chol_solve(w->L, r, w->beta);           /* (L3) */
  double ub = 0.0;
  for (size_t i = 0; i < r; i++)
    ub += w->u[i] * w->beta[i];
  double rho = yhy - ub;
  chol_inverse(w->L, r, w->Minv, w->vec);
  for (size_t s = 0; s < S; s++) {
    double n = w->ns[s];
    double om = n / (1.0 + n * lambda);
    const double *xb = w->xbar + s * r;
    double fit = 0.0;
    for (size_t a = w->nz_off[s]; a < w->nz_off[s + 1]; a++)
      fit += xb[w->nz_idx[a]] * w->beta[w->nz_idx[a]];
    w->ebar[s] = w->ybar[s] - fit;
    rho_p -= om * om * w->ebar[s] * w->ebar[s];  /* (L5) rho' */
  }
  e.rho = rho;
  if (!(rho > 0.0))
    return e;
  double nr = (double)(w->n - r);
  e.f = ldh + ldm + nr * log(rho);                           /* (L4) */
  e.fprime = sum_om - trace_prod(w->Minv, w->G2, r) + nr * rho_p / rho;  /* (L5) */
  e.ok = isfinite(e.f) && isfinite(e.fprime);
  return e;
}

/* Brent's zeroin for f'(lambda) = 0 on [a, b] with fa < 0 < fb. */
static double zeroin(work *w, double a, double b, double fa, double fb) {
  double c = a, fc = fa, d = b - a, e = d;
  for (int it = 0; it < 200; it++) {
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
      d = e = b - a;
    }
    if (fabs(fc) < fabs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    double tol = 2.0 * DBL_EPSILON * fabs(b) + 1e-300;
    double m = 0.5 * (c - b);
    if (fabs(m) <= tol || fb == 0.0)
      return b;
    if (fabs(e) >= tol && fabs(fa) > fabs(fb)) {
      double s = fb / fa, p, q;
      if (a == c) {
        p = 2.0 * m * s;
        q = 1.0 - s;
      } else {
        double qq = fa / fc, rr = fb / fc;
        p = s * (2.0 * m * qq * (qq - rr) - (b - a) * (rr - 1.0));
        q = (qq - 1.0) * (rr - 1.0) * (s - 1.0);
      }
      if (p > 0)
        q = -q;
      else
        p = -p;
      if (2.0 * p < 3.0 * m * q - fabs(tol * q) && p < fabs(0.5 * e * q)) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += fabs(d) > tol ? d : (m > 0 ? tol : -tol);
    eval ev = evaluate(w, b);
    if (!ev.ok)
      return NAN;
    fb = ev.fprime;
  }
  return b;
}

/* (L6): the REML estimate of lambda. *no_within when f keeps falling. */
static double optimise(work *w, bool *no_within, pt_error *err) {
  *no_within = false;
  size_t ng = GRID_MAX;
  double grid[GRID_MAX], fv[GRID_MAX], dv[GRID_MAX];
  bool okv[GRID_MAX];
  grid[0] = 0.0;
  for (size_t k = 1; k < ng; k++)
    grid[k] = pow(10.0, GRID_LO + GRID_STEP * (double)(k - 1));
  for (size_t k = 0; k < ng; k++) {
    eval e = evaluate(w, grid[k]);
    okv[k] = e.ok;
    fv[k] = e.f;
    dv[k] = e.fprime;
  }
  double best = NAN, best_f = INFINITY;
  if (okv[0] && dv[0] >= 0.0) {
    best = 0.0;
    best_f = fv[0];
  }
  for (size_t k = 1; k < ng; k++) {
    if (!okv[k] || !okv[k - 1] || !(dv[k - 1] < 0.0 && dv[k] >= 0.0))
      continue;
    double root = dv[k] == 0.0 ? grid[k] : zeroin(w, grid[k - 1], grid[k], dv[k - 1], dv[k]);
    if (!isfinite(root))
      continue;
    eval e = evaluate(w, root);
    if (e.ok && e.f < best_f) {
      best = root;
      best_f = e.f;
    }
  }
  if (okv[ng - 1] && dv[ng - 1] < 0.0 && fv[ng - 1] < best_f) {
    *no_within = true;
    best = grid[ng - 1];
    best_f = fv[ng - 1];
  }
  if (isnan(best)) {
    pt_error_set(err, PT_EINTERNAL, "the REML criterion could not be evaluated");
    return NAN;
  }
  /* lme4's boundary check */
  if (best > 0.0 && sqrt(best) < BOUNDARY_THETA && okv[0] && fv[0] <= best_f)
    best = 0.0;
  return best;
}

/* 2x2 symmetric h -> 2 h^+ keeping eigenvalues > EIGEN_TOL (L9). */
static void vcov_varpar(const double h[4], double out[4]) {
  double a = h[0], b = h[1], c = h[3];
  double mid = 0.5 * (a + c), rad = hypot(0.5 * (a - c), b);
  double ev[2] = {mid + rad, mid - rad};
  out[0] = out[1] = out[2] = out[3] = 0.0;
  for (int k = 0; k < 2; k++) {
    if (!(ev[k] > EIGEN_TOL))
      continue;
    double vx, vy;
    if (fabs(b) > 0.0) {
      vx = b;
      vy = ev[k] - a;
      if (fabs(vx) + fabs(vy) == 0.0 || (k == 1 && fabs(ev[0] - ev[1]) == 0.0)) {
        vx = k == 0 ? 1 : 0;
        vy = k == 0 ? 0 : 1;
      }
    } else if ((a >= c) == (k == 0)) {
      vx = 1;
      vy = 0;
    } else {
      vx = 0;
      vy = 1;
    }
    double nrm = hypot(vx, vy);
    vx /= nrm;
    vy /= nrm;
    out[0] += 2.0 * vx * vx / ev[k];
    out[1] += 2.0 * vx * vy / ev[k];
    out[2] += 2.0 * vx * vy / ev[k];
    out[3] += 2.0 * vy * vy / ev[k];
  }
}

static pt_code fit_alloc(pt_lmm_fit *fit, size_t p, pt_error *err) {
  fit->dropped = alloc_array(p, sizeof *fit->dropped);
  fit->beta = alloc_array(p, sizeof *fit->beta);
  fit->vcov = alloc_matrix(p, p, sizeof *fit->vcov);
  fit->dvcov_theta = alloc_matrix(p, p, sizeof *fit->dvcov_theta);
  if (!fit->dropped || !fit->beta || !fit->vcov || !fit->dvcov_theta)
    return pt_error_set(err, PT_ENOMEM, "out of memory fitting the session model");
  for (size_t i = 0; i < p * p; i++)
    fit->vcov[i] = fit->dvcov_theta[i] = NAN;
  for (size_t i = 0; i < p; i++) {
    fit->beta[i] = NAN;
    fit->dropped[i] = true;
  }
  return PT_OK;
}

/* Is every session indicator in the span of X? (L8) Uses w->Minv at
 * lambda = 0 (= (X'X)^-1). */
static bool sessions_in_span(const work *w) {
  size_t r = w->r;
  for (size_t s = 0; s < w->S; s++) {
    const double *xb = w->xbar + s * r;
    double q = 0.0;
    for (size_t a = w->nz_off[s]; a < w->nz_off[s + 1]; a++)
      for (size_t b = w->nz_off[s]; b < w->nz_off[s + 1]; b++) {
        size_t i = w->nz_idx[a], j = w->nz_idx[b];
        q += xb[i] * w->Minv[i * r + j] * xb[j];
      }
    if (1.0 - w->ns[s] * q > SPAN_TOL)
      return false;
  }
  return true;
}

/* Copy beta (from the last evaluate() at lambda) into the fit, adding the
 * centre back: beta(y) = beta(y - c) + c beta(1), and beta(1) solves
 * M b = X'H^-1 1 = sum_s omega_s xbar_s. */
static void add_estimates(work *w, pt_lmm_fit *fit, double lambda) {
  size_t r = w->r;
  for (size_t a = 0; a < r; a++) {
    fit->dropped[w->keep[a]] = false;
    fit->beta[w->keep[a]] = w->beta[a];
  }
  if (w->centre == 0.0)
    return;
  for (size_t a = 0; a < r; a++)
    w->vec[a] = 0.0;
  for (size_t s = 0; s < w->S; s++) {
    double om = w->ns[s] / (1.0 + w->ns[s] * lambda);
    for (size_t a = w->nz_off[s]; a < w->nz_off[s + 1]; a++)
      w->vec[w->nz_idx[a]] += om * w->xbar[s * r + w->nz_idx[a]];
  }
  chol_solve(w->L, r, w->vec);
  for (size_t a = 0; a < r; a++)
    fit->beta[w->keep[a]] += w->centre * w->vec[a];
}

/* Fill the fit from the work at lambda (the last evaluate() was at lambda). */
static void finish(work *w, pt_lmm_fit *fit, double lambda, bool fitted_sb) {
  size_t r = w->r, p = w->p, S = w->S;
  double nr = (double)(w->n - r);
  eval e = evaluate(w, lambda);
  double sigma2 = e.rho / nr;
  double sigma = sqrt(sigma2);
  double theta = sqrt(lambda);
  add_estimates(w, fit, lambda);
  fit->theta = fitted_sb ? theta : 0.0;
  fit->sigma_w = sigma;
  fit->sigma_b = fitted_sb ? theta * sigma : NAN;
  fit->singular = fitted_sb && lambda == 0.0;
  fit->reml = e.f + nr * (1.0 + log(2.0 * M_PI / nr));  /* (L4) */
  for (size_t a = 0; a < r; a++)
    for (size_t b = 0; b < r; b++)
      fit->vcov[w->keep[a] * p + w->keep[b]] = sigma2 * w->Minv[a * r + b];

  /* (L9) Hessian of the REML deviance in (theta, sigma) */
  double sum_om2 = 0.0, sum_om3e2 = 0.0, rho_p = 0.0;
  double *G3 = w->tmp2;
  memset(G3, 0, r * r * sizeof *G3);
  for (size_t a = 0; a < r; a++)
    w->vec[a] = 0.0;  /* g */
  for (size_t s = 0; s < S; s++) {
    double om = w->ns[s] / (1.0 + w->ns[s] * lambda);
    double om2 = om * om, om3 = om2 * om, eb = w->ebar[s];
    const double *xb = w->xbar + s * r;
    sum_om2 += om2;
    sum_om3e2 += om3 * eb * eb;
    rho_p -= om2 * eb * eb;
    for (size_t a = w->nz_off[s]; a < w->nz_off[s + 1]; a++) {
      size_t i = w->nz_idx[a];
      w->vec[i] += om2 * eb * xb[i];
      for (size_t b = w->nz_off[s]; b < w->nz_off[s + 1]; b++) {
        size_t j = w->nz_idx[b];
        G3[i * r + j] += om3 * xb[i] * xb[j];
      }
    }
  }
  mat_mul(w->Minv, w->G2, w->tmp, r);  /* M^-1 G2 */
  double tr_mg_sq = 0.0;
  for (size_t i = 0; i < r; i++)
    for (size_t j = 0; j < r; j++)
      tr_mg_sq += w->tmp[i * r + j] * w->tmp[j * r + i];
  double a2 = -sum_om2 + 2.0 * trace_prod(w->Minv, G3, r) - tr_mg_sq;
  double rho2 = 2.0 * (sum_om3e2 - quad_form(w->Minv, w->vec, r));
  double F_l = e.fprime;
  double F_ll = a2 + rho2 / sigma2;
  double F_ls = -2.0 * rho_p / (sigma2 * sigma);
  double F_ss = 6.0 * e.rho / (sigma2 * sigma2) - 2.0 * nr / sigma2;
  double h[4];
  if (fitted_sb) {
    h[0] = 2.0 * F_l + 4.0 * lambda * F_ll;
    h[1] = h[2] = 2.0 * theta * F_ls;
  } else {
    h[0] = h[1] = h[2] = 0.0;  /* theta is not a parameter */
  }
  h[3] = F_ss;
  vcov_varpar(h, fit->vcov_varpar);

  /* (L10) d vcov / d theta = 2 theta sigma^2 M^-1 G2 M^-1 */
  mat_mul(w->tmp, w->Minv, w->M, r);  /* M^-1 G2 M^-1 into M (no longer needed) */
  for (size_t a = 0; a < r; a++)
    for (size_t b = 0; b < r; b++)
      fit->dvcov_theta[w->keep[a] * p + w->keep[b]] =
          fitted_sb ? 2.0 * theta * sigma2 * w->M[a * r + b] : 0.0;
}

/* The fit shared by pt_lmm_fit_reml and pt_lmm_compare. */
static pt_code fit_groups(const void *ctx, grp_fn fn, size_t G, size_t p, size_t n_sessions,
                          pt_lmm_fit *fit, pt_error *err) {
  work w;
  memset(fit, 0, sizeof *fit);
  fit->theta = fit->sigma_w = fit->sigma_b = fit->reml = NAN;
  for (int i = 0; i < 4; i++)
    fit->vcov_varpar[i] = NAN;
  pt_code rc = work_build(&w, ctx, fn, G, p, n_sessions, err);
  if (rc == PT_OK)
    rc = fit_alloc(fit, p, err);
  if (rc != PT_OK) {
    work_free(&w);
    return rc;
  }
  fit->n = w.n;
  fit->p = p;
  fit->rank = w.r;
  fit->sessions = w.S;
  size_t r = w.r;
  double max_ns = 0.0;
  for (size_t s = 0; s < w.S; s++)
    if (w.ns[s] > max_ns)
      max_ns = w.ns[s];

  eval e0 = evaluate(&w, 0.0);
  if (isnan(e0.rho)) {
    work_free(&w);
    return pt_error_set(err, PT_EINTERNAL, "the least-squares fit failed");
  }
  if (w.n == r || !(e0.rho > EXACT_TOL * w.tss)) {
    /* (L8) no residual: the least-squares estimates, nothing else */
    fit->status = PT_LMM_EXACT;
    add_estimates(&w, fit, 0.0);
    fit->sigma_w = w.n == r ? NAN : 0.0;
    work_free(&w);
    return PT_OK;
  }
  if (sessions_in_span(&w)) {
    fit->status = PT_LMM_NO_BETWEEN;
    finish(&w, fit, 0.0, false);
  } else if (max_ns <= 1.0) {
    fit->status = PT_LMM_ROWS_ARE_SESSIONS;
    finish(&w, fit, 0.0, false);
  } else {
    bool no_within;
    double lambda = optimise(&w, &no_within, err);
    if (isnan(lambda)) {
      work_free(&w);
      return PT_EINTERNAL;
    }
    if (no_within) {
      fit->status = PT_LMM_NO_WITHIN;
      finish(&w, fit, lambda, true);
      fit->sigma_w = 0.0;
      fit->sigma_b = NAN;
      fit->reml = NAN;
      fit->singular = false;
      for (size_t i = 0; i < p * p; i++)
        fit->vcov[i] = fit->dvcov_theta[i] = NAN;
      for (int i = 0; i < 4; i++)
        fit->vcov_varpar[i] = NAN;
    } else {
      fit->status = PT_LMM_OK;
      finish(&w, fit, lambda, true);
    }
  }
  work_free(&w);
  return PT_OK;
}

/* ---- dense input ---- */

static bool dense_grp(const void *ctx, size_t g, grp *out) {
  const pt_lmm_data *d = ctx;
  out->session = d->session[g];
  out->n = d->count[g];
  out->mean = d->mean[g];
  out->m2 = d->m2[g];
  out->nnz = 0;
  const double *x = d->x + g * d->p;
  for (size_t j = 0; j < d->p; j++)
    if (x[j] != 0.0) {
      out->idx[out->nnz] = j;
      out->val[out->nnz++] = x[j];
    }
  return true;
}

pt_code pt_lmm_fit_reml(const pt_lmm_data *data, pt_lmm_fit *fit, pt_error *err) {
  memset(fit, 0, sizeof *fit);
  if (!data || (data->n_groups && (!data->x || !data->session || !data->count ||
                                   !data->mean || !data->m2)))
    return pt_error_set(err, PT_EDATA, "no data to fit");
  if (data->p != 0 && data->n_groups > SIZE_MAX / data->p)
    return pt_error_set(err, PT_EDATA, "design too large");
  return fit_groups(data, dense_grp, data->n_groups, data->p, data->n_sessions, fit, err);
}

void pt_lmm_fit_free(pt_lmm_fit *fit) {
  if (!fit)
    return;
  free(fit->dropped);
  free(fit->beta);
  free(fit->vcov);
  free(fit->dvcov_theta);
  memset(fit, 0, sizeof *fit);
}

pt_code pt_lmm_contrast(const pt_lmm_fit *fit, const double *L, pt_lmm_test *out,
                        pt_error *err) {
  size_t p = fit->p;
  out->estimate = out->se = out->df = out->t = out->p = NAN;
  double est = 0.0;
  for (size_t i = 0; i < p; i++) {
    if (L[i] == 0.0)
      continue;
    if (fit->dropped[i])
      return pt_error_set(err, PT_EDATA,
                          "the contrast weighs design column %zu, which is aliased with "
                          "earlier columns and was dropped", i);
    est += L[i] * fit->beta[i];
  }
  out->estimate = est;
  if (!(fit->status == PT_LMM_OK || fit->status == PT_LMM_NO_BETWEEN ||
        fit->status == PT_LMM_ROWS_ARE_SESSIONS))
    return PT_OK;
  /* (L10) */
  double v = 0.0, gt = 0.0;
  for (size_t i = 0; i < p; i++) {
    if (L[i] == 0.0)
      continue;
    for (size_t j = 0; j < p; j++) {
      if (L[j] == 0.0)
        continue;
      v += L[i] * fit->vcov[i * p + j] * L[j];
      gt += L[i] * fit->dvcov_theta[i * p + j] * L[j];
    }
  }
  if (!(v > 0.0))
    return PT_OK;
  double gs = 2.0 * v / fit->sigma_w;
  const double *A = fit->vcov_varpar;
  double denom = gt * gt * A[0] + 2.0 * gt * gs * A[1] + gs * gs * A[3];
  out->se = sqrt(v);
  out->df = denom > 0.0 ? 2.0 * v * v / denom : INFINITY;
  out->t = est / out->se;
  out->p = 2.0 * pt_t_cdf(-fabs(out->t), out->df);
  if (out->p > 1.0)
    out->p = 1.0;
  return PT_OK;
}

/* ---- the environment comparison ---- */

typedef struct cmp_ctx {
  const pt_lmm_cell *cells;
  size_t *session;  /* [n_cells] compact session */
  size_t *col;      /* [n_cells] block column, 0 for the reference block */
} cmp_ctx;

static bool cell_grp(const void *vctx, size_t g, grp *out) {
  const cmp_ctx *c = vctx;
  const pt_lmm_cell *cell = &c->cells[g];
  out->session = c->session[g];
  out->n = cell->n;
  out->mean = cell->mean;
  out->m2 = cell->m2;
  out->nnz = 0;
  out->idx[out->nnz] = 0;
  out->val[out->nnz++] = 1.0;
  if (cell->compared) {
    out->idx[out->nnz] = 1;
    out->val[out->nnz++] = 1.0;
  }
  if (c->col[g]) {
    out->idx[out->nnz] = c->col[g];
    out->val[out->nnz++] = 1.0;
  }
  return true;
}

typedef struct keyed {
  size_t key, pos;
} keyed;

static int cmp_keyed(const void *pa, const void *pb) {
  const keyed *a = pa, *b = pb;
  if (a->key != b->key)
    return a->key < b->key ? -1 : 1;
  return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Rank keys: out[i] = index of key i among the distinct keys, ascending.
 * Returns the number of distinct keys, or SIZE_MAX on allocation failure. */
static size_t rank_keys(const pt_lmm_cell *cells, size_t n, bool by_block, size_t *out) {
  keyed *k = alloc_array(n, sizeof *k);
  if (!k)
    return SIZE_MAX;
  for (size_t i = 0; i < n; i++) {
    k[i].key = by_block ? cells[i].block : cells[i].session;
    k[i].pos = i;
  }
  qsort(k, n, sizeof *k, cmp_keyed);
  size_t distinct = 0;
  for (size_t i = 0; i < n; i++) {
    if (i > 0 && k[i].key != k[i - 1].key)
      distinct++;
    out[k[i].pos] = distinct;
  }
  free(k);
  return n ? distinct + 1 : 0;
}

pt_code pt_lmm_compare(const pt_lmm_cell *cells, size_t n_cells, pt_lmm_comparison *out,
                       pt_error *err) {
  memset(out, 0, sizeof *out);
  out->env.estimate = out->env.se = out->env.df = out->env.t = out->env.p = NAN;
  out->sigma_b = out->sigma_w = out->reml = NAN;
  if (n_cells == 0)
    return pt_error_set(err, PT_EDATA, "no data to compare");
  pt_code rc = PT_ENOMEM;
  cmp_ctx c = {cells, alloc_array(n_cells, sizeof(size_t)), alloc_array(n_cells, sizeof(size_t))};
  signed char *env = NULL;
  double *L = NULL;
  pt_lmm_fit fit;
  memset(&fit, 0, sizeof fit);
  if (!c.session || !c.col)
    goto out;
  size_t S = rank_keys(cells, n_cells, false, c.session);
  size_t K = rank_keys(cells, n_cells, true, c.col);
  if (S == SIZE_MAX || K == SIZE_MAX)
    goto out;
  env = alloc_array(S, 1);
  if (!env)
    goto out;
  size_t rows[2] = {0, 0};
  for (size_t i = 0; i < n_cells; i++) {
    const pt_lmm_cell *cell = &cells[i];
    if (cell->n == 0 || !isfinite(cell->mean) || !isfinite(cell->m2) || cell->m2 < 0.0) {
      rc = pt_error_set(err, PT_EDATA,
                        "cell %zu (session %zu, block %zu): needs at least one row and "
                        "finite values", i, cell->session, cell->block);
      goto out;
    }
    signed char e = cell->compared ? 2 : 1;
    size_t s = c.session[i];
    if (env[s] && env[s] != e) {
      rc = pt_error_set(err, PT_EDATA, "session %zu has rows in both environments",
                        cell->session);
      goto out;
    }
    if (!env[s]) {
      env[s] = e;
      if (cell->compared)
        out->sessions_compared++;
      else
        out->sessions_baseline++;
    }
    rows[cell->compared] += cell->n;
  }
  if (rows[0] == 0 || rows[1] == 0) {
    rc = pt_error_set(err, PT_EDATA, "the %s environment has no rows",
                      rows[0] == 0 ? "baseline" : "compared");
    goto out;
  }
  /* columns: intercept, environment, blocks 2..K (the first is the reference) */
  for (size_t i = 0; i < n_cells; i++)
    c.col[i] = c.col[i] == 0 ? 0 : c.col[i] + 1;
  size_t p = K + 1;
  rc = fit_groups(&c, cell_grp, n_cells, p, S, &fit, err);
  if (rc != PT_OK)
    goto out;
  L = alloc_array(p, sizeof *L);
  if (!L) {
    rc = PT_ENOMEM;
    goto out;
  }
  out->status = fit.status;
  out->n = fit.n;
  out->blocks = K;
  for (size_t j = 2; j < p; j++)
    out->blocks_dropped += fit.dropped[j];
  if (fit.dropped[1]) {
    rc = pt_error_set(err, PT_EDATA, "the environment is aliased with the intercept");
    goto out;
  }
  L[1] = 1.0;
  rc = pt_lmm_contrast(&fit, L, &out->env, err);
  out->sigma_b = fit.sigma_b;
  out->sigma_w = fit.sigma_w;
  out->singular = fit.singular;
  out->reml = fit.reml;
out:
  if (rc == PT_ENOMEM && err && err->code != PT_ENOMEM)
    pt_error_set(err, PT_ENOMEM, "out of memory comparing environments");
  pt_lmm_fit_free(&fit);
  free(c.session);
  free(c.col);
  free(env);
  free(L);
  return rc;
}

/* ---- penalty, verdict, Holm ---- */

void pt_lmm_penalty(const pt_lmm_test *t, double confidence, bool higher_is_better,
                    double *penalty, double *low, double *high) {
  *penalty = pt_ratio_to_penalty(exp(t->estimate), higher_is_better);  /* (L11) */
  *low = *high = NAN;
  if (!(t->se > 0.0) || !isfinite(t->se) || !(t->df > 0.0) || !(confidence > 0.0) ||
      !(confidence < 1.0))
    return;
  double q = pt_t_quantile(1.0 - (1.0 - confidence) / 2.0, t->df);
  double a = pt_ratio_to_penalty(exp(t->estimate - q * t->se), higher_is_better);
  double b = pt_ratio_to_penalty(exp(t->estimate + q * t->se), higher_is_better);
  *low = fmin(a, b);
  *high = fmax(a, b);
}

pt_verdict pt_lmm_verdict(pt_lmm_status status, double log_ratio, double p_adjusted,
                          double alpha, bool higher_is_better) {
  if (!pt_lmm_status_determined(status) || isnan(p_adjusted) || isnan(log_ratio))
    return PT_VERDICT_UNDETERMINED;
  if (!(p_adjusted < alpha) || log_ratio == 0.0)
    return PT_VERDICT_NO_DIFFERENCE;
  bool worse = higher_is_better ? log_ratio < 0.0 : log_ratio > 0.0;
  return worse ? PT_VERDICT_WORSE : PT_VERDICT_BETTER;
}

pt_verdict pt_lmm_comparison_verdict(const pt_lmm_comparison *c, double p_adjusted,
                                     double alpha, bool higher_is_better) {
  if (!pt_lmm_comparison_determined(c))
    return PT_VERDICT_UNDETERMINED;  /* (L13) */
  return pt_lmm_verdict(c->status, c->env.estimate, p_adjusted, alpha, higher_is_better);
}

typedef struct pv {
  double p;
  size_t i;
} pv;

static int cmp_pv(const void *pa, const void *pb) {
  const pv *a = pa, *b = pb;
  if (a->p != b->p)
    return a->p < b->p ? -1 : 1;
  return a->i < b->i ? -1 : a->i > b->i;
}

pt_code pt_holm(const double *p, size_t n, double *adjusted, pt_error *err) {
  pv *v = alloc_array(n, sizeof *v);
  if (!v)
    return pt_error_set(err, PT_ENOMEM, "out of memory adjusting p-values");
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (isnan(p[i]))
      continue;
    if (!(p[i] >= 0.0 && p[i] <= 1.0)) {
      free(v);
      return pt_error_set(err, PT_EDATA, "p-value %zu is outside [0, 1]: %g", i, p[i]);
    }
    v[m].p = p[i];
    v[m].i = i;
    m++;
  }
  qsort(v, m, sizeof *v, cmp_pv);
  for (size_t i = 0; i < n; i++)
    if (isnan(p[i]))
      adjusted[i] = NAN;
  double run = 0.0;
  for (size_t k = 0; k < m; k++) {
    double a = fmin(1.0, (double)(m - k) * v[k].p);  /* (L12) */
    run = fmax(run, a);
    adjusted[v[k].i] = run;
  }
  free(v);
  return PT_OK;
}
