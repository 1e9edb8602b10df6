/*
 * cpu-hash: pure integer work, no memory traffic.
 *
 * The design is simple: task i seeds a 64-bit state from its index and runs
 * `work` rounds of a multiply-xorshift step. The rounds form one dependency
 * chain, so the compiler can neither vectorise nor shorten the loop, and a
 * round costs the latency of one multiply and a few ALU operations (about
 * 2 ns). The final state is the checksum, which consumes every round. The
 * only state is the round count, read-only during a run, so any number of
 * threads or forked workers may run tasks at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "wl_kernels.h"

enum { P_WORK };

static const struct wl_param cpu_hash_params[] = {
    [P_WORK] = {.name = "work",
		.help = "mixing rounds per task (about 2 ns each)",
		.unit = WL_UNIT_COUNT,
		.def = 10000,
		.min = 1,
		.max = 1e10,
		.integer = true},
    {.name = NULL},
};

struct cpu_hash_state {
	uint64_t rounds;
};

static int cpu_hash_setup(const double *params, uint64_t ntasks, void **state,
			  char *err, size_t errlen)
{
	struct cpu_hash_state *st;

	(void)ntasks;
	st = malloc(sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	st->rounds = (uint64_t)params[P_WORK];
	*state = st;
	return 0;
}

static uint64_t cpu_hash_run(void *state, uint64_t index, unsigned worker)
{
	const struct cpu_hash_state *st = state;
	uint64_t x = wl_mix64(index ^ 0x6a09e667f3bcc908ULL);

	(void)worker;
	for (uint64_t round = 0; round < st->rounds; round++) {
		x ^= x >> 29;
		x = x * 0xd6e8feb86659fd93ULL + round;
	}
	return x;
}

static void cpu_hash_teardown(void *state)
{
	free(state);
}

const struct workload wl_cpu_hash = {
    .name = "cpu-hash",
    .summary = "integer mixing loop: pure CPU, no memory traffic",
    .kind = WL_CPU,
    .params = cpu_hash_params,
    .default_tasks = 1000,
    .setup = cpu_hash_setup,
    .run_task = cpu_hash_run,
    .teardown = cpu_hash_teardown,
};
