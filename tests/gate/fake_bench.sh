#!/bin/sh
# A stand-in baseline for the `bench ab` tests: ignores every argument but
# --out=FILE and writes one Google Benchmark entry named as the real run
# (cpu-hash, serial, 10 tasks, work 100) with real_time $FAKE_TIME_US.
# FAKE_TIMES="3 1 2": one repetition entry per value and a median
# aggregate (of 2 here) instead. FAKE_COUNT=FILE with FAKE_BLOCK_AFTER=N:
# the invocations after the N-th write their pid into FILE.blocked and hang
# (sleep), as a run that is still going when bench ab is interrupted.
out=
for a in "$@"; do
	case $a in --out=*) out=${a#--out=} ;; esac
done
[ -n "$out" ] || exit 2
if [ -n "${FAKE_COUNT:-}" ]; then
	n=$(($(cat "$FAKE_COUNT" 2>/dev/null || echo 0) + 1))
	echo "$n" >"$FAKE_COUNT"
	if [ "$n" -gt "${FAKE_BLOCK_AFTER:-0}" ]; then
		echo $$ >"$FAKE_COUNT.blocked.tmp"
		mv "$FAKE_COUNT.blocked.tmp" "$FAKE_COUNT.blocked"
		exec sleep 60
	fi
fi
t=${FAKE_TIME_US:-1}
name='cpu-hash/serial/workers:1/tasks:10/work:100/manual_time'
times=${FAKE_TIMES:-$t}
reps=$(echo $times | wc -w)
{
	echo '{"context": {"procthread_schema_version": "2"}, "benchmarks": ['
	i=0
	for v in $times; do
		cat <<JSON
 {"name": "$name", "run_name": "$name", "run_type": "iteration",
  "repetitions": $reps, "repetition_index": $i, "threads": 1, "iterations": 100,
  "real_time": $v, "cpu_time": $v, "time_unit": "us",
  "tasks": 10.0, "workers": 1.0},
JSON
		i=$((i + 1))
	done
	med=$(echo $times | tr ' ' '\n' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
	cat <<JSON
 {"name": "${name}_median", "run_name": "$name", "run_type": "aggregate",
  "aggregate_name": "median", "repetitions": $reps, "threads": 1,
  "iterations": $reps, "real_time": $med, "cpu_time": $med,
  "time_unit": "us", "tasks": 10.0, "workers": 1.0}]}
JSON
} >"$out"
