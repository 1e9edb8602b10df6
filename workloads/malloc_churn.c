/*
 * malloc-churn: many allocations and frees of varied sizes per task.
 *
 * The design is simple: task i allocates `objects` objects with malloc, one
 * after another, keeping at most `live` of them alive at once (a ring: when
 * it is full, the oldest is checked and freed before the next allocation).
 * Sizes come from a generator seeded by i, roughly log-uniform between 16
 * bytes and `max_size` (16 << k for a uniform k, plus up to as much again),
 * so most objects are small and a few are large (above glibc's
 * mmap threshold, 128 KiB by default, an allocation is an mmap and its free
 * a munmap, until glibc's dynamic threshold rises past it after a free, as
 * in any real program). Each object gets one 8-byte word written in every
 * 64-byte line, so its pages are really touched, and the words are read back
 * and hashed when it is freed. Threads share one heap (glibc gives threads
 * separate arenas, but mmap'd objects and page faults contend on the one
 * address space); processes each have their own heap and address space.
 *
 * Invariant: the checksum is a hash of the sizes and the words read back,
 * which depend on i and the parameters only. A task whose allocation fails
 * returns 0, never a valid checksum, so verification catches it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "wl_kernels.h"

enum { P_OBJECTS, P_MAX_SIZE, P_LIVE };

static const struct wl_param malloc_churn_params[] = {
    [P_OBJECTS] = {.name = "objects",
		   .help = "objects allocated and freed per task",
		   .unit = WL_UNIT_COUNT,
		   .def = 5000,
		   .min = 1,
		   .max = 1e9,
		   .integer = true},
    [P_MAX_SIZE] = {.name = "max_size",
		    .help = "largest object (sizes log-uniform from 16 bytes)",
		    .unit = WL_UNIT_BYTES,
		    .def = 4096,
		    .min = 16,
		    .max = 1024.0 * 1024 * 1024,
		    .integer = true},
    [P_LIVE] = {.name = "live",
		.help = "objects alive at once per task",
		.unit = WL_UNIT_COUNT,
		.def = 32,
		.min = 1,
		.max = 65536,
		.integer = true},
    {.name = NULL},
};

#define MIN_OBJECT   16
#define TOUCH_STRIDE 64 /* one word written per line */

struct malloc_churn_state {
	uint64_t objects;
	uint64_t max_size;
	unsigned live;
	unsigned log_span; /* ceil(log2(max_size / MIN_OBJECT)) */
};

static int malloc_churn_setup(const double *params, uint64_t ntasks,
			      void **state, char *err, size_t errlen)
{
	struct malloc_churn_state *st;

	(void)ntasks;
	if (params[P_LIVE] * params[P_MAX_SIZE] > 4.0 * 1024 * 1024 * 1024) {
		snprintf(err, errlen,
			 "live x max_size = %.0f MiB: a task could hold more "
			 "than 4 GiB at once",
			 params[P_LIVE] * params[P_MAX_SIZE] / 1048576.0);
		return -EINVAL;
	}
	st = malloc(sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	st->objects = (uint64_t)params[P_OBJECTS];
	st->max_size = (uint64_t)params[P_MAX_SIZE];
	st->live = (unsigned)params[P_LIVE];
	st->log_span = 0;
	for (uint64_t s = MIN_OBJECT; s < st->max_size; s *= 2)
		st->log_span++;
	*state = st;
	return 0;
}

/* Size of object k: 16 * 2^(span * u), u uniform, at most max_size. */
static size_t object_size(const struct malloc_churn_state *st, uint64_t bits)
{
	/* 2^(span*u) by integer power plus a linear fraction: no libm. */
	unsigned shift = (unsigned)((bits >> 32) % (st->log_span + 1));
	uint64_t size = (uint64_t)MIN_OBJECT << shift;

	size += (size * (bits & 0xffff)) >> 16;
	return size > st->max_size ? st->max_size : size;
}

struct object {
	unsigned char *mem;
	size_t size;
	uint64_t seed;
};

static void touch(struct object *o)
{
	for (size_t off = 0; off + 8 <= o->size; off += TOUCH_STRIDE) {
		uint64_t word = o->seed + off;

		__builtin_memcpy(o->mem + off, &word, 8);
	}
}

static uint64_t check_and_free(struct object *o, uint64_t hash)
{
	for (size_t off = 0; off + 8 <= o->size; off += TOUCH_STRIDE) {
		uint64_t word;

		__builtin_memcpy(&word, o->mem + off, 8);
		hash = (hash ^ word) * 0x100000001b3ULL;
	}
	free(o->mem);
	o->mem = NULL;
	return (hash ^ o->size) * 0x100000001b3ULL;
}

static uint64_t malloc_churn_run(void *state, uint64_t index, unsigned worker)
{
	const struct malloc_churn_state *st = state;
	struct object *ring = calloc(st->live, sizeof(*ring));
	uint64_t hash = wl_mix64(index ^ 0x1f83d9abfb41bd6bULL);
	uint64_t failed = 0;

	(void)worker;
	if (!ring)
		return 0;
	for (uint64_t k = 0; k < st->objects; k++) {
		struct object *o = &ring[k % st->live];
		uint64_t bits = wl_mix64(hash ^ k);

		if (o->mem)
			hash = check_and_free(o, hash);
		o->size = object_size(st, bits);
		o->seed = bits;
		o->mem = malloc(o->size);
		if (!o->mem) {
			failed++;
			continue;
		}
		touch(o);
	}
	for (unsigned j = 0; j < st->live; j++)
		if (ring[j].mem)
			hash = check_and_free(&ring[j], hash);
	free(ring);
	return failed ? 0 : wl_mix64(hash);
}

static void malloc_churn_teardown(void *state)
{
	free(state);
}

const struct workload wl_malloc_churn = {
    .name = "malloc-churn",
    .summary = "malloc and free many objects of varied sizes, touching them",
    .kind = WL_MEMORY,
    .params = malloc_churn_params,
    .default_tasks = 64,
    .setup = malloc_churn_setup,
    .run_task = malloc_churn_run,
    .teardown = malloc_churn_teardown,
};
