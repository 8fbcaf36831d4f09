/* core/buf.c - growable, capped byte buffer. */
#include "core/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pt_buf_init(pt_buf *b, size_t max) {
  b->data = NULL;
  b->len = b->cap = 0;
  b->max = max;
}

pt_code pt_buf_reserve(pt_buf *b, size_t n) {
  if (n > (size_t)-1 - b->len - 1)
    return PT_ETOOBIG;
  size_t need = b->len + n + 1;
  if (b->max && b->len + n > b->max)
    return PT_ETOOBIG;
  if (need <= b->cap)
    return PT_OK;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need)
    cap = cap > (size_t)-1 / 2 ? need : cap * 2;
  char *p = realloc(b->data, cap);
  if (!p)
    return PT_ENOMEM;
  if (!b->data)
    p[0] = '\0';  /* data is always a string, even before the first byte */
  b->data = p;
  b->cap = cap;
  return PT_OK;
}

pt_code pt_buf_append(pt_buf *b, const void *p, size_t n) {
  pt_code rc = pt_buf_reserve(b, n);
  if (rc)
    return rc;
  if (n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return PT_OK;
}

pt_code pt_buf_puts(pt_buf *b, const char *s) { return pt_buf_append(b, s, strlen(s)); }

pt_code pt_buf_putc(pt_buf *b, char c) { return pt_buf_append(b, &c, 1); }

pt_code pt_buf_vprintf(pt_buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    return PT_EINTERNAL;
  pt_code rc = pt_buf_reserve(b, (size_t)n);
  if (rc)
    return rc;
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return PT_OK;
}

pt_code pt_buf_printf(pt_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pt_code rc = pt_buf_vprintf(b, fmt, ap);
  va_end(ap);
  return rc;
}

void pt_buf_consume(pt_buf *b, size_t n) {
  if (n >= b->len) {
    pt_buf_reset(b);
    return;
  }
  memmove(b->data, b->data + n, b->len - n);
  b->len -= n;
  b->data[b->len] = '\0';
}

void pt_buf_reset(pt_buf *b) {
  b->len = 0;
  if (b->data)
    b->data[0] = '\0';
}

char *pt_buf_detach(pt_buf *b, size_t *len) {
  char *p = b->data;
  if (!p)
    p = calloc(1, 1);
  if (len)
    *len = b->len;
  b->data = NULL;
  b->len = b->cap = 0;
  return p;
}

void pt_buf_free(pt_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void *pt_grow_array(void *p, size_t *cap, size_t need, size_t elem) {
  if (p && need <= *cap)
    return p;
  size_t n = *cap < 16 ? 16 : *cap;
  while (n < need) {
    if (n > SIZE_MAX / 2)
      return NULL;
    n *= 2;
  }
  if (!elem || n > SIZE_MAX / elem)
    return NULL;
  void *q = realloc(p, n * elem);
  if (q)
    *cap = n;
  return q;
}
