/* site/archive.c - safe extraction of untrusted run archives (see
 * archive.h). libarchive only reads; every directory and file is created here
 * with *at() calls under a descriptor of the destination, never following a
 * symbolic link, so a hostile entry cannot reach outside it. */
#include "site/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAME_MAX_BYTES 1024  /* longest entry path accepted */
#define COMPONENT_MAX 255    /* longest path component (NAME_MAX) */
#define MAX_DEPTH 64         /* directories in one entry path */

void pt_extract_limits_init(pt_extract_limits *l) {
  l->max_file = PT_EXTRACT_MAX_FILE;
  l->max_total = PT_EXTRACT_MAX_TOTAL;
  l->max_entries = PT_EXTRACT_MAX_ENTRIES;
}

size_t pt_archive_suffix_len(const char *name) {
  static const char *const suffixes[] = {".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar", ".zip"};
  size_t n = strlen(name);
  for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
    size_t k = strlen(suffixes[i]);
    if (n > k && !strcasecmp(name + n - k, suffixes[i]))
      return k;
  }
  return 0;
}

/* A copy of an entry name fit for a message: control bytes become '?' and
 * long names are cut. */
static void printable(const char *s, char *out, size_t size) {
  size_t i = 0;
  for (; s && s[i] && i + 4 < size && i < 200; i++)
    out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
  if (s && s[i] && i + 4 < size) {
    memcpy(out + i, "...", 3);
    i += 3;
  }
  out[i] = '\0';
}

typedef struct extractor {
  struct archive *a;
  const char *path;  /* the archive, for messages */
  const pt_extract_limits *lim;
  int root;          /* descriptor of the destination */
  uint64_t total;    /* bytes written so far */
  char *buf;         /* copy buffer */
  size_t bufsize;
} extractor;

static pt_code refuse_err(extractor *x, pt_error *err, const char *name, const char *why) {
  char shown[256];
  printable(name, shown, sizeof shown);
  return pt_error_at(err, PT_EUNSAFE, x->path, 0, 0, "refused entry '%s': %s", shown, why);
}

/* Split name into its components in comps (pointing into the copy in tmp).
 * Empty and "." components are dropped. Returns NULL when the name is
 * acceptable, else why it is refused. */
static const char *split_name(char *tmp, char **comps, size_t *ncomps) {
  *ncomps = 0;
  if (tmp[0] == '/')
    return "its path is absolute";
  for (const char *p = tmp; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      return "its path has control characters";
  char *save = tmp;
  while (*save) {
    char *slash = strchr(save, '/');
    if (slash)
      *slash = '\0';
    if (!strcmp(save, ".."))
      return "its path has a '..' component";
    if (strlen(save) > COMPONENT_MAX)
      return "a component of its path is too long";
    if (*save && strcmp(save, ".")) {
      if (*ncomps == MAX_DEPTH)
        return "its path is too deep";
      comps[(*ncomps)++] = save;
    }
    if (!slash)
      break;
    save = slash + 1;
  }
  return NULL;
}

/* Open (creating when missing) the directories comps[0..n) below x->root;
 * returns a descriptor of the last one, or -1 with err set. */
static int open_dirs(extractor *x, const char *name, char **comps, size_t n, pt_error *err) {
  int fd = dup(x->root);
  if (fd < 0) {
    pt_error_at(err, PT_EIO, x->path, 0, 0, "cannot extract: %s", strerror(errno));
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    if (mkdirat(fd, comps[i], 0755) != 0 && errno != EEXIST) {
      int e = errno;
      close(fd);
      char shown[256];
      printable(name, shown, sizeof shown);
      pt_error_at(err, PT_EIO, x->path, 0, 0, "cannot extract '%s': %s", shown, strerror(e));
      return -1;
    }
    int next = openat(fd, comps[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    close(fd);
    if (next < 0) {
      if (e == ENOTDIR || e == ELOOP)
        refuse_err(x, err, name, "a component of its path is a file");
      else {
        char shown[256];
        printable(name, shown, sizeof shown);
        pt_error_at(err, PT_EIO, x->path, 0, 0, "cannot extract '%s': %s", shown, strerror(e));
      }
      return -1;
    }
    fd = next;
  }
  return fd;
}

static pt_code write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      if (w == 0)
        errno = EIO;  /* so the caller's strerror(errno) is not a stale one */
      return PT_EIO;
    }
    p += w;
    n -= (size_t)w;
  }
  return PT_OK;
}

/* Copy the current entry's data into a new file leaf under dirfd, counting
 * bytes against the caps as they arrive. */
static pt_code extract_file(extractor *x, int dirfd, const char *leaf, const char *name,
                            pt_error *err) {
  int fd = openat(dirfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST)
      return refuse_err(x, err, name, "it is a duplicate of an earlier entry");
    char shown[256];
    printable(name, shown, sizeof shown);
    return pt_error_at(err, PT_EIO, x->path, 0, 0, "cannot extract '%s': %s", shown,
                       strerror(errno));
  }
  pt_code rc = PT_OK;
  uint64_t size = 0;
  for (;;) {
    la_ssize_t n = archive_read_data(x->a, x->buf, x->bufsize);
    if (n == 0)
      break;
    if (n < 0) {
      char shown[256];
      printable(name, shown, sizeof shown);
      rc = pt_error_at(err, PT_EDATA, x->path, 0, 0, "cannot read entry '%s': %s", shown,
                       archive_error_string(x->a) ? archive_error_string(x->a)
                                                  : "unknown error");
      break;
    }
    size += (uint64_t)n;
    x->total += (uint64_t)n;
    char why[128];
    if (size > x->lim->max_file) {
      snprintf(why, sizeof why, "it is larger than %llu bytes unpacked",
               (unsigned long long)x->lim->max_file);
      rc = refuse_err(x, err, name, why);
      break;
    }
    if (x->total > x->lim->max_total) {
      snprintf(why, sizeof why, "the archive is larger than %llu bytes unpacked",
               (unsigned long long)x->lim->max_total);
      rc = refuse_err(x, err, name, why);
      break;
    }
    if (write_all(fd, x->buf, (size_t)n)) {
      char shown[256];
      printable(name, shown, sizeof shown);
      rc = pt_error_at(err, PT_EIO, x->path, 0, 0, "cannot extract '%s': %s", shown,
                       strerror(errno));
      break;
    }
  }
  if (close(fd) != 0 && !rc) {
    char shown[256];
    printable(name, shown, sizeof shown);
    rc = pt_error_at(err, PT_EIO, x->path, 0, 0, "cannot extract '%s': %s", shown,
                     strerror(errno));
  }
  return rc;
}

static pt_code extract_entry(extractor *x, struct archive_entry *e, pt_error *err) {
  const char *name = archive_entry_pathname(e);
  if (!name || !*name)
    return refuse_err(x, err, "", "it has no name");
  if (strlen(name) > NAME_MAX_BYTES)
    return refuse_err(x, err, name, "its path is too long");
  if (archive_entry_hardlink(e))
    return refuse_err(x, err, name, "it is a hard link");
  mode_t type = archive_entry_filetype(e);
  if (type == AE_IFLNK)
    return refuse_err(x, err, name, "it is a symbolic link");
  if (type != AE_IFREG && type != AE_IFDIR)
    return refuse_err(x, err, name, "it is not a regular file or directory");

  char tmp[NAME_MAX_BYTES + 1];
  snprintf(tmp, sizeof tmp, "%s", name);
  char *comps[MAX_DEPTH];
  size_t n;
  const char *why = split_name(tmp, comps, &n);
  if (why)
    return refuse_err(x, err, name, why);
  if (n == 0)
    return type == AE_IFDIR ? PT_OK : refuse_err(x, err, name, "it has no file name");
  size_t ndirs = type == AE_IFDIR ? n : n - 1;
  int dirfd = open_dirs(x, name, comps, ndirs, err);
  if (dirfd < 0)
    return err ? err->code : PT_EIO;
  pt_code rc = type == AE_IFDIR ? PT_OK : extract_file(x, dirfd, comps[n - 1], name, err);
  close(dirfd);
  return rc;
}

/* A failure of the system (missing file, I/O) or of the data (everything
 * else: libarchive's format and decompression errors). */
static pt_code read_error_code(struct archive *a) {
  switch (archive_errno(a)) {
  case ENOENT:
    return PT_ENOTFOUND;
  case EIO:
  case EACCES:
  case EISDIR:
  case EMFILE:
  case ENFILE:
  case ENOMEM:
    return PT_EIO;
  default:
    return PT_EDATA;
  }
}

pt_code pt_archive_extract(const char *path, const char *dest, const pt_extract_limits *lim,
                           pt_error *err) {
  pt_extract_limits defaults;
  if (!lim) {
    pt_extract_limits_init(&defaults);
    lim = &defaults;
  }
  extractor x = {NULL, path, lim, -1, 0, NULL, 65536};
  pt_code rc = PT_OK;
  x.root = open(dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (x.root < 0)
    return pt_error_at(err, PT_EIO, dest, 0, 0, "cannot open directory: %s", strerror(errno));
  x.buf = malloc(x.bufsize);
  x.a = archive_read_new();
  if (!x.buf || !x.a) {
    rc = pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory");
    goto done;
  }
  archive_read_support_filter_gzip(x.a);
  archive_read_support_filter_xz(x.a);
  archive_read_support_format_tar(x.a);
  archive_read_support_format_gnutar(x.a);
  archive_read_support_format_zip(x.a);
  archive_read_support_format_empty(x.a);
  if (archive_read_open_filename(x.a, path, 65536) != ARCHIVE_OK) {
    const char *msg = archive_error_string(x.a);
    rc = pt_error_at(err, read_error_code(x.a), path, 0, 0, "cannot read archive: %s",
                     msg ? msg : "unknown error");
    goto done;
  }
  size_t entries = 0;
  for (;;) {
    struct archive_entry *e;
    int r = archive_read_next_header(x.a, &e);
    if (r == ARCHIVE_EOF)
      break;
    if (r < ARCHIVE_WARN) {
      const char *msg = archive_error_string(x.a);
      rc = pt_error_at(err, read_error_code(x.a), path, 0, 0, "cannot read archive: %s",
                       msg ? msg : "unknown error");
      break;
    }
    if (++entries > lim->max_entries) {
      char why[96];
      snprintf(why, sizeof why, "the archive has more than %zu entries", lim->max_entries);
      rc = refuse_err(&x, err, archive_entry_pathname(e), why);
      break;
    }
    if ((rc = extract_entry(&x, e, err)) != PT_OK)
      break;
  }
done:
  if (x.a)
    archive_read_free(x.a);
  free(x.buf);
  close(x.root);
  return rc;
}
