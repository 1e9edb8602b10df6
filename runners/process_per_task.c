/*
 * The process-per-task executor: one fork() per task, at most W children at
 * once, each in slot 0..W-1 (its worker index). This is the classic
 * "spawn a process per request" model, and its cost is mostly fork + exit +
 * reap per task.
 *
 * The design is simple: map() runs the job through the shared child slots
 * (children.h), which start a child for the next task as soon as a slot is
 * free, reap exactly their own children and apply the failure policy and
 * the task timeout. What is particular here is how a child is made and how
 * its result comes back: the child is forked, runs the task, stores the
 * checksum in a MAP_SHARED results array made at start() (sized max_tasks)
 * and calls _exit(0); map() copies that array out when the job succeeds.
 * Under --start=forkserver (ex_config.start) the child is forked by the
 * fork server instead (forkserver.h), a child of ours all the same, and
 * the results array is a memfd's mapping that the server shares.
 *
 * Invariant: between map() calls no child exists.
 */
#include "children.h"
#include "core.h"
#include "forkserver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct process_per_task {
	struct executor base; /* first: the executor is a process_per_task */
	uint64_t *shared_results;
	size_t mapping_size;
	int results_fd;		      /* forkserver: the array's memfd, or -1 */
	struct pt_forkserver *server; /* forkserver, or NULL */
	pid_t parent;
	struct pt_children children;
	const struct ex_job *job; /* during map() */
};

static void process_per_task_destroy(struct process_per_task *ex)
{
	pt_forkserver_close(ex->server);
	if (ex->results_fd >= 0)
		close(ex->results_fd);
	if (ex->shared_results)
		munmap(ex->shared_results, ex->mapping_size);
	pt_children_free(&ex->children);
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
	ret = pt_start_check("process-per-task", config, err, errlen);
	if (ret)
		goto out;
	ex = calloc(1, sizeof(*ex));
	if (ex)
		ex->results_fd = -1;
	if (!ex || pt_children_init(&ex->children, workers) != 0) {
		snprintf(err, errlen, "process-per-task: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	ex->base.ops = &ex_process_per_task;
	ex->base.config = *config;
	ex->base.config.spawn_spec = NULL; /* the server has its copy */
	ex->base.config.spawn_channels = NULL;
	ex->parent = getpid();
	if (config->start == EX_START_SPAWN) {
		snprintf(err, errlen,
			 "process-per-task: --start=spawn is process-spawn");
		ret = -EINVAL;
		goto out;
	}
	/* Never a zero-length mapping, even for max_tasks 0. */
	ex->mapping_size = config->max_tasks * sizeof(uint64_t) + 1;
	ret = pt_shared_map(config->start == EX_START_FORKSERVER,
			    ex->mapping_size, &mapping, &ex->results_fd);
	if (ret) {
		snprintf(err, errlen, "process-per-task: mapping %zu bytes: %s",
			 ex->mapping_size, strerror(-ret));
		goto out;
	}
	ex->shared_results = mapping;
	if (config->start == EX_START_FORKSERVER) {
		ret = pt_forkserver_open(config, "process-per-task",
					 PT_FORKSERVER_TASK, ex->results_fd,
					 mapping, ex->mapping_size, &ex->server,
					 err, errlen);
		if (ret)
			goto out;
	}
	*out = &ex->base;
out:
	if (ret != 0 && ex)
		process_per_task_destroy(ex);
	return ret;
}

/* Forks the child that runs task in slot (it never returns); its pid. */
static pid_t process_per_task_child(void *ctx, unsigned slot, uint64_t task,
				    char *err, size_t errlen)
{
	struct process_per_task *ex = ctx;
	const struct ex_job *job = ex->job;
	pid_t pid;

	if (ex->server)
		return pt_forkserver_fork(ex->server, slot, task, err, errlen);
	pid = fork();
	if (pid < 0) {
		int ret = -errno;
		char why[128];

		pt_describe_spawn_error(ret, why, sizeof(why));
		snprintf(err, errlen, "process-per-task: forking task %llu: %s",
			 (unsigned long long)task, why);
		return ret;
	}
	if (pid == 0) {
		pt_child_setup(ex->parent);
		pt_pin_self(slot);
		ex->shared_results[task] = job->fn(job->arg, task, slot);
		_exit(0);
	}
	return pid;
}

static int process_per_task_map(struct executor *base, const struct ex_job *job)
{
	struct process_per_task *ex = (struct process_per_task *)base;
	int ret;

	if (job->ntasks > base->config.max_tasks) {
		snprintf(base->error, sizeof(base->error),
			 "process-per-task: job of %llu tasks exceeds "
			 "max_tasks %llu",
			 (unsigned long long)job->ntasks,
			 (unsigned long long)base->config.max_tasks);
		return -EINVAL;
	}
	ex->job = job;
	ret = pt_children_run(&ex->children, &base->config, job,
			      process_per_task_child, NULL, ex, base->error,
			      sizeof(base->error));
	ex->job = NULL;
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
