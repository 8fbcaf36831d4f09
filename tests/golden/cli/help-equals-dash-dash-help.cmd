# `ptbench help CMD` is `ptbench CMD --help`, for every command
for c in $(ptbench --help | sed -n "/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p"); do
  ptbench help "$c" >help.txt
  ptbench "$c" --help >dash.txt
  ptbench "$c" -h >h.txt
  cmp help.txt dash.txt && cmp help.txt h.txt && echo "$c: same"
done
