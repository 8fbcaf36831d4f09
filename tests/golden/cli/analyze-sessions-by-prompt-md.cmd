ptbench analyze --by prompt --format md tests/data/sessions
