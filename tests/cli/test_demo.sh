#!/usr/bin/env bash
# `make demo` (tests/demo.sh): two simulated servers, two collects, a report
# that says its numbers are simulated.
. "$(dirname "$0")/../lib/cli.sh"
run bash "$PTBENCH_SRC/tests/demo.sh" "$PTBENCH" "$FAKE_OLLAMA" "$TMP/demo"
t "demo runs"
expect_status 0
expect_out_has '| Model | Bare Metal (simulated) | VM w/ GPU Passthrough (simulated) | Penalty (%) |'
t "the report says it is simulated"
if grep -q '^> \*\*Simulated data.\*\*' "$TMP/demo/README.md"; then ok; else fail "no notice"; fi
t "25 trials per model and environment (5 prompts x 5 trials)"
if grep -q '| mistral:7b | Bare Metal (simulated) | 1 | 25 |' "$TMP/demo/README.md"; then ok; else
  fail "n is not 25"; fi
for f in eval_rate-means.png eval_rate-penalty.png eval_rate-distribution.png eval_rate-timeline.png \
  index.html analysis.json table.md; do
  [ -s "$TMP/demo/$f" ] && ok || fail "$f missing"
done
finish
