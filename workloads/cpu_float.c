/*
 * cpu-float: floating-point work, one Mandelbrot row per task.
 *
 * The design is simple: a job renders the region [-2, 0.5] x [-1.25, 1.25]
 * of the complex plane as an image of `width` columns and one row per task,
 * so the job's task count is the image height. Task i iterates z = z^2 + c for
 * every pixel of row i until |z| > 2 or `iters` iterations, and hashes the
 * integer escape counts, together with i, into its checksum. The escape
 * counts depend only on the parameters and i (the same code does the same
 * IEEE arithmetic in every thread and process), and hashing them consumes the
 * whole computation. Rows differ in cost, as real work does: rows through the
 * set run to the iteration limit, rows near the edge escape at once. State is
 * read-only during a run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "wl_kernels.h"

enum { P_WIDTH, P_ITERS };

static const struct wl_param cpu_float_params[] = {
    [P_WIDTH] = {.name = "width",
		 .help = "pixels per row (one row per task)",
		 .unit = WL_UNIT_COUNT,
		 .def = 512,
		 .min = 1,
		 .max = 1e7,
		 .integer = true},
    [P_ITERS] = {.name = "iters",
		 .help = "maximum iterations per pixel",
		 .unit = WL_UNIT_COUNT,
		 .def = 256,
		 .min = 1,
		 .max = 1e7,
		 .integer = true},
    {.name = NULL},
};

struct cpu_float_state {
	uint64_t width;
	uint64_t iters;
	uint64_t rows;
};

static int cpu_float_setup(const double *params, uint64_t ntasks, void **state,
			   char *err, size_t errlen)
{
	struct cpu_float_state *st;

	st = malloc(sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	st->width = (uint64_t)params[P_WIDTH];
	st->iters = (uint64_t)params[P_ITERS];
	st->rows = ntasks;
	*state = st;
	return 0;
}

static uint64_t cpu_float_run(void *state, uint64_t index, unsigned worker)
{
	const struct cpu_float_state *st = state;
	const double ci =
	    -1.25 + 2.5 * ((double)index + 0.5) / (double)st->rows;
	uint64_t hash = wl_mix64(index ^ 0xbb67ae8584caa73bULL);

	(void)worker;
	for (uint64_t col = 0; col < st->width; col++) {
		const double cr =
		    -2.0 + 2.5 * ((double)col + 0.5) / (double)st->width;
		double zr = 0, zi = 0;
		uint64_t n = 0;

		for (; n < st->iters; n++) {
			double zr2 = zr * zr, zi2 = zi * zi;

			if (zr2 + zi2 > 4.0)
				break;
			zi = 2.0 * zr * zi + ci;
			zr = zr2 - zi2 + cr;
		}
		/* Mirror rows have equal counts; the index in hash keeps them
		 * apart. */
		hash = (hash ^ n) * 0x100000001b3ULL;
	}
	return wl_mix64(hash);
}

static void cpu_float_teardown(void *state)
{
	free(state);
}

const struct workload wl_cpu_float = {
    .name = "cpu-float",
    .summary = "floating point: one Mandelbrot row per task, uneven cost",
    .kind = WL_CPU,
    .params = cpu_float_params,
    .default_tasks = 256,
    .setup = cpu_float_setup,
    .run_task = cpu_float_run,
    .teardown = cpu_float_teardown,
};
