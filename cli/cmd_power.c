/* cli/cmd_power.c - `ptbench power`: from pilot runs, the sessions and
 * trials a verdict needs (analyze/design.h), as a table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analysis.h"
#include "analyze/design.h"
#include "analyze/doc.h"
#include "cli/analyze_opts.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/msg.h"

static int run(int argc, char **argv);

const pt_command pt_cmd_power = {
    "power",
    "[options] INPUT...",
    "how many sessions and trials a verdict needs, from pilot runs",
    "INPUT is any run directory, trials.csv or directory of them, or NAME=PATH\n"
    "(as for analyze): the pilot. Per model, the session model is fitted to\n"
    "every environment's trials for the spread between sessions and within\n"
    "them; the table gives the fewest sessions per environment, alternating\n"
    "A B A B, that detect a penalty of --effect with --power at --alpha, with\n"
    "the pilot's trials per session and with 5, 10, 20 and 40, and the GPU\n"
    "time of the measured trials of both environments (from wall_ns; warm-ups,\n"
    "model loads and reboots come on top). The spread between sessions of a\n"
    "small pilot is uncertain: the \"upper\" columns plan with its one-sided 80%\n"
    "upper bound. Never fewer than 3 sessions per environment. A pilot with one\n"
    "session per environment cannot tell the spread between sessions: the\n"
    "model's line says so, and nothing is assumed.",
    run,
};

/* "45 s", "12 min", "3.4 h", "2.1 d", or "—". */
static const char *duration(double s, char *buf, size_t size) {
  if (!isfinite(s))
    snprintf(buf, size, "%s", PT_DASH);
  else if (s < 90)
    snprintf(buf, size, "%.0f s", s);
  else if (s < 90 * 60)
    snprintf(buf, size, "%.0f min", s / 60);
  else if (s < 36 * 3600)
    snprintf(buf, size, "%.1f h", s / 3600);
  else
    snprintf(buf, size, "%.1f d", s / 86400);
  return buf;
}

/* "5" or "more than 1000". */
static const char *sessions(const pt_power_design *d, size_t max, char *buf, size_t size) {
  if (d->reached)
    snprintf(buf, size, "%zu", d->sessions);
  else
    snprintf(buf, size, "more than %zu", max);
  return buf;
}

typedef char cell[96];

/* Rows of cols cells aligned: the first column left, the others right. */
static pt_code table(pt_buf *out, cell *cells, size_t rows, size_t cols) {
  return pt_text_table(out, (const char *)cells, sizeof *cells, rows, cols, 1);
}

static pt_code report(const pt_design *d, const pt_design_opts *o, const pt_metric *m,
                      pt_buf *out) {
  pt_code rc = pt_buf_printf(out,
                             "power to detect a %g%% penalty in %s (%s, %s is better) with "
                             "probability %g at alpha %g\n\n",
                             o->effect_pct, m->name, m->unit,
                             m->higher_is_better ? "higher" : "lower", o->power, o->alpha);
  static const char *const head[] = {"model",           "pilot sessions", "trials/session",
                                     "within sd",       "between sd",     "df",
                                     "sessions needed", "power",          "GPU time",
                                     "between sd 80% upper", "sessions needed (upper)",
                                     "GPU time (upper)"};
  enum { NC = sizeof head / sizeof *head, NA = PT_DESIGN_ALTS + 1 };
  cell *main_t = calloc((d->n + 1) * NC, sizeof *main_t);
  cell *alt_t = calloc((d->n + 1) * NA, sizeof *alt_t);
  if (!main_t || !alt_t) {
    free(main_t);
    free(alt_t);
    return PT_ENOMEM;
  }
  for (size_t c = 0; c < NC; c++)
    snprintf(main_t[c], sizeof main_t[c], "%s", head[c]);
  snprintf(alt_t[0], sizeof alt_t[0], "model");
  for (size_t a = 0; a < PT_DESIGN_ALTS; a++)
    snprintf(alt_t[1 + a], sizeof alt_t[0], "%zu trials", pt_design_alt_trials[a]);
  size_t nalt = 1;
  for (size_t i = 0; i < d->n; i++) {
    const pt_design_row *r = &d->rows[i];
    cell *row = main_t + (i + 1) * NC;
    char a[64], b[64];
    pt_text_cell(row[0], sizeof row[0], r->model);
    if (r->sessions_min == r->sessions_max)
      snprintf(row[1], sizeof row[0], "%zu", r->sessions_min);
    else
      snprintf(row[1], sizeof row[0], "%zu\xE2\x80\x93%zu", r->sessions_min, r->sessions_max);
    snprintf(row[2], sizeof row[0], "%zu", r->trials_per_session);
    pt_fmt_pct(100 * r->sigma_w, row[3], sizeof row[0]);
    pt_fmt_pct(100 * r->sigma_b, row[4], sizeof row[0]);
    if (!r->estimable) {
      for (size_t c = 5; c < NC; c++)
        snprintf(row[c], sizeof row[0], "%s", PT_DASH);
      continue;
    }
    snprintf(row[5], sizeof row[0], "%zu", r->sigma_b_df);
    snprintf(row[6], sizeof row[0], "%s", sessions(&r->design, o->max_sessions, a, sizeof a));
    snprintf(row[7], sizeof row[0], "%.2f", r->design.power);
    snprintf(row[8], sizeof row[0], "%s", duration(r->design.gpu_seconds, b, sizeof b));
    pt_fmt_pct(100 * r->sigma_b_upper, row[9], sizeof row[0]);
    if (r->conservative.sessions) {
      snprintf(row[10], sizeof row[0], "%s",
               sessions(&r->conservative, o->max_sessions, a, sizeof a));
      snprintf(row[11], sizeof row[0], "%s",
               duration(r->conservative.gpu_seconds, b, sizeof b));
    } else {
      snprintf(row[10], sizeof row[0], "%s", PT_DASH);
      snprintf(row[11], sizeof row[0], "%s", PT_DASH);
    }
    cell *alt = alt_t + nalt++ * NA;
    pt_text_cell(alt[0], sizeof alt[0], r->model);
    for (size_t k = 0; k < PT_DESIGN_ALTS; k++) {
      const pt_power_design *pd = &r->alt[k];
      if (!pd->sessions)
        snprintf(alt[1 + k], sizeof alt[0], "%s", PT_DASH);
      else
        snprintf(alt[1 + k], sizeof alt[0], "%s (%s)",
                 sessions(pd, o->max_sessions, a, sizeof a),
                 duration(pd->gpu_seconds, b, sizeof b));
    }
  }
  if (!rc)
    rc = table(out, main_t, d->n + 1, NC);
  if (!rc && nalt > 1) {
    rc = pt_buf_puts(out, "\nsessions needed per environment (GPU time) with other trials per "
                          "session:\n\n");
    if (!rc)
      rc = table(out, alt_t, nalt, NA);
  }
  if (!rc && nalt > 1)
    rc = pt_buf_puts(out,
                     "\nsessions alternate A B A B, at least 3 per environment; within sd and "
                     "between sd are 100 x the sd of log(metric)\n"
                     "between sd rests on df = pilot sessions - environments: a small pilot "
                     "can be far off, so \"upper\" plans with its one-sided 80% upper bound, "
                     "which reaches the power asked for in about 80% of pilots; the point "
                     "design, about half of the time\n");
  bool first = true;
  for (size_t i = 0; i < d->n && !rc; i++)
    if (!d->rows[i].estimable) {
      char model[512];
      pt_text_cell(model, sizeof model, d->rows[i].model);
      rc = pt_buf_printf(out, "%s%s: %s\n", first ? "\n" : "", model, d->rows[i].reason);
      first = false;
    }
  free(main_t);
  free(alt_t);
  return rc;
}

static int run(int argc, char **argv) {
  pt_design_opts o;
  pt_design_opts_init(&o);
  const char *metric = "eval_rate";
  long long max_sessions = (long long)o.max_sessions;
  const pt_option opts[] = {
      {0, "effect", PT_OPT_DOUBLE, &o.effect_pct, "PCT",
       "penalty to detect, in % of the baseline (default: 1)"},
      {0, "power", PT_OPT_DOUBLE, &o.power, "P", "probability of detecting it (default: 0.8)"},
      {0, "alpha", PT_OPT_DOUBLE, &o.alpha, "A", "significance level (default: 0.05)"},
      {0, "metric", PT_OPT_STRING, &metric, "NAME",
       "eval_rate (default), prompt_eval_rate, ttft_ns, wall_ns, load_duration_ns, "
       "total_duration_ns"},
      {0, "max-sessions", PT_OPT_INT, &max_sessions, "N",
       "most sessions per environment to consider (default: 1000)"},
      PT_OPT_TABLE_END,
  };
  int first, status = pt_parse_options(&pt_cmd_power, opts, argc, argv, &first);
  if (status >= 0)
    return status;
  pt_analyze_cli a = PT_ANALYZE_CLI_INIT;
  if (first >= argc)
    return pt_usage_error(&pt_cmd_power, "no INPUT given");
  if (!(a.metric = pt_metric_find(metric)))
    return pt_usage_error(&pt_cmd_power, "unknown metric '%s' (known: %s)", metric,
                          pt_metric_names);
  if (max_sessions < PT_POWER_MIN_SESSIONS || max_sessions > 1000000)
    return pt_usage_error(&pt_cmd_power, "--max-sessions must be from %d to 1000000, got %lld",
                          PT_POWER_MIN_SESSIONS, max_sessions);
  o.max_sessions = (size_t)max_sessions;
  pt_design d = {0};
  pt_buf out = PT_BUF_INIT;
  pt_error err;
  pt_error_clear(&err);
  pt_dataset *ds = pt_analyze_cli_read(&a, argv + first, argc - first, &status);
  if (!ds)
    return status;
  pt_code rc = pt_design_from(ds, &o, &d, &err);
  if (rc == PT_EUSAGE)
    status = pt_usage_error(&pt_cmd_power, "%s", err.msg);
  else if (rc)
    status = pt_report(&err);
  else if (report(&d, &o, a.metric, &out)) {
    pt_errorf("out of memory");
    status = PT_EXIT_FAILURE;
  } else {
    status = pt_write_stdout(out.data, out.len);
  }
  pt_buf_free(&out);
  pt_design_free(&d);
  pt_dataset_free(ds);
  return status;
}
