/* render/trials.h - the input of the charts drawn from every trial
 * (render/chart.h: distribution and timeline) from the trials of one
 * metric and their analysis.
 *
 * A report that ran the analysis itself (`ptbench report`) still has the
 * trials (analyze/analysis.h's pt_dataset); analysis.json does not carry
 * them. pt_trial_points_build() lays them out as pt_chart_points in the
 * document's order: environments as analysis.json shows them (baseline
 * first, with their labels), models in order, each environment's sessions
 * in time order (environments[].sessions[]), a trial's position in its
 * session from `seq` (an input without it: the trial's rank among the
 * model's trials of that session, in input order).
 *
 * Use: pt_trial_points tp; pt_trial_points_build(doc, ds, &tp, &err), then
 * pt_chart_points_new(&tp.in, ...) as often as needed, then
 * pt_trial_points_free(&tp). tp owns everything tp.in points to, except
 * the names, which belong to doc and ds: keep both until it is freed.
 */
#ifndef PT_TRIALS_H
#define PT_TRIALS_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "analyze/analysis.h"
#include "core/error.h"
#include "render/chart.h"

typedef struct pt_trial_points {
  pt_chart_points in;           /* what the charts take */
  pt_chart_env *envs;           /* owned arrays behind in */
  const char **models;
  pt_chart_session *sessions;
  pt_chart_point *points;
  bool spread;                  /* some (model, environment) has 2 trials or
                                   more: a distribution to draw */
  bool series;                  /* some (model, session) has 2 trials or more:
                                   a timeline to draw */
} pt_trial_points;

/* Build tp from ds (the trials of doc's metric) and doc (its analysis, or
 * one metric of it: pt_doc_metric_doc). PT_EDATA when ds is of another
 * metric than doc or names an environment or model doc lacks; PT_ENOMEM.
 * tp is zeroed on failure (pt_trial_points_free is still safe). */
pt_code pt_trial_points_build(const cJSON *doc, const pt_dataset *ds, pt_trial_points *tp,
                              pt_error *err);
void pt_trial_points_free(pt_trial_points *tp);

#endif
