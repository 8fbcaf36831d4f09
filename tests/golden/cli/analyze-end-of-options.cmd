# after --, "-vm" is an input, not options
mkdir -- -vm
cp data/article/vm/trials.csv -- -vm/
ptbench analyze -q --format md -- -vm
