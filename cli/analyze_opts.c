/* cli/analyze_opts.c - the analysis options shared by `analyze` and
 * `report` (cli/analyze_opts.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/doc.h"
#include "cli/analyze_opts.h"
#include "core/json.h"
#include "core/msg.h"

/* Split --label NAME=TEXT options into a->lab (pointing into argv). */
static int parse_labels(const pt_command *cmd, pt_analyze_cli *a) {
  a->lab = calloc(a->labels.n ? a->labels.n : 1, sizeof *a->lab);
  if (!a->lab) {
    pt_errorf("out of memory");
    return PT_EXIT_FAILURE;
  }
  for (size_t i = 0; i < a->labels.n; i++) {
    const char *eq = strchr(a->labels.items[i], '=');
    if (!eq || eq == a->labels.items[i])
      return pt_usage_error(cmd, "--label wants NAME=TEXT, got '%s'", a->labels.items[i]);
    /* the name is cut out of argv's copy in place */
    *(char *)eq = '\0';
    a->lab[i].name = a->labels.items[i];
    a->lab[i].text = eq + 1;
  }
  return -1;
}

int pt_analyze_cli_check(const pt_command *cmd, pt_analyze_cli *a) {
  pt_error err;
  pt_error_clear(&err);
  if (pt_metric_list_parse(a->metric_name, a->metrics, &a->nmetrics, &a->all_metrics, &err))
    return pt_usage_error(cmd, "%s", err.msg);
  a->metric = a->metrics[0];
  if (!(a->confidence > 0 && a->confidence < 1))
    return pt_usage_error(cmd, "--confidence must be between 0 and 1, got %g", a->confidence);
  if (!(a->alpha > 0 && a->alpha < 1))
    return pt_usage_error(cmd, "--alpha must be between 0 and 1, got %g", a->alpha);
  if (strcmp(a->adjust, "holm") && strcmp(a->adjust, "none"))
    return pt_usage_error(cmd, "unknown adjustment '%s' (known: holm, none)", a->adjust);
  return parse_labels(cmd, a);
}

pt_dataset *pt_analyze_cli_read(const pt_analyze_cli *a, char *const *inputs, int n,
                                int *status) {
  pt_error err;
  pt_error_clear(&err);
  pt_dataset *ds = pt_dataset_new(a->metric);
  if (!ds) {
    pt_errorf("out of memory");
    *status = PT_EXIT_FAILURE;
    return NULL;
  }
  for (int i = 0; i < n; i++)
    if (pt_dataset_add_input(ds, inputs[i], &err)) {
      *status = pt_report(&err);
      pt_dataset_free(ds);
      return NULL;
    }
  *status = PT_EXIT_OK;
  return ds;
}

/* Analyze the inputs for metric m: the document, or NULL with err set
 * (*ds kept when it was read, for the caller to free; *read true when the
 * inputs were read and the analysis itself failed). */
static cJSON *analyze_one(const pt_analyze_cli *a, const pt_metric *m, char *const *inputs,
                          int n, pt_dataset **ds, bool *read, pt_error *err) {
  *read = false;
  if (!(*ds = pt_dataset_new(m))) {
    pt_error_set(err, PT_ENOMEM, "out of memory");
    return NULL;
  }
  if (a->all_metrics)
    pt_dataset_metric_optional(*ds);
  for (int i = 0; i < n; i++)
    if (pt_dataset_add_input(*ds, inputs[i], err))
      return NULL;
  pt_analyze_opts ao;
  pt_analyze_opts_init(&ao);
  ao.baseline = a->baseline;
  ao.confidence = a->confidence;
  ao.alpha = a->alpha;
  ao.adjust = strcmp(a->adjust, "none") ? PT_ADJUST_HOLM : PT_ADJUST_NONE;
  ao.drop_outliers = a->drop_outliers;
  ao.labels = a->lab;
  ao.nlabels = a->labels.n;
  *read = true;
  return pt_analyze(*ds, &ao, err);
}

/* One metric's analysis, run in a thread of its own. */
typedef struct metric_job {
  const pt_analyze_cli *a;
  const pt_metric *m;
  char *const *inputs;
  int n;
  pt_dataset *ds;
  cJSON *doc;
  bool read;      /* the inputs were read (a failure is the analysis's) */
  pt_error err;
} metric_job;

static void *metric_worker(void *arg) {
  metric_job *j = arg;
  pt_error_clear(&j->err);
  j->doc = analyze_one(j->a, j->m, j->inputs, j->n, &j->ds, &j->read, &j->err);
  return NULL;
}

/* Every --label must name an environment of the analysis, as --baseline
 * must: PT_EUSAGE naming the first that does not and the known ones. */
static pt_code check_labels(const pt_analyze_cli *a, const cJSON *doc, pt_error *err) {
  for (size_t i = 0; i < a->labels.n; i++) {
    if (pt_doc_env_find(doc, a->lab[i].name))
      continue;
    pt_buf list = PT_BUF_INIT;
    const cJSON *e;
    cJSON_ArrayForEach(e, pt_doc_environments(doc)) {
      if (list.len >= 400) {
        pt_buf_puts(&list, ", ...");
        break;
      }
      pt_buf_printf(&list, "%s'%s'", list.len ? ", " : "", pt_doc_env_name(e));
    }
    pt_error_set(err, PT_EUSAGE, "--label: '%s' is not an environment of the data (found %s)",
                 a->lab[i].name, list.data ? list.data : "none");
    pt_buf_free(&list);
    return PT_EUSAGE;
  }
  return PT_OK;
}

cJSON *pt_analyze_cli_run_keep(const pt_analyze_cli *a, char *const *inputs, int n,
                               pt_dataset **sets, size_t *nsets, int *status) {
  pt_error err, first;
  pt_error_clear(&err);
  pt_error_clear(&first);
  cJSON *doc = NULL;
  *nsets = 0;
  /* the metrics are analyzed at once, each reading the inputs itself (a
   * dataset holds one metric); their documents are joined in order */
  metric_job jobs[PT_METRIC_MAX];
  pthread_t th[PT_METRIC_MAX];
  bool started[PT_METRIC_MAX] = {false};
  for (size_t i = 0; i < a->nmetrics; i++) {
    jobs[i] = (metric_job){a, a->metrics[i], inputs, n, NULL, NULL, false, {0}};
    started[i] = i > 0 && !pthread_create(&th[i], NULL, metric_worker, &jobs[i]);
  }
  if (a->nmetrics)
    metric_worker(&jobs[0]);
  for (size_t i = 1; i < a->nmetrics; i++) {
    if (started[i])
      pthread_join(th[i], NULL);
    else
      metric_worker(&jobs[i]);  /* no thread: here */
  }
  size_t i = 0;
  for (; i < a->nmetrics; i++) {
    pt_dataset *ds = jobs[i].ds;
    cJSON *one = jobs[i].doc;
    err = jobs[i].err;
    jobs[i].ds = NULL;
    jobs[i].doc = NULL;
    if (!one) {
      /* with "all", a metric the data lack (no usable trial) is left out;
       * reading errors and the rest stop the command */
      bool lacking = a->all_metrics && jobs[i].read && err.code == PT_EDATA && ds &&
                     pt_dataset_rows(ds);
      pt_dataset_free(ds);
      if (!lacking || (!doc && i + 1 == a->nmetrics)) {
        *status = pt_report(first.code && lacking ? &first : &err);
        goto fail;
      }
      if (!first.code)
        first = err;
      continue;
    }
    if (!doc) {
      doc = one;
    } else if (pt_doc_add_metric(doc, one, &err)) {
      pt_dataset_free(ds);
      *status = pt_report(&err);
      goto fail;
    }
    sets[(*nsets)++] = ds;
  }
  if (doc && check_labels(a, doc, &err)) {
    *status = pt_report(&err);
    goto fail;
  }
  /* on stderr whatever the format, so standard output holds only it */
  const cJSON *w, *sec;
  cJSON_ArrayForEach(w, pt_doc_warnings(doc)) pt_warnf("%s", pt_json_str(w, PT_DOC_MESSAGE));
  cJSON_ArrayForEach(sec, pt_doc_other_metrics(doc)) {
    const char *name = pt_doc_metric_of(sec).name;
    cJSON_ArrayForEach(w, pt_doc_warnings(sec))
        pt_warnf("%s: %s", name ? name : "?", pt_json_str(w, PT_DOC_MESSAGE));
  }
  *status = PT_EXIT_OK;
  return doc;
fail:
  for (size_t k = i + 1; k < a->nmetrics; k++) {  /* those not joined yet */
    pt_dataset_free(jobs[k].ds);
    cJSON_Delete(jobs[k].doc);
  }
  for (size_t k = 0; k < *nsets; k++)
    pt_dataset_free(sets[k]);
  *nsets = 0;
  cJSON_Delete(doc);
  return NULL;
}

cJSON *pt_analyze_cli_run(const pt_analyze_cli *a, char *const *inputs, int n, int *status) {
  pt_dataset *sets[PT_METRIC_MAX];
  size_t nsets = 0;
  cJSON *doc = pt_analyze_cli_run_keep(a, inputs, n, sets, &nsets, status);
  for (size_t i = 0; i < nsets; i++)
    pt_dataset_free(sets[i]);
  return doc;
}

void pt_analyze_cli_free(pt_analyze_cli *a) {
  free(a->lab);
  a->lab = NULL;
  pt_strlist_free(&a->labels);
}
