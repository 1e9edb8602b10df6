#!/usr/bin/env bash
# --ci: results that CI trackers key by name read right. github-action-
# benchmark's googlecpp extractor and Bencher's cpp_google adapter take
# each entry's name as the series and real_time as the value, so the
# document must hold one entry per configuration, names unique, no
# aggregate (cv read as a time), and no errored configuration that looks
# like a measurement (value 0). The extractors' reading is emulated in jq.
. "$(dirname "$0")/lib.sh"

quick=(--min-time=0.01 --tasks=8 --param cpu-hash.work=500 --param fault.at=3)
r=$WORK/ci.json
"$BENCH" --ci --workload=cpu-hash,fault --executor=serial,thread-pool --workers=2 \
  "${quick[@]}" --out="$r" >"$WORK/table.txt" 2>"$WORK/err.txt"
check "a failed configuration still exits 1" [ $? -eq 1 ]
check "one entry per measured configuration" jq -e '.benchmarks | length == 2' "$r"
check "names unique" jq -e '[.benchmarks[].name] | length == (unique | length)' "$r"
check "names are the configurations' (no _median suffix)" \
  jq -e 'all(.benchmarks[]; .name == .run_name and (.name | endswith("/manual_time")))' "$r"
check "no aggregate entries" jq -e 'all(.benchmarks[]; .run_type == "iteration" and (has("aggregate_name") | not))' "$r"
check "no errored entry" jq -e 'all(.benchmarks[]; (.error_occurred // false) == false)' "$r"
check "the median of 3 repetitions by default" \
  jq -e 'all(.benchmarks[]; .repetitions == 3 and (.label | test("median of 3 repetitions")))' "$r"
check "the errored configurations are named in the context" jq -e \
  '.context.procthread_ci_errors | test("fault/serial/workers:1/.*SIGSEGV") and test("fault/thread-pool/workers:2/")' "$r"
check "the table still shows every configuration" [ "$(grep -E '^(cpu-hash|fault) ' "$WORK/table.txt" | grep -vc ': ')" -eq 4 ]

# github-action-benchmark (googlecpp): {name, value: real_time, unit}.
check "googlecpp extraction: unique names, every value a measurement" jq -e '
  [.benchmarks[] | {name, value: .real_time, unit: (.time_unit + "/iter")}] |
  (map(.name) | length == (unique | length)) and all(.[]; .value > 0)' "$r"
# Bencher (cpp_google): latency from real_time, keyed by name.
check "cpp_google extraction: unique names, every latency a measurement" jq -e '
  [.benchmarks[] | {(.name): {latency: {value: .real_time}}}] | add |
  (keys | length) == 2 and all(.[]; .latency.value > 0)' "$r"

# The median is the median: the same run without --ci has its aggregate.
"$BENCH" --workload=cpu-hash --executor=serial --workers=1 "${quick[@]}" --repetitions=5 \
  --benchmark_report_aggregates_only=true --ci --format=json >"$WORK/stdout.json" 2>/dev/null
check "--ci with --repetitions=5 and aggregates-only: one entry" \
  jq -e '.benchmarks | length == 1 and .[0].repetitions == 5' "$WORK/stdout.json"
check "--ci on standard output (--format=json) too" \
  jq -e '.context.procthread_ci | test("one entry per configuration")' "$WORK/stdout.json"
"$BENCH" --workload=cpu-hash --executor=serial --workers=1 "${quick[@]}" --repetitions=3 \
  --format=json >"$WORK/plain.json" 2>/dev/null
check "without --ci: repetitions and aggregates as Google Benchmark writes them" \
  jq -e '[.benchmarks[] | .run_type] | (map(select(. == "iteration")) | length) == 3 and
    (map(select(. == "aggregate")) | length) == 4' "$WORK/plain.json"
finish
