/* cli/render_opts.h - the options of `ptbench render` shared with
 * `ptbench report` (--template, --templates, --out, --formats), and the
 * one call both make to write the report directory.
 *
 * Use: `pt_render_cli r = PT_RENDER_CLI_INIT;`, PT_RENDER_CLI_OPTIONS(&r)
 * in the option table, pt_render_cli_check() after parsing, then
 * pt_render_cli_write(); pt_render_cli_free() last.
 */
#ifndef PT_RENDER_OPTS_H
#define PT_RENDER_OPTS_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "analyze/analysis.h"
#include "cli/cli.h"

typedef struct pt_render_cli {
  const char *template_name;  /* --template */
  const char *out;            /* --out */
  const char *formats;        /* --formats, as given */
  pt_strlist templates;       /* --templates DIR, repeatable */
  unsigned mask;              /* chart formats parsed by pt_render_cli_check */
  bool html;                  /* and whether html was among them */
} pt_render_cli;

/* The formats a report is written in unless told: PNG for Markdown viewers,
 * SVG for the HTML page (PDF on request: it is the slow one). */
#define PT_RENDER_DEFAULT_FORMATS "png,svg,html"
#define PT_RENDER_CLI_INIT {"report.md", "out/report", PT_RENDER_DEFAULT_FORMATS, {0}, 0, false}

#define PT_RENDER_CLI_OPTIONS(r)                                                             \
  {'t', "template", PT_OPT_STRING, &(r)->template_name, "NAME",                              \
   "template of README.md: report.md (default), article.md, or a file path"},                \
  {0, "templates", PT_OPT_LIST, &(r)->templates, "DIR",                                      \
   "look for templates and partials in DIR first (repeatable)"},                             \
  {'o', "out", PT_OPT_STRING, &(r)->out, "DIR",                                              \
   "report directory, replaced as a whole (default: out/report)"},                           \
  {0, "formats", PT_OPT_STRING, &(r)->formats, "LIST",                                       \
   "png, svg, pdf (charts) and html (index.html), comma-separated, or none "                 \
   "(default: " PT_RENDER_DEFAULT_FORMATS ")"}

/* Check the parsed values (--formats). Returns -1 when all is well, else
 * the exit status after printing the usage error for cmd. */
int pt_render_cli_check(const pt_command *cmd, pt_render_cli *r);

/* Write the report of analysis (render/report.h), made from the paths
 * inputs[0..ninputs) (which --out may not be or hold), with the trials of
 * its metrics when the caller has them (trials[0..ntrials), NULL for
 * none); warnings (a missing partial) and the closing "report written to
 * DIR" go to stderr unless --quiet. Returns the exit status; on failure
 * nothing is left behind. */
int pt_render_cli_write(const pt_render_cli *r, const cJSON *analysis,
                        pt_dataset *const *trials, size_t ntrials,
                        const char *const *inputs, size_t ninputs);

void pt_render_cli_free(pt_render_cli *r);

#endif
