#!/usr/bin/env bash
# Standard output that cannot be written (docs/reliability.md): every
# subcommand, with standard output on a full device, exits 2 with exactly
# one line `bench: standard output: No space left on device`, also where a
# configuration's child writes Google Benchmark's rows itself (csv,
# console-full); a results file asked for is still written, marked
# incomplete. A closed pipe is "Broken pipe", not a silent death by SIGPIPE.
# The full device is a node made with mknod in the test's directory where
# that is allowed (root), else /dev/full.
# Usage: stdoutfull.sh PATH_TO_BENCH FIXTURES_DIR
. "$(dirname "$0")/lib.sh"
FIX=$(readlink -f "${2:?usage: $0 PATH_TO_BENCH FIXTURES_DIR}")
F=$FIX/base.json
FAKE=$FIX/../fake_bench.sh
FULL=$WORK/full
mknod -m 666 "$FULL" c 1 7 2>/dev/null || FULL=/dev/full
quick=(--workload=cpu-hash --executor=serial --workers=1 --tasks=4 --min-time=0.01)
tiny=(--workload=cpu-hash --param work=100 --executor=serial --tasks=10 --min-time=0.001)
line='bench: standard output: No space left on device'

# fails_full NAME ARGS...: bench ARGS >FULL exits 2 with the one line.
fails_full() {
	local status
	(cd "$WORK" && "$BENCH" "$@" >"$FULL" 2>"$WORK/err")
	status=$?
	[ "$status" -eq 2 ] || { echo "  exit $status, expected 2" >&2; return 1; }
	[ "$(grep -c '^bench: standard output' "$WORK/err")" -eq 1 ] &&
		grep -qx "$line" "$WORK/err" || { cat "$WORK/err" >&2; return 1; }
	# It is the last word (progress lines of ab and Google Benchmark's
	# context header may come before it).
	[ "$(tail -1 "$WORK/err")" = "$line" ]
}

check "bench --format=json" fails_full "${quick[@]}" --format=json
check "bench (console table)" fails_full "${quick[@]}"
check "bench --format=console-full (rows from the child)" fails_full "${quick[@]}" --format=console-full
check "bench --format=csv (rows from the child)" fails_full "${quick[@]}" --format=csv
check "bench --dry-run" fails_full --dry-run
check "bench --list" fails_full --list
check "bench --help" fails_full --help
check "bench --version" fails_full --version
check "bench --completion" fails_full --completion
check "bench info" fails_full info
check "bench info --format=json" fails_full info --format=json
check "bench compare" fails_full compare "$F" "$F"
check "bench compare --format=json" fails_full compare --format=json "$F" "$F"
check "bench report" fails_full report "$F" -o "$WORK/rep"
check "bench claims" fails_full claims --quick --only=1
check "bench claims --format=json" fails_full claims --quick --only=1 --format=json
check "bench ab" fails_full ab --baseline="$FAKE" --runs=2 --threshold=50% "${tiny[@]}"
check "bench overhead --help" fails_full overhead --help
check "bench gate-power --help" fails_full gate-power --help

# The rows of the first configuration could not be shown: the run stops
# there, and --out still gets what was measured, marked incomplete.
(cd "$WORK" && "$BENCH" --workload=cpu-hash --executor=serial,thread-pool --workers=1 \
	--tasks=4 --min-time=0.01 --format=csv --out="$WORK/r.json" >"$FULL" 2>/dev/null)
check "csv on a full device: exit 2" [ $? -eq 2 ]
check "csv on a full device: --out written, marked incomplete" \
	jq -e '(.benchmarks | length) == 1 and
	  (.context.procthread_incomplete | test("standard output"))' "$WORK/r.json"

# A pipe whose reader is gone: EPIPE named, exit 2.
closed_pipe() {
	/usr/bin/python3 -c '
import os, sys
r, w = os.pipe()
os.close(r)
os.dup2(w, 1)
os.execv(sys.argv[1], sys.argv[1:])' "$BENCH" "$@" 2>"$WORK/err"
	local status=$?
	[ "$status" -eq 2 ] && grep -qx 'bench: standard output: Broken pipe' "$WORK/err" ||
		{ echo "  exit $status" >&2; cat "$WORK/err" >&2; return 1; }
}
check "closed pipe: bench --version" closed_pipe --version
check "closed pipe: bench --format=json" closed_pipe "${quick[@]}" --format=json
check "closed pipe: bench --format=csv (rows from the child)" closed_pipe "${quick[@]}" --format=csv

check "no bench process left" no_bench_processes
check "no temporary file left" tmp_is_clean
finish
