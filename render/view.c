/* render/view.c - the view model of a report (render/view.h): a copy of the
 * analysis document with the formatted strings templates print.
 *
 * Numbers go through the formatters `ptbench analyze` uses (pt_fmt_num,
 * pt_fmt_pct, pt_md_escape in analyze/analysis.h), so a template that prints
 * rows[].cells[].value gives the same bytes as `analyze --format md`.
 * Every string is added with set_*(), which replaces a member of the same
 * name, so a document that already carries (say) "mean_fmt" cannot shadow
 * the computed one. Allocation failures are collected in one flag per build.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analysis.h"
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

static const cJSON *find_env_item(const cJSON *arr, const char *env) {
  const cJSON *it;
  if (!cJSON_IsArray(arr) || !env)
    return NULL;
  cJSON_ArrayForEach(it, arr) {
    const char *e = pt_json_str(it, "environment");
    if (e && !strcmp(e, env))
      return it;
  }
  return NULL;
}

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

/* What the manifest says about the machine, for the environments table. */
static void env_about(builder *b, cJSON *env, const cJSON *man) {
  cJSON *list = add_array(b, env, "about");
  if (!list)
    return;
  const cJSON *host = pt_json_get(man, "host"), *gpu = pt_json_get(man, "gpu");
  const cJSON *virt = pt_json_get(host, "virtualization"), *sw = pt_json_get(man, "software");
  char buf[512];
  const char *ollama = pt_json_str(pt_json_get(man, "ollama"), "version");
  about(b, env, list, "ollama_version", "Ollama", ollama);
  about(b, env, list, "hostname", "Host", pt_json_str(host, "hostname"));
  about(b, env, list, "os", "OS", pt_json_str(host, "os"));
  about(b, env, list, "kernel", "Kernel", pt_json_str(host, "kernel"));
  about(b, env, list, "cpu", "CPU", pt_json_str(host, "cpu_model"));
  double mem = pt_json_num(host, "memory_bytes");
  if (isfinite(mem) && mem > 0)
    about(b, env, list, "memory", "Memory", fmt_bytes(mem, buf, sizeof buf));
  /* a published setup names the GPU; a probed host lists its cards */
  const char *model = pt_json_str(gpu, "model"), *vram = pt_json_str(gpu, "vram");
  if (model) {
    snprintf(buf, sizeof buf, "%s%s%s", model, vram ? " " : "", vram ? vram : "");
    about(b, env, list, "gpu", "GPU", buf);
  } else {
    pt_buf cards = PT_BUF_INIT;
    const cJSON *g;
    cJSON_ArrayForEach(g, pt_json_get(host, "gpus")) {
      char v[64] = "";
      double vb = pt_json_num(g, "vram_bytes");
      if (isfinite(vb) && vb > 0)
        fmt_bytes(vb, v, sizeof v);
      const char *drv = pt_json_str(g, "driver");
      if (pt_buf_printf(&cards, "%s%s %s:%s%s%s%s%s%s", cards.len ? ", " : "",
                        pt_json_str(g, "card") ? pt_json_str(g, "card") : "gpu",
                        pt_json_str(g, "pci_vendor") ? pt_json_str(g, "pci_vendor") : "?",
                        pt_json_str(g, "pci_device") ? pt_json_str(g, "pci_device") : "?",
                        drv || *v ? " (" : "", drv ? drv : "", drv && *v ? ", " : "", v,
                        drv || *v ? ")" : ""))
        b->ok = false;
    }
    if (cards.len)
      about(b, env, list, "gpu", "GPU", cards.data);
    pt_buf_free(&cards);
  }
  about(b, env, list, "passthrough", "GPU passthrough", pt_json_str(gpu, "passthrough"));
  about(b, env, list, "hypervisor_host", "Hypervisor host", pt_json_str(host, "hypervisor_host"));
  if (cJSON_IsBool(pt_json_get(virt, "detected"))) {
    const char *by = pt_json_str(virt, "by");
    if (cJSON_IsTrue(pt_json_get(virt, "detected")))
      snprintf(buf, sizeof buf, "yes%s%s%s", by ? " (" : "", by ? by : "", by ? ")" : "");
    else
      snprintf(buf, sizeof buf, "no");
    about(b, env, list, "virtualization", "Virtualization", buf);
  }
  about(b, env, list, "rocm", "ROCm", pt_json_str(sw, "rocm"));
  about(b, env, list, "runtime", "Runtime", pt_json_str(sw, "runtime"));
  set_bool(b, env, "has_about", cJSON_GetArraySize(list) > 0);
}

/* Fill envs (baseline first, then the others in document order) and add
 * label, label_md, is_baseline and the manifest summary to each. */
static size_t prepare_envs(builder *b, cJSON *view, env_ref *envs, size_t max) {
  cJSON *arr = pt_json_get(view, "environments"), *e;
  size_t n = 0;
  if (!cJSON_IsArray(arr))
    return 0;
  for (int pass = 0; pass < 2; pass++)
    cJSON_ArrayForEach(e, arr) {
      const char *name = pt_json_str(e, "name");
      if (!cJSON_IsObject(e) || !name || n >= max)
        continue;
      if (pt_json_bool(e, "baseline", false) != (pass == 0))
        continue;
      const char *label = pt_json_str(e, "label");
      if (!label) {
        set_str(b, e, "label", name);
        label = pt_json_str(e, "label");
      }
      if (!label)
        return n;
      envs[n++] = (env_ref){e, name, label};
      set_md(b, e, "label_md", label);
      set_md(b, e, "name_md", name);
      set_bool(b, e, "is_baseline", pass == 0);
      env_about(b, e, pt_json_get(e, "manifest"));
    }
  return n;
}

/* ----------------------------------------------------- models and groups */

static void comparison_fields(builder *b, cJSON *c, const env_ref *envs, size_t nenv) {
  char buf[128];
  const char *env = pt_json_str(c, "environment");
  set_str(b, c, "label", label_of(envs, nenv, env));
  set_md(b, c, "label_md", label_of(envs, nenv, env));
  set_str(b, c, "penalty_fmt", pt_fmt_penalty(c, buf, sizeof buf));
  set_str(b, c, "penalty_ci_fmt",
          fmt_pct_range(pt_json_num(c, "penalty_ci_low"), pt_json_num(c, "penalty_ci_high"), buf,
                        sizeof buf));
  set_str(b, c, "p_fmt", pt_fmt_p(pt_json_num(c, "p_value"), buf, sizeof buf));
  double r = pt_json_num(c, "ratio");
  set_str(b, c, "ratio_fmt", isfinite(r) ? (snprintf(buf, sizeof buf, "%.3f", r), buf) : PT_DASH);
  const cJSON *sig = pt_json_get(c, "significant");
  set_str(b, c, "significant_mark", cJSON_IsFalse(sig) ? "~" : "");
  set_str(b, c, "significant_text",
          cJSON_IsTrue(sig) ? "yes" : cJSON_IsFalse(sig) ? "no" : PT_DASH);
}

/* The comparison's strings on a group row; "—" when there is none. */
static void group_penalty(builder *b, cJSON *g, const cJSON *c) {
  static const char *const keys[] = {"penalty_fmt", "penalty_ci_fmt", "p_fmt",
                                     "significant_mark", "significant_text"};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
    const char *v = c ? pt_json_str(c, keys[i]) : NULL;
    set_str(b, g, keys[i], v ? v : i == 3 ? "" : PT_DASH);
  }
}

static void group_fields(builder *b, cJSON *g, const env_ref *envs, size_t nenv) {
  char buf[128];
  const char *env = pt_json_str(g, "environment");
  double mean = pt_json_num(g, "mean");
  set_str(b, g, "label", label_of(envs, nenv, env));
  set_md(b, g, "label_md", label_of(envs, nenv, env));
  bool base = false;
  for (size_t i = 0; env && i < nenv; i++)
    if (!strcmp(envs[i].name, env))
      base = pt_json_bool(envs[i].env, "is_baseline", false);
  set_bool(b, g, "is_baseline", base);
  set_str(b, g, "mean_fmt", fmt2(mean, buf, sizeof buf));
  set_str(b, g, "ci_fmt",
          fmt_pm(pt_json_num(g, "ci_low"), pt_json_num(g, "ci_high"), buf, sizeof buf));
  set_str(b, g, "ci_low_fmt", fmt2(pt_json_num(g, "ci_low"), buf, sizeof buf));
  set_str(b, g, "ci_high_fmt", fmt2(pt_json_num(g, "ci_high"), buf, sizeof buf));
  set_str(b, g, "cv_fmt", pt_fmt_pct(pt_json_num(g, "cv_pct"), buf, sizeof buf));
  set_str(b, g, "stddev_fmt", fmt2(pt_json_num(g, "stddev"), buf, sizeof buf));
  set_str(b, g, "median_fmt", fmt2(pt_json_num(g, "median"), buf, sizeof buf));
  set_str(b, g, "min_fmt", fmt2(pt_json_num(g, "min"), buf, sizeof buf));
  set_str(b, g, "max_fmt", fmt2(pt_json_num(g, "max"), buf, sizeof buf));
  if (!cJSON_IsNumber(pt_json_get(g, "n")))
    set_num(b, g, "n", 0);
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
    set_str(b, o, "environment", envs[i].name);
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
    set_str(b, o, "environment", envs[i].name);
    pt_buf_free(&s);
    pt_buf_free(&md);
  }
  cJSON *m;
  cJSON_ArrayForEach(m, pt_json_get(view, "models")) {
    cJSON *row = push_object(b, rows), *cells, *pens;
    if (!row)
      return;
    set_str(b, row, "model", pt_json_str(m, "model"));
    set_str(b, row, "model_md", pt_json_str(m, "model_md"));
    if (!(cells = add_array(b, row, "cells")) || !(pens = add_array(b, row, "penalties")))
      return;
    for (size_t i = 0; i < nenv; i++) {
      const cJSON *g = find_env_item(pt_json_get(m, "groups"), envs[i].name);
      cJSON *cell = g ? cJSON_Duplicate(g, true) : cJSON_CreateObject();
      if (!cell || !cJSON_AddItemToArray(cells, cell)) {
        cJSON_Delete(cell);
        b->ok = false;
        return;
      }
      set_str(b, cell, "value", g ? pt_json_str(g, "mean_fmt") : PT_DASH);
      if (!g) {
        set_str(b, cell, "environment", envs[i].name);
        set_str(b, cell, "label", envs[i].label);
      }
    }
    for (size_t i = 1; i < nenv; i++) {
      const cJSON *c = find_env_item(pt_json_get(m, "comparisons"), envs[i].name);
      cJSON *cell = c ? cJSON_Duplicate(c, true) : cJSON_CreateObject();
      if (!cell || !cJSON_AddItemToArray(pens, cell)) {
        cJSON_Delete(cell);
        b->ok = false;
        return;
      }
      if (!c) {
        set_str(b, cell, "penalty_fmt", PT_DASH);
        set_str(b, cell, "environment", envs[i].name);
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
  cJSON_ArrayForEach(m, pt_json_get(view, "models")) {
    if (!cJSON_IsObject(m))
      continue;
    if (!pt_json_str(m, "model"))
      set_str(b, m, "model", "?");
    set_md(b, m, "model_md", pt_json_str(m, "model"));
    cJSON *comps = pt_json_get(m, "comparisons");
    if (cJSON_IsArray(comps))
      cJSON_ArrayForEach(it, comps) if (cJSON_IsObject(it)) comparison_fields(b, it, envs, nenv);
    cJSON *gs = pt_json_get(m, "groups");
    if (!cJSON_IsArray(gs))
      continue;
    cJSON_ArrayForEach(it, gs) {
      if (!cJSON_IsObject(it))
        continue;
      group_fields(b, it, envs, nenv);
      group_penalty(b, it, find_env_item(comps, pt_json_str(it, "environment")));
      double n = pt_json_num(it, "n");
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
  cJSON *s = pt_json_get(view, "summary");
  if (!cJSON_IsObject(s)) {
    set_item(b, view, "summary", cJSON_CreateObject());
    if (!(s = pt_json_get(view, "summary")))
      return;
  }
  cJSON *comps = pt_json_get(s, "comparisons"), *c;
  cJSON *first = NULL;
  char buf[128];
  if (cJSON_IsArray(comps))
    cJSON_ArrayForEach(c, comps) {
      if (!cJSON_IsObject(c))
        continue;
      const char *env = pt_json_str(c, "environment");
      set_str(b, c, "label", label_of(envs, nenv, env));
      set_md(b, c, "label_md", label_of(envs, nenv, env));
      set_str(b, c, "mean_penalty_fmt",
              pt_fmt_pct(pt_json_num(c, "mean_penalty_pct"), buf, sizeof buf));
      set_str(b, c, "geomean_penalty_fmt",
              pt_fmt_pct(pt_json_num(c, "geomean_penalty_pct"), buf, sizeof buf));
      /* the smallest and largest penalty, and whose */
      const cJSON *m, *lo = NULL, *hi = NULL;
      const char *lo_m = NULL, *hi_m = NULL;
      cJSON_ArrayForEach(m, pt_json_get(view, "models")) {
        const cJSON *mc = find_env_item(pt_json_get(m, "comparisons"), env);
        double p = pt_json_num(mc, "penalty_pct");
        if (!isfinite(p))
          continue;
        if (!lo || p < pt_json_num(lo, "penalty_pct"))
          lo = mc, lo_m = pt_json_str(m, "model");
        if (!hi || p > pt_json_num(hi, "penalty_pct"))
          hi = mc, hi_m = pt_json_str(m, "model");
      }
      set_str(b, c, "min_penalty_fmt", pt_fmt_pct(pt_json_num(lo, "penalty_pct"), buf, sizeof buf));
      set_str(b, c, "min_penalty_model", lo_m);
      set_md(b, c, "min_penalty_model_md", lo_m);
      set_str(b, c, "max_penalty_fmt", pt_fmt_pct(pt_json_num(hi, "penalty_pct"), buf, sizeof buf));
      set_str(b, c, "max_penalty_model", hi_m);
      set_md(b, c, "max_penalty_model_md", hi_m);
      if (!first)
        first = c;
    }
  /* the first compared environment's figures, flat, for two-environment
   * templates: {{summary.mean_penalty_fmt}} */
  static const char *const flat[] = {"label", "label_md", "mean_penalty_fmt",
                                     "geomean_penalty_fmt", "min_penalty_fmt",
                                     "min_penalty_model", "min_penalty_model_md",
                                     "max_penalty_fmt", "max_penalty_model",
                                     "max_penalty_model_md"};
  for (size_t i = 0; i < sizeof flat / sizeof *flat; i++)
    set_str(b, s, flat[i], first ? pt_json_str(first, flat[i]) : NULL);
  set_num(b, s, "models", first ? pt_json_num(first, "models") : 0);
  set_bool(b, view, "has_comparisons", first != NULL);
}

/* --------------------------------------------------------------- the view */

static void top_level(builder *b, cJSON *view, const env_ref *envs, size_t nenv) {
  char buf[256];
  cJSON *metric = pt_json_get(view, "metric");
  if (!cJSON_IsObject(metric)) {
    set_item(b, view, "metric", cJSON_CreateObject());
    metric = pt_json_get(view, "metric");
  }
  if (metric && !pt_json_str(metric, "label"))
    set_str(b, metric, "label", pt_json_str(metric, "name"));
  if (metric && !pt_json_str(metric, "unit"))
    set_str(b, metric, "unit", "");
  set_md(b, metric, "label_md", pt_json_str(metric, "label"));
  set_md(b, metric, "unit_md", pt_json_str(metric, "unit"));

  set_str(b, view, "generated_by", "ptbench " PTBENCH_VERSION);
  set_str(b, view, "confidence_fmt", fmt_level(pt_json_num(view, "confidence"), buf, sizeof buf));
  double alpha = pt_json_num(view, "alpha");
  set_str(b, view, "alpha_fmt", isfinite(alpha) ? (snprintf(buf, sizeof buf, "%g", alpha), buf)
                                                 : PT_DASH);
  const char *test = pt_json_str(view, "test");
  set_str(b, view, "test_label",
          test && !strcmp(test, "mann-whitney") ? "Mann\xE2\x80\x93Whitney U test"
                                                : "Welch's t-test");

  const char *base = NULL;
  for (size_t i = 0; i < nenv; i++)
    if (pt_json_bool(envs[i].env, "is_baseline", false))
      base = envs[i].label;
  set_str(b, view, "baseline_label", base);
  set_md(b, view, "baseline_label_md", base);
  cJSON *bcopy = nenv && base ? cJSON_Duplicate(envs[0].env, true) : cJSON_CreateObject();
  set_item(b, view, "baseline_env", bcopy);
  const cJSON *src = nenv ? pt_json_get(pt_json_get(envs[0].env, "manifest"), "source") : NULL;
  set_item(b, view, "source", cJSON_IsObject(src) ? cJSON_Duplicate(src, true)
                                                   : cJSON_CreateObject());

  /* "Generation rate: Bare Metal vs VM w/ GPU Passthrough" */
  pt_buf t = PT_BUF_INIT;
  if (pt_buf_printf(&t, "%s", pt_json_str(metric, "label") ? pt_json_str(metric, "label") : ""))
    b->ok = false;
  for (size_t i = 0; i < nenv && b->ok; i++)
    if (pt_buf_printf(&t, "%s%s", i == 0 ? ": " : " vs ", envs[i].label))
      b->ok = false;
  set_str(b, view, "title", t.data ? t.data : "");
  set_md(b, view, "title_md", t.data ? t.data : "");
  pt_buf_free(&t);

  cJSON *w;
  int nw = 0;
  cJSON_ArrayForEach(w, pt_json_get(view, "warnings")) {
    if (!cJSON_IsObject(w))
      continue;
    set_md(b, w, "message_md", pt_json_str(w, "message") ? pt_json_str(w, "message") : "");
    nw++;
  }
  set_bool(b, view, "has_warnings", nw > 0);
  set_num(b, view, "warning_count", nw);
}

#define MAX_ENVS 256

cJSON *pt_view_build(const cJSON *analysis, pt_error *err) {
  const char *schema = pt_json_str(analysis, "schema");
  if (!cJSON_IsObject(analysis) || !schema || strcmp(schema, PT_ANALYSIS_SCHEMA)) {
    pt_error_set(err, PT_ESCHEMA, "not an analysis document: schema is %s%s%s, expected '%s'",
                 schema ? "'" : "", schema ? schema : "missing", schema ? "'" : "",
                 PT_ANALYSIS_SCHEMA);
    return NULL;
  }
  builder b = {true};
  cJSON *view = cJSON_Duplicate(analysis, true);
  env_ref *envs = calloc(MAX_ENVS, sizeof *envs);
  if (!view || !envs) {
    cJSON_Delete(view);
    free(envs);
    pt_error_set(err, PT_ENOMEM, "out of memory");
    return NULL;
  }
  size_t nenv = prepare_envs(&b, view, envs, MAX_ENVS);
  bool single;
  double nmin, nmax;
  models(&b, view, envs, nenv, &single, &nmin, &nmax);
  table(&b, view, envs, nenv);
  summary(&b, view, envs, nenv);
  top_level(&b, view, envs, nenv);
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
