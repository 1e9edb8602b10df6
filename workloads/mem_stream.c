/*
 * mem-stream: memory bandwidth, a STREAM triad a = b + s*c per task.
 *
 * The design is simple: setup maps three arrays a, b and c of ntasks * size
 * bytes each, and task i owns slice i of every array: it writes a[j] =
 * b[j] + 3*c[j] over its slice and sums what it wrote. The arrays live in one
 * MAP_SHARED | MAP_ANONYMOUS mapping made before any worker exists, so forked
 * workers write to the parent's pages instead of making private copy-on-write
 * copies (each process still takes its own minor faults on first touch, a
 * real cost of processes that the benchmark should show). No two tasks touch
 * the same slice, so there is no data race in any executor.
 *
 * Exactness: element g (counting over the whole array) starts as
 * b[g] = g % 1021 and c[g] = (7 * g) % 509. Every value, every product and
 * every partial sum is an integer below 2^53, so the doubles are exact, the
 * summation order does not matter, and the checksum of task i is
 * wl_mix64(sum of a over slice i ^ wl_mix64(i)) exactly; the unit test
 * recomputes it from this paragraph.
 *
 * Setup refuses jobs whose three arrays would exceed half of physical memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wl_kernels.h"

enum { P_SIZE };

static const struct wl_param mem_stream_params[] = {
    [P_SIZE] = {.name = "size",
		.help = "bytes per array per task (three arrays)",
		.unit = WL_UNIT_BYTES,
		.def = 256 * 1024,
		.min = 8,
		.max = 64.0 * 1024 * 1024 * 1024,
		.integer = true},
    {.name = NULL},
};

struct mem_stream_state {
	double *a, *b, *c; /* ntasks * per_task elements each */
	size_t per_task;   /* elements per task */
	size_t map_bytes;  /* length of the one mapping holding a, b, c */
};

static const double triad_scalar = 3.0;

static int mem_stream_setup(const double *params, uint64_t ntasks, void **state,
			    char *err, size_t errlen)
{
	struct mem_stream_state *st;
	uint64_t size, array_bytes, total;
	double half_phys;
	void *map;
	int rc;

	size = (uint64_t)params[P_SIZE];
	if (size % sizeof(double)) {
		snprintf(err, errlen,
			 "size=%llu is not a multiple of 8 bytes (one double)",
			 (unsigned long long)size);
		return -EINVAL;
	}
	if (ntasks == 0) {
		snprintf(err, errlen, "mem-stream needs at least one task");
		return -EINVAL;
	}
	half_phys = 0.5 * (double)sysconf(_SC_PHYS_PAGES) *
		    (double)sysconf(_SC_PAGESIZE);
	if (__builtin_mul_overflow(size, ntasks, &array_bytes) ||
	    __builtin_mul_overflow(array_bytes, 3, &total) ||
	    (double)total > half_phys) {
		snprintf(err, errlen,
			 "3 arrays x %llu tasks x %llu bytes need more than "
			 "half of physical memory (%.0f MiB)",
			 (unsigned long long)ntasks, (unsigned long long)size,
			 half_phys / (1024.0 * 1024.0));
		return -EINVAL;
	}

	st = malloc(sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	map = mmap(NULL, (size_t)total, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		rc = -errno;
		snprintf(err, errlen, "cannot map %llu bytes: %s",
			 (unsigned long long)total, strerror(errno));
		free(st);
		return rc;
	}
	st->map_bytes = (size_t)total;
	st->per_task = (size_t)(size / sizeof(double));
	st->a = map;
	st->b = st->a + ntasks * st->per_task;
	st->c = st->b + ntasks * st->per_task;
	/* Touching every page here keeps first-fault cost out of job one. */
	for (size_t g = 0; g < ntasks * st->per_task; g++) {
		st->a[g] = 0;
		st->b[g] = (double)(g % 1021);
		st->c[g] = (double)((7 * g) % 509);
	}
	*state = st;
	return 0;
}

static uint64_t mem_stream_run(void *state, uint64_t index, unsigned worker)
{
	const struct mem_stream_state *st = state;
	const size_t n = st->per_task, first = (size_t)index * n;
	double *restrict a = st->a + first;
	const double *restrict b = st->b + first;
	const double *restrict c = st->c + first;
	double sum[4] = {0, 0, 0, 0};
	size_t j = 0;

	(void)worker;
	/* Four sums so the adds do not serialise; exact in any order. */
	for (; j + 4 <= n; j += 4) {
		for (size_t k = 0; k < 4; k++) {
			a[j + k] = b[j + k] + triad_scalar * c[j + k];
			sum[k] += a[j + k];
		}
	}
	for (; j < n; j++) {
		a[j] = b[j] + triad_scalar * c[j];
		sum[0] += a[j];
	}
	uint64_t total = (uint64_t)(sum[0] + sum[1] + sum[2] + sum[3]);
	return wl_mix64(total ^ wl_mix64(index));
}

static void mem_stream_teardown(void *state)
{
	struct mem_stream_state *st = state;

	if (!st)
		return;
	munmap(st->a, st->map_bytes);
	free(st);
}

const struct workload wl_mem_stream = {
    .name = "mem-stream",
    .summary = "STREAM triad a = b + s*c over each task's own slice",
    .kind = WL_MEMORY,
    .params = mem_stream_params,
    .default_tasks = 512,
    .setup = mem_stream_setup,
    .run_task = mem_stream_run,
    .teardown = mem_stream_teardown,
};
