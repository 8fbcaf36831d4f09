ptbench re
