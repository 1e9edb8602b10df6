#!/usr/bin/python3
"""Writes the fixture JSON files of the gate tests (tests/gate/fixtures/).

Deterministic: the "noise" is a fixed pattern, not random numbers, so the
files are the same on every run. Run from anywhere:
    /usr/bin/python3 tests/gate/make_fixtures.py
"""
import copy, json, os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")

# +-3% at most, a fixed pattern with no trend.
NOISE_A = [0.0, 0.021, -0.017, 0.009, -0.028, 0.013, -0.006, 0.030, -0.022, 0.004]
NOISE_B = [0.011, -0.025, 0.027, -0.003, 0.018, -0.014, 0.006, -0.030, 0.024, -0.009]

BENCHES = [
    ("cpu-hash/serial/workers:1/manual_time", 16000.0, 1, 1000),
    ("cpu-hash/thread-pool/workers:2/manual_time", 8200.0, 2, 1000),
    ("io-sleep/process-pool/workers:2/manual_time", 510000.0, 2, 1000),
]

CONTEXT = {
    "date": "2026-11-26T05:45:01+00:00", "host_name": "vm",
    "executable": "build/bench/bench", "num_cpus": 2, "mhz_per_cpu": 2596,
    "cpu_scaling_enabled": False, "caches": [],
    "load_avg": [0.5, 0.5, 0.5], "library_build_type": "release",
    "procthread_schema_version": "1", "procthread_version": "0.1.0",
}


def doc(reps, noise, scale=None, drop=(), extra=()):
    """scale: name -> factor on real_time; drop: names left out; extra:
    (name, base time) added."""
    scale = scale or {}
    out = []
    benches = [b for b in BENCHES if b[0] not in drop] + [
        (n, t, 1, 1000) for n, t in extra]
    for fam, (name, t, workers, tasks) in enumerate(benches):
        times = [round(t * scale.get(name, 1.0) * (1 + noise[i % len(noise)]), 3)
                 for i in range(reps)]
        for i, rt in enumerate(times):
            out.append({
                "name": name, "family_index": fam,
                "per_family_instance_index": 0, "run_name": name,
                "run_type": "iteration", "repetitions": reps,
                "repetition_index": i, "threads": 1, "iterations": 10,
                "real_time": rt, "cpu_time": round(rt * 0.1, 3),
                "time_unit": "us",
                "items_per_second": round(tasks / (rt * 1e-6), 3),
                "tasks": float(tasks), "workers": float(workers)})
        s = sorted(times)
        med = (s[(reps - 1) // 2] + s[reps // 2]) / 2
        out.append({
            "name": name + "_median", "family_index": fam,
            "per_family_instance_index": 0, "run_name": name,
            "run_type": "aggregate", "repetitions": reps, "threads": 1,
            "aggregate_name": "median", "aggregate_unit": "time",
            "iterations": reps, "real_time": med, "cpu_time": med * 0.1,
            "time_unit": "us", "items_per_second": tasks / (med * 1e-6),
            "tasks": float(tasks), "workers": float(workers)})
        out.append({
            "name": name + "_stddev", "family_index": fam,
            "per_family_instance_index": 0, "run_name": name,
            "run_type": "aggregate", "repetitions": reps, "threads": 1,
            "aggregate_name": "stddev", "aggregate_unit": "time",
            "iterations": reps, "real_time": 1.0, "cpu_time": 0.1,
            "time_unit": "us", "items_per_second": 1.0,
            "tasks": 0.0, "workers": 0.0})
    return {"context": copy.deepcopy(CONTEXT), "benchmarks": out}


def write(name, d):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        if isinstance(d, str):
            f.write(d)
        else:
            json.dump(d, f, indent=1)
            f.write("\n")


SLOW = "cpu-hash/thread-pool/workers:2/manual_time"
os.makedirs(OUT, exist_ok=True)
write("base.json", doc(10, NOISE_A))
write("noise3.json", doc(10, NOISE_B))
write("slower10.json", doc(10, NOISE_B, scale={SLOW: 1.10}))
write("faster10.json", doc(10, NOISE_B, scale={SLOW: 0.90}))
write("slower4.json", doc(10, NOISE_B, scale={SLOW: 1.04}))
write("reps2_base.json", doc(2, NOISE_A))
write("reps2_slower10.json", doc(2, NOISE_B, scale={SLOW: 1.10}))
write("missing_new.json", doc(10, NOISE_B,
                              drop=("io-sleep/process-pool/workers:2/manual_time",),
                              extra=(("cpu-float/serial/workers:1/manual_time", 900.0),)))
d = doc(10, NOISE_B)
for e in d["benchmarks"]:
    if e["run_name"] == SLOW:
        e.clear()
        e.update({"name": SLOW, "family_index": 1,
                  "per_family_instance_index": 0, "run_name": SLOW,
                  "run_type": "iteration", "repetitions": 10,
                  "repetition_index": 0, "threads": 1, "iterations": 0,
                  "real_time": 0, "cpu_time": 0, "time_unit": "us",
                  "error_occurred": True,
                  "error_message": "crashed: killed by SIGSEGV (Segmentation fault)"})
d["benchmarks"] = [e for i, e in enumerate(d["benchmarks"])
                   if e or i == 0]
write("error.json", d)
d = doc(10, NOISE_B)
d["context"]["procthread_schema_version"] = "2"
write("schema2.json", d)
d = doc(10, NOISE_B)
for e in d["benchmarks"]:
    if e["run_name"] == SLOW and e["run_type"] == "iteration":
        e["tasks"] = 2000.0
write("params.json", d)
# A foreign program: plain Google Benchmark JSON, no procthread keys, times
# in ns, an old layout without run_type.
def foreign(scale):
    out = []
    for name, t in (("BM_memcpy/8", 12.0), ("BM_memcpy/64", 20.0),
                    ("BM_sort/1024", 31000.0)):
        for i in range(8):
            f = scale if name == "BM_sort/1024" else 1.0
            out.append({"name": name, "iterations": 1000000,
                        "real_time": round(t * f * (1 + NOISE_A[i]), 4),
                        "cpu_time": round(t * f * (1 + NOISE_A[i]), 4),
                        "time_unit": "ns"})
    return {"context": {"date": "2026-01-01", "num_cpus": 8,
                        "library_build_type": "release"},
            "benchmarks": out}
write("foreign_base.json", foreign(1.0))
write("foreign_slower.json", foreign(1.2))
# bench ab output: run pairs under a drifting machine load. Every NEW run
# is 8% slower than its BASE partner, but the drift (up to 40%) hides that
# from an unpaired test; the pair numbers let the paired test see it.
DRIFT = [1.0, 1.02, 1.05, 1.1, 1.2, 1.3, 1.15, 1.05, 1.4, 1.25]
def drift(factor, noise, paired, session="fixture-1"):
    name = "cpu-hash/serial/workers:1/manual_time"
    out = []
    for i, f in enumerate(DRIFT):
        e = {"name": name, "run_name": name, "run_type": "iteration",
             "repetitions": len(DRIFT), "repetition_index": i,
             "threads": 1, "iterations": 10,
             "real_time": round(16000 * f * factor * (1 + noise[i] / 3), 3),
             "cpu_time": 1600.0, "time_unit": "us",
             "tasks": 1000.0, "workers": 1.0}
        if paired:
            e["procthread_ab_pair"] = i
        out.append(e)
    ctx = copy.deepcopy(CONTEXT)
    if paired:
        ctx["procthread_ab_session"] = session
    return {"context": ctx, "benchmarks": out}
write("drift_base.json", drift(1.0, NOISE_A, True))
write("drift_new.json", drift(1.08, NOISE_B, True))
write("drift_new_other_session.json",
      drift(1.08, NOISE_B, True, session="fixture-2"))
write("drift_base_unpaired.json", drift(1.0, NOISE_A, False))
write("drift_new_unpaired.json", drift(1.08, NOISE_B, False))
# Aggregates only (--benchmark_report_aggregates_only): without a median
# there is no sample at all; with one, a single sample.
write("aggregates_mean.json", {"benchmarks": [
    {"name": "BM_x_mean", "run_name": "BM_x", "run_type": "aggregate",
     "aggregate_name": "mean", "real_time": 10.0, "time_unit": "ns"}]})
write("aggregates_median.json", {"benchmarks": [
    {"name": "BM_x_median", "run_name": "BM_x", "run_type": "aggregate",
     "aggregate_name": "median", "real_time": 11.0, "time_unit": "ns"}]})
write("malformed.json", '{"context": {}, "benchmarks": [ {"name": "x", ]}\n')
write("empty.json", "")
with open(os.path.join(OUT, "base.json")) as f:
    text = f.read()
write("truncated.json", text[: len(text) // 2])
write("not_gb.json", '{"name": "package.json", "version": "1.0.0"}\n')
write("no_benchmarks.json", '{"context": {}, "benchmarks": []}\n')
write("wrong_types.json",
      '{"context": {"procthread_schema_version": "1"}, "benchmarks": '
      '[{"name": "a", "run_name": 7, "real_time": "fast", "time_unit": "us"}]}\n')
write("bad_entry.json", '{"benchmarks": [42]}\n')
write("deep.json", "[" * 5000 + "]" * 5000 + "\n")
write("huge_number.json",
      '{"benchmarks": [{"name": "a", "real_time": 1e999, "time_unit": "ns"}]}\n')
write("huge_int.json",
      '{"benchmarks": [{"name": "a", "iterations": 123456789012345678901234567890, '
      '"real_time": 5, "time_unit": "ns"}]}\n')
write("root_array.json", '[{"benchmarks": []}]\n')
write("thresholds.txt",
      "# per-benchmark thresholds: first match wins\n"
      "cpu-hash/thread-pool/* 20%\n"
      "*  5%\n")
write("thresholds_bad.txt", "cpu-hash/* lots\n")
