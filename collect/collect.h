/* collect/collect.h - the trial loop of `ptbench collect`.
 *
 * pt_collect() checks the server (version, models present, pulls them on
 * request, their details), probes the host, then runs for each model its
 * warm-ups and, for each prompt, the trials, one /api/generate each. Every
 * trial becomes one row of OUT/trials.csv, appended and flushed when the
 * trial ends; OUT/manifest.json is written at the start and replaced at the
 * end. Nothing is created before the server has answered, so a server that
 * is not there leaves no run directory behind.
 *
 * Faults: a failed trial (HTTP error, "error" line, dropped connection,
 * silence past the timeout) gets a row with status error or timeout and the
 * run goes on; max_failures failures in a row stop it (status "failed"). An
 * abort flag raised by a signal handler stops the transfer under way; its
 * row is written whole with status "interrupted" and the run ends
 * ("interrupted", PT_EINTERRUPTED). With resume, an existing trials.csv is
 * read and only trials without an ok row are run (warm-ups again for models
 * that still have trials to run, since the model must be loaded anew). A
 * row that cannot be written (a full disk) is not kept: trials.csv is cut
 * back to its last whole row and the run stops ("failed", with the reason
 * in the manifest). An empty trials.csv is a new one.
 * Progress goes to a callback; the library prints nothing.
 */
#ifndef PT_COLLECT_H
#define PT_COLLECT_H

#include <cJSON.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collect/plan.h"
#include "core/error.h"
#include "core/trial.h"

typedef enum {
  PT_EV_CONNECTED,    /* message: the Ollama version */
  PT_EV_PULL,         /* model; message: status; completed/bytes (-1 = none) */
  PT_EV_WARNING,      /* message */
  PT_EV_START,        /* total: trials to run; skipped: already ok (resume) */
  PT_EV_TRIAL_START,  /* model, prompt_id, trial of trials, warmup, done/total */
  PT_EV_TRIAL_END,    /* the same plus row */
} pt_collect_event_kind;

typedef struct pt_collect_event {
  pt_collect_event_kind kind;
  const char *model, *prompt_id, *message;
  long trial, trials;    /* 1-based trial, of how many (warm-ups or trials) */
  bool warmup;
  size_t done, total;    /* trials finished and to run in this invocation */
  size_t skipped;
  const pt_trial *row;   /* TRIAL_END: the row written */
  int64_t completed, bytes;
} pt_collect_event;

typedef void (*pt_collect_fn)(void *ctx, const pt_collect_event *ev);

typedef struct pt_collect_cfg {
  const char *environment;  /* required */
  const char *label;        /* display label, NULL = none */
  const char *url;          /* base URL of Ollama */
  const char *out_dir;      /* run directory */
  const char *sysroot;      /* host probe root, NULL = "/" */
  const cJSON *notes;       /* pt_manifest_notes() of --note; NULL = none (a resumed
                               run keeps its notes) */
  bool no_telemetry;        /* --no-telemetry: sample no GPU during trials */
  const pt_plan *plan;      /* finished (pt_plan_finish) */
  bool stream, pull, resume;
  long timeout_s;           /* connect and silence, seconds */
  int max_failures;         /* consecutive failures that stop the run; 0 = 3 */
  volatile sig_atomic_t *interrupted;  /* raised by SIGINT/SIGTERM */
  pt_collect_fn progress;   /* may be NULL */
  void *progress_ctx;
} pt_collect_cfg;

typedef struct pt_model_summary {
  char *model;
  long ok, failed;          /* measured trials in trials.csv */
  double rate_sum;          /* over ok rows with an eval_rate */
  long rate_n;
} pt_model_summary;

typedef struct pt_collect_result {
  char run_id[64];
  const char *status;       /* complete, interrupted, failed; NULL = no run
                               directory was touched */
  long ok, failed, warmup;  /* rows of trials.csv (with earlier ones) */
  size_t ran, skipped;      /* trials run now; left out as already ok */
  pt_model_summary *models;
  size_t n_models;
} pt_collect_result;

/* Run the benchmark. Returns PT_OK when every planned trial ran (some may
 * have failed: see res), PT_EINTERRUPTED, or the error that stopped the run
 * (err has the message; res->status says whether a run directory exists).
 * Usage errors found before anything is written: PT_EUSAGE (trials.csv
 * exists without resume, resuming with other options or environment),
 * PT_EUNSAFE (trials.csv or manifest.json is a symbolic link, or holds rows
 * of another run than the manifest's).
 * err must not be NULL. */
pt_code pt_collect(const pt_collect_cfg *cfg, pt_collect_result *res, pt_error *err);
void pt_collect_result_free(pt_collect_result *res);

/* Current UTC time as ISO 8601 with milliseconds ("2025-01-31T12:00:00.123Z"). */
void pt_iso_now(char buf[32]);

#endif
