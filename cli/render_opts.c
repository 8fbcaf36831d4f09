/* cli/render_opts.c - the report options shared by `render` and `report`
 * (cli/render_opts.h). */
#include <string.h>
#include <strings.h>

#include "cli/render_opts.h"
#include "core/buf.h"
#include "core/msg.h"
#include "render/chart.h"
#include "render/report.h"

int pt_render_cli_check(const pt_command *cmd, pt_render_cli *r) {
  if (!*r->out)
    return pt_usage_error(cmd, "--out wants a directory");
  r->mask = 0;
  r->html = false;
  if (!strcmp(r->formats, "none"))
    return -1;
  /* html is the page; the rest are chart formats (render/chart.h) */
  pt_buf charts = PT_BUF_INIT;
  const char *p = r->formats;
  int status = -1;
  for (;;) {
    size_t len = strcspn(p, ",");
    size_t a = 0, z = len;
    while (a < z && p[a] == ' ')
      a++;
    while (z > a && p[z - 1] == ' ')
      z--;
    if (z - a == 4 && !strncasecmp(p + a, "html", 4))
      r->html = true;
    else if (pt_buf_printf(&charts, "%s%.*s", charts.len ? "," : "", (int)len, p))
      status = pt_usage_error(cmd, "out of memory");
    if (!p[len])
      break;
    p += len + 1;
  }
  pt_error err;
  pt_error_clear(&err);
  if (status < 0 && (charts.len || !r->html) &&
      pt_chart_formats_parse(charts.data ? charts.data : "", &r->mask, &err))
    status = pt_usage_error(cmd, "--formats: %s", err.msg);
  pt_buf_free(&charts);
  return status;
}

static void warn(void *ctx, const char *msg) {
  (void)ctx;
  pt_warnf("%s", msg);
}

int pt_render_cli_write(const pt_render_cli *r, const cJSON *analysis,
                        pt_dataset *const *trials, size_t ntrials,
                        const char *const *inputs, size_t ninputs) {
  pt_report_opts o;
  pt_report_opts_init(&o);
  o.template_name = r->template_name;
  o.template_dirs = r->templates.items;
  o.ntemplate_dirs = r->templates.n;
  o.chart_formats = r->mask;
  o.html = r->html;
  o.trials = trials;
  o.ntrials = ntrials;
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
