/* tests/unit/test_batch.c - the pieces of `ptbench batch`: slugs, the FNV-1a
 * hash, source paths, front matter, Markdown to HTML (site/html.h) and safe extraction
 * with small caps (site/archive.h). Archives are written here with
 * libarchive's writer into a temporary directory, then extracted; each case
 * states the outcome and, for a refusal, the words of the message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fs.h"
#include "site/archive.h"
#include "site/batch.h"
#include "site/html.h"

/* ------------------------------------------------------------------ slugs */

static void test_slug(void **state) {
  (void)state;
  static const struct {
    const char *input, *slug;
  } cases[] = {
      {"runs-2025-01.tar.gz", "runs-2025-01"},
      {"/data/archive/Runs_Feb.ZIP", "runs-feb"},
      {"lab-runs/", "lab-runs"},
      {"lab-runs///", "lab-runs"},
      {"a.b.c.tgz", "a-b-c"},
      {"x.tar.xz", "x"},
      {"My Runs!", "my-runs"},
      {"--weird--.txz", "weird"},
      {"<b>x&\"y.tar.gz", "b-x-y"},
      {"\xC3\xA9t\xC3\xA9.zip", "t"},
      {".tar.gz", "tar-gz"},  /* no base before the suffix: not a suffix */
      {"...", "archive"},
      {"/", "archive"},
      {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[PT_BATCH_SLUG_MAX + 1];
    pt_batch_slug(cases[i].input, out, sizeof out);
    if (strcmp(out, cases[i].slug))
      fail_msg("slug of '%s' is '%s', expected '%s'", cases[i].input, out, cases[i].slug);
  }
}

/* ------------------------------------------------------------------- hash */

static void test_fnv1a(void **state) {
  (void)state;
  /* test vectors of the FNV reference (Landon Curt Noll, isthe.com/chongo/
   * tech/comp/fnv, test_fnv.c: FNV-1a 64) */
  static const struct {
    const char *s;
    unsigned long long h;
  } cases[] = {
      {"", 0xcbf29ce484222325ULL},
      {"a", 0xaf63dc4c8601ec8cULL},
      {"foobar", 0x85944171f73967e8ULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    assert_true(pt_fnv1a(PT_FNV_OFFSET, cases[i].s, strlen(cases[i].s)) == cases[i].h);
  /* hashing in pieces is hashing the whole */
  unsigned long long h = pt_fnv1a(pt_fnv1a(PT_FNV_OFFSET, "foo", 3), "bar", 3);
  assert_true(h == 0x85944171f73967e8ULL);
}

/* ------------------------------------------------------------ front matter */

static void test_front_matter(void **state) {
  (void)state;
  static const struct {
    const char *md;
    size_t len;  /* bytes of front matter */
  } cases[] = {
      {"---\ntitle: x\n---\n# Report\n", 17},
      {"---\ntitle: x\n...\nbody", 17},
      {"---\r\ntitle: x\r\n---\r\nbody", 20},
      {"---\n---\n", 8},
      {"# Report\n---\n", 0},
      {"---\ntitle: never closed\n", 0},
      {"----\nx\n----\n", 0},
      {"", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t got = pt_front_matter_len(cases[i].md, strlen(cases[i].md));
    if (got != cases[i].len)
      fail_msg("front matter of case %zu: %zu bytes, expected %zu", i, got, cases[i].len);
  }
}

/* ------------------------------------------------------------------- HTML */

static char *tmpdir_new(void) {
  char tmpl[] = "/tmp/ptbench-test-batch.XXXXXX";
  char *d = mkdtemp(tmpl);
  assert_non_null(d);
  return strdup(d);
}

static void touch(const char *dir, const char *name) {
  char *p = pt_path_join(dir, name);
  FILE *fp = fopen(p, "w");
  assert_non_null(fp);
  fclose(fp);
  free(p);
}

static void test_html(void **state) {
  (void)state;
  char *dir = tmpdir_new();
  touch(dir, "throughput.svg");
  static const struct {
    const char *md, *has, *lacks;
  } cases[] = {
      /* raw HTML is never passed through (cmark-gfm's safe default) */
      {"| Model |\n|---|\n| <script>alert(1)</script> |\n", "<table>", "<script>"},
      {"<img src=x onerror=alert(1)>\n", "<!-- raw HTML omitted -->", "onerror"},
      {"[x](javascript:alert(1))\n", "<a href=\"\">x</a>", "javascript:"},
      /* escaped Markdown from pt_md_escape shows as text */
      {"a \\<b\\> c\n", "a &lt;b&gt; c", "<b>"},
      /* a PNG with an SVG beside the page is shown as the SVG */
      {"![Throughput](throughput.png)\n", "<img src=\"throughput.svg\" alt=\"Throughput\"", ".png"},
      {"![Penalty](penalty.png)\n", "<img src=\"penalty.png\" alt=\"Penalty\"", ".svg"},
      {"![](throughput.png)\n", "alt=\"throughput chart\"", "alt=\"\""},
      /* links to the site's Markdown pages go to their HTML pages */
      {"[r](runs-1/README.md) [i](index.md)\n",
       "<a href=\"runs-1/index.html\">r</a> <a href=\"index.html\">i</a>", "README.md"},
      {"[n](NOTREADME.md)\n", "<a href=\"NOTREADME.md\">", "index.html"},
      /* directory links, as a site's pages link for Hugo and MkDocs */
      {"[i](../) [s](runs-1/) [x](https://a/) [r](/abs/)\n",
       "<a href=\"../index.html\">i</a> <a href=\"runs-1/index.html\">s</a> "
       "<a href=\"https://a/\">x</a> <a href=\"/abs/\">r</a>", "/abs/index.html"},
      {"[q](a/?x/) [f](a/#x/)\n", "<a href=\"a/?x/\">q</a> <a href=\"a/#x/\">f</a>",
       "index.html"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pt_buf out = PT_BUF_INIT;
    pt_error err;
    assert_int_equal(pt_markdown_to_html(cases[i].md, strlen(cases[i].md), dir, &out, &err),
                     PT_OK);
    if (!strstr(out.data, cases[i].has))
      fail_msg("case %zu: '%s' not in: %s", i, cases[i].has, out.data);
    if (strstr(out.data, cases[i].lacks))
      fail_msg("case %zu: '%s' in: %s", i, cases[i].lacks, out.data);
    pt_buf_free(&out);
  }
  /* a page: front matter cut, title escaped by the template */
  pt_error err;
  static const char tmpl[] = "<title>{{title}}</title>{{{body}}}";
  pt_mustache *page = pt_mustache_compile(tmpl, sizeof tmpl - 1, "page", &err);
  assert_non_null(page);
  static const char md[] = "---\ntitle: \"x\"\n---\n# Hello\n";
  pt_buf out = PT_BUF_INIT;
  assert_int_equal(pt_html_page(page, md, sizeof md - 1, NULL, "<i>", NULL, &out, &err), PT_OK);
  assert_string_equal(out.data, "<title>&lt;i&gt;</title><h1>Hello</h1>\n");
  pt_buf_free(&out);
  pt_mustache_free(page);
  pt_remove_tree(dir);
  free(dir);
}

/* ---------------------------------------------------------- source paths */

static void test_relative_path(void **state) {
  (void)state;
  /* expected values from Python's os.path.relpath(to, from) */
  static const struct {
    const char *from, *to, *rel;
  } cases[] = {
      {"/a/b", "/a/c/d", "../c/d"}, {"/a/b", "/a/b", "."},       {"/a/b", "/a/b/c", "c"},
      {"/a/bc", "/a/b", "../b"},    {"/", "/x/y", "x/y"},        {"/x/y", "/", "../.."},
      {"/a/b/c", "/a/x", "../../x"},
      {"/work/s/site", "/work/s/runs.tar.gz", "../runs.tar.gz"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *rel = pt_batch_relative_path(cases[i].from, cases[i].to);
    assert_non_null(rel);
    if (strcmp(rel, cases[i].rel))
      fail_msg("from %s to %s: '%s', expected '%s'", cases[i].from, cases[i].to, rel,
               cases[i].rel);
    free(rel);
  }
}

/* ------------------------------------------------------------- extraction */

typedef struct {
  const char *name;
  unsigned type;      /* AE_IFREG, AE_IFDIR, AE_IFLNK */
  size_t size;        /* bytes of 'x' for files */
  const char *link;   /* symlink target, or hard link target with type 0 */
} entry_spec;

#define END_ENTRIES {NULL, 0, 0, NULL}

/* Write a tar.gz (zip when zip) of the entries at path. */
static void write_archive(const char *path, const entry_spec *e, int zip) {
  struct archive *a = archive_write_new();
  assert_non_null(a);
  if (zip) {
    archive_write_set_format_zip(a);
  } else {
    archive_write_set_format_pax_restricted(a);
    archive_write_add_filter_gzip(a);
  }
  assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
  char *data = malloc(1 << 16);
  memset(data, 'x', 1 << 16);
  for (; e->name; e++) {
    struct archive_entry *ae = archive_entry_new();
    archive_entry_set_pathname(ae, e->name);
    archive_entry_set_perm(ae, 0644);
    if (e->type == 0) {
      archive_entry_set_filetype(ae, AE_IFREG);
      archive_entry_set_hardlink(ae, e->link);
    } else {
      archive_entry_set_filetype(ae, e->type);
      if (e->type == AE_IFLNK)
        archive_entry_set_symlink(ae, e->link);
      if (e->type == AE_IFREG)
        archive_entry_set_size(ae, (la_int64_t)e->size);
    }
    assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
    for (size_t left = e->type == AE_IFREG ? e->size : 0; left > 0;) {
      size_t n = left < (1 << 16) ? left : (1 << 16);
      assert_true(archive_write_data(a, data, n) == (la_ssize_t)n);
      left -= n;
    }
    archive_entry_free(ae);
  }
  free(data);
  assert_int_equal(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
}

static void test_extract(void **state) {
  (void)state;
  static const entry_spec ok_entries[] = {
      {"runs/", AE_IFDIR, 0, NULL},   {"runs/vm/trials.csv", AE_IFREG, 100, NULL},
      {"./runs//bare/x", AE_IFREG, 3, NULL}, {"runs/vm", AE_IFDIR, 0, NULL},
      END_ENTRIES};
  static const entry_spec dotdot[] = {{"runs/../../x", AE_IFREG, 1, NULL}, END_ENTRIES};
  static const entry_spec absolute[] = {{"/etc/x", AE_IFREG, 1, NULL}, END_ENTRIES};
  static const entry_spec symlink[] = {{"runs/trials.csv", AE_IFLNK, 0, "/etc/passwd"},
                                       END_ENTRIES};
  static const entry_spec symlink_then_write[] = {{"d", AE_IFLNK, 0, "/tmp"},
                                                  {"d/x", AE_IFREG, 1, NULL}, END_ENTRIES};
  static const entry_spec hardlink[] = {{"a", AE_IFREG, 1, NULL}, {"b", 0, 0, "a"},
                                        END_ENTRIES};
  static const entry_spec fifo[] = {{"f", AE_IFIFO, 0, NULL}, END_ENTRIES};
  static const entry_spec dup[] = {{"a", AE_IFREG, 1, NULL}, {"a", AE_IFREG, 1, NULL},
                                   END_ENTRIES};
  static const entry_spec file_then_dir[] = {{"a", AE_IFREG, 1, NULL},
                                             {"a/b", AE_IFREG, 1, NULL}, END_ENTRIES};
  static const entry_spec control[] = {{"a\033[2Jb", AE_IFREG, 1, NULL}, END_ENTRIES};
  static const entry_spec big_file[] = {{"big", AE_IFREG, 1001, NULL}, END_ENTRIES};
  static const entry_spec big_total[] = {{"a", AE_IFREG, 800, NULL},
                                         {"b", AE_IFREG, 800, NULL}, END_ENTRIES};
  static const entry_spec many[] = {{"1", AE_IFREG, 1, NULL}, {"2", AE_IFREG, 1, NULL},
                                    {"3", AE_IFREG, 1, NULL}, {"4", AE_IFREG, 1, NULL},
                                    {"5", AE_IFREG, 1, NULL}, END_ENTRIES};
  static const entry_spec four[] = {{"1", AE_IFREG, 1000, NULL}, {"2/", AE_IFDIR, 0, NULL},
                                    {"2/3", AE_IFREG, 500, NULL}, {"4", AE_IFREG, 0, NULL},
                                    END_ENTRIES};
  static const struct {
    const char *name;
    const entry_spec *entries;
    int zip;
    pt_code code;
    const char *msg;  /* in err.msg */
  } cases[] = {
      {"ok", ok_entries, 0, PT_OK, NULL},
      {"ok zip", ok_entries, 1, PT_OK, NULL},
      {"at the caps", four, 0, PT_OK, NULL},
      {"dotdot", dotdot, 0, PT_EUNSAFE, "refused entry 'runs/../../x': its path has a '..'"},
      {"dotdot zip", dotdot, 1, PT_EUNSAFE, "its path has a '..' component"},
      {"absolute", absolute, 0, PT_EUNSAFE, "refused entry '/etc/x': its path is absolute"},
      {"symlink", symlink, 0, PT_EUNSAFE, "'runs/trials.csv': it is a symbolic link"},
      {"symlink zip", symlink, 1, PT_EUNSAFE, "it is a symbolic link"},
      {"symlink then write", symlink_then_write, 0, PT_EUNSAFE, "'d': it is a symbolic link"},
      {"hardlink", hardlink, 0, PT_EUNSAFE, "'b': it is a hard link"},
      {"fifo", fifo, 0, PT_EUNSAFE, "'f': it is not a regular file or directory"},
      {"duplicate", dup, 0, PT_EUNSAFE, "'a': it is a duplicate of an earlier entry"},
      {"file then dir", file_then_dir, 0, PT_EUNSAFE, "'a/b': a component of its path is a file"},
      {"control characters", control, 0, PT_EUNSAFE, "'a?[2Jb': its path has control"},
      {"file cap", big_file, 0, PT_EUNSAFE, "'big': it is larger than 1000 bytes unpacked"},
      {"total cap", big_total, 0, PT_EUNSAFE,
       "'b': the archive is larger than 1500 bytes unpacked"},
      {"entry cap", many, 0, PT_EUNSAFE, "'5': the archive has more than 4 entries"},
  };
  pt_extract_limits lim = {1000, 1500, 4};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *dir = tmpdir_new();
    char *path = pt_path_join(dir, cases[i].zip ? "a.zip" : "a.tar.gz");
    char *dest = pt_path_join(dir, "out");
    assert_int_equal(mkdir(dest, 0700), 0);
    write_archive(path, cases[i].entries, cases[i].zip);
    pt_error err;
    pt_error_clear(&err);
    pt_code rc = pt_archive_extract(path, dest, &lim, &err);
    if (rc != cases[i].code)
      fail_msg("%s: code %d, expected %d (%s)", cases[i].name, rc, cases[i].code, err.msg);
    if (cases[i].msg && !strstr(err.msg, cases[i].msg))
      fail_msg("%s: message '%s' lacks '%s'", cases[i].name, err.msg, cases[i].msg);
    if (cases[i].code)
      assert_string_equal(err.file, path);
    /* nothing ever lands beside the destination */
    char *outside = pt_path_join(dir, "x");
    assert_false(pt_exists(outside));
    free(outside);
    pt_remove_tree(dir);
    free(dir);
    free(path);
    free(dest);
  }
}

static void test_extract_contents(void **state) {
  (void)state;
  static const entry_spec entries[] = {{"runs/vm/trials.csv", AE_IFREG, 70000, NULL},
                                       {"runs/vm/empty", AE_IFREG, 0, NULL}, END_ENTRIES};
  char *dir = tmpdir_new();
  char *path = pt_path_join(dir, "a.tar.gz");
  char *dest = pt_path_join(dir, "out");
  assert_int_equal(mkdir(dest, 0700), 0);
  write_archive(path, entries, 0);
  pt_error err;
  assert_int_equal(pt_archive_extract(path, dest, NULL, &err), PT_OK);
  char *file = pt_path_join(dest, "runs/vm/trials.csv");
  pt_buf b = PT_BUF_INIT;
  assert_int_equal(pt_read_file(file, 0, &b, &err), PT_OK);
  assert_int_equal(b.len, 70000);
  assert_int_equal(strspn(b.data, "x"), 70000);
  struct stat st;
  assert_int_equal(stat(file, &st), 0);
  assert_int_equal(st.st_mode & 0111, 0);  /* modes from the archive are not kept */
  pt_buf_free(&b);
  free(file);
  /* an archive that is not one, and one that does not exist */
  FILE *fp = fopen(path, "wb");
  fputs("\037\213\010\000garbage", fp);
  fclose(fp);
  assert_int_equal(pt_archive_extract(path, dest, NULL, &err), PT_EDATA);
  assert_non_null(strstr(err.msg, "cannot read archive"));
  unlink(path);
  assert_int_equal(pt_archive_extract(path, dest, NULL, &err), PT_ENOTFOUND);
  pt_remove_tree(dir);
  free(dir);
  free(path);
  free(dest);
}

static void test_suffix(void **state) {
  (void)state;
  static const struct {
    const char *name;
    size_t len;
  } cases[] = {{"a.tar.gz", 7}, {"a.TGZ", 4}, {"a.tar.xz", 7}, {"a.txz", 4}, {"a.tar", 4},
               {"a.zip", 4},    {"a.gz", 0},  {".zip", 0},     {"zip", 0},   {"a.tar.bz2", 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    assert_int_equal(pt_archive_suffix_len(cases[i].name), cases[i].len);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_slug),    cmocka_unit_test(test_fnv1a),
      cmocka_unit_test(test_front_matter), cmocka_unit_test(test_html),
      cmocka_unit_test(test_extract), cmocka_unit_test(test_extract_contents),
      cmocka_unit_test(test_suffix),  cmocka_unit_test(test_relative_path),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
