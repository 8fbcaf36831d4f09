/* cli/options.c - option parsing and --help generated from one table. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/error.h"
#include "core/msg.h"

const char pt_exit_status_help[] =
    "exit status:\n"
    "  0    success\n"
    "  1    runtime failure (I/O, network, server, memory)\n"
    "  2    usage error (bad option or argument)\n"
    "  3    invalid input data (CSV, JSON, YAML, template, log)\n"
    "  4    some items failed, the others were processed (batch)\n"
    "  130  interrupted (SIGINT or SIGTERM)\n";

void pt_strlist_free(pt_strlist *l) {
  free(l->items);
  l->items = NULL;
  l->n = 0;
}

bool pt_strlist_push(pt_strlist *l, const char *s) {
  const char **p = realloc(l->items, (l->n + 1) * sizeof *p);
  if (!p)
    return false;
  p[l->n++] = s;
  l->items = p;
  return true;
}

int pt_usage_error(const pt_command *cmd, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  pt_errorf("%s: %s", cmd->name, msg);
  pt_errorf("usage: ptbench %s %s (see 'ptbench %s --help')", cmd->name,
            cmd->usage, cmd->name);
  return PT_EXIT_USAGE;
}

void pt_print_help(const pt_command *cmd, const pt_option *opts) {
  printf("usage: ptbench %s %s\n\n%s\n\noptions:\n", cmd->name, cmd->usage,
         cmd->summary);
  for (const pt_option *o = opts; o && o->type != PT_OPT_END; o++) {
    char left[64];
    char sh[8] = "    ";
    if (o->short_name)
      snprintf(sh, sizeof sh, "-%c, ", o->short_name);
    if (o->type == PT_OPT_FLAG)
      snprintf(left, sizeof left, "%s--%s", sh, o->long_name);
    else
      snprintf(left, sizeof left, "%s--%s %s", sh, o->long_name,
               o->arg ? o->arg : "VALUE");
    if (strlen(left) > 26)
      printf("  %s\n  %-26s %s\n", left, "", o->help);
    else
      printf("  %-26s %s\n", left, o->help);
  }
  printf("  %-26s %s\n", "-q, --quiet", "no warnings or progress, only errors");
  printf("  %-26s %s\n", "-h, --help", "show this help");
  if (cmd->details)
    printf("\n%s\n", cmd->details);
  printf("\n%s", pt_exit_status_help);
}

static const pt_option *find_long(const pt_option *opts, const char *name, size_t len) {
  for (const pt_option *o = opts; o && o->type != PT_OPT_END; o++)
    if (strlen(o->long_name) == len && !strncmp(o->long_name, name, len))
      return o;
  return NULL;
}

static const pt_option *find_short(const pt_option *opts, char c) {
  for (const pt_option *o = opts; o && o->type != PT_OPT_END; o++)
    if (o->short_name == c)
      return o;
  return NULL;
}

/* Store an option's value; returns -1 or PT_EXIT_USAGE. */
static int store(const pt_command *cmd, const pt_option *o, const char *val) {
  char *end;
  switch (o->type) {
  case PT_OPT_FLAG:
    *(bool *)o->value = true;
    return -1;
  case PT_OPT_STRING:
    *(const char **)o->value = val;
    return -1;
  case PT_OPT_LIST:
    if (!pt_strlist_push(o->value, val)) {
      pt_errorf("out of memory");
      return PT_EXIT_FAILURE;
    }
    return -1;
  case PT_OPT_INT: {
    errno = 0;
    long long v = strtoll(val, &end, 10);
    if (errno || end == val || *end)
      return pt_usage_error(cmd, "--%s: '%s' is not a whole number", o->long_name, val);
    *(long long *)o->value = v;
    return -1;
  }
  case PT_OPT_DOUBLE: {
    errno = 0;
    double v = strtod(val, &end);
    if (errno || end == val || *end || !isfinite(v))
      return pt_usage_error(cmd, "--%s: '%s' is not a number", o->long_name, val);
    *(double *)o->value = v;
    return -1;
  }
  case PT_OPT_END:
    break;
  }
  return PT_EXIT_USAGE;
}

int pt_parse_options(const pt_command *cmd, const pt_option *opts, int argc,
                     char **argv, int *first) {
  /* Operands are collected in order and moved behind the options. */
  char **operands = calloc((size_t)argc + 1, sizeof *operands);
  if (!operands) {
    pt_errorf("out of memory");
    return PT_EXIT_FAILURE;
  }
  int nops = 0, rc = -1, i;
  bool only_operands = false;
  for (i = 1; i < argc && rc == -1; i++) {
    char *a = argv[i];
    if (only_operands || a[0] != '-' || !strcmp(a, "-")) {
      operands[nops++] = a;
      continue;
    }
    if (!strcmp(a, "--")) {
      only_operands = true;
      continue;
    }
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      pt_print_help(cmd, opts);
      rc = PT_EXIT_OK;
      break;
    }
    if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
      pt_msg_set_quiet(true);
      continue;
    }
    const pt_option *o;
    const char *val = NULL;
    if (a[1] == '-') {
      const char *name = a + 2, *eq = strchr(name, '=');
      size_t len = eq ? (size_t)(eq - name) : strlen(name);
      o = find_long(opts, name, len);
      if (!o) {
        rc = pt_usage_error(cmd, "unknown option '%.*s'", (int)(len + 2), a);
        break;
      }
      if (eq) {
        if (o->type == PT_OPT_FLAG) {
          rc = pt_usage_error(cmd, "option '--%s' takes no value", o->long_name);
          break;
        }
        val = eq + 1;
      }
    } else {
      o = find_short(opts, a[1]);
      if (!o || a[2]) {
        rc = pt_usage_error(cmd, "unknown option '%s'", a);
        break;
      }
    }
    if (o->type != PT_OPT_FLAG && !val) {
      if (i + 1 >= argc) {
        rc = pt_usage_error(cmd, "option '--%s' needs a value (%s)", o->long_name,
                            o->arg ? o->arg : "VALUE");
        break;
      }
      val = argv[++i];
    }
    rc = store(cmd, o, val);
  }
  if (rc == -1) {
    int nopts = argc - nops;
    /* argv[0] stays; options are no longer needed, operands go last */
    memcpy(argv + nopts, operands, (size_t)nops * sizeof *argv);
    *first = nopts;
  }
  free(operands);
  return rc;
}
