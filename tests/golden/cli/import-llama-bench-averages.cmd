# old llama-bench output without the samples
jq "map(del(.samples_ns, .samples_ts))" tests/data/import/llama-bench/readme.json >avg.json
ptbench import --format llama-bench --env avg avg.json
