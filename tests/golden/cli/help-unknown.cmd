ptbench help colect
