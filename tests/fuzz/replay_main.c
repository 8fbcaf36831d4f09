/* tests/fuzz/replay_main.c - runs a libFuzzer harness over files, so every
 * test build replays the seed corpus (under the sanitizers) without clang's
 * fuzzer runtime. Usage: NAME_replay FILE_OR_DIR...  */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
  pt_buf b = PT_BUF_INIT;
  pt_error err;
  pt_error_clear(&err);
  if (pt_read_file(path, 0, &b, &err)) {
    fprintf(stderr, "%s: cannot read\n", path);
    pt_buf_free(&b);
    return 1;
  }
  LLVMFuzzerTestOneInput((const uint8_t *)b.data, b.len);
  pt_buf_free(&b);
  return 0;
}

int main(int argc, char **argv) {
  int files = 0, failed = 0;
  for (int i = 1; i < argc; i++) {
    if (!pt_is_dir(argv[i])) {
      failed += run_file(argv[i]);
      files++;
      continue;
    }
    DIR *d = opendir(argv[i]);
    struct dirent *e;
    while (d && (e = readdir(d))) {
      if (e->d_name[0] == '.')
        continue;
      char *p = pt_path_join(argv[i], e->d_name);
      if (p && !pt_is_dir(p)) {
        failed += run_file(p);
        files++;
      }
      free(p);
    }
    if (d)
      closedir(d);
  }
  printf("replayed %d input%s\n", files, files == 1 ? "" : "s");
  return failed ? 1 : files ? 0 : 77;
}
