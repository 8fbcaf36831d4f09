/* collect/collect.c - the trial loop: preflight, run directory, one row per
 * trial, manifest, resume (see collect/collect.h). */
#include "collect/collect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collect/manifest.h"
#include "collect/ollama.h"
#include "collect/probe.h"
#include "collect/telemetry.h"
#include "core/fs.h"
#include "core/json.h"

#define DEFAULT_MAX_FAILURES 3

void pt_iso_now(char buf[32]) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char s[24];
  strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, 32, "%s.%03ldZ", s, ts.tv_nsec / 1000000);
}

typedef struct run {
  const pt_collect_cfg *cfg;
  const pt_plan *plan;
  pt_collect_result *res;
  pt_ollama *client;
  char *version;
  pt_model_info *models;   /* one per plan model */
  pt_host host;
  char *trials_path, *manifest_path;
  char started_at[32];
  char **done;             /* resume: "model\x1fprompt\x1ftrial" of ok trials */
  const char *prior_run_id;  /* resume: the manifest's run_id, while reading rows */
  size_t n_done, cap_done;
  pt_trial_writer *writer;
  cJSON *options, *keep_alive;
  cJSON *notes;            /* the run's notes (from --note, or kept by --resume) */
  pt_telemetry *telemetry;
  int failures;            /* consecutive */
  size_t total, finished;
} run;

static void emit(run *r, pt_collect_event *ev) {
  if (r->cfg->progress)
    r->cfg->progress(r->cfg->progress_ctx, ev);
}

static void warn(run *r, const char *msg) {
  pt_collect_event ev = {.kind = PT_EV_WARNING, .message = msg};
  emit(r, &ev);
}

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

static bool is_done(const run *r, const char *model, const char *prompt, long trial) {
  if (!r->n_done)
    return false;
  char *k = trial_key(model, prompt, trial);
  bool found = k && bsearch(&k, r->done, r->n_done, sizeof *r->done, cmp_key);
  free(k);
  return found;
}

static pt_model_summary *summary_for(run *r, const char *model) {
  for (size_t i = 0; i < r->res->n_models; i++)
    if (!strcmp(r->res->models[i].model, model))
      return &r->res->models[i];
  return NULL;
}

/* Count a row (earlier or new) into the result. */
static void count_row(run *r, const pt_trial *t) {
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
    r->res->failed++;
    if (s && !t->warmup)
      s->failed++;
  }
}

static pt_code resume_row(void *ctx, const pt_row *row, pt_error *err) {
  run *r = ctx;
  pt_trial t;
  pt_code rc = pt_row_to_trial(row, &t, err);
  if (rc)
    return rc;
  if (t.environment && strcmp(t.environment, r->cfg->environment)) {
    rc = pt_error_at(err, PT_EUSAGE, row->path, row->line, 0,
                     "rows are for environment '%s', not '%s'; resume with --env %s or "
                     "choose another --out", t.environment, r->cfg->environment,
                     t.environment);
  } else if (r->prior_run_id && t.run_id && t.run_id[0] && strcmp(t.run_id, r->prior_run_id)) {
    /* trials.csv and manifest.json must describe the same run */
    rc = pt_error_at(err, PT_EUNSAFE, row->path, row->line, 0,
                     "row of run '%s', but %s describes run '%s': the files are not of one "
                     "run; refusing to resume", t.run_id, r->manifest_path, r->prior_run_id);
  } else {
    count_row(r, &t);
    if (t.status == PT_STATUS_OK && !t.warmup && t.model && t.prompt_id) {
      if (r->n_done == r->cap_done) {
        size_t nc = r->cap_done ? r->cap_done * 2 : 64;
        char **d = realloc(r->done, nc * sizeof *d);
        if (!d)
          rc = pt_error_set(err, PT_ENOMEM, "out of memory");
        else {
          r->done = d;
          r->cap_done = nc;
        }
      }
      if (!rc && !(r->done[r->n_done] = trial_key(t.model, t.prompt_id, t.trial)))
        rc = pt_error_set(err, PT_ENOMEM, "out of memory");
      if (!rc)
        r->n_done++;
    }
  }
  pt_trial_free_strings(&t);
  return rc;
}

/* A resumed run must send what the run sent: the extra options too, and the
 * same text under each prompt id it already has rows for. */
static pt_code check_prior_plan(run *r, const pt_manifest_prior *prior, pt_error *err) {
  pt_code rc = PT_OK;
  if (prior->plan_options) {
    cJSON *now = pt_plan_options_json(r->plan);
    if (!now)
      return pt_error_set(err, PT_ENOMEM, "out of memory");
    if (!cJSON_Compare(prior->plan_options, now, true)) {
      char *a = cJSON_PrintUnformatted(prior->plan_options), *b = cJSON_PrintUnformatted(now);
      rc = pt_error_at(err, PT_EUSAGE, r->manifest_path, 0, 0,
                       "the run sent other options (%s) than this one (%s); resume with the "
                       "same plan options or choose another --out",
                       a ? a : "?", b ? b : "?");
      cJSON_free(a);
      cJSON_free(b);
    }
    cJSON_Delete(now);
  }
  const cJSON *pr;
  cJSON_ArrayForEach(pr, prior->prompts) {
    const char *id = pt_json_str(pr, "id"), *text = pt_json_str(pr, "text");
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

/* The reader's warnings (a last row cut short by an interrupted write) are
 * the user's to know. */
static void on_read_warning(void *ctx, const pt_error *w) {
  char buf[sizeof w->msg + sizeof w->file + 64];
  warn(ctx, pt_error_format(w, buf, sizeof buf));
}

/* Before anything is sent: refuse to overwrite, or load what a resumed run
 * already has. An empty trials.csv (a disk that filled up before its
 * header) is a new file. */
static pt_code check_out_dir(run *r, pt_error *err) {
  const pt_collect_cfg *c = r->cfg;
  pt_code rc = refuse_link(r->trials_path, err);
  if (!rc)
    rc = refuse_link(r->manifest_path, err);
  if (rc)
    return rc;
  struct stat st;
  if (lstat(r->trials_path, &st) != 0 || (S_ISREG(st.st_mode) && st.st_size == 0))
    return PT_OK;
  if (!c->resume)
    return pt_error_at(err, PT_EUSAGE, r->trials_path, 0, 0,
                       "already exists; add --resume to run the trials it lacks, or choose "
                       "another --out");
  pt_manifest_prior prior;
  bool have_run_id = false;
  rc = pt_manifest_read_prior(r->manifest_path, &prior, err);
  if (rc == PT_ENOTFOUND) {
    pt_error_clear(err);
    rc = PT_OK;
  } else if (!rc) {
    cJSON *now = pt_manifest_options(r->plan, c->stream);
    if (!now)
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    else if (prior.environment && strcmp(prior.environment, c->environment))
      rc = pt_error_at(err, PT_EUSAGE, r->manifest_path, 0, 0,
                       "the run was collected for environment '%s', not '%s'",
                       prior.environment, c->environment);
    else if (prior.options && !cJSON_Compare(prior.options, now, true)) {
      char *a = cJSON_PrintUnformatted(prior.options), *b = cJSON_PrintUnformatted(now);
      rc = pt_error_at(err, PT_EUSAGE, r->manifest_path, 0, 0,
                       "the run used other options (%s) than this one (%s); resume with the "
                       "same options or choose another --out",
                       a ? a : "?", b ? b : "?");
      cJSON_free(a);
      cJSON_free(b);
    }
    cJSON_Delete(now);
    if (!rc)
      rc = check_prior_plan(r, &prior, err);
    if (!rc && prior.run_id) {
      snprintf(r->res->run_id, sizeof r->res->run_id, "%s", prior.run_id);
      have_run_id = true;
    }
    if (!rc && prior.started_at)
      snprintf(r->started_at, sizeof r->started_at, "%s", prior.started_at);
    if (!rc && !c->notes && prior.notes) {
      r->notes = prior.notes;
      prior.notes = NULL;
    }
    pt_manifest_prior_free(&prior);
  }
  if (!rc) {
    void *ctxs[1] = {r};
    pt_read_cfg cfg = {.path = r->trials_path, .on_row = resume_row, .ctxs = ctxs, .nctx = 1,
                       .on_warning = on_read_warning, .warn_ctx = r};
    r->prior_run_id = have_run_id ? r->res->run_id : NULL;
    rc = pt_trials_read_path(&cfg, NULL, err);
    r->prior_run_id = NULL;
  }
  if (!rc && r->n_done > 1)
    qsort(r->done, r->n_done, sizeof *r->done, cmp_key);
  return rc;
}

static void on_pull(void *ctx, const char *status, int64_t completed, int64_t total) {
  run *r = ctx;
  pt_collect_event ev = {.kind = PT_EV_PULL, .model = NULL, .message = status,
                         .completed = completed, .bytes = total};
  emit(r, &ev);
}

/* Names of the plan's models missing from a tags reply, ", "-separated into
 * b; returns how many. */
static size_t missing_models(run *r, const cJSON *tags, pt_buf *b) {
  size_t n = 0;
  pt_buf_reset(b);
  for (size_t i = 0; i < r->plan->n_models; i++)
    if (!pt_ollama_find_model(tags, r->plan->models[i])) {
      pt_buf_printf(b, "%s'%s'", n ? ", " : "", r->plan->models[i]);
      n++;
    }
  return n;
}

static pt_code preflight(run *r, pt_error *err) {
  const pt_collect_cfg *c = r->cfg;
  cJSON *j = NULL;
  pt_code rc = pt_ollama_get_json(r->client, "/api/version", &j, err);
  if (rc == PT_ENET || rc == PT_ETIMEOUT) {
    char detail[sizeof err->msg];
    const char *d = err->msg;
    if (!strncmp(d, "cannot connect: ", 16))
      d += 16;
    snprintf(detail, sizeof detail, "%s", d);
    pt_error_set_file(err, c->url);
    pt_error_set(err, rc, "no Ollama server answers (%s); is Ollama running? start it with "
                          "'ollama serve', or give its address with --host URL or OLLAMA_HOST",
                 detail);
    return rc;
  }
  if (rc)
    return rc;
  const char *v = pt_json_str(j, "version");
  r->version = v ? strdup(v) : NULL;
  cJSON_Delete(j);
  pt_collect_event ev = {.kind = PT_EV_CONNECTED, .message = r->version ? r->version : "?"};
  emit(r, &ev);

  cJSON *tags = NULL;
  pt_buf miss = PT_BUF_INIT;
  if ((rc = pt_ollama_get_json(r->client, "/api/tags", &tags, err)))
    return rc;
  size_t n = missing_models(r, tags, &miss);
  if (n && c->pull) {
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
    rc = pt_error_at(err, PT_ENOTFOUND, c->url, 0, 0,
                     "%s not on this server: %s; pull %s with 'ollama pull NAME' or rerun "
                     "with --pull", n == 1 ? "model" : "models", miss.data,
                     n == 1 ? "it" : "them");
  pt_buf_free(&miss);
  if (rc) {
    cJSON_Delete(tags);
    return rc;
  }

  if (!(r->models = calloc(r->plan->n_models, sizeof *r->models)))
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
      if (err)
        *err = e2;
      rc = src;
      break;
    }
    if (src) {
      char msg[1400];
      snprintf(msg, sizeof msg, "no details for model '%s': %s", m, e2.msg);
      warn(r, msg);
    }
    rc = pt_model_info_set(&r->models[i], m, pt_ollama_find_model(tags, m), show, err);
    cJSON_Delete(show);
  }
  cJSON_Delete(tags);
  return rc;
}

static pt_code write_manifest(run *r, const char *status, const char *reason, bool ended,
                              pt_error *err) {
  char ended_at[32];
  if (ended)
    pt_iso_now(ended_at);
  pt_telemetry_info ti;
  pt_telemetry_get_info(r->telemetry, &ti);
  pt_manifest m = {
      .run_id = r->res->run_id,
      .environment = r->cfg->environment,
      .label = r->cfg->label,
      .status = status,
      .reason = reason,
      .started_at = r->started_at,
      .ended_at = ended ? ended_at : NULL,
      .endpoint_url = r->cfg->url,
      .endpoint_local = pt_url_is_local(r->cfg->url),
      .ollama_version = r->version,
      .plan = r->plan,
      .stream = r->cfg->stream,
      .models = r->models,
      .n_models = r->plan->n_models,
      .host = &r->host,
      .ok = r->res->ok,
      .failed = r->res->failed,
      .warmup = r->res->warmup,
      .notes = r->cfg->notes ? r->cfg->notes : r->notes,
      .telemetry = &ti,
  };
  return pt_manifest_write(r->manifest_path, &m, err);
}

/* Run one trial and write its row. *stop is set when the run must end
 * (interrupt); a non-OK return is fatal (write failure, too many failures). */
static pt_code run_trial(run *r, size_t mi, const pt_prompt *p, long n, long of, bool warmup,
                         bool *stop, pt_error *err) {
  const pt_collect_cfg *c = r->cfg;
  const char *model = r->plan->models[mi];
  pt_collect_event ev = {.kind = PT_EV_TRIAL_START, .model = model, .prompt_id = p->id,
                         .trial = n, .trials = of, .warmup = warmup, .done = r->finished,
                         .total = r->total};
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
  pt_telemetry_begin(r->telemetry);
  pt_code grc = pt_ollama_generate(r->client, req, &g, &e);
  pt_gpu_stats gpu;
  pt_telemetry_end(r->telemetry, &gpu);
  cJSON_Delete(req);
  char tw[600];
  if (pt_telemetry_warning(r->telemetry, tw, sizeof tw))
    warn(r, tw);

  t.run_id = r->res->run_id;
  t.environment = c->environment;
  t.started_at = started;
  t.model = model;
  t.model_digest = r->models[mi].digest;
  t.prompt_id = p->id;
  t.trial = n;
  t.warmup = warmup;
  t.ttft_ns = g.ttft_ns;
  t.wall_ns = g.wall_ns;
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
  pt_code rc = pt_trial_write(r->writer, &t, err);
  if (rc)
    return rc;
  r->res->ran++;
  r->finished++;
  count_row(r, &t);
  ev.kind = PT_EV_TRIAL_END;
  ev.done = r->finished;
  ev.row = &t;
  emit(r, &ev);
  if (t.status == PT_STATUS_OK || t.status == PT_STATUS_INTERRUPTED) {
    r->failures = 0;
    return PT_OK;
  }
  int max = c->max_failures > 0 ? c->max_failures : DEFAULT_MAX_FAILURES;
  if (++r->failures >= max) {
    pt_error_clear(err);
    pt_error_set_file(err, c->url);
    return pt_error_set(err, grc, "stopping: %d trials in a row failed; the last one (%s, "
                                  "prompt '%s'): %s", r->failures, model, p->id, t.error);
  }
  return PT_OK;
}

static size_t remaining_for(const run *r, size_t mi) {
  size_t n = 0;
  for (size_t pi = 0; pi < r->plan->n_prompts; pi++)
    for (long t = 1; t <= r->plan->trials; t++)
      n += !is_done(r, r->plan->models[mi], r->plan->prompts[pi].id, t);
  return n;
}

static pt_code trial_loop(run *r, bool *stop, pt_error *err) {
  const pt_plan *p = r->plan;
  for (size_t mi = 0; mi < p->n_models; mi++) {
    size_t left = remaining_for(r, mi);
    r->total += left ? left + (size_t)p->warmup : 0;
    r->res->skipped += (size_t)p->trials * p->n_prompts - left;
  }
  pt_collect_event ev = {.kind = PT_EV_START, .total = r->total, .skipped = r->res->skipped};
  emit(r, &ev);
  pt_code rc = PT_OK;
  for (size_t mi = 0; !rc && !*stop && mi < p->n_models; mi++) {
    if (!remaining_for(r, mi))
      continue;
    for (long w = 1; !rc && !*stop && w <= p->warmup; w++) {
      if (r->cfg->interrupted && *r->cfg->interrupted)
        *stop = true;
      else
        rc = run_trial(r, mi, &p->prompts[0], w, p->warmup, true, stop, err);
    }
    for (size_t pi = 0; !rc && !*stop && pi < p->n_prompts; pi++)
      for (long t = 1; !rc && !*stop && t <= p->trials; t++) {
        if (is_done(r, p->models[mi], p->prompts[pi].id, t))
          continue;
        if (r->cfg->interrupted && *r->cfg->interrupted)
          *stop = true;
        else
          rc = run_trial(r, mi, &p->prompts[pi], t, p->trials, false, stop, err);
      }
  }
  return rc;
}

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

static void run_free(run *r) {
  pt_ollama_free(r->client);
  free(r->version);
  if (r->models)
    for (size_t i = 0; i < r->plan->n_models; i++)
      pt_model_info_free(&r->models[i]);
  free(r->models);
  pt_host_free(&r->host);
  free(r->trials_path);
  free(r->manifest_path);
  for (size_t i = 0; i < r->n_done; i++)
    free(r->done[i]);
  free(r->done);
  pt_trial_writer_close(r->writer, NULL);
  cJSON_Delete(r->options);
  cJSON_Delete(r->keep_alive);
  cJSON_Delete(r->notes);
  pt_telemetry_close(r->telemetry);
}

pt_code pt_collect(const pt_collect_cfg *cfg, pt_collect_result *res, pt_error *err) {
  memset(res, 0, sizeof *res);
  run r;
  memset(&r, 0, sizeof r);
  r.cfg = cfg;
  r.plan = cfg->plan;
  r.res = res;
  pt_code rc = PT_OK;
  if (!(res->models = calloc(r.plan->n_models ? r.plan->n_models : 1, sizeof *res->models)))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  for (size_t i = 0; i < r.plan->n_models; i++) {
    if (!(res->models[i].model = strdup(r.plan->models[i])))
      rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    res->n_models++;
  }
  new_run_id(res->run_id, sizeof res->run_id);
  pt_iso_now(r.started_at);
  r.trials_path = pt_path_join(cfg->out_dir, "trials.csv");
  r.manifest_path = pt_path_join(cfg->out_dir, "manifest.json");
  r.options = pt_plan_options_json(r.plan);
  r.keep_alive = pt_keep_alive_json(r.plan->keep_alive ? r.plan->keep_alive
                                                       : PT_DEFAULT_KEEP_ALIVE);
  if (!rc && (!r.trials_path || !r.manifest_path || !r.options || !r.keep_alive))
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  if (!rc)
    rc = check_out_dir(&r, err);
  pt_ollama_cfg oc = {.timeout_s = cfg->timeout_s, .abort_flag = cfg->interrupted};
  if (!rc && !(r.client = pt_ollama_new(cfg->url, &oc, err)))
    rc = err ? err->code : PT_ENOMEM;
  if (!rc)
    rc = preflight(&r, err);
  if (!rc)
    rc = pt_host_probe(cfg->sysroot, &r.host, err);
  pt_telemetry_cfg tc = {.root = cfg->sysroot, .disabled = cfg->no_telemetry,
                         .endpoint_local = pt_url_is_local(cfg->url), .endpoint_url = cfg->url};
  if (!rc)
    rc = pt_telemetry_open(&tc, &r.host, &r.telemetry, err);
  if (rc) {
    run_free(&r);
    return rc;
  }

  /* From here on the run directory exists and every exit updates it. */
  if (!(rc = pt_mkdir_p(cfg->out_dir, err)) &&
      (r.writer = pt_trial_writer_open(r.trials_path, err)) != NULL) {
    res->status = "failed";
    rc = write_manifest(&r, "running", NULL, false, err);
  } else if (!rc) {
    rc = err ? err->code : PT_EIO;
  }
  bool stop = false;
  if (!rc)
    rc = trial_loop(&r, &stop, err);
  if (r.writer) {
    pt_error werr;
    pt_error_clear(&werr);
    pt_code wrc = pt_trial_writer_close(r.writer, &werr);
    r.writer = NULL;
    if (wrc && !rc) {
      rc = wrc;
      if (err)
        *err = werr;
    }
    const char *status = rc ? "failed" : stop ? "interrupted" : "complete";
    char reason[sizeof err->file + sizeof err->msg + 64] = "interrupted by a signal";
    if (rc)
      pt_error_format(err, reason, sizeof reason);
    pt_error merr;
    pt_error_clear(&merr);
    pt_code mrc = write_manifest(&r, status, rc || stop ? reason : NULL, true, &merr);
    if (mrc && !rc) {
      rc = mrc;
      if (err)
        *err = merr;
    }
    res->status = rc ? "failed" : status;
    if (!rc && stop)
      rc = pt_error_set(err, PT_EINTERRUPTED, "interrupted");
  }
  run_free(&r);
  return rc;
}

void pt_collect_result_free(pt_collect_result *res) {
  if (!res)
    return;
  for (size_t i = 0; i < res->n_models; i++)
    free(res->models[i].model);
  free(res->models);
  res->models = NULL;
  res->n_models = 0;
}
