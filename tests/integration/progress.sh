#!/usr/bin/env bash
# The progress line: under a pseudo terminal (script(1) from util-linux)
# one self-overwriting line on standard error names the configuration, its
# repetition and an ETA, and is erased before the table; never in a pipe,
# never in a file, never when CI is set. Skipped (77) without script(1).
. "$(dirname "$0")/lib.sh"

if ! command -v script >/dev/null; then
  echo "SKIP: script(1) (bsdutils) is not installed"
  exit 77
fi
args=(--workload=cpu-hash --executor=serial,thread-pool --workers=2 --tasks=20
  --param work=500 --min-time=0.01 --repetitions=2)
quoted=$(printf '%q ' "$BENCH" "${args[@]}")

# script -q -c CMD LOG: CMD runs on a new pty; what it writes there is copied.
env -u CI script -qec "$quoted --out=$WORK/pty.json" /dev/null >"$WORK/pty.txt" </dev/null
check "under a pty: exit 0" [ $? -eq 0 ]
check "under a pty: [1/2] names the first configuration" \
  grep -qF '[1/2] cpu-hash/serial/workers:1/tasks:20/work:500' "$WORK/pty.txt"
check "under a pty: [2/2] names the second" \
  grep -qF '[2/2] cpu-hash/thread-pool/workers:2/tasks:20/work:500' "$WORK/pty.txt"
check "under a pty: the repetition" grep -qF 'rep 2/2' "$WORK/pty.txt"
check "under a pty: an ETA" grep -qE 'ETA ([0-9]+[hms]|--)' "$WORK/pty.txt"
check "under a pty: the line rewrites itself (carriage return, erase)" \
  grep -qF $'\r[2/2]' "$WORK/pty.txt"
check "under a pty: erased before the table" grep -qF $'\r\e[Kworkload ' "$WORK/pty.txt"
check "under a pty: the line never leaves the terminal's row (no newline in it)" \
  [ "$(grep -c '^\[[0-9]*/2\]' "$WORK/pty.txt")" -eq 0 ]
check "the results file has no progress" [ "$(grep -c '\[1/2\]' "$WORK/pty.json")" -eq 0 ]

env -u CI "$BENCH" "${args[@]}" 2>"$WORK/pipe.err" | cat >"$WORK/pipe.out"
check "in a pipe: no progress on stderr" [ "$(grep -c '\[1/2\]' "$WORK/pipe.err")" -eq 0 ]
check "in a pipe: no progress on stdout" [ "$(grep -c '\[1/2\]' "$WORK/pipe.out")" -eq 0 ]
check "in a pipe: no escape sequences" [ "$(grep -c $'\e' "$WORK/pipe.err" "$WORK/pipe.out" | awk -F: '{s += $2} END {print s}')" -eq 0 ]

CI=true script -qec "$quoted" /dev/null >"$WORK/ci.txt" </dev/null
check "CI set, on a pty: no progress" [ "$(grep -c '\[1/2\]' "$WORK/ci.txt")" -eq 0 ]
check "CI set, on a pty: the table still" grep -q '^workload ' "$WORK/ci.txt"
finish
