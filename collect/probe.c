/* collect/probe.c - host probe from /proc and /sys below a root directory
 * (see collect/probe.h). */
#include "collect/probe.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/json.h"

typedef struct probe {
  const char *root;
  bool oom;
} probe;

static char *path_of(probe *pr, const char *rel) {
  size_t n = strlen(pr->root) + strlen(rel) + 2;
  char *p = malloc(n);
  if (!p) {
    pr->oom = true;
    return NULL;
  }
  snprintf(p, n, "%s/%s", strcmp(pr->root, "/") ? pr->root : "", rel);
  return p;
}

static char *dup_trim(probe *pr, const char *s, size_t n) {
  while (n && isspace((unsigned char)*s))
    s++, n--;
  while (n && isspace((unsigned char)s[n - 1]))
    n--;
  if (!n)
    return NULL;
  char *d = strndup(s, n);
  if (!d)
    pr->oom = true;
  return d;
}

/* First line of a small file, trimmed; NULL when absent or empty. */
static char *read_line(probe *pr, const char *rel) {
  char *p = path_of(pr, rel);
  if (!p)
    return NULL;
  FILE *fp = fopen(p, "r");
  free(p);
  if (!fp)
    return NULL;
  char buf[1024];
  char *r = fgets(buf, sizeof buf, fp) ? dup_trim(pr, buf, strcspn(buf, "\n")) : NULL;
  fclose(fp);
  return r;
}

static int64_t read_int(probe *pr, const char *rel) {
  char *s = read_line(pr, rel);
  if (!s)
    return -1;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 0);
  bool ok = !errno && end != s && !*end && v >= 0;
  free(s);
  return ok ? v : -1;
}

static void probe_cpu(probe *pr, pt_host *h) {
  char *p = path_of(pr, "proc/cpuinfo");
  FILE *fp = p ? fopen(p, "r") : NULL;
  free(p);
  if (!fp)
    return;
  static const char *const model_keys[] = {"model name", "Hardware", "cpu model", "Processor"};
  size_t best = sizeof model_keys / sizeof model_keys[0];
  char *line = NULL;
  size_t cap = 0;
  bool flags_seen = false;
  while (getline(&line, &cap, fp) > 0) {
    char *colon = strchr(line, ':');
    if (!colon)
      continue;
    size_t klen = (size_t)(colon - line);
    while (klen && isspace((unsigned char)line[klen - 1]))
      klen--;
    char *val = colon + 1;
    size_t vlen = strcspn(val, "\n");
    for (size_t i = 0; i < best; i++)
      if (strlen(model_keys[i]) == klen && !strncmp(line, model_keys[i], klen)) {
        char *m = dup_trim(pr, val, vlen);
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
      val[vlen] = '\0';
      for (char *t = val; *t;) {
        while (*t == ' ' || *t == '\t')
          t++;
        size_t n = strcspn(t, " \t");
        if (n == 10 && !strncmp(t, "hypervisor", 10))
          h->hypervisor_flag = true;
        t += n;
      }
    }
  }
  free(line);
  fclose(fp);
}

static void probe_memory(probe *pr, pt_host *h) {
  h->memory_bytes = -1;
  char *p = path_of(pr, "proc/meminfo");
  FILE *fp = p ? fopen(p, "r") : NULL;
  free(p);
  if (!fp)
    return;
  char buf[256];
  while (fgets(buf, sizeof buf, fp)) {
    if (strncmp(buf, "MemTotal:", 9))
      continue;
    char *end;
    errno = 0;
    long long kb = strtoll(buf + 9, &end, 10);
    while (*end == ' ')
      end++;
    if (!errno && kb >= 0 && kb < (1LL << 53) / 1024 && !strncmp(end, "kB", 2))
      h->memory_bytes = kb * 1024;
    break;
  }
  fclose(fp);
}

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
  bool dmi = dmi_is_vm(h->dmi_vendor, h->dmi_product);
  h->virt_detected = h->hypervisor_flag || dmi;
  if (!h->virt_detected)
    return;
  char by[768];
  snprintf(by, sizeof by, "%s%s%s%s%s%s%s", h->hypervisor_flag ? "cpuinfo hypervisor flag" : "",
           h->hypervisor_flag && dmi ? ", " : "", dmi ? "DMI '" : "",
           dmi && h->dmi_vendor ? h->dmi_vendor : "", dmi && h->dmi_vendor && h->dmi_product ? " " : "",
           dmi && h->dmi_product ? h->dmi_product : "", dmi ? "'" : "");
  if (!(h->virt_by = strdup(by)))
    pr->oom = true;
}

static int card_number(const char *name) {
  if (strncmp(name, "card", 4) || !name[4])
    return -1;
  long v = 0;
  for (const char *s = name + 4; *s; s++) {
    if (!isdigit((unsigned char)*s) || v > 100000)
      return -1;
    v = v * 10 + (*s - '0');
  }
  return (int)v;
}

static int cmp_card(const void *a, const void *b) {
  return card_number(((const pt_gpu *)a)->card) - card_number(((const pt_gpu *)b)->card);
}

static void probe_gpus(probe *pr, pt_host *h) {
  char *p = path_of(pr, "sys/class/drm");
  DIR *d = p ? opendir(p) : NULL;
  free(p);
  if (!d)
    return;
  struct dirent *e;
  size_t cap = 0;
  while (!pr->oom && (e = readdir(d))) {
    if (card_number(e->d_name) < 0)
      continue;
    if (h->n_gpus == cap) {
      size_t nc = cap ? cap * 2 : 4;
      pt_gpu *t = realloc(h->gpus, nc * sizeof *t);
      if (!t) {
        pr->oom = true;
        break;
      }
      h->gpus = t;
      cap = nc;
    }
    pt_gpu *g = &h->gpus[h->n_gpus++];
    memset(g, 0, sizeof *g);
    g->vram_bytes = -1;
    char rel[512];
    if (!(g->card = strdup(e->d_name))) {
      pr->oom = true;
      break;
    }
    snprintf(rel, sizeof rel, "sys/class/drm/%s/device/vendor", e->d_name);
    g->pci_vendor = read_line(pr, rel);
    snprintf(rel, sizeof rel, "sys/class/drm/%s/device/device", e->d_name);
    g->pci_device = read_line(pr, rel);
    snprintf(rel, sizeof rel, "sys/class/drm/%s/device/mem_info_vram_total", e->d_name);
    g->vram_bytes = read_int(pr, rel);
    snprintf(rel, sizeof rel, "sys/class/drm/%s/device/driver", e->d_name);
    char *link = path_of(pr, rel);
    char target[1024];
    ssize_t n = link ? readlink(link, target, sizeof target - 1) : -1;
    free(link);
    if (n > 0) {
      target[n] = '\0';
      while (n > 1 && target[n - 1] == '/')
        target[--n] = '\0';
      const char *base = strrchr(target, '/');
      base = base ? base + 1 : target;
      if (*base && !(g->driver = strdup(base)))
        pr->oom = true;
    }
  }
  closedir(d);
  if (h->n_gpus > 1)
    qsort(h->gpus, h->n_gpus, sizeof *h->gpus, cmp_card);
}

static void probe_system(probe *pr, pt_host *h) {
  if (!strcmp(pr->root, "/")) {
    char name[256];
    if (gethostname(name, sizeof name) == 0) {
      name[sizeof name - 1] = '\0';
      h->hostname = dup_trim(pr, name, strlen(name));
    }
    struct utsname u;
    if (uname(&u) == 0) {
      char k[sizeof u.sysname + sizeof u.release + 2];
      snprintf(k, sizeof k, "%s %s", u.sysname, u.release);
      h->kernel = dup_trim(pr, k, strlen(k));
    }
    return;
  }
  h->hostname = read_line(pr, "proc/sys/kernel/hostname");
  char *os = read_line(pr, "proc/sys/kernel/ostype");
  char *rel = read_line(pr, "proc/sys/kernel/osrelease");
  if (os || rel) {
    size_t n = (os ? strlen(os) : 0) + (rel ? strlen(rel) : 0) + 2;
    if ((h->kernel = malloc(n)))
      snprintf(h->kernel, n, "%s%s%s", os ? os : "", os && rel ? " " : "", rel ? rel : "");
    else
      pr->oom = true;
  }
  free(os);
  free(rel);
}

pt_code pt_host_probe(const char *root, pt_host *h, pt_error *err) {
  memset(h, 0, sizeof *h);
  h->memory_bytes = -1;
  probe pr = {root && *root ? root : "/", false};
  probe_system(&pr, h);
  probe_cpu(&pr, h);
  probe_memory(&pr, h);
  probe_virt(&pr, h);
  probe_gpus(&pr, h);
  if (pr.oom) {
    pt_host_free(h);
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  return PT_OK;
}

void pt_host_free(pt_host *h) {
  if (!h)
    return;
  free(h->hostname);
  free(h->kernel);
  free(h->cpu_model);
  free(h->dmi_vendor);
  free(h->dmi_product);
  free(h->virt_by);
  for (size_t i = 0; i < h->n_gpus; i++) {
    free(h->gpus[i].card);
    free(h->gpus[i].pci_vendor);
    free(h->gpus[i].pci_device);
    free(h->gpus[i].driver);
  }
  free(h->gpus);
  memset(h, 0, sizeof *h);
  h->memory_bytes = -1;
}

static cJSON *add_int(cJSON *o, const char *key, int64_t v) {
  return v < 0 ? cJSON_AddNullToObject(o, key) : cJSON_AddNumberToObject(o, key, (double)v);
}

cJSON *pt_host_to_json(const pt_host *h) {
  cJSON *o = cJSON_CreateObject();
  cJSON *v = cJSON_CreateObject();
  cJSON *gpus = cJSON_CreateArray();
  bool ok = o && v && gpus && pt_json_add_str(o, "hostname", h->hostname) &&
            pt_json_add_str(o, "kernel", h->kernel) &&
            pt_json_add_str(o, "cpu_model", h->cpu_model) &&
            add_int(o, "memory_bytes", h->memory_bytes) &&
            cJSON_AddBoolToObject(v, "detected", h->virt_detected) &&
            cJSON_AddBoolToObject(v, "hypervisor_flag", h->hypervisor_flag) &&
            pt_json_add_str(v, "dmi_vendor", h->dmi_vendor) &&
            pt_json_add_str(v, "dmi_product", h->dmi_product) &&
            pt_json_add_str(v, "by", h->virt_by);
  for (size_t i = 0; ok && i < h->n_gpus; i++) {
    const pt_gpu *g = &h->gpus[i];
    cJSON *j = cJSON_CreateObject();
    if (!j || !cJSON_AddItemToArray(gpus, j)) {
      cJSON_Delete(j);
      ok = false;
      break;
    }
    ok = pt_json_add_str(j, "card", g->card) &&
         pt_json_add_str(j, "pci_vendor", g->pci_vendor) &&
         pt_json_add_str(j, "pci_device", g->pci_device) &&
         pt_json_add_str(j, "driver", g->driver) && add_int(j, "vram_bytes", g->vram_bytes);
  }
  if (ok && cJSON_AddItemToObject(o, "virtualization", v)) {
    v = NULL;
    if (cJSON_AddItemToObject(o, "gpus", gpus))
      return o;
    cJSON_Delete(gpus);
    cJSON_Delete(o);
    return NULL;
  }
  cJSON_Delete(v);
  cJSON_Delete(gpus);
  cJSON_Delete(o);
  return NULL;
}
