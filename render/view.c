/* render/view.c - the view model of a report (render/view.h): a copy of the
 * analysis document with the formatted strings templates print.
 *
 * The document is read through analyze/doc.h (its keys, accessors and the
 * environments' display order) and numbers go through the formatters
 * `ptbench analyze` uses (pt_fmt_* there, pt_md_escape in
 * analyze/analysis.h), so a template that prints rows[].cells[].value gives
 * the same bytes as `analyze --format md`.
 * Every string is added with set_*(), which replaces a member of the same
 * name, so a document that already carries (say) "mean_fmt" cannot shadow
 * the computed one. Allocation failures are collected in one flag per build.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analysis.h"
#include "analyze/doc.h"
#include "collect/manifest.h"
#include "core/buf.h"
#include "core/json.h"
#include "render/chart.h"
#include "render/method.h"
#include "render/vbuild.h"
#include "render/view.h"

typedef pt_vbuild builder;

/* The view's strings: NULL gives "—" (the value does not exist). */
static void set_str(builder *b, cJSON *obj, const char *key, const char *s) {
  pt_vb_str(b, obj, key, s ? s : PT_DASH);
}

/* key = s escaped for Markdown (pt_md_escape); NULL gives "—". */
static void set_md(builder *b, cJSON *obj, const char *key, const char *s) {
  if (s)
    pt_vb_md(b, obj, key, s);
  else
    set_str(b, obj, key, PT_DASH);
}

/* ---------------------------------------------------------------- formats */

static const char *fmt2(double v, char *buf, size_t size) {
  return pt_fmt_num(v, 2, buf, size);
}

/* "± 0.42": half the width of [lo, hi]; "—" when either end is missing. */
static const char *fmt_pm(double lo, double hi, char *buf, size_t size) {
  if (!isfinite(lo) || !isfinite(hi))
    return snprintf(buf, size, "%s", PT_DASH), buf;
  char n[64];
  snprintf(buf, size, "\xC2\xB1 %s", fmt2((hi - lo) / 2, n, sizeof n));
  return buf;
}

/* "95%" for 0.95, "99.5%" for 0.995. */
static const char *fmt_level(double v, char *buf, size_t size) {
  if (!isfinite(v))
    return snprintf(buf, size, "%s", PT_DASH), buf;
  snprintf(buf, size, "%g%%", v * 100);
  return buf;
}

static const char *fmt_bytes(double v, char *buf, size_t size) {
  snprintf(buf, size, "%.1f GiB", v / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

/* ----------------------------------------------------------- environments */

typedef struct env_ref {
  cJSON *env;         /* the view's environments[] item */
  const char *name;
  const char *label;  /* label, else name */
} env_ref;

static const char *label_of(const env_ref *envs, size_t n, const char *name) {
  for (size_t i = 0; name && i < n; i++)
    if (!strcmp(envs[i].name, name))
      return envs[i].label;
  return name;
}

/* One line of the environment's manifest summary: about[] = {key, value,
 * value_md}, and the same value as members of env named field and
 * field_md (Markdown-escaped). */
static void about(builder *b, cJSON *env, cJSON *list, const char *field, const char *key,
                  const char *value) {
  if (!value || !*value)
    return;
  cJSON *o = pt_vb_push_object(b, list);
  if (!o)
    return;
  set_str(b, o, "key", key);
  set_md(b, o, "key_md", key);
  set_str(b, o, "value", value);
  set_md(b, o, "value_md", value);
  set_str(b, env, field, value);
  char md_field[64];
  snprintf(md_field, sizeof md_field, "%s_md", field);
  set_md(b, env, md_field, value);
}

/* "16 GiB", "15.9 GiB", "256 MiB": a size in binary units. */
static const char *fmt_size(double v, char *buf, size_t size) {
  double gib = v / (1024.0 * 1024.0 * 1024.0), mib = v / (1024.0 * 1024.0);
  if (gib >= 1)
    snprintf(buf, size, gib == floor(gib) ? "%.0f GiB" : "%.1f GiB", gib);
  else
    snprintf(buf, size, mib == floor(mib) ? "%.0f MiB" : "%.1f MiB", mib);
  return buf;
}

/* "AMD" from "Advanced Micro Devices, Inc. [AMD/ATI]", "NVIDIA" from
 * "NVIDIA Corporation": what people call a vendor. */
static void vendor_short(const char *vendor, char *buf, size_t size) {
  buf[0] = '\0';
  if (!vendor)
    return;
  const char *lb = strchr(vendor, '['), *rb = lb ? strchr(lb, ']') : NULL;
  if (lb && rb) {
    size_t n = strcspn(lb + 1, "/]");
    snprintf(buf, size, "%.*s", (int)n, lb + 1);
    return;
  }
  /* "Red Hat, Inc." -> "Red Hat", "NVIDIA Corporation" -> "NVIDIA" */
  size_t n = strcspn(vendor, ",");
  static const char *const suffixes[] = {" Corporation", " Corp.", " Inc.", " Ltd."};
  for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
    size_t k = strlen(suffixes[i]);
    if (n > k && !strncmp(vendor + n - k, suffixes[i], k))
      n -= k;
  }
  snprintf(buf, size, "%.*s", (int)n, vendor);
}

void pt_view_gpu_name(const cJSON *gpu, char *buf, size_t size) {
  pt_mf_gpu_info g = pt_mf_gpu_info_of(gpu);
  char v[64];
  vendor_short(g.vendor, v, sizeof v);
  if (g.product)
    snprintf(buf, size, "%s", g.product);
  else if (g.device)
    snprintf(buf, size, "%s%s%s", v, *v ? " " : "", g.device);
  else
    snprintf(buf, size, "%s%sGPU %s:%s", v, *v ? " " : "",
             g.pci_vendor ? g.pci_vendor + (strncmp(g.pci_vendor, "0x", 2) ? 0 : 2) : "?",
             g.pci_device ? g.pci_device + (strncmp(g.pci_device, "0x", 2) ? 0 : 2) : "?");
}

/* "16 GT/s x16": a PCIe link; "" when unknown. */
static const char *fmt_link(double gts, double width, char *buf, size_t size) {
  if (!isfinite(gts) || !isfinite(width)) {
    buf[0] = '\0';
    return buf;
  }
  snprintf(buf, size, "%g GT/s x%g", gts, width);
  return buf;
}

/* The rows of the probed primary GPU (a published setup names its GPU
 * instead): GPU, GPU driver, PCIe link, BAR; and the other cards. */
static void gpu_rows(builder *b, cJSON *env, cJSON *list, const cJSON *host) {
  const cJSON *primary = pt_mf_primary_gpu(host), *g;
  char buf[512], a[64], c[64];
  if (primary) {
    pt_mf_gpu_info gi = pt_mf_gpu_info_of(primary);
    pt_view_gpu_name(primary, buf, sizeof buf);
    if ((gi.product || gi.device) && gi.pci_vendor && gi.pci_device) {
      /* the PCI ids beside a name, so the same card reads the same */
      size_t n = strlen(buf);
      snprintf(buf + n, sizeof buf - n, " (%s:%s)",
               gi.pci_vendor + (strncmp(gi.pci_vendor, "0x", 2) ? 0 : 2),
               gi.pci_device + (strncmp(gi.pci_device, "0x", 2) ? 0 : 2));
    }
    if (isfinite(gi.vram_bytes) && gi.vram_bytes > 0) {
      size_t n = strlen(buf);
      snprintf(buf + n, sizeof buf - n, ", %s VRAM", fmt_size(gi.vram_bytes, a, sizeof a));
    }
    about(b, env, list, "gpu", "GPU", buf);
    if (gi.driver) {
      snprintf(buf, sizeof buf, "%s%s%s", gi.driver, gi.driver_version ? " " : "",
               gi.driver_version ? gi.driver_version : "");
      about(b, env, list, "gpu_driver", "GPU driver", buf);
    }
    fmt_link(gi.link_max_speed_gts, gi.link_max_width, a, sizeof a);
    fmt_link(gi.link_speed_gts, gi.link_width, c, sizeof c);
    if (*a && *c && strcmp(a, c))
      snprintf(buf, sizeof buf, "%s (%s when probed)", a, c);
    else
      snprintf(buf, sizeof buf, "%s", *a ? a : c);
    about(b, env, list, "pcie", "PCIe link", buf);
    if (isfinite(gi.bar_bytes) && gi.bar_bytes > 0) {
      snprintf(buf, sizeof buf, "%s%s", fmt_size(gi.bar_bytes, a, sizeof a),
               gi.resizable_bar == 1   ? " (Resizable BAR: the whole VRAM)"
               : gi.resizable_bar == 0 ? " (no Resizable BAR)"
                                       : "");
      about(b, env, list, "bar", "BAR", buf);
    }
  }
  pt_buf others = PT_BUF_INIT;
  cJSON_ArrayForEach(g, pt_json_get(host, PT_MF_GPUS)) {
    if (g == primary || !cJSON_IsObject(g))
      continue;
    pt_view_gpu_name(g, buf, sizeof buf);
    const char *drv = pt_json_str(g, PT_MF_DRIVER);
    if (pt_buf_printf(&others, "%s%s%s%s%s", others.len ? ", " : "", buf, drv ? " (" : "",
                      drv ? drv : "", drv ? ")" : ""))
      b->ok = false;
  }
  /* no card stands out (none has its VRAM known): every one is "GPU" */
  if (others.len)
    about(b, env, list, primary ? "other_gpus" : "gpu", primary ? "Other GPUs" : "GPU",
          others.data);
  pt_buf_free(&others);
}

/* What the manifest says about the machine, for the environments table:
 * the run's facts (its first session's, collect/manifest.h), and its
 * notes (notes[] = {key, value, key_md, value_md}). */
static void env_about(builder *b, cJSON *env, const cJSON *man) {
  cJSON *list = pt_vb_add_array(b, env, "about");
  if (!list)
    return;
  pt_mf_facts f = pt_mf_facts_of(man);
  const cJSON *host = f.host;
  char buf[512];
  about(b, env, list, "ollama_version", "Ollama", f.ollama_version);
  about(b, env, list, "hostname", "Host", pt_json_str(host, PT_MF_HOSTNAME));
  about(b, env, list, "os", "OS", pt_json_str(host, PT_MF_OS));
  about(b, env, list, "kernel", "Kernel", pt_json_str(host, PT_MF_KERNEL));
  about(b, env, list, "cpu", "CPU", pt_json_str(host, PT_MF_CPU_MODEL));
  double mem = pt_json_num(host, PT_MF_MEMORY_BYTES);
  if (isfinite(mem) && mem > 0)
    about(b, env, list, "memory", "Memory", fmt_bytes(mem, buf, sizeof buf));
  /* a published setup names the GPU; a probed host lists its cards */
  if (f.gpu_model) {
    snprintf(buf, sizeof buf, "%s%s%s", f.gpu_model, f.gpu_vram ? " " : "",
             f.gpu_vram ? f.gpu_vram : "");
    about(b, env, list, "gpu", "GPU", buf);
  } else {
    gpu_rows(b, env, list, host);
  }
  about(b, env, list, "passthrough", "GPU passthrough", f.passthrough);
  about(b, env, list, "hypervisor_host", "Hypervisor host",
        pt_json_str(host, PT_MF_HYPERVISOR_HOST));
  bool known, detected = pt_mf_host_virtualized(host, &known);
  if (known) {
    const char *by = pt_json_str(pt_json_get(host, PT_MF_VIRTUALIZATION), PT_MF_BY);
    if (detected)
      snprintf(buf, sizeof buf, "yes%s%s%s", by ? " (" : "", by ? by : "", by ? ")" : "");
    else
      snprintf(buf, sizeof buf, "no");
    about(b, env, list, "virtualization", "Virtualization", buf);
  }
  about(b, env, list, "rocm", "ROCm", f.rocm ? f.rocm : pt_mf_rocm_version(host));
  about(b, env, list, "cuda", "CUDA", pt_mf_cuda_version(host));
  about(b, env, list, "runtime", "Runtime", f.runtime);
  /* what no probe sees (--note KEY=VALUE), as rows of their own */
  cJSON *notes = pt_vb_add_array(b, env, "notes");
  const cJSON *n;
  cJSON_ArrayForEach(n, pt_mf_notes(pt_mf_session(man, 0))) {
    if (!cJSON_IsString(n) || !n->string)
      continue;
    cJSON *o = pt_vb_push_object(b, notes), *row = pt_vb_push_object(b, list);
    if (!o || !row)
      break;
    set_str(b, o, "key", n->string);
    set_md(b, o, "key_md", n->string);
    set_str(b, o, "value", n->valuestring);
    set_md(b, o, "value_md", n->valuestring);
    snprintf(buf, sizeof buf, "Note: %s", n->string);
    set_str(b, row, "key", buf);
    set_md(b, row, "key_md", buf);
    set_str(b, row, "value", n->valuestring);
    set_md(b, row, "value_md", n->valuestring);
  }
  pt_vb_bool(b, env, "has_notes", cJSON_GetArraySize(notes) > 0);
  pt_vb_bool(b, env, "has_about", cJSON_GetArraySize(list) > 0);
}

/* Fill envs (one per item of order: the display order of analyze/doc.h)
 * and add label, label_md, is_baseline and the manifest summary to each. */
static size_t prepare_envs(builder *b, const pt_doc_envs *order, env_ref *envs) {
  size_t n = 0;
  for (size_t i = 0; i < order->n; i++) {
    cJSON *e = order->items[i];
    const char *name = pt_doc_env_name(e);
    /* every environment of the view has a label: the document's, else the name */
    if (!pt_doc_env_label(e))
      set_str(b, e, PT_DOC_LABEL, name);
    const char *label = pt_doc_env_label(e);
    if (!label)
      return n;
    envs[n++] = (env_ref){e, name, label};
    set_md(b, e, "label_md", label);
    set_md(b, e, "name_md", name);
    pt_vb_bool(b, e, "is_baseline", pt_doc_env_is_baseline(e));
    env_about(b, e, pt_doc_env_manifest(e));
  }
  return n;
}

/* ----------------------------------------------------- models and groups */

/* verdict_fmt ("worse", "no difference", "undetermined", "—"), undetermined
 * and, when it is, verdict_note / verdict_note_md: what it means and what
 * to do (analyze/doc.h). */
static void verdict_fields(builder *b, cJSON *c) {
  char buf[64];
  set_str(b, c, "verdict_fmt", pt_fmt_verdict(c, buf, sizeof buf));
  pt_vb_bool(b, c, "undetermined", pt_doc_undetermined(c));
  const char *note = pt_doc_verdict_note(c);
  set_str(b, c, "verdict_note", note ? note : "");
  set_md(b, c, "verdict_note_md", note ? note : "");
}

/* Add note to the view's list of distinct undetermined notes. */
static void add_note(builder *b, cJSON *notes, const char *note) {
  if (!note || !notes)
    return;
  const cJSON *it;
  cJSON_ArrayForEach(it, notes) {
    const char *text = pt_json_str(it, "text");
    if (text && !strcmp(text, note))
      return;
  }
  cJSON *o = pt_vb_push_object(b, notes);
  if (!o)
    return;
  set_str(b, o, "text", note);
  set_md(b, o, "text_md", note);
}

static void comparison_fields(builder *b, cJSON *c, const env_ref *envs, size_t nenv) {
  char buf[128];
  const char *env = pt_doc_item_env(c);
  set_str(b, c, "label", label_of(envs, nenv, env));
  set_md(b, c, "label_md", label_of(envs, nenv, env));
  set_str(b, c, "penalty_fmt", pt_fmt_penalty(c, buf, sizeof buf));
  set_str(b, c, "penalty_ci_fmt",
          pt_fmt_pct_range(pt_json_num(c, PT_DOC_PENALTY_CI_LOW),
                        pt_json_num(c, PT_DOC_PENALTY_CI_HIGH), buf, sizeof buf));
  set_str(b, c, "p_fmt", pt_fmt_p(pt_json_num(c, PT_DOC_P_VALUE), buf, sizeof buf));
  /* the p the verdict was decided on: adjusted across models when it was;
   * none for an undetermined verdict, whose p decides nothing (it stays in
   * analysis.json as p_value) */
  double pa = pt_json_num(c, PT_DOC_P_ADJUSTED);
  set_str(b, c, "p_verdict_fmt",
          pt_doc_undetermined(c) ? PT_DASH
          : pt_fmt_p(cJSON_IsNumber(pt_json_get(c, PT_DOC_P_ADJUSTED))
                         ? pa
                         : pt_json_num(c, PT_DOC_P_VALUE),
                     buf, sizeof buf));
  double r = pt_json_num(c, PT_DOC_RATIO);
  set_str(b, c, "ratio_fmt", isfinite(r) ? (snprintf(buf, sizeof buf, "%.3f", r), buf) : PT_DASH);
  const cJSON *sig = pt_json_get(c, PT_DOC_SIGNIFICANT);
  set_str(b, c, "significant_mark", cJSON_IsFalse(sig) ? "~" : "");
  set_str(b, c, "significant_text",
          cJSON_IsTrue(sig) ? "yes" : cJSON_IsFalse(sig) ? "no" : PT_DASH);
  verdict_fields(b, c);
}

/* The comparison's strings on a group row; "—" when there is none. */
static void group_penalty(builder *b, cJSON *g, const cJSON *c) {
  static const char *const keys[] = {"penalty_fmt",      "penalty_ci_fmt",   "p_fmt",
                                     "significant_mark", "significant_text", "verdict_fmt",
                                     "p_verdict_fmt"};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
    const char *v = c ? pt_json_str(c, keys[i]) : NULL;
    set_str(b, g, keys[i], v ? v : i == 3 ? "" : PT_DASH);
  }
}

static void group_fields(builder *b, cJSON *g, const env_ref *envs, size_t nenv) {
  char buf[128];
  const char *env = pt_doc_item_env(g);
  double mean = pt_json_num(g, PT_DOC_MEAN);
  set_str(b, g, "label", label_of(envs, nenv, env));
  set_md(b, g, "label_md", label_of(envs, nenv, env));
  bool base = false;
  for (size_t i = 0; env && i < nenv; i++)
    if (!strcmp(envs[i].name, env))
      base = pt_json_bool(envs[i].env, "is_baseline", false);
  pt_vb_bool(b, g, "is_baseline", base);
  set_str(b, g, "mean_fmt", fmt2(mean, buf, sizeof buf));
  set_str(b, g, "ci_fmt",
          fmt_pm(pt_json_num(g, PT_DOC_CI_LOW), pt_json_num(g, PT_DOC_CI_HIGH), buf, sizeof buf));
  set_str(b, g, "ci_low_fmt", fmt2(pt_json_num(g, PT_DOC_CI_LOW), buf, sizeof buf));
  set_str(b, g, "ci_high_fmt", fmt2(pt_json_num(g, PT_DOC_CI_HIGH), buf, sizeof buf));
  set_str(b, g, "cv_fmt", pt_fmt_pct(pt_json_num(g, PT_DOC_CV_PCT), buf, sizeof buf));
  set_str(b, g, "stddev_fmt", fmt2(pt_json_num(g, PT_DOC_STDDEV), buf, sizeof buf));
  set_str(b, g, "median_fmt", fmt2(pt_json_num(g, PT_DOC_MEDIAN), buf, sizeof buf));
  set_str(b, g, "min_fmt", fmt2(pt_json_num(g, PT_DOC_MIN), buf, sizeof buf));
  set_str(b, g, "max_fmt", fmt2(pt_json_num(g, PT_DOC_MAX), buf, sizeof buf));
  if (!cJSON_IsNumber(pt_json_get(g, PT_DOC_N)))
    pt_vb_num(b, g, PT_DOC_N, 0);
  /* the GPU during the group's trials: mean clock, temperature, power */
  const cJSON *t = pt_json_get(g, PT_DOC_TELEMETRY);
  set_str(b, g, "gpu_clock_fmt", pt_fmt_num(pt_json_num(t, PT_DOC_GPU_CLOCK_MHZ), 0, buf, sizeof buf));
  set_str(b, g, "gpu_temp_fmt", pt_fmt_num(pt_json_num(t, PT_DOC_GPU_TEMP_C), 0, buf, sizeof buf));
  set_str(b, g, "gpu_power_fmt", pt_fmt_num(pt_json_num(t, PT_DOC_GPU_POWER_W), 1, buf, sizeof buf));
  pt_vb_bool(b, g, "has_telemetry", cJSON_IsObject(t));
}

/* The results table: header_cells, penalty_headers and rows in the order
 * of `analyze --format md`. */
static void table(builder *b, cJSON *view, const env_ref *envs, size_t nenv) {
  cJSON *hc = pt_vb_add_array(b, view, "header_cells"), *ph = pt_vb_add_array(b, view, "penalty_headers");
  cJSON *rows = pt_vb_add_array(b, view, "rows");
  if (!hc || !ph || !rows)
    return;
  for (size_t i = 0; i < nenv; i++) {
    cJSON *o = pt_vb_push_object(b, hc);
    if (!o)
      return;
    set_str(b, o, PT_DOC_ENVIRONMENT, envs[i].name);
    set_str(b, o, "label", envs[i].label);
    set_md(b, o, "label_md", envs[i].label);
  }
  for (size_t i = 1; i < nenv; i++) {
    cJSON *o = pt_vb_push_object(b, ph);
    pt_buf s = PT_BUF_INIT, md = PT_BUF_INIT;
    if (!o)
      return;
    if (nenv == 2) {
      set_str(b, o, "label", "Penalty (%)");
      set_str(b, o, "label_md", "Penalty (%)");
    } else if (pt_buf_printf(&s, "Penalty %s (%%)", envs[i].label) ||
               pt_buf_puts(&md, "Penalty ") || pt_md_escape(&md, envs[i].label) ||
               pt_buf_puts(&md, " (%)")) {
      b->ok = false;
    } else {
      set_str(b, o, "label", s.data);
      set_str(b, o, "label_md", md.data);
    }
    set_str(b, o, PT_DOC_ENVIRONMENT, envs[i].name);
    pt_buf_free(&s);
    pt_buf_free(&md);
  }
  cJSON *m;
  cJSON_ArrayForEach(m, pt_doc_models(view)) {
    cJSON *row = pt_vb_push_object(b, rows), *cells, *pens;
    if (!row)
      return;
    set_str(b, row, "model", pt_doc_model_name(m));
    set_str(b, row, "model_md", pt_json_str(m, "model_md"));
    if (!(cells = pt_vb_add_array(b, row, "cells")) || !(pens = pt_vb_add_array(b, row, "penalties")))
      return;
    for (size_t i = 0; i < nenv; i++) {
      const cJSON *g = pt_doc_group_of(m, envs[i].name);
      cJSON *cell = g ? cJSON_Duplicate(g, true) : cJSON_CreateObject();
      if (!cell || !cJSON_AddItemToArray(cells, cell)) {
        cJSON_Delete(cell);
        b->ok = false;
        return;
      }
      set_str(b, cell, "value", g ? pt_json_str(g, "mean_fmt") : PT_DASH);
      if (!g) {
        set_str(b, cell, PT_DOC_ENVIRONMENT, envs[i].name);
        set_str(b, cell, "label", envs[i].label);
      }
    }
    for (size_t i = 1; i < nenv; i++) {
      const cJSON *c = pt_doc_comparison_of(m, envs[i].name);
      cJSON *cell = c ? cJSON_Duplicate(c, true) : cJSON_CreateObject();
      if (!cell || !cJSON_AddItemToArray(pens, cell)) {
        cJSON_Delete(cell);
        b->ok = false;
        return;
      }
      if (!c) {
        set_str(b, cell, "penalty_fmt", PT_DASH);
        set_str(b, cell, PT_DOC_ENVIRONMENT, envs[i].name);
      }
    }
  }
}

static void models(builder *b, cJSON *view, const env_ref *envs, size_t nenv, bool *single,
                   double *nmin, double *nmax, bool *telemetry) {
  cJSON *m, *it;
  size_t groups = 0;
  *telemetry = false;
  *single = true;
  *nmin = INFINITY;
  *nmax = 0;
  cJSON_ArrayForEach(m, pt_doc_models(view)) {
    if (!cJSON_IsObject(m))
      continue;
    if (!pt_doc_model_name(m))
      set_str(b, m, PT_DOC_MODEL, "?");
    set_md(b, m, "model_md", pt_doc_model_name(m));
    cJSON *comps = pt_doc_comparisons(m);
    cJSON_ArrayForEach(it, comps) if (cJSON_IsObject(it)) comparison_fields(b, it, envs, nenv);
    cJSON *gs = pt_doc_groups(m);
    if (!gs)
      continue;
    cJSON_ArrayForEach(it, gs) {
      if (!cJSON_IsObject(it))
        continue;
      group_fields(b, it, envs, nenv);
      *telemetry = *telemetry || pt_json_bool(it, "has_telemetry", false);
      group_penalty(b, it, pt_doc_find_env_item(comps, pt_doc_item_env(it)));
      double n = pt_json_num(it, PT_DOC_N);
      *single = *single && n == 1;
      *nmin = n < *nmin ? n : *nmin;
      *nmax = n > *nmax ? n : *nmax;
      groups++;
    }
  }
  if (!groups) {
    *single = false;
    *nmin = 0;
  }
}

/* ---------------------------------------------------------------- summary */

static void summary(builder *b, cJSON *view, const env_ref *envs, size_t nenv) {
  cJSON *s = pt_doc_summary(view);
  if (!s) {
    pt_vb_item(b, view, PT_DOC_SUMMARY, cJSON_CreateObject());
    if (!(s = pt_doc_summary(view)))
      return;
  }
  cJSON *c;
  cJSON *first = NULL;
  char buf[128];
  cJSON_ArrayForEach(c, pt_doc_summary_comparisons(view)) {
    if (!cJSON_IsObject(c))
      continue;
    const char *env = pt_doc_item_env(c);
    set_str(b, c, "label", label_of(envs, nenv, env));
    set_md(b, c, "label_md", label_of(envs, nenv, env));
    set_str(b, c, "mean_penalty_fmt",
            pt_fmt_pct(pt_json_num(c, PT_DOC_MEAN_PENALTY_PCT), buf, sizeof buf));
    set_str(b, c, "geomean_penalty_fmt",
            pt_fmt_pct(pt_json_num(c, PT_DOC_GEOMEAN_PENALTY_PCT), buf, sizeof buf));
    /* the across-models session model (absent when it was not fitted) */
    set_str(b, c, "penalty_fmt", pt_fmt_penalty(c, buf, sizeof buf));
    set_str(b, c, "penalty_ci_fmt",
            pt_fmt_pct_range(pt_json_num(c, PT_DOC_PENALTY_CI_LOW),
                          pt_json_num(c, PT_DOC_PENALTY_CI_HIGH), buf, sizeof buf));
    pt_vb_bool(b, c, "has_model", pt_doc_verdict(c) != NULL);
    verdict_fields(b, c);
    /* the smallest and largest penalty, and whose */
    const cJSON *m, *lo = NULL, *hi = NULL;
    const char *lo_m = NULL, *hi_m = NULL;
    cJSON_ArrayForEach(m, pt_doc_models(view)) {
      const cJSON *mc = pt_doc_comparison_of(m, env);
      double p = pt_json_num(mc, PT_DOC_PENALTY_PCT);
      if (!isfinite(p))
        continue;
      if (!lo || p < pt_json_num(lo, PT_DOC_PENALTY_PCT))
        lo = mc, lo_m = pt_doc_model_name(m);
      if (!hi || p > pt_json_num(hi, PT_DOC_PENALTY_PCT))
        hi = mc, hi_m = pt_doc_model_name(m);
    }
    set_str(b, c, "min_penalty_fmt",
            pt_fmt_pct(pt_json_num(lo, PT_DOC_PENALTY_PCT), buf, sizeof buf));
    set_str(b, c, "min_penalty_model", lo_m);
    set_md(b, c, "min_penalty_model_md", lo_m);
    set_str(b, c, "max_penalty_fmt",
            pt_fmt_pct(pt_json_num(hi, PT_DOC_PENALTY_PCT), buf, sizeof buf));
    set_str(b, c, "max_penalty_model", hi_m);
    set_md(b, c, "max_penalty_model_md", hi_m);
    /* "over 1 model" / "over 4 models"; one model has no range to give */
    double nm = pt_json_num(c, PT_DOC_MODELS);
    set_str(b, c, "models_text",
            isfinite(nm) ? (snprintf(buf, sizeof buf, "%.0f model%s", nm, nm == 1 ? "" : "s"), buf)
                         : PT_DASH);
    pt_vb_bool(b, c, "several_models", isfinite(nm) && nm > 1);
    if (!first)
      first = c;
  }
  /* the first compared environment's figures, flat, for two-environment
   * templates: {{summary.mean_penalty_fmt}} */
  static const char *const flat[] = {"label", "label_md", "mean_penalty_fmt",
                                     "geomean_penalty_fmt", "penalty_fmt", "penalty_ci_fmt",
                                     "verdict_fmt", "verdict_note", "verdict_note_md",
                                     "min_penalty_fmt",
                                     "min_penalty_model", "min_penalty_model_md",
                                     "max_penalty_fmt", "max_penalty_model",
                                     "max_penalty_model_md"};
  for (size_t i = 0; i < sizeof flat / sizeof *flat; i++)
    set_str(b, s, flat[i], first ? pt_json_str(first, flat[i]) : NULL);
  pt_vb_num(b, s, PT_DOC_MODELS, first ? pt_json_num(first, PT_DOC_MODELS) : 0);
  pt_vb_bool(b, view, "has_comparisons", first != NULL);
}

/* --------------------------------------------------------------- the view */

static void top_level(builder *b, cJSON *view, const env_ref *envs, size_t nenv) {
  char buf[256];
  cJSON *metric = pt_doc_metric(view);
  if (!metric) {
    pt_vb_item(b, view, PT_DOC_METRIC, cJSON_CreateObject());
    metric = pt_doc_metric(view);
  }
  /* the view's metric has a label (else the name) and a unit */
  pt_doc_metric_info mi = pt_doc_metric_of(view);
  if (metric && !mi.label)
    set_str(b, metric, PT_DOC_LABEL, mi.name);
  if (metric && !mi.unit)
    set_str(b, metric, PT_DOC_UNIT, "");
  mi = pt_doc_metric_of(view);
  set_md(b, metric, "label_md", mi.label);
  set_md(b, metric, "unit_md", mi.unit);

  set_str(b, view, "generated_by", "ptbench " PTBENCH_VERSION);
  set_str(b, view, "confidence_fmt", fmt_level(pt_doc_confidence(view), buf, sizeof buf));
  double alpha = pt_doc_alpha(view);
  set_str(b, view, "alpha_fmt", isfinite(alpha) ? (snprintf(buf, sizeof buf, "%g", alpha), buf)
                                                 : PT_DASH);
  set_str(b, view, "test_label", pt_doc_test_label(pt_doc_test(view)));
  const char *adjust = pt_doc_adjust(view);
  set_str(b, view, "adjust_label",
          adjust && !strcmp(adjust, PT_DOC_ADJUST_HOLM) ? ", Holm-adjusted across models" : "");

  const char *base = NULL;
  for (size_t i = 0; i < nenv; i++)
    if (pt_json_bool(envs[i].env, "is_baseline", false))
      base = envs[i].label;
  set_str(b, view, "baseline_label", base);
  set_md(b, view, "baseline_label_md", base);
  cJSON *bcopy = nenv && base ? cJSON_Duplicate(envs[0].env, true) : cJSON_CreateObject();
  pt_vb_item(b, view, "baseline_env", bcopy);
  const cJSON *src = nenv ? pt_mf_source(pt_doc_env_manifest(envs[0].env)) : NULL;
  pt_vb_item(b, view, "source", cJSON_IsObject(src) ? cJSON_Duplicate(src, true)
                                                   : cJSON_CreateObject());

  /* "Generation rate: Bare Metal vs VM w/ GPU Passthrough" */
  pt_buf t = PT_BUF_INIT;
  if (pt_buf_printf(&t, "%s", mi.label ? mi.label : ""))
    b->ok = false;
  for (size_t i = 0; i < nenv && b->ok; i++)
    if (pt_buf_printf(&t, "%s%s", i == 0 ? ": " : " vs ", envs[i].label))
      b->ok = false;
  set_str(b, view, "title", t.data ? t.data : "");
  set_md(b, view, "title_md", t.data ? t.data : "");
  pt_buf_free(&t);

  cJSON *w;
  int nw = 0;
  cJSON_ArrayForEach(w, pt_doc_warnings(view)) {
    if (!cJSON_IsObject(w))
      continue;
    const char *msg = pt_json_str(w, PT_DOC_MESSAGE);
    set_md(b, w, "message_md", msg ? msg : "");
    nw++;
  }
  pt_vb_bool(b, view, "has_warnings", nw > 0);
  pt_vb_num(b, view, "warning_count", nw);
}

/* undetermined_notes[] = {text, text_md}: each distinct meaning of an
 * undetermined verdict in the view, said once; has_undetermined. */
static void undetermined_notes(builder *b, cJSON *view) {
  cJSON *notes = pt_vb_add_array(b, view, "undetermined_notes");
  const cJSON *m, *c;
  cJSON_ArrayForEach(m, pt_doc_models(view)) {
    cJSON_ArrayForEach(c, pt_doc_comparisons(m)) add_note(b, notes, pt_doc_verdict_note(c));
  }
  cJSON_ArrayForEach(c, pt_doc_summary_comparisons(view)) add_note(b, notes,
                                                                 pt_doc_verdict_note(c));
  pt_vb_bool(b, view, "has_undetermined", cJSON_GetArraySize(notes) > 0);
}

/* by_prompt_md: the per-prompt table of `analyze --by prompt --format md`
 * (one owner for that table: analyze/format.c), and has_by_prompt when
 * it says more than the results table (a model ran several prompts, or
 * named its one). */
static void by_prompt(builder *b, cJSON *view, const cJSON *analysis) {
  bool more = false;
  const cJSON *m;
  cJSON_ArrayForEach(m, pt_doc_models(analysis)) {
    const cJSON *ps = pt_doc_prompts(m);
    const char *id = pt_doc_prompt_id(cJSON_GetArrayItem(ps, 0));
    more = more || cJSON_GetArraySize(ps) > 1 || (id && *id);
  }
  pt_buf md = PT_BUF_INIT;
  /* the table of this metric alone (the format shows every metric) */
  cJSON *one = more && pt_doc_metric_count(analysis) > 1 ? pt_doc_metric_doc(analysis, 0) : NULL;
  if (more && ((pt_doc_metric_count(analysis) > 1 && !one) ||
               pt_analysis_prompts_md(one ? one : analysis, &md)))
    b->ok = false;
  cJSON_Delete(one);
  while (md.len && md.data[md.len - 1] == '\n')  /* the template ends its lines */
    md.data[--md.len] = '\0';
  set_str(b, view, "by_prompt_md", md.data ? md.data : "");
  pt_vb_bool(b, view, "has_by_prompt", more && md.len > 0);
  pt_buf_free(&md);
}

/* The view of one metric's document (every field but those of the
 * metrics list and the charts). */
static cJSON *build_one(const cJSON *analysis, pt_error *err) {
  builder b = {true};
  pt_doc_envs order = PT_DOC_ENVS_INIT;
  env_ref *envs = NULL;
  cJSON *view = cJSON_Duplicate(analysis, true);
  if (!view || pt_doc_env_order(view, &order) ||
      !(envs = calloc(order.n ? order.n : 1, sizeof *envs))) {
    cJSON_Delete(view);
    pt_doc_envs_free(&order);
    pt_error_set(err, PT_ENOMEM, "out of memory");
    return NULL;
  }
  size_t nenv = prepare_envs(&b, &order, envs);
  pt_doc_envs_free(&order);
  bool single, telemetry;
  double nmin, nmax;
  models(&b, view, envs, nenv, &single, &nmin, &nmax, &telemetry);
  table(&b, view, envs, nenv);
  summary(&b, view, envs, nenv);
  top_level(&b, view, envs, nenv);
  undetermined_notes(&b, view);
  pt_vb_bool(&b, view, "single_run", single);
  pt_vb_num(&b, view, "n_min", nmin);
  pt_vb_num(&b, view, "n_max", nmax);
  pt_vb_bool(&b, view, "has_telemetry", telemetry);
  by_prompt(&b, view, analysis);
  free(envs);
  if (!b.ok) {
    cJSON_Delete(view);
    pt_error_set(err, PT_ENOMEM, "out of memory");
    return NULL;
  }
  return view;
}

/* The fields of one metric's view that its item of the metrics list
 * carries (the rest is the same for every metric). */
static const char *const metric_keys[] = {
    PT_DOC_METRIC, "title", "title_md", "header_cells", "penalty_headers", "rows",
    PT_DOC_MODELS, PT_DOC_SUMMARY, "has_comparisons", PT_DOC_WARNINGS, "has_warnings",
    "warning_count", "undetermined_notes", "has_undetermined", "single_run", "n_min", "n_max",
    "has_telemetry", "has_by_prompt", "by_prompt_md"};

/* metrics[]: one item per metric of the document, the top level's first,
 * each with the fields above of its own view, and: is_primary, name, a
 * direction ("higher is better"), and an empty charts object. */
static void metrics_list(builder *b, cJSON *view, const cJSON *analysis, pt_error *err) {
  cJSON *list = pt_vb_add_array(b, view, "metrics");
  size_t n = pt_doc_metric_count(analysis);
  for (size_t i = 0; list && i < n && b->ok; i++) {
    cJSON *one = NULL, *sub = view;
    if (i > 0) {
      one = pt_doc_metric_doc(analysis, i);
      sub = one ? build_one(one, err) : NULL;
      cJSON_Delete(one);
      if (!sub) {
        b->ok = false;
        return;
      }
    }
    cJSON *item = pt_vb_push_object(b, list);
    for (size_t k = 0; item && k < sizeof metric_keys / sizeof *metric_keys; k++) {
      const cJSON *v = pt_json_get(sub, metric_keys[k]);
      if (v)
        pt_vb_item(b, item, metric_keys[k], cJSON_Duplicate(v, true));
    }
    if (sub != view)
      cJSON_Delete(sub);
    if (!item)
      return;
    pt_doc_metric_info mi = pt_doc_metric_of(item);
    pt_vb_bool(b, item, "is_primary", i == 0);
    /* the GPU telemetry columns, in the first metric's details only (the
     * GPU is the same whatever the metric) */
    pt_vb_bool(b, item, "telemetry_columns", i == 0 && pt_json_bool(item, "has_telemetry", false));
    set_str(b, item, PT_DOC_NAME, mi.name ? mi.name : "");
    set_str(b, item, "direction", mi.higher_is_better ? "higher is better" : "lower is better");
    pt_vb_item(b, item, "charts", cJSON_CreateObject());
  }
  pt_vb_bool(b, view, "multi_metric", n > 1);
  pt_vb_num(b, view, "metric_count", (double)n);
  /* "generation rate, time to first token and wall time per request" */
  pt_buf names = PT_BUF_INIT;
  size_t k = 0;
  cJSON *it;
  cJSON_ArrayForEach(it, list) {
    const char *label = pt_doc_metric_of(it).label;
    char lower[256];
    snprintf(lower, sizeof lower, "%s", label ? label : "?");
    if (lower[0] >= 'A' && lower[0] <= 'Z' && !(lower[1] >= 'A' && lower[1] <= 'Z'))
      lower[0] = (char)(lower[0] - 'A' + 'a');
    if (pt_buf_printf(&names, "%s%s", k == 0 ? "" : k + 1 == n ? " and " : ", ", lower))
      b->ok = false;
    k++;
  }
  set_md(b, view, "metric_list_md", names.data ? names.data : "");
  pt_buf_free(&names);
  /* the report's title: the environments when it covers several metrics */
  if (n > 1) {
    pt_buf t = PT_BUF_INIT;
    const cJSON *h;
    cJSON_ArrayForEach(h, pt_json_get(view, "header_cells"))
      if (pt_buf_printf(&t, "%s%s", t.len ? " vs " : "", pt_json_str(h, "label")))
        b->ok = false;
    set_str(b, view, "report_title", t.data ? t.data : "");
    set_md(b, view, "report_title_md", t.data ? t.data : "");
    pt_buf_free(&t);
  } else {
    set_str(b, view, "report_title", pt_json_str(view, "title"));
    set_md(b, view, "report_title_md", pt_json_str(view, "title"));
  }
}

cJSON *pt_view_build(const cJSON *analysis, pt_error *err) {
  if (pt_doc_check(analysis, NULL, err))
    return NULL;
  cJSON *view = build_one(analysis, err);
  if (!view)
    return NULL;
  builder b = {true};
  pt_error_clear(err);
  metrics_list(&b, view, analysis, err);
  if (b.ok && pt_view_method(view, err))
    b.ok = false;
  if (b.ok && pt_view_set_charts(view, PT_CHART_PNG, err) != PT_OK)
    b.ok = false;
  if (!b.ok) {
    cJSON_Delete(view);
    if (!err || !err->code)
      pt_error_set(err, PT_ENOMEM, "out of memory");
    return NULL;
  }
  return view;
}

const char *pt_view_chart_suffix(pt_chart_kind kind) {
  return kind == PT_CHART_THROUGHPUT ? "means" : pt_chart_kind_name(kind);
}

void pt_view_chart_stem(const char *metric, pt_chart_kind kind, char *buf, size_t size) {
  snprintf(buf, size, "%s-%s", metric && *metric ? metric : "metric",
           pt_view_chart_suffix(kind));
}

/* The charts object of metric i (0: the top level's), or NULL. */
static cJSON *charts_of(cJSON *view, size_t i) {
  return pt_json_get(cJSON_GetArrayItem(pt_json_get(view, "metrics"), (int)i), "charts");
}

/* The top level's charts (the first metric's, for the templates written
 * before there were several) from metrics[0].charts. */
static pt_code mirror_charts(builder *b, cJSON *view, pt_error *err) {
  cJSON *c = charts_of(view, 0);
  pt_vb_item(b, view, "charts", c ? cJSON_Duplicate(c, true) : cJSON_CreateObject());
  return b->ok ? PT_OK : pt_error_set(err, PT_ENOMEM, "out of memory");
}

/* Set the chart fields of kind in charts (see pt_view_add_chart). */
static void chart_fields(builder *b, cJSON *charts, const char *metric, pt_chart_kind kind,
                         unsigned formats, const char *alt) {
  static const pt_chart_format order[] = {PT_CHART_PNG, PT_CHART_SVG, PT_CHART_PDF};
  const char *key = pt_chart_kind_name(kind);
  char k[64], stem[300], file[320];
  pt_view_chart_stem(metric, kind, stem, sizeof stem);
  snprintf(k, sizeof k, "%s_files", key);
  cJSON *files = pt_vb_add_array(b, charts, k);
  const char *embed = NULL;
  for (size_t i = 0; files && i < sizeof order / sizeof *order; i++) {
    if (!(formats & (unsigned)order[i]))
      continue;
    const char *ext = pt_chart_format_ext(order[i]);
    snprintf(file, sizeof file, "%s.%s", stem, ext);
    cJSON *o = pt_vb_push_object(b, files);
    if (!o)
      break;
    set_str(b, o, "file", file);
    set_str(b, o, "format", ext);
    if (!embed && order[i] != PT_CHART_PDF)
      embed = pt_json_str(o, "file");
  }
  pt_vb_item(b, charts, key, embed ? cJSON_CreateString(embed) : cJSON_CreateNull());
  snprintf(k, sizeof k, "%s_alt", key);
  set_str(b, charts, k, alt ? alt : "");
  snprintf(k, sizeof k, "%s_alt_md", key);
  set_md(b, charts, k, alt ? alt : "");
  if (cJSON_GetArraySize(files) > 0)
    pt_vb_bool(b, charts, "any", true);
  if (embed && (kind == PT_CHART_DISTRIBUTION || kind == PT_CHART_TIMELINE))
    pt_vb_bool(b, charts, "any_trials", true);
}

pt_code pt_view_add_chart(cJSON *view, size_t metric, pt_chart_kind kind, unsigned formats,
                          const char *alt, pt_error *err) {
  builder b = {true};
  cJSON *charts = charts_of(view, metric);
  if (!charts)
    return pt_error_set(err, PT_EUSAGE, "no metric %zu in the view", metric);
  const char *name = pt_json_str(cJSON_GetArrayItem(pt_json_get(view, "metrics"), (int)metric),
                                 PT_DOC_NAME);
  chart_fields(&b, charts, name, kind, formats, alt);
  if (!b.ok)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  return metric == 0 ? mirror_charts(&b, view, err) : PT_OK;
}

pt_code pt_view_set_trials_note(cJSON *view, size_t metric, const char *note, pt_error *err) {
  builder b = {true};
  cJSON *charts = charts_of(view, metric);
  if (!charts)
    return pt_error_set(err, PT_EUSAGE, "no metric %zu in the view", metric);
  /* ptbench's own words, Markdown already: no names in them */
  set_str(&b, charts, "trials_note", note ? note : "");
  set_str(&b, charts, "trials_note_md", note ? note : "");
  if (!b.ok)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  return metric == 0 ? mirror_charts(&b, view, err) : PT_OK;
}

pt_code pt_view_clear_charts(cJSON *view, pt_error *err) {
  builder b = {true};
  cJSON *m;
  cJSON_ArrayForEach(m, pt_json_get(view, "metrics")) {
    cJSON *charts = cJSON_CreateObject();
    for (int k = 0; charts && k < PT_CHART_KIND_ALL; k++)
      chart_fields(&b, charts, pt_json_str(m, PT_DOC_NAME), (pt_chart_kind)k, 0, NULL);
    pt_vb_bool(&b, charts, "any", false);
    pt_vb_bool(&b, charts, "any_trials", false);
    set_str(&b, charts, "trials_note", "");
    set_str(&b, charts, "trials_note_md", "");
    pt_vb_item(&b, m, "charts", charts);
  }
  if (!b.ok)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  return mirror_charts(&b, view, err);
}

pt_code pt_view_set_charts(cJSON *view, unsigned formats, pt_error *err) {
  pt_code rc = pt_view_clear_charts(view, err);
  size_t i = 0;
  cJSON *m;
  cJSON_ArrayForEach(m, pt_json_get(view, "metrics")) {
    /* the first metric's charts as the view's top level has it */
    for (int k = 0; !rc && formats && k < PT_CHART_KIND_COUNT; k++)
      if (pt_chart_applies(i ? m : view, (pt_chart_kind)k))
        rc = pt_view_add_chart(view, i, (pt_chart_kind)k, formats, NULL, err);
    i++;
  }
  return rc;
}
