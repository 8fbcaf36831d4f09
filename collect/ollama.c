/* collect/ollama.c - Ollama client: OLLAMA_HOST, NDJSON splitting, generate
 * stream parsing and the libcurl transfers (see collect/ollama.h). */
#include "collect/ollama.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/json.h"
#include "core/trial.h"
#include "core/utf8.h"

#define DEFAULT_MAX_BODY ((size_t)16 << 20)
#define DEFAULT_TIMEOUT 300L
#define ERROR_BODY_MAX ((size_t)64 << 10)

int64_t pt_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ------------------------------------------------------------ OLLAMA_HOST */

static bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* Ollama's envconfig: Trim(TrimSpace(v), "\"'"), then TrimSpace again. */
static void trim_value(const char **s, size_t *n) {
  const char *p = *s;
  size_t len = *n;
  while (len && is_space(*p))
    p++, len--;
  while (len && is_space(p[len - 1]))
    len--;
  while (len && (*p == '"' || *p == '\''))
    p++, len--;
  while (len && (p[len - 1] == '"' || p[len - 1] == '\''))
    len--;
  while (len && is_space(*p))
    p++, len--;
  while (len && is_space(p[len - 1]))
    len--;
  *s = p;
  *n = len;
}

/* Go's net.SplitHostPort on s[0..n): false when it fails. */
static bool split_host_port(const char *s, size_t n, const char **host, size_t *hlen,
                            const char **port, size_t *plen) {
  if (n && s[0] == '[') {
    const char *end = memchr(s, ']', n);
    if (!end)
      return false;
    size_t after = (size_t)(end - s) + 1;
    if (after >= n || s[after] != ':')
      return false;
    *host = s + 1;
    *hlen = (size_t)(end - s) - 1;
    *port = s + after + 1;
    *plen = n - after - 1;
    return !memchr(*port, ':', *plen) && !memchr(*port, '[', *plen);
  }
  const char *colon = NULL;
  for (size_t i = 0; i < n; i++)
    if (s[i] == ':')
      colon = s + i;
  if (!colon)
    return false;
  if (memchr(s, ':', (size_t)(colon - s)))
    return false; /* too many colons */
  *host = s;
  *hlen = (size_t)(colon - s);
  *port = colon + 1;
  *plen = n - *hlen - 1;
  return true;
}

/* Go's strconv.ParseInt(port, 10, 32) and the 0..65535 check of Ollama's
 * envconfig.Host(): an optional sign and decimal digits. The number goes to
 * *v (the URL gets it without sign or leading zeros, which is what Go
 * dials). */
static bool valid_port(const char *p, size_t n, long *v) {
  size_t i = n && (p[0] == '+' || p[0] == '-');
  bool neg = i && p[0] == '-';
  if (i == n)
    return false;
  long long x = 0;
  for (; i < n; i++) {
    if (!isdigit((unsigned char)p[i]))
      return false;
    x = x * 10 + (p[i] - '0');
    if (x > 0x80000000LL)
      return false; /* out of int32 range: ParseInt fails */
  }
  if (neg)
    x = -x;
  *v = (long)x;
  return x >= 0 && x <= 65535;
}

pt_code pt_ollama_host_url(const char *value, char *out, size_t size, char *warning,
                           size_t warning_size, pt_error *err) {
  const char *s = value ? value : "";
  size_t n = strlen(s);
  if (warning && warning_size)
    warning[0] = '\0';
  trim_value(&s, &n);
  const char *scheme = "http", *hp = s;
  size_t slen = 4, hplen = n;
  const char *defport = "11434";
  if (n == 10 && !memcmp(s, "ollama.com", 10)) { /* envconfig.Host(): the cloud */
    scheme = "https";
    slen = 5;
    hp = "ollama.com:443";
    hplen = 14;
  }
  for (size_t i = 0; i + 3 <= n; i++) {
    if (!memcmp(s + i, "://", 3)) {
      scheme = s;
      slen = i;
      hp = s + i + 3;
      hplen = n - i - 3;
      if (slen == 4 && !strncasecmp(s, "http", 4))
        defport = "80";
      else if (slen == 5 && !strncasecmp(s, "https", 5))
        defport = "443";
      else
        return pt_error_set(err, PT_EUSAGE,
                            "'%.*s': unsupported scheme '%.*s' (use http or https)",
                            (int)n, s, (int)slen, s);
      break;
    }
  }
  /* the path after the host is kept (without trailing slashes) */
  const char *path = memchr(hp, '/', hplen);
  size_t pathlen = 0;
  if (path) {
    pathlen = hplen - (size_t)(path - hp);
    hplen = (size_t)(path - hp);
    while (pathlen && path[pathlen - 1] == '/')
      pathlen--;
  }
  const char *host, *port;
  size_t hlen, plen;
  char ipbuf[64], portbuf[16];
  if (!split_host_port(hp, hplen, &host, &hlen, &port, &plen)) {
    port = defport;
    plen = strlen(defport);
    host = hp;
    hlen = hplen;
    /* strings.Trim(hostport, "[]"): every leading '[' and trailing ']',
     * kept when what is left is an IP literal ("[::1", "::1]" too) */
    const char *t = host;
    size_t tl = hlen;
    while (tl && *t == '[')
      t++, tl--;
    while (tl && t[tl - 1] == ']')
      tl--;
    if (tl != hlen && tl < sizeof ipbuf) {
      memcpy(ipbuf, t, tl);
      ipbuf[tl] = '\0';
      unsigned char a[16];
      if (inet_pton(AF_INET6, ipbuf, a) == 1 || inet_pton(AF_INET, ipbuf, a) == 1) {
        host = t;
        hlen = tl;
      }
    }
    if (hlen == 0) {
      host = "127.0.0.1";
      hlen = 9;
    }
  } else {
    long v;
    if (!valid_port(port, plen, &v)) {
      if (warning && warning_size)
        snprintf(warning, warning_size, "invalid port '%.*s', using the default %s",
                 (int)(plen > 64 ? 64 : plen), port, defport);
      port = defport;
      plen = strlen(defport);
    } else {
      plen = (size_t)snprintf(portbuf, sizeof portbuf, "%ld", v);
      port = portbuf;
    }
  }
  if (hlen == 0) {
    host = "127.0.0.1";
    hlen = 9;
  }
  if (hlen < sizeof ipbuf) { /* longer: a name, not an IP literal */
    memcpy(ipbuf, host, hlen);
    ipbuf[hlen] = '\0';
    unsigned char a[16];
    static const unsigned char zero[16];
    if (inet_pton(AF_INET, ipbuf, a) == 1 && !memcmp(a, zero, 4)) {
      host = "127.0.0.1";
      hlen = 9;
    } else if (inet_pton(AF_INET6, ipbuf, a) == 1 && !memcmp(a, zero, 16)) {
      host = "::1";
      hlen = 3;
    }
  }
  for (size_t i = 0; i < hlen; i++)
    if (is_space(host[i]) || host[i] == '@' || host[i] == '?' || host[i] == '#' ||
        host[i] == '[' || host[i] == ']')
      return pt_error_set(err, PT_EUSAGE, "'%.*s': not a valid host", (int)n, s);
  bool v6 = memchr(host, ':', hlen) != NULL;
  int w = snprintf(out, size, "%.*s://%s%.*s%s:%.*s%.*s", (int)slen, scheme, v6 ? "[" : "",
                   (int)hlen, host, v6 ? "]" : "", (int)plen, port, (int)pathlen,
                   path ? path : "");
  for (char *p = out; w > 0 && (size_t)w < size && p < out + slen; p++)
    *p = (char)tolower((unsigned char)*p);
  if (w < 0 || (size_t)w >= size)
    return pt_error_set(err, PT_ETOOBIG, "'%.*s': host URL too long", (int)n, s);
  return PT_OK;
}

bool pt_url_is_local(const char *url) {
  const char *p = strstr(url, "://");
  p = p ? p + 3 : url;
  char host[256];
  size_t n;
  if (*p == '[') {
    const char *end = strchr(p, ']');
    if (!end)
      return false;
    n = (size_t)(end - p - 1);
    p++;
  } else {
    n = strcspn(p, ":/?#");
  }
  if (n == 0 || n >= sizeof host)
    return n == 0;
  memcpy(host, p, n);
  host[n] = '\0';
  if (host[n - 1] == '.')
    host[--n] = '\0';
  if (!strcasecmp(host, "localhost") ||
      (n > 10 && !strcasecmp(host + n - 10, ".localhost")))
    return true;
  unsigned char a[16];
  if (inet_pton(AF_INET, host, a) == 1)
    return a[0] == 127;
  if (inet_pton(AF_INET6, host, a) == 1) {
    static const unsigned char lo[16] = {[15] = 1};
    static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
    return !memcmp(a, lo, 16) || (!memcmp(a, mapped, 12) && a[12] == 127);
  }
  char self[256];
  if (gethostname(self, sizeof self) != 0)
    return false;
  self[sizeof self - 1] = '\0';
  if (!strcasecmp(host, self))
    return true;
  /* the short name of this machine against a short or long name */
  size_t s1 = strcspn(self, "."), s2 = strcspn(host, ".");
  return s1 == s2 && !strncasecmp(host, self, s1) && (!host[s2] || !self[s1]);
}

/* ------------------------------------------------------------ NDJSON */

void pt_ndjson_init(pt_ndjson *s, size_t max_line) {
  pt_buf_init(&s->pending, max_line);
  s->lines = 0;
  s->stop = false;
}

void pt_ndjson_free(pt_ndjson *s) { pt_buf_free(&s->pending); }

static pt_code emit_line(pt_ndjson *s, const char *line, size_t len, pt_line_fn fn,
                         void *ctx, pt_error *err) {
  while (len && is_space(line[len - 1]))
    len--;
  size_t i = 0;
  while (i < len && is_space(line[i]))
    i++;
  if (i == len)
    return PT_OK;
  s->lines++;
  return fn(ctx, line + i, len - i, err);
}

static pt_code too_long(pt_ndjson *s, pt_error *err) {
  return pt_error_set(err, PT_ETOOBIG, "line %ld of the stream is longer than %zu bytes",
                      s->lines + 1, s->pending.max);
}

pt_code pt_ndjson_feed(pt_ndjson *s, const char *data, size_t len, pt_line_fn fn,
                       void *ctx, pt_error *err) {
  while (len && !s->stop) {
    const char *nl = memchr(data, '\n', len);
    if (!nl) {
      if (pt_buf_append(&s->pending, data, len))
        return s->pending.max && s->pending.len + len > s->pending.max
                   ? too_long(s, err)
                   : pt_error_set(err, PT_ENOMEM, "out of memory");
      return PT_OK;
    }
    size_t n = (size_t)(nl - data);
    pt_code rc;
    if (s->pending.len) {
      if (pt_buf_append(&s->pending, data, n))
        return s->pending.max && s->pending.len + n > s->pending.max
                   ? too_long(s, err)
                   : pt_error_set(err, PT_ENOMEM, "out of memory");
      rc = emit_line(s, s->pending.data, s->pending.len, fn, ctx, err);
      pt_buf_reset(&s->pending);
    } else {
      if (s->pending.max && n > s->pending.max)
        return too_long(s, err);
      rc = emit_line(s, data, n, fn, ctx, err);
    }
    if (rc)
      return rc;
    data = nl + 1;
    len -= n + 1;
  }
  return PT_OK;
}

pt_code pt_ndjson_finish(pt_ndjson *s, pt_line_fn fn, void *ctx, pt_error *err) {
  if (!s->pending.len || s->stop)
    return PT_OK;
  pt_code rc = emit_line(s, s->pending.data, s->pending.len, fn, ctx, err);
  pt_buf_reset(&s->pending);
  return rc;
}

/* ------------------------------------------------------------ generate */

void pt_gen_result_init(pt_gen_result *r) {
  memset(r, 0, sizeof *r);
  r->prompt_eval_count = r->prompt_eval_duration_ns = PT_MISSING;
  r->eval_count = r->eval_duration_ns = PT_MISSING;
  r->load_duration_ns = r->total_duration_ns = PT_MISSING;
  r->ttft_ns = r->wall_ns = PT_MISSING;
}

static int64_t metric(const cJSON *obj, const char *key) {
  long long v = pt_json_int(obj, key, PT_MISSING);
  return v < 0 ? PT_MISSING : (int64_t)v;
}

/* Copy server text into a fixed field: repaired, cut on a character. */
static void copy_text(char *dst, size_t size, const char *s) {
  pt_utf8_copy(dst, size, s ? s : "", s ? strlen(s) : 0);
}

void pt_gen_read_final(const cJSON *obj, pt_gen_result *r) {
  r->done = pt_json_bool(obj, "done", false);
  copy_text(r->done_reason, sizeof r->done_reason, pt_json_str(obj, "done_reason"));
  r->prompt_eval_count = metric(obj, "prompt_eval_count");
  r->prompt_eval_duration_ns = metric(obj, "prompt_eval_duration");
  r->eval_count = metric(obj, "eval_count");
  r->eval_duration_ns = metric(obj, "eval_duration");
  r->load_duration_ns = metric(obj, "load_duration");
  r->total_duration_ns = metric(obj, "total_duration");
}

/* An {"error": ...} object: copy the message (repaired, cut on a
 * character). Returns true when it is one. */
static bool read_error(const cJSON *obj, char *msg, size_t size) {
  const cJSON *e = pt_json_get(obj, "error");
  if (!e)
    return false;
  if (cJSON_IsString(e))
    copy_text(msg, size, e->valuestring);
  else if (cJSON_IsObject(e) && pt_json_str(e, "message"))
    copy_text(msg, size, pt_json_str(e, "message"));
  else
    copy_text(msg, size, "the server reported an error");
  return true;
}

pt_code pt_gen_parse_body(const char *data, size_t len, const char *name,
                          pt_gen_result *r, pt_error *err) {
  cJSON *obj = pt_json_parse(data, len, name, err);
  if (!obj)
    return PT_EPARSE;
  pt_code rc = PT_OK;
  if (!cJSON_IsObject(obj)) {
    rc = pt_error_at(err, PT_EPARSE, name, 0, 0, "reply is not a JSON object");
  } else if (read_error(obj, r->error, sizeof r->error)) {
    rc = pt_error_at(err, PT_EHTTP, name, 0, 0, "%s", r->error);
  } else {
    pt_gen_read_final(obj, r);
    if (!r->done)
      rc = pt_error_at(err, PT_EDATA, name, 0, 0, "reply is not final (no \"done\": true)");
  }
  cJSON_Delete(obj);
  return rc;
}

void pt_gen_stream_init(pt_gen_stream *g, pt_gen_result *res, const char *name) {
  memset(g, 0, sizeof *g);
  pt_ndjson_init(&g->split, DEFAULT_MAX_BODY);
  g->res = res;
  g->name = name ? name : "stream";
  pt_gen_result_init(res);
}

void pt_gen_stream_free(pt_gen_stream *g) { pt_ndjson_free(&g->split); }

/* memmem (a GNU extension) for short patterns. */
static bool has_sub(const char *s, size_t n, const char *pat, size_t m) {
  const char *end = s + n;
  while ((size_t)(end - s) >= m) {
    const char *q = memchr(s, pat[0], (size_t)(end - s) - m + 1);
    if (!q)
      return false;
    if (!memcmp(q, pat, m))
      return true;
    s = q + 1;
  }
  return false;
}

static bool has_text(const cJSON *obj, const char *key) {
  const char *s = pt_json_str(obj, key);
  return s && *s;
}

pt_code pt_gen_stream_line(void *ctx, const char *line, size_t len, pt_error *err) {
  pt_gen_stream *g = ctx;
  pt_gen_result *r = g->res;
  g->lines++;
  if (r->done) /* not reached through pt_gen_stream_feed, which stops there */
    return PT_OK;
  /* A compact non-final chunk without an error: in valid JSON the quoted
   * key "done" followed by :false cannot occur inside a string (its quotes
   * would be escaped), so no parse is needed once the first token is in. */
  if (r->first_token_line && has_sub(line, len, "\"done\":false", 12) &&
      !has_sub(line, len, "\"error\"", 7))
    return PT_OK;
  cJSON *obj = cJSON_ParseWithLength(line, len);
  if (!cJSON_IsObject(obj)) {
    cJSON_Delete(obj);
    return pt_error_at(err, PT_EPARSE, g->name, 0, 0,
                       "line %ld of the stream is not a JSON object", g->lines);
  }
  pt_code rc = PT_OK;
  if (read_error(obj, r->error, sizeof r->error)) {
    rc = pt_error_at(err, PT_EHTTP, g->name, 0, 0, "%s", r->error);
  } else {
    if (!r->first_token_line && (has_text(obj, "response") || has_text(obj, "thinking"))) {
      r->first_token_line = g->lines;
      if (g->now)
        r->ttft_ns = g->now() - g->t0;
    }
    if (pt_json_bool(obj, "done", false)) {
      pt_gen_read_final(obj, r);
      if (g->now)
        r->wall_ns = g->now() - g->t0;
      g->split.stop = true; /* the measurement is complete: read no further */
    }
  }
  cJSON_Delete(obj);
  return rc;
}

pt_code pt_gen_stream_feed(pt_gen_stream *g, const char *data, size_t len, pt_error *err) {
  return pt_ndjson_feed(&g->split, data, len, pt_gen_stream_line, g, err);
}

bool pt_gen_stream_done(const pt_gen_stream *g) { return g->res->done; }

pt_code pt_gen_stream_finish(pt_gen_stream *g, pt_error *err) {
  pt_code rc = pt_ndjson_finish(&g->split, pt_gen_stream_line, g, err);
  if (rc)
    return rc;
  if (!g->res->done)
    return pt_error_at(err, PT_ENET, g->name, 0, 0,
                       "the stream ended before its final object (connection dropped?)");
  return PT_OK;
}

/* ------------------------------------------------------------ client */

/* Tokens a generate request may produce: options.num_predict, else num_ctx,
 * else the default (see the header). */
static long long gen_tokens(const cJSON *request) {
  const cJSON *opts = pt_json_get(request, "options");
  long long n = pt_json_int(opts, "num_predict", -1);
  if (n <= 0)
    n = pt_json_int(opts, "num_ctx", -1);
  return n > 0 ? n : PT_GEN_DEFAULT_TOKENS;
}

long pt_ollama_gen_deadline_s(long timeout_s, const cJSON *request) {
  long long tokens = gen_tokens(request);
  long long gen = tokens > LONG_MAX / PT_GEN_SECONDS_PER_TOKEN ? LONG_MAX
                                                               : tokens * PT_GEN_SECONDS_PER_TOKEN;
  if (gen < PT_GEN_FLOOR_S)
    gen = PT_GEN_FLOOR_S;
  if (timeout_s < 0)
    timeout_s = 0;
  return gen > LONG_MAX - timeout_s ? LONG_MAX : timeout_s + (long)gen;
}

struct pt_ollama {
  CURL *curl;
  struct curl_slist *json_headers;
  char *base;
  long timeout_s;
  long deadline_s;  /* generate deadline override; 0 = derived */
  size_t max_body;
  volatile sig_atomic_t *abort_flag;
  char errbuf[CURL_ERROR_SIZE];
  char url[2048];  /* URL of the current request, for messages */
};

/* Takes the pieces of a 2xx body as they arrive; sets *complete when the
 * reply has said all it will say (the transfer is then closed). */
typedef pt_code (*feed_fn)(void *ctx, const char *data, size_t len, bool *complete,
                           pt_error *err);

/* One transfer: either buffered (body) or fed piece by piece (feed). */
typedef struct xfer {
  pt_ollama *c;
  long status;        /* HTTP status, 0 until the headers are in */
  pt_buf body;        /* buffered reply, or the error body of a non-2xx */
  feed_fn feed;       /* NULL = buffer the body */
  void *feed_ctx;
  pt_code rc;         /* failure raised inside a callback */
  pt_error err;
  curl_off_t seen;    /* bytes received at the last check */
  int64_t start;      /* when the transfer began */
  int64_t quiet_since;  /* when bytes last arrived (or the request began) */
  long deadline_s;    /* whole-transfer limit; 0 = none */
  char deadline_why[160];  /* how the deadline was set, for the message */
  bool stalled;       /* aborted for silence longer than the timeout */
  bool complete;      /* feed saw the end of the reply; we closed early */
  bool error_cut;     /* stopped reading a non-2xx body at ERROR_BODY_MAX */
} xfer;

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud) {
  xfer *x = ud;
  size_t n = size * nmemb;
  if (!x->status)
    curl_easy_getinfo(x->c->curl, CURLINFO_RESPONSE_CODE, &x->status);
  bool ok2xx = x->status >= 200 && x->status < 300;
  if (!ok2xx) {
    /* an error body: its start is enough; stop reading past it, so a
     * server that never ends one cannot hold the run */
    size_t cap = x->body.max && x->body.max < ERROR_BODY_MAX ? x->body.max : ERROR_BODY_MAX;
    size_t room = cap > x->body.len ? cap - x->body.len : 0;
    size_t keep = n < room ? n : room;
    if (keep && pt_buf_append(&x->body, p, keep)) {
      x->rc = pt_error_at(&x->err, PT_ENOMEM, x->c->url, 0, 0, "out of memory");
      return 0;
    }
    if (keep < n) {
      x->error_cut = true;
      return 0;
    }
    return n;
  }
  if (!x->feed) {
    if (pt_buf_append(&x->body, p, n)) {
      x->rc = pt_error_at(&x->err, PT_ETOOBIG, x->c->url, 0, 0,
                          "reply is larger than %zu bytes", x->body.max);
      return 0;
    }
    return n;
  }
  bool complete = false;
  pt_code rc = x->feed(x->feed_ctx, p, n, &complete, &x->err);
  if (rc) {
    x->rc = rc;
    return 0;
  }
  if (complete) {
    x->complete = true; /* do not wait for the server to end the reply */
    return 0;
  }
  return n;
}

/* Called by libcurl about once a second and whenever data moves: stops the
 * transfer on the abort flag or after timeout_s seconds without a byte. */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow) {
  xfer *x = ud;
  if (x->c->abort_flag && *x->c->abort_flag)
    return 1;
  int64_t now = pt_now_ns();
  if (dlnow != x->seen) {
    x->seen = dlnow;
    x->quiet_since = now;
  } else if (now - x->quiet_since > (int64_t)x->c->timeout_s * 1000000000) {
    x->stalled = true;
    return 1;
  }
  return 0;
}

static int curl_ready;

pt_ollama *pt_ollama_new(const char *base_url, const pt_ollama_cfg *cfg, pt_error *err) {
  if (!curl_ready) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      pt_error_set(err, PT_EINTERNAL, "cannot initialise libcurl");
      return NULL;
    }
    curl_ready = 1;
  }
  pt_ollama *c = calloc(1, sizeof *c);
  if (!c) {
    pt_error_set(err, PT_ENOMEM, "out of memory");
    return NULL;
  }
  size_t n = strlen(base_url);
  while (n && base_url[n - 1] == '/')
    n--;
  c->base = strndup(base_url, n);
  c->curl = curl_easy_init();
  c->json_headers = curl_slist_append(NULL, "Content-Type: application/json");
  struct curl_slist *h2 = c->json_headers ? curl_slist_append(c->json_headers, "Expect:") : NULL;
  if (!c->base || !c->curl || !h2) {
    pt_error_set(err, PT_ENOMEM, "out of memory");
    pt_ollama_free(c);
    return NULL;
  }
  c->json_headers = h2;
  c->timeout_s = cfg && cfg->timeout_s > 0 ? cfg->timeout_s : DEFAULT_TIMEOUT;
  c->deadline_s = cfg && cfg->deadline_s > 0 ? cfg->deadline_s : 0;
  c->max_body = cfg && cfg->max_body ? cfg->max_body : DEFAULT_MAX_BODY;
  c->abort_flag = cfg ? cfg->abort_flag : NULL;
  return c;
}

void pt_ollama_free(pt_ollama *c) {
  if (!c)
    return;
  if (c->curl)
    curl_easy_cleanup(c->curl);
  curl_slist_free_all(c->json_headers);
  free(c->base);
  free(c);
}

const char *pt_ollama_base(const pt_ollama *c) { return c->base; }

/* Set up the handle for one request (the connection cache survives the
 * reset, so requests share one kept-alive connection). */
static pt_code prepare(pt_ollama *c, xfer *x, const char *path, const char *body,
                       pt_error *err) {
  memset(x, 0, sizeof *x);
  x->c = c;
  pt_buf_init(&x->body, c->max_body);
  int w = snprintf(c->url, sizeof c->url, "%s%s", c->base, path);
  if (w < 0 || (size_t)w >= sizeof c->url)
    return pt_error_set(err, PT_ETOOBIG, "URL too long: %s%s", c->base, path);
  CURL *h = c->curl;
  curl_easy_reset(h);
  c->errbuf[0] = '\0';
  curl_easy_setopt(h, CURLOPT_URL, c->url);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "ptbench/" PTBENCH_VERSION);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->timeout_s);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  if (body) {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->json_headers);
  } else {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  }
  return PT_OK;
}

/* A whole-transfer limit of s seconds (libcurl enforces it); why says how
 * it was chosen, for the message. */
static void set_deadline(xfer *x, long s, const char *why) {
  x->deadline_s = s;
  snprintf(x->deadline_why, sizeof x->deadline_why, "%s", why);
  long ms = s > LONG_MAX / 1000 ? LONG_MAX : s * 1000;
  curl_easy_setopt(x->c->curl, CURLOPT_TIMEOUT_MS, ms);
}

static void xfer_free(xfer *x) { pt_buf_free(&x->body); }

/* The message of a non-2xx reply: the server's {"error"}, else the start
 * of the body; repaired and cut on a character boundary. */
static void error_body_message(const xfer *x, char *msg, size_t size) {
  cJSON *obj = x->body.len ? cJSON_ParseWithLength(x->body.data, x->body.len) : NULL;
  if (!read_error(obj, msg, size)) {
    size_t n = x->body.len;
    while (n && is_space(x->body.data[n - 1]))
      n--;
    pt_utf8_copy(msg, size < 201 ? size : 201, n ? x->body.data : "", n);
  }
  cJSON_Delete(obj);
}

/* Run the transfer and map its outcome to a code (see the header). */
static pt_code perform(pt_ollama *c, xfer *x, pt_error *err) {
  x->start = x->quiet_since = pt_now_ns();
  CURLcode cc = curl_easy_perform(c->curl);
  if (x->rc) {
    if (err)
      *err = x->err;
    if (err && !err->file[0])
      pt_error_set_file(err, c->url);
    return x->rc;
  }
  const char *detail = c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc);
  if (cc == CURLE_WRITE_ERROR && (x->error_cut || x->complete))
    cc = CURLE_OK; /* we stopped reading: report the status, keep the reply */
  int64_t elapsed = pt_now_ns() - x->start;
  switch (cc) {
  case CURLE_OK:
    break;
  case CURLE_ABORTED_BY_CALLBACK:
    if (x->stalled)
      return pt_error_at(err, PT_ETIMEOUT, c->url, 0, 0,
                         "no data for %ld s (--timeout); the server stalled", c->timeout_s);
    return pt_error_at(err, PT_EINTERRUPTED, c->url, 0, 0, "interrupted");
  case CURLE_OPERATION_TIMEDOUT:
    if (x->deadline_s && elapsed >= (int64_t)x->deadline_s * 1000000000 - 50000000)
      return pt_error_at(err, PT_ETIMEOUT, c->url, 0, 0,
                         "the reply did not end within %ld s, its deadline (%s)", x->deadline_s,
                         x->deadline_why);
    return pt_error_at(err, PT_ETIMEOUT, c->url, 0, 0, "timed out after %ld s: %s",
                       c->timeout_s, detail);
  case CURLE_COULDNT_CONNECT:
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
    return pt_error_at(err, PT_ENET, c->url, 0, 0, "cannot connect: %s", detail);
  default:
    return pt_error_at(err, PT_ENET, c->url, 0, 0, "transfer failed: %s", detail);
  }
  if (!x->status)
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &x->status);
  if (x->status < 200 || x->status >= 300) {
    char msg[512] = "";
    error_body_message(x, msg, sizeof msg);
    return pt_error_at(err, PT_EHTTP, c->url, 0, 0, "HTTP %ld%s%s", x->status,
                       msg[0] ? ": " : "", msg);
  }
  return PT_OK;
}

/* Replace *s (allocated by cJSON) by its repaired copy when it is not
 * valid UTF-8. False when out of memory. */
static bool repair_string(char **s) {
  size_t n = strlen(*s);
  if (pt_utf8_valid(*s, n))
    return true;
  pt_buf b = PT_BUF_INIT;
  char *copy = NULL;
  if (!pt_utf8_sanitize(&b, *s, n) && (copy = cJSON_malloc(b.len + 1)))
    memcpy(copy, b.data, b.len + 1);
  pt_buf_free(&b);
  if (!copy)
    return false;
  cJSON_free(*s);
  *s = copy;
  return true;
}

/* Every key and string of a parsed reply made valid UTF-8 (depth is
 * bounded by cJSON's nesting limit). */
static bool repair_tree(cJSON *item) {
  for (; item; item = item->next) {
    if (item->string && !(item->type & cJSON_StringIsConst) && !repair_string(&item->string))
      return false;
    if (cJSON_IsString(item) && item->valuestring && !repair_string(&item->valuestring))
      return false;
    if (item->child && !repair_tree(item->child))
      return false;
  }
  return true;
}

static pt_code request_json(pt_ollama *c, const char *path, const cJSON *body, cJSON **out,
                            pt_error *err) {
  if (out)
    *out = NULL;
  char *text = NULL;
  if (body && !(text = cJSON_PrintUnformatted(body)))
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  xfer x;
  pt_code rc = prepare(c, &x, path, text ? text : NULL, err);
  if (!rc) {
    set_deadline(&x, c->timeout_s > LONG_MAX / 2 ? LONG_MAX : 2 * c->timeout_s,
                 "twice --timeout");
    rc = perform(c, &x, err);
  }
  if (!rc && out) {
    *out = pt_json_parse(x.body.data ? x.body.data : "", x.body.len, c->url, err);
    if (!*out)
      rc = PT_EPARSE;
    else if (!repair_tree(*out)) {
      cJSON_Delete(*out);
      *out = NULL;
      rc = pt_error_at(err, PT_ENOMEM, c->url, 0, 0, "out of memory");
    }
  }
  xfer_free(&x);
  cJSON_free(text);
  return rc;
}

pt_code pt_ollama_get_json(pt_ollama *c, const char *path, cJSON **out, pt_error *err) {
  return request_json(c, path, NULL, out, err);
}

pt_code pt_ollama_post_json(pt_ollama *c, const char *path, const cJSON *body, cJSON **out,
                            pt_error *err) {
  return request_json(c, path, body, out, err);
}

typedef struct pull_state {
  pt_ndjson split;
  pt_pull_fn fn;
  void *ctx;
  const char *url;
  char last[128];
} pull_state;

static pt_code pull_line(void *ctx, const char *line, size_t len, pt_error *err) {
  pull_state *p = ctx;
  cJSON *obj = cJSON_ParseWithLength(line, len);
  if (!cJSON_IsObject(obj)) {
    cJSON_Delete(obj);
    return pt_error_at(err, PT_EPARSE, p->url, 0, 0, "pull progress is not a JSON object");
  }
  char msg[512];
  if (read_error(obj, msg, sizeof msg)) {
    cJSON_Delete(obj);
    return pt_error_at(err, PT_EHTTP, p->url, 0, 0, "%s", msg);
  }
  copy_text(p->last, sizeof p->last, pt_json_str(obj, "status"));
  if (p->fn)
    p->fn(p->ctx, p->last, pt_json_int(obj, "completed", -1), pt_json_int(obj, "total", -1));
  cJSON_Delete(obj);
  return PT_OK;
}

static pt_code pull_feed(void *ctx, const char *data, size_t len, bool *complete,
                         pt_error *err) {
  pull_state *p = ctx;
  return pt_ndjson_feed(&p->split, data, len, pull_line, p, err);
}

pt_code pt_ollama_pull(pt_ollama *c, const char *model, pt_pull_fn fn, void *ctx,
                       pt_error *err) {
  cJSON *req = cJSON_CreateObject();
  if (!req || !cJSON_AddStringToObject(req, "model", model) ||
      !cJSON_AddBoolToObject(req, "stream", 1)) {
    cJSON_Delete(req);
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  char *text = cJSON_PrintUnformatted(req);
  cJSON_Delete(req);
  if (!text)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  pull_state p = {.fn = fn, .ctx = ctx, .url = c->url};
  pt_ndjson_init(&p.split, c->max_body);
  xfer x;
  pt_code rc = prepare(c, &x, "/api/pull", text, err);
  if (!rc) {
    x.feed = pull_feed;
    x.feed_ctx = &p;
    rc = perform(c, &x, err);
  }
  if (!rc)
    rc = pt_ndjson_finish(&p.split, pull_line, &p, err);
  if (!rc && strcmp(p.last, "success"))
    rc = pt_error_at(err, PT_EHTTP, c->url, 0, 0, "pull of '%s' ended without success%s%s",
                     model, p.last[0] ? ": last status " : "", p.last);
  xfer_free(&x);
  pt_ndjson_free(&p.split);
  cJSON_free(text);
  return rc;
}

/* The streamed generate: the write callback feeds the tested stream parser
 * and closes the transfer at the final object. */
static pt_code gen_feed(void *ctx, const char *data, size_t len, bool *complete,
                        pt_error *err) {
  pt_gen_stream *g = ctx;
  pt_code rc = pt_gen_stream_feed(g, data, len, err);
  *complete = pt_gen_stream_done(g);
  return rc;
}

pt_code pt_ollama_generate(pt_ollama *c, const cJSON *request, pt_gen_result *res,
                           pt_error *err) {
  pt_gen_result_init(res);
  bool stream = pt_json_bool(request, "stream", true);
  char *text = cJSON_PrintUnformatted(request);
  if (!text)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  xfer x;
  pt_gen_stream g;
  pt_gen_stream_init(&g, res, c->url);
  pt_code rc = prepare(c, &x, "/api/generate", text, err);
  if (rc) {
    xfer_free(&x);
    cJSON_free(text);
    pt_gen_stream_free(&g);
    return rc;
  }
  char why[160];
  long deadline = c->deadline_s;
  if (deadline)
    snprintf(why, sizeof why, "set by the caller");
  else {
    deadline = pt_ollama_gen_deadline_s(c->timeout_s, request);
    long long tokens = gen_tokens(request);
    snprintf(why, sizeof why, "--timeout %ld s + %ld s for %lld token%s", c->timeout_s,
             deadline - c->timeout_s, tokens, tokens == 1 ? "" : "s");
  }
  set_deadline(&x, deadline, why);
  g.name = c->url;
  g.now = pt_now_ns;
  if (stream) {
    x.feed = gen_feed;
    x.feed_ctx = &g;
  }
  g.t0 = pt_now_ns();
  rc = perform(c, &x, err);
  if (!rc && stream)
    rc = pt_gen_stream_finish(&g, err);
  if (res->wall_ns == PT_MISSING) /* streamed: taken at the final object */
    res->wall_ns = pt_now_ns() - g.t0;
  if (!rc && !stream)
    rc = pt_gen_parse_body(x.body.data ? x.body.data : "", x.body.len, c->url, res, err);
  if (rc && !res->error[0] && err)
    copy_text(res->error, sizeof res->error, err->msg);
  xfer_free(&x);
  pt_gen_stream_free(&g);
  cJSON_free(text);
  return rc;
}

/* ------------------------------------------------------------ replies */

/* a == b once each has ":latest" when it names no tag (a tag follows the
 * last ':' after the last '/'). */
static bool same_model(const char *a, const char *b) {
  if (!a || !b)
    return false;
  size_t la = strlen(a), lb = strlen(b);
  const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
  bool ta = strchr(sa ? sa : a, ':') != NULL, tb = strchr(sb ? sb : b, ':') != NULL;
  if (ta == tb)
    return la == lb && !memcmp(a, b, la);
  if (ta) { /* make a the one without a tag */
    const char *t = a;
    a = b;
    b = t;
    size_t tl = la;
    la = lb;
    lb = tl;
  }
  return lb == la + 7 && !memcmp(a, b, la) && !memcmp(b + la, ":latest", 7);
}

const cJSON *pt_ollama_find_model(const cJSON *list_reply, const char *model) {
  const cJSON *models = pt_json_get(list_reply, "models"), *m;
  if (!cJSON_IsArray(models))
    return NULL;
  cJSON_ArrayForEach(m, models) {
    if (same_model(pt_json_str(m, "name"), model) || same_model(pt_json_str(m, "model"), model))
      return m;
  }
  return NULL;
}

void pt_ollama_ps_sizes(const cJSON *ps_reply, const char *model, int64_t *size,
                        int64_t *size_vram) {
  const cJSON *m = pt_ollama_find_model(ps_reply, model);
  *size = m ? metric(m, "size") : -1;
  *size_vram = m ? metric(m, "size_vram") : -1;
}
