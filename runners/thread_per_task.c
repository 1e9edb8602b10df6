/*
 * The thread-per-task executor: one pthread_create() per task, at most W
 * threads at once, each in slot 0..W-1 (its worker index). This is the
 * "spawn a thread per request" model; its cost is mostly thread creation,
 * exit and join per task.
 *
 * The design is simple: map() starts a thread for the next task as soon as a
 * slot is free. A finishing thread pushes its slot onto a completion queue
 * and signals a condition variable; map() pops the slot ("join any"), joins
 * that very thread, and reuses the slot. Threads write checksums straight
 * into job->results.
 *
 * Lock invariant: lock protects finished[] and finished_count, and nothing
 * else. A slot is in exactly one of three states: free (in free_slots),
 * running (a live thread owns it), finished (queued in finished[], thread
 * not yet joined). Only the calling thread moves slots between free and
 * running; only a worker thread moves its slot to finished.
 */
#include "core.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct thread_per_task;

/* What each task thread receives; one per slot. */
struct thread_per_task_slot {
	struct thread_per_task *owner;
	const struct ex_job *job;
	uint64_t task;
	unsigned worker;
	pthread_t thread;
};

struct thread_per_task {
	struct executor base; /* first: the executor is a thread_per_task */
	struct thread_per_task_slot *slots;
	unsigned *free_slots; /* calling thread only */
	unsigned free_count;

	pthread_mutex_t lock;
	pthread_cond_t finished_cond; /* signalled when finished_count grows */
	unsigned *finished;	      /* slots whose thread has ended */
	unsigned finished_count;
};

static void *thread_per_task_main(void *opaque)
{
	struct thread_per_task_slot *slot = opaque;
	struct thread_per_task *ex = slot->owner;
	const struct ex_job *job = slot->job;

	pt_pin_self(slot->worker);
	job->results[slot->task] = job->fn(job->arg, slot->task, slot->worker);
	pthread_mutex_lock(&ex->lock);
	ex->finished[ex->finished_count++] = slot->worker;
	pthread_cond_signal(&ex->finished_cond);
	pthread_mutex_unlock(&ex->lock);
	return NULL;
}

/* Waits for any running thread to end, joins it and frees its slot. */
static void thread_per_task_join_any(struct thread_per_task *ex)
{
	unsigned slot;

	pthread_mutex_lock(&ex->lock);
	while (ex->finished_count == 0)
		pthread_cond_wait(&ex->finished_cond, &ex->lock);
	slot = ex->finished[--ex->finished_count];
	pthread_mutex_unlock(&ex->lock);
	pthread_join(ex->slots[slot].thread, NULL);
	ex->free_slots[ex->free_count++] = slot;
}

static void thread_per_task_destroy(struct thread_per_task *ex)
{
	pthread_cond_destroy(&ex->finished_cond);
	pthread_mutex_destroy(&ex->lock);
	free(ex->slots);
	free(ex->free_slots);
	free(ex->finished);
	free(ex);
}

static int thread_per_task_start(const struct ex_config *config,
				 struct executor **out, char *err,
				 size_t errlen)
{
	struct thread_per_task *ex = NULL;
	unsigned workers = config->workers;
	int ret = 0;

	*out = NULL;
	ret = pt_start_check("thread-per-task", config, err, errlen);
	if (ret)
		goto out;
	ex = calloc(1, sizeof(*ex));
	if (!ex) {
		ret = -ENOMEM;
		goto out;
	}
	pthread_mutex_init(&ex->lock, NULL);
	pthread_cond_init(&ex->finished_cond, NULL);
	ex->base.ops = &ex_thread_per_task;
	ex->base.config = *config;
	ex->slots = calloc(workers, sizeof(*ex->slots));
	ex->free_slots = calloc(workers, sizeof(*ex->free_slots));
	ex->finished = calloc(workers, sizeof(*ex->finished));
	if (!ex->slots || !ex->free_slots || !ex->finished) {
		snprintf(err, errlen, "thread-per-task: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	/* Highest first, so that slot 0 is handed out first. */
	for (unsigned s = 0; s < workers; s++)
		ex->free_slots[ex->free_count++] = workers - 1 - s;
	*out = &ex->base;
out:
	if (ret != 0 && ex)
		thread_per_task_destroy(ex);
	return ret;
}

static int thread_per_task_map(struct executor *base, const struct ex_job *job)
{
	struct thread_per_task *ex = (struct thread_per_task *)base;
	unsigned workers = base->config.workers;
	int ret = 0;

	for (uint64_t i = 0; i < job->ntasks; i++) {
		struct thread_per_task_slot *slot;
		int rc;

		if (ex->free_count == 0)
			thread_per_task_join_any(ex);
		slot = &ex->slots[ex->free_slots[--ex->free_count]];
		slot->owner = ex;
		slot->job = job;
		slot->task = i;
		slot->worker = (unsigned)(slot - ex->slots);
		rc = pthread_create(&slot->thread, NULL, thread_per_task_main,
				    slot);
		if (rc != 0) {
			char why[128];

			ex->free_slots[ex->free_count++] = slot->worker;
			pt_describe_spawn_error(-rc, why, sizeof(why));
			snprintf(base->error, sizeof(base->error),
				 "thread-per-task: creating the thread of "
				 "task %llu: %s",
				 (unsigned long long)i, why);
			ret = -rc;
			break;
		}
	}
	while (ex->free_count < workers)
		thread_per_task_join_any(ex);
	return ret;
}

static void thread_per_task_stop(struct executor *base)
{
	thread_per_task_destroy((struct thread_per_task *)base);
}

const struct executor_ops ex_thread_per_task = {
    .name = "thread-per-task",
    .alias = NULL,
    .summary = "one pthread_create() per task, at most W threads at once",
    .uses_workers = true,
    .uses_schedule = false,
    .processes = false,
    .start = thread_per_task_start,
    .map = thread_per_task_map,
    .stop = thread_per_task_stop,
};
