/* site/batch.c - a static site of reports from many run archives (see
 * batch.h). Workers take inputs in turn; each input is hashed, skipped when
 * unchanged, else extracted into its own private directory, analyzed and
 * written by pt_report_write(), whose finish hook adds the front matter, the
 * HTML page and the source hash inside the report's temporary directory so
 * that they land atomically with the rest. The index is written last, from
 * the results in a fixed order. */
#include "site/batch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze/analysis.h"
#include "analyze/doc.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/outdir.h"
#include "render/chart.h"
#include "site/html.h"
#include "render/mustache.h"
#include "render/report.h"

#define PAGE_TEMPLATE "page.html.mustache"
#define INDEX_TEMPLATE "site-index.md.mustache"
#define HASH_FILE ".source-hash"
#define SITE_TITLE "Benchmark archives"
#define PAGE_MAX ((size_t)256 << 20)      /* bytes in one HTML page */
#define HASH_DEPTH 32                     /* directory levels hashed */

void pt_batch_opts_init(pt_batch_opts *o) {
  o->site = "site";
  o->templates = NULL;
  o->chart_formats = PT_CHART_SVG;
  o->jobs = 1;
  o->tmpdir = NULL;
  o->interrupted = NULL;
  pt_extract_limits_init(&o->limits);
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

/* Size, modification time and bytes of a regular file (st from stat(), so a
 * symbolic link is hashed as the file it names: the input itself may be one,
 * and the trials search reads linked trials files). */
static pt_code hash_file(unsigned long long *h, const char *path, const struct stat *st,
                         pt_error *err) {
  long long meta[2] = {(long long)st->st_size, (long long)st->st_mtime};
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

/* -------------------------------------------------------------- templates */

/* Everything besides the input that shapes a report. */
static pt_code config_hash(const pt_batch_opts *o, unsigned long long *h, pt_error *err) {
  *h = hash_str(PT_FNV_OFFSET, "ptbench " PTBENCH_VERSION);
  unsigned formats = o->chart_formats;
  *h = pt_fnv1a(*h, &formats, sizeof formats);
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

/* ------------------------------------------------------------ the batch */

typedef struct item {
  const char *input;
  pt_batch_result *res;
  char *title;              /* input_title() */
  char date[48];            /* ISO 8601, for the front matter and the order */
  char hash[20];            /* "%016llx" */
  cJSON *entry;             /* the index row, once published or unchanged */
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

/* An acceptable date from a manifest: "YYYY-MM-DD" then time characters. */
static bool valid_date(const char *s) {
  if (!s)
    return false;
  size_t n = strlen(s);
  if (n < 10 || n > 40)
    return false;
  for (size_t i = 0; i < 10; i++)
    if ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
      return false;
  return strspn(s + 10, "0123456789-:.TZ+ ") == n - 10;
}

/* The latest started_at/ended_at of the manifests, else the input's mtime. */
static void input_date(const cJSON *analysis, const char *input, char *out, size_t size) {
  const char *best = NULL;
  const cJSON *env;
  cJSON_ArrayForEach(env, pt_doc_environments(analysis)) {
    const cJSON *m = pt_doc_env_manifest(env);
    const char *keys[] = {"started_at", "ended_at"};
    for (size_t i = 0; i < 2; i++) {
      const char *d = pt_json_str(m, keys[i]);
      if (valid_date(d) && (!best || strcmp(d, best) > 0))
        best = d;
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

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s) {
  if (s[0] < 0x80)
    return 1;
  size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
  if (s[0] >= 0xf8)
    return 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  return n;
}

/* A YAML double-quoted scalar: \ and " escaped, control bytes as \xNN,
 * invalid UTF-8 as U+FFFD. */
static pt_code yaml_quote(pt_buf *b, const char *s) {
  pt_code rc = pt_buf_putc(b, '"');
  for (const unsigned char *p = (const unsigned char *)s; !rc && *p;) {
    size_t n = utf8_len(p);
    if (*p == '"' || *p == '\\')
      rc = pt_buf_printf(b, "\\%c", *p);
    else if (*p < 0x20 || *p == 0x7f)
      rc = pt_buf_printf(b, "\\x%02x", *p);
    else if (!n)
      rc = pt_buf_puts(b, "\xEF\xBF\xBD");
    else
      rc = pt_buf_append(b, p, n);
    p += n ? n : 1;
  }
  return rc ? rc : pt_buf_putc(b, '"');
}

static pt_code front_matter(pt_buf *b, const char *title, const char *date) {
  pt_code rc = pt_buf_puts(b, "---\ntitle: ");
  if (!rc)
    rc = yaml_quote(b, title);
  if (!rc)
    rc = pt_buf_puts(b, "\ndate: ");
  if (!rc)
    rc = yaml_quote(b, date);
  return rc ? rc : pt_buf_puts(b, "\n---\n\n");
}

/* The label of the environment named name, else the name, else "". */
static const char *env_label(const cJSON *analysis, const char *name) {
  const cJSON *env = pt_doc_env_find(analysis, name);
  return env ? pt_doc_env_display(env) : name ? name : "";
}

/* Add key: the Markdown-escaped strings joined by ", ". */
static bool add_md_list(cJSON *obj, const char *key, const char *const *items, size_t n) {
  pt_buf b = PT_BUF_INIT;
  pt_code rc = PT_OK;
  for (size_t i = 0; !rc && i < n; i++) {
    if (i)
      rc = pt_buf_puts(&b, ", ");
    if (!rc)
      rc = pt_md_escape(&b, items[i] ? items[i] : "");
  }
  bool ok = !rc && cJSON_AddStringToObject(obj, key, b.data ? b.data : "");
  pt_buf_free(&b);
  return ok;
}

/* Add key: the Markdown-escaped strings joined by ", ", one string per item
 * of arr (environments or models, in document order) as name() gives it. */
static bool add_md_items(cJSON *obj, const char *key, const cJSON *arr,
                         const char *(*name)(const cJSON *analysis, const cJSON *item),
                         const cJSON *analysis) {
  const char **names = NULL;
  size_t n = 0, cap = 0;
  const cJSON *x;
  cJSON_ArrayForEach(x, arr) {
    const char **p = pt_grow_array(names, &cap, n + 1, sizeof *names);
    if (!p) {
      free(names);
      return false;
    }
    names = p;
    names[n++] = name(analysis, x);
  }
  bool ok = add_md_list(obj, key, names, n);
  free(names);
  return ok;
}

static const char *env_item_label(const cJSON *analysis, const cJSON *env) {
  return env_label(analysis, pt_doc_env_name(env));
}

static const char *model_item_name(const cJSON *analysis, const cJSON *model) {
  (void)analysis;
  return pt_doc_model_name(model);
}

/* The index row of a published input, from its analysis. */
static cJSON *index_entry(const item *it, const cJSON *analysis) {
  cJSON *e = cJSON_CreateObject();
  if (!e)
    return NULL;
  const cJSON *x;
  bool ok = cJSON_AddStringToObject(e, "slug", it->res->slug) &&
            add_md_list(e, "title_md", (const char *const[]){it->title}, 1) &&
            cJSON_AddStringToObject(e, "date", it->date);
  char day[16];
  snprintf(day, sizeof day, "%.10s", it->date);
  ok = ok && cJSON_AddStringToObject(e, "day", day);
  pt_buf link = PT_BUF_INIT;
  ok = ok && !pt_buf_printf(&link, "%s/README.md", it->res->slug) &&
       cJSON_AddStringToObject(e, "link", link.data);
  pt_buf_free(&link);
  ok = ok && add_md_items(e, "environments_md", pt_doc_environments(analysis), env_item_label,
                          analysis);
  ok = ok && add_md_items(e, "models_md", pt_doc_models(analysis), model_item_name, analysis);
  /* the mean penalty of each compared environment */
  pt_buf pen = PT_BUF_INIT;
  const cJSON *comps = pt_doc_summary_comparisons(analysis);
  int ncomp = cJSON_GetArraySize(comps);
  cJSON_ArrayForEach(x, comps) {
    char num[48];
    pt_fmt_pct(pt_json_num(x, PT_DOC_MEAN_PENALTY_PCT), num, sizeof num);
    if (pen.len && pt_buf_puts(&pen, ", "))
      ok = false;
    if (ncomp > 1 && (pt_md_escape(&pen, env_label(analysis, pt_doc_item_env(x))) ||
                      pt_buf_puts(&pen, ": ")))
      ok = false;
    if (pt_buf_puts(&pen, num))
      ok = false;
  }
  ok = ok && cJSON_AddStringToObject(e, "penalty_md", pen.len ? pen.data : PT_DASH);
  pt_buf_free(&pen);
  if (!ok) {
    cJSON_Delete(e);
    return NULL;
  }
  return e;
}

typedef struct finish_ctx {
  batch *b;
  item *it;
} finish_ctx;

static pt_code write_in(const char *dir, const char *name, const char *data, size_t len,
                        pt_error *err) {
  char *p = pt_path_join(dir, name);
  if (!p)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  pt_code rc = pt_write_file_atomic(p, data, len, err);
  free(p);
  return rc;
}

/* The report is complete in dir: add front matter, index.html, the hash. */
static pt_code finish_report(void *ctx, const char *dir, const cJSON *view, const char *readme,
                             size_t len, pt_error *err) {
  finish_ctx *f = ctx;
  pt_buf md = PT_BUF_INIT, html = PT_BUF_INIT;
  pt_code rc = PT_OK;
  if (!pt_front_matter_len(readme, len))
    rc = front_matter(&md, f->it->title, f->it->date);
  if (!rc)
    rc = pt_buf_append(&md, readme, len);
  if (rc)
    rc = pt_error_set(err, rc, "out of memory");
  if (!rc)
    rc = write_in(dir, "README.md", md.data, md.len, err);
  html.max = PAGE_MAX;
  if (!rc)
    rc = pt_html_page(f->b->page, md.data, md.len, dir, f->it->title, f->it->date, &html, err);
  if (!rc)
    rc = write_in(dir, "index.html", html.data, html.len, err);
  if (!rc) {
    char line[24];
    int k = snprintf(line, sizeof line, "%s\n", f->it->hash);
    rc = write_in(dir, HASH_FILE, line, (size_t)k, err);
  }
  pt_buf_free(&md);
  pt_buf_free(&html);
  return rc;
}

/* The report in place is ptbench's (core/outdir.h) and its stored hash
 * equals ours. */
static bool unchanged(const char *outdir, const char *hash) {
  char *p = pt_path_join(outdir, HASH_FILE);
  char *m = pt_path_join(outdir, pt_outdir_marker(PT_OUTDIR_REPORT));
  pt_buf b = PT_BUF_INIT;
  bool same = p && m && pt_exists(m) &&
              !pt_outdir_check(outdir, PT_OUTDIR_REPORT, NULL, 0, NULL) &&
              !pt_read_file(p, 64, &b, NULL) && b.len == strlen(hash) + 1 &&
              !memcmp(b.data, hash, strlen(hash));
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
  ro.inputs = &it->input;
  ro.ninputs = 1;
  ro.keep_stale = true;  /* swept once for the whole site */
  if ((rc = pt_report_write(analysis, &ro, outdir, err)))
    goto done;
  it->res->state = PT_BATCH_PUBLISHED;
done:
  if (!rc) {
    if (it->res->state == PT_BATCH_UNCHANGED)
      input_date(analysis, it->input, it->date, sizeof it->date);
    if (!(it->entry = index_entry(it, analysis)))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
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
    size_t i = b->next < b->n ? b->next++ : b->n;
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

/* ----------------------------------------------------------------- index */

static int cmp_entry(const void *pa, const void *pb) {
  const item *a = *(item *const *)pa, *b = *(item *const *)pb;
  int c = strcmp(b->date, a->date);  /* newest first */
  return c ? c : strcmp(a->res->slug, b->res->slug);
}

static pt_code write_index(batch *b, pt_error *err) {
  item **order = calloc(b->n, sizeof *order);
  cJSON *view = cJSON_CreateObject();
  cJSON *list = view ? cJSON_AddArrayToObject(view, "archives") : NULL;
  pt_mustache *tmpl = NULL;
  pt_buf md = PT_BUF_INIT, html = PT_BUF_INIT;
  pt_code rc = PT_OK;
  if (!order || !list) {
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    goto done;
  }
  size_t k = 0;
  for (size_t i = 0; i < b->n; i++)
    if (b->items[i].entry)
      order[k++] = &b->items[i];
  qsort(order, k, sizeof *order, cmp_entry);
  for (size_t i = 0; i < k; i++) {
    cJSON_AddItemToArray(list, order[i]->entry);
    order[i]->entry = NULL;
  }
  const char *date = k ? order[0]->date : "";
  if (!cJSON_AddStringToObject(view, "title", SITE_TITLE) ||
      !cJSON_AddNumberToObject(view, "count", (double)k) ||
      !cJSON_AddStringToObject(view, "date", date)) {
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    goto done;
  }
  if (!(tmpl = pt_template_load(&b->o->templates, 1, INDEX_TEMPLATE, err))) {
    rc = err->code;
    goto done;
  }
  if ((rc = front_matter(&md, SITE_TITLE, date)) ||
      (rc = pt_mustache_exec(tmpl, view, NULL, NULL, &md, err)))
    goto done;
  if ((rc = write_in(b->o->site, "index.md", md.data, md.len, err)))
    goto done;
  html.max = PAGE_MAX;
  if ((rc = pt_html_page(b->page, md.data, md.len, b->o->site, SITE_TITLE, date, &html, err)))
    goto done;
  rc = write_in(b->o->site, "index.html", html.data, html.len, err);
done:
  pt_buf_free(&md);
  pt_buf_free(&html);
  pt_mustache_free(tmpl);
  cJSON_Delete(view);
  free(order);
  return rc;
}

pt_code pt_batch_run(const char *const *inputs, size_t n, const pt_batch_opts *o,
                     pt_batch_result *results, pt_error *err) {
  batch b = {o, NULL, n, 0, PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0};
  pt_code rc = PT_OK;
  pthread_t *threads = NULL;
  size_t started = 0;
  pt_html_init();
  if (!(b.items = calloc(n ? n : 1, sizeof *b.items)))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    item *it = &b.items[i];
    it->input = inputs[i];
    it->res = &results[i];
    memset(it->res, 0, sizeof *it->res);
    it->res->state = PT_BATCH_FAILED;
    if (!(it->title = input_title(inputs[i]))) {
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
      goto done;
    }
    /* a slug taken by an earlier input gets the first free "-N" */
    char base[PT_BATCH_SLUG_MAX + 1];
    pt_batch_slug(inputs[i], base, sizeof base);
    snprintf(it->res->slug, sizeof it->res->slug, "%s", base);
    for (unsigned k = 2;; k++) {
      bool taken = false;
      for (size_t j = 0; j < i && !taken; j++)
        taken = !strcmp(results[j].slug, it->res->slug);
      if (!taken)
        break;
      snprintf(it->res->slug, sizeof it->res->slug, "%s-%u", base, k);
    }
  }
  /* the site root is never removed; it is written into only when it is a
   * ptbench site (core/outdir.h), and marked as one from the start */
  static const char *const site_files[] = {"index.html", "index.md"};
  if ((rc = pt_outdir_check(o->site, PT_OUTDIR_SITE, NULL, 0, err)) ||
      (rc = pt_mkdir_p(o->site, err)) ||
      (rc = pt_outdir_mark(o->site, PT_OUTDIR_SITE, site_files, 2, err)) ||
      (rc = config_hash(o, &b.config, err)))
    goto done;
  pt_outdir_clean_stale(o->site, time(NULL), PT_OUTDIR_STALE_SECONDS);
  if (!(b.page = pt_template_load(&o->templates, 1, PAGE_TEMPLATE, err))) {
    rc = err->code;
    goto done;
  }
  const char *tmp = o->tmpdir ? o->tmpdir : getenv("TMPDIR");
  b.workdir = pt_path_join(tmp && *tmp ? tmp : "/tmp", "ptbench-batch-XXXXXX");
  if (!b.workdir) {
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    goto done;
  }
  if (!mkdtemp(b.workdir)) {
    rc = pt_error_at(err, PT_EIO, b.workdir, 0, 0, "cannot create a temporary directory: %s",
                     strerror(errno));
    free(b.workdir);
    b.workdir = NULL;
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
  bool any = false;
  for (size_t i = 0; i < n; i++)
    any = any || results[i].state != PT_BATCH_FAILED;
  /* an interrupted batch leaves the index as it was: the archives it did
   * publish are found unchanged and listed by the next run */
  if (any && !(o->interrupted && *o->interrupted))
    rc = write_index(&b, err);
done:
  if (b.workdir)
    pt_remove_tree(b.workdir);
  free(b.workdir);
  free(threads);
  pt_mustache_free(b.page);
  for (size_t i = 0; i < n; i++) {
    free(b.items[i].title);
    cJSON_Delete(b.items[i].entry);
  }
  free(b.items);
  pthread_mutex_destroy(&b.lock);
  return rc;
}
