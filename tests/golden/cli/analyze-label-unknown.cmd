# QA finding 12: --label for an environment the data does not have is an
# error naming the known ones, as a wrong --baseline is
ptbench analyze -q --label nope=X data/article
