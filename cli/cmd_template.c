/* cli/cmd_template.c - `ptbench template`: render one Mustache template file
 * against a JSON data file and write the result to stdout, byte for byte
 * (nothing added, not even a final newline). A way to try a template, or to
 * use ptbench's engine from scripts and other tools.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/msg.h"
#include "render/mustache.h"

#define TEMPLATE_MAX ((size_t)64 << 20) /* bytes in a template or partial */

typedef struct partial_dir {
  const char *dir;
} partial_dir;

/* {{>name}} is DIR/name.mustache; a missing file is a warning, and the
 * partial renders as "" (Mustache spec). Other read errors stop the render. */
static pt_code load_partial(void *ctx, const char *name, const pt_mustache_loc *at,
                            pt_mustache_partial *out, pt_error *err) {
  const partial_dir *pd = ctx;
  size_t n = strlen(name) + sizeof ".mustache";
  char *file = malloc(n);
  if (!file)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  snprintf(file, n, "%s.mustache", name);
  char *path = pt_path_join(pd->dir, file);
  free(file);
  if (!path)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  pt_buf b = PT_BUF_INIT;
  pt_code rc = pt_read_file(path, TEMPLATE_MAX, &b, err);
  if (rc == PT_ENOTFOUND || (rc == PT_EIO && pt_is_dir(path))) {
    pt_warnf("missing partial '%s' (%s:%ld:%ld): no file '%s'", name, at->template_name,
             at->line, at->column, path);
    pt_error_clear(err);
    pt_buf_free(&b);
    free(path);
    return PT_OK;
  }
  if (rc) {
    pt_buf_free(&b);
    free(path);
    return rc;
  }
  out->text = pt_buf_detach(&b, &out->len);
  out->source = path;
  return out->text ? PT_OK : pt_error_set(err, PT_ENOMEM, "out of memory");
}

static int run(int argc, char **argv);

const pt_command pt_cmd_template = {
    "template",
    "[options] TEMPLATE [DATA.json]",
    "render a Mustache template with JSON data to standard output",
    "TEMPLATE is rendered against DATA.json (default: an empty object; '-' reads\n"
    "it from standard input) and written to standard output exactly as rendered:\n"
    "nothing is added, not even a final newline. A partial {{>name}} is the file\n"
    "DIR/name.mustache, DIR being --partials or else the template's directory;\n"
    "a missing partial renders as nothing, with a warning. Templates follow the\n"
    "Mustache spec (no lambdas). The output is capped at 256 MiB (exit 1), and a\n"
    "render at 16777216 steps, tags and texts visited (exit 3).",
    run,
};

static int run(int argc, char **argv) {
  const char *partials = NULL;
  const pt_option opts[] = {
      {0, "partials", PT_OPT_STRING, &partials, "DIR",
       "where {{>name}} finds name.mustache (default: beside TEMPLATE)"},
      PT_OPT_TABLE_END,
  };
  int first, st = pt_parse_options(&pt_cmd_template, opts, argc, argv, &first);
  if (st >= 0)
    return st;
  int nops = argc - first;
  if (nops < 1)
    return pt_usage_error(&pt_cmd_template, "missing TEMPLATE");
  if (nops > 2)
    return pt_usage_error(&pt_cmd_template, "too many arguments: '%s'", argv[first + 2]);
  const char *tpath = argv[first], *dpath = nops == 2 ? argv[first + 1] : NULL;
  if (!strcmp(tpath, "-") && dpath && !strcmp(dpath, "-"))
    return pt_usage_error(&pt_cmd_template, "TEMPLATE and DATA cannot both be '-'");

  pt_error err;
  pt_error_clear(&err);
  pt_buf tmpl = PT_BUF_INIT, out;
  pt_buf_init(&out, PT_MUSTACHE_OUTPUT_MAX);  /* as render's: "output larger than N bytes" */
  cJSON *view = NULL;
  char *dir = NULL;
  int status = PT_EXIT_OK;
  if (pt_read_file(tpath, TEMPLATE_MAX, &tmpl, &err)) {
    status = pt_report(&err);
    goto done;
  }
  view = dpath ? pt_json_read_file(dpath, 0, &err) : cJSON_CreateObject();
  if (!view) {
    if (!dpath)
      pt_error_set(&err, PT_ENOMEM, "out of memory");
    status = pt_report(&err);
    goto done;
  }
  dir = partials ? strdup(partials) : pt_path_dir(strcmp(tpath, "-") ? tpath : "./-");
  if (!dir) {
    pt_errorf("out of memory");
    status = PT_EXIT_FAILURE;
    goto done;
  }
  partial_dir pd = {dir};
  if (pt_mustache_render(tmpl.data, tmpl.len, strcmp(tpath, "-") ? tpath : "<stdin>", view,
                         load_partial, &pd, &out, &err)) {
    status = pt_report(&err);
    goto done;
  }
  status = pt_write_stdout(out.data, out.len);
done:
  pt_buf_free(&tmpl);
  pt_buf_free(&out);
  cJSON_Delete(view);
  free(dir);
  return status;
}
