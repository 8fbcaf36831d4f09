/* site/batch.h - a static site of reports from many run archives.
 *
 * `ptbench batch` hands pt_batch_run() a list of inputs, each a directory of
 * run directories (trials.csv + manifest.json at any depth) or an archive of
 * one (.tar.gz, .tgz, .tar.xz, .txz, .tar, .zip; extracted with
 * site/archive.h into a private temporary directory that is removed
 * afterwards). Each input becomes SITE/<slug>/: the report of
 * render/report.h (README.md with YAML front matter, table.md, analysis.json,
 * charts) plus index.html (site/html.h) and .source-hash. SITE/index.md and
 * SITE/index.html list every input published, newest first.
 *
 * Slugs come from the input's base name without its archive suffix:
 * lowercase, [a-z0-9-], at most 64 bytes, "-2", "-3"... appended in input
 * order when two collide. The source hash is FNV-1a 64 over the input (an
 * archive's size, modification time and bytes; a directory's relative names,
 * sizes, modification times and bytes, in sorted order, a symbolic link to a
 * file counting as that file), the ptbench version,
 * the chart formats and every file of the template directories; an input
 * whose hash matches SITE/<slug>/.source-hash is not rebuilt.
 *
 * Inputs are processed by opts->jobs threads; what is written does not
 * depend on the number of threads. A failed input leaves its SITE/<slug>/ as
 * it was and is left out of the index; the others are still published.
 */
#ifndef PT_BATCH_H
#define PT_BATCH_H

#include <signal.h>
#include <stddef.h>

#include "core/error.h"
#include "site/archive.h"

#define PT_BATCH_SLUG_MAX 64  /* bytes in a slug, before a "-N" suffix */

typedef struct pt_batch_opts {
  const char *site;            /* output directory, created when missing */
  const char *templates;       /* user template directory searched first; NULL = none */
  unsigned chart_formats;      /* pt_chart_format mask */
  unsigned jobs;               /* worker threads, >= 1 */
  const char *tmpdir;          /* where archives are extracted; NULL = $TMPDIR, else /tmp */
  pt_extract_limits limits;    /* caps on each archive */
  volatile sig_atomic_t *interrupted;  /* polled between archives: once set,
                                          the rest fail with PT_EINTERRUPTED
                                          and the index is left as it was;
                                          NULL = never */
} pt_batch_opts;

/* Defaults: site "site", no template directory, SVG charts, 1 job,
 * the default extraction caps. */
void pt_batch_opts_init(pt_batch_opts *o);

typedef enum {
  PT_BATCH_PUBLISHED,  /* report written */
  PT_BATCH_UNCHANGED,  /* same source hash as the report in place: kept */
  PT_BATCH_FAILED      /* see err */
} pt_batch_state;

typedef struct pt_batch_result {
  char slug[PT_BATCH_SLUG_MAX + 16];
  pt_batch_state state;
  pt_error err;  /* when FAILED: err.file is relative to the archive's root
                    (e.g. "vm/trials.csv") or "" when the error is about the
                    input itself */
  unsigned nwarnings;  /* warnings while rendering (a missing partial) */
  char warning[512];   /* the first of them, "" when none */
} pt_batch_result;

/* Publish inputs[0..n) into opts->site and write the site index when at least
 * one input succeeded. results (n entries, the caller's) gets the outcome of
 * each input, in input order. Returns PT_OK when every input was handled,
 * whatever its outcome; an error (err set) only for the site as a whole:
 * cannot create SITE or the temporary directory, cannot write the index,
 * PT_ENOMEM. */
pt_code pt_batch_run(const char *const *inputs, size_t n, const pt_batch_opts *opts,
                     pt_batch_result *results, pt_error *err);

/* The slug of one input name, without collision handling, into out (at
 * least PT_BATCH_SLUG_MAX + 1 bytes). */
void pt_batch_slug(const char *input, char *out, size_t size);

/* FNV-1a 64 of data, continuing from h (start with PT_FNV_OFFSET). */
#define PT_FNV_OFFSET 0xcbf29ce484222325ULL
unsigned long long pt_fnv1a(unsigned long long h, const void *data, size_t len);

#endif
