#!/usr/bin/env bash
# `meson install` puts the man page where man(1) finds it and the bash
# completion where bash-completion loads it; the completion offers the
# subcommands, every executor and workload of `bench --list`, parameters
# and flag values. Arguments: BENCH BUILD_DIR.
. "$(dirname "$0")/lib.sh"
build=${2:?usage: $0 BENCH BUILD_DIR}
dest=$WORK/dest

meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >"$WORK/install.log" 2>&1
check "meson install to a DESTDIR" [ $? -eq 0 ]
page=$(find "$dest" -path '*/man1/bench.1*' | head -1)
check "bench.1 installed under man1" [ -n "$page" ]
if command -v man >/dev/null && [ -n "$page" ]; then
  mandir=${page%/man1/*}
  check "man -l renders it" sh -c "MANWIDTH=80 man -l '$page' 2>/dev/null | grep -q 'bench - measure workloads'"
  check "man bench finds it on MANPATH" sh -c "MANPATH='$mandir' man -w bench | grep -qF '$page'"
  check "groff finds no error in it" sh -c "[ -z \"\$(MANWIDTH=80 man --warnings -l '$page' 2>&1 >/dev/null)\" ]"
  check "the man page names every run flag" sh -c "
    for f in \$('$BENCH' --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
      MANWIDTH=200 man -l '$page' 2>/dev/null | grep -q -- \"\$f\" || { echo \"missing \$f\" >&2; exit 1; }
    done"
fi
comp=$(find "$dest" -path '*/bash-completion/completions/bench*' | head -1)
check "bash completion installed" [ -n "$comp" ]
check "the installed completion is what the binary generates" \
  sh -c "'$BENCH' --completion=bash | cmp -s - '$comp'"

# The completions bash would offer for the words given (the last one is
# being completed), one per line.
complete_words() {
  BENCH_BIN=$BENCH bash -c '
    source "$1"; shift
    COMP_WORDS=("$BENCH_BIN" "$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    _bench; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
}
offers() { # offers "EXPECTED ONE LINE" WORDS...: the completions, space-joined
  local want=$1
  shift
  [ "$(complete_words "$@" | paste -sd' ')" = "$want" ]
}
# The subcommands: exactly those of --help's usage lines (one table in
# bench/main.c makes both).
subcommands=$("$BENCH" --help | sed -n 's/^ *bench \([a-z][a-z-]*\) .*/\1/p' | paste -sd' ')
check "subcommands" offers "$subcommands" ''
check "subcommands include gate-power and pyref" \
  [ "$subcommands" = "report compare ab gate-power info overhead claims pyref" ]
every_listed() {
  local kind=$1 flag=$2 names
  names=$("$BENCH" --list | awk -v k="$kind" '
    /^Workloads/ { s = "workload"; next } /^Executors/ { s = "executor"; next } /^$/ { s = "" }
    s == k && /^  [a-z]/ { print $1 }')
  [ -n "$names" ] || return 1
  for n in $names; do
    complete_words "$flag" "${n:0:3}" | grep -qx -- "$n" || { echo "$flag: no $n" >&2; return 1; }
  done
}
check "every executor of --list" every_listed executor --executor
check "every workload of --list" every_listed workload --workload
check "--executor=serial,po (words split at '='): the last element" offers 'serial,pool' --executor = serial,po
check "--executor=serial,po as one word" offers '--executor=serial,pool' --executor=serial,po
check "--param offers WORKLOAD.KEY=" offers 'cpu-hash.work=' --param cpu-hash.w
check "--format values" offers 'console console-full csv' --format c
check "flags of a run" offers '--dry-run' --dry
check "a subcommand's flags, from its --help" offers '--threshold' report --thr
finish
