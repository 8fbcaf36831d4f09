/* tests/fuzz/fuzz_archive.c - libFuzzer harness for safe extraction
 * (site/archive.h): any bytes, read as a tar/tar.gz/tar.xz/zip archive
 * with small caps, must give files inside a fresh directory or an error,
 * never a crash, a leak, or a file outside that directory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fs.h"
#include "site/archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char dir[] = "/tmp/ptbench-fuzz-archive-XXXXXX";
  if (!mkdtemp(dir))
    return 0;
  char *path = pt_path_join(dir, "in.tar.gz");
  char *dest = pt_path_join(dir, "out");
  FILE *fp = path ? fopen(path, "wb") : NULL;
  if (fp && fwrite(data, 1, size, fp) == size && fclose(fp) == 0) {
    fp = NULL;
    pt_extract_limits lim = {1 << 20, 4 << 20, 256};
    pt_error err;
    pt_error_clear(&err);
    if (dest && pt_mkdir_p(dest, &err) == PT_OK)
      pt_archive_extract(path, dest, &lim, &err);
  }
  if (fp)
    fclose(fp);
  /* the directory holds only in.tar.gz and out/ */
  char *escaped = pt_path_join(dir, "x");
  if (escaped && pt_exists(escaped))
    abort();
  free(escaped);
  pt_remove_tree(dir);
  free(path);
  free(dest);
  return 0;
}
