/* analyze/facts.h - warnings that explain a penalty: what differs between
 * two environments' machines (their manifests' "host" objects, written by
 * collect/probe.c), and what went wrong in one.
 *
 * pt_facts_compare() compares an environment B with the baseline A:
 *   gpu-mismatch            the primary GPUs are different models
 *   gpu-driver-mismatch     GPU driver or its version (for a driver that is
 *                           part of the kernel: the kernel release) differs
 *   rocm-mismatch           ROCm versions differ
 *   cuda-mismatch           CUDA versions differ
 *   version-mismatch        Ollama versions differ
 *   pcie-link-mismatch      the slowest PCIe link between the GPU and the CPU
 *                           (its maximum speed or width) differs
 *   resizable-bar-mismatch  Resizable BAR on one side only
 *   cpu-flags-mismatch      inference-relevant CPU flags present on one side
 *                           only, named
 *   governor-mismatch       CPU frequency governors differ
 *   gpu-clock-mismatch      mean GPU clock during the trials differs by more
 *                           than PT_FACTS_CLOCK_PCT
 * pt_facts_check() looks at one environment:
 *   gpu-critical-temp       a trial reached the GPU's critical temperature
 * Each message is one line: what differs, the values on each side, and what
 * it means for the measurement. A fact unknown on either side (an old
 * manifest, a file the probe could not read) is not compared.
 */
#ifndef PT_FACTS_H
#define PT_FACTS_H

#include <cJSON.h>
#include <stddef.h>

#include "core/error.h"

#define PT_FACTS_CLOCK_PCT 2.0  /* GPU clock difference worth a warning, % */

/* One environment, as the analyzer knows it. Everything is borrowed. */
typedef struct pt_env_facts {
  const char *name;            /* environment name for messages */
  const cJSON *host;           /* the manifest's "host" object; NULL = unknown */
  const char *ollama_version;  /* NULL = unknown */
  double gpu_clock_mhz;        /* mean gpu_clock_mhz of its trials; NAN = unknown */
  double gpu_temp_max_c;       /* highest gpu_temp_c of its trials; NAN = unknown */
} pt_env_facts;

typedef struct pt_fact_warning {
  const char *code;  /* one of the codes above (a static string) */
  char *message;     /* owned */
} pt_fact_warning;

/* A list the functions append to; start it zeroed, free it with
 * pt_fact_warnings_free. */
typedef struct pt_fact_warnings {
  pt_fact_warning *items;
  size_t n, cap;
} pt_fact_warnings;

/* Append the warnings of b against the baseline a. PT_ENOMEM when out of
 * memory (what was appended before stays). */
pt_code pt_facts_compare(const pt_env_facts *a, const pt_env_facts *b, pt_fact_warnings *out,
                         pt_error *err);
/* Append the warnings about env alone. */
pt_code pt_facts_check(const pt_env_facts *env, pt_fact_warnings *out, pt_error *err);
void pt_fact_warnings_free(pt_fact_warnings *w);

/* The primary GPU of a manifest's host object: the one marked "primary",
 * else the one with the most VRAM; NULL when there is none. */
const cJSON *pt_facts_primary_gpu(const cJSON *host);

#endif
