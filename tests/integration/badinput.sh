#!/usr/bin/env bash
# Malformed command lines, for bench and each of its subcommands. Each row of
# the table is refused the same way: exit status 2, exactly one line on
# standard error that starts with "bench:" and names the problem, nothing on
# standard output, and nothing left behind (no results file, report
# directory, bench-ab directory, core file or temporary file).
# Usage: badinput.sh PATH_TO_BENCH FIXTURES_DIR
. "$(dirname "$0")/lib.sh"
FIX=$(readlink -f "${2:?usage: $0 PATH_TO_BENCH FIXTURES_DIR}")

# Inputs live in in/; commands run in cwd/; everything else in WORK must
# stay absent.
mkdir -p "$WORK/in" "$WORK/cwd"
cp "$FIX/base.json" "$WORK/in/base.json"

# The table's placeholders: @OUT@ and @OUT2@ are files, @DIR@ and @DIR2@
# report directories that must not appear, @F@ a good results file, @IN@
# the input directory, @BIN@ this bench, @MISSING@ a path under a missing
# directory, @EMPTY@ the empty argument.
expand() {
  case $1 in
  @EMPTY@) printf '%s' "" ;;
  *)
    local a=${1//@OUT2@/$WORK/out2.json}
    a=${a//@OUT@/$WORK/out.json}
    a=${a//@DIR2@/$WORK/rep2}
    a=${a//@DIR@/$WORK/rep}
    a=${a//@F@/$WORK/in/base.json}
    a=${a//@IN@/$WORK/in}
    a=${a//@BIN@/$BENCH}
    a=${a//@MISSING@/$WORK/missing/x}
    printf '%s' "$a"
    ;;
  esac
}

# refused_cleanly "EXPECTED TEXT" WORDS...: the command line is the words
# with placeholders expanded; a bench run (no subcommand) also gets --out
# unless the row names its own output.
refused_cleanly() {
  local want=$1 args=() w status err out left
  shift
  for w in "$@"; do
    args+=("$(expand "$w")")
  done
  case "${args[0]:-}" in
  report | compare | ab | info) ;;
  *) [[ " ${args[*]} " == *" --out="* || " ${args[*]} " == *"--benchmark_out="* ]] ||
    args=(--out="$WORK/out.json" "${args[@]}") ;;
  esac
  (cd "$WORK/cwd" && "$BENCH" "${args[@]}" >"$WORK/stdout" 2>"$WORK/stderr" </dev/null)
  status=$?
  err=$(cat "$WORK/stderr")
  out=$(cat "$WORK/stdout")
  rm -f "$WORK/stdout" "$WORK/stderr"
  left=$(cd "$WORK" && find . -mindepth 1 -not -path './in' -not -path './in/*' \
    -not -path ./cwd -not -path ./tmp | head -3)
  local why=""
  [ "$status" -eq 2 ] || why="exit $status, expected 2"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && [[ "$err" == "bench: "* ]] ||
    why="$why; stderr is not one 'bench: ' line"
  [[ "$err" == *"$want"* ]] || why="$why; message does not mention '$want'"
  [ -z "$out" ] || why="$why; printed on standard output"
  [ -z "$left" ] || why="$why; left behind: $left"
  [ -z "$(ls -A "$WORK/cwd")" ] || why="$why; left in the working directory: $(ls -A "$WORK/cwd")"
  tmp_is_clean || why="$why; left in TMPDIR: $(ls -A "$TMPDIR")"
  rm -rf "${WORK:?}/cwd/"* "${TMPDIR:?}/"* "$WORK/out.json" "$WORK/out2.json" \
    "$WORK/rep" "$WORK/rep2"
  if [ -n "$why" ]; then
    echo "  bench ${args[*]}: ${why#; }: $err" >&2
    return 1
  fi
}

rows=0
while IFS='|' read -r want line; do
  [[ -z "$want" || "$want" == "#"* ]] && continue
  read -ra words <<<"$line"
  rows=$((rows + 1))
  check "refused: $line" refused_cleanly "$want" "${words[@]}"
done <<'TABLE'
# Numbers: overflow, sign, base, junk, empty.
--workers|--workers=18446744073709551616
--workers|--workers=-0
--workers|--workers=+1
--workers|--workers=0x10
--workers|--workers=1e3
--workers|--workers=1,
--workers|--workers=,1
--tasks|--tasks=
--tasks|--tasks=1k
--tasks|--tasks=18446744073709551616
--chunk|--chunk=99999999999999999999
--chunk|--chunk=
--repetitions|--repetitions=
--repetitions|--repetitions=100001
--repetitions|--repetitions=-1
# Ranges: backwards, zero or missing steps, too long.
the step|--workers=1..4:0
the step|--workers=1..4:+0
the step|--workers=1..4:x0
the step|--workers=1..4:
--workers|--workers=1....4
--workers|--workers=1..2..3
more than 256 values|--workers=1..100000
bounds|--workers=1..100001
the step|--workers=1..4:x99999999999999999999
runs backwards|--workers=8..2:x2
# Durations.
--timeout|--timeout=-1
--timeout|--timeout=
--timeout|--timeout=nan
--timeout|--timeout=inf
--timeout|--timeout=1e999
--timeout|--timeout=1e8
--timeout|--timeout=5h
--timeout|--timeout=0x10
--timeout|--timeout=1e-300
--timeout|--timeout=5ms
--min-time|--min-time=0
--min-time|--min-time=-1
--min-time|--min-time=nan
# Names and choices.
--format|--format=
--format|--format=JSON
--schedule|--schedule=
--wait|--wait=
--pin|--pin=
--start=|--start= --executor=pool
--start=fork,fork|--start=fork,fork --executor=pool
--start: applies only|--start=forkserver --executor=thread-pool
--start=spawn,|--start=spawn, --executor=pool
unknown name 'all'|--workload=all,cpu-hash
--workload|--workload=,
--executor|--executor=serial,
unknown name 'SERIAL'|--executor=SERIAL
# --param: splitting, values, units.
bad parameter name|--param =1
bad workload name|--param .work=1
bad parameter name|--param cpu-hash.=1
bad value list|--param work=1,,2
bad value list|--param work=1,
out of range|--param work=-1
out of range|--param work=99999999999999999999
too large|--param work=1e999
not a number|--param work=nan
not a number|--param work=inf
bad unit|--param work=10q
bad unit|--param work=1..4
out of range|--workload=io-sleep --param sleep=-1ms
bad unit|--workload=io-sleep --param sleep=1parsec
bad unit|--workload=mem-stream --param size=1XiB
out of range|--workload=mem-stream --param size=1.5
not one of|--workload=fault --param mode=nosuch
the value is empty|--workload=fault --param mode=
# Repeated and conflicting flags.
already set|--workload=io-sleep --param sleep=1ms --param sleep=2ms
already set|--workload=io-sleep --param sleep=1ms --param io-sleep.sleep=2ms
--workers is given twice|--workers=1 --workers=2
--executor is given twice|--executor=serial --executors=pool
--out is given twice|--out=@OUT@ --out=@OUT2@
--out is given twice|--out=@OUT@ --benchmark_out=@OUT2@
--format is given twice|--format=json --benchmark_format=csv
--repetitions sets it too|--repetitions=2 --benchmark_repetitions=3
--min-time sets it too|--min-time=1 --benchmark_min_time=2
--benchmark_filter is given twice|--benchmark_filter=a --benchmark_filter=b
stacked or large repetitions|--benchmark_filter=a++++++++++++++++++++++++
stacked or large repetitions|--benchmark_filter=(a{1,255}){1,255}{1,255}
stacked or large repetitions|--benchmark_filter=a{1,1000}
# Google Benchmark's own flags: its message folded into ours.
--benchmark_repetitions=abc|--benchmark_repetitions=abc
--benchmark_min_time=abc|--benchmark_min_time=abc
--benchmark_format|--benchmark_format=xml
always JSON|--benchmark_out_format=csv
# Output paths.
--out: empty path|--out=
No such file or directory|--out=@MISSING@.json
# Odd words.
--workers|--list --workers=abc
unknown option '--frob'|--help --frob
unknown option '-'|-
unknown option '--'|--
unexpected argument|@EMPTY@
takes no value|--=
needs a value|-p
'nosuch'|nosuch
# bench report.
no results file given|report
no -o DIR given|report @F@
no results file given|report -o @DIR@
needs a directory|report @F@ -o
no -o DIR given|report @F@ -o @EMPTY@
--threshold: invalid value|report @F@ -o @DIR@ --threshold=
--threshold: invalid value|report @F@ -o @DIR@ --threshold=-1
--threshold: invalid value|report @F@ -o @DIR@ --threshold=nan
--threshold: invalid value|report @F@ -o @DIR@ --threshold=1e999
unknown option --frob|report @F@ -o @DIR@ --frob
given twice|report @F@ -o @DIR@ -o @DIR2@
given twice|report @F@ -o @DIR@ --threshold=1% --threshold=2%
--plot-groups: invalid value|report @F@ -o @DIR@ --plot-groups=
--plot-groups: invalid value|report @F@ -o @DIR@ --plot-groups=-1
--plot-groups: invalid value|report @F@ -o @DIR@ --plot-groups=some
--plot-groups: invalid value|report @F@ -o @DIR@ --plot-groups=99999999999999999999999
given twice|report @F@ -o @DIR@ --plot-groups=1 --plot-groups=all
--threshold: invalid value '2' (a percentage such as 2% or a fraction|report @F@ -o @DIR@ --threshold=2
--threshold: invalid value|report @F@ -o @DIR@ --threshold=1e-2
No such file or directory|report @MISSING@.json -o @DIR@
Is a directory|report @IN@ -o @DIR@
No such file or directory|report @F@ -o @MISSING@
# bench compare.
usage|compare
usage|compare @F@
only two files|compare @F@ @F@ @F@
--alpha|compare --alpha=0 @F@ @F@
--alpha|compare --alpha=0.6 @F@ @F@
--alpha|compare --alpha=nan @F@ @F@
--threshold: invalid value '5' (a percentage such as 2% or a fraction|compare --threshold=5 @F@ @F@
--threshold: invalid value|compare --threshold=0x1 @F@ @F@
--threshold: invalid value|compare --threshold=1000% @F@ @F@
--threshold|compare --threshold=-5% @F@ @F@
--threshold|compare --threshold=inf% @F@ @F@
--thresholds|compare --thresholds= @F@ @F@
No such file or directory|compare --thresholds=@MISSING@ @F@ @F@
--metric|compare --metric= @F@ @F@
no numeric "nosuch"|compare --metric=nosuch @F@ @F@
--format|compare --format=xml @F@ @F@
--direction|compare --direction=up @F@ @F@
--noise-k|compare --noise-k=-1 @F@ @F@
No such file or directory|compare --noise=@MISSING@ @F@ @F@
No such file or directory|compare --out=@MISSING@ @F@ @F@
--out|compare --out= @F@ @F@
unknown option|compare --frob @F@ @F@
needs a value|compare @F@ @F@ --alpha
--format is given twice|compare --format=json --format=md @F@ @F@
--out is given twice|compare --out=@OUT@ --out=@OUT2@ @F@ @F@
# bench ab: refused before any run, so no bench-ab directory appears.
--baseline=BENCH_BINARY is required|ab
--baseline|ab --baseline=
No such file or directory|ab --baseline=@MISSING@
--runs|ab --baseline=@BIN@ --runs=0
--runs|ab --baseline=@BIN@ --runs=1001
--runs|ab --baseline=@BIN@ --runs=abc
--seed|ab --baseline=@BIN@ --seed=-1
--seed|ab --baseline=@BIN@ --seed=99999999999999999999
--alpha|ab --baseline=@BIN@ --alpha=2
set by bench ab|ab --baseline=@BIN@ --benchmark_out=x.json
'abc' is not a whole number|ab --baseline=@BIN@ --workers=abc
unknown parameter 'nosuch'|ab --baseline=@BIN@ --param nosuch=1
--workers is given twice|ab --baseline=@BIN@ --workers=1 --workers=2
# bench info.
unknown argument '--frob'|info --frob
unknown argument '--format=xml'|info --format=xml
unknown argument 'extra'|info extra
TABLE

check "the table has at least 60 rows" [ "$rows" -ge 60 ]
check "no bench process is left" no_bench_processes
finish
