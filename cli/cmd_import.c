/* cli/cmd_import.c - `ptbench import`: turn `ollama run --verbose` output,
 * llm-benchmark logs or llama.cpp's llama-bench results into a run directory
 * (collect/import.h does the work). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "collect/import.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/msg.h"

static int run(int argc, char **argv);

const pt_command pt_cmd_import = {
    "import",
    "--format ollama-verbose|llm-benchmark|llama-bench --env NAME [options] LOG...",
    "turn existing benchmark logs or llama-bench results into a run directory",
    "Each statistics block that `ollama run --verbose` prints (total duration,\n"
    "load duration, prompt eval count/duration/rate, eval count/duration/rate)\n"
    "becomes one trial. ollama-verbose logs take the model from a\n"
    "'model_name = M' line or an echoed 'ollama run MODEL' command line, and\n"
    "their trials have no prompt id. llm-benchmark logs\n"
    "(log_YYYY-MM-DD-HHMMSS.log) name the model on their 'model_name =' line,\n"
    "and their prompts become prompt-1, prompt-2, ... in file order.\n"
    "llama-bench files are what `llama-bench -o json` or `-o jsonl` prints:\n"
    "each of a result's samples_ns is a trial, its test (pp512, tg128, ...)\n"
    "the prompt id, its model file's name the model; a tg test gives\n"
    "eval_rate, a pp test prompt_eval_rate (analyze --metric prompt_eval_rate),\n"
    "a pp+tg test total_duration_ns. --model overrides the logs. Trials are\n"
    "numbered 1, 2, ... per model and prompt in the order of the logs. An\n"
    "existing trials.csv is never overwritten, and nothing is written unless\n"
    "every log parses. See docs/import.md.",
    run,
};

/* "YYYYMMDDTHHMMSSZ-xxxxxxxx" from the clock and 32 random bits. */
static void make_run_id(const struct timespec *now, char *buf, size_t size) {
  struct tm tm;
  uint32_t r = 0;
  if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
    r = (uint32_t)now->tv_nsec ^ ((uint32_t)getpid() << 16);
  gmtime_r(&now->tv_sec, &tm);
  snprintf(buf, size, "%04d%02d%02dT%02d%02d%02dZ-%08lx", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned long)r);
}

static void iso_now(const struct timespec *now, char *buf, size_t size) {
  struct tm tm;
  gmtime_r(&now->tv_sec, &tm);
  snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           now->tv_nsec / 1000000);
}

static int run(int argc, char **argv) {
  const char *format = NULL, *env = NULL, *model = NULL, *label = NULL, *out = NULL;
  const pt_option opts[] = {
      {'f', "format", PT_OPT_STRING, &format, "FORMAT",
       "log format: ollama-verbose, llm-benchmark or llama-bench (required)"},
      {'e', "env", PT_OPT_STRING, &env, "NAME", "environment the logs were made in (required)"},
      {'m', "model", PT_OPT_STRING, &model, "MODEL",
       "model of every trial (default: named in the log)"},
      {0, "label", PT_OPT_STRING, &label, "TEXT", "display label kept in manifest.json"},
      {'o', "out", PT_OPT_STRING, &out, "DIR", "run directory to create (default: results/NAME)"},
      PT_OPT_TABLE_END,
  };
  int first;
  int st = pt_parse_options(&pt_cmd_import, opts, argc, argv, &first);
  if (st >= 0)
    return st;
  pt_import_options o = {0};
  if (!format)
    return pt_usage_error(&pt_cmd_import, "--format is required (%s)", pt_import_format_names);
  if (!pt_import_format_parse(format, &o.format))
    return pt_usage_error(&pt_cmd_import, "unknown format '%s' (%s)", format,
                          pt_import_format_names);
  if (!env || !*env)
    return pt_usage_error(&pt_cmd_import, "--env NAME is required");
  if (model && !*model)
    return pt_usage_error(&pt_cmd_import, "--model must not be empty");
  if (first >= argc)
    return pt_usage_error(&pt_cmd_import, "no log files given");
  char *def_out = NULL;
  if (!out) {
    if (strchr(env, '/') || !strcmp(env, ".") || !strcmp(env, ".."))
      return pt_usage_error(&pt_cmd_import,
                            "environment '%s' cannot name a directory; give --out", env);
    def_out = pt_path_join("results", env);
    if (!def_out) {
      pt_errorf("out of memory");
      return PT_EXIT_FAILURE;
    }
    out = def_out;
  } else if (!*out) {
    return pt_usage_error(&pt_cmd_import, "--out must not be empty");
  }

  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  char run_id[64], imported_at[40];
  make_run_id(&now, run_id, sizeof run_id);
  iso_now(&now, imported_at, sizeof imported_at);
  o.environment = env;
  o.model = model;
  o.label = label;
  o.out_dir = out;
  o.run_id = run_id;
  o.imported_at = imported_at;
  o.files = (const char *const *)(argv + first);
  o.nfiles = (size_t)(argc - first);

  pt_error err;
  pt_error_clear(&err);
  size_t n = 0;
  pt_code rc = pt_import_run(&o, &n, &err);
  if (rc) {
    st = pt_report(&err);
  } else {
    pt_notef("imported %zu trial%s from %zu log%s into %s", n, n == 1 ? "" : "s", o.nfiles,
             o.nfiles == 1 ? "" : "s", out);
    st = PT_EXIT_OK;
  }
  free(def_out);
  return st;
}
