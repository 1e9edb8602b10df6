#!/usr/bin/env bash
# bench overhead --quick: runs, exits 0, prints every row on the console and
# in JSON (every figure present and finite, ratios finite where a reference
# exists), writes --out atomically, refuses bad arguments with one line.
# Never a speed assertion: the figures are for reading, not for testing.
. "$(dirname "$0")/lib.sh"

rows='[
  ["fork+_exit+waitpid","raw"], ["minimal fork (tiny process)","raw"],
  ["pthread_create+join","raw"],
  ["posix_spawn+exec+waitpid","raw"], ["empty parallel region","libgomp"],
  ["dispatch per empty task","omp"], ["dispatch per empty task","thread-pool"],
  ["dispatch per empty task","process-pool"], ["dispatch per empty task","serial"],
  ["dispatch per empty task","thread-per-task"], ["dispatch per empty task","process-per-task"],
  ["dispatch per empty task","process-spawn"],
  ["empty job fork-join","thread-pool"], ["empty job fork-join","process-pool"],
  ["empty job vs raw fork-join","process-pool"],
  ["empty job fork-join","omp"],
  ["start+stop per worker","thread-pool"], ["start+stop per worker","process-pool"],
  ["cost per task, W=1","thread-per-task"], ["cost per task, W=1","process-per-task"],
  ["cost per task, W=1","process-spawn"],
  ["per task, start=fork","process-per-task"],
  ["per task, start=forkserver","process-per-task"],
  ["per task, start=spawn","process-spawn"],
  ["cpu-hash efficiency","thread-pool"], ["cpu-hash efficiency","process-pool"],
  ["cpu-hash efficiency","omp"],
  ["cpu-hash W=16 vs W=2","thread-pool"], ["cpu-hash W=16 vs W=2","process-pool"]]'
# Without OpenMP the libgomp and omp rows say so instead of a figure.
no_omp=false
"$BENCH" --list | grep -A1 '^  omp ' | grep -q unavailable && no_omp=true

j=$WORK/overhead.json
"$BENCH" overhead --quick --format=json --out "$j" >"$WORK/stdout.json" 2>"$WORK/stderr.txt"
check "overhead --quick --format=json: exit 0" [ $? -eq 0 ]
check "stdout and --out hold the same document" cmp -s <(jq -S . "$j") <(jq -S . "$WORK/stdout.json")
check "every row, in order" \
  jq -e --argjson rows "$rows" '[.rows[] | [.figure, .executor]] == $rows' "$j"
check "every figure present and finite (or unavailable in this build)" \
  jq -e --argjson no_omp "$no_omp" 'all(.rows[];
    if .error == null then (.measured | type) == "number" and .measured > 0
    else $no_omp and (.error | test("OpenMP")) end)' "$j"
check "ratios are finite where there is a reference, met is a boolean where a target is" \
  jq -e 'all(.rows[] | select(.error == null and .reference != null);
    (.ratio | type) == "number" and .ratio > 0 and
    (if .target != null then (.met | type) == "boolean" else .met == null end))' "$j"
check "every target row of issue 9 has its reference" \
  jq -e --argjson no_omp "$no_omp" '[.rows[] | select(.target != null and .error == null) |
    select(.reference == null)] | length == 0 or $no_omp' "$j"
check "the start method rows: against the minimal fork, each start named" \
  jq -e '[.rows[] | select(.figure | startswith("per task, start="))] |
    length == 3 and all(.[]; .reference_name == "minimal fork, interleaved" and
      ("per task, start=" + .start) == .figure) and
    .[1].target == 1.2' "$j"
check "the raw fork-join anchor: every variant measured, the best is the reference" \
  jq -e '[.rows[] | select(.figure == "empty job vs raw fork-join")] | length == 1 and
    (.[0] | .error == null and .target == 1.2 and .target_is == "max" and
      ([.anchors.sleep, .anchors.spin, .anchors.yield, .anchors.barrier] | all(type == "number" and . > 0)) and
      .reference == ([.anchors[]] | min) and
      .reference_name == "raw fork-join, " + (.anchors | to_entries | min_by(.value) | .key) and
      .ratio == .measured / .reference)' "$j"
check "start+stop rows: against their raw loop, interleaved" \
  jq -e '[.rows[] | select(.figure == "start+stop per worker")] | length == 2 and
    all(.[]; .reference > 0 and (.reference_name | endswith(", interleaved")) and
      .ratio == .measured / .reference and .target == 1.2) and
    (.[0].reference_name | startswith("pthread_create+join")) and
    (.[1].reference_name | startswith("fork+_exit+waitpid"))' "$j"
check "every row says whether the machine was quiet, with the reasons when not" \
  jq -e 'all(.rows[]; (.noisy == 0 or .noisy == 1) and (.noisy_reasons | type) == "string" and
    ((.noisy == 1) == (.noisy_reasons != "")) and has("noise_foreign_cpu") and has("noise_cv"))' "$j"
check "every process row names its start method" \
  jq -e 'all(.rows[] | select(.executor | startswith("process-"));
    .start == "fork" or .start == "forkserver" or .start == "spawn")' "$j"
check "the context says how it was measured" \
  jq -e '.overhead_version == 1 and .context.quick == true and .context.repetitions == 3 and
    .context.online_cpus >= 1' "$j"

"$BENCH" overhead --quick >"$WORK/console.txt" 2>&1
check "console: exit 0" [ $? -eq 0 ]
console_rows() {
  jq -r '.[] | "\(.[0])\t\(.[1])"' <<<"$rows" | while IFS=$'\t' read -r figure executor; do
    grep -F -- "$figure" "$WORK/console.txt" | grep -qw -- "$executor" || return 1
  done
}
check "console: every row printed" console_rows
check "console: the header names the columns" \
  grep -qE 'figure +executor +measured +reference .* ratio +target +met\? +machine$' "$WORK/console.txt"
check "console: every measured row ends with the machine's state" \
  bash -c "grep -E '(raw|libgomp|pool|omp|serial|task|spawn) ' '$WORK/console.txt' | grep -v error: |
    grep -vcE '(quiet|unknown|noisy: .+)\$' | grep -qx 0"

one_line_error() {
  local out status
  out=$("$BENCH" overhead "$@" 2>&1 >/dev/null)
  status=$?
  [ "$status" -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && [[ $out == "bench: overhead: "* ]]
}
"$BENCH" overhead --quick --only="start+stop" --format=json >"$WORK/only.json" 2>/dev/null
check "--only: exactly the rows that contain the text" \
  jq -e '[.rows[] | [.figure, .executor]] ==
    [["start+stop per worker","thread-pool"], ["start+stop per worker","process-pool"]]' "$WORK/only.json"
"$BENCH" overhead --quick --only="empty job fork-join" --format=json >"$WORK/only.json" 2>/dev/null
check "--only: the rows a ratio refers to come along" \
  jq -e --argjson no_omp "$no_omp" '[.rows[].figure] | index("empty parallel region") != null and
    (map(select(. == "empty job fork-join")) | length) == 3 and length == 4 and
    ($no_omp or true)' "$WORK/only.json"
check "--only matching no row: exit 2, one line" one_line_error --only=no-such-row
check "unknown argument: exit 2, one line" one_line_error --bogus
check "--out without a file: exit 2, one line" one_line_error --out
check "unwritable --out: exit 2, one line" one_line_error --quick --out "$WORK/no/such/dir/x.json"
check "no process left" no_bench_processes
check "no temp file left" tmp_is_clean
check "no stray file beside --out" [ "$(ls "$WORK" | grep -c overhead)" -eq 1 ]
finish
