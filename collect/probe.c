/* collect/probe.c - host probe from /proc and /sys below a root directory
 * (see collect/probe.h; every field in docs/collect.md "manifest.json").
 *
 * Sources, below the root:
 *   etc/os-release, usr/lib/os-release     PRETTY_NAME (os-release(5))
 *   proc/cmdline, proc/cpuinfo, proc/meminfo
 *   sys/devices/system/cpu/cpu0/cpufreq/scaling_governor
 *   sys/kernel/mm/transparent_hugepage/enabled   "always [madvise] never"
 *   sys/class/dmi/id/{sys_vendor,product_name}, sys/hypervisor/type
 *   opt/rocm/.info/version, proc/driver/nvidia/version
 *   sys/class/drm/cardN/device -> the GPU's device directory, and
 *   sys/bus/pci/devices/ADDRESS: display-class devices without a DRM card
 *   (bound to vfio-pci on a host that lends its GPU to a VM). Per PCI
 *   device (Documentation/ABI/testing/sysfs-bus-pci): vendor, device,
 *   class, driver, numa_node, iommu_group, resource, current_link_speed,
 *   current_link_width, max_link_speed, max_link_width; amdgpu adds
 *   mem_info_vram_total, mem_info_vis_vram_total, product_name and
 *   hwmon/hwmonN/tempN_{input,crit,label}.
 */
#include "collect/probe.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "collect/manifest.h"
#include "collect/subproc.h"
#include "core/json.h"
#include "core/utf8.h"

#define MAX_PATH_HOPS 16     /* PCIe switches nest a few levels deep, never this many */
#define NVIDIA_SMI_MS 5000   /* nvidia-smi -q answers in well under a second */

/* IORESOURCE_* flags of include/linux/ioport.h, as `resource` prints them */
#define IORESOURCE_IO 0x00000100ULL
#define IORESOURCE_MEM 0x00000200ULL
#define IORESOURCE_PREFETCH 0x00002000ULL
#define IORESOURCE_MEM_64 0x00100000ULL

static const char *const cpu_flag_names[] = {
#define PT_X(id, name) name,
    PT_CPU_FLAG_MAP(PT_X)
#undef PT_X
};

const char *pt_cpu_flag_name(int bit) {
  return bit >= 0 && bit < PT_CPU_FLAG_COUNT ? cpu_flag_names[bit] : NULL;
}

typedef struct probe {
  const char *root;   /* "/" or the tree */
  bool real;          /* root is "/" */
  bool oom;
  size_t gpus_cap;    /* allocated pt_host.gpus */
} probe;

/* Make room for one more element in *arr (n used, *cap allocated), doubling;
 * false (and pr->oom) when that cannot be done. */
static bool grow(probe *pr, void **arr, size_t n, size_t *cap, size_t elem) {
  if (n < *cap)
    return true;
  size_t nc = *cap ? *cap * 2 : 4;
  void *t = nc > SIZE_MAX / elem / 2 ? NULL : realloc(*arr, nc * elem);
  if (!t) {
    pr->oom = true;
    return false;
  }
  *arr = t;
  *cap = nc;
  return true;
}

/* ------------------------------------------------------------ files */

static bool path_of(const probe *pr, const char *rel, char *out, size_t size) {
  int n = snprintf(out, size, "%s/%s", pr->real ? "" : pr->root, rel);
  return n > 0 && (size_t)n < size;
}

/* Open a regular file below the root for reading, or -1. O_NONBLOCK keeps a
 * FIFO planted in a file's place from blocking the open; it is then refused
 * by the S_ISREG check. */
static int open_regular(const probe *pr, const char *rel) {
  char p[PATH_MAX];
  if (!path_of(pr, rel, p, sizeof p))
    return -1;
  int fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Up to cap - 1 bytes of a small file, NUL-terminated; -1 when unreadable. */
static ssize_t read_small(const probe *pr, const char *rel, char *buf, size_t cap) {
  int fd = open_regular(pr, rel);
  if (fd < 0)
    return -1;
  size_t len = 0;
  while (len + 1 < cap) {
    ssize_t n = read(fd, buf + len, cap - 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      close(fd);
      return -1;
    }
    if (n == 0)
      break;
    len += (size_t)n;
  }
  close(fd);
  buf[len] = '\0';
  return (ssize_t)len;
}

static FILE *open_stream(const probe *pr, const char *rel) {
  int fd = open_regular(pr, rel);
  if (fd < 0)
    return NULL;
  FILE *fp = fdopen(fd, "r");
  if (!fp)
    close(fd);
  return fp;
}

bool pt_text_ok(const char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      return false;
    size_t len = pt_utf8_char(s + i, n - i, NULL);  /* core/utf8.h: RFC 3629 */
    if (!len)
      return false;
    i += len;
  }
  return true;
}

/* s[0..n) trimmed and copied when it is printable text; NULL otherwise. */
static char *dup_text(probe *pr, const char *s, size_t n) {
  while (n && isspace((unsigned char)*s))
    s++, n--;
  while (n && isspace((unsigned char)s[n - 1]))
    n--;
  if (!n || !pt_text_ok(s, n))
    return NULL;
  char *d = malloc(n + 1);
  if (!d) {
    pr->oom = true;
    return NULL;
  }
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

static char *dup_str(probe *pr, const char *s) { return s ? dup_text(pr, s, strlen(s)) : NULL; }

/* First line of a small file, trimmed; NULL when absent, empty or not text. */
static char *read_line(probe *pr, const char *rel) {
  char buf[1024];
  ssize_t n = read_small(pr, rel, buf, sizeof buf);
  if (n <= 0 || memchr(buf, '\0', (size_t)n))
    return NULL;
  return dup_text(pr, buf, strcspn(buf, "\n"));
}

/* The same formatted: read_linef(pr, "sys/class/drm/%s/device", card). */
static char *read_linef(probe *pr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *read_linef(probe *pr, const char *fmt, ...) {
  char rel[PATH_MAX];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(rel, sizeof rel, fmt, ap);
  va_end(ap);
  return n > 0 && (size_t)n < sizeof rel ? read_line(pr, rel) : NULL;
}

/* A whole number (decimal or 0x hex) filling the first line; -1 otherwise
 * (also for negative numbers: no field here is negative when known). */
static int64_t parse_int(const char *s) {
  if (!s || !*s || *s == '-' || *s == '+')
    return -1;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 0);
  return !errno && end != s && !*end && v >= 0 ? v : -1;
}

static int64_t read_int(probe *pr, const char *rel) {
  char *s = read_line(pr, rel);
  int64_t v = parse_int(s);
  free(s);
  return v;
}

static int64_t read_intf(probe *pr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int64_t read_intf(probe *pr, const char *fmt, ...) {
  char rel[PATH_MAX];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(rel, sizeof rel, fmt, ap);
  va_end(ap);
  return n > 0 && (size_t)n < sizeof rel ? read_int(pr, rel) : -1;
}

/* Basename of a symbolic link's target (driver, iommu_group) into out;
 * false when it is not a link or leads nowhere. */
static bool link_base(const probe *pr, const char *rel, char *out, size_t size) {
  char p[PATH_MAX], target[PATH_MAX];
  struct stat st;
  if (!path_of(pr, rel, p, sizeof p) || stat(p, &st) != 0)
    return false;
  ssize_t n = readlink(p, target, sizeof target - 1);
  if (n <= 0)
    return false;
  target[n] = '\0';
  while (n > 1 && target[n - 1] == '/')
    target[--n] = '\0';
  const char *base = strrchr(target, '/');
  base = base ? base + 1 : target;
  if (!*base || !pt_text_ok(base, strlen(base)))
    return false;
  snprintf(out, size, "%s", base);
  return true;
}

/* ------------------------------------------------------------ system */

/* The value of KEY in an os-release file (shell-style assignment; quotes
 * and backslash escapes as os-release(5) describes them). */
static char *os_release_value(probe *pr, const char *rel, const char *key) {
  FILE *fp = open_stream(pr, rel);
  if (!fp)
    return NULL;
  char line[1024];
  char *r = NULL;
  size_t klen = strlen(key);
  while (!r && fgets(line, sizeof line, fp)) {
    char *s = line;
    while (isspace((unsigned char)*s))
      s++;
    if (strncmp(s, key, klen) || s[klen] != '=')
      continue;
    s += klen + 1;
    char val[1024];
    size_t n = 0;
    char quote = (*s == '"' || *s == '\'') ? *s++ : 0;
    for (; *s && *s != '\n' && n + 1 < sizeof val; s++) {
      if (quote && *s == quote)
        break;
      if (!quote && isspace((unsigned char)*s))
        break;
      if (*s == '\\' && quote != '\'' && s[1] && s[1] != '\n')
        s++;
      val[n++] = *s;
    }
    r = dup_text(pr, val, n);
  }
  fclose(fp);
  return r;
}

static void probe_system(probe *pr, pt_host *h) {
  h->os = os_release_value(pr, "etc/os-release", "PRETTY_NAME");
  if (!h->os)
    h->os = os_release_value(pr, "usr/lib/os-release", "PRETTY_NAME");
  char buf[8192];
  ssize_t n = read_small(pr, "proc/cmdline", buf, sizeof buf);
  if (n > 0 && !memchr(buf, '\0', (size_t)n))
    h->cmdline = dup_text(pr, buf, strcspn(buf, "\n"));
  h->boot_id = read_line(pr, "proc/sys/kernel/random/boot_id");
  if (pr->real) {
    char name[256];
    if (gethostname(name, sizeof name) == 0) {
      name[sizeof name - 1] = '\0';
      h->hostname = dup_str(pr, name);
    }
    struct utsname u;
    if (uname(&u) == 0) {
      char k[sizeof u.sysname + sizeof u.release + 2];
      snprintf(k, sizeof k, "%s %s", u.sysname, u.release);
      h->kernel = dup_str(pr, k);
      h->kernel_release = dup_str(pr, u.release);
    }
    return;
  }
  h->hostname = read_line(pr, "proc/sys/kernel/hostname");
  char *os = read_line(pr, "proc/sys/kernel/ostype");
  h->kernel_release = read_line(pr, "proc/sys/kernel/osrelease");
  const char *rel = h->kernel_release;
  if (os || rel) {
    char k[2100];
    snprintf(k, sizeof k, "%s%s%s", os ? os : "", os && rel ? " " : "", rel ? rel : "");
    h->kernel = dup_str(pr, k);
  }
  free(os);
}

/* ------------------------------------------------------------ CPU, memory */

static void probe_cpu(probe *pr, pt_host *h) {
  FILE *fp = open_stream(pr, "proc/cpuinfo");
  if (!fp)
    return;
  static const char *const model_keys[] = {"model name", "Hardware", "cpu model", "Processor"};
  size_t best = sizeof model_keys / sizeof model_keys[0];
  char *line = NULL;
  size_t cap = 0;
  bool flags_seen = false;
  long cpus = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, fp)) > 0) {
    if (memchr(line, '\0', (size_t)len))
      continue;
    char *colon = strchr(line, ':');
    if (!colon)
      continue;
    size_t klen = (size_t)(colon - line);
    while (klen && isspace((unsigned char)line[klen - 1]))
      klen--;
    char *val = colon + 1;
    size_t vlen = strcspn(val, "\n");
    if (klen == 9 && !strncmp(line, "processor", 9))
      cpus++;
    for (size_t i = 0; i < best; i++)
      if (strlen(model_keys[i]) == klen && !strncmp(line, model_keys[i], klen)) {
        char *m = dup_text(pr, val, vlen);
        if (m) {
          free(h->cpu_model);
          h->cpu_model = m;
          best = i;
        }
        break;
      }
    if (!flags_seen && ((klen == 5 && !strncmp(line, "flags", 5)) ||
                        (klen == 8 && !strncmp(line, "Features", 8)))) {
      flags_seen = true;
      h->cpu_flags_known = true;
      val[vlen] = '\0';
      for (char *t = val; *t;) {
        while (*t == ' ' || *t == '\t')
          t++;
        size_t n = strcspn(t, " \t");
        if (n == 10 && !strncmp(t, "hypervisor", 10))
          h->hypervisor_flag = true;
        for (int b = 0; b < PT_CPU_FLAG_COUNT; b++)
          if (strlen(cpu_flag_names[b]) == n && !strncmp(t, cpu_flag_names[b], n))
            h->cpu_flags |= 1u << b;
        t += n;
      }
    }
  }
  free(line);
  fclose(fp);
  h->cpu_count = cpus ? cpus : -1;
  h->governor = read_line(pr, "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
}

/* "MemTotal:  32858112 kB" -> bytes; -1 when not that shape. */
static int64_t meminfo_value(const char *rest, bool kb) {
  char *end;
  errno = 0;
  long long v = strtoll(rest, &end, 10);
  if (errno || end == rest || v < 0)
    return -1;
  while (*end == ' ' || *end == '\t')
    end++;
  if (kb) {
    if (strncmp(end, "kB", 2) || v >= (1LL << 53) / 1024)
      return -1;
    return v * 1024;
  }
  return *end == '\n' || !*end ? v : -1;
}

static void probe_memory(probe *pr, pt_host *h) {
  FILE *fp = open_stream(pr, "proc/meminfo");
  if (fp) {
    char buf[256];
    while (fgets(buf, sizeof buf, fp)) {
      if (!strncmp(buf, "MemTotal:", 9))
        h->memory_bytes = meminfo_value(buf + 9, true);
      else if (!strncmp(buf, "HugePages_Total:", 16))
        h->hugepages_total = meminfo_value(buf + 16, false);
      else if (!strncmp(buf, "Hugepagesize:", 13))
        h->hugepage_bytes = meminfo_value(buf + 13, true);
    }
    fclose(fp);
  }
  char *thp = read_line(pr, "sys/kernel/mm/transparent_hugepage/enabled");
  char *open = thp ? strchr(thp, '[') : NULL;
  char *close_ = open ? strchr(open, ']') : NULL;
  if (close_ && close_ > open + 1)
    h->thp = dup_text(pr, open + 1, (size_t)(close_ - open - 1));
  else if (thp && !strchr(thp, ' ') && !strchr(thp, '['))
    h->thp = dup_str(pr, thp);  /* a single word, as some kernels print it */
  free(thp);
}

/* ------------------------------------------------------------ virtualization */

/* Case-insensitive substring test; s may be NULL. */
static bool contains(const char *s, const char *needle) {
  if (!s)
    return false;
  size_t n = strlen(needle);
  for (; *s; s++)
    if (!strncasecmp(s, needle, n))
      return true;
  return false;
}

/* DMI strings that name a hypervisor (systemd-detect-virt's list, trimmed). */
static bool dmi_is_vm(const char *vendor, const char *product) {
  static const char *const vendors[] = {"QEMU", "KVM", "Red Hat", "innotek", "VirtualBox",
                                        "VMware", "Xen", "Parallels", "Bochs", "BHYVE",
                                        "OpenStack", "DigitalOcean"};
  static const char *const products[] = {"KVM", "QEMU", "VirtualBox", "VMware",
                                         "Virtual Machine", "HVM domU", "Bochs", "BHYVE",
                                         "Google Compute Engine", "OpenStack", "Droplet"};
  for (size_t i = 0; i < sizeof vendors / sizeof vendors[0]; i++)
    if (contains(vendor, vendors[i]))
      return true;
  for (size_t i = 0; i < sizeof products / sizeof products[0]; i++)
    if (contains(product, products[i]))
      return true;
  return contains(vendor, "Amazon EC2") && !contains(product, ".metal");
}

static void probe_virt(probe *pr, pt_host *h) {
  h->dmi_vendor = read_line(pr, "sys/class/dmi/id/sys_vendor");
  h->dmi_product = read_line(pr, "sys/class/dmi/id/product_name");
  h->hypervisor_type = read_line(pr, "sys/hypervisor/type");
  bool dmi = dmi_is_vm(h->dmi_vendor, h->dmi_product);
  h->virt_detected = h->hypervisor_flag || dmi || h->hypervisor_type;
  if (!h->virt_detected)
    return;
  char by[1024];
  snprintf(by, sizeof by, "%s%s%s%s%s%s%s", h->hypervisor_flag ? "cpuinfo hypervisor flag" : "",
           h->hypervisor_flag && dmi ? ", " : "", dmi ? "DMI '" : "",
           dmi && h->dmi_vendor ? h->dmi_vendor : "", dmi && h->dmi_vendor && h->dmi_product ? " " : "",
           dmi && h->dmi_product ? h->dmi_product : "", dmi ? "'" : "");
  if (h->hypervisor_type) {
    size_t n = strlen(by);
    snprintf(by + n, sizeof by - n, "%s/sys/hypervisor/type '%s'", n ? ", " : "",
             h->hypervisor_type);
  }
  h->virt_by = dup_str(pr, by);
}

/* ------------------------------------------------------------ PCI names */

/* libpci's error callback must not return (libpci declares it noreturn:
 * pci_malloc's callers use the NULL it would give back). It reports running
 * out of memory and a parse error in pci.ids, after the file is closed;
 * both jump back to lookup_names(), which then leaves every name unknown:
 * a malformed database is as good as none. */
static _Thread_local jmp_buf *pci_jump;

__attribute__((noreturn)) static void pci_on_error(char *msg, ...) {
  (void)msg;
  if (pci_jump)
    longjmp(*pci_jump, 1);
  abort(); /* libpci called outside lookup_names(): cannot happen */
}

static void pci_quiet(char *msg, ...) { (void)msg; }

static const char *pci_ids_below(const probe *pr, char *out, size_t size) {
  static const char *const rels[] = {"usr/share/misc/pci.ids", "usr/share/hwdata/pci.ids"};
  for (size_t i = 0; i < sizeof rels / sizeof rels[0]; i++) {
    int fd = open_regular(pr, rels[i]);
    if (fd >= 0) {
      close(fd);
      if (path_of(pr, rels[i], out, size))
        return out;
    }
  }
  return NULL;
}

/* Vendor and device names of every GPU from the PCI ID database. */
static void lookup_names(probe *pr, pt_host *h) {
  bool any = false;
  for (size_t i = 0; i < h->n_gpus; i++)
    any |= parse_int(h->gpus[i].pci_vendor) >= 0 && parse_int(h->gpus[i].pci_device) >= 0;
  if (!any)
    return;
  char ids[PATH_MAX];
  const char *file = pr->real ? NULL : pci_ids_below(pr, ids, sizeof ids);
  struct pci_access *volatile pacc = pci_alloc();
  if (!pacc)
    return;
  pacc->error = pci_on_error;
  pacc->warning = pci_quiet;
  pacc->debug = pci_quiet;
  pacc->id_lookup_mode = 0;  /* no network, no ~/.pciids-cache */
  if (file)
    pci_set_name_list_path(pacc, (char *)file, 0);
  int flags = PCI_LOOKUP_NO_NUMBERS | (pr->real ? 0 : PCI_LOOKUP_NO_HWDB);
  jmp_buf jb;
  if (setjmp(jb) == 0) {
    pci_jump = &jb;
    for (size_t i = 0; !pr->oom && i < h->n_gpus; i++) {
      pt_gpu *g = &h->gpus[i];
      int64_t v = parse_int(g->pci_vendor), d = parse_int(g->pci_device);
      if (v < 0 || v > 0xffff || d < 0 || d > 0xffff)
        continue;
      char buf[256];
      const char *vn = pci_lookup_name(pacc, buf, sizeof buf, flags | PCI_LOOKUP_VENDOR, (int)v);
      g->vendor_name = dup_str(pr, vn);
      const char *dn = pci_lookup_name(pacc, buf, sizeof buf, flags | PCI_LOOKUP_DEVICE,
                                       (int)v, (int)d);
      if (!dn)
        snprintf(buf, sizeof buf, "Device %04x", (unsigned)d); /* as lspci shows it */
      g->device_name = dup_str(pr, dn ? dn : buf);
    }
  } else {
    for (size_t i = 0; i < h->n_gpus; i++) {
      free(h->gpus[i].vendor_name);
      free(h->gpus[i].device_name);
      h->gpus[i].vendor_name = h->gpus[i].device_name = NULL;
    }
  }
  pci_jump = NULL;
  pci_cleanup(pacc);
}

/* ------------------------------------------------------------ GPUs */

/* "0000:03:00.0": domain, bus, device, function in hex. */
static bool is_pci_address(const char *s) {
  size_t n = strlen(s);
  if (n < 12 || n > 16)
    return false;
  const char *p = s + n - 7; /* "03:00.0" after the domain's colon */
  for (const char *q = s; q < p - 1; q++)
    if (!isxdigit((unsigned char)*q))
      return false;
  return p[-1] == ':' && isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1]) &&
         p[2] == ':' && isxdigit((unsigned char)p[3]) && isxdigit((unsigned char)p[4]) &&
         p[5] == '.' && p[6] >= '0' && p[6] <= '7';
}

/* "16.0 GT/s PCIe" (or "8 GT/s", older kernels) -> 16.0; NAN otherwise. */
static double parse_gts(const char *s) {
  if (!s)
    return NAN;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || !isfinite(v) || v <= 0 || v > 1000)
    return NAN;
  while (*end == ' ')
    end++;
  return strncmp(end, "GT/s", 4) ? NAN : v;
}

/* A device's link, from the files of dir (relative to the root). */
static void read_link(probe *pr, const char *dir, pt_pcie_link *l) {
  char *s = read_linef(pr, "%s/current_link_speed", dir);
  l->cur_gts = parse_gts(s);
  free(s);
  s = read_linef(pr, "%s/max_link_speed", dir);
  l->max_gts = parse_gts(s);
  free(s);
  int64_t w = read_intf(pr, "%s/current_link_width", dir);
  l->cur_width = w > 0 && w <= 32 ? (int)w : -1;
  w = read_intf(pr, "%s/max_link_width", dir);
  l->max_width = w > 0 && w <= 32 ? (int)w : -1;
}

static void no_link(pt_pcie_link *l) {
  l->cur_gts = l->max_gts = NAN;
  l->cur_width = l->max_width = -1;
}

/* BARs 0-5 from `resource`: "start end flags" in hex per line; lines past
 * the sixth (ROM, bridge windows, SR-IOV) and lines that do not parse are
 * skipped. */
static void read_bars(probe *pr, const char *dir, pt_gpu *g) {
  char rel[PATH_MAX];
  snprintf(rel, sizeof rel, "%s/resource", dir);
  char buf[4096];
  if (read_small(pr, rel, buf, sizeof buf) <= 0)
    return;
  char *line = buf;
  for (int idx = 0; idx < PT_MAX_BARS && *line; idx++) {
    size_t len = strcspn(line, "\n");
    char *next = line[len] ? line + len + 1 : line + len;
    line[len] = '\0';
    unsigned long long start, end, flags;
    char extra;
    if (sscanf(line, "%llx %llx %llx %c", &start, &end, &flags, &extra) == 3 && end > start &&
        end - start < (1ULL << 62) && (flags & (IORESOURCE_IO | IORESOURCE_MEM))) {
      pt_bar *b = &g->bars[g->n_bars++];
      b->index = idx;
      b->size_bytes = (int64_t)(end - start + 1);
      b->io = (flags & IORESOURCE_IO) != 0;
      b->prefetchable = !b->io && (flags & IORESOURCE_PREFETCH);
      b->mem64 = !b->io && (flags & IORESOURCE_MEM_64);
      if (b->prefetchable && b->size_bytes > g->largest_prefetchable_bar)
        g->largest_prefetchable_bar = b->size_bytes;
    }
    line = next;
  }
}

/* The hwmon directory of a GPU device and its temperature sensor: the one
 * labelled "junction" (hot spot, what the firmware throttles on), else
 * "edge", else the lowest-numbered. */
static void read_hwmon(probe *pr, const char *dev, pt_gpu *g) {
  char rel[PATH_MAX], p[PATH_MAX];
  snprintf(rel, sizeof rel, "%s/hwmon", dev);
  if (!path_of(pr, rel, p, sizeof p))
    return;
  DIR *d = opendir(p);
  if (!d)
    return;
  char best[64] = "";
  struct dirent *e;
  while ((e = readdir(d)))
    if (!strncmp(e->d_name, "hwmon", 5) && parse_int(e->d_name + 5) >= 0 &&
        strlen(e->d_name) < sizeof best &&
        (!best[0] || parse_int(e->d_name + 5) < parse_int(best + 5)))
      snprintf(best, sizeof best, "%s", e->d_name);
  closedir(d);
  if (!best[0])
    return;
  char hw[PATH_MAX];
  snprintf(hw, sizeof hw, "%s/%s", rel, best);
  int pick = 0, rank = 3;
  for (int i = 1; i <= 8; i++) {
    int64_t t = read_intf(pr, "%s/temp%d_input", hw, i);
    if (t < 0 && read_intf(pr, "%s/temp%d_crit", hw, i) < 0)
      continue;
    char *label = read_linef(pr, "%s/temp%d_label", hw, i);
    int r = label && !strcmp(label, "junction") ? 0 : label && !strcmp(label, "edge") ? 1 : 2;
    if (r < rank) {
      rank = r;
      pick = i;
      free(g->temp_sensor);
      g->temp_sensor = label;
      label = NULL;
      if (!g->temp_sensor) {
        char name[16];
        snprintf(name, sizeof name, "temp%d", i);
        g->temp_sensor = dup_str(pr, name);
      }
    }
    free(label);
  }
  g->hwmon = dup_str(pr, hw);
  g->temp_index = pick;
  if (pick) {
    int64_t crit = read_intf(pr, "%s/temp%d_crit", hw, pick);
    g->temp_crit_c = crit > 0 && crit < 1000000 ? (double)crit / 1000.0 : NAN;
  }
}

/* The device directory, relative to the root, of a path such as
 * sys/class/drm/card1/device, resolved through its links. NULL when it
 * cannot be resolved or leaves the tree. */
static char *resolve_dev(probe *pr, const char *rel) {
  char p[PATH_MAX], real[PATH_MAX], rootreal[PATH_MAX];
  if (!path_of(pr, rel, p, sizeof p) || !realpath(p, real))
    return NULL;
  if (pr->real)
    return dup_str(pr, real + 1);
  if (!realpath(pr->root, rootreal))
    return NULL;
  size_t n = strlen(rootreal);
  if (strncmp(real, rootreal, n) || real[n] != '/')
    return NULL;
  return dup_str(pr, real + n + 1);
}

static const char *base_of(const char *path) {
  const char *b = strrchr(path, '/');
  return b ? b + 1 : path;
}

/* Facts of the PCI device at dir (relative to the root) into g. */
static void probe_pci(probe *pr, const char *dir, pt_gpu *g) {
  g->pci_address = dup_str(pr, base_of(dir));
  if (!g->pci_vendor)
    g->pci_vendor = read_linef(pr, "%s/vendor", dir);
  if (!g->pci_device)
    g->pci_device = read_linef(pr, "%s/device", dir);
  read_link(pr, dir, &g->link);
  read_bars(pr, dir, g);
  int64_t numa = read_intf(pr, "%s/numa_node", dir);  /* -1 (no node) reads as unknown */
  g->numa_node = numa >= 0 && numa < 4096 ? (int)numa : -1;
  char rel[PATH_MAX], base[256];
  snprintf(rel, sizeof rel, "%s/iommu_group", dir);
  if (link_base(pr, rel, base, sizeof base)) {
    int64_t grp = parse_int(base);
    g->iommu_group = grp >= 0 && grp < LONG_MAX ? (long)grp : -1;
  }
  /* the bridges above, up to the root port */
  char up[PATH_MAX];
  size_t path_cap = 0;
  snprintf(up, sizeof up, "%s", dir);
  for (int hops = 0; hops < MAX_PATH_HOPS; hops++) {
    char *slash = strrchr(up, '/');
    if (!slash)
      break;
    *slash = '\0';
    if (!is_pci_address(base_of(up)))
      break;
    if (!grow(pr, (void **)&g->path, g->n_path, &path_cap, sizeof *g->path))
      break;
    pt_pcie_hop *hop = &g->path[g->n_path++];
    snprintf(hop->address, sizeof hop->address, "%s", base_of(up));
    read_link(pr, up, &hop->link);
  }
}

static pt_gpu *new_gpu(probe *pr, pt_host *h) {
  if (!grow(pr, (void **)&h->gpus, h->n_gpus, &pr->gpus_cap, sizeof *h->gpus))
    return NULL;
  pt_gpu *g = &h->gpus[h->n_gpus++];
  memset(g, 0, sizeof *g);
  g->vram_bytes = g->vram_visible_bytes = g->largest_prefetchable_bar = -1;
  g->resizable_bar = -1;
  g->numa_node = -1;
  g->iommu_group = -1;
  g->temp_crit_c = NAN;
  no_link(&g->link);
  return g;
}

static int card_number(const char *name) {
  if (!name || strncmp(name, "card", 4) || !name[4])
    return -1;
  long v = 0;
  for (const char *s = name + 4; *s; s++) {
    if (!isdigit((unsigned char)*s) || v > 100000)
      return -1;
    v = v * 10 + (*s - '0');
  }
  return (int)v;
}

/* Cards first, in card order; then devices without a card, by address. */
static int cmp_gpu(const void *a, const void *b) {
  const pt_gpu *x = a, *y = b;
  int cx = card_number(x->card), cy = card_number(y->card);
  if (cx >= 0 || cy >= 0)
    return cx < 0 ? 1 : cy < 0 ? -1 : (cx > cy) - (cx < cy);
  return strcmp(x->pci_address ? x->pci_address : "", y->pci_address ? y->pci_address : "");
}

static void probe_card(probe *pr, pt_host *h, const char *card) {
  char p[PATH_MAX];
  struct stat st;
  snprintf(p, sizeof p, "%s/sys/class/drm/%s/device", pr->real ? "" : pr->root, card);
  if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
    return;  /* no device behind it (or links that lead nowhere): not a GPU */
  pt_gpu *g = new_gpu(pr, h);
  if (!g)
    return;
  if (!(g->card = dup_str(pr, card)))
    return;
  char rel[PATH_MAX], base[256];
  snprintf(rel, sizeof rel, "sys/class/drm/%s/device", card);
  g->vram_bytes = read_intf(pr, "%s/mem_info_vram_total", rel);
  g->vram_visible_bytes = read_intf(pr, "%s/mem_info_vis_vram_total", rel);
  g->product_name = read_linef(pr, "%s/product_name", rel);
  char drv[PATH_MAX];
  snprintf(drv, sizeof drv, "%s/driver", rel);
  if (link_base(pr, drv, base, sizeof base))
    g->driver = dup_str(pr, base);
  char *dev = resolve_dev(pr, rel);
  if (!dev) {  /* not links (a minimal tree): the ids as the card shows them */
    g->pci_vendor = read_linef(pr, "%s/vendor", rel);
    g->pci_device = read_linef(pr, "%s/device", rel);
    read_hwmon(pr, rel, g);
    return;
  }
  read_hwmon(pr, dev, g);
  /* a virtio GPU's card hangs off virtio0 inside its PCI device */
  char pci[PATH_MAX];
  snprintf(pci, sizeof pci, "%s", dev);
  for (int up = 0; up < 3 && !is_pci_address(base_of(pci)); up++) {
    char *slash = strrchr(pci, '/');
    if (!slash)
      break;
    *slash = '\0';
  }
  if (is_pci_address(base_of(pci)))
    probe_pci(pr, pci, g);
  else {
    g->pci_vendor = read_linef(pr, "%s/vendor", dev);
    g->pci_device = read_linef(pr, "%s/device", dev);
  }
  free(dev);
}

/* Display-class PCI devices (class 0x03xxxx) that no card showed. */
static void probe_uncarded(probe *pr, pt_host *h) {
  char p[PATH_MAX];
  if (!path_of(pr, "sys/bus/pci/devices", p, sizeof p))
    return;
  DIR *d = opendir(p);
  if (!d)
    return;
  struct dirent *e;
  while (!pr->oom && (e = readdir(d))) {
    if (!is_pci_address(e->d_name))
      continue;
    bool seen = false;
    for (size_t i = 0; i < h->n_gpus && !seen; i++)
      seen = h->gpus[i].pci_address && !strcmp(h->gpus[i].pci_address, e->d_name);
    int64_t cls = read_intf(pr, "sys/bus/pci/devices/%s/class", e->d_name);
    if (seen || cls < 0 || (cls >> 16) != 0x03)
      continue;
    char rel[PATH_MAX], base[256];
    snprintf(rel, sizeof rel, "sys/bus/pci/devices/%s", e->d_name);
    char *dev = resolve_dev(pr, rel);
    pt_gpu *g = new_gpu(pr, h);
    if (!g) {
      free(dev);
      break;
    }
    char drv[PATH_MAX];
    snprintf(drv, sizeof drv, "%s/driver", rel);
    if (link_base(pr, drv, base, sizeof base))
      g->driver = dup_str(pr, base);
    probe_pci(pr, dev ? dev : rel, g);
    free(dev);
  }
  closedir(d);
}

/* ------------------------------------------------------------ NVIDIA */

/* The version in /proc/driver/nvidia/version:
 * "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14  Thu Feb ..." */
static char *nvidia_proc_version(probe *pr) {
  char *line = read_line(pr, "proc/driver/nvidia/version");
  char *r = NULL;
  const char *k = line ? strstr(line, "Kernel Module") : NULL;
  if (k) {
    k += 13;
    while (*k == ' ' || *k == '\t')
      k++;
    size_t n = strcspn(k, " \t");
    if (n && isdigit((unsigned char)*k))
      r = dup_text(pr, k, n);
  }
  free(line);
  return r;
}

/* "key : value" of one line of nvidia-smi -q, with its indentation. */
static bool smi_kv(char *line, int *indent, char **key, char **val) {
  int i = 0;
  while (line[i] == ' ')
    i++;
  char *colon = strstr(line + i, " : ");
  if (!colon)
    return false;
  *indent = i;
  *key = line + i;
  char *k_end = colon;
  while (k_end > *key && k_end[-1] == ' ')
    k_end--;
  *k_end = '\0';
  *val = colon + 3;
  while (**val == ' ')
    (*val)++;
  char *end = *val + strlen(*val);
  while (end > *val && isspace((unsigned char)end[-1]))
    *--end = '\0';
  return true;
}

/* The same bus id in nvidia-smi's form ("00000000:01:00.0") and sysfs's. */
static bool same_bus(const char *smi, const char *sysfs) {
  if (!smi || !sysfs)
    return false;
  size_t a = strlen(smi), b = strlen(sysfs);
  return a >= 7 && b >= 7 && !strcasecmp(smi + a - 7, sysfs + b - 7);
}

/* nvidia-smi -q: driver and CUDA versions, and per GPU ("GPU 00000000:01:00.0")
 * its product name, VRAM ("FB Memory Usage" / "Total : 24564 MiB") and
 * critical temperature ("GPU Shutdown Temp : 96 C"; drivers that give only
 * margins, "GPU Shutdown T.Limit Temp : -7 C", give none). */
static void probe_nvidia_smi(probe *pr, pt_host *h) {
  char *argv[] = {"nvidia-smi", "-q", NULL};
  size_t cap = 1 << 20;  /* the report of 8 GPUs is about 100 KiB */
  char *out = malloc(cap);
  pt_error e;
  if (!out) {
    pr->oom = true;
    return;
  }
  if (pt_subproc_capture(argv, out, cap, NVIDIA_SMI_MS, &e) != PT_OK) {
    free(out);
    return;
  }
  pt_gpu *g = NULL;
  bool in_fb = false;
  for (char *line = out; *line;) {
    size_t len = strcspn(line, "\n");
    char *next = line[len] ? line + len + 1 : line + len;
    line[len] = '\0';
    if (!strncmp(line, "GPU ", 4) && is_pci_address(line + 4)) {
      g = NULL;
      for (size_t i = 0; i < h->n_gpus && !g; i++)
        if (same_bus(line + 4, h->gpus[i].pci_address))
          g = &h->gpus[i];
      in_fb = false;
    } else {
      int ind;
      char *key, *val;
      if (smi_kv(line, &ind, &key, &val) && pt_text_ok(val, strlen(val))) {
        if (ind == 0 && !strcmp(key, "Driver Version") && !h->nvidia_driver_version)
          h->nvidia_driver_version = dup_str(pr, val);
        else if (ind == 0 && !strcmp(key, "CUDA Version") && !h->cuda_version)
          h->cuda_version = dup_str(pr, val);
        else if (g && !strcmp(key, "Product Name") && !g->product_name)
          g->product_name = dup_str(pr, val);
        else if (g && in_fb && !strcmp(key, "Total") && g->vram_bytes < 0) {
          char *end;
          errno = 0;
          long long mib = strtoll(val, &end, 10);
          if (!errno && end != val && mib > 0 && mib < (1LL << 40) && !strcmp(end, " MiB"))
            g->vram_bytes = mib * 1024 * 1024;
        } else if (g && !strcmp(key, "GPU Shutdown Temp")) {
          char *end;
          double c = strtod(val, &end);
          if (end != val && !strcmp(end, " C") && c > 0 && c < 200)
            g->temp_crit_c = c;
        }
      } else {
        const char *s = line;
        while (*s == ' ')
          s++;
        in_fb = !strcmp(s, "FB Memory Usage") ? true : (*s && !strchr(s, ':') ? false : in_fb);
      }
    }
    line = next;
  }
  free(out);
}

static void probe_versions(probe *pr, pt_host *h) {
  h->rocm_version = read_line(pr, "opt/rocm/.info/version");
  h->nvidia_driver_version = nvidia_proc_version(pr);
  bool nvidia = false;
  for (size_t i = 0; i < h->n_gpus; i++)
    nvidia |= h->gpus[i].driver && !strcmp(h->gpus[i].driver, "nvidia");
  if (nvidia)
    probe_nvidia_smi(pr, h);
}

static void probe_gpus(probe *pr, pt_host *h) {
  char p[PATH_MAX];
  DIR *d = path_of(pr, "sys/class/drm", p, sizeof p) ? opendir(p) : NULL;
  if (d) {
    struct dirent *e;
    while (!pr->oom && (e = readdir(d)))
      if (card_number(e->d_name) >= 0)
        probe_card(pr, h, e->d_name);
    closedir(d);
  }
  if (!pr->oom)
    probe_uncarded(pr, h);
  if (h->n_gpus > 1)
    qsort(h->gpus, h->n_gpus, sizeof *h->gpus, cmp_gpu);
  for (size_t i = 0; !pr->oom && i < h->n_gpus; i++) {
    pt_gpu *g = &h->gpus[i];
    if (g->driver) {
      if (!strcmp(g->driver, "nvidia"))
        g->driver_version = nvidia_proc_version(pr);
      if (!g->driver_version)
        g->driver_version = read_linef(pr, "sys/module/%s/version", g->driver);
    }
  }
}

/* Resizable BAR: the largest prefetchable BAR covers all of VRAM. */
static void finish_gpus(probe *pr, pt_host *h) {
  for (size_t i = 0; i < h->n_gpus; i++) {
    pt_gpu *g = &h->gpus[i];
    if (g->driver && !strcmp(g->driver, "nvidia") && !g->driver_version)
      g->driver_version = dup_str(pr, h->nvidia_driver_version);
    if (g->vram_bytes > 0 && g->largest_prefetchable_bar > 0)
      g->resizable_bar = g->largest_prefetchable_bar >= g->vram_bytes;
  }
  const pt_gpu *p = pt_host_primary_gpu(h);
  if (p)
    h->gpus[p - h->gpus].primary = true;
}

const pt_gpu *pt_host_primary_gpu(const pt_host *h) {
  const pt_gpu *best = NULL;
  for (size_t i = 0; i < h->n_gpus; i++)
    if (h->gpus[i].vram_bytes > 0 && (!best || h->gpus[i].vram_bytes > best->vram_bytes))
      best = &h->gpus[i];
  for (size_t i = 0; !best && i < h->n_gpus; i++) {
    const char *v = h->gpus[i].pci_vendor;
    if (v && (!strcasecmp(v, "0x1002") || !strcasecmp(v, "0x10de") || !strcasecmp(v, "0x8086")))
      best = &h->gpus[i];
  }
  return best;
}

pt_code pt_host_probe(const char *root, pt_host *h, pt_error *err) {
  memset(h, 0, sizeof *h);
  h->memory_bytes = h->hugepages_total = h->hugepage_bytes = -1;
  h->cpu_count = -1;
  probe pr = {root && *root ? root : "/", false, false, 0};
  pr.real = !strcmp(pr.root, "/");
  probe_system(&pr, h);
  probe_cpu(&pr, h);
  probe_memory(&pr, h);
  probe_virt(&pr, h);
  probe_gpus(&pr, h);
  if (!pr.oom)
    lookup_names(&pr, h);
  if (!pr.oom)
    probe_versions(&pr, h);
  if (!pr.oom)
    finish_gpus(&pr, h);
  if (pr.oom) {
    pt_host_free(h);
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  return PT_OK;
}

void pt_host_free(pt_host *h) {
  if (!h)
    return;
  char **strs[] = {&h->hostname, &h->kernel, &h->cpu_model, &h->dmi_vendor, &h->dmi_product,
                   &h->virt_by, &h->os, &h->kernel_release, &h->cmdline, &h->governor,
                   &h->hypervisor_type, &h->thp, &h->rocm_version, &h->cuda_version,
                   &h->nvidia_driver_version, &h->boot_id};
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
    free(*strs[i]);
  for (size_t i = 0; i < h->n_gpus; i++) {
    pt_gpu *g = &h->gpus[i];
    char **gs[] = {&g->card, &g->pci_vendor, &g->pci_device, &g->driver, &g->pci_address,
                   &g->vendor_name, &g->device_name, &g->product_name, &g->driver_version,
                   &g->temp_sensor, &g->hwmon};
    for (size_t k = 0; k < sizeof gs / sizeof gs[0]; k++)
      free(*gs[k]);
    free(g->path);
  }
  free(h->gpus);
  memset(h, 0, sizeof *h);
  h->memory_bytes = h->hugepages_total = h->hugepage_bytes = -1;
  h->cpu_count = -1;
}

/* ------------------------------------------------------------ JSON */

void pt_pcie_format(double gts, int width, char *buf, size_t size) {
  if (isfinite(gts) && width > 0)
    snprintf(buf, size, "%g GT/s x%d", gts, width);
  else if (isfinite(gts))
    snprintf(buf, size, "%g GT/s", gts);
  else if (width > 0)
    snprintf(buf, size, "x%d", width);
  else if (size)
    buf[0] = '\0';
}

static bool add_int(cJSON *o, const char *key, int64_t v) {
  return v < 0 ? cJSON_AddNullToObject(o, key) != NULL
               : cJSON_AddNumberToObject(o, key, (double)v) != NULL;
}

static bool add_num(cJSON *o, const char *key, double v) {
  return isfinite(v) ? cJSON_AddNumberToObject(o, key, v) != NULL
                     : cJSON_AddNullToObject(o, key) != NULL;
}

static bool add_tri(cJSON *o, const char *key, int v) {
  return v < 0 ? cJSON_AddNullToObject(o, key) != NULL
               : cJSON_AddBoolToObject(o, key, v != 0) != NULL;
}

static bool add_link(cJSON *o, const pt_pcie_link *l) {
  return add_num(o, PT_MF_CURRENT_SPEED_GTS, l->cur_gts) &&
         add_int(o, PT_MF_CURRENT_WIDTH, l->cur_width) &&
         add_num(o, PT_MF_MAX_SPEED_GTS, l->max_gts) && add_int(o, PT_MF_MAX_WIDTH, l->max_width);
}

/* Add item to obj under key, taking it over; false (item freed) on failure. */
static bool take(cJSON *obj, const char *key, cJSON *item) {
  if (item && obj && cJSON_AddItemToObject(obj, key, item))
    return true;
  cJSON_Delete(item);
  return false;
}

static bool take_arr(cJSON *arr, cJSON *item) {
  if (item && arr && cJSON_AddItemToArray(arr, item))
    return true;
  cJSON_Delete(item);
  return false;
}

static double min_gts(double a, double b) { return isnan(a) ? b : isnan(b) ? a : fmin(a, b); }
static int min_width(int a, int b) { return a < 0 ? b : b < 0 ? a : a < b ? a : b; }

/* "pcie": the GPU's own link, each bridge above it, and the slowest link on
 * that path, by maximum (what the path can do) and by current state (what
 * it did when probed: idle GPUs lower their link speed to save power). */
static cJSON *pcie_json(const pt_gpu *g) {
  cJSON *o = cJSON_CreateObject(), *path = cJSON_CreateArray();
  bool ok = o && path && add_link(o, &g->link);
  pt_pcie_link slow = g->link;
  for (size_t i = 0; ok && i < g->n_path; i++) {
    const pt_pcie_hop *hop = &g->path[i];
    cJSON *j = cJSON_CreateObject();
    ok = take_arr(path, j) && cJSON_AddStringToObject(j, PT_MF_ADDRESS, hop->address) &&
         add_link(j, &hop->link);
    slow.cur_gts = min_gts(slow.cur_gts, hop->link.cur_gts);
    slow.max_gts = min_gts(slow.max_gts, hop->link.max_gts);
    slow.cur_width = min_width(slow.cur_width, hop->link.cur_width);
    slow.max_width = min_width(slow.max_width, hop->link.max_width);
  }
  if (!ok || !take(o, PT_MF_PATH, path)) {
    if (!ok)
      cJSON_Delete(path);
    cJSON_Delete(o);
    return NULL;
  }
  char cur[64], max[64];
  pt_pcie_format(slow.cur_gts, slow.cur_width, cur, sizeof cur);
  pt_pcie_format(slow.max_gts, slow.max_width, max, sizeof max);
  ok = add_num(o, PT_MF_PATH_MAX_SPEED_GTS, slow.max_gts) &&
       add_int(o, PT_MF_PATH_MAX_WIDTH, slow.max_width) &&
       add_num(o, PT_MF_PATH_CURRENT_SPEED_GTS, slow.cur_gts) &&
       add_int(o, PT_MF_PATH_CURRENT_WIDTH, slow.cur_width) &&
       pt_json_add_str(o, PT_MF_PATH_MAX, max[0] ? max : NULL) &&
       pt_json_add_str(o, PT_MF_PATH_CURRENT, cur[0] ? cur : NULL);
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

static cJSON *gpu_json(const pt_gpu *g) {
  cJSON *j = cJSON_CreateObject();
  const char *name = g->product_name ? g->product_name : g->device_name;
  bool ok = j && pt_json_add_str(j, PT_MF_CARD, g->card) &&
            pt_json_add_str(j, PT_MF_PCI_VENDOR, g->pci_vendor) &&
            pt_json_add_str(j, PT_MF_PCI_DEVICE, g->pci_device) &&
            pt_json_add_str(j, PT_MF_DRIVER, g->driver) && add_int(j, PT_MF_VRAM_BYTES, g->vram_bytes) &&
            cJSON_AddBoolToObject(j, PT_MF_PRIMARY, g->primary) &&
            pt_json_add_str(j, PT_MF_NAME, name) &&
            pt_json_add_str(j, PT_MF_VENDOR_NAME, g->vendor_name) &&
            pt_json_add_str(j, PT_MF_DEVICE_NAME, g->device_name) &&
            pt_json_add_str(j, PT_MF_PRODUCT_NAME, g->product_name) &&
            pt_json_add_str(j, PT_MF_PCI_ADDRESS, g->pci_address) &&
            pt_json_add_str(j, PT_MF_DRIVER_VERSION, g->driver_version) &&
            add_int(j, PT_MF_VRAM_VISIBLE_BYTES, g->vram_visible_bytes) &&
            take(j, PT_MF_PCIE, pcie_json(g));
  cJSON *bars = ok ? cJSON_CreateArray() : NULL;
  ok = ok && bars;
  for (size_t i = 0; ok && i < g->n_bars; i++) {
    const pt_bar *b = &g->bars[i];
    cJSON *o = cJSON_CreateObject();
    ok = take_arr(bars, o) && cJSON_AddNumberToObject(o, PT_MF_INDEX, b->index) &&
         cJSON_AddNumberToObject(o, PT_MF_SIZE_BYTES, (double)b->size_bytes) &&
         cJSON_AddStringToObject(o, PT_MF_TYPE, b->io ? "io" : b->mem64 ? "mem64" : "mem32") &&
         cJSON_AddBoolToObject(o, PT_MF_PREFETCHABLE, b->prefetchable);
  }
  if (ok)
    ok = take(j, PT_MF_BARS, bars);  /* frees bars when it fails */
  else
    cJSON_Delete(bars);
  ok = ok && add_int(j, PT_MF_LARGEST_PREFETCHABLE_BAR, g->largest_prefetchable_bar) &&
       add_tri(j, PT_MF_RESIZABLE_BAR, g->resizable_bar) &&
       add_int(j, PT_MF_NUMA_NODE, g->numa_node) && add_int(j, PT_MF_IOMMU_GROUP, g->iommu_group) &&
       pt_json_add_str(j, PT_MF_TEMP_SENSOR, g->temp_sensor) &&
       add_num(j, PT_MF_TEMP_CRIT_C, g->temp_crit_c);
  if (!ok) {
    cJSON_Delete(j);
    return NULL;
  }
  return j;
}

cJSON *pt_host_to_json(const pt_host *h) {
  cJSON *o = cJSON_CreateObject();
  cJSON *v = cJSON_CreateObject();
  bool ok = o && v && pt_json_add_str(o, PT_MF_HOSTNAME, h->hostname) &&
            pt_json_add_str(o, PT_MF_KERNEL, h->kernel) &&
            pt_json_add_str(o, PT_MF_CPU_MODEL, h->cpu_model) &&
            add_int(o, PT_MF_MEMORY_BYTES, h->memory_bytes) &&
            cJSON_AddBoolToObject(v, PT_MF_DETECTED, h->virt_detected) &&
            cJSON_AddBoolToObject(v, PT_MF_HYPERVISOR_FLAG, h->hypervisor_flag) &&
            pt_json_add_str(v, PT_MF_DMI_VENDOR, h->dmi_vendor) &&
            pt_json_add_str(v, PT_MF_DMI_PRODUCT, h->dmi_product) &&
            pt_json_add_str(v, PT_MF_BY, h->virt_by) &&
            pt_json_add_str(v, PT_MF_HYPERVISOR_TYPE, h->hypervisor_type);
  if (!ok || !take(o, PT_MF_VIRTUALIZATION, v)) {
    if (!ok)
      cJSON_Delete(v);
    cJSON_Delete(o);
    return NULL;
  }
  cJSON *gpus = cJSON_CreateArray();
  for (size_t i = 0; gpus && ok && i < h->n_gpus; i++)
    ok = take_arr(gpus, gpu_json(&h->gpus[i]));
  if (!ok || !take(o, PT_MF_GPUS, gpus)) {
    if (ok)
      gpus = NULL;
    cJSON_Delete(gpus);
    cJSON_Delete(o);
    return NULL;
  }
  cJSON *flags = NULL;
  if (h->cpu_flags_known) {
    flags = cJSON_CreateObject();
    for (int b = 0; flags && b < PT_CPU_FLAG_COUNT; b++)
      if (!cJSON_AddBoolToObject(flags, cpu_flag_names[b], (h->cpu_flags >> b) & 1)) {
        cJSON_Delete(flags);
        flags = NULL;
      }
  } else {
    flags = cJSON_CreateNull();
  }
  ok = pt_json_add_str(o, PT_MF_OS, h->os) &&
       pt_json_add_str(o, PT_MF_KERNEL_RELEASE, h->kernel_release) &&
       pt_json_add_str(o, PT_MF_CMDLINE, h->cmdline) && add_int(o, PT_MF_CPU_COUNT, h->cpu_count);
  if (!ok)
    cJSON_Delete(flags);
  ok = ok && take(o, PT_MF_CPU_FLAGS, flags) && pt_json_add_str(o, PT_MF_GOVERNOR, h->governor) &&
       add_int(o, PT_MF_HUGEPAGES_TOTAL, h->hugepages_total) &&
       add_int(o, PT_MF_HUGEPAGE_BYTES, h->hugepage_bytes) &&
       pt_json_add_str(o, PT_MF_THP, h->thp) &&
       pt_json_add_str(o, PT_MF_ROCM_VERSION, h->rocm_version) &&
       pt_json_add_str(o, PT_MF_CUDA_VERSION, h->cuda_version) &&
       pt_json_add_str(o, PT_MF_NVIDIA_DRIVER_VERSION, h->nvidia_driver_version);
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}
