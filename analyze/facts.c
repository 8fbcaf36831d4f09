/* analyze/facts.c - comparisons of two environments' machine facts (see
 * analyze/facts.h). The host object's keys are those collect/probe.c
 * writes (docs/collect.md "manifest.json"). */
#include "analyze/facts.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collect/manifest.h"
#include "core/buf.h"
#include "core/json.h"

static pt_code add(pt_fact_warnings *w, pt_error *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static pt_code add(pt_fact_warnings *w, pt_error *err, const char *code, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  pt_fact_warning *t = pt_grow_array(w->items, &w->cap, w->n + 1, sizeof *t);
  if (!t)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  w->items = t;
  char *m = strdup(msg);
  if (!m)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  w->items[w->n].code = code;
  w->items[w->n].message = m;
  w->n++;
  return PT_OK;
}

void pt_fact_warnings_free(pt_fact_warnings *w) {
  if (!w)
    return;
  for (size_t i = 0; i < w->n; i++)
    free(w->items[i].message);
  free(w->items);
  memset(w, 0, sizeof *w);
}

const cJSON *pt_facts_primary_gpu(const cJSON *host) { return pt_mf_primary_gpu(host); }

/* Two known strings that differ. */
static bool differ(const char *a, const char *b) { return a && b && strcmp(a, b); }

static bool virtualized(const cJSON *host) { return pt_mf_host_virtualized(host, NULL); }

/* "AMD Radeon RX 9060 XT (1002:7590)" or what of it is known. */
static void gpu_label(const cJSON *g, char *buf, size_t size) {
  const char *name = pt_json_str(g, PT_MF_NAME), *v = pt_json_str(g, PT_MF_PCI_VENDOR),
             *d = pt_json_str(g, PT_MF_PCI_DEVICE);
  char ids[32] = "";
  if (v && d)
    snprintf(ids, sizeof ids, "%s:%s", v + (strncasecmp(v, "0x", 2) ? 0 : 2),
             d + (strncasecmp(d, "0x", 2) ? 0 : 2));
  if (name && ids[0])
    snprintf(buf, size, "%s (%s)", name, ids);
  else
    snprintf(buf, size, "%s", name ? name : ids[0] ? ids : "unknown GPU");
}

static bool same_ids(const cJSON *ga, const cJSON *gb, bool *known) {
  const char *va = pt_json_str(ga, PT_MF_PCI_VENDOR), *vb = pt_json_str(gb, PT_MF_PCI_VENDOR),
             *da = pt_json_str(ga, PT_MF_PCI_DEVICE), *db = pt_json_str(gb, PT_MF_PCI_DEVICE);
  *known = va && vb && da && db;
  if (*known)
    return !strcasecmp(va, vb) && !strcasecmp(da, db);
  const char *na = pt_json_str(ga, PT_MF_NAME), *nb = pt_json_str(gb, PT_MF_NAME);
  *known = na && nb;
  return !*known || !strcmp(na, nb);
}

static pt_code compare_gpu(const pt_env_facts *a, const pt_env_facts *b, const cJSON *ga,
                           const cJSON *gb, pt_fact_warnings *w, pt_error *err) {
  pt_code rc = PT_OK;
  char la[256], lb[256];
  gpu_label(ga, la, sizeof la);
  gpu_label(gb, lb, sizeof lb);
  bool known;
  if (!same_ids(ga, gb, &known) && known)
    rc = add(w, err, "gpu-mismatch",
             "GPU: %s on %s, %s on %s; different hardware, so the penalty is not the "
             "virtualization layer's alone", la, a->name, lb, b->name);

  /* the driver, and for one that is part of the kernel, the kernel */
  const char *da = pt_json_str(ga, PT_MF_DRIVER), *db = pt_json_str(gb, PT_MF_DRIVER);
  const char *va = pt_json_str(ga, PT_MF_DRIVER_VERSION), *vb = pt_json_str(gb, PT_MF_DRIVER_VERSION);
  const char *ka = pt_json_str(a->host, PT_MF_KERNEL_RELEASE),
             *kb = pt_json_str(b->host, PT_MF_KERNEL_RELEASE);
  if (!rc && differ(da, db))
    rc = add(w, err, "gpu-driver-mismatch",
             "GPU driver: %s on %s, %s on %s; a different driver can change the speed by itself",
             da, a->name, db, b->name);
  else if (!rc && da && db && differ(va, vb))
    rc = add(w, err, "gpu-driver-mismatch",
             "GPU driver %s: version %s on %s, %s on %s; a driver update can change the speed "
             "by itself", da, va, a->name, vb, b->name);
  else if (!rc && da && db && !va && !vb && differ(ka, kb))
    rc = add(w, err, "gpu-driver-mismatch",
             "GPU driver %s is part of the kernel: %s on %s, %s on %s; a driver update can "
             "change the speed by itself", da, ka, a->name, kb, b->name);

  /* PCIe: the slowest link between the GPU and the CPU, by its maximum */
  double sa = pt_json_num(pt_json_get(ga, PT_MF_PCIE), PT_MF_PATH_MAX_SPEED_GTS),
         sb = pt_json_num(pt_json_get(gb, PT_MF_PCIE), PT_MF_PATH_MAX_SPEED_GTS);
  double wa = pt_json_num(pt_json_get(ga, PT_MF_PCIE), PT_MF_PATH_MAX_WIDTH),
         wb = pt_json_num(pt_json_get(gb, PT_MF_PCIE), PT_MF_PATH_MAX_WIDTH);
  bool speed = isfinite(sa) && isfinite(sb) && fabs(sa - sb) > 1e-9;
  bool width = isfinite(wa) && isfinite(wb) && wa != wb;
  if (!rc && (speed || width)) {
    const char *ta = pt_json_str(pt_json_get(ga, PT_MF_PCIE), PT_MF_PATH_MAX),
               *tb = pt_json_str(pt_json_get(gb, PT_MF_PCIE), PT_MF_PATH_MAX);
    bool vm = virtualized(a->host) || virtualized(b->host);
    rc = add(w, err, "pcie-link-mismatch",
             "PCIe link to the GPU: %s on %s, %s on %s; model loading and copies between "
             "host and GPU are slower on the narrower link, generation inside VRAM barely "
             "uses it%s", ta ? ta : "?", a->name, tb ? tb : "?", b->name,
             vm ? " (a VM shows the link its emulated root port reports, which need not be "
                  "the physical one)" : "");
  }

  /* Resizable BAR */
  const cJSON *ra = pt_json_get(ga, PT_MF_RESIZABLE_BAR), *rb = pt_json_get(gb, PT_MF_RESIZABLE_BAR);
  if (!rc && cJSON_IsBool(ra) && cJSON_IsBool(rb) && cJSON_IsTrue(ra) != cJSON_IsTrue(rb)) {
    const pt_env_facts *on = cJSON_IsTrue(ra) ? a : b, *offe = cJSON_IsTrue(ra) ? b : a;
    const cJSON *goff = cJSON_IsTrue(ra) ? gb : ga;
    double bar = pt_json_num(goff, PT_MF_LARGEST_PREFETCHABLE_BAR);
    char size[64] = "";
    if (isfinite(bar) && bar > 0)
      snprintf(size, sizeof size, ", a %.0f MiB window", bar / 1048576.0);
    rc = add(w, err, "resizable-bar-mismatch",
             "Resizable BAR: on for %s, off for %s%s; without it the CPU reaches VRAM through "
             "a small window, which slows model loading and host-GPU copies", on->name,
             offe->name, size);
  }
  return rc;
}

/* "avx512f, avx512_vnni" of the flags true in x and false in y. */
static size_t flags_only(const cJSON *x, const cJSON *y, char *buf, size_t size) {
  size_t n = 0, len = 0;
  buf[0] = '\0';
  const cJSON *f;
  cJSON_ArrayForEach(f, x) {
    const cJSON *other = pt_json_get(y, f->string);
    if (cJSON_IsTrue(f) && cJSON_IsFalse(other) && len < size) {
      len += (size_t)snprintf(buf + len, size - len, "%s%s", n ? ", " : "", f->string);
      n++;
    }
  }
  return n;
}

/* The facts of the two manifests' host objects (both known). */
static pt_code compare_hosts(const pt_env_facts *a, const pt_env_facts *b, pt_fact_warnings *w,
                             pt_error *err) {
  pt_code rc = PT_OK;
  const cJSON *ga = pt_facts_primary_gpu(a->host), *gb = pt_facts_primary_gpu(b->host);
  if (!rc && ga && gb)
    rc = compare_gpu(a, b, ga, gb, w, err);

  const char *ra = pt_json_str(a->host, PT_MF_ROCM_VERSION), *rb = pt_json_str(b->host, PT_MF_ROCM_VERSION);
  if (!rc && differ(ra, rb))
    rc = add(w, err, "rocm-mismatch",
             "ROCm %s on %s, %s on %s; the GPU libraries differ, which can change the speed by "
             "itself (Ollama may bring its own)", ra, a->name, rb, b->name);
  const char *ca = pt_json_str(a->host, PT_MF_CUDA_VERSION), *cb = pt_json_str(b->host, PT_MF_CUDA_VERSION);
  if (!rc && differ(ca, cb))
    rc = add(w, err, "cuda-mismatch",
             "CUDA %s on %s, %s on %s; the GPU libraries differ, which can change the speed by "
             "itself", ca, a->name, cb, b->name);

  const cJSON *fa = pt_json_get(a->host, PT_MF_CPU_FLAGS), *fb = pt_json_get(b->host, PT_MF_CPU_FLAGS);
  if (!rc && cJSON_IsObject(fa) && cJSON_IsObject(fb)) {
    char miss[512];
    if (flags_only(fa, fb, miss, sizeof miss))
      rc = add(w, err, "cpu-flags-mismatch",
               "CPU flags %s missing on %s (present on %s); llama.cpp takes slower code paths "
               "for CPU-side work (sampling, layers not on the GPU)%s", miss, b->name, a->name,
               virtualized(b->host) ? "; a VM's CPU model often hides them: pass the host "
                                      "CPU through (e.g. QEMU -cpu host)" : "");
    if (!rc && flags_only(fb, fa, miss, sizeof miss))
      rc = add(w, err, "cpu-flags-mismatch",
               "CPU flags %s missing on %s (present on %s); llama.cpp takes slower code paths "
               "for CPU-side work (sampling, layers not on the GPU)%s", miss, a->name, b->name,
               virtualized(a->host) ? "; a VM's CPU model often hides them: pass the host "
                                      "CPU through (e.g. QEMU -cpu host)" : "");
  }

  const char *pa = pt_json_str(a->host, PT_MF_GOVERNOR), *pb = pt_json_str(b->host, PT_MF_GOVERNOR);
  if (!rc && differ(pa, pb))
    rc = add(w, err, "governor-mismatch",
             "CPU frequency governor: %s on %s, %s on %s; the CPU-side work runs at other "
             "clocks", pa, a->name, pb, b->name);

  return rc;
}

pt_code pt_facts_compare(const pt_env_facts *a, const pt_env_facts *b, pt_fact_warnings *w,
                         pt_error *err) {
  pt_code rc = PT_OK;
  if (differ(a->ollama_version, b->ollama_version))
    rc = add(w, err, "version-mismatch",
             "Ollama %s on %s but %s on %s; another Ollama (and the llama.cpp inside it) can "
             "change the speed by itself", b->ollama_version, b->name, a->ollama_version,
             a->name);
  if (!rc && a->host && b->host)
    rc = compare_hosts(a, b, w, err);
  /* the clocks come from the trials: no manifest needed */
  double xa = a->gpu_clock_mhz, xb = b->gpu_clock_mhz;
  if (!rc && isfinite(xa) && isfinite(xb) && xa > 0 &&
      fabs(xb / xa - 1) * 100 > PT_FACTS_CLOCK_PCT + 1e-9) /* "more than": 2.0 % is not */
    rc = add(w, err, "gpu-clock-mismatch",
             "mean GPU clock during the trials: %.0f MHz on %s, %.0f MHz on %s (%+.1f%%); "
             "a different clock alone changes the rate (power limit, temperature, power "
             "profile)", xa, a->name, xb, b->name, (xb / xa - 1) * 100);
  return rc;
}

pt_code pt_facts_check(const pt_env_facts *e, pt_fact_warnings *w, pt_error *err) {
  const cJSON *g = pt_facts_primary_gpu(e->host);
  double crit = pt_json_num(g, PT_MF_TEMP_CRIT_C);
  if (isfinite(crit) && isfinite(e->gpu_temp_max_c) && e->gpu_temp_max_c >= crit) {
    const char *sensor = pt_json_str(g, PT_MF_TEMP_SENSOR);
    return add(w, err, "gpu-critical-temp",
               "on %s a trial reached %.0f °C, at or above the GPU's critical temperature "
               "(%.0f °C%s%s); the GPU throttles there, so the rate measures its cooling, not "
               "the virtualization layer", e->name, e->gpu_temp_max_c, crit,
               sensor ? ", " : "", sensor ? sensor : "");
  }
  return PT_OK;
}
