/* cli/cmd_analyze.c - `ptbench analyze`: trials in, statistics out. */
#include <stdlib.h>
#include <string.h>

#include "analyze/analysis.h"
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
    "and environment), text (an aligned table with the warnings). With -o, the\n"
    "format follows the file's extension unless --format is given, and the\n"
    "file is written whole or not at all.",
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

/* Parse --label NAME=TEXT options into labels (which point into argv). */
static int parse_labels(const pt_strlist *in, pt_label **out) {
  *out = calloc(in->n ? in->n : 1, sizeof **out);
  if (!*out) {
    pt_errorf("out of memory");
    return PT_EXIT_FAILURE;
  }
  for (size_t i = 0; i < in->n; i++) {
    const char *eq = strchr(in->items[i], '=');
    if (!eq || eq == in->items[i])
      return pt_usage_error(&pt_cmd_analyze, "--label wants NAME=TEXT, got '%s'", in->items[i]);
    /* the name is cut out of argv's copy in place */
    *(char *)eq = '\0';
    (*out)[i].name = in->items[i];
    (*out)[i].text = eq + 1;
  }
  return -1;
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
  const char *baseline = NULL, *metric_name = "eval_rate", *format = NULL, *output = NULL,
             *test = "welch";
  double confidence = 0.95, alpha = 0.05;
  bool drop_outliers = false;
  pt_strlist labels = {0};
  const pt_option opts[] = {
      {'b', "baseline", PT_OPT_STRING, &baseline, "ENV",
       "environment the others are compared with (default: bare-metal, else the first)"},
      {'m', "metric", PT_OPT_STRING, &metric_name, "NAME",
       "eval_rate (default), prompt_eval_rate, ttft_ns, wall_ns, load_duration_ns, "
       "total_duration_ns"},
      {'c', "confidence", PT_OPT_DOUBLE, &confidence, "P",
       "confidence level of the intervals (default: 0.95)"},
      {0, "alpha", PT_OPT_DOUBLE, &alpha, "A", "significance level of the tests (default: 0.05)"},
      {0, "test", PT_OPT_STRING, &test, "NAME",
       "test that decides significance: welch (default) or mann-whitney"},
      {0, "drop-outliers", PT_OPT_FLAG, &drop_outliers, NULL,
       "leave out trials more than 10 robust standard deviations from the median"},
      {'l', "label", PT_OPT_LIST, &labels, "NAME=TEXT",
       "display label of an environment (default: the manifest's label, else the name)"},
      {'f', "format", PT_OPT_STRING, &format, "FMT",
       "json, md, csv or text (default: from -o's extension, else json)"},
      {'o', "output", PT_OPT_STRING, &output, "FILE", "write to FILE instead of standard output"},
      PT_OPT_TABLE_END,
  };
  int first, status = pt_parse_options(&pt_cmd_analyze, opts, argc, argv, &first);
  pt_label *lab = NULL;
  pt_dataset *ds = NULL;
  cJSON *doc = NULL;
  pt_buf out = PT_BUF_INIT;
  pt_error err;
  pt_error_clear(&err);
  if (status >= 0)
    goto done;

  const pt_metric *metric = pt_metric_find(metric_name);
  out_format fmt = format_from_path(output);
  if (first >= argc)
    status = pt_usage_error(&pt_cmd_analyze, "no INPUT given");
  else if (!metric)
    status = pt_usage_error(&pt_cmd_analyze, "unknown metric '%s' (known: %s)", metric_name,
                            pt_metric_names);
  else if (format && !parse_format(format, &fmt))
    status = pt_usage_error(&pt_cmd_analyze, "unknown format '%s' (known: json, md, csv, text)",
                            format);
  else if (!(confidence > 0 && confidence < 1))
    status = pt_usage_error(&pt_cmd_analyze, "--confidence must be between 0 and 1, got %g",
                            confidence);
  else if (!(alpha > 0 && alpha < 1))
    status = pt_usage_error(&pt_cmd_analyze, "--alpha must be between 0 and 1, got %g", alpha);
  else if (strcmp(test, "welch") && strcmp(test, "mann-whitney"))
    status = pt_usage_error(&pt_cmd_analyze, "unknown test '%s' (known: welch, mann-whitney)",
                            test);
  else
    status = parse_labels(&labels, &lab);
  if (status >= 0)
    goto done;

  if (!(ds = pt_dataset_new(metric))) {
    pt_errorf("out of memory");
    status = PT_EXIT_FAILURE;
    goto done;
  }
  for (int i = first; i < argc; i++)
    if (pt_dataset_add(ds, argv[i], &err)) {
      status = pt_report(&err);
      goto done;
    }
  pt_analyze_opts ao;
  pt_analyze_opts_init(&ao);
  ao.baseline = baseline;
  ao.confidence = confidence;
  ao.alpha = alpha;
  ao.mann_whitney = !strcmp(test, "mann-whitney");
  ao.drop_outliers = drop_outliers;
  ao.labels = lab;
  ao.nlabels = labels.n;
  if (!(doc = pt_analyze(ds, &ao, &err))) {
    status = pt_report(&err);
    goto done;
  }
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
  } else {
    fwrite(out.data, 1, out.len, stdout);
  }
  status = PT_EXIT_OK;
done:
  pt_buf_free(&out);
  cJSON_Delete(doc);
  pt_dataset_free(ds);
  free(lab);
  pt_strlist_free(&labels);
  return status;
}
