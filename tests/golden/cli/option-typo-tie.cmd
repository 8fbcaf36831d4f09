ptbench collect --t 5 --env vm
