/* tests/unit/test_alloc.c - allocation failure paths (libcbor's
 * test_allocator.h, done with the linker): malloc, calloc and realloc of
 * ptbench's own code are wrapped (-Wl,--wrap, see tests/CMakeLists.txt) and
 * cJSON's are hooked, so the Nth allocation can be made to fail. Each case
 * runs with N = 1, 2, ... until it passes without a failure; every run must
 * end in PT_OK or PT_ENOMEM (never a crash, a leak or another code under the
 * sanitizers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/analysis.h"
#include "collect/import.h"
#include "collect/plan.h"
#include "core/trial.h"
#include "core/json.h"
#include "render/mustache.h"
#include "render/view.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t k);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t k);
void *__wrap_realloc(void *p, size_t n);

static char last_msg[1100];   /* the message of the last failed case */
static long countdown = -1;  /* allocations left before one fails; -1 = never */
static bool failed;          /* an allocation was refused in this run */

static bool refuse(void) {
  if (countdown < 0)
    return false;
  if (countdown-- == 0) {
    failed = true;
    return true;
  }
  return false;
}

void *__wrap_malloc(size_t n) { return refuse() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t k) { return refuse() ? NULL : __real_calloc(n, k); }
void *__wrap_realloc(void *p, size_t n) { return refuse() ? NULL : __real_realloc(p, n); }
static void *json_malloc(size_t n) { return refuse() ? NULL : __real_malloc(n); }

/* Run fn with the Nth allocation failing, for every N until none fails. */
static void each_failure(pt_code (*fn)(void), const char *name) {
  cJSON_Hooks hooks = {json_malloc, free};
  cJSON_InitHooks(&hooks);
  for (long n = 0; n < 100000; n++) {
    countdown = n;
    failed = false;
    pt_code rc = fn();
    countdown = -1;
    if (rc != PT_OK && rc != PT_ENOMEM)
      fail_msg("%s: allocation %ld failing gave code %d (%s): %s", name, n, rc, pt_strerror(rc),
               last_msg);
    if (!failed) {
      assert_int_equal(rc, PT_OK);  /* nothing refused: it must work */
      cJSON_InitHooks(NULL);
      return;
    }
  }
  fail_msg("%s: still allocating after 100000 allocations", name);
}

static char csv_path[64];

static pt_code analyze_case(void) {
  pt_error err;
  pt_error_clear(&err);
  pt_dataset *ds = pt_dataset_new(pt_metric_find("eval_rate"));
  if (!ds)
    return PT_ENOMEM;
  pt_code rc = pt_dataset_add(ds, csv_path, &err);
  cJSON *doc = NULL;
  if (!rc) {
    pt_analyze_opts o;
    pt_analyze_opts_init(&o);
    doc = pt_analyze(ds, &o, &err);
    rc = doc ? PT_OK : err.code;
  }
  pt_buf out = PT_BUF_INIT;
  if (!rc)
    rc = pt_analysis_md(doc, &out);
  if (!rc)
    rc = pt_analysis_text(doc, &out);
  if (!rc)
    rc = pt_analysis_csv(doc, &out);
  cJSON *view = NULL;
  if (!rc) {
    view = pt_view_build(doc, &err);
    rc = view ? PT_OK : err.code;
  }
  pt_buf_free(&out);
  cJSON_Delete(view);
  cJSON_Delete(doc);
  pt_dataset_free(ds);
  snprintf(last_msg, sizeof last_msg, "%s", err.msg);
  return rc;
}

static void test_analyze_oom(void **state) {
  (void)state;
  snprintf(csv_path, sizeof csv_path, "/tmp/ptbench-alloc-XXXXXX");
  int fd = mkstemp(csv_path);
  assert_true(fd >= 0);
  static const char text[] =
      "model,environment,eval_rate,warmup,status\n"
      "m1,bare-metal,50.1,0,ok\nm1,bare-metal,49.8,0,ok\nm1,bare-metal,50.3,0,ok\n"
      "m1,vm,49.3,0,ok\nm1,vm,49.1,0,ok\nm1,vm,49.5,1,ok\nm1,vm,49.6,0,error\n"
      "m2,bare-metal,35.0,0,ok\nm2,vm,34.9,0,ok\n";
  assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
  close(fd);
  each_failure(analyze_case, "analyze");
  unlink(csv_path);
}

static pt_code mustache_case(void) {
  static const char tmpl[] =
      "{{#rows}}| {{name}} |{{#cells}} {{.}} |{{/cells}}\n{{/rows}}{{^rows}}none{{/rows}}"
      "{{=<% %>=}}<%title%>";
  pt_error err;
  pt_error_clear(&err);
  cJSON *view = cJSON_Parse("{\"title\":\"t<&>\",\"rows\":[{\"name\":\"a\",\"cells\":[1,2]},"
                            "{\"name\":\"b\",\"cells\":[3]}]}");
  if (!view)
    return PT_ENOMEM;
  pt_buf out = PT_BUF_INIT;
  pt_code rc = pt_mustache_render(tmpl, sizeof tmpl - 1, "t", view, NULL, NULL, &out, &err);
  pt_buf_free(&out);
  cJSON_Delete(view);
  return rc;
}

static void test_mustache_oom(void **state) {
  (void)state;
  each_failure(mustache_case, "mustache");
}

/* A plan with every kind of node, anchors and aliases, finished and turned
 * into the manifest's JSON. */
static pt_code plan_case(void) {
  static const char yaml[] =
      "version: 2.0.custom\nfile_name: x.yml\nmodels: [a, {model: b}]\n"
      "prompts:\n  - id: x\n    text: &t Say hello.\n  - prompt: *t\n    keywords: k\n"
      "  - plain\noptions: {stop: &s [END, STOP], top_k: 3, seed: 1}\nwarmup: 0\n"
      "trials: 2\nkeep_alive: 5m\n";
  pt_plan p;
  pt_plan_init(&p);
  pt_error err;
  pt_error_clear(&err);
  pt_code rc = pt_plan_parse(yaml, sizeof yaml - 1, "plan.yml", &p, &err);
  if (!rc)
    rc = pt_plan_finish(&p, &err);
  if (!rc) {
    cJSON *j = pt_plan_to_json(&p);
    rc = j ? PT_OK : PT_ENOMEM;
    cJSON_Delete(j);
  }
  if (rc)
    snprintf(last_msg, sizeof last_msg, "%s", err.msg);
  pt_plan_free(&p);
  return rc;
}

static void test_plan_oom(void **state) {
  (void)state;
  each_failure(plan_case, "plan");
}

static pt_code import_case(void) {
  static const char log_text[] =
      "model_name =    mistral:7b\n"
      "\x1b[?25l\xe2\xa0\x8b Some answer text\n"
      "total duration:       5.043500667s\nload duration:        5.025959ms\n"
      "prompt eval count:    26 token(s)\nprompt eval duration: 325.953ms\n"
      "prompt eval rate:     79.77 tokens/s\neval count:           290 token(s)\n"
      "eval duration:        4.709213s\neval rate:            61.58 tokens/s\n"
      "total duration:       1m2.5s\neval count:           10 token(s)\n"
      "eval duration:        850\xc2\xb5s\n"
      "--------------------------------------------------\n";
  pt_import_log log = {0};
  pt_error err;
  pt_error_clear(&err);
  pt_code rc = pt_import_parse(PT_IMPORT_LLM_BENCHMARK, log_text, sizeof log_text - 1, "x.log",
                               &log, &err);
  snprintf(last_msg, sizeof last_msg, "%s", err.msg);
  pt_import_log_free(&log);
  return rc;
}

static void test_import_oom(void **state) {
  (void)state;
  each_failure(import_case, "import");
}

/* Trials written and read back through the CSV writer and reader. */
static pt_code csv_case(void) {
  pt_error err;
  pt_error_clear(&err);
  pt_trial_writer *w = pt_trial_writer_open(csv_path, &err);
  if (!w)
    return err.code;
  pt_trial t;
  pt_trial_init(&t);
  t.model = "a \"quoted\", model";
  t.environment = "vm";
  t.eval_rate = 50.1;
  pt_code rc = pt_trial_write(w, &t, &err);
  pt_code rc2 = pt_trial_writer_close(w, &err);
  if (!rc)
    rc = rc2;
  if (!rc) {
    pt_dataset *ds = pt_dataset_new(pt_metric_find("eval_rate"));
    rc = ds ? pt_dataset_add(ds, csv_path, &err) : PT_ENOMEM;
    pt_dataset_free(ds);
  }
  unlink(csv_path);
  snprintf(last_msg, sizeof last_msg, "%s", err.msg);
  return rc;
}

static void test_csv_oom(void **state) {
  (void)state;
  snprintf(csv_path, sizeof csv_path, "/tmp/ptbench-alloc-w-%ld.csv", (long)getpid());
  each_failure(csv_case, "csv");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_analyze_oom),
      cmocka_unit_test(test_mustache_oom),
      cmocka_unit_test(test_plan_oom),
      cmocka_unit_test(test_import_oom),
      cmocka_unit_test(test_csv_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
