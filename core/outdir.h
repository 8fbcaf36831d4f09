/* core/outdir.h - output directories: ptbench replaces only what it made.
 *
 * A directory a command builds aside and renames into place (a report of
 * `report`, `render` or `batch`) and the site root `batch` writes into carry a
 * marker, the file ".ptbench-KIND" (".ptbench-report", ".ptbench-site"):
 *
 *   {"schema": "ptbench.output/1", "tool": {"name": "ptbench", "version": "0.1.0"},
 *    "kind": "report", "complete": true, "files": ["README.md", "analysis.json", ...]}
 *
 * `files` lists, sorted by byte value, every entry the command wrote besides
 * the marker; `complete` is false while the directory is being built. This
 * module is the one owner of that format. A directory is recognised as
 * ptbench's by its marker and by nothing else (not by an analysis.json):
 *
 *   - a report may be replaced when it does not exist, is empty, or holds its
 *     marker and only the regular files the marker lists;
 *   - a site root (never removed; batch writes its index and archive
 *     folders into it) may be written into when it does not exist, is empty,
 *     or holds a site marker.
 *
 * Anything else is refused with PT_EUNSAFE naming the directory and the
 * first entry that is not ptbench's; a symbolic link is never followed.
 *
 * Building one: pt_outdir_check(), pt_outdir_begin() (a temporary directory
 * "TARGET.tmp-XXXXXX" beside the target, with a marker saying "in
 * progress"), write the files, pt_outdir_seal() (the final marker),
 * pt_outdir_commit() (renamed over the target; the previous one is then
 * removed file by file, by its own marker). A temporary directory left by a
 * killed command ("*.tmp-XXXXXX" or "*.old-XXXXXX" holding a report marker)
 * is removed by a later pt_outdir_begin() in the same parent once it is
 * PT_OUTDIR_STALE_SECONDS old.
 */
#ifndef PT_OUTDIR_H
#define PT_OUTDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/error.h"

#define PT_OUTDIR_SCHEMA "ptbench.output/1"
#define PT_OUTDIR_STALE_SECONDS 3600  /* age of a leftover temporary directory */
#define PT_OUTDIR_MARKER_MAX ((size_t)1 << 20)  /* bytes in a marker file */

typedef enum {
  PT_OUTDIR_REPORT,  /* replaced as a whole: holds only what its marker lists */
  PT_OUTDIR_SITE     /* written into, never removed: holds its marker, and more */
} pt_outdir_kind;

/* The marker's file name: ".ptbench-report" or ".ptbench-site". */
const char *pt_outdir_marker(pt_outdir_kind kind);

/* May dir be replaced by (a report) or written into (a site) a new output
 * of kind? PT_OK when it does not exist, is empty or is ptbench's (above).
 * For a report, it must also not be, nor hold, one of inputs[0..ninputs)
 * (paths compared after resolving links; "-" and missing ones skipped).
 * Fails with PT_EUNSAFE (err at dir, or at its marker when the marker is
 * invalid) naming what is wrong and how to proceed, PT_EIO, PT_ENOMEM. */
pt_code pt_outdir_check(const char *dir, pt_outdir_kind kind, const char *const *inputs,
                        size_t ninputs, pt_error *err);

/* Make the temporary directory of a report for target: "TARGET.tmp-XXXXXX"
 * beside it (its parent made when missing), mode 0777 & ~umask, holding an
 * in-progress marker. When clean_stale, first remove the parent's stale
 * temporary directories (pt_outdir_clean_stale). Returns its malloc'ed path,
 * or NULL with err set. */
char *pt_outdir_begin(const char *target, bool clean_stale, pt_error *err);

/* Write the final marker of a report into tmp, listing every entry tmp
 * holds. */
pt_code pt_outdir_seal(const char *tmp, pt_error *err);

/* Rename tmp over target (checked with pt_outdir_check): the previous target
 * is moved aside, tmp renamed into place (the previous one is put back when
 * that fails), then the previous one's listed files, its marker and the
 * directory itself are removed. Anything found there that its marker does
 * not list is left, in "TARGET.old-XXXXXX". */
pt_code pt_outdir_commit(const char *tmp, const char *target, pt_error *err);

/* Write (or rewrite) the marker of kind into dir, listing files[0..n). */
pt_code pt_outdir_mark(const char *dir, pt_outdir_kind kind, const char *const *files,
                       size_t n, pt_error *err);

/* Does dir hold a valid marker of kind that lists name? False when it has
 * no marker, an invalid one, or one of another kind. */
bool pt_outdir_lists(const char *dir, pt_outdir_kind kind, const char *name);

/* Remove the report directory dir (`batch --prune`): the regular files its
 * marker lists, then the marker, then the directory. Only a directory that
 * holds a valid report marker and nothing but the regular files it lists
 * is touched; anything else fails with PT_EUNSAFE naming what is in the way
 * and nothing is removed. A dir that does not exist is PT_OK. */
pt_code pt_outdir_remove(const char *dir, pt_error *err);

/* Remove from parent every directory "NAME.tmp-XXXXXX" or "NAME.old-XXXXXX"
 * (X: a letter or digit, as mkdtemp makes them) that is not a link, belongs
 * to this user, holds a valid report marker, and was last modified more than
 * max_age seconds before now. Nothing else is touched. Returns the number
 * removed. */
size_t pt_outdir_clean_stale(const char *parent, time_t now, time_t max_age);

#endif
