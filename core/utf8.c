/* core/utf8.c - UTF-8 checks, cuts and repair (see core/utf8.h). */
#include "core/utf8.h"

#include <string.h>

/* The well-formed sequences, Unicode Standard table 3-7: a lead byte range
 * and the range its second byte must fall in; the third and fourth bytes
 * are always 80..BF. */
static const struct {
  unsigned char lo, hi;     /* lead byte */
  unsigned char lo2, hi2;   /* second byte */
  unsigned char len;
} forms[] = {
    {0xC2, 0xDF, 0x80, 0xBF, 2}, {0xE0, 0xE0, 0xA0, 0xBF, 3}, {0xE1, 0xEC, 0x80, 0xBF, 3},
    {0xED, 0xED, 0x80, 0x9F, 3}, {0xEE, 0xEF, 0x80, 0xBF, 3}, {0xF0, 0xF0, 0x90, 0xBF, 4},
    {0xF1, 0xF3, 0x80, 0xBF, 4}, {0xF4, 0xF4, 0x80, 0x8F, 4},
};

size_t pt_utf8_char(const char *s, size_t n, size_t *bad) {
  const unsigned char *p = (const unsigned char *)s;
  if (bad)
    *bad = 0;
  if (n == 0)
    return 0;
  if (p[0] >= 0x01 && p[0] <= 0x7F)
    return 1;
  size_t f = 0;
  while (f < sizeof forms / sizeof forms[0] && !(p[0] >= forms[f].lo && p[0] <= forms[f].hi))
    f++;
  if (f == sizeof forms / sizeof forms[0]) { /* NUL, 80..C1 or F5..FF: never a lead */
    if (bad)
      *bad = 1;
    return 0;
  }
  /* the maximal subpart: the lead and as many following bytes as still
   * fit the form (table 3-8) */
  size_t len = forms[f].len, i = 1;
  if (i < n && p[1] >= forms[f].lo2 && p[1] <= forms[f].hi2) {
    i = 2;
    while (i < len && i < n && (p[i] & 0xC0) == 0x80)
      i++;
  }
  if (i == len)
    return len;
  if (bad)
    *bad = i;
  return 0;
}

size_t pt_utf8_valid_prefix(const char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    if ((unsigned char)s[i] - 1u < 0x7Fu) { /* 01..7F: the common case */
      i++;
      continue;
    }
    size_t k = pt_utf8_char(s + i, n - i, NULL);
    if (!k)
      break;
    i += k;
  }
  return i;
}

bool pt_utf8_valid(const char *s, size_t n) { return pt_utf8_valid_prefix(s, n) == n; }

/* The unit at s[0..n) (n >= 1): a valid character (true) or an ill-formed
 * subpart that becomes U+FFFD; *in = its bytes in s, *out in the output. */
static bool unit(const char *s, size_t n, size_t *in, size_t *out) {
  size_t bad;
  size_t k = pt_utf8_char(s, n, &bad);
  *in = k ? k : bad;
  *out = k ? k : sizeof PT_UTF8_REPLACEMENT - 1;
  return k != 0;
}

size_t pt_utf8_boundary(const char *s, size_t n, size_t max) {
  if (max >= n)
    return n;
  size_t i = 0;
  while (i < max) {
    size_t in, out;
    unit(s + i, n - i, &in, &out);
    if (i + in > max)
      break;
    i += in;
  }
  return i;
}

pt_code pt_utf8_sanitize(pt_buf *b, const char *s, size_t n) {
  size_t start = b->len;
  size_t i = 0;
  while (i < n) {
    size_t ok = pt_utf8_valid_prefix(s + i, n - i);
    pt_code rc = ok ? pt_buf_append(b, s + i, ok) : PT_OK;
    i += ok;
    if (!rc && i < n) {
      size_t bad;
      pt_utf8_char(s + i, n - i, &bad);
      rc = pt_buf_append(b, PT_UTF8_REPLACEMENT, sizeof PT_UTF8_REPLACEMENT - 1);
      i += bad;
    }
    if (rc) {
      b->len = start; /* leave b as it was */
      if (b->data)
        b->data[start] = '\0';
      return rc;
    }
  }
  /* an empty result still gets a NUL-terminated buffer, as pt_buf_puts("") */
  return b->data ? PT_OK : pt_buf_append(b, "", 0);
}

bool pt_utf8_copy(char *dst, size_t size, const char *s, size_t n) {
  size_t i = 0, o = 0;
  while (i < n) {
    size_t in, out;
    bool valid = unit(s + i, n - i, &in, &out);
    if (o + out >= size)
      break;
    memcpy(dst + o, valid ? s + i : PT_UTF8_REPLACEMENT, out);
    i += in;
    o += out;
  }
  dst[o] = '\0';
  return i == n;
}
