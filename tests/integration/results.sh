#!/usr/bin/env bash
# The results: Google Benchmark's JSON schema with our context keys and
# counters, names that pair across runs, every output format, repetitions
# and filters passed through, and Google Benchmark's own compare.py reading
# two of our files.
. "$(dirname "$0")/lib.sh"

quick=(--min-time=0.01 --tasks=40 --param work=2000)
a=$WORK/a.json
b=$WORK/b.json

"$BENCH" --workload=cpu-hash --executor=serial,thread-pool,pool --workers=1,2 \
  "${quick[@]}" --out="$a" --format=console-full >"$WORK/console.txt" 2>"$WORK/stderr.txt"
check "run exits 0" [ $? -eq 0 ]
check "results file is JSON" jq -e . "$a" >/dev/null

for key in cpu_model online_cpus kernel compiler build_flags libbenchmark_version \
  procthread_version procthread_git_commit procthread_schema_version procthread_command \
  num_cpus mhz_per_cpu host_name executable library_build_type \
  allowed_cpus smt cpufreq_governor aslr virtualization papi papi_events; do
  check "context has $key" jq -e --arg k "$key" '.context | has($k)' "$a" >/dev/null
done

# Version 2: gil_wait_s from the instrumented job, start_method, serial_ref_s,
# cpu_time over every worker (docs/results-json.md lists the changes).
check "procthread_schema_version is 2" \
  jq -e '.context.procthread_schema_version == "2"' "$a"

names=$(jq -r '.benchmarks[].name' "$a")
for n in cpu-hash/serial/workers:1/tasks:40/work:2000/manual_time \
  cpu-hash/thread-pool/workers:1/tasks:40/work:2000/manual_time \
  cpu-hash/thread-pool/workers:2/tasks:40/work:2000/manual_time \
  cpu-hash/process-pool/workers:1/tasks:40/work:2000/manual_time \
  cpu-hash/process-pool/workers:2/tasks:40/work:2000/manual_time; do
  check "entry $n" grep -qx "$n" <<<"$names"
done
check "five entries" [ "$(jq '.benchmarks | length' "$a")" -eq 5 ]
check "every entry has the quiet-machine verdict" \
  jq -e 'all(.benchmarks[]; (.noisy == 0 or .noisy == 1) and (.noisy_reasons | type) == "string" and ((.noisy == 1) == (.noisy_reasons != "")) and has("noise_foreign_cpu") and has("noise_steal") and has("noise_load1") and has("noise_runnable") and has("noise_cv"))' "$a" >/dev/null
check "serial runs once whatever --workers says" \
  [ "$(grep -c /serial/ <<<"$names")" -eq 1 ]

fields='["name","family_index","per_family_instance_index","run_name","run_type",
  "repetitions","repetition_index","threads","iterations","real_time","cpu_time",
  "time_unit","items_per_second","workers","tasks","workload_version","create_s","create_per_worker_s","stop_s",
  "cpu_user_s","cpu_sys_s","cpu_util","ctx_switches_vol","ctx_switches_invol","faults_minor","faults_major",
  "mem_peak_rss_bytes","mem_pss_bytes"]'
check "every entry has Google Benchmark's fields and our counters" \
  jq -e --argjson f "$fields" 'all(.benchmarks[]; . as $e | all($f[]; . as $k | $e | has($k)))' "$a"
check "no entry has an error" jq -e 'all(.benchmarks[]; .error_occurred != true)' "$a"
check "times are positive" jq -e 'all(.benchmarks[]; .real_time > 0 and .iterations > 0)' "$a"
check "items_per_second = tasks / time" jq -e 'all(.benchmarks[];
  (.items_per_second * .real_time * 1e-6 / .tasks) as $r | $r > 0.99 and $r < 1.01)' "$a"
check "workers counter matches the name" jq -e 'all(.benchmarks[];
  (.name | capture("workers:(?<w>[0-9]+)").w | tonumber) == .workers)' "$a"
# CPU accounting covers every worker, threads and processes alike: the same
# work costs about the same CPU time whoever does it (generous bounds: this
# checks that worker processes are counted at all, and not twice; creating a
# process or thread per task legitimately adds CPU time of its own).
"$BENCH" --workload=cpu-hash --executor=serial,thread-pool,pool,thread-per-task,process-per-task \
  --workers=2 --tasks=40 --param work=50000 --min-time=0.1 --out="$WORK/cpu.json" >/dev/null 2>&1
check "CPU time of every executor's workers is counted" jq -e '
  (.benchmarks[] | select(.name | startswith("cpu-hash/serial/")) | .cpu_user_s + .cpu_sys_s) as $serial |
  (.benchmarks | length) == 5 and
  all(.benchmarks[]; (.cpu_user_s + .cpu_sys_s) / $serial > 0.5) and
  all(.benchmarks[] | select(.name | test("pool")); (.cpu_user_s + .cpu_sys_s) / $serial < 2)' "$WORK/cpu.json"
check "memory of the pool counts every worker process" jq -e '
  ([.benchmarks[] | select(.name | test("process-pool/workers:1/")) | .mem_peak_rss_bytes][0]) as $one |
  all(.benchmarks[] | select(.name | test("process-pool/workers:2/")); .mem_peak_rss_bytes > $one)' "$a"
check "family_index numbers the configurations" \
  jq -e '[.benchmarks[].family_index] == [0,1,2,3,4]' "$a"
check "console output has the header once" [ "$(grep -c '^Benchmark' "$WORK/console.txt")" -eq 1 ]
check "console output has a line per configuration" \
  [ "$(grep -c '/manual_time' "$WORK/console.txt")" -eq 5 ]

"$BENCH" --workload=cpu-hash --executor=serial,thread-pool,pool --workers=1,2 \
  "${quick[@]}" --out="$b" >/dev/null 2>&1
compare=/usr/share/benchmark/compare.py
if [ -f "$compare" ]; then
  /usr/bin/python3 "$compare" benchmarks "$a" "$b" >"$WORK/compare.txt" 2>&1
  check "compare.py accepts our files" [ $? -eq 0 ]
  check "compare.py pairs every entry" \
    [ "$(grep -c 'cpu-hash/' "$WORK/compare.txt")" -ge 5 ]
else
  echo "compare.py not installed (libbenchmark-tools)" >&2
  check "compare.py is installed" false
fi

json=$("$BENCH" --workload=cpu-hash --executor=serial "${quick[@]}" --format=json 2>/dev/null)
check "--format=json prints one document" jq -e '.benchmarks | length == 1' <<<"$json"

csv=$("$BENCH" --workload=cpu-hash --executor=serial,pool --workers=1,2 "${quick[@]}" --format=csv 2>/dev/null)
check "--format=csv prints one header" [ "$(grep -c '^name,' <<<"$csv")" -eq 1 ]
check "--format=csv prints a row per configuration" [ "$(grep -c '^"cpu-hash/' <<<"$csv")" -eq 3 ]

"$BENCH" --workload=cpu-hash --executor=pool --workers=2 "${quick[@]}" --repetitions=3 \
  --out="$WORK/rep.json" >/dev/null 2>&1
for agg in mean median stddev cv; do
  check "--repetitions gives the $agg aggregate" \
    jq -e --arg a "$agg" 'any(.benchmarks[]; .aggregate_name == $a)' "$WORK/rep.json"
done
check "--repetitions gives 3 iteration entries" \
  [ "$(jq '[.benchmarks[] | select(.run_type == "iteration")] | length' "$WORK/rep.json")" -eq 3 ]

"$BENCH" --workload=cpu-hash --executor=serial,pool --workers=2 "${quick[@]}" \
  --benchmark_filter=process-pool --out="$WORK/filter.json" >/dev/null 2>&1
"$BENCH" --workload=cpu-hash --executor=serial,pool --workers=1,2 "${quick[@]}" \
  --benchmark_filter=-process --out="$WORK/negfilter.json" >/dev/null 2>&1
check "a negative --benchmark_filter drops what matches" \
  jq -e '[.benchmarks[].name] == ["cpu-hash/serial/workers:1/tasks:40/work:2000/manual_time"]' \
  "$WORK/negfilter.json"
check "--benchmark_filter passes through" \
  jq -e '[.benchmarks[].name] == ["cpu-hash/process-pool/workers:2/tasks:40/work:2000/manual_time"]' \
  "$WORK/filter.json"

"$BENCH" --workload=cpu-hash --executor=pool --workers=2 --min-time=0.01 --tasks=40 --param work=1000,3000 \
  --schedule=static --chunk=4 --out="$WORK/sweep.json" >/dev/null 2>&1
check "a --param list sweeps, non-default settings are in the names" \
  jq -e '[.benchmarks[].name] == [
    "cpu-hash/process-pool/workers:2/tasks:40/work:1000/schedule:static/chunk:4/manual_time",
    "cpu-hash/process-pool/workers:2/tasks:40/work:3000/schedule:static/chunk:4/manual_time"]' \
  "$WORK/sweep.json"

"$BENCH" --workload=cpu-hash --executor=serial,thread-pool,process-per-task --workers=2 "${quick[@]}" \
  --pin=compact --out="$WORK/pin.json" >/dev/null 2>&1
check "--pin is in the names of executors with workers, not serial's" \
  jq -e '[.benchmarks[].name] == [
    "cpu-hash/serial/workers:1/tasks:40/work:2000/manual_time",
    "cpu-hash/thread-pool/workers:2/tasks:40/work:2000/pin:compact/manual_time",
    "cpu-hash/process-per-task/workers:2/tasks:40/work:2000/pin:compact/manual_time"]' \
  "$WORK/pin.json"

# Every workload under every executor, tiny: each verified against serial.
"$BENCH" --workload=cpu-hash,cpu-float,mem-stream,io-sleep,io-file,gil,lock-contention,false-sharing,malloc-churn,cpu-skewed,fork-footprint,io-net --executor=all --workers=1,3 \
  --min-time=0.001 --tasks=9 --param cpu-hash.work=100 --param io-sleep.sleep=100us \
  --param io-file.size=4KiB --param mem-stream.size=4KiB --param cpu-float.width=16 \
  --out="$WORK/all.json" >/dev/null 2>&1
check "all workloads x all executors: exit 0" [ $? -eq 0 ]
# 12 workloads x (serial once + every other available executor at W=1,3).
# (Python's reference pools run py-* workloads only: not counted.)
executors=$("$BENCH" --list | awk '/^Executors/ { on = 1; next }
  on && /^  python-/ { py = 1; next }
  on && /^  [a-z]/ { n++; py = 0 } on && /unavailable:|only when named:/ && !py { n-- }
  on && /^$/ { on = 0 } END { print n }')
entries=$((12 * (1 + 2 * (executors - 1))))
check "all workloads x all executors: $entries entries, none failed" \
  jq -e --argjson n "$entries" '(.benchmarks | length) == $n and all(.benchmarks[]; .error_occurred != true)' "$WORK/all.json"
check "oversubscribed runs are labelled" \
  jq -e 'any(.benchmarks[]; .label == "oversubscribed")' "$WORK/all.json"
check "no process left" no_bench_processes
check "no temp file left" tmp_is_clean
finish
