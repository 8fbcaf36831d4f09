/* site/state.h - what a site publishes: its state file, the site's memory.
 *
 * `ptbench batch` keeps SITE/.ptbench-state.json (hidden, so Hugo and MkDocs
 * leave it out) listing every archive the site publishes, so that a run
 * naming only this month's archive adds it and keeps the others in the
 * index. This module is the file's one owner:
 *
 *   {"schema": "ptbench.site/1",
 *    "tool": {"name": "ptbench", "version": "0.1.0"},
 *    "archives": [
 *      {"slug": "runs-2025-07",          the folder SITE/SLUG/
 *       "title": "runs-2025-07",         unique among the archives
 *       "source": "../runs-2025-07.tar.gz",
 *                                        the input, relative to the site
 *                                        directory once both are resolved
 *       "date": "2025-07-02T11:00:00.000Z",  ISO 8601, as the manifests say
 *       "environments": ["Bare Metal", "VM (vfio-pci)"],  display labels
 *       "models": ["mistral:7b"],
 *       "penalties": [{"environment": "VM (vfio-pci)",
 *                      "mean_penalty_pct": 1.06}]}]}       null when none
 *
 * Archives are written sorted by slug, so the file does not depend on the
 * order of the inputs or the number of jobs. Every string is valid UTF-8
 * (ill-formed bytes from the data are replaced with U+FFFD when an archive
 * is made from an analysis). A state file that is not one (bad JSON,
 * another schema, a slug that is not a slug, two archives with one slug,
 * source or title) is refused, naming the file, rather than forgotten.
 */
#ifndef PT_SITE_STATE_H
#define PT_SITE_STATE_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define PT_SITE_STATE_FILE ".ptbench-state.json"
#define PT_SITE_STATE_SCHEMA "ptbench.site/1"
#define PT_SITE_STATE_MAX ((size_t)256 << 20)  /* bytes in a state file */
#define PT_SITE_SLUG_MAX 64                    /* bytes in a slug, before "-N" */

typedef struct pt_site_penalty {
  char *environment;  /* display label of the compared environment */
  double pct;         /* its mean penalty across models; NAN when none */
} pt_site_penalty;

/* One published archive. Every pointer is owned by the archive. */
typedef struct pt_site_archive {
  char *slug, *title, *source, *date;
  char **environments;
  size_t nenvironments;
  char **models;
  size_t nmodels;
  pt_site_penalty *penalties;
  size_t npenalties;
} pt_site_archive;

typedef struct pt_site_state {
  pt_site_archive *archives;  /* owned */
  size_t n, cap;
} pt_site_state;

#define PT_SITE_STATE_INIT {NULL, 0, 0}

/* Read SITE/.ptbench-state.json into st (which must be empty). A missing
 * file is an empty state (PT_OK). Fails with PT_EDATA (or PT_EPARSE, at
 * file:line:column) for a file that is not a valid state, PT_EIO,
 * PT_ETOOBIG past PT_SITE_STATE_MAX, PT_ENOMEM; st is then empty. */
pt_code pt_site_state_load(const char *site, pt_site_state *st, pt_error *err);

/* Write st to SITE/.ptbench-state.json atomically, archives sorted by slug
 * (st itself is sorted so). PT_EIO naming the file, PT_ENOMEM. */
pt_code pt_site_state_save(const char *site, pt_site_state *st, pt_error *err);

void pt_site_state_free(pt_site_state *st);
void pt_site_archive_free(pt_site_archive *a);

/* The index of the archive with this slug, or -1. Linear. */
ptrdiff_t pt_site_state_find_slug(const pt_site_state *st, const char *slug);

/* Add a (moved in: st owns its strings from now on, *a is zeroed) or, when
 * an archive with its slug exists, replace that one. PT_ENOMEM leaves st and
 * *a as they were. */
pt_code pt_site_state_put(pt_site_state *st, pt_site_archive *a);

/* Remove the archive at index i (freed). */
void pt_site_state_remove(pt_site_state *st, size_t i);

/* Fill a's environments, models and penalties from an analysis document
 * (analyze/doc.h), and copy slug, title, source and date (any may be NULL,
 * for ""). a must be zeroed. PT_ENOMEM leaves a zeroed. */
pt_code pt_site_archive_make(pt_site_archive *a, const cJSON *analysis, const char *slug,
                             const char *title, const char *source, const char *date);

/* Is s a slug: 1 to PT_SITE_SLUG_MAX + 11 bytes of [a-z0-9-], not starting
 * or ending with '-'? */
bool pt_site_slug_valid(const char *s);

#endif
