# llama.cpp's documented llama-bench outputs (tests/data/import/README.md)
ptbench import --format llama-bench --env bare-metal --out bm tests/data/import/llama-bench/readme.json
ptbench import --format llama-bench --env vm --out vm tests/data/import/llama-bench/readme.jsonl
ptbench analyze --format text bm vm
