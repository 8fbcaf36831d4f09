ptbench analyze -qfmd data/article
