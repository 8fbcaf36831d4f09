/* tests/unit/rng.h - a seeded normal stream for the tests that simulate
 * sessions: splitmix64 and Box-Muller (u1, then u2, in that order, so a
 * seed gives the same stream with every compiler). */
#ifndef PTBENCH_TESTS_UNIT_RNG_H
#define PTBENCH_TESTS_UNIT_RNG_H

#include <math.h>
#include <stdint.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static inline uint64_t pt_test_u64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* uniform in (0, 1): 53 bits, never 0 or 1 */
static inline double pt_test_uniform(uint64_t *state) {
  return ((double)(pt_test_u64(state) >> 11) + 0.5) / 9007199254740992.0;
}

static inline double pt_test_normal(uint64_t *state) {
  double u1 = pt_test_uniform(state);
  double u2 = pt_test_uniform(state);
  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

#endif
