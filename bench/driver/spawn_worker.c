/*
 * The job as text, for process-spawn, and the worker mode that reads it.
 *
 * The design is simple: a spawned bench has nothing of its parent but argv,
 * so the driver writes the configuration's job as
 * "WORKLOAD/tasks=N/KEY=VALUE/..." with every parameter formatted by
 * wl_param_format(), and the worker parses it back with wl_param_parse(),
 * whose round trip is exact: the child's workload has bit-for-bit the
 * parent's parameters, so its checksums match the reference the driver
 * verifies against. The worker then does what a forked worker would do
 * with inherited state, from scratch: wl_setup(), the task, teardown.
 * "noop/tasks=N" is the empty job bench overhead measures: no workload,
 * the checksum of task i is i.
 *
 * A payload workload (ipc-payload) takes its input from the parent: the
 * worker is handed its slot's transport channel (the CHANNEL argument),
 * attaches to it and runs the task through the transport's worker-side
 * code, as a forked worker would. Its own setup is then for one task only:
 * the kernel uses the workload's parameters, never its own inputs, which
 * the parent redraws for every job anyway.
 *
 * Invariant: the worker mode never prints on success and never reaches the
 * rest of bench; every failure is one line on standard error and a
 * non-zero exit (2 for a malformed argv or spec).
 */
#include "spawn_worker.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "core.h"

#include "ex_mpi.h"
#include "executor.h"
#include "transport.h"

#define SPEC_NOOP "noop"

int pt_spawn_spec(const struct workload *w, const double *params,
		  uint64_t ntasks, char *buf, size_t len)
{
	size_t used;
	int n;

	n = snprintf(buf, len, "%s/tasks=%" PRIu64, w->name, ntasks);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	used = (size_t)n;
	for (unsigned k = 0; w->params[k].name; k++) {
		char value[64];

		wl_param_format(&w->params[k], params[k], value, sizeof(value));
		n = snprintf(buf + used, len - used, "/%s=%s",
			     w->params[k].name, value);
		if (n < 0 || (size_t)n >= len - used)
			return -ENAMETOOLONG;
		used += (size_t)n;
	}
	return 0;
}

/* Parses spec (modified in place) into job, or -EINVAL and why in err. */
static int parse_spec(char *spec, struct pt_spawn_job *job, char *err,
		      size_t errlen)
{
	char *save = NULL;
	char *name = strtok_r(spec, "/", &save);
	char *field = strtok_r(NULL, "/", &save);
	bool seen[WL_MAX_PARAMS] = {false};
	char *end;

	memset(job, 0, sizeof(*job));
	if (!name || !field || strncmp(field, "tasks=", 6) != 0) {
		snprintf(err, errlen, "expected WORKLOAD/tasks=N/...");
		return -EINVAL;
	}
	errno = 0;
	job->ntasks = strtoull(field + 6, &end, 10);
	if (errno || end == field + 6 || *end || field[6] == '-') {
		snprintf(err, errlen, "bad task count '%s'", field + 6);
		return -EINVAL;
	}
	if (strcmp(name, SPEC_NOOP) == 0) {
		if (strtok_r(NULL, "/", &save)) {
			snprintf(err, errlen, "the noop job has no parameters");
			return -EINVAL;
		}
		return 0;
	}
	job->wl = wl_find(name);
	if (!job->wl || job->wl->unavailable) {
		snprintf(err, errlen, "no workload '%s' in this build", name);
		return -EINVAL;
	}
	wl_param_defaults(job->wl, job->params);
	while ((field = strtok_r(NULL, "/", &save)) != NULL) {
		char *equals = strchr(field, '=');
		int k;

		if (equals)
			*equals = '\0';
		k = equals ? wl_param_index(job->wl, field) : -1;
		if (k < 0 || seen[k]) {
			snprintf(err, errlen, "%s: %s parameter '%s'", name,
				 k < 0 ? "unknown" : "repeated", field);
			return -EINVAL;
		}
		seen[k] = true;
		if (wl_param_parse(&job->wl->params[k], equals + 1,
				   &job->params[k], err, errlen))
			return -EINVAL;
	}
	return 0;
}

int pt_spawn_parse(const char *spec, struct pt_spawn_job *job, char *err,
		   size_t errlen)
{
	char *copy = strdup(spec);
	int rc;

	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = parse_spec(copy, job, err, errlen);
	free(copy);
	return rc;
}

int pt_spawn_setup(const struct pt_spawn_job *job, void **state, char *err,
		   size_t errlen)
{
	double params[WL_MAX_PARAMS];
	int rc;

	*state = NULL;
	if (!job->wl)
		return 0;
	memcpy(params, job->params, sizeof(params));
	if (job->wl->fresh_params)
		job->wl->fresh_params(params);
	err[0] = '\0';
	rc = wl_setup(job->wl, params, job->wl->payload ? 1 : job->ntasks,
		      state, err, errlen);
	if (rc && !err[0])
		snprintf(err, errlen, "setup failed: %s", strerror(-rc));
	return rc;
}

/* The task, directly or (payload workloads) through its channel. */
static int run_task(const struct pt_spawn_job *job,
		    const struct ex_spawn_request *req, void *state,
		    uint64_t *checksum, char *err, size_t errlen)
{
	const struct wl_payload *p = job->wl->payload;
	struct pt_transport *t = NULL;
	struct pt_payload moved;
	int rc;

	if (!p) {
		*checksum = job->wl->run_task(state, req->task, req->worker);
		return 0;
	}
	moved = (struct pt_payload){
	    .arg = state, .bytes = p->bytes(state), .run = p->run};
	rc = pt_transport_attach(req->channel, req->worker, &moved, &t, err,
				 errlen);
	if (rc)
		return rc;
	*checksum = pt_transport_task(t, req->task, req->worker);
	pt_transport_destroy(t);
	return 0;
}

int pt_spawn_worker_main(int argc, char **argv)
{
	struct ex_spawn_request req;
	struct pt_spawn_job job;
	char err[256], *spec = NULL;
	void *state = NULL;
	uint64_t checksum;
	int rc, status = 2;

	if (ex_spawn_parse(argc, argv, &req, err, sizeof(err)))
		goto out;
	spec = strdup(req.spec);
	if (!spec) {
		snprintf(err, sizeof(err), "out of memory");
		goto out;
	}
	if (parse_spec(spec, &job, err, sizeof(err)))
		goto out;
	/* A payload job needs its channel; no other job has one. */
	if (job.wl && !job.wl->payload != !req.channel) {
		snprintf(err, sizeof(err), "%s: %s", job.wl->name,
			 req.channel ? "takes no CHANNEL argument"
				     : "needs its CHANNEL argument");
		goto out;
	}
	if (!job.wl && req.channel) {
		snprintf(err, sizeof(err), "the noop job takes no CHANNEL");
		goto out;
	}
	if (req.task >= job.ntasks) {
		snprintf(err, sizeof(err),
			 "task %" PRIu64 " is not a task of a job of %" PRIu64,
			 req.task, job.ntasks);
		goto out;
	}
	status = 1;
	rc = ex_spawn_begin(&req);
	if (rc) {
		snprintf(err, sizeof(err), "cannot follow the spawner: %s",
			 strerror(-rc));
		goto out;
	}
	if (!job.wl) {
		checksum = req.task;
	} else {
		rc = pt_spawn_setup(&job, &state, err, sizeof(err));
		if (rc)
			goto out;
		rc = run_task(&job, &req, state, &checksum, err, sizeof(err));
		if (job.wl->teardown)
			job.wl->teardown(state);
		if (rc) {
			/* A CHANNEL that does not describe this job is a
			 * malformed argv. */
			status = rc == -EINVAL ? 2 : 1;
			goto out;
		}
	}
	rc = ex_spawn_reply(&req, checksum);
	if (rc) {
		snprintf(err, sizeof(err), "sending the checksum: %s",
			 strerror(-rc));
		goto out;
	}
	status = 0;
out:
	if (status)
		fprintf(stderr, "bench: spawn worker: %s\n", err);
	free(spec);
	return status;
}

/*
 * The mpi executors' ranks: one setup of the whole job, for every task a
 * rank will be handed (payload workloads are refused: their bytes cannot
 * reach a rank yet).
 */
struct spec_tasks {
	struct pt_spawn_job job;
	void *state;
};

static uint64_t spec_task(void *arg, uint64_t index, unsigned worker)
{
	struct spec_tasks *t = arg;

	return t->job.wl->run_task(t->state, index, worker);
}

/* The noop job's task: its checksum is its index (bench overhead). */
static uint64_t noop_task(void *arg, uint64_t index, unsigned worker)
{
	(void)arg;
	(void)worker;
	return index;
}

/* A payload task through the worker's attached channel. */
static uint64_t payload_task(void *arg, uint64_t index, unsigned worker)
{
	return pt_transport_task(arg, index, worker);
}

void pt_spawn_task_fn(const struct pt_spawn_job *job, void *state,
		      const char *channel, unsigned slot, ex_task_fn *fn,
		      void **arg)
{
	*fn = noop_task;
	*arg = NULL;
	if (job->wl && job->wl->payload) {
		const struct wl_payload *p = job->wl->payload;
		struct pt_payload moved = {
		    .arg = state, .bytes = p->bytes(state), .run = p->run};
		struct pt_transport *t = NULL;
		char err[256];

		if (!channel || pt_transport_attach(channel, slot, &moved, &t,
						    err, sizeof(err))) {
			fprintf(stderr, "bench: worker: %s\n",
				channel ? err : "no channel");
			_exit(PT_TRANSPORT_WORKER_EXIT);
		}
		*fn = payload_task;
		*arg = t;
	} else if (job->wl) {
		*fn = job->wl->run_task;
		*arg = state;
	}
}

/* A whole decimal number of at most max, or -EINVAL. */
static int pool_number(const char *text, uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || *out > max)
		return -EINVAL;
	return 0;
}

int pt_pool_worker_main(int argc, char **argv)
{
	uint64_t slot, cpu, parent, addr, len;
	struct pt_spawn_job job;
	char err[256] = "";
	void *state = NULL, *ctl;
	ex_task_fn fn;
	void *arg;

	/* PROGRAM FLAG SPEC WORKER CPU PARENT ADDR LEN [CHANNEL]; CPU is
	 * the CPU + 1 (0: none), so that every field is unsigned. */
	if ((argc != 8 && argc != 9) ||
	    pool_number(argv[3], UINT32_MAX, &slot) ||
	    pool_number(argv[4], CPU_SETSIZE, &cpu) ||
	    pool_number(argv[5], INT32_MAX, &parent) || parent == 0 ||
	    pool_number(argv[6], UINTPTR_MAX, &addr) ||
	    pool_number(argv[7], SIZE_MAX, &len) || len == 0) {
		fprintf(stderr,
			"bench: pool worker: expected SPEC WORKER CPU PARENT "
			"ADDR LEN [CHANNEL]\n");
		return 2;
	}
	if (pt_spawn_parse(argv[2], &job, err, sizeof(err))) {
		fprintf(stderr, "bench: pool worker: %s\n", err);
		return 2;
	}
	/* Die with the pool's process; it may already be gone. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != (pid_t)parent)
		return 1;
	if (cpu > 0) {
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET((int)cpu - 1, &one);
		(void)sched_setaffinity(0, sizeof(one), &one);
	}
	if (pt_spawn_setup(&job, &state, err, sizeof(err))) {
		fprintf(stderr, "bench: pool worker: %s\n", err);
		return 1;
	}
	ctl = mmap((void *)(uintptr_t)addr, (size_t)len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_FIXED_NOREPLACE, EX_POOL_WORKER_MAP_FD, 0);
	if (ctl != (void *)(uintptr_t)addr) {
		fprintf(stderr,
			"bench: pool worker: mapping the control block at "
			"%#" PRIx64 ": %s\n",
			addr, ctl == MAP_FAILED ? strerror(errno) : "taken");
		return 1;
	}
	close(EX_POOL_WORKER_MAP_FD);
	pt_spawn_task_fn(&job, state, argc == 9 ? argv[8] : NULL,
			 (unsigned)slot, &fn, &arg);
	pt_worker_set_task(fn, arg);
	pt_worker_loop(ctl, (unsigned)slot);
	/* This worker set the workload up itself (io-file's directory,
	 * io-net's echo server): it tears it down at the pool's stop. */
	if (job.wl && job.wl->teardown)
		job.wl->teardown(state);
	return 0;
}

static int spec_setup(void *ctx, const char *spec, ex_task_fn *fn, void **arg,
		      char *err, size_t errlen)
{
	struct spec_tasks *t = calloc(1, sizeof(*t));
	char *text = strdup(spec);
	int rc = -ENOMEM;

	(void)ctx;
	if (!t || !text) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = parse_spec(text, &t->job, err, errlen);
	if (rc)
		goto out;
	if (t->job.wl && t->job.wl->payload) {
		snprintf(err, errlen, "%s: its payload cannot reach a rank",
			 t->job.wl->name);
		rc = -ENOTSUP;
		goto out;
	}
	if (t->job.wl) {
		err[0] = '\0';
		rc = wl_setup(t->job.wl, t->job.params, t->job.ntasks,
			      &t->state, err, errlen);
		if (rc && !err[0])
			snprintf(err, errlen, "%s setup failed: %s",
				 t->job.wl->name, strerror(-rc));
	}
out:
	free(text);
	if (rc) {
		free(t);
		return rc;
	}
	*fn = t->job.wl ? spec_task : noop_task;
	*arg = t;
	return 0;
}

static void spec_teardown(void *ctx, void *arg)
{
	struct spec_tasks *t = arg;

	(void)ctx;
	if (t && t->job.wl && t->job.wl->teardown)
		t->job.wl->teardown(t->state);
	free(t);
}

int pt_mpi_worker_main(int argc, char **argv)
{
	static const struct ex_mpi_tasks tasks = {.setup = spec_setup,
						  .teardown = spec_teardown};

	return ex_mpi_worker_main(argc, argv, &tasks);
}
