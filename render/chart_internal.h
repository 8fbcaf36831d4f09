/* render/chart_internal.h - what the chart files share; not a public API.
 *
 * render/chart.c holds the common parts (formats, text, axes, legend, the
 * model-name labels under a plot, rendering to PNG/SVG/PDF, inspection) and
 * the two charts drawn from an analysis document (bars); render/chart_points.c
 * holds the two drawn from trials (distribution, timeline). All four are a
 * struct pt_chart: the common fields below, plus `pts` for the trial charts.
 * Coordinates are logical units (px in SVG, pt in PDF, half a pixel in PNG),
 * origin top left, y down.
 */
#ifndef PT_CHART_INTERNAL_H
#define PT_CHART_INTERNAL_H

#include <cairo.h>
#include <pango/pangocairo.h>
#include <stdbool.h>
#include <stddef.h>

#include "render/chart.h"

#define NBSP "\xc2\xa0" /* keeps "95 %" on one line */

/* Okabe & Ito (2008), "Color Universal Design", in the order series take
 * them; black is left out (error bars and text are near-black). The
 * baseline environment always takes the first, blue. */
extern const unsigned chart_palette[];
extern const size_t chart_palette_n;

/* Geometry, in logical units. */
#define MIN_W 800.0
#define MIN_H 450.0
#define PAD 16.0
#define MIN_PLOT_H 250.0
#define MIN_BAR_W 13.0    /* fits a vertical value label */
#define MAX_BAR_W 56.0
#define BAR_FILL 0.78     /* share of a group the bars take */
#define ROT_ANGLE 50.0    /* degrees, rotated model names */
#define ROT_MAX_W 280.0   /* longest rotated model name before ellipsis */
#define WRAP_LINES 3      /* lines of a wrapped model name */
#define LEGEND_MAX_W 260.0
#define SWATCH 12.0

typedef enum { F_TITLE, F_SUBTITLE, F_AXIS, F_TICK, F_GROUP, F_VALUE, F_LEGEND, F_COUNT } font_id;

/* Marker shapes, one per environment in the trial charts. */
typedef enum {
  MARK_NONE, /* legend: a square swatch */
  MARK_CIRCLE, MARK_SQUARE, MARK_TRIANGLE, MARK_DIAMOND, MARK_TRIANGLE_DOWN, MARK_HEXAGON,
} mark_shape;
#define MARK_SHAPES 6 /* MARK_CIRCLE .. MARK_HEXAGON */

typedef struct {
  bool present;
  double v, lo, hi; /* value and its interval (NAN = none), display units */
  bool marked;      /* difference not significant: hatched, "~" */
  char label[48];
} bar;

typedef struct {
  char *label;      /* legend text */
  unsigned color;
  double ref;       /* dashed reference line (mean penalty), NAN = none */
  char ref_label[48];
  double ref_label_y; /* laid out: top of the reference label */
} series;

typedef struct {
  char *text;       /* owned */
  bool hatched;     /* the "not significant" key */
  mark_shape shape; /* MARK_NONE: a square swatch, else this marker */
  bool hollow;      /* the marker outlined (an environment's key) */
  bool newline;     /* starts a new legend row */
  double max_w;     /* text width before ellipsis; 0 = LEGEND_MAX_W */
  unsigned color;
  double x, y;      /* laid out: swatch top left */
} legend_item;

struct chart_points; /* render/chart_points.c */

struct pt_chart {
  pt_chart_kind kind;
  char *title, *subtitle, *ytitle, *xtitle;
  char *alt;         /* alt text, owned */
  size_t ng, ns, nlegend;
  char **groups;     /* model names, bounded (chart_label_dup) */
  series *series;    /* bars only */
  bar *bars;         /* ng * ns, group major; bars only */
  legend_item *legend;
  struct chart_points *pts; /* distribution and timeline; NULL for bars */

  /* layout */
  double w, h;
  pt_chart_rect plot;
  double ymin, ymax, ystep;
  int ydecimals;
  double gw, bw;        /* group width, bar (or band) width */
  enum { G_WORDS, G_CUT, G_ROTATE } group_mode; /* how model names are set:
                           wrapped at word boundaries (at most 2 lines),
                           wrapped anywhere and ellipsized, or rotated */
  bool vertical_values; /* value labels rotated 90 degrees */
  double value_extent;  /* length of the longest value label along its axis */
  double title_y, subtitle_y, subtitle_h, xtitle_y, ytitle_x;
  double right_labels_x; /* x of the reference labels */
};

/* --- Text ---------------------------------------------------------------- */

typedef struct {
  PangoContext *pc;
  PangoFontDescription *fd[F_COUNT];
  PangoAttrList *attrs; /* no hyphen where a word is broken */
} textkit;

typedef struct {
  double width;          /* <= 0: unbounded */
  int lines;             /* > 1: wrap to at most this many lines; 0: wrap at
                            word boundaries only, as many lines as needed */
  PangoEllipsizeMode ellipsize;
  PangoAlignment align;
} text_opts;

/* pc: a context to take over (unref'ed by chart_textkit_done). */
void chart_textkit_init(textkit *k, PangoContext *pc);
void chart_textkit_done(textkit *k);
/* A layout of s (literal text, never markup). Caller unrefs. */
PangoLayout *chart_text(const textkit *k, font_id f, const char *s, text_opts o);
void chart_text_size(PangoLayout *l, double *w, double *h);
text_opts chart_plain(void);
text_opts chart_bounded(double width, int lines, PangoEllipsizeMode e, PangoAlignment a);
void chart_measure(const textkit *k, font_id f, const char *s, text_opts o, double *w,
                   double *h);
double chart_line_height(const textkit *k, font_id f);
void chart_show(cairo_t *cr, PangoLayout *l, double x, double y);
/* Text with a white halo, so it stays readable over lines and marks. */
void chart_show_halo(cairo_t *cr, PangoLayout *l, double x, double y, unsigned color);
void chart_draw_text(cairo_t *cr, const textkit *k, font_id f, const char *s, text_opts o,
                     double x, double y, unsigned color);

/* --- Strings ------------------------------------------------------------- */

/* A copy of s (NULL = "") of at most PT_CHART_LABEL_MAX characters (see
 * chart.h). NULL when out of memory. */
char *chart_label_dup(const char *s);
char *chart_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Append "a, b and c" to b (past four items: "a, b, c and 5 more"). */
pt_code chart_join(pt_buf *b, const char *const *items, size_t n);
/* Set err (code, message, field); returns code. */
pt_code chart_field_error(pt_error *err, pt_code code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* --- Numbers, colours ---------------------------------------------------- */

/* Value shown for a unit: durations in ns are shown in a readable unit. */
typedef struct {
  double div;
  const char *unit;
} display_unit;

display_unit chart_pick_unit(const char *unit, double maxv);
int chart_decimals(double step);
void chart_rgb(cairo_t *cr, unsigned c);
/* c moved towards with by t (0..1), per channel. */
unsigned chart_mix(unsigned c, unsigned with, double t);
/* v rounded to the 1/8 grid (a quarter of a PNG pixel; short numbers in SVG
 * and PDF). */
double chart_snap(double v);
/* A marker of shape centred on (x, y), of the area of a circle of radius r,
 * added to the current path. */
void chart_mark_path(cairo_t *cr, mark_shape shape, double x, double y, double r);

/* --- The common layout: one y axis over c->plot, model names under it ---- */

double chart_ymap(const pt_chart *c, double v);
int chart_tick_count(const pt_chart *c);
void chart_tick_text(const pt_chart *c, double v, char *buf, size_t n);
double chart_tick_max_width(const pt_chart *c, const textkit *k);
/* Lay the legend out from y (rows wrap at the canvas width); returns its
 * height. */
double chart_layout_legend(pt_chart *c, const textkit *k, double y);
/* Height of the model-name block for groups c->gw wide; decides wrap or
 * rotate. *left_need: how far the first rotated name reaches left of its
 * group centre. */
double chart_layout_groups(pt_chart *c, const textkit *k, double *left_need);
/* Title, subtitle and legend from the top; returns the y below them. */
double chart_layout_top(pt_chart *c, const textkit *k);
void chart_draw_axes(const pt_chart *c, cairo_t *cr, const textkit *k);
void chart_draw_group_labels(const pt_chart *c, cairo_t *cr, const textkit *k);
void chart_draw_legend(const pt_chart *c, cairo_t *cr, const textkit *k);
/* Background, title and subtitle. */
void chart_draw_top(const pt_chart *c, cairo_t *cr, const textkit *k);

/* Write c in every format of the mask to "<stem>.<ext>"; stops at the first
 * failure. */
pt_code chart_save_formats(const pt_chart *c, unsigned formats, const char *stem, pt_error *err);

/* --- render/chart_points.c ---------------------------------------------- */

void chart_points_free(struct chart_points *p);
void chart_points_draw(const pt_chart *c, cairo_t *cr, const textkit *k);

#endif
