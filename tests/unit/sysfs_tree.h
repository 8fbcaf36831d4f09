/* tests/unit/sysfs_tree.h - a fake /proc + /sys tree under root, built file
 * by file, for test_probe.c and test_telemetry.c (each sets root with
 * mkdtemp and removes it). Include after cmocka.h, <stdio.h>, <string.h>,
 * <unistd.h> and core/fs.h. */
#ifndef PT_TEST_SYSFS_TREE_H
#define PT_TEST_SYSFS_TREE_H

static char root[64];

/* root/rel into path, its parent directories made. */
static void tree_path(const char *rel, char *path, size_t size) {
  snprintf(path, size, "%s/%s", root, rel);
  char *slash = strrchr(path, '/');
  *slash = '\0';
  assert_int_equal(pt_mkdir_p(path, NULL), PT_OK);
  *slash = '/';
}

/* Write rel atomically (rename over whatever is there), as a sampler
 * reading it meanwhile must never see half a value. */
static void put_bytes(const char *rel, const void *data, size_t n) {
  char path[512], tmp[520];
  tree_path(rel, path, sizeof path);
  snprintf(tmp, sizeof tmp, "%s.new", path);
  FILE *fp = fopen(tmp, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(data, 1, n, fp), n);
  assert_int_equal(fclose(fp), 0);
  assert_int_equal(rename(tmp, path), 0);
}

static void put(const char *rel, const char *text) { put_bytes(rel, text, strlen(text)); }

/* rel as a symbolic link to target (replacing what is there). */
static void put_link(const char *rel, const char *target) {
  char path[512];
  tree_path(rel, path, sizeof path);
  unlink(path);
  assert_int_equal(symlink(target, path), 0);
}

#endif
