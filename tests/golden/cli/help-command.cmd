ptbench help import
