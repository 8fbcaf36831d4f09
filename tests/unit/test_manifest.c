/* tests/unit/test_manifest.c - the manifest's JSON shape (collect/manifest.h).
 * The host probe it embeds has its own test (tests/unit/test_probe.c);
 * tests/data/sysroot/amd-vm is a QEMU guest with an AMD GPU passed through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/manifest.h"
#include "collect/plan.h"
#include "collect/probe.h"
#include "core/fs.h"
#include "core/json.h"

/* The shape the analyzer reads (docs/collect.md "manifest.json"). */
static void test_manifest_shape(void **state) {
  pt_plan plan;
  pt_error err;
  pt_plan_init(&plan);
  pt_error_clear(&err);
  const char *models[] = {"mistral:7b"};
  assert_int_equal(pt_plan_set_models(&plan, models, 1, &err), PT_OK);
  assert_int_equal(pt_plan_finish(&plan, &err), PT_OK);
  cJSON *tag = cJSON_Parse("{\"name\":\"mistral:7b\",\"digest\":\"abc\",\"details\":"
                           "{\"family\":\"llama\",\"parameter_size\":\"7.2B\","
                           "\"quantization_level\":\"Q4_0\"}}");
  cJSON *show = cJSON_Parse("{\"capabilities\":[\"completion\",\"tools\"]}");
  pt_model_info mi;
  assert_int_equal(pt_model_info_set(&mi, "mistral:7b", tag, show, &err), PT_OK);
  pt_host h;
  assert_int_equal(pt_host_probe("tests/data/sysroot/amd-vm", &h, &err), PT_OK);
  pt_manifest m = {.run_id = "r1", .environment = "vm", .label = "VM (vfio)",
                   .status = "complete", .started_at = "2025-01-01T00:00:00.000Z",
                   .ended_at = "2025-01-01T00:10:00.000Z",
                   .endpoint_url = "http://127.0.0.1:11434", .endpoint_local = true,
                   .ollama_version = "0.12.6", .plan = &plan, .stream = true,
                   .models = &mi, .n_models = 1, .host = &h, .ok = 25, .failed = 1,
                   .warmup = 1};
  cJSON *j = pt_manifest_to_json(&m);
  assert_non_null(j);
  assert_string_equal(pt_json_str(j, "schema"), "ptbench.manifest/1");
  assert_string_equal(pt_json_str(pt_json_get(j, "tool"), "name"), "ptbench");
  assert_string_equal(pt_json_str(pt_json_get(j, "tool"), "version"), PTBENCH_VERSION);
  assert_string_equal(pt_json_str(j, "environment"), "vm");
  assert_string_equal(pt_json_str(j, "label"), "VM (vfio)");
  assert_string_equal(pt_json_str(j, "status"), "complete");
  assert_true(pt_json_bool(pt_json_get(j, "endpoint"), "local", false));
  assert_string_equal(pt_json_str(pt_json_get(j, "ollama"), "version"), "0.12.6");
  cJSON *o = pt_json_get(j, "options");
  assert_int_equal(pt_json_int(o, "seed", -1), 42);
  assert_int_equal(pt_json_int(o, "temperature", -1), 0);
  assert_int_equal(pt_json_int(o, "num_predict", -1), 256);
  assert_int_equal(pt_json_int(o, "num_ctx", -1), 4096);
  assert_string_equal(pt_json_str(o, "keep_alive"), "5m");
  assert_true(pt_json_bool(o, "stream", false));
  cJSON *m0 = cJSON_GetArrayItem(pt_json_get(j, "models"), 0);
  assert_string_equal(pt_json_str(m0, "name"), "mistral:7b");
  assert_string_equal(pt_json_str(m0, "digest"), "abc");
  assert_string_equal(pt_json_str(m0, "family"), "llama");
  assert_string_equal(pt_json_str(m0, "parameter_size"), "7.2B");
  assert_string_equal(pt_json_str(m0, "quantization_level"), "Q4_0");
  assert_int_equal(cJSON_GetArraySize(pt_json_get(m0, "capabilities")), 2);
  assert_true(pt_json_bool(pt_json_get(pt_json_get(j, "host"), "virtualization"), "detected",
                           false));
  cJSON *t = pt_json_get(j, "trials");
  assert_int_equal(pt_json_int(t, "ok", -1), 25);
  assert_int_equal(pt_json_int(t, "failed", -1), 1);
  assert_int_equal(pt_json_int(t, "warmup", -1), 1);
  assert_non_null(pt_json_get(pt_json_get(j, "plan"), "prompts"));

  /* written and read back for a resume */
  char dir[] = "/tmp/ptbench-manifest-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char *path = pt_path_join(dir, "manifest.json");
  assert_int_equal(pt_manifest_write(path, &m, &err), PT_OK);
  pt_manifest_prior prior;
  assert_int_equal(pt_manifest_read_prior(path, &prior, &err), PT_OK);
  assert_string_equal(prior.run_id, "r1");
  assert_string_equal(prior.environment, "vm");
  assert_true(cJSON_Compare(prior.options, o, true));
  pt_manifest_prior_free(&prior);
  FILE *fp = fopen(path, "w");
  fputs("{\"schema\":\"other\"}", fp);
  fclose(fp);
  assert_int_equal(pt_manifest_read_prior(path, &prior, &err), PT_ESCHEMA);
  pt_remove_tree(dir);
  free(path);
  cJSON_Delete(j);
  cJSON_Delete(tag);
  cJSON_Delete(show);
  pt_model_info_free(&mi);
  pt_host_free(&h);
  pt_plan_free(&plan);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_manifest_shape),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
