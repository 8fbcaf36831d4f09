# tests/lib/fake.sh - start and stop the fake Ollama server from bash tests.
#
# Source it, then:
#   start_fake --model 'phi4:14b:30:0.01' --fault generate:2:drop || exit 1
#   curl -s "$FAKE_URL/api/tags"
#   stop_fake || exit 1   # non-zero if the server did not exit with 0 (ASan)
#
# The server counts model loads (GET /debug/loads, see tests/fake_ollama/
# main.c): `fake_loads MODEL` prints how often MODEL was loaded by the
# server last started (FAKE_URL), e.g. [ "$(fake_loads phi4:14b)" = 3 ].
# Unloads finish --unload-delay seconds (default 0.3) after the request.
#
# FAKE_OLLAMA must name the fake-ollama binary (ctest sets it). start_fake
# runs it in the background with --port 0 --exit-after ${FAKE_EXIT_AFTER:-60}
# before the caller's arguments (which may override them), waits for its
# "listening on" line (10 s at most) and sets FAKE_URL, FAKE_PORT, FAKE_PID
# and FAKE_STDERR (a file holding the server's stderr). Several servers may
# run at once: each start_fake sets those variables anew. `stop_fake PID`
# stops one server, `stop_fake` all of them; an EXIT trap (installed once,
# keeping any earlier EXIT trap) stops whatever is left when the script ends.

_FAKE_PIDS=()
_FAKE_DIRS=()

# A process that exists and is not a zombie waiting to be reaped.
_fake_alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [ "$state" != Z ]
}

_fake_install_trap() {
  [ -n "${_FAKE_TRAP_SET:-}" ] && return 0
  _FAKE_TRAP_SET=1
  local prev
  prev=$(trap -p EXIT)
  prev=${prev#trap -- \'}
  prev=${prev%\' EXIT}
  # shellcheck disable=SC2064
  trap "stop_fake${prev:+; $prev}" EXIT
}

start_fake() {
  if [ -z "${FAKE_OLLAMA:-}" ] || [ ! -x "$FAKE_OLLAMA" ]; then
    echo "start_fake: FAKE_OLLAMA is not an executable: '${FAKE_OLLAMA:-}'" >&2
    return 1
  fi
  local dir pid line="" i
  dir=$(mktemp -d "${TMPDIR:-/tmp}/fake-ollama.XXXXXX") || return 1
  "$FAKE_OLLAMA" --port 0 --exit-after "${FAKE_EXIT_AFTER:-60}" "$@" \
    >"$dir/stdout" 2>"$dir/stderr" </dev/null &
  pid=$!
  _FAKE_PIDS+=("$pid")
  _FAKE_DIRS+=("$dir")
  _fake_install_trap
  for ((i = 0; i < 200; i++)); do
    line=$(grep -m1 '^listening on ' "$dir/stdout" 2>/dev/null) && break
    _fake_alive "$pid" || break
    sleep 0.05
  done
  if [ -z "$line" ]; then
    echo "start_fake: fake-ollama did not start ($*):" >&2
    cat "$dir/stderr" >&2
    stop_fake "$pid" >/dev/null 2>&1
    return 1
  fi
  FAKE_PORT=${line##*:}
  FAKE_URL="http://127.0.0.1:$FAKE_PORT"
  FAKE_PID=$pid
  FAKE_STDERR=$dir/stderr
  export FAKE_URL FAKE_PORT FAKE_PID FAKE_STDERR
}

# Stop one server (PID) or all; SIGTERM, then SIGKILL after 5 s. Returns 1
# when a server's exit status was not 0, after printing its stderr.
stop_fake() {
  local status=0 i t pid dir rc keep_pids=() keep_dirs=()
  for i in "${!_FAKE_PIDS[@]}"; do
    pid=${_FAKE_PIDS[$i]}
    dir=${_FAKE_DIRS[$i]}
    if [ -n "${1:-}" ] && [ "$1" != "$pid" ]; then
      keep_pids+=("$pid")
      keep_dirs+=("$dir")
      continue
    fi
    kill -TERM "$pid" 2>/dev/null
    for ((t = 0; t < 100; t++)); do
      _fake_alive "$pid" || break
      sleep 0.05
    done
    _fake_alive "$pid" && kill -KILL "$pid" 2>/dev/null
    rc=0
    wait "$pid" 2>/dev/null || rc=$?
    if [ "$rc" -ne 0 ]; then
      echo "stop_fake: fake-ollama (pid $pid) exited with status $rc; its stderr:" >&2
      cat "$dir/stderr" >&2
      status=1
    fi
    rm -rf "$dir"
  done
  _FAKE_PIDS=("${keep_pids[@]}")
  _FAKE_DIRS=("${keep_dirs[@]}")
  return $status
}

# Loads of model $1 (its name as the server lists it, e.g. "phi4:14b";
# "mistral" means "mistral:latest") on the server at FAKE_URL; needs curl
# and jq. Prints nothing and fails when the server does not answer or
# does not know the model.
fake_loads() {
  local name=$1
  case "${name##*/}" in *:*) ;; *) name="$name:latest" ;; esac
  curl -sf "$FAKE_URL/debug/loads" | jq -e --arg m "$name" '.loads[$m] // empty'
}

# Wait (5 s at most) for a server that stops by itself (--max-requests):
# 0 when it exited with status 0, 1 otherwise, 124 if it is still running.
wait_fake() {
  local pid=$1 t
  for ((t = 0; t < 100; t++)); do
    _fake_alive "$pid" || break
    sleep 0.05
  done
  _fake_alive "$pid" && return 124
  stop_fake "$pid"
}
