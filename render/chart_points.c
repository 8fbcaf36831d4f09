/* render/chart_points.c - the distribution and timeline charts, drawn from
 * every trial (render/chart.h: pt_chart_points).
 *
 * Three stages, as the bar charts. build: check the input, copy the labels
 * (bounded), give each environment a hue (the palette, baseline blue) and a
 * marker shape, each session a shade of its environment's hue (light = first
 * in time, dark = last), convert the values to the display unit, order the
 * points for drawing (by session for the distribution: one path per colour;
 * by model, session and seq for the timeline: one line per session and
 * model), and take each band's median (STATS.md item 4, pt_quantile_sorted).
 * layout: a grid of panels, one per model, each with its own y axis (models
 * differ fivefold in rate; the spread within one is what these charts
 * show): in the distribution a band per environment in each panel, in the
 * timeline the same seq axis in each.
 * draw: on any cairo surface, as chart.c's draw() calls it.
 *
 * Within a band, a session's points take a slot of the band (sessions left
 * to right in time order) and are jittered inside it by a hash of the point,
 * so the picture is the same on every run and a session is told apart by
 * place as well as by shade: with 20 sessions the shades alone would not do.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/stats.h"
#include "render/chart.h"
#include "render/chart_internal.h"

#define MIN_BAND_W 18.0   /* narrowest environment band */
#define MAX_BAND_W 130.0
#define BAND_PAD 0.06     /* share of a band left empty at each side */
#define PANEL_MIN_W 230.0 /* least plot width of a panel */
#define PANEL_H 150.0     /* plot height of a timeline panel (several rows) */
#define PANEL_H_ONE 300.0 /* ... when there is a single row */
#define SESSION_LEGEND_W 110.0 /* session label width before ellipsis */
#define LEGEND_SESSIONS 24 /* sessions listed per environment before a cut */
#define MARKERS_MAX 400   /* timeline: markers on the lines up to this many
                             points in a panel */

typedef struct {
  size_t model, env, session;
  long seq;
  double v;        /* display unit; NAN = skipped */
  double jitter;   /* in [-0.5, 0.5), from a hash of the point */
  double x, y;     /* laid out: centre */
} ppoint;

typedef struct {
  char *label;     /* bounded */
  bool baseline;
  unsigned color;
  mark_shape shape;
  size_t nsess;    /* its sessions */
} penv;

typedef struct {
  size_t env, rank; /* rank: place among its environment's sessions */
  char *label;      /* bounded */
  unsigned color;
} psess;

typedef struct {
  pt_chart_rect r; /* plot area */
  double ymin, ymax, ystep;
  int ydec;
  size_t n;        /* points drawn in it */
} panel;

struct chart_points {
  size_t nmodel, nenv, nsess, np, ndrawn;
  penv *envs;
  psess *sess;
  ppoint *pts;      /* input order */
  size_t *order;    /* drawn points, in drawing order */
  double *median;   /* nmodel * nenv, NAN = empty band */
  size_t *band_n;   /* nmodel * nenv: points in the band */
  size_t band_max;  /* most points in one band */
  display_unit du;
  double radius, alpha; /* markers */
  /* timeline */
  long seq_min, seq_max;
  size_t cols, rows;
  panel *panels;    /* nmodel */
  double xmin, xmax, xstep;
  double tick_w;    /* widest y tick label of any panel */
  bool markers;
};

void chart_points_free(struct chart_points *p) {
  if (!p)
    return;
  for (size_t i = 0; p->envs && i < p->nenv; i++)
    free(p->envs[i].label);
  for (size_t i = 0; p->sess && i < p->nsess; i++)
    free(p->sess[i].label);
  free(p->envs);
  free(p->sess);
  free(p->pts);
  free(p->order);
  free(p->median);
  free(p->band_n);
  free(p->panels);
  free(p);
}

/* ------------------------------------------------------------------------ */
/* Build */

/* splitmix64 (Steele, Lea, Flood 2014): a well-mixed hash of a counter. */
static uint64_t mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15u;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

/* Session shade: rank 0 of n light, n - 1 dark, the hue itself in the
 * middle; one session has the hue. Yellow is not lightened (it would fade
 * into the white background). */
static unsigned shade(unsigned hue, size_t rank, size_t n) {
  if (n < 2)
    return hue;
  double t = (double)rank / (double)(n - 1); /* 0 .. 1 */
  double light = hue == 0xF0E442 ? 0.0 : 0.5, dark = hue == 0xF0E442 ? 0.55 : 0.5;
  if (t < 0.5)
    return chart_mix(hue, 0xFFFFFF, light * (1 - 2 * t));
  return chart_mix(hue, 0x000000, dark * (2 * t - 1));
}

static pt_code nomem(pt_error *err) { return pt_error_set(err, PT_ENOMEM, "out of memory"); }

static pt_code check_input(const pt_chart_points *in, pt_error *err) {
  if (!in->nenv || !in->envs)
    return chart_field_error(err, PT_EDATA, "envs", "%s", "no environment to chart");
  if (!in->nmodel || !in->models)
    return chart_field_error(err, PT_EDATA, "models", "%s", "no model to chart");
  if (in->npoint && !in->points)
    return chart_field_error(err, PT_EDATA, "points", "%s", "'points' is NULL");
  if (in->nsession && !in->sessions)
    return chart_field_error(err, PT_EDATA, "sessions", "%s", "'sessions' is NULL");
  char f[64];
  for (size_t i = 0; i < in->nenv; i++)
    if (!in->envs[i].name) {
      snprintf(f, sizeof f, "envs[%zu].name", i);
      return chart_field_error(err, PT_EDATA, f, "'%s' is missing", f);
    }
  for (size_t i = 0; i < in->nmodel; i++)
    if (!in->models[i]) {
      snprintf(f, sizeof f, "models[%zu]", i);
      return chart_field_error(err, PT_EDATA, f, "'%s' is missing", f);
    }
  for (size_t i = 0; i < in->nsession; i++)
    if (in->sessions[i].env >= in->nenv) {
      snprintf(f, sizeof f, "sessions[%zu].env", i);
      return chart_field_error(err, PT_EDATA, f, "'%s' is %zu, past the %zu environments", f,
                               in->sessions[i].env, in->nenv);
    }
  for (size_t i = 0; i < in->npoint; i++) {
    const pt_chart_point *p = &in->points[i];
    if (p->model >= in->nmodel) {
      snprintf(f, sizeof f, "points[%zu].model", i);
      return chart_field_error(err, PT_EDATA, f, "'%s' is %zu, past the %zu models", f,
                               p->model, in->nmodel);
    }
    if (p->session >= in->nsession) {
      snprintf(f, sizeof f, "points[%zu].session", i);
      return chart_field_error(err, PT_EDATA, f, "'%s' is %zu, past the %zu sessions", f,
                               p->session, in->nsession);
    }
  }
  return PT_OK;
}

/* Environments: bounded labels, hue (baseline blue, the others the next
 * palette colours in order), marker shape (in order). */
static pt_code build_envs(struct chart_points *p, const pt_chart_points *in) {
  size_t base = 0;
  for (size_t i = 0; i < in->nenv; i++)
    if (in->envs[i].baseline) {
      base = i;
      break;
    }
  size_t k = 0;
  for (size_t i = 0; i < in->nenv; i++) {
    penv *e = &p->envs[i];
    const char *l = in->envs[i].label && *in->envs[i].label ? in->envs[i].label
                                                              : in->envs[i].name;
    if (!(e->label = chart_label_dup(l)))
      return PT_ENOMEM;
    e->baseline = i == base;
    e->color = i == base ? chart_palette[0] : chart_palette[1 + k++ % (chart_palette_n - 1)];
    e->shape = (mark_shape)(MARK_CIRCLE + i % MARK_SHAPES);
  }
  for (size_t i = 0; i < in->nsession; i++) {
    psess *s = &p->sess[i];
    s->env = in->sessions[i].env;
    s->rank = p->envs[s->env].nsess++;
  }
  for (size_t i = 0; i < in->nsession; i++) {
    psess *s = &p->sess[i];
    const char *l = in->sessions[i].label;
    s->label = l && *l ? chart_label_dup(l) : chart_printf("%zu", s->rank + 1);
    if (!s->label)
      return PT_ENOMEM;
    s->color = shade(p->envs[s->env].color, s->rank, p->envs[s->env].nsess);
  }
  return PT_OK;
}

typedef struct {
  size_t a, b;  /* sort keys, most significant first */
  long c;
  double v;
  size_t i;     /* point index: last key, so the order is total */
} sort_key;

static int key_cmp(const void *x, const void *y) {
  const sort_key *p = x, *q = y;
  if (p->a != q->a)
    return p->a < q->a ? -1 : 1;
  if (p->b != q->b)
    return p->b < q->b ? -1 : 1;
  if (p->c != q->c)
    return p->c < q->c ? -1 : 1;
  if (p->v != q->v)
    return p->v < q->v ? -1 : 1;
  return p->i < q->i ? -1 : p->i > q->i;
}

/* Points in display units; the drawing order; medians per band. */
static pt_code build_points(pt_chart *c, struct chart_points *p, const pt_chart_points *in) {
  double vmax = 0;
  for (size_t i = 0; i < in->npoint; i++)
    if (isfinite(in->points[i].value))
      vmax = fmax(vmax, fabs(in->points[i].value));
  p->du = chart_pick_unit(in->unit, vmax);
  p->seq_min = 0;
  p->seq_max = 0;
  for (size_t i = 0; i < in->npoint; i++) {
    const pt_chart_point *q = &in->points[i];
    ppoint *pp = &p->pts[i];
    pp->model = q->model;
    pp->session = q->session;
    pp->env = in->sessions[q->session].env;
    pp->seq = q->seq;
    pp->v = isfinite(q->value) ? q->value / p->du.div : NAN;
    if (!isfinite(pp->v)) { /* a finite value past the range of a double */
      pp->v = NAN;
      continue;
    }
    uint64_t h = mix64((uint64_t)i ^ mix64((uint64_t)q->seq ^ ((uint64_t)q->session << 40)));
    pp->jitter = (double)(h >> 11) / 9007199254740992.0 - 0.5; /* 53 bits -> [0, 1) */
    if (!p->ndrawn || q->seq < p->seq_min)
      p->seq_min = q->seq;
    if (!p->ndrawn || q->seq > p->seq_max)
      p->seq_max = q->seq;
    p->ndrawn++;
  }
  if (!p->ndrawn)
    return PT_EDATA;

  sort_key *keys = malloc(p->ndrawn * sizeof *keys);
  double *vals = malloc(p->ndrawn * sizeof *vals);
  if (!keys || !vals) {
    free(keys);
    free(vals);
    return PT_ENOMEM;
  }
  /* Medians: by band, then value. */
  size_t n = 0;
  for (size_t i = 0; i < in->npoint; i++)
    if (!isnan(p->pts[i].v))
      keys[n++] = (sort_key){p->pts[i].model * p->nenv + p->pts[i].env, 0, 0, p->pts[i].v, i};
  qsort(keys, n, sizeof *keys, key_cmp);
  for (size_t b = 0; b < p->nmodel * p->nenv; b++)
    p->median[b] = NAN;
  for (size_t i = 0; i < n;) {
    size_t j = i, band = keys[i].a;
    while (j < n && keys[j].a == band) {
      vals[j - i] = keys[j].v;
      j++;
    }
    p->median[band] = pt_quantile_sorted(vals, j - i, 0.5);
    p->band_n[band] = j - i;
    p->band_max = j - i > p->band_max ? j - i : p->band_max;
    i = j;
  }
  /* Drawing order: the distribution by session (one fill per colour), the
   * timeline by model, session, seq (one line per session in a panel). */
  n = 0;
  for (size_t i = 0; i < in->npoint; i++) {
    const ppoint *q = &p->pts[i];
    if (isnan(q->v))
      continue;
    keys[n++] = c->kind == PT_CHART_DISTRIBUTION ? (sort_key){q->session, 0, 0, 0, i}
                                                 : (sort_key){q->model, q->session, q->seq, 0, i};
  }
  qsort(keys, n, sizeof *keys, key_cmp);
  for (size_t i = 0; i < n; i++)
    p->order[i] = keys[i].i;
  free(keys);
  free(vals);
  return PT_OK;
}

static pt_code build_texts(pt_chart *c, const struct chart_points *p, const pt_chart_points *in,
                           const char *label) {
  const char *unit = p->du.unit && *p->du.unit ? p->du.unit : NULL;
  char *unit_b = unit ? chart_label_dup(unit) : NULL;
  if (unit && !unit_b)
    return PT_ENOMEM;
  const char *better = in->higher_is_better ? "higher is better" : "lower is better";
  char skipped[64] = "";
  size_t nskip = p->np - p->ndrawn;
  if (nskip)
    snprintf(skipped, sizeof skipped, "; %zu without a value left out", nskip);
  c->ytitle = unit_b ? chart_printf("%s (%s)", label, unit_b) : chart_printf("%s", label);
  if (c->kind == PT_CHART_DISTRIBUTION) {
    c->title = chart_printf("%s of every trial", label);
    c->subtitle = chart_printf(
        "%s, %s. Every trial a point (n" NBSP "=" NBSP "%zu%s); one panel per model, each with "
        "its own y scale; in each environment the sessions from left to right in time order, "
        "shaded light to dark. Line: median.",
        c->ytitle ? c->ytitle : "", better, p->ndrawn, skipped);
    c->xtitle = chart_printf("Environment, and in each its sessions in time order");
  } else {
    c->title = chart_printf("%s over each session, by model", label);
    c->subtitle = chart_printf(
        "%s, %s, against the trial's position in its session; one line per session, shaded "
        "light (first) to dark (last); each panel has its own y scale (n" NBSP "=" NBSP "%zu%s).",
        c->ytitle ? c->ytitle : "", better, p->ndrawn, skipped);
    c->xtitle = chart_printf("Position in the session (seq)");
  }

  /* Alt text. */
  pt_buf b = PT_BUF_INIT;
  const char **envl = malloc(p->nenv * sizeof *envl);
  char *base_text = NULL; /* "<label> (baseline)" */
  pt_code rc = envl ? PT_OK : PT_ENOMEM;
  for (size_t i = 0; !rc && i < p->nenv; i++) {
    envl[i] = p->envs[i].label;
    if (p->envs[i].baseline && p->nenv > 1) {
      base_text = chart_printf("%s (baseline)", p->envs[i].label);
      rc = base_text ? PT_OK : PT_ENOMEM;
      envl[i] = base_text;
    }
  }
  size_t nsess = 0;
  for (size_t i = 0; i < p->nenv; i++)
    nsess += p->envs[i].nsess;
  const char *ss = nsess == 1 ? "" : "s", *ms = p->nmodel == 1 ? "" : "s",
             *es = p->nenv == 1 ? "" : "s";
  if (!rc && c->kind == PT_CHART_DISTRIBUTION)
    rc = pt_buf_printf(&b, "%s of every trial (%zu trial%s), %zu model%s \xc3\x97 %zu "
                           "environment%s (", label, p->ndrawn, p->ndrawn == 1 ? "" : "s",
                       p->nmodel, ms, p->nenv, es);
  else if (!rc)
    rc = pt_buf_printf(&b, "%s against the position in the session, one line per session, one "
                           "panel per model: %zu model%s, %zu environment%s (", label, p->nmodel,
                       ms, p->nenv, es);
  if (!rc)
    rc = chart_join(&b, envl, p->nenv);
  if (!rc)
    rc = pt_buf_printf(&b, "), %zu session%s%s.", nsess, ss,
                       c->kind == PT_CHART_DISTRIBUTION ? "; medians marked" : "");
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < p->np; i++)
    if (!isnan(p->pts[i].v)) {
      lo = fmin(lo, p->pts[i].v);
      hi = fmax(hi, p->pts[i].v);
    }
  const char *sp = unit ? " " : "";
  if (!rc)
    rc = lo == hi ? pt_buf_printf(&b, " Every value %.4g%s%s.", lo, sp, unit_b ? unit_b : "")
                  : pt_buf_printf(&b, " Values from %.4g to %.4g%s%s.", lo, hi, sp,
                                  unit_b ? unit_b : "");
  if (!rc && nskip)
    rc = pt_buf_printf(&b, " %zu trial%s without a value left out.", nskip, nskip == 1 ? "" : "s");
  if (!rc && !(c->alt = pt_buf_detach(&b, NULL)))
    rc = PT_ENOMEM;
  pt_buf_free(&b);
  free(envl);
  free(base_text);
  free(unit_b);
  if (!rc && !(c->title && c->subtitle && c->ytitle && c->xtitle))
    rc = PT_ENOMEM;
  return rc;
}

/* Per environment: its key (outlined marker, label) on a new row, then one
 * item per session (past LEGEND_SESSIONS: the first and the last ones and a
 * count between). */
static pt_code build_legend(pt_chart *c, const struct chart_points *p) {
  c->legend = calloc(p->nenv + p->nsess + p->nenv, sizeof *c->legend);
  if (!c->legend)
    return PT_ENOMEM;
  for (size_t e = 0; e < p->nenv; e++) {
    const penv *pe = &p->envs[e];
    legend_item *li = &c->legend[c->nlegend++];
    li->text = chart_printf("%s%s:", pe->label, pe->baseline ? " (baseline)" : "");
    li->shape = pe->shape;
    li->hollow = true;
    li->newline = true;
    li->color = pe->color;
    if (!li->text)
      return PT_ENOMEM;
    size_t head = pe->nsess > LEGEND_SESSIONS ? LEGEND_SESSIONS / 2 : pe->nsess;
    size_t tail_from = pe->nsess > LEGEND_SESSIONS ? pe->nsess - (LEGEND_SESSIONS / 2 - 1) : pe->nsess;
    for (size_t s = 0; s < p->nsess; s++) {
      const psess *ps = &p->sess[s];
      if (ps->env != e || (ps->rank >= head && ps->rank < tail_from)) {
        if (ps->env == e && ps->rank == head) {
          li = &c->legend[c->nlegend++];
          li->text = chart_printf("\xe2\x80\xa6 %zu more \xe2\x80\xa6", tail_from - head);
          li->shape = MARK_NONE;
          li->color = 0xFFFFFF; /* no swatch */
          if (!li->text)
            return PT_ENOMEM;
        }
        continue;
      }
      li = &c->legend[c->nlegend++];
      li->text = strdup(ps->label);
      li->shape = pe->shape;
      li->color = ps->color;
      li->max_w = SESSION_LEGEND_W;
      if (!li->text)
        return PT_ENOMEM;
    }
  }
  return PT_OK;
}

static pt_code build(pt_chart *c, const pt_chart_points *in, pt_error *err) {
  pt_code rc = check_input(in, err);
  if (rc)
    return rc;
  struct chart_points *p = calloc(1, sizeof *p);
  if (!p)
    return nomem(err);
  c->pts = p;
  p->nmodel = in->nmodel;
  p->nenv = in->nenv;
  p->nsess = in->nsession;
  p->np = in->npoint;
  size_t nband = in->nmodel * in->nenv;
  if (nband / in->nenv != in->nmodel)
    return nomem(err);
  p->envs = calloc(in->nenv, sizeof *p->envs);
  p->sess = calloc(in->nsession ? in->nsession : 1, sizeof *p->sess);
  p->pts = calloc(in->npoint ? in->npoint : 1, sizeof *p->pts);
  p->order = calloc(in->npoint ? in->npoint : 1, sizeof *p->order);
  p->median = calloc(nband, sizeof *p->median);
  p->band_n = calloc(nband, sizeof *p->band_n);
  p->panels = calloc(in->nmodel, sizeof *p->panels);
  c->ng = in->nmodel;
  c->groups = calloc(in->nmodel, sizeof *c->groups);
  if (!p->envs || !p->sess || !p->pts || !p->order || !p->median || !p->band_n || !p->panels ||
      !c->groups)
    return nomem(err);
  for (size_t m = 0; m < in->nmodel; m++)
    if (!(c->groups[m] = chart_label_dup(in->models[m])))
      return nomem(err);
  if ((rc = build_envs(p, in)))
    return nomem(err);
  rc = build_points(c, p, in);
  if (rc == PT_EDATA)
    return pt_error_set(err, PT_EDATA, "nothing to chart for '%s': no trial has a value",
                        pt_chart_kind_name(c->kind));
  if (rc)
    return nomem(err);
  char *label = chart_label_dup(in->metric_label ? in->metric_label : "Value");
  rc = label ? build_texts(c, p, in, label) : PT_ENOMEM;
  free(label);
  if (!rc)
    rc = build_legend(c, p);
  return rc ? nomem(err) : PT_OK;
}

/* ------------------------------------------------------------------------ */
/* Layout */

static void value_range(const struct chart_points *p, size_t model, bool all, double *lo,
                        double *hi) {
  *lo = INFINITY;
  *hi = -INFINITY;
  for (size_t i = 0; i < p->np; i++) {
    const ppoint *q = &p->pts[i];
    if (isnan(q->v) || (!all && q->model != model))
      continue;
    *lo = fmin(*lo, q->v);
    *hi = fmax(*hi, q->v);
  }
}

/* Marker size and opacity from the densest band: small and see-through when
 * hundreds of points share one. */
static void marker_style(struct chart_points *p, double slot_w) {
  size_t n = p->band_max;
  p->radius = n <= 30 ? 3.4 : n <= 120 ? 2.8 : n <= 400 ? 2.2 : 1.8;
  p->radius = fmax(1.4, fmin(p->radius, slot_w * 0.5));
  p->alpha = n <= 30 ? 0.9 : n <= 120 ? 0.75 : n <= 400 ? 0.6 : 0.45;
}

/* Left edge of the band of (model, env): the bands are centred in the
 * model's panel. */
static double band_x(const pt_chart *c, size_t model, size_t e) {
  const panel *pn = &c->pts->panels[model];
  return pn->r.x + pn->r.w / 2 - c->bw * (double)c->pts->nenv / 2 + c->bw * (double)e;
}

static double panel_ymap(const panel *pn, double v) {
  return pn->r.y + (pn->ymax - v) / (pn->ymax - pn->ymin) * pn->r.h;
}

static double panel_xmap(const struct chart_points *p, const panel *pn, double x) {
  return pn->r.x + (x - p->xmin) / (p->xmax - p->xmin) * pn->r.w;
}

static int panel_ticks(double min, double max, double step) {
  double n = round((max - min) / step);
  return n >= 0 && n <= 200 ? (int)n : 0;
}

static void panel_tick_text(const panel *pn, double v, char *buf, size_t n) {
  snprintf(buf, n, "%.*f", pn->ydec, fabs(v) < pn->ystep * 1e-6 ? 0 : v);
}

/* The grid both charts share: one panel per model (its name above, its own
 * y scale at its left, a line of labels below: environments or seq ticks),
 * the y title along the left edge, the x title under the grid. Models do not
 * share a y scale: a 1b and a 70b model differ fivefold in rate, and the
 * spread within each (a few %) is what these charts are for. */
static void layout_grid(pt_chart *c, const textkit *k, double panel_min_w) {
  struct chart_points *p = c->pts;
  size_t n = p->nmodel;
  p->cols = n <= 3 ? n : n == 4 ? 2 : n <= 6 ? 3 : 4;
  p->rows = (n + p->cols - 1) / p->cols;
  p->tick_w = 0;
  char t[64];
  for (size_t m = 0; m < n; m++) {
    panel *pn = &p->panels[m];
    double lo, hi;
    value_range(p, m, false, &lo, &hi);
    if (!(lo <= hi)) { /* no data: an axis all the same */
      lo = 0;
      hi = 1;
    }
    double pad = (hi - lo) * 0.03; /* no marker on the frame */
    lo = lo >= 0 && lo - pad < 0 ? 0 : lo - pad;
    hi += pad;
    pt_chart_nice_scale(lo, hi, p->rows == 1 ? 6 : 4, &pn->ymin, &pn->ymax, &pn->ystep);
    pn->ydec = chart_decimals(pn->ystep);
    for (int i = 0; i <= panel_ticks(pn->ymin, pn->ymax, pn->ystep); i++) {
      double w;
      panel_tick_text(pn, pn->ymin + pn->ystep * i, t, sizeof t);
      chart_measure(k, F_TICK, t, chart_plain(), &w, NULL);
      p->tick_w = fmax(p->tick_w, w);
    }
  }
  for (size_t i = 0; i < p->np; i++)
    if (!isnan(p->pts[i].v))
      p->panels[p->pts[i].model].n++;

  double lh_axis = chart_line_height(k, F_AXIS), lh_tick = chart_line_height(k, F_TICK),
         lh_title = chart_line_height(k, F_GROUP);
  double left = PAD + lh_axis + 8, right = PAD + 6, gap = 18;
  double cell_w_min = p->tick_w + 6 + panel_min_w + gap;
  c->w = ceil(fmax(MIN_W, left + right + (double)p->cols * cell_w_min - gap));
  double cell_w = (c->w - left - right + gap) / (double)p->cols;
  double pw = cell_w - gap - p->tick_w - 6;
  double top = chart_layout_top(c, k);
  double ph = p->rows == 1 ? PANEL_H_ONE : PANEL_H;
  double extra = lh_title + 4 + 4 + lh_tick + 12; /* a cell beside its plot */
  double bottom = lh_axis + 4 + PAD;
  c->h = ceil(fmax(MIN_H, top + (double)p->rows * (ph + extra) + bottom));
  ph = (c->h - top - bottom) / (double)p->rows - extra; /* spare height to the panels */
  double cell_h = ph + extra;
  for (size_t m = 0; m < n; m++) {
    size_t row = m / p->cols, col = m % p->cols;
    p->panels[m].r = (pt_chart_rect){left + (double)col * cell_w + p->tick_w + 6,
                                     top + (double)row * cell_h + lh_title + 4, pw, ph};
  }
  c->plot = (pt_chart_rect){left, top, c->w - left - right, (double)p->rows * cell_h};
  c->gw = pw;
  c->ytitle_x = PAD;
  c->xtitle_y = top + (double)p->rows * cell_h;
}

static void layout_distribution(pt_chart *c, const textkit *k) {
  struct chart_points *p = c->pts;
  layout_grid(c, k, fmax(PANEL_MIN_W, (double)p->nenv * MIN_BAND_W / BAR_FILL));
  c->bw = fmin(c->gw * BAR_FILL / (double)p->nenv, MAX_BAND_W);
  size_t most = 1;
  for (size_t e = 0; e < p->nenv; e++)
    most = p->envs[e].nsess > most ? p->envs[e].nsess : most;
  double inner = c->bw * (1 - 2 * BAND_PAD);
  marker_style(p, inner / (double)most);
  for (size_t i = 0; i < p->np; i++) {
    ppoint *q = &p->pts[i];
    if (isnan(q->v))
      continue;
    const psess *s = &p->sess[q->session];
    double slot = inner / (double)p->envs[q->env].nsess;
    /* the marker stays inside its slot; jitter spreads it over the rest */
    double spread = fmax(0, slot - 2 * p->radius);
    q->x = band_x(c, q->model, q->env) + c->bw * BAND_PAD + slot * ((double)s->rank + 0.5) +
           spread * q->jitter;
    q->y = panel_ymap(&p->panels[q->model], q->v);
  }
}

static void layout_timeline(pt_chart *c, const textkit *k) {
  struct chart_points *p = c->pts;
  pt_chart_nice_scale((double)p->seq_min, (double)p->seq_max, 6, &p->xmin, &p->xmax, &p->xstep);
  if (p->xstep < 1) { /* seq is a whole number */
    p->xstep = 1;
    p->xmin = floor(p->xmin);
    p->xmax = fmax(ceil(p->xmax), p->xmin + 1);
  }
  layout_grid(c, k, PANEL_MIN_W);
  size_t most = 0;
  for (size_t m = 0; m < p->nmodel; m++)
    most = p->panels[m].n > most ? p->panels[m].n : most;
  p->markers = most <= MARKERS_MAX;
  p->radius = most <= 60 ? 3.0 : 2.3;
  for (size_t i = 0; i < p->np; i++) {
    ppoint *q = &p->pts[i];
    if (isnan(q->v))
      continue;
    const panel *pn = &p->panels[q->model];
    q->x = panel_xmap(p, pn, (double)q->seq);
    q->y = panel_ymap(pn, q->v);
  }
}

/* ------------------------------------------------------------------------ */
/* Draw */

static void set_rgba(cairo_t *cr, unsigned col, double a) {
  cairo_set_source_rgba(cr, ((col >> 16) & 255) / 255.0, ((col >> 8) & 255) / 255.0,
                        (col & 255) / 255.0, a);
}

/* A panel's frame, y grid and ticks, and its model name above. */
static void draw_panel(const pt_chart *c, size_t m, cairo_t *cr, const textkit *k) {
  const panel *pn = &c->pts->panels[m];
  char t[64];
  cairo_set_line_width(cr, 1);
  for (int i = 0; i <= panel_ticks(pn->ymin, pn->ymax, pn->ystep); i++) {
    double v = pn->ymin + pn->ystep * i, y = round(panel_ymap(pn, v) * 2) / 2 + 0.25;
    chart_rgb(cr, 0xE4E4E4);
    cairo_move_to(cr, pn->r.x, y);
    cairo_line_to(cr, pn->r.x + pn->r.w, y);
    cairo_stroke(cr);
    panel_tick_text(pn, v, t, sizeof t);
    PangoLayout *l = chart_text(k, F_TICK, t, chart_plain());
    double w, h;
    chart_text_size(l, &w, &h);
    chart_rgb(cr, 0x555555);
    chart_show(cr, l, pn->r.x - 6 - w, panel_ymap(pn, v) - h / 2);
    g_object_unref(l);
  }
  double lh = chart_line_height(k, F_GROUP);
  chart_draw_text(cr, k, F_GROUP, c->groups[m],
                  chart_bounded(pn->r.w, 1, PANGO_ELLIPSIZE_MIDDLE, PANGO_ALIGN_LEFT), pn->r.x,
                  pn->r.y - lh - 4, 0x222222);
  if (!pn->n) {
    PangoLayout *l = chart_text(k, F_VALUE, "no data", chart_plain());
    double w, h;
    chart_text_size(l, &w, &h);
    chart_rgb(cr, 0x888888);
    chart_show(cr, l, pn->r.x + (pn->r.w - w) / 2, pn->r.y + (pn->r.h - h) / 2);
    g_object_unref(l);
  }
}

static void draw_frame(const panel *pn, cairo_t *cr) {
  chart_rgb(cr, 0x999999);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, pn->r.x + 0.5, pn->r.y + 0.5, pn->r.w - 1, pn->r.h - 1);
  cairo_stroke(cr);
}

/* The y title along the left edge of the grid, the x title under it. */
static void draw_titles(const pt_chart *c, cairo_t *cr, const textkit *k) {
  PangoLayout *l = chart_text(k, F_AXIS, c->ytitle,
                              chart_bounded(c->plot.h, 1, PANGO_ELLIPSIZE_END, PANGO_ALIGN_CENTER));
  cairo_save(cr);
  cairo_translate(cr, c->ytitle_x, c->plot.y + c->plot.h);
  cairo_rotate(cr, -M_PI / 2);
  chart_rgb(cr, 0x333333);
  chart_show(cr, l, 0, 0);
  cairo_restore(cr);
  g_object_unref(l);
  chart_draw_text(cr, k, F_AXIS, c->xtitle,
                  chart_bounded(c->plot.w, 1, PANGO_ELLIPSIZE_END, PANGO_ALIGN_CENTER), c->plot.x,
                  c->xtitle_y, 0x333333);
}

/* Points of each session as one path and one fill (the drawing order groups
 * them). */
static void draw_points(const struct chart_points *p, cairo_t *cr) {
  for (size_t i = 0; i < p->ndrawn;) {
    size_t s = p->pts[p->order[i]].session;
    const penv *e = &p->envs[p->sess[s].env];
    cairo_new_path(cr);
    for (; i < p->ndrawn && p->pts[p->order[i]].session == s; i++) {
      const ppoint *q = &p->pts[p->order[i]];
      chart_mark_path(cr, e->shape, q->x, q->y, p->radius);
    }
    set_rgba(cr, p->sess[s].color, p->alpha);
    cairo_fill(cr);
  }
}

static void draw_distribution(const pt_chart *c, cairo_t *cr, const textkit *k) {
  const struct chart_points *p = c->pts;
  /* Band backgrounds in a pale tint of the environment, under everything. */
  for (size_t m = 0; m < p->nmodel; m++)
    for (size_t e = 0; e < p->nenv; e++) {
      const panel *pn = &p->panels[m];
      chart_rgb(cr, chart_mix(p->envs[e].color, 0xFFFFFF, 0.92));
      cairo_rectangle(cr, band_x(c, m, e) + 0.5, pn->r.y, c->bw - 1, pn->r.h);
      cairo_fill(cr);
    }
  for (size_t m = 0; m < p->nmodel; m++) {
    draw_panel(c, m, cr, k);
    draw_frame(&p->panels[m], cr);
    /* the environment under each band, when it has room */
    for (size_t e = 0; e < p->nenv && c->bw >= 30; e++) {
      PangoLayout *l = chart_text(k, F_VALUE, p->envs[e].label,
                                  chart_bounded(c->bw - 3, 1, PANGO_ELLIPSIZE_MIDDLE,
                                                PANGO_ALIGN_CENTER));
      chart_rgb(cr, 0x444444);
      chart_show(cr, l, band_x(c, m, e) + 1.5, p->panels[m].r.y + p->panels[m].r.h + 4);
      g_object_unref(l);
    }
  }
  draw_points(p, cr);
  /* Medians: a dark line with a white edge, over the points. */
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
  for (int pass = 0; pass < 2; pass++) {
    for (size_t b = 0; b < p->nmodel * p->nenv; b++) {
      if (isnan(p->median[b]))
        continue;
      double x = band_x(c, b / p->nenv, b % p->nenv);
      double y = panel_ymap(&p->panels[b / p->nenv], p->median[b]);
      cairo_move_to(cr, x + c->bw * 0.02, y);
      cairo_line_to(cr, x + c->bw * 0.98, y);
    }
    chart_rgb(cr, pass == 0 ? 0xFFFFFF : 0x111111);
    cairo_set_line_width(cr, pass == 0 ? 4.5 : 2);
    cairo_stroke(cr);
  }
  /* Empty bands of a panel that has data. */
  for (size_t b = 0; b < p->nmodel * p->nenv; b++) {
    const panel *pn = &p->panels[b / p->nenv];
    if (!isnan(p->median[b]) || !pn->n)
      continue;
    PangoLayout *l = chart_text(k, F_VALUE, "n/a", chart_plain());
    double w, h;
    chart_text_size(l, &w, &h);
    if (w < c->bw) {
      chart_rgb(cr, 0x888888);
      chart_show(cr, l, band_x(c, b / p->nenv, b % p->nenv) + (c->bw - w) / 2,
                 pn->r.y + (pn->r.h - h) / 2);
    }
    g_object_unref(l);
  }
  draw_titles(c, cr, k);
}

static void draw_timeline(const pt_chart *c, cairo_t *cr, const textkit *k) {
  const struct chart_points *p = c->pts;
  char t[64];
  for (size_t m = 0; m < p->nmodel; m++) {
    const panel *pn = &p->panels[m];
    draw_panel(c, m, cr, k);
    cairo_set_line_width(cr, 1);
    for (int i = 0; i <= panel_ticks(p->xmin, p->xmax, p->xstep); i++) {
      double v = p->xmin + p->xstep * i, x = round(panel_xmap(p, pn, v) * 2) / 2 + 0.25;
      chart_rgb(cr, 0xEEEEEE);
      cairo_move_to(cr, x, pn->r.y);
      cairo_line_to(cr, x, pn->r.y + pn->r.h);
      cairo_stroke(cr);
      snprintf(t, sizeof t, "%.0f", v);
      PangoLayout *l = chart_text(k, F_TICK, t, chart_plain());
      double w;
      chart_text_size(l, &w, NULL);
      chart_rgb(cr, 0x555555);
      chart_show(cr, l, panel_xmap(p, pn, v) - w / 2, pn->r.y + pn->r.h + 3);
      g_object_unref(l);
    }
    draw_frame(pn, cr);
  }
  /* One line per (model, session): runs of the drawing order, opaque (the
   * later sessions over the earlier ones). */
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_BEVEL);
  cairo_set_line_width(cr, 1.4);
  /* In a PNG (drawn at twice the size) cairo's fast antialiasing of these
   * thousands of short segments looks the same and takes half the time of
   * the default (bench/charts.sh); SVG and PDF keep their exact paths. */
  bool raster = cairo_surface_get_type(cairo_get_target(cr)) == CAIRO_SURFACE_TYPE_IMAGE;
  for (size_t i = 0; i < p->ndrawn;) {
    const ppoint *first = &p->pts[p->order[i]];
    size_t j = i;
    chart_rgb(cr, p->sess[first->session].color);
    cairo_new_path(cr);
    for (; j < p->ndrawn; j++) {
      const ppoint *q = &p->pts[p->order[j]];
      if (q->model != first->model || q->session != first->session)
        break;
      if (j == i)
        cairo_move_to(cr, chart_snap(q->x), chart_snap(q->y));
      else
        cairo_line_to(cr, chart_snap(q->x), chart_snap(q->y));
    }
    cairo_set_antialias(cr, raster ? CAIRO_ANTIALIAS_FAST : CAIRO_ANTIALIAS_DEFAULT);
    cairo_stroke(cr);
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT);
    if (p->markers) {
      for (size_t r = i; r < j; r++) {
        const ppoint *q = &p->pts[p->order[r]];
        chart_mark_path(cr, p->envs[q->env].shape, q->x, q->y, p->radius);
      }
      cairo_fill(cr);
    }
    i = j;
  }
  draw_titles(c, cr, k);
}

void chart_points_draw(const pt_chart *c, cairo_t *cr, const textkit *k) {
  chart_draw_top(c, cr, k);
  if (c->kind == PT_CHART_DISTRIBUTION)
    draw_distribution(c, cr, k);
  else
    draw_timeline(c, cr, k);
}

/* ------------------------------------------------------------------------ */
/* Public API */

pt_chart *pt_chart_points_new(const pt_chart_points *in, pt_chart_kind kind, pt_error *err) {
  if (kind != PT_CHART_DISTRIBUTION && kind != PT_CHART_TIMELINE) {
    pt_error_set(err, PT_EUSAGE, "chart '%s' is not drawn from trials (expected distribution "
                                 "or timeline)", pt_chart_kind_name(kind));
    return NULL;
  }
  pt_chart *c = calloc(1, sizeof *c);
  if (!c) {
    nomem(err);
    return NULL;
  }
  c->kind = kind;
  if (build(c, in, err)) {
    pt_chart_free(c);
    return NULL;
  }
  textkit k = {0};
  chart_textkit_init(&k, pango_font_map_create_context(pango_cairo_font_map_get_default()));
  if (kind == PT_CHART_DISTRIBUTION)
    layout_distribution(c, &k);
  else
    layout_timeline(c, &k);
  chart_textkit_done(&k);
  return c;
}

pt_code pt_chart_points_write_formats(const pt_chart_points *in, pt_chart_kind kind,
                                      unsigned formats, const char *stem, pt_error *err) {
  if (!formats || (formats & ~(unsigned)PT_CHART_ALL_FORMATS))
    return pt_error_set(err, PT_EUSAGE, "invalid chart format mask %#x", formats);
  pt_chart *c = pt_chart_points_new(in, kind, err);
  if (!c)
    return err ? err->code : PT_EDATA;
  pt_code rc = chart_save_formats(c, formats, stem, err);
  pt_chart_free(c);
  return rc;
}

size_t pt_chart_points_drawn(const pt_chart *chart) {
  return chart->pts ? chart->pts->ndrawn : 0;
}

size_t pt_chart_points_skipped(const pt_chart *chart) {
  return chart->pts ? chart->pts->np - chart->pts->ndrawn : 0;
}

bool pt_chart_point_pos(const pt_chart *chart, size_t i, double *x, double *y) {
  const struct chart_points *p = chart->pts;
  if (!p || i >= p->np || isnan(p->pts[i].v))
    return false;
  *x = p->pts[i].x;
  *y = p->pts[i].y;
  return true;
}

bool pt_chart_band_rect(const pt_chart *chart, size_t model, size_t env, pt_chart_rect *rect) {
  const struct chart_points *p = chart->pts;
  if (!p || model >= p->nmodel)
    return false;
  if (chart->kind == PT_CHART_TIMELINE) {
    *rect = p->panels[model].r;
    return true;
  }
  if (env >= p->nenv)
    return false;
  const panel *pn = &p->panels[model];
  *rect = (pt_chart_rect){band_x(chart, model, env), pn->r.y, chart->bw, pn->r.h};
  return true;
}

bool pt_chart_median(const pt_chart *chart, size_t model, size_t env, double *value, double *y) {
  const struct chart_points *p = chart->pts;
  if (!p || chart->kind != PT_CHART_DISTRIBUTION || model >= p->nmodel || env >= p->nenv ||
      isnan(p->median[model * p->nenv + env]))
    return false;
  double m = p->median[model * p->nenv + env];
  if (value)
    *value = m * p->du.div;
  if (y)
    *y = panel_ymap(&p->panels[model], m);
  return true;
}

unsigned pt_chart_session_color(const pt_chart *chart, size_t session) {
  const struct chart_points *p = chart->pts;
  return p && session < p->nsess ? p->sess[session].color : 0;
}
