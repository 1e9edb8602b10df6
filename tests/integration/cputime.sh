#!/usr/bin/env bash
# CPU time that tells the truth: Google Benchmark's cpu_time holds the CPU
# of the caller and every worker, thread or process (the summed accounting
# cpu_user_s + cpu_sys_s), so that Google Benchmark's own compare.py, run on
# a thread-pool vs process-pool pair, shows each side's real CPU time; the
# aggregates follow from the corrected repetitions; real_time is untouched.
# Skipped (77) without Debian's compare.py (libbenchmark-tools) or scipy.
. "$(dirname "$0")/lib.sh"

compare=$(dpkg -L libbenchmark-tools 2>/dev/null | grep '/compare\.py$' | head -1)
py=/usr/bin/python3
if [ -z "$compare" ] || ! "$py" -c 'import scipy' 2>/dev/null; then
  echo "SKIP: compare.py from libbenchmark-tools or Debian's python3-scipy missing"
  exit 77
fi

r=$WORK/pair.json
"$BENCH" --workload=cpu-hash,io-sleep --executor=thread-pool,pool --workers=2 \
  --tasks=64 --param cpu-hash.work=20000 --param io-sleep.sleep=200us \
  --min-time=0.02 --repetitions=3 --out="$r" >/dev/null 2>&1
check "run exits 0" [ $? -eq 0 ]
check "every iteration entry: cpu_time = (cpu_user_s + cpu_sys_s) in us" jq -e '
  [.benchmarks[] | select(.run_type == "iteration")] | length == 12 and
  all(.[]; ((.cpu_user_s + .cpu_sys_s) * 1e6 - .cpu_time | fabs) <= 1e-6 * .cpu_time + 1e-9)' "$r"
# The same work costs the same CPU either way (the parent's alone was 1%).
check "cpu-hash: the process pool's CPU is the thread pool's, within 2x" jq -e '
  def mean(e): [.benchmarks[] | select(.run_type == "iteration" and (.name | test(e))) | .cpu_time] | add / length;
  (mean("^cpu-hash/process-pool/") / mean("^cpu-hash/thread-pool/")) as $q | $q > 0.5 and $q < 2' "$r"
check "median aggregates: the median of the corrected repetitions" jq -e '
  [.benchmarks[] | select(.run_type == "iteration")] as $it |
  [.benchmarks[] | select(.aggregate_name == "median")] | length == 4 and
  all(.[]; . as $m | ([$it[] | select(.run_name == $m.run_name) | .cpu_time] | sort | .[1]) as $want |
      (($m.cpu_time - $want) | fabs) <= 1e-6 * $want)' "$r"
check "mean aggregates: the mean of the corrected repetitions" jq -e '
  [.benchmarks[] | select(.run_type == "iteration")] as $it |
  [.benchmarks[] | select(.aggregate_name == "mean")] |
  all(.[]; . as $m | ([$it[] | select(.run_name == $m.run_name) | .cpu_time] | add / length) as $want |
      (($m.cpu_time - $want) | fabs) <= 1e-6 * $want)' "$r"
check "cv aggregates stay ratios" jq -e \
  '[.benchmarks[] | select(.aggregate_name == "cv")] | all(.[]; .cpu_time < 1)' "$r"

# compare.py on the pair: its CPU columns within 10% of the summed
# accounting of each side (the mean over the repetitions).
"$py" "$compare" --no-color -d "$WORK/cmp.json" filters "$r" thread-pool process-pool \
  >"$WORK/cmp.txt" 2>&1
check "compare.py parses the results" [ $? -eq 0 ]
summed() { # mean (cpu_user_s + cpu_sys_s) in us of the iteration entries of $1
  jq -r --arg n "$1" '[.benchmarks[] | select(.run_type == "iteration" and .run_name == $n) |
    (.cpu_user_s + .cpu_sys_s) * 1e6] | add / length' "$r"
}
within_10pc() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d <= 0.1 * b) }'; }
compare_cpu() {
  local wl=$1 pair old new want_old want_new
  pair=$(jq -r --arg w "$wl/" '.[] | select((.name | startswith($w)) and (.name | endswith("_mean"))) | .name' \
    "$WORK/cmp.json")
  [ -n "$pair" ] || return 1
  old=$(jq -r --arg n "$pair" '.[] | select(.name == $n) | .measurements[0].cpu_time' "$WORK/cmp.json")
  new=$(jq -r --arg n "$pair" '.[] | select(.name == $n) | .measurements[0].cpu_time_other' "$WORK/cmp.json")
  pair=${pair%_mean}
  want_old=$(summed "${pair/\[thread-pool vs. process-pool\]/thread-pool}")
  want_new=$(summed "${pair/\[thread-pool vs. process-pool\]/process-pool}")
  echo "$wl: compare.py CPU $old vs $want_old (thread-pool), $new vs $want_new (process-pool)" >&2
  within_10pc "$old" "$want_old" && within_10pc "$new" "$want_new"
}
check "compare.py: cpu-hash CPU times within 10% of the summed accounting" compare_cpu cpu-hash
check "compare.py: io-sleep CPU times within 10% of the summed accounting" compare_cpu io-sleep
check "compare.py: its printed table has the pair" \
  grep -q '^cpu-hash/\[thread-pool vs. process-pool\]/workers:2/' "$WORK/cmp.txt"
# The console-full CPU column is the same figure (Google Benchmark's row).
"$BENCH" --workload=cpu-hash --executor=pool --workers=2 --tasks=64 --min-time=0.02 \
  --format=console-full --out="$WORK/one.json" >"$WORK/full.txt" 2>/dev/null
console_cpu() {
  local printed want
  printed=$(awk '/manual_time/ { print $4 }' "$WORK/full.txt")
  want=$(jq -r '.benchmarks[0].cpu_time' "$WORK/one.json")
  within_10pc "$printed" "$want"
}
check "console-full's CPU column is the summed CPU" console_cpu
finish
