/*
 * fork-footprint: a parent with a large resident set, so that fork cost
 * shows.
 *
 * The design is simple: setup maps `rss` bytes of private anonymous memory
 * and writes one byte in every page, so that the parent (the process that
 * later forks the workers) has that much resident memory and the page
 * tables to map it. fork() copies the page tables (not the pages: they are
 * shared copy-on-write), so process-per-task and the process pool's start-up
 * (create_s) grow with `rss`, and so does every child's exit, which tears
 * them down again; pthread_create does not care. Transparent huge pages
 * map 2 MiB per page-table entry and hide most of that cost, so by default
 * the mapping is advised MADV_NOHUGEPAGE (thp=0); thp=1 advises
 * MADV_HUGEPAGE instead, to show the difference (where the system allows
 * huge pages at all). Tasks only do `work` rounds of the wl_burn step and
 * never touch the big mapping, so a process that sets the workload up
 * afresh (process-spawn's children, the fork server) leaves it out
 * (fresh_params): the footprint is the parent's, not the task's.
 *
 * Invariant: the checksum depends on the index and `work` only. Setup refuses
 * more than half of physical memory; teardown unmaps everything, so the
 * resident set drops back (the unit test checks VmRSS).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wl_kernels.h"

enum { P_RSS, P_WORK, P_THP };

#define MIB (1024.0 * 1024.0)

static const struct wl_param fork_footprint_params[] = {
    [P_RSS] = {.name = "rss",
	       .help = "memory the parent touches before workers are "
		       "created: 0, or 1MiB and up (e.g. 512MiB, 2GiB)",
	       .unit = WL_UNIT_BYTES,
	       .def = 256 * MIB,
	       .min = 0,
	       .max = 1024 * 1024 * MIB,
	       .integer = true},
    [P_WORK] = {.name = "work",
		.help = "compute rounds per task (about 2 ns each)",
		.unit = WL_UNIT_COUNT,
		.def = 50000,
		.min = 0,
		.max = 1e10,
		.integer = true},
    [P_THP] = {.name = "thp",
	       .help = "0: no transparent huge pages (4 KiB pages); 1: ask "
		       "for huge pages (MADV_HUGEPAGE)",
	       .unit = WL_UNIT_COUNT,
	       .def = 0,
	       .min = 0,
	       .max = 1,
	       .integer = true},
    {.name = NULL},
};

struct fork_footprint_state {
	unsigned char *mem; /* NULL when rss=0 */
	size_t bytes;
	uint64_t rounds;
};

static int fork_footprint_setup(const double *params, uint64_t ntasks,
				void **state, char *err, size_t errlen)
{
	struct fork_footprint_state *st;
	double half_phys;
	long page = sysconf(_SC_PAGESIZE);
	int rc;

	(void)ntasks;
	if (params[P_RSS] != 0 && params[P_RSS] < MIB) {
		snprintf(err, errlen,
			 "rss=%.0f bytes is less than 1 MiB: write a size with "
			 "a unit, e.g. rss=512MiB",
			 params[P_RSS]);
		return -EINVAL;
	}
	half_phys = 0.5 * (double)sysconf(_SC_PHYS_PAGES) * (double)page;
	if (params[P_RSS] > half_phys) {
		snprintf(err, errlen,
			 "rss=%.0f MiB is more than half of physical memory "
			 "(%.0f MiB)",
			 params[P_RSS] / MIB, half_phys / MIB);
		return -EINVAL;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	st->rounds = (uint64_t)params[P_WORK];
	st->bytes = (size_t)params[P_RSS];
	if (st->bytes) {
		void *map = mmap(NULL, st->bytes, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (map == MAP_FAILED) {
			rc = -errno;
			snprintf(err, errlen, "cannot map %.0f MiB: %s",
				 (double)st->bytes / MIB, strerror(errno));
			free(st);
			return rc;
		}
		st->mem = map;
		/* Advice only: where it is refused, the test still runs. */
		madvise(st->mem, st->bytes,
			params[P_THP] == 0 ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
		for (size_t off = 0; off < st->bytes; off += (size_t)page)
			st->mem[off] = (unsigned char)(off >> 12 | 1);
	}
	*state = st;
	return 0;
}

static uint64_t fork_footprint_run(void *state, uint64_t index, unsigned worker)
{
	const struct fork_footprint_state *st = state;

	(void)worker;
	return wl_burn(wl_mix64(index ^ 0x5be0cd19137e2179ULL), st->rounds);
}

static void fork_footprint_teardown(void *state)
{
	struct fork_footprint_state *st = state;

	if (!st)
		return;
	if (st->mem)
		munmap(st->mem, st->bytes);
	free(st);
}

/* A fresh process (spawned, or forked by the fork server) is no big
 * parent: it sets up without the parent's footprint. */
static void fork_footprint_fresh(double *params)
{
	params[P_RSS] = 0;
}

const struct workload wl_fork_footprint = {
    .name = "fork-footprint",
    .summary = "small tasks in a parent with `rss` of touched memory: fork "
	       "cost grows with it",
    .kind = WL_MEMORY,
    .params = fork_footprint_params,
    .default_tasks = 200,
    .setup = fork_footprint_setup,
    .run_task = fork_footprint_run,
    .teardown = fork_footprint_teardown,
    .fresh_params = fork_footprint_fresh,
};
