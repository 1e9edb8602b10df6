#!/usr/bin/env bash
# The CPython workloads from the outside. With Python: py-bytecode and
# py-release verify under every executor (process-spawn's children make
# their own interpreter), each entry carries gil_wait_s (not process-spawn's:
# not measured there); bench pyref runs them under our executors and
# Python's own pools (python-*, verified the same way), which "all" leaves
# out and which refuse other workloads; and a Ctrl-C
# while pool workers run Python leaves no process behind (the interpreter
# installs no signal handler of its own). Without Python (-Dpython=disabled):
# they are not listed, and naming one is refused with one line and exit 2.
. "$(dirname "$0")/lib.sh"

if ! "$BENCH" --list | grep -q '^  py-bytecode '; then
  check "--list leaves py-release out too" \
    bash -c '! "$0" --list | grep -q "^  py-release "' "$BENCH"
  out=$("$BENCH" --workload=py-bytecode 2>&1 >/dev/null)
  status=$?
  check "--workload=py-bytecode without Python: exit 2" [ "$status" -eq 2 ]
  check "--workload=py-bytecode without Python: one line with the reason" \
    bash -c '[ "$(wc -l <<<"$1")" -eq 1 ] && [[ $1 == "bench: --workload: '"'"'py-bytecode'"'"' is unavailable: built without Python"* ]]' _ "$out"
  "$BENCH" --workload=all --executor=serial --tasks=2 --min-time=0.001 \
    --param cpu-hash.work=10 --format=json 2>/dev/null >"$WORK/all.json"
  check "--workload=all runs without the py-* workloads" \
    jq -e 'all(.benchmarks[]; (.name | test("^py-")) | not)' "$WORK/all.json"
  finish
  exit
fi

r=$WORK/py.json
"$BENCH" --workload=py-bytecode,py-release --executor=all --workers=1,2 \
  --tasks=9 --param py-bytecode.work=3000 --param py-release.work=3000 \
  --param py-release.release=0.7 --param py-release.switch=1ms \
  --min-time=0.001 --out="$r" >/dev/null 2>"$WORK/py.err"
check "py-* under every executor: exit 0" [ $? -eq 0 ]
executors=$("$BENCH" --list | sed -n '/^Executors/,/^$/p' | grep '^  [a-z]' | grep -vc '^  python-')
unavail=$("$BENCH" --list | sed -n '/^Executors/,/^$/p' | grep -cE 'unavailable:|only when named:')
check "py-* under every executor: one entry per workload, executor, W" \
  jq -e --argjson n $(( (executors - unavail) * 2 * 2 - 2 )) \
  '(.benchmarks | length) == $n' "$r"
check "py-* under every executor: checksums verified" \
  jq -e 'all(.benchmarks[]; .error_occurred != true)' "$r"
check "every py-* entry but process-spawn's has gil_wait_s" \
  jq -e 'all(.benchmarks[] | select(.name | test("/process-spawn/") | not); .gil_wait_s >= 0)' "$r"
check "gil_wait_s, from the instrumented job, sees threads wait for the GIL" \
  jq -e 'any(.benchmarks[]; (.name | startswith("py-bytecode/thread-pool/workers:2/")) and .gil_wait_s > 0)' "$r"
check "process-spawn ran py-release" \
  jq -e 'any(.benchmarks[]; .name | test("^py-release/process-spawn/"))' "$r"
check "no bench process left" no_bench_processes
check "--executor=all leaves Python's pools out" \
  jq -e 'all(.benchmarks[]; (.name | test("/python-")) | not)' "$r"

# Python's own pools, as bench pyref runs them next to ours.
p=$WORK/pyref.json
"$BENCH" pyref --workers=2 --tasks=6 --param work=2000 --min-time=0.001 \
  --out="$p" >/dev/null 2>"$WORK/pyref.err"
check "bench pyref: exit 0" [ $? -eq 0 ]
for ex in serial thread-pool process-pool python-serial python-threads python-processes; do
  for wl in py-bytecode py-release; do
    check "bench pyref: $wl under $ex, verified" \
      jq -e --arg n "$wl/$ex/" 'any(.benchmarks[]; (.name | startswith($n)) and .error_occurred != true)' "$p"
  done
done
check "bench pyref: no error entry" jq -e 'all(.benchmarks[]; .error_occurred != true)' "$p"
check "bench pyref: our thread pool has gil_wait_s, Python's pools do not" \
  jq -e '(.benchmarks | map(select(.name | test("/thread-pool/"))) | all(.gil_wait_s >= 0)) and
         (.benchmarks | map(select(.name | test("/python-"))) | all(has("gil_wait_s") | not))' "$p"
check "bench pyref: python-processes forks (start_method fork), python-threads has none" \
  jq -e '(.benchmarks | map(select(.name | test("/python-processes/"))) | all(.start_method == "fork")) and
         (.benchmarks | map(select(.name | test("/python-threads/"))) | all(has("start_method") | not))' "$p"
check "no bench or pool process left" no_bench_processes
out=$("$BENCH" --workload=cpu-hash --executor=python-threads 2>&1 >/dev/null)
status=$?
check "python-threads with cpu-hash: exit 2, one line" \
  bash -c '[ "$1" -eq 2 ] && [ "$(wc -l <<<"$2")" -eq 1 ] && [[ $2 == *"runs only the py-* workloads"* ]]' _ "$status" "$out"

# Ctrl-C while process-pool workers and thread-pool threads run Python.
for ex in process-pool thread-pool; do
  "$BENCH" --workload=py-bytecode --executor=$ex --workers=2 --tasks=50 \
    --param work=20000 --min-time=5 --out="$WORK/int.json" >/dev/null 2>&1 &
  pid=$!
  sleep 1.5
  kill -INT $pid
  wait $pid
  status=$?
  check "$ex: Ctrl-C ends bench (status $status)" [ "$status" -ne 0 ]
  sleep 0.2
  check "$ex: no bench process left after Ctrl-C" no_bench_processes
done
finish
