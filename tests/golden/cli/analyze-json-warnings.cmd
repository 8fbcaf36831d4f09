# stdout is JSON alone (jq parses it); the warnings are on stderr too
ptbench analyze data/article | jq -c "[.schema, [.warnings[].code]]"
