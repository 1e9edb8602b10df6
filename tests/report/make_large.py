#!/usr/bin/env python3
"""Writes a large results file for bench report's scale benchmark.

Usage: make_large.py SEED.json OUT.json [GROUPS] [REPETITIONS]

The seed is a real results file (tests/report/fixtures/breakdown.json); its
iteration entries of serial, thread-pool and process-pool are copied into
GROUPS groups (default 2000), each a different value of a `size` parameter
(cpu-hash/EXECUTOR/workers:W/tasks:200/size:K), with REPETITIONS repetitions
(default 1, as a run without --repetitions writes). Times and the phase
counters are scaled by a factor that varies with K, so the groups are not
identical; the numbers stay those of a real run, only multiplied. Output is
deterministic (no randomness), so two runs write the same bytes.
"""
import json
import sys

EXECUTORS = ("serial", "thread-pool", "process-pool")
SCALED = ("compute_s", "dispatch_s", "idle_s", "return_s", "probe_wall_s",
          "cpu_user_s", "cpu_sys_s")


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: make_large.py SEED.json OUT.json [GROUPS] [REPS]")
    seed_path, out_path = sys.argv[1], sys.argv[2]
    groups = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    reps = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    with open(seed_path) as f:
        seed = json.load(f)
    # One entry per configuration and repetition index of the seed.
    by_config = {}
    for e in seed["benchmarks"]:
        if e.get("run_type") != "iteration":
            continue
        parts = e["run_name"].split("/")
        if parts[1] not in EXECUTORS:
            continue
        by_config.setdefault(e["run_name"], []).append(e)
    if not by_config:
        sys.exit("make_large.py: the seed has no serial/thread-pool/"
                 "process-pool iterations")
    context = dict(seed["context"])
    context["procthread_command"] = ("tests/report/make_large.py %s OUT %d %d"
                                     % (seed_path, groups, reps))
    with open(out_path, "w") as out:
        out.write('{"context": %s, "benchmarks": [\n' % json.dumps(context))
        first = True
        family = 0
        for k in range(1, groups + 1):
            factor = 1.0 + (k % 13) * 0.05
            for run_name, entries in by_config.items():
                name = run_name.replace("/manual_time",
                                        "/size:%d/manual_time" % k)
                for r in range(reps):
                    e = dict(entries[r % len(entries)])
                    e["name"] = e["run_name"] = name
                    e["family_index"] = family
                    e["repetitions"] = reps
                    e["repetition_index"] = r
                    e["real_time"] = e["real_time"] * factor
                    for c in SCALED:
                        if c in e:
                            e[c] = e[c] * factor
                    out.write(("" if first else ",\n") + json.dumps(e))
                    first = False
                family += 1
        out.write("\n]}\n")


if __name__ == "__main__":
    main()
