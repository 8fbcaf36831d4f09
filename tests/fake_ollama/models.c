/* tests/fake_ollama/models.c - the fake server's model table: parsing the
 * --model specs, which models are installed, loaded (with keep-alive
 * expiry and an unload that takes --unload-delay to finish) or pullable,
 * how often each was loaded, the prompt cache, and the JSON of /api/tags,
 * /api/ps, /api/show and /debug/loads. Configuration is fixed after
 * start-up; the state fields change under one mutex. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

#define DEFAULT_KEEP_ALIVE_NS ((int64_t)300 * 1000000000) /* Ollama's 5m */

void fake_models_init(fake_models *t) {
  t->v = NULL;
  t->n = t->cap = 0;
  t->unload_delay_ns = 0;
  pthread_mutex_init(&t->mu, NULL);
}

void fake_models_free(fake_models *t) {
  free(t->v);
  t->v = NULL;
  t->n = t->cap = 0;
  pthread_mutex_destroy(&t->mu);
}

void fake_model_normalize(const char *in, char *out, size_t size) {
  const char *slash = strrchr(in, '/');
  const char *colon = strchr(slash ? slash : in, ':');
  snprintf(out, size, "%s%s", in, colon ? "" : ":latest");
}

static bool copy_field(char *dst, size_t size, const char *s, size_t n) {
  if (n == 0 || n >= size)
    return false;
  memcpy(dst, s, n);
  dst[n] = '\0';
  return true;
}

/* Defaults that follow from the name: family = name before ':', parameter
 * size from a tag like "14b", size from the parameter count at Q4_K_M. */
static void set_defaults(fake_model *m) {
  const char *colon = strchr(m->name, ':');
  size_t base = colon ? (size_t)(colon - m->name) : strlen(m->name);
  if (!copy_field(m->family, sizeof m->family, m->name, base))
    snprintf(m->family, sizeof m->family, "llama");
  double billions = 7.2;
  const char *tag = colon ? colon + 1 : "";
  char *end = NULL;
  double b = strtod(tag, &end);
  if (end != tag && (*end == 'b' || *end == 'B') && end[1] == '\0' && b > 0 && b < 1e4)
    billions = b;
  snprintf(m->params, sizeof m->params, "%.1fB", billions);
  snprintf(m->quant, sizeof m->quant, "Q4_K_M");
  m->rate = 50;
  m->noise = 0;
  m->prompt_rate = 1000;
  m->load_s = 1.5;
  m->size = (long long)(billions * 6.0e8) + (long long)(fake_hash(m->name, strlen(m->name), 1) % 1000000);
  m->size_vram = -1; /* = size */
  m->tokens = 128;
  m->think_tokens = 64;
  m->context_length = 4096;
  m->thinking = m->cache = false;
  m->available = true;
  m->loaded = false;
  m->expires_ns = 0;
  m->ctx_loaded = 0;
  m->has_last_prompt = false;
  m->loads = 0;
}

/* One key=value (or flag) of a --model spec. */
static bool apply_option(fake_model *m, const char *opt, double *vram_pct, char *err,
                         size_t errsz) {
  const char *eq = strchr(opt, '=');
  char key[32];
  if (!copy_field(key, sizeof key, opt, eq ? (size_t)(eq - opt) : strlen(opt))) {
    snprintf(err, errsz, "empty or overlong option in model spec: '%s'", opt);
    return false;
  }
  const char *val = eq ? eq + 1 : NULL;
  static const char *const flags[] = {"thinking", "cache", "pullable", "loaded"};
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
    if (strcmp(key, flags[i]))
      continue;
    if (val) {
      snprintf(err, errsz, "'%s' takes no value", key);
      return false;
    }
    if (i == 0)
      m->thinking = true;
    else if (i == 1)
      m->cache = true;
    else if (i == 2)
      m->available = false;
    else
      m->loaded = true, m->expires_ns = FAKE_FOREVER;
    return true;
  }
  if (!val) {
    snprintf(err, errsz, "unknown model option '%s'", key);
    return false;
  }
  char *text = NULL;
  size_t cap = 0;
  if (!strcmp(key, "family"))
    text = m->family, cap = sizeof m->family;
  else if (!strcmp(key, "params"))
    text = m->params, cap = sizeof m->params;
  else if (!strcmp(key, "quant"))
    text = m->quant, cap = sizeof m->quant;
  if (text) {
    if (!copy_field(text, cap, val, strlen(val))) {
      snprintf(err, errsz, "'%s' must be 1 to %zu characters", key, cap - 1);
      return false;
    }
    return true;
  }
  double d;
  size_t vlen = strlen(val);
  if (!strcmp(key, "vram") && vlen > 1 && val[vlen - 1] == '%') {
    char num[32];
    if (!copy_field(num, sizeof num, val, vlen - 1) || !fake_parse_double(num, &d) || d < 0 ||
        d > 100) {
      snprintf(err, errsz, "'vram' must be bytes or a percentage 0-100%%: '%s'", val);
      return false;
    }
    *vram_pct = d;
    return true;
  }
  if (!fake_parse_double(val, &d) || d < 0) {
    snprintf(err, errsz, "'%s' must be a number >= 0: '%s'", key, val);
    return false;
  }
  struct {
    const char *key;
    double *dst;
    double min, max;
  } reals[] = {{"rate", &m->rate, 1e-3, 1e6},
               {"noise", &m->noise, 0, 0.5},
               {"prompt-rate", &m->prompt_rate, 1e-3, 1e7},
               {"load", &m->load_s, 0, 3600}};
  for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
    if (strcmp(key, reals[i].key))
      continue;
    if (d < reals[i].min || d > reals[i].max) {
      snprintf(err, errsz, "'%s' must be in [%g, %g]: '%s'", key, reals[i].min, reals[i].max, val);
      return false;
    }
    *reals[i].dst = d;
    return true;
  }
  long long n;
  if (!fake_parse_ll(val, &n)) {
    snprintf(err, errsz, "'%s' must be an integer: '%s'", key, val);
    return false;
  }
  if (!strcmp(key, "size") || !strcmp(key, "vram")) {
    *(!strcmp(key, "size") ? &m->size : &m->size_vram) = n;
    if (!strcmp(key, "vram"))
      *vram_pct = -1;
    return true;
  }
  struct {
    const char *key;
    int *dst;
    long long min, max;
  } ints[] = {{"tokens", &m->tokens, 1, 1000000},
              {"think-tokens", &m->think_tokens, 0, 1000000},
              {"ctx", &m->context_length, 1, 10000000}};
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
    if (strcmp(key, ints[i].key))
      continue;
    if (n < ints[i].min || n > ints[i].max) {
      snprintf(err, errsz, "'%s' must be in [%lld, %lld]: '%s'", key, ints[i].min, ints[i].max,
               val);
      return false;
    }
    *ints[i].dst = (int)n;
    return true;
  }
  snprintf(err, errsz, "unknown model option '%s'", key);
  return false;
}

/* Split "NAME[:TAG][:RATE[:NOISE]]": up to two trailing numeric fields are
 * the rate and noise unless the spec sets rate= itself. */
static bool parse_head(fake_model *m, const char *head, bool peel, char *err, size_t errsz) {
  char name[FAKE_NAME_MAX];
  if (!copy_field(name, sizeof name, head, strlen(head))) {
    snprintf(err, errsz, "model name is empty or too long: '%s'", head);
    return false;
  }
  double nums[2];
  int n_nums = 0;
  while (peel && n_nums < 2) {
    char *colon = strrchr(name, ':');
    double d;
    if (!colon || colon == name || !fake_parse_double(colon + 1, &d))
      break;
    nums[n_nums++] = d;
    *colon = '\0';
  }
  fake_model_normalize(name, m->name, sizeof m->name);
  set_defaults(m);
  if (n_nums == 2) {
    m->rate = nums[1];
    m->noise = nums[0];
  } else if (n_nums == 1) {
    m->rate = nums[0];
  }
  if (m->rate < 1e-3 || m->rate > 1e6 || m->noise < 0 || m->noise > 0.5) {
    snprintf(err, errsz, "rate must be in [0.001, 1e6] and noise in [0, 0.5]: '%s'", head);
    return false;
  }
  return true;
}

bool fake_models_add_spec(fake_models *t, const char *spec, char *err, size_t errsz) {
  char *copy = strdup(spec);
  if (!copy) {
    snprintf(err, errsz, "out of memory");
    return false;
  }
  fake_model m;
  memset(&m, 0, sizeof m);
  char *opts = strchr(copy, ',');
  if (opts)
    *opts++ = '\0';
  bool ok = parse_head(&m, copy, !(opts && (strstr(opts, "rate=") == opts ||
                                            strstr(opts, ",rate="))),
                       err, errsz);
  double vram_pct = 100;
  bool loaded = false;
  for (char *o = opts; ok && o;) {
    char *next = strchr(o, ',');
    if (next)
      *next++ = '\0';
    ok = apply_option(&m, o, &vram_pct, err, errsz);
    loaded = loaded || !strcmp(o, "loaded");
    o = next;
  }
  free(copy);
  if (!ok)
    return false;
  if (vram_pct >= 0)
    m.size_vram = (long long)llround((double)m.size * vram_pct / 100.0);
  if (loaded) {
    m.loaded = m.available;
    m.ctx_loaded = m.context_length;
  }
  if (fake_models_find(t, m.name)) {
    snprintf(err, errsz, "model '%s' is given twice", m.name);
    return false;
  }
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 8;
    fake_model *v = realloc(t->v, cap * sizeof *v);
    if (!v) {
      snprintf(err, errsz, "out of memory");
      return false;
    }
    t->v = v;
    t->cap = cap;
  }
  t->v[t->n++] = m;
  return true;
}

bool fake_models_add_defaults(fake_models *t, char *err, size_t errsz) {
  /* the four models of the article "Measuring GPU Passthrough Overhead Using
   * vfio-pci on AI Linux"; rates are plausible for its RX 9060 XT 16GB */
  static const char *const specs[] = {
      "mistral:7b:62.5:0.01,params=7.2B,family=llama,quant=Q4_0",
      "gemma2:9b:41.2:0.01,params=9.2B,family=gemma2,quant=Q4_0",
      "phi4:14b:30.8:0.01,params=14.7B,family=phi3",
      "deepseek-r1:14b:29.9:0.01,params=14.8B,family=qwen2,thinking",
  };
  for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
    if (!fake_models_add_spec(t, specs[i], err, errsz))
      return false;
  return true;
}

fake_model *fake_models_find(fake_models *t, const char *name) {
  char norm[FAKE_NAME_MAX];
  fake_model_normalize(name, norm, sizeof norm);
  for (size_t i = 0; i < t->n; i++)
    if (!strcmp(t->v[i].name, norm))
      return &t->v[i];
  return NULL;
}

bool fake_models_available(fake_models *t, const fake_model *m) {
  pthread_mutex_lock(&t->mu);
  bool ok = m->available;
  pthread_mutex_unlock(&t->mu);
  return ok;
}

void fake_models_set_available(fake_models *t, fake_model *m) {
  pthread_mutex_lock(&t->mu);
  m->available = true;
  pthread_mutex_unlock(&t->mu);
}

void fake_model_digest(const fake_model *m, char out[65]) {
  size_t n = strlen(m->name);
  for (int i = 0; i < 4; i++)
    snprintf(out + 16 * i, 17, "%016llx", (unsigned long long)fake_hash(m->name, n, (uint64_t)i));
}

/* Its keep-alive has ended: it is unloading (or gone). */
static bool expired(const fake_model *m, int64_t now) {
  return m->expires_ns != FAKE_FOREVER && m->expires_ns <= now;
}

/* Finish an unload whose delay has passed. */
static void expire_locked(fake_models *t, fake_model *m, int64_t now) {
  if (m->loaded && expired(m, now) && now - m->expires_ns >= t->unload_delay_ns) {
    m->loaded = false;
    m->has_last_prompt = false;
  }
}

fake_use fake_models_use(fake_models *t, fake_model *m, uint64_t prompt_hash,
                         int64_t keep_alive_ns, int num_ctx) {
  fake_use u;
  int64_t now = fake_now_ns();
  pthread_mutex_lock(&t->mu);
  expire_locked(t, m, now);
  int ctx = num_ctx > 0 ? num_ctx : m->context_length;
  if ((m->loaded && m->ctx_loaded != ctx) || /* Ollama reloads for a new num_ctx */
      (m->loaded && expired(m, now))) {      /* or waits for the unload, then loads */
    m->loaded = false;
    m->has_last_prompt = false;
  }
  u.was_loaded = m->loaded;
  u.prompt_cached = m->cache && m->has_last_prompt && m->last_prompt == prompt_hash;
  if (!m->loaded)
    m->loads++;
  m->loaded = true;
  m->ctx_loaded = ctx;
  m->last_prompt = prompt_hash;
  m->has_last_prompt = true;
  if (keep_alive_ns < 0)
    keep_alive_ns = DEFAULT_KEEP_ALIVE_NS;
  m->expires_ns = keep_alive_ns == FAKE_FOREVER ? FAKE_FOREVER
                  : keep_alive_ns > INT64_MAX - now ? FAKE_FOREVER
                                                    : now + keep_alive_ns;
  pthread_mutex_unlock(&t->mu);
  return u;
}

void fake_models_unload(fake_models *t, fake_model *m) {
  int64_t now = fake_now_ns();
  pthread_mutex_lock(&t->mu);
  expire_locked(t, m, now);
  if (m->loaded && !expired(m, now)) {
    m->expires_ns = now; /* listed by /api/ps until the unload finishes */
    m->has_last_prompt = false;
    expire_locked(t, m, now);
  }
  pthread_mutex_unlock(&t->mu);
}

static cJSON *details_json(const fake_model *m) {
  cJSON *d = cJSON_CreateObject();
  cJSON *fams = cJSON_CreateArray();
  if (!d || !fams) {
    cJSON_Delete(d);
    cJSON_Delete(fams);
    return NULL;
  }
  cJSON_AddStringToObject(d, "parent_model", "");
  cJSON_AddStringToObject(d, "format", "gguf");
  cJSON_AddStringToObject(d, "family", m->family);
  cJSON_AddItemToArray(fams, cJSON_CreateString(m->family));
  cJSON_AddItemToObject(d, "families", fams);
  cJSON_AddStringToObject(d, "parameter_size", m->params);
  cJSON_AddStringToObject(d, "quantization_level", m->quant);
  return d;
}

/* A fixed day in 2025 that depends on the name, as a pull date. */
static void modified_at(const fake_model *m, char *out, size_t size) {
  int64_t base = (int64_t)1746000000 * 1000000000; /* 2025-04-30 */
  uint64_t h = fake_hash(m->name, strlen(m->name), 7);
  fake_timestamp(base + (int64_t)(h % ((uint64_t)60 * 86400 * 1000000000)), out, size);
}

/* name, model, [modified_at], size, digest, details: the common part. */
static cJSON *entry_json(const fake_model *m, bool with_modified) {
  cJSON *e = cJSON_CreateObject();
  cJSON *d = details_json(m);
  if (!e || !d) {
    cJSON_Delete(e);
    cJSON_Delete(d);
    return NULL;
  }
  char digest[65], when[48];
  fake_model_digest(m, digest);
  cJSON_AddStringToObject(e, "name", m->name);
  cJSON_AddStringToObject(e, "model", m->name);
  if (with_modified) {
    modified_at(m, when, sizeof when);
    cJSON_AddStringToObject(e, "modified_at", when);
  }
  cJSON_AddNumberToObject(e, "size", (double)m->size);
  cJSON_AddStringToObject(e, "digest", digest);
  cJSON_AddItemToObject(e, "details", d);
  return e;
}

/* {"models": [...]}: installed models (tags) or loaded ones (ps). */
static cJSON *list_json(fake_models *t, bool ps) {
  cJSON *root = cJSON_CreateObject();
  cJSON *arr = cJSON_AddArrayToObject(root, "models");
  if (!arr) {
    cJSON_Delete(root);
    return NULL;
  }
  int64_t now = fake_now_ns();
  pthread_mutex_lock(&t->mu);
  for (size_t i = 0; i < t->n; i++) {
    fake_model *m = &t->v[i];
    expire_locked(t, m, now);
    if (!m->available || (ps && !m->loaded))
      continue;
    cJSON *e = entry_json(m, !ps);
    if (!e) {
      pthread_mutex_unlock(&t->mu);
      cJSON_Delete(root);
      return NULL;
    }
    if (ps) {
      char when[48] = "2318-01-01T00:00:00Z"; /* kept forever: far future, as Ollama */
      if (m->expires_ns != FAKE_FOREVER)
        fake_timestamp(m->expires_ns, when, sizeof when);
      cJSON_AddStringToObject(e, "expires_at", when);
      cJSON_AddNumberToObject(e, "size_vram", (double)m->size_vram);
      cJSON_AddNumberToObject(e, "context_length", m->ctx_loaded);
    }
    cJSON_AddItemToArray(arr, e);
  }
  pthread_mutex_unlock(&t->mu);
  return root;
}

cJSON *fake_models_tags_json(fake_models *t) { return list_json(t, false); }

cJSON *fake_models_ps_json(fake_models *t) { return list_json(t, true); }

cJSON *fake_models_loads_json(fake_models *t) {
  cJSON *root = cJSON_CreateObject();
  cJSON *loads = cJSON_AddObjectToObject(root, "loads");
  if (!loads) {
    cJSON_Delete(root);
    return NULL;
  }
  pthread_mutex_lock(&t->mu);
  for (size_t i = 0; i < t->n; i++)
    if (!cJSON_AddNumberToObject(loads, t->v[i].name, (double)t->v[i].loads)) {
      pthread_mutex_unlock(&t->mu);
      cJSON_Delete(root);
      return NULL;
    }
  pthread_mutex_unlock(&t->mu);
  return root;
}

cJSON *fake_model_show_json(const fake_model *m) {
  cJSON *root = cJSON_CreateObject();
  cJSON *d = details_json(m);
  cJSON *info = cJSON_CreateObject();
  cJSON *caps = cJSON_CreateArray();
  if (!root || !d || !info || !caps) {
    cJSON_Delete(root);
    cJSON_Delete(d);
    cJSON_Delete(info);
    cJSON_Delete(caps);
    return NULL;
  }
  char when[48], key[96];
  modified_at(m, when, sizeof when);
  cJSON_AddStringToObject(root, "license", "fake model: no license");
  cJSON_AddStringToObject(root, "modelfile", "# Modelfile generated by fake-ollama\n");
  cJSON_AddStringToObject(root, "parameters", "temperature 0.8\nnum_ctx 4096");
  cJSON_AddStringToObject(root, "template", "{{ .Prompt }}");
  cJSON_AddItemToObject(root, "details", d);
  cJSON_AddStringToObject(info, "general.architecture", m->family);
  cJSON_AddNumberToObject(info, "general.file_type", 15);
  double params = strtod(m->params, NULL);
  cJSON_AddNumberToObject(info, "general.parameter_count", round(params * 1e9));
  cJSON_AddNumberToObject(info, "general.quantization_version", 2);
  snprintf(key, sizeof key, "%s.context_length", m->family);
  cJSON_AddNumberToObject(info, key, 131072);
  snprintf(key, sizeof key, "%s.block_count", m->family);
  cJSON_AddNumberToObject(info, key, 40);
  snprintf(key, sizeof key, "%s.embedding_length", m->family);
  cJSON_AddNumberToObject(info, key, 5120);
  cJSON_AddItemToObject(root, "model_info", info);
  cJSON_AddItemToArray(caps, cJSON_CreateString("completion"));
  if (m->thinking)
    cJSON_AddItemToArray(caps, cJSON_CreateString("thinking"));
  cJSON_AddItemToObject(root, "capabilities", caps);
  cJSON_AddStringToObject(root, "modified_at", when);
  return root;
}
