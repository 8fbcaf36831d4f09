/* collect/subproc.c - helper programs on PATH with piped output (see
 * collect/subproc.h). */
#define _GNU_SOURCE /* pipe2 */
#include "collect/subproc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

bool pt_which(const char *name, char *out, size_t size) {
  const char *path = getenv("PATH");
  if (!name || !*name || strchr(name, '/') || !path)
    return false;
  for (const char *p = path;;) {
    size_t n = strcspn(p, ":");
    char full[4096];
    int w = n ? snprintf(full, sizeof full, "%.*s/%s", (int)n, p, name)
              : snprintf(full, sizeof full, "./%s", name);  /* an empty entry is "." */
    struct stat st;
    if (w > 0 && (size_t)w < sizeof full && stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
        access(full, X_OK) == 0) {
      if (out)
        snprintf(out, size, "%s", full);
      return true;
    }
    if (!p[n])
      return false;
    p += n + 1;
  }
}

pt_code pt_subproc_start(char *const argv[], pt_subproc *p, pt_error *err) {
  p->pid = -1;
  p->fd = -1;
  char full[4096];
  if (!pt_which(argv[0], full, sizeof full))
    return pt_error_set(err, PT_ENOTFOUND, "'%s' is not on PATH", argv[0]);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return pt_error_set(err, PT_EIO, "cannot make a pipe for '%s': %s", argv[0],
                        strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&at);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  sigset_t none, dfl;
  sigemptyset(&none);
  sigemptyset(&dfl);
  sigaddset(&dfl, SIGINT);
  sigaddset(&dfl, SIGTERM);
  sigaddset(&dfl, SIGPIPE);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setsigdefault(&at, &dfl);
  posix_spawnattr_setpgroup(&at, 0);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                    POSIX_SPAWN_SETSIGDEF);
  pid_t pid;
  int e = posix_spawn(&pid, full, &fa, &at, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  close(fds[1]);
  if (e != 0) {
    close(fds[0]);
    return pt_error_set(err, PT_EIO, "cannot start '%s': %s", full, strerror(e));
  }
  p->pid = pid;
  p->fd = fds[0];
  return PT_OK;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t pt_subproc_read_all(pt_subproc *p, char *buf, size_t cap, int timeout_ms, pt_code *rc) {
  size_t len = 0;
  *rc = PT_OK;
  if (cap)
    buf[0] = '\0';
  int64_t deadline = now_ms() + timeout_ms;
  while (p->fd >= 0) {
    int64_t left = deadline - now_ms();
    if (left <= 0) {
      *rc = PT_ETIMEOUT;
      break;
    }
    struct pollfd pf = {.fd = p->fd, .events = POLLIN};
    int r = poll(&pf, 1, (int)left);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      *rc = r == 0 ? PT_ETIMEOUT : PT_EIO;
      break;
    }
    char tmp[4096];
    ssize_t n = read(p->fd, tmp, sizeof tmp);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n < 0)
        *rc = PT_EIO;
      break;
    }
    size_t keep = cap > len + 1 ? cap - len - 1 : 0;
    if (keep > (size_t)n)
      keep = (size_t)n;
    if (!keep)
      continue;  /* read and dropped: cap is full (or 0, no byte of buf to touch) */
    memcpy(buf + len, tmp, keep);
    len += keep;
    buf[len] = '\0';
  }
  return len;
}

/* The child is signalled as a group while it is not yet reaped (a zombie
 * keeps its process id, and so the group id, from being reused). */
void pt_subproc_stop(pt_subproc *p) {
  if (p->fd >= 0) {
    close(p->fd);
    p->fd = -1;
  }
  if (p->pid <= 0)
    return;
  kill(-p->pid, SIGTERM);
  for (int i = 0; i < 50; i++) { /* up to 0.5 s of grace */
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid)
      break;
    struct timespec ts = {0, 10 * 1000000};
    nanosleep(&ts, NULL);
  }
  kill(-p->pid, SIGKILL); /* what is left of the group */
  while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR) {
  }
  p->pid = -1;
}

pt_code pt_subproc_capture(char *const argv[], char *buf, size_t cap, int timeout_ms,
                           pt_error *err) {
  pt_subproc p;
  pt_code rc = pt_subproc_start(argv, &p, err);
  if (rc) {
    if (cap)
      buf[0] = '\0';
    return rc;
  }
  pt_subproc_read_all(&p, buf, cap, timeout_ms, &rc);
  pt_subproc_stop(&p);
  if (rc == PT_ETIMEOUT)
    return pt_error_set(err, rc, "'%s' gave no complete answer within %d ms", argv[0],
                        timeout_ms);
  if (rc)
    return pt_error_set(err, rc, "cannot read the output of '%s'", argv[0]);
  return PT_OK;
}
