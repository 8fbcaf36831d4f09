/* render/chart.h - the charts of a report, drawn with cairo, text laid out
 * with pangocairo.
 *
 * Two charts are drawn from an analysis document (docs/analysis-json.md):
 *   throughput  the metric per model, environments side by side (grouped
 *               bars), error bars = CI of the mean when n >= 2, value labels;
 *   penalty     the penalty % of each compared environment per model, with its
 *               CI when known, a zero line, a dashed line at the mean penalty,
 *               and bars whose difference is not significant hatched and
 *               marked "~" (as benchstat marks noise).
 * Two more are drawn from every trial (pt_chart_points, below), since
 * analysis.json carries no trial-level data:
 *   distribution  one small panel per model, a band per environment in it:
 *               every trial a point, the band's median a line; within a
 *               band the sessions sit side by side in time order, jittered
 *               deterministically, coloured by session;
 *   timeline    one small panel per model: the metric against the position
 *               in the session (seq), one line per session, so drift and
 *               slow first trials show.
 * In both each panel has its own y scale (models differ fivefold in rate;
 * the spread within one model is what these charts are for).
 * Each is written as PNG (drawn at 2x device scale), SVG or PDF (logical size,
 * in px / pt). The baseline environment is always the first palette colour
 * (Okabe-Ito blue); the other environments take the next colours in order.
 * In the trial charts an environment has its colour as a hue family and a
 * marker shape; its sessions take shades of that hue, light (first) to dark
 * (last), and are listed in the legend.
 * Every chart has an alt text (pt_chart_alt_text) for the report's images.
 *
 * Use: pt_chart_write() for one file, pt_chart_write_formats() for several
 * formats of one chart (the layout is computed once). A pt_chart can also be
 * built, rendered to memory and inspected (its layout is exposed for tests).
 * The analysis document stays the caller's; a pt_chart copies what it needs.
 * Files are written atomically (core/fs.h); a failure names the path.
 */
#ifndef PT_CHART_H
#define PT_CHART_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

typedef enum { PT_CHART_PNG = 1, PT_CHART_SVG = 2, PT_CHART_PDF = 4 } pt_chart_format;
#define PT_CHART_ALL_FORMATS (PT_CHART_PNG | PT_CHART_SVG | PT_CHART_PDF)

typedef enum {
  PT_CHART_THROUGHPUT, PT_CHART_PENALTY,    /* from an analysis document */
  PT_CHART_DISTRIBUTION, PT_CHART_TIMELINE  /* from trials (pt_chart_points) */
} pt_chart_kind;
/* The kinds pt_chart_new draws, 0 .. PT_CHART_KIND_COUNT - 1 (loops over the
 * charts of an analysis use it). */
#define PT_CHART_KIND_COUNT 2
/* Every kind, the trial charts included. */
#define PT_CHART_KIND_ALL 4

/* "throughput", "penalty", "distribution" or "timeline" (also the usual file
 * stem); "?" if unknown. */
const char *pt_chart_kind_name(pt_chart_kind kind);
/* Parse a kind name. PT_EUSAGE naming the valid ones when unknown. */
pt_code pt_chart_kind_parse(const char *name, pt_chart_kind *kind, pt_error *err);

/* File extension of one format, without the dot ("png"); "?" if unknown. */
const char *pt_chart_format_ext(pt_chart_format fmt);
/* Parse a comma-separated list ("png,svg,pdf", case-insensitive, spaces
 * allowed) into a mask of pt_chart_format bits. An empty list, an empty item
 * or an unknown name fails with PT_EUSAGE quoting it. */
pt_code pt_chart_formats_parse(const char *list, unsigned *mask, pt_error *err);

/* True when the analysis has something to draw for kind: a model with a
 * group (throughput) or with a comparison (penalty). */
bool pt_chart_applies(const cJSON *analysis, pt_chart_kind kind);

/* Every name and label a chart draws (model and environment names, the
 * metric label) is cut to this many characters, on a UTF-8 character
 * boundary and with invalid bytes replaced by U+FFFD, before any text
 * layout; a cut one ends in "\u2026". Pango then ellipsizes it to its room
 * as usual, so absurd lengths cost bounded time and memory. */
#define PT_CHART_LABEL_MAX 256

/* A chart laid out and ready to render; opaque. */
typedef struct pt_chart pt_chart;

/* Build and lay out a chart. Returns NULL with err set: PT_ESCHEMA for a
 * document of another schema, PT_EDATA (field named) for a malformed one or
 * when there is nothing to draw, PT_ENOMEM. Free with pt_chart_free(). */
pt_chart *pt_chart_new(const cJSON *analysis, pt_chart_kind kind, pt_error *err);
void pt_chart_free(pt_chart *chart);

/* Render into out (appended). PT_EUSAGE for a bad format, PT_EINTERNAL when
 * cairo fails, PT_ENOMEM/PT_ETOOBIG from the buffer. */
pt_code pt_chart_render(const pt_chart *chart, pt_chart_format fmt, pt_buf *out,
                        pt_error *err);
/* Render and write to path atomically; on failure err names path. */
pt_code pt_chart_save(const pt_chart *chart, pt_chart_format fmt, const char *path,
                      pt_error *err);

/* Render and write chart in every format of the mask, to "<stem>.<ext>"
 * each; stops at the first failure (err names its path). A chart may be
 * rendered by several threads at once: rendering reads it only. */
pt_code pt_chart_save_formats(const pt_chart *chart, unsigned formats, const char *stem,
                              pt_error *err);

/* Build, render and write one chart in one format to path. */
pt_code pt_chart_write(const cJSON *analysis, pt_chart_kind kind, pt_chart_format fmt,
                       const char *path, pt_error *err);
/* Write one chart in every format of the mask, to "<stem>.<ext>" each
 * (e.g. stem "out/throughput" gives out/throughput.png). Stops at the first
 * failure. */
pt_code pt_chart_write_formats(const cJSON *analysis, pt_chart_kind kind,
                               unsigned formats, const char *stem, pt_error *err);

/* --- Layout inspection (tests, callers that embed the image) ------------- */

typedef struct pt_chart_rect {
  double x, y, w, h; /* logical units, origin top left, y down */
} pt_chart_rect;

/* Logical size; a PNG is twice as many pixels each way. */
void pt_chart_size(const pt_chart *chart, double *width, double *height);
/* The plot area (inside the axes); for the timeline, the grid of panels. */
pt_chart_rect pt_chart_plot_rect(const pt_chart *chart);
/* Number of groups (models, in every kind) and bar series (environments for
 * throughput, compared environments for penalty, 0 for the trial charts). */
size_t pt_chart_groups(const pt_chart *chart);
size_t pt_chart_series(const pt_chart *chart);
/* The rectangle of one bar; false when that bar is absent (no data). */
bool pt_chart_bar_rect(const pt_chart *chart, size_t group, size_t series,
                       pt_chart_rect *rect);
/* The model name of a group as the chart lays it out: at most
 * PT_CHART_LABEL_MAX characters (see above); NULL when group is out of range. */
const char *pt_chart_group_label(const pt_chart *chart, size_t group);
/* Length in bytes of the longest text the chart lays out (titles, legend,
 * model names): bounded whatever the input, see PT_CHART_LABEL_MAX. */
size_t pt_chart_text_max(const pt_chart *chart);
/* Fill colour of a series as 0xRRGGBB. */
unsigned pt_chart_series_color(const pt_chart *chart, size_t series);

/* The alt text of a chart: one or two sentences saying what it shows (kind,
 * metric, models, environments, sessions, the range of values), for the
 * alt attribute of its image. Owned by the chart; never NULL. */
const char *pt_chart_alt_text(const pt_chart *chart);

/* --- Charts of every trial: distribution and timeline ------------------- */

/* Input of the trial charts, built by the caller (e.g. from trials.csv rows).
 * Everything is borrowed for the duration of pt_chart_points_new() only:
 * the chart copies what it needs (labels bounded as above), so the caller
 * may free its arrays right after. */
typedef struct pt_chart_env {
  const char *name;    /* e.g. "vm" */
  const char *label;   /* display label; NULL or "" = name */
  bool baseline;       /* the baseline (blue); none flagged = the first */
} pt_chart_env;

typedef struct pt_chart_session {
  size_t env;          /* index into envs */
  const char *label;   /* legend text, short ("1", "2", a date); NULL or ""
                          = its ordinal within its environment */
} pt_chart_session;

typedef struct pt_chart_point {
  size_t model;        /* index into models */
  size_t session;      /* index into sessions (which gives the environment) */
  long seq;            /* position in the session (trials.csv `seq`) */
  double value;        /* in the metric's unit; NaN or infinite = skipped */
} pt_chart_point;

typedef struct pt_chart_points {
  const char *metric_label;  /* "Generation rate"; NULL = "Value" */
  const char *unit;          /* "tokens/s"; "ns" is shown as s, ms or µs */
  bool higher_is_better;
  const pt_chart_env *envs;  /* display order; the baseline is blue wherever */
  size_t nenv;
  const char *const *models; /* model names, display order */
  size_t nmodel;
  const pt_chart_session *sessions; /* per environment in time order: the
                                       shade goes light to dark */
  size_t nsession;
  const pt_chart_point *points;
  size_t npoint;
} pt_chart_points;

/* Build and lay out a distribution or timeline chart. NULL with err set:
 * PT_EUSAGE for another kind, PT_EDATA naming the field ("points[7].model",
 * "sessions[2].env", "envs[0].name", "models[1]") for an index out of range or
 * a missing name, or when no point has a finite value; PT_ENOMEM. */
pt_chart *pt_chart_points_new(const pt_chart_points *in, pt_chart_kind kind, pt_error *err);
/* Like pt_chart_write_formats, for a trial chart. */
pt_code pt_chart_points_write_formats(const pt_chart_points *in, pt_chart_kind kind,
                                      unsigned formats, const char *stem, pt_error *err);

/* Inspection of a trial chart (false / 0 for the other kinds). */
/* Points drawn (finite values) and points skipped (NaN or infinite). */
size_t pt_chart_points_drawn(const pt_chart *chart);
size_t pt_chart_points_skipped(const pt_chart *chart);
/* Centre of input point i as drawn; false when it was skipped. */
bool pt_chart_point_pos(const pt_chart *chart, size_t i, double *x, double *y);
/* Distribution: the band of (model, env) (index into the input's envs); the
 * x range of its points and the full plot height. Timeline: the plot area of
 * the model's panel (env ignored). */
bool pt_chart_band_rect(const pt_chart *chart, size_t model, size_t env, pt_chart_rect *rect);
/* Distribution: the median of (model, env) in the metric's unit, and the y
 * of its line; false when the band is empty. */
bool pt_chart_median(const pt_chart *chart, size_t model, size_t env, double *value, double *y);
/* Colour of a session's points and line as 0xRRGGBB; 0 when out of range. */
unsigned pt_chart_session_color(const pt_chart *chart, size_t session);

/* Nice axis ticks over [lo, hi]: steps of 1, 2 or 5 times a power of ten,
 * about target intervals; *min <= lo and *max >= hi are multiples of *step.
 * lo == hi gets a non-empty range. */
void pt_chart_nice_scale(double lo, double hi, int target, double *min, double *max,
                         double *step);

#endif
