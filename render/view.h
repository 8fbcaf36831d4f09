/* render/view.h - the view model: what a report template sees.
 *
 * pt_view_build() takes an analysis document (analyze/doc.h; README
 * "analysis.json") and returns a deep copy of it with formatted strings
 * added everywhere a template would otherwise need logic: numbers as text
 * ("50.10", "1.66%", "± 0.42"), "—" for every value that does not exist,
 * Markdown-escaped names and labels (the *_md fields), the results table as
 * a list of rows in table order, the summary's penalties, warnings, chart
 * file names and flags for wording (single_run). Every field is listed in
 * docs/render.md. The analysis stays the caller's; the view is the caller's
 * to cJSON_Delete. Building a view touches no global state (thread-safe).
 */
#ifndef PT_VIEW_H
#define PT_VIEW_H

#include <cJSON.h>
#include <stddef.h>

#include "core/error.h"
#include "render/chart.h"

/* The view of analysis, with charts named as pt_view_set_charts(view, PNG)
 * would. Returns NULL with err set: PT_ESCHEMA when analysis fails
 * pt_doc_check, PT_ENOMEM. */
cJSON *pt_view_build(const cJSON *analysis, pt_error *err);

/* What a reader calls a manifest's host.gpus[] item, into buf: the
 * kernel's product name, else "AMD Navi 44 [Radeon RX 9050 / 9060 XT]"
 * (the PCI ID database's vendor, shortened, and device), else "AMD GPU
 * 1002:7590" for a card the database does not know. */
void pt_view_gpu_name(const cJSON *gpu, char *buf, size_t size);

/* ---- charts: what a report draws, named in the view ----
 * Each metrics[] item has a "charts" object; the view's top-level
 * "charts" is a copy of the first metric's (templates written for one
 * metric use it). For each chart kind K (pt_chart_kind_name: throughput,
 * penalty, distribution, timeline) it holds:
 *   K         the file to embed: PNG, else SVG, else null
 *   K_files   [{file, format}] every file written
 *   K_alt, K_alt_md  the chart's alt text (pt_chart_alt_text), plain and
 *             Markdown-escaped; "" when not given
 * and: any (some chart is embedded or written), any_trials (a trial chart
 * is embedded), trials_note / trials_note_md (why the trial charts are
 * not there, "" when they are or nothing was asked for). Files are named
 * "<metric>-<suffix>.<ext>" (pt_view_chart_stem). */

/* The suffix of a kind's file name: "means" for the bars of the means
 * (throughput), else the kind's name. */
const char *pt_view_chart_suffix(pt_chart_kind kind);
/* "eval_rate-means", "ttft_ns-distribution": metric's chart of kind,
 * without the extension, into buf. */
void pt_view_chart_stem(const char *metric, pt_chart_kind kind, char *buf, size_t size);

/* Reset every metric's charts: no files, no note. PT_ENOMEM. */
pt_code pt_view_clear_charts(cJSON *view, pt_error *err);
/* Clear, then name the bar charts (throughput, penalty) of every metric
 * the data can draw, in the formats mask (pt_chart_format bits; 0 = none),
 * without alt text. PT_ENOMEM. */
pt_code pt_view_set_charts(cJSON *view, unsigned formats, pt_error *err);
/* Name the chart kind of metric (0 = the top level's) in formats, with its
 * alt text (NULL = ""). PT_EUSAGE for a metric out of range, PT_ENOMEM. */
pt_code pt_view_add_chart(cJSON *view, size_t metric, pt_chart_kind kind, unsigned formats,
                          const char *alt, pt_error *err);
/* Say why metric's trial charts are not drawn (NULL or "" = nothing), in
 * Markdown of the caller's own (trials_note_md is note as given). */
pt_code pt_view_set_trials_note(cJSON *view, size_t metric, const char *note, pt_error *err);

#endif
