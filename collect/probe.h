/* collect/probe.h - what machine the collector runs on: host name, kernel,
 * CPU, memory, virtualization and GPUs, read from /proc and /sys.
 *
 * Everything is read below a root directory ("/" normally; tests point it at
 * a fake tree such as tests/data/sysroot-vm, and `ptbench collect` takes it
 * from PTBENCH_SYSROOT), so the probe is testable. What cannot be read is
 * left unknown (NULL or -1): a probe never fails for a missing file. With a
 * root other than "/", host name and kernel come from the tree's
 * proc/sys/kernel/{hostname,ostype,osrelease} instead of uname(2).
 * A pt_host owns its strings; pt_host_free() releases them.
 */
#ifndef PT_PROBE_H
#define PT_PROBE_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct pt_gpu {
  char *card;        /* "card0" */
  char *pci_vendor;  /* "0x1002" as sysfs shows it */
  char *pci_device;  /* "0x7590" */
  char *driver;      /* basename of device/driver, e.g. "amdgpu" or "vfio-pci" */
  int64_t vram_bytes;  /* mem_info_vram_total (amdgpu), -1 when not shown */
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
} pt_host;

/* Probe the machine below root (NULL or "" = "/"). Fails only when out of
 * memory (PT_ENOMEM); h is then freed. */
pt_code pt_host_probe(const char *root, pt_host *h, pt_error *err);
void pt_host_free(pt_host *h);

/* The manifest's "host" object. NULL when out of memory. */
cJSON *pt_host_to_json(const pt_host *h);

#endif
