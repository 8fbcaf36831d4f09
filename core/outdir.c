/* core/outdir.c - output directories: ptbench replaces only what it made
 * (core/outdir.h). The marker format is read and written here only. */
#include "core/outdir.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fs.h"
#include "core/json.h"

static const char *const kind_names[] = {"report", "site"};
static const char *const marker_names[] = {".ptbench-report", ".ptbench-site"};

const char *pt_outdir_marker(pt_outdir_kind kind) { return marker_names[kind]; }

/* Files a report of ptbench 0.1.0 (before markers) could hold: a directory
 * holding analysis.json and nothing else than these is taken for one. */
static const char *const earlier_report_files[] = {
    ".source-hash",   "README.md",      "analysis.json", "index.html",
    "penalty.pdf",    "penalty.png",    "penalty.svg",   "table.md",
    "throughput.pdf", "throughput.png", "throughput.svg"};

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A plain file name: not empty, ".", ".." and without a '/'. */
static bool plain_name(const char *s) {
  return *s && strcmp(s, ".") && strcmp(s, "..") && !strchr(s, '/');
}

/* ---------------------------------------------------------------- marker */

typedef struct marker {
  pt_outdir_kind kind;
  bool complete;
  char **files;  /* sorted, owned */
  size_t n;
} marker;

static void marker_free(marker *m) {
  pt_free_names(m->files, m->n);
  m->files = NULL;
  m->n = 0;
}

static pt_code invalid(pt_error *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static pt_code invalid(pt_error *err, const char *path, const char *fmt, ...) {
  char msg[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return pt_error_at(err, PT_EUNSAFE, path, 0, 0,
                     "not a valid ptbench marker: %s; remove the directory yourself or "
                     "choose another --out", msg);
}

/* Parse the marker file at path. PT_EUNSAFE at path when it is not one. */
static pt_code marker_read(const char *path, marker *m, pt_error *err) {
  memset(m, 0, sizeof *m);
  pt_buf b = PT_BUF_INIT;
  pt_code rc = pt_read_file(path, PT_OUTDIR_MARKER_MAX, &b, err);
  if (rc == PT_ETOOBIG)
    rc = invalid(err, path, "%s", "larger than 1 MiB");
  if (rc) {
    pt_buf_free(&b);
    return rc;
  }
  pt_error e;
  pt_error_clear(&e);
  cJSON *doc = pt_json_parse(b.data, b.len, path, &e);
  pt_buf_free(&b);
  if (!doc) {
    if (e.code == PT_ENOMEM)
      return pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory");
    rc = invalid(err, path, "%s", e.msg);
    if (err) {
      err->line = e.line;
      err->column = e.column;
    }
    return rc;
  }
  const char *schema = pt_json_str(doc, "schema");
  const char *kind = pt_json_str(doc, "kind");
  const cJSON *files = pt_json_get(doc, "files");
  if (!schema || strcmp(schema, PT_OUTDIR_SCHEMA))
    rc = invalid(err, path, "'schema' is not '%s'", PT_OUTDIR_SCHEMA);
  else if (!kind || (strcmp(kind, kind_names[0]) && strcmp(kind, kind_names[1])))
    rc = invalid(err, path, "%s", "'kind' is not 'report' or 'site'");
  else if (!cJSON_IsArray(files))
    rc = invalid(err, path, "%s", "'files' is not a list");
  if (!rc) {
    m->kind = strcmp(kind, kind_names[0]) ? PT_OUTDIR_SITE : PT_OUTDIR_REPORT;
    m->complete = pt_json_bool(doc, "complete", true);
    size_t n = (size_t)cJSON_GetArraySize(files);
    if (n && !(m->files = calloc(n, sizeof *m->files)))
      rc = pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory");
    const cJSON *f;
    cJSON_ArrayForEach(f, files) {
      if (rc)
        break;
      const char *s = cJSON_GetStringValue(f);
      if (!s)
        rc = invalid(err, path, "%s", "'files' holds something that is not a string");
      else if (!plain_name(s))
        rc = invalid(err, path, "'files' holds '%s', not a file name", s);
      else if (!(m->files[m->n] = strdup(s)))
        rc = pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory");
      else
        m->n++;
    }
    if (!rc && m->n > 1)
      qsort(m->files, m->n, sizeof *m->files, cmp_str);
  }
  cJSON_Delete(doc);
  if (rc)
    marker_free(m);
  return rc;
}

static bool marker_lists(const marker *m, const char *name) {
  return m->n && bsearch(&name, m->files, m->n, sizeof *m->files, cmp_str);
}

/* The first of names[0..n) in dir, besides the marker mname, that is not a
 * regular file m lists (one ptbench wrote there); NULL when every one is.
 * *rc is set (PT_ENOMEM, in err) when the check could not be made. */
static const char *first_foreign(const char *dir, char *const *names, size_t n, const char *mname,
                                 const marker *m, pt_code *rc, pt_error *err) {
  for (size_t i = 0; i < n; i++) {
    if (!strcmp(names[i], mname))
      continue;
    char *p = pt_path_join(dir, names[i]);
    if (!p) {
      *rc = pt_error_at(err, PT_ENOMEM, dir, 0, 0, "out of memory");
      return NULL;
    }
    struct stat st;
    bool ours = marker_lists(m, names[i]) && lstat(p, &st) == 0 && S_ISREG(st.st_mode);
    free(p);
    if (!ours)
      return names[i];
  }
  return NULL;
}

static pt_code marker_write(const char *dir, pt_outdir_kind kind, bool complete,
                            const char *const *files, size_t n, pt_error *err) {
  char *path = pt_path_join(dir, marker_names[kind]);
  cJSON *doc = cJSON_CreateObject();
  cJSON *tool = NULL;
  bool ok = path && doc && cJSON_AddStringToObject(doc, "schema", PT_OUTDIR_SCHEMA) &&
            (tool = cJSON_AddObjectToObject(doc, "tool")) &&
            cJSON_AddStringToObject(tool, "name", "ptbench") &&
            cJSON_AddStringToObject(tool, "version", PTBENCH_VERSION) &&
            cJSON_AddStringToObject(doc, "kind", kind_names[kind]) &&
            cJSON_AddBoolToObject(doc, "complete", complete);
  cJSON *list = ok ? cJSON_AddArrayToObject(doc, "files") : NULL;
  ok = ok && list;
  for (size_t i = 0; ok && i < n; i++) {
    cJSON *s = cJSON_CreateString(files[i]);
    ok = s && cJSON_AddItemToArray(list, s);
    if (!ok)
      cJSON_Delete(s);
  }
  pt_code rc = ok ? pt_json_write_file(path, doc, err)
                  : pt_error_at(err, PT_ENOMEM, dir, 0, 0, "out of memory");
  cJSON_Delete(doc);
  free(path);
  return rc;
}

pt_code pt_outdir_mark(const char *dir, pt_outdir_kind kind, const char *const *files,
                       size_t n, pt_error *err) {
  return marker_write(dir, kind, true, files, n, err);
}

/* ----------------------------------------------------------------- check */

/* Is path dir itself (1), inside it (2), or neither (0)? Both resolved. */
static int within(const char *path, const char *dir) {
  size_t n = strlen(dir);
  if (!strcmp(path, dir))
    return 1;
  if (n == 1 && dir[0] == '/')
    return 2;
  return !strncmp(path, dir, n) && path[n] == '/' ? 2 : 0;
}

static pt_code check_inputs(const char *dir, const char *const *inputs, size_t n,
                            pt_error *err) {
  char *real_dir = realpath(dir, NULL);
  if (!real_dir)
    return pt_error_at(err, errno == ENOMEM ? PT_ENOMEM : PT_EIO, dir, 0, 0,
                       "cannot resolve the path: %s", strerror(errno));
  pt_code rc = PT_OK;
  for (size_t i = 0; i < n && !rc; i++) {
    if (!inputs[i] || !strcmp(inputs[i], "-"))
      continue;
    char *real = realpath(inputs[i], NULL);
    int w = real ? within(real, real_dir) : 0;
    if (w)
      rc = pt_error_at(err, PT_EUNSAFE, dir, 0, 0,
                       "refusing to replace it with a report: it %s the input '%s'",
                       w == 1 ? "is" : "holds", inputs[i]);
    free(real);
  }
  free(real_dir);
  return rc;
}

/* A directory without a marker: say whether it looks like an earlier
 * ptbench's output (which the user should remove), else name its first
 * entry that ptbench would not have written. */
static pt_code refuse_unmarked(const char *dir, pt_outdir_kind kind, char **names, size_t n,
                               pt_error *err) {
  const char *other = marker_names[kind == PT_OUTDIR_REPORT ? PT_OUTDIR_SITE : PT_OUTDIR_REPORT];
  bool earlier = false, seen_a = false, seen_b = false;
  const char *first_odd = NULL;
  for (size_t i = 0; i < n && !first_odd; i++) {
    if (!strcmp(names[i], other))
      return pt_error_at(err, PT_EUNSAFE, dir, 0, 0,
                         kind == PT_OUTDIR_REPORT
                             ? "refusing to replace a ptbench site with a report: choose "
                               "another --out"
                             : "refusing to write a site into a ptbench report: choose "
                               "another --out");
    if (kind == PT_OUTDIR_REPORT) {
      const char *key = names[i];
      if (!bsearch(&key, earlier_report_files,
                   sizeof earlier_report_files / sizeof earlier_report_files[0],
                   sizeof earlier_report_files[0], cmp_str))
        first_odd = names[i];
      seen_a = seen_a || !strcmp(names[i], "analysis.json");
      seen_b = true;
    } else {
      char *p = pt_path_join(dir, names[i]);
      struct stat st;
      bool sub = p && lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
      free(p);
      if (!strcmp(names[i], "index.md"))
        seen_a = true;
      else if (!strcmp(names[i], "index.html"))
        seen_b = true;
      else if (!sub)
        first_odd = names[i];
    }
  }
  earlier = !first_odd && seen_a && seen_b;
  if (earlier)
    return pt_error_at(err, PT_EUNSAFE, dir, 0, 0,
                       kind == PT_OUTDIR_REPORT
                           ? "looks like a report of an earlier ptbench (it has no %s marker), "
                             "so it is not replaced: remove it yourself, or choose another --out"
                           : "looks like a site of an earlier ptbench (it has no %s marker), so "
                             "nothing is written into it: remove it yourself, or choose another "
                             "--out",
                       marker_names[kind]);
  return pt_error_at(err, PT_EUNSAFE, dir, 0, 0,
                     kind == PT_OUTDIR_REPORT
                         ? "refusing to replace a directory that is not a ptbench report: it "
                           "holds '%s'; choose an empty or new --out directory"
                         : "refusing to write a site into a directory that is not a ptbench "
                           "site: it holds '%s'; choose an empty or new --out directory",
                     first_odd ? first_odd : names[0]);
}

pt_code pt_outdir_check(const char *dir, pt_outdir_kind kind, const char *const *inputs,
                        size_t ninputs, pt_error *err) {
  bool report = kind == PT_OUTDIR_REPORT;
  struct stat st;
  if (lstat(dir, &st) != 0)
    return errno == ENOENT ? PT_OK
                           : pt_error_at(err, PT_EIO, dir, 0, 0, "cannot access: %s",
                                         strerror(errno));
  if (S_ISLNK(st.st_mode))
    return pt_error_at(err, PT_EUNSAFE, dir, 0, 0,
                       report ? "refusing to replace a symbolic link with a report: give the "
                                "directory itself"
                              : "refusing to write a site through a symbolic link: give the "
                                "directory itself");
  if (!S_ISDIR(st.st_mode))
    return pt_error_at(err, PT_EUNSAFE, dir, 0, 0,
                       report ? "refusing to replace it with a report: it is not a directory"
                              : "refusing to write a site into it: it is not a directory");
  pt_code rc = report ? check_inputs(dir, inputs, ninputs, err) : PT_OK;
  char **names = NULL;
  size_t n = 0;
  if (!rc)
    rc = pt_list_dir_all(dir, &names, &n, err);
  if (rc || n == 0) {
    pt_free_names(names, n);
    return rc;
  }
  const char *mname = marker_names[kind];
  char *mpath = pt_path_join(dir, mname);
  marker m = {0};
  if (!mpath) {
    rc = pt_error_at(err, PT_ENOMEM, dir, 0, 0, "out of memory");
    goto done;
  }
  if (lstat(mpath, &st) != 0) {
    rc = errno == ENOENT ? refuse_unmarked(dir, kind, names, n, err)
                         : pt_error_at(err, PT_EIO, mpath, 0, 0, "cannot access: %s",
                                       strerror(errno));
    goto done;
  }
  if (!S_ISREG(st.st_mode)) {
    rc = invalid(err, mpath, "%s", "it is not a regular file");
    goto done;
  }
  if ((rc = marker_read(mpath, &m, err)))
    goto done;
  if (m.kind != kind) {
    rc = invalid(err, mpath, "it marks a %s", kind_names[m.kind]);
    goto done;
  }
  /* a report holds its marker and the regular files it lists, nothing else */
  const char *foreign = report ? first_foreign(dir, names, n, mname, &m, &rc, err) : NULL;
  if (foreign)
    rc = pt_error_at(err, PT_EUNSAFE, dir, 0, 0,
                     "refusing to replace the report: it holds '%s', which ptbench did "
                     "not write there; move it elsewhere or choose another --out",
                     foreign);
done:
  marker_free(&m);
  free(mpath);
  pt_free_names(names, n);
  return rc;
}

/* ------------------------------------------------------- build and replace */

/* target without trailing slashes, malloc'ed. */
static char *trim(const char *target) {
  size_t len = strlen(target);
  while (len > 1 && target[len - 1] == '/')
    len--;
  return strndup(target, len);
}

/* "NAME.tmp-XXXXXX" or "NAME.old-XXXXXX", as mkdtemp fills the X. */
static bool temp_name(const char *name) {
  size_t n = strlen(name);
  if (n <= 11 || (memcmp(name + n - 11, ".tmp-", 5) && memcmp(name + n - 11, ".old-", 5)))
    return false;
  for (const char *p = name + n - 6; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
      return false;
  return true;
}

size_t pt_outdir_clean_stale(const char *parent, time_t now, time_t max_age) {
  char **names;
  size_t n, removed = 0;
  if (pt_list_dir_all(parent, &names, &n, NULL))
    return 0;
  for (size_t i = 0; i < n; i++) {
    if (!temp_name(names[i]))
      continue;
    char *p = pt_path_join(parent, names[i]);
    char *mp = p ? pt_path_join(p, marker_names[PT_OUTDIR_REPORT]) : NULL;
    struct stat st, mst;
    marker m;
    if (mp && lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
        now - st.st_mtime > max_age && lstat(mp, &mst) == 0 && S_ISREG(mst.st_mode) &&
        marker_read(mp, &m, NULL) == PT_OK) {
      if (m.kind == PT_OUTDIR_REPORT && pt_remove_tree(p) == 0)
        removed++;
      marker_free(&m);
    }
    free(mp);
    free(p);
  }
  pt_free_names(names, n);
  return removed;
}

char *pt_outdir_begin(const char *target, bool clean_stale, pt_error *err) {
  char *t = trim(target);
  char *parent = t ? pt_path_dir(t) : NULL;
  char *tmp = NULL;
  if (!parent) {
    pt_error_at(err, PT_ENOMEM, target, 0, 0, "out of memory");
    goto done;
  }
  if (clean_stale && pt_is_dir(parent))
    pt_outdir_clean_stale(parent, time(NULL), PT_OUTDIR_STALE_SECONDS);
  if (!(tmp = pt_mkdtemp_beside(t, err)))
    goto done;
  /* from here on it is recognisable as ptbench's, should we be killed */
  if (marker_write(tmp, PT_OUTDIR_REPORT, false, NULL, 0, err)) {
    pt_remove_tree(tmp);
    free(tmp);
    tmp = NULL;
  }
done:
  free(t);
  free(parent);
  return tmp;
}

pt_code pt_outdir_seal(const char *tmp, pt_error *err) {
  char **names;
  size_t n;
  pt_code rc = pt_list_dir_all(tmp, &names, &n, err);
  if (rc)
    return rc;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (!strcmp(names[i], marker_names[PT_OUTDIR_REPORT]))
      free(names[i]);
    else
      names[k++] = names[i];
  }
  rc = marker_write(tmp, PT_OUTDIR_REPORT, true, (const char *const *)names, k, err);
  pt_free_names(names, k);
  return rc;
}

/* Remove a previous report moved aside: the files its marker lists, then
 * the marker, then the directory when that left it empty. */
static void remove_listed(const char *dir) {
  char *mp = pt_path_join(dir, marker_names[PT_OUTDIR_REPORT]);
  marker m;
  struct stat st;
  if (mp && lstat(mp, &st) == 0 && S_ISREG(st.st_mode) && !marker_read(mp, &m, NULL)) {
    for (size_t i = 0; i < m.n; i++) {
      char *p = pt_path_join(dir, m.files[i]);
      if (p && lstat(p, &st) == 0 && S_ISREG(st.st_mode))
        unlink(p);
      free(p);
    }
    marker_free(&m);
    unlink(mp);  /* last: until then a stale-directory sweep recognises it */
  }
  free(mp);
  rmdir(dir);  /* fails, leaving it, when it holds what ptbench did not write */
}

bool pt_outdir_lists(const char *dir, pt_outdir_kind kind, const char *name) {
  char *mp = pt_path_join(dir, marker_names[kind]);
  struct stat st;
  marker m;
  bool listed = false;
  if (mp && lstat(mp, &st) == 0 && S_ISREG(st.st_mode) && !marker_read(mp, &m, NULL)) {
    listed = m.kind == kind && marker_lists(&m, name);
    marker_free(&m);
  }
  free(mp);
  return listed;
}

pt_code pt_outdir_remove(const char *dir, pt_error *err) {
  struct stat st;
  if (lstat(dir, &st) != 0)
    return errno == ENOENT ? PT_OK
                           : pt_error_at(err, PT_EIO, dir, 0, 0, "cannot access: %s",
                                         strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return pt_error_at(err, PT_EUNSAFE, dir, 0, 0, "refusing to remove it: it is %s",
                       S_ISLNK(st.st_mode) ? "a symbolic link" : "not a directory");
  const char *mname = marker_names[PT_OUTDIR_REPORT];
  char *mpath = pt_path_join(dir, mname);
  char **names = NULL;
  size_t n = 0;
  marker m = {0};
  pt_code rc = PT_OK;
  if (!mpath) {
    rc = pt_error_at(err, PT_ENOMEM, dir, 0, 0, "out of memory");
    goto done;
  }
  if (lstat(mpath, &st) != 0 || !S_ISREG(st.st_mode)) {
    rc = pt_error_at(err, PT_EUNSAFE, dir, 0, 0,
                     "refusing to remove it: it has no %s marker, so ptbench did not make it",
                     mname);
    goto done;
  }
  if ((rc = marker_read(mpath, &m, err)) || (rc = pt_list_dir_all(dir, &names, &n, err)))
    goto done;
  if (m.kind != PT_OUTDIR_REPORT) {
    rc = invalid(err, mpath, "it marks a %s", kind_names[m.kind]);
    goto done;
  }
  const char *foreign = first_foreign(dir, names, n, mname, &m, &rc, err);
  if (foreign)
    rc = pt_error_at(err, PT_EUNSAFE, dir, 0, 0,
                     "refusing to remove it: it holds '%s', which ptbench did not write "
                     "there; move that elsewhere first", foreign);
  if (rc)
    goto done;
  remove_listed(dir);
  if (rmdir(dir) != 0 && errno != ENOENT)
    rc = pt_error_at(err, PT_EIO, dir, 0, 0, "cannot remove the directory: %s", strerror(errno));
done:
  marker_free(&m);
  pt_free_names(names, n);
  free(mpath);
  return rc;
}

pt_code pt_outdir_commit(const char *tmp, const char *target, pt_error *err) {
  char *t = trim(target);
  size_t len = t ? strlen(t) : 0;
  char *old = t ? malloc(len + 16) : NULL;
  if (!old) {
    free(t);
    return pt_error_at(err, PT_ENOMEM, target, 0, 0, "out of memory");
  }
  snprintf(old, len + 16, "%s.old-XXXXXX", t);
  pt_code rc = PT_OK;
  bool moved = false;
  if (pt_exists(t)) {
    if (!mkdtemp(old) || rmdir(old) != 0 || rename(t, old) != 0)
      rc = pt_error_at(err, PT_EIO, t, 0, 0, "cannot move the previous output aside: %s",
                       strerror(errno));
    else
      moved = true;
  }
  if (!rc && rename(tmp, t) != 0) {
    rc = pt_error_at(err, PT_EIO, t, 0, 0, "cannot rename the new output into place: %s",
                     strerror(errno));
    if (moved)
      rename(old, t);  /* put the previous output back */
    moved = false;
  }
  if (moved)
    remove_listed(old);
  free(t);
  free(old);
  return rc;
}
