/*
 * Behaviour tests of every executor (never timing): each task runs exactly
 * once, results land in task order, worker indexes stay below W, executors
 * are reusable across jobs, every wait policy works, the process executors
 * survive and report a crashing task, and stop() leaves no child and no
 * thread behind.
 *
 * Counting across processes: the task function increments a per-task
 * counter in a MAP_SHARED mapping made before any executor starts, so
 * process workers count in the same place as threads do. The same mapping
 * carries the test's instructions to the workers (W, which task must fail
 * and how), which is why it can be changed after start().
 */
#include "executor.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define MAX_TASKS  1000
#define NO_FAILURE UINT64_MAX

enum failure_kind { FAIL_ABORT, FAIL_SIGKILL, FAIL_EXIT_3 };

/* Lives in a MAP_SHARED mapping, so process workers share it. */
struct shared_context {
	unsigned workers;	      /* W of the executor under test */
	uint64_t failing_task;	      /* NO_FAILURE, or the task that fails */
	enum failure_kind failure;    /* how it fails */
	_Atomic uint32_t bad_worker;  /* set if a worker index >= W was seen */
	_Atomic pid_t worker_pids[4]; /* the process that ran as worker w */
	_Atomic uint32_t runs[MAX_TASKS];
	_Atomic int task_cpu[MAX_TASKS]; /* pinning test: where it ran */
	_Atomic unsigned task_worker[MAX_TASKS];
	_Atomic int task_allowed[MAX_TASKS]; /* CPUs it was allowed */
};

static struct shared_context *shared;

/*
 * Threads the process keeps by design, beyond the main thread: a sanitizer
 * runtime's helper (TSan has one; set in main()), and libgomp's docked
 * thread pool once an omp executor has run (libgomp keeps it until exit;
 * see runners/omp.c), counted by note_resident_threads().
 */
static unsigned sanitizer_threads;
static unsigned resident_threads;

/* After an omp executor stops: its docked threads stay, by design. */
static void note_resident_threads(const struct executor_ops *ops);

static const uint64_t task_counts[] = {0, 1, 7, MAX_TASKS};

static uint64_t checksum_of(uint64_t index)
{
	return (index + 1) * UINT64_C(0x9E3779B97F4A7C15) ^ (index >> 3);
}

/* The task every test maps: counts itself, checks its worker, may fail. */
static uint64_t counting_task(void *arg, uint64_t index, unsigned worker)
{
	struct shared_context *context = arg;

	if (worker >= context->workers)
		atomic_store(&context->bad_worker, 1);
	if (index < MAX_TASKS)
		atomic_fetch_add(&context->runs[index], 1);
	if (worker < 4)
		atomic_store(&context->worker_pids[worker], getpid());
	if (index == context->failing_task) {
		switch (context->failure) {
		case FAIL_ABORT:
			abort();
		case FAIL_SIGKILL:
			raise(SIGKILL);
			break;
		case FAIL_EXIT_3:
			_exit(3);
		}
	}
	return checksum_of(index);
}

static void reset_shared(unsigned workers)
{
	shared->workers = workers;
	shared->failing_task = NO_FAILURE;
	shared->failure = FAIL_ABORT;
	atomic_store(&shared->bad_worker, 0);
	for (size_t i = 0; i < MAX_TASKS; i++)
		atomic_store(&shared->runs[i], 0);
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

/* Threads of this process, from /proc/self/task. */
static unsigned thread_count(void)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *entry;
	unsigned count = 0;

	assert_non_null(dir);
	while ((entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] != '.')
			count++;
	}
	closedir(dir);
	return count;
}

/*
 * Asserts that the process settles at expected threads. A joined thread can
 * stay listed in /proc for a moment: pthread_join() returns when the kernel
 * clears the thread's tid, slightly before the thread is unlinked. So allow
 * it a grace period (up to 2 s) before failing.
 */
static void assert_thread_count_settles(unsigned expected)
{
	unsigned count = thread_count();

	for (int waited_ms = 0; count != expected && waited_ms < 2000;
	     waited_ms++) {
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
		count = thread_count();
	}
	assert_int_equal(count, expected);
}

static void assert_no_child_left(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void note_resident_threads(const struct executor_ops *ops)
{
	static unsigned omp_docked;

	/* libgomp docks one thread fewer than its last team; it releases
	 * extra ones when a smaller team (of 2 or more) follows. A team of
	 * one runs in the caller and leaves the pool alone. */
	if (ops == ex_find("omp") && shared->workers > 1)
		omp_docked = shared->workers - 1;
	resident_threads = sanitizer_threads + omp_docked;
}

static struct executor *start_or_fail(const struct executor_ops *ops,
				      const struct ex_config *config)
{
	struct executor *ex = NULL;
	char err[256] = "";
	int ret = ops->start(config, &ex, err, sizeof(err));

	if (ret != 0)
		fail_msg("%s start: %d %s", ops->name, ret, err);
	assert_non_null(ex);
	assert_ptr_equal(ex->ops, ops);
	return ex;
}

/* Maps one job of ntasks and checks every invariant of executor.h. */
static void map_and_check(struct executor *ex, uint64_t ntasks)
{
	static uint64_t results[MAX_TASKS];
	struct ex_job job = {
	    .fn = counting_task,
	    .arg = shared,
	    .ntasks = ntasks,
	    .results = results,
	};
	int ret;

	reset_shared(shared->workers);
	for (size_t i = 0; i < MAX_TASKS; i++)
		results[i] = UINT64_MAX;
	ret = ex->ops->map(ex, &job);
	if (ret != 0)
		fail_msg("%s map(%llu): %d %s", ex->ops->name,
			 (unsigned long long)ntasks, ret, ex_error(ex));
	for (uint64_t i = 0; i < MAX_TASKS; i++) {
		uint32_t runs = atomic_load(&shared->runs[i]);

		if (i < ntasks && (runs != 1 || results[i] != checksum_of(i)))
			fail_msg("%s: task %llu of %llu ran %u times, result "
				 "%llx",
				 ex->ops->name, (unsigned long long)i,
				 (unsigned long long)ntasks, runs,
				 (unsigned long long)results[i]);
		if (i >= ntasks && (runs != 0 || results[i] != UINT64_MAX))
			fail_msg("%s: task %llu beyond the job ran",
				 ex->ops->name, (unsigned long long)i);
	}
	assert_int_equal(atomic_load(&shared->bad_worker), 0);
}

/*
 * Starts ops once and maps jobs of every size on it (reuse), then stops it
 * and checks that nothing is left: no child, no extra thread.
 */
static void check_executor(const struct executor_ops *ops,
			   enum ex_schedule schedule, uint64_t chunk,
			   unsigned workers, enum ex_wait wait)
{
	struct ex_config config = {
	    .workers = workers,
	    .schedule = schedule,
	    .chunk = chunk,
	    .max_tasks = MAX_TASKS,
	    .wait = wait,
	};
	unsigned threads_before;
	struct executor *ex;

	shared->workers = ops->uses_workers ? workers : 1;
	assert_thread_count_settles(1 + resident_threads);
	threads_before = thread_count();
	ex = start_or_fail(ops, &config);
	/* The caller is worker 0: W-1 threads. */
	if (ops == ex_find("thread-pool"))
		assert_int_equal(thread_count(), threads_before + workers - 1);
	for (size_t t = 0; t < sizeof(task_counts) / sizeof(*task_counts); t++)
		map_and_check(ex, task_counts[t]);
	map_and_check(ex, 7);
	ex->ops->stop(ex);
	if (ops->processes)
		assert_no_child_left();
	note_resident_threads(ops);
	assert_thread_count_settles(1 + resident_threads);
}

/* Every schedule, chunk 0 and 3, W in {1, 2, 3, 2*cpus+1}, adaptive. */
static void test_matrix(void **state)
{
	const struct executor_ops *ops = *state;
	const enum ex_schedule schedules[] = {EX_SCHED_STATIC, EX_SCHED_DYNAMIC,
					      EX_SCHED_GUIDED};
	const uint64_t chunks[] = {0, 3};
	const unsigned workers[] = {1, 2, 3, 2 * online_cpus() + 1};
	size_t schedule_count = ops->uses_schedule ? 3 : 1;
	size_t chunk_count = ops->uses_schedule ? 2 : 1;
	size_t worker_count = ops->uses_workers ? 4 : 1;

	if (ops->unavailable) {
		print_message("%s: %s\n", ops->name, ops->unavailable);
		skip();
	}
	for (size_t s = 0; s < schedule_count; s++) {
		for (size_t c = 0; c < chunk_count; c++) {
			for (size_t w = 0; w < worker_count; w++)
				check_executor(ops, schedules[s], chunks[c],
					       workers[w], EX_WAIT_ADAPTIVE);
		}
	}
}

/* The --wait that OMP_WAIT_POLICY gave libgomp when it was loaded. */
static enum ex_wait omp_environment_wait(void)
{
	const char *policy = getenv("OMP_WAIT_POLICY");

	if (policy && !strcasecmp(policy, "active"))
		return EX_WAIT_SPIN;
	if (policy && !strcasecmp(policy, "passive"))
		return EX_WAIT_BLOCK;
	return EX_WAIT_ADAPTIVE;
}

/* omp cannot change libgomp's policy: it must refuse, not pretend. */
static void check_omp_refuses_wait(enum ex_wait wait)
{
	struct ex_config config = {.workers = 2, .max_tasks = 10, .wait = wait};
	struct executor *ex = NULL;
	char err[256] = "";

	assert_int_equal(ex_find("omp")->start(&config, &ex, err, sizeof(err)),
			 -EINVAL);
	assert_null(ex);
	if (!strstr(err, "OMP_WAIT_POLICY"))
		fail_msg("omp --wait=%s: unexpected error \"%s\"",
			 ex_wait_name(wait), err);
}

/* Spin, block and adaptive waits on the pools (the others never wait). */
static void test_wait_policies(void **state)
{
	const enum ex_wait waits[] = {EX_WAIT_SPIN, EX_WAIT_BLOCK,
				      EX_WAIT_ADAPTIVE};
	const unsigned workers[] = {1, 2, 2 * online_cpus() + 1};

	(void)state;
	for (size_t e = 0; ex_all[e]; e++) {
		/* mpi runs spawn specs: tests/integration/mpi.sh. */
		if (!ex_all[e]->uses_schedule || ex_all[e]->unavailable ||
		    ex_all[e]->runs_spec)
			continue;
		for (size_t p = 0; p < 3; p++) {
			if (ex_all[e] == ex_find("omp") &&
			    waits[p] != omp_environment_wait()) {
				check_omp_refuses_wait(waits[p]);
				continue;
			}
			for (size_t w = 0; w < 3; w++) {
				check_executor(ex_all[e], EX_SCHED_DYNAMIC, 0,
					       workers[w], waits[p]);
				check_executor(ex_all[e], EX_SCHED_STATIC, 0,
					       workers[w], waits[p]);
			}
		}
	}
}

/*
 * One task of worker w ran on cpu, allowed on `allowed` CPUs. Pinned: bound
 * to one CPU, the same for every task of w (cpu_of[w]); not pinned:
 * allowed every CPU the process may use (all_cpus).
 */
static void check_placement(enum ex_pin pin, int all_cpus, unsigned w,
			    int allowed, int cpu, int cpu_of[4])
{
	if (pin == EX_PIN_NONE) {
		assert_int_equal(allowed, all_cpus);
		return;
	}
	assert_int_equal(allowed, 1);
	if (cpu_of[w] < 0)
		cpu_of[w] = cpu;
	assert_int_equal(cpu_of[w], cpu);
}

/* With W <= CPUs, no two pinned workers share a CPU. */
static void check_distinct_cpus(const int cpu_of[4], unsigned workers)
{
	for (unsigned a = 0; a < workers; a++)
		for (unsigned b = a + 1; b < workers; b++)
			if (cpu_of[a] >= 0 && cpu_of[b] >= 0)
				assert_int_not_equal(cpu_of[a], cpu_of[b]);
}

/* Records where the task ran and on how many CPUs it was allowed to. */
static uint64_t pinning_task(void *arg, uint64_t index, unsigned worker)
{
	struct shared_context *context = arg;
	cpu_set_t set;

	atomic_store(&context->task_cpu[index], sched_getcpu());
	atomic_store(&context->task_worker[index], worker);
	atomic_store(&context->task_allowed[index],
		     sched_getaffinity(0, sizeof(set), &set) ? -1
							     : CPU_COUNT(&set));
	return checksum_of(index);
}

/*
 * --pin: with compact or spread every worker (thread or process, pooled or
 * per task) is bound to exactly one CPU, the same one for all of its tasks,
 * and with W <= CPUs no two workers share one; with none nothing is bound.
 */
static void test_pinning(void **state)
{
	const enum ex_pin pins[] = {EX_PIN_COMPACT, EX_PIN_SPREAD, EX_PIN_NONE};
	static uint64_t results[64];
	cpu_set_t allowed;
	unsigned workers = online_cpus() < 4 ? online_cpus() : 4;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	for (size_t e = 0; ex_all[e]; e++) {
		/* process-spawn: test_process_spawn_pins. */
		if (!ex_all[e]->uses_workers || ex_all[e]->unavailable ||
		    ex_all[e]->runs_spec)
			continue;
		for (size_t p = 0; p < 3; p++) {
			struct ex_config config = {.workers = workers,
						   .schedule = EX_SCHED_STATIC,
						   .max_tasks = 64,
						   .pin = pins[p]};
			struct ex_job job = {.fn = pinning_task,
					     .arg = shared,
					     .ntasks = 64,
					     .results = results};
			struct executor *ex;
			char err[256];
			int cpu_of[4] = {-1, -1, -1, -1};

			assert_int_equal(
			    ex_all[e]->start(&config, &ex, err, sizeof(err)),
			    0);
			assert_int_equal(ex_all[e]->map(ex, &job), 0);
			ex_all[e]->stop(ex);
			shared->workers = workers;
			note_resident_threads(ex_all[e]);
			for (unsigned i = 0; i < 64; i++) {
				unsigned w = shared->task_worker[i];
				int cpu = shared->task_cpu[i];

				assert_int_equal(results[i], checksum_of(i));
				assert_true(w < workers);
				check_placement(pins[p], CPU_COUNT(&allowed), w,
						shared->task_allowed[i], cpu,
						cpu_of);
			}
			check_distinct_cpus(cpu_of, workers);
		}
	}
}

/*
 * Maps a job whose task 5 fails in the given way and checks the error;
 * then checks that the executor still maps correctly.
 */
static void check_failure(struct executor *ex, enum failure_kind failure,
			  const char *expected_why)
{
	static uint64_t results[MAX_TASKS];
	struct ex_job job = {
	    .fn = counting_task,
	    .arg = shared,
	    .ntasks = 100,
	    .results = results,
	};
	int ret;

	reset_shared(shared->workers);
	shared->failing_task = 5;
	shared->failure = failure;
	ret = ex->ops->map(ex, &job);
	assert_int_equal(ret, -ECHILD);
	if (!strstr(ex_error(ex), "task 5: worker ") ||
	    !strstr(ex_error(ex), expected_why))
		fail_msg("%s: unexpected error \"%s\" (wanted task 5, %s)",
			 ex->ops->name, ex_error(ex), expected_why);
	print_message("%s: %s\n", ex->ops->name, ex_error(ex));
	map_and_check(ex, 100);
	map_and_check(ex, 7);
}

static void check_failures(const struct executor_ops *ops,
			   enum ex_schedule schedule, unsigned workers,
			   enum ex_wait wait)
{
	struct ex_config config = {
	    .workers = workers,
	    .schedule = schedule,
	    .max_tasks = MAX_TASKS,
	    .wait = wait,
	};
	struct executor *ex;

	shared->workers = workers;
	ex = start_or_fail(ops, &config);
	check_failure(ex, FAIL_ABORT, "killed by SIGABRT");
	check_failure(ex, FAIL_SIGKILL, "killed by SIGKILL");
	check_failure(ex, FAIL_EXIT_3, "exited with status 3");
	ex->ops->stop(ex);
	assert_no_child_left();
}

static void test_process_pool_survives_crashes(void **state)
{
	const struct executor_ops *ops = ex_find("process-pool");

	(void)state;
	check_failures(ops, EX_SCHED_DYNAMIC, 2, EX_WAIT_ADAPTIVE);
	check_failures(ops, EX_SCHED_STATIC, 3, EX_WAIT_BLOCK);
	check_failures(ops, EX_SCHED_GUIDED, 1, EX_WAIT_SPIN);
}

static void test_process_per_task_reports_crashes(void **state)
{
	(void)state;
	check_failures(ex_find("process-per-task"), EX_SCHED_STATIC, 2,
		       EX_WAIT_ADAPTIVE);
	check_failures(ex_find("process-per-task"), EX_SCHED_STATIC, 1,
		       EX_WAIT_ADAPTIVE);
}

/* An unrelated child ending mid-job must not disturb the process pool. */
static void test_process_pool_ignores_other_children(void **state)
{
	struct ex_config config = {
	    .workers = 2,
	    .schedule = EX_SCHED_DYNAMIC,
	    .max_tasks = MAX_TASKS,
	    .wait = EX_WAIT_BLOCK,
	};
	struct executor *ex;
	pid_t other;
	int status;

	(void)state;
	shared->workers = 2;
	ex = start_or_fail(ex_find("pool"), &config);
	other = fork();
	assert_true(other >= 0);
	if (other == 0)
		_exit(0);
	for (int i = 0; i < 20; i++)
		map_and_check(ex, MAX_TASKS);
	assert_int_equal(waitpid(other, &status, 0), other);
	map_and_check(ex, MAX_TASKS);
	ex->ops->stop(ex);
	assert_no_child_left();
}

/* A pool worker killed between jobs fails the next job, then is replaced. */
static void test_process_pool_replaces_idle_dead_worker(void **state)
{
	struct ex_config config = {
	    .workers = 1,
	    .schedule = EX_SCHED_DYNAMIC,
	    .max_tasks = MAX_TASKS,
	    .wait = EX_WAIT_BLOCK,
	};
	static uint64_t results[MAX_TASKS];
	struct ex_job job = {
	    .fn = counting_task,
	    .arg = shared,
	    .ntasks = 10,
	    .results = results,
	};
	char expected[64];
	struct executor *ex;
	pid_t victim;

	(void)state;
	shared->workers = 1;
	ex = start_or_fail(ex_find("process-pool"), &config);
	map_and_check(ex, 10);
	victim = atomic_load(&shared->worker_pids[0]);
	assert_true(victim > 0 && victim != getpid());
	assert_int_equal(kill(victim, SIGKILL), 0);
	assert_int_equal(ex->ops->map(ex, &job), -ECHILD);
	snprintf(expected, sizeof(expected),
		 "worker 0 (pid %d) killed by SIGKILL while idle", (int)victim);
	assert_string_equal(ex_error(ex), expected);
	map_and_check(ex, 10);
	assert_int_not_equal(atomic_load(&shared->worker_pids[0]), victim);
	ex->ops->stop(ex);
	assert_no_child_left();
}

static _Atomic unsigned previous_handler_calls;

static void previous_handler(int sig)
{
	(void)sig;
	atomic_fetch_add(&previous_handler_calls, 1);
}

/* The pool's SIGCHLD handler chains to and is replaced by the old one. */
static void test_process_pool_restores_sigchld(void **state)
{
	struct ex_config config = {
	    .workers = 2,
	    .schedule = EX_SCHED_DYNAMIC,
	    .max_tasks = MAX_TASKS,
	};
	struct sigaction mine = {.sa_handler = previous_handler};
	struct sigaction saved, now;
	struct executor *ex;

	(void)state;
	sigemptyset(&mine.sa_mask);
	assert_int_equal(sigaction(SIGCHLD, &mine, &saved), 0);
	atomic_store(&previous_handler_calls, 0);
	shared->workers = 2;
	ex = start_or_fail(ex_find("process-pool"), &config);
	assert_int_equal(sigaction(SIGCHLD, NULL, &now), 0);
	assert_ptr_not_equal(now.sa_handler, previous_handler);
	check_failure(ex, FAIL_SIGKILL, "killed by SIGKILL");
	assert_true(atomic_load(&previous_handler_calls) > 0);
	ex->ops->stop(ex);
	assert_int_equal(sigaction(SIGCHLD, NULL, &now), 0);
	assert_ptr_equal(now.sa_handler, previous_handler);
	assert_int_equal(sigaction(SIGCHLD, &saved, NULL), 0);
	assert_no_child_left();
}

/*
 * Worker threads carry their names while the pool runs: pt-worker-1 and
 * pt-worker-2 for W = 3, since the caller is worker 0.
 */
static void test_thread_pool_names_workers(void **state)
{
	struct ex_config config = {.workers = 3, .max_tasks = MAX_TASKS};
	struct executor *ex;
	unsigned named = 0;
	struct dirent *entry;
	DIR *dir;

	(void)state;
	assert_thread_count_settles(1 + resident_threads);
	ex = start_or_fail(ex_find("thread-pool"), &config);
	dir = opendir("/proc/self/task");
	assert_non_null(dir);
	while ((entry = readdir(dir)) != NULL) {
		char path[300], name[32] = "";
		FILE *comm;

		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 entry->d_name);
		comm = fopen(path, "r");
		if (!comm)
			continue;
		if (fgets(name, sizeof(name), comm) &&
		    strncmp(name, "pt-worker-", 10) == 0) {
			assert_true(!strcmp(name, "pt-worker-1\n") ||
				    !strcmp(name, "pt-worker-2\n"));
			named++;
		}
		fclose(comm);
	}
	closedir(dir);
	ex->ops->stop(ex);
	assert_int_equal(named, 2);
	assert_thread_count_settles(1 + resident_threads);
}

static void test_start_rejects_zero_workers(void **state)
{
	struct ex_config config = {.workers = 0, .max_tasks = MAX_TASKS};

	(void)state;
	for (size_t e = 0; ex_all[e]; e++) {
		struct executor *ex = (struct executor *)&config;
		char err[256] = "";

		if (!ex_all[e]->uses_workers || ex_all[e]->unavailable)
			continue;
		assert_int_equal(
		    ex_all[e]->start(&config, &ex, err, sizeof(err)), -EINVAL);
		assert_null(ex);
		assert_true(err[0] != '\0');
	}
	assert_no_child_left();
}

/* Process executors size their shared results by max_tasks. */
static void test_process_executors_reject_oversized_jobs(void **state)
{
	struct ex_config config = {.workers = 2, .max_tasks = 10};
	static uint64_t results[MAX_TASKS];
	struct ex_job job = {
	    .fn = counting_task,
	    .arg = shared,
	    .ntasks = 11,
	    .results = results,
	};

	(void)state;
	shared->workers = 2;
	for (size_t e = 0; ex_all[e]; e++) {
		struct executor *ex;

		/* process-spawn keeps no shared results: no max_tasks. */
		if (!ex_all[e]->processes || ex_all[e]->runs_spec)
			continue;
		ex = start_or_fail(ex_all[e], &config);
		assert_int_equal(ex->ops->map(ex, &job), -EINVAL);
		assert_non_null(strstr(ex_error(ex), "max_tasks"));
		ex->ops->stop(ex);
	}
	assert_no_child_left();
}

static void test_registry_lookup(void **state)
{
	const char *const expected_order[] = {
	    "serial",		"thread-pool",
	    "process-pool",	"thread-per-task",
	    "process-per-task", "omp",
	    "process-spawn",	"mpi",
	    "mpi+thread-pool",	"python-serial",
	    "python-threads",	"python-processes"};
	size_t count = 0;

	(void)state;
	for (; ex_all[count]; count++) {
		assert_true(count < 12);
		assert_string_equal(ex_all[count]->name, expected_order[count]);
		assert_ptr_equal(ex_find(ex_all[count]->name), ex_all[count]);
		/* Only omp (no OpenMP), the mpi executors (no MPI) and
		 * Python's pools (no Python) may be missing from a build; only
		 * Python's pools run py-* only. */
		if (ex_all[count] != ex_find("omp") &&
		    ex_all[count] != ex_find("mpi") &&
		    ex_all[count] != ex_find("mpi+thread-pool") &&
		    !ex_all[count]->workload_prefix)
			assert_null(ex_all[count]->unavailable);
		if (count >= 9) {
			assert_string_equal(ex_all[count]->workload_prefix,
					    "py-");
			assert_true(ex_all[count]->runs_spec);
		} else {
			assert_null(ex_all[count]->workload_prefix);
		}
	}
	assert_int_equal(count, 12);
	assert_true(ex_find("mpi")->runs_spec && ex_find("mpi")->times_tasks);
	assert_true(ex_find("mpi")->uses_schedule);
	assert_true(ex_find("mpi")->named_only &&
		    !ex_find("mpi")->threads_per_worker);
	assert_true(ex_find("mpi+thread-pool")->named_only &&
		    ex_find("mpi+thread-pool")->threads_per_worker &&
		    ex_find("mpi+thread-pool")->runs_spec);
	assert_ptr_equal(ex_find("pool"), ex_find("process-pool"));
	assert_ptr_equal(ex_find("spawn"), ex_find("process-spawn"));
	assert_ptr_equal(ex_find("openmp"), ex_find("omp"));
	assert_true(ex_find("process-spawn")->runs_spec);
	assert_true(ex_find("process-spawn")->processes);
	assert_false(ex_find("process-spawn")->uses_schedule);
	assert_true(ex_find("omp")->uses_schedule);
	assert_false(ex_find("omp")->processes);
	assert_null(ex_find("no-such-executor"));
	assert_null(ex_find(""));
	assert_null(ex_find(NULL));
	assert_false(ex_find("serial")->uses_workers);
	assert_false(ex_find("serial")->uses_schedule);
	assert_false(ex_find("thread-per-task")->uses_schedule);
	assert_false(ex_find("process-per-task")->uses_schedule);
	assert_true(ex_find("process-pool")->processes);
	assert_false(ex_find("thread-pool")->processes);
}

/* fio's check_engine_ops, for executors: complete and unique. */
static void test_registry_descriptors_complete(void **state)
{
	(void)state;
	for (size_t i = 0; ex_all[i]; i++) {
		const struct executor_ops *ops = ex_all[i];

		assert_non_null(ops->name);
		assert_true(ops->name[0] != '\0');
		assert_non_null(ops->summary);
		assert_true(ops->summary[0] != '\0');
		assert_non_null(ops->start);
		assert_non_null(ops->map);
		assert_non_null(ops->stop);
		for (size_t j = 0; ex_all[j]; j++) {
			if (i == j)
				continue;
			assert_string_not_equal(ops->name, ex_all[j]->name);
			if (ops->alias) {
				assert_string_not_equal(ops->alias,
							ex_all[j]->name);
				if (ex_all[j]->alias)
					assert_string_not_equal(
					    ops->alias, ex_all[j]->alias);
			}
		}
	}
}

static void test_schedule_and_wait_names(void **state)
{
	const char *const schedules[] = {"static", "dynamic", "guided"};
	const char *const waits[] = {"adaptive", "spin", "block"};
	const char *const bad[] = {"", "Static", "dynamic ", "auto",
				   "spinning"};
	enum ex_schedule schedule = EX_SCHED_GUIDED;
	enum ex_wait wait = EX_WAIT_BLOCK;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(ex_schedule_parse(schedules[i], &schedule), 0);
		assert_string_equal(ex_schedule_name(schedule), schedules[i]);
		assert_int_equal(ex_wait_parse(waits[i], &wait), 0);
		assert_string_equal(ex_wait_name(wait), waits[i]);
	}
	assert_int_equal(ex_schedule_parse("static", &schedule), 0);
	assert_int_equal(schedule, EX_SCHED_STATIC);
	assert_int_equal(ex_wait_parse("adaptive", &wait), 0);
	assert_int_equal(wait, EX_WAIT_ADAPTIVE);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(ex_schedule_parse(bad[i], &schedule), -EINVAL);
		assert_int_equal(ex_wait_parse(bad[i], &wait), -EINVAL);
	}
	assert_int_equal(schedule, EX_SCHED_STATIC);
	assert_int_equal(wait, EX_WAIT_ADAPTIVE);
	assert_int_equal(ex_schedule_parse(NULL, &schedule), -EINVAL);
	assert_int_equal(ex_wait_parse(NULL, &wait), -EINVAL);
}

/*
 * process-spawn: its children are this test program, exec'd afresh in the
 * worker mode that main() hands to spawn_worker(). The spec is the test's
 * own: "ok" (task i returns checksum_of(i)), "fail:T:abort|kill|exit3|hang"
 * (task T dies that way, or never ends), "silent:T" (task T exits 0 without
 * a checksum), "pin" (the checksum says where the task ran).
 */
static uint64_t pin_report(unsigned worker)
{
	cpu_set_t set;
	int allowed =
	    sched_getaffinity(0, sizeof(set), &set) ? 0 : CPU_COUNT(&set);

	return (uint64_t)worker << 48 | (uint64_t)allowed << 32 |
	       (uint32_t)sched_getcpu();
}

static int spawn_worker(int argc, char **argv)
{
	struct ex_spawn_request req;
	unsigned long long failing = NO_FAILURE;
	char err[256], how[16] = "";

	if (ex_spawn_parse(argc, argv, &req, err, sizeof(err)) ||
	    ex_spawn_begin(&req))
		return 2;
	if (!strcmp(req.spec, "pin"))
		return ex_spawn_reply(&req, pin_report(req.worker)) ? 1 : 0;
	if (sscanf(req.spec, "fail:%llu:%15s", &failing, how) == 2 &&
	    req.task == failing) {
		if (!strcmp(how, "abort"))
			abort();
		if (!strcmp(how, "kill"))
			raise(SIGKILL);
		/* Until the task timeout's SIGKILL (or the parent's death). */
		while (!strcmp(how, "hang"))
			pause();
		return 3;
	}
	if (sscanf(req.spec, "silent:%llu", &failing) == 1 &&
	    req.task == failing)
		return 0;
	return ex_spawn_reply(&req, checksum_of(req.task)) ? 1 : 0;
}

static struct executor *start_spawn(unsigned workers, const char *spec,
				    enum ex_pin pin)
{
	struct ex_config config = {.workers = workers,
				   .max_tasks = MAX_TASKS,
				   .pin = pin,
				   .spawn_spec = spec};

	return start_or_fail(ex_find("process-spawn"), &config);
}

/* Maps ntasks; every slot must hold its task's checksum. */
static void map_spawn_and_check(struct executor *ex, uint64_t ntasks)
{
	static uint64_t results[MAX_TASKS];
	struct ex_job job = {.fn = counting_task,
			     .arg = shared,
			     .ntasks = ntasks,
			     .results = results};

	for (size_t i = 0; i < MAX_TASKS; i++)
		results[i] = UINT64_MAX;
	if (ex->ops->map(ex, &job) != 0)
		fail_msg("process-spawn map(%llu): %s",
			 (unsigned long long)ntasks, ex_error(ex));
	for (uint64_t i = 0; i < MAX_TASKS; i++)
		assert_int_equal(results[i],
				 i < ntasks ? checksum_of(i) : UINT64_MAX);
	/* The caller's function never runs: no task was counted here. */
	for (uint64_t i = 0; i < ntasks; i++)
		assert_int_equal(atomic_load(&shared->runs[i]), 0);
}

static void test_process_spawn_runs_the_spec(void **state)
{
	const unsigned workers[] = {1, 2, 3};

	(void)state;
	reset_shared(1);
	for (size_t w = 0; w < 3; w++) {
		struct executor *ex =
		    start_spawn(workers[w], "ok", EX_PIN_NONE);

		for (size_t t = 0; t < 3; t++)
			map_spawn_and_check(ex, task_counts[t]);
		map_spawn_and_check(ex, 40);
		ex->ops->stop(ex);
		assert_no_child_left();
	}
	assert_thread_count_settles(1 + resident_threads);
}

static void test_process_spawn_needs_a_spec(void **state)
{
	static uint64_t results[4];
	struct ex_job job = {.fn = counting_task,
			     .arg = shared,
			     .ntasks = 4,
			     .results = results};
	struct executor *ex = start_spawn(2, NULL, EX_PIN_NONE);

	(void)state;
	assert_int_equal(ex->ops->map(ex, &job), -EINVAL);
	assert_non_null(strstr(ex_error(ex), "spawn_spec"));
	ex->ops->stop(ex);
	assert_no_child_left();
}

static void check_spawn_failure(unsigned workers, const char *spec,
				const char *expected_why)
{
	static uint64_t results[MAX_TASKS];
	struct ex_job job = {.fn = counting_task,
			     .arg = shared,
			     .ntasks = 12,
			     .results = results};
	struct executor *ex = start_spawn(workers, spec, EX_PIN_NONE);

	/* Twice: a failed job leaves the executor usable. */
	for (int round = 0; round < 2; round++) {
		assert_int_equal(ex->ops->map(ex, &job), -ECHILD);
		if (!strstr(ex_error(ex), "task 5: worker ") ||
		    !strstr(ex_error(ex), expected_why))
			fail_msg("process-spawn %s: unexpected error \"%s\"",
				 spec, ex_error(ex));
		assert_no_child_left();
	}
	print_message("process-spawn: %s\n", ex_error(ex));
	ex->ops->stop(ex);
}

static void test_process_spawn_reports_crashes(void **state)
{
	(void)state;
	check_spawn_failure(2, "fail:5:abort", "killed by SIGABRT");
	check_spawn_failure(1, "fail:5:kill", "killed by SIGKILL");
	check_spawn_failure(3, "fail:5:exit3", "exited with status 3");
	check_spawn_failure(2, "silent:5", "without sending its checksum");
}

/*
 * The task timeout of the spawned-task tests: only the hanging task may
 * reach it. A spawned child's clock starts before its exec, and an ASan
 * build's start-up on a loaded machine took more than 0.1 s (tasks that do
 * not hang then timed out too), so 1 s.
 */
#define SPAWN_TIMEOUT_NS 1000000000u

/*
 * Under continue, retry:N and a task timeout a failed spawned task is
 * recorded, not fatal: map() returns 0, job->failures lists exactly task 5
 * with why and its attempts, every other task holds its checksum. A
 * child that exits 0 without its checksum still fails the job: that is a
 * broken protocol, not a task fault.
 */
static void check_spawn_tolerated(unsigned workers, const char *spec,
				  enum ex_on_failure policy, unsigned retries,
				  uint64_t task_timeout_ns)
{
	static uint64_t results[MAX_TASKS];
	struct ex_failure list[4];
	struct ex_failures failures = {.list = list, .capacity = 4};
	struct ex_job job = {.fn = counting_task,
			     .arg = shared,
			     .ntasks = 12,
			     .results = results,
			     .failures = &failures};
	struct ex_config config = {.workers = workers,
				   .max_tasks = MAX_TASKS,
				   .on_failure = policy,
				   .retries = retries,
				   .task_timeout_ns = task_timeout_ns,
				   .spawn_spec = spec};
	struct executor *ex = start_or_fail(ex_find("process-spawn"), &config);

	/* Twice: the record is reset by every map(). */
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < MAX_TASKS; i++)
			results[i] = UINT64_MAX;
		if (ex->ops->map(ex, &job) != 0)
			fail_msg("process-spawn %s: %s", spec, ex_error(ex));
		assert_int_equal(failures.count, 1);
		assert_int_equal(list[0].task, 5);
		assert_true(list[0].worker < workers);
		assert_true(list[0].pid > 0);
		assert_int_equal(list[0].attempts, 1 + retries);
		assert_int_equal(failures.retried, retries);
		assert_int_equal(failures.detections, 1 + retries);
		assert_true(failures.detect_s >= 0);
		assert_int_equal(failures.replacements, 0);
		assert_int_equal(list[0].timed_out, task_timeout_ns != 0);
		if (task_timeout_ns)
			assert_true(WIFSIGNALED(list[0].status) &&
				    WTERMSIG(list[0].status) == SIGKILL);
		else
			assert_true(WIFSIGNALED(list[0].status) &&
				    WTERMSIG(list[0].status) == SIGABRT);
		for (uint64_t i = 0; i < job.ntasks; i++)
			if (i != 5)
				assert_int_equal(results[i], checksum_of(i));
		assert_no_child_left();
	}
	ex->ops->stop(ex);
}

static void test_process_spawn_failure_policies(void **state)
{
	static uint64_t results[MAX_TASKS];
	struct ex_failure list[1];
	struct ex_failures failures = {.list = list, .capacity = 1};
	struct ex_job job = {.fn = counting_task,
			     .arg = shared,
			     .ntasks = 12,
			     .results = results,
			     .failures = &failures};
	struct ex_config config = {.workers = 2,
				   .max_tasks = MAX_TASKS,
				   .on_failure = EX_ON_FAILURE_CONTINUE,
				   .spawn_spec = "silent:5"};
	struct executor *ex;

	(void)state;
	check_spawn_tolerated(2, "fail:5:abort", EX_ON_FAILURE_CONTINUE, 0, 0);
	check_spawn_tolerated(1, "fail:5:abort", EX_ON_FAILURE_RETRY, 2, 0);
	check_spawn_tolerated(3, "fail:5:abort", EX_ON_FAILURE_RETRY, 1, 0);
	check_spawn_tolerated(2, "fail:5:hang", EX_ON_FAILURE_CONTINUE, 0,
			      SPAWN_TIMEOUT_NS);
	check_spawn_tolerated(2, "fail:5:hang", EX_ON_FAILURE_RETRY, 1,
			      SPAWN_TIMEOUT_NS);
	ex = start_or_fail(ex_find("process-spawn"), &config);
	assert_int_equal(ex->ops->map(ex, &job), -ECHILD);
	assert_non_null(strstr(ex_error(ex), "without sending its checksum"));
	assert_no_child_left();
	ex->ops->stop(ex);
}

/* Under abort a hung spawned task fails the job once the timeout kills it. */
static void test_process_spawn_task_timeout_aborts(void **state)
{
	static uint64_t results[MAX_TASKS];
	struct ex_job job = {.fn = counting_task,
			     .arg = shared,
			     .ntasks = 12,
			     .results = results};
	struct ex_config config = {.workers = 2,
				   .max_tasks = MAX_TASKS,
				   .task_timeout_ns = SPAWN_TIMEOUT_NS,
				   .spawn_spec = "fail:5:hang"};
	struct executor *ex = start_or_fail(ex_find("process-spawn"), &config);

	(void)state;
	assert_int_equal(ex->ops->map(ex, &job), -ECHILD);
	if (!strstr(ex_error(ex), "task 5: worker ") ||
	    !strstr(ex_error(ex), "timed out after 1 s"))
		fail_msg("unexpected error \"%s\"", ex_error(ex));
	assert_no_child_left();
	ex->ops->stop(ex);
}

/* --pin reaches spawned children too: each bound to its worker's CPU. */
static void test_process_spawn_pins(void **state)
{
	static uint64_t results[32];
	struct ex_job job = {.fn = counting_task,
			     .arg = shared,
			     .ntasks = 32,
			     .results = results};
	unsigned workers = online_cpus() < 4 ? online_cpus() : 4;
	const enum ex_pin pins[] = {EX_PIN_COMPACT, EX_PIN_NONE};
	cpu_set_t allowed;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	for (size_t p = 0; p < 2; p++) {
		struct executor *ex = start_spawn(workers, "pin", pins[p]);
		int cpu_of[4] = {-1, -1, -1, -1};

		assert_int_equal(ex->ops->map(ex, &job), 0);
		ex->ops->stop(ex);
		for (unsigned i = 0; i < 32; i++) {
			unsigned w = (unsigned)(results[i] >> 48);
			int count = (int)(results[i] >> 32 & 0xffff);
			int cpu = (int)(uint32_t)results[i];

			assert_true(w < workers);
			check_placement(pins[p], CPU_COUNT(&allowed), w, count,
					cpu, cpu_of);
		}
		check_distinct_cpus(cpu_of, workers);
	}
	assert_no_child_left();
}

static void *do_nothing(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registry_lookup),
	    cmocka_unit_test(test_registry_descriptors_complete),
	    cmocka_unit_test(test_schedule_and_wait_names),
	    cmocka_unit_test(test_start_rejects_zero_workers),
	    cmocka_unit_test(test_process_executors_reject_oversized_jobs),
	    cmocka_unit_test_prestate(test_matrix, NULL),
	    cmocka_unit_test_prestate(test_matrix, NULL),
	    cmocka_unit_test_prestate(test_matrix, NULL),
	    cmocka_unit_test_prestate(test_matrix, NULL),
	    cmocka_unit_test_prestate(test_matrix, NULL),
	    cmocka_unit_test_prestate(test_matrix, NULL),
	    cmocka_unit_test(test_wait_policies),
	    cmocka_unit_test(test_pinning),
	    cmocka_unit_test(test_thread_pool_names_workers),
	    cmocka_unit_test(test_process_pool_survives_crashes),
	    cmocka_unit_test(test_process_pool_ignores_other_children),
	    cmocka_unit_test(test_process_pool_replaces_idle_dead_worker),
	    cmocka_unit_test(test_process_pool_restores_sigchld),
	    cmocka_unit_test(test_process_per_task_reports_crashes),
	    cmocka_unit_test(test_process_spawn_runs_the_spec),
	    cmocka_unit_test(test_process_spawn_needs_a_spec),
	    cmocka_unit_test(test_process_spawn_reports_crashes),
	    cmocka_unit_test(test_process_spawn_failure_policies),
	    cmocka_unit_test(test_process_spawn_task_timeout_aborts),
	    cmocka_unit_test(test_process_spawn_pins),
	};
	/* Every executor that runs job->fn (not process-spawn). */
	static char matrix_names[6][64];
	pthread_t first;

	if (argc > 1 && !strcmp(argv[1], EX_SPAWN_WORKER_FLAG))
		return spawn_worker(argc, argv);

	/* Workers of process executors inherit this mapping. */
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	reset_shared(1);
	/* A sanitizer may start a helper thread with the first thread; make
	 * that happen now, so that thread counts in tests are stable. */
	if (pthread_create(&first, NULL, do_nothing, NULL) == 0)
		pthread_join(first, NULL);
	nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
	sanitizer_threads = thread_count() - 1;
	resident_threads = sanitizer_threads;
	for (size_t e = 0; e < 6 && ex_all[e]; e++) {
		snprintf(matrix_names[e], sizeof(matrix_names[e]), "matrix/%s",
			 ex_all[e]->name);
		tests[5 + e].name = matrix_names[e];
		tests[5 + e].initial_state = (void *)ex_all[e];
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
