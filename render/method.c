/* render/method.c - the method section and the narrative's facts
 * (render/method.h).
 *
 * Every line is built from what the manifests and the analysis hold, and
 * only then: a line whose fact is unknown is left out, never written with
 * a blank. The wording of the method lines lives here (they are a list of
 * facts); the narrative's sentences live in the article template, which
 * gets the facts below as fields and flags.
 */
#include "render/method.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analysis.h"
#include "analyze/doc.h"
#include "collect/manifest.h"
#include "core/buf.h"
#include "core/json.h"
#include "render/vbuild.h"
#include "render/view.h"

#define TEXT_MAX 4096  /* bytes of one composed value (lists are cut with "...") */

typedef pt_vbuild builder;

/* key and key_md, when s is a non-empty string; nothing otherwise (the
 * template's {{#key}} section then says nothing). */
static void set_fact(builder *b, cJSON *obj, const char *key, const char *s) {
  if (!s || !*s)
    return;
  char k[64];
  pt_vb_str(b, obj, key, s);
  snprintf(k, sizeof k, "%s_md", key);
  pt_vb_md(b, obj, k, s);
}

/* A composed text: appended to with put(), cut at TEXT_MAX. */
typedef struct text {
  pt_buf buf;
  builder *b;
} text;

static void text_init(text *t, builder *b) {
  pt_buf_init(&t->buf, 0);
  t->b = b;
}

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...) {
  if (t->buf.len >= TEXT_MAX)
    return;
  va_list ap;
  va_start(ap, fmt);
  if (pt_buf_vprintf(&t->buf, fmt, ap))
    t->b->ok = false;
  va_end(ap);
  if (t->buf.len >= TEXT_MAX && !pt_buf_puts(&t->buf, "..."))
    t->buf.len = TEXT_MAX + 3;
}

static const char *text_str(const text *t) { return t->buf.data ? t->buf.data : ""; }

/* ------------------------------------------------------------ the inputs */

/* One environment as the method sees it. Pointers point into the view. */
typedef struct env {
  cJSON *item;          /* the view's environments[] item */
  const char *name, *label;
  bool baseline;
  const cJSON *manifest;  /* NULL: none was found beside the trials */
  pt_mf_origin origin;
  pt_mf_facts facts;
  const cJSON *sessions;  /* analysis.json's sessions of it */
} env;

typedef struct ctx {
  builder *b;
  cJSON *view;
  env *envs;
  size_t n;
} ctx;

/* "2026-11-27 18:41" from "2026-11-27T18:41:52.558Z"; "" when not a time. */
static const char *when(const char *iso, char *buf, size_t size) {
  buf[0] = '\0';
  if (iso && strlen(iso) >= 16 && iso[10] == 'T')
    snprintf(buf, size, "%.10s %.5s", iso, iso + 11);
  return buf;
}

/* "2026-11-27 18:41 to 18:52", "2026-11-27 18:41 to 2026-11-28 09:02", or
 * the one time; "" when neither is known. */
static const char *span(const char *from, const char *to, char *buf, size_t size) {
  char a[32], c[32];
  when(from, a, sizeof a);
  when(to, c, sizeof c);
  if (!*a || !*c || !strcmp(a, c))
    snprintf(buf, size, "%s", *a ? a : c);
  else if (!strncmp(a, c, 10))
    snprintf(buf, size, "%s to %s", a, c + 11);
  else
    snprintf(buf, size, "%s to %s", a, c);
  return buf;
}

static bool same(const char *a, const char *b) { return a && b && !strcmp(a, b); }

/* Every environment has the same string for f (NULL counts as different). */
static const char *common(const ctx *c, const char *(*f)(const env *e)) {
  const char *v = c->n ? f(&c->envs[0]) : NULL;
  for (size_t i = 1; v && i < c->n; i++)
    if (!same(v, f(&c->envs[i])))
      return NULL;
  return v;
}

static bool all_origin(const ctx *c, pt_mf_origin o) {
  for (size_t i = 0; i < c->n; i++)
    if (c->envs[i].origin != o)
      return false;
  return c->n > 0;
}

static bool any_origin(const ctx *c, pt_mf_origin o) {
  for (size_t i = 0; i < c->n; i++)
    if (c->envs[i].origin == o)
      return true;
  return false;
}

/* ---------------------------------------------------------------- lines */

static void line(ctx *c, cJSON *lines, const char *key, const char *value) {
  if (!value || !*value)
    return;
  cJSON *o = pt_vb_push_object(c->b, lines);
  if (!o)
    return;
  pt_vb_str(c->b, o, "key", key);
  pt_vb_md(c->b, o, "key_md", key);
  pt_vb_str(c->b, o, "text", value);
  pt_vb_md(c->b, o, "text_md", value);
}

static const char *import_format_words(const char *format, bool plural) {
  if (same(format, "llm-benchmark"))
    return plural ? "llm-benchmark logs" : "llm-benchmark log";
  if (same(format, "ollama-verbose"))
    return plural ? "outputs of `ollama run --verbose`" : "output of `ollama run --verbose`";
  if (same(format, "llama-bench"))
    return plural ? "llama-bench result files" : "llama-bench result file";
  return plural ? "logs" : "log";
}

/* How one environment's data was made, as words. */
static void origin_words(const env *e, text *t) {
  const cJSON *tool = pt_json_get(e->manifest, PT_MF_TOOL);
  const char *version = pt_json_str(tool, PT_MF_VERSION);
  switch (e->origin) {
  case PT_MF_COLLECTED:
    if (!e->manifest) {
      put(t, "trials.csv without a manifest: how it was made is not recorded");
      break;
    }
    put(t, "collected with ptbench collect%s%s%s", version ? " (ptbench " : "",
        version ? version : "", version ? ")" : "");
    if (e->facts.ollama_version)
      put(t, " from Ollama %s", e->facts.ollama_version);
    put(t, " through its HTTP API");
    if (pt_mf_run_options_of(e->manifest).stream == 1)
      put(t, ", answers streamed");
    break;
  case PT_MF_IMPORTED: {
    pt_mf_imported im = pt_mf_imported_of(e->manifest);
    char d[32];
    put(t, "imported with ptbench import%s%s%s", version ? " (ptbench " : "",
        version ? version : "", version ? ")" : "");
    if (*when(im.imported_at, d, sizeof d))
      put(t, " on %.10s", d);
    if (im.files == 1 && im.first_file) {
      const char *base = strrchr(im.first_file, '/');
      put(t, " from the %s %s", import_format_words(im.format, false),
          base ? base + 1 : im.first_file);
    } else if (im.files) {
      put(t, " from %zu %s", im.files, import_format_words(im.format, true));
    } else {
      put(t, " from %s", import_format_words(im.format, true));
    }
    break;
  }
  case PT_MF_PUBLISHED: {
    pt_mf_published p = pt_mf_published_of(e->manifest);
    put(t, "published numbers%s%s%s", p.title ? " of \xe2\x80\x9c" : "", p.title ? p.title : "",
        p.title ? "\xe2\x80\x9d" : "");
    break;
  }
  }
}

static void source_line(ctx *c, cJSON *lines, cJSON *envs_out) {
  text t;
  text_init(&t, c->b);
  bool alike = true;
  text first;
  text_init(&first, c->b);
  for (size_t i = 0; i < c->n; i++) {
    text one;
    text_init(&one, c->b);
    origin_words(&c->envs[i], &one);
    if (i == 0)
      put(&first, "%s", text_str(&one));
    else
      alike = alike && !strcmp(text_str(&first), text_str(&one));
    cJSON *o = pt_vb_push_object(c->b, envs_out);
    if (o) {
      pt_vb_str(c->b, o, "label", c->envs[i].label);
      pt_vb_md(c->b, o, "label_md", c->envs[i].label);
      pt_vb_str(c->b, o, "origin", c->envs[i].origin == PT_MF_COLLECTED  ? "collected"
                                 : c->envs[i].origin == PT_MF_IMPORTED ? "imported"
                                                                        : "published");
      set_fact(c->b, o, "origin_text", text_str(&one));
    }
    put(&t, "%s%s: %s", i ? "; " : "", c->envs[i].label, text_str(&one));
    pt_buf_free(&one.buf);
  }
  /* one source for every environment is said once */
  line(c, lines, "Source", alike ? text_str(&first) : text_str(&t));
  pt_buf_free(&first.buf);
  pt_buf_free(&t.buf);
  if (all_origin(c, PT_MF_PUBLISHED)) {
    pt_mf_published p = pt_mf_published_of(c->envs[0].manifest);
    bool same_note = true, same_tool = true;
    for (size_t i = 1; i < c->n; i++) {
      pt_mf_published q = pt_mf_published_of(c->envs[i].manifest);
      same_note = same_note && same(p.note, q.note);
      same_tool = same_tool && same(p.tool, q.tool);
    }
    if (same_tool)
      line(c, lines, "Tool", p.tool);
    if (same_note)
      line(c, lines, "As published", p.note);
  }
}

/* The sessions of e: count and times, from the manifest's sessions when
 * it was collected, else from the analysis. */
static void env_sessions(const env *e, text *t) {
  size_t n = (size_t)cJSON_GetArraySize(e->sessions);
  const char *from = NULL, *to = NULL;
  if (e->origin == PT_MF_COLLECTED && pt_mf_session_count(e->manifest) == n && n) {
    from = pt_mf_started_at(pt_mf_session(e->manifest, 0));
    to = pt_mf_ended_at(pt_mf_session(e->manifest, n - 1));
  } else {
    from = pt_json_str(cJSON_GetArrayItem(e->sessions, 0), PT_DOC_STARTED_AT);
    to = pt_json_str(cJSON_GetArrayItem(e->sessions, (int)n - 1), PT_DOC_STARTED_AT);
  }
  char s[96];
  span(from, to, s, sizeof s);
  put(t, "%s %zu%s%s%s", e->label, n, *s ? " (" : "", s, *s ? " UTC)" : "");
}

/* How the environments' sessions were ordered in time: alternating, in
 * blocks (drift confounded with the environment), or unknown. */
static const char *session_order(const ctx *c) {
  typedef struct {
    const char *at;
    size_t env;
  } st;
  size_t total = 0;
  for (size_t i = 0; i < c->n; i++)
    total += (size_t)cJSON_GetArraySize(c->envs[i].sessions);
  if (c->n < 2 || total < 2)
    return NULL;
  st *all = calloc(total, sizeof *all);
  if (!all) {
    c->b->ok = false;
    return NULL;
  }
  size_t k = 0;
  bool timed = true;
  for (size_t i = 0; i < c->n; i++) {
    const cJSON *s;
    cJSON_ArrayForEach(s, c->envs[i].sessions) {
      const char *at = pt_json_str(s, PT_DOC_STARTED_AT);
      timed = timed && at;
      all[k++] = (st){at, i};
    }
  }
  const char *out = NULL;
  if (timed) {
    /* in time order (ISO 8601 UTC sorts as text); insertion sort */
    for (size_t i = 1; i < total; i++) {
      st x = all[i];
      size_t j = i;
      while (j > 0 && strcmp(all[j - 1].at, x.at) > 0) {
        all[j] = all[j - 1];
        j--;
      }
      all[j] = x;
    }
    size_t switches = 0;
    bool alternate = true;
    for (size_t i = 1; i < total; i++) {
      switches += all[i].env != all[i - 1].env;
      alternate = alternate && all[i].env != all[i - 1].env;
    }
    if (total == c->n && switches + 1 == c->n)
      out = "one session per environment, one environment after the other";
    else if (switches + 1 == c->n)
      out = "every session of one environment ran before any of the next: drift over time is "
            "confounded with the environment";
    else if (alternate)
      out = "the sessions alternated between the environments";
    else
      out = "the environments' sessions were interleaved";
  }
  free(all);
  return out;
}

static void sessions_line(ctx *c, cJSON *lines) {
  text t;
  text_init(&t, c->b);
  /* no times and the same count everywhere: said once */
  bool timed = false, alike = c->n > 1;
  for (size_t i = 0; i < c->n; i++) {
    const cJSON *first = cJSON_GetArrayItem(c->envs[i].sessions, 0);
    timed = timed || pt_json_str(first, PT_DOC_STARTED_AT);
    alike = alike && cJSON_GetArraySize(c->envs[i].sessions) ==
                         cJSON_GetArraySize(c->envs[0].sessions);
  }
  if (!timed && alike)
    put(&t, "%d per environment", cJSON_GetArraySize(c->envs[0].sessions));
  for (size_t i = 0; i < c->n && (timed || !alike); i++) {
    if (i)
      put(&t, ", ");
    env_sessions(&c->envs[i], &t);
  }
  const char *order = session_order(c);
  if (order)
    put(&t, "; %s", order);
  line(c, lines, "Sessions", text_str(&t));
  pt_buf_free(&t.buf);
}

/* sessions[]: every session of every environment, for a table. */
static void sessions_table(ctx *c, cJSON *method) {
  cJSON *rows = pt_vb_add_array(c->b, method, "sessions");
  bool any = false, notes = false;
  char buf[64];
  for (size_t i = 0; rows && i < c->n; i++) {
    const env *e = &c->envs[i];
    size_t n = (size_t)cJSON_GetArraySize(e->sessions);
    bool from_manifest = e->origin == PT_MF_COLLECTED && pt_mf_session_count(e->manifest) == n;
    for (size_t k = 0; k < n; k++) {
      const cJSON *ds = cJSON_GetArrayItem(e->sessions, (int)k);
      const cJSON *ms = from_manifest ? pt_mf_session(e->manifest, k) : NULL;
      cJSON *o = pt_vb_push_object(c->b, rows);
      if (!o)
        return;
      pt_vb_md(c->b, o, "label_md", e->label);
      pt_vb_num(c->b, o, "number", (double)(k + 1));
      pt_vb_str(c->b, o, "started",
              *when(ms ? pt_mf_started_at(ms) : pt_json_str(ds, PT_DOC_STARTED_AT), buf,
                    sizeof buf)
                  ? buf
                  : PT_DASH);
      pt_vb_str(c->b, o, "ended", *when(pt_mf_ended_at(ms), buf, sizeof buf) ? buf : PT_DASH);
      pt_vb_num(c->b, o, "trials", pt_json_num(ds, PT_DOC_TRIALS));
      const char *status = pt_mf_status(ms);
      pt_vb_md(c->b, o, "status_md", status ? status : PT_DASH);
      /* what changed since the first session, as collect recorded it */
      text note;
      text_init(&note, c->b);
      const cJSON *d;
      cJSON_ArrayForEach(d, pt_mf_differs(ms)) {
        const char *msg = pt_json_str(d, PT_MF_MESSAGE);
        if (msg)
          put(&note, "%s%s", note.buf.len ? "; " : "", msg);
      }
      pt_vb_md(c->b, o, "note_md", note.buf.len ? text_str(&note) : "");
      notes = notes || note.buf.len;
      pt_buf_free(&note.buf);
      any = any || *buf;  /* a table of sessions with no time says nothing */
    }
  }
  pt_vb_bool(c->b, method, "has_sessions", any);
  pt_vb_bool(c->b, method, "has_session_notes", any && notes);
}

/* models: names with what the manifests say of them. */
static void models_line(ctx *c, cJSON *lines) {
  text t;
  text_init(&t, c->b);
  const cJSON *m;
  size_t count = 0;
  cJSON_ArrayForEach(m, pt_doc_models(c->view)) {
    const char *name = pt_doc_model_name(m);
    if (!name)
      continue;
    put(&t, "%s%s", count++ ? "; " : "", name);
    pt_mf_model_info info = {0};
    for (size_t i = 0; i < c->n && !info.name; i++) {
      const cJSON *mm;
      cJSON_ArrayForEach(mm, pt_mf_models(pt_mf_session(c->envs[i].manifest, 0))) {
        pt_mf_model_info mi = pt_mf_model_info_of(mm);
        if (same(mi.name, name) && (mi.family || mi.parameter_size || mi.quantization ||
                                    mi.digest)) {
          info = mi;
          break;
        }
      }
    }
    const char *parts[3] = {info.family, info.parameter_size, info.quantization};
    size_t np = 0;
    for (size_t k = 0; k < 3; k++)
      if (parts[k] && *parts[k])
        put(&t, "%s%s", np++ ? ", " : " (", parts[k]);
    /* digests: one, or each environment's when they differ */
    const char *d0 = NULL;
    bool differ = false;
    for (size_t i = 0; i < c->n; i++) {
      const char *d = pt_mf_model_digest(pt_mf_session(c->envs[i].manifest, 0), name);
      if (d && !d0)
        d0 = d;
      else if (d && d0 && strcmp(d, d0))
        differ = true;
    }
    if (d0 && !differ) {
      put(&t, "%sdigest %.12s", np++ ? ", " : " (", d0);
    } else if (differ) {
      for (size_t i = 0; i < c->n; i++) {
        const char *d = pt_mf_model_digest(pt_mf_session(c->envs[i].manifest, 0), name);
        if (d)
          put(&t, "%sdigest %.12s on %s", np++ ? ", " : " (", d, c->envs[i].label);
      }
    }
    if (np)
      put(&t, ")");
  }
  line(c, lines, "Models", text_str(&t));
  pt_buf_free(&t.buf);
}

/* The plan's prompts, if every collected environment ran the same ones. */
static const cJSON *plan_manifest(const ctx *c) {
  const cJSON *first = NULL;
  for (size_t i = 0; i < c->n; i++) {
    const env *e = &c->envs[i];
    if (e->origin != PT_MF_COLLECTED || !pt_mf_plan(e->manifest))
      continue;
    if (!first) {
      first = e->manifest;
      continue;
    }
    size_t n = pt_mf_prompt_count(first);
    if (n != pt_mf_prompt_count(e->manifest))
      return NULL;
    for (size_t k = 0; k < n; k++) {
      const char *ia, *ta, *ib, *tb;
      pt_mf_prompt(first, k, &ia, &ta);
      pt_mf_prompt(e->manifest, k, &ib, &tb);
      if (!same(ia, ib) || !same(ta, tb))
        return NULL;
    }
  }
  return first;
}

/* The prompts the analysis saw, by id (an input without prompt_id: none). */
static size_t analysis_prompts(const ctx *c, text *ids) {
  size_t n = 0;
  const cJSON *m, *p;
  pt_buf seen = PT_BUF_INIT;  /* "\n" + id + "\n" for each id put */
  cJSON_ArrayForEach(m, pt_doc_models(c->view)) {
    cJSON_ArrayForEach(p, pt_doc_prompts(m)) {
      const char *id = pt_doc_prompt_id(p);
      if (!id || !*id || strchr(id, '\n'))
        continue;
      pt_buf key = PT_BUF_INIT;
      bool dup = pt_buf_printf(&key, "\n%s\n", id) || (seen.data && strstr(seen.data, key.data));
      if (!dup && !pt_buf_puts(&seen, key.data + (seen.len ? 1 : 0))) {
        put(ids, "%s%s", n ? ", " : "", id);
        n++;
      }
      pt_buf_free(&key);
    }
  }
  pt_buf_free(&seen);
  return n;
}

static void prompts_lines(ctx *c, cJSON *lines, cJSON *method) {
  text t;
  text_init(&t, c->b);
  const cJSON *plan = plan_manifest(c);
  cJSON *list = pt_vb_add_array(c->b, method, "prompts");
  size_t n = plan ? pt_mf_prompt_count(plan) : 0;
  for (size_t k = 0; k < n && list; k++) {
    const char *id, *body;
    pt_mf_prompt(plan, k, &id, &body);
    put(&t, "%s%s", k ? ", " : "", id ? id : "?");
    cJSON *o = pt_vb_push_object(c->b, list);
    if (o) {
      pt_vb_md(c->b, o, "id_md", id ? id : "?");
      pt_vb_md(c->b, o, "text_md", body ? body : "");
    }
  }
  pt_vb_bool(c->b, method, "has_prompts", n > 0);
  if (n) {
    text l;
    text_init(&l, c->b);
    put(&l, "%zu: %s (their texts are in the appendix)", n, text_str(&t));
    line(c, lines, "Prompts", text_str(&l));
    pt_buf_free(&l.buf);
  } else if (all_origin(c, PT_MF_PUBLISHED)) {
    double np = pt_mf_published_of(c->envs[0].manifest).prompts;
    text l;
    text_init(&l, c->b);
    if (isfinite(np))
      put(&l, "%g, not published by name", np);
    line(c, lines, "Prompts", text_str(&l));
    pt_buf_free(&l.buf);
  } else {
    text ids, l;
    text_init(&ids, c->b);
    text_init(&l, c->b);
    size_t k = analysis_prompts(c, &ids);
    if (k)
      put(&l, "%zu: %s", k, text_str(&ids));
    line(c, lines, "Prompts", text_str(&l));
    pt_buf_free(&ids.buf);
    pt_buf_free(&l.buf);
  }
  pt_buf_free(&t.buf);
}

/* A number said the same by every environment of that origin (NAN when
 * they differ or none says). */
static double common_num(const ctx *c, pt_mf_origin o, double (*f)(const cJSON *m)) {
  double v = NAN;
  for (size_t i = 0; i < c->n; i++) {
    if (c->envs[i].origin != o)
      continue;
    double x = f(c->envs[i].manifest);
    if (!isfinite(x) || (isfinite(v) && x != v))
      return NAN;
    v = x;
  }
  return v;
}

static double published_runs(const cJSON *m) { return pt_mf_published_of(m).runs_per_prompt; }
static double published_warmup(const cJSON *m) { return pt_mf_published_of(m).warmup; }

static void trials_lines(ctx *c, cJSON *lines) {
  text t;
  text_init(&t, c->b);
  if (all_origin(c, PT_MF_COLLECTED)) {
    double trials = common_num(c, PT_MF_COLLECTED, pt_mf_plan_trials);
    if (isfinite(trials)) {
      bool random = true, fixed = true;
      for (size_t i = 0; i < c->n; i++) {
        const char *o = pt_mf_order(c->envs[i].manifest);
        random = random && same(o, PT_MF_ORDER_RANDOM);
        fixed = fixed && same(o, PT_MF_ORDER_FIXED);
      }
      put(&t, "%g of each prompt per model and session", trials);
      if (random)
        put(&t, ", in a random order drawn anew for each session (its seed is in the manifest)");
      else if (fixed)
        put(&t, ", in the plan's order");
    }
  } else if (all_origin(c, PT_MF_PUBLISHED)) {
    double runs = common_num(c, PT_MF_PUBLISHED, published_runs);
    if (isfinite(runs))
      put(&t, "%g run%s per prompt; each value is the published mean of a model's runs", runs,
          runs == 1 ? "" : "s");
  } else if (all_origin(c, PT_MF_IMPORTED)) {
    double lo = INFINITY, hi = 0;
    const cJSON *m, *g;
    cJSON_ArrayForEach(m, pt_doc_models(c->view)) {
      cJSON_ArrayForEach(g, pt_doc_groups(m)) {
        double n = pt_json_num(g, PT_DOC_N);
        lo = n < lo ? n : lo;
        hi = n > hi ? n : hi;
      }
    }
    if (isfinite(lo) && hi > 0 && lo == hi)
      put(&t, "%g per model and environment, as logged", lo);
    else if (isfinite(lo) && hi > 0)
      put(&t, "%g to %g per model and environment, as logged", lo, hi);
  }
  line(c, lines, "Trials", text_str(&t));
  pt_buf_free(&t.buf);

  text w;
  text_init(&w, c->b);
  double warm = all_origin(c, PT_MF_COLLECTED)   ? common_num(c, PT_MF_COLLECTED, pt_mf_plan_warmup)
                : all_origin(c, PT_MF_PUBLISHED) ? common_num(c, PT_MF_PUBLISHED, published_warmup)
                                                 : NAN;
  if (warm == 0)
    put(&w, "none");
  else if (isfinite(warm) && all_origin(c, PT_MF_COLLECTED))
    put(&w, "%g run%s of each model at the start of each session, left out of the statistics",
        warm, warm == 1 ? "" : "s");
  else if (isfinite(warm))
    put(&w, "%g run%s of each model, left out", warm, warm == 1 ? "" : "s");
  line(c, lines, "Warm-up", text_str(&w));
  pt_buf_free(&w.buf);
}

/* The generation options as words; "" when the manifest has none. */
static void options_words(const cJSON *m, text *t) {
  if (!pt_mf_options(m))
    return;
  pt_mf_run_options o = pt_mf_run_options_of(m);
  size_t k = 0;
  if (isfinite(o.temperature))
    put(t, "%stemperature %g", k++ ? ", " : "", o.temperature);
  if (isfinite(o.seed))
    put(t, "%sseed %.0f", k++ ? ", " : "", o.seed);
  else if (o.seed_null)
    put(t, "%sno fixed seed", k++ ? ", " : "");
  if (isfinite(o.num_predict) && o.num_predict > 0)
    put(t, "%sat most %.0f tokens per answer (num_predict)", k++ ? ", " : "", o.num_predict);
  if (isfinite(o.num_ctx) && o.num_ctx > 0)
    put(t, "%sa context of %.0f tokens (num_ctx)", k++ ? ", " : "", o.num_ctx);
  if (*o.keep_alive)
    put(t, "%skeep_alive %s", k++ ? ", " : "", o.keep_alive);
}

/* A line said of several environments: their words once when all say the
 * same, else "LABEL: words" of each that says something, joined by "; ". */
typedef struct per_env {
  text all, first;
  bool alike;
  size_t n, said;
} per_env;

static void per_env_init(per_env *p, ctx *c) {
  text_init(&p->all, c->b);
  text_init(&p->first, c->b);
  p->alike = true;
  p->n = p->said = 0;
}

/* Add one environment's words (one is freed). */
static void per_env_add(per_env *p, const char *label, text *one) {
  if (p->n++ == 0)
    put(&p->first, "%s", text_str(one));
  else
    p->alike = p->alike && !strcmp(text_str(&p->first), text_str(one));
  if (one->buf.len)
    put(&p->all, "%s%s: %s", p->said++ ? "; " : "", label, text_str(one));
  pt_buf_free(&one->buf);
}

static void per_env_line(per_env *p, ctx *c, cJSON *lines, const char *key) {
  line(c, lines, key, p->alike ? text_str(&p->first) : text_str(&p->all));
  pt_buf_free(&p->first.buf);
  pt_buf_free(&p->all.buf);
}

static void options_line(ctx *c, cJSON *lines) {
  per_env p;
  per_env_init(&p, c);
  for (size_t i = 0; i < c->n; i++) {
    text one;
    text_init(&one, c->b);
    options_words(c->envs[i].manifest, &one);
    per_env_add(&p, c->envs[i].label, &one);
  }
  per_env_line(&p, c, lines, "Options");
}

/* GPU telemetry of collected environments: sampled, or why not. */
static void telemetry_line(ctx *c, cJSON *lines) {
  per_env p;
  per_env_init(&p, c);
  for (size_t i = 0; i < c->n; i++) {
    const env *e = &c->envs[i];
    if (e->origin != PT_MF_COLLECTED)
      continue;
    text one;
    text_init(&one, c->b);
    size_t ns = pt_mf_session_count(e->manifest), on = 0, known = 0;
    pt_mf_telemetry_info ti = {0}, off = {0};
    for (size_t k = 0; k < ns; k++) {
      pt_mf_telemetry_info x = pt_mf_telemetry_of(pt_mf_session(e->manifest, k));
      known += x.known;
      if (x.known && x.enabled) {
        on++;
        ti = x;
      } else if (x.known && !off.known) {
        off = x;
      }
    }
    if (known && on == known) {
      put(&one, "sampled during every trial");
      if (isfinite(ti.rate_hz))
        put(&one, ", %g times a second", ti.rate_hz);
      /* the source without the card's address, which differs per machine */
      if (ti.source)
        put(&one, ", from %.*s", (int)strcspn(ti.source, "("), ti.source);
      while (one.buf.len && one.buf.data[one.buf.len - 1] == ' ')
        one.buf.data[--one.buf.len] = '\0';
    } else if (known && on) {
      put(&one, "sampled in %zu of %zu sessions", on, known);
    } else if (known) {
      put(&one, "not sampled%s%s", off.reason ? ": " : "", off.reason ? off.reason : "");
    }
    per_env_add(&p, e->label, &one);
  }
  per_env_line(&p, c, lines, "GPU telemetry");
}

/* --------------------------------------------------------------- story */

static const char *env_os(const env *e) { return pt_json_str(e->facts.host, PT_MF_OS); }
static const char *env_rocm(const env *e) {
  return e->facts.rocm ? e->facts.rocm : pt_mf_rocm_version(e->facts.host);
}
static const char *env_runtime(const env *e) { return e->facts.runtime; }
static const char *env_ollama(const env *e) { return e->facts.ollama_version; }

/* The environment's GPU as people name it (no VRAM), into buf; "" when
 * unknown. */
static const char *env_gpu(const env *e, char *buf, size_t size) {
  buf[0] = '\0';
  if (e->facts.gpu_model)
    snprintf(buf, size, "%s", e->facts.gpu_model);
  else if (pt_mf_primary_gpu(e->facts.host))
    pt_view_gpu_name(pt_mf_primary_gpu(e->facts.host), buf, size);
  return buf;
}

/* Does e's GPU have a name (a published one, the kernel's or the PCI ID
 * database's), not just its PCI ids? */
static bool gpu_named(const env *e) {
  if (e->facts.gpu_model)
    return true;
  pt_mf_gpu_info g = pt_mf_gpu_info_of(pt_mf_primary_gpu(e->facts.host));
  return g.product || g.device;
}

/* The same physical kind of GPU: the PCI ids when both were probed, else
 * the names. */
static bool same_gpu(const env *a, const env *b) {
  const cJSON *ga = pt_mf_primary_gpu(a->facts.host), *gb = pt_mf_primary_gpu(b->facts.host);
  if (ga && gb) {
    pt_mf_gpu_info x = pt_mf_gpu_info_of(ga), y = pt_mf_gpu_info_of(gb);
    return same(x.pci_vendor, y.pci_vendor) && same(x.pci_device, y.pci_device);
  }
  char na[256], nb[256];
  return *env_gpu(a, na, sizeof na) && !strcmp(na, env_gpu(b, nb, sizeof nb));
}

/* Is w one of the warnings about what differs between the machines? */
static bool machine_warning(const char *code) {
  static const char *const codes[] = {
      "gpu-mismatch",       "gpu-driver-mismatch",    "rocm-mismatch",
      "cuda-mismatch",      "version-mismatch",       "pcie-link-mismatch",
      "resizable-bar-mismatch", "cpu-flags-mismatch", "governor-mismatch",
      "gpu-clock-mismatch", "pooled-runs-differ"};
  for (size_t i = 0; code && i < sizeof codes / sizeof *codes; i++)
    if (!strcmp(code, codes[i]))
      return true;
  return false;
}

/* How env was set up, in a line: OS, virtual machine, passthrough. */
static void setup_line(ctx *c, env *e, bool gpu_common, bool rocm_common) {
  text t;
  text_init(&t, c->b);
  const cJSON *host = e->facts.host;
  const char *os = env_os(e), *hv = pt_json_str(host, PT_MF_HYPERVISOR_HOST);
  if (os)
    put(&t, "%s", os);
  bool known, vm = pt_mf_host_virtualized(host, &known);
  if (vm) {
    const cJSON *virt = pt_json_get(host, PT_MF_VIRTUALIZATION);
    const char *dv = pt_json_str(virt, PT_MF_DMI_VENDOR);
    put(&t, "%srunning as a virtual machine", t.buf.len ? ", " : "");
    if (hv)
      put(&t, " on %s", hv);
    else if (dv)
      put(&t, " (%s)", dv);
  }
  if (e->facts.passthrough)
    put(&t, "%swith the GPU assigned to the guest through %s", t.buf.len ? ", " : "",
        e->facts.passthrough);
  char g[256];
  if (!gpu_common && *env_gpu(e, g, sizeof g))
    put(&t, "%sGPU %s", t.buf.len ? ", " : "", g);
  if (!rocm_common && env_rocm(e))
    put(&t, "%sROCm %s", t.buf.len ? ", " : "", env_rocm(e));
  set_fact(c->b, e->item, "setup", t.buf.len ? text_str(&t) : NULL);
  pt_vb_bool(c->b, e->item, "has_setup", t.buf.len > 0);
  pt_buf_free(&t.buf);
}

static const char *metric_phrase(const char *metric) {
  static const struct {
    const char *name, *phrase;
  } phrases[] = {{"eval_rate", "generation speed"},
                 {"prompt_eval_rate", "prompt processing speed"},
                 {"ttft_ns", "time to first token"},
                 {"wall_ns", "time per request"},
                 {"load_duration_ns", "model load time"},
                 {"total_duration_ns", "time per request"}};
  for (size_t i = 0; metric && i < sizeof phrases / sizeof *phrases; i++)
    if (!strcmp(metric, phrases[i].name))
      return phrases[i].phrase;
  return "speed";
}

static void story(ctx *c, cJSON *st) {
  builder *b = c->b;
  const env *base = c->n ? &c->envs[0] : NULL;
  const env *cmp = c->n > 1 ? &c->envs[1] : NULL;
  pt_doc_metric_info mi = pt_doc_metric_of(c->view);
  char buf[512];

  /* what is compared */
  bool bk, ck, base_vm = base && pt_mf_host_virtualized(base->facts.host, &bk);
  bool cmp_vm = cmp && pt_mf_host_virtualized(cmp->facts.host, &ck);
  bool vm_vs_host = c->n == 2 && bk && ck && !base_vm && cmp_vm;
  pt_vb_bool(b, st, "vm_vs_host", vm_vs_host);
  set_fact(b, st, "passthrough", cmp ? cmp->facts.passthrough : NULL);
  set_fact(b, st, "compared", cmp ? cmp->label : NULL);
  set_fact(b, st, "baseline", base ? base->label : NULL);
  set_fact(b, st, "compared_the", vm_vs_host ? "the virtual machine" : cmp ? cmp->label : NULL);
  set_fact(b, st, "baseline_the", vm_vs_host ? "bare metal" : base ? base->label : NULL);
  pt_vb_str(b, st, "metric_phrase", metric_phrase(mi.name));
  pt_vb_bool(b, st, "metric_is_eval_rate", same(mi.name, "eval_rate"));
  pt_vb_str(b, st, "ratio_phrase", mi.higher_is_better ? "speed ratios" : "time ratios");
  pt_vb_str(b, st, "sides", c->n == 2 ? "on both sides" : "in every environment");
  pt_vb_bool(b, st, "one_model", cJSON_GetArraySize(pt_doc_models(c->view)) == 1);

  /* the title: the publication's, else what is compared */
  const char *title = NULL;
  if (all_origin(c, PT_MF_PUBLISHED))
    title = pt_mf_published_of(base->manifest).title;
  if (title)
    snprintf(buf, sizeof buf, "%s", title);
  else if (vm_vs_host && cmp->facts.passthrough)
    snprintf(buf, sizeof buf, "Measuring GPU Passthrough Overhead: %s against %s", cmp->label,
             base->label);
  else if (cmp)
    snprintf(buf, sizeof buf, "Measuring %s against %s", cmp->label, base->label);
  else
    snprintf(buf, sizeof buf, "Measuring %s", base ? base->label : "LLM inference");
  set_fact(b, st, "title", buf);

  /* the machine: the GPU and the software, when every environment has
   * the same */
  bool gpu_common = c->n > 0;
  char gpu[256] = "";
  if (base)
    env_gpu(base, gpu, sizeof gpu);
  for (size_t i = 1; i < c->n && gpu_common; i++)
    gpu_common = same_gpu(base, &c->envs[i]);
  gpu_common = gpu_common && *gpu;
  if (gpu_common) {
    /* a card the PCI ID database did not know on one side: another side's
     * name for it */
    for (size_t i = 0; i < c->n && !gpu_named(base); i++)
      if (gpu_named(&c->envs[i])) {
        env_gpu(&c->envs[i], gpu, sizeof gpu);
        break;
      }
    set_fact(b, st, "gpu", gpu);
    if (base->facts.gpu_model)
      snprintf(buf, sizeof buf, "%s%s%s", base->facts.gpu_model, base->facts.gpu_vram ? " " : "",
               base->facts.gpu_vram ? base->facts.gpu_vram : "");
    else
      snprintf(buf, sizeof buf, "%s", pt_json_str(base->item, "gpu") ? pt_json_str(base->item, "gpu")
                                                                      : gpu);
    set_fact(b, st, "gpu_full", buf);
  }
  const char *rocm = common(c, env_rocm), *runtime = common(c, env_runtime),
             *ollama = common(c, env_ollama);
  if (runtime)
    snprintf(buf, sizeof buf, "%s", runtime);
  else if (ollama)
    snprintf(buf, sizeof buf, "Ollama %s", ollama);
  else if (any_origin(c, PT_MF_COLLECTED) && all_origin(c, PT_MF_COLLECTED))
    snprintf(buf, sizeof buf, "Ollama");
  else
    buf[0] = '\0';
  set_fact(b, st, "runtime", buf);
  if (rocm && *buf) {
    char sw[600];
    snprintf(sw, sizeof sw, "ROCm %s and %s", rocm, buf);
    set_fact(b, st, "software", sw);
  } else if (rocm) {
    snprintf(buf, sizeof buf, "ROCm %s", rocm);
    set_fact(b, st, "software", buf);
  }
  for (size_t i = 0; i < c->n; i++)
    setup_line(c, &c->envs[i], gpu_common, rocm != NULL);

  /* what differs between the machines (the analyzer's warnings) */
  cJSON *diffs = pt_vb_add_array(b, st, "differences");
  const cJSON *w;
  size_t nd = 0;
  cJSON_ArrayForEach(w, pt_doc_warnings(c->view)) {
    if (!machine_warning(pt_json_str(w, PT_DOC_CODE)))
      continue;
    cJSON *o = pt_vb_push_object(b, diffs);
    if (o)
      pt_vb_md(b, o, "text_md", pt_json_str(w, PT_DOC_MESSAGE));
    nd++;
  }
  pt_vb_bool(b, st, "has_differences", nd > 0);
  bool setup = nd > 0 || gpu_common || rocm;
  for (size_t i = 0; i < c->n; i++)
    setup = setup || pt_json_bool(c->envs[i].item, "has_setup", false);
  pt_vb_bool(b, st, "has_setup", setup);
  /* each warning says whether it is one of those, so a template can list
   * the others apart */
  cJSON *list = pt_doc_warnings(c->view), *wi;
  size_t other = 0;
  cJSON_ArrayForEach(wi, list) {
    bool mw = machine_warning(pt_json_str(wi, PT_DOC_CODE));
    pt_vb_bool(b, wi, "is_machine", mw);
    other += !mw;
  }
  pt_vb_bool(b, c->view, "has_other_warnings", other > 0);
  cJSON *mt;
  bool any_other = other > 0;
  cJSON_ArrayForEach(mt, pt_json_get(c->view, "metrics")) {
    any_other = any_other || pt_json_bool(mt, "has_other_warnings", false);
    other = 0;
    cJSON_ArrayForEach(wi, pt_doc_warnings(mt)) {
      bool mw = machine_warning(pt_json_str(wi, PT_DOC_CODE));
      pt_vb_bool(b, wi, "is_machine", mw);
      other += !mw;
    }
    pt_vb_bool(b, mt, "has_other_warnings", other > 0);
    any_other = any_other || other > 0;
  }
  pt_vb_bool(b, c->view, "any_other_warnings", any_other);
  pt_vb_bool(b, st, "same_machine", gpu_common && nd == 0 && (rocm || runtime));

  /* how it was measured */
  bool collected = all_origin(c, PT_MF_COLLECTED) && base && base->manifest;
  bool published = all_origin(c, PT_MF_PUBLISHED), imported = all_origin(c, PT_MF_IMPORTED);
  const char *fmt = imported ? pt_mf_imported_of(base->manifest).format : NULL;
  for (size_t i = 1; imported && i < c->n; i++)
    if (!same(fmt, pt_mf_imported_of(c->envs[i].manifest).format))
      fmt = NULL;
  const char *tool = published ? pt_mf_published_of(base->manifest).tool : NULL;
  for (size_t i = 1; published && i < c->n; i++)
    if (!same(tool, pt_mf_published_of(c->envs[i].manifest).tool))
      tool = NULL;
  pt_vb_bool(b, st, "by_collect", collected);
  pt_vb_bool(b, st, "by_llm_benchmark",
           same(fmt, "llm-benchmark") || (tool && strstr(tool, "llm-benchmark")));
  pt_vb_bool(b, st, "by_ollama_verbose", same(fmt, "ollama-verbose"));
  pt_vb_bool(b, st, "by_llama_bench", same(fmt, "llama-bench"));
  pt_vb_bool(b, st, "imported", imported && fmt);
  pt_vb_bool(b, st, "published", published);
  pt_vb_bool(b, st, "same_origin", collected || (imported && fmt) || published);

  /* prompts, runs, warm-ups and sessions */
  double prompts = NAN, per = NAN, warm = NAN;
  if (published) {
    prompts = pt_mf_published_of(base->manifest).prompts;
    per = common_num(c, PT_MF_PUBLISHED, published_runs);
    warm = common_num(c, PT_MF_PUBLISHED, published_warmup);
    for (size_t i = 1; i < c->n; i++)
      if (pt_mf_published_of(c->envs[i].manifest).prompts != prompts)
        prompts = NAN;
  } else if (collected) {
    const cJSON *plan = plan_manifest(c);
    prompts = plan && pt_mf_prompt_count(plan) ? (double)pt_mf_prompt_count(plan) : NAN;
    per = common_num(c, PT_MF_COLLECTED, pt_mf_plan_trials);
    warm = common_num(c, PT_MF_COLLECTED, pt_mf_plan_warmup);
  } else {
    /* the prompts the trials name, when they name any */
    text ids;
    text_init(&ids, b);
    size_t k = analysis_prompts(c, &ids);
    prompts = k ? (double)k : NAN;
    pt_buf_free(&ids.buf);
  }
  if (isfinite(prompts) && prompts > 0) {
    pt_vb_num(b, st, "prompts", prompts);
    pt_vb_bool(b, st, "one_prompt", prompts == 1);
  }
  if (isfinite(per) && per > 0) {
    snprintf(buf, sizeof buf, published ? "%g run per prompt" : "%g trials of each prompt",
             per);
    if (published && per != 1)
      snprintf(buf, sizeof buf, "%g runs per prompt", per);
    if (!published && per == 1)
      snprintf(buf, sizeof buf, "1 trial of each prompt");
    set_fact(b, st, "per_prompt", buf);
  }
  pt_vb_bool(b, st, "no_warmup", warm == 0);
  if (isfinite(warm) && warm > 0) {
    snprintf(buf, sizeof buf, "%g warm-up run%s of each model at the start of each session",
             warm, warm == 1 ? "" : "s");
    set_fact(b, st, "warmup", buf);
  }
  size_t smin = SIZE_MAX, smax = 0;
  for (size_t i = 0; i < c->n; i++) {
    size_t k = (size_t)cJSON_GetArraySize(c->envs[i].sessions);
    smin = k < smin ? k : smin;
    smax = k > smax ? k : smax;
  }
  if (c->n && smax > 0 && !published) {
    if (smin == smax)
      snprintf(buf, sizeof buf, "%zu session%s per environment", smin, smin == 1 ? "" : "s");
    else
      snprintf(buf, sizeof buf, "%zu to %zu sessions per environment", smin, smax);
    set_fact(b, st, "sessions", buf);
  }
  const cJSON *o = base ? pt_mf_options(base->manifest) : NULL;
  pt_mf_run_options opt = pt_mf_run_options_of(base ? base->manifest : NULL);
  bool opts_alike = o != NULL;
  for (size_t i = 1; i < c->n && opts_alike; i++) {
    text x, y;
    text_init(&x, b);
    text_init(&y, b);
    options_words(base->manifest, &x);
    options_words(c->envs[i].manifest, &y);
    opts_alike = !strcmp(text_str(&x), text_str(&y));
    pt_buf_free(&x.buf);
    pt_buf_free(&y.buf);
  }
  if (opts_alike && opt.temperature > 0 && !isfinite(opt.seed))
    pt_vb_bool(b, st, "random_sampling", true);
  if (opts_alike && opt.temperature == 0 && isfinite(opt.seed)) {
    snprintf(buf, sizeof buf, "temperature 0 and seed %.0f", opt.seed);
    set_fact(b, st, "fixed_sampling", buf);
  }
  if (opts_alike && isfinite(opt.num_predict) && opt.num_predict > 0)
    pt_vb_num(b, st, "num_predict", opt.num_predict);
  pt_vb_str(b, st, "made_from", published  ? "the published numbers"
                              : imported ? "imported logs"
                              : collected ? "the collected trials"
                                         : "the trials");

  /* the per-cell counts, read as words: "25", "25 to 30" */
  double nmin = pt_json_num(c->view, "n_min"), nmax = pt_json_num(c->view, "n_max");
  if (isfinite(nmin) && isfinite(nmax) && nmax > 0) {
    if (nmin == nmax)
      snprintf(buf, sizeof buf, "%g", nmin);
    else
      snprintf(buf, sizeof buf, "%g to %g", nmin, nmax);
    pt_vb_str(b, st, "n_text", buf);
  }
  /* a small price: a determined (or no) penalty under 5 % for a VM */
  const cJSON *sc = cJSON_GetArrayItem(pt_doc_summary_comparisons(c->view), 0);
  double mean = pt_json_num(sc, PT_DOC_MEAN_PENALTY_PCT);
  const char *verdict = pt_doc_verdict(sc);
  pt_vb_bool(b, st, "small_price",
           vm_vs_host && isfinite(mean) && fabs(mean) < 5 && gpu_common && nd == 0 &&
               (same(verdict, "worse") || same(verdict, "no_difference")));
  if (isfinite(mean)) {
    char p[64];
    pt_vb_str(b, st, "direction", mean >= 0 ? (mi.higher_is_better ? "slower" : "longer")
                                          : (mi.higher_is_better ? "faster" : "shorter"));
    pt_vb_str(b, st, "mean_penalty_abs_fmt", pt_fmt_pct(fabs(mean), p, sizeof p));
  }
}

/* ---------------------------------------------------------- the verdicts */

static void verdict_flags(builder *b, cJSON *c) {
  const char *v = pt_doc_verdict(c);
  pt_vb_bool(b, c, "is_worse", same(v, "worse"));
  pt_vb_bool(b, c, "is_better", same(v, "better"));
  pt_vb_bool(b, c, "is_no_difference", same(v, "no_difference"));
  pt_vb_bool(b, c, "is_undetermined", same(v, PT_DOC_UNDETERMINED));
}

/* "One session per environment: ..." - a note that opens a sentence. */
static void note_cap(builder *b, cJSON *o, const char *note) {
  char *cap = strdup(note ? note : "");
  if (!cap) {
    b->ok = false;
    return;
  }
  if (cap[0] >= 'a' && cap[0] <= 'z')
    cap[0] = (char)(cap[0] - 'a' + 'A');
  pt_vb_md(b, o, "verdict_note_cap_md", cap);
  free(cap);
}

static void summary_flags(builder *b, cJSON *view) {
  cJSON *c, *first = NULL;
  cJSON_ArrayForEach(c, pt_doc_summary_comparisons(view)) {
    verdict_flags(b, c);
    if (!first)
      first = c;
  }
  cJSON *s = pt_doc_summary(view);
  static const char *const keys[] = {"is_worse", "is_better", "is_no_difference",
                                     "is_undetermined"};
  for (size_t i = 0; s && i < sizeof keys / sizeof *keys; i++)
    pt_vb_bool(b, s, keys[i], first && pt_json_bool(first, keys[i], false));
  if (s)
    pt_vb_bool(b, s, "has_model", first && pt_doc_verdict(first));
  if (s)
    note_cap(b, s, pt_doc_verdict_note(first));
}

/* ------------------------------------------------------------------ API */

pt_code pt_view_method(cJSON *view, pt_error *err) {
  builder b = {true};
  pt_doc_envs order = PT_DOC_ENVS_INIT;
  if (pt_doc_env_order(view, &order))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  env *envs = calloc(order.n ? order.n : 1, sizeof *envs);
  if (!envs) {
    pt_doc_envs_free(&order);
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < order.n; i++) {
    cJSON *e = order.items[i];
    const cJSON *m = pt_doc_env_manifest(e);
    envs[i] = (env){e,
                    pt_doc_env_name(e),
                    pt_doc_env_display(e),
                    pt_doc_env_is_baseline(e),
                    m,
                    pt_mf_origin_of(m),
                    pt_mf_facts_of(m),
                    pt_json_get(e, PT_DOC_SESSIONS)};
  }
  ctx c = {&b, view, envs, order.n};
  cJSON *method = pt_vb_add_object(&b, view, "method");
  cJSON *lines = method ? pt_vb_add_array(&b, method, "lines") : NULL;
  cJSON *envs_out = method ? pt_vb_add_array(&b, method, "envs") : NULL;
  if (lines && envs_out) {
    source_line(&c, lines, envs_out);
    sessions_line(&c, lines);
    models_line(&c, lines);
    prompts_lines(&c, lines, method);
    trials_lines(&c, lines);
    options_line(&c, lines);
    telemetry_line(&c, lines);
    sessions_table(&c, method);
    pt_vb_bool(&b, method, "collected", all_origin(&c, PT_MF_COLLECTED));
    pt_vb_bool(&b, method, "imported", all_origin(&c, PT_MF_IMPORTED));
    pt_vb_bool(&b, method, "published", all_origin(&c, PT_MF_PUBLISHED));
  }
  summary_flags(&b, view);
  cJSON *mt;
  cJSON_ArrayForEach(mt, pt_json_get(view, "metrics")) summary_flags(&b, mt);
  cJSON *st = pt_vb_add_object(&b, view, "story");
  if (st)
    story(&c, st);
  free(envs);
  pt_doc_envs_free(&order);
  return b.ok ? PT_OK : pt_error_set(err, PT_ENOMEM, "out of memory");
}
