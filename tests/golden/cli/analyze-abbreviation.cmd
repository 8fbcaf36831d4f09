# QA finding 12: unambiguous beginnings of long options stand for them, as
# getopt_long reads them (--fo = --format, --ou = --out, --la = --label)
ptbench analyze -q --fo csv --ou out.csv --la vm=VM data/article
cut -d, -f1-3 out.csv
