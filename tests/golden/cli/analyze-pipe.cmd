# a pipe is read once, by the reader (the JSON check reads regular files only)
ptbench analyze -q --format md <(cat data/article/vm/trials.csv)
