ptbench analyze --format md tests/data/sessions
