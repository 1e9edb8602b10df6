#!/usr/bin/env bash
# Isolation: a crashing or hanging configuration is recorded as an error
# entry while every other configuration's result is kept; Ctrl-C and SIGTERM
# stop the run, keep what was measured, and leave nothing behind.
. "$(dirname "$0")/lib.sh"

r=$WORK/fault.json
"$BENCH" --workload=cpu-hash,fault --executor=serial,thread-pool,pool,process-per-task \
  --workers=2 --tasks=8 --param cpu-hash.work=100 --param fault.at=3 --min-time=0.01 \
  --out="$r" >"$WORK/console.txt" 2>"$WORK/stderr.txt"
status=$?
check "a failed configuration makes exit status 1" [ "$status" -eq 1 ]
check "stderr counts the failures" grep -q "4 of 8 configurations failed" "$WORK/stderr.txt"
check "cpu-hash results are kept" jq -e \
  '[.benchmarks[] | select(.name | startswith("cpu-hash/")) | select(.error_occurred != true)] | length == 4' "$r"
msg() { jq -r --arg n "$1" '.benchmarks[] | select(.name | startswith($n)) | .error_message' "$r"; }
check "serial crash is recorded with its signal" grep -q "SIGSEGV" <<<"$(msg fault/serial/)"
check "thread-pool crash is recorded with its signal" grep -q "SIGSEGV" <<<"$(msg fault/thread-pool/)"
check "process-pool names the failed task and signal" \
  grep -q "task 3.*SIGSEGV" <<<"$(msg fault/process-pool/)"
check "process-per-task names the failed task and signal" \
  grep -q "task 3.*SIGSEGV" <<<"$(msg fault/process-per-task/)"
check "the table flags the errors" [ "$(grep -c 'ERROR$' "$WORK/console.txt")" -eq 4 ]
check "the table says each error" [ "$(grep -c '^error: fault/' "$WORK/console.txt")" -eq 4 ]
"$BENCH" --workload=fault --executor=thread-pool --workers=2 --tasks=8 --param fault.at=3 \
  --min-time=0.01 --format=console-full >"$WORK/full.txt" 2>/dev/null
check "console-full shows Google Benchmark's error line" grep -q 'ERROR OCCURRED' "$WORK/full.txt"

for mode in abort exit; do
  "$BENCH" --workload=fault --executor=thread-pool,pool --workers=2 --tasks=4 \
    --param mode=$mode --min-time=0.01 --out="$WORK/$mode.json" >/dev/null 2>&1
  check "mode=$mode: both configurations recorded as errors" \
    jq -e '(.benchmarks | length) == 2 and all(.benchmarks[]; .error_occurred == true)' "$WORK/$mode.json"
done
check "abort names SIGABRT" jq -e 'all(.benchmarks[]; .error_message | test("SIGABRT"))' "$WORK/abort.json"
check "exit names the status" jq -e 'all(.benchmarks[]; .error_message | test("status 3"))' "$WORK/exit.json"

h=$WORK/hang.json
"$BENCH" --workload=fault,cpu-hash --executor=thread-pool --workers=2 --tasks=4 \
  --param fault.mode=hang --param cpu-hash.work=100 --min-time=0.01 --timeout=1 \
  --out="$h" >/dev/null 2>&1
check "a hang is recorded as a timeout" jq -e \
  '.benchmarks[0].error_occurred == true and (.benchmarks[0].error_message | test("timed out"))' "$h"
check "the configuration after the hang still runs" \
  jq -e '.benchmarks[1].error_occurred != true and .benchmarks[1].iterations > 0' "$h"
check "no process left after a hang" no_bench_processes

# stopped SIGNAL STATUS: a long run, signalled mid-way.
stopped() {
  local sig=$1 want=$2 out=$WORK/stopped-$1.json
  "$BENCH" --workload=io-sleep,io-file --executor=serial,pool,process-per-task --workers=2 \
    --param io-sleep.sleep=20ms --tasks=10 --min-time=2 --out="$out" >/dev/null 2>&1 &
  local pid=$!
  sleep 4
  kill -"$sig" "$pid"
  wait "$pid"
  local status=$?
  [ "$status" -eq "$want" ] || { echo "  exit $status, want $want" >&2; return 1; }
  jq -e '.context.procthread_incomplete | test("interrupted")' "$out" >/dev/null ||
    { echo "  results not marked incomplete" >&2; return 1; }
  jq -e '.benchmarks | length >= 1' "$out" >/dev/null ||
    { echo "  results measured before the signal were lost" >&2; return 1; }
  sleep 0.2
  no_bench_processes || { echo "  processes left" >&2; return 1; }
  tmp_is_clean || { echo "  temp files left: $(ls -A "$TMPDIR")" >&2; return 1; }
  ! ls -A "$WORK" | grep -q procthread-results || { echo "  temp results left" >&2; return 1; }
}
check "SIGINT: exit 130, partial results kept, nothing left" stopped INT 130
check "SIGTERM: exit 143, partial results kept, nothing left" stopped TERM 143
finish
