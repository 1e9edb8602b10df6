/*
 * The decision rules of `bench claims`: one pure function per claim that
 * turns the figures measured in a run into a verdict, with the rule and the
 * deciding figures written out as text. Nothing here runs, times or reads a
 * file, so every rule is tested on fixture figures (tests/claims/).
 *
 * The design is simple: each rule fills a struct cl_decision. The verdict is
 * one of holds, does not hold, holds only when (the condition, with the
 * figure that decides it), or no data (a figure is missing: the experiment
 * failed or this machine cannot show it). `rule` states the thresholds in
 * words so a reader can check the verdict against `figures` by hand, and
 * `limit` says when this machine's hardware (a few CPUs, no counters)
 * bounds what the experiment can show.
 */
#ifndef PT_CLAIMS_RULES_H
#define PT_CLAIMS_RULES_H

#include <stdbool.h>
#include <stddef.h>

enum cl_verdict {
	CL_HOLDS,
	CL_DOES_NOT_HOLD,
	CL_HOLDS_ONLY_WHEN,
	CL_NO_DATA,
};

struct cl_decision {
	enum cl_verdict verdict;
	char figures[512];   /* the measured figures the verdict rests on */
	char rule[512];	     /* the decision rule, thresholds included */
	char condition[320]; /* holds only when: the condition; else "" */
	char limit[256];     /* a hardware limit of this machine, or "" */
};

/* "holds", "does not hold", "holds only when", "no data". */
const char *cl_verdict_name(enum cl_verdict verdict);

/* Whether x is a usable figure (finite; positive where says so). */
bool cl_have(double x);

/* 1. CPU-bound work in W processes: speedup over serial vs min(W, CPUs). */
struct cl_scaling {
	unsigned cpus, workers;
	double serial_s, pool_s; /* wall time of one job */
};
void cl_decide_scaling(const struct cl_scaling *f, struct cl_decision *d);

/* 2. An interpreter lock: the gil kernel, held for all and half the work. */
struct cl_gil {
	unsigned cpus, workers;
	double serial_full_s, thread_full_s, process_full_s; /* hold = 1 */
	double serial_half_s, thread_half_s, process_half_s; /* hold = 0.5 */
};
void cl_decide_gil(const struct cl_gil *f, struct cl_decision *d);

/* 3. Own memory: writes by workers to a global, as the parent sees them. */
struct cl_isolation {
	double writes;		/* writes each executor's workers made */
	double thread_visible;	/* of them, seen by the parent: threads */
	double process_visible; /* ... processes */
	double sibling_thread;	/* writes a worker saw from other workers */
	double sibling_process; /* ... processes */
};
void cl_decide_isolation(const struct cl_isolation *f, struct cl_decision *d);

/* 4. A crash in one worker: the process pool survives, threads do not. */
struct cl_crash {
	bool process_completed;	 /* the pool's job finished */
	double process_failed;	 /* tasks recorded as failed */
	double process_tasks;	 /* tasks in the job */
	bool thread_crashed;	 /* the thread pool's configuration died */
	char thread_reason[160]; /* how (the supervisor's message) */
};
void cl_decide_crash(const struct cl_crash *f, struct cl_decision *d);

/* 5. Creation cost per worker, processes vs threads. */
struct cl_creation {
	unsigned workers;
	double process_per_worker_s, thread_per_worker_s;
};
void cl_decide_creation(const struct cl_creation *f, struct cl_decision *d);

/* 6. Fork cost vs the parent's size (fork-footprint). */
#define CL_MAX_POINTS 8
struct cl_footprint {
	unsigned n;
	double parent_bytes[CL_MAX_POINTS];
	double fork_task_s[CL_MAX_POINTS];   /* process-per-task, per task */
	double thread_task_s[CL_MAX_POINTS]; /* thread-per-task, per task */
	double copy_bytes_per_s; /* memcpy bandwidth measured in the run */
	/* Optional (0: not measured): process-per-task by the other start
	 * methods, whose children never had the parent's memory. */
	double forkserver_task_s[CL_MAX_POINTS];
	double spawn_task_s[CL_MAX_POINTS];
};
void cl_decide_footprint(const struct cl_footprint *f, struct cl_decision *d);

/* 7. Threads for I/O-bound work: throughput, CPU and memory, both ways. */
#define CL_MAX_IO 4
struct cl_io_case {
	char workload[32];
	double thread_items_per_s, process_items_per_s;
	double thread_cpu_s, process_cpu_s; /* per job, all workers */
	double thread_pss, process_pss;	    /* bytes */
};
struct cl_io {
	unsigned workers, n;
	struct cl_io_case c[CL_MAX_IO];
};
void cl_decide_io(const struct cl_io *f, struct cl_decision *d);

/* 8. IPC: bytes per second across payload sizes, threads vs processes. */
struct cl_ipc {
	unsigned n;
	double size[CL_MAX_POINTS];
	double thread_bps[CL_MAX_POINTS];
	double shm_bps[CL_MAX_POINTS];
	double pipe_bps[CL_MAX_POINTS];
};
void cl_decide_ipc(const struct cl_ipc *f, struct cl_decision *d);

/* 9. Pool size: is W = CPUs the best for CPU-bound work? */
struct cl_poolsize {
	unsigned cpus, n;
	double workers[CL_MAX_POINTS];
	double wall_s[CL_MAX_POINTS];
};
void cl_decide_poolsize(const struct cl_poolsize *f, struct cl_decision *d);

/* 10. Results come back in submission order. */
struct cl_order {
	double tasks_checked; /* task results compared with the reference */
	double jobs_checked;
	double misplaced; /* results found in another task's slot */
};
void cl_decide_order(const struct cl_order *f, struct cl_decision *d);

/* 11. Load balancing under skewed task durations. */
struct cl_balance {
	unsigned workers;
	double static_s, dynamic_s, guided_s; /* wall time per job */
	double ideal_s; /* serial time / min(W, CPUs): perfect balance */
};
void cl_decide_balance(const struct cl_balance *f, struct cl_decision *d);

/* 12. Break-even task size, process pool (and thread pool) vs serial. */
struct cl_breakeven {
	unsigned n, workers;
	double task_s[CL_MAX_POINTS]; /* serial time per task */
	double process_speedup[CL_MAX_POINTS];
	double thread_speedup[CL_MAX_POINTS];
};
void cl_decide_breakeven(const struct cl_breakeven *f, struct cl_decision *d);

/*
 * A speedup measured over repetitions: mid is the median of serial over
 * pool wall times, lo and hi the 10th and 90th percentiles of the ratios
 * of every serial repetition to every pool repetition (lo = hi = mid from
 * one repetition each).
 */
struct cl_speedup {
	double mid, lo, hi;
};

/*
 * 13. The gil emulation against CPython's real GIL: the thread pool's
 * speedup over serial with gil at hold = 1 and py-bytecode, and with gil at
 * an intermediate hold and py-release at release = 1 - hold. The verdict
 * rests on the medians; a pair whose ratio's interval crosses the
 * agreement bound, or figures from entries marked noisy, make the row say
 * so in limit ("noisy: ...").
 */
struct cl_gil_real {
	unsigned cpus, workers;
	bool python; /* this build has the py-* workloads */
	bool noisy;  /* an entry behind the figures was marked noisy */
	double hold; /* the intermediate hold */
	struct cl_speedup emulated_full, real_full; /* hold = 1 */
	struct cl_speedup emulated_part, real_part; /* the intermediate hold */
};
void cl_decide_gil_real(const struct cl_gil_real *f, struct cl_decision *d);

/*
 * The task duration at which speedup crosses 1, interpolated linearly in
 * log(task duration) between the two points around the crossing; 0 when it
 * is already >= 1 at the smallest size, INFINITY when it never reaches 1.
 */
double cl_breakeven_point(unsigned n, const double *task_s,
			  const double *speedup);

/* Formats a duration (s) or a size (bytes) for the tables. */
void cl_fmt_seconds(double s, char *buf, size_t len);
void cl_fmt_bytes(double bytes, char *buf, size_t len);

#endif
