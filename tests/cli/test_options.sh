#!/usr/bin/env bash
# One meaning per short letter: across every command that `ptbench --help`
# lists, a short option letter names the same long option (-o is --out
# everywhere, -t --template, -m --model, ...), and no command takes -h or -q
# for anything but --help and --quiet. Read from each command's --help, which
# is generated from the option table its parser uses (cli/cli.h).
. "$(dirname "$0")/../lib/cli.sh"

run "$PTBENCH" --help
expect_status 0
commands=$(printf '%s\n' "$out" | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
t "commands listed"
[ "$(printf '%s\n' "$commands" | wc -l)" -ge 7 ] && ok || fail "commands: $commands"

declare -A long_of owner_of
for c in $commands; do
  t "$c --help"
  run "$PTBENCH" "$c" --help
  expect_status 0
  # "  -o, --out DIR   ..." -> "o out"
  while read -r letter name; do
    [ -n "$letter" ] || continue
    t "-$letter in $c"
    if [ -z "${long_of[$letter]:-}" ]; then
      long_of[$letter]=$name owner_of[$letter]=$c
      ok
    elif [ "${long_of[$letter]}" = "$name" ]; then
      ok
    else
      fail "'-$letter' is '--$name' in $c but '--${long_of[$letter]}' in ${owner_of[$letter]}"
    fi
  done < <(printf '%s\n' "$out" | sed -n 's/^  -\([A-Za-z0-9]\), --\([a-z][a-z0-9-]*\).*/\1 \2/p')
done

t "the global letters"
[ "${long_of[h]:-}" = help ] && [ "${long_of[q]:-}" = quiet ] && ok ||
  fail "-h is '${long_of[h]:-}', -q is '${long_of[q]:-}'"
t "letters seen"
[ "${#long_of[@]}" -ge 8 ] && ok || fail "only ${#long_of[@]} short letters found: the help format changed?"
finish
