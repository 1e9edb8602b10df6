/*
 * The dispatch core: job posting, task claiming (OpenMP-style static,
 * dynamic and guided schedules), completion and the spin-then-sleep waits,
 * for a control block in private or shared memory. See core.h for the
 * block's layout and its invariants.
 *
 * Waiting follows ex_config.wait. EX_WAIT_SPIN never sleeps; it pauses the
 * CPU between polls and calls sched_yield() now and then so that an
 * oversubscribed run still progresses: every PT_YIELD_EVERY rounds normally,
 * every round when the workers plus the waiting caller outnumber the online
 * CPUs (then some thread that must run is always off-CPU, and only a yield
 * lets it run before the spinner's time slice ends).
 * EX_WAIT_BLOCK sleeps in FUTEX_WAIT at once. EX_WAIT_ADAPTIVE spins like
 * SPIN for PT_ADAPTIVE_SPIN_NS (the clock is read only every PT_CLOCK_EVERY
 * rounds, so a wait that succeeds quickly never reads it) and then sleeps.
 * A sleeper registers in a sleepers count first, so a waker skips the
 * FUTEX_WAKE syscall whenever nobody can be asleep.
 *
 * The claim loops keep the job fields in locals: the hot path of a dynamic
 * schedule is one relaxed fetch_add on next_task per chunk, then per task a
 * relaxed store to the worker's own slot (the task a dead process worker
 * was running) and the indirect call.
 */
#include "core.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define PT_ADAPTIVE_SPIN_NS 50000u
#define PT_CLOCK_EVERY	    64u

/* Larger chunks gain nothing and could overflow next_task arithmetic. */
#define PT_MAX_CHUNK (UINT64_C(1) << 32)

long pt_online_cpus(void)
{
	static _Atomic long cached;
	long cpus = atomic_load_explicit(&cached, memory_order_relaxed);

	if (cpus <= 0) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		if (cpus < 1)
			cpus = 1;
		atomic_store_explicit(&cached, cpus, memory_order_relaxed);
	}
	return cpus;
}

#if defined(__SANITIZE_THREAD__)
#define PT_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PT_UNDER_TSAN 1
#endif
#endif

/* Sleeps while *word == expected, until deadline_ns if not 0 (absolute). */
static void pt_futex_wait(_Atomic uint32_t *word, uint32_t expected, int flags,
			  uint64_t deadline_ns)
{
#ifdef PT_UNDER_TSAN
	/*
	 * ThreadSanitizer defers asynchronous signal handlers until the thread
	 * enters one of its interceptors, and a raw futex syscall is none: the
	 * process pool's SIGCHLD handler would never run while the caller
	 * sleeps. Under TSan only, sleep at most 1 ms, then make an intercepted
	 * no-op call that runs pending handlers.
	 */
	struct timespec bound = {.tv_nsec = 1000000};
	sigset_t unchanged;

	(void)deadline_ns; /* the callers' loops check it every 1 ms */
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT | flags, expected,
		&bound, NULL, 0);
	pthread_sigmask(SIG_BLOCK, NULL, &unchanged);
#else
	/* EAGAIN (word changed), EINTR, ETIMEDOUT: the caller's loop
	 * re-checks. FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC
	 * time. */
	if (deadline_ns) {
		struct timespec at = {
		    .tv_sec = (time_t)(deadline_ns / 1000000000u),
		    .tv_nsec = (long)(deadline_ns % 1000000000u),
		};

		syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_BITSET | flags,
			expected, &at, NULL, FUTEX_BITSET_MATCH_ANY);
		return;
	}
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT | flags, expected, NULL,
		NULL, 0);
#endif
}

static void pt_futex_wake_all(_Atomic uint32_t *word, int flags)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE | flags, INT_MAX, NULL,
		NULL, 0);
}

/* Spin budget of one wait; see the file comment for the policies. */
struct pt_spin {
	enum ex_wait policy;
	unsigned yield_every;
	unsigned rounds;
	uint64_t deadline_ns; /* 0 until the first clock read */
};

/* One spin round; returns false when the waiter should sleep instead. */
static inline bool pt_spin_again(struct pt_spin *spin)
{
	if (spin->policy == EX_WAIT_BLOCK)
		return false;
	pt_cpu_relax();
	spin->rounds++;
	if (spin->rounds % spin->yield_every == 0)
		sched_yield();
	if (spin->policy == EX_WAIT_ADAPTIVE &&
	    spin->rounds % PT_CLOCK_EVERY == 0) {
		uint64_t now = pt_now_ns();

		if (spin->deadline_ns == 0)
			spin->deadline_ns = now + PT_ADAPTIVE_SPIN_NS;
		else if (now >= spin->deadline_ns)
			return false;
	}
	return true;
}

/* Whether a block tracks task completion (see core.h). */
static bool pt_tracks_tasks(const struct ex_config *config,
			    uint64_t result_slots)
{
	return result_slots && config->on_failure != EX_ON_FAILURE_ABORT;
}

size_t pt_control_size(const struct ex_config *config, uint64_t result_slots)
{
	size_t per_task = sizeof(uint64_t);
	size_t size;

	if (pt_tracks_tasks(config, result_slots))
		per_task += sizeof(uint32_t) + sizeof(uint64_t);
	size = sizeof(struct pt_control) +
	       (size_t)config->workers * sizeof(struct pt_slot) +
	       (size_t)result_slots * per_task;

	return (size + PT_CACHE_LINE - 1) / PT_CACHE_LINE * PT_CACHE_LINE;
}

void pt_control_init(struct pt_control *ctl, const struct ex_config *config,
		     uint64_t result_slots, bool shared)
{
	uint64_t chunk = config->chunk;

	if (chunk > PT_MAX_CHUNK)
		chunk = PT_MAX_CHUNK;
	if (chunk == 0 && config->schedule != EX_SCHED_STATIC)
		chunk = 1;

	ctl->workers = config->workers;
	ctl->schedule = config->schedule;
	ctl->chunk = chunk;
	ctl->wait = config->wait;
	ctl->futex_flags = shared ? 0 : FUTEX_PRIVATE_FLAG;
	ctl->yield_every =
	    (long)config->workers + 1 > pt_online_cpus() ? 1 : PT_YIELD_EVERY;
	ctl->results_capacity = result_slots;
	ctl->shared_results =
	    result_slots ? (uint64_t *)&ctl->slots[config->workers] : NULL;
	if (shared && pt_tracks_tasks(config, result_slots)) {
		ctl->task_map = ctl->shared_results + result_slots;
		ctl->task_done = (uint32_t *)(ctl->task_map + result_slots);
	}
	ctl->timed = shared && config->task_timeout_ns != 0;
	for (unsigned w = 0; w < config->workers; w++) {
		atomic_init(&ctl->slots[w].current_task, PT_NO_TASK);
		atomic_init(&ctl->slots[w].tasks_done, 0);
		atomic_init(&ctl->slots[w].task_started_ns, 0);
		atomic_init(&ctl->slots[w].finished_generation, 0);
	}
	atomic_init(&ctl->job_ready_futex, 0);
	atomic_init(&ctl->ready_sleepers, 0);
	atomic_init(&ctl->shutdown, 0);
	atomic_init(&ctl->next_task, 0);
	atomic_init(&ctl->workers_done, 0);
	atomic_init(&ctl->job_done_futex, 0);
	atomic_init(&ctl->done_sleepers, 0);
	atomic_init(&ctl->workers_running, 0);
	atomic_init(&ctl->child_event, 0);
	atomic_init(&ctl->job_failed, 0);
	atomic_init(&ctl->child_event_ns, 0);
}

/* Bumps the done word and wakes the caller only if it may be asleep. */
static void pt_signal_caller(struct pt_control *ctl)
{
	atomic_fetch_add(&ctl->job_done_futex, 1);
	if (atomic_load(&ctl->done_sleepers) != 0)
		pt_futex_wake_all(&ctl->job_done_futex, ctl->futex_flags);
}

/* Worker side: waits for a generation other than seen; returns it. */
static uint32_t pt_wait_for_job(struct pt_control *ctl, uint32_t seen)
{
	struct pt_spin spin = {.policy = ctl->wait,
			       .yield_every = ctl->yield_every};

	for (;;) {
		uint32_t generation = atomic_load_explicit(
		    &ctl->job_ready_futex, memory_order_acquire);

		if (generation != seen)
			return generation;
		if (pt_spin_again(&spin))
			continue;
		atomic_fetch_add(&ctl->ready_sleepers, 1);
		pt_futex_wait(&ctl->job_ready_futex, seen, ctl->futex_flags, 0);
		atomic_fetch_sub(&ctl->ready_sleepers, 1);
	}
}

/* Everything a worker needs for one job, loaded once into registers. */
struct pt_job_view {
	ex_task_fn fn;
	void *arg;
	uint64_t *results;
	uint64_t ntasks;
	unsigned worker;
	struct pt_slot *slot;
	uint32_t *task_done; /* NULL unless completion is tracked */
	uint32_t epoch;
	bool timed;
};

/*
 * Runs tasks [begin, end). The slot says which task runs so that a dead
 * process worker's task can be named. tracked and timed are constants at
 * every call site (the function is inlined), so the plain variant has no
 * extra work per task.
 */
static inline __attribute__((always_inline)) void pt_run_range_as(
    const struct pt_job_view *job, uint64_t begin, uint64_t end, bool tracked,
    bool timed)
{
	for (uint64_t i = begin; i < end; i++) {
		if (timed) {
			atomic_store_explicit(&job->slot->task_started_ns,
					      pt_now_ns(),
					      memory_order_relaxed);
			atomic_store_explicit(&job->slot->current_task, i,
					      memory_order_release);
		} else {
			atomic_store_explicit(&job->slot->current_task, i,
					      memory_order_relaxed);
		}
		job->results[i] = job->fn(job->arg, i, job->worker);
		if (tracked)
			job->task_done[i] = job->epoch;
	}
	atomic_store_explicit(
	    &job->slot->tasks_done,
	    atomic_load_explicit(&job->slot->tasks_done, memory_order_relaxed) +
		(end - begin),
	    memory_order_relaxed);
}

static inline void pt_run_range(const struct pt_job_view *job, uint64_t begin,
				uint64_t end)
{
	if (job->timed) {
		if (job->task_done)
			pt_run_range_as(job, begin, end, true, true);
		else
			pt_run_range_as(job, begin, end, false, true);
	} else if (job->task_done) {
		pt_run_range_as(job, begin, end, true, false);
	} else {
		pt_run_range_as(job, begin, end, false, false);
	}
}

/* Static, no chunk: one contiguous block per worker, no shared state. */
static void pt_run_static_blocks(const struct pt_job_view *job,
				 unsigned workers)
{
	uint64_t share = job->ntasks / workers;
	uint64_t extra = job->ntasks % workers;
	uint64_t w = job->worker;
	uint64_t begin = w * share + (w < extra ? w : extra);
	uint64_t end = begin + share + (w < extra ? 1 : 0);

	pt_run_range(job, begin, end);
}

/* Static with chunk k: chunks dealt round-robin, no shared state. */
static void pt_run_static_chunks(const struct pt_job_view *job,
				 unsigned workers, uint64_t chunk)
{
	uint64_t stride = chunk * workers;

	for (uint64_t begin = job->worker * chunk; begin < job->ntasks;
	     begin += stride) {
		uint64_t end =
		    job->ntasks - begin < chunk ? job->ntasks : begin + chunk;

		pt_run_range(job, begin, end);
	}
}

/* Dynamic: one fetch_add claims the next chunk. */
static void pt_run_dynamic(struct pt_control *ctl,
			   const struct pt_job_view *job, uint64_t chunk)
{
	for (;;) {
		uint64_t begin = atomic_fetch_add_explicit(
		    &ctl->next_task, chunk, memory_order_relaxed);

		if (begin >= job->ntasks)
			return;
		pt_run_range(job, begin,
			     job->ntasks - begin < chunk ? job->ntasks
							 : begin + chunk);
	}
}

/*
 * Guided: chunks of max(chunk, remaining / W), so the size depends on the
 * counter's value and needs a CAS rather than a fetch_add.
 */
static void pt_run_guided(struct pt_control *ctl, const struct pt_job_view *job,
			  unsigned workers, uint64_t chunk)
{
	uint64_t begin =
	    atomic_load_explicit(&ctl->next_task, memory_order_relaxed);

	while (begin < job->ntasks) {
		uint64_t remaining = job->ntasks - begin;
		uint64_t size = (remaining + workers - 1) / workers;

		if (size < chunk)
			size = chunk;
		if (size > remaining)
			size = remaining;
		if (atomic_compare_exchange_weak_explicit(
			&ctl->next_task, &begin, begin + size,
			memory_order_relaxed, memory_order_relaxed)) {
			pt_run_range(job, begin, begin + size);
			begin = atomic_load_explicit(&ctl->next_task,
						     memory_order_relaxed);
		}
	}
}

/* A subset job: the listed tasks, one at a time, claimed dynamically. */
static void pt_run_subset(struct pt_control *ctl, const struct pt_job_view *job,
			  const uint64_t *tasks)
{
	for (;;) {
		uint64_t k = atomic_fetch_add_explicit(&ctl->next_task, 1,
						       memory_order_relaxed);

		if (k >= job->ntasks)
			return;
		pt_run_range(job, tasks[k], tasks[k] + 1);
	}
}

/* Set only in worker processes with their own workload (forkserver). */
static ex_task_fn pt_local_fn;
static void *pt_local_arg;

void pt_worker_set_task(ex_task_fn fn, void *arg)
{
	pt_local_fn = fn;
	pt_local_arg = arg;
}

static void pt_run_job(struct pt_control *ctl, unsigned worker)
{
	struct pt_job_view job = {
	    .fn = pt_local_fn ? pt_local_fn : ctl->fn,
	    .arg = pt_local_fn ? pt_local_arg : ctl->arg,
	    .results = ctl->results,
	    .ntasks = ctl->ntasks,
	    .worker = worker,
	    .slot = &ctl->slots[worker],
	    .task_done = ctl->task_done,
	    .epoch = ctl->epoch,
	    .timed = ctl->timed,
	};

	if (ctl->subset) {
		pt_run_subset(ctl, &job, ctl->subset);
		atomic_store_explicit(&job.slot->current_task, PT_NO_TASK,
				      memory_order_relaxed);
		return;
	}
	switch (ctl->schedule) {
	case EX_SCHED_STATIC:
		if (ctl->chunk == 0)
			pt_run_static_blocks(&job, ctl->workers);
		else
			pt_run_static_chunks(&job, ctl->workers, ctl->chunk);
		break;
	case EX_SCHED_DYNAMIC:
		pt_run_dynamic(ctl, &job, ctl->chunk);
		break;
	case EX_SCHED_GUIDED:
		pt_run_guided(ctl, &job, ctl->workers, ctl->chunk);
		break;
	}
	atomic_store_explicit(&job.slot->current_task, PT_NO_TASK,
			      memory_order_relaxed);
}

void pt_worker_loop(struct pt_control *ctl, unsigned worker)
{
	struct pt_slot *slot = &ctl->slots[worker];
	uint32_t seen = atomic_load(&slot->finished_generation);

	atomic_fetch_add(&ctl->workers_running, 1);
	pt_signal_caller(ctl);
	for (;;) {
		uint32_t generation = pt_wait_for_job(ctl, seen);

		if (atomic_load_explicit(&ctl->shutdown, memory_order_acquire))
			return;
		pt_run_job(ctl, worker);
		seen = generation;
		/* Check in: per slot first (the failure path counts those),
		 * then the fast count, whose last increment wakes the caller.
		 */
		atomic_store(&slot->finished_generation, generation);
		if (atomic_fetch_add(&ctl->workers_done, 1) + 1 ==
			ctl->workers ||
		    atomic_load(&ctl->job_failed))
			pt_signal_caller(ctl);
	}
}

void pt_run_as_worker(struct pt_control *ctl, unsigned worker,
		      uint32_t generation)
{
	pt_run_job(ctl, worker);
	atomic_store(&ctl->slots[worker].finished_generation, generation);
	atomic_fetch_add(&ctl->workers_done, 1);
}

/* Publishes the job fields written by the caller as a new generation. */
static uint32_t pt_publish(struct pt_control *ctl)
{
	uint32_t generation;

	atomic_store_explicit(&ctl->workers_done, 0, memory_order_relaxed);
	atomic_store_explicit(&ctl->next_task, 0, memory_order_relaxed);
	generation =
	    atomic_load_explicit(&ctl->job_ready_futex, memory_order_relaxed) +
	    1;
	/* seq_cst: publishes the fields above and pairs with the sleepers
	 * count, so a worker going to sleep either sees the new generation or
	 * is seen here and woken. */
	atomic_store(&ctl->job_ready_futex, generation);
	if (atomic_load(&ctl->ready_sleepers) != 0)
		pt_futex_wake_all(&ctl->job_ready_futex, ctl->futex_flags);
	return generation;
}

uint32_t pt_post_job(struct pt_control *ctl, ex_task_fn fn, void *arg,
		     uint64_t ntasks, uint64_t *results)
{
	ctl->fn = fn;
	ctl->arg = arg;
	ctl->ntasks = ntasks;
	ctl->results = results;
	ctl->subset = NULL;
	/* The epoch is the generation pt_publish() is about to post. */
	ctl->epoch =
	    atomic_load_explicit(&ctl->job_ready_futex, memory_order_relaxed) +
	    1;
	return pt_publish(ctl);
}

uint32_t pt_post_subset(struct pt_control *ctl, uint64_t count)
{
	ctl->ntasks = count;
	ctl->subset = ctl->task_map;
	return pt_publish(ctl);
}

int pt_wait_count(struct pt_control *ctl, _Atomic uint32_t *counter,
		  uint32_t target)
{
	return pt_wait_count_until(ctl, counter, target, 0);
}

/* pt_wait_count_until() under the wait policy given. */
static int pt_wait_count_as(struct pt_control *ctl, _Atomic uint32_t *counter,
			    uint32_t target, uint64_t deadline_ns,
			    enum ex_wait policy)
{
	struct pt_spin spin = {.policy = policy,
			       .yield_every = ctl->yield_every};

	for (;;) {
		uint32_t seen;

		if (atomic_load_explicit(counter, memory_order_acquire) >=
		    target)
			return 0;
		if (atomic_load_explicit(&ctl->child_event,
					 memory_order_relaxed))
			return -ECHILD;
		/* The clock only with a deadline, every PT_CLOCK_EVERY rounds
		 * of a spin and before every sleep. */
		if (deadline_ns && spin.rounds % PT_CLOCK_EVERY == 0 &&
		    pt_now_ns() >= deadline_ns)
			return -ETIMEDOUT;
		if (pt_spin_again(&spin))
			continue;
		/* Register first, then read the word, then re-check: a waker
		 * either sees us registered or we see its count. */
		atomic_fetch_add(&ctl->done_sleepers, 1);
		seen = atomic_load(&ctl->job_done_futex);
		if (atomic_load(counter) < target &&
		    !atomic_load(&ctl->child_event))
			pt_futex_wait(&ctl->job_done_futex, seen,
				      ctl->futex_flags, deadline_ns);
		atomic_fetch_sub(&ctl->done_sleepers, 1);
		spin.rounds = 0; /* read the clock again after a sleep */
	}
}

int pt_wait_count_until(struct pt_control *ctl, _Atomic uint32_t *counter,
			uint32_t target, uint64_t deadline_ns)
{
	return pt_wait_count_as(ctl, counter, target, deadline_ns, ctl->wait);
}

int pt_wait_running(struct pt_control *ctl, uint32_t target)
{
	return pt_wait_count_as(ctl, &ctl->workers_running, target, 0,
				EX_WAIT_BLOCK);
}

void pt_fail_job(struct pt_control *ctl)
{
	atomic_store(&ctl->next_task, PT_CANCELLED);
	atomic_store(&ctl->job_failed, 1);
}

uint32_t pt_done_word(struct pt_control *ctl)
{
	return atomic_load(&ctl->job_done_futex);
}

void pt_sleep_until_done_changes(struct pt_control *ctl, uint32_t seen,
				 uint64_t deadline_ns)
{
	atomic_fetch_add(&ctl->done_sleepers, 1);
	pt_futex_wait(&ctl->job_done_futex, seen, ctl->futex_flags,
		      deadline_ns);
	atomic_fetch_sub(&ctl->done_sleepers, 1);
}

bool pt_slot_finished(struct pt_control *ctl, unsigned w, uint32_t generation)
{
	return atomic_load(&ctl->slots[w].finished_generation) == generation;
}

void pt_note_child_event(struct pt_control *ctl)
{
	uint64_t now = pt_now_ns(); /* clock_gettime is async-signal-safe */

	/* The time first, then the flag the caller reads it after. */
	if (!atomic_load(&ctl->child_event))
		atomic_store(&ctl->child_event_ns, now);
	atomic_store(&ctl->child_event, 1);
	atomic_fetch_add(&ctl->job_done_futex, 1);
	pt_futex_wake_all(&ctl->job_done_futex, ctl->futex_flags);
}

void pt_shutdown(struct pt_control *ctl)
{
	atomic_store(&ctl->shutdown, 1);
	atomic_fetch_add(&ctl->job_ready_futex, 1);
	/* The Dekker pair of pt_publish(): a worker about to sleep is seen. */
	if (atomic_load(&ctl->ready_sleepers) != 0)
		pt_futex_wake_all(&ctl->job_ready_futex, ctl->futex_flags);
}

void pt_describe_status(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev)
			snprintf(buf, len, "killed by SIG%s%s", abbrev,
				 WCOREDUMP(status) ? " (core dumped)" : "");
		else
			snprintf(buf, len, "killed by signal %d", sig);
	} else if (WIFEXITED(status)) {
		snprintf(buf, len, "exited with status %d",
			 WEXITSTATUS(status));
	} else {
		snprintf(buf, len, "ended with wait status 0x%x",
			 (unsigned)status);
	}
}

void pt_describe_end(int status, bool timed_out, uint64_t timeout_ns, char *buf,
		     size_t len)
{
	if (timed_out)
		snprintf(buf, len, "timed out after %g s (killed)",
			 (double)timeout_ns * 1e-9);
	else if (status == -1)
		snprintf(buf, len, "was reaped by someone else");
	else
		pt_describe_status(status, buf, len);
}

bool pt_status_clean(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void pt_describe_spawn_error(int err, char *buf, size_t len)
{
	struct rlimit limit;

	if (err == -EAGAIN && getrlimit(RLIMIT_NPROC, &limit) == 0 &&
	    limit.rlim_cur != RLIM_INFINITY)
		snprintf(buf, len, "%s (RLIMIT_NPROC is %llu)", strerror(-err),
			 (unsigned long long)limit.rlim_cur);
	else
		snprintf(buf, len, "%s", strerror(-err));
}

int pt_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * The CPU order of the current pin policy. Written by pt_pin_prepare() in
 * start() before workers exist, only read afterwards (threads are created
 * and processes forked after the write, which orders it before their reads).
 */
static int pin_order[CPU_SETSIZE];
static unsigned pin_count;

/* An integer from a sysfs topology file of cpu, or fallback. */
static int topology_value(int cpu, const char *file, int fallback)
{
	char path[96];
	FILE *f;
	int value = fallback;

	snprintf(path, sizeof(path),
		 "/sys/devices/system/cpu/cpu%d/topology/%s", cpu, file);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%d", &value) != 1)
			value = fallback;
		fclose(f);
	}
	return value;
}

struct pin_cpu {
	int cpu, package, core, thread; /* thread: rank among its siblings */
};

static int pin_compare_compact(const void *a, const void *b)
{
	const struct pin_cpu *x = a, *y = b;

	if (x->package != y->package)
		return x->package - y->package;
	if (x->core != y->core)
		return x->core - y->core;
	return x->cpu - y->cpu;
}

static int pin_compare_spread(const void *a, const void *b)
{
	const struct pin_cpu *x = a, *y = b;

	if (x->thread != y->thread)
		return x->thread - y->thread;
	return pin_compare_compact(a, b);
}

int pt_start_check(const char *name, const struct ex_config *config, char *err,
		   size_t errlen)
{
	if (config->workers == 0) {
		snprintf(err, errlen, "%s needs at least one worker", name);
		return -EINVAL;
	}
	if (pt_pin_prepare(config->pin)) {
		snprintf(err, errlen, "%s: cannot read the allowed CPUs to pin",
			 name);
		return -EINVAL;
	}
	return 0;
}

int pt_pin_prepare(enum ex_pin pin)
{
	static struct pin_cpu cpus[CPU_SETSIZE];
	cpu_set_t allowed;
	unsigned n = 0;

	pin_count = 0;
	if (pin == EX_PIN_NONE)
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return -errno;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		cpus[n].cpu = cpu;
		cpus[n].package = topology_value(cpu, "physical_package_id", 0);
		cpus[n].core = topology_value(cpu, "core_id", cpu);
		cpus[n].thread = 0;
		for (unsigned k = 0; k < n; k++)
			if (cpus[k].package == cpus[n].package &&
			    cpus[k].core == cpus[n].core)
				cpus[n].thread++;
		n++;
	}
	if (n == 0)
		return -EINVAL;
	qsort(cpus, n, sizeof(cpus[0]),
	      pin == EX_PIN_SPREAD ? pin_compare_spread : pin_compare_compact);
	for (unsigned k = 0; k < n; k++)
		pin_order[k] = cpus[k].cpu;
	pin_count = n;
	return 0;
}

int pt_pin_cpu(unsigned worker)
{
	return pin_count == 0 ? -1 : pin_order[worker % pin_count];
}

void pt_pin_self(unsigned worker)
{
	cpu_set_t one;

	if (pin_count == 0)
		return;
	CPU_ZERO(&one);
	CPU_SET(pt_pin_cpu(worker), &one);
	/* Failing to pin is not fatal: the worker runs, just unpinned. */
	(void)sched_setaffinity(0, sizeof(one), &one);
}

int pt_posix_spawn(pid_t *pid, const char *path, const int *from, const int *to,
		   unsigned n, char *const argv[])
{
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int rc;

	sigemptyset(&none);
	sigfillset(&all);
	rc = posix_spawn_file_actions_init(&actions);
	if (rc != 0)
		return -rc;
	rc = posix_spawnattr_init(&attr);
	if (rc != 0) {
		posix_spawn_file_actions_destroy(&actions);
		return -rc;
	}
	for (unsigned k = 0; rc == 0 && k < n; k++)
		rc = posix_spawn_file_actions_adddup2(&actions, from[k], to[k]);
	if (rc == 0)
		rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
							 POSIX_SPAWN_SETSIGDEF);
	if (rc == 0)
		rc = posix_spawnattr_setsigmask(&attr, &none);
	if (rc == 0)
		rc = posix_spawnattr_setsigdefault(&attr, &all);
	if (rc == 0)
		rc = posix_spawn(pid, path, &actions, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&actions);
	return -rc;
}

void pt_child_setup(pid_t parent)
{
	signal(SIGCHLD, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(127);
}

/* Waits for pid to become reapable for up to timeout_ms; true if it did. */
static bool pt_wait_exit(pid_t pid, int timeout_ms)
{
	int pidfd = pt_pidfd_open(pid);
	bool exited = false;

	if (pidfd >= 0) {
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
		int ready;

		do {
			ready = poll(&pfd, 1, timeout_ms);
		} while (ready < 0 && errno == EINTR);
		exited = ready > 0;
		close(pidfd);
		goto out;
	}
	/* No pidfds (old kernel): poll the status every millisecond. This only
	 * runs at stop(), never in a timed path. */
	for (int waited = 0; waited <= timeout_ms; waited++) {
		siginfo_t info = {0};

		if (waitid(P_PID, (id_t)pid, &info,
			   WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    info.si_pid == pid) {
			exited = true;
			goto out;
		}
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
out:
	return exited;
}

int pt_reap_child(pid_t pid, int timeout_ms, int *status)
{
	int err = 0;

	if (!pt_wait_exit(pid, timeout_ms))
		kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR) {
			err = -errno;
			goto out;
		}
	}
out:
	return err;
}

void pt_bell_init(struct pt_bell *bell, enum ex_wait wait, unsigned spinners,
		  bool shared)
{
	atomic_init(&bell->word, 0);
	atomic_init(&bell->sleepers, 0);
	bell->wait = wait;
	bell->futex_flags = shared ? 0 : FUTEX_PRIVATE_FLAG;
	bell->yield_every =
	    (long)spinners > pt_online_cpus() ? 1 : PT_YIELD_EVERY;
}

uint32_t pt_bell_read(struct pt_bell *bell)
{
	return atomic_load(&bell->word);
}

void pt_bell_ring(struct pt_bell *bell)
{
	atomic_fetch_add(&bell->word, 1);
	if (atomic_load(&bell->sleepers) != 0)
		pt_futex_wake_all(&bell->word, bell->futex_flags);
}

void pt_bell_wait(struct pt_bell *bell, uint32_t seen)
{
	struct pt_spin spin = {.policy = bell->wait,
			       .yield_every = bell->yield_every};

	while (atomic_load_explicit(&bell->word, memory_order_acquire) ==
	       seen) {
		if (pt_spin_again(&spin))
			continue;
		atomic_fetch_add(&bell->sleepers, 1);
		pt_futex_wait(&bell->word, seen, bell->futex_flags, 0);
		atomic_fetch_sub(&bell->sleepers, 1);
	}
}
