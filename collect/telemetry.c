/* collect/telemetry.c - the GPU sampler thread (see collect/telemetry.h).
 *
 * Units: hwmon freqN_input is in Hz, tempN_input in millidegrees Celsius,
 * power1_average and power1_input in microwatts (the kernel's
 * Documentation/hwmon/sysfs-interface.rst); gpu_busy_percent is a percentage
 * (amdgpu's Documentation/gpu/amdgpu/thermal.rst). nvidia-smi with
 * nounits gives MHz, °C, W and %.
 */
#define _GNU_SOURCE /* pipe2 */
#include "collect/telemetry.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "collect/subproc.h"
#include "core/json.h"

enum { M_CLOCK, M_MCLK, M_TEMP, M_POWER, M_BUSY, M_COUNT };

typedef enum { SRC_NONE, SRC_AMDGPU, SRC_NVIDIA } source_kind;

typedef struct acc {
  double sum[M_COUNT];
  long n[M_COUNT];
  double temp_max;
  long samples;
} acc;

struct pt_telemetry {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t thread;
  bool thread_started;
  source_kind kind;
  pt_telemetry_info info;
  double period_s;
  /* amdgpu: absolute paths of the files, "" when the GPU has none */
  char path[M_COUNT][PATH_MAX];
  /* nvidia */
  pt_subproc smi;
  int wake[2];            /* self-pipe: close() wakes the reader thread */
  char bus[32];           /* the GPU's bus id, "" = the first one seen */
  char line[512];
  size_t line_len;
  /* shared state, under mu */
  bool quit, active;
  unsigned long epoch;    /* bumped by begin and end */
  acc cur;
  int64_t trial_start_ns;
  bool ever_ok[M_COUNT];  /* a metric that has been read at least once */
  bool warned[M_COUNT];   /* a metric that stopped answering, warned about */
  bool smi_warned;        /* nvidia-smi stopped answering, warned about */
  char warning[1024];     /* warnings not yet handed out, "; "-separated */
  bool warning_pending;
  double extra_cpu_s;     /* CPU time of samples taken in pt_telemetry_end */
};

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double thread_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Add a warning for pt_telemetry_warning to hand out (under mu); one not
 * yet handed out gets this one after it. */
static void warn_add(pt_telemetry *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn_add(pt_telemetry *t, const char *fmt, ...) {
  size_t used = t->warning_pending ? strlen(t->warning) : 0;
  if (used && used + 2 < sizeof t->warning) {
    memcpy(t->warning + used, "; ", 3);
    used += 2;
  }
  if (used + 1 >= sizeof t->warning)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t->warning + used, sizeof t->warning - used, fmt, ap);
  va_end(ap);
  t->warning_pending = true;
}

/* The metrics by the names warnings give them. */
static const char *const metric_names[M_COUNT] = {"clock", "memory clock", "temperature",
                                                  "power", "load"};

/* "clock, temperature and power": the metrics of mask, in M_* order. */
static void name_metrics(unsigned mask, char *buf, size_t size) {
  int n = 0, total = 0;
  for (int m = 0; m < M_COUNT; m++)
    total += (mask >> m) & 1;
  size_t used = 0;
  buf[0] = '\0';
  for (int m = 0; m < M_COUNT && used < size; m++) {
    if (!((mask >> m) & 1))
      continue;
    const char *sep = n == 0 ? "" : n + 1 == total ? " and " : ", ";
    int w = snprintf(buf + used, size - used, "%s%s", sep, metric_names[m]);
    used += w > 0 ? (size_t)w : 0;
    n++;
  }
}

/* Add one sample (values NAN when missing) to the trial's figures, if the
 * trial it was taken for is still the current one (under mu). */
static void push(pt_telemetry *t, unsigned long epoch, const double v[M_COUNT]) {
  if (!t->active || epoch != t->epoch)
    return;
  bool any = false;
  for (int m = 0; m < M_COUNT; m++)
    if (isfinite(v[m])) {
      t->cur.sum[m] += v[m];
      t->cur.n[m]++;
      any = true;
    }
  if (isfinite(v[M_TEMP]) && (isnan(t->cur.temp_max) || v[M_TEMP] > t->cur.temp_max))
    t->cur.temp_max = v[M_TEMP];
  if (any)
    t->cur.samples++;
}

/* ------------------------------------------------------------ amdgpu */

/* A whole number filling a small file; NAN when it cannot be read (errno
 * set, 0 for a file that reads but is not a number). */
static double read_number(const char *path) {
  errno = 0;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return NAN;
  char buf[64];
  ssize_t n;
  do
    n = read(fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  int saved = errno;
  close(fd);
  errno = saved;
  if (n <= 0)
    return NAN;
  buf[n] = '\0';
  errno = 0;
  char *end;
  long long v = strtoll(buf, &end, 10);
  bool ok = !errno && end != buf && (*end == '\n' || !*end);
  errno = 0;
  return ok ? (double)v : NAN;
}

/* What a sample of the amdgpu files lost: the metrics that were read
 * before and now fail, and the first one's errno and index. */
typedef struct lost_set {
  unsigned mask;  /* bit m: metric m */
  int err, which;
} lost_set;

/* One sample of every file; v gets the values in display units, *lost what
 * failed that worked before. Reads only immutable fields of t (no lock
 * held). */
static void sample_amd(const pt_telemetry *t, const bool ever_ok[M_COUNT], double v[M_COUNT],
                       lost_set *lost) {
  static const double scale[M_COUNT] = {1e-6, 1e-6, 1e-3, 1e-6, 1.0};
  *lost = (lost_set){0, 0, 0};
  for (int m = 0; m < M_COUNT; m++) {
    v[m] = NAN;
    if (!t->path[m][0])
      continue;
    double raw = read_number(t->path[m]);
    if (isfinite(raw) && raw >= 0) {
      v[m] = raw * scale[m];
    } else if (ever_ok[m]) {
      if (!lost->mask) {
        lost->err = errno ? errno : EINVAL;
        lost->which = m;
      }
      lost->mask |= 1u << m;
    }
  }
  if (isfinite(v[M_BUSY]) && v[M_BUSY] > 100)
    v[M_BUSY] = NAN;
}

/* Note what a sample showed (under mu): metrics that answer, and metrics
 * that stopped answering (one warning per metric and run, naming it and
 * what is still recorded). */
static void note_sample(pt_telemetry *t, const double v[M_COUNT], const lost_set *lost) {
  unsigned working = 0, fresh = 0;
  for (int m = 0; m < M_COUNT; m++) {
    if (isfinite(v[m]))
      t->ever_ok[m] = true;
    if (isfinite(v[m]))
      working |= 1u << m;
    if (((lost->mask >> m) & 1) && !t->warned[m]) {
      t->warned[m] = true;
      fresh |= 1u << m;
    }
  }
  if (!fresh)
    return;
  char gone[96], still[96];
  name_metrics(fresh, gone, sizeof gone);
  name_metrics(working, still, sizeof still);
  if (!working)
    warn_add(t, "GPU telemetry: cannot read %s (%s); the GPU may be gone: its %s %s missing "
                "from here on", t->path[lost->which], strerror(lost->err), gone,
             fresh & (fresh - 1) ? "are" : "is");
  else
    warn_add(t, "GPU telemetry: cannot read %s (%s): the GPU's %s %s missing from here on; "
                "its %s %s still recorded", t->path[lost->which], strerror(lost->err), gone,
             fresh & (fresh - 1) ? "are" : "is", still, working & (working - 1) ? "are" : "is");
}

/* One sample of an amdgpu card, pushed to the trial of the epoch it began
 * in: called with t->mu held, which is let go while the files are read.
 * Returns that epoch. */
static unsigned long sample_round(pt_telemetry *t) {
  unsigned long epoch = t->epoch;
  bool ever_ok[M_COUNT];
  memcpy(ever_ok, t->ever_ok, sizeof ever_ok);
  pthread_mutex_unlock(&t->mu);
  double v[M_COUNT];
  lost_set lost;
  sample_amd(t, ever_ok, v, &lost);
  pthread_mutex_lock(&t->mu);
  note_sample(t, v, &lost);
  push(t, epoch, v);
  return epoch;
}

static void *amd_thread(void *arg) {
  pt_telemetry *t = arg;
  pthread_mutex_lock(&t->mu);
  while (!t->quit) {
    if (!t->active) {
      pthread_cond_wait(&t->cv, &t->mu);
      continue;
    }
    unsigned long epoch = sample_round(t);
    /* sleep a period, or until the trial ends or the next begins */
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    double next = (double)until.tv_nsec / 1e9 + t->period_s;
    until.tv_sec += (time_t)next;
    until.tv_nsec = (long)((next - floor(next)) * 1e9);
    while (!t->quit && t->active && epoch == t->epoch &&
           pthread_cond_timedwait(&t->cv, &t->mu, &until) != ETIMEDOUT) {
    }
  }
  pthread_mutex_unlock(&t->mu);
  return NULL;
}

/* ------------------------------------------------------------ nvidia */

/* "00000000:17:00.0, 2520, 9001, 61, 287.45, 97": the bus id, then the
 * metrics in M_* order; "[N/A]" and the like are missing. */
static bool parse_smi_line(pt_telemetry *t, char *line, double v[M_COUNT]) {
  char *fields[8];
  int n = 0;
  for (char *s = line; n < 8;) {
    fields[n++] = s;
    char *comma = strchr(s, ',');
    if (!comma)
      break;
    *comma = '\0';
    s = comma + 1;
  }
  if (n != 1 + M_COUNT)
    return false;
  char *bus = fields[0];
  while (*bus == ' ')
    bus++;
  size_t bl = strcspn(bus, " \r");
  bus[bl] = '\0';
  if (bl < 7)
    return false;
  if (!t->bus[0])
    snprintf(t->bus, sizeof t->bus, "%s", bus);
  size_t tl = strlen(t->bus);
  if (tl < 7 || strcasecmp(bus + bl - 7, t->bus + tl - 7))
    return false;  /* another GPU */
  for (int m = 0; m < M_COUNT; m++) {
    char *end;
    errno = 0;
    double x = strtod(fields[1 + m], &end);
    while (*end == ' ' || *end == '\r')
      end++;
    v[m] = !errno && end != fields[1 + m] && !*end && isfinite(x) && x >= 0 ? x : NAN;
  }
  return true;
}

static void *smi_thread(void *arg) {
  pt_telemetry *t = arg;
  for (;;) {
    struct pollfd pf[2] = {{.fd = t->smi.fd, .events = POLLIN}, {.fd = t->wake[0], .events = POLLIN}};
    int r = poll(pf, 2, -1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 || pf[1].revents)
      break;
    char buf[1024];
    ssize_t n = read(t->smi.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      pthread_mutex_lock(&t->mu);
      if (!t->quit && !t->smi_warned) {
        t->smi_warned = true;
        warn_add(t, "GPU telemetry: nvidia-smi stopped answering; the GPU's values are "
                    "missing from here on");
      }
      pthread_mutex_unlock(&t->mu);
      break;
    }
    for (ssize_t i = 0; i < n; i++) {
      if (buf[i] != '\n') {
        if (t->line_len + 1 < sizeof t->line)
          t->line[t->line_len++] = buf[i];
        continue;
      }
      t->line[t->line_len] = '\0';
      t->line_len = 0;
      double v[M_COUNT];
      pthread_mutex_lock(&t->mu);
      if (parse_smi_line(t, t->line, v))
        push(t, t->epoch, v);
      pthread_mutex_unlock(&t->mu);
    }
  }
  /* wait to be closed */
  char c;
  while (read(t->wake[0], &c, 1) < 0 && errno == EINTR) {
  }
  return NULL;
}

/* ------------------------------------------------------------ lifecycle */

static void *thread_main(void *arg) {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);  /* signals are the main thread's */
  pt_telemetry *t = arg;
  return t->kind == SRC_AMDGPU ? amd_thread(t) : smi_thread(t);
}

static void off(pt_telemetry *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void off(pt_telemetry *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t->info.reason, sizeof t->info.reason, fmt, ap);
  va_end(ap);
  t->kind = SRC_NONE;
  t->info.enabled = false;
  t->info.source[0] = '\0';
}

static bool file_exists(const char *p) { return access(p, R_OK) == 0; }

/* The amdgpu files of g, below root; false when there is no hwmon. */
static bool setup_amd(pt_telemetry *t, const char *root, const pt_gpu *g) {
  const char *r = root && *root && strcmp(root, "/") ? root : "";
  char hw[PATH_MAX];
  if (!g->hwmon || snprintf(hw, sizeof hw, "%s/%s", r, g->hwmon) >= (int)sizeof hw)
    return false;
  snprintf(t->path[M_CLOCK], PATH_MAX, "%s/freq1_input", hw);
  snprintf(t->path[M_MCLK], PATH_MAX, "%s/freq2_input", hw);
  if (g->temp_index > 0)
    snprintf(t->path[M_TEMP], PATH_MAX, "%s/temp%d_input", hw, g->temp_index);
  snprintf(t->path[M_POWER], PATH_MAX, "%s/power1_average", hw);
  if (!file_exists(t->path[M_POWER]))
    snprintf(t->path[M_POWER], PATH_MAX, "%s/power1_input", hw);
  /* .../DEVICE/hwmon/hwmonN -> .../DEVICE/gpu_busy_percent */
  char dev[PATH_MAX];
  snprintf(dev, sizeof dev, "%s", hw);
  for (int up = 0; up < 2; up++) {
    char *slash = strrchr(dev, '/');
    if (slash)
      *slash = '\0';
  }
  snprintf(t->path[M_BUSY], PATH_MAX, "%s/gpu_busy_percent", dev);
  bool any = false;
  for (int m = 0; m < M_COUNT; m++) {
    if (t->path[m][0] && !file_exists(t->path[m]))
      t->path[m][0] = '\0';  /* absent on this GPU: always missing, no warning */
    any |= t->path[m][0] != '\0';
  }
  if (any)
    snprintf(t->info.source, sizeof t->info.source, "amdgpu hwmon (%s%s%s)",
             g->card ? g->card : "", g->card && g->pci_address ? ", " : "",
             g->pci_address ? g->pci_address : "");
  return any;
}

static bool setup_nvidia(pt_telemetry *t, const pt_gpu *g, pt_error *reason) {
  char ms[32];
  snprintf(ms, sizeof ms, "%ld", lround(t->period_s * 1000));
  char *argv[] = {"nvidia-smi",
                  "--query-gpu=pci.bus_id,clocks.sm,clocks.mem,temperature.gpu,power.draw,"
                  "utilization.gpu",
                  "--format=csv,noheader,nounits", "-lms", ms, NULL};
  if (pt_subproc_start(argv, &t->smi, reason))
    return false;
  if (pipe2(t->wake, O_CLOEXEC) != 0) {
    pt_subproc_stop(&t->smi);
    pt_error_set(reason, PT_EIO, "cannot make a pipe: %s", strerror(errno));
    return false;
  }
  if (g->pci_address)
    snprintf(t->bus, sizeof t->bus, "%s", g->pci_address);
  snprintf(t->info.source, sizeof t->info.source, "nvidia-smi (%s)",
           g->pci_address ? g->pci_address : "first GPU");
  return true;
}

pt_code pt_telemetry_open(const pt_telemetry_cfg *cfg, const pt_host *host, pt_telemetry **out,
                          pt_error *err) {
  *out = NULL;
  pt_telemetry *t = calloc(1, sizeof *t);
  if (!t)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  t->smi.pid = -1;
  t->smi.fd = t->wake[0] = t->wake[1] = -1;
  double hz = cfg->rate_hz > 0 ? cfg->rate_hz : PT_TELEMETRY_DEFAULT_HZ;
  hz = hz < 0.1 ? 0.1 : hz > 100 ? 100 : hz;
  t->period_s = 1.0 / hz;
  t->info.rate_hz = hz;
  t->cur.temp_max = NAN;
  pthread_mutex_init(&t->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&t->cv, &ca);
  pthread_condattr_destroy(&ca);
  *out = t;

  const pt_gpu *g = host ? pt_host_primary_gpu(host) : NULL;
  pt_error why;
  pt_error_clear(&why);
  if (cfg->disabled) {
    off(t, "turned off with --no-telemetry");
  } else if (!cfg->endpoint_local) {
    off(t, "the Ollama endpoint%s%s is not on this machine: the GPU doing the work cannot "
           "be sampled from here", cfg->endpoint_url ? " " : "",
        cfg->endpoint_url ? cfg->endpoint_url : "");
  } else if (!g) {
    off(t, "no GPU found to sample");
  } else if (g->driver && !strcmp(g->driver, "amdgpu")) {
    t->kind = SRC_AMDGPU;
    if (!setup_amd(t, cfg->root, g))
      off(t, "%s (amdgpu) shows no hwmon sensors", g->card ? g->card : g->pci_address);
  } else if (g->driver && !strcmp(g->driver, "nvidia")) {
    t->kind = SRC_NVIDIA;
    if (!setup_nvidia(t, g, &why))
      off(t, "an NVIDIA GPU, but nvidia-smi cannot be run: %s", why.msg);
  } else {
    off(t, "no telemetry source for the GPU %s (driver %s): amdgpu hwmon and nvidia-smi are "
           "supported", g->pci_address ? g->pci_address : g->card ? g->card : "?",
        g->driver ? g->driver : "unknown");
  }
  if (t->kind != SRC_NONE) {
    int e = pthread_create(&t->thread, NULL, thread_main, t);
    if (e) {
      pt_subproc_stop(&t->smi);
      off(t, "cannot start the sampler thread: %s", strerror(e));
    } else {
      t->thread_started = true;
      t->info.enabled = true;
    }
  }
  return PT_OK;
}

void pt_telemetry_begin(pt_telemetry *t) {
  if (!t || t->kind == SRC_NONE)
    return;
  pthread_mutex_lock(&t->mu);
  memset(&t->cur, 0, sizeof t->cur);
  t->cur.temp_max = NAN;
  t->active = true;
  t->epoch++;
  t->trial_start_ns = mono_ns();
  pthread_cond_broadcast(&t->cv);
  pthread_mutex_unlock(&t->mu);
}

static void stats_of(const acc *a, pt_gpu_stats *out) {
  double mean[M_COUNT];
  for (int m = 0; m < M_COUNT; m++)
    mean[m] = a->n[m] ? a->sum[m] / (double)a->n[m] : NAN;
  out->clock_mhz = mean[M_CLOCK];
  out->mem_clock_mhz = mean[M_MCLK];
  out->temp_mean_c = mean[M_TEMP];
  out->temp_c = a->temp_max;
  out->power_w = mean[M_POWER];
  out->busy_pct = mean[M_BUSY];
  out->samples = a->samples;
}

void pt_telemetry_end(pt_telemetry *t, pt_gpu_stats *out) {
  acc none = {.temp_max = NAN};
  if (!t || t->kind == SRC_NONE) {
    stats_of(&none, out);
    return;
  }
  pthread_mutex_lock(&t->mu);
  if (t->active && t->cur.samples == 0 && t->kind == SRC_AMDGPU) {
    /* a trial shorter than the thread's first wake-up */
    double c0 = thread_cpu_s();
    sample_round(t);
    t->extra_cpu_s += thread_cpu_s() - c0;
  }
  if (t->active) {
    t->info.samples += t->cur.samples;
    t->info.sampled_s += (double)(mono_ns() - t->trial_start_ns) / 1e9;
  }
  stats_of(t->active ? &t->cur : &none, out);
  t->active = false;
  t->epoch++;
  pthread_cond_broadcast(&t->cv);
  pthread_mutex_unlock(&t->mu);
}

bool pt_telemetry_warning(pt_telemetry *t, char *buf, size_t size) {
  if (!t)
    return false;
  pthread_mutex_lock(&t->mu);
  bool give = t->warning_pending;
  if (give) {
    snprintf(buf, size, "%s", t->warning);
    t->warning_pending = false;
    t->warning[0] = '\0';
  }
  pthread_mutex_unlock(&t->mu);
  return give;
}

/* CPU seconds (user + system) process pid has used so far, from
 * /proc/PID/stat (fields 14 and 15, in clock ticks); 0 when unknown. */
static double process_cpu_s(pid_t pid) {
  if (pid <= 0)
    return 0;
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
  FILE *fp = fopen(path, "r");
  if (!fp)
    return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, fp);
  fclose(fp);
  buf[n] = '\0';
  const char *p = strrchr(buf, ')');  /* the command name may hold spaces */
  unsigned long long ut, st;
  if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
                   &st) != 2)
    return 0;
  long hz = sysconf(_SC_CLK_TCK);
  return hz > 0 ? (double)(ut + st) / (double)hz : 0;
}

void pt_telemetry_get_info(pt_telemetry *t, pt_telemetry_info *out) {
  if (!t) {
    memset(out, 0, sizeof *out);
    snprintf(out->reason, sizeof out->reason, "not started");
    return;
  }
  pthread_mutex_lock(&t->mu);
  *out = t->info;
  out->cpu_s = t->extra_cpu_s;
  pthread_mutex_unlock(&t->mu);
  clockid_t cid;
  struct timespec ts;
  if (t->thread_started && pthread_getcpuclockid(t->thread, &cid) == 0 &&
      clock_gettime(cid, &ts) == 0)
    out->cpu_s += (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
  out->cpu_s += process_cpu_s(t->smi.pid);  /* nvidia-smi's own share */
}

void pt_telemetry_close(pt_telemetry *t) {
  if (!t)
    return;
  pthread_mutex_lock(&t->mu);
  t->quit = true;
  pthread_cond_broadcast(&t->cv);
  pthread_mutex_unlock(&t->mu);
  if (t->wake[1] >= 0) {
    close(t->wake[1]);  /* wakes the nvidia-smi reader */
    t->wake[1] = -1;
  }
  if (t->thread_started)
    pthread_join(t->thread, NULL);
  pt_subproc_stop(&t->smi);
  if (t->wake[0] >= 0)
    close(t->wake[0]);
  pthread_cond_destroy(&t->cv);
  pthread_mutex_destroy(&t->mu);
  free(t);
}

cJSON *pt_telemetry_info_json(const pt_telemetry_info *info) {
  cJSON *o = cJSON_CreateObject();
  bool ok = o && cJSON_AddBoolToObject(o, "enabled", info->enabled) &&
            pt_json_add_str(o, "source", info->enabled ? info->source : NULL) &&
            (info->enabled ? cJSON_AddNumberToObject(o, "rate_hz", info->rate_hz) != NULL
                           : cJSON_AddNullToObject(o, "rate_hz") != NULL) &&
            pt_json_add_str(o, "reason", info->enabled ? NULL : info->reason) &&
            cJSON_AddNumberToObject(o, "samples", (double)info->samples) &&
            cJSON_AddNumberToObject(o, "sampled_s", round(info->sampled_s * 1000) / 1000) &&
            cJSON_AddNumberToObject(o, "cpu_s", round(info->cpu_s * 1e6) / 1e6);
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}
