/*
 * Workload kernels: the work a task does, and nothing about parallelism.
 *
 * The design is simple: each file in workloads/ exports one const struct
 * workload, and registry.c lists them all in one NULL-terminated table. A
 * workload has a table of numeric parameters (defaults, ranges, units, help),
 * a setup hook that runs in the parent before any worker exists (so input data
 * is inherited by forked workers and shared by threads), a run_task hook that
 * does one task and returns a 64-bit checksum, and a teardown hook.
 *
 * Invariant: run_task(state, i, w) returns the same checksum for the same
 * parameters and index i, whatever the worker w, the executor or the order in
 * which tasks run. The driver relies on that to verify that every task ran
 * exactly once, on its input, and that its result landed in slot i. The kernel
 * never forks, spawns, pins, times or waits for other tasks.
 */
#ifndef PT_WORKLOAD_H
#define PT_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wl_kind { WL_CPU, WL_MEMORY, WL_IO, WL_IPC, WL_CONTENTION, WL_FAULT };

/* How a parameter value is written on the command line. */
enum wl_unit {
	WL_UNIT_COUNT,	 /* plain number; k, M, G suffixes (powers of 1000) */
	WL_UNIT_BYTES,	 /* bytes; K/KiB, M/MiB, G/GiB suffixes (powers of 1024)
			  */
	WL_UNIT_SECONDS, /* seconds; ns, us, ms, s suffixes; stored in seconds
			  */
	WL_UNIT_RATIO,	 /* a plain real number, e.g. a fraction 0..1 */
	WL_UNIT_CHOICE,	 /* one of .choices; stored as its index */
};

struct wl_param {
	const char *name;
	const char *help;
	enum wl_unit unit;
	double def; /* default value (index for WL_UNIT_CHOICE) */
	double min; /* inclusive bounds, checked by wl_param_parse */
	double max;
	bool integer;		    /* value must be a whole number */
	const char *const *choices; /* WL_UNIT_CHOICE: NULL-terminated names */
};

#define WL_MAX_PARAMS 8

/*
 * Result of the optional expected hook: the checksum task i must return, or
 * the statement that task i is designed to fail (the fault workload).
 */
enum wl_expect { WL_EXPECT_SUM, WL_EXPECT_FAILURE };

/*
 * Optional hooks of a workload whose tasks take an input of bytes from the
 * parent and give back an output of bytes (ipc-payload). The kernel still
 * knows nothing about parallelism: run() works on buffers wherever they
 * are, and the driver's transport (runners/transport.h) decides whether a
 * worker gets the parent's pointers (threads) or copies moved over shared
 * memory or pipes (processes). The driver, outside the timed region, calls
 * prepare() before every job and check() on every task after it. The
 * checksums then also depend on the last prepare()'s seed.
 */
struct wl_payload {
	/* Bytes of every task's input, and of its output. */
	size_t (*bytes)(void *state);
	/*
	 * Makes every task's input afresh from seed (so a forked worker cannot
	 * have it already through copy-on-write), poisons every output (so a
	 * result that never crossed fails check()), and updates what the
	 * expected hook reports. seed 0 is what setup made.
	 */
	void (*prepare)(void *state, uint64_t seed);
	/* Task i's buffers in the parent's memory. */
	const void *(*input)(void *state, uint64_t index);
	void *(*output)(void *state, uint64_t index);
	/*
	 * The kernel on (in, out); returns task i's checksum. It may use the
	 * parameters in state, never the parent's buffers: a process-spawn
	 * worker calls it on a state set up for one task (the input comes
	 * through the transport).
	 */
	uint64_t (*run)(void *state, uint64_t index, unsigned worker,
			const void *in, void *out);
	/* Whether task i's output in the parent is right: 0, or -EIO with a
	 * one-line reason. */
	int (*check)(void *state, uint64_t index, char *err, size_t errlen);
};

struct workload {
	const char *name;    /* lower-case, dash-separated, unique */
	const char *summary; /* one line for --list */
	enum wl_kind kind;
	const struct wl_param
	    *params;		/* terminated by an entry with name NULL */
	uint64_t default_tasks; /* tasks per job when --tasks is not given */
	/*
	 * Bump when a change makes a task do different work for the same
	 * parameters: results of two versions must not be compared (bench
	 * compare refuses). 0 means 1.
	 */
	unsigned version;

	/*
	 * Runs once in the parent before workers exist. params has one value
	 * per entry of .params, already range-checked. Returns 0 or a negative
	 * errno code and then writes a one-line reason (no "bench:" prefix) to
	 * err.
	 */
	int (*setup)(const double *params, uint64_t ntasks, void **state,
		     char *err, size_t errlen);

	/* The kernel: one task. worker is 0..W-1, the executor's slot number.
	 */
	uint64_t (*run_task)(void *state, uint64_t index, unsigned worker);

	/*
	 * Optional. When the checksum of task i is cheap to know without
	 * running the task (sleeps, faults), say so here; otherwise the driver
	 * runs every task once in the calling thread to learn the reference
	 * checksums.
	 */
	enum wl_expect (*expected)(void *state, uint64_t index, uint64_t *sum);

	void (*teardown)(void *state); /* may be NULL */

	/*
	 * Optional. Rewrites params for a process that sets the workload up
	 * afresh instead of inheriting the parent's memory (a process-spawn
	 * child, the fork server of --start=forkserver), dropping what belongs
	 * to the parent only: fork-footprint's rss is the parent's own
	 * footprint, which no task reads. Checksums must not change.
	 */
	void (*fresh_params)(double *params);

	/* NULL, or the payload hooks (then expected is required too). */
	const struct wl_payload *payload;

	/*
	 * Optional: a figure the workload measures in its own tasks, summed
	 * over every worker, forked ones too (py-*: the GIL wait). Tasks
	 * measure it only while armed (stat_arm(state, true); off after
	 * setup), so the timed jobs do not pay for the clock reads: the
	 * driver arms it around its instrumented job only, as it takes the
	 * other phase timings there. The flag lives in shared memory, so
	 * arming reaches process workers forked before. stat_take returns
	 * the total since its last call and starts again from 0; the driver
	 * reports it as the counter stat_name. Both or neither are set.
	 */
	const char *stat_name;
	void (*stat_arm)(void *state, bool on);
	double (*stat_take)(void *state);

	/* NULL when usable; otherwise why this build cannot run it. */
	const char *unavailable;
};

/* The registry: NULL-terminated, in --list order. */
extern const struct workload *const wl_all[];

const struct workload *wl_find(const char *name);
const char *wl_kind_name(enum wl_kind kind);

/* Number of entries in w->params. */
unsigned wl_param_count(const struct workload *w);

/* Index of parameter name in w->params, or -1. */
int wl_param_index(const struct workload *w, const char *name);

/* Fills values[] with every parameter's default. */
void wl_param_defaults(const struct workload *w, double *values);

/*
 * Parses text as a value of parameter p (units, suffixes, choices, range).
 * Returns 0, or -EINVAL / -ERANGE and a one-line reason in err.
 */
int wl_param_parse(const struct wl_param *p, const char *text, double *value,
		   char *err, size_t errlen);

/*
 * Formats value the way a user would write it ("64KiB", "1ms", "segv"),
 * such that wl_param_parse reads it back to the same value.
 */
void wl_param_format(const struct wl_param *p, double value, char *buf,
		     size_t buflen);

/*
 * Checks that values[] (one per parameter of w) are finite, whole where
 * required and within range, as wl_param_parse would. Returns 0, or
 * -EINVAL / -ERANGE and a one-line reason in err.
 */
int wl_param_check_all(const struct workload *w, const double *values,
		       char *err, size_t errlen);

/*
 * The one way to set a workload up: checks every parameter value (callers
 * may hand values that never went through the parser), then runs w->setup.
 * Returns 0, or a negative errno code and a one-line reason in err.
 */
int wl_setup(const struct workload *w, const double *params, uint64_t ntasks,
	     void **state, char *err, size_t errlen);

/*
 * A task that fails on its own (a socket, a connection, a mapping it could
 * not get) returns wl_task_error(op, errno) instead of its checksum: a value
 * whose top 32 bits are WL_TASK_ERROR_TAG, carrying what failed (op) and
 * why (errno). When such a task's result differs from the expected one, the
 * driver reports the task's own error ("task 61 failed: socket: Too many
 * open files (RLIMIT_NOFILE is 64)"), not a checksum mismatch, and exits 2
 * when it is a resource limit. A valid checksum that happens to carry the
 * tag is still a valid checksum: only mismatches are read this way.
 */
enum wl_task_op {
	WL_OP_TASK,    /* the task, no detail */
	WL_OP_SOCKET,  /* socket(2), setsockopt(2) */
	WL_OP_CONNECT, /* connect(2) */
	WL_OP_SEND,    /* send(2) */
	WL_OP_RECV,    /* recv(2) */
	WL_OP_ECHO,    /* what came back differs from what was sent */
	WL_OP_MEMORY,  /* malloc(3), mmap(2) */
	WL_OP_OPEN,    /* open(2) */
	WL_OP_WRITE,   /* write(2) */
	WL_OP_SYNC,    /* fsync(2) */
	WL_OP_READ,    /* read(2), lseek(2) */
	WL_OP_CHECK,   /* what was read back differs from what was written */
	WL_OP_CLOSE,   /* close(2), unlink(2) */
	WL_OP_COUNT,
};

#define WL_TASK_ERROR_TAG 0x7a5ce770u

static inline uint64_t wl_task_error(enum wl_task_op op, int err)
{
	return (uint64_t)WL_TASK_ERROR_TAG << 32 |
	       (uint64_t)(op & 0xffff) << 16 | (uint64_t)(err & 0xffff);
}

/* Whether sum is a task's own error; then its op and errno. */
static inline bool wl_task_failed(uint64_t sum, enum wl_task_op *op, int *err)
{
	if (sum >> 32 != WL_TASK_ERROR_TAG ||
	    (sum >> 16 & 0xffff) >= WL_OP_COUNT)
		return false;
	*op = (enum wl_task_op)(sum >> 16 & 0xffff);
	*err = (int)(sum & 0xffff);
	return true;
}

/* "socket", "connect"...: what wl_task_op names. */
const char *wl_task_op_name(enum wl_task_op op);

/* 64-bit mixing function used by kernels to build checksums. */
static inline uint64_t wl_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

#endif
