/* site/batch.c - a static site of reports from many run archives, with
 * memory (see batch.h).
 *
 * pt_batch_run: check the site, read its state (site/state.h), give every
 * input its source, slug and title, then let workers take inputs in turn:
 * each is hashed, skipped when unchanged, else extracted into its own
 * private directory, analyzed and written by pt_report_write() with the
 * site's page (archive_page: index.md, and index.html made from it by the
 * report's own HTML writer); its finish hook adds the source hash inside
 * the report's temporary directory so that it lands atomically with the
 * rest.
 * Then the state is updated (and pruned), saved, and the index written from
 * it (site/index.h). */
#include "site/batch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze/analysis.h"
#include "analyze/doc.h"
#include "collect/manifest.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/outdir.h"
#include "render/chart.h"
#include "render/mustache.h"
#include "render/report.h"
#include "site/html.h"
#include "site/index.h"
#include "site/page.h"

#define PAGE_FILE "index.md"              /* an archive's page */
#define HASH_FILE ".source-hash"
#define SITE_LAYOUT "site layout 3"       /* hashed: a report of another layout is rebuilt */
#define HASH_DEPTH 32                     /* directory levels hashed */
#define WORK_PREFIX "ptbench-batch-"      /* the private temporary directory */
#define WORK_MARKER ".ptbench-batch"      /* in it: "ptbench batch PID\n" */

void pt_batch_opts_init(pt_batch_opts *o) {
  o->site = "site";
  o->templates = NULL;
  o->chart_formats = PT_CHART_SVG;
  o->jobs = 1;
  o->tmpdir = NULL;
  o->prune = false;
  o->interrupted = NULL;
  pt_extract_limits_init(&o->limits);
}

void pt_batch_outcome_free(pt_batch_outcome *o) {
  if (!o)
    return;
  free(o->earlier);
  memset(o, 0, sizeof *o);
}

/* ------------------------------------------------------------------ names */

static const char *base_name(const char *path, size_t *len) {
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/')
    n--;
  size_t start = n;
  while (start > 0 && path[start - 1] != '/')
    start--;
  *len = n - start;
  return path + start;
}

void pt_batch_slug(const char *input, char *out, size_t size) {
  size_t len;
  const char *base = base_name(input, &len);
  char name[PATH_MAX];
  snprintf(name, sizeof name, "%.*s", (int)len, base);
  size_t suffix = pt_archive_suffix_len(name);
  name[strlen(name) - suffix] = '\0';
  size_t k = 0;
  bool dash = false;
  for (const char *p = name; *p && k + 1 < size && k < PT_BATCH_SLUG_MAX; p++) {
    char c = *p;
    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      if (dash && k > 0 && k + 2 < size && k + 1 < PT_BATCH_SLUG_MAX)
        out[k++] = '-';
      dash = false;
      out[k++] = c;
    } else {
      dash = true;
    }
  }
  out[k] = '\0';
  if (!k)
    snprintf(out, size, "archive");
}

/* The title of an input: its base name without the archive suffix. */
static char *input_title(const char *input) {
  size_t len;
  const char *base = base_name(input, &len);
  char *t = strndup(base, len);
  if (t) {
    t[strlen(t) - pt_archive_suffix_len(t)] = '\0';
    if (!*t || !strcmp(t, ".")) {
      free(t);
      t = strdup("archive");
    }
  }
  return t;
}

char *pt_batch_relative_path(const char *from, const char *to) {
  /* the longest common prefix ending at a component boundary */
  size_t common = 0;
  for (size_t i = 0;; i++) {
    bool end_f = from[i] == '\0' || from[i] == '/', end_t = to[i] == '\0' || to[i] == '/';
    if (end_f && end_t)
      common = i;
    if (from[i] != to[i] || !from[i])
      break;
  }
  pt_buf b = PT_BUF_INIT;
  pt_code rc = PT_OK;
  /* one ".." per component of from after the common part */
  for (const char *p = from + common; *p && !rc;) {
    while (*p == '/')
      p++;
    if (!*p)
      break;
    rc = pt_buf_puts(&b, b.len ? "/.." : "..");
    while (*p && *p != '/')
      p++;
  }
  const char *rest = to + common;
  while (*rest == '/')
    rest++;
  if (!rc && *rest)
    rc = b.len ? pt_buf_printf(&b, "/%s", rest) : pt_buf_puts(&b, rest);
  if (!rc && !b.len)
    rc = pt_buf_puts(&b, ".");
  if (rc) {
    pt_buf_free(&b);
    return NULL;
  }
  return pt_buf_detach(&b, NULL);
}

/* ---------------------------------------------------------------- hashing */

unsigned long long pt_fnv1a(unsigned long long h, const void *data, size_t len) {
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

static unsigned long long hash_str(unsigned long long h, const char *s) {
  return pt_fnv1a(h, s, strlen(s) + 1);
}

/* Size, modification time (to the nanosecond: an archive rewritten within
 * the second it was published is still new) and bytes of a regular file (st
 * from stat(), so a symbolic link is hashed as the file it names: the input
 * itself may be one, and the trials search reads linked trials files). */
static pt_code hash_file(unsigned long long *h, const char *path, const struct stat *st,
                         pt_error *err) {
  long long meta[3] = {(long long)st->st_size, (long long)st->st_mtim.tv_sec,
                       (long long)st->st_mtim.tv_nsec};
  *h = pt_fnv1a(*h, meta, sizeof meta);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return pt_error_at(err, PT_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return pt_error_at(err, PT_EIO, path, 0, 0, "read error: %s", strerror(e));
    }
    *h = pt_fnv1a(*h, buf, (size_t)n);
  }
  close(fd);
  return PT_OK;
}

/* Names, and the files' sizes, times and bytes, of a tree in sorted order.
 * Hidden entries are left out, as the trials search leaves them out. */
static pt_code hash_tree(unsigned long long *h, const char *dir, int depth, pt_error *err) {
  if (depth > HASH_DEPTH)
    return PT_OK;
  char **names;
  size_t n;
  pt_code rc = pt_list_dir(dir, &names, &n, err);
  for (size_t i = 0; !rc && i < n; i++) {
    char *p = pt_path_join(dir, names[i]);
    struct stat st;
    if (!p) {
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
      break;
    }
    if (lstat(p, &st) == 0) {
      *h = hash_str(*h, names[i]);
      if (S_ISDIR(st.st_mode)) {
        *h = hash_str(*h, "/");
        rc = hash_tree(h, p, depth + 1, err);
        *h = hash_str(*h, "..");
      } else if (S_ISREG(st.st_mode) || (S_ISLNK(st.st_mode) && stat(p, &st) == 0 &&
                                          S_ISREG(st.st_mode))) {
        /* a linked file is read by the trials search (core/fs.h), so its
         * content counts; linked directories are not searched */
        rc = hash_file(h, p, &st, err);
      }
    }
    free(p);
  }
  pt_free_names(names, n);
  return rc;
}

/* Under each metric of a page drawn without --trial-charts. */
#define BATCH_TRIALS_NOTE                                                              \
  "The distribution and timeline of every trial are left out of the site "           \
  "(`ptbench batch --trial-charts` draws them, or `ptbench report` on the archive's " \
  "run directories)."

/* Everything besides the input that shapes a report. */
static pt_code config_hash(const pt_batch_opts *o, unsigned long long *h, pt_error *err) {
  *h = hash_str(PT_FNV_OFFSET, "ptbench " PTBENCH_VERSION);
  *h = hash_str(*h, SITE_LAYOUT);
  unsigned formats = o->chart_formats;
  *h = pt_fnv1a(*h, &formats, sizeof formats);
  *h = hash_str(*h, o->trial_charts ? "trial charts" : "bars");
  const char *dirs[] = {o->templates, PTBENCH_SHARE_DIR "/templates",
                        PTBENCH_SOURCE_DIR "/templates"};
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
    *h = hash_str(*h, "templates");
    if (dirs[i] && pt_is_dir(dirs[i])) {
      pt_code rc = hash_tree(h, dirs[i], 0, err);
      if (rc)
        return rc;
    }
  }
  return PT_OK;
}

/* ------------------------------------------------- temporary directories */

/* "ptbench-batch-XXXXXX", X as mkdtemp fills them. */
static bool work_name(const char *name) {
  size_t k = strlen(WORK_PREFIX);
  if (strncmp(name, WORK_PREFIX, k) || strlen(name) != k + 6)
    return false;
  for (const char *p = name + k; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
      return false;
  return true;
}

/* The process a work directory's marker names, or 0 when it names none. */
static long marker_pid(const char *dir) {
  char *mp = pt_path_join(dir, WORK_MARKER);
  pt_buf b = PT_BUF_INIT;
  struct stat st;
  long pid = 0;
  if (mp && lstat(mp, &st) == 0 && S_ISREG(st.st_mode) && !pt_read_file(mp, 64, &b, NULL)) {
    char *end;
    static const char head[] = "ptbench batch ";
    if (b.len > sizeof head - 1 && !strncmp(b.data, head, sizeof head - 1)) {
      errno = 0;
      pid = strtol(b.data + sizeof head - 1, &end, 10);
      if (errno || pid <= 0 || *end != '\n')
        pid = 0;
    }
  }
  pt_buf_free(&b);
  free(mp);
  return pid;
}

size_t pt_batch_clean_stale(const char *tmpdir, time_t now, time_t max_age) {
  char **names;
  size_t n, removed = 0;
  if (pt_list_dir_all(tmpdir, &names, &n, NULL))
    return 0;
  for (size_t i = 0; i < n; i++) {
    if (!work_name(names[i]))
      continue;
    char *p = pt_path_join(tmpdir, names[i]);
    struct stat st;
    long pid;
    if (p && lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
        now - st.st_mtime > max_age && (pid = marker_pid(p)) > 0 &&
        pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH &&
        pt_remove_tree(p) == 0)
      removed++;
    free(p);
  }
  pt_free_names(names, n);
  return removed;
}

/* A fresh private work directory in tmp, holding its marker. */
static char *work_begin(const char *tmp, pt_error *err) {
  char *dir = pt_path_join(tmp, WORK_PREFIX "XXXXXX");
  if (!dir) {
    pt_error_set(err, PT_ENOMEM, "out of memory");
    return NULL;
  }
  if (!mkdtemp(dir)) {
    pt_error_at(err, PT_EIO, dir, 0, 0, "cannot create a temporary directory: %s",
                strerror(errno));
    free(dir);
    return NULL;
  }
  char line[48];
  int k = snprintf(line, sizeof line, "ptbench batch %ld\n", (long)getpid());
  char *mp = pt_path_join(dir, WORK_MARKER);
  pt_code rc = mp ? pt_write_file_atomic(mp, line, (size_t)k, err)
                  : pt_error_set(err, PT_ENOMEM, "out of memory");
  free(mp);
  if (rc) {
    pt_remove_tree(dir);
    free(dir);
    return NULL;
  }
  return dir;
}

/* ------------------------------------------------------------ the batch */

typedef struct item {
  const char *input;
  pt_batch_result *res;
  char *title;              /* unique among the site's archives */
  char *source;             /* the input relative to the site, NULL when it
                               cannot be resolved */
  char date[48];            /* ISO 8601, for the front matter and the order */
  char hash[20];            /* "%016llx" */
  pt_site_archive archive;  /* the state's entry, once published or unchanged */
  bool have_archive;
} item;

typedef struct batch {
  const pt_batch_opts *o;
  item *items;
  size_t n, next;
  pthread_mutex_t lock;
  char *workdir;            /* private temporary directory */
  pt_mustache *page;
  unsigned long long config;
} batch;

/* The latest started_at/ended_at of the manifests, else the input's mtime. */
static void input_date(const cJSON *analysis, const char *input, char *out, size_t size) {
  const char *best = NULL;
  pt_site_date best_d = {0, false, false};
  const cJSON *env;
  cJSON_ArrayForEach(env, pt_doc_environments(analysis)) {
    const cJSON *m = pt_doc_env_manifest(env);
    const char *dates[] = {pt_mf_started_at(m), pt_mf_ended_at(m)};
    for (size_t i = 0; i < 2; i++) {
      const char *d = dates[i];
      pt_site_date pd;
      if (d && strlen(d) < size && pt_site_date_parse(d, &pd) &&
          (!best || pd.epoch > best_d.epoch)) {
        best = d;
        best_d = pd;
      }
    }
  }
  if (best) {
    snprintf(out, size, "%s", best);
    return;
  }
  struct stat st;
  struct tm tm;
  time_t t = stat(input, &st) == 0 ? st.st_mtime : 0;
  if (!gmtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
    snprintf(out, size, "1970-01-01T00:00:00Z");
}

typedef struct finish_ctx {
  batch *b;
  item *it;
} finish_ctx;

/* The archive's page: front matter (a user template's own, else the
 * site's), the way back to the index and the date, then the report. The
 * report writes it as index.md and as index.html (render/report.h). */
static pt_code archive_page(void *ctx, const cJSON *view, const char *readme, size_t len,
                            pt_buf *md, pt_error *err) {
  finish_ctx *f = ctx;
  char when[64] = "";
  pt_site_date d;
  if (pt_site_date_parse(f->it->date, &d))
    pt_site_date_text(&d, when, sizeof when);
  size_t fm = pt_front_matter_len(readme, len);  /* a user template's own */
  pt_code rc = fm ? pt_buf_append(md, readme, fm)
                  : pt_site_front_matter(md, f->it->title, f->it->date, NULL);
  if (!rc)
    rc = pt_site_archive_head(md, PT_SITE_TITLE, when);
  if (!rc)
    rc = pt_buf_append(md, readme + fm, len - fm);
  (void)view;
  return rc ? pt_error_set(err, rc, rc == PT_ETOOBIG ? "page is too large" : "out of memory")
            : PT_OK;
}

/* The report is complete in dir: add the hash of its source. */
static pt_code finish_report(void *ctx, const char *dir, const cJSON *view, const char *readme,
                             size_t len, pt_error *err) {
  finish_ctx *f = ctx;
  char line[24];
  int k = snprintf(line, sizeof line, "%s\n", f->it->hash);
  (void)view;
  (void)readme;
  (void)len;
  return pt_write_file_in(dir, HASH_FILE, line, (size_t)k, err);
}

/* The report in place is ptbench's (core/outdir.h) and its stored hash
 * equals ours. */
static bool unchanged(const char *outdir, const char *hash) {
  char *p = pt_path_join(outdir, HASH_FILE);
  char *m = pt_path_join(outdir, pt_outdir_marker(PT_OUTDIR_REPORT));
  pt_buf b = PT_BUF_INIT;
  bool same = p && m && pt_exists(m) &&
              !pt_read_file(p, 64, &b, NULL) && b.len == strlen(hash) + 1 &&
              !memcmp(b.data, hash, strlen(hash)) &&
              !pt_outdir_check(outdir, PT_OUTDIR_REPORT, NULL, 0, NULL);
  free(m);
  pt_buf_free(&b);
  free(p);
  return same;
}

/* Make err's file relative to the input's root ("" for the input itself). */
static void relative_error(pt_error *err, const char *input, const char *root) {
  const char *prefixes[] = {root, input};
  for (size_t i = 0; i < 2; i++) {
    size_t n = prefixes[i] ? strlen(prefixes[i]) : 0;
    while (n > 1 && prefixes[i][n - 1] == '/')
      n--;
    if (!n || strncmp(err->file, prefixes[i], n))
      continue;
    if (err->file[n] == '\0') {
      err->file[0] = '\0';
      return;
    }
    if (err->file[n] == '/') {
      memmove(err->file, err->file + n + 1, strlen(err->file + n + 1) + 1);
      return;
    }
  }
}

/* Sources as paths inside the archive: the temporary directory is no one's
 * business and would make the output differ from run to run. */
static pt_code relative_sources(cJSON *analysis, const char *root) {
  size_t n = strlen(root);
  while (n > 1 && root[n - 1] == '/')
    n--;
  cJSON *env;
  cJSON_ArrayForEach(env, pt_doc_environments(analysis)) {
    cJSON *src;
    cJSON_ArrayForEach(src, pt_doc_env_sources(env)) {
      const char *s = cJSON_GetStringValue(src);
      if (!s || strncmp(s, root, n) || s[n] != '/')
        continue;
      const char *rel = s + n;
      while (*rel == '/')
        rel++;
      cJSON *r = cJSON_CreateString(rel);
      if (!r || !cJSON_ReplaceItemViaPointer(pt_doc_env_sources(env), src, r)) {
        cJSON_Delete(r);
        return PT_ENOMEM;
      }
      src = r;
    }
  }
  return PT_OK;
}

/* A warning of the report writer (a missing partial): kept in the result,
 * which only this input's worker touches, for the caller to print in input
 * order. */
static void keep_warning(void *ctx, const char *msg) {
  pt_batch_result *res = ((item *)ctx)->res;
  if (!res->nwarnings++)
    snprintf(res->warning, sizeof res->warning, "%s", msg);
}

static pt_code publish(batch *b, item *it, size_t index, pt_error *err) {
  const pt_batch_opts *o = b->o;
  struct stat st;
  if (stat(it->input, &st) != 0)
    return errno == ENOENT ? pt_error_set(err, PT_ENOTFOUND, "no such file or directory")
                           : pt_error_set(err, PT_EIO, "cannot read: %s", strerror(errno));
  bool is_dir = S_ISDIR(st.st_mode);
  if (!is_dir && !(S_ISREG(st.st_mode) && pt_archive_suffix_len(it->input)))
    return pt_error_set(err, PT_EUSAGE,
                        "not a directory or an archive (.tar.gz, .tgz, .tar.xz, .txz, .tar, "
                        ".zip)");
  if (!it->source)
    return pt_error_set(err, PT_EIO, "cannot resolve the path: %s", strerror(ENOENT));
  unsigned long long h = b->config;
  pt_code rc = is_dir ? hash_tree(&h, it->input, 0, err) : hash_file(&h, it->input, &st, err);
  if (rc) {
    relative_error(err, it->input, NULL);
    return rc;
  }
  snprintf(it->hash, sizeof it->hash, "%016llx", h);
  char *outdir = pt_path_join(o->site, it->res->slug);
  if (!outdir)
    return pt_error_set(err, PT_ENOMEM, "out of memory");

  cJSON *analysis = NULL;
  char *root = NULL;
  pt_dataset *ds = NULL;
  if (unchanged(outdir, it->hash)) {
    /* the report in place, when its analysis still reads as ours */
    char *aj = pt_path_join(outdir, PT_DOC_FILE);
    analysis = aj ? pt_doc_load(aj, NULL) : NULL;
    free(aj);
    if (analysis) {
      it->res->state = PT_BATCH_UNCHANGED;
      goto done;
    }
  }
  if (is_dir) {
    root = strdup(it->input);
  } else {
    char name[32];
    snprintf(name, sizeof name, "%zu", index);
    root = pt_path_join(b->workdir, name);
    if (root && mkdir(root, 0700) != 0) {
      rc = pt_error_at(err, PT_EIO, root, 0, 0, "cannot create directory: %s", strerror(errno));
      goto done;
    }
  }
  if (!root) {
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    goto done;
  }
  if (!is_dir && (rc = pt_archive_extract(it->input, root, &o->limits, err)))
    goto done;
  if (!(ds = pt_dataset_new(pt_metric_find("eval_rate")))) {
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    goto done;
  }
  if ((rc = pt_dataset_add(ds, root, err)))
    goto done;
  pt_analyze_opts ao;
  pt_analyze_opts_init(&ao);
  if (!(analysis = pt_analyze(ds, &ao, err))) {
    rc = err->code ? err->code : PT_EINTERNAL;
    goto done;
  }
  if (relative_sources(analysis, root)) {
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    goto done;
  }
  input_date(analysis, it->input, it->date, sizeof it->date);
  const char *tdirs[1] = {o->templates};
  finish_ctx fc = {b, it};
  pt_report_opts ro;
  pt_report_opts_init(&ro);
  ro.template_dirs = tdirs;
  ro.ntemplate_dirs = o->templates ? 1 : 0;
  ro.chart_formats = o->chart_formats;
  ro.warn = keep_warning;
  ro.warn_ctx = it;
  ro.finish = finish_report;
  ro.finish_ctx = &fc;
  ro.page = archive_page;
  ro.page_ctx = &fc;
  ro.html = true;
  ro.page_template = b->page;
  ro.html_title = it->title;
  ro.trials = &ds;       /* the charts of every trial, when asked for */
  ro.ntrials = o->trial_charts ? 1 : 0;
  ro.trials_note = BATCH_TRIALS_NOTE;
  ro.jobs = 1;           /* the archives are the parallel work */
  ro.inputs = &it->input;
  ro.ninputs = 1;
  ro.keep_stale = true;  /* swept once for the whole site */
  ro.readme_name = PAGE_FILE;
  ro.no_table = true;    /* the table is in the page; a table.md would be a
                            page of its own in MkDocs */
  if ((rc = pt_report_write(analysis, &ro, outdir, err)))
    goto done;
  it->res->state = PT_BATCH_PUBLISHED;
done:
  if (!rc) {
    if (it->res->state == PT_BATCH_UNCHANGED)
      input_date(analysis, it->input, it->date, sizeof it->date);
    if (pt_site_archive_make(&it->archive, analysis, it->res->slug, it->title, it->source,
                             it->date))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    else
      it->have_archive = true;
  } else {
    relative_error(err, it->input, root);
  }
  if (root && !is_dir)
    pt_remove_tree(root);
  pt_dataset_free(ds);
  cJSON_Delete(analysis);
  free(root);
  free(outdir);
  return rc;
}

static void *worker(void *arg) {
  batch *b = arg;
  for (;;) {
    pthread_mutex_lock(&b->lock);
    size_t i = b->next;
    while (i < b->n && b->items[i].res->state == PT_BATCH_DUPLICATE)
      i++;
    b->next = i < b->n ? i + 1 : b->n;
    pthread_mutex_unlock(&b->lock);
    if (i >= b->n)
      return NULL;
    item *it = &b->items[i];
    pt_error_clear(&it->res->err);
    it->res->state = PT_BATCH_FAILED;
    if (b->o->interrupted && *b->o->interrupted)
      pt_error_set(&it->res->err, PT_EINTERRUPTED, "not processed: interrupted");
    else if (publish(b, it, i, &it->res->err))
      it->res->state = PT_BATCH_FAILED;
  }
}

/* ---------------------------------------------------- sources and names */

/* The first "base", "base-2", "base-3"... (or with " (N)" for titles) not
 * in taken; added to it. NULL when out of memory. */
static char *claim(pt_strtab *taken, const char *base, bool title) {
  pt_buf b = PT_BUF_INIT;
  for (unsigned k = 1;; k++) {
    pt_buf_reset(&b);
    if (k == 1 ? pt_buf_puts(&b, base)
               : pt_buf_printf(&b, title ? "%s (%u)" : "%s-%u", base, k))
      break;
    if (pt_strtab_find(taken, b.data, b.len) >= 0)
      continue;
    size_t at;
    if (pt_strtab_intern(taken, b.data, b.len, &at, NULL))
      break;
    return pt_buf_detach(&b, NULL);
  }
  pt_buf_free(&b);
  return NULL;
}

/* Give every input its source, slug and title: those of the state's archive
 * of the same source, else new unique ones; an input of the same source as
 * an earlier input is a duplicate of it. given[j] is set for each state
 * archive j an input names. */
static pt_code assign(batch *b, const pt_site_state *st, const char *site_real, bool *given,
                      pt_error *err) {
  pt_strtab sources = PT_STRTAB_INIT, slugs = PT_STRTAB_INIT, titles = PT_STRTAB_INIT;
  size_t *owner = NULL, cap = 0;  /* per source: state archive (< st->n) or st->n + input */
  pt_code rc = PT_OK;
  for (size_t j = 0; j < st->n && !rc; j++) {
    const pt_site_archive *a = &st->archives[j];
    size_t at, unused;
    size_t *p = NULL;
    if (pt_strtab_intern(&sources, a->source, strlen(a->source), &at, NULL) ||
        pt_strtab_intern(&slugs, a->slug, strlen(a->slug), &unused, NULL) ||
        pt_strtab_intern(&titles, a->title, strlen(a->title), &unused, NULL) ||
        !(p = pt_grow_array(owner, &cap, at + 1, sizeof *owner))) {
      rc = PT_ENOMEM;
    } else {
      owner = p;
      owner[at] = j;
    }
  }
  for (size_t i = 0; i < b->n && !rc; i++) {
    item *it = &b->items[i];
    char *real = realpath(it->input, NULL);
    if (real && !(it->source = pt_batch_relative_path(site_real, real)))
      rc = PT_ENOMEM;
    free(real);
    if (rc)
      break;
    if (it->source) {
      size_t at;
      bool added;
      size_t *p;
      if (pt_strtab_intern(&sources, it->source, strlen(it->source), &at, &added) ||
          !(p = pt_grow_array(owner, &cap, at + 1, sizeof *owner))) {
        rc = PT_ENOMEM;
        break;
      }
      owner = p;
      if (added) {
        owner[at] = st->n + i;
      } else if (owner[at] >= st->n) {  /* an earlier input's */
        size_t first = owner[at] - st->n;
        it->res->state = PT_BATCH_DUPLICATE;
        it->res->same_as = first;
        snprintf(it->res->slug, sizeof it->res->slug, "%s", b->items[first].res->slug);
        continue;
      } else {  /* an archive the site publishes already */
        const pt_site_archive *a = &st->archives[owner[at]];
        owner[at] = st->n + i;
        given[a - st->archives] = true;
        snprintf(it->res->slug, sizeof it->res->slug, "%s", a->slug);
        if (!(it->title = strdup(a->title)))
          rc = PT_ENOMEM;
        continue;
      }
    }
    char base[PT_BATCH_SLUG_MAX + 1];
    pt_batch_slug(it->input, base, sizeof base);
    char *slug = claim(&slugs, base, false);
    char *title = input_title(it->input);
    if (slug)
      snprintf(it->res->slug, sizeof it->res->slug, "%s", slug);
    if (!slug || !title || !(it->title = claim(&titles, title, true)))
      rc = PT_ENOMEM;
    free(slug);
    free(title);
  }
  free(owner);
  pt_strtab_free(&sources);
  pt_strtab_free(&slugs);
  pt_strtab_free(&titles);
  return rc ? pt_error_set(err, rc, "out of memory") : PT_OK;
}

/* ----------------------------------------------------------------- state */

/* Fold the run into the state: published and unchanged inputs put in;
 * the archives of earlier runs not given kept, pruned or found gone. */
static pt_code update_state(batch *b, pt_site_state *st, const bool *given,
                            pt_batch_outcome *out, pt_error *err) {
  const pt_batch_opts *o = b->o;
  bool interrupted = o->interrupted && *o->interrupted;
  size_t nold = 0;
  for (size_t j = 0; j < st->n; j++)
    nold += !given[j];
  pt_batch_earlier *earlier = nold ? calloc(nold, sizeof *earlier) : NULL;
  char **gone = nold ? calloc(nold, sizeof *gone) : NULL;  /* slugs to drop */
  size_t ngone = 0, k = 0;
  pt_code rc = PT_OK;
  if (nold && (!earlier || !gone)) {
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t j = 0; j < st->n; j++) {
    if (given[j])
      continue;
    const pt_site_archive *a = &st->archives[j];
    pt_batch_earlier *e = &earlier[k++];
    snprintf(e->slug, sizeof e->slug, "%s", a->slug);
    e->state = PT_BATCH_KEPT;
    char *dir = pt_path_join(o->site, a->slug);
    char *marker = dir ? pt_path_join(dir, pt_outdir_marker(PT_OUTDIR_REPORT)) : NULL;
    if (!marker) {
      free(dir);
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
      goto done;
    }
    struct stat sb;
    if (lstat(marker, &sb) != 0 && lstat(dir, &sb) != 0 && errno == ENOENT) {
      e->state = PT_BATCH_GONE;
      gone[ngone++] = a->slug;
    } else if (o->prune && !interrupted) {
      pt_error_clear(&e->err);
      if (pt_outdir_remove(dir, &e->err)) {
        e->state = PT_BATCH_PRUNE_FAILED;
      } else {
        e->state = PT_BATCH_PRUNED;
        gone[ngone++] = a->slug;
      }
    }
    free(marker);
    free(dir);
  }
  /* drop the gone and pruned, then put in what this run published */
  for (size_t g = 0; g < ngone; g++) {
    ptrdiff_t at = pt_site_state_find_slug(st, gone[g]);
    if (at >= 0)
      pt_site_state_remove(st, (size_t)at);  /* gone[g] points into it: last use */
  }
  for (size_t i = 0; i < b->n; i++) {
    item *it = &b->items[i];
    if (it->have_archive && pt_site_state_put(st, &it->archive)) {
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
      goto done;
    }
    it->have_archive = false;
  }
done:
  free(gone);
  if (out && !rc) {
    out->earlier = earlier;
    out->nearlier = nold;
    earlier = NULL;
  }
  free(earlier);
  return rc;
}

/* --------------------------------------------------------------- the run */

pt_code pt_batch_run(const char *const *inputs, size_t n, const pt_batch_opts *o,
                     pt_batch_result *results, pt_batch_outcome *out, pt_error *err) {
  batch b = {o, NULL, n, 0, PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0};
  pt_site_state st = PT_SITE_STATE_INIT;
  pt_code rc = PT_OK;
  pthread_t *threads = NULL;
  bool *given = NULL;
  char *site_real = NULL;
  int site_fd = -1;
  size_t started = 0;
  if (out)
    memset(out, 0, sizeof *out);
  pt_html_init();
  if (!(b.items = calloc(n ? n : 1, sizeof *b.items)))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    b.items[i].input = inputs[i];
    b.items[i].res = &results[i];
    memset(&results[i], 0, sizeof results[i]);
    results[i].state = PT_BATCH_FAILED;
  }
  /* the site root is never removed; it is written into only when it is a
   * ptbench site (core/outdir.h), and marked as one from the start. A site
   * of the first layout listed an index.md, which would make a Hugo site
   * one leaf bundle: it stays listed until it is removed, below. */
  static const char *const site_files[] = {PT_SITE_INDEX_FILES, PT_SITE_STATE_FILE, "index.md"};
  const size_t nsite_files = sizeof site_files / sizeof site_files[0];
  if ((rc = pt_outdir_check(o->site, PT_OUTDIR_SITE, NULL, 0, err)) ||
      (rc = pt_mkdir_p(o->site, err)))
    goto done;
  /* one batch at a time per site: the lock goes with the descriptor */
  if ((site_fd = open(o->site, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
    rc = pt_error_at(err, PT_EIO, o->site, 0, 0, "cannot open: %s", strerror(errno));
    goto done;
  }
  if (flock(site_fd, LOCK_EX | LOCK_NB) != 0) {
    rc = errno == EWOULDBLOCK
             ? pt_error_at(err, PT_EIO, o->site, 0, 0,
                           "another ptbench batch is publishing into this site: run again "
                           "when it is done")
             : pt_error_at(err, PT_EIO, o->site, 0, 0, "cannot lock: %s", strerror(errno));
    goto done;
  }
  bool old_index = pt_outdir_lists(o->site, PT_OUTDIR_SITE, "index.md");
  if ((rc = pt_outdir_mark(o->site, PT_OUTDIR_SITE, site_files,
                           old_index ? nsite_files : nsite_files - 1, err)))
    goto done;
  if (!(site_real = realpath(o->site, NULL))) {
    rc = pt_error_at(err, errno == ENOMEM ? PT_ENOMEM : PT_EIO, o->site, 0, 0,
                     "cannot resolve the path: %s", strerror(errno));
    goto done;
  }
  char *state_path = pt_path_join(o->site, PT_SITE_STATE_FILE);
  bool had_state = state_path && pt_exists(state_path);
  free(state_path);
  if ((rc = pt_site_state_load(o->site, &st, err)))
    goto done;
  if (!(given = calloc(st.n ? st.n : 1, sizeof *given))) {
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    goto done;
  }
  if ((rc = assign(&b, &st, site_real, given, err)) || (rc = config_hash(o, &b.config, err)))
    goto done;
  pt_outdir_clean_stale(o->site, time(NULL), PT_OUTDIR_STALE_SECONDS);
  if (!(b.page = pt_html_page_template(&o->templates, 1, err))) {
    rc = err->code;
    goto done;
  }
  const char *tmp = o->tmpdir ? o->tmpdir : getenv("TMPDIR");
  if (!tmp || !*tmp)
    tmp = "/tmp";
  pt_batch_clean_stale(tmp, time(NULL), PT_OUTDIR_STALE_SECONDS);
  if (!(b.workdir = work_begin(tmp, err))) {
    rc = err->code;
    goto done;
  }
  /* read the umask (which sets it for a moment) before any thread creates
   * files or directories */
  (void)pt_umask();
  size_t jobs = o->jobs ? o->jobs : 1;
  if (jobs > n)
    jobs = n ? n : 1;
  if (!(threads = calloc(jobs, sizeof *threads))) {
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    goto done;
  }
  for (; started < jobs; started++)
    if (pthread_create(&threads[started], NULL, worker, &b) != 0)
      break;
  if (!started)
    worker(&b);
  for (size_t i = 0; i < started; i++)
    pthread_join(threads[i], NULL);
  bool interrupted = o->interrupted && *o->interrupted;
  if ((rc = update_state(&b, &st, given, out, err)))
    goto done;
  if (out)
    out->listed = st.n;
  if ((st.n || had_state) && (rc = pt_site_state_save(o->site, &st, err)))
    goto done;
  /* an interrupted batch leaves the index as it was: the next run lists
   * what this one published (the state has it) */
  if (interrupted || !(st.n || had_state))
    goto done;
  if ((rc = pt_site_index_write(o->site, &st, &o->templates, 1, b.page, err)))
    goto done;
  if (out)
    out->index_written = true;
  if (old_index) {
    char *p = pt_path_join(o->site, "index.md");
    struct stat sb;
    if (p && lstat(p, &sb) == 0 && S_ISREG(sb.st_mode))
      unlink(p);
    free(p);
    rc = pt_outdir_mark(o->site, PT_OUTDIR_SITE, site_files, nsite_files - 1, err);
  }
done:
  if (site_fd >= 0)
    close(site_fd);  /* and the lock with it */
  if (b.workdir)
    pt_remove_tree(b.workdir);
  free(b.workdir);
  free(threads);
  free(given);
  free(site_real);
  pt_mustache_free(b.page);
  for (size_t i = 0; i < n; i++) {
    free(b.items[i].title);
    free(b.items[i].source);
    pt_site_archive_free(&b.items[i].archive);
  }
  free(b.items);
  pt_site_state_free(&st);
  pthread_mutex_destroy(&b.lock);
  if (rc && out)
    pt_batch_outcome_free(out);
  return rc;
}
