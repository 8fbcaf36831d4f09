# every vm session moved after every bare-metal one: drift is confounded
sed 's/2026-11-0\([246]\)T/2026-11-1\1T/' tests/data/sessions/vm/trials.csv >vm.csv
ptbench analyze --format md tests/data/sessions/bare-metal vm.csv
