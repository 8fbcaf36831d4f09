/* analyze/analysis_internal.h - the dataset's insides, shared by
 * dataset.c (reading), analysis.c (computing) and design.c (power).
 * Not a public header.
 *
 * Names (models, environments, sessions, prompts) are interned in hash
 * tables (core/hash.h) to dense indexes, and each valid trial keeps small
 * integers, not strings: its session, prompt, seq and start time beside its
 * value, in parallel arrays of its (model, environment) group. That is 28
 * bytes a trial, so a million trials fit in well under 100 MB.
 */
#ifndef PT_ANALYSIS_INTERNAL_H
#define PT_ANALYSIS_INTERNAL_H

#include <stdint.h>

#include "analyze/analysis.h"
#include "core/hash.h"

#define PT_NO_TIME INT64_MIN  /* a trial or session without started_at */
#define PT_NO_GROUP UINT32_MAX

/* One (model, environment) cell: its valid trials and what was left out. */
typedef struct pt_group {
  uint32_t model, env;      /* indexes into the dataset's tables */
  size_t n, cap;            /* valid trials; the arrays hold cap */
  double *values;           /* valid values, in input order */
  uint32_t *session;        /* session of each value (dataset index) */
  uint32_t *prompt;         /* prompt of each value (dataset index) */
  uint32_t *seq;            /* its `seq`, 0 when absent */
  int64_t *started;         /* its `started_at`, ms since the epoch, or PT_NO_TIME */
  double *sorted;           /* the values sorted, once summarized */
  size_t warmup, failed, invalid;
  size_t done_stop, done_length;  /* done_reason of the valid trials */
  size_t offloaded;         /* trials with size_vram < size */
  char *digest;             /* first model_digest seen, or NULL */
  double clock_sum;         /* gpu_clock_mhz over the clock_n valid trials with one */
  size_t clock_n;
  double temp_max;          /* highest gpu_temp_c of a valid trial, or NAN */
  double temp_sum, power_sum, busy_sum;  /* gpu_temp_c, gpu_power_w, gpu_busy_pct */
  size_t temp_n, power_n, busy_n;        /* over this many valid trials each */
  double wall_sum;          /* wall_ns of the wall_n valid trials with one, in s */
  size_t wall_n;
} pt_group;

/* One session: one run_id, or (no run_id) one input file's rows of one
 * environment. Its key in the sessions table says which: 'r' + run_id, or
 * 'f' + file + '\0' + environment. */
typedef struct pt_session {
  uint32_t env;             /* the one environment it belongs to */
  uint32_t source;          /* the input file that first had it (files[]) */
  long line;                /* where it was first seen in that file */
  size_t trials;            /* valid trials, every model */
  int64_t first, last;      /* started_at range of its valid trials, or PT_NO_TIME */
} pt_session;

typedef struct pt_env_info {
  cJSON *manifest;   /* first manifest.json seen for this environment */
  char *manifest_file; /* the trials.csv it stands beside */
  cJSON *sources;    /* array of file names */
  size_t nsources;
  uint32_t *source_of; /* [file] position in sources + 1, 0 = not there */
  size_t source_cap;
  char *named;       /* set when a NAME=PATH input named it: the display label */
} pt_env_info;

/* A warning found while reading (code and message owned). */
typedef struct pt_read_warning {
  const char *code;  /* static */
  char *env;         /* environment it is about, or NULL */
  char *message;
} pt_read_warning;

/* Most-recently-used indexes of a table, checked before hashing: rows come
 * in runs (one session, a few models and prompts in turn). */
#define PT_MRU 8
typedef struct pt_mru {
  uint32_t idx[PT_MRU];
  size_t n;
} pt_mru;

struct pt_dataset {
  const pt_metric *metric;
  bool metric_optional;     /* a file without the metric's column is no error */
  pt_strtab models, envs, sessions, prompts;
  pt_strtab group_keys;     /* (model, env) as 8 bytes -> group index */
  pt_group *groups;
  size_t ngroups, groups_cap;
  pt_session *sess;         /* parallel to the sessions table */
  size_t sess_cap;
  pt_env_info *env_info;    /* parallel to the environments table */
  size_t envs_cap;
  char **files;             /* input files read, in order */
  size_t nfiles, files_cap;
  size_t rows;
  char *first_input;        /* the first file read, for messages */
  pt_read_warning *warnings; /* manifests that could not be read, rows cut
                               short, runs pooled that should not be */
  size_t nwarnings, warnings_cap;
  /* reading state (a worker's) */
  pt_mru mru_model, mru_env, mru_session, mru_prompt, mru_group;
  pt_buf key;               /* scratch for session keys */
  /* set by pt_analyze: the group of (model, env) at [model * nenv + env] */
  uint32_t *group_of;
};

/* Name of model/environment/prompt i (valid after reading: no more interning). */
const char *pt_ds_model(const pt_dataset *ds, size_t i);
const char *pt_ds_env(const pt_dataset *ds, size_t i);
const char *pt_ds_prompt(const pt_dataset *ds, size_t i);
size_t pt_ds_nmodels(const pt_dataset *ds);
size_t pt_ds_nenvs(const pt_dataset *ds);
size_t pt_ds_nsessions(const pt_dataset *ds);
size_t pt_ds_nprompts(const pt_dataset *ds);
/* A session's run_id, or NULL for a file's session without one. */
const char *pt_ds_session_run_id(const pt_dataset *ds, size_t s);
/* What to call session s in a message: its run_id, else "FILE". */
const char *pt_ds_session_label(const pt_dataset *ds, size_t s);

/* A plain decimal ("49.27", "2520", ".5"; at most 15 digits, no sign or
 * exponent) as the double strtod gives for it, or NAN when s[0..len) is
 * not one (then strtod must decide). */
double pt_decimal_fast(const char *s, size_t len);

/* Fill ds->group_of (models x environments). PT_ENOMEM. */
pt_code pt_dataset_index(pt_dataset *ds, pt_error *err);
/* The group of (model, env), or NULL (after pt_dataset_index). */
pt_group *pt_dataset_group(pt_dataset *ds, size_t model, size_t env);

#endif
