/* collect/manifest.c - building, writing and re-reading manifest.json (see
 * collect/manifest.h and docs/collect.md "manifest.json"). */
#include "collect/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
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
  bool ok = o && ka && cJSON_AddNumberToObject(o, "seed", (double)plan->seed) &&
            cJSON_AddNumberToObject(o, "temperature", plan->temperature) &&
            cJSON_AddNumberToObject(o, "num_predict", (double)plan->num_predict) &&
            cJSON_AddNumberToObject(o, "num_ctx", (double)plan->num_ctx);
  if (ok && cJSON_AddItemToObject(o, "keep_alive", ka)) {
    ka = NULL;
    if (cJSON_AddBoolToObject(o, "stream", stream))
      return o;
  }
  cJSON_Delete(ka);
  cJSON_Delete(o);
  return NULL;
}

/* Add item to obj under key, taking it over; false (item freed) on failure. */
static bool take(cJSON *obj, const char *key, cJSON *item) {
  if (item && cJSON_AddItemToObject(obj, key, item))
    return true;
  cJSON_Delete(item);
  return false;
}

static cJSON *models_json(const pt_manifest *m) {
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; arr && i < m->n_models; i++) {
    const pt_model_info *mi = &m->models[i];
    cJSON *o = cJSON_CreateObject(), *caps = cJSON_CreateArray();
    bool ok = o && caps && cJSON_AddItemToArray(arr, o);
    if (!ok)
      cJSON_Delete(o);
    ok = ok && pt_json_add_str(o, "name", mi->name) &&
         pt_json_add_str(o, "digest", mi->digest) &&
         pt_json_add_str(o, "family", mi->family) &&
         pt_json_add_str(o, "parameter_size", mi->parameter_size) &&
         pt_json_add_str(o, "quantization_level", mi->quantization_level);
    for (size_t j = 0; ok && j < mi->n_capabilities; j++) {
      cJSON *s = cJSON_CreateString(mi->capabilities[j]);
      ok = s && cJSON_AddItemToArray(caps, s);
    }
    if (!ok || !take(o, "capabilities", caps)) {
      if (!ok)
        cJSON_Delete(caps);
      cJSON_Delete(arr);
      return NULL;
    }
  }
  return arr;
}

cJSON *pt_manifest_to_json(const pt_manifest *m) {
  cJSON *o = cJSON_CreateObject();
  if (!o)
    return NULL;
  cJSON *tool = cJSON_CreateObject(), *endpoint = cJSON_CreateObject(),
        *ollama = cJSON_CreateObject(), *trials = cJSON_CreateObject();
  bool ok = tool && endpoint && ollama && trials &&
            cJSON_AddStringToObject(tool, "name", "ptbench") &&
            cJSON_AddStringToObject(tool, "version", PTBENCH_VERSION) &&
            pt_json_add_str(endpoint, "url", m->endpoint_url) &&
            cJSON_AddBoolToObject(endpoint, "local", m->endpoint_local) &&
            pt_json_add_str(ollama, "version", m->ollama_version) &&
            cJSON_AddNumberToObject(trials, "ok", (double)m->ok) &&
            cJSON_AddNumberToObject(trials, "failed", (double)m->failed) &&
            cJSON_AddNumberToObject(trials, "warmup", (double)m->warmup);
  if (!ok) {
    cJSON_Delete(tool);
    cJSON_Delete(endpoint);
    cJSON_Delete(ollama);
    cJSON_Delete(trials);
    cJSON_Delete(o);
    return NULL;
  }
  ok = cJSON_AddStringToObject(o, "schema", PT_MANIFEST_SCHEMA) && take(o, "tool", tool) &&
       pt_json_add_str(o, "run_id", m->run_id) &&
       pt_json_add_str(o, "environment", m->environment) &&
       pt_json_add_str(o, "label", m->label) && pt_json_add_str(o, "status", m->status) &&
       pt_json_add_str(o, "reason", m->reason) &&
       pt_json_add_str(o, "started_at", m->started_at) &&
       pt_json_add_str(o, "ended_at", m->ended_at);
  if (!ok) {
    cJSON_Delete(endpoint);
    cJSON_Delete(ollama);
    cJSON_Delete(trials);
    cJSON_Delete(o);
    return NULL;
  }
  ok = take(o, "endpoint", endpoint) && take(o, "ollama", ollama) &&
       take(o, "options", pt_manifest_options(m->plan, m->stream)) &&
       take(o, "plan", pt_plan_to_json(m->plan)) && take(o, "models", models_json(m)) &&
       take(o, "host", m->host ? pt_host_to_json(m->host) : cJSON_CreateNull()) &&
       take(o, "trials", trials) &&
       take(o, "notes", m->notes ? cJSON_Duplicate(m->notes, true) : cJSON_CreateObject()) &&
       (!m->telemetry || take(o, "telemetry", pt_telemetry_info_json(m->telemetry)));
  if (!ok) {
    /* take() freed the item it failed on; the rest not yet attached leak
     * only on allocation failure inside cJSON, where the process is done */
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

pt_code pt_manifest_write(const char *path, const pt_manifest *m, pt_error *err) {
  cJSON *j = pt_manifest_to_json(m);
  char *s = j ? cJSON_Print(j) : NULL;
  cJSON_Delete(j);
  pt_buf text = PT_BUF_INIT;
  if (!s || pt_buf_puts(&text, s) || pt_buf_putc(&text, '\n')) {
    cJSON_free(s);
    pt_buf_free(&text);
    return pt_error_at(err, PT_ENOMEM, path, 0, 0, "out of memory");
  }
  cJSON_free(s);
  pt_code rc = pt_write_file_atomic(path, text.data, text.len, err);
  if (rc == PT_EIO && pt_exists(path) && write_in_place(path, text.data, text.len)) {
    pt_error_clear(err);
    rc = PT_OK;
  }
  pt_buf_free(&text);
  return rc;
}

pt_code pt_manifest_read_prior(const char *path, pt_manifest_prior *p, pt_error *err) {
  memset(p, 0, sizeof *p);
  cJSON *j = pt_json_read_file(path, 16u << 20, err);
  if (!j)
    return err ? err->code : PT_EPARSE;
  pt_code rc = PT_OK;
  const char *schema = pt_json_str(j, "schema");
  if (!schema || strcmp(schema, PT_MANIFEST_SCHEMA)) {
    rc = pt_error_at(err, PT_ESCHEMA, path, 0, 0, "not a ptbench manifest (schema is not "
                                                  "\"" PT_MANIFEST_SCHEMA "\")");
  } else if (!dup_opt(pt_json_str(j, "run_id"), &p->run_id) ||
             !dup_opt(pt_json_str(j, "started_at"), &p->started_at) ||
             !dup_opt(pt_json_str(j, "environment"), &p->environment)) {
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  } else {
    cJSON *o = cJSON_DetachItemFromObjectCaseSensitive(j, "options");
    if (cJSON_IsObject(o))
      p->options = o;
    else
      cJSON_Delete(o);
    cJSON *plan = pt_json_get(j, "plan");
    if (cJSON_IsObject(plan)) {
      o = cJSON_DetachItemFromObjectCaseSensitive(plan, "options");
      if (cJSON_IsObject(o))
        p->plan_options = o;
      else
        cJSON_Delete(o);
      o = cJSON_DetachItemFromObjectCaseSensitive(plan, "prompts");
      if (cJSON_IsArray(o))
        p->prompts = o;
      else
        cJSON_Delete(o);
    }
    o = cJSON_DetachItemFromObjectCaseSensitive(j, "notes");
    if (cJSON_IsObject(o))
      p->notes = o;
    else
      cJSON_Delete(o);
  }
  cJSON_Delete(j);
  if (rc)
    pt_manifest_prior_free(p);
  return rc;
}

void pt_manifest_prior_free(pt_manifest_prior *p) {
  if (!p)
    return;
  free(p->run_id);
  free(p->started_at);
  free(p->environment);
  cJSON_Delete(p->options);
  cJSON_Delete(p->plan_options);
  cJSON_Delete(p->prompts);
  cJSON_Delete(p->notes);
  memset(p, 0, sizeof *p);
}
