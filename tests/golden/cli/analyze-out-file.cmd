ptbench analyze -oa.md data/article
cat a.md
