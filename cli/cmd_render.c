/* cli/cmd_render.c - `ptbench render`: an analysis.json in, a report
 * directory out (Markdown from Mustache templates, charts, the analysis). */
#include "analyze/doc.h"
#include "cli/cli.h"
#include "cli/render_opts.h"
#include "core/msg.h"

static int run(int argc, char **argv);

const pt_command pt_cmd_render = {
    "render",
    "[options] ANALYSIS.json",
    "render an analysis into a report directory: Markdown, charts, analysis.json",
    "ANALYSIS.json is the output of 'ptbench analyze' (schema " PT_DOC_SCHEMA_ID ";\n"
    "- reads standard input). The report directory gets README.md (the template\n"
    "named by --template), table.md (the results table), analysis.json, the\n"
    "charts METRIC-means.EXT and METRIC-penalty.EXT of each metric in each chart\n"
    "format of --formats, and index.html with html. It is\n"
    "built beside --out and renamed into place: on any failure the previous\n"
    "report stays as it was. --out may name a new or empty directory or a\n"
    "report ptbench made (its .ptbench-report marker lists every file in it);\n"
    "other directories, links, and a directory holding the input are refused.\n"
    "A template NAME is the file NAME.mustache, looked up in each --templates\n"
    "DIR, then in the installed templates, then in the source tree's\n"
    "templates/; partials resolve the same way, and a missing one renders\n"
    "empty with a warning.",
    run,
};

static int run(int argc, char **argv) {
  pt_render_cli r = PT_RENDER_CLI_INIT;
  const pt_option opts[] = {
      PT_RENDER_CLI_OPTIONS(&r),
      PT_OPT_TABLE_END,
  };
  int first, status = pt_parse_options(&pt_cmd_render, opts, argc, argv, &first);
  cJSON *doc = NULL;
  if (status >= 0)
    goto done;
  if (first >= argc)
    status = pt_usage_error(&pt_cmd_render, "no ANALYSIS.json given");
  else if (argc - first > 1)
    status = pt_usage_error(&pt_cmd_render, "too many arguments: '%s'", argv[first + 1]);
  else
    status = pt_render_cli_check(&pt_cmd_render, &r);
  if (status >= 0)
    goto done;

  const char *path = argv[first];
  pt_error err;
  pt_error_clear(&err);
  if (!(doc = pt_doc_load(path, &err))) {
    status = pt_report(&err);
    goto done;
  }
  status = pt_render_cli_write(&r, doc, NULL, 0, (const char *const *)argv + first, 1);
done:
  cJSON_Delete(doc);
  pt_render_cli_free(&r);
  return status;
}
