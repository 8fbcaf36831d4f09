/* tests/fake_ollama/routes.c - the HTTP layer of the fake Ollama server.
 *
 * MHD calls fake_route_access several times per request: once to start it,
 * once per piece of upload (collected into a capped pt_buf), and once more
 * to answer. The answer logs the request (--log), counts it per endpoint,
 * applies a matching --fault, then calls the endpoint's handler. Errors are
 * {"error": "..."} bodies with the status a real server gives.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "fake.h"

#define JSON_TYPE "application/json; charset=utf-8"
#define NDJSON_TYPE "application/x-ndjson"
#define ERR_GENERIC "the model failed to generate a response"
#define ERR_BUSY "server busy, please try again.  maximum pending requests exceeded"
#define ERR_MIDSTREAM "an error was encountered while running the model"

typedef struct request {
  pt_buf body;
  bool too_big;
  bool dispatched;
} request;

/* What a handler gets. */
typedef struct call {
  fake_server *srv;
  struct MHD_Connection *conn;
  const char *method;
  cJSON *body;             /* POST: the parsed object */
  const fake_fault *fault; /* a matching rule, or NULL */
  long number;             /* 1-based, per endpoint */
} call;

typedef enum MHD_Result (*handler)(call *c);

/* ---- responses ---------------------------------------------------------- */

static enum MHD_Result respond_bytes(struct MHD_Connection *conn, unsigned status,
                                    const char *type, const char *data, size_t len) {
  struct MHD_Response *r =
      MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
  if (!r)
    return MHD_NO;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  enum MHD_Result ret = MHD_queue_response(conn, status, r);
  MHD_destroy_response(r);
  return ret;
}

/* Send o (owned; NULL = out of memory) as one JSON body. */
static enum MHD_Result respond_json(struct MHD_Connection *conn, unsigned status, cJSON *o) {
  char *text = o ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(o);
  if (!text)
    return MHD_NO;
  enum MHD_Result ret = respond_bytes(conn, status, JSON_TYPE, text, strlen(text));
  cJSON_free(text);
  return ret;
}

static enum MHD_Result respond_error(struct MHD_Connection *conn, unsigned status,
                                     const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum MHD_Result respond_error(struct MHD_Connection *conn, unsigned status,
                                     const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "error", msg);
  return respond_json(conn, status, o);
}

/* Send s (owned) chunked, as content type: NDJSON, or JSON for a one-object
 * reply that plays a fault. */
static enum MHD_Result respond_stream(struct MHD_Connection *conn, fake_stream *s,
                                      const char *type) {
  if (!s)
    return MHD_NO;
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
  fake_stream_set_fd(s, ci ? ci->connect_fd : -1);
  struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
                                                             fake_stream_read, s, fake_stream_free);
  if (!r) {
    fake_stream_free(s);
    return MHD_NO;
  }
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
  MHD_destroy_response(r);
  return ret;
}

static enum MHD_Result model_not_found(struct MHD_Connection *conn, const char *name) {
  return respond_error(conn, MHD_HTTP_NOT_FOUND, "model '%s' not found", name);
}

/* ---- request fields ------------------------------------------------------ */

/* "model", or the legacy "name"; NULL when neither is a non-empty string. */
static const char *model_field(const cJSON *body) {
  const char *s = pt_json_str(body, "model");
  if (!s || !*s)
    s = pt_json_str(body, "name");
  return s && *s ? s : NULL;
}

/* A bool member: def when absent or null; false return = wrong type. */
static bool bool_field(const cJSON *body, const char *key, bool def, bool *out) {
  cJSON *v = pt_json_get(body, key);
  if (!v || cJSON_IsNull(v)) {
    *out = def;
    return true;
  }
  if (!cJSON_IsBool(v))
    return false;
  *out = cJSON_IsTrue(v);
  return true;
}

/* keep_alive: seconds or a duration string; -1 when absent. */
static bool keep_alive_field(const cJSON *body, int64_t *ns, char *bad, size_t size) {
  cJSON *v = pt_json_get(body, "keep_alive");
  *ns = -1;
  if (!v || cJSON_IsNull(v))
    return true;
  if (cJSON_IsNumber(v)) {
    double d = v->valuedouble;
    *ns = d < 0 ? FAKE_FOREVER : d > 9e9 ? FAKE_FOREVER : (int64_t)(d * 1e9);
    return true;
  }
  if (cJSON_IsString(v) && fake_parse_duration(v->valuestring, ns))
    return true;
  char *text = cJSON_PrintUnformatted(v);
  snprintf(bad, size, "time: invalid duration %s", text ? text : "?");
  cJSON_free(text);
  return false;
}

/* An integer option; def when absent; false = not an integer. */
static bool int_option(const cJSON *opts, const char *key, long long def, long long *out) {
  cJSON *v = pt_json_get(opts, key);
  *out = def;
  if (!v || cJSON_IsNull(v))
    return true;
  if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || fabs(v->valuedouble) > 1e15)
    return false;
  *out = (long long)v->valuedouble;
  return true;
}

static long long tokens_of(const char *text) { return ((long long)strlen(text) + 3) / 4; }

/* ---- handlers -------------------------------------------------------------- */

static enum MHD_Result h_root(call *c) {
  static const char text[] = "Ollama is running";
  return respond_bytes(c->conn, MHD_HTTP_OK, "text/plain; charset=utf-8", text, sizeof text - 1);
}

static enum MHD_Result h_version(call *c) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "version", c->srv->version);
  return respond_json(c->conn, MHD_HTTP_OK, o);
}

static enum MHD_Result h_tags(call *c) {
  return respond_json(c->conn, MHD_HTTP_OK, fake_models_tags_json(&c->srv->models));
}

static enum MHD_Result h_ps(call *c) {
  return respond_json(c->conn, MHD_HTTP_OK, fake_models_ps_json(&c->srv->models));
}

/* Not an Ollama route: how often each model was loaded, for tests. */
static enum MHD_Result h_debug_loads(call *c) {
  return respond_json(c->conn, MHD_HTTP_OK, fake_models_loads_json(&c->srv->models));
}

static enum MHD_Result h_show(call *c) {
  const char *name = model_field(c->body);
  if (!name)
    return respond_error(c->conn, MHD_HTTP_BAD_REQUEST, "model is required");
  fake_model *m = fake_models_find(&c->srv->models, name);
  if (!m || !fake_models_available(&c->srv->models, m))
    return model_not_found(c->conn, name);
  return respond_json(c->conn, MHD_HTTP_OK, fake_model_show_json(m));
}

static uint64_t next_seed(fake_server *srv) {
  pthread_mutex_lock(&srv->mu);
  long n = ++srv->trials;
  pthread_mutex_unlock(&srv->mu);
  return fake_hash(&n, sizeof n, srv->seed);
}

static enum MHD_Result h_pull(call *c) {
  const char *name = model_field(c->body);
  if (!name)
    return respond_error(c->conn, MHD_HTTP_BAD_REQUEST, "model is required");
  bool stream;
  if (!bool_field(c->body, "stream", true, &stream))
    return respond_error(c->conn, MHD_HTTP_BAD_REQUEST, "'stream' must be a boolean");
  fake_model *m = fake_models_find(&c->srv->models, name);
  if (stream)
    return respond_stream(c->conn,
                          fake_stream_pull(c->srv, m, fake_fault_in_reply(c->fault) ? c->fault : NULL,
                                           next_seed(c->srv)),
                          NDJSON_TYPE);
  if (!m)
    return respond_error(c->conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                         "pull model manifest: file does not exist");
  fake_models_set_available(&c->srv->models, m);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "status", "success");
  return respond_json(c->conn, MHD_HTTP_OK, o);
}

/* The prompt text of a generate or chat body and its token count (0 = no
 * prompt); false with a message in bad when the body is malformed. */
static bool prompt_of(const cJSON *body, fake_gen_kind kind, pt_buf *text, long long *tokens,
                      char *bad, size_t size) {
  if (kind == FAKE_GEN_GENERATE) {
    cJSON *p = pt_json_get(body, "prompt");
    if (p && !cJSON_IsNull(p) && !cJSON_IsString(p)) {
      snprintf(bad, size, "'prompt' must be a string");
      return false;
    }
    const char *s = cJSON_IsString(p) ? p->valuestring : "";
    *tokens = *s ? tokens_of(s) + 10 : 0; /* + the chat template */
    return pt_buf_puts(text, s) == PT_OK;
  }
  cJSON *msgs = pt_json_get(body, "messages");
  *tokens = 0;
  if (!msgs || cJSON_IsNull(msgs))
    return pt_buf_puts(text, "") == PT_OK;
  if (!cJSON_IsArray(msgs)) {
    snprintf(bad, size, "'messages' must be an array");
    return false;
  }
  const cJSON *msg;
  cJSON_ArrayForEach(msg, msgs) {
    const char *role = pt_json_str(msg, "role");
    const char *content = pt_json_str(msg, "content");
    if (!role) {
      snprintf(bad, size, "each message needs a 'role' string");
      return false;
    }
    content = content ? content : "";
    if (pt_buf_printf(text, "%s\n%s\n", role, content))
      return false;
    *tokens += tokens_of(content) + 4;
  }
  if (*tokens)
    *tokens += 6;
  return pt_buf_puts(text, "") == PT_OK;
}

/* An empty prompt only loads the model, or unloads it with keep_alive 0. */
static enum MHD_Result load_only(call *c, fake_gen_kind kind, const char *name, fake_model *m,
                                 int64_t keep_alive, long long num_ctx) {
  const char *reason = "unload";
  if (keep_alive == 0) {
    fake_models_unload(&c->srv->models, m);
  } else {
    reason = "load";
    fake_use u = fake_models_use(&c->srv->models, m, 0, keep_alive, (int)num_ctx);
    if (!u.was_loaded && c->srv->pace > 0 && !fake_sleep_ns((int64_t)(m->load_s * 1e9 * c->srv->pace)))
      return MHD_NO;
  }
  cJSON *o = cJSON_CreateObject();
  char when[48];
  fake_timestamp(fake_now_ns(), when, sizeof when);
  cJSON_AddStringToObject(o, "model", name);
  cJSON_AddStringToObject(o, "created_at", when);
  if (kind == FAKE_GEN_GENERATE) {
    cJSON_AddStringToObject(o, "response", "");
    cJSON_AddBoolToObject(o, "done", 1);
    cJSON_AddStringToObject(o, "done_reason", reason);
  } else {
    cJSON *msg = cJSON_AddObjectToObject(o, "message");
    cJSON_AddStringToObject(msg, "role", "assistant");
    cJSON_AddStringToObject(msg, "content", "");
    cJSON_AddStringToObject(o, "done_reason", reason);
    cJSON_AddBoolToObject(o, "done", 1);
  }
  return respond_json(c->conn, MHD_HTTP_OK, o);
}

/* A whole reply at once: stream faults become what a client would see. */
static enum MHD_Result respond_final(call *c, const fake_plan *p, uint64_t seed) {
  if (p->has_fault) {
    switch (p->fault.kind) {
    case FAKE_FAULT_MIDSTREAM:
      return respond_error(c->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, ERR_MIDSTREAM);
    case FAKE_FAULT_DROP:
      return MHD_NO; /* MHD closes the connection without an answer */
    case FAKE_FAULT_STALL:
      if (!fake_sleep_ns((int64_t)(p->fault.seconds * 1e9)))
        return MHD_NO;
      break;
    case FAKE_FAULT_GARBAGE: {
      static const char junk[] = "<html>fake-ollama: this body is not JSON</html>\n";
      return respond_bytes(c->conn, MHD_HTTP_OK, JSON_TYPE, junk, sizeof junk - 1);
    }
    default:
      break;
    }
  }
  if (c->srv->pace > 0 && !fake_sleep_ns((int64_t)((double)p->total_ns * c->srv->pace)))
    return MHD_NO;
  if (!p->has_fault || p->fault.kind == FAKE_FAULT_STALL)
    return respond_json(c->conn, MHD_HTTP_OK, fake_plan_final_json(p));
  /* endless, drip and the *-after faults: the body goes out through a
   * stream that plays them */
  cJSON *o = fake_plan_final_json(p);
  char *text = o ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(o);
  if (!text)
    return MHD_NO;
  fake_stream *s = fake_stream_body(c->srv, text, &p->fault, seed);
  cJSON_free(text);
  return respond_stream(c->conn, s, JSON_TYPE);
}

static enum MHD_Result generation(call *c, fake_gen_kind kind) {
  const char *name = model_field(c->body);
  if (!name)
    return respond_error(c->conn, MHD_HTTP_BAD_REQUEST, "model is required");
  fake_model *m = fake_models_find(&c->srv->models, name);
  if (!m || !fake_models_available(&c->srv->models, m))
    return model_not_found(c->conn, name);
  char bad[256];
  bool stream, think = m->thinking;
  int64_t keep_alive;
  long long num_predict, num_ctx;
  cJSON *think_v = pt_json_get(c->body, "think");
  cJSON *opts = pt_json_get(c->body, "options");
  if (!bool_field(c->body, "stream", true, &stream))
    return respond_error(c->conn, MHD_HTTP_BAD_REQUEST, "'stream' must be a boolean");
  if (think_v && !cJSON_IsNull(think_v)) {
    if (!cJSON_IsBool(think_v) && !cJSON_IsString(think_v))
      return respond_error(c->conn, MHD_HTTP_BAD_REQUEST, "'think' must be a boolean or a level");
    think = !cJSON_IsFalse(think_v);
    if (think && !m->thinking)
      return respond_error(c->conn, MHD_HTTP_BAD_REQUEST, "\"%s\" does not support thinking", name);
  }
  if (!keep_alive_field(c->body, &keep_alive, bad, sizeof bad))
    return respond_error(c->conn, MHD_HTTP_BAD_REQUEST, "%s", bad);
  if (opts && !cJSON_IsNull(opts) && !cJSON_IsObject(opts))
    return respond_error(c->conn, MHD_HTTP_BAD_REQUEST, "'options' must be an object");
  if (!int_option(opts, "num_predict", -1, &num_predict) ||
      !int_option(opts, "num_ctx", 0, &num_ctx) || num_ctx < 0 || num_ctx > 10000000)
    return respond_error(c->conn, MHD_HTTP_BAD_REQUEST,
                         "options 'num_predict' and 'num_ctx' must be integers");
  pt_buf prompt = PT_BUF_INIT;
  long long prompt_tokens;
  if (!prompt_of(c->body, kind, &prompt, &prompt_tokens, bad, sizeof bad)) {
    pt_buf_free(&prompt);
    return respond_error(c->conn, MHD_HTTP_BAD_REQUEST, "%s", bad);
  }
  if (prompt_tokens == 0) {
    pt_buf_free(&prompt);
    return load_only(c, kind, name, m, keep_alive, num_ctx);
  }
  uint64_t prompt_hash = fake_hash(prompt.data, prompt.len, 0);
  pt_buf_free(&prompt);
  fake_use use = fake_models_use(&c->srv->models, m, prompt_hash, keep_alive, (int)num_ctx);
  fake_plan plan;
  memset(&plan, 0, sizeof plan);
  plan.kind = kind;
  snprintf(plan.model, sizeof plan.model, "%s", name);
  if (fake_fault_in_reply(c->fault)) {
    plan.fault = *c->fault;
    plan.has_fault = true;
  }
  fake_rng rng;
  uint64_t seed = next_seed(c->srv);
  fake_rng_seed(&rng, seed);
  fake_plan_make(&plan, m, &use, prompt_tokens, num_predict, think, &rng);
  if (!stream)
    return respond_final(c, &plan, seed);
  return respond_stream(c->conn, fake_stream_generation(c->srv, &plan, seed), NDJSON_TYPE);
}

static enum MHD_Result h_generate(call *c) { return generation(c, FAKE_GEN_GENERATE); }

static enum MHD_Result h_chat(call *c) { return generation(c, FAKE_GEN_CHAT); }

/* ---- routing --------------------------------------------------------------- */

static const struct route {
  const char *path;
  const char *endpoint; /* name in --fault and in the counters */
  bool post;            /* POST with a JSON body; else GET/HEAD */
  handler fn;
} routes[] = {
    {"/", "root", false, h_root},
    {"/api/version", "version", false, h_version},
    {"/api/tags", "tags", false, h_tags},
    {"/api/ps", "ps", false, h_ps},
    {"/api/show", "show", true, h_show},
    {"/api/pull", "pull", true, h_pull},
    {"/api/generate", "generate", true, h_generate},
    {"/api/chat", "chat", true, h_chat},
    {"/debug/loads", "debug", false, h_debug_loads},
};

/* Append {"method", "path", "body"} as one line to the --log file. */
static void log_request(fake_server *srv, const char *method, const char *path, const request *req) {
  if (!srv->log)
    return;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "method", method);
  cJSON_AddStringToObject(o, "path", path);
  cJSON *body = req->body.len ? cJSON_ParseWithLength(req->body.data, req->body.len) : NULL;
  if (body)
    cJSON_AddItemToObject(o, "body", body);
  else if (req->body.len && !req->too_big)
    cJSON_AddStringToObject(o, "body", req->body.data);
  else
    cJSON_AddNullToObject(o, "body");
  char *text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  if (!text)
    return;
  pthread_mutex_lock(&srv->mu);
  fprintf(srv->log, "%s\n", text);
  fflush(srv->log);
  pthread_mutex_unlock(&srv->mu);
  cJSON_free(text);
}

/* A status fault answers before the handler runs. */
static enum MHD_Result status_fault(call *c, const char *model) {
  switch (c->fault->kind) {
  case FAKE_FAULT_404:
    return model ? model_not_found(c->conn, model)
                 : respond_error(c->conn, MHD_HTTP_NOT_FOUND, "not found");
  case FAKE_FAULT_404_LEGACY:
    return respond_error(c->conn, MHD_HTTP_NOT_FOUND, "model \"%s\" not found, try pulling it first",
                         model ? model : "");
  case FAKE_FAULT_500:
    return respond_error(c->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, ERR_GENERIC);
  case FAKE_FAULT_LATIN1_502: { /* not UTF-8: 0xE9 is e-acute in ISO-8859-1 */
    static const char page[] = "<html><body>Passerelle d\xE9" "faillante</body></html>\n";
    return respond_bytes(c->conn, MHD_HTTP_BAD_GATEWAY, "text/html; charset=iso-8859-1", page,
                         sizeof page - 1);
  }
  default:
    return respond_error(c->conn, MHD_HTTP_SERVICE_UNAVAILABLE, ERR_BUSY);
  }
}

static enum MHD_Result dispatch(fake_server *srv, struct MHD_Connection *conn, const char *url,
                                const char *method, request *req) {
  req->dispatched = true;
  size_t i = 0;
  while (i < sizeof routes / sizeof routes[0] && strcmp(routes[i].path, url))
    i++;
  log_request(srv, method, url, req);
  if (srv->verbose)
    fprintf(stderr, "fake-ollama: %s %s (%zu bytes)\n", method, url, req->body.len);
  if (i == sizeof routes / sizeof routes[0]) {
    static const char text[] = "404 page not found";
    return respond_bytes(conn, MHD_HTTP_NOT_FOUND, "text/plain", text, sizeof text - 1);
  }
  const struct route *r = &routes[i];
  bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
  if (r->post ? strcmp(method, "POST") : !get)
    return respond_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
  if (req->too_big)
    return respond_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large");
  call c = {srv, conn, method, NULL, NULL, 0};
  pthread_mutex_lock(&srv->mu);
  c.number = ++srv->counters[i];
  pthread_mutex_unlock(&srv->mu);
  if (r->post) {
    if (req->body.len == 0)
      return respond_error(conn, MHD_HTTP_BAD_REQUEST, "missing request body");
    pt_error err;
    c.body = pt_json_parse(req->body.data, req->body.len, "request body", &err);
    if (!c.body)
      return respond_error(conn, MHD_HTTP_BAD_REQUEST, "invalid request body: %s at %ld:%ld",
                           err.msg, err.line, err.column);
    if (!cJSON_IsObject(c.body)) {
      cJSON_Delete(c.body);
      return respond_error(conn, MHD_HTTP_BAD_REQUEST, "invalid request body: expected an object");
    }
  }
  const char *model = c.body ? model_field(c.body) : NULL;
  if (strcmp(r->endpoint, "debug")) /* --fault never hits the test's own route */
    c.fault = fake_faults_match(srv->faults, srv->n_faults, r->endpoint, c.number, model);
  enum MHD_Result ret;
  if (c.fault && !fake_fault_in_reply(c.fault))
    ret = status_fault(&c, model);
  else
    ret = r->fn(&c);
  cJSON_Delete(c.body);
  return ret;
}

enum MHD_Result fake_route_access(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
  (void)version;
  fake_server *srv = cls;
  request *req = *con_cls;
  if (!req) {
    req = calloc(1, sizeof *req);
    if (!req)
      return MHD_NO;
    pt_buf_init(&req->body, FAKE_BODY_MAX);
    *con_cls = req;
    return MHD_YES;
  }
  if (*upload_size) {
    if (!req->too_big && pt_buf_append(&req->body, upload, *upload_size) != PT_OK)
      req->too_big = true;
    *upload_size = 0;
    return MHD_YES;
  }
  if (req->dispatched)
    return MHD_NO;
  return dispatch(srv, conn, url, method, req);
}

void fake_route_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                          enum MHD_RequestTerminationCode toe) {
  (void)conn;
  (void)toe;
  fake_server *srv = cls;
  request *req = *con_cls;
  if (!req)
    return;
  if (req->dispatched) {
    pthread_mutex_lock(&srv->mu);
    long done = ++srv->requests_done;
    pthread_mutex_unlock(&srv->mu);
    if (srv->max_requests > 0 && done >= srv->max_requests)
      atomic_store(&srv->limit_reached, true);
  }
  pt_buf_free(&req->body);
  free(req);
  *con_cls = NULL;
}
