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
#include <stdio.h>

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

/* Parse argv[1..] against opts (argv[0] is the command name), getopt_long's
 * way: "--name VALUE", "--name=VALUE" (an unambiguous abbreviation of a name
 * stands for it; an ambiguous one is a usage error listing the options it
 * begins), "-x VALUE", "-xVALUE", flags grouped
 * as "-abc", "--" ends options, "-" is an operand (cli/options.c). --help/-h
 * and --quiet/-q are handled for every command, so no table may use 'h' or
 * 'q'. A short letter means one long option in every command
 * (tests/cli/test_options.sh checks). On success returns -1 and sets *first
 * to the index of the first operand (options and operands may mix; operands
 * are moved to the end, in order). Otherwise returns the exit status: 0 after
 * printing --help, PT_EXIT_USAGE after a usage error (a mistyped long option
 * gets git's "did you mean" suggestion). */
int pt_parse_options(const pt_command *cmd, const pt_option *opts, int argc,
                     char **argv, int *first);

/* Print "ptbench: CMD: <message>" and the --help hint; returns PT_EXIT_USAGE. */
int pt_usage_error(const pt_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void pt_print_help(const pt_command *cmd, const pt_option *opts);

/* Damerau-Levenshtein distance from a to b with weights for a swap of two
 * neighbours (w), a substitution (s), an insertion (add) and a deletion
 * (del), as git's levenshtein.c computes it. INT_MAX when out of memory or
 * for words over 1024 bytes. */
int pt_levenshtein(const char *a, const char *b, int w, int s, int add, int del);

/* git's rule for "did you mean" (help.c, help_unknown_cmd): a name that
 * starts with typed scores 0, any other levenshtein(typed, name, 0, 2, 1, 3)
 * + 1; when typed is a prefix of every name, or the best score is 7 or more,
 * there is no suggestion. Writes the indices of the best-scoring names, in
 * strcmp order, to best (at most max) and returns how many. (When some names
 * start with typed, git also lists the other names of the next score, and
 * nothing at all when that score is 7 or more; here the prefix matches are
 * the suggestion.) */
size_t pt_suggest(const char *typed, const char *const *names, size_t n, size_t *best,
                  size_t max);

/* "did you mean 'DASHESname'?" ("... 'a' or 'b'?" for a tie, at most four
 * names) for typed among names, or "" when pt_suggest finds none. Writes to
 * buf (size bytes, truncated to fit) and returns it. */
const char *pt_did_you_mean(const char *typed, const char *const *names, size_t n,
                            const char *dashes, char *buf, size_t size);

/* Print the exit-status list (core/error.h PT_EXIT_MAP) as every --help
 * shows it: "exit status:", then one entry per status, wrapped at 79
 * columns. The README's table states the same meanings. */
void pt_print_exit_statuses(FILE *fp);

/* The commands, one file each. */
extern const pt_command pt_cmd_analyze;
extern const pt_command pt_cmd_collect;
extern const pt_command pt_cmd_import;
extern const pt_command pt_cmd_template;
extern const pt_command pt_cmd_render;
extern const pt_command pt_cmd_report;
extern const pt_command pt_cmd_batch;
extern const pt_command pt_cmd_power;

#endif
