/* tests/unit/test_mustache.c - the Mustache engine's own cases, so a clone
 * without ../shared (and its copy of the spec) still covers the engine.
 *
 * Expected outputs are worked out by hand from the rules of the Mustache
 * spec (github.com/mustache/spec: interpolation, sections, inverted,
 * partials, delimiters, comments) and, for errors, from counting lines and
 * columns in the template text; none is produced by this engine.
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
#include "core/json.h"
#include "render/mustache.h"

typedef struct render_case {
  const char *name;
  const char *tmpl;
  const char *data;     /* JSON view; NULL = no view */
  const char *partials; /* JSON object name -> template; NULL = none */
  const char *expected; /* output when code is PT_OK */
  pt_code code;
  long line, column;    /* of the error */
  const char *msg;      /* substring of the error message */
  const char *file;     /* error's file; NULL = the template's name "t" */
} render_case;

static const render_case cases[] = {
    /* interpolation */
    {"text only", "plain {text}\n", NULL, NULL, "plain {text}\n", PT_OK, 0, 0, NULL, NULL},
    {"escaped", "{{s}}", "{\"s\":\"a & b < c > d \\\" e ' f\"}", NULL,
     "a &amp; b &lt; c &gt; d &quot; e ' f", PT_OK, 0, 0, NULL, NULL},
    {"triple", "{{{s}}}", "{\"s\":\"<b>&\"}", NULL, "<b>&", PT_OK, 0, 0, NULL, NULL},
    {"ampersand", "{{& s }}", "{\"s\":\"<b>&\"}", NULL, "<b>&", PT_OK, 0, 0, NULL, NULL},
    {"padding", "[{{ s }}]", "{\"s\":\"x\"}", NULL, "[x]", PT_OK, 0, 0, NULL, NULL},
    {"numbers", "{{a}} {{b}} {{c}} {{d}} {{e}} {{f}} {{g}}",
     "{\"a\":1.21,\"b\":3.0,\"c\":-0.5,\"d\":123456789012,\"e\":0.30000000000000004,"
     "\"f\":-0.0,\"g\":1e300}",
     NULL, "1.21 3 -0.5 123456789012 0.30000000000000004 0 1e+300", PT_OK, 0, 0, NULL, NULL},
    {"booleans", "{{t}}/{{f}}", "{\"t\":true,\"f\":false}", NULL, "true/false", PT_OK, 0, 0,
     NULL, NULL},
    {"null, missing, object, array", "[{{n}}{{m}}{{o}}{{a}}]",
     "{\"n\":null,\"o\":{\"x\":1},\"a\":[1]}", NULL, "[]", PT_OK, 0, 0, NULL, NULL},
    {"no view", "[{{x}}{{.}}]", NULL, NULL, "[]", PT_OK, 0, 0, NULL, NULL},
    {"case sensitive", "{{Name}}|{{name}}", "{\"name\":\"x\"}", NULL, "|x", PT_OK, 0, 0, NULL,
     NULL},
    {"dotted", "{{a.b.c}}", "{\"a\":{\"b\":{\"c\":\"deep\"}}}", NULL, "deep", PT_OK, 0, 0, NULL,
     NULL},
    {"dotted broken chain", "[{{a.x.c}}]", "{\"a\":{\"b\":1},\"x\":{\"c\":2}}", NULL, "[]", PT_OK,
     0, 0, NULL, NULL},
    {"dotted resolves only first part on the stack", "{{#a}}[{{b.c}}]{{/a}}",
     "{\"a\":{\"b\":{}},\"b\":{\"c\":\"no\"}}", NULL, "[]", PT_OK, 0, 0, NULL, NULL},
    {"parent context", "{{#a}}{{x}}{{y}}{{/a}}", "{\"a\":{\"x\":1},\"y\":2}", NULL, "12", PT_OK,
     0, 0, NULL, NULL},
    /* sections */
    {"list", "{{#l}}<{{.}}>{{/l}}", "{\"l\":[1,\"a\",true]}", NULL, "<1><a><true>", PT_OK, 0, 0,
     NULL, NULL},
    {"list of objects", "{{#m}}{{n}}={{v}};{{/m}}",
     "{\"m\":[{\"n\":\"a\",\"v\":1.5},{\"n\":\"b\",\"v\":2}]}", NULL, "a=1.5;b=2;", PT_OK, 0, 0,
     NULL, NULL},
    {"object section", "{{#o}}{{x}}{{/o}}", "{\"o\":{\"x\":\"in\"}}", NULL, "in", PT_OK, 0, 0,
     NULL, NULL},
    {"falsy values", "{{#f}}F{{/f}}{{#n}}N{{/n}}{{#e}}E{{/e}}{{#s}}S{{/s}}{{#z}}Z{{/z}}{{#m}}M{{/m}}",
     "{\"f\":false,\"n\":null,\"e\":[],\"s\":\"\",\"z\":0}", NULL, "", PT_OK, 0, 0, NULL, NULL},
    {"truthy values", "{{#t}}T{{/t}}{{#s}}{{.}}{{/s}}{{#z}}{{.}}{{/z}}{{#o}}O{{/o}}",
     "{\"t\":true,\"s\":\"x\",\"z\":0.5,\"o\":{}}", NULL, "Tx0.5O", PT_OK, 0, 0, NULL, NULL},
    {"inverted", "{{^f}}F{{/f}}{{^e}}E{{/e}}{{^m}}M{{/m}}{{^t}}T{{/t}}{{^l}}L{{/l}}",
     "{\"f\":false,\"e\":[],\"t\":true,\"l\":[0]}", NULL, "FEM", PT_OK, 0, 0, NULL, NULL},
    {"nested lists", "{{#l}}({{#.}}{{.}}{{/.}}){{/l}}", "{\"l\":[[1,2],[\"a\"]]}", NULL,
     "(12)(a)", PT_OK, 0, 0, NULL, NULL},
    {"root list", "{{#.}}{{v}}{{/.}}", "[{\"v\":1},{\"v\":2}]", NULL, "12", PT_OK, 0, 0, NULL,
     NULL},
    {"dotted section", "{{#a.b}}yes{{/a.b}}", "{\"a\":{\"b\":true}}", NULL, "yes", PT_OK, 0, 0,
     NULL, NULL},
    /* standalone lines and comments */
    {"standalone section lines", "| start\n  {{#b}}\n  in\n  {{/b}}\n| end\n", "{\"b\":true}",
     NULL, "| start\n  in\n| end\n", PT_OK, 0, 0, NULL, NULL},
    {"standalone CRLF", "|\r\n{{#b}}\r\n{{/b}}\r\n|", "{\"b\":true}", NULL, "|\r\n|", PT_OK, 0, 0,
     NULL, NULL},
    {"standalone at end without newline", "a\n  {{^b}}\nx\n  {{/b}}  ", "{}", NULL, "a\nx\n",
     PT_OK, 0, 0, NULL, NULL},
    {"not standalone: text on the line", " x {{#b}}\ny{{/b}}\n", "{\"b\":1}", NULL, " x \ny\n",
     PT_OK, 0, 0, NULL, NULL},
    {"interpolation is never standalone", "  {{x}}\n", "{}", NULL, "  \n", PT_OK, 0, 0, NULL,
     NULL},
    {"comment", "a{{! ignored }}b\n  {{! multi\nline }}\nc", NULL, NULL, "ab\nc", PT_OK, 0, 0,
     NULL, NULL},
    /* partials */
    {"partial", "[{{>p}}]", "{\"x\":1}", "{\"p\":\"x={{x}}\"}", "[x=1]", PT_OK, 0, 0, NULL, NULL},
    {"missing partial is empty", "[{{>nope}}]", "{}", "{}", "[]", PT_OK, 0, 0, NULL, NULL},
    {"no partial loader", "[{{>p}}]", "{}", NULL, "[]", PT_OK, 0, 0, NULL, NULL},
    {"standalone partial indented", "<\n  {{>p}}\n>", "{\"v\":\"a\\nb\"}",
     "{\"p\":\"1\\n{{{v}}}\\n\\n2\\n\"}", "<\n  1\n  a\nb\n  \n  2\n>", PT_OK, 0, 0, NULL, NULL},
    {"nested indentation", "  {{>a}}\n", "{}", "{\"a\":\"A\\n  {{>b}}\\n\",\"b\":\"B1\\nB2\"}",
     "  A\n    B1\n    B2", PT_OK, 0, 0, NULL, NULL},
    {"inline partial not indented", "  {{>p}} x\n", "{}", "{\"p\":\"1\\n2\"}", "  1\n2 x\n",
     PT_OK, 0, 0, NULL, NULL},
    {"partial in a loop uses the item", "{{#l}}{{>p}}{{/l}}", "{\"l\":[{\"v\":1},{\"v\":2}]}",
     "{\"p\":\"<{{v}}>\"}", "<1><2>", PT_OK, 0, 0, NULL, NULL},
    {"recursive partial ends", "{{>n}}", "{\"c\":\"X\",\"k\":[{\"c\":\"Y\",\"k\":[]}]}",
     "{\"n\":\"{{c}}({{#k}}{{>n}}{{/k}})\"}", "X(Y())", PT_OK, 0, 0, NULL, NULL},
    {"partial keeps default delimiters", "{{=<% %>=}}<%>p%>", "{\"x\":1}", "{\"p\":\"{{x}}\"}",
     "1", PT_OK, 0, 0, NULL, NULL},
    /* delimiters */
    {"set delimiters", "{{=<% %>=}}<% x %>{{x}}<%={{ }}=%>{{x}}", "{\"x\":1}", NULL, "1{{x}}1",
     PT_OK, 0, 0, NULL, NULL},
    {"delimiters with padding", "{{= | | =}}|#b|ok|/b|", "{\"b\":1}", NULL, "ok", PT_OK, 0, 0,
     NULL, NULL},
    {"standalone delimiter line", "a\n  {{=[ ]=}}  \n[x]\n", "{\"x\":2}", NULL, "a\n2\n", PT_OK,
     0, 0, NULL, NULL},
    /* errors: line and column of the opening delimiter, counted by hand */
    {"unclosed section", "line 1\n  {{#items}}\n{{x}}\n", "{}", NULL, NULL, PT_EPARSE, 2, 3,
     "unclosed section 'items'", NULL},
    {"inner unclosed section", "{{#a}}\n{{#b}}\n{{/a}}", "{}", NULL, NULL, PT_EPARSE, 3, 1,
     "closing tag 'a' does not match section 'b' opened at 2:1", NULL},
    {"closing without section", "ok\nx {{/a}}", "{}", NULL, NULL, PT_EPARSE, 2, 3,
     "closing tag 'a' has no open section", NULL},
    {"unclosed tag", "a\nbc {{name\n", "{}", NULL, NULL, PT_EPARSE, 2, 4,
     "unclosed tag: no '}}' after '{{'", NULL},
    {"unclosed triple", "{{{x}}", "{}", NULL, NULL, PT_EPARSE, 1, 1, "unclosed tag: no '}}}'",
     NULL},
    {"unclosed tag with new delimiters", "{{=<% %>=}}\n <%x", "{}", NULL, NULL, PT_EPARSE, 2, 2,
     "no '%>' after '<%'", NULL},
    {"bad delimiter change", "x\n{{=<%=}}", "{}", NULL, NULL, PT_EPARSE, 2, 1,
     "invalid delimiter change", NULL},
    {"delimiter with =", "{{=a= b=}}", "{}", NULL, NULL, PT_EPARSE, 1, 1,
     "invalid delimiter change", NULL},
    {"empty tag", "a {{ }}", "{}", NULL, NULL, PT_EPARSE, 1, 3, "empty tag", NULL},
    {"name with space", "{{#a b}}{{/a b}}", "{}", NULL, NULL, PT_EPARSE, 1, 1,
     "invalid tag name 'a b'", NULL},
    {"error inside an indented partial", "x\n    {{>p}}\n", "{}",
     "{\"p\":\"ok\\n {{#s}}\\n\"}", NULL, PT_EPARSE, 2, 2, "unclosed section 's'", "p"},
    {"recursion limit", "{{>r}}", "{}", "{\"r\":\"x{{>r}}\"}", NULL, PT_EDATA, 1, 2,
     "partial 'r' nested more than 64 deep", "r"},
};

/* Partials come from the case's JSON object. */
static pt_code json_partial(void *ctx, const char *name, const pt_mustache_loc *at,
                            pt_mustache_partial *out, pt_error *err) {
  (void)at;
  (void)err;
  const char *text = pt_json_str(ctx, name);
  if (!text)
    return PT_OK;
  out->len = strlen(text);
  out->text = strdup(text);
  return out->text ? PT_OK : PT_ENOMEM;
}

static void test_cases(void **state) {
  (void)state;
  int failed = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const render_case *c = &cases[i];
    cJSON *data = c->data ? cJSON_Parse(c->data) : NULL;
    cJSON *parts = c->partials ? cJSON_Parse(c->partials) : NULL;
    assert_true(!c->data || data);
    assert_true(!c->partials || parts);
    pt_buf out = PT_BUF_INIT;
    pt_error err;
    pt_error_clear(&err);
    pt_code rc = pt_mustache_render(c->tmpl, strlen(c->tmpl), "t", data,
                                    parts ? json_partial : NULL, parts, &out, &err);
    bool ok = rc == c->code;
    if (ok && rc == PT_OK)
      ok = !strcmp(out.data ? out.data : "", c->expected);
    if (ok && rc != PT_OK)
      ok = err.code == c->code && err.line == c->line && err.column == c->column &&
           strstr(err.msg, c->msg) && !strcmp(err.file, c->file ? c->file : "t") &&
           out.len == 0;
    if (!ok) {
      failed++;
      char msg[2048];
      print_error("FAILED '%s': rc %d, output [%s], error [%s]\n", c->name, (int)rc,
                  out.data ? out.data : "", rc ? pt_error_format(&err, msg, sizeof msg) : "");
    }
    pt_buf_free(&out);
    cJSON_Delete(data);
    cJSON_Delete(parts);
  }
  assert_int_equal(failed, 0);
}

/* Sections nested past the limit fail cleanly instead of exhausting the
 * stack; at the limit they work. */
static void test_nesting_limit(void **state) {
  (void)state;
  for (int extra = 0; extra <= 1; extra++) {
    int depth = PT_MUSTACHE_MAX_NESTING + extra;
    pt_buf t = PT_BUF_INIT, out = PT_BUF_INIT;
    for (int i = 0; i < depth; i++)
      assert_int_equal(pt_buf_puts(&t, "{{#a}}"), PT_OK);
    for (int i = 0; i < depth; i++)
      assert_int_equal(pt_buf_puts(&t, "{{/a}}"), PT_OK);
    pt_error err;
    pt_error_clear(&err);
    pt_code rc = pt_mustache_render(t.data, t.len, "deep", NULL, NULL, NULL, &out, &err);
    if (extra) {
      assert_int_equal(rc, PT_EPARSE);
      assert_int_equal(err.line, 1);
      assert_int_equal(err.column, 6 * PT_MUSTACHE_MAX_NESTING + 1);
      assert_non_null(strstr(err.msg, "nested more than"));
    } else {
      assert_int_equal(rc, PT_OK);
    }
    pt_buf_free(&t);
    pt_buf_free(&out);
  }
}

typedef struct seen {
  int calls;
  char where[128];
} seen;

static pt_code recording_partial(void *ctx, const char *name, const pt_mustache_loc *at,
                                 pt_mustache_partial *out, pt_error *err) {
  (void)out;
  (void)err;
  seen *s = ctx;
  s->calls++;
  snprintf(s->where, sizeof s->where, "%s %s:%ld:%ld", name, at->template_name, at->line,
           at->column);
  return PT_OK;
}

/* A missing partial is reported to the loader once, with where it was used. */
static void test_missing_partial_location(void **state) {
  (void)state;
  const char *tmpl = "a\nb\n  x {{> row }}\n{{#l}}{{>row}}{{/l}}";
  cJSON *data = cJSON_Parse("{\"l\":[1,2,3]}");
  seen s = {0, ""};
  pt_buf out = PT_BUF_INIT;
  assert_int_equal(pt_mustache_render(tmpl, strlen(tmpl), "report.mustache", data,
                                      recording_partial, &s, &out, NULL),
                   PT_OK);
  assert_string_equal(out.data, "a\nb\n  x \n");
  assert_int_equal(s.calls, 1);
  assert_string_equal(s.where, "row report.mustache:3:5");
  pt_buf_free(&out);
  cJSON_Delete(data);
}

/* A loader error aborts the render with the loader's message. */
static pt_code failing_partial(void *ctx, const char *name, const pt_mustache_loc *at,
                               pt_mustache_partial *out, pt_error *err) {
  (void)ctx;
  (void)out;
  (void)at;
  return pt_error_at(err, PT_EIO, name, 0, 0, "cannot open: permission denied");
}

static void test_loader_error(void **state) {
  (void)state;
  pt_buf out = PT_BUF_INIT;
  pt_error err;
  pt_error_clear(&err);
  assert_int_equal(pt_buf_puts(&out, "kept"), PT_OK);
  assert_int_equal(pt_mustache_render("x{{>p}}", 7, "t", NULL, failing_partial, NULL, &out, &err),
                   PT_EIO);
  assert_string_equal(err.file, "p");
  assert_string_equal(err.msg, "cannot open: permission denied");
  assert_string_equal(out.data, "kept"); /* restored to its length before the call */
  pt_buf_free(&out);
}

/* The output cap of the buffer is honoured. */
static void test_output_cap(void **state) {
  (void)state;
  cJSON *data = cJSON_Parse("{\"l\":[1,2,3,4,5,6,7,8,9,10]}");
  pt_buf out;
  pt_buf_init(&out, 16);
  pt_error err;
  pt_error_clear(&err);
  const char *tmpl = "{{#l}}item {{.}}\n{{/l}}";
  assert_int_equal(pt_mustache_render(tmpl, strlen(tmpl), "t", data, NULL, NULL, &out, &err),
                   PT_ETOOBIG);
  assert_non_null(strstr(err.msg, "larger than 16 bytes"));
  assert_int_equal(out.len, 0);
  pt_buf_free(&out);
  cJSON_Delete(data);
}

/* Sections over lists inside each other: 100^4 visits of the text. The
 * render stops after PT_MUSTACHE_MAX_STEPS with PT_EDATA (the template and
 * its data are at fault: exit 3), at a tag of the template. */
static void test_step_limit(void **state) {
  (void)state;
  cJSON *data = cJSON_CreateObject();
  cJSON *l = cJSON_AddArrayToObject(data, "l");
  for (int i = 0; i < 100; i++)
    cJSON_AddItemToArray(l, cJSON_CreateNumber(i));
  pt_buf out;
  pt_buf_init(&out, 1 << 30);
  pt_error err;
  pt_error_clear(&err);
  const char *tmpl = "{{#l}}{{#l}}{{#l}}{{#l}}x{{/l}}{{/l}}{{/l}}{{/l}}";
  assert_int_equal(pt_mustache_render(tmpl, strlen(tmpl), "t", data, NULL, NULL, &out, &err),
                   PT_EDATA);
  assert_int_equal(pt_exit_status(err.code), PT_EXIT_DATA);
  assert_string_equal(err.file, "t");
  assert_int_equal(err.line, 1);
  assert_true(err.column >= 1 && err.column <= (long)strlen(tmpl));
  assert_non_null(strstr(err.msg, "rendering takes more than 16777216 steps"));
  assert_int_equal(out.len, 0);
  pt_buf_free(&out);
  cJSON_Delete(data);
}

/* One compiled template renders many views; the template need not be
 * NUL-terminated. */
static void test_compile_once(void **state) {
  (void)state;
  const char tmpl[] = {'<', '{', '{', 'v', '}', '}', '>', 'X'};
  pt_mustache *t = pt_mustache_compile(tmpl, 7, "t", NULL);
  assert_non_null(t);
  pt_buf out = PT_BUF_INIT;
  for (int i = 0; i < 3; i++) {
    cJSON *data = cJSON_CreateObject();
    cJSON_AddNumberToObject(data, "v", i);
    assert_int_equal(pt_mustache_exec(t, data, NULL, NULL, &out, NULL), PT_OK);
    cJSON_Delete(data);
  }
  assert_string_equal(out.data, "<0><1><2>");
  pt_buf_free(&out);
  pt_mustache_free(t);
  pt_mustache_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cases),
      cmocka_unit_test(test_nesting_limit),
      cmocka_unit_test(test_missing_partial_location),
      cmocka_unit_test(test_loader_error),
      cmocka_unit_test(test_output_cap),
      cmocka_unit_test(test_step_limit),
      cmocka_unit_test(test_compile_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
