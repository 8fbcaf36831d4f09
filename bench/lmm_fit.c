/* bench/lmm_fit.c - time the session model on a million trials.
 *
 *   lmm_fit [ROWS [SESSIONS [PROMPTS]]] [--csv FILE]
 *
 * Simulates ROWS trials (default 1,000,000) in SESSIONS sessions (default
 * 200, alternating bare-metal and vm) over PROMPTS prompts (default 5;
 * prompts 10 % apart, session sd 1 %, trial CV 0.5 %, vm 1 % slower),
 * then times (1) reading the rows into (session, prompt) cells with pt_acc
 * and fitting them with pt_lmm_compare - what analyze does - and (2)
 * pt_lmm_fit_reml on every row as its own group with a dense design. Prints
 * both times and the estimates. With --csv it also writes the rows as a
 * trials.csv for a peer tool (bench/lmm.sh times R's lmerTest on it).
 * Built by `cmake --build DIR --target bench-lmm`.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/lmm.h"
#include "analyze/stats.h"

static uint64_t rng_state = 20240611;
static uint64_t rng_next(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static double rng_normal(void) {
  double u1 = ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
  double u2 = ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void print_cmp(const char *what, double secs, const pt_lmm_test *t, double sb,
                      double sw) {
  printf("%-34s %8.3f s   log ratio %+.6f  se %.6f  df %7.2f  sigma_b %.5f  sigma_w %.5f\n",
         what, secs, t->estimate, t->se, t->df, sb, sw);
}

int main(int argc, char **argv) {
  size_t rows = 1000000, sessions = 200, prompts = 5;
  const char *csv = NULL;
  size_t pos = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
      csv = argv[++i];
      continue;
    }
    size_t v = strtoul(argv[i], NULL, 10);
    if (v == 0) {
      fprintf(stderr, "usage: lmm_fit [ROWS [SESSIONS [PROMPTS]]] [--csv FILE]\n");
      return 2;
    }
    if (pos == 0)
      rows = v;
    else if (pos == 1)
      sessions = v;
    else
      prompts = v;
    pos++;
  }
  if (sessions < 2 || prompts < 1 || rows < sessions * prompts) {
    fprintf(stderr, "lmm_fit: need at least 2 sessions and a row per session and prompt\n");
    return 2;
  }
  size_t *sess = malloc(rows * sizeof *sess), *prompt = malloc(rows * sizeof *prompt);
  double *rate = malloc(rows * sizeof *rate);
  double *u = malloc(sessions * sizeof *u);
  if (!sess || !prompt || !rate || !u)
    return 1;
  for (size_t s = 0; s < sessions; s++)
    u[s] = 0.01 * rng_normal();
  for (size_t i = 0; i < rows; i++) {
    size_t s = i * sessions / rows;  /* sessions are runs of consecutive rows */
    size_t k = i % prompts;
    double y = log(50.1) + (prompts > 1 ? 0.10 * ((double)k / (double)(prompts - 1) - 0.5) : 0) +
               (s % 2 ? log(0.99) : 0.0) + u[s] + 0.005 * rng_normal();
    sess[i] = s;
    prompt[i] = k;
    rate[i] = exp(y);
  }
  if (csv) {
    FILE *fp = fopen(csv, "w");
    if (!fp) {
      perror(csv);
      return 1;
    }
    fprintf(fp, "run_id,environment,prompt_id,eval_rate\n");
    for (size_t i = 0; i < rows; i++)
      fprintf(fp, "s%zu,%s,p%zu,%.17g\n", sess[i], sess[i] % 2 ? "vm" : "bare-metal",
              prompt[i], rate[i]);
    if (fclose(fp) != 0) {
      perror(csv);
      return 1;
    }
  }
  printf("%zu rows, %zu sessions, %zu prompts\n", rows, sessions, prompts);

  /* (1) cells, as analyze reads them: log, pt_acc per (session, prompt), fit */
  double t0 = now();
  pt_acc *acc = malloc(sessions * prompts * sizeof *acc);
  pt_lmm_cell *cells = malloc(sessions * prompts * sizeof *cells);
  if (!acc || !cells)
    return 1;
  for (size_t c = 0; c < sessions * prompts; c++)
    pt_acc_init(&acc[c]);
  for (size_t i = 0; i < rows; i++)
    pt_acc_push(&acc[sess[i] * prompts + prompt[i]], log(rate[i]));
  size_t nc = 0;
  for (size_t s = 0; s < sessions; s++)
    for (size_t k = 0; k < prompts; k++) {
      const pt_acc *a = &acc[s * prompts + k];
      if (a->n)
        cells[nc++] = (pt_lmm_cell){s, k, s % 2 == 1, a->n, a->mean, a->m2};
    }
  double t1 = now();
  pt_lmm_comparison cmp;
  pt_error err;
  if (pt_lmm_compare(cells, nc, &cmp, &err) != PT_OK) {
    fprintf(stderr, "lmm_fit: %s\n", err.msg);
    return 1;
  }
  double t2 = now();
  printf("cells: read %.3f s + fit %.4f s\n", t1 - t0, t2 - t1);
  print_cmp("rows -> cells -> pt_lmm_compare", t2 - t0, &cmp.env, cmp.sigma_b, cmp.sigma_w);

  /* (2) every row its own group, dense design: intercept, vm, prompts 2.. */
  size_t p = prompts + 1;
  double *x = calloc(rows * p, sizeof *x), *mean = malloc(rows * sizeof *mean);
  double *m2 = calloc(rows, sizeof *m2);
  size_t *count = malloc(rows * sizeof *count);
  if (!x || !mean || !m2 || !count)
    return 1;
  t0 = now();
  for (size_t i = 0; i < rows; i++) {
    x[i * p] = 1.0;
    x[i * p + 1] = sess[i] % 2 ? 1.0 : 0.0;
    if (prompt[i] > 0)
      x[i * p + 1 + prompt[i]] = 1.0;
    mean[i] = log(rate[i]);
    count[i] = 1;
  }
  pt_lmm_data data = {rows, p, sessions, x, sess, count, mean, m2};
  pt_lmm_fit fit;
  if (pt_lmm_fit_reml(&data, &fit, &err) != PT_OK) {
    fprintf(stderr, "lmm_fit: %s\n", err.msg);
    return 1;
  }
  double *L = calloc(p, sizeof *L);
  if (!L)
    return 1;
  L[1] = 1.0;
  pt_lmm_test t;
  pt_lmm_contrast(&fit, L, &t, &err);
  t1 = now();
  print_cmp("rows -> pt_lmm_fit_reml (dense)", t1 - t0, &t, fit.sigma_b, fit.sigma_w);
  pt_lmm_fit_free(&fit);
  free(L);
  free(x);
  free(mean);
  free(m2);
  free(count);
  free(acc);
  free(cells);
  free(sess);
  free(prompt);
  free(rate);
  free(u);
  return 0;
}
