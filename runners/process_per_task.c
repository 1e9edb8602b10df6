/*
 * The process-per-task executor: one fork() per task, at most W children at
 * once, each in slot 0..W-1 (its worker index). This is the classic
 * "spawn a process per request" model, and its cost is mostly fork + exit +
 * reap per task.
 *
 * The design is simple: map() forks a child for the next task as soon as a
 * slot is free. The child runs the task, stores the checksum in a MAP_SHARED
 * results array made at start() (sized max_tasks) and calls _exit(0). The
 * parent waits for any of its own children with poll() on their pidfds and
 * reaps exactly that pid, so it never steals another part of the program's
 * children as waitpid(-1) would. A child that ends abnormally is a failed
 * task, handled by the failure policy: abort fails the job with -ECHILD once
 * every other child of the job is reaped (the results are then not copied
 * out); continue records it in job->failures and goes on; retry:N queues
 * the task to run again in a fresh child, up to N more times, then records
 * it. With a task timeout the parent remembers each child's fork time and
 * its ppoll() has the earliest deadline as its timeout; an overdue child is
 * SIGKILLed and its task fails as "timed out". Each failure is timed from
 * the moment the parent learnt of it (ppoll returned, or the deadline) to
 * the reaping; there is no worker to replace, as every task gets a fresh
 * process anyway.
 *
 * Invariant: between map() calls no child exists; pids[s] > 0 exactly while
 * slot s holds an unreaped child.
 */
#include "core.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct process_per_task {
	struct executor base; /* first: the executor is a process_per_task */
	uint64_t *shared_results;
	size_t mapping_size;
	pid_t parent;
	pid_t *pids;	       /* per slot: running child, or 0 */
	uint64_t *tasks;       /* per slot: the child's task */
	struct pollfd *pidfds; /* per slot: its pidfd, or fd -1 */
	unsigned *attempts;    /* per slot: the run number of its task */
	uint64_t *started_ns;  /* per slot: when it was forked (timeout) */
	bool *killed;	       /* per slot: killed past the task timeout */
};

static void process_per_task_destroy(struct process_per_task *ex)
{
	if (ex->shared_results)
		munmap(ex->shared_results, ex->mapping_size);
	free(ex->pids);
	free(ex->tasks);
	free(ex->pidfds);
	free(ex->attempts);
	free(ex->started_ns);
	free(ex->killed);
	free(ex);
}

static int process_per_task_start(const struct ex_config *config,
				  struct executor **out, char *err,
				  size_t errlen)
{
	struct process_per_task *ex = NULL;
	unsigned workers = config->workers;
	void *mapping;
	int ret = 0;

	*out = NULL;
	if (workers == 0) {
		snprintf(err, errlen,
			 "process-per-task needs at least one worker");
		ret = -EINVAL;
		goto out;
	}
	if (pt_pin_prepare(config->pin)) {
		snprintf(err, errlen, "%s: cannot read the allowed CPUs to pin",
			 "process-per-task");
		ret = -EINVAL;
		goto out;
	}
	ex = calloc(1, sizeof(*ex));
	if (!ex || !(ex->pids = calloc(workers, sizeof(*ex->pids))) ||
	    !(ex->tasks = calloc(workers, sizeof(*ex->tasks))) ||
	    !(ex->pidfds = calloc(workers, sizeof(*ex->pidfds))) ||
	    !(ex->attempts = calloc(workers, sizeof(*ex->attempts))) ||
	    !(ex->started_ns = calloc(workers, sizeof(*ex->started_ns))) ||
	    !(ex->killed = calloc(workers, sizeof(*ex->killed)))) {
		snprintf(err, errlen, "process-per-task: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	ex->base.ops = &ex_process_per_task;
	ex->base.config = *config;
	ex->parent = getpid();
	/* Never a zero-length mapping, even for max_tasks 0. */
	ex->mapping_size = config->max_tasks * sizeof(uint64_t) + 1;
	mapping = mmap(NULL, ex->mapping_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mapping == MAP_FAILED) {
		ret = -errno;
		snprintf(err, errlen, "process-per-task: mapping %zu bytes: %s",
			 ex->mapping_size, strerror(-ret));
		goto out;
	}
	ex->shared_results = mapping;
	for (unsigned s = 0; s < workers; s++)
		ex->pidfds[s] = (struct pollfd){.fd = -1, .events = POLLIN};
	*out = &ex->base;
out:
	if (ret != 0 && ex)
		process_per_task_destroy(ex);
	return ret;
}

/* Forks the child that runs task in slot; the child never returns. */
static int process_per_task_spawn(struct process_per_task *ex,
				  const struct ex_job *job, unsigned slot,
				  uint64_t task)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		pt_child_setup(ex->parent);
		pt_pin_self(slot);
		ex->shared_results[task] = job->fn(job->arg, task, slot);
		_exit(0);
	}
	ex->pids[slot] = pid;
	ex->tasks[slot] = task;
	/* The clock only with a task timeout. */
	if (ex->base.config.task_timeout_ns)
		ex->started_ns[slot] = pt_now_ns();
	/* Without pidfds (old kernel) the slot is reaped by a blocking
	 * waitpid instead; slower, still correct. */
	ex->pidfds[slot].fd = pt_pidfd_open(pid);
	ex->pidfds[slot].revents = 0;
	return 0;
}

/* The per-job state of map(): the failure policy's bookkeeping. */
struct ppt_run {
	const struct ex_job *job;
	bool tolerant; /* continue or retry, with a failure record */
	bool stop;     /* spawn nothing more: the job fails */
	int ret;
	uint64_t next_task;    /* the next task never started */
	uint64_t *retry_tasks; /* failed tasks to run again (retry:N) */
	unsigned *retry_attempts;
	size_t nretry, retry_cap;
};

/* Queues task for another run; false when out of memory. */
static bool process_per_task_queue_retry(struct ppt_run *run, uint64_t task,
					 unsigned attempts)
{
	if (run->nretry == run->retry_cap) {
		size_t cap = run->retry_cap ? run->retry_cap * 2 : 16;
		uint64_t *tasks =
		    realloc(run->retry_tasks, cap * sizeof(*tasks));
		unsigned *counts;

		if (!tasks)
			return false;
		run->retry_tasks = tasks;
		counts = realloc(run->retry_attempts, cap * sizeof(*counts));
		if (!counts)
			return false;
		run->retry_attempts = counts;
		run->retry_cap = cap;
	}
	run->retry_tasks[run->nretry] = task;
	run->retry_attempts[run->nretry++] = attempts;
	return true;
}

/* What slot's failed run means under the failure policy. */
static void process_per_task_failed(struct process_per_task *ex,
				    struct ppt_run *run, unsigned slot,
				    int status)
{
	const struct ex_config *config = &ex->base.config;
	struct ex_failure failure = {
	    .task = ex->tasks[slot],
	    .worker = slot,
	    .pid = ex->pids[slot],
	    .status = status,
	    .timed_out = ex->killed[slot],
	    .attempts = ex->attempts[slot],
	};
	struct ex_failures *failures = run->job->failures;
	char why[128];

	if (run->tolerant) {
		if (config->on_failure == EX_ON_FAILURE_RETRY &&
		    failure.attempts <= config->retries) {
			if (process_per_task_queue_retry(run, failure.task,
							 failure.attempts))
				return;
		} else {
			if (failures->count < failures->capacity)
				failures->list[failures->count] = failure;
			failures->count++;
			return;
		}
	}
	if (run->ret != 0)
		return;
	pt_describe_end(status, failure.timed_out, config->task_timeout_ns, why,
			sizeof(why));
	snprintf(ex->base.error, sizeof(ex->base.error),
		 "task %llu: worker %u (pid %d) %s",
		 (unsigned long long)failure.task, slot, failure.pid, why);
	run->ret = -ECHILD;
	run->stop = true;
}

/*
 * Reaps slot's child, noticed ended at notice (ns, 0: unknown), and applies
 * the failure policy to an abnormal end.
 */
static void process_per_task_reap(struct process_per_task *ex,
				  struct ppt_run *run, unsigned slot,
				  uint64_t notice)
{
	struct ex_failures *failures = run->job->failures;
	int status = 0;
	pid_t reaped;

	do {
		reaped = waitpid(ex->pids[slot], &status, 0);
	} while (reaped < 0 && errno == EINTR);
	if (reaped < 0 || !pt_status_clean(status)) {
		if (failures) {
			uint64_t now = pt_now_ns();

			if (ex->killed[slot])
				notice = ex->started_ns[slot] +
					 ex->base.config.task_timeout_ns;
			failures->detections++;
			if (notice && now > notice)
				failures->detect_s +=
				    (double)(now - notice) * 1e-9;
		}
		process_per_task_failed(ex, run, slot,
					reaped < 0 ? -1 : status);
	}
	if (ex->pidfds[slot].fd >= 0)
		close(ex->pidfds[slot].fd);
	ex->pidfds[slot].fd = -1;
	ex->pids[slot] = 0;
	ex->killed[slot] = false;
}

/*
 * Kills the children whose task has run past the task timeout; returns the
 * earliest deadline of the others (ns), or 0 without a timeout.
 */
static uint64_t process_per_task_kill_overdue(struct process_per_task *ex)
{
	uint64_t timeout = ex->base.config.task_timeout_ns;
	uint64_t now, next = 0;

	if (timeout == 0)
		return 0;
	now = pt_now_ns();
	for (unsigned s = 0; s < ex->base.config.workers; s++) {
		uint64_t deadline = ex->started_ns[s] + timeout;

		if (ex->pids[s] <= 0 || ex->killed[s])
			continue;
		if (deadline <= now) {
			ex->killed[s] = true;
			kill(ex->pids[s], SIGKILL);
		} else if (next == 0 || deadline < next) {
			next = deadline;
		}
	}
	return next;
}

/* Waits for at least one running child to end; returns how many ended. */
static unsigned process_per_task_wait_any(struct process_per_task *ex,
					  struct ppt_run *run)
{
	unsigned workers = ex->base.config.workers;
	unsigned reaped = 0;
	uint64_t notice;
	int ready;

	for (unsigned s = 0; s < workers; s++) {
		if (ex->pids[s] > 0 && ex->pidfds[s].fd < 0) {
			process_per_task_reap(ex, run, s, 0);
			return 1;
		}
	}
	do {
		uint64_t deadline = process_per_task_kill_overdue(ex);
		struct timespec left, *timeout = NULL;

		if (deadline) {
			uint64_t wait = deadline - pt_now_ns();

			if (wait > deadline) /* the deadline just passed */
				wait = 0;
			left.tv_sec = (time_t)(wait / 1000000000u);
			left.tv_nsec = (long)(wait % 1000000000u);
			timeout = &left;
		}
		ready = ppoll(ex->pidfds, workers, timeout, NULL);
	} while (ready == 0 || (ready < 0 && errno == EINTR));
	notice = pt_now_ns();
	for (unsigned s = 0; ready > 0 && s < workers; s++) {
		if (ex->pids[s] > 0 && ex->pidfds[s].revents != 0) {
			process_per_task_reap(ex, run, s, notice);
			reaped++;
		}
	}
	return reaped;
}

/* The next task to start and its run number; false if none is waiting. */
static bool process_per_task_next(struct ppt_run *run, uint64_t *task,
				  unsigned *attempt)
{
	if (run->nretry > 0) {
		run->nretry--;
		*task = run->retry_tasks[run->nretry];
		*attempt = run->retry_attempts[run->nretry] + 1;
		run->job->failures->retried++;
		return true;
	}
	if (run->next_task < run->job->ntasks) {
		*task = run->next_task++;
		*attempt = 1;
		return true;
	}
	return false;
}

static int process_per_task_compare_failures(const void *a, const void *b)
{
	const struct ex_failure *x = a, *y = b;

	return x->task < y->task ? -1 : x->task > y->task;
}

static int process_per_task_map(struct executor *base, const struct ex_job *job)
{
	struct process_per_task *ex = (struct process_per_task *)base;
	unsigned workers = base->config.workers;
	unsigned running = 0;
	struct ppt_run run = {
	    .job = job,
	    .tolerant =
		job->failures && base->config.on_failure != EX_ON_FAILURE_ABORT,
	};
	struct ex_failures *failures = job->failures;
	size_t listed;

	if (job->ntasks > base->config.max_tasks) {
		snprintf(base->error, sizeof(base->error),
			 "process-per-task: job of %llu tasks exceeds "
			 "max_tasks %llu",
			 (unsigned long long)job->ntasks,
			 (unsigned long long)base->config.max_tasks);
		return -EINVAL;
	}
	if (failures)
		*failures = (struct ex_failures){
		    .list = failures->list, .capacity = failures->capacity};
	for (;;) {
		uint64_t task;
		unsigned attempt, slot = 0;
		int spawned;

		/* Nothing to start now: a child that ends may queue a retry. */
		if (run.stop || !process_per_task_next(&run, &task, &attempt)) {
			if (running == 0)
				break;
			running -= process_per_task_wait_any(ex, &run);
			continue;
		}
		while (running == workers)
			running -= process_per_task_wait_any(ex, &run);
		if (run.stop)
			break;
		while (ex->pids[slot] > 0)
			slot++;
		spawned = process_per_task_spawn(ex, job, slot, task);
		if (spawned != 0) {
			char why[128];

			pt_describe_spawn_error(spawned, why, sizeof(why));
			snprintf(base->error, sizeof(base->error),
				 "process-per-task: forking task %llu: %s",
				 (unsigned long long)task, why);
			run.ret = spawned;
			run.stop = true;
			break;
		}
		ex->attempts[slot] = attempt;
		running++;
	}
	while (running > 0)
		running -= process_per_task_wait_any(ex, &run);
	free(run.retry_tasks);
	free(run.retry_attempts);
	if (run.ret == 0 && job->ntasks > 0)
		memcpy(job->results, ex->shared_results,
		       job->ntasks * sizeof(*job->results));
	listed = !failures				? 0
		 : failures->count < failures->capacity ? failures->count
							: failures->capacity;
	if (listed > 0)
		qsort(failures->list, listed, sizeof(*failures->list),
		      process_per_task_compare_failures);
	return run.ret;
}

static void process_per_task_stop(struct executor *base)
{
	process_per_task_destroy((struct process_per_task *)base);
}

const struct executor_ops ex_process_per_task = {
    .name = "process-per-task",
    .alias = NULL,
    .summary = "one fork() per task, at most W children at once",
    .uses_workers = true,
    .uses_schedule = false,
    .processes = true,
    .start = process_per_task_start,
    .map = process_per_task_map,
    .stop = process_per_task_stop,
};
