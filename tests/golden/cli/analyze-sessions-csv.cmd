ptbench analyze --format csv tests/data/sessions
