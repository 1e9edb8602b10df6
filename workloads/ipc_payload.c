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

#define IPC_ALIGN 64u

/*
 * Outputs start this far past a page boundary relative to their inputs.
 * Streams whose addresses share their page offset thrash the L1 way
 * predictor of some CPUs (AMD: ten times slower here), a layout accident
 * that would penalise every executor's kernel.
 */
#define IPC_SKEW      (33u * IPC_ALIGN)
#define IPC_FNV_PRIME 0x100000001b3ULL
#define IPC_GOLDEN    0x9e3779b97f4a7c15ULL

static const struct wl_param ipc_payload_params[] = {
    [P_SIZE] =
	{.name = "size",
	 .help = "bytes each task receives and returns (size x tasks <= 1GiB)",
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

/* The bits ipc_load fills from n bytes. */
static inline uint64_t ipc_mask(size_t n)
{
	static const uint8_t ones[8] = {0xff, 0xff, 0xff, 0xff,
					0xff, 0xff, 0xff, 0xff};

	return ipc_load(ones, n);
}

/* What one pass over a task's words does besides the digest. */
enum ipc_pass {
	IPC_RUN,     /* the kernel: out = in ^ key */
	IPC_PREPARE, /* in = fresh values, out = ~(in ^ key), the poison */
};

/* Word k (n bytes) of a pass; returns in ^ key, the digested word. */
static inline uint64_t ipc_word(enum ipc_pass pass, uint8_t *in, uint8_t *out,
				size_t k, size_t n, uint64_t key, uint64_t base)
{
	uint64_t t;

	/* Word k is (base + k) x an odd constant: distinct words within a
	 * task, new ones for every seed, and cheap. */
	if (pass == IPC_PREPARE) {
		uint64_t fresh = (base + k) * IPC_GOLDEN & ipc_mask(n);

		ipc_store(in + 8 * k, fresh, n);
		t = fresh ^ key;
	} else {
		t = ipc_load(in + 8 * k, n) ^ key;
	}
	ipc_store(out + 8 * k, pass == IPC_PREPARE ? ~t : t, n);
	return t;
}

/*
 * The one pass behind the kernel and prepare, so both digest alike: full
 * word k feeds FNV-1a lane k % 4 (four lanes in registers keep the
 * multiplies independent), a last partial word, zero-padded, feeds lane 0.
 * in is written only by IPC_PREPARE.
 */
__attribute__((always_inline)) static inline uint64_t ipc_pass(
    enum ipc_pass pass, uint8_t *in, uint8_t *out, size_t size, uint64_t key,
    uint64_t base)
{
	uint64_t h0 = 0xcbf29ce484222325ULL, h1 = h0 + 1, h2 = h0 + 2,
		 h3 = h0 + 3;
	size_t words = size / 8, k = 0;

	for (; k + 4 <= words; k += 4) {
		h0 = (h0 ^ ipc_word(pass, in, out, k, 8, key, base)) *
		     IPC_FNV_PRIME;
		h1 = (h1 ^ ipc_word(pass, in, out, k + 1, 8, key, base)) *
		     IPC_FNV_PRIME;
		h2 = (h2 ^ ipc_word(pass, in, out, k + 2, 8, key, base)) *
		     IPC_FNV_PRIME;
		h3 = (h3 ^ ipc_word(pass, in, out, k + 3, 8, key, base)) *
		     IPC_FNV_PRIME;
	}
	if (k < words)
		h0 = (h0 ^ ipc_word(pass, in, out, k++, 8, key, base)) *
		     IPC_FNV_PRIME;
	if (k < words)
		h1 = (h1 ^ ipc_word(pass, in, out, k++, 8, key, base)) *
		     IPC_FNV_PRIME;
	if (k < words)
		h2 = (h2 ^ ipc_word(pass, in, out, k++, 8, key, base)) *
		     IPC_FNV_PRIME;
	if (size % 8)
		h0 =
		    (h0 ^ ipc_word(pass, in, out, words, size % 8, key, base)) *
		    IPC_FNV_PRIME;
	return wl_mix64(h0 ^ (h1 << 21 | h1 >> 43) ^ (h2 << 42 | h2 >> 22) ^
			(h3 << 63 | h3 >> 1) ^ size);
}

/* The kernel: out = in ^ key(index) word by word; returns the digest. */
static uint64_t ipc_payload_run(void *state, uint64_t index, unsigned worker,
				const void *in, void *out)
{
	const struct ipc_state *st = state;

	(void)worker;
	/* IPC_RUN never writes in. */
	return ipc_pass(IPC_RUN, (uint8_t *)in, out, st->size, ipc_key(index),
			0);
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

	for (uint64_t i = 0; i < st->ntasks; i++)
		st->expected[i] =
		    ipc_pass(IPC_PREPARE, (uint8_t *)ipc_payload_input(st, i),
			     ipc_payload_output(st, i), st->size, ipc_key(i),
			     wl_mix64(seed ^ wl_mix64(i + 1)));
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

	size_t whole = st->size / 8 * 8;

	for (size_t j = 0; j < st->size; j += 8) {
		size_t n = j < whole ? 8 : st->size - j;
		uint8_t want[8];

		if (n == 8 &&
		    ipc_load(out + j, 8) == (ipc_load(in + j, 8) ^ key))
			continue;
		/* Zero padding cancels: compare the n bytes only. */
		if (n < 8 && ipc_load(out + j, n) ==
				 (ipc_load(in + j, n) ^ (key & ipc_mask(n))))
			continue;
		ipc_store(want, ipc_load(in + j, n) ^ key, n);
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

		st->map_bytes = 2 * st->stride * (size_t)ntasks + IPC_SKEW;
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
		st->outputs =
		    st->inputs + st->stride * (size_t)ntasks + IPC_SKEW;
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
