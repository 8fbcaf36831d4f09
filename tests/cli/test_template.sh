#!/usr/bin/env bash
# CLI tests of `ptbench template`: byte-exact output with data and a partial
# (the example of docs/template-command.md), nothing added to the output,
# data from stdin, --partials, the missing-partial warning, and errors with
# their exit status and location. Expected outputs are written by hand from
# the Mustache spec's rules.
. "$(dirname "$0")/../lib/cli.sh"

cd "$TMP"
# --- the documented example (docs/template-command.md) -----------------
cat >report.mustache <<'EOF'
# {{title}}

| Model | tokens/s |
|---|---|
{{#models}}
{{>row}}
{{/models}}
{{^models}}
no models
{{/models}}
EOF
cat >row.mustache <<'EOF'
| {{name}} | {{rate}} |
EOF
cat >results.json <<'EOF'
{"title": "Bare metal", "models": [{"name": "mistral:7b", "rate": 50.1},
                                   {"name": "gemma2:9b", "rate": 37.0}]}
EOF
printf '# Bare metal\n\n| Model | tokens/s |\n|---|---|\n| mistral:7b | 50.1 |\n| gemma2:9b | 37 |\n' >expected.md

t "template with data and a partial, byte for byte"
run "$PTBENCH" template report.mustache results.json
expect_status 0
expect_out_file expected.md
[ -z "$err" ] && ok || fail "unexpected stderr: $err"

t "data from stdin"
run bash -c "'$PTBENCH' template report.mustache - <results.json"
expect_status 0
expect_out_file expected.md

t "no data: an empty object, inverted section shows"
run "$PTBENCH" template report.mustache
expect_status 0
printf '# \n\n| Model | tokens/s |\n|---|---|\nno models\n' >empty.md
expect_out_file empty.md

t "no final newline is added"
printf 'Hello {{who}}!' >hello.mustache
echo '{"who": "world & <you>"}' >who.json
run "$PTBENCH" template hello.mustache who.json
expect_status 0
printf 'Hello world &amp; &lt;you&gt;!' >hello.out
expect_out_file hello.out
[ "$(wc -c <"$TMP/stdout")" -eq 30 ] && ok || fail "output is not 30 bytes"

t "--partials DIR"
mkdir -p parts
printf '[{{name}}]' >parts/row.mustache
printf '{{#models}}{{>row}}{{/models}}' >inline.mustache
run "$PTBENCH" template --partials parts inline.mustache results.json
expect_status 0
printf '[mistral:7b][gemma2:9b]' >inline.out
expect_out_file inline.out

t "missing partial: renders empty, warns once with the tag's place"
printf 'a\n{{#models}}x {{>nothere}}{{/models}}\n' >miss.mustache
run "$PTBENCH" template miss.mustache results.json
expect_status 0
printf 'a\nx x \n' >miss.out
expect_out_file miss.out
expect_err_has "ptbench: warning: missing partial 'nothere' (miss.mustache:2:14)"
[ "$(grep -c 'missing partial' "$TMP/stderr")" -eq 1 ] && ok || fail "warned more than once: $err"

t "--quiet silences the warning"
run "$PTBENCH" template -q miss.mustache results.json
expect_status 0
[ -z "$err" ] && ok || fail "stderr not empty: $err"

# --- errors ------------------------------------------------------------
t "unclosed section"
printf 'title\n  {{#models}}\n{{name}}\n' >bad.mustache
run "$PTBENCH" template bad.mustache results.json
expect_status 3
expect_err_has "ptbench: bad.mustache:2:3: unclosed section 'models'"
[ -z "$out" ] && ok || fail "output on error: $out"

t "mismatched closing tag"
printf '{{#a}}\n{{/b}}\n' >mismatch.mustache
run "$PTBENCH" template mismatch.mustache
expect_status 3
expect_err_has "ptbench: mismatch.mustache:2:1: closing tag 'b' does not match section 'a' opened at 1:1"

t "error inside a partial names the partial's file"
printf 'ok {{x\n' >parts/broken.mustache
printf 'x\n{{>broken}}\n' >usebroken.mustache
run "$PTBENCH" template --partials parts usebroken.mustache
expect_status 3
expect_err_has "ptbench: parts/broken.mustache:1:4: unclosed tag"

t "recursive partial"
printf '{{>self}}' >self.mustache
run "$PTBENCH" template self.mustache
expect_status 3
expect_err_has "partial 'self' nested more than 64 deep"

t "invalid JSON data"
printf '{"models": [\n  {"name": }]}\n' >broken.json
run "$PTBENCH" template report.mustache broken.json
expect_status 3
expect_err_has "ptbench: broken.json:2:12: not valid JSON"

t "missing template"
run "$PTBENCH" template nothere.mustache
expect_status 1
expect_err_has "ptbench: nothere.mustache: cannot open"

t "missing data file"
run "$PTBENCH" template report.mustache nothere.json
expect_status 1
expect_err_has "nothere.json"

t "usage errors"
run "$PTBENCH" template
expect_status 2
expect_err_has "missing TEMPLATE"
run "$PTBENCH" template a b c
expect_status 2
run "$PTBENCH" template - -
expect_status 2

finish
