ptbench collect -model mistral:7b --env vm
