ptbench analyze --by prompt --format text tests/data/sessions
