/* tests/fake_ollama/fake.h - the fake Ollama server's modules.
 *
 * fake-ollama answers the Ollama HTTP API the way a real server does (see
 * ../shared/OLLAMA.md and ../shared/testdata/ollama/) so that ptbench's
 * collector can be tested, and `make demo` run, without a GPU:
 *
 *   util.c    seeded random numbers, hashes, timestamps, interruptible sleep
 *   models.c  the model table: what is installed, loaded, pullable; its JSON
 *   faults.c  fault-injection rules (--fault) and their matching
 *   stream.c  the token generator: plans a trial's metrics, then streams its
 *             NDJSON lines (split and merged across writes) or one object
 *   routes.c  the HTTP layer: request bodies, routing, handlers, request log
 *   main.c    the command line, the daemon, signals and self-stopping
 *
 * Nothing here is part of ptbench itself; the server only links ptbench_lib
 * for pt_buf and the cJSON helpers. Memory: every function that returns a
 * cJSON tree or a heap string hands ownership to the caller.
 */
#ifndef FAKE_OLLAMA_H
#define FAKE_OLLAMA_H

#include <cJSON.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FAKE_NAME_MAX 128
#define FAKE_BODY_MAX ((size_t)1 << 20) /* request bodies above this get 413 */
#define FAKE_FOREVER INT64_MAX         /* a keep-alive that never expires */

/* ---- util.c ---------------------------------------------------------- */

/* Set by main when the server stops: sleeps end early, streams are cut. */
extern atomic_bool fake_stopping;

typedef struct fake_rng {
  uint64_t s;
} fake_rng;

void fake_rng_seed(fake_rng *r, uint64_t seed);
uint64_t fake_rng_next(fake_rng *r);
/* Uniform in [0, 1). */
double fake_rng_unit(fake_rng *r);
/* Standard normal (Box-Muller). */
double fake_rng_gauss(fake_rng *r);
/* Uniform integer in [lo, hi] (lo <= hi). */
uint64_t fake_rng_range(fake_rng *r, uint64_t lo, uint64_t hi);
/* 64-bit FNV-1a of n bytes, finished with a splitmix64 mix. */
uint64_t fake_hash(const void *p, size_t n, uint64_t seed);
/* Wall clock in ns since the epoch. */
int64_t fake_now_ns(void);
/* RFC 3339 UTC timestamp with nanoseconds ("2025-10-26T17:15:24.097767123Z")
 * of t_ns since the epoch. */
void fake_timestamp(int64_t t_ns, char *out, size_t size);
/* Sleep ns nanoseconds in short slices; false if the server began stopping. */
bool fake_sleep_ns(int64_t ns);
/* The peer of connection socket fd has closed it (fd < 0: never). */
bool fake_client_gone(int fd);
/* fake_sleep_ns that also ends (false) when the client of fd hangs up. */
bool fake_wait_ns(int64_t ns, int fd);
/* Parse a number with strtod/strtoll checks: the whole string, finite. */
bool fake_parse_double(const char *s, double *out);
bool fake_parse_ll(const char *s, long long *out);
/* Parse an Ollama keep_alive string: Go duration ("5m", "1h30m", "300ms",
 * "-1s") or bare seconds ("3600", "-1"). Negative = forever (FAKE_FOREVER). */
bool fake_parse_duration(const char *s, int64_t *ns);

/* ---- models.c -------------------------------------------------------- */

typedef struct fake_model {
  /* configuration, fixed after start-up */
  char name[FAKE_NAME_MAX]; /* normalised "base:tag" */
  double rate;              /* generation, tokens/s */
  double noise;             /* relative SD of the rate per trial (0.01 = 1 %) */
  double prompt_rate;       /* prompt evaluation, tokens/s */
  double load_s;            /* seconds to load into memory */
  long long size;           /* bytes: on disk and in memory */
  long long size_vram;      /* bytes on the GPU once loaded */
  char family[64];
  char params[32];          /* parameter_size, e.g. "7.2B" */
  char quant[32];           /* quantization_level, e.g. "Q4_K_M" */
  int tokens;               /* natural answer length (then done_reason stop) */
  int think_tokens;         /* thinking tokens streamed before the answer */
  int context_length;       /* default num_ctx shown by /api/ps */
  bool thinking;            /* capability "thinking"; thinks unless think:false */
  bool cache;               /* a repeated prompt is cached: prompt metrics 0 */
  /* state, guarded by fake_models.mu */
  bool available;           /* installed (pullable models start false) */
  bool loaded;              /* in memory: listed by /api/ps */
  int64_t expires_ns;       /* when its keep-alive ends and its unload
                               begins; FAKE_FOREVER */
  int ctx_loaded;           /* num_ctx it was loaded with */
  uint64_t last_prompt;     /* hash of the last prompt, for the cache */
  bool has_last_prompt;
  long loads;               /* times a request loaded it (GET /debug/loads) */
} fake_model;

/* A model whose keep-alive has ended (or that was asked to unload) is
 * unloading: a request must load it anew, but /api/ps lists it until
 * unload_delay_ns later, as a real server frees the memory in the
 * background (OLLAMA.md: "the unload finishes asynchronously"). */
typedef struct fake_models {
  fake_model *v;
  size_t n, cap;
  int64_t unload_delay_ns;  /* --unload-delay */
  pthread_mutex_t mu;
} fake_models;

void fake_models_init(fake_models *t);
void fake_models_free(fake_models *t);
/* Add a model from a --model spec (syntax in main.c's help). Returns false
 * with a message in err on a bad spec or a duplicate name. */
bool fake_models_add_spec(fake_models *t, const char *spec, char *err, size_t errsz);
/* The article's four models, used when no --model is given. */
bool fake_models_add_defaults(fake_models *t, char *err, size_t errsz);
/* "mistral" -> "mistral:latest"; names are compared in this form. */
void fake_model_normalize(const char *in, char *out, size_t size);
/* Model by name (any form), installed or not; NULL when unknown. The pointer
 * stays valid until fake_models_free; state fields need the lock. */
fake_model *fake_models_find(fake_models *t, const char *name);
/* Installed (not a pullable model that was not pulled yet). */
bool fake_models_available(fake_models *t, const fake_model *m);
void fake_models_set_available(fake_models *t, fake_model *m);
/* 64 lowercase hex digits derived from the name. */
void fake_model_digest(const fake_model *m, char out[65]);

typedef struct fake_use {
  bool was_loaded;    /* out: no load needed */
  bool prompt_cached; /* out: the model caches and saw this prompt last */
} fake_use;
/* A request uses m: expire it if its keep-alive passed, load it, set its new
 * expiry (keep_alive_ns: < 0 = Ollama's default 5m, FAKE_FOREVER, or 0 =
 * unload when done) and check the prompt cache. num_ctx <= 0 = default. */
fake_use fake_models_use(fake_models *t, fake_model *m, uint64_t prompt_hash,
                         int64_t keep_alive_ns, int num_ctx);
/* keep_alive 0 with no prompt: the model begins to unload (if loaded). */
void fake_models_unload(fake_models *t, fake_model *m);

/* Response bodies (caller owns them; NULL when out of memory). */
cJSON *fake_models_tags_json(fake_models *t);
cJSON *fake_models_ps_json(fake_models *t);
cJSON *fake_model_show_json(const fake_model *m);
/* {"loads": {"NAME": N, ...}}: loads per model, every model listed. */
cJSON *fake_models_loads_json(fake_models *t);

/* ---- faults.c -------------------------------------------------------- */

typedef enum {
  FAKE_FAULT_404,        /* model 'X' not found */
  FAKE_FAULT_404_LEGACY, /* model "X" not found, try pulling it first */
  FAKE_FAULT_500,        /* {"error": "the model failed to generate a response"} */
  FAKE_FAULT_503,        /* server busy: queue full */
  FAKE_FAULT_LATIN1_502, /* a proxy's HTML error page in ISO-8859-1 */
  FAKE_FAULT_MIDSTREAM,  /* after K lines, an {"error"} line with status 200 */
  FAKE_FAULT_DROP,       /* after K lines, close the connection */
  FAKE_FAULT_STALL,      /* after K lines, send nothing for S seconds */
  FAKE_FAULT_GARBAGE,    /* after K lines, one line that is not JSON */
  FAKE_FAULT_ENDLESS,    /* after K lines, done:false lines forever */
  FAKE_FAULT_DRIP,       /* from line K on, one byte every S seconds */
  FAKE_FAULT_JUNK_AFTER, /* the final object, then junk lines forever */
  FAKE_FAULT_IDLE_AFTER, /* the final object, then S s of an idle open
                            connection (default: until the client leaves) */
  FAKE_FAULT_CLOSE_AFTER /* the final object, the end of the reply S s later */
} fake_fault_kind;

typedef struct fake_fault {
  fake_fault_kind kind;
  char endpoint[16];          /* "generate", "chat", ...; "" = any endpoint */
  long first, last;           /* request numbers on that endpoint (1-based) */
  char model[FAKE_NAME_MAX];  /* normalised model name; "" = any model */
  long after;                 /* K: lines streamed before the fault */
  double seconds;             /* S: stall length, drip interval, idle time */
} fake_fault;

/* Parse a --fault spec (syntax in main.c's help). False with err on error. */
bool fake_fault_parse(const char *spec, fake_fault *f, char *err, size_t errsz);
/* First rule matching this request (endpoint like "generate", its 1-based
 * number on that endpoint, the model it names or NULL); NULL when none. */
const fake_fault *fake_faults_match(const fake_fault *v, size_t n, const char *endpoint,
                                    long number, const char *model);
/* The name of a fault kind as written in --fault ("drop"). */
const char *fake_fault_name(fake_fault_kind k);
/* A fault played inside a reply (a stream, or a body sent as one), not an
 * HTTP error status. */
bool fake_fault_in_reply(const fake_fault *f);

/* ---- server configuration (main.c fills it, routes.c reads it) -------- */

typedef enum {
  FAKE_CHUNK_LINE,   /* one NDJSON line per write */
  FAKE_CHUNK_MERGE,  /* several lines per write */
  FAKE_CHUNK_SPLIT,  /* every line cut in two writes */
  FAKE_CHUNK_RANDOM, /* 1-4 lines a write, every other write (seeded) cut
                        at a random byte: lines split anywhere */
} fake_chunking;

typedef struct fake_server {
  fake_models models;
  fake_fault *faults;
  size_t n_faults;
  uint64_t seed;
  double pace;             /* 0 = no sleeping; 1 = real time */
  fake_chunking chunking;
  int64_t split_pause_ns;  /* pause after a write that ends mid-line */
  const char *version;
  bool verbose;
  FILE *log;               /* request log (--log), or NULL */
  pthread_mutex_t mu;      /* guards log and counters */
  long counters[16];       /* requests per endpoint (routes.c) */
  long trials;             /* generate+chat requests, seeds each trial */
  long requests_done;      /* completed requests */
  long max_requests;       /* 0 = no limit */
  atomic_bool limit_reached;
} fake_server;

/* ---- stream.c -------------------------------------------------------- */

typedef enum { FAKE_GEN_GENERATE, FAKE_GEN_CHAT } fake_gen_kind;

/* One planned trial: what the final object reports, decided up front. */
typedef struct fake_plan {
  fake_gen_kind kind;
  char model[FAKE_NAME_MAX];   /* echoed as the client spelled it */
  int n_think, n_answer;       /* tokens of each part */
  const char *done_reason;     /* "stop" or "length" */
  long long prompt_eval_count;
  int64_t load_ns, prompt_ns, eval_ns, total_ns;
  uint64_t text_seed;          /* picks the filler words */
  int context_len;             /* generate: length of "context" */
  fake_fault fault;            /* stream fault; valid when has_fault */
  bool has_fault;
} fake_plan;

/* Plan a trial for m (set p->kind, p->model and the fault first):
 * prompt_tokens before caching, num_predict <= 0 = no cap, think: the model
 * thinks. Draws the trial's rates and load time from rng. */
void fake_plan_make(fake_plan *p, const fake_model *m, const fake_use *use,
                    long long prompt_tokens, long long num_predict, bool think, fake_rng *rng);
/* The whole reply of a "stream": false request (caller owns it). */
cJSON *fake_plan_final_json(const fake_plan *p);

typedef struct fake_stream fake_stream;
/* A stream of the plan's NDJSON lines (copied); NULL when out of memory. */
fake_stream *fake_stream_generation(const fake_server *srv, const fake_plan *p, uint64_t seed);
/* A one-object reply (body, copied; no newline) that plays fault (may be
 * NULL), for "stream": false requests with a fault inside the reply. */
fake_stream *fake_stream_body(const fake_server *srv, const char *body, const fake_fault *fault,
                              uint64_t seed);
/* The connection's socket, so long waits end when the client leaves. */
void fake_stream_set_fd(fake_stream *s, int fd);
/* A /api/pull progress stream; m NULL = unknown model (error line).
 * On success the model becomes available. */
fake_stream *fake_stream_pull(fake_server *srv, fake_model *m, const fake_fault *fault,
                              uint64_t seed);
/* MHD content reader and its free callback for these streams. */
ssize_t fake_stream_read(void *cls, uint64_t pos, char *buf, size_t max);
void fake_stream_free(void *cls);

/* ---- routes.c -------------------------------------------------------- */

/* The MHD access handler and request-completed callback (cls = fake_server). */
enum MHD_Result fake_route_access(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls);
void fake_route_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                          enum MHD_RequestTerminationCode toe);

#endif
