/* collect/plan.h - what `ptbench collect` runs: plan files (YAML, libyaml),
 * prompt files, the built-in prompts and the benchmark defaults.
 *
 * A plan lists models and, optionally, prompts, trials, warm-ups, Ollama
 * options and keep_alive (docs/collect.md "Plan files"). llm-benchmark's
 * files are plans as they are: the article's (`version: 2.0`, `models:
 * - model: X`), its custom benchmark file (`file_name: ...`, `version:
 * 2.0.custom`) and its prompt entries (`- prompt: TEXT`, `keywords: ...`,
 * no id: named p1, p2, ... by position, as plain strings are).
 * Parsing is strict: an unknown key or a value of the wrong type fails with
 * PT_EDATA at file:line:column (libyaml's marks). The YAML is read from
 * libyaml's events with bounds checked as it is parsed: nesting deeper than
 * PT_PLAN_MAX_DEPTH, aliases that expand the plan past PT_PLAN_MAX_EXPANDED
 * and a NUL character in a string fail with PT_EDATA at the place.
 * Command-line options override what the plan says; pt_plan_finish() fills
 * in the defaults. A pt_plan owns all its strings; pt_plan_free() releases
 * them.
 */
#ifndef PT_PLAN_H
#define PT_PLAN_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Defaults chosen for a fair benchmark (docs/collect.md). */
#define PT_DEFAULT_TRIALS 5
#define PT_DEFAULT_WARMUP 1
#define PT_DEFAULT_SEED 42
#define PT_DEFAULT_TEMPERATURE 0.0
#define PT_DEFAULT_NUM_PREDICT 256
#define PT_DEFAULT_NUM_CTX 4096
#define PT_DEFAULT_KEEP_ALIVE "5m"

/* Bounds on a plan's (and a YAML prompt file's) YAML (docs/collect.md). */
#define PT_PLAN_MAX_BYTES ((size_t)1 << 20)     /* file size */
#define PT_PLAN_MAX_DEPTH 64                    /* lists and mappings nested */
/* Expanded size: every string's bytes plus one per value, counted again
 * each time an alias repeats it. */
#define PT_PLAN_MAX_EXPANDED ((size_t)8 << 20)

typedef struct pt_prompt {
  char *id;
  char *text;
} pt_prompt;

typedef struct pt_plan {
  char *source;          /* plan file path, NULL = none */
  char *version;         /* as written, NULL when absent */
  char **models;
  size_t n_models;
  pt_prompt *prompts;
  size_t n_prompts;
  long trials, warmup;   /* -1 = not set */
  bool has_seed, has_temperature, has_num_predict, has_num_ctx;
  int64_t seed, num_predict, num_ctx;
  double temperature;
  char *keep_alive;      /* seconds or a Go duration ("5m", "-1"); NULL = not set */
  cJSON *extra_options;  /* other Ollama options (object), NULL = none */
} pt_plan;

/* An empty plan (nothing set). */
void pt_plan_init(pt_plan *p);
/* Release everything; p becomes empty. NULL is a no-op. */
void pt_plan_free(pt_plan *p);

/* Parse a YAML plan from memory; name is used in messages. p must be
 * initialised; on failure it is left empty. */
pt_code pt_plan_parse(const char *data, size_t len, const char *name, pt_plan *p,
                      pt_error *err);
/* Read and parse a plan file (capped at PT_PLAN_MAX_BYTES); sets
 * p->source. */
pt_code pt_plan_read(const char *path, pt_plan *p, pt_error *err);

/* Replace the plan's prompts with those of a prompt file: a .yml/.yaml file
 * holds a YAML list of prompts as a plan's `prompts` (strings, {id, text},
 * {prompt, keywords}: without an id named p1, p2, ...);
 * any other file holds one prompt per line (blank lines and lines starting
 * with '#' skipped), named p1, p2, ... */
pt_code pt_prompts_read(const char *path, pt_plan *p, pt_error *err);

/* Replace the model list (strings copied). */
pt_code pt_plan_set_models(pt_plan *p, const char *const *models, size_t n, pt_error *err);
/* Replace keep_alive (copied). */
pt_code pt_plan_set_keep_alive(pt_plan *p, const char *keep_alive, pt_error *err);

/* Fill what is unset with the defaults and the built-in prompts; check that
 * there is a model and that counts are in range (PT_EUSAGE otherwise). */
pt_code pt_plan_finish(pt_plan *p, pt_error *err);

/* The built-in prompts (explain, code, summarize, reason, creative). */
const pt_prompt *pt_builtin_prompts(size_t *n);

/* keep_alive as Ollama takes it: a number when it is a whole number of
 * seconds, else the duration string. NULL on allocation failure. */
cJSON *pt_keep_alive_json(const char *keep_alive);

/* The "options" object sent with every request: seed, temperature,
 * num_predict, num_ctx and the extra options. Caller frees. */
cJSON *pt_plan_options_json(const pt_plan *p);

/* The effective plan as JSON for the manifest. Caller frees. */
cJSON *pt_plan_to_json(const pt_plan *p);

#endif
