/* cli/render_opts.c - the report options shared by `render` and `report`
 * (cli/render_opts.h). */
#include <string.h>

#include "cli/render_opts.h"
#include "core/msg.h"
#include "render/chart.h"
#include "render/report.h"

int pt_render_cli_check(const pt_command *cmd, pt_render_cli *r) {
  if (!*r->out)
    return pt_usage_error(cmd, "--out wants a directory");
  if (!strcmp(r->formats, "none")) {
    r->mask = 0;
    return -1;
  }
  pt_error err;
  pt_error_clear(&err);
  if (pt_chart_formats_parse(r->formats, &r->mask, &err))
    return pt_usage_error(cmd, "--formats: %s", err.msg);
  return -1;
}

static void warn(void *ctx, const char *msg) {
  (void)ctx;
  pt_warnf("%s", msg);
}

int pt_render_cli_write(const pt_render_cli *r, const cJSON *analysis,
                        const char *const *inputs, size_t ninputs) {
  pt_report_opts o;
  pt_report_opts_init(&o);
  o.template_name = r->template_name;
  o.template_dirs = r->templates.items;
  o.ntemplate_dirs = r->templates.n;
  o.chart_formats = r->mask;
  o.warn = warn;
  o.inputs = inputs;
  o.ninputs = ninputs;
  pt_error err;
  pt_error_clear(&err);
  if (pt_report_write(analysis, &o, r->out, &err))
    return pt_report(&err);
  pt_notef("report written to %s", r->out);
  return PT_EXIT_OK;
}

void pt_render_cli_free(pt_render_cli *r) { pt_strlist_free(&r->templates); }
