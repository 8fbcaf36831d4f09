/* site/html.c - Markdown to static HTML pages with cmark-gfm (see html.h). */
#include "site/html.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs.h"
#include "render/report.h"

#define URL_MAX 1024  /* longest image or link URL rewritten */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void register_extensions(void) {
  cmark_gfm_core_extensions_ensure_registered();
}

void pt_html_init(void) {
  pthread_once(&init_once, register_extensions);
}

/* Length of the line starting at s (newline included), 0 at the end. */
static size_t line_len(const char *s, size_t left) {
  const char *nl = memchr(s, '\n', left);
  return nl ? (size_t)(nl - s) + 1 : left;
}

static bool line_is(const char *s, size_t n, const char *marker) {
  size_t k = strlen(marker);
  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
    n--;
  return n == k && !memcmp(s, marker, k);
}

size_t pt_front_matter_len(const char *md, size_t len) {
  size_t first = line_len(md, len);
  if (!first || !line_is(md, first, "---"))
    return 0;
  for (size_t at = first; at < len;) {
    size_t n = line_len(md + at, len - at);
    if (line_is(md + at, n, "---") || line_is(md + at, n, "..."))
      return at + n;
    at += n;
  }
  return 0;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && !strcmp(s + n - k, suffix);
}

/* A plain relative file name: no scheme, no directory part going up, no
 * query or fragment. */
static bool is_local_name(const char *url) {
  return *url && *url != '/' && *url != '.' && !strpbrk(url, ":?#\\") &&
         strlen(url) < URL_MAX;
}

/* "dir/throughput.png" -> show "throughput.svg" when that file exists. */
static pt_code fix_image(cmark_node *img, const char *dir) {
  const char *url = cmark_node_get_url(img);
  char buf[URL_MAX + 8];
  if (dir && url && is_local_name(url) && !strchr(url, '/') && ends_with(url, ".png")) {
    snprintf(buf, sizeof buf, "%.*s.svg", (int)(strlen(url) - 4), url);
    char *svg = pt_path_join(dir, buf);
    if (!svg)
      return PT_ENOMEM;
    bool exists = pt_exists(svg);
    free(svg);
    if (exists && !cmark_node_set_url(img, buf))
      return PT_ENOMEM;
    url = cmark_node_get_url(img);
  }
  if (!cmark_node_first_child(img)) {
    /* alt text from the file name: "throughput.svg" -> "throughput chart" */
    const char *base = url ? strrchr(url, '/') : NULL;
    base = base ? base + 1 : (url && *url ? url : "image");
    const char *dot = strchr(base, '.');
    snprintf(buf, sizeof buf, "%.*s chart", (int)(dot ? (size_t)(dot - base) : strlen(base)),
             base);
    cmark_node *text = cmark_node_new(CMARK_NODE_TEXT);
    if (!text)
      return PT_ENOMEM;
    if (!cmark_node_set_literal(text, buf) || !cmark_node_append_child(img, text)) {
      cmark_node_free(text);
      return PT_ENOMEM;
    }
  }
  return PT_OK;
}

/* A relative link to a directory: "../", "SLUG/", "./" (no scheme, query
 * or fragment). */
static bool is_local_dir(const char *url) {
  size_t n = strlen(url);
  return n && n < URL_MAX && url[n - 1] == '/' && url[0] != '/' && !strpbrk(url, ":?#\\");
}

/* Links to a Markdown page of the site, or to a directory of it (as the
 * site's pages link for Hugo and MkDocs), point to its HTML page. */
static pt_code fix_link(cmark_node *link) {
  const char *url = cmark_node_get_url(link);
  if (url && is_local_dir(url)) {
    char buf[URL_MAX + 16];
    snprintf(buf, sizeof buf, "%sindex.html", url);
    return cmark_node_set_url(link, buf) ? PT_OK : PT_ENOMEM;
  }
  if (!url || !is_local_name(url))
    return PT_OK;
  size_t n = strlen(url);
  const char *page = ends_with(url, "README.md") ? "README.md"
                     : ends_with(url, "index.md") ? "index.md"
                                                  : NULL;
  if (!page)
    return PT_OK;
  size_t stem = n - strlen(page);
  if (stem > 0 && url[stem - 1] != '/')
    return PT_OK;
  char buf[URL_MAX + 16];
  snprintf(buf, sizeof buf, "%.*sindex.html", (int)stem, url);
  return cmark_node_set_url(link, buf) ? PT_OK : PT_ENOMEM;
}

pt_code pt_markdown_to_html(const char *md, size_t len, const char *dir, pt_buf *out,
                            pt_error *err) {
  pt_html_init();
  int options = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8;
  cmark_parser *parser = cmark_parser_new(options);
  if (!parser)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  static const char *const exts[] = {"table", "strikethrough", "autolink", "tagfilter"};
  for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
    cmark_syntax_extension *ext = cmark_find_syntax_extension(exts[i]);
    if (ext)
      cmark_parser_attach_syntax_extension(parser, ext);
  }
  cmark_parser_feed(parser, md, len);
  cmark_node *doc = cmark_parser_finish(parser);
  pt_code rc = doc ? PT_OK : PT_ENOMEM;
  cmark_iter *it = doc ? cmark_iter_new(doc) : NULL;
  if (doc && !it)
    rc = PT_ENOMEM;
  for (cmark_event_type ev; !rc && it && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;) {
    if (ev != CMARK_EVENT_ENTER)
      continue;
    cmark_node *node = cmark_iter_get_node(it);
    if (cmark_node_get_type(node) == CMARK_NODE_IMAGE)
      rc = fix_image(node, dir);
    else if (cmark_node_get_type(node) == CMARK_NODE_LINK)
      rc = fix_link(node);
  }
  cmark_iter_free(it);
  if (!rc) {
    char *html = cmark_render_html(doc, options, cmark_parser_get_syntax_extensions(parser));
    if (!html)
      rc = PT_ENOMEM;
    else {
      rc = pt_buf_puts(out, html);
      cmark_get_default_mem_allocator()->free(html);
    }
  }
  if (doc)
    cmark_node_free(doc);
  cmark_parser_free(parser);
  if (rc == PT_ETOOBIG)
    return pt_error_set(err, rc, "HTML page is too large");
  return rc ? pt_error_set(err, rc, "out of memory") : PT_OK;
}

pt_code pt_html_page(const pt_mustache *page, const char *md, size_t len, const char *dir,
                     const char *title, const char *date, pt_buf *out, pt_error *err) {
  size_t fm = pt_front_matter_len(md, len);
  pt_buf body = PT_BUF_INIT;
  pt_code rc = pt_markdown_to_html(md + fm, len - fm, dir, &body, err);
  cJSON *view = rc ? NULL : cJSON_CreateObject();
  if (!rc && !view)
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  if (!rc && (!cJSON_AddStringToObject(view, "title", title ? title : "") ||
              !cJSON_AddStringToObject(view, "date", date ? date : "") ||
              !cJSON_AddStringToObject(view, "body", body.data ? body.data : "") ||
              !cJSON_AddStringToObject(view, "generator", "ptbench " PTBENCH_VERSION)))
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  if (!rc)
    rc = pt_mustache_exec(page, view, NULL, NULL, out, err);
  cJSON_Delete(view);
  pt_buf_free(&body);
  return rc;
}

pt_mustache *pt_html_page_template(const char *const *dirs, size_t ndirs, pt_error *err) {
  return pt_template_load(dirs, ndirs, "page.html", err);
}
