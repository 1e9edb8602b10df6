#!/usr/bin/env bash
# bench report from the outside: every output written and valid, HTML and
# Markdown referencing only files that exist, values in the CSV files, bad
# input refused with exit 2 and one message line, no partial output left
# behind, gnuplot missing handled.
# Usage: report.sh PATH_TO_BENCH FIXTURES_DIR [MAKE_LARGE.py]
. "$(dirname "$0")/../integration/lib.sh"
FIX=$(readlink -f "${2:?usage: $0 BENCH FIXTURES_DIR [MAKE_LARGE.py]}")
MAKE_LARGE=$(readlink -f "${3:-$(dirname "$0")/make_large.py}")
cd "$WORK" || exit 1

have_gnuplot=0
command -v gnuplot >/dev/null && have_gnuplot=1

# leftovers: no temporary directory of ours in WORK
no_leftovers() {
  [ -z "$(find "$WORK" -maxdepth 1 -name '.*.tmp-*' -o -maxdepth 1 -name '.*.old-*')" ]
}

# every id attribute of an HTML file appears once
ids_unique() {
  [ -z "$(grep -Eo "id=[\"'][^\"']*" "$1" | sort | uniq -d)" ]
}

# every url(#X) and href="#X" names an id of the same file
refs_resolve() {
  grep -Eo "(url\(#|href=[\"']#)[^\"')]*" "$1" | sed 's/.*#//' | sort -u >refs
  grep -Eo "id=[\"'][^\"']*" "$1" | sed 's/^id=.//' | sort -u >ids
  [ -s refs ] && [ -z "$(comm -23 refs ids)" ]
}

# no src= at all, and href= only to anchors of the page
self_contained() {
  ! grep -Eq "src=|href=[\"'][^#]" "$1"
}

# --- one file, repetitions, three executors ---------------------------------
"$BENCH" report "$FIX/cpu-hash.json" -o r1 >out.txt 2>err.txt
check "report exits 0" [ $? -eq 0 ]
check "no warning for a clean file" [ ! -s err.txt ]
check "index.html" [ -s r1/index.html ]
check "report.md" [ -s r1/report.md ]
g=f1-cpu-hash_tasks-100
for f in summary.csv fits.csv $g.csv $g-fit.csv; do
  check "data/$f" [ -s "r1/data/$f" ]
done
if [ $have_gnuplot = 1 ]; then
  for k in speedup efficiency walltime overhead creation usl; do
    check "plot $k svg" [ -s "r1/plots/$g-$k.svg" ]
    check "plot $k png" [ -s "r1/plots/$g-$k.png" ]
    check "plot $k script" [ -s "r1/plots/$g-$k.gp" ]
    check "$k.png is a PNG" [ "$(head -c 8 "r1/plots/$g-$k.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
    check "$k.svg is valid XML with an svg root" /usr/bin/python3 -c '
import sys, xml.etree.ElementTree as ET
sys.exit(0 if ET.parse(sys.argv[1]).getroot().tag.endswith("svg") else 1)' "r1/plots/$g-$k.svg"
  done
  check "no memory plot without a memory counter" [ ! -e "r1/plots/$g-memory.svg" ]
  check "html inlines the svg plots" [ "$(grep -c '<svg' r1/index.html)" -eq 6 ]
  check "markdown links the png plots" [ "$(grep -c '^!\[.*\](plots/.*\.png)' r1/report.md)" -eq 6 ]
  check "svg ids unique across the inlined plots" ids_unique r1/index.html
  check "every local reference in the html resolves" refs_resolve r1/index.html
fi
check "html is self-contained (no src= or external href)" self_contained r1/index.html
check "markdown references only existing files" bash -c '
  cd r1 && grep -o "](\([^)]*\))" report.md | sed "s/^](//; s/)\$//" |
    while read -r f; do [ -e "$f" ] || { echo "missing $f"; exit 1; }; done'
check "html parses as XML-ish: one html and one body" \
  [ "$(grep -c '<body>' r1/index.html)" -eq 1 ]
check "summary first in html" bash -c \
  "grep -o '<h[12][^>]*>[^<]*' r1/index.html | sed -n 2p | grep -q Summary"
# Values (the unit test checks them all against numpy; here: do they reach
# the CSV?): thread-pool at 2 workers, speedup 1.3614000961918142.
check "speedup in the CSV" bash -c \
  "grep '^thread-pool,2,3,' r1/data/$g.csv | cut -d, -f7 | grep -q '^1.3614001'"
check "best executor in the summary CSV" \
  grep -q '^f1,cpu-hash/tasks:100,2,process-pool,' r1/data/summary.csv
check "USL fit in fits.csv" grep -q '^f1,cpu-hash/tasks:100,thread-pool,0.687033764' r1/data/fits.csv
check "markdown has the summary table" grep -q '^| f1 | cpu-hash/tasks:100 | 2 | process-pool |' r1/report.md
check "markdown has the machine context" grep -q 'AMD EPYC' r1/report.md
check "markdown names the command" grep -q 'workers=1..4' r1/report.md
check "no temporary directories left" no_leftovers

# --- rerun over an existing report replaces it --------------------------------
touch r1/stale-file
"$BENCH" report "$FIX/cpu-hash.json" -o r1 >/dev/null 2>&1
check "rerun over a report exits 0" [ $? -eq 0 ]
check "rerun replaced the whole directory" [ ! -e r1/stale-file ]
check "no temporary directories left after a rerun" no_leftovers

# --- two files: comparison ------------------------------------------------------
"$BENCH" report "$FIX/cpu-hash.json" "$FIX/cpu-hash-b.json" -o r2 >/dev/null 2>err.txt
check "comparison exits 0" [ $? -eq 0 ]
check "comparison CSV" [ "$(wc -l <r2/data/compare-f2.csv)" -eq 10 ]
check "comparison section" grep -q '^## Comparison: f2 against f1' r2/report.md
check "comparison sorted worst first" bash -c \
  "tail -n +2 r2/data/compare-f2.csv | cut -d, -f5 | sort -gr -c"
if [ $have_gnuplot = 1 ]; then
  check "comparison plot" [ -s r2/plots/compare-f2.png ]
fi
# numbers: process-pool at 1 worker, ratio 1.343 with a 95% CI above 1;
# thread-pool at 1 worker, ratio 0.768 with a CI below 1
check "regression flagged" grep -q '^1,cpu-hash/process-pool/workers:1/tasks:100/manual_time,.*,regression,' r2/data/compare-f2.csv
check "improvement flagged" grep -q '^9,cpu-hash/thread-pool/workers:1/tasks:100/manual_time,.*,improvement,' r2/data/compare-f2.csv
check "regression highlighted in markdown" grep -q '^| \*\*cpu-hash/process-pool/workers:1' r2/report.md
check "regression highlighted in html" grep -q '<tr class="bad"><td>cpu-hash/process-pool/workers:1' r2/index.html
"$BENCH" report "$FIX/cpu-hash.json" "$FIX/cpu-hash-b.json" --threshold=50% -o r2b >/dev/null 2>&1
check "--threshold=50: no regression" bash -c "! grep -q ',regression,' r2b/data/compare-f2.csv"
check "same machine: no mixed-machine warning" bash -c "! grep -q 'mixed machines' err.txt"

# --- no repetitions, no serial, failed configurations ---------------------------
"$BENCH" report "$FIX/norep.json" -o r3 >/dev/null 2>err.txt
check "file without repetitions exits 0" [ $? -eq 0 ]
check "one repetition each" grep -q '^thread-pool,2,1,' r3/data/f1-io-sleep_tasks-20_sleep-200us.csv
"$BENCH" report "$FIX/noserial.json" -o r4 >/dev/null 2>err.txt
check "no serial baseline exits 0" [ $? -eq 0 ]
check "no serial baseline is warned" grep -q '^bench: report: warning: .*no serial baseline: speedup unavailable' err.txt
check "speedup marked unavailable" grep -q '| thread-pool | 2 | 1 | [0-9.]* | [0-9. -]* | n/a |' r4/report.md
check "speedup left empty in CSV" bash -c "grep '^thread-pool,2,' r4/data/f1-cpu-hash_tasks-100.csv | cut -d, -f7 | grep -qx ''"
"$BENCH" report "$FIX/fault.json" -o r5 >/dev/null 2>err.txt
check "failed configurations exit 0" [ $? -eq 0 ]
check "failures listed" grep -q 'Failed configurations' r5/report.md
check "failure message shown" grep -q 'killed by SIGSEGV' r5/report.md
check "failures warned" grep -q '3 configurations failed' err.txt

# --- profiling counters: shown as they are, memory plotted --------------------
"$BENCH" report "$FIX/counters.json" -o r8 >/dev/null 2>err.txt
check "counters file exits 0" [ $? -eq 0 ]
check "other counters table" grep -q '^Other counters' r8/report.md
check "counters in the CSV header" grep -q ',mem_peak_rss_bytes,' r8/data/f1-cpu-hash_tasks-50.csv
if [ $have_gnuplot = 1 ]; then
  check "memory plot" [ -s r8/plots/f1-cpu-hash_tasks-50-memory.png ]
fi
check "USL not fitted with two worker counts above 1, and says why" \
  grep -q 'USL not fitted: needs 3 worker counts above 1, has 2' r8/report.md

# --- the breakdown plot and the answer paragraph --------------------------------
"$BENCH" report "$FIX/breakdown.json" -o r11 >/dev/null 2>err.txt
check "breakdown file exits 0" [ $? -eq 0 ]
b=f1-cpu-hash_tasks-200
check "breakdown CSV" [ -s "r11/data/$b-breakdown.csv" ]
check "breakdown CSV: one row per configuration" [ "$(wc -l <"r11/data/$b-breakdown.csv")" -eq 8 ]
# medians of the phase counters (tests/report/expected.py), microseconds
check "breakdown CSV values" grep -q '^thread-pool W=2,thread-pool,2,3584.733,114.32,6489.597,,121.883,3044.922,45.174,13400.629$' "r11/data/$b-breakdown.csv"
check "breakdown CSV: the parts add up to the total" awk -F, 'NR > 1 { s = 0; for (i = 4; i <= 10; i++) s += $i; if (s - $11 > 1e-3 || $11 - s > 1e-3) bad = 1 } END { exit bad }' "r11/data/$b-breakdown.csv"
check "no breakdown without phase counters" [ ! -e r1/data/f1-cpu-hash_tasks-100-breakdown.csv ]
if [ $have_gnuplot = 1 ]; then
  check "breakdown plot svg" [ -s "r11/plots/$b-breakdown.svg" ]
  check "breakdown plot png" [ -s "r11/plots/$b-breakdown.png" ]
  check "breakdown plot in markdown" grep -q "](plots/$b-breakdown.png)" r11/report.md
  check "breakdown plot names its parts" bash -c "grep -q '>dispatch<' r11/plots/$b-breakdown.svg && grep -q '>compute<' r11/plots/$b-breakdown.svg && ! grep -q '>gil wait<' r11/plots/$b-breakdown.svg"
  jq '.benchmarks |= map(if .run_type == "iteration" then .gil_wait_s = (.compute_s * .threads / 2) else . end)' "$FIX/breakdown.json" >gil.json
  "$BENCH" report gil.json -o r12 >/dev/null 2>&1
  check "gil wait drawn where measured" grep -q '>gil wait<' "r12/plots/$b-breakdown.svg"
fi
# The answer, first in both documents, with numbers of this input: process-pool
# at W=1 is the fastest median (8.48 ms), 1.17x serial; thread-pool at W=2 next.
check "answer paragraph in markdown, before the summary" bash -c "grep -n -m1 '^\*\*Answer.\*\* cpu-hash/tasks:200: fastest is process-pool at W=1, 8.48 ms a job, 1.17x serial' r11/report.md | cut -d: -f1 | { read -r a; s=\$(grep -n -m1 '^## Summary' r11/report.md | cut -d: -f1); [ \"\$a\" -lt \"\$s\" ]; }"
check "answer names the runner-up and why" grep -q 'Next: thread-pool at W=2, 1.23x slower (10.4 ms): its create takes 3.58 ms' r11/report.md
check "answer paragraph in html" grep -q '<p class="answer" id="answer"><strong>Answer.</strong> cpu-hash/tasks:200: fastest is process-pool' r11/index.html
check "answer without a serial baseline says so" grep -q '^\*\*Answer.\*\* .*speedup n/a (no serial baseline)' r4/report.md

# --- many groups: batched gnuplot, plots past the page budget linked ------------
if [ $have_gnuplot = 1 ]; then
  /usr/bin/python3 "$MAKE_LARGE" "$FIX/breakdown.json" many.json 18
  # a gnuplot that logs each start, then runs the real one
  mkdir -p logbin
  printf '#!/bin/sh\necho "$$ $*" >>%s/gnuplot-starts\nexec %s "$@"\n' "$WORK" "$(command -v gnuplot)" >logbin/gnuplot
  chmod +x logbin/gnuplot
  PATH=$WORK/logbin:$PATH "$BENCH" report many.json -o r13 --plot-groups=all >/dev/null 2>err.txt
  check "18 groups exit 0" [ $? -eq 0 ]
  check "18 groups: no warning" [ ! -s err.txt ]
  nplots=$(find r13/plots -name '*.svg' | wc -l)
  check "18 groups: 7 plots each" [ "$nplots" -eq $((18 * 7)) ]
  check "18 groups: every plot has its png" [ "$(find r13/plots -name '*.png' | wc -l)" -eq "$nplots" ]
  check "gnuplot batched: at most one process per online CPU" [ "$(wc -l <gnuplot-starts)" -le "$(nproc)" ]
  check "no batch driver left in plots/" [ -z "$(find r13/plots -name '.batch-*')" ]
  inline=$(grep -c '<figure><svg' r13/index.html)
  linked=$(grep -o '<img src="plots/[^"]*\.svg"' r13/index.html | wc -l)
  check "some plots inlined, the rest linked" [ "$inline" -gt 0 ] && [ "$linked" -gt 0 ]
  check "every plot shown once, inline or linked" [ $((inline + linked)) -eq "$nplots" ]
  check "every linked plot exists" bash -c 'cd r13 && grep -o "<img src=\"[^\"]*\"" index.html | sed "s/^<img src=\"//; s/\"\$//" |
    while read -r f; do [ -s "$f" ] || exit 1; done'
  check "the page's inlined SVG stays within 2 MiB" [ "$(stat -c %s r13/index.html)" -lt $((3 << 20)) ]
  check "svg ids unique across the inlined plots (18 groups)" ids_unique r13/index.html
  # --plot-groups: the first N groups get plots, the others none, said once
  "$BENCH" report many.json -o r14 --plot-groups=2 >/dev/null 2>err.txt
  check "--plot-groups=2 exits 0" [ $? -eq 0 ]
  check "--plot-groups=2: plots of 2 groups" [ "$(find r14/plots -name '*.svg' | wc -l)" -eq 14 ]
  check "--plot-groups=2: the first two groups" [ -s r14/plots/f1-cpu-hash_tasks-200_size-2-speedup.svg ] && [ ! -e r14/plots/f1-cpu-hash_tasks-200_size-3-speedup.svg ]
  check "--plot-groups=2: warned once" [ "$(grep -c '18 groups: plots drawn for the first 2, not for the other 16' err.txt)" -eq 1 ]
  check "--plot-groups=2: tables of every group" [ "$(grep -c '^## cpu-hash/tasks:200/size:' r14/report.md)" -eq 18 ]
  "$BENCH" report many.json -o r15 --plot-groups=0 >/dev/null 2>&1
  check "--plot-groups=0: no plots" [ -z "$(find r15/plots -name '*.svg')" ]
  # one script failing in the middle of a batch: that plot is warned about,
  # every other one is drawn
  # (gnuplot runs in plots/: the wrapper breaks the walltime script's first line)
  printf '#!/bin/sh\nsed -i "1i this is not gnuplot" ./*-walltime.gp\nexec %s "$@"\n' "$(command -v gnuplot)" >logbin/gnuplot
  PATH=$WORK/logbin:$PATH "$BENCH" report "$FIX/breakdown.json" -o r16 >/dev/null 2>err.txt
  check "a failing plot in a batch: exits 0" [ $? -eq 0 ]
  check "a failing plot in a batch: warned" grep -q 'gnuplot failed on plots/f1-cpu-hash_tasks-200-walltime.gp' err.txt
  check "a failing plot in a batch: only that one" [ "$(grep -c 'gnuplot failed' err.txt)" -eq 1 ]
  check "a failing plot in a batch: the others drawn" [ "$(find r16/plots -name '*.svg' | wc -l)" -eq 6 ]
  check "a failing plot in a batch: its outputs removed" [ ! -e r16/plots/f1-cpu-hash_tasks-200-walltime.svg ]
fi

# --- mixed machines ---------------------------------------------------------------
jq '.context.host_name = "other" | .context.online_cpus = "8"' "$FIX/cpu-hash-b.json" >other.json
"$BENCH" report "$FIX/cpu-hash.json" other.json -o r6 >/dev/null 2>err.txt
check "mixed machines exit 0" [ $? -eq 0 ]
check "mixed machines warned" grep -q 'mixed machines: host_name' err.txt
check "mixed machines shown in the report" grep -q 'mixed machines' r6/report.md

# --- bad input: exit 2, one line, nothing written -----------------------------------
echo '{"context": {}, "benchmarks": [' >truncated.json
echo '{"context": {}, "benchmarks": [{"name": "BM_Foo", "real_time": 1, "time_unit": "ns"}]}' >foreign.json
echo '[1, 2, 3]' >array.json
echo 'not json' >text.json
printf '{"context": {}, "benchmarks": [{"name": "w/serial/workers:1"}]}' >notime.json
mkdir adir
: >empty.json
for bad in adir empty.json missing.json truncated.json foreign.json array.json text.json notime.json; do
  "$BENCH" report "$bad" -o bad >/dev/null 2>err.txt
  check "$bad exits 2" [ $? -eq 2 ]
  check "$bad: one line" [ "$(wc -l <err.txt)" -eq 1 ]
  check "$bad: message names bench report" grep -q '^bench: report: ' err.txt
  check "$bad: nothing written" [ ! -e bad ]
  check "$bad: no temporary directory" no_leftovers
done
"$BENCH" report "$FIX/cpu-hash.json" truncated.json -o bad >/dev/null 2>&1
check "one bad file among good ones exits 2" [ $? -eq 2 ]
check "... and writes nothing" [ ! -e bad ]
"$BENCH" report -o bad >/dev/null 2>err.txt
check "no input exits 2" [ $? -eq 2 ]
check "no input: one line" [ "$(wc -l <err.txt)" -eq 1 ]
"$BENCH" report "$FIX/cpu-hash.json" >/dev/null 2>err.txt
check "no -o exits 2" [ $? -eq 2 ]
check "no -o: one line" [ "$(wc -l <err.txt)" -eq 1 ]
"$BENCH" report "$FIX/cpu-hash.json" --bogus -o bad >/dev/null 2>err.txt
check "unknown option exits 2" [ $? -eq 2 ]
check "unknown option: one line" [ "$(wc -l <err.txt)" -eq 1 ]
"$BENCH" report "$FIX/cpu-hash.json" --threshold=abc -o bad >/dev/null 2>&1
check "bad threshold exits 2" [ $? -eq 2 ]
check "after all usage errors nothing written" [ ! -e bad ]
mkdir precious && echo keep >precious/file
"$BENCH" report "$FIX/cpu-hash.json" -o precious >/dev/null 2>err.txt
check "a non-report directory is not replaced" [ $? -eq 2 ]
check "... and is left as it was" [ "$(cat precious/file)" = keep ]
echo x >plainfile
"$BENCH" report "$FIX/cpu-hash.json" -o plainfile >/dev/null 2>&1
check "a plain file as DIR exits 2" [ $? -eq 2 ]
"$BENCH" report "$FIX/cpu-hash.json" -o nodir/sub/r >/dev/null 2>err.txt
check "an impossible DIR exits 2" [ $? -eq 2 ]
check "... with one line" [ "$(wc -l <err.txt)" -eq 1 ]
check "help exits 0" "$BENCH" report --help

# --- gnuplot missing: warning, tables and CSV still written ------------------------
PATH=/nonexistent "$BENCH" report "$FIX/cpu-hash.json" -o r7 >/dev/null 2>err.txt
check "without gnuplot exits 0" [ $? -eq 0 ]
check "without gnuplot: one clear warning" grep -q '^bench: report: warning: gnuplot not found' err.txt
check "without gnuplot: CSV written" [ -s r7/data/summary.csv ]
check "without gnuplot: markdown and html written" [ -s r7/report.md ] && [ -s r7/index.html ]
check "without gnuplot: no plot referenced" bash -c "! grep -q '](plots/' r7/report.md"
check "without gnuplot: no svg inlined" bash -c "! grep -q '<svg' r7/index.html"

# --- gnuplot failing, and a signal during the run ---------------------------------
mkdir -p fakebin
printf '#!/bin/sh\n/bin/sleep 0.3\nexit 1\n' >fakebin/gnuplot
chmod +x fakebin/gnuplot
PATH=$WORK/fakebin "$BENCH" report "$FIX/noserial.json" -o r9 >/dev/null 2>err.txt
check "gnuplot failing exits 0" [ $? -eq 0 ]
check "gnuplot failing is warned per plot" grep -q '^bench: report: warning: gnuplot failed on plots/.*walltime.gp' err.txt
check "gnuplot failing: no plot referenced" bash -c "! grep -q '](plots/' r9/report.md"
PATH=$WORK/fakebin "$BENCH" report "$FIX/cpu-hash.json" -o r10 >/dev/null 2>err.txt &
pid=$!
# signals are held from the moment the temporary directory exists
for _ in $(seq 100); do
  compgen -G "$WORK/.r10.tmp-*" >/dev/null && break
  sleep 0.1
done
kill -TERM $pid
wait $pid
check "SIGTERM during the run ends it by the signal" [ $? -eq 143 ]
check "SIGTERM: says so" grep -q '^bench: report: interrupted by TERM' err.txt
check "SIGTERM: nothing written" [ ! -e r10 ]
check "SIGTERM: no gnuplot child left" bash -c "! pgrep -f '$WORK/fakebin/[g]nuplot' >/dev/null"

# --- interrupted while gnuplot runs (issue 19, item 5) ----------------------------
# ended_within_2s PID: PID is gone within 2 s (polled), well before any
# gnuplot below would have finished on its own.
ended_within_2s() {
  for _ in $(seq 100); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.02
  done
  return 1
}
# slow_gnuplots: the fake slow gnuplots of this test still running.
slow_gnuplots() { pgrep -s "$SID" -f "sleep 29[.]5" >/dev/null; }
no_slow_gnuplots() { ! slow_gnuplots; }
# A gnuplot that takes 30 s a plot: the report is surely still running.
mkdir -p slowbin
printf '#!/bin/sh\nexec /bin/sleep 29.5\n' >slowbin/gnuplot
chmod +x slowbin/gnuplot
# wait_for_gnuplot: the report's temporary directory exists and a gnuplot runs.
wait_for_gnuplot() {
  for _ in $(seq 250); do
    compgen -G "$WORK/.$1.tmp-*" >/dev/null && slow_gnuplots && return 0
    sleep 0.02
  done
  return 1
}
for sig in INT TERM; do
  PATH=$WORK/slowbin:$PATH "$BENCH" report "$FIX/cpu-hash.json" -o s11 >/dev/null 2>err.txt &
  pid=$!
  check "SIG$sig while gnuplot runs: it runs" wait_for_gnuplot s11
  kill -$sig $pid
  check "SIG$sig while gnuplot runs: ends within 2 s" ended_within_2s $pid
  wait $pid
  status=$?
  want=$([ $sig = INT ] && echo 130 || echo 143)
  check "SIG$sig while gnuplot runs: exit $want" [ $status -eq "$want" ]
  check "SIG$sig while gnuplot runs: says so" grep -q "^bench: report: interrupted by $sig" err.txt
  check "SIG$sig while gnuplot runs: its gnuplot is killed" no_slow_gnuplots
  check "SIG$sig while gnuplot runs: temporary directory removed" no_leftovers
  check "SIG$sig while gnuplot runs: nothing written" [ ! -e s11 ]
done

# A large input with the real gnuplot, interrupted mid-way.
if [ $have_gnuplot = 1 ] && [ -x /usr/bin/python3 ]; then
  /usr/bin/python3 "$FIX/../make_large.py" "$FIX/breakdown.json" large.json 300
  "$BENCH" report large.json -o s12 >/dev/null 2>err.txt &
  pid=$!
  for _ in $(seq 500); do
    compgen -G "$WORK/.s12.tmp-*/plots/*.svg" >/dev/null && break
    sleep 0.02
  done
  check "large report: plots being drawn when interrupted" compgen -G "$WORK/.s12.tmp-*/plots/*.svg"
  kill -INT $pid
  check "large report, SIGINT: ends within 2 s" ended_within_2s $pid
  wait $pid
  check "large report, SIGINT: exit 130" [ $? -eq 130 ]
  check "large report, SIGINT: temporary directory removed" no_leftovers
  check "large report, SIGINT: no gnuplot left" bash -c '! pgrep -s "$1" -x gnuplot' _ "$SID"
else
  echo "SKIP: large report interrupted (needs gnuplot and /usr/bin/python3)"
fi

# SIGKILL leaves the temporary directory; the next run into s13 removes it,
# but not one that a running report holds (its flock).
PATH=$WORK/slowbin:$PATH "$BENCH" report "$FIX/cpu-hash.json" -o s13 >/dev/null 2>&1 &
pid=$!
check "SIGKILL: the report runs" wait_for_gnuplot s13
kill -KILL $pid
wait $pid 2>/dev/null
pkill -s "$SID" -f "sleep 29[.]5" # the orphaned fake gnuplot
check "SIGKILL: the temporary directory is left" compgen -G "$WORK/.s13.tmp-*"
mkdir .s13.tmp-HELD00 .s13.tmp-stale0 .s14.tmp-other0
flock .s13.tmp-HELD00 sleep 30 &
holder=$!
for _ in $(seq 100); do
  flock -n .s13.tmp-HELD00 true || break
  sleep 0.02
done
"$BENCH" report "$FIX/cpu-hash.json" -o s13 >/dev/null 2>err.txt
check "after SIGKILL: the next run exits 0" [ $? -eq 0 ]
check "after SIGKILL: the killed run's directory is removed" \
  bash -c '[ -z "$(find . -maxdepth 1 -name ".s13.tmp-*" ! -name .s13.tmp-HELD00)" ]'
check "after SIGKILL: a held directory is kept" [ -d .s13.tmp-HELD00 ]
check "after SIGKILL: another output's directory is kept" [ -d .s14.tmp-other0 ]
kill $holder
wait $holder 2>/dev/null
rmdir .s13.tmp-HELD00 .s14.tmp-other0

check "no temporary directories left at the end" no_leftovers
finish
