#!/bin/sh
# The CI performance gate: builds the merge-base of HEAD and BASE_REF and
# HEAD itself, runs them alternately with `bench ab`, publishes the Markdown
# comparison, and exits 0 (no regression), 1 (regression) or 2 (the gate
# itself failed).
# Usage: bench/gate/bench-gate.sh [BASE_REF]   (default origin/main)
set -eu
base_ref=${1:-origin/main}
base_dir=$(mktemp -d)
trap 'git worktree remove --force "$base_dir" 2>/dev/null || rm -rf "$base_dir"' EXIT
git worktree add --detach "$base_dir" "$(git merge-base HEAD "$base_ref")"
(cd "$base_dir" && meson setup build-gate-base --buildtype=release >/dev/null &&
  ninja -C build-gate-base bench/bench >/dev/null)
[ -f build-gate-head/build.ninja ] || meson setup build-gate-head --buildtype=release >/dev/null
ninja -C build-gate-head bench/bench >/dev/null
status=0
build-gate-head/bench/bench ab --baseline="$base_dir/build-gate-base/bench/bench" \
  --runs=20 --format=md --ab-dir=bench-ab \
  --workload=cpu-hash --executor=serial,thread-pool,process-pool \
  --workers=1 --repetitions=3 --min-time=0.05 || status=$?
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f bench-ab/compare.md ]; then
  cat bench-ab/compare.md >>"$GITHUB_STEP_SUMMARY"
fi
exit "$status"
