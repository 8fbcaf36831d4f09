/* core/hash.c - SipHash-2-4 and the string table (see core/hash.h). */
#include "core/hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- SipHash */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t load64_le(const uint8_t *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
         (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
         (uint64_t)p[7] << 56;
}

#define SIPROUND                                                                   \
  do {                                                                             \
    v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                      \
    v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                         \
    v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                         \
    v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                      \
  } while (0)

uint64_t pt_hash_bytes(const void *data, size_t n, const uint8_t key[16]) {
  const uint8_t *p = data;
  uint64_t k0 = load64_le(key), k1 = load64_le(key + 8);
  uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
  uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
  const uint8_t *end = p + (n & ~(size_t)7);
  for (; p != end; p += 8) {
    uint64_t m = load64_le(p);
    v3 ^= m;
    SIPROUND;
    SIPROUND;
    v0 ^= m;
  }
  /* the last 0..7 bytes, and the length in the top byte */
  uint64_t b = (uint64_t)n << 56;
  for (size_t i = 0; i < (n & 7); i++)
    b |= (uint64_t)p[i] << (8 * i);
  v3 ^= b;
  SIPROUND;
  SIPROUND;
  v0 ^= b;
  v2 ^= 0xff;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  return v0 ^ v1 ^ v2 ^ v3;
}

/* ---------------------------------------------------------------- key */

static uint8_t process_key[16];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void make_key(void) {
  if (getrandom(process_key, sizeof process_key, GRND_NONBLOCK) == (ssize_t)sizeof process_key)
    return;
  /* no entropy yet (early boot): the clock and pid still vary per process */
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t a = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 20, b = (uint64_t)getpid();
  memcpy(process_key, &a, 8);
  memcpy(process_key + 8, &b, 8);
}

static const uint8_t *table_key(void) {
  pthread_once(&key_once, make_key);
  return process_key;
}

/* ---------------------------------------------------------------- table */

void pt_strtab_init(pt_strtab *t) {
  memset(t, 0, sizeof *t);
  pt_buf_init(&t->keys, 0);
}

void pt_strtab_free(pt_strtab *t) {
  free(t->slots);
  free(t->entries);
  pt_buf_free(&t->keys);
  pt_strtab_init(t);
}

size_t pt_strtab_count(const pt_strtab *t) { return t->n; }

const char *pt_strtab_str(const pt_strtab *t, size_t i, size_t *len) {
  if (len)
    *len = t->entries[i].len;
  return t->keys.data + t->entries[i].off;
}

/* A slot holds the entry's index + 1 in its low 32 bits (0 = empty) and
 * the high 32 bits of its hash above, so a probe passes other keys without
 * touching their entries (a cache miss each in a big table). */
#define SLOT(h, idx) (((h) & 0xffffffff00000000ULL) | ((uint64_t)(idx) + 1))
#define SLOT_INDEX(v) ((size_t)((v) & 0xffffffffu) - 1)
#define MAX_ENTRIES ((size_t)0xfffffffe)

/* The slot holding s, or the empty slot where it would go. */
static size_t probe(const pt_strtab *t, uint64_t h, const char *s, size_t len) {
  size_t mask = t->nslots - 1;
  uint64_t tag = h & 0xffffffff00000000ULL;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    uint64_t v = t->slots[i];
    if (!v)
      return i;
    if ((v & 0xffffffff00000000ULL) != tag)
      continue;
    const pt_strtab_entry *en = &t->entries[SLOT_INDEX(v)];
    if (en->hash == h && en->len == len && !memcmp(t->keys.data + en->off, s, len))
      return i;
  }
}

ptrdiff_t pt_strtab_find(const pt_strtab *t, const char *s, size_t len) {
  if (!t->n)
    return -1;
  uint64_t h = pt_hash_bytes(s, len, table_key());
  uint64_t v = t->slots[probe(t, h, s, len)];
  return v ? (ptrdiff_t)SLOT_INDEX(v) : -1;
}

/* Double the slots (or make the first 16) and place every entry again. */
static pt_code rehash(pt_strtab *t) {
  size_t n = t->nslots ? t->nslots * 2 : 16;
  if (n < t->nslots || n > SIZE_MAX / sizeof *t->slots)
    return PT_ENOMEM;
  uint64_t *slots = calloc(n, sizeof *slots);
  if (!slots)
    return PT_ENOMEM;
  for (size_t k = 0; k < t->n; k++) {
    uint64_t h = t->entries[k].hash;
    size_t i = (size_t)h & (n - 1);
    while (slots[i])
      i = (i + 1) & (n - 1);
    slots[i] = SLOT(h, k);
  }
  free(t->slots);
  t->slots = slots;
  t->nslots = n;
  return PT_OK;
}

pt_code pt_strtab_intern(pt_strtab *t, const char *s, size_t len, size_t *index,
                         bool *added) {
  if (added)
    *added = false;
  uint64_t h = pt_hash_bytes(s, len, table_key());
  if (t->n) {
    uint64_t v = t->slots[probe(t, h, s, len)];
    if (v) {
      *index = SLOT_INDEX(v);
      return PT_OK;
    }
  }
  if (t->n >= MAX_ENTRIES)
    return PT_ETOOBIG;
  /* at most half full: grow the slots before adding */
  if ((t->n + 1) * 2 > t->nslots && rehash(t))
    return PT_ENOMEM;
  pt_strtab_entry *en = pt_grow_array(t->entries, &t->cap, t->n + 1, sizeof *en);
  if (!en)
    return PT_ENOMEM;
  t->entries = en;
  size_t off = t->keys.len;
  if (pt_buf_append(&t->keys, s, len) || pt_buf_putc(&t->keys, '\0')) {
    t->keys.len = off;  /* drop a key appended without its NUL */
    if (t->keys.data)
      t->keys.data[off] = '\0';
    return PT_ENOMEM;
  }
  en[t->n] = (pt_strtab_entry){h, off, len};
  t->slots[probe(t, h, s, len)] = SLOT(h, t->n);
  *index = t->n++;
  if (added)
    *added = true;
  return PT_OK;
}
