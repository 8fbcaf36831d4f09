/* core/hash.h - keyed hashing and a string table that interns strings to
 * dense indexes, for lookups that stay linear in the input: CSV header
 * names, and the models, environments, sessions and prompts of a dataset.
 *
 * pt_hash_bytes is SipHash-2-4 (Aumasson and Bernstein, 2012). A string
 * table hashes with a key drawn at random once per process, so input made to
 * collide (hash flooding) cannot make lookups quadratic; indexes do not
 * depend on the key.
 *
 * A pt_strtab maps byte strings (any bytes, NUL included) to 0, 1, 2, ... in
 * order of first insertion, so the caller keeps what it knows about each
 * string in a plain array indexed alike:
 *
 *     pt_strtab models = PT_STRTAB_INIT;
 *     size_t i;
 *     bool added;
 *     if (pt_strtab_intern(&models, name, len, &i, &added)) ... out of memory
 *     if (added) ... grow the caller's arrays to i + 1
 *
 * Open addressing with linear probing, at most half full; each key is hashed
 * once, when it is added; at most 2^32 - 2 strings. The table owns copies of its keys; pt_strtab_free
 * releases everything and leaves an empty table. Strings are never removed.
 * Not thread-safe for writers; concurrent pt_strtab_find calls are fine.
 */
#ifndef PT_HASH_H
#define PT_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"

/* SipHash-2-4 of n bytes at p under a 16-byte key. */
uint64_t pt_hash_bytes(const void *p, size_t n, const uint8_t key[16]);

typedef struct pt_strtab_entry {
  uint64_t hash;
  size_t off, len;  /* the key in keys */
} pt_strtab_entry;

/* Fields are private: use the functions. */
typedef struct pt_strtab {
  uint64_t *slots;          /* entry index + 1, and hash bits; 0 = empty */
  size_t nslots;            /* 0 or a power of two */
  pt_strtab_entry *entries; /* in insertion order */
  size_t n, cap;
  pt_buf keys;              /* every key, each followed by a NUL */
} pt_strtab;

#define PT_STRTAB_INIT {NULL, 0, NULL, 0, 0, PT_BUF_INIT}

void pt_strtab_init(pt_strtab *t);
void pt_strtab_free(pt_strtab *t);

/* Index of the string s[0..len), or -1 when it is not in the table. */
ptrdiff_t pt_strtab_find(const pt_strtab *t, const char *s, size_t len);

/* Index of s[0..len), added when absent; *added (may be NULL) says whether
 * it was. PT_ENOMEM, or PT_ETOOBIG past 2^32 - 2 strings, leave the table as
 * it was. */
pt_code pt_strtab_intern(pt_strtab *t, const char *s, size_t len, size_t *index,
                         bool *added);

/* Number of strings in the table. */
size_t pt_strtab_count(const pt_strtab *t);

/* The string of index i (< count), NUL-terminated, its length in *len (may
 * be NULL). Valid until the next pt_strtab_intern. */
const char *pt_strtab_str(const pt_strtab *t, size_t i, size_t *len);

#endif
