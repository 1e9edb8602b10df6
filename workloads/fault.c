/*
 * fault: one task dies on purpose, so executors can show how they cope.
 *
 * The design is simple: task `at` fails in the way `mode` names and every
 * other task does a little CPU work and returns a normal checksum. The modes
 * are the ways a real task dies: "segv" writes through an invalid pointer
 * (a genuine SIGSEGV from the MMU, not raise()), "abort" calls abort()
 * (SIGABRT), "exit" calls _exit(WL_FAULT_EXIT_CODE), i.e. exit status 3, as
 * a library that exits on error would, and "hang" blocks forever in pause()
 * and needs a timeout and a kill. A process pool can survive all four by
 * replacing the worker; a thread pool takes the whole process down with the
 * first three and never finishes with the fourth, which is the finding.
 *
 * The work of a healthy task runs a bijective mixing step `work` times and
 * then its inverse `work` times, so the result is the task's seed again. The
 * compiler cannot see that the two loops cancel, so the work is really done,
 * and the expected hook knows every checksum without doing it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "wl_kernels.h"

enum { P_AT, P_MODE, P_WORK };
enum fault_mode { MODE_SEGV, MODE_ABORT, MODE_EXIT, MODE_HANG };

static const char *const fault_modes[] = {
    [MODE_SEGV] = "segv",
    [MODE_ABORT] = "abort",
    [MODE_EXIT] = "exit",
    [MODE_HANG] = "hang",
    NULL,
};

static const struct wl_param fault_params[] = {
    [P_AT] = {.name = "at",
	      .help = "index of the task that fails",
	      .unit = WL_UNIT_COUNT,
	      .def = 0,
	      .min = 0,
	      .max = 1e15,
	      .integer = true},
    [P_MODE] = {.name = "mode",
		.help = "how it fails: segv, abort, exit (status 3), hang",
		.unit = WL_UNIT_CHOICE,
		.def = MODE_SEGV,
		.min = 0,
		.max = MODE_HANG,
		.integer = true,
		.choices = fault_modes},
    [P_WORK] = {.name = "work",
		.help = "mixing rounds per healthy task (about 4 ns each)",
		.unit = WL_UNIT_COUNT,
		.def = 30000,
		.min = 0,
		.max = 1e10,
		.integer = true},
    {.name = NULL},
};

struct fault_state {
	uint64_t at;
	enum fault_mode mode;
	uint64_t rounds;
};

#define FAULT_MULTIPLIER 0xd6e8feb86659fd93ULL

/*
 * The address the segv mode writes to: inside page zero, which Linux never
 * maps (vm.mmap_min_addr). Volatile so the compiler can neither prove the
 * write undefined and replace it with a trap instruction, nor warn about it.
 */
static volatile uintptr_t fault_address = 64;

static int fault_setup(const double *params, uint64_t ntasks, void **state,
		       char *err, size_t errlen)
{
	struct fault_state *st;

	if (params[P_AT] >= (double)ntasks) {
		if (ntasks == 0)
			snprintf(err, errlen, "at=%.0f: the job has no tasks",
				 params[P_AT]);
		else
			snprintf(err, errlen,
				 "at=%.0f is not a task of this job "
				 "(tasks are 0..%llu)",
				 params[P_AT], (unsigned long long)ntasks - 1);
		return -EINVAL;
	}
	st = malloc(sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	st->at = (uint64_t)params[P_AT];
	st->mode = (enum fault_mode)params[P_MODE];
	st->rounds = (uint64_t)params[P_WORK];
	*state = st;
	return 0;
}

static uint64_t fault_seed(uint64_t index)
{
	return wl_mix64(index ^ 0x510e527fade682d1ULL);
}

/* The multiplicative inverse of an odd number modulo 2^64 (Newton). */
static uint64_t inverse_mod64(uint64_t odd)
{
	uint64_t inv = odd; /* right in the low 3 bits */

	for (int i = 0; i < 5; i++)
		inv *= 2 - odd * inv;
	return inv;
}

static uint64_t healthy_task(const struct fault_state *st, uint64_t index)
{
	const uint64_t inverse = inverse_mod64(FAULT_MULTIPLIER);
	uint64_t x = fault_seed(index);

	for (uint64_t round = 0; round < st->rounds; round++) {
		x ^= x >> 29;
		x = x * FAULT_MULTIPLIER + round;
	}
	for (uint64_t round = st->rounds; round-- > 0;) {
		x = (x - round) * inverse;
		x ^= (x >> 29) ^ (x >> 58);
	}
	return x;
}

static _Noreturn void fail(enum fault_mode mode)
{
	switch (mode) {
	case MODE_SEGV:
		*(volatile int *)fault_address = 1;
		/* Only if page zero was mapped after all. */
		raise(SIGSEGV);
		break;
	case MODE_ABORT:
		abort();
	case MODE_EXIT:
		_exit(WL_FAULT_EXIT_CODE);
	case MODE_HANG:
		for (;;)
			pause();
	}
	abort();
}

static uint64_t fault_run(void *state, uint64_t index, unsigned worker)
{
	const struct fault_state *st = state;

	(void)worker;
	if (index == st->at)
		fail(st->mode);
	return healthy_task(st, index);
}

static enum wl_expect fault_expected(void *state, uint64_t index, uint64_t *sum)
{
	const struct fault_state *st = state;

	if (index == st->at)
		return WL_EXPECT_FAILURE;
	*sum = fault_seed(index);
	return WL_EXPECT_SUM;
}

static void fault_teardown(void *state)
{
	free(state);
}

const struct workload wl_fault = {
    .name = "fault",
    .summary = "task `at` crashes, aborts, exits or hangs; others compute",
    .kind = WL_FAULT,
    .params = fault_params,
    .default_tasks = 100,
    .setup = fault_setup,
    .run_task = fault_run,
    .expected = fault_expected,
    .teardown = fault_teardown,
};
