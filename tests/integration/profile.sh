#!/usr/bin/env bash
# Profiling figures: the overhead breakdown adds up to the instrumented
# job's wall time; page-touch's known page faults (pages x tasks) show in
# the rusage faults and in the PAPI counts summed over workers, under the
# thread pool and the process pool alike; CPU time summed over workers is
# about workers x busy time for a spin workload; --trace writes valid
# Chrome trace JSON with one slice per task on real, distinct pids and tids,
# and samples above its task limit; --counters errors and warnings; nothing
# is left behind. Runs on builds with and without PAPI.
. "$(dirname "$0")/lib.sh"

absent() { ! grep -q "$@"; }

papi=$("$BENCH" info --format=json | jq -r .papi)
page_faults=$("$BENCH" info --format=json | jq -r '.papi_events["perf::PAGE-FAULTS"]')
pf=$WORK/pf.json
counters=()
[ "$page_faults" = available ] && counters=(--counters=perf::PAGE-FAULTS,perf::TASK-CLOCK)

# 32 pages x 100 tasks = 3200 fresh page faults per job.
"$BENCH" --workload=page-touch --executor=thread-pool,process-pool --workers=2 \
  --tasks=100 --param pages=32 --min-time=0.02 "${counters[@]}" \
  --out="$pf" >/dev/null 2>"$WORK/pf.err"
check "page-touch run exits 0" [ $? -eq 0 ]
check "the breakdown adds up to the instrumented job's wall time" jq -e '
  (.benchmarks | length) == 2 and all(.benchmarks[];
  (.dispatch_s + .compute_s + .idle_s + .return_s - .probe_wall_s | fabs) < 1e-6
  and .dispatch_s >= 0 and .idle_s >= 0 and .return_s >= 0 and .compute_s > 0
  and .dispatch_median_s <= .dispatch_p99_s and .load_imbalance >= 1)' "$pf"
check "rusage: pages x tasks faults per job, both pools" jq -e '
  all(.benchmarks[]; .faults_minor >= 3200 and .faults_minor < 3200 * 1.05 + 100)' "$pf"
if [ "$page_faults" = available ]; then
  check "PAPI: pages x tasks faults summed over workers, both pools" jq -e '
    all(.benchmarks[]; ."papi_perf::PAGE-FAULTS" >= 3200 and
    ."papi_perf::PAGE-FAULTS" <= 3200 + 50)' "$pf"
  check "the context names the counted events" \
    jq -e '.context.papi_counters == "perf::PAGE-FAULTS, perf::TASK-CLOCK"' "$pf"
  check "no warning when every event counts" absent -- "warning: --counters" "$WORK/pf.err"
fi

# A spin workload, waiting workers asleep (--wait=block). Summed over the
# workers, CPU time is the work's: about the serial executor's, which runs
# the same tasks in one thread (not counting workers would give ~0, counting
# them twice ~2). It never exceeds workers x busy (the probe's compute, the
# wall time inside tasks), which equals it on an idle machine; on a loaded
# one busy wall time exceeds CPU time, so only the upper bound is checked.
"$BENCH" --workload=cpu-hash --executor=serial,thread-pool,process-pool --workers=2 \
  --tasks=40 --param work=100000 --wait=block --min-time=0.05 "${counters[@]}" \
  --out="$WORK/spin.json" >/dev/null 2>&1
check "spin: summed CPU ~ the work's CPU, threads and processes" jq -e '
  (.benchmarks[] | select(.name | startswith("cpu-hash/serial/")) | .cpu_user_s + .cpu_sys_s) as $work |
  (.benchmarks | length) == 3 and all(.benchmarks[];
  ((.cpu_user_s + .cpu_sys_s) / $work) as $r | $r > 0.5 and $r < 1.5)' "$WORK/spin.json"
check "spin: summed CPU <= workers x busy" jq -e '
  all(.benchmarks[]; (.cpu_user_s + .cpu_sys_s) < 1.5 * .workers * .compute_s)' \
  "$WORK/spin.json"
if [ "$page_faults" = available ]; then
  check "spin: PAPI task clock summed over workers ~ rusage CPU" jq -e '
    all(.benchmarks[]; (."papi_perf::TASK-CLOCK" * 1e-9 / (.cpu_user_s + .cpu_sys_s)) as $r
    | $r > 0.5 and $r < 1.5)' "$WORK/spin.json"
fi

# The trace: every executor, static blocks so that both workers run tasks.
t=$WORK/t.json
"$BENCH" --workload=cpu-hash \
  --executor=serial,thread-pool,process-pool,thread-per-task,process-per-task \
  --workers=2 --tasks=30 --param work=2000 --schedule=static --min-time=0.01 --trace="$t" >/dev/null 2>&1
check "trace run exits 0" [ $? -eq 0 ]
check "trace is valid JSON" jq -e . "$t"
check "trace names its five configurations" \
  jq -e '.otherData.configurations | length == 5 and all(.[]; .record_every == 1)' "$t"
check "one X slice per task, indexes 0..29, in every configuration" jq -e '
  [.traceEvents[] | select(.cat == "task")] | group_by(.pid) as $by_pid |
  [.[] | .args.index] | length == 150' "$t"
for ex in serial thread-pool process-pool thread-per-task process-per-task; do
  check "$ex: each task index once" jq -e --arg ex "$ex" '
    ([.traceEvents[] | select(.ph == "M" and .name == "process_name" and
      (.args.name | startswith("cpu-hash/" + $ex + "/"))) | .pid]) as $pids |
    [.traceEvents[] | select(.cat == "task" and (.pid as $p | $pids | index($p)))
      | .args.index] | sort == [range(30)]' "$t"
done
check "process pool: two worker processes, real and distinct pids" jq -e '
  ([.traceEvents[] | select(.name == "process_name" and
    (.args.name | startswith("cpu-hash/process-pool/"))) | .pid]) as $pids |
  ($pids | length) == 3 and ($pids | unique | length) == 3 and
  ([.traceEvents[] | select(.cat == "task" and (.pid as $p | $pids | index($p)))
    | .pid] | unique | length) == 2' "$t"
# The caller (the process's main thread, tid = pid) is worker 0.
check "thread pool: two worker threads of one process, the caller one" jq -e '
  (.traceEvents[] | select(.name == "process_name" and
    (.args.name | startswith("cpu-hash/thread-pool/"))) | .pid) as $pid |
  [.traceEvents[] | select(.cat == "task" and .pid == $pid) | .tid] | unique |
  length == 2 and any(.[]; . == $pid)' "$t"
check "slices have durations and an instrumented job around them" jq -e '
  all(.traceEvents[] | select(.ph == "X"); .dur >= 0 and .ts > 0) and
  ([.traceEvents[] | select(.cat == "job")] | length) == 5' "$t"

# The issue's "done means" command (shorter timing): every figure, every
# entry, counters and trace included.
papi_args=()
[ "$papi" != "built without PAPI" ] && papi_args=(--counters=default)
"$BENCH" --executor=pool,thread-pool --workers=16 "${papi_args[@]}" --trace="$t" \
  --min-time=0.01 --out="$WORK/done.json" >/dev/null 2>"$WORK/done.err"
check "done-means command exits 0" [ $? -eq 0 ]
# 16 threads making their event sets at once: every one counts.
check "done-means: every worker counted" \
  [ "$(grep -c 'could not count' "$WORK/done.err")" -eq 0 ]
figures='["cpu_user_s","cpu_sys_s","cpu_util","ctx_switches_vol","ctx_switches_invol",
  "faults_minor","faults_major","mem_peak_rss_bytes","mem_pss_bytes","create_s",
  "probe_wall_s","dispatch_s","dispatch_median_s","dispatch_p99_s","compute_s",
  "idle_s","return_s","load_imbalance"]'
check "done-means: every entry has every figure" jq -e --argjson f "$figures" '
  (.benchmarks | length) == 4 and
  all(.benchmarks[]; . as $e | all($f[]; . as $k | $e | has($k)))' "$WORK/done.json"
if [ "$page_faults" = available ]; then
  check "done-means: every entry has its PAPI counts" jq -e '
    (.context.papi_counters | split(", ")) as $events | ($events | length) > 0 and
    all(.benchmarks[]; . as $e | all($events[]; . as $k | $e | has("papi_" + $k)))' \
    "$WORK/done.json"
fi
check "done-means: the trace has the four configurations" \
  jq -e '.otherData.configurations | length == 4' "$t"

# Above the task limit the trace samples every k-th task, and says so.
"$BENCH" --workload=io-sleep --executor=thread-pool --workers=2 --tasks=100001 \
  --param sleep=0 --min-time=0.01 --trace="$t" >/dev/null 2>"$WORK/sampled.err"
check "sampled trace run exits 0" [ $? -eq 0 ]
check "sampled trace: every 2nd task, said in otherData" jq -e '
  .otherData.configurations[0].record_every == 2 and
  .otherData.configurations[0].recorded == 50001 and
  ([.traceEvents[] | select(.cat == "task")] | length) == 50001' "$t"
check "sampled trace: one line on stderr" \
  [ "$(grep -c -- '--trace:.*every k-th task' "$WORK/sampled.err")" -eq 1 ]

# Errors: refused before anything runs, exit 2, no file.
"$BENCH" --workload=cpu-hash --trace="$WORK/no/such/dir/t.json" >/dev/null 2>"$WORK/e.err"
check "bad --trace path: exit 2" [ $? -eq 2 ]
check "bad --trace path: one line" [ "$(wc -l <"$WORK/e.err")" -eq 1 ]
"$BENCH" --workload=cpu-hash --trace= >/dev/null 2>&1
check "empty --trace: exit 2" [ $? -eq 2 ]
if [ "$papi" = "built without PAPI" ]; then
  "$BENCH" --workload=cpu-hash --counters=default >/dev/null 2>"$WORK/e.err"
  check "no PAPI: --counters exits 2" [ $? -eq 2 ]
  check "no PAPI: says so in one line" \
    [ "$(cat "$WORK/e.err")" = "bench: --counters: built without PAPI" ]
else
  "$BENCH" --workload=cpu-hash --counters=perf::NO-SUCH-EVENT >/dev/null 2>"$WORK/e.err"
  check "unknown event: exit 2" [ $? -eq 2 ]
  check "unknown event: one line naming it" \
    grep -qx "bench: --counters: 'perf::NO-SUCH-EVENT' is not a PAPI event.*" "$WORK/e.err"
  "$BENCH" --workload=cpu-hash --counters=perf::PAGE-FAULTS,perf::PAGE-FAULTS >/dev/null 2>&1
  check "event listed twice: exit 2" [ $? -eq 2 ]
  if [ "$("$BENCH" info --format=json | jq -r '.papi_events.PAPI_TOT_INS')" != available ]; then
    "$BENCH" --workload=cpu-hash --executor=thread-pool,serial --workers=1 --tasks=10 \
      --min-time=0.01 --counters=PAPI_TOT_INS,perf::CONTEXT-SWITCHES \
      --out="$WORK/u.json" >/dev/null 2>"$WORK/u.err"
    check "unavailable event: the run goes on" [ $? -eq 0 ]
    check "unavailable event: one warning line" \
      [ "$(grep -c 'warning: --counters: unavailable here: PAPI_TOT_INS' "$WORK/u.err")" -eq 1 ]
    check "unavailable event: listed in the context, not counted" jq -e '
      (.context.papi_counters_unavailable | startswith("PAPI_TOT_INS (")) and
      all(.benchmarks[]; has("papi_PAPI_TOT_INS") | not) and
      all(.benchmarks[]; has("papi_perf::CONTEXT-SWITCHES"))' "$WORK/u.json"
  fi
fi
check "no bench process left" no_bench_processes
check "no temporary file left" tmp_is_clean
finish
