ptbench analyze --drop-outliers=yes data/article
