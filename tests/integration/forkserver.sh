#!/usr/bin/env bash
# --start=forkserver (and the pool by spawn) from the outside: every
# workload verifies under both process executors, a crashing or hanging task
# costs only its own process under every failure policy, --start lists
# name their configurations,
# bad --start values and combinations are refused with one line, and no
# server or child outlives bench: on success, on SIGINT, on kill -9.
. "$(dirname "$0")/lib.sh"

SERVER=$(dirname "$BENCH")/procthread-forkserver

# A server process, or one of its children (clones: same command line). The
# server names itself without its directory (argv[0] is
# "procthread-forkserver"), so the pattern takes either; the py-* workloads'
# server is the one with -py.
SERVER_RE="^([^ ]*/)?procthread-forkserver(-py)?( |$)"
no_server_processes() {
  [ -z "$(our_pids "$SERVER_RE")" ]
}

# Polls up to 5 s for every bench and server process to be gone.
all_gone() {
  for _ in $(seq 50); do
    no_server_processes && no_bench_processes && return 0
    sleep 0.1
  done
  return 1
}

# Every workload this build lists (the py-* ones only with Python).
nwl=$("$BENCH" --list | sed -n '/^Workloads/,/^[A-Z]/p' | grep -c '^  [a-z]')
r=$WORK/all.json
"$BENCH" --workload=all --executor=process-pool,process-per-task \
  --start=forkserver --workers=1,2 --tasks=6 --min-time=0.001 \
  --param fork-footprint.rss=8MiB --param mem-stream.size=4KiB \
  --param ipc-payload.size=4KiB --out="$r" >/dev/null 2>"$WORK/all.err"
check "every workload, both executors: exit 1 (fault fails by design)" [ $? -eq 1 ]
check "every workload: 4 entries each, named start:forkserver" \
  jq -e --argjson n "$nwl" '(.benchmarks | length) == 4 * $n and
         all(.benchmarks[]; .name | test("/start:forkserver/manual_time$"))' "$r"
check "every workload but fault verified" \
  jq -e '[.benchmarks[] | select(.name | startswith("fault/") | not) |
          select(.error_occurred == true)] | length == 0' "$r"
check "fault: the crash is named, task and signal" \
  jq -e '[.benchmarks[] | select(.name | startswith("fault/"))] |
         length == 4 and all(.[]; .error_message |
           test("^task 0: worker [01] \\(pid [0-9]+\\) killed by SIGSEGV"))' "$r"
check "no server or child left after the run" all_gone
check "no temporary file left" tmp_is_clean

# The pool by spawn: each worker an exec of bench in its pool worker mode.
r=$WORK/spawn.json
"$BENCH" --workload=all --executor=pool --start=spawn --workers=1,2 --tasks=6 \
  --min-time=0.001 --param fork-footprint.rss=8MiB --param mem-stream.size=4KiB \
  --param ipc-payload.size=4KiB --out="$r" >/dev/null 2>&1
check "every workload, pool by spawn: named start:spawn, start_method spawn" \
  jq -e --argjson n "$nwl" '(.benchmarks | length) == 2 * $n and all(.benchmarks[];
           (.name | test("/process-pool/.*/start:spawn/manual_time$")) and
           .start_method == "spawn")' "$r"
check "every workload but fault verified, pool by spawn" \
  jq -e '[.benchmarks[] | select(.name | startswith("fault/") | not) |
          select(.error_occurred == true)] | length == 0' "$r"
check "pool by spawn: no worker or temporary file left" \
  [ -z "$(our_pids "^$BENCH --procthread-pool-worker")" ]
check "pool by spawn: no temporary file left" tmp_is_clean

for w in 1 2; do
  "$BENCH" --workload=ipc-payload --executor=pool,process-per-task \
    --start=forkserver --transport=shm,pipe --workers=$w --tasks=5 \
    --param size=0,1,4097 --min-time=0.001 --out="$WORK/ipc.json" >/dev/null 2>&1
  check "ipc-payload, W=$w, shm and pipe, sizes 0, 1, 4097: verified" \
    jq -e '(.benchmarks | length) == 12 and
           all(.benchmarks[]; .error_occurred != true)' "$WORK/ipc.json"
done

# Faults: only the task's process dies; the policies work as under fork.
f=$WORK/fault.json
"$BENCH" --workload=fault --executor=pool,process-per-task --start=forkserver \
  --workers=2 --tasks=20 --param at=3 --on-task-failure=continue \
  --min-time=0.001 --out="$f" >/dev/null 2>&1
check "continue: exit 0" [ $? -eq 0 ]
check "continue: task 3 failed, the rest verified, in both executors" \
  jq -e '(.benchmarks | length) == 2 and all(.benchmarks[];
           .error_occurred != true and .tasks_failed == 1 and
           (.label | test("task 3 \\(worker [01], pid [0-9]+\\): killed by SIGSEGV")))' "$f"
"$BENCH" --workload=fault --executor=pool,process-per-task --start=forkserver \
  --workers=2 --tasks=20 --param at=7 --param mode=exit \
  --on-task-failure=retry:2 --min-time=0.001 --out="$f" >/dev/null 2>&1
check "retry:2: three attempts, exit status named" \
  jq -e 'all(.benchmarks[]; .error_occurred != true and
           (.label | test("task 7 .*exited with status 3, 3 attempts")))' "$f"
"$BENCH" --workload=fault --executor=pool,process-per-task --start=forkserver \
  --workers=2 --tasks=10 --param at=2 --param mode=hang --task-timeout=200ms \
  --on-task-failure=continue --min-time=0.001 --out="$f" >/dev/null 2>&1
check "task timeout: the hung task is killed, the rest verified" \
  jq -e 'all(.benchmarks[]; .error_occurred != true and
           (.label | test("task 2 .*timed out after 0.2 s \\(killed\\)")))' "$f"
check "no server or child left after the faults" all_gone
"$BENCH" --workload=fault --executor=pool --start=spawn --workers=2 --tasks=20 \
  --param at=3 --on-task-failure=retry:1 --min-time=0.001 --out="$f" >/dev/null 2>&1
check "pool by spawn, retry:1: task 3 failed twice, the rest verified" \
  jq -e '.benchmarks[0].error_occurred != true and
         (.benchmarks[0].label | test("task 3 .*killed by SIGSEGV, 2 attempts"))' "$f"

# A list of start methods: process-per-task by spawn is process-spawn.
l=$WORK/list.json
"$BENCH" --workload=cpu-hash --executor=process-per-task,pool \
  --start=fork,forkserver --workers=1 --tasks=4 --param work=100 \
  --min-time=0.001 --out="$l" >/dev/null 2>&1
check "--start=fork,forkserver: start_method fork and forkserver" \
  jq -e '[.benchmarks[].start_method] == ["fork", "forkserver", "fork", "forkserver"]' "$l"
check "--start=fork,forkserver: both, fork unnamed" \
  jq -e '[.benchmarks[].name] == [
    "cpu-hash/process-per-task/workers:1/tasks:4/work:100/manual_time",
    "cpu-hash/process-per-task/workers:1/tasks:4/work:100/start:forkserver/manual_time",
    "cpu-hash/process-pool/workers:1/tasks:4/work:100/manual_time",
    "cpu-hash/process-pool/workers:1/tasks:4/work:100/start:forkserver/manual_time"]' "$l"
"$BENCH" --workload=cpu-hash --executor=process-per-task,thread-pool,spawn \
  --start=forkserver,spawn --workers=1 --tasks=4 --param work=100 \
  --min-time=0.001 --out="$l" >/dev/null 2>&1
check "start_method recorded for process executors only" \
  jq -e '[.benchmarks[].start_method] == ["forkserver", null, "spawn"]' "$l"
check "spawn under process-per-task is process-spawn, run once" \
  jq -e '[.benchmarks[].name] == [
    "cpu-hash/process-per-task/workers:1/tasks:4/work:100/start:forkserver/manual_time",
    "cpu-hash/thread-pool/workers:1/tasks:4/work:100/manual_time",
    "cpu-hash/process-spawn/workers:1/tasks:4/work:100/manual_time"]' "$l"

# Refusals: one line, exit 2, nothing run.
refused() {
  local out status lines
  out=$("$BENCH" --workload=cpu-hash --tasks=2 --min-time=0.001 "$@" 2>&1)
  status=$?
  lines=$(printf '%s\n' "$out" | wc -l)
  [ "$status" -eq 2 ] && [ "$lines" -eq 1 ] && [[ $out == "bench: --start"* ]]
}
check "--start=bogus refused" refused --start=bogus --executor=pool
check "--start= refused" refused --start= --executor=pool
check "--start=fork,fork refused" refused --start=fork,fork --executor=pool
check "--start=fork, refused" refused --start=fork, --executor=pool
check "--start=Fork refused" refused --start=Fork --executor=pool
check "--start given twice refused" refused --start=fork --start=forkserver --executor=pool
check "--start with thread executors only refused" \
  refused --start=forkserver --executor=thread-pool,serial
check "--start with process-spawn only refused" \
  refused --start=forkserver --executor=process-spawn
out=$("$BENCH" --procthread-pool-worker 2>&1)
status=$?
check "the pool worker mode, malformed: exit 2" [ $status -eq 2 ]
check "the pool worker mode, malformed: one line" \
  [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]

check "bench --list names the start methods" \
  bash -c '"$0" --list | grep -q "^Start methods (--start; .*fork, forkserver, spawn"' "$BENCH"

# The server program is not for users: a malformed start is one line, 2.
out=$("$SERVER" 2>&1)
status=$?
check "the server program alone: exit 2" [ $status -eq 2 ]
check "the server program alone: one line" [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]

# bench without its server program beside it: the configuration fails.
mkdir -p "$WORK/alone"
cp "$BENCH" "$WORK/alone/bench"
"$WORK/alone/bench" --workload=cpu-hash --executor=process-per-task \
  --start=forkserver --workers=1 --tasks=2 --min-time=0.001 \
  --out="$WORK/alone.json" >/dev/null 2>&1
check "no server program: exit 1, the error names it" \
  jq -e '.benchmarks[0].error_message |
         test("forkserver: [^ ]*procthread-forkserver: No such file")' "$WORK/alone.json"

# SIGINT and kill -9 of bench mid-job: server and children go too.
for sig in INT KILL; do
  for run in process-per-task:forkserver pool:forkserver pool:spawn; do
    ex=${run%:*}
    "$BENCH" --workload=io-sleep --executor=$ex --start=${run#*:} \
      --workers=2 --tasks=40 --param sleep=50ms --min-time=2 \
      --out="$WORK/sig.json" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 100); do
      [ -n "$(our_pids "$SERVER_RE")$(our_pids "^$BENCH --procthread-pool-worker ")" ] && break
      sleep 0.05
    done
    sleep 0.3
    kill -$sig $pid
    wait $pid 2>/dev/null
    check "SIG$sig of bench, $run: no server, child or bench left" all_gone
  done
done

finish
