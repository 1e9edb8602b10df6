/*
 * gil: an emulated interpreter lock, as CPython's GIL.
 *
 * The design is simple: task i does `work` rounds of the wl_burn step, cut
 * into slices of `slice` rounds (CPython's switch interval). In each slice it
 * takes the lock, does the first `hold` fraction of the slice's rounds
 * (rounded to whole rounds), releases the lock and does the rest. The lock is a
 * plain (process-private) pthread mutex in memory that setup allocates before
 * any worker exists. So under thread executors every worker shares the one
 * lock, as threads of one CPython process share the GIL, and after fork every
 * worker process has its own copy, as separate interpreters do: that falls out
 * of fork's copy-on-write, the kernel knows nothing about it. With hold=1 a
 * thread pool cannot run two tasks' compute at once and does not scale; a
 * process pool does. With hold=0 the two behave alike.
 *
 * Invariant: the lock is never held when setup returns or between tasks, so
 * a fork (which copies a mutex in whatever state it is) always copies an
 * unlocked mutex. The checksum is the final state of the chain, which depends
 * on the index and the parameters only, never on who held the lock when.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "wl_kernels.h"

enum { P_WORK, P_HOLD, P_SLICE };

static const struct wl_param gil_params[] = {
    [P_WORK] = {.name = "work",
		.help = "compute rounds per task (about 2 ns each)",
		.unit = WL_UNIT_COUNT,
		.def = 10000,
		.min = 1,
		.max = 1e10,
		.integer = true},
    [P_HOLD] = {.name = "hold",
		.help = "fraction of the compute done holding the lock, 0 to 1",
		.unit = WL_UNIT_RATIO,
		.def = 1,
		.min = 0,
		.max = 1},
    [P_SLICE] = {.name = "slice",
		 .help = "rounds between lock releases (the switch interval)",
		 .unit = WL_UNIT_COUNT,
		 .def = 1000,
		 .min = 1,
		 .max = 1e10,
		 .integer = true},
    {.name = NULL},
};

struct gil_state {
	pthread_mutex_t lock; /* the "GIL"; private memory, see above */
	uint64_t rounds;      /* work */
	uint64_t slice;	      /* rounds per slice */
	uint64_t held;	      /* rounds of a full slice done under the lock */
};

static int gil_setup(const double *params, uint64_t ntasks, void **state,
		     char *err, size_t errlen)
{
	struct gil_state *st;
	int rc;

	(void)ntasks;
	st = malloc(sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = pthread_mutex_init(&st->lock, NULL);
	if (rc) {
		snprintf(err, errlen, "cannot create the lock: error %d", rc);
		free(st);
		return -rc;
	}
	st->rounds = (uint64_t)params[P_WORK];
	st->slice = (uint64_t)params[P_SLICE];
	st->held = (uint64_t)(params[P_HOLD] * (double)st->slice + 0.5);
	*state = st;
	return 0;
}

static uint64_t gil_run(void *state, uint64_t index, unsigned worker)
{
	struct gil_state *st = state;
	uint64_t x = wl_mix64(index ^ 0x3c6ef372fe94f82bULL);

	(void)worker;
	for (uint64_t done = 0; done < st->rounds; done += st->slice) {
		uint64_t len = st->rounds - done < st->slice ? st->rounds - done
							     : st->slice;
		uint64_t held = st->held < len ? st->held : len;

		if (held) {
			pthread_mutex_lock(&st->lock);
			x = wl_burn(x, held);
			pthread_mutex_unlock(&st->lock);
		}
		x = wl_burn(x, len - held);
	}
	return x;
}

static void gil_teardown(void *state)
{
	struct gil_state *st = state;

	if (!st)
		return;
	pthread_mutex_destroy(&st->lock);
	free(st);
}

const struct workload wl_gil = {
    .name = "gil",
    .summary = "compute holding a private lock for a fraction `hold`: one "
	       "lock for all threads, one per process",
    .kind = WL_CONTENTION,
    .params = gil_params,
    .default_tasks = 1000,
    .setup = gil_setup,
    .run_task = gil_run,
    .teardown = gil_teardown,
};
