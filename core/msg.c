/* core/msg.c - message output with the "ptbench: " prefix. */
#include "core/msg.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

static bool quiet_flag;
static FILE *msg_stream;

void pt_msg_set_quiet(bool quiet) { quiet_flag = quiet; }
bool pt_msg_quiet(void) { return quiet_flag; }
void pt_msg_set_stream(FILE *fp) { msg_stream = fp; }
FILE *pt_msg_stream(void) { return msg_stream ? msg_stream : stderr; }

__attribute__((format(printf, 2, 0)))
static void vmsg(const char *kind, const char *fmt, va_list ap) {
  FILE *fp = pt_msg_stream();
  fputs("ptbench: ", fp);
  if (kind)
    fputs(kind, fp);
  vfprintf(fp, fmt, ap);
  fputc('\n', fp);
  fflush(fp);
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
