/* tests/unit/test_outdir.c - output directories (core/outdir.h): which
 * directories may be replaced (a table of cases built on disk), the build /
 * seal / commit cycle, a file that appears between the check and the
 * replacement surviving it, and the stale temporary directory sweep with
 * backdated modification times (utimes, as `touch -d` does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fs.h"
#include "core/outdir.h"

static char root[256];

static int setup(void **state) {
  (void)state;
  const char *t = getenv("TMPDIR");
  snprintf(root, sizeof root, "%s/ptbench-outdir-XXXXXX", t && *t ? t : "/tmp");
  return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  return pt_remove_tree(root);
}

static char *path(const char *rel) {
  static char buf[4][512];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", root, rel);
  return buf[k];
}

static void put(const char *rel, const char *text) {
  FILE *fp = fopen(path(rel), "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
}

static void backdate(const char *rel, long seconds) {
  struct timeval tv[2];
  gettimeofday(&tv[0], NULL);
  tv[0].tv_sec -= seconds;
  tv[1] = tv[0];
  assert_int_equal(lutimes(path(rel), tv), 0);
}

#define MARK(files) \
  "{\"schema\":\"ptbench.output/1\",\"kind\":\"report\",\"complete\":true,\"files\":" files "}"

/* Each case builds one directory "d" (commands run by a shell) and checks
 * pt_outdir_check on it: the code and a piece of the message. */
static void test_check_table(void **state) {
  (void)state;
  static const struct {
    const char *setup;  /* shell commands, run in root */
    pt_outdir_kind kind;
    const char *input;  /* relative to root, NULL = none */
    pt_code want;
    const char *msg;    /* in err.msg */
  } cases[] = {
      {"true", PT_OUTDIR_REPORT, NULL, PT_OK, ""},
      {"mkdir d", PT_OUTDIR_REPORT, NULL, PT_OK, ""},
      {"mkdir d && echo '" MARK("[\"a.md\"]") "' >d/.ptbench-report && touch d/a.md",
       PT_OUTDIR_REPORT, NULL, PT_OK, ""},
      /* a listed file may be missing: only extra ones are refused */
      {"mkdir d && echo '" MARK("[\"a.md\",\"b.md\"]") "' >d/.ptbench-report && touch d/a.md",
       PT_OUTDIR_REPORT, NULL, PT_OK, ""},
      {"mkdir d && echo '" MARK("[\"a.md\"]") "' >d/.ptbench-report && touch d/a.md d/b.md",
       PT_OUTDIR_REPORT, NULL, PT_EUNSAFE, "it holds 'b.md', which ptbench did not write"},
      {"mkdir -p d/a.md && echo '" MARK("[\"a.md\"]") "' >d/.ptbench-report",
       PT_OUTDIR_REPORT, NULL, PT_EUNSAFE, "it holds 'a.md', which ptbench did not write"},
      {"mkdir d && echo '" MARK("[]") "' >d/.ptbench-report && ln -s /etc/passwd d/x",
       PT_OUTDIR_REPORT, NULL, PT_EUNSAFE, "it holds 'x'"},
      {"mkdir d && touch d/analysis.json d/README.md", PT_OUTDIR_REPORT, NULL, PT_EUNSAFE,
       "looks like a report of an earlier ptbench"},
      {"mkdir d && touch d/README.md", PT_OUTDIR_REPORT, NULL, PT_EUNSAFE,
       "not a ptbench report: it holds 'README.md'"},
      {"mkdir d && touch d/analysis.json d/trials.csv", PT_OUTDIR_REPORT, NULL, PT_EUNSAFE,
       "not a ptbench report: it holds 'trials.csv'"},
      {"mkdir d && ln -s /tmp d/.ptbench-report", PT_OUTDIR_REPORT, NULL, PT_EUNSAFE,
       "not a valid ptbench marker: it is not a regular file"},
      {"mkdir d && echo '{\"schema\":\"x\"}' >d/.ptbench-report", PT_OUTDIR_REPORT, NULL,
       PT_EUNSAFE, "'schema' is not 'ptbench.output/1'"},
      {"mkdir d && echo '" MARK("[\"../up\"]") "' >d/.ptbench-report", PT_OUTDIR_REPORT, NULL,
       PT_EUNSAFE, "'files' holds '../up', not a file name"},
      {"mkdir d && echo '" MARK("[1]") "' >d/.ptbench-report", PT_OUTDIR_REPORT, NULL,
       PT_EUNSAFE, "'files' holds something that is not a string"},
      {"mkdir d && echo '" MARK("[\"a\"]") " x' >d/.ptbench-report", PT_OUTDIR_REPORT, NULL,
       PT_EUNSAFE, "not a valid ptbench marker: not valid JSON"},
      {"touch d", PT_OUTDIR_REPORT, NULL, PT_EUNSAFE, "it is not a directory"},
      {"mkdir e && ln -s e d", PT_OUTDIR_REPORT, NULL, PT_EUNSAFE, "symbolic link"},
      {"mkdir -p d/runs", PT_OUTDIR_REPORT, "d/runs", PT_EUNSAFE, "it holds the input '/"},
      {"mkdir d", PT_OUTDIR_REPORT, "d", PT_EUNSAFE, "it is the input '/"},
      /* the input through a link to inside d */
      {"mkdir -p d/runs && ln -s d/runs l", PT_OUTDIR_REPORT, "l", PT_EUNSAFE,
       "/l'"},
      /* an input beside it, or that holds it, is fine */
      {"mkdir -p d e", PT_OUTDIR_REPORT, "e", PT_OK, ""},
      {"mkdir -p e/d && ln -s e/d d", PT_OUTDIR_REPORT, "e", PT_EUNSAFE, "symbolic link"},
      {"mkdir d && echo '{\"schema\":\"ptbench.output/1\",\"kind\":\"site\",\"files\":[]}' "
       ">d/.ptbench-report",
       PT_OUTDIR_REPORT, NULL, PT_EUNSAFE, "it marks a site"},
      {"mkdir d && echo x >d/.ptbench-site", PT_OUTDIR_REPORT, NULL, PT_EUNSAFE,
       "refusing to replace a ptbench site with a report"},
      /* sites: a marker, then anything besides */
      {"mkdir d", PT_OUTDIR_SITE, NULL, PT_OK, ""},
      {"mkdir -p d/x && echo '{\"schema\":\"ptbench.output/1\",\"kind\":\"site\",\"files\":[]}'"
       " >d/.ptbench-site && touch d/own.txt",
       PT_OUTDIR_SITE, NULL, PT_OK, ""},
      {"mkdir -p d/a && touch d/index.md d/index.html", PT_OUTDIR_SITE, NULL, PT_EUNSAFE,
       "looks like a site of an earlier ptbench"},
      {"mkdir -p d && touch d/index.md", PT_OUTDIR_SITE, NULL, PT_EUNSAFE,
       "not a ptbench site: it holds 'index.md'"},
      {"mkdir -p d && touch d/index.md d/index.html d/notes", PT_OUTDIR_SITE, NULL, PT_EUNSAFE,
       "not a ptbench site: it holds 'notes'"},
      {"mkdir d && echo '" MARK("[]") "' >d/.ptbench-report", PT_OUTDIR_SITE, NULL, PT_EUNSAFE,
       "refusing to write a site into a ptbench report"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && rm -rf d e l && %s", root, cases[i].setup);
    assert_int_equal(system(cmd), 0);
    const char *input = cases[i].input ? path(cases[i].input) : NULL;
    pt_error err;
    pt_error_clear(&err);
    pt_code rc = pt_outdir_check(path("d"), cases[i].kind, &input, input ? 1 : 0, &err);
    if (rc != cases[i].want || !strstr(err.msg, cases[i].msg)) {
      print_error("case %zu (%s): code %d, message '%s'\n", i, cases[i].setup, rc, err.msg);
      fail();
    }
    if (rc && !strstr(err.file, "/d"))
      fail_msg("case %zu: error names '%s', not the directory", i, err.file);
  }
}

/* begin / seal / commit, twice; then a file added to the previous report
 * after its check survives the replacement. */
static void test_build_and_replace(void **state) {
  (void)state;
  pt_error err;
  pt_error_clear(&err);
  const char *target = path("out/report");
  for (int round = 0; round < 2; round++) {
    assert_int_equal(pt_outdir_check(target, PT_OUTDIR_REPORT, NULL, 0, &err), PT_OK);
    char *tmp = pt_outdir_begin(target, true, &err);
    assert_non_null(tmp);
    char *m = pt_path_join(tmp, ".ptbench-report");
    pt_buf b = PT_BUF_INIT;
    assert_int_equal(pt_read_file(m, 0, &b, &err), PT_OK);
    assert_non_null(strstr(b.data, "\"complete\":\tfalse"));
    pt_buf_free(&b);
    char *f = pt_path_join(tmp, round ? "b.md" : "a.md");
    assert_int_equal(pt_write_file_atomic(f, "x", 1, &err), PT_OK);
    assert_int_equal(pt_outdir_seal(tmp, &err), PT_OK);
    assert_int_equal(pt_read_file(m, 0, &b, &err), PT_OK);
    assert_non_null(strstr(b.data, round ? "[\"b.md\"]" : "[\"a.md\"]"));
    assert_non_null(strstr(b.data, "\"complete\":\ttrue"));
    pt_buf_free(&b);
    assert_int_equal(pt_outdir_commit(tmp, target, &err), PT_OK);
    assert_false(pt_exists(tmp));
    free(f);
    free(m);
    free(tmp);
  }
  assert_false(pt_exists(path("out/report/a.md")));
  assert_true(pt_exists(path("out/report/b.md")));

  /* between the check and the commit someone adds a file */
  char *tmp = pt_outdir_begin(target, true, &err);
  assert_non_null(tmp);
  assert_int_equal(pt_outdir_seal(tmp, &err), PT_OK);
  put("out/report/late.txt", "mine");
  assert_int_equal(pt_outdir_commit(tmp, target, &err), PT_OK);
  free(tmp);
  char **names;
  size_t n;
  assert_int_equal(pt_list_dir_all(path("out"), &names, &n, &err), PT_OK);
  assert_int_equal(n, 2);  /* report, report.old-XXXXXX */
  assert_string_equal(names[0], "report");
  assert_memory_equal(names[1], "report.old-", 11);
  char rel[128];
  snprintf(rel, sizeof rel, "out/%s", names[1]);
  pt_free_names(names, n);
  /* only late.txt is left in it: b.md and the marker, listed, are gone */
  assert_int_equal(pt_list_dir_all(path(rel), &names, &n, &err), PT_OK);
  assert_int_equal(n, 1);
  assert_string_equal(names[0], "late.txt");
  pt_free_names(names, n);
  /* it no longer has a marker: a stale sweep leaves it alone */
  backdate(rel, 7200);
  assert_int_equal(pt_outdir_clean_stale(path("out"), time(NULL), 3600), 0);
  assert_true(pt_exists(path(rel)));
}

/* The sweep: which leftovers go (marked, old enough, named as mkdtemp names
 * them, a real directory) and which stay. */
static void test_clean_stale(void **state) {
  (void)state;
  static const struct {
    const char *name;
    const char *setup;  /* shell commands in root/s, NAME = the name */
    long age;           /* seconds to backdate by */
    int removed;
  } cases[] = {
      {"r.tmp-abcDE1", "mkdir $N && echo '" MARK("[]") "' >$N/.ptbench-report", 7200, 1},
      {"r.old-abcDE1", "mkdir $N && echo '" MARK("[]") "' >$N/.ptbench-report && touch $N/x",
       7200, 1},
      {".hidden.tmp-000000", "mkdir $N && echo '" MARK("[]") "' >$N/.ptbench-report", 7200, 1},
      /* recent: may be a report being written right now */
      {"r.tmp-abcDE2", "mkdir $N && echo '" MARK("[]") "' >$N/.ptbench-report", 600, 0},
      {"r.tmp-abcDE3", "mkdir $N && touch $N/x", 7200, 0},
      {"r.tmp-abcDE4", "mkdir $N && echo '{}' >$N/.ptbench-report", 7200, 0},
      {"r.tmp-abcDE5", "mkdir $N && echo '{\"schema\":\"ptbench.output/1\",\"kind\":\"site\","
                       "\"files\":[]}' >$N/.ptbench-report", 7200, 0},
      {"r.tmp-abc_E6", "mkdir $N && echo '" MARK("[]") "' >$N/.ptbench-report", 7200, 0},
      {"r.tmp-abcDE67", "mkdir $N && echo '" MARK("[]") "' >$N/.ptbench-report", 7200, 0},
      {".tmp-abcDE8", "mkdir $N && echo '" MARK("[]") "' >$N/.ptbench-report", 7200, 0},
      {"r.new-abcDE9", "mkdir $N && echo '" MARK("[]") "' >$N/.ptbench-report", 7200, 0},
      {"r.tmp-abcDEa", "mkdir t && echo '" MARK("[]") "' >t/.ptbench-report && ln -s t $N",
       7200, 0},
      {"r.tmp-abcDEb", "echo '" MARK("[]") "' >$N", 7200, 0},
      {"r.tmp-abcDEc", "mkdir $N && mkdir $N/.ptbench-report", 7200, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && rm -rf s && mkdir s && cd s && N='%s' && %s", root,
             cases[i].name, cases[i].setup);
    assert_int_equal(system(cmd), 0);
    char rel[128];
    snprintf(rel, sizeof rel, "s/%s", cases[i].name);
    backdate(rel, cases[i].age);
    size_t n = pt_outdir_clean_stale(path("s"), time(NULL), 3600);
    struct stat st;
    bool gone = lstat(path(rel), &st) != 0;
    if ((int)n != cases[i].removed || gone != (cases[i].removed == 1)) {
      print_error("case %zu (%s): removed %zu, gone %d\n", i, cases[i].name, n, gone);
      fail();
    }
  }
  /* pt_outdir_begin sweeps its parent */
  char cmd[512];
  snprintf(cmd, sizeof cmd, "cd '%s' && rm -rf s && mkdir s && mkdir s/x.tmp-Q1w2E3 && echo '"
           MARK("[]") "' >s/x.tmp-Q1w2E3/.ptbench-report", root);
  assert_int_equal(system(cmd), 0);
  backdate("s/x.tmp-Q1w2E3", 3700);
  pt_error err;
  pt_error_clear(&err);
  char *tmp = pt_outdir_begin(path("s/new"), false, &err);
  assert_non_null(tmp);
  assert_true(pt_exists(path("s/x.tmp-Q1w2E3")));  /* not asked to */
  pt_remove_tree(tmp);
  free(tmp);
  tmp = pt_outdir_begin(path("s/new"), true, &err);
  assert_non_null(tmp);
  assert_false(pt_exists(path("s/x.tmp-Q1w2E3")));
  pt_remove_tree(tmp);
  free(tmp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_check_table, setup, teardown),
      cmocka_unit_test_setup_teardown(test_build_and_replace, setup, teardown),
      cmocka_unit_test_setup_teardown(test_clean_stale, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
