/* render/report.h - a report directory from an analysis document.
 *
 * pt_report_write() renders the view model (render/view.h) through a
 * Mustache template and writes, into a fresh directory beside the target
 * that is then renamed into place (core/fs.h):
 *   README.md      the main template ("report.md", "article.md", ...);
 *                  opts->readme_name names it otherwise
 *   table.md       the results table (template "table.md"), unless
 *                  opts->no_table
 *   analysis.json  the analysis document as given
 *   METRIC-means.EXT, METRIC-penalty.EXT   the bars of every metric of the
 *                  document, one file per format asked for
 *   METRIC-distribution.EXT, METRIC-timeline.EXT   the charts of every
 *                  trial, when opts->trials holds the metric's trials and
 *                  they have something to show (render/trials.h); a
 *                  distribution of many trials in PNG for SVG (below)
 *   index.html     the page as HTML (site/html.h: cmark-gfm, the page
 *                  template's CSS, SVG charts), when opts->html
 *   .ptbench-report  the marker listing every file written (core/outdir.h)
 * Either the whole new report is in place or, on any failure, the previous
 * one is untouched and nothing is left behind. Only a directory ptbench
 * made is replaced (core/outdir.h). The charts are laid out before the
 * templates run (their alt texts are in the view) and drawn by
 * opts->jobs threads.
 *
 * Templates: a NAME is the file NAME.mustache (NAME may already end in
 * .mustache), looked up in opts->template_dirs in order, then in
 * PTBENCH_SHARE_DIR/templates (installed), then PTBENCH_SOURCE_DIR/templates
 * (the source tree). A NAME holding a '/' is a file path; its directory is
 * then searched first for partials. Partials {{>name}} resolve the same way;
 * a missing partial renders as "" (Mustache spec) and is reported through
 * opts->warn with its name and where it is used.
 *
 * No global state: several threads may write several reports at once (each
 * with its own opts, analysis and outdir).
 */
#ifndef PT_REPORT_H
#define PT_REPORT_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "analyze/analysis.h"
#include "core/buf.h"
#include "core/error.h"
#include "render/mustache.h"

#define PT_REPORT_DEFAULT_TEMPLATE "report.md"
/* A distribution chart of more trials than this is drawn as PNG where SVG
 * is asked for: as SVG every one of its markers is a path (about 85 bytes;
 * 36,000 trials make 3 MB that a browser is slow to show). */
#define PT_REPORT_SVG_POINTS_MAX 5000
#define PT_REPORT_TABLE_TEMPLATE "table.md"

/* Told about things that do not stop the report (a missing partial), as one
 * lowercase message without the "ptbench: " prefix. */
typedef void (*pt_report_warn_fn)(void *ctx, const char *msg);

/* Called once every file is written into dir (the temporary directory) and
 * before it is renamed into place, with the view and the rendered README.md:
 * a caller adds its own files (e.g. index.html) so they land atomically with
 * the rest. A non-OK return aborts the report. */
typedef pt_code (*pt_report_finish_fn)(void *ctx, const char *dir, const cJSON *view,
                                       const char *readme, size_t readme_len, pt_error *err);

/* Makes the page (the Markdown written as readme_name and converted to
 * index.html) from the rendered main template, into page (empty): e.g.
 * with front matter and a way back to a site's index. A non-OK return
 * aborts the report. */
typedef pt_code (*pt_report_page_fn)(void *ctx, const cJSON *view, const char *readme,
                                     size_t len, pt_buf *page, pt_error *err);

typedef struct pt_report_opts {
  const char *template_name;          /* NULL = PT_REPORT_DEFAULT_TEMPLATE */
  const char *const *template_dirs;   /* searched first, in order (--templates) */
  size_t ntemplate_dirs;
  unsigned chart_formats;             /* pt_chart_format mask; 0 = no charts */
  pt_report_warn_fn warn;             /* NULL = warnings are dropped */
  void *warn_ctx;
  pt_report_finish_fn finish;         /* NULL = none */
  void *finish_ctx;
  const char *const *inputs;          /* what the report is made from: the
                                         output may not be or hold one */
  size_t ninputs;
  bool keep_stale;                    /* do not sweep stale temporary
                                         directories beside outdir (the
                                         caller did) */
  const char *readme_name;            /* file the main template is written
                                         to; NULL = "README.md", "" = none
                                         (the finish hook writes its own) */
  bool no_table;                      /* do not write table.md */
  pt_dataset *const *trials;          /* the trials of the document's metrics
                                         (any order, matched by metric name),
                                         for the charts of every trial; NULL =
                                         none: the report says so */
  size_t ntrials;
  const char *trials_note;            /* said under each metric when
                                         trials holds none of its trials;
                                         NULL = that analysis.json does not
                                         hold them */
  unsigned jobs;                      /* threads drawing charts; 0 = one per
                                         CPU, at most 8 */
  bool html;                          /* write index.html from the page */
  const pt_mustache *page_template;   /* its template; NULL = "page.html"
                                         looked up as the others */
  const char *html_title;             /* its <title>; NULL = the page's first
                                         "# " heading, else the view's title */
  pt_report_page_fn page;             /* NULL = the page is the rendered
                                         main template */
  void *page_ctx;
} pt_report_opts;

/* Defaults: report.md, no extra template dirs, every chart format, no
 * HTML, no trials. */
void pt_report_opts_init(pt_report_opts *o);

/* Write the report of analysis into outdir (created, or replaced when it is
 * an empty directory or a report ptbench made: pt_outdir_check). Fails,
 * leaving outdir as it was, with: PT_ESCHEMA (not an analysis document),
 * PT_ENOTFOUND (no such template; the message lists where it looked),
 * PT_EPARSE (malformed template, at file:line:column), PT_EUNSAFE (outdir
 * is a link, a file, a directory that is not a report, or holds an input),
 * PT_EIO (cannot write; err names the path), PT_ENOMEM, or a chart's
 * error. */
pt_code pt_report_write(const cJSON *analysis, const pt_report_opts *opts, const char *outdir,
                        pt_error *err);

/* Compile the template `name` ("page.html" for page.html.mustache, or a
 * path), looked up as reports look up theirs: dirs (NULL entries skipped),
 * then the installed share directory, then the source tree's templates/.
 * Returns NULL with err set: PT_ENOTFOUND listing where it looked,
 * PT_EPARSE at file:line:column. Free with pt_mustache_free. */
pt_mustache *pt_template_load(const char *const *dirs, size_t ndirs, const char *name,
                              pt_error *err);

#endif
