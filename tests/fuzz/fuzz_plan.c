/* tests/fuzz/fuzz_plan.c - libFuzzer harness for the YAML plan loader
 * (collect/plan.h): any bytes must give a plan or an error with its file,
 * never a crash, a leak, undefined behaviour, or time and memory beyond the
 * plan's documented bounds (its nesting, alias expansion and NUL checks).
 * A plan that loads is also finished and turned into the manifest's JSON,
 * as `collect` does. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > PT_PLAN_MAX_BYTES)
    return 0;  /* pt_plan_read refuses these before parsing */
  pt_plan p;
  pt_plan_init(&p);
  pt_error err;
  pt_error_clear(&err);
  pt_code rc = pt_plan_parse((const char *)data, size, "fuzz.yml", &p, &err);
  if (rc != PT_OK) {
    /* every failure says what and where, and leaves the plan empty */
    if (err.code != rc || !err.msg[0] || strcmp(err.file, "fuzz.yml") || p.n_models ||
        p.n_prompts)
      abort();
    return 0;
  }
  /* strings hold no NUL that would cut them: the loader refuses those */
  for (size_t i = 0; i < p.n_prompts; i++)
    if (!p.prompts[i].id[0] || !p.prompts[i].text[0])
      abort();
  pt_error_clear(&err);
  if (p.n_models && pt_plan_finish(&p, &err) == PT_OK) {
    cJSON *j = pt_plan_to_json(&p);
    cJSON *o = pt_plan_options_json(&p);
    cJSON_Delete(j);
    cJSON_Delete(o);
  }
  pt_plan_free(&p);
  return 0;
}
