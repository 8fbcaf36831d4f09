ptbench analyze data/article/vm/manifest.json
