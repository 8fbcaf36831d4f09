/* analyze/analysis.c - statistics, comparisons, summary and warnings of a
 * dataset, as the analysis document (README "analysis.json"; its keys are
 * those of analyze/doc.h, the document's one owner). The numbered
 * items cited are those of STATS.md, implemented in analyze/stats.c. */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/analysis_internal.h"
#include "analyze/facts.h"
#include "analyze/stats.h"
#include "collect/manifest.h"
#include "core/json.h"

#define HIGH_CV_PCT 5.0          /* STATS.md: warn above 5 % CV */
#define FIRST_SLOW_FRACTION 0.10 /* first trial this much worse than the median */

void pt_analyze_opts_init(pt_analyze_opts *o) {
  memset(o, 0, sizeof *o);
  o->confidence = 0.95;
  o->alpha = 0.05;
}

/* Record an allocation failure of a cJSON call (a NULL item, a false add):
 * the document is then not returned, rather than returned incomplete. */
#define NEED(bp, expr) ((expr) ? (void)0 : (void)((bp)->oom = true))

typedef struct builder {
  pt_dataset *ds;
  const pt_analyze_opts *opts;
  cJSON *doc, *warnings;
  bool oom;
} builder;

/* Add item to the object `to` under key, or to the array `to` when key is
 * NULL; when that cannot be done the item is freed and the failure
 * recorded. */
static void attach(builder *b, cJSON *to, const char *key, cJSON *item) {
  bool ok = item && to &&
            (key ? cJSON_AddItemToObject(to, key, item) : cJSON_AddItemToArray(to, item));
  if (!ok) {
    cJSON_Delete(item);
    b->oom = true;
  }
}

static void warn(builder *b, const char *code, const char *model, const char *env,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void warn(builder *b, const char *code, const char *model, const char *env,
                 const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  cJSON *w = cJSON_CreateObject();
  if (!w || !cJSON_AddItemToArray(b->warnings, w)) {
    cJSON_Delete(w);
    b->oom = true;
    return;
  }
  NEED(b, cJSON_AddStringToObject(w, PT_DOC_CODE, code));
  NEED(b, pt_json_add_str(w, PT_DOC_MODEL, model));
  NEED(b, pt_json_add_str(w, PT_DOC_ENVIRONMENT, env));
  NEED(b, cJSON_AddStringToObject(w, PT_DOC_MESSAGE, msg));
}

static const char *env_label(builder *b, size_t env) {
  const char *name = b->ds->envs.items[env];
  for (size_t i = 0; i < b->opts->nlabels; i++)
    if (!strcmp(b->opts->labels[i].name, name))
      return b->opts->labels[i].text;
  const char *label = pt_mf_label(b->ds->env_info[env].manifest);
  return label && *label ? label : name;
}

static int find_baseline(builder *b, pt_error *err) {
  const pt_names *envs = &b->ds->envs;
  if (b->opts->baseline) {
    for (size_t i = 0; i < envs->n; i++)
      if (!strcmp(envs->items[i], b->opts->baseline))
        return (int)i;
    char list[512] = "";
    size_t len = 0;
    for (size_t i = 0; i < envs->n && len < sizeof list; i++)
      len += (size_t)snprintf(list + len, sizeof list - len, "%s'%s'", i ? ", " : "",
                              envs->items[i]);
    pt_error_set(err, PT_EUSAGE, "baseline '%s' is not an environment of the data (found %s)",
                 b->opts->baseline, list);
    return -1;
  }
  for (size_t i = 0; i < envs->n; i++)
    if (!strcmp(envs->items[i], "bare-metal"))
      return (int)i;
  return 0;
}

/* Summary of one group; drops outliers first when asked (STATS.md 7).
 * Leaves the sorted values in g->sorted for the tests. Returns false when
 * out of memory. */
static bool summarize(const pt_analyze_opts *opts, pt_group *g, pt_summary *s,
                      size_t *dropped) {
  *dropped = 0;
  double *x = malloc((g->n ? g->n : 1) * sizeof *x);
  if (!x) {
    memset(s, 0, sizeof *s);
    return false;
  }
  free(g->sorted);
  g->sorted = x;
  if (g->n)
    memcpy(x, g->values, g->n * sizeof *x);
  pt_summarize(x, g->n, opts->confidence, s);
  if (opts->drop_outliers && s->outliers > 0) {
    double scale = s->outlier_scale;  /* of x, sorted by pt_summarize */
    size_t k = 0;
    for (size_t i = 0; i < g->n; i++)
      if (!pt_is_outlier(g->values[i], s->median, scale))
        x[k++] = g->values[i];
    *dropped = g->n - k;
    /* keep the kept values for the tests too */
    if (k)
      memcpy(g->values, x, k * sizeof *x);
    g->n = k;
    pt_summarize(x, k, opts->confidence, s);
    s->outliers = 0;
  }
  return true;
}

/* Every group's summary, the groups shared out among threads: sorting a
 * large group is the analyzer's biggest step after reading. */
typedef struct summary_job {
  pt_dataset *ds;
  const pt_analyze_opts *opts;
  pt_summary *sums;        /* by model * nenv + env */
  size_t *dropped;         /* likewise */
  size_t next;             /* next group to take, under lock */
  pthread_mutex_t lock;
  bool oom;
} summary_job;

static void *summary_worker(void *arg) {
  summary_job *j = arg;
  size_t nenv = j->ds->envs.n;
  for (;;) {
    pthread_mutex_lock(&j->lock);
    size_t i = j->next++;
    pthread_mutex_unlock(&j->lock);
    if (i >= j->ds->ngroups)
      return NULL;
    pt_group *g = &j->ds->groups[i];
    size_t k = g->model * nenv + g->env;
    if (!summarize(j->opts, g, &j->sums[k], &j->dropped[k])) {
      pthread_mutex_lock(&j->lock);
      j->oom = true;
      pthread_mutex_unlock(&j->lock);
    }
  }
}

static bool summarize_all(pt_dataset *ds, const pt_analyze_opts *opts, pt_summary *sums,
                          size_t *dropped) {
  summary_job j = {ds, opts, sums, dropped, 0, PTHREAD_MUTEX_INITIALIZER, false};
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  size_t n = cores < 1 ? 1 : cores > 8 ? 8 : (size_t)cores;
  if (n > ds->ngroups)
    n = ds->ngroups ? ds->ngroups : 1;
  pthread_t tid[8];
  bool started[8] = {false};
  for (size_t t = 1; t < n; t++)
    started[t] = pthread_create(&tid[t], NULL, summary_worker, &j) == 0;
  summary_worker(&j);  /* this thread works too, and alone if none started */
  for (size_t t = 1; t < n; t++)
    if (started[t])
      pthread_join(tid[t], NULL);
  pthread_mutex_destroy(&j.lock);
  return !j.oom;
}

static cJSON *group_json(builder *b, const pt_group *g, const pt_summary *s, size_t dropped) {
  cJSON *o = cJSON_CreateObject();
  if (!o)
    return NULL;
  NEED(b, cJSON_AddStringToObject(o, PT_DOC_ENVIRONMENT, b->ds->envs.items[g->env]));
  /* counts are finite, so every one is a number; a statistic that does not
   * exist (NAN) is null */
#define STAT(key, field) NEED(b, pt_json_add_num(o, key, (double)s->field));
  PT_DOC_GROUP_STATS(STAT)
#undef STAT
  cJSON *ex = cJSON_AddObjectToObject(o, PT_DOC_EXCLUDED);
  if (ex) {
    NEED(b, cJSON_AddNumberToObject(ex, PT_DOC_WARMUP, (double)g->warmup));
    NEED(b, cJSON_AddNumberToObject(ex, PT_DOC_FAILED, (double)g->failed));
    NEED(b, cJSON_AddNumberToObject(ex, PT_DOC_INVALID, (double)g->invalid));
    NEED(b, cJSON_AddNumberToObject(ex, PT_DOC_OUTLIERS, (double)dropped));
  }
  return o;
}

static cJSON *test_json(const pt_test *t, bool mw) {
  if (isnan(t->p))
    return cJSON_CreateNull();
  cJSON *o = cJSON_CreateObject();
  if (!o)
    return NULL;
  bool ok = pt_json_add_num(o, mw ? PT_DOC_U : PT_DOC_T, t->statistic) &&
            (mw ? cJSON_AddBoolToObject(o, PT_DOC_EXACT, t->exact) != NULL
                : pt_json_add_num(o, PT_DOC_DF, t->df) != NULL) &&
            pt_json_add_num(o, PT_DOC_P, t->p);
  if (!ok) {
    cJSON_Delete(o);
    return NULL;  /* the caller's add of NULL fails and is recorded */
  }
  return o;
}

/* STATS.md 9-13 for environment B of a model against the baseline A. */
static cJSON *comparison_json(builder *b, const pt_group *ga, const pt_summary *sa,
                              const pt_group *gb, const pt_summary *sb, double *ratio) {
  bool hib = b->ds->metric->higher_is_better;
  cJSON *o = cJSON_CreateObject();
  if (!o)
    return NULL;
  NEED(b, cJSON_AddStringToObject(o, PT_DOC_ENVIRONMENT, b->ds->envs.items[gb->env]));
  NEED(b, cJSON_AddStringToObject(o, PT_DOC_BASELINE, b->ds->envs.items[ga->env]));
  pt_ratio_interval rci;
  pt_ratio_ci(sa->mean, sa->variance, sa->n, sb->mean, sb->variance, sb->n,
              b->opts->confidence, &rci);
  *ratio = rci.ratio;
  NEED(b, pt_json_add_num(o, PT_DOC_RATIO, rci.ratio));
  NEED(b, pt_json_add_num(o, PT_DOC_PENALTY_PCT, pt_penalty_pct(sa->mean, sb->mean, hib)));
  double plo, phi;
  pt_ratio_ci_to_penalty(&rci, hib, &plo, &phi);
  NEED(b, pt_json_add_num(o, PT_DOC_PENALTY_CI_LOW, plo));
  NEED(b, pt_json_add_num(o, PT_DOC_PENALTY_CI_HIGH, phi));
  pt_test welch, mw;
  pt_welch(sa->mean, sa->variance, sa->n, sb->mean, sb->variance, sb->n, &welch);
  /* README: a comparison's test is null when a side has n < 2 */
  if (ga->n >= 2 && gb->n >= 2)
    pt_mann_whitney(ga->sorted, ga->n, gb->sorted, gb->n, &mw);
  else
    mw = (pt_test){.statistic = NAN, .df = NAN, .p = NAN, .exact = false};
  attach(b, o, PT_DOC_WELCH, test_json(&welch, false));
  attach(b, o, PT_DOC_MANN_WHITNEY, test_json(&mw, true));
  double p = b->opts->mann_whitney ? mw.p : welch.p;
  NEED(b, pt_json_add_num(o, PT_DOC_P_VALUE, p));
  if (isnan(p))
    NEED(b, cJSON_AddNullToObject(o, PT_DOC_SIGNIFICANT));
  else
    NEED(b, cJSON_AddBoolToObject(o, PT_DOC_SIGNIFICANT, p < b->opts->alpha));
  return o;
}

/* Warnings about one group (STATS.md 7, "Validity warnings"). */
static void group_warnings(builder *b, const pt_group *g, const pt_summary *s,
                           size_t dropped) {
  const char *model = b->ds->models.items[g->model], *env = b->ds->envs.items[g->env];
  if (s->n >= 2 && s->cv_pct > HIGH_CV_PCT)
    warn(b, "high-cv", model, env,
         "%s on %s varies by %.1f%% (CV above %.0f%%): the mean is not a stable figure",
         model, env, s->cv_pct, HIGH_CV_PCT);
  if (s->outliers > 0)
    warn(b, "outliers", model, env,
         "%s on %s has %zu outlier%s (modified z-score above 14.826); kept, "
         "use --drop-outliers to leave them out",
         model, env, s->outliers, s->outliers == 1 ? "" : "s");
  if (dropped > 0)
    warn(b, "outliers-dropped", model, env,
         "%s on %s: %zu outlier%s (modified z-score above 14.826) left out by "
         "--drop-outliers",
         model, env, dropped, dropped == 1 ? "" : "s");
  if (g->offloaded > 0)
    warn(b, "cpu-offload", model, env,
         "%s on %s did not fit in GPU memory in %zu trial%s (size_vram < size): "
         "part ran on the CPU, so its rate does not measure the GPU path",
         model, env, g->offloaded, g->offloaded == 1 ? "" : "s");
  if (g->failed > 0)
    warn(b, "failed-trials", model, env, "%s on %s: %zu trial%s failed and %s left out",
         model, env, g->failed, g->failed == 1 ? "" : "s", g->failed == 1 ? "is" : "are");
  if (g->n >= 3) {
    /* "first trial much slower": a warm-up that was missed */
    double first = g->values[0], med = s->median;
    bool worse = b->ds->metric->higher_is_better ? first < med * (1 - FIRST_SLOW_FRACTION)
                                                 : first > med * (1 + FIRST_SLOW_FRACTION);
    if (worse)
      warn(b, "first-trial-slow", model, env,
           "%s on %s: the first trial is %.0f%% off the median; a warm-up may be missing",
           model, env, fabs(first / med - 1) * 100);
  }
}

static bool str_has(const char *s, const char *const *words) {
  for (; *words; words++)
    if (strstr(s, *words))
      return true;
  return false;
}

/* Warnings that compare environments' manifests. */
static void manifest_warnings(builder *b, size_t base) {
  pt_dataset *ds = b->ds;
  static const char *const bare[] = {"bare", "metal", "host", "native", NULL};
  static const char *const virt[] = {"vm", "virt", "guest", "passthrough", "vfio", NULL};
  const cJSON *mb = ds->env_info[base].manifest;
  for (size_t e = 0; e < ds->envs.n; e++) {
    const char *name = ds->envs.items[e];
    const cJSON *m = ds->env_info[e].manifest;
    if (!m)
      continue;
    /* the run's facts: its first session's (collect/manifest.h) */
    pt_mf_facts f = pt_mf_facts_of(m);
    bool known, detected = pt_mf_host_virtualized(f.host, &known);
    if (known) {
      if (detected && str_has(name, bare) && !str_has(name, virt))
        warn(b, "virtualization-mismatch", NULL, name,
             "'%s' is labelled bare metal but its manifest says a hypervisor was detected",
             name);
      else if (!detected && str_has(name, virt) && !str_has(name, bare))
        warn(b, "virtualization-mismatch", NULL, name,
             "'%s' is labelled a VM but its manifest says no hypervisor was detected", name);
    }
    if (e == base || !mb)
      continue;
    /* machine facts, Ollama version included (analyze/facts.h); the trials'
     * mean GPU clock and highest temperature are not read yet: NAN */
    pt_mf_facts fbase = pt_mf_facts_of(mb);
    pt_env_facts fa = {ds->envs.items[base], fbase.host, fbase.ollama_version, NAN, NAN};
    pt_env_facts fb = {name, f.host, f.ollama_version, NAN, NAN};
    pt_fact_warnings fw = {0};
    if (pt_facts_compare(&fa, &fb, &fw, NULL))
      b->oom = true;
    for (size_t i = 0; i < fw.n; i++)
      warn(b, fw.items[i].code, NULL, name, "%s", fw.items[i].message);
    pt_fact_warnings_free(&fw);
    const cJSON *oa = pt_mf_options(mb), *ob = pt_mf_options(m);
    if (oa && ob && !cJSON_Compare(oa, ob, true))
      warn(b, "options-mismatch", NULL, name,
           "the generation options of %s differ from those of %s", name,
           ds->envs.items[base]);
  }
}

static cJSON *environments_json(builder *b, size_t base) {
  cJSON *arr = cJSON_CreateArray();
  for (size_t e = 0; arr && e < b->ds->envs.n; e++) {
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(arr, o)) {
      cJSON_Delete(o);
      b->oom = true;
      break;
    }
    NEED(b, cJSON_AddStringToObject(o, PT_DOC_NAME, b->ds->envs.items[e]));
    NEED(b, cJSON_AddStringToObject(o, PT_DOC_LABEL, env_label(b, e)));
    NEED(b, cJSON_AddBoolToObject(o, PT_DOC_BASELINE, e == base));
    pt_env_info *info = &b->ds->env_info[e];
    attach(b, o, PT_DOC_SOURCES,
           info->sources ? cJSON_Duplicate(info->sources, true) : cJSON_CreateArray());
    attach(b, o, PT_DOC_MANIFEST,
           info->manifest ? cJSON_Duplicate(info->manifest, true) : cJSON_CreateNull());
  }
  return arr;
}

cJSON *pt_analyze(pt_dataset *ds, const pt_analyze_opts *opts, pt_error *err) {
  size_t usable = 0;
  for (size_t i = 0; i < ds->ngroups; i++)
    usable += ds->groups[i].n;
  if (usable == 0) {
    /* name the input when there is one; several are named by the first */
    const char *where = ds->first_input;
    if (ds->rows)
      pt_error_at(err, PT_EDATA, ds->ninputs == 1 ? where : NULL, 0, 0,
                  "no usable trial: every row is a warm-up, failed or has no valid '%s'",
                  ds->metric->name);
    else
      pt_error_at(err, PT_EDATA, ds->ninputs == 1 ? where : NULL, 0, 0,
                  "no trials: a header but no rows");
    return NULL;
  }
  builder b = {ds, opts, NULL, NULL, false};
  int base = find_baseline(&b, err);
  if (base < 0)
    return NULL;
  size_t nenv = ds->envs.n, nmodel = ds->models.n;

  b.doc = cJSON_CreateObject();
  b.warnings = cJSON_CreateArray();
  pt_summary *sums = calloc(nenv * nmodel, sizeof *sums);
  size_t *dropped = calloc(nenv * nmodel, sizeof *dropped);
  double *ratios = malloc((nenv * nmodel + 1) * sizeof *ratios);
  if (!b.doc || !b.warnings || !sums || !dropped || !ratios ||
      !summarize_all(ds, opts, sums, dropped))
    goto oom;
  NEED(&b, cJSON_AddStringToObject(b.doc, PT_DOC_SCHEMA, PT_DOC_SCHEMA_ID));
  cJSON *tool = cJSON_AddObjectToObject(b.doc, PT_DOC_TOOL);
  NEED(&b, cJSON_AddStringToObject(tool, PT_DOC_NAME, "ptbench"));
  NEED(&b, cJSON_AddStringToObject(tool, PT_DOC_VERSION, PTBENCH_VERSION));
  cJSON *metric = cJSON_AddObjectToObject(b.doc, PT_DOC_METRIC);
  NEED(&b, cJSON_AddStringToObject(metric, PT_DOC_NAME, ds->metric->name));
  NEED(&b, cJSON_AddStringToObject(metric, PT_DOC_LABEL, ds->metric->label));
  NEED(&b, cJSON_AddStringToObject(metric, PT_DOC_UNIT, ds->metric->unit));
  NEED(&b, cJSON_AddBoolToObject(metric, PT_DOC_HIGHER_IS_BETTER,
                                 ds->metric->higher_is_better));
  NEED(&b, cJSON_AddNumberToObject(b.doc, PT_DOC_CONFIDENCE, opts->confidence));
  NEED(&b, cJSON_AddNumberToObject(b.doc, PT_DOC_ALPHA, opts->alpha));
  NEED(&b, cJSON_AddStringToObject(b.doc, PT_DOC_TEST, opts->mann_whitney
                                                           ? PT_DOC_TEST_MANN_WHITNEY
                                                           : PT_DOC_TEST_WELCH));
  NEED(&b, cJSON_AddStringToObject(b.doc, PT_DOC_BASELINE, ds->envs.items[base]));
  attach(&b, b.doc, PT_DOC_ENVIRONMENTS, environments_json(&b, (size_t)base));

  for (size_t i = 0; i < ds->nwarn_manifest; i++)
    warn(&b, "manifest-unreadable", NULL, NULL, "manifest ignored: %s", ds->warn_manifest[i]);
  for (size_t i = 0; i < ds->nincomplete; i++)
    warn(&b, "incomplete-row", NULL, NULL, "%s", ds->incomplete[i]);

  size_t single = 0, few = 0;
  cJSON *models = cJSON_AddArrayToObject(b.doc, PT_DOC_MODELS);
  for (size_t m = 0; m < nmodel; m++) {
    cJSON *mo = cJSON_CreateObject();
    if (!mo || !cJSON_AddItemToArray(models, mo)) {
      cJSON_Delete(mo);
      goto oom;
    }
    const char *model = ds->models.items[m];
    NEED(&b, cJSON_AddStringToObject(mo, PT_DOC_MODEL, model));
    cJSON *groups = cJSON_AddArrayToObject(mo, PT_DOC_GROUPS);
    for (size_t e = 0; e < nenv; e++) {
      pt_group *g = pt_dataset_group(ds, m, e);
      if (!g)
        continue;
      pt_summary *s = &sums[m * nenv + e];
      if (g->n == 0) {
        warn(&b, "no-valid-trials", model, ds->envs.items[e],
             "%s on %s has no valid trial (%zu warm-up, %zu failed, %zu invalid)", model,
             ds->envs.items[e], g->warmup, g->failed, g->invalid);
      }
      attach(&b, groups, NULL, group_json(&b, g, s, dropped[m * nenv + e]));
      if (g->n > 0) {
        group_warnings(&b, g, s, dropped[m * nenv + e]);
        single += s->n < 2;
        few += s->n >= 2 && s->n < 6;
      }
    }
    cJSON *comps = cJSON_AddArrayToObject(mo, PT_DOC_COMPARISONS);
    pt_group *ga = pt_dataset_group(ds, m, (size_t)base);
    if (!ga || ga->n == 0) {
      warn(&b, "missing-model", model, ds->envs.items[base],
           "%s has no valid trials on the baseline %s: no penalty for it", model,
           ds->envs.items[base]);
      continue;
    }
    for (size_t e = 0; e < nenv; e++) {
      pt_group *gb = pt_dataset_group(ds, m, e);
      if (e == (size_t)base)
        continue;
      if (!gb || gb->n == 0) {
        warn(&b, "missing-model", model, ds->envs.items[e],
             "%s has no valid trials on %s: no penalty for it", model, ds->envs.items[e]);
        continue;
      }
      double ratio = NAN;
      attach(&b, comps, NULL, comparison_json(&b, ga, &sums[m * nenv + (size_t)base], gb,
                                                  &sums[m * nenv + e], &ratio));
      ratios[m * nenv + e] = ratio;
      if (ga->digest && gb->digest && strcmp(ga->digest, gb->digest))
        warn(&b, "digest-mismatch", model, ds->envs.items[e],
             "%s is a different build on %s than on %s (digests %.12s and %.12s)", model,
             ds->envs.items[e], ds->envs.items[base], gb->digest, ga->digest);
      bool a_len = ga->done_length > ga->done_stop, b_len = gb->done_length > gb->done_stop;
      if ((ga->done_length || ga->done_stop) && (gb->done_length || gb->done_stop) &&
          a_len != b_len)
        warn(&b, "done-reason-mismatch", model, ds->envs.items[e],
             "%s mostly stopped by '%s' on %s but by '%s' on %s: different amounts of work",
             model, a_len ? "length" : "stop", ds->envs.items[base], b_len ? "length" : "stop",
             ds->envs.items[e]);
    }
  }

  /* STATS.md 14-15: across models */
  cJSON *summary = cJSON_AddObjectToObject(b.doc, PT_DOC_SUMMARY);
  cJSON *scomps = cJSON_AddArrayToObject(summary, PT_DOC_COMPARISONS);
  double *r = malloc((nmodel + 1) * sizeof *r);
  if (!r)
    goto oom;
  for (size_t e = 0; e < nenv; e++) {
    if (e == (size_t)base)
      continue;
    size_t k = 0;
    double sum = 0;
    for (size_t m = 0; m < nmodel; m++) {
      pt_group *ga = pt_dataset_group(ds, m, (size_t)base), *gb = pt_dataset_group(ds, m, e);
      if (!ga || !gb || !ga->n || !gb->n)
        continue;
      r[k++] = ratios[m * nenv + e];
      sum += pt_penalty_pct(sums[m * nenv + (size_t)base].mean, sums[m * nenv + e].mean,
                            ds->metric->higher_is_better);
    }
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(scomps, o)) {
      cJSON_Delete(o);
      free(r);
      goto oom;
    }
    NEED(&b, cJSON_AddStringToObject(o, PT_DOC_ENVIRONMENT, ds->envs.items[e]));
    NEED(&b, cJSON_AddStringToObject(o, PT_DOC_BASELINE, ds->envs.items[base]));
    NEED(&b, cJSON_AddNumberToObject(o, PT_DOC_MODELS, (double)k));
    NEED(&b, pt_json_add_num(o, PT_DOC_MEAN_PENALTY_PCT, k ? sum / (double)k : NAN));
    NEED(&b, pt_json_add_num(o, PT_DOC_GEOMEAN_PENALTY_PCT,
                    k ? pt_ratio_to_penalty(pt_geomean(r, k), ds->metric->higher_is_better) : NAN));
    if (k && k < nmodel)
      warn(&b, "coverage", NULL, ds->envs.items[e],
           "%s and %s do not cover the same models: the summary uses the %zu they share",
           ds->envs.items[e], ds->envs.items[base], k);
  }
  free(r);

  if (single)
    warn(&b, "single-trial", NULL, NULL,
         "%zu group%s a single trial: no variance, confidence interval or test; "
         "collect several trials per model to tell a penalty from noise",
         single, single == 1 ? " has" : "s have");
  if (few)
    warn(&b, "few-trials", NULL, NULL,
         "%zu group%s fewer than 6 trials: no median confidence interval, and with fewer "
         "than 4 the Mann-Whitney test cannot reach p < 0.05",
         few, few == 1 ? " has" : "s have");
  manifest_warnings(&b, (size_t)base);
  attach(&b, b.doc, PT_DOC_WARNINGS, b.warnings);
  b.warnings = NULL;
  free(sums);
  free(dropped);
  free(ratios);
  if (b.oom)
    goto oom_doc;
  return b.doc;

oom:
  free(sums);
  free(dropped);
  free(ratios);
oom_doc:
  cJSON_Delete(b.doc);
  cJSON_Delete(b.warnings);
  pt_error_set(err, PT_ENOMEM, "out of memory");
  return NULL;
}
