/* analyze/dataset.c - reading trials into (model, environment) groups.
 *
 * The reader hands each row over as field views; only the columns the
 * analysis needs are converted, so a million-row file is read in one pass
 * with no per-row allocation. Names are interned in hash tables (checked
 * first against the few most recently used, since rows come in runs), and
 * each valid trial keeps its value, session, prompt, seq and start time as
 * numbers (analysis_internal.h). Everything else is counted.
 *
 * A session is a run_id; rows without one are one session per input file
 * and environment. A run_id belongs to one environment: meeting it in two
 * is an error that names it.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/analysis_internal.h"
#include "analyze/facts.h"
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

const char pt_metric_all[] = "eval_rate, prompt_eval_rate, ttft_ns, load_duration_ns, wall_ns";

pt_code pt_metric_list_parse(const char *list, const pt_metric **out, size_t *n, bool *all,
                             pt_error *err) {
  *n = 0;
  *all = !strcmp(list, "all");
  const char *p = *all ? pt_metric_all : list;
  for (;;) {
    while (*p == ' ')
      p++;
    size_t len = strcspn(p, ",");
    while (len && p[len - 1] == ' ')
      len--;
    char name[64];
    if (!len)
      return pt_error_set(err, PT_EUSAGE, "empty metric name in '%s'", list);
    snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), p);
    const pt_metric *m = len < sizeof name ? pt_metric_find(name) : NULL;
    if (!m)
      return pt_error_set(err, PT_EUSAGE, "unknown metric '%.*s' (known: %s, or all)", (int)len,
                          p, pt_metric_names);
    for (size_t i = 0; i < *n; i++)
      if (out[i] == m)
        return pt_error_set(err, PT_EUSAGE, "metric '%s' named twice", m->name);
    /* PT_METRIC_MAX is every metric, so a list without repeats fits */
    out[(*n)++] = m;
    p += strcspn(p, ",");
    if (!*p)
      return PT_OK;
    p++;
  }
}

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

pt_dataset *pt_dataset_new(const pt_metric *m) {
  pt_dataset *ds = calloc(1, sizeof *ds);
  if (!ds)
    return NULL;
  ds->metric = m;
  pt_strtab_init(&ds->models);
  pt_strtab_init(&ds->envs);
  pt_strtab_init(&ds->sessions);
  pt_strtab_init(&ds->prompts);
  pt_strtab_init(&ds->group_keys);
  return ds;
}

static void group_free(pt_group *g) {
  free(g->values);
  free(g->session);
  free(g->prompt);
  free(g->seq);
  free(g->started);
  free(g->sorted);
  free(g->digest);
}

void pt_dataset_free(pt_dataset *ds) {
  if (!ds)
    return;
  for (size_t i = 0; i < ds->ngroups; i++)
    group_free(&ds->groups[i]);
  free(ds->groups);
  free(ds->group_of);
  for (size_t i = 0; i < pt_strtab_count(&ds->envs) && i < ds->envs_cap; i++) {
    cJSON_Delete(ds->env_info[i].manifest);
    cJSON_Delete(ds->env_info[i].sources);
    free(ds->env_info[i].named);
    free(ds->env_info[i].source_of);
    free(ds->env_info[i].manifest_file);
  }
  free(ds->env_info);
  free(ds->sess);
  pt_strtab_free(&ds->models);
  pt_strtab_free(&ds->envs);
  pt_strtab_free(&ds->sessions);
  pt_strtab_free(&ds->prompts);
  pt_strtab_free(&ds->group_keys);
  for (size_t i = 0; i < ds->nwarnings; i++) {
    free(ds->warnings[i].env);
    free(ds->warnings[i].message);
  }
  free(ds->warnings);
  pt_free_names(ds->files, ds->nfiles);
  free(ds->first_input);
  pt_buf_free(&ds->key);
  free(ds);
}

size_t pt_dataset_rows(const pt_dataset *ds) { return ds->rows; }

void pt_dataset_metric_optional(pt_dataset *ds) { ds->metric_optional = true; }

const pt_metric *pt_dataset_metric(const pt_dataset *ds) { return ds->metric; }
size_t pt_dataset_model_count(const pt_dataset *ds) { return pt_ds_nmodels(ds); }
const char *pt_dataset_model_name(const pt_dataset *ds, size_t model) {
  return pt_ds_model(ds, model);
}
size_t pt_dataset_env_count(const pt_dataset *ds) { return pt_ds_nenvs(ds); }
const char *pt_dataset_env_name(const pt_dataset *ds, size_t env) { return pt_ds_env(ds, env); }
size_t pt_dataset_session_count(const pt_dataset *ds) { return pt_ds_nsessions(ds); }

bool pt_dataset_cell_of(const pt_dataset *ds, size_t model, size_t env, pt_dataset_cell *cell) {
  memset(cell, 0, sizeof *cell);
  for (size_t i = 0; i < ds->ngroups; i++) {
    const pt_group *g = &ds->groups[i];
    if (g->model != model || g->env != env || !g->n)
      continue;
    *cell = (pt_dataset_cell){g->n, g->values, g->session, g->seq};
    return true;
  }
  return false;
}

const char *pt_ds_model(const pt_dataset *ds, size_t i) {
  return pt_strtab_str(&ds->models, i, NULL);
}
const char *pt_ds_env(const pt_dataset *ds, size_t i) { return pt_strtab_str(&ds->envs, i, NULL); }
const char *pt_ds_prompt(const pt_dataset *ds, size_t i) {
  return pt_strtab_str(&ds->prompts, i, NULL);
}
size_t pt_ds_nmodels(const pt_dataset *ds) { return pt_strtab_count(&ds->models); }
size_t pt_ds_nenvs(const pt_dataset *ds) { return pt_strtab_count(&ds->envs); }
size_t pt_ds_nsessions(const pt_dataset *ds) { return pt_strtab_count(&ds->sessions); }
size_t pt_ds_nprompts(const pt_dataset *ds) { return pt_strtab_count(&ds->prompts); }

const char *pt_ds_session_run_id(const pt_dataset *ds, size_t s) {
  const char *k = pt_strtab_str(&ds->sessions, s, NULL);
  return k[0] == 'r' ? k + 1 : NULL;
}

const char *pt_ds_session_label(const pt_dataset *ds, size_t s) {
  /* 'r' + run_id, or 'f' + file + NUL + environment: either way the label
   * follows the tag, up to the first NUL */
  return pt_strtab_str(&ds->sessions, s, NULL) + 1;
}

pt_code pt_dataset_index(pt_dataset *ds, pt_error *err) {
  size_t nm = pt_ds_nmodels(ds), ne = pt_ds_nenvs(ds);
  free(ds->group_of);
  ds->group_of = NULL;
  if (ne && nm > SIZE_MAX / ne / sizeof *ds->group_of)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  ds->group_of = malloc((nm * ne > 0 ? nm * ne : 1) * sizeof *ds->group_of);
  if (!ds->group_of)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  for (size_t i = 0; i < nm * ne; i++)
    ds->group_of[i] = PT_NO_GROUP;
  for (size_t i = 0; i < ds->ngroups; i++)
    ds->group_of[(size_t)ds->groups[i].model * ne + ds->groups[i].env] = (uint32_t)i;
  return PT_OK;
}

pt_group *pt_dataset_group(pt_dataset *ds, size_t model, size_t env) {
  uint32_t g = ds->group_of[model * pt_ds_nenvs(ds) + env];
  return g == PT_NO_GROUP ? NULL : &ds->groups[g];
}

/* Index of s[0..len) in t, checking the most recently used first; *added
 * says whether it is new. PT_ENOMEM / PT_ETOOBIG with err set. */
static pt_code intern(pt_strtab *t, pt_mru *mru, const char *s, size_t len, size_t *idx,
                      bool *added, pt_error *err) {
  *added = false;
  for (size_t i = 0; i < mru->n; i++) {
    size_t l;
    const char *k = pt_strtab_str(t, mru->idx[i], &l);
    if (l == len && !memcmp(k, s, len)) {
      *idx = mru->idx[i];
      if (i > 0) {  /* to the front */
        uint32_t v = mru->idx[i];
        memmove(mru->idx + 1, mru->idx, i * sizeof *mru->idx);
        mru->idx[0] = v;
      }
      return PT_OK;
    }
  }
  pt_code rc = pt_strtab_intern(t, s, len, idx, added);
  if (rc)
    return pt_error_set(err, rc, rc == PT_ENOMEM ? "out of memory" : "too many names");
  size_t keep = mru->n < PT_MRU ? mru->n : PT_MRU - 1;
  memmove(mru->idx + 1, mru->idx, keep * sizeof *mru->idx);
  mru->idx[0] = (uint32_t)*idx;
  mru->n = keep + 1;
  return PT_OK;
}

/* Grow a parallel array of the dataset to hold need entries (zeroed). */
static bool grow_zeroed(void **p, size_t *cap, size_t need, size_t elem) {
  size_t old = *cap;
  void *q = pt_grow_array(*p, cap, need, elem);
  if (!q)
    return false;
  memset((char *)q + old * elem, 0, (*cap - old) * elem);
  *p = q;
  return true;
}

/* Environment bookkeeping lives in a parallel array sized with envs. */
static pt_env_info *env_info(pt_dataset *ds, size_t env) {
  if (env >= ds->envs_cap &&
      !grow_zeroed((void **)&ds->env_info, &ds->envs_cap, env + 1, sizeof *ds->env_info))
    return NULL;
  return &ds->env_info[env];
}

/* The group of (model, env), made when new; NULL when out of memory. */
static pt_group *group_for(pt_dataset *ds, size_t model, size_t env, pt_error *err) {
  pt_mru *mru = &ds->mru_group;
  for (size_t i = 0; i < mru->n; i++) {
    pt_group *g = &ds->groups[mru->idx[i]];
    if (g->model == model && g->env == env) {
      if (i > 0) {
        uint32_t v = mru->idx[i];
        memmove(mru->idx + 1, mru->idx, i * sizeof *mru->idx);
        mru->idx[0] = v;
      }
      return g;
    }
  }
  uint32_t key[2] = {(uint32_t)model, (uint32_t)env};
  size_t idx;
  bool added;
  pt_code rc = pt_strtab_intern(&ds->group_keys, (const char *)key, sizeof key, &idx, &added);
  if (rc) {
    pt_error_set(err, rc, "out of memory");
    return NULL;
  }
  if (added) {
    pt_group *p = pt_grow_array(ds->groups, &ds->groups_cap, ds->ngroups + 1, sizeof *p);
    if (!p) {
      /* the key stays, pointing past the groups: nothing reads it again
       * since the read fails */
      pt_error_set(err, PT_ENOMEM, "out of memory");
      return NULL;
    }
    ds->groups = p;
    pt_group *g = &ds->groups[ds->ngroups++];
    memset(g, 0, sizeof *g);
    g->model = (uint32_t)model;
    g->env = (uint32_t)env;
    g->temp_max = NAN;
  }
  size_t keep = mru->n < PT_MRU ? mru->n : PT_MRU - 1;
  memmove(mru->idx + 1, mru->idx, keep * sizeof *mru->idx);
  mru->idx[0] = (uint32_t)idx;
  mru->n = keep + 1;
  return &ds->groups[idx];
}

/* Room for need trials in every array of g. */
static bool group_reserve(pt_group *g, size_t need) {
  if (need <= g->cap)
    return true;
  size_t c;
  void *p;
#define GROW(field)                                                                          \
  c = g->cap;                                                                                \
  if (!(p = pt_grow_array(g->field, &c, need, sizeof *g->field)))                           \
    return false;                                                                            \
  g->field = p;
  GROW(values)
  GROW(session)
  GROW(prompt)
  GROW(seq)
  GROW(started)
#undef GROW
  g->cap = c;  /* every array now holds c: pt_grow_array grows alike */
  return true;
}

/* ------------------------------------------------------------ started_at */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

/* n decimal digits at s, or -1. */
static int digits(const char *s, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/* Parse ISO 8601 "YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM]" (a space may
 * stand for the T; no zone means UTC) to ms since the epoch. */
static bool parse_time(const char *s, size_t len, int64_t *ms) {
  if (len < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':')
    return false;
  int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2), h = digits(s + 11, 2),
      mi = digits(s + 14, 2), se = digits(s + 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
      mi > 59 || se < 0 || se > 60)
    return false;
  size_t i = 19;
  int frac = 0;
  if (i < len && s[i] == '.') {
    size_t k = ++i;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
      if (i - k < 3)
        frac = frac * 10 + (s[i] - '0');
      i++;
    }
    if (i == k)
      return false;
    for (size_t j = i - k; j < 3; j++)
      frac *= 10;
  }
  int64_t offset = 0;
  if (i < len && s[i] == 'Z') {
    i++;
  } else if (i < len && (s[i] == '+' || s[i] == '-')) {
    if (len - i != 6 || s[i + 3] != ':')
      return false;
    int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59)
      return false;
    offset = (s[i] == '+' ? 1 : -1) * (int64_t)(oh * 60 + om) * 60000;
    i += 6;
  }
  if (i != len)
    return false;
  *ms = ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 24 + h) * 60 + mi) * 60000 +
        (int64_t)se * 1000 + frac - offset;
  return true;
}

/* ------------------------------------------------------------- numbers */

double pt_decimal_fast(const char *s, size_t len) {
  /* Clinger's fast path: a mantissa m < 10^15 < 2^53 and 10^k with k <= 15
   * are exact doubles, so m / 10^k rounds once, correctly: the double
   * strtod returns */
  static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  if (len == 0 || len > 16)
    return NAN;
  uint64_t m = 0;
  size_t digits = 0;
  int frac = -1;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      m = m * 10 + (uint64_t)(c - '0');
      digits++;
      frac += frac >= 0;
    } else if (c == '.' && frac < 0) {
      frac = 0;
    } else {
      return NAN;
    }
  }
  if (digits == 0 || digits > 15)
    return NAN;
  return (double)m / pow10[frac > 0 ? frac : 0];
}

/* pt_row_double, plain decimals ("49.27") by pt_decimal_fast. */
static pt_code row_double(const pt_row *row, pt_column c, double *out, bool *present,
                          pt_error *err) {
  if (row->present[c] && row->f[c].len) {
    double v = pt_decimal_fast(row->f[c].s, row->f[c].len);
    if (!isnan(v)) {
      *out = v;
      *present = true;
      return PT_OK;
    }
  }
  return pt_row_double(row, c, out, present, err);
}

/* True with column c's number in *out when the row has one (an empty or
 * unreadable field is no number: telemetry is optional). */
static bool row_has_double(const pt_row *row, pt_column c, double *out) {
  bool present = false;
  return row->present[c] && !row_double(row, c, out, &present, NULL) && present;
}

/* ---------------------------------------------------------------- reading */

/* What the workers reading one file share (set before they start). */
typedef struct file_info {
  const char *path;  /* file name as given (for sources and sessions) */
  const char *env;   /* NAME of a NAME=PATH input: every row's environment */
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
  if (!has_value && !can_derive && rc->ds->metric_optional) {
    rc->file->derive = false;  /* every row: no value, left out as invalid */
    return PT_OK;
  }
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

/* The session of a row: its run_id, else its file's rows of env. Fails when
 * a run_id seen in another environment comes back in this one. */
static pt_code session_of(pt_dataset *ds, const file_info *file, const pt_row *row,
                          size_t env, size_t *out, pt_error *err) {
  pt_buf *key = &ds->key;
  pt_code rc;
  key->len = 0;
  bool run_id = row->present[PT_COL_RUN_ID] && row->f[PT_COL_RUN_ID].len > 0;
  if (run_id) {
    rc = pt_buf_putc(key, 'r');
    if (!rc)
      rc = pt_buf_append(key, row->f[PT_COL_RUN_ID].s, row->f[PT_COL_RUN_ID].len);
  } else {
    size_t elen;
    const char *ename = pt_strtab_str(&ds->envs, env, &elen);
    rc = pt_buf_putc(key, 'f');
    if (!rc)
      rc = pt_buf_puts(key, file->path);
    if (!rc)
      rc = pt_buf_append(key, "", 1);
    if (!rc)
      rc = pt_buf_append(key, ename, elen);
  }
  if (rc)
    return pt_error_set(err, rc, "out of memory");
  bool added;
  if ((rc = intern(&ds->sessions, &ds->mru_session, key->data, key->len, out, &added, err)))
    return rc;
  if (added) {
    if (!grow_zeroed((void **)&ds->sess, &ds->sess_cap, *out + 1, sizeof *ds->sess))
      return pt_error_set(err, PT_ENOMEM, "out of memory");
    ds->sess[*out] = (pt_session){(uint32_t)env, 0, row->line, 0, PT_NO_TIME, PT_NO_TIME};
  } else if (ds->sess[*out].env != env) {
    return pt_error_at(err, PT_EDATA, row->path, row->line, row->colno[PT_COL_RUN_ID],
                       "run_id '%s' is in two environments: '%s' (line %ld) and '%s'; a "
                       "session belongs to one environment, so give each its own run_id",
                       key->data + 1, pt_ds_env(ds, ds->sess[*out].env), ds->sess[*out].line,
                       pt_ds_env(ds, env));
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
  const char *ename = rc->file->env ? rc->file->env : row->f[PT_COL_ENVIRONMENT].s;
  size_t elen = rc->file->env ? strlen(rc->file->env) : row->f[PT_COL_ENVIRONMENT].len;
  if (elen == 0)
    return pt_error_at(err, PT_EDATA, row->path, row->line, row->colno[PT_COL_ENVIRONMENT],
                       "empty 'environment'");
  size_t model, env, session;
  bool added;
  pt_code code;
  if ((code = intern(&ds->models, &ds->mru_model, row->f[PT_COL_MODEL].s,
                     row->f[PT_COL_MODEL].len, &model, &added, err)) ||
      (code = intern(&ds->envs, &ds->mru_env, ename, elen, &env, &added, err)))
    return code;
  pt_group *g = group_for(ds, model, env, err);
  if (!g)
    return PT_ENOMEM;
  if ((code = session_of(ds, rc->file, row, env, &session, err)))
    return code;

  /* the metric is validated on every row: a corrupt value is an error */
  double v = NAN;
  bool present;
  int64_t iv;
  if (m->scale == 1.0) {
    if ((code = row_double(row, m->column, &v, &present, err)))
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
  /* where the trial stands in its session: checked on every row too */
  int64_t seq = 0, started = PT_NO_TIME;
  if ((code = pt_row_int(row, PT_COL_SEQ, &seq, &present, err)))
    return code;
  if (present && (seq < 1 || seq > UINT32_MAX))
    return pt_error_at(err, PT_EDATA, row->path, row->line, row->colno[PT_COL_SEQ],
                       "'seq' is not a position from 1 to %u: \"%.*s\"", UINT32_MAX,
                       (int)row->f[PT_COL_SEQ].len, row->f[PT_COL_SEQ].s);
  if (row->present[PT_COL_STARTED_AT] && row->f[PT_COL_STARTED_AT].len &&
      !parse_time(row->f[PT_COL_STARTED_AT].s, row->f[PT_COL_STARTED_AT].len, &started))
    return pt_error_at(err, PT_EDATA, row->path, row->line, row->colno[PT_COL_STARTED_AT],
                       "'started_at' is not an ISO 8601 time (2026-11-27T14:55:31.163Z): "
                       "\"%.*s\"", (int)row->f[PT_COL_STARTED_AT].len,
                       row->f[PT_COL_STARTED_AT].s);
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
  size_t prompt = 0;
  const char *pid = row->present[PT_COL_PROMPT_ID] ? row->f[PT_COL_PROMPT_ID].s : "";
  size_t plen = row->present[PT_COL_PROMPT_ID] ? row->f[PT_COL_PROMPT_ID].len : 0;
  if ((code = intern(&ds->prompts, &ds->mru_prompt, pid, plen, &prompt, &added, err)))
    return code;
  if (!group_reserve(g, g->n + 1))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  g->values[g->n] = v;
  g->session[g->n] = (uint32_t)session;
  g->prompt[g->n] = (uint32_t)prompt;
  g->seq[g->n] = (uint32_t)seq;
  g->started[g->n] = started;
  g->n++;
  pt_session *se = &ds->sess[session];
  se->trials++;
  if (started != PT_NO_TIME) {
    if (se->first == PT_NO_TIME || started < se->first)
      se->first = started;
    if (se->last == PT_NO_TIME || started > se->last)
      se->last = started;
  }

  /* facts the validity warnings need */
  if (field_is(row, PT_COL_DONE_REASON, "length"))
    g->done_length++;
  else if (field_is(row, PT_COL_DONE_REASON, "stop"))
    g->done_stop++;
  int64_t size, vram, wall;
  bool has_size, has_vram;
  if (!pt_row_int(row, PT_COL_SIZE_BYTES, &size, &has_size, NULL) &&
      !pt_row_int(row, PT_COL_SIZE_VRAM_BYTES, &vram, &has_vram, NULL) && has_size &&
      has_vram && vram < size)
    g->offloaded++;
  if (!g->digest && row->present[PT_COL_MODEL_DIGEST] && row->f[PT_COL_MODEL_DIGEST].len &&
      !(g->digest = dup_n(row->f[PT_COL_MODEL_DIGEST].s, row->f[PT_COL_MODEL_DIGEST].len)))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  /* GPU telemetry (facts.h) and wall time (power), when the file has them */
  double d;
  if (row_has_double(row, PT_COL_GPU_CLOCK_MHZ, &d)) {
    g->clock_sum += d;
    g->clock_n++;
  }
  if (row_has_double(row, PT_COL_GPU_TEMP_C, &d)) {
    if (!(d <= g->temp_max))
      g->temp_max = d;
    g->temp_sum += d;
    g->temp_n++;
  }
  if (row_has_double(row, PT_COL_GPU_POWER_W, &d)) {
    g->power_sum += d;
    g->power_n++;
  }
  if (row_has_double(row, PT_COL_GPU_BUSY_PCT, &d)) {
    g->busy_sum += d;
    g->busy_n++;
  }
  if (row->present[PT_COL_WALL_NS] && !pt_row_int(row, PT_COL_WALL_NS, &wall, &present, NULL) &&
      present) {
    g->wall_sum += (double)wall * 1e-9;
    g->wall_n++;
  }
  return PT_OK;
}

/* ------------------------------------------------------------- merging */

static bool add_file(pt_dataset *ds, const char *path) {
  char **p = pt_grow_array(ds->files, &ds->files_cap, ds->nfiles + 1, sizeof *p);
  if (!p)
    return false;
  ds->files = p;
  if (!(ds->files[ds->nfiles] = strdup(path)))
    return false;
  ds->nfiles++;
  return true;
}

static pt_code add_warning(pt_dataset *ds, const char *code, const char *env, const char *msg) {
  pt_read_warning *w =
      pt_grow_array(ds->warnings, &ds->warnings_cap, ds->nwarnings + 1, sizeof *w);
  if (!w)
    return PT_ENOMEM;
  ds->warnings = w;
  w = &ds->warnings[ds->nwarnings];
  w->code = code;
  w->env = env ? strdup(env) : NULL;
  w->message = strdup(msg);
  if (!w->message || (env && !w->env)) {
    free(w->env);
    free(w->message);
    return PT_ENOMEM;
  }
  ds->nwarnings++;
  return PT_OK;
}

/* What collect recorded about the sessions of a run (its manifest, beside
 * path) that a reader of the numbers must know, as warnings, one line an
 * item (README analysis.json warnings): a session that differs from the
 * run's first (session-differs), one added with --force despite a
 * difference (session-forced), a model a session skipped
 * (session-skipped-model). */
static pt_code session_warnings(pt_dataset *ds, const char *env, const char *path,
                                const cJSON *manifest) {
  pt_code rc = PT_OK;
  size_t n = pt_mf_session_count(manifest);
  for (size_t i = 0; i < n && !rc; i++) {
    const cJSON *s = pt_mf_session(manifest, i), *it;
    const char *id = pt_mf_run_id(s);
    char head[512];
    snprintf(head, sizeof head, "%s: session %s (%s)", env, id ? id : "?", path);
    pt_buf b = PT_BUF_INIT;
    cJSON_ArrayForEach(it, pt_mf_differs(s)) {
      const char *code = pt_json_str(it, PT_MF_CODE), *msg = pt_json_str(it, PT_MF_MESSAGE);
      pt_buf_reset(&b);
      if ((rc = pt_buf_printf(&b, "%s differs from the run's first session (%s): %s", head,
                              code ? code : "?", msg ? msg : "?")) ||
          (rc = add_warning(ds, "session-differs", env, b.data)))
        break;
    }
    cJSON_ArrayForEach(it, pt_mf_forced(s)) {
      if (rc)
        break;
      pt_buf_reset(&b);
      if ((rc = pt_buf_printf(&b, "%s was added with --force despite: %s", head,
                              cJSON_IsString(it) ? it->valuestring : "?")) ||
          (rc = add_warning(ds, "session-forced", env, b.data)))
        break;
    }
    cJSON_ArrayForEach(it, pt_mf_skipped(s)) {
      if (rc)
        break;
      const char *model = pt_json_str(it, PT_MF_MODEL), *why = pt_json_str(it, PT_MF_REASON);
      pt_buf_reset(&b);
      if ((rc = pt_buf_printf(&b, "%s skipped %s: %s", head, model ? model : "?",
                              why ? why : "no reason recorded")) ||
          (rc = add_warning(ds, "session-skipped-model", env, b.data)))
        break;
    }
    pt_buf_free(&b);
  }
  return rc;
}

/* Record that env has rows in input file, and its manifest if it has none. */
static pt_code note_env(pt_dataset *ds, size_t env, size_t file, const cJSON *manifest,
                        pt_error *err) {
  const char *path = ds->files[file];
  pt_env_info *info = env_info(ds, env);
  if (!info)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  if (!info->sources && !(info->sources = cJSON_CreateArray()))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  if (file < info->source_cap && info->source_of[file])
    return PT_OK;
  if (file >= info->source_cap &&
      !grow_zeroed((void **)&info->source_of, &info->source_cap, file + 1,
                   sizeof *info->source_of))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  cJSON *s = cJSON_CreateString(path);
  if (!s || !cJSON_AddItemToArray(info->sources, s)) {
    cJSON_Delete(s);
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  info->source_of[file] = (uint32_t)++info->nsources;
  if (manifest && session_warnings(ds, pt_ds_env(ds, env), path, manifest))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  if (!info->manifest && manifest) {
    if (!(info->manifest = cJSON_Duplicate(manifest, true)) ||
        !(info->manifest_file = strdup(path)))
      return pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  return PT_OK;
}

/* Append the part's arrays of pg to g, with sessions and prompts mapped. */
static bool merge_trials(pt_group *g, pt_group *pg, const size_t *smap, const size_t *pmap) {
  for (size_t i = 0; i < pg->n; i++) {
    pg->session[i] = (uint32_t)smap[pg->session[i]];
    pg->prompt[i] = (uint32_t)pmap[pg->prompt[i]];
  }
  if (g->n == 0) {
    /* take the part's arrays over: no copy */
    pt_group tmp = *g;
    g->values = pg->values, g->session = pg->session, g->prompt = pg->prompt;
    g->seq = pg->seq, g->started = pg->started;
    g->n = pg->n, g->cap = pg->cap;
    pg->values = tmp.values, pg->session = tmp.session, pg->prompt = tmp.prompt;
    pg->seq = tmp.seq, pg->started = tmp.started;
    pg->n = tmp.n, pg->cap = tmp.cap;
    return true;
  }
  if (!group_reserve(g, g->n + pg->n))
    return false;
  if (pg->n) {
    memcpy(g->values + g->n, pg->values, pg->n * sizeof *g->values);
    memcpy(g->session + g->n, pg->session, pg->n * sizeof *g->session);
    memcpy(g->prompt + g->n, pg->prompt, pg->n * sizeof *g->prompt);
    memcpy(g->seq + g->n, pg->seq, pg->n * sizeof *g->seq);
    memcpy(g->started + g->n, pg->started, pg->n * sizeof *g->started);
  }
  g->n += pg->n;
  return true;
}

/* Intern every name of the part's table t into ds's table dt; map[i] is
 * the part's name i in ds. */
static pt_code map_names(pt_strtab *dt, const pt_strtab *t, size_t *map, pt_error *err) {
  for (size_t i = 0; i < pt_strtab_count(t); i++) {
    size_t len;
    const char *s = pt_strtab_str(t, i, &len);
    pt_code rc = pt_strtab_intern(dt, s, len, &map[i], NULL);
    if (rc)
      return pt_error_set(err, rc, "out of memory");
  }
  return PT_OK;
}

/* Append a worker's groups and sessions to ds, in the worker's order of
 * first appearance. file is the index of the input in ds->files. */
static pt_code merge(pt_dataset *ds, pt_dataset *part, size_t file, const cJSON *manifest,
                     pt_error *err) {
  const char *path = ds->files[file];
  size_t nm = pt_ds_nmodels(part), ne = pt_ds_nenvs(part), ns = pt_ds_nsessions(part),
         np = pt_ds_nprompts(part);
  size_t *map = malloc((nm + ne + ns + np + 1) * sizeof *map);
  if (!map)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  size_t *mmap = map, *emap = map + nm, *smap = emap + ne, *pmap = smap + ns;
  pt_code rc = map_names(&ds->models, &part->models, mmap, err);
  if (!rc)
    rc = map_names(&ds->envs, &part->envs, emap, err);
  if (!rc)
    rc = map_names(&ds->prompts, &part->prompts, pmap, err);
  for (size_t i = 0; !rc && i < ns; i++) {
    size_t len;
    const char *key = pt_strtab_str(&part->sessions, i, &len);
    bool added;
    if ((rc = pt_strtab_intern(&ds->sessions, key, len, &smap[i], &added))) {
      pt_error_set(err, rc, "out of memory");
      break;
    }
    const pt_session *ps = &part->sess[i];
    if (added) {
      if (!grow_zeroed((void **)&ds->sess, &ds->sess_cap, smap[i] + 1, sizeof *ds->sess)) {
        rc = pt_error_set(err, PT_ENOMEM, "out of memory");
        break;
      }
      ds->sess[smap[i]] = *ps;
      ds->sess[smap[i]].env = (uint32_t)emap[ps->env];
      ds->sess[smap[i]].source = (uint32_t)file;
      continue;
    }
    pt_session *s = &ds->sess[smap[i]];
    if (s->env != emap[ps->env]) {
      rc = pt_error_at(err, PT_EDATA, path, ps->line, 0,
                       "run_id '%s' is in two environments: '%s' (%s:%ld) and '%s'; a session "
                       "belongs to one environment, so give each its own run_id",
                       key + 1, pt_ds_env(ds, s->env), ds->files[s->source], s->line,
                       pt_ds_env(ds, emap[ps->env]));
      break;
    }
    s->trials += ps->trials;
    if (ps->first != PT_NO_TIME && (s->first == PT_NO_TIME || ps->first < s->first))
      s->first = ps->first;
    if (ps->last != PT_NO_TIME && (s->last == PT_NO_TIME || ps->last > s->last))
      s->last = ps->last;
  }
  ds->rows += part->rows;
  for (size_t i = 0; !rc && i < part->ngroups; i++) {
    pt_group *pg = &part->groups[i];
    size_t env = emap[pg->env];
    pt_group *g = group_for(ds, mmap[pg->model], env, err);
    if (!g) {
      rc = PT_ENOMEM;
      break;
    }
    if (!merge_trials(g, pg, smap, pmap)) {
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
      break;
    }
    g->warmup += pg->warmup;
    g->failed += pg->failed;
    g->invalid += pg->invalid;
    g->done_stop += pg->done_stop;
    g->done_length += pg->done_length;
    g->offloaded += pg->offloaded;
    g->clock_sum += pg->clock_sum;
    g->clock_n += pg->clock_n;
    if (!(pg->temp_max <= g->temp_max))
      g->temp_max = pg->temp_max;
    g->temp_sum += pg->temp_sum;
    g->temp_n += pg->temp_n;
    g->power_sum += pg->power_sum;
    g->power_n += pg->power_n;
    g->busy_sum += pg->busy_sum;
    g->busy_n += pg->busy_n;
    g->wall_sum += pg->wall_sum;
    g->wall_n += pg->wall_n;
    if (!g->digest && pg->digest) {
      g->digest = pg->digest;
      pg->digest = NULL;
    }
    rc = note_env(ds, env, file, manifest, err);
  }
  free(map);
  return rc;
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

static cJSON *read_manifest(pt_dataset *ds, const char *path, bool *oom) {
  char *mpath = sibling(path, PT_MANIFEST_FILE);
  cJSON *manifest = NULL;
  if (!mpath)
    *oom = true;
  if (mpath && pt_exists(mpath)) {
    /* a manifest that cannot be read only costs labels and metadata */
    pt_error merr;
    pt_error_clear(&merr);
    manifest = pt_manifest_load(mpath, &merr);
    if (!manifest) {
      char buf[2048], msg[2100];
      snprintf(msg, sizeof msg, "manifest ignored: %s", pt_error_format(&merr, buf, sizeof buf));
      if (add_warning(ds, "manifest-unreadable", NULL, msg))
        *oom = true;
    }
  }
  free(mpath);
  return manifest;
}

/* ---- runs pooled under one environment (README "NAME=PATH") ---- */

/* What says which machine and software a manifest's run had. */
typedef struct run_facts {
  const char *host, *gpu, *ollama;
} run_facts;

static run_facts facts_of(const cJSON *m) {
  pt_mf_facts f = pt_mf_facts_of(m);  /* the run's: its first session's */
  const char *gpu = pt_json_str(pt_mf_primary_gpu(f.host), "name");
  return (run_facts){pt_json_str(f.host, "hostname"), gpu ? gpu : f.gpu_model,
                     f.ollama_version};
}

/* Two known values that differ. */
static bool differ(const char *a, const char *b) { return a && b && strcmp(a, b); }

/* Warn when the manifest beside path disagrees with the one env already
 * has on host, GPU or Ollama version: pooling those runs mixes machines. */
static pt_code check_pooled(pt_dataset *ds, size_t env, const char *path, const cJSON *manifest) {
  const pt_env_info *info = &ds->env_info[env];
  if (!manifest || !info->manifest || !info->manifest_file ||
      !strcmp(info->manifest_file, path))
    return PT_OK;
  run_facts a = facts_of(info->manifest), b = facts_of(manifest);
  pt_buf msg = PT_BUF_INIT;
  pt_code rc = PT_OK;
  static const char *const what[] = {"host", "GPU", "Ollama version"};
  const char *va[] = {a.host, a.gpu, a.ollama}, *vb[] = {b.host, b.gpu, b.ollama};
  for (size_t i = 0; i < 3 && !rc; i++)
    if (differ(va[i], vb[i]))
      rc = pt_buf_printf(&msg, "%s%s '%s' in %s, '%s' in %s", msg.len ? "; " : "", what[i],
                         va[i], info->manifest_file, vb[i], path);
  if (!rc && msg.len) {
    pt_buf full = PT_BUF_INIT;
    rc = pt_buf_printf(&full,
                       "environment '%s' pools runs whose manifests disagree: %s; to compare "
                       "them rather than pool them, name each run (NAME=PATH)",
                       pt_ds_env(ds, env), msg.data);
    if (!rc)
      rc = add_warning(ds, "pooled-runs-differ", pt_ds_env(ds, env), full.data);
    pt_buf_free(&full);
  }
  pt_buf_free(&msg);
  return rc;
}


/* The reader's warnings (a last row cut short) become analysis warnings. */
typedef struct warn_sink {
  pt_dataset *ds;
  bool oom;
} warn_sink;

static void on_warning(void *ctx, const pt_error *w) {
  warn_sink *sink = ctx;
  char buf[sizeof w->msg + sizeof w->file + 64];
  if (add_warning(sink->ds, "incomplete-row", NULL, pt_error_format(w, buf, sizeof buf)))
    sink->oom = true;
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
  if (doc && pt_doc_is_analysis(doc))
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

/* Read one trials file; env (may be NULL) is the environment of every row. */
static pt_code read_file(pt_dataset *ds, const char *path, const char *env, pt_error *err) {
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
  file_info file = {is_stdin ? "<stdin>" : path, env, false};
  if (!ds->first_input && !(ds->first_input = strdup(file.path)))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  if (!add_file(ds, file.path))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  size_t fileno = ds->nfiles - 1;
  size_t nw = is_stdin ? 1 : worker_count(), used = 0;
  read_ctx *ctx = calloc(nw, sizeof *ctx);
  void **ctxs = calloc(nw, sizeof *ctxs);
  pt_code rc = ctx && ctxs ? PT_OK : pt_error_set(err, PT_ENOMEM, "out of memory");
  for (size_t k = 0; !rc && k < nw; k++) {
    ctx[k].file = &file;
    ctxs[k] = &ctx[k];
    if (!(ctx[k].ds = pt_dataset_new(ds->metric)))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    else
      ctx[k].ds->metric_optional = ds->metric_optional;
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
      static const pt_column always[] = {
          PT_COL_MODEL,         PT_COL_ENVIRONMENT,   PT_COL_WARMUP,     PT_COL_STATUS,
          PT_COL_DONE_REASON,   PT_COL_SIZE_BYTES,    PT_COL_SIZE_VRAM_BYTES,
          PT_COL_MODEL_DIGEST,  PT_COL_RUN_ID,        PT_COL_PROMPT_ID,  PT_COL_SEQ,
          PT_COL_STARTED_AT,    PT_COL_GPU_CLOCK_MHZ, PT_COL_GPU_TEMP_C, PT_COL_GPU_POWER_W,
          PT_COL_GPU_BUSY_PCT,  PT_COL_WALL_NS};
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
  bool oom = false;
  cJSON *manifest = rc || is_stdin ? NULL : read_manifest(ds, path, &oom);
  if (!rc && oom)
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  /* environments that had rows before this file: their pooling is checked */
  size_t envs_before = pt_ds_nenvs(ds);
  bool *had = calloc(envs_before + 1, sizeof *had);
  if (!rc && !had)
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  for (size_t e = 0; !rc && e < envs_before; e++)
    had[e] = e < ds->envs_cap && ds->env_info[e].sources;
  for (size_t k = 0; !rc && k < used; k++) {
    rc = merge(ds, ctx[k].ds, fileno, manifest, err);
    pt_dataset_free(ctx[k].ds);  /* as soon as merged: its arrays were taken or copied */
    ctx[k].ds = NULL;
  }
  for (size_t e = 0; !rc && e < envs_before; e++)
    if (had[e] && fileno < ds->env_info[e].source_cap && ds->env_info[e].source_of[fileno] &&
        check_pooled(ds, e, file.path, manifest))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  free(had);
  if (!rc && env) {
    size_t idx;
    ptrdiff_t found = pt_strtab_find(&ds->envs, env, strlen(env));
    if (found >= 0 && (idx = (size_t)found) < ds->envs_cap && !ds->env_info[idx].named &&
        !(ds->env_info[idx].named = strdup(env)))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  cJSON_Delete(manifest);
  for (size_t k = 0; ctx && k < nw; k++)
    pt_dataset_free(ctx[k].ds);
  free(ctx);
  free(ctxs);
  return rc;
}

typedef struct find_ctx {
  pt_dataset *ds;
  const char *env;
} find_ctx;

static pt_code found_file(void *ctx, const char *path, pt_error *err) {
  find_ctx *f = ctx;
  return read_file(f->ds, path, f->env, err);
}

pt_code pt_dataset_add_as(pt_dataset *ds, const char *input, const char *env, pt_error *err) {
  if (env && !*env)
    return pt_error_at(err, PT_EUSAGE, input, 0, 0, "an environment name may not be empty");
  if (!strcmp(input, "-"))
    return read_file(ds, input, env, err);
  if (!pt_exists(input))
    return pt_error_at(err, PT_EUSAGE, input, 0, 0, "no such file or directory");
  if (!pt_is_dir(input))
    return read_file(ds, input, env, err);
  size_t count = 0;
  find_ctx f = {ds, env};
  pt_code rc = pt_find_files(input, "trials.csv", found_file, &f, &count, err);
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

pt_code pt_dataset_add(pt_dataset *ds, const char *input, pt_error *err) {
  return pt_dataset_add_as(ds, input, NULL, err);
}

bool pt_input_split(const char *arg, const char **path, char *name, size_t size) {
  *path = arg;
  name[0] = '\0';
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg || !strcmp(arg, "-") || pt_exists(arg))
    return false;
  size_t n = (size_t)(eq - arg);
  if (memchr(arg, '/', n) || n >= size)
    return false;
  memcpy(name, arg, n);
  name[n] = '\0';
  *path = eq + 1;
  return true;
}

pt_code pt_dataset_add_input(pt_dataset *ds, const char *arg, pt_error *err) {
  const char *path;
  char name[256];
  if (!pt_input_split(arg, &path, name, sizeof name))
    return pt_dataset_add(ds, arg, err);
  if (!*path)
    return pt_error_at(err, PT_EUSAGE, arg, 0, 0, "NAME=PATH wants a path after '='");
  return pt_dataset_add_as(ds, path, name, err);
}
