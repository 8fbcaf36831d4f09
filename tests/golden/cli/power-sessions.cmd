ptbench power tests/data/sessions
