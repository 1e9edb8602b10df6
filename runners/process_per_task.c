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
 * children as waitpid(-1) would. A child that ends abnormally fails the job
 * with -ECHILD once every other child of the job is reaped; the results are
 * then copied out only on success.
 *
 * Invariant: between map() calls no child exists; pids[s] > 0 exactly while
 * slot s holds an unreaped child.
 */
#include "core.h"

#include <errno.h>
#include <poll.h>
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
};

static void process_per_task_destroy(struct process_per_task *ex)
{
	if (ex->shared_results)
		munmap(ex->shared_results, ex->mapping_size);
	free(ex->pids);
	free(ex->tasks);
	free(ex->pidfds);
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
	    !(ex->pidfds = calloc(workers, sizeof(*ex->pidfds)))) {
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
	/* Without pidfds (old kernel) the slot is reaped by a blocking
	 * waitpid instead; slower, still correct. */
	ex->pidfds[slot].fd = pt_pidfd_open(pid);
	ex->pidfds[slot].revents = 0;
	return 0;
}

/* Reaps slot's child; records the first failure of the job in the error. */
static void process_per_task_reap(struct process_per_task *ex, unsigned slot,
				  int *ret)
{
	int status = 0;
	char why[96];
	pid_t reaped;

	do {
		reaped = waitpid(ex->pids[slot], &status, 0);
	} while (reaped < 0 && errno == EINTR);
	if ((reaped < 0 || !pt_status_clean(status)) && *ret == 0) {
		if (reaped < 0)
			snprintf(why, sizeof(why),
				 "was reaped by someone else (%s)",
				 strerror(errno));
		else
			pt_describe_status(status, why, sizeof(why));
		snprintf(ex->base.error, sizeof(ex->base.error),
			 "task %llu: worker %u (pid %d) %s",
			 (unsigned long long)ex->tasks[slot], slot,
			 (int)ex->pids[slot], why);
		*ret = -ECHILD;
	}
	if (ex->pidfds[slot].fd >= 0)
		close(ex->pidfds[slot].fd);
	ex->pidfds[slot].fd = -1;
	ex->pids[slot] = 0;
}

/* Waits for at least one running child to end; returns how many ended. */
static unsigned process_per_task_wait_any(struct process_per_task *ex, int *ret)
{
	unsigned workers = ex->base.config.workers;
	unsigned reaped = 0;
	int ready;

	for (unsigned s = 0; s < workers; s++) {
		if (ex->pids[s] > 0 && ex->pidfds[s].fd < 0) {
			process_per_task_reap(ex, s, ret);
			return 1;
		}
	}
	do {
		ready = poll(ex->pidfds, workers, -1);
	} while (ready < 0 && errno == EINTR);
	for (unsigned s = 0; ready > 0 && s < workers; s++) {
		if (ex->pids[s] > 0 && ex->pidfds[s].revents != 0) {
			process_per_task_reap(ex, s, ret);
			reaped++;
		}
	}
	return reaped;
}

static int process_per_task_map(struct executor *base, const struct ex_job *job)
{
	struct process_per_task *ex = (struct process_per_task *)base;
	unsigned workers = base->config.workers;
	unsigned running = 0;
	int ret = 0;

	if (job->ntasks > base->config.max_tasks) {
		snprintf(base->error, sizeof(base->error),
			 "process-per-task: job of %llu tasks exceeds "
			 "max_tasks %llu",
			 (unsigned long long)job->ntasks,
			 (unsigned long long)base->config.max_tasks);
		return -EINVAL;
	}
	for (uint64_t i = 0; i < job->ntasks && ret == 0; i++) {
		unsigned slot = 0;
		int spawned;

		while (running == workers)
			running -= process_per_task_wait_any(ex, &ret);
		if (ret != 0)
			break;
		while (ex->pids[slot] > 0)
			slot++;
		spawned = process_per_task_spawn(ex, job, slot, i);
		if (spawned != 0) {
			snprintf(base->error, sizeof(base->error),
				 "process-per-task: forking task %llu: %s",
				 (unsigned long long)i, strerror(-spawned));
			ret = spawned;
			break;
		}
		running++;
	}
	while (running > 0)
		running -= process_per_task_wait_any(ex, &ret);
	if (ret == 0 && job->ntasks > 0)
		memcpy(job->results, ex->shared_results,
		       job->ntasks * sizeof(*job->results));
	return ret;
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
