/* collect/manifest.h - manifest.json of a run directory: everything that is
 * the same for every trial row (schema "ptbench.manifest/1", documented
 * field by field in docs/collect.md).
 *
 * `collect` writes it when the run starts (status "running") and replaces it
 * atomically when the run ends (status "complete", "interrupted" or
 * "failed"), so a reader never sees half a manifest.
 */
#ifndef PT_MANIFEST_H
#define PT_MANIFEST_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "collect/plan.h"
#include "collect/probe.h"
#include "collect/telemetry.h"
#include "core/error.h"

#define PT_MANIFEST_SCHEMA "ptbench.manifest/1"

/* One model as Ollama describes it (tags for the digest, show for the rest).
 * Owns its strings; NULL = not reported. */
typedef struct pt_model_info {
  char *name, *digest, *family, *parameter_size, *quantization_level;
  char **capabilities;
  size_t n_capabilities;
} pt_model_info;

/* Fill mi for name from its /api/tags entry and /api/show reply (either
 * may be NULL). PT_ENOMEM on allocation failure (mi freed). */
pt_code pt_model_info_set(pt_model_info *mi, const char *name, const cJSON *tag,
                          const cJSON *show, pt_error *err);
void pt_model_info_free(pt_model_info *mi);

/* What the manifest says. Everything is borrowed. */
typedef struct pt_manifest {
  const char *run_id, *environment, *label;
  const char *status;  /* running, complete, interrupted, failed */
  const char *reason;  /* why the run failed or was interrupted; NULL = none */
  const char *started_at, *ended_at;  /* ended_at NULL while running */
  const char *endpoint_url;
  bool endpoint_local;
  const char *ollama_version;
  const pt_plan *plan;  /* finished plan (pt_plan_finish) */
  bool stream;
  const pt_model_info *models;
  size_t n_models;
  const pt_host *host;
  long ok, failed, warmup;  /* trial counts in trials.csv */
  const cJSON *notes;       /* --note KEY=VALUE as an object; NULL = {} */
  const pt_telemetry_info *telemetry;  /* NULL = not written */
} pt_manifest;

/* The "notes" object from "KEY=VALUE" strings (--note), in order. PT_EUSAGE
 * for a string without '=', an empty key, a key given twice or text that is
 * not printable UTF-8; *out is NULL then. */
pt_code pt_manifest_notes(const char *const *kv, size_t n, cJSON **out, pt_error *err);

/* The manifest as JSON. NULL when out of memory. */
cJSON *pt_manifest_to_json(const pt_manifest *m);
/* Write it atomically to path. When that fails (a full disk has no room
 * for the new copy beside the old one) and the new text fits in the blocks
 * the old file holds, the file is rewritten in place, so a run that fails
 * for want of space still says so. */
pt_code pt_manifest_write(const char *path, const pt_manifest *m, pt_error *err);

/* What a resumed run keeps from the manifest it continues. */
typedef struct pt_manifest_prior {
  char *run_id, *started_at, *environment;
  cJSON *options;  /* the "options" object, NULL when absent */
  cJSON *plan_options;  /* "plan.options" (extra options included), NULL when absent */
  cJSON *prompts;       /* "plan.prompts" ([{id, text}]), NULL when absent */
  cJSON *notes;         /* "notes", NULL when absent */
} pt_manifest_prior;

/* Read path; PT_ENOTFOUND when it does not exist, PT_EPARSE/PT_ESCHEMA when
 * it is not a ptbench manifest. */
pt_code pt_manifest_read_prior(const char *path, pt_manifest_prior *p, pt_error *err);
void pt_manifest_prior_free(pt_manifest_prior *p);

/* The manifest's "options" object for a plan and streaming mode. */
cJSON *pt_manifest_options(const pt_plan *plan, bool stream);

#endif
