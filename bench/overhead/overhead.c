/*
 * bench overhead: what the harness costs, next to what the machine allows.
 *
 * The design is simple: a fixed table of rows, one figure each (issue 9).
 * Raw rows time a primitive directly: fork+_exit+waitpid, the same in a
 * minimal C process (procthread-minfork, the anchor of the start methods:
 * what a process per task costs at least here), pthread_create+join,
 * posix_spawn of this binary in its worker mode, an empty libgomp
 * parallel region. Executor rows use the executors exactly as the driver
 * does, through runners/executor.h: start() untimed, then map() timed, then
 * the results verified (outside the timing) and stop(). Each row is measured
 * in its own forked child, as the driver runs each configuration, so that a
 * row inherits no thread (libgomp keeps its pool docked) and no heap from
 * another; the child hands its two numbers back through a shared mapping.
 * Every figure is the median of the repetitions (9, or 3 with --quick).
 *
 * A row's ratio is measured / reference, where the reference is another
 * row (a raw primitive, or the omp executor) or a second figure the row
 * measures itself, interleaved with the first (oversubscription: W=16 vs
 * W=2). Efficiency rows report speedup / W instead, so their target is a
 * minimum. Targets are issue 9's; a row without one is for information.
 *
 * Invariant: no timed region contains anything but the operation named by
 * its figure, repeated; every result slot is checked after every job.
 */
#include "overhead.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef PT_HAVE_OPENMP
#include <omp.h>
#endif

#include "driver.h"
#include "executor.h"
#include "fj_anchor.h"
#include "info.h"
#include "noise.h"
#include "results.h"
#include "stats.h"
#include "workload.h"

#define OVERHEAD_VERSION 1
#define MAX_REPS	 9

extern char **environ;

enum measure {
	RAW_FORK,
	RAW_MINFORK, /* fork+_exit+waitpid in procthread-minfork */
	RAW_THREAD,
	RAW_SPAWN,
	RAW_GOMP_REGION,
	DISPATCH,	    /* empty tasks, dynamic chunk 1, W = CPUs */
	FORK_JOIN,	    /* empty job (0 tasks), W = CPUs */
	CREATION,	    /* start() + stop(), per worker, W = CPUs */
	PER_TASK,	    /* empty tasks, W = 1 */
	EFFICIENCY,	    /* cpu-hash >= 10 ms tasks, W = CPUs vs serial */
	OVERSUBSCRIPTION,   /* cpu-hash, W = 16 vs W = 2 */
	PER_TASK_ANCHORED,  /* PER_TASK, interleaved with RAW_MINFORK */
	FORK_JOIN_ANCHORED, /* FORK_JOIN, interleaved with fj_anchor.h's */
};

/* Where a row's reference comes from. */
enum { REF_NONE = -1, REF_SELF = -2 };

struct row {
	const char *figure;
	const char *executor; /* or "raw", "libgomp" */
	enum measure measure;
	int reference;	     /* a row index, REF_NONE or REF_SELF */
	double target;	     /* 0: none */
	bool target_min;     /* ratio must be >= target (else <=) */
	enum ex_start start; /* process-pool, process-per-task: fork or not */
};

/* Indexes below must match the order of rows[]. */
enum {
	ROW_FORK,
	ROW_MINFORK,
	ROW_THREAD,
	ROW_SPAWN,
	ROW_GOMP,
	ROW_DISPATCH_OMP,
};

static const struct row rows[] = {
    [ROW_FORK] = {"fork+_exit+waitpid", "raw", RAW_FORK, REF_NONE, 0, 0,
		  EX_START_FORK},
    [ROW_MINFORK] = {"minimal fork (tiny process)", "raw", RAW_MINFORK,
		     REF_NONE, 0, 0, EX_START_FORK},
    [ROW_THREAD] = {"pthread_create+join", "raw", RAW_THREAD, REF_NONE, 0, 0,
		    EX_START_FORK},
    [ROW_SPAWN] = {"posix_spawn+exec+waitpid", "raw", RAW_SPAWN, REF_NONE, 0, 0,
		   EX_START_FORK},
    [ROW_GOMP] = {"empty parallel region", "libgomp", RAW_GOMP_REGION, REF_NONE,
		  0, 0, EX_START_FORK},
    [ROW_DISPATCH_OMP] = {"dispatch per empty task", "omp", DISPATCH, REF_NONE,
			  0, 0, EX_START_FORK},
    {"dispatch per empty task", "thread-pool", DISPATCH, ROW_DISPATCH_OMP, 2, 0,
     EX_START_FORK},
    {"dispatch per empty task", "process-pool", DISPATCH, ROW_DISPATCH_OMP, 2,
     0, EX_START_FORK},
    {"dispatch per empty task", "serial", DISPATCH, REF_NONE, 0, 0,
     EX_START_FORK},
    {"dispatch per empty task", "thread-per-task", DISPATCH, REF_NONE, 0, 0,
     EX_START_FORK},
    {"dispatch per empty task", "process-per-task", DISPATCH, REF_NONE, 0, 0,
     EX_START_FORK},
    {"dispatch per empty task", "process-spawn", DISPATCH, REF_NONE, 0, 0,
     EX_START_FORK},
    {"empty job fork-join", "thread-pool", FORK_JOIN, ROW_GOMP, 2, 0,
     EX_START_FORK},
    {"empty job fork-join", "process-pool", FORK_JOIN, ROW_GOMP, 2, 0,
     EX_START_FORK},
    {"empty job vs raw fork-join", "process-pool", FORK_JOIN_ANCHORED, REF_SELF,
     1.2, 0, EX_START_FORK},
    {"empty job fork-join", "omp", FORK_JOIN, ROW_GOMP, 0, 0, EX_START_FORK},
    {"start+stop per worker", "thread-pool", CREATION, REF_SELF, 1.2, 0,
     EX_START_FORK},
    {"start+stop per worker", "process-pool", CREATION, REF_SELF, 1.2, 0,
     EX_START_FORK},
    {"cost per task, W=1", "thread-per-task", PER_TASK, ROW_THREAD, 1.2, 0,
     EX_START_FORK},
    {"cost per task, W=1", "process-per-task", PER_TASK, ROW_FORK, 1.2, 0,
     EX_START_FORK},
    {"cost per task, W=1", "process-spawn", PER_TASK, ROW_SPAWN, 0, 0,
     EX_START_FORK},
    {"per task, start=fork", "process-per-task", PER_TASK_ANCHORED, REF_SELF, 0,
     0, EX_START_FORK},
    {"per task, start=forkserver", "process-per-task", PER_TASK_ANCHORED,
     REF_SELF, 1.2, 0, EX_START_FORKSERVER},
    {"per task, start=spawn", "process-spawn", PER_TASK_ANCHORED, REF_SELF, 0,
     0, EX_START_SPAWN},
    {"cpu-hash efficiency", "thread-pool", EFFICIENCY, REF_SELF, 0.98, 1,
     EX_START_FORK},
    {"cpu-hash efficiency", "process-pool", EFFICIENCY, REF_SELF, 0.98, 1,
     EX_START_FORK},
    {"cpu-hash efficiency", "omp", EFFICIENCY, REF_SELF, 0, 1, EX_START_FORK},
    {"cpu-hash W=16 vs W=2", "thread-pool", OVERSUBSCRIPTION, REF_SELF, 1.05, 0,
     EX_START_FORK},
    {"cpu-hash W=16 vs W=2", "process-pool", OVERSUBSCRIPTION, REF_SELF, 1.05,
     0, EX_START_FORK},
};

#define ROW_COUNT (sizeof(rows) / sizeof(rows[0]))

/* Rows this run measures and prints (--only; every row by default). */
static bool row_on[ROW_COUNT];

/*
 * Selects the rows whose figure or executor contains text (NULL: all),
 * and the rows their ratios refer to; false when none matched.
 */
static bool select_rows(const char *text)
{
	bool any = false;

	for (size_t r = 0; r < ROW_COUNT; r++) {
		row_on[r] = !text || strstr(rows[r].figure, text) ||
			    strstr(rows[r].executor, text);
		any |= row_on[r];
	}
	for (size_t r = 0; r < ROW_COUNT; r++)
		if (row_on[r] && rows[r].reference >= 0)
			row_on[rows[r].reference] = true;
	return any;
}

/* What a row's child hands back, in a MAP_SHARED mapping. */
struct outcome {
	double measured;  /* seconds; for EFFICIENCY the pool's job time */
	double reference; /* REF_SELF rows: seconds (serial time / W) */
	double task_s;	  /* EFFICIENCY, OVERSUBSCRIPTION: one task's time */
	double cv;	  /* of the measured repetitions, NAN: unknown */
	/* FORK_JOIN_ANCHORED: every variant's median; the reference is the
	 * best, named in reference_label. */
	double anchors[PT_FJ_VARIANTS];
	char reference_label[40]; /* empty: the row's fixed name */
	char error[300];	  /* empty when measured */
	bool unavailable;	  /* this build cannot measure it (no OpenMP) */
};

/* The sizes of one run: full, or --quick (for tests). */
struct plan {
	unsigned reps;
	unsigned cpus;
	uint64_t dispatch_tasks, thread_tasks, fork_tasks, spawn_tasks;
	unsigned raw_forks, raw_threads, raw_spawns, gomp_regions;
	unsigned fork_joins, creations;
	double cpu_task_s; /* target duration of one cpu-hash task */
	bool quick;
};

static uint64_t empty_task(void *arg, uint64_t index, unsigned worker)
{
	(void)arg;
	(void)worker;
	return index;
}

static void *empty_thread(void *arg)
{
	return arg;
}

/* The row's figure from its repetitions: their median, and their cv. */
static void settle(struct outcome *out, double *samples, unsigned n)
{
	out->measured = gate_median(samples, n);
	out->cv = pt_noise_cv(samples, n);
}

/* ---- raw primitives ------------------------------------------------- */

static int time_forks(unsigned n, double *seconds)
{
	double t = pt_now();

	for (unsigned i = 0; i < n; i++) {
		pid_t pid = fork();
		int status;

		if (pid < 0)
			return -errno;
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &status, 0) != pid)
			return -errno;
	}
	*seconds = (pt_now() - t) / n;
	return 0;
}

static int time_threads(unsigned n, double *seconds)
{
	double t = pt_now();

	for (unsigned i = 0; i < n; i++) {
		pthread_t thread;
		int rc = pthread_create(&thread, NULL, empty_thread, NULL);

		if (rc)
			return -rc;
		pthread_join(thread, NULL);
	}
	*seconds = (pt_now() - t) / n;
	return 0;
}

/*
 * This binary in its worker mode on the empty job, its checksum going to
 * /dev/null: exec, dynamic loading, start-up, exit, reap, and nothing of
 * the executor (no pipe, no pidfd, no slots).
 */
static int time_spawns(unsigned n, double *seconds)
{
	char parent[16];
	char *argv[] = {program_invocation_name,
			EX_SPAWN_WORKER_FLAG,
			"noop/tasks=1",
			"0",
			"0",
			"3",
			"-1",
			parent,
			NULL};
	posix_spawn_file_actions_t actions;
	int rc, ret = 0;
	double t;

	snprintf(parent, sizeof(parent), "%d", (int)getpid());
	rc = posix_spawn_file_actions_init(&actions);
	if (rc)
		return -rc;
	rc = posix_spawn_file_actions_addopen(&actions, 3, "/dev/null",
					      O_WRONLY, 0);
	t = pt_now();
	for (unsigned i = 0; i < n && rc == 0; i++) {
		pid_t pid;
		int status;

		rc = posix_spawn(&pid, "/proc/self/exe", &actions, NULL, argv,
				 environ);
		if (rc == 0 && (waitpid(pid, &status, 0) != pid ||
				!WIFEXITED(status) || WEXITSTATUS(status)))
			rc = EPROTO;
	}
	*seconds = (pt_now() - t) / n;
	if (rc)
		ret = -rc;
	posix_spawn_file_actions_destroy(&actions);
	return ret;
}

/*
 * The minimal fork: procthread-minfork (beside this program) forks n
 * children that exit at once, one at a time, and prints the mean seconds
 * per fork+_exit+waitpid, which it timed itself (its own exec is not in
 * the figure). A process of libc alone: the least a process per task can
 * cost here, the anchor of --start=forkserver.
 */
static int time_minforks(unsigned n, double *seconds)
{
	char path[4096], count[16], out[64] = "";
	char *argv[] = {"procthread-minfork", count, NULL};
	posix_spawn_file_actions_t actions;
	ssize_t len = readlink("/proc/self/exe", path, sizeof(path) - 32);
	int fds[2], rc, status, ret = 0;
	size_t got = 0;
	pid_t pid;
	char *slash, *end;

	if (len < 0)
		return -errno;
	path[len] = '\0';
	slash = strrchr(path, '/');
	if (!slash)
		return -ENOENT;
	strcpy(slash + 1, "procthread-minfork");
	snprintf(count, sizeof(count), "%u", n);
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	rc = posix_spawn_file_actions_init(&actions);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
	if (rc == 0)
		rc = posix_spawn(&pid, path, &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	close(fds[1]);
	if (rc) {
		close(fds[0]);
		return -rc;
	}
	while (got < sizeof(out) - 1) {
		ssize_t k = read(fds[0], out + got, sizeof(out) - 1 - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	out[got] = '\0';
	errno = 0;
	*seconds = strtod(out, &end);
	if (!WIFEXITED(status) || WEXITSTATUS(status) || errno || end == out ||
	    *end != '\n' || !(*seconds > 0))
		ret = -EPROTO;
	return ret;
}

static int time_gomp_regions(unsigned n, unsigned workers, double *seconds)
{
#ifdef PT_HAVE_OPENMP
	int team = 0;
	double t;

	/* The first region creates libgomp's threads: not timed. */
#pragma omp parallel num_threads((int)workers)
	{
		if (omp_get_thread_num() == 0)
			team = omp_get_num_threads();
	}
	if (team != (int)workers)
		return -EAGAIN;
	t = pt_now();
	for (unsigned i = 0; i < n; i++) {
#pragma omp parallel num_threads((int)workers)
		{
			__asm__ __volatile__("" ::: "memory");
		}
	}
	*seconds = (pt_now() - t) / n;
	return 0;
#else
	(void)n;
	(void)workers;
	(void)seconds;
	return -ENOSYS;
#endif
}

/* ---- executors, as the driver uses them ----------------------------- */

/* One started executor and the job it maps. */
struct run {
	const struct executor_ops *ops;
	struct executor *ex;
	struct ex_job job;
	char spec[64];
};

static int run_start_as(struct run *r, const char *name, enum ex_start start,
			unsigned workers, uint64_t ntasks, ex_task_fn fn,
			void *arg, struct outcome *out)
{
	struct ex_config config = {
	    .workers = workers,
	    .schedule = EX_SCHED_DYNAMIC,
	    .chunk = 1,
	    .max_tasks = ntasks,
	    .wait = EX_WAIT_ADAPTIVE,
	    /* process-spawn is spawn by itself */
	    .start = start == EX_START_SPAWN ? EX_START_FORK : start,
	};
	int rc;

	memset(r, 0, sizeof(*r));
	r->ops = ex_find(name);
	if (!r->ops || r->ops->unavailable) {
		snprintf(out->error, sizeof(out->error), "%s: %s", name,
			 r->ops ? r->ops->unavailable : "no such executor");
		out->unavailable = r->ops != NULL;
		return -ENOSYS;
	}
	if (ex_runs_spec(r->ops, &config)) {
		/* Spawned children and the fork server run the empty job:
		 * checksum = index. */
		if (fn != empty_task) {
			snprintf(out->error, sizeof(out->error),
				 "%s runs empty tasks only here", name);
			return -EINVAL;
		}
		snprintf(r->spec, sizeof(r->spec), "noop/tasks=%llu",
			 (unsigned long long)ntasks);
		config.spawn_spec = r->spec;
	}
	r->job = (struct ex_job){.fn = fn, .arg = arg, .ntasks = ntasks};
	r->job.results = calloc(ntasks ? ntasks : 1, sizeof(uint64_t));
	if (!r->job.results) {
		snprintf(out->error, sizeof(out->error), "out of memory");
		return -ENOMEM;
	}
	rc = r->ops->start(&config, &r->ex, out->error, sizeof(out->error));
	if (rc) {
		free(r->job.results);
		r->job.results = NULL;
	}
	return rc;
}

static int run_start(struct run *r, const char *name, unsigned workers,
		     uint64_t ntasks, ex_task_fn fn, void *arg,
		     struct outcome *out)
{
	return run_start_as(r, name, EX_START_FORK, workers, ntasks, fn, arg,
			    out);
}

static void run_stop(struct run *r)
{
	if (r->ex)
		r->ops->stop(r->ex);
	free(r->job.results);
	r->ex = NULL;
	r->job.results = NULL;
}

/*
 * Maps the job `times` times, timing the maps only; then checks every
 * result against expected (or index, when expected is NULL).
 */
static int run_map(struct run *r, unsigned times, const uint64_t *expected,
		   double *seconds, struct outcome *out)
{
	double elapsed = 0;

	for (unsigned k = 0; k < times; k++) {
		double t;
		int rc;

		for (uint64_t i = 0; i < r->job.ntasks; i++)
			r->job.results[i] = UINT64_MAX;
		t = pt_now();
		rc = r->ops->map(r->ex, &r->job);
		elapsed += pt_now() - t;
		if (rc) {
			snprintf(out->error, sizeof(out->error), "%s",
				 ex_error(r->ex));
			return rc;
		}
		for (uint64_t i = 0; i < r->job.ntasks; i++) {
			if (r->job.results[i] != (expected ? expected[i] : i)) {
				snprintf(out->error, sizeof(out->error),
					 "%s: task %llu has a wrong result",
					 r->ops->name, (unsigned long long)i);
				return -EIO;
			}
		}
	}
	*seconds = elapsed / times;
	return 0;
}

/* The median over plan->reps of one timed map of ntasks, per task. */
static int measure_per_task(const struct plan *plan, const char *name,
			    enum ex_start start, unsigned workers,
			    uint64_t ntasks, struct outcome *out)
{
	double samples[MAX_REPS], seconds;
	struct run r;
	int rc = run_start_as(&r, name, start, workers, ntasks, empty_task,
			      NULL, out);

	if (rc)
		return rc;
	rc = run_map(&r, 1, NULL, &seconds, out); /* warm-up */
	for (unsigned k = 0; rc == 0 && k < plan->reps; k++) {
		rc = run_map(&r, 1, NULL, &seconds, out);
		samples[k] = seconds / (double)ntasks;
	}
	run_stop(&r);
	if (rc == 0)
		settle(out, samples, plan->reps);
	return rc;
}

static int measure_fork_join(const struct plan *plan, const char *name,
			     struct outcome *out)
{
	double samples[MAX_REPS];
	struct run r;
	int rc = run_start(&r, name, plan->cpus, 0, empty_task, NULL, out);

	if (rc)
		return rc;
	rc = run_map(&r, plan->fork_joins / 10, NULL, &samples[0], out);
	for (unsigned k = 0; rc == 0 && k < plan->reps; k++)
		rc = run_map(&r, plan->fork_joins, NULL, &samples[k], out);
	run_stop(&r);
	if (rc == 0)
		settle(out, samples, plan->reps);
	return rc;
}

/*
 * The process pool's 0-task job against the raw structure it has (W
 * forked processes and the waiting parent meeting in shared memory,
 * fj_anchor.h), every variant of it, the repetitions interleaved (round 0
 * of each dropped) so that the machine's drift touches all alike. The
 * reference is the best variant's median.
 */
static int measure_fork_join_anchored(const struct plan *plan,
				      struct outcome *out)
{
	double sa[MAX_REPS], sv[PT_FJ_VARIANTS][MAX_REPS], seconds;
	unsigned jobs = plan->fork_joins / 50, best = 0;
	struct run r;
	int rc =
	    run_start(&r, "process-pool", plan->cpus, 0, empty_task, NULL, out);

	for (unsigned k = 0; rc == 0 && k <= plan->reps; k++) {
		unsigned at = k ? k - 1 : 0;

		/* Untimed: the anchor's reaped workers raised SIGCHLD. */
		rc = run_map(&r, 1, NULL, &seconds, out);
		if (rc == 0)
			rc = run_map(&r, jobs, NULL, &sa[at], out);
		for (unsigned v = 0; rc == 0 && v < PT_FJ_VARIANTS; v++) {
			rc = pt_fj_anchor_time(v, plan->cpus, jobs, &sv[v][at]);
			if (rc)
				snprintf(out->error, sizeof(out->error),
					 "raw fork-join (%s): %s",
					 pt_fj_variant_name(v), strerror(-rc));
		}
	}
	if (r.ex)
		run_stop(&r);
	if (rc)
		return rc;
	settle(out, sa, plan->reps);
	for (unsigned v = 0; v < PT_FJ_VARIANTS; v++) {
		out->anchors[v] = gate_median(sv[v], plan->reps);
		if (out->anchors[v] < out->anchors[best])
			best = v;
	}
	out->reference = out->anchors[best];
	snprintf(out->reference_label, sizeof(out->reference_label),
		 "raw fork-join, %s", pt_fj_variant_name(best));
	return 0;
}

/*
 * start() + stop() per worker created: a worker's whole life, as the raw
 * loop interleaved with it (round 0 of each dropped) times creation plus
 * join or reap: pthread_create+join for the thread pool, fork+_exit+
 * waitpid of this program for the process pool, as many as the pool
 * created. The thread pool's caller is its worker 0, so it creates W - 1
 * threads (with W = 1, none: then the figure is the start-up itself).
 */
static int measure_creation(const struct plan *plan, const char *name,
			    struct outcome *out)
{
	bool threads = !strcmp(name, "thread-pool");
	unsigned created =
	    threads && plan->cpus > 1 ? plan->cpus - 1 : plan->cpus;
	unsigned raw = plan->creations * created;
	double samples[MAX_REPS], raws[MAX_REPS];
	int rc = 0;

	for (unsigned k = 0; rc == 0 && k <= plan->reps; k++) {
		unsigned at = k ? k - 1 : 0;
		double t = pt_now();

		for (unsigned c = 0; rc == 0 && c < plan->creations; c++) {
			struct run r;

			rc = run_start(&r, name, plan->cpus, 1, empty_task,
				       NULL, out);
			run_stop(&r);
		}
		samples[at] =
		    (pt_now() - t) / plan->creations / (double)created;
		if (rc == 0)
			rc = threads ? time_threads(raw, &raws[at])
				     : time_forks(raw, &raws[at]);
		if (rc && !out->error[0])
			snprintf(out->error, sizeof(out->error), "%s: %s",
				 threads ? "pthread_create" : "fork",
				 strerror(-rc));
	}
	if (rc == 0) {
		settle(out, samples, plan->reps);
		out->reference = gate_median(raws, plan->reps);
	}
	return rc;
}

/* cpu-hash through the workload API, each task about plan->cpu_task_s. */
struct cpu_job {
	const struct workload *wl;
	void *state;
	uint64_t ntasks;
	uint64_t *expected;
	double task_s;
};

static void cpu_job_free(struct cpu_job *job)
{
	if (job->state)
		job->wl->teardown(job->state);
	free(job->expected);
	memset(job, 0, sizeof(*job));
}

static int cpu_job_setup(const struct plan *plan, uint64_t ntasks,
			 struct cpu_job *job, struct outcome *out)
{
	const double probe_rounds = 1e6;
	double params[WL_MAX_PARAMS], samples[3];
	int work = -1, rc;

	memset(job, 0, sizeof(*job));
	job->wl = wl_find("cpu-hash");
	if (!job->wl) {
		snprintf(out->error, sizeof(out->error), "no cpu-hash");
		return -ENOSYS;
	}
	wl_param_defaults(job->wl, params);
	work = wl_param_index(job->wl, "work");
	/* Calibrate: time a probe task, then size the rounds. */
	params[work] = probe_rounds;
	rc = wl_setup(job->wl, params, 1, &job->state, out->error,
		      sizeof(out->error));
	if (rc)
		return rc;
	for (unsigned k = 0; k < 3; k++) {
		double t = pt_now();

		job->wl->run_task(job->state, k, 0);
		samples[k] = pt_now() - t;
	}
	job->wl->teardown(job->state);
	job->state = NULL;
	params[work] =
	    ceil(probe_rounds * plan->cpu_task_s / gate_median(samples, 3));
	rc = wl_setup(job->wl, params, ntasks, &job->state, out->error,
		      sizeof(out->error));
	if (rc)
		return rc;
	job->ntasks = ntasks;
	job->expected = calloc(ntasks, sizeof(uint64_t));
	if (!job->expected) {
		snprintf(out->error, sizeof(out->error), "out of memory");
		return -ENOMEM;
	}
	for (uint64_t i = 0; i < ntasks; i++) {
		double t = pt_now();

		job->expected[i] = job->wl->run_task(job->state, i, 0);
		samples[i % 3] = pt_now() - t;
	}
	job->task_s = samples[0];
	out->task_s = job->task_s;
	return 0;
}

/*
 * Median job times of executors a and b (workers wa and wb) on the same
 * cpu-hash job, the repetitions of a and b interleaved so that a drift of
 * the machine affects both alike.
 */
static int measure_pair(const struct plan *plan, const struct cpu_job *job,
			const char *a, unsigned wa, const char *b, unsigned wb,
			double *ta, double *tb, struct outcome *out)
{
	double sa[MAX_REPS], sb[MAX_REPS];
	struct run ra = {0}, rb = {0};
	int rc;

	rc = run_start(&ra, a, wa, job->ntasks, job->wl->run_task, job->state,
		       out);
	if (rc == 0)
		rc = run_start(&rb, b, wb, job->ntasks, job->wl->run_task,
			       job->state, out);
	for (unsigned k = 0; rc == 0 && k < plan->reps; k++) {
		rc = run_map(&ra, 1, job->expected, &sa[k], out);
		if (rc == 0)
			rc = run_map(&rb, 1, job->expected, &sb[k], out);
	}
	run_stop(&ra);
	run_stop(&rb);
	if (rc == 0) {
		*ta = gate_median(sa, plan->reps);
		out->cv = pt_noise_cv(sa, plan->reps);
		*tb = gate_median(sb, plan->reps);
	}
	return rc;
}

/*
 * Cost per task at W = 1 of name under start, and the minimal fork, their
 * repetitions interleaved (round 0 of each dropped) so that the machine's
 * drift, large on a shared VM, touches both alike.
 */
static int measure_anchored(const struct plan *plan, const char *name,
			    enum ex_start start, uint64_t ntasks,
			    struct outcome *out)
{
	double sa[MAX_REPS], sb[MAX_REPS], seconds;
	struct run r;
	int rc =
	    run_start_as(&r, name, start, 1, ntasks, empty_task, NULL, out);

	for (unsigned k = 0; rc == 0 && k <= plan->reps; k++) {
		double *s = &sb[k ? k - 1 : 0];

		rc = time_minforks(plan->raw_forks, s);
		if (rc) {
			snprintf(out->error, sizeof(out->error),
				 "minimal fork: %s", strerror(-rc));
			break;
		}
		rc = run_map(&r, 1, NULL, &seconds, out);
		sa[k ? k - 1 : 0] = seconds / (double)ntasks;
	}
	if (r.ex)
		run_stop(&r);
	if (rc == 0) {
		settle(out, sa, plan->reps);
		out->reference = gate_median(sb, plan->reps);
	}
	return rc;
}

/* ---- one row, in its own child ------------------------------------- */

static int measure_row(const struct plan *plan, const struct row *row,
		       struct outcome *out)
{
	double samples[MAX_REPS];
	struct cpu_job job;
	int rc = 0;

	switch (row->measure) {
	case RAW_FORK:
	case RAW_MINFORK:
	case RAW_THREAD:
	case RAW_SPAWN:
	case RAW_GOMP_REGION:
		for (unsigned k = 0; rc == 0 && k <= plan->reps; k++) {
			/* Round 0 warms up and is dropped. */
			double *s = &samples[k ? k - 1 : 0];

			if (row->measure == RAW_FORK)
				rc = time_forks(plan->raw_forks, s);
			else if (row->measure == RAW_MINFORK)
				rc = time_minforks(plan->raw_forks, s);
			else if (row->measure == RAW_THREAD)
				rc = time_threads(plan->raw_threads, s);
			else if (row->measure == RAW_SPAWN)
				rc = time_spawns(plan->raw_spawns, s);
			else
				rc = time_gomp_regions(plan->gomp_regions,
						       plan->cpus, s);
		}
		out->unavailable = rc == -ENOSYS;
		if (rc)
			snprintf(out->error, sizeof(out->error), "%s: %s",
				 row->figure,
				 rc == -ENOSYS ? "built without OpenMP"
					       : strerror(-rc));
		else
			settle(out, samples, plan->reps);
		return rc;
	case DISPATCH: {
		uint64_t n = plan->dispatch_tasks;

		if (!strcmp(row->executor, "thread-per-task"))
			n = plan->thread_tasks;
		else if (!strcmp(row->executor, "process-per-task"))
			n = plan->fork_tasks;
		else if (!strcmp(row->executor, "process-spawn"))
			n = plan->spawn_tasks;
		return measure_per_task(plan, row->executor, row->start,
					plan->cpus, n, out);
	}
	case PER_TASK:
		return measure_per_task(
		    plan, row->executor, row->start, 1,
		    !strcmp(row->executor, "thread-per-task")
			? plan->thread_tasks
		    : !strcmp(row->executor, "process-spawn")
			? plan->spawn_tasks
			: plan->fork_tasks,
		    out);
	case PER_TASK_ANCHORED:
		return measure_anchored(plan, row->executor, row->start,
					!strcmp(row->executor, "process-spawn")
					    ? plan->spawn_tasks
					    : plan->fork_tasks,
					out);
	case FORK_JOIN:
		return measure_fork_join(plan, row->executor, out);
	case FORK_JOIN_ANCHORED:
		return measure_fork_join_anchored(plan, out);
	case CREATION:
		return measure_creation(plan, row->executor, out);
	case EFFICIENCY:
		/* Four tasks per worker: every worker has the same work. */
		rc = cpu_job_setup(plan, 4 * (uint64_t)plan->cpus, &job, out);
		if (rc == 0)
			rc = measure_pair(plan, &job, row->executor, plan->cpus,
					  "serial", 1, &out->measured,
					  &out->reference, out);
		/* The ideal: the serial time shared by W workers. */
		out->reference /= plan->cpus;
		cpu_job_free(&job);
		return rc;
	case OVERSUBSCRIPTION:
		rc = cpu_job_setup(plan, 32, &job, out);
		if (rc == 0)
			rc = measure_pair(plan, &job, row->executor, 16,
					  row->executor, 2, &out->measured,
					  &out->reference, out);
		cpu_job_free(&job);
		return rc;
	}
	return -EINVAL;
}

/*
 * Runs measure_row in a forked child, as the driver runs a configuration,
 * and judges whether the machine was quiet meanwhile (noise.h: the window
 * is the child's life, the cv its repetitions'). Any failure, including
 * the child's death, lands in out->error.
 */
static void measure_isolated(const struct plan *plan, const struct row *row,
			     struct outcome *shared, struct outcome *out,
			     struct pt_noise *noise)
{
	struct pt_noise_sample before, after;
	int status = 0;
	pid_t pid;

	memset(shared, 0, sizeof(*shared));
	shared->cv = NAN;
	fflush(NULL);
	pt_noise_sample_now(&before);
	pid = fork();
	if (pid < 0) {
		snprintf(out->error, sizeof(out->error), "fork: %s",
			 strerror(errno));
		return;
	}
	if (pid == 0)
		_exit(measure_row(plan, row, shared) ? 1 : 0);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pt_noise_sample_now(&after);
	*out = *shared;
	pt_noise_judge(&before, &after, out->cv, plan->cpus,
		       (double)sysconf(_SC_CLK_TCK), noise);
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) &&
	    !out->error[0]) {
		if (WIFSIGNALED(status))
			snprintf(out->error, sizeof(out->error),
				 "measurement killed by signal %d",
				 WTERMSIG(status));
		else
			snprintf(out->error, sizeof(out->error),
				 "measurement failed");
	}
	if (!out->error[0] && !isfinite(out->measured))
		snprintf(out->error, sizeof(out->error), "no figure");
}

/* ---- the report ----------------------------------------------------- */

struct result {
	struct outcome outcome;
	struct pt_noise noise; /* was the machine quiet for this row */
	double reference;      /* seconds, or NAN */
	double ratio;	       /* NAN when no reference */
	int met;	       /* 1, 0, or -1: no target / not measured */
};

static void finish_results(const struct outcome *outcomes,
			   struct result *results)
{
	for (size_t r = 0; r < ROW_COUNT; r++) {
		const struct row *row = &rows[r];
		struct result *res = &results[r];

		res->outcome = outcomes[r];
		res->reference = NAN;
		res->ratio = NAN;
		res->met = -1;
		if (outcomes[r].error[0])
			continue;
		if (row->reference == REF_SELF)
			res->reference = outcomes[r].reference;
		else if (row->reference >= 0 &&
			 !outcomes[row->reference].error[0])
			res->reference = outcomes[row->reference].measured;
		if (!isnan(res->reference) && res->reference > 0)
			res->ratio =
			    row->measure == EFFICIENCY
				? res->reference / res->outcome.measured
				: res->outcome.measured / res->reference;
		if (row->target > 0 && !isnan(res->ratio))
			res->met = row->target_min ? res->ratio >= row->target
						   : res->ratio <= row->target;
	}
}

static const char *reference_name(const struct row *row,
				  const struct result *res)
{
	if (res->outcome.reference_label[0])
		return res->outcome.reference_label;
	switch (row->measure) {
	case EFFICIENCY:
		return "serial / W";
	case OVERSUBSCRIPTION:
		return "same at W=2";
	case PER_TASK_ANCHORED:
		return "minimal fork, interleaved";
	case FORK_JOIN_ANCHORED:
		return "raw fork-join, best";
	case CREATION:
		return !strcmp(row->executor, "thread-pool")
			   ? "pthread_create+join, interleaved"
			   : "fork+_exit+waitpid, interleaved";
	default:
		break;
	}
	return row->reference >= 0 ? (row->reference == ROW_DISPATCH_OMP
					  ? "omp"
					  : rows[row->reference].figure)
				   : NULL;
}

/* "1.23 us", "45 ns", "12.3 ms". */
static void format_seconds(double s, char *buf, size_t len)
{
	if (isnan(s))
		snprintf(buf, len, "-");
	else if (s < 1e-6)
		snprintf(buf, len, "%.1f ns", s * 1e9);
	else if (s < 1e-3)
		snprintf(buf, len, "%.2f us", s * 1e6);
	else
		snprintf(buf, len, "%.2f ms", s * 1e3);
}

static void print_table(const struct plan *plan, const struct result *results)
{
	unsigned noisy = 0, measured_rows = 0;

	printf("bench overhead: %u online CPUs, W = %u, median of %u "
	       "repetitions%s\n\n",
	       plan->cpus, plan->cpus, plan->reps,
	       plan->quick ? " (--quick: small runs, not for reading)" : "");
	printf("%-26s %-17s %11s %-32s %11s %8s %8s %-4s %s\n", "figure",
	       "executor", "measured", "reference", "", "ratio", "target",
	       "met?", "machine");
	for (size_t r = 0; r < ROW_COUNT; r++) {
		const struct row *row = &rows[r];
		const struct result *res = &results[r];
		char measured[32], reference[32], ratio[32], target[32];
		const char *ref_name = reference_name(row, res);

		if (!row_on[r])
			continue;
		if (res->outcome.error[0]) {
			printf("%-26s %-17s error: %s\n", row->figure,
			       row->executor, res->outcome.error);
			continue;
		}
		format_seconds(res->outcome.measured, measured,
			       sizeof(measured));
		format_seconds(res->reference, reference, sizeof(reference));
		if (isnan(res->ratio))
			snprintf(ratio, sizeof(ratio), "-");
		else
			snprintf(ratio, sizeof(ratio), "%.2f", res->ratio);
		if (row->target > 0)
			snprintf(target, sizeof(target), "%s %.2f",
				 row->target_min ? ">=" : "<=", row->target);
		else
			snprintf(target, sizeof(target), "-");
		printf("%-26s %-17s %11s %-32s %11s %8s %8s %-4s %s%s\n",
		       row->figure, row->executor, measured,
		       ref_name ? ref_name : "-", reference, ratio, target,
		       res->met < 0 ? "-"
		       : res->met   ? "yes"
				    : "NO",
		       !res->noise.known  ? "unknown"
		       : res->noise.noisy ? "noisy: "
					  : "quiet",
		       res->noise.noisy ? res->noise.reasons : "");
		noisy += res->noise.noisy;
		measured_rows++;
	}
	if (noisy)
		printf("\n%u of %u rows were measured on a noisy machine "
		       "(machine column): their figures and verdicts are not "
		       "those of a quiet run.\n",
		       noisy, measured_rows);
}

static json_t *real_or_null(double value)
{
	return isfinite(value) ? json_real(value) : json_null();
}

static json_t *results_json(const struct plan *plan,
			    const struct result *results)
{
	json_t *doc = json_object(), *list = json_array(), *context;
	struct pt_env env;

	pt_env_read(&env, false);
	context = json_pack(
	    "{s:s, s:I, s:I, s:I, s:b, s:f, s:s}", "cpu_model", env.cpu_model,
	    "online_cpus", (json_int_t)env.online_cpus, "workers",
	    (json_int_t)plan->cpus, "repetitions", (json_int_t)plan->reps,
	    "quick", plan->quick, "cpu_task_s", plan->cpu_task_s,
	    "virtualization", env.virt);
	json_object_set_new(doc, "overhead_version",
			    json_integer(OVERHEAD_VERSION));
	json_object_set_new(doc, "context", context);
	for (size_t r = 0; r < ROW_COUNT; r++) {
		const struct row *row = &rows[r];
		const struct result *res = &results[r];
		const char *ref_name = reference_name(row, res);
		json_t *entry;

		if (!row_on[r])
			continue;
		entry = json_object();

		json_object_set_new(entry, "figure", json_string(row->figure));
		json_object_set_new(entry, "executor",
				    json_string(row->executor));
		if (!strncmp(row->executor, "process-", 8))
			json_object_set_new(
			    entry, "start",
			    json_string(ex_start_name(
				!strcmp(row->executor, "process-spawn")
				    ? EX_START_SPAWN
				    : row->start)));
		json_object_set_new(
		    entry, "unit",
		    json_string(row->measure == EFFICIENCY	   ? "s per job"
				: row->measure == OVERSUBSCRIPTION ? "s per job"
								   : "s"));
		json_object_set_new(entry, "measured",
				    res->outcome.error[0]
					? json_null()
					: real_or_null(res->outcome.measured));
		json_object_set_new(entry, "reference",
				    real_or_null(res->reference));
		json_object_set_new(entry, "reference_name",
				    ref_name ? json_string(ref_name)
					     : json_null());
		json_object_set_new(entry, "ratio", real_or_null(res->ratio));
		json_object_set_new(entry, "ratio_is",
				    json_string(row->measure == EFFICIENCY
						    ? "speedup / W"
						    : "measured / reference"));
		json_object_set_new(entry, "target",
				    row->target > 0 ? json_real(row->target)
						    : json_null());
		json_object_set_new(
		    entry, "target_is",
		    row->target > 0
			? json_string(row->target_min ? "min" : "max")
			: json_null());
		json_object_set_new(entry, "met",
				    res->met < 0 ? json_null()
						 : json_boolean(res->met));
		if (res->outcome.task_s > 0)
			json_object_set_new(entry, "task_s",
					    json_real(res->outcome.task_s));
		if (row->measure == FORK_JOIN_ANCHORED &&
		    !res->outcome.error[0]) {
			json_t *anchors = json_object();

			for (unsigned v = 0; v < PT_FJ_VARIANTS; v++)
				json_object_set_new(
				    anchors, pt_fj_variant_name(v),
				    real_or_null(res->outcome.anchors[v]));
			json_object_set_new(entry, "anchors", anchors);
		}
		pt_noise_to_json(&res->noise, entry);
		json_object_set_new(entry, "error",
				    res->outcome.error[0]
					? json_string(res->outcome.error)
					: json_null());
		json_array_append_new(list, entry);
	}
	json_object_set_new(doc, "rows", list);
	return doc;
}

static void plan_init(struct plan *plan, bool quick)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	*plan = (struct plan){
	    .reps = quick ? 3 : MAX_REPS,
	    .cpus = cpus > 0 ? (unsigned)cpus : 1,
	    .dispatch_tasks = quick ? 20000 : 200000,
	    .thread_tasks = quick ? 200 : 2000,
	    .fork_tasks = quick ? 20 : 300,
	    .spawn_tasks = quick ? 4 : 40,
	    .raw_forks = quick ? 20 : 300,
	    .raw_threads = quick ? 200 : 2000,
	    .raw_spawns = quick ? 4 : 40,
	    .gomp_regions = quick ? 10000 : 100000,
	    .fork_joins = quick ? 10000 : 100000,
	    .creations = quick ? 2 : 20,
	    .cpu_task_s = quick ? 0.001 : 0.012,
	    .quick = quick,
	};
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench overhead [--quick] [--only=TEXT] "
		   "[--format=console|json] [--out FILE]\n");
}

int overhead_main(int argc, char **argv)
{
	struct outcome *shared = MAP_FAILED, *outcomes = NULL;
	struct pt_noise *noise = NULL;
	struct result *results = NULL;
	struct pt_outfile outfile = {.fd = -1};
	const char *out_path = NULL, *only = NULL;
	bool quick = false, json = false, failed = false;
	json_t *doc = NULL;
	struct plan plan;
	int rc, status = 2;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			quick = true;
		} else if (!strcmp(argv[i], "--format=json")) {
			json = true;
		} else if (!strcmp(argv[i], "--format=console")) {
			json = false;
		} else if (!strncmp(argv[i], "--only=", 7) && argv[i][7]) {
			only = argv[i] + 7;
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out_path = argv[++i];
		} else if (!strncmp(argv[i], "--out=", 6) && argv[i][6]) {
			out_path = argv[i] + 6;
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			status = 0;
			goto out;
		} else {
			fprintf(
			    stderr,
			    "bench: overhead: unknown argument '%s' "
			    "(usage: bench overhead [--quick] [--only=TEXT] "
			    "[--format=console|json] [--out FILE])\n",
			    argv[i]);
			goto out;
		}
	}
	if (out_path) {
		/* Refuse an unwritable destination before measuring; the
		 * file itself is written only at the end, so an interrupted
		 * run leaves no temporary file behind. */
		rc = pt_outfile_open(&outfile, out_path);
		pt_outfile_abort(&outfile);
		free(outfile.path);
		outfile.path = NULL;
		if (rc) {
			fprintf(stderr, "bench: overhead: --out %s: %s\n",
				out_path, strerror(-rc));
			goto out;
		}
	}
	if (!select_rows(only)) {
		fprintf(
		    stderr,
		    "bench: overhead: --only=%s: no row's figure or executor "
		    "contains it\n",
		    only);
		goto out;
	}
	plan_init(&plan, quick);
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	outcomes = calloc(ROW_COUNT, sizeof(*outcomes));
	results = calloc(ROW_COUNT, sizeof(*results));
	noise = calloc(ROW_COUNT, sizeof(*noise));
	if (shared == MAP_FAILED || !outcomes || !results || !noise) {
		fprintf(stderr, "bench: overhead: out of memory\n");
		goto out;
	}
	for (size_t r = 0; r < ROW_COUNT; r++) {
		if (!row_on[r])
			continue;
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "\r[%zu/%zu] %s, %s...\033[K", r + 1,
				ROW_COUNT, rows[r].figure, rows[r].executor);
		measure_isolated(&plan, &rows[r], shared, &outcomes[r],
				 &noise[r]);
		/* What this build lacks is reported, not a failure. */
		failed |= outcomes[r].error[0] && !outcomes[r].unavailable;
	}
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r\033[K");
	finish_results(outcomes, results);
	for (size_t r = 0; r < ROW_COUNT; r++)
		results[r].noise = noise[r];
	if (json || out_path) {
		doc = results_json(&plan, results);
		if (!doc) {
			fprintf(stderr, "bench: overhead: out of memory\n");
			goto out;
		}
	}
	if (json) {
		json_dumpf(doc, stdout,
			   JSON_INDENT(2) | JSON_REAL_PRECISION(17));
		putchar('\n');
	} else {
		print_table(&plan, results);
	}
	status = failed ? 1 : 0;
	if (out_path) {
		rc = pt_outfile_open(&outfile, out_path);
		if (rc == 0)
			rc = pt_outfile_commit(&outfile, doc);
		if (rc) {
			fprintf(stderr, "bench: overhead: --out %s: %s\n",
				out_path, strerror(-rc));
			status = 2;
		}
	}
out:
	pt_outfile_abort(&outfile);
	json_decref(doc);
	if (shared != MAP_FAILED)
		munmap(shared, sizeof(*shared));
	free(outcomes);
	free(results);
	free(noise);
	fflush(stdout);
	return status;
}
