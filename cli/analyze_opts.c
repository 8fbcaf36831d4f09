/* cli/analyze_opts.c - the analysis options shared by `analyze` and
 * `report` (cli/analyze_opts.h). */
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
  if (!(a->metric = pt_metric_find(a->metric_name)))
    return pt_usage_error(cmd, "unknown metric '%s' (known: %s)", a->metric_name,
                          pt_metric_names);
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

cJSON *pt_analyze_cli_run(const pt_analyze_cli *a, char *const *inputs, int n, int *status) {
  pt_error err;
  pt_error_clear(&err);
  cJSON *doc = NULL;
  pt_dataset *ds = pt_analyze_cli_read(a, inputs, n, status);
  if (!ds)
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
  if (!(doc = pt_analyze(ds, &ao, &err)) || check_labels(a, doc, &err)) {
    *status = pt_report(&err);
    cJSON_Delete(doc);
    doc = NULL;
  } else {
    /* on stderr whatever the format, so standard output holds only it */
    const cJSON *w;
    cJSON_ArrayForEach(w, pt_doc_warnings(doc)) pt_warnf("%s", pt_json_str(w, PT_DOC_MESSAGE));
    *status = PT_EXIT_OK;
  }
  pt_dataset_free(ds);
  return doc;
}

void pt_analyze_cli_free(pt_analyze_cli *a) {
  free(a->lab);
  a->lab = NULL;
  pt_strlist_free(&a->labels);
}
