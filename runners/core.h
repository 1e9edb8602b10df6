/*
 * The dispatch core shared by the thread pool and the process pool, and the
 * small helpers the executors share (internal to runners/).
 *
 * The design is simple: one job control block (struct pt_control) holds
 * everything workers and the caller exchange. It contains no pointer to
 * itself and no lock, so it works the same in private memory (thread pool)
 * and in an anonymous MAP_SHARED mapping made before fork (process pool): both
 * pools run exactly this scheduling code, and what a comparison measures is
 * process vs thread, not two queue designs. The only difference is the futex
 * flag: FUTEX_PRIVATE_FLAG for threads, shared futexes for processes.
 *
 * A job's life: the caller writes the job fields while every worker is idle,
 * then bumps job_ready_futex (the generation). Workers see the new generation
 * (spinning or woken by a futex), claim tasks with one atomic per chunk on
 * next_task (static schedules need none), write task i's checksum to
 * results[i], then check in on workers_done. The worker that makes the count
 * reach W bumps job_done_futex, on which the caller waits. Futex wakes are
 * only issued when a sleeper is registered, so the fast path has no syscall.
 *
 * Fault tolerance (process pool, failure policy continue or retry): each
 * worker also stamps task i done with the job's epoch (task_done[i]), so that
 * after a worker died the caller knows exactly which tasks never completed,
 * whatever the schedule: the dead worker's task, the rest of its chunk or
 * static share, even a chunk it had claimed but not begun. Once the
 * survivors have checked in, the caller posts those tasks again as a subset
 * job (task_map) of the same epoch, to every worker including the
 * replacements, until none is left. With a task timeout each worker also
 * stamps the start time of every task, and the caller's wait has a deadline.
 * Without these options the workers do neither: the fast path is unchanged.
 *
 * Invariant: the caller writes the job fields and resets the counters only
 * while every live worker has checked in for the previous generation; that is
 * what makes plain (non-atomic) job fields safe to read in workers.
 */
#ifndef PT_CORE_H
#define PT_CORE_H

#include "executor.h"
#include "pt_clock.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Cache-line padding: 128 bytes covers adjacent-line prefetch on x86. */
#define PT_CACHE_LINE 128

/* Spin rounds between sched_yield() calls when no thread waits for a CPU. */
#define PT_YIELD_EVERY 1024u

/* current_task of a worker that is not running a task. */
#define PT_NO_TASK UINT64_MAX

/*
 * One per worker, each on its own cache lines, written only by its worker
 * (and by the caller while that worker does not exist: before it is created,
 * after it died).
 */
struct pt_slot {
	/* Task being run, or PT_NO_TASK; relaxed: read only to name the task
	 * of a dead worker, after it is reaped. */
	alignas(PT_CACHE_LINE) _Atomic uint64_t current_task;
	/* Tasks this worker completed since it was created; relaxed. */
	_Atomic uint64_t tasks_done;
	/* With a task timeout: CLOCK_MONOTONIC start of current_task, stored
	 * before current_task (which is then stored with release). */
	_Atomic uint64_t task_started_ns;
	/* Last generation this worker has finished (checked in for). A new
	 * worker starts from the value the caller leaves here, so it waits for
	 * the next job, not the current one. seq_cst store by the worker,
	 * paired with the caller's seq_cst store of job_failed. */
	_Atomic uint32_t finished_generation;
};

struct pt_control {
	/*
	 * Read-only after pt_control_init.
	 */
	unsigned workers;
	enum ex_schedule schedule;
	uint64_t chunk; /* the schedule's chunk after defaults (static: 0) */
	enum ex_wait wait;
	int futex_flags;	   /* FUTEX_PRIVATE_FLAG, or 0 when shared */
	unsigned yield_every;	   /* spin rounds between sched_yield() calls */
	uint64_t results_capacity; /* slots in shared_results */
	uint64_t *shared_results;  /* results array behind the slots, or NULL */
	uint32_t *task_done; /* per task: epoch it completed in, or NULL */
	uint64_t *task_map;  /* subset jobs' tasks (with task_done) */
	bool timed;	     /* workers stamp task_started_ns */

	/*
	 * The job. Written by the caller only while every live worker is idle
	 * (see the file invariant), published by the seq_cst store to
	 * job_ready_futex, read by workers after their acquire load of it.
	 */
	alignas(PT_CACHE_LINE) ex_task_fn fn;
	void *arg;
	uint64_t ntasks;
	uint64_t *results;	/* job->results (threads) or shared_results */
	const uint64_t *subset; /* NULL, or the job's tasks (task_map) */
	uint32_t epoch;		/* generation of the job a subset belongs to */

	/*
	 * Job-ready line: written once per job by the caller, read by spinning
	 * workers. job_ready_futex is the generation (also the futex word);
	 * ready_sleepers counts workers inside (or about to enter) FUTEX_WAIT
	 * on it. Dekker pair: the caller stores job_ready_futex then loads
	 * ready_sleepers; a worker increments ready_sleepers then loads (in the
	 * kernel) job_ready_futex, all seq_cst, so no wake is lost.
	 */
	alignas(PT_CACHE_LINE) _Atomic uint32_t job_ready_futex;
	_Atomic uint32_t ready_sleepers;
	_Atomic uint32_t shutdown; /* set before a final generation bump */

	/*
	 * Next unclaimed task (dynamic, guided). Reset by the caller before
	 * posting; set to PT_CANCELLED when a job fails so claims stop.
	 * Relaxed: it orders nothing, the job fields are published by
	 * job_ready_futex.
	 */
	alignas(PT_CACHE_LINE) _Atomic uint64_t next_task;

	/*
	 * Completion line. workers_done counts check-ins for the current job
	 * (acq_rel RMW: results written before it are visible to the caller's
	 * acquire load). workers_running counts started workers. Whoever makes
	 * a count the caller waits for reach its target bumps job_done_futex
	 * and wakes it if done_sleepers says the caller may sleep (same Dekker
	 * pair as above). child_event is set by the process pool's SIGCHLD
	 * handler, which also bumps job_done_futex. job_failed makes every
	 * check-in wake the caller, which then counts per-slot
	 * finished_generation instead.
	 */
	alignas(PT_CACHE_LINE) _Atomic uint32_t workers_done;
	_Atomic uint32_t job_done_futex;
	_Atomic uint32_t done_sleepers;
	_Atomic uint32_t workers_running;
	_Atomic uint32_t child_event;
	_Atomic uint32_t job_failed;
	/* When the SIGCHLD handler set child_event (CLOCK_MONOTONIC ns). */
	_Atomic uint64_t child_event_ns;

	struct pt_slot slots[]; /* workers entries, then shared_results */
};

#define PT_CANCELLED (UINT64_MAX / 2)

/*
 * Bytes of a control block for config's W workers and result_slots shared
 * results (plus, with result slots and a failure policy other than abort,
 * the task_done and task_map arrays).
 */
size_t pt_control_size(const struct ex_config *config, uint64_t result_slots);

/*
 * Initialises a zeroed block of pt_control_size() bytes, 128-byte aligned.
 * shared: the block is in a MAP_SHARED mapping used by several processes
 * (only then are task_done, task_map and timed set up).
 */
void pt_control_init(struct pt_control *ctl, const struct ex_config *config,
		     uint64_t result_slots, bool shared);

/*
 * The worker side: announces the worker as running, then runs every job
 * posted after slots[worker].finished_generation until shutdown. Returns
 * on shutdown only.
 */
void pt_worker_loop(struct pt_control *ctl, unsigned worker);

/*
 * In a worker process that has its own copy of the workload (forkserver,
 * runners/forkserver.h): every job this process runs calls fn(arg, ...)
 * instead of the job's function and argument, which point into the
 * caller's address space. Call before pt_worker_loop().
 */
void pt_worker_set_task(ex_task_fn fn, void *arg);

/* Posts a job (every live worker must be idle); returns its generation. */
uint32_t pt_post_job(struct pt_control *ctl, ex_task_fn fn, void *arg,
		     uint64_t ntasks, uint64_t *results);

/*
 * Posts the count tasks in task_map[] as a job of the current epoch, with
 * the last job's function, argument and results (every live worker idle).
 */
uint32_t pt_post_subset(struct pt_control *ctl, uint64_t count);

/* Whether task completed in the current epoch (needs task_done). */
static inline bool pt_task_done(const struct pt_control *ctl, uint64_t task)
{
	return ctl->task_done[task] == ctl->epoch;
}

/*
 * Online CPUs, read once per process: sysconf(_SC_NPROCESSORS_ONLN) opens
 * and reads sysfs on every call, which was a third of a thread pool's
 * start-up (docs/overhead.md).
 */
long pt_online_cpus(void);

/* One round of a spin-wait: the CPU's pause hint. */
static inline void pt_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

/*
 * Waits, per the wait policy, until *counter >= target (a counter in the
 * completion line: workers_done or workers_running). Returns 0, or -ECHILD
 * as soon as child_event is set (the caller then looks at its children).
 */
int pt_wait_count(struct pt_control *ctl, _Atomic uint32_t *counter,
		  uint32_t target);

/* The same, also returning -ETIMEDOUT at deadline_ns (0: none). */
int pt_wait_count_until(struct pt_control *ctl, _Atomic uint32_t *counter,
			uint32_t target, uint64_t deadline_ns);

/*
 * Waits until workers_running >= target (start-up), asleep at once whatever
 * the wait policy, as pthread_join() waits: a new worker is often placed on
 * the caller's CPU, and a spinning caller kept it from running (a thread
 * pool's start took 10 times longer on a loaded 2-CPU machine). Returns 0,
 * or -ECHILD as pt_wait_count().
 */
int pt_wait_running(struct pt_control *ctl, uint32_t target);

/*
 * The caller as one of the W workers (the thread pool's worker 0, as
 * OpenMP's master thread): runs its share of the job posted as generation
 * and checks in, without waking anyone (it is the one who waits).
 */
void pt_run_as_worker(struct pt_control *ctl, unsigned worker,
		      uint32_t generation);

/* Waits for the job to complete: every worker checked in, or -ECHILD. */
static inline int pt_wait_job(struct pt_control *ctl)
{
	return pt_wait_count(ctl, &ctl->workers_done, ctl->workers);
}

/*
 * Failure path: stops further claims and makes every later check-in wake
 * the caller, who then tracks check-ins per slot with pt_slot_finished().
 */
void pt_fail_job(struct pt_control *ctl);

/* Reads the done word, to sleep on with pt_sleep_until_done_changes(). */
uint32_t pt_done_word(struct pt_control *ctl);

/*
 * Sleeps (futex, no spin) until job_done_futex differs from seen, or until
 * deadline_ns (CLOCK_MONOTONIC; 0: no deadline) passes.
 */
void pt_sleep_until_done_changes(struct pt_control *ctl, uint32_t seen,
				 uint64_t deadline_ns);

/* Whether worker w has checked in for generation (seq_cst). */
bool pt_slot_finished(struct pt_control *ctl, unsigned w, uint32_t generation);

/* Async-signal-safe: records a child event and wakes the waiting caller. */
void pt_note_child_event(struct pt_control *ctl);

/* Asks every worker to leave pt_worker_loop and wakes them all. */
void pt_shutdown(struct pt_control *ctl);

/*
 * Helpers for the process executors.
 */

/* "killed by SIGSEGV" or "exited with status 3", from a waitpid status. */
void pt_describe_status(int status, char *buf, size_t len);

/*
 * Why a task's process ended: "timed out after 0.5 s (killed)" when the
 * executor killed it past timeout_ns, "was reaped by someone else" for a
 * status of -1, else as pt_describe_status().
 */
void pt_describe_end(int status, bool timed_out, uint64_t timeout_ns, char *buf,
		     size_t len);

/* Whether a waitpid status is a clean exit (status 0). */
bool pt_status_clean(int status);

/*
 * Why fork() or pthread_create() failed, from a negative errno code: its
 * text, and for EAGAIN the RLIMIT_NPROC that is the usual cause.
 */
void pt_describe_spawn_error(int err, char *buf, size_t len);

/* pidfd_open(2) through syscall(2); -1 and errno on failure. */
int pt_pidfd_open(pid_t pid);
/*
 * posix_spawn() of path with descriptor from[k] as to[k] (k < n; every
 * from[k] out of the way of every to[]), an empty signal mask and default
 * signal handling. Returns 0 or a negative errno code.
 */
int pt_posix_spawn(pid_t *pid, const char *path, const int *from, const int *to,
		   unsigned n, char *const argv[]);

/*
 * In a freshly forked child: dies with the parent (PR_SET_PDEATHSIG) and
 * closes the race where the parent died before the prctl. Also resets
 * SIGCHLD to its default, since the parent's handler is not for the child.
 */
void pt_child_setup(pid_t parent);

/*
 * Pinning (--pin). pt_pin_prepare() runs in start(), before any worker
 * exists, and computes the CPU order for the policy; pt_pin_self() runs first
 * thing in a worker (thread or process) and binds it to its CPU. With
 * EX_PIN_NONE both do nothing. Returns 0 or a negative errno code.
 */
int pt_pin_prepare(enum ex_pin pin);
/*
 * The check every executor's start() opens with: at least one worker, and
 * the CPU order of --pin prepared (pt_pin_prepare). 0, or -EINVAL with
 * "NAME needs at least one worker" or "NAME: cannot read the allowed CPUs
 * to pin" in err.
 */
int pt_start_check(const char *name, const struct ex_config *config, char *err,
		   size_t errlen);
void pt_pin_self(unsigned worker);

/* The CPU worker is pinned to under the prepared policy, or -1 for none. */
int pt_pin_cpu(unsigned worker);

/*
 * Reaps child pid, waiting up to timeout_ms for it to exit, then kills it
 * with SIGKILL. Returns 0 and *status, or a negative errno code.
 */
int pt_reap_child(pid_t pid, int timeout_ms, int *status);

/*
 * A bell: an event count that other shared code (the payload transport)
 * waits on with the dispatch core's own spin-then-futex policy. A waiter
 * reads the word, checks its own condition, then waits for the word to
 * differ from what it read; a ringer changes its condition, then rings. The
 * sleepers count is the same Dekker pair as the job lines, so a ring skips
 * FUTEX_WAKE when nobody can be asleep and no ring is ever lost. A bell may
 * live in private memory (threads) or in a MAP_SHARED mapping (processes).
 */
struct pt_bell {
	_Atomic uint32_t word;
	_Atomic uint32_t sleepers;
	enum ex_wait wait;    /* read-only after pt_bell_init */
	int futex_flags;      /* FUTEX_PRIVATE_FLAG, or 0 when shared */
	unsigned yield_every; /* spin rounds between sched_yield() calls */
};

/* spinners: threads and processes that may spin at once (for yielding). */
void pt_bell_init(struct pt_bell *bell, enum ex_wait wait, unsigned spinners,
		  bool shared);
uint32_t pt_bell_read(struct pt_bell *bell);
void pt_bell_ring(struct pt_bell *bell);
/* Returns once the word differs from seen (or spuriously: re-check). */
void pt_bell_wait(struct pt_bell *bell, uint32_t seen);

/*
 * Executor descriptors, listed in registry.c's ex_all[].
 */
extern const struct executor_ops ex_serial;
extern const struct executor_ops ex_thread_pool;
extern const struct executor_ops ex_process_pool;
extern const struct executor_ops ex_thread_per_task;
extern const struct executor_ops ex_process_per_task;
extern const struct executor_ops ex_omp;
extern const struct executor_ops ex_process_spawn;
/* Python's own pools, the py-* workloads' references (python_pool.c). */
extern const struct executor_ops ex_python_serial;
extern const struct executor_ops ex_python_threads;
extern const struct executor_ops ex_python_processes;
extern const struct executor_ops ex_mpi;
extern const struct executor_ops ex_mpi_thread_pool;

#endif
