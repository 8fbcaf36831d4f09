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
};

static void usage(FILE *fp) {
  fprintf(fp,
          "usage: ptbench <command> [options] [args]\n"
          "       ptbench --version | --help\n\n"
          "Measures what a virtualization layer costs LLM inference.\n\n"
          "commands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(fp, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
  fprintf(fp, "\n'ptbench <command> --help' shows a command's options.\n\n%s",
          pt_exit_status_help);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return PT_EXIT_USAGE;
  }
  const char *name = argv[1];
  if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
    usage(stdout);
    return pt_close_stdout(PT_EXIT_OK);
  }
  if (!strcmp(name, "--version") || !strcmp(name, "version")) {
    printf("ptbench %s\n", PTBENCH_VERSION);
    return pt_close_stdout(PT_EXIT_OK);
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(name, commands[i]->name)) {
      pt_interrupt_catch();
      int status = commands[i]->run(argc - 1, argv + 1);
      if (pt_interrupted() && status != PT_EXIT_INTERRUPTED) {
        /* the command finished what it was writing; say it was cut short */
        pt_errorf("interrupted");
        status = PT_EXIT_INTERRUPTED;
      }
      return pt_close_stdout(status);
    }
  pt_errorf("'%s' is not a ptbench command; see 'ptbench --help'", name);
  return PT_EXIT_USAGE;
}
