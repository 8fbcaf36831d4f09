/* tests/unit/test_json.c - pt_json_parse (core/json.h): one document and
 * only whitespace after it. Lines, columns and byte offsets of each case are
 * counted by hand from its text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"

static void test_parse_table(void **state) {
  (void)state;
  static const struct {
    const char *text;
    size_t len;       /* 0 = strlen(text) */
    pt_code want;
    long line, col;
    const char *msg;  /* in err.msg; NULL when it parses */
  } cases[] = {
      {"{}", 0, PT_OK, 0, 0, NULL},
      {"{}\n", 0, PT_OK, 0, 0, NULL},
      {" \t{\"a\": 1}\r\n\r\n  ", 0, PT_OK, 0, 0, NULL},
      {"[1,2]", 0, PT_OK, 0, 0, NULL},
      /* trailing garbage: the first byte that is not whitespace */
      {"{} x", 0, PT_EPARSE, 1, 4, "unexpected data after the document, at byte offset 3"},
      {"{}\n\n  ]", 0, PT_EPARSE, 3, 3, "unexpected data after the document, at byte offset 6"},
      {"{\"a\":1}{\"b\":2}", 0, PT_EPARSE, 1, 8, "at byte offset 7"},
      /* a NUL after the document is not whitespace (cJSON's own check takes
       * every byte up to 32 for whitespace) */
      {"{}\0", 3, PT_EPARSE, 1, 3, "at byte offset 2"},
      {"{}\x01", 0, PT_EPARSE, 1, 3, "at byte offset 2"},
      {"{}\f", 0, PT_EPARSE, 1, 3, "at byte offset 2"},
      /* the buffer need not be NUL-terminated: len stops it */
      {"{}garbage", 2, PT_OK, 0, 0, NULL},
      {"", 0, PT_EPARSE, 0, 0, "empty document"},
      {" \n ", 0, PT_EPARSE, 0, 0, "empty document"},
      {"{\"a\": }", 0, PT_EPARSE, 1, 7, "not valid JSON"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
    pt_error err;
    pt_error_clear(&err);
    cJSON *j = pt_json_parse(cases[i].text, len, "doc.json", &err);
    if (!cases[i].msg) {
      if (!j)
        fail_msg("case %zu: %s", i, err.msg);
      cJSON_Delete(j);
      continue;
    }
    if (j || err.code != cases[i].want || err.line != cases[i].line ||
        err.column != cases[i].col || !strstr(err.msg, cases[i].msg) ||
        strcmp(err.file, "doc.json"))
      fail_msg("case %zu: parsed %d, code %d at %ld:%ld, '%s'", i, j != NULL, err.code,
               err.line, err.column, err.msg);
    cJSON_Delete(j);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
