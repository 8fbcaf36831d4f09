/* tests/unit/test_mustache_spec.c - runs every case of the public Mustache
 * spec (github.com/mustache/spec, the specs/ JSON files, copied into
 * $PTBENCH_SHARED/testdata/mustache-spec/) through render/mustache.c.
 *
 * Each case is one cmocka test named "file: case", with the spec's data,
 * template, partials and expected output; the expected strings are the
 * spec's own, independent of this engine. Without the shared folder the test
 * exits 77, which ctest reports as skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/fs.h"
#include "core/json.h"
#include "render/mustache.h"

static const char *const spec_files[] = {
    "comments.json", "delimiters.json", "interpolation.json",
    "inverted.json", "partials.json",   "sections.json",
};

typedef struct spec_case {
  char name[256];
  const cJSON *json; /* the case object inside its file's tree */
} spec_case;

/* Partials come from the case's "partials" object. */
static pt_code spec_partial(void *ctx, const char *name, const pt_mustache_loc *at,
                            pt_mustache_partial *out, pt_error *err) {
  (void)at;
  (void)err;
  const char *text = pt_json_str(pt_json_get(ctx, "partials"), name);
  if (!text)
    return PT_OK;
  out->len = strlen(text);
  out->text = strdup(text);
  return out->text ? PT_OK : PT_ENOMEM;
}

static void run_case(void **state) {
  const spec_case *c = *state;
  const char *tmpl = pt_json_str(c->json, "template");
  const char *expected = pt_json_str(c->json, "expected");
  assert_non_null(tmpl);
  assert_non_null(expected);
  pt_buf out = PT_BUF_INIT;
  pt_error err;
  pt_error_clear(&err);
  pt_code rc = pt_mustache_render(tmpl, strlen(tmpl), c->name, pt_json_get(c->json, "data"),
                                  spec_partial, (void *)c->json, &out, &err);
  if (rc != PT_OK || strcmp(out.data ? out.data : "", expected)) {
    char msg[2048];
    print_error("FAILED spec case '%s'\n  template: %s\n  expected: %s\n  got:      %s\n",
                c->name, tmpl, expected,
                rc ? pt_error_format(&err, msg, sizeof msg) : out.data ? out.data : "");
  }
  assert_int_equal(rc, PT_OK);
  assert_string_equal(out.data ? out.data : "", expected);
  pt_buf_free(&out);
}

int main(void) {
  const char *shared = getenv("PTBENCH_SHARED");
  if (!shared || !*shared)
    shared = "../shared";
  char *dir = pt_path_join(shared, "testdata/mustache-spec");
  if (!dir || !pt_is_dir(dir)) {
    printf("skipped: no Mustache spec at %s\n", dir ? dir : shared);
    free(dir);
    return 77;
  }
  size_t nfiles = sizeof spec_files / sizeof spec_files[0];
  cJSON *docs[sizeof spec_files / sizeof spec_files[0]] = {0};
  spec_case *cases = NULL;
  struct CMUnitTest *tests = NULL;
  size_t n = 0;
  int status = 1;
  for (size_t f = 0; f < nfiles; f++) {
    pt_error err;
    pt_error_clear(&err);
    char *path = pt_path_join(dir, spec_files[f]);
    docs[f] = path ? pt_json_read_file(path, 0, &err) : NULL;
    free(path);
    if (!docs[f]) {
      char msg[2048];
      fprintf(stderr, "cannot read spec file: %s\n", pt_error_format(&err, msg, sizeof msg));
      goto out;
    }
    const cJSON *list = pt_json_get(docs[f], "tests"), *tc;
    size_t more = (size_t)cJSON_GetArraySize(list);
    spec_case *nc = realloc(cases, (n + more) * sizeof *nc);
    if (!nc)
      goto out;
    cases = nc;
    cJSON_ArrayForEach(tc, list) {
      const char *name = pt_json_str(tc, "name");
      snprintf(cases[n].name, sizeof cases[n].name, "%s: %s", spec_files[f],
               name ? name : "?");
      cases[n++].json = tc;
    }
  }
  tests = calloc(n ? n : 1, sizeof *tests);
  if (!tests)
    goto out;
  for (size_t i = 0; i < n; i++)
    tests[i] = (struct CMUnitTest){cases[i].name, run_case, NULL, NULL, &cases[i]};
  printf("%zu spec cases\n", n);
  status = _cmocka_run_group_tests("mustache_spec", tests, n, NULL, NULL);
  if (n < 136) {
    fprintf(stderr, "expected at least 136 spec cases, found %zu\n", n);
    status = 1;
  }
out:
  free(tests);
  free(cases);
  for (size_t f = 0; f < nfiles; f++)
    cJSON_Delete(docs[f]);
  free(dir);
  return status;
}
