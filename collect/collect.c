/* collect/collect.c - the trial loop in sessions: targets, preflight, run
 * directories, one row per trial, the manifest, resume and added sessions,
 * unloads between sessions, skipped models, and the manifest a second
 * Ctrl-C leaves behind (see collect/collect.h). */
#include "collect/collect.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze/facts.h"
#include "collect/manifest.h"
#include "collect/ollama.h"
#include "collect/probe.h"
#include "collect/telemetry.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/interrupt.h"
#include "core/json.h"

void pt_iso_now(char buf[32]) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char s[24];
  strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, 32, "%s.%03ldZ", s, ts.tv_nsec / 1000000);
}

/* ------------------------------------------------------------ order */

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Uniform in [0, n) without modulo bias (rejection of the short tail). */
static uint64_t below(uint64_t *s, uint64_t n) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t v;
  do
    v = splitmix64(s);
  while (v >= limit);
  return v % n;
}

pt_code pt_session_order(size_t n_prompts, long trials, bool fixed, uint64_t seed,
                         size_t model_index, pt_order_item **out, size_t *n, pt_error *err) {
  *out = NULL;
  *n = 0;
  if (trials < 0 || (n_prompts && (size_t)trials > SIZE_MAX / sizeof **out / n_prompts))
    return pt_error_set(err, PT_ETOOBIG, "too many trials in a session");
  size_t count = n_prompts * (size_t)trials;
  pt_order_item *v = malloc(count ? count * sizeof *v : 1);
  if (!v)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  size_t k = 0;
  for (size_t p = 0; p < n_prompts; p++)
    for (long t = 1; t <= trials; t++)
      v[k++] = (pt_order_item){p, t};
  if (!fixed) {
    uint64_t s = seed ^ ((uint64_t)model_index * 0xD1B54A32D192ED03ull);
    for (size_t i = count; i > 1; i--) {  /* Fisher-Yates */
      size_t j = (size_t)below(&s, i);
      pt_order_item tmp = v[i - 1];
      v[i - 1] = v[j];
      v[j] = tmp;
    }
  }
  *out = v;
  *n = count;
  return PT_OK;
}

/* ------------------------------------------------------------ state */

/* The session a target runs now. */
typedef struct session {
  char run_id[64];
  char started_at[32], ended_at[32];
  const char *status;       /* PT_MF_STATUS_* */
  char reason[1800];
  bool resumed;
  bool fixed;
  uint64_t seed;
  long index;               /* 1-based in the run */
  char *boot_id;
  pt_host host;
  bool have_host;
  pt_telemetry *telemetry;
  pt_telemetry_info tinfo;  /* once telemetry is closed */
  bool tinfo_final;
  long ok, failed, warmup;
  long next_seq;
  int *failures;            /* per plan model: consecutive failures */
  bool *skip;               /* per plan model: skipped for the rest of the session */
  cJSON *skipped, *unload, *forced, *differs;
  size_t total, finished;
  /* a resumed session keeps what it found when it started */
  cJSON *orig_host;         /* its host object, NULL = none recorded */
  char *orig_boot_id, *orig_version, *orig_ended_at;
  bool was_complete;        /* it had ended complete: nothing to run keeps it so */
} session;

typedef struct target {
  const pt_collect_cfg *cfg;
  const pt_collect_target *t;
  const pt_plan *plan;
  pt_collect_result *res;
  pt_ollama *client;
  char *trials_path, *manifest_path;
  int lock_fd;
  bool dir_exists;          /* the run directory is there (made or found) */
  bool have_run;            /* a run to continue (RESUME / ADD) */
  cJSON *sessions;          /* the run's sessions before the current one */
  cJSON *run_plan, *run_options;  /* --force: the run's own, written as they are */
  char *label;
  bool fixed;               /* the run's order */
  long planned;
  long to_run;              /* new sessions still to start */
  cJSON *resume;            /* the session to finish (detached from sessions), or NULL */
  char **done;              /* "model\x1fprompt\x1ftrial" of its ok trials, sorted */
  size_t n_done, cap_done;
  long resume_seq, resume_ok, resume_failed, resume_warmup;
  cJSON *forced;            /* differences accepted at the start (ADD --force) */
  char *version;
  pt_model_info *models;    /* one per plan model */
  bool preflight_fresh;     /* the preflight just ran (the first session needs none) */
  pt_trial_writer *writer;
  cJSON *options, *keep_alive;
  cJSON *notes;             /* the notes sessions get: --note, else the run's last */
  session s;
  bool live;                /* s is set up */
  const char *status;       /* the run's, once it is decided */
  char reason[1800];
  long sessions_run;
  bool failed_here;         /* the error that stopped the command is this target's */
  int slot;                 /* last-words slot */
} target;

static void emit(target *r, pt_collect_event *ev) {
  ev->environment = r->t->environment;
  if (r->cfg->progress)
    r->cfg->progress(r->cfg->progress_ctx, ev);
}

static void warn(target *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(target *r, const char *fmt, ...) {
  char msg[2400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  pt_collect_event ev = {.kind = PT_EV_WARNING, .message = msg};
  emit(r, &ev);
}

static bool stopped(const target *r) { return r->cfg->interrupted && *r->cfg->interrupted; }

static char *trial_key(const char *model, const char *prompt, long trial) {
  size_t n = strlen(model) + strlen(prompt) + 32;
  char *k = malloc(n);
  if (k)
    snprintf(k, n, "%s\x1f%s\x1f%ld", model, prompt, trial);
  return k;
}

static int cmp_key(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_done(const target *r, const char *model, const char *prompt, long trial) {
  if (!r->n_done || !r->s.resumed)
    return false;
  char *k = trial_key(model, prompt, trial);
  bool found = k && bsearch(&k, r->done, r->n_done, sizeof *r->done, cmp_key);
  free(k);
  return found;
}

static pt_model_summary *summary_for(target *r, const char *model) {
  for (size_t i = 0; i < r->res->n_models; i++)
    if (!strcmp(r->res->models[i].model, model))
      return &r->res->models[i];
  return NULL;
}

/* Count a row (earlier or new) into the result. */
static void count_row(target *r, const pt_trial *t) {
  pt_model_summary *s = t->model ? summary_for(r, t->model) : NULL;
  if (t->status == PT_STATUS_OK) {
    if (t->warmup) {
      r->res->warmup++;
    } else {
      r->res->ok++;
      if (s) {
        s->ok++;
        if (isfinite(t->eval_rate)) {
          s->rate_sum += t->eval_rate;
          s->rate_n++;
        }
      }
    }
  } else if (t->status == PT_STATUS_ERROR || t->status == PT_STATUS_TIMEOUT) {
    if (t->warmup) {
      r->res->warmup_failed++;
    } else {
      r->res->failed++;
      if (s)
        s->failed++;
    }
  }
}

static void count_into(const pt_trial *t, long *ok, long *failed, long *warmup) {
  if (t->status == PT_STATUS_OK)
    ++*(t->warmup ? warmup : ok);
  else if (t->status == PT_STATUS_ERROR || t->status == PT_STATUS_TIMEOUT)
    ++*failed;
}

/* ------------------------------------------------------- last words */

/* What a second Ctrl-C writes (core/interrupt.h): per target, the manifest
 * as it would be if interrupted now, kept up to date inside critical
 * sections and written by lw_write from the signal handler. ended_at is
 * patched in at that moment. */
#define LW_STAMP "0000-00-00T00:00:00.000Z"
#define LW_MAX_STAMPS 4

typedef struct lw_slot {
  char path[PATH_MAX];
  char tmp[PATH_MAX + 16];
  char *text;
  size_t len;
  size_t stamp[LW_MAX_STAMPS];
  int n_stamps;
} lw_slot;

static lw_slot *lw_slots;
static size_t lw_n;

static void put_digits(char *p, long v, int width) {
  for (int i = width - 1; i >= 0; i--) {
    p[i] = (char)('0' + v % 10);
    v /= 10;
  }
}

/* Now as "YYYY-MM-DDTHH:MM:SS.mmmZ" with arithmetic only (no gmtime_r in
 * a signal handler): civil_from_days of H. Hinnant's date algorithms. */
static void lw_now(char out[24]) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  long long days = ts.tv_sec / 86400, sod = ts.tv_sec % 86400;
  long long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  long long doe = z - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
  long long m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  memcpy(out, LW_STAMP, 24);
  put_digits(out, (long)y, 4);
  put_digits(out + 5, (long)m, 2);
  put_digits(out + 8, (long)d, 2);
  put_digits(out + 11, (long)(sod / 3600), 2);
  put_digits(out + 14, (long)(sod / 60 % 60), 2);
  put_digits(out + 17, (long)(sod % 60), 2);
  put_digits(out + 20, ts.tv_nsec / 1000000, 3);
}

static bool lw_write_all(int fd, const char *p, size_t len) {
  while (len) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    len -= (size_t)n;
  }
  return true;
}

/* The signal handler's: async-signal-safe calls only. */
static void lw_write(void) {
  char now[24];
  lw_now(now);
  for (size_t i = 0; i < lw_n; i++) {
    lw_slot *s = &lw_slots[i];
    if (!s->text)
      continue;
    for (int k = 0; k < s->n_stamps; k++)
      memcpy(s->text + s->stamp[k], now, 24);
    int fd = open(s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    bool ok = fd >= 0 && lw_write_all(fd, s->text, s->len) && fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0)
      ok = false;
    if (ok && rename(s->tmp, s->path) == 0)
      continue;
    if (fd >= 0)
      unlink(s->tmp);
    /* no room for a copy: in place, when it fits in the old file's blocks */
    fd = open(s->path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        (uintmax_t)s->len <= (uintmax_t)st.st_blocks * 512 && pwrite(fd, s->text, s->len, 0) ==
        (ssize_t)s->len)
      (void)(ftruncate(fd, (off_t)s->len) == 0 && fsync(fd) == 0);
    if (fd >= 0)
      close(fd);
  }
}

static pt_code lw_init(size_t n, pt_error *err) {
  lw_slots = calloc(n ? n : 1, sizeof *lw_slots);
  if (!lw_slots)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  lw_n = n;
  return PT_OK;
}

static void lw_free(void) {
  pt_interrupt_enter();
  pt_interrupt_set_last_words(NULL);
  for (size_t i = 0; i < lw_n; i++)
    free(lw_slots[i].text);
  free(lw_slots);
  lw_slots = NULL;
  lw_n = 0;
  pt_interrupt_leave();
}

/* ------------------------------------------------------- the manifest */

static const char *session_status_now(const target *r, bool interrupted) {
  return interrupted ? PT_MF_STATUS_INTERRUPTED : r->s.status;
}

/* The live session for the writer; with stamp, as interrupted now. */
static void session_view(const target *r, bool as_interrupted, pt_manifest_session *ms) {
  const session *s = &r->s;
  memset(ms, 0, sizeof *ms);
  bool ended = s->ended_at[0] != '\0';
  ms->run_id = s->run_id;
  ms->status = session_status_now(r, as_interrupted && !ended);
  ms->reason = as_interrupted && !ended ? "interrupted by a second signal"
               : s->reason[0]            ? s->reason
                                         : NULL;
  ms->started_at = s->started_at;
  ms->ended_at = ended ? s->ended_at : as_interrupted ? LW_STAMP : NULL;
  ms->boot_id = s->orig_boot_id ? s->orig_boot_id : s->boot_id;
  ms->order = s->fixed ? PT_MF_ORDER_FIXED : PT_MF_ORDER_RANDOM;
  ms->order_seed = s->seed;
  ms->endpoint_url = r->t->url;
  ms->endpoint_local = pt_url_is_local(r->t->url);
  ms->ollama_version = s->orig_version ? s->orig_version : r->version;
  ms->models = r->models;
  ms->n_models = r->models ? r->plan->n_models : 0;
  ms->host = s->have_host ? &s->host : NULL;
  ms->host_json = s->orig_host;
  ms->notes = r->notes;
  ms->ok = s->ok;
  ms->failed = s->failed;
  ms->warmup = s->warmup;
  ms->skipped = s->skipped;
  ms->unload = s->unload;
  ms->forced = s->forced;
  ms->differs = s->differs;
}

/* The run's status and reason at this moment. */
static void run_state(const target *r, bool as_interrupted, const char **status,
                      const char **reason, bool *ended) {
  if (r->status) {
    *status = r->status;
    *reason = r->reason[0] ? r->reason : NULL;
    *ended = true;
  } else if (as_interrupted) {
    *status = PT_MF_STATUS_INTERRUPTED;
    *reason = "interrupted by a second signal";
    *ended = true;
  } else {
    *status = PT_MF_STATUS_RUNNING;
    *reason = NULL;
    *ended = false;
  }
}

static void manifest_view(const target *r, bool as_interrupted, pt_manifest_session *ms,
                          pt_manifest *m, char ended_at[32]) {
  bool ended;
  memset(m, 0, sizeof *m);
  run_state(r, as_interrupted, &m->status, &m->reason, &ended);
  if (ended && !as_interrupted)
    pt_iso_now(ended_at);
  m->ended_at = !ended ? NULL : as_interrupted ? LW_STAMP : ended_at;
  m->environment = r->t->environment;
  m->label = r->label;
  m->plan = r->plan;
  m->plan_json = r->run_plan;
  m->options_json = r->run_options;
  m->stream = r->cfg->stream;
  m->order = r->fixed ? PT_MF_ORDER_FIXED : PT_MF_ORDER_RANDOM;
  m->sessions_planned = r->planned;
  m->ok = r->res->ok;
  m->failed = r->res->failed + r->res->warmup_failed;  /* every row that failed */
  m->warmup = r->res->warmup;
  m->sessions = r->sessions;
  if (r->live) {
    session_view(r, as_interrupted, ms);
    m->current = ms;
  }
}

/* Render what a second Ctrl-C would leave now into r's slot. Called with a
 * critical section open. Out of memory keeps the previous text. */
static void lw_refresh(target *r) {
  if (r->slot < 0 || !r->dir_exists)
    return;
  pt_telemetry_info ti;
  pt_manifest_session ms;
  pt_manifest m;
  char ended_at[32];
  manifest_view(r, true, &ms, &m, ended_at);
  if (r->live && r->s.telemetry && !r->s.tinfo_final) {
    pt_telemetry_get_info(r->s.telemetry, &ti);
    ms.telemetry = &ti;
  } else if (r->live && r->s.tinfo_final) {
    ms.telemetry = &r->s.tinfo;
  }
  pt_buf b = PT_BUF_INIT;
  if (pt_manifest_render(&m, &b)) {
    pt_buf_free(&b);
    return;
  }
  lw_slot *s = &lw_slots[r->slot];
  size_t len;
  char *text = pt_buf_detach(&b, &len);
  if (!text)
    return;
  s->n_stamps = 0;
  for (char *p = text; s->n_stamps < LW_MAX_STAMPS && (p = strstr(p, LW_STAMP)); p += 24)
    s->stamp[s->n_stamps++] = (size_t)(p - text);
  free(s->text);
  s->text = text;
  s->len = len;
}

/* Write the manifest (a critical section), then refresh the last words. */
static pt_code write_manifest(target *r, pt_error *err) {
  pt_telemetry_info ti;
  pt_manifest_session ms;
  pt_manifest m;
  char ended_at[32];
  manifest_view(r, false, &ms, &m, ended_at);
  if (r->live && r->s.tinfo_final) {
    ms.telemetry = &r->s.tinfo;
  } else if (r->live && r->s.telemetry) {
    pt_telemetry_get_info(r->s.telemetry, &ti);
    ms.telemetry = &ti;
  }
  pt_interrupt_enter();
  pt_code rc = pt_manifest_write(r->manifest_path, &m, err);
  lw_refresh(r);
  pt_interrupt_leave();
  return rc;
}

/* ------------------------------------------------------- run directory */

/* A file of the run directory that is a symbolic link is not ptbench's:
 * never written through, replaced or read as the run's. */
static pt_code refuse_link(const char *path, pt_error *err) {
  struct stat st;
  if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
    return pt_error_at(err, PT_EUNSAFE, path, 0, 0,
                       "is a symbolic link; refusing to write through it (choose another "
                       "--out, or replace the link with the file)");
  return PT_OK;
}

/* Hold the run directory while writing it: another collect is refused. */
static pt_code lock_dir(target *r, pt_error *err) {
  if (r->lock_fd >= 0)
    return PT_OK;
  int fd = open(r->t->out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return pt_error_at(err, PT_EIO, r->t->out_dir, 0, 0, "cannot open the run directory: %s",
                       strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    close(fd);
    if (e == EWOULDBLOCK)
      return pt_error_at(err, PT_EUSAGE, r->t->out_dir, 0, 0,
                         "another 'ptbench collect' is writing this run directory; wait for it "
                         "to end, or choose another --out");
    return pt_error_at(err, PT_EIO, r->t->out_dir, 0, 0, "cannot lock the run directory: %s",
                       strerror(e));
  }
  r->lock_fd = fd;
  return PT_OK;
}

/* The reader's warnings (a last row cut short by an interrupted write) are
 * the user's to know. */
static void on_read_warning(void *ctx, const pt_error *w) {
  char buf[sizeof w->msg + sizeof w->file + 64];
  warn(ctx, "%s", pt_error_format(w, buf, sizeof buf));
}

/* Rows already in trials.csv: counted, checked against the run, and the
 * finished trials of the session to resume collected. */
typedef struct scan {
  target *r;
  const char *resume_id;    /* run_id of the last session (counted; its done trials
                               collected when it is resumed) */
  bool single;              /* the run has one session: rows without a run_id are its */
} scan;

static bool known_session(const target *r, const char *id) {
  const cJSON *s;
  cJSON_ArrayForEach(s, r->sessions) {
    const char *rid = pt_mf_run_id(s);
    if (rid && !strcmp(rid, id))
      return true;
  }
  const char *rid = pt_mf_run_id(r->resume);
  return rid && !strcmp(rid, id);
}

static pt_code scan_row(void *ctx, const pt_row *row, pt_error *err) {
  scan *sc = ctx;
  target *r = sc->r;
  pt_trial t;
  pt_code rc = pt_row_to_trial(row, &t, err);
  if (rc)
    return rc;
  bool has_id = t.run_id && t.run_id[0];
  if (t.environment && strcmp(t.environment, r->t->environment)) {
    rc = pt_error_at(err, PT_EUSAGE, row->path, row->line, 0,
                     "rows are for environment '%s', not '%s'; give --env %s or choose "
                     "another --out", t.environment, r->t->environment, t.environment);
  } else if (has_id && !known_session(r, t.run_id)) {
    /* trials.csv and manifest.json must describe the same run */
    rc = pt_error_at(err, PT_EUNSAFE, row->path, row->line, 0,
                     "row of session '%s', which %s does not list: the files are not of one "
                     "run; refusing to write to them", t.run_id, r->manifest_path);
  } else if (!has_id && !sc->single) {
    rc = pt_error_at(err, PT_EUNSAFE, row->path, row->line, 0,
                     "row without a run_id in a run of several sessions: the files are not "
                     "ptbench's; refusing to write to them");
  } else {
    count_row(r, &t);
    bool mine = has_id ? sc->resume_id && !strcmp(t.run_id, sc->resume_id) : sc->single;
    if (mine) {
      count_into(&t, &r->resume_ok, &r->resume_failed, &r->resume_warmup);
      if (t.seq > r->resume_seq)
        r->resume_seq = t.seq;
    }
    if (mine && r->resume && t.status == PT_STATUS_OK && !t.warmup && t.model && t.prompt_id) {
      char **d = pt_grow_array(r->done, &r->cap_done, r->n_done + 1, sizeof *d);
      if (!d)
        rc = pt_error_set(err, PT_ENOMEM, "out of memory");
      else
        r->done = d;
      if (!rc && !(r->done[r->n_done] = trial_key(t.model, t.prompt_id, t.trial)))
        rc = pt_error_set(err, PT_ENOMEM, "out of memory");
      if (!rc)
        r->n_done++;
    }
  }
  pt_trial_free_strings(&t);
  return rc;
}

/* A session object of an old manifest (before sessions): its top level. */
static cJSON *session_from_top(const cJSON *m) {
  static const char *const keys[] = {
      PT_MF_RUN_ID, PT_MF_STATUS, PT_MF_REASON, PT_MF_STARTED_AT, PT_MF_ENDED_AT,
      PT_MF_BOOT_ID, PT_MF_ORDER, PT_MF_ENDPOINT, PT_MF_OLLAMA, PT_MF_MODELS, PT_MF_HOST,
      PT_MF_NOTES, PT_MF_TELEMETRY, PT_MF_TRIALS, PT_MF_SKIPPED, PT_MF_UNLOAD};
  cJSON *s = cJSON_CreateObject();
  for (size_t i = 0; s && i < sizeof keys / sizeof *keys; i++) {
    const cJSON *v = pt_json_get(m, keys[i]);
    cJSON *c = NULL;
    if (!strcmp(keys[i], PT_MF_ORDER)) {  /* the old collector ran in plan order */
      c = cJSON_CreateObject();
      if (c && (!cJSON_AddStringToObject(c, PT_MF_MODE, PT_MF_ORDER_FIXED) ||
                !cJSON_AddNullToObject(c, PT_MF_SEED))) {
        cJSON_Delete(c);
        c = NULL;
      }
    } else {
      c = v ? cJSON_Duplicate(v, true) : cJSON_CreateNull();
    }
    if (!c || !cJSON_AddItemToObject(s, keys[i], c)) {
      cJSON_Delete(c);
      cJSON_Delete(s);
      return NULL;
    }
  }
  return s;
}

static bool set_member(cJSON *o, const char *key, cJSON *v) {
  if (!v)
    return false;
  if (cJSON_GetObjectItemCaseSensitive(o, key))
    return cJSON_ReplaceItemInObjectCaseSensitive(o, key, v);
  return cJSON_AddItemToObject(o, key, v);
}

/* "a: 1 here, 2 in the run" lines for an object member that differs
 * (members of skip, compared elsewhere, left out). */
static pt_code diff_objects(const cJSON *run, const cJSON *now, const cJSON *skip,
                            const char *what, pt_buf *out) {
  const cJSON *items[2] = {run, now};
  for (int side = 0; side < 2; side++) {
    const cJSON *v;
    cJSON_ArrayForEach(v, items[side]) {
      if (pt_json_get(skip, v->string))
        continue;
      const cJSON *other = pt_json_get(items[1 - side], v->string);
      if (side == 1 && other)
        continue;  /* compared from the run's side */
      const cJSON *a = side ? other : v, *b = side ? v : other;
      if (a && b && cJSON_Compare(a, b, true))
        continue;
      char *sa = a ? cJSON_PrintUnformatted(a) : NULL, *sb = b ? cJSON_PrintUnformatted(b) : NULL;
      pt_code rc = pt_buf_printf(out, "%s%s '%s' is %s here, %s in the run", out->len ? "; " : "",
                                 what, v->string, sb ? sb : "not set", sa ? sa : "not set");
      cJSON_free(sa);
      cJSON_free(sb);
      if (rc)
        return rc;
    }
  }
  return PT_OK;
}

static pt_code diff_value(const cJSON *run, const cJSON *now, const char *what, pt_buf *out) {
  if ((!run && !now) || (run && now && cJSON_Compare(run, now, true)))
    return PT_OK;
  char *sa = run ? cJSON_PrintUnformatted(run) : NULL, *sb = now ? cJSON_PrintUnformatted(now) : NULL;
  pt_code rc = pt_buf_printf(out, "%s%s are %s here, %s in the run", out->len ? "; " : "", what,
                             sb ? sb : "not set", sa ? sa : "not set");
  cJSON_free(sa);
  cJSON_free(sb);
  return rc;
}

/* What an added session would do differently from the run: the plan's
 * models, prompts, trials and warm-ups, the options, the order. */
static pt_code plan_differences(target *r, const cJSON *m, pt_buf *out) {
  cJSON *opts = pt_manifest_options(r->plan, r->cfg->stream);
  cJSON *plan = pt_plan_to_json(r->plan);
  pt_code rc = opts && plan ? PT_OK : PT_ENOMEM;
  const cJSON *rp = pt_mf_plan(m);
  if (!rc)
    rc = diff_objects(pt_mf_options(m), opts, NULL, "option", out);
  if (!rc)  /* the plan's extra options */
    rc = diff_objects(pt_json_get(rp, PT_MF_PLAN_OPTIONS), pt_json_get(plan, PT_MF_PLAN_OPTIONS),
                      opts, "option", out);
  static const char *const keys[][2] = {
      {PT_MF_PLAN_MODELS, "models"}, {PT_MF_PROMPTS, "prompts"}, {PT_MF_PLAN_TRIALS, "trials"},
      {PT_MF_PLAN_WARMUP, "warm-ups"}};
  for (size_t i = 0; !rc && i < sizeof keys / sizeof *keys; i++)
    rc = diff_value(pt_json_get(rp, keys[i][0]), pt_json_get(plan, keys[i][0]), keys[i][1], out);
  const char *order = pt_mf_order(m);
  const char *now = r->cfg->fixed_order ? PT_MF_ORDER_FIXED : PT_MF_ORDER_RANDOM;
  if (!rc && order && strcmp(order, now))
    rc = pt_buf_printf(out, "%sthe order is %s here, %s in the run", out->len ? "; " : "", now,
                       order);
  cJSON_Delete(opts);
  cJSON_Delete(plan);
  return rc;
}

/* A resumed session must send what it sent: the options, and the same
 * text under each prompt id it already has rows for. */
static pt_code check_resume_plan(target *r, const cJSON *m, pt_error *err) {
  pt_code rc = PT_OK;
  cJSON *now = pt_manifest_options(r->plan, r->cfg->stream);
  cJSON *plan_opts = pt_plan_options_json(r->plan);
  if (!now || !plan_opts)
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  const cJSON *pairs[][2] = {{pt_mf_options(m), now},
                             {pt_json_get(pt_mf_plan(m), PT_MF_PLAN_OPTIONS), plan_opts}};
  for (size_t i = 0; !rc && i < 2; i++) {
    if (!pairs[i][0] || cJSON_Compare(pairs[i][0], pairs[i][1], true))
      continue;
    char *a = cJSON_PrintUnformatted(pairs[i][0]), *b = cJSON_PrintUnformatted(pairs[i][1]);
    rc = pt_error_at(err, PT_EUSAGE, r->manifest_path, 0, 0,
                     "the run used other options (%s) than this one (%s); resume with the "
                     "same options or choose another --out", a ? a : "?", b ? b : "?");
    cJSON_free(a);
    cJSON_free(b);
  }
  cJSON_Delete(now);
  cJSON_Delete(plan_opts);
  const cJSON *pr;
  cJSON_ArrayForEach(pr, pt_json_get(pt_mf_plan(m), PT_MF_PROMPTS)) {
    const char *id = pt_json_str(pr, PT_MF_ID), *text = pt_json_str(pr, PT_MF_TEXT);
    for (size_t i = 0; !rc && id && text && i < r->plan->n_prompts; i++)
      if (!strcmp(r->plan->prompts[i].id, id) && strcmp(r->plan->prompts[i].text, text))
        rc = pt_error_at(err, PT_EUSAGE, r->manifest_path, 0, 0,
                         "prompt '%s' had another text in the run; resume with the same "
                         "prompts or choose another --out", id);
    if (rc)
      break;
  }
  return rc;
}

/* What a run directory's trials.csv holds before a collect writes it. */
typedef enum {
  TRIALS_NONE,    /* absent, or 0 bytes (the disk filled before its header) */
  TRIALS_HEADER,  /* a header and no row (the disk filled before the manifest) */
  TRIALS_ROWS,    /* rows, or anything else: not a file to start afresh */
} trials_state;

#define HEADER_ONLY_MAX ((off_t)1 << 16)  /* larger files are not read to find out */

static pt_code trials_state_of(const target *r, trials_state *out, pt_error *err) {
  struct stat st;
  *out = TRIALS_ROWS;
  if (lstat(r->trials_path, &st) != 0) {
    if (errno != ENOENT)
      return pt_error_at(err, PT_EIO, r->trials_path, 0, 0, "cannot access: %s",
                         strerror(errno));
    *out = TRIALS_NONE;
  } else if (S_ISREG(st.st_mode) && st.st_size == 0) {
    *out = TRIALS_NONE;
  } else if (S_ISREG(st.st_mode) && st.st_size <= HEADER_ONLY_MAX) {
    /* a header ptbench can append to and no row, not even a torn one */
    pt_read_cfg rcfg = {.path = r->trials_path, .nctx = 1};
    pt_read_info info;
    pt_error rerr;
    pt_error_clear(&rerr);
    if (pt_trials_read_path(&rcfg, &info, &rerr) == PT_OK && info.rows == 0 &&
        !info.torn_line && !info.header_repeats)
      *out = TRIALS_HEADER;
  }
  return PT_OK;
}

/* A directory with no run in it (no manifest.json, and a trials.csv with no
 * row: absent, empty or a header only) takes a new run; *fresh says so. */
static pt_code no_run_here(target *r, bool *fresh, trials_state *ts, pt_error *err) {
  *fresh = false;
  pt_code rc = trials_state_of(r, ts, err);
  if (rc)
    return rc;
  struct stat st;
  if (lstat(r->manifest_path, &st) == 0)
    return PT_OK;
  if (errno != ENOENT)
    return pt_error_at(err, PT_EIO, r->manifest_path, 0, 0, "cannot access: %s",
                       strerror(errno));
  *fresh = *ts != TRIALS_ROWS;
  return PT_OK;
}

/* Before anything is sent: refuse to overwrite, or load the run that
 * --resume or --add-session continues. A directory without a manifest whose
 * trials.csv has no row (empty: the disk filled before its header; a header
 * only: before the first manifest) takes a new run, whatever the mode. A
 * manifest.json that collect did not write (an import's, published data,
 * anything else) is never replaced, resumed or added to. */
static pt_code open_dir(target *r, pt_error *err) {
  const pt_collect_cfg *c = r->cfg;
  pt_code rc = refuse_link(r->trials_path, err);
  if (!rc)
    rc = refuse_link(r->manifest_path, err);
  if (rc)
    return rc;
  r->dir_exists = pt_is_dir(r->t->out_dir);
  if (r->dir_exists && (rc = lock_dir(r, err)))
    return rc;
  bool fresh;
  trials_state ts = TRIALS_NONE;
  if ((rc = no_run_here(r, &fresh, &ts, err)) || fresh)
    return rc;
  if (!pt_exists(r->manifest_path))  /* rows, and no manifest */
    return pt_error_at(err, PT_EUSAGE, r->manifest_path, 0, 0,
                       "is missing beside a trials.csv with rows: the run's sessions are "
                       "unknown; choose another --out");
  pt_error lerr;
  pt_error_clear(&lerr);
  cJSON *m = pt_manifest_load(r->manifest_path, &lerr);
  if (m && !pt_mf_is_collected(m)) {
    const cJSON *src = pt_mf_source(m);
    const char *kind = pt_json_str(src, "kind");
    rc = pt_error_at(err, PT_EUSAGE, r->manifest_path, 0, 0,
                     "is not the manifest of a run 'ptbench collect' made (%s); not %s: "
                     "choose another --out",
                     kind && !strcmp(kind, "import") ? "it was imported"
                     : src                           ? "it describes published data"
                                                     : "it has no plan or options",
                     c->mode == PT_COLLECT_NEW ? "overwritten" : "resumed or added to");
    cJSON_Delete(m);
    return rc;
  }
  if (c->mode == PT_COLLECT_NEW) {
    bool readable = m != NULL;
    cJSON_Delete(m);
    if (ts == TRIALS_ROWS)
      return pt_error_at(err, PT_EUSAGE, r->trials_path, 0, 0,
                         "already exists; add --resume to run the trials it lacks, "
                         "--add-session to add a session, or choose another --out");
    return pt_error_at(err, PT_EUSAGE, r->manifest_path, 0, 0,
                       readable ? "already exists; add --resume to finish its run, "
                                  "--add-session to add a session, or choose another --out"
                                : "already exists and is not a manifest ptbench can read; "
                                  "not overwritten: choose another --out");
  }
  if (!m) {
    *err = lerr;
    return err->code;
  }
  const char *env = pt_mf_environment(m);
  if (env && strcmp(env, r->t->environment)) {
    rc = pt_error_at(err, PT_EUSAGE, r->manifest_path, 0, 0,
                     "the run was collected for environment '%s', not '%s'", env,
                     r->t->environment);
    cJSON_Delete(m);
    return rc;
  }
  /* the sessions, an old manifest's as one */
  cJSON *sessions = cJSON_DetachItemFromObjectCaseSensitive(m, PT_MF_SESSIONS);
  if (!cJSON_IsArray(sessions)) {
    cJSON_Delete(sessions);
    sessions = cJSON_CreateArray();
    cJSON *one = session_from_top(m);
    if (!sessions || !one || !cJSON_AddItemToArray(sessions, one)) {
      cJSON_Delete(one);
      cJSON_Delete(sessions);
      cJSON_Delete(m);
      return pt_error_set(err, PT_ENOMEM, "out of memory");
    }
  }
  cJSON_Delete(r->sessions);
  r->sessions = sessions;
  r->have_run = true;
  long count = cJSON_GetArraySize(sessions);
  r->planned = pt_mf_sessions_planned(m);
  if (r->planned < count)
    r->planned = count;
  const char *order = pt_mf_order(m);
  r->fixed = order ? !strcmp(order, PT_MF_ORDER_FIXED) : c->fixed_order;
  if (!r->label && pt_mf_label(m) && !(r->label = strdup(pt_mf_label(m))))
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  if (!c->notes && !rc) {
    const cJSON *notes = pt_mf_notes(cJSON_GetArrayItem(sessions, count - 1));
    if (!notes)
      notes = pt_mf_notes(m);
    if (notes && !(r->notes = cJSON_Duplicate(notes, true)))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  }

  cJSON *last = cJSON_GetArrayItem(sessions, count - 1);
  const char *lst = pt_mf_status(last);
  if (!rc && c->mode == PT_COLLECT_RESUME) {
    rc = check_resume_plan(r, m, err);
    /* the last session, finished or not: its trials without an ok row run */
    if (!rc)
      r->resume = cJSON_DetachItemFromArray(sessions, count - 1);
    if (!rc)
      r->to_run = r->planned - count;
  } else if (!rc) { /* ADD */
    pt_buf diff = PT_BUF_INIT;
    if (plan_differences(r, m, &diff))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    else if (diff.len && !c->force)
      rc = pt_error_at(err, PT_EUSAGE, r->manifest_path, 0, 0,
                       "a session with these settings would not be comparable with the run's: "
                       "%s; use the run's settings, or add --force to add it anyway",
                       diff.data);
    else if (diff.len) {
      warn(r, "%s: --force: adding a session that differs from the run: %s", r->t->out_dir,
           diff.data);
      r->forced = cJSON_CreateArray();
      cJSON *s = cJSON_CreateString(diff.data);
      if (!r->forced || !s || !cJSON_AddItemToArray(r->forced, s)) {
        cJSON_Delete(s);
        rc = pt_error_set(err, PT_ENOMEM, "out of memory");
      }
      /* the run keeps its own plan and options */
      r->run_plan = cJSON_DetachItemFromObjectCaseSensitive(m, PT_MF_PLAN);
      r->run_options = cJSON_DetachItemFromObjectCaseSensitive(m, PT_MF_OPTIONS);
    }
    pt_buf_free(&diff);
    long add = c->sessions > 0 ? c->sessions : 1;
    r->planned = count + add;
    r->to_run = add;
  }
  cJSON_Delete(m);
  if (rc)
    return rc;

  scan sc = {r, pt_mf_run_id(r->resume ? r->resume : last), count == 1};
  void *ctxs[1] = {&sc};
  pt_read_cfg rcfg = {.path = r->trials_path, .on_row = scan_row, .ctxs = ctxs, .nctx = 1,
                      .on_warning = on_read_warning, .warn_ctx = r};
  if (ts != TRIALS_NONE)  /* absent or empty: no row yet (the writer makes the header) */
    rc = pt_trials_read_path(&rcfg, NULL, err);
  if (!rc && r->n_done > 1)
    qsort(r->done, r->n_done, sizeof *r->done, cmp_key);

  /* a last session still "running" that is not resumed was stopped without
   * a word (killed, power lost): say so, with its rows' counts */
  if (!rc && !r->resume && lst && !strcmp(lst, PT_MF_STATUS_RUNNING)) {
    bool ok = set_member(last, PT_MF_STATUS, cJSON_CreateString(PT_MF_STATUS_INTERRUPTED)) &&
              set_member(last, PT_MF_TRIALS,
                         pt_manifest_trials_json(r->resume_ok, r->resume_failed, r->resume_warmup)) &&
              set_member(last, PT_MF_REASON,
                         cJSON_CreateString("the collector stopped without a word (killed, or "
                                            "the machine went down); found by the next "
                                            "collect"));
    if (!ok)
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  return rc;
}

/* ------------------------------------------------------------ preflight */

static void on_pull(void *ctx, const char *status, int64_t completed, int64_t total) {
  target *r = ctx;
  pt_collect_event ev = {.kind = PT_EV_PULL, .model = NULL, .message = status,
                         .completed = completed, .bytes = total};
  emit(r, &ev);
}

/* Names of the plan's models missing from a tags reply, ", "-separated into
 * b; returns how many. */
static size_t missing_models(target *r, const cJSON *tags, pt_buf *b) {
  size_t n = 0;
  pt_buf_reset(b);
  for (size_t i = 0; i < r->plan->n_models; i++)
    if (!pt_ollama_find_model(tags, r->plan->models[i])) {
      pt_buf_printf(b, "%s'%s'", n ? ", " : "", r->plan->models[i]);
      n++;
    }
  return n;
}

static pt_code no_server(target *r, pt_code rc, pt_error *err) {
  char detail[sizeof err->msg];
  const char *d = err->msg;
  if (!strncmp(d, "cannot connect: ", 16))
    d += 16;
  snprintf(detail, sizeof detail, "%s", d);
  pt_error_set_file(err, r->t->url);
  pt_error_set(err, rc, "no Ollama server answers (%s); is Ollama running? start it with "
                        "'ollama serve', or give its address with --host URL or OLLAMA_HOST",
               detail);
  return rc;
}

/* Version, models present (pulled on request), their details. With
 * details false (a later session), only version and digests are asked
 * again and the details kept. */
static pt_code preflight(target *r, bool details, pt_error *err) {
  const pt_collect_cfg *c = r->cfg;
  cJSON *j = NULL;
  pt_code rc = pt_ollama_get_json(r->client, "/api/version", &j, err);
  if (rc == PT_ENET || rc == PT_ETIMEOUT)
    return no_server(r, rc, err);
  if (rc)
    return rc;
  const char *v = pt_json_str(j, "version");
  char *prev = r->version;
  r->version = v ? strdup(v) : NULL;
  cJSON_Delete(j);
  if (v && !r->version) {
    free(prev);
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  if (details) {
    pt_collect_event ev = {.kind = PT_EV_CONNECTED, .message = r->version ? r->version : "?"};
    emit(r, &ev);
  } else if (prev && r->version && strcmp(prev, r->version)) {
    warn(r, "%s: Ollama is %s now, %s at the run's start", r->t->url, r->version, prev);
  }
  free(prev);

  cJSON *tags = NULL;
  pt_buf miss = PT_BUF_INIT;
  if ((rc = pt_ollama_get_json(r->client, "/api/tags", &tags, err)))
    return rc;
  size_t n = missing_models(r, tags, &miss);
  if (n && c->pull && details) {
    for (size_t i = 0; !rc && i < r->plan->n_models; i++) {
      const char *m = r->plan->models[i];
      if (pt_ollama_find_model(tags, m))
        continue;
      pt_collect_event pe = {.kind = PT_EV_PULL, .model = m, .message = "pulling",
                             .completed = -1, .bytes = -1};
      emit(r, &pe);
      rc = pt_ollama_pull(r->client, m, on_pull, r, err);
    }
    cJSON_Delete(tags);
    tags = NULL;
    if (!rc)
      rc = pt_ollama_get_json(r->client, "/api/tags", &tags, err);
    if (!rc)
      n = missing_models(r, tags, &miss);
  }
  if (!rc && n)
    rc = pt_error_at(err, PT_ENOTFOUND, r->t->url, 0, 0,
                     "%s not on this server: %s; pull %s with 'ollama pull NAME' or rerun "
                     "with --pull", n == 1 ? "model" : "models", miss.data,
                     n == 1 ? "it" : "them");
  pt_buf_free(&miss);
  if (rc) {
    cJSON_Delete(tags);
    return rc;
  }

  if (!details) {  /* digests may have changed: keep the details, take the digest */
    for (size_t i = 0; !rc && i < r->plan->n_models; i++) {
      const char *d = pt_json_str(pt_ollama_find_model(tags, r->plan->models[i]), PT_MF_DIGEST);
      char *copy = d ? strdup(d) : NULL;
      if (d && !copy)
        rc = pt_error_set(err, PT_ENOMEM, "out of memory");
      free(r->models[i].digest);
      r->models[i].digest = copy;
    }
    cJSON_Delete(tags);
    return rc;
  }
  if (!r->models && !(r->models = calloc(r->plan->n_models, sizeof *r->models)))
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  for (size_t i = 0; !rc && i < r->plan->n_models; i++) {
    const char *m = r->plan->models[i];
    cJSON *req = cJSON_CreateObject(), *show = NULL;
    if (!req || !cJSON_AddStringToObject(req, "model", m)) {
      cJSON_Delete(req);
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
      break;
    }
    pt_error e2;
    pt_error_clear(&e2);
    pt_code src = pt_ollama_post_json(r->client, "/api/show", req, &show, &e2);
    cJSON_Delete(req);
    if (src == PT_EINTERRUPTED) {
      *err = e2;
      rc = src;
      break;
    }
    if (src)
      warn(r, "no details for model '%s': %s", m, e2.msg);
    pt_model_info_free(&r->models[i]);
    rc = pt_model_info_set(&r->models[i], m, pt_ollama_find_model(tags, m), show, err);
    cJSON_Delete(show);
  }
  cJSON_Delete(tags);
  return rc;
}

/* The models whose digest differs from the one session ref recorded,
 * "'m': abc here, def in ..." into out. */
static pt_code digest_differences(target *r, const cJSON *ref, const char *where, pt_buf *out) {
  for (size_t i = 0; i < r->plan->n_models; i++) {
    const char *was = pt_mf_model_digest(ref, r->plan->models[i]), *now = r->models[i].digest;
    if (was && now && strcmp(was, now) &&
        pt_buf_printf(out, "%smodel '%s' has digest %.12s here, %.12s in %s",
                      out->len ? "; " : "", r->plan->models[i], now, was, where))
      return PT_ENOMEM;
  }
  return PT_OK;
}

/* ------------------------------------------------------------ sessions */

static void new_run_id(char *buf, size_t size) {
  unsigned char rnd[4];
  if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd) {
    unsigned v = (unsigned)getpid() ^ (unsigned)pt_now_ns();
    memcpy(rnd, &v, sizeof rnd);
  }
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  char ts[20];
  strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
  snprintf(buf, size, "%s-%02x%02x%02x%02x", ts, rnd[0], rnd[1], rnd[2], rnd[3]);
}

static uint64_t random_seed(void) {
  uint64_t v;
  if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v)
    v = (uint64_t)pt_now_ns() ^ ((uint64_t)getpid() << 32);
  return v & ((1ull << 53) - 1);  /* a JSON number keeps it exactly */
}

static void session_free(session *s) {
  free(s->boot_id);
  if (s->have_host)
    pt_host_free(&s->host);
  pt_telemetry_close(s->telemetry);
  free(s->failures);
  free(s->skip);
  cJSON_Delete(s->skipped);
  cJSON_Delete(s->unload);
  cJSON_Delete(s->forced);
  cJSON_Delete(s->differs);
  cJSON_Delete(s->orig_host);
  free(s->orig_boot_id);
  free(s->orig_version);
  free(s->orig_ended_at);
  memset(s, 0, sizeof *s);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

/* Unload the plan's models that the server lists as loaded (keep_alive 0)
 * and wait, cfg->unload_wait_s at most, until /api/ps no longer lists them. */
static pt_code unload_models(target *r, cJSON **out, pt_error *err) {
  *out = NULL;
  cJSON *ps = NULL, *names = cJSON_CreateArray(), *left = cJSON_CreateArray();
  cJSON *o = cJSON_CreateObject();
  if (!names || !left || !o) {
    cJSON_Delete(names);
    cJSON_Delete(left);
    cJSON_Delete(o);
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  int64_t t0 = pt_now_ns();
  pt_code rc = pt_ollama_get_json(r->client, "/api/ps", &ps, err);
  for (size_t i = 0; !rc && i < r->plan->n_models; i++) {
    const char *m = r->plan->models[i];
    if (!pt_ollama_find_model(ps, m))
      continue;
    cJSON *name = cJSON_CreateString(m);
    if (!name || !cJSON_AddItemToArray(names, name)) {
      cJSON_Delete(name);
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
      break;
    }
    cJSON *req = cJSON_CreateObject();
    if (!req || !cJSON_AddStringToObject(req, "model", m) ||
        !cJSON_AddNumberToObject(req, "keep_alive", 0) ||
        !cJSON_AddBoolToObject(req, "stream", false)) {
      cJSON_Delete(req);
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
      break;
    }
    pt_error e2;
    pt_error_clear(&e2);
    pt_code urc = pt_ollama_post_json(r->client, "/api/generate", req, NULL, &e2);
    cJSON_Delete(req);
    if (urc == PT_EINTERRUPTED) {
      *err = e2;
      rc = urc;
    } else if (urc) {
      warn(r, "cannot unload '%s' before the session: %s", m, e2.msg);
    }
  }
  double bound = r->cfg->unload_wait_s > 0 ? r->cfg->unload_wait_s : PT_UNLOAD_WAIT_S;
  while (!rc && cJSON_GetArraySize(names) > 0) {
    cJSON_Delete(ps);
    ps = NULL;
    if ((rc = pt_ollama_get_json(r->client, "/api/ps", &ps, err)))
      break;
    bool loaded = false;
    const cJSON *n;
    cJSON_ArrayForEach(n, names) loaded = loaded || pt_ollama_find_model(ps, n->valuestring);
    if (!loaded)
      break;
    if ((double)(pt_now_ns() - t0) / 1e9 >= bound) {
      cJSON_ArrayForEach(n, names) {
        if (!pt_ollama_find_model(ps, n->valuestring))
          continue;
        cJSON *s = cJSON_CreateString(n->valuestring);
        if (!s || !cJSON_AddItemToArray(left, s)) {
          cJSON_Delete(s);
          rc = pt_error_set(err, PT_ENOMEM, "out of memory");
        }
      }
      warn(r, "models still loaded %.0f s after asking to unload them; the session starts "
              "with them loaded (its first trials may not load them afresh)", bound);
      break;
    }
    if (stopped(r)) {
      rc = pt_error_set(err, PT_EINTERRUPTED, "interrupted");
      break;
    }
    sleep_ms(50);
  }
  cJSON_Delete(ps);
  double wait = (double)(pt_now_ns() - t0) / 1e9;
  if (rc || !cJSON_AddItemToObject(o, PT_MF_MODELS, names) ||
      !cJSON_AddNumberToObject(o, PT_MF_WAIT_S, round(wait * 1000) / 1000) ||
      !cJSON_AddItemToObject(o, PT_MF_STILL_LOADED, left)) {
    if (!cJSON_GetObjectItemCaseSensitive(o, PT_MF_MODELS))
      cJSON_Delete(names);
    if (!cJSON_GetObjectItemCaseSensitive(o, PT_MF_STILL_LOADED))
      cJSON_Delete(left);
    cJSON_Delete(o);
    return rc ? rc : pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  if (cJSON_GetArraySize(names) > 0) {
    pt_buf b = PT_BUF_INIT;
    const cJSON *n;
    cJSON_ArrayForEach(n, names) pt_buf_printf(&b, "%s%s", b.len ? ", " : "", n->valuestring);
    pt_collect_event ev = {.kind = PT_EV_UNLOADED, .message = b.data ? b.data : "",
                           .seconds = wait};
    emit(r, &ev);
    pt_buf_free(&b);
  }
  *out = o;
  return PT_OK;
}

/* What differs in this session's machine from ref's (the run's first
 * session, or for a resumed session what it found when it started;
 * analyze/facts.h): warned about and recorded in the session. */
static pt_code compare_machine(target *r, const cJSON *ref_host, const char *ref_version,
                               const char *ref_name, const char *now_name, pt_error *err) {
  session *s = &r->s;
  if (!ref_host || !s->have_host)
    return PT_OK;
  cJSON *host = pt_host_to_json(&s->host);
  if (!host)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  pt_env_facts fa = {ref_name, ref_host, ref_version, NAN, NAN};
  pt_env_facts fb = {now_name, host, r->version, NAN, NAN};
  pt_fact_warnings fw = {0};
  pt_code rc = pt_facts_compare(&fa, &fb, &fw, err);
  if (!rc && fw.n && !s->differs && !(s->differs = cJSON_CreateArray()))
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  for (size_t i = 0; !rc && i < fw.n; i++) {
    warn(r, "%s: %s", r->t->out_dir, fw.items[i].message);
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(s->differs, o) ||
        !cJSON_AddStringToObject(o, PT_MF_CODE, fw.items[i].code) ||
        !cJSON_AddStringToObject(o, PT_MF_MESSAGE, fw.items[i].message)) {
      if (o && !o->prev)
        cJSON_Delete(o);
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    }
  }
  pt_fact_warnings_free(&fw);
  cJSON_Delete(host);
  return rc;
}

/* A session resumed in another boot: its trials span two. */
static pt_code note_reboot(target *r, pt_error *err) {
  session *s = &r->s;
  if (!s->orig_boot_id || !s->boot_id || !strcmp(s->orig_boot_id, s->boot_id))
    return PT_OK;
  char msg[600];
  snprintf(msg, sizeof msg, "session %s is resumed after a reboot (boot_id %s, then %s): its "
           "trials span two boots; --add-session would start a session of its own",
           s->run_id, s->orig_boot_id, s->boot_id);
  warn(r, "%s: %s", r->t->out_dir, msg);
  cJSON *o = cJSON_CreateObject();
  if (!s->differs)
    s->differs = cJSON_CreateArray();
  if (!o || !s->differs || !cJSON_AddItemToArray(s->differs, o) ||
      !cJSON_AddStringToObject(o, PT_MF_CODE, "boot-changed") ||
      !cJSON_AddStringToObject(o, PT_MF_MESSAGE, msg)) {
    if (o && !o->prev)
      cJSON_Delete(o);
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  return PT_OK;
}

/* Make the directory, open trials.csv, lock: before the first row. */
static pt_code open_writer(target *r, pt_error *err) {
  if (r->writer)
    return PT_OK;
  pt_code rc = pt_mkdir_p(r->t->out_dir, err);
  if (!rc)
    rc = lock_dir(r, err);
  if (rc)
    return rc;
  r->dir_exists = true;
  /* the directory was made or found without a run: recheck under the lock */
  if (!r->have_run) {
    bool fresh;
    trials_state ts;
    if ((rc = no_run_here(r, &fresh, &ts, err)))
      return rc;
    if (!fresh)
      return pt_error_at(err, PT_EUSAGE, r->t->out_dir, 0, 0,
                         "a run appeared in it while this collect started; choose another "
                         "--out");
  }
  if (!(r->writer = pt_trial_writer_open(r->trials_path, err)))
    return err->code ? err->code : PT_EIO;
  return PT_OK;
}

/* Set up session r->s: a new one, or the one to resume. */
static pt_code begin_session(target *r, uint64_t round_seed, pt_error *err) {
  const pt_collect_cfg *c = r->cfg;
  session *s = &r->s;
  memset(s, 0, sizeof *s);
  s->status = PT_MF_STATUS_RUNNING;
  long existing = cJSON_GetArraySize(r->sessions);
  pt_code rc = PT_OK;
  if (r->resume) {
    s->resumed = true;
    snprintf(s->run_id, sizeof s->run_id, "%s", pt_mf_run_id(r->resume) ? pt_mf_run_id(r->resume) : "");
    if (!s->run_id[0])
      new_run_id(s->run_id, sizeof s->run_id);
    const char *st = pt_mf_started_at(r->resume);
    if (st)
      snprintf(s->started_at, sizeof s->started_at, "%s", st);
    else
      pt_iso_now(s->started_at);
    uint64_t seed;
    s->fixed = !pt_mf_order_seed(r->resume, &seed);
    s->seed = s->fixed ? 0 : seed;
    s->index = existing + 1;
    s->ok = r->resume_ok;
    s->failed = r->resume_failed;
    s->warmup = r->resume_warmup;
    s->next_seq = r->resume_seq + 1;
    /* it keeps its unload and what --force took; it tries the models it
     * skipped again (their skips are recorded anew if they fail again) */
    const cJSON *u = pt_json_get(r->resume, PT_MF_UNLOAD);
    const cJSON *fo = pt_json_get(r->resume, PT_MF_FORCED);
    const cJSON *d = pt_json_get(r->resume, PT_MF_DIFFERS);
    const cJSON *h = pt_mf_host(r->resume);
    const char *b = pt_mf_boot_id(r->resume), *v = pt_mf_ollama_version(r->resume),
               *e = pt_mf_ended_at(r->resume), *was = pt_mf_status(r->resume);
    s->was_complete = was && !strcmp(was, PT_MF_STATUS_COMPLETE) && e;
    if ((cJSON_IsObject(u) && !(s->unload = cJSON_Duplicate(u, true))) ||
        (cJSON_IsArray(fo) && !(s->forced = cJSON_Duplicate(fo, true))) ||
        (cJSON_IsArray(d) && !(s->differs = cJSON_Duplicate(d, true))) ||
        (h && !(s->orig_host = cJSON_Duplicate(h, true))) ||
        (b && !(s->orig_boot_id = strdup(b))) || (v && !(s->orig_version = strdup(v))) ||
        (e && !(s->orig_ended_at = strdup(e))))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  } else {
    new_run_id(s->run_id, sizeof s->run_id);
    pt_iso_now(s->started_at);
    s->fixed = r->fixed;
    s->index = existing + 1;
    s->seed = c->has_order_seed ? c->order_seed + (uint64_t)(s->index - 1) : round_seed;
    s->next_seq = 1;
    if (r->forced && !(s->forced = cJSON_Duplicate(r->forced, true)))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  if (!rc && (!(s->failures = calloc(r->plan->n_models, sizeof *s->failures)) ||
              !(s->skip = calloc(r->plan->n_models, sizeof *s->skip)) ||
              !(s->skipped = cJSON_CreateArray())))
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  if (rc)
    return rc;

  /* a later session: the server again, the same models, nothing loaded */
  if (!r->preflight_fresh) {
    if ((rc = preflight(r, false, err)))
      return rc;
  }
  r->preflight_fresh = false;
  const cJSON *ref = s->resumed ? r->resume : cJSON_GetArrayItem(r->sessions, 0);
  if (ref) {
    pt_buf diff = PT_BUF_INIT;
    rc = digest_differences(r, ref, s->resumed ? "the session being resumed" : "the run's first session",
                            &diff);
    if (rc)
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    else if (diff.len && !c->force)
      rc = pt_error_at(err, PT_EUSAGE, r->t->url, 0, 0,
                       "the models changed: %s; the sessions would not measure the same "
                       "model; pull the run's version, or add --force", diff.data);
    else if (diff.len) {
      warn(r, "--force: %s", diff.data);
      cJSON *m = cJSON_CreateString(diff.data);
      if (!s->forced)
        s->forced = cJSON_CreateArray();
      if (!m || !s->forced || !cJSON_AddItemToArray(s->forced, m)) {
        cJSON_Delete(m);
        rc = pt_error_set(err, PT_ENOMEM, "out of memory");
      }
    }
    pt_buf_free(&diff);
    if (rc)
      return rc;
  }
  if (existing > 0 && !s->resumed) {
    cJSON *u = NULL;
    if ((rc = unload_models(r, &u, err)))
      return rc;
    s->unload = u;
  }
  if ((rc = pt_host_probe(c->sysroot, &s->host, err)))
    return rc;
  s->have_host = true;
  if (s->host.boot_id && !(s->boot_id = strdup(s->host.boot_id)))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  pt_telemetry_cfg tc = {.root = c->sysroot, .disabled = c->no_telemetry,
                         .endpoint_local = pt_url_is_local(r->t->url),
                         .endpoint_url = r->t->url};
  if ((rc = pt_telemetry_open(&tc, &s->host, &s->telemetry, err)))
    return rc;
  if (s->resumed) {
    char now[96];
    snprintf(now, sizeof now, "session %ld, resumed", s->index);
    if ((rc = note_reboot(r, err)) ||
        (rc = compare_machine(r, s->orig_host, s->orig_version, "its start", now, err)))
      return rc;
  } else if (existing > 0) {
    const cJSON *first = cJSON_GetArrayItem(r->sessions, 0);
    char now[32];
    snprintf(now, sizeof now, "session %ld", s->index);
    if ((rc = compare_machine(r, pt_mf_host(first), pt_mf_ollama_version(first), "session 1",
                              now, err)))
      return rc;
  }
  if ((rc = open_writer(r, err)))
    return rc;
  r->live = true;
  r->res->status = PT_MF_STATUS_FAILED;  /* a run directory exists from here */
  pt_collect_event ev = {.kind = PT_EV_SESSION, .run_id = s->run_id, .session = s->index,
                         .sessions = r->planned, .resumed = s->resumed};
  emit(r, &ev);
  return write_manifest(r, err);
}

/* The session ends: its status, the telemetry's last figures, the manifest;
 * it joins r->sessions. */
static pt_code end_session(target *r, const char *status, const char *reason, pt_error *err) {
  session *s = &r->s;
  s->status = status;
  if (reason)
    snprintf(s->reason, sizeof s->reason, "%s", reason);
  if (s->was_complete && s->finished == 0 && !strcmp(status, PT_MF_STATUS_COMPLETE))
    snprintf(s->ended_at, sizeof s->ended_at, "%s", s->orig_ended_at);  /* nothing ran */
  else
    pt_iso_now(s->ended_at);
  pt_telemetry_get_info(s->telemetry, &s->tinfo);
  s->tinfo_final = true;
  pt_telemetry_close(s->telemetry);
  s->telemetry = NULL;
  snprintf(r->res->run_id, sizeof r->res->run_id, "%s", s->run_id);
  r->sessions_run++;
  pt_code rc = write_manifest(r, err);
  /* keep it as JSON among the run's sessions, for the next writes */
  pt_manifest_session ms;
  session_view(r, false, &ms);
  ms.telemetry = &s->tinfo;
  cJSON *j = pt_manifest_session_json(&ms);
  pt_interrupt_enter();
  if (!j || !cJSON_AddItemToArray(r->sessions, j)) {
    cJSON_Delete(j);
    if (!rc)
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  r->live = false;
  cJSON_Delete(r->resume);
  r->resume = NULL;
  for (size_t i = 0; i < r->n_done; i++)
    free(r->done[i]);
  r->n_done = 0;
  session_free(s);
  lw_refresh(r);
  pt_interrupt_leave();
  return rc;
}

/* ------------------------------------------------------------ trials */

/* Run one trial and write its row. *stop is set when the run must end
 * (interrupt); a non-OK return is fatal (a write failure). */
static pt_code run_trial(target *r, size_t mi, const pt_prompt *p, long n, long of, bool warmup,
                         bool *stop, pt_error *err) {
  const pt_collect_cfg *c = r->cfg;
  session *s = &r->s;
  const char *model = r->plan->models[mi];
  pt_collect_event ev = {.kind = PT_EV_TRIAL_START, .model = model, .prompt_id = p->id,
                         .trial = n, .trials = of, .warmup = warmup, .done = s->finished,
                         .total = s->total};
  emit(r, &ev);

  cJSON *req = cJSON_CreateObject();
  bool ok = req && cJSON_AddStringToObject(req, "model", model) &&
            cJSON_AddStringToObject(req, "prompt", p->text) &&
            cJSON_AddBoolToObject(req, "stream", c->stream) &&
            cJSON_AddItemReferenceToObject(req, "options", r->options) &&
            cJSON_AddItemReferenceToObject(req, "keep_alive", r->keep_alive);
  if (!ok) {
    cJSON_Delete(req);
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  pt_trial t;
  pt_trial_init(&t);
  char started[32];
  pt_iso_now(started);
  pt_gen_result g;
  pt_error e;
  pt_error_clear(&e);
  pt_telemetry_begin(s->telemetry);
  pt_code grc = pt_ollama_generate(r->client, req, &g, &e);
  pt_gpu_stats gpu;
  pt_telemetry_end(s->telemetry, &gpu);
  cJSON_Delete(req);
  char tw[600];
  if (pt_telemetry_warning(s->telemetry, tw, sizeof tw))
    warn(r, "%s", tw);

  t.run_id = s->run_id;
  t.seq = s->next_seq;
  t.environment = r->t->environment;
  t.started_at = started;
  t.model = model;
  t.model_digest = r->models[mi].digest;
  t.prompt_id = p->id;
  t.trial = n;
  t.warmup = warmup;
  t.ttft_ns = g.ttft_ns;
  t.wall_ns = g.wall_ns;
  /* the trial's GPU: mean clock, power and load, highest temperature (so
   * the critical-temperature check needs only the row) */
  t.gpu_clock_mhz = gpu.clock_mhz >= 0 ? gpu.clock_mhz : NAN;
  t.gpu_temp_c = gpu.temp_c >= 0 ? gpu.temp_c : NAN;
  t.gpu_power_w = gpu.power_w >= 0 ? gpu.power_w : NAN;
  t.gpu_busy_pct = gpu.busy_pct >= 0 ? gpu.busy_pct : NAN;
  if (grc == PT_OK) {
    t.status = PT_STATUS_OK;
    t.done_reason = g.done_reason[0] ? g.done_reason : NULL;
    t.prompt_eval_count = g.prompt_eval_count;
    t.prompt_eval_duration_ns = g.prompt_eval_duration_ns;
    t.eval_count = g.eval_count;
    t.eval_duration_ns = g.eval_duration_ns;
    t.load_duration_ns = g.load_duration_ns;
    t.total_duration_ns = g.total_duration_ns;
    t.eval_rate = pt_rate(g.eval_count, g.eval_duration_ns);
    t.prompt_eval_rate = pt_rate(g.prompt_eval_count, g.prompt_eval_duration_ns);
    cJSON *ps = NULL;
    pt_error pe;
    pt_error_clear(&pe);
    pt_code prc = pt_ollama_get_json(r->client, "/api/ps", &ps, &pe);
    if (!prc)
      pt_ollama_ps_sizes(ps, model, &t.size_bytes, &t.size_vram_bytes);
    else if (prc == PT_EINTERRUPTED)
      *stop = true;
    cJSON_Delete(ps);
  } else {
    t.status = grc == PT_EINTERRUPTED ? PT_STATUS_INTERRUPTED
               : grc == PT_ETIMEOUT   ? PT_STATUS_TIMEOUT
                                      : PT_STATUS_ERROR;
    t.error = grc == PT_EINTERRUPTED ? "interrupted by a signal"
              : e.msg[0]              ? e.msg
                                      : pt_strerror(grc);
    if (grc == PT_EINTERRUPTED)
      *stop = true;
  }
  /* the row and what counts it: whole, even when a second Ctrl-C comes */
  pt_interrupt_enter();
  pt_code rc = pt_trial_write(r->writer, &t, err);
  if (!rc) {
    s->next_seq++;
    r->res->ran++;
    s->finished++;
    count_row(r, &t);
    count_into(&t, &s->ok, &s->failed, &s->warmup);
    lw_refresh(r);
  }
  pt_interrupt_leave();
  if (rc)
    return rc;
  ev.kind = PT_EV_TRIAL_END;
  ev.done = s->finished;
  ev.row = &t;
  emit(r, &ev);
  if (t.status == PT_STATUS_OK || t.status == PT_STATUS_INTERRUPTED) {
    s->failures[mi] = 0;
    return PT_OK;
  }
  int max = c->max_failures > 0 ? c->max_failures : PT_DEFAULT_MAX_FAILURES;
  if (++s->failures[mi] >= max) {
    char why[1400];
    snprintf(why, sizeof why, "%d trials in a row failed; the last (prompt '%s', %s %ld): %s",
             s->failures[mi], p->id, warmup ? "warm-up" : "trial", n, t.error);
    s->skip[mi] = true;
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(s->skipped, o) ||
        !cJSON_AddStringToObject(o, PT_MF_MODEL, model) ||
        !cJSON_AddStringToObject(o, PT_MF_REASON, why)) {
      if (o && !o->prev)
        cJSON_Delete(o);
      return pt_error_set(err, PT_ENOMEM, "out of memory");
    }
    pt_model_summary *ms = summary_for(r, model);
    if (ms) {
      ms->skipped_sessions++;
      free(ms->skip_reason);
      ms->skip_reason = strdup(why);
    }
    pt_collect_event sk = {.kind = PT_EV_MODEL_SKIPPED, .model = model, .message = why,
                           .run_id = s->run_id};
    emit(r, &sk);
    /* the last failure's error, should every model end skipped: a runtime
     * failure (exit 1) whatever the trial's own code (a reply that is not
     * JSON is the server's fault, not invalid input data) */
    pt_error_clear(err);
    pt_error_set_file(err, r->t->url);
    pt_error_set(err, pt_exit_status(grc) == PT_EXIT_FAILURE ? grc : PT_EHTTP,
                 "every model with trials to run was skipped; the last, '%s': %s", model, why);
  }
  return PT_OK;
}

static size_t remaining_for(const target *r, size_t mi) {
  size_t n = 0;
  for (size_t pi = 0; pi < r->plan->n_prompts; pi++)
    for (long t = 1; t <= r->plan->trials; t++)
      n += !is_done(r, r->plan->models[mi], r->plan->prompts[pi].id, t);
  return n;
}

/* The session's trials. Returns PT_OK (the session ran to its end, maybe
 * skipping models: *skipped, *worked), or the fatal error. */
static pt_code trial_loop(target *r, bool *stop, size_t *worked, size_t *skipped,
                          pt_error *err) {
  const pt_plan *p = r->plan;
  session *s = &r->s;
  size_t already = 0;
  for (size_t mi = 0; mi < p->n_models; mi++) {
    size_t left = remaining_for(r, mi);
    s->total += left ? left + (size_t)p->warmup : 0;
    already += (size_t)p->trials * p->n_prompts - left;
  }
  r->res->skipped += already;
  pt_collect_event ev = {.kind = PT_EV_START, .total = s->total, .skipped = already,
                         .run_id = s->run_id};
  emit(r, &ev);
  pt_code rc = PT_OK;
  pt_error skip_err;
  pt_error_clear(&skip_err);
  for (size_t mi = 0; !rc && !*stop && mi < p->n_models; mi++) {
    if (!remaining_for(r, mi))
      continue;
    ++*worked;
    pt_order_item *order = NULL;
    size_t n = 0;
    if ((rc = pt_session_order(p->n_prompts, p->trials, s->fixed, s->seed, mi, &order, &n, err)))
      break;
    for (long w = 1; !rc && !*stop && !s->skip[mi] && w <= p->warmup; w++) {
      if (stopped(r))
        *stop = true;
      else
        rc = run_trial(r, mi, &p->prompts[0], w, p->warmup, true, stop, &skip_err);
    }
    for (size_t k = 0; !rc && !*stop && !s->skip[mi] && k < n; k++) {
      const pt_prompt *pr = &p->prompts[order[k].prompt];
      if (is_done(r, p->models[mi], pr->id, order[k].trial))
        continue;
      if (stopped(r))
        *stop = true;
      else
        rc = run_trial(r, mi, pr, order[k].trial, p->trials, false, stop, &skip_err);
    }
    free(order);
    if (rc)
      *err = skip_err;
    if (!rc && s->skip[mi]) {
      ++*skipped;
      if (*skipped == *worked)
        *err = skip_err;  /* the message if no other model gets through */
    }
  }
  return rc;
}

/* Run or finish one session of r. */
static pt_code run_session(target *r, uint64_t round_seed, bool *stop, pt_error *err) {
  pt_code rc = begin_session(r, round_seed, err);
  if (rc) {
    if (!r->live)
      session_free(&r->s);
    else {
      char reason[sizeof err->file + sizeof err->msg + 64];
      pt_error merr;
      pt_error_clear(&merr);
      end_session(r, PT_MF_STATUS_FAILED, pt_error_format(err, reason, sizeof reason), &merr);
    }
    return rc;
  }
  size_t worked = 0, skipped = 0;
  pt_error lerr;
  pt_error_clear(&lerr);
  rc = trial_loop(r, stop, &worked, &skipped, &lerr);
  char reason[sizeof err->file + sizeof err->msg + 64] = "";
  const char *status = PT_MF_STATUS_COMPLETE;
  if (rc) {
    *err = lerr;
    status = PT_MF_STATUS_FAILED;
    pt_error_format(err, reason, sizeof reason);
  } else if (*stop) {
    status = PT_MF_STATUS_INTERRUPTED;
    snprintf(reason, sizeof reason, "interrupted by a signal");
  } else if (skipped && skipped == worked) {
    *err = lerr;
    rc = err->code ? err->code : PT_EHTTP;
    status = PT_MF_STATUS_FAILED;
    pt_error_format(err, reason, sizeof reason);
  } else if (skipped) {
    status = PT_MF_STATUS_PARTIAL;
    const cJSON *o;
    size_t len = 0;
    cJSON_ArrayForEach(o, r->s.skipped) {
      const char *m = pt_json_str(o, PT_MF_MODEL);
      if (len < sizeof reason)
        len += (size_t)snprintf(reason + len, sizeof reason - len, "%s'%s'",
                                len ? ", " : "skipped ", m ? m : "?");
    }
    if (len < sizeof reason)
      snprintf(reason + len, sizeof reason - len, " after %d failed trials in a row",
               r->cfg->max_failures > 0 ? r->cfg->max_failures : PT_DEFAULT_MAX_FAILURES);
  }
  pt_error merr;
  pt_error_clear(&merr);
  pt_code mrc = end_session(r, status, reason[0] ? reason : NULL, &merr);
  if (mrc && !rc) {
    rc = mrc;
    *err = merr;
  }
  if (!rc && !strcmp(status, PT_MF_STATUS_PARTIAL))
    return PT_EPARTIAL;
  return rc;
}

/* ------------------------------------------------------------ targets */

static void target_free(target *r) {
  session_free(&r->s);
  pt_ollama_free(r->client);
  free(r->version);
  if (r->models)
    for (size_t i = 0; i < r->plan->n_models; i++)
      pt_model_info_free(&r->models[i]);
  free(r->models);
  free(r->trials_path);
  free(r->manifest_path);
  for (size_t i = 0; i < r->n_done; i++)
    free(r->done[i]);
  free(r->done);
  pt_trial_writer_close(r->writer, NULL);
  cJSON_Delete(r->options);
  cJSON_Delete(r->keep_alive);
  cJSON_Delete(r->notes);
  cJSON_Delete(r->sessions);
  cJSON_Delete(r->resume);
  cJSON_Delete(r->forced);
  cJSON_Delete(r->run_plan);
  cJSON_Delete(r->run_options);
  free(r->label);
  if (r->lock_fd >= 0)
    close(r->lock_fd);
}

/* Everything before the first trial of any target. */
static pt_code open_target(target *r, size_t slot, pt_error *err) {
  const pt_collect_cfg *c = r->cfg;
  const pt_plan *p = r->plan;
  pt_code rc = PT_OK;
  if (!(r->res->models = calloc(p->n_models ? p->n_models : 1, sizeof *r->res->models)))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  for (size_t i = 0; i < p->n_models; i++) {
    if (!(r->res->models[i].model = strdup(p->models[i])))
      return pt_error_set(err, PT_ENOMEM, "out of memory");
    r->res->n_models++;
  }
  r->trials_path = pt_path_join(r->t->out_dir, "trials.csv");
  r->manifest_path = pt_path_join(r->t->out_dir, PT_MANIFEST_FILE);
  r->options = pt_plan_options_json(p);
  r->keep_alive = pt_keep_alive_json(p->keep_alive ? p->keep_alive : PT_DEFAULT_KEEP_ALIVE);
  r->sessions = cJSON_CreateArray();
  if (r->t->label && !(r->label = strdup(r->t->label)))
    rc = PT_ENOMEM;
  if (c->notes && !(r->notes = cJSON_Duplicate(c->notes, true)))
    rc = PT_ENOMEM;
  if (rc || !r->trials_path || !r->manifest_path || !r->options || !r->keep_alive ||
      !r->sessions)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  r->fixed = c->fixed_order;
  long k = c->sessions > 0 ? c->sessions : 1;
  r->planned = k;
  r->to_run = k;
  if ((rc = open_dir(r, err)))
    return rc;
  if (!r->have_run && c->mode == PT_COLLECT_RESUME) {
    r->planned = 1;  /* nothing to resume: a new run */
    r->to_run = 1;
  }
  if (!r->have_run && c->mode == PT_COLLECT_ADD) {
    r->planned = k;
    r->to_run = k;
  }
  pt_ollama_cfg oc = {.timeout_s = c->timeout_s, .abort_flag = c->interrupted};
  if (!(r->client = pt_ollama_new(r->t->url, &oc, err)))
    return err->code ? err->code : PT_ENOMEM;
  if ((rc = preflight(r, true, err)))
    return rc;
  r->preflight_fresh = true;
  /* an added session's models must be the run's (the resumed session is
   * checked against its own when it begins) */
  if (c->mode == PT_COLLECT_ADD && r->have_run) {
    pt_buf diff = PT_BUF_INIT;
    if (digest_differences(r, cJSON_GetArrayItem(r->sessions, 0), "the run", &diff))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    else if (diff.len && !c->force)
      rc = pt_error_at(err, PT_EUSAGE, r->manifest_path, 0, 0,
                       "a session with these models would not be comparable with the run's: "
                       "%s; pull the run's version, or add --force to add it anyway", diff.data);
    pt_buf_free(&diff);
  }
  r->slot = (int)slot;
  lw_slot *s = &lw_slots[slot];
  int n1 = snprintf(s->path, sizeof s->path, "%s", r->manifest_path);
  char rnd[7];
  static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  uint64_t v = random_seed();
  for (int i = 0; i < 6; i++, v /= 36)
    rnd[i] = alnum[v % 36];
  rnd[6] = '\0';
  int n2 = snprintf(s->tmp, sizeof s->tmp, "%s.tmp-%s", r->manifest_path, rnd);
  if (!rc && (n1 < 0 || (size_t)n1 >= sizeof s->path || n2 < 0 || (size_t)n2 >= sizeof s->tmp))
    rc = pt_error_at(err, PT_ETOOBIG, r->manifest_path, 0, 0, "path too long");
  return rc;
}

/* The run's status when this command ends, and its last manifest. */
static pt_code close_target(target *r, pt_code rc, bool stop, const pt_error *why,
                            const char *culprit, pt_error *err) {
  pt_code out = PT_OK;
  if (r->writer) {
    pt_error werr;
    pt_error_clear(&werr);
    pt_code wrc = pt_trial_writer_close(r->writer, &werr);
    r->writer = NULL;
    if (wrc) {
      out = wrc;
      *err = werr;
    }
  }
  if (!r->dir_exists || !r->res->status)
    return out;
  long count = cJSON_GetArraySize(r->sessions);
  const cJSON *last = cJSON_GetArrayItem(r->sessions, count - 1);
  const char *last_status = pt_mf_status(last);
  if (rc && rc != PT_EPARTIAL && rc != PT_EINTERRUPTED && (r->failed_here || !culprit)) {
    r->status = PT_MF_STATUS_FAILED;
    pt_error_format(why, r->reason, sizeof r->reason);
  } else if (rc && rc != PT_EPARTIAL && rc != PT_EINTERRUPTED) {
    r->status = PT_MF_STATUS_INTERRUPTED;
    snprintf(r->reason, sizeof r->reason, "stopped because target '%s' failed", culprit);
  } else if (stop || rc == PT_EINTERRUPTED) {
    r->status = PT_MF_STATUS_INTERRUPTED;
    snprintf(r->reason, sizeof r->reason, "interrupted by a signal");
  } else if (count < r->planned) {
    r->status = PT_MF_STATUS_INTERRUPTED;
    snprintf(r->reason, sizeof r->reason, "%ld of %ld sessions ran", count, r->planned);
  } else if (last_status && !strcmp(last_status, PT_MF_STATUS_PARTIAL)) {
    r->status = PT_MF_STATUS_PARTIAL;
    snprintf(r->reason, sizeof r->reason, "%s", pt_mf_reason(last) ? pt_mf_reason(last) : "");
  } else {
    r->status = last_status && !strcmp(last_status, PT_MF_STATUS_COMPLETE)
                    ? PT_MF_STATUS_COMPLETE
                    : last_status ? last_status : PT_MF_STATUS_COMPLETE;
    snprintf(r->reason, sizeof r->reason, "%s",
             strcmp(r->status, PT_MF_STATUS_COMPLETE) && pt_mf_reason(last) ? pt_mf_reason(last)
                                                                            : "");
  }
  pt_error merr;
  pt_error_clear(&merr);
  pt_code mrc = write_manifest(r, &merr);
  if (mrc && !out) {
    out = mrc;
    *err = merr;
  }
  r->res->status = out ? PT_MF_STATUS_FAILED : r->status;
  return out;
}

pt_code pt_collect(const pt_collect_cfg *cfg, pt_collect_result *results, pt_error *err) {
  size_t nt = cfg->n_targets;
  for (size_t i = 0; i < nt; i++)
    memset(&results[i], 0, sizeof results[i]);
  target *tg = calloc(nt ? nt : 1, sizeof *tg);
  if (!tg)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  pt_code rc = lw_init(nt, err);
  for (size_t i = 0; i < nt; i++) {
    tg[i].cfg = cfg;
    tg[i].t = &cfg->targets[i];
    tg[i].plan = cfg->plan;
    tg[i].res = &results[i];
    tg[i].lock_fd = -1;
    tg[i].slot = -1;
  }
  if (!rc && cfg->interrupted)
    pt_interrupt_set_last_words(lw_write);
  /* every target's directory and server before the first trial */
  for (size_t i = 0; !rc && i < nt; i++) {
    rc = open_target(&tg[i], i, err);
    if (rc && nt > 1)
      pt_error_prefix(err, "%s", tg[i].t->environment);
  }

  /* sessions in rounds: A B A B ... */
  bool stop = false;
  pt_code worst = PT_OK;
  pt_error fatal;
  pt_error_clear(&fatal);
  for (bool more = !rc; more && !rc && !stop;) {
    more = false;
    uint64_t round_seed = random_seed();
    for (size_t i = 0; !rc && !stop && i < nt; i++) {
      target *r = &tg[i];
      if (!r->resume && r->to_run <= 0)
        continue;
      if (stopped(r)) {
        stop = true;
        break;
      }
      if (!r->resume)
        r->to_run--;
      pt_code src = run_session(r, round_seed, &stop, err);
      r->res->sessions_run = r->sessions_run;
      if (src == PT_EPARTIAL)
        worst = PT_EPARTIAL;
      else if (src) {
        rc = src;
        r->failed_here = src != PT_EINTERRUPTED;
        if (nt > 1)
          pt_error_prefix(err, "%s", r->t->environment);
      }
      more = more || r->to_run > 0 || r->resume;
    }
  }
  if (!rc && stop)
    rc = PT_EINTERRUPTED;
  fatal = *err;
  const char *culprit = NULL;
  for (size_t i = 0; i < nt; i++)
    if (tg[i].failed_here)
      culprit = tg[i].t->environment;
  for (size_t i = 0; i < nt; i++) {
    target *r = &tg[i];
    pt_error cerr;
    pt_error_clear(&cerr);
    pt_code crc = close_target(r, rc, stop, &fatal, culprit, &cerr);
    if (crc && !rc) {
      rc = crc;
      *err = cerr;
    }
    r->res->sessions = cJSON_GetArraySize(r->sessions);
    r->res->sessions_run = r->sessions_run;
  }
  if (rc == PT_EINTERRUPTED)
    pt_error_set(err, PT_EINTERRUPTED, "interrupted");
  if (!rc)
    rc = worst;
  if (lw_slots)
    lw_free();
  for (size_t i = 0; i < nt; i++)
    target_free(&tg[i]);
  free(tg);
  return rc;
}

void pt_collect_result_free(pt_collect_result *res) {
  if (!res)
    return;
  for (size_t i = 0; i < res->n_models; i++) {
    free(res->models[i].model);
    free(res->models[i].skip_reason);
  }
  free(res->models);
  res->models = NULL;
  res->n_models = 0;
}
