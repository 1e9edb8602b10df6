/*
 * The plan: the options expanded into configurations (workload x parameter
 * values x executor x worker count), each with the benchmark name under which
 * its results are reported. Names are stable across runs and machines so that
 * compare tools pair entries: WORKLOAD/EXECUTOR/workers:W, then only what
 * differs from the defaults (tasks, parameters, schedule, chunk, wait).
 */
#ifndef PT_PLAN_H
#define PT_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "executor.h"
#include "transport.h"
#include "workload.h"

#define PT_MAX_CONFIGS 10000
#define PT_NAME_MAX    320

struct pt_config {
	const struct workload *wl;
	const struct executor_ops *ex;
	struct ex_config exc; /* workers, schedule, chunk, wait, max_tasks */
	uint64_t tasks;
	double params[WL_MAX_PARAMS];
	/* Payload workloads under process executors; else the first given. */
	enum pt_transport_kind transport;
	char name[PT_NAME_MAX]; /* without Google Benchmark's /manual_time */
	/*
	 * No serial configuration of the same workload, tasks and parameters
	 * is in the plan, and this is the first of its group: its child times
	 * a serial reference job too (counter serial_ref_s), so that the
	 * console can still give a speedup.
	 */
	bool serial_ref;
};

struct pt_plan {
	struct pt_config *configs;
	size_t n;
	size_t name_width; /* longest reported name, for console alignment */
};

/* Returns 0, or a negative errno code with a one-line reason in err. */
int pt_plan_build(const struct pt_options *opts, struct pt_plan *plan,
		  char *err, size_t errlen);
void pt_plan_free(struct pt_plan *plan);

/* The suffix Google Benchmark appends to names of manual-time benchmarks. */
#define PT_NAME_SUFFIX "/manual_time"

#endif
