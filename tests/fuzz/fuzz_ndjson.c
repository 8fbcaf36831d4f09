/* tests/fuzz/fuzz_ndjson.c - libFuzzer harness for the NDJSON stream parser
 * of the Ollama client (collect/ollama.h).
 *
 * The first byte picks the piece size (1..64) the rest is cut into, as
 * libcurl's write callbacks cut a stream; the input is then fed to a
 * generate stream, and the whole of it is also parsed as a non-streamed
 * reply. Both must return a code, never crash, leak or overrun, and what
 * they report must be consistent: metrics are PT_MISSING or >= 0, a success
 * means the final object arrived, strings are valid UTF-8 (cut on a
 * character boundary when capped), nothing fed after the final object
 * changes the result, and the line splitter gives the same lines however
 * the input is cut.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/ollama.h"
#include "core/trial.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const pt_gen_result *r) {
  const int64_t m[] = {r->prompt_eval_count, r->prompt_eval_duration_ns, r->eval_count,
                       r->eval_duration_ns, r->load_duration_ns, r->total_duration_ns};
  for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
    if (m[i] < PT_MISSING)
      abort();
  if (strnlen(r->error, sizeof r->error) == sizeof r->error ||
      strnlen(r->done_reason, sizeof r->done_reason) == sizeof r->done_reason)
    abort();
  if (!pt_utf8_valid(r->error, strlen(r->error)) ||
      !pt_utf8_valid(r->done_reason, strlen(r->done_reason)))
    abort();
}

typedef struct count {
  long lines;
  size_t bytes;
} count;

static pt_code count_line(void *ctx, const char *line, size_t len, pt_error *err) {
  count *c = ctx;
  if (len == 0 || line[0] == ' ' || line[len - 1] == '\r')
    abort(); /* lines come trimmed and never empty */
  c->lines++;
  c->bytes += len;
  return PT_OK;
}

static void split(const char *text, size_t size, size_t piece, count *c) {
  pt_ndjson s;
  pt_ndjson_init(&s, 0);
  for (size_t off = 0; off < size; off += piece) {
    size_t n = size - off < piece ? size - off : piece;
    if (pt_ndjson_feed(&s, text + off, n, count_line, c, NULL))
      abort();
  }
  if (pt_ndjson_finish(&s, count_line, c, NULL))
    abort();
  pt_ndjson_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  size_t piece = (size_t)(data[0] % 64) + 1;
  const char *text = (const char *)data + 1;
  size--;

  pt_gen_result r;
  pt_gen_stream g;
  pt_error err;
  pt_error_clear(&err);
  pt_gen_stream_init(&g, &r, "fuzz");
  pt_code rc = PT_OK;
  for (size_t off = 0; !rc && off < size; off += piece) {
    size_t n = size - off < piece ? size - off : piece;
    rc = pt_gen_stream_feed(&g, text + off, n, &err);
  }
  if (!rc && pt_gen_stream_done(&g)) {
    /* the stream is over: more bytes are not even read */
    pt_gen_result before;
    memcpy(&before, &r, sizeof r);
    if (pt_gen_stream_feed(&g, text, size, &err) || memcmp(&before, &r, sizeof r))
      abort();
  }
  if (!rc)
    rc = pt_gen_stream_finish(&g, &err);
  pt_gen_stream_free(&g);
  check(&r);
  if (rc == PT_OK && !r.done)
    abort();

  /* a NUL-terminated copy, as libcurl bodies in pt_buf are: pt_json_parse
   * (core/json.c) reads past len when the input is blank */
  char *copy = malloc(size + 1);
  if (!copy)
    return 0;
  memcpy(copy, text, size);
  copy[size] = '\0';
  pt_gen_result_init(&r);
  rc = pt_gen_parse_body(copy, size, "fuzz", &r, &err);
  free(copy);
  check(&r);
  if (rc == PT_OK && !r.done)
    abort();

  count whole = {0, 0}, cut = {0, 0};
  split(text, size, size ? size : 1, &whole);
  split(text, size, piece, &cut);
  if (whole.lines != cut.lines || whole.bytes != cut.bytes)
    abort();
  return 0;
}
