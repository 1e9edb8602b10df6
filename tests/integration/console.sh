#!/usr/bin/env bash
# The readable console (the default output): one row per configuration
# within 100 columns, speedups and efficiencies that follow from the JSON
# figures, conclusions; a serial reference job when the run has no serial
# row (the main job's shape); Google Benchmark's rows with
# --format=console-full, where the library's DEBUG warning is said in our
# words; --dry-run runs nothing.
. "$(dirname "$0")/lib.sh"

quick=(--min-time=0.01 --tasks=40 --param work=2000)
r=$WORK/r.json
"$BENCH" --workload=cpu-hash --executor=serial,thread-pool,pool --workers=1,2 \
  "${quick[@]}" --out="$r" >"$WORK/table.txt" 2>"$WORK/stderr.txt"
check "run exits 0" [ $? -eq 0 ]
# Widths in characters: the '±' is one column, two bytes.
fits() { ! sed 's/±/+/g' "$1" | awk 'length($0) > 100 { bad = 1 } END { exit !bad }'; }
check "every line within 100 columns" fits "$WORK/table.txt"
check "header names speedup and efficiency" \
  grep -qE '^workload +executor +W +job time +speedup +effic +ovh/task +create/w +cpu +flags' "$WORK/table.txt"
check "one row per configuration" [ "$(grep -c '^cpu-hash tasks:40 work:2000 ' "$WORK/table.txt")" -eq 5 ]
check "no Google Benchmark rows" [ "$(grep -c 'manual_time' "$WORK/table.txt")" -eq 0 ]
check "a conclusion line" grep -qE '^cpu-hash tasks:40 work:2000: (fastest|serial is fastest)' "$WORK/table.txt"
check "the legend says what speedup is against" grep -q '^speedup: serial job time / this one' "$WORK/table.txt"

# Each row's speedup is serial's real_time over its own, as printed (%.2f).
speedups_match() {
  local serial name executor workers want got
  serial=$(jq -r '.benchmarks[] | select(.name | startswith("cpu-hash/serial/")) | .real_time' "$r")
  while read -r name executor workers; do
    want=$(jq -r --arg n "$name" --argjson s "$serial" \
      '.benchmarks[] | select(.name == $n) | $s / .real_time' "$r" | awk '{ printf "%.2fx", $1 }')
    got=$(awk -v e="$executor" -v w="$workers" '$1 == "cpu-hash" && $4 == e && $5 == w' "$WORK/table.txt" |
      grep -oE '[0-9]+\.[0-9]+x' | head -1)
    [ "$want" = "$got" ] || { echo "$name: want $want got $got" >&2; return 1; }
  done < <(jq -r '.benchmarks[] | .name as $n | ($n | split("/")) as $p |
      "\($n) \($p[1]) \($p[2] | ltrimstr("workers:"))"' "$r")
}
check "speedups follow from the JSON" speedups_match

# The main job's shape: no serial row, so a serial reference job gives it.
m=$WORK/main.json
"$BENCH" --executor=pool --workers=4 --workload=cpu-hash,io-sleep "${quick[@]}" \
  --param io-sleep.sleep=1ms --format=console --out="$m" >"$WORK/main.txt" 2>/dev/null
check "main-job shape: exit 0" [ $? -eq 0 ]
check "main-job shape: within 100 columns" fits "$WORK/main.txt"
check "main-job shape: every row has a speedup" \
  [ "$(grep -E ' process-pool +4 ' "$WORK/main.txt" | grep -cE ' [0-9.]+x ')" -eq 2 ]
check "main-job shape: efficiency shown" \
  [ "$(grep -E ' process-pool +4 ' "$WORK/main.txt" | grep -cE ' [0-9.]+% ')" -eq 2 ]
check "main-job shape: conclusions against the serial reference job" \
  [ "$(grep -c 'a serial reference job' "$WORK/main.txt")" -ge 2 ]
check "main-job shape: serial_ref_s in the JSON" \
  jq -e '[.benchmarks[] | select(.serial_ref_s > 0)] | length == 2' "$m"
check "a run with its serial row times no reference job" \
  jq -e '[.benchmarks[] | select(has("serial_ref_s"))] | length == 0' "$r"

# console-full: Google Benchmark's own rows, our words for its DEBUG warning.
"$BENCH" --workload=cpu-hash --executor=serial,pool --workers=1 "${quick[@]}" \
  --format=console-full >"$WORK/full.txt" 2>"$WORK/full.err" --out="$WORK/full.json"
check "console-full: Google Benchmark's header" grep -q '^Benchmark ' "$WORK/full.txt"
check "console-full: a row per configuration" [ "$(grep -c '/manual_time' "$WORK/full.txt")" -eq 2 ]
both=$(cat "$WORK/full.txt" "$WORK/full.err")
check "console-full: not the library's DEBUG line" \
  [ "$(grep -c 'Library was built as DEBUG' <<<"$both")" -eq 0 ]
if jq -e '.context.library_build_type == "debug"' "$WORK/full.json" >/dev/null; then
  check "console-full: the DEBUG note once, in our words" \
    [ "$(grep -c '^bench: note: libbenchmark is a debug build.*not the timed region' <<<"$both")" -eq 1 ]
fi
gbformat() {
  "$BENCH" --workload=cpu-hash --executor=serial --workers=1 "${quick[@]}" --benchmark_format=console 2>/dev/null |
    grep -q '^Benchmark '
}
check "--benchmark_format=console is Google Benchmark's rows" gbformat

# --dry-run: the plan, nothing run, nothing written; bad input still exit 2.
out=$("$BENCH" --workload=cpu-hash,io-sleep --executor=serial,pool --workers=1,2 \
  --out="$WORK/dry.json" --dry-run 2>&1)
check "--dry-run: exit 0" [ $? -eq 0 ]
check "--dry-run: counts the configurations" grep -q '^bench: dry run: 6 configurations' <<<"$out"
check "--dry-run: lists each" [ "$(grep -c '^  .*/workers:' <<<"$out")" -eq 6 ]
check "--dry-run: writes no results" [ ! -e "$WORK/dry.json" ]
check "--dry-run: leaves no temporary file" [ -z "$(ls -A "$WORK" | grep procthread)" ]
"$BENCH" --workload=nope --dry-run >/dev/null 2>&1
check "--dry-run: an unknown workload exits 2" [ $? -eq 2 ]
"$BENCH" --dry-run --out=/nonexistent/dir/r.json >/dev/null 2>&1
check "--dry-run: an unwritable --out exits 2" [ $? -eq 2 ]
"$BENCH" --format=console-fuller --dry-run >/dev/null 2>&1
check "--format: an unknown format exits 2" [ $? -eq 2 ]
finish
