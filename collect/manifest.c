/* collect/manifest.c - building, writing and reading manifest.json (see
 * collect/manifest.h and docs/collect.md "manifest.json"). */
#include "collect/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/json.h"

static bool dup_opt(const char *s, char **out) {
  *out = NULL;
  return !s || (*out = strdup(s)) != NULL;
}

pt_code pt_model_info_set(pt_model_info *mi, const char *name, const cJSON *tag,
                          const cJSON *show, pt_error *err) {
  memset(mi, 0, sizeof *mi);
  const cJSON *details = pt_json_get(show, "details");
  if (!details)
    details = pt_json_get(tag, "details");
  bool ok = dup_opt(name, &mi->name) && dup_opt(pt_json_str(tag, "digest"), &mi->digest) &&
            dup_opt(pt_json_str(details, "family"), &mi->family) &&
            dup_opt(pt_json_str(details, "parameter_size"), &mi->parameter_size) &&
            dup_opt(pt_json_str(details, "quantization_level"), &mi->quantization_level);
  const cJSON *caps = pt_json_get(show, "capabilities"), *c;
  if (ok && cJSON_IsArray(caps)) {
    int n = cJSON_GetArraySize(caps);
    mi->capabilities = calloc(n > 0 ? (size_t)n : 1, sizeof *mi->capabilities);
    ok = mi->capabilities != NULL;
    cJSON_ArrayForEach(c, caps) {
      if (!ok)
        break;
      if (cJSON_IsString(c))
        ok = (mi->capabilities[mi->n_capabilities++] = strdup(c->valuestring)) != NULL;
    }
  }
  if (!ok) {
    pt_model_info_free(mi);
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  return PT_OK;
}

void pt_model_info_free(pt_model_info *mi) {
  if (!mi)
    return;
  free(mi->name);
  free(mi->digest);
  free(mi->family);
  free(mi->parameter_size);
  free(mi->quantization_level);
  for (size_t i = 0; i < mi->n_capabilities; i++)
    free(mi->capabilities[i]);
  free(mi->capabilities);
  memset(mi, 0, sizeof *mi);
}

cJSON *pt_manifest_options(const pt_plan *plan, bool stream) {
  cJSON *o = cJSON_CreateObject();
  cJSON *ka = plan->keep_alive ? pt_keep_alive_json(plan->keep_alive) : cJSON_CreateNull();
  bool ok = o && ka && cJSON_AddNumberToObject(o, PT_MF_SEED, (double)plan->seed) &&
            cJSON_AddNumberToObject(o, PT_MF_TEMPERATURE, plan->temperature) &&
            cJSON_AddNumberToObject(o, PT_MF_NUM_PREDICT, (double)plan->num_predict) &&
            cJSON_AddNumberToObject(o, PT_MF_NUM_CTX, (double)plan->num_ctx);
  if (ok && cJSON_AddItemToObject(o, PT_MF_KEEP_ALIVE, ka)) {
    ka = NULL;
    if (cJSON_AddBoolToObject(o, PT_MF_STREAM, stream))
      return o;
  }
  cJSON_Delete(ka);
  cJSON_Delete(o);
  return NULL;
}

/* Add item to obj under key, taking it over; false (item freed) on failure. */
static bool take(cJSON *obj, const char *key, cJSON *item) {
  if (item && obj && cJSON_AddItemToObject(obj, key, item))
    return true;
  cJSON_Delete(item);
  return false;
}

/* A copy of item (or a new null/empty object when it is NULL). */
static cJSON *dup_or(const cJSON *item, bool object) {
  if (item)
    return cJSON_Duplicate(item, true);
  return object ? cJSON_CreateObject() : cJSON_CreateNull();
}

static cJSON *models_json(const pt_model_info *models, size_t n) {
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; arr && i < n; i++) {
    const pt_model_info *mi = &models[i];
    cJSON *o = cJSON_CreateObject(), *caps = cJSON_CreateArray();
    bool ok = o && caps && cJSON_AddItemToArray(arr, o);
    if (!ok)
      cJSON_Delete(o);
    ok = ok && pt_json_add_str(o, PT_MF_NAME, mi->name) &&
         pt_json_add_str(o, PT_MF_DIGEST, mi->digest) &&
         pt_json_add_str(o, PT_MF_FAMILY, mi->family) &&
         pt_json_add_str(o, PT_MF_PARAMETER_SIZE, mi->parameter_size) &&
         pt_json_add_str(o, PT_MF_QUANTIZATION, mi->quantization_level);
    for (size_t j = 0; ok && j < mi->n_capabilities; j++) {
      cJSON *s = cJSON_CreateString(mi->capabilities[j]);
      ok = s && cJSON_AddItemToArray(caps, s);
    }
    if (!ok || !take(o, PT_MF_CAPABILITIES, caps)) {
      if (!ok)
        cJSON_Delete(caps);
      cJSON_Delete(arr);
      return NULL;
    }
  }
  return arr;
}

cJSON *pt_manifest_trials_json(long ok, long failed, long warmup) {
  cJSON *t = cJSON_CreateObject();
  if (t && cJSON_AddNumberToObject(t, PT_MF_OK, (double)ok) &&
      cJSON_AddNumberToObject(t, PT_MF_FAILED, (double)failed) &&
      cJSON_AddNumberToObject(t, PT_MF_WARMUP, (double)warmup))
    return t;
  cJSON_Delete(t);
  return NULL;
}

cJSON *pt_manifest_session_json(const pt_manifest_session *s) {
  /* every object is attached as it is made, so a failure frees it all */
  cJSON *o = cJSON_CreateObject(), *order = NULL, *endpoint = NULL, *ollama = NULL;
  bool fixed = !s->order || !strcmp(s->order, PT_MF_ORDER_FIXED);
  bool ok = o && pt_json_add_str(o, PT_MF_RUN_ID, s->run_id) &&
            pt_json_add_str(o, PT_MF_STATUS, s->status) &&
            pt_json_add_str(o, PT_MF_REASON, s->reason) &&
            pt_json_add_str(o, PT_MF_STARTED_AT, s->started_at) &&
            pt_json_add_str(o, PT_MF_ENDED_AT, s->ended_at) &&
            pt_json_add_str(o, PT_MF_BOOT_ID, s->boot_id) &&
            (order = cJSON_AddObjectToObject(o, PT_MF_ORDER)) != NULL &&
            pt_json_add_str(order, PT_MF_MODE, fixed ? PT_MF_ORDER_FIXED : PT_MF_ORDER_RANDOM) &&
            (fixed ? cJSON_AddNullToObject(order, PT_MF_SEED) != NULL
                   : cJSON_AddNumberToObject(order, PT_MF_SEED, (double)s->order_seed) != NULL) &&
            (endpoint = cJSON_AddObjectToObject(o, PT_MF_ENDPOINT)) != NULL &&
            pt_json_add_str(endpoint, PT_MF_URL, s->endpoint_url) &&
            cJSON_AddBoolToObject(endpoint, PT_MF_LOCAL, s->endpoint_local) &&
            (ollama = cJSON_AddObjectToObject(o, PT_MF_OLLAMA)) != NULL &&
            pt_json_add_str(ollama, PT_MF_VERSION, s->ollama_version) &&
            take(o, PT_MF_MODELS, models_json(s->models, s->n_models)) &&
            take(o, PT_MF_HOST, s->host_json ? cJSON_Duplicate(s->host_json, true)
                                : s->host  ? pt_host_to_json(s->host)
                                           : cJSON_CreateNull()) &&
            take(o, PT_MF_NOTES, dup_or(s->notes, true)) &&
            (!s->telemetry || take(o, PT_MF_TELEMETRY, pt_telemetry_info_json(s->telemetry))) &&
            take(o, PT_MF_TRIALS, pt_manifest_trials_json(s->ok, s->failed, s->warmup)) &&
            take(o, PT_MF_SKIPPED, s->skipped ? cJSON_Duplicate(s->skipped, true)
                                              : cJSON_CreateArray()) &&
            take(o, PT_MF_UNLOAD, dup_or(s->unload, false)) &&
            (!s->forced || take(o, PT_MF_FORCED, cJSON_Duplicate(s->forced, true))) &&
            (!s->differs || take(o, PT_MF_DIFFERS, cJSON_Duplicate(s->differs, true)));
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

/* Copy key of from (when present) to to. */
static bool copy_key(cJSON *to, const cJSON *from, const char *key, bool null_if_absent) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, key);
  if (!v)
    return !null_if_absent || cJSON_AddNullToObject(to, key) != NULL;
  return take(to, key, cJSON_Duplicate(v, true));
}

cJSON *pt_manifest_to_json(const pt_manifest *m) {
  cJSON *o = cJSON_CreateObject(), *tool = NULL;
  cJSON *sessions = m->sessions ? cJSON_Duplicate(m->sessions, true) : cJSON_CreateArray();
  bool ok = o && sessions && cJSON_IsArray(sessions);
  if (ok && m->current) {
    cJSON *cur = pt_manifest_session_json(m->current);
    ok = cur && cJSON_AddItemToArray(sessions, cur);
    if (!ok)
      cJSON_Delete(cur);
  }
  const cJSON *first = ok ? cJSON_GetArrayItem(sessions, 0) : NULL;
  ok = ok && cJSON_AddStringToObject(o, PT_MF_SCHEMA, PT_MANIFEST_SCHEMA) &&
       (tool = cJSON_AddObjectToObject(o, PT_MF_TOOL)) != NULL &&
       cJSON_AddStringToObject(tool, PT_MF_NAME, "ptbench") &&
       cJSON_AddStringToObject(tool, PT_MF_VERSION, PTBENCH_VERSION) &&
       copy_key(o, first, PT_MF_RUN_ID, true) &&
       pt_json_add_str(o, PT_MF_ENVIRONMENT, m->environment) &&
       pt_json_add_str(o, PT_MF_LABEL, m->label) && pt_json_add_str(o, PT_MF_STATUS, m->status) &&
       pt_json_add_str(o, PT_MF_REASON, m->reason) &&
       copy_key(o, first, PT_MF_STARTED_AT, true) &&
       pt_json_add_str(o, PT_MF_ENDED_AT, m->ended_at) &&
       copy_key(o, first, PT_MF_ENDPOINT, true) && copy_key(o, first, PT_MF_OLLAMA, true) &&
       take(o, PT_MF_OPTIONS, m->options_json ? cJSON_Duplicate(m->options_json, true)
                                              : pt_manifest_options(m->plan, m->stream)) &&
       take(o, PT_MF_PLAN, m->plan_json ? cJSON_Duplicate(m->plan_json, true)
                                        : pt_plan_to_json(m->plan)) &&
       pt_json_add_str(o, PT_MF_ORDER, m->order ? m->order : PT_MF_ORDER_RANDOM) &&
       cJSON_AddNumberToObject(o, PT_MF_SESSIONS_PLANNED, (double)m->sessions_planned) &&
       copy_key(o, first, PT_MF_MODELS, true) && copy_key(o, first, PT_MF_HOST, true) &&
       take(o, PT_MF_TRIALS, pt_manifest_trials_json(m->ok, m->failed, m->warmup)) &&
       copy_key(o, first, PT_MF_NOTES, false) && copy_key(o, first, PT_MF_TELEMETRY, false);
  if (ok && !cJSON_GetObjectItemCaseSensitive(o, PT_MF_NOTES))
    ok = cJSON_AddObjectToObject(o, PT_MF_NOTES) != NULL;
  if (!ok || !take(o, PT_MF_SESSIONS, sessions)) {
    if (!ok)
      cJSON_Delete(sessions);
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

/* Overwrite the regular file at path with data (no link followed), only
 * when data fits in the blocks the file already holds: no block needs to be
 * allocated, so a full disk cannot stop the write half way. */
static bool write_in_place(const char *path, const char *data, size_t len) {
  int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  bool ok = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
            (uintmax_t)len <= (uintmax_t)st.st_blocks * 512;
  for (size_t done = 0; ok && done < len;) {
    ssize_t n = pwrite(fd, data + done, len - done, (off_t)done);
    if (n < 0 && errno == EINTR)
      continue;
    ok = n > 0;
    done += ok ? (size_t)n : 0;
  }
  ok = ok && ftruncate(fd, (off_t)len) == 0 && fsync(fd) == 0;
  if (fd >= 0 && close(fd) != 0)
    ok = false;
  return ok;
}

pt_code pt_manifest_notes(const char *const *kv, size_t n, cJSON **out, pt_error *err) {
  *out = NULL;
  cJSON *o = cJSON_CreateObject();
  if (!o)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    const char *eq = strchr(kv[i], '=');
    size_t klen = eq ? (size_t)(eq - kv[i]) : 0;
    char key[256];
    pt_code rc = PT_OK;
    if (!eq || !klen)
      rc = pt_error_set(err, PT_EUSAGE, "--note '%s': give KEY=VALUE, e.g. "
                                        "--note qemu_machine=pc-q35-8.2", kv[i]);
    else if (klen >= sizeof key || !pt_text_ok(kv[i], klen) ||
             !pt_text_ok(eq + 1, strlen(eq + 1)))
      rc = pt_error_set(err, PT_EUSAGE, "--note: the key must be 1 to 255 bytes and both key "
                                        "and value printable UTF-8 text");
    if (!rc) {
      memcpy(key, kv[i], klen);
      key[klen] = '\0';
      if (cJSON_GetObjectItemCaseSensitive(o, key))
        rc = pt_error_set(err, PT_EUSAGE, "--note '%s' is given twice", key);
      else if (!cJSON_AddStringToObject(o, key, eq + 1))
        rc = pt_error_set(err, PT_ENOMEM, "out of memory");
    }
    if (rc) {
      cJSON_Delete(o);
      return rc;
    }
  }
  *out = o;
  return PT_OK;
}

pt_code pt_manifest_render(const pt_manifest *m, pt_buf *b) {
  pt_buf_reset(b);
  cJSON *j = pt_manifest_to_json(m);
  char *s = j ? cJSON_Print(j) : NULL;
  cJSON_Delete(j);
  bool ok = s && !pt_buf_puts(b, s) && !pt_buf_putc(b, '\n');
  cJSON_free(s);
  return ok ? PT_OK : PT_ENOMEM;
}

pt_code pt_manifest_write_text(const char *path, const char *text, size_t len, pt_error *err) {
  pt_code rc = pt_write_file_atomic(path, text, len, err);
  if (rc == PT_EIO && pt_exists(path) && write_in_place(path, text, len)) {
    pt_error_clear(err);
    rc = PT_OK;
  }
  return rc;
}

pt_code pt_manifest_write(const char *path, const pt_manifest *m, pt_error *err) {
  pt_buf text = PT_BUF_INIT;
  pt_code rc = pt_manifest_render(m, &text);
  if (rc)
    rc = pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory");
  else
    rc = pt_manifest_write_text(path, text.data, text.len, err);
  pt_buf_free(&text);
  return rc;
}

/* ------------------------------------------------------------ reading */

pt_code pt_manifest_check(const cJSON *m, const char *name, pt_error *err) {
  const char *schema = pt_json_str(m, PT_MF_SCHEMA);
  if (cJSON_IsObject(m) && schema && !strcmp(schema, PT_MANIFEST_SCHEMA))
    return PT_OK;
  pt_error_at(err, PT_ESCHEMA, name, 0, 0,
              "not a ptbench manifest (schema is not \"" PT_MANIFEST_SCHEMA "\")");
  pt_error_set_field(err, PT_MF_SCHEMA);
  return PT_ESCHEMA;
}

cJSON *pt_manifest_load(const char *path, pt_error *err) {
  struct stat st;
  if (lstat(path, &st) != 0 && errno == ENOENT) {
    pt_error_at(err, PT_ENOTFOUND, path, 0, 0, "does not exist");
    return NULL;
  }
  cJSON *j = pt_json_read_file(path, 16u << 20, err);
  if (j && pt_manifest_check(j, path, err)) {
    cJSON_Delete(j);
    j = NULL;
  }
  return j;
}

static const char *str_of(const cJSON *o, const char *key) {
  return cJSON_IsObject(o) ? pt_json_str(o, key) : NULL;
}

static const cJSON *obj_of(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_IsObject(o) ? pt_json_get(o, key) : NULL;
  return cJSON_IsObject(v) ? v : NULL;
}

const char *pt_mf_environment(const cJSON *m) { return str_of(m, PT_MF_ENVIRONMENT); }
const char *pt_mf_label(const cJSON *m) { return str_of(m, PT_MF_LABEL); }
const char *pt_mf_status(const cJSON *o) { return str_of(o, PT_MF_STATUS); }
const cJSON *pt_mf_options(const cJSON *m) { return obj_of(m, PT_MF_OPTIONS); }
const cJSON *pt_mf_plan(const cJSON *m) { return obj_of(m, PT_MF_PLAN); }
const char *pt_mf_order(const cJSON *m) { return str_of(m, PT_MF_ORDER); }
const cJSON *pt_mf_source(const cJSON *m) { return obj_of(m, PT_MF_SOURCE); }
bool pt_mf_is_collected(const cJSON *m) {
  return pt_mf_plan(m) && pt_mf_options(m) && !pt_json_get(m, PT_MF_SOURCE);
}

static const cJSON *sessions_of(const cJSON *m) {
  const cJSON *s = cJSON_IsObject(m) ? pt_json_get(m, PT_MF_SESSIONS) : NULL;
  return cJSON_IsArray(s) ? s : NULL;
}

size_t pt_mf_session_count(const cJSON *m) {
  const cJSON *s = sessions_of(m);
  if (s)
    return (size_t)cJSON_GetArraySize(s);
  return cJSON_IsObject(m) ? 1 : 0;
}

const cJSON *pt_mf_session(const cJSON *m, size_t i) {
  const cJSON *s = sessions_of(m);
  if (s) {
    const cJSON *item = i <= INT32_MAX ? cJSON_GetArrayItem(s, (int)i) : NULL;
    return cJSON_IsObject(item) ? item : NULL;
  }
  return i == 0 && cJSON_IsObject(m) ? m : NULL;
}

long pt_mf_sessions_planned(const cJSON *m) {
  long long n = cJSON_IsObject(m) ? pt_json_int(m, PT_MF_SESSIONS_PLANNED, -1) : -1;
  long have = (long)pt_mf_session_count(m);
  return n > 0 && n < 1000000 ? (long)n : have;
}

const char *pt_mf_run_id(const cJSON *s) { return str_of(s, PT_MF_RUN_ID); }
const char *pt_mf_reason(const cJSON *s) { return str_of(s, PT_MF_REASON); }
const char *pt_mf_started_at(const cJSON *s) { return str_of(s, PT_MF_STARTED_AT); }
const char *pt_mf_ended_at(const cJSON *s) { return str_of(s, PT_MF_ENDED_AT); }
const char *pt_mf_boot_id(const cJSON *s) { return str_of(s, PT_MF_BOOT_ID); }
const char *pt_mf_ollama_version(const cJSON *s) {
  return str_of(obj_of(s, PT_MF_OLLAMA), PT_MF_VERSION);
}
const cJSON *pt_mf_host(const cJSON *s) { return obj_of(s, PT_MF_HOST); }
const cJSON *pt_mf_notes(const cJSON *s) { return obj_of(s, PT_MF_NOTES); }

const cJSON *pt_mf_models(const cJSON *s) {
  const cJSON *v = cJSON_IsObject(s) ? pt_json_get(s, PT_MF_MODELS) : NULL;
  return cJSON_IsArray(v) ? v : NULL;
}

const char *pt_mf_model_digest(const cJSON *s, const char *model) {
  const cJSON *m;
  cJSON_ArrayForEach(m, pt_mf_models(s)) {
    const char *name = str_of(m, PT_MF_NAME);
    if (name && model && !strcmp(name, model))
      return str_of(m, PT_MF_DIGEST);
  }
  return NULL;
}

bool pt_mf_order_seed(const cJSON *s, uint64_t *seed) {
  const cJSON *o = obj_of(s, PT_MF_ORDER);
  const cJSON *v = o ? pt_json_get(o, PT_MF_SEED) : NULL;
  if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble >= 18446744073709551616.0 ||
      v->valuedouble != floor(v->valuedouble))
    return false;
  *seed = (uint64_t)v->valuedouble;
  return true;
}

pt_mf_facts pt_mf_facts_of(const cJSON *m) {
  pt_mf_facts f;
  memset(&f, 0, sizeof f);
  const cJSON *first = pt_mf_session(m, 0);
  f.host = pt_mf_host(first);
  f.ollama_version = pt_mf_ollama_version(first);
  if (!f.host)  /* a session that recorded none: the run's copy */
    f.host = pt_mf_host(m);
  if (!f.ollama_version)
    f.ollama_version = pt_mf_ollama_version(m);
  const cJSON *gpu = obj_of(m, PT_MF_GPU), *sw = obj_of(m, PT_MF_SOFTWARE);
  f.gpu_model = str_of(gpu, PT_MF_GPU_MODEL);
  f.gpu_vram = str_of(gpu, PT_MF_VRAM);
  f.passthrough = str_of(gpu, PT_MF_PASSTHROUGH);
  f.rocm = str_of(sw, PT_MF_ROCM);
  f.runtime = str_of(sw, PT_MF_RUNTIME);
  return f;
}

bool pt_mf_host_virtualized(const cJSON *host, bool *known) {
  const cJSON *d = pt_json_get(obj_of(host, PT_MF_VIRTUALIZATION), PT_MF_DETECTED);
  if (known)
    *known = cJSON_IsBool(d);
  return cJSON_IsTrue(d);
}

const cJSON *pt_mf_primary_gpu(const cJSON *host) {
  const cJSON *gpus = cJSON_IsObject(host) ? pt_json_get(host, PT_MF_GPUS) : NULL, *g,
              *best = NULL;
  if (!cJSON_IsArray(gpus))
    return NULL;
  cJSON_ArrayForEach(g, gpus)
    if (cJSON_IsObject(g) && pt_json_bool(g, PT_MF_PRIMARY, false))
      return g;
  double most = 0;
  cJSON_ArrayForEach(g, gpus) {
    double v = cJSON_IsObject(g) ? pt_json_num(g, PT_MF_VRAM_BYTES) : NAN;
    if (isfinite(v) && v > most) {
      most = v;
      best = g;
    }
  }
  return best;
}

/* ------------------------------------------------ how the data was made */

pt_mf_origin pt_mf_origin_of(const cJSON *m) {
  const char *kind = str_of(pt_mf_source(m), PT_MF_KIND);
  if (kind && !strcmp(kind, PT_MF_KIND_PUBLISHED))
    return PT_MF_PUBLISHED;
  if (kind && !strcmp(kind, PT_MF_KIND_IMPORT))
    return PT_MF_IMPORTED;
  return PT_MF_COLLECTED;
}

/* A number of o, NAN when absent or not a number. */
static double num_of(const cJSON *o, const char *key) {
  return cJSON_IsObject(o) ? pt_json_num(o, key) : NAN;
}

pt_mf_published pt_mf_published_of(const cJSON *m) {
  const cJSON *src = pt_mf_source(m);
  return (pt_mf_published){str_of(src, PT_MF_TITLE),         str_of(src, PT_MF_SOURCE_TOOL),
                           str_of(src, PT_MF_NOTE),          num_of(src, PT_MF_PROMPTS),
                           num_of(src, PT_MF_RUNS_PER_PROMPT), num_of(src, PT_MF_WARMUP)};
}

pt_mf_imported pt_mf_imported_of(const cJSON *m) {
  const cJSON *src = pt_mf_source(m);
  const cJSON *files = cJSON_IsObject(src) ? pt_json_get(src, PT_MF_FILES) : NULL;
  pt_mf_imported im = {str_of(src, PT_MF_FORMAT), str_of(m, PT_MF_IMPORTED_AT), 0, NULL};
  if (cJSON_IsArray(files)) {
    im.files = (size_t)cJSON_GetArraySize(files);
    im.first_file = str_of(cJSON_GetArrayItem(files, 0), PT_MF_FILE_PATH);
  }
  return im;
}

pt_mf_run_options pt_mf_run_options_of(const cJSON *m) {
  const cJSON *o = pt_mf_options(m);
  pt_mf_run_options r = {num_of(o, PT_MF_SEED), num_of(o, PT_MF_TEMPERATURE),
                         num_of(o, PT_MF_NUM_PREDICT), num_of(o, PT_MF_NUM_CTX),
                         o && cJSON_IsNull(pt_json_get(o, PT_MF_SEED)), "", -1};
  const cJSON *ka = o ? pt_json_get(o, PT_MF_KEEP_ALIVE) : NULL, *st = o ? pt_json_get(o, PT_MF_STREAM) : NULL;
  if (cJSON_IsString(ka))
    snprintf(r.keep_alive, sizeof r.keep_alive, "%s", ka->valuestring);
  else if (cJSON_IsNumber(ka))
    snprintf(r.keep_alive, sizeof r.keep_alive, "%g", ka->valuedouble);
  if (cJSON_IsBool(st))
    r.stream = cJSON_IsTrue(st);
  return r;
}

double pt_mf_plan_trials(const cJSON *m) { return num_of(pt_mf_plan(m), PT_MF_PLAN_TRIALS); }
double pt_mf_plan_warmup(const cJSON *m) { return num_of(pt_mf_plan(m), PT_MF_PLAN_WARMUP); }

static const cJSON *prompts_of(const cJSON *m) {
  const cJSON *p = pt_mf_plan(m) ? pt_json_get(pt_mf_plan(m), PT_MF_PROMPTS) : NULL;
  return cJSON_IsArray(p) ? p : NULL;
}

size_t pt_mf_prompt_count(const cJSON *m) { return (size_t)cJSON_GetArraySize(prompts_of(m)); }

bool pt_mf_prompt(const cJSON *m, size_t i, const char **id, const char **text) {
  const cJSON *p = i <= INT32_MAX ? cJSON_GetArrayItem(prompts_of(m), (int)i) : NULL;
  *id = str_of(p, PT_MF_ID);
  *text = str_of(p, PT_MF_TEXT);
  return cJSON_IsObject(p);
}

pt_mf_model_info pt_mf_model_info_of(const cJSON *model) {
  return (pt_mf_model_info){str_of(model, PT_MF_NAME), str_of(model, PT_MF_DIGEST),
                            str_of(model, PT_MF_FAMILY), str_of(model, PT_MF_PARAMETER_SIZE),
                            str_of(model, PT_MF_QUANTIZATION)};
}

pt_mf_telemetry_info pt_mf_telemetry_of(const cJSON *s) {
  const cJSON *t = obj_of(s, PT_MF_TELEMETRY);
  const cJSON *en = t ? pt_json_get(t, PT_MF_ENABLED) : NULL;
  return (pt_mf_telemetry_info){cJSON_IsBool(en), cJSON_IsTrue(en), str_of(t, PT_MF_SOURCE),
                                str_of(t, PT_MF_REASON), num_of(t, PT_MF_RATE_HZ)};
}

/* A non-empty array member of session s, else NULL. */
static const cJSON *list_of(const cJSON *s, const char *key) {
  const cJSON *d = cJSON_IsObject(s) ? pt_json_get(s, key) : NULL;
  return cJSON_IsArray(d) && cJSON_GetArraySize(d) > 0 ? d : NULL;
}

const cJSON *pt_mf_differs(const cJSON *s) { return list_of(s, PT_MF_DIFFERS); }
const cJSON *pt_mf_forced(const cJSON *s) { return list_of(s, PT_MF_FORCED); }
const cJSON *pt_mf_skipped(const cJSON *s) { return list_of(s, PT_MF_SKIPPED); }

/* "Device 7590": the PCI ID database did not know the card. */
static bool unnamed_device(const char *name) {
  return !name || !*name || (!strncmp(name, "Device ", 7) && strlen(name) == 11 &&
                             strspn(name + 7, "0123456789abcdefABCDEF") == 4);
}

pt_mf_gpu_info pt_mf_gpu_info_of(const cJSON *gpu) {
  const cJSON *pcie = obj_of(gpu, PT_MF_PCIE), *rb = cJSON_IsObject(gpu)
                                                         ? pt_json_get(gpu, PT_MF_RESIZABLE_BAR)
                                                         : NULL;
  const char *device = str_of(gpu, PT_MF_DEVICE_NAME);
  pt_mf_gpu_info g = {str_of(gpu, PT_MF_PRODUCT_NAME),
                      unnamed_device(device) ? NULL : device,
                      str_of(gpu, PT_MF_VENDOR_NAME),
                      str_of(gpu, PT_MF_PCI_VENDOR),
                      str_of(gpu, PT_MF_PCI_DEVICE),
                      str_of(gpu, PT_MF_DRIVER),
                      str_of(gpu, PT_MF_DRIVER_VERSION),
                      str_of(gpu, PT_MF_PCI_ADDRESS),
                      num_of(gpu, PT_MF_VRAM_BYTES),
                      num_of(pcie, PT_MF_PATH_CURRENT_SPEED_GTS),
                      num_of(pcie, PT_MF_PATH_CURRENT_WIDTH),
                      num_of(pcie, PT_MF_PATH_MAX_SPEED_GTS),
                      num_of(pcie, PT_MF_PATH_MAX_WIDTH),
                      num_of(gpu, PT_MF_LARGEST_PREFETCHABLE_BAR),
                      cJSON_IsBool(rb) ? cJSON_IsTrue(rb) : -1};
  if (g.product && !*g.product)
    g.product = NULL;
  return g;
}

const char *pt_mf_rocm_version(const cJSON *host) { return str_of(host, PT_MF_ROCM_VERSION); }
const char *pt_mf_cuda_version(const cJSON *host) { return str_of(host, PT_MF_CUDA_VERSION); }

/* ---------------------------------------------------------------- import */

/* Attach item under key (freed when it cannot be); NULL items are skipped. */
static bool attach_opt(cJSON *o, const char *key, cJSON **item) {
  if (!*item)
    return true;
  bool ok = cJSON_AddItemToObject(o, key, *item);
  if (!ok)
    cJSON_Delete(*item);
  *item = NULL;
  return ok;
}

cJSON *pt_manifest_import_json(pt_manifest_import *m) {
  cJSON *j = cJSON_CreateObject(), *tool = NULL, *source = NULL, *trials = NULL;
  bool ok = j && pt_json_add_str(j, PT_MF_SCHEMA, PT_MANIFEST_SCHEMA) &&
            (tool = cJSON_AddObjectToObject(j, PT_MF_TOOL)) &&
            pt_json_add_str(tool, PT_MF_NAME, "ptbench") &&
            pt_json_add_str(tool, PT_MF_VERSION, PTBENCH_VERSION) &&
            pt_json_add_str(j, PT_MF_RUN_ID, m->run_id) &&
            pt_json_add_str(j, PT_MF_ENVIRONMENT, m->environment) &&
            pt_json_add_str(j, PT_MF_LABEL, m->label) &&
            pt_json_add_str(j, PT_MF_STATUS, PT_MF_STATUS_COMPLETE) &&
            (source = cJSON_AddObjectToObject(j, PT_MF_SOURCE)) &&
            pt_json_add_str(source, PT_MF_KIND, PT_MF_KIND_IMPORT) &&
            pt_json_add_str(source, PT_MF_FORMAT, m->format);
  ok = ok && m->files && attach_opt(source, PT_MF_FILES, &m->files);
  ok = ok && pt_json_add_str(j, PT_MF_IMPORTED_AT, m->imported_at);
  ok = ok && m->models && attach_opt(j, PT_MF_MODELS, &m->models);
  /* the counts collect's manifest has; imported trials are all ok */
  ok = ok && (trials = cJSON_AddObjectToObject(j, PT_MF_TRIALS)) &&
       pt_json_add_num(trials, PT_MF_OK, (double)m->trials) &&
       pt_json_add_num(trials, PT_MF_FAILED, 0) && pt_json_add_num(trials, PT_MF_WARMUP, 0);
  ok = ok && attach_opt(j, PT_MF_HOST, &m->host) && attach_opt(j, PT_MF_GPU, &m->gpu) &&
       attach_opt(j, PT_MF_SOFTWARE, &m->software) &&
       attach_opt(j, PT_MF_OPTIONS, &m->options) &&
       attach_opt(j, PT_MF_LLAMA_BENCH, &m->llama_bench);
  cJSON *left[] = {m->files, m->models, m->host, m->gpu, m->software, m->options,
                   m->llama_bench};
  for (size_t i = 0; i < sizeof left / sizeof *left; i++)
    cJSON_Delete(left[i]);
  m->files = m->models = m->host = m->gpu = m->software = m->options = m->llama_bench = NULL;
  if (!ok) {
    cJSON_Delete(j);
    return NULL;
  }
  return j;
}
