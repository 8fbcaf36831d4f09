/* tests/unit/test_view.c - the view model (render/view.h) and the report
 * writer (render/report.h).
 *
 * Reference values: the article's figures are the ones it published
 * (tests/golden/article-table.md: 50.10, 49.27, 1.66%, ...), and its mean
 * penalty is worked out by hand from the four published rates,
 * (1.6567 + 0.2852 + 1.1628 + 1.7131) / 4 = 1.2045 -> "1.20%". The
 * hand-made document's strings follow from its numbers by the formatting
 * rules in docs/render.md (two decimals, "%" suffix, "—" for null, " ~"
 * when significant is false), not from running the code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/analysis.h"
#include "core/fs.h"
#include "core/json.h"
#include "render/chart.h"
#include "render/report.h"
#include "render/view.h"

/* fontconfig, loaded by pango for the charts, keeps its caches for the life
 * of the process (released only by FcFini, which a library must not call). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

#define DASH "\xE2\x80\x94"

/* The member at a dotted path; numbers index arrays ("rows.0.model"). */
static const cJSON *at(const cJSON *j, const char *path) {
  while (j && *path) {
    size_t len = strcspn(path, ".");
    char part[128];
    snprintf(part, sizeof part, "%.*s", (int)len, path);
    char *end;
    long i = strtol(part, &end, 10);
    j = *end == '\0' && cJSON_IsArray(j) ? cJSON_GetArrayItem(j, (int)i)
                                          : cJSON_GetObjectItemCaseSensitive(j, part);
    path += len + (path[len] == '.');
  }
  return j;
}

typedef struct str_case {
  const char *path, *want;
} str_case;

static void check_strings(const cJSON *view, const str_case *cases, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const cJSON *v = at(view, cases[i].path);
    if (!cJSON_IsString(v))
      fail_msg("%s: not a string", cases[i].path);
    if (strcmp(v->valuestring, cases[i].want))
      fail_msg("%s: got \"%s\", want \"%s\"", cases[i].path, v->valuestring, cases[i].want);
  }
}

static cJSON *article_analysis(void) {
  pt_dataset *ds = pt_dataset_new(pt_metric_find("eval_rate"));
  pt_error err;
  pt_error_clear(&err);
  assert_non_null(ds);
  assert_int_equal(pt_dataset_add(ds, "data/article", &err), PT_OK);
  pt_analyze_opts o;
  pt_analyze_opts_init(&o);
  cJSON *doc = pt_analyze(ds, &o, &err);
  pt_dataset_free(ds);
  assert_non_null(doc);
  return doc;
}

static void test_article(void **state) {
  (void)state;
  static const str_case cases[] = {
      {"models.0.model_md", "mistral:7b"},
      {"models.0.groups.0.mean_fmt", "50.10"},
      {"models.0.groups.1.mean_fmt", "49.27"},
      {"models.0.groups.0.ci_fmt", DASH},
      {"models.0.groups.0.cv_fmt", DASH},
      {"models.0.groups.0.stddev_fmt", DASH},
      {"models.0.groups.0.median_fmt", "50.10"},
      {"models.0.groups.0.penalty_fmt", DASH},
      {"models.0.groups.1.penalty_fmt", "1.66%"},
      {"models.0.comparisons.0.penalty_fmt", "1.66%"},
      {"models.0.comparisons.0.penalty_ci_fmt", DASH},
      {"models.0.comparisons.0.p_fmt", DASH},
      {"models.0.comparisons.0.significant_mark", ""},
      {"models.1.comparisons.0.penalty_fmt", "0.29%"},
      {"models.3.comparisons.0.penalty_fmt", "1.71%"},
      {"summary.mean_penalty_fmt", "1.20%"},
      {"summary.comparisons.0.mean_penalty_fmt", "1.20%"},
      {"summary.min_penalty_fmt", "0.29%"},
      {"summary.min_penalty_model", "gemma2:9b"},
      {"summary.max_penalty_fmt", "1.71%"},
      {"summary.max_penalty_model", "deepseek-r1:14b"},
      {"environments.0.label", "Bare Metal"},
      {"environments.1.label_md", "VM w/ GPU Passthrough"},
      {"environments.0.gpu", "AMD Radeon RX 9060 XT 16GB"},
      {"environments.1.os", "Ubuntu 24.04 Cloud Image"},
      {"environments.1.hypervisor_host", "Sbnb Linux"},
      {"environments.1.passthrough", "vfio-pci"},
      {"baseline_env.rocm", "6.4.1"},
      {"baseline_label", "Bare Metal"},
      {"header_cells.0.label_md", "Bare Metal"},
      {"header_cells.1.label_md", "VM w/ GPU Passthrough"},
      {"penalty_headers.0.label_md", "Penalty (%)"},
      {"rows.0.model_md", "mistral:7b"},
      {"rows.0.cells.0.value", "50.10"},
      {"rows.0.cells.1.value", "49.27"},
      {"rows.0.penalties.0.penalty_fmt", "1.66%"},
      {"rows.3.cells.1.value", "24.67"},
      {"metric.label", "Generation rate"},
      {"metric.unit", "tokens/s"},
      {"confidence_fmt", "95%"},
      {"generated_by", "ptbench " PTBENCH_VERSION},
      {"charts.throughput", "eval_rate-means.png"},
      {"charts.penalty", "eval_rate-penalty.png"},
      {"title", "Generation rate: Bare Metal vs VM w/ GPU Passthrough"},
  };
  cJSON *doc = article_analysis();
  pt_error err;
  cJSON *view = pt_view_build(doc, &err);
  assert_non_null(view);
  check_strings(view, cases, sizeof cases / sizeof *cases);
  assert_true(cJSON_IsTrue(at(view, "single_run")));
  assert_true(cJSON_IsTrue(at(view, "has_warnings")));
  assert_true(cJSON_IsTrue(at(view, "environments.0.is_baseline")));
  assert_true(cJSON_IsFalse(at(view, "environments.1.is_baseline")));
  assert_int_equal(cJSON_GetArraySize(at(view, "rows")), 4);
  assert_int_equal(cJSON_GetArraySize(at(view, "rows.0.cells")), 2);
  assert_int_equal(cJSON_GetArraySize(at(view, "rows.0.penalties")), 1);
  /* the analysis is copied, not changed */
  assert_null(at(doc, "models.0.groups.0.mean_fmt"));
  assert_null(at(doc, "rows"));
  cJSON_Delete(view);
  cJSON_Delete(doc);
}

/* Three environments, the baseline listed second, a missing cell, nulls,
 * a non-significant penalty, a tiny p and a hostile model name. */
static const char handmade[] =
    "{\"schema\":\"" PT_DOC_SCHEMA_ID "\",\"confidence\":0.9,\"alpha\":0.05,\"test\":\"welch\","
    "\"metric\":{\"name\":\"eval_rate\",\"label\":\"Generation rate\",\"unit\":\"tokens/s\","
    "\"higher_is_better\":true},\"baseline\":\"host\","
    "\"environments\":["
    " {\"name\":\"vm\",\"label\":\"VM\",\"baseline\":false,\"manifest\":null},"
    " {\"name\":\"host\",\"label\":\"Host|1\",\"baseline\":true,\"manifest\":{"
    "   \"ollama\":{\"version\":\"0.9.0\"},\"host\":{\"hostname\":\"box\",\"gpus\":["
    "   {\"card\":\"card0\",\"pci_vendor\":\"0x1002\",\"pci_device\":\"0x7590\","
    "    \"driver\":\"amdgpu\"}]}}},"
    " {\"name\":\"ct\",\"baseline\":false}],"
    "\"models\":[{\"model\":\"a|b <script>\","
    " \"groups\":[{\"environment\":\"host\",\"n\":5,\"mean\":10,\"stddev\":0.31416,"
    "   \"cv_pct\":3.1416,\"median\":10.004,\"ci_low\":9.5,\"ci_high\":10.5},"
    "  {\"environment\":\"vm\",\"n\":5,\"mean\":9.85,\"stddev\":null,\"cv_pct\":null,"
    "   \"median\":9.9,\"ci_low\":null,\"ci_high\":null}],"
    " \"comparisons\":[{\"environment\":\"vm\",\"baseline\":\"host\",\"ratio\":0.985,"
    "   \"penalty_pct\":1.5,\"penalty_ci_low\":-0.5,\"penalty_ci_high\":3.25,"
    "   \"p_value\":0.25,\"significant\":false}]},"
    " {\"model\":\"m2\",\"groups\":[{\"environment\":\"host\",\"n\":5,\"mean\":20},"
    "   {\"environment\":\"ct\",\"n\":5,\"mean\":19}],"
    "  \"comparisons\":[{\"environment\":\"ct\",\"baseline\":\"host\",\"penalty_pct\":5,"
    "   \"p_value\":0.0004,\"significant\":true,\"penalty_ci_low\":4,\"penalty_ci_high\":6}]}],"
    "\"summary\":{\"comparisons\":[{\"environment\":\"vm\",\"baseline\":\"host\",\"models\":1,"
    "  \"mean_penalty_pct\":1.5,\"geomean_penalty_pct\":null}]},"
    "\"warnings\":[{\"code\":\"high-cv\",\"message\":\"model a|b has *high* cv\"}]}";

static void test_handmade(void **state) {
  (void)state;
  static const str_case cases[] = {
      /* baseline first, then the others in document order */
      {"header_cells.0.label_md", "Host\\|1"},
      {"header_cells.1.label_md", "VM"},
      {"header_cells.2.label_md", "ct"},
      {"environments.2.label", "ct"},
      {"penalty_headers.0.label_md", "Penalty VM (%)"},
      {"penalty_headers.1.label_md", "Penalty ct (%)"},
      {"models.0.model_md", "a\\|b &lt;script&gt;"},
      {"rows.0.model_md", "a\\|b &lt;script&gt;"},
      {"rows.0.model", "a|b <script>"},
      {"rows.0.cells.0.value", "10.00"},
      {"rows.0.cells.1.value", "9.85"},
      {"rows.0.cells.2.value", DASH},
      {"rows.0.penalties.0.penalty_fmt", "1.50% ~"},
      {"rows.0.penalties.1.penalty_fmt", DASH},
      {"rows.1.cells.1.value", DASH},
      {"rows.1.penalties.1.penalty_fmt", "5.00%"},
      {"models.0.groups.0.ci_fmt", "\xC2\xB1 0.50"},
      {"models.0.groups.0.ci_low_fmt", "9.50"},
      {"models.0.groups.0.ci_high_fmt", "10.50"},
      {"models.0.groups.0.cv_fmt", "3.14%"},
      {"models.0.groups.0.stddev_fmt", "0.31"},
      {"models.0.groups.0.median_fmt", "10.00"},
      {"models.0.groups.1.ci_fmt", DASH},
      {"models.0.groups.1.cv_fmt", DASH},
      {"models.0.groups.1.penalty_fmt", "1.50% ~"},
      {"models.0.comparisons.0.penalty_ci_fmt", "[-0.50%, 3.25%]"},
      {"models.0.comparisons.0.p_fmt", "0.250"},
      {"models.0.comparisons.0.significant_mark", "~"},
      {"models.0.comparisons.0.significant_text", "no"},
      {"models.0.comparisons.0.ratio_fmt", "0.985"},
      {"models.1.comparisons.0.p_fmt", "< 0.001"},
      {"models.1.comparisons.0.significant_mark", ""},
      {"models.1.comparisons.0.significant_text", "yes"},
      {"summary.mean_penalty_fmt", "1.50%"},
      {"summary.geomean_penalty_fmt", DASH},
      {"summary.label_md", "VM"},
      {"warnings.0.message_md", "model a\\|b has \\*high\\* cv"},
      {"environments.1.ollama_version", "0.9.0"},
      {"environments.1.hostname", "box"},
      {"environments.1.gpu", "GPU 1002:7590 (amdgpu)"},
      {"environments.1.about.0.key", "Ollama"},
      {"baseline_label_md", "Host\\|1"},
      {"confidence_fmt", "90%"},
  };
  pt_error err;
  cJSON *doc = pt_json_parse(handmade, sizeof handmade - 1, "handmade", &err);
  assert_non_null(doc);
  cJSON *view = pt_view_build(doc, &err);
  assert_non_null(view);
  check_strings(view, cases, sizeof cases / sizeof *cases);
  assert_true(cJSON_IsFalse(at(view, "single_run")));
  assert_true(cJSON_IsTrue(at(view, "environments.1.is_baseline")));
  assert_true(cJSON_IsFalse(at(view, "environments.0.has_about")));
  assert_true(cJSON_IsTrue(at(view, "has_warnings")));
  cJSON_Delete(view);
  cJSON_Delete(doc);
}

/* The text of the method line named key, or NULL. */
static const char *method_line(const cJSON *view, const char *key) {
  const cJSON *l;
  cJSON_ArrayForEach(l, at(view, "method.lines")) {
    if (!strcmp(cJSON_GetStringValue(at(l, "key")), key))
      return cJSON_GetStringValue(at(l, "text"));
  }
  return NULL;
}

/* A line said per environment: once when every environment says the same,
 * else "LABEL: words" of those that say something, joined by "; " and
 * never starting with it (an environment with nothing to say comes first
 * here, the baseline without telemetry). */
static void test_method_per_env(void **state) {
  (void)state;
  static const struct {
    const char *host, *vm, *ct;  /* manifests (JSON) */
    const char *telemetry;       /* the line, NULL: none */
  } cases[] = {
      {"{}", "{\"telemetry\":{\"enabled\":true,\"rate_hz\":2}}", "{}",
       "VM: sampled during every trial, 2 times a second"},
      {"{\"telemetry\":{\"enabled\":false,\"reason\":\"no GPU\"}}",
       "{\"telemetry\":{\"enabled\":true}}", "{}",
       "Host|1: not sampled: no GPU; VM: sampled during every trial"},
      {"{\"telemetry\":{\"enabled\":true}}", "{\"telemetry\":{\"enabled\":true}}",
       "{\"telemetry\":{\"enabled\":true}}", "sampled during every trial"},
      {"{}", "{}", "{}", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    pt_error err;
    cJSON *doc = pt_json_parse(handmade, sizeof handmade - 1, "handmade", &err);
    assert_non_null(doc);
    const char *const manifests[] = {cases[i].vm, cases[i].host, cases[i].ct};  /* doc order */
    cJSON *e;
    size_t k = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "environments")) {
      cJSON *m = cJSON_Parse(manifests[k++]);
      assert_non_null(m);
      if (cJSON_HasObjectItem(e, "manifest"))
        cJSON_ReplaceItemInObject(e, "manifest", m);
      else
        cJSON_AddItemToObject(e, "manifest", m);
    }
    cJSON *view = pt_view_build(doc, &err);
    assert_non_null(view);
    const char *got = method_line(view, "GPU telemetry");
    if (cases[i].telemetry ? !got || strcmp(got, cases[i].telemetry) : got != NULL)
      fail_msg("case %zu: GPU telemetry '%s', expected '%s'", i, got ? got : "(none)",
               cases[i].telemetry ? cases[i].telemetry : "(none)");
    cJSON_Delete(view);
    cJSON_Delete(doc);
  }
}

static void test_schema(void **state) {
  (void)state;
  /* none, another version (the current id with a digit added), not an
   * object, not a string */
  static const char *const docs[] = {"{}", "{\"schema\":\"" PT_DOC_SCHEMA_ID "0\"}", "[1]",
                                     "{\"schema\":1}"};
  for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
    pt_error err;
    pt_error_clear(&err);
    cJSON *doc = pt_json_parse(docs[i], strlen(docs[i]), "x", &err);
    assert_non_null(doc);
    assert_null(pt_view_build(doc, &err));
    assert_int_equal(err.code, PT_ESCHEMA);
    cJSON_Delete(doc);
  }
}

/* Charts named by the formats asked for; none for a chart with no data. */
static void test_charts(void **state) {
  (void)state;
  static const struct {
    unsigned formats;
    const char *embed; /* NULL = null */
    int nfiles;
  } cases[] = {
      {PT_CHART_PNG | PT_CHART_SVG | PT_CHART_PDF, "eval_rate-means.png", 3},
      {PT_CHART_SVG | PT_CHART_PDF, "eval_rate-means.svg", 2},
      {PT_CHART_PDF, NULL, 1},
      {0, NULL, 0},
  };
  cJSON *doc = article_analysis();
  pt_error err;
  cJSON *view = pt_view_build(doc, &err);
  assert_non_null(view);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    assert_int_equal(pt_view_set_charts(view, cases[i].formats, &err), PT_OK);
    const cJSON *t = at(view, "charts.throughput");
    if (cases[i].embed)
      assert_string_equal(cJSON_GetStringValue(t), cases[i].embed);
    else
      assert_true(cJSON_IsNull(t));
    assert_int_equal(cJSON_GetArraySize(at(view, "charts.throughput_files")), cases[i].nfiles);
    assert_int_equal(cJSON_GetArraySize(at(view, "charts.penalty_files")), cases[i].nfiles);
  }
  /* one environment: nothing to compare, no penalty chart */
  cJSON *envs = cJSON_GetObjectItemCaseSensitive(view, "models");
  cJSON *m;
  cJSON_ArrayForEach(m, envs) cJSON_DeleteItemFromObjectCaseSensitive(m, "comparisons");
  assert_int_equal(pt_view_set_charts(view, PT_CHART_PNG, &err), PT_OK);
  assert_true(cJSON_IsNull(at(view, "charts.penalty")));
  assert_int_equal(cJSON_GetArraySize(at(view, "charts.penalty_files")), 0);
  assert_string_equal(cJSON_GetStringValue(at(view, "charts.throughput")), "eval_rate-means.png");
  cJSON_Delete(view);
  cJSON_Delete(doc);
}

/* pt_report_write from several threads at once, each to its own directory:
 * every report must come out whole (README.md has the table). */
typedef struct job {
  const cJSON *doc;
  char dir[512];
  pt_code rc;
} job;

static void *write_one(void *arg) {
  job *j = arg;
  pt_report_opts o;
  pt_report_opts_init(&o);
  o.template_name = "article.md";
  o.chart_formats = PT_CHART_PNG;
  pt_error err;
  j->rc = pt_report_write(j->doc, &o, j->dir, &err);
  return NULL;
}

static void test_threads(void **state) {
  (void)state;
  cJSON *doc = article_analysis();
  char root[] = "/tmp/ptbench-view.XXXXXX";
  assert_non_null(mkdtemp(root));
  enum { N = 4 };
  job jobs[N];
  pthread_t th[N];
  for (int i = 0; i < N; i++) {
    jobs[i].doc = doc;
    snprintf(jobs[i].dir, sizeof jobs[i].dir, "%s/r%d", root, i);
    assert_int_equal(pthread_create(&th[i], NULL, write_one, &jobs[i]), 0);
  }
  for (int i = 0; i < N; i++) {
    assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_int_equal(jobs[i].rc, PT_OK);
    char *p = pt_path_join(jobs[i].dir, "README.md");
    pt_buf b = PT_BUF_INIT;
    pt_error err;
    assert_int_equal(pt_read_file(p, 0, &b, &err), PT_OK);
    assert_non_null(strstr(b.data, "| mistral:7b | 50.10 | 49.27 | 1.66% |"));
    assert_non_null(strstr(b.data, "**1.20%**"));
    pt_buf_free(&b);
    free(p);
  }
  pt_remove_tree(root);
  cJSON_Delete(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_article),
      cmocka_unit_test(test_handmade),
      cmocka_unit_test(test_method_per_env),
      cmocka_unit_test(test_schema),
      cmocka_unit_test(test_charts),
      cmocka_unit_test(test_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
