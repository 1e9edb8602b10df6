/*
 * cpu-skewed: CPU tasks of heavy-tailed, uneven cost, to measure load
 * balancing.
 *
 * The design is simple: task i draws its length from a Pareto distribution
 * with shape `alpha` and scale `work` rounds, capped at `cap` x work, from a
 * uniform variate that depends only on i and `seed`; then it runs that many
 * rounds of the wl_burn step. Most tasks are short and a few are up to `cap`
 * times the scale, in no order, so a static schedule with large chunks gives
 * some workers far more work than others, while dynamic and guided
 * schedules (and small --chunk) even it out. The smaller alpha, the heavier
 * the tail: the mean of the capped length is about alpha / (alpha - 1) x work
 * for alpha > 1.
 *
 * Invariant: the length and the checksum of task i depend on i and the
 * parameters only. The only state is read-only during a run.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "wl_kernels.h"

enum { P_WORK, P_ALPHA, P_CAP, P_SEED };

static const struct wl_param cpu_skewed_params[] = {
    [P_WORK] = {.name = "work",
		.help = "scale: the shortest task's rounds (about 2 ns each)",
		.unit = WL_UNIT_COUNT,
		.def = 5000,
		.min = 1,
		.max = 1e10,
		.integer = true},
    [P_ALPHA] = {.name = "alpha",
		 .help = "Pareto shape: smaller is more skewed (1.2 is heavy)",
		 .unit = WL_UNIT_RATIO,
		 .def = 1.2,
		 .min = 0.1,
		 .max = 100},
    [P_CAP] = {.name = "cap",
	       .help = "longest task, as a multiple of work",
	       .unit = WL_UNIT_RATIO,
	       .def = 500,
	       .min = 1,
	       .max = 1e6},
    [P_SEED] = {.name = "seed",
		.help = "seed of the task lengths",
		.unit = WL_UNIT_COUNT,
		.def = 1,
		.min = 0,
		.max = 1e15,
		.integer = true},
    {.name = NULL},
};

struct cpu_skewed_state {
	uint64_t scale;
	double alpha, cap;
	uint64_t seed;
};

static int cpu_skewed_setup(const double *params, uint64_t ntasks, void **state,
			    char *err, size_t errlen)
{
	struct cpu_skewed_state *st;

	(void)ntasks;
	if (params[P_WORK] * params[P_CAP] > 1e12) {
		snprintf(err, errlen,
			 "work x cap = %.3g rounds: the longest task would "
			 "take half an hour or more (limit 1e12)",
			 params[P_WORK] * params[P_CAP]);
		return -EINVAL;
	}
	st = malloc(sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	st->scale = (uint64_t)params[P_WORK];
	st->alpha = params[P_ALPHA];
	st->cap = params[P_CAP];
	st->seed = (uint64_t)params[P_SEED];
	*state = st;
	return 0;
}

/* Rounds of task index: scale x min(cap, (1-u)^(-1/alpha)), u in [0,1). */
static uint64_t task_rounds(const struct cpu_skewed_state *st, uint64_t index)
{
	uint64_t bits = wl_mix64(index ^ wl_mix64(st->seed + 0x9e3779b9ULL));
	double u = (double)(bits >> 11) * 0x1p-53;
	double factor = pow(1.0 - u, -1.0 / st->alpha);

	if (!(factor < st->cap))
		factor = st->cap;
	return (uint64_t)((double)st->scale * factor);
}

static uint64_t cpu_skewed_run(void *state, uint64_t index, unsigned worker)
{
	const struct cpu_skewed_state *st = state;
	uint64_t rounds = task_rounds(st, index);

	(void)worker;
	return wl_burn(wl_mix64(index ^ 0xbb67ae8584caa73bULL), rounds) ^
	       rounds;
}

static void cpu_skewed_teardown(void *state)
{
	free(state);
}

const struct workload wl_cpu_skewed = {
    .name = "cpu-skewed",
    .summary = "CPU tasks of heavy-tailed (Pareto) length: load balancing",
    .kind = WL_CPU,
    .params = cpu_skewed_params,
    .default_tasks = 1000,
    .setup = cpu_skewed_setup,
    .run_task = cpu_skewed_run,
    .teardown = cpu_skewed_teardown,
};
