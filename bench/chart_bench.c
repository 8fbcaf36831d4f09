/* bench/chart_bench.c - time the trial charts (render/chart.h) on a study of
 * MODELS x ENVS x SESSIONS (per environment) x TRIALS (per model and
 * session): build and lay out each chart, then render it as PNG, SVG and
 * PDF in memory; print the best of RUNS wall times of each step and the
 * output sizes. Run by bench/charts.sh beside R's graphics on the same data.
 *
 *   chart-bench [--models N] [--envs N] [--sessions N] [--trials N]
 *               [--runs N] [--csv FILE] [--out DIR]
 *
 * --csv writes the generated trials (model,environment,session,seq,value) so
 * the peer draws the very same points; --out keeps the chart files.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/fs.h"
#include "render/chart.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int parse_count(const char *opt, const char *s, size_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end || v == 0 || v > 100000) {
    fprintf(stderr, "chart-bench: %s wants a count from 1 to 100000, not '%s'\n", opt, s);
    return -1;
  }
  *out = (size_t)v;
  return 0;
}

int main(int argc, char **argv) {
  size_t nmodel = 12, nenv = 3, sess_per_env = 10, trials = 100, runs = 5;
  const char *csv = NULL, *outdir = NULL;
  for (int i = 1; i < argc; i++) {
    size_t *target = !strcmp(argv[i], "--models")     ? &nmodel
                     : !strcmp(argv[i], "--envs")     ? &nenv
                     : !strcmp(argv[i], "--sessions") ? &sess_per_env
                     : !strcmp(argv[i], "--trials")   ? &trials
                     : !strcmp(argv[i], "--runs")     ? &runs
                                                      : NULL;
    if (i + 1 >= argc) {
      fprintf(stderr, "chart-bench: '%s' wants a value\n", argv[i]);
      return 2;
    }
    if (target) {
      if (parse_count(argv[i], argv[i + 1], target))
        return 2;
    } else if (!strcmp(argv[i], "--csv")) {
      csv = argv[i + 1];
    } else if (!strcmp(argv[i], "--out")) {
      outdir = argv[i + 1];
    } else {
      fprintf(stderr, "chart-bench: unknown option '%s'\n", argv[i]);
      return 2;
    }
    i++;
  }
  if (nenv > 7 || nmodel > 1000) {
    fprintf(stderr, "chart-bench: at most 7 environments and 1000 models\n");
    return 2;
  }
  static const char *const env_names[] = {"bare-metal", "vm", "container", "e4", "e5", "e6", "e7"};
  size_t nsess = nenv * sess_per_env, np = nsess * nmodel * trials;
  pt_chart_env envs[7];
  char (*names)[32] = calloc(nmodel, sizeof *names);
  const char **models = calloc(nmodel, sizeof *models);
  pt_chart_session *sessions = calloc(nsess, sizeof *sessions);
  pt_chart_point *points = calloc(np, sizeof *points);
  if (!names || !models || !sessions || !points) {
    fprintf(stderr, "chart-bench: out of memory\n");
    return 1;
  }
  for (size_t e = 0; e < nenv; e++)
    envs[e] = (pt_chart_env){env_names[e], NULL, e == 0};
  for (size_t m = 0; m < nmodel; m++) {
    snprintf(names[m], sizeof names[m], "model-%02zu:%zub", m + 1, m + 7);
    models[m] = names[m];
  }
  /* Rates: a level per model, environments 1.5 % apart, a 3 % drift over
   * the session, a slow first trial, 2 % noise (an LCG, so runs agree). */
  uint64_t st = 7;
  size_t k = 0;
  for (size_t s = 0; s < nsess; s++) {
    sessions[s] = (pt_chart_session){s % nenv, NULL};
    for (size_t t = 0; t < trials; t++)
      for (size_t m = 0; m < nmodel; m++) {
        st = st * 6364136223846793005u + 1442695040888963407u;
        double noise = ((double)(st >> 11) / 9007199254740992.0 - 0.5) * 0.04;
        long seq = (long)(t * nmodel + m + 1);
        double v = (60 - 3 * (double)(m % 15)) * (1 - 0.015 * (double)(s % nenv)) *
                   (1 - 0.03 * (double)t / (double)trials) * (t == 0 ? 0.85 : 1) * (1 + noise);
        points[k++] = (pt_chart_point){m, s, seq, v};
      }
  }
  if (csv) {
    FILE *f = fopen(csv, "w");
    if (!f) {
      fprintf(stderr, "chart-bench: %s: %s\n", csv, strerror(errno));
      return 1;
    }
    fprintf(f, "model,environment,session,rank,seq,value\n");
    for (size_t i = 0; i < np; i++)
      fprintf(f, "%s,%s,%zu,%zu,%ld,%.6f\n", models[points[i].model],
              envs[sessions[points[i].session].env].name, points[i].session,
              points[i].session / nenv, points[i].seq, points[i].value);
    if (fclose(f)) {
      fprintf(stderr, "chart-bench: %s: %s\n", csv, strerror(errno));
      return 1;
    }
  }
  pt_chart_points in = {"Generation rate", "tokens/s", true, envs, nenv, models, nmodel,
                        sessions, nsess, points, np};

  static const pt_chart_kind kinds[] = {PT_CHART_DISTRIBUTION, PT_CHART_TIMELINE};
  static const pt_chart_format fmts[] = {PT_CHART_PNG, PT_CHART_SVG, PT_CHART_PDF};
  printf("ptbench charts: %zu models x %zu environments x %zu sessions x %zu trials = %zu "
         "points, best of %zu\n", nmodel, nenv, sess_per_env, trials, np, runs);
  double total = 0;
  int rc = 0;
  for (size_t ki = 0; ki < 2 && !rc; ki++) {
    double best_build = INFINITY, best[3] = {INFINITY, INFINITY, INFINITY};
    size_t size[3] = {0};
    for (size_t r = 0; r < runs && !rc; r++) {
      pt_error err;
      double t0 = now_ms();
      pt_chart *c = pt_chart_points_new(&in, kinds[ki], &err);
      double t1 = now_ms();
      if (!c) {
        fprintf(stderr, "chart-bench: %s\n", err.msg);
        return 1;
      }
      best_build = fmin(best_build, t1 - t0);
      for (size_t f = 0; f < 3; f++) {
        pt_buf b = PT_BUF_INIT;
        t0 = now_ms();
        if (pt_chart_render(c, fmts[f], &b, &err)) {
          fprintf(stderr, "chart-bench: %s\n", err.msg);
          rc = 1;
        }
        t1 = now_ms();
        best[f] = fmin(best[f], t1 - t0);
        size[f] = b.len;
        if (!rc && outdir && r == 0) {
          char path[4096];
          snprintf(path, sizeof path, "%s/%s.%s", outdir, pt_chart_kind_name(kinds[ki]),
                   pt_chart_format_ext(fmts[f]));
          if (pt_write_file_atomic(path, b.data, b.len, &err)) {
            fprintf(stderr, "chart-bench: %s: %s\n", path, err.msg);
            rc = 1;
          }
        }
        pt_buf_free(&b);
      }
      pt_chart_free(c);
    }
    printf("  %-12s build+layout %7.1f ms   png %7.1f ms (%5zu KB)   svg %7.1f ms (%5zu KB)"
           "   pdf %7.1f ms (%5zu KB)\n", pt_chart_kind_name(kinds[ki]), best_build, best[0],
           size[0] / 1024, best[1], size[1] / 1024, best[2], size[2] / 1024);
    total += best_build + best[0] + best[1] + best[2];
  }
  printf("  total, both charts in 3 formats: %.1f ms\n", total);
  free(names);
  free(models);
  free(sessions);
  free(points);
  return rc;
}
