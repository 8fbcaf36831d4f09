/* core/error.c - error codes, their descriptions, errors with context. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
  const char *desc;
  int exit;
} pt_codes[] = {
#define PT_X(name, exit, desc) {desc, exit},
    PT_ERROR_MAP(PT_X)
#undef PT_X
};

const char *pt_strerror(pt_code code) {
  if ((size_t)code >= sizeof pt_codes / sizeof pt_codes[0])
    return "unknown error";
  return pt_codes[code].desc;
}

int pt_exit_status(pt_code code) {
  if ((size_t)code >= sizeof pt_codes / sizeof pt_codes[0])
    return PT_EXIT_FAILURE;
  return pt_codes[code].exit;
}

void pt_error_clear(pt_error *err) {
  if (err)
    memset(err, 0, sizeof *err);
}

static void copy_str(char *dst, size_t size, const char *src) {
  if (!src)
    src = "";
  snprintf(dst, size, "%s", src);
}

pt_code pt_error_set(pt_error *err, pt_code code, const char *fmt, ...) {
  if (!err)
    return code;
  err->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  return code;
}

pt_code pt_error_at(pt_error *err, pt_code code, const char *file, long line,
                    long column, const char *fmt, ...) {
  if (!err)
    return code;
  err->code = code;
  if (file)
    copy_str(err->file, sizeof err->file, file);
  err->line = line;
  err->column = column;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  return code;
}

void pt_error_set_file(pt_error *err, const char *file) {
  if (err)
    copy_str(err->file, sizeof err->file, file);
}

void pt_error_set_field(pt_error *err, const char *field) {
  if (err)
    copy_str(err->field, sizeof err->field, field);
}

void pt_error_prefix(pt_error *err, const char *fmt, ...) {
  if (!err)
    return;
  char prefix[512], old[sizeof err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
}

char *pt_error_format(const pt_error *err, char *buf, size_t size) {
  size_t n = 0;
  buf[0] = '\0';
  if (err->file[0]) {
    int w;
    if (err->line > 0 && err->column > 0)
      w = snprintf(buf, size, "%s:%ld:%ld: ", err->file, err->line, err->column);
    else if (err->line > 0)
      w = snprintf(buf, size, "%s:%ld: ", err->file, err->line);
    else
      w = snprintf(buf, size, "%s: ", err->file);
    n = w < 0 ? 0 : (size_t)w < size ? (size_t)w : size - 1;
  }
  snprintf(buf + n, size - n, "%s", err->msg[0] ? err->msg : pt_strerror(err->code));
  return buf;
}
