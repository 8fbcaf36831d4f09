/* tests/unit/test_fs.c - writing files the user named and ptbench's own
 * (core/fs.h), as tables of cases built on disk:
 *   - pt_write_output: what every kind of existing path becomes (QA finding
 *     1: analyze -o replaced devices, FIFOs and links by a file);
 *   - pt_write_file_atomic: never replaces what is not a regular file;
 *   - pt_output_check_inputs: an output that is one of the inputs, or a
 *     file read beside or below one, is refused.
 * The expected outcomes are what a shell's '>' does with the same path
 * (bash(1) "Redirecting Output": the file is opened for writing, a link
 * followed, a device written to), plus the refusals fs.h documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fs.h"

static char root[256];

static int setup(void **state) {
  (void)state;
  const char *t = getenv("TMPDIR");
  snprintf(root, sizeof root, "%s/ptbench-fs-XXXXXX", t && *t ? t : "/tmp");
  return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  return pt_remove_tree(root);
}

static char *path(const char *rel) {
  static char buf[8][512];
  static int k;
  k = (k + 1) % 8;
  snprintf(buf[k], sizeof buf[k], "%s/%s", root, rel);
  return buf[k];
}

static void put(const char *rel, const char *text, mode_t mode) {
  FILE *f = fopen(path(rel), "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  assert_int_equal(chmod(path(rel), mode), 0);
}

static char *slurp(const char *rel) {
  static char buf[256];
  FILE *f = fopen(path(rel), "r");
  if (!f)
    return NULL;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return buf;
}

/* pt_write_output over every kind of path. kind_after: what lstat says the
 * path is after the write ('f' file, 'l' link, 'd' directory, 'c' device);
 * read_at: where the text must be found (NULL: nowhere). */
static void test_write_output(void **state) {
  (void)state;
  bool root_user = geteuid() == 0;
  put("old.txt", "old\n", 0640);
  put("target.txt", "old\n", 0600);
  assert_int_equal(symlink("target.txt", path("link.txt")), 0);
  assert_int_equal(symlink("nowhere/x.txt", path("dangling.txt")), 0);
  assert_int_equal(mkdir(path("dir"), 0755), 0);
  bool have_dev = root_user && mknod(path("null"), S_IFCHR | 0666, makedev(1, 3)) == 0;
  static const struct {
    const char *name, *rel;
    pt_code code;
    char kind_after;
    const char *read_at;
    mode_t mode;  /* the written file's permission bits; 0: not checked */
    const char *msg;
  } cases[] = {
      {"nothing there: created", "new.txt", PT_OK, 'f', "new.txt", 0, NULL},
      {"a file: replaced, its mode kept", "old.txt", PT_OK, 'f', "old.txt", 0640, NULL},
      {"a link: written through", "link.txt", PT_OK, 'l', "target.txt", 0600, NULL},
      {"a link to nothing: refused", "dangling.txt", PT_EUNSAFE, 'l', NULL, 0,
       "is a symbolic link that leads to nothing that exists"},
      {"a directory: a usage error", "dir", PT_EUSAGE, 'd', NULL, 0,
       "is a directory; give a file to write"},
      {"a character device: written to", "null", PT_OK, 'c', NULL, 0, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (cases[i].kind_after == 'c' && !have_dev)
      continue;  /* mknod needs root */
    pt_error err;
    pt_error_clear(&err);
    pt_code rc = pt_write_output(path(cases[i].rel), "new\n", 4, &err);
    if (rc != cases[i].code)
      fail_msg("%s: code %d, expected %d (%s)", cases[i].name, rc, cases[i].code, err.msg);
    if (cases[i].msg && !strstr(err.msg, cases[i].msg))
      fail_msg("%s: message '%s' lacks '%s'", cases[i].name, err.msg, cases[i].msg);
    struct stat st;
    assert_int_equal(lstat(path(cases[i].rel), &st), 0);
    char kind = S_ISREG(st.st_mode)   ? 'f'
                : S_ISLNK(st.st_mode) ? 'l'
                : S_ISDIR(st.st_mode) ? 'd'
                : S_ISCHR(st.st_mode) ? 'c'
                                      : '?';
    if (kind != cases[i].kind_after)
      fail_msg("%s: the path is now '%c', expected '%c'", cases[i].name, kind,
               cases[i].kind_after);
    if (cases[i].read_at) {
      const char *got = slurp(cases[i].read_at);
      if (!got || strcmp(got, "new\n"))
        fail_msg("%s: %s holds '%s'", cases[i].name, cases[i].read_at, got ? got : "(none)");
      if (cases[i].mode) {
        assert_int_equal(stat(path(cases[i].read_at), &st), 0);
        if ((st.st_mode & 07777) != cases[i].mode)
          fail_msg("%s: mode %o, expected %o", cases[i].name, st.st_mode & 07777,
                   cases[i].mode);
      }
    }
  }
  assert_null(slurp("nowhere/x.txt"));
}

/* A FIFO is written to (a reader gets the bytes) and stays a FIFO. */
static void test_write_output_fifo(void **state) {
  (void)state;
  assert_int_equal(mkfifo(path("fifo"), 0600), 0);
  int rd = open(path("fifo"), O_RDONLY | O_NONBLOCK);  /* a reader, so the writer's open returns */
  assert_true(rd >= 0);
  pt_error err;
  pt_error_clear(&err);
  assert_int_equal(pt_write_output(path("fifo"), "through\n", 8, &err), PT_OK);
  char buf[16] = {0};
  assert_int_equal(read(rd, buf, sizeof buf - 1), 8);
  assert_string_equal(buf, "through\n");
  close(rd);
  struct stat st;
  assert_int_equal(lstat(path("fifo"), &st), 0);
  assert_true(S_ISFIFO(st.st_mode));
}

/* ptbench's own files: anything but a regular file is left as it is. */
static void test_atomic_refuses(void **state) {
  (void)state;
  put("own.txt", "old\n", 0644);
  put("t2.txt", "keep\n", 0644);
  assert_int_equal(symlink("t2.txt", path("own-link.txt")), 0);
  assert_int_equal(mkfifo(path("own-fifo"), 0600), 0);
  assert_int_equal(mkdir(path("own-dir"), 0755), 0);
  static const struct {
    const char *rel;
    pt_code code;
    const char *msg;
  } cases[] = {
      {"own.txt", PT_OK, NULL},
      {"own-new.txt", PT_OK, NULL},
      {"own-link.txt", PT_EUNSAFE, "is a symbolic link, not a file; refusing to replace it"},
      {"own-fifo", PT_EUNSAFE, "is a FIFO, not a file; refusing to replace it"},
      {"own-dir", PT_EUNSAFE, "is a directory, not a file; refusing to replace it"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pt_error err;
    pt_error_clear(&err);
    pt_code rc = pt_write_file_atomic(path(cases[i].rel), "new\n", 4, &err);
    if (rc != cases[i].code)
      fail_msg("%s: code %d, expected %d (%s)", cases[i].rel, rc, cases[i].code, err.msg);
    if (cases[i].msg && !strstr(err.msg, cases[i].msg))
      fail_msg("%s: message '%s' lacks '%s'", cases[i].rel, err.msg, cases[i].msg);
  }
  assert_string_equal(slurp("own.txt"), "new\n");
  assert_string_equal(slurp("own-new.txt"), "new\n");
  assert_string_equal(slurp("t2.txt"), "keep\n");
  struct stat st;
  assert_int_equal(lstat(path("own-link.txt"), &st), 0);
  assert_true(S_ISLNK(st.st_mode));
  assert_int_equal(lstat(path("own-fifo"), &st), 0);
  assert_true(S_ISFIFO(st.st_mode));
  assert_int_equal(lstat(path("own-dir"), &st), 0);
  assert_true(S_ISDIR(st.st_mode));
}

/* An output among the inputs: the paths an analysis reads (an input, a
 * trials.csv or manifest.json below an input directory, the manifest.json
 * beside an input file), also when reached through a link. */
static void test_check_inputs(void **state) {
  (void)state;
  assert_int_equal(mkdir(path("run"), 0755), 0);
  assert_int_equal(mkdir(path("run/vm"), 0755), 0);
  put("run/vm/trials.csv", "x\n", 0644);
  put("run/vm/manifest.json", "{}\n", 0644);
  put("run/vm/notes.txt", "n\n", 0644);
  put("lone.csv", "x\n", 0644);
  put("manifest.json", "{}\n", 0644);
  assert_int_equal(symlink("run", path("run-link")), 0);
  static const char *const in_dirs[] = {"trials.csv", "manifest.json", NULL};
  static const char *const beside[] = {"manifest.json", NULL};
  static const struct {
    const char *name, *out, *input;
    pt_code code;
    const char *msg;
  } cases[] = {
      {"the input file", "lone.csv", "lone.csv", PT_EUNSAFE, "is the input '"},
      {"trials.csv below an input dir", "run/vm/trials.csv", "run", PT_EUNSAFE,
       "is a file read from the input '"},
      {"manifest.json below an input dir", "run/vm/manifest.json", "run", PT_EUNSAFE,
       "is a file read from the input '"},
      {"through a link to the input dir", "run-link/vm/trials.csv", "run", PT_EUNSAFE,
       "is a file read from the input '"},
      {"manifest.json beside an input file", "manifest.json", "lone.csv", PT_EUNSAFE,
       "is read beside the input '"},
      {"another file below an input dir", "run/vm/notes.txt", "run", PT_OK, NULL},
      {"a file that does not exist", "run/vm/new.csv", "run", PT_OK, NULL},
      {"a trials.csv of another directory", "run/vm/trials.csv", "lone.csv", PT_OK, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *inputs[2] = {path(cases[i].input), "-"};
    pt_error err;
    pt_error_clear(&err);
    pt_code rc = pt_output_check_inputs(path(cases[i].out), inputs, 2, in_dirs, beside, &err);
    if (rc != cases[i].code)
      fail_msg("%s: code %d, expected %d (%s)", cases[i].name, rc, cases[i].code, err.msg);
    if (cases[i].msg && !strstr(err.msg, cases[i].msg))
      fail_msg("%s: message '%s' lacks '%s'", cases[i].name, err.msg, cases[i].msg);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_write_output, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_output_fifo, setup, teardown),
      cmocka_unit_test_setup_teardown(test_atomic_refuses, setup, teardown),
      cmocka_unit_test_setup_teardown(test_check_inputs, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
