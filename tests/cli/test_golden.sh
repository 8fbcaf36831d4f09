#!/usr/bin/env bash
# Whole-output CLI tests (zstd's tests/cli-tests): each tests/golden/cli/NAME.cmd
# is a bash snippet run in a scratch directory where `ptbench` is the binary
# under test and data/, templates/ and tests/ of the source tree are visible;
# its standard output, standard error and exit status must equal NAME.stdout,
# NAME.stderr and NAME.status byte for byte. Standard error is the real
# stream, so what a command prints there is checked, not only what it
# returns. PTBENCH_GOLDEN_UPDATE=1 rewrites the expected files from this
# build instead (then review the diff).
. "$(dirname "$0")/../lib/cli.sh"

GOLDEN="$PTBENCH_SRC/tests/golden/cli"
mkdir -p "$TMP/bin"
ln -s "$PTBENCH" "$TMP/bin/ptbench"
export PATH="$TMP/bin:$PATH" LC_ALL=C.UTF-8

ncases=0
for cmdfile in "$GOLDEN"/*.cmd; do
  name=$(basename "$cmdfile" .cmd)
  t "$name"
  ncases=$((ncases + 1))
  work="$TMP/work-$name"
  mkdir -p "$work"
  for d in data templates tests; do ln -s "$PTBENCH_SRC/$d" "$work/$d"; done
  (cd "$work" && bash -e "$cmdfile" >"$TMP/got.stdout" 2>"$TMP/got.stderr")
  echo $? >"$TMP/got.status"
  if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$TMP/got.stderr"; then
    fail "sanitizer report"
    sed -n '1,30p' "$TMP/got.stderr" >&2
    continue
  fi
  for part in stdout stderr status; do
    if [ "${PTBENCH_GOLDEN_UPDATE:-}" = 1 ]; then
      cp "$TMP/got.$part" "$GOLDEN/$name.$part"
    fi
    if cmp -s "$TMP/got.$part" "$GOLDEN/$name.$part"; then ok; else
      fail "$part differs from tests/golden/cli/$name.$part:"
      diff "$GOLDEN/$name.$part" "$TMP/got.$part" >&2 | head -20
    fi
  done
done
t "cases found"
[ "$ncases" -gt 0 ] && ok || fail "no tests/golden/cli/*.cmd"
finish
