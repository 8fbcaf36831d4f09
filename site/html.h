/* site/html.h - static HTML pages from the Markdown ptbench writes: a
 * site's archive pages and index (site/batch.h), and any one report.
 *
 * The Markdown is converted with cmark-gfm (tables, strikethrough,
 * autolink and tagfilter extensions) with CMARK_OPT_DEFAULT: raw HTML in the
 * Markdown is never passed through (cmark writes "<!-- raw HTML omitted
 * -->") and javascript:/vbscript:/file: links are dropped, so a hostile
 * model name can only ever show up as text. YAML front matter at the top is
 * cut off before conversion. Links are adjusted for a static site: an image
 * "X.png" that has "X.svg" beside the page is shown as the SVG, an image
 * without a description gets one from its file name (every chart has alt
 * text), links to README.md or index.md, and relative links to a directory
 * ("../", "SLUG/": how the site's pages link for Hugo and MkDocs) point to
 * that directory's index.html. The fragment is then wrapped in the page
 * template, templates/page.html.mustache, which holds the pages' only CSS
 * (inline: no script, nothing fetched from elsewhere). Its view is
 *   title, date   strings (escaped by {{ }}); date may be absent
 *   body          the HTML fragment (use {{{body}}})
 *   generator     "ptbench VERSION"
 *
 * For one report's page: load the template once with
 * pt_html_page_template(), then pt_html_page() with the report's README.md
 * and its directory (to find the SVG charts), and write the result as
 * index.html. Everything here is thread-safe once pt_html_init() has run.
 */
#ifndef PT_HTML_H
#define PT_HTML_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"
#include "render/mustache.h"

/* Register cmark-gfm's extensions (once per process; thread-safe). */
void pt_html_init(void);

/* Bytes of YAML front matter at the start of md ("---\n" ... "---\n" or
 * "...\n", closing line included), or 0 when there is none. */
size_t pt_front_matter_len(const char *md, size_t len);

/* Convert Markdown (front matter already cut) to an HTML fragment appended to
 * out. dir is the directory the page will live in (to look for SVG images
 * beside it); NULL = never swap images. PT_ENOMEM, PT_ETOOBIG from out. */
pt_code pt_markdown_to_html(const char *md, size_t len, const char *dir, pt_buf *out,
                            pt_error *err);

/* The page template ("page.html.mustache"), looked up as report templates
 * are (render/report.h: dirs first, then the installed and source
 * templates/). NULL with err set; free with pt_mustache_free. */
pt_mustache *pt_html_page_template(const char *const *dirs, size_t ndirs, pt_error *err);

/* A whole page: md (front matter allowed, and cut) converted and rendered
 * with the compiled page template into out. title and date may be NULL. */
pt_code pt_html_page(const pt_mustache *page, const char *md, size_t len, const char *dir,
                     const char *title, const char *date, pt_buf *out, pt_error *err);

#endif
