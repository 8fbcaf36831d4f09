/* analyze/doc.c - the analysis document's schema check, accessors, display
 * order and number formats (analyze/doc.h). */
#include "analyze/doc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/lmm.h"
#include "core/buf.h"
#include "core/json.h"

/* ------------------------------------------------------------- loading */

bool pt_doc_is_analysis(const cJSON *doc) {
  const char *schema = pt_json_str(doc, PT_DOC_SCHEMA);
  size_t n = strlen(PT_DOC_SCHEMA_PREFIX);
  if (!cJSON_IsObject(doc) || !schema || strncmp(schema, PT_DOC_SCHEMA_PREFIX, n) ||
      !schema[n])
    return false;
  return strspn(schema + n, "0123456789") == strlen(schema + n);  /* a version number */
}

pt_code pt_doc_check(const cJSON *doc, const char *name, pt_error *err) {
  const char *schema = pt_json_str(doc, PT_DOC_SCHEMA);
  if (cJSON_IsObject(doc) && schema && !strcmp(schema, PT_DOC_SCHEMA_ID))
    return PT_OK;
  if (pt_doc_is_analysis(doc))
    /* an older (or newer) ptbench's: its fields are not this one's */
    pt_error_at(err, PT_ESCHEMA, name, 0, 0,
                "an analysis document of another ptbench version (schema '%s', this one "
                "reads '%s'): analyze the trials again with this ptbench, 'ptbench analyze "
                "-o analysis.json RUN...'",
                schema, PT_DOC_SCHEMA_ID);
  else
  pt_error_at(err, PT_ESCHEMA, name, 0, 0,
              "not an analysis document: schema is %s%s%s, expected '%s' (the output of "
              "'ptbench analyze')",
              schema ? "'" : "", schema ? schema : "missing", schema ? "'" : "",
              PT_DOC_SCHEMA_ID);
  pt_error_set_field(err, PT_DOC_SCHEMA);
  return PT_ESCHEMA;
}

cJSON *pt_doc_load(const char *path, pt_error *err) {
  cJSON *doc = pt_json_read_file(path, 0, err);
  if (doc && pt_doc_check(doc, strcmp(path, "-") ? path : "<stdin>", err)) {
    cJSON_Delete(doc);
    return NULL;
  }
  return doc;
}

/* ----------------------------------------------------------- accessors */

static cJSON *array_of(const cJSON *obj, const char *key) {
  cJSON *a = pt_json_get(obj, key);
  return cJSON_IsArray(a) ? a : NULL;
}

static cJSON *object_of(const cJSON *obj, const char *key) {
  cJSON *o = pt_json_get(obj, key);
  return cJSON_IsObject(o) ? o : NULL;
}

cJSON *pt_doc_environments(const cJSON *doc) { return array_of(doc, PT_DOC_ENVIRONMENTS); }
cJSON *pt_doc_models(const cJSON *doc) { return array_of(doc, PT_DOC_MODELS); }
cJSON *pt_doc_groups(const cJSON *model) { return array_of(model, PT_DOC_GROUPS); }
cJSON *pt_doc_comparisons(const cJSON *model) { return array_of(model, PT_DOC_COMPARISONS); }
cJSON *pt_doc_prompts(const cJSON *model) { return array_of(model, PT_DOC_PROMPTS); }
cJSON *pt_doc_warnings(const cJSON *doc) { return array_of(doc, PT_DOC_WARNINGS); }
cJSON *pt_doc_summary(const cJSON *doc) { return object_of(doc, PT_DOC_SUMMARY); }
cJSON *pt_doc_metric(const cJSON *doc) { return object_of(doc, PT_DOC_METRIC); }

cJSON *pt_doc_summary_comparisons(const cJSON *doc) {
  return array_of(pt_doc_summary(doc), PT_DOC_COMPARISONS);
}

cJSON *pt_doc_other_metrics(const cJSON *doc) { return array_of(doc, PT_DOC_OTHER_METRICS); }

/* ------------------------------------------------ several metrics */

/* The keys a metric's section has (the top level's for its metric). */
static const char *const section_keys[] = {PT_DOC_METRIC, PT_DOC_MODELS, PT_DOC_SUMMARY,
                                           PT_DOC_WARNINGS};
#define NSECTION_KEYS (sizeof section_keys / sizeof *section_keys)

size_t pt_doc_metric_count(const cJSON *doc) {
  return 1 + (size_t)cJSON_GetArraySize(pt_doc_other_metrics(doc));
}

cJSON *pt_doc_metric_doc(const cJSON *doc, size_t i) {
  const cJSON *section = doc;
  if (i > 0 && !(section = cJSON_GetArrayItem(pt_doc_other_metrics(doc), (int)(i - 1))))
    return NULL;
  if (!cJSON_IsObject(doc) || !cJSON_IsObject(section))
    return NULL;
  cJSON *out = cJSON_CreateObject();
  const cJSON *it;
  cJSON_ArrayForEach(it, doc) {
    if (!out || !it->string || !strcmp(it->string, PT_DOC_OTHER_METRICS))
      continue;
    bool from_section = false;
    for (size_t k = 0; k < NSECTION_KEYS; k++)
      from_section = from_section || !strcmp(it->string, section_keys[k]);
    const cJSON *src = from_section ? pt_json_get(section, it->string) : it;
    cJSON *copy = src ? cJSON_Duplicate(src, true) : NULL;
    if (!src)
      continue;
    if (!copy || !cJSON_AddItemToObject(out, it->string, copy)) {
      cJSON_Delete(copy);
      cJSON_Delete(out);
      out = NULL;
    }
  }
  return out;
}

/* Does warnings hold one with w's code and message? */
static bool has_warning(const cJSON *warnings, const cJSON *w) {
  const char *code = pt_json_str(w, PT_DOC_CODE), *msg = pt_json_str(w, PT_DOC_MESSAGE);
  const cJSON *x;
  cJSON_ArrayForEach(x, warnings) {
    const char *c2 = pt_json_str(x, PT_DOC_CODE), *m2 = pt_json_str(x, PT_DOC_MESSAGE);
    if (code && msg && c2 && m2 && !strcmp(code, c2) && !strcmp(msg, m2))
      return true;
  }
  return false;
}

pt_code pt_doc_add_metric(cJSON *doc, cJSON *other, pt_error *err) {
  cJSON *section = cJSON_CreateObject(), *warnings = cJSON_CreateArray();
  cJSON *list = pt_doc_other_metrics(doc), *new_list = NULL;
  bool ok = section && warnings && cJSON_IsObject(doc) && cJSON_IsObject(other);
  /* a new list is attached last, so a failure leaves doc as it was */
  if (ok && !list)
    ok = (list = new_list = cJSON_CreateArray()) != NULL;
  const cJSON *w;
  cJSON_ArrayForEach(w, pt_doc_warnings(other)) {
    if (!ok)
      break;
    if (has_warning(pt_doc_warnings(doc), w))
      continue;
    cJSON *copy = cJSON_Duplicate(w, true);
    if (!copy || !cJSON_AddItemToArray(warnings, copy)) {
      cJSON_Delete(copy);
      ok = false;
    }
  }
  for (size_t k = 0; ok && k < NSECTION_KEYS - 1; k++) {
    cJSON *item = cJSON_DetachItemFromObjectCaseSensitive(other, section_keys[k]);
    if (item && !cJSON_AddItemToObject(section, section_keys[k], item)) {
      cJSON_Delete(item);
      ok = false;
    }
  }
  if (ok && cJSON_AddItemToObject(section, PT_DOC_WARNINGS, warnings))
    warnings = NULL;
  else
    ok = false;
  if (ok && cJSON_AddItemToArray(list, section))
    section = NULL;
  else
    ok = false;
  if (ok && new_list && cJSON_AddItemToObject(doc, PT_DOC_OTHER_METRICS, new_list))
    new_list = NULL;
  else if (new_list)
    ok = false;
  cJSON_Delete(new_list);
  cJSON_Delete(warnings);
  cJSON_Delete(section);
  cJSON_Delete(other);
  return ok ? PT_OK : pt_error_set(err, PT_ENOMEM, "out of memory");
}

const char *pt_doc_baseline(const cJSON *doc) { return pt_json_str(doc, PT_DOC_BASELINE); }
double pt_doc_confidence(const cJSON *doc) { return pt_json_num(doc, PT_DOC_CONFIDENCE); }
double pt_doc_alpha(const cJSON *doc) { return pt_json_num(doc, PT_DOC_ALPHA); }
const char *pt_doc_test(const cJSON *doc) { return pt_json_str(doc, PT_DOC_TEST); }

const char *pt_doc_test_label(const char *test) {
  if (test && !strcmp(test, PT_DOC_TEST_MANN_WHITNEY))
    return "Mann\xE2\x80\x93Whitney U test";
  if (test && !strcmp(test, PT_DOC_TEST_WELCH))
    return "Welch's t-test";
  return "session mixed model";
}

const char *pt_doc_adjust(const cJSON *doc) { return pt_json_str(doc, PT_DOC_ADJUST); }

pt_doc_metric_info pt_doc_metric_of(const cJSON *doc) {
  const cJSON *m = pt_doc_metric(doc);
  return (pt_doc_metric_info){pt_json_str(m, PT_DOC_NAME), pt_json_str(m, PT_DOC_LABEL),
                              pt_json_str(m, PT_DOC_UNIT),
                              pt_json_bool(m, PT_DOC_HIGHER_IS_BETTER, true)};
}

const char *pt_doc_env_name(const cJSON *env) { return pt_json_str(env, PT_DOC_NAME); }
const char *pt_doc_env_label(const cJSON *env) { return pt_json_str(env, PT_DOC_LABEL); }

const char *pt_doc_env_display(const cJSON *env) {
  const char *label = pt_doc_env_label(env);
  return label ? label : pt_doc_env_name(env);
}

bool pt_doc_env_is_baseline(const cJSON *env) {
  return pt_json_bool(env, PT_DOC_BASELINE, false);
}

cJSON *pt_doc_env_manifest(const cJSON *env) { return object_of(env, PT_DOC_MANIFEST); }
cJSON *pt_doc_env_sources(const cJSON *env) { return array_of(env, PT_DOC_SOURCES); }

cJSON *pt_doc_env_find(const cJSON *doc, const char *name) {
  cJSON *e;
  cJSON_ArrayForEach(e, pt_doc_environments(doc)) {
    const char *n = pt_doc_env_name(e);
    if (n && name && !strcmp(n, name))
      return e;
  }
  return NULL;
}

const char *pt_doc_model_name(const cJSON *model) { return pt_json_str(model, PT_DOC_MODEL); }

const char *pt_doc_prompt_id(const cJSON *prompt) {
  return pt_json_str(prompt, PT_DOC_PROMPT_ID);
}

const char *pt_doc_verdict(const cJSON *comparison) {
  return pt_json_str(comparison, PT_DOC_VERDICT);
}

bool pt_doc_undetermined(const cJSON *comparison) {
  const char *v = pt_doc_verdict(comparison);
  return v && !strcmp(v, PT_DOC_UNDETERMINED);
}

const char *pt_doc_verdict_note(const cJSON *comparison) {
  if (!pt_doc_undetermined(comparison))
    return NULL;
  const char *note = pt_json_str(comparison, PT_DOC_VERDICT_NOTE);
  if (note && *note)
    return note;
  const char *fit = pt_json_str(comparison, PT_DOC_FIT);
  for (int s = PT_LMM_OK; fit && s <= PT_LMM_EXACT; s++)
    if (!strcmp(fit, pt_lmm_status_name((pt_lmm_status)s)) &&
        !pt_lmm_status_determined((pt_lmm_status)s))
      return pt_lmm_status_text((pt_lmm_status)s);
  return "the data cannot support a verdict; " PT_DOC_ABAB_ADVICE;
}

const char *pt_doc_item_env(const cJSON *item) { return pt_json_str(item, PT_DOC_ENVIRONMENT); }

cJSON *pt_doc_find_env_item(const cJSON *arr, const char *env) {
  cJSON *it;
  if (!cJSON_IsArray(arr) || !env)
    return NULL;
  cJSON_ArrayForEach(it, arr) {
    const char *e = pt_doc_item_env(it);
    if (e && !strcmp(e, env))
      return it;
  }
  return NULL;
}

cJSON *pt_doc_group_of(const cJSON *model, const char *env) {
  return pt_doc_find_env_item(pt_doc_groups(model), env);
}

cJSON *pt_doc_comparison_of(const cJSON *model, const char *env) {
  return pt_doc_find_env_item(pt_doc_comparisons(model), env);
}

/* ------------------------------------------------------- display order */

pt_code pt_doc_env_order(const cJSON *doc, pt_doc_envs *out) {
  out->items = NULL;
  out->n = out->cap = 0;
  cJSON *e;
  for (int pass = 0; pass < 2; pass++)
    cJSON_ArrayForEach(e, pt_doc_environments(doc)) {
      if (!cJSON_IsObject(e) || !pt_doc_env_name(e) || pt_doc_env_is_baseline(e) != (pass == 0))
        continue;
      cJSON **items = pt_grow_array(out->items, &out->cap, out->n + 1, sizeof *items);
      if (!items) {
        pt_doc_envs_free(out);
        return PT_ENOMEM;
      }
      out->items = items;
      out->items[out->n++] = e;
    }
  return PT_OK;
}

void pt_doc_envs_free(pt_doc_envs *envs) {
  if (!envs)
    return;
  free(envs->items);
  envs->items = NULL;
  envs->n = envs->cap = 0;
}

/* ------------------------------------------------------------- formats */

const char *pt_fmt_num(double v, int decimals, char *buf, size_t size) {
  if (!isfinite(v))
    return snprintf(buf, size, "%s", PT_DASH), buf;
  double a = fabs(v);
  if (a >= PT_FMT_SCI_ABOVE || (a > 0 && a < PT_FMT_SCI_BELOW))
    return snprintf(buf, size, "%.3e", v), buf;  /* bounded: 1e300 is not 301 digits */
  snprintf(buf, size, "%.*f", decimals, v);
  /* no "-0.00": a value that rounds to zero has no sign */
  if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))
    memmove(buf, buf + 1, strlen(buf));
  return buf;
}

const char *pt_fmt_pct(double v, char *buf, size_t size) {
  pt_fmt_num(v, 2, buf, size);
  if (isfinite(v)) {
    size_t n = strlen(buf);
    snprintf(buf + n, size - n, "%%");
  }
  return buf;
}

const char *pt_fmt_pct_range(double lo, double hi, char *buf, size_t size) {
  if (!isfinite(lo) || !isfinite(hi))
    return snprintf(buf, size, "%s", PT_DASH), buf;
  char a[64], c[64];
  snprintf(buf, size, "[%s, %s]", pt_fmt_pct(lo, a, sizeof a), pt_fmt_pct(hi, c, sizeof c));
  return buf;
}

const char *pt_fmt_p(double p, char *buf, size_t size) {
  if (!isfinite(p))
    snprintf(buf, size, "%s", PT_DASH);
  else if (p < 0.001)
    snprintf(buf, size, "< 0.001");
  else
    snprintf(buf, size, "%.3f", p);
  return buf;
}

const char *pt_fmt_verdict(const cJSON *comparison, char *buf, size_t size) {
  const char *v = pt_doc_verdict(comparison);
  snprintf(buf, size, "%s", v ? v : PT_DASH);
  for (char *p = buf; *p; p++)
    if (*p == '_')
      *p = ' ';  /* no_difference -> no difference */
  return buf;
}

const char *pt_fmt_penalty(const cJSON *comp, char *buf, size_t size) {
  pt_fmt_pct(pt_json_num(comp, PT_DOC_PENALTY_PCT), buf, size);
  if (cJSON_IsFalse(pt_json_get(comp, PT_DOC_SIGNIFICANT))) {
    size_t n = strlen(buf);
    snprintf(buf + n, size - n, " ~");
  }
  return buf;
}
