# QA finding 12: two trials.csv with different headers joined on standard
# input: the second header is named as such, not as a ragged row
{ cat data/article/vm/trials.csv; printf 'model,environment,eval_rate,note\r\nm,bare-metal,40,x\r\n'; } |
  ptbench analyze -q -
