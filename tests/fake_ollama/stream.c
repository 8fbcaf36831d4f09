/* tests/fake_ollama/stream.c - the token generator of the fake server.
 *
 * A trial is planned up front (fake_plan_make): how many thinking and answer
 * tokens, why it stops, and the durations the final object reports, drawn
 * from the model's rates with seeded noise, so a run is reproducible. The
 * reply is then either one object ("stream": false) or an NDJSON stream read
 * by MHD through fake_stream_read: one line per token and a final line with
 * the metrics. The stream cuts lines across writes and merges several lines
 * in one write (--chunking) so a client's reassembly is exercised, sleeps to
 * pace tokens when --realtime/--pace asks for it, and plays the faults that
 * happen inside a reply: an error line, a dropped connection, a stall, a
 * garbage line, done:false lines forever, a drip of one byte at a time, and
 * after the final object junk lines forever, an idle open connection or a
 * late end. A "stream": false reply with one of the last five is sent
 * through the same machinery (fake_stream_body). Long waits end as soon as
 * the client closes the connection (fake_wait_ns on its socket).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "fake.h"

#define STREAM_MAX ((size_t)1 << 20)              /* pending bytes */
#define OVERHEAD_NS ((int64_t)250000)            /* total - (load + prompt + eval) */
#define PULL_STEP_NS ((int64_t)20000000)         /* pull: time per line at pace 1 */
#define MIDSTREAM_ERROR "an error was encountered while running the model"
#define ENDLESS_GAP_NS ((int64_t)1000000)        /* endless or junk lines: at most 1000/s */

static const char *const answer_words[] = {
    "The", "sky", "is", "blue", "because", "of", "Rayleigh", "scattering", "of",
    "sunlight", "by", "the", "molecules", "in", "the", "air", ",", "which",
    "scatter", "short", "wavelengths", "more", "than", "long", "ones", "."};
static const char *const think_words[] = {
    "Okay", ",", "the", "user", "asks", "about", "this", ";", "let", "me",
    "recall", "the", "physics", "and", "check", "each", "step", "first", "."};

static double clamp_rate(double base, double noise, fake_rng *rng) {
  double r = base * (1.0 + noise * fake_rng_gauss(rng));
  return r < base * 0.05 ? base * 0.05 : r;
}

static int64_t ns_for(double count, double rate) { return (int64_t)llround(count / rate * 1e9); }

void fake_plan_make(fake_plan *p, const fake_model *m, const fake_use *use,
                    long long prompt_tokens, long long num_predict, bool think, fake_rng *rng) {
  long long natural = m->tokens + (think ? m->think_tokens : 0);
  long long count = natural;
  p->done_reason = "stop";
  if (num_predict > 0 && num_predict <= natural) { /* the budget runs out before EOS */
    count = num_predict;
    p->done_reason = "length";
  }
  p->n_think = think ? (int)(count < m->think_tokens ? count : m->think_tokens) : 0;
  p->n_answer = (int)(count - p->n_think);
  double rate = clamp_rate(m->rate, m->noise, rng);
  double prompt_rate = clamp_rate(m->prompt_rate, m->noise, rng);
  double load = m->load_s * (1.0 + m->noise * fake_rng_gauss(rng));
  p->load_ns = use->was_loaded || load <= 0 ? 0 : (int64_t)llround(load * 1e9);
  p->prompt_eval_count = use->prompt_cached ? 0 : prompt_tokens;
  p->prompt_ns = ns_for((double)p->prompt_eval_count, prompt_rate);
  p->eval_ns = ns_for((double)count, rate);
  p->total_ns = p->load_ns + p->prompt_ns + p->eval_ns + OVERHEAD_NS;
  p->text_seed = fake_rng_next(rng);
  long long ctx = prompt_tokens + count;
  p->context_len = p->kind == FAKE_GEN_GENERATE ? (int)(ctx < 1000000 ? ctx : 1000000) : 0;
}

/* The text of token i (thinking tokens first, then the answer). */
static void token_text(const fake_plan *p, int i, char *out, size_t size) {
  bool thinking = i < p->n_think;
  int j = thinking ? i : i - p->n_think;
  const char *const *words = thinking ? think_words : answer_words;
  size_t n = thinking ? sizeof think_words / sizeof *think_words
                      : sizeof answer_words / sizeof *answer_words;
  const char *w = words[(size_t)j % n];
  bool space = j > 0 && strcmp(w, ",") && strcmp(w, ".") && strcmp(w, ";");
  snprintf(out, size, "%s%s", space ? " " : "", w);
}

/* model and created_at: how every generation object begins. */
static cJSON *begin_object(const fake_plan *p) {
  cJSON *o = cJSON_CreateObject();
  char when[48];
  fake_timestamp(fake_now_ns(), when, sizeof when);
  cJSON_AddStringToObject(o, "model", p->model);
  cJSON_AddStringToObject(o, "created_at", when);
  return o;
}

/* The text part: "response"[, "thinking"] or "message": {...}. */
static void add_text(cJSON *o, const fake_plan *p, const char *answer, const char *thinking) {
  if (p->kind == FAKE_GEN_GENERATE) {
    cJSON_AddStringToObject(o, "response", answer);
    if (thinking)
      cJSON_AddStringToObject(o, "thinking", thinking);
    return;
  }
  cJSON *msg = cJSON_AddObjectToObject(o, "message");
  cJSON_AddStringToObject(msg, "role", "assistant");
  cJSON_AddStringToObject(msg, "content", answer);
  if (thinking)
    cJSON_AddStringToObject(msg, "thinking", thinking);
}

/* A metric whose value is zero is omitted, as Ollama does. */
static void add_metric(cJSON *o, const char *key, long long v) {
  if (v != 0)
    cJSON_AddNumberToObject(o, key, (double)v);
}

/* The final object; answer/thinking are the whole texts (non-stream) or "". */
static cJSON *final_object(const fake_plan *p, const char *answer, const char *thinking) {
  cJSON *o = begin_object(p);
  if (!o)
    return NULL;
  add_text(o, p, answer, thinking);
  if (p->kind == FAKE_GEN_CHAT)
    cJSON_AddStringToObject(o, "done_reason", p->done_reason);
  cJSON_AddBoolToObject(o, "done", 1);
  if (p->kind == FAKE_GEN_GENERATE) {
    cJSON_AddStringToObject(o, "done_reason", p->done_reason);
    cJSON *ctx = cJSON_AddArrayToObject(o, "context");
    for (int i = 0; ctx && i < p->context_len; i++)
      cJSON_AddItemToArray(ctx, cJSON_CreateNumber((double)(fake_hash(&i, sizeof i, p->text_seed) % 128000)));
  }
  add_metric(o, "total_duration", p->total_ns);
  add_metric(o, "load_duration", p->load_ns);
  add_metric(o, "prompt_eval_count", p->prompt_eval_count);
  add_metric(o, "prompt_eval_duration", p->prompt_ns);
  add_metric(o, "eval_count", p->n_think + p->n_answer);
  add_metric(o, "eval_duration", p->eval_ns);
  return o;
}

cJSON *fake_plan_final_json(const fake_plan *p) {
  pt_buf answer = PT_BUF_INIT, thinking = PT_BUF_INIT;
  char tok[64];
  bool ok = pt_buf_puts(&answer, "") == PT_OK && pt_buf_puts(&thinking, "") == PT_OK;
  for (int i = 0; ok && i < p->n_think + p->n_answer; i++) {
    token_text(p, i, tok, sizeof tok);
    ok = pt_buf_puts(i < p->n_think ? &thinking : &answer, tok) == PT_OK;
  }
  cJSON *o = ok ? final_object(p, answer.data, p->n_think ? thinking.data : NULL) : NULL;
  pt_buf_free(&answer);
  pt_buf_free(&thinking);
  return o;
}

/* ---- streams ---------------------------------------------------------- */

typedef enum { STREAM_GEN, STREAM_PULL, STREAM_BODY } stream_kind;

struct fake_stream {
  stream_kind kind;
  double pace;
  fake_chunking chunking;
  int64_t split_pause_ns;
  fake_plan plan;          /* STREAM_GEN */
  fake_server *srv;        /* STREAM_PULL: marks the model available */
  fake_model *model;       /* STREAM_PULL; NULL = unknown model */
  char *body;              /* STREAM_BODY: the whole reply */
  size_t step, n_steps;    /* lines produced / planned (excluding faults) */
  fake_fault fault;
  bool has_fault;          /* the fault is still to be played */
  size_t fault_step;       /* a fault inside the stream fires before this step */
  bool endless;            /* endless fault under way: no final object */
  bool drip;               /* drip fault under way: one byte per write */
  bool ended, drop, mid_line, pause_next;
  int fd;                  /* the connection's socket; -1 = unknown */
  pt_buf pending;          /* produced, not yet handed to MHD */
  fake_rng rng;
};

static bool after_final(fake_fault_kind k) {
  return k == FAKE_FAULT_JUNK_AFTER || k == FAKE_FAULT_IDLE_AFTER ||
         k == FAKE_FAULT_CLOSE_AFTER;
}

static fake_stream *stream_new(const fake_server *srv, stream_kind kind, uint64_t seed) {
  fake_stream *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->kind = kind;
  s->pace = srv->pace;
  s->chunking = srv->chunking;
  s->split_pause_ns = srv->split_pause_ns;
  s->fd = -1;
  pt_buf_init(&s->pending, STREAM_MAX);
  fake_rng_seed(&s->rng, seed);
  return s;
}

static void set_fault(fake_stream *s, const fake_fault *f) {
  if (!f)
    return;
  s->fault = *f;
  s->has_fault = true;
  size_t last = s->n_steps ? s->n_steps - 1 : 0;
  s->fault_step = (size_t)f->after < last ? (size_t)f->after : last;
}

void fake_stream_set_fd(fake_stream *s, int fd) {
  if (s)
    s->fd = fd;
}

fake_stream *fake_stream_generation(const fake_server *srv, const fake_plan *p, uint64_t seed) {
  fake_stream *s = stream_new(srv, STREAM_GEN, seed);
  if (!s)
    return NULL;
  s->plan = *p;
  s->n_steps = (size_t)(p->n_think + p->n_answer) + 1;
  set_fault(s, p->has_fault ? &p->fault : NULL);
  return s;
}

fake_stream *fake_stream_body(const fake_server *srv, const char *body, const fake_fault *fault,
                              uint64_t seed) {
  fake_stream *s = stream_new(srv, STREAM_BODY, seed);
  if (!s || !(s->body = strdup(body))) {
    fake_stream_free(s);
    return NULL;
  }
  s->n_steps = 1;
  s->chunking = FAKE_CHUNK_LINE; /* one write, as a server sends a small body */
  set_fault(s, fault);
  return s;
}

fake_stream *fake_stream_pull(fake_server *srv, fake_model *m, const fake_fault *fault,
                              uint64_t seed) {
  fake_stream *s = stream_new(srv, STREAM_PULL, seed);
  if (!s)
    return NULL;
  s->srv = srv;
  s->model = m;
  s->n_steps = m ? 9 : 2; /* manifest, 5 progress, verify, write, success */
  set_fault(s, fault);
  return s;
}

void fake_stream_free(void *cls) {
  fake_stream *s = cls;
  if (!s)
    return;
  pt_buf_free(&s->pending);
  free(s->body);
  free(s);
}

/* Append o as one NDJSON line and free it. */
static bool put_line(fake_stream *s, cJSON *o) {
  char *text = o ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(o);
  if (!text)
    return false;
  bool ok = pt_buf_puts(&s->pending, text) == PT_OK && pt_buf_putc(&s->pending, '\n') == PT_OK;
  cJSON_free(text);
  return ok;
}

static cJSON *pull_object(fake_stream *s, size_t step) {
  cJSON *o = cJSON_CreateObject();
  if (!o)
    return NULL;
  if (step == 0) {
    cJSON_AddStringToObject(o, "status", "pulling manifest");
  } else if (!s->model) {
    cJSON_AddStringToObject(o, "error", "pull model manifest: file does not exist");
  } else if (step <= 5) {
    char digest[65], status[32], full[80];
    fake_model_digest(s->model, digest);
    snprintf(status, sizeof status, "pulling %.12s", digest);
    snprintf(full, sizeof full, "sha256:%s", digest);
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddStringToObject(o, "digest", full);
    cJSON_AddNumberToObject(o, "total", (double)s->model->size);
    add_metric(o, "completed", step == 5 ? s->model->size : s->model->size / 4 * (long long)(step - 1));
  } else {
    static const char *const tail[] = {"verifying sha256 digest", "writing manifest", "success"};
    cJSON_AddStringToObject(o, "status", tail[step - 6]);
    if (step == 8)
      fake_models_set_available(&s->srv->models, s->model);
  }
  return o;
}

static cJSON *token_object(const fake_plan *p, size_t step) {
  cJSON *o = begin_object(p);
  if (!o)
    return NULL;
  char tok[64];
  token_text(p, (int)step, tok, sizeof tok);
  bool thinking = step < (size_t)p->n_think;
  add_text(o, p, thinking ? "" : tok, thinking ? tok : NULL);
  cJSON_AddBoolToObject(o, "done", 0);
  return o;
}

/* How long the server works before producing this step, at pace 1. */
static int64_t step_delay(const fake_stream *s, size_t step) {
  if (s->kind == STREAM_PULL)
    return PULL_STEP_NS;
  if (s->kind == STREAM_BODY)
    return 0; /* respond_final has paced the whole reply already */
  const fake_plan *p = &s->plan;
  int64_t count = p->n_think + p->n_answer;
  if (step == 0)
    return p->load_ns + p->prompt_ns + (count ? p->eval_ns / count : 0);
  return step < (size_t)count ? p->eval_ns / count : 0;
}

/* Stop producing: the connection is to be cut (server stopping, client
 * gone). */
static bool cut(fake_stream *s) {
  s->ended = s->drop = true;
  return true;
}

/* The next line of an endless stream: a token, never the final object;
 * a body that never comes for a one-object reply. */
static bool produce_endless(fake_stream *s) {
  if (s->kind == STREAM_BODY) {
    fake_wait_ns(INT64_MAX / 2, s->fd); /* until the client leaves */
    return cut(s);
  }
  int64_t d = (int64_t)((double)step_delay(s, s->plan.n_think) * s->pace);
  if (!fake_wait_ns(d > ENDLESS_GAP_NS ? d : ENDLESS_GAP_NS, s->fd))
    return cut(s);
  size_t n = (size_t)(s->plan.n_think + s->plan.n_answer);
  return put_line(s, s->kind == STREAM_PULL ? pull_object(s, 1)
                                            : token_object(&s->plan, n ? s->step++ % n : 0));
}

/* Produce the next line, playing the fault first when its step comes.
 * False when out of memory. */
static bool produce(fake_stream *s) {
  if (s->has_fault && s->step == s->fault_step && !after_final(s->fault.kind)) {
    s->has_fault = false;
    switch (s->fault.kind) {
    case FAKE_FAULT_MIDSTREAM: {
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "error", MIDSTREAM_ERROR);
      s->ended = true;
      return put_line(s, o);
    }
    case FAKE_FAULT_DROP:
      return cut(s);
    case FAKE_FAULT_STALL:
      if (!fake_wait_ns((int64_t)(s->fault.seconds * 1e9), s->fd))
        return cut(s);
      break;
    case FAKE_FAULT_GARBAGE:
      if (pt_buf_puts(&s->pending, "<html>fake-ollama: this line is not JSON</html>\n"))
        return false;
      break;
    case FAKE_FAULT_ENDLESS:
      s->endless = true;
      break;
    case FAKE_FAULT_DRIP:
      s->drip = true;
      break;
    default:
      break;
    }
  }
  if (s->endless)
    return produce_endless(s);
  if (s->pace > 0 && !fake_wait_ns((int64_t)((double)step_delay(s, s->step) * s->pace), s->fd))
    return cut(s);
  if (s->kind == STREAM_BODY) {
    s->step++;
    s->ended = true;
    return pt_buf_puts(&s->pending, s->body) == PT_OK;
  }
  cJSON *o;
  if (s->kind == STREAM_PULL)
    o = pull_object(s, s->step);
  else if (s->step + 1 < s->n_steps)
    o = token_object(&s->plan, s->step);
  else
    o = final_object(&s->plan, "", NULL);
  s->step++;
  if (s->step >= s->n_steps)
    s->ended = true;
  return put_line(s, o);
}

/* After the last line went out: play a fault that acts after the final
 * object. True when there is more to send (junk); false = end the reply
 * (s->drop says how). */
static bool play_after_final(fake_stream *s) {
  if (s->drop || !s->has_fault || !after_final(s->fault.kind))
    return false;
  if (s->fault.kind == FAKE_FAULT_JUNK_AFTER) { /* again and again */
    if (!fake_wait_ns(ENDLESS_GAP_NS, s->fd)) {
      cut(s);
      return false;
    }
    return pt_buf_puts(&s->pending, "fake-ollama: junk after the final object\n") == PT_OK;
  }
  s->has_fault = false; /* idle-after, close-after: wait, then end */
  if (!fake_wait_ns((int64_t)(s->fault.seconds * 1e9), s->fd))
    cut(s);
  return false;
}

/* Bytes of the first line in pending, its newline included. */
static size_t first_line(const fake_stream *s) {
  const char *nl = memchr(s->pending.data, '\n', s->pending.len);
  return nl ? (size_t)(nl - s->pending.data) + 1 : s->pending.len;
}

static size_t lines_in(const fake_stream *s) {
  size_t n = 0;
  for (size_t i = 0; i < s->pending.len; i++)
    n += s->pending.data[i] == '\n';
  return n;
}

/* Produce lines until pending holds want of them (or the stream ends); when
 * pacing, merging would hold tokens back: take only what is there. False
 * when out of memory. */
static bool fill_lines(fake_stream *s, size_t want) {
  while (s->pace <= 0 && !s->ended && !s->endless && lines_in(s) < want)
    if (!produce(s))
      return false;
  return true;
}

/* How many pending bytes the next write hands over, producing more lines
 * first when the write is to merge several. 0 = out of memory. */
static size_t next_write(fake_stream *s) {
  if (s->drip)
    return 1;
  switch (s->chunking) {
  case FAKE_CHUNK_RANDOM: { /* 1-4 lines; every other write cut at a random byte */
    if (!fill_lines(s, (size_t)fake_rng_range(&s->rng, 1, 4)))
      return 0;
    if (fake_rng_range(&s->rng, 0, 1))
      return (size_t)fake_rng_range(&s->rng, 1, s->pending.len);
    size_t n = s->pending.len; /* up to the end of the last whole line */
    while (n && s->pending.data[n - 1] != '\n')
      n--;
    return n ? n : s->pending.len;
  }
  case FAKE_CHUNK_SPLIT: {
    if (s->mid_line)
      return first_line(s); /* finish the line cut by the last write */
    size_t n = first_line(s);
    return n > 1 ? (size_t)fake_rng_range(&s->rng, 1, n - 1) : n;
  }
  case FAKE_CHUNK_MERGE:
    if (!fill_lines(s, (size_t)fake_rng_range(&s->rng, 2, 5)))
      return 0;
    return s->pending.len;
  default:
    return first_line(s);
  }
}

ssize_t fake_stream_read(void *cls, uint64_t pos, char *buf, size_t max) {
  (void)pos;
  fake_stream *s = cls;
  if (atomic_load(&fake_stopping))
    return MHD_CONTENT_READER_END_WITH_ERROR;
  if (s->pause_next) {
    s->pause_next = false;
    if (!fake_wait_ns(s->split_pause_ns, s->fd))
      return MHD_CONTENT_READER_END_WITH_ERROR;
  }
  if (s->drip && !fake_wait_ns((int64_t)(s->fault.seconds * 1e9), s->fd))
    return MHD_CONTENT_READER_END_WITH_ERROR;
  while (s->pending.len == 0 && !s->ended)
    if (!produce(s))
      return MHD_CONTENT_READER_END_WITH_ERROR;
  if (s->pending.len == 0 && !play_after_final(s))
    return s->drop ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
  size_t n = next_write(s);
  if (n == 0)
    return MHD_CONTENT_READER_END_WITH_ERROR;
  if (n > max)
    n = max;
  if (n > s->pending.len)
    n = s->pending.len;
  memcpy(buf, s->pending.data, n);
  s->mid_line = buf[n - 1] != '\n';
  s->pause_next = s->mid_line && s->split_pause_ns > 0;
  pt_buf_consume(&s->pending, n);
  return (ssize_t)n;
}
