/*
 * Executors: the ways of running a job of N independent tasks on W workers.
 *
 * Each file in runners/ exports one const struct executor_ops; registry.c lists
 * them in one NULL-terminated table. An executor is started once (workers are
 * created, and that cost is timed apart from jobs), then maps any number of
 * jobs, then is stopped (every worker is joined or reaped).
 *
 * Invariant, whatever the executor and schedule: map() runs every task of the
 * job exactly once and stores task i's checksum in job->results[i], so results
 * are in task order. When map() returns 0 every slot is filled, except the
 * slots of the tasks job->failures lists (their content is unspecified).
 * When a task cannot complete (a worker died, or ran past the task timeout)
 * map() returns a negative errno code and ex_error() says which task failed
 * and why, unless the failure policy (ex_config.on_failure, process
 * executors only) is continue or retry:N and job->failures is given: then
 * the failed task is recorded there, its worker replaced, the rest of the
 * job finished, and map() returns 0. A task "runs exactly once" except that
 * retry:N runs a failed task again, up to N more times.
 *
 * Process executors rely on fork(): job->fn and job->arg, and everything arg
 * points to, must exist before start() so that workers inherit them. Results
 * cross back to the caller's job->results whatever the executor.
 *
 * The exception is process-spawn (runs_spec): its children exec the program
 * afresh, so no pointer survives. They run the job described as text by
 * ex_config.spawn_spec instead of job->fn, in the program's hidden worker
 * mode (EX_SPAWN_WORKER_FLAG below); job->fn must compute the same
 * checksums, since the caller verifies against them.
 */
#ifndef PT_EXECUTOR_H
#define PT_EXECUTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ex_schedule { EX_SCHED_STATIC, EX_SCHED_DYNAMIC, EX_SCHED_GUIDED };

/*
 * How idle workers and the waiting caller wait (as OMP_WAIT_POLICY): spin
 * only, sleep in the kernel at once (futex), or spin for a bounded time and
 * then sleep (the default).
 */
enum ex_wait { EX_WAIT_ADAPTIVE, EX_WAIT_SPIN, EX_WAIT_BLOCK };

/*
 * Where workers run: wherever the kernel puts them, or each worker pinned to
 * one allowed CPU, filling a core's hardware threads first (compact) or
 * one hardware thread per core first (spread). Worker w takes the w-th CPU
 * of that order, wrapping around when W exceeds the CPUs.
 */
enum ex_pin { EX_PIN_NONE, EX_PIN_COMPACT, EX_PIN_SPREAD };

/*
 * What a failed task (its process died or was killed after the task
 * timeout) means for the job: abort fails the job at once; continue records
 * the task as failed and finishes every other task; retry runs it again, up
 * to ex_config.retries more times, before it counts as failed.
 */
enum ex_on_failure {
	EX_ON_FAILURE_ABORT,
	EX_ON_FAILURE_CONTINUE,
	EX_ON_FAILURE_RETRY
};

/*
 * How a process executor makes its processes, as Python's multiprocessing
 * start methods: fork (a copy of the caller), forkserver (a fork of a small
 * server process, runners/forkserver.h, that never had the caller's
 * memory), spawn (an exec of the program: process-spawn).
 */
enum ex_start { EX_START_FORK, EX_START_FORKSERVER, EX_START_SPAWN };

typedef uint64_t (*ex_task_fn)(void *arg, uint64_t index, unsigned worker);

struct ex_config {
	unsigned workers; /* >= 1; ignored by serial */
	/* mpi+thread-pool only (0 elsewhere, read as 1): threads per rank,
	 * T of --workers=RxT; workers is then R x T. */
	unsigned threads;
	enum ex_schedule schedule; /* pools only */
	uint64_t chunk;		   /* 0 = the schedule's default */
	uint64_t max_tasks;	   /* largest ntasks any job will have */
	enum ex_wait wait;
	enum ex_pin pin;
	/* Process executors only; thread executors cannot survive a crash. */
	enum ex_on_failure on_failure;
	unsigned retries;	  /* retry: extra runs of a failed task */
	uint64_t task_timeout_ns; /* 0: none; a longer task is SIGKILLed */
	/*
	 * process-spawn only (NULL elsewhere): the job as text, handed
	 * unchanged to every spawned child, which rebuilds the job from it.
	 * Copied at start(). bench writes "WORKLOAD/tasks=N/KEY=VALUE/...",
	 * one KEY=VALUE per parameter of the workload, VALUE as "%.17g" (read
	 * back exactly by strtod); or "noop/tasks=N": empty tasks whose
	 * checksum is their index (bench overhead).
	 */
	const char *spawn_spec;
	/*
	 * process-spawn only (NULL elsewhere): descriptors every child is
	 * handed besides its result pipe (the payload transport's channels,
	 * transport.h). Read at start().
	 */
	const struct ex_spawn_channels *spawn_channels;
	/*
	 * process-pool and process-per-task: fork (0, the default),
	 * forkserver, or (process-pool only; process-per-task by spawn is
	 * process-spawn) spawn. Under forkserver the workers are forked from
	 * a server process that rebuilds the job from spawn_spec (required)
	 * and is handed spawn_channels, as process-spawn's children are;
	 * under spawn each pool worker is an exec of the program in its pool
	 * worker mode, handed the same. job->fn and job->arg are then never
	 * called in a worker (see ex_runs_spec).
	 */
	enum ex_start start;
	/* forkserver: the server program; NULL: procthread-forkserver in the
	 * directory of /proc/self/exe. A py-* workload's server is the same
	 * path with "-py" appended (the other server has no CPython). */
	const char *forkserver_path;
	/*
	 * NULL, or where stop() adds the accounting of workers that are not
	 * this process's children (mpi ranks are children of Open MPI's
	 * orted, so getrusage(RUSAGE_CHILDREN) never sees them).
	 */
	struct ex_usage *foreign_usage;
};

/* Accounting of whole worker processes, summed over them. */
struct ex_usage {
	double user_s, sys_s;
	double vol_ctxsw, invol_ctxsw, minflt, majflt;
	double peak_rss_bytes; /* sum of every process's VmHWM */
	unsigned processes;
};

/*
 * One task as a worker that cannot run the caller's wrapped function (mpi
 * ranks) saw it: CLOCK_MONOTONIC start and end, the worker index, the
 * process. end_ns 0: not run.
 */
struct ex_task_time {
	uint64_t start_ns, end_ns;
	uint32_t worker;
	int32_t pid;
};

/* "fork", "forkserver", "spawn"; parse returns 0 or -EINVAL. */
const char *ex_start_name(enum ex_start start);
int ex_start_parse(const char *text, enum ex_start *out);

/*
 * The child of slot s gets fds[s * per_slot + k] of the caller as its
 * descriptor EX_SPAWN_CHANNEL_FD + k (k < per_slot), and attach, unchanged,
 * as the CHANNEL argument of its argv (see EX_SPAWN_WORKER_FLAG). The
 * executor duplicates the descriptors at start(): the caller may close its
 * own after start() returns.
 */
struct ex_spawn_channels {
	const char *attach; /* no spaces; at most EX_SPAWN_MAX_ATTACH bytes */
	unsigned per_slot;  /* 1..EX_SPAWN_MAX_CHANNEL_FDS */
	const int *fds;	    /* workers x per_slot descriptors */
};

#define EX_SPAWN_CHANNEL_FD	 4
#define EX_SPAWN_MAX_CHANNEL_FDS 2
#define EX_SPAWN_MAX_ATTACH	 128

/* One task that failed for good (after every retry). */
struct ex_failure {
	uint64_t task;
	unsigned worker;   /* the slot of its last run */
	int pid;	   /* the process of its last run */
	int status;	   /* its waitpid status; -1: reaped by someone else */
	bool timed_out;	   /* killed by the executor past the task timeout */
	unsigned attempts; /* runs of the task, every one failed */
};

/*
 * What map() reports about failures, in memory the caller owns. The caller
 * sets list and capacity; map() resets and fills the rest. count can exceed
 * capacity: then only the first capacity failures (in task order) are
 * listed. The times are sums over events: a mean is sum / events.
 */
struct ex_failures {
	struct ex_failure *list;
	size_t capacity;
	uint64_t count;	       /* tasks that failed for good */
	uint64_t retried;      /* extra runs of failed tasks (retry:N) */
	unsigned detections;   /* worker deaths noticed */
	double detect_s;       /* summed: notice of a death to its reaping */
	unsigned replacements; /* replacement workers started */
	double replace_s;      /* summed: reaping to the replacement running */
};

struct ex_job {
	ex_task_fn fn;
	void *arg;
	uint64_t ntasks;   /* may be 0 */
	uint64_t *results; /* ntasks slots, caller's private memory */
	struct ex_failures *failures; /* NULL, or where failures are recorded */
	/* NULL, or ntasks slots an executor with times_tasks fills in. */
	struct ex_task_time *times;
};

/* Every executor instance begins with this header. */
struct executor {
	const struct executor_ops *ops;
	struct ex_config config;
	char error[256]; /* set when map() or start() fails */
	/* Set by start(), or empty: what the entry's label says about the
	 * run (mpi: "btl=vader hosts=1"). */
	char label[96];
};

struct executor_ops {
	const char *name;
	const char *alias;   /* another accepted name, or NULL */
	const char *summary; /* one line for --list */
	bool uses_workers;   /* false: runs in the calling thread (serial) */
	bool uses_schedule;  /* false: --schedule and --chunk do not apply */
	bool processes;	     /* workers are processes (isolated memory) */
	bool runs_spec;	     /* runs config.spawn_spec, not job->fn */
	/* NULL, or the prefix of the only workloads it runs (a reference
	 * executor: "all" leaves it out, the plan refuses other workloads) */
	const char *workload_prefix;
	bool times_tasks; /* fills job->times when given (runs_spec) */
	/* Runs only when named: "all" (and the default) leaves it out (mpi:
	 * each configuration starts Open MPI, about a second). */
	bool named_only;
	/* Each worker process runs config.threads threads (mpi+thread-pool):
	 * --workers=RxT names R x T workers. */
	bool threads_per_worker;

	/* Returns 0 and *out, or a negative errno code (then *out is NULL). */
	int (*start)(const struct ex_config *config, struct executor **out,
		     char *err, size_t errlen);
	int (*map)(struct executor *ex, const struct ex_job *job);
	void (*stop)(struct executor *ex); /* joins/reaps all; frees ex */

	const char *unavailable; /* NULL, or why this build cannot run it */
};

extern const struct executor_ops *const ex_all[];

/*
 * Whether the executor's processes run the job config->spawn_spec
 * describes instead of job->fn (process-spawn; process-pool and
 * process-per-task under --start=forkserver): then spawn_spec must be set,
 * job->fn must compute the same checksums, and the payload transport hands
 * them spawn_channels.
 */
static inline bool ex_runs_spec(const struct executor_ops *ops,
				const struct ex_config *config)
{
	return ops->runs_spec || (ops->processes && ops->uses_workers &&
				  config->start != EX_START_FORK);
}

/* By name or alias; NULL if none. */
const struct executor_ops *ex_find(const char *name);

const char *ex_schedule_name(enum ex_schedule schedule);
int ex_schedule_parse(const char *text, enum ex_schedule *out);
const char *ex_wait_name(enum ex_wait wait);
int ex_wait_parse(const char *text, enum ex_wait *out);
const char *ex_pin_name(enum ex_pin pin);
int ex_pin_parse(const char *text, enum ex_pin *out);

/*
 * "abort", "continue", "retry:N" (N 1..1000000). Returns 0, or -EINVAL.
 * ex_on_failure_format() writes the same spelling.
 */
int ex_on_failure_parse(const char *text, enum ex_on_failure *out,
			unsigned *retries);
void ex_on_failure_format(enum ex_on_failure policy, unsigned retries,
			  char *buf, size_t len);

/*
 * "task 3 (worker 1, pid 4242): killed by SIGSEGV", or "...: timed out after
 * 0.5 s (killed)" given the task timeout; with the attempts under retry.
 */
void ex_failure_describe(const struct ex_failure *failure,
			 uint64_t task_timeout_ns, char *buf, size_t len);

/*
 * The hidden worker mode of a program that uses process-spawn. A child is
 * started as
 *   PROGRAM --procthread-spawn-worker SPEC TASK WORKER FD CPU PARENT [CHANNEL]
 * and must run task TASK of the job SPEC as worker WORKER, write its 64-bit
 * checksum (8 bytes, host order) to descriptor FD, print nothing, and exit 0.
 * CPU is the CPU to pin to, or -1; PARENT the pid of the spawning process.
 * CHANNEL is present exactly when ex_config.spawn_channels was given: its
 * attach text, with the slot's descriptors open from EX_SPAWN_CHANNEL_FD on
 * (the payload transport: pt_transport_attach() in transport.h).
 * The program checks argv[1] against the flag first thing in main().
 */
#define EX_SPAWN_WORKER_FLAG "--procthread-spawn-worker"

/*
 * The pool worker mode of process-pool --start=spawn: a worker is started as
 *   PROGRAM --procthread-pool-worker SPEC WORKER CPU PARENT ADDR LEN [CHANNEL]
 * with the pool's control block, a memfd of LEN bytes, on descriptor
 * EX_POOL_WORKER_MAP_FD (and CHANNEL's descriptors from EX_SPAWN_CHANNEL_FD
 * on, as for EX_SPAWN_WORKER_FLAG). It must map the block at ADDR, run
 * the worker loop as worker WORKER with its own copy of the job SPEC,
 * pinned to CPU - 1 (CPU 0: not pinned), die with PARENT, and exit 0 when
 * the pool shuts down. The program checks argv[1] first thing in main().
 */
#define EX_POOL_WORKER_FLAG   "--procthread-pool-worker"
#define EX_POOL_WORKER_MAP_FD 6

struct ex_spawn_request {
	const char *spec;
	uint64_t task;
	unsigned worker;
	int result_fd;
	int cpu;
	int parent;
	const char *channel; /* CHANNEL, or NULL */
};

/*
 * Parses the worker argv (argv[1] is the flag). Returns 0, or -EINVAL and a
 * one-line reason in err.
 */
int ex_spawn_parse(int argc, char **argv, struct ex_spawn_request *req,
		   char *err, size_t errlen);

/*
 * First thing in the worker: dies with the spawning process
 * (PR_SET_PDEATHSIG; exits at once if it is already gone), then pins itself
 * to req->cpu. Returns 0 or a negative errno code.
 */
int ex_spawn_begin(const struct ex_spawn_request *req);

/* Sends the checksum to the spawner and closes the descriptor. */
int ex_spawn_reply(const struct ex_spawn_request *req, uint64_t checksum);

static inline const char *ex_error(const struct executor *ex)
{
	return ex->error;
}

#endif
