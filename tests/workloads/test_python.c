/*
 * Unit tests of the CPython workloads (py-bytecode, py-release) and of the
 * embedded interpreter's life cycle (workloads/py_interp.c). Behaviour,
 * never speed.
 *
 * Each workload's tasks must return the C reference (the expected hook) in
 * order, in reverse order on other workers, from several threads at once,
 * from several forked children at once, and under every executor of
 * runners/ (two jobs on the pools). The interpreter must survive what the
 * executors do to it: a fork from a thread that is not the one that made
 * the interpreter, threads inside a forked child, a fork inside a forked
 * child, and many short-lived threads, which must not leave their thread
 * states behind. The GIL wait is counted where threads contend and its
 * counter starts again from 0 once taken.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "executor.h"
#include "wl_kernels.h"
#include "wl_testing.h"
#include "workload.h"

#define MAX_TASKS 64
#define RUNNERS	  3

static void *setup_or_fail(const struct workload *w,
			   const struct param_setting *set, uint64_t ntasks)
{
	double values[WL_MAX_PARAMS];
	char err[256] = "";
	void *st = NULL;

	parse_settings(w, set, values);
	if (wl_setup(w, values, ntasks, &st, err, sizeof(err))) {
		print_error("%s setup: %s\n", w->name, err);
		fail();
	}
	return st;
}

struct run {
	const struct workload *w;
	void *st;
	uint64_t ntasks;
	uint64_t *results;
	uint64_t next; /* next task to claim, atomically */
};

static void *claim_tasks(void *p)
{
	struct run *run = p;
	uint64_t i;

	while ((i = __atomic_fetch_add(&run->next, 1, __ATOMIC_RELAXED)) <
	       run->ntasks)
		run->results[i] = run->w->run_task(run->st, i, 1);
	return NULL;
}

/* Runs every task once on RUNNERS new threads; 0 or -1. */
static int run_threads(const struct workload *w, void *st, uint64_t ntasks,
		       uint64_t *results)
{
	struct run run = {
	    .w = w, .st = st, .ntasks = ntasks, .results = results};
	pthread_t threads[RUNNERS];

	for (unsigned t = 0; t < RUNNERS; t++)
		if (pthread_create(&threads[t], NULL, claim_tasks, &run))
			return -1;
	for (unsigned t = 0; t < RUNNERS; t++)
		pthread_join(threads[t], NULL);
	return 0;
}

/* Runs every task once in RUNNERS forked children, results through a
 * MAP_SHARED array; 0, or -1 if a child failed. */
static int run_processes(const struct workload *w, void *st, uint64_t ntasks,
			 uint64_t *results)
{
	size_t bytes = MAX_TASKS * sizeof(uint64_t);
	uint64_t *shared = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pids[RUNNERS];
	int ret = 0;

	if (shared == MAP_FAILED || ntasks > MAX_TASKS)
		return -1;
	fflush(NULL);
	for (unsigned c = 0; c < RUNNERS; c++) {
		pids[c] = fork();
		if (pids[c] < 0)
			return -1;
		if (pids[c] == 0) {
			for (uint64_t i = c; i < ntasks; i += RUNNERS)
				shared[i] = w->run_task(st, i, c + 1);
			_exit(0);
		}
	}
	for (unsigned c = 0; c < RUNNERS; c++) {
		int status;

		if (waitpid(pids[c], &status, 0) != pids[c] ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			ret = -1;
	}
	memcpy(results, shared, ntasks * sizeof(uint64_t));
	munmap(shared, bytes);
	return ret;
}

/* How many results differ from the expected hook's checksums. */
static uint64_t count_wrong(const struct workload *w, void *st,
			    const uint64_t *got, uint64_t n)
{
	uint64_t wrong = 0;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t sum;

		if (w->expected(st, i, &sum) != WL_EXPECT_SUM || got[i] != sum)
			wrong++;
	}
	return wrong;
}

static void expect_right(const struct workload *w, void *st, const char *how,
			 const uint64_t *got, uint64_t n)
{
	uint64_t wrong = count_wrong(w, st, got, n);

	if (wrong) {
		print_error("%s %s: %llu of %llu tasks wrong\n", w->name, how,
			    (unsigned long long)wrong, (unsigned long long)n);
		fail();
	}
}

static const struct param_setting bytecode_small[] = {{"work", "2000"},
						      {NULL, NULL}};
static const struct param_setting release_small[] = {
    {"work", "2000"}, {"release", "0.6"}, {"switch", "1ms"}, {NULL, NULL}};
static const struct param_setting release_all[] = {
    {"work", "500"}, {"release", "1"}, {NULL, NULL}};

struct small_job {
	const struct workload *w;
	const struct param_setting *set;
	uint64_t ntasks;
};

static const struct small_job small_jobs[] = {
    {&wl_py_bytecode, bytecode_small, 24},
    {&wl_py_release, release_small, 24},
    {&wl_py_release, release_all, 12},
};
#define NJOBS (sizeof(small_jobs) / sizeof(small_jobs[0]))

static void test_deterministic(void **state)
{
	uint64_t got[MAX_TASKS];

	(void)state;
	for (size_t k = 0; k < NJOBS; k++) {
		const struct small_job *job = &small_jobs[k];
		void *st = setup_or_fail(job->w, job->set, job->ntasks);
		bool differ = false;

		for (uint64_t i = 0; i < job->ntasks; i++) {
			got[i] = job->w->run_task(st, i, 0);
			differ |= i && got[i] != got[0];
		}
		assert_true(differ);
		expect_right(job->w, st, "in order", got, job->ntasks);
		for (uint64_t k2 = 0; k2 < job->ntasks; k2++) {
			uint64_t i = job->ntasks - 1 - k2;

			got[i] = job->w->run_task(st, i, (unsigned)k2 % 5 + 1);
		}
		expect_right(job->w, st, "in reverse order", got, job->ntasks);
		memset(got, 0, sizeof(got));
		assert_int_equal(run_threads(job->w, st, job->ntasks, got), 0);
		expect_right(job->w, st, "from threads", got, job->ntasks);
		memset(got, 0, sizeof(got));
		assert_int_equal(run_processes(job->w, st, job->ntasks, got),
				 0);
		expect_right(job->w, st, "from forked children", got,
			     job->ntasks);
		job->w->teardown(st);
	}
}

/* Every executor but process-spawn (the CLI test runs that one). */
static void test_under_executors(void **state)
{
	uint64_t got[MAX_TASKS];

	(void)state;
	for (size_t k = 0; k < NJOBS; k++) {
		const struct small_job *job = &small_jobs[k];
		void *st = setup_or_fail(job->w, job->set, job->ntasks);

		for (unsigned e = 0; ex_all[e]; e++) {
			const struct executor_ops *ops = ex_all[e];
			const struct ex_config config = {
			    .workers = RUNNERS,
			    .schedule =
				e % 2 ? EX_SCHED_STATIC : EX_SCHED_DYNAMIC,
			    .max_tasks = job->ntasks,
			    .wait = EX_WAIT_ADAPTIVE};
			const struct ex_job xjob = {.fn = job->w->run_task,
						    .arg = st,
						    .ntasks = job->ntasks,
						    .results = got};
			struct executor *ex = NULL;
			char err[256] = "";
			int rounds = ops->uses_schedule ? 2 : 1;

			if (ops->unavailable || ops->runs_spec)
				continue;
			if (ops->start(&config, &ex, err, sizeof(err))) {
				print_error("%s: %s\n", ops->name, err);
				fail();
			}
			for (int round = 0; round < rounds; round++) {
				memset(got, 0, sizeof(got));
				if (ops->map(ex, &xjob)) {
					print_error("%s on %s: %s\n",
						    job->w->name, ops->name,
						    ex_error(ex));
					fail();
				}
				expect_right(job->w, st, ops->name, got,
					     job->ntasks);
			}
			ops->stop(ex);
		}
		job->w->teardown(st);
	}
}

/* Thread states of the interpreter, now (takes the GIL). */
static unsigned thread_states(void)
{
	PyGILState_STATE g = PyGILState_Ensure();
	unsigned n = 0;

	for (PyThreadState *ts =
		 PyInterpreterState_ThreadHead(PyInterpreterState_Main());
	     ts; ts = PyThreadState_Next(ts))
		n++;
	PyGILState_Release(g);
	return n;
}

/* Threads that come and go give their thread states back. */
static void test_thread_states_freed(void **state)
{
	void *st = setup_or_fail(&wl_py_bytecode, bytecode_small, 8);
	uint64_t got[MAX_TASKS];
	unsigned before;

	(void)state;
	assert_int_equal(run_threads(&wl_py_bytecode, st, 8, got), 0);
	before = thread_states();
	for (int round = 0; round < 20; round++)
		assert_int_equal(run_threads(&wl_py_bytecode, st, 8, got), 0);
	expect_right(&wl_py_bytecode, st, "from threads", got, 8);
	assert_int_equal(thread_states(), before);
	wl_py_bytecode.teardown(st);
}

struct forker {
	void *st;
	int status; /* of the child it forked */
};

/*
 * ThreadSanitizer cannot start threads in the child of a multi-threaded
 * fork (it dies): there, that child checks forks only.
 */
#if defined(__SANITIZE_THREAD__)
#define THREADS_AFTER_THREADED_FORK false
#else
#define THREADS_AFTER_THREADED_FORK true
#endif

/* In a child: threads, then forks; exit status 0 if all is right. */
static int child_checks(void *st, bool threads)
{
	uint64_t got[MAX_TASKS];

	if ((threads && (run_threads(&wl_py_release, st, 12, got) ||
			 count_wrong(&wl_py_release, st, got, 12))) ||
	    run_processes(&wl_py_release, st, 12, got) ||
	    count_wrong(&wl_py_release, st, got, 12))
		return 1;
	return 0;
}

/* A thread (not the interpreter's first) forks; the child checks on. */
static void *fork_from_thread(void *p)
{
	struct forker *f = p;
	uint64_t sum;
	pid_t pid;

	/* This thread has run Python before it forks. */
	sum = wl_py_release.run_task(f->st, 3, 1);
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(child_checks(f->st, THREADS_AFTER_THREADED_FORK) ||
		      wl_py_release.run_task(f->st, 3, 0) != sum);
	f->status = -1;
	if (pid > 0)
		waitpid(pid, &f->status, 0);
	return NULL;
}

static void test_survives_fork_and_threads(void **state)
{
	const struct param_setting set[] = {
	    {"work", "1000"}, {"release", "0.5"}, {NULL, NULL}};
	void *st = setup_or_fail(&wl_py_release, set, 12);
	struct forker f = {.st = st};
	pthread_t thread;
	int status;
	pid_t pid;

	(void)state;
	/* A fork from the interpreter's own thread, with threads after. */
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_checks(st, true));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* A fork from another thread, while this one waits. */
	assert_int_equal(pthread_create(&thread, NULL, fork_from_thread, &f),
			 0);
	pthread_join(thread, NULL);
	assert_true(WIFEXITED(f.status) && WEXITSTATUS(f.status) == 0);
	/* And the parent's interpreter still works. */
	assert_int_equal(child_checks(st, true), 0);
	wl_py_release.teardown(st);
}

/*
 * Threads that contend for the GIL wait, counted only while armed (the
 * timed jobs are not); the total starts again at 0.
 */
static void test_gil_wait_counted(void **state)
{
	const struct param_setting set[] = {
	    {"work", "20000"}, {"switch", "1ms"}, {NULL, NULL}};
	void *st = setup_or_fail(&wl_py_bytecode, set, 12);
	uint64_t got[MAX_TASKS];

	(void)state;
	assert_string_equal(wl_py_bytecode.stat_name, "gil_wait_s");
	/* Off after setup: contending threads record nothing. */
	assert_int_equal(run_threads(&wl_py_bytecode, st, 12, got), 0);
	expect_right(&wl_py_bytecode, st, "unarmed", got, 12);
	assert_true(wl_py_bytecode.stat_take(st) == 0);
	wl_py_bytecode.stat_arm(st, true);
	assert_int_equal(run_threads(&wl_py_bytecode, st, 12, got), 0);
	expect_right(&wl_py_bytecode, st, "from threads", got, 12);
	assert_true(wl_py_bytecode.stat_take(st) > 0);
	assert_true(wl_py_bytecode.stat_take(st) == 0);
	/* Forked workers' waits reach the parent's total too. */
	assert_int_equal(run_processes(&wl_py_bytecode, st, 12, got), 0);
	assert_true(wl_py_bytecode.stat_take(st) >= 0);
	wl_py_bytecode.stat_arm(st, false);
	assert_int_equal(run_threads(&wl_py_bytecode, st, 12, got), 0);
	assert_true(wl_py_bytecode.stat_take(st) == 0);
	wl_py_bytecode.teardown(st);
}

/* The parameters a user would get wrong, through the parser. */
static void test_params(void **state)
{
	static const char *const bad[][3] = {
	    {"work", "0", "out of range"},
	    {"release", "1.5", "allowed 0 to 1"},
	    {"switch", "0", "out of range"},
	    {"switch", "5", "out of range"},
	};

	(void)state;
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		int i = wl_param_index(&wl_py_release, bad[k][0]);
		char err[256] = "";
		double v;

		assert_true(i >= 0);
		assert_int_not_equal(wl_param_parse(&wl_py_release.params[i],
						    bad[k][1], &v, err,
						    sizeof(err)),
				     0);
		if (!strstr(err, bad[k][2])) {
			print_error("%s=%s: \"%s\"\n", bad[k][0], bad[k][1],
				    err);
			fail();
		}
	}
	assert_int_equal(wl_param_index(&wl_py_bytecode, "release"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_under_executors),
	    cmocka_unit_test(test_thread_states_freed),
	    cmocka_unit_test(test_survives_fork_and_threads),
	    cmocka_unit_test(test_gil_wait_counted),
	    cmocka_unit_test(test_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
