#!/usr/bin/env bash
# The command line: help, version and list work; every malformed command line
# is refused with exit status 2, one line on stderr that starts with "bench: "
# and names the problem, and no results file.
. "$(dirname "$0")/lib.sh"

out=$WORK/out.json

# refused "EXPECTED TEXT IN MESSAGE" ARGS...
refused() {
  local want=$1
  shift
  local err status
  err=$("$BENCH" --out="$out" "$@" 2>&1 >/dev/null)
  status=$?
  if [ "$status" -ne 2 ]; then
    echo "  bench $*: exit $status, expected 2" >&2
    return 1
  fi
  if [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ] || [[ "$err" != "bench: "* ]]; then
    echo "  bench $*: message is not one 'bench: ' line: $err" >&2
    return 1
  fi
  if [[ "$err" != *"$want"* ]]; then
    echo "  bench $*: message '$err' does not mention '$want'" >&2
    return 1
  fi
  if [ -e "$out" ] || ls -A "$WORK" | grep -q procthread-results; then
    echo "  bench $*: left a results file behind" >&2
    return 1
  fi
}

while IFS='|' read -r want args; do
  [ -z "$want" ] && continue
  # shellcheck disable=SC2086
  check "refused: $args" refused "$want" $args
done <<'TABLE'
--executor|--executor=nosuch
nosuch|--executor=serial,nosuch
--executor|--executor=
--workload|--workload=nosuch
--workload|--workload=cpu-hash,,io-sleep
--workers|--workers=0
--workers|--workers=-1
--workers|--workers=abc
--workers|--workers=1.5
--workers|--workers=99999999999999999999
--workers|--workers=4..1
--workers|--workers=1..
--workers|--workers=..4
--workers|--workers=1..16:x1
--workers|--workers=1..16:x
--workers|--workers=1,,2
--workers|--workers=
--workers|--workers=200000
--tasks|--tasks=-3
--tasks|--tasks=ten
--tasks|--tasks=1000000000000
--param|--param work
--param|--param nosuch=1
unknown parameter|--workload=cpu-hash --param sleep=1ms
--param|--param work=
--param|--param work=abc
--param|--param work=0
--param|--param io-sleep.sleep=1ms --workload=cpu-hash
--param|--param nosuch.work=1
--schedule|--schedule=fastest
--chunk|--chunk=-1
--wait|--wait=forever
--pin|--pin=everywhere
--transport|--transport=carrier-pigeon
--transport|--transport=shm,shm
--transport|--transport=
--transport|--workload=cpu-hash --transport=pipe
--transport|--workload=ipc-payload --executor=thread-pool --transport=pipe
--param|--workload=ipc-payload --param size=2GiB
--timeout|--timeout=0
--timeout|--timeout=-5
--timeout|--timeout=soon
--format|--format=xml
--repetitions|--repetitions=0
--min-time|--min-time=abc
--iterations|--iterations=0
--iterations|--iterations=-1
--iterations|--iterations=1000000001
--iterations|--iterations=2x
exclude each other|--iterations=2 --min-time=0.1
exclude each other|--iterations=2 --benchmark_min_time=0.1
--iterations is given twice|--iterations=2 --iterations=3
unknown option|--frobnicate
unknown option|-x
needs a value|--workers
takes no value|--list=yes
frobnicate|frobnicate
unexpected argument|--workers=1 stray
--benchmark_nosuch|--benchmark_nosuch=1
matches no configuration|--benchmark_filter=nosuch
not a valid regex|--benchmark_filter=(
--out|--out=/nonexistent-dir/r.json
TABLE

# An unwritable existing directory as --out's parent.
mkdir -p "$WORK/ro" && chmod 0555 "$WORK/ro"
if [ "$(id -u)" -ne 0 ]; then
  check "refused: unwritable --out dir" refused "--out" --out="$WORK/ro/r.json"
fi
check "refused: --out is a directory" refused "--out" --out="$WORK"

check "info prints the machine" bash -c "'$BENCH' info | grep -q '^CPUs .* online, .* allowed'"
check "info --format=json parses" bash -c "'$BENCH' info --format=json | jq -e '.online_cpus >= 1 and (.papi_events | length) == 8'"
info_refuses() {
  local err
  err=$("$BENCH" info --frob 2>&1 >/dev/null)
  [ $? -eq 2 ] && [[ "$err" == "bench: info: unknown argument '--frob'"* ]]
}
check "info refuses a bad argument" info_refuses
check "info names the PAPI version, or says the build has none" \
  bash -c "'$BENCH' info | grep -Eq '^PAPI +([0-9]+\.|built without PAPI)'"
check "--help prints usage" bash -c "'$BENCH' --help | grep -q -- '--executor=LIST'"
check "--version prints version" bash -c "'$BENCH' --version | grep -q 'procthread'"
list=$("$BENCH" --list)
for name in cpu-hash cpu-float mem-stream io-sleep io-file fault \
  serial thread-pool process-pool thread-per-task process-per-task; do
  check "--list names $name" grep -q -- "$name" <<<"$list"
done
check "--list shows parameters with defaults" grep -q "default" <<<"$list"
check "--list shows the pool alias" grep -q "(pool)" <<<"$list"
finish
