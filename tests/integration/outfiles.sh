#!/usr/bin/env bash
# Writing files: results (--out), comparisons (compare --out) and reports
# (report -o) are written beside their destination and renamed over it when
# complete. An existing output survives every failure byte for byte; an
# interrupted run replaces it only with a complete document marked
# incomplete, and only when something was measured; no temporary file is
# ever left beside it.
# Usage: outfiles.sh PATH_TO_BENCH FIXTURES_DIR
. "$(dirname "$0")/lib.sh"
FIX=$(readlink -f "${2:?usage: $0 PATH_TO_BENCH FIXTURES_DIR}")
D=$WORK/out
mkdir -p "$D"
previous='{"previous": "results"}'
quick=(--workload=cpu-hash --executor=serial --workers=1 --tasks=4 --min-time=0.01)

# No temporary file beside the outputs, none in TMPDIR.
nothing_left() {
  [ -z "$(find "$D" -name '.*' | head -1)" ] && tmp_is_clean
}

# kept_after WHAT ARGS...: an existing --out file is unchanged after a run
# that fails with exit status 2.
kept_after() {
  shift
  printf '%s\n' "$previous" >"$D/r.json"
  "$BENCH" --out="$D/r.json" "$@" >/dev/null 2>&1
  local status=$?
  [ "$status" -eq 2 ] || { echo "  exit $status, expected 2" >&2; return 1; }
  [ "$(cat "$D/r.json")" = "$previous" ] || { echo "  --out file changed" >&2; return 1; }
  nothing_left
}
check "--out kept: bad number" kept_after number --workers=abc
check "--out kept: unknown parameter" kept_after param --param nosuch=1
check "--out kept: bad Google Benchmark flag" kept_after gbflag --benchmark_repetitions=abc
check "--out kept: filter matches nothing" kept_after filter "${quick[@]}" --benchmark_filter=nosuch
check "--out kept: repeated flag" kept_after twice "${quick[@]}" --workers=1

# A successful run replaces it with the complete document.
printf '%s\n' "$previous" >"$D/r.json"
"$BENCH" "${quick[@]}" --out="$D/r.json" >/dev/null 2>&1
check "--out replaced by a good run" jq -e '.benchmarks | length == 1' "$D/r.json"
check "--out has the mode a plain create gives" \
  [ "$(stat -c %a "$D/r.json")" = "$(printf '%o' $((0666 & ~$(umask))))" ]
check "nothing left after a good run" nothing_left

# interrupted WHEN: SIGINT into a long run, at once ("start") or once the
# first configuration's result is on the console ("after-one").
interrupted() {
  printf '%s\n' "$previous" >"$D/r.json"
  "$BENCH" --workload=io-sleep --executor=serial,pool --workers=1 --param sleep=20ms \
    --tasks=5 --min-time=2 --out="$D/r.json" --format=console-full >"$WORK/console" 2>"$WORK/err" &
  local pid=$! waited=0
  if [ "$1" = after-one ]; then
    while ! grep -q '^io-sleep/serial' "$WORK/console" && [ "$waited" -lt 600 ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
  else
    sleep 0.3
  fi
  kill -INT "$pid"
  wait "$pid"
  status=$?
}
# Mid-run: the results so far, complete JSON, marked incomplete.
interrupted after-one
check "SIGINT mid-run: exit 130" [ "$status" -eq 130 ]
check "SIGINT mid-run: --out is a whole document marked incomplete" jq -e \
  '(.context.procthread_incomplete | test("SIGINT")) and (.benchmarks | length >= 1)' "$D/r.json"
check "SIGINT mid-run: nothing left" nothing_left
# Before any result: the previous file is worth more than an empty one.
interrupted start
check "SIGINT before any result: exit 130" [ "$status" -eq 130 ]
check "SIGINT before any result: --out left as it was" [ "$(cat "$D/r.json")" = "$previous" ]
check "SIGINT before any result: one line says so" grep -q '^bench: interrupted before any result: --out .* left as it was$' "$WORK/err"
check "SIGINT before any result: nothing left" nothing_left
check "no bench process is left" no_bench_processes

# bench compare --out: kept on bad input, replaced when complete.
printf '%s\n' "$previous" >"$D/cmp.txt"
"$BENCH" compare --out="$D/cmp.txt" "$FIX/base.json" "$FIX/truncated.json" >/dev/null 2>&1
check "compare --out kept on a malformed input" [ "$(cat "$D/cmp.txt")" = "$previous" ]
"$BENCH" compare --out="$D/cmp.txt" --format=json "$FIX/base.json" "$FIX/base.json" >/dev/null 2>&1
check "compare --out replaced when complete" jq -e '.regression == false' "$D/cmp.txt"
check "nothing left after compare" nothing_left

# bench report -o: an existing report kept on a malformed input.
"$BENCH" report "$FIX/base.json" -o "$D/rep" >/dev/null 2>&1
cp "$D/rep/report.md" "$WORK/report.md"
"$BENCH" report "$FIX/truncated.json" -o "$D/rep" >/dev/null 2>&1
check "report -o kept on a malformed input" cmp -s "$D/rep/report.md" "$WORK/report.md"
check "nothing left after report" nothing_left
finish
