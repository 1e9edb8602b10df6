#!/bin/sh
# `meson benchmark -C build report-large`: bench report on about 2000 groups,
# timed (a benchmark, not a test: nothing here asserts a time). Writes the
# 2000-group results file with tests/report/make_large.py from the
# breakdown fixture, then prints wall time, CPU time and peak memory of:
#   - the default report (plots of the first 50 groups, batched gnuplot),
#   - the same without gnuplot on PATH (tables, CSV and HTML only),
#   - two copies of the file (a comparison of 6000 configurations), to show
#     that memory grows with the data, not with anything per file,
# with the load average before each, and the size of index.html.
# Usage: report_large.sh PATH_TO_BENCH FIXTURES_DIR MAKE_LARGE.py [GROUPS]
set -eu
BENCH=$(readlink -f "$1")
FIX=$(readlink -f "$2")
MAKE=$(readlink -f "$3")
G=${4:-2000}
D=$(mktemp -d "${TMPDIR:-/tmp}/report-large.XXXXXX")
trap 'rm -rf "$D"' EXIT
/usr/bin/python3 "$MAKE" "$FIX/breakdown.json" "$D/large.json" "$G"
echo "report_large: $G groups, $(du -k "$D/large.json" | cut -f1) KiB of results"
run() {
	name=$1
	shift
	echo "report_large: $name: load $(cut -d' ' -f1-3 /proc/loadavg)"
	/usr/bin/time -f "report_large: $name: %e s wall, %U s user, %S s sys, %M KiB peak RSS" \
		"$@" >/dev/null 2>"$D/err" || { cat "$D/err"; exit 1; }
	grep '^report_large' "$D/err"
}
run "default" "$BENCH" report "$D/large.json" -o "$D/r1"
echo "report_large: default: index.html $(du -k "$D/r1/index.html" | cut -f1) KiB, $(find "$D/r1/plots" -name '*.svg' | wc -l) plots"
run "no gnuplot" env PATH=/nonexistent "$BENCH" report "$D/large.json" -o "$D/r2"
run "two files, no gnuplot" env PATH=/nonexistent "$BENCH" report "$D/large.json" "$D/large.json" -o "$D/r3"
