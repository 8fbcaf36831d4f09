/* site/index.c - the site index in Markdown and HTML (site/index.h). */
#include "site/index.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analysis.h"
#include "analyze/doc.h"
#include "core/buf.h"
#include "core/fs.h"
#include "render/mustache.h"
#include "render/report.h"
#include "site/html.h"
#include "site/page.h"

/* An archive and its parsed date, for sorting. */
typedef struct row {
  const pt_site_archive *a;
  pt_site_date d;
  bool dated;
} row;

static int cmp_row(const void *pa, const void *pb) {
  const row *a = pa, *b = pb;
  if (a->dated != b->dated)
    return a->dated ? -1 : 1;  /* undated last */
  if (a->dated && a->d.epoch != b->d.epoch)
    return a->d.epoch > b->d.epoch ? -1 : 1;  /* newest first */
  return strcmp(a->a->slug, b->a->slug);
}

/* Add key: the strings Markdown-escaped and joined by ", ". */
static bool add_md_list(cJSON *obj, const char *key, char *const *items, size_t n) {
  pt_buf b = PT_BUF_INIT;
  pt_code rc = PT_OK;
  for (size_t i = 0; !rc && i < n; i++) {
    if (i)
      rc = pt_buf_puts(&b, ", ");
    if (!rc)
      rc = pt_md_escape(&b, items[i]);
  }
  bool ok = !rc && cJSON_AddStringToObject(obj, key, b.data ? b.data : "");
  pt_buf_free(&b);
  return ok;
}

/* "1.06%" for one compared environment, "VM: 1.06%, CT: 0.50%" for
 * several, "—" for none. */
static bool add_penalties(cJSON *obj, const pt_site_archive *a) {
  pt_buf b = PT_BUF_INIT;
  bool ok = true;
  for (size_t i = 0; ok && i < a->npenalties; i++) {
    char num[48];
    pt_fmt_pct(a->penalties[i].pct, num, sizeof num);
    ok = !(i && pt_buf_puts(&b, ", ")) &&
         !(a->npenalties > 1 && (pt_md_escape(&b, a->penalties[i].environment) ||
                                 pt_buf_puts(&b, ": "))) &&
         !pt_buf_puts(&b, num);
  }
  ok = ok && cJSON_AddStringToObject(obj, "penalty_md", b.len ? b.data : PT_DASH);
  pt_buf_free(&b);
  return ok;
}

static cJSON *archive_view(const row *r) {
  const pt_site_archive *a = r->a;
  cJSON *e = cJSON_CreateObject();
  char text[64] = "", day[16];
  pt_buf link = PT_BUF_INIT, title = PT_BUF_INIT;
  if (r->dated)
    pt_site_date_text(&r->d, text, sizeof text);
  snprintf(day, sizeof day, "%.10s", r->dated ? a->date : "");
  bool ok = e && !pt_buf_printf(&link, "%s/", a->slug) && !pt_md_escape(&title, a->title) &&
            cJSON_AddStringToObject(e, "slug", a->slug) &&
            cJSON_AddStringToObject(e, "link", link.data) &&
            cJSON_AddStringToObject(e, "title_md", title.data ? title.data : "") &&
            cJSON_AddStringToObject(e, "date", a->date) &&
            cJSON_AddStringToObject(e, "date_text", text) &&
            cJSON_AddStringToObject(e, "day", day) &&
            add_md_list(e, "environments_md", a->environments, a->nenvironments) &&
            add_md_list(e, "models_md", a->models, a->nmodels) && add_penalties(e, a);
  pt_buf_free(&link);
  pt_buf_free(&title);
  if (!ok) {
    cJSON_Delete(e);
    return NULL;
  }
  return e;
}

/* The template's view; rows sorted. */
static cJSON *index_view(row *rows, size_t n) {
  qsort(rows, n, sizeof *rows, cmp_row);
  cJSON *view = cJSON_CreateObject();
  cJSON *list = view ? cJSON_AddArrayToObject(view, "archives") : NULL;
  char count[48], text[64] = "";
  snprintf(count, sizeof count, "%zu archive%s", n, n == 1 ? "" : "s");
  if (n && rows[0].dated)
    pt_site_date_text(&rows[0].d, text, sizeof text);
  bool ok = list && cJSON_AddStringToObject(view, "title", PT_SITE_TITLE) &&
            cJSON_AddNumberToObject(view, "count", (double)n) &&
            cJSON_AddStringToObject(view, "count_text", count) &&
            cJSON_AddStringToObject(view, "date", n ? rows[0].a->date : "") &&
            cJSON_AddStringToObject(view, "date_text", text);
  for (size_t i = 0; ok && i < n; i++) {
    cJSON *e = archive_view(&rows[i]);
    ok = e && cJSON_AddItemToArray(list, e);
    if (!ok)
      cJSON_Delete(e);
  }
  if (!ok) {
    cJSON_Delete(view);
    return NULL;
  }
  return view;
}

/* SITE/name: the index's front matter (extra: pt_site_front_matter's),
 * then body; md (emptied first) is the buffer it is made in. */
static pt_code write_md(const char *site, const char *name, const char *date,
                        const char *extra, const pt_buf *body, pt_buf *md, pt_error *err) {
  pt_buf_reset(md);
  pt_code rc = pt_site_front_matter(md, PT_SITE_TITLE, date, extra);
  if (!rc)
    rc = pt_buf_append(md, body->data ? body->data : "", body->len);
  if (rc)
    return pt_error_set(err, rc, rc == PT_ETOOBIG ? "index page is too large" : "out of memory");
  return pt_write_file_in(site, name, md->data, md->len, err);
}

pt_code pt_site_index_write(const char *site, const pt_site_state *st,
                            const char *const *dirs, size_t ndirs, const pt_mustache *page,
                            pt_error *err) {
  row *rows = calloc(st->n ? st->n : 1, sizeof *rows);
  cJSON *view = NULL;
  pt_mustache *tmpl = NULL;
  pt_buf body = PT_BUF_INIT, md = PT_BUF_INIT, html = PT_BUF_INIT;
  pt_code rc = PT_OK;
  if (!rows) {
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < st->n; i++) {
    rows[i].a = &st->archives[i];
    rows[i].dated = pt_site_date_parse(st->archives[i].date, &rows[i].d);
  }
  if (!(view = index_view(rows, st->n))) {
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    goto done;
  }
  if (!(tmpl = pt_template_load(dirs, ndirs, PT_SITE_INDEX_TEMPLATE, err))) {
    rc = err && err->code ? err->code : PT_ENOMEM;
    goto done;
  }
  pt_buf_init(&body, PT_MUSTACHE_OUTPUT_MAX);
  if ((rc = pt_mustache_exec(tmpl, view, NULL, NULL, &body, err)))
    goto done;
  const char *date = st->n ? rows[0].a->date : "";
  pt_buf_init(&md, PT_MUSTACHE_OUTPUT_MAX);
  /* README.md: MkDocs's and GitHub's index, hidden from Hugo; _index.md:
   * Hugo's */
  if ((rc = write_md(site, "README.md", date, PT_SITE_HUGO_HIDDEN, &body, &md, err)) ||
      (rc = write_md(site, "_index.md", date, NULL, &body, &md, err)))
    goto done;
  pt_buf_init(&html, PT_MUSTACHE_OUTPUT_MAX);
  if ((rc = pt_html_page(page, body.data ? body.data : "", body.len, site, PT_SITE_TITLE, NULL,
                         &html, err)))
    goto done;
  rc = pt_write_file_in(site, "index.html", html.data, html.len, err);
done:
  pt_buf_free(&body);
  pt_buf_free(&md);
  pt_buf_free(&html);
  pt_mustache_free(tmpl);
  cJSON_Delete(view);
  free(rows);
  return rc;
}
