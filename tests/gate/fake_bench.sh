#!/bin/sh
# A stand-in baseline for the `bench ab` tests: ignores every argument but
# --out=FILE and writes one Google Benchmark entry named as the real run
# (cpu-hash, serial, 10 tasks, work 100) with real_time $FAKE_TIME_US.
out=
for a in "$@"; do
	case $a in --out=*) out=${a#--out=} ;; esac
done
[ -n "$out" ] || exit 2
t=${FAKE_TIME_US:-1}
name='cpu-hash/serial/workers:1/tasks:10/work:100/manual_time'
cat >"$out" <<JSON
{"context": {"procthread_schema_version": "1"}, "benchmarks": [
 {"name": "$name", "run_name": "$name", "run_type": "iteration",
  "repetitions": 1, "repetition_index": 0, "threads": 1, "iterations": 100,
  "real_time": $t, "cpu_time": $t, "time_unit": "us",
  "tasks": 10.0, "workers": 1.0}]}
JSON
