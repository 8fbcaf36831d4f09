/* cli/cmd_batch.c - `ptbench batch`: a report for every archive of runs, and
 * a site index (site/batch.h does the work; this file parses options and
 * reports each archive's outcome in input order). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/interrupt.h"
#include "core/msg.h"
#include "site/batch.h"
#include "render/chart.h"

static int run(int argc, char **argv);

const pt_command pt_cmd_batch = {
    "batch",
    "[options] ARCHIVE...",
    "publish a report for every archive of runs, with a site index",
    "ARCHIVE is a directory holding run directories (trials.csv and\n"
    "manifest.json, at any depth) or a .tar.gz, .tgz, .tar.xz, .txz, .tar or\n"
    ".zip of one, extracted into a private temporary directory. Entries with\n"
    "absolute paths or '..', links, devices, FIFOs, more than 10000 entries,\n"
    "a file over 64 MiB or over 512 MiB in all are refused. Each ARCHIVE\n"
    "becomes SITE/SLUG/ (index.md, analysis.json, charts, index.html): a page\n"
    "bundle Hugo and MkDocs build as it is. The site remembers its archives\n"
    "(SITE/.ptbench-state.json): SITE/README.md, SITE/_index.md and\n"
    "SITE/index.html list those of earlier runs too, newest first, unless\n"
    "--prune. An archive whose content, templates and options have not\n"
    "changed since the last run is skipped. An archive that fails is reported\n"
    "and its earlier page kept; the exit status is then 4 when others were\n"
    "published.",
    run,
};

/* The earlier archives: what --prune did, and those gone. */
static void report_earlier(const pt_batch_outcome *out, const char *site, int site_len,
                           size_t *kept, size_t *pruned, size_t *prune_failed) {
  for (size_t i = 0; i < out->nearlier; i++) {
    const pt_batch_earlier *e = &out->earlier[i];
    char msg[2048];
    switch (e->state) {
    case PT_BATCH_KEPT:
      (*kept)++;
      break;
    case PT_BATCH_PRUNED:
      (*pruned)++;
      pt_notef("%.*s/%s/: pruned (not given)", site_len, site, e->slug);
      break;
    case PT_BATCH_GONE:
      pt_warnf("%.*s/%s/: the folder is gone: left out of the index", site_len, site, e->slug);
      break;
    case PT_BATCH_PRUNE_FAILED:
      (*prune_failed)++;
      (*kept)++;
      pt_errorf("%.*s/%s/: not pruned: %s", site_len, site, e->slug,
                pt_error_format(&e->err, msg, sizeof msg));
      break;
    }
  }
}

static int run(int argc, char **argv) {
  const char *site = "site", *templates = NULL, *formats = "svg";
  bool prune = false, trial_charts = false;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  long long jobs = cores < 1 ? 1 : cores > 256 ? 256 : cores;  /* the range --jobs takes */
  const pt_option opts[] = {
      {'o', "out", PT_OPT_STRING, &site, "SITE", "site directory to write (default: site)"},
      {0, "templates", PT_OPT_STRING, &templates, "DIR",
       "directory searched first for templates (report.md, page.html, site-index.md...)"},
      {'j', "jobs", PT_OPT_INT, &jobs, "N",
       "archives processed at once (default: the number of cores)"},
      {0, "formats", PT_OPT_STRING, &formats, "LIST",
       "chart formats, comma-separated: png, svg, pdf (default: svg)"},
      {0, "trial-charts", PT_OPT_FLAG, &trial_charts, NULL,
       "also chart every trial (distribution, timeline): twice the time per archive"},
      {0, "prune", PT_OPT_FLAG, &prune, NULL,
       "remove the archives of earlier runs not given (only folders ptbench made)"},
      PT_OPT_TABLE_END,
  };
  int first, status = pt_parse_options(&pt_cmd_batch, opts, argc, argv, &first);
  if (status >= 0)
    return status;
  pt_batch_opts bo;
  pt_batch_opts_init(&bo);
  pt_error err;
  pt_error_clear(&err);
  if (first >= argc)
    return pt_usage_error(&pt_cmd_batch, "no ARCHIVE given");
  if (jobs < 1 || jobs > 256)
    return pt_usage_error(&pt_cmd_batch, "--jobs must be between 1 and 256, got %lld", jobs);
  if (pt_chart_formats_parse(formats, &bo.chart_formats, &err))
    return pt_usage_error(&pt_cmd_batch, "--formats: %s", err.msg);
  if (!*site)
    return pt_usage_error(&pt_cmd_batch, "--out must not be empty");
  bo.site = site;
  bo.templates = templates;
  bo.jobs = (unsigned)jobs;
  bo.prune = prune;
  bo.trial_charts = trial_charts;
  bo.interrupted = pt_interrupt_flag();  /* caught by main() */

  size_t n = (size_t)(argc - first);
  pt_batch_result *res = calloc(n, sizeof *res);
  if (!res) {
    pt_errorf("out of memory");
    return PT_EXIT_FAILURE;
  }
  pt_batch_outcome out;
  if (pt_batch_run((const char *const *)argv + first, n, &bo, res, &out, &err)) {
    status = pt_report(&err);
    free(res);
    return status;
  }
  int site_len = (int)strlen(site);
  while (site_len > 1 && site[site_len - 1] == '/')
    site_len--;
  size_t ok = 0, same = 0, failed = 0, skipped = 0;
  int first_fail = PT_EXIT_OK;
  for (size_t i = 0; i < n; i++) {
    const char *input = argv[first + (int)i];
    char msg[2048];
    if (res[i].nwarnings > 1)
      pt_warnf("%s: %s (and %u more warning%s)", input, res[i].warning, res[i].nwarnings - 1,
               res[i].nwarnings == 2 ? "" : "s");
    else if (res[i].nwarnings)
      pt_warnf("%s: %s", input, res[i].warning);
    switch (res[i].state) {
    case PT_BATCH_PUBLISHED:
      ok++;
      pt_notef("%s: published %.*s/%s/", input, site_len, site, res[i].slug);
      break;
    case PT_BATCH_UNCHANGED:
      ok++;
      same++;
      pt_notef("%s: unchanged, skipped", input);
      break;
    case PT_BATCH_DUPLICATE:
      ok++;
      same++;
      pt_notef("%s: the same archive as '%s', done once", input,
               argv[first + (int)res[i].same_as]);
      break;
    case PT_BATCH_FAILED:
      if (res[i].err.code == PT_EINTERRUPTED) {
        skipped++;
        break;
      }
      failed++;
      if (first_fail == PT_EXIT_OK)
        first_fail = pt_exit_status(res[i].err.code);
      pt_errorf("%s: %s", input, pt_error_format(&res[i].err, msg, sizeof msg));
      break;
    }
  }
  size_t kept = 0, pruned = 0, prune_failed = 0;
  report_earlier(&out, site, site_len, &kept, &pruned, &prune_failed);
  char earlier[128] = "";
  if (kept && pruned)
    snprintf(earlier, sizeof earlier, "; %zu earlier archive%s kept, %zu pruned", kept,
             kept == 1 ? "" : "s", pruned);
  else if (kept || pruned)
    snprintf(earlier, sizeof earlier, "; %zu earlier archive%s %s", kept + pruned,
             kept + pruned == 1 ? "" : "s", kept ? "kept" : "pruned");
  if (same)
    pt_notef("published %zu of %zu archives (%zu unchanged), %zu failed%s", ok, n, same, failed,
             earlier);
  else
    pt_notef("published %zu of %zu archives, %zu failed%s", ok, n, failed, earlier);
  pt_batch_outcome_free(&out);
  free(res);
  if (skipped) {
    pt_errorf("interrupted: %zu archive%s not processed, the site index not updated", skipped,
              skipped == 1 ? "" : "s");
    return PT_EXIT_INTERRUPTED;
  }
  if (!failed && !prune_failed)
    return PT_EXIT_OK;
  if (!failed)
    return PT_EXIT_PARTIAL;
  return ok ? PT_EXIT_PARTIAL : first_fail;
}
