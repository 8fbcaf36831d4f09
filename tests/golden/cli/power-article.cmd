# one value per model and environment: nothing to estimate, said
ptbench power data/article
