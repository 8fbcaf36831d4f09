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
#include "render/view.h"

typedef struct builder {
  bool ok;  /* false once an allocation failed */
} builder;

static void set_item(builder *b, cJSON *obj, const char *key, cJSON *item) {
  if (!item || !obj) {
    cJSON_Delete(item);
    b->ok = false;
    return;
  }
  cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
  if (!cJSON_AddItemToObject(obj, key, item)) {
    cJSON_Delete(item);
    b->ok = false;
  }
}

static void set_str(builder *b, cJSON *obj, const char *key, const char *s) {
  set_item(b, obj, key, cJSON_CreateString(s ? s : PT_DASH));
}

static void set_bool(builder *b, cJSON *obj, const char *key, bool v) {
  set_item(b, obj, key, cJSON_CreateBool(v));
}

static void set_num(builder *b, cJSON *obj, const char *key, double v) {
  set_item(b, obj, key, cJSON_CreateNumber(v));
}

/* key = s escaped for Markdown (pt_md_escape); NULL gives "—". */
static void set_md(builder *b, cJSON *obj, const char *key, const char *s) {
  if (!s) {
    set_str(b, obj, key, PT_DASH);
    return;
  }
  pt_buf md = PT_BUF_INIT;
  if (pt_md_escape(&md, s))
    b->ok = false;
  else
    set_str(b, obj, key, md.data ? md.data : "");
  pt_buf_free(&md);
}

/* Append a new object to arr; NULL (and b->ok false) when out of memory. */
static cJSON *push_object(builder *b, cJSON *arr) {
  cJSON *o = cJSON_CreateObject();
  if (!o || !arr || !cJSON_AddItemToArray(arr, o)) {
    cJSON_Delete(o);
    b->ok = false;
    return NULL;
  }
  return o;
}

static cJSON *add_array(builder *b, cJSON *obj, const char *key) {
  cJSON *a = cJSON_CreateArray();
  set_item(b, obj, key, a);
  return b->ok ? a : NULL;
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

/* "[0.90%, 2.40%]" or "—". */
static const char *fmt_pct_range(double lo, double hi, char *buf, size_t size) {
  if (!isfinite(lo) || !isfinite(hi))
    return snprintf(buf, size, "%s", PT_DASH), buf;
  char a[64], c[64];
  snprintf(buf, size, "[%s, %s]", pt_fmt_pct(lo, a, sizeof a), pt_fmt_pct(hi, c, sizeof c));
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
  cJSON *o = push_object(b, list);
  if (!o)
    return;
  set_str(b, o, "key", key);
  set_str(b, o, "value", value);
  set_md(b, o, "value_md", value);
  set_str(b, env, field, value);
  char md_field[64];
  snprintf(md_field, sizeof md_field, "%s_md", field);
  set_md(b, env, md_field, value);
}

/* What the manifest says about the machine, for the environments table:
 * the run's facts (its first session's, collect/manifest.h). */
static void env_about(builder *b, cJSON *env, const cJSON *man) {
  cJSON *list = add_array(b, env, "about");
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
    pt_buf cards = PT_BUF_INIT;
    const cJSON *g;
    cJSON_ArrayForEach(g, pt_json_get(host, PT_MF_GPUS)) {
      char v[64] = "";
      double vb = pt_json_num(g, PT_MF_VRAM_BYTES);
      if (isfinite(vb) && vb > 0)
        fmt_bytes(vb, v, sizeof v);
      const char *drv = pt_json_str(g, PT_MF_DRIVER), *card = pt_json_str(g, PT_MF_CARD),
                 *vendor = pt_json_str(g, PT_MF_PCI_VENDOR),
                 *device = pt_json_str(g, PT_MF_PCI_DEVICE);
      if (pt_buf_printf(&cards, "%s%s %s:%s%s%s%s%s%s", cards.len ? ", " : "",
                        card ? card : "gpu", vendor ? vendor : "?", device ? device : "?",
                        drv || *v ? " (" : "", drv ? drv : "", drv && *v ? ", " : "", v,
                        drv || *v ? ")" : ""))
        b->ok = false;
    }
    if (cards.len)
      about(b, env, list, "gpu", "GPU", cards.data);
    pt_buf_free(&cards);
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
  about(b, env, list, "rocm", "ROCm", f.rocm);
  about(b, env, list, "runtime", "Runtime", f.runtime);
  set_bool(b, env, "has_about", cJSON_GetArraySize(list) > 0);
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
    set_bool(b, e, "is_baseline", pt_doc_env_is_baseline(e));
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
  set_bool(b, c, "undetermined", pt_doc_undetermined(c));
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
  cJSON *o = push_object(b, notes);
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
          fmt_pct_range(pt_json_num(c, PT_DOC_PENALTY_CI_LOW),
                        pt_json_num(c, PT_DOC_PENALTY_CI_HIGH), buf, sizeof buf));
  set_str(b, c, "p_fmt", pt_fmt_p(pt_json_num(c, PT_DOC_P_VALUE), buf, sizeof buf));
  /* the p the verdict was decided on: adjusted across models when it was */
  double pa = pt_json_num(c, PT_DOC_P_ADJUSTED);
  set_str(b, c, "p_verdict_fmt",
          pt_fmt_p(cJSON_IsNumber(pt_json_get(c, PT_DOC_P_ADJUSTED)) ? pa
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
  set_bool(b, g, "is_baseline", base);
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
    set_num(b, g, PT_DOC_N, 0);
}

/* The results table: header_cells, penalty_headers and rows in the order
 * of `analyze --format md`. */
static void table(builder *b, cJSON *view, const env_ref *envs, size_t nenv) {
  cJSON *hc = add_array(b, view, "header_cells"), *ph = add_array(b, view, "penalty_headers");
  cJSON *rows = add_array(b, view, "rows");
  if (!hc || !ph || !rows)
    return;
  for (size_t i = 0; i < nenv; i++) {
    cJSON *o = push_object(b, hc);
    if (!o)
      return;
    set_str(b, o, PT_DOC_ENVIRONMENT, envs[i].name);
    set_str(b, o, "label", envs[i].label);
    set_md(b, o, "label_md", envs[i].label);
  }
  for (size_t i = 1; i < nenv; i++) {
    cJSON *o = push_object(b, ph);
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
    cJSON *row = push_object(b, rows), *cells, *pens;
    if (!row)
      return;
    set_str(b, row, "model", pt_doc_model_name(m));
    set_str(b, row, "model_md", pt_json_str(m, "model_md"));
    if (!(cells = add_array(b, row, "cells")) || !(pens = add_array(b, row, "penalties")))
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
                   double *nmin, double *nmax) {
  cJSON *m, *it;
  size_t groups = 0;
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
    set_item(b, view, PT_DOC_SUMMARY, cJSON_CreateObject());
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
            fmt_pct_range(pt_json_num(c, PT_DOC_PENALTY_CI_LOW),
                          pt_json_num(c, PT_DOC_PENALTY_CI_HIGH), buf, sizeof buf));
    set_bool(b, c, "has_model", pt_doc_verdict(c) != NULL);
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
    if (!first)
      first = c;
  }
  /* the first compared environment's figures, flat, for two-environment
   * templates: {{summary.mean_penalty_fmt}} */
  static const char *const flat[] = {"label", "label_md", "mean_penalty_fmt",
                                     "geomean_penalty_fmt", "penalty_fmt", "penalty_ci_fmt",
                                     "verdict_fmt", "min_penalty_fmt",
                                     "min_penalty_model", "min_penalty_model_md",
                                     "max_penalty_fmt", "max_penalty_model",
                                     "max_penalty_model_md"};
  for (size_t i = 0; i < sizeof flat / sizeof *flat; i++)
    set_str(b, s, flat[i], first ? pt_json_str(first, flat[i]) : NULL);
  set_num(b, s, PT_DOC_MODELS, first ? pt_json_num(first, PT_DOC_MODELS) : 0);
  set_bool(b, view, "has_comparisons", first != NULL);
}

/* --------------------------------------------------------------- the view */

static void top_level(builder *b, cJSON *view, const env_ref *envs, size_t nenv) {
  char buf[256];
  cJSON *metric = pt_doc_metric(view);
  if (!metric) {
    set_item(b, view, PT_DOC_METRIC, cJSON_CreateObject());
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
  set_item(b, view, "baseline_env", bcopy);
  const cJSON *src = nenv ? pt_mf_source(pt_doc_env_manifest(envs[0].env)) : NULL;
  set_item(b, view, "source", cJSON_IsObject(src) ? cJSON_Duplicate(src, true)
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
  set_bool(b, view, "has_warnings", nw > 0);
  set_num(b, view, "warning_count", nw);
}

/* undetermined_notes[] = {text, text_md}: each distinct meaning of an
 * undetermined verdict in the view, said once; has_undetermined. */
static void undetermined_notes(builder *b, cJSON *view) {
  cJSON *notes = add_array(b, view, "undetermined_notes");
  const cJSON *m, *c;
  cJSON_ArrayForEach(m, pt_doc_models(view)) {
    cJSON_ArrayForEach(c, pt_doc_comparisons(m)) add_note(b, notes, pt_doc_verdict_note(c));
  }
  cJSON_ArrayForEach(c, pt_doc_summary_comparisons(view)) add_note(b, notes,
                                                                 pt_doc_verdict_note(c));
  set_bool(b, view, "has_undetermined", cJSON_GetArraySize(notes) > 0);
}

cJSON *pt_view_build(const cJSON *analysis, pt_error *err) {
  if (pt_doc_check(analysis, NULL, err))
    return NULL;
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
  bool single;
  double nmin, nmax;
  models(&b, view, envs, nenv, &single, &nmin, &nmax);
  table(&b, view, envs, nenv);
  summary(&b, view, envs, nenv);
  top_level(&b, view, envs, nenv);
  undetermined_notes(&b, view);
  set_bool(&b, view, "single_run", single);
  set_num(&b, view, "n_min", nmin);
  set_num(&b, view, "n_max", nmax);
  free(envs);
  if (b.ok && pt_view_set_charts(view, PT_CHART_PNG, err) != PT_OK)
    b.ok = false;
  if (!b.ok) {
    cJSON_Delete(view);
    pt_error_set(err, PT_ENOMEM, "out of memory");
    return NULL;
  }
  return view;
}

pt_code pt_view_set_charts(cJSON *view, unsigned formats, pt_error *err) {
  static const pt_chart_format order[] = {PT_CHART_PNG, PT_CHART_SVG, PT_CHART_PDF};
  builder b = {true};
  cJSON *charts = cJSON_CreateObject();  /* filled, then attached */
  if (!charts)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  bool any = false;
  for (int k = 0; k < PT_CHART_KIND_COUNT && b.ok; k++) {
    const char *stem = pt_chart_kind_name((pt_chart_kind)k);
    char key[64], file[64];
    snprintf(key, sizeof key, "%s_files", stem);
    cJSON *files = add_array(&b, charts, key);
    const char *embed = NULL;
    bool applies = pt_chart_applies(view, (pt_chart_kind)k);
    for (size_t i = 0; i < sizeof order / sizeof *order && files && applies; i++) {
      if (!(formats & (unsigned)order[i]))
        continue;
      const char *ext = pt_chart_format_ext(order[i]);
      snprintf(file, sizeof file, "%s.%s", stem, ext);
      cJSON *o = push_object(&b, files);
      if (!o)
        break;
      set_str(&b, o, "file", file);
      set_str(&b, o, "format", ext);
      if (!embed && order[i] != PT_CHART_PDF)
        embed = pt_json_str(o, "file");
      any = true;
    }
    set_item(&b, charts, stem, embed ? cJSON_CreateString(embed) : cJSON_CreateNull());
  }
  set_bool(&b, charts, "any", any);
  if (!b.ok) {
    cJSON_Delete(charts);
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  set_item(&b, view, "charts", charts);  /* frees charts when it fails */
  return b.ok ? PT_OK : pt_error_set(err, PT_ENOMEM, "out of memory");
}
