/*
 * Reference executors: Python's own pools, in the system interpreter.
 *
 * The design is simple: python-serial, python-threads and python-processes
 * run a py-* workload's job the way a Python user would, with a plain loop,
 * concurrent.futures.ThreadPoolExecutor or ProcessPoolExecutor (fork
 * context, as our process pool forks), in the Python that bench embeds
 * (PT_PYTHON_EXE, from the python3-embed found at build time). start()
 * spawns runners/python_pool.py with the pool, W and the job's description
 * (ex_config.spawn_spec, as process-spawn gets it: runs_spec) and waits for
 * its "ready" line, so start-up (interpreter, pool, workers) is the
 * creation cost. map() writes "run", and the script runs the job and
 * answers with every task's checksum, which lands in job->results; the
 * driver verifies them against the workload's C reference like any
 * executor's. stop() closes the script's standard input and reaps it.
 *
 * They run only the py-* workloads (workload_prefix): "all" leaves them
 * out and the plan refuses another workload. The script is found next to
 * the binary: the build tree's runners/ (meson copies it there), then an
 * installation's share/procthread/, then the source tree.
 *
 * Invariant: between map() calls the script waits on its standard input;
 * after stop() no process of it remains (the config child's process group
 * catches it on a crash).
 */
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pt_config.h"

extern char **environ;

#define SCRIPT "python_pool.py"

#if PT_PYTHON_BUILT
#define WHY_NOT ((const char *)NULL)
#else
#define WHY_NOT "built without Python"
#endif

struct python_pool {
	struct executor base; /* first: the executor is a python_pool */
	pid_t pid;
	FILE *to;   /* the script's standard input */
	FILE *from; /* its standard output */
	char *line; /* getline's buffer */
	size_t line_cap;
	uint64_t ntasks; /* of the spec */
};

/* The script's path: next to the binary first, then the source tree. */
static int find_script(char *path, size_t len)
{
	static const char *const near[] = {"../runners/" SCRIPT,
					   "../share/procthread/" SCRIPT};
	char exe[PATH_MAX - 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			for (size_t i = 0; i < 2; i++) {
				int w =
				    snprintf(path, len, "%s/%s", exe, near[i]);

				if (w > 0 && (size_t)w < len &&
				    access(path, R_OK) == 0)
					return 0;
			}
		}
	}
	snprintf(path, len, "%s", PT_SOURCE_DIR "/runners/" SCRIPT);
	return access(path, R_OK) == 0 ? 0 : -ENOENT;
}

static void python_pool_reap(struct python_pool *ex)
{
	if (ex->to)
		fclose(ex->to);
	ex->to = NULL;
	if (ex->pid > 0) {
		int status;

		while (waitpid(ex->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	ex->pid = 0;
	if (ex->from)
		fclose(ex->from);
	ex->from = NULL;
}

static void python_pool_destroy(struct python_pool *ex)
{
	python_pool_reap(ex);
	free(ex->line);
	free(ex);
}

/* Reads the script's next line; -EPIPE with a reason if it ended. */
static int read_reply(struct python_pool *ex, char *err, size_t errlen)
{
	ssize_t n = getline(&ex->line, &ex->line_cap, ex->from);

	if (n <= 0) {
		snprintf(err, errlen,
			 "%s: the Python pool ended (its error is above)",
			 ex->base.ops->name);
		return -EPIPE;
	}
	if (ex->line[n - 1] == '\n')
		ex->line[n - 1] = '\0';
	return 0;
}

static int spawn_script(struct python_pool *ex, const char *pool,
			unsigned workers, const char *spec, char *err,
			size_t errlen)
{
	char script[PATH_MAX], nworkers[16], parent[16];
	char *argv[] = {PT_PYTHON_EXE, "-I",	     script, (char *)pool,
			nworkers,      (char *)spec, parent, NULL};
	int in[2] = {-1, -1}, out[2] = {-1, -1};
	posix_spawn_file_actions_t fa;
	int rc;

	if (find_script(script, sizeof(script))) {
		snprintf(err, errlen,
			 "%s: cannot find %s (looked next to "
			 "the binary and in %s)",
			 ex->base.ops->name, SCRIPT, PT_SOURCE_DIR "/runners");
		return -ENOENT;
	}
	snprintf(nworkers, sizeof(nworkers), "%u", workers);
	/* The interpreter dies with us (python_pool.py's die_with). */
	snprintf(parent, sizeof(parent), "%d", (int)getpid());
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		rc = -errno;
		snprintf(err, errlen, "%s: pipe: %s", ex->base.ops->name,
			 strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	rc = -posix_spawn(&ex->pid, PT_PYTHON_EXE, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		snprintf(err, errlen, "%s: cannot run %s: %s",
			 ex->base.ops->name, PT_PYTHON_EXE, strerror(-rc));
		ex->pid = 0;
		goto out;
	}
	ex->to = fdopen(in[1], "w");
	if (ex->to)
		in[1] = -1;
	ex->from = fdopen(out[0], "r");
	if (ex->from)
		out[0] = -1;
	if (!ex->to || !ex->from) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", ex->base.ops->name);
	}
out:
	for (int k = 0; k < 2; k++) {
		if (in[k] >= 0)
			close(in[k]);
		if (out[k] >= 0)
			close(out[k]);
	}
	return rc;
}

static int python_pool_start(const struct ex_config *config,
			     struct executor **out, char *err, size_t errlen,
			     const struct executor_ops *ops, const char *pool)
{
	struct python_pool *ex;
	unsigned workers = ops->uses_workers ? config->workers : 1;
	const char *tasks;
	int rc;

	*out = NULL;
	if (WHY_NOT) {
		snprintf(err, errlen, "%s: %s", ops->name, WHY_NOT);
		return -ENOTSUP;
	}
	if (!config->spawn_spec) {
		snprintf(err, errlen, "%s needs the job's description",
			 ops->name);
		return -EINVAL;
	}
	if (workers == 0) {
		snprintf(err, errlen, "%s needs at least one worker",
			 ops->name);
		return -EINVAL;
	}
	if (config->on_failure != EX_ON_FAILURE_ABORT ||
	    config->task_timeout_ns) {
		snprintf(err, errlen,
			 "%s: --on-task-failure and --task-timeout do not "
			 "apply to Python's pools",
			 ops->name);
		return -ENOTSUP;
	}
	ex = calloc(1, sizeof(*ex));
	if (!ex) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ex->base.ops = ops;
	ex->base.config = *config;
	tasks = strstr(config->spawn_spec, "/tasks=");
	ex->ntasks = tasks ? strtoull(tasks + 7, NULL, 10) : 0;
	/* A broken pipe is an error to report, not a signal to die of. */
	signal(SIGPIPE, SIG_IGN);
	rc = spawn_script(ex, pool, workers, config->spawn_spec, err, errlen);
	if (!rc)
		rc = read_reply(ex, err, errlen);
	if (!rc && strcmp(ex->line, "ready")) {
		snprintf(err, errlen, "%s: the Python pool said '%.80s'",
			 ops->name, ex->line);
		rc = -EPROTO;
	}
	if (rc) {
		python_pool_destroy(ex);
		return rc;
	}
	*out = &ex->base;
	return 0;
}

static int python_pool_map(struct executor *base, const struct ex_job *job)
{
	struct python_pool *ex = (struct python_pool *)base;
	char *p, *end;
	int rc;

	if (job->ntasks != ex->ntasks) {
		snprintf(base->error, sizeof(base->error),
			 "%s: a job of %" PRIu64 " tasks, the pool was "
			 "started for %" PRIu64,
			 base->ops->name, job->ntasks, ex->ntasks);
		return -EINVAL;
	}
	if (fputs("run\n", ex->to) == EOF || fflush(ex->to) == EOF) {
		snprintf(base->error, sizeof(base->error),
			 "%s: the Python pool ended (its error is above)",
			 base->ops->name);
		return -EPIPE;
	}
	rc = read_reply(ex, base->error, sizeof(base->error));
	if (rc)
		return rc;
	p = ex->line;
	if (strncmp(p, "done", 4)) {
		snprintf(base->error, sizeof(base->error),
			 "%s: the Python pool said '%.80s'", base->ops->name,
			 p);
		return -EPROTO;
	}
	p += 4;
	for (uint64_t i = 0; i < job->ntasks; i++) {
		errno = 0;
		job->results[i] = strtoull(p, &end, 16);
		if (end == p || errno) {
			snprintf(base->error, sizeof(base->error),
				 "%s: no checksum for task %" PRIu64,
				 base->ops->name, i);
			return -EPROTO;
		}
		p = end;
	}
	return 0;
}

static void python_pool_stop(struct executor *base)
{
	python_pool_destroy((struct python_pool *)base);
}

#define POOL_START(fn, ops, pool)                                              \
	static int fn(const struct ex_config *config, struct executor **out,   \
		      char *err, size_t errlen)                                \
	{                                                                      \
		return python_pool_start(config, out, err, errlen, &ops,       \
					 pool);                                \
	}

const struct executor_ops ex_python_serial, ex_python_threads,
    ex_python_processes;
POOL_START(serial_start, ex_python_serial, "serial")
POOL_START(threads_start, ex_python_threads, "threads")
POOL_START(processes_start, ex_python_processes, "processes")

const struct executor_ops ex_python_serial = {
    .name = "python-serial",
    .summary = "reference: a plain loop in the system Python (py-* "
	       "workloads only)",
    .runs_spec = true,
    .workload_prefix = "py-",
    .start = serial_start,
    .map = python_pool_map,
    .stop = python_pool_stop,
    .unavailable = WHY_NOT,
};

const struct executor_ops ex_python_threads = {
    .name = "python-threads",
    .summary = "reference: concurrent.futures.ThreadPoolExecutor(W) in "
	       "the system Python (py-* workloads only)",
    .uses_workers = true,
    .runs_spec = true,
    .workload_prefix = "py-",
    .start = threads_start,
    .map = python_pool_map,
    .stop = python_pool_stop,
    .unavailable = WHY_NOT,
};

const struct executor_ops ex_python_processes = {
    .name = "python-processes",
    .summary = "reference: concurrent.futures.ProcessPoolExecutor(W), "
	       "fork, in the system Python (py-* workloads only)",
    .uses_workers = true,
    .processes = true,
    .runs_spec = true,
    .start_name = "fork",
    .workload_prefix = "py-",
    .start = processes_start,
    .map = python_pool_map,
    .stop = python_pool_stop,
    .unavailable = WHY_NOT,
};
