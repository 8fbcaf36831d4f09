/* cli/options.c - option parsing and --help generated from one table, and
 * git's "did you mean" suggestions for mistyped commands and options.
 *
 * The grammar is POSIX getopt's with GNU long options, as curl and git read
 * theirs:
 *   --name VALUE, --name=VALUE   a long option and its value; an unambiguous
 *                                beginning of its name stands for it ("--fo md"
 *                                is "--format md"), an ambiguous one is an
 *                                error listing the possibilities
 *   -x VALUE, -xVALUE            a short option and its value
 *   -abc, -abxVALUE              flags grouped behind one dash; the first
 *                                option that takes a value takes the rest
 *   --                           ends options: everything after is an operand
 *   -                            an operand (standard input)
 * Options and operands may mix; operands keep their order. A single-dash word
 * of three letters or more that begins a long option's name ("-model") is
 * refused with git's "with two dashes" hint instead of being read as "-m odel".
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/error.h"
#include "core/msg.h"

void pt_print_exit_statuses(FILE *fp) {
  enum { WIDTH = 79, INDENT = 7 };
  static const struct {
    int status;
    const char *meaning;
  } list[] = {
#define PT_X(name, status, meaning) {status, meaning},
      PT_EXIT_MAP(PT_X)
#undef PT_X
  };
  fputs("exit status:\n", fp);
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
    /* "  N    meaning", wrapped at spaces, continued under the meaning */
    fprintf(fp, "  %-4d ", list[i].status);
    const char *s = list[i].meaning;
    while (*s) {
      size_t room = WIDTH - INDENT, n = strlen(s);
      if (n > room) {
        n = room;
        while (n > 0 && s[n] != ' ')
          n--;
        if (n == 0)  /* a word longer than the line */
          n = strcspn(s, " ");
      }
      fprintf(fp, "%.*s\n", (int)n, s);
      s += n;
      while (*s == ' ')
        s++;
      if (*s)
        fprintf(fp, "%*s", INDENT, "");
    }
  }
}

void pt_strlist_free(pt_strlist *l) {
  free(l->items);
  l->items = NULL;
  l->n = 0;
}

bool pt_strlist_push(pt_strlist *l, const char *s) {
  if (l->n >= SIZE_MAX / sizeof *l->items - 1)
    return false;
  const char **p = realloc(l->items, (l->n + 1) * sizeof *p);
  if (!p)
    return false;
  p[l->n++] = s;
  l->items = p;
  return true;
}

/* ------------------------------------------------------------ suggestions */

int pt_levenshtein(const char *a, const char *b, int w, int s, int add, int del) {
  /* git's levenshtein.c: Damerau-Levenshtein over the last three rows; row2[j]
   * is the distance of a[0..i] to b[0..j). */
  size_t la = strlen(a), lb = strlen(b);
  if (la > 1024 || lb > 1024)
    return INT_MAX;  /* no word worth suggesting for */
  int *rows = malloc(3 * (lb + 1) * sizeof *rows);
  if (!rows)
    return INT_MAX;
  int *row0 = rows, *row1 = rows + lb + 1, *row2 = rows + 2 * (lb + 1);
  for (size_t j = 0; j <= lb; j++)
    row1[j] = (int)j * add;
  for (size_t i = 0; i < la; i++) {
    row2[0] = (int)(i + 1) * del;
    for (size_t j = 0; j < lb; j++) {
      row2[j + 1] = row1[j] + s * (a[i] != b[j]);                /* substitution */
      if (i > 0 && j > 0 && a[i - 1] == b[j] && a[i] == b[j - 1] &&
          row2[j + 1] > row0[j - 1] + w)
        row2[j + 1] = row0[j - 1] + w;                           /* swap */
      if (row2[j + 1] > row1[j + 1] + del)
        row2[j + 1] = row1[j + 1] + del;                         /* deletion */
      if (row2[j + 1] > row2[j] + add)
        row2[j + 1] = row2[j] + add;                             /* insertion */
    }
    int *t = row0;
    row0 = row1;
    row1 = row2;
    row2 = t;
  }
  int d = row1[lb];
  free(rows);
  return d;
}

/* git's help.c: a score below 7 is similar enough. */
#define SIMILARITY_FLOOR 7

/* help_unknown_cmd's score: 0 for a name that starts with what was typed,
 * else levenshtein(typed, name, 0, 2, 1, 3) + 1. */
static int similarity(const char *typed, const char *name) {
  if (!strncmp(name, typed, strlen(typed)))
    return 0;
  int d = pt_levenshtein(typed, name, 0, 2, 1, 3);
  return d == INT_MAX ? d : d + 1;
}

size_t pt_suggest(const char *typed, const char *const *names, size_t n, size_t *best,
                  size_t max) {
  if (!*typed)
    return 0;
  int low = INT_MAX;
  size_t nprefix = 0;
  for (size_t i = 0; i < n; i++) {
    int score = similarity(typed, names[i]);
    nprefix += score == 0;
    if (score < low)
      low = score;
  }
  /* prefix matches with every name are too ambiguous */
  if (nprefix == n || low >= SIMILARITY_FLOOR)
    return 0;
  /* the names of the lowest score, in strcmp order (git's QSORT) */
  size_t k = 0;
  const char *prev = NULL;
  while (k < max) {
    size_t pick = n;
    for (size_t i = 0; i < n; i++)
      if ((!prev || strcmp(names[i], prev) > 0) &&
          (pick == n || strcmp(names[i], names[pick]) < 0) && similarity(typed, names[i]) == low)
        pick = i;
    if (pick == n)
      break;
    best[k++] = pick;
    prev = names[pick];
  }
  return k;
}

const char *pt_did_you_mean(const char *typed, const char *const *names, size_t n,
                            const char *dashes, char *buf, size_t size) {
  size_t best[4];
  size_t k = pt_suggest(typed, names, n, best, sizeof best / sizeof best[0]);
  if (size)
    buf[0] = '\0';
  size_t len = 0;
  for (size_t i = 0; i < k && len < size; i++) {
    const char *sep = i == 0 ? "did you mean " : i + 1 == k ? " or " : ", ";
    int w = snprintf(buf + len, size - len, "%s'%s%s'", sep, dashes, names[best[i]]);
    if (w < 0)
      break;
    len += (size_t)w;
  }
  if (k && len < size)
    snprintf(buf + len, size - len, "?");
  return buf;
}

/* ------------------------------------------------------------ help */

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
  putchar('\n');
  pt_print_exit_statuses(stdout);
}

/* ------------------------------------------------------------ parsing */

/* Options every command has; they are not in the tables. */
static const char *const builtin_long[] = {"help", "quiet"};
#define NBUILTIN (sizeof builtin_long / sizeof builtin_long[0])

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

/* "did you mean '--x'?" for a mistyped long option name, or "". */
static const char *suggest_long(const pt_option *opts, const char *name, size_t len,
                                char *buf, size_t size) {
  size_t n = NBUILTIN;
  for (const pt_option *o = opts; o && o->type != PT_OPT_END; o++)
    n++;
  const char **names = malloc(n * sizeof *names);
  char *typed = strndup(name, len);
  buf[0] = '\0';
  if (names && typed) {
    n = 0;
    for (const pt_option *o = opts; o && o->type != PT_OPT_END; o++)
      names[n++] = o->long_name;
    for (size_t i = 0; i < NBUILTIN; i++)
      names[n++] = builtin_long[i];
    pt_did_you_mean(typed, names, n, "--", buf, size);
  }
  free(names);
  free(typed);
  return buf;  /* no suggestion when out of memory: the error is still right */
}

/* The long option a single-dash word like "model" begins (git's
 * check_typos: at least three letters), or NULL. */
static const char *two_dash_typo(const pt_option *opts, const char *word) {
  size_t len = strlen(word);
  if (len < 3)
    return NULL;
  for (const pt_option *o = opts; o && o->type != PT_OPT_END; o++)
    if (!strncmp(o->long_name, word, len))
      return o->long_name;
  for (size_t i = 0; i < NBUILTIN; i++)
    if (!strncmp(builtin_long[i], word, len))
      return builtin_long[i];
  return NULL;
}

/* Store an option's value; returns -1 or the exit status after the error. */
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

typedef struct parse_state {
  const pt_command *cmd;
  const pt_option *opts;
  int argc;
  char **argv;
  int i;  /* the argument being read; a value taken from the next moves it */
} parse_state;

/* The value of option o: attached (non-NULL) or the next argument. */
static int take_value(parse_state *p, const pt_option *o, const char *attached,
                      const char **val) {
  if (attached) {
    *val = attached;
    return -1;
  }
  if (p->i + 1 >= p->argc)
    return pt_usage_error(p->cmd, "option '--%s' needs a value (%s)", o->long_name,
                          o->arg ? o->arg : "VALUE");
  *val = p->argv[++p->i];
  return -1;
}

/* Append "'--name'" to the list in msg (size bytes, cut to fit). */
static void list_name(char *msg, size_t size, size_t *used, const char *name) {
  if (*used >= size)
    return;
  int w = snprintf(msg + *used, size - *used, "%s'--%s'", *used ? ", " : "", name);
  *used += w > 0 ? (size_t)w : 0;
}

/* The long option name[0..len) stands for, getopt_long's way: the option
 * of that name, else the one option it abbreviates (two names of one
 * option, as --out and --output, count once). *builtin gets the index of
 * --help or --quiet (NULL is returned then), else -1. No match: NULL. More
 * than one: NULL, *ambiguous set and the candidates listed in msg. */
static const pt_option *resolve_long(const pt_option *opts, const char *name, size_t len,
                                     int *builtin, bool *ambiguous, char *msg, size_t size) {
  *builtin = -1;
  *ambiguous = false;
  msg[0] = '\0';
  for (size_t i = 0; i < NBUILTIN; i++)
    if (strlen(builtin_long[i]) == len && !strncmp(builtin_long[i], name, len)) {
      *builtin = (int)i;
      return NULL;
    }
  const pt_option *o = find_long(opts, name, len);
  if (o || len == 0)
    return o;
  const pt_option *pick = NULL;
  int pick_builtin = -1;
  size_t n = 0, used = 0;
  for (const pt_option *t = opts; t && t->type != PT_OPT_END; t++) {
    if (strncmp(t->long_name, name, len))
      continue;
    bool again = false;  /* another name of an option already counted */
    for (const pt_option *u = opts; u < t && !again; u++)
      again = !strncmp(u->long_name, name, len) && u->value == t->value && u->type == t->type;
    if (again)
      continue;
    if (!n)
      pick = t;
    n++;
    list_name(msg, size, &used, t->long_name);
  }
  for (size_t i = 0; i < NBUILTIN; i++) {
    if (strncmp(builtin_long[i], name, len))
      continue;
    if (!n)
      pick_builtin = (int)i;
    n++;
    list_name(msg, size, &used, builtin_long[i]);
  }
  if (n > 1) {
    *ambiguous = true;
    return NULL;
  }
  *builtin = pick_builtin;
  return pick;
}

/* "--name", "--name=value"; returns -1 to go on, else the exit status. */
static int parse_long(parse_state *p, const char *a) {
  const char *name = a + 2, *eq = strchr(name, '=');
  size_t len = eq ? (size_t)(eq - name) : strlen(name);
  int builtin;
  bool ambiguous;
  char candidates[512];
  const pt_option *o = resolve_long(p->opts, name, len, &builtin, &ambiguous, candidates,
                                    sizeof candidates);
  if (ambiguous)
    return pt_usage_error(p->cmd, "option '--%.*s' is ambiguous; possibilities: %s", (int)len,
                          name, candidates);
  if (builtin >= 0) {
    bool is_help = !strcmp(builtin_long[builtin], "help");
    if (eq)
      return pt_usage_error(p->cmd, "option '--%s' takes no value", builtin_long[builtin]);
    if (is_help) {
      pt_print_help(p->cmd, p->opts);
      return PT_EXIT_OK;
    }
    pt_msg_set_quiet(true);
    return -1;
  }
  if (!o) {
    char hint[256];
    suggest_long(p->opts, name, len, hint, sizeof hint);
    return pt_usage_error(p->cmd, "unknown option '--%.*s'%s%s", (int)len, name,
                          *hint ? "; " : "", hint);
  }
  if (eq && o->type == PT_OPT_FLAG)
    return pt_usage_error(p->cmd, "option '--%s' takes no value", o->long_name);
  const char *val = NULL;
  int rc = o->type == PT_OPT_FLAG ? -1 : take_value(p, o, eq ? eq + 1 : NULL, &val);
  return rc == -1 ? store(p->cmd, o, val) : rc;
}

/* "-x", "-xVALUE", "-abc"; returns -1 to go on, else the exit status. */
static int parse_short(parse_state *p, const char *a) {
  const char *typo = two_dash_typo(p->opts, a + 1);
  if (typo)
    return pt_usage_error(p->cmd, "unknown option '%s'; did you mean '--%s' (with two dashes)?",
                          a, typo);
  for (const char *c = a + 1; *c; c++) {
    if (*c == 'h') {
      pt_print_help(p->cmd, p->opts);
      return PT_EXIT_OK;
    }
    if (*c == 'q') {
      pt_msg_set_quiet(true);
      continue;
    }
    const pt_option *o = find_short(p->opts, *c);
    if (!o) {
      if (c == a + 1 && !c[1])
        return pt_usage_error(p->cmd, "unknown option '%s'", a);
      return pt_usage_error(p->cmd, "unknown option '-%c' in '%s'", *c, a);
    }
    if (o->type == PT_OPT_FLAG) {
      int rc = store(p->cmd, o, NULL);
      if (rc != -1)
        return rc;
      continue;
    }
    const char *val = NULL;
    int rc = take_value(p, o, c[1] ? c + 1 : NULL, &val);
    return rc == -1 ? store(p->cmd, o, val) : rc;
  }
  return -1;
}

int pt_parse_options(const pt_command *cmd, const pt_option *opts, int argc,
                     char **argv, int *first) {
  /* Operands are collected in order and moved behind the options. */
  char **operands = calloc((size_t)argc + 1, sizeof *operands);
  if (!operands) {
    pt_errorf("out of memory");
    return PT_EXIT_FAILURE;
  }
  parse_state p = {cmd, opts, argc, argv, 1};
  int nops = 0, rc = -1;
  bool only_operands = false;
  for (; p.i < argc && rc == -1; p.i++) {
    char *a = argv[p.i];
    if (only_operands || a[0] != '-' || !strcmp(a, "-"))
      operands[nops++] = a;
    else if (!strcmp(a, "--"))
      only_operands = true;
    else if (a[1] == '-')
      rc = parse_long(&p, a);
    else
      rc = parse_short(&p, a);
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
