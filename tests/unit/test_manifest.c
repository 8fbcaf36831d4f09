/* tests/unit/test_manifest.c - the host probe over fake /proc + /sys trees
 * (collect/probe.h) and the manifest's JSON shape (collect/manifest.h).
 * tests/data/sysroot-vm is a QEMU guest with an AMD GPU passed through; the
 * other trees are built here, one case each. Expected values are the
 * contents written into those trees. */
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

static void test_probe_vm_tree(void **state) {
  pt_host h;
  pt_error err;
  pt_error_clear(&err);
  assert_int_equal(pt_host_probe("tests/data/sysroot-vm", &h, &err), PT_OK);
  assert_string_equal(h.hostname, "ai-vm");
  assert_string_equal(h.kernel, "Linux 6.8.0-45-generic");
  assert_string_equal(h.cpu_model, "AMD Ryzen 7 7700 8-Core Processor");
  assert_int_equal(h.memory_bytes, INT64_C(32858112) * 1024);
  assert_true(h.virt_detected);
  assert_true(h.hypervisor_flag);
  assert_string_equal(h.dmi_vendor, "QEMU");
  assert_string_equal(h.dmi_product, "Standard PC (Q35 + ICH9, 2009)");
  assert_string_equal(h.virt_by,
                      "cpuinfo hypervisor flag, DMI 'QEMU Standard PC (Q35 + ICH9, 2009)'");
  assert_int_equal(h.n_gpus, 2);
  assert_string_equal(h.gpus[0].card, "card0");
  assert_string_equal(h.gpus[0].pci_vendor, "0x1af4");
  assert_string_equal(h.gpus[0].driver, "virtio-pci");
  assert_int_equal(h.gpus[0].vram_bytes, -1);
  assert_string_equal(h.gpus[1].card, "card1");
  assert_string_equal(h.gpus[1].pci_vendor, "0x1002");
  assert_string_equal(h.gpus[1].pci_device, "0x7590");
  assert_string_equal(h.gpus[1].driver, "amdgpu");
  assert_int_equal(h.gpus[1].vram_bytes, INT64_C(17163091968));
  cJSON *j = pt_host_to_json(&h);
  cJSON *v = pt_json_get(j, "virtualization");
  assert_true(pt_json_bool(v, "detected", false));
  assert_int_equal(cJSON_GetArraySize(pt_json_get(j, "gpus")), 2);
  cJSON_Delete(j);
  pt_host_free(&h);
}

/* A tree under a temporary directory. */
static char root[64];

static void put(const char *rel, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  char *slash = strrchr(path, '/');
  *slash = '\0';
  assert_int_equal(pt_mkdir_p(path, NULL), PT_OK);
  *slash = '/';
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
}

static void make_root(void) {
  snprintf(root, sizeof root, "/tmp/ptbench-sysroot-XXXXXX");
  assert_non_null(mkdtemp(root));
}

static void test_probe_bare_metal(void **state) {
  make_root();
  put("proc/cpuinfo", "processor\t: 0\nmodel name\t: AMD Ryzen 7 7700\nflags\t\t: fpu sse2 svm\n");
  put("proc/meminfo", "MemTotal:        1024 kB\n");
  put("sys/class/dmi/id/sys_vendor", "Micro-Star International Co., Ltd.\n");
  put("sys/class/dmi/id/product_name", "MS-7E26\n");
  put("sys/class/drm/card0/device/vendor", "0x1002\n");
  put("sys/class/drm/card0/device/mem_info_vram_total", "17163091968\n");
  pt_host h;
  pt_error err;
  pt_error_clear(&err);
  assert_int_equal(pt_host_probe(root, &h, &err), PT_OK);
  assert_false(h.virt_detected);
  assert_false(h.hypervisor_flag);
  assert_null(h.virt_by);
  assert_null(h.hostname); /* no proc/sys/kernel in this tree */
  assert_null(h.kernel);
  assert_int_equal(h.memory_bytes, 1024 * 1024);
  assert_int_equal(h.n_gpus, 1);
  assert_null(h.gpus[0].driver);
  assert_null(h.gpus[0].pci_device);
  cJSON *j = pt_host_to_json(&h);
  assert_true(cJSON_IsNull(pt_json_get(j, "hostname")));
  assert_true(cJSON_IsNull(pt_json_get(pt_json_get(j, "virtualization"), "by")));
  cJSON_Delete(j);
  pt_host_free(&h);
  pt_remove_tree(root);
}

/* The guest hides the hypervisor CPUID bit (kvm=off), DMI still tells. */
static void test_probe_dmi_only(void **state) {
  make_root();
  put("proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu sse2\n");
  put("sys/class/dmi/id/sys_vendor", "innotek GmbH\n");
  put("sys/class/dmi/id/product_name", "VirtualBox\n");
  pt_host h;
  assert_int_equal(pt_host_probe(root, &h, NULL), PT_OK);
  assert_true(h.virt_detected);
  assert_false(h.hypervisor_flag);
  assert_string_equal(h.virt_by, "DMI 'innotek GmbH VirtualBox'");
  assert_null(h.cpu_model);
  assert_int_equal(h.memory_bytes, -1);
  assert_int_equal(h.n_gpus, 0);
  pt_host_free(&h);
  pt_remove_tree(root);
}

static void test_probe_empty_root(void **state) {
  pt_host h;
  assert_int_equal(pt_host_probe("/nonexistent-ptbench-root", &h, NULL), PT_OK);
  assert_false(h.virt_detected);
  assert_null(h.cpu_model);
  pt_host_free(&h);
}

static void test_probe_real_machine(void **state) {
  pt_host h;
  assert_int_equal(pt_host_probe(NULL, &h, NULL), PT_OK);
  assert_non_null(h.hostname); /* gethostname and uname always answer */
  assert_non_null(h.kernel);
  pt_host_free(&h);
}

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
  assert_int_equal(pt_host_probe("tests/data/sysroot-vm", &h, &err), PT_OK);
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
      cmocka_unit_test(test_probe_vm_tree),
      cmocka_unit_test(test_probe_bare_metal),
      cmocka_unit_test(test_probe_dmi_only),
      cmocka_unit_test(test_probe_empty_root),
      cmocka_unit_test(test_probe_real_machine),
      cmocka_unit_test(test_manifest_shape),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
