/* core/json.c - cJSON helpers. */
#include "core/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/fs.h"

/* 1-based line and column of byte `at` of data. */
static void position(const char *data, size_t at, long *line, long *col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < at; i++) {
    if (data[i] == '\n') {
      (*line)++;
      *col = 1;
    } else {
      (*col)++;
    }
  }
}

/* JSON's whitespace (RFC 8259: space, tab, LF, CR), unlike cJSON's, which
 * takes every byte up to 32 for one. */
static bool json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

cJSON *pt_json_parse(const char *data, size_t len, const char *name, pt_error *err) {
  const char *end = NULL;
  long line, col;
  cJSON *json = cJSON_ParseWithLengthOpts(data, len, &end, false);
  if (json) {
    /* what cJSON_ParseWithLengthOpts's require_null_terminated asks for,
     * without its off-by-one on a buffer of exactly len bytes: after the
     * document, whitespace only */
    size_t at = end && end >= data && end <= data + len ? (size_t)(end - data) : len;
    while (at < len && json_space(data[at]))
      at++;
    if (at == len)
      return json;
    cJSON_Delete(json);
    position(data, at, &line, &col);
    pt_error_at(err, PT_EPARSE, name, line, col,
                "not valid JSON: unexpected data after the document, at byte offset %zu", at);
    return NULL;
  }
  /* cJSON points at where it gave up: turn that into line and column */
  size_t at = end && end >= data && end <= data + len ? (size_t)(end - data) : 0;
  position(data, at, &line, &col);
  size_t blank = 0;
  while (blank < len && json_space(data[blank]))
    blank++;
  if (blank == len)
    pt_error_at(err, PT_EPARSE, name, 0, 0, "empty document: expected JSON");
  else
    pt_error_at(err, PT_EPARSE, name, line, col, "not valid JSON");
  return NULL;
}

cJSON *pt_json_read_file(const char *path, size_t max, pt_error *err) {
  pt_buf b = PT_BUF_INIT;
  if (pt_read_file(path, max ? max : (size_t)256 << 20, &b, err)) {
    pt_buf_free(&b);
    return NULL;
  }
  cJSON *json = pt_json_parse(b.data, b.len, strcmp(path, "-") ? path : "<stdin>", err);
  pt_buf_free(&b);
  return json;
}

pt_code pt_json_write_file(const char *path, const cJSON *json, pt_error *err) {
  char *s = cJSON_Print(json);
  if (!s)
    return pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory");
  size_t n = strlen(s);
  char *t = realloc(s, n + 2);
  if (!t) {
    cJSON_free(s);
    return pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory");
  }
  t[n] = '\n';
  t[n + 1] = '\0';
  pt_code rc = pt_write_file_atomic(path, t, n + 1, err);
  cJSON_free(t);
  return rc;
}

cJSON *pt_json_get(const cJSON *obj, const char *key) {
  return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

const char *pt_json_str(const cJSON *obj, const char *key) {
  cJSON *v = pt_json_get(obj, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

double pt_json_num(const cJSON *obj, const char *key) {
  cJSON *v = pt_json_get(obj, key);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

long long pt_json_int(const cJSON *obj, const char *key, long long def) {
  cJSON *v = pt_json_get(obj, key);
  if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
      fabs(v->valuedouble) > 9.007199254740992e15)
    return def;
  return (long long)v->valuedouble;
}

bool pt_json_bool(const cJSON *obj, const char *key, bool def) {
  cJSON *v = pt_json_get(obj, key);
  return cJSON_IsBool(v) ? cJSON_IsTrue(v) : def;
}

cJSON *pt_json_add_num(cJSON *obj, const char *key, double v) {
  return isfinite(v) ? cJSON_AddNumberToObject(obj, key, v) : cJSON_AddNullToObject(obj, key);
}

cJSON *pt_json_add_str(cJSON *obj, const char *key, const char *s) {
  return s ? cJSON_AddStringToObject(obj, key, s) : cJSON_AddNullToObject(obj, key);
}
