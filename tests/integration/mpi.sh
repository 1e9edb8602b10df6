#!/usr/bin/env bash
# The mpi executor from the outside: every workload verifies on ranks that
# bench starts itself (as root, oversubscribed, with nothing set by the
# user), every schedule claims each task once, the entry carries the
# phases, the accounting summed over ranks and the transport label, a user's
# own mpiexec gives the same result, a rank killed mid-job fails its
# configuration with the rank named and no hang, and no rank survives
# bench, even when its configuration child is killed with SIGKILL.
# Skipped (77) where the build has no MPI or mpiexec is missing.
. "$(dirname "$0")/lib.sh"

# Built without MPI: the executor stays listed with its reason and naming it
# is refused with one line and exit 2.
if "$BENCH" --list | grep -A1 '^  mpi ' | grep -q unavailable; then
  check "--list shows mpi as unavailable, with the reason" \
    bash -c '"$0" --list | grep -A1 "^  mpi " | grep -q "unavailable: built without MPI"' "$BENCH"
  out=$("$BENCH" --executor=mpi --workers=2 --workload=cpu-hash 2>&1 >/dev/null)
  status=$?
  check "--executor=mpi: exit 2" [ "$status" -eq 2 ]
  check "--executor=mpi: one line naming the reason" \
    bash -c '[ "$(wc -l <<<"$1")" -eq 1 ] && [[ $1 == "bench: --executor=mpi: built without MPI" ]]' _ "$out"
  finish
  exit
fi
if ! command -v mpiexec >/dev/null; then
  echo "skip: mpiexec is not installed"
  exit 77
fi
# The variables bench sets itself must not come from the caller.
unset OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM \
  OMPI_MCA_rmaps_base_oversubscribe

# Ranks of this binary only (other runs may have their own).
ranks_left() {
  pgrep -f -- "^$BENCH --procthread-mpi-worker" >/dev/null
}
no_rank_left() {
  for _ in $(seq 50); do
    ranks_left || return 0
    sleep 0.1
  done
  return 1
}

small=(--min-time=0.001 --param cpu-hash.work=100 --param mem-stream.size=4KiB
  --param fork-footprint.rss=0 --param cpu-float.width=16
  --param io-sleep.sleep=100us --param io-file.size=4KiB)
# The runs that only need to verify go side by side (each spends most of
# its time waiting for Open MPI to start ranks): every workload at W=2,
# W=1 once, every schedule with three chunks.
r=$WORK/all.json
timeout 300 "$BENCH" --executor=mpi --workers=2 --tasks=9 --workload=all \
  "${small[@]}" --out="$r" >/dev/null 2>"$WORK/all.err" &
timeout 300 "$BENCH" --executor=mpi --workers=1 --tasks=9 --workload=cpu-hash \
  --min-time=0.001 --param work=100 --out="$WORK/one.json" >/dev/null 2>&1 &
for s in static dynamic guided; do
  for c in 0 1 4; do
    timeout 300 "$BENCH" --executor=mpi --workers=2 --tasks=37 --schedule=$s \
      --chunk=$c --workload=cpu-skewed --min-time=0.001 \
      --out="$WORK/sched-$s-$c.json" >/dev/null 2>&1 &
  done
done
# The hybrid: every workload on one rank of two threads, and two ranks of
# two threads under each schedule.
h=$WORK/hybrid.json
timeout 300 "$BENCH" --executor=mpi+thread-pool --workers=1x2 --tasks=9 \
  --workload=all "${small[@]}" --out="$h" >/dev/null 2>"$WORK/hybrid.err" &
for s in static dynamic guided; do
  timeout 300 "$BENCH" --executor=mpi+thread-pool --workers=2x2 --tasks=37 \
    --schedule=$s --chunk=3 --workload=cpu-skewed --min-time=0.001 \
    --out="$WORK/hybrid-$s.json" >/dev/null 2>&1 &
done
wait
nwl=$("$BENCH" --list | sed -n '/^Workloads/,/^[A-Z]/p' | grep -c '^  [a-z]')
check "every workload under mpi: an entry each" \
  jq -e --argjson n "$nwl" '(.benchmarks | length) == $n' "$r"
check "every workload but fault and ipc-payload verifies" \
  jq -e '[.benchmarks[] | select(.name | test("^(fault|ipc-payload)/") | not)
          | select(.error_occurred == true)] | length == 0' "$r"
check "fault: the crashing task's rank is named, no hang" \
  jq -e '[.benchmarks[] | select(.name | test("^fault/"))][0].error_message
          | test("^mpi: rank [0-9]+ \\(pid [0-9]+\\) died during the job")' "$r"
check "ipc-payload: refused with one reason" \
  jq -e '[.benchmarks[] | select(.name | test("^ipc-payload/"))][0].error_message
          | test("payload workloads cannot reach the ranks")' "$r"
check "the label names the transport and the hosts" \
  jq -e '[.benchmarks[] | select(.error_occurred != true)] |
          all(.label | test("btl=tcp osc=sm hosts=1"))' "$r"
check "phases and accounting present, CPU summed over the ranks" \
  jq -e '[.benchmarks[] | select(.name | test("^cpu-hash/"))] | all(
          .create_s > 0 and .stop_s > 0 and .dispatch_s >= 0 and
          .compute_s > 0 and .idle_s >= 0 and .return_s >= 0 and
          .cpu_user_s > 0 and .mem_peak_rss_bytes > 0 and
          .ctx_switches_vol >= 0)' "$r"
check "W=1: one rank verifies" \
  jq -e '(.benchmarks | length) == 1 and .benchmarks[0].error_occurred != true' \
  "$WORK/one.json"
for s in static dynamic guided; do
  for c in 0 1 4; do
    check "schedule $s chunk $c: every task once, verified" \
      jq -e '(.benchmarks | length) == 1 and .benchmarks[0].error_occurred != true' \
      "$WORK/sched-$s-$c.json"
  done
done
check "mpi+thread-pool: every workload, 1x2 named workers:2/ranks:1" \
  jq -e --argjson n "$nwl" '(.benchmarks | length) == $n and
    all(.benchmarks[]; (.name | test("/mpi\\+thread-pool/workers:2/ranks:1/")) and
      (.workers == 2 or .error_occurred == true))' "$h"
check "mpi+thread-pool: every workload but fault and ipc-payload verifies" \
  jq -e '[.benchmarks[] | select(.name | test("^(fault|ipc-payload)/") | not)
          | select(.error_occurred == true)] | length == 0' "$h"
check "mpi+thread-pool: the crashing task's rank is named" \
  jq -e '[.benchmarks[] | select(.name | test("^fault/"))][0].error_message
          | test("^mpi: rank 1 \\(pid [0-9]+\\) died during the job")' "$h"
check "mpi+thread-pool: phases and the label" \
  jq -e '[.benchmarks[] | select(.name | test("^cpu-hash/"))][0] |
    .compute_s > 0 and .label == "btl=tcp osc=sm hosts=1"' "$h"
for s in static dynamic guided; do
  check "mpi+thread-pool 2x2, $s: every task once, verified" \
    jq -e '(.benchmarks | length) == 1 and .benchmarks[0].error_occurred != true
           and .benchmarks[0].workers == 4' "$WORK/hybrid-$s.json"
done
check "no rank survives the runs" no_rank_left

# --workers=RxT: parsed, refused when malformed, one line.
out=$("$BENCH" --executor=mpi+thread-pool --workers=2x0 --dry-run 2>&1)
status=$?
check "--workers=2x0: exit 2, one line" \
  bash -c '[ "$0" -eq 2 ] && [ "$(wc -l <<<"$1")" -eq 1 ] && [[ $1 == "bench: --workers=2x0: "* ]]' "$status" "$out"
check "--workers=1,2x2 names Wx1 and RxT for the hybrid, W for others" \
  bash -c '"$0" --executor=mpi+thread-pool,mpi --workers=1,2x2 --workload=cpu-hash --dry-run |
    grep -c -e "mpi+thread-pool/workers:1/ranks:1$" -e "mpi+thread-pool/workers:4/ranks:2$" \
      -e "/mpi/workers:1$" -e "/mpi/workers:4$" | grep -qx 4' "$BENCH"

refused() {
  local ex=$1 workers=$2 want=$3
  shift 3
  "$BENCH" --executor="$ex" --workers="$workers" --tasks=4 --workload=cpu-hash \
    --min-time=0.001 "$@" --format=json >"$WORK/refused.json" 2>/dev/null
  [ $? -ne 0 ] &&
    jq -e --arg w "$want" '.benchmarks[0].error_message | test($w)' \
      "$WORK/refused.json"
}
check "--task-timeout is refused with the reason" \
  refused mpi 2 "task-timeout is not done for ranks" --task-timeout=1s
check "mpi+thread-pool: --on-task-failure=continue refused with the reason" \
  refused mpi+thread-pool 1x2 "needs one task per rank at a time" \
    --on-task-failure=continue

# A crashing task under continue and retry: the job goes on with new ranks,
# the task is recorded failed with its signal (the rank says which), the
# rest verify (the driver checks exactly the designed task failed).
for pol in continue retry:1; do
  timeout 120 "$BENCH" --executor=mpi --workers=2 --tasks=12 --workload=fault \
    --on-task-failure=$pol --min-time=0.001 --out="$WORK/fault-$pol.json" \
    >/dev/null 2>&1 &
done
wait
check "fault, continue: verified, one task failed by SIGSEGV, ranks replaced" \
  jq -e '.benchmarks[0] | .error_occurred != true and .tasks_failed == 1 and
    (.label | test("task [0-9]+ \\(worker [0-9]+, pid [0-9]+\\): killed by SIGSEGV"))
    and .fault_replace_s > 0' "$WORK/fault-continue.json"
check "fault, retry:1: two attempts, then failed" \
  jq -e '.benchmarks[0] | .error_occurred != true and .tasks_failed == 1 and
    .tasks_retried == 1 and (.label | test("2 attempts"))' "$WORK/fault-retry:1.json"

# A user's own mpiexec -n 2: rank 0 runs bench, rank 1 leaves; the result
# is the same table.
u=$WORK/user.json
timeout 300 mpiexec --allow-run-as-root --oversubscribe -n 2 "$BENCH" \
  --executor=mpi --workers=2 --tasks=20 --workload=cpu-hash \
  --param cpu-hash.work=100 --min-time=0.001 --out="$u" >/dev/null 2>&1
check "under mpiexec -n 2: exit 0, one verified entry" \
  jq -e '(.benchmarks | length) == 1 and .benchmarks[0].error_occurred != true
         and (.benchmarks[0].label | test("hosts=1"))' "$u"
check "no rank survives mpiexec" no_rank_left

# A rank killed mid-job: the configuration fails with the rank named.
k=$WORK/killed.json
timeout 300 "$BENCH" --executor=mpi --workers=2 --tasks=200 --workload=io-sleep \
  --param sleep=20ms --min-time=2 --timeout=120 --out="$k" >/dev/null 2>&1 &
bench_pid=$!
for _ in $(seq 100); do
  rank=$(pgrep -f -- "^$BENCH --procthread-mpi-worker" | head -1)
  [ -n "$rank" ] && break
  sleep 0.1
done
sleep 1
[ -n "$rank" ] && kill -9 "$rank"
wait "$bench_pid"
status=$?
check "a rank killed mid-job: exit 1 (not a hang, not a timeout)" [ "$status" -eq 1 ]
check "a rank killed mid-job: the error names the rank" \
  jq -e '.benchmarks[0].error_message | test("^mpi: rank [12] \\(pid [0-9]+\\) died")' "$k"
check "no rank survives a killed rank" no_rank_left

# The same under --on-task-failure=continue: the job finishes on new ranks,
# the killed rank's task is recorded failed, the run exits 0.
k=$WORK/killed-continue.json
timeout 300 "$BENCH" --executor=mpi --workers=2 --tasks=100 --workload=io-sleep \
  --param sleep=20ms --min-time=2 --timeout=120 --on-task-failure=continue \
  --out="$k" >/dev/null 2>&1 &
bench_pid=$!
rank=""
for _ in $(seq 100); do
  rank=$(pgrep -f -- "^$BENCH --procthread-mpi-worker" | head -1)
  [ -n "$rank" ] && break
  sleep 0.1
done
sleep 1
[ -n "$rank" ] && kill -9 "$rank"
wait "$bench_pid"
status=$?
check "continue, a rank killed: exit 0, the entry verified" \
  bash -c '[ "$0" -eq 0 ] && jq -e ".benchmarks[0].error_occurred != true" "$1"' "$status" "$k"
check "continue, a rank killed: its task recorded failed, ranks replaced" \
  jq -e '.benchmarks[0] | .tasks_failed >= 1 and .fault_replace_s > 0 and
    (.label | test("failed"))' "$k"
check "no rank survives a replaced set" no_rank_left

# The configuration child killed with SIGKILL: no rank, no orted remains.
timeout 300 "$BENCH" --executor=mpi --workers=2 --tasks=200 --workload=io-sleep \
  --param sleep=20ms --min-time=2 --timeout=120 --format=json \
  >/dev/null 2>&1 &
bench_pid=$!
for _ in $(seq 100); do
  rank=$(pgrep -f -- "^$BENCH --procthread-mpi-worker" | head -1)
  [ -n "$rank" ] && break
  sleep 0.1
done
sleep 1
main=$(pgrep -P "$bench_pid" | head -1)
child=$(pgrep -P "$main" -f -- "$BENCH" | head -1)
# orted leaves the child's session (setsid) but is its child until then.
orteds=$(for p in $(pgrep -x orted); do
  [ "$(ps -o ppid= -p "$p" | tr -d ' ')" = "$child" ] && echo "$p"
done)
[ -n "$child" ] && kill -9 "$child"
wait "$bench_pid"
check "the configuration child was found and killed" [ -n "$child" ]
check "no rank survives its configuration child" no_rank_left
check "the child's orted was found before the kill" [ -n "$orteds" ]
orteds_gone() {
  for _ in $(seq 50); do
    local alive=0
    for p in $orteds; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && return 0
    sleep 0.1
  done
  return 1
}
check "no orted of that child remains" orteds_gone
# Processes of this binary exit a moment after their ranks: wait up to 5 s,
# then name what is left.
no_bench_left() {
  for _ in $(seq 50); do
    no_bench_processes && return 0
    sleep 0.1
  done
  pgrep -af -- "^$BENCH( |$)" | cut -c1-200 >&2
  return 1
}
check "no bench process left" no_bench_left

# The worker mode refuses a malformed argv with one line and exit 2.
out=$("$BENCH" --procthread-mpi-worker cpu-hash/tasks=4 static 2>&1)
status=$?
check "worker mode, malformed argv: exit 2, one line" \
  bash -c '[ "$0" -eq 2 ] && [ "$(wc -l <<<"$1")" -eq 1 ] && [[ $1 == "bench: mpi worker: "* ]]' "$status" "$out"
check "the worker flag is not in --help" \
  bash -c '! "$0" --help | grep -q procthread-mpi-worker' "$BENCH"
finish
