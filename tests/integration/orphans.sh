#!/usr/bin/env bash
# Nothing outlives bench (issue 19, item 2). bench is SIGKILLed (as the OOM
# killer or CI's `timeout -s KILL` would) while its configuration hangs or
# runs, under every kind of child: the configuration process
# (thread-pool), pool workers, per-task children, spawned children, fork
# server children, the io-net echo server, Python's pool workers; within a
# second no live process of that run is left. Each run has a session of its
# own (setsid), so the check looks at that run's processes only, never at
# other tests'. And a configuration whose supervisor is stopped (SIGSTOP)
# past --timeout ends itself: the child's own deadline kills its group,
# and the supervisor, continued, reports the timeout.
. "$(dirname "$0")/lib.sh"

# The live (not zombie) processes of session $1.
live() { ps -o stat= -s "$1" 2>/dev/null | grep -vc '^Z'; }

# Waits up to 10 s for session $1 to hold at least $2 live processes.
wait_live() {
  for _ in $(seq 500); do
    [ "$(live "$1")" -ge "$2" ] && return 0
    sleep 0.02
  done
  return 1
}

# True when session $1 holds no live process within a second (polled).
gone_within_1s() {
  for _ in $(seq 50); do
    [ "$(live "$1")" -eq 0 ] && return 0
    sleep 0.02
  done
  ps -o pid,ppid,stat,args -s "$1" >&2
  return 1
}

# kill_parent NAME PROCESSES BENCH-ARGS...: starts bench in a session of its
# own, waits for PROCESSES live processes in it, SIGKILLs bench alone.
kill_parent() {
  local name=$1 n=$2 pid
  shift 2
  setsid "$BENCH" "$@" >/dev/null 2>&1 &
  pid=$!
  check "$name: bench leads its own session" [ "$(ps -o sid= -p $pid | tr -d ' ')" = "$pid" ]
  check "$name: its children started" wait_live $pid "$n"
  kill -KILL $pid
  wait $pid 2>/dev/null
  check "$name: SIGKILL of bench leaves no process within a second" gone_within_1s $pid
  ps -o pid= -s $pid | xargs -r kill -KILL 2>/dev/null # never leave one
}

hang=(--workload=fault --param mode=hang --param at=0 --tasks=4 --timeout=60s)
# Task 0 hangs: bench, its configuration child, and the pool's workers or
# the hung task's child.
kill_parent "thread-pool" 2 --executor=thread-pool --workers=1 "${hang[@]}"
kill_parent "process-pool" 4 --executor=process-pool --workers=2 "${hang[@]}"
kill_parent "process-per-task" 3 --executor=process-per-task --workers=2 "${hang[@]}"
kill_parent "process-spawn" 3 --executor=process-spawn --workers=2 "${hang[@]}"
# The fork server and its children (bench, configuration, server, the hung
# task or the workers).
kill_parent "process-per-task --start=forkserver" 4 --executor=process-per-task \
  --start=forkserver --workers=2 "${hang[@]}"
kill_parent "process-pool --start=forkserver" 5 --executor=process-pool \
  --start=forkserver --workers=2 "${hang[@]}"
# The io-net echo server (bench, configuration, server), mid-measurement.
kill_parent "io-net" 3 --executor=thread-pool --workload=io-net --workers=2 \
  --tasks=64 --min-time=30 --timeout=60s
# Python's own pool: the interpreter and its forked workers.
if "$BENCH" --list | grep -q '^  py-bytecode ' &&
  "$BENCH" --executor=python-processes --workload=py-bytecode --dry-run >/dev/null 2>&1; then
  kill_parent "python-processes" 5 --executor=python-processes --workload=py-bytecode \
    --workers=2 --tasks=64 --param work=200000 --min-time=30 --timeout=60s
else
  echo "SKIP: python-processes (built without Python)"
fi

# --- The configuration child's own deadline: the supervisor is stopped, so
# only the child can end the hang; then the supervisor, continued, reports
# a timeout (not a crash).
setsid "$BENCH" --executor=thread-pool --workers=1 --workload=fault --param mode=hang \
  --param at=0 --tasks=4 --timeout=1s --out="$WORK/deadline.json" >/dev/null 2>&1 &
pid=$!
check "deadline: the configuration started" wait_live $pid 2
kill -STOP $pid
# Its deadline is 1 s + 1.05 s of grace from its start; allow 10 s in all.
for _ in $(seq 500); do
  [ "$(live $pid)" -le 1 ] && break
  sleep 0.02
done
check "deadline: the hung configuration ended with its supervisor stopped" [ "$(live $pid)" -le 1 ]
kill -CONT $pid
wait $pid
check "deadline: bench exits 1 (the configuration failed)" [ $? -eq 1 ]
check "deadline: recorded as timed out" \
  jq -e '.benchmarks[0].error_message | test("timed out after 1 s")' "$WORK/deadline.json"
check "deadline: nothing left" gone_within_1s $pid

finish
