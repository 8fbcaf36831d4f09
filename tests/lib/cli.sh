# tests/lib/cli.sh - helpers for CLI tests (sourced by tests/cli/test_*.sh).
#
#   run CMD...                 runs CMD; sets $status, $out (stdout), $err (stderr)
#   expect_status N            fails unless the last run exited with N
#   expect_err_has TEXT        fails unless stderr contains TEXT
#   expect_out_file FILE       fails unless stdout equals FILE byte for byte
#   fail MESSAGE               records a failure and goes on
#   finish                     prints the "N passed, N failed" line and exits
#
# Every run is also checked for sanitizer reports, which fail the test
# whatever the exit status.
set -u
: "${PTBENCH:?PTBENCH must name the ptbench binary}"
: "${PTBENCH_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${PTBENCH_SHARED:=$PTBENCH_SRC/../shared}"
export PTBENCH PTBENCH_SRC PTBENCH_SHARED

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
current=""

t() { current="$*"; }  # names the case the following checks belong to

fail() {
  failed=$((failed + 1))
  echo "FAIL: ${current:+$current: }$*" >&2
}

ok() { passed=$((passed + 1)); }

run() {
  "$@" >"$TMP/stdout" 2>"$TMP/stderr"
  status=$?
  out=$(cat "$TMP/stdout")
  err=$(cat "$TMP/stderr")
  if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer' "$TMP/stderr"; then
    fail "sanitizer report from: $*"
    sed -n '1,40p' "$TMP/stderr" >&2
  fi
}

expect_status() {
  if [ "$status" -eq "$1" ]; then ok; else
    fail "exit status $status, expected $1; stderr: $err"
  fi
}

expect_err_has() {
  case "$err" in
    *"$1"*) ok ;;
    *) fail "stderr lacks '$1'; stderr: $err" ;;
  esac
}

expect_out_has() {
  case "$out" in
    *"$1"*) ok ;;
    *) fail "stdout lacks '$1'" ;;
  esac
}

expect_out_file() {
  if cmp -s "$TMP/stdout" "$1"; then ok; else
    fail "stdout differs from $1:"
    diff "$1" "$TMP/stdout" >&2 | head -20
  fi
}

expect_no_file() {
  if [ -e "$1" ]; then fail "$1 exists but should not"; else ok; fi
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}
