/* tests/unit/test_utf8.c - UTF-8 checks, cuts and repair (core/utf8.h).
 *
 * Reference values: the repaired strings are what Python 3's
 * bytes.decode("utf-8", errors="replace") gives, re-encoded as UTF-8 (it
 * follows the same "maximal subpart" practice); the third case is the
 * example of the Unicode Standard's table 3-8. Valid-prefix lengths come
 * from the same Python run (the longest prefix that decodes). Cases with a
 * NUL byte, where Python differs on purpose (it keeps NUL), and the cut
 * positions are worked out by hand from table 3-7. The valid prefix is also
 * compared with glib's g_utf8_validate_len() on random byte strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/utf8.h"

static const struct {
  const char *in;
  size_t len, valid;
  const char *repaired;
} cases[] = {
    {"", 0, 0, ""},
    {"plain ascii", 11, 11, "plain ascii"},
    {"a\xF1\x80\x80\xE1\x80\xC2" "b\x80" "c\x80\xBF" "d", 13, 1,
     "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD" "d"},
    {"\xC0\xAF", 2, 0, "\xEF\xBF\xBD\xEF\xBF\xBD"},
    {"\xC1\xBF", 2, 0, "\xEF\xBF\xBD\xEF\xBF\xBD"},
    {"\xED\xA0\x80", 3, 0, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
    {"\xED\x9F\xBF", 3, 3, "\xED\x9F\xBF"},
    {"\xF4\x90\x80\x80", 4, 0, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
    {"\xF4\x8F\xBF\xBF", 4, 4, "\xF4\x8F\xBF\xBF"},
    {"\xE0\x80\xAF", 3, 0, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
    {"\xE0\xA0\x80", 3, 3, "\xE0\xA0\x80"},
    {"\xF0\x80\x80\x80", 4, 0, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
    {"\xF0\x9F\x98", 3, 0, "\xEF\xBF\xBD"},
    {"\xF0\x9F\x98\x80", 4, 4, "\xF0\x9F\x98\x80"},
    {"\xFF\xFE", 2, 0, "\xEF\xBF\xBD\xEF\xBF\xBD"},
    {"\xE2\x82\xAC", 3, 3, "\xE2\x82\xAC"},
    {"ab\xE2\x82", 4, 2, "ab\xEF\xBF\xBD"},
    {"\xE2\x82x", 3, 0, "\xEF\xBF\xBDx"},
    {"\xF5\x80", 2, 0, "\xEF\xBF\xBD\xEF\xBF\xBD"},
    {"\xC2\x80", 2, 2, "\xC2\x80"},
    {"\x80", 1, 0, "\xEF\xBF\xBD"},
    {"\xDF\xBF\xE0\xA0\x80", 5, 5, "\xDF\xBF\xE0\xA0\x80"},
    {"caf\xC3\xA9 \xE2\x82\xAC" "9", 10, 10, "caf\xC3\xA9 \xE2\x82\xAC" "9"},
    {"\xEF\xBF\xBD", 3, 3, "\xEF\xBF\xBD"},
    {"stop\xE2\x80", 6, 4, "stop\xEF\xBF\xBD"},
    {"\xE1\x80\xE1\x80\x80", 5, 0, "\xEF\xBF\xBD\xE1\x80\x80"},
    /* by hand: a NUL is not valid (a C string could not hold what follows) */
    {"a\0b", 3, 1, "a\xEF\xBF\xBD" "b"},
    {"\0", 1, 0, "\xEF\xBF\xBD"},
};

static void test_valid_and_repair(void **state) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t valid = pt_utf8_valid_prefix(cases[i].in, cases[i].len);
    if (valid != cases[i].valid)
      fail_msg("case %zu: valid prefix %zu, want %zu", i, valid, cases[i].valid);
    assert_int_equal(pt_utf8_valid(cases[i].in, cases[i].len), valid == cases[i].len);
    pt_buf b = PT_BUF_INIT;
    assert_int_equal(pt_utf8_sanitize(&b, cases[i].in, cases[i].len), PT_OK);
    assert_non_null(b.data);
    if (strcmp(b.data, cases[i].repaired) || b.len != strlen(cases[i].repaired))
      fail_msg("case %zu: repaired to '%s'", i, b.data);
    assert_true(pt_utf8_valid(b.data, b.len));
    /* and a copy into a buffer that is large enough is the same */
    char dst[64];
    assert_true(pt_utf8_copy(dst, sizeof dst, cases[i].in, cases[i].len));
    assert_string_equal(dst, cases[i].repaired);
    pt_buf_free(&b);
  }
}

/* Bytes of the first character, or of the maximal subpart it starts with
 * (table 3-8: F1 80 80 is one subpart, E1 80 another, C2 one). */
static void test_char(void **state) {
  static const struct {
    const char *s;
    size_t n, len, bad;
  } c[] = {
      {"A", 1, 1, 0},         {"\xC3\xA9", 2, 2, 0},     {"\xC3", 1, 0, 1},
      {"\xF1\x80\x80\xE1", 4, 0, 3}, {"\xE1\x80\xC2", 3, 0, 2}, {"\xC2" "b", 2, 0, 1},
      {"\xBF", 1, 0, 1},      {"\xE0\x9F\x80", 3, 0, 1}, {"\xF0\x8F\x80\x80", 4, 0, 1},
      {"\xF4\x8F\xBF\xBF", 4, 4, 0}, {"", 0, 0, 0},       {"\0", 1, 0, 1},
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    size_t bad = 99;
    size_t len = pt_utf8_char(c[i].s, c[i].n, &bad);
    if (len != c[i].len || bad != c[i].bad)
      fail_msg("case %zu: length %zu bad %zu, want %zu %zu", i, len, bad, c[i].len, c[i].bad);
  }
}

/* Cut positions, by hand: a character is kept or dropped whole. */
static void test_boundary(void **state) {
  static const struct {
    const char *s;
    size_t n, max, want;
  } c[] = {
      {"caf\xC3\xA9", 5, 4, 3},  {"caf\xC3\xA9", 5, 5, 5},     {"caf\xC3\xA9", 5, 3, 3},
      {"\xE2\x82\xAC\xE2\x82\xAC", 6, 5, 3}, {"\xE2\x82\xAC\xE2\x82\xAC", 6, 2, 0},
      {"\xE2\x82\xAC\xE2\x82\xAC", 6, 6, 6}, {"\xE2\x82\xAC\xE2\x82\xAC", 6, 100, 6},
      {"\xF0\x9F\x98\x80x", 5, 3, 0}, {"\xF0\x9F\x98\x80x", 5, 4, 4},
      {"\xFF\xFE", 2, 1, 1},     {"ab\xE2\x82", 4, 3, 2},     {"ab\xE2\x82", 4, 4, 4},
      {"", 0, 0, 0},             {"abc", 3, 0, 0},
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    size_t got = pt_utf8_boundary(c[i].s, c[i].n, c[i].max);
    if (got != c[i].want)
      fail_msg("case %zu: cut at %zu, want %zu", i, got, c[i].want);
  }
}

/* Copies into small buffers, by hand: cut before a character that would
 * not fit with its NUL; a U+FFFD takes three bytes. */
static void test_copy(void **state) {
  static const struct {
    const char *s;
    size_t n, size;
    const char *want;
    bool whole;
  } c[] = {
      {"caf\xC3\xA9", 5, 5, "caf", false},
      {"caf\xC3\xA9", 5, 6, "caf\xC3\xA9", true},
      {"a\xFF", 2, 4, "a", false},
      {"a\xFF", 2, 5, "a\xEF\xBF\xBD", true},
      {"", 0, 1, "", true},
      {"stop", 4, 1, "", false},
      {"length", 6, 7, "length", true},
      /* a 32-byte done_reason field: 30 'x' and an e-acute do not fit */
      {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xC3\xA9", 32, 32, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", false},
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    char dst[64];
    memset(dst, 'Z', sizeof dst);
    bool whole = pt_utf8_copy(dst, c[i].size, c[i].s, c[i].n);
    if (whole != c[i].whole || strcmp(dst, c[i].want))
      fail_msg("case %zu: got '%s' (%s)", i, dst, whole ? "whole" : "cut");
    assert_true(strlen(dst) < c[i].size);
  }
}

/* A capped buffer that cannot take the repaired text is left as it was. */
static void test_sanitize_cap(void **state) {
  pt_buf b;
  pt_buf_init(&b, 8);
  assert_int_equal(pt_buf_puts(&b, "ab"), PT_OK);
  assert_int_equal(pt_utf8_sanitize(&b, "cd\xFF\xFF", 4), PT_ETOOBIG); /* 2 + 2 + 6 > 8 */
  assert_string_equal(b.data, "ab");
  assert_int_equal(b.len, 2);
  assert_int_equal(pt_utf8_sanitize(&b, "cd\xFF", 3), PT_OK);
  assert_string_equal(b.data, "abcd\xEF\xBF\xBD");
  pt_buf_free(&b);
}

/* Random byte strings, biased towards UTF-8 lead and continuation bytes:
 * the valid prefix is glib's, the repair is valid and leaves valid input
 * unchanged, and a cut copy is a prefix of the repair. */
static void test_against_glib(void **state) {
  static const unsigned char pool[] = {
      0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
      0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
  uint64_t x = 0x9E3779B97F4A7C15u;
  for (int iter = 0; iter < 200000; iter++) {
    unsigned char s[24];
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    size_t n = (size_t)(x % (sizeof s + 1));
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      s[i] = (x >> 8) % 3 == 0 ? (unsigned char)(x >> 16) : pool[(x >> 24) % sizeof pool];
    }
    const gchar *end = NULL;
    g_utf8_validate_len((const gchar *)s, n, &end);
    size_t want = (size_t)(end - (const gchar *)s);
    size_t got = pt_utf8_valid_prefix((const char *)s, n);
    if (got != want)
      fail_msg("iteration %d: valid prefix %zu, glib %zu", iter, got, want);
    pt_buf b = PT_BUF_INIT;
    assert_int_equal(pt_utf8_sanitize(&b, (const char *)s, n), PT_OK);
    assert_true(g_utf8_validate(b.data, (gssize)b.len, NULL));
    if (want == n)
      assert_memory_equal(b.data, s, n);
    char dst[16];
    pt_utf8_copy(dst, sizeof dst, (const char *)s, n);
    assert_true(g_utf8_validate(dst, -1, NULL));
    assert_memory_equal(dst, b.data, strlen(dst));
    size_t cut = pt_utf8_boundary((const char *)s, n, n / 2);
    assert_true(cut <= n / 2);
    assert_true(pt_utf8_valid_prefix((const char *)s, cut) == (want < cut ? want : cut));
    pt_buf_free(&b);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_and_repair), cmocka_unit_test(test_char),
      cmocka_unit_test(test_boundary),         cmocka_unit_test(test_copy),
      cmocka_unit_test(test_sanitize_cap),     cmocka_unit_test(test_against_glib),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
