#!/bin/sh
# `meson benchmark`: bench compare on the largest file it reads, timed (a
# benchmark, not a test: nothing here asserts a time). Writes a results
# file of B benchmarks x R repetitions (default 5 x 8733, about 56 MiB, the
# size of the file that once took 106 s and 1.4 GB), compares it with
# itself and with a 3% slower copy, and prints wall time and peak memory.
# Usage: compare_large.sh PATH_TO_BENCH [BENCHMARKS [REPETITIONS]]
set -eu
BENCH=$(readlink -f "$1")
B=${2:-5}
R=${3:-8733}
D=$(mktemp -d "${TMPDIR:-/tmp}/compare-large.XXXXXX")
trap 'rm -rf "$D"' EXIT
/usr/bin/python3 - "$D" "$B" "$R" <<'PY'
import json, os, sys
d, nb, nr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ctx = {"procthread_schema_version": "2", "num_cpus": 2}
def entry(b, r, scale):
    name = "cpu-hash/serial/workers:1/tasks:%d/manual_time" % (1000 + b)
    noise = ((r * 2654435761) % 1000) / 1000.0 - 0.5
    return {"name": name, "run_name": name, "run_type": "iteration",
            "repetitions": nr, "repetition_index": r, "threads": 1,
            "iterations": 100, "time_unit": "us",
            "real_time": scale * (1000.0 + 40 * noise),
            "cpu_time": scale * (1000.0 + 40 * noise),
            "tasks": 1000.0 + b, "workers": 1.0,
            "pad": "x" * 900}
for fname, scale in (("base.json", 1.0), ("slower.json", 1.03)):
    with open(os.path.join(d, fname), "w") as f:
        json.dump({"context": ctx, "benchmarks": [entry(b, r, scale)
                   for b in range(nb) for r in range(nr)]}, f)
PY
echo "compare_large: $B benchmarks x $R repetitions, $(du -m "$D/base.json" | cut -f1) MiB per file"
for new in base slower; do
	/usr/bin/time -f "compare_large: base vs $new: %e s wall, %M KiB peak RSS" \
		"$BENCH" compare --threshold=2% "$D/base.json" "$D/$new.json" >"$D/out" || [ $? -eq 1 ]
	tail -1 "$D/out"; echo
done
