#!/usr/bin/env bash
# Runs one libFuzzer target for FUZZ_SECONDS (default 30) from its committed
# seed corpus. New inputs go to a temporary directory, removed afterwards,
# so the committed corpus changes only by hand; a crashing input is kept as
# fuzz-artifacts/TARGET-crash-* in the build directory, to be fixed and
# added to the corpus.
# Usage: run.sh TARGET_BINARY CORPUS_DIR
set -u
target=${1:?usage: $0 TARGET CORPUS_DIR}
corpus=${2:?usage: $0 TARGET CORPUS_DIR}
name=$(basename "$target")
seconds=${FUZZ_SECONDS:-30}
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p fuzz-artifacts
# LeakSanitizer on, and libFuzzer's own signal handlers report crashes.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -print_final_stats=1 \
  -artifact_prefix="fuzz-artifacts/$name-" "$work" "$corpus"
