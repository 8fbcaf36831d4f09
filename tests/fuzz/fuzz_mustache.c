/* tests/fuzz/fuzz_mustache.c - libFuzzer harness for the Mustache engine.
 *
 * Input: an optional JSON view, a line "%%", then the template; without the
 * "\n%%\n" separator the whole input is the template and a fixed view is
 * used. Partials: "self" is the template itself (recursion), "p" a fixed
 * template with sections and indentation, "input" the raw input, any other
 * name is missing. Output is capped at 1 MiB. The engine must return a code,
 * never crash, leak or overrun.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "render/mustache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fuzz_ctx {
  const char *tmpl, *input;
  size_t tlen, ilen;
} fuzz_ctx;

static const char fixed_view[] =
    "{\"name\":\"a&b\",\"n\":1.5,\"z\":0,\"t\":true,\"f\":false,\"nil\":null,"
    "\"list\":[1,\"two\",{\"name\":\"three\",\"list\":[]}],"
    "\"obj\":{\"name\":\"<o>\",\"deep\":{\"x\":\"y\"}}}";

static const char fixed_partial[] = "  {{#list}}\n  - {{name}}{{.}}\n  {{/list}}\n{{>self}}";

static pt_code fuzz_partial(void *ctx, const char *name, const pt_mustache_loc *at,
                            pt_mustache_partial *out, pt_error *err) {
  (void)at;
  (void)err;
  const fuzz_ctx *f = ctx;
  const char *src = NULL;
  size_t len = 0;
  if (!strcmp(name, "self"))
    src = f->tmpl, len = f->tlen;
  else if (!strcmp(name, "p"))
    src = fixed_partial, len = sizeof fixed_partial - 1;
  else if (!strcmp(name, "input"))
    src = f->input, len = f->ilen;
  if (!src)
    return PT_OK;
  out->text = malloc(len ? len : 1);
  if (!out->text)
    return PT_ENOMEM;
  if (len)
    memcpy(out->text, src, len);
  out->len = len;
  return PT_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *in = (const char *)data;
  fuzz_ctx f = {in, in, size, size};
  cJSON *view = NULL;
  for (size_t i = 0; i + 4 <= size; i++)
    if (!memcmp(in + i, "\n%%\n", 4)) {
      view = pt_json_parse(in, i, "view", NULL);
      f.tmpl = in + i + 4;
      f.tlen = size - i - 4;
      break;
    }
  if (!view)
    view = cJSON_Parse(fixed_view);
  pt_buf out;
  pt_buf_init(&out, 1 << 20);
  pt_error err;
  pt_error_clear(&err);
  pt_code rc = pt_mustache_render(f.tmpl, f.tlen, "fuzz", view, fuzz_partial, &f, &out, &err);
  if (rc != PT_OK && (err.code != rc || !err.msg[0]))
    abort(); /* every failure must say what went wrong */
  pt_buf_free(&out);
  cJSON_Delete(view);
  return 0;
}
