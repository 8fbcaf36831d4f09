ptbench power --effect 0.5 --power 0.9 tests/data/sessions
