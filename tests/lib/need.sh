# tests/lib/need.sh - tools the tests need from Debian (sourced by test scripts).
#
#   need_tool CMD PACKAGE
#       succeeds when CMD is on PATH; else installs PACKAGE with apt-get (as
#       root, or through passwordless sudo) and succeeds when CMD is there
#       then. The Makefile's test-deps target installs the same packages
#       before `make test`; this covers a test run on its own.

need_tool() {
  command -v "$1" >/dev/null 2>&1 && return 0
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  if [ -z "$sudo" ] || $sudo true 2>/dev/null; then
    { $sudo apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$2"; } \
      >/dev/null 2>&1
  fi
  command -v "$1" >/dev/null 2>&1
}
