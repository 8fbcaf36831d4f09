ptbench collect --modle mistral:7b --env vm
