/* cli/main.c - ptbench's entry point: a table of commands, like git's git.c.
 * Adding a command: see the recipe in cli/cli.h. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/interrupt.h"
#include "core/msg.h"

static const pt_command *const commands[] = {
    &pt_cmd_collect,
    &pt_cmd_analyze,
    &pt_cmd_import,
    &pt_cmd_template,
    &pt_cmd_render,
    &pt_cmd_report,
    &pt_cmd_batch,
    &pt_cmd_power,
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *fp) {
  fprintf(fp,
          "usage: ptbench <command> [options] [args]\n"
          "       ptbench help [<command>]\n"
          "       ptbench --version | --help\n\n"
          "Measures what a virtualization layer costs LLM inference.\n\n"
          "commands:\n");
  for (size_t i = 0; i < NCOMMANDS; i++)
    fprintf(fp, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
  fprintf(fp, "\n'ptbench help <command>' or 'ptbench <command> --help' shows a command's\n"
              "options.\n\n");
  pt_print_exit_statuses(fp);
}

static const pt_command *find_command(const char *name) {
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (!strcmp(name, commands[i]->name))
      return commands[i];
  return NULL;
}

/* "'NAME' is not a ptbench command", with git's suggestion when one is close
 * enough. Returns PT_EXIT_USAGE. */
static int unknown_command(const char *name) {
  const char *names[NCOMMANDS];
  for (size_t i = 0; i < NCOMMANDS; i++)
    names[i] = commands[i]->name;
  char hint[256];
  pt_did_you_mean(name, names, NCOMMANDS, "", hint, sizeof hint);
  pt_errorf("'%s' is not a ptbench command; %s", name, *hint ? hint : "see 'ptbench --help'");
  return PT_EXIT_USAGE;
}

/* An option before any command: only --help, -h and --version exist. */
static int unknown_option(const char *arg) {
  static const char *const names[] = {"help", "version"};
  char hint[256] = "";
  if (arg[1] == '-')
    pt_did_you_mean(arg + 2, names, 2, "--", hint, sizeof hint);
  pt_errorf("unknown option '%s'; %s", arg, *hint ? hint : "see 'ptbench --help'");
  return PT_EXIT_USAGE;
}

/* `ptbench help [COMMAND]`: the command's --help, as `ptbench COMMAND --help`
 * prints it (both come from the command's own option table). */
static int help(int argc, char **argv) {
  if (argc < 3 || !strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")) {
    usage(stdout);
    return PT_EXIT_OK;
  }
  if (argc > 3) {
    pt_errorf("help: too many arguments: '%s'", argv[3]);
    pt_errorf("usage: ptbench help [<command>]");
    return PT_EXIT_USAGE;
  }
  const pt_command *cmd = find_command(argv[2]);
  if (!cmd)
    return unknown_command(argv[2]);
  char flag[] = "--help";
  char *args[] = {argv[2], flag, NULL};
  return cmd->run(2, args);
}

/* An abbreviation of --help or --version before any command ("--vers"),
 * as getopt_long reads one: the full option, else name itself. */
static const char *top_option(const char *name) {
  static const char *const full[] = {"--help", "--version"};
  size_t len = strlen(name);
  if (len <= 2 || strncmp(name, "--", 2) || strchr(name, '='))
    return name;
  for (size_t i = 0; i < sizeof full / sizeof full[0]; i++)
    if (!strncmp(full[i], name, len))
      return full[i];  /* the two share no beginning past "--" */
  return name;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return PT_EXIT_USAGE;
  }
  const char *name = top_option(argv[1]);
  if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
    usage(stdout);
    return pt_close_stdout(PT_EXIT_OK);
  }
  if (!strcmp(name, "help"))
    return pt_close_stdout(help(argc, argv));
  if (!strcmp(name, "--version") || !strcmp(name, "version")) {
    printf("ptbench %s\n", PTBENCH_VERSION);
    return pt_close_stdout(PT_EXIT_OK);
  }
  const pt_command *cmd = find_command(name);
  if (!cmd)
    return name[0] == '-' && name[1] ? unknown_option(name) : unknown_command(name);
  pt_interrupt_catch();
  int status = cmd->run(argc - 1, argv + 1);
  if (pt_interrupted() && status != PT_EXIT_INTERRUPTED) {
    /* the command finished what it was writing; say it was cut short */
    pt_errorf("interrupted");
    status = PT_EXIT_INTERRUPTED;
  }
  return pt_close_stdout(status);
}
