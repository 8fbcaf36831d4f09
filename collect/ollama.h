/* collect/ollama.h - the Ollama HTTP client (libcurl) and its parsers.
 *
 * Three layers, the first two usable without a server (unit tests, fuzzing):
 *   - pt_ollama_host_url: the base URL from OLLAMA_HOST, read as Ollama's own
 *     client reads it (OLLAMA.md "Conventions");
 *   - pt_ndjson: splits a byte stream that arrives in arbitrary pieces into
 *     lines; pt_gen_stream: the /api/generate stream state (first token,
 *     "error" lines, metrics of the final object). The client's libcurl
 *     write callback feeds pt_gen_stream_feed itself, so what the unit tests
 *     and the fuzzer exercise is what runs;
 *   - pt_ollama: one reusable CURL handle (so one kept-alive connection) with
 *     GET/POST of JSON, pull with progress, and generate (streamed or not).
 * Every call fills a pt_error naming the URL on failure. Codes: PT_ENET
 * (cannot connect, connection dropped), PT_EHTTP (non-2xx status or an
 * "error" object; msg holds the server's message), PT_ETIMEOUT (connect,
 * silence longer than the timeout, or a request past its deadline),
 * PT_EINTERRUPTED (abort flag raised), PT_ETOOBIG (body or line over the
 * cap), PT_EPARSE (not JSON).
 *
 * Text from the server is valid UTF-8 once it leaves this module: strings
 * of JSON replies, messages and capped fields are repaired (U+FFFD) and cut
 * on a character boundary (core/utf8.h).
 */
#ifndef PT_OLLAMA_H
#define PT_OLLAMA_H

#include <cJSON.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"

#define PT_OLLAMA_DEFAULT_URL "http://127.0.0.1:11434"

/* ---- base URL ---- */

/* Base URL (no trailing slash) from an OLLAMA_HOST value; NULL or blank gives
 * the default. Writes at most size bytes to out; PT_ETOOBIG when it does not
 * fit, PT_EUSAGE for a value that cannot be a host. A port that is not a
 * number in 0..65535 is replaced by the default port, as Ollama's
 * envconfig.Host() does, and warning (may be NULL; warning_size bytes) then
 * says so, e.g. "invalid port '66000', using the default 11434"; else
 * warning is "". The caller decides whether to print it or refuse. */
pt_code pt_ollama_host_url(const char *value, char *out, size_t size, char *warning,
                           size_t warning_size, pt_error *err);

/* True when the URL's host is this machine: a loopback address, "localhost"
 * (or a name under .localhost), or this machine's own host name. */
bool pt_url_is_local(const char *url);

/* ---- NDJSON line splitter ---- */

/* Called once per non-blank line, without its "\n" (a trailing "\r" is
 * removed too); line is valid only during the call and not NUL-terminated.
 * A non-PT_OK return stops the feed and is returned by it. */
typedef pt_code (*pt_line_fn)(void *ctx, const char *line, size_t len, pt_error *err);

typedef struct pt_ndjson {
  pt_buf pending;  /* start of a line whose "\n" has not arrived yet */
  long lines;      /* lines handed out so far */
  bool stop;       /* set by a line function: the stream has said all it
                      will say; later bytes are dropped unread */
} pt_ndjson;

/* max_line caps the length of one line (PT_ETOOBIG past it; 0 = no cap). */
void pt_ndjson_init(pt_ndjson *s, size_t max_line);
/* Feed the next piece of the stream; complete lines go to fn. Once fn has
 * set s->stop, the rest of data and every later feed are ignored. */
pt_code pt_ndjson_feed(pt_ndjson *s, const char *data, size_t len, pt_line_fn fn,
                       void *ctx, pt_error *err);
/* End of stream: a last line without "\n" goes to fn. */
pt_code pt_ndjson_finish(pt_ndjson *s, pt_line_fn fn, void *ctx, pt_error *err);
void pt_ndjson_free(pt_ndjson *s);

/* ---- generate results ---- */

/* What one /api/generate reply said. Integer metrics are PT_MISSING (-1)
 * when the server did not report them (it omits zero values). Strings are
 * valid UTF-8, cut on a character boundary when they do not fit. */
typedef struct pt_gen_result {
  bool done;                /* the final object (done: true) arrived */
  char done_reason[32];     /* "" when absent */
  int64_t prompt_eval_count, prompt_eval_duration_ns;
  int64_t eval_count, eval_duration_ns;
  int64_t load_duration_ns, total_duration_ns;
  int64_t ttft_ns, wall_ns; /* client-side; ttft missing without streaming;
                               wall ends at the final object */
  long first_token_line;    /* 1-based line with the first non-empty
                               response or thinking; 0 = none */
  char error[512];          /* the server's message, "" when none */
} pt_gen_result;

void pt_gen_result_init(pt_gen_result *r);

/* Read done, done_reason and the metrics of a final object into r. Fields
 * that are absent, negative or not integers stay PT_MISSING. */
void pt_gen_read_final(const cJSON *obj, pt_gen_result *r);

/* Parse a whole non-streamed reply. PT_EPARSE when it is not a JSON object,
 * PT_EHTTP (message in r->error) when it is {"error": ...}, PT_EDATA when it
 * is not final. name is used in messages. */
pt_code pt_gen_parse_body(const char *data, size_t len, const char *name,
                          pt_gen_result *r, pt_error *err);

/* Stream state of one streamed /api/generate. */
typedef struct pt_gen_stream {
  pt_ndjson split;
  pt_gen_result *res;
  int64_t (*now)(void);  /* clock for TTFT and wall time; NULL = none */
  int64_t t0;            /* now() when the request was sent */
  long lines;
  const char *name;      /* URL for messages */
} pt_gen_stream;

/* res is filled as lines arrive (res is initialised here). */
void pt_gen_stream_init(pt_gen_stream *g, pt_gen_result *res, const char *name);
void pt_gen_stream_free(pt_gen_stream *g);
/* Handle one NDJSON line (a pt_line_fn; ctx is the pt_gen_stream). An
 * "error" key gives PT_EHTTP with the message in res->error; a line that is
 * not JSON gives PT_EPARSE. Non-final lines are only fully parsed until the
 * first token is seen; after that a substring check suffices. The final
 * object ends the stream: wall_ns is taken then (with now), and nothing
 * after it is read (not even the rest of the piece that held it). */
pt_code pt_gen_stream_line(void *ctx, const char *line, size_t len, pt_error *err);
/* Feed raw bytes, and the end of the stream (PT_ENET when no final object
 * arrived: the connection ended early). */
pt_code pt_gen_stream_feed(pt_gen_stream *g, const char *data, size_t len, pt_error *err);
pt_code pt_gen_stream_finish(pt_gen_stream *g, pt_error *err);
/* The final object has arrived: the caller may stop reading and close. */
bool pt_gen_stream_done(const pt_gen_stream *g);

/* ---- the client ---- */

typedef struct pt_ollama pt_ollama;

typedef struct pt_ollama_cfg {
  long timeout_s;        /* connect timeout and longest silence; 0 = 300 */
  size_t max_body;       /* cap on a buffered body or one line; 0 = 16 MiB */
  long deadline_s;       /* whole-request limit of a generate; 0 = derived
                            from the request (pt_ollama_gen_deadline_s) */
  volatile sig_atomic_t *abort_flag;  /* transfers stop when *abort_flag != 0 */
} pt_ollama_cfg;

/* Deadlines. Every request ends: after timeout_s of silence, and at a
 * deadline counted from its start. A generate's deadline is
 *   timeout_s + max(PT_GEN_FLOOR_S, tokens x PT_GEN_SECONDS_PER_TOKEN)
 * where tokens is the request's options.num_predict, or its num_ctx when
 * num_predict is absent or not positive (Ollama then generates until the
 * context is full), or PT_GEN_DEFAULT_TOKENS. The first term covers what
 * happens before the first token (connect, model load, prompt evaluation:
 * one silence, which timeout_s already bounds); the second allows 0.25
 * tokens/s, slower than a 70B model spilled almost entirely to the CPU of
 * a VM (memory bandwidth / model size: ~25 GB/s / 40 GB = 0.6 tokens/s);
 * the floor covers the end of a generation that is not per-token work.
 * Other JSON requests: 2 x timeout_s. Pull: no deadline (a download may
 * take hours; its progress lines keep the silence check satisfied). */
#define PT_GEN_SECONDS_PER_TOKEN 4
#define PT_GEN_FLOOR_S 10
#define PT_GEN_DEFAULT_TOKENS 4096
long pt_ollama_gen_deadline_s(long timeout_s, const cJSON *request);

/* A client for base_url (copied). NULL with err set on failure. */
pt_ollama *pt_ollama_new(const char *base_url, const pt_ollama_cfg *cfg, pt_error *err);
/* NULL is a no-op. */
void pt_ollama_free(pt_ollama *c);
const char *pt_ollama_base(const pt_ollama *c);

/* GET base+path and parse the JSON reply into *out (caller frees). */
pt_code pt_ollama_get_json(pt_ollama *c, const char *path, cJSON **out, pt_error *err);
/* POST body (JSON) to base+path and parse the reply into *out (may be NULL
 * to discard it). */
pt_code pt_ollama_post_json(pt_ollama *c, const char *path, const cJSON *body,
                            cJSON **out, pt_error *err);

/* Pull progress: status text and, while downloading, completed/total bytes
 * (-1 when absent). */
typedef void (*pt_pull_fn)(void *ctx, const char *status, int64_t completed, int64_t total);

/* POST /api/pull with streaming; fn (may be NULL) sees each progress object.
 * Fails unless the last status is "success". */
pt_code pt_ollama_pull(pt_ollama *c, const char *model, pt_pull_fn fn, void *ctx,
                       pt_error *err);

/* POST /api/generate with request (its "stream" member decides the mode;
 * absent means streaming, as the server does). res is filled with what
 * arrived even on failure; wall_ns and (streaming) ttft_ns are measured
 * from the start of the transfer. A streamed reply is done at its final
 * object: the connection is closed there without waiting for the server
 * to end the response, and wall_ns ends there. Past the deadline (see
 * above) the request fails with PT_ETIMEOUT. */
pt_code pt_ollama_generate(pt_ollama *c, const cJSON *request, pt_gen_result *res,
                           pt_error *err);

/* ---- reading replies ---- */

/* The entry of /api/tags or /api/ps (their "models" list) for model: names
 * compare with ":latest" added when a name has no tag. NULL when absent. */
const cJSON *pt_ollama_find_model(const cJSON *list_reply, const char *model);

/* size and size_vram of model in an /api/ps reply; -1 when not listed. */
void pt_ollama_ps_sizes(const cJSON *ps_reply, const char *model, int64_t *size,
                        int64_t *size_vram);

/* Monotonic clock in nanoseconds. */
int64_t pt_now_ns(void);

#endif
