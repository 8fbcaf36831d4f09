/* placeholder, replaced below */
#include "cli/cli.h"
static int run(int argc, char **argv) { (void)argc; (void)argv; return 1; }
const pt_command pt_cmd_analyze = {"analyze", "[options] INPUT...", "analyze", NULL, run};
