/* tests/fuzz/fuzz_analysis_json.c - libFuzzer harness for loading an
 * analysis.json as `ptbench render` does (pt_doc_load, through a file, so
 * the reader, the JSON parser with its check for data after the document,
 * and the schema check all run), then building the view model the
 * templates see from it (pt_view_build): any bytes must give a view or an
 * error with a code and a message, never a crash, a leak or undefined
 * behaviour. Inputs are capped at 1 MiB (the view's work is linear in the
 * document). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/doc.h"
#include "core/json.h"
#include "render/view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > ((size_t)1 << 20))
    return 0;
  char path[] = "/tmp/ptbench-fuzz-analysis-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    return 0;
  if (write(fd, data, size) != (ssize_t)size) {
    close(fd);
    unlink(path);
    return 0;
  }
  close(fd);
  pt_error err;
  pt_error_clear(&err);
  cJSON *doc = pt_doc_load(path, &err);
  unlink(path);
  if (!doc) {
    if (!err.code || !err.msg[0] || strcmp(err.file, path))
      abort();  /* every failure says what and names the file */
    return 0;
  }
  pt_error_clear(&err);
  cJSON *view = pt_view_build(doc, &err);
  if (!view && (!err.code || !err.msg[0]))
    abort();
  if (view) {
    char *s = cJSON_PrintUnformatted(view);  /* every string in it is whole */
    cJSON_free(s);
  }
  cJSON_Delete(view);
  cJSON_Delete(doc);
  return 0;
}
