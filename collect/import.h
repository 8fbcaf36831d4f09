/* collect/import.h - `ptbench import`: existing benchmark logs to a run
 * directory (trials.csv + manifest.json), the same shape `collect` writes.
 *
 * Two log formats are read:
 *  - ollama-verbose: what `ollama run MODEL --verbose` prints to stderr after
 *    each reply, a block of `key: value` lines (OLLAMA.md). Every block is one
 *    trial. A block starts at `total duration:`, at the first statistics line
 *    after any other line, or at a key the current block already has. Lines
 *    whose key is not a statistics key (the model's text, prompts) are
 *    skipped; statistics lines are parsed strictly, nothing is guessed.
 *  - llm-benchmark: the per-model log files of PyPI llm-benchmark
 *    (aidatatools/ollama-benchmark, llm_benchmark/run_benchmark.py): a line
 *    `model_name =    M`, the raw `--verbose` stderr of each prompt's run, and
 *    a closing line of dashes. Each block is one prompt, numbered prompt-1,
 *    prompt-2, ... in the order of the file, starting again at every
 *    `model_name` line.
 * ANSI escape sequences, carriage returns and the braille spinner characters
 * Ollama draws while it waits are removed from every line before parsing.
 *  - llama-bench: what llama.cpp's `llama-bench -o json` (an array of result
 *    objects) or `-o jsonl` (one object per line) prints (ggml-org/llama.cpp
 *    tools/llama-bench). A result is one test of one model with one set of
 *    settings; each of its `samples_ns` (one per repetition) is one trial:
 *    a tg test's tokens and duration are the generation's (eval_count,
 *    eval_duration_ns), a pp test's the prompt's (prompt_eval_count,
 *    prompt_eval_duration_ns), a pp+tg test's duration is total_duration_ns.
 *    The test, named as llama-bench names it ("pp512", "tg128",
 *    "pp512+tg128", "tg128 @ d512"), is the prompt id; when the results of
 *    one import differ in a setting (n_gpu_layers, n_threads, ...), the
 *    prompt id also names it ("tg128 n_gpu_layers=99") so that different
 *    settings are never pooled. `samples_ts` must agree with the rate the
 *    duration gives (llama-bench prints it to 6 significant digits).
 *
 * Durations are Go's time.Duration notation, parsed by pt_go_duration_parse
 * exactly as Go's time.ParseDuration accepts them.
 */
#ifndef PT_IMPORT_H
#define PT_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "core/error.h"

typedef enum {
  PT_IMPORT_OLLAMA_VERBOSE,
  PT_IMPORT_LLM_BENCHMARK,
  PT_IMPORT_LLAMA_BENCH,
} pt_import_format;

/* The format names, for messages: "ollama-verbose, llm-benchmark or ..." */
extern const char pt_import_format_names[];

/* "ollama-verbose", "llm-benchmark" or "llama-bench". */
const char *pt_import_format_name(pt_import_format f);
/* Returns false for an unknown name. */
bool pt_import_format_parse(const char *name, pt_import_format *out);

/* Parse len bytes of a Go duration ("5.043500667s", "1m2.5s", "850µs", "0")
 * into nanoseconds, giving exactly what Go's time.ParseDuration gives (sign
 * included, sub-nanosecond fractions truncated). Exact, with no floating
 * point error, for every duration Go's Duration.String() prints. Returns
 * false when s is not a duration or does not fit in int64 nanoseconds; *ns
 * is then untouched. */
bool pt_go_duration_parse(const char *s, size_t len, int64_t *ns);

/* One statistics block, or one llama-bench sample: one trial. Integer
 * metrics are PT_MISSING (-1) and rates NAN when the line is absent (Ollama
 * prints only values above zero). */
typedef struct pt_import_block {
  long line;                 /* 1-based line where the block (llama-bench: its result) starts */
  char *model;               /* model named in the log before it, or NULL; owned */
  long prompt_no;            /* llm-benchmark: 1-based prompt in its model section; else 0 */
  char *prompt_id;           /* llama-bench: the test, e.g. "tg128"; else NULL; owned */
  long result;               /* llama-bench: index of its result in the log's results */
  int64_t total_duration_ns, load_duration_ns;
  int64_t prompt_eval_count, prompt_eval_duration_ns;
  int64_t eval_count, eval_duration_ns;
  double prompt_eval_rate, eval_rate;  /* as printed, tokens/s */
} pt_import_block;

typedef struct pt_import_log {
  pt_import_block *blocks;
  size_t n, cap;
  cJSON *results;  /* llama-bench: every result read, in order, without its
                      samples, with "file" and "line" added; NULL before the
                      first; owned */
} pt_import_log;

/* Parse one log held in data[0..len) and append its blocks to log (path
 * names it in messages). Fails with PT_EDATA at path:line for a malformed
 * statistics line or llama-bench result (PT_EPARSE at line:column for JSON
 * that does not parse), and at path for a log without any block; blocks
 * appended before a failure stay in log. PT_ENOMEM when out of memory. */
pt_code pt_import_parse(pt_import_format fmt, const char *data, size_t len,
                        const char *path, pt_import_log *log, pt_error *err);

/* Free the blocks; the log becomes empty and reusable. NULL is a no-op. */
void pt_import_log_free(pt_import_log *log);

/* Remove ANSI escape sequences, braille spinner characters (U+2800-U+28FF)
 * and other control characters from line[0..len), turn tabs and carriage
 * returns into spaces and trim the ends. Writes to out (at least len + 1
 * bytes, NUL-terminated) and returns the cleaned length. */
size_t pt_import_clean_line(const char *line, size_t len, char *out);

typedef struct pt_import_options {
  pt_import_format format;
  const char *environment;   /* required */
  const char *model;         /* overrides any model named in the logs; may be NULL */
  const char *label;         /* manifest "label"; NULL writes null */
  const char *out_dir;       /* required: the run directory to create */
  const char *run_id;        /* required */
  const char *imported_at;   /* ISO 8601 UTC, manifest "imported_at" */
  const char *const *files;  /* the logs, in order ("-" = stdin) */
  size_t nfiles;
} pt_import_options;

/* Read every log, then build out_dir/trials.csv and out_dir/manifest.json in
 * a temporary directory beside out_dir and move them into place, so a failure
 * leaves nothing behind. Refuses (PT_EUSAGE) an out_dir that already holds
 * trials.csv or manifest.json, and a block whose model is neither given nor
 * named in its log. *ntrials (may be NULL) gets the number of rows written.
 * Parse errors as pt_import_parse; I/O errors name the path. */
pt_code pt_import_run(const pt_import_options *o, size_t *ntrials, pt_error *err);

#endif
