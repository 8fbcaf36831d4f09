/* tests/unit/test_plan.c - plan files, prompt files, defaults and the JSON
 * the plan sends (collect/plan.h). Error cases check file:line:column, the
 * positions counted by hand in each YAML text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/plan.h"
#include "core/buf.h"
#include "core/json.h"

static pt_code parse(const char *yaml, pt_plan *p, pt_error *err) {
  pt_plan_init(p);
  pt_error_clear(err);
  return pt_plan_parse(yaml, strlen(yaml), "plan.yml", p, err);
}

/* The article's benchmarks.yml (tests/data/benchmarks.yml). */
static void test_article_file(void **state) {
  pt_plan p;
  pt_error err;
  pt_plan_init(&p);
  pt_error_clear(&err);
  assert_int_equal(pt_plan_read("tests/data/benchmarks.yml", &p, &err), PT_OK);
  assert_string_equal(p.version, "2.0");
  assert_int_equal(p.n_models, 4);
  assert_string_equal(p.models[0], "mistral:7b");
  assert_string_equal(p.models[1], "gemma2:9b");
  assert_string_equal(p.models[2], "phi4:14b");
  assert_string_equal(p.models[3], "deepseek-r1:14b");
  assert_int_equal(p.n_prompts, 0);
  assert_string_equal(p.source, "tests/data/benchmarks.yml");
  assert_int_equal(pt_plan_finish(&p, &err), PT_OK);
  assert_int_equal(p.trials, PT_DEFAULT_TRIALS);
  assert_int_equal(p.warmup, PT_DEFAULT_WARMUP);
  assert_int_equal(p.n_prompts, 5);
  assert_string_equal(p.keep_alive, "5m");
  pt_plan_free(&p);
}

static const char full_plan[] =
    "# every key a plan may have\n"
    "version: 2.0\n"
    "models:\n"
    "  - model: mistral:7b\n"
    "  - phi4:14b\n"
    "prompts:\n"
    "  - id: hello\n"
    "    text: Say hello.\n"
    "  - Count to three.\n"
    "trials: 7\n"
    "warmup: 0\n"
    "keep_alive: -1\n"
    "options:\n"
    "  seed: 7\n"
    "  temperature: 0.5\n"
    "  num_predict: 128\n"
    "  num_ctx: 8192\n"
    "  top_k: 20\n"
    "  stop: [\"END\", \"\\n\\n\"]\n"
    "  use_mmap: false\n";

static void test_full_plan(void **state) {
  pt_plan p;
  pt_error err;
  assert_int_equal(parse(full_plan, &p, &err), PT_OK);
  assert_int_equal(p.n_models, 2);
  assert_string_equal(p.models[1], "phi4:14b");
  assert_int_equal(p.n_prompts, 2);
  assert_string_equal(p.prompts[0].id, "hello");
  assert_string_equal(p.prompts[0].text, "Say hello.");
  assert_string_equal(p.prompts[1].id, "p2");
  assert_int_equal(p.trials, 7);
  assert_int_equal(p.warmup, 0);
  assert_string_equal(p.keep_alive, "-1");
  assert_true(p.has_seed && p.has_temperature && p.has_num_predict && p.has_num_ctx);
  assert_int_equal(p.seed, 7);
  assert_true(p.temperature == 0.5);
  assert_int_equal(p.num_predict, 128);
  assert_int_equal(p.num_ctx, 8192);
  assert_int_equal(pt_plan_finish(&p, &err), PT_OK);
  cJSON *o = pt_plan_options_json(&p);
  char *s = cJSON_PrintUnformatted(o);
  assert_string_equal(s, "{\"top_k\":20,\"stop\":[\"END\",\"\\n\\n\"],\"use_mmap\":false,"
                         "\"seed\":7,\"temperature\":0.5,\"num_predict\":128,\"num_ctx\":8192}");
  cJSON_free(s);
  cJSON_Delete(o);
  cJSON *ka = pt_keep_alive_json(p.keep_alive);
  assert_true(cJSON_IsNumber(ka) && ka->valuedouble == -1);
  cJSON_Delete(ka);
  cJSON *j = pt_plan_to_json(&p);
  assert_non_null(j);
  assert_int_equal(pt_json_int(j, "trials", 0), 7);
  assert_int_equal(cJSON_GetArraySize(pt_json_get(j, "prompts")), 2);
  cJSON_Delete(j);
  pt_plan_free(&p);
}

/* Each bad plan with where the error is (line, column) and words from it. */
static const struct {
  const char *yaml;
  pt_code code;
  long line, col;
  const char *has;
} bad_plans[] = {
    {"models:\n  - model: a\nrepeat: 3\n", PT_EDATA, 3, 1, "unknown key 'repeat'"},
    {"models:\n  - model: a\ntrials: five\n", PT_EDATA, 3, 9, "'trials' must be a whole number"},
    {"trials: 0\n", PT_EDATA, 1, 9, "between 1 and"},
    {"models: mistral\n", PT_EDATA, 1, 9, "'models' must be a list"},
    {"models:\n  - name: a\n", PT_EDATA, 2, 5, "unknown key 'name'"},
    {"models:\n  - model: a\n  - model: a\n", PT_EDATA, 3, 12, "listed twice"},
    {"models: []\n", PT_EDATA, 1, 9, "empty list"},
    {"options:\n  seed: 1\n  mirostat_x: 2\n", PT_EDATA, 3, 3, "unknown option 'mirostat_x'"},
    {"options:\n  temperature: hot\n", PT_EDATA, 2, 16, "must be a number"},
    {"options: [1]\n", PT_EDATA, 1, 10, "'options' must be a mapping"},
    {"prompts:\n  - id: a\n    text: x\n  - id: a\n    text: y\n", PT_EDATA, 4, 9,
     "used twice"},
    {"prompts:\n  - id: a\n", PT_EDATA, 2, 5, "without 'text'"},
    {"prompts:\n  - id: a\n    text: x\n    lang: en\n", PT_EDATA, 4, 5, "unknown key 'lang'"},
    {"keep_alive: soon\n", PT_EDATA, 1, 13, "'keep_alive' must be"},
    {"- model: a\n", PT_EDATA, 1, 1, "a plan must be a mapping"},
    {"models:\n  - model: a\n bad: [\n", PT_EPARSE, 3, 2, "invalid YAML"},
    {"", PT_EDATA, 0, 0, "empty plan"},
};

static void test_bad_plans(void **state) {
  for (size_t i = 0; i < sizeof bad_plans / sizeof bad_plans[0]; i++) {
    pt_plan p;
    pt_error err;
    pt_code rc = parse(bad_plans[i].yaml, &p, &err);
    char where[2048];
    pt_error_format(&err, where, sizeof where);
    if (rc != bad_plans[i].code || err.line != bad_plans[i].line ||
        err.column != bad_plans[i].col || !strstr(err.msg, bad_plans[i].has))
      fail_msg("case %zu: got %s (%s), want %s at %ld:%ld with '%s'", i, pt_strerror(rc), where,
               pt_strerror(bad_plans[i].code), bad_plans[i].line, bad_plans[i].col,
               bad_plans[i].has);
    assert_string_equal(err.file, "plan.yml");
    assert_int_equal(p.n_models, 0); /* left empty */
    pt_plan_free(&p);
  }
}

static void test_null_values_unset(void **state) {
  pt_plan p;
  pt_error err;
  assert_int_equal(parse("version:\nmodels:\n  - a\ntrials: ~\nwarmup: null\n", &p, &err), PT_OK);
  assert_null(p.version);
  assert_int_equal(p.trials, -1);
  assert_int_equal(p.warmup, -1);
  pt_plan_free(&p);
}

static void test_finish(void **state) {
  pt_plan p;
  pt_error err;
  pt_plan_init(&p);
  pt_error_clear(&err);
  assert_int_equal(pt_plan_finish(&p, &err), PT_EUSAGE);
  assert_non_null(strstr(err.msg, "no models"));
  const char *models[] = {"a", "b"};
  assert_int_equal(pt_plan_set_models(&p, models, 2, &err), PT_OK);
  assert_int_equal(pt_plan_set_keep_alive(&p, "1h30m", &err), PT_OK);
  assert_int_equal(pt_plan_set_keep_alive(&p, "1x", &err), PT_EUSAGE);
  assert_int_equal(pt_plan_finish(&p, &err), PT_OK);
  assert_int_equal(p.seed, PT_DEFAULT_SEED);
  assert_true(p.temperature == 0);
  assert_int_equal(p.num_predict, PT_DEFAULT_NUM_PREDICT);
  assert_int_equal(p.num_ctx, PT_DEFAULT_NUM_CTX);
  assert_string_equal(p.keep_alive, "1h30m");
  size_t n;
  const pt_prompt *b = pt_builtin_prompts(&n);
  assert_int_equal(p.n_prompts, n);
  for (size_t i = 0; i < n; i++)
    assert_string_equal(p.prompts[i].id, b[i].id);
  pt_plan_free(&p);
}

static char *write_tmp(const char *suffix, const char *text) {
  char *path = malloc(64);
  snprintf(path, 64, "/tmp/ptbench-plan-XXXXXX%s", suffix);
  int fd = mkstemps(path, (int)strlen(suffix));
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  return path;
}

static void test_prompt_files(void **state) {
  pt_plan p;
  pt_error err;
  pt_plan_init(&p);
  pt_error_clear(&err);
  char *txt = write_tmp(".txt", "# my prompts\n\nFirst prompt.\r\n  Second one  \n#x\nThird");
  assert_int_equal(pt_prompts_read(txt, &p, &err), PT_OK);
  assert_int_equal(p.n_prompts, 3);
  assert_string_equal(p.prompts[0].id, "p1");
  assert_string_equal(p.prompts[0].text, "First prompt.");
  assert_string_equal(p.prompts[1].text, "Second one");
  assert_string_equal(p.prompts[2].id, "p3");
  assert_string_equal(p.prompts[2].text, "Third");
  char *yml = write_tmp(".yaml", "- id: a\n  text: |\n    two\n    lines\n- plain\n");
  assert_int_equal(pt_prompts_read(yml, &p, &err), PT_OK);
  assert_int_equal(p.n_prompts, 2);
  assert_string_equal(p.prompts[0].text, "two\nlines\n");
  assert_string_equal(p.prompts[1].id, "p2");
  char *bad = write_tmp(".yml", "prompts:\n  - a\n");
  assert_int_equal(pt_prompts_read(bad, &p, &err), PT_EDATA);
  assert_int_equal(err.line, 1);
  assert_int_equal(p.n_prompts, 2); /* unchanged */
  char *empty = write_tmp(".txt", "# nothing\n\n");
  assert_int_equal(pt_prompts_read(empty, &p, &err), PT_EDATA);
  unlink(txt);
  unlink(yml);
  unlink(bad);
  unlink(empty);
  free(txt);
  free(yml);
  free(bad);
  free(empty);
  pt_plan_free(&p);
}

/* llm-benchmark's files as they are (tests/data/llm-benchmark/README.md
 * says where each comes from). */
static void test_llm_benchmark_files(void **state) {
  pt_plan p;
  pt_error err;
  pt_plan_init(&p);
  pt_error_clear(&err);
  assert_int_equal(pt_plan_read("tests/data/llm-benchmark/custombenchmarkmodels.yml", &p, &err),
                   PT_OK);
  assert_string_equal(p.version, "2.0.custom");
  assert_int_equal(p.n_models, 2);
  assert_string_equal(p.models[0], "deepseek-r1:1.5b");
  assert_string_equal(p.models[1], "qwen:0.5b");
  assert_int_equal(p.n_prompts, 0);
  pt_plan_free(&p);

  assert_int_equal(pt_plan_read("tests/data/llm-benchmark/instruct-prompts.yml", &p, &err), PT_OK);
  assert_string_equal(p.version, "1.0");
  assert_int_equal(p.n_models, 7);
  assert_string_equal(p.models[6], "phi:2.7b");
  assert_int_equal(p.n_prompts, 5);
  /* no id: named by position, as plain strings are */
  static const char *const texts[] = {
      "Write a step-by-step guide on how to bake a chocolate cake from scratch.",
      "Develop a python function that solves the following problem, sudoku game",
      "Create a dialogue between two characters that discusses economic crisis",
      "In a forest, there are brave lions living there. Please continue the story.",
      "I'd like to book a flight for 4 to Seattle in U.S."};
  for (size_t i = 0; i < 5; i++) {
    char id[8];
    snprintf(id, sizeof id, "p%zu", i + 1);
    assert_string_equal(p.prompts[i].id, id);
    assert_string_equal(p.prompts[i].text, texts[i]);
  }
  pt_plan_free(&p);

  /* the same ids whatever else the entries hold, and with an id given */
  assert_int_equal(parse("models: [a]\nprompts:\n  - prompt: x\n    keywords:\n"
                         "  - id: mine\n    prompt: y\n  - z\n  - text: w\n    keywords: k\n",
                         &p, &err),
                   PT_OK);
  assert_int_equal(p.n_prompts, 4);
  assert_string_equal(p.prompts[0].id, "p1");
  assert_string_equal(p.prompts[1].id, "mine");
  assert_string_equal(p.prompts[1].text, "y");
  assert_string_equal(p.prompts[2].id, "p3");
  assert_string_equal(p.prompts[3].id, "p4");
  assert_string_equal(p.prompts[3].text, "w");
  pt_plan_free(&p);
}

/* Plans a hostile or careless writer could make, generated here: each must
 * fail with PT_EDATA at the place given, quickly and in little memory. The
 * places are worked out in the comments from the text each builds. */
static void test_hostile_plans(void **state) {
  pt_plan p;
  pt_error err;
  pt_buf b = PT_BUF_INIT;

  /* issue 13 item 7: one 400,000-byte prompt anchored and aliased 90,000
   * times (1 MB of YAML). Expanded size: the mapping 1, "prompts" 1 + 7,
   * the list 1, the prompt 1 + 400,000, and 400,001 more per alias; past
   * 8 MiB (8,388,608) once 10 + 400,001 * (1 + k) > 8,388,608, at the
   * k = 20th alias, on line 2 + 20 = 22, column 5. */
  assert_int_equal(pt_buf_puts(&b, "prompts:\n  - &p \""), PT_OK);
  for (int i = 0; i < 400000; i++)
    assert_int_equal(pt_buf_putc(&b, 'x'), PT_OK);
  assert_int_equal(pt_buf_puts(&b, "\"\n"), PT_OK);
  for (int i = 0; i < 90000; i++)
    assert_int_equal(pt_buf_puts(&b, "  - *p\n"), PT_OK);
  pt_plan_init(&p);
  pt_error_clear(&err);
  assert_int_equal(pt_plan_parse(b.data, b.len, "plan.yml", &p, &err), PT_EDATA);
  assert_int_equal(err.line, 22);
  assert_int_equal(err.column, 5);
  assert_non_null(strstr(err.msg, "expands to more than 8388608 bytes"));
  pt_buf_reset(&b);

  /* nested anchors ("billion laughs"): ten times more per level; the
   * limit is met inside, whatever key the aliases sit under */
  assert_int_equal(pt_buf_puts(&b, "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"), PT_OK);
  for (int i = 1; i < 10; i++)
    assert_int_equal(pt_buf_printf(&b, "l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, "
                                       "*l%d, *l%d, *l%d]\n",
                                   i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
                                   i - 1, i - 1),
                     PT_OK);
  pt_error_clear(&err);
  assert_int_equal(pt_plan_parse(b.data, b.len, "plan.yml", &p, &err), PT_EDATA);
  assert_non_null(strstr(err.msg, "expands to more than"));
  /* weights: l0's list 1 + 10 * 2 = 21, l1's 1 + 10 * 21 = 211, l2's
   * 2,111, l3's 21,111, l4's 211,111, l5's 2,111,111. Lines 1-6 with the
   * root mapping (1) and each key (1 + 2) come to 2,345,695; line 7 adds 4,
   * then 2,111,111 per alias of l5: 8,679,032 > 8,388,608 at the third,
   * column 20 of "l6: &l6 [*l5, *l5, *l5, ...". */
  assert_int_equal(err.line, 7);
  assert_int_equal(err.column, 20);
  pt_buf_reset(&b);

  /* issue 13 item 8: 100,000 levels of nesting (200 KB). The mapping is
   * level 1, "models:"'s list level 2 at column 9, so the 64th '[' (level
   * 65) is at column 9 + 63 = 72. */
  assert_int_equal(pt_buf_puts(&b, "models: "), PT_OK);
  for (int i = 0; i < 100000; i++)
    assert_int_equal(pt_buf_putc(&b, '['), PT_OK);
  assert_int_equal(pt_buf_putc(&b, 'x'), PT_OK);
  for (int i = 0; i < 100000; i++)
    assert_int_equal(pt_buf_putc(&b, ']'), PT_OK);
  pt_error_clear(&err);
  assert_int_equal(pt_plan_parse(b.data, b.len, "plan.yml", &p, &err), PT_EDATA);
  assert_int_equal(err.line, 1);
  assert_int_equal(err.column, 72);
  assert_non_null(strstr(err.msg, "nested more than 64 deep"));
  pt_buf_reset(&b);

  /* the same in block style: "- " opens a list each, from column 1 */
  for (int i = 0; i < 100000; i++)
    assert_int_equal(pt_buf_puts(&b, "- "), PT_OK);
  assert_int_equal(pt_buf_puts(&b, "x\n"), PT_OK);
  pt_error_clear(&err);
  assert_int_equal(pt_plan_parse(b.data, b.len, "plan.yml", &p, &err), PT_EDATA);
  assert_int_equal(err.line, 1);
  assert_int_equal(err.column, 1 + 2 * 64);
  pt_buf_reset(&b);

  /* depth 64 itself is fine (then the walker says what is wrong) */
  assert_int_equal(pt_buf_puts(&b, "models: "), PT_OK);
  for (int i = 0; i < 63; i++)
    assert_int_equal(pt_buf_putc(&b, '['), PT_OK);
  for (int i = 0; i < 63; i++)
    assert_int_equal(pt_buf_putc(&b, ']'), PT_OK);
  pt_error_clear(&err);
  assert_int_equal(pt_plan_parse(b.data, b.len, "plan.yml", &p, &err), PT_EDATA);
  assert_non_null(strstr(err.msg, "a model entry must be"));
  pt_buf_free(&b);

  /* issue 13 item 10: "mis\0tral" was cut to "mis" */
  static const struct {
    const char *yaml;
    size_t len;
    long line, col;
    const char *has;
  } cases[] = {
      {"models:\n  - \"mis\\0tral\"\n", 0, 2, 5, "a NUL character (\\0) in a string"},
      {"models:\n  - model: a\nprompts:\n  - text: \"x\\0\"\n", 0, 4, 11, "NUL"},
      {"models:\n  - model: a\nversion: \"\\x00\"\n", 0, 3, 10, "NUL"},
      /* a raw NUL byte is refused by libyaml itself (a parse error) */
      {"models: [a]\x00\n", 13, 1, 12, "control characters are not allowed (U+0000, at byte "
                                         "offset 11)"},
      {"models: *nope\n", 0, 1, 9, "alias '*nope' names no anchor"},
      /* an anchor names its node once the node is whole: no recursion */
      {"models: &m [a, *m]\n", 0, 1, 16, "alias '*m' names no anchor"},
      /* models listed twice: the first repeat in file order is b (4th) */
      {"models: [a, b, c, b, a]\n", 0, 1, 19, "model 'b' is listed twice"},
      {"prompts:\n  - prompt: a\n    text: a\n", 0, 3, 5, "give 'text' or 'prompt', not both"},
      {"prompts:\n  - keywords: k\n", 0, 2, 5, "prompt without 'text' (or 'prompt')"},
      {"prompts:\n  - prompt: [a]\n", 0, 2, 13, "'text' must be a string"},
      {"file_name: [a]\n", 0, 1, 12, "'file_name' must be a string"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t len = cases[i].len ? cases[i].len : strlen(cases[i].yaml);
    pt_plan_init(&p);
    pt_error_clear(&err);
    pt_code rc = pt_plan_parse(cases[i].yaml, len, "plan.yml", &p, &err);
    if (rc == PT_OK || err.line != cases[i].line || err.column != cases[i].col ||
        !strstr(err.msg, cases[i].has))
      fail_msg("case %zu: %s at %ld:%ld: %s", i, pt_strerror(rc), err.line, err.column,
               err.msg);
    assert_int_equal(p.n_models, 0);
    pt_plan_free(&p);
  }
}

/* An anchor used a few times is what aliases are for: fine. */
static void test_aliases_within_bounds(void **state) {
  pt_plan p;
  pt_error err;
  assert_int_equal(parse("prompts:\n  - id: a\n    text: &t Say hello.\n  - id: b\n    text: *t\n"
                         "models: &m [m1, m2]\noptions: {stop: *m}\n",
                         &p, &err),
                   PT_OK);
  assert_int_equal(p.n_prompts, 2);
  assert_string_equal(p.prompts[1].text, "Say hello.");
  assert_int_equal(p.n_models, 2);
  cJSON *stop = pt_json_get(p.extra_options, "stop");
  assert_int_equal(cJSON_GetArraySize(stop), 2);
  pt_plan_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_article_file),
      cmocka_unit_test(test_full_plan),
      cmocka_unit_test(test_bad_plans),
      cmocka_unit_test(test_null_values_unset),
      cmocka_unit_test(test_finish),
      cmocka_unit_test(test_prompt_files),
      cmocka_unit_test(test_llm_benchmark_files),
      cmocka_unit_test(test_hostile_plans),
      cmocka_unit_test(test_aliases_within_bounds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
