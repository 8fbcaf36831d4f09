ptbench analyze tests/data/sessions
