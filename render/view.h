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

#include "core/error.h"

/* The view of analysis, with charts named as pt_view_set_charts(view, PNG)
 * would. Returns NULL with err set: PT_ESCHEMA when analysis fails
 * pt_doc_check, PT_ENOMEM. */
cJSON *pt_view_build(const cJSON *analysis, pt_error *err);

/* Replace the view's "charts" object with the files a report writes for the
 * formats mask (pt_chart_format bits; 0 = no charts): charts.throughput and
 * charts.penalty name the image to embed (PNG, else SVG, else null), and
 * charts.*_files list every file. A chart the data cannot draw (no
 * comparison for the penalty chart) is null with no files. PT_ENOMEM. */
pt_code pt_view_set_charts(cJSON *view, unsigned formats, pt_error *err);

#endif
