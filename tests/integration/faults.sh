#!/usr/bin/env bash
# Worker faults and resource limits, from the outside: --on-task-failure
# (continue, retry:N, abort) and --task-timeout on the process executors
# (process-spawn included: its spawned tasks follow the same policies),
# with the fault workload's designed failures recorded exactly and every
# other task verified by the driver; a pool worker SIGKILLed from outside;
# thread executors recorded as crashed while other configurations are kept;
# RLIMIT_NPROC hit mid-start (exit 2, one line, nothing left); 1024 workers
# on every executor; an out-of-memory kill named as such. Never timing.
. "$(dirname "$0")/lib.sh"

quick=(--min-time=0.01 --tasks=40)
field() { jq -r --arg n "$2" ".benchmarks[] | select(.name | startswith(\$n)) | $3" "$1"; }
one_line() { [ "$(grep -c '^bench: ' "$1")" -eq 1 ]; }

# --- continue: the job finishes; exactly the designed task is recorded.
for mode in segv abort exit; do
  r=$WORK/continue-$mode.json
  "$BENCH" --workload=fault --executor=pool,process-per-task,process-spawn --workers=2 "${quick[@]}" \
    --param at=7 --param mode=$mode --param work=1000 --on-task-failure=continue \
    --out="$r" >/dev/null 2>&1
  check "continue, mode=$mode: exit 0" [ $? -eq 0 ]
  case $mode in segv) why="killed by SIGSEGV" ;; abort) why="killed by SIGABRT" ;;
    exit) why="exited with status 3" ;; esac
  for ex in process-pool process-per-task process-spawn; do
    n=fault/$ex/
    check "continue, $mode, $ex: not an error" [ "$(field "$r" $n .error_occurred)" = null ]
    check "continue, $mode, $ex: jobs ran" [ "$(field "$r" $n .iterations)" -gt 0 ]
    check "continue, $mode, $ex: one task failed per job" [ "$(field "$r" $n .tasks_failed)" = 1 ]
    check "continue, $mode, $ex: none retried" [ "$(field "$r" $n .tasks_retried)" = 0 ]
    check "continue, $mode, $ex: the label names task 7 and why" \
      grep -q "1 failed per job: task 7 (worker [0-9]*, pid [0-9]*): $why" <<<"$(field "$r" $n .label)"
    check "continue, $mode, $ex: time to detect recorded" \
      jq -e --arg n $n '.benchmarks[] | select(.name | startswith($n)) | .fault_detect_s >= 0' "$r"
  done
  check "continue, $mode: the name carries the policy" \
    grep -q "on-task-failure:continue" <<<"$(jq -r '.benchmarks[0].name' "$r")"
  check "continue, $mode: the pool records time to replace" \
    jq -e '.benchmarks[] | select(.name | startswith("fault/process-pool/")) | .fault_replace_s > 0' "$r"
done

# --- Every schedule resumes the dead worker's tasks: the driver verifies every
# other task's checksum and that the failures are exactly the designed ones.
for schedule in static dynamic guided; do
  for at in 0 39; do
    r=$WORK/schedule-$schedule-$at.json
    "$BENCH" --workload=fault --executor=pool --workers=1,2,3 "${quick[@]}" --param at=$at \
      --param work=1000 --schedule=$schedule --chunk=3 --on-task-failure=continue \
      --out="$r" >/dev/null 2>&1
    check "schedule $schedule, task $at fails: exit 0" [ $? -eq 0 ]
    check "schedule $schedule, task $at: every entry verified, one failure per job" \
      jq -e 'all(.benchmarks[]; .error_occurred != true and .tasks_failed == 1)' "$r"
  done
done

# --- retry:N runs the task N more times, then records it.
r=$WORK/retry.json
"$BENCH" --workload=fault --executor=pool,process-per-task,process-spawn --workers=2 "${quick[@]}" \
  --param at=3 --param work=1000 --on-task-failure=retry:2 --out="$r" >/dev/null 2>&1
check "retry:2: exit 0" [ $? -eq 0 ]
check "retry:2: two retries and one failure per job" \
  jq -e 'all(.benchmarks[]; .tasks_retried == 2 and .tasks_failed == 1)' "$r"
check "retry:2: the label counts three attempts" \
  jq -e 'all(.benchmarks[]; .label | test("task 3 .*killed by SIGSEGV, 3 attempts"))' "$r"

# --- abort (the default) still fails the configuration, naming the task.
r=$WORK/abort.json
"$BENCH" --workload=fault --executor=pool,process-per-task,process-spawn --workers=2 "${quick[@]}" \
  --param at=3 --on-task-failure=abort --out="$r" >/dev/null 2>&1
check "abort: exit 1" [ $? -eq 1 ]
check "abort: both configurations are errors naming task 3" \
  jq -e 'all(.benchmarks[]; .error_occurred == true and (.error_message | test("task 3: worker")))' "$r"

# --- --task-timeout: a hung task is killed; the job goes on (or aborts).
r=$WORK/timeout.json
"$BENCH" --workload=fault --executor=pool,process-per-task,process-spawn --workers=2 "${quick[@]}" \
  --param at=5 --param mode=hang --param work=1000 --task-timeout=100ms \
  --on-task-failure=continue --timeout=60 --out="$r" >/dev/null 2>&1
check "timeout, continue: exit 0" [ $? -eq 0 ]
check "timeout, continue: the hung task is recorded as timed out" \
  jq -e 'all(.benchmarks[]; .tasks_failed == 1 and (.label | test("task 5 .*timed out after 0.1 s")))' "$r"
check "timeout: the name carries the task timeout" \
  jq -e 'all(.benchmarks[]; .name | test("task-timeout:0.1s"))' "$r"
r=$WORK/timeout-abort.json
"$BENCH" --workload=fault --executor=pool,process-per-task,process-spawn --workers=2 "${quick[@]}" \
  --param at=5 --param mode=hang --task-timeout=100ms --timeout=60 --out="$r" >/dev/null 2>&1
check "timeout, abort: exit 1" [ $? -eq 1 ]
check "timeout, abort: errors say the task timed out" \
  jq -e 'all(.benchmarks[]; .error_message | test("task 5: worker .* timed out after 0.1 s"))' "$r"
check "no process left after task timeouts" no_bench_processes

# --- Thread executors cannot survive: recorded as crashed; the rest is kept.
r=$WORK/threads.json
"$BENCH" --workload=fault,cpu-hash --executor=serial,thread-pool,thread-per-task,pool \
  --workers=2 "${quick[@]}" --param fault.at=3 --param cpu-hash.work=100 \
  --on-task-failure=continue --task-timeout=1s --out="$r" >/dev/null 2>"$WORK/threads.err"
check "threads: exit 1 (crashed configurations)" [ $? -eq 1 ]
check "threads: one warning that the options do not apply" \
  [ "$(grep -c 'applies to process executors only' "$WORK/threads.err")" -eq 1 ]
for ex in serial thread-pool thread-per-task; do
  check "threads: fault/$ex recorded as crashed by SIGSEGV" \
    grep -q "crashed: killed by SIGSEGV" <<<"$(field "$r" fault/$ex/ .error_message)"
done
check "threads: the pool survived the same fault" \
  [ "$(field "$r" fault/process-pool/ .tasks_failed)" = 1 ]
check "threads: every cpu-hash result is kept" \
  jq -e '[.benchmarks[] | select(.name | startswith("cpu-hash/")) | select(.error_occurred != true)] | length == 4' "$r"

# --- Pool workers SIGKILLed from outside, mid-run, under continue. Google
# Benchmark's last (reported) run takes most of the 3 s: three kills, 0.5 s
# apart from 1 s on, each of a worker (a child of the configuration child)
# of the pool running then.
r=$WORK/outside.json
"$BENCH" --workload=io-sleep --executor=pool --workers=2 --tasks=20 --param sleep=5ms \
  --min-time=3 --on-task-failure=continue --out="$r" >/dev/null 2>&1 &
pid=$!
kills=0
sleep 1
for _ in 1 2 3; do
  child=$(pgrep -P $pid | head -1)
  victim=$([ -n "$child" ] && pgrep -P "$child" | head -1)
  [ -n "$victim" ] && kill -KILL "$victim" && kills=$((kills + 1))
  sleep 0.5
done
wait $pid
status=$?
check "outside kill: pool workers were found and killed" [ $kills -gt 0 ]
check "outside kill: exit 0" [ $status -eq 0 ]
check "outside kill: the entry is measured, not an error" \
  jq -e '.benchmarks[0].error_occurred != true and .benchmarks[0].iterations > 0' "$r"
check "outside kill: the deaths were detected and the workers replaced" \
  jq -e '.benchmarks[0].fault_detect_s >= 0 and .benchmarks[0].fault_replace_s > 0' "$r"
check "outside kill: the label names a task killed by SIGKILL" \
  jq -e '.benchmarks[0].label | test("failed in [0-9]+ jobs, last: task [0-9]+ .*killed by SIGKILL")' "$r"

# --- Bad values are refused before anything runs.
for bad in --on-task-failure=retry:0 --on-task-failure=retry --on-task-failure=skip \
  --task-timeout=0 --task-timeout=-1s --task-timeout=abc; do
  "$BENCH" --workload=fault "$bad" --out="$WORK/bad.json" >/dev/null 2>"$WORK/bad.err"
  check "$bad: exit 2" [ $? -eq 2 ]
  check "$bad: one line" one_line "$WORK/bad.err"
  check "$bad: no results file" [ ! -e "$WORK/bad.json" ]
done

# --- 1024 workers on every executor, a small job: one task per worker, so
# the per-task executors still hold 1024 processes or threads at once (twice
# the tasks only doubled their forks and spawns, the slowest part under ASan).
r=$WORK/w1024.json
"$BENCH" --workload=cpu-hash --executor=all --workers=1024 --tasks=1024 --param work=100 \
  --min-time=0.01 --out="$r" >/dev/null 2>&1
check "1024 workers: exit 0" [ $? -eq 0 ]
executors=$("$BENCH" --list | awk '/^Executors/ { on = 1; next }
  on && /^  python-/ { py = 1; next }
  on && /^  [a-z]/ { n++; py = 0 } on && /unavailable:|only when named:/ && !py { n-- }
  on && /^$/ { on = 0 } END { print n }')
check "1024 workers: every executor measured" \
  jq -e --argjson n "$executors" '(.benchmarks | length) == $n and all(.benchmarks[]; .error_occurred != true and .iterations > 0)' "$r"
check "no process left after 1024 workers" no_bench_processes

# --- RLIMIT_NPROC: an unprivileged user with a process limit (root ignores it).
# Tasks sleep, so that per-task executors really hold 100 workers at once.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && command -v prlimit >/dev/null &&
  id nobody >/dev/null 2>&1; then
  chmod 755 "$WORK" # nobody runs from here
  before=$(pgrep -u nobody | wc -l)
  for ex in pool thread-pool process-per-task thread-per-task process-spawn; do
    (cd "$WORK" && setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
      prlimit --nproc=$((before + 40)) "$BENCH" --workload=io-sleep --executor=$ex --workers=100 \
      --tasks=200 --param sleep=20ms --min-time=0.01) >/dev/null 2>"$WORK/nproc.err"
    status=$?
    check "RLIMIT_NPROC, $ex: exit 2" [ $status -eq 2 ]
    grep '^bench: ' "$WORK/nproc.err" | grep -v 'warning' >"$WORK/nproc.line"
    check "RLIMIT_NPROC, $ex: one line naming the limit" \
      [ "$(wc -l <"$WORK/nproc.line")" -eq 1 ]
    check "RLIMIT_NPROC, $ex: it says why" \
      grep -q "Resource temporarily unavailable (RLIMIT_NPROC is $((before + 40)))" "$WORK/nproc.line"
    check "RLIMIT_NPROC, $ex: no process left" [ "$(pgrep -u nobody | wc -l)" -eq "$before" ]
  done
else
  echo "SKIP: RLIMIT_NPROC tests need root, setpriv, prlimit and user nobody"
fi

# --- An out-of-memory kill, in a memory cgroup of our own if one can be made.
cg=
rel=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
if [ -n "$rel" ] && [ -w "/sys/fs/cgroup/memory$rel" ]; then
  cg=/sys/fs/cgroup/memory$rel/pt-oom-$$
  mkdir "$cg" 2>/dev/null && echo 96M >"$cg/memory.limit_in_bytes" || cg=
else
  rel=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
  parent=/sys/fs/cgroup${rel%/*}
  if grep -qw memory "$parent/cgroup.subtree_control" 2>/dev/null && [ -w "$parent" ]; then
    cg=$parent/pt-oom-$$
    mkdir "$cg" 2>/dev/null && echo 96M >"$cg/memory.max" && echo 0 >"$cg/memory.swap.max" || cg=
  fi
fi
if [ -n "$cg" ]; then
  r=$WORK/oom.json
  sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$BENCH" \
    --workload=fork-footprint,cpu-hash --executor=serial --param fork-footprint.rss=256MiB \
    --tasks=4 --param cpu-hash.work=100 --min-time=0.01 --out="$r" >/dev/null 2>&1
  check "OOM: exit 1" [ $? -eq 1 ]
  check "OOM: the configuration is reported as killed out of memory" \
    grep -q "killed by SIGKILL.*out of memory (the OOM killer acted" \
    <<<"$(field "$r" fork-footprint/ .error_message)"
  check "OOM: the next configuration is kept" [ "$(field "$r" cpu-hash/ .error_occurred)" = null ]
  rmdir "$cg"
else
  echo "SKIP: no writable memory cgroup for the OOM test"
fi

check "no process left behind" no_bench_processes
check "no temp file left behind" tmp_is_clean
finish
