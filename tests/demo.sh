#!/usr/bin/env bash
# tests/demo.sh - `make demo`: collect from two simulated Ollama servers (the
# article's bare-metal and VM rates, 1 % noise per trial) and write a report
# to OUT that says plainly that its numbers come from a simulated server.
#
#   bash tests/demo.sh PTBENCH FAKE_OLLAMA OUT
set -euo pipefail
PTBENCH=$1 FAKE_OLLAMA=$2 OUT=$3
export FAKE_OLLAMA
cd "$(dirname "$0")/.."
. tests/lib/fake.sh

runs=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-demo.XXXXXX")
trap 'rm -rf "$runs"' EXIT

# rates in tokens/s as the article published them (bare metal, then VM)
start_fake --seed 1 --version-string "0.12.6" \
  --model 'mistral:7b:50.10:0.01' --model 'gemma2:9b:35.06:0.01' \
  --model 'phi4:14b:27.52:0.01' --model 'deepseek-r1:14b:25.10:0.01'
bare=$FAKE_URL
start_fake --seed 2 --version-string "0.12.6" \
  --model 'mistral:7b:49.27:0.01' --model 'gemma2:9b:34.96:0.01' \
  --model 'phi4:14b:27.20:0.01' --model 'deepseek-r1:14b:24.67:0.01'
vm=$FAKE_URL

plan=tests/data/benchmarks.yml
"$PTBENCH" collect --quiet --env bare-metal --label "Bare Metal (simulated)" \
  --host "$bare" --plan "$plan" --trials 5 --out "$runs/bare-metal"
"$PTBENCH" collect --quiet --env vm --label "VM w/ GPU Passthrough (simulated)" \
  --host "$vm" --plan "$plan" --trials 5 --out "$runs/vm"
stop_fake

"$PTBENCH" report --quiet --template demo.md --out "$OUT" "$runs"
cat "$OUT/table.md"
echo "simulated-server demo report written to $OUT/ (README.md, table.md, analysis.json, charts)"
