/* tests/unit/test_analysis.c - the analyzer end to end on small inputs, the
 * penalty rule and the number formats of every output. Reference values
 * come from R 4.2.2 (the calls are in the comments). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/analysis.h"
#include "analyze/doc.h"
#include "core/buf.h"
#include "core/json.h"

/* Write text to a temporary trials.csv and analyze it. */
static cJSON *analyze_text_drop(const char *text, const char *metric, const char *baseline,
                                bool drop_outliers, pt_error *err) {
  char path[] = "/tmp/ptbench-analysis-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  pt_dataset *ds = pt_dataset_new(pt_metric_find(metric));
  assert_non_null(ds);
  pt_error_clear(err);
  cJSON *doc = NULL;
  if (pt_dataset_add(ds, path, err) == PT_OK) {
    pt_analyze_opts o;
    pt_analyze_opts_init(&o);
    o.baseline = baseline;
    o.drop_outliers = drop_outliers;
    doc = pt_analyze(ds, &o, err);
  }
  pt_dataset_free(ds);
  unlink(path);
  return doc;
}

static cJSON *analyze_text(const char *text, const char *metric, const char *baseline,
                           pt_error *err) {
  return analyze_text_drop(text, metric, baseline, false, err);
}

static const cJSON *first_group(const cJSON *doc, int model, int group) {
  return cJSON_GetArrayItem(pt_json_get(cJSON_GetArrayItem(pt_json_get(doc, "models"), model),
                                        "groups"),
                            group);
}

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

/* a <- c(50.1, 49.8, 50.3, 50.0, 49.9, 50.2, 49.7)
 * b <- c(49.3, 49.1, 49.5, 49.2, 49.4, 49.6, 49.0) */
static const char seven[] =
    "model,environment,eval_rate\n"
    "m,bare-metal,50.1\nm,vm,49.3\nm,bare-metal,49.8\nm,vm,49.1\nm,bare-metal,50.3\n"
    "m,vm,49.5\nm,bare-metal,50.0\nm,vm,49.2\nm,bare-metal,49.9\nm,vm,49.4\n"
    "m,bare-metal,50.2\nm,vm,49.6\nm,bare-metal,49.7\nm,vm,49.0\n";

static void test_group_statistics(void **state) {
  (void)state;
  pt_error err;
  cJSON *doc = analyze_text(seven, "eval_rate", NULL, &err);
  assert_non_null(doc);
  const cJSON *g = first_group(doc, 0, 0);
  assert_string_equal(pt_json_str(g, "environment"), "bare-metal");
  assert_int_equal(pt_json_int(g, "n", -1), 7);
  NEAR(pt_json_num(g, "mean"), 50.0, 1e-12);                   /* mean(a) */
  NEAR(pt_json_num(g, "variance"), 0.0466666666666666, 1e-12); /* var(a) */
  NEAR(pt_json_num(g, "stddev"), 0.216024689946928, 1e-12);    /* sd(a) */
  NEAR(pt_json_num(g, "cv_pct"), 0.432049379893857, 1e-12);    /* 100*sd(a)/mean(a) */
  NEAR(pt_json_num(g, "se"), 0.0816496580927725, 1e-12);       /* sd(a)/sqrt(7) */
  NEAR(pt_json_num(g, "ci_low"), 49.8002104839709, 1e-9);      /* t.test(a)$conf.int */
  NEAR(pt_json_num(g, "ci_high"), 50.1997895160291, 1e-9);
  NEAR(pt_json_num(g, "median"), 50.0, 1e-12);                 /* median(a) */
  NEAR(pt_json_num(g, "p90"), 50.24, 1e-12);                   /* quantile(a, .9, type=7) */
  assert_true(cJSON_IsNumber(pt_json_get(g, "median_ci_low")));  /* n >= 6 */

  const cJSON *c = cJSON_GetArrayItem(
      pt_json_get(cJSON_GetArrayItem(pt_json_get(doc, "models"), 0), "comparisons"), 0);
  /* one session a side (no run_id): the model is least squares on log
   * values, lm(log(c(a, b)) ~ e) in R; penalty (1 - exp(coef)) * 100 */
  NEAR(pt_json_num(c, "log_ratio"), -0.0140991531793706, 1e-12);
  NEAR(pt_json_num(c, "se"), 0.00232587976927510, 1e-12);
  NEAR(pt_json_num(c, "df"), 12, 1e-9);
  NEAR(pt_json_num(c, "p_value"), 5.65530147546525e-05, 1e-10);
  NEAR(pt_json_num(c, "penalty_pct"), 1.40002255966449, 1e-9);
  NEAR(pt_json_num(c, "penalty_ci_low"), 0.899083503667109, 1e-9);  /* confint(f) */
  NEAR(pt_json_num(c, "penalty_ci_high"), 1.898429449999894, 1e-9);
  const cJSON *w = pt_json_get(c, "welch");
  NEAR(pt_json_num(w, "t"), 6.0621778264911, 1e-9);    /* t.test(a, b) */
  NEAR(pt_json_num(w, "df"), 12, 1e-9);
  NEAR(pt_json_num(w, "p"), 5.65254343067683e-05, 1e-12);
  const cJSON *mw = pt_json_get(c, "mann_whitney");
  NEAR(pt_json_num(mw, "u"), 49, 1e-12);               /* wilcox.test(a, b)$statistic */
  NEAR(pt_json_num(mw, "p"), 0.000582750582750583, 1e-12);
  /* ... but one session per environment: no verdict, said so */
  assert_true(cJSON_IsNull(pt_json_get(c, "significant")));
  assert_string_equal(pt_json_str(c, "verdict"), "undetermined");
  assert_string_equal(pt_json_str(c, "fit"), "no_between");
  assert_string_equal(pt_json_str(c, "method"), "least-squares");
  cJSON_Delete(doc);
}

/* n = 1: statistics that do not exist are null, never 0 or NaN. */
static void test_single_trial_nulls(void **state) {
  (void)state;
  pt_error err;
  cJSON *doc = analyze_text("model,environment,eval_rate\nm,bare-metal,50.10\nm,vm,49.27\n",
                            "eval_rate", NULL, &err);
  assert_non_null(doc);
  const cJSON *g = first_group(doc, 0, 1);
  static const char *const nulls[] = {"variance", "stddev", "cv_pct", "se", "ci_low",
                                      "ci_high", "median_ci_low", "median_ci_high"};
  for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
    if (!cJSON_IsNull(pt_json_get(g, nulls[i])))
      fail_msg("'%s' should be null", nulls[i]);
  const cJSON *c = cJSON_GetArrayItem(
      pt_json_get(cJSON_GetArrayItem(pt_json_get(doc, "models"), 0), "comparisons"), 0);
  /* the article: (50.10 - 49.27) / 50.10 = 1.6567 % */
  NEAR(pt_json_num(c, "penalty_pct"), 1.656686626746507, 1e-9);
  assert_true(cJSON_IsNull(pt_json_get(c, "significant")));
  /* README: a comparison's test is null when a side has n < 2 (the U test
   * used to run on 1 vs 1 and mark the article's penalties "~") */
  assert_true(cJSON_IsNull(pt_json_get(c, "welch")));
  assert_true(cJSON_IsNull(pt_json_get(c, "mann_whitney")));
  cJSON_Delete(doc);
}

static bool has_warning(const cJSON *doc, const char *code) {
  const cJSON *w;
  cJSON_ArrayForEach(w, pt_json_get(doc, "warnings")) if (!strcmp(pt_json_str(w, "code"), code)) return true;
  return false;
}

/* STATS.md 7: --drop-outliers says how many it dropped. */
static void test_drop_outliers_counted(void **state) {
  (void)state;
  pt_error err;
  static const char text[] = "model,environment,eval_rate\n"
                             "m,a,50\nm,a,50.1\nm,a,49.9\nm,a,50.2\nm,a,49.8\nm,a,50\nm,a,10\n";
  cJSON *doc = analyze_text_drop(text, "eval_rate", NULL, true, &err);
  assert_non_null(doc);
  const cJSON *g = first_group(doc, 0, 0);
  assert_int_equal(pt_json_int(g, "n", 0), 6);
  assert_int_equal(pt_json_int(pt_json_get(g, "excluded"), "outliers", -1), 1);
  assert_true(has_warning(doc, "outliers-dropped"));
  assert_false(has_warning(doc, "outliers"));
  cJSON_Delete(doc);
  doc = analyze_text_drop(text, "eval_rate", NULL, false, &err);
  assert_non_null(doc);
  assert_false(has_warning(doc, "outliers-dropped"));
  assert_true(has_warning(doc, "outliers"));
  cJSON_Delete(doc);
}

/* STATS.md 7 and 17: outliers are judged within prompt. Five prompts, one
 * 10 % slower than the rest, nine tight trials each (sd 0.2 % by a fixed
 * table): the slow prompt is no outlier, and --drop-outliers keeps it.
 * Before, all 9 x 3 of its bare-metal trials were "outliers" and dropped. */
static void test_outliers_within_prompt(void **state) {
  (void)state;
  static const double noise[] = {0.001, -0.002, 0.0005, 0.0015, -0.001,
                                 0.002, -0.0005, 0.0, -0.0015};
  static const struct {
    const char *id;
    double rate;
  } prompts[] = {{"explain", 50}, {"code", 50.1}, {"summarize", 49.9},
                 {"creative", 50.05}, {"reason", 45}};
  pt_buf b = PT_BUF_INIT;
  pt_buf_puts(&b, "run_id,model,environment,prompt_id,eval_rate\n");
  for (int s = 0; s < 6; s++)
    for (size_t p = 0; p < 5; p++)
      for (int t = 0; t < 9; t++)
        pt_buf_printf(&b, "s%d,m,%s,%s,%.3f\n", s, s % 2 ? "vm" : "bare-metal", prompts[p].id,
                      prompts[p].rate * (1 + noise[(t + s + p) % 9]) * (s % 2 ? 0.99 : 1));
  /* and one real outlier: a trial of `code` at a fifth of the rate */
  pt_buf_puts(&b, "s0,m,bare-metal,code,10.0\n");
  for (int drop = 0; drop < 2; drop++) {
    pt_error err;
    cJSON *doc = analyze_text_drop(b.data, "eval_rate", NULL, drop, &err);
    assert_non_null(doc);
    const cJSON *g = first_group(doc, 0, 0);
    assert_string_equal(pt_json_str(g, "environment"), "bare-metal");
    if (drop) {
      assert_int_equal(pt_json_int(g, "n", 0), 27 * 5);
      assert_int_equal(pt_json_int(pt_json_get(g, "excluded"), "outliers", -1), 1);
      /* every prompt is still there */
      const cJSON *prompts_json = pt_json_get(cJSON_GetArrayItem(pt_doc_models(doc), 0), "prompts");
      assert_int_equal(cJSON_GetArraySize(prompts_json), 5);
    } else {
      assert_int_equal(pt_json_int(g, "outliers", -1), 1);
      assert_int_equal(pt_json_int(first_group(doc, 0, 1), "outliers", -1), 0);
    }
    cJSON_Delete(doc);
  }
  pt_buf_free(&b);
}

/* Finding 10: values near the ends of the doubles give finite, sane
 * statistics: 1e-300s keep their CV (their variance underflowed to 0: CV
 * 0 %), 1e308s their mean and per-prompt mean (a sum overflowed), and a
 * subnormal is read as the number it is. */
static void test_extreme_values(void **state) {
  (void)state;
  static const struct {
    const char *text;
    double cv_pct;  /* of the first group (bare-metal): sd / mean by hand */
    double penalty;
  } cases[] = {
      {"model,environment,eval_rate\nm,bare-metal,1e-300\nm,bare-metal,1.1e-300\n"
       "m,bare-metal,1.05e-300\nm,vm,1e-300\nm,vm,1.1e-300\nm,vm,1.05e-300\n",
       100 * 0.05 / 1.05, 0},
      {"model,environment,eval_rate\nm,bare-metal,1.5e308\nm,bare-metal,1.5e308\n"
       "m,vm,1e308\nm,vm,1e308\n",
       0, 100.0 / 3},
      {"model,environment,eval_rate\nm,bare-metal,2e-308\nm,bare-metal,2e-308\n"
       "m,vm,1e-308\nm,vm,1e-308\n",
       0, 50},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    pt_error err;
    cJSON *doc = analyze_text(cases[i].text, "eval_rate", NULL, &err);
    if (!doc)
      fail_msg("case %zu: %s", i, err.msg);
    const cJSON *g = first_group(doc, 0, 0);
    assert_string_equal(pt_json_str(g, "environment"), "bare-metal");
    NEAR(pt_json_num(g, "cv_pct"), cases[i].cv_pct, 1e-9);
    assert_true(isfinite(pt_json_num(g, "mean")));
    const cJSON *m = cJSON_GetArrayItem(pt_doc_models(doc), 0);
    const cJSON *c = pt_doc_comparison_of(m, "vm");
    NEAR(pt_json_num(c, PT_DOC_PENALTY_PCT), cases[i].penalty, 1e-9);
    /* the per-prompt means are finite too */
    const cJSON *p = cJSON_GetArrayItem(pt_json_get(m, "prompts"), 0);
    const cJSON *pg;
    cJSON_ArrayForEach(pg, pt_json_get(p, "groups")) assert_true(isfinite(pt_json_num(pg, "mean")));
    cJSON_Delete(doc);
  }
}

/* Finding 12: a model name with a newline and a mean of 1e300 keep the
 * text table aligned and bounded: every row's environment under the
 * header's, the name escaped, the mean in scientific notation. */
static void test_text_table_bounded(void **state) {
  (void)state;
  pt_error err;
  cJSON *doc = analyze_text("model,environment,eval_rate\n"
                            "\"two\nlines\",bare-metal,1e300\n\"two\nlines\",vm,0.9e300\n"
                            "m,bare-metal,50\nm,vm,49\n",
                            "eval_rate", NULL, &err);
  assert_non_null(doc);
  pt_buf b = PT_BUF_INIT;
  assert_int_equal(pt_analysis_text(doc, &b), PT_OK);
  assert_non_null(strstr(b.data, "two\\nlines"));
  assert_non_null(strstr(b.data, "1.000e+300"));
  assert_null(strstr(b.data, "1000000000000000"));
  /* the table: from the header line to the first blank line */
  const char *t = strstr(b.data, "\nmodel");
  assert_non_null(t);
  t++;
  size_t env_col = (size_t)(strstr(t, "environment") - t), rows = 0;
  for (const char *line = t; *line && *line != '\n'; rows++) {
    size_t len = strcspn(line, "\n");
    /* every row's environment starts under the header's (ASCII here) */
    if (rows && (len <= env_col || line[env_col - 1] != ' ' ||
                 (strncmp(line + env_col, "bare-metal", 10) && strncmp(line + env_col, "vm", 2))))
      fail_msg("row %zu is not aligned:\n%s", rows, b.data);
    line += len + (line[len] == '\n');
  }
  assert_int_equal(rows, 5);  /* header, 2 models x 2 environments */
  pt_buf_free(&b);
  cJSON_Delete(doc);
}

/* Copy file from to to, the manifest edited by edit when not NULL. */
static void copy_json(const char *from, const char *to, void (*edit)(cJSON *)) {
  FILE *fp = fopen(from, "rb");
  assert_non_null(fp);
  pt_buf b = PT_BUF_INIT;
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
    assert_int_equal(pt_buf_append(&b, chunk, n), PT_OK);
  fclose(fp);
  char *text = NULL;
  if (edit) {
    cJSON *m = cJSON_Parse(b.data);
    assert_non_null(m);
    edit(m);
    text = cJSON_Print(m);
    cJSON_Delete(m);
  }
  fp = fopen(to, "wb");
  assert_non_null(fp);
  fputs(text ? text : b.data, fp);
  fclose(fp);
  cJSON_free(text);
  pt_buf_free(&b);
}

/* The second session of the run differs (a reboot); the third was forced
 * in and skipped a model: what collect recorded (collect/collect.c). */
static void edit_sessions(cJSON *m) {
  cJSON *ss = cJSON_GetObjectItemCaseSensitive(m, "sessions");
  cJSON *d = cJSON_AddArrayToObject(cJSON_GetArrayItem(ss, 1), "differs");
  cJSON *it = cJSON_CreateObject();
  cJSON_AddStringToObject(it, "code", "boot-changed");
  cJSON_AddStringToObject(it, "message", "the machine rebooted since the first session");
  cJSON_AddItemToArray(d, it);
  cJSON *s2 = cJSON_GetArrayItem(ss, 2);
  cJSON_AddItemToArray(cJSON_AddArrayToObject(s2, "forced"),
                       cJSON_CreateString("ollama: 0.5.7 here, 0.5.4 in the run"));
  cJSON_DeleteItemFromObjectCaseSensitive(s2, "skipped_models");
  it = cJSON_CreateObject();
  cJSON_AddStringToObject(it, "model", "phi4:14b");
  cJSON_AddStringToObject(it, "reason", "not pulled");
  cJSON_AddItemToArray(cJSON_AddArrayToObject(s2, "skipped_models"), it);
}

/* From the sessions engineer: a session's differs, forced and
 * skipped_models in its run's manifest are warnings, one line an item. */
static void test_session_warnings(void **state) {
  (void)state;
  char dir[] = "/tmp/ptbench-sessions-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[256], vm[256];
  snprintf(vm, sizeof vm, "%s/vm", dir);
  assert_int_equal(mkdir(vm, 0700), 0);
  snprintf(path, sizeof path, "%s/trials.csv", vm);
  copy_json("tests/data/report/collected/vm/trials.csv", path, NULL);
  snprintf(path, sizeof path, "%s/manifest.json", vm);
  copy_json("tests/data/report/collected/vm/manifest.json", path, edit_sessions);
  pt_dataset *ds = pt_dataset_new(pt_metric_find("eval_rate"));
  pt_error err;
  assert_int_equal(pt_dataset_add(ds, "tests/data/report/collected/bare-metal", &err), PT_OK);
  assert_int_equal(pt_dataset_add(ds, vm, &err), PT_OK);
  pt_analyze_opts o;
  pt_analyze_opts_init(&o);
  cJSON *doc = pt_analyze(ds, &o, &err);
  assert_non_null(doc);
  static const struct {
    const char *code, *has;
  } want[] = {
      {"session-differs", "vm: session 20261127T185523Z-d5085ab1 ("},
      {"session-differs", "differs from the run's first session (boot-changed): the machine "
                          "rebooted since the first session"},
      {"session-forced", "20261127T185526Z-5cfa3257 ("},
      {"session-forced", "was added with --force despite: ollama: 0.5.7 here, 0.5.4 in the run"},
      {"session-skipped-model", "skipped phi4:14b: not pulled"},
  };
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    const cJSON *w;
    size_t found = 0;
    cJSON_ArrayForEach(w, pt_json_get(doc, "warnings")) {
      const char *msg = pt_json_str(w, "message");
      if (!strcmp(pt_json_str(w, "code"), want[i].code) && msg && strstr(msg, want[i].has)) {
        assert_string_equal(pt_json_str(w, "environment"), "vm");
        assert_null(strchr(msg, '\n'));  /* one line each */
        found++;
      }
    }
    if (found != 1)
      fail_msg("warning %s with \"%s\": %zu found", want[i].code, want[i].has, found);
  }
  /* the unedited run (bare-metal): none of them */
  const cJSON *w;
  cJSON_ArrayForEach(w, pt_json_get(doc, "warnings")) {
    const char *env = pt_json_str(w, "environment");
    assert_false(!strncmp(pt_json_str(w, "code"), "session-", 8) && env &&
                 !strcmp(env, "bare-metal"));
  }
  cJSON_Delete(doc);
  pt_dataset_free(ds);
  snprintf(path, sizeof path, "%s/trials.csv", vm);
  unlink(path);
  snprintf(path, sizeof path, "%s/manifest.json", vm);
  unlink(path);
  rmdir(vm);
  rmdir(dir);
}

/* STATS.md 8: a duration of 0 is degenerate for duration metrics too (it made
 * the baseline mean 0 and the penalty a division by zero). */
static void test_zero_duration_invalid(void **state) {
  (void)state;
  pt_error err;
  cJSON *doc = analyze_text("model,environment,ttft_ns\nm,bare-metal,0\nm,bare-metal,100000000\n"
                            "m,vm,110000000\n",
                            "ttft_ns", NULL, &err);
  assert_non_null(doc);
  const cJSON *g = first_group(doc, 0, 0);
  assert_int_equal(pt_json_int(g, "n", 0), 1);
  assert_int_equal(pt_json_int(pt_json_get(g, "excluded"), "invalid", -1), 1);
  const cJSON *c = cJSON_GetArrayItem(
      pt_json_get(cJSON_GetArrayItem(pt_json_get(doc, "models"), 0), "comparisons"), 0);
  NEAR(pt_json_num(c, "penalty_pct"), 10.0, 1e-9);
  cJSON_Delete(doc);
  /* the header's own line when blank lines come first */
  assert_null(analyze_text("\n\nmodel,environment\nm,vm\n", "eval_rate", NULL, &err));
  assert_int_equal(err.code, PT_EDATA);
  assert_int_equal(err.line, 3);
}

/* STATS.md 9: for a lower-is-better metric B / A - 1; the sign says worse. */
static void test_penalty_direction(void **state) {
  (void)state;
  pt_error err;
  cJSON *doc = analyze_text("model,environment,ttft_ns\nm,bare-metal,100000000\nm,vm,110000000\n",
                            "ttft_ns", NULL, &err);
  assert_non_null(doc);
  const cJSON *c = cJSON_GetArrayItem(
      pt_json_get(cJSON_GetArrayItem(pt_json_get(doc, "models"), 0), "comparisons"), 0);
  NEAR(pt_json_num(c, "penalty_pct"), 10.0, 1e-9);
  NEAR(pt_json_num(first_group(doc, 0, 0), "mean"), 100.0, 1e-9); /* shown in ms */
  assert_false(pt_json_bool(pt_json_get(doc, "metric"), "higher_is_better", true));
  cJSON_Delete(doc);
  doc = analyze_text("model,environment,eval_rate\nm,a,40\nm,b,50\n", "eval_rate", NULL, &err);
  assert_non_null(doc);
  /* no bare-metal: the first environment read is the baseline; B faster = negative */
  assert_string_equal(pt_json_str(doc, "baseline"), "a");
  c = cJSON_GetArrayItem(pt_json_get(cJSON_GetArrayItem(pt_json_get(doc, "models"), 0), "comparisons"), 0);
  NEAR(pt_json_num(c, "penalty_pct"), -25.0, 1e-9);
  cJSON_Delete(doc);
}

static void test_summary_and_warnings(void **state) {
  (void)state;
  pt_error err;
  cJSON *doc = analyze_text("model,environment,eval_rate,size_bytes,size_vram_bytes\n"
                            "m1,bare-metal,50.10,10,10\nm1,vm,49.27,10,8\n"
                            "m2,bare-metal,35.06,10,10\nm2,vm,34.96,10,10\n"
                            "m3,bare-metal,27.52,10,10\nm3,vm,27.20,10,10\n"
                            "m4,bare-metal,25.10,10,10\nm4,vm,24.67,10,10\n",
                            "eval_rate", NULL, &err);
  assert_non_null(doc);
  const cJSON *s = cJSON_GetArrayItem(pt_json_get(pt_json_get(doc, "summary"), "comparisons"), 0);
  /* the article's four penalties, averaged: 1.2045 % */
  NEAR(pt_json_num(s, "mean_penalty_pct"),
       (100 * (1 - 49.27 / 50.10) + 100 * (1 - 34.96 / 35.06) + 100 * (1 - 27.20 / 27.52) +
        100 * (1 - 24.67 / 25.10)) / 4,
       1e-9);
  bool offload = false, single = false;
  const cJSON *w;
  cJSON_ArrayForEach(w, pt_json_get(doc, "warnings")) {
    offload |= !strcmp(pt_json_str(w, "code"), "cpu-offload") &&
               !strcmp(pt_json_str(w, "model"), "m1");
    single |= !strcmp(pt_json_str(w, "code"), "single-trial");
  }
  assert_true(offload);
  assert_true(single);
  cJSON_Delete(doc);
}

static void test_errors(void **state) {
  (void)state;
  pt_error err;
  assert_null(analyze_text("model,environment,eval_rate\nm,vm,1\n", "eval_rate", "cloud", &err));
  assert_int_equal(err.code, PT_EUSAGE);
  assert_null(analyze_text("model,environment,eval_rate,warmup\nm,vm,1,1\n", "eval_rate", NULL, &err));
  assert_int_equal(err.code, PT_EDATA);
  assert_non_null(strstr(err.msg, "no usable trial"));
  assert_null(analyze_text("model,environment,eval_rate,warmup\nm,vm,1,2\n", "eval_rate", NULL, &err));
  assert_int_equal(err.code, PT_EDATA);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.column, 4);
}

static void test_formats(void **state) {
  (void)state;
  static const struct {
    double v;
    int dec;
    const char *num, *pct;
  } cases[] = {
      {50.1, 2, "50.10", "50.10%"},
      {1.656686626746507, 2, "1.66", "1.66%"},
      {0.2852253280091272, 2, "0.29", "0.29%"},
      {-0.001, 2, "0.00", "0.00%"},  /* no "-0.00" */
      {-1.68, 2, "-1.68", "-1.68%"},
      {NAN, 2, PT_DASH, PT_DASH},
      {INFINITY, 2, PT_DASH, PT_DASH},
      {2.5, 0, "2", "2.50%"},  /* printf rounds half to even */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char a[32], b[32];
    assert_string_equal(pt_fmt_num(cases[i].v, cases[i].dec, a, sizeof a), cases[i].num);
    assert_string_equal(pt_fmt_pct(cases[i].v, b, sizeof b), cases[i].pct);
  }
  static const struct {
    const char *in, *out;
  } md[] = {
      {"mistral:7b", "mistral:7b"},
      {"a|b", "a\\|b"},
      {"*bold* _it_", "\\*bold\\* \\_it\\_"},
      {"<script>", "&lt;script&gt;"},
      {"two\nlines", "two lines"},
      {"back\\slash `code` [l](u) &amp;", "back\\\\slash \\`code\\` \\[l\\](u) &amp;amp;"},
      {"~~strike~~ #1", "&#126;&#126;strike&#126;&#126; \\#1"},
  };
  for (size_t i = 0; i < sizeof md / sizeof md[0]; i++) {
    pt_buf b = PT_BUF_INIT;
    assert_int_equal(pt_md_escape(&b, md[i].in), PT_OK);
    assert_string_equal(b.data ? b.data : "", md[i].out);
    pt_buf_free(&b);
  }
}

/* Sessions of an A/A study written as trials: env[s] is session s's
 * environment; two prompts 5 % apart, three trials each; session sd 1 %,
 * trial noise 0.5 % from a fixed table (no randomness needed: only the
 * design decides the verdict here). */
static char *sessions_text(const char *const *env, size_t n, const char *model) {
  static const double u[] = {0.004, -0.011, 0.007, -0.002, 0.009, -0.006};
  static const double e[] = {0.003, -0.004, 0.001, -0.006, 0.005, 0.002};
  pt_buf b = PT_BUF_INIT;
  pt_buf_puts(&b, "run_id,model,environment,prompt_id,eval_rate\n");
  for (size_t s = 0; s < n; s++)
    for (int p = 0; p < 2; p++)
      for (int t = 0; t < 3; t++)
        pt_buf_printf(&b, "s%zu,%s,%s,p%d,%.4f\n", s, model, env[s], p + 1,
                      50 * (p ? 1.05 : 1.0) * (1 + u[s % 6] + e[(s + 2 * p + t) % 6]));
  return pt_buf_detach(&b, NULL);
}

/* STATS.md 20: no verdict unless each environment has 2 sessions or more;
 * the numbers stay the model's, and the note says which side has one. */
static void test_single_session_side_undetermined(void **state) {
  (void)state;
  static const char *const one_two[] = {"bare-metal", "vm", "vm"};
  static const char *const three_one[] = {"bare-metal", "vm", "bare-metal", "bare-metal"};
  static const char *const two_two[] = {"bare-metal", "vm", "bare-metal", "vm"};
  static const struct {
    const char *const *env;
    size_t n;
    bool determined;
    const char *note;
  } cases[] = {
      {one_two, 3, false, "bare-metal has a single session (vm has 2): "},
      {three_one, 4, false, "vm has a single session (bare-metal has 3): "},
      {two_two, 4, true, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *text = sessions_text(cases[i].env, cases[i].n, "m");
    pt_error err;
    cJSON *doc = analyze_text(text, "eval_rate", NULL, &err);
    free(text);
    assert_non_null(doc);
    const cJSON *c = pt_doc_comparison_of(cJSON_GetArrayItem(pt_doc_models(doc), 0), "vm");
    const cJSON *s = cJSON_GetArrayItem(pt_doc_summary_comparisons(doc), 0);
    for (int k = 0; k < 2; k++) {
      const cJSON *o = k ? s : c;
      assert_string_equal(pt_json_str(o, PT_DOC_FIT), "ok");  /* lmerTest's numbers */
      assert_true(isfinite(pt_json_num(o, PT_DOC_P_VALUE)));
      assert_true(isfinite(pt_json_num(o, PT_DOC_PENALTY_CI_LOW)));
      if (cases[i].determined) {
        assert_true(cJSON_IsBool(pt_json_get(o, PT_DOC_SIGNIFICANT)));
        assert_null(pt_doc_verdict_note(o));
        assert_true(cJSON_IsNull(pt_json_get(o, PT_DOC_VERDICT_NOTE)));
        continue;
      }
      assert_string_equal(pt_doc_verdict(o), PT_DOC_UNDETERMINED);
      assert_true(cJSON_IsNull(pt_json_get(o, PT_DOC_SIGNIFICANT)));
      const char *note = pt_doc_verdict_note(o);
      assert_non_null(note);
      assert_ptr_equal(strstr(note, cases[i].note), note);
      assert_non_null(strstr(note, PT_DOC_ABAB_ADVICE));
    }
    if (!cases[i].determined) {
      assert_true(cJSON_IsNull(pt_json_get(c, PT_DOC_P_ADJUSTED)));  /* not in the family */
      assert_true(has_warning(doc, "undetermined"));
      /* the text format says it in words under the table */
      pt_buf b = PT_BUF_INIT;
      assert_int_equal(pt_analysis_text(doc, &b), PT_OK);
      assert_non_null(strstr(b.data, "undetermined: "));
      assert_non_null(strstr(b.data, cases[i].note));
      pt_buf_free(&b);
    }
    cJSON_Delete(doc);
  }
}

/* The Holm family of a comparison leaves out the models without a verdict:
 * a model with one session a side does not dilute the others' p-values. */
static void test_holm_family_determined_only(void **state) {
  (void)state;
  static const char *const good[] = {"bare-metal", "vm", "bare-metal", "vm", "bare-metal", "vm"};
  static const char *const bad[] = {"bare-metal", "vm", "vm", "vm"};
  char *a = sessions_text(good, 6, "m1"), *b = sessions_text(bad, 4, "m2");
  /* m2's sessions are its own (run_ids of their own) */
  pt_buf t = PT_BUF_INIT;
  pt_buf_puts(&t, a);
  for (const char *p = strchr(b, '\n') + 1; *p; p++) {
    if (*p == 's' && (p == b || p[-1] == '\n'))
      pt_buf_putc(&t, 'x');
    pt_buf_putc(&t, *p);
  }
  free(a);
  free(b);
  pt_error err;
  cJSON *doc = analyze_text(t.data, "eval_rate", NULL, &err);
  pt_buf_free(&t);
  assert_non_null(doc);
  const cJSON *c1 = pt_doc_comparison_of(cJSON_GetArrayItem(pt_doc_models(doc), 0), "vm");
  const cJSON *c2 = pt_doc_comparison_of(cJSON_GetArrayItem(pt_doc_models(doc), 1), "vm");
  assert_string_equal(pt_doc_model_name(cJSON_GetArrayItem(pt_doc_models(doc), 1)), "m2");
  assert_true(pt_doc_undetermined(c2));
  assert_false(pt_doc_undetermined(c1));
  /* a family of one: Holm leaves its p as it is */
  assert_true(pt_json_num(c1, PT_DOC_P_ADJUSTED) == pt_json_num(c1, PT_DOC_P_VALUE));
  cJSON_Delete(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_group_statistics),
      cmocka_unit_test(test_single_trial_nulls),
      cmocka_unit_test(test_penalty_direction),
      cmocka_unit_test(test_summary_and_warnings),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_formats),
      cmocka_unit_test(test_drop_outliers_counted),
      cmocka_unit_test(test_outliers_within_prompt),
      cmocka_unit_test(test_extreme_values),
      cmocka_unit_test(test_text_table_bounded),
      cmocka_unit_test(test_session_warnings),
      cmocka_unit_test(test_zero_duration_invalid),
      cmocka_unit_test(test_single_session_side_undetermined),
      cmocka_unit_test(test_holm_family_determined_only),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
