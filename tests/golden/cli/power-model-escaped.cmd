# a model name with an escape sequence and a newline: escaped in the
# table and in the line saying why nothing is estimated
printf 'run_id,environment,model,prompt_id,eval_rate\na,bare-metal,"m\033[31m\nx",p,50\na,bare-metal,"m\033[31m\nx",p,51\nb,vm,"m\033[31m\nx",p,49\nb,vm,"m\033[31m\nx",p,50\n' >pilot.csv
ptbench power pilot.csv
