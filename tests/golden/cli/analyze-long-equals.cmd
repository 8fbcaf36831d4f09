ptbench analyze --format=text data/article
