/* render/report.c - a report directory, built aside and renamed into place
 * (render/report.h).
 *
 * Everything that can fail on bad input happens before the filesystem is
 * touched: the view is built, every chart laid out (its alt text goes in
 * the view), and the templates are rendered to memory first. Only then is
 * the temporary directory made, filled (Markdown, analysis.json, the
 * charts, drawn by a few threads, then the HTML page, which shows the SVG
 * charts it finds beside it) and renamed over the target.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/analysis.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/outdir.h"
#include "render/chart.h"
#include "render/mustache.h"
#include "render/report.h"
#include "render/trials.h"
#include "render/view.h"
#include "site/html.h"

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

/* ----------------------------------------------------------------- charts */

/* One chart to draw: laid out, with the file stem it is written under. */
typedef struct chart_job {
  pt_chart *chart;
  unsigned formats;  /* pt_chart_format bits */
  bool trials;       /* a chart of every trial: the long ones, drawn first */
  char stem[320];
} chart_job;

typedef struct chart_plan {
  chart_job *jobs;
  size_t n, cap;
} chart_plan;

static void plan_free(chart_plan *p) {
  for (size_t i = 0; i < p->n; i++)
    pt_chart_free(p->jobs[i].chart);
  free(p->jobs);
  memset(p, 0, sizeof *p);
}

/* Add chart (taken over, also on failure) to the plan and name it in the
 * view as metric's chart of kind. */
static pt_code plan_add(chart_plan *p, cJSON *view, size_t metric, const char *name,
                        pt_chart_kind kind, unsigned formats, pt_chart *chart, pt_error *err) {
  chart_job *jobs = pt_grow_array(p->jobs, &p->cap, p->n + 1, sizeof *jobs);
  if (!jobs) {
    pt_chart_free(chart);
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  p->jobs = jobs;
  chart_job *j = &p->jobs[p->n++];
  j->chart = chart;
  j->formats = formats;
  j->trials = kind == PT_CHART_DISTRIBUTION || kind == PT_CHART_TIMELINE;
  pt_view_chart_stem(name, kind, j->stem, sizeof j->stem);
  return pt_view_add_chart(view, metric, kind, formats, pt_chart_alt_text(chart), err);
}

/* The trials of the metric named name among opts->trials, or NULL. */
static const pt_dataset *trials_of(const pt_report_opts *opts, const char *name) {
  for (size_t i = 0; name && i < opts->ntrials; i++)
    if (opts->trials[i] && !strcmp(pt_dataset_metric(opts->trials[i])->name, name))
      return opts->trials[i];
  return NULL;
}

#define NOTE_NO_TRIALS                                                                      \
  "The distribution and timeline of every trial are drawn from the trials themselves, "    \
  "which analysis.json does not hold: `ptbench report` on the run directories draws them."
#define NOTE_SINGLE                                                                         \
  "Every model has a single trial per environment: there is no spread or drift to draw."
#define NOTE_NO_SERIES                                                                      \
  "Every session has a single trial per model: there is no timeline to draw."

/* The trial charts of metric i (one: its document), or why there are none. */
static pt_code plan_trials(chart_plan *p, cJSON *view, size_t i, const cJSON *one,
                           const char *name, const pt_report_opts *opts, pt_error *err) {
  const pt_dataset *ds = trials_of(opts, name);
  if (!ds)
    return pt_view_set_trials_note(view, i, opts->trials_note ? opts->trials_note : NOTE_NO_TRIALS,
                                   err);
  pt_trial_points tp;
  pt_code rc = pt_trial_points_build(one, ds, &tp, err);
  static const pt_chart_kind kinds[] = {PT_CHART_DISTRIBUTION, PT_CHART_TIMELINE};
  for (size_t k = 0; k < 2 && !rc; k++) {
    if (!(k == 0 ? tp.spread : tp.series))
      continue;
    /* thousands of markers make a heavy SVG, slow to draw and to show:
     * past PT_REPORT_SVG_POINTS_MAX the distribution is a PNG instead */
    unsigned formats = opts->chart_formats;
    if (kinds[k] == PT_CHART_DISTRIBUTION && (formats & PT_CHART_SVG) &&
        tp.in.npoint > PT_REPORT_SVG_POINTS_MAX)
      formats = (formats & ~(unsigned)PT_CHART_SVG) | PT_CHART_PNG;
    pt_chart *c = pt_chart_points_new(&tp.in, kinds[k], err);
    rc = c ? plan_add(p, view, i, name, kinds[k], formats, c, err) : err->code;
  }
  if (!rc && (!tp.spread || !tp.series))
    rc = pt_view_set_trials_note(view, i, !tp.spread ? NOTE_SINGLE : NOTE_NO_SERIES, err);
  pt_trial_points_free(&tp);
  return rc;
}

/* Lay out every chart of every metric the report draws, naming each in
 * the view. */
static pt_code plan_charts(chart_plan *p, const cJSON *analysis, cJSON *view,
                           const pt_report_opts *opts, pt_error *err) {
  pt_code rc = pt_view_clear_charts(view, err);
  size_t n = pt_doc_metric_count(analysis);
  for (size_t i = 0; i < n && !rc && opts->chart_formats; i++) {
    cJSON *copy = i ? pt_doc_metric_doc(analysis, i) : NULL;
    const cJSON *one = i ? copy : analysis;
    if (!one)
      return pt_error_set(err, PT_ENOMEM, "out of memory");
    const char *name = pt_doc_metric_of(one).name;
    for (int k = 0; k < PT_CHART_KIND_COUNT && !rc; k++) {
      if (!pt_chart_applies(one, (pt_chart_kind)k))
        continue;
      pt_chart *c = pt_chart_new(one, (pt_chart_kind)k, err);
      rc = c ? plan_add(p, view, i, name, (pt_chart_kind)k, opts->chart_formats, c, err)
             : err->code;
    }
    if (!rc)
      rc = plan_trials(p, view, i, one, name, opts, err);
    cJSON_Delete(copy);
  }
  return rc;
}

/* The threads drawing a plan into dir: each takes the next chart. */
typedef struct drawing {
  const chart_plan *plan;
  const size_t *order;  /* the plan's indexes in drawing order */
  const char *dir;
  pthread_mutex_t lock;
  size_t next;
  bool stop;
  size_t failed;   /* the first chart that failed (SIZE_MAX: none) */
  pt_error err;    /* and why */
} drawing;

static void *draw_worker(void *arg) {
  drawing *d = arg;
  for (;;) {
    pthread_mutex_lock(&d->lock);
    size_t k = d->stop ? d->plan->n : d->next++;
    pthread_mutex_unlock(&d->lock);
    if (k >= d->plan->n)
      return NULL;
    size_t i = d->order[k];
    pt_error e;
    pt_error_clear(&e);
    const chart_job *j = &d->plan->jobs[i];
    char *stem = pt_path_join(d->dir, j->stem);
    pt_code rc = stem ? pt_chart_save_formats(j->chart, j->formats, stem, &e)
                      : pt_error_set(&e, PT_ENOMEM, "out of memory");
    free(stem);
    if (rc) {
      pthread_mutex_lock(&d->lock);
      d->stop = true;
      if (i < d->failed) {  /* the first in plan order, whatever the timing */
        d->failed = i;
        d->err = e;
      }
      pthread_mutex_unlock(&d->lock);
    }
  }
}

static unsigned draw_threads(const pt_report_opts *opts, size_t jobs) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  unsigned n = opts->jobs ? opts->jobs : cpus > 0 ? (unsigned)(cpus < 8 ? cpus : 8) : 1;
  return jobs < n ? (unsigned)jobs : n;
}

static pt_code draw_charts(const chart_plan *plan, const char *dir, const pt_report_opts *opts,
                           pt_error *err) {
  /* the charts of every trial first, then the bars, each in plan order:
   * the long jobs do not end up alone at the end */
  size_t *order = malloc(plan->n * sizeof *order), k = 0;
  if (!order)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  for (int trials = 1; trials >= 0; trials--)
    for (size_t x = 0; x < plan->n; x++)
      if (plan->jobs[x].trials == (bool)trials)
        order[k++] = x;
  drawing d = {plan, order, dir, PTHREAD_MUTEX_INITIALIZER, 0, false, SIZE_MAX, {0}};
  pt_error_clear(&d.err);
  unsigned n = draw_threads(opts, plan->n), started = 0;
  pthread_t th[8];
  /* the calling thread draws too; extra threads are a speed-up only */
  for (; started + 1 < n && started < 8; started++)
    if (pthread_create(&th[started], NULL, draw_worker, &d))
      break;
  draw_worker(&d);
  for (unsigned i = 0; i < started; i++)
    pthread_join(th[i], NULL);
  pthread_mutex_destroy(&d.lock);
  free(order);
  if (d.failed != SIZE_MAX) {
    if (err)
      *err = d.err;
    return d.err.code ? d.err.code : PT_EINTERNAL;
  }
  return PT_OK;
}

/* ------------------------------------------------------------------- page */

/* The page's <title>: the first "# " heading of md, else fallback. */
static char *page_title(const char *md, size_t len, const char *fallback) {
  for (size_t at = 0; at < len;) {
    const char *nl = memchr(md + at, '\n', len - at);
    size_t n = nl ? (size_t)(nl - (md + at)) : len - at;
    if (n > 2 && md[at] == '#' && md[at + 1] == ' ')
      return strndup(md + at + 2, n - 2);
    at += n + 1;
  }
  return strdup(fallback ? fallback : "");
}

/* index.html from the page, with the SVG charts beside it in dir. */
static pt_code write_html(const char *dir, const cJSON *view, const pt_buf *page,
                          const pt_mustache *tpl, const pt_report_opts *opts, pt_error *err) {
  size_t fm = pt_front_matter_len(page->data ? page->data : "", page->len);
  char *title = opts->html_title ? strdup(opts->html_title)
                                 : page_title(page->data ? page->data + fm : "", page->len - fm,
                                              pt_json_str(view, "title"));
  pt_buf html = PT_BUF_INIT;
  pt_buf_init(&html, PT_MUSTACHE_OUTPUT_MAX);
  pt_code rc = title ? pt_html_page(tpl, page->data ? page->data : "", page->len, dir, title,
                                    NULL, &html, err)
                     : pt_error_set(err, PT_ENOMEM, "out of memory");
  if (!rc)
    rc = pt_write_file_in(dir, "index.html", html.data, html.len, err);
  free(title);
  pt_buf_free(&html);
  return rc;
}

/* Fill the temporary directory dir. */
static pt_code fill(const char *dir, const cJSON *analysis, const cJSON *view,
                    const pt_report_opts *opts, const pt_buf *readme, const pt_buf *page,
                    const pt_buf *table, const chart_plan *plan, const pt_mustache *tpl,
                    pt_error *err) {
  const char *readme_name = opts->readme_name ? opts->readme_name : "README.md";
  pt_code rc =
      *readme_name ? pt_write_file_in(dir, readme_name, page->data, page->len, err) : PT_OK;
  if (!rc && !opts->no_table)
    rc = pt_write_file_in(dir, "table.md", table->data, table->len, err);
  if (!rc) {
    char *json = cJSON_Print(analysis);
    pt_buf b = PT_BUF_INIT;
    if (!json || pt_buf_puts(&b, json) || pt_buf_putc(&b, '\n'))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    else
      rc = pt_write_file_in(dir, PT_DOC_FILE, b.data, b.len, err);
    cJSON_free(json);
    pt_buf_free(&b);
  }
  if (!rc && plan->n)
    rc = draw_charts(plan, dir, opts, err);
  if (!rc && opts->html)
    rc = write_html(dir, view, page, tpl, opts, err);
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
  pt_buf readme = PT_BUF_INIT, table = PT_BUF_INIT, page = PT_BUF_INIT;
  char *tmp = NULL;
  chart_plan plan = {0};
  pt_mustache *own_tpl = NULL;
  const pt_mustache *tpl = opts->page_template;
  cJSON *view = pt_view_build(analysis, err);
  pt_code rc = view ? search_init(&s, opts, name, err) : err->code;
  if (!view)
    memset(&s, 0, sizeof s);
  if (!rc)
    rc = plan_charts(&plan, analysis, view, opts, err);
  if (!rc)
    rc = render(&s, name, view, &readme, err);
  if (!rc && !opts->no_table)
    rc = render(&s, PT_REPORT_TABLE_TEMPLATE, view, &table, err);
  if (!rc && opts->page) {
    pt_buf_init(&page, PT_MUSTACHE_OUTPUT_MAX);
    rc = opts->page(opts->page_ctx, view, readme.data ? readme.data : "", readme.len, &page,
                    err);
  } else if (!rc && pt_buf_append(&page, readme.data ? readme.data : "", readme.len)) {
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  if (!rc && opts->html && !tpl &&
      !(tpl = own_tpl = pt_template_load(opts->template_dirs, opts->ntemplate_dirs, "page.html",
                                         err)))
    rc = err->code;
  if (!rc)
    rc = pt_outdir_check(outdir, PT_OUTDIR_REPORT, opts->inputs, opts->ninputs, err);
  if (!rc && !(tmp = pt_outdir_begin(outdir, !opts->keep_stale, err)))
    rc = err->code;
  /* the report is made in tmp (with the usual directory mode), then tmp is
   * renamed into place; on any failure it is removed */
  if (!rc && (rc = fill(tmp, analysis, view, opts, &readme, &page, &table, &plan, tpl, err)))
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
  pt_buf_free(&page);
  plan_free(&plan);
  pt_mustache_free(own_tpl);
  cJSON_Delete(view);
  return rc;
}
