/*
 * ipc-payload: each task receives an input of `size` bytes from the parent
 * and gives back an output of `size` bytes, so what an executor pays to move
 * data between the parent and its workers shows. Threads pass pointers;
 * process executors move the bytes through the driver's transport
 * (--transport=shm|pipe, runners/transport.h).
 *
 * The design is simple: setup maps, in the parent's private memory, every
 * task's input and output buffer (each rounded up to a cache line so no two
 * tasks share one). The kernel reads its input as 64-bit words (the last
 * one zero-padded), writes out = in ^ key(i), a per-task constant, and
 * returns a digest of what it wrote (four FNV-1a lanes over the words, then
 * wl_mix64): a checksum of the bytes the worker really received. Before
 * every job the driver calls prepare(seed): it draws fresh inputs from the
 * seed, computes the digest each task must return (the expected hook), and
 * poisons each output with the complement of its correct value, so every
 * byte of a result that did not come back differs. After the job check()
 * compares each output with in ^ key(i) byte for byte.
 *
 * Invariant: the parent holds 2 x size x tasks bytes; setup refuses more
 * than IPC_MAX_BYTES of inputs (size x tasks), i.e. twice that in all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wl_kernels.h"

enum { P_SIZE };

/* Inputs (size x tasks) the parent may hold; outputs are as many again. */
#define IPC_MAX_BYTES (UINT64_C(1) << 30)

#define IPC_ALIGN     64u
#define IPC_FNV_PRIME 0x100000001b3ULL

static const struct wl_param ipc_payload_params[] = {
    [P_SIZE] = {.name = "size",
		.help = "bytes each task receives and returns",
		.unit = WL_UNIT_BYTES,
		.def = 64 * 1024,
		.min = 0,
		.max = 1024.0 * 1024 * 1024,
		.integer = true},
    {.name = NULL},
};

struct ipc_state {
	size_t size;
	size_t stride; /* size rounded up to IPC_ALIGN */
	uint64_t ntasks;
	uint8_t *inputs; /* ntasks strides, then as many outputs */
	uint8_t *outputs;
	size_t map_bytes; /* 0: nothing mapped (no bytes to hold) */
	uint64_t *expected;
};

/* A buffer for zero-byte tasks, so no pointer is ever NULL. */
static uint8_t ipc_empty[IPC_ALIGN];

static uint64_t ipc_key(uint64_t index)
{
	return wl_mix64(index ^ 0x243f6a8885a308d3ULL);
}

/* The n <= 8 bytes at p as a word, zero-padded; and back. */
static inline uint64_t ipc_load(const uint8_t *p, size_t n)
{
	uint64_t w = 0;

	memcpy(&w, p, n);
	return w;
}

static inline void ipc_store(uint8_t *p, uint64_t w, size_t n)
{
	memcpy(p, &w, n);
}

struct ipc_digest {
	uint64_t h[4];
};

static inline void ipc_digest_init(struct ipc_digest *d)
{
	for (int k = 0; k < 4; k++)
		d->h[k] = 0xcbf29ce484222325ULL + (uint64_t)k;
}

static inline void ipc_digest_word(struct ipc_digest *d, size_t k, uint64_t w)
{
	d->h[k & 3] = (d->h[k & 3] ^ w) * IPC_FNV_PRIME;
}

static inline uint64_t ipc_digest_end(const struct ipc_digest *d, size_t size)
{
	uint64_t h = d->h[0] ^ (d->h[1] << 21 | d->h[1] >> 43) ^
		     (d->h[2] << 42 | d->h[2] >> 22) ^
		     (d->h[3] << 63 | d->h[3] >> 1);

	return wl_mix64(h ^ size);
}

/* The kernel: out = in ^ key(index) word by word; returns the digest. */
static uint64_t ipc_payload_run(void *state, uint64_t index, unsigned worker,
				const void *in_buf, void *out_buf)
{
	const struct ipc_state *st = state;
	const uint8_t *in = in_buf;
	uint8_t *out = out_buf;
	uint64_t key = ipc_key(index);
	size_t words = st->size / 8, tail = st->size % 8;
	struct ipc_digest d;

	(void)worker;
	ipc_digest_init(&d);
	for (size_t k = 0; k < words; k++) {
		uint64_t t = ipc_load(in + 8 * k, 8) ^ key;

		ipc_store(out + 8 * k, t, 8);
		ipc_digest_word(&d, k, t);
	}
	if (tail) {
		uint64_t t = ipc_load(in + 8 * words, tail) ^ key;

		ipc_store(out + 8 * words, t, tail);
		ipc_digest_word(&d, words, t);
	}
	return ipc_digest_end(&d, st->size);
}

static const void *ipc_payload_input(void *state, uint64_t index)
{
	const struct ipc_state *st = state;

	return st->map_bytes ? st->inputs + index * st->stride : ipc_empty;
}

static void *ipc_payload_output(void *state, uint64_t index)
{
	const struct ipc_state *st = state;

	return st->map_bytes ? st->outputs + index * st->stride : ipc_empty;
}

static uint64_t ipc_payload_task(void *state, uint64_t index, unsigned worker)
{
	return ipc_payload_run(state, index, worker,
			       ipc_payload_input(state, index),
			       ipc_payload_output(state, index));
}

/*
 * Fresh inputs from seed, the digest each task must return, and outputs
 * poisoned with the complement of the right bytes: one pass per task.
 */
static void ipc_payload_prepare(void *state, uint64_t seed)
{
	struct ipc_state *st = state;
	size_t words = (st->size + 7) / 8;

	for (uint64_t i = 0; i < st->ntasks; i++) {
		uint8_t *in = (uint8_t *)ipc_payload_input(st, i);
		uint8_t *out = ipc_payload_output(st, i);
		uint64_t base = wl_mix64(seed ^ wl_mix64(i + 1));
		uint64_t key = ipc_key(i);
		struct ipc_digest d;

		ipc_digest_init(&d);
		for (size_t k = 0; k < words; k++) {
			size_t n = st->size - 8 * k < 8 ? st->size - 8 * k : 8;
			uint64_t w, t;

			ipc_store(in + 8 * k, wl_mix64(base + k), n);
			w = ipc_load(in + 8 * k, n);
			t = w ^ key;
			ipc_digest_word(&d, k, t);
			ipc_store(out + 8 * k, ~t, n);
		}
		st->expected[i] = ipc_digest_end(&d, st->size);
	}
}

static enum wl_expect ipc_payload_expected(void *state, uint64_t index,
					   uint64_t *sum)
{
	const struct ipc_state *st = state;

	*sum = st->expected[index];
	return WL_EXPECT_SUM;
}

static int ipc_payload_check(void *state, uint64_t index, char *err,
			     size_t errlen)
{
	const struct ipc_state *st = state;
	const uint8_t *in = ipc_payload_input(state, index);
	const uint8_t *out = ipc_payload_output(state, index);
	uint64_t key = ipc_key(index);

	for (size_t j = 0; j < st->size; j += 8) {
		size_t n = st->size - j < 8 ? st->size - j : 8;
		uint8_t want[8];

		ipc_store(want, ipc_load(in + j, n) ^ key, n);
		if (memcmp(out + j, want, n) == 0)
			continue;
		size_t b = 0;

		while (out[j + b] == want[b])
			b++;
		snprintf(err, errlen,
			 "task %llu: output byte %zu of %zu is 0x%02x, "
			 "expected 0x%02x: the result did not come back intact",
			 (unsigned long long)index, j + b, st->size, out[j + b],
			 want[b]);
		return -EIO;
	}
	return 0;
}

static size_t ipc_payload_bytes(void *state)
{
	return ((const struct ipc_state *)state)->size;
}

static void ipc_payload_teardown(void *state)
{
	struct ipc_state *st = state;

	if (!st)
		return;
	if (st->map_bytes)
		munmap(st->inputs, st->map_bytes);
	free(st->expected);
	free(st);
}

static int ipc_payload_setup(const double *params, uint64_t ntasks,
			     void **state, char *err, size_t errlen)
{
	struct ipc_state *st = NULL;
	uint64_t size = (uint64_t)params[P_SIZE], total;
	int rc = 0;

	if (__builtin_mul_overflow(size, ntasks, &total) ||
	    total > IPC_MAX_BYTES) {
		snprintf(err, errlen,
			 "size x tasks = %llu x %llu exceeds 1GiB: the parent "
			 "holds every task's input and output (2 x 1GiB at "
			 "most)",
			 (unsigned long long)size, (unsigned long long)ntasks);
		rc = -E2BIG;
		goto out;
	}
	st = calloc(1, sizeof(*st));
	if (!st || !(st->expected =
			 calloc(ntasks ? ntasks : 1, sizeof(*st->expected)))) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	st->size = (size_t)size;
	st->stride = (st->size + IPC_ALIGN - 1) / IPC_ALIGN * IPC_ALIGN;
	st->ntasks = ntasks;
	if (st->stride && ntasks) {
		void *map;

		st->map_bytes = 2 * st->stride * (size_t)ntasks;
		map = mmap(NULL, st->map_bytes, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map == MAP_FAILED) {
			rc = -errno;
			snprintf(err, errlen, "cannot map %zu bytes: %s",
				 st->map_bytes, strerror(errno));
			st->map_bytes = 0;
			goto out;
		}
		st->inputs = map;
		st->outputs = st->inputs + st->stride * (size_t)ntasks;
	}
	ipc_payload_prepare(st, 0);
	*state = st;
out:
	if (rc)
		ipc_payload_teardown(st);
	return rc;
}

static const struct wl_payload ipc_payload_hooks = {
    .bytes = ipc_payload_bytes,
    .prepare = ipc_payload_prepare,
    .input = ipc_payload_input,
    .output = ipc_payload_output,
    .run = ipc_payload_run,
    .check = ipc_payload_check,
};

const struct workload wl_ipc_payload = {
    .name = "ipc-payload",
    .summary = "each task gets size bytes from the parent and returns size "
	       "bytes",
    .kind = WL_IPC,
    .params = ipc_payload_params,
    .default_tasks = 256,
    .setup = ipc_payload_setup,
    .run_task = ipc_payload_task,
    .expected = ipc_payload_expected,
    .teardown = ipc_payload_teardown,
    .payload = &ipc_payload_hooks,
};
