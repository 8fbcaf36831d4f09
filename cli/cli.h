/* cli/cli.h - the command layer: command descriptors and option tables.
 *
 * Each command lives in its own file cli/cmd_NAME.c and exports one
 * pt_command. Its options are a pt_option table that both the parser and the
 * --help text are generated from, so the two cannot drift (git's
 * parse-options, curl's tool_getparam). Only this layer prints and exits.
 *
 * To add a command:
 *   1. write cli/cmd_NAME.c exporting `const pt_command pt_cmd_NAME`, whose
 *      run function declares its option table, calls pt_parse_options(),
 *      does the work through library calls and returns an exit status
 *      (core/error.h PT_EXIT_*);
 *   2. declare it below and add it to the table in cli/main.c;
 *   3. document it in README.md and add a CLI test under tests/cli/.
 */
#ifndef PT_CLI_H
#define PT_CLI_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
  PT_OPT_END = 0,
  PT_OPT_FLAG,    /* bool */
  PT_OPT_STRING,  /* const char * (points into argv) */
  PT_OPT_INT,     /* long long, checked with strtoll */
  PT_OPT_DOUBLE,  /* double, checked with strtod, finite */
  PT_OPT_LIST,    /* pt_strlist: repeatable string */
} pt_opt_type;

typedef struct pt_strlist {
  const char **items;  /* point into argv; the array is owned */
  size_t n;
} pt_strlist;

void pt_strlist_free(pt_strlist *l);
/* Append (the string is not copied). Returns false when out of memory. */
bool pt_strlist_push(pt_strlist *l, const char *s);

typedef struct pt_option {
  char short_name;        /* 0 = none */
  const char *long_name;  /* without "--" */
  pt_opt_type type;
  void *value;            /* where the parsed value goes */
  const char *arg;        /* name of the argument in help, e.g. "FILE" */
  const char *help;       /* one line; "(default: ...)" belongs here */
} pt_option;

#define PT_OPT_TABLE_END {0, NULL, PT_OPT_END, NULL, NULL, NULL}

typedef struct pt_command {
  const char *name;
  const char *usage;    /* after "ptbench NAME ", e.g. "[options] INPUT..." */
  const char *summary;  /* one line for the command list */
  const char *details;  /* paragraph printed after the options, may be NULL */
  int (*run)(int argc, char **argv);
} pt_command;

/* Parse argv[1..] against opts (argv[0] is the command name). --help/-h and
 * --quiet/-q are handled for every command. On success returns -1 and sets
 * *first to the index of the first operand (options and operands may mix;
 * operands are moved to the end, "--" ends options). Otherwise returns the
 * exit status: 0 after printing --help, PT_EXIT_USAGE after a usage error. */
int pt_parse_options(const pt_command *cmd, const pt_option *opts, int argc,
                     char **argv, int *first);

/* Print "ptbench: CMD: <message>" and the --help hint; returns PT_EXIT_USAGE. */
int pt_usage_error(const pt_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void pt_print_help(const pt_command *cmd, const pt_option *opts);

/* The exit-status list shared by every --help and the README. */
extern const char pt_exit_status_help[];

/* The commands, one file each. */
extern const pt_command pt_cmd_analyze;
extern const pt_command pt_cmd_collect;
extern const pt_command pt_cmd_import;
extern const pt_command pt_cmd_template;
extern const pt_command pt_cmd_render;
extern const pt_command pt_cmd_report;
extern const pt_command pt_cmd_batch;

#endif
