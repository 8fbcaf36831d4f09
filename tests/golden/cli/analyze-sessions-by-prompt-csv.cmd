ptbench analyze --by prompt --format csv tests/data/sessions
