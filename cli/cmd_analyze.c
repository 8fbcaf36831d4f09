/* cli/cmd_analyze.c - `ptbench analyze`: trials in, statistics out. */
#include <stdlib.h>
#include <string.h>

#include "analyze/analysis.h"
#include "cli/analyze_opts.h"
#include "cli/cli.h"
#include "core/fs.h"
#include "core/msg.h"

static int run(int argc, char **argv);

const pt_command pt_cmd_analyze = {
    "analyze",
    "[options] INPUT...",
    "compute means, variance, confidence intervals, tests and penalties",
    "INPUT is a trials.csv, a run directory, a directory searched recursively\n"
    "for trials.csv files, or - for standard input. Warm-up and failed trials\n"
    "are left out and counted. The baseline is the environment 'bare-metal'\n"
    "when present, else the first one read. Formats: json (the analysis\n"
    "document, the default), md (the results table), csv (one row per model\n"
    "and environment), text (an aligned table and the summary). With -o, the\n"
    "format follows the file's extension unless --format is given, and the\n"
    "file is written whole or not at all. Validity warnings go to standard\n"
    "error in every format (not with --quiet); standard output holds only the\n"
    "format asked for.",
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
static pt_code render(const cJSON *doc, out_format fmt, pt_buf *out) {
  switch (fmt) {
  case FMT_MD:
    return pt_analysis_md(doc, out);
  case FMT_CSV:
    return pt_analysis_csv(doc, out);
  case FMT_TEXT:
    return pt_analysis_text(doc, out);
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

static int run(int argc, char **argv) {
  pt_analyze_cli a = PT_ANALYZE_CLI_INIT;
  const char *format = NULL, *output = NULL;
  const pt_option opts[] = {
      PT_ANALYZE_CLI_OPTIONS(&a),
      {'f', "format", PT_OPT_STRING, &format, "FMT",
       "json, md, csv or text (default: from -o's extension, else json)"},
      {'o', "out", PT_OPT_STRING, &output, "FILE", "write to FILE instead of standard output"},
      {0, "output", PT_OPT_STRING, &output, "FILE", "the same as --out"},
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
  else
    status = pt_analyze_cli_check(&pt_cmd_analyze, &a);
  if (status >= 0)
    goto done;
  if (!(doc = pt_analyze_cli_run(&a, argv + first, argc - first, &status)))
    goto done;
  if (render(doc, fmt, &out)) {
    pt_errorf("out of memory");
    status = PT_EXIT_FAILURE;
    goto done;
  }
  if (output) {
    if (pt_write_file_atomic(output, out.data, out.len, &err)) {
      status = pt_report(&err);
      goto done;
    }
    status = PT_EXIT_OK;
  } else {
    status = pt_write_stdout(out.data, out.len);
  }
done:
  pt_buf_free(&out);
  cJSON_Delete(doc);
  pt_analyze_cli_free(&a);
  return status;
}
