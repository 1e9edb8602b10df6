/*
 * false-sharing: each worker updates its own counter, on a shared cache line
 * or on a line of its own.
 *
 * The design is simple: setup maps an array of WL_FALSE_SHARING_SLOTS
 * counters MAP_SHARED | MAP_ANONYMOUS before any worker exists, so forked
 * workers share the very cache lines that threads share. Task i adds 1 to
 * the counter of its worker slot `iters` times, with relaxed atomic adds.
 * With padding=0 counters are 8 bytes apart, so up to 8 workers' counters sit
 * on one 64-byte line (16 on a 128-byte pair) and every add steals the line
 * from the other cores; with padding=1 each counter has a 128-byte line of
 * its own (two 64-byte lines, which also defeats the adjacent-line
 * prefetcher) and adds stay in the core's cache. No two workers ever write
 * the same counter, except that worker numbers wrap modulo
 * WL_FALSE_SHARING_SLOTS (4096): beyond that, two workers share a counter,
 * which is why the adds are atomic (an add is never lost).
 *
 * Invariant: the checksum depends on the index and the parameters only (the
 * counters are what is contended, not what is returned), so the expected
 * hook gives it without running the task. The counters are never reset: they
 * sum to (tasks run since setup) x iters, which the unit test checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wl_kernels.h"

enum { P_ITERS, P_PADDING };

static const struct wl_param false_sharing_params[] = {
    [P_ITERS] = {.name = "iters",
		 .help = "atomic adds to the worker's counter per task",
		 .unit = WL_UNIT_COUNT,
		 .def = 100000,
		 .min = 1,
		 .max = 1e10,
		 .integer = true},
    [P_PADDING] = {.name = "padding",
		   .help = "0: counters 8 bytes apart (one cache line); "
			   "1: 128 bytes apart (a line each)",
		   .unit = WL_UNIT_COUNT,
		   .def = 0,
		   .min = 0,
		   .max = 1,
		   .integer = true},
    {.name = NULL},
};

#define PADDED_STRIDE 128 /* bytes between counters with padding=1 */

struct false_sharing_state {
	unsigned char *counters; /* MAP_SHARED; counter w at w * stride */
	size_t map_bytes;
	size_t stride;
	uint64_t iters;
};

static int false_sharing_setup(const double *params, uint64_t ntasks,
			       void **state, char *err, size_t errlen)
{
	struct false_sharing_state *st;
	int rc;

	(void)ntasks;
	st = malloc(sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	st->stride = params[P_PADDING] != 0 ? PADDED_STRIDE : sizeof(uint64_t);
	st->iters = (uint64_t)params[P_ITERS];
	st->map_bytes = WL_FALSE_SHARING_SLOTS * st->stride;
	/* mmap returns page-aligned memory: line boundaries are where we
	 * think. */
	st->counters = mmap(NULL, st->map_bytes, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st->counters == MAP_FAILED) {
		rc = -errno;
		snprintf(err, errlen, "cannot map the counters: %s",
			 strerror(errno));
		free(st);
		return rc;
	}
	*state = st;
	return 0;
}

static uint64_t *counter_of(const struct false_sharing_state *st,
			    unsigned worker)
{
	return (uint64_t *)(void *)(st->counters +
				    (worker % WL_FALSE_SHARING_SLOTS) *
					st->stride);
}

static uint64_t false_sharing_sum(const struct false_sharing_state *st,
				  uint64_t index)
{
	return wl_mix64(index ^ wl_mix64(st->iters ^ st->stride));
}

static uint64_t false_sharing_run(void *state, uint64_t index, unsigned worker)
{
	const struct false_sharing_state *st = state;
	uint64_t *counter = counter_of(st, worker);

	for (uint64_t k = 0; k < st->iters; k++)
		__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
	return false_sharing_sum(st, index);
}

static enum wl_expect false_sharing_expected(void *state, uint64_t index,
					     uint64_t *sum)
{
	*sum = false_sharing_sum(state, index);
	return WL_EXPECT_SUM;
}

uint64_t wl_false_sharing_total(void *state)
{
	const struct false_sharing_state *st = state;
	uint64_t total = 0;

	for (unsigned w = 0; w < WL_FALSE_SHARING_SLOTS; w++)
		total += __atomic_load_n(counter_of(st, w), __ATOMIC_RELAXED);
	return total;
}

static void false_sharing_teardown(void *state)
{
	struct false_sharing_state *st = state;

	if (!st)
		return;
	munmap(st->counters, st->map_bytes);
	free(st);
}

const struct workload wl_false_sharing = {
    .name = "false-sharing",
    .summary = "atomic adds to a per-worker counter; padding=0 puts all "
	       "counters on one cache line",
    .kind = WL_CONTENTION,
    .params = false_sharing_params,
    .default_tasks = 64,
    .setup = false_sharing_setup,
    .run_task = false_sharing_run,
    .expected = false_sharing_expected,
    .teardown = false_sharing_teardown,
};
