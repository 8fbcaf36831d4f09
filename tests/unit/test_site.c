/* tests/unit/test_site.c - the pieces of a site's pages and memory: ISO
 * dates and their text for people, YAML quoting and front matter, the head
 * of an archive page (site/page.h), the state file (site/state.h) and the
 * index (site/index.h). Each is a table of cases.
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
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/doc.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/json.h"
#include "site/html.h"
#include "site/index.h"
#include "site/page.h"
#include "site/state.h"

/* ------------------------------------------------------------------ dates */

static void test_date(void **state) {
  (void)state;
  /* epochs from GNU date (`date -u -d '2026-11-27 14:55:31.163Z' +%s`, the
   * offset written "+05:30" where date needs it), texts from `LC_ALL=C date
   * -u -d @EPOCH '+%-d %b %Y %H:%M'` with " UTC" added when a zone is given */
  static const struct {
    const char *iso;
    long long epoch;
    const char *text;
  } ok_cases[] = {
      {"2026-11-27T14:55:31.163Z", 1795791331LL, "27 Nov 2026 14:55 UTC"},
      {"2025-05-02", 1746144000LL, "2 May 2025"},
      {"2025-05-02T11:00", 1746183600LL, "2 May 2025 11:00"},
      {"2024-02-29T23:59:59Z", 1709251199LL, "29 Feb 2024 23:59 UTC"},
      {"2025-07-02T11:00:00+02:00", 1751446800LL, "2 Jul 2025 09:00 UTC"},
      {"2025-01-01T00:30-01:30", 1735696800LL, "1 Jan 2025 02:00 UTC"},
      {"1970-01-01T00:00:00Z", 0, "1 Jan 1970 00:00 UTC"},
      {"1969-12-31T23:59Z", -60, "31 Dec 1969 23:59 UTC"},
      {"2000-02-29 12:00:00Z", 951825600LL, "29 Feb 2000 12:00 UTC"},
      {"2025-12-31T23:59:60Z", 1767225599LL, "31 Dec 2025 23:59 UTC"},  /* leap second */
      {"9999-12-31T23:59:59Z", 253402300799LL, "31 Dec 9999 23:59 UTC"},
      {"2025-03-09T11:00:00.000+0530", 1741498200LL, "9 Mar 2025 05:30 UTC"},
      {"2025-03-09T11:00:00.5+05", 1741500000LL, "9 Mar 2025 06:00 UTC"},
      {"0001-01-01", -62135596800LL, NULL},
  };
  for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
    pt_site_date d;
    if (!pt_site_date_parse(ok_cases[i].iso, &d))
      fail_msg("'%s' not parsed", ok_cases[i].iso);
    if (d.epoch != ok_cases[i].epoch)
      fail_msg("'%s': epoch %lld, expected %lld", ok_cases[i].iso, d.epoch, ok_cases[i].epoch);
    char text[64];
    pt_site_date_text(&d, text, sizeof text);
    if (ok_cases[i].text && strcmp(text, ok_cases[i].text))
      fail_msg("'%s': text '%s', expected '%s'", ok_cases[i].iso, text, ok_cases[i].text);
  }
  static const char *const bad[] = {
      "",                        "2025",
      "2025-13-01",              "2025-00-10",
      "2025-04-31",              "2023-02-29",           /* not a leap year */
      "1900-02-29",              "2025-05-02T24:00Z",
      "2025-05-02T11:60Z",       "2025-05-02T11",        "2025-05-02T11:00:61Z",
      "2025-05-02T11:00:00.Z",   "2025-05-02T11:00:00+24:00",
      "2025-05-02T11:00:00+01:60", "2025-05-02T11:00:00Zjunk",
      "2025-05-02 ",             "25-05-02",             "2025/05/02",
      "2026-11-27T14:55:31.163Z\n", "２０２５-05-02",       "2025-5-2",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    pt_site_date d;
    if (pt_site_date_parse(bad[i], &d))
      fail_msg("'%s' parsed as a date", bad[i]);
  }
  /* a small buffer is cut, never overrun */
  pt_site_date d;
  assert_true(pt_site_date_parse("2026-11-27T14:55:31Z", &d));
  char small[8];
  pt_site_date_text(&d, small, sizeof small);
  assert_string_equal(small, "27 Nov ");
}

/* ------------------------------------------------------------ front matter */

static void test_yaml_quote(void **state) {
  (void)state;
  /* YAML 1.2 double-quoted scalars (spec 5.7, escaped characters; 5.1,
   * c-printable): what must be escaped is escaped, the rest is kept */
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"runs-2025-07", "\"runs-2025-07\""},
      {"<b>x&\"y", "\"<b>x&\\\"y\""},
      {"a\\b", "\"a\\\\b\""},
      {"tab\there\nnl", "\"tab\\x09here\\x0anl\""},
      {"del\x7f", "\"del\\x7f\""},
      {"\xC3\xA9t\xC3\xA9", "\"\xC3\xA9t\xC3\xA9\""},                  /* UTF-8 kept */
      {"c1 \xC2\x85 \xC2\x9F", "\"c1 \\x85 \\x9f\""},                   /* C1 controls */
      {"ls \xE2\x80\xA8 bom \xEF\xBB\xBF", "\"ls \\u2028 bom \\ufeff\""},
      {"bad \xC0\xAF end", "\"bad \xEF\xBF\xBD\xEF\xBF\xBD end\""},     /* overlong */
      {"surrogate \xED\xA0\x80", "\"surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},
      {"cut \xE2\x82", "\"cut \xEF\xBF\xBD\""},
      {"", "\"\""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pt_buf b = PT_BUF_INIT;
    assert_int_equal(pt_yaml_quote(&b, cases[i].in), PT_OK);
    if (strcmp(b.data, cases[i].out))
      fail_msg("case %zu: %s, expected %s", i, b.data, cases[i].out);
    pt_buf_free(&b);
  }
}

static void test_front_matter_and_head(void **state) {
  (void)state;
  pt_buf b = PT_BUF_INIT;
  assert_int_equal(pt_site_front_matter(&b, "A (2)", "2025-07-02T11:00:00Z", NULL), PT_OK);
  assert_string_equal(b.data, "---\ntitle: \"A (2)\"\ndate: \"2025-07-02T11:00:00Z\"\n---\n\n");
  pt_buf_reset(&b);
  assert_int_equal(pt_site_front_matter(&b, "t", "d", PT_SITE_HUGO_HIDDEN), PT_OK);
  assert_string_equal(b.data, "---\ntitle: \"t\"\ndate: \"d\"\n_build:\n  render: never\n"
                              "  list: never\n  publishResources: false\n---\n\n");
  /* what site/html.c cuts off is exactly that */
  assert_int_equal(pt_front_matter_len(b.data, b.len), b.len - 1);
  pt_buf_reset(&b);
  assert_int_equal(pt_site_archive_head(&b, "Benchmark [archives]", "2 Jul 2025 11:00 UTC"),
                   PT_OK);
  assert_string_equal(b.data, "[Benchmark \\[archives\\]](../) · 2 Jul 2025 11:00 UTC\n\n");
  pt_buf_reset(&b);
  assert_int_equal(pt_site_archive_head(&b, "Benchmark archives", ""), PT_OK);
  assert_string_equal(b.data, "[Benchmark archives](../)\n\n");
  pt_buf_free(&b);
}

/* ------------------------------------------------------------------ state */

static char *tmpdir_new(void) {
  char tmpl[] = "/tmp/ptbench-test-site.XXXXXX";
  char *d = mkdtemp(tmpl);
  assert_non_null(d);
  return strdup(d);
}

static void write_text(const char *dir, const char *name, const char *text) {
  char *p = pt_path_join(dir, name);
  FILE *fp = fopen(p, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
  free(p);
}

#define ARCHIVE(slug, title, source)                                                    \
  "{\"slug\": \"" slug "\", \"title\": \"" title "\", \"source\": \"" source "\", "     \
  "\"date\": \"2025-07-02T11:00:00Z\", \"environments\": [\"Bare Metal\", \"VM\"], "    \
  "\"models\": [\"m\"], \"penalties\": [{\"environment\": \"VM\", \"mean_penalty_pct\": " \
  "1.5}]}"

static void test_state_load(void **state) {
  (void)state;
  static const struct {
    const char *name;
    const char *text;  /* NULL: no file */
    pt_code code;
    const char *msg;   /* in err.msg */
    size_t n;          /* archives when PT_OK */
  } cases[] = {
      {"no file", NULL, PT_OK, NULL, 0},
      {"empty list", "{\"schema\": \"ptbench.site/1\", \"archives\": []}", PT_OK, NULL, 0},
      {"two", "{\"schema\": \"ptbench.site/1\", \"archives\": [" ARCHIVE("b", "B", "../b") ", "
              ARCHIVE("a", "A", "../a") "]}", PT_OK, NULL, 2},
      {"null penalty", "{\"schema\": \"ptbench.site/1\", \"archives\": [{\"slug\": \"a\", "
                       "\"title\": \"A\", \"source\": \"s\", \"date\": \"\", \"environments\": "
                       "[], \"models\": [], \"penalties\": [{\"environment\": \"VM\", "
                       "\"mean_penalty_pct\": null}]}]}", PT_OK, NULL, 1},
      {"not JSON", "{\"schema\": ", PT_EPARSE, NULL, 0},
      {"trailing", "{\"schema\": \"ptbench.site/1\", \"archives\": []} x", PT_EPARSE, NULL, 0},
      {"schema", "{\"schema\": \"ptbench.site/2\", \"archives\": []}", PT_EDATA,
       "'schema' is not \"ptbench.site/1\"", 0},
      {"archives", "{\"schema\": \"ptbench.site/1\", \"archives\": {}}", PT_EDATA,
       "'archives' is not a list", 0},
      {"not object", "{\"schema\": \"ptbench.site/1\", \"archives\": [1]}", PT_EDATA,
       "archives[0]: not an object", 0},
      {"slug dots", "{\"schema\": \"ptbench.site/1\", \"archives\": [" ARCHIVE("../x", "X", "s")
                    "]}", PT_EDATA, "archives[0]: 'slug' is not a slug", 0},
      {"slug upper", "{\"schema\": \"ptbench.site/1\", \"archives\": [" ARCHIVE("A", "X", "s")
                     "]}", PT_EDATA, "'slug' is not a slug", 0},
      {"slug dash", "{\"schema\": \"ptbench.site/1\", \"archives\": [" ARCHIVE("-a", "X", "s")
                    "]}", PT_EDATA, "'slug' is not a slug", 0},
      {"empty title", "{\"schema\": \"ptbench.site/1\", \"archives\": [" ARCHIVE("a", "", "s")
                      "]}", PT_EDATA, "'title' is empty", 0},
      {"no source", "{\"schema\": \"ptbench.site/1\", \"archives\": [{\"slug\": \"a\", "
                    "\"title\": \"A\"}]}", PT_EDATA, "'source' is not a string", 0},
      {"bad utf8", "{\"schema\": \"ptbench.site/1\", \"archives\": [" ARCHIVE("a", "\xC0\xAF",
                   "s") "]}", PT_EDATA, "'title' is not valid UTF-8", 0},
      {"models", "{\"schema\": \"ptbench.site/1\", \"archives\": [{\"slug\": \"a\", \"title\": "
                 "\"A\", \"source\": \"s\", \"date\": \"\", \"environments\": [], \"models\": "
                 "[1], \"penalties\": []}]}", PT_EDATA,
       "'models' holds something that is not a UTF-8 string", 0},
      {"penalty", "{\"schema\": \"ptbench.site/1\", \"archives\": [{\"slug\": \"a\", \"title\": "
                  "\"A\", \"source\": \"s\", \"date\": \"\", \"environments\": [], \"models\": "
                  "[], \"penalties\": [{\"environment\": \"VM\"}]}]}", PT_EDATA,
       "without a number or null 'mean_penalty_pct'", 0},
      {"same slug", "{\"schema\": \"ptbench.site/1\", \"archives\": [" ARCHIVE("a", "A", "s")
                    ", " ARCHIVE("a", "B", "t") "]}", PT_EDATA,
       "archives[1]: its slug \"a\" is also that of archives[0]", 0},
      {"same source", "{\"schema\": \"ptbench.site/1\", \"archives\": [" ARCHIVE("a", "A", "s")
                      ", " ARCHIVE("b", "B", "s") "]}", PT_EDATA,
       "archives[1]: its source \"s\" is also that of archives[0]", 0},
      {"same title", "{\"schema\": \"ptbench.site/1\", \"archives\": [" ARCHIVE("a", "A", "s")
                     ", " ARCHIVE("b", "A", "t") "]}", PT_EDATA,
       "archives[1]: its title \"A\" is also that of archives[0]", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *dir = tmpdir_new();
    if (cases[i].text)
      write_text(dir, PT_SITE_STATE_FILE, cases[i].text);
    pt_site_state st = PT_SITE_STATE_INIT;
    pt_error err;
    pt_error_clear(&err);
    pt_code rc = pt_site_state_load(dir, &st, &err);
    if (rc != cases[i].code)
      fail_msg("%s: code %d, expected %d (%s)", cases[i].name, rc, cases[i].code, err.msg);
    if (cases[i].msg && !strstr(err.msg, cases[i].msg))
      fail_msg("%s: message '%s' lacks '%s'", cases[i].name, err.msg, cases[i].msg);
    if (rc) {
      assert_int_equal(st.n, 0);
      assert_non_null(strstr(err.file, PT_SITE_STATE_FILE));
    } else {
      assert_int_equal(st.n, cases[i].n);
    }
    pt_site_state_free(&st);
    pt_remove_tree(dir);
    free(dir);
  }
}

/* An analysis document with two environments, as analyze/doc.h reads it. */
static cJSON *small_analysis(void) {
  static const char text[] =
      "{\"schema\": \"" PT_DOC_SCHEMA_ID "\", \"baseline\": \"bare-metal\", "
      "\"environments\": [{\"name\": \"bare-metal\", \"label\": \"Bare Metal\", \"baseline\": "
      "true}, {\"name\": \"vm\", \"label\": \"VM \xC0\"}], "
      "\"models\": [{\"model\": \"mistral:7b\"}, {\"model\": \"a|b\"}], "
      "\"summary\": {\"comparisons\": [{\"environment\": \"vm\", \"baseline\": \"bare-metal\", "
      "\"mean_penalty_pct\": 1.234}]}}";
  pt_error err;
  cJSON *doc = pt_json_parse(text, sizeof text - 1, "analysis", &err);
  assert_non_null(doc);
  return doc;
}

static void test_state_round_trip(void **state) {
  (void)state;
  char *dir = tmpdir_new();
  cJSON *doc = small_analysis();
  pt_site_state st = PT_SITE_STATE_INIT;
  pt_site_archive a;
  memset(&a, 0, sizeof a);
  assert_int_equal(pt_site_archive_make(&a, doc, "zz", "Z", "../z.tar.gz", "2025-07-02"), PT_OK);
  assert_int_equal(pt_site_state_put(&st, &a), PT_OK);
  assert_null(a.slug);  /* moved in */
  assert_int_equal(pt_site_archive_make(&a, doc, "aa", "A", "../a", "2025-06-02"), PT_OK);
  assert_int_equal(pt_site_state_put(&st, &a), PT_OK);
  /* a put with an existing slug replaces */
  assert_int_equal(pt_site_archive_make(&a, doc, "aa", "A2", "../a", "2025-06-03"), PT_OK);
  assert_int_equal(pt_site_state_put(&st, &a), PT_OK);
  assert_int_equal(st.n, 2);
  pt_error err;
  assert_int_equal(pt_site_state_save(dir, &st, &err), PT_OK);
  /* sorted by slug when saved */
  assert_string_equal(st.archives[0].slug, "aa");
  pt_site_state back = PT_SITE_STATE_INIT;
  assert_int_equal(pt_site_state_load(dir, &back, &err), PT_OK);
  assert_int_equal(back.n, 2);
  const pt_site_archive *b = &back.archives[0];
  assert_string_equal(b->title, "A2");
  assert_string_equal(b->date, "2025-06-03");
  assert_int_equal(b->nenvironments, 2);
  assert_string_equal(b->environments[0], "Bare Metal");
  assert_string_equal(b->environments[1], "VM \xEF\xBF\xBD");  /* repaired */
  assert_int_equal(b->nmodels, 2);
  assert_string_equal(b->models[1], "a|b");
  assert_int_equal(b->npenalties, 1);
  assert_string_equal(b->penalties[0].environment, "VM \xEF\xBF\xBD");
  assert_true(fabs(b->penalties[0].pct - 1.234) < 1e-12);
  assert_int_equal(pt_site_state_find_slug(&back, "zz"), 1);
  assert_int_equal(pt_site_state_find_slug(&back, "z"), -1);
  pt_site_state_remove(&back, 0);
  assert_int_equal(back.n, 1);
  assert_string_equal(back.archives[0].slug, "zz");

  /* the index of the two: newest first, escaped cells, directory links */
  pt_mustache *page = pt_html_page_template(NULL, 0, &err);
  assert_non_null(page);
  assert_int_equal(pt_site_index_write(dir, &st, NULL, 0, page, &err), PT_OK);
  pt_buf md = PT_BUF_INIT;
  char *p = pt_path_join(dir, "_index.md");
  assert_int_equal(pt_read_file(p, 0, &md, &err), PT_OK);
  free(p);
  const char *zz = strstr(md.data, "| [Z](zz/) | 2 Jul 2025 | Bare Metal, VM \xEF\xBF\xBD | "
                                    "mistral:7b, a\\|b | 1.23% |");
  const char *aa = strstr(md.data, "| [A2](aa/) | 3 Jun 2025 |");
  if (!zz || !aa || zz > aa)
    fail_msg("index: %s", md.data);
  assert_non_null(strstr(md.data, "2 archives, newest first."));
  pt_buf_free(&md);
  p = pt_path_join(dir, "index.html");
  assert_int_equal(pt_read_file(p, 0, &md, &err), PT_OK);
  free(p);
  assert_non_null(strstr(md.data, "<a href=\"zz/index.html\">Z</a>"));
  pt_buf_free(&md);
  pt_mustache_free(page);

  pt_site_state_free(&st);
  pt_site_state_free(&back);
  cJSON_Delete(doc);
  pt_remove_tree(dir);
  free(dir);
}

static void test_slug_valid(void **state) {
  (void)state;
  static const struct {
    const char *s;
    bool ok;
  } cases[] = {{"runs-2025-07", true}, {"a", true}, {"a-2", true}, {"0", true},
               {"", false}, {"-a", false}, {"a-", false}, {"A", false}, {"a.b", false},
               {"..", false}, {"a/b", false}, {"a b", false}, {"\xC3\xA9", false}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    if (pt_site_slug_valid(cases[i].s) != cases[i].ok)
      fail_msg("'%s' valid: %d", cases[i].s, !cases[i].ok);
  char longest[PT_SITE_SLUG_MAX + 12];
  memset(longest, 'a', sizeof longest - 1);
  longest[sizeof longest - 1] = '\0';
  assert_true(pt_site_slug_valid(longest));
  char too_long[PT_SITE_SLUG_MAX + 13];
  memset(too_long, 'a', sizeof too_long - 1);
  too_long[sizeof too_long - 1] = '\0';
  assert_false(pt_site_slug_valid(too_long));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_date),          cmocka_unit_test(test_yaml_quote),
      cmocka_unit_test(test_front_matter_and_head), cmocka_unit_test(test_state_load),
      cmocka_unit_test(test_state_round_trip), cmocka_unit_test(test_slug_valid),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
