ptbench analyze --format csv data/article | cut -d, -f1-6
