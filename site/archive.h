/* site/archive.h - safe extraction of untrusted run archives.
 *
 * `ptbench batch` reads archives of run directories (.tar.gz, .tgz, .tar.xz,
 * .txz, .tar, .zip) that may come from anyone. pt_archive_extract() reads one
 * with libarchive and writes its regular files and directories under a
 * directory the caller made, itself: every file is opened with
 * O_CREAT|O_EXCL|O_NOFOLLOW relative to a directory descriptor, so nothing is
 * ever written outside that directory. It refuses, naming the entry:
 * absolute paths, ".." components, symbolic and hard links (all of them),
 * device files, FIFOs and sockets, duplicate entries, more entries than the
 * cap, and data past the per-file or total byte caps — counted while the data
 * is copied, never taken from the header. Modes from the archive are ignored
 * (files 0644, directories 0755, before umask).
 */
#ifndef PT_ARCHIVE_H
#define PT_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define PT_EXTRACT_MAX_FILE ((uint64_t)64 << 20)    /* bytes in one entry */
#define PT_EXTRACT_MAX_TOTAL ((uint64_t)512 << 20)  /* bytes in all entries */
#define PT_EXTRACT_MAX_ENTRIES 10000                /* entries of any kind */

typedef struct pt_extract_limits {
  uint64_t max_file;   /* bytes written for one entry */
  uint64_t max_total;  /* bytes written for the whole archive */
  size_t max_entries;  /* entries read, directories included */
} pt_extract_limits;

/* The defaults above. */
void pt_extract_limits_init(pt_extract_limits *l);

/* Length of the archive suffix ptbench recognises at the end of name
 * (".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar", ".zip", case-insensitive),
 * or 0 when name has none. */
size_t pt_archive_suffix_len(const char *name);

/* Extract the archive at path into dest, an existing directory (normally
 * empty and private). lim NULL = the defaults. Fails with PT_EUNSAFE for a
 * refused entry or a cap passed (err->msg names the entry; err->file is
 * path), PT_EDATA for an archive libarchive cannot read (corrupt, truncated,
 * unknown format), PT_EIO when writing fails. What was extracted before
 * a failure stays in dest; the caller removes dest. */
pt_code pt_archive_extract(const char *path, const char *dest, const pt_extract_limits *lim,
                           pt_error *err);

#endif
