/* tests/fuzz/fuzz_import.c - libFuzzer harness for the log importer's
 * parsers (collect/import.h).
 *
 * The whole input is parsed as an ollama-verbose log, an llm-benchmark log
 * and llama-bench output; every line is also cleaned and offered to the Go
 * duration parser. The parsers must return a code, never crash, leak or
 * overrun, and every block they return must hold only non-negative metrics
 * (llama-bench's: a prompt id, a duration, and a result that exists).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_blocks(const pt_import_log *log) {
  for (size_t i = 0; i < log->n; i++) {
    const pt_import_block *b = &log->blocks[i];
    if (b->total_duration_ns < -1 || b->load_duration_ns < -1 ||
        b->prompt_eval_count < -1 || b->prompt_eval_duration_ns < -1 ||
        b->eval_count < -1 || b->eval_duration_ns < -1 || b->line < 1)
      abort();
    if (b->prompt_id && (b->result < 0 || b->result >= cJSON_GetArraySize(log->results) ||
                         (b->eval_duration_ns <= 0 && b->prompt_eval_duration_ns <= 0 &&
                          b->total_duration_ns <= 0)))
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  static const pt_import_format formats[] = {PT_IMPORT_OLLAMA_VERBOSE, PT_IMPORT_LLM_BENCHMARK,
                                             PT_IMPORT_LLAMA_BENCH};
  for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
    pt_import_log log = {0};
    pt_error err;
    pt_error_clear(&err);
    pt_import_parse(formats[f], text, size, "fuzz.log", &log, &err);
    check_blocks(&log);
    pt_import_log_free(&log);
  }
  char *clean = malloc(size + 1);
  if (!clean)
    return 0;
  for (size_t pos = 0; pos < size;) {
    const char *nl = memchr(text + pos, '\n', size - pos);
    size_t len = nl ? (size_t)(nl - (text + pos)) : size - pos;
    int64_t ns;
    pt_go_duration_parse(text + pos, len, &ns);
    size_t n = pt_import_clean_line(text + pos, len, clean);
    if (n > len || clean[n] != '\0')
      abort();
    pt_go_duration_parse(clean, n, &ns);
    pos += len + 1;
  }
  free(clean);
  return 0;
}
