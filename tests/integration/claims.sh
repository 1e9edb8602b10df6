#!/usr/bin/env bash
# bench claims --quick end to end: every claim gets a verdict from one of the
# four outcomes and the figures it rests on, each row links the commands and
# entries behind it, the results file is a Google Benchmark document that
# bench report reads, and bad arguments are refused. Verdict values are not
# checked: they depend on the machine.
. "$(dirname "$0")/lib.sh"

# One repetition: the test checks what a run produces, not the figures.
out=$WORK/claims.json
"$BENCH" claims --quick --repetitions=1 --format=json --out="$out" \
  >"$WORK/stdout.json" 2>"$WORK/stderr"
rc=$?
check "claims --quick exits 0" [ "$rc" -eq 0 ]
check "stdout is JSON with 13 claims" \
  jq -e '.claims | length == 13' "$WORK/stdout.json"
check "every claim has a verdict" jq -e '[.claims[].verdict] |
  all(. == "holds" or . == "does not hold" or . == "holds only when")' \
  "$WORK/stdout.json"
check "every claim has figures and a rule" jq -e '[.claims[] |
  (.figures | length > 0) and (.rule | length > 0)] | all' \
  "$WORK/stdout.json"
check "a holds-only-when verdict states its condition" jq -e '[.claims[] |
  select(.verdict == "holds only when") | .condition | length > 0] | all' \
  "$WORK/stdout.json"
check "every claim links the commands behind it" \
  jq -e '[.claims[] | .commands | length > 0] | all' "$WORK/stdout.json"
check "commands name the repetitions" \
  jq -e '[.claims[].commands[] | select(startswith("bench ")) |
    test("--repetitions=1$")] | all and length > 13' "$WORK/stdout.json"
check "linked entries exist in the results file" jq -e '
  ([.benchmarks[] | .run_name // .name]) as $names |
  [.claims[].entries[] | IN($names[])] | all' "$out"
check "results file holds the entries and the claims" \
  jq -e '(.benchmarks | length > 20) and (.claims | length == 13)' "$out"
check "claims ids are 1..13 in order" \
  jq -e '[.claims[].id] == [range(1; 14)]' "$out"
check "report reads the claims results" \
  "$BENCH" report "$out" --out="$WORK/report"
check "report has a Claims section with 13 rows" \
  [ "$(sed -n '/^## Claims/,/^## /p' "$WORK/report/report.md" |
    grep -c '^| [0-9]')" -eq 13 ]

# Markdown and a subset.
"$BENCH" claims --quick --repetitions=1 --only=3,10 --format=md >"$WORK/claims.md" 2>&1
check "md subset exits 0" [ $? -eq 0 ]
check "md has a table row per claim" \
  [ "$(grep -c '^| [0-9]' "$WORK/claims.md")" -eq 2 ]

# Bad arguments: one line, exit 2.
for bad in --only=14 --only=0 --only= --format=xml --bogus --out= \
  --repetitions=0 --repetitions=65 --repetitions=x --repetitions=; do
  "$BENCH" claims "$bad" >/dev/null 2>"$WORK/err"
  rc=$?
  check "claims $bad exits 2" [ "$rc" -eq 2 ]
  check "claims $bad says one line" [ "$(wc -l <"$WORK/err")" -eq 1 ]
done
"$BENCH" claims --only=3 --out="$WORK/missing/dir/c.json" >/dev/null \
  2>"$WORK/err"
check "unwritable --out exits 2" [ $? -eq 2 ]
# Ctrl-C mid-run: exit 130, what was measured kept and marked incomplete.
"$BENCH" claims --quick --out="$WORK/int.json" >/dev/null 2>"$WORK/int.err" &
pid=$!
sleep 3
kill -INT "$pid"
wait "$pid"
check "SIGINT: exit 130" [ $? -eq 130 ]
check "SIGINT: results kept, marked incomplete" jq -e '
  (.context.procthread_incomplete | test("SIGINT")) and
  (.benchmarks | length > 0) and (.claims | length > 0)' "$WORK/int.json"
check "SIGINT: one line says so" \
  [ "$(grep -c '^bench: claims: interrupted by SIGINT$' "$WORK/int.err")" -eq 1 ]
check "no bench process left" no_bench_processes
check "temp dir clean" tmp_is_clean
finish
