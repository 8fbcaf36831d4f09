/* core/fs.h - file utilities: whole-file reads with a cap, atomic writes,
 * directories built aside and renamed into place, recursive search.
 *
 * Every function fills a pt_error naming the path on failure. Nothing here
 * leaves a half-written file at the target path: writes go to a temporary
 * file or directory beside the target and are renamed over it at the end.
 * Replacing a whole directory is core/outdir.h's job: it replaces only
 * directories ptbench made.
 */
#ifndef PT_FS_H
#define PT_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/error.h"

/* The process umask, read once (reading it means setting it, which is not
 * safe while other threads create files). */
mode_t pt_umask(void);

bool pt_is_dir(const char *path);
bool pt_exists(const char *path);

/* Read a whole file (or stdin for "-") into b, failing with PT_ETOOBIG past
 * max bytes (0 = no cap). */
pt_code pt_read_file(const char *path, size_t max, pt_buf *b, pt_error *err);

/* Write data to path atomically: a temporary file in the same directory,
 * fsync, rename. On failure the previous file is untouched. A path that
 * exists and is not a regular file (a symbolic link, a device, a FIFO, a
 * directory) is never replaced: PT_EUNSAFE naming it. For ptbench's own
 * files; a path the user gave goes through pt_write_output. */
pt_code pt_write_file_atomic(const char *path, const void *data, size_t len,
                             pt_error *err);

/* pt_write_file_atomic of data[0..len) (NULL: empty) to dir/name. */
pt_code pt_write_file_in(const char *dir, const char *name, const void *data, size_t len,
                         pt_error *err);

/* Write data to path, a file the user named (`analyze -o FILE`), as Unix
 * tools write through what they are given, without ever replacing what is
 * not a file:
 *   - nothing there: created whole (pt_write_file_atomic);
 *   - a regular file: replaced whole (temporary file beside it, rename),
 *     keeping its permission bits (and owner, when allowed);
 *   - a symbolic link: followed, and what it leads to written as above; a
 *     link that leads nowhere is refused (PT_EUNSAFE);
 *   - a character device or a FIFO (/dev/null, a terminal, a pipe): written
 *     straight to, never replaced;
 *   - a directory: PT_EUSAGE; a block device or a socket: PT_EUNSAFE.
 * Standard output's own file is the caller's to check (pt_is_stdout) and
 * write through its stream. Errors name path: PT_EIO, PT_ENOMEM. */
pt_code pt_write_output(const char *path, const void *data, size_t len, pt_error *err);

/* Is path (links followed) the file, pipe or terminal standard output is
 * open on? `-o /dev/stdout` is then written as standard output, so an
 * appending redirection or a pipe gets the bytes where it expects them. */
bool pt_is_stdout(const char *path);

/* May a command write its output file out, given the paths it reads? A
 * command reading inputs[0..n) ("-" and NULL skipped) also reads, below an
 * input directory, the files named in_dirs[] (NULL-terminated), and beside
 * an input file those named beside[]. PT_OK when out does not exist or is
 * none of those (paths compared after resolving links); else PT_EUNSAFE at
 * out naming the input, so an output never overwrites what it was made
 * from. PT_ENOMEM. */
pt_code pt_output_check_inputs(const char *out, const char *const *inputs, size_t n,
                               const char *const *in_dirs, const char *const *beside,
                               pt_error *err);

/* mkdir -p with mode 0777 & ~umask. */
pt_code pt_mkdir_p(const char *path, pt_error *err);

/* Create a fresh directory beside target ("<target>.tmp-XXXXXX", its parent
 * made if needed), with the mode mkdir would give it (0777 & ~umask), since
 * it becomes the output. Trailing slashes of target are ignored. Returns a
 * malloc'ed path or NULL with err set. Reports use pt_outdir_begin()
 * (core/outdir.h), which adds the marker that makes it recognisable. */
char *pt_mkdtemp_beside(const char *target, pt_error *err);

/* rm -rf; never follows symbolic links. Returns 0 or -1. Only for what
 * ptbench made itself (its private temporary directories, or those
 * core/outdir.h recognises by their marker). */
int pt_remove_tree(const char *path);

/* The directory part of path ("." when it has none, "/" for a file in the
 * root). Returns a malloc'ed string or NULL. */
char *pt_path_dir(const char *path);

/* Join two path parts with one '/'. Returns malloc'ed string or NULL. */
char *pt_path_join(const char *a, const char *b);

/* The entries of dir sorted by name, leaving out those whose name starts
 * with '.' (".", "..", hidden files). Free with pt_free_names. */
pt_code pt_list_dir(const char *dir, char ***names, size_t *n, pt_error *err);
/* The same, with the hidden entries too (not "." and ".."). */
pt_code pt_list_dir_all(const char *dir, char ***names, size_t *n, pt_error *err);
void pt_free_names(char **names, size_t n);

/* Called for each file found; return non-zero to stop (that value is
 * returned by pt_find_files as PT_E... code). */
typedef pt_code (*pt_file_fn)(void *ctx, const char *path, pt_error *err);

/* Walk root recursively (no symlinked directories, no hidden ones, none of
 * ptbench's own leftover "*.tmp-XXXXXX" / "*.old-XXXXXX") in sorted order and call
 * fn for every regular file whose base name is name. Returns PT_OK, the
 * callback's code, or an I/O error. *count gets the number of matches. */
pt_code pt_find_files(const char *root, const char *name, pt_file_fn fn,
                      void *ctx, size_t *count, pt_error *err);

#endif
