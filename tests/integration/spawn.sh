#!/usr/bin/env bash
# The process-spawn and omp executors from the outside: spawned children
# compute the checksums the driver verifies, a dying task is recorded with
# its signal, the hidden worker mode refuses a malformed job with one line
# and exit 2 (and stays silent on success), and omp refuses a --wait that
# libgomp was not started with.
. "$(dirname "$0")/lib.sh"

FLAG=--procthread-spawn-worker

r=$WORK/spawn.json
"$BENCH" --workload=cpu-hash,mem-stream,malloc-churn,cpu-skewed,gil,false-sharing \
  --executor=process-spawn --workers=1,2 --tasks=7 --min-time=0.001 \
  --param cpu-hash.work=100 --param mem-stream.size=4KiB --out="$r" >/dev/null 2>&1
check "six workloads under process-spawn: exit 0" [ $? -eq 0 ]
check "six workloads under process-spawn: 12 entries, checksums verified" \
  jq -e '(.benchmarks | length) == 12 and all(.benchmarks[]; .error_occurred != true)' "$r"

f=$WORK/fault.json
"$BENCH" --workload=fault --executor=spawn --workers=2 --tasks=6 --param at=3 \
  --min-time=0.001 --out="$f" >/dev/null 2>"$WORK/fault.err"
check "a dying spawned task makes exit status 1" [ $? -eq 1 ]
check "the error names the task and the signal" \
  jq -e '.benchmarks[0].error_occurred == true and
         (.benchmarks[0].error_message | test("task 3: worker [01] .*killed by SIGSEGV"))' "$f"
"$BENCH" --workload=fault --executor=spawn --workers=1 --tasks=6 --param at=5 \
  --param mode=exit --min-time=0.001 --out="$f" >/dev/null 2>&1
check "an exiting spawned task is recorded with its status" \
  jq -e '.benchmarks[0].error_message | test("task 5: .*exited with status 3")' "$f"

# The worker mode, as process-spawn runs it: SPEC TASK WORKER FD CPU PARENT
# [CHANNEL] (CHANNEL only for payload workloads: ipc.sh runs those).
# bash -c runs bench as its child (not exec'd: a command follows), so $$ is
# the parent the worker checks for.
export OUT=$WORK/checksum
bash -c '"$0" "$1" cpu-hash/tasks=4/work=100 2 0 3 -1 $$ 3>"$OUT" >"$OUT.stdout" 2>&1;
  echo $? >"$OUT.status"' "$BENCH" "$FLAG"
check "the worker mode exits 0" grep -qx 0 "$OUT.status"
check "the worker mode prints nothing" [ ! -s "$OUT.stdout" ]
check "the worker mode sends 8 bytes of checksum" [ "$(stat -c %s "$OUT")" -eq 8 ]

bad_spec() {
  local out status lines
  out=$("$BENCH" "$FLAG" "$@" 2>&1 3>/dev/null)
  status=$?
  lines=$(printf '%s\n' "$out" | wc -l)
  [ "$status" -eq 2 ] && [ "$lines" -eq 1 ] && [[ $out == "bench: spawn worker: "* ]]
}
check "no arguments: exit 2, one line" bad_spec
check "too few arguments: exit 2, one line" bad_spec cpu-hash/tasks=4 0 0
check "no tasks= field: exit 2, one line" bad_spec cpu-hash 0 0 3 -1 1
check "unknown workload: exit 2, one line" bad_spec no-such/tasks=4 0 0 3 -1 1
check "unknown parameter: exit 2, one line" bad_spec cpu-hash/tasks=4/bogus=1 0 0 3 -1 1
check "out-of-range parameter: exit 2, one line" bad_spec cpu-hash/tasks=4/work=0 0 0 3 -1 1
check "repeated parameter: exit 2, one line" bad_spec cpu-hash/tasks=4/work=5/work=6 0 0 3 -1 1
check "task beyond the job: exit 2, one line" bad_spec cpu-hash/tasks=4 4 0 3 -1 1
check "bad task number: exit 2, one line" bad_spec cpu-hash/tasks=4 x 0 3 -1 1
check "bad CPU: exit 2, one line" bad_spec cpu-hash/tasks=4 0 0 3 -2 1
check "a payload job without its CHANNEL: exit 2, one line" \
  bad_spec ipc-payload/tasks=4/size=100 0 0 3 -1 1
check "a CHANNEL for a job without payload: exit 2, one line" \
  bad_spec cpu-hash/tasks=4 0 0 3 -1 1 shm:1:0
check "a CHANNEL for the noop job: exit 2, one line" \
  bad_spec noop/tasks=4 0 0 3 -1 1 pipe:1:0
check "too many arguments: exit 2, one line" \
  bad_spec cpu-hash/tasks=4 0 0 3 -1 1 shm:1:0 extra
check "the worker flag is not in --help" bash -c '! "$0" --help | grep -q -- "$1"' "$BENCH" "$FLAG"

# omp: libgomp's wait policy is fixed at program start (OMP_WAIT_POLICY).
# (Without OpenMP, omp_unavailable.sh checks the refusal instead.)
if ! "$BENCH" --list | grep -A1 '^  omp ' | grep -q unavailable; then
  o=$WORK/omp.json
  env -u OMP_WAIT_POLICY "$BENCH" --workload=cpu-hash --executor=omp --workers=2 --tasks=8 \
    --param work=100 --min-time=0.001 --wait=spin --out="$o" >/dev/null 2>&1
  check "omp --wait=spin without OMP_WAIT_POLICY: exit 1" [ $? -eq 1 ]
  check "omp --wait=spin without OMP_WAIT_POLICY=active is refused by name" \
    jq -e 'any(.benchmarks[]; .error_message // "" | test("OMP_WAIT_POLICY=active"))' "$o"
  OMP_WAIT_POLICY=active "$BENCH" --workload=cpu-hash --executor=omp --workers=2 --tasks=8 \
    --param work=100 --min-time=0.001 --wait=spin --out="$o" >/dev/null 2>&1
  check "omp --wait=spin runs under OMP_WAIT_POLICY=active" \
    jq -e '(.benchmarks | length) == 1 and .benchmarks[0].error_occurred != true' "$o"
fi

check "no process left" no_bench_processes
check "no temp file left" tmp_is_clean
finish
