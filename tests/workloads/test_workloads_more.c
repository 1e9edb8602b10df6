/*
 * Unit tests of the workloads that separate processes from threads: gil,
 * lock-contention, false-sharing, malloc-churn, cpu-skewed, fork-footprint
 * and io-net. Behaviour, never speed.
 *
 * Each kernel runs with small parameters: first every task in order on worker
 * 0 (the reference, as the driver computes it), then again in reverse order
 * on other worker numbers, then from several threads at once, then from
 * several forked children at once (results come back through a MAP_SHARED
 * array). Every run must give the reference checksums. On top of that, the
 * kernels' own promises: lock-contention's and false-sharing's shared
 * counters add up after threads and processes ran; fork-footprint gives its
 * memory back; io-net leaves no listening socket and no child process.
 * Finally every kernel runs under every executor of runners/, as bench runs
 * it, and must match the reference there too.
 * Parameter checks go through the parser, as the CLI does, and through
 * setup, with the messages a user would see.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
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
#define RUNNERS	  3 /* threads or processes running tasks at once */

static void *setup_or_fail(const struct workload *w, const double *values,
			   uint64_t ntasks)
{
	char err[256] = "";
	void *st = NULL;

	if (wl_setup(w, values, ntasks, &st, err, sizeof(err))) {
		print_error("%s setup: %s\n", w->name, err);
		fail();
	}
	return st;
}

/* Parses text for parameter name of w and expects rc and a message. */
static void expect_parse(const struct workload *w, const char *name,
			 const char *text, int rc, const char *in_message)
{
	int i = wl_param_index(w, name);
	char err[256] = "";
	double v;

	assert_true(i >= 0);
	assert_int_equal(
	    wl_param_parse(&w->params[i], text, &v, err, sizeof(err)), rc);
	if (rc) {
		assert_non_null(strstr(err, name));
		if (in_message && !strstr(err, in_message)) {
			print_error("%s %s=%s: \"%s\" lacks \"%s\"\n", w->name,
				    name, text, err, in_message);
			fail();
		}
	}
}

/* Expects setup to refuse these settings with rc and a message. */
static void expect_setup_fails(const struct workload *w,
			       const struct param_setting *set, uint64_t ntasks,
			       int rc, const char *in_message)
{
	double values[WL_MAX_PARAMS];
	char err[256] = "";
	void *st = NULL;

	parse_settings(w, set, values);
	assert_int_equal(wl_setup(w, values, ntasks, &st, err, sizeof(err)),
			 rc);
	assert_null(st);
	if (!strstr(err, in_message)) {
		print_error("%s: \"%s\" lacks \"%s\"\n", w->name, err,
			    in_message);
		fail();
	}
}

/* ---- running tasks from threads and from processes -------------------- */

struct thread_run {
	const struct workload *w;
	void *st;
	uint64_t ntasks;
	uint64_t *results;
	uint64_t next; /* next task to claim, atomically */
	unsigned worker;
};

struct thread_arg {
	struct thread_run *run;
	unsigned worker;
};

static void *thread_main(void *p)
{
	struct thread_arg *arg = p;
	struct thread_run *run = arg->run;
	uint64_t i;

	while ((i = __atomic_fetch_add(&run->next, 1, __ATOMIC_RELAXED)) <
	       run->ntasks)
		run->results[i] = run->w->run_task(run->st, i, arg->worker);
	return NULL;
}

/* Runs every task once on RUNNERS threads (workers 0..RUNNERS-1). */
static void run_threads(const struct workload *w, void *st, uint64_t ntasks,
			uint64_t *results)
{
	struct thread_run run = {
	    .w = w, .st = st, .ntasks = ntasks, .results = results};
	struct thread_arg args[RUNNERS];
	pthread_t threads[RUNNERS];

	for (unsigned t = 0; t < RUNNERS; t++) {
		args[t] = (struct thread_arg){.run = &run, .worker = t};
		assert_int_equal(
		    pthread_create(&threads[t], NULL, thread_main, &args[t]),
		    0);
	}
	for (unsigned t = 0; t < RUNNERS; t++)
		assert_int_equal(pthread_join(threads[t], NULL), 0);
}

/*
 * Runs every task once in RUNNERS forked children: child c runs tasks c,
 * c + RUNNERS, ... as worker c + 1 and stores checksums in a shared array.
 */
static void run_processes(const struct workload *w, void *st, uint64_t ntasks,
			  uint64_t *results)
{
	size_t bytes = MAX_TASKS * sizeof(uint64_t);
	uint64_t *shared = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pids[RUNNERS];

	assert_true(shared != MAP_FAILED);
	assert_true(ntasks <= MAX_TASKS);
	fflush(NULL);
	for (unsigned c = 0; c < RUNNERS; c++) {
		pids[c] = fork();
		assert_true(pids[c] >= 0);
		if (pids[c] == 0) {
			for (uint64_t i = c; i < ntasks; i += RUNNERS)
				shared[i] = w->run_task(st, i, c + 1);
			_exit(0);
		}
	}
	for (unsigned c = 0; c < RUNNERS; c++) {
		int status;

		assert_int_equal(waitpid(pids[c], &status, 0), pids[c]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	memcpy(results, shared, ntasks * sizeof(uint64_t));
	munmap(shared, bytes);
}

static void expect_same(const struct workload *w, const char *how,
			const uint64_t *want, const uint64_t *got, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		if (want[i] != got[i]) {
			print_error("%s task %llu %s: %llx, reference %llx\n",
				    w->name, (unsigned long long)i, how,
				    (unsigned long long)got[i],
				    (unsigned long long)want[i]);
			fail();
		}
	}
}

/*
 * The invariant of workload.h for one kernel: reference on worker 0, then
 * reverse order on other workers, threads, processes; all the same. Returns
 * the number of task runs (for the counter checks).
 */
static uint64_t check_deterministic(const struct workload *w, void *st,
				    uint64_t n)
{
	uint64_t ref[MAX_TASKS], got[MAX_TASKS];
	bool differ = false;

	assert_true(n <= MAX_TASKS);
	for (uint64_t i = 0; i < n; i++) {
		ref[i] = w->run_task(st, i, 0);
		if (w->expected) {
			uint64_t sum;

			assert_int_equal(w->expected(st, i, &sum),
					 WL_EXPECT_SUM);
			assert_true(sum == ref[i]);
		}
		if (i > 0 && ref[i] != ref[0])
			differ = true;
	}
	assert_true(differ || n < 2);
	for (uint64_t k = 0; k < n; k++) {
		uint64_t i = n - 1 - k;

		got[i] = w->run_task(st, i, (unsigned)(k % 5) + 1);
	}
	expect_same(w, "in reverse order", ref, got, n);
	memset(got, 0, sizeof(got));
	run_threads(w, st, n, got);
	expect_same(w, "from threads", ref, got, n);
	memset(got, 0, sizeof(got));
	run_processes(w, st, n, got);
	expect_same(w, "from forked children", ref, got, n);
	return 4 * n;
}

struct small_job {
	const char *workload;
	uint64_t ntasks;
	struct param_setting set[WL_MAX_PARAMS + 1];
};

static const struct small_job small_jobs[] = {
    {"gil", 16, {{"work", "2000"}, {"hold", "1"}, {"slice", "300"}}},
    {"gil", 16, {{"work", "2000"}, {"hold", "0"}}},
    {"gil", 16, {{"work", "1000"}, {"hold", "0.37"}, {"slice", "7"}}},
    {"lock-contention", 16, {{"increments", "50"}, {"cs", "10"}}},
    {"lock-contention", 16, {{"cs", "0"}, {"outside", "0"}}},
    {"false-sharing", 16, {{"iters", "1000"}, {"padding", "0"}}},
    {"false-sharing", 16, {{"iters", "1000"}, {"padding", "1"}}},
    {"malloc-churn", 12, {{"objects", "300"}}},
    {"malloc-churn",
     6,
     {{"objects", "40"}, {"max_size", "1MiB"}, {"live", "3"}}},
    {"malloc-churn", 6, {{"objects", "100"}, {"max_size", "16"}}},
    {"cpu-skewed", 20, {{"work", "100"}}},
    {"cpu-skewed", 20, {{"work", "10"}, {"alpha", "0.5"}, {"seed", "7"}}},
    {"fork-footprint", 8, {{"rss", "8MiB"}, {"work", "100"}}},
    {"fork-footprint", 8, {{"rss", "0"}, {"work", "0"}}},
    {"io-net", 12, {{"size", "1000"}}},
    {"io-net", 12, {{"size", "0"}, {"reuse", "1"}}},
    {"io-net", 6, {{"size", "100000"}, {"reuse", "1"}}},
};

static void test_deterministic(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(small_jobs) / sizeof(small_jobs[0]);
	     k++) {
		const struct small_job *job = &small_jobs[k];
		const struct workload *w = wl_find(job->workload);
		double values[WL_MAX_PARAMS];
		void *st;

		assert_non_null(w);
		parse_settings(w, job->set, values);
		st = setup_or_fail(w, values, job->ntasks);
		check_deterministic(w, st, job->ntasks);
		w->teardown(st);
	}
}

/* Every new kernel is in the registry, with a teardown. */
static void test_registered(void **state)
{
	static const char *const names[] = {
	    "gil",	  "lock-contention", "false-sharing", "malloc-churn",
	    "cpu-skewed", "fork-footprint",  "io-net",	      NULL};

	(void)state;
	for (unsigned i = 0; names[i]; i++) {
		const struct workload *w = wl_find(names[i]);

		assert_non_null(w);
		assert_non_null(w->teardown);
	}
}

/*
 * Every kernel under every executor of the registry (3 workers, static and
 * dynamic schedules, two jobs on the pools): results must equal the reference
 * run on worker 0 in the calling thread, which is what the driver checks.
 */
static void test_under_executors(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(small_jobs) / sizeof(small_jobs[0]);
	     k++) {
		const struct small_job *job = &small_jobs[k];
		const struct workload *w = wl_find(job->workload);
		uint64_t ref[MAX_TASKS], got[MAX_TASKS];
		double values[WL_MAX_PARAMS];
		void *st;

		parse_settings(w, job->set, values);
		st = setup_or_fail(w, values, job->ntasks);
		for (uint64_t i = 0; i < job->ntasks; i++)
			ref[i] = w->run_task(st, i, 0);
		for (unsigned e = 0; ex_all[e]; e++) {
			const struct executor_ops *ops = ex_all[e];
			const struct ex_config config = {
			    .workers = RUNNERS,
			    .schedule =
				e % 2 ? EX_SCHED_STATIC : EX_SCHED_DYNAMIC,
			    .max_tasks = job->ntasks,
			    .wait = EX_WAIT_ADAPTIVE};
			const struct ex_job xjob = {.fn = w->run_task,
						    .arg = st,
						    .ntasks = job->ntasks,
						    .results = got};
			struct executor *ex = NULL;
			char err[256] = "";

			/* process-spawn cannot run a function pointer; the
			 * CLI integration test runs every workload under it. */
			if (ops->unavailable || ops->runs_spec)
				continue;
			if (ops->start(&config, &ex, err, sizeof(err))) {
				print_error("%s: %s\n", ops->name, err);
				fail();
			}
			/* Pools keep workers between jobs: run two. */
			int rounds = ops->uses_schedule ? 2 : 1;

			for (int round = 0; round < rounds; round++) {
				memset(got, 0, sizeof(got));
				if (ops->map(ex, &xjob)) {
					print_error("%s on %s: %s\n", w->name,
						    ops->name, ex_error(ex));
					fail();
				}
				expect_same(w, ops->name, ref, got,
					    job->ntasks);
			}
			ops->stop(ex);
		}
		w->teardown(st);
	}
}

/* lock-contention's counter adds up under the real executors too. */
static void test_lock_contention_executors(void **state)
{
	const struct param_setting set[] = {{"increments", "300"}, {NULL, 0}};
	double values[WL_MAX_PARAMS];
	uint64_t got[MAX_TASKS];
	const uint64_t n = 24;
	uint64_t runs = 0;
	void *st;

	(void)state;
	parse_settings(&wl_lock_contention, set, values);
	st = setup_or_fail(&wl_lock_contention, values, n);
	for (unsigned e = 0; ex_all[e]; e++) {
		const struct ex_config config = {.workers = RUNNERS,
						 .max_tasks = n};
		const struct ex_job job = {.fn = wl_lock_contention.run_task,
					   .arg = st,
					   .ntasks = n,
					   .results = got};
		struct executor *ex = NULL;
		char err[256] = "";

		if (ex_all[e]->unavailable || ex_all[e]->runs_spec)
			continue;
		assert_int_equal(
		    ex_all[e]->start(&config, &ex, err, sizeof(err)), 0);
		assert_int_equal(ex_all[e]->map(ex, &job), 0);
		ex_all[e]->stop(ex);
		runs += n;
		assert_true(wl_lock_contention_total(st) == runs * 300);
	}
	wl_lock_contention.teardown(st);
}

/* ---- gil --------------------------------------------------------------- */

static void test_gil_params(void **state)
{
	static const char *const good[] = {"0", "0.25", "0.5",
					   "1", "1.0",	NULL};

	(void)state;
	for (unsigned i = 0; good[i]; i++)
		expect_parse(&wl_gil, "hold", good[i], 0, NULL);
	expect_parse(&wl_gil, "hold", "1.01", -ERANGE, "allowed 0 to 1");
	expect_parse(&wl_gil, "hold", "-0.1", -ERANGE, "allowed 0 to 1");
	expect_parse(&wl_gil, "hold", "50%", -EINVAL, "bad unit");
	expect_parse(&wl_gil, "work", "0", -ERANGE, "out of range");
	expect_parse(&wl_gil, "slice", "0", -ERANGE, "out of range");
	expect_parse(&wl_gil, "work", "1.5", -EINVAL, "whole number");
	/* And the values a caller hands setup without the parser. */
	for (unsigned i = 0; good[i]; i++) {
		double values[WL_MAX_PARAMS];

		wl_param_defaults(&wl_gil, values);
		values[wl_param_index(&wl_gil, "hold")] = atof(good[i]);
		wl_gil.teardown(setup_or_fail(&wl_gil, values, 10));
	}
}

/* ---- lock-contention --------------------------------------------------- */

static void test_lock_contention_counter(void **state)
{
	const struct param_setting set[] = {
	    {"increments", "200"}, {"cs", "5"}, {"outside", "5"}, {NULL, 0}};
	double values[WL_MAX_PARAMS];
	uint64_t results[MAX_TASKS];
	const uint64_t n = 40;
	void *st;

	(void)state;
	parse_settings(&wl_lock_contention, set, values);
	st = setup_or_fail(&wl_lock_contention, values, n);
	assert_true(wl_lock_contention_total(st) == 0);
	run_threads(&wl_lock_contention, st, n, results);
	assert_true(wl_lock_contention_total(st) == n * 200);
	run_processes(&wl_lock_contention, st, n, results);
	assert_true(wl_lock_contention_total(st) == 2 * n * 200);
	assert_true(check_deterministic(&wl_lock_contention, st, n) == 4 * n);
	assert_true(wl_lock_contention_total(st) == 6 * n * 200);
	wl_lock_contention.teardown(st);
}

static void test_lock_contention_params(void **state)
{
	(void)state;
	expect_parse(&wl_lock_contention, "increments", "0", -ERANGE,
		     "out of range");
	expect_parse(&wl_lock_contention, "cs", "-1", -ERANGE, "allowed 0");
	expect_parse(&wl_lock_contention, "outside", "2G", -ERANGE,
		     "out of range");
	expect_parse(&wl_lock_contention, "cs", "0", 0, NULL);
	expect_parse(&wl_lock_contention, "outside", "0", 0, NULL);
}

/* ---- false-sharing ----------------------------------------------------- */

static void test_false_sharing_counters(void **state)
{
	(void)state;
	for (int padding = 0; padding <= 1; padding++) {
		const struct param_setting set[] = {
		    {"iters", "3000"},
		    {"padding", padding ? "1" : "0"},
		    {NULL, 0}};
		double values[WL_MAX_PARAMS];
		uint64_t results[MAX_TASKS];
		const uint64_t n = 30;
		void *st;

		parse_settings(&wl_false_sharing, set, values);
		st = setup_or_fail(&wl_false_sharing, values, n);
		assert_true(wl_false_sharing_total(st) == 0);
		run_threads(&wl_false_sharing, st, n, results);
		assert_true(wl_false_sharing_total(st) == n * 3000);
		run_processes(&wl_false_sharing, st, n, results);
		assert_true(wl_false_sharing_total(st) == 2 * n * 3000);
		/* Worker numbers past the slots wrap, and still add up. */
		wl_false_sharing.run_task(st, 0, WL_FALSE_SHARING_SLOTS + 5);
		wl_false_sharing.run_task(st, 0, ~0U);
		assert_true(wl_false_sharing_total(st) == (2 * n + 2) * 3000);
		wl_false_sharing.teardown(st);
	}
	expect_parse(&wl_false_sharing, "padding", "2", -ERANGE,
		     "allowed 0 to 1");
	expect_parse(&wl_false_sharing, "iters", "0", -ERANGE, "out of range");
}

/* ---- malloc-churn ------------------------------------------------------ */

static void test_malloc_churn_params(void **state)
{
	const struct param_setting huge[] = {
	    {"max_size", "1GiB"}, {"live", "100"}, {NULL, 0}};

	(void)state;
	expect_parse(&wl_malloc_churn, "max_size", "8", -ERANGE, "allowed 16");
	expect_parse(&wl_malloc_churn, "max_size", "2GiB", -ERANGE,
		     "out of range");
	expect_parse(&wl_malloc_churn, "objects", "0", -ERANGE, "out of range");
	expect_parse(&wl_malloc_churn, "live", "0", -ERANGE, "out of range");
	expect_setup_fails(&wl_malloc_churn, huge, 4, -EINVAL, "live x");
}

/* ---- cpu-skewed -------------------------------------------------------- */

static void test_cpu_skewed_params(void **state)
{
	const struct param_setting huge[] = {
	    {"work", "1G"}, {"cap", "100000"}, {NULL, 0}};

	(void)state;
	expect_parse(&wl_cpu_skewed, "alpha", "0", -ERANGE, "allowed 0.1");
	expect_parse(&wl_cpu_skewed, "cap", "0.5", -ERANGE, "allowed 1");
	expect_parse(&wl_cpu_skewed, "seed", "-1", -ERANGE, "out of range");
	expect_setup_fails(&wl_cpu_skewed, huge, 4, -EINVAL, "work x cap");
}

/* Task lengths are skewed: the checksum differs with the seed. */
static void test_cpu_skewed_seed(void **state)
{
	const struct param_setting one[] = {{"work", "10"}, {NULL, 0}};
	const struct param_setting two[] = {
	    {"work", "10"}, {"seed", "2"}, {NULL, 0}};
	double v1[WL_MAX_PARAMS], v2[WL_MAX_PARAMS];
	void *s1, *s2;
	unsigned same = 0;

	(void)state;
	parse_settings(&wl_cpu_skewed, one, v1);
	parse_settings(&wl_cpu_skewed, two, v2);
	s1 = setup_or_fail(&wl_cpu_skewed, v1, 20);
	s2 = setup_or_fail(&wl_cpu_skewed, v2, 20);
	for (uint64_t i = 0; i < 20; i++)
		same += wl_cpu_skewed.run_task(s1, i, 0) ==
			wl_cpu_skewed.run_task(s2, i, 0);
	assert_true(same < 20);
	wl_cpu_skewed.teardown(s1);
	wl_cpu_skewed.teardown(s2);
}

/* ---- fork-footprint ---------------------------------------------------- */

/* VmRSS of this process, in KiB. */
static long vm_rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	assert_true(kib >= 0);
	return kib;
}

static void test_fork_footprint_memory(void **state)
{
	const struct param_setting set[] = {
	    {"rss", "128MiB"}, {"work", "10"}, {NULL, 0}};
	double values[WL_MAX_PARAMS];
	long before, during, after;
	void *st;

	(void)state;
	parse_settings(&wl_fork_footprint, set, values);
	before = vm_rss_kib();
	st = setup_or_fail(&wl_fork_footprint, values, 4);
	during = vm_rss_kib();
	assert_true(during - before >= 120 * 1024);
	check_deterministic(&wl_fork_footprint, st, 4);
	wl_fork_footprint.teardown(st);
	after = vm_rss_kib();
	if (after - before >= 16 * 1024) {
		print_error("VmRSS %ld KiB before, %ld during, %ld after\n",
			    before, during, after);
		fail();
	}
}

static void test_fork_footprint_params(void **state)
{
	const struct param_setting bare[] = {{"rss", "512"}, {NULL, 0}};
	const struct param_setting huge[] = {{"rss", "1000GiB"}, {NULL, 0}};

	(void)state;
	expect_setup_fails(&wl_fork_footprint, bare, 4, -EINVAL, "rss=512MiB");
	expect_setup_fails(&wl_fork_footprint, huge, 4, -EINVAL,
			   "half of physical memory");
	expect_parse(&wl_fork_footprint, "rss", "2048GiB", -ERANGE,
		     "out of range");
	expect_parse(&wl_fork_footprint, "thp", "2", -ERANGE, "allowed 0 to 1");
}

/* ---- io-net ------------------------------------------------------------ */

/* Whether /proc/net/tcp has a socket in LISTEN state on 127.0.0.1:port. */
static bool listening_on(unsigned port)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	char line[512], want[32];
	bool found = false;

	assert_non_null(f);
	/* local_address is hex "0100007F:PORT"; state 0A is LISTEN. */
	snprintf(want, sizeof(want), "0100007F:%04X", port);
	while (fgets(line, sizeof(line), f)) {
		char local[64], remote[64];
		unsigned st;

		if (sscanf(line, " %*d: %63s %63s %x", local, remote, &st) ==
			3 &&
		    strcmp(local, want) == 0 && st == 0x0A)
			found = true;
	}
	fclose(f);
	return found;
}

static void expect_no_children(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_io_net_cleans_up(void **state)
{
	(void)state;
	for (int reuse = 0; reuse <= 1; reuse++) {
		const struct param_setting set[] = {
		    {"size", "5000"}, {"reuse", reuse ? "1" : "0"}, {NULL, 0}};
		double values[WL_MAX_PARAMS];
		unsigned port;
		void *st;

		expect_no_children();
		parse_settings(&wl_io_net, set, values);
		st = setup_or_fail(&wl_io_net, values, 10);
		port = wl_io_net_port(st);
		assert_true(port > 0);
		assert_true(listening_on(port));
		check_deterministic(&wl_io_net, st, 10);
		for (uint64_t i = 0; i < 10; i++)
			assert_true(wl_io_net.run_task(st, i, 0) !=
				    WL_IO_NET_POISON);
		wl_io_net.teardown(st);
		assert_false(listening_on(port));
		expect_no_children();
	}
}

/* With the server gone, a task must fail (poison), and promptly. */
static void test_io_net_poison(void **state)
{
	const struct param_setting set[] = {
	    {"size", "100"}, {"timeout", "200ms"}, {NULL, 0}};
	double values[WL_MAX_PARAMS];
	pid_t server;
	void *st;

	(void)state;
	parse_settings(&wl_io_net, set, values);
	st = setup_or_fail(&wl_io_net, values, 2);
	assert_true(wl_io_net.run_task(st, 0, 0) != WL_IO_NET_POISON);
	/* The server is our only child: stop it behind the kernel's back. */
	server = 0;
	for (int tries = 0; tries < 100 && server <= 0; tries++) {
		char path[64];
		FILE *f;
		int pid;

		snprintf(path, sizeof(path), "/proc/self/task/%d/children",
			 getpid());
		f = fopen(path, "r");
		if (f && fscanf(f, "%d", &pid) == 1)
			server = pid;
		if (f)
			fclose(f);
	}
	assert_true(server > 0);
	assert_int_equal(kill(server, SIGSTOP), 0);
	/* Refused or timed out (the listener still exists while stopped). */
	assert_true(wl_io_net.run_task(st, 1, 0) == WL_IO_NET_POISON);
	kill(server, SIGCONT);
	wl_io_net.teardown(st);
	expect_no_children();
}

static void test_io_net_params(void **state)
{
	(void)state;
	expect_parse(&wl_io_net, "reuse", "2", -ERANGE, "allowed 0 to 1");
	expect_parse(&wl_io_net, "size", "2GiB", -ERANGE, "out of range");
	expect_parse(&wl_io_net, "timeout", "0", -ERANGE, "out of range");
	expect_parse(&wl_io_net, "timeout", "1ms", 0, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registered),
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_under_executors),
	    cmocka_unit_test(test_lock_contention_executors),
	    cmocka_unit_test(test_gil_params),
	    cmocka_unit_test(test_lock_contention_counter),
	    cmocka_unit_test(test_lock_contention_params),
	    cmocka_unit_test(test_false_sharing_counters),
	    cmocka_unit_test(test_malloc_churn_params),
	    cmocka_unit_test(test_cpu_skewed_params),
	    cmocka_unit_test(test_cpu_skewed_seed),
	    cmocka_unit_test(test_fork_footprint_memory),
	    cmocka_unit_test(test_fork_footprint_params),
	    cmocka_unit_test(test_io_net_cleans_up),
	    cmocka_unit_test(test_io_net_poison),
	    cmocka_unit_test(test_io_net_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
