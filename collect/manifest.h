/* collect/manifest.h - manifest.json of a run directory, the one module
 * that knows its shape (schema "ptbench.manifest/1", documented field by
 * field in docs/collect.md).
 *
 * A run directory holds one environment and one or more sessions (one
 * run_id each: one collect invocation, or one --add-session). The manifest
 * says what is the same for every row - environment, label, plan, options -
 * and, in "sessions", what each session found: its times and status, the
 * boot it ran in (boot_id), the Ollama version and model digests, the host
 * probe, the notes, the telemetry, its trial counts, the models it skipped
 * and the unload before it. A session object uses the same keys as the top
 * level, and the top level keeps copies of the first session's facts (so a
 * reader of the manifest before sessions reads this one too); a manifest
 * written before sessions existed reads as one session made of its top
 * level.
 *
 * Writing: `collect` writes the manifest when a session starts (status
 * "running") and replaces it atomically whenever a session ends, so a
 * reader never sees half a manifest. pt_manifest_render also makes the
 * text a second Ctrl-C leaves behind (collect.c's last words).
 *
 * Reading: every reader (collect's --resume and --add-session, analyze, the
 * view model) goes through the accessors below and the PT_MF_* keys; no
 * other file spells a key of the manifest (the host probe writes its host
 * object with these keys too). Accessors take the manifest (or a session
 * or host object of it) as const, accept NULL and anything of the wrong
 * type, and answer NULL, NAN, -1 or false.
 */
#ifndef PT_MANIFEST_H
#define PT_MANIFEST_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collect/plan.h"
#include "collect/probe.h"
#include "collect/telemetry.h"
#include "core/buf.h"
#include "core/error.h"

#define PT_MANIFEST_SCHEMA "ptbench.manifest/1"
#define PT_MANIFEST_FILE "manifest.json"

/* ---- key names, by the object they appear in (one definition each) ---- */

/* top level: the run */
#define PT_MF_SCHEMA "schema"
#define PT_MF_TOOL "tool"                    /* {name, version} */
#define PT_MF_ENVIRONMENT "environment"
#define PT_MF_LABEL "label"
#define PT_MF_OPTIONS "options"              /* seed, temperature, ..., stream */
#define PT_MF_PLAN "plan"                    /* pt_plan_to_json */
#define PT_MF_ORDER "order"                  /* top: "random"|"fixed"; session: {mode, seed} */
#define PT_MF_SESSIONS "sessions"
#define PT_MF_SESSIONS_PLANNED "sessions_planned"
#define PT_MF_SOURCE "source"                /* published data (data/article) */
#define PT_MF_GPU "gpu"                      /* published: {model, vram, passthrough} */
#define PT_MF_SOFTWARE "software"            /* published: {rocm, runtime} */
/* a session (and, as copies of the first session's, the top level) */
#define PT_MF_RUN_ID "run_id"
#define PT_MF_STATUS "status"                /* PT_MF_STATUS_* */
#define PT_MF_REASON "reason"
#define PT_MF_STARTED_AT "started_at"
#define PT_MF_ENDED_AT "ended_at"
#define PT_MF_BOOT_ID "boot_id"
#define PT_MF_ENDPOINT "endpoint"            /* {url, local} */
#define PT_MF_OLLAMA "ollama"                /* {version} */
#define PT_MF_MODELS "models"
#define PT_MF_HOST "host"
#define PT_MF_NOTES "notes"
#define PT_MF_TELEMETRY "telemetry"          /* pt_telemetry_info_json */
#define PT_MF_TRIALS "trials"                /* {ok, failed, warmup} */
#define PT_MF_SKIPPED "skipped_models"       /* [{model, reason}] */
#define PT_MF_UNLOAD "unload"                /* {models, wait_s, still_loaded} */
#define PT_MF_FORCED "forced"                /* differences accepted with --force */
#define PT_MF_DIFFERS "differs"              /* [{code, message}] from the first session */
/* members of those objects */
#define PT_MF_NAME "name"
#define PT_MF_VERSION "version"
#define PT_MF_URL "url"
#define PT_MF_LOCAL "local"
#define PT_MF_MODE "mode"
#define PT_MF_SEED "seed"
#define PT_MF_OK "ok"
#define PT_MF_FAILED "failed"
#define PT_MF_WARMUP "warmup"
#define PT_MF_MODEL "model"
#define PT_MF_WAIT_S "wait_s"
#define PT_MF_STILL_LOADED "still_loaded"
#define PT_MF_CODE "code"
#define PT_MF_MESSAGE "message"
/* the plan object (written by pt_plan_to_json, collect/plan.c) */
#define PT_MF_PLAN_MODELS "models"
#define PT_MF_PROMPTS "prompts"              /* plan.prompts[]: {id, text} */
#define PT_MF_ID "id"
#define PT_MF_TEXT "text"
#define PT_MF_PLAN_TRIALS "trials"
#define PT_MF_PLAN_WARMUP "warmup"
#define PT_MF_PLAN_OPTIONS "options"
/* models[] */
#define PT_MF_DIGEST "digest"
#define PT_MF_FAMILY "family"
#define PT_MF_PARAMETER_SIZE "parameter_size"
#define PT_MF_QUANTIZATION "quantization_level"
#define PT_MF_CAPABILITIES "capabilities"
/* host (written by collect/probe.c) */
#define PT_MF_HOSTNAME "hostname"
#define PT_MF_KERNEL "kernel"
#define PT_MF_CPU_MODEL "cpu_model"
#define PT_MF_MEMORY_BYTES "memory_bytes"
#define PT_MF_VIRTUALIZATION "virtualization"  /* {detected, hypervisor_flag, ...} */
#define PT_MF_DETECTED "detected"
#define PT_MF_HYPERVISOR_FLAG "hypervisor_flag"
#define PT_MF_DMI_VENDOR "dmi_vendor"
#define PT_MF_DMI_PRODUCT "dmi_product"
#define PT_MF_BY "by"
#define PT_MF_HYPERVISOR_TYPE "hypervisor_type"
#define PT_MF_GPUS "gpus"
#define PT_MF_OS "os"
#define PT_MF_KERNEL_RELEASE "kernel_release"
#define PT_MF_CMDLINE "cmdline"
#define PT_MF_CPU_COUNT "cpu_count"
#define PT_MF_CPU_FLAGS "cpu_flags"
#define PT_MF_GOVERNOR "governor"
#define PT_MF_HUGEPAGES_TOTAL "hugepages_total"
#define PT_MF_HUGEPAGE_BYTES "hugepage_bytes"
#define PT_MF_THP "transparent_hugepages"
#define PT_MF_ROCM_VERSION "rocm_version"
#define PT_MF_CUDA_VERSION "cuda_version"
#define PT_MF_NVIDIA_DRIVER_VERSION "nvidia_driver_version"
#define PT_MF_HYPERVISOR_HOST "hypervisor_host"  /* published setups */
/* host.gpus[] */
#define PT_MF_CARD "card"
#define PT_MF_PCI_VENDOR "pci_vendor"
#define PT_MF_PCI_DEVICE "pci_device"
#define PT_MF_DRIVER "driver"
#define PT_MF_VRAM_BYTES "vram_bytes"
#define PT_MF_PRIMARY "primary"
#define PT_MF_VENDOR_NAME "vendor_name"
#define PT_MF_DEVICE_NAME "device_name"
#define PT_MF_PRODUCT_NAME "product_name"
#define PT_MF_PCI_ADDRESS "pci_address"
#define PT_MF_DRIVER_VERSION "driver_version"
#define PT_MF_VRAM_VISIBLE_BYTES "vram_visible_bytes"
#define PT_MF_PCIE "pcie"
#define PT_MF_BARS "bars"
#define PT_MF_LARGEST_PREFETCHABLE_BAR "largest_prefetchable_bar_bytes"
#define PT_MF_RESIZABLE_BAR "resizable_bar"
#define PT_MF_NUMA_NODE "numa_node"
#define PT_MF_IOMMU_GROUP "iommu_group"
#define PT_MF_TEMP_SENSOR "temp_sensor"
#define PT_MF_TEMP_CRIT_C "temp_crit_c"
/* host.gpus[].pcie and its path[] */
#define PT_MF_CURRENT_SPEED_GTS "current_speed_gts"
#define PT_MF_CURRENT_WIDTH "current_width"
#define PT_MF_MAX_SPEED_GTS "max_speed_gts"
#define PT_MF_MAX_WIDTH "max_width"
#define PT_MF_PATH "path"
#define PT_MF_ADDRESS "address"
#define PT_MF_PATH_MAX_SPEED_GTS "path_max_speed_gts"
#define PT_MF_PATH_MAX_WIDTH "path_max_width"
#define PT_MF_PATH_CURRENT_SPEED_GTS "path_current_speed_gts"
#define PT_MF_PATH_CURRENT_WIDTH "path_current_width"
#define PT_MF_PATH_MAX "path_max"
#define PT_MF_PATH_CURRENT "path_current"
/* host.gpus[].bars[] */
#define PT_MF_INDEX "index"
#define PT_MF_SIZE_BYTES "size_bytes"
#define PT_MF_TYPE "type"
#define PT_MF_PREFETCHABLE "prefetchable"
/* options (pt_manifest_options) */
#define PT_MF_TEMPERATURE "temperature"
#define PT_MF_NUM_PREDICT "num_predict"
#define PT_MF_NUM_CTX "num_ctx"
#define PT_MF_KEEP_ALIVE "keep_alive"
#define PT_MF_STREAM "stream"
/* telemetry (pt_telemetry_info_json, collect/telemetry.c) */
#define PT_MF_ENABLED "enabled"
#define PT_MF_RATE_HZ "rate_hz"
/* source: where data that collect did not make came from */
#define PT_MF_KIND "kind"                    /* PT_MF_KIND_* */
#define PT_MF_TITLE "title"                  /* published */
#define PT_MF_NOTE "note"
#define PT_MF_SOURCE_TOOL "tool"             /* published: the tool, as text */
#define PT_MF_RUNS_PER_PROMPT "runs_per_prompt"
#define PT_MF_FORMAT "format"                /* imported: pt_import_format_name */
#define PT_MF_FILES "files"                  /* imported: [{path, size, mtime, trials}] */
#define PT_MF_FILE_PATH "path"
#define PT_MF_FILE_SIZE "size"
#define PT_MF_FILE_MTIME "mtime"
#define PT_MF_IMPORTED_AT "imported_at"
/* imported models[] (llama-bench says what the model file is) */
#define PT_MF_MODEL_FILE "file"
#define PT_MF_MODEL_TYPE "type"
#define PT_MF_MODEL_PARAMETERS "parameters"
#define PT_MF_MODEL_SIZE_BYTES "size_bytes"
/* imported from llama-bench: its results as it wrote them, plus where each
 * was read and the prompt id ptbench gave it */
#define PT_MF_LLAMA_BENCH "llama_bench"
#define PT_MF_RESULTS "results"
#define PT_MF_RESULT_FILE "file"
#define PT_MF_RESULT_LINE "line"
#define PT_MF_PROMPT_ID "prompt_id"
/* published gpu and software objects */
#define PT_MF_GPU_MODEL "model"
#define PT_MF_VRAM "vram"
#define PT_MF_PASSTHROUGH "passthrough"
#define PT_MF_ROCM "rocm"
#define PT_MF_RUNTIME "runtime"

/* Values of source.kind. */
#define PT_MF_KIND_PUBLISHED "published"     /* numbers from a publication (data/article) */
#define PT_MF_KIND_IMPORT "import"           /* `ptbench import` of another tool's logs */

/* Status values of a session and of the run. */
#define PT_MF_STATUS_RUNNING "running"
#define PT_MF_STATUS_COMPLETE "complete"
#define PT_MF_STATUS_PARTIAL "partial"        /* ran to its end, some model skipped */
#define PT_MF_STATUS_INTERRUPTED "interrupted"
#define PT_MF_STATUS_FAILED "failed"
/* Values of order.mode. */
#define PT_MF_ORDER_RANDOM "random"
#define PT_MF_ORDER_FIXED "fixed"

/* ---- models ---- */

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

/* ---- writing ---- */

/* One session as collect runs it. Everything is borrowed. */
typedef struct pt_manifest_session {
  const char *run_id;
  const char *status;       /* PT_MF_STATUS_* */
  const char *reason;       /* why it failed, was interrupted or skipped a model; NULL = none */
  const char *started_at, *ended_at;  /* ended_at NULL while running */
  const char *boot_id;      /* NULL = unknown */
  const char *order;        /* PT_MF_ORDER_RANDOM or _FIXED */
  uint64_t order_seed;      /* the random order's seed (not written for fixed) */
  const char *endpoint_url;
  bool endpoint_local;
  const char *ollama_version;
  const pt_model_info *models;
  size_t n_models;
  const pt_host *host;      /* NULL = null */
  const cJSON *host_json;   /* written as "host" instead of host, when not NULL */
  const cJSON *notes;       /* --note KEY=VALUE as an object; NULL = {} */
  const pt_telemetry_info *telemetry;  /* NULL = not written */
  long ok, failed, warmup;  /* this session's rows */
  const cJSON *skipped;     /* [{model, reason}]; NULL = [] */
  const cJSON *unload;      /* the unload before it; NULL = null (none) */
  const cJSON *forced;      /* [message]; NULL = not written */
  const cJSON *differs;     /* [{code, message}]; NULL = not written */
} pt_manifest_session;

/* The run. Everything is borrowed. */
typedef struct pt_manifest {
  const char *environment, *label;
  const char *status;       /* the run's: PT_MF_STATUS_* */
  const char *reason;       /* NULL = none */
  const char *ended_at;     /* NULL while running */
  const pt_plan *plan;      /* finished plan (pt_plan_finish) */
  bool stream;
  const cJSON *plan_json;   /* written as "plan" instead of plan's, when not NULL */
  const cJSON *options_json;  /* written as "options" instead of plan's, when not NULL */
  const char *order;        /* PT_MF_ORDER_*, the run's ordering */
  long sessions_planned;    /* sessions the run is to have */
  long ok, failed, warmup;  /* rows of trials.csv, every session */
  const cJSON *sessions;    /* the sessions before current, written as they
                               are (an array; NULL = none) */
  const pt_manifest_session *current;  /* appended after them; NULL = none */
} pt_manifest;

/* An imported run (`ptbench import`): source.kind "import". The objects
 * are taken over (freed with the manifest, also on failure); build them
 * with the PT_MF_* keys: files [{path, size, mtime, trials}], models
 * [{name, ...}], and for llama-bench the host, gpu, software and options
 * it tells of and its results (llama_bench). NULL ones are left out. */
typedef struct pt_manifest_import {
  const char *run_id, *environment, *label;  /* label NULL = null */
  const char *format;        /* pt_import_format_name */
  const char *imported_at;   /* ISO 8601 UTC */
  cJSON *files, *models;
  long trials;               /* rows written, all ok */
  cJSON *host, *gpu, *software, *options, *llama_bench;
} pt_manifest_import;
/* The manifest of an imported run; NULL when out of memory. */
cJSON *pt_manifest_import_json(pt_manifest_import *m);

/* The "notes" object from "KEY=VALUE" strings (--note), in order. PT_EUSAGE
 * for a string without '=', an empty key, a key given twice or text that is
 * not printable UTF-8; *out is NULL then. */
pt_code pt_manifest_notes(const char *const *kv, size_t n, cJSON **out, pt_error *err);

/* The "trials" object of a session or run: {"ok", "failed", "warmup"}.
 * NULL when out of memory. */
cJSON *pt_manifest_trials_json(long ok, long failed, long warmup);

/* A session as JSON (an item of "sessions"). NULL when out of memory. */
cJSON *pt_manifest_session_json(const pt_manifest_session *s);
/* The manifest as JSON: the run's keys, "sessions" (m->sessions, then
 * m->current) and, at the top, copies of the first session's run_id,
 * started_at, endpoint, ollama, models, host, notes and telemetry. NULL
 * when out of memory. */
cJSON *pt_manifest_to_json(const pt_manifest *m);
/* The manifest's text as pt_manifest_write writes it, into b (reset
 * first). PT_ENOMEM. */
pt_code pt_manifest_render(const pt_manifest *m, pt_buf *b);
/* Write it atomically to path. When that fails (a full disk has no room
 * for the new copy beside the old one) and the new text fits in the blocks
 * the old file holds, the file is rewritten in place, so a run that fails
 * for want of space still says so. */
pt_code pt_manifest_write(const char *path, const pt_manifest *m, pt_error *err);
/* The same for a text already rendered. */
pt_code pt_manifest_write_text(const char *path, const char *text, size_t len, pt_error *err);

/* The manifest's "options" object for a plan and streaming mode. */
cJSON *pt_manifest_options(const pt_plan *plan, bool stream);

/* ---- reading ---- */

/* PT_OK when m is an object whose "schema" is PT_MANIFEST_SCHEMA; else
 * PT_ESCHEMA naming name (may be NULL). */
pt_code pt_manifest_check(const cJSON *m, const char *name, pt_error *err);
/* Read, parse and check the manifest at path (capped at 16 MiB).
 * PT_ENOTFOUND when it does not exist; I/O, PT_EPARSE or PT_ESCHEMA
 * otherwise. The caller owns the result. */
cJSON *pt_manifest_load(const char *path, pt_error *err);

/* The run. */
const char *pt_mf_environment(const cJSON *m);
const char *pt_mf_label(const cJSON *m);
const char *pt_mf_status(const cJSON *o);       /* of the run or of a session */
const cJSON *pt_mf_options(const cJSON *m);     /* "options" object */
const cJSON *pt_mf_plan(const cJSON *m);        /* "plan" object */
const char *pt_mf_order(const cJSON *m);        /* "random", "fixed"; NULL = before sessions */
const cJSON *pt_mf_source(const cJSON *m);      /* published "source" object */
/* Did `collect` write this run? Its manifests (of every version) have a
 * plan and options; an imported run and published data have a "source"
 * instead. Only such a run is resumed or added to. */
bool pt_mf_is_collected(const cJSON *m);
/* Sessions the run is to have: sessions_planned, else the sessions it has. */
long pt_mf_sessions_planned(const cJSON *m);

/* Sessions, oldest first. A manifest without "sessions" (written before
 * sessions existed) has one: its top level. */
size_t pt_mf_session_count(const cJSON *m);
const cJSON *pt_mf_session(const cJSON *m, size_t i);  /* NULL past the end */

/* Members of a session (or of the top level: the first session's copies). */
const char *pt_mf_run_id(const cJSON *s);
const char *pt_mf_reason(const cJSON *s);
const char *pt_mf_started_at(const cJSON *s);
const char *pt_mf_ended_at(const cJSON *s);
const char *pt_mf_boot_id(const cJSON *s);
const char *pt_mf_ollama_version(const cJSON *s);
const cJSON *pt_mf_host(const cJSON *s);
const cJSON *pt_mf_notes(const cJSON *s);
const cJSON *pt_mf_models(const cJSON *s);
/* The digest the session recorded for model (NULL when it has none). */
const char *pt_mf_model_digest(const cJSON *s, const char *model);
/* The seed of the session's random order; false when it has none. */
bool pt_mf_order_seed(const cJSON *s, uint64_t *seed);

/* The facts of a run: what the analyzer compares and reports show. They
 * are the first session's (the run's copies at the top level are the
 * same); later sessions may differ, and collect records how in each
 * session's "differs". Published manifests (data/article) add what their
 * authors wrote in place of a probe. Every pointer points into m. */
typedef struct pt_mf_facts {
  const cJSON *host;            /* host object, NULL when unknown */
  const char *ollama_version;
  const char *gpu_model, *gpu_vram, *passthrough;  /* published "gpu" */
  const char *rocm, *runtime;                      /* published "software" */
} pt_mf_facts;
pt_mf_facts pt_mf_facts_of(const cJSON *m);

/* ---- how the data was made (a report's method section) ---- */

typedef enum pt_mf_origin {
  PT_MF_COLLECTED,  /* `ptbench collect` (no source object) */
  PT_MF_IMPORTED,   /* source.kind "import" */
  PT_MF_PUBLISHED,  /* source.kind "published" */
} pt_mf_origin;
pt_mf_origin pt_mf_origin_of(const cJSON *m);

/* Numbers: NAN when not said; strings NULL. Pointers point into m. */
typedef struct pt_mf_published {
  const char *title, *tool, *note;
  double prompts, runs_per_prompt, warmup;
} pt_mf_published;
pt_mf_published pt_mf_published_of(const cJSON *m);

typedef struct pt_mf_imported {
  const char *format;       /* "llm-benchmark", "ollama-verbose", "llama-bench" */
  const char *imported_at;  /* ISO 8601 */
  size_t files;             /* log files read */
  const char *first_file;   /* the first one's path as given */
} pt_mf_imported;
pt_mf_imported pt_mf_imported_of(const cJSON *m);

/* The generation options sent with every request ("options"); keep_alive
 * as text ("5m", "300" for a number of seconds; NULL when not said). */
typedef struct pt_mf_run_options {
  double seed, temperature, num_predict, num_ctx;
  bool seed_null;           /* "seed": null: said to be random */
  char keep_alive[32];
  int stream;               /* 1 streamed, 0 not, -1 not said */
} pt_mf_run_options;
pt_mf_run_options pt_mf_run_options_of(const cJSON *m);

/* The plan: trials per prompt and warm-ups per model (NAN when not said),
 * its prompts (id and text, NULL when absent). */
double pt_mf_plan_trials(const cJSON *m);
double pt_mf_plan_warmup(const cJSON *m);
size_t pt_mf_prompt_count(const cJSON *m);
bool pt_mf_prompt(const cJSON *m, size_t i, const char **id, const char **text);

/* A models[] item of a manifest or session. */
typedef struct pt_mf_model_info {
  const char *name, *digest, *family, *parameter_size, *quantization;
} pt_mf_model_info;
pt_mf_model_info pt_mf_model_info_of(const cJSON *model);

/* A session's GPU telemetry: known false when the manifest does not say. */
typedef struct pt_mf_telemetry_info {
  bool known, enabled;
  const char *source, *reason;
  double rate_hz;
} pt_mf_telemetry_info;
pt_mf_telemetry_info pt_mf_telemetry_of(const cJSON *s);

/* The session's "differs" list: what changed since the first session
 * (a reboot, another machine); NULL when it has none. */
const cJSON *pt_mf_differs(const cJSON *s);
/* The session's "forced" list: the differences from the run it was added
 * with despite (--force), as strings; NULL when it has none. */
const cJSON *pt_mf_forced(const cJSON *s);
/* The session's "skipped_models" list ([{model, reason}]); NULL when it
 * skipped none. */
const cJSON *pt_mf_skipped(const cJSON *s);

/* Host objects. */
bool pt_mf_host_virtualized(const cJSON *host, bool *known);  /* virtualization.detected */
/* The primary GPU: the one marked "primary", else the one with the most
 * VRAM; NULL when there is none. */
const cJSON *pt_mf_primary_gpu(const cJSON *host);

/* What a reader calls a host.gpus[] item, and what it runs on: */
typedef struct pt_mf_gpu_info {
  const char *product;      /* the kernel's marketing name (amdgpu product_name) */
  const char *device;       /* the PCI ID database's device name; NULL when the
                               database did not know the card ("Device 7590") */
  const char *vendor;       /* the database's vendor name */
  const char *pci_vendor, *pci_device;  /* "0x1002", "0x7590" */
  const char *driver, *driver_version, *pci_address;
  double vram_bytes;        /* NAN when unknown */
  double link_speed_gts;    /* the slowest link between the GPU and the CPU: */
  double link_width;        /* as running now (NAN when unknown) ... */
  double link_max_speed_gts, link_max_width;  /* ... and at best */
  double bar_bytes;         /* largest prefetchable BAR, NAN when unknown */
  int resizable_bar;        /* 1 the BAR covers VRAM, 0 it does not, -1 unknown */
} pt_mf_gpu_info;
pt_mf_gpu_info pt_mf_gpu_info_of(const cJSON *gpu);
/* The host's ROCm and CUDA versions (NULL when none). */
const char *pt_mf_rocm_version(const cJSON *host);
const char *pt_mf_cuda_version(const cJSON *host);

#endif
