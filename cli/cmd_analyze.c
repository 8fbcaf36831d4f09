/* cli/cmd_analyze.c - `ptbench analyze`: trials in, statistics out. */
#include <stdlib.h>
#include <string.h>

#include "analyze/analysis.h"
#include "cli/analyze_opts.h"
#include "cli/cli.h"
#include "collect/manifest.h"
#include "core/fs.h"
#include "core/msg.h"

static int run(int argc, char **argv);

const pt_command pt_cmd_analyze = {
    "analyze",
    "[options] INPUT...",
    "compute means, variance, confidence intervals, tests and penalties",
    "INPUT is a trials.csv, a run directory, a directory searched recursively\n"
    "for trials.csv files, or - for standard input; NAME=PATH counts the rows\n"
    "of PATH as environment NAME (an existing path, or one with a '/' before\n"
    "the '=', is always a path: ./a=b). Warm-up and failed trials are left out\n"
    "and counted. A session is a run_id (without one: an input file's rows of\n"
    "one environment); verdicts come from the session model, and with one\n"
    "session per environment they are undetermined: collect at least 3\n"
    "sessions per environment, alternating A B A B. The baseline is the\n"
    "environment 'bare-metal' when present, else the first one read. Formats:\n"
    "json (the analysis document, the default), md (the results table), csv\n"
    "(one row per model and environment), text (an aligned table, the summary\n"
    "and what an undetermined verdict means); --by prompt gives md, csv and\n"
    "text one row per model and prompt instead. With -o, the format follows\n"
    "the file's extension unless --format is given, and a file is written\n"
    "whole or not at all (a link is written through, a device or FIFO such as\n"
    "/dev/null straight to; -o is never an input, nor a trials.csv or\n"
    "manifest.json read with one). Validity warnings go to standard error in every\n"
    "format (not with --quiet); standard output holds only the format asked\n"
    "for.",
    run,
};

typedef enum { FMT_JSON, FMT_MD, FMT_CSV, FMT_TEXT } out_format;

static bool parse_format(const char *s, out_format *f) {
  static const char *const names[] = {"json", "md", "csv", "text"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcmp(s, names[i])) {
      *f = (out_format)i;
      return true;
    }
  return false;
}

static out_format format_from_path(const char *path) {
  const char *dot = path ? strrchr(path, '.') : NULL;
  out_format f = FMT_JSON;
  if (dot && !strcmp(dot, ".md"))
    f = FMT_MD;
  else if (dot && !strcmp(dot, ".csv"))
    f = FMT_CSV;
  else if (dot && !strcmp(dot, ".txt"))
    f = FMT_TEXT;
  return f;
}

/* Everything a format writes goes to one buffer, then to stdout or -o. */
static pt_code render(const cJSON *doc, out_format fmt, bool by_prompt, pt_buf *out) {
  switch (fmt) {
  case FMT_MD:
    return by_prompt ? pt_analysis_prompts_md(doc, out) : pt_analysis_md(doc, out);
  case FMT_CSV:
    return by_prompt ? pt_analysis_prompts_csv(doc, out) : pt_analysis_csv(doc, out);
  case FMT_TEXT:
    return by_prompt ? pt_analysis_prompts_text(doc, out) : pt_analysis_text(doc, out);
  case FMT_JSON:
    break;
  }
  char *s = cJSON_Print(doc);
  if (!s)
    return PT_ENOMEM;
  pt_code rc = pt_buf_puts(out, s);
  cJSON_free(s);
  return rc ? rc : pt_buf_putc(out, '\n');
}

/* -o must not be a file the analysis reads: an INPUT (PATH of NAME=PATH),
 * a trials.csv or manifest.json below an input directory, or the
 * manifest.json beside an input file. Returns -1, or the exit status after
 * the error. */
static int check_output(const char *output, char *const *args, int n) {
  const char **paths = calloc((size_t)n + 1, sizeof *paths);
  if (!paths) {
    pt_errorf("out of memory");
    return PT_EXIT_FAILURE;
  }
  for (int i = 0; i < n; i++) {
    char name[256];
    pt_input_split(args[i], &paths[i], name, sizeof name);
  }
  static const char *const in_dirs[] = {"trials.csv", PT_MANIFEST_FILE, NULL};
  static const char *const beside[] = {PT_MANIFEST_FILE, NULL};
  pt_error err;
  pt_error_clear(&err);
  int status = -1;
  if (pt_output_check_inputs(output, paths, (size_t)n, in_dirs, beside, &err))
    status = pt_report(&err);
  free(paths);
  return status;
}

static int run(int argc, char **argv) {
  pt_analyze_cli a = PT_ANALYZE_CLI_INIT;
  const char *format = NULL, *output = NULL, *by = "model";
  const pt_option opts[] = {
      PT_ANALYZE_CLI_OPTIONS(&a),
      {'f', "format", PT_OPT_STRING, &format, "FMT",
       "json, md, csv or text (default: from -o's extension, else json)"},
      {'o', "out", PT_OPT_STRING, &output, "FILE", "write to FILE instead of standard output"},
      {0, "output", PT_OPT_STRING, &output, "FILE", "the same as --out"},
      {0, "by", PT_OPT_STRING, &by, "WHAT",
       "rows of md, csv and text: model (default) or prompt (per-prompt penalties)"},
      PT_OPT_TABLE_END,
  };
  int first, status = pt_parse_options(&pt_cmd_analyze, opts, argc, argv, &first);
  cJSON *doc = NULL;
  pt_buf out = PT_BUF_INIT;
  pt_error err;
  pt_error_clear(&err);
  if (status >= 0)
    goto done;

  out_format fmt = format_from_path(output);
  if (first >= argc)
    status = pt_usage_error(&pt_cmd_analyze, "no INPUT given");
  else if (format && !parse_format(format, &fmt))
    status = pt_usage_error(&pt_cmd_analyze, "unknown format '%s' (known: json, md, csv, text)",
                            format);
  else if (strcmp(by, "model") && strcmp(by, "prompt"))
    status = pt_usage_error(&pt_cmd_analyze, "--by wants model or prompt, got '%s'", by);
  else
    status = pt_analyze_cli_check(&pt_cmd_analyze, &a);
  if (status < 0 && output && !*output)
    status = pt_usage_error(&pt_cmd_analyze, "--out must not be empty");
  if (status < 0 && output)
    status = check_output(output, argv + first, argc - first);
  if (status >= 0)
    goto done;
  if (!(doc = pt_analyze_cli_run(&a, argv + first, argc - first, &status)))
    goto done;
  if (render(doc, fmt, !strcmp(by, "prompt"), &out)) {
    pt_errorf("out of memory");
    status = PT_EXIT_FAILURE;
    goto done;
  }
  if (output && !pt_is_stdout(output)) {
    status = pt_write_output(output, out.data, out.len, &err) ? pt_report(&err) : PT_EXIT_OK;
  } else {
    status = pt_write_stdout(out.data, out.len);
  }
done:
  pt_buf_free(&out);
  cJSON_Delete(doc);
  pt_analyze_cli_free(&a);
  return status;
}
