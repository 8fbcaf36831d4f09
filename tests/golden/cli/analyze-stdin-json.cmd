ptbench analyze -q -o analysis.json data/article
ptbench analyze - <analysis.json
