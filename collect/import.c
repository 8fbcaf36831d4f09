/* collect/import.c - log parsers and run-directory writer for `ptbench
 * import` (see import.h for the formats). */
#include "collect/import.h"
#include "collect/manifest.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/trial.h"

#define MAX_LOG_BYTES ((size_t)256 << 20)
#define QUOTE_MAX 80  /* longest value quoted in a message */

/* The names, in pt_import_format order. */
static const char *const format_names[] = {"ollama-verbose", "llm-benchmark", "llama-bench"};
const char pt_import_format_names[] = "ollama-verbose, llm-benchmark or llama-bench";

const char *pt_import_format_name(pt_import_format f) {
  return (size_t)f < sizeof format_names / sizeof format_names[0] ? format_names[f]
                                                                  : format_names[0];
}

bool pt_import_format_parse(const char *name, pt_import_format *out) {
  for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++)
    if (!strcmp(name, format_names[i])) {
      *out = (pt_import_format)i;
      return true;
    }
  return false;
}

/* ------------------------------------------------------------ Go durations */

/* Go's unitMap (src/time/format.go). */
static const struct {
  const char *name;
  uint64_t ns;
} go_units[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
    {"\xce\xbcs", 1000}, /* U+03BC Greek small letter mu */
    {"ms", 1000000},
    {"s", 1000000000},
    {"m", 60000000000},
    {"h", 3600000000000},
};

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* A transcription of Go's ParseDuration, leadingInt and leadingFraction.
 * The integer part and the fraction's digits are parsed as integers; only
 * the fraction's share, f * (unit / scale), goes through a double as in Go.
 * With no more fraction digits than the unit has decimal places (all that
 * Duration.String() prints, so all Ollama prints) unit / scale is a whole
 * number and the product below 2^53: exact. Longer fractions round as Go's
 * do (Go's own test: "0.3333333333333333333h" is exactly 20m). */
bool pt_go_duration_parse(const char *s, size_t len, int64_t *ns) {
  const uint64_t lim = (uint64_t)1 << 63;
  size_t i = 0;
  bool neg = false;
  if (i < len && (s[i] == '-' || s[i] == '+')) {
    neg = s[i] == '-';
    i++;
  }
  if (len - i == 1 && s[i] == '0') {
    *ns = 0;
    return true;
  }
  if (i == len)
    return false;
  uint64_t d = 0;
  while (i < len) {
    if (s[i] != '.' && !is_digit(s[i]))
      return false;
    uint64_t v = 0, f = 0;
    double scale = 1;
    size_t start = i;
    for (; i < len && is_digit(s[i]); i++) {
      if (v > lim / 10)
        return false;
      v = v * 10 + (uint64_t)(s[i] - '0');
      if (v > lim)
        return false;
    }
    bool pre = i > start, post = false;
    if (i < len && s[i] == '.') {
      bool overflow = false;
      for (start = ++i; i < len && is_digit(s[i]); i++) {
        if (overflow)
          continue;
        uint64_t y = f > (lim - 1) / 10 ? lim + 1 : f * 10 + (uint64_t)(s[i] - '0');
        if (y > lim) {
          overflow = true;  /* stop gathering precision, as Go does */
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = i > start;
    }
    if (!pre && !post)
      return false;  /* no digits: ".s" */
    size_t us = i;
    while (i < len && s[i] != '.' && !is_digit(s[i]))
      i++;
    if (i == us)
      return false;  /* missing unit */
    size_t k = 0, nunits = sizeof go_units / sizeof go_units[0];
    while (k < nunits && !(strlen(go_units[k].name) == i - us &&
                           !memcmp(go_units[k].name, s + us, i - us)))
      k++;
    if (k == nunits)
      return false;  /* unknown unit */
    uint64_t unit = go_units[k].ns;
    if (v > lim / unit)
      return false;
    v *= unit;
    if (f > 0) {
      double ratio = (double)unit / scale;
      double part = (double)f * ratio;  /* < unit since f < scale */
      v += (uint64_t)part;
      if (v > lim)
        return false;
    }
    d += v;
    if (d > lim)
      return false;
  }
  if (neg)
    *ns = d == lim ? INT64_MIN : -(int64_t)d;
  else if (d > lim - 1)
    return false;
  else
    *ns = (int64_t)d;
  return true;
}

/* ------------------------------------------------------------ line cleaning */

static bool is_space(char c) { return c == ' '; }

size_t pt_import_clean_line(const char *line, size_t len, char *out) {
  size_t n = 0, i = 0;
  while (i < len) {
    unsigned char c = (unsigned char)line[i];
    if (c == 0x1b) {
      i++;
      if (i < len && line[i] == '[') {
        /* CSI: parameter and intermediate bytes, then a final byte */
        for (i++; i < len && (unsigned char)line[i] >= 0x20 &&
                  (unsigned char)line[i] <= 0x3f;
             i++)
          ;
        if (i < len && (unsigned char)line[i] >= 0x40 && (unsigned char)line[i] <= 0x7e)
          i++;
      } else if (i < len && line[i] == ']') {
        /* OSC: up to BEL or ESC backslash */
        for (i++; i < len && line[i] != 0x07 && line[i] != 0x1b; i++)
          ;
        if (i < len && line[i] == 0x07)
          i++;
        else if (i + 1 < len && line[i + 1] == '\\')
          i += 2;
      } else {
        /* two-byte or nF escape: intermediates, then one final byte */
        while (i < len && (unsigned char)line[i] >= 0x20 && (unsigned char)line[i] <= 0x2f)
          i++;
        if (i < len && (unsigned char)line[i] >= 0x30 && (unsigned char)line[i] <= 0x7e)
          i++;
      }
      continue;
    }
    /* braille patterns U+2800-U+28FF: E2 A0..A3 80..BF */
    if (c == 0xe2 && i + 2 < len && (unsigned char)line[i + 1] >= 0xa0 &&
        (unsigned char)line[i + 1] <= 0xa3 && ((unsigned char)line[i + 2] & 0xc0) == 0x80) {
      i += 3;
      continue;
    }
    i++;
    if (c == '\t' || c == '\r')
      c = ' ';
    else if (c < 0x20 || c == 0x7f)
      continue;
    out[n++] = (char)c;
  }
  size_t b = 0;
  while (b < n && is_space(out[b]))
    b++;
  while (n > b && is_space(out[n - 1]))
    n--;
  memmove(out, out + b, n - b);
  n -= b;
  out[n] = '\0';
  return n;
}

/* ------------------------------------------------------------ stats blocks */

typedef enum { V_DURATION, V_COUNT, V_RATE } value_kind;

/* The lines of api.Metrics.Summary() in Ollama, in the order it prints them. */
static const struct {
  const char *key;
  value_kind kind;
  size_t offset;  /* of the field in pt_import_block */
} stats_keys[] = {
    {"total duration", V_DURATION, offsetof(pt_import_block, total_duration_ns)},
    {"load duration", V_DURATION, offsetof(pt_import_block, load_duration_ns)},
    {"prompt eval count", V_COUNT, offsetof(pt_import_block, prompt_eval_count)},
    {"prompt eval duration", V_DURATION, offsetof(pt_import_block, prompt_eval_duration_ns)},
    {"prompt eval rate", V_RATE, offsetof(pt_import_block, prompt_eval_rate)},
    {"eval count", V_COUNT, offsetof(pt_import_block, eval_count)},
    {"eval duration", V_DURATION, offsetof(pt_import_block, eval_duration_ns)},
    {"eval rate", V_RATE, offsetof(pt_import_block, eval_rate)},
};
#define NKEYS (sizeof stats_keys / sizeof stats_keys[0])

typedef struct parser {
  pt_import_format fmt;
  const char *path;
  pt_import_log *log;
  char *model;     /* model named last in the log; owned */
  long prompt_no;  /* blocks so far in the current model section */
  bool open;       /* the last block of log may take more lines */
  unsigned seen;   /* keys the open block has, one bit each */
} parser;

/* Index of the statistics key line starts with ("key:"), or -1. */
static int stats_key(const char *line, size_t len) {
  for (size_t k = 0; k < NKEYS; k++) {
    size_t kl = strlen(stats_keys[k].key);
    if (len > kl && line[kl] == ':' && !memcmp(line, stats_keys[k].key, kl))
      return (int)k;
  }
  return -1;
}

/* Append an empty block (every metric missing) at line; the one place the
 * block array grows. Returns it, or NULL when out of memory. */
static pt_import_block *new_block(pt_import_log *log, long lineno) {
  if (log->n == log->cap) {
    if (log->cap > SIZE_MAX / 2 / sizeof *log->blocks)
      return NULL;
    size_t cap = log->cap ? log->cap * 2 : 16;
    pt_import_block *nb = realloc(log->blocks, cap * sizeof *nb);
    if (!nb)
      return NULL;
    log->blocks = nb;
    log->cap = cap;
  }
  pt_import_block *b = &log->blocks[log->n++];
  *b = (pt_import_block){
      .line = lineno,
      .total_duration_ns = PT_MISSING,
      .load_duration_ns = PT_MISSING,
      .prompt_eval_count = PT_MISSING,
      .prompt_eval_duration_ns = PT_MISSING,
      .eval_count = PT_MISSING,
      .eval_duration_ns = PT_MISSING,
      .prompt_eval_rate = NAN,
      .eval_rate = NAN,
  };
  return b;
}

static pt_code start_block(parser *p, long lineno, pt_error *err) {
  pt_import_block *b = new_block(p->log, lineno);
  if (!b || (p->model && !(b->model = strdup(p->model))))
    return pt_error_at(err, PT_ENOMEM, p->path, lineno, 0, "out of memory");
  b->prompt_no = p->fmt == PT_IMPORT_LLM_BENCHMARK ? ++p->prompt_no : 0;
  p->open = true;
  p->seen = 0;
  return PT_OK;
}

/* True when s[0..len) is " UNIT" for one of the NULL-terminated units, or
 * empty. */
static bool unit_ok(const char *s, size_t len, const char *const *units) {
  size_t i = 0;
  while (i < len && is_space(s[i]))
    i++;
  if (i == len)
    return true;
  if (i == 0)
    return false;
  for (; *units; units++)
    if (strlen(*units) == len - i && !memcmp(*units, s + i, len - i))
      return true;
  return false;
}

static pt_code parse_value(parser *p, long lineno, size_t k, const char *v, size_t len,
                           pt_error *err) {
  pt_import_block *b = &p->log->blocks[p->log->n - 1];
  const char *key = stats_keys[k].key;
  int q = len > QUOTE_MAX ? QUOTE_MAX : (int)len;
  const char *more = len > QUOTE_MAX ? "..." : "";
  pt_code rc = PT_OK;
  switch (stats_keys[k].kind) {
  case V_DURATION: {
    int64_t ns;
    if (!pt_go_duration_parse(v, len, &ns))
      rc = pt_error_at(err, PT_EDATA, p->path, lineno, 0,
                       "malformed duration \"%.*s%s\" in '%s'", q, v, more, key);
    else if (ns < 0)
      rc = pt_error_at(err, PT_EDATA, p->path, lineno, 0,
                       "negative duration \"%.*s%s\" in '%s'", q, v, more, key);
    else
      memcpy((char *)b + stats_keys[k].offset, &ns, sizeof ns);
    break;
  }
  case V_COUNT: {
    static const char *const units[] = {"token(s)", "tokens", "token", NULL};
    size_t i = 0;
    while (i < len && is_digit(v[i]))
      i++;
    char *end;
    errno = 0;
    long long n = i ? strtoll(v, &end, 10) : 0;
    if (!i || errno || end != v + i || !unit_ok(v + i, len - i, units))
      rc = pt_error_at(err, PT_EDATA, p->path, lineno, 0,
                       "malformed token count \"%.*s%s\" in '%s'", q, v, more, key);
    else {
      int64_t n64 = n;
      memcpy((char *)b + stats_keys[k].offset, &n64, sizeof n64);
    }
    break;
  }
  case V_RATE: {
    static const char *const units[] = {"tokens/s", NULL};
    size_t i = 0;
    while (i < len && is_digit(v[i]))
      i++;
    bool digits = i > 0;
    if (i < len && v[i] == '.')
      for (i++; i < len && is_digit(v[i]); i++)
        digits = true;
    char *end;
    errno = 0;
    double r = digits && is_digit(v[0]) ? strtod(v, &end) : NAN;
    if (!isfinite(r) || errno || end != v + i || !unit_ok(v + i, len - i, units))
      rc = pt_error_at(err, PT_EDATA, p->path, lineno, 0,
                       "malformed rate \"%.*s%s\" in '%s'", q, v, more, key);
    else
      memcpy((char *)b + stats_keys[k].offset, &r, sizeof r);
    break;
  }
  }
  if (rc)
    pt_error_set_field(err, key);
  return rc;
}

static pt_code set_model(parser *p, const char *m, size_t len, long lineno, pt_error *err) {
  char *s = strndup(m, len);
  if (!s)
    return pt_error_at(err, PT_ENOMEM, p->path, lineno, 0, "out of memory");
  free(p->model);
  p->model = s;
  p->prompt_no = 0;
  return PT_OK;
}

/* `model_name =    M` (llm-benchmark); returns the model or NULL. */
static const char *model_name_line(const char *line, size_t len, size_t *mlen) {
  static const char tag[] = "model_name";
  size_t i = sizeof tag - 1;
  if (len < i || memcmp(line, tag, i))
    return NULL;
  while (i < len && is_space(line[i]))
    i++;
  if (i == len || line[i] != '=')
    return NULL;
  for (i++; i < len && is_space(line[i]); i++)
    ;
  *mlen = len - i;
  return *mlen ? line + i : NULL;
}

/* An echoed command `ollama run MODEL ...`, alone on the line or after a
 * shell prompt ending in "$ ", "# ", "% " or "> "; returns MODEL or NULL. */
static const char *ollama_run_line(const char *line, size_t len, size_t *mlen) {
  static const char cmd[] = "ollama run ";
  const char *at = NULL;
  for (size_t i = 0; i + sizeof cmd - 1 <= len; i++) {
    if (memcmp(line + i, cmd, sizeof cmd - 1))
      continue;
    if (i == 0 || (i >= 2 && line[i - 1] == ' ' && strchr("$#%>", line[i - 2]))) {
      at = line + i + sizeof cmd - 1;
      break;
    }
  }
  if (!at)
    return NULL;
  const char *end = line + len;
  bool skip_value = false;
  while (at < end) {
    while (at < end && is_space(*at))
      at++;
    const char *t = at;
    while (at < end && !is_space(*at))
      at++;
    size_t tl = (size_t)(at - t);
    if (!tl)
      break;
    if (skip_value) {
      skip_value = false;
      continue;
    }
    if (t[0] == '-') {
      /* flags of `ollama run` that take a separate value */
      skip_value = (tl == 8 && !memcmp(t, "--format", 8)) ||
                   (tl == 11 && !memcmp(t, "--keepalive", 11));
      continue;
    }
    *mlen = tl;
    return t;
  }
  return NULL;
}

static pt_code parse_llama_bench(const char *data, size_t len, const char *path,
                                 pt_import_log *log, pt_error *err);

pt_code pt_import_parse(pt_import_format fmt, const char *data, size_t len,
                        const char *path, pt_import_log *log, pt_error *err) {
  if (fmt == PT_IMPORT_LLAMA_BENCH)
    return parse_llama_bench(data, len, path, log, err);
  char *clean = malloc(len + 1);
  if (!clean)
    return pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory");
  parser p = {.fmt = fmt, .path = path, .log = log};
  size_t first = log->n;
  pt_code rc = PT_OK;
  long lineno = 0;
  for (size_t pos = 0; pos < len && !rc;) {
    const char *nl = memchr(data + pos, '\n', len - pos);
    size_t ll = nl ? (size_t)(nl - (data + pos)) : len - pos;
    size_t cl = pt_import_clean_line(data + pos, ll, clean);
    pos += ll + 1;
    lineno++;
    int k = stats_key(clean, cl);
    if (k >= 0) {
      if (!p.open || k == 0 || (p.seen & (1u << k)))
        rc = start_block(&p, lineno, err);
      if (!rc) {
        size_t kl = strlen(stats_keys[k].key) + 1;
        while (kl < cl && is_space(clean[kl]))
          kl++;
        rc = parse_value(&p, lineno, (size_t)k, clean + kl, cl - kl, err);
        p.seen |= 1u << k;
      }
      continue;
    }
    p.open = false;
    size_t ml;
    const char *m = model_name_line(clean, cl, &ml);
    if (!m && fmt == PT_IMPORT_OLLAMA_VERBOSE)
      m = ollama_run_line(clean, cl, &ml);
    if (m)
      rc = set_model(&p, m, ml, lineno, err);
  }
  if (!rc && log->n == first)
    rc = pt_error_at(err, PT_EDATA, path, 0, 0,
                     "no 'ollama run --verbose' statistics found");
  free(p.model);
  free(clean);
  return rc;
}

void pt_import_log_free(pt_import_log *log) {
  if (!log)
    return;
  for (size_t i = 0; i < log->n; i++) {
    free(log->blocks[i].model);
    free(log->blocks[i].prompt_id);
  }
  free(log->blocks);
  cJSON_Delete(log->results);
  log->blocks = NULL;
  log->results = NULL;
  log->n = log->cap = 0;
}

/* ------------------------------------------------------------ llama-bench */

/* Attach item to obj under key (or to the array obj when key is NULL);
 * item is freed when it cannot be attached. */
static bool attach(cJSON *obj, const char *key, cJSON *item) {
  bool ok = item && (key ? cJSON_AddItemToObject(obj, key, item) : cJSON_AddItemToArray(obj, item));
  if (!ok)
    cJSON_Delete(item);
  return ok;
}

/* Members of a llama-bench result that are not settings of its test: who
 * built it and where it ran, the model, the test's shape, its time and its
 * measurements (llama-bench.cpp, test::get_fields, plus the samples), and
 * what ptbench adds to the results it keeps. Every other member is a setting
 * (n_batch, n_threads, n_gpu_layers, ...), whatever the llama-bench version. */
static const char *const llama_not_settings[] = {
    "build_commit", "build_number", "cpu_info",  "gpu_info",  "backends",  "model_filename",
    "model_type",   "model_size",   "model_n_params", "n_prompt", "n_gen", "n_depth",
    "test_time",    "avg_ns",       "stddev_ns", "avg_ts",    "stddev_ts", "samples_ns",
    "samples_ts",   "file",         "line",      "prompt_id"};

static bool llama_is_setting(const char *key) {
  for (size_t i = 0; i < sizeof llama_not_settings / sizeof llama_not_settings[0]; i++)
    if (!strcmp(key, llama_not_settings[i]))
      return false;
  return true;
}

/* A whole number in [lo, hi] exactly (cJSON holds numbers as doubles, exact
 * up to 2^53). */
static bool whole_in(const cJSON *v, double lo, double hi, int64_t *out) {
  if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi) ||
      v->valuedouble != floor(v->valuedouble))
    return false;
  *out = (int64_t)v->valuedouble;
  return true;
}

/* A token count member (n_prompt, n_gen, n_depth): 0 when absent and
 * optional. */
static pt_code llama_count(const cJSON *r, const char *key, bool required, int64_t *out,
                           const char *path, long line, pt_error *err) {
  const cJSON *v = pt_json_get(r, key);
  *out = 0;
  if (!v && !required)
    return PT_OK;
  if (!v)
    return pt_error_at(err, PT_EDATA, path, line, 0,
                       "llama-bench result without '%s': not llama-bench output?", key);
  if (!whole_in(v, 0, 1e9, out))
    return pt_error_at(err, PT_EDATA, path, line, 0, "'%s' is not a token count", key);
  return PT_OK;
}

/* The test as llama-bench names it (markdown_printer, field "test"). */
static void llama_test_name(int64_t n_prompt, int64_t n_gen, int64_t n_depth, char *buf,
                            size_t size) {
  if (n_gen == 0)
    snprintf(buf, size, "pp%lld", (long long)n_prompt);
  else if (n_prompt == 0)
    snprintf(buf, size, "tg%lld", (long long)n_gen);
  else
    snprintf(buf, size, "pp%lld+tg%lld", (long long)n_prompt, (long long)n_gen);
  if (n_depth > 0) {
    size_t n = strlen(buf);
    snprintf(buf + n, size - n, " @ d%lld", (long long)n_depth);
  }
}

/* One result object at line: its samples become blocks, the rest of it is
 * kept in log->results. */
static pt_code llama_result(const cJSON *r, const char *path, long line, pt_import_log *log,
                            pt_error *err) {
  if (!cJSON_IsObject(r))
    return pt_error_at(err, PT_EDATA, path, line, 0,
                       "a llama-bench result is a JSON object; found something else");
  int64_t n_prompt, n_gen, n_depth;
  pt_code rc = llama_count(r, "n_prompt", true, &n_prompt, path, line, err);
  if (!rc)
    rc = llama_count(r, "n_gen", true, &n_gen, path, line, err);
  if (!rc)
    rc = llama_count(r, "n_depth", false, &n_depth, path, line, err);
  if (rc)
    return rc;
  if (n_prompt == 0 && n_gen == 0)
    return pt_error_at(err, PT_EDATA, path, line, 0, "a test of 0 tokens (n_prompt and n_gen 0)");
  char test[96];
  llama_test_name(n_prompt, n_gen, n_depth, test, sizeof test);
  const cJSON *ns = pt_json_get(r, "samples_ns"), *ts = pt_json_get(r, "samples_ts");
  if (!ns)
    return pt_error_at(err, PT_EDATA, path, line, 0,
                       "%s: no 'samples_ns': this output has only averages (avg_ns, avg_ts); "
                       "import llama-bench's -o json or -o jsonl, which list every repetition",
                       test);
  int nsamples = cJSON_GetArraySize(ns);
  if (!cJSON_IsArray(ns) || nsamples == 0)
    return pt_error_at(err, PT_EDATA, path, line, 0, "%s: 'samples_ns' is not a list of durations",
                       test);
  if (ts && (!cJSON_IsArray(ts) || cJSON_GetArraySize(ts) != nsamples))
    return pt_error_at(err, PT_EDATA, path, line, 0,
                       "%s: 'samples_ts' does not hold one rate per sample of 'samples_ns'", test);
  const char *file = pt_json_str(r, "model_filename");
  const char *model = NULL;
  if (file && *file) {
    const char *slash = strrchr(file, '/'), *bslash = strrchr(file, '\\');
    model = slash > bslash ? slash + 1 : bslash ? bslash + 1 : file;
    if (!*model)
      model = NULL;
  }

  /* the result without its samples, and where it came from */
  if (!log->results && !(log->results = cJSON_CreateArray()))
    return pt_error_at(err, PT_ENOMEM, path, line, 0, "out of memory");
  cJSON *kept = cJSON_Duplicate(r, true);
  if (!kept || !cJSON_AddItemToArray(log->results, kept)) {
    cJSON_Delete(kept);
    return pt_error_at(err, PT_ENOMEM, path, line, 0, "out of memory");
  }
  cJSON_DeleteItemFromObjectCaseSensitive(kept, "samples_ns");
  cJSON_DeleteItemFromObjectCaseSensitive(kept, "samples_ts");
  if (!pt_json_add_str(kept, PT_MF_RESULT_FILE, path) ||
      !pt_json_add_num(kept, PT_MF_RESULT_LINE, (double)line))
    return pt_error_at(err, PT_ENOMEM, path, line, 0, "out of memory");
  long result = cJSON_GetArraySize(log->results) - 1;

  for (int i = 0; i < nsamples; i++) {
    int64_t t;
    const cJSON *s = cJSON_GetArrayItem(ns, i);
    /* durations in whole nanoseconds, exact in a double below 2^53 (104 days) */
    if (!whole_in(s, 1, 9007199254740992.0, &t))
      return pt_error_at(err, PT_EDATA, path, line, 0,
                         "%s: samples_ns[%d] is not a duration in nanoseconds above 0", test, i);
    if (ts) {
      /* llama-bench prints 1e9 (n_prompt + n_gen) / ns to 6 significant digits */
      const cJSON *rate = cJSON_GetArrayItem(ts, i);
      double want = 1e9 * (double)(n_prompt + n_gen) / (double)t;
      if (!cJSON_IsNumber(rate) || !(fabs(rate->valuedouble - want) <= 1e-5 * want))
        return pt_error_at(err, PT_EDATA, path, line, 0,
                           "%s: samples_ts[%d] disagrees with samples_ns[%d]: %lld tokens in "
                           "%lld ns are %.6g tokens/s",
                           test, i, i, (long long)(n_prompt + n_gen), (long long)t, want);
    }
    pt_import_block *b = new_block(log, line);
    if (!b || (model && !(b->model = strdup(model))) || !(b->prompt_id = strdup(test)))
      return pt_error_at(err, PT_ENOMEM, path, line, 0, "out of memory");
    b->result = result;
    if (n_prompt > 0 && n_gen > 0) {
      /* pp+tg: one time for both; neither rate alone is known */
      b->prompt_eval_count = n_prompt;
      b->eval_count = n_gen;
      b->total_duration_ns = t;
    } else if (n_gen > 0) {
      b->eval_count = n_gen;
      b->eval_duration_ns = t;
    } else {
      b->prompt_eval_count = n_prompt;
      b->prompt_eval_duration_ns = t;
    }
  }
  return PT_OK;
}

/* Lines where the elements of the top-level JSON array in data start (the
 * parser does not keep positions). lines[k] stays 0 past what was found. */
static void array_element_lines(const char *data, size_t len, long *lines, size_t n) {
  long line = 1;
  int depth = 0;
  bool in_str = false, esc = false, want = false;
  size_t k = 0;
  for (size_t i = 0; i < len && k < n; i++) {
    char c = data[i];
    if (c == '\n')
      line++;
    if (in_str) {
      if (esc)
        esc = false;
      else if (c == '\\')
        esc = true;
      else if (c == '"')
        in_str = false;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
      continue;
    if (depth == 1 && want && c != ']') {
      lines[k++] = line;  /* the element's first character */
      want = false;
    }
    if (c == '"')
      in_str = true;
    else if (c == '[' || c == '{') {
      if (++depth == 1)
        want = true;
    } else if (c == ']' || c == '}')
      depth--;
    else if (c == ',' && depth == 1)
      want = true;
  }
}

static pt_code parse_llama_bench(const char *data, size_t len, const char *path,
                                 pt_import_log *log, pt_error *err) {
  size_t first = log->n, bom = len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3) ? 3 : 0;
  size_t i = bom;
  while (i < len && strchr(" \t\r\n", data[i]) && data[i])
    i++;
  pt_code rc = PT_OK;
  if (i < len && data[i] == '[') {
    /* -o json: one array */
    cJSON *doc = pt_json_parse(data + bom, len - bom, path, err);
    if (!doc)
      return err ? err->code : PT_EPARSE;
    size_t n = (size_t)cJSON_GetArraySize(doc);
    long *lines = calloc(n ? n : 1, sizeof *lines);
    if (!lines)
      rc = pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory");
    else
      array_element_lines(data, len, lines, n);
    size_t k = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, doc) {
      if (rc)
        break;
      rc = llama_result(r, path, lines[k++], log, err);
    }
    free(lines);
    cJSON_Delete(doc);
  } else {
    /* -o jsonl: one object per line */
    long lineno = 0;
    for (size_t pos = 0; pos < len && !rc;) {
      const char *nl = memchr(data + pos, '\n', len - pos);
      size_t ll = nl ? (size_t)(nl - (data + pos)) : len - pos;
      const char *line = data + pos;
      pos += ll + 1;
      lineno++;
      size_t b = lineno == 1 && bom <= ll ? bom : 0;  /* a BOM before the first line */
      while (b < ll && strchr(" \t\r", line[b]) && line[b])
        b++;
      if (b == ll)
        continue;
      cJSON *r = pt_json_parse(line + b, ll - b, path, err);
      if (!r) {
        if (err && err->line) {
          err->line = lineno;
          err->column += (long)b;
        }
        return err ? err->code : PT_EPARSE;
      }
      rc = llama_result(r, path, lineno, log, err);
      cJSON_Delete(r);
    }
  }
  if (!rc && log->n == first)
    rc = pt_error_at(err, PT_EDATA, path, 0, 0,
                     "no llama-bench results found (llama-bench -o json or -o jsonl)");
  return rc;
}

/* A setting's value as text: strings as they are, whole numbers without a
 * fraction. */
static void setting_text(const cJSON *v, char *buf, size_t size) {
  if (cJSON_IsString(v))
    snprintf(buf, size, "%s", v->valuestring);
  else if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
           fabs(v->valuedouble) < 1e15)
    snprintf(buf, size, "%lld", (long long)v->valuedouble);
  else if (cJSON_IsNumber(v))
    snprintf(buf, size, "%.17g", v->valuedouble);
  else if (cJSON_IsBool(v))
    snprintf(buf, size, "%s", cJSON_IsTrue(v) ? "true" : "false");
  else if (!v)
    snprintf(buf, size, "none");
  else {
    char *s = cJSON_PrintUnformatted(v);
    snprintf(buf, size, "%s", s ? s : "?");
    cJSON_free(s);
  }
}

/* True when setting key has the same value in every result (absent counts
 * as a value). */
static bool setting_constant(const cJSON *results, const char *key) {
  const cJSON *first = pt_json_get(cJSON_GetArrayItem(results, 0), key), *r;
  cJSON_ArrayForEach(r, results) {
    const cJSON *v = pt_json_get(r, key);
    if ((!v) != (!first) || (v && !cJSON_Compare(v, first, true)))
      return false;
  }
  return true;
}

/* After every file is read: when the results differ in a setting, name it in
 * the prompt id of every sample ("tg128 n_gpu_layers=99"), in llama-bench's
 * field order, and record the final prompt id in each result. */
static pt_code llama_finish(pt_import_log *log, pt_error *err) {
  if (!log->results)
    return PT_OK;
  /* every setting once, in order of first appearance; then those that vary */
  cJSON *keys = cJSON_CreateArray(), *varying = cJSON_CreateArray();
  pt_code rc = keys && varying ? PT_OK : pt_error_set(err, PT_ENOMEM, "out of memory");
  const cJSON *r, *m, *k;
  cJSON_ArrayForEach(r, log->results) {
    cJSON_ArrayForEach(m, r) {
      if (rc || !m->string || !llama_is_setting(m->string))
        continue;
      bool seen = false;
      cJSON_ArrayForEach(k, keys) seen = seen || !strcmp(k->valuestring, m->string);
      if (!seen && !attach(keys, NULL, cJSON_CreateString(m->string)))
        rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    }
  }
  cJSON_ArrayForEach(k, keys) {
    if (!rc && !setting_constant(log->results, k->valuestring) &&
        !attach(varying, NULL, cJSON_CreateString(k->valuestring)))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  cJSON_Delete(keys);
  for (size_t i = 0; i < log->n && !rc; i++) {
    pt_import_block *b = &log->blocks[i];
    cJSON *res = cJSON_GetArrayItem(log->results, (int)b->result);
    pt_buf id = PT_BUF_INIT;
    rc = pt_buf_puts(&id, b->prompt_id);
    cJSON_ArrayForEach(k, varying) {
      char val[256];
      setting_text(pt_json_get(res, k->valuestring), val, sizeof val);
      if (!rc)
        rc = pt_buf_printf(&id, " %s=%s", k->valuestring, val);
    }
    char *s = rc ? NULL : pt_buf_detach(&id, NULL);
    pt_buf_free(&id);
    if (!s) {
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
      break;
    }
    free(b->prompt_id);
    b->prompt_id = s;
    cJSON_DeleteItemFromObjectCaseSensitive(res, "prompt_id");
    if (!pt_json_add_str(res, PT_MF_PROMPT_ID, s))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  cJSON_Delete(varying);
  return rc;
}

/* The distinct non-empty values of string member key over the results,
 * joined by "; ", into *out (NULL when there is none; the caller frees).
 * false when out of memory. */
static bool llama_distinct(const cJSON *results, const char *key, char **out) {
  pt_buf b = PT_BUF_INIT;
  const cJSON *r;
  int k = 0;
  *out = NULL;
  cJSON_ArrayForEach(r, results) {
    const char *v = pt_json_str(r, key);
    bool dup = !v || !*v;
    for (int j = 0; j < k && !dup; j++) {
      const char *w = pt_json_str(cJSON_GetArrayItem(results, j), key);
      dup = w && !strcmp(v, w);
    }
    k++;
    if (!dup && ((b.len && pt_buf_puts(&b, "; ")) || pt_buf_puts(&b, v))) {
      pt_buf_free(&b);
      return false;
    }
  }
  if (b.len && !(*out = pt_buf_detach(&b, NULL)))
    return false;
  pt_buf_free(&b);
  return true;
}

/* What the results say about the machine, the build and the settings, in
 * the manifest's places for them (host.cpu_model, gpu.model,
 * software.runtime, options: the settings every result shares), and every
 * result as llama-bench wrote it under "llama_bench". false when out of
 * memory. */
static bool llama_manifest(pt_manifest_import *mi, const cJSON *results) {
  char *cpu = NULL, *gpu = NULL, *backends = NULL, *commit = NULL;
  bool ok = llama_distinct(results, "cpu_info", &cpu) &&
            llama_distinct(results, "gpu_info", &gpu) &&
            llama_distinct(results, "backends", &backends) &&
            llama_distinct(results, "build_commit", &commit);
  if (ok && cpu)
    ok = (mi->host = cJSON_CreateObject()) && pt_json_add_str(mi->host, PT_MF_CPU_MODEL, cpu);
  if (ok && gpu)
    ok = (mi->gpu = cJSON_CreateObject()) && pt_json_add_str(mi->gpu, PT_MF_GPU_MODEL, gpu);
  if (ok) {
    /* "llama.cpp 8cf427ff (5163), CUDA": build commit and number as printed */
    pt_buf rt = PT_BUF_INIT;
    const cJSON *first = cJSON_GetArrayItem(results, 0);
    long long number = pt_json_int(first, "build_number", -1);
    bool one_build = commit && !strchr(commit, ';');
    ok = !pt_buf_printf(&rt, "llama.cpp%s%s", commit ? " " : "", commit ? commit : "") &&
         (!one_build || number < 0 || !pt_buf_printf(&rt, " (%lld)", number)) &&
         (!backends || !pt_buf_printf(&rt, ", %s", backends));
    ok = ok && (mi->software = cJSON_CreateObject()) &&
         pt_json_add_str(mi->software, PT_MF_RUNTIME, rt.data);
    pt_buf_free(&rt);
  }
  ok = ok && (mi->options = cJSON_CreateObject());
  const cJSON *s;
  cJSON_ArrayForEach(s, cJSON_GetArrayItem(results, 0)) {
    if (!ok)
      break;
    if (s->string && llama_is_setting(s->string) && setting_constant(results, s->string))
      ok = attach(mi->options, s->string, cJSON_Duplicate(s, true));
  }
  ok = ok && (mi->llama_bench = cJSON_CreateObject()) &&
       attach(mi->llama_bench, PT_MF_RESULTS, cJSON_Duplicate(results, true));
  free(cpu);
  free(gpu);
  free(backends);
  free(commit);
  return ok;
}

/* ------------------------------------------------------------ run directory */

typedef struct source_file {
  const char *path;
  size_t first, end;  /* its blocks in the log */
  bool have_stat;
  struct stat st;
} source_file;

/* (model, prompt) pairs seen so far, for trial numbering. */
typedef struct counter {
  const char *model;
  long prompt_no;
  const char *prompt_id;  /* llama-bench's test; NULL for the logs */
  long n;
} counter;

static bool same_id(const char *a, const char *b) {
  return a == b || (a && b && !strcmp(a, b));
}

static long next_trial(counter **cs, size_t *n, const char *model, const pt_import_block *b,
                       bool *nomem) {
  for (size_t i = 0; i < *n; i++)
    if ((*cs)[i].prompt_no == b->prompt_no && same_id((*cs)[i].prompt_id, b->prompt_id) &&
        !strcmp((*cs)[i].model, model))
      return ++(*cs)[i].n;
  counter *c = *n < SIZE_MAX / sizeof *c - 1 ? realloc(*cs, (*n + 1) * sizeof *c) : NULL;
  if (!c) {
    *nomem = true;
    return 0;
  }
  *cs = c;
  c[(*n)++] = (counter){model, b->prompt_no, b->prompt_id, 1};
  return 1;
}

static const char *block_model(const pt_import_options *o, const pt_import_block *b) {
  return o->model ? o->model : b->model;
}

static pt_code write_trials(const pt_import_options *o, const pt_import_log *log,
                            const char *path, pt_error *err) {
  pt_trial_writer *w = pt_trial_writer_open(path, err);
  if (!w)
    return err ? err->code : PT_EIO;
  counter *cs = NULL;
  size_t ncs = 0;
  bool nomem = false;
  pt_code rc = PT_OK;
  for (size_t i = 0; i < log->n && !rc; i++) {
    const pt_import_block *b = &log->blocks[i];
    char prompt_id[32];
    pt_trial t;
    pt_trial_init(&t);
    t.run_id = o->run_id;
    t.environment = o->environment;
    t.model = block_model(o, b);
    if (b->prompt_id) {
      t.prompt_id = b->prompt_id;
    } else if (b->prompt_no > 0) {
      snprintf(prompt_id, sizeof prompt_id, "prompt-%ld", b->prompt_no);
      t.prompt_id = prompt_id;
    }
    t.trial = next_trial(&cs, &ncs, t.model, b, &nomem);
    if (nomem) {
      rc = pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory");
      break;
    }
    t.warmup = false;
    t.status = PT_STATUS_OK;
    t.total_duration_ns = b->total_duration_ns;
    t.load_duration_ns = b->load_duration_ns;
    t.prompt_eval_count = b->prompt_eval_count;
    t.prompt_eval_duration_ns = b->prompt_eval_duration_ns;
    t.eval_count = b->eval_count;
    t.eval_duration_ns = b->eval_duration_ns;
    /* derived like collect's rates when the log has count and duration;
     * otherwise the rate Ollama printed (rounded to 2 decimals) */
    t.eval_rate = b->eval_count != PT_MISSING && b->eval_duration_ns != PT_MISSING
                      ? pt_rate(b->eval_count, b->eval_duration_ns)
                      : b->eval_rate;
    t.prompt_eval_rate =
        b->prompt_eval_count != PT_MISSING && b->prompt_eval_duration_ns != PT_MISSING
            ? pt_rate(b->prompt_eval_count, b->prompt_eval_duration_ns)
            : b->prompt_eval_rate;
    rc = pt_trial_write(w, &t, err);
  }
  free(cs);
  pt_error closing;
  pt_error_clear(&closing);
  pt_code crc = pt_trial_writer_close(w, &closing);
  if (!rc && crc) {
    rc = crc;
    if (err)
      *err = closing;
  }
  return rc;
}

static void iso_utc(time_t t, long ms, char *buf, size_t size) {
  struct tm tm;
  if (!gmtime_r(&t, &tm)) {
    snprintf(buf, size, "1970-01-01T00:00:00.000Z");
    return;
  }
  snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

static cJSON *files_json(const pt_import_options *o, const source_file *files) {
  cJSON *arr = cJSON_CreateArray();
  bool ok = arr != NULL;
  for (size_t i = 0; i < o->nfiles && ok; i++) {
    cJSON *f = cJSON_CreateObject();
    ok = attach(arr, NULL, f) && pt_json_add_str(f, PT_MF_FILE_PATH, files[i].path);
    if (ok && files[i].have_stat) {
      char when[40];
      iso_utc(files[i].st.st_mtim.tv_sec, files[i].st.st_mtim.tv_nsec / 1000000, when,
              sizeof when);
      ok = pt_json_add_num(f, PT_MF_FILE_SIZE, (double)files[i].st.st_size) &&
           pt_json_add_str(f, PT_MF_FILE_MTIME, when);
    }
    ok = ok && pt_json_add_num(f, PT_MF_TRIALS, (double)(files[i].end - files[i].first));
  }
  if (!ok) {
    cJSON_Delete(arr);
    return NULL;
  }
  return arr;
}

/* The distinct models, in order of first appearance. */
static cJSON *models_json(const pt_import_options *o, const pt_import_log *log) {
  cJSON *arr = cJSON_CreateArray();
  bool ok = arr != NULL;
  for (size_t i = 0; i < log->n && ok; i++) {
    const char *name = block_model(o, &log->blocks[i]);
    bool dup = false;
    for (size_t j = 0; j < i && !dup; j++)
      dup = !strcmp(name, block_model(o, &log->blocks[j]));
    if (dup)
      continue;
    cJSON *e = cJSON_CreateObject();
    ok = attach(arr, NULL, e) && pt_json_add_str(e, PT_MF_NAME, name);
    /* llama-bench says what the model file is */
    const cJSON *r = cJSON_GetArrayItem(log->results, (int)log->blocks[i].result);
    if (ok && o->format == PT_IMPORT_LLAMA_BENCH && r)
      ok = pt_json_add_str(e, PT_MF_MODEL_FILE, pt_json_str(r, "model_filename")) &&
           pt_json_add_str(e, PT_MF_MODEL_TYPE, pt_json_str(r, "model_type")) &&
           pt_json_add_num(e, PT_MF_MODEL_SIZE_BYTES, pt_json_num(r, "model_size")) &&
           pt_json_add_num(e, PT_MF_MODEL_PARAMETERS, pt_json_num(r, "model_n_params"));
  }
  if (!ok) {
    cJSON_Delete(arr);
    return NULL;
  }
  return arr;
}

/* manifest.json (collect/manifest.h, through pt_manifest_import_json);
 * NULL when out of memory. */
static cJSON *build_manifest(const pt_import_options *o, const pt_import_log *log,
                             const source_file *files) {
  pt_manifest_import mi = {o->run_id, o->environment, o->label,
                           pt_import_format_name(o->format), o->imported_at,
                           files_json(o, files), models_json(o, log), (long)log->n,
                           NULL, NULL, NULL, NULL, NULL};
  bool ok = mi.files && mi.models;
  if (ok && o->format == PT_IMPORT_LLAMA_BENCH && log->results)
    ok = llama_manifest(&mi, log->results);
  cJSON *m = pt_manifest_import_json(&mi);  /* takes every part over */
  if (!ok) {
    cJSON_Delete(m);
    return NULL;
  }
  return m;
}

/* Move tmp's two files into out_dir: rename the whole directory when out_dir
 * is absent or empty, else hard-link each file in (link never overwrites). */
static pt_code move_into_place(const char *tmp, const char *out_dir, pt_error *err) {
  if (rename(tmp, out_dir) == 0)
    return PT_OK;
  if (errno != ENOTEMPTY && errno != EEXIST)
    return pt_error_at(err, PT_EIO, out_dir, 0, 0, "cannot move the run directory into place: %s",
                       strerror(errno));
  static const char *const names[] = {"trials.csv", "manifest.json"};
  char *linked[2] = {NULL, NULL};
  pt_code rc = PT_OK;
  for (size_t i = 0; i < 2 && !rc; i++) {
    char *from = pt_path_join(tmp, names[i]);
    char *to = pt_path_join(out_dir, names[i]);
    if (!from || !to)
      rc = pt_error_at(err, PT_ENOMEM, out_dir, 0, 0, "out of memory");
    else if (link(from, to) != 0)
      rc = errno == EEXIST
               ? pt_error_at(err, PT_EUSAGE, to, 0, 0,
                             "already exists; not overwritten: choose another --out")
               : pt_error_at(err, PT_EIO, to, 0, 0, "cannot create: %s", strerror(errno));
    else {
      linked[i] = to;
      to = NULL;
    }
    free(from);
    free(to);
  }
  for (size_t i = 0; i < 2; i++) {
    if (rc && linked[i])
      unlink(linked[i]);
    free(linked[i]);
  }
  pt_remove_tree(tmp);
  return rc;
}

/* Refuse an out_dir that is not a directory or already holds a run. */
static pt_code check_target(const char *out_dir, pt_error *err) {
  struct stat st;
  if (stat(out_dir, &st) != 0)
    return errno == ENOENT ? PT_OK
                           : pt_error_at(err, PT_EIO, out_dir, 0, 0, "cannot access: %s",
                                         strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return pt_error_at(err, PT_EUSAGE, out_dir, 0, 0,
                       "exists and is not a directory: choose another --out");
  static const char *const names[] = {"trials.csv", "manifest.json"};
  pt_code rc = PT_OK;
  for (size_t i = 0; i < 2 && !rc; i++) {
    char *p = pt_path_join(out_dir, names[i]);
    if (!p)
      rc = pt_error_at(err, PT_ENOMEM, out_dir, 0, 0, "out of memory");
    else if (pt_exists(p))
      rc = pt_error_at(err, PT_EUSAGE, p, 0, 0,
                       "already exists; not overwritten: choose another --out");
    free(p);
  }
  return rc;
}

static pt_code read_logs(const pt_import_options *o, pt_import_log *log, source_file *files,
                         pt_error *err) {
  pt_code rc = PT_OK;
  for (size_t i = 0; i < o->nfiles && !rc; i++) {
    source_file *f = &files[i];
    f->path = o->files[i];
    f->first = log->n;
    f->have_stat = strcmp(f->path, "-") && stat(f->path, &f->st) == 0;
    pt_buf b = PT_BUF_INIT;
    rc = pt_read_file(f->path, MAX_LOG_BYTES, &b, err);
    if (!rc)
      rc = pt_import_parse(o->format, b.data ? b.data : "", b.len, f->path, log, err);
    pt_buf_free(&b);
    f->end = log->n;
    for (size_t j = f->first; j < f->end && !rc; j++)
      if (!block_model(o, &log->blocks[j]))
        rc = pt_error_at(err, PT_EUSAGE, f->path, log->blocks[j].line, 0,
                         "the log does not name the model of these statistics; "
                         "give it with --model");
  }
  return rc;
}

pt_code pt_import_run(const pt_import_options *o, size_t *ntrials, pt_error *err) {
  if (!o->environment || !*o->environment || !o->out_dir || !*o->out_dir || !o->run_id ||
      !o->nfiles)
    return pt_error_set(err, PT_EUSAGE, "import needs an environment, an output "
                                        "directory, a run id and at least one log");
  pt_code rc = check_target(o->out_dir, err);
  if (rc)
    return rc;
  pt_import_log log = {0};
  source_file *files = calloc(o->nfiles, sizeof *files);
  if (!files)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  rc = read_logs(o, &log, files, err);
  if (!rc && o->format == PT_IMPORT_LLAMA_BENCH)
    rc = llama_finish(&log, err);
  char *tmp = NULL, *csv = NULL, *manifest_path = NULL;
  cJSON *manifest = NULL;
  if (!rc && !(tmp = pt_mkdtemp_beside(o->out_dir, err)))
    rc = err ? err->code : PT_EIO;
  if (!rc) {
    /* mkdtemp makes it 0700; a run directory gets the usual mode */
    mode_t mask = umask(0);
    umask(mask);
    if (chmod(tmp, 0777 & ~mask) != 0)
      rc = pt_error_at(err, PT_EIO, tmp, 0, 0, "cannot set permissions: %s", strerror(errno));
  }
  if (!rc) {
    csv = pt_path_join(tmp, "trials.csv");
    manifest_path = pt_path_join(tmp, "manifest.json");
    manifest = build_manifest(o, &log, files);
    if (!csv || !manifest_path || !manifest)
      rc = pt_error_at(err, PT_ENOMEM, o->out_dir, 0, 0, "out of memory");
  }
  if (!rc)
    rc = write_trials(o, &log, csv, err);
  if (!rc)
    rc = pt_json_write_file(manifest_path, manifest, err);
  if (!rc)
    rc = move_into_place(tmp, o->out_dir, err);
  if (rc && tmp)
    pt_remove_tree(tmp);  /* gone already when it was renamed into place */
  if (!rc && ntrials)
    *ntrials = log.n;
  cJSON_Delete(manifest);
  free(csv);
  free(manifest_path);
  free(tmp);
  free(files);
  pt_import_log_free(&log);
  return rc;
}
