/*
 * The omp executor: the OpenMP reference the thread pool is measured
 * against. map() is one `#pragma omp parallel for` over the job with W
 * threads (num_threads) and the job's schedule and chunk (schedule(runtime)
 * after omp_set_schedule), task i into job->results[i] as worker
 * omp_get_thread_num().
 *
 * The design is simple: libgomp owns the threads. The calling thread is
 * OpenMP thread 0 and runs tasks too, and libgomp keeps its W-1 other
 * threads docked between regions (and for the life of the process: stop()
 * cannot shut them down; nothing in OpenMP can). start() runs one region
 * of W threads so that they exist before the first job, checks that libgomp
 * gave W, and binds each thread: to its CPU under --pin, otherwise back to
 * the CPUs the caller was allowed at start (a pool thread may still be bound
 * by an earlier pinned executor). stop() gives the caller its CPUs back.
 *
 * The wait policy is libgomp's, read once from OMP_WAIT_POLICY when the
 * library is loaded, before main(): it cannot change per executor. Unset,
 * libgomp spins for a while (GOMP_SPINCOUNT) and then sleeps in a futex,
 * which is --wait=adaptive; OMP_WAIT_POLICY=active is --wait=spin and
 * passive is --wait=block. start() refuses a --wait that the environment
 * does not give, rather than measure another policy under its name.
 *
 * Invariant: every region of this executor has exactly W threads (checked
 * at start, and per job), so worker indexes stay below W.
 */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef PT_HAVE_OPENMP

#include <limits.h>
#include <omp.h>
#include <sched.h>

struct omp_executor {
	struct executor base; /* first: the executor is an omp_executor */
	cpu_set_t caller_cpus;
};

/* The --wait that OMP_WAIT_POLICY gives libgomp, or -1 if unrecognised. */
static int omp_wait_from_environment(void)
{
	const char *policy = getenv("OMP_WAIT_POLICY");

	if (!policy || !*policy)
		return EX_WAIT_ADAPTIVE;
	if (!strcasecmp(policy, "active"))
		return EX_WAIT_SPIN;
	if (!strcasecmp(policy, "passive"))
		return EX_WAIT_BLOCK;
	return -1;
}

/* Binds the OpenMP thread that calls it, per the executor's policy. */
static void omp_bind_self(struct omp_executor *ex, unsigned worker)
{
	if (ex->base.config.pin != EX_PIN_NONE)
		pt_pin_self(worker);
	else
		(void)sched_setaffinity(0, sizeof(ex->caller_cpus),
					&ex->caller_cpus);
}

static int omp_start(const struct ex_config *config, struct executor **out,
		     char *err, size_t errlen)
{
	struct omp_executor *ex = NULL;
	unsigned workers = config->workers;
	int given = 0, ret = 0;
	int environment_wait = omp_wait_from_environment();

	*out = NULL;
	if (workers == 0 || workers > INT_MAX) {
		snprintf(err, errlen, "omp needs at least one worker");
		ret = -EINVAL;
		goto out;
	}
	if (environment_wait != (int)config->wait) {
		snprintf(err, errlen,
			 "omp: --wait=%s needs OMP_WAIT_POLICY=%s in the "
			 "environment (libgomp reads it once, at program "
			 "start)",
			 ex_wait_name(config->wait),
			 config->wait == EX_WAIT_SPIN	 ? "active"
			 : config->wait == EX_WAIT_BLOCK ? "passive"
							 : "(unset)");
		ret = -EINVAL;
		goto out;
	}
	ret = pt_start_check("omp", config, err, errlen);
	if (ret)
		goto out;
	ex = calloc(1, sizeof(*ex));
	if (!ex) {
		snprintf(err, errlen, "omp: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	ex->base.ops = &ex_omp;
	ex->base.config = *config;
	if (sched_getaffinity(0, sizeof(ex->caller_cpus), &ex->caller_cpus)) {
		ret = -errno;
		snprintf(err, errlen, "omp: reading the caller's CPUs: %s",
			 strerror(-ret));
		goto out;
	}
#pragma omp parallel num_threads((int)workers)
	{
		if (omp_get_thread_num() == 0)
			given = omp_get_num_threads();
		omp_bind_self(ex, (unsigned)omp_get_thread_num());
	}
	if (given != (int)workers) {
		snprintf(err, errlen,
			 "omp: libgomp gave %d threads, not %u (OMP_DYNAMIC "
			 "or OMP_THREAD_LIMIT?)",
			 given, workers);
		ret = -EAGAIN;
		goto out;
	}
	*out = &ex->base;
out:
	if (ret != 0 && ex) {
		(void)sched_setaffinity(0, sizeof(ex->caller_cpus),
					&ex->caller_cpus);
		free(ex);
	}
	return ret;
}

static int omp_map(struct executor *base, const struct ex_job *job)
{
	static const omp_sched_t kinds[] = {
	    [EX_SCHED_STATIC] = omp_sched_static,
	    [EX_SCHED_DYNAMIC] = omp_sched_dynamic,
	    [EX_SCHED_GUIDED] = omp_sched_guided,
	};
	const struct ex_config *config = &base->config;
	ex_task_fn fn = job->fn;
	void *arg = job->arg;
	uint64_t *results = job->results;
	uint64_t ntasks = job->ntasks;
	int workers = (int)config->workers;
	int given = 0;

	/* Chunk 0 is each schedule's default, as OpenMP reads a chunk < 1. */
	omp_set_schedule(kinds[config->schedule], config->chunk > INT_MAX
						      ? INT_MAX
						      : (int)config->chunk);
#pragma omp parallel num_threads(workers)
	{
		unsigned worker = (unsigned)omp_get_thread_num();

		if (worker == 0)
			given = omp_get_num_threads();
#pragma omp for schedule(runtime) nowait
		for (uint64_t i = 0; i < ntasks; i++)
			results[i] = fn(arg, i, worker);
	}
	if (given != workers) {
		snprintf(base->error, sizeof(base->error),
			 "omp: libgomp ran the job on %d threads, not %d",
			 given, workers);
		return -EAGAIN;
	}
	return 0;
}

static void omp_stop(struct executor *base)
{
	struct omp_executor *ex = (struct omp_executor *)base;

	(void)sched_setaffinity(0, sizeof(ex->caller_cpus), &ex->caller_cpus);
	free(ex);
}

#define OMP_START	omp_start
#define OMP_MAP		omp_map
#define OMP_STOP	omp_stop
#define OMP_UNAVAILABLE NULL

#else /* !PT_HAVE_OPENMP */

/* Never called: the CLI refuses an unavailable executor. */
static int omp_unavailable_start(const struct ex_config *config,
				 struct executor **out, char *err,
				 size_t errlen)
{
	(void)config;
	*out = NULL;
	snprintf(err, errlen, "omp: built without OpenMP");
	return -ENOSYS;
}

static int omp_unavailable_map(struct executor *base, const struct ex_job *job)
{
	(void)job;
	snprintf(base->error, sizeof(base->error), "omp: built without OpenMP");
	return -ENOSYS;
}

static void omp_unavailable_stop(struct executor *base)
{
	free(base);
}

#define OMP_START	omp_unavailable_start
#define OMP_MAP		omp_unavailable_map
#define OMP_STOP	omp_unavailable_stop
#define OMP_UNAVAILABLE "built without OpenMP"

#endif

const struct executor_ops ex_omp = {
    .name = "omp",
    .alias = "openmp",
    .summary = "OpenMP reference: #pragma omp parallel for, same schedule "
	       "and chunk (libgomp)",
    .uses_workers = true,
    .uses_schedule = true,
    .processes = false,
    .start = OMP_START,
    .map = OMP_MAP,
    .stop = OMP_STOP,
    .unavailable = OMP_UNAVAILABLE,
};
