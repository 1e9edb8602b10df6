/*
 * lock-contention: every task increments one shared counter under one lock.
 *
 * The design is simple: setup maps one page MAP_SHARED | MAP_ANONYMOUS before
 * any worker exists and puts a PTHREAD_PROCESS_SHARED mutex and a counter in
 * it, so threads and forked workers contend for the very same lock and cache
 * line. Task i does `increments` rounds of: `outside` compute rounds without
 * the lock, then, holding the lock, `cs` compute rounds and one increment of
 * the counter. The ratio cs / (cs + outside) is the serial fraction (Amdahl);
 * at cs=0 what remains is the cost of the lock itself, handed between cores
 * (threads) or between processes, which costs the same in the kernel: a
 * futex on a shared page is a futex.
 *
 * Invariant: the checksum is the final state of the task's compute chain,
 * which depends on the index and the parameters only, never on the
 * interleaving; the counter is what is contended, and after any set of runs
 * it equals (tasks run) x increments, which the unit test checks after runs
 * on threads and on forked processes. The lock is never held between tasks.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wl_kernels.h"

enum { P_INCREMENTS, P_CS, P_OUTSIDE };

static const struct wl_param lock_contention_params[] = {
    [P_INCREMENTS] = {.name = "increments",
		      .help = "lock acquisitions (counter increments) per task",
		      .unit = WL_UNIT_COUNT,
		      .def = 100,
		      .min = 1,
		      .max = 1e9,
		      .integer = true},
    [P_CS] = {.name = "cs",
	      .help = "compute rounds inside the critical section (~2 ns)",
	      .unit = WL_UNIT_COUNT,
	      .def = 50,
	      .min = 0,
	      .max = 1e9,
	      .integer = true},
    [P_OUTSIDE] = {.name = "outside",
		   .help = "compute rounds outside it, before each increment",
		   .unit = WL_UNIT_COUNT,
		   .def = 500,
		   .min = 0,
		   .max = 1e9,
		   .integer = true},
    {.name = NULL},
};

/* Lives in the shared mapping; the lock guards counter. */
struct shared_counter {
	pthread_mutex_t lock;
	uint64_t counter;
};

struct lock_contention_state {
	struct shared_counter *shared; /* MAP_SHARED, one page */
	size_t map_bytes;
	uint64_t increments, cs, outside;
};

static int lock_contention_setup(const double *params, uint64_t ntasks,
				 void **state, char *err, size_t errlen)
{
	struct lock_contention_state *st;
	pthread_mutexattr_t attr;
	int rc;

	(void)ntasks;
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	st->map_bytes = 4096;
	st->shared = mmap(NULL, st->map_bytes, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st->shared == MAP_FAILED) {
		rc = -errno;
		snprintf(err, errlen, "cannot map the shared counter: %s",
			 strerror(errno));
		free(st);
		return rc;
	}
	rc = pthread_mutexattr_init(&attr);
	if (!rc)
		rc =
		    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	if (!rc)
		rc = pthread_mutex_init(&st->shared->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	if (rc) {
		snprintf(err, errlen,
			 "cannot create a process-shared mutex: %s",
			 strerror(rc));
		munmap(st->shared, st->map_bytes);
		free(st);
		return -rc;
	}
	st->shared->counter = 0;
	st->increments = (uint64_t)params[P_INCREMENTS];
	st->cs = (uint64_t)params[P_CS];
	st->outside = (uint64_t)params[P_OUTSIDE];
	*state = st;
	return 0;
}

static uint64_t lock_contention_run(void *state, uint64_t index,
				    unsigned worker)
{
	struct lock_contention_state *st = state;
	struct shared_counter *shared = st->shared;
	uint64_t x = wl_mix64(index ^ 0xa54ff53a5f1d36f1ULL);

	(void)worker;
	for (uint64_t k = 0; k < st->increments; k++) {
		x = wl_burn(x, st->outside);
		pthread_mutex_lock(&shared->lock);
		x = wl_burn(x, st->cs);
		shared->counter++;
		pthread_mutex_unlock(&shared->lock);
	}
	return wl_mix64(x ^ st->increments);
}

uint64_t wl_lock_contention_total(void *state)
{
	struct lock_contention_state *st = state;
	uint64_t total;

	pthread_mutex_lock(&st->shared->lock);
	total = st->shared->counter;
	pthread_mutex_unlock(&st->shared->lock);
	return total;
}

static void lock_contention_teardown(void *state)
{
	struct lock_contention_state *st = state;

	if (!st)
		return;
	pthread_mutex_destroy(&st->shared->lock);
	munmap(st->shared, st->map_bytes);
	free(st);
}

const struct workload wl_lock_contention = {
    .name = "lock-contention",
    .summary = "increment one shared counter under one process-shared mutex",
    .kind = WL_CONTENTION,
    .params = lock_contention_params,
    .default_tasks = 200,
    .setup = lock_contention_setup,
    .run_task = lock_contention_run,
    .teardown = lock_contention_teardown,
};
