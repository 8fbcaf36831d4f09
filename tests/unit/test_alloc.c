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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/analysis.h"
#include "analyze/design.h"
#include "analyze/facts.h"
#include "analyze/lmm.h"
#include "collect/collect.h"
#include "collect/manifest.h"
#include "collect/import.h"
#include "collect/plan.h"
#include "collect/probe.h"
#include "collect/telemetry.h"
#include "core/trial.h"
#include "core/json.h"
#include "core/fs.h"
#include "render/chart.h"
#include "render/mustache.h"
#include "render/view.h"
#include "site/html.h"
#include "site/index.h"
#include "site/state.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t k);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t k);
void *__wrap_realloc(void *p, size_t n);

static char last_msg[1100];   /* the message of the last failed case */
static long countdown = -1;  /* allocations left before one fails; -1 = never */
static bool failed;          /* an allocation was refused in this run */
static bool json_failed;     /* ... and it was one of cJSON's */

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
static void *json_malloc(size_t n) {
  if (refuse()) {
    json_failed = true;
    return NULL;
  }
  return __real_malloc(n);
}

/* Set by a case whose parse may meet an allocation failure inside cJSON's
 * parser, which cJSON does not tell from a syntax error: pt_json_parse then
 * says "not valid JSON" (PT_EPARSE). Accepted only when cJSON's allocation
 * was the one refused. */
static bool parse_oom_is_eparse;

/* Run fn with the Nth allocation failing, for every N until none fails. */
static void each_failure(pt_code (*fn)(void), const char *name) {
  cJSON_Hooks hooks = {json_malloc, free};
  cJSON_InitHooks(&hooks);
  for (long n = 0; n < 100000; n++) {
    countdown = n;
    failed = json_failed = false;
    pt_code rc = fn();
    countdown = -1;
    if (rc == PT_EPARSE && parse_oom_is_eparse && json_failed)
      continue;
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

/* ds analyzed with the default options into *doc. */
static pt_code analyzed(pt_dataset *ds, cJSON **doc, pt_error *err) {
  pt_analyze_opts o;
  pt_analyze_opts_init(&o);
  *doc = pt_analyze(ds, &o, err);
  return *doc ? PT_OK : err->code;
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
  if (!rc)
    rc = analyzed(ds, &doc, &err);
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

/* A study with sessions, prompts and order: the session model's fits, the
 * per-prompt formats and the power design, each allocation failing. */
static pt_code sessions_case(void) {
  pt_error err;
  pt_error_clear(&err);
  pt_dataset *ds = pt_dataset_new(pt_metric_find("eval_rate"));
  if (!ds)
    return PT_ENOMEM;
  pt_code rc = pt_dataset_add_input(ds, "old=tests/data/sessions/bare-metal", &err);
  if (!rc)
    rc = pt_dataset_add_input(ds, "new=tests/data/sessions/vm", &err);
  cJSON *doc = NULL;
  if (!rc)
    rc = analyzed(ds, &doc, &err);
  pt_buf out = PT_BUF_INIT;
  if (!rc)
    rc = pt_analysis_prompts_md(doc, &out);
  if (!rc)
    rc = pt_analysis_prompts_text(doc, &out);
  if (!rc)
    rc = pt_analysis_prompts_csv(doc, &out);
  if (!rc)
    rc = pt_analysis_text(doc, &out);
  pt_design d = {0};
  if (!rc) {
    pt_design_opts o;
    pt_design_opts_init(&o);
    rc = pt_design_from(ds, &o, &d, &err);
  }
  pt_design_free(&d);
  pt_buf_free(&out);
  cJSON_Delete(doc);
  pt_dataset_free(ds);
  snprintf(last_msg, sizeof last_msg, "%s", err.msg);
  return rc;
}

static void test_sessions_oom(void **state) {
  (void)state;
  each_failure(sessions_case, "sessions");
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

/* The trial charts (render/chart.h) built and drawn as SVG and PNG. */
static pt_code chart_case(void) {
  static const pt_chart_env envs[] = {{"bare-metal", NULL, true}, {"vm", "vm (vfio-pci)", false}};
  static const char *const models[] = {"mistral:7b", "gemma2:9b"};
  static const pt_chart_session sessions[] = {{0, NULL}, {1, "2"}, {0, NULL}};
  static const pt_chart_point points[] = {{0, 0, 1, 50}, {1, 0, 2, 35}, {0, 1, 1, 49.5},
                                          {1, 1, 2, 34}, {0, 2, 1, 51}, {1, 2, 2, 34.75}};
  pt_chart_points in = {"Generation rate", "tokens/s", true, envs, 2, models, 2,
                        sessions, 3, points, 6};
  pt_code rc = PT_OK;
  for (int kind = PT_CHART_DISTRIBUTION; kind <= PT_CHART_TIMELINE && !rc; kind++) {
    pt_error err;
    pt_error_clear(&err);
    pt_chart *c = pt_chart_points_new(&in, (pt_chart_kind)kind, &err);
    if (!c) {
      snprintf(last_msg, sizeof last_msg, "%s", err.msg);
      return err.code;
    }
    for (int f = PT_CHART_PNG; f <= PT_CHART_SVG && !rc; f <<= 1) {
      pt_buf b = PT_BUF_INIT;
      rc = pt_chart_render(c, (pt_chart_format)f, &b, &err);
      snprintf(last_msg, sizeof last_msg, "%s", err.msg);
      pt_buf_free(&b);
    }
    pt_chart_free(c);
  }
  return rc;
}

static void test_chart_oom(void **state) {
  (void)state;
  each_failure(chart_case, "chart");
}

/* A site's memory (site/state.h): the state file read, an archive made
 * from an analysis put in, saved, and the index written (site/index.h). */
static char site_dir[64];

static pt_code site_case(void) {
  static const char doc_text[] =
      "{\"schema\": \"" PT_DOC_SCHEMA_ID "\", \"environments\": [{\"name\": \"bare-metal\", "
      "\"baseline\": true}, {\"name\": \"vm\", \"label\": \"VM\"}], \"models\": "
      "[{\"model\": \"m\"}], \"summary\": {\"comparisons\": [{\"environment\": \"vm\", "
      "\"mean_penalty_pct\": 1.5}]}}";
  pt_error err;
  pt_error_clear(&err);
  pt_site_state st = PT_SITE_STATE_INIT;
  pt_site_archive a;
  memset(&a, 0, sizeof a);
  pt_mustache *page = NULL;
  cJSON *doc = pt_json_parse(doc_text, sizeof doc_text - 1, "analysis", &err);
  pt_code rc = doc ? pt_site_state_load(site_dir, &st, &err) : err.code;
  if (!rc)
    rc = pt_site_archive_make(&a, doc, "new", "New", "../new.tar.gz", "2025-08-01T10:00Z");
  if (!rc)
    rc = pt_site_state_put(&st, &a);
  if (!rc)
    rc = pt_site_state_save(site_dir, &st, &err);
  if (!rc && !(page = pt_html_page_template(NULL, 0, &err)))
    rc = err.code;
  if (!rc)
    rc = pt_site_index_write(site_dir, &st, NULL, 0, page, &err);
  snprintf(last_msg, sizeof last_msg, "%s", err.msg);
  pt_mustache_free(page);
  pt_site_archive_free(&a);
  pt_site_state_free(&st);
  cJSON_Delete(doc);
  return rc;
}

static void test_site_oom(void **state) {
  (void)state;
  static const char text[] =
      "{\"schema\": \"ptbench.site/1\", \"archives\": [{\"slug\": \"old\", \"title\": "
      "\"Old\", \"source\": \"../old\", \"date\": \"2025-07-01\", \"environments\": "
      "[\"Bare Metal\", \"VM\"], \"models\": [\"m\"], \"penalties\": [{\"environment\": "
      "\"VM\", \"mean_penalty_pct\": null}]}]}";
  snprintf(site_dir, sizeof site_dir, "/tmp/ptbench-alloc-site-XXXXXX");
  assert_non_null(mkdtemp(site_dir));
  char *p = pt_path_join(site_dir, PT_SITE_STATE_FILE);
  FILE *fp = fopen(p, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
  pt_buf keep = PT_BUF_INIT;
  pt_error err;
  assert_int_equal(pt_read_file(p, 0, &keep, &err), PT_OK);
  parse_oom_is_eparse = true;
  /* every run starts from the same state file */
  for (long n = 0;; n++) {
    fp = fopen(p, "w");
    assert_non_null(fp);
    fwrite(keep.data, 1, keep.len, fp);
    fclose(fp);
    cJSON_Hooks hooks = {json_malloc, free};
    cJSON_InitHooks(&hooks);
    countdown = n;
    failed = json_failed = false;
    pt_code rc = site_case();
    countdown = -1;
    cJSON_InitHooks(NULL);
    if (rc == PT_EPARSE && json_failed)
      continue;
    if (rc != PT_OK && rc != PT_ENOMEM)
      fail_msg("site: allocation %ld failing gave code %d (%s): %s", n, rc, pt_strerror(rc),
               last_msg);
    if (!failed) {
      assert_int_equal(rc, PT_OK);
      break;
    }
    assert_true(n < 100000);
  }
  parse_oom_is_eparse = false;
  pt_buf_free(&keep);
  free(p);
  pt_remove_tree(site_dir);
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

/* A llama-bench import, whole: results of two settings (so the prompt ids
 * name one), manifest and trials.csv written and moved into place. */
static char lb_path[64], lb_out[80];

static pt_code llama_bench_case(void) {
  pt_error err;
  pt_error_clear(&err);
  const char *files[] = {lb_path};
  pt_import_options o = {.format = PT_IMPORT_LLAMA_BENCH, .environment = "vm",
                         .out_dir = lb_out, .run_id = "r1", .imported_at = "2025-01-01T00:00:00Z",
                         .files = files, .nfiles = 1};
  size_t n = 0;
  pt_code rc = pt_import_run(&o, &n, &err);
  snprintf(last_msg, sizeof last_msg, "%s", err.msg);
  if (!rc && n != 4)
    rc = PT_EINTERNAL;
  long left = countdown;  /* the clean-up is the test's, not the import's */
  countdown = -1;
  pt_remove_tree(lb_out);
  countdown = left;
  return rc;
}

static void test_llama_bench_oom(void **state) {
  (void)state;
  snprintf(lb_path, sizeof lb_path, "/tmp/ptbench-alloc-lb-%ld.jsonl", (long)getpid());
  snprintf(lb_out, sizeof lb_out, "/tmp/ptbench-alloc-lb-%ld.out", (long)getpid());
  static const char text[] =
      "{\"build_commit\":\"abc\",\"cpu_info\":\"cpu\",\"gpu_info\":\"gpu\",\"backends\":\"CUDA\","
      "\"model_filename\":\"m/x.gguf\",\"model_type\":\"t\",\"model_size\":1,\"n_threads\":8,"
      "\"n_gpu_layers\":99,\"n_prompt\":0,\"n_gen\":128,\"samples_ns\":[1000000000,2000000000],"
      "\"samples_ts\":[128,64]}\n"
      "{\"build_commit\":\"abc\",\"cpu_info\":\"cpu\",\"gpu_info\":\"gpu\",\"backends\":\"CUDA\","
      "\"model_filename\":\"m/x.gguf\",\"model_type\":\"t\",\"model_size\":1,\"n_threads\":8,"
      "\"n_gpu_layers\":0,\"n_prompt\":512,\"n_gen\":0,\"samples_ns\":[1000000000,2000000000]}\n";
  FILE *fp = fopen(lb_path, "w");
  assert_non_null(fp);
  assert_int_equal(fwrite(text, 1, sizeof text - 1, fp), sizeof text - 1);
  fclose(fp);
  parse_oom_is_eparse = true;
  each_failure(llama_bench_case, "llama-bench import");
  parse_oom_is_eparse = false;
  unlink(lb_path);
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

/* The host probe of two test machines, their JSON, the facts comparison,
 * and a telemetry start and trial. */
static pt_code probe_case(void) {
  pt_error err;
  pt_error_clear(&err);
  static const char *const roots[] = {"tests/data/sysroot/amd-bare-metal",
                                      "tests/data/sysroot/amd-vm"};
  cJSON *host[2] = {NULL, NULL};
  pt_code rc = PT_OK;
  for (int i = 0; !rc && i < 2; i++) {
    pt_host h;
    rc = pt_host_probe(roots[i], &h, &err);
    if (rc)
      break;
    if (i == 0) {
      pt_telemetry_cfg tc = {.root = roots[i], .rate_hz = 100, .endpoint_local = true};
      pt_telemetry *t = NULL;
      rc = pt_telemetry_open(&tc, &h, &t, &err);
      if (!rc) {
        pt_gpu_stats s;
        pt_telemetry_begin(t);
        pt_telemetry_end(t, &s);
      }
      pt_telemetry_close(t);
    }
    host[i] = rc ? NULL : pt_host_to_json(&h);
    pt_host_free(&h);
    if (!rc && !host[i])
      rc = PT_ENOMEM;
  }
  if (!rc) {
    pt_env_facts a = {"bare-metal", host[0], "0.12.6", 2600, NAN};
    pt_env_facts b = {"vm", host[1], "0.12.7", 2500, 111};
    pt_fact_warnings w = {0};
    rc = pt_facts_compare(&a, &b, &w, &err);
    if (!rc)
      rc = pt_facts_check(&b, &w, &err);
    pt_fact_warnings_free(&w);
  }
  cJSON_Delete(host[0]);
  cJSON_Delete(host[1]);
  snprintf(last_msg, sizeof last_msg, "%s", err.msg);
  return rc;
}

static void test_probe_oom(void **state) { each_failure(probe_case, "probe"); }
/* The session model: the comparison (cells), the general fit (dense rows)
 * and Holm, 3 sessions against 3 over 2 prompts. */
static pt_code lmm_case(void) {
  pt_error err;
  pt_lmm_cell cells[12];
  size_t n = 0;
  for (size_t s = 0; s < 6; s++)
    for (size_t b = 0; b < 2; b++)
      cells[n++] = (pt_lmm_cell){s, b, s >= 3, 4, 3.9 + 0.01 * (double)((s * 7 + b * 3) % 5),
                                 1e-4 * (double)(1 + s + b)};
  pt_lmm_comparison c;
  pt_code rc = pt_lmm_compare(cells, n, &c, &err);
  if (rc != PT_OK)
    return rc;
  double x[12 * 3], mean[12], m2[12];
  size_t sess[12], count[12];
  for (size_t i = 0; i < n; i++) {
    x[i * 3] = 1;
    x[i * 3 + 1] = cells[i].compared;
    x[i * 3 + 2] = (double)cells[i].block;
    mean[i] = cells[i].mean;
    m2[i] = cells[i].m2;
    sess[i] = cells[i].session;
    count[i] = cells[i].n;
  }
  pt_lmm_data d = {n, 3, 6, x, sess, count, mean, m2};
  pt_lmm_fit fit;
  rc = pt_lmm_fit_reml(&d, &fit, &err);
  pt_lmm_fit_free(&fit);
  if (rc != PT_OK)
    return rc;
  double p[3] = {0.01, 0.2, 0.03};
  return pt_holm(p, 3, p, &err);
}

static void test_lmm_oom(void **state) {
  (void)state;
  each_failure(lmm_case, "session model");
}

/* The manifest of a run with an earlier session and a live one: rendered,
 * parsed back and read through the accessors; and a session's order. */
static pt_code manifest_case(void) {
  pt_error err;
  pt_error_clear(&err);
  pt_host h;
  pt_plan plan;
  pt_plan_init(&plan);
  const char *models[] = {"m:1b"};
  pt_code rc = pt_host_probe("tests/data/sysroot/amd-vm", &h, &err);
  if (rc)
    return rc;
  if (!(rc = pt_plan_set_models(&plan, models, 1, &err)))
    rc = pt_plan_finish(&plan, &err);
  pt_model_info mi = {.name = "m:1b", .digest = "d"};
  pt_manifest_session s = {.run_id = "r1", .status = "complete", .started_at = "t0",
                           .ended_at = "t1", .boot_id = "b", .order = PT_MF_ORDER_RANDOM,
                           .order_seed = 5, .endpoint_url = "http://127.0.0.1:1",
                           .ollama_version = "0.12.6", .models = &mi, .n_models = 1,
                           .host = &h, .ok = 1};
  cJSON *first = rc ? NULL : pt_manifest_session_json(&s);
  cJSON *sessions = cJSON_CreateArray();
  if (!rc && (!first || !sessions || !cJSON_AddItemToArray(sessions, first))) {
    if (first && (!sessions || !first->prev))
      cJSON_Delete(first);
    rc = PT_ENOMEM;
  }
  pt_buf text = PT_BUF_INIT;
  cJSON *back = NULL;
  if (!rc) {
    s.run_id = "r2";
    s.status = "running";
    s.ended_at = NULL;
    pt_manifest m = {.environment = "vm", .status = "running", .plan = &plan, .stream = true,
                     .order = PT_MF_ORDER_RANDOM, .sessions_planned = 2, .sessions = sessions,
                     .current = &s};
    rc = pt_manifest_render(&m, &text);
  }
  if (!rc && !(back = pt_json_parse(text.data, text.len, "manifest", &err)))
    rc = err.code;
  if (!rc) {
    pt_mf_facts f = pt_mf_facts_of(back);
    if (pt_mf_session_count(back) != 2 || !f.host || !pt_mf_primary_gpu(f.host))
      rc = PT_EINTERNAL;
  }
  pt_order_item *order = NULL;
  size_t n;
  if (!rc)
    rc = pt_session_order(5, 5, false, 42, 0, &order, &n, &err);
  free(order);
  cJSON_Delete(back);
  pt_buf_free(&text);
  cJSON_Delete(sessions);
  pt_plan_free(&plan);
  pt_host_free(&h);
  snprintf(last_msg, sizeof last_msg, "%s", err.msg);
  return rc;
}

static void test_manifest_oom(void **state) {
  (void)state;
  parse_oom_is_eparse = true;
  each_failure(manifest_case, "manifest");
  parse_oom_is_eparse = false;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_analyze_oom),
      cmocka_unit_test(test_sessions_oom),
      cmocka_unit_test(test_mustache_oom),
      cmocka_unit_test(test_plan_oom),
      cmocka_unit_test(test_import_oom),
      cmocka_unit_test(test_llama_bench_oom),
      cmocka_unit_test(test_csv_oom),
      cmocka_unit_test(test_lmm_oom),
      cmocka_unit_test(test_chart_oom),
      cmocka_unit_test(test_probe_oom),
      cmocka_unit_test(test_manifest_oom),
      cmocka_unit_test(test_site_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
