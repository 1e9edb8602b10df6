/*
 * page-touch: a known number of fresh page faults per task.
 *
 * The design is simple: task i maps `pages` pages of anonymous private
 * memory, writes one byte to each page (so the kernel must fault every page
 * in: one minor fault per page, huge pages refused with MADV_NOHUGEPAGE),
 * reads the bytes back through a volatile pointer, and unmaps the region.
 * The mapping is new in every task, so its faults are always fresh, in a
 * thread as in a process, and a job of N tasks costs exactly N x pages page
 * faults plus what the executor itself adds. That makes it the yardstick for
 * fault and memory-management cost (mmap, page zeroing, munmap and its TLB
 * shootdown across the threads of one address space) and the ground truth
 * against which the page-fault counters are tested. The checksum mixes the
 * bytes read back; the expected hook computes it without touching memory.
 * A task that cannot map its region returns wl_task_error(WL_OP_MEMORY,
 * errno) (workload.h), which the driver reports as the task's error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wl_kernels.h"

enum { P_PAGES };

static const struct wl_param page_touch_params[] = {
    [P_PAGES] = {.name = "pages",
		 .help = "fresh pages each task maps, touches and unmaps",
		 .unit = WL_UNIT_COUNT,
		 .def = 64,
		 .min = 1,
		 .max = 1 << 20,
		 .integer = true},
    {.name = NULL},
};

struct page_touch_state {
	uint64_t pages;
	size_t page_size;
};

static const uint64_t page_touch_salt = 0x510e527fade682d1ULL;

/* The byte task index writes to its page p: never 0, so a page that was
 * not written (still zero) changes the checksum. */
static unsigned char page_touch_byte(uint64_t index, uint64_t page)
{
	return (unsigned char)(wl_mix64(index * 0x9e3779b97f4a7c15ULL ^ page) |
			       1);
}

static uint64_t page_touch_sum(uint64_t index, uint64_t sum)
{
	return wl_mix64(sum ^ index ^ page_touch_salt);
}

static int page_touch_setup(const double *params, uint64_t ntasks, void **state,
			    char *err, size_t errlen)
{
	struct page_touch_state *st;
	long page_size = sysconf(_SC_PAGESIZE);

	(void)ntasks;
	st = malloc(sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	st->pages = (uint64_t)params[P_PAGES];
	st->page_size = page_size > 0 ? (size_t)page_size : 4096;
	*state = st;
	return 0;
}

static uint64_t page_touch_run(void *state, uint64_t index, unsigned worker)
{
	const struct page_touch_state *st = state;
	size_t len = st->pages * st->page_size;
	volatile unsigned char *region;
	uint64_t sum = 0;
	void *mapping;

	(void)worker;
	mapping = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mapping == MAP_FAILED)
		return wl_task_error(WL_OP_MEMORY, errno);
	/* One fault per page, whatever the transparent huge page policy. */
	madvise(mapping, len, MADV_NOHUGEPAGE);
	region = mapping;
	for (uint64_t p = 0; p < st->pages; p++)
		region[p * st->page_size] = page_touch_byte(index, p);
	for (uint64_t p = 0; p < st->pages; p++)
		sum = sum * 31 + region[p * st->page_size];
	munmap(mapping, len);
	return page_touch_sum(index, sum);
}

static enum wl_expect page_touch_expected(void *state, uint64_t index,
					  uint64_t *sum)
{
	const struct page_touch_state *st = state;
	uint64_t acc = 0;

	for (uint64_t p = 0; p < st->pages; p++)
		acc = acc * 31 + page_touch_byte(index, p);
	*sum = page_touch_sum(index, acc);
	return WL_EXPECT_SUM;
}

static void page_touch_teardown(void *state)
{
	free(state);
}

const struct workload wl_page_touch = {
    .name = "page-touch",
    .summary = "maps, touches and unmaps fresh pages: a known count of page "
	       "faults",
    .kind = WL_MEMORY,
    .params = page_touch_params,
    .default_tasks = 200,
    .setup = page_touch_setup,
    .run_task = page_touch_run,
    .expected = page_touch_expected,
    .teardown = page_touch_teardown,
};
