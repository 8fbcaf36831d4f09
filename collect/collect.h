/* collect/collect.h - the trial loop of `ptbench collect`, in sessions.
 *
 * A run directory (OUT/trials.csv + OUT/manifest.json) holds one
 * environment and any number of sessions; a session is one run_id: the
 * trials one collect ran in one go (docs/collect.md "Sessions"). pt_collect()
 * drives one or more targets - an environment, its Ollama server and its
 * run directory - and runs their sessions in turn: with two targets and 3
 * sessions each, A B A B A B.
 *
 * Before the first trial of any target, each target's run directory is
 * checked (a new one must not hold rows; --resume and --add-session need
 * the run's manifest, and refuse another environment) and its server's
 * preflight runs: version, models present (pulled on request), their
 * details and digests. Nothing is created before the server has answered,
 * so a server that is not there leaves no run directory behind.
 *
 * A session probes the host (facts and boot_id), unloads the plan's models
 * when it is not the run's first (keep_alive 0, then /api/ps polled until it
 * no longer lists them, PT_UNLOAD_WAIT_S at most), then runs for each model
 * (plan order) its warm-ups and its prompts x trials in the session's order
 * (seeded random per session, or fixed). Every trial becomes one row of
 * trials.csv, appended and flushed when the trial ends, with seq = its
 * position in the session (warm-ups included). The manifest is written when
 * a session starts and when it ends.
 *
 * Faults: a failed trial (HTTP error, "error" line, dropped connection,
 * silence past the timeout) gets a row with status error or timeout and the
 * session goes on; max_failures failures in a row of one model skip that
 * model for the rest of the session (the session is then "partial",
 * PT_EPARTIAL), and when every model with trials to run was skipped the
 * session fails. An abort flag raised by a signal handler stops the
 * transfer under way; its row is written whole with status "interrupted"
 * and the run ends ("interrupted", PT_EINTERRUPTED). A row that cannot be
 * written (a full disk) is not kept: trials.csv is cut back to its last
 * whole row and the run stops ("failed", with the reason in the manifest).
 * While a collect writes a run directory it holds a lock on it (flock), so
 * a second collect on the same directory is refused.
 *
 * A second Ctrl-C (core/interrupt.h) ends the process at once, but never in
 * the middle of a row or manifest write, and leaves each target's manifest
 * as it would be at that moment with the running session "interrupted".
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

#define PT_DEFAULT_MAX_FAILURES 3
#define PT_UNLOAD_WAIT_S 60.0  /* longest wait for /api/ps to drop the models */

typedef enum {
  PT_EV_CONNECTED,    /* environment; message: the Ollama version */
  PT_EV_PULL,         /* model; message: status; completed/bytes (-1 = none) */
  PT_EV_WARNING,      /* message (environment when it is about a target) */
  PT_EV_SESSION,      /* a session starts: environment, run_id, session (1-based
                         in the run), sessions (planned), resumed */
  PT_EV_UNLOADED,     /* models unloaded before a session: message (the names),
                         seconds (the wait) */
  PT_EV_START,        /* total: trials to run; skipped: already ok (resume) */
  PT_EV_TRIAL_START,  /* model, prompt_id, trial of trials, warmup, done/total */
  PT_EV_TRIAL_END,    /* the same plus row */
  PT_EV_MODEL_SKIPPED, /* model; message: why (the rest of the session skips it) */
} pt_collect_event_kind;

typedef struct pt_collect_event {
  pt_collect_event_kind kind;
  const char *environment;  /* the target's */
  const char *model, *prompt_id, *message, *run_id;
  long trial, trials;    /* 1-based trial, of how many (warm-ups or trials) */
  bool warmup, resumed;
  long session, sessions;
  size_t done, total;    /* trials finished and to run in this session */
  size_t skipped;
  double seconds;
  const pt_trial *row;   /* TRIAL_END: the row written */
  int64_t completed, bytes;
} pt_collect_event;

typedef void (*pt_collect_fn)(void *ctx, const pt_collect_event *ev);

/* One environment, its server and its run directory. */
typedef struct pt_collect_target {
  const char *environment;  /* required */
  const char *label;        /* display label, NULL = none (or the run's) */
  const char *url;          /* base URL of Ollama */
  const char *out_dir;      /* run directory */
} pt_collect_target;

typedef enum {
  PT_COLLECT_NEW,      /* a new run: trials.csv must not hold rows */
  PT_COLLECT_RESUME,   /* finish the run's last session, then the sessions it planned */
  PT_COLLECT_ADD,      /* append sessions to the run (a new run when there is none) */
} pt_collect_mode;

typedef struct pt_collect_cfg {
  const pt_collect_target *targets;  /* at least one; sessions alternate in this order */
  size_t n_targets;
  const char *sysroot;      /* host probe root, NULL = "/" */
  const cJSON *notes;       /* pt_manifest_notes() of --note; NULL = none (a
                               session keeps the run's last notes) */
  bool no_telemetry;        /* --no-telemetry: sample no GPU during trials */
  const pt_plan *plan;      /* finished (pt_plan_finish) */
  bool stream, pull;
  pt_collect_mode mode;
  long sessions;            /* NEW and ADD: sessions to run per target; 0 = 1 */
  bool force;               /* ADD and RESUME: accept other settings and digests */
  bool fixed_order;         /* --order fixed: plan order in every session */
  bool has_order_seed;      /* --order-seed: session k of a run uses seed + k - 1 */
  uint64_t order_seed;
  long timeout_s;           /* connect and silence, seconds */
  int max_failures;         /* consecutive failures of a model that skip it; 0 = 3 */
  double unload_wait_s;     /* 0 = PT_UNLOAD_WAIT_S */
  volatile sig_atomic_t *interrupted;  /* raised by SIGINT/SIGTERM */
  pt_collect_fn progress;   /* may be NULL */
  void *progress_ctx;
} pt_collect_cfg;

typedef struct pt_model_summary {
  char *model;
  long ok, failed;          /* measured trials (not warm-ups) in trials.csv, every
                               session: status ok; error or timeout */
  double rate_sum;          /* over ok rows with an eval_rate */
  long rate_n;
  long skipped_sessions;    /* sessions of this command that skipped it */
  char *skip_reason;        /* the last skip's reason, NULL = none */
} pt_model_summary;

/* What became of one target. */
typedef struct pt_collect_result {
  char run_id[64];          /* the last session's */
  const char *status;       /* the run's: complete, partial, interrupted, failed;
                               NULL = no run directory was touched */
  long ok, failed;          /* measured trials in trials.csv (every session): status
                               ok; error or timeout (the models' sums) */
  long warmup, warmup_failed;  /* warm-ups in trials.csv: ok; error or timeout */
  size_t ran, skipped;      /* trials run now; left out as already ok */
  long sessions;            /* sessions in the run directory */
  long sessions_run;        /* sessions this command ran or finished */
  pt_model_summary *models;
  size_t n_models;
} pt_collect_result;

/* Run the benchmark: results has one item per target (filled in order).
 * Returns PT_OK when every planned trial ran (some may have failed: see
 * the results), PT_EPARTIAL when a session skipped a model,
 * PT_EINTERRUPTED, or the error that stopped the run (err has the
 * message; each result's status says whether its run directory exists).
 * Refused before anything is written: PT_EUSAGE (trials.csv holds rows of
 * a new run, resuming or adding with another environment, or, without
 * force, another plan, options, prompts or model digests; another collect
 * holds the directory), PT_EUNSAFE (trials.csv or manifest.json is a
 * symbolic link, or holds rows of a session the manifest does not list).
 * err must not be NULL. */
pt_code pt_collect(const pt_collect_cfg *cfg, pt_collect_result *results, pt_error *err);
void pt_collect_result_free(pt_collect_result *res);

/* Current UTC time as ISO 8601 with milliseconds ("2025-01-31T12:00:00.123Z"). */
void pt_iso_now(char buf[32]);

/* The order of a session's measured trials of one model: the n_prompts x
 * trials pairs (prompt index, trial number 1..trials), in plan order
 * (prompt by prompt) when fixed, else shuffled (Fisher-Yates over a
 * splitmix64 stream seeded from seed and model_index, so a session's order
 * is reproduced from its recorded seed). *out (n_prompts x trials items) is
 * the caller's to free. PT_ENOMEM, PT_ETOOBIG when the count overflows. */
typedef struct pt_order_item {
  size_t prompt;
  long trial;
} pt_order_item;
pt_code pt_session_order(size_t n_prompts, long trials, bool fixed, uint64_t seed,
                         size_t model_index, pt_order_item **out, size_t *n, pt_error *err);

#endif
