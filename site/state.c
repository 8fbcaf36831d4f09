/* site/state.c - the site's state file (site/state.h): the one place that
 * spells its keys. */
#include "site/state.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/doc.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/utf8.h"

#define K_SCHEMA "schema"
#define K_TOOL "tool"
#define K_NAME "name"
#define K_VERSION "version"
#define K_ARCHIVES "archives"
#define K_SLUG "slug"
#define K_TITLE "title"
#define K_SOURCE "source"
#define K_DATE "date"
#define K_ENVIRONMENTS "environments"
#define K_MODELS "models"
#define K_PENALTIES "penalties"
#define K_ENVIRONMENT "environment"
#define K_MEAN_PENALTY_PCT "mean_penalty_pct"

bool pt_site_slug_valid(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (!n || n > PT_SITE_SLUG_MAX + 11 || s[0] == '-' || s[n - 1] == '-')
    return false;
  return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static void free_strings(char **v, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

void pt_site_archive_free(pt_site_archive *a) {
  if (!a)
    return;
  free(a->slug);
  free(a->title);
  free(a->source);
  free(a->date);
  free_strings(a->environments, a->nenvironments);
  free_strings(a->models, a->nmodels);
  for (size_t i = 0; i < a->npenalties; i++)
    free(a->penalties[i].environment);
  free(a->penalties);
  memset(a, 0, sizeof *a);
}

void pt_site_state_free(pt_site_state *st) {
  for (size_t i = 0; i < st->n; i++)
    pt_site_archive_free(&st->archives[i]);
  free(st->archives);
  st->archives = NULL;
  st->n = st->cap = 0;
}

ptrdiff_t pt_site_state_find_slug(const pt_site_state *st, const char *slug) {
  for (size_t i = 0; i < st->n; i++)
    if (!strcmp(st->archives[i].slug, slug))
      return (ptrdiff_t)i;
  return -1;
}

pt_code pt_site_state_put(pt_site_state *st, pt_site_archive *a) {
  ptrdiff_t at = pt_site_state_find_slug(st, a->slug);
  if (at >= 0) {
    pt_site_archive_free(&st->archives[at]);
    st->archives[at] = *a;
  } else {
    pt_site_archive *p = pt_grow_array(st->archives, &st->cap, st->n + 1, sizeof *p);
    if (!p)
      return PT_ENOMEM;
    st->archives = p;
    st->archives[st->n++] = *a;
  }
  memset(a, 0, sizeof *a);
  return PT_OK;
}

void pt_site_state_remove(pt_site_state *st, size_t i) {
  pt_site_archive_free(&st->archives[i]);
  memmove(st->archives + i, st->archives + i + 1, (st->n - i - 1) * sizeof *st->archives);
  st->n--;
}

/* A copy of s (NULL = "") with ill-formed UTF-8 replaced; NULL when out of
 * memory. */
static char *clean(const char *s) {
  pt_buf b = PT_BUF_INIT;
  if (!s)
    s = "";
  if (pt_utf8_sanitize(&b, s, strlen(s)))
    return NULL;
  return pt_buf_detach(&b, NULL);
}

/* Append a cleaned copy of s to *v. */
static bool push_string(char ***v, size_t *n, size_t *cap, const char *s) {
  char **p = pt_grow_array(*v, cap, *n + 1, sizeof *p);
  if (!p)
    return false;
  *v = p;
  return ((*v)[*n] = clean(s)) && ++*n;
}

pt_code pt_site_archive_make(pt_site_archive *a, const cJSON *analysis, const char *slug,
                             const char *title, const char *source, const char *date) {
  size_t cap_e = 0, cap_m = 0, cap_p = 0;
  bool ok = (a->slug = clean(slug)) && (a->title = clean(title)) &&
            (a->source = clean(source)) && (a->date = clean(date));
  const cJSON *x;
  cJSON_ArrayForEach(x, pt_doc_environments(analysis)) {
    ok = ok && push_string(&a->environments, &a->nenvironments, &cap_e, pt_doc_env_display(x));
  }
  cJSON_ArrayForEach(x, pt_doc_models(analysis)) {
    ok = ok && push_string(&a->models, &a->nmodels, &cap_m, pt_doc_model_name(x));
  }
  cJSON_ArrayForEach(x, pt_doc_summary_comparisons(analysis)) {
    if (!ok)
      break;
    pt_site_penalty *p = pt_grow_array(a->penalties, &cap_p, a->npenalties + 1, sizeof *p);
    if (!p) {
      ok = false;
      break;
    }
    a->penalties = p;
    const char *env = pt_doc_item_env(x);
    const cJSON *e = pt_doc_env_find(analysis, env);
    pt_site_penalty *q = &a->penalties[a->npenalties];
    q->pct = pt_json_num(x, PT_DOC_MEAN_PENALTY_PCT);
    ok = (q->environment = clean(e ? pt_doc_env_display(e) : env)) != NULL;
    if (ok)
      a->npenalties++;
  }
  if (!ok) {
    pt_site_archive_free(a);
    return PT_ENOMEM;
  }
  return PT_OK;
}

/* ------------------------------------------------------------------ load */

typedef struct loader {
  const char *path;
  pt_error *err;
} loader;

static pt_code bad(const loader *l, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static pt_code bad(const loader *l, size_t i, const char *fmt, ...) {
  char msg[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (i == (size_t)-1)
    return pt_error_at(l->err, PT_EDATA, l->path, 0, 0,
                       "not a ptbench site state: %s; fix it, or remove it (the next run then "
                       "lists only the archives it is given)", msg);
  return pt_error_at(l->err, PT_EDATA, l->path, 0, 0,
                     "not a ptbench site state: archives[%zu]: %s; fix it, or remove it (the "
                     "next run then lists only the archives it is given)", i, msg);
}

/* A string member that must be valid UTF-8, copied into *out. */
static pt_code get_string(const loader *l, size_t i, const cJSON *obj, const char *key,
                          char **out) {
  const char *s = pt_json_str(obj, key);
  if (!s)
    return bad(l, i, "'%s' is not a string", key);
  if (!pt_utf8_valid(s, strlen(s)))
    return bad(l, i, "'%s' is not valid UTF-8", key);
  if (!(*out = strdup(s)))
    return pt_error_at(l->err, PT_ENOMEM, l->path, 0, 0, "out of memory");
  return PT_OK;
}

static pt_code get_strings(const loader *l, size_t i, const cJSON *obj, const char *key,
                           char ***v, size_t *n) {
  const cJSON *arr = pt_json_get(obj, key);
  size_t cap = 0;
  if (!cJSON_IsArray(arr))
    return bad(l, i, "'%s' is not a list", key);
  const cJSON *x;
  cJSON_ArrayForEach(x, arr) {
    const char *s = cJSON_GetStringValue(x);
    if (!s || !pt_utf8_valid(s, strlen(s)))
      return bad(l, i, "'%s' holds something that is not a UTF-8 string", key);
    char **p = pt_grow_array(*v, &cap, *n + 1, sizeof *p);
    if (!p || !(p[*n] = strdup(s))) {
      if (p)
        *v = p;
      return pt_error_at(l->err, PT_ENOMEM, l->path, 0, 0, "out of memory");
    }
    *v = p;
    (*n)++;
  }
  return PT_OK;
}

static pt_code read_archive(const loader *l, size_t i, const cJSON *obj, pt_site_archive *a) {
  if (!cJSON_IsObject(obj))
    return bad(l, i, "%s", "not an object");
  pt_code rc = get_string(l, i, obj, K_SLUG, &a->slug);
  if (!rc && !pt_site_slug_valid(a->slug))
    rc = bad(l, i, "'%s' is not a slug (a-z, 0-9 and '-')", K_SLUG);
  if (!rc)
    rc = get_string(l, i, obj, K_TITLE, &a->title);
  if (!rc && !*a->title)
    rc = bad(l, i, "'%s' is empty", K_TITLE);
  if (!rc)
    rc = get_string(l, i, obj, K_SOURCE, &a->source);
  if (!rc)
    rc = get_string(l, i, obj, K_DATE, &a->date);
  if (!rc)
    rc = get_strings(l, i, obj, K_ENVIRONMENTS, &a->environments, &a->nenvironments);
  if (!rc)
    rc = get_strings(l, i, obj, K_MODELS, &a->models, &a->nmodels);
  const cJSON *pens = rc ? NULL : pt_json_get(obj, K_PENALTIES);
  if (!rc && !cJSON_IsArray(pens))
    rc = bad(l, i, "'%s' is not a list", K_PENALTIES);
  size_t cap = 0;
  const cJSON *x;
  cJSON_ArrayForEach(x, pens) {
    if (rc)
      break;
    const cJSON *num = pt_json_get(x, K_MEAN_PENALTY_PCT);
    if (!cJSON_IsObject(x) || !(cJSON_IsNumber(num) || cJSON_IsNull(num)))
      rc = bad(l, i, "'%s' holds an item without a number or null '%s'", K_PENALTIES,
               K_MEAN_PENALTY_PCT);
    pt_site_penalty *p = rc ? NULL : pt_grow_array(a->penalties, &cap, a->npenalties + 1,
                                                     sizeof *p);
    if (!rc && !p)
      rc = pt_error_at(l->err, PT_ENOMEM, l->path, 0, 0, "out of memory");
    if (rc)
      break;
    a->penalties = p;
    p[a->npenalties].pct = cJSON_IsNumber(num) ? num->valuedouble : NAN;
    p[a->npenalties].environment = NULL;
    rc = get_string(l, i, x, K_ENVIRONMENT, &p[a->npenalties].environment);
    a->npenalties++;  /* freed with the archive, complete or not */
  }
  return rc;
}

/* No two archives share a slug, a source or a title. */
static pt_code check_unique(const loader *l, const pt_site_state *st) {
  static const char *const what[] = {K_SLUG, K_SOURCE, K_TITLE};
  pt_code rc = PT_OK;
  for (size_t k = 0; k < 3 && !rc; k++) {
    pt_strtab seen = PT_STRTAB_INIT;
    for (size_t i = 0; i < st->n && !rc; i++) {
      const pt_site_archive *a = &st->archives[i];
      const char *s = k == 0 ? a->slug : k == 1 ? a->source : a->title;
      bool added;
      size_t at;
      if (pt_strtab_intern(&seen, s, strlen(s), &at, &added))
        rc = pt_error_at(l->err, PT_ENOMEM, l->path, 0, 0, "out of memory");
      else if (!added)
        rc = bad(l, i, "its %s \"%s\" is also that of archives[%zu]", what[k], s, at);
    }
    pt_strtab_free(&seen);
  }
  return rc;
}

pt_code pt_site_state_load(const char *site, pt_site_state *st, pt_error *err) {
  char *path = pt_path_join(site, PT_SITE_STATE_FILE);
  if (!path)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  loader l = {path, err};
  pt_code rc = PT_OK;
  cJSON *doc = NULL;
  if (!pt_exists(path))
    goto done;
  pt_error e;
  pt_error_clear(&e);
  if (!(doc = pt_json_read_file(path, PT_SITE_STATE_MAX, &e))) {
    rc = e.code ? e.code : PT_EIO;
    if (err)
      *err = e;
    goto done;
  }
  const char *schema = pt_json_str(doc, K_SCHEMA);
  const cJSON *arr = pt_json_get(doc, K_ARCHIVES);
  if (!schema || strcmp(schema, PT_SITE_STATE_SCHEMA)) {
    rc = bad(&l, (size_t)-1, "'%s' is not \"%s\"", K_SCHEMA, PT_SITE_STATE_SCHEMA);
    goto done;
  }
  if (!cJSON_IsArray(arr)) {
    rc = bad(&l, (size_t)-1, "'%s' is not a list", K_ARCHIVES);
    goto done;
  }
  const cJSON *x;
  cJSON_ArrayForEach(x, arr) {
    pt_site_archive *p = pt_grow_array(st->archives, &st->cap, st->n + 1, sizeof *p);
    if (!p) {
      rc = pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory");
      break;
    }
    st->archives = p;
    memset(&p[st->n], 0, sizeof *p);
    st->n++;  /* freed with the state, complete or not */
    if ((rc = read_archive(&l, st->n - 1, x, &p[st->n - 1])))
      break;
  }
  if (!rc)
    rc = check_unique(&l, st);
done:
  if (rc)
    pt_site_state_free(st);
  cJSON_Delete(doc);
  free(path);
  return rc;
}

/* ------------------------------------------------------------------ save */

static int cmp_slug(const void *a, const void *b) {
  return strcmp(((const pt_site_archive *)a)->slug, ((const pt_site_archive *)b)->slug);
}

static bool add_strings(cJSON *obj, const char *key, char *const *v, size_t n) {
  cJSON *arr = cJSON_AddArrayToObject(obj, key);
  for (size_t i = 0; arr && i < n; i++) {
    cJSON *s = cJSON_CreateString(v[i]);
    if (!s || !cJSON_AddItemToArray(arr, s)) {
      cJSON_Delete(s);
      return false;
    }
  }
  return arr != NULL;
}

pt_code pt_site_state_save(const char *site, pt_site_state *st, pt_error *err) {
  if (st->n > 1)
    qsort(st->archives, st->n, sizeof *st->archives, cmp_slug);
  char *path = pt_path_join(site, PT_SITE_STATE_FILE);
  cJSON *doc = cJSON_CreateObject(), *tool = NULL, *arr = NULL;
  bool ok = path && doc && cJSON_AddStringToObject(doc, K_SCHEMA, PT_SITE_STATE_SCHEMA) &&
            (tool = cJSON_AddObjectToObject(doc, K_TOOL)) &&
            cJSON_AddStringToObject(tool, K_NAME, "ptbench") &&
            cJSON_AddStringToObject(tool, K_VERSION, PTBENCH_VERSION) &&
            (arr = cJSON_AddArrayToObject(doc, K_ARCHIVES));
  for (size_t i = 0; ok && i < st->n; i++) {
    const pt_site_archive *a = &st->archives[i];
    cJSON *o = cJSON_CreateObject(), *pens = NULL;
    ok = o && cJSON_AddItemToArray(arr, o);
    if (!ok) {
      cJSON_Delete(o);
      break;
    }
    ok = cJSON_AddStringToObject(o, K_SLUG, a->slug) &&
         cJSON_AddStringToObject(o, K_TITLE, a->title) &&
         cJSON_AddStringToObject(o, K_SOURCE, a->source) &&
         cJSON_AddStringToObject(o, K_DATE, a->date) &&
         add_strings(o, K_ENVIRONMENTS, a->environments, a->nenvironments) &&
         add_strings(o, K_MODELS, a->models, a->nmodels) &&
         (pens = cJSON_AddArrayToObject(o, K_PENALTIES));
    for (size_t k = 0; ok && k < a->npenalties; k++) {
      cJSON *p = cJSON_CreateObject();
      ok = p && cJSON_AddItemToArray(pens, p);
      if (!ok) {
        cJSON_Delete(p);
        break;
      }
      ok = cJSON_AddStringToObject(p, K_ENVIRONMENT, a->penalties[k].environment) &&
           pt_json_add_num(p, K_MEAN_PENALTY_PCT, a->penalties[k].pct);
    }
  }
  pt_code rc = ok ? pt_json_write_file(path, doc, err)
                  : pt_error_set(err, PT_ENOMEM, "out of memory");
  cJSON_Delete(doc);
  free(path);
  return rc;
}
