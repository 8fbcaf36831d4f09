/* analyze/format.c - the analysis document as a Markdown table, CSV, or
 * plain text, and the number formats every output shares. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analysis.h"
#include "core/json.h"
#include "core/trial.h"

const char *pt_fmt_num(double v, int decimals, char *buf, size_t size) {
  if (!isfinite(v))
    return snprintf(buf, size, "%s", PT_DASH), buf;
  snprintf(buf, size, "%.*f", decimals, v);
  /* no "-0.00": a value that rounds to zero has no sign */
  if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))
    memmove(buf, buf + 1, strlen(buf));
  return buf;
}

const char *pt_fmt_pct(double v, char *buf, size_t size) {
  pt_fmt_num(v, 2, buf, size);
  if (isfinite(v)) {
    size_t n = strlen(buf);
    snprintf(buf + n, size - n, "%%");
  }
  return buf;
}

pt_code pt_md_escape(pt_buf *out, const char *s) {
  pt_code rc = PT_OK;
  for (; *s && !rc; s++) {
    if (*s == '\n' || *s == '\r')
      rc = pt_buf_putc(out, ' ');
    else if (strchr("|*_<>`[]\\&#~", *s))
      rc = pt_buf_printf(out, "\\%c", *s);
    else
      rc = pt_buf_putc(out, *s);
  }
  return rc;
}

/* The group of env in a model object, or NULL. */
static const cJSON *group_of(const cJSON *model, const char *env) {
  const cJSON *g;
  cJSON_ArrayForEach(g, pt_json_get(model, "groups")) {
    const char *e = pt_json_str(g, "environment");
    if (e && !strcmp(e, env))
      return g;
  }
  return NULL;
}

static const cJSON *comparison_of(const cJSON *model, const char *env) {
  const cJSON *c;
  cJSON_ArrayForEach(c, pt_json_get(model, "comparisons")) {
    const char *e = pt_json_str(c, "environment");
    if (e && !strcmp(e, env))
      return c;
  }
  return NULL;
}

const char *pt_fmt_p(double p, char *buf, size_t size) {
  if (!isfinite(p))
    snprintf(buf, size, "%s", PT_DASH);
  else if (p < 0.001)
    snprintf(buf, size, "< 0.001");
  else
    snprintf(buf, size, "%.3f", p);
  return buf;
}

const char *pt_fmt_penalty(const cJSON *comp, char *buf, size_t size) {
  pt_fmt_pct(pt_json_num(comp, "penalty_pct"), buf, size);
  if (cJSON_IsFalse(pt_json_get(comp, "significant"))) {
    size_t n = strlen(buf);
    snprintf(buf + n, size - n, " ~");
  }
  return buf;
}

/* Environments with the baseline first, then the others in order. */
static size_t ordered_envs(const cJSON *doc, const cJSON **envs, size_t max) {
  size_t n = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, pt_json_get(doc, "environments")) if (pt_json_bool(e, "baseline", false) && n < max) envs[n++] = e;
  cJSON_ArrayForEach(e, pt_json_get(doc, "environments")) if (!pt_json_bool(e, "baseline", false) && n < max) envs[n++] = e;
  return n;
}

#define MAX_ENVS 64

pt_code pt_analysis_md(const cJSON *doc, pt_buf *out) {
  const cJSON *envs[MAX_ENVS];
  size_t nenv = ordered_envs(doc, envs, MAX_ENVS);
  pt_code rc = pt_buf_puts(out, "| Model |");
  for (size_t i = 0; i < nenv && !rc; i++) {
    rc = pt_buf_putc(out, ' ');
    if (!rc)
      rc = pt_md_escape(out, pt_json_str(envs[i], "label"));
    if (!rc)
      rc = pt_buf_puts(out, " |");
  }
  for (size_t i = 1; i < nenv && !rc; i++) {
    if (nenv == 2)
      rc = pt_buf_puts(out, " Penalty (%) |");
    else {
      rc = pt_buf_puts(out, " Penalty ");
      if (!rc)
        rc = pt_md_escape(out, pt_json_str(envs[i], "label"));
      if (!rc)
        rc = pt_buf_puts(out, " (%) |");
    }
  }
  if (!rc)
    rc = pt_buf_puts(out, "\n|---|");
  for (size_t i = 1; i < 2 * nenv && !rc; i++)
    rc = pt_buf_puts(out, "---:|");
  if (!rc)
    rc = pt_buf_putc(out, '\n');
  const cJSON *m;
  char num[64];
  cJSON_ArrayForEach(m, pt_json_get(doc, "models")) {
    if (rc)
      break;
    rc = pt_buf_puts(out, "| ");
    if (!rc)
      rc = pt_md_escape(out, pt_json_str(m, "model"));
    if (!rc)
      rc = pt_buf_puts(out, " |");
    for (size_t i = 0; i < nenv && !rc; i++) {
      const cJSON *g = group_of(m, pt_json_str(envs[i], "name"));
      rc = pt_buf_printf(out, " %s |", pt_fmt_num(pt_json_num(g, "mean"), 2, num, sizeof num));
    }
    for (size_t i = 1; i < nenv && !rc; i++) {
      const cJSON *c = comparison_of(m, pt_json_str(envs[i], "name"));
      rc = pt_buf_printf(out, " %s |", c ? pt_fmt_penalty(c, num, sizeof num) : PT_DASH);
    }
    if (!rc)
      rc = pt_buf_putc(out, '\n');
  }
  return rc;
}

/* ------------------------------------------------------------------- CSV */

static pt_code csv_str(pt_buf *out, const char *s, bool first) {
  pt_code rc = first ? PT_OK : pt_buf_putc(out, ',');
  return rc ? rc : pt_csv_field(out, s);
}

static pt_code csv_num(pt_buf *out, double v) {
  pt_code rc = pt_buf_putc(out, ',');
  if (!rc && isfinite(v))
    rc = pt_buf_printf(out, "%.10g", v);
  return rc;
}

static const char *const group_cols[] = {"n", "mean", "variance", "stddev", "cv_pct", "se",
                                         "min", "median", "max", "p90", "p99", "ci_low",
                                         "ci_high", "median_ci_low", "median_ci_high",
                                         "outliers"};
static const char *const comp_cols[] = {"ratio", "penalty_pct", "penalty_ci_low",
                                        "penalty_ci_high", "p_value"};

pt_code pt_analysis_csv(const cJSON *doc, pt_buf *out) {
  pt_code rc = pt_buf_puts(out, "model,environment,label,baseline");
  for (size_t i = 0; i < sizeof group_cols / sizeof *group_cols && !rc; i++)
    rc = pt_buf_printf(out, ",%s", group_cols[i]);
  if (!rc)
    rc = pt_buf_puts(out, ",warmup,failed,invalid");
  for (size_t i = 0; i < sizeof comp_cols / sizeof *comp_cols && !rc; i++)
    rc = pt_buf_printf(out, ",%s", comp_cols[i]);
  if (!rc)
    rc = pt_buf_puts(out, ",significant\r\n");
  const cJSON *envs[MAX_ENVS];
  size_t nenv = ordered_envs(doc, envs, MAX_ENVS);
  const cJSON *m;
  cJSON_ArrayForEach(m, pt_json_get(doc, "models")) {
    for (size_t i = 0; i < nenv && !rc; i++) {
      const char *env = pt_json_str(envs[i], "name");
      const cJSON *g = group_of(m, env), *c = comparison_of(m, env);
      if (!g)
        continue;
      rc = csv_str(out, pt_json_str(m, "model"), true);
      if (!rc)
        rc = csv_str(out, env, false);
      if (!rc)
        rc = csv_str(out, pt_json_str(envs[i], "label"), false);
      if (!rc)
        rc = csv_str(out, pt_json_bool(envs[i], "baseline", false) ? "1" : "0", false);
      for (size_t k = 0; k < sizeof group_cols / sizeof *group_cols && !rc; k++)
        rc = csv_num(out, pt_json_num(g, group_cols[k]));
      const cJSON *ex = pt_json_get(g, "excluded");
      if (!rc)
        rc = csv_num(out, pt_json_num(ex, "warmup"));
      if (!rc)
        rc = csv_num(out, pt_json_num(ex, "failed"));
      if (!rc)
        rc = csv_num(out, pt_json_num(ex, "invalid"));
      for (size_t k = 0; k < sizeof comp_cols / sizeof *comp_cols && !rc; k++)
        rc = csv_num(out, pt_json_num(c, comp_cols[k]));
      const cJSON *sig = pt_json_get(c, "significant");
      if (!rc)
        rc = csv_str(out, cJSON_IsBool(sig) ? (cJSON_IsTrue(sig) ? "1" : "0") : NULL, false);
      if (!rc)
        rc = pt_buf_puts(out, "\r\n");
    }
  }
  return rc;
}

/* ------------------------------------------------------------------ text */

/* Display width of UTF-8 text: code points, not bytes. */
static size_t width(const char *s) {
  size_t w = 0;
  for (; *s; s++)
    w += ((unsigned char)*s & 0xC0) != 0x80;
  return w;
}

static pt_code pad(pt_buf *out, const char *s, size_t w, bool right) {
  size_t sw = width(s);
  pt_code rc = PT_OK;
  for (size_t i = sw; right && i < w && !rc; i++)
    rc = pt_buf_putc(out, ' ');
  if (!rc)
    rc = pt_buf_puts(out, s);
  for (size_t i = sw; !right && i < w && !rc; i++)
    rc = pt_buf_putc(out, ' ');
  return rc;
}

/* Copy text into a table cell of size bytes, cut at a character boundary
 * with "…" when it does not fit. */
static void copy_cell(char *dst, size_t size, const char *src) {
  size_t n = strlen(src);
  if (n < size) {
    memcpy(dst, src, n + 1);
    return;
  }
  n = size - 4;  /* room for "…" (3 bytes) and the NUL */
  while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
    n--;  /* not inside a UTF-8 sequence */
  memcpy(dst, src, n);
  memcpy(dst + n, "\xE2\x80\xA6", 4);
}

enum { T_MODEL, T_ENV, T_N, T_MEAN, T_CI, T_CV, T_PEN, T_P, T_COLS };

pt_code pt_analysis_text(const cJSON *doc, pt_buf *out) {
  static const char *const head[T_COLS] = {"model", "environment", "n", "mean", "± CI",
                                           "cv", "penalty", "p"};
  const cJSON *envs[MAX_ENVS];
  size_t nenv = ordered_envs(doc, envs, MAX_ENVS);
  size_t nrows = 0;
  const cJSON *m;
  cJSON_ArrayForEach(m, pt_json_get(doc, "models")) nrows += (size_t)cJSON_GetArraySize(pt_json_get(m, "groups"));
  typedef char cell[128];
  cell *cells = calloc((nrows + 1) * T_COLS, sizeof *cells);
  if (!cells)
    return PT_ENOMEM;
  for (int c = 0; c < T_COLS; c++)
    snprintf(cells[c], sizeof cells[c], "%s", head[c]);
  size_t r = 1;
  cJSON_ArrayForEach(m, pt_json_get(doc, "models")) {
    bool first = true;
    for (size_t i = 0; i < nenv; i++) {
      const char *env = pt_json_str(envs[i], "name");
      const cJSON *g = group_of(m, env), *c = comparison_of(m, env);
      if (!g || r > nrows)
        continue;
      cell *row = cells + r * T_COLS;
      char a[64], bb[64];
      copy_cell(row[T_MODEL], sizeof row[0], first ? pt_json_str(m, "model") : "");
      copy_cell(row[T_ENV], sizeof row[0], env);
      snprintf(row[T_N], sizeof row[0], "%lld", pt_json_int(g, "n", 0));
      pt_fmt_num(pt_json_num(g, "mean"), 2, row[T_MEAN], sizeof row[0]);
      double mean = pt_json_num(g, "mean"), hi = pt_json_num(g, "ci_high");
      pt_fmt_num(hi - mean, 2, row[T_CI], sizeof row[0]);
      pt_fmt_pct(pt_json_num(g, "cv_pct"), row[T_CV], sizeof row[0]);
      snprintf(row[T_PEN], sizeof row[0], "%s", c ? pt_fmt_penalty(c, a, sizeof a) : "");
      snprintf(row[T_P], sizeof row[0], "%s",
               c ? pt_fmt_p(pt_json_num(c, "p_value"), bb, sizeof bb) : "");
      first = false;
      r++;
    }
  }
  size_t w[T_COLS] = {0};
  for (size_t i = 0; i < r; i++)
    for (int c = 0; c < T_COLS; c++) {
      size_t cw = width(cells[i * T_COLS + c]);
      w[c] = cw > w[c] ? cw : w[c];
    }
  const cJSON *metric = pt_json_get(doc, "metric");
  pt_code rc = pt_buf_printf(out, "%s (%s), baseline %s, %.0f%% confidence\n\n",
                             pt_json_str(metric, "name"), pt_json_str(metric, "unit"),
                             pt_json_str(doc, "baseline"), pt_json_num(doc, "confidence") * 100);
  for (size_t i = 0; i < r && !rc; i++) {
    for (int c = 0; c < T_COLS && !rc; c++) {
      rc = pad(out, cells[i * T_COLS + c], w[c], c >= T_N);
      if (!rc && c + 1 < T_COLS)
        rc = pt_buf_puts(out, "  ");
    }
    /* no trailing blanks */
    while (!rc && out->len && out->data[out->len - 1] == ' ')
      out->data[--out->len] = '\0';
    if (!rc)
      rc = pt_buf_putc(out, '\n');
  }
  free(cells);
  const cJSON *s;
  char a[64], bb[64];
  cJSON_ArrayForEach(s, pt_json_get(pt_json_get(doc, "summary"), "comparisons")) {
    if (!rc)
      rc = pt_buf_printf(out, "\nmean penalty of %s: %s (geometric mean %s) over %lld model%s",
                         pt_json_str(s, "environment"),
                         pt_fmt_pct(pt_json_num(s, "mean_penalty_pct"), a, sizeof a),
                         pt_fmt_pct(pt_json_num(s, "geomean_penalty_pct"), bb, sizeof bb),
                         pt_json_int(s, "models", 0), pt_json_int(s, "models", 0) == 1 ? "" : "s");
  }
  /* the warnings go to stderr (cli/analyze_opts.c), as for every format */
  return rc ? rc : pt_buf_puts(out, "\n");
}
