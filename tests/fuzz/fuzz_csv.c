/* tests/fuzz/fuzz_csv.c - libFuzzer harness for the trials CSV reader and
 * the analyzer behind it: any bytes must give either an analysis or an
 * error with a location, never a crash, leak or undefined behaviour. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "analyze/analysis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* through a file, so the parallel reader and its chunking run too */
  char path[] = "/tmp/ptbench-fuzz-csv-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    return 0;
  if (write(fd, data, size) != (ssize_t)size) {
    close(fd);
    unlink(path);
    return 0;
  }
  close(fd);
  pt_dataset *ds = pt_dataset_new(pt_metric_find("eval_rate"));
  pt_error err;
  pt_error_clear(&err);
  if (ds && pt_dataset_add(ds, path, &err) == PT_OK) {
    pt_analyze_opts opts;
    pt_analyze_opts_init(&opts);
    cJSON *doc = pt_analyze(ds, &opts, &err);
    pt_buf out = PT_BUF_INIT;
    if (doc) {
      pt_analysis_md(doc, &out);
      pt_analysis_csv(doc, &out);
      pt_analysis_text(doc, &out);
    }
    pt_buf_free(&out);
    cJSON_Delete(doc);
  }
  pt_dataset_free(ds);
  unlink(path);
  return 0;
}
