#!/usr/bin/env bash
# ipc-payload and --transport from the command line: every size, executor
# and transport runs with verified outputs; /transport:pipe appears in names
# only where bytes cross processes; bytes_per_second counts both directions;
# the size x tasks limit is an error entry, not a crash; nothing is left
# behind.
. "$(dirname "$0")/lib.sh"

a=$WORK/a.json
"$BENCH" --workload=ipc-payload \
  --executor=serial,thread-pool,process-pool,thread-per-task,process-per-task \
  --workers=2 --tasks=8 \
  --param size=0,1,4095,4096,1MiB --transport=shm,pipe --min-time=0.01 \
  --out="$a" >/dev/null 2>"$WORK/stderr.txt"
check "every size, executor and transport exits 0" [ $? -eq 0 ]
check "no entry has an error" jq -e 'all(.benchmarks[]; .error_occurred != true)' "$a"
# Per size: serial, thread-pool, thread-per-task once; the two process
# executors once per transport.
check "35 entries" [ "$(jq '.benchmarks | length' "$a")" -eq 35 ]
check "pipe entries are process executors only" jq -e '
  [.benchmarks[] | select(.name | contains("/transport:pipe"))] as $p |
  ($p | length) == 10 and
  all($p[]; .name | test("/(process-pool|process-per-task)/"))' "$a"
check "shm (the default) is not named" jq -e '
  all(.benchmarks[]; .name | contains("transport:shm") | not)' "$a"
check "bytes_per_second = 2 x size x tasks / time" jq -e '
  all(.benchmarks[] | select(.name | test("size:0/") | not);
    (.name | capture("size:(?<s>[0-9]+)(?<u>[KMG]i?B)?") |
      (.s | tonumber) * ({"": 1, "KiB": 1024, "MiB": 1048576}[.u // ""])) as $size |
    (.bytes_per_second * .real_time * 1e-6 / (2 * $size * .tasks)) as $r |
    $r > 0.99 and $r < 1.01)' "$a"
check "no bench process is left" no_bench_processes
check "TMPDIR is clean" tmp_is_clean

# The default sweep of transports is shm only, and unnamed.
"$BENCH" --workload=ipc-payload --executor=pool --workers=1 --tasks=4 \
  --min-time=0.01 --out="$WORK/d.json" >/dev/null 2>&1
check "default transport: one entry, no suffix" jq -e '
  [.benchmarks[].name] == ["ipc-payload/process-pool/workers:1/tasks:4/manual_time"]' "$WORK/d.json"
"$BENCH" --workload=ipc-payload --executor=pool --workers=1 --tasks=4 \
  --transport=pipe --min-time=0.01 --out="$WORK/p.json" >/dev/null 2>&1
check "--transport=pipe: named" jq -e '
  [.benchmarks[].name] == ["ipc-payload/process-pool/workers:1/tasks:4/transport:pipe/manual_time"]' "$WORK/p.json"

# Over the limit: an error entry naming it, exit 1, nothing left behind.
"$BENCH" --workload=ipc-payload --executor=pool --workers=1 --tasks=2 \
  --param size=1GiB --min-time=0.01 --out="$WORK/big.json" >/dev/null 2>&1
check "size x tasks over the limit exits 1" [ $? -eq 1 ]
check "the error entry names the limit" jq -e '
  .benchmarks[0].error_occurred == true and
  (.benchmarks[0].error_message | contains("exceeds 1GiB"))' "$WORK/big.json"

list=$("$BENCH" --list)
check "--list names ipc-payload" grep -q "ipc-payload" <<<"$list"
check "--list names the transports" grep -q "Transports (--transport.*shm, pipe" <<<"$list"
check "no bench process is left at the end" no_bench_processes
finish
