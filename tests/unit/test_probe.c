/* tests/unit/test_probe.c - the host probe (collect/probe.h) over fake
 * /proc + /sys trees, and --note (pt_manifest_notes).
 *
 * tests/data/sysroot/ holds three machines (its README says what each
 * models and where the values come from); their whole "host" objects are
 * compared with tests/data/sysroot/expected/NAME.json. The expected files
 * were checked field by field against the trees (the README lists the
 * arithmetic: BAR sizes from `resource`, units); run with
 * PTBENCH_UPDATE_GOLDEN=1 to rewrite them after a deliberate change, then
 * review the diff. The other cases build small trees here, one bad input
 * each: the probe must skip what it cannot read, never crash or hang.
 * The helper programs' capture (collect/subproc.h, for nvidia-smi) is
 * checked with echo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/manifest.h"
#include "collect/probe.h"
#include "collect/subproc.h"
#include "core/fs.h"
#include "core/json.h"

#define TREES "tests/data/sysroot"

/* PATH with dir in front, for the fake nvidia-smi; restore with the
 * returned copy. */
static char *path_prepend(const char *dir) {
  const char *old = getenv("PATH");
  char *saved = strdup(old ? old : "/usr/bin:/bin");
  char cwd[1024], buf[8192];
  assert_non_null(getcwd(cwd, sizeof cwd));
  snprintf(buf, sizeof buf, "%s/%s:%s", cwd, dir, saved);
  setenv("PATH", buf, 1);
  return saved;
}

static void path_restore(char *saved) {
  setenv("PATH", saved, 1);
  free(saved);
}

static char *read_all(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return NULL;
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  assert_non_null(s);
  assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
  s[n] = '\0';
  fclose(fp);
  return s;
}

/* The whole host object of tree NAME against expected/NAME.json. */
static void golden(const char *name) {
  char root[256], want_path[256];
  snprintf(root, sizeof root, TREES "/%s", name);
  snprintf(want_path, sizeof want_path, TREES "/expected/%s.json", name);
  pt_host h;
  pt_error err;
  pt_error_clear(&err);
  assert_int_equal(pt_host_probe(root, &h, &err), PT_OK);
  cJSON *j = pt_host_to_json(&h);
  assert_non_null(j);
  char *got = cJSON_Print(j);
  assert_non_null(got);
  if (getenv("PTBENCH_UPDATE_GOLDEN")) {
    FILE *fp = fopen(want_path, "w");
    assert_non_null(fp);
    fprintf(fp, "%s\n", got);
    fclose(fp);
  }
  char *want = read_all(want_path);
  assert_non_null(want);
  size_t n = strlen(got);
  if (strncmp(want, got, n) || strcmp(want + n, "\n")) {
    fprintf(stderr, "host object of %s differs from %s; got:\n%s\n", root, want_path, got);
    fail();
  }
  free(want);
  cJSON_free(got);
  cJSON_Delete(j);
  pt_host_free(&h);
}

/* An AMD RX 9060 XT on bare metal behind the card's own PCIe switch, an
 * integrated Raphael GPU beside it. Spot checks of what the golden file
 * holds, each from the tree's raw files: */
static void test_amd_bare_metal(void **state) {
  golden("amd-bare-metal");
  pt_host h;
  assert_int_equal(pt_host_probe(TREES "/amd-bare-metal", &h, NULL), PT_OK);
  const pt_gpu *g = pt_host_primary_gpu(&h);
  assert_non_null(g);
  assert_string_equal(g->card, "card1");  /* 16 GiB of VRAM beats the iGPU's 512 MiB */
  assert_true(g->primary);
  assert_false(h.gpus[0].primary);
  assert_string_equal(g->pci_address, "0000:03:00.0");
  /* pci.ids (pciids commit c1c12547d626): "7590  Navi 44 [Radeon RX 9050 / 9060 XT]" */
  assert_string_equal(g->device_name, "Navi 44 [Radeon RX 9050 / 9060 XT]");
  assert_string_equal(g->vendor_name, "Advanced Micro Devices, Inc. [AMD/ATI]");
  /* resource line 0: 0x7800000000..0x7bffffffff = 2^34 bytes, prefetchable */
  assert_int_equal(g->largest_prefetchable_bar, INT64_C(17179869184));
  assert_int_equal(g->resizable_bar, 1);  /* 2^34 >= mem_info_vram_total 17163091968 */
  /* the card's switch ports (01:00.0, 02:00.0) and the root port 00:01.1 */
  assert_int_equal(g->n_path, 3);
  assert_string_equal(g->path[2].address, "0000:00:01.1");
  assert_true(g->path[2].link.max_gts == 32.0);
  assert_int_equal(g->iommu_group, 14);
  assert_string_equal(g->temp_sensor, "junction");
  assert_true(g->temp_crit_c == 110.0);  /* temp2_crit 110000 m°C */
  assert_null(g->driver_version);        /* amdgpu in the kernel: no module version */
  assert_string_equal(h.os, "Ubuntu 25.04");
  assert_string_equal(h.governor, "powersave");
  assert_string_equal(h.thp, "madvise");
  assert_true(h.cpu_flags & (1u << PT_CPU_AVX512F_BIT));
  assert_int_equal(h.cpu_count, 16);
  assert_string_equal(h.rocm_version, "6.4.1-83");
  pt_host_free(&h);
}

/* The same card passed through to a QEMU guest: virtio display first, the
 * GPU behind QEMU's root port at 2.5 GT/s x1, a 256 MiB BAR. */
static void test_amd_vm(void **state) {
  golden("amd-vm");
  pt_host h;
  assert_int_equal(pt_host_probe(TREES "/amd-vm", &h, NULL), PT_OK);
  assert_int_equal(h.n_gpus, 2);  /* card1-DP-1 and renderD128 are not cards */
  assert_string_equal(h.gpus[0].driver, "virtio_gpu");
  assert_string_equal(h.gpus[0].pci_device, "0x1050");  /* the PCI device, not virtio0's id */
  const pt_gpu *g = pt_host_primary_gpu(&h);
  assert_ptr_equal(g, &h.gpus[1]);
  /* pci.ids of 2024-03-31 predates the card: lspci's "Device 7590" */
  assert_string_equal(g->device_name, "Device 7590");
  assert_int_equal(g->resizable_bar, 0);  /* 256 MiB < 17163091968 */
  assert_int_equal(g->vram_visible_bytes, 268435456);
  assert_true(g->link.cur_gts == 2.5 && g->link.cur_width == 1);
  assert_null(h.governor);  /* no cpufreq in the guest */
  assert_false(h.cpu_flags & (1u << PT_CPU_AVX512F_BIT));
  assert_true(h.cpu_flags & (1u << PT_CPU_AVX2_BIT));
  assert_true(h.virt_detected);
  assert_int_equal(g->iommu_group, -1);  /* no vIOMMU */
  pt_host_free(&h);
}

/* A server with an ASPEED BMC display and an NVIDIA L40S; nvidia-smi (the
 * fake in the tree's usr/bin) gives VRAM, CUDA and the product name. */
static void test_nvidia_host(void **state) {
  char *saved = path_prepend(TREES "/nvidia-host/usr/bin");
  golden("nvidia-host");
  pt_host h;
  assert_int_equal(pt_host_probe(TREES "/nvidia-host", &h, NULL), PT_OK);
  const pt_gpu *g = pt_host_primary_gpu(&h);
  assert_non_null(g);
  assert_string_equal(g->driver, "nvidia");
  assert_int_equal(g->vram_bytes, INT64_C(46068) * 1024 * 1024);  /* "Total : 46068 MiB" */
  assert_string_equal(g->driver_version, "550.127.05");
  assert_string_equal(h.cuda_version, "12.4");
  assert_string_equal(g->product_name, "NVIDIA L40S");
  assert_true(isnan(g->temp_crit_c));  /* only T.Limit margins: no absolute limit */
  assert_int_equal(g->numa_node, 0);
  assert_int_equal(h.hugepage_bytes, INT64_C(1) << 30);
  assert_int_equal(h.hugepages_total, 32);
  pt_host_free(&h);
  path_restore(saved);

  /* without nvidia-smi: what sysfs and procfs give */
  saved = strdup(getenv("PATH"));
  setenv("PATH", "/nonexistent-ptbench", 1);
  assert_int_equal(pt_host_probe(TREES "/nvidia-host", &h, NULL), PT_OK);
  g = pt_host_primary_gpu(&h);
  assert_non_null(g);  /* no VRAM known: the first GPU-vendor device */
  assert_string_equal(g->pci_vendor, "0x10de");
  assert_int_equal(g->vram_bytes, -1);
  assert_null(h.cuda_version);
  assert_string_equal(h.nvidia_driver_version, "550.127.05");  /* /proc/driver/nvidia/version */
  assert_int_equal(g->resizable_bar, -1);  /* VRAM unknown */
  pt_host_free(&h);
  path_restore(saved);
}

/* ---------------------------------------------------------------- built trees */

#include "sysfs_tree.h"

static void make_root(void) {
  snprintf(root, sizeof root, "/tmp/ptbench-sysroot-XXXXXX");
  assert_non_null(mkdtemp(root));
}

#define DEV "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0"

/* One amdgpu card behind one root port, laid out as sysfs does it. */
static void make_gpu_tree(void) {
  make_root();
  put("proc/cpuinfo", "processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: fpu avx avx2\n");
  put("proc/meminfo", "MemTotal:        1024 kB\n");
  put("sys/devices/pci0000:00/0000:00:01.0/current_link_speed", "8.0 GT/s PCIe\n");
  put("sys/devices/pci0000:00/0000:00:01.0/current_link_width", "8\n");
  put(DEV "/vendor", "0x1002\n");
  put(DEV "/device", "0x7590\n");
  put(DEV "/class", "0x030000\n");
  put(DEV "/current_link_speed", "16.0 GT/s PCIe\n");
  put(DEV "/current_link_width", "16\n");
  put(DEV "/mem_info_vram_total", "17163091968\n");
  put(DEV "/resource", "0x0000007800000000 0x0000007bffffffff 0x000000000014220c\n");
  put(DEV "/hwmon/hwmon0/temp1_input", "40000\n");
  put(DEV "/hwmon/hwmon0/temp1_crit", "100000\n");
  put("sys/bus/pci/drivers/amdgpu/.keep", "");
  put_link(DEV "/driver", "../../../../bus/pci/drivers/amdgpu");
  put_link(DEV "/drm/card0/device", "../../../0000:01:00.0");
  put_link("sys/class/drm/card0", "../../devices/pci0000:00/0000:00:01.0/0000:01:00.0/drm/card0");
  put_link("sys/bus/pci/devices/0000:01:00.0",
           "../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0");
}

static void test_built_tree(void **state) {
  make_gpu_tree();
  pt_host h;
  assert_int_equal(pt_host_probe(root, &h, NULL), PT_OK);
  assert_int_equal(h.n_gpus, 1);
  const pt_gpu *g = &h.gpus[0];
  assert_string_equal(g->pci_address, "0000:01:00.0");
  assert_string_equal(g->driver, "amdgpu");
  assert_int_equal(g->n_path, 1);
  assert_true(g->path[0].link.cur_gts == 8.0 && g->path[0].link.cur_width == 8);
  assert_int_equal(g->resizable_bar, 1);
  assert_string_equal(g->temp_sensor, "temp1");  /* no label: the lowest-numbered */
  assert_true(g->temp_crit_c == 100.0);
  pt_host_free(&h);
  pt_remove_tree(root);
}

/* One bad input per case, applied to the tree above; check says what the
 * probe must make of it (and it must neither crash nor hang). */
typedef struct bad_case {
  const char *name;
  const char *rel;       /* file to replace */
  const char *data;      /* its bytes (size below), NULL = see kind */
  size_t size;
  enum { BYTES, DIR_IN_PLACE, FIFO_IN_PLACE, DANGLING_LINK, LOOP_LINK } kind;
  void (*check)(const pt_host *h);
} bad_case;

static void no_vendor(const pt_host *h) {
  assert_int_equal(h->n_gpus, 1);
  assert_null(h->gpus[0].pci_vendor);
  assert_string_equal(h->gpus[0].pci_device, "0x7590");  /* the rest stays */
}
static void no_cpu(const pt_host *h) {
  assert_null(h->cpu_model);
  assert_false(h->cpu_flags_known);
  assert_int_equal(h->cpu_count, -1);
}
static void no_link_speed(const pt_host *h) {
  assert_true(isnan(h->gpus[0].link.cur_gts));
  assert_int_equal(h->gpus[0].link.cur_width, 16);
}
static void no_link_width(const pt_host *h) { assert_int_equal(h->gpus[0].link.cur_width, -1); }
static void six_bars(const pt_host *h) {
  assert_int_equal(h->gpus[0].n_bars, 6);  /* BAR0-5 of 100 lines; the rest is not BARs */
  assert_int_equal(h->gpus[0].bars[5].index, 5);
  assert_int_equal(h->gpus[0].bars[5].size_bytes, 4096);
}
static void no_bars(const pt_host *h) {
  assert_int_equal(h->gpus[0].n_bars, 0);
  assert_int_equal(h->gpus[0].resizable_bar, -1);
}
static void no_driver(const pt_host *h) { assert_null(h->gpus[0].driver); }
static void no_memory(const pt_host *h) { assert_int_equal(h->memory_bytes, -1); }
static void no_cmdline(const pt_host *h) { assert_null(h->cmdline); }
static void no_os(const pt_host *h) { assert_null(h->os); }
static void no_product(const pt_host *h) { assert_null(h->gpus[0].product_name); }
static void no_crit(const pt_host *h) { assert_true(isnan(h->gpus[0].temp_crit_c)); }
static void no_names(const pt_host *h) {
  assert_null(h->gpus[0].vendor_name);
  assert_null(h->gpus[0].device_name);
}
static void no_card(const pt_host *h) {
  assert_int_equal(h->n_gpus, 1);  /* still found through sys/bus/pci/devices */
  assert_null(h->gpus[0].card);
  assert_string_equal(h->gpus[0].pci_address, "0000:01:00.0");
}
static void fine(const pt_host *h) { assert_int_equal(h->n_gpus, 1); }

static char hundred_lines[100 * 64];

static void test_bad_input(void **state) {
  static const unsigned char garbage[] = {0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x80,
                                          0xc3, 0x28, 0x0a, 0x00, 0x07};
  size_t len = 0;
  for (int i = 0; i < 100; i++)
    len += (size_t)snprintf(hundred_lines + len, sizeof hundred_lines - len,
                            "0x%016x 0x%016x 0x0000000000040200\n", 0x10000 * (i + 1),
                            0x10000 * (i + 1) + 0xfff);
  const bad_case cases[] = {
      {"binary garbage for vendor", DEV "/vendor", (const char *)garbage, sizeof garbage, BYTES,
       no_vendor},
      {"a directory for vendor", DEV "/vendor", NULL, 0, DIR_IN_PLACE, no_vendor},
      {"a FIFO for vendor (no hang)", DEV "/vendor", NULL, 0, FIFO_IN_PLACE, no_vendor},
      {"binary garbage for cpuinfo", "proc/cpuinfo", (const char *)garbage, sizeof garbage,
       BYTES, no_cpu},
      {"a directory for cpuinfo", "proc/cpuinfo", NULL, 0, DIR_IN_PLACE, no_cpu},
      {"link speed not a speed", DEV "/current_link_speed", "fast\n", 0, BYTES, no_link_speed},
      {"link speed Unknown", DEV "/current_link_speed", "Unknown\n", 0, BYTES, no_link_speed},
      {"link width 999", DEV "/current_link_width", "999\n", 0, BYTES, no_link_width},
      {"resource with 100 lines", DEV "/resource", hundred_lines, 0, BYTES, six_bars},
      {"resource of garbage", DEV "/resource", (const char *)garbage, sizeof garbage, BYTES,
       no_bars},
      {"resource with end before start", DEV "/resource",
       "0x0000007bffffffff 0x0000007800000000 0x000000000014220c\n", 0, BYTES, no_bars},
      {"resource with a trailing word", DEV "/resource",
       "0x0000007800000000 0x0000007bffffffff 0x000000000014220c x\n", 0, BYTES, no_bars},
      {"dangling driver link", DEV "/driver", NULL, 0, DANGLING_LINK, no_driver},
      {"card link in a loop", "sys/class/drm/card0", NULL, 0, LOOP_LINK, no_card},
      {"meminfo of garbage", "proc/meminfo", (const char *)garbage, sizeof garbage, BYTES,
       no_memory},
      {"meminfo with a huge number", "proc/meminfo",
       "MemTotal: 99999999999999999999999 kB\n", 0, BYTES, no_memory},
      {"cmdline with a NUL", "proc/cmdline", "ro\0quiet\n", 9, BYTES, no_cmdline},
      {"os-release with an escape", "etc/os-release", "PRETTY_NAME=\"a\x1b[2Jb\"\n", 0,
       BYTES, no_os},
      {"product_name not UTF-8", DEV "/product_name", "Radeon \xff\xfe\n", 0, BYTES,
       no_product},
      {"crit not a number", DEV "/hwmon/hwmon0/temp1_crit", "hot\n", 0, BYTES, no_crit},
      {"pci.ids with a parse error", "usr/share/misc/pci.ids",
       "1002  Advanced Micro Devices\n\t7590 no-two-spaces\nthis is not pci.ids\n", 0, BYTES,
       no_names},
      {"pci.ids of garbage", "usr/share/misc/pci.ids", (const char *)garbage, sizeof garbage,
       BYTES, no_names},
      {"numa_node of garbage", DEV "/numa_node", (const char *)garbage, sizeof garbage, BYTES,
       fine},
      {"iommu_group dangling", DEV "/iommu_group", NULL, 0, DANGLING_LINK, fine},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const bad_case *c = &cases[i];
    make_gpu_tree();
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, c->rel);
    if (c->kind == BYTES) {
      put_bytes(c->rel, c->data, c->size ? c->size : strlen(c->data));
    } else {
      put(c->rel, "");
      unlink(path);
      if (c->kind == DIR_IN_PLACE)
        assert_int_equal(mkdir(path, 0755), 0);
      else if (c->kind == FIFO_IN_PLACE)
        assert_int_equal(mkfifo(path, 0644), 0);
      else if (c->kind == DANGLING_LINK)
        assert_int_equal(symlink("../nowhere/at/all", path), 0);
      else
        assert_int_equal(symlink(c->rel + strlen("sys/class/drm/"), path), 0);
    }
    pt_host h;
    pt_error err;
    pt_error_clear(&err);
    if (pt_host_probe(root, &h, &err) != PT_OK) {
      fprintf(stderr, "case '%s': %s\n", c->name, err.msg);
      fail();
    }
    c->check(&h);
    pt_host_free(&h);
    pt_remove_tree(root);
  }
}

/* A file the probe may not read (skipped when running as root, who may). */
static void test_unreadable(void **state) {
  if (geteuid() == 0)
    skip();
  make_gpu_tree();
  char path[512];
  snprintf(path, sizeof path, "%s/" DEV "/vendor", root);
  assert_int_equal(chmod(path, 0), 0);
  pt_host h;
  assert_int_equal(pt_host_probe(root, &h, NULL), PT_OK);
  assert_null(h.gpus[0].pci_vendor);
  pt_host_free(&h);
  pt_remove_tree(root);
}

/* ---------------------------------------------------------------- earlier cases */

static void test_probe_bare_metal_plain_dirs(void **state) {
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
  assert_int_equal(h.gpus[0].vram_bytes, INT64_C(17163091968));
  assert_true(h.cpu_flags_known);
  assert_int_equal(h.cpu_flags, 0);  /* none of the inference flags */
  cJSON *j = pt_host_to_json(&h);
  assert_true(cJSON_IsNull(pt_json_get(j, "hostname")));
  assert_true(cJSON_IsNull(pt_json_get(pt_json_get(j, "virtualization"), "by")));
  assert_true(cJSON_IsFalse(pt_json_get(pt_json_get(j, "cpu_flags"), "avx")));
  cJSON_Delete(j);
  pt_host_free(&h);
  pt_remove_tree(root);
}

/* The guest hides the hypervisor CPUID bit (kvm=off), DMI still tells; Xen
 * says so in /sys/hypervisor/type. */
static void test_probe_dmi_and_xen(void **state) {
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

  make_root();
  put("sys/hypervisor/type", "xen\n");
  assert_int_equal(pt_host_probe(root, &h, NULL), PT_OK);
  assert_true(h.virt_detected);
  assert_string_equal(h.virt_by, "/sys/hypervisor/type 'xen'");
  pt_host_free(&h);
  pt_remove_tree(root);
}

/* os-release(5): etc/ first, usr/lib/ as the fallback; quoting. */
static void test_os_release(void **state) {
  static const struct {
    const char *etc, *usr, *want;
  } cases[] = {
      {"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n", NULL, "Debian GNU/Linux 12 (bookworm)"},
      {NULL, "NAME=Fedora\nPRETTY_NAME='Fedora Linux 41'\n", "Fedora Linux 41"},
      {"NAME=x\n", "PRETTY_NAME=\"From usr\"\n", "From usr"},
      {"PRETTY_NAME=\"A \\\"quoted\\\" name\"\n", NULL, "A \"quoted\" name"},
      {"PRETTY_NAME=Plain\n", NULL, "Plain"},
      {"  PRETTY_NAME=\"Indented\"\n", NULL, "Indented"},
      {"PRETTY_NAME=\"\"\n", NULL, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    make_root();
    if (cases[i].etc)
      put("etc/os-release", cases[i].etc);
    if (cases[i].usr)
      put("usr/lib/os-release", cases[i].usr);
    pt_host h;
    assert_int_equal(pt_host_probe(root, &h, NULL), PT_OK);
    if (cases[i].want)
      assert_string_equal(h.os, cases[i].want);
    else
      assert_null(h.os);
    pt_host_free(&h);
    pt_remove_tree(root);
  }
}

static void test_probe_empty_root(void **state) {
  pt_host h;
  assert_int_equal(pt_host_probe("/nonexistent-ptbench-root", &h, NULL), PT_OK);
  assert_false(h.virt_detected);
  assert_null(h.cpu_model);
  assert_int_equal(h.n_gpus, 0);
  assert_null(pt_host_primary_gpu(&h));
  cJSON *j = pt_host_to_json(&h);
  assert_non_null(j);
  assert_true(cJSON_IsNull(pt_json_get(j, "cpu_flags")));
  cJSON_Delete(j);
  pt_host_free(&h);
}

static void test_probe_real_machine(void **state) {
  pt_host h;
  assert_int_equal(pt_host_probe(NULL, &h, NULL), PT_OK);
  assert_non_null(h.hostname); /* gethostname and uname always answer */
  assert_non_null(h.kernel);
  assert_non_null(h.kernel_release);
  cJSON *j = pt_host_to_json(&h);
  assert_non_null(j);
  cJSON_Delete(j);
  pt_host_free(&h);
}

static void test_pcie_format(void **state) {
  char buf[32];
  pt_pcie_format(16.0, 16, buf, sizeof buf);
  assert_string_equal(buf, "16 GT/s x16");
  pt_pcie_format(2.5, 1, buf, sizeof buf);
  assert_string_equal(buf, "2.5 GT/s x1");
  pt_pcie_format(NAN, 4, buf, sizeof buf);
  assert_string_equal(buf, "x4");
  pt_pcie_format(NAN, -1, buf, sizeof buf);
  assert_string_equal(buf, "");
}

/* --note KEY=VALUE */
static void test_notes(void **state) {
  const char *good[] = {"qemu_machine=pc-q35-8.2", "hypervisor=QEMU 8.2.2", "empty=",
                        "eq=a=b"};
  cJSON *o = NULL;
  pt_error err;
  pt_error_clear(&err);
  assert_int_equal(pt_manifest_notes(good, 4, &o, &err), PT_OK);
  assert_string_equal(pt_json_str(o, "qemu_machine"), "pc-q35-8.2");
  assert_string_equal(pt_json_str(o, "hypervisor"), "QEMU 8.2.2");
  assert_string_equal(pt_json_str(o, "empty"), "");
  assert_string_equal(pt_json_str(o, "eq"), "a=b");
  cJSON_Delete(o);
  static const struct {
    const char *note, *msg;
  } bad[] = {
      {"novalue", "--note 'novalue': give KEY=VALUE"},
      {"=value", "--note '=value': give KEY=VALUE"},
      {"k=\x01", "printable UTF-8"},
      {"k\xff=v", "printable UTF-8"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *one[] = {bad[i].note};
    assert_int_equal(pt_manifest_notes(one, 1, &o, &err), PT_EUSAGE);
    assert_null(o);
    assert_non_null(strstr(err.msg, bad[i].msg));
  }
  const char *twice[] = {"a=1", "a=2"};
  assert_int_equal(pt_manifest_notes(twice, 2, &o, &err), PT_EUSAGE);
  assert_string_equal(err.msg, "--note 'a' is given twice");
}

/* A helper's output captured (collect/subproc.h): whole, cut to cap - 1
 * bytes, or not at all with cap 0 (nothing written to buf); a name not on
 * PATH is PT_ENOTFOUND. */
static void test_subproc_capture(void **state) {
  (void)state;
  char *const argv[] = {"echo", "hello", NULL};
  pt_error err;
  pt_error_clear(&err);
  char buf[16];
  assert_int_equal(pt_subproc_capture(argv, buf, sizeof buf, 5000, &err), PT_OK);
  assert_string_equal(buf, "hello\n");
  assert_int_equal(pt_subproc_capture(argv, buf, 4, 5000, &err), PT_OK);
  assert_string_equal(buf, "hel");
  char *none = malloc(1);  /* buf is none + 1: no byte of it may be written */
  assert_non_null(none);
  assert_int_equal(pt_subproc_capture(argv, none + 1, 0, 5000, &err), PT_OK);
  free(none);
  char *const absent[] = {"ptbench-no-such-program", NULL};
  assert_int_equal(pt_subproc_capture(absent, buf, sizeof buf, 5000, &err), PT_ENOTFOUND);
  assert_string_equal(buf, "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_amd_bare_metal),
      cmocka_unit_test(test_amd_vm),
      cmocka_unit_test(test_nvidia_host),
      cmocka_unit_test(test_built_tree),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_unreadable),
      cmocka_unit_test(test_probe_bare_metal_plain_dirs),
      cmocka_unit_test(test_probe_dmi_and_xen),
      cmocka_unit_test(test_os_release),
      cmocka_unit_test(test_probe_empty_root),
      cmocka_unit_test(test_probe_real_machine),
      cmocka_unit_test(test_pcie_format),
      cmocka_unit_test(test_notes),
      cmocka_unit_test(test_subproc_capture),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
