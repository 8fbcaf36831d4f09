ptbench colect --env vm
