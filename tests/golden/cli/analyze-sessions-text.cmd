ptbench analyze --format text tests/data/sessions
