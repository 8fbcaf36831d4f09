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

/* Markup characters are backslash-escaped where every Markdown the site
 * meets (CommonMark/GFM in cmark-gfm and Hugo, Python-Markdown in MkDocs)
 * takes the escape; <, > and & become entities and ~ a character
 * reference, since Python-Markdown shows a backslash before them. */
pt_code pt_md_escape(pt_buf *out, const char *s) {
  pt_code rc = PT_OK;
  for (; *s && !rc; s++) {
    if (*s == '\n' || *s == '\r')
      rc = pt_buf_putc(out, ' ');
    else if (*s == '<')
      rc = pt_buf_puts(out, "&lt;");
    else if (*s == '>')
      rc = pt_buf_puts(out, "&gt;");
    else if (*s == '&')
      rc = pt_buf_puts(out, "&amp;");
    else if (*s == '~')
      rc = pt_buf_puts(out, "&#126;");
    else if (strchr("|*_`[]\\#", *s))
      rc = pt_buf_printf(out, "\\%c", *s);
    else
      rc = pt_buf_putc(out, *s);
  }
  return rc;
}

/* A Markdown table's head: the lead columns ("| Model |", nlead of them,
 * left-aligned), then each environment's mean and each non-baseline's
 * penalty (named by the environment when there are more than two), all
 * right-aligned. The model table and the prompt table share it. */
static pt_code md_head(pt_buf *out, const char *lead, size_t nlead, cJSON *const *envs,
                       size_t nenv) {
  pt_code rc = pt_buf_puts(out, lead);
  for (size_t i = 0; i < nenv && !rc; i++) {
    rc = pt_buf_putc(out, ' ');
    if (!rc)
      rc = pt_md_escape(out, pt_doc_env_display(envs[i]));
    if (!rc)
      rc = pt_buf_puts(out, " |");
  }
  for (size_t i = 1; i < nenv && !rc; i++) {
    rc = pt_buf_puts(out, nenv == 2 ? " Penalty (%) |" : " Penalty ");
    if (!rc && nenv > 2)
      rc = pt_md_escape(out, pt_doc_env_display(envs[i]));
    if (!rc && nenv > 2)
      rc = pt_buf_puts(out, " (%) |");
  }
  if (!rc)
    rc = pt_buf_putc(out, '\n');
  for (size_t i = 0; i < nlead && !rc; i++)
    rc = pt_buf_puts(out, i ? "---|" : "|---|");
  for (size_t i = 1; i < 2 * nenv && !rc; i++)
    rc = pt_buf_puts(out, "---:|");
  if (!rc)
    rc = pt_buf_putc(out, '\n');
  return rc;
}

static pt_code md_one(const cJSON *doc, pt_buf *out) {
  pt_doc_envs order;
  if (pt_doc_env_order(doc, &order))
    return PT_ENOMEM;
  cJSON **envs = order.items;
  size_t nenv = order.n;
  pt_code rc = md_head(out, "| Model |", 1, envs, nenv);
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
static const char *const comp_cols[] = {PT_DOC_RATIO,          PT_DOC_PENALTY_PCT,
                                        PT_DOC_PENALTY_CI_LOW,  PT_DOC_PENALTY_CI_HIGH,
                                        PT_DOC_P_VALUE,         PT_DOC_SIGNIFICANT};
/* then the session model's: the number columns (its "se" is the log
 * ratio's, headed so beside the group's), and the words */
static const char *const model_cols[] = {PT_DOC_LOG_RATIO, PT_DOC_SE, PT_DOC_DF,
                                         PT_DOC_P_ADJUSTED};
static const char *const model_heads[] = {PT_DOC_LOG_RATIO, "log_ratio_se", "log_ratio_df",
                                          PT_DOC_P_ADJUSTED};
static const char *const word_cols[] = {PT_DOC_VERDICT, PT_DOC_METHOD, PT_DOC_FIT};
#define COUNT(a) (sizeof a / sizeof *a)

/* With several metrics (other_metrics), every CSV format starts each row
 * with the metric's name, headed "metric". */
#define METRIC_COL "metric"

static pt_code csv_header(pt_buf *out, bool by_metric) {
  const char *const *parts[] = {lead_cols, group_cols, excluded_cols, comp_cols, model_heads,
                                word_cols};
  const size_t counts[] = {COUNT(lead_cols),  COUNT(group_cols), COUNT(excluded_cols),
                           COUNT(comp_cols),  COUNT(model_cols), COUNT(word_cols)};
  pt_code rc = by_metric ? pt_buf_puts(out, METRIC_COL ",") : PT_OK;
  for (size_t p = 0; p < COUNT(parts) && !rc; p++)
    for (size_t i = 0; i < counts[p] && !rc; i++)
      rc = pt_buf_printf(out, "%s%s", p + i ? "," : "", parts[p][i]);
  return rc ? rc : pt_buf_puts(out, "\r\n");
}

/* The first field of a row: the metric's name when there are several. */
static pt_code csv_lead(pt_buf *out, const char *metric, const char *first) {
  pt_code rc = metric ? csv_str(out, metric, true) : PT_OK;
  return rc ? rc : csv_str(out, first, metric == NULL);
}

/* Each metric of doc as a document of its own, in order, to fn; metric
 * is its name when doc has several, else NULL. */
static pt_code each_metric(const cJSON *doc, pt_buf *out,
                           pt_code (*fn)(const cJSON *doc, const char *metric, pt_buf *out)) {
  size_t n = pt_doc_metric_count(doc);
  if (n == 1)
    return fn(doc, NULL, out);
  pt_code rc = PT_OK;
  for (size_t i = 0; i < n && !rc; i++) {
    cJSON *one = pt_doc_metric_doc(doc, i);
    rc = one ? fn(one, pt_doc_metric_of(one).name ? pt_doc_metric_of(one).name : "?", out)
             : PT_ENOMEM;
    cJSON_Delete(one);
  }
  return rc;
}

static pt_code csv_rows(const cJSON *doc, const char *metric, pt_buf *out) {
  pt_doc_envs order;
  if (pt_doc_env_order(doc, &order))
    return PT_ENOMEM;
  pt_code rc = PT_OK;
  const cJSON *m;
  cJSON_ArrayForEach(m, pt_doc_models(doc)) {
    for (size_t i = 0; i < order.n && !rc; i++) {
      const cJSON *e = order.items[i];
      const char *env = pt_doc_env_name(e);
      const cJSON *g = pt_doc_group_of(m, env), *c = pt_doc_comparison_of(m, env);
      if (!g)
        continue;
      rc = csv_lead(out, metric, pt_doc_model_name(m));
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
      const cJSON *sig = pt_json_get(c, PT_DOC_SIGNIFICANT);  /* the last of them */
      if (!rc)
        rc = csv_str(out, cJSON_IsBool(sig) ? (cJSON_IsTrue(sig) ? "1" : "0") : NULL, false);
      for (size_t k = 0; k < COUNT(model_cols) && !rc; k++)
        rc = csv_num(out, pt_json_num(c, model_cols[k]));
      for (size_t k = 0; k < COUNT(word_cols) && !rc; k++)
        rc = csv_str(out, pt_json_str(c, word_cols[k]), false);
      if (!rc)
        rc = pt_buf_puts(out, "\r\n");
    }
  }
  pt_doc_envs_free(&order);
  return rc;
}

pt_code pt_analysis_csv(const cJSON *doc, pt_buf *out) {
  pt_code rc = csv_header(out, pt_doc_metric_count(doc) > 1);
  return rc ? rc : each_metric(doc, out, csv_rows);
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

/* Copy text into a table cell of size bytes, control characters escaped
 * ("\n", "\x1b": a newline in a model name would break the alignment), cut
 * at a character boundary with "…" when it does not fit. */
void pt_text_cell(char *dst, size_t size, const char *src) {
  size_t k = 0, start = 0;  /* start: where the current character began in dst */
  for (const char *p = src; *p; p++) {
    unsigned char ch = (unsigned char)*p;
    char esc[8] = {(char)ch};
    size_t len = 1;
    if (ch == '\n' || ch == '\t' || ch == '\r') {
      esc[0] = '\\';
      esc[1] = ch == '\n' ? 'n' : ch == '\t' ? 't' : 'r';
      len = 2;
    } else if (ch < 0x20 || ch == 0x7F) {
      len = (size_t)snprintf(esc, sizeof esc, "\\x%02x", ch);
    }
    if ((ch & 0xC0) != 0x80)
      start = k;
    if (k + len + 4 > size && (p[1] || k + len + 1 > size)) {
      /* no room for this and "…" (3 bytes) and the NUL: cut before it,
       * not inside a UTF-8 sequence */
      if ((ch & 0xC0) == 0x80)
        k = start;
      memcpy(dst + k, "\xE2\x80\xA6", 4);
      return;
    }
    memcpy(dst + k, esc, len);
    k += len;
  }
  dst[k] = '\0';
}

/* A table of text cells grown row by row, written aligned: the first
 * left_cols columns to the left, the others to the right. */
typedef char text_cell[128];
typedef struct text_table {
  text_cell *cells;
  size_t ncols, rows, cap;  /* cap in rows */
} text_table;

/* A new row of empty cells, or NULL when out of memory. */
static text_cell *table_row(text_table *t) {
  size_t cap = t->cap * t->ncols;
  text_cell *c = pt_grow_array(t->cells, &cap, (t->rows + 1) * t->ncols, sizeof *c);
  if (!c)
    return NULL;
  t->cells = c;
  t->cap = cap / t->ncols;
  text_cell *row = t->cells + t->rows++ * t->ncols;
  memset(row, 0, t->ncols * sizeof *row);
  return row;
}

pt_code pt_text_table(pt_buf *out, const char *cells, size_t cell_size, size_t rows,
                      size_t cols, size_t left_cols) {
  size_t *w = calloc(cols ? cols : 1, sizeof *w);
  if (!w)
    return PT_ENOMEM;
  for (size_t i = 0; i < rows * cols; i++) {
    size_t cw = width(cells + i * cell_size);
    w[i % cols] = cw > w[i % cols] ? cw : w[i % cols];
  }
  pt_code rc = PT_OK;
  for (size_t i = 0; i < rows && !rc; i++) {
    size_t start = out->len;
    for (size_t c = 0; c < cols && !rc; c++) {
      rc = pad(out, cells + (i * cols + c) * cell_size, w[c], c >= left_cols);
      if (!rc && c + 1 < cols)
        rc = pt_buf_puts(out, "  ");
    }
    /* no trailing blanks */
    while (!rc && out->len > start && out->data[out->len - 1] == ' ')
      out->data[--out->len] = '\0';
    if (!rc)
      rc = pt_buf_putc(out, '\n');
  }
  free(w);
  return rc;
}

static pt_code table_write(const text_table *t, size_t left_cols, pt_buf *out) {
  return pt_text_table(out, (const char *)t->cells, sizeof *t->cells, t->rows, t->ncols,
                       left_cols);
}

static void set_cells(text_cell *row, const char *const *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    pt_text_cell(row[i], sizeof row[i], v[i] ? v[i] : "");
}

/* The notes said once under a table: what each distinct undetermined
 * verdict means and what to do. The texts point into the document. */
typedef struct notes {
  const char **items;
  size_t n, cap;
  bool oom;
} notes;

static void note_add(notes *ns, const char *note) {
  if (!note)
    return;
  for (size_t i = 0; i < ns->n; i++)
    if (ns->items[i] == note || !strcmp(ns->items[i], note))
      return;
  const char **items = pt_grow_array(ns->items, &ns->cap, ns->n + 1, sizeof *items);
  if (!items) {
    ns->oom = true;
    return;
  }
  ns->items = items;
  ns->items[ns->n++] = note;
}

static pt_code notes_write(notes *ns, pt_buf *out) {
  pt_code rc = ns->oom ? PT_ENOMEM : PT_OK;
  for (size_t i = 0; i < ns->n && !rc; i++)
    rc = pt_buf_printf(out, "%sundetermined: %s\n", i ? "" : "\n", ns->items[i]);
  free(ns->items);
  ns->items = NULL;
  return rc;
}

/* "eval_rate (tokens/s), baseline bare-metal, 95% confidence" */
static pt_code text_title(const cJSON *doc, const char *what, pt_buf *out) {
  pt_doc_metric_info metric = pt_doc_metric_of(doc);
  const char *adjust = pt_doc_adjust(doc);
  return pt_buf_printf(out, "%s (%s)%s, baseline %s, %.0f%% confidence, %s%s\n\n",
                       metric.name ? metric.name : "?", metric.unit ? metric.unit : "",
                       what, pt_doc_baseline(doc) ? pt_doc_baseline(doc) : "?",
                       pt_doc_confidence(doc) * 100, pt_doc_test_label(pt_doc_test(doc)),
                       adjust && !strcmp(adjust, PT_DOC_ADJUST_HOLM)
                           ? ", Holm-adjusted across models"
                           : "");
}

enum { T_MODEL, T_ENV, T_SESS, T_N, T_MEAN, T_CI, T_CV, T_PEN, T_PCI, T_P, T_VERDICT, T_COLS };

static pt_code text_one(const cJSON *doc, pt_buf *out) {
  static const char *const head[T_COLS] = {"model", "environment", "sessions", "n", "mean",
                                           "± CI", "cv", "penalty", "penalty CI", "p",
                                           "verdict"};
  pt_doc_envs order;
  if (pt_doc_env_order(doc, &order))
    return PT_ENOMEM;
  const char *adjust = pt_doc_adjust(doc);
  bool holm = adjust && !strcmp(adjust, PT_DOC_ADJUST_HOLM);
  text_table t = {NULL, T_COLS, 0, 0};
  notes ns = {NULL, 0, 0, false};
  pt_code rc = PT_OK;
  text_cell *row = table_row(&t);
  if (!row)
    rc = PT_ENOMEM;
  else
    set_cells(row, head, T_COLS);
  if (!rc && holm)
    pt_text_cell(row[T_P], sizeof row[T_P], "p (Holm)");
  const cJSON *m;
  cJSON_ArrayForEach(m, pt_doc_models(doc)) {
    bool first = true;
    for (size_t i = 0; i < order.n && !rc; i++) {
      const char *env = pt_doc_env_name(order.items[i]);
      const cJSON *g = pt_doc_group_of(m, env), *c = pt_doc_comparison_of(m, env);
      if (!g)
        continue;
      if (!(row = table_row(&t))) {
        rc = PT_ENOMEM;
        break;
      }
      char a[64];
      pt_text_cell(row[T_MODEL], sizeof row[0], first ? pt_doc_model_name(m) : "");
      pt_text_cell(row[T_ENV], sizeof row[0], env);
      snprintf(row[T_SESS], sizeof row[0], "%lld", pt_json_int(g, PT_DOC_SESSIONS, 0));
      snprintf(row[T_N], sizeof row[0], "%lld", pt_json_int(g, PT_DOC_N, 0));
      pt_fmt_num(pt_json_num(g, PT_DOC_MEAN), 2, row[T_MEAN], sizeof row[0]);
      double mean = pt_json_num(g, PT_DOC_MEAN), hi = pt_json_num(g, PT_DOC_CI_HIGH);
      pt_fmt_num(hi - mean, 2, row[T_CI], sizeof row[0]);
      pt_fmt_pct(pt_json_num(g, PT_DOC_CV_PCT), row[T_CV], sizeof row[0]);
      if (c) {
        pt_fmt_penalty(c, row[T_PEN], sizeof row[0]);
        pt_fmt_pct_range(pt_json_num(c, PT_DOC_PENALTY_CI_LOW),
                         pt_json_num(c, PT_DOC_PENALTY_CI_HIGH), row[T_PCI], sizeof row[0]);
        pt_fmt_p(pt_json_num(c, holm ? PT_DOC_P_ADJUSTED : PT_DOC_P_VALUE), row[T_P],
                 sizeof row[0]);
        pt_text_cell(row[T_VERDICT], sizeof row[0], pt_fmt_verdict(c, a, sizeof a));
        note_add(&ns, pt_doc_verdict_note(c));
      }
      first = false;
    }
  }
  pt_doc_envs_free(&order);
  if (!rc)
    rc = text_title(doc, "", out);
  if (!rc)
    rc = table_write(&t, T_SESS, out);
  free(t.cells);
  const cJSON *s;
  char a[64], bb[64], cc[96], dd[64];
  cJSON_ArrayForEach(s, pt_doc_summary_comparisons(doc)) {
    long long nm = pt_json_int(s, PT_DOC_MODELS, 0);
    if (!rc && pt_doc_verdict(s))
      rc = pt_buf_printf(out, "\n%s against %s over %lld model%s: penalty %s %s (session "
                              "model), %s; ",
                         pt_doc_item_env(s), pt_json_str(s, PT_DOC_BASELINE), nm,
                         nm == 1 ? "" : "s", pt_fmt_pct(pt_json_num(s, PT_DOC_PENALTY_PCT), a, sizeof a),
                         pt_fmt_pct_range(pt_json_num(s, PT_DOC_PENALTY_CI_LOW),
                                          pt_json_num(s, PT_DOC_PENALTY_CI_HIGH), cc, sizeof cc),
                         pt_fmt_verdict(s, dd, sizeof dd));
    else if (!rc)
      rc = pt_buf_printf(out, "\n%s against %s over %lld model%s: ", pt_doc_item_env(s),
                         pt_json_str(s, PT_DOC_BASELINE), nm, nm == 1 ? "" : "s");
    if (!rc)
      rc = pt_buf_printf(out, "mean penalty %s (geometric mean %s)\n",
                         pt_fmt_pct(pt_json_num(s, PT_DOC_MEAN_PENALTY_PCT), a, sizeof a),
                         pt_fmt_pct(pt_json_num(s, PT_DOC_GEOMEAN_PENALTY_PCT), bb, sizeof bb));
    note_add(&ns, pt_doc_verdict_note(s));
  }
  /* the warnings go to stderr (cli/analyze_opts.c), as for every format */
  if (rc) {
    free(ns.items);
    return rc;
  }
  return notes_write(&ns, out);
}

/* ------------------------------------------------------ per prompt (--by) */

/* The prompts[] item's group of env, or NULL. */
static const cJSON *prompt_group(const cJSON *prompt, const char *env) {
  return pt_doc_find_env_item(pt_doc_groups(prompt), env);
}

static pt_code prompts_text_one(const cJSON *doc, pt_buf *out) {
  static const char *const head[] = {"model", "prompt", "environment", "n", "mean", "penalty"};
  enum { NCOLS = sizeof head / sizeof *head };
  pt_doc_envs order;
  if (pt_doc_env_order(doc, &order))
    return PT_ENOMEM;
  text_table t = {NULL, NCOLS, 0, 0};
  pt_code rc = PT_OK;
  text_cell *row = table_row(&t);
  if (!row)
    rc = PT_ENOMEM;
  else
    set_cells(row, head, NCOLS);
  const cJSON *m, *p;
  cJSON_ArrayForEach(m, pt_doc_models(doc)) {
    bool first_model = true;
    cJSON_ArrayForEach(p, pt_doc_prompts(m)) {
      bool first_prompt = true;
      for (size_t i = 0; i < order.n && !rc; i++) {
        const char *env = pt_doc_env_name(order.items[i]);
        const cJSON *g = prompt_group(p, env);
        if (!g)
          continue;
        if (!(row = table_row(&t))) {
          rc = PT_ENOMEM;
          break;
        }
        const char *pid = pt_doc_prompt_id(p);
        pt_text_cell(row[0], sizeof row[0], first_model ? pt_doc_model_name(m) : "");
        pt_text_cell(row[1], sizeof row[0], first_prompt ? (pid && *pid ? pid : PT_DASH) : "");
        pt_text_cell(row[2], sizeof row[0], env);
        snprintf(row[3], sizeof row[0], "%lld", pt_json_int(g, PT_DOC_N, 0));
        pt_fmt_num(pt_json_num(g, PT_DOC_MEAN), 2, row[4], sizeof row[0]);
        if (!pt_doc_env_is_baseline(order.items[i]))
          pt_fmt_pct(pt_json_num(g, PT_DOC_PENALTY_PCT), row[5], sizeof row[0]);
        first_model = first_prompt = false;
      }
    }
  }
  pt_doc_envs_free(&order);
  if (!rc)
    rc = text_title(doc, " by prompt", out);
  if (!rc)
    rc = table_write(&t, 3, out);
  free(t.cells);
  return rc;
}

static pt_code prompts_md_one(const cJSON *doc, pt_buf *out) {
  pt_doc_envs order;
  if (pt_doc_env_order(doc, &order))
    return PT_ENOMEM;
  cJSON **envs = order.items;
  size_t nenv = order.n;
  pt_code rc = md_head(out, "| Model | Prompt |", 2, envs, nenv);
  const cJSON *m, *p;
  char num[64];
  cJSON_ArrayForEach(m, pt_doc_models(doc)) {
    cJSON_ArrayForEach(p, pt_doc_prompts(m)) {
      if (rc)
        break;
      const char *pid = pt_doc_prompt_id(p);
      rc = pt_buf_puts(out, "| ");
      if (!rc)
        rc = pt_md_escape(out, pt_doc_model_name(m) ? pt_doc_model_name(m) : "");
      if (!rc)
        rc = pt_buf_puts(out, " | ");
      if (!rc)
        rc = pid && *pid ? pt_md_escape(out, pid) : pt_buf_puts(out, PT_DASH);
      if (!rc)
        rc = pt_buf_puts(out, " |");
      for (size_t i = 0; i < nenv && !rc; i++)
        rc = pt_buf_printf(out, " %s |",
                           pt_fmt_num(pt_json_num(prompt_group(p, pt_doc_env_name(envs[i])),
                                                  PT_DOC_MEAN),
                                      2, num, sizeof num));
      for (size_t i = 1; i < nenv && !rc; i++)
        rc = pt_buf_printf(out, " %s |",
                           pt_fmt_pct(pt_json_num(prompt_group(p, pt_doc_env_name(envs[i])),
                                                  PT_DOC_PENALTY_PCT),
                                      num, sizeof num));
      if (!rc)
        rc = pt_buf_putc(out, '\n');
    }
  }
  pt_doc_envs_free(&order);
  return rc;
}

static pt_code prompts_csv_rows(const cJSON *doc, const char *metric, pt_buf *out) {
  pt_doc_envs order;
  if (pt_doc_env_order(doc, &order))
    return PT_ENOMEM;
  pt_code rc = PT_OK;
  const cJSON *m, *p;
  cJSON_ArrayForEach(m, pt_doc_models(doc)) {
    cJSON_ArrayForEach(p, pt_doc_prompts(m)) {
      for (size_t i = 0; i < order.n && !rc; i++) {
        const cJSON *e = order.items[i];
        const cJSON *g = prompt_group(p, pt_doc_env_name(e));
        if (!g)
          continue;
        rc = csv_lead(out, metric, pt_doc_model_name(m));
        if (!rc)
          rc = csv_str(out, pt_doc_prompt_id(p), false);
        if (!rc)
          rc = csv_str(out, pt_doc_env_name(e), false);
        if (!rc)
          rc = csv_str(out, pt_doc_env_label(e), false);
        if (!rc)
          rc = csv_str(out, pt_doc_env_is_baseline(e) ? "1" : "0", false);
        if (!rc)
          rc = csv_num(out, pt_json_num(g, PT_DOC_N));
        if (!rc)
          rc = csv_num(out, pt_json_num(g, PT_DOC_MEAN));
        if (!rc)
          rc = csv_num(out, pt_json_num(g, PT_DOC_PENALTY_PCT));
        if (!rc)
          rc = pt_buf_puts(out, "\r\n");
      }
    }
  }
  pt_doc_envs_free(&order);
  return rc;
}

pt_code pt_analysis_prompts_csv(const cJSON *doc, pt_buf *out) {
  pt_code rc = pt_buf_printf(out, "%s%s,%s,%s,%s,%s,%s,%s,%s\r\n",
                             pt_doc_metric_count(doc) > 1 ? METRIC_COL "," : "", PT_DOC_MODEL,
                             PT_DOC_PROMPT_ID, PT_DOC_ENVIRONMENT, PT_DOC_LABEL,
                             PT_DOC_BASELINE, PT_DOC_N, PT_DOC_MEAN, PT_DOC_PENALTY_PCT);
  return rc ? rc : each_metric(doc, out, prompts_csv_rows);
}

/* ------------------------------------------------------ several metrics */

/* md and text of a document with several metrics: each metric's output
 * in turn, after a blank line; md's under a heading naming the metric
 * (text's own title line names it). */
typedef pt_code (*one_fn)(const cJSON *doc, pt_buf *out);

static pt_code each_titled(const cJSON *doc, pt_buf *out, one_fn fn, bool heading) {
  size_t n = pt_doc_metric_count(doc);
  if (n == 1)
    return fn(doc, out);
  pt_code rc = PT_OK;
  for (size_t i = 0; i < n && !rc; i++) {
    cJSON *one = pt_doc_metric_doc(doc, i);
    if (!one)
      return PT_ENOMEM;
    pt_doc_metric_info mi = pt_doc_metric_of(one);
    if (i)
      rc = pt_buf_putc(out, '\n');
    if (!rc && heading) {
      rc = pt_buf_puts(out, "## ");
      if (!rc)
        rc = pt_md_escape(out, mi.label ? mi.label : mi.name ? mi.name : "?");
      if (!rc)
        rc = pt_buf_printf(out, "%s%s%s\n\n", mi.unit && *mi.unit ? " (" : "",
                           mi.unit && *mi.unit ? mi.unit : "", mi.unit && *mi.unit ? ")" : "");
    }
    if (!rc)
      rc = fn(one, out);
    cJSON_Delete(one);
  }
  return rc;
}

pt_code pt_analysis_md(const cJSON *doc, pt_buf *out) {
  return each_titled(doc, out, md_one, true);
}
pt_code pt_analysis_text(const cJSON *doc, pt_buf *out) {
  return each_titled(doc, out, text_one, false);
}
pt_code pt_analysis_prompts_md(const cJSON *doc, pt_buf *out) {
  return each_titled(doc, out, prompts_md_one, true);
}
pt_code pt_analysis_prompts_text(const cJSON *doc, pt_buf *out) {
  return each_titled(doc, out, prompts_text_one, false);
}
