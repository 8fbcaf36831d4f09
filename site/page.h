/* site/page.h - the pieces of a site's Markdown pages that Hugo and MkDocs
 * read: dates as people read them, YAML front matter, and the head of an
 * archive page (a link back to the index and the archive's date).
 *
 * A site's pages are used unchanged by three readers: Hugo (as a content
 * folder), MkDocs (as a docs folder) and ptbench's own HTML pages
 * (site/html.h). Links between them are therefore directory links ("../",
 * "SLUG/"), which Hugo and MkDocs resolve from the rendered page's URL and
 * site/html.c turns into "index.html" links. No function here allocates
 * except through the pt_buf it is handed.
 */
#ifndef PT_SITE_PAGE_H
#define PT_SITE_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

/* A date as manifests write it, read by pt_site_date_parse. */
typedef struct pt_site_date {
  long long epoch;  /* seconds since 1970-01-01 00:00 UTC; the local time
                       taken as UTC when the zone is not given */
  bool has_time;    /* hours and minutes were given */
  bool has_zone;    /* "Z" or an offset was given: epoch is UTC */
} pt_site_date;

/* Parse an ISO 8601 calendar date: "YYYY-MM-DD", then optionally 'T' or ' '
 * and "HH:MM", ":SS", ".FRACTION" (any number of digits), then optionally
 * "Z" or an offset "+HH:MM", "+HHMM", "+HH" ('-' alike). False for anything
 * else: a field out of range (month 13, 31 April, hour 24), other
 * characters, bytes after the end. A leap second (:60) counts as :59. */
bool pt_site_date_parse(const char *s, pt_site_date *d);

/* The date for people, in English whatever the locale, at minute precision
 * and in UTC: "27 Nov 2026 14:55 UTC"; "27 Nov 2026 14:55" when the zone is
 * not known, "27 Nov 2026" when there is no time. Always NUL-terminated
 * (cut when size is too small; 32 bytes always suffice). */
void pt_site_date_text(const pt_site_date *d, char *out, size_t size);

/* Append s as a YAML double-quoted scalar: '"' and '\' escaped, control
 * characters as \xNN, ill-formed UTF-8 as U+FFFD (core/utf8.h).
 * PT_ENOMEM / PT_ETOOBIG from b. */
pt_code pt_yaml_quote(pt_buf *b, const char *s);

/* Append YAML front matter: "---", title and date (both quoted), the lines
 * of extra (may be NULL; already YAML, each ending in '\n'), "---" and a
 * blank line. */
pt_code pt_site_front_matter(pt_buf *b, const char *title, const char *date, const char *extra);

/* Front matter lines that keep a page out of a Hugo site (it is neither
 * rendered nor listed; Hugo 0.65 and later): the site's README.md, which
 * MkDocs and GitHub show as the index while Hugo shows _index.md. */
#define PT_SITE_HUGO_HIDDEN "_build:\n  render: never\n  list: never\n  publishResources: false\n"

/* Append the head of an archive page: a link back to the site index
 * ("../", titled index_title) and the archive's date for people, then a
 * blank line. index_title is Markdown-escaped; date_text is as
 * pt_site_date_text writes it (or "" for none). */
pt_code pt_site_archive_head(pt_buf *b, const char *index_title, const char *date_text);

#endif
