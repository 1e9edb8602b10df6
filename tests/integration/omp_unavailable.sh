#!/usr/bin/env bash
# In a build without OpenMP (and the ThreadSanitizer build, which leaves it
# out): omp stays listed with its reason, naming it is refused with one line
# and exit 2, and "all" skips it.
. "$(dirname "$0")/lib.sh"

check "--list shows omp as unavailable, with the reason" \
  bash -c '"$0" --list | grep -A1 "^  omp " | grep -q "unavailable: built without OpenMP"' "$BENCH"
out=$("$BENCH" --executor=omp --workload=cpu-hash 2>&1 >/dev/null)
status=$?
check "--executor=omp: exit 2" [ "$status" -eq 2 ]
check "--executor=omp: one line naming the reason" \
  bash -c '[ "$(wc -l <<<"$1")" -eq 1 ] && [[ $1 == "bench: --executor=omp: built without OpenMP" ]]' _ "$out"
"$BENCH" --executor=all --workload=cpu-hash --workers=1 --tasks=4 --param work=100 \
  --min-time=0.001 --format=json 2>/dev/null >"$WORK/all.json"
check "--executor=all runs without omp" \
  jq -e '(.benchmarks | length) > 0 and all(.benchmarks[]; (.name | test("/omp/")) | not)' "$WORK/all.json"
finish
