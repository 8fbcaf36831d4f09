#!/usr/bin/env bash
# tests/cli/test_ansible.sh - examples/ansible/playbook.yml run for real
# (issue 9 item 9): `ansible-playbook -c local` against localhost, with a
# bare-metal and a VM "host" (both this machine) reaching two fake Ollama
# servers. Two runs of the playbook give each environment two sessions
# (A B A B); the controller's report compares them. Debian's ansible is
# installed by `make test` (the Makefile's test tools); without
# ansible-playbook the test says so and is skipped (exit 77).
set -u
SRC=${PTBENCH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
[ -n "${FAKE_OLLAMA:-}" ] && [ -x "$FAKE_OLLAMA" ] || { echo "skip: FAKE_OLLAMA not built"; exit 77; }
if ! command -v ansible-playbook >/dev/null; then
  echo "skip: ansible-playbook not found (make test installs Debian's ansible)"
  exit 77
fi
# shellcheck source=../lib/cli.sh
. "$SRC/tests/lib/cli.sh"
# shellcheck source=../lib/fake.sh
. "$SRC/tests/lib/fake.sh"
export PTBENCH_SYSROOT="$SRC/tests/data/sysroot/amd-vm"
unset OLLAMA_HOST
export ANSIBLE_HOME=$TMP/ansible-home ANSIBLE_LOCAL_TEMP=$TMP/ansible-tmp \
  ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_HOST_KEY_CHECKING=0 \
  ANSIBLE_PYTHON_INTERPRETER=auto_silent

start_fake --model 'tiny:1b:40,tokens=20' || exit 1
URL_A=$FAKE_URL
start_fake --model 'tiny:1b:39,tokens=20' || exit 1
URL_B=$FAKE_URL
printf 'Say hello.\nCount to three.\n' >"$TMP/prompts.txt"

# the example's inventory, its hosts made local
cat >"$TMP/inventory.yml" <<INV
all:
  vars:
    ansible_connection: local
    ptbench: $PTBENCH
    ptbench_controller: $PTBENCH
    ptbench_results: $TMP/hosts/{{ inventory_hostname }}
    ptbench_fetch: $TMP/fetched
    ptbench_report: $TMP/report
    ptbench_collect_args: [-m, tiny:1b, --prompts, $TMP/prompts.txt, --trials, "2"]
  children:
    bare_metal:
      hosts:
        gpu-host:
          ollama_host: $URL_A
    vm:
      hosts:
        gpu-vm:
          ollama_host: $URL_B
INV

t "the shipped inventory and playbook parse"
run ansible-playbook -i "$SRC/examples/ansible/inventory.yml" "$SRC/examples/ansible/playbook.yml" --syntax-check
expect_status 0
run ansible-inventory -i "$SRC/examples/ansible/inventory.yml" --list
[ "$(printf '%s' "$out" | jq -r '[.bare_metal.hosts[], .vm.hosts[]] | join(" ")')" = \
  "gpu-host-1.example.net gpu-vm-1.example.net" ] && ok || fail "groups: $out"

for round in 1 2; do
  t "playbook run $round"
  run ansible-playbook -i "$TMP/inventory.yml" "$SRC/examples/ansible/playbook.yml"
  expect_status 0
  [ "$status" = 0 ] || printf '%s\n' "$out" | tail -30 >&2
done

t "each host's run directory holds two sessions, fetched to the controller"
for h in gpu-host:bare-metal gpu-vm:vm; do
  host=${h%%:*} env=${h#*:}
  m=$TMP/fetched/$host/manifest.json
  [ "$(jq -r '.environment, (.sessions | length), .status' "$m" | tr '\n' ' ')" = "$env 2 complete " ] &&
    ok || fail "$host: $(jq -c '[.environment, (.sessions | length), .status]' "$m" 2>&1)"
  cmp -s "$m" "$TMP/hosts/$host/$env/manifest.json" && ok || fail "$host: the fetched copy differs"
  [ "$(awk -F, 'NR > 1 { print $1 }' "$TMP/fetched/$host/trials.csv" | sort -u | wc -l)" = 2 ] &&
    ok || fail "$host: run_ids"
done
t "the sessions alternated A B A B"
order=$( (jq -r '.sessions[] | "\(.started_at) A"' "$TMP/fetched/gpu-host/manifest.json"
          jq -r '.sessions[] | "\(.started_at) B"' "$TMP/fetched/gpu-vm/manifest.json") |
        sort | awk '{ print $2 }' | tr -d '\n')
[ "$order" = ABAB ] && ok || fail "order: $order"

t "the report on the controller compares the two environments"
[ -s "$TMP/report/README.md" ] && [ -s "$TMP/report/analysis.json" ] && ok || fail "no report: $(ls "$TMP/report" 2>&1)"
[ "$(jq -r '[.environments[].name] | join(" ")' "$TMP/report/analysis.json")" = "bare-metal vm" ] &&
  ok || fail "environments: $(jq -c '[.environments[].name]' "$TMP/report/analysis.json")"
[ "$(jq -r '.models[0].groups | map(.n) | join(" ")' "$TMP/report/analysis.json")" = "8 8" ] &&
  ok || fail "trials per environment: $(jq -c '.models[0].groups | map(.n)' "$TMP/report/analysis.json")"
[ "$(jq -r '.models[0].comparisons[0].penalty_pct | . * 100 | round' "$TMP/report/analysis.json")" = 250 ] &&
  ok || fail "penalty: $(jq '.models[0].comparisons[0].penalty_pct' "$TMP/report/analysis.json") (39 vs 40 tokens/s: 2.5 %)"

stop_fake || fail "fake-ollama did not stop cleanly"
finish
