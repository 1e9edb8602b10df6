#!/bin/sh
# Fixture-driven tests of `bench compare`: each check runs the command and
# compares its exit status and, where it matters, a piece of its output.
# Usage: cli.sh PATH_TO_BENCH FIXTURES_DIR
set -u
BENCH=$(readlink -f "$1")
F=$(readlink -f "$2")
OUT=$(mktemp -d "${TMPDIR:-/tmp}/gate-test.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
passed=0
failed=0

# expect NAME STATUS GREP_PATTERN_OR_EMPTY ARGS...: runs bench ARGS, checks
# the exit status, and that stdout+stderr match the (extended) pattern.
expect() {
	name=$1 want=$2 pattern=$3
	shift 3
	"$BENCH" "$@" >"$OUT/out" 2>"$OUT/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: $name: exit $got, want $want" >&2
		cat "$OUT/out" "$OUT/err" >&2
		failed=$((failed + 1))
		return
	fi
	if [ -n "$pattern" ] && ! cat "$OUT/out" "$OUT/err" | grep -Eq -- "$pattern"; then
		echo "FAIL: $name: output does not match /$pattern/" >&2
		cat "$OUT/out" "$OUT/err" >&2
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + 1))
}

SLOW='cpu-hash/thread-pool/workers:2/manual_time'

expect identical 0 'no regression: 0 regressed, 0 improved, 3 unchanged' \
	compare "$F/base.json" "$F/base.json"
expect slower10 1 "$SLOW .* REGRESSED" \
	compare "$F/base.json" "$F/slower10.json"
expect slower10-only-one 1 'REGRESSION: 1 regressed, 0 improved, 2 unchanged' \
	compare "$F/base.json" "$F/slower10.json"
expect noise3 0 'no regression: 0 regressed, 0 improved, 3 unchanged' \
	compare "$F/base.json" "$F/noise3.json"
expect slower4-below-threshold 0 'significant but within the threshold' \
	compare "$F/base.json" "$F/slower4.json"
expect slower4-threshold-3 1 "$SLOW .* REGRESSED" \
	compare --threshold=3% "$F/base.json" "$F/slower4.json"
expect slower4-threshold-0.03 1 "$SLOW .* REGRESSED" \
	compare --threshold=0.03 "$F/base.json" "$F/slower4.json"
expect threshold-bare-above-1 2 "^bench: compare: --threshold: invalid value '3' \(a percentage such as 2% or a fraction below 1" \
	compare --threshold=3 "$F/base.json" "$F/slower4.json"
printf '* 0.03\n' >"$OUT/t3.txt"
expect thresholds-fraction 1 "$SLOW .* REGRESSED" \
	compare --thresholds="$OUT/t3.txt" "$F/base.json" "$F/slower4.json"
printf '* 3\n' >"$OUT/tbad.txt"
expect thresholds-bare-above-1 2 'tbad.txt: line 1' \
	compare --thresholds="$OUT/tbad.txt" "$F/base.json" "$F/slower4.json"
expect reps2-inconclusive 0 "$SLOW .*inconclusive: too few repetitions \(2 and 2\)" \
	compare "$F/reps2_base.json" "$F/reps2_slower10.json"
expect reps2-no-verdict 0 '0 regressed, 0 improved, 0 unchanged, 3 inconclusive' \
	compare "$F/reps2_base.json" "$F/reps2_slower10.json"
expect faster10 0 "$SLOW .* improved" \
	compare "$F/base.json" "$F/faster10.json"
expect missing 0 'io-sleep/process-pool/workers:2/manual_time .* missing: not in NEW' \
	compare "$F/base.json" "$F/missing_new.json"
expect new 0 'cpu-float/serial/workers:1/manual_time .* new: not in BASE' \
	compare "$F/base.json" "$F/missing_new.json"
expect error-entry 0 "$SLOW .* error: NEW: crashed: killed by SIGSEGV" \
	compare "$F/base.json" "$F/error.json"
# Rates: higher is better, so a 10% slower run is a lower rate: regressed.
expect rate-direction 1 "$SLOW .* REGRESSED" \
	compare --metric=items_per_second "$F/base.json" "$F/slower10.json"
expect rate-improved 0 "$SLOW .* improved" \
	compare --metric=items_per_second "$F/base.json" "$F/faster10.json"
expect rate-forced-lower 0 "$SLOW .* improved" \
	compare --metric=items_per_second --direction=lower "$F/base.json" "$F/slower10.json"
expect cpu-time 1 "$SLOW .* REGRESSED" \
	compare --metric=cpu_time "$F/base.json" "$F/slower10.json"
expect thresholds-file 0 "$SLOW .* unchanged" \
	compare --thresholds="$F/thresholds.txt" "$F/base.json" "$F/slower10.json"
expect noise-file 0 "$SLOW .* unchanged" \
	compare --noise="$F/base.json" --noise-k=5 "$F/base.json" "$F/slower10.json"
expect alpha 0 "$SLOW .*inconclusive: .*at alpha 1e-07 the test needs 14 of each" \
	compare --alpha=0.0000001 "$F/base.json" "$F/slower10.json"
expect md 1 "^\| \`$SLOW\` \|.*\*\*regressed\*\*" \
	compare --format=md "$F/base.json" "$F/slower10.json"
expect json 1 '"verdict": "regressed"' \
	compare --format=json "$F/base.json" "$F/slower10.json"
expect json-out 1 '' \
	compare --format=json --out="$OUT/cmp.json" "$F/base.json" "$F/slower10.json"
expect json-noise 0 "$SLOW .* unchanged" \
	compare --noise="$OUT/cmp.json" "$F/base.json" "$F/slower10.json"
expect foreign 1 'BM_sort/1024 .* REGRESSED' \
	compare "$F/foreign_base.json" "$F/foreign_slower.json"
expect foreign-vs-ours 2 'no common benchmarks' \
	compare "$F/foreign_base.json" "$F/base.json"

# bench ab files carry run pairs: the paired test sees an 8% slowdown that
# a 40% drift of the machine hides from the unpaired one. p-values from
# scipy.stats.wilcoxon(log ratios, method="exact") = 0.001953125 and
# mannwhitneyu(new, base, method="exact") = 0.19031587607439004.
expect drift-paired 1 'cpu-hash/serial/workers:1/manual_time .* 10 pairs +REGRESSED' \
	compare "$F/drift_base.json" "$F/drift_new.json"
expect drift-paired-p 1 '"p_value": 0.001953125' \
	compare --format=json "$F/drift_base.json" "$F/drift_new.json"
expect drift-paired-test 1 '"test": "signed-rank exact"' \
	compare --format=json "$F/drift_base.json" "$F/drift_new.json"
expect drift-other-session 0 'manual_time .* 10/10 +unchanged' \
	compare "$F/drift_base.json" "$F/drift_new_other_session.json"
expect drift-unpaired 0 'manual_time .* 10/10 +unchanged' \
	compare "$F/drift_base_unpaired.json" "$F/drift_new_unpaired.json"
expect drift-unpaired-p 0 '"p_value": 0.190315876074' \
	compare --format=json "$F/drift_base_unpaired.json" "$F/drift_new_unpaired.json"

expect aggregates-no-median 0 'BM_x .*inconclusive: no repetition entries in BASE' \
	compare "$F/aggregates_mean.json" "$F/aggregates_median.json"
expect aggregates-median 0 'BM_x .* 1/1 +inconclusive: too few repetitions' \
	compare "$F/aggregates_median.json" "$F/aggregates_median.json"

# Input errors: exit 2 and one message naming the problem.
expect schema 2 '^bench: compare: procthread schema versions differ' \
	compare "$F/base.json" "$F/schema2.json"
expect params 2 "^bench: compare: .*different parameters under one name" \
	compare "$F/base.json" "$F/params.json"
# The same fixture with the kernel's version bumped on both sides, then on
# one side only: comparable, then refused.
jq '.benchmarks[] |= (.workload_version = 2)' "$F/base.json" >"$OUT/v2.json"
jq '.benchmarks[] |= (.workload_version = 3)' "$F/base.json" >"$OUT/v3.json"
expect workload-version-same 0 'no regression' \
	compare "$OUT/v2.json" "$OUT/v2.json"
expect workload-version 2 "^bench: compare: .*workload versions differ \(BASE 2, NEW 3\)" \
	compare "$OUT/v2.json" "$OUT/v3.json"
for bad in malformed empty truncated not_gb no_benchmarks wrong_types \
	bad_entry deep huge_number root_array; do
	expect "bad-$bad" 2 "^bench: compare: .*$bad.json: " \
		compare "$F/base.json" "$F/$bad.json"
	expect "bad-$bad-as-base" 2 "^bench: compare: .*$bad.json: " \
		compare "$F/$bad.json" "$F/base.json"
done
expect huge-int-ok 2 'no common benchmarks' \
	compare "$F/huge_int.json" "$F/base.json"
expect missing-file 2 '^bench: compare: .*nonexistent.json: ' \
	compare "$F/base.json" "$F/nonexistent.json"
expect no-metric 2 'no numeric "nonesuch"' \
	compare --metric=nonesuch "$F/base.json" "$F/base.json"
expect thresholds-bad 2 'thresholds_bad.txt: line 1' \
	compare --thresholds="$F/thresholds_bad.txt" "$F/base.json" "$F/base.json"
expect usage-one-file 2 '^bench: compare: usage' compare "$F/base.json"
expect usage-option 2 'unknown option' compare --bogus "$F/base.json" "$F/base.json"
expect usage-threshold 2 'invalid value' compare --threshold=5 "$F/base.json" "$F/base.json"
expect usage-alpha 2 'invalid value' compare --alpha=2 "$F/base.json" "$F/base.json"
expect usage-format 2 'invalid value' compare --format=xml "$F/base.json" "$F/base.json"
expect help 0 'usage: bench compare' compare --help

# bench ab: real runs of a tiny configuration (well under a second).
TINY='--workload=cpu-hash --param work=100 --executor=serial --tasks=10 --min-time=0.001'
BIN=$BENCH
cd "$OUT" || exit 1
# A/A smoke check: the same binary on both sides, generous threshold.
expect ab-aa 0 'no regression' \
	ab --baseline="$BIN" --runs=8 --threshold=50% $TINY
for f in base.json new.json compare.txt; do
	if [ -s "bench-ab/$f" ]; then passed=$((passed + 1)); else
		echo "FAIL: ab-files: bench-ab/$f missing" >&2
		failed=$((failed + 1))
	fi
done
expect ab-samples 0 '8 pairs +unchanged' \
	compare --threshold=50% bench-ab/base.json bench-ab/new.json
grep -o '"procthread_ab_order": "[AB]*"' bench-ab/new.json >order1
expect ab-seed-7 0 '' ab --baseline="$BIN" --runs=8 --seed=7 --threshold=50% $TINY
grep -o '"procthread_ab_order": "[AB]*"' bench-ab/new.json >order7
expect ab-seed-1-again 0 '' ab --baseline="$BIN" --runs=8 --threshold=50% --ab-dir=again $TINY
grep -o '"procthread_ab_order": "[AB]*"' again/new.json >order1b
if cmp -s order1 order1b && ! cmp -s order1 order7 && [ -s order1 ]; then
	passed=$((passed + 1))
else
	echo "FAIL: ab-seed: orders $(cat order1) $(cat order1b) $(cat order7)" >&2
	failed=$((failed + 1))
fi
# A baseline 1000 times faster or slower than any real run: a certain
# regression (exit 1, named) or improvement (exit 0).
export FAKE_TIME_US=0.001
expect ab-regressed 1 'cpu-hash/serial/workers:1/tasks:10/work:100/manual_time .* REGRESSED' \
	ab --baseline="$F/../fake_bench.sh" --runs=8 --ab-dir=reg $TINY
export FAKE_TIME_US=100000
expect ab-improved 0 'manual_time.* improved ' \
	ab --baseline="$F/../fake_bench.sh" --runs=8 --ab-dir=imp --format=md $TINY
[ -s imp/compare.md ] && passed=$((passed + 1)) || { echo "FAIL: ab-md-file" >&2; failed=$((failed + 1)); }
expect ab-no-baseline 2 '^bench: ab: --baseline=BENCH_BINARY is required' ab $TINY
expect ab-bad-baseline 2 '^bench: ab: --baseline /nonexistent: ' ab --baseline=/nonexistent $TINY
expect ab-failing-baseline 2 '^bench: ab: ' ab --baseline=/bin/false --runs=2 $TINY
expect ab-bad-runs 2 '^bench: ab: --runs: invalid value' ab --baseline="$BIN" --runs=0 $TINY
expect ab-benchmark-out 2 'set by bench ab' ab --baseline="$BIN" --benchmark_out=x.json $TINY
expect ab-bad-bench-args 2 "^bench: ab: --workload: unknown name 'nonesuch'" ab --baseline="$BIN" --runs=1 --workload=nonesuch
expect ab-help 0 'usage: bench ab' ab --help

expect ab-threshold-bare 2 "^bench: compare: --threshold: invalid value '2'" \
	ab --baseline="$BIN" --threshold=2 $TINY
expect ab-bad-budget 2 '^bench: ab: --budget: invalid value' ab --baseline="$BIN" --budget=soon $TINY
expect ab-bad-run-statistic 2 '^bench: ab: --run-statistic: invalid value' \
	ab --baseline="$BIN" --run-statistic=mean $TINY
FAKE="$F/../fake_bench.sh"

# check NAME COMMAND...: one pass or one failure.
check() {
	name=$1
	shift
	if "$@"; then passed=$((passed + 1)); else
		echo "FAIL: $name" >&2
		failed=$((failed + 1))
	fi
}

# What a run contributes: its median aggregate, or its best repetition.
export FAKE_TIMES="3 1 2"
expect ab-run-median 0 '' ab --baseline="$FAKE" --runs=2 --ab-dir=med $TINY
check ab-run-median-value [ "$(jq '[.benchmarks[].real_time] | unique' -c med/base.json)" = "[2]" ]
expect ab-run-min 0 '' ab --baseline="$FAKE" --runs=2 --run-statistic=min --ab-dir=min $TINY
check ab-run-min-value [ "$(jq '[.benchmarks[].real_time] | unique' -c min/base.json)" = "[1]" ]
unset FAKE_TIMES

# --iterations: every repetition runs exactly N jobs (no estimate from
# --min-time), so that CPU per job does not move with the iteration count.
"$BENCH" --workload=cpu-hash --param work=100 --executor=serial,thread-pool \
	--workers=2 --tasks=10 --iterations=3 --repetitions=2 --out=it.json >/dev/null 2>&1
check bench-iterations [ "$(jq -c '[.benchmarks[] | select(.run_type == "iteration") | .iterations] | unique' it.json)" = "[3]" ] &&
	[ "$(jq '[.benchmarks[] | select(.run_type == "iteration")] | length' it.json)" -eq 4 ]

# --preset=3pct: its options, and bench arguments --repetitions=3
# --iterations=8 where absent; an explicit option overrides it.
TINY_IT='--workload=cpu-hash --param work=100 --executor=serial --tasks=10'
"$BENCH" ab --preset=3pct --baseline="$BIN" --runs=2 --threshold=50% --format=json \
	--ab-dir=preset $TINY_IT >preset.out 2>preset.err
check ab-preset-settings [ "$(jq -c '[.metric, .threshold]' preset/compare.json)" = '["cpu_user_s+cpu_sys_s",0.5]' ]
check ab-preset-message grep -q 'preset=3pct: --sequential --budget=2m' preset.err
check ab-preset-sequential grep -q 'sequential: 2 pairs' preset.err
check ab-preset-bench-args [ "$(jq -c '[.benchmarks[] | .iterations] | unique' preset/base.json)" = "[8]" ] &&
	[ "$(jq '[.benchmarks[] | select(.run_type == "iteration")] | length' preset/runs/001-*.json | sort -u)" = 3 ]
"$BENCH" ab --preset=3pct --baseline="$BIN" --runs=1 --ab-dir=preset2 $TINY_IT --repetitions=2 \
	--min-time=0.001 >/dev/null 2>&1
check ab-preset-given-args [ "$(jq '[.benchmarks[] | select(.run_type == "iteration")] | length' preset2/runs/00[12]-A.json)" = 2 ]
expect ab-preset-bad 2 "^bench: ab: --preset: invalid value '5pct'" ab --preset=5pct --baseline="$BIN" $TINY
expect ab-preset-twice 2 '^bench: ab: --preset is given twice' \
	ab --preset=3pct --preset=3pct --baseline="$BIN" $TINY
expect gate-power-preset-bad 2 "^bench: gate-power: --preset: invalid value ''" gate-power --preset $TINY

# A session starts from a clean directory: a previous session's files go,
# files that are not a session's stay.
mkdir -p clean/runs
touch clean/runs/077-A.json clean/runs/077-B.log clean/compare.md clean/look.json clean/runs/keep.txt
expect ab-clean 0 '' ab --baseline="$BIN" --runs=2 --threshold=50% --ab-dir=clean $TINY
check ab-clean-stale [ ! -e clean/runs/077-A.json ] && [ ! -e clean/runs/077-B.log ] &&
	[ ! -e clean/compare.md ] && [ ! -e clean/look.json ]
check ab-clean-keeps [ -e clean/runs/keep.txt ] && [ -s clean/compare.txt ] &&
	[ "$(ls clean/runs | grep -c '^00[1-4]-[AB]\.json$')" -eq 4 ]

# Sequential: a certain regression is decided at the first planned look,
# long before --runs; the alpha of each look is alpha / looks.
export FAKE_TIME_US=0.001
expect ab-sequential 1 'sequential: 12 pairs, alpha 0.000909091 per look \(0.01 over 11 planned looks\)' \
	ab --baseline="$FAKE" --sequential --ab-dir=seq $TINY
check ab-sequential-look [ "$(jq '.benchmarks[0].pairs' seq/look.json)" -eq 12 ]
"$BENCH" ab --baseline="$FAKE" --runs=1000 --budget=1s --ab-dir=budget $TINY >budget.out 2>&1
check ab-budget grep -Eq 'budget spent after [0-9]+ pairs' budget.out
unset FAKE_TIME_US

# Interrupted: the hanging run is stopped, the complete pairs are
# compared and marked incomplete, exit 128 + signal; nothing is written
# when no pair was complete.
interrupt() { # SIGNAL BLOCK_AFTER DIR: runs ab, signals it once blocked
	rm -f count count.blocked
	FAKE_COUNT=$OUT/count FAKE_BLOCK_AFTER=$2 "$BENCH" ab --baseline="$FAKE" \
		--runs=20 --threshold=50% --ab-dir="$3" $TINY >"$3.out" 2>"$3.err" &
	pid=$!
	i=0
	while [ ! -e count.blocked ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	kill -"$1" $pid
	wait $pid
	echo $? >"$3.status"
}
# The budget's end stops a run still going: its pair does not count.
rm -f count count.blocked
FAKE_COUNT=$OUT/count FAKE_BLOCK_AFTER=1 FAKE_TIME_US=100000 "$BENCH" ab --baseline="$FAKE" \
	--runs=20 --budget=4s --threshold=50% --ab-dir=hard $TINY >hard.out 2>hard.err
echo $? >hard.status
check ab-budget-hard-status [ "$(cat hard.status)" -eq 0 ]
check ab-budget-hard-pairs grep -q 'budget spent after 1 pairs' hard.err
check ab-budget-hard-child-stopped sh -c '[ -s count.blocked ] && ! kill -0 "$(cat count.blocked)" 2>/dev/null'
interrupt INT 3 int
check ab-sigint-status [ "$(cat int.status)" -eq 130 ]
check ab-sigint-incomplete [ "$(jq -r .context.procthread_incomplete int/base.json)" = "bench ab interrupted by SIGINT after 3 pairs" ]
check ab-sigint-pairs grep -Eq 'manual_time .* 3 pairs' int/compare.txt
check ab-sigint-message grep -q 'interrupted by SIGINT after 3 pairs' int.err
check ab-sigint-child-stopped sh -c '! kill -0 "$(cat count.blocked)" 2>/dev/null'
interrupt TERM 5 term
check ab-sigterm-status [ "$(cat term.status)" -eq 143 ]
check ab-sigterm-pairs grep -Eq 'manual_time .* 5 pairs' term/compare.txt
interrupt INT 0 none
check ab-sigint-nothing [ "$(cat none.status)" -eq 130 ] && [ ! -e none/base.json ] &&
	grep -q 'nothing compared' none.err

# bench gate-power: the structure of the table, B renamed as A (one
# comparison each, none missing), and the work change really made B
# slower (cpu_time: the CPU of the serial run, unlike wall time little
# moved by other load). Detection rates themselves are not asserted.
expect gate-power 0 '100% +200 +1 +1 ' \
	gate-power --sessions=1 --effects=0,100% --runs=4 --metric=cpu_time --power-dir=gp $TINY
check gate-power-json [ "$(jq '[.effects[].comparisons] == [1, 1] and .effects[1].work == 200 and .effects[1].median_ratio > 1.3' gp/power.json)" = true ]
# Counts agree: every comparison has one verdict; a session is flagged
# when one of its comparisons regressed.
check gate-power-counts [ "$(jq '[.effects[] | .comparisons == .regressed + .improved + .unchanged + .inconclusive + .other and
	.sessions_flagged <= .sessions and .sessions_flagged <= .regressed and (.regressed == 0 or .sessions_flagged > 0)] | all' gp/power.json)" = true ]
check gate-power-md grep -q '^| 100% | 200 |' gp/power.md
check gate-power-sessions [ -s gp/s001-e100/compare.json ] && [ ! -e gp/s001-e100/runs ]
# With --iterations Google Benchmark appends /iterations:N to each name:
# B's are still renamed as A's (one comparison per benchmark, a ratio).
expect gate-power-iterations 0 '100% +200 +1 +1 ' \
	gate-power --sessions=1 --effects=0,100% --runs=4 --metric=cpu_time --power-dir=gpi \
	--workload=cpu-hash --param work=100 --executor=serial --tasks=10 --iterations=2
check gate-power-iterations-names [ "$(jq -r '.benchmarks[].name' gpi/s001-e100/new.json | sort -u)" = \
	"cpu-hash/serial/workers:1/tasks:10/work:100/iterations:2/manual_time" ]
expect gate-power-preset 0 'metric cpu_user_s\+cpu_sys_s, threshold 1%, alpha 0.01, sequential, at most 2 pairs, budget 120 s, min of each run' \
	gate-power --preset=3pct --sessions=1 --effects=0 --runs=2 --power-dir=gpp $TINY_IT
check gate-power-preset-json [ "$(jq -c '[.sequential, .budget_s, .run_statistic, .threshold, .effects[0].comparisons]' gpp/power.json)" = '[true,120,"min",0.01,1]' ]
expect gate-power-no-work 2 'one workload with a `work` parameter' \
	gate-power --sessions=1 --workload=io-sleep --executor=serial
expect gate-power-bad-effects 2 '^bench: gate-power: --effects: invalid value' \
	gate-power --effects=3 $TINY
expect gate-power-bad-sessions 2 '^bench: gate-power: --sessions: invalid value' \
	gate-power --sessions=0 $TINY
expect gate-power-format 2 'set by gate-power' gate-power --format=md $TINY
expect gate-power-help 0 'usage: bench gate-power' gate-power --help

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
