# bench/lib.sh - what the bench scripts share; sourced from the source root.
#   bench_ptbench        PTBENCH (default build/release/ptbench), built when missing
#   need_gnu_time        GNU time at /usr/bin/time (peak RSS), apt-installed when missing
#   bench_tmpdir NAME    dir=a new temporary directory, removed when the script exits

bench_ptbench() {
  PTBENCH=${PTBENCH:-build/release/ptbench}
  [ -x "$PTBENCH" ] || make -s build >/dev/null
}

need_gnu_time() {
  [ -x /usr/bin/time ] && return 0
  local sudo
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  $sudo apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq time >/dev/null
}

bench_tmpdir() {
  dir=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-$1.XXXXXX")
  trap 'rm -rf "$dir"' EXIT
}
