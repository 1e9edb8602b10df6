/*
 * io-sleep: a task that waits, like a call to a remote service.
 *
 * The design is simple: each task blocks in clock_nanosleep for `sleep`
 * seconds on CLOCK_MONOTONIC and uses no CPU meanwhile, so W workers can
 * overlap W waits whatever the number of CPUs; this is the case where
 * threads and processes should both scale past the core count. A signal
 * interrupts the sleep with EINTR and the task sleeps again for the time
 * that remained. sleep=0 makes no system call at all: the task is then
 * empty, and a job measures only the executor's dispatch overhead. The
 * checksum depends only on the index, so the expected hook knows it without
 * sleeping. State is read-only during a run.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wl_kernels.h"

enum { P_SLEEP };

static const struct wl_param io_sleep_params[] = {
    [P_SLEEP] = {.name = "sleep",
		 .help = "time each task blocks (0: an empty task)",
		 .unit = WL_UNIT_SECONDS,
		 .def = 0.001,
		 .min = 0,
		 .max = 3600,
		 .integer = false},
    {.name = NULL},
};

struct io_sleep_state {
	struct timespec duration;
	bool empty;
};

static const uint64_t io_sleep_salt = 0x3c6ef372fe94f82bULL;

static int io_sleep_setup(const double *params, uint64_t ntasks, void **state,
			  char *err, size_t errlen)
{
	struct io_sleep_state *st;
	long long ns;

	(void)ntasks;
	st = malloc(sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ns = llround(params[P_SLEEP] * 1e9);
	st->duration.tv_sec = (time_t)(ns / 1000000000LL);
	st->duration.tv_nsec = (long)(ns % 1000000000LL);
	st->empty = ns == 0;
	*state = st;
	return 0;
}

static uint64_t io_sleep_run(void *state, uint64_t index, unsigned worker)
{
	const struct io_sleep_state *st = state;
	struct timespec request = st->duration, remaining;

	(void)worker;
	if (!st->empty) {
		/* clock_nanosleep returns the error; it does not set errno. */
		while (clock_nanosleep(CLOCK_MONOTONIC, 0, &request,
				       &remaining) == EINTR)
			request = remaining;
	}
	return wl_mix64(index ^ io_sleep_salt);
}

static enum wl_expect io_sleep_expected(void *state, uint64_t index,
					uint64_t *sum)
{
	(void)state;
	*sum = wl_mix64(index ^ io_sleep_salt);
	return WL_EXPECT_SUM;
}

static void io_sleep_teardown(void *state)
{
	free(state);
}

const struct workload wl_io_sleep = {
    .name = "io-sleep",
    .summary = "each task blocks in clock_nanosleep, like a remote call",
    .kind = WL_IO,
    .params = io_sleep_params,
    .default_tasks = 32,
    .setup = io_sleep_setup,
    .run_task = io_sleep_run,
    .expected = io_sleep_expected,
    .teardown = io_sleep_teardown,
};
