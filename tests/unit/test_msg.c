/* tests/unit/test_msg.c - the message writer (core/msg.h): one line per
 * message, the "ptbench: " prefix, control characters escaped so that a
 * model name, file name or server reply inside a message can neither break
 * the line nor reach the terminal as an escape sequence (QA finding: names
 * went to stderr as they were), UTF-8 left as it is, long messages whole,
 * --quiet silencing warnings and notes but not errors. The expected bytes
 * are written out by hand from the escape rules in core/msg.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/msg.h"

/* What the writer printed while fn ran, as a string to free. */
static char *captured(void (*fn)(const char *), const char *arg) {
  char *data = NULL;
  size_t len = 0;
  FILE *fp = open_memstream(&data, &len);
  assert_non_null(fp);
  pt_msg_set_stream(fp);
  fn(arg);
  pt_msg_set_stream(NULL);
  fclose(fp);
  return data;
}

static void warn_model(const char *name) { pt_warnf("model '%s' skipped", name); }
static void error_plain(const char *text) { pt_errorf("%s", text); }
static void note_plain(const char *text) { pt_notef("%s", text); }

static void test_escapes(void **state) {
  (void)state;
  static const struct {
    const char *in, *want;
  } cases[] = {
      {"mistral:7b", "ptbench: warning: model 'mistral:7b' skipped\n"},
      {"a\nb", "ptbench: warning: model 'a\\nb' skipped\n"},
      {"red\x1b[31mtext", "ptbench: warning: model 'red\\x1b[31mtext' skipped\n"},
      {"tab\there\rcr", "ptbench: warning: model 'tab\\there\\rcr' skipped\n"},
      {"del\x7f bell\a", "ptbench: warning: model 'del\\x7f bell\\x07' skipped\n"},
      {"caf\xc3\xa9 \xe2\x80\x94 ok", "ptbench: warning: model 'caf\xc3\xa9 \xe2\x80\x94 ok' skipped\n"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *got = captured(warn_model, cases[i].in);
    if (strcmp(got, cases[i].want))
      fail_msg("case %zu: got '%s', want '%s'", i, got, cases[i].want);
    free(got);
  }
}

/* A message longer than the writer's stack buffer comes out whole. */
static void test_long_message(void **state) {
  (void)state;
  size_t n = 5000;
  char *text = malloc(n + 1);
  assert_non_null(text);
  for (size_t i = 0; i < n; i++)
    text[i] = (char)('a' + i % 26);
  text[n] = '\0';
  text[4000] = '\n';
  char *got = captured(error_plain, text);
  assert_int_equal(strlen(got), strlen("ptbench: ") + n + 1 + 1);
  assert_memory_equal(got + strlen("ptbench: "), text, 4000);
  assert_memory_equal(got + strlen("ptbench: ") + 4000, "\\n", 2);
  assert_memory_equal(got + strlen("ptbench: ") + 4002, text + 4001, n - 4001);
  assert_string_equal(got + strlen("ptbench: ") + 4002 + (n - 4001), "\n");
  free(got);
  free(text);
}

static void test_quiet(void **state) {
  (void)state;
  pt_msg_set_quiet(true);
  char *w = captured(warn_model, "m"), *nt = captured(note_plain, "done"),
       *e = captured(error_plain, "failed");
  pt_msg_set_quiet(false);
  assert_string_equal(w, "");
  assert_string_equal(nt, "");
  assert_string_equal(e, "ptbench: failed\n");
  free(w);
  free(nt);
  free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_escapes),
      cmocka_unit_test(test_long_message),
      cmocka_unit_test(test_quiet),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
