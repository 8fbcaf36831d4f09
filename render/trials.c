/* render/trials.c - pt_chart_points from a dataset and its analysis
 * (render/trials.h). */
#include "render/trials.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/doc.h"

void pt_trial_points_free(pt_trial_points *tp) {
  if (!tp)
    return;
  free(tp->envs);
  free(tp->models);
  free(tp->sessions);
  free(tp->points);
  memset(tp, 0, sizeof *tp);
}

/* Per session of the dataset: its index among the chart's sessions, and
 * how many trials of the current model it has had (for a position when the
 * input has no seq). */
typedef struct sess_map {
  size_t chart;     /* SIZE_MAX: not in the chart */
  size_t model;     /* the model `count` counts, SIZE_MAX: none yet */
  uint32_t count;
} sess_map;

static pt_code fail(pt_trial_points *tp, pt_error *err, pt_code code, const char *msg,
                    const char *name) {
  pt_trial_points_free(tp);
  return name ? pt_error_set(err, code, "%s '%s'", msg, name) : pt_error_set(err, code, "%s", msg);
}

pt_code pt_trial_points_build(const cJSON *doc, const pt_dataset *ds, pt_trial_points *tp,
                              pt_error *err) {
  memset(tp, 0, sizeof *tp);
  const pt_metric *metric = pt_dataset_metric(ds);
  pt_doc_metric_info mi = pt_doc_metric_of(doc);
  if (!mi.name || strcmp(mi.name, metric->name))
    return fail(tp, err, PT_EDATA, "the trials are of another metric than the analysis:",
                metric->name);
  size_t nenv = pt_dataset_env_count(ds), nmodel = pt_dataset_model_count(ds);
  size_t nsess = pt_dataset_session_count(ds), npoint = 0;
  pt_doc_envs order = PT_DOC_ENVS_INIT;
  size_t *env_of = NULL, *sorted = NULL;  /* display position -> dataset env */
  sess_map *smap = NULL;
  pt_code rc = PT_OK;
  if (pt_doc_env_order(doc, &order))
    return fail(tp, err, PT_ENOMEM, "out of memory", NULL);
  tp->envs = calloc(order.n ? order.n : 1, sizeof *tp->envs);
  tp->models = calloc(nmodel ? nmodel : 1, sizeof *tp->models);
  tp->sessions = calloc(nsess ? nsess : 1, sizeof *tp->sessions);
  env_of = calloc(order.n ? order.n : 1, sizeof *env_of);
  sorted = calloc(nsess ? nsess : 1, sizeof *sorted);
  smap = calloc(nsess ? nsess : 1, sizeof *smap);
  if (!tp->envs || !tp->models || !tp->sessions || !env_of || !sorted || !smap) {
    rc = fail(tp, err, PT_ENOMEM, "out of memory", NULL);
    goto out;
  }
  /* environments in display order, each matched to the dataset's */
  size_t nshown = 0;
  for (size_t d = 0; d < order.n; d++) {
    const char *name = pt_doc_env_name(order.items[d]);
    size_t e = 0;
    while (e < nenv && strcmp(pt_dataset_env_name(ds, e), name))
      e++;
    if (e == nenv)
      continue;  /* no trials of this metric there */
    env_of[nshown] = e;
    tp->envs[nshown++] = (pt_chart_env){name, pt_doc_env_display(order.items[d]),
                                        pt_doc_env_is_baseline(order.items[d])};
  }
  if (nshown < nenv) {
    rc = fail(tp, err, PT_EDATA, "the trials name an environment the analysis lacks", NULL);
    goto out;
  }
  /* models in the dataset's order, which is the document's */
  const cJSON *m = pt_doc_models(doc) ? pt_doc_models(doc)->child : NULL;
  for (size_t i = 0; i < nmodel; i++, m = m ? m->next : NULL) {
    const char *name = pt_dataset_model_name(ds, i);
    if (!m || !pt_doc_model_name(m) || strcmp(pt_doc_model_name(m), name)) {
      rc = fail(tp, err, PT_EDATA, "the trials name a model the analysis lacks:", name);
      goto out;
    }
    tp->models[i] = name;
  }
  /* sessions: each environment's in time order */
  size_t ns = 0;
  for (size_t s = 0; s < nsess; s++)
    smap[s] = (sess_map){SIZE_MAX, SIZE_MAX, 0};
  for (size_t d = 0; d < nshown; d++) {
    size_t k = pt_dataset_env_sessions(ds, env_of[d], sorted);
    for (size_t i = 0; i < k; i++) {
      smap[sorted[i]].chart = ns;
      tp->sessions[ns++] = (pt_chart_session){d, NULL};
    }
  }
  /* points: every valid trial */
  pt_dataset_cell cell;
  for (size_t i = 0; i < nmodel; i++)
    for (size_t d = 0; d < nshown; d++)
      if (pt_dataset_cell_of(ds, i, env_of[d], &cell)) {
        if (npoint > SIZE_MAX - cell.n) {
          rc = fail(tp, err, PT_ENOMEM, "out of memory", NULL);
          goto out;
        }
        npoint += cell.n;
      }
  if (!(tp->points = calloc(npoint ? npoint : 1, sizeof *tp->points))) {
    rc = fail(tp, err, PT_ENOMEM, "out of memory", NULL);
    goto out;
  }
  size_t np = 0;
  for (size_t i = 0; i < nmodel; i++)
    for (size_t d = 0; d < nshown; d++) {
      if (!pt_dataset_cell_of(ds, i, env_of[d], &cell))
        continue;
      tp->spread = tp->spread || cell.n >= 2;
      for (size_t t = 0; t < cell.n; t++) {
        sess_map *sm = &smap[cell.session[t]];
        if (sm->model != i)
          *sm = (sess_map){sm->chart, i, 0};
        sm->count++;
        tp->series = tp->series || sm->count >= 2;
        tp->points[np++] = (pt_chart_point){i, sm->chart,
                                            cell.seq[t] ? (long)cell.seq[t] : (long)sm->count,
                                            cell.values[t]};
      }
    }
  tp->in = (pt_chart_points){mi.label ? mi.label : metric->label,
                             mi.unit ? mi.unit : metric->unit,
                             mi.higher_is_better,
                             tp->envs,
                             nshown,
                             tp->models,
                             nmodel,
                             tp->sessions,
                             ns,
                             tp->points,
                             np};
out:
  pt_doc_envs_free(&order);
  free(env_of);
  free(sorted);
  free(smap);
  return rc;
}
