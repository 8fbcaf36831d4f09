/* core/fs.c - file utilities. */
#include "core/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static mode_t process_umask;
static pthread_once_t umask_once = PTHREAD_ONCE_INIT;

static void read_umask(void) {
  process_umask = umask(0);  /* the only way to read it is to set it */
  umask(process_umask);
}

mode_t pt_umask(void) {
  pthread_once(&umask_once, read_umask);
  return process_umask;
}

bool pt_is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool pt_exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

pt_code pt_read_file(const char *path, size_t max, pt_buf *b, pt_error *err) {
  bool is_stdin = !strcmp(path, "-");
  FILE *fp = is_stdin ? stdin : fopen(path, "rb");
  const char *name = is_stdin ? "<stdin>" : path;
  if (!fp)
    return pt_error_at(err, errno == ENOENT ? PT_ENOTFOUND : PT_EIO, path, 0, 0,
                       "cannot open: %s", strerror(errno));
  pt_code rc = PT_OK;
  char chunk[65536];
  size_t n;
  size_t saved = b->max;
  b->max = max;
  while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
    if ((rc = pt_buf_append(b, chunk, n)) != PT_OK)
      break;
  b->max = saved;
  if (rc == PT_ETOOBIG)
    pt_error_at(err, rc, name, 0, 0, "file is larger than %zu bytes", max);
  else if (rc)
    pt_error_at(err, rc, name, 0, 0, "out of memory");
  else if (ferror(fp))
    rc = pt_error_at(err, PT_EIO, name, 0, 0, "read error: %s", strerror(errno));
  if (!is_stdin)
    fclose(fp);
  if (!rc && !b->data)
    rc = pt_buf_append(b, "", 0);
  return rc;
}

char *pt_path_join(const char *a, const char *b) {
  size_t la = strlen(a);
  while (la > 1 && a[la - 1] == '/')
    la--;
  size_t lb = strlen(b);
  char *p = malloc(la + lb + 2);
  if (!p)
    return NULL;
  memcpy(p, a, la);
  p[la] = '/';
  memcpy(p + la + 1, b, lb + 1);
  return p;
}

char *pt_path_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return strdup(".");
  if (slash == path)
    return strdup("/");
  return strndup(path, (size_t)(slash - path));
}

/* Write data to path through a temporary file beside it, fsync'ed and
 * renamed over it. mode: the new file's permission bits; uid and gid (-1:
 * leave) its owner, when the process may set them. */
static pt_code replace_file(const char *path, const void *data, size_t len, mode_t mode,
                            uid_t uid, gid_t gid, pt_error *err) {
  size_t n = strlen(path) + 16;
  char *tmp = malloc(n);
  if (!tmp)
    return pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory");
  snprintf(tmp, n, "%s.tmp-XXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    pt_code rc = pt_error_at(err, PT_EIO, path, 0, 0, "cannot create: %s", strerror(errno));
    free(tmp);
    return rc;
  }
  const char *p = data;
  size_t left = len;
  while (left > 0) {
    ssize_t w = write(fd, p, left);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      break;
    p += w;
    left -= (size_t)w;
  }
  int saved = errno;
  bool ok = left == 0 && fsync(fd) == 0;
  if (!ok && left == 0)
    saved = errno;
  if (uid != (uid_t)-1 || gid != (gid_t)-1)
    (void)!fchown(fd, uid, gid);  /* best effort: only root may give a file away */
  fchmod(fd, mode);
  if (close(fd) != 0 && ok) {
    ok = false;
    saved = errno;
  }
  if (ok && rename(tmp, path) != 0) {
    ok = false;
    saved = errno;
  }
  if (!ok) {
    unlink(tmp);
    free(tmp);
    return pt_error_at(err, PT_EIO, path, 0, 0, "cannot write: %s", strerror(saved));
  }
  free(tmp);
  return PT_OK;
}

/* What a path that is not a regular file is, for messages. */
static const char *kind_of(mode_t m) {
  return S_ISLNK(m)    ? "a symbolic link"
         : S_ISDIR(m)  ? "a directory"
         : S_ISCHR(m)  ? "a character device"
         : S_ISBLK(m)  ? "a block device"
         : S_ISFIFO(m) ? "a FIFO"
         : S_ISSOCK(m) ? "a socket"
                       : "not a regular file";
}

pt_code pt_write_file_in(const char *dir, const char *name, const void *data, size_t len,
                         pt_error *err) {
  char *p = pt_path_join(dir, name);
  if (!p)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  pt_code rc = pt_write_file_atomic(p, data ? data : "", len, err);
  free(p);
  return rc;
}

pt_code pt_write_file_atomic(const char *path, const void *data, size_t len,
                             pt_error *err) {
  struct stat st;
  if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
    return pt_error_at(err, PT_EUNSAFE, path, 0, 0, "is %s, not a file; refusing to replace it",
                       kind_of(st.st_mode));
  return replace_file(path, data, len, 0666 & ~pt_umask(), (uid_t)-1, (gid_t)-1, err);
}

/* Write data to a device or FIFO as it is: opened, never created or
 * replaced. */
static pt_code write_straight(const char *path, const void *data, size_t len, pt_error *err) {
  int fd;
  do
    fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return pt_error_at(err, PT_EIO, path, 0, 0, "cannot open for writing: %s", strerror(errno));
  const char *p = data;
  size_t left = len;
  int saved = 0;
  while (left > 0) {
    ssize_t w = write(fd, p, left);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      saved = w < 0 ? errno : EIO;
      break;
    }
    p += w;
    left -= (size_t)w;
  }
  if (close(fd) != 0 && !saved && errno != EINTR)
    saved = errno;
  if (saved)
    return pt_error_at(err, PT_EIO, path, 0, 0, "cannot write: %s", strerror(saved));
  return PT_OK;
}

pt_code pt_write_output(const char *path, const void *data, size_t len, pt_error *err) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    if (errno != ENOENT)
      return pt_error_at(err, PT_EIO, path, 0, 0, "cannot access: %s", strerror(errno));
    return replace_file(path, data, len, 0666 & ~pt_umask(), (uid_t)-1, (gid_t)-1, err);
  }
  char *real = NULL;
  const char *target = path;
  if (S_ISLNK(st.st_mode)) {
    /* written through, as a shell's '>' does: what the link leads to */
    if (!(real = realpath(path, NULL)) || stat(real, &st) != 0) {
      pt_code rc = errno == ENOMEM
                       ? pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory")
                       : pt_error_at(err, PT_EUNSAFE, path, 0, 0,
                                     "is a symbolic link that leads to nothing that exists "
                                     "(%s); give the file's own path",
                                     strerror(errno));
      free(real);
      return rc;
    }
    target = real;
  }
  pt_code rc;
  if (S_ISREG(st.st_mode))
    rc = replace_file(target, data, len, st.st_mode & 07777, st.st_uid, st.st_gid, err);
  else if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
    rc = write_straight(target, data, len, err);
  else if (S_ISDIR(st.st_mode))
    rc = pt_error_at(err, PT_EUSAGE, path, 0, 0, "is a directory; give a file to write");
  else
    rc = pt_error_at(err, PT_EUNSAFE, path, 0, 0, "is %s; refusing to write to it",
                     kind_of(st.st_mode));
  if (rc && target != path)
    pt_error_prefix(err, "through the link to %s", target);
  free(real);
  return rc;
}

bool pt_is_stdout(const char *path) {
  struct stat a, b;
  return fstat(STDOUT_FILENO, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
         a.st_ino == b.st_ino;
}

/* Is path dir itself, or below it? Both resolved. */
static bool is_within(const char *path, const char *dir) {
  size_t n = strlen(dir);
  if (n == 1 && dir[0] == '/')
    return true;
  return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

static bool base_in(const char *path, const char *const *names) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  for (size_t i = 0; names && names[i]; i++)
    if (!strcmp(base, names[i]))
      return true;
  return false;
}

pt_code pt_output_check_inputs(const char *out, const char *const *inputs, size_t n,
                               const char *const *in_dirs, const char *const *beside,
                               pt_error *err) {
  char *real_out = realpath(out, NULL);
  if (!real_out)  /* nothing there yet: no input either */
    return errno == ENOMEM ? pt_error_at(err, PT_ENOMEM, out, 0, 0, "out of memory") : PT_OK;
  char *out_dir = pt_path_dir(real_out);
  pt_code rc = out_dir ? PT_OK : pt_error_at(err, PT_ENOMEM, out, 0, 0, "out of memory");
  for (size_t i = 0; i < n && !rc; i++) {
    if (!inputs[i] || !strcmp(inputs[i], "-"))
      continue;
    char *real = realpath(inputs[i], NULL);
    char *in_dir = NULL;
    struct stat st;
    if (!real || stat(real, &st) != 0) {
      free(real);
      continue;
    }
    if (!strcmp(real, real_out))
      rc = pt_error_at(err, PT_EUNSAFE, out, 0, 0,
                       "is the input '%s'; refusing to write over it: choose another output "
                       "file", inputs[i]);
    else if (S_ISDIR(st.st_mode) && is_within(real_out, real) && base_in(real_out, in_dirs))
      rc = pt_error_at(err, PT_EUNSAFE, out, 0, 0,
                       "is a file read from the input '%s'; refusing to write over it: "
                       "choose another output file", inputs[i]);
    else if (!S_ISDIR(st.st_mode) && base_in(real_out, beside) &&
             (in_dir = pt_path_dir(real)) && !strcmp(in_dir, out_dir))
      rc = pt_error_at(err, PT_EUNSAFE, out, 0, 0,
                       "is read beside the input '%s'; refusing to write over it: choose "
                       "another output file", inputs[i]);
    free(in_dir);
    free(real);
  }
  free(out_dir);
  free(real_out);
  return rc;
}

pt_code pt_mkdir_p(const char *path, pt_error *err) {
  char *p = strdup(path);
  if (!p)
    return pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory");
  for (char *s = p + 1;; s++) {
    if (*s == '/' || *s == '\0') {
      char c = *s;
      *s = '\0';
      if (mkdir(p, 0777) != 0 && errno != EEXIST) {
        pt_code rc = pt_error_at(err, PT_EIO, p, 0, 0, "cannot create directory: %s",
                                 strerror(errno));
        free(p);
        return rc;
      }
      *s = c;
      if (!c)
        break;
    }
  }
  free(p);
  if (!pt_is_dir(path))
    return pt_error_at(err, PT_EIO, path, 0, 0, "exists and is not a directory");
  return PT_OK;
}

char *pt_mkdtemp_beside(const char *target, pt_error *err) {
  size_t len = strlen(target);
  while (len > 1 && target[len - 1] == '/')
    len--;
  char *t = strndup(target, len);
  char *parent = t ? pt_path_dir(t) : NULL;
  free(t);
  if (!parent || pt_mkdir_p(parent, err)) {
    if (!parent)
      pt_error_at(err, PT_ENOMEM, target, 0, 0, "out of memory");
    free(parent);
    return NULL;
  }
  free(parent);
  size_t n = len + 16;
  char *tmp = malloc(n);
  if (!tmp) {
    pt_error_at(err, PT_ENOMEM, target, 0, 0, "out of memory");
    return NULL;
  }
  snprintf(tmp, n, "%.*s.tmp-XXXXXX", (int)len, target);
  if (!mkdtemp(tmp)) {
    pt_error_at(err, PT_EIO, target, 0, 0, "cannot create a directory beside it: %s",
                strerror(errno));
    free(tmp);
    return NULL;
  }
  /* mkdtemp makes it private (0700); it is renamed into place as output */
  chmod(tmp, 0777 & ~pt_umask());
  return tmp;
}

int pt_remove_tree(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0)
    return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR(st.st_mode))
    return unlink(path);
  DIR *d = opendir(path);
  if (!d)
    return -1;
  int rc = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    char *child = pt_path_join(path, e->d_name);
    if (!child || pt_remove_tree(child) != 0)
      rc = -1;
    free(child);
  }
  closedir(d);
  return rmdir(path) == 0 ? rc : -1;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static pt_code list_dir(const char *dir, bool hidden, char ***names_out, size_t *n_out,
                        pt_error *err) {
  *names_out = NULL;
  *n_out = 0;
  DIR *d = opendir(dir);
  if (!d)
    return pt_error_at(err, PT_EIO, dir, 0, 0, "cannot read directory: %s", strerror(errno));
  char **names = NULL;
  size_t n = 0, cap = 0;
  pt_code rc = PT_OK;
  struct dirent *e;
  while (!rc && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || (!hidden && e->d_name[0] == '.'))
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      char **p = realloc(names, cap * sizeof *p);
      if (!p) {
        rc = pt_error_at(err, PT_ENOMEM, dir, 0, 0, "out of memory");
        break;
      }
      names = p;
    }
    if (!(names[n] = strdup(e->d_name)))
      rc = pt_error_at(err, PT_ENOMEM, dir, 0, 0, "out of memory");
    else
      n++;
  }
  closedir(d);
  if (rc) {
    pt_free_names(names, n);
    return rc;
  }
  if (n > 1)
    qsort(names, n, sizeof *names, cmp_str);
  *names_out = names;
  *n_out = n;
  return PT_OK;
}

pt_code pt_list_dir(const char *dir, char ***names, size_t *n, pt_error *err) {
  return list_dir(dir, false, names, n, err);
}

pt_code pt_list_dir_all(const char *dir, char ***names, size_t *n, pt_error *err) {
  return list_dir(dir, true, names, n, err);
}

void pt_free_names(char **names, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
}

/* A directory pt_mkdtemp_beside or pt_outdir_commit made ("X.tmp-XXXXXX",
 * "X.old-XXXXXX"), left behind only if ptbench was killed: never input. */
static bool is_our_temp(const char *name) {
  size_t n = strlen(name);
  return n > 11 && (!memcmp(name + n - 11, ".tmp-", 5) || !memcmp(name + n - 11, ".old-", 5));
}

static pt_code walk(const char *dir, const char *name, pt_file_fn fn, void *ctx,
                    size_t *count, int depth, pt_error *err) {
  if (depth > 64)
    return PT_OK;
  char **names;
  size_t n;
  pt_code rc = pt_list_dir(dir, &names, &n, err);
  for (size_t i = 0; !rc && i < n; i++) {
    char *p = pt_path_join(dir, names[i]);
    struct stat st;
    if (!p)
      rc = pt_error_at(err, PT_ENOMEM, dir, 0, 0, "out of memory");
    else if (lstat(p, &st) == 0) {
      if (S_ISDIR(st.st_mode)) {
        if (!is_our_temp(names[i]))
          rc = walk(p, name, fn, ctx, count, depth + 1, err);
      }
      else if (!strcmp(names[i], name) && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) {
        (*count)++;
        rc = fn(ctx, p, err);
      }
    }
    free(p);
  }
  pt_free_names(names, n);
  return rc;
}

pt_code pt_find_files(const char *root, const char *name, pt_file_fn fn, void *ctx,
                      size_t *count, pt_error *err) {
  *count = 0;
  return walk(root, name, fn, ctx, count, 0, err);
}
