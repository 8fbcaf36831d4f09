/* collect/probe.h - what machine the collector runs on, as far as it can
 * explain a penalty: OS and kernel, kernel command line, CPU model and the
 * flags inference code uses, frequency governor, memory and huge pages,
 * virtualization, ROCm and CUDA, and per GPU its names (PCI ID database
 * through libpci, and the kernel's marketing name), PCI address, driver and
 * version, VRAM, PCIe links, BARs and Resizable BAR, NUMA node and IOMMU
 * group. Every field is documented in docs/collect.md ("manifest.json").
 *
 * Everything is read below a root directory ("/" normally; tests point it
 * at a fake tree under tests/data/sysroot/, and `ptbench collect` takes it
 * from PTBENCH_SYSROOT), so the probe is testable. Only regular files are
 * read (a FIFO or a directory in a file's place is skipped), only
 * the first bytes of each, and text that is not printable UTF-8 is dropped:
 * what cannot be read or makes no sense is left unknown (NULL, -1 or NAN)
 * and a probe never fails for it. With a root other than "/", host name and
 * kernel come from the tree's proc/sys/kernel/{hostname,ostype,osrelease}
 * instead of uname(2), and the udev hardware database is not consulted for
 * names (only the tree's pci.ids, else the system's).
 *
 * When a GPU is driven by nvidia, `nvidia-smi -q` (from PATH, at most 5 s)
 * adds the CUDA version, VRAM and names.
 *
 * A pt_host owns its strings and arrays; pt_host_free() releases them.
 */
#ifndef PT_PROBE_H
#define PT_PROBE_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* The CPU flags that decide which code paths llama.cpp (Ollama's engine)
 * takes on the CPU, in the order the manifest lists them. */
#define PT_CPU_FLAG_MAP(X)                                                     \
  X(AVX, "avx") X(AVX2, "avx2") X(AVX512F, "avx512f") X(FMA, "fma")            \
  X(F16C, "f16c") X(AVX512_VNNI, "avx512_vnni") X(AVX512_BF16, "avx512_bf16") \
  X(AVX_VNNI, "avx_vnni")

enum {
#define PT_X(id, name) PT_CPU_##id##_BIT,
  PT_CPU_FLAG_MAP(PT_X)
#undef PT_X
  PT_CPU_FLAG_COUNT
};

/* One PCIe link as sysfs shows it for one device: speed in GT/s (NAN when
 * not shown) and width in lanes (-1 when not shown). */
typedef struct pt_pcie_link {
  double cur_gts, max_gts;
  int cur_width, max_width;
} pt_pcie_link;

/* A bridge between a GPU and its root port, with its link. */
typedef struct pt_pcie_hop {
  char address[32];  /* "0000:02:00.0" */
  pt_pcie_link link;
} pt_pcie_hop;

#define PT_MAX_BARS 6  /* BAR0..BAR5 */

typedef struct pt_bar {
  int index;          /* 0..5 */
  int64_t size_bytes;
  bool io;            /* an I/O port range, else memory */
  bool prefetchable;  /* IORESOURCE_PREFETCH */
  bool mem64;         /* IORESOURCE_MEM_64 */
} pt_bar;

typedef struct pt_gpu {
  char *card;        /* "card0"; NULL for a display device with no DRM card (vfio-pci) */
  char *pci_vendor;  /* "0x1002" as sysfs shows it */
  char *pci_device;  /* "0x7590" */
  char *driver;      /* basename of device/driver, e.g. "amdgpu" or "vfio-pci" */
  int64_t vram_bytes;  /* mem_info_vram_total (amdgpu) or nvidia-smi, -1 when not shown */
  char *pci_address;   /* "0000:03:00.0" */
  char *vendor_name, *device_name;  /* from pci.ids; device_name "Device 7590" when
                                       the database lacks the device */
  char *product_name;  /* the kernel's marketing name (amdgpu product_name) or nvidia-smi's */
  char *driver_version;  /* /sys/module/DRIVER/version or the nvidia kernel module's */
  int64_t vram_visible_bytes;  /* mem_info_vis_vram_total: VRAM the CPU can map */
  pt_pcie_link link;   /* the GPU function's own link */
  pt_pcie_hop *path;   /* bridges from the GPU up to the root port */
  size_t n_path;
  pt_bar bars[PT_MAX_BARS];
  size_t n_bars;
  int64_t largest_prefetchable_bar;  /* bytes, -1 when none */
  int resizable_bar;   /* 1: the largest prefetchable BAR covers VRAM, 0: it does
                          not, -1: unknown */
  int numa_node;       /* -1 when none */
  long iommu_group;    /* -1 when none */
  char *temp_sensor;   /* hwmon label of the temperature telemetry reports ("junction") */
  double temp_crit_c;  /* its critical temperature, NAN when not shown */
  char *hwmon;         /* path of the hwmon directory below the root, NULL when none */
  int temp_index;      /* N of the tempN_* files of temp_sensor, 0 when none */
  bool primary;        /* the GPU the benchmark runs on (pt_host_probe's choice) */
} pt_gpu;

typedef struct pt_host {
  char *hostname, *kernel, *cpu_model;
  int64_t memory_bytes;     /* MemTotal, -1 when unknown */
  bool virt_detected;
  bool hypervisor_flag;     /* "hypervisor" in /proc/cpuinfo flags */
  char *dmi_vendor, *dmi_product;
  char *virt_by;            /* what showed it, NULL when nothing did */
  pt_gpu *gpus;
  size_t n_gpus;
  char *os;                 /* PRETTY_NAME of os-release */
  char *kernel_release;     /* "6.8.0-45-generic" */
  char *cmdline;            /* /proc/cmdline */
  long cpu_count;           /* logical CPUs in /proc/cpuinfo, -1 when unknown */
  bool cpu_flags_known;     /* a flags line was read */
  unsigned cpu_flags;       /* bit PT_CPU_*_BIT set when the flag is present */
  char *governor;           /* cpu0's scaling_governor */
  char *hypervisor_type;    /* /sys/hypervisor/type ("xen") */
  int64_t hugepages_total;  /* HugePages_Total, -1 when unknown */
  int64_t hugepage_bytes;   /* Hugepagesize, -1 when unknown */
  char *thp;                /* transparent_hugepage/enabled: the selected mode */
  char *rocm_version;       /* /opt/rocm/.info/version */
  char *cuda_version;       /* "CUDA Version" of nvidia-smi -q */
  char *nvidia_driver_version;  /* /proc/driver/nvidia/version, else nvidia-smi */
  char *boot_id;            /* proc/sys/kernel/random/boot_id: changes at every boot (not
                               in pt_host_to_json: the manifest has it per session) */
} pt_host;

/* Name of CPU flag bit i (PT_CPU_FLAG_MAP order). */
const char *pt_cpu_flag_name(int bit);

/* Probe the machine below root (NULL or "" = "/"). Fails only when out of
 * memory (PT_ENOMEM); h is then freed. */
pt_code pt_host_probe(const char *root, pt_host *h, pt_error *err);
void pt_host_free(pt_host *h);

/* The GPU the benchmark runs on: the one with the most VRAM, else the first
 * from a GPU vendor (AMD, NVIDIA, Intel). NULL when there is none. */
const pt_gpu *pt_host_primary_gpu(const pt_host *h);

/* The manifest's "host" object. NULL when out of memory. */
cJSON *pt_host_to_json(const pt_host *h);

/* Valid UTF-8 without control characters (tab allowed): what the probe
 * and the manifest's notes accept as text (a value that is not is dropped
 * or refused). */
bool pt_text_ok(const char *s, size_t n);

/* "16 GT/s x16" into buf (size >= 32); "" when speed and width are unknown. */
void pt_pcie_format(double gts, int width, char *buf, size_t size);

#endif
