/* render/mustache.c - the Mustache engine: a one-pass compiler to a flat node
 * list, and a renderer walking it against a cJSON context stack.
 *
 * Compiling applies the spec's standalone-line rule as it scans: a section,
 * inverted, closing, comment, partial or delimiter tag alone on its line
 * (only spaces or tabs around it) takes the whole line with it, and for a
 * partial that whitespace becomes its indentation. A section node records
 * the index just past its body, so the renderer needs no tree. A standalone
 * partial is indented at the source level (the indentation is inserted at the
 * start of each of its lines, then it is compiled), as the spec describes;
 * interpolated values are therefore never indented.
 */
#include "render/mustache.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RENDER_DEPTH 1000  /* sections and partials inside each other */

typedef enum { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_PARTIAL } node_kind;

typedef struct node {
  node_kind kind;
  size_t off, len;   /* N_TEXT: bytes of the source */
  long line, column; /* tags: where the opening delimiter is */
  char *name;        /* tags: "a.b\0a\0b\0" - the name, then its parts */
  const char *first; /* first part of the name; NULL for "." */
  size_t nseg;       /* number of parts; 0 for "." */
  size_t end;        /* sections: index of the node after the body */
  char *indent;      /* standalone partial: its indentation, else NULL */
} node;

struct pt_mustache {
  char *src;  /* the (possibly indented) source; text nodes point into it */
  size_t len;
  char *name; /* for messages */
  node *nodes;
  size_t n, cap;
};

/* ---- compiling ---------------------------------------------------------- */

typedef struct parser {
  pt_mustache *t;
  size_t shift;   /* columns of indentation inserted in a partial */
  size_t lc_pos;  /* line counting has reached this offset */
  long line;
  size_t bol;     /* offset where the current line begins */
  pt_error *err;
} parser;

static void locate(parser *p, size_t off, long *line, long *column) {
  const char *s = p->t->src;
  for (; p->lc_pos < off; p->lc_pos++)
    if (s[p->lc_pos] == '\n') {
      p->line++;
      p->bol = p->lc_pos + 1;
    }
  size_t col = off - p->bol;
  *line = p->line;
  *column = (long)(col >= p->shift ? col - p->shift : col) + 1;
}

static pt_code fail_at(parser *p, long line, long column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static pt_code fail_at(parser *p, long line, long column, const char *fmt, ...) {
  char msg[sizeof p->err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return pt_error_at(p->err, PT_EPARSE, p->t->name, line, column, "%s", msg);
}

static node *add_node(parser *p, node_kind kind) {
  pt_mustache *t = p->t;
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 16;
    node *nn = realloc(t->nodes, cap * sizeof *nn);
    if (!nn)
      return NULL;
    t->nodes = nn;
    t->cap = cap;
  }
  node *nd = &t->nodes[t->n++];
  memset(nd, 0, sizeof *nd);
  nd->kind = kind;
  return nd;
}

static pt_code nomem(pt_error *err, const char *name) {
  return pt_error_at(err, PT_ENOMEM, name, 0, 0, "out of memory");
}

static pt_code add_text(parser *p, size_t from, size_t to) {
  if (to <= from)
    return PT_OK;
  node *nd = add_node(p, N_TEXT);
  if (!nd)
    return nomem(p->err, p->t->name);
  nd->off = from;
  nd->len = to - from;
  return PT_OK;
}

/* How much of s to quote in a message: up to 60 bytes, never a newline. */
static int quote_len(const char *s, size_t len) {
  size_t n = 0;
  while (n < len && n < 60 && s[n] != '\n' && s[n] != '\r')
    n++;
  return (int)n;
}

static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Store a tag name in nd: the name itself, then its parts split on '.'. */
static bool set_name(node *nd, const char *s, size_t len, bool split) {
  nd->name = malloc(2 * len + 2);
  if (!nd->name)
    return false;
  memcpy(nd->name, s, len);
  nd->name[len] = '\0';
  if (!split || (len == 1 && s[0] == '.'))
    return true;
  char *parts = nd->name + len + 1;
  memcpy(parts, s, len);
  parts[len] = '\0';
  nd->nseg = 1;
  for (size_t i = 0; i < len; i++)
    if (parts[i] == '.') {
      parts[i] = '\0';
      nd->nseg++;
    }
  nd->first = parts;
  return true;
}

/* First occurrence of the needle (nlen > 0) in s[from, n), or (size_t)-1.
 * Delimiters are short, so memchr on the first byte does the work. */
static size_t find(const char *s, size_t n, size_t from, const char *needle, size_t nlen) {
  while (from < n && nlen <= n - from) {
    const char *c = memchr(s + from, needle[0], n - from - nlen + 1);
    if (!c)
      return (size_t)-1;
    size_t k = (size_t)(c - s);
    if (!memcmp(c, needle, nlen))
      return k;
    from = k + 1;
  }
  return (size_t)-1;
}

/* Find the closing delimiter (preceded by `pre` unless it is 0) at or after
 * from; returns its offset (of `pre` when given) or (size_t)-1. */
static size_t find_close(const char *s, size_t n, size_t from, char pre,
                         const char *ctag, size_t clen) {
  size_t q = from;
  for (;;) {
    size_t k = find(s, n, q, ctag, clen);
    if (k == (size_t)-1 || !pre)
      return k;
    if (k > from && s[k - 1] == pre)
      return k - 1;
    q = k + 1;
  }
}

static pt_code parse(parser *p) {
  pt_mustache *t = p->t;
  const char *s = t->src;
  size_t n = t->len;
  const char *otag = "{{", *ctag = "}}";
  size_t olen = 2, clen = 2;
  size_t open[PT_MUSTACHE_MAX_NESTING];
  size_t depth = 0, pos = 0, text_start = 0;
  pt_code rc;

  for (;;) {
    size_t tag = find(s, n, pos, otag, olen);
    if (tag == (size_t)-1)
      break;
    size_t c = tag + olen;
    long line, column;
    locate(p, tag, &line, &column);
    char sig = c < n ? s[c] : '\0';
    switch (sig) {
    case '#': case '^': case '/': case '!': case '>': case '&': case '{': case '=':
      c++;
      break;
    default:
      sig = '\0';
    }
    char pre = sig == '{' ? '}' : sig == '=' ? '=' : '\0';
    size_t close = find_close(s, n, c, pre, ctag, clen);
    if (close == (size_t)-1)
      return fail_at(p, line, column, "unclosed tag: no '%s%.*s' after '%.*s'",
                     pre == '}' ? "}" : pre == '=' ? "=" : "", (int)clen, ctag,
                     (int)olen, otag);
    size_t tag_end = close + (pre ? 1 : 0) + clen;
    size_t a = c, b = close;
    while (a < b && is_space(s[a]))
      a++;
    while (b > a && is_space(s[b - 1]))
      b--;

    /* the standalone-line rule */
    bool standalone = false;
    size_t ls = tag, after = tag_end;
    if (sig && sig != '&' && sig != '{') {
      while (ls > text_start && (s[ls - 1] == ' ' || s[ls - 1] == '\t'))
        ls--;
      if (ls == 0 || s[ls - 1] == '\n') {
        size_t re = tag_end;
        while (re < n && (s[re] == ' ' || s[re] == '\t'))
          re++;
        if (re == n)
          standalone = true, after = n;
        else if (s[re] == '\n')
          standalone = true, after = re + 1;
        else if (s[re] == '\r' && re + 1 < n && s[re + 1] == '\n')
          standalone = true, after = re + 2;
      }
    }
    if (!standalone) {
      ls = tag;
      after = tag_end;
    }
    if ((rc = add_text(p, text_start, ls)) != PT_OK)
      return rc;

    if (sig != '!' && sig != '=') {
      if (a == b)
        return fail_at(p, line, column, "empty tag '%.*s'", quote_len(s + tag, tag_end - tag),
                       s + tag);
      for (size_t i = a; i < b; i++)
        if (is_space(s[i]))
          return fail_at(p, line, column, "invalid tag name '%.*s': contains white space",
                         quote_len(s + a, b - a), s + a);
    }
    switch (sig) {
    case '!':
      break;
    case '=': {
      size_t w = a;
      while (w < b && !is_space(s[w]))
        w++;
      size_t w2 = w;
      while (w2 < b && is_space(s[w2]))
        w2++;
      bool ok = w > a && w2 > w && w2 < b;
      for (size_t i = w2; ok && i < b; i++)
        ok = !is_space(s[i]);
      for (size_t i = a; ok && i < b; i++)
        ok = s[i] != '=';
      if (!ok)
        return fail_at(p, line, column,
                       "invalid delimiter change '%.*s': expected two delimiters "
                       "separated by a space, as in '{{=<%% %%>=}}'",
                       quote_len(s + tag, tag_end - tag), s + tag);
      otag = s + a;
      olen = w - a;
      ctag = s + w2;
      clen = b - w2;
      break;
    }
    case '/': {
      if (depth == 0)
        return fail_at(p, line, column, "closing tag '%.*s' has no open section",
                       quote_len(s + a, b - a), s + a);
      node *o = &t->nodes[open[depth - 1]];
      if (strlen(o->name) != b - a || memcmp(o->name, s + a, b - a))
        return fail_at(p, line, column,
                       "closing tag '%.*s' does not match section '%s' opened at %ld:%ld",
                       quote_len(s + a, b - a), s + a, o->name, o->line, o->column);
      o->end = t->n;
      depth--;
      break;
    }
    default: {
      node_kind kind = sig == '#' ? N_SECTION : sig == '^' ? N_INVERTED
                     : sig == '>' ? N_PARTIAL : sig ? N_RAW : N_VAR;
      if ((kind == N_SECTION || kind == N_INVERTED) && depth == PT_MUSTACHE_MAX_NESTING)
        return fail_at(p, line, column, "sections nested more than %d deep",
                       PT_MUSTACHE_MAX_NESTING);
      node *nd = add_node(p, kind);
      if (!nd || !set_name(nd, s + a, b - a, kind != N_PARTIAL))
        return nomem(p->err, t->name);
      nd->line = line;
      nd->column = column;
      if (kind == N_PARTIAL && standalone && ls < tag && !(nd->indent = strndup(s + ls, tag - ls)))
        return nomem(p->err, t->name);
      if (kind == N_SECTION || kind == N_INVERTED)
        open[depth++] = t->n - 1;
    }
    }
    pos = text_start = after;
  }
  if ((rc = add_text(p, text_start, n)) != PT_OK)
    return rc;
  if (depth) {
    node *o = &t->nodes[open[depth - 1]];
    return fail_at(p, o->line, o->column, "unclosed section '%s'", o->name);
  }
  return PT_OK;
}

void pt_mustache_free(pt_mustache *t) {
  if (!t)
    return;
  for (size_t i = 0; i < t->n; i++) {
    free(t->nodes[i].name);
    free(t->nodes[i].indent);
  }
  free(t->nodes);
  free(t->src);
  free(t->name);
  free(t);
}

/* Compile src (taken over: freed on failure too); shift is the width of the
 * indentation inserted in a partial, left out of reported columns. */
static pt_mustache *compile_owned(char *src, size_t len, const char *name,
                                  size_t shift, pt_error *err) {
  if (!name)
    name = "<template>";
  pt_mustache *t = calloc(1, sizeof *t);
  if (!t || !(t->name = strdup(name))) {
    free(t);
    free(src);
    nomem(err, name);
    return NULL;
  }
  t->src = src;
  t->len = len;
  parser p = {t, shift, 0, 1, 0, err};
  if (parse(&p) != PT_OK) {
    pt_mustache_free(t);
    return NULL;
  }
  return t;
}

pt_mustache *pt_mustache_compile(const char *tmpl, size_t len, const char *name,
                                 pt_error *err) {
  pt_error local;
  if (!err)
    err = &local;
  char *src = malloc(len + 1);
  if (!src) {
    nomem(err, name ? name : "<template>");
    return NULL;
  }
  if (len)
    memcpy(src, tmpl, len);
  src[len] = '\0';
  return compile_owned(src, len, name, 0, err);
}

/* ---- rendering ---------------------------------------------------------- */

/* A small hash table of strings to pointers: partial sources by name,
 * compiled partials by name and indentation. */
typedef struct slot {
  char *key;
  size_t klen;
  size_t hash;
  void *val;
} slot;

typedef struct table {
  slot *slots;
  size_t cap, n;
} table;

static size_t hash_bytes(const char *k, size_t n) {
  size_t h = (size_t)14695981039346656037ULL;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)k[i]) * (size_t)1099511628211ULL;
  return h;
}

static slot *table_find(table *tb, const char *key, size_t klen) {
  if (!tb->cap)
    return NULL;
  size_t h = hash_bytes(key, klen);
  for (size_t i = h & (tb->cap - 1);; i = (i + 1) & (tb->cap - 1)) {
    slot *sl = &tb->slots[i];
    if (!sl->key)
      return NULL;
    if (sl->hash == h && sl->klen == klen && !memcmp(sl->key, key, klen))
      return sl;
  }
}

/* Insert a key known to be absent; the key is copied, val is owned by the
 * table's user. Returns false when out of memory. */
static bool table_put(table *tb, const char *key, size_t klen, void *val) {
  if ((tb->n + 1) * 2 > tb->cap) {
    size_t cap = tb->cap ? tb->cap * 2 : 16;
    slot *ns = calloc(cap, sizeof *ns);
    if (!ns)
      return false;
    for (size_t i = 0; i < tb->cap; i++) {
      slot *o = &tb->slots[i];
      if (!o->key)
        continue;
      size_t j = o->hash & (cap - 1);
      while (ns[j].key)
        j = (j + 1) & (cap - 1);
      ns[j] = *o;
    }
    free(tb->slots);
    tb->slots = ns;
    tb->cap = cap;
  }
  char *k = malloc(klen + 1);
  if (!k)
    return false;
  memcpy(k, key, klen);
  k[klen] = '\0';
  size_t h = hash_bytes(key, klen), j = h & (tb->cap - 1);
  while (tb->slots[j].key)
    j = (j + 1) & (tb->cap - 1);
  tb->slots[j] = (slot){k, klen, h, val};
  tb->n++;
  return true;
}

typedef struct renderer {
  pt_buf *out;
  pt_partial_fn load;
  void *pctx;
  pt_error *err;
  const cJSON **stack; /* the context stack; top is stack[nstack - 1] */
  size_t nstack, capstack;
  size_t partials;     /* partials rendering inside each other */
  size_t depth;        /* sections and partials inside each other */
  size_t steps;        /* nodes visited, against PT_MUSTACHE_MAX_STEPS */
  table sources;       /* name -> pt_mustache_partial* (text NULL = missing) */
  table compiled;      /* name "\0" indentation -> pt_mustache* */
} renderer;

static pt_code render_fail(renderer *r, pt_code rc, const pt_mustache *t, const node *nd) {
  if (rc == PT_ETOOBIG)
    return pt_error_at(r->err, rc, t->name, nd ? nd->line : 0, nd ? nd->column : 0,
                       "output larger than %zu bytes", r->out->max);
  return pt_error_at(r->err, rc, t->name, nd ? nd->line : 0, nd ? nd->column : 0,
                     "out of memory");
}

static bool push(renderer *r, const cJSON *v) {
  if (r->nstack == r->capstack) {
    size_t cap = r->capstack ? r->capstack * 2 : 16;
    const cJSON **ns = realloc(r->stack, cap * sizeof *ns);
    if (!ns)
      return false;
    r->stack = ns;
    r->capstack = cap;
  }
  r->stack[r->nstack++] = v;
  return true;
}

static const cJSON *lookup(const renderer *r, const node *nd) {
  if (nd->nseg == 0)
    return r->nstack ? r->stack[r->nstack - 1] : NULL;
  const char *part = nd->first;
  const cJSON *v = NULL;
  for (size_t k = r->nstack; k-- > 0 && !v;)
    if (cJSON_IsObject(r->stack[k]))
      v = cJSON_GetObjectItemCaseSensitive(r->stack[k], part);
  for (size_t i = 1; v && i < nd->nseg; i++) {
    part += strlen(part) + 1;
    v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, part) : NULL;
  }
  return v;
}

static bool truthy(const cJSON *v) {
  if (!v || cJSON_IsFalse(v) || cJSON_IsNull(v) || cJSON_IsInvalid(v))
    return false;
  if (cJSON_IsArray(v))
    return v->child != NULL;
  if (cJSON_IsString(v))
    return v->valuestring && v->valuestring[0];
  if (cJSON_IsNumber(v))
    return v->valuedouble != 0 && !isnan(v->valuedouble);
  return true;
}

/* Shortest text that reads back as v: integers without a fraction. */
static void format_number(double v, char *buf, size_t size) {
  if (!isfinite(v)) {
    buf[0] = '\0';
    return;
  }
  if (v == 0) {
    snprintf(buf, size, "0");
    return;
  }
  if (v == trunc(v) && fabs(v) < 1e17) {
    snprintf(buf, size, "%.0f", v);
    return;
  }
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, size, "%.*g", prec, v);
    if (strtod(buf, NULL) == v)
      return;
  }
}

static pt_code append_escaped(pt_buf *out, const char *s) {
  pt_code rc = PT_OK;
  const char *run = s;
  for (; *s && !rc; s++) {
    const char *rep;
    switch (*s) {
    case '&': rep = "&amp;"; break;
    case '<': rep = "&lt;"; break;
    case '>': rep = "&gt;"; break;
    case '"': rep = "&quot;"; break;
    default: continue;
    }
    if (!(rc = pt_buf_append(out, run, (size_t)(s - run))))
      rc = pt_buf_puts(out, rep);
    run = s + 1;
  }
  return rc ? rc : pt_buf_append(out, run, (size_t)(s - run));
}

static pt_code interpolate(renderer *r, const cJSON *v, bool escape) {
  char num[64];
  const char *s;
  if (cJSON_IsString(v) && v->valuestring)
    s = v->valuestring;
  else if (cJSON_IsNumber(v)) {
    format_number(v->valuedouble, num, sizeof num);
    s = num;
  } else if (cJSON_IsBool(v))
    s = cJSON_IsTrue(v) ? "true" : "false";
  else
    return PT_OK;
  return escape ? append_escaped(r->out, s) : pt_buf_puts(r->out, s);
}

static pt_code render_range(renderer *r, const pt_mustache *t, size_t from, size_t to);

/* The source of partial `name`, loaded on first use; NULL when out of memory
 * or the loader failed (err set). */
static pt_mustache_partial *load_partial(renderer *r, const pt_mustache *t, const node *nd) {
  size_t klen = strlen(nd->name);
  slot *sl = table_find(&r->sources, nd->name, klen);
  if (sl)
    return sl->val;
  pt_mustache_partial *ps = calloc(1, sizeof *ps);
  if (!ps) {
    render_fail(r, PT_ENOMEM, t, nd);
    return NULL;
  }
  if (r->load) {
    pt_mustache_loc at = {t->name, nd->line, nd->column};
    pt_error_clear(r->err);
    pt_code rc = r->load(r->pctx, nd->name, &at, ps, r->err);
    if (rc) {
      if (r->err->code == PT_OK)
        pt_error_at(r->err, rc, t->name, nd->line, nd->column, "cannot load partial '%s'",
                    nd->name);
      free(ps->text);
      free(ps->source);
      free(ps);
      return NULL;
    }
  }
  if (!table_put(&r->sources, nd->name, klen, ps)) {
    free(ps->text);
    free(ps->source);
    free(ps);
    render_fail(r, PT_ENOMEM, t, nd);
    return NULL;
  }
  return ps;
}

/* The partial's source with indent inserted before each line (a final
 * newline starts no line). Returns a malloc'ed copy or NULL. */
static char *indent_source(const char *src, size_t len, const char *indent, size_t *outlen) {
  size_t ilen = strlen(indent);
  pt_buf b = PT_BUF_INIT;
  size_t line = 0;
  bool ok = true;
  for (size_t i = 0; i <= len && ok; i++) {
    if (i < len && src[i] != '\n')
      continue;
    size_t end = i < len ? i + 1 : len;
    if (end > line)
      ok = !pt_buf_append(&b, indent, ilen) && !pt_buf_append(&b, src + line, end - line);
    line = end;
  }
  if (ok)
    ok = !pt_buf_append(&b, "", 0);
  if (!ok) {
    pt_buf_free(&b);
    return NULL;
  }
  return pt_buf_detach(&b, outlen);
}

static pt_code render_partial(renderer *r, const pt_mustache *t, const node *nd) {
  if (r->partials >= PT_MUSTACHE_MAX_PARTIALS)
    return pt_error_at(r->err, PT_EDATA, t->name, nd->line, nd->column,
                       "partial '%s' nested more than %d deep: does it include itself "
                       "with no end?", nd->name, PT_MUSTACHE_MAX_PARTIALS);
  pt_mustache_partial *ps = load_partial(r, t, nd);
  if (!ps)
    return r->err->code;
  if (!ps->text)
    return PT_OK;

  const char *indent = nd->indent ? nd->indent : "";
  size_t nlen = strlen(nd->name), ilen = strlen(indent);
  char *key = malloc(nlen + ilen + 2);
  if (!key)
    return render_fail(r, PT_ENOMEM, t, nd);
  memcpy(key, nd->name, nlen + 1);
  memcpy(key + nlen + 1, indent, ilen + 1);
  slot *sl = table_find(&r->compiled, key, nlen + ilen + 1);
  pt_mustache *p = sl ? sl->val : NULL;
  if (!p) {
    size_t slen = ps->len;
    char *src = ilen ? indent_source(ps->text, ps->len, indent, &slen) : malloc(slen + 1);
    if (src && !ilen) {
      memcpy(src, ps->text, slen);
      src[slen] = '\0';
    }
    if (!src) {
      free(key);
      return render_fail(r, PT_ENOMEM, t, nd);
    }
    p = compile_owned(src, slen, ps->source ? ps->source : nd->name, ilen, r->err);
    if (!p || !table_put(&r->compiled, key, nlen + ilen + 1, p)) {
      free(key);
      if (!p)
        return r->err->code;
      pt_mustache_free(p);
      return render_fail(r, PT_ENOMEM, t, nd);
    }
  }
  free(key);
  r->partials++;
  pt_code rc = render_range(r, p, 0, p->n);
  r->partials--;
  return rc;
}

static pt_code render_range(renderer *r, const pt_mustache *t, size_t from, size_t to) {
  pt_code rc = PT_OK;
  if (++r->depth > MAX_RENDER_DEPTH) {
    const node *nd = from > 0 ? &t->nodes[from - 1] : NULL;
    rc = pt_error_at(r->err, PT_EDATA, t->name, nd ? nd->line : 0, nd ? nd->column : 0,
                     "sections and partials nested more than %d deep", MAX_RENDER_DEPTH);
    r->depth--;
    return rc;
  }
  for (size_t i = from; i < to && !rc; i++) {
    const node *nd = &t->nodes[i];
    const cJSON *v;
    if (++r->steps > PT_MUSTACHE_MAX_STEPS) {
      /* a text has no place of its own: name the section around it */
      const node *at = nd->line ? nd : from > 0 ? &t->nodes[from - 1] : NULL;
      rc = pt_error_at(r->err, PT_EDATA, t->name, at ? at->line : 0, at ? at->column : 0,
                       "rendering takes more than %lu steps: sections loop inside "
                       "each other too often", (unsigned long)PT_MUSTACHE_MAX_STEPS);
      break;
    }
    switch (nd->kind) {
    case N_TEXT:
      if ((rc = pt_buf_append(r->out, t->src + nd->off, nd->len)) != PT_OK)
        rc = render_fail(r, rc, t, NULL);
      break;
    case N_VAR:
    case N_RAW:
      if ((rc = interpolate(r, lookup(r, nd), nd->kind == N_VAR)) != PT_OK)
        rc = render_fail(r, rc, t, nd);
      break;
    case N_SECTION:
      v = lookup(r, nd);
      if (cJSON_IsArray(v)) {
        for (const cJSON *e = v->child; e && !rc; e = e->next) {
          if (!push(r, e))
            return render_fail(r, PT_ENOMEM, t, nd);
          rc = render_range(r, t, i + 1, nd->end);
          r->nstack--;
        }
      } else if (truthy(v)) {
        if (!push(r, v))
          return render_fail(r, PT_ENOMEM, t, nd);
        rc = render_range(r, t, i + 1, nd->end);
        r->nstack--;
      }
      i = nd->end - 1;
      break;
    case N_INVERTED:
      if (!truthy(lookup(r, nd)))
        rc = render_range(r, t, i + 1, nd->end);
      i = nd->end - 1;
      break;
    case N_PARTIAL:
      rc = render_partial(r, t, nd);
      break;
    }
  }
  r->depth--;
  return rc;
}

pt_code pt_mustache_exec(const pt_mustache *t, const cJSON *view,
                         pt_partial_fn partials, void *pctx, pt_buf *out,
                         pt_error *err) {
  pt_error local;
  if (!err)
    err = &local;
  renderer r = {.out = out, .load = partials, .pctx = pctx, .err = err};
  size_t start = out->len;
  pt_code rc = PT_OK;
  if (view && !push(&r, view))
    rc = render_fail(&r, PT_ENOMEM, t, NULL);
  if (!rc)
    rc = render_range(&r, t, 0, t->n);
  if (!rc && (rc = pt_buf_append(out, "", 0)) != PT_OK)
    render_fail(&r, rc, t, NULL);
  for (size_t i = 0; i < r.sources.cap; i++) {
    slot *sl = &r.sources.slots[i];
    if (!sl->key)
      continue;
    pt_mustache_partial *ps = sl->val;
    free(ps->text);
    free(ps->source);
    free(ps);
    free(sl->key);
  }
  for (size_t i = 0; i < r.compiled.cap; i++) {
    slot *sl = &r.compiled.slots[i];
    if (!sl->key)
      continue;
    pt_mustache_free(sl->val);
    free(sl->key);
  }
  free(r.sources.slots);
  free(r.compiled.slots);
  free(r.stack);
  if (rc) {
    out->len = start;
    if (out->data)
      out->data[start] = '\0';
  }
  return rc;
}

pt_code pt_mustache_render(const char *tmpl, size_t len, const char *name,
                           const cJSON *view, pt_partial_fn partials, void *pctx,
                           pt_buf *out, pt_error *err) {
  pt_error local;
  if (!err)
    err = &local;
  pt_mustache *t = pt_mustache_compile(tmpl, len, name, err);
  if (!t)
    return err->code;
  pt_code rc = pt_mustache_exec(t, view, partials, pctx, out, err);
  pt_mustache_free(t);
  return rc;
}
