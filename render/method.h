/* render/method.h - what the view model says about how the data was made:
 * the report's method section and the facts the narrative (the article
 * template) states.
 *
 * Everything comes from the environments' manifests (read through
 * collect/manifest.h) and from the analysis (its sessions, verdicts and
 * warnings): a fact the data does not hold is absent from the view, never
 * invented, so a template that prints it inside its section states only
 * what is known. Collected, imported and published data say different
 * things (manifest.h's pt_mf_origin), and the view says which.
 *
 * pt_view_method() adds to a view built by pt_view_build (render/view.h):
 *   method   {lines[] {key, key_md, text, text_md}: the method section,
 *             one fact per line (Source, Sessions, Models, Prompts, Trials,
 *             Warm-up, Options, GPU telemetry); has_sessions, sessions[]
 *             {label_md, number, started, ended, trials, status, note_md}:
 *             every session; has_prompts, prompts[] {id_md, text_md}: the
 *             prompts' texts, for an appendix; origin words per environment
 *             in envs[] {label_md, origin, origin_md}}
 *   story    the narrative's facts (docs/render.md, "The narrative"): each
 *             present only when the data says it
 *   environments[].setup_md  one line on how the environment was set up
 *   summary (and its comparisons) is_worse, is_better, is_no_difference,
 *             is_undetermined
 * Fields are listed one by one in docs/render.md. Thread-safe.
 */
#ifndef PT_METHOD_H
#define PT_METHOD_H

#include <cJSON.h>

#include "core/error.h"

/* Add method, story and the fields above to view. PT_ENOMEM. */
pt_code pt_view_method(cJSON *view, pt_error *err);

#endif
