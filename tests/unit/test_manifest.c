/* tests/unit/test_manifest.c - manifest.json (collect/manifest.h): the
 * shape collect writes (sessions, and the first session's facts copied to
 * the top), the reading accessors, a manifest written before sessions
 * existed, and the published one of data/article. The host probe it embeds
 * has its own test (tests/unit/test_probe.c); tests/data/sysroot/amd-vm is
 * a QEMU guest with an AMD GPU passed through. */
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

typedef struct fixture {
  pt_plan plan;
  pt_model_info mi;
  pt_host host;
  cJSON *tag, *show;
} fixture;

static void fixture_init(fixture *f) {
  pt_error err;
  pt_error_clear(&err);
  pt_plan_init(&f->plan);
  const char *models[] = {"mistral:7b"};
  assert_int_equal(pt_plan_set_models(&f->plan, models, 1, &err), PT_OK);
  assert_int_equal(pt_plan_finish(&f->plan, &err), PT_OK);
  f->tag = cJSON_Parse("{\"name\":\"mistral:7b\",\"digest\":\"abc\",\"details\":"
                       "{\"family\":\"llama\",\"parameter_size\":\"7.2B\","
                       "\"quantization_level\":\"Q4_0\"}}");
  f->show = cJSON_Parse("{\"capabilities\":[\"completion\",\"tools\"]}");
  assert_int_equal(pt_model_info_set(&f->mi, "mistral:7b", f->tag, f->show, &err), PT_OK);
  assert_int_equal(pt_host_probe("tests/data/sysroot/amd-vm", &f->host, &err), PT_OK);
}

static void fixture_free(fixture *f) {
  cJSON_Delete(f->tag);
  cJSON_Delete(f->show);
  pt_model_info_free(&f->mi);
  pt_host_free(&f->host);
  pt_plan_free(&f->plan);
}

static pt_manifest_session session_of(const fixture *f, const char *run_id, const char *status,
                                      const char *version) {
  pt_manifest_session s = {
      .run_id = run_id, .status = status, .started_at = "2025-01-01T00:00:00.000Z",
      .ended_at = "2025-01-01T00:10:00.000Z", .boot_id = "b-1", .order = PT_MF_ORDER_RANDOM,
      .order_seed = 123456789, .endpoint_url = "http://127.0.0.1:11434",
      .endpoint_local = true, .ollama_version = version, .models = &f->mi, .n_models = 1,
      .host = &f->host, .ok = 25, .failed = 1, .warmup = 1};
  return s;
}

/* The shape the analyzer and --resume read (docs/collect.md "manifest.json"). */
static void test_manifest_shape(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  pt_manifest_session s = session_of(&f, "r1", "complete", "0.12.6");
  pt_manifest m = {.environment = "vm", .label = "VM (vfio)", .status = "complete",
                   .ended_at = "2025-01-01T00:10:00.000Z", .plan = &f.plan, .stream = true,
                   .order = PT_MF_ORDER_RANDOM, .sessions_planned = 1, .ok = 25, .failed = 1,
                   .warmup = 1, .current = &s};
  cJSON *j = pt_manifest_to_json(&m);
  assert_non_null(j);
  assert_int_equal(pt_manifest_check(j, "x", NULL), PT_OK);
  assert_string_equal(pt_json_str(j, "schema"), "ptbench.manifest/1");
  assert_string_equal(pt_json_str(pt_json_get(j, "tool"), "name"), "ptbench");
  assert_string_equal(pt_json_str(pt_json_get(j, "tool"), "version"), PTBENCH_VERSION);
  assert_string_equal(pt_mf_environment(j), "vm");
  assert_string_equal(pt_mf_label(j), "VM (vfio)");
  assert_string_equal(pt_mf_status(j), "complete");
  assert_true(pt_json_bool(pt_json_get(j, "endpoint"), "local", false));
  assert_string_equal(pt_mf_ollama_version(j), "0.12.6");
  const cJSON *o = pt_mf_options(j);
  assert_int_equal(pt_json_int(o, "seed", -1), 42);
  assert_int_equal(pt_json_int(o, "temperature", -1), 0);
  assert_int_equal(pt_json_int(o, "num_predict", -1), 256);
  assert_int_equal(pt_json_int(o, "num_ctx", -1), 4096);
  assert_string_equal(pt_json_str(o, "keep_alive"), "5m");
  assert_true(pt_json_bool(o, "stream", false));
  cJSON *m0 = cJSON_GetArrayItem(pt_mf_models(j), 0);
  assert_string_equal(pt_json_str(m0, "name"), "mistral:7b");
  assert_string_equal(pt_json_str(m0, "digest"), "abc");
  assert_string_equal(pt_json_str(m0, "family"), "llama");
  assert_string_equal(pt_json_str(m0, "parameter_size"), "7.2B");
  assert_string_equal(pt_json_str(m0, "quantization_level"), "Q4_0");
  assert_int_equal(cJSON_GetArraySize(pt_json_get(m0, "capabilities")), 2);
  assert_true(pt_mf_host_virtualized(pt_mf_host(j), NULL));
  cJSON *t = pt_json_get(j, "trials");
  assert_int_equal(pt_json_int(t, "ok", -1), 25);
  assert_int_equal(pt_json_int(t, "failed", -1), 1);
  assert_int_equal(pt_json_int(t, "warmup", -1), 1);
  assert_non_null(pt_json_get(pt_mf_plan(j), "prompts"));
  assert_string_equal(pt_mf_order(j), "random");
  assert_int_equal(pt_mf_sessions_planned(j), 1);

  /* the session, and the top level's copies of it */
  assert_int_equal(pt_mf_session_count(j), 1);
  const cJSON *s0 = pt_mf_session(j, 0);
  assert_ptr_not_equal(s0, j);
  assert_null(pt_mf_session(j, 1));
  assert_string_equal(pt_mf_run_id(s0), "r1");
  assert_string_equal(pt_mf_run_id(j), "r1");
  assert_string_equal(pt_mf_boot_id(s0), "b-1");
  assert_string_equal(pt_mf_started_at(j), "2025-01-01T00:00:00.000Z");
  assert_string_equal(pt_mf_model_digest(s0, "mistral:7b"), "abc");
  assert_null(pt_mf_model_digest(s0, "other:1b"));
  uint64_t seed = 0;
  assert_true(pt_mf_order_seed(s0, &seed));
  assert_int_equal(seed, 123456789);
  assert_true(cJSON_Compare(pt_mf_host(s0), pt_mf_host(j), true));
  assert_non_null(pt_mf_primary_gpu(pt_mf_host(j)));
  assert_int_equal(cJSON_GetArraySize(pt_json_get(s0, "skipped_models")), 0);
  assert_true(cJSON_IsNull(pt_json_get(s0, "unload")));

  /* written, then loaded */
  char dir[] = "/tmp/ptbench-manifest-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char *path = pt_path_join(dir, "manifest.json");
  pt_error err;
  pt_error_clear(&err);
  assert_null(pt_manifest_load(path, &err));
  assert_int_equal(err.code, PT_ENOTFOUND);
  assert_int_equal(pt_manifest_write(path, &m, &err), PT_OK);
  cJSON *back = pt_manifest_load(path, &err);
  assert_non_null(back);
  assert_true(cJSON_Compare(back, j, true));
  cJSON_Delete(back);
  FILE *fp = fopen(path, "w");
  fputs("{\"schema\":\"other\"}", fp);
  fclose(fp);
  assert_null(pt_manifest_load(path, &err));
  assert_int_equal(err.code, PT_ESCHEMA);
  fp = fopen(path, "w");
  fputs("{\"schema\":", fp);
  fclose(fp);
  assert_null(pt_manifest_load(path, &err));
  assert_int_equal(err.code, PT_EPARSE);
  pt_remove_tree(dir);
  free(path);
  cJSON_Delete(j);
  fixture_free(&f);
}

/* Two sessions: the earlier one as JSON, the current one live; the top
 * level copies the first, the run's status is the one given. */
static void test_manifest_sessions(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f);
  pt_manifest_session s1 = session_of(&f, "r1", "complete", "0.12.6");
  cJSON *sessions = cJSON_CreateArray();
  cJSON_AddItemToArray(sessions, pt_manifest_session_json(&s1));
  pt_manifest_session s2 = session_of(&f, "r2", "running", "0.12.7");
  s2.ended_at = NULL;
  s2.boot_id = "b-2";
  s2.ok = 3;
  cJSON *unload = cJSON_Parse("{\"models\":[\"mistral:7b\"],\"wait_s\":0.3,\"still_loaded\":[]}");
  s2.unload = unload;
  pt_manifest m = {.environment = "vm", .status = "running", .plan = &f.plan, .stream = true,
                   .order = PT_MF_ORDER_RANDOM, .sessions_planned = 3, .ok = 28,
                   .sessions = sessions, .current = &s2};
  cJSON *j = pt_manifest_to_json(&m);
  assert_non_null(j);
  assert_int_equal(pt_mf_session_count(j), 2);
  assert_string_equal(pt_mf_run_id(j), "r1");
  assert_string_equal(pt_mf_ollama_version(j), "0.12.6");  /* the first session's */
  assert_string_equal(pt_mf_run_id(pt_mf_session(j, 1)), "r2");
  assert_string_equal(pt_mf_status(pt_mf_session(j, 1)), "running");
  assert_string_equal(pt_mf_boot_id(pt_mf_session(j, 1)), "b-2");
  assert_string_equal(pt_mf_ollama_version(pt_mf_session(j, 1)), "0.12.7");
  assert_null(pt_mf_ended_at(pt_mf_session(j, 1)));
  assert_null(pt_mf_ended_at(j));
  assert_string_equal(pt_mf_status(j), "running");
  assert_int_equal(pt_mf_sessions_planned(j), 3);
  assert_true(cJSON_Compare(pt_json_get(pt_mf_session(j, 1), "unload"), unload, true));
  pt_mf_facts facts = pt_mf_facts_of(j);
  assert_string_equal(facts.ollama_version, "0.12.6");
  assert_ptr_equal(facts.host, pt_mf_host(pt_mf_session(j, 0)));
  /* a fixed order has no seed */
  s2.order = PT_MF_ORDER_FIXED;
  cJSON *fixed = pt_manifest_session_json(&s2);
  uint64_t seed;
  assert_false(pt_mf_order_seed(fixed, &seed));
  assert_string_equal(pt_json_str(pt_json_get(fixed, "order"), "mode"), "fixed");
  cJSON_Delete(fixed);
  cJSON_Delete(j);
  cJSON_Delete(unload);
  cJSON_Delete(sessions);
  fixture_free(&f);
}

/* A manifest written before sessions (ptbench before this version) is one
 * session: its top level. */
static void test_manifest_before_sessions(void **state) {
  (void)state;
  cJSON *m = cJSON_Parse(
      "{\"schema\":\"ptbench.manifest/1\",\"run_id\":\"old-1\",\"environment\":\"vm\","
      "\"label\":null,\"status\":\"interrupted\",\"started_at\":\"2025-01-01T00:00:00.000Z\","
      "\"ended_at\":\"2025-01-01T00:01:00.000Z\",\"ollama\":{\"version\":\"0.11.0\"},"
      "\"models\":[{\"name\":\"m:1b\",\"digest\":\"d1\"}],"
      "\"host\":{\"hostname\":\"h\",\"virtualization\":{\"detected\":false}}}");
  assert_non_null(m);
  assert_int_equal(pt_manifest_check(m, NULL, NULL), PT_OK);
  assert_int_equal(pt_mf_session_count(m), 1);
  assert_ptr_equal(pt_mf_session(m, 0), m);
  assert_int_equal(pt_mf_sessions_planned(m), 1);
  assert_string_equal(pt_mf_run_id(pt_mf_session(m, 0)), "old-1");
  assert_string_equal(pt_mf_status(pt_mf_session(m, 0)), "interrupted");
  assert_null(pt_mf_boot_id(pt_mf_session(m, 0)));
  assert_null(pt_mf_order(m));
  assert_string_equal(pt_mf_model_digest(m, "m:1b"), "d1");
  pt_mf_facts facts = pt_mf_facts_of(m);
  assert_string_equal(facts.ollama_version, "0.11.0");
  bool known = false;
  assert_false(pt_mf_host_virtualized(facts.host, &known));
  assert_true(known);
  cJSON_Delete(m);
}

/* data/article's manifests: published facts, no probe. */
static void test_manifest_published(void **state) {
  (void)state;
  pt_error err;
  pt_error_clear(&err);
  cJSON *m = pt_manifest_load("data/article/vm/manifest.json", &err);
  assert_non_null(m);
  pt_mf_facts f = pt_mf_facts_of(m);
  assert_string_equal(f.gpu_model, "AMD Radeon RX 9060 XT");
  assert_string_equal(f.gpu_vram, "16GB");
  assert_string_equal(f.passthrough, "vfio-pci");
  assert_string_equal(f.rocm, "6.4.1");
  assert_string_equal(f.runtime, "Ollama");
  assert_string_equal(pt_json_str(f.host, PT_MF_HYPERVISOR_HOST), "Sbnb Linux");
  assert_true(pt_mf_host_virtualized(f.host, NULL));
  assert_null(f.ollama_version);
  assert_int_equal(pt_json_int(pt_mf_source(m), "prompts", -1), 5);
  assert_string_equal(pt_mf_label(m), "VM w/ GPU Passthrough");
  cJSON_Delete(m);
}

/* Every accessor takes NULL and the wrong types. */
static void test_manifest_accessors_lenient(void **state) {
  (void)state;
  cJSON *num = cJSON_CreateNumber(1);
  const cJSON *bad[] = {NULL, num};
  for (size_t i = 0; i < 2; i++) {
    const cJSON *x = bad[i];
    assert_null(pt_mf_environment(x));
    assert_null(pt_mf_label(x));
    assert_null(pt_mf_options(x));
    assert_int_equal(pt_mf_session_count(x), 0);
    assert_null(pt_mf_session(x, 0));
    assert_null(pt_mf_host(x));
    assert_null(pt_mf_primary_gpu(x));
    assert_null(pt_mf_model_digest(x, "m"));
    pt_mf_facts f = pt_mf_facts_of(x);
    assert_null(f.host);
    assert_null(f.ollama_version);
    assert_int_equal(pt_manifest_check(x, NULL, NULL), PT_ESCHEMA);
  }
  cJSON *bad_sessions = cJSON_Parse("{\"sessions\":[1,{\"run_id\":\"x\"}]}");
  assert_int_equal(pt_mf_session_count(bad_sessions), 2);
  assert_null(pt_mf_session(bad_sessions, 0));
  assert_string_equal(pt_mf_run_id(pt_mf_session(bad_sessions, 1)), "x");
  cJSON_Delete(bad_sessions);
  cJSON_Delete(num);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_manifest_shape),
      cmocka_unit_test(test_manifest_sessions),
      cmocka_unit_test(test_manifest_before_sessions),
      cmocka_unit_test(test_manifest_published),
      cmocka_unit_test(test_manifest_accessors_lenient),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
