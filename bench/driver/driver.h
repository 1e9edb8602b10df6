/*
 * The driver: what runs inside the supervised child process of one
 * configuration. It sets the workload up, learns the reference checksums,
 * registers one Google Benchmark whose timed region is exactly one
 * executor.map() of the job, verifies every job's results, and streams
 * Google Benchmark's JSON to the parent through json_path.
 */
#ifndef PT_DRIVER_H
#define PT_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "counters.h"
#include "gbw.h"
#include "plan.h"
#include "pt_clock.h"

struct pt_child_io {
	const char *json_path; /* where Google Benchmark's JSON goes */
	enum gb_format display;
	bool print_header; /* first configuration on the console */
	size_t name_width;
	const struct pt_counter_list *counters; /* --counters, or NULL */
	int trace_fd;	     /* --trace: where the trace part goes, or -1 */
	uint64_t iterations; /* --iterations: jobs per repetition, or 0 */
};

/*
 * The configuration child's exit status when the executor could not create
 * its workers or a task's process for lack of processes or threads (EAGAIN:
 * RLIMIT_NPROC, pids.max, threads-max); its results are still valid JSON.
 */
#define PT_EXIT_RESOURCE 4

/* Returns the exit status for the child process. */
int pt_run_config(const struct pt_config *c, const struct pt_child_io *io);

#endif
