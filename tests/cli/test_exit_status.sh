#!/usr/bin/env bash
# tests/cli/test_exit_status.sh - one list of exit statuses (QA finding 12):
# every command's --help and `ptbench --help` print the same "exit status:"
# block (core/error.h PT_EXIT_MAP), and README.md's "Exit status" table
# states the same statuses with the same meanings, word for word.
. "$(dirname "$0")/../lib/cli.sh"

# the exit-status block of a help text, one "N<TAB>meaning" line per status
# (wrapped lines joined)
block() {
  awk '/^exit status:$/ { on = 1; next }
       on && /^  [0-9]/ { if (n != "") print n "\t" m; n = $1; m = substr($0, 8); next }
       on && /^       / { sub(/^ +/, ""); m = m " " $0; next }
       on { on = 0 }
       END { if (n != "") print n "\t" m }' "$1"
}

t "ptbench --help has the list"
run "$PTBENCH" --help
expect_status 0
block "$TMP/stdout" >"$TMP/main.list"
[ "$(wc -l <"$TMP/main.list")" -eq 6 ] && ok || fail "statuses: $(cat "$TMP/main.list")"

for cmd in collect analyze import template render report batch power; do
  t "$cmd --help has the same list"
  "$PTBENCH" "$cmd" --help >"$TMP/help" 2>/dev/null || fail "exit status $?"
  grep -q "^exit status:$" "$TMP/help" || fail "no exit-status list"
  block "$TMP/help" >"$TMP/cmd.list"
  cmp -s "$TMP/main.list" "$TMP/cmd.list" && ok || fail "$(diff "$TMP/main.list" "$TMP/cmd.list")"
done

t "README's table states the same statuses and meanings"
awk '/^## Exit status/ { on = 1; next } on && /^## / { on = 0 }
     on && /^\| [0-9]+ \|/ { sub(/^\| /, ""); sub(/ \|$/, ""); i = index($0, " | ");
                             print substr($0, 1, i - 1) "\t" substr($0, i + 3) }' \
  "$PTBENCH_SRC/README.md" >"$TMP/readme.list"
if cmp -s "$TMP/main.list" "$TMP/readme.list"; then ok; else
  fail "README.md's table differs from --help:"
  diff "$TMP/main.list" "$TMP/readme.list" >&2
fi
finish
