#!/usr/bin/env bash
# tests/data/report/make.sh - how the run directories beside this script were
# made (run once; the goldens of tests/golden/report/ are rendered from the
# files as committed, so running it again means reviewing those anew):
#
#   bash tests/data/report/make.sh build/release/ptbench build/release/tests/fake-ollama
#
# collected/  two simulated Ollama servers (tests/fake_ollama, the article's
#             rates with 1 % noise), probed through the sysroots of
#             tests/data/sysroot (amd-bare-metal, amd-vm: names, PCIe, BAR,
#             ROCm, telemetry from their hwmon files), 3 sessions each,
#             alternating, 2 models, 5 prompts, 2 trials, with notes
# imported/   `ptbench import` of two llm-benchmark logs (logs/: bare-metal.log
#             is tests/data/import/llm-benchmark's; vm.log the same with every
#             eval and total duration 1.5 % longer, its rates recomputed)
set -euo pipefail
PTBENCH=$(realpath "$1")
FAKE_OLLAMA=$(realpath "$2")
export FAKE_OLLAMA
cd "$(dirname "$0")/../../.."
. tests/lib/fake.sh
d=tests/data/report
rm -rf "$d/collected" "$d/imported"
start_fake --seed 1 --version-string 0.12.6 --model 'mistral:7b:50.10:0.01' --model 'gemma2:9b:35.06:0.01'
bare=$FAKE_URL
start_fake --seed 2 --version-string 0.12.6 --model 'mistral:7b:49.27:0.01' --model 'gemma2:9b:34.96:0.01'
vm=$FAKE_URL
for _ in 1 2 3; do
  PTBENCH_SYSROOT=tests/data/sysroot/amd-bare-metal "$PTBENCH" collect --quiet --env bare-metal \
    --label "Bare Metal" --host "$bare" --model mistral:7b --model gemma2:9b --trials 2 \
    --add-session --note qemu=none --out "$d/collected/bare-metal"
  PTBENCH_SYSROOT=tests/data/sysroot/amd-vm "$PTBENCH" collect --quiet --env vm --label "VM" \
    --host "$vm" --model mistral:7b --model gemma2:9b --trials 2 --add-session \
    --note "qemu=QEMU 8.2.2 (q35)" --out "$d/collected/vm"
done
stop_fake
"$PTBENCH" import --quiet --format llm-benchmark --env bare-metal --label "Bare Metal" \
  --out "$d/imported/bare-metal" "$d/logs/bare-metal.log"
"$PTBENCH" import --quiet --format llm-benchmark --env vm --label VM \
  --out "$d/imported/vm" "$d/logs/vm.log"
