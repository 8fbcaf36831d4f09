/* tests/unit/test_doc.c - the analysis document's one owner (analyze/doc.h):
 * the accessors on a small hand-written document, the schema check and
 * loading (wrong, missing and foreign schemas, with the file named), missing
 * and mistyped keys, and 300 environments through the display order, the
 * `analyze` formats, the view model and the charts: all present, the
 * baseline first (the charts keep document order and paint the baseline
 * blue wherever it is listed, render/chart.h).
 *
 * Reference values: every expected string and count is read off the
 * documents written in this file (their keys are spelled here, not taken
 * from doc.h, so a renamed key fails these tests; the schema id is doc.h's,
 * so that a new version needs no edit here: tests/cli/test_render.sh and
 * the golden files pin its value); numbers follow the
 * documented formats (README: two decimals, "%" for percentages, "—" for a
 * value that does not exist, " ~" when significant is false).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/analysis.h"
#include "analyze/doc.h"
#include "core/buf.h"
#include "core/json.h"
#include "render/chart.h"
#include "render/view.h"

/* fontconfig, loaded by pango for the charts, keeps its caches for the life
 * of the process (released only by FcFini, which a library must not call). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

#define OKABE_ITO_BLUE 0x0072B2u /* the baseline's colour (render/chart.h) */

static cJSON *parse(const char *text) {
  pt_error err;
  cJSON *doc = pt_json_parse(text, strlen(text), "test", &err);
  if (!doc)
    fail_msg("test document does not parse: %s", err.msg);
  return doc;
}

/* ---------------------------------------------------------- a small one */

/* Three environments, the baseline listed second; two models, the second
 * without a comparison; a summary; two warnings. */
static const char small_doc[] =
    "{\"schema\":\"" PT_DOC_SCHEMA_ID "\",\"tool\":{\"name\":\"ptbench\",\"version\":\"0\"},"
    "\"metric\":{\"name\":\"wall_ns\",\"label\":\"Wall time\",\"unit\":\"ns\","
    "\"higher_is_better\":false},"
    "\"confidence\":0.9,\"alpha\":0.01,\"test\":\"mann-whitney\",\"baseline\":\"bm\","
    "\"environments\":["
    " {\"name\":\"vm\",\"label\":\"VM\",\"baseline\":false,\"sources\":[\"a.csv\"],"
    "  \"manifest\":{\"label\":\"VM\"}},"
    " {\"name\":\"bm\",\"baseline\":true,\"sources\":[],\"manifest\":null},"
    " {\"name\":\"ct\",\"label\":\"Container\",\"baseline\":false}],"
    "\"models\":["
    " {\"model\":\"m1\",\"groups\":[{\"environment\":\"vm\",\"n\":3,\"mean\":11.5},"
    "   {\"environment\":\"bm\",\"n\":3,\"mean\":10}],"
    "  \"comparisons\":[{\"environment\":\"vm\",\"baseline\":\"bm\",\"penalty_pct\":15,"
    "   \"significant\":false,\"p_value\":0.2}]},"
    " {\"model\":\"m2\",\"groups\":[{\"environment\":\"ct\",\"n\":1,\"mean\":7}],"
    "  \"comparisons\":[]}],"
    "\"summary\":{\"comparisons\":[{\"environment\":\"vm\",\"baseline\":\"bm\",\"models\":1,"
    " \"mean_penalty_pct\":15,\"geomean_penalty_pct\":15},"
    " {\"environment\":\"ct\",\"baseline\":\"bm\",\"models\":0,\"mean_penalty_pct\":null}]},"
    "\"warnings\":[{\"code\":\"single-trial\",\"model\":null,\"environment\":null,"
    " \"message\":\"one\"},{\"code\":\"high-cv\",\"model\":\"m1\",\"environment\":\"vm\","
    " \"message\":\"two\"}]}";

static void test_accessors(void **state) {
  (void)state;
  cJSON *doc = parse(small_doc);
  assert_int_equal(pt_doc_check(doc, "small.json", NULL), PT_OK);

  pt_doc_metric_info mi = pt_doc_metric_of(doc);
  assert_string_equal(mi.name, "wall_ns");
  assert_string_equal(mi.label, "Wall time");
  assert_string_equal(mi.unit, "ns");
  assert_false(mi.higher_is_better);
  assert_true(pt_doc_confidence(doc) == 0.9);
  assert_true(pt_doc_alpha(doc) == 0.01);
  assert_string_equal(pt_doc_test(doc), "mann-whitney");
  assert_string_equal(pt_doc_test_label(pt_doc_test(doc)), "Mann\xE2\x80\x93Whitney U test");
  assert_string_equal(pt_doc_test_label("welch"), "Welch's t-test");
  assert_string_equal(pt_doc_test_label(PT_DOC_TEST_MODEL), "session mixed model");
  assert_string_equal(pt_doc_test_label(NULL), "session mixed model");
  assert_string_equal(pt_doc_baseline(doc), "bm");

  /* environments: document order, then display order (baseline first) */
  assert_int_equal(cJSON_GetArraySize(pt_doc_environments(doc)), 3);
  const cJSON *vm = pt_doc_env_find(doc, "vm"), *bm = pt_doc_env_find(doc, "bm");
  assert_non_null(vm);
  assert_non_null(bm);
  assert_null(pt_doc_env_find(doc, "nope"));
  assert_null(pt_doc_env_find(doc, NULL));
  assert_string_equal(pt_doc_env_name(vm), "vm");
  assert_string_equal(pt_doc_env_label(vm), "VM");
  assert_string_equal(pt_doc_env_display(vm), "VM");
  assert_null(pt_doc_env_label(bm));
  assert_string_equal(pt_doc_env_display(bm), "bm"); /* no label: the name */
  assert_true(pt_doc_env_is_baseline(bm));
  assert_false(pt_doc_env_is_baseline(vm));
  assert_string_equal(pt_json_str(pt_doc_env_manifest(vm), "label"), "VM");
  assert_null(pt_doc_env_manifest(bm)); /* null */
  assert_int_equal(cJSON_GetArraySize(pt_doc_env_sources(vm)), 1);
  assert_null(pt_doc_env_sources(pt_doc_env_find(doc, "ct")));

  pt_doc_envs order = PT_DOC_ENVS_INIT;
  assert_int_equal(pt_doc_env_order(doc, &order), PT_OK);
  assert_int_equal(order.n, 3);
  static const char *const display[] = {"bm", "vm", "ct"};
  for (size_t i = 0; i < 3; i++)
    assert_string_equal(pt_doc_env_name(order.items[i]), display[i]);
  pt_doc_envs_free(&order);
  assert_null(order.items);
  assert_int_equal(order.n, 0);

  /* models, their groups and comparisons */
  const cJSON *models = pt_doc_models(doc);
  assert_int_equal(cJSON_GetArraySize(models), 2);
  const cJSON *m1 = cJSON_GetArrayItem(models, 0), *m2 = cJSON_GetArrayItem(models, 1);
  assert_string_equal(pt_doc_model_name(m1), "m1");
  assert_int_equal(cJSON_GetArraySize(pt_doc_groups(m1)), 2);
  assert_int_equal(cJSON_GetArraySize(pt_doc_comparisons(m1)), 1);
  assert_true(pt_json_num(pt_doc_group_of(m1, "bm"), "mean") == 10);
  assert_true(pt_json_num(pt_doc_group_of(m1, "vm"), "mean") == 11.5);
  assert_null(pt_doc_group_of(m1, "ct"));
  assert_null(pt_doc_group_of(m1, NULL));
  const cJSON *c = pt_doc_comparison_of(m1, "vm");
  assert_string_equal(pt_doc_item_env(c), "vm");
  assert_null(pt_doc_comparison_of(m1, "bm"));
  assert_null(pt_doc_comparison_of(m2, "ct"));
  assert_non_null(pt_doc_group_of(m2, "ct"));

  /* summary and warnings */
  const cJSON *sc = pt_doc_summary_comparisons(doc);
  assert_int_equal(cJSON_GetArraySize(sc), 2);
  assert_string_equal(pt_doc_item_env(cJSON_GetArrayItem(sc, 1)), "ct");
  assert_non_null(pt_doc_summary(doc));
  const cJSON *w = pt_doc_warnings(doc);
  assert_int_equal(cJSON_GetArraySize(w), 2);
  assert_string_equal(pt_json_str(cJSON_GetArrayItem(w, 1), "message"), "two");
  assert_string_equal(pt_doc_item_env(cJSON_GetArrayItem(w, 1)), "vm");
  assert_null(pt_doc_item_env(cJSON_GetArrayItem(w, 0))); /* null */

  /* the shared formats on the document's values */
  char buf[64];
  assert_string_equal(pt_fmt_penalty(c, buf, sizeof buf), "15.00% ~");
  assert_string_equal(pt_fmt_p(pt_json_num(c, "p_value"), buf, sizeof buf), "0.200");
  assert_string_equal(pt_fmt_pct(pt_json_num(cJSON_GetArrayItem(sc, 1), "mean_penalty_pct"), buf,
                                 sizeof buf),
                      "\xE2\x80\x94");
  cJSON_Delete(doc);
}

/* The number formats, as documented (README "The view model"). */
static void test_formats(void **state) {
  (void)state;
  static const struct {
    double v;
    int decimals;
    const char *num, *pct;
  } cases[] = {
      {50.1, 2, "50.10", "50.10%"},
      {1.6567, 2, "1.66", "1.66%"},
      {-0.004, 2, "0.00", "0.00%"}, /* no "-0.00" */
      {-1.5, 1, "-1.5", "-1.50%"},
      {0, 0, "0", "0.00%"},
      {NAN, 2, "\xE2\x80\x94", "\xE2\x80\x94"},
      {INFINITY, 2, "\xE2\x80\x94", "\xE2\x80\x94"},
      /* bounded (finding 12): 1e300 was 301 digits, 1e-300 "0.00" */
      {1e300, 2, "1.000e+300", "1.000e+300%"},
      {-1.5e308, 2, "-1.500e+308", "-1.500e+308%"},
      {1.05e-300, 2, "1.050e-300", "1.050e-300%"},
      {123456789012.345, 2, "123456789012.35", "123456789012.35%"},  /* ns stay plain */
  };
  char buf[64];
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    assert_string_equal(pt_fmt_num(cases[i].v, cases[i].decimals, buf, sizeof buf), cases[i].num);
    assert_string_equal(pt_fmt_pct(cases[i].v, buf, sizeof buf), cases[i].pct);
  }
  static const struct {
    double p;
    const char *want;
  } ps[] = {{0.5, "0.500"}, {0.001, "0.001"}, {0.0009, "< 0.001"}, {NAN, "\xE2\x80\x94"}};
  for (size_t i = 0; i < sizeof ps / sizeof *ps; i++)
    assert_string_equal(pt_fmt_p(ps[i].p, buf, sizeof buf), ps[i].want);
  static const struct {
    const char *comparison, *want;
  } pens[] = {
      {"{\"penalty_pct\":1.656,\"significant\":true}", "1.66%"},
      {"{\"penalty_pct\":1.656,\"significant\":false}", "1.66% ~"},
      {"{\"penalty_pct\":1.656,\"significant\":null}", "1.66%"},
      {"{\"penalty_pct\":null,\"significant\":false}", "\xE2\x80\x94 ~"},
      {"{}", "\xE2\x80\x94"},
  };
  for (size_t i = 0; i < sizeof pens / sizeof *pens; i++) {
    cJSON *c = parse(pens[i].comparison);
    assert_string_equal(pt_fmt_penalty(c, buf, sizeof buf), pens[i].want);
    cJSON_Delete(c);
  }
  assert_string_equal(pt_fmt_penalty(NULL, buf, sizeof buf), "\xE2\x80\x94");
  assert_string_equal(pt_fmt_pct_range(0.9, 2.4, buf, sizeof buf), "[0.90%, 2.40%]");
  assert_string_equal(pt_fmt_pct_range(-1.5, NAN, buf, sizeof buf), "\xE2\x80\x94");
  assert_string_equal(pt_fmt_pct_range(INFINITY, 1, buf, sizeof buf), "\xE2\x80\x94");
}

/* ----------------------------------------------------------- the schema */

static void test_check(void **state) {
  (void)state;
  static const struct {
    const char *doc;
    const char *said; /* what the message quotes as the schema */
  } cases[] = {
      {"{}", "schema is missing,"},
      {"{\"schema\":\"ptbench.manifest/1\"}", "schema is 'ptbench.manifest/1',"},
      {"{\"schema\":\"ptbench.manifest/1\"}", "schema is 'ptbench.manifest/1',"},
      {"{\"schema\":\"" PT_DOC_SCHEMA_ID " \"}", "schema is '" PT_DOC_SCHEMA_ID " ',"},
      {"{\"schema\":1}", "schema is missing,"},
      {"[\"" PT_DOC_SCHEMA_ID "\"]", "schema is missing,"},
      {"\"" PT_DOC_SCHEMA_ID "\"", "schema is missing,"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    cJSON *doc = parse(cases[i].doc);
    pt_error err;
    pt_error_clear(&err);
    assert_int_equal(pt_doc_check(doc, "in/analysis.json", &err), PT_ESCHEMA);
    assert_int_equal(err.code, PT_ESCHEMA);
    assert_string_equal(err.file, "in/analysis.json");
    assert_string_equal(err.field, "schema");
    if (!strstr(err.msg, cases[i].said) ||
        !strstr(err.msg, "expected '" PT_DOC_SCHEMA_ID "' (the output of 'ptbench analyze')"))
      fail_msg("case %zu: message '%s'", i, err.msg);
    assert_int_equal(pt_doc_check(doc, NULL, NULL), PT_ESCHEMA); /* no error to fill */
    cJSON_Delete(doc);
  }
  assert_int_equal(pt_doc_check(NULL, NULL, NULL), PT_ESCHEMA);
  /* an analysis document of another version: named, and what to do */
  static const char *const others[] = {PT_DOC_SCHEMA_PREFIX "1", PT_DOC_SCHEMA_ID "0"};
  for (size_t i = 0; i < 2; i++) {
    char text[128], want[256];
    snprintf(text, sizeof text, "{\"schema\":\"%s\"}", others[i]);
    cJSON *old = parse(text);
    pt_error err;
    assert_true(pt_doc_is_analysis(old));
    assert_int_equal(pt_doc_check(old, "old/analysis.json", &err), PT_ESCHEMA);
    snprintf(want, sizeof want,
             "an analysis document of another ptbench version (schema '%s', this one reads "
             "'%s'): analyze the trials again with this ptbench, 'ptbench analyze -o "
             "analysis.json RUN...'", others[i], PT_DOC_SCHEMA_ID);
    assert_string_equal(err.msg, want);
    cJSON_Delete(old);
  }
  cJSON *doc = parse("{\"schema\":\"" PT_DOC_SCHEMA_ID "\"}");
  assert_int_equal(pt_doc_check(doc, NULL, NULL), PT_OK); /* the rest is the readers' */
  cJSON_Delete(doc);
}

static char *write_temp(const char *text) {
  char *path = strdup("/tmp/ptbench-doc-XXXXXX");
  assert_non_null(path);
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  return path;
}

static void test_load(void **state) {
  (void)state;
  static const struct {
    const char *text;
    pt_code code;
    long line;            /* of a syntax error, else 0 */
    const char *msg_has;  /* NULL: loads */
  } cases[] = {
      {small_doc, PT_OK, 0, NULL},
      {"{\"schema\": \"ptbench.manifest/1\"}\n", PT_ESCHEMA, 0,
       "not an analysis document: schema is 'ptbench.manifest/1', expected "
       "'" PT_DOC_SCHEMA_ID "' (the output of 'ptbench analyze')"},
      {"{\"schema\": \"" PT_DOC_SCHEMA_ID "\",\n \"models\": [}\n", PT_EPARSE, 2, "not valid JSON"},
      {"", PT_EPARSE, 0, "empty document"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *path = write_temp(cases[i].text);
    pt_error err;
    pt_error_clear(&err);
    cJSON *doc = pt_doc_load(path, &err);
    if (cases[i].code == PT_OK) {
      assert_non_null(doc);
      assert_int_equal(cJSON_GetArraySize(pt_doc_models(doc)), 2);
    } else {
      assert_null(doc);
      assert_int_equal(err.code, cases[i].code);
      assert_string_equal(err.file, path);
      assert_int_equal(err.line, cases[i].line);
      if (!strstr(err.msg, cases[i].msg_has))
        fail_msg("case %zu: message '%s'", i, err.msg);
    }
    cJSON_Delete(doc);
    unlink(path);
    free(path);
  }
  pt_error err;
  pt_error_clear(&err);
  assert_null(pt_doc_load("/nonexistent/analysis.json", &err));
  assert_int_not_equal(err.code, PT_OK);
  assert_string_equal(err.file, "/nonexistent/analysis.json");
}

/* ------------------------------------------------- missing and mistyped */

static void test_missing_keys(void **state) {
  (void)state;
  static const char *const docs[] = {
      "{\"schema\":\"" PT_DOC_SCHEMA_ID "\"}",
      /* every part of the wrong type */
      "{\"schema\":\"" PT_DOC_SCHEMA_ID "\",\"environments\":{\"name\":\"a\"},\"models\":\"m\","
      "\"summary\":[],\"warnings\":{},\"metric\":\"rate\",\"confidence\":\"high\","
      "\"alpha\":null,\"test\":1,\"baseline\":true}",
  };
  for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
    cJSON *doc = parse(docs[i]);
    assert_null(pt_doc_environments(doc));
    assert_null(pt_doc_models(doc));
    assert_null(pt_doc_summary(doc));
    assert_null(pt_doc_summary_comparisons(doc));
    assert_null(pt_doc_warnings(doc));
    assert_null(pt_doc_metric(doc));
    assert_null(pt_doc_baseline(doc));
    assert_null(pt_doc_test(doc));
    assert_true(isnan(pt_doc_confidence(doc)));
    assert_true(isnan(pt_doc_alpha(doc)));
    pt_doc_metric_info mi = pt_doc_metric_of(doc);
    assert_null(mi.name);
    assert_null(mi.label);
    assert_null(mi.unit);
    assert_true(mi.higher_is_better); /* the default for a rate */
    pt_doc_envs order = PT_DOC_ENVS_INIT;
    assert_int_equal(pt_doc_env_order(doc, &order), PT_OK);
    assert_int_equal(order.n, 0);
    pt_doc_envs_free(&order);
    cJSON_Delete(doc);
  }
  /* items without what they need: skipped by the display order, NULL from
   * the accessors */
  cJSON *doc = parse("{\"environments\":[1,{\"label\":\"x\"},{\"name\":7},null,"
                     "{\"name\":\"b\",\"baseline\":\"yes\"},{\"name\":\"a\",\"baseline\":true}],"
                     "\"models\":[{\"groups\":{},\"comparisons\":[1,{\"environment\":2}]}]}");
  pt_doc_envs order = PT_DOC_ENVS_INIT;
  assert_int_equal(pt_doc_env_order(doc, &order), PT_OK);
  assert_int_equal(order.n, 2);
  assert_string_equal(pt_doc_env_name(order.items[0]), "a");
  assert_string_equal(pt_doc_env_name(order.items[1]), "b"); /* "yes" is not true */
  pt_doc_envs_free(&order);
  pt_doc_envs_free(&order); /* twice is harmless */
  pt_doc_envs_free(NULL);
  const cJSON *m = cJSON_GetArrayItem(pt_doc_models(doc), 0);
  assert_null(pt_doc_model_name(m));
  assert_null(pt_doc_groups(m));
  assert_null(pt_doc_group_of(m, "a"));
  assert_null(pt_doc_comparison_of(m, "a"));
  assert_null(pt_doc_env_display(cJSON_GetArrayItem(pt_doc_environments(doc), 0)));
  assert_null(pt_doc_env_find(doc, "x"));
  cJSON_Delete(doc);
  /* NULL everywhere */
  assert_null(pt_doc_models(NULL));
  assert_null(pt_doc_find_env_item(NULL, "a"));
  assert_null(pt_doc_model_name(NULL));
  assert_false(pt_doc_env_is_baseline(NULL));
}

/* ------------------------------------------------------ 300 environments */

#define NENV 300
#define BASE 200 /* the baseline's place in document order */

static void env_name(size_t i, char *buf, size_t size) { snprintf(buf, size, "env%03zu", i); }
static void env_label(size_t i, char *buf, size_t size) { snprintf(buf, size, "Env %03zu", i); }

/* One model measured in 300 environments, the baseline listed 201st; the
 * mean of env i is 100 + i, the penalty of env i is i / 4 %, significant. */
static cJSON *many_doc(void) {
  cJSON *doc = cJSON_CreateObject();
  cJSON_AddStringToObject(doc, "schema", PT_DOC_SCHEMA_ID);
  cJSON *metric = cJSON_AddObjectToObject(doc, "metric");
  cJSON_AddStringToObject(metric, "name", "eval_rate");
  cJSON_AddStringToObject(metric, "label", "Generation rate");
  cJSON_AddStringToObject(metric, "unit", "tokens/s");
  cJSON_AddBoolToObject(metric, "higher_is_better", true);
  cJSON_AddNumberToObject(doc, "confidence", 0.95);
  cJSON_AddNumberToObject(doc, "alpha", 0.05);
  cJSON_AddStringToObject(doc, "test", "welch");
  char name[32], label[32], base[32];
  env_name(BASE, base, sizeof base);
  cJSON_AddStringToObject(doc, "baseline", base);
  cJSON *envs = cJSON_AddArrayToObject(doc, "environments");
  cJSON *models = cJSON_AddArrayToObject(doc, "models");
  cJSON *m = cJSON_CreateObject();
  cJSON_AddItemToArray(models, m);
  cJSON_AddStringToObject(m, "model", "m");
  cJSON *groups = cJSON_AddArrayToObject(m, "groups");
  cJSON *comps = cJSON_AddArrayToObject(m, "comparisons");
  cJSON *scomps = cJSON_AddArrayToObject(cJSON_AddObjectToObject(doc, "summary"), "comparisons");
  for (size_t i = 0; i < NENV; i++) {
    env_name(i, name, sizeof name);
    env_label(i, label, sizeof label);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToArray(envs, e);
    cJSON_AddStringToObject(e, "name", name);
    cJSON_AddStringToObject(e, "label", label);
    cJSON_AddBoolToObject(e, "baseline", i == BASE);
    cJSON_AddArrayToObject(e, "sources");
    cJSON_AddNullToObject(e, "manifest");
    cJSON *g = cJSON_CreateObject();
    cJSON_AddItemToArray(groups, g);
    cJSON_AddStringToObject(g, "environment", name);
    cJSON_AddNumberToObject(g, "n", 3);
    cJSON_AddNumberToObject(g, "mean", 100.0 + (double)i);
    cJSON_AddNumberToObject(g, "ci_low", 99.0 + (double)i);
    cJSON_AddNumberToObject(g, "ci_high", 101.0 + (double)i);
    if (i == BASE)
      continue;
    for (int k = 0; k < 2; k++) {
      cJSON *c = cJSON_CreateObject();
      cJSON_AddItemToArray(k ? scomps : comps, c);
      cJSON_AddStringToObject(c, "environment", name);
      cJSON_AddStringToObject(c, "baseline", base);
      if (k) {
        cJSON_AddNumberToObject(c, "models", 1);
        cJSON_AddNumberToObject(c, "mean_penalty_pct", (double)i / 4);
      } else {
        cJSON_AddNumberToObject(c, "penalty_pct", (double)i / 4);
        cJSON_AddNumberToObject(c, "p_value", 0.01);
        cJSON_AddBoolToObject(c, "significant", true);
      }
    }
  }
  cJSON_AddArrayToObject(doc, "warnings");
  return doc;
}

/* Environment indexes in display order: the baseline, then the others. */
static size_t display_env(size_t k) { return k == 0 ? BASE : k <= BASE ? k - 1 : k; }

static void test_many_order(void **state) {
  (void)state;
  cJSON *doc = many_doc();
  pt_doc_envs order = PT_DOC_ENVS_INIT;
  assert_int_equal(pt_doc_env_order(doc, &order), PT_OK);
  assert_int_equal(order.n, NENV);
  assert_true(order.cap >= NENV);
  char name[32];
  for (size_t k = 0; k < NENV; k++) {
    env_name(display_env(k), name, sizeof name);
    assert_string_equal(pt_doc_env_name(order.items[k]), name);
  }
  pt_doc_envs_free(&order);
  cJSON_Delete(doc);
}

/* Split text into lines (modified in place); returns the number. */
static size_t lines(char *text, char **out, size_t max) {
  size_t n = 0;
  for (char *save = NULL, *l = strtok_r(text, "\r\n", &save); l && n < max;
       l = strtok_r(NULL, "\r\n", &save))
    out[n++] = l;
  return n;
}

static void test_many_formats(void **state) {
  (void)state;
  cJSON *doc = many_doc();
  char name[32], label[32], cell[64];
  static char *ln[2 * NENV + 8];

  /* md: every environment a column, the baseline's first; every penalty */
  pt_buf out = PT_BUF_INIT, want = PT_BUF_INIT;
  assert_int_equal(pt_analysis_md(doc, &out), PT_OK);
  assert_int_equal(lines(out.data, ln, 2 * NENV + 8), 3);
  pt_buf_puts(&want, "| Model |");
  for (size_t k = 0; k < NENV; k++) {
    env_label(display_env(k), label, sizeof label);
    pt_buf_printf(&want, " %s |", label);
  }
  for (size_t k = 1; k < NENV; k++) {
    env_label(display_env(k), label, sizeof label);
    pt_buf_printf(&want, " Penalty %s (%%) |", label);
  }
  assert_string_equal(ln[0], want.data);
  /* the rule: the model's column left, the means' and penalties' right */
  pt_buf_reset(&want);
  pt_buf_puts(&want, "|---|");
  for (size_t k = 1; k < 2 * NENV; k++)
    pt_buf_puts(&want, "---:|");
  assert_string_equal(ln[1], want.data);
  pt_buf_reset(&want);
  pt_buf_puts(&want, "| m |");
  for (size_t k = 0; k < NENV; k++)
    pt_buf_printf(&want, " %zu.00 |", 100 + display_env(k));
  for (size_t k = 1; k < NENV; k++) {
    size_t i = display_env(k);
    pt_buf_printf(&want, " %zu.%02zu%% |", i / 4, i % 4 * 25);
  }
  assert_string_equal(ln[2], want.data);

  /* csv: a row per environment, the baseline's first */
  pt_buf_reset(&out);
  assert_int_equal(pt_analysis_csv(doc, &out), PT_OK);
  assert_int_equal(lines(out.data, ln, 2 * NENV + 8), NENV + 1);
  for (size_t k = 0; k < NENV; k++) {
    env_name(display_env(k), name, sizeof name);
    env_label(display_env(k), label, sizeof label);
    snprintf(cell, sizeof cell, "m,%s,%s,%d,3,%zu,", name, label, k == 0, 100 + display_env(k));
    if (strncmp(ln[k + 1], cell, strlen(cell)))
      fail_msg("csv row %zu is '%.60s', expected it to start '%s'", k + 1, ln[k + 1], cell);
  }

  /* text: a row per environment, the baseline's first */
  pt_buf_reset(&out);
  assert_int_equal(pt_analysis_text(doc, &out), PT_OK);
  size_t n = lines(out.data, ln, 2 * NENV + 8);
  /* title, heading, the rows, a summary line per compared environment */
  assert_int_equal(n, 1 + 1 + NENV + NENV - 1);
  for (size_t k = 0; k < NENV; k++) {
    env_name(display_env(k), name, sizeof name);
    if (!strstr(ln[2 + k], name))
      fail_msg("text row %zu is '%s', expected %s", k, ln[2 + k], name);
  }
  env_name(NENV - 1, name, sizeof name);
  char pen[64];
  snprintf(cell, sizeof cell, "%s against ", name);
  snprintf(pen, sizeof pen, "mean penalty %zu.%02zu%%", (size_t)(NENV - 1) / 4,
           (size_t)(NENV - 1) % 4 * 25);
  if (strncmp(ln[n - 1], cell, strlen(cell)) || !strstr(ln[n - 1], pen))
    fail_msg("last text line is '%s', expected it to start '%s' and hold '%s'", ln[n - 1], cell,
             pen);
  pt_buf_free(&out);
  pt_buf_free(&want);
  cJSON_Delete(doc);
}

static void test_many_view(void **state) {
  (void)state;
  cJSON *doc = many_doc();
  pt_error err;
  cJSON *view = pt_view_build(doc, &err);
  assert_non_null(view);
  char name[32], label[32], value[32];
  const cJSON *hc = pt_json_get(view, "header_cells"), *ph = pt_json_get(view, "penalty_headers");
  const cJSON *row = cJSON_GetArrayItem(pt_json_get(view, "rows"), 0);
  const cJSON *cells = pt_json_get(row, "cells"), *pens = pt_json_get(row, "penalties");
  assert_int_equal(cJSON_GetArraySize(hc), NENV);
  assert_int_equal(cJSON_GetArraySize(ph), NENV - 1);
  assert_int_equal(cJSON_GetArraySize(cells), NENV);
  assert_int_equal(cJSON_GetArraySize(pens), NENV - 1);
  for (size_t k = 0; k < NENV; k++) {
    size_t i = display_env(k);
    env_name(i, name, sizeof name);
    env_label(i, label, sizeof label);
    snprintf(value, sizeof value, "%zu.00", 100 + i);
    const cJSON *h = cJSON_GetArrayItem(hc, (int)k), *c = cJSON_GetArrayItem(cells, (int)k);
    assert_string_equal(pt_json_str(h, "environment"), name);
    assert_string_equal(pt_json_str(h, "label"), label);
    assert_string_equal(pt_json_str(c, "value"), value);
    assert_int_equal(pt_json_bool(c, "is_baseline", false), k == 0);
    if (k) {
      const cJSON *p = cJSON_GetArrayItem(pens, (int)k - 1);
      snprintf(value, sizeof value, "%zu.%02zu%%", i / 4, i % 4 * 25);
      assert_string_equal(pt_json_str(p, "environment"), name);
      assert_string_equal(pt_json_str(p, "penalty_fmt"), value);
    }
  }
  /* every environment is described, in document order as the document has them */
  const cJSON *envs = pt_json_get(view, "environments");
  assert_int_equal(cJSON_GetArraySize(envs), NENV);
  for (size_t i = 0; i < NENV; i++)
    assert_int_equal(pt_json_bool(cJSON_GetArrayItem(envs, (int)i), "is_baseline", false),
                     i == BASE);
  env_label(BASE, label, sizeof label);
  assert_string_equal(pt_json_str(view, "baseline_label"), label);
  cJSON_Delete(view);
  cJSON_Delete(doc);
}

static void test_many_charts(void **state) {
  (void)state;
  cJSON *doc = many_doc();
  pt_error err;
  pt_error_clear(&err);
  pt_chart *c = pt_chart_new(doc, PT_CHART_THROUGHPUT, &err);
  if (!c)
    fail_msg("throughput chart of 300 environments: %s", err.msg);
  assert_int_equal(pt_chart_series(c), NENV);
  for (size_t s = 0; s < NENV; s++)
    assert_int_equal(pt_chart_series_color(c, s) == OKABE_ITO_BLUE, s == BASE);
  assert_non_null(strstr(pt_chart_alt_text(c), "1 model \xC3\x97 300 environments"));
  pt_chart_free(c);
  c = pt_chart_new(doc, PT_CHART_PENALTY, &err);
  if (!c)
    fail_msg("penalty chart of 300 environments: %s", err.msg);
  assert_int_equal(pt_chart_series(c), NENV - 1);
  for (size_t s = 0; s < NENV - 1; s++)
    assert_int_not_equal(pt_chart_series_color(c, s), OKABE_ITO_BLUE);
  assert_non_null(strstr(pt_chart_alt_text(c), "1 model, 299 compared environments"));
  pt_chart_free(c);
  cJSON_Delete(doc);
}

/* ------------------------------------------------------- array growth */

static void test_grow_array(void **state) {
  (void)state;
  int *a = NULL;
  size_t cap = 0;
  for (size_t n = 0; n < 1000; n++) {
    int *p = pt_grow_array(a, &cap, n + 1, sizeof *p);
    assert_non_null(p);
    a = p;
    assert_true(cap >= n + 1);
    a[n] = (int)n;
  }
  for (size_t n = 0; n < 1000; n++)
    assert_int_equal(a[n], (int)n);
  /* too large: NULL, the array and its capacity unchanged */
  size_t before = cap;
  assert_null(pt_grow_array(a, &cap, SIZE_MAX / 2, sizeof *a));
  assert_null(pt_grow_array(a, &cap, SIZE_MAX, 1));
  assert_int_equal(cap, before);
  assert_int_equal(a[999], 999);
  free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_accessors),    cmocka_unit_test(test_formats),
      cmocka_unit_test(test_check),        cmocka_unit_test(test_load),
      cmocka_unit_test(test_missing_keys), cmocka_unit_test(test_many_order),
      cmocka_unit_test(test_many_formats), cmocka_unit_test(test_many_view),
      cmocka_unit_test(test_many_charts),  cmocka_unit_test(test_grow_array),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
