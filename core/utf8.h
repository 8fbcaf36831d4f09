/* core/utf8.h - UTF-8 checks, cuts and repair for text from outside.
 *
 * Text from servers, files and users is stored in CSV and JSON and drawn on
 * charts; it must be valid UTF-8 there. These helpers find the valid part
 * of a byte string, cut it on a character boundary and copy it with every
 * ill-formed sequence replaced by U+FFFD.
 *
 * "Valid" is UTF-8 as RFC 3629 and the Unicode Standard (ch. 3, table 3-7)
 * define it - no overlong forms, no surrogates, nothing above U+10FFFF - and
 * without NUL bytes, since the result is a C string (glib's
 * g_utf8_validate() draws the same line). Repair follows the Unicode
 * Standard's "U+FFFD substitution of maximal subparts" (ch. 3.9, table 3-8),
 * which is also the WHATWG Encoding Standard's and Python's
 * decode(errors="replace"): one U+FFFD per maximal ill-formed subpart, so
 * "\xE2\x82" (a cut euro sign) becomes one U+FFFD, "\xC0\xAF" two.
 *
 * No function allocates except through the pt_buf it is handed.
 */
#ifndef PT_UTF8_H
#define PT_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
#define PT_UTF8_REPLACEMENT "\xEF\xBF\xBD"

/* Length (1-4) of the valid character at the start of s[0..n), or 0 when
 * there is none (n == 0, a NUL, an ill-formed sequence). When 0 and n > 0,
 * *bad (may be NULL) gets the length (1-3) of the maximal ill-formed
 * subpart that one U+FFFD replaces. */
size_t pt_utf8_char(const char *s, size_t n, size_t *bad);

/* Length of the longest prefix of s[0..n) that is valid. */
size_t pt_utf8_valid_prefix(const char *s, size_t n);

/* True when all of s[0..n) is valid. */
bool pt_utf8_valid(const char *s, size_t n);

/* The largest m <= max (and <= n) at which s[0..n) can be cut without
 * splitting a character: a valid character is kept whole or dropped whole
 * (an ill-formed subpart counts as one unit too). Reads at most max + 3
 * bytes. */
size_t pt_utf8_boundary(const char *s, size_t n, size_t max);

/* Append s[0..n) to b with each maximal ill-formed subpart and each NUL
 * replaced by U+FFFD. PT_ENOMEM or PT_ETOOBIG (b's cap) leave b as it was. */
pt_code pt_utf8_sanitize(pt_buf *b, const char *s, size_t n);

/* Copy s[0..n) into dst (size >= 1 bytes, always NUL-terminated) repaired
 * as pt_utf8_sanitize does and cut on a character boundary so it fits.
 * Returns true when all of it fit, false when it was cut. */
bool pt_utf8_copy(char *dst, size_t size, const char *s, size_t n);

#endif
