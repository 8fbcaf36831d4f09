/* analyze/format.c - the analysis document as a Markdown table, CSV, or
 * plain text. It reads the document through analyze/doc.h and formats
 * numbers with its pt_fmt_*, as the view model and the charts do. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analysis.h"
#include "analyze/doc.h"
#include "core/json.h"
#include "core/trial.h"

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

pt_code pt_analysis_md(const cJSON *doc, pt_buf *out) {
  pt_doc_envs order;
  if (pt_doc_env_order(doc, &order))
    return PT_ENOMEM;
  cJSON **envs = order.items;
  size_t nenv = order.n;
  pt_code rc = pt_buf_puts(out, "| Model |");
  for (size_t i = 0; i < nenv && !rc; i++) {
    rc = pt_buf_putc(out, ' ');
    if (!rc)
      rc = pt_md_escape(out, pt_doc_env_label(envs[i]));
    if (!rc)
      rc = pt_buf_puts(out, " |");
  }
  for (size_t i = 1; i < nenv && !rc; i++) {
    if (nenv == 2)
      rc = pt_buf_puts(out, " Penalty (%) |");
    else {
      rc = pt_buf_puts(out, " Penalty ");
      if (!rc)
        rc = pt_md_escape(out, pt_doc_env_label(envs[i]));
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
  cJSON_ArrayForEach(m, pt_doc_models(doc)) {
    if (rc)
      break;
    rc = pt_buf_puts(out, "| ");
    if (!rc)
      rc = pt_md_escape(out, pt_doc_model_name(m));
    if (!rc)
      rc = pt_buf_puts(out, " |");
    for (size_t i = 0; i < nenv && !rc; i++) {
      const cJSON *g = pt_doc_group_of(m, pt_doc_env_name(envs[i]));
      rc = pt_buf_printf(out, " %s |",
                         pt_fmt_num(pt_json_num(g, PT_DOC_MEAN), 2, num, sizeof num));
    }
    for (size_t i = 1; i < nenv && !rc; i++) {
      const cJSON *c = pt_doc_comparison_of(m, pt_doc_env_name(envs[i]));
      rc = pt_buf_printf(out, " %s |", c ? pt_fmt_penalty(c, num, sizeof num) : PT_DASH);
    }
    if (!rc)
      rc = pt_buf_putc(out, '\n');
  }
  pt_doc_envs_free(&order);
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

/* The columns, named by the document's keys: the group's own, its
 * statistics, what it left out, its comparison's. */
static const char *const lead_cols[] = {PT_DOC_MODEL, PT_DOC_ENVIRONMENT, PT_DOC_LABEL,
                                        PT_DOC_BASELINE};
#define COL(key, field) key,
static const char *const group_cols[] = {PT_DOC_GROUP_STATS(COL)};
#undef COL
static const char *const excluded_cols[] = {PT_DOC_WARMUP, PT_DOC_FAILED, PT_DOC_INVALID};
static const char *const comp_cols[] = {PT_DOC_RATIO, PT_DOC_PENALTY_PCT, PT_DOC_PENALTY_CI_LOW,
                                        PT_DOC_PENALTY_CI_HIGH, PT_DOC_P_VALUE,
                                        PT_DOC_SIGNIFICANT};
#define COUNT(a) (sizeof a / sizeof *a)

static pt_code csv_header(pt_buf *out) {
  const char *const *parts[] = {lead_cols, group_cols, excluded_cols, comp_cols};
  const size_t counts[] = {COUNT(lead_cols), COUNT(group_cols), COUNT(excluded_cols),
                           COUNT(comp_cols)};
  pt_code rc = PT_OK;
  for (size_t p = 0; p < COUNT(parts) && !rc; p++)
    for (size_t i = 0; i < counts[p] && !rc; i++)
      rc = pt_buf_printf(out, "%s%s", p + i ? "," : "", parts[p][i]);
  return rc ? rc : pt_buf_puts(out, "\r\n");
}

pt_code pt_analysis_csv(const cJSON *doc, pt_buf *out) {
  pt_doc_envs order;
  if (pt_doc_env_order(doc, &order))
    return PT_ENOMEM;
  pt_code rc = csv_header(out);
  const cJSON *m;
  cJSON_ArrayForEach(m, pt_doc_models(doc)) {
    for (size_t i = 0; i < order.n && !rc; i++) {
      const cJSON *e = order.items[i];
      const char *env = pt_doc_env_name(e);
      const cJSON *g = pt_doc_group_of(m, env), *c = pt_doc_comparison_of(m, env);
      if (!g)
        continue;
      rc = csv_str(out, pt_doc_model_name(m), true);
      if (!rc)
        rc = csv_str(out, env, false);
      if (!rc)
        rc = csv_str(out, pt_doc_env_label(e), false);
      if (!rc)
        rc = csv_str(out, pt_doc_env_is_baseline(e) ? "1" : "0", false);
      for (size_t k = 0; k < COUNT(group_cols) && !rc; k++)
        rc = csv_num(out, pt_json_num(g, group_cols[k]));
      const cJSON *ex = pt_json_get(g, PT_DOC_EXCLUDED);
      for (size_t k = 0; k < COUNT(excluded_cols) && !rc; k++)
        rc = csv_num(out, pt_json_num(ex, excluded_cols[k]));
      for (size_t k = 0; k + 1 < COUNT(comp_cols) && !rc; k++)
        rc = csv_num(out, pt_json_num(c, comp_cols[k]));
      const cJSON *sig = pt_json_get(c, PT_DOC_SIGNIFICANT);  /* the last column */
      if (!rc)
        rc = csv_str(out, cJSON_IsBool(sig) ? (cJSON_IsTrue(sig) ? "1" : "0") : NULL, false);
      if (!rc)
        rc = pt_buf_puts(out, "\r\n");
    }
  }
  pt_doc_envs_free(&order);
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
  pt_doc_envs order;
  if (pt_doc_env_order(doc, &order))
    return PT_ENOMEM;
  size_t nrows = 0;
  const cJSON *m;
  cJSON_ArrayForEach(m, pt_doc_models(doc)) nrows += (size_t)cJSON_GetArraySize(pt_doc_groups(m));
  typedef char cell[128];
  cell *cells = calloc((nrows + 1) * T_COLS, sizeof *cells);
  if (!cells) {
    pt_doc_envs_free(&order);
    return PT_ENOMEM;
  }
  for (int c = 0; c < T_COLS; c++)
    snprintf(cells[c], sizeof cells[c], "%s", head[c]);
  size_t r = 1;
  cJSON_ArrayForEach(m, pt_doc_models(doc)) {
    bool first = true;
    for (size_t i = 0; i < order.n; i++) {
      const char *env = pt_doc_env_name(order.items[i]);
      const cJSON *g = pt_doc_group_of(m, env), *c = pt_doc_comparison_of(m, env);
      if (!g || r > nrows)
        continue;
      cell *row = cells + r * T_COLS;
      char a[64], bb[64];
      copy_cell(row[T_MODEL], sizeof row[0], first ? pt_doc_model_name(m) : "");
      copy_cell(row[T_ENV], sizeof row[0], env);
      snprintf(row[T_N], sizeof row[0], "%lld", pt_json_int(g, PT_DOC_N, 0));
      pt_fmt_num(pt_json_num(g, PT_DOC_MEAN), 2, row[T_MEAN], sizeof row[0]);
      double mean = pt_json_num(g, PT_DOC_MEAN), hi = pt_json_num(g, PT_DOC_CI_HIGH);
      pt_fmt_num(hi - mean, 2, row[T_CI], sizeof row[0]);
      pt_fmt_pct(pt_json_num(g, PT_DOC_CV_PCT), row[T_CV], sizeof row[0]);
      snprintf(row[T_PEN], sizeof row[0], "%s", c ? pt_fmt_penalty(c, a, sizeof a) : "");
      snprintf(row[T_P], sizeof row[0], "%s",
               c ? pt_fmt_p(pt_json_num(c, PT_DOC_P_VALUE), bb, sizeof bb) : "");
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
  pt_doc_envs_free(&order);
  pt_doc_metric_info metric = pt_doc_metric_of(doc);
  pt_code rc = pt_buf_printf(out, "%s (%s), baseline %s, %.0f%% confidence\n\n", metric.name,
                             metric.unit, pt_doc_baseline(doc), pt_doc_confidence(doc) * 100);
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
  cJSON_ArrayForEach(s, pt_doc_summary_comparisons(doc)) {
    long long nm = pt_json_int(s, PT_DOC_MODELS, 0);
    if (!rc)
      rc = pt_buf_printf(out, "\nmean penalty of %s: %s (geometric mean %s) over %lld model%s",
                         pt_doc_item_env(s),
                         pt_fmt_pct(pt_json_num(s, PT_DOC_MEAN_PENALTY_PCT), a, sizeof a),
                         pt_fmt_pct(pt_json_num(s, PT_DOC_GEOMEAN_PENALTY_PCT), bb, sizeof bb),
                         nm, nm == 1 ? "" : "s");
  }
  /* the warnings go to stderr (cli/analyze_opts.c), as for every format */
  return rc ? rc : pt_buf_puts(out, "\n");
}
