/* collect/plan.c - plan and prompt files (YAML through libyaml's event
 * API, into a bounded tree), the built-in prompts and the defaults (see
 * collect/plan.h). */
#include "collect/plan.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "core/buf.h"
#include "core/fs.h"
#include "core/hash.h"
#include "core/json.h"

#define PLAN_MAX PT_PLAN_MAX_BYTES

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

/* ------------------------------------------------------------ YAML tree */

/* A plan's YAML is built into this small tree from libyaml's events
 * (yaml_parser_parse), not with its document loader, so that its limits hold
 * while it is parsed: nesting deeper than PT_PLAN_MAX_DEPTH stops the parser
 * at once (libyaml's own time grows with the square of the depth), and an
 * alias shares its anchor's node instead of copying it, each alias charging
 * the anchor's expanded size to the document's, which may not pass
 * PT_PLAN_MAX_EXPANDED. A scalar holding a NUL (the escape "\0") is refused,
 * so every value is a whole C string. */

typedef enum { Y_SCALAR, Y_SEQ, Y_MAP } ytype;

typedef struct ynode {
  ytype type;
  bool plain;              /* scalar written plain (not quoted, not a block) */
  char *value;             /* scalar: NUL-terminated, holds no NUL */
  struct ynode **kids;     /* list items, or mapping keys and values in turn */
  size_t n, cap;           /* kids used and allocated */
  long line, column;       /* 1-based start */
  size_t weight;           /* size with aliases expanded: 1 + bytes, or 1 +
                              the kids' weights */
  struct ynode *next;      /* every node of a document, for freeing */
} ynode;

typedef struct ydoc {
  ynode *root;             /* NULL for an empty stream */
  ynode *all;              /* every node, linked through ->next */
  pt_strtab anchors;       /* anchor names (core/hash.h: no hash flooding) */
  ynode **anchored;        /* the node of each, indexed alike */
  size_t capanchored;
  size_t expanded;         /* weight of everything seen so far */
} ydoc;

static void ydoc_free(ydoc *d) {
  for (ynode *n = d->all, *next; n; n = next) {
    next = n->next;
    free(n->value);
    free(n->kids);
    free(n);
  }
  pt_strtab_free(&d->anchors);
  free(d->anchored);
  memset(d, 0, sizeof *d);
}

static ynode *anchor_find(const ydoc *d, const char *name) {
  ptrdiff_t i = pt_strtab_find(&d->anchors, name, strlen(name));
  return i < 0 ? NULL : d->anchored[i];
}

/* name -> node; a later anchor of the same name replaces the earlier one, as
 * YAML says an alias names the closest anchor before it. */
static pt_code anchor_set(ydoc *d, const char *name, ynode *node) {
  /* room for a new name first, so that every name in the table has a node */
  ynode **a = pt_grow_array(d->anchored, &d->capanchored, pt_strtab_count(&d->anchors) + 1,
                            sizeof *a);
  if (!a)
    return PT_ENOMEM;
  d->anchored = a;
  size_t i;
  if (pt_strtab_intern(&d->anchors, name, strlen(name), &i, NULL))
    return PT_ENOMEM;
  d->anchored[i] = node;
  return PT_OK;
}

typedef struct builder {
  ydoc *doc;
  const char *name;        /* for messages */
  pt_error *err;
  ynode *open[PT_PLAN_MAX_DEPTH];     /* lists and mappings not yet closed */
  char *open_anchor[PT_PLAN_MAX_DEPTH];
  size_t depth;
} builder;

/* A plan's data error at line:column (1-based), for the builder and the walk. */
static pt_code vfail(pt_error *err, const char *name, long line, long column, const char *fmt,
                     va_list ap) __attribute__((format(printf, 5, 0)));
static pt_code vfail(pt_error *err, const char *name, long line, long column, const char *fmt,
                     va_list ap) {
  char msg[768];
  vsnprintf(msg, sizeof msg, fmt, ap);
  return pt_error_at(err, PT_EDATA, name, line, column, "%s", msg);
}

static pt_code build_fail(builder *b, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static pt_code build_fail(builder *b, const yaml_mark_t *m, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pt_code rc = vfail(b->err, b->name, (long)m->line + 1, (long)m->column + 1, fmt, ap);
  va_end(ap);
  return rc;
}

static pt_code build_nomem(builder *b) { return pt_error_set(b->err, PT_ENOMEM, "out of memory"); }

/* Add amount to the document's expanded size. */
static pt_code charge(builder *b, size_t amount, const yaml_mark_t *m) {
  b->doc->expanded += amount;
  if (b->doc->expanded <= PT_PLAN_MAX_EXPANDED)
    return PT_OK;
  return build_fail(b, m, "the plan expands to more than %zu bytes through its aliases "
                          "(each *alias repeats what its &anchor holds; see docs/collect.md)",
                    (size_t)PT_PLAN_MAX_EXPANDED);
}

/* Hand node (new, or an anchor's for an alias) to the list or mapping
 * being built, or make it the root. */
static pt_code attach(builder *b, ynode *node) {
  if (!b->depth) {
    if (!b->doc->root)
      b->doc->root = node;
    return PT_OK;
  }
  ynode *parent = b->open[b->depth - 1];
  ynode **kids = pt_grow_array(parent->kids, &parent->cap, parent->n + 1, sizeof *kids);
  if (!kids)
    return build_nomem(b);
  parent->kids = kids;
  parent->kids[parent->n++] = node;
  return PT_OK;
}

static ynode *new_node(builder *b, ytype type, const yaml_mark_t *m) {
  ynode *n = calloc(1, sizeof *n);
  if (!n)
    return NULL;
  n->type = type;
  n->line = (long)m->line + 1;
  n->column = (long)m->column + 1;
  n->weight = 1;
  n->next = b->doc->all;
  b->doc->all = n;
  return n;
}

static pt_code on_event(builder *b, const yaml_event_t *ev, bool *done) {
  const yaml_mark_t *m = &ev->start_mark;
  pt_code rc = PT_OK;
  ynode *n;
  switch (ev->type) {
  case YAML_DOCUMENT_END_EVENT:
  case YAML_STREAM_END_EVENT:
    *done = true;  /* the first document is the plan */
    break;
  case YAML_ALIAS_EVENT: {
    const char *a = (const char *)ev->data.alias.anchor;
    if (!(n = anchor_find(b->doc, a)))
      return build_fail(b, m, "alias '*%s' names no anchor: an &%s must come before it, "
                              "outside what it names", a, a);
    if (!(rc = charge(b, n->weight, m)))
      rc = attach(b, n);
    break;
  }
  case YAML_SCALAR_EVENT: {
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (memchr(v, '\0', len))
      return build_fail(b, m, "a NUL character (\\0) in a string: strings may not hold one");
    if ((rc = charge(b, 1 + len, m)))
      break;
    if (!(n = new_node(b, Y_SCALAR, m)) || !(n->value = strndup(v, len)))
      return build_nomem(b);
    n->weight = 1 + len;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (!(rc = attach(b, n)) && ev->data.scalar.anchor &&
        anchor_set(b->doc, (const char *)ev->data.scalar.anchor, n))
      rc = build_nomem(b);
    break;
  }
  case YAML_SEQUENCE_START_EVENT:
  case YAML_MAPPING_START_EVENT: {
    if (b->depth == PT_PLAN_MAX_DEPTH)
      return build_fail(b, m, "lists and mappings nested more than %d deep",
                        PT_PLAN_MAX_DEPTH);
    const yaml_char_t *anchor = ev->type == YAML_SEQUENCE_START_EVENT
                                    ? ev->data.sequence_start.anchor
                                    : ev->data.mapping_start.anchor;
    if ((rc = charge(b, 1, m)))
      break;
    if (!(n = new_node(b, ev->type == YAML_SEQUENCE_START_EVENT ? Y_SEQ : Y_MAP, m)))
      return build_nomem(b);
    if ((rc = attach(b, n)))
      break;
    char *a = anchor ? strdup((const char *)anchor) : NULL;
    if (anchor && !a)
      return build_nomem(b);
    b->open_anchor[b->depth] = a;
    b->open[b->depth++] = n;
    break;
  }
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT: {
    n = b->open[--b->depth];
    char *a = b->open_anchor[b->depth];
    b->open_anchor[b->depth] = NULL;
    for (size_t i = 0; i < n->n; i++)
      n->weight += n->kids[i]->weight;  /* <= expanded: no overflow */
    /* an anchor names its node once it is whole: an alias inside it is an
     * error (no recursive plans) */
    if (a && anchor_set(b->doc, a, n))
      rc = build_nomem(b);
    free(a);
    break;
  }
  default:
    break;
  }
  return rc;
}

/* libyaml's reader (bad UTF-8, a control character) gives a byte offset,
 * not a mark: turn it into line and column. */
static pt_code reader_error(const yaml_parser_t *parser, const char *data, size_t len,
                            const char *name, pt_error *err) {
  size_t at = parser->problem_offset < len ? parser->problem_offset : len;
  long line = 1, col = 1;
  for (size_t i = 0; i < at; i++) {
    if (data[i] == '\n') {
      line++;
      col = 1;
    } else if (((unsigned char)data[i] & 0xc0) != 0x80) {
      col++;  /* columns in characters, as libyaml's marks count them */
    }
  }
  if (parser->problem_value >= 0)
    return pt_error_at(err, PT_EPARSE, name, line, col,
                       "invalid YAML: %s (U+%04X, at byte offset %zu)",
                       parser->problem ? parser->problem : "unreadable input",
                       (unsigned)parser->problem_value, at);
  return pt_error_at(err, PT_EPARSE, name, line, col, "invalid YAML: %s (at byte offset %zu)",
                     parser->problem ? parser->problem : "unreadable input", at);
}

/* Build the first YAML document of data into doc (doc->root NULL for an
 * empty stream). PT_EPARSE for what libyaml refuses, PT_EDATA for the
 * limits, PT_ENOMEM. */
static pt_code load_yaml(const char *data, size_t len, const char *name, ydoc *doc,
                         pt_error *err) {
  memset(doc, 0, sizeof *doc);
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
  builder b;
  memset(&b, 0, sizeof b);
  b.doc = doc;
  b.name = name;
  b.err = err;
  pt_code rc = PT_OK;
  for (bool done = false; !done && !rc;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      if (parser.error == YAML_MEMORY_ERROR)
        rc = pt_error_set(err, PT_ENOMEM, "out of memory");
      else if (parser.error == YAML_READER_ERROR)
        rc = reader_error(&parser, data, len, name, err);
      else
        rc = pt_error_at(err, PT_EPARSE, name, (long)parser.problem_mark.line + 1,
                         (long)parser.problem_mark.column + 1, "invalid YAML: %s%s%s",
                         parser.problem ? parser.problem : "syntax error",
                         parser.context ? " " : "", parser.context ? parser.context : "");
      break;
    }
    rc = on_event(&b, &ev, &done);
    yaml_event_delete(&ev);
  }
  for (size_t i = 0; i < b.depth; i++)
    free(b.open_anchor[i]);
  yaml_parser_delete(&parser);
  if (rc)
    ydoc_free(doc);
  return rc;
}

/* ------------------------------------------------------------ YAML walk */

typedef struct yctx {
  const char *name;
  pt_error *err;
} yctx;

static pt_code fail_at(yctx *y, const ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static pt_code fail_at(yctx *y, const ynode *n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pt_code rc = vfail(y->err, y->name, n->line, n->column, fmt, ap);
  va_end(ap);
  return rc;
}

static pt_code nomem(yctx *y) { return pt_error_set(y->err, PT_ENOMEM, "out of memory"); }

/* A plain ~, null or empty scalar: the key is "not set". */
static bool is_null(const ynode *n) {
  if (n->type != Y_SCALAR || !n->plain)
    return false;
  const char *s = n->value;
  return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
         !strcmp(s, "NULL");
}

static const char *kind(const ynode *n) {
  return n->type == Y_MAP ? "a mapping" : n->type == Y_SEQ ? "a list" : "a scalar";
}

/* The key of a mapping's pair as a string, "?" when it is not a scalar. */
static const char *key_str(const ynode *k) { return k->type == Y_SCALAR ? k->value : "?"; }

static pt_code get_str(yctx *y, const ynode *n, const char *key, char **out) {
  if (n->type != Y_SCALAR)
    return fail_at(y, n, "'%s' must be a string, not %s", key, kind(n));
  char *s = strdup(n->value);
  if (!s)
    return nomem(y);
  free(*out);
  *out = s;
  return PT_OK;
}

static pt_code get_int(yctx *y, const ynode *n, const char *key, int64_t min, int64_t max,
                       int64_t *out) {
  if (n->type != Y_SCALAR)
    return fail_at(y, n, "'%s' must be a whole number, not %s", key, kind(n));
  const char *s = n->value;
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

static pt_code get_double(yctx *y, const ynode *n, const char *key, double min, double max,
                          double *out) {
  if (n->type != Y_SCALAR)
    return fail_at(y, n, "'%s' must be a number, not %s", key, kind(n));
  const char *s = n->value;
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

static pt_code get_bool(yctx *y, const ynode *n, const char *key, bool *out) {
  if (n->type == Y_SCALAR) {
    const char *s = n->value;
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

/* The index of the first of names[0..n) that repeats an earlier one, or n
 * when none does; O(n log n), so a plan of a million names stays quick. */
typedef struct named {
  const char *s;
  size_t i;
} named;

static int cmp_named(const void *pa, const void *pb) {
  const named *a = pa, *b = pb;
  int c = strcmp(a->s, b->s);
  return c ? c : (a->i > b->i) - (a->i < b->i);
}

static pt_code first_repeat(const char *const *names, size_t n, size_t *at) {
  *at = n;
  if (n < 2)
    return PT_OK;
  named *v = calloc(n, sizeof *v);
  if (!v)
    return PT_ENOMEM;
  for (size_t i = 0; i < n; i++)
    v[i] = (named){names[i], i};
  qsort(v, n, sizeof *v, cmp_named);
  /* in a run of equal names sorted by position, the second is the first
   * repeat of that name */
  for (size_t i = 1; i < n; i++)
    if (!strcmp(v[i].s, v[i - 1].s) && (i < 2 || strcmp(v[i - 1].s, v[i - 2].s)) &&
        v[i].i < *at)
      *at = v[i].i;
  free(v);
  return PT_OK;
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

static pt_code add_extra(yctx *y, pt_plan *p, const ynode *k, const ynode *v) {
  const char *key = k->value;
  size_t i, n = sizeof extra_opts / sizeof extra_opts[0];
  for (i = 0; i < n; i++)
    if (!strcmp(key, extra_opts[i].name))
      break;
  if (i == n)
    return fail_at(y, k, "unknown option '%s' (see docs/collect.md for the options a plan "
                         "may set)", key);
  if (!p->extra_options && !(p->extra_options = cJSON_CreateObject()))
    return nomem(y);
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
    if (v->type != Y_SEQ)
      return fail_at(y, v, "'%s' must be a list of strings", key);
    item = cJSON_CreateArray();
    for (size_t j = 0; item && j < v->n; j++) {
      const ynode *s = v->kids[j];
      if (s->type != Y_SCALAR) {
        cJSON_Delete(item);
        return fail_at(y, s, "'%s' must be a list of strings", key);
      }
      cJSON *str = cJSON_CreateString(s->value);
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
    return nomem(y);
  cJSON_DeleteItemFromObjectCaseSensitive(p->extra_options, key);
  if (!cJSON_AddItemToObject(p->extra_options, key, item)) {
    cJSON_Delete(item);  /* the key's copy failed: the item is still ours */
    return nomem(y);
  }
  return PT_OK;
}

static pt_code parse_options(yctx *y, const ynode *m, pt_plan *p) {
  if (m->type != Y_MAP)
    return fail_at(y, m, "'options' must be a mapping, not %s", kind(m));
  for (size_t i = 0; i + 1 < m->n; i += 2) {
    const ynode *k = m->kids[i], *v = m->kids[i + 1];
    if (k->type != Y_SCALAR)
      return fail_at(y, k, "option names must be strings");
    const char *key = k->value;
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

/* A list of model names or of {model: NAME} (llm-benchmark's form). */
static pt_code parse_models(yctx *y, const ynode *s, pt_plan *p) {
  if (s->type != Y_SEQ)
    return fail_at(y, s, "'models' must be a list, not %s", kind(s));
  size_t n = s->n;
  free_models(p);
  if (n == 0)
    return fail_at(y, s, "'models' is an empty list");
  const ynode **names = calloc(n, sizeof *names);
  if (!names || !(p->models = calloc(n, sizeof *p->models))) {
    free(names);
    return nomem(y);
  }
  pt_code rc = PT_OK;
  for (size_t i = 0; i < n && !rc; i++) {
    const ynode *it = s->kids[i], *name = NULL;
    if (it->type == Y_SCALAR) {
      name = it;
    } else if (it->type == Y_MAP) {
      for (size_t j = 0; j + 1 < it->n && !rc; j += 2) {
        const ynode *k = it->kids[j];
        if (k->type != Y_SCALAR || strcmp(k->value, "model"))
          rc = fail_at(y, k, "unknown key '%s' in a model entry (expected 'model')",
                       key_str(k));
        name = it->kids[j + 1];
      }
      if (!rc && !name)
        rc = fail_at(y, it, "model entry without 'model'");
    } else {
      rc = fail_at(y, it, "a model entry must be '- model: NAME', not %s", kind(it));
    }
    if (!rc && (name->type != Y_SCALAR || !*name->value))
      rc = fail_at(y, name, "'model' must be a model name");
    if (!rc && !(p->models[p->n_models++] = strdup(name->value)))
      rc = nomem(y);
    names[i] = name;
  }
  size_t at;
  if (!rc && first_repeat((const char *const *)p->models, p->n_models, &at))
    rc = nomem(y);
  if (!rc && at < n)
    rc = fail_at(y, names[at], "model '%s' is listed twice", p->models[at]);
  free(names);
  return rc;
}

static bool valid_id(const char *s) {
  if (!*s)
    return false;
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f)
      return false;
  return true;
}

/* One prompt: a string, or a mapping of id and text, where llm-benchmark's
 * `prompt` may stand for `text` and its `keywords` are accepted and left
 * out. Without an id it is named p<position>. */
static pt_code parse_prompt(yctx *y, const ynode *it, size_t pos, pt_prompt *out,
                            const ynode **at) {
  const ynode *idn = NULL, *textn = NULL;
  *at = it;
  if (it->type == Y_SCALAR) {
    textn = it;
  } else if (it->type == Y_MAP) {
    for (size_t j = 0; j + 1 < it->n; j += 2) {
      const ynode *k = it->kids[j], *v = it->kids[j + 1];
      const char *key = key_str(k);
      if (!strcmp(key, "id")) {
        idn = v;
      } else if (!strcmp(key, "text") || !strcmp(key, "prompt")) {
        if (textn && textn != v)
          return fail_at(y, k, "a prompt has one text: give 'text' or 'prompt', not both");
        textn = v;
      } else if (strcmp(key, "keywords")) {
        return fail_at(y, k, "unknown key '%s' in a prompt (expected 'id', and 'text' or "
                             "'prompt'; 'keywords' is accepted and ignored)", key);
      }
    }
    if (!textn)
      return fail_at(y, it, "prompt without 'text' (or 'prompt')");
  } else {
    return fail_at(y, it, "a prompt must be a string or {id, text}, not %s", kind(it));
  }
  pt_code rc;
  if (idn) {
    *at = idn;
    if ((rc = get_str(y, idn, "id", &out->id)))
      return rc;
    if (!valid_id(out->id))
      return fail_at(y, idn, "'id' must be a non-empty single-line string");
  } else {
    char id[32];
    snprintf(id, sizeof id, "p%zu", pos + 1);
    if (!(out->id = strdup(id)))
      return nomem(y);
    *at = textn;
  }
  if ((rc = get_str(y, textn, "text", &out->text)))
    return rc;
  if (!out->text[0])
    return fail_at(y, textn, "prompt '%s' has an empty text", out->id);
  return PT_OK;
}

/* A list of prompts (parse_prompt); ids must differ. */
static pt_code parse_prompts(yctx *y, const ynode *s, pt_plan *p) {
  if (s->type != Y_SEQ)
    return fail_at(y, s, "'prompts' must be a list, not %s", kind(s));
  size_t n = s->n;
  if (n == 0)
    return fail_at(y, s, "'prompts' is an empty list");
  pt_prompt *ps = calloc(n, sizeof *ps);
  const ynode **where = calloc(n, sizeof *where);
  const char **ids = calloc(n, sizeof *ids);
  pt_code rc = ps && where && ids ? PT_OK : nomem(y);
  for (size_t i = 0; i < n && !rc; i++) {
    rc = parse_prompt(y, s->kids[i], i, &ps[i], &where[i]);
    ids[i] = ps[i].id;
  }
  size_t at;
  if (!rc && first_repeat(ids, n, &at))
    rc = nomem(y);
  if (!rc && at < n)
    rc = fail_at(y, where[at], "prompt id '%s' is used twice", ps[at].id);
  free(where);
  free(ids);
  if (rc) {
    if (ps)
      free_prompts(ps, n);
    return rc;
  }
  free_prompts(p->prompts, p->n_prompts);
  p->prompts = ps;
  p->n_prompts = n;
  return PT_OK;
}

static pt_code parse_root(yctx *y, const ynode *root, pt_plan *p) {
  static const char expected[] =
      "version, models, prompts, trials, warmup, options, keep_alive, file_name";
  if (root->type != Y_MAP)
    return fail_at(y, root, "a plan must be a mapping (keys: %s), not %s", expected,
                   kind(root));
  for (size_t i = 0; i + 1 < root->n; i += 2) {
    const ynode *k = root->kids[i], *v = root->kids[i + 1];
    if (k->type != Y_SCALAR)
      return fail_at(y, k, "keys must be strings");
    const char *key = k->value;
    pt_code rc = PT_OK;
    int64_t x;
    /* file_name: llm-benchmark's custom benchmark files name themselves */
    static const char *const known[] = {"version", "models",  "prompts",    "trials",
                                        "warmup",  "options", "keep_alive", "file_name"};
    size_t j, nk = sizeof known / sizeof known[0];
    for (j = 0; j < nk && strcmp(key, known[j]); j++)
      ;
    if (j == nk)
      return fail_at(y, k, "unknown key '%s' (expected %s)", key, expected);
    if (is_null(v))
      continue;
    if (!strcmp(key, "version")) {
      rc = get_str(y, v, key, &p->version);
    } else if (!strcmp(key, "file_name")) {
      if (v->type != Y_SCALAR)
        rc = fail_at(y, v, "'file_name' must be a string, not %s", kind(v));
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

pt_code pt_plan_parse(const char *data, size_t len, const char *name, pt_plan *p,
                      pt_error *err) {
  ydoc doc;
  pt_code rc = load_yaml(data, len, name, &doc, err);
  if (rc) {
    pt_plan_free(p);
    return rc;
  }
  yctx y = {name, err};
  if (!doc.root)
    rc = pt_error_at(err, PT_EDATA, name, 0, 0, "empty plan: expected 'models:' with a list "
                                                "of '- model: NAME'");
  else
    rc = parse_root(&y, doc.root, p);
  ydoc_free(&doc);
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
  ydoc doc;
  pt_code rc = load_yaml(b->data, b->len, path, &doc, err);
  if (rc)
    return rc;
  yctx y = {path, err};
  if (!doc.root)
    rc = pt_error_at(err, PT_EDATA, path, 0, 0, "no prompts: expected a list of {id, text}");
  else
    rc = parse_prompts(&y, doc.root, p);
  ydoc_free(&doc);
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
    pt_prompt *t = pt_grow_array(ps, &cap, n + 1, sizeof *t);
    if (!t) {
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
      break;
    }
    ps = t;
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
  size_t at;
  if (first_repeat((const char *const *)p->models, p->n_models, &at))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  if (at < p->n_models)
    return pt_error_set(err, PT_EUSAGE, "model '%s' is given twice", p->models[at]);
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
  if (ok && !cJSON_AddItemToObject(o, "prompts", prompts))
    ok = false;
  else if (ok)
    prompts = NULL;  /* o's now */
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
