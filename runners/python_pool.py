"""Python's own pools running a py-* workload's job: the reference executors.

bench's python-serial, python-threads and python-processes executors
(runners/python_pool.c) run this script in the system interpreter:

    python3 -I python_pool.py POOL WORKERS SPEC [PARENT]

POOL is serial, threads (concurrent.futures.ThreadPoolExecutor) or
processes (ProcessPoolExecutor, fork context, as bench's process pool
forks); SPEC is the job as bench writes it for process-spawn, e.g.
"py-release/tasks=200/work=10000/switch=5ms/release=0.5". The script starts
the pool (and every worker), prints "ready", then for each "run" line on
standard input runs the job, pool.map(task, range(tasks)), and prints
"done" and every task's checksum in hex; bench verifies them against the
workload's C reference. End of input shuts the pool down. With PARENT
(bench's pid), the interpreter dies with bench (PR_SET_PDEATHSIG, then a
check that bench did not die before it), and so does each pool worker with
the interpreter: nothing outlives a SIGKILLed bench.

task(i) is the same Python loop that bench's embedded py-* workloads run
(workloads/py_bytecode.c). For py-release, the fraction `release` of each
task's CPU time is spent in hashlib.sha256 on a buffer (C with the GIL
released) of BYTES_PER_ROUND bytes per Python round, a constant measured on
the development VM (about 110 ns per round, 0.69 ns per byte), as bench's
release() burns a constant number of rounds: every configuration and every
run does the same work. The checksum is the same mix of the loop's result
as bench's.
"""
import concurrent.futures
import ctypes
import os
import hashlib
import multiprocessing
import re
import sys

M = (1 << 64) - 1
P = 0x100000001b3
RELEASE_SALT = 0x2545f4914f6cdd1d
# sha256 bytes that take as long as one Python round (see above).
BYTES_PER_ROUND = 160


def task(i, n):
    h = 0xcbf29ce484222325 ^ i
    for k in range(n):
        h = ((h ^ (i + k)) * P) & M
    return h


def mix64(x):
    x ^= x >> 30
    x = (x * 0xbf58476d1ce4e5b9) & M
    x ^= x >> 27
    x = (x * 0x94d049bb133111eb) & M
    x ^= x >> 31
    return x


# The job, set before the pool exists (forked workers inherit it).
ROUNDS = 0
RELEASE = False
BUFFER = memoryview(b"")


def run_task(i):
    h = task(i, ROUNDS)
    if not RELEASE:
        return h
    hashlib.sha256(BUFFER).digest()  # the GIL is released for big buffers
    return mix64(h ^ RELEASE_SALT)


def die_with(parent):
    """Dies by SIGKILL when parent dies; exits now if it already has."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


def noop(i):
    return i


UNITS = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9,
         "ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1}


def value(text):
    m = re.fullmatch(r"([-+0-9.eE]+)([a-zA-Z]*)", text)
    if not m or m.group(2) not in UNITS:
        raise ValueError("bad value '%s'" % text)
    return float(m.group(1)) * UNITS[m.group(2)]


def configure(spec):
    """Sets the job's globals from SPEC; returns the number of tasks."""
    global ROUNDS, RELEASE, BUFFER
    fields = spec.split("/")
    workload, params = fields[0], dict(f.split("=", 1) for f in fields[1:])
    if workload not in ("py-bytecode", "py-release"):
        raise ValueError("unknown workload '%s'" % workload)
    tasks = int(value(params["tasks"]))
    work = value(params["work"])
    release = value(params.get("release", "0"))
    sys.setswitchinterval(value(params["switch"]))
    # As llround((1 - release) * work) in C.
    ROUNDS = int((1 - release) * work + 0.5)
    RELEASE = workload == "py-release"
    if RELEASE and release > 0:
        BUFFER = memoryview(bytes(int(release * work * BYTES_PER_ROUND)))
    return tasks


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: python_pool.py serial|threads|processes "
                 "WORKERS SPEC [PARENT]")
    pool_name, workers, spec = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if len(sys.argv) == 5:
        die_with(int(sys.argv[4]))
    tasks = configure(spec)
    if pool_name == "serial":
        pool = None
    elif pool_name == "threads":
        pool = concurrent.futures.ThreadPoolExecutor(workers)
    elif pool_name == "processes":
        pool = concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("fork"),
            initializer=die_with, initargs=(os.getpid(),))
    else:
        sys.exit("python_pool.py: unknown pool '%s'" % pool_name)
    if pool:
        list(pool.map(noop, range(workers)))  # every worker started
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            sys.exit("python_pool.py: unknown request '%s'" % line.strip())
        if pool:
            sums = list(pool.map(run_task, range(tasks)))
        else:
            sums = [run_task(i) for i in range(tasks)]
        print("done " + " ".join("%x" % s for s in sums), flush=True)
    if pool:
        pool.shutdown()


if __name__ == "__main__":
    main()
