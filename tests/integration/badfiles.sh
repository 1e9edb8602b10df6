#!/usr/bin/env bash
# Malformed results files given to `bench report` and `bench compare`: made
# here, at test time, from one good file. Every file gets a clear outcome,
# never a crash or a hang: either it is refused (exit status 2, one line
# "bench: report: ..." or "bench: compare: ..." naming the file, no report
# directory), or, for a field the reader does not need, read as documented
# (exit 0 or 1, every line on standard error a "bench:" line). Files above
# 64 MiB, and endless streams, are refused without being read whole.
# Usage: badfiles.sh PATH_TO_BENCH FIXTURES_DIR
. "$(dirname "$0")/lib.sh"
FIX=$(readlink -f "${2:?usage: $0 PATH_TO_BENCH FIXTURES_DIR}")
IN=$WORK/in
mkdir -p "$IN"
GOOD=$IN/good.json
cp "$FIX/base.json" "$GOOD"

python3 - "$GOOD" "$IN" <<'EOF' || { echo "FAIL: cannot make the files" >&2; exit 1; }
import json, random, sys
good, out = sys.argv[1], sys.argv[2]
text = open(good).read()
doc = json.loads(text)
rt = json.dumps(doc["benchmarks"][0]["real_time"])

def put(name, content):
    mode = "wb" if isinstance(content, bytes) else "w"
    with open(f"{out}/{name}.json", mode) as f:
        f.write(content if isinstance(content, (str, bytes)) else json.dumps(content))

def edited(fn):
    d = json.loads(text)
    fn(d)
    return d

put("empty", "")
put("truncated", text[:300])
put("truncated_end", text[:-2])
put("garbage", bytes(random.Random(7).randrange(256) for _ in range(4096)))
put("deep_open", "[" * 100000)
put("deep_closed", "[" * 100000 + "]" * 100000)
put("deep_inside", text.replace('"benchmarks": [', '"benchmarks": [' + "[" * 5000, 1))
put("e999", text.replace(rt, "1e999", 1))
put("overflow_real", text.replace(rt, "1.8e308", 1))
put("bigint", text.replace(rt, "123456789012345678901234567890", 1))
put("nan_token", text.replace(rt, "NaN", 1))
put("infinity_token", text.replace(rt, "Infinity", 1))
put("dup_key", text.replace('"real_time":', '"real_time": 1, "real_time":', 1))
put("bom", "\ufeff" + text)
put("nul_byte", text[:100] + "\0" + text[100:])
put("root_string", '"benchmarks"')
put("root_number", "42")
put("root_array", "[" + text + "]")
put("entries_numbers", '{"context": {}, "benchmarks": [1, 2, 3]}')
put("no_benchmarks", edited(lambda d: d.pop("benchmarks")))
put("benchmarks_object", edited(lambda d: d.update(benchmarks={"a": 1})))
put("benchmarks_empty", edited(lambda d: d.update(benchmarks=[])))
put("real_time_negative", edited(lambda d: d["benchmarks"][0].update(real_time=-5)))
put("real_time_zero", edited(lambda d: d["benchmarks"][0].update(real_time=0)))
put("real_time_huge", edited(lambda d: d["benchmarks"][0].update(real_time=1.7e308, time_unit="s")))
# Finite in microseconds, infinite in nanoseconds: one rule for both readers.
put("real_time_1e308us", edited(lambda d: d["benchmarks"][0].update(real_time=1e308, time_unit="us")))
# A name that would drive the terminal (ESC, a C1 control): escaped.
esc = "a\x1b[31mred\x9b/serial/workers:1/manual_time"
put("escape_name", edited(lambda d: d["benchmarks"][0].update(name=esc, run_name=esc, real_time=-1)))
put("long_name", text.replace("cpu-hash/serial", "cpu-hash/serial" + "/x" * 100000, 1))
# Wrong types and missing fields, in every field either reader uses.
fields = ["name", "run_name", "run_type", "real_time", "cpu_time", "time_unit",
          "error_occurred", "error_message", "aggregate_name", "tasks", "workers",
          "threads", "workload_version", "procthread_ab_pair", "iterations",
          "repetitions"]
values = {"null": None, "array": [1], "object": {"a": 1}, "string": "x",
          "bool": True, "negative": -1}
for f in fields:
    for tag, v in values.items():
        put(f"type_{f}_{tag}", edited(lambda d: [b.update({f: v}) for b in d["benchmarks"]]))
    put(f"missing_{f}", edited(lambda d: [b.pop(f, None) for b in d["benchmarks"]]))
for k in ["online_cpus", "num_cpus", "host_name", "procthread_schema_version",
          "procthread_ab_session", "procthread_incomplete"]:
    for tag, v in values.items():
        put(f"context_{k}_{tag}", edited(lambda d: d["context"].update({k: v})))
for tag, v in values.items():
    put(f"context_is_{tag}", edited(lambda d: d.update(context=v)))
EOF

# A 100 MB file: a results file's start, then zeros to 100 MB (sparse).
head -c 200 "$GOOD" >"$IN/huge100mb.json"
truncate -s 100M "$IN/huge100mb.json"

# run NAME OUTPUT_PREFIX COMMAND...: runs bench under a time limit; sets
# status and err.
run() {
  timeout 120 env ${NOPLOT:+PATH=/nonexistent} "$BENCH" "$@" \
    >"$WORK/stdout" 2>"$WORK/stderr" </dev/null
  status=$?
  err=$(cat "$WORK/stderr")
}

# outcome EXPECT WHO FILE ARGS...: EXPECT is "2:TEXT" (refused, one line
# naming the file and containing TEXT) or "ok" (exit 0 or 1), or "any"
# (either, but cleanly).
outcome() {
  local expect=$1 who=$2 file=$3 why=""
  shift 3
  rm -rf "$WORK/rep"
  run "$@"
  if [ "$status" -ge 128 ] || [ "$status" -gt 2 ]; then
    why="exit $status (a crash, a hang or a sanitizer report)"
  elif [ "$status" -eq 2 ]; then
    # The message names the file, or both when they disagree.
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && [[ "$err" == "bench: $who: "* ]] &&
      [[ "$err" == *"$(basename "$file")"* || "$err" == *"BASE and NEW"* ]] ||
      why="refused without one 'bench: $who: ...' line naming the file"
    [ -e "$WORK/rep" ] && why="$why; a report directory was written"
    case $expect in
    2:*) [[ "$err" == *"${expect#2:}"* ]] || why="$why; message lacks '${expect#2:}'" ;;
    ok) why="$why; refused, expected it read" ;;
    esac
  else
    [[ $expect == 2:* ]] && why="exit $status, expected 2"
    if [ -n "$err" ] && grep -qv '^bench: ' <<<"$err"; then
      why="$why; stderr has lines other than 'bench:' ones"
    fi
  fi
  tmp_is_clean || why="$why; left in TMPDIR: $(ls -A "$TMPDIR")"
  rm -rf "${TMPDIR:?}/"* "$WORK/rep" "$WORK/stdout" "$WORK/stderr"
  if [ -n "$why" ]; then
    echo "  bench $who $(basename "$file"): ${why#; }: $(head -c 300 <<<"$err")" >&2
    return 1
  fi
}

# both REPORT_EXPECT COMPARE_EXPECT NAME: the file through both readers.
both() {
  local f=$IN/$3.json
  check "report $3" outcome "$1" report "$f" report "$f" -o "$WORK/rep"
  check "compare $3 (as NEW)" outcome "$2" compare "$f" compare "$GOOD" "$f"
  check "compare $3 (as BASE)" outcome "$2" compare "$f" compare "$f" "$GOOD"
}

# Refused by both readers, with what the message must say.
while IFS='|' read -r name report_says compare_says; do
  both "2:$report_says" "2:$compare_says" "$name"
done <<'TABLE'
empty|near end of file|near end of file
truncated|premature end of input|premature end of input
truncated_end|line|line
garbage|malformed JSON|malformed JSON
deep_open|maximum parsing depth|maximum parsing depth
deep_closed|maximum parsing depth|maximum parsing depth
deep_inside|maximum parsing depth|maximum parsing depth
e999|real number overflow|real number overflow
overflow_real|real number overflow|real number overflow
nan_token|invalid token|invalid token
infinity_token|invalid token|invalid token
dup_key|duplicate object key|duplicate object key
bom|malformed JSON|malformed JSON
nul_byte|control character|control character
root_string|expected near|expected near
root_number|expected near|expected near
root_array|not Google Benchmark|not Google Benchmark
entries_numbers|not an object|no string "name"
no_benchmarks|not Google Benchmark|not Google Benchmark
benchmarks_object|not Google Benchmark|not Google Benchmark
benchmarks_empty|no procthread entries|no benchmarks
real_time_negative|not a positive time|not a positive time
real_time_zero|not a positive time|not a positive time
real_time_huge|not finite|not finite
real_time_1e308us|"real_time" is not finite|"real_time" is not finite
missing_time_unit|no "time_unit"|no "time_unit"
huge100mb|larger than 64 MiB|larger than 64 MiB
type_name_null|not an object with a "name"|no string "name"
type_name_array|not an object with a "name"|no string "name"
type_name_negative|not an object with a "name"|no string "name"
missing_name|not an object with a "name"|no string "name"
type_real_time_string|no numeric "real_time"|no numeric "real_time"
type_real_time_null|no numeric "real_time"|no numeric "real_time"
type_real_time_object|no numeric "real_time"|no numeric "real_time"
missing_real_time|no numeric "real_time"|no numeric "real_time"
type_time_unit_array|unknown "time_unit"|unknown "time_unit"
type_time_unit_string|unknown "time_unit"|unknown "time_unit"
type_time_unit_negative|unknown "time_unit"|unknown "time_unit"
TABLE

# Integers beyond int64: bench compare reads every number as a double, the
# report (which keeps integers exact) refuses them.
both "2:too big integer" ok bigint

# Every other wrong type or missing field, and every context field: a clean
# outcome either way (refused in one line, or read as documented).
# The report is drawn without gnuplot here: the reader is under test.
for f in "$IN"/type_*.json "$IN"/missing_*.json "$IN"/context_*.json "$IN/long_name.json"; do
  NOPLOT=1 both any any "$(basename "$f" .json)"
done

# Not regular files: an endless stream is refused at 64 MiB, /dev/zero at
# its first byte; neither is read whole.
check "report /dev/zero" outcome "2:malformed JSON" report /dev/zero report /dev/zero -o "$WORK/rep"
check "compare /dev/zero" outcome "2:malformed JSON" compare /dev/zero compare "$GOOD" /dev/zero
check "compare an endless stream" outcome "2:larger than 64 MiB" compare /dev/fd/ \
  compare "$GOOD" <(yes ' ' 2>/dev/null | tr -d '\n')
check "a good file is read through a pipe" outcome ok compare /dev/fd/ \
  compare "$GOOD" <(cat "$GOOD")

# Bytes that are not printable UTF-8 are shown as \xHH in messages: from a
# results file (both readers) and from the command line.
escaped() {
  "$BENCH" "$@" >/dev/null 2>"$WORK/esc" </dev/null
  [ $? -eq 2 ] && grep -q 'a\\x1b\[31mred\\xc2\\x9b' "$WORK/esc" &&
    ! LC_ALL=C grep -q $'\x1b' "$WORK/esc" || { cat -v "$WORK/esc" >&2; return 1; }
}
check "compare: a control byte in a name is escaped" escaped compare "$GOOD" "$IN/escape_name.json"
check "report: a control byte in a name is escaped" escaped report "$IN/escape_name.json" -o "$WORK/rep"
check "bench: a control byte in an argument is escaped" \
  escaped --workload=$'a\x1b[31mred\xc2\x9b' --dry-run
rm -rf "$WORK/rep"

check "no bench process is left" no_bench_processes
finish
