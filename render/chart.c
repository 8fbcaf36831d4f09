/* render/chart.c - the throughput and penalty charts (see render/chart.h).
 *
 * Three stages. build: read the analysis document into a small model (groups
 * = models, series = environments, one bar per cell, owned strings).
 * layout: measure every text with pango (absolute font sizes in logical
 * units, hinted metrics off, so PNG, SVG and PDF lay out alike) and place the
 * title, legend, axes, bars and labels; the canvas widens when bars would be
 * too thin, model names wrap within their group (or, when that would cut
 * them, are rotated) and are ellipsized past a bound. draw: paint the laid
 * out chart on any cairo surface. User strings are set with
 * pango_layout_set_text, never markup, so they draw as literal text.
 */
#include "render/chart.h"
#include "render/chart_internal.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdarg.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/doc.h"
#include "core/fs.h"
#include "core/json.h"

#define OUT_MAX ((size_t)256 << 20)

const unsigned chart_palette[] = {0x0072B2, 0xE69F00, 0x009E73, 0xD55E00,
                                  0x56B4E9, 0xCC79A7, 0xF0E442};
const size_t chart_palette_n = sizeof chart_palette / sizeof chart_palette[0];
#define PALETTE chart_palette
#define PALETTE_N chart_palette_n

static const struct {
  double size;
  PangoWeight weight;
} FONTS[F_COUNT] = {
    [F_TITLE] = {17, PANGO_WEIGHT_BOLD},     [F_SUBTITLE] = {11.5, PANGO_WEIGHT_NORMAL},
    [F_AXIS] = {11.5, PANGO_WEIGHT_NORMAL},  [F_TICK] = {10.5, PANGO_WEIGHT_NORMAL},
    [F_GROUP] = {11, PANGO_WEIGHT_NORMAL},   [F_VALUE] = {9.5, PANGO_WEIGHT_NORMAL},
    [F_LEGEND] = {11, PANGO_WEIGHT_NORMAL},
};

/* ------------------------------------------------------------------------ */
/* Names, formats */

const char *pt_chart_kind_name(pt_chart_kind kind) {
  switch (kind) {
  case PT_CHART_THROUGHPUT: return "throughput";
  case PT_CHART_PENALTY: return "penalty";
  case PT_CHART_DISTRIBUTION: return "distribution";
  case PT_CHART_TIMELINE: return "timeline";
  }
  return "?";
}

pt_code pt_chart_kind_parse(const char *name, pt_chart_kind *kind, pt_error *err) {
  for (int k = 0; k < PT_CHART_KIND_ALL; k++)
    if (!strcmp(name, pt_chart_kind_name((pt_chart_kind)k))) {
      *kind = (pt_chart_kind)k;
      return PT_OK;
    }
  return pt_error_set(err, PT_EUSAGE,
                      "unknown chart '%.64s' (expected throughput, penalty, distribution or "
                      "timeline)", name);
}

const char *pt_chart_format_ext(pt_chart_format fmt) {
  switch (fmt) {
  case PT_CHART_PNG: return "png";
  case PT_CHART_SVG: return "svg";
  case PT_CHART_PDF: return "pdf";
  }
  return "?";
}

pt_code pt_chart_formats_parse(const char *list, unsigned *mask, pt_error *err) {
  static const pt_chart_format all[] = {PT_CHART_PNG, PT_CHART_SVG, PT_CHART_PDF};
  unsigned m = 0;
  const char *p = list;
  for (;;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *q = p;
    while (len && (*q == ' ' || *q == '\t'))
      q++, len--;
    while (len && (q[len - 1] == ' ' || q[len - 1] == '\t'))
      len--;
    if (!len)
      return pt_error_set(err, PT_EUSAGE, "empty chart format in '%s' (expected png, svg, pdf)",
                          list);
    unsigned bit = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
      const char *ext = pt_chart_format_ext(all[i]);
      if (strlen(ext) == len && !strncasecmp(q, ext, len))
        bit = (unsigned)all[i];
    }
    if (!bit)
      return pt_error_set(err, PT_EUSAGE, "unknown chart format '%.*s' (expected png, svg, pdf)",
                          (int)(len > 64 ? 64 : len), q);
    m |= bit;
    if (!end)
      break;
    p = end + 1;
  }
  *mask = m;
  return PT_OK;
}

/* ------------------------------------------------------------------------ */
/* Numbers */

void pt_chart_nice_scale(double lo, double hi, int target, double *min, double *max,
                         double *step) {
  if (!isfinite(lo) || !isfinite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (hi < lo) {
    double t = lo;
    lo = hi;
    hi = t;
  }
  if (hi - lo < 1e-12 * fmax(1, fmax(fabs(lo), fabs(hi)))) {
    double d = lo == 0 ? 1 : fabs(lo) * 0.1;
    if (lo >= 0 && lo - d < 0)
      lo = 0, hi = hi + d;
    else
      lo -= d, hi += d;
  }
  if (target < 1)
    target = 1;
  double raw = (hi - lo) / target;
  double mag = pow(10, floor(log10(raw)));
  double f = raw / mag;
  double s = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag; /* Heckbert's nicenum */
  double a = floor(lo / s + 1e-9) * s;
  double b = ceil(hi / s - 1e-9) * s;
  if (!isfinite(a) || !isfinite(b) || !isfinite(b - a)) { /* near DBL_MAX: the data's own range */
    a = lo;
    b = hi;
    s = isfinite(hi - lo) ? (hi - lo) / target : hi / target - lo / target;
  }
  *min = a == 0 ? 0 : a; /* no -0 */
  *max = b;
  *step = s;
}

int chart_decimals(double step) {
  int d = (int)ceil(-log10(step) - 1e-9);
  return d < 0 ? 0 : d > 9 ? 9 : d;
}

void chart_rgb(cairo_t *cr, unsigned c) {
  cairo_set_source_rgb(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0,
                       (c & 255) / 255.0);
}

unsigned chart_mix(unsigned c, unsigned with, double t) {
  unsigned out = 0;
  for (int sh = 16; sh >= 0; sh -= 8) {
    double a = (c >> sh) & 255, b = (with >> sh) & 255;
    out |= (unsigned)lround(a + (b - a) * t) << sh;
  }
  return out;
}

double chart_snap(double v) { return round(v * 8) / 8; }

/* A closed polygon of n vertices (unit offsets u, scaled by h) around (x, y),
 * every vertex on the 1/8 grid. */
static void polygon(cairo_t *cr, double x, double y, double h, const double (*u)[2], int n) {
  cairo_move_to(cr, chart_snap(x + h * u[0][0]), chart_snap(y + h * u[0][1]));
  for (int i = 1; i < n; i++)
    cairo_line_to(cr, chart_snap(x + h * u[i][0]), chart_snap(y + h * u[i][1]));
  cairo_close_path(cr);
}

void chart_mark_path(cairo_t *cr, mark_shape shape, double x, double y, double r) {
  /* Equal areas, so no shape looks heavier: h is the circumradius of a
   * polygon of area pi r^2. Vertices on the 1/8 grid: a quarter of a PNG
   * pixel, and short numbers in SVG and PDF. */
  static const double oct[8][2] = {{1, 0},  {0.70710678, 0.70710678},   {0, 1},
                                   {-0.70710678, 0.70710678},           {-1, 0},
                                   {-0.70710678, -0.70710678},          {0, -1},
                                   {0.70710678, -0.70710678}};
  static const double sq[4][2] = {{-0.70710678, -0.70710678}, {0.70710678, -0.70710678},
                                  {0.70710678, 0.70710678},   {-0.70710678, 0.70710678}};
  static const double dia[4][2] = {{0, -1}, {1, 0}, {0, 1}, {-1, 0}};
  static const double tri[3][2] = {{0, -1}, {0.8660254, 0.5}, {-0.8660254, 0.5}};
  static const double trd[3][2] = {{0, 1}, {0.8660254, -0.5}, {-0.8660254, -0.5}};
  static const double hex[6][2] = {{1, 0},   {0.5, 0.8660254},   {-0.5, 0.8660254},
                                   {-1, 0}, {-0.5, -0.8660254}, {0.5, -0.8660254}};
  switch (shape) {
  case MARK_NONE:
  case MARK_CIRCLE:
    if (r > 2.5) {
      cairo_new_sub_path(cr);
      cairo_arc(cr, x, y, r, 0, 2 * M_PI);
      cairo_close_path(cr);
    } else { /* small: an octagon looks the same and is a shorter path */
      polygon(cr, x, y, r * 1.0539, oct, 8); /* 2 sqrt(2) h^2 = pi r^2 */
    }
    return;
  case MARK_SQUARE: polygon(cr, x, y, r * 1.2533, sq, 4); return;   /* 2 h^2 */
  case MARK_DIAMOND: polygon(cr, x, y, r * 1.2533, dia, 4); return; /* 2 h^2 */
  case MARK_TRIANGLE: polygon(cr, x, y, r * 1.5551, tri, 3); return; /* 3 sqrt(3) / 4 h^2 */
  case MARK_TRIANGLE_DOWN: polygon(cr, x, y, r * 1.5551, trd, 3); return;
  case MARK_HEXAGON: polygon(cr, x, y, r * 1.0996, hex, 6); return; /* 3 sqrt(3) / 2 h^2 */
  }
}

/* "95" for 0.95, "99.5" for 0.995. */
static void percent_text(double frac, char *buf, size_t n) {
  double p = frac * 100;
  if (fabs(p - round(p)) < 1e-9)
    snprintf(buf, n, "%.0f", p);
  else
    snprintf(buf, n, "%.1f", p);
}

/* ------------------------------------------------------------------------ */
/* Text */

static void set_font_options(PangoContext *pc) {
  cairo_font_options_t *fo = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_SLIGHT);
  cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
  pango_cairo_context_set_font_options(pc, fo);
  cairo_font_options_destroy(fo);
  pango_context_set_round_glyph_positions(pc, FALSE);
}

/* pc: a context to take over (unref'ed by textkit_done). */
void chart_textkit_init(textkit *k, PangoContext *pc) {
  k->pc = pc;
  set_font_options(pc);
  k->attrs = pango_attr_list_new();
  pango_attr_list_insert(k->attrs, pango_attr_insert_hyphens_new(FALSE));
  for (int i = 0; i < F_COUNT; i++) {
    k->fd[i] = pango_font_description_new();
    pango_font_description_set_family_static(k->fd[i], "DejaVu Sans");
    pango_font_description_set_absolute_size(k->fd[i], FONTS[i].size * PANGO_SCALE);
    pango_font_description_set_weight(k->fd[i], FONTS[i].weight);
  }
}

void chart_textkit_done(textkit *k) {
  for (int i = 0; i < F_COUNT; i++)
    if (k->fd[i])
      pango_font_description_free(k->fd[i]);
  if (k->attrs)
    pango_attr_list_unref(k->attrs);
  if (k->pc)
    g_object_unref(k->pc);
}

/* A layout of s (literal text, never markup). Caller unrefs. */
PangoLayout *chart_text(const textkit *k, font_id f, const char *s, text_opts o) {
  PangoLayout *l = pango_layout_new(k->pc);
  pango_layout_set_font_description(l, k->fd[f]);
  pango_layout_set_single_paragraph_mode(l, TRUE);
  pango_layout_set_attributes(l, k->attrs);
  if (o.width > 0) {
    pango_layout_set_width(l, (int)(o.width * PANGO_SCALE));
    pango_layout_set_ellipsize(l, o.ellipsize);
    if (o.lines == 0) {
      pango_layout_set_wrap(l, PANGO_WRAP_WORD);
    } else if (o.lines > 1) {
      pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_height(l, -o.lines);
    } else {
      pango_layout_set_height(l, -1);
    }
  }
  pango_layout_set_alignment(l, o.align);
  pango_layout_set_text(l, s, -1);
  return l;
}

void chart_text_size(PangoLayout *l, double *w, double *h) {
  PangoRectangle r;
  pango_layout_get_extents(l, NULL, &r);
  if (w)
    *w = (double)r.width / PANGO_SCALE;
  if (h)
    *h = (double)r.height / PANGO_SCALE;
}

text_opts chart_plain(void) { return (text_opts){0, 1, PANGO_ELLIPSIZE_NONE, PANGO_ALIGN_LEFT}; }

text_opts chart_bounded(double width, int lines, PangoEllipsizeMode e, PangoAlignment a) {
  return (text_opts){width, lines, e, a};
}

void chart_measure(const textkit *k, font_id f, const char *s, text_opts o, double *w,
                    double *h) {
  PangoLayout *l = chart_text(k, f, s, o);
  chart_text_size(l, w, h);
  g_object_unref(l);
}

/* ------------------------------------------------------------------------ */
/* Build: analysis document -> model */

typedef struct {
  const char *name; /* borrowed from the document */
  char *label;      /* owned, bounded (label_dup) */
  bool baseline;
  long series;   /* series index in this chart, -1 = not drawn */
  unsigned color;
} env_info;

static char *xstrdup(const char *s) { return strdup(s ? s : ""); }

/* A copy of s (NULL = "") cut to PT_CHART_LABEL_MAX characters on a
 * character boundary, invalid UTF-8 replaced by U+FFFD (glib's
 * g_utf8_make_valid), "\u2026" appended when cut. Reads at most a bounded
 * prefix of s, so its length costs nothing. NULL when out of memory. */
char *chart_label_dup(const char *s) {
  enum { MAX_BYTES = 4 * PT_CHART_LABEL_MAX }; /* a character is <= 4 bytes */
  if (!s)
    s = "";
  size_t n = strnlen(s, MAX_BYTES + 1);
  bool cut = n > MAX_BYTES;
  if (cut) {
    n = MAX_BYTES;
    /* back off to a lead byte, so the cut does not split a character */
    for (size_t k = 0; k < 3 && n && ((unsigned char)s[n] & 0xC0) == 0x80; k++)
      n--;
  }
  gchar *valid = g_utf8_make_valid(s, (gssize)n);
  if (g_utf8_strlen(valid, -1) > PT_CHART_LABEL_MAX) {
    *g_utf8_offset_to_pointer(valid, PT_CHART_LABEL_MAX) = '\0';
    cut = true;
  }
  char *out = cut ? chart_printf("%s\xe2\x80\xa6", valid) : strdup(valid);
  g_free(valid);
  return out;
}

pt_code chart_field_error(pt_error *err, pt_code code, const char *field, const char *fmt,
                           ...) {
  char msg[sizeof err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  pt_error_set(err, code, "%s", msg);
  pt_error_set_field(err, field);
  return code;
}

static long env_find(const env_info *envs, size_t n, const char *name) {
  for (size_t i = 0; name && i < n; i++)
    if (!strcmp(envs[i].name, name))
      return (long)i;
  return -1;
}

display_unit chart_pick_unit(const char *unit, double maxv) {
  if (unit && !strcmp(unit, "ns")) {
    if (maxv >= 1e9)
      return (display_unit){1e9, "s"};
    if (maxv >= 1e6)
      return (display_unit){1e6, "ms"};
    if (maxv >= 1e3)
      return (display_unit){1e3, "\xc2\xb5s"};
  }
  return (display_unit){1, unit};
}

static void chart_free_parts(pt_chart *c) {
  free(c->alt);
  chart_points_free(c->pts);
  free(c->title);
  free(c->subtitle);
  free(c->ytitle);
  free(c->xtitle);
  for (size_t i = 0; c->groups && i < c->ng; i++)
    free(c->groups[i]);
  free(c->groups);
  for (size_t i = 0; c->series && i < c->ns; i++)
    free(c->series[i].label);
  free(c->series);
  free(c->bars);
  for (size_t i = 0; c->legend && i < c->nlegend; i++)
    free(c->legend[i].text);
  free(c->legend);
}

void pt_chart_free(pt_chart *chart) {
  if (!chart)
    return;
  chart_free_parts(chart);
  free(chart);
}

char *chart_printf(const char *fmt, ...) {
  pt_buf b = PT_BUF_INIT;
  va_list ap;
  va_start(ap, fmt);
  pt_code rc = pt_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  if (rc) {
    pt_buf_free(&b);
    return NULL;
  }
  return pt_buf_detach(&b, NULL);
}

static void envs_free(env_info *envs, size_t n) {
  for (size_t i = 0; envs && i < n; i++)
    free(envs[i].label);
  free(envs);
}

/* Read environments[] into envs, in document order (names borrowed, labels
 * owned: free with envs_free), choose the baseline: the first flagged, else
 * the one the document names, else the first. */
static pt_code read_envs(const cJSON *doc, env_info **out, size_t *n, pt_error *err) {
  const cJSON *arr = pt_doc_environments(doc);
  if (!arr)
    return chart_field_error(err, PT_EDATA, PT_DOC_ENVIRONMENTS,
                             "'%s' is missing or not an array", PT_DOC_ENVIRONMENTS);
  size_t count = (size_t)cJSON_GetArraySize(arr);
  env_info *envs = calloc(count ? count : 1, sizeof *envs);
  if (!envs)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  size_t i = 0;
  long base = -1;
  const cJSON *e;
  cJSON_ArrayForEach(e, arr) {
    const char *name = pt_doc_env_name(e);
    if (!name) {
      char f[64];
      snprintf(f, sizeof f, "%s[%zu].%s", PT_DOC_ENVIRONMENTS, i, PT_DOC_NAME);
      envs_free(envs, i);
      return chart_field_error(err, PT_EDATA, f, "'%s' is missing or not a string", f);
    }
    const char *label = pt_doc_env_label(e);
    envs[i].name = name;
    envs[i].series = -1;
    if (!(envs[i].label = chart_label_dup(label && *label ? label : name))) {
      envs_free(envs, i);
      return pt_error_set(err, PT_ENOMEM, "out of memory");
    }
    if (base < 0 && pt_doc_env_is_baseline(e))
      base = (long)i;
    i++;
  }
  if (base < 0 && count) {
    long by_name = env_find(envs, count, pt_doc_baseline(doc));
    base = by_name >= 0 ? by_name : 0;
  }
  size_t k = 0;
  for (i = 0; i < count; i++) {
    envs[i].baseline = (long)i == base;
    envs[i].color = envs[i].baseline ? PALETTE[0] : PALETTE[1 + (k++ % (PALETTE_N - 1))];
  }
  *out = envs;
  *n = count;
  return PT_OK;
}

typedef struct {
  const char *label, *unit;
  bool higher;
  double confidence, alpha;
  const char *test;
} doc_info;

/* A chart's cells in a model: its comparisons (penalty) or groups, and the
 * value a bar shows. */
static const cJSON *cells_of(const cJSON *model, pt_chart_kind kind) {
  return kind == PT_CHART_PENALTY ? pt_doc_comparisons(model) : pt_doc_groups(model);
}

static const char *value_key(pt_chart_kind kind) {
  return kind == PT_CHART_PENALTY ? PT_DOC_PENALTY_PCT : PT_DOC_MEAN;
}

static bool has_cell(const cJSON *model, pt_chart_kind kind) {
  const cJSON *it;
  cJSON_ArrayForEach(it, cells_of(model, kind)) {
    if (isfinite(pt_json_num(it, value_key(kind))))
      return true;
  }
  return false;
}

bool pt_chart_applies(const cJSON *analysis, pt_chart_kind kind) {
  if (kind != PT_CHART_THROUGHPUT && kind != PT_CHART_PENALTY)
    return false;
  const cJSON *m;
  cJSON_ArrayForEach(m, pt_doc_models(analysis)) {
    if (has_cell(m, kind))
      return true;
  }
  return false;
}

/* Every groups[] and comparisons[] item names a known environment. */
static pt_code check_env_refs(const cJSON *models, const env_info *envs, size_t nenv,
                              pt_error *err) {
  static const char *const keys[] = {PT_DOC_GROUPS, PT_DOC_COMPARISONS};
  size_t mi = 0;
  const cJSON *m;
  cJSON_ArrayForEach(m, models) {
    for (size_t k = 0; k < 2; k++) {
      const cJSON *arr = pt_json_get(m, keys[k]);
      if (arr && !cJSON_IsArray(arr)) {
        char f[64];
        snprintf(f, sizeof f, "%s[%zu].%s", PT_DOC_MODELS, mi, keys[k]);
        return chart_field_error(err, PT_EDATA, f, "'%s' is not an array", f);
      }
      size_t j = 0;
      const cJSON *it;
      cJSON_ArrayForEach(it, arr) {
        const char *env = pt_doc_item_env(it);
        if (env_find(envs, nenv, env) < 0) {
          char f[96];
          snprintf(f, sizeof f, "%s[%zu].%s[%zu].%s", PT_DOC_MODELS, mi, keys[k], j,
                   PT_DOC_ENVIRONMENT);
          return chart_field_error(err, PT_EDATA, f,
                                   "'%s' names no environment of '%s': \"%.100s\"", f,
                                   PT_DOC_ENVIRONMENTS, env ? env : "(missing)");
        }
        j++;
      }
    }
    mi++;
  }
  return PT_OK;
}

/* Fill bars of one model from groups[] (throughput) or comparisons[]. */
static void read_cells(pt_chart *c, size_t g, const cJSON *model, const env_info *envs,
                       size_t nenv) {
  bool pen = c->kind == PT_CHART_PENALTY;
  const cJSON *it;
  cJSON_ArrayForEach(it, cells_of(model, c->kind)) {
    long ei = env_find(envs, nenv, pt_doc_item_env(it));
    long s = ei < 0 ? -1 : envs[ei].series;
    double v = pt_json_num(it, value_key(c->kind));
    if (s < 0 || !isfinite(v))
      continue;
    bar *b = &c->bars[g * c->ns + (size_t)s];
    b->present = true;
    b->v = v;
    b->lo = pt_json_num(it, pen ? PT_DOC_PENALTY_CI_LOW : PT_DOC_CI_LOW);
    b->hi = pt_json_num(it, pen ? PT_DOC_PENALTY_CI_HIGH : PT_DOC_CI_HIGH);
    if (!pen && pt_json_int(it, PT_DOC_N, 0) < 2)
      b->lo = b->hi = NAN;
    if (!isfinite(b->lo) || !isfinite(b->hi))
      b->lo = b->hi = NAN;
    const cJSON *sig = pt_json_get(it, PT_DOC_SIGNIFICANT);
    b->marked = pen && cJSON_IsBool(sig) && !cJSON_IsTrue(sig);
  }
}

pt_code chart_join(pt_buf *b, const char *const *items, size_t n) {
  enum { SHOWN = 4 };
  pt_code rc = PT_OK;
  size_t shown = n > SHOWN ? SHOWN - 1 : n;
  for (size_t i = 0; i < shown && !rc; i++)
    rc = pt_buf_printf(b, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", items[i]);
  if (!rc && shown < n)
    rc = pt_buf_printf(b, " and %zu more", n - shown);
  return rc;
}

/* What the bars show, over which models and environments, and the range of
 * the values. */
static pt_code build_alt(pt_chart *c, const doc_info *d, const env_info *base,
                         display_unit du, bool any_ci) {
  pt_buf b = PT_BUF_INIT;
  const char **labels = malloc(c->ns * sizeof *labels);
  if (!labels)
    return PT_ENOMEM;
  for (size_t s = 0; s < c->ns; s++)
    labels[s] = c->series[s].label;
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < c->ng * c->ns; i++)
    if (c->bars[i].present) {
      lo = fmin(lo, c->bars[i].v);
      hi = fmax(hi, c->bars[i].v);
    }
  const char *unit = du.unit && *du.unit ? du.unit : "";
  const char *sp = *unit && strcmp(unit, "%") ? " " : "";
  char a[48], z[48]; /* the values, as the bars' labels show them */
  pt_code rc;
  if (c->kind == PT_CHART_THROUGHPUT) {
    char conf[16];
    percent_text(d->confidence, conf, sizeof conf);
    rc = pt_buf_printf(&b, "%s%s%s%s by model, as bars: %zu model%s \xc3\x97 %zu environment%s (",
                       d->label, *unit ? " (" : "", unit, *unit ? ")" : "", c->ng,
                       c->ng == 1 ? "" : "s", c->ns, c->ns == 1 ? "" : "s");
    if (!rc)
      rc = chart_join(&b, labels, c->ns);
    if (!rc)
      rc = pt_buf_printf(&b, ")%s%s%s; %s is better. ", any_ci ? ", with " : "",
                         any_ci ? conf : "", any_ci ? " % confidence intervals" : "",
                         d->higher ? "higher" : "lower");
    if (!rc)
      rc = lo == hi ? pt_buf_printf(&b, "Mean %s%s%s.", pt_fmt_num(lo, 2, a, sizeof a), sp, unit)
                    : pt_buf_printf(&b, "Means from %s to %s%s%s.", pt_fmt_num(lo, 2, a, sizeof a),
                                    pt_fmt_num(hi, 2, z, sizeof z), sp, unit);
  } else {
    rc = pt_buf_printf(&b, "%s penalty against %s by model, as bars: %zu model%s, %zu "
                           "compared environment%s (", d->label, base ? base->label : "the baseline",
                       c->ng, c->ng == 1 ? "" : "s", c->ns, c->ns == 1 ? "" : "s");
    if (!rc)
      rc = chart_join(&b, labels, c->ns);
    if (!rc)
      rc = pt_buf_printf(&b, "); positive means worse. ");
    if (!rc)
      rc = lo == hi ? pt_buf_printf(&b, "Penalty %s", pt_fmt_pct(lo, a, sizeof a))
                    : pt_buf_printf(&b, "Penalties from %s to %s", pt_fmt_pct(lo, a, sizeof a),
                                    pt_fmt_pct(hi, z, sizeof z));
    for (size_t s = 0; s < c->ns && !rc; s++)
      if (isfinite(c->series[s].ref))
        rc = c->ns == 1 ? pt_buf_printf(&b, "; mean %s", pt_fmt_pct(c->series[s].ref, a, sizeof a))
                        : pt_buf_printf(&b, "; mean %s (%s)",
                                        pt_fmt_pct(c->series[s].ref, a, sizeof a),
                                        c->series[s].label);
    if (!rc)
      rc = pt_buf_puts(&b, ".");
  }
  free(labels);
  if (!rc && !(c->alt = pt_buf_detach(&b, NULL)))
    rc = PT_ENOMEM;
  pt_buf_free(&b);
  return rc;
}

static pt_code build_texts(pt_chart *c, const doc_info *d, const env_info *base,
                           display_unit du, long nmin, long nmax, bool any_ci,
                           bool any_marked, bool any_sig_known, const char *undetermined) {
  char conf[16], alpha[32];
  percent_text(d->confidence, conf, sizeof conf);
  snprintf(alpha, sizeof alpha, "%g", d->alpha);
  const char *test = pt_doc_test_label(d->test);
  const char *better = d->higher ? "higher is better" : "lower is better";
  const char *bl = base ? base->label : "baseline";
  char unit_paren[4 * PT_CHART_LABEL_MAX + 16] = "";
  if (du.unit && *du.unit)
    snprintf(unit_paren, sizeof unit_paren, " (%s)", du.unit);
  if (c->kind == PT_CHART_THROUGHPUT) {
    c->title = chart_printf("%s by model", d->label);
    c->ytitle = chart_printf("%s%s", d->label, unit_paren);
    char runs[64];
    if (nmin == nmax)
      snprintf(runs, sizeof runs, "n = %ld per bar", nmin);
    else
      snprintf(runs, sizeof runs, "n = %ld\xe2\x80\x93%ld per bar", nmin, nmax);
    if (nmax < 2)
      c->subtitle = chart_printf("%s%s, %s. Single run per cell, no error bars.", d->label,
                               unit_paren, better);
    else if (nmin < 2)
      c->subtitle = chart_printf("%s%s, %s. Error bars: %s" NBSP "%% CI of the mean "
                               "(none where n" NBSP "=" NBSP "1); %s.",
                               d->label, unit_paren, better, conf, runs);
    else
      c->subtitle = chart_printf("%s%s, %s. Error bars: %s" NBSP "%% CI of the mean; %s.", d->label,
                               unit_paren, better, conf, runs);
  } else {
    c->title = chart_printf("%s penalty vs %s", d->label, bl);
    c->ytitle = strdup("Penalty (%)");
    pt_buf b = PT_BUF_INIT;
    pt_buf_printf(&b, "Penalty of each environment against %s: positive = worse (%s). "
                      "Dashed line: mean over models.", bl,
                  d->higher ? "lower rate" : "longer duration");
    if (any_ci)
      pt_buf_printf(&b, " Error bars: %s" NBSP "%% CI of the penalty.", conf);
    if (undetermined)  /* analyze/doc.h: what it means and what to do */
      pt_buf_printf(&b, " Undetermined: %s.", undetermined);
    else if (!any_sig_known)
      pt_buf_puts(&b, " No significance test (single run per cell).");
    c->subtitle = b.data ? pt_buf_detach(&b, NULL) : NULL;
    pt_buf_free(&b);
    if (any_marked) {
      legend_item *li = &c->legend[c->nlegend++];
      li->text = chart_printf("~ not significant (%s, p" NBSP "\xe2\x89\xa5" NBSP "%s)", test, alpha);
      li->hatched = true;
      li->color = 0x777777;
      li->max_w = 2 * LEGEND_MAX_W;  /* a phrase of ptbench's, read whole */
      if (!li->text)
        return PT_ENOMEM;
    }
  }
  c->xtitle = strdup("Model");
  return c->title && c->ytitle && c->subtitle && c->xtitle ? PT_OK : PT_ENOMEM;
}

static pt_code build_doc(pt_chart *c, const cJSON *doc, doc_info d, pt_error *err);

/* Read the document into c; the metric's label and unit are bounded copies
 * (label_dup) for the time of the build. */
static pt_code build(pt_chart *c, const cJSON *doc, pt_error *err) {
  if (pt_doc_check(doc, NULL, err))
    return PT_ESCHEMA;
  pt_doc_metric_info metric = pt_doc_metric_of(doc);
  doc_info d = {
      .label = metric.label,
      .unit = metric.unit,
      .higher = metric.higher_is_better,
      .confidence = pt_doc_confidence(doc),
      .alpha = pt_doc_alpha(doc),
      .test = pt_doc_test(doc),
  };
  if (!d.label)
    d.label = metric.name ? metric.name : "Value";
  char *label = chart_label_dup(d.label), *unit = d.unit ? chart_label_dup(d.unit) : NULL;
  pt_code rc;
  if (!label || (d.unit && !unit)) {
    rc = pt_error_set(err, PT_ENOMEM, "out of memory");
  } else {
    d.label = label;
    d.unit = unit;
    rc = build_doc(c, doc, d, err);
  }
  free(label);
  free(unit);
  return rc;
}

static pt_code build_doc(pt_chart *c, const cJSON *doc, doc_info d, pt_error *err) {
  bool pen = c->kind == PT_CHART_PENALTY;
  if (!(d.confidence > 0 && d.confidence < 1))
    d.confidence = 0.95;
  if (!(d.alpha > 0 && d.alpha < 1))
    d.alpha = 0.05;
  if (!d.test)
    d.test = PT_DOC_TEST_WELCH;

  env_info *envs = NULL;
  size_t nenv = 0;
  pt_code rc = read_envs(doc, &envs, &nenv, err);
  if (rc)
    return rc;
  const cJSON *models = pt_doc_models(doc);
  if (!models) {
    envs_free(envs, nenv);
    return chart_field_error(err, PT_EDATA, PT_DOC_MODELS, "'%s' is missing or not an array",
                             PT_DOC_MODELS);
  }

  if ((rc = check_env_refs(models, envs, nenv, err))) {
    envs_free(envs, nenv);
    return rc;
  }

  /* Series: every environment (throughput) or every compared one (penalty). */
  const env_info *base = NULL;
  for (size_t i = 0; i < nenv; i++) {
    if (envs[i].baseline)
      base = &envs[i];
    if (pen && envs[i].baseline)
      continue;
    bool used = false;
    const cJSON *m;
    cJSON_ArrayForEach(m, models) {
      if (pt_doc_find_env_item(cells_of(m, c->kind), envs[i].name))
        used = true;
    }
    if (used)
      envs[i].series = (long)c->ns++;
  }
  c->ng = (size_t)cJSON_GetArraySize(models);
  if (!c->ng || !c->ns || !pt_chart_applies(doc, c->kind)) {
    envs_free(envs, nenv);
    return pt_error_set(err, PT_EDATA, "nothing to chart for '%s': %s", pt_chart_kind_name(c->kind),
                        pen ? "no model was compared with the baseline" : "no model has data");
  }
  c->groups = calloc(c->ng, sizeof *c->groups);
  c->series = calloc(c->ns, sizeof *c->series);
  c->bars = calloc(c->ng * c->ns, sizeof *c->bars);
  c->legend = calloc(c->ns + 1, sizeof *c->legend);
  if (!c->groups || !c->series || !c->bars || !c->legend) {
    envs_free(envs, nenv);
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < nenv; i++) {
    if (envs[i].series < 0)
      continue;
    series *s = &c->series[envs[i].series];
    s->color = envs[i].color;
    s->ref = NAN;
    s->label = !pen && envs[i].baseline ? chart_printf("%s (baseline)", envs[i].label)
                                        : xstrdup(envs[i].label);
    legend_item *li = &c->legend[c->nlegend++];
    li->text = xstrdup(s->label);
    li->color = s->color;
    if (!s->label || !li->text) {
      envs_free(envs, nenv);
      return pt_error_set(err, PT_ENOMEM, "out of memory");
    }
  }

  size_t g = 0;
  const cJSON *m;
  cJSON_ArrayForEach(m, models) {
    const char *name = pt_doc_model_name(m);
    if (!name) {
      char f[64];
      snprintf(f, sizeof f, "%s[%zu].%s", PT_DOC_MODELS, g, PT_DOC_MODEL);
      envs_free(envs, nenv);
      return chart_field_error(err, PT_EDATA, f, "'%s' is missing or not a string", f);
    }
    if (!(c->groups[g] = chart_label_dup(name))) {
      envs_free(envs, nenv);
      return pt_error_set(err, PT_ENOMEM, "out of memory");
    }
    read_cells(c, g, m, envs, nenv);
    g++;
  }

  /* Reference lines: the mean penalty of each compared environment. */
  if (pen) {
    const cJSON *sc;
    cJSON_ArrayForEach(sc, pt_doc_summary_comparisons(doc)) {
      long ei = env_find(envs, nenv, pt_doc_item_env(sc));
      double mp = pt_json_num(sc, PT_DOC_MEAN_PENALTY_PCT);
      if (ei >= 0 && envs[ei].series >= 0 && isfinite(mp)) {
        series *s = &c->series[envs[ei].series];
        char pct[48];
        s->ref = mp;
        snprintf(s->ref_label, sizeof s->ref_label, "mean %s", pt_fmt_pct(mp, pct, sizeof pct));
      }
    }
  }

  /* Display units, value labels, what the subtitle must say. */
  long nmin = -1, nmax = 0;
  if (!pen) {
    cJSON_ArrayForEach(m, models) {
      const cJSON *it;
      cJSON_ArrayForEach(it, pt_doc_groups(m)) {
        long long n = pt_json_int(it, PT_DOC_N, 0);
        if (isfinite(pt_json_num(it, PT_DOC_MEAN))) {
          nmin = nmin < 0 || n < nmin ? (long)n : nmin;
          nmax = n > nmax ? (long)n : nmax;
        }
      }
    }
  }
  double maxv = 0;
  bool any_ci = false, any_marked = false, any_sig_known = false;
  const char *undetermined = NULL;
  for (size_t i = 0; i < c->ng * c->ns; i++)
    if (c->bars[i].present)
      maxv = fmax(maxv, fabs(c->bars[i].v));
  display_unit du = pen ? (display_unit){1, "%"} : chart_pick_unit(d.unit, maxv);
  for (size_t i = 0; i < c->ng * c->ns; i++) {
    bar *b = &c->bars[i];
    if (!b->present)
      continue;
    b->v /= du.div;
    b->lo /= du.div;
    b->hi /= du.div;
    any_ci |= isfinite(b->lo);
    any_marked |= b->marked;
    char num[48];
    if (pen)
      snprintf(b->label, sizeof b->label, "%s%s", pt_fmt_pct(b->v, num, sizeof num),
               b->marked ? " ~" : "");
    else
      pt_fmt_num(b->v, 2, b->label, sizeof b->label);
  }
  if (pen)
    cJSON_ArrayForEach(m, models) {
      const cJSON *it;
      cJSON_ArrayForEach(it, pt_doc_comparisons(m)) {
        any_sig_known |= cJSON_IsBool(pt_json_get(it, PT_DOC_SIGNIFICANT));
        if (!undetermined)
          undetermined = pt_doc_verdict_note(it);
      }
    }
  rc = build_texts(c, &d, base, du, nmin < 0 ? 0 : nmin, nmax, any_ci, any_marked,
                   any_sig_known, undetermined);
  if (!rc)
    rc = build_alt(c, &d, base, du, any_ci);
  envs_free(envs, nenv);
  if (rc)
    return pt_error_set(err, rc, "out of memory");
  return PT_OK;
}

/* ------------------------------------------------------------------------ */
/* Layout */

double chart_ymap(const pt_chart *c, double v) {
  return c->plot.y + (c->ymax - v) / (c->ymax - c->ymin) * c->plot.h;
}

/* Intervals between ticks (the number of ticks less one), bounded. */
int chart_tick_count(const pt_chart *c) {
  double n = round((c->ymax - c->ymin) / c->ystep);
  return n >= 0 && n <= 200 ? (int)n : 0;
}

void chart_tick_text(const pt_chart *c, double v, char *buf, size_t n) {
  if (fabs(v) < c->ystep * 1e-6)
    v = 0;
  if (fabs(v) >= 1e15)  /* no 300-digit labels: past 1e15, in exponent form */
    snprintf(buf, n, "%.4g", v);
  else
    snprintf(buf, n, "%.*f", c->ydecimals, v);
}

double chart_tick_max_width(const pt_chart *c, const textkit *k) {
  double wmax = 0;
  char t[64];
  for (int i = 0; i <= chart_tick_count(c); i++) {
    double v = c->ymin + c->ystep * i, w;
    chart_tick_text(c, v, t, sizeof t);
    chart_measure(k, F_TICK, t, chart_plain(), &w, NULL);
    wmax = fmax(wmax, w);
  }
  return wmax;
}

double chart_line_height(const textkit *k, font_id f) {
  double h;
  chart_measure(k, f, "Ag", chart_plain(), NULL, &h);
  return h;
}

/* Lay the legend out from y (rows wrap at the canvas width); returns its
 * height. */
static text_opts legend_opts(const legend_item *li) {
  return chart_bounded(li->max_w > 0 ? li->max_w : LEGEND_MAX_W, 1, PANGO_ELLIPSIZE_MIDDLE,
                       PANGO_ALIGN_LEFT);
}

double chart_layout_legend(pt_chart *c, const textkit *k, double y) {
  double x = PAD, row_h = chart_line_height(k, F_LEGEND), h = row_h;
  for (size_t i = 0; i < c->nlegend; i++) {
    double w;
    chart_measure(k, F_LEGEND, c->legend[i].text, legend_opts(&c->legend[i]), &w, NULL);
    double item = SWATCH + 6 + w;
    if (x > PAD && (c->legend[i].newline || x + item > c->w - PAD)) {
      x = PAD;
      y += row_h + 4;
      h += row_h + 4;
    }
    c->legend[i].x = x;
    c->legend[i].y = y + (row_h - SWATCH) / 2;
    x += item + (c->legend[i].shape ? 12 : 20);
  }
  return h;
}

static text_opts group_opts(const pt_chart *c) {
  switch (c->group_mode) {
  case G_ROTATE: return chart_bounded(ROT_MAX_W, 1, PANGO_ELLIPSIZE_MIDDLE, PANGO_ALIGN_LEFT);
  case G_WORDS: return chart_bounded(c->gw - 6, 0, PANGO_ELLIPSIZE_NONE, PANGO_ALIGN_CENTER);
  case G_CUT: break;
  }
  return chart_bounded(c->gw - 6, WRAP_LINES, PANGO_ELLIPSIZE_END, PANGO_ALIGN_CENTER);
}

/* Height of the model-name block; decides wrap or rotate. *left_need: how far
 * the first rotated name reaches left of its group centre. */
double chart_layout_groups(pt_chart *c, const textkit *k, double *left_need) {
  c->group_mode = G_WORDS;
  double hmax = 0;
  bool fit = true;
  for (size_t g = 0; g < c->ng && fit; g++) {
    PangoLayout *l = chart_text(k, F_GROUP, c->groups[g], group_opts(c));
    double w, h;
    chart_text_size(l, &w, &h);
    fit = pango_layout_get_line_count(l) <= 2 && w <= c->gw - 6 + 0.5;
    hmax = fmax(hmax, h);
    g_object_unref(l);
  }
  *left_need = 0;
  if (!fit && c->gw >= 110) {
    c->group_mode = G_CUT;
    hmax = 0;
    for (size_t g = 0; g < c->ng; g++) {
      double h;
      chart_measure(k, F_GROUP, c->groups[g], group_opts(c), NULL, &h);
      hmax = fmax(hmax, h);
    }
  }
  if (fit || c->group_mode == G_CUT)
    return hmax;
  c->group_mode = G_ROTATE;
  double a = ROT_ANGLE * M_PI / 180, lh = chart_line_height(k, F_GROUP);
  hmax = 0;
  for (size_t g = 0; g < c->ng; g++) {
    double w;
    chart_measure(k, F_GROUP, c->groups[g], group_opts(c), &w, NULL);
    hmax = fmax(hmax, w * sin(a) + lh * cos(a));
    if (g == 0)
      *left_need = w * cos(a) + lh * sin(a) / 2;
  }
  return hmax;
}

/* Measure value labels: horizontal when they fit over a bar, else vertical. */
static void layout_values(pt_chart *c, const textkit *k) {
  double wmax = 0, lh = chart_line_height(k, F_VALUE);
  for (size_t i = 0; i < c->ng * c->ns; i++)
    if (c->bars[i].present) {
      double w;
      chart_measure(k, F_VALUE, c->bars[i].label, chart_plain(), &w, NULL);
      wmax = fmax(wmax, w);
    }
  c->vertical_values = wmax + 4 > c->bw + 2;
  c->value_extent = c->vertical_values ? wmax : lh;
}

/* Whole layout for the current y scale. */
double chart_layout_top(pt_chart *c, const textkit *k) {
  double y = PAD, h;
  c->title_y = y;
  chart_measure(k, F_TITLE, c->title,
                chart_bounded(c->w - 2 * PAD, 1, PANGO_ELLIPSIZE_END, PANGO_ALIGN_LEFT), NULL, &h);
  y += h + 4;
  c->subtitle_y = y;
  chart_measure(k, F_SUBTITLE, c->subtitle,
                chart_bounded(c->w - 2 * PAD, 3, PANGO_ELLIPSIZE_END, PANGO_ALIGN_LEFT), NULL, &h);
  c->subtitle_h = h;
  y += h + 10;
  return y + chart_layout_legend(c, k, y) + 14;
}

static void layout_pass(pt_chart *c, const textkit *k) {
  double lh_axis = chart_line_height(k, F_AXIS), tick_w = chart_tick_max_width(c, k);
  double left = PAD + lh_axis + 8 + tick_w + 8;
  double right = PAD + 6;
  for (size_t s = 0; s < c->ns; s++)
    if (isfinite(c->series[s].ref)) {
      double w;
      chart_measure(k, F_TICK, c->series[s].ref_label, chart_plain(), &w, NULL);
      right = fmax(right, PAD + 8 + w);
    }
  double min_gw = c->ns * MIN_BAR_W / BAR_FILL;
  min_gw = fmax(min_gw, 24);
  c->w = ceil(fmax(MIN_W, left + right + c->ng * min_gw));
  c->gw = (c->w - left - right) / c->ng;
  c->bw = fmin(c->gw * BAR_FILL / c->ns, MAX_BAR_W);
  double left_need;
  double groups_h = chart_layout_groups(c, k, &left_need);
  if (c->group_mode == G_ROTATE && left + c->gw / 2 - left_need < PAD) {
    double extra = PAD - (left + c->gw / 2 - left_need);
    left += extra;
    c->w = ceil(c->w + extra);
  }
  c->right_labels_x = c->w - right + 8;
  c->ytitle_x = left - 8 - tick_w - 8 - lh_axis;

  double top = chart_layout_top(c, k);

  double bottom = 8 + groups_h + 8 + lh_axis + PAD;
  c->h = ceil(fmax(MIN_H, top + MIN_PLOT_H + bottom));
  c->plot = (pt_chart_rect){left, top, c->w - left - right, c->h - top - bottom};
  c->xtitle_y = c->plot.y + c->plot.h + 8 + groups_h + 8;
  layout_values(c, k);
}

static void bar_geom(const pt_chart *c, size_t g, size_t s, double *x, double *cx) {
  double gx = c->plot.x + c->gw * (double)g + c->gw / 2;
  double x0 = gx - c->bw * (double)c->ns / 2;
  *x = x0 + c->bw * (double)s;
  *cx = *x + c->bw / 2;
}

/* The end of the value label, away from zero, as a y coordinate. */
static double label_reach(const pt_chart *c, const bar *b) {
  double gap = 3;
  if (b->v >= 0) {
    double top = isfinite(b->hi) ? fmax(b->v, b->hi) : b->v;
    return chart_ymap(c, top) - gap - c->value_extent;
  }
  double bot = isfinite(b->lo) ? fmin(b->v, b->lo) : b->v;
  return chart_ymap(c, bot) + gap + c->value_extent;
}

static void data_range(const pt_chart *c, double *lo, double *hi) {
  *lo = 0;
  *hi = 0;
  for (size_t i = 0; i < c->ng * c->ns; i++) {
    const bar *b = &c->bars[i];
    if (!b->present)
      continue;
    *lo = fmin(*lo, b->v);
    *hi = fmax(*hi, b->v);
    if (isfinite(b->lo)) {
      *lo = fmin(*lo, b->lo);
      *hi = fmax(*hi, b->hi);
    }
  }
  for (size_t s = 0; s < c->ns; s++)
    if (isfinite(c->series[s].ref)) {
      *lo = fmin(*lo, c->series[s].ref);
      *hi = fmax(*hi, c->series[s].ref);
    }
}

static void layout(pt_chart *c, const textkit *k) {
  double lo, hi;
  data_range(c, &lo, &hi);
  pt_chart_nice_scale(lo, hi, 5, &c->ymin, &c->ymax, &c->ystep);
  for (int iter = 0; iter < 12; iter++) {
    c->ydecimals = chart_decimals(c->ystep);
    layout_pass(c, k);
    bool grew = false;
    double top = c->plot.y, bottom = c->plot.y + c->plot.h;
    for (size_t i = 0; i < c->ng * c->ns && !grew; i++) {
      const bar *b = &c->bars[i];
      if (!b->present)
        continue;
      double reach = label_reach(c, b);
      /* a step more, unless the axis would leave the doubles (values
       * near DBL_MAX): then the label overlaps the plot's edge */
      if (b->v >= 0 && reach < top && isfinite(c->ymax + c->ystep)) {
        c->ymax += c->ystep;
        grew = true;
      } else if (b->v < 0 && reach > bottom && isfinite(c->ymin - c->ystep)) {
        c->ymin -= c->ystep;
        grew = true;
      }
    }
    if (!grew)
      break;
  }
  /* Reference labels in the right margin, pushed apart when close. */
  double lh = chart_line_height(k, F_TICK);
  size_t *order = malloc(c->ns * sizeof *order); /* NULL: labels may overlap */
  size_t n = 0;
  for (size_t s = 0; s < c->ns; s++)
    if (isfinite(c->series[s].ref)) {
      c->series[s].ref_label_y = chart_ymap(c, c->series[s].ref) - lh / 2;
      if (order)
        order[n++] = s;
    }
  for (size_t i = 1; i < n; i++) /* insertion sort by y */
    for (size_t j = i;
         j > 0 && c->series[order[j]].ref_label_y < c->series[order[j - 1]].ref_label_y; j--) {
      size_t t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  for (size_t i = 1; i < n; i++) {
    series *prev = &c->series[order[i - 1]], *cur = &c->series[order[i]];
    if (cur->ref_label_y < prev->ref_label_y + lh)
      cur->ref_label_y = prev->ref_label_y + lh;
  }
  free(order);
}

/* ------------------------------------------------------------------------ */
/* Draw */

void chart_show(cairo_t *cr, PangoLayout *l, double x, double y) {
  cairo_move_to(cr, x, y);
  pango_cairo_update_layout(cr, l);
  pango_cairo_show_layout(cr, l);
}

/* Text with a white halo, so it stays readable over lines and bars. */
void chart_show_halo(cairo_t *cr, PangoLayout *l, double x, double y, unsigned color) {
  cairo_move_to(cr, x, y);
  pango_cairo_update_layout(cr, l);
  pango_cairo_layout_path(cr, l);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_set_line_width(cr, 4);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke(cr);
  chart_rgb(cr, color);
  chart_show(cr, l, x, y);
}

void chart_draw_text(cairo_t *cr, const textkit *k, font_id f, const char *s, text_opts o,
                      double x, double y, unsigned color) {
  PangoLayout *l = chart_text(k, f, s, o);
  chart_rgb(cr, color);
  chart_show(cr, l, x, y);
  g_object_unref(l);
}

static void hatch_rect(cairo_t *cr, double x, double y, double w, double h, unsigned color) {
  cairo_save(cr);
  cairo_rectangle(cr, x, y, w, h);
  cairo_clip(cr);
  chart_rgb(cr, color);
  cairo_set_line_width(cr, 1.3);
  for (double d = -h; d < w + h; d += 4.5) {
    cairo_move_to(cr, x + d, y + h);
    cairo_line_to(cr, x + d + h, y);
  }
  cairo_stroke(cr);
  cairo_restore(cr);
}

void chart_draw_axes(const pt_chart *c, cairo_t *cr, const textkit *k) {
  const pt_chart_rect *p = &c->plot;
  char t[64];
  cairo_set_line_width(cr, 1);
  for (int i = 0; i <= chart_tick_count(c); i++) {
    double v = c->ymin + c->ystep * i;
    double y = round(chart_ymap(c, v) * 2) / 2 + 0.25;
    chart_rgb(cr, 0xE4E4E4);
    cairo_move_to(cr, p->x, y);
    cairo_line_to(cr, p->x + p->w, y);
    cairo_stroke(cr);
    chart_tick_text(c, v, t, sizeof t);
    PangoLayout *l = chart_text(k, F_TICK, t, chart_plain());
    double w, h;
    chart_text_size(l, &w, &h);
    chart_rgb(cr, 0x555555);
    chart_show(cr, l, p->x - 8 - w, chart_ymap(c, v) - h / 2);
    g_object_unref(l);
  }
  /* Zero line (the x axis for throughput), or the bottom of the plot when
   * zero is not on the scale. */
  double y0 = chart_ymap(c, fmin(fmax(0, c->ymin), c->ymax));
  chart_rgb(cr, 0x333333);
  cairo_set_line_width(cr, 1.2);
  cairo_move_to(cr, p->x, y0);
  cairo_line_to(cr, p->x + p->w, y0);
  cairo_stroke(cr);

  /* Axis titles. */
  PangoLayout *l = chart_text(k, F_AXIS, c->ytitle,
                            chart_bounded(p->h + 40, 1, PANGO_ELLIPSIZE_END, PANGO_ALIGN_CENTER));
  double lh;
  chart_text_size(l, NULL, &lh);
  cairo_save(cr);
  cairo_translate(cr, c->ytitle_x, p->y + p->h / 2 + (p->h + 40) / 2);
  cairo_rotate(cr, -M_PI / 2);
  chart_rgb(cr, 0x333333);
  chart_show(cr, l, 0, 0);
  cairo_restore(cr);
  g_object_unref(l);
  chart_draw_text(cr, k, F_AXIS, c->xtitle, chart_bounded(p->w, 1, PANGO_ELLIPSIZE_END, PANGO_ALIGN_CENTER),
            p->x, c->xtitle_y, 0x333333);
}

void chart_draw_group_labels(const pt_chart *c, cairo_t *cr, const textkit *k) {
  double a = ROT_ANGLE * M_PI / 180, lh = chart_line_height(k, F_GROUP);
  double top = c->plot.y + c->plot.h + 8;
  for (size_t g = 0; g < c->ng; g++) {
    double cx = c->plot.x + c->gw * ((double)g + 0.5);
    PangoLayout *l = chart_text(k, F_GROUP, c->groups[g], group_opts(c));
    chart_rgb(cr, 0x222222);
    if (c->group_mode != G_ROTATE) {
      chart_show(cr, l, cx - (c->gw - 6) / 2, top);
    } else {
      double w;
      chart_text_size(l, &w, NULL);
      cairo_save(cr);
      cairo_translate(cr, cx + lh / 2 * sin(a), top + lh / 2 * cos(a));
      cairo_rotate(cr, -a);
      chart_show(cr, l, -w, -lh / 2);
      cairo_restore(cr);
    }
    g_object_unref(l);
  }
}

static void draw_bars(const pt_chart *c, cairo_t *cr, const textkit *k) {
  double y0 = chart_ymap(c, 0);
  for (size_t g = 0; g < c->ng; g++) {
    bool any = false;
    for (size_t s = 0; s < c->ns; s++) {
      const bar *b = &c->bars[g * c->ns + s];
      if (!b->present)
        continue;
      any = true;
      unsigned col = c->series[s].color;
      double x, cx;
      bar_geom(c, g, s, &x, &cx);
      double yv = chart_ymap(c, b->v);
      double top = fmin(yv, y0), h = fabs(yv - y0);
      double inset = c->bw > 8 ? 0.75 : 0.25; /* a hairline between bars */
      if (b->marked) {
        chart_rgb(cr, chart_mix(col, 0xFFFFFF, 0.72));
        cairo_rectangle(cr, x + inset, top, c->bw - 2 * inset, h);
        cairo_fill(cr);
        hatch_rect(cr, x + inset, top, c->bw - 2 * inset, h, col);
        chart_rgb(cr, col);
        cairo_set_line_width(cr, 1);
        cairo_rectangle(cr, x + inset + 0.5, top + 0.5, c->bw - 2 * inset - 1, fmax(h - 1, 0));
        cairo_stroke(cr);
      } else {
        chart_rgb(cr, col);
        cairo_rectangle(cr, x + inset, top, c->bw - 2 * inset, h);
        cairo_fill(cr);
      }
    }
    if (!any) {
      PangoLayout *l = chart_text(k, F_VALUE, "n/a", chart_plain());
      double w, h;
      chart_text_size(l, &w, &h);
      chart_rgb(cr, 0x888888);
      chart_show(cr, l, c->plot.x + c->gw * ((double)g + 0.5) - w / 2, y0 - h - 3);
      g_object_unref(l);
    }
  }
  /* Error bars, then value labels, over every bar. */
  chart_rgb(cr, 0x222222);
  cairo_set_line_width(cr, 1.2);
  for (size_t i = 0; i < c->ng * c->ns; i++) {
    const bar *b = &c->bars[i];
    if (!b->present || !isfinite(b->lo))
      continue;
    double x, cx;
    bar_geom(c, i / c->ns, i % c->ns, &x, &cx);
    double cap = fmin(c->bw * 0.45, 10) / 2;
    double ylo = chart_ymap(c, b->lo), yhi = chart_ymap(c, b->hi);
    cairo_move_to(cr, cx, ylo);
    cairo_line_to(cr, cx, yhi);
    cairo_move_to(cr, cx - cap, ylo);
    cairo_line_to(cr, cx + cap, ylo);
    cairo_move_to(cr, cx - cap, yhi);
    cairo_line_to(cr, cx + cap, yhi);
  }
  cairo_stroke(cr);
}

static void draw_values(const pt_chart *c, cairo_t *cr, const textkit *k) {
  for (size_t i = 0; i < c->ng * c->ns; i++) {
    const bar *b = &c->bars[i];
    if (!b->present)
      continue;
    double x, cx;
    bar_geom(c, i / c->ns, i % c->ns, &x, &cx);
    PangoLayout *l = chart_text(k, F_VALUE, b->label, chart_plain());
    double w, h;
    chart_text_size(l, &w, &h);
    double reach = label_reach(c, b);
    double near = b->v >= 0 ? reach + c->value_extent : reach - c->value_extent;
    unsigned tc = b->marked ? 0x666666 : 0x222222;
    if (!c->vertical_values) {
      chart_show_halo(cr, l, cx - w / 2, b->v >= 0 ? reach : near, tc);
    } else {
      /* Rotated to read upwards: the text runs from (cx, bottom) up to top. */
      double bottom = b->v >= 0 ? near : reach;
      cairo_save(cr);
      cairo_translate(cr, cx - h / 2, bottom);
      cairo_rotate(cr, -M_PI / 2);
      chart_show_halo(cr, l, 0, 0, tc);
      cairo_restore(cr);
    }
    g_object_unref(l);
  }
}

static void draw_refs(const pt_chart *c, cairo_t *cr, const textkit *k) {
  static const double dash[] = {6, 4};
  for (size_t s = 0; s < c->ns; s++) {
    const series *sr = &c->series[s];
    if (!isfinite(sr->ref))
      continue;
    unsigned col = c->ns == 1 ? 0x333333 : chart_mix(sr->color, 0, 0.35);
    double y = chart_ymap(c, sr->ref);
    cairo_save(cr);
    chart_rgb(cr, col);
    cairo_set_line_width(cr, 1.5);
    cairo_set_dash(cr, dash, 2, 0);
    cairo_move_to(cr, c->plot.x, y);
    cairo_line_to(cr, c->plot.x + c->plot.w + 4, y);
    cairo_stroke(cr);
    cairo_restore(cr);
    chart_draw_text(cr, k, F_TICK, sr->ref_label, chart_plain(), c->right_labels_x, sr->ref_label_y, col);
  }
}

void chart_draw_legend(const pt_chart *c, cairo_t *cr, const textkit *k) {
  double lh = chart_line_height(k, F_LEGEND);
  for (size_t i = 0; i < c->nlegend; i++) {
    const legend_item *li = &c->legend[i];
    if (li->hatched) {
      chart_rgb(cr, chart_mix(li->color, 0xFFFFFF, 0.72));
      cairo_rectangle(cr, li->x, li->y, SWATCH, SWATCH);
      cairo_fill(cr);
      hatch_rect(cr, li->x, li->y, SWATCH, SWATCH, li->color);
      chart_rgb(cr, li->color);
      cairo_set_line_width(cr, 1);
      cairo_rectangle(cr, li->x + 0.5, li->y + 0.5, SWATCH - 1, SWATCH - 1);
      cairo_stroke(cr);
    } else if (li->shape) {
      chart_rgb(cr, li->color);
      chart_mark_path(cr, li->shape, li->x + SWATCH / 2, li->y + SWATCH / 2,
                      SWATCH * (li->hollow ? 0.36 : 0.42));
      if (li->hollow) {
        cairo_set_line_width(cr, 1.5);
        cairo_stroke(cr);
      } else {
        cairo_fill(cr);
      }
    } else {
      chart_rgb(cr, li->color);
      cairo_rectangle(cr, li->x, li->y, SWATCH, SWATCH);
      cairo_fill(cr);
    }
    chart_draw_text(cr, k, F_LEGEND, li->text, legend_opts(li), li->x + SWATCH + 6,
                    li->y + SWATCH / 2 - lh / 2, 0x222222);
  }
}

void chart_draw_top(const pt_chart *c, cairo_t *cr, const textkit *k) {
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  chart_draw_text(cr, k, F_TITLE, c->title,
                  chart_bounded(c->w - 2 * PAD, 1, PANGO_ELLIPSIZE_END, PANGO_ALIGN_LEFT), PAD,
                  c->title_y, 0x111111);
  chart_draw_text(cr, k, F_SUBTITLE, c->subtitle,
                  chart_bounded(c->w - 2 * PAD, 3, PANGO_ELLIPSIZE_END, PANGO_ALIGN_LEFT), PAD,
                  c->subtitle_y, 0x555555);
  chart_draw_legend(c, cr, k);
}

static void draw(const pt_chart *c, cairo_t *cr, const textkit *k) {
  if (c->pts) {
    chart_points_draw(c, cr, k);
    return;
  }
  chart_draw_top(c, cr, k);
  chart_draw_axes(c, cr, k);
  draw_bars(c, cr, k);
  draw_refs(c, cr, k);
  draw_values(c, cr, k);
  chart_draw_group_labels(c, cr, k);
}

/* ------------------------------------------------------------------------ */
/* Public API */

static pt_code chart_create(const cJSON *analysis, pt_chart_kind kind, pt_chart **out,
                            pt_error *err) {
  *out = NULL;
  if (kind == PT_CHART_DISTRIBUTION || kind == PT_CHART_TIMELINE)
    return pt_error_set(err, PT_EUSAGE, "the %s chart is drawn from trials, not from an analysis",
                        pt_chart_kind_name(kind));
  if (kind != PT_CHART_THROUGHPUT && kind != PT_CHART_PENALTY)
    return pt_error_set(err, PT_EUSAGE, "unknown chart kind %d", (int)kind);
  pt_chart *c = calloc(1, sizeof *c);
  if (!c)
    return pt_error_set(err, PT_ENOMEM, "out of memory");
  c->kind = kind;
  pt_code rc = build(c, analysis, err);
  if (rc) {
    pt_chart_free(c);
    return rc;
  }
  textkit k = {0};
  chart_textkit_init(&k, pango_font_map_create_context(pango_cairo_font_map_get_default()));
  layout(c, &k);
  chart_textkit_done(&k);
  *out = c;
  return PT_OK;
}

pt_chart *pt_chart_new(const cJSON *analysis, pt_chart_kind kind, pt_error *err) {
  pt_chart *c;
  chart_create(analysis, kind, &c, err);
  return c;
}

/* Where cairo and libpng write: the buffer, and why an append failed
 * (PT_ENOMEM, or PT_ETOOBIG past the buffer's cap). */
typedef struct {
  pt_buf *b;
  pt_code rc;
} sink;

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int len) {
  sink *k = closure;
  pt_code rc = pt_buf_append(k->b, data, len);
  if (rc && !k->rc)
    k->rc = rc;
  return rc ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* cairo names SVG elements "surfaceN" from a process-wide counter, so the
 * same chart drawn twice (or in another thread's order) would differ.
 * Renumber the ids in svg[start..] from 1 in order of appearance, so a
 * chart's SVG depends on nothing but the chart. */
static pt_code renumber_svg_ids(pt_buf *svg, size_t start) {
  static const char tok[] = "surface";
  pt_buf out = PT_BUF_INIT;
  unsigned long seen[64];  /* a chart uses a handful of surfaces */
  size_t nseen = 0;
  const char *p = svg->data + start, *end = svg->data + svg->len;
  pt_code rc = PT_OK;
  while (!rc && p < end) {
    const char *hit = strstr(p, tok);  /* the buffer is NUL-terminated */
    const char *digits = hit ? hit + sizeof tok - 1 : end;
    if (!hit || digits >= end || *digits < '0' || *digits > '9') {
      const char *stop = hit ? digits : end;
      rc = pt_buf_append(&out, p, (size_t)(stop - p));
      p = stop;
      continue;
    }
    char *after;
    unsigned long id = strtoul(digits, &after, 10);
    size_t k = 0;
    while (k < nseen && seen[k] != id)
      k++;
    if (k == nseen && nseen < sizeof seen / sizeof seen[0])
      seen[nseen++] = id;
    rc = pt_buf_append(&out, p, (size_t)(digits - p));
    if (!rc)
      rc = k < nseen ? pt_buf_printf(&out, "%zu", k + 1) : pt_buf_printf(&out, "%lu", id);
    p = after;
  }
  if (!rc) {
    svg->len = start;
    rc = pt_buf_append(svg, out.data, out.len);
  }
  pt_buf_free(&out);
  return rc;
}

/* libpng's error handler: back to png_encode (never returns). */
static void png_fail(png_structp png, png_const_charp msg) {
  (void)msg;
  png_longjmp(png, 1);
}

static void png_quiet(png_structp png, png_const_charp msg) {
  (void)png;
  (void)msg;
}

static void png_append(png_structp png, png_bytep data, size_t len) {
  if (to_buf(png_get_io_ptr(png), data, (unsigned)len) != CAIRO_STATUS_SUCCESS)
    png_error(png, "output too large or out of memory");
}

static void png_noflush(png_structp png) { (void)png; }

/* An RGB24 image surface as PNG, appended to out. libpng itself, not
 * cairo_surface_write_to_png_stream: cairo leaves zlib at its default
 * level and adaptive filtering, which took 75 % of a PNG chart's time; at
 * level 1 without filters a chart encodes 4 to 8 times faster and is 10 to
 * 20 % larger (bench/charts.sh). */
static cairo_status_t png_encode(cairo_surface_t *s, sink *out) {
  int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
  int stride = cairo_image_surface_get_stride(s);
  const unsigned char *data = cairo_image_surface_get_data(s);
  unsigned char *volatile row = malloc((size_t)w * 3);
  png_structp png = row ? png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_fail,
                                                  png_quiet)
                        : NULL;
  png_infop info = png ? png_create_info_struct(png) : NULL;
  volatile cairo_status_t st = CAIRO_STATUS_NO_MEMORY;
  if (!info)
    goto out;
  if (setjmp(png_jmpbuf(png))) {
    st = CAIRO_STATUS_WRITE_ERROR;
    goto out;
  }
  png_set_write_fn(png, out, png_append, png_noflush);
  png_set_compression_level(png, 1);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
  png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < h; y++) {
    const unsigned char *src = data + (size_t)y * (size_t)stride;
    for (int x = 0; x < w; x++) {
      uint32_t v; /* RGB24: 0x00RRGGBB in native byte order */
      memcpy(&v, src + 4 * (size_t)x, 4);
      row[3 * x] = (unsigned char)(v >> 16);
      row[3 * x + 1] = (unsigned char)(v >> 8);
      row[3 * x + 2] = (unsigned char)v;
    }
    png_write_row(png, row);
  }
  png_write_end(png, info);
  st = CAIRO_STATUS_SUCCESS;
out:
  if (png)
    png_destroy_write_struct(&png, info ? &info : NULL);
  free(row);
  return st;
}

pt_code pt_chart_render(const pt_chart *chart, pt_chart_format fmt, pt_buf *out,
                        pt_error *err) {
  cairo_surface_t *s;
  size_t start = out->len;
  size_t saved_max = out->max;
  sink to = {out, PT_OK};
  if (!out->max || out->max > start + OUT_MAX)
    out->max = start + OUT_MAX;
  switch (fmt) {
  case PT_CHART_PNG:
    s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(chart->w * 2),
                                   (int)ceil(chart->h * 2));
    cairo_surface_set_device_scale(s, 2, 2);
    break;
  case PT_CHART_SVG:
    s = cairo_svg_surface_create_for_stream(to_buf, &to, chart->w, chart->h);
    cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_PX);
    break;
  case PT_CHART_PDF:
    s = cairo_pdf_surface_create_for_stream(to_buf, &to, chart->w, chart->h);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, chart->title);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "ptbench");
    break;
  default:
    out->max = saved_max;
    return pt_error_set(err, PT_EUSAGE, "unknown chart format %d", (int)fmt);
  }
  cairo_t *cr = cairo_create(s);
  textkit k = {0};
  chart_textkit_init(&k, pango_cairo_create_context(cr));
  draw(chart, cr, &k);
  chart_textkit_done(&k);
  cairo_status_t st = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_flush(s);
  if (st == CAIRO_STATUS_SUCCESS && fmt == PT_CHART_PNG)
    st = png_encode(s, &to);
  cairo_surface_finish(s);
  if (st == CAIRO_STATUS_SUCCESS)
    st = cairo_surface_status(s);
  cairo_surface_destroy(s);
  out->max = saved_max;
  if (st == CAIRO_STATUS_SUCCESS && fmt == PT_CHART_SVG && renumber_svg_ids(out, start))
    st = CAIRO_STATUS_NO_MEMORY;
  if (st != CAIRO_STATUS_SUCCESS) {
    pt_code rc = to.rc                              ? to.rc
                 : st == CAIRO_STATUS_NO_MEMORY     ? PT_ENOMEM
                 : st == CAIRO_STATUS_WRITE_ERROR   ? PT_ETOOBIG
                                                    : PT_EINTERNAL;
    if (out->data && out->len > start) { /* no half a chart left behind */
      out->len = start;
      out->data[start] = '\0';
    }
    return pt_error_set(err, rc, "cannot draw %s chart as %s: %s",
                        pt_chart_kind_name(chart->kind), pt_chart_format_ext(fmt),
                        rc == PT_ETOOBIG  ? "output too large"
                        : rc == PT_ENOMEM ? "out of memory"
                                          : cairo_status_to_string(st));
  }
  return PT_OK;
}

pt_code pt_chart_save(const pt_chart *chart, pt_chart_format fmt, const char *path,
                      pt_error *err) {
  pt_buf b = PT_BUF_INIT;
  pt_code rc = pt_chart_render(chart, fmt, &b, err);
  if (rc)
    pt_error_set_file(err, path);
  else
    rc = pt_write_file_atomic(path, b.data, b.len, err);
  pt_buf_free(&b);
  return rc;
}

pt_code pt_chart_write(const cJSON *analysis, pt_chart_kind kind, pt_chart_format fmt,
                       const char *path, pt_error *err) {
  pt_chart *c;
  pt_code rc = chart_create(analysis, kind, &c, err);
  if (rc)
    return rc;
  rc = pt_chart_save(c, fmt, path, err);
  pt_chart_free(c);
  return rc;
}

pt_code pt_chart_write_formats(const cJSON *analysis, pt_chart_kind kind, unsigned formats,
                               const char *stem, pt_error *err) {
  if (!formats || (formats & ~(unsigned)PT_CHART_ALL_FORMATS))
    return pt_error_set(err, PT_EUSAGE, "invalid chart format mask %#x", formats);
  pt_chart *c;
  pt_code rc = chart_create(analysis, kind, &c, err);
  if (!rc)
    rc = chart_save_formats(c, formats, stem, err);
  pt_chart_free(c);
  return rc;
}

pt_code pt_chart_save_formats(const pt_chart *chart, unsigned formats, const char *stem,
                              pt_error *err) {
  if (!formats || (formats & ~(unsigned)PT_CHART_ALL_FORMATS))
    return pt_error_set(err, PT_EUSAGE, "invalid chart format mask %#x", formats);
  return chart_save_formats(chart, formats, stem, err);
}

pt_code chart_save_formats(const pt_chart *c, unsigned formats, const char *stem,
                           pt_error *err) {
  static const pt_chart_format all[] = {PT_CHART_PNG, PT_CHART_SVG, PT_CHART_PDF};
  pt_code rc = PT_OK;
  for (size_t i = 0; i < sizeof all / sizeof all[0] && !rc; i++) {
    if (!(formats & (unsigned)all[i]))
      continue;
    char *path = chart_printf("%s.%s", stem, pt_chart_format_ext(all[i]));
    rc = path ? pt_chart_save(c, all[i], path, err)
              : pt_error_set(err, PT_ENOMEM, "out of memory");
    free(path);
  }
  return rc;
}

void pt_chart_size(const pt_chart *chart, double *width, double *height) {
  if (width)
    *width = chart->w;
  if (height)
    *height = chart->h;
}

pt_chart_rect pt_chart_plot_rect(const pt_chart *chart) { return chart->plot; }

size_t pt_chart_groups(const pt_chart *chart) { return chart->ng; }

size_t pt_chart_series(const pt_chart *chart) { return chart->ns; }

bool pt_chart_bar_rect(const pt_chart *chart, size_t group, size_t series_i,
                       pt_chart_rect *rect) {
  if (group >= chart->ng || series_i >= chart->ns)
    return false;
  const bar *b = &chart->bars[group * chart->ns + series_i];
  if (!b->present)
    return false;
  double x, cx, y0 = chart_ymap(chart, 0), yv = chart_ymap(chart, b->v);
  bar_geom(chart, group, series_i, &x, &cx);
  *rect = (pt_chart_rect){x, fmin(y0, yv), chart->bw, fabs(yv - y0)};
  return true;
}

const char *pt_chart_alt_text(const pt_chart *chart) { return chart->alt ? chart->alt : ""; }

unsigned pt_chart_series_color(const pt_chart *chart, size_t series_i) {
  return series_i < chart->ns ? chart->series[series_i].color : 0;
}

const char *pt_chart_group_label(const pt_chart *chart, size_t group) {
  return group < chart->ng ? chart->groups[group] : NULL;
}

static size_t text_len(const char *s) { return s ? strlen(s) : 0; }

size_t pt_chart_text_max(const pt_chart *c) {
  size_t m = 0;
  const char *fixed[] = {c->title, c->subtitle, c->ytitle, c->xtitle};
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
    m = text_len(fixed[i]) > m ? text_len(fixed[i]) : m;
  for (size_t g = 0; g < c->ng; g++)
    m = text_len(c->groups[g]) > m ? text_len(c->groups[g]) : m;
  for (size_t i = 0; i < c->nlegend; i++)
    m = text_len(c->legend[i].text) > m ? text_len(c->legend[i].text) : m;
  return m;
}
