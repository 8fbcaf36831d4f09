/* collect/subproc.h - run a helper program found on PATH (nvidia-smi) with
 * its standard output read through a pipe, bounded in time.
 *
 * The child gets /dev/null as standard input and error and runs in its own
 * process group, so stopping it also stops what it started (a shell
 * script's `sleep`) and a terminal's Ctrl-C does not reach it. Library code:
 * nothing is printed.
 */
#ifndef PT_SUBPROC_H
#define PT_SUBPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"

typedef struct pt_subproc {
  pid_t pid;  /* -1 when not running */
  int fd;     /* read end of the child's stdout, -1 when closed */
} pt_subproc;

/* Whether name (no slash) is an executable file in a PATH directory;
 * the full path goes to out when it is. */
bool pt_which(const char *name, char *out, size_t size);

/* Start argv[0], looked up on PATH, with argv (NULL-terminated). Fails with
 * PT_ENOTFOUND when it is not on PATH, PT_EIO when it cannot be started. */
pt_code pt_subproc_start(char *const argv[], pt_subproc *p, pt_error *err);

/* Read the child's output into buf (NUL-terminated, at most cap - 1 bytes;
 * more is read and dropped) until it closes its output or timeout_ms pass.
 * Returns the number of bytes kept; PT_ETIMEOUT in *rc when time ran out. */
size_t pt_subproc_read_all(pt_subproc *p, char *buf, size_t cap, int timeout_ms, pt_code *rc);

/* Stop the child's process group (SIGTERM, then SIGKILL after a short
 * grace), reap it and close the pipe. Safe on a stopped or never-started
 * pt_subproc. */
void pt_subproc_stop(pt_subproc *p);

/* Run argv and capture its output (see pt_subproc_read_all); the child is
 * always stopped and reaped. PT_ENOTFOUND when it is not on PATH,
 * PT_ETIMEOUT when it did not finish in time (buf holds what came). */
pt_code pt_subproc_capture(char *const argv[], char *buf, size_t cap, int timeout_ms,
                           pt_error *err);

#endif
