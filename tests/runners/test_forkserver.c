/*
 * --start=forkserver through runners/executor.h, as the driver uses it:
 * process-pool and process-per-task run jobs described as text in the
 * server's children, which are children of the caller (pids, reaping,
 * failure policies as under fork), and leave nothing behind; a missing
 * server program, a bad job description and a dead server are errors with
 * a reason, never a hang. The server program is PT_FORKSERVER_PATH (meson
 * passes the one it built).
 */
#include "executor.h"
#include "workload.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

static const char *const process_executors[] = {"process-pool",
						"process-per-task"};

static uint64_t index_task(void *arg, uint64_t index, unsigned worker)
{
	(void)arg;
	(void)worker;
	return index;
}

static struct ex_config forkserver_config(unsigned workers, uint64_t max_tasks,
					  const char *spec)
{
	return (struct ex_config){
	    .workers = workers,
	    .schedule = EX_SCHED_DYNAMIC,
	    .max_tasks = max_tasks,
	    .start = EX_START_FORKSERVER,
	    .spawn_spec = spec,
	    .forkserver_path = PT_FORKSERVER_PATH,
	};
}

/* Children of this process, from /proc (every thread's list). */
static unsigned count_children(void)
{
	char path[64];
	unsigned n = 0;
	FILE *f;
	int pid;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children",
		 (int)getpid());
	f = fopen(path, "r");
	assert_non_null(f);
	while (fscanf(f, "%d", &pid) == 1)
		n++;
	fclose(f);
	return n;
}

/* The first child's pid, or 0. */
static pid_t first_child(void)
{
	char path[64];
	FILE *f;
	int pid = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children",
		 (int)getpid());
	f = fopen(path, "r");
	assert_non_null(f);
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid;
}

static void assert_no_child_left(void)
{
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* The noop job: task i's checksum is i, under both executors. */
static void test_noop_jobs(void **state)
{
	static const uint64_t sizes[] = {0, 1, 17, 64};
	static const unsigned workers[] = {1, 3};

	(void)state;
	for (size_t e = 0; e < 2; e++) {
		for (size_t w = 0; w < 2; w++) {
			const struct executor_ops *ops =
			    ex_find(process_executors[e]);
			struct ex_config config =
			    forkserver_config(workers[w], 64, "noop/tasks=64");
			struct executor *ex;
			char err[256];
			uint64_t results[64];

			assert_true(ex_runs_spec(ops, &config));
			assert_int_equal(
			    ops->start(&config, &ex, err, sizeof(err)), 0);
			/* The pool's workers and the server: our children. */
			if (e == 0)
				assert_int_equal(count_children(),
						 workers[w] + 1);
			for (size_t k = 0; k < 4; k++) {
				struct ex_job job = {.fn = index_task,
						     .ntasks = sizes[k],
						     .results = results};

				memset(results, 0xff, sizeof(results));
				assert_int_equal(ops->map(ex, &job), 0);
				for (uint64_t i = 0; i < sizes[k]; i++)
					assert_int_equal(results[i], i);
			}
			ops->stop(ex);
			assert_no_child_left();
		}
	}
}

/* A real workload: the server's checksums are the caller's own. */
static void test_workload_checksums(void **state)
{
	const struct workload *w = wl_find("cpu-hash");
	double params[WL_MAX_PARAMS];
	void *wl_state;
	char err[256];
	uint64_t expected[40], results[40];

	(void)state;
	assert_non_null(w);
	wl_param_defaults(w, params);
	params[wl_param_index(w, "work")] = 100;
	assert_int_equal(wl_setup(w, params, 40, &wl_state, err, sizeof(err)),
			 0);
	for (uint64_t i = 0; i < 40; i++)
		expected[i] = w->run_task(wl_state, i, 0);
	for (size_t e = 0; e < 2; e++) {
		const struct executor_ops *ops = ex_find(process_executors[e]);
		struct ex_config config =
		    forkserver_config(2, 40, "cpu-hash/tasks=40/work=100");
		struct ex_job job = {.fn = w->run_task,
				     .arg = wl_state,
				     .ntasks = 40,
				     .results = results};
		struct executor *ex;

		assert_int_equal(ops->start(&config, &ex, err, sizeof(err)), 0);
		memset(results, 0, sizeof(results));
		assert_int_equal(ops->map(ex, &job), 0);
		assert_memory_equal(results, expected, sizeof(results));
		ops->stop(ex);
		assert_no_child_left();
	}
	if (w->teardown)
		w->teardown(wl_state);
}

/*
 * A crashing task: abort names it; continue records it, the rest run. It
 * aborts (SIGABRT) rather than faults: sanitizers catch a SIGSEGV of the
 * instrumented server's children and turn it into an exit status.
 */
static void test_crash_isolated(void **state)
{
	const char *spec = "fault/tasks=12/at=5/mode=abort/work=10";

	(void)state;
	for (size_t e = 0; e < 2; e++) {
		const struct executor_ops *ops = ex_find(process_executors[e]);
		struct ex_config config = forkserver_config(2, 12, spec);
		struct ex_failure listed[4];
		struct ex_failures failures = {.list = listed, .capacity = 4};
		uint64_t results[12];
		struct ex_job job = {
		    .fn = index_task, .ntasks = 12, .results = results};
		struct executor *ex;
		char err[256];

		assert_int_equal(ops->start(&config, &ex, err, sizeof(err)), 0);
		assert_int_equal(ops->map(ex, &job), -ECHILD);
		assert_non_null(strstr(ex_error(ex), "task 5: worker"));
		assert_non_null(strstr(ex_error(ex), "killed by SIGABRT"));
		ops->stop(ex);
		assert_no_child_left();

		config.on_failure = EX_ON_FAILURE_CONTINUE;
		assert_int_equal(ops->start(&config, &ex, err, sizeof(err)), 0);
		job.failures = &failures;
		for (int round = 0; round < 2; round++) {
			assert_int_equal(ops->map(ex, &job), 0);
			assert_int_equal(failures.count, 1);
			assert_int_equal(listed[0].task, 5);
			assert_true(WIFSIGNALED(listed[0].status) &&
				    WTERMSIG(listed[0].status) == SIGABRT);
		}
		ops->stop(ex);
		assert_no_child_left();
	}
}

/* Start-up failures: one reason each, nothing left running. */
static void test_start_errors(void **state)
{
	(void)state;
	for (size_t e = 0; e < 2; e++) {
		const struct executor_ops *ops = ex_find(process_executors[e]);
		struct ex_config config =
		    forkserver_config(2, 4, "noop/tasks=4");
		struct executor *ex = NULL;
		char err[256] = "";

		config.forkserver_path = "/nonexistent/procthread-forkserver";
		assert_int_equal(ops->start(&config, &ex, err, sizeof(err)),
				 -ENOENT);
		assert_null(ex);
		assert_non_null(strstr(err, "No such file"));

		config = forkserver_config(2, 4, "no-such-workload/tasks=4");
		assert_int_not_equal(ops->start(&config, &ex, err, sizeof(err)),
				     0);
		assert_non_null(strstr(err, "no workload 'no-such-workload'"));

		config = forkserver_config(2, 4, NULL);
		assert_int_equal(ops->start(&config, &ex, err, sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "spawn_spec"));

		/* process-per-task by spawn is process-spawn. (The pool by
		 * spawn execs /proc/self/exe in its pool worker mode, which
		 * only bench has: forkserver.sh tests it.) */
		if (e == 1) {
			config = forkserver_config(2, 4, "noop/tasks=4");
			config.start = EX_START_SPAWN;
			assert_int_equal(
			    ops->start(&config, &ex, err, sizeof(err)),
			    -EINVAL);
		}
		assert_no_child_left();
	}
}

/* A server killed between jobs: the next job fails with a reason. */
static void test_dead_server(void **state)
{
	const struct executor_ops *ops = ex_find("process-per-task");
	struct ex_config config = forkserver_config(2, 8, "noop/tasks=8");
	uint64_t results[8];
	struct ex_job job = {.fn = index_task, .ntasks = 8, .results = results};
	struct executor *ex;
	char err[256];
	pid_t server;

	(void)state;
	assert_int_equal(ops->start(&config, &ex, err, sizeof(err)), 0);
	assert_int_equal(ops->map(ex, &job), 0);
	/* Between jobs the server is our only child. */
	assert_int_equal(count_children(), 1);
	server = first_child();
	assert_true(server > 0);
	assert_int_equal(kill(server, SIGKILL), 0);
	assert_int_not_equal(ops->map(ex, &job), 0);
	assert_non_null(strstr(ex_error(ex), "the server is gone"));
	ops->stop(ex);
	assert_no_child_left();
}

static void test_start_names(void **state)
{
	enum ex_start start;

	(void)state;
	assert_int_equal(ex_start_parse("forkserver", &start), 0);
	assert_int_equal(start, EX_START_FORKSERVER);
	assert_string_equal(ex_start_name(EX_START_SPAWN), "spawn");
	assert_string_equal(ex_start_name(EX_START_FORK), "fork");
	assert_int_equal(ex_start_parse("Fork", &start), -EINVAL);
	assert_int_equal(ex_start_parse("", &start), -EINVAL);
	/* process-spawn always runs the spec; the forked ones only so. */
	{
		struct ex_config fork = {.start = EX_START_FORK};

		assert_true(ex_runs_spec(ex_find("process-spawn"), &fork));
		assert_false(ex_runs_spec(ex_find("process-pool"), &fork));
		fork.start = EX_START_FORKSERVER;
		assert_false(ex_runs_spec(ex_find("thread-pool"), &fork));
	}
}

/*
 * fresh_params drops what only the parent has (fork-footprint's rss) and
 * never changes a checksum, so fresh processes verify.
 */
static void test_fresh_params_keep_checksums(void **state)
{
	unsigned with_hook = 0;

	(void)state;
	for (size_t k = 0; wl_all[k]; k++) {
		const struct workload *w = wl_all[k];
		double params[WL_MAX_PARAMS], fresh[WL_MAX_PARAMS];
		void *parent, *child;
		char err[256];

		if (!w->fresh_params || w->unavailable)
			continue;
		with_hook++;
		wl_param_defaults(w, params);
		if (!strcmp(w->name, "fork-footprint"))
			params[wl_param_index(w, "rss")] = 1024 * 1024;
		memcpy(fresh, params, sizeof(fresh));
		w->fresh_params(fresh);
		assert_int_equal(
		    wl_setup(w, params, 8, &parent, err, sizeof(err)), 0);
		assert_int_equal(
		    wl_setup(w, fresh, 8, &child, err, sizeof(err)), 0);
		for (uint64_t i = 0; i < 8; i++)
			assert_int_equal(w->run_task(parent, i, 0),
					 w->run_task(child, i, 1));
		if (w->teardown) {
			w->teardown(parent);
			w->teardown(child);
		}
	}
	assert_true(with_hook >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_start_names),
	    cmocka_unit_test(test_noop_jobs),
	    cmocka_unit_test(test_workload_checksums),
	    cmocka_unit_test(test_crash_isolated),
	    cmocka_unit_test(test_start_errors),
	    cmocka_unit_test(test_dead_server),
	    cmocka_unit_test(test_fresh_params_keep_checksums),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
