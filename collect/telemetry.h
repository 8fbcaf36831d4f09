/* collect/telemetry.h - GPU telemetry during each trial: clock,
 * temperature, power and load, sampled from a separate thread.
 *
 * Sources, for the primary GPU of the host probe (pt_host_primary_gpu):
 *   amdgpu  hwmon below the probe root: freq1_input (shader clock, Hz),
 *           freq2_input (memory clock, Hz), tempN_input of the probe's
 *           sensor (milli °C), power1_average, else power1_input (µW), and
 *           the device's gpu_busy_percent; each file is opened, read and
 *           closed per sample (a GPU that goes away fails the open)
 *   nvidia  one `nvidia-smi --query-gpu=pci.bus_id,clocks.sm,clocks.mem,
 *           temperature.gpu,power.draw,utilization.gpu
 *           --format=csv,noheader,nounits -lms MS` (from PATH) for the whole
 *           run, its lines read by the thread
 * Nothing is sampled when telemetry is turned off, when the Ollama endpoint
 * is not on this machine (the GPU doing the work is elsewhere) or when no
 * source is found; the info says why (the manifest's "telemetry" object).
 *
 * Use: pt_telemetry_open() once per run, then per trial pt_telemetry_begin()
 * and pt_telemetry_end(), which gives the trial's means (and the highest
 * temperature); pt_telemetry_close() at the end. Between begin and end the
 * thread samples at rate_hz; otherwise it sleeps. Every function is
 * thread-safe; sampling allocates nothing. Errors never stop a trial: a
 * metric that cannot be read is missing (NAN), and one that was read and
 * then fails gives one warning (pt_telemetry_warning) naming it - the GPU
 * may be gone when every metric fails, else the others are still
 * recorded - and missing values while it fails; nvidia-smi dying gives one
 * warning for all.
 */
#ifndef PT_TELEMETRY_H
#define PT_TELEMETRY_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "collect/probe.h"
#include "core/error.h"

#define PT_TELEMETRY_DEFAULT_HZ 4.0  /* samples per second during a trial */

typedef struct pt_telemetry pt_telemetry;

typedef struct pt_telemetry_cfg {
  const char *root;          /* the probe's root (hwmon paths are below it); NULL = "/" */
  double rate_hz;            /* samples per second, 0 = PT_TELEMETRY_DEFAULT_HZ; 0.1..100 */
  bool disabled;             /* --no-telemetry */
  bool endpoint_local;       /* the Ollama endpoint is on this machine */
  const char *endpoint_url;  /* named in the reason when it is not */
} pt_telemetry_cfg;

/* One trial's figures; NAN when no sample had the metric. */
typedef struct pt_gpu_stats {
  double clock_mhz;      /* mean shader clock */
  double mem_clock_mhz;  /* mean memory clock */
  double temp_c;         /* highest temperature */
  double temp_mean_c;    /* mean temperature */
  double power_w;        /* mean power */
  double busy_pct;       /* mean load */
  long samples;          /* samples taken during the trial */
} pt_gpu_stats;

/* What the manifest says about telemetry. */
typedef struct pt_telemetry_info {
  bool enabled;
  char source[256];   /* e.g. "amdgpu hwmon (card1, 0000:03:00.0)"; "" when off */
  char reason[512];   /* why it is off; "" when on */
  double rate_hz;
  long samples;       /* taken during trials so far */
  double sampled_s;   /* wall time of the trials sampled */
  double cpu_s;       /* CPU time the sampling took: its thread, any sample
                         taken by pt_telemetry_end, and nvidia-smi while it runs */
} pt_telemetry_info;

/* Decide whether and how to sample (cfg, the host probe's primary GPU) and
 * start the thread. Only running out of memory fails (PT_ENOMEM); every
 * other problem leaves telemetry off with a reason. Free with
 * pt_telemetry_close. */
pt_code pt_telemetry_open(const pt_telemetry_cfg *cfg, const pt_host *host, pt_telemetry **out,
                          pt_error *err);
/* A trial starts: reset the figures and sample until pt_telemetry_end. */
void pt_telemetry_begin(pt_telemetry *t);
/* The trial ended: its figures into out (all NAN when off or no sample). */
void pt_telemetry_end(pt_telemetry *t, pt_gpu_stats *out);
/* The warnings not yet handed out ("GPU telemetry: ...", several joined by
 * "; "), at most one per metric and run;
 * false when there is none. */
bool pt_telemetry_warning(pt_telemetry *t, char *buf, size_t size);
void pt_telemetry_get_info(pt_telemetry *t, pt_telemetry_info *out);
/* Stop the thread (and nvidia-smi) and free t; NULL does nothing. */
void pt_telemetry_close(pt_telemetry *t);

/* The manifest's "telemetry" object. NULL when out of memory. */
cJSON *pt_telemetry_info_json(const pt_telemetry_info *info);

#endif
