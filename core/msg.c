/* core/msg.c - message output with the "ptbench: " prefix. */
#include "core/msg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool quiet_flag;
static FILE *msg_stream;

void pt_msg_set_quiet(bool quiet) { quiet_flag = quiet; }
bool pt_msg_quiet(void) { return quiet_flag; }
void pt_msg_set_stream(FILE *fp) { msg_stream = fp; }
FILE *pt_msg_stream(void) { return msg_stream ? msg_stream : stderr; }

/* s[0..n) with control characters escaped (\n, \t, \r, \xNN): a message
 * is one line, and a model name, file name or server reply inside it can
 * neither break it nor send the terminal an escape sequence. UTF-8 text
 * passes as it is. */
static void put_escaped(FILE *fp, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != 0x7f)
      fputc(c, fp);
    else if (c == '\n')
      fputs("\\n", fp);
    else if (c == '\t')
      fputs("\\t", fp);
    else if (c == '\r')
      fputs("\\r", fp);
    else
      fprintf(fp, "\\x%02x", c);
  }
}

__attribute__((format(printf, 2, 0)))
static void vmsg(const char *kind, const char *fmt, va_list ap) {
  FILE *fp = pt_msg_stream();
  char small[1024], *text = small;
  va_list again;
  va_copy(again, ap);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  if (n >= (int)sizeof small && (text = malloc((size_t)n + 1)) != NULL)
    vsnprintf(text, (size_t)n + 1, fmt, again);
  else if (n >= (int)sizeof small)
    text = small, n = (int)sizeof small - 1;  /* no memory: the message cut */
  va_end(again);
  fputs("ptbench: ", fp);
  if (kind)
    fputs(kind, fp);
  if (n > 0)
    put_escaped(fp, text, (size_t)n);
  fputc('\n', fp);
  fflush(fp);
  if (text != small)
    free(text);
}

void pt_errorf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmsg(NULL, fmt, ap);
  va_end(ap);
}

void pt_warnf(const char *fmt, ...) {
  if (quiet_flag)
    return;
  va_list ap;
  va_start(ap, fmt);
  vmsg("warning: ", fmt, ap);
  va_end(ap);
}

void pt_notef(const char *fmt, ...) {
  if (quiet_flag)
    return;
  va_list ap;
  va_start(ap, fmt);
  vmsg(NULL, fmt, ap);
  va_end(ap);
}

int pt_report(const pt_error *err) {
  char buf[2048];
  pt_errorf("%s", pt_error_format(err, buf, sizeof buf));
  return pt_exit_status(err->code);
}

int pt_write_stdout(const void *data, size_t len) {
  if (len == 0 || fwrite(data, 1, len, stdout) == len)
    return PT_EXIT_OK;
  pt_errorf("error writing to standard output: %s", strerror(errno));
  clearerr(stdout);  /* reported: pt_close_stdout need not say it again */
  return PT_EXIT_FAILURE;
}

int pt_close_stdout(int status) {
  int saved = 0;
  errno = 0;
  if (fflush(stdout) != 0)
    saved = errno;
  bool failed = saved || ferror(stdout) != 0;
  errno = 0;
  if (fclose(stdout) != 0) {
    failed = true;
    saved = saved ? saved : errno;
  }
  if (failed) {
    pt_errorf("error writing to standard output: %s",
              saved ? strerror(saved) : "write failed");
    return status ? status : PT_EXIT_FAILURE;
  }
  return status;
}
