/* tests/fake_ollama/faults.c - fault-injection rules given with --fault.
 *
 *   --fault SELECTOR:KIND[:K[:S]]
 *
 * SELECTOR is ENDPOINT (every request to /api/ENDPOINT), ENDPOINT:N (its Nth
 * request, 1-based), ENDPOINT:N-M, or model=NAME (every request naming that
 * model; NAME may hold colons). ENDPOINT is generate, chat, pull, show, tags,
 * ps, version or any. KIND is one of the names in kinds[] below. K = lines
 * streamed before a fault inside the reply (default 4; not used by the
 * *-after kinds, which act after the final object), S = seconds: of a
 * stall (default 2), between dripped bytes (1), of idling (3600, i.e. until
 * the client leaves or the server stops) or before closing (8).
 */
#include <limits.h>
#include <string.h>

#include "fake.h"

static const struct {
  const char *name;
  fake_fault_kind kind;
} kinds[] = {
    {"404", FAKE_FAULT_404},
    {"404-legacy", FAKE_FAULT_404_LEGACY},
    {"500", FAKE_FAULT_500},
    {"503", FAKE_FAULT_503},
    {"latin1-502", FAKE_FAULT_LATIN1_502},
    {"error-midstream", FAKE_FAULT_MIDSTREAM},
    {"drop", FAKE_FAULT_DROP},
    {"stall", FAKE_FAULT_STALL},
    {"garbage", FAKE_FAULT_GARBAGE},
    {"endless", FAKE_FAULT_ENDLESS},
    {"drip", FAKE_FAULT_DRIP},
    {"junk-after", FAKE_FAULT_JUNK_AFTER},
    {"idle-after", FAKE_FAULT_IDLE_AFTER},
    {"close-after", FAKE_FAULT_CLOSE_AFTER},
};

bool fake_fault_in_reply(const fake_fault *f) {
  return f && f->kind != FAKE_FAULT_404 && f->kind != FAKE_FAULT_404_LEGACY &&
         f->kind != FAKE_FAULT_500 && f->kind != FAKE_FAULT_503 &&
         f->kind != FAKE_FAULT_LATIN1_502;
}

/* S when the spec gives none. */
static double default_seconds(fake_fault_kind k) {
  switch (k) {
  case FAKE_FAULT_DRIP:
    return 1;
  case FAKE_FAULT_IDLE_AFTER:
    return 3600;
  case FAKE_FAULT_CLOSE_AFTER:
    return 8;
  default:
    return 2;
  }
}

/* Kinds that take S. */
static bool takes_seconds(fake_fault_kind k) {
  return k == FAKE_FAULT_STALL || k == FAKE_FAULT_DRIP || k == FAKE_FAULT_IDLE_AFTER ||
         k == FAKE_FAULT_CLOSE_AFTER;
}

static const char *const endpoints[] = {"generate", "chat", "pull", "show",
                                        "tags",     "ps",   "version", "any"};

const char *fake_fault_name(fake_fault_kind k) {
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (kinds[i].kind == k)
      return kinds[i].name;
  return "?";
}

static bool find_kind(const char *s, size_t n, fake_fault_kind *out) {
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strlen(kinds[i].name) == n && !strncmp(kinds[i].name, s, n)) {
      *out = kinds[i].kind;
      return true;
    }
  return false;
}

/* "N", "N-M" or "*" into [first, last]. */
static bool parse_range(const char *s, long *first, long *last) {
  if (!strcmp(s, "*")) {
    *first = 1;
    *last = LONG_MAX;
    return true;
  }
  char buf[48];
  if (strlen(s) >= sizeof buf)
    return false;
  memcpy(buf, s, strlen(s) + 1);
  char *dash = strchr(buf, '-');
  if (dash)
    *dash = '\0';
  long long a, b;
  if (!fake_parse_ll(buf, &a) || a < 1 || a > LONG_MAX)
    return false;
  b = a;
  if (dash && (!fake_parse_ll(dash + 1, &b) || b < a || b > LONG_MAX))
    return false;
  *first = (long)a;
  *last = (long)b;
  return true;
}

static bool parse_selector(const char *sel, fake_fault *f, char *err, size_t errsz) {
  if (!strncmp(sel, "model=", 6)) {
    if (!sel[6] || strlen(sel + 6) >= FAKE_NAME_MAX - 8) {
      snprintf(err, errsz, "bad model name in fault selector '%s'", sel);
      return false;
    }
    fake_model_normalize(sel + 6, f->model, sizeof f->model);
    return true;
  }
  const char *colon = strchr(sel, ':');
  size_t n = colon ? (size_t)(colon - sel) : strlen(sel);
  size_t i = 0;
  while (i < sizeof endpoints / sizeof endpoints[0] &&
         !(strlen(endpoints[i]) == n && !strncmp(endpoints[i], sel, n)))
    i++;
  if (i == sizeof endpoints / sizeof endpoints[0]) {
    snprintf(err, errsz, "unknown fault selector '%s': expected ENDPOINT[:N[-M]] or model=NAME",
             sel);
    return false;
  }
  snprintf(f->endpoint, sizeof f->endpoint, "%s", strcmp(endpoints[i], "any") ? endpoints[i] : "");
  if (colon && !parse_range(colon + 1, &f->first, &f->last)) {
    snprintf(err, errsz, "bad request number in fault selector '%s': expected N, N-M or *", sel);
    return false;
  }
  return true;
}

bool fake_fault_parse(const char *spec, fake_fault *f, char *err, size_t errsz) {
  memset(f, 0, sizeof *f);
  f->first = 1;
  f->last = LONG_MAX;
  f->after = 4;
  f->seconds = 2;
  /* the kind is the first ':'-separated field after the first one that names
   * a kind, so model names with colons need no quoting */
  const char *p = strchr(spec, ':');
  const char *kind_at = NULL;
  size_t kind_len = 0;
  while (p) {
    const char *field = p + 1;
    const char *end = strchr(field, ':');
    size_t n = end ? (size_t)(end - field) : strlen(field);
    if (find_kind(field, n, &f->kind)) {
      kind_at = field;
      kind_len = n;
      break;
    }
    p = end;
  }
  if (!kind_at) {
    snprintf(err, errsz, "fault '%s' names no kind: expected SELECTOR:KIND[:K[:S]]", spec);
    return false;
  }
  char sel[FAKE_NAME_MAX + 16];
  size_t sel_len = (size_t)(kind_at - 1 - spec);
  if (sel_len >= sizeof sel) {
    snprintf(err, errsz, "fault selector too long in '%s'", spec);
    return false;
  }
  memcpy(sel, spec, sel_len);
  sel[sel_len] = '\0';
  if (!parse_selector(sel, f, err, errsz))
    return false;
  f->seconds = default_seconds(f->kind);
  if (f->kind == FAKE_FAULT_DRIP)
    f->after = 0;
  const char *args = kind_at[kind_len] == ':' ? kind_at + kind_len + 1 : NULL;
  if (!args)
    return true;
  bool stream = fake_fault_in_reply(f);
  char k[32] = "", s[32] = "";
  const char *colon = strchr(args, ':');
  size_t klen = colon ? (size_t)(colon - args) : strlen(args);
  long long after;
  double secs;
  if (!stream || klen >= sizeof k || (colon && !takes_seconds(f->kind)) ||
      (colon && strlen(colon + 1) >= sizeof s)) {
    snprintf(err, errsz, "fault '%s': too many arguments for '%s'", spec,
             fake_fault_name(f->kind));
    return false;
  }
  memcpy(k, args, klen);
  if (colon)
    memcpy(s, colon + 1, strlen(colon + 1) + 1);
  if (!fake_parse_ll(k, &after) || after < 0 || after > 1000000) {
    snprintf(err, errsz, "fault '%s': K must be an integer in [0, 1000000]", spec);
    return false;
  }
  f->after = (long)after;
  if (colon) {
    if (!fake_parse_double(s, &secs) || secs < 0 || secs > 86400) {
      snprintf(err, errsz, "fault '%s': S must be seconds in [0, 86400]", spec);
      return false;
    }
    f->seconds = secs;
  }
  return true;
}

const fake_fault *fake_faults_match(const fake_fault *v, size_t n, const char *endpoint,
                                    long number, const char *model) {
  char norm[FAKE_NAME_MAX];
  if (model)
    fake_model_normalize(model, norm, sizeof norm);
  for (size_t i = 0; i < n; i++) {
    const fake_fault *f = &v[i];
    if (f->endpoint[0] && strcmp(f->endpoint, endpoint))
      continue;
    if (f->model[0] && (!model || strcmp(f->model, norm)))
      continue;
    if (number < f->first || number > f->last)
      continue;
    return f;
  }
  return NULL;
}
