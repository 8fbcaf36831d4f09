/* tests/unit/test_hash.c - SipHash-2-4 and the string table (core/hash.h),
 * and the array growth helper (core/buf.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/hash.h"

/* Reference values from the SipHash authors' vectors.h
 * (github.com/veorq/SipHash, vectors_sip64): key 00 01 .. 0f, message
 * 00 01 .. (len - 1), the 8 output bytes read little-endian. Length 15 is
 * also the worked example in the SipHash paper's appendix A. */
static const struct {
  size_t len;
  uint64_t hash;
} sip_vectors[] = {
    {0, 0x726fdb47dd0e0e31ULL},  {1, 0x74f839c593dc67fdULL},  {7, 0xab0200f58b01d137ULL},
    {8, 0x93f5f5799a932462ULL},  {15, 0xa129ca6149be45e5ULL}, {63, 0x958a324ceb064572ULL},
};

static void test_siphash_vectors(void **state) {
  (void)state;
  uint8_t key[16], msg[64];
  for (int i = 0; i < 16; i++)
    key[i] = (uint8_t)i;
  for (int i = 0; i < 64; i++)
    msg[i] = (uint8_t)i;
  for (size_t i = 0; i < sizeof sip_vectors / sizeof sip_vectors[0]; i++) {
    uint64_t h = pt_hash_bytes(msg, sip_vectors[i].len, key);
    if (h != sip_vectors[i].hash)
      fail_msg("length %zu: %016llx, expected %016llx", sip_vectors[i].len,
               (unsigned long long)h, (unsigned long long)sip_vectors[i].hash);
  }
}

/* Interning: indexes in order of first insertion; finding; lengths and
 * embedded NULs are part of the key; the empty string is a key. */
static const struct {
  const char *s;
  size_t len;
  size_t index;
  bool added;
} interns[] = {
    {"mistral:7b", 10, 0, true},
    {"gemma2:9b", 9, 1, true},
    {"mistral:7b", 10, 0, false},
    {"mistral:7", 9, 2, true},       /* a prefix is another key */
    {"a\0b", 3, 3, true},            /* bytes after a NUL count */
    {"a\0c", 3, 4, true},
    {"a", 1, 5, true},
    {"", 0, 6, true},
    {"a\0b", 3, 3, false},
    {"", 0, 6, false},
};

static void test_strtab_intern(void **state) {
  (void)state;
  pt_strtab t = PT_STRTAB_INIT;
  assert_int_equal(pt_strtab_find(&t, "x", 1), -1);
  for (size_t i = 0; i < sizeof interns / sizeof interns[0]; i++) {
    size_t idx = 99;
    bool added = !interns[i].added;
    assert_int_equal(pt_strtab_intern(&t, interns[i].s, interns[i].len, &idx, &added), PT_OK);
    if (idx != interns[i].index || added != interns[i].added)
      fail_msg("case %zu: index %zu added %d", i, idx, added);
    assert_int_equal(pt_strtab_find(&t, interns[i].s, interns[i].len), (ptrdiff_t)idx);
  }
  assert_int_equal(pt_strtab_count(&t), 7);
  size_t len;
  assert_string_equal(pt_strtab_str(&t, 1, &len), "gemma2:9b");
  assert_int_equal(len, 9);
  assert_int_equal(memcmp(pt_strtab_str(&t, 4, &len), "a\0c", 4), 0);
  assert_int_equal(len, 3);
  assert_int_equal(pt_strtab_find(&t, "a\0d", 3), -1);
  pt_strtab_free(&t);
  assert_int_equal(pt_strtab_count(&t), 0);
  assert_int_equal(pt_strtab_find(&t, "a", 1), -1);
  pt_strtab_free(&t);  /* twice is fine */
}

/* Many keys (growth and rehashing many times over), all found again at
 * their index, and absent keys not found. */
static void test_strtab_many(void **state) {
  (void)state;
  pt_strtab t;
  pt_strtab_init(&t);
  char key[32];
  const size_t n = 300000;
  for (size_t i = 0; i < n; i++) {
    int len = snprintf(key, sizeof key, "column-%zu", i);
    size_t idx;
    bool added;
    assert_int_equal(pt_strtab_intern(&t, key, (size_t)len, &idx, &added), PT_OK);
    assert_true(added);
    assert_int_equal(idx, i);
  }
  for (size_t i = 0; i < n; i += 7) {
    int len = snprintf(key, sizeof key, "column-%zu", i);
    assert_int_equal(pt_strtab_find(&t, key, (size_t)len), (ptrdiff_t)i);
    assert_string_equal(pt_strtab_str(&t, i, NULL), key);
  }
  for (size_t i = n; i < n + 1000; i++) {
    int len = snprintf(key, sizeof key, "column-%zu", i);
    assert_int_equal(pt_strtab_find(&t, key, (size_t)len), -1);
  }
  assert_int_equal(pt_strtab_count(&t), n);
  pt_strtab_free(&t);
}

/* pt_grow_array: capacity doubles from 16 and covers the need; overflow
 * is refused with the array left as it was. */
static void test_grow_array(void **state) {
  (void)state;
  size_t cap = 0;
  int *a = pt_grow_array(NULL, &cap, 1, sizeof *a);
  assert_non_null(a);
  assert_int_equal(cap, 16);
  a[15] = 7;
  int *b = pt_grow_array(a, &cap, 16, sizeof *a);
  assert_ptr_equal(a, b);
  b = pt_grow_array(a, &cap, 17, sizeof *a);
  assert_non_null(b);
  assert_int_equal(cap, 32);
  assert_int_equal(b[15], 7);
  a = b;
  b = pt_grow_array(a, &cap, 1000, sizeof *a);
  assert_non_null(b);
  assert_int_equal(cap, 1024);
  a = b;
  assert_null(pt_grow_array(a, &cap, SIZE_MAX / 2, sizeof *a));
  assert_int_equal(cap, 1024);
  free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_siphash_vectors),
      cmocka_unit_test(test_strtab_intern),
      cmocka_unit_test(test_strtab_many),
      cmocka_unit_test(test_grow_array),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
