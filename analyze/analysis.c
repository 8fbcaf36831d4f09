/* analyze/analysis.c - statistics, comparisons, verdicts, summary and
 * warnings of a dataset, as the analysis document (README "analysis.json";
 * its keys are those of analyze/doc.h, the document's one owner). The
 * numbered items cited are those of STATS.md: 1-15 implemented in
 * analyze/stats.c, 16-21 in analyze/lmm.c and analyze/power.c.
 *
 * The work, in order:
 *   1. per group (model, environment), in threads: the summary (1-7), and
 *      the group's cells - its trials by (session, prompt), as the count,
 *      mean and sum of squares of the log values the session model takes
 *      (16-17) - and each session's first measured trial;
 *   2. per model and compared environment, in threads: the session model
 *      (18) on the two groups' cells, blocked by prompt;
 *   3. per compared environment: Holm across its models (20), penalties,
 *      intervals and verdicts (19-20); the across-models fit with model x
 *      prompt blocks and sessions shared by the models (the summary);
 *   4. the document, and the warnings.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze/analysis_internal.h"
#include "analyze/facts.h"
#include "analyze/lmm.h"
#include "analyze/stats.h"
#include "collect/manifest.h"
#include "core/json.h"

#define HIGH_CV_PCT 5.0          /* STATS.md: warn above 5 % CV */
#define FIRST_SLOW_FRACTION 0.10 /* first trial this much worse than its cell's median */
#define FIRST_SLOW_CELL_MIN 3    /* trials a cell needs for that median */
#define NAMED_MAX 5              /* sessions named in a warning, then "and N more" */

void pt_analyze_opts_init(pt_analyze_opts *o) {
  memset(o, 0, sizeof *o);
  o->confidence = 0.95;
  o->alpha = 0.05;
  o->adjust = PT_ADJUST_HOLM;
}

/* ------------------------------------------------------ per group (1) */

/* The trials of one group that share a session and a prompt. */
typedef struct cell {
  uint32_t session, prompt;
  size_t n;
  double mean, m2;  /* of log(value) */
  double sum;       /* of the values */
} cell;

/* A session whose first measured trial was slow. */
typedef struct slow_first {
  uint32_t session;
  double pct;       /* how far off its cell's median, % */
} slow_first;

/* What step 1 computes for a group (indexed like ds->groups). */
typedef struct gres {
  pt_summary sum;
  size_t dropped;   /* outliers left out (--drop-outliers) */
  cell *cells;
  size_t ncells;
  size_t sessions;  /* distinct sessions */
  slow_first *slow;
  size_t nslow;
} gres;

static void gres_free(gres *r) {
  free(r->cells);
  free(r->slow);
}

/* Summary of one group; drops outliers first when asked (STATS.md 7),
 * keeping the trials' other arrays in step. Leaves the sorted values in
 * g->sorted for the tests. Returns false when out of memory. */
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
      if (!pt_is_outlier(g->values[i], s->median, scale)) {
        g->values[k] = g->values[i];
        g->session[k] = g->session[i];
        g->prompt[k] = g->prompt[i];
        g->seq[k] = g->seq[i];
        g->started[k] = g->started[i];
        k++;
      }
    *dropped = g->n - k;
    g->n = k;
    if (k)
      memcpy(x, g->values, k * sizeof *x);
    pt_summarize(x, k, opts->confidence, s);
    s->outliers = 0;
  }
  return true;
}

/* A trial's place in the sort that makes a group's cells contiguous. */
typedef struct trial_ref {
  uint64_t key;  /* session << 32 | prompt */
  uint32_t idx;  /* into the group's arrays */
} trial_ref;

static int cmp_ref(const void *pa, const void *pb) {
  const trial_ref *a = pa, *b = pb;
  if (a->key != b->key)
    return a->key < b->key ? -1 : 1;
  return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int cmp_double(const void *pa, const void *pb) {
  double a = *(const double *)pa, b = *(const double *)pb;
  return a < b ? -1 : a > b;
}

/* The first measured trial among refs[a..b) (one session): the least seq
 * when some have one, else the earliest started_at, else the first read. */
static size_t first_trial(const pt_group *g, const trial_ref *refs, size_t a, size_t b) {
  size_t best = a;
  int rank = 3;  /* 0 seq, 1 time, 2 input order */
  for (size_t i = a; i < b; i++) {
    uint32_t k = refs[i].idx, cur = refs[best].idx;
    int r = g->seq[k] ? 0 : g->started[k] != PT_NO_TIME ? 1 : 2;
    bool better = r < rank || (r == rank && (r == 0   ? g->seq[k] < g->seq[cur]
                                             : r == 1 ? g->started[k] < g->started[cur]
                                                      : k < cur));
    if (better) {
      best = i;
      rank = r;
    }
  }
  return best;
}

/* A worker's scratch for group_cells, grown as needed. */
typedef struct scratch {
  trial_ref *refs;
  size_t rcap;
  double *vals;
  size_t vcap;
  uint32_t *stamp_s, *rank_s, *stamp_p, *rank_p;  /* per dataset session / prompt */
  size_t *count;
  size_t ccap;
  uint32_t stamp;
} scratch;

static void scratch_free(scratch *sc) {
  free(sc->refs);
  free(sc->vals);
  free(sc->stamp_s);
  free(sc->rank_s);
  free(sc->stamp_p);
  free(sc->rank_p);
  free(sc->count);
}

/* Order g's trials so that each (session, prompt) cell is contiguous and
 * each session's cells are too, in input order within a cell: a counting
 * sort on the group's own session and prompt ranks (linear), or a
 * comparison sort when the ranks would make too many slots. refs[i].key
 * is equal exactly for trials of one cell, and key >> 32 for one session. */
static bool order_trials(const pt_group *g, scratch *sc, size_t nsess, size_t nprompt) {
  size_t n = g->n;
  trial_ref *refs = pt_grow_array(sc->refs, &sc->rcap, n, sizeof *refs);
  if (!refs)
    return false;
  sc->refs = refs;
  if (++sc->stamp == 0) {  /* wrapped: start the stamps over */
    memset(sc->stamp_s, 0, nsess * sizeof *sc->stamp_s);
    memset(sc->stamp_p, 0, nprompt * sizeof *sc->stamp_p);
    sc->stamp = 1;
  }
  uint32_t ns = 0, np = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t s = g->session[i], p = g->prompt[i];
    if (sc->stamp_s[s] != sc->stamp) {
      sc->stamp_s[s] = sc->stamp;
      sc->rank_s[s] = ns++;
    }
    if (sc->stamp_p[p] != sc->stamp) {
      sc->stamp_p[p] = sc->stamp;
      sc->rank_p[p] = np++;
    }
  }
  size_t slots = (size_t)ns * np;
  if (slots > 4 * n + 64) {
    for (size_t i = 0; i < n; i++)
      refs[i] = (trial_ref){(uint64_t)g->session[i] << 32 | g->prompt[i], (uint32_t)i};
    qsort(refs, n, sizeof *refs, cmp_ref);
    return true;
  }
  size_t *count = pt_grow_array(sc->count, &sc->ccap, slots + 1, sizeof *count);
  if (!count)
    return false;
  sc->count = count;
  memset(count, 0, (slots + 1) * sizeof *count);
  for (size_t i = 0; i < n; i++)
    count[(size_t)sc->rank_s[g->session[i]] * np + sc->rank_p[g->prompt[i]] + 1]++;
  for (size_t k = 1; k <= slots; k++)
    count[k] += count[k - 1];
  for (size_t i = 0; i < n; i++) {
    uint32_t ls = sc->rank_s[g->session[i]], lp = sc->rank_p[g->prompt[i]];
    refs[count[(size_t)ls * np + lp]++] = (trial_ref){(uint64_t)ls << 32 | lp, (uint32_t)i};
  }
  return true;
}

/* Step 1 after the summary: cells, sessions, slow first trials. */
static bool group_cells(const pt_group *g, bool higher_is_better, gres *r, scratch *sc,
                        size_t nsess, size_t nprompt) {
  size_t n = g->n;
  if (n == 0)
    return true;
  if (!order_trials(g, sc, nsess, nprompt))
    return false;
  const trial_ref *refs = sc->refs;
  size_t ncells = 1, nsessions = 1;
  for (size_t i = 1; i < n; i++) {
    ncells += refs[i].key != refs[i - 1].key;
    nsessions += refs[i].key >> 32 != refs[i - 1].key >> 32;
  }
  r->cells = calloc(ncells, sizeof *r->cells);
  r->slow = calloc(nsessions, sizeof *r->slow);
  if (!r->cells || !r->slow)
    return false;
  r->sessions = nsessions;
  /* STATS.md 16-17: the cells the session model takes, log values */
  for (size_t a = 0, b; a < n; a = b) {
    pt_acc acc;
    pt_acc_init(&acc);
    double sum = 0;
    for (b = a; b < n && refs[b].key == refs[a].key; b++) {
      double v = g->values[refs[b].idx];
      pt_acc_push(&acc, log(v));
      sum += v;
    }
    uint32_t k = refs[a].idx;
    r->cells[r->ncells++] = (cell){g->session[k], g->prompt[k], acc.n, acc.mean, acc.m2, sum};
  }
  /* each session's first measured trial against its cell's median */
  for (size_t a = 0, b; a < n; a = b) {
    for (b = a; b < n && refs[b].key >> 32 == refs[a].key >> 32; b++)
      ;
    size_t f = first_trial(g, refs, a, b);
    size_t ca = f, cb = f + 1;  /* its cell's range */
    while (ca > a && refs[ca - 1].key == refs[f].key)
      ca--;
    while (cb < b && refs[cb].key == refs[f].key)
      cb++;
    if (cb - ca < FIRST_SLOW_CELL_MIN)
      continue;
    double *v = pt_grow_array(sc->vals, &sc->vcap, cb - ca, sizeof *v);
    if (!v)
      return false;
    sc->vals = v;
    for (size_t i = ca; i < cb; i++)
      v[i - ca] = g->values[refs[i].idx];
    qsort(v, cb - ca, sizeof *v, cmp_double);
    double med = pt_quantile_sorted(v, cb - ca, 0.5), first = g->values[refs[f].idx];
    bool slow = higher_is_better ? first < med * (1 - FIRST_SLOW_FRACTION)
                                 : first > med * (1 + FIRST_SLOW_FRACTION);
    if (slow)
      r->slow[r->nslow++] = (slow_first){g->session[refs[f].idx], fabs(first / med - 1) * 100};
  }
  return true;
}

/* ------------------------------------------------- the fits (2) and (3) */

/* The session model of one comparison, and what step 3 adds. */
typedef struct fit_res {
  bool present;             /* both groups have trials: a comparison exists */
  bool failed;              /* the fit failed (message in msg) */
  pt_lmm_comparison c;
  double p_adjusted;
  char *msg;                /* why it failed (owned) */
} fit_res;

/* Build the cells of a comparison: the baseline's then the compared
 * group's. Returns the count, or SIZE_MAX when out of memory. */
static size_t comparison_cells(const gres *ra, const gres *rb, pt_lmm_cell **out,
                               size_t *cap) {
  size_t n = ra->ncells + rb->ncells;
  pt_lmm_cell *c = pt_grow_array(*out, cap, n ? n : 1, sizeof *c);
  if (!c)
    return SIZE_MAX;
  *out = c;
  size_t k = 0;
  for (int side = 0; side < 2; side++) {
    const gres *r = side ? rb : ra;
    for (size_t i = 0; i < r->ncells; i++)
      c[k++] = (pt_lmm_cell){r->cells[i].session, r->cells[i].prompt, side == 1,
                             r->cells[i].n, r->cells[i].mean, r->cells[i].m2};
  }
  return k;
}

/* Replace "session N" in an lmm message with the session's run_id (or
 * file) and "block N" with what the block is, so the message speaks of the
 * data. blocks_are_prompts: per model; else model x prompt (summary). */
static void translate_lmm_error(const pt_dataset *ds, const char *msg, char *out,
                                size_t size, bool blocks_are_prompts) {
  pt_buf b = PT_BUF_INIT;
  const char *p = msg;
  while (*p) {
    const char *word = NULL;
    bool session = !strncmp(p, "session ", 8), block = !strncmp(p, "block ", 6);
    if ((session || block) && p[session ? 8 : 6] >= '0' && p[session ? 8 : 6] <= '9') {
      char *end;
      unsigned long long v = strtoull(p + (session ? 8 : 6), &end, 10);
      if (session && v < pt_ds_nsessions(ds))
        word = pt_ds_session_label(ds, (size_t)v);
      else if (block && blocks_are_prompts && v < pt_ds_nprompts(ds))
        word = pt_ds_prompt(ds, (size_t)v);
      if (word) {
        pt_buf_printf(&b, "%s '%s'", session ? "session" : "prompt", word);
        p = end;
        continue;
      }
    }
    pt_buf_putc(&b, *p++);
  }
  snprintf(out, size, "%s", b.data ? b.data : msg);
  pt_buf_free(&b);
}

/* Names of the prompts of r that the other side has none of, for the
 * "prompt-coverage" warning ("" when every prompt is shared). */
static size_t one_side_prompts(const pt_dataset *ds, const gres *r, const gres *other,
                               char *out, size_t size) {
  size_t shared = 0, len = 0, named = 0;
  out[0] = '\0';
  for (size_t i = 0; i < r->ncells; i++) {
    uint32_t p = r->cells[i].prompt;
    bool seen = false, in_other = false;
    for (size_t j = 0; j < i && !seen; j++)
      seen = r->cells[j].prompt == p;
    if (seen)
      continue;
    for (size_t j = 0; j < other->ncells && !in_other; j++)
      in_other = other->cells[j].prompt == p;
    if (in_other) {
      shared++;
    } else if (len < size) {
      const char *name = pt_ds_prompt(ds, p);
      len += (size_t)snprintf(out + len, size - len, "%s'%s'", named++ ? ", " : "",
                              *name ? name : "(none)");
    }
  }
  return shared;
}

/* Work shared by the threads of steps 1 and 2. */
typedef struct job {
  pt_dataset *ds;
  const pt_analyze_opts *opts;
  gres *res;           /* per group */
  fit_res *fits;       /* [model * nenv + env] */
  size_t base, nenv;
  int stage;           /* 1: groups, 2: fits, 3: item(ctx, i) */
  bool (*item)(void *ctx, size_t i);  /* false: out of memory */
  void *ctx;
  size_t next, count;  /* next item to take, under lock */
  pthread_mutex_t lock;
  bool oom;            /* an allocation failed: the document is not returned */
} job;

static void set_oom(job *j) {
  pthread_mutex_lock(&j->lock);
  j->oom = true;
  pthread_mutex_unlock(&j->lock);
}

static void fit_model(job *j, size_t m, pt_lmm_cell **cells, size_t *ccap) {
  pt_dataset *ds = j->ds;
  pt_group *ga = pt_dataset_group(ds, m, j->base);
  if (!ga || !ga->n)
    return;
  const gres *ra = &j->res[ga - ds->groups];
  for (size_t e = 0; e < j->nenv; e++) {
    pt_group *gb = pt_dataset_group(ds, m, e);
    if (e == j->base || !gb || !gb->n)
      continue;
    const gres *rb = &j->res[gb - ds->groups];
    fit_res *f = &j->fits[m * j->nenv + e];
    f->present = true;
    f->p_adjusted = NAN;
    size_t nc = comparison_cells(ra, rb, cells, ccap);
    if (nc == SIZE_MAX) {
      set_oom(j);
      return;
    }
    pt_error err;
    pt_error_clear(&err);
    pt_code rc = pt_lmm_compare(*cells, nc, &f->c, &err);
    if (rc == PT_ENOMEM) {
      set_oom(j);
      return;
    }
    if (rc) {
      char msg[512];
      f->failed = true;
      translate_lmm_error(ds, err.msg, msg, sizeof msg, true);
      if (!(f->msg = strdup(msg)))
        set_oom(j);
    }
  }
}

static void *worker(void *arg) {
  job *j = arg;
  scratch sc;
  memset(&sc, 0, sizeof sc);
  pt_lmm_cell *cells = NULL;
  size_t ccap = 0;
  bool hib = j->ds->metric->higher_is_better;
  size_t nsess = pt_ds_nsessions(j->ds), nprompt = pt_ds_nprompts(j->ds);
  if (j->stage == 1) {
    sc.stamp_s = calloc(nsess + 1, sizeof *sc.stamp_s);
    sc.rank_s = calloc(nsess + 1, sizeof *sc.rank_s);
    sc.stamp_p = calloc(nprompt + 1, sizeof *sc.stamp_p);
    sc.rank_p = calloc(nprompt + 1, sizeof *sc.rank_p);
    if (!sc.stamp_s || !sc.rank_s || !sc.stamp_p || !sc.rank_p)
      set_oom(j);
  }
  for (;;) {
    pthread_mutex_lock(&j->lock);
    size_t i = j->oom ? j->count : j->next++;
    pthread_mutex_unlock(&j->lock);
    if (i >= j->count)
      break;
    bool ok = true;
    if (j->stage == 1) {
      pt_group *g = &j->ds->groups[i];
      gres *r = &j->res[i];
      ok = summarize(j->opts, g, &r->sum, &r->dropped) &&
           group_cells(g, hib, r, &sc, nsess, nprompt);
    } else if (j->stage == 2) {
      fit_model(j, i, &cells, &ccap);
    } else {
      ok = j->item(j->ctx, i);
    }
    if (!ok)
      set_oom(j);
  }
  scratch_free(&sc);
  free(cells);
  return NULL;
}

/* Run stage of j over count items on the machine's cores (at most 8). */
static bool run_stage(job *j, int stage, size_t count) {
  j->stage = stage;
  j->next = 0;
  j->count = count;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  size_t n = cores < 1 ? 1 : cores > 8 ? 8 : (size_t)cores;
  if (n > count)
    n = count ? count : 1;
  pthread_t tid[8];
  bool started[8] = {false};
  for (size_t t = 1; t < n; t++)
    started[t] = pthread_create(&tid[t], NULL, worker, j) == 0;
  worker(j);  /* this thread works too, and alone if none started */
  for (size_t t = 1; t < n; t++)
    if (started[t])
      pthread_join(tid[t], NULL);
  return !j->oom;
}

/* ----------------------------------------------------------- the document */

typedef struct builder {
  pt_dataset *ds;
  const pt_analyze_opts *opts;
  cJSON *doc, *warnings;
  size_t base, nenv, nmodel;
  gres *res;
  fit_res *fits;
  bool oom;
} builder;

/* Add item to the object `to` under key, or to the array `to` when key is
 * NULL; when that cannot be done the item is freed and the failure
 * recorded. */
static void attach(builder *b, cJSON *to, const char *key, cJSON *item) {
  bool ok = item && to &&
            (key ? cJSON_AddItemToObjectCS(to, key, item) : cJSON_AddItemToArray(to, item));
  if (!ok) {
    cJSON_Delete(item);
    b->oom = true;
  }
}

/* A new object appended to the array arr, or NULL (recorded). */
static cJSON *push_object(builder *b, cJSON *arr) {
  cJSON *o = cJSON_CreateObject();
  if (!o || !arr || !cJSON_AddItemToArray(arr, o)) {
    cJSON_Delete(o);
    b->oom = true;
    return NULL;
  }
  return o;
}

/* Members under constant keys (the PT_DOC_* literals: cJSON keeps the
 * pointer, no copy), so a document of 100,000 models allocates half as
 * often. A failure is recorded and the item freed. */
static cJSON *add(builder *b, cJSON *o, const char *key, cJSON *item) {
  if (!item || !o || !cJSON_AddItemToObjectCS(o, key, item)) {
    cJSON_Delete(item);
    b->oom = true;
    return NULL;
  }
  return item;
}

/* A number, or null when it does not exist (not finite). */
static void num(builder *b, cJSON *o, const char *key, double v) {
  add(b, o, key, isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull());
}

/* A string, or null for NULL. */
static void str(builder *b, cJSON *o, const char *key, const char *v) {
  add(b, o, key, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

static void flag(builder *b, cJSON *o, const char *key, bool v) {
  add(b, o, key, cJSON_CreateBool(v));
}

static cJSON *object(builder *b, cJSON *o, const char *key) {
  return add(b, o, key, cJSON_CreateObject());
}

static cJSON *array(builder *b, cJSON *o, const char *key) {
  return add(b, o, key, cJSON_CreateArray());
}

static void warn(builder *b, const char *code, const char *model, const char *env,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void warn(builder *b, const char *code, const char *model, const char *env,
                 const char *fmt, ...) {
  char msg[1600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!b->warnings && !(b->warnings = cJSON_CreateArray())) {
    b->oom = true;
    return;
  }
  cJSON *w = push_object(b, b->warnings);
  if (!w)
    return;
  str(b, w, PT_DOC_CODE, code);
  str(b, w, PT_DOC_MODEL, model);
  str(b, w, PT_DOC_ENVIRONMENT, env);
  str(b, w, PT_DOC_MESSAGE, msg);
}

static const char *env_name(const builder *b, size_t e) { return pt_ds_env(b->ds, e); }

static const char *env_label(builder *b, size_t env) {
  const char *name = env_name(b, env);
  for (size_t i = 0; i < b->opts->nlabels; i++)
    if (!strcmp(b->opts->labels[i].name, name))
      return b->opts->labels[i].text;
  const pt_env_info *info = &b->ds->env_info[env];
  if (info->named)
    return info->named;  /* NAME=PATH: the manifest's label is the run's, not NAME's */
  const char *label = pt_mf_label(info->manifest);
  return label && *label ? label : name;
}

static pt_code find_baseline(pt_dataset *ds, const pt_analyze_opts *opts, size_t *base,
                             pt_error *err) {
  size_t n = pt_ds_nenvs(ds);
  const char *want = opts->baseline ? opts->baseline : "bare-metal";
  ptrdiff_t i = pt_strtab_find(&ds->envs, want, strlen(want));
  if (i >= 0) {
    *base = (size_t)i;
    return PT_OK;
  }
  if (!opts->baseline) {
    *base = 0;
    return PT_OK;
  }
  pt_buf list = PT_BUF_INIT;
  for (size_t k = 0; k < n && list.len < 400; k++)
    pt_buf_printf(&list, "%s'%s'", k ? ", " : "", pt_ds_env(ds, k));
  if (n && list.len >= 400)
    pt_buf_puts(&list, ", ...");
  pt_error_set(err, PT_EUSAGE, "baseline '%s' is not an environment of the data (found %s)",
               opts->baseline, list.data ? list.data : "none");
  pt_buf_free(&list);
  return PT_EUSAGE;
}

static cJSON *group_json(builder *b, const pt_group *g, const gres *r) {
  cJSON *o = cJSON_CreateObject();
  if (!o)
    return NULL;
  pt_summary sum = r->sum;
  const pt_summary *s = &sum;
  if (sum.n >= 2 && sum.variance == 0) {
    /* identical values: an interval of width 0 would claim certainty that
     * two trials cannot give (issue 8): none */
    sum.ci_low = sum.ci_high = sum.median_ci_low = sum.median_ci_high = NAN;
  }
  str(b, o, PT_DOC_ENVIRONMENT, env_name(b, g->env));
  /* counts are finite, so every one is a number; a statistic that does not
   * exist (NAN) is null */
#define STAT(key, field) num(b, o, key, (double)s->field);
  PT_DOC_GROUP_STATS(STAT)
#undef STAT
  num(b, o, PT_DOC_SESSIONS, (double)r->sessions);
  cJSON *ex = object(b, o, PT_DOC_EXCLUDED);
  if (ex) {
    num(b, ex, PT_DOC_WARMUP, (double)g->warmup);
    num(b, ex, PT_DOC_FAILED, (double)g->failed);
    num(b, ex, PT_DOC_INVALID, (double)g->invalid);
    num(b, ex, PT_DOC_OUTLIERS, (double)r->dropped);
  }
  /* the GPU during these trials (collect's telemetry columns): means, and
   * the highest temperature; null when no trial has any */
  size_t tn = g->clock_n > g->temp_n ? g->clock_n : g->temp_n;
  tn = g->power_n > tn ? g->power_n : tn;
  tn = g->busy_n > tn ? g->busy_n : tn;
  if (!tn) {
    add(b, o, PT_DOC_TELEMETRY, cJSON_CreateNull());
  } else if ((ex = object(b, o, PT_DOC_TELEMETRY))) {
    num(b, ex, PT_DOC_TRIALS, (double)tn);
    num(b, ex, PT_DOC_GPU_CLOCK_MHZ, g->clock_n ? g->clock_sum / (double)g->clock_n : NAN);
    num(b, ex, PT_DOC_GPU_TEMP_C, g->temp_n ? g->temp_sum / (double)g->temp_n : NAN);
    num(b, ex, PT_DOC_GPU_TEMP_MAX_C, g->temp_max);
    num(b, ex, PT_DOC_GPU_POWER_W, g->power_n ? g->power_sum / (double)g->power_n : NAN);
    num(b, ex, PT_DOC_GPU_BUSY_PCT, g->busy_n ? g->busy_sum / (double)g->busy_n : NAN);
  }
  return o;
}

/* Welch's test or the U test as {t, df, p} / {u, exact, p}; null when it
 * cannot run, and for Welch when both variances are 0 (df undefined: the
 * test would say p = 0 for any two different constants). */
static cJSON *test_json(const pt_test *t, bool mw) {
  if (isnan(t->p) || (!mw && isnan(t->df)))
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

static const char *method_of(pt_lmm_status s) {
  switch (s) {
  case PT_LMM_OK:
    return PT_DOC_METHOD_LMM;
  case PT_LMM_NO_BETWEEN:
  case PT_LMM_ROWS_ARE_SESSIONS:
    return PT_DOC_METHOD_OLS;
  default:
    return PT_DOC_METHOD_ESTIMATE;
  }
}

/* The session model's fields of a comparison or summary comparison
 * (STATS.md 18-21): estimate, penalty and its interval, test, verdict,
 * sessions and variance components. p_adjusted is NAN for the summary
 * (one test: no family to adjust). */
static void model_fields(builder *b, cJSON *o, const pt_lmm_comparison *c, double p_adjusted,
                         bool adjusted, bool failed, double *penalty_out) {
  bool hib = b->ds->metric->higher_is_better;
  double pen, lo, hi;
  pt_lmm_penalty(&c->env, b->opts->confidence, hib, &pen, &lo, &hi);
  if (penalty_out)
    *penalty_out = pen;
  num(b, o, PT_DOC_RATIO, exp(c->env.estimate));
  num(b, o, PT_DOC_PENALTY_PCT, pen);
  num(b, o, PT_DOC_PENALTY_CI_LOW, lo);
  num(b, o, PT_DOC_PENALTY_CI_HIGH, hi);
  num(b, o, PT_DOC_LOG_RATIO, c->env.estimate);
  num(b, o, PT_DOC_SE, c->env.se);
  num(b, o, PT_DOC_DF, c->env.df);
  num(b, o, PT_DOC_P_VALUE, c->env.p);
  double p_verdict = adjusted ? p_adjusted : c->env.p;
  if (adjusted)
    num(b, o, PT_DOC_P_ADJUSTED, p_adjusted);
  pt_verdict v = pt_lmm_verdict(c->status, c->env.estimate, p_verdict, b->opts->alpha, hib);
  if (v == PT_VERDICT_UNDETERMINED)
    add(b, o, PT_DOC_SIGNIFICANT, cJSON_CreateNull());
  else
    flag(b, o, PT_DOC_SIGNIFICANT, v != PT_VERDICT_NO_DIFFERENCE);
  str(b, o, PT_DOC_VERDICT, pt_verdict_name(v));
  str(b, o, PT_DOC_METHOD, failed ? PT_DOC_METHOD_ESTIMATE : method_of(c->status));
  str(b, o, PT_DOC_FIT, failed ? "failed" : pt_lmm_status_name(c->status));
  cJSON *ss = object(b, o, PT_DOC_SESSIONS);
  if (ss) {
    num(b, ss, PT_DOC_BASELINE, (double)c->sessions_baseline);
    num(b, ss, PT_DOC_COMPARED, (double)c->sessions_compared);
  }
  /* 100 x sd on the log scale; null when the design cannot tell it apart */
  bool within = c->status == PT_LMM_OK || c->status == PT_LMM_NO_BETWEEN ||
                c->status == PT_LMM_NO_WITHIN;
  cJSON *vc = object(b, o, PT_DOC_VARIANCE_COMPONENTS);
  if (vc) {
    num(b, vc, PT_DOC_WITHIN_SD_PCT, within ? 100 * c->sigma_w : NAN);
    num(b, vc, PT_DOC_BETWEEN_SD_PCT,
        c->status == PT_LMM_OK ? 100 * c->sigma_b : NAN);
  }
}

/* STATS.md 9-21 for environment e of model m against the baseline. */
static cJSON *comparison_json(builder *b, size_t m, size_t e, double *penalty) {
  pt_dataset *ds = b->ds;
  const pt_group *ga = pt_dataset_group(ds, m, b->base), *gb = pt_dataset_group(ds, m, e);
  const gres *ra = &b->res[ga - ds->groups], *rb = &b->res[gb - ds->groups];
  const fit_res *f = &b->fits[m * b->nenv + e];
  cJSON *o = cJSON_CreateObject();
  if (!o)
    return NULL;
  str(b, o, PT_DOC_ENVIRONMENT, env_name(b, e));
  str(b, o, PT_DOC_BASELINE, env_name(b, b->base));
  model_fields(b, o, &f->c, f->p_adjusted, true, f->failed, penalty);
  /* descriptive extras: trials as independent samples (STATS.md 11-12) */
  const pt_summary *sa = &ra->sum, *sb = &rb->sum;
  pt_test welch, mw;
  pt_welch(sa->mean, sa->variance, sa->n, sb->mean, sb->variance, sb->n, &welch);
  /* README: a comparison's test is null when a side has n < 2 */
  if (ga->n >= 2 && gb->n >= 2)
    pt_mann_whitney(ga->sorted, ga->n, gb->sorted, gb->n, &mw);
  else
    mw = (pt_test){.statistic = NAN, .df = NAN, .p = NAN, .exact = false};
  attach(b, o, PT_DOC_WELCH, test_json(&welch, false));
  attach(b, o, PT_DOC_MANN_WHITNEY, test_json(&mw, true));
  return o;
}

/* models[].prompts[]: each prompt's n and mean per environment and the
 * penalty of each compared environment on that prompt (STATS.md 9). */
static cJSON *prompts_json(builder *b, size_t m) {
  pt_dataset *ds = b->ds;
  cJSON *arr = cJSON_CreateArray();
  if (!arr)
    return NULL;
  size_t np = pt_ds_nprompts(ds);
  /* the prompts of this model, in index order (order of first appearance) */
  uint32_t *seen = calloc(np ? np : 1, sizeof *seen);
  double *base_mean = malloc((np ? np : 1) * sizeof *base_mean);
  size_t *cnt = calloc((np ? np : 1) * b->nenv, sizeof *cnt);
  double *sum = calloc((np ? np : 1) * b->nenv, sizeof *sum);
  if (!seen || !base_mean || !cnt || !sum) {
    b->oom = true;
    goto out;
  }
  for (size_t e = 0; e < b->nenv; e++) {
    pt_group *g = pt_dataset_group(ds, m, e);
    if (!g)
      continue;
    const gres *r = &b->res[g - ds->groups];
    for (size_t i = 0; i < r->ncells; i++) {
      const cell *c = &r->cells[i];
      seen[c->prompt] = 1;
      cnt[c->prompt * b->nenv + e] += c->n;
      sum[c->prompt * b->nenv + e] += c->sum;
    }
  }
  for (size_t p = 0; p < np; p++) {
    if (!seen[p])
      continue;
    cJSON *po = push_object(b, arr);
    if (!po)
      break;
    str(b, po, PT_DOC_PROMPT_ID, pt_ds_prompt(ds, p));
    cJSON *gs = array(b, po, PT_DOC_GROUPS);
    size_t bn = cnt[p * b->nenv + b->base];
    base_mean[p] = bn ? sum[p * b->nenv + b->base] / (double)bn : NAN;
    /* baseline first, then the others in environment order */
    for (size_t k = 0; k < b->nenv && gs; k++) {
      size_t e = k == 0 ? b->base : k <= b->base ? k - 1 : k;
      size_t n = cnt[p * b->nenv + e];
      if (!n)
        continue;
      cJSON *go = push_object(b, gs);
      if (!go)
        break;
      double mean = sum[p * b->nenv + e] / (double)n;
      str(b, go, PT_DOC_ENVIRONMENT, env_name(b, e));
      num(b, go, PT_DOC_N, (double)n);
      num(b, go, PT_DOC_MEAN, mean);
      if (e != b->base)
        num(b, go, PT_DOC_PENALTY_PCT,
            pt_penalty_pct(base_mean[p], mean, ds->metric->higher_is_better));
    }
  }
out:
  free(seen);
  free(base_mean);
  free(cnt);
  free(sum);
  return arr;
}

/* ISO 8601 UTC with milliseconds, as collect writes started_at. */
static const char *fmt_time(int64_t ms, char *buf, size_t size) {
  time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  struct tm tm;
  if (!gmtime_r(&s, &tm))
    return NULL;
  char d[32];
  strftime(d, sizeof d, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, size, "%s.%03dZ", d, (int)(ms - (int64_t)s * 1000));
  return buf;
}

typedef struct timed {
  int64_t first;  /* PT_NO_TIME sorts last */
  size_t session;
} timed;

static int cmp_timed(const void *pa, const void *pb) {
  const timed *a = pa, *b = pb;
  bool na = a->first == PT_NO_TIME, nb = b->first == PT_NO_TIME;
  if (na != nb)
    return na ? 1 : -1;
  if (a->first != b->first)
    return a->first < b->first ? -1 : 1;
  return a->session < b->session ? -1 : a->session > b->session;
}

/* The sessions of environment e with trials, in order of start (those
 * without a time last, in order of first appearance). */
static size_t env_sessions(const pt_dataset *ds, size_t e, timed *out) {
  size_t n = 0;
  for (size_t s = 0; s < pt_ds_nsessions(ds); s++)
    if (ds->sess[s].env == e && ds->sess[s].trials)
      out[n++] = (timed){ds->sess[s].first, s};
  qsort(out, n, sizeof *out, cmp_timed);
  return n;
}

size_t pt_dataset_env_sessions(const pt_dataset *ds, size_t env, size_t *out) {
  size_t n = 0;
  /* insertion sort by cmp_timed: a handful of sessions per environment */
  for (size_t s = 0; s < pt_ds_nsessions(ds); s++) {
    if (ds->sess[s].env != env || !ds->sess[s].trials)
      continue;
    timed t = {ds->sess[s].first, s};
    size_t i = n++;
    while (i > 0 && cmp_timed(&t, &(timed){ds->sess[out[i - 1]].first, out[i - 1]}) < 0) {
      out[i] = out[i - 1];
      i--;
    }
    out[i] = s;
  }
  return n;
}

static cJSON *environments_json(builder *b, timed *order) {
  pt_dataset *ds = b->ds;
  cJSON *arr = cJSON_CreateArray();
  for (size_t e = 0; arr && e < b->nenv; e++) {
    cJSON *o = push_object(b, arr);
    if (!o)
      break;
    str(b, o, PT_DOC_NAME, env_name(b, e));
    str(b, o, PT_DOC_LABEL, env_label(b, e));
    flag(b, o, PT_DOC_BASELINE, e == b->base);
    pt_env_info *info = &ds->env_info[e];
    attach(b, o, PT_DOC_SOURCES,
           info->sources ? cJSON_Duplicate(info->sources, true) : cJSON_CreateArray());
    attach(b, o, PT_DOC_MANIFEST,
           info->manifest ? cJSON_Duplicate(info->manifest, true) : cJSON_CreateNull());
    cJSON *ss = array(b, o, PT_DOC_SESSIONS);
    size_t n = env_sessions(ds, e, order);
    for (size_t i = 0; ss && i < n; i++) {
      const pt_session *s = &ds->sess[order[i].session];
      cJSON *so = push_object(b, ss);
      if (!so)
        break;
      char t[40];
      str(b, so, PT_DOC_RUN_ID, pt_ds_session_run_id(ds, order[i].session));
      /* its file, as a position in sources[] (which batch makes relative) */
      num(b, so, PT_DOC_SOURCE,
          s->source < info->source_cap && info->source_of[s->source]
              ? (double)(info->source_of[s->source] - 1)
              : NAN);
      num(b, so, PT_DOC_TRIALS, (double)s->trials);
      str(b, so, PT_DOC_STARTED_AT,
          s->first == PT_NO_TIME ? NULL : fmt_time(s->first, t, sizeof t));
    }
  }
  if (!arr)
    b->oom = true;
  return arr;
}

/* ------------------------------------------------------------ warnings */

/* Warnings about one group (STATS.md 7, "Validity warnings"). */
static void group_warnings(builder *b, const pt_group *g, const gres *r) {
  const char *model = pt_ds_model(b->ds, g->model), *env = env_name(b, g->env);
  const pt_summary *s = &r->sum;
  if (s->n >= 2 && s->cv_pct > HIGH_CV_PCT)
    warn(b, "high-cv", model, env,
         "%s on %s varies by %.1f%% (CV above %.0f%%): the mean is not a stable figure",
         model, env, s->cv_pct, HIGH_CV_PCT);
  if (s->outliers > 0)
    warn(b, "outliers", model, env,
         "%s on %s has %zu outlier%s (modified z-score above 14.826); kept, "
         "use --drop-outliers to leave them out",
         model, env, s->outliers, s->outliers == 1 ? "" : "s");
  if (r->dropped > 0)
    warn(b, "outliers-dropped", model, env,
         "%s on %s: %zu outlier%s (modified z-score above 14.826) left out by "
         "--drop-outliers",
         model, env, r->dropped, r->dropped == 1 ? "" : "s");
  if (g->offloaded > 0)
    warn(b, "cpu-offload", model, env,
         "%s on %s did not fit in GPU memory in %zu trial%s (size_vram < size): "
         "part ran on the CPU, so its rate does not measure the GPU path",
         model, env, g->offloaded, g->offloaded == 1 ? "" : "s");
  if (g->failed > 0)
    warn(b, "failed-trials", model, env, "%s on %s: %zu trial%s failed and %s left out",
         model, env, g->failed, g->failed == 1 ? "" : "s", g->failed == 1 ? "is" : "are");
  if (r->nslow > 0) {
    /* every session checked, each named (a few, then how many more) */
    pt_buf list = PT_BUF_INIT;
    for (size_t i = 0; i < r->nslow && i < NAMED_MAX; i++)
      pt_buf_printf(&list, "%s%s (%.0f%%)", i ? ", " : "",
                    pt_ds_session_label(b->ds, r->slow[i].session), r->slow[i].pct);
    if (r->nslow > NAMED_MAX)
      pt_buf_printf(&list, " and %zu more", r->nslow - NAMED_MAX);
    warn(b, "first-trial-slow", model, env,
         "%s on %s: the first measured trial of %zu of %zu session%s is more than %.0f%% off "
         "its prompt's median in that session: %s; a warm-up may be missing",
         model, env, r->nslow, r->sessions, r->sessions == 1 ? "" : "s",
         FIRST_SLOW_FRACTION * 100, list.data ? list.data : "");
    if (!list.data)
      b->oom = true;
    pt_buf_free(&list);
  }
}

/* STATS.md 22: all sessions of one environment before all of the other's. */
static void order_warning(builder *b, size_t e) {
  const pt_dataset *ds = b->ds;
  int64_t first[2] = {INT64_MAX, INT64_MAX}, last[2] = {INT64_MIN, INT64_MIN};
  size_t count[2] = {0, 0};
  for (size_t s = 0; s < pt_ds_nsessions(ds); s++) {
    const pt_session *se = &ds->sess[s];
    int side = se->env == b->base ? 0 : se->env == e ? 1 : -1;
    if (side < 0 || !se->trials)
      continue;
    if (se->first == PT_NO_TIME)
      return;  /* cannot tell */
    count[side]++;
    first[side] = se->first < first[side] ? se->first : first[side];
    last[side] = se->first > last[side] ? se->first : last[side];
  }
  if (!count[0] || !count[1] || count[0] + count[1] < 3)
    return;  /* one session a side: the verdict is undetermined anyway */
  int early = last[0] < first[1] ? 0 : last[1] < first[0] ? 1 : -1;
  if (early < 0)
    return;
  const char *a = env_name(b, early ? e : b->base), *z = env_name(b, early ? b->base : e);
  warn(b, "order-confounded", NULL, env_name(b, e),
       "every session of %s (%zu) started before every session of %s (%zu): drift over "
       "time (temperature, updates, background load) is confounded with the environment; "
       "alternate whole sessions, A B A B",
       a, count[early], z, count[!early]);
}

/* What every undetermined verdict of environment e shares, said once. */
static void undetermined_warning(builder *b, size_t e) {
  size_t count[PT_LMM_EXACT + 1] = {0}, total = 0;
  for (size_t m = 0; m < b->nmodel; m++) {
    const fit_res *f = &b->fits[m * b->nenv + e];
    if (!f->present || f->failed)
      continue;
    total++;
    if (!pt_lmm_status_determined(f->c.status))
      count[f->c.status]++;
  }
  for (int s = 0; s <= PT_LMM_EXACT; s++)
    if (count[s])
      warn(b, "undetermined", NULL, env_name(b, e),
           "%s against %s: the verdict of %zu of %zu model%s is undetermined: %s", env_name(b, e),
           env_name(b, b->base), count[s], total, total == 1 ? "" : "s",
           pt_lmm_status_text((pt_lmm_status)s));
}

/* Warnings about one comparison's fit. */
static void fit_warnings(builder *b, size_t m, size_t e) {
  const fit_res *f = &b->fits[m * b->nenv + e];
  const char *model = pt_ds_model(b->ds, m), *env = env_name(b, e),
             *base = env_name(b, b->base);
  if (f->failed) {
    warn(b, "model-fit-failed", model, env, "%s on %s: the session model could not be fitted "
         "(%s); its verdict is undetermined", model, env, f->msg);
    return;
  }
  if (f->c.blocks_dropped > 0) {
    warn(b, "prompt-confounded", model, env,
         "%s: no prompt ran on both %s and %s, so the environment is confounded with the "
         "prompts and the penalty includes their difference in speed; run the same prompts "
         "in both", model, base, env);
    return;
  }
  const pt_dataset *ds = b->ds;
  const gres *r[2] = {&b->res[pt_dataset_group(b->ds, m, b->base) - ds->groups],
                      &b->res[pt_dataset_group(b->ds, m, e) - ds->groups]};
  for (int side = 0; side < 2; side++) {
    char only[400];
    size_t shared = one_side_prompts(ds, r[side], r[!side], only, sizeof only);
    if (only[0])
      warn(b, "prompt-coverage", model, env,
           "%s: prompt%s %s ran on %s only; the penalty rests on the %zu prompt%s both ran",
           model, strchr(only, ',') ? "s" : "", only, side ? env : base, shared,
           shared == 1 ? "" : "s");
  }
}

static bool str_has(const char *s, const char *const *words) {
  for (; *words; words++)
    if (strstr(s, *words))
      return true;
  return false;
}

/* The GPU telemetry of environment e's trials (analyze/facts.h). */
static void env_telemetry(const builder *b, size_t e, double *clock, double *temp) {
  double sum = 0, tmax = NAN;
  size_t n = 0;
  for (size_t i = 0; i < b->ds->ngroups; i++) {
    const pt_group *g = &b->ds->groups[i];
    if (g->env != e)
      continue;
    sum += g->clock_sum;
    n += g->clock_n;
    if (!(g->temp_max <= tmax))
      tmax = g->temp_max;
  }
  *clock = n ? sum / (double)n : NAN;
  *temp = tmax;
}

static pt_env_facts env_facts(const builder *b, size_t e) {
  /* the run's facts: its first session's (collect/manifest.h) */
  pt_mf_facts mf = pt_mf_facts_of(b->ds->env_info[e].manifest);
  pt_env_facts f = {env_name(b, e), mf.host, mf.ollama_version, NAN, NAN};
  env_telemetry(b, e, &f.gpu_clock_mhz, &f.gpu_temp_max_c);
  return f;
}

static void add_fact_warnings(builder *b, pt_fact_warnings *fw, const char *env) {
  for (size_t i = 0; i < fw->n; i++)
    warn(b, fw->items[i].code, NULL, env, "%s", fw->items[i].message);
  pt_fact_warnings_free(fw);
}

/* Warnings that compare environments' manifests and machines. */
static void manifest_warnings(builder *b) {
  pt_dataset *ds = b->ds;
  static const char *const bare[] = {"bare", "metal", "host", "native", NULL};
  static const char *const virt[] = {"vm", "virt", "guest", "passthrough", "vfio", NULL};
  const cJSON *mb = ds->env_info[b->base].manifest;
  pt_env_facts fa = env_facts(b, b->base);
  for (size_t e = 0; e < b->nenv; e++) {
    const char *name = env_name(b, e);
    const cJSON *m = ds->env_info[e].manifest;
    pt_env_facts fe = env_facts(b, e);
    pt_fact_warnings fw = {0};
    if (pt_facts_check(&fe, &fw, NULL))
      b->oom = true;
    add_fact_warnings(b, &fw, name);
    /* machine facts, Ollama version and the trials' GPU clock (facts.h):
     * the clock needs no manifest */
    if (e != b->base && pt_facts_compare(&fa, &fe, &fw, NULL))
      b->oom = true;
    add_fact_warnings(b, &fw, name);
    if (!m)
      continue;
    bool known, detected = pt_mf_host_virtualized(fe.host, &known);
    if (known) {
      if (detected && str_has(name, bare) && !str_has(name, virt))
        warn(b, "virtualization-mismatch", NULL, name,
             "'%s' is labelled bare metal but its manifest says a hypervisor was detected",
             name);
      else if (!detected && str_has(name, virt) && !str_has(name, bare))
        warn(b, "virtualization-mismatch", NULL, name,
             "'%s' is labelled a VM but its manifest says no hypervisor was detected", name);
    }
    if (e == b->base || !mb)
      continue;
    const cJSON *oa = pt_mf_options(mb), *ob = pt_mf_options(m);
    if (oa && ob && !cJSON_Compare(oa, ob, true))
      warn(b, "options-mismatch", NULL, name,
           "the generation options of %s differ from those of %s", name,
           env_name(b, b->base));
  }
}

/* ------------------------------------------------------------- summary */

static int cmp_size(const void *pa, const void *pb) {
  size_t a = *(const size_t *)pa, bb = *(const size_t *)pb;
  return a < bb ? -1 : a > bb;
}

/* STATS.md 14-15 and the across-models fit of environment e: the models
 * compared with the baseline, their model x prompt cells as blocks, and
 * sessions shared by the models of a session. */
static void summary_json(builder *b, cJSON *scomps, size_t e, const double *penalties) {
  pt_dataset *ds = b->ds;
  bool hib = ds->metric->higher_is_better;
  size_t k = 0, ncells = 0;
  double sum = 0, logsum = 0;
  for (size_t m = 0; m < b->nmodel; m++) {
    const fit_res *f = &b->fits[m * b->nenv + e];
    if (!f->present || !isfinite(penalties[m * b->nenv + e]))
      continue;
    k++;
    sum += penalties[m * b->nenv + e];
    logsum += f->c.env.estimate;
    ncells += b->res[pt_dataset_group(ds, m, b->base) - ds->groups].ncells +
              b->res[pt_dataset_group(ds, m, e) - ds->groups].ncells;
  }
  cJSON *o = push_object(b, scomps);
  if (!o)
    return;
  str(b, o, PT_DOC_ENVIRONMENT, env_name(b, e));
  str(b, o, PT_DOC_BASELINE, env_name(b, b->base));
  num(b, o, PT_DOC_MODELS, (double)k);
  num(b, o, PT_DOC_MEAN_PENALTY_PCT, k ? sum / (double)k : NAN);
  /* 15: the geometric mean of the models' ratios */
  num(b, o, PT_DOC_GEOMEAN_PENALTY_PCT,
      k ? pt_ratio_to_penalty(exp(logsum / (double)k), hib) : NAN);
  if (k && k < b->nmodel)
    warn(b, "coverage", NULL, env_name(b, e),
         "%s and %s do not cover the same models: the summary uses the %zu they share",
         env_name(b, e), env_name(b, b->base), k);
  if (!k)
    return;

  /* the across-models fit: blocks are model x prompt */
  size_t np = pt_ds_nprompts(ds);
  pt_lmm_cell *cells = malloc(ncells * sizeof *cells);
  if (!cells) {
    b->oom = true;
    return;
  }
  size_t nc = 0, blocks = 0;
  for (size_t m = 0; m < b->nmodel; m++) {
    const fit_res *f = &b->fits[m * b->nenv + e];
    if (!f->present || !isfinite(penalties[m * b->nenv + e]))
      continue;
    for (int side = 0; side < 2; side++) {
      const gres *r = &b->res[pt_dataset_group(ds, m, side ? e : b->base) - ds->groups];
      for (size_t i = 0; i < r->ncells; i++) {
        const cell *c = &r->cells[i];
        cells[nc++] = (pt_lmm_cell){c->session, m * np + c->prompt, side == 1, c->n, c->mean,
                                    c->m2};
      }
    }
  }
  /* distinct blocks, counted on a copy sorted by block */
  size_t *bk = malloc((nc ? nc : 1) * sizeof *bk);
  if (!bk) {
    free(cells);
    b->oom = true;
    return;
  }
  for (size_t i = 0; i < nc; i++)
    bk[i] = cells[i].block;
  qsort(bk, nc, sizeof *bk, cmp_size);
  for (size_t i = 0; i < nc; i++)
    blocks += i == 0 || bk[i] != bk[i - 1];
  free(bk);
  if (blocks > PT_SUMMARY_MAX_BLOCKS) {
    free(cells);
    warn(b, "summary-not-fitted", NULL, env_name(b, e),
         "%s against %s: the across-models session model was not fitted: %zu model x prompt "
         "cells exceed %d (its cost grows with their cube); the per-model verdicts stand",
         env_name(b, e), env_name(b, b->base), blocks, PT_SUMMARY_MAX_BLOCKS);
    return;
  }
  pt_lmm_comparison c;
  pt_error err;
  pt_error_clear(&err);
  pt_code rc = pt_lmm_compare(cells, nc, &c, &err);
  free(cells);
  if (rc == PT_ENOMEM) {
    b->oom = true;
    return;
  }
  if (rc) {
    char msg[256];
    translate_lmm_error(ds, err.msg, msg, sizeof msg, false);
    warn(b, "model-fit-failed", NULL, env_name(b, e),
         "%s against %s: the across-models session model could not be fitted (%s)",
         env_name(b, e), env_name(b, b->base), msg);
    return;
  }
  model_fields(b, o, &c, NAN, false, false, NULL);
}

/* ------------------------------------------------------------ pt_analyze */

/* STATS.md 20: adjust the p-values of environment e's models. */
static pt_code adjust_family(builder *b, size_t e, double *p, pt_error *err) {
  for (size_t m = 0; m < b->nmodel; m++) {
    const fit_res *f = &b->fits[m * b->nenv + e];
    p[m] = f->present && !f->failed && pt_lmm_status_determined(f->c.status) ? f->c.env.p : NAN;
  }
  if (b->opts->adjust == PT_ADJUST_HOLM) {
    pt_code rc = pt_holm(p, b->nmodel, p, err);
    if (rc)
      return rc;
  }
  for (size_t m = 0; m < b->nmodel; m++)
    b->fits[m * b->nenv + e].p_adjusted = p[m];
  return PT_OK;
}

static void header(builder *b) {
  const pt_metric *mt = b->ds->metric;
  str(b, b->doc, PT_DOC_SCHEMA, PT_DOC_SCHEMA_ID);
  cJSON *tool = object(b, b->doc, PT_DOC_TOOL);
  str(b, tool, PT_DOC_NAME, "ptbench");
  str(b, tool, PT_DOC_VERSION, PTBENCH_VERSION);
  cJSON *metric = object(b, b->doc, PT_DOC_METRIC);
  str(b, metric, PT_DOC_NAME, mt->name);
  str(b, metric, PT_DOC_LABEL, mt->label);
  str(b, metric, PT_DOC_UNIT, mt->unit);
  flag(b, metric, PT_DOC_HIGHER_IS_BETTER, mt->higher_is_better);
  num(b, b->doc, PT_DOC_CONFIDENCE, b->opts->confidence);
  num(b, b->doc, PT_DOC_ALPHA, b->opts->alpha);
  str(b, b->doc, PT_DOC_TEST, PT_DOC_TEST_MODEL);
  str(b, b->doc, PT_DOC_ADJUST, b->opts->adjust == PT_ADJUST_HOLM
                                                              ? PT_DOC_ADJUST_HOLM
                                                              : PT_DOC_ADJUST_NONE);
  str(b, b->doc, PT_DOC_BASELINE, env_name(b, b->base));
}

/* One models[] item, its warnings, and its penalties into penalties[]. */
static void model_fill(builder *b, cJSON *mo, size_t m, double *penalties, size_t *single,
                       size_t *few) {
  pt_dataset *ds = b->ds;
  const char *model = pt_ds_model(ds, m);
  str(b, mo, PT_DOC_MODEL, model);
  cJSON *groups = array(b, mo, PT_DOC_GROUPS);
  for (size_t e = 0; e < b->nenv; e++) {
    pt_group *g = pt_dataset_group(ds, m, e);
    if (!g)
      continue;
    const gres *r = &b->res[g - ds->groups];
    if (g->n == 0)
      warn(b, "no-valid-trials", model, env_name(b, e),
           "%s on %s has no valid trial (%zu warm-up, %zu failed, %zu invalid)", model,
           env_name(b, e), g->warmup, g->failed, g->invalid);
    attach(b, groups, NULL, group_json(b, g, r));
    if (g->n > 0) {
      group_warnings(b, g, r);
      *single += r->sum.n < 2;
      *few += r->sum.n >= 2 && r->sum.n < 6;
    }
  }
  attach(b, mo, PT_DOC_PROMPTS, prompts_json(b, m));
  cJSON *comps = array(b, mo, PT_DOC_COMPARISONS);
  pt_group *ga = pt_dataset_group(ds, m, b->base);
  if (!ga || ga->n == 0) {
    warn(b, "missing-model", model, env_name(b, b->base),
         "%s has no valid trials on the baseline %s: no penalty for it", model,
         env_name(b, b->base));
    return;
  }
  for (size_t e = 0; e < b->nenv; e++) {
    pt_group *gb = pt_dataset_group(ds, m, e);
    if (e == b->base)
      continue;
    if (!gb || gb->n == 0) {
      warn(b, "missing-model", model, env_name(b, e),
           "%s has no valid trials on %s: no penalty for it", model, env_name(b, e));
      continue;
    }
    attach(b, comps, NULL, comparison_json(b, m, e, &penalties[m * b->nenv + e]));
    fit_warnings(b, m, e);
    if (ga->digest && gb->digest && strcmp(ga->digest, gb->digest))
      warn(b, "digest-mismatch", model, env_name(b, e),
           "%s is a different build on %s than on %s (digests %.12s and %.12s)", model,
           env_name(b, e), env_name(b, b->base), gb->digest, ga->digest);
    bool a_len = ga->done_length > ga->done_stop, b_len = gb->done_length > gb->done_stop;
    if ((ga->done_length || ga->done_stop) && (gb->done_length || gb->done_stop) &&
        a_len != b_len)
      warn(b, "done-reason-mismatch", model, env_name(b, e),
           "%s mostly stopped by '%s' on %s but by '%s' on %s: different amounts of work",
           model, a_len ? "length" : "stop", env_name(b, b->base), b_len ? "length" : "stop",
           env_name(b, e));
  }
}

/* Step 4 for one model, in a worker: its object and its warnings, built
 * apart and joined in model order afterwards. */
typedef struct model_out {
  cJSON *obj, *warnings;
  size_t single, few;
} model_out;

typedef struct models_job {
  const builder *b;
  double *penalties;
  model_out *out;
} models_job;

static bool model_item(void *ctx, size_t m) {
  models_job *mj = ctx;
  builder local = *mj->b;
  local.warnings = NULL;
  local.oom = false;
  model_out *o = &mj->out[m];
  if ((o->obj = cJSON_CreateObject()))
    model_fill(&local, o->obj, m, mj->penalties, &o->single, &o->few);
  o->warnings = local.warnings;
  return o->obj && !local.oom;
}

/* Move every item of from to the end of to; from is freed. */
static void move_items(builder *b, cJSON *to, cJSON *from) {
  cJSON *it;
  while (from && (it = from->child)) {
    cJSON_DetachItemViaPointer(from, it);
    if (!cJSON_AddItemToArray(to, it)) {
      cJSON_Delete(it);
      b->oom = true;
    }
  }
  cJSON_Delete(from);
}

cJSON *pt_analyze(pt_dataset *ds, const pt_analyze_opts *opts, pt_error *err) {
  size_t usable = 0;
  for (size_t i = 0; i < ds->ngroups; i++)
    usable += ds->groups[i].n;
  if (usable == 0) {
    /* name the input when there is one; several are named by the first */
    const char *where = ds->nfiles == 1 ? ds->first_input : NULL;
    if (ds->rows)
      pt_error_at(err, PT_EDATA, where, 0, 0,
                  "no usable trial: every row is a warm-up, failed or has no valid '%s'",
                  ds->metric->name);
    else
      pt_error_at(err, PT_EDATA, where, 0, 0, "no trials: a header but no rows");
    return NULL;
  }
  builder b = {ds, opts, NULL, NULL, 0, pt_ds_nenvs(ds), pt_ds_nmodels(ds), NULL, NULL, false};
  if (find_baseline(ds, opts, &b.base, err))
    return NULL;
  if (pt_dataset_index(ds, err))
    return NULL;
  size_t cells = b.nenv * b.nmodel;
  job j = {ds, opts, NULL, NULL, b.base, b.nenv, 0, NULL, NULL, 0, 0, PTHREAD_MUTEX_INITIALIZER,
           false};
  b.doc = cJSON_CreateObject();
  b.warnings = cJSON_CreateArray();
  b.res = j.res = calloc(ds->ngroups ? ds->ngroups : 1, sizeof *b.res);
  b.fits = j.fits = calloc(cells ? cells : 1, sizeof *b.fits);
  double *penalties = malloc((cells ? cells : 1) * sizeof *penalties);
  double *p = malloc((b.nmodel ? b.nmodel : 1) * sizeof *p);
  timed *order = malloc((pt_ds_nsessions(ds) + 1) * sizeof *order);
  bool ok = b.doc && b.warnings && b.res && b.fits && penalties && p && order &&
            run_stage(&j, 1, ds->ngroups) && run_stage(&j, 2, b.nmodel);
  pt_code rc = ok ? PT_OK : PT_ENOMEM;
  for (size_t i = 0; i < cells && penalties; i++)
    penalties[i] = NAN;
  for (size_t e = 0; !rc && e < b.nenv; e++)
    if (e != b.base)
      rc = adjust_family(&b, e, p, err);
  if (!rc) {
    header(&b);
    attach(&b, b.doc, PT_DOC_ENVIRONMENTS, environments_json(&b, order));
    for (size_t i = 0; i < ds->nwarnings; i++)
      warn(&b, ds->warnings[i].code, NULL, ds->warnings[i].env, "%s", ds->warnings[i].message);
    size_t single = 0, few = 0;
    cJSON *models = array(&b, b.doc, PT_DOC_MODELS);
    model_out *mout = calloc(b.nmodel ? b.nmodel : 1, sizeof *mout);
    models_job mj = {&b, penalties, mout};
    j.item = model_item;
    j.ctx = &mj;
    if (!mout || !run_stage(&j, 3, b.nmodel))
      b.oom = true;
    for (size_t m = 0; mout && m < b.nmodel; m++) {
      if (!b.oom && mout[m].obj && cJSON_AddItemToArray(models, mout[m].obj))
        mout[m].obj = NULL;
      move_items(&b, b.warnings, mout[m].warnings);
      cJSON_Delete(mout[m].obj);
      single += mout[m].single;
      few += mout[m].few;
    }
    free(mout);
    cJSON *summary = object(&b, b.doc, PT_DOC_SUMMARY);
    cJSON *scomps = array(&b, summary, PT_DOC_COMPARISONS);
    for (size_t e = 0; e < b.nenv && !b.oom; e++) {
      if (e == b.base)
        continue;
      summary_json(&b, scomps, e, penalties);
      undetermined_warning(&b, e);
      order_warning(&b, e);
    }
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
    manifest_warnings(&b);
    attach(&b, b.doc, PT_DOC_WARNINGS, b.warnings);
    b.warnings = NULL;
    if (b.oom)
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  } else if (rc == PT_ENOMEM) {
    pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  for (size_t i = 0; b.res && i < ds->ngroups; i++)
    gres_free(&b.res[i]);
  for (size_t i = 0; b.fits && i < cells; i++)
    free(b.fits[i].msg);
  free(b.res);
  free(b.fits);
  free(penalties);
  free(p);
  free(order);
  pthread_mutex_destroy(&j.lock);
  cJSON_Delete(b.warnings);
  if (rc) {
    cJSON_Delete(b.doc);
    return NULL;
  }
  return b.doc;
}
