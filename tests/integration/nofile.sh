#!/usr/bin/env bash
# Out of file descriptors (issue 19, item 3): under a small RLIMIT_NOFILE
# every executor either runs (threads need no descriptors) or fails at once
# with exit 2 and one line naming the limit, as RLIMIT_NPROC does; never a
# spin until --timeout, never a checksum mismatch. io-net's and io-file's
# own errors (socket, open) reach the user as such. Nothing is left behind.
. "$(dirname "$0")/lib.sh"

# run_limited N ARGS...: bench under `ulimit -n N`, bounded by timeout(1).
run_limited() {
  local n=$1
  shift
  (ulimit -n "$n" && exec timeout -s KILL 120 "$BENCH" --min-time=0.05 --timeout=60s "$@") \
    >/dev/null 2>"$WORK/err"
}
# The error lines, warnings aside.
errors() { grep '^bench: ' "$WORK/err" | grep -v '^bench: warning'; }

sleep0=(--workload=io-sleep --param sleep=0 --workers=64 --tasks=256)
for ex in serial thread-pool process-pool thread-per-task process-per-task omp process-spawn \
  "process-pool --start=forkserver" "process-per-task --start=forkserver" \
  "process-pool --start=spawn"; do
  # shellcheck disable=SC2086 # "$ex" may carry --start
  run_limited 16 --executor=$ex "${sleep0[@]}"
  status=$?
  case $ex in
  process-per-task* | process-spawn) want=2 ;; # one descriptor per child
  *) want="0 or 2" ;;
  esac
  check "ulimit -n 16, $ex: exit $want (not a timeout kill)" \
    bash -c '[ "$1" -eq 2 ] || { [ "$2" != 2 ] && [ "$1" -eq 0 ]; }' _ $status "$want"
  if [ $status -eq 2 ]; then
    check "ulimit -n 16, $ex: one line" [ "$(errors | wc -l)" -eq 1 ]
    check "ulimit -n 16, $ex: it names the limit" \
      grep -q "Too many open files (RLIMIT_NOFILE is 16)" <(errors)
  fi
  check "ulimit -n 16, $ex: no process left" no_bench_processes
done

# The pipe transport needs descriptors under every process executor.
for ex in process-pool process-per-task process-spawn; do
  run_limited 16 --executor=$ex --workload=ipc-payload --transport=pipe --workers=64 --tasks=256
  check "ulimit -n 16, ipc-payload pipes, $ex: exit 2" [ $? -eq 2 ]
  check "ulimit -n 16, ipc-payload pipes, $ex: one line naming the limit" \
    bash -c '[ "$(wc -l <<<"$1")" -eq 1 ] && grep -q "(RLIMIT_NOFILE is 16)" <<<"$1"' _ "$(errors)"
done

# io-net: the thread pool's sockets share one table, so a task's socket()
# fails; the task's own error is named, not a checksum. Under the process
# pool each worker has a table of its own and the echo server runs out
# instead: its clients time out, and say so.
run_limited 64 --executor=thread-pool --workload=io-net --param reuse=1 --workers=64 --tasks=256
check "ulimit -n 64, io-net, thread-pool: exit 2" [ $? -eq 2 ]
check "ulimit -n 64, io-net, thread-pool: the socket error, named" \
  grep -q "failed: socket: Too many open files (RLIMIT_NOFILE is 64)" <(errors)
check "ulimit -n 64, io-net, thread-pool: no checksum mismatch" \
  bash -c '! grep -q "returned checksum" "$1"' _ "$WORK/err"
# io-file: a file per task, 64 at once on threads: open() fails, named.
run_limited 16 --executor=thread-pool --workload=io-file --workers=64 --tasks=256
check "ulimit -n 16, io-file, thread-pool: exit 2" [ $? -eq 2 ]
check "ulimit -n 16, io-file, thread-pool: the open error, named" \
  grep -q "failed: open: Too many open files (RLIMIT_NOFILE is 16)" <(errors)
check "ulimit -n 16, io-file: no temporary file left" tmp_is_clean
run_limited 64 --executor=process-pool --workload=io-net --param reuse=1 --param timeout=500ms \
  --workers=64 --tasks=256 --out="$WORK/net.json"
status=$?
check "ulimit -n 64, io-net, process-pool: ends, failed (exit 1 or 2)" \
  bash -c '[ "$1" -eq 1 ] || [ "$1" -eq 2 ]' _ $status
check "ulimit -n 64, io-net, process-pool: a task's own error, not a checksum" \
  jq -e '.benchmarks[0].error_message | test("^task [0-9]+ failed: (connect|send|receive): ")' \
  "$WORK/net.json"
check "ulimit -n 64, io-net, process-pool: no process left" no_bench_processes

finish
