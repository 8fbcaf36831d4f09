/* site/batch.h - a static site of reports from many run archives, with
 * memory.
 *
 * `ptbench batch` hands pt_batch_run() a list of inputs, each a directory of
 * run directories (trials.csv + manifest.json at any depth) or an archive of
 * one (.tar.gz, .tgz, .tar.xz, .txz, .tar, .zip; extracted with
 * site/archive.h into a private temporary directory that is removed
 * afterwards). Each input becomes SITE/SLUG/, a report of render/report.h
 * made to be a page bundle:
 *   index.md        the report (YAML front matter: title, date), headed by a
 *                   link back to the index and the date for people
 *   analysis.json, throughput.svg, penalty.svg, ...   as render writes them
 *   index.html      index.md as a standalone HTML page (site/html.h)
 *   .source-hash, .ptbench-report
 * The site remembers what it publishes (site/state.h): an input adds its
 * archive or updates it, and the archives of earlier runs stay in the index
 * (site/index.h: README.md, _index.md, index.html) unless opts->prune.
 *
 * An input is the same archive as an earlier one when both resolve to the
 * same file or directory (its "source": the path relative to the site
 * directory, links resolved); it keeps its slug and title. A new input's
 * slug is its base name without the archive suffix: lowercase, [a-z0-9-],
 * at most 64 bytes, "-2", "-3"... appended when the site or an earlier
 * input already has it; its title is the base name, " (2)", " (3)"...
 * appended likewise, so titles are unique too.
 *
 * The source hash is FNV-1a 64 over the input (an archive's size,
 * modification time and bytes; a directory's relative names, sizes,
 * modification times and bytes, in sorted order, a symbolic link to a file
 * counting as that file), the ptbench version, the site layout, the chart
 * formats and every file of the template directories; an input whose hash
 * matches SITE/SLUG/.source-hash is not rebuilt.
 *
 * Inputs are processed by opts->jobs threads; what is written does not
 * depend on the number of threads. One run at a time writes into a site:
 * it holds flock() on the site directory, and a second one fails at once. A failed input leaves SITE/SLUG/ as it
 * was, and an archive published before stays in the index with its older
 * page. Only folders ptbench made are ever replaced or removed
 * (core/outdir.h).
 */
#ifndef PT_BATCH_H
#define PT_BATCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/error.h"
#include "site/archive.h"
#include "site/state.h"

#define PT_BATCH_SLUG_MAX PT_SITE_SLUG_MAX  /* bytes in a slug, before a "-N" suffix */

typedef struct pt_batch_opts {
  const char *site;            /* output directory, created when missing */
  const char *templates;       /* user template directory searched first; NULL = none */
  unsigned chart_formats;      /* pt_chart_format mask */
  unsigned jobs;               /* worker threads, >= 1 */
  const char *tmpdir;          /* where archives are extracted; NULL = $TMPDIR, else /tmp */
  pt_extract_limits limits;    /* caps on each archive */
  bool prune;                  /* remove the archives of earlier runs not given */
  bool trial_charts;           /* also the distribution and timeline of every
                                  trial: each costs as much as a bar chart
                                  (cairo's SVG text), so a page takes twice
                                  the time */
  volatile sig_atomic_t *interrupted;  /* polled between archives: once set,
                                          the rest fail with PT_EINTERRUPTED,
                                          nothing is pruned and the index is
                                          left as it was; NULL = never */
} pt_batch_opts;

/* Defaults: site "site", no template directory, SVG charts (bars, no trial
 * charts), 1 job, no pruning, the default extraction caps. */
void pt_batch_opts_init(pt_batch_opts *o);

typedef enum {
  PT_BATCH_PUBLISHED,  /* report written */
  PT_BATCH_UNCHANGED,  /* same source hash as the report in place: kept */
  PT_BATCH_DUPLICATE,  /* the same archive as the input same_as: done once */
  PT_BATCH_FAILED      /* see err */
} pt_batch_state;

typedef struct pt_batch_result {
  char slug[PT_BATCH_SLUG_MAX + 16];
  pt_batch_state state;
  size_t same_as;  /* DUPLICATE: index of the earlier input */
  pt_error err;    /* when FAILED: err.file is relative to the archive's root
                      (e.g. "vm/trials.csv") or "" when the error is about the
                      input itself */
  unsigned nwarnings;  /* warnings while rendering (a missing partial) */
  char warning[512];   /* the first of them, "" when none */
} pt_batch_result;

/* What became of an archive of an earlier run that was not given. */
typedef enum {
  PT_BATCH_KEPT,          /* still listed, its page as it was */
  PT_BATCH_PRUNED,        /* opts->prune: its folder removed, no longer listed */
  PT_BATCH_GONE,          /* its folder is no longer there: no longer listed */
  PT_BATCH_PRUNE_FAILED   /* opts->prune, but its folder is not ptbench's as
                             it stands (err): kept and listed */
} pt_batch_earlier_state;

typedef struct pt_batch_earlier {
  char slug[PT_BATCH_SLUG_MAX + 16];
  pt_batch_earlier_state state;
  pt_error err;  /* PRUNE_FAILED */
} pt_batch_earlier;

typedef struct pt_batch_outcome {
  pt_batch_earlier *earlier;  /* the archives of earlier runs not given, by
                                 slug (malloc'ed; pt_batch_outcome_free) */
  size_t nearlier;
  size_t listed;              /* archives the site publishes now */
  bool index_written;
} pt_batch_outcome;

void pt_batch_outcome_free(pt_batch_outcome *o);

/* Publish inputs[0..n) into opts->site, update its state, prune when asked
 * and write the site index (unless interrupted, or the site publishes
 * nothing and never did). results (n entries, the caller's) gets the
 * outcome of each input, in input order; outcome (may be NULL) what became
 * of the earlier archives. Returns PT_OK when every input was handled,
 * whatever its outcome; an error (err set) only for the site as a whole:
 * the site directory refused, not creatable or locked by another run, an
 * invalid state file,
 * cannot create the temporary directory, cannot write the state or the
 * index, PT_ENOMEM. */
pt_code pt_batch_run(const char *const *inputs, size_t n, const pt_batch_opts *opts,
                     pt_batch_result *results, pt_batch_outcome *outcome, pt_error *err);

/* The slug of one input name, without collision handling, into out (at
 * least PT_BATCH_SLUG_MAX + 1 bytes). */
void pt_batch_slug(const char *input, char *out, size_t size);

/* The path of `to` relative to the directory `from`, both absolute and
 * without "." or ".." components ("/a/b", "/a/c/d" -> "../c/d"; "." when
 * they are the same). malloc'ed, NULL when out of memory. */
char *pt_batch_relative_path(const char *from, const char *to);

/* Remove the private temporary directories of batch runs that were killed
 * ("ptbench-batch-XXXXXX" in tmpdir, holding the ".ptbench-batch" marker
 * that names their process): those of this user, not links, last modified
 * more than max_age seconds before now, whose process is gone. Nothing else
 * is touched. Returns the number removed. */
size_t pt_batch_clean_stale(const char *tmpdir, time_t now, time_t max_age);

/* FNV-1a 64 of data, continuing from h (start with PT_FNV_OFFSET). */
#define PT_FNV_OFFSET 0xcbf29ce484222325ULL
unsigned long long pt_fnv1a(unsigned long long h, const void *data, size_t len);

#endif
