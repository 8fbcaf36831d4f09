# two runs compared as environments named on the command line
ptbench analyze --format text --adjust none june=tests/data/sessions/bare-metal july=tests/data/sessions/vm
