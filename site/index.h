/* site/index.h - the index of a site: one page listing every archive the
 * site publishes (site/state.h), newest first.
 *
 * It is written three times over, from one rendering of the template
 * site-index.md (templates/site-index.md.mustache, or the user's):
 *   README.md    the index for MkDocs (a docs folder's home page) and for
 *                GitHub; its front matter keeps it out of a Hugo site
 *                (PT_SITE_HUGO_HIDDEN)
 *   _index.md    the index for Hugo (the home page of a content folder: a
 *                branch bundle, so each archive folder is a page bundle of
 *                its own)
 *   index.html   ptbench's own HTML page (site/html.h)
 * The archive links are directory links ("SLUG/"), which Hugo and MkDocs
 * resolve to the archive's page and site/html.c to SLUG/index.html.
 *
 * The template's view: title, count, count_text ("2 archives"), date
 * (ISO 8601 of the newest archive), date_text ("2 Jul 2025 11:00 UTC"), and
 * archives[] newest first (then by slug), each with slug, link ("SLUG/"),
 * title_md, date, date_text, day ("2025-07-02"), environments_md,
 * models_md and penalty_md ("1.06%", "VM: 1.06%, CT: 0.50%" for several
 * compared environments, "—" for none); the *_md strings are
 * Markdown-escaped (use triple braces).
 */
#ifndef PT_SITE_INDEX_H
#define PT_SITE_INDEX_H

#include <stddef.h>

#include "core/error.h"
#include "render/mustache.h"
#include "site/state.h"

#define PT_SITE_TITLE "Benchmark archives"
#define PT_SITE_INDEX_TEMPLATE "site-index.md"

/* The files pt_site_index_write writes, for the site's marker. */
#define PT_SITE_INDEX_FILES "README.md", "_index.md", "index.html"

/* Write the index of st's archives into site. dirs: template directories
 * searched first (NULL entries skipped); page: the compiled page template
 * (site/html.h). Fails, leaving each file as it was or wholly replaced,
 * with PT_ENOTFOUND / PT_EPARSE for the template, PT_EIO naming the file,
 * PT_ENOMEM, PT_ETOOBIG. */
pt_code pt_site_index_write(const char *site, const pt_site_state *st,
                            const char *const *dirs, size_t ndirs, const pt_mustache *page,
                            pt_error *err);

#endif
