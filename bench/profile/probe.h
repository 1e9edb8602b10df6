/*
 * The probe: one instrumented job of a configuration, run after the timed
 * ones, that says where a job's wall time goes (the overhead breakdown),
 * what the workers counted (PAPI, per worker, summed), and what the
 * timeline looked like (--trace).
 *
 * The design is simple: the probe wraps the job's task function. The
 * wrapper reads the monotonic clock around each task and, when counting,
 * the thread's PAPI counters after it, and writes what it saw to its
 * worker's slot (sums, last task end, counts; one 128-byte slot per worker)
 * and to the task's record (start, end, dispatch latency, pid, tid). Slots
 * and records live in one anonymous MAP_SHARED mapping made before the
 * executor starts, so thread workers and forked process workers write them
 * alike, and the caller reads them after map() returns: map()'s completion
 * orders every write before the read, for threads and processes.
 *
 * The timed jobs never run the wrapper: Google Benchmark's timed region
 * stays exactly map() of the plain task function. The wrapper composes with
 * any other: it calls whatever function and argument the caller hands it.
 *
 * Invariants: a worker's slot is written only by the worker that owns that
 * index at the time (one thread or process at once, as every executor
 * guarantees); the caller writes the shared header and resets slots only
 * between jobs, while no worker runs a task. For every worker, by
 * construction, dispatch + compute + idle + return = wall exactly (in
 * integer nanoseconds; see pt_breakdown).
 */
#ifndef PT_PROBE_H
#define PT_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "counters.h"
#include "executor.h"
#include "gbw.h"

/*
 * Tasks recorded one by one (dispatch quantiles, trace slices). A job with
 * more tasks records every k-th task, k = ceil(tasks / this); the sums of
 * the breakdown still cover every task.
 */
#define PT_PROBE_MAX_RECORDS 100000

enum pt_probe_mode {
	PT_PROBE_TIMES = 1,    /* clock reads around each task */
	PT_PROBE_COUNTERS = 2, /* PAPI reads after each task */
};

struct pt_probe;

/*
 * Where the instrumented job's wall time [post, done] went, in seconds.
 * post is taken just before map(), done just after it returns. For worker
 * w: dispatch_w sums, over its tasks, start - max(post, end of w's previous
 * task); compute_w sums task durations; idle_w runs from w's last task end
 * (post if it ran none) to the job's last task end; result return runs from
 * the job's last task end to done. Each worker's four add up to the wall
 * time; the figures below are means over workers, so they do too.
 */
struct pt_breakdown {
	double wall_s;
	double dispatch_s, compute_s, idle_s, return_s;
	double dispatch_median_s, dispatch_p99_s; /* over recorded tasks */
	double load_imbalance; /* max compute_w / mean compute_w, or 0 */
	uint64_t tasks;	       /* tasks that ran */
	uint64_t recorded;     /* tasks recorded one by one */
	uint64_t record_every; /* k: task i is recorded when i % k == 0 */
};

/*
 * Makes the shared mapping for W worker slots and jobs of up to max_tasks
 * tasks (call before the executor starts). counters may be NULL or empty.
 * Returns 0, or a negative errno code with a reason in err.
 */
int pt_probe_create(unsigned workers, uint64_t max_tasks,
		    const struct pt_counter_list *counters,
		    struct pt_probe **out, char *err, size_t errlen);
void pt_probe_destroy(struct pt_probe *p);

/*
 * Sets *outer to run inner's tasks through the probe: same tasks and result
 * slots, fn and arg replaced. The probe must outlive every map() of outer.
 */
void pt_probe_wrap(struct pt_probe *p, const struct ex_job *inner,
		   struct ex_job *outer);

/* Just before map(): resets the slots, sets the mode, takes post. */
void pt_probe_begin(struct pt_probe *p, unsigned mode);

/*
 * For executors whose workers cannot run the wrapper (times_tasks: mpi
 * ranks): after a PT_PROBE_TIMES job mapped with job->times and
 * pt_probe_end(), records every task from those times as the wrapper
 * would have. The times must be CLOCK_MONOTONIC of this host. Returns 0
 * or -ENOMEM.
 */
int pt_probe_feed(struct pt_probe *p, const struct ex_job *job);

/* Just after map() returns: takes done, and the caller's pid and tid. */
void pt_probe_end(struct pt_probe *p);

/*
 * Zeroes the records and gives their pages back to the kernel, so that they
 * do not weigh on the memory figures of later timed jobs.
 */
void pt_probe_release_pages(struct pt_probe *p);

/* The breakdown of the last PT_PROBE_TIMES job. 0 or -ENOMEM. */
int pt_probe_breakdown(const struct pt_probe *p, struct pt_breakdown *out);

/*
 * The last PT_PROBE_COUNTERS job's counts, summed over workers, one per
 * event of the list given to create. Returns 0, or -EIO when some worker
 * could not count (err says why; no sums then).
 */
int pt_probe_counts(const struct pt_probe *p, double *sums, char *err,
		    size_t errlen);

/*
 * Writes the last PT_PROBE_TIMES job as one line of JSON: {"config":
 * name, "tasks", "record_every", "events": [Chrome trace events]}, with one
 * "X" slice per recorded task on its worker's real pid and tid, one for the
 * job on the caller's thread, and process and thread names. Returns 0 or a
 * negative errno code.
 */
int pt_probe_write_trace(const struct pt_probe *p, FILE *f, const char *name,
			 bool process_workers);

/*
 * The figures as Google Benchmark counters of the entry: the breakdown
 * (probe_wall_s, dispatch_s, dispatch_median_s, dispatch_p99_s, compute_s,
 * idle_s, return_s, load_imbalance) and the counts (papi_NAME).
 */
void pt_probe_report_breakdown(gb_state *st, const struct pt_breakdown *b);
void pt_probe_report_counts(gb_state *st, const struct pt_counter_list *list,
			    const double *sums);

/* Writes a trace part (one line) to fd in one piece; 0 or -errno. */
int pt_probe_write_part(int fd, const char *text, size_t len);

#endif
