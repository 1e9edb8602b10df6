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
# Every process this test starts inherits the tag, so the "no process left"
# checks see this test's processes only: the integration tests run in
# parallel (and beside other builds' tests) without seeing each other's.
export PT_TEST_TAG=$WORK
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

# The pids of this test's processes whose command line matches the ERE
# (pgrep -f), one a line: those whose environment holds this test's tag.
our_pids() {
  local pid
  for pid in $(pgrep -f -- "$1"); do
    tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null |
      grep -qxF "PT_TEST_TAG=$PT_TEST_TAG" && echo "$pid"
  done
  return 0
}

# No process running the bench binary is left behind.
no_bench_processes() {
  [ -z "$(our_pids "^$BENCH( |$)")" ]
}

# TMPDIR is empty again (workloads cleaned up their temp files).
tmp_is_clean() {
  [ -z "$(ls -A "$TMPDIR")" ]
}
