/* tests/unit/test_options.c - the option parser and the "did you mean"
 * suggestions of cli/options.c, as tables of cases (curl's tests/unit
 * tool1394 style: input, every output, the exact message).
 *
 * The expected parses follow POSIX getopt and GNU getopt_long (which
 * `getopt_long(3)` documents and git's and curl's parsers share): attached
 * values "-fmd" and "--format=md", grouped flags "-va", "--" ending options,
 * and an unambiguous abbreviation standing for a long option ("--fo" for
 * "--format"; getopt_long(3): "Long option names may be abbreviated if the
 * abbreviation is unique or is an exact match for some defined option"),
 * an ambiguous one an error listing the possibilities.
 * Edit distances are worked out by hand from the definition in git's
 * levenshtein.c (the comment beside each case says which edits); the
 * suggestion thresholds are git's help.c (help_unknown_cmd).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/msg.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int run_noop(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return 0;
}

static const pt_command cmd = {"demo", "[options] FILE...", "a command for the tests", NULL,
                               run_noop};

/* What one parse gave: every option's value and the operands, as text. */
typedef struct parsed {
  const char *format, *out, *name;
  long long count;
  double ratio;
  bool verbose, all, drop, nameless;
  pt_strlist labels;
} parsed;

static const struct {
  const char *args[8];  /* after the command name; NULL-terminated */
  int rc;               /* -1: parsed; else the exit status */
  const char *want;     /* "format|out|name|count|ratio|v|a|drop|labels|operands",
                         * then "|nameless" when that flag is set */
  const char *err;      /* everything written to stderr */
} parse_cases[] = {
    /* long options: separate and attached values */
    {{"--format", "md", "in.csv"}, -1, "md|||0|0|0|0|0||in.csv", ""},
    {{"--format=md", "in.csv"}, -1, "md|||0|0|0|0|0||in.csv", ""},
    {{"--format=", "x"}, -1, "|||0|0|0|0|0||x", ""},
    {{"--name=a=b"}, -1, "||a=b|0|0|0|0|0||", ""},
    {{"--count=-3", "--ratio", "-0.5"}, -1, "|||-3|-0.5|0|0|0||", ""},
    /* short options: separate, attached, grouped */
    {{"-f", "md"}, -1, "md|||0|0|0|0|0||", ""},
    {{"-fmd"}, -1, "md|||0|0|0|0|0||", ""},
    {{"-o", "file"}, -1, "|file||0|0|0|0|0||", ""},
    {{"-ofile"}, -1, "|file||0|0|0|0|0||", ""},
    {{"-va"}, -1, "|||0|0|1|1|0||", ""},
    {{"-vafmd", "x"}, -1, "md|||0|0|1|1|0||x", ""},
    {{"-vf", "md"}, -1, "md|||0|0|1|0|0||", ""},
    {{"-n12", "-x0.25"}, -1, "|||12|0.25|0|0|0||", ""},
    {{"-qv"}, -1, "|||0|0|1|0|0||", ""},
    {{"-f-"}, -1, "-|||0|0|0|0|0||", ""},
    {{"-o", "-v"}, -1, "|-v||0|0|0|0|0||", ""},  /* a value may start with '-' */
    /* repeatable, last wins, operands keep their order around options */
    {{"a", "-l", "x=1", "b", "--label=y=2", "-lz=3", "c"}, -1, "|||0|0|0|0|0|x=1,y=2,z=3|a,b,c", ""},
    {{"-f", "md", "-f", "csv"}, -1, "csv|||0|0|0|0|0||", ""},
    {{"--drop", "-"}, -1, "|||0|0|0|0|1||-", ""},
    /* "--" ends options */
    {{"--", "-v", "--format=md"}, -1, "|||0|0|0|0|0||-v,--format=md", ""},
    {{"-v", "--", "--"}, -1, "|||0|0|1|0|0||--", ""},
    /* abbreviations (getopt_long): an unambiguous beginning of a long name
     * stands for it; the exact name wins over longer ones it begins; two
     * names of one option (--out, --output) are no ambiguity */
    {{"--fo", "md"}, -1, "md|||0|0|0|0|0||", ""},
    {{"--form=md", "x"}, -1, "md|||0|0|0|0|0||x", ""},
    {{"--verbos"}, -1, "|||0|0|1|0|0||", ""},
    {{"--v", "--a", "--d"}, -1, "|||0|0|1|1|1||", ""},
    {{"--co=7", "--r", "2"}, -1, "|||7|2|0|0|0||", ""},
    {{"--o", "f"}, -1, "|f||0|0|0|0|0||", ""},
    {{"--outp=g"}, -1, "|g||0|0|0|0|0||", ""},
    {{"--la", "k=v"}, -1, "|||0|0|0|0|0|k=v|", ""},
    {{"--name", "x"}, -1, "||x|0|0|0|0|0||", ""},
    {{"--namel", "x"}, -1, "|||0|0|0|0|0||x|nameless", ""},
    {{"--nameless"}, -1, "|||0|0|0|0|0|||nameless", ""},
    {{"--qu", "--ver"}, -1, "|||0|0|1|0|0||", ""},
    {{"--nam", "x"}, 2, "", "demo: option '--nam' is ambiguous; possibilities: '--name', '--nameless'\n"},
    {{"--n", "x"}, 2, "", "demo: option '--n' is ambiguous; possibilities: '--name', '--nameless'\n"},
    {{"--ver=yes"}, 2, "", "demo: option '--verbose' takes no value\n"},
    {{"--he=1"}, 2, "", "demo: option '--help' takes no value\n"},
    {{"--fo"}, 2, "", "demo: option '--format' needs a value (FMT)\n"},
    {{"--cou=x"}, 2, "", "demo: --count: 'x' is not a whole number\n"},
    /* errors */
    {{"--frobnicate"}, 2, "", "demo: unknown option '--frobnicate'\n"},
    {{"--fromat", "md"}, 2, "", "demo: unknown option '--fromat'; did you mean '--format'?\n"},
    {{"--lable=x"}, 2, "", "demo: unknown option '--lable'; did you mean '--label'?\n"},
    {{"--qiet"}, 2, "", "demo: unknown option '--qiet'; did you mean '--quiet'?\n"},
    {{"-z"}, 2, "", "demo: unknown option '-z'\n"},
    {{"-vz"}, 2, "", "demo: unknown option '-z' in '-vz'\n"},
    {{"-format", "md"}, 2, "",
     "demo: unknown option '-format'; did you mean '--format' (with two dashes)?\n"},
    {{"-verb"}, 2, "", "demo: unknown option '-verb'; did you mean '--verbose' (with two dashes)?\n"},
    {{"--verbose=yes"}, 2, "", "demo: option '--verbose' takes no value\n"},
    {{"--quiet=1"}, 2, "", "demo: option '--quiet' takes no value\n"},
    {{"--format"}, 2, "", "demo: option '--format' needs a value (FMT)\n"},
    {{"-f"}, 2, "", "demo: option '--format' needs a value (FMT)\n"},
    {{"-vf"}, 2, "", "demo: option '--format' needs a value (FMT)\n"},
    {{"-nx"}, 2, "", "demo: --count: 'x' is not a whole number\n"},
    {{"--count="}, 2, "", "demo: --count: '' is not a whole number\n"},
    {{"--ratio=inf"}, 2, "", "demo: --ratio: 'inf' is not a number\n"},
};

static char *join(char **items, size_t n) {
  size_t len = 1;
  for (size_t i = 0; i < n; i++)
    len += strlen(items[i]) + 1;
  char *s = calloc(len, 1);
  assert_non_null(s);
  for (size_t i = 0; i < n; i++) {
    if (i)
      strcat(s, ",");
    strcat(s, items[i]);
  }
  return s;
}

static void test_parse_table(void **state) {
  (void)state;
  for (size_t c = 0; c < COUNT(parse_cases); c++) {
    parsed p = {0};
    const pt_option opts[] = {
        {'f', "format", PT_OPT_STRING, &p.format, "FMT", "format"},
        {'o', "out", PT_OPT_STRING, &p.out, "FILE", "output"},
        {0, "output", PT_OPT_STRING, &p.out, "FILE", "the same as --out"},
        {0, "name", PT_OPT_STRING, &p.name, "N", "a long option only"},
        {'n', "count", PT_OPT_INT, &p.count, "N", "a whole number"},
        {'x', "ratio", PT_OPT_DOUBLE, &p.ratio, "R", "a number"},
        {'v', "verbose", PT_OPT_FLAG, &p.verbose, NULL, "a flag"},
        {'a', "all", PT_OPT_FLAG, &p.all, NULL, "another flag"},
        {0, "drop", PT_OPT_FLAG, &p.drop, NULL, "a long flag"},
        {'l', "label", PT_OPT_LIST, &p.labels, "L", "repeatable"},
        {0, "nameless", PT_OPT_FLAG, &p.nameless, NULL, "a name --name begins"},
        PT_OPT_TABLE_END,
    };
    char *argv[10];
    int argc = 0;
    argv[argc++] = "demo";
    for (size_t i = 0; parse_cases[c].args[i]; i++)
      argv[argc++] = (char *)parse_cases[c].args[i];
    argv[argc] = NULL;

    char *errbuf = NULL;
    size_t errlen = 0;
    FILE *errfp = open_memstream(&errbuf, &errlen);
    assert_non_null(errfp);
    pt_msg_set_stream(errfp);
    int first = -1;
    int rc = pt_parse_options(&cmd, opts, argc, argv, &first);
    pt_msg_set_stream(NULL);
    pt_msg_set_quiet(false);
    fclose(errfp);

    if (rc != parse_cases[c].rc)
      fail_msg("case %zu: status %d, want %d; stderr: %s", c, rc, parse_cases[c].rc, errbuf);
    /* an error adds the usage line; the table holds the first line */
    char *nl = strchr(errbuf, '\n');
    if (nl && rc != -1)
      nl[1] = '\0';
    char want_err[512] = "";
    if (*parse_cases[c].err)
      snprintf(want_err, sizeof want_err, "ptbench: %s", parse_cases[c].err);
    if (strcmp(errbuf, want_err))
      fail_msg("case %zu: stderr\n  got:  %s\n  want: %s", c, errbuf, want_err);
    free(errbuf);
    if (rc == -1) {
      char *labels = join((char **)p.labels.items, p.labels.n);
      char *operands = join(argv + first, (size_t)(argc - first));
      char got[512];
      snprintf(got, sizeof got, "%s|%s|%s|%lld|%g|%d|%d|%d|%s|%s%s", p.format ? p.format : "",
               p.out ? p.out : "", p.name ? p.name : "", p.count, p.ratio, p.verbose, p.all,
               p.drop, labels, operands, p.nameless ? "|nameless" : "");
      if (strcmp(got, parse_cases[c].want))
        fail_msg("case %zu: parsed\n  got:  %s\n  want: %s", c, got, parse_cases[c].want);
      free(labels);
      free(operands);
    }
    pt_strlist_free(&p.labels);
  }
}

/* git's levenshtein(a, b, 0, 2, 1, 3): swaps free, substitution 2, insertion
 * 1, deletion 3. Each distance worked out by hand. */
static void test_levenshtein(void **state) {
  (void)state;
  static const struct {
    const char *a, *b;
    int want;
  } cases[] = {
      {"", "", 0},
      {"", "abc", 3},             /* three insertions */
      {"abc", "", 9},             /* three deletions */
      {"collect", "collect", 0},
      {"colect", "collect", 1},   /* insert l */
      {"modle", "model", 0},      /* swap le -> el */
      {"analyse", "analyze", 2},  /* substitute s -> z */
      {"reprot", "report", 0},    /* swap ro -> or */
      {"renderr", "render", 3},   /* delete r */
      {"xyz", "render", 9},       /* no letter shared: 3 substitutions + 3 insertions */
      {"ab", "ba", 0},            /* one swap */
      {"abc", "ca", 7},           /* insert c, keep a, delete b and c: 1 + 3 + 3 */
  };
  for (size_t i = 0; i < COUNT(cases); i++) {
    int got = pt_levenshtein(cases[i].a, cases[i].b, 0, 2, 1, 3);
    if (got != cases[i].want)
      fail_msg("levenshtein(%s, %s): got %d, want %d", cases[i].a, cases[i].b, got, cases[i].want);
  }
}

/* git's help_unknown_cmd rule over ptbench's command names. */
static void test_suggest_table(void **state) {
  (void)state;
  static const char *const commands[] = {"collect", "analyze", "import", "template",
                                         "render",  "report",  "batch"};
  static const char *const options[] = {"env",  "label", "host", "plan", "model", "prompts",
                                        "trials", "temperature", "timeout", "help", "quiet"};
  static const struct {
    const char *typed;
    bool commands;   /* else the option names */
    const char *want;  /* the names suggested, comma-separated, "" for none */
  } cases[] = {
      {"colect", true, "collect"},           /* 1 insertion: score 2 */
      {"analyse", true, "analyze"},          /* 1 substitution: score 3 */
      {"reprot", true, "report"},            /* 1 swap: score 1 */
      {"r", true, "render,report"},          /* prefix of both: score 0, ties by name */
      {"re", true, "render,report"},
      {"temp", true, "template"},            /* prefix */
      {"xyzzy", true, ""},                   /* nothing under 7 */
      {"", true, ""},                        /* a prefix of every name: too ambiguous */
      {"modle", false, "model"},             /* swap: score 1 */
      {"t", false, "temperature,timeout,trials"},
      {"tmieout", false, "timeout"},         /* swap: score 1 */
      {"lable", false, "label"},
      {"prompt", false, "prompts"},          /* prefix */
      {"quite", false, "quiet"},             /* swap */
      {"host-name", false, ""},              /* 5 deletions: 15 + 1, not similar */
  };
  for (size_t i = 0; i < COUNT(cases); i++) {
    const char *const *names = cases[i].commands ? commands : options;
    size_t n = cases[i].commands ? COUNT(commands) : COUNT(options);
    size_t best[8];
    size_t k = pt_suggest(cases[i].typed, names, n, best, 8);
    char got[256] = "";
    for (size_t j = 0; j < k; j++) {
      strcat(got, j ? "," : "");
      strcat(got, names[best[j]]);
    }
    if (strcmp(got, cases[i].want))
      fail_msg("suggest(%s): got '%s', want '%s'", cases[i].typed, got, cases[i].want);
  }
  char buf[128];
  assert_string_equal(pt_did_you_mean("colect", commands, COUNT(commands), "", buf, sizeof buf),
                      "did you mean 'collect'?");
  assert_string_equal(pt_did_you_mean("r", commands, COUNT(commands), "", buf, sizeof buf),
                      "did you mean 'render' or 'report'?");
  assert_string_equal(pt_did_you_mean("t", options, COUNT(options), "--", buf, sizeof buf),
                      "did you mean '--temperature', '--timeout' or '--trials'?");
  assert_string_equal(pt_did_you_mean("xyzzy", commands, COUNT(commands), "", buf, sizeof buf),
                      "");
  /* a tiny buffer is cut, never overrun */
  char tiny[8];
  pt_did_you_mean("colect", commands, COUNT(commands), "", tiny, sizeof tiny);
  assert_int_equal(strlen(tiny), 7);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_table),
      cmocka_unit_test(test_levenshtein),
      cmocka_unit_test(test_suggest_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
