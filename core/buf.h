/* core/buf.h - a growable byte buffer with a size cap.
 *
 * Like git's strbuf and curl's dynbuf: data is always NUL-terminated (the NUL
 * is not counted in len), growth is amortised, and `max` caps the length so
 * a misbehaving server or file cannot exhaust memory (PT_ETOOBIG). The buffer
 * owns data until pt_buf_detach() hands it over; pt_buf_free() releases it and
 * leaves the buffer empty and reusable.
 */
#ifndef PT_BUF_H
#define PT_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/error.h"

typedef struct pt_buf {
  char *data;  /* NUL-terminated; NULL until the first append */
  size_t len;  /* bytes used, excluding the NUL */
  size_t cap;  /* bytes allocated */
  size_t max;  /* largest len allowed; 0 = no cap */
} pt_buf;

#define PT_BUF_INIT {NULL, 0, 0, 0}

void pt_buf_init(pt_buf *b, size_t max);
/* Append n bytes. PT_ENOMEM or PT_ETOOBIG leave the buffer unchanged. */
pt_code pt_buf_append(pt_buf *b, const void *p, size_t n);
pt_code pt_buf_puts(pt_buf *b, const char *s);
pt_code pt_buf_putc(pt_buf *b, char c);
pt_code pt_buf_printf(pt_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
pt_code pt_buf_vprintf(pt_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Make room for n more bytes without changing len. */
pt_code pt_buf_reserve(pt_buf *b, size_t n);
/* Drop the first n bytes (n <= len). */
void pt_buf_consume(pt_buf *b, size_t n);
void pt_buf_reset(pt_buf *b);
/* Hand the data over to the caller (free() it); the buffer becomes empty.
 * Never returns NULL unless allocation fails: an empty buffer gives "". */
char *pt_buf_detach(pt_buf *b, size_t *len);
void pt_buf_free(pt_buf *b);

/* The one way ptbench grows an array (git's ALLOC_GROW): returns p
 * reallocated to hold at least need elements of elem bytes, *cap updated
 * (capacity doubles, from 16), or NULL when the size would overflow or
 * memory is short; p and *cap are then unchanged and p still the caller's.
 *
 *     cJSON **items = pt_grow_array(e->items, &e->cap, e->n + 1, sizeof *items);
 *     if (!items) return PT_ENOMEM;
 *     e->items = items;
 */
void *pt_grow_array(void *p, size_t *cap, size_t need, size_t elem);

#endif
