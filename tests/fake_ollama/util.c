/* tests/fake_ollama/util.c - small helpers of the fake Ollama server: a
 * seeded random generator (splitmix64), hashes, timestamps in Ollama's
 * format, sleeps that end when the server stops, checked number parsing. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "fake.h"

atomic_bool fake_stopping;

static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void fake_rng_seed(fake_rng *r, uint64_t seed) { r->s = mix64(seed ^ 0x6a09e667f3bcc909ULL); }

uint64_t fake_rng_next(fake_rng *r) {
  r->s += 0x9e3779b97f4a7c15ULL;
  return mix64(r->s);
}

double fake_rng_unit(fake_rng *r) { return (double)(fake_rng_next(r) >> 11) * 0x1.0p-53; }

double fake_rng_gauss(fake_rng *r) {
  double u = 1.0 - fake_rng_unit(r); /* (0, 1]: log(u) is finite */
  double v = fake_rng_unit(r);
  return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

uint64_t fake_rng_range(fake_rng *r, uint64_t lo, uint64_t hi) {
  uint64_t span = hi - lo + 1;
  return span == 0 ? fake_rng_next(r) : lo + fake_rng_next(r) % span;
}

uint64_t fake_hash(const void *p, size_t n, uint64_t seed) {
  const unsigned char *b = p;
  uint64_t h = 0xcbf29ce484222325ULL ^ mix64(seed);
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= 0x100000001b3ULL;
  }
  return mix64(h);
}

int64_t fake_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void fake_timestamp(int64_t t_ns, char *out, size_t size) {
  time_t sec = (time_t)(t_ns / 1000000000);
  long ns = (long)(t_ns % 1000000000);
  struct tm tm;
  if (!gmtime_r(&sec, &tm)) {
    snprintf(out, size, "1970-01-01T00:00:00Z");
    return;
  }
  snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
}

bool fake_sleep_ns(int64_t ns) {
  const int64_t slice = 20000000; /* 20 ms: stop within that */
  while (ns > 0) {
    if (atomic_load(&fake_stopping))
      return false;
    int64_t d = ns < slice ? ns : slice;
    struct timespec ts = {(time_t)(d / 1000000000), (long)(d % 1000000000)};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
    ns -= d;
  }
  return !atomic_load(&fake_stopping);
}

bool fake_client_gone(int fd) {
  if (fd < 0)
    return false;
  struct pollfd p = {fd, POLLIN, 0};
  if (poll(&p, 1, 0) <= 0)
    return false;
  if (p.revents & (POLLERR | POLLNVAL))
    return true;
  char c;
  ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

bool fake_wait_ns(int64_t ns, int fd) {
  const int64_t slice = 20000000;
  while (ns > 0) {
    int64_t d = ns < slice ? ns : slice;
    if (!fake_sleep_ns(d) || fake_client_gone(fd))
      return false;
    ns -= d;
  }
  return true;
}

bool fake_parse_double(const char *s, double *out) {
  if (!s || !*s)
    return false;
  char *end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || *end || !isfinite(v))
    return false;
  *out = v;
  return true;
}

bool fake_parse_ll(const char *s, long long *out) {
  if (!s || !*s)
    return false;
  char *end = NULL;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *end)
    return false;
  *out = v;
  return true;
}

bool fake_parse_duration(const char *s, int64_t *ns) {
  double secs;
  if (fake_parse_double(s, &secs)) { /* bare seconds */
    *ns = secs < 0 ? FAKE_FOREVER : (int64_t)(secs * 1e9);
    return secs < 9.2e9;
  }
  static const struct {
    const char *unit;
    double ns;
  } units[] = {{"ns", 1}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"ms", 1e6},
               {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  const char *p = s;
  bool neg = false;
  if (*p == '-' || *p == '+')
    neg = *p++ == '-';
  if (!*p)
    return false;
  double total = 0;
  while (*p) {
    char *end = NULL;
    errno = 0;
    double v = strtod(p, &end);
    if (errno || end == p || !isfinite(v) || v < 0 || *p == '-' || *p == '+')
      return false;
    p = end;
    size_t best = 0, best_len = 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
      size_t n = strlen(units[i].unit);
      if (!strncmp(p, units[i].unit, n) && n > best_len) {
        best = i;
        best_len = n;
      }
    }
    if (!best_len)
      return false;
    total += v * units[best].ns;
    p += best_len;
  }
  if (total > 9.2e18)
    return false;
  *ns = neg && total > 0 ? FAKE_FOREVER : (int64_t)total;
  return true;
}
