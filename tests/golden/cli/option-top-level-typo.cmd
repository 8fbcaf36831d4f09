ptbench --verison
