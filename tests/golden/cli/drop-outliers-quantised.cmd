# llm-benchmark rates are quantised (49.27, 50, 50, 49, 50): the MAD is 0,
# and nothing is an outlier (STATS.md 7, the mean-deviation fallback)
ptbench import -q --format llm-benchmark --env bare-metal --out bm tests/data/import/llm-benchmark/log_2025-01-01-120000.log
ptbench analyze --drop-outliers --format text bm
ptbench analyze bm | jq -c "[.models[].groups[] | {n, outliers, excluded}]"
