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

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
