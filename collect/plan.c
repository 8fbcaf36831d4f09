/* collect/plan.c - plan and prompt files (libyaml document API), the
 * built-in prompts and the defaults (see collect/plan.h). */
#include "collect/plan.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "core/buf.h"
#include "core/fs.h"
#include "core/json.h"

#define PLAN_MAX ((size_t)1 << 20)

/* Written for ptbench: five kinds of work that stress a model differently
 * (short and long answers, code, reasoning, free text). */
static const pt_prompt builtin[] = {
    {"explain", "Explain in plain words how a refrigerator keeps food cold, for a reader "
                "who has never studied physics."},
    {"code", "Write a C function that reverses a singly linked list in place and returns "
             "the new head. Add a short comment on its complexity."},
    {"summarize",
     "Summarize the following in three sentences: A small town library started lending "
     "tools as well as books. Neighbours borrowed drills, ladders and sewing machines, and "
     "returned them with notes about the projects they had finished. Within a year the "
     "tool shelf had a waiting list, volunteers ran repair evenings, and the library's "
     "visitor count doubled, bringing in people who had not held a library card in "
     "decades."},
    {"reason", "A train leaves at 09:40 and arrives at 13:05, with a 25-minute stop on the "
               "way. How long was it moving? Show each step of your reasoning."},
    {"creative", "Write a short poem of eight lines about a lighthouse keeper on the last "
                 "night before the light is automated."},
};

const pt_prompt *pt_builtin_prompts(size_t *n) {
  *n = sizeof builtin / sizeof builtin[0];
  return builtin;
}

void pt_plan_init(pt_plan *p) {
  memset(p, 0, sizeof *p);
  p->trials = p->warmup = -1;
}

static void free_models(pt_plan *p) {
  for (size_t i = 0; i < p->n_models; i++)
    free(p->models[i]);
  free(p->models);
  p->models = NULL;
  p->n_models = 0;
}

static void free_prompts(pt_prompt *ps, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(ps[i].id);
    free(ps[i].text);
  }
  free(ps);
}

void pt_plan_free(pt_plan *p) {
  if (!p)
    return;
  free(p->source);
  free(p->version);
  free_models(p);
  free_prompts(p->prompts, p->n_prompts);
  free(p->keep_alive);
  cJSON_Delete(p->extra_options);
  pt_plan_init(p);
}

/* ------------------------------------------------------------ YAML walk */

typedef struct yctx {
  yaml_document_t *doc;
  const char *name;
  pt_error *err;
} yctx;

static pt_code fail_at(yctx *y, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static pt_code fail_at(yctx *y, const yaml_node_t *n, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return pt_error_at(y->err, PT_EDATA, y->name, (long)n->start_mark.line + 1,
                     (long)n->start_mark.column + 1, "%s", msg);
}

static yaml_node_t *node(yctx *y, int index) { return yaml_document_get_node(y->doc, index); }

static const char *sval(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

/* A plain ~, null or empty scalar: the key is "not set". */
static bool is_null(const yaml_node_t *n) {
  if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
    return false;
  const char *s = sval(n);
  return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
         !strcmp(s, "NULL");
}

static const char *kind(const yaml_node_t *n) {
  return n->type == YAML_MAPPING_NODE    ? "a mapping"
         : n->type == YAML_SEQUENCE_NODE ? "a list"
                                         : "a scalar";
}

static pt_code get_str(yctx *y, const yaml_node_t *n, const char *key, char **out) {
  if (n->type != YAML_SCALAR_NODE)
    return fail_at(y, n, "'%s' must be a string, not %s", key, kind(n));
  char *s = strdup(sval(n));
  if (!s)
    return pt_error_set(y->err, PT_ENOMEM, "out of memory");
  free(*out);
  *out = s;
  return PT_OK;
}

static pt_code get_int(yctx *y, const yaml_node_t *n, const char *key, int64_t min,
                       int64_t max, int64_t *out) {
  if (n->type != YAML_SCALAR_NODE)
    return fail_at(y, n, "'%s' must be a whole number, not %s", key, kind(n));
  const char *s = sval(n);
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end)
    return fail_at(y, n, "'%s' must be a whole number: \"%s\"", key, s);
  if (v < min || v > max)
    return fail_at(y, n, "'%s' must be between %lld and %lld: %lld", key, (long long)min,
                   (long long)max, v);
  *out = v;
  return PT_OK;
}

static pt_code get_double(yctx *y, const yaml_node_t *n, const char *key, double min,
                          double max, double *out) {
  if (n->type != YAML_SCALAR_NODE)
    return fail_at(y, n, "'%s' must be a number, not %s", key, kind(n));
  const char *s = sval(n);
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !isfinite(v))
    return fail_at(y, n, "'%s' must be a number: \"%s\"", key, s);
  if (v < min || v > max)
    return fail_at(y, n, "'%s' must be between %g and %g: %g", key, min, max, v);
  *out = v;
  return PT_OK;
}

static pt_code get_bool(yctx *y, const yaml_node_t *n, const char *key, bool *out) {
  if (n->type == YAML_SCALAR_NODE) {
    const char *s = sval(n);
    if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on")) {
      *out = true;
      return PT_OK;
    }
    if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off")) {
      *out = false;
      return PT_OK;
    }
  }
  return fail_at(y, n, "'%s' must be true or false", key);
}

/* Go duration ("300ms", "-1.5h", "1h30m") or whole seconds ("600", "-1"). */
static bool valid_keep_alive(const char *s) {
  const char *p = s;
  if (*p == '-' || *p == '+')
    p++;
  if (!*p)
    return false;
  char *end;
  errno = 0;
  strtoll(s, &end, 10);
  if (!errno && !*end)
    return true;
  if (!strcmp(p, "0"))
    return true;
  static const char *const units[] = {"ns", "us", "\xC2\xB5s", "\xCE\xBCs", "ms", "s", "m", "h"};
  while (*p) {
    const char *start = p;
    while (*p >= '0' && *p <= '9')
      p++;
    bool digits = p > start;
    if (*p == '.') {
      p++;
      const char *f = p;
      while (*p >= '0' && *p <= '9')
        p++;
      digits = digits || p > f;
    }
    if (!digits)
      return false;
    size_t best = 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
      size_t n = strlen(units[i]);
      if (!strncmp(p, units[i], n) && n > best)
        best = n;
    }
    if (!best)
      return false;
    p += best;
  }
  return true;
}

cJSON *pt_keep_alive_json(const char *keep_alive) {
  char *end;
  errno = 0;
  long long v = strtoll(keep_alive, &end, 10);
  if (!errno && end != keep_alive && !*end)
    return cJSON_CreateNumber((double)v);
  return cJSON_CreateString(keep_alive);
}

typedef enum { OPT_INT, OPT_NUM, OPT_BOOL, OPT_STRLIST } opt_type;

/* Ollama's runner options besides the four ptbench sets itself. */
static const struct {
  const char *name;
  opt_type type;
} extra_opts[] = {
    {"num_keep", OPT_INT},         {"top_k", OPT_INT},
    {"top_p", OPT_NUM},            {"min_p", OPT_NUM},
    {"typical_p", OPT_NUM},        {"repeat_last_n", OPT_INT},
    {"repeat_penalty", OPT_NUM},   {"presence_penalty", OPT_NUM},
    {"frequency_penalty", OPT_NUM}, {"mirostat", OPT_INT},
    {"mirostat_tau", OPT_NUM},     {"mirostat_eta", OPT_NUM},
    {"penalize_newline", OPT_BOOL}, {"stop", OPT_STRLIST},
    {"numa", OPT_BOOL},            {"num_batch", OPT_INT},
    {"num_gpu", OPT_INT},          {"main_gpu", OPT_INT},
    {"use_mmap", OPT_BOOL},        {"use_mlock", OPT_BOOL},
    {"low_vram", OPT_BOOL},        {"num_thread", OPT_INT},
};

static pt_code add_extra(yctx *y, pt_plan *p, const yaml_node_t *k, const yaml_node_t *v) {
  const char *key = sval(k);
  size_t i, n = sizeof extra_opts / sizeof extra_opts[0];
  for (i = 0; i < n; i++)
    if (!strcmp(key, extra_opts[i].name))
      break;
  if (i == n)
    return fail_at(y, k, "unknown option '%s' (see docs/collect.md for the options a plan "
                         "may set)", key);
  if (!p->extra_options && !(p->extra_options = cJSON_CreateObject()))
    return pt_error_set(y->err, PT_ENOMEM, "out of memory");
  cJSON *item = NULL;
  pt_code rc = PT_OK;
  switch (extra_opts[i].type) {
  case OPT_INT: {
    int64_t x;
    if (!(rc = get_int(y, v, key, -(INT64_C(1) << 53), INT64_C(1) << 53, &x)))
      item = cJSON_CreateNumber((double)x);
    break;
  }
  case OPT_NUM: {
    double x;
    if (!(rc = get_double(y, v, key, -1e300, 1e300, &x)))
      item = cJSON_CreateNumber(x);
    break;
  }
  case OPT_BOOL: {
    bool x = false;
    if (!(rc = get_bool(y, v, key, &x)))
      item = cJSON_CreateBool(x);
    break;
  }
  case OPT_STRLIST:
    if (v->type != YAML_SEQUENCE_NODE)
      return fail_at(y, v, "'%s' must be a list of strings", key);
    item = cJSON_CreateArray();
    for (yaml_node_item_t *it = v->data.sequence.items.start;
         item && it < v->data.sequence.items.top; it++) {
      yaml_node_t *s = node(y, *it);
      if (s->type != YAML_SCALAR_NODE) {
        cJSON_Delete(item);
        return fail_at(y, s, "'%s' must be a list of strings", key);
      }
      cJSON *str = cJSON_CreateString(sval(s));
      if (!str) {
        cJSON_Delete(item);
        item = NULL;
        break;
      }
      cJSON_AddItemToArray(item, str);
    }
    break;
  }
  if (rc)
    return rc;
  if (!item)
    return pt_error_set(y->err, PT_ENOMEM, "out of memory");
  cJSON_DeleteItemFromObjectCaseSensitive(p->extra_options, key);
  cJSON_AddItemToObject(p->extra_options, key, item);
  return PT_OK;
}

static pt_code parse_options(yctx *y, const yaml_node_t *m, pt_plan *p) {
  if (m->type != YAML_MAPPING_NODE)
    return fail_at(y, m, "'options' must be a mapping, not %s", kind(m));
  for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
       pr++) {
    yaml_node_t *k = node(y, pr->key), *v = node(y, pr->value);
    if (k->type != YAML_SCALAR_NODE)
      return fail_at(y, k, "option names must be strings");
    const char *key = sval(k);
    pt_code rc = PT_OK;
    if (is_null(v))
      continue;
    if (!strcmp(key, "seed")) {
      rc = get_int(y, v, key, INT64_MIN, INT64_MAX, &p->seed);
      p->has_seed = !rc;
    } else if (!strcmp(key, "temperature")) {
      rc = get_double(y, v, key, 0, 100, &p->temperature);
      p->has_temperature = !rc;
    } else if (!strcmp(key, "num_predict")) {
      rc = get_int(y, v, key, 1, INT32_MAX, &p->num_predict);
      p->has_num_predict = !rc;
    } else if (!strcmp(key, "num_ctx")) {
      rc = get_int(y, v, key, 1, INT32_MAX, &p->num_ctx);
      p->has_num_ctx = !rc;
    } else {
      rc = add_extra(y, p, k, v);
    }
    if (rc)
      return rc;
  }
  return PT_OK;
}

static pt_code parse_models(yctx *y, const yaml_node_t *s, pt_plan *p) {
  if (s->type != YAML_SEQUENCE_NODE)
    return fail_at(y, s, "'models' must be a list, not %s", kind(s));
  size_t n = (size_t)(s->data.sequence.items.top - s->data.sequence.items.start);
  free_models(p);
  if (n == 0)
    return fail_at(y, s, "'models' is an empty list");
  if (!(p->models = calloc(n, sizeof *p->models)))
    return pt_error_set(y->err, PT_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    yaml_node_t *it = node(y, s->data.sequence.items.start[i]), *name = NULL;
    if (it->type == YAML_SCALAR_NODE) {
      name = it;
    } else if (it->type == YAML_MAPPING_NODE) {
      for (yaml_node_pair_t *pr = it->data.mapping.pairs.start;
           pr < it->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node(y, pr->key);
        if (k->type != YAML_SCALAR_NODE || strcmp(sval(k), "model"))
          return fail_at(y, k, "unknown key '%s' in a model entry (expected 'model')",
                         k->type == YAML_SCALAR_NODE ? sval(k) : "?");
        name = node(y, pr->value);
      }
      if (!name)
        return fail_at(y, it, "model entry without 'model'");
    } else {
      return fail_at(y, it, "a model entry must be '- model: NAME', not %s", kind(it));
    }
    if (name->type != YAML_SCALAR_NODE || !*sval(name))
      return fail_at(y, name, "'model' must be a model name");
    for (size_t j = 0; j < p->n_models; j++)
      if (!strcmp(p->models[j], sval(name)))
        return fail_at(y, name, "model '%s' is listed twice", sval(name));
    if (!(p->models[p->n_models] = strdup(sval(name))))
      return pt_error_set(y->err, PT_ENOMEM, "out of memory");
    p->n_models++;
  }
  return PT_OK;
}

static bool valid_id(const char *s) {
  if (!*s)
    return false;
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f)
      return false;
  return true;
}

/* A list of {id, text} or of strings (named p1, p2, ...). */
static pt_code parse_prompts(yctx *y, const yaml_node_t *s, pt_plan *p) {
  if (s->type != YAML_SEQUENCE_NODE)
    return fail_at(y, s, "'prompts' must be a list, not %s", kind(s));
  size_t n = (size_t)(s->data.sequence.items.top - s->data.sequence.items.start);
  if (n == 0)
    return fail_at(y, s, "'prompts' is an empty list");
  pt_prompt *ps = calloc(n, sizeof *ps);
  if (!ps)
    return pt_error_set(y->err, PT_ENOMEM, "out of memory");
  pt_code rc = PT_OK;
  size_t i;
  for (i = 0; !rc && i < n; i++) {
    yaml_node_t *it = node(y, s->data.sequence.items.start[i]);
    const yaml_node_t *idn = NULL, *textn = NULL;
    if (it->type == YAML_SCALAR_NODE) {
      textn = it;
    } else if (it->type == YAML_MAPPING_NODE) {
      for (yaml_node_pair_t *pr = it->data.mapping.pairs.start;
           !rc && pr < it->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node(y, pr->key);
        const char *key = k->type == YAML_SCALAR_NODE ? sval(k) : "?";
        if (!strcmp(key, "id"))
          idn = node(y, pr->value);
        else if (!strcmp(key, "text"))
          textn = node(y, pr->value);
        else
          rc = fail_at(y, k, "unknown key '%s' in a prompt (expected 'id' and 'text')", key);
      }
      if (!rc && !textn)
        rc = fail_at(y, it, "prompt without 'text'");
    } else {
      rc = fail_at(y, it, "a prompt must be a string or {id, text}, not %s", kind(it));
    }
    if (rc)
      break;
    if (idn) {
      if ((rc = get_str(y, idn, "id", &ps[i].id)))
        break;
      if (!valid_id(ps[i].id)) {
        rc = fail_at(y, idn, "'id' must be a non-empty single-line string");
        break;
      }
    } else {
      char id[32];
      snprintf(id, sizeof id, "p%zu", i + 1);
      if (!(ps[i].id = strdup(id))) {
        rc = pt_error_set(y->err, PT_ENOMEM, "out of memory");
        break;
      }
    }
    if ((rc = get_str(y, textn, "text", &ps[i].text)))
      break;
    if (!ps[i].text[0]) {
      rc = fail_at(y, textn, "prompt '%s' has an empty text", ps[i].id);
      break;
    }
    for (size_t j = 0; j < i; j++)
      if (!strcmp(ps[j].id, ps[i].id)) {
        rc = fail_at(y, idn ? idn : textn, "prompt id '%s' is used twice", ps[i].id);
        break;
      }
  }
  if (rc) {
    free_prompts(ps, n);
    return rc;
  }
  free_prompts(p->prompts, p->n_prompts);
  p->prompts = ps;
  p->n_prompts = n;
  return PT_OK;
}

static pt_code parse_root(yctx *y, const yaml_node_t *root, pt_plan *p) {
  if (root->type != YAML_MAPPING_NODE)
    return fail_at(y, root, "a plan must be a mapping (keys: version, models, prompts, "
                            "trials, warmup, options, keep_alive), not %s", kind(root));
  for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
       pr < root->data.mapping.pairs.top; pr++) {
    yaml_node_t *k = node(y, pr->key), *v = node(y, pr->value);
    if (k->type != YAML_SCALAR_NODE)
      return fail_at(y, k, "keys must be strings");
    const char *key = sval(k);
    pt_code rc = PT_OK;
    int64_t x;
    static const char *const known[] = {"version", "models", "prompts", "trials",
                                        "warmup", "options", "keep_alive"};
    size_t i, nk = sizeof known / sizeof known[0];
    for (i = 0; i < nk && strcmp(key, known[i]); i++)
      ;
    if (i == nk)
      return fail_at(y, k, "unknown key '%s' (expected version, models, prompts, trials, "
                           "warmup, options, keep_alive)", key);
    if (is_null(v))
      continue;
    if (!strcmp(key, "version")) {
      rc = get_str(y, v, key, &p->version);
    } else if (!strcmp(key, "models")) {
      rc = parse_models(y, v, p);
    } else if (!strcmp(key, "prompts")) {
      rc = parse_prompts(y, v, p);
    } else if (!strcmp(key, "trials")) {
      if (!(rc = get_int(y, v, key, 1, 100000, &x)))
        p->trials = (long)x;
    } else if (!strcmp(key, "warmup")) {
      if (!(rc = get_int(y, v, key, 0, 1000, &x)))
        p->warmup = (long)x;
    } else if (!strcmp(key, "options")) {
      rc = parse_options(y, v, p);
    } else if (!strcmp(key, "keep_alive")) {
      if (!(rc = get_str(y, v, key, &p->keep_alive)) && !valid_keep_alive(p->keep_alive))
        rc = fail_at(y, v, "'keep_alive' must be seconds or a duration like 5m or 1h30m: "
                           "\"%s\"", p->keep_alive);
    }
    if (rc)
      return rc;
  }
  return PT_OK;
}

/* Load the first YAML document of data; on success *root may be NULL (an
 * empty document). */
static pt_code load_yaml(const char *data, size_t len, const char *name,
                         yaml_document_t *doc, pt_error *err) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
  pt_code rc = PT_OK;
  if (!yaml_parser_load(&parser, doc)) {
    if (parser.error == YAML_MEMORY_ERROR)
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    else
      rc = pt_error_at(err, PT_EPARSE, name, (long)parser.problem_mark.line + 1,
                       (long)parser.problem_mark.column + 1, "invalid YAML: %s%s%s",
                       parser.problem ? parser.problem : "syntax error",
                       parser.context ? " " : "", parser.context ? parser.context : "");
  }
  yaml_parser_delete(&parser);
  return rc;
}

pt_code pt_plan_parse(const char *data, size_t len, const char *name, pt_plan *p,
                      pt_error *err) {
  yaml_document_t doc;
  pt_code rc = load_yaml(data, len, name, &doc, err);
  if (rc)
    return rc;
  yctx y = {&doc, name, err};
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  if (!root)
    rc = pt_error_at(err, PT_EDATA, name, 0, 0, "empty plan: expected 'models:' with a list "
                                               "of '- model: NAME'");
  else
    rc = parse_root(&y, root, p);
  yaml_document_delete(&doc);
  if (rc)
    pt_plan_free(p);
  return rc;
}

pt_code pt_plan_read(const char *path, pt_plan *p, pt_error *err) {
  pt_buf b = PT_BUF_INIT;
  pt_code rc = pt_read_file(path, PLAN_MAX, &b, err);
  if (!rc)
    rc = pt_plan_parse(b.data, b.len, path, p, err);
  pt_buf_free(&b);
  if (!rc && !(p->source = strdup(path)))
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  return rc;
}

static bool has_suffix(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && !strcasecmp(s + n - m, suf);
}

static pt_code prompts_yaml(const pt_buf *b, const char *path, pt_plan *p, pt_error *err) {
  yaml_document_t doc;
  pt_code rc = load_yaml(b->data, b->len, path, &doc, err);
  if (rc)
    return rc;
  yctx y = {&doc, path, err};
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  if (!root)
    rc = pt_error_at(err, PT_EDATA, path, 0, 0, "no prompts: expected a list of {id, text}");
  else
    rc = parse_prompts(&y, root, p);
  yaml_document_delete(&doc);
  return rc;
}

static pt_code prompts_lines(const pt_buf *b, const char *path, pt_plan *p, pt_error *err) {
  size_t cap = 0, n = 0;
  pt_prompt *ps = NULL;
  const char *s = b->data, *end = b->data + b->len;
  long line = 0;
  pt_code rc = PT_OK;
  if (b->len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
    s += 3;
  while (!rc && s < end) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *e = nl ? nl : end;
    line++;
    const char *a = s, *z = e;
    while (a < z && (*a == ' ' || *a == '\t'))
      a++;
    while (z > a && (z[-1] == ' ' || z[-1] == '\t' || z[-1] == '\r'))
      z--;
    s = nl ? nl + 1 : end;
    if (a == z || *a == '#')
      continue;
    if (memchr(a, '\0', (size_t)(z - a))) {
      rc = pt_error_at(err, PT_EDATA, path, line, 0, "NUL byte in a prompt");
      break;
    }
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 8;
      pt_prompt *t = realloc(ps, nc * sizeof *t);
      if (!t) {
        rc = pt_error_set(err, PT_ENOMEM, "out of memory");
        break;
      }
      ps = t;
      cap = nc;
    }
    char id[32];
    snprintf(id, sizeof id, "p%zu", n + 1);
    ps[n].id = strdup(id);
    ps[n].text = strndup(a, (size_t)(z - a));
    n++;
    if (!ps[n - 1].id || !ps[n - 1].text)
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  if (!rc && n == 0)
    rc = pt_error_at(err, PT_EDATA, path, 0, 0, "no prompts in the file (one per line)");
  if (rc) {
    free_prompts(ps, n);
    return rc;
  }
  free_prompts(p->prompts, p->n_prompts);
  p->prompts = ps;
  p->n_prompts = n;
  return PT_OK;
}

pt_code pt_prompts_read(const char *path, pt_plan *p, pt_error *err) {
  pt_buf b = PT_BUF_INIT;
  pt_code rc = pt_read_file(path, PLAN_MAX, &b, err);
  if (!rc)
    rc = has_suffix(path, ".yml") || has_suffix(path, ".yaml")
             ? prompts_yaml(&b, path, p, err)
             : prompts_lines(&b, path, p, err);
  pt_buf_free(&b);
  return rc;
}

pt_code pt_plan_set_models(pt_plan *p, const char *const *models, size_t n, pt_error *err) {
  char **m = calloc(n ? n : 1, sizeof *m);
  if (!m)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    if (!*models[i]) {
      for (size_t j = 0; j < i; j++)
        free(m[j]);
      free(m);
      return pt_error_set(err, PT_EUSAGE, "empty model name");
    }
    if (!(m[i] = strdup(models[i]))) {
      for (size_t j = 0; j < i; j++)
        free(m[j]);
      free(m);
      return pt_error_set(err, PT_ENOMEM, "out of memory");
    }
  }
  free_models(p);
  p->models = m;
  p->n_models = n;
  return PT_OK;
}

pt_code pt_plan_set_keep_alive(pt_plan *p, const char *keep_alive, pt_error *err) {
  if (!valid_keep_alive(keep_alive))
    return pt_error_set(err, PT_EUSAGE,
                        "keep-alive must be seconds or a duration like 5m or 1h30m: '%s'",
                        keep_alive);
  char *s = strdup(keep_alive);
  if (!s)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  free(p->keep_alive);
  p->keep_alive = s;
  return PT_OK;
}

pt_code pt_plan_finish(pt_plan *p, pt_error *err) {
  if (p->n_models == 0)
    return pt_error_set(err, PT_EUSAGE, "no models to run: give --model NAME or a plan "
                                        "file with 'models:'");
  for (size_t i = 0; i < p->n_models; i++)
    for (size_t j = 0; j < i; j++)
      if (!strcmp(p->models[i], p->models[j]))
        return pt_error_set(err, PT_EUSAGE, "model '%s' is given twice", p->models[i]);
  if (p->trials < 0)
    p->trials = PT_DEFAULT_TRIALS;
  if (p->warmup < 0)
    p->warmup = PT_DEFAULT_WARMUP;
  if (p->trials < 1 || p->trials > 100000)
    return pt_error_set(err, PT_EUSAGE, "trials must be between 1 and 100000: %ld", p->trials);
  if (p->warmup > 1000)
    return pt_error_set(err, PT_EUSAGE, "warm-ups must be between 0 and 1000: %ld", p->warmup);
  if (!p->has_seed) {
    p->seed = PT_DEFAULT_SEED;
    p->has_seed = true;
  }
  if (!p->has_temperature) {
    p->temperature = PT_DEFAULT_TEMPERATURE;
    p->has_temperature = true;
  }
  if (!p->has_num_predict) {
    p->num_predict = PT_DEFAULT_NUM_PREDICT;
    p->has_num_predict = true;
  }
  if (!p->has_num_ctx) {
    p->num_ctx = PT_DEFAULT_NUM_CTX;
    p->has_num_ctx = true;
  }
  if (!isfinite(p->temperature) || p->temperature < 0)
    return pt_error_set(err, PT_EUSAGE, "temperature must be 0 or more");
  if (p->num_predict < 1 || p->num_ctx < 1)
    return pt_error_set(err, PT_EUSAGE, "num-predict and num-ctx must be 1 or more");
  if (!p->keep_alive && !(p->keep_alive = strdup(PT_DEFAULT_KEEP_ALIVE)))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  if (p->n_prompts == 0) {
    size_t n;
    const pt_prompt *b = pt_builtin_prompts(&n);
    if (!(p->prompts = calloc(n, sizeof *p->prompts)))
      return pt_error_set(err, PT_ENOMEM, "out of memory");
    p->n_prompts = n;
    for (size_t i = 0; i < n; i++)
      if (!(p->prompts[i].id = strdup(b[i].id)) || !(p->prompts[i].text = strdup(b[i].text)))
        return pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  return PT_OK;
}

cJSON *pt_plan_options_json(const pt_plan *p) {
  cJSON *o = p->extra_options ? cJSON_Duplicate(p->extra_options, 1) : cJSON_CreateObject();
  if (!o)
    return NULL;
  bool ok = true;
  if (p->has_seed)
    ok = ok && cJSON_AddNumberToObject(o, "seed", (double)p->seed);
  if (p->has_temperature)
    ok = ok && cJSON_AddNumberToObject(o, "temperature", p->temperature);
  if (p->has_num_predict)
    ok = ok && cJSON_AddNumberToObject(o, "num_predict", (double)p->num_predict);
  if (p->has_num_ctx)
    ok = ok && cJSON_AddNumberToObject(o, "num_ctx", (double)p->num_ctx);
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

cJSON *pt_plan_to_json(const pt_plan *p) {
  cJSON *o = cJSON_CreateObject();
  bool ok = o && pt_json_add_str(o, "source", p->source) &&
            pt_json_add_str(o, "version", p->version);
  cJSON *models = ok ? cJSON_AddArrayToObject(o, "models") : NULL;
  cJSON *prompts = cJSON_CreateArray();
  ok = ok && models && prompts;
  for (size_t i = 0; ok && i < p->n_models; i++) {
    cJSON *s = cJSON_CreateString(p->models[i]);
    ok = s && cJSON_AddItemToArray(models, s);
  }
  for (size_t i = 0; ok && i < p->n_prompts; i++) {
    cJSON *pr = cJSON_CreateObject();
    ok = pr && cJSON_AddItemToArray(prompts, pr) &&
         cJSON_AddStringToObject(pr, "id", p->prompts[i].id) &&
         cJSON_AddStringToObject(pr, "text", p->prompts[i].text);
  }
  if (ok)
    ok = cJSON_AddItemToObject(o, "prompts", prompts);
  else
    cJSON_Delete(prompts);
  ok = ok && cJSON_AddNumberToObject(o, "trials", (double)p->trials) &&
       cJSON_AddNumberToObject(o, "warmup", (double)p->warmup);
  cJSON *opts = ok ? pt_plan_options_json(p) : NULL;
  ok = opts && cJSON_AddItemToObject(o, "options", opts);
  if (!ok && opts && !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(o, "options")))
    cJSON_Delete(opts);
  if (ok && p->keep_alive) {
    cJSON *ka = pt_keep_alive_json(p->keep_alive);
    if (!ka || !cJSON_AddItemToObject(o, "keep_alive", ka)) {
      cJSON_Delete(ka);
      ok = false;
    }
  }
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}
