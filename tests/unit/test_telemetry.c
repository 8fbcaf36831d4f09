/* tests/unit/test_telemetry.c - the GPU sampler (collect/telemetry.h)
 * against a fake amdgpu hwmon tree whose values a test thread changes
 * during a trial, and against the fake nvidia-smi of
 * tests/data/sysroot/nvidia-host.
 *
 * Reference values: the units of the kernel's hwmon ABI
 * (Documentation/hwmon/sysfs-interface.rst: freqN_input in Hz, tempN_input
 * in millidegrees Celsius, powerN_average in microwatts) and amdgpu's
 * gpu_busy_percent (a percentage): 2450000000 Hz is 2450 MHz, 61000 is
 * 61 °C, 145000000 µW is 145 W. The sampling rates are high (50 Hz) and the
 * trials long (hundreds of ms) so that every phase of a trial is sampled
 * many times; checks on means of changing values are bounds, not equalities.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect/probe.h"
#include "collect/telemetry.h"
#include "core/fs.h"
#include "core/json.h"
#include "sysfs_tree.h"

#define DEV "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0"
#define HW DEV "/hwmon/hwmon2"

/* shader clock MHz, memory clock MHz, temperature °C, power W, load % */
static void set_values(double sclk, double mclk, double temp, double power, double busy) {
  char v[64];
  snprintf(v, sizeof v, "%.0f\n", sclk * 1e6);
  put(HW "/freq1_input", v);
  snprintf(v, sizeof v, "%.0f\n", mclk * 1e6);
  put(HW "/freq2_input", v);
  snprintf(v, sizeof v, "%.0f\n", temp * 1000);
  put(HW "/temp2_input", v);
  snprintf(v, sizeof v, "%.0f\n", power * 1e6);
  put(HW "/power1_average", v);
  snprintf(v, sizeof v, "%.0f\n", busy);
  put(DEV "/gpu_busy_percent", v);
}

/* An amdgpu card with hwmon, probed; telemetry opened at hz. */
static void make_amd(pt_host *h, pt_telemetry **t, double hz) {
  snprintf(root, sizeof root, "/tmp/ptbench-telemetry-XXXXXX");
  assert_non_null(mkdtemp(root));
  put(DEV "/vendor", "0x1002\n");
  put(DEV "/device", "0x7590\n");
  put(DEV "/mem_info_vram_total", "17163091968\n");
  put(HW "/name", "amdgpu\n");
  put(HW "/temp1_input", "40000\n");
  put(HW "/temp1_label", "edge\n");
  put(HW "/temp2_label", "junction\n");
  put(HW "/temp2_crit", "110000\n");
  set_values(2450, 1258, 61, 145, 97);
  put("sys/bus/pci/drivers/amdgpu/.keep", "");
  put_link(DEV "/driver", "../../../../bus/pci/drivers/amdgpu");
  put_link(DEV "/drm/card0/device", "../../../0000:01:00.0");
  put_link("sys/class/drm/card0", "../../devices/pci0000:00/0000:00:01.0/0000:01:00.0/drm/card0");
  assert_int_equal(pt_host_probe(root, h, NULL), PT_OK);
  assert_string_equal(pt_host_primary_gpu(h)->temp_sensor, "junction");
  pt_telemetry_cfg cfg = {.root = root, .rate_hz = hz, .endpoint_local = true};
  assert_int_equal(pt_telemetry_open(&cfg, h, t, NULL), PT_OK);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

/* One trial of ms milliseconds: its statistics into s. */
static void trial(pt_telemetry *t, int ms, pt_gpu_stats *s) {
  pt_telemetry_begin(t);
  sleep_ms(ms);
  pt_telemetry_end(t, s);
}

/* Close the sampler, free the host, remove the sysroot. */
static void finish(pt_host *h, pt_telemetry *t) {
  pt_telemetry_close(t);
  pt_host_free(h);
  pt_remove_tree(root);
}

static void test_units(void **state) {
  pt_host h;
  pt_telemetry *t;
  make_amd(&h, &t, 50);
  pt_telemetry_info info;
  pt_telemetry_get_info(t, &info);
  assert_true(info.enabled);
  assert_string_equal(info.source, "amdgpu hwmon (card0, 0000:01:00.0)");
  pt_telemetry_begin(t);
  sleep_ms(200);
  pt_gpu_stats s;
  pt_telemetry_end(t, &s);
  assert_true(s.samples >= 3);
  assert_true(s.clock_mhz == 2450.0);
  assert_true(s.mem_clock_mhz == 1258.0);
  assert_true(s.temp_c == 61.0);       /* the junction sensor, not edge's 40 */
  assert_true(s.temp_mean_c == 61.0);
  assert_true(s.power_w == 145.0);
  assert_true(s.busy_pct == 97.0);
  char w[600];
  assert_false(pt_telemetry_warning(t, w, sizeof w));
  pt_telemetry_get_info(t, &info);
  assert_int_equal(info.samples, s.samples);
  assert_true(info.sampled_s >= 0.2 && info.sampled_s < 5);
  assert_true(info.cpu_s >= 0);
  cJSON *j = pt_telemetry_info_json(&info);
  assert_true(pt_json_bool(j, "enabled", false));
  assert_string_equal(pt_json_str(j, "source"), "amdgpu hwmon (card0, 0000:01:00.0)");
  assert_true(pt_json_num(j, "rate_hz") == 50);
  assert_true(cJSON_IsNull(pt_json_get(j, "reason")));
  cJSON_Delete(j);
  finish(&h, t);
}

/* A test thread changes every value halfway through the trial. */
static void *writer(void *arg) {
  (void)arg;
  sleep_ms(300);
  set_values(2000, 1258, 80, 200, 80);
  return NULL;
}

static void test_values_change(void **state) {
  pt_host h;
  pt_telemetry *t;
  make_amd(&h, &t, 50);
  set_values(1000, 1258, 50, 100, 20);
  pthread_t th;
  pt_telemetry_begin(t);
  assert_int_equal(pthread_create(&th, NULL, writer, NULL), 0);
  sleep_ms(600);
  pthread_join(th, NULL);
  pt_gpu_stats s;
  pt_telemetry_end(t, &s);
  assert_true(s.samples >= 10);
  /* both phases were sampled: the mean lies strictly between them */
  assert_true(s.clock_mhz > 1000 && s.clock_mhz < 2000);
  assert_true(s.power_w > 100 && s.power_w < 200);
  assert_true(s.busy_pct > 20 && s.busy_pct < 80);
  assert_true(s.temp_mean_c > 50 && s.temp_mean_c < 80);
  assert_true(s.temp_c == 80.0);  /* the highest */
  assert_true(s.mem_clock_mhz == 1258.0);

  /* the next trial starts afresh */
  trial(t, 100, &s);
  assert_true(s.clock_mhz == 2000.0 && s.temp_c == 80.0);
  finish(&h, t);
}

/* The GPU disappears mid-run: missing values, one warning, no crash. */
static void test_gpu_gone(void **state) {
  pt_host h;
  pt_telemetry *t;
  make_amd(&h, &t, 50);
  pt_gpu_stats s;
  trial(t, 100, &s);
  assert_true(s.clock_mhz == 2450.0);
  char dev[512], gone[520];
  snprintf(dev, sizeof dev, "%s/" DEV, root);
  snprintf(gone, sizeof gone, "%s.removed", dev);
  pt_telemetry_begin(t);
  sleep_ms(100);
  assert_int_equal(rename(dev, gone), 0);  /* off the bus, mid-trial */
  sleep_ms(100);
  pt_telemetry_end(t, &s);
  assert_true(s.clock_mhz == 2450.0);  /* what was read before */
  char w[1200], all[2600], want[1200];
  assert_true(pt_telemetry_warning(t, w, sizeof w));
  snprintf(all, sizeof all, "%s", w);
  for (int i = 0; i < 3; i++) {
    trial(t, 60, &s);
    assert_true(isnan(s.clock_mhz) && isnan(s.temp_c) && isnan(s.power_w) &&
                isnan(s.busy_pct));
    assert_int_equal(s.samples, 0);
    if (pt_telemetry_warning(t, w, sizeof w))
      snprintf(all + strlen(all), sizeof all - strlen(all), "; %s", w);
  }
  /* every metric fails in one sample: one warning, naming the first file
   * read (freq1_input) and every metric. Only when the rename lands between
   * two reads of one sample do the metrics read after it go first, in a
   * warning of their own, and the rest in the GPU-gone one. */
  snprintf(want, sizeof want,
           "GPU telemetry: cannot read %s/" HW "/freq1_input (No such file or directory); the "
           "GPU may be gone: its clock, memory clock, temperature, power and load are missing "
           "from here on", root);
  if (strcmp(all, want) && !(strstr(all, "are still recorded; GPU telemetry: cannot read ") &&
                             strstr(all, "; the GPU may be gone: its ")))
    fail_msg("warnings: %s", all);
  assert_false(pt_telemetry_warning(t, w, sizeof w));  /* nothing more */
  finish(&h, t);
}

/* Only gpu_busy_percent goes away (QA finding: the warning said "its
 * values are missing from here on" while clock, temperature and power went
 * on being recorded): the warning names the load alone and says what is
 * still recorded, and the other metrics keep their values. */
static void test_one_metric_gone(void **state) {
  pt_host h;
  pt_telemetry *t;
  make_amd(&h, &t, 50);
  pt_gpu_stats s;
  trial(t, 100, &s);
  assert_true(s.busy_pct == 97.0);
  char busy[512];
  snprintf(busy, sizeof busy, "%s/" DEV "/gpu_busy_percent", root);
  assert_int_equal(unlink(busy), 0);
  trial(t, 150, &s);
  char w[1200], want[1200];
  assert_true(pt_telemetry_warning(t, w, sizeof w));
  snprintf(want, sizeof want,
           "GPU telemetry: cannot read %s (No such file or directory): the GPU's load is "
           "missing from here on; its clock, memory clock, temperature and power are still "
           "recorded", busy);
  assert_string_equal(w, want);
  trial(t, 100, &s);
  assert_true(isnan(s.busy_pct));
  assert_true(s.clock_mhz == 2450.0 && s.temp_c == 61.0 && s.power_w == 145.0);
  assert_false(pt_telemetry_warning(t, w, sizeof w));  /* said once */

  /* then the power file too: a warning of its own */
  char power[512];
  snprintf(power, sizeof power, "%s/" HW "/power1_average", root);
  assert_int_equal(unlink(power), 0);
  trial(t, 150, &s);
  assert_true(pt_telemetry_warning(t, w, sizeof w));
  snprintf(want, sizeof want,
           "GPU telemetry: cannot read %s (No such file or directory): the GPU's power is "
           "missing from here on; its clock, memory clock and temperature are still recorded",
           power);
  assert_string_equal(w, want);
  assert_true(isnan(s.power_w) && s.clock_mhz == 2450.0);
  finish(&h, t);
}

/* A trial shorter than the sampling period still gets a sample. */
static void test_short_trial(void **state) {
  pt_host h;
  pt_telemetry *t;
  make_amd(&h, &t, 0.1);
  pt_gpu_stats s;
  for (int i = 0; i < 20; i++) {
    pt_telemetry_begin(t);
    pt_telemetry_end(t, &s);
    assert_true(s.samples >= 1);
    assert_true(s.clock_mhz == 2450.0);
  }
  pt_gpu_stats none;
  pt_telemetry_end(t, &none);  /* end without begin: nothing */
  assert_true(isnan(none.clock_mhz));
  assert_int_equal(none.samples, 0);
  finish(&h, t);
}

/* Why telemetry is off, for each case the manifest must explain. */
static void test_off(void **state) {
  pt_host h;
  pt_telemetry *t;
  make_amd(&h, &t, 4);
  pt_telemetry_close(t);
  pt_host empty;
  assert_int_equal(pt_host_probe("/nonexistent-ptbench-root", &empty, NULL), PT_OK);
  static const struct {
    bool disabled, local, empty_host;
    const char *reason;
  } cases[] = {
      {true, true, false, "turned off with --no-telemetry"},
      {false, false, false, "the Ollama endpoint http://gpu-box:11434 is not on this machine: "
                            "the GPU doing the work cannot be sampled from here"},
      {false, true, true, "no GPU found to sample"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pt_telemetry_cfg cfg = {.root = root, .disabled = cases[i].disabled,
                            .endpoint_local = cases[i].local,
                            .endpoint_url = "http://gpu-box:11434"};
    assert_int_equal(pt_telemetry_open(&cfg, cases[i].empty_host ? &empty : &h, &t, NULL), PT_OK);
    pt_telemetry_info info;
    pt_telemetry_get_info(t, &info);
    assert_false(info.enabled);
    assert_string_equal(info.reason, cases[i].reason);
    pt_telemetry_begin(t);
    pt_gpu_stats s;
    pt_telemetry_end(t, &s);
    assert_true(isnan(s.clock_mhz) && isnan(s.temp_c));
    cJSON *j = pt_telemetry_info_json(&info);
    assert_false(pt_json_bool(j, "enabled", true));
    assert_true(cJSON_IsNull(pt_json_get(j, "source")));
    assert_true(cJSON_IsNull(pt_json_get(j, "rate_hz")));
    assert_string_equal(pt_json_str(j, "reason"), cases[i].reason);
    cJSON_Delete(j);
    pt_telemetry_close(t);
  }
  /* a GPU whose driver has no source */
  free(h.gpus[0].driver);
  h.gpus[0].driver = strdup("virtio_gpu");
  pt_telemetry_cfg cfg = {.root = root, .endpoint_local = true};
  assert_int_equal(pt_telemetry_open(&cfg, &h, &t, NULL), PT_OK);
  pt_telemetry_info info;
  pt_telemetry_get_info(t, &info);
  assert_false(info.enabled);
  assert_string_equal(info.reason, "no telemetry source for the GPU 0000:01:00.0 (driver "
                                   "virtio_gpu): amdgpu hwmon and nvidia-smi are supported");
  pt_telemetry_close(t);
  pt_host_free(&empty);
  pt_host_free(&h);
  pt_remove_tree(root);
  pt_telemetry_close(NULL);
}

/* Many short trials back to back, as collect runs them. */
static void test_many_trials(void **state) {
  pt_host h;
  pt_telemetry *t;
  make_amd(&h, &t, 100);
  long total = 0;
  for (int i = 0; i < 300; i++) {
    pt_telemetry_begin(t);
    if (i % 50 == 0)
      sleep_ms(20);
    pt_gpu_stats s;
    pt_telemetry_end(t, &s);
    assert_true(s.samples >= 1);
    total += s.samples;
  }
  pt_telemetry_info info;
  pt_telemetry_get_info(t, &info);
  assert_int_equal(info.samples, total);
  finish(&h, t);
}

/* ---------------------------------------------------------------- nvidia */

static char *saved_path;
static char values[64];

static void nvidia_setup(pt_host *h) {
  const char *old = getenv("PATH");
  saved_path = strdup(old ? old : "/usr/bin:/bin");
  char cwd[1024], buf[8192];
  assert_non_null(getcwd(cwd, sizeof cwd));
  snprintf(buf, sizeof buf, "%s/tests/data/sysroot/nvidia-host/usr/bin:%s", cwd, saved_path);
  setenv("PATH", buf, 1);
  snprintf(values, sizeof values, "/tmp/ptbench-nvsmi-XXXXXX");
  int fd = mkstemp(values);
  assert_true(fd >= 0);
  close(fd);
  setenv("FAKE_NVSMI_VALUES", values, 1);
  assert_int_equal(pt_host_probe("tests/data/sysroot/nvidia-host", h, NULL), PT_OK);
}

static void nvidia_teardown(pt_host *h) {
  pt_host_free(h);
  unlink(values);
  unsetenv("FAKE_NVSMI_VALUES");
  unsetenv("FAKE_NVSMI_LINES");
  setenv("PATH", saved_path, 1);
  free(saved_path);
}

static void write_values(const char *v) {
  char tmp[80];
  snprintf(tmp, sizeof tmp, "%s.new", values);
  FILE *fp = fopen(tmp, "w");
  assert_non_null(fp);
  fputs(v, fp);
  fclose(fp);
  assert_int_equal(rename(tmp, values), 0);
}

static void test_nvidia(void **state) {
  pt_host h;
  nvidia_setup(&h);
  write_values("1800 9001 70 250.5 88\n");
  pt_telemetry_cfg cfg = {.root = "tests/data/sysroot/nvidia-host", .rate_hz = 20,
                          .endpoint_local = true};
  pt_telemetry *t;
  assert_int_equal(pt_telemetry_open(&cfg, &h, &t, NULL), PT_OK);
  pt_telemetry_info info;
  pt_telemetry_get_info(t, &info);
  assert_true(info.enabled);
  assert_string_equal(info.source, "nvidia-smi (0000:17:00.0)");
  sleep_ms(300);  /* nvidia-smi starts */
  pt_gpu_stats s;
  trial(t, 500, &s);
  assert_true(s.samples >= 3);
  assert_true(s.clock_mhz == 1800.0);
  assert_true(s.mem_clock_mhz == 9001.0);
  assert_true(s.temp_c == 70.0);
  assert_true(s.power_w == 250.5);
  assert_true(s.busy_pct == 88.0);

  write_values("2000 9001 75 300 90\n");
  sleep_ms(200);
  trial(t, 400, &s);
  assert_true(s.clock_mhz == 2000.0 && s.temp_c == 75.0 && s.power_w == 300.0);
  char w[600];
  assert_false(pt_telemetry_warning(t, w, sizeof w));
  pt_telemetry_close(t);
  nvidia_teardown(&h);
}

/* nvidia-smi exits after three samples, as when the GPU falls off the bus. */
static void test_nvidia_gone(void **state) {
  pt_host h;
  nvidia_setup(&h);
  write_values("1800 9001 70 250.5 88\n");
  setenv("FAKE_NVSMI_LINES", "3", 1);
  pt_telemetry_cfg cfg = {.root = "tests/data/sysroot/nvidia-host", .rate_hz = 20,
                          .endpoint_local = true};
  pt_telemetry *t;
  assert_int_equal(pt_telemetry_open(&cfg, &h, &t, NULL), PT_OK);
  sleep_ms(1000);
  char w[600];
  assert_true(pt_telemetry_warning(t, w, sizeof w));
  assert_string_equal(w, "GPU telemetry: nvidia-smi stopped answering; the GPU's values are "
                         "missing from here on");
  pt_gpu_stats s;
  trial(t, 200, &s);
  assert_true(isnan(s.clock_mhz));
  assert_int_equal(s.samples, 0);
  assert_false(pt_telemetry_warning(t, w, sizeof w));
  pt_telemetry_close(t);
  nvidia_teardown(&h);
}

/* No nvidia-smi on PATH: off, with the reason. */
static void test_nvidia_missing(void **state) {
  pt_host h;
  nvidia_setup(&h);
  setenv("PATH", "/nonexistent-ptbench", 1);
  pt_telemetry_cfg cfg = {.endpoint_local = true};
  pt_telemetry *t;
  assert_int_equal(pt_telemetry_open(&cfg, &h, &t, NULL), PT_OK);
  pt_telemetry_info info;
  pt_telemetry_get_info(t, &info);
  assert_false(info.enabled);
  assert_string_equal(info.reason, "an NVIDIA GPU, but nvidia-smi cannot be run: 'nvidia-smi' "
                                   "is not on PATH");
  pt_telemetry_close(t);
  nvidia_teardown(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_units),          cmocka_unit_test(test_values_change),
      cmocka_unit_test(test_gpu_gone),       cmocka_unit_test(test_one_metric_gone),
      cmocka_unit_test(test_short_trial),
      cmocka_unit_test(test_off),            cmocka_unit_test(test_many_trials),
      cmocka_unit_test(test_nvidia),         cmocka_unit_test(test_nvidia_gone),
      cmocka_unit_test(test_nvidia_missing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
