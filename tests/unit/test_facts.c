/* tests/unit/test_facts.c - warnings that explain a penalty
 * (analyze/facts.h).
 *
 * The whole-output cases compare the probe's host objects of the test
 * machines (tests/data/sysroot/expected/NAME.json, see that folder's README)
 * and check every warning line against expected/facts-*.txt; run with
 * PTBENCH_UPDATE_GOLDEN=1 to rewrite those after a deliberate change. The
 * table cases change one fact of a small host object each and say which
 * code must appear (or that none may). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/facts.h"
#include "core/buf.h"
#include "core/json.h"

#define EXPECTED "tests/data/sysroot/expected"

static cJSON *load(const char *name) {
  char path[256];
  snprintf(path, sizeof path, EXPECTED "/%s.json", name);
  pt_error err;
  cJSON *j = pt_json_read_file(path, 0, &err);
  assert_non_null(j);
  return j;
}

static void lines_of(const pt_fact_warnings *w, pt_buf *b) {
  for (size_t i = 0; i < w->n; i++) {
    assert_null(strchr(w->items[i].message, '\n'));  /* one line each */
    assert_int_equal(pt_buf_printf(b, "%s: %s\n", w->items[i].code, w->items[i].message), PT_OK);
  }
}

static void golden(const char *name, const pt_buf *got) {
  char path[256];
  snprintf(path, sizeof path, EXPECTED "/%s", name);
  if (getenv("PTBENCH_UPDATE_GOLDEN")) {
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(got->data, fp);
    fclose(fp);
  }
  pt_error err;
  FILE *fp = fopen(path, "rb");
  assert_non_null(fp);
  char want[8192];
  size_t n = fread(want, 1, sizeof want - 1, fp);
  fclose(fp);
  want[n] = '\0';
  (void)err;
  if (strcmp(want, got->data)) {
    fprintf(stderr, "facts differ from %s; got:\n%s", path, got->data);
    fail();
  }
}

/* Bare metal against the VM with the same card (the case): the
 * mean clocks and highest temperatures are what an analyzer would pass in
 * from the trials' gpu_clock_mhz and gpu_temp_c. */
static void test_amd_bare_metal_vs_vm(void **state) {
  cJSON *bm = load("amd-bare-metal"), *vm = load("amd-vm");
  pt_env_facts a = {"bare-metal", bm, "0.12.6", 2650, 84};
  pt_env_facts b = {"vm", vm, "0.12.6", 2530, 110};
  pt_fact_warnings w = {0};
  pt_error err;
  assert_int_equal(pt_facts_check(&a, &w, &err), PT_OK);
  assert_int_equal(pt_facts_compare(&a, &b, &w, &err), PT_OK);
  assert_int_equal(pt_facts_check(&b, &w, &err), PT_OK);
  pt_buf got = PT_BUF_INIT;
  lines_of(&w, &got);
  golden("facts-amd-bare-metal-vs-vm.txt", &got);
  /* the codes, independently of the wording */
  static const char *const codes[] = {"gpu-driver-mismatch", "pcie-link-mismatch",
                                      "resizable-bar-mismatch", "rocm-mismatch",
                                      "cpu-flags-mismatch", "gpu-clock-mismatch",
                                      "gpu-critical-temp"};
  assert_int_equal(w.n, sizeof codes / sizeof codes[0]);
  for (size_t i = 0; i < w.n; i++)
    assert_string_equal(w.items[i].code, codes[i]);
  /* same PCI ids, different database names: the same GPU */
  assert_non_null(strstr(got.data, "avx512f, avx512_vnni, avx512_bf16 missing on vm"));
  assert_non_null(strstr(got.data, "16 GT/s x16 on bare-metal, 2.5 GT/s x1 on vm"));
  pt_buf_free(&got);
  pt_fact_warnings_free(&w);
  cJSON_Delete(bm);
  cJSON_Delete(vm);
}

/* Two different machines: the GPU itself differs. */
static void test_nvidia_vs_amd(void **state) {
  cJSON *nv = load("nvidia-host"), *bm = load("amd-bare-metal");
  pt_env_facts a = {"nvidia", nv, "0.12.6", NAN, NAN};
  pt_env_facts b = {"amd", bm, "0.13.0", NAN, NAN};
  pt_fact_warnings w = {0};
  assert_int_equal(pt_facts_compare(&a, &b, &w, NULL), PT_OK);
  pt_buf got = PT_BUF_INIT;
  lines_of(&w, &got);
  golden("facts-nvidia-vs-amd.txt", &got);
  pt_buf_free(&got);
  pt_fact_warnings_free(&w);
  cJSON_Delete(nv);
  cJSON_Delete(bm);
}

/* ---------------------------------------------------------------- table */

/* A host whose one GPU and facts the cases change. */
static const char base_host[] =
    "{\"kernel_release\":\"6.14.0\",\"rocm_version\":\"6.4.1\",\"cuda_version\":null,"
    "\"governor\":\"performance\",\"virtualization\":{\"detected\":false},"
    "\"cpu_flags\":{\"avx\":true,\"avx2\":true,\"avx512f\":true},"
    "\"gpus\":[{\"pci_vendor\":\"0x1002\",\"pci_device\":\"0x7590\",\"name\":\"RX 9060 XT\","
    "\"driver\":\"amdgpu\",\"driver_version\":null,\"vram_bytes\":17163091968,\"primary\":true,"
    "\"pcie\":{\"path_max_speed_gts\":16,\"path_max_width\":16,\"path_max\":\"16 GT/s x16\"},"
    "\"resizable_bar\":true,\"largest_prefetchable_bar_bytes\":17179869184,"
    "\"temp_crit_c\":110,\"temp_sensor\":\"junction\"}]}";

typedef struct fact_case {
  const char *name;
  const char *path;   /* "gpus/0/driver" or "governor": the fact to change in B */
  const char *json;   /* its new value in B, as JSON */
  double clock_a, clock_b;
  const char *code;   /* the one warning expected; NULL = none */
  const char *text;   /* a part of its message */
} fact_case;

/* The object holding the last component of path ("gpus/0/driver"), whose
 * name goes to last. */
static cJSON *at(cJSON *root, const char *path, char *last, size_t size) {
  cJSON *o = root;
  for (;;) {
    size_t n = strcspn(path, "/");
    snprintf(last, size, "%.*s", (int)n, path);
    if (!path[n])
      return o;
    o = (*last >= '0' && *last <= '9') ? cJSON_GetArrayItem(o, (int)strtol(last, NULL, 10))
                                       : cJSON_GetObjectItemCaseSensitive(o, last);
    path += n + 1;
  }
}

static void test_table(void **state) {
  static const fact_case cases[] = {
      {"nothing differs", NULL, NULL, NAN, NAN, NULL, NULL},
      {"GPU model", "gpus/0/pci_device", "\"0x7550\"", NAN, NAN, "gpu-mismatch",
       "RX 9060 XT (1002:7590) on A, RX 9060 XT (1002:7550) on B"},
      {"GPU name only, same ids", "gpus/0/name", "\"Device 7590\"", NAN, NAN, NULL, NULL},
      {"driver", "gpus/0/driver", "\"vfio-pci\"", NAN, NAN, "gpu-driver-mismatch",
       "GPU driver: amdgpu on A, vfio-pci on B"},
      {"driver version", "gpus/0/driver_version", "\"6.12.12\"", NAN, NAN, NULL, NULL},
      {"in-kernel driver, other kernel", "kernel_release", "\"6.8.0\"", NAN, NAN,
       "gpu-driver-mismatch", "is part of the kernel: 6.14.0 on A, 6.8.0 on B"},
      {"PCIe speed", "gpus/0/pcie/path_max_speed_gts", "8", NAN, NAN, "pcie-link-mismatch",
       "PCIe link to the GPU"},
      {"PCIe width", "gpus/0/pcie/path_max_width", "4", NAN, NAN, "pcie-link-mismatch", NULL},
      {"PCIe unknown on B", "gpus/0/pcie/path_max_speed_gts", "null", NAN, NAN, NULL, NULL},
      {"Resizable BAR off", "gpus/0/resizable_bar", "false", NAN, NAN,
       "resizable-bar-mismatch", "on for A, off for B, a 16384 MiB window"},
      {"Resizable BAR unknown", "gpus/0/resizable_bar", "null", NAN, NAN, NULL, NULL},
      {"ROCm", "rocm_version", "\"6.2.0\"", NAN, NAN, "rocm-mismatch", "ROCm 6.4.1 on A, 6.2.0 on B"},
      {"ROCm absent on B", "rocm_version", "null", NAN, NAN, NULL, NULL},
      {"CUDA", "cuda_version", "\"12.4\"", NAN, NAN, NULL, NULL},
      {"CPU flag hidden", "cpu_flags/avx512f", "false", NAN, NAN, "cpu-flags-mismatch",
       "CPU flags avx512f missing on B (present on A)"},
      {"CPU flags unknown on B", "cpu_flags", "null", NAN, NAN, NULL, NULL},
      {"governor", "governor", "\"powersave\"", NAN, NAN, "governor-mismatch",
       "performance on A, powersave on B"},
      {"clock 2.0% lower: not enough", NULL, NULL, 2500, 2450, NULL, NULL},
      {"clock 2.1% lower", NULL, NULL, 2500, 2447.5, "gpu-clock-mismatch", "(-2.1%)"},
      {"clock 3% higher", NULL, NULL, 2000, 2060, "gpu-clock-mismatch", "(+3.0%)"},
      {"clock unknown on A", NULL, NULL, NAN, 2000, NULL, NULL},
      {"no primary mark: most VRAM", "gpus/0/primary", "false", NAN, NAN, NULL, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const fact_case *c = &cases[i];
    cJSON *ha = cJSON_Parse(base_host), *hb = cJSON_Parse(base_host);
    assert_non_null(ha);
    if (c->path) {
      char key[64];
      cJSON *parent = at(hb, c->path, key, sizeof key), *v = cJSON_Parse(c->json);
      assert_non_null(parent);
      assert_non_null(v);
      assert_true(cJSON_ReplaceItemInObjectCaseSensitive(parent, key, v));
    }
    pt_env_facts a = {"A", ha, "0.12.6", c->clock_a, NAN};
    pt_env_facts b = {"B", hb, "0.12.6", c->clock_b, NAN};
    pt_fact_warnings w = {0};
    assert_int_equal(pt_facts_compare(&a, &b, &w, NULL), PT_OK);
    if (!c->code) {
      if (w.n) {
        fprintf(stderr, "case '%s': unexpected %s: %s\n", c->name, w.items[0].code,
                w.items[0].message);
        fail();
      }
    } else {
      if (w.n != 1 || strcmp(w.items[0].code, c->code) ||
          (c->text && !strstr(w.items[0].message, c->text))) {
        fprintf(stderr, "case '%s': want one %s with '%s', got %zu: %s: %s\n", c->name,
                c->code, c->text ? c->text : "", w.n, w.n ? w.items[0].code : "",
                w.n ? w.items[0].message : "");
        fail();
      }
    }
    pt_fact_warnings_free(&w);
    cJSON_Delete(ha);
    cJSON_Delete(hb);
  }
}

static void test_versions_and_unknowns(void **state) {
  pt_env_facts a = {"A", NULL, "0.12.6", NAN, NAN};
  pt_env_facts b = {"B", NULL, "0.13.0", NAN, NAN};
  pt_fact_warnings w = {0};
  assert_int_equal(pt_facts_compare(&a, &b, &w, NULL), PT_OK);
  assert_int_equal(w.n, 1);
  assert_string_equal(w.items[0].code, "version-mismatch");
  assert_string_equal(w.items[0].message,
                      "Ollama 0.13.0 on B but 0.12.6 on A; another Ollama (and the llama.cpp "
                      "inside it) can change the speed by itself");
  pt_fact_warnings_free(&w);
  b.ollama_version = NULL;  /* an imported run: nothing to compare */
  assert_int_equal(pt_facts_compare(&a, &b, &w, NULL), PT_OK);
  assert_int_equal(w.n, 0);
  cJSON *empty = cJSON_CreateObject();
  a.host = b.host = empty;  /* an old manifest's host: no facts */
  assert_int_equal(pt_facts_compare(&a, &b, &w, NULL), PT_OK);
  assert_int_equal(w.n, 0);
  assert_null(pt_facts_primary_gpu(empty));
  cJSON_Delete(empty);
  pt_fact_warnings_free(&w);
}

static void test_critical_temp(void **state) {
  cJSON *h = cJSON_Parse(base_host);
  static const struct {
    double temp;
    bool warn;
  } cases[] = {{109.9, false}, {110, true}, {112, true}, {NAN, false}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pt_env_facts e = {"vm", h, NULL, NAN, cases[i].temp};
    pt_fact_warnings w = {0};
    assert_int_equal(pt_facts_check(&e, &w, NULL), PT_OK);
    assert_int_equal(w.n, cases[i].warn ? 1 : 0);
    if (cases[i].warn)
      assert_string_equal(w.items[0].code, "gpu-critical-temp");
    pt_fact_warnings_free(&w);
  }
  pt_env_facts e = {"vm", NULL, NULL, NAN, 150};  /* no facts: no critical temperature */
  pt_fact_warnings w = {0};
  assert_int_equal(pt_facts_check(&e, &w, NULL), PT_OK);
  assert_int_equal(w.n, 0);
  cJSON_Delete(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_amd_bare_metal_vs_vm),
      cmocka_unit_test(test_nvidia_vs_amd),
      cmocka_unit_test(test_table),
      cmocka_unit_test(test_versions_and_unknowns),
      cmocka_unit_test(test_critical_temp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
