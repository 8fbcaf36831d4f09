ptbench power --effect 2 tests/data/sessions
