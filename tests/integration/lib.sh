# Helpers for the integration tests: each test script sources this file, calls
# `check NAME COMMAND...` for each assertion, and ends with `finish`.
# BENCH is the bench binary (first argument of the script).
set -u
BENCH=${1:?usage: $0 PATH_TO_BENCH}
BENCH=$(readlink -f "$BENCH")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pt-test.XXXXXX")
export TMPDIR=$WORK/tmp
mkdir -p "$TMPDIR"
trap 'rm -rf "$WORK"' EXIT
# This script's session (meson test gives each test one of its own): the
# "nothing left" checks look at its processes only, not at other tests'.
SID=$(ps -o sid= -p $$ | tr -d ' ')
passed=0
failed=0

check() {
  local name=$1
  shift
  if "$@" >/dev/null; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name" >&2
  fi
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# No process of this session running the bench binary is left behind.
no_bench_processes() {
  ! pgrep -s "$SID" -f -- "^$BENCH( |$)" >/dev/null
}

# TMPDIR is empty again (workloads cleaned up their temp files).
tmp_is_clean() {
  [ -z "$(ls -A "$TMPDIR")" ]
}
