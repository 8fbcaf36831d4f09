/* render/report.c - a report directory, built aside and renamed into place
 * (render/report.h).
 *
 * Everything that can fail on bad input happens before the filesystem is
 * touched: the view is built and both templates are rendered to memory
 * first. Only then is the temporary directory made, filled (Markdown,
 * analysis.json, charts) and renamed over the target.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyze/analysis.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/outdir.h"
#include "render/chart.h"
#include "render/mustache.h"
#include "render/report.h"
#include "render/view.h"

#define TEMPLATE_MAX ((size_t)16 << 20)  /* bytes in one template or partial */
#define MAX_DIRS 64

void pt_report_opts_init(pt_report_opts *o) {
  memset(o, 0, sizeof *o);
  o->template_name = PT_REPORT_DEFAULT_TEMPLATE;
  o->chart_formats = PT_CHART_ALL_FORMATS;
}

/* Where templates are looked for, in order. Strings are borrowed, except
 * own_dir (the directory of a template named by path). */
typedef struct search {
  const char *dirs[MAX_DIRS];
  size_t n;
  char *own_dir;
  const pt_report_opts *opts;
} search;

static void warn(const search *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(const search *s, const char *fmt, ...) {
  if (!s->opts->warn)
    return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  s->opts->warn(s->opts->warn_ctx, msg);
}

/* "NAME.mustache" unless name already ends so. malloc'ed or NULL. */
static char *template_file(const char *name) {
  static const char ext[] = ".mustache";
  size_t n = strlen(name);
  if (n >= sizeof ext - 1 && !strcmp(name + n - (sizeof ext - 1), ext))
    return strdup(name);
  char *f = malloc(n + sizeof ext);
  if (f)
    snprintf(f, n + sizeof ext, "%s%s", name, ext);
  return f;
}

static pt_code search_init(search *s, const pt_report_opts *opts, const char *name,
                           pt_error *err) {
  memset(s, 0, sizeof *s);
  s->opts = opts;
  const char *slash = strrchr(name, '/');
  if (slash) {
    s->own_dir = slash == name ? strdup("/") : strndup(name, (size_t)(slash - name));
    if (!s->own_dir)
      return pt_error_set(err, PT_ENOMEM, "out of memory");
    s->dirs[s->n++] = s->own_dir;
  }
  for (size_t i = 0; i < opts->ntemplate_dirs && s->n < MAX_DIRS - 2; i++)
    if (opts->template_dirs[i])
      s->dirs[s->n++] = opts->template_dirs[i];
  s->dirs[s->n++] = PTBENCH_SHARE_DIR "/templates";
  s->dirs[s->n++] = PTBENCH_SOURCE_DIR "/templates";
  return PT_OK;
}

/* "a, b, c": the directories searched, for messages. */
static void dir_list(const search *s, char *buf, size_t size) {
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < s->n && len < size; i++)
    len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", s->dirs[i]);
}

/* Read the template file `file` from the first directory that has it.
 * PT_ENOTFOUND when none does (err not set); other read errors as is. */
static pt_code find(const search *s, const char *file, pt_buf *text, char **path,
                    pt_error *err) {
  for (size_t i = 0; i < s->n; i++) {
    char *p = pt_path_join(s->dirs[i], file);
    if (!p)
      return pt_error_set(err, PT_ENOMEM, "out of memory");
    pt_error e;
    pt_error_clear(&e);
    pt_code rc = pt_read_file(p, TEMPLATE_MAX, text, &e);
    if (rc == PT_OK) {
      *path = p;
      return PT_OK;
    }
    pt_buf_free(text);
    bool missing = rc == PT_ENOTFOUND || (rc == PT_EIO && pt_is_dir(p));
    free(p);
    if (!missing) {
      if (err)
        *err = e;
      return rc;
    }
  }
  return PT_ENOTFOUND;
}

/* The partial loader: {{>name}} is name.mustache in the search directories;
 * a missing one renders as "" with a warning. */
static pt_code load_partial(void *ctx, const char *name, const pt_mustache_loc *at,
                            pt_mustache_partial *out, pt_error *err) {
  const search *s = ctx;
  if (name[0] == '/' || strstr(name, "..")) {
    warn(s, "missing partial '%s' (%s:%ld:%ld): a partial name may not leave the template "
            "directories", name, at->template_name, at->line, at->column);
    return PT_OK;
  }
  char *file = template_file(name);
  if (!file)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  pt_buf text = PT_BUF_INIT;
  char *path = NULL;
  pt_code rc = find(s, file, &text, &path, err);
  if (rc == PT_ENOTFOUND) {
    char dirs[2048];
    dir_list(s, dirs, sizeof dirs);
    warn(s, "missing partial '%s' (%s:%ld:%ld): no '%s' in %s", name, at->template_name,
         at->line, at->column, file, dirs);
    rc = PT_OK;
  } else if (rc == PT_OK) {
    out->text = pt_buf_detach(&text, &out->len);
    out->source = path;
    path = NULL;
    if (!out->text)
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  free(file);
  free(path);
  pt_buf_free(&text);
  return rc;
}

/* Render the template `name` against view into out. */
/* Read the template `name` ("report.md" or a path): its text and the path
 * it was read from (the caller's). PT_ENOTFOUND lists where it looked. */
static pt_code read_template(const search *s, const char *name, pt_buf *text, char **path,
                             pt_error *err) {
  if (strchr(name, '/')) {
    pt_code rc = pt_read_file(name, TEMPLATE_MAX, text, err);
    if (!rc && !(*path = strdup(name)))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    return rc;
  }
  char *file = template_file(name);
  if (!file)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  pt_code rc = find(s, file, text, path, err);
  if (rc == PT_ENOTFOUND) {
    char dirs[2048];
    dir_list(s, dirs, sizeof dirs);
    pt_error_clear(err);
    pt_error_set(err, PT_ENOTFOUND, "no template '%s': no '%s' in %s", name, file, dirs);
  }
  free(file);
  return rc;
}

static pt_code render(const search *s, const char *name, const cJSON *view, pt_buf *out,
                      pt_error *err) {
  pt_buf text = PT_BUF_INIT;
  char *path = NULL;
  pt_code rc = read_template(s, name, &text, &path, err);
  if (!rc) {
    pt_buf_init(out, PT_MUSTACHE_OUTPUT_MAX);
    rc = pt_mustache_render(text.data ? text.data : "", text.len, path, view, load_partial,
                            (void *)s, out, err);
  }
  free(path);
  pt_buf_free(&text);
  return rc;
}

pt_mustache *pt_template_load(const char *const *dirs, size_t ndirs, const char *name,
                              pt_error *err) {
  pt_report_opts o;
  pt_report_opts_init(&o);
  o.template_dirs = dirs;
  o.ntemplate_dirs = ndirs;
  search s;
  pt_buf text = PT_BUF_INIT;
  char *path = NULL;
  pt_mustache *t = NULL;
  if (!search_init(&s, &o, name, err) && !read_template(&s, name, &text, &path, err))
    t = pt_mustache_compile(text.data ? text.data : "", text.len, path, err);
  free(path);
  free(s.own_dir);
  pt_buf_free(&text);
  return t;
}

static pt_code write_in(const char *dir, const char *name, const char *data, size_t len,
                        pt_error *err) {
  char *p = pt_path_join(dir, name);
  if (!p)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  pt_code rc = pt_write_file_atomic(p, data ? data : "", len, err);
  free(p);
  return rc;
}

/* Fill the temporary directory dir. */
static pt_code fill(const char *dir, const cJSON *analysis, const cJSON *view,
                    const pt_report_opts *opts, const pt_buf *readme, const pt_buf *table,
                    pt_error *err) {
  const char *readme_name = opts->readme_name ? opts->readme_name : "README.md";
  pt_code rc = *readme_name ? write_in(dir, readme_name, readme->data, readme->len, err) : PT_OK;
  if (!rc && !opts->no_table)
    rc = write_in(dir, "table.md", table->data, table->len, err);
  if (!rc) {
    char *json = cJSON_Print(analysis);
    pt_buf b = PT_BUF_INIT;
    if (!json || pt_buf_puts(&b, json) || pt_buf_putc(&b, '\n'))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    else
      rc = write_in(dir, PT_DOC_FILE, b.data, b.len, err);
    cJSON_free(json);
    pt_buf_free(&b);
  }
  for (int k = 0; k < PT_CHART_KIND_COUNT && !rc && opts->chart_formats; k++) {
    if (!pt_chart_applies(analysis, (pt_chart_kind)k))
      continue;
    char *stem = pt_path_join(dir, pt_chart_kind_name((pt_chart_kind)k));
    rc = stem ? pt_chart_write_formats(analysis, (pt_chart_kind)k, opts->chart_formats, stem, err)
              : pt_error_set(err, PT_ENOMEM, "out of memory");
    free(stem);
  }
  if (!rc && opts->finish)
    rc = opts->finish(opts->finish_ctx, dir, view, readme->data ? readme->data : "",
                      readme->len, err);
  return rc;
}

/* An error about a file in the temporary directory dir names the file it
 * was to become under outdir. */
static void name_final(pt_error *err, const char *dir, const char *outdir) {
  size_t n = strlen(dir);
  if (strncmp(err->file, dir, n) || err->file[n] != '/')
    return;
  char *p = pt_path_join(outdir, err->file + n + 1);
  if (p)
    pt_error_set_file(err, p);
  free(p);
}

pt_code pt_report_write(const cJSON *analysis, const pt_report_opts *opts, const char *outdir,
                        pt_error *err) {
  pt_report_opts defaults;
  pt_error local;
  if (!err)
    err = &local;
  pt_error_clear(err);
  if (!opts) {
    pt_report_opts_init(&defaults);
    opts = &defaults;
  }
  const char *name = opts->template_name ? opts->template_name : PT_REPORT_DEFAULT_TEMPLATE;
  if (opts->chart_formats & ~(unsigned)PT_CHART_ALL_FORMATS)
    return pt_error_set(err, PT_EUSAGE, "invalid chart format mask %#x", opts->chart_formats);
  if (!outdir || !*outdir)
    return pt_error_set(err, PT_EUSAGE, "no output directory");
  search s;
  pt_buf readme = PT_BUF_INIT, table = PT_BUF_INIT;
  char *tmp = NULL;
  cJSON *view = pt_view_build(analysis, err);
  pt_code rc = view ? search_init(&s, opts, name, err) : err->code;
  if (!view)
    memset(&s, 0, sizeof s);
  if (!rc)
    rc = pt_view_set_charts(view, opts->chart_formats, err);
  if (!rc)
    rc = render(&s, name, view, &readme, err);
  if (!rc && !opts->no_table)
    rc = render(&s, PT_REPORT_TABLE_TEMPLATE, view, &table, err);
  if (!rc)
    rc = pt_outdir_check(outdir, PT_OUTDIR_REPORT, opts->inputs, opts->ninputs, err);
  if (!rc && !(tmp = pt_outdir_begin(outdir, !opts->keep_stale, err)))
    rc = err->code;
  /* the report is made in tmp (with the usual directory mode), then tmp is
   * renamed into place; on any failure it is removed */
  if (!rc && (rc = fill(tmp, analysis, view, opts, &readme, &table, err)))
    name_final(err, tmp, outdir);
  if (!rc)
    rc = pt_outdir_seal(tmp, err);
  if (!rc)
    rc = pt_outdir_commit(tmp, outdir, err);
  if (rc && tmp)
    pt_remove_tree(tmp);
  free(tmp);
  free(s.own_dir);
  pt_buf_free(&readme);
  pt_buf_free(&table);
  cJSON_Delete(view);
  return rc;
}
