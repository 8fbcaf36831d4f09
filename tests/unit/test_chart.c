/* tests/unit/test_chart.c - the throughput and penalty charts (render/chart.h).
 *
 * Analysis documents are built here (the published article's four models,
 * a 12-model x 3-environment case with CIs, hostile and long names), every
 * chart is written in every format into a temporary directory, and the files
 * are checked: PNG signature and IHDR size (twice the logical size), SVG well
 * formed (xmllint --noout when installed), PDF header and trailer, and, read
 * back with cairo, the pixels where the layout says each bar is have the
 * bar's colour. Set PTBENCH_CHART_OUT=DIR to keep the files there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "analyze/doc.h"
#include "core/buf.h"
#include "core/fs.h"
#include "render/chart.h"

/* Okabe & Ito (2008) blue: the colour the baseline must always have. */
#define OKABE_ITO_BLUE 0x0072B2u
#define SIG_NULL (-1)

typedef struct {
  const char *name, *label;
  bool baseline;
} env_spec;

typedef struct {
  double mean, ci_low, ci_high; /* NAN = null; mean NAN = no group */
  long n;
} cell_spec;

typedef struct {
  double pct, ci_low, ci_high;  /* pct NAN = no comparison */
  int significant;              /* 1, 0 or SIG_NULL */
} cmp_spec;

typedef struct {
  const char *name;
  size_t nenv, nmodel;
  const env_spec *envs;
  const char *const *models;
  const cell_spec *cells;   /* nmodel x nenv */
  const cmp_spec *cmps;     /* nmodel x (nenv - 1), non-baseline envs in order */
  const double *mean_pen;   /* nenv - 1 */
} doc_spec;

static void add_num(cJSON *o, const char *k, double v) {
  if (isfinite(v))
    cJSON_AddNumberToObject(o, k, v);
  else
    cJSON_AddNullToObject(o, k);
}

static cJSON *make_doc(const doc_spec *d) {
  cJSON *doc = cJSON_CreateObject();
  cJSON_AddStringToObject(doc, "schema", PT_DOC_SCHEMA_ID);
  cJSON *metric = cJSON_AddObjectToObject(doc, "metric");
  cJSON_AddStringToObject(metric, "name", "eval_rate");
  cJSON_AddStringToObject(metric, "label", "Generation rate");
  cJSON_AddStringToObject(metric, "unit", "tokens/s");
  cJSON_AddBoolToObject(metric, "higher_is_better", 1);
  cJSON_AddNumberToObject(doc, "confidence", 0.95);
  cJSON_AddNumberToObject(doc, "alpha", 0.05);
  cJSON_AddStringToObject(doc, "test", "welch");
  const char *base = NULL;
  cJSON *envs = cJSON_AddArrayToObject(doc, "environments");
  for (size_t e = 0; e < d->nenv; e++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", d->envs[e].name);
    cJSON_AddStringToObject(o, "label", d->envs[e].label);
    cJSON_AddBoolToObject(o, "baseline", d->envs[e].baseline);
    cJSON_AddItemToArray(envs, o);
    if (d->envs[e].baseline)
      base = d->envs[e].name;
  }
  cJSON_AddStringToObject(doc, "baseline", base);
  cJSON *models = cJSON_AddArrayToObject(doc, "models");
  for (size_t m = 0; m < d->nmodel; m++) {
    cJSON *mo = cJSON_CreateObject();
    cJSON_AddStringToObject(mo, "model", d->models[m]);
    cJSON *groups = cJSON_AddArrayToObject(mo, "groups");
    cJSON *cmps = cJSON_AddArrayToObject(mo, "comparisons");
    size_t k = 0;
    for (size_t e = 0; e < d->nenv; e++) {
      const cell_spec *c = &d->cells[m * d->nenv + e];
      if (isfinite(c->mean)) {
        cJSON *g = cJSON_CreateObject();
        cJSON_AddStringToObject(g, "environment", d->envs[e].name);
        cJSON_AddNumberToObject(g, "n", (double)c->n);
        cJSON_AddNumberToObject(g, "mean", c->mean);
        add_num(g, "ci_low", c->ci_low);
        add_num(g, "ci_high", c->ci_high);
        cJSON_AddItemToArray(groups, g);
      }
      if (d->envs[e].baseline)
        continue;
      const cmp_spec *p = &d->cmps[m * (d->nenv - 1) + k++];
      if (!isfinite(p->pct))
        continue;
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "environment", d->envs[e].name);
      cJSON_AddStringToObject(o, "baseline", base);
      cJSON_AddNumberToObject(o, "penalty_pct", p->pct);
      add_num(o, "penalty_ci_low", p->ci_low);
      add_num(o, "penalty_ci_high", p->ci_high);
      if (p->significant == SIG_NULL)
        cJSON_AddNullToObject(o, "significant");
      else
        cJSON_AddBoolToObject(o, "significant", p->significant);
      cJSON_AddItemToArray(cmps, o);
    }
    cJSON_AddItemToArray(models, mo);
  }
  cJSON *sc = cJSON_AddArrayToObject(cJSON_AddObjectToObject(doc, "summary"), "comparisons");
  size_t k = 0;
  for (size_t e = 0; e < d->nenv; e++) {
    if (d->envs[e].baseline)
      continue;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "environment", d->envs[e].name);
    cJSON_AddStringToObject(o, "baseline", base);
    add_num(o, "mean_penalty_pct", d->mean_pen[k++]);
    cJSON_AddItemToArray(sc, o);
  }
  cJSON_AddArrayToObject(doc, "warnings");
  return doc;
}

/* --- The cases ----------------------------------------------------------- */

/* The published article (data/article): eval rates in tokens/s, one run per
 * model and environment; the penalties (1 - vm / bare-metal) x 100 =
 * 1.66, 0.29, 1.16, 1.71 % as the article prints them, computed from its
 * rates in fill_cases(), and their mean, 1.20 %. */
static const env_spec article_envs[] = {{"bare-metal", "bare-metal", true}, {"vm", "vm", false}};
static const char *const article_models[] = {"mistral:7b", "gemma2:9b", "phi4:14b",
                                             "deepseek-r1:14b"};
static const cell_spec article_cells[] = {
    {50.10, NAN, NAN, 1}, {49.27, NAN, NAN, 1}, {35.06, NAN, NAN, 1}, {34.96, NAN, NAN, 1},
    {27.52, NAN, NAN, 1}, {27.20, NAN, NAN, 1}, {25.10, NAN, NAN, 1}, {24.67, NAN, NAN, 1},
};
static cmp_spec article_cmps[4];
static double article_mean[1];

/* 12 models x 3 environments, n = 30, the baseline listed second (its colour
 * must not depend on its position); negative and non-significant penalties. */
static const env_spec twelve_envs[] = {{"vm", "vm (vfio-pci)", false},
                                       {"bare-metal", "bare-metal", true},
                                       {"container", "container", false}};
static const char *const twelve_models[] = {
    "llama3.2:1b", "llama3.2:3b", "qwen2.5:7b",  "mistral:7b",  "gemma2:9b", "llama3.1:8b",
    "phi4:14b",    "qwen2.5:14b", "deepseek-r1:14b", "gemma2:27b", "qwen2.5:32b", "llama3.3:70b"};
static cell_spec twelve_cells[12 * 3];
static cmp_spec twelve_cmps[12 * 2];
static const double twelve_mean[] = {2.05, -0.12};

/* Hostile and long names: markup, shell and XML metacharacters, 40 and
 * 200 characters. */
static const env_spec hostile_envs[] = {{"<b>bare</b>", "<b>bare</b> & \"metal\"", true},
                                        {"vm|&", "vm | <script>alert(1)</script> &amp;", false}};
static char long200[201];
static const char *const hostile_models[] = {
    "<script>alert('x')</script>",
    "a|b&c;d`rm -rf /`",
    "org/very-long-model-name-of-forty-chars1",
    "org/very-long-model-name-of-forty-chars2",
    long200,
    "]]><!-- -->\n<x/>",
};
static cell_spec hostile_cells[6 * 2];
static cmp_spec hostile_cmps[6];
static const double hostile_mean[] = {0.8};

/* 12 models with 40-character names, two environments, n = 5. */
static char forty[12][41];
static const char *forty_models[12];
static cell_spec forty_cells[12 * 2];
static cmp_spec forty_cmps[12];
static const double forty_mean[] = {1.1};

static void fill_cases(void) {
  article_mean[0] = 0;
  for (size_t m = 0; m < 4; m++) {
    double p = (1 - article_cells[2 * m + 1].mean / article_cells[2 * m].mean) * 100;
    article_cmps[m] = (cmp_spec){p, NAN, NAN, SIG_NULL};
    article_mean[0] += p / 4;
  }
  for (size_t m = 0; m < 12; m++) {
    double base = 160.0 / (1 + (double)m * 0.6);
    double vm = base * (1 - 0.02 - 0.002 * (double)m);
    double ct = base * (1 + 0.001 * (5 - (double)m));
    double h = base * 0.01;
    twelve_cells[m * 3 + 0] = (cell_spec){vm, vm - h, vm + h, 30};
    twelve_cells[m * 3 + 1] = (cell_spec){base, base - h, base + h, 30};
    twelve_cells[m * 3 + 2] = (cell_spec){ct, ct - h, ct + h, 30};
    double pv = (1 - vm / base) * 100, pc = (1 - ct / base) * 100;
    twelve_cmps[m * 2 + 0] = (cmp_spec){pv, pv - 1.2, pv + 1.2, 1};
    twelve_cmps[m * 2 + 1] = (cmp_spec){pc, pc - 1.4, pc + 1.4, 0};
  }
  memset(long200, 'W', 200);
  for (size_t i = 0; i < 200; i += 9)
    long200[i] = '-';
  for (size_t m = 0; m < 6; m++) {
    double b = 40 - 5 * (double)m;
    hostile_cells[m * 2] = (cell_spec){b, b - 1, b + 1, 3};
    hostile_cells[m * 2 + 1] = (cell_spec){b * 0.99, NAN, NAN, 1};
    hostile_cmps[m] = (cmp_spec){m == 2 ? -0.6 : 1.0, NAN, NAN, m % 2 ? 0 : 1};
  }
  for (size_t m = 0; m < 12; m++) {
    snprintf(forty[m], sizeof forty[m], "hf.co/unsloth/Qwen3-30B-A3B-GGUF:Q4_K_%02zu", m);
    forty_models[m] = forty[m];
    double b = 90 - 6 * (double)m;
    forty_cells[m * 2] = (cell_spec){b, b - 0.5, b + 0.5, 5};
    forty_cells[m * 2 + 1] = (cell_spec){b * 0.989, b * 0.989 - 0.5, b * 0.989 + 0.5, 5};
    forty_cmps[m] = (cmp_spec){1.1, 0.2, 2.0, m % 3 != 0};
  }
}

static const doc_spec *case_spec(size_t i) {
  static doc_spec cases[4];
  cases[0] = (doc_spec){"article", 2, 4, article_envs, article_models, article_cells,
                        article_cmps, article_mean};
  cases[1] = (doc_spec){"twelve", 3, 12, twelve_envs, twelve_models, twelve_cells,
                        twelve_cmps, twelve_mean};
  cases[2] = (doc_spec){"hostile", 2, 6, hostile_envs, hostile_models, hostile_cells,
                        hostile_cmps, hostile_mean};
  cases[3] = (doc_spec){"forty", 2, 12, article_envs, forty_models, forty_cells, forty_cmps,
                        forty_mean};
  return i < 4 ? &cases[i] : NULL;
}

/* Fontconfig keeps its configuration and font patterns for the life of the
 * process (released only by FcFini, which a library must not call): tell
 * LeakSanitizer they are not ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }
const char *__lsan_default_options(void);
const char *__lsan_default_options(void) { return "print_suppressions=0"; }

/* --- Output directory ---------------------------------------------------- */

static char outdir[512];
static bool keep;

static int setup(void **state) {
  (void)state;
  fill_cases();
  const char *dir = getenv("PTBENCH_CHART_OUT");
  if (dir && *dir) {
    pt_error err;
    if (pt_mkdir_p(dir, &err))
      return -1;
    snprintf(outdir, sizeof outdir, "%s", dir);
    keep = true;
    return 0;
  }
  snprintf(outdir, sizeof outdir, "/tmp/ptbench-chart-XXXXXX");
  return mkdtemp(outdir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  if (!keep)
    pt_remove_tree(outdir);
  return 0;
}

/* --- File checks --------------------------------------------------------- */

static void read_all(const char *path, pt_buf *b) {
  pt_error err;
  pt_buf_init(b, 0);
  assert_int_equal(pt_read_file(path, 0, b, &err), PT_OK);
}

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void check_png_header(const char *path, double w, double h) {
  pt_buf b;
  read_all(path, &b);
  assert_true(b.len > 33);
  const unsigned char *p = (const unsigned char *)b.data;
  /* PNG signature and the IHDR chunk first (PNG spec, sections 5.2, 11.2.2). */
  assert_memory_equal(p, "\x89PNG\r\n\x1a\n", 8);
  assert_memory_equal(p + 12, "IHDR", 4);
  assert_int_equal(be32(p + 16), (uint32_t)(2 * w));
  assert_int_equal(be32(p + 20), (uint32_t)(2 * h));
  pt_buf_free(&b);
}

static void check_svg(const char *path) {
  pt_buf b;
  read_all(path, &b);
  assert_true(b.len > 100);
  assert_memory_equal(b.data, "<?xml", 5);
  size_t end = b.len;
  while (end && (b.data[end - 1] == '\n' || b.data[end - 1] == ' '))
    end--;
  assert_true(end >= 6);
  assert_memory_equal(b.data + end - 6, "</svg>", 6);
  assert_null(strstr(b.data, "<script"));
  pt_buf_free(&b);
  if (system("command -v xmllint >/dev/null 2>&1") == 0) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", path);
    assert_int_equal(system(cmd), 0);
  }
}

static void check_pdf(const char *path) {
  pt_buf b;
  read_all(path, &b);
  assert_true(b.len > 100);
  assert_memory_equal(b.data, "%PDF-", 5);
  size_t tail = b.len > 32 ? b.len - 32 : 0;
  bool eof = false;
  for (size_t i = tail; i + 5 <= b.len; i++)
    eof |= !memcmp(b.data + i, "%%EOF", 5);
  assert_true(eof);
  pt_buf_free(&b);
}

static unsigned pixel(cairo_surface_t *s, double lx, double ly) {
  int x = (int)(lx * 2), y = (int)(ly * 2);
  assert_true(x >= 0 && x < cairo_image_surface_get_width(s));
  assert_true(y >= 0 && y < cairo_image_surface_get_height(s));
  const unsigned char *row = cairo_image_surface_get_data(s) +
                             (size_t)y * (size_t)cairo_image_surface_get_stride(s);
  uint32_t v;
  memcpy(&v, row + 4 * (size_t)x, 4);
  return v & 0xFFFFFF;
}

static bool near_color(unsigned a, unsigned b) {
  for (int sh = 0; sh <= 16; sh += 8) {
    int d = (int)((a >> sh) & 255) - (int)((b >> sh) & 255);
    if (d > 4 || d < -4)
      return false;
  }
  return true;
}

/* Where the layout puts a bar, the PNG has the series colour (plain bars) or
 * at least not the white background (hatched bars), at 3 heights of which 2
 * must agree (a dashed mean line may cross one). */
static void check_png_bars(const pt_chart *c, const char *path) {
  cairo_surface_t *s = cairo_image_surface_create_from_png(path);
  assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
  cairo_surface_flush(s);
  size_t checked = 0;
  for (size_t g = 0; g < pt_chart_groups(c); g++)
    for (size_t k = 0; k < pt_chart_series(c); k++) {
      pt_chart_rect r;
      if (!pt_chart_bar_rect(c, g, k, &r) || r.h < 3)
        continue;
      unsigned want = pt_chart_series_color(c, k);
      int colour = 0, painted = 0;
      for (int i = 1; i <= 3; i++) {
        unsigned px = pixel(s, r.x + r.w * 0.3, r.y + r.h * 0.25 * i);
        colour += near_color(px, want);
        painted += px != 0xFFFFFF;
      }
      assert_true(painted >= 2);
      if (colour < 2) { /* hatched: lighter, with lines of the series colour */
        bool seen = false;
        for (double x = r.x + 1; x < r.x + r.w - 1; x += 0.5)
          seen |= near_color(pixel(s, x, r.y + r.h / 2), want);
        assert_true(seen);
      }
      checked++;
    }
  assert_true(checked > 0);
  cairo_surface_destroy(s);
}

/* Every case, every kind, every format. */
static void test_write_all(void **state) {
  (void)state;
  for (size_t i = 0; case_spec(i); i++) {
    const doc_spec *d = case_spec(i);
    cJSON *doc = make_doc(d);
    for (int kind = 0; kind < PT_CHART_KIND_COUNT; kind++) {
      char stem[700];
      snprintf(stem, sizeof stem, "%s/%s-%s", outdir, d->name,
               pt_chart_kind_name((pt_chart_kind)kind));
      pt_error err;
      pt_error_clear(&err);
      pt_code rc = pt_chart_write_formats(doc, (pt_chart_kind)kind, PT_CHART_ALL_FORMATS, stem,
                                          &err);
      if (rc)
        print_error("%s: %s\n", stem, err.msg);
      assert_int_equal(rc, PT_OK);

      pt_chart *c = pt_chart_new(doc, (pt_chart_kind)kind, &err);
      assert_non_null(c);
      double w, h;
      pt_chart_size(c, &w, &h);
      assert_true(w >= 800 && w <= 2000 && h >= 450 && h <= 800);
      assert_true(pt_chart_plot_rect(c).h >= 200);
      char path[720];
      snprintf(path, sizeof path, "%s.png", stem);
      check_png_header(path, w, h);
      check_png_bars(c, path);
      snprintf(path, sizeof path, "%s.svg", stem);
      check_svg(path);
      snprintf(path, sizeof path, "%s.pdf", stem);
      check_pdf(path);
      pt_chart_free(c);
    }
    cJSON_Delete(doc);
  }
}

/* The baseline has the first palette colour wherever it is listed, and the
 * layout puts the bars of a group side by side in environment order. */
static void test_layout(void **state) {
  (void)state;
  pt_error err;
  cJSON *doc = make_doc(case_spec(1));
  pt_chart *c = pt_chart_new(doc, PT_CHART_THROUGHPUT, &err);
  assert_non_null(c);
  assert_int_equal(pt_chart_groups(c), 12);
  assert_int_equal(pt_chart_series(c), 3);
  assert_int_equal(pt_chart_series_color(c, 1), OKABE_ITO_BLUE); /* bare-metal, 2nd */
  assert_int_not_equal(pt_chart_series_color(c, 0), OKABE_ITO_BLUE);
  pt_chart_rect a, b, p = pt_chart_plot_rect(c);
  assert_true(pt_chart_bar_rect(c, 0, 0, &a));
  assert_true(pt_chart_bar_rect(c, 0, 1, &b));
  assert_true(b.x >= a.x + a.w - 1e-9);
  assert_true(a.x >= p.x && b.y >= p.y && b.y + b.h <= p.y + p.h + 1e-9);
  assert_true(b.h > a.h); /* bare-metal is faster than the vm */
  assert_false(pt_chart_bar_rect(c, 12, 0, &a));
  pt_chart_free(c);

  /* Penalty: two series (vm, container), bare-metal is not one of them. */
  c = pt_chart_new(doc, PT_CHART_PENALTY, &err);
  assert_non_null(c);
  assert_int_equal(pt_chart_series(c), 2);
  assert_int_not_equal(pt_chart_series_color(c, 0), OKABE_ITO_BLUE);
  assert_int_not_equal(pt_chart_series_color(c, 1), OKABE_ITO_BLUE);
  /* container's penalty is negative for the first models: the bar hangs
   * from the zero line, where the vm's positive bar stands. */
  assert_true(pt_chart_bar_rect(c, 0, 0, &a));
  assert_true(pt_chart_bar_rect(c, 0, 1, &b));
  assert_true(twelve_cmps[1].pct < 0);
  assert_true(fabs((a.y + a.h) - b.y) < 1e-6);
  pt_chart_free(c);
  cJSON_Delete(doc);

  doc = make_doc(case_spec(0));
  c = pt_chart_new(doc, PT_CHART_THROUGHPUT, &err);
  assert_non_null(c);
  double w, h;
  pt_chart_size(c, &w, &h);
  assert_true(w == 800 && h == 450); /* the default size fits the article */
  assert_int_equal(pt_chart_series_color(c, 0), OKABE_ITO_BLUE);
  pt_chart_free(c);
  cJSON_Delete(doc);
}

/* Rendering to memory gives the same bytes as the file for PNG/SVG. */
static void test_render_buffer(void **state) {
  (void)state;
  pt_error err;
  cJSON *doc = make_doc(case_spec(0));
  pt_chart *c = pt_chart_new(doc, PT_CHART_PENALTY, &err);
  assert_non_null(c);
  pt_buf b = PT_BUF_INIT;
  assert_int_equal(pt_chart_render(c, PT_CHART_SVG, &b, &err), PT_OK);
  assert_memory_equal(b.data, "<?xml", 5);
  pt_buf_free(&b);
  assert_int_equal(pt_chart_render(c, (pt_chart_format)8, &b, &err), PT_EUSAGE);
  pt_buf_free(&b);
  pt_chart_free(c);
  cJSON_Delete(doc);
}

/* Extreme and odd values lay out and render (or fail cleanly), never hang:
 * tiny, huge, negative rates, a duration metric in ns, NaN-free nulls. */
static void test_extreme_values(void **state) {
  (void)state;
  static const char *const docs[] = {
      "{\"schema\":\"" PT_DOC_SCHEMA_ID "\",\"metric\":{\"label\":\"Wall time\",\"unit\":\"ns\","
      "\"higher_is_better\":false},\"environments\":[{\"name\":\"a\",\"baseline\":true},"
      "{\"name\":\"b\"}],\"models\":[{\"model\":\"m\",\"groups\":[{\"environment\":\"a\","
      "\"n\":2,\"mean\":2.5e9,\"ci_low\":2.4e9,\"ci_high\":2.6e9},{\"environment\":\"b\",\"n\":2,"
      "\"mean\":2.6e9,\"ci_low\":null,\"ci_high\":null}],\"comparisons\":[{\"environment\":\"b\","
      "\"penalty_pct\":4,\"significant\":true}]}],\"summary\":{\"comparisons\":[{\"environment\":"
      "\"b\",\"mean_penalty_pct\":4}]}}",
      "{\"schema\":\"" PT_DOC_SCHEMA_ID "\",\"environments\":[{\"name\":\"a\"},{\"name\":\"b\"}],"
      "\"models\":[{\"model\":\"m\",\"groups\":[{\"environment\":\"a\",\"n\":1,\"mean\":1e-9},"
      "{\"environment\":\"b\",\"n\":1,\"mean\":1e300}],\"comparisons\":[{\"environment\":\"b\","
      "\"penalty_pct\":-1e300,\"significant\":false}]}]}",
      "{\"schema\":\"" PT_DOC_SCHEMA_ID "\",\"environments\":[{\"name\":\"a\"},{\"name\":\"b\"}],"
      "\"models\":[{\"model\":\"\",\"groups\":[{\"environment\":\"a\",\"n\":1,\"mean\":-5},"
      "{\"environment\":\"b\",\"n\":1,\"mean\":null}],\"comparisons\":[{\"environment\":\"b\","
      "\"penalty_pct\":0}]},{\"model\":\"empty\"}]}",
  };
  for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
    cJSON *doc = cJSON_Parse(docs[i]);
    assert_non_null(doc);
    for (int kind = 0; kind < PT_CHART_KIND_COUNT; kind++) {
      pt_error err;
      pt_chart *c = pt_chart_new(doc, (pt_chart_kind)kind, &err);
      if (!c)
        print_error("doc %zu kind %d: %s\n", i, kind, err.msg);
      assert_non_null(c);
      for (int f = PT_CHART_PNG; f <= PT_CHART_PDF; f <<= 1) {
        pt_buf b = PT_BUF_INIT;
        assert_int_equal(pt_chart_render(c, (pt_chart_format)f, &b, &err), PT_OK);
        assert_true(b.len > 0);
        pt_buf_free(&b);
      }
      pt_chart_free(c);
    }
    cJSON_Delete(doc);
  }
}

static void test_unwritable(void **state) {
  (void)state;
  pt_error err;
  cJSON *doc = make_doc(case_spec(0));
  char path[700];
  snprintf(path, sizeof path, "%s/no-such-dir/chart.png", outdir);
  for (int f = PT_CHART_PNG; f <= PT_CHART_PDF; f <<= 1) {
    pt_error_clear(&err);
    assert_int_equal(pt_chart_write(doc, PT_CHART_THROUGHPUT, (pt_chart_format)f, path, &err),
                     PT_EIO);
    assert_string_equal(err.file, path);
  }
  assert_false(pt_exists(path));
  cJSON_Delete(doc);
}

/* Documents the charts must refuse, with the field named. */
static void test_bad_documents(void **state) {
  (void)state;
  static const struct {
    const char *json;
    pt_chart_kind kind;
    pt_code code;
    const char *field;
  } cases[] = {
      {"{}", PT_CHART_THROUGHPUT, PT_ESCHEMA, "schema"},
      {"{\"schema\":\"other/1\"}", PT_CHART_THROUGHPUT, PT_ESCHEMA, "schema"},
      {"{\"schema\":\"" PT_DOC_SCHEMA_ID "\"}", PT_CHART_THROUGHPUT, PT_EDATA, "environments"},
      {"{\"schema\":\"" PT_DOC_SCHEMA_ID "\",\"environments\":[{\"name\":\"a\"}]}",
       PT_CHART_THROUGHPUT, PT_EDATA, "models"},
      {"{\"schema\":\"" PT_DOC_SCHEMA_ID "\",\"environments\":[{\"label\":\"a\"}],\"models\":[]}",
       PT_CHART_THROUGHPUT, PT_EDATA, "environments[0].name"},
      {"{\"schema\":\"" PT_DOC_SCHEMA_ID "\",\"environments\":[{\"name\":\"a\"}],\"models\":"
       "[{\"model\":\"m\",\"groups\":[{\"environment\":\"zz\",\"mean\":1,\"n\":1}]}]}",
       PT_CHART_THROUGHPUT, PT_EDATA, "models[0].groups[0].environment"},
      {"{\"schema\":\"" PT_DOC_SCHEMA_ID "\",\"environments\":[{\"name\":\"a\"}],\"models\":"
       "[{\"groups\":[{\"environment\":\"a\",\"mean\":1,\"n\":1}]}]}",
       PT_CHART_THROUGHPUT, PT_EDATA, "models[0].model"},
      /* one environment: nothing to compare */
      {"{\"schema\":\"" PT_DOC_SCHEMA_ID "\",\"environments\":[{\"name\":\"a\",\"baseline\":true}],"
       "\"models\":[{\"model\":\"m\",\"groups\":[{\"environment\":\"a\",\"mean\":1,\"n\":1}],"
       "\"comparisons\":[]}]}",
       PT_CHART_PENALTY, PT_EDATA, ""},
      {"{\"schema\":\"" PT_DOC_SCHEMA_ID "\",\"environments\":[{\"name\":\"a\"}],\"models\":[]}",
       PT_CHART_THROUGHPUT, PT_EDATA, ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cJSON *doc = cJSON_Parse(cases[i].json);
    assert_non_null(doc);
    pt_error err;
    pt_error_clear(&err);
    pt_chart *c = pt_chart_new(doc, cases[i].kind, &err);
    if (c || err.code != cases[i].code || strcmp(err.field, cases[i].field))
      print_error("case %zu: code %d field '%s' msg '%s'\n", i, err.code, err.field, err.msg);
    assert_null(c);
    assert_int_equal(err.code, cases[i].code);
    assert_string_equal(err.field, cases[i].field);
    assert_true(err.msg[0] != '\0');
    assert_false(pt_chart_applies(doc, cases[i].kind) && cases[i].code == PT_EDATA &&
                 !strcmp(cases[i].field, ""));
    cJSON_Delete(doc);
  }
}

static void test_formats_parse(void **state) {
  (void)state;
  static const struct {
    const char *in;
    pt_code code;
    unsigned mask;
    const char *quoted; /* must appear in the message */
  } cases[] = {
      {"png", PT_OK, PT_CHART_PNG, NULL},
      {"png,svg,pdf", PT_OK, PT_CHART_ALL_FORMATS, NULL},
      {"PDF, Svg", PT_OK, PT_CHART_PDF | PT_CHART_SVG, NULL},
      {"svg,svg", PT_OK, PT_CHART_SVG, NULL},
      {"gif", PT_EUSAGE, 0, "'gif'"},
      {"png,jpeg", PT_EUSAGE, 0, "'jpeg'"},
      {"", PT_EUSAGE, 0, "empty"},
      {"png,,svg", PT_EUSAGE, 0, "empty"},
      {"png,", PT_EUSAGE, 0, "empty"},
      {"pngsvg", PT_EUSAGE, 0, "'pngsvg'"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    unsigned mask = 99;
    pt_error err;
    pt_error_clear(&err);
    assert_int_equal(pt_chart_formats_parse(cases[i].in, &mask, &err), cases[i].code);
    if (cases[i].code == PT_OK)
      assert_int_equal(mask, cases[i].mask);
    else
      assert_non_null(strstr(err.msg, cases[i].quoted));
  }
  pt_chart_kind k;
  assert_int_equal(pt_chart_kind_parse("penalty", &k, NULL), PT_OK);
  assert_int_equal(k, PT_CHART_PENALTY);
  assert_int_equal(pt_chart_kind_parse("pie", &k, NULL), PT_EUSAGE);
  assert_string_equal(pt_chart_kind_name(PT_CHART_THROUGHPUT), "throughput");
  assert_string_equal(pt_chart_format_ext(PT_CHART_PDF), "pdf");
}

/* Reference ticks worked by hand with Heckbert's rule ("Nice numbers for
 * graph labels", Graphics Gems, 1990): raw = (hi - lo) / target = f x 10^k,
 * step = 1, 2, 5 or 10 x 10^k for f < 1.5, < 3, < 7, else; ends rounded out
 * to multiples of the step. */
static void test_nice_scale(void **state) {
  (void)state;
  static const struct {
    double lo, hi;
    int target;
    double min, max, step;
  } cases[] = {
      {0, 50.10, 5, 0, 60, 10},      /* the article's highest rate */
      {0, 1.71, 5, 0, 2, 0.5},       /* the article's penalties */
      {-0.8, 2.3, 5, -1, 2.5, 0.5},
      {0, 0, 5, 0, 1, 0.2},          /* empty range widened to 0..1 */
      {0, 1234, 5, 0, 1400, 200},
      {0, 100, 5, 0, 100, 20},
      {-3.2, -0.4, 5, -3.5, 0, 0.5},
      {0.001, 0.0093, 5, 0, 0.01, 0.002},
      {5, 5, 5, 4.4, 5.6, 0.2},      /* widened to 4.5..5.5 first */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double mn, mx, st;
    pt_chart_nice_scale(cases[i].lo, cases[i].hi, cases[i].target, &mn, &mx, &st);
    if (fabs(st - cases[i].step) > 1e-9 || fabs(mn - cases[i].min) > 1e-9 ||
        fabs(mx - cases[i].max) > 1e-9)
      print_error("case %zu: got %g..%g step %g\n", i, mn, mx, st);
    assert_true(fabs(st - cases[i].step) < 1e-9);
    assert_true(fabs(mn - cases[i].min) < 1e-9);
    assert_true(fabs(mx - cases[i].max) < 1e-9);
  }
}

/* Absurd label lengths are cut before layout (issue 13: a 4 MB model name
 * took 21.6 s and 560 MB). The check is on what the chart lays out, not on
 * time: every text stays within a few PT_CHART_LABEL_MAX, a cut name is a
 * prefix of the original on a character boundary (2-byte characters, so a
 * byte cut would split one) plus an ellipsis, invalid bytes become U+FFFD
 * (g_utf8_validate is the reference), and a 200-character name is kept. */
static void test_long_labels(void **state) {
  (void)state;
  size_t big = (size_t)4 << 20;
  char *huge = malloc(big + 1);
  assert_non_null(huge);
  for (size_t i = 0; i + 1 < big; i += 2)
    memcpy(huge + i, "\xc3\xa9", 2); /* U+00E9, two bytes */
  huge[big] = '\0';
  static const char *const cases[] = {"model", "env", "metric", "invalid"};
  for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
    const char *const models[] = {ci == 0 ? huge : ci == 3 ? "ab\xff\xfe" "cd\xc3" : "m",
                                  long200};
    const env_spec envs[] = {{"a", ci == 1 ? huge : "a", true}, {"b", "b", false}};
    const cell_spec cells[] = {{10, 9, 11, 3}, {9, 8, 10, 3}, {10, 9, 11, 3}, {9, 8, 10, 3}};
    const cmp_spec cmps[] = {{10, 5, 15, 1}, {10, 5, 15, 1}};
    const double mean[] = {10};
    doc_spec d = {"long", 2, 2, envs, models, cells, cmps, mean};
    cJSON *doc = make_doc(&d);
    if (ci == 2)
      cJSON_ReplaceItemInObject(cJSON_GetObjectItem(doc, "metric"), "label",
                                cJSON_CreateString(huge));
    for (int kind = 0; kind < PT_CHART_KIND_COUNT; kind++) {
      pt_error err;
      pt_chart *c = pt_chart_new(doc, (pt_chart_kind)kind, &err);
      assert_non_null(c);
      assert_true(pt_chart_text_max(c) <= 4 * (4 * PT_CHART_LABEL_MAX + 3));
      const char *g0 = pt_chart_group_label(c, 0);
      assert_true(g_utf8_validate(g0, -1, NULL));
      if (ci == 0) {
        assert_int_equal(g_utf8_strlen(g0, -1), PT_CHART_LABEL_MAX + 1);
        size_t head = strlen(g0) - 3;
        assert_memory_equal(g0, huge, head);
        assert_string_equal(g0 + head, "\xe2\x80\xa6");
      } else if (ci == 3) {
        assert_string_equal(g0, "ab\xef\xbf\xbd\xef\xbf\xbd" "cd\xef\xbf\xbd");
      }
      assert_string_equal(pt_chart_group_label(c, 1), long200);
      assert_null(pt_chart_group_label(c, 2));
      for (int f = PT_CHART_PNG; f <= PT_CHART_PDF; f <<= 1) {
        pt_buf b = PT_BUF_INIT;
        assert_int_equal(pt_chart_render(c, (pt_chart_format)f, &b, &err), PT_OK);
        pt_buf_free(&b);
      }
      pt_chart_free(c);
    }
    cJSON_Delete(doc);
  }
  free(huge);
}

/* --- Trial charts: distribution and timeline ----------------------------- */

/* A generated study: models x environments x sessions per environment x
 * trials per model and session. Values have a per-model level, the
 * environment 2 % apart, a drift over the session, a slow first trial, a
 * seeded noise; every nan_every-th value is NaN (and the next one +inf). */
typedef struct {
  const char *name;
  size_t nmodel, nenv, sess_per_env, trials;
  size_t nan_every;      /* 0 = none */
  bool equal;            /* every value 42 */
  bool long_names;       /* 200-character model, environment, session names */
  const char *unit;      /* NULL = tokens/s */
} study_spec;

typedef struct {
  pt_chart_points in;
  pt_chart_env envs[8];
  const char *models[16];
  pt_chart_session *sessions;
  pt_chart_point *points;
  char names[16][256];
  char env_names[8][256];
  char (*sess_labels)[256];
} study;

static const char *const model_pool[] = {
    "llama3.2:1b", "llama3.2:3b", "qwen2.5:7b",  "mistral:7b",  "gemma2:9b", "llama3.1:8b",
    "phi4:14b",    "qwen2.5:14b", "deepseek-r1:14b", "gemma2:27b", "qwen2.5:32b", "llama3.3:70b"};
static const char *const env_pool[] = {"bare-metal", "vm", "container"};

static uint64_t lcg(uint64_t *st) {
  *st = *st * 6364136223846793005u + 1442695040888963407u; /* Knuth's MMIX */
  return *st >> 33;
}

static void study_make(study *st, const study_spec *sp) {
  memset(st, 0, sizeof *st);
  size_t nsess = sp->nenv * sp->sess_per_env;
  size_t np = nsess * sp->nmodel * sp->trials;
  st->sessions = calloc(nsess, sizeof *st->sessions);
  st->points = calloc(np ? np : 1, sizeof *st->points);
  st->sess_labels = calloc(nsess, sizeof *st->sess_labels);
  assert_non_null(st->sessions);
  assert_non_null(st->points);
  for (size_t m = 0; m < sp->nmodel; m++) {
    if (sp->long_names) {
      memset(st->names[m], 'M', 200);
      st->names[m][199] = (char)('a' + m);
      st->models[m] = st->names[m];
    } else {
      st->models[m] = model_pool[m % 12];
    }
  }
  for (size_t e = 0; e < sp->nenv; e++) {
    st->envs[e].name = env_pool[e % 3];
    if (sp->long_names) {
      memset(st->env_names[e], 'E', 200);
      st->envs[e].label = st->env_names[e];
    }
    st->envs[e].baseline = e == 0;
  }
  uint64_t rnd = 12345;
  size_t k = 0;
  for (size_t s = 0; s < nsess; s++) {
    size_t e = s % sp->nenv; /* sessions alternate A B A B, as a fair study runs them */
    st->sessions[s].env = e;
    if (sp->long_names) {
      memset(st->sess_labels[s], 'S', 200);
      st->sessions[s].label = st->sess_labels[s];
    }
    for (size_t t = 0; t < sp->trials; t++)
      for (size_t m = 0; m < sp->nmodel; m++) {
        long seq = (long)(t * sp->nmodel + m + 1);
        double base = 160.0 / (1 + (double)m * 0.6) * (1 - 0.02 * (double)e);
        double v = base * (1 - 0.03 * (double)seq / (double)(sp->trials * sp->nmodel)) *
                   (t == 0 ? 0.85 : 1) * (1 + ((double)lcg(&rnd) / 2147483648.0 - 0.5) * 0.02);
        if (sp->equal)
          v = 42;
        if (sp->nan_every && k % sp->nan_every == 0)
          v = NAN;
        else if (sp->nan_every && k % sp->nan_every == 1)
          v = INFINITY;
        if (sp->unit)
          v *= 1e6; /* e.g. milliseconds in ns */
        st->points[k++] = (pt_chart_point){m, s, seq, v};
      }
  }
  st->in = (pt_chart_points){
      .metric_label = "Generation rate",
      .unit = sp->unit ? sp->unit : "tokens/s",
      .higher_is_better = true,
      .envs = st->envs,
      .nenv = sp->nenv,
      .models = st->models,
      .nmodel = sp->nmodel,
      .sessions = st->sessions,
      .nsession = nsess,
      .points = st->points,
      .npoint = k,
  };
}

static void study_free(study *st) {
  free(st->sessions);
  free(st->points);
  free(st->sess_labels);
}

static const study_spec studies[] = {
    {"one-point", 1, 1, 1, 1, 0, false, false, NULL},
    {"small", 4, 2, 3, 10, 0, false, false, NULL},
    {"twelve", 12, 3, 10, 4, 0, false, false, NULL},
    {"sessions20", 3, 1, 20, 8, 0, false, false, NULL},
    {"twelve-20", 12, 2, 20, 3, 0, false, false, NULL},
    {"equal", 2, 2, 2, 5, 0, true, false, NULL},
    {"nan", 3, 2, 2, 6, 7, false, false, NULL},
    {"long", 3, 2, 3, 4, 0, false, true, NULL},
    {"duration", 2, 2, 2, 6, 0, false, false, "ns"},
    {"sessions30", 2, 2, 30, 2, 0, false, false, NULL}, /* the legend cuts past 24 */
};

/* Median of a band by the textbook rule (the middle value, or the mean of
 * the two middle values), independent of the chart's pt_quantile_sorted. */
static int dbl_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static bool band_median(const study *st, size_t model, size_t env, double *out) {
  double *v = malloc((st->in.npoint + 1) * sizeof *v);
  size_t n = 0;
  for (size_t i = 0; i < st->in.npoint; i++) {
    const pt_chart_point *p = &st->points[i];
    if (p->model == model && st->sessions[p->session].env == env && isfinite(p->value))
      v[n++] = p->value;
  }
  qsort(v, n, sizeof *v, dbl_cmp);
  if (n)
    *out = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  free(v);
  return n > 0;
}

static bool inside(pt_chart_rect r, double x, double y) {
  return x >= r.x - 1e-9 && x <= r.x + r.w + 1e-9 && y >= r.y - 1e-9 && y <= r.y + r.h + 1e-9;
}

/* Every point with a value is drawn inside its band (distribution) or its
 * model's panel (timeline), skipped ones are counted, the medians are the
 * bands' medians, session colours differ within an environment. */
static void check_points_layout(const pt_chart *c, const study *st, pt_chart_kind kind) {
  size_t finite = 0;
  pt_chart_rect plot = pt_chart_plot_rect(c);
  for (size_t i = 0; i < st->in.npoint; i++) {
    const pt_chart_point *p = &st->points[i];
    double x, y;
    bool drawn = pt_chart_point_pos(c, i, &x, &y);
    assert_int_equal(drawn, isfinite(p->value));
    if (!drawn)
      continue;
    finite++;
    pt_chart_rect band;
    assert_true(pt_chart_band_rect(c, p->model, st->sessions[p->session].env, &band));
    if (!inside(band, x, y) || !inside(plot, x, y))
      print_error("point %zu at %g,%g outside band %g,%g %gx%g\n", i, x, y, band.x, band.y,
                  band.w, band.h);
    assert_true(inside(band, x, y));
    assert_true(inside(plot, x, y));
  }
  assert_int_equal(pt_chart_points_drawn(c), finite);
  assert_int_equal(pt_chart_points_skipped(c), st->in.npoint - finite);
  double x, y;
  assert_false(pt_chart_point_pos(c, st->in.npoint, &x, &y));
  for (size_t m = 0; m < st->in.nmodel; m++)
    for (size_t e = 0; e < st->in.nenv; e++) {
      double want, got, my;
      bool has = band_median(st, m, e, &want);
      if (kind == PT_CHART_TIMELINE) {
        assert_false(pt_chart_median(c, m, e, &got, &my));
        continue;
      }
      assert_int_equal(pt_chart_median(c, m, e, &got, &my), has);
      if (has) {
        assert_true(fabs(got - want) <= 1e-9 * fabs(want));
        pt_chart_rect band;
        assert_true(pt_chart_band_rect(c, m, e, &band));
        assert_true(inside(band, band.x + 1, my));
      }
    }
  for (size_t a = 0; a < st->in.nsession; a++)
    for (size_t b = a + 1; b < st->in.nsession; b++)
      if (st->sessions[a].env == st->sessions[b].env)
        assert_int_not_equal(pt_chart_session_color(c, a), pt_chart_session_color(c, b));
  assert_int_equal(pt_chart_session_color(c, st->in.nsession), 0);
}

/* In the distribution, sessions do not overlap (each has its slot of the
 * band): the PNG pixel at a point's centre is its session colour laid over
 * the band's background (read from the band's top corner, where the scale's
 * margin keeps points away) at some opacity: every channel between the two,
 * and the channel that differs most moved at least 40 % of the way. Points
 * under the median line are left out. */
static size_t check_png_points(const pt_chart *c, const study *st, const char *path) {
  cairo_surface_t *s = cairo_image_surface_create_from_png(path);
  assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
  cairo_surface_flush(s);
  size_t ok = 0, n = 0;
  for (size_t i = 0; i < st->in.npoint; i++) {
    double x, y;
    if (!pt_chart_point_pos(c, i, &x, &y))
      continue;
    const pt_chart_point *p = &st->points[i];
    size_t env = st->sessions[p->session].env;
    double my;
    if (pt_chart_median(c, p->model, env, NULL, &my) && fabs(my - y) < 4)
      continue;
    unsigned px = pixel(s, x, y);
    unsigned want = pt_chart_session_color(c, p->session);
    pt_chart_rect band;
    assert_true(pt_chart_band_rect(c, p->model, env, &band));
    unsigned bg = pixel(s, band.x + 2, band.y + 1.5);
    bool close = true;
    int most = 0, moved = 0;
    for (int sh = 0; sh <= 16; sh += 8) {
      int v = (int)((px >> sh) & 255), a = (int)((bg >> sh) & 255), b = (int)((want >> sh) & 255);
      close &= v >= (a < b ? a : b) - 10 && v <= (a > b ? a : b) + 10;
      if (abs(b - a) > most) {
        most = abs(b - a);
        moved = abs(v - a);
      }
    }
    close &= moved * 10 >= most * 4;
    if (!close)
      print_error("point %zu (session %zu) at %g,%g: pixel %06x, colour %06x\n", i, p->session,
                  x, y, px, want);
    ok += close;
    n++;
  }
  if (ok != n)
    print_error("%s: %zu of %zu points have their session colour\n", path, ok, n);
  assert_int_equal(ok, n);
  cairo_surface_destroy(s);
  return n;
}

static void test_points_charts(void **state) {
  (void)state;
  static const pt_chart_kind kinds[] = {PT_CHART_DISTRIBUTION, PT_CHART_TIMELINE};
  for (size_t i = 0; i < sizeof studies / sizeof studies[0]; i++) {
    study st;
    study_make(&st, &studies[i]);
    for (size_t k = 0; k < 2; k++) {
      char stem[700], path[720];
      snprintf(stem, sizeof stem, "%s/points-%s-%s", outdir, studies[i].name,
               pt_chart_kind_name(kinds[k]));
      pt_error err;
      pt_error_clear(&err);
      pt_code rc = pt_chart_points_write_formats(&st.in, kinds[k], PT_CHART_ALL_FORMATS, stem,
                                                 &err);
      if (rc)
        print_error("%s: %s\n", stem, err.msg);
      assert_int_equal(rc, PT_OK);
      pt_chart *c = pt_chart_points_new(&st.in, kinds[k], &err);
      assert_non_null(c);
      double w, h;
      pt_chart_size(c, &w, &h);
      if (!(w >= 800 && w <= 2400 && h >= 450 && h <= 1400))
        print_error("%s: %g x %g\n", stem, w, h);
      assert_true(w >= 800 && w <= 2400 && h >= 450 && h <= 1400);
      assert_int_equal(pt_chart_groups(c), studies[i].nmodel);
      assert_int_equal(pt_chart_series(c), 0);
      assert_true(pt_chart_text_max(c) <= 4 * (4 * PT_CHART_LABEL_MAX + 3));
      assert_true(strlen(pt_chart_alt_text(c)) > 40);
      check_points_layout(c, &st, kinds[k]);
      snprintf(path, sizeof path, "%s.png", stem);
      check_png_header(path, w, h);
      /* (every point lies on its median when all values are equal) */
      if (kinds[k] == PT_CHART_DISTRIBUTION && st.in.npoint <= 300)
        assert_true(check_png_points(c, &st, path) > 0 || studies[i].equal ||
                    st.in.npoint == 1);
      snprintf(path, sizeof path, "%s.svg", stem);
      check_svg(path);
      snprintf(path, sizeof path, "%s.pdf", stem);
      check_pdf(path);
      pt_chart_free(c);
    }
    study_free(&st);
  }
}

/* A small study written out by hand: 2 models, bare-metal (2 sessions) and
 * vm (1 session), one value missing. */
static const pt_chart_env tiny_envs[] = {{"bare-metal", NULL, true}, {"vm", "vm (vfio-pci)", false}};
static const char *const tiny_models[] = {"mistral:7b", "gemma2:9b"};
static const pt_chart_session tiny_sessions[] = {{0, NULL}, {1, "Jan 10"}, {0, NULL}};
static const pt_chart_point tiny_points[] = {
    {0, 0, 1, 50}, {1, 0, 2, 35}, {0, 1, 1, 49.5}, {1, 1, 2, NAN},
    {0, 2, 1, 51}, {1, 2, 2, 34.75}, {0, 0, 3, 48}, {1, 2, 4, 47.25},
};

static pt_chart_points tiny_input(void) {
  return (pt_chart_points){"Generation rate", "tokens/s", true, tiny_envs, 2, tiny_models, 2,
                           tiny_sessions, 3, tiny_points, 8};
}

/* Alt text, whole: the numbers are those of the data above and of the
 * article (data/article: rates 24.67 to 50.10, penalties 0.29 to 1.71 %,
 * mean 1.20 %). */
static void test_alt_text(void **state) {
  (void)state;
  pt_error err;
  pt_chart_points in = tiny_input();
  pt_chart *c = pt_chart_points_new(&in, PT_CHART_DISTRIBUTION, &err);
  assert_non_null(c);
  assert_string_equal(pt_chart_alt_text(c),
                      "Generation rate of every trial (7 trials), 2 models \xc3\x97 2 environments "
                      "(bare-metal (baseline) and vm (vfio-pci)), 3 sessions; medians marked. "
                      "Values from 34.75 to 51 tokens/s. 1 trial without a value left out.");
  pt_chart_free(c);
  c = pt_chart_points_new(&in, PT_CHART_TIMELINE, &err);
  assert_non_null(c);
  assert_string_equal(pt_chart_alt_text(c),
                      "Generation rate against the position in the session, one line per "
                      "session, one panel per model: 2 models, 2 environments (bare-metal "
                      "(baseline) and vm (vfio-pci)), 3 sessions. Values from 34.75 to 51 "
                      "tokens/s. 1 trial without a value left out.");
  pt_chart_free(c);

  cJSON *doc = make_doc(case_spec(0));
  c = pt_chart_new(doc, PT_CHART_THROUGHPUT, &err);
  assert_non_null(c);
  assert_string_equal(pt_chart_alt_text(c),
                      "Generation rate (tokens/s) by model, as bars: 4 models \xc3\x97 2 "
                      "environments (bare-metal (baseline) and vm); higher is better. Means from "
                      "24.67 to 50.10 tokens/s.");
  pt_chart_free(c);
  c = pt_chart_new(doc, PT_CHART_PENALTY, &err);
  assert_non_null(c);
  assert_string_equal(pt_chart_alt_text(c),
                      "Generation rate penalty against bare-metal by model, as bars: 4 models, 1 "
                      "compared environment (vm); positive means worse. Penalties from 0.29% to "
                      "1.71%; mean 1.20%.");
  pt_chart_free(c);
  cJSON_Delete(doc);

  /* 12 models, 3 environments with CIs; more than four names are cut. */
  doc = make_doc(case_spec(1));
  c = pt_chart_new(doc, PT_CHART_THROUGHPUT, &err);
  assert_non_null(c);
  assert_non_null(strstr(pt_chart_alt_text(c), "12 models \xc3\x97 3 environments (vm (vfio-pci), "
                                               "bare-metal (baseline) and container), with 95 % "
                                               "confidence intervals; higher is better."));
  pt_chart_free(c);
  cJSON_Delete(doc);
}

/* Inputs the trial charts refuse, with the field named. */
static void test_points_errors(void **state) {
  (void)state;
  static const pt_chart_point bad_model[] = {{2, 0, 1, 1}};
  static const pt_chart_point bad_session[] = {{0, 3, 1, 1}};
  static const pt_chart_point all_nan[] = {{0, 0, 1, NAN}, {1, 1, 2, INFINITY}};
  static const pt_chart_session bad_env[] = {{0, NULL}, {5, NULL}, {0, NULL}};
  static const pt_chart_env no_name[] = {{"a", NULL, true}, {NULL, "b", false}};
  static const char *const null_model[] = {"m", NULL};
  static const struct {
    const char *what;
    const pt_chart_point *points;
    size_t npoint;
    const pt_chart_session *sessions;
    const pt_chart_env *envs;
    const char *const *models;
    size_t nenv, nmodel;
    pt_chart_kind kind;
    pt_code code;
    const char *field;
  } cases[] = {
      {"model index", bad_model, 1, NULL, NULL, NULL, 2, 2, PT_CHART_DISTRIBUTION, PT_EDATA,
       "points[0].model"},
      {"session index", bad_session, 1, NULL, NULL, NULL, 2, 2, PT_CHART_TIMELINE, PT_EDATA,
       "points[0].session"},
      {"session env", NULL, 8, bad_env, NULL, NULL, 2, 2, PT_CHART_DISTRIBUTION, PT_EDATA,
       "sessions[1].env"},
      {"env name", NULL, 8, NULL, no_name, NULL, 2, 2, PT_CHART_DISTRIBUTION, PT_EDATA,
       "envs[1].name"},
      {"model name", NULL, 8, NULL, NULL, null_model, 2, 2, PT_CHART_DISTRIBUTION, PT_EDATA,
       "models[1]"},
      {"no value", all_nan, 2, NULL, NULL, NULL, 2, 2, PT_CHART_TIMELINE, PT_EDATA, ""},
      {"no point", NULL, 0, NULL, NULL, NULL, 2, 2, PT_CHART_DISTRIBUTION, PT_EDATA, ""},
      {"no env", NULL, 8, NULL, NULL, NULL, 0, 2, PT_CHART_DISTRIBUTION, PT_EDATA, "envs"},
      {"no model", NULL, 8, NULL, NULL, NULL, 2, 0, PT_CHART_DISTRIBUTION, PT_EDATA, "models"},
      {"bar kind", NULL, 8, NULL, NULL, NULL, 2, 2, PT_CHART_PENALTY, PT_EUSAGE, ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pt_chart_points in = tiny_input();
    if (cases[i].points || !cases[i].npoint) {
      in.points = cases[i].points;
      in.npoint = cases[i].npoint;
    }
    if (cases[i].sessions)
      in.sessions = cases[i].sessions;
    if (cases[i].envs)
      in.envs = cases[i].envs;
    if (cases[i].models)
      in.models = cases[i].models;
    in.nenv = cases[i].nenv;
    in.nmodel = cases[i].nmodel;
    pt_error err;
    pt_error_clear(&err);
    pt_chart *c = pt_chart_points_new(&in, cases[i].kind, &err);
    if (c || err.code != cases[i].code || strcmp(err.field, cases[i].field))
      print_error("%s: code %d field '%s' msg '%s'\n", cases[i].what, err.code, err.field,
                  err.msg);
    assert_null(c);
    assert_int_equal(err.code, cases[i].code);
    assert_string_equal(err.field, cases[i].field);
    assert_true(err.msg[0] != '\0');
  }
  /* and the other way round: analysis charts do not take trials */
  cJSON *doc = make_doc(case_spec(0));
  pt_error err;
  assert_null(pt_chart_new(doc, PT_CHART_TIMELINE, &err));
  assert_int_equal(err.code, PT_EUSAGE);
  assert_false(pt_chart_applies(doc, PT_CHART_DISTRIBUTION));
  cJSON_Delete(doc);
  pt_chart_kind k;
  assert_int_equal(pt_chart_kind_parse("timeline", &k, NULL), PT_OK);
  assert_int_equal(k, PT_CHART_TIMELINE);
  assert_string_equal(pt_chart_kind_name(PT_CHART_DISTRIBUTION), "distribution");
}

/* The same input gives the same bytes: jitter is a hash of the point, SVG
 * ids are renumbered; and the baseline's lone session is the palette blue,
 * its two sessions shades of it. A 4 MB model name is cut before layout. */
static void test_points_reproducible(void **state) {
  (void)state;
  pt_chart_points in = tiny_input();
  for (int kind = PT_CHART_DISTRIBUTION; kind <= PT_CHART_TIMELINE; kind++)
    for (int f = PT_CHART_PNG; f <= PT_CHART_PDF; f <<= 1) {
      if (f == PT_CHART_PDF)
        continue; /* cairo stamps the creation date in a PDF */
      pt_buf a = PT_BUF_INIT, b = PT_BUF_INIT;
      pt_error err;
      pt_chart *c1 = pt_chart_points_new(&in, (pt_chart_kind)kind, &err);
      pt_chart *c2 = pt_chart_points_new(&in, (pt_chart_kind)kind, &err);
      assert_non_null(c1);
      assert_non_null(c2);
      assert_int_equal(pt_chart_render(c1, (pt_chart_format)f, &a, &err), PT_OK);
      assert_int_equal(pt_chart_render(c2, (pt_chart_format)f, &b, &err), PT_OK);
      assert_int_equal(a.len, b.len);
      assert_memory_equal(a.data, b.data, a.len);
      pt_buf_free(&a);
      pt_buf_free(&b);
      pt_chart_free(c1);
      pt_chart_free(c2);
    }
  pt_error err;
  pt_chart *c = pt_chart_points_new(&in, PT_CHART_DISTRIBUTION, &err);
  assert_non_null(c);
  assert_int_equal(pt_chart_session_color(c, 1), 0xE69F00); /* vm: one session, its hue */
  unsigned s0 = pt_chart_session_color(c, 0), s2 = pt_chart_session_color(c, 2);
  assert_int_not_equal(s0, s2);
  assert_true((s0 & 0xFF) > (s0 >> 16 & 0xFF) && (s2 & 0xFF) > (s2 >> 16 & 0xFF)); /* blues */
  assert_true((s0 & 0xFF) > (s2 & 0xFF)); /* the first session is the lighter */
  pt_chart_free(c);

  size_t big = (size_t)4 << 20;
  char *huge = malloc(big + 1);
  assert_non_null(huge);
  memset(huge, 'x', big);
  huge[big] = '\0';
  const char *models[] = {huge, "m"};
  pt_chart_env envs[] = {{"a", huge, true}, {"b", NULL, false}};
  pt_chart_session sess[] = {{0, huge}, {1, NULL}, {0, NULL}};
  in.models = models;
  in.envs = envs;
  in.sessions = sess;
  in.metric_label = huge;
  in.unit = huge;
  for (int kind = PT_CHART_DISTRIBUTION; kind <= PT_CHART_TIMELINE; kind++) {
    c = pt_chart_points_new(&in, (pt_chart_kind)kind, &err);
    assert_non_null(c);
    assert_true(pt_chart_text_max(c) <= 4 * (4 * PT_CHART_LABEL_MAX + 3));
    assert_true(strlen(pt_chart_alt_text(c)) <= 8 * (4 * PT_CHART_LABEL_MAX + 3));
    assert_int_equal(strlen(pt_chart_group_label(c, 0)), PT_CHART_LABEL_MAX + 3);
    pt_buf b = PT_BUF_INIT;
    assert_int_equal(pt_chart_render(c, PT_CHART_SVG, &b, &err), PT_OK);
    pt_buf_free(&b);
    pt_chart_free(c);
  }
  free(huge);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nice_scale),    cmocka_unit_test(test_formats_parse),
      cmocka_unit_test(test_bad_documents), cmocka_unit_test(test_layout),
      cmocka_unit_test(test_render_buffer), cmocka_unit_test(test_unwritable),
      cmocka_unit_test(test_extreme_values), cmocka_unit_test(test_long_labels),
      cmocka_unit_test(test_write_all),     cmocka_unit_test(test_points_charts),
      cmocka_unit_test(test_alt_text),      cmocka_unit_test(test_points_errors),
      cmocka_unit_test(test_points_reproducible),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
