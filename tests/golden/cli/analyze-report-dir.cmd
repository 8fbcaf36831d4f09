ptbench report -q --out rep data/article
ptbench analyze rep
