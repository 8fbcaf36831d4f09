/* analyze/analysis_internal.h - the dataset's insides, shared by
 * dataset.c (reading) and analysis.c (computing). Not a public header. */
#ifndef PT_ANALYSIS_INTERNAL_H
#define PT_ANALYSIS_INTERNAL_H

#include "analyze/analysis.h"

typedef struct pt_names {
  char **items;
  size_t n, cap;
} pt_names;

/* One (model, environment) cell. */
typedef struct pt_group {
  size_t model, env;        /* indexes into the dataset's names */
  double *values;           /* valid values, in input order */
  double *sorted;           /* the same sorted, once summarized */
  size_t n, cap;
  size_t warmup, failed, invalid;
  size_t done_stop, done_length;  /* done_reason of the valid trials */
  size_t offloaded;         /* trials with size_vram < size */
  char *digest;             /* first model_digest seen, or NULL */
} pt_group;

typedef struct pt_env_info {
  cJSON *manifest;  /* first manifest.json seen for this environment */
  cJSON *sources;   /* array of file names */
} pt_env_info;

struct pt_dataset {
  const pt_metric *metric;
  pt_names models, envs;
  pt_group *groups;
  size_t ngroups, groups_cap;
  pt_group *last;           /* cache: rows come in runs of one group */
  pt_env_info *env_info;    /* parallel to envs */
  size_t envs_cap;
  size_t rows;
  char *first_input;        /* the first file read, for messages */
  size_t ninputs;           /* files read */
  char warn_manifest[8][600];  /* manifests that could not be read */
  size_t nwarn_manifest;
  char **incomplete;        /* "FILE:LINE: ..." of each input whose last row
                               was cut short (left out by the reader) */
  size_t nincomplete, incomplete_cap;
};

pt_group *pt_dataset_group(pt_dataset *ds, size_t model, size_t env);

#endif
