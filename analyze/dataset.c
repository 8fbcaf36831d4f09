/* analyze/dataset.c - reading trials into (model, environment) groups.
 *
 * The reader hands each row over as field views; only the columns the
 * metric needs are converted, so a million-row file is read in one pass
 * with no per-row allocation. Values are kept (the median and the tests
 * need them all); everything else is counted.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/analysis_internal.h"
#include "collect/manifest.h"
#include "core/fs.h"
#include "core/json.h"

#define COL_NONE ((pt_column)-1)

static const pt_metric metrics[] = {
    {"eval_rate", "Generation rate", "tokens/s", true, PT_COL_EVAL_RATE, PT_COL_EVAL_COUNT,
     PT_COL_EVAL_DURATION_NS, 1.0},
    {"prompt_eval_rate", "Prompt processing rate", "tokens/s", true, PT_COL_PROMPT_EVAL_RATE,
     PT_COL_PROMPT_EVAL_COUNT, PT_COL_PROMPT_EVAL_DURATION_NS, 1.0},
    {"ttft_ns", "Time to first token", "ms", false, PT_COL_TTFT_NS, COL_NONE, COL_NONE, 1e-6},
    {"wall_ns", "Wall time per request", "ms", false, PT_COL_WALL_NS, COL_NONE, COL_NONE, 1e-6},
    {"load_duration_ns", "Model load time", "ms", false, PT_COL_LOAD_DURATION_NS, COL_NONE,
     COL_NONE, 1e-6},
    {"total_duration_ns", "Total duration (server)", "ms", false, PT_COL_TOTAL_DURATION_NS,
     COL_NONE, COL_NONE, 1e-6},
};

const char pt_metric_names[] =
    "eval_rate, prompt_eval_rate, ttft_ns, wall_ns, load_duration_ns, total_duration_ns";

const pt_metric *pt_metric_find(const char *name) {
  for (size_t i = 0; i < sizeof metrics / sizeof metrics[0]; i++)
    if (!strcmp(metrics[i].name, name))
      return &metrics[i];
  return NULL;
}

/* ---------------------------------------------------------------- storage */

static char *dup_n(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (p) {
    memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

/* Index of name in a string list, appending it when absent; -1 on ENOMEM. */
static int intern(pt_names *l, const char *s, size_t n) {
  for (size_t i = 0; i < l->n; i++)
    if (strlen(l->items[i]) == n && !memcmp(l->items[i], s, n))
      return (int)i;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    char **p = realloc(l->items, cap * sizeof *p);
    if (!p)
      return -1;
    l->items = p;
    l->cap = cap;
  }
  if (!(l->items[l->n] = dup_n(s, n)))
    return -1;
  return (int)l->n++;
}

static void names_free(pt_names *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->items[i]);
  free(l->items);
  memset(l, 0, sizeof *l);
}

pt_dataset *pt_dataset_new(const pt_metric *m) {
  pt_dataset *ds = calloc(1, sizeof *ds);
  if (ds)
    ds->metric = m;
  return ds;
}

void pt_dataset_free(pt_dataset *ds) {
  if (!ds)
    return;
  for (size_t i = 0; i < ds->ngroups; i++) {
    free(ds->groups[i].values);
    free(ds->groups[i].sorted);
    free(ds->groups[i].digest);
  }
  free(ds->groups);
  names_free(&ds->models);
  names_free(&ds->envs);
  for (size_t i = 0; i < ds->envs_cap; i++) {
    cJSON_Delete(ds->env_info[i].manifest);
    cJSON_Delete(ds->env_info[i].sources);
  }
  free(ds->env_info);
  for (size_t i = 0; i < ds->nincomplete; i++)
    free(ds->incomplete[i]);
  free(ds->incomplete);
  free(ds->first_input);
  free(ds);
}

size_t pt_dataset_rows(const pt_dataset *ds) { return ds->rows; }

pt_group *pt_dataset_group(pt_dataset *ds, size_t model, size_t env) {
  for (size_t i = 0; i < ds->ngroups; i++)
    if (ds->groups[i].model == model && ds->groups[i].env == env)
      return &ds->groups[i];
  return NULL;
}

static pt_group *group_for(pt_dataset *ds, int model, int env) {
  if (ds->last && ds->last->model == (size_t)model && ds->last->env == (size_t)env)
    return ds->last;
  pt_group *g = pt_dataset_group(ds, (size_t)model, (size_t)env);
  if (!g) {
    if (ds->ngroups == ds->groups_cap) {
      size_t cap = ds->groups_cap ? ds->groups_cap * 2 : 16;
      pt_group *p = realloc(ds->groups, cap * sizeof *p);
      if (!p)
        return NULL;
      ds->groups = p;
      ds->groups_cap = cap;
    }
    g = &ds->groups[ds->ngroups++];
    memset(g, 0, sizeof *g);
    g->model = (size_t)model;
    g->env = (size_t)env;
  }
  ds->last = g;
  return g;
}

static bool push_value(pt_group *g, double v) {
  if (g->n == g->cap) {
    size_t cap = g->cap ? g->cap * 2 : 16;
    double *p = realloc(g->values, cap * sizeof *p);
    if (!p)
      return false;
    g->values = p;
    g->cap = cap;
  }
  g->values[g->n++] = v;
  return true;
}

/* Environment bookkeeping lives in a parallel array sized with envs. */
static pt_env_info *env_info(pt_dataset *ds, size_t env) {
  if (env >= ds->envs_cap) {
    size_t cap = env + 8;
    pt_env_info *p = realloc(ds->env_info, cap * sizeof *p);
    if (!p)
      return NULL;
    memset(p + ds->envs_cap, 0, (cap - ds->envs_cap) * sizeof *p);
    ds->env_info = p;
    ds->envs_cap = cap;
  }
  return &ds->env_info[env];
}

/* ---------------------------------------------------------------- reading */

/* What the workers reading one file share (set before they start). */
typedef struct file_info {
  const char *path;  /* file name as given (for sources) */
  bool derive;       /* value from count/duration when empty */
} file_info;

/* One worker's view: its own dataset, merged in file order afterwards. */
typedef struct read_ctx {
  pt_dataset *ds;
  file_info *file;
} read_ctx;

static pt_code on_header(void *ctx, const pt_row *h, pt_error *err) {
  read_ctx *rc = ctx;
  const pt_metric *m = rc->ds->metric;
  bool has_value = h->present[m->column];
  bool can_derive = m->count != COL_NONE && h->present[m->count] && h->present[m->duration];
  if (!has_value && !can_derive) {
    if (m->count != COL_NONE)
      return pt_error_at(err, PT_EDATA, h->path, h->line, 0,
                         "no '%s' column (nor '%s' with '%s' to derive it from)", m->name,
                         pt_column_name(m->count), pt_column_name(m->duration));
    return pt_error_at(err, PT_EDATA, h->path, h->line, 0, "no '%s' column", m->name);
  }
  rc->file->derive = can_derive;
  return PT_OK;
}

static bool field_is(const pt_row *row, pt_column c, const char *s) {
  size_t n = strlen(s);
  return row->present[c] && row->f[c].len == n && !memcmp(row->f[c].s, s, n);
}

/* Record that env has rows in file path, and its manifest if it has none. */
static pt_code note_env(pt_dataset *ds, size_t env, const char *path, const cJSON *manifest,
                        pt_error *err) {
  pt_env_info *info = env_info(ds, env);
  if (!info)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  if (!info->sources && !(info->sources = cJSON_CreateArray()))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  cJSON *it;
  cJSON_ArrayForEach(it, info->sources) if (!strcmp(it->valuestring, path)) return PT_OK;
  cJSON_AddItemToArray(info->sources, cJSON_CreateString(path));
  if (!info->manifest && manifest)
    info->manifest = cJSON_Duplicate(manifest, true);
  return PT_OK;
}

/* Append a worker's groups to ds, in the worker's order of first appearance. */
static pt_code merge(pt_dataset *ds, pt_dataset *part, const char *path,
                     const cJSON *manifest, pt_error *err) {
  ds->rows += part->rows;
  for (size_t i = 0; i < part->ngroups; i++) {
    pt_group *pg = &part->groups[i];
    const char *mname = part->models.items[pg->model], *ename = part->envs.items[pg->env];
    int model = intern(&ds->models, mname, strlen(mname));
    int env = intern(&ds->envs, ename, strlen(ename));
    pt_group *g = model < 0 || env < 0 ? NULL : group_for(ds, model, env);
    if (!g)
      return pt_error_set(err, PT_ENOMEM, "out of memory");
    if (g->n + pg->n > g->cap) {
      size_t cap = g->n + pg->n;
      double *p = realloc(g->values, cap * sizeof *p);
      if (!p)
        return pt_error_set(err, PT_ENOMEM, "out of memory");
      g->values = p;
      g->cap = cap;
    }
    if (pg->n)
      memcpy(g->values + g->n, pg->values, pg->n * sizeof *pg->values);
    g->n += pg->n;
    g->warmup += pg->warmup;
    g->failed += pg->failed;
    g->invalid += pg->invalid;
    g->done_stop += pg->done_stop;
    g->done_length += pg->done_length;
    g->offloaded += pg->offloaded;
    if (!g->digest && pg->digest) {
      g->digest = pg->digest;
      pg->digest = NULL;
    }
    pt_code rc = note_env(ds, (size_t)env, path, manifest, err);
    if (rc)
      return rc;
  }
  return PT_OK;
}

static pt_code on_row(void *ctx, const pt_row *row, pt_error *err) {
  read_ctx *rc = ctx;
  pt_dataset *ds = rc->ds;
  const pt_metric *m = ds->metric;
  ds->rows++;
  if (row->f[PT_COL_MODEL].len == 0)
    return pt_error_at(err, PT_EDATA, row->path, row->line, row->colno[PT_COL_MODEL],
                       "empty 'model'");
  if (row->f[PT_COL_ENVIRONMENT].len == 0)
    return pt_error_at(err, PT_EDATA, row->path, row->line, row->colno[PT_COL_ENVIRONMENT],
                       "empty 'environment'");
  int model = intern(&ds->models, row->f[PT_COL_MODEL].s, row->f[PT_COL_MODEL].len);
  int env = intern(&ds->envs, row->f[PT_COL_ENVIRONMENT].s, row->f[PT_COL_ENVIRONMENT].len);
  pt_group *g = model < 0 || env < 0 ? NULL : group_for(ds, model, env);
  if (!g)
    return pt_error_set(err, PT_ENOMEM, "out of memory");

  /* the metric is validated on every row: a corrupt value is an error */
  double v = NAN;
  bool present;
  int64_t iv;
  pt_code code;
  if (m->scale == 1.0) {
    if ((code = pt_row_double(row, m->column, &v, &present, err)))
      return code;
  } else {
    if ((code = pt_row_int(row, m->column, &iv, &present, err)))
      return code;
    v = present ? (double)iv * m->scale : NAN;
  }
  if (!present)
    v = NAN;
  int64_t count = PT_MISSING, dur = PT_MISSING;
  if (m->count != COL_NONE) {
    if ((code = pt_row_int(row, m->count, &count, &present, err)))
      return code;
    if (!present)
      count = PT_MISSING;
    if ((code = pt_row_int(row, m->duration, &dur, &present, err)))
      return code;
    if (!present)
      dur = PT_MISSING;
    if (isnan(v) && rc->file->derive)
      v = pt_rate(count, dur);
  }

  bool warmup = false;
  if (row->present[PT_COL_WARMUP] && row->f[PT_COL_WARMUP].len) {
    if (field_is(row, PT_COL_WARMUP, "1"))
      warmup = true;
    else if (!field_is(row, PT_COL_WARMUP, "0"))
      return pt_error_at(err, PT_EDATA, row->path, row->line, row->colno[PT_COL_WARMUP],
                         "'warmup' is not 0 or 1: \"%.*s\"", (int)row->f[PT_COL_WARMUP].len,
                         row->f[PT_COL_WARMUP].s);
  }
  pt_status status = PT_STATUS_OK;
  if (row->present[PT_COL_STATUS] && row->f[PT_COL_STATUS].len &&
      !pt_status_parse(row->f[PT_COL_STATUS].s, row->f[PT_COL_STATUS].len, &status))
    return pt_error_at(err, PT_EDATA, row->path, row->line, row->colno[PT_COL_STATUS],
                       "'status' is not one of ok, error, timeout, interrupted: \"%.*s\"",
                       (int)row->f[PT_COL_STATUS].len, row->f[PT_COL_STATUS].s);
  if (warmup) {
    g->warmup++;
    return PT_OK;
  }
  if (status != PT_STATUS_OK) {
    g->failed++;
    return PT_OK;
  }
  /* STATS.md 8: a degenerate trial gives no rate */
  /* every metric is a rate or a duration: zero or less is degenerate */
  bool invalid = isnan(v) || v <= 0 ||
                 (m->count != COL_NONE && count != PT_MISSING && count < 2) ||
                 (m->count != COL_NONE && dur != PT_MISSING && dur <= 0);
  if (invalid) {
    g->invalid++;
    return PT_OK;
  }
  if (!push_value(g, v))
    return pt_error_set(err, PT_ENOMEM, "out of memory");

  /* facts the validity warnings need */
  if (field_is(row, PT_COL_DONE_REASON, "length"))
    g->done_length++;
  else if (field_is(row, PT_COL_DONE_REASON, "stop"))
    g->done_stop++;
  int64_t size, vram;
  bool has_size, has_vram;
  if (!pt_row_int(row, PT_COL_SIZE_BYTES, &size, &has_size, NULL) &&
      !pt_row_int(row, PT_COL_SIZE_VRAM_BYTES, &vram, &has_vram, NULL) && has_size &&
      has_vram && vram < size)
    g->offloaded++;
  if (!g->digest && row->present[PT_COL_MODEL_DIGEST] && row->f[PT_COL_MODEL_DIGEST].len &&
      !(g->digest = dup_n(row->f[PT_COL_MODEL_DIGEST].s, row->f[PT_COL_MODEL_DIGEST].len)))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  return PT_OK;
}

static char *sibling(const char *path, const char *name) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return strdup(name);
  char *dir = dup_n(path, (size_t)(slash - path));
  char *p = dir ? pt_path_join(dir, name) : NULL;
  free(dir);
  return p;
}

/* Worker threads for one file: the machine's cores, at most 8. */
static size_t worker_count(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 8 ? 8 : (size_t)n;
}

static cJSON *read_manifest(pt_dataset *ds, const char *path) {
  char *mpath = sibling(path, PT_MANIFEST_FILE);
  cJSON *manifest = NULL;
  if (mpath && pt_exists(mpath)) {
    /* a manifest that cannot be read only costs labels and metadata */
    pt_error merr;
    pt_error_clear(&merr);
    manifest = pt_manifest_load(mpath, &merr);
    if (!manifest && ds->nwarn_manifest < sizeof ds->warn_manifest / sizeof ds->warn_manifest[0]) {
      char buf[2048];
      snprintf(ds->warn_manifest[ds->nwarn_manifest++], sizeof ds->warn_manifest[0], "%s",
               pt_error_format(&merr, buf, sizeof buf));
    }
  }
  free(mpath);
  return manifest;
}

/* The reader's warnings (a last row cut short) become analysis warnings. */
typedef struct warn_sink {
  pt_dataset *ds;
  bool oom;
} warn_sink;

static void on_warning(void *ctx, const pt_error *w) {
  warn_sink *sink = ctx;
  pt_dataset *ds = sink->ds;
  char buf[sizeof w->msg + sizeof w->file + 64];
  char **p = pt_grow_array(ds->incomplete, &ds->incomplete_cap, ds->nincomplete + 1, sizeof *p);
  char *s = p ? strdup(pt_error_format(w, buf, sizeof buf)) : NULL;
  if (p)
    ds->incomplete = p;
  if (!s) {
    sink->oom = true;
    return;
  }
  ds->incomplete[ds->nincomplete++] = s;
}

/* True when the file's first byte other than a BOM or blank space opens a
 * JSON object or array: no trials.csv header starts so. */
static bool looks_like_json(FILE *fp) {
  unsigned char head[512];
  size_t n = fread(head, 1, sizeof head, fp), i = 0;
  if (n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)
    i = 3;
  while (i < n && strchr(" \t\r\n", head[i]))
    i++;
  return i < n && (head[i] == '{' || head[i] == '[');
}

/* A JSON document given where trials belong: fails with what it is and what
 * to run instead (an analysis document is rendered, a manifest's directory is
 * the input). PT_OK when path is not JSON. */
static pt_code refuse_json(const char *path, pt_error *err) {
  /* only a regular file can be read twice: a pipe's bytes are the reader's */
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
    return PT_OK;
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return PT_OK;  /* the reader reports it */
  bool json = looks_like_json(fp);
  fclose(fp);
  if (!json)
    return PT_OK;
  pt_error perr;
  cJSON *doc = pt_json_read_file(path, 0, &perr);
  pt_code rc;
  if (doc && pt_doc_check(doc, NULL, NULL) == PT_OK)
    rc = pt_error_at(err, PT_EUSAGE, path, 0, 0,
                     "an analysis document (the output of 'ptbench analyze'), not trials: "
                     "render it with 'ptbench render %s'", path);
  else if (doc && pt_manifest_check(doc, NULL, NULL) == PT_OK) {
    char *dir = pt_path_dir(path);
    rc = pt_error_at(err, PT_EUSAGE, path, 0, 0,
                     "a run's manifest.json, not trials: give its directory, "
                     "'ptbench analyze %s'", dir ? dir : ".");
    free(dir);
  } else
    rc = pt_error_at(err, PT_EUSAGE, path, 0, 0,
                     "a JSON document, not trials: analyze reads trials.csv files "
                     "(CSV with a header row) and run directories");
  cJSON_Delete(doc);
  return rc;
}

static pt_code read_file(pt_dataset *ds, const char *path, pt_error *err) {
  bool is_stdin = !strcmp(path, "-");
  if (is_stdin) {
    int c = getc(stdin);
    if (c != EOF && ungetc(c, stdin) == EOF)
      return pt_error_at(err, PT_EIO, "<stdin>", 0, 0, "cannot read");
    if (c == '{' || c == '[')
      return pt_error_at(err, PT_EUSAGE, "<stdin>", 0, 0,
                         "JSON, not trials: analyze reads trials CSV from standard "
                         "input; an analysis document goes to 'ptbench render -'");
  } else {
    pt_code jrc = refuse_json(path, err);
    if (jrc)
      return jrc;
  }
  file_info file = {is_stdin ? "<stdin>" : path, false};
  ds->ninputs++;
  if (!ds->first_input && !(ds->first_input = strdup(file.path)))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  size_t nw = is_stdin ? 1 : worker_count(), used = 0;
  read_ctx *ctx = calloc(nw, sizeof *ctx);
  void **ctxs = calloc(nw, sizeof *ctxs);
  pt_code rc = ctx && ctxs ? PT_OK : pt_error_set(err, PT_ENOMEM, "out of memory");
  for (size_t k = 0; !rc && k < nw; k++) {
    ctx[k].file = &file;
    ctxs[k] = &ctx[k];
    if (!(ctx[k].ds = pt_dataset_new(ds->metric)))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  warn_sink sink = {ds, false};
  pt_read_cfg cfg = {.path = file.path, .on_header = on_header, .on_row = on_row,
                     .ctxs = ctxs, .nctx = nw, .on_warning = on_warning, .warn_ctx = &sink};
  pt_read_info info = {.workers = 0};
  if (!rc) {
    if (is_stdin) {
      rc = pt_trials_read(stdin, &cfg, &info, err);
    } else {
      /* only what on_row reads is copied out of each row */
      bool wanted[PT_COL_COUNT] = {false};
      const pt_metric *m = ds->metric;
      static const pt_column always[] = {PT_COL_MODEL, PT_COL_ENVIRONMENT, PT_COL_WARMUP,
                                         PT_COL_STATUS, PT_COL_DONE_REASON, PT_COL_SIZE_BYTES,
                                         PT_COL_SIZE_VRAM_BYTES, PT_COL_MODEL_DIGEST};
      for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
        wanted[always[i]] = true;
      wanted[m->column] = true;
      if (m->count != COL_NONE)
        wanted[m->count] = wanted[m->duration] = true;
      cfg.wanted = wanted;
      rc = pt_trials_read_path(&cfg, &info, err);
    }
    used = info.workers;
    if (!rc && sink.oom)
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  cJSON *manifest = rc || is_stdin ? NULL : read_manifest(ds, path);
  for (size_t k = 0; !rc && k < used; k++)
    rc = merge(ds, ctx[k].ds, file.path, manifest, err);
  cJSON_Delete(manifest);
  for (size_t k = 0; ctx && k < nw; k++)
    pt_dataset_free(ctx[k].ds);
  free(ctx);
  free(ctxs);
  return rc;
}

static pt_code found_file(void *ctx, const char *path, pt_error *err) {
  return read_file(ctx, path, err);
}

pt_code pt_dataset_add(pt_dataset *ds, const char *input, pt_error *err) {
  if (!strcmp(input, "-"))
    return read_file(ds, input, err);
  if (!pt_exists(input))
    return pt_error_at(err, PT_EUSAGE, input, 0, 0, "no such file or directory");
  if (!pt_is_dir(input))
    return read_file(ds, input, err);
  size_t count = 0;
  pt_code rc = pt_find_files(input, "trials.csv", found_file, ds, &count, err);
  if (!rc && count == 0) {
    /* a report directory holds the analysis, not the trials */
    char *analysis = pt_path_join(input, PT_DOC_FILE);
    if (analysis && pt_exists(analysis))
      rc = pt_error_at(err, PT_EDATA, input, 0, 0,
                       "no trials.csv in this directory or below; its analysis.json is "
                       "rendered with 'ptbench render %s'", analysis);
    else
      rc = pt_error_at(err, PT_EDATA, input, 0, 0, "no trials.csv in this directory or below");
    free(analysis);
  }
  return rc;
}
