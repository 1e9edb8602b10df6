#!/usr/bin/env bash
# Output targets (docs/reliability.md), for every writer: a character device
# and a FIFO (with a reader) are written in place and stay what they are; a
# symbolic link's target is written and the link stays; a regular file is
# replaced keeping its mode (0600 stays 0600); a directory, a socket and a
# block device are refused with one line before anything is measured; a
# file-size limit and a full device are named as such. Device nodes are
# made with mknod in the test's own directory, never the real /dev ones
# (creating them needs root: without it those cases are skipped).
# Usage: outtargets.sh PATH_TO_BENCH FIXTURES_DIR
. "$(dirname "$0")/lib.sh"
FIX=$(readlink -f "${2:?usage: $0 PATH_TO_BENCH FIXTURES_DIR}")
F=$FIX/base.json
FAKE=$FIX/../fake_bench.sh
quick=(--workload=cpu-hash --executor=serial --workers=1 --tasks=4 --min-time=0.01)
# A run that would take minutes: refused before it, it ends at once.
slow=(--workload=io-sleep --param sleep=2s --executor=serial --workers=1 --tasks=8 --min-time=30)
root=false
[ "$(id -u)" -eq 0 ] && root=true

# Writers: w_NAME PATH writes its output to PATH; v_NAME FILE checks it.
w_out() { "$BENCH" "${quick[@]}" --format=json --out="$1" >/dev/null; }
w_trace() { "$BENCH" "${quick[@]}" --format=json --trace="$1" >/dev/null; }
w_compare() { "$BENCH" compare "$F" "$F" --format=json --out="$1" >/dev/null; }
w_claims() { "$BENCH" claims --quick --only=1 --format=json --out="$1" >/dev/null; }
# bench ab against the stand-in baseline (tests/gate/fake_bench.sh).
tiny=(--workload=cpu-hash --param work=100 --executor=serial --tasks=10 --min-time=0.001)
w_ab() { (cd "$WORK" && "$BENCH" ab --baseline="$FAKE" --runs=2 --threshold=50% \
	--format=json --out="$1" "${tiny[@]}" >/dev/null); }
v_json() { jq -e . "$1" >/dev/null; }
v_out() { jq -e '.benchmarks | length > 0' "$1" >/dev/null; }
v_trace() { jq -e '.traceEvents | length > 0' "$1" >/dev/null; }
v_compare() { v_json "$1"; }
v_claims() { jq -e '.claims | length > 0' "$1" >/dev/null; }
v_ab() { v_json "$1"; }
# The same writers, refused before anything is measured.
# (the slow run would outlast the timeout: exit 124, not 2).
T=(timeout 60 "$BENCH")
r_out() { "${T[@]}" "${slow[@]}" --out="$1"; }
r_trace() { "${T[@]}" "${slow[@]}" --trace="$1"; }
r_compare() { "${T[@]}" compare "$F" "$F" --out="$1"; }
r_claims() { "${T[@]}" claims --only=1 --out="$1"; }
r_ab() { (cd "$WORK" && "${T[@]}" ab --baseline="$FAKE" --runs=2 --out="$1" "${slow[@]}"); }
r_overhead() { "${T[@]}" overhead --out "$1"; }

n=0
fresh() {
	n=$((n + 1))
	D=$WORK/t$n
	mkdir -p "$D"
}

# A character device (null) written in place; a full one (/dev/full's
# numbers) fails with ENOSPC; both stay character devices.
device_in_place() {
	local w=$1 status
	fresh
	mknod -m 666 "$D/nul" c 1 3 || return 1
	"w_$w" "$D/nul" 2>"$D/err" || { cat "$D/err" >&2; return 1; }
	[ -c "$D/nul" ] && [ "$(stat -c %t:%T "$D/nul")" = 1:3 ] &&
		[ -z "$(ls -A "$D" | grep -v '^nul$\|^err$')" ]
}
device_full() {
	local w=$1 status
	fresh
	mknod -m 666 "$D/full" c 1 7 || return 1
	"w_$w" "$D/full" 2>"$D/err"
	status=$?
	[ "$status" -eq 2 ] || { echo "  exit $status" >&2; return 1; }
	grep -q "full: No space left on device$" "$D/err" &&
		[ -c "$D/full" ] && [ "$(stat -c %t:%T "$D/full")" = 1:7 ]
}
# A FIFO with a reader: the reader gets the whole document.
fifo_reader() {
	local w=$1 reader
	fresh
	mkfifo "$D/ff"
	cat "$D/ff" >"$D/got" &
	reader=$!
	"w_$w" "$D/ff" 2>"$D/err" || { cat "$D/err" >&2; kill $reader; return 1; }
	wait $reader
	[ -p "$D/ff" ] && "v_$w" "$D/got"
}
# A dangling symbolic link: its target is written, the link stays.
symlink_target() {
	local w=$1
	fresh
	ln -s "$D/target" "$D/ln"
	"w_$w" "$D/ln" 2>"$D/err" || { cat "$D/err" >&2; return 1; }
	[ -L "$D/ln" ] && [ -f "$D/target" ] && "v_$w" "$D/target" &&
		[ "$(ls -A "$D" | sort | tr '\n' ' ')" = "err ln target " ]
}
# A 0600 file (behind a link, with a second hard link): replaced, still
# 0600; the other hard link keeps the old content (documented).
mode_kept() {
	local w=$1
	fresh
	echo old >"$D/m"
	chmod 600 "$D/m"
	ln "$D/m" "$D/m.hard"
	ln -s m "$D/ln"
	"w_$w" "$D/ln" 2>"$D/err" || { cat "$D/err" >&2; return 1; }
	[ "$(stat -c %a "$D/m")" = 600 ] && "v_$w" "$D/m" &&
		[ "$(cat "$D/m.hard")" = old ] && [ -L "$D/ln" ]
}
# Refused with one line and exit 2, before anything runs (the slow run
# would outlast the timeout), the node left as it was.
refused() {
	local w=$1 kind=$2 want=$3 status
	fresh
	case $kind in
	dir) mkdir "$D/x" ;;
	socket) /usr/bin/python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$D/x" || return 1 ;;
	block) mknod "$D/x" b 7 250 || return 1 ;;
	esac
	local before
	before=$(stat -c %F "$D/x")
	"r_$w" "$D/x" >/dev/null 2>"$D/err"
	status=$?
	[ "$status" -eq 2 ] || { echo "  exit $status, expected 2" >&2; return 1; }
	[ "$(wc -l <"$D/err")" -eq 1 ] && grep -q "^bench: .*$D/x: .*$want" "$D/err" ||
		{ cat "$D/err" >&2; return 1; }
	[ "$(stat -c %F "$D/x")" = "$before" ]
}

for w in out trace compare claims ab; do
	if $root; then
		check "$w: character device written in place" device_in_place $w
		check "$w: full device: ENOSPC named" device_full $w
	fi
	check "$w: FIFO with a reader" fifo_reader $w
	check "$w: symbolic link: target written" symlink_target $w
	check "$w: 0600 kept, hard link keeps the old file" mode_kept $w
done
for w in out trace compare claims ab overhead; do
	check "$w: directory refused" refused $w dir "Is a directory"
	check "$w: socket refused" refused $w socket "Is a socket"
	$root && check "$w: block device refused" refused $w block "Is a block device"
done

# /dev/stdout on a regular file (a shell's >> redirection): that file is
# written in place, after what it already held, never replaced.
for w in out compare; do
	printf 'kept line\n' >"$D/so-$w"
	case $w in
	out) "$BENCH" "${quick[@]}" --format=json --out=/dev/stdout >>"$D/so-$w" 2>/dev/null ;;
	compare) "$BENCH" compare "$F" "$F" --format=json --out=/dev/stdout >>"$D/so-$w" 2>/dev/null ;;
	esac
	check "$w: /dev/stdout on a file: exit 0" [ $? -eq 0 ]
	check "$w: /dev/stdout on a file: what it held is kept" [ "$(head -1 "$D/so-$w")" = "kept line" ]
	check "$w: /dev/stdout on a file: the document follows it" \
		bash -c 'tail -n +2 "$1" | jq -e . >/dev/null' _ "$D/so-$w"
done

# A FIFO without a reader yet: bench waits for one at the end; SIGINT then
# ends it with 130 and one line.
fresh
mkfifo "$D/ff"
"$BENCH" "${quick[@]}" --out="$D/ff" >/dev/null 2>"$D/err" &
pid=$!
sleep 1
cat "$D/ff" >"$D/got"
wait $pid
check "FIFO read later: exit 0" [ $? -eq 0 ]
check "FIFO read later: the whole document" v_out "$D/got"
"$BENCH" "${quick[@]}" --out="$D/ff" >/dev/null 2>"$D/err" &
pid=$!
sleep 2
kill -INT $pid
wait $pid
check "FIFO never read: SIGINT exits 130" [ $? -eq 130 ]
check "FIFO never read: one line says so" \
	grep -q "ff: interrupted by SIGINT while waiting for a reader$" "$D/err"

# A file-size limit: the real error (EFBIG), the old file kept, no
# temporary file left beside it.
fresh
echo old >"$D/r.json"
(ulimit -f 2; "$BENCH" "${quick[@]}" --out="$D/r.json" >/dev/null 2>"$D/err")
check "ulimit -f: --out exit 2" [ $? -eq 2 ]
check "ulimit -f: --out says File too large" grep -q "r.json: File too large$" "$D/err"
check "ulimit -f: --out kept, nothing left" \
	[ "$(cat "$D/r.json")" = old -a "$(ls -A "$D" | tr '\n' ' ')" = "err r.json " ]
(ulimit -f 2; "$BENCH" report "$F" -o "$D/rep" >/dev/null 2>"$D/err")
check "ulimit -f: report -o exit 2" [ $? -eq 2 ]
check "ulimit -f: report -o says File too large" grep -q "File too large$" "$D/err"
check "ulimit -f: report -o leaves nothing" [ ! -e "$D/rep" -a -z "$(ls -A "$D" | grep rep)" ]

# bench report -o DIR: a directory output. A link to a directory: the
# target replaced, the link kept; a 0700 directory stays 0700; a device, a
# FIFO, a socket are refused.
fresh
mkdir -m 700 "$D/real"
ln -s real "$D/ln"
"$BENCH" report "$F" -o "$D/ln" >/dev/null 2>&1
check "report -o link: exit 0" [ $? -eq 0 ]
check "report -o link: the link stays" [ -L "$D/ln" ]
check "report -o link: its target is the report" [ -s "$D/real/index.html" ]
check "report -o link: 0700 kept" [ "$(stat -c %a "$D/real")" = 700 ]
"$BENCH" report "$F" -o "$D/ln" >/dev/null 2>&1
check "report -o again: 0700 kept" [ "$(stat -c %a "$D/real")" = 700 ]
ln -s new "$D/dangling"
"$BENCH" report "$F" -o "$D/dangling" >/dev/null 2>&1
check "report -o dangling link: target made" [ -L "$D/dangling" -a -s "$D/new/index.html" ]
mkfifo "$D/ff"
"$BENCH" report "$F" -o "$D/ff" >/dev/null 2>"$D/err"
check "report -o FIFO: exit 2" [ $? -eq 2 ]
check "report -o FIFO: one line" [ "$(wc -l <"$D/err")" -eq 1 ]
check "report -o FIFO: still a FIFO" [ -p "$D/ff" ]
if $root; then
	mknod "$D/nul" c 1 3
	"$BENCH" report "$F" -o "$D/nul" >/dev/null 2>"$D/err"
	check "report -o device: exit 2, one line" [ $? -eq 2 -a "$(wc -l <"$D/err")" -eq 1 ]
	check "report -o device: still the device" [ -c "$D/nul" ]
fi

check "no bench process left" no_bench_processes
finish
