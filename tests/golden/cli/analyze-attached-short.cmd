# -fmd is -f md; the warnings go to stderr, the table alone to stdout
ptbench analyze -fmd data/article
