echo "{\"a\": 1}" >x.json
ptbench analyze x.json
