/* tests/fuzz/fuzz_csv_diff.c - differential libFuzzer harness for the
 * trials CSV reader: the fast path (quote-free lines split with memchr) in
 * front of libcsv must give exactly what libcsv alone gives, on any input:
 * the same rows (line, which columns, every field's bytes), the same
 * skipped headers, torn last row and whole-byte count, the same warnings,
 * and the same error (code, line, column, message). The input is read
 * three ways: from a stream with the fast path, from a stream with libcsv
 * only, and as a file (the chunked reader, which reads by pread) with the
 * fast path. Any difference aborts.
 *
 * The first byte picks variants: bit 0 puts a header with a known and an
 * unknown column before the rest (so most inputs get past the header),
 * bit 1 asks for two columns only (the others read as absent). */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/trial.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Everything a read shows, serialized for comparison. */
static pt_code on_row(void *ctx, const pt_row *row, pt_error *err) {
  pt_buf *b = ctx;
  (void)err;
  pt_buf_printf(b, "row %ld:", row->line);
  for (int c = 0; c < PT_COL_COUNT; c++)
    if (row->present[c]) {
      pt_buf_printf(b, " %d@%ld=%zu:", c, row->colno[c], row->f[c].len);
      pt_buf_append(b, row->f[c].s, row->f[c].len);
      if (row->f[c].s[row->f[c].len] != '\0')
        abort();  /* fields are NUL-terminated */
    }
  pt_buf_putc(b, '\n');
  return PT_OK;
}

static pt_code on_header(void *ctx, const pt_row *h, pt_error *err) {
  pt_buf *b = ctx;
  (void)err;
  pt_buf_printf(b, "header %ld, %zu fields:", h->line, h->nfields);
  for (int c = 0; c < PT_COL_COUNT; c++)
    if (h->present[c])
      pt_buf_printf(b, " %d@%ld", c, h->colno[c]);
  pt_buf_putc(b, '\n');
  return PT_OK;
}

static void on_warning(void *ctx, const pt_error *w) {
  pt_buf *b = ctx;
  pt_buf_printf(b, "warning %ld:%ld: %s\n", w->line, w->column, w->msg);
}

typedef enum { STREAM_FAST, STREAM_LIBCSV, FILE_FAST } way;

static void read_one(const char *text, size_t len, way how, const bool *wanted, pt_buf *out) {
  pt_buf_init(out, 0);
  void *ctxs[1] = {out};
  pt_read_cfg cfg = {.path = "in.csv", .on_header = on_header, .on_row = on_row,
                     .ctxs = ctxs, .nctx = 1, .wanted = wanted, .on_warning = on_warning,
                     .warn_ctx = out, .libcsv_only = how == STREAM_LIBCSV};
  pt_read_info info;
  pt_error err;
  pt_error_clear(&err);
  pt_code rc = PT_OK;
  if (how == FILE_FAST) {
    int fd = memfd_create("fuzz_csv_diff", 0);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len)
      abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    cfg.path = path;
    rc = pt_trials_read_path(&cfg, &info, &err);
    close(fd);
  } else {
    FILE *fp = fmemopen((void *)text, len ? len : 1, "rb");
    if (!fp)
      abort();
    if (!len)  /* fmemopen wants a size of at least 1: read nothing */
      fseek(fp, 0, SEEK_END);
    rc = pt_trials_read(fp, &cfg, &info, &err);
    fclose(fp);
  }
  /* the file's name differs between the ways; everything else must not */
  pt_buf_printf(out, "rc %d at %ld:%ld field '%s': %s\n", rc, err.line, err.column, err.field,
                err.msg);
  pt_buf_printf(out, "info rows %zu repeats %zu torn %ld whole %llu open_end %d\n", info.rows,
                info.header_repeats, info.torn_line, (unsigned long long)info.whole_bytes,
                info.open_end);
}

static void compare(const pt_buf *a, const pt_buf *b, const char *what) {
  if (a->len != b->len || memcmp(a->data, b->data, a->len)) {
    fprintf(stderr, "fuzz_csv_diff: %s differ\n--- fast path\n%s--- other\n%s", what, a->data,
            b->data);
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  static const char head[] = "model,environment,eval_rate,x\n";
  uint8_t mode = data[0];
  pt_buf in = PT_BUF_INIT;
  if (mode & 1)
    pt_buf_append(&in, head, sizeof head - 1);
  pt_buf_append(&in, data + 1, size - 1);
  bool two[PT_COL_COUNT] = {false};
  two[PT_COL_MODEL] = two[PT_COL_EVAL_RATE] = true;
  const bool *wanted = mode & 2 ? two : NULL;

  pt_buf fast, slow, file;
  const char *text = in.data ? in.data : "";
  read_one(text, in.len, STREAM_FAST, wanted, &fast);
  read_one(text, in.len, STREAM_LIBCSV, wanted, &slow);
  read_one(text, in.len, FILE_FAST, wanted, &file);
  compare(&fast, &slow, "fast path and libcsv");
  compare(&fast, &file, "stream and file reads");
  pt_buf_free(&fast);
  pt_buf_free(&slow);
  pt_buf_free(&file);
  pt_buf_free(&in);
  return 0;
}
