/* tests/fuzz/fuzz_analysis_json.c - libFuzzer harness for loading an
 * analysis.json as `ptbench render` does (pt_report_parse_analysis), then
 * building the view model the templates see from it (pt_view_build): any
 * bytes must give a view or an error with a code and a message, never a
 * crash, a leak or undefined behaviour. Inputs are capped at 1 MiB (the
 * view's work is linear in the document). */
#include <stdint.h>
#include <stdlib.h>

#include "core/json.h"
#include "render/report.h"
#include "render/view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > ((size_t)1 << 20))
    return 0;
  pt_error err;
  pt_error_clear(&err);
  cJSON *doc = pt_report_parse_analysis((const char *)data, size, "fuzz.json", &err);
  if (!doc) {
    if (!err.code || !err.msg[0])
      abort();
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
