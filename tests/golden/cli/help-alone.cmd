ptbench help | head -3
