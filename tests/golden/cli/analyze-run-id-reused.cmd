# the same run under two names: its run_ids would be in two environments
ptbench analyze a=tests/data/sessions/vm b=tests/data/sessions/vm
