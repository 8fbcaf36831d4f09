/* cli/cmd_report.c - `ptbench report`: analyze and render in one step. */
#include "cli/analyze_opts.h"
#include "cli/cli.h"
#include "cli/render_opts.h"
#include "core/msg.h"

static int run(int argc, char **argv);

const pt_command pt_cmd_report = {
    "report",
    "[options] [--out DIR] INPUT...",
    "analyze trials and render the report directory in one step",
    "The same as 'ptbench analyze INPUT... -o analysis.json' followed by\n"
    "'ptbench render analysis.json', without the intermediate file: INPUT is\n"
    "a trials.csv, a run directory, a directory searched recursively for\n"
    "trials.csv files, or - for standard input. Nothing is written to standard\n"
    "output. The report directory (see 'ptbench render --help') is built beside\n"
    "--out and renamed into place, so a failure leaves the previous one intact.",
    run,
};

static int run(int argc, char **argv) {
  pt_analyze_cli a = PT_ANALYZE_CLI_INIT_ALL;
  pt_render_cli r = PT_RENDER_CLI_INIT;
  const pt_option opts[] = {
      PT_ANALYZE_CLI_OPTIONS(&a),
      PT_RENDER_CLI_OPTIONS(&r),
      PT_OPT_TABLE_END,
  };
  int first, status = pt_parse_options(&pt_cmd_report, opts, argc, argv, &first);
  cJSON *doc = NULL;
  pt_dataset *sets[PT_METRIC_MAX];
  size_t nsets = 0;
  if (status >= 0)
    goto done;
  if (first >= argc)
    status = pt_usage_error(&pt_cmd_report, "no INPUT given");
  else if ((status = pt_analyze_cli_check(&pt_cmd_report, &a)) < 0)
    status = pt_render_cli_check(&pt_cmd_report, &r);
  if (status >= 0)
    goto done;
  /* the trials stay for the charts of every trial */
  if ((doc = pt_analyze_cli_run_keep(&a, argv + first, argc - first, sets, &nsets, &status)))
    status = pt_render_cli_write(&r, doc, sets, nsets, (const char *const *)argv + first,
                                 (size_t)(argc - first));
done:
  for (size_t i = 0; i < nsets; i++)
    pt_dataset_free(sets[i]);
  cJSON_Delete(doc);
  pt_analyze_cli_free(&a);
  pt_render_cli_free(&r);
  return status;
}
