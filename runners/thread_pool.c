/*
 * The thread pool: W workers running the dispatch core on a control block
 * in private memory (futexes with FUTEX_PRIVATE_FLAG): the calling thread,
 * as worker 0, and W-1 persistent pthreads, as OpenMP's master thread and
 * team. The caller works instead of spinning while it waits, so a job has W
 * runnable threads, not W+1: on W = CPUs nothing is ever descheduled to let
 * a spinning caller run, which is what made an empty job cost several times
 * libgomp's empty parallel region.
 *
 * The design is simple, in the manner of libuv's threadpool: start() creates
 * the named workers ("pt-worker-N", N = 1..W-1) and returns only once every
 * one of them is running; map() posts a job, runs worker 0's share of it,
 * and waits until every worker has checked in; stop() raises the shutdown
 * flag, wakes everyone and joins them all. Under --pin the caller is bound
 * to worker 0's CPU from start() to stop(), which gives its CPUs back.
 * Workers write checksums straight into job->results: threads share the
 * caller's memory, so no copy is needed. There is no mutex: the core's
 * invariants (core.h) replace the lock, and the only shared writes on the
 * fast path are the claim counter and the check-in count.
 *
 * A task that crashes takes the whole process with it; that is what threads
 * are, and the driver's supervisor records it as such.
 */
#include "core.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct thread_pool;

/* What each worker thread receives. */
struct thread_pool_worker {
	struct thread_pool *pool;
	unsigned index;
};

struct thread_pool {
	struct executor base; /* first: the executor is a thread_pool */
	struct pt_control *ctl;
	pthread_t *threads; /* threads[w - 1] runs worker w */
	struct thread_pool_worker *worker_args;
	unsigned threads_started; /* threads to join at stop */
	bool caller_pinned;	  /* caller_cpus to restore at stop */
	cpu_set_t caller_cpus;
};

static void *thread_pool_worker_main(void *opaque)
{
	struct thread_pool_worker *worker = opaque;
	char name[16];

	snprintf(name, sizeof(name), "pt-worker-%u", worker->index);
	pthread_setname_np(pthread_self(), name);
	pt_pin_self(worker->index);
	pt_worker_loop(worker->pool->ctl, worker->index);
	return NULL;
}

/* Joins every started worker and frees the pool; start's cleanup too. */
static void thread_pool_destroy(struct thread_pool *pool)
{
	if (pool->ctl) {
		pt_shutdown(pool->ctl);
		for (unsigned t = 0; t < pool->threads_started; t++)
			pthread_join(pool->threads[t], NULL);
	}
	if (pool->caller_pinned)
		(void)sched_setaffinity(0, sizeof(pool->caller_cpus),
					&pool->caller_cpus);
	free(pool->threads);
	free(pool->worker_args);
	free(pool->ctl);
	free(pool);
}

static int thread_pool_start(const struct ex_config *config,
			     struct executor **out, char *err, size_t errlen)
{
	struct thread_pool *pool = NULL;
	unsigned workers = config->workers;
	size_t ctl_size;
	int ret = 0;

	*out = NULL;
	ret = pt_start_check("thread-pool", config, err, errlen);
	if (ret)
		goto out;
	pool = calloc(1, sizeof(*pool));
	if (!pool) {
		ret = -ENOMEM;
		goto out;
	}
	pool->base.ops = &ex_thread_pool;
	pool->base.config = *config;
	ctl_size = pt_control_size(config, 0);
	pool->ctl = aligned_alloc(PT_CACHE_LINE, ctl_size);
	pool->threads = calloc(workers, sizeof(*pool->threads));
	pool->worker_args = calloc(workers, sizeof(*pool->worker_args));
	if (!pool->ctl || !pool->threads || !pool->worker_args) {
		snprintf(err, errlen, "thread-pool: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	memset(pool->ctl, 0, ctl_size);
	pt_control_init(pool->ctl, config, 0, false);
	/* The caller is worker 0, not an extra spinner: W threads compete for
	 * the CPUs, not the W + 1 pt_control_init assumes, so spinners need
	 * to yield every round only when W itself exceeds the CPUs. */
	if ((long)workers <= pt_online_cpus())
		pool->ctl->yield_every = PT_YIELD_EVERY;
	for (unsigned w = 1; w < workers; w++) {
		int rc;

		pool->worker_args[w] =
		    (struct thread_pool_worker){.pool = pool, .index = w};
		rc = pthread_create(&pool->threads[w - 1], NULL,
				    thread_pool_worker_main,
				    &pool->worker_args[w]);
		if (rc != 0) {
			char why[128];

			pt_describe_spawn_error(-rc, why, sizeof(why));
			snprintf(err, errlen,
				 "thread-pool: creating worker %u of %u: %s", w,
				 workers, why);
			ret = -rc;
			goto out;
		}
		pool->threads_started++;
	}
	/* Threads never set child_event, so this cannot fail. */
	pt_wait_running(pool->ctl, workers - 1);
	if (config->pin != EX_PIN_NONE &&
	    sched_getaffinity(0, sizeof(pool->caller_cpus),
			      &pool->caller_cpus) == 0) {
		pool->caller_pinned = true;
		pt_pin_self(0);
	}
	*out = &pool->base;
out:
	if (ret != 0 && pool)
		thread_pool_destroy(pool);
	return ret;
}

static int thread_pool_map(struct executor *ex, const struct ex_job *job)
{
	struct thread_pool *pool = (struct thread_pool *)ex;

	uint32_t generation = pt_post_job(pool->ctl, job->fn, job->arg,
					  job->ntasks, job->results);

	pt_run_as_worker(pool->ctl, 0, generation);
	return pt_wait_job(pool->ctl);
}

static void thread_pool_stop(struct executor *ex)
{
	thread_pool_destroy((struct thread_pool *)ex);
}

const struct executor_ops ex_thread_pool = {
    .name = "thread-pool",
    .alias = NULL,
    .summary = "the caller and W-1 persistent threads sharing one job queue "
	       "(futex wake)",
    .uses_workers = true,
    .uses_schedule = true,
    .processes = false,
    .start = thread_pool_start,
    .map = thread_pool_map,
    .stop = thread_pool_stop,
};
