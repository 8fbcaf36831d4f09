# QA finding 12: an ambiguous beginning (--b: --baseline or --by) is a usage
# error listing the possibilities
ptbench analyze --b vm data/article
