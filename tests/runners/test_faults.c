/*
 * Fault tolerance of the process executors (never timing): under the
 * failure policies continue and retry:N a job whose task crashes, exits,
 * is killed from outside or hangs past the task timeout still finishes;
 * exactly the failing tasks are recorded, with the right reason and number
 * of attempts; every other task ran exactly once with the right checksum,
 * whatever the schedule (so a dead worker's remaining static share or
 * dynamic chunk was resumed); and the executor stays usable and leaves no
 * child behind. Under abort the same faults fail the job, naming the task.
 *
 * As in test_executors.c, tasks count their runs in a MAP_SHARED mapping
 * made before any executor starts, which also carries the instructions:
 * which tasks fail, how, and how many of their runs.
 */
#include "executor.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define TASKS	    200
#define MAX_FAILING 4
#define NO_TASK	    UINT64_MAX
#define TIMEOUT_NS  200000000u /* 0.2 s: only hanging tasks reach it */
#define ALWAYS	    UINT32_MAX

enum how { CRASH_SEGV, CRASH_ABORT, EXIT_3, HANG, KILLED_FROM_OUTSIDE };

struct shared_context {
	uint64_t failing[MAX_FAILING]; /* NO_TASK, or a task that fails */
	enum how how;
	uint32_t failing_runs;	     /* its first N runs fail (ALWAYS) */
	_Atomic pid_t victim_pid;    /* KILLED_FROM_OUTSIDE: who to kill */
	_Atomic pid_t worker_pid[4]; /* the process that ran as worker w */
	_Atomic uint32_t runs[TASKS];
};

static struct shared_context *shared;

static uint64_t checksum_of(uint64_t index)
{
	return (index + 7) * UINT64_C(0xD1B54A32D192ED03) ^ (index >> 2);
}

static bool is_failing(uint64_t index)
{
	for (int k = 0; k < MAX_FAILING; k++)
		if (shared->failing[k] == index)
			return true;
	return false;
}

static uint64_t faulty_task(void *arg, uint64_t index, unsigned worker)
{
	struct shared_context *context = arg;
	uint32_t run = atomic_fetch_add(&context->runs[index], 1) + 1;

	if (worker < 4)
		atomic_store(&context->worker_pid[worker], getpid());
	if (is_failing(index) && run <= context->failing_runs) {
		switch (context->how) {
		case CRASH_SEGV:
			/* cmocka's handler, inherited by fork, must not run */
			signal(SIGSEGV, SIG_DFL);
			raise(SIGSEGV);
			break;
		case CRASH_ABORT:
			abort();
		case EXIT_3:
			_exit(3);
		case HANG:
			for (;;)
				pause();
		case KILLED_FROM_OUTSIDE:
			atomic_store(&context->victim_pid, getpid());
			for (;;)
				pause();
		}
	}
	/* A little work, so that workers overlap. */
	for (volatile int spin = 0; spin < 2000; spin++)
		;
	return checksum_of(index);
}

static void reset(enum how how, uint32_t failing_runs, uint64_t a, uint64_t b)
{
	shared->how = how;
	shared->failing_runs = failing_runs;
	for (int k = 0; k < MAX_FAILING; k++)
		shared->failing[k] = NO_TASK;
	shared->failing[0] = a;
	shared->failing[1] = b;
	atomic_store(&shared->victim_pid, 0);
	for (int i = 0; i < TASKS; i++)
		atomic_store(&shared->runs[i], 0);
}

static void assert_no_child_left(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* Kills whichever worker announces itself in victim_pid. */
static void *killer_main(void *arg)
{
	pid_t victim;

	(void)arg;
	while ((victim = atomic_load(&shared->victim_pid)) == 0)
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	kill(victim, SIGKILL);
	return NULL;
}

static struct executor *start(const char *name, enum ex_schedule schedule,
			      uint64_t chunk, unsigned workers,
			      enum ex_on_failure policy, unsigned retries,
			      uint64_t timeout_ns)
{
	struct ex_config config = {
	    .workers = workers,
	    .schedule = schedule,
	    .chunk = chunk,
	    .max_tasks = TASKS,
	    .on_failure = policy,
	    .retries = retries,
	    .task_timeout_ns = timeout_ns,
	};
	struct executor *ex = NULL;
	char err[256] = "";

	if (ex_find(name)->start(&config, &ex, err, sizeof(err)) != 0)
		fail_msg("%s start: %s", name, err);
	return ex;
}

/*
 * Maps one job of TASKS tasks and checks it: map() returns 0, the failed
 * tasks are exactly want_failed (ascending, want_count of them), every
 * other task ran exactly once (or, if it is failing but recovers, as often
 * as it failed plus one) with the right checksum.
 */
static void map_expecting(struct executor *ex, const uint64_t *want_failed,
			  unsigned want_count, unsigned want_attempts,
			  const char *want_why)
{
	static uint64_t results[TASKS];
	struct ex_failure list[MAX_FAILING];
	struct ex_failures failures = {.list = list, .capacity = MAX_FAILING};
	struct ex_job job = {.fn = faulty_task,
			     .arg = shared,
			     .ntasks = TASKS,
			     .results = results,
			     .failures = &failures};
	pthread_t killer;
	int ret;

	for (int i = 0; i < TASKS; i++)
		results[i] = 0;
	if (shared->how == KILLED_FROM_OUTSIDE)
		assert_int_equal(
		    pthread_create(&killer, NULL, killer_main, NULL), 0);
	ret = ex->ops->map(ex, &job);
	if (shared->how == KILLED_FROM_OUTSIDE)
		pthread_join(killer, NULL);
	if (ret != 0)
		fail_msg("%s: map: %d %s", ex->ops->name, ret, ex_error(ex));
	assert_int_equal(failures.count, want_count);
	for (unsigned k = 0; k < want_count; k++) {
		char text[256];

		assert_int_equal(list[k].task, want_failed[k]);
		assert_int_equal(list[k].attempts, want_attempts);
		assert_int_equal(atomic_load(&shared->runs[want_failed[k]]),
				 want_attempts);
		ex_failure_describe(&list[k], ex->config.task_timeout_ns, text,
				    sizeof(text));
		if (!strstr(text, want_why))
			fail_msg("%s: failure \"%s\", wanted \"%s\"",
				 ex->ops->name, text, want_why);
	}
	assert_true(failures.detections >= want_count);
	for (uint64_t i = 0; i < TASKS; i++) {
		bool failed = false;
		uint32_t want_runs = 1;

		for (unsigned k = 0; k < want_count; k++)
			failed |= want_failed[k] == i;
		if (failed)
			continue;
		if (is_failing(i) && shared->failing_runs != ALWAYS)
			want_runs = shared->failing_runs + 1;
		if (atomic_load(&shared->runs[i]) != want_runs ||
		    results[i] != checksum_of(i))
			fail_msg("%s: task %llu ran %u times (want %u), "
				 "result %llx",
				 ex->ops->name, (unsigned long long)i,
				 atomic_load(&shared->runs[i]), want_runs,
				 (unsigned long long)results[i]);
	}
	if (ex->config.on_failure == EX_ON_FAILURE_RETRY)
		assert_int_equal(
		    failures.retried,
		    want_count * ex->config.retries +
			(want_count == 0 && shared->failing_runs != ALWAYS
			     ? shared->failing_runs
			     : 0));
}

/* The executor still runs a clean job correctly after its faults. */
static void assert_still_works(struct executor *ex)
{
	reset(CRASH_SEGV, ALWAYS, NO_TASK, NO_TASK);
	map_expecting(ex, NULL, 0, 0, "");
}

struct schedule_case {
	enum ex_schedule schedule;
	uint64_t chunk;
};

static const struct schedule_case schedules[] = {
    {EX_SCHED_STATIC, 0},  {EX_SCHED_STATIC, 3}, {EX_SCHED_DYNAMIC, 0},
    {EX_SCHED_DYNAMIC, 8}, {EX_SCHED_GUIDED, 0},
};

/*
 * continue on the process pool, every schedule, W in {1, 2, 3}: two tasks
 * crash (one early, inside the first chunk or static share, one late); the
 * dead workers' remaining tasks are resumed and every other task is right.
 */
static void test_pool_continue_every_schedule(void **state)
{
	const uint64_t failed[] = {5, 150};
	const unsigned workers[] = {1, 2, 3};

	(void)state;
	for (size_t s = 0; s < sizeof(schedules) / sizeof(*schedules); s++) {
		for (size_t w = 0; w < 3; w++) {
			struct executor *ex =
			    start("process-pool", schedules[s].schedule,
				  schedules[s].chunk, workers[w],
				  EX_ON_FAILURE_CONTINUE, 0, 0);

			reset(CRASH_SEGV, ALWAYS, 5, 150);
			map_expecting(ex, failed, 2, 1, "killed by SIGSEGV");
			reset(EXIT_3, ALWAYS, 5, NO_TASK);
			map_expecting(ex, failed, 1, 1, "exited with status 3");
			assert_still_works(ex);
			ex->ops->stop(ex);
			assert_no_child_left();
		}
	}
}

/* continue on process-per-task: same faults, same outcome. */
static void test_per_task_continue(void **state)
{
	const uint64_t failed[] = {5, 150};

	(void)state;
	for (unsigned w = 1; w <= 3; w++) {
		struct executor *ex = start("process-per-task", EX_SCHED_STATIC,
					    0, w, EX_ON_FAILURE_CONTINUE, 0, 0);

		reset(CRASH_ABORT, ALWAYS, 5, 150);
		map_expecting(ex, failed, 2, 1, "killed by SIGABRT");
		assert_still_works(ex);
		ex->ops->stop(ex);
		assert_no_child_left();
	}
}

/*
 * retry:N: a task that always fails runs N + 1 times and is recorded with
 * N + 1 attempts; a task that fails only twice recovers under retry:3 and
 * is not recorded, with 2 retries counted.
 */
static void test_retry_counts(void **state)
{
	const char *const names[] = {"process-pool", "process-per-task"};
	const uint64_t failed[] = {42};

	(void)state;
	for (size_t e = 0; e < 2; e++) {
		for (size_t s = 0; s < sizeof(schedules) / sizeof(*schedules);
		     s++) {
			struct executor *ex = start(
			    names[e], schedules[s].schedule, schedules[s].chunk,
			    2, EX_ON_FAILURE_RETRY, 3, 0);

			reset(CRASH_ABORT, ALWAYS, 42, NO_TASK);
			map_expecting(ex, failed, 1, 4,
				      "killed by SIGABRT, 4 attempts");
			reset(EXIT_3, 2, 42, NO_TASK);
			map_expecting(ex, NULL, 0, 0, "");
			assert_int_equal(atomic_load(&shared->runs[42]), 3);
			assert_still_works(ex);
			ex->ops->stop(ex);
			assert_no_child_left();
			if (e == 1)
				break; /* per-task has no schedule */
		}
	}
}

/* A pool worker SIGKILLed from outside while it runs task 77. */
static void test_pool_worker_killed_from_outside(void **state)
{
	const uint64_t failed[] = {77};

	(void)state;
	for (size_t s = 0; s < sizeof(schedules) / sizeof(*schedules); s++) {
		struct executor *ex =
		    start("process-pool", schedules[s].schedule,
			  schedules[s].chunk, 2, EX_ON_FAILURE_CONTINUE, 0, 0);

		reset(KILLED_FROM_OUTSIDE, ALWAYS, 77, NO_TASK);
		map_expecting(ex, failed, 1, 1, "killed by SIGKILL");
		assert_still_works(ex);
		ex->ops->stop(ex);
		assert_no_child_left();
	}
}

/*
 * A worker killed between jobs under continue: the next job notices, no
 * task failed, and the dead worker's static share runs on the others.
 */
static void test_pool_idle_death_loses_nothing(void **state)
{
	struct executor *ex = start("process-pool", EX_SCHED_STATIC, 0, 3,
				    EX_ON_FAILURE_CONTINUE, 0, 0);
	pid_t victim;

	(void)state;
	assert_still_works(ex);
	victim = atomic_load(&shared->worker_pid[1]);
	assert_true(victim > 0 && victim != getpid());
	assert_int_equal(kill(victim, SIGKILL), 0);
	assert_still_works(ex);
	assert_still_works(ex);
	assert_int_not_equal(atomic_load(&shared->worker_pid[1]), victim);
	ex->ops->stop(ex);
	assert_no_child_left();
}

/* A hanging task is killed past the task timeout, and the job goes on. */
static void test_task_timeout(void **state)
{
	const char *const names[] = {"process-pool", "process-per-task"};
	const uint64_t failed[] = {9};

	(void)state;
	for (size_t e = 0; e < 2; e++) {
		struct executor *ex =
		    start(names[e], EX_SCHED_DYNAMIC, 0, 2,
			  EX_ON_FAILURE_CONTINUE, 0, TIMEOUT_NS);

		reset(HANG, ALWAYS, 9, NO_TASK);
		map_expecting(ex, failed, 1, 1,
			      "timed out after 0.2 s (killed)");
		assert_still_works(ex);
		ex->ops->stop(ex);

		ex = start(names[e], EX_SCHED_STATIC, 0, 2, EX_ON_FAILURE_RETRY,
			   1, TIMEOUT_NS);
		reset(HANG, ALWAYS, 9, NO_TASK);
		map_expecting(ex, failed, 1, 2, "timed out after 0.2 s");
		reset(HANG, 1, 9, NO_TASK);
		map_expecting(ex, NULL, 0, 0, "");
		ex->ops->stop(ex);
		assert_no_child_left();
	}
}

/* Under abort (the default) a fault fails the job and names the task. */
static void test_abort_names_the_task(void **state)
{
	const char *const names[] = {"process-pool", "process-per-task"};

	(void)state;
	for (size_t e = 0; e < 2; e++) {
		static uint64_t results[TASKS];
		struct ex_job job = {.fn = faulty_task,
				     .arg = shared,
				     .ntasks = TASKS,
				     .results = results};
		struct executor *ex = start(names[e], EX_SCHED_DYNAMIC, 0, 2,
					    EX_ON_FAILURE_ABORT, 0, TIMEOUT_NS);

		reset(HANG, ALWAYS, 9, NO_TASK);
		assert_int_equal(ex->ops->map(ex, &job), -ECHILD);
		if (!strstr(ex_error(ex), "task 9: worker ") ||
		    !strstr(ex_error(ex), "timed out after 0.2 s"))
			fail_msg("%s: %s", names[e], ex_error(ex));
		/* continue without a failure record behaves as abort */
		ex->ops->stop(ex);
		ex = start(names[e], EX_SCHED_DYNAMIC, 0, 2,
			   EX_ON_FAILURE_CONTINUE, 0, 0);
		reset(EXIT_3, ALWAYS, 9, NO_TASK);
		assert_int_equal(ex->ops->map(ex, &job), -ECHILD);
		assert_non_null(strstr(ex_error(ex), "exited with status 3"));
		assert_still_works(ex);
		ex->ops->stop(ex);
		assert_no_child_left();
	}
}

/* Detection and replacement are recorded for every death. */
static void test_detection_and_replacement_recorded(void **state)
{
	static uint64_t results[TASKS];
	struct ex_failure list[MAX_FAILING];
	struct ex_failures failures = {.list = list, .capacity = 1};
	struct ex_job job = {.fn = faulty_task,
			     .arg = shared,
			     .ntasks = TASKS,
			     .results = results,
			     .failures = &failures};
	struct executor *ex = start("process-pool", EX_SCHED_DYNAMIC, 0, 2,
				    EX_ON_FAILURE_CONTINUE, 0, 0);

	(void)state;
	reset(CRASH_SEGV, ALWAYS, 3, 100);
	assert_int_equal(ex->ops->map(ex, &job), 0);
	/* capacity 1: both counted, the first listed */
	assert_int_equal(failures.count, 2);
	assert_int_equal(list[0].task, 3);
	assert_int_equal(failures.detections, 2);
	assert_int_equal(failures.replacements, 2);
	assert_true(failures.detect_s >= 0 && failures.replace_s > 0);
	ex->ops->stop(ex);
	assert_no_child_left();
}

static void test_policy_names(void **state)
{
	const char *const good[] = {"abort", "continue", "retry:1",
				    "retry:1000000"};
	const char *const bad[] = {
	    "",		"retry",    "retry:",	"retry:0",
	    "retry:-1", "retry:1x", "Continue", "retry:1000001"};
	enum ex_on_failure policy;
	unsigned retries;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		char text[32];

		assert_int_equal(
		    ex_on_failure_parse(good[i], &policy, &retries), 0);
		ex_on_failure_format(policy, retries, text, sizeof(text));
		assert_string_equal(text, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(ex_on_failure_parse(bad[i], &policy, &retries),
				 -EINVAL);
	assert_int_equal(ex_on_failure_parse(NULL, &policy, &retries), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_policy_names),
	    cmocka_unit_test(test_pool_continue_every_schedule),
	    cmocka_unit_test(test_per_task_continue),
	    cmocka_unit_test(test_retry_counts),
	    cmocka_unit_test(test_pool_worker_killed_from_outside),
	    cmocka_unit_test(test_pool_idle_death_loses_nothing),
	    cmocka_unit_test(test_task_timeout),
	    cmocka_unit_test(test_abort_names_the_task),
	    cmocka_unit_test(test_detection_and_replacement_recorded),
	};

	/* Workers of process executors inherit this mapping. */
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	reset(CRASH_SEGV, ALWAYS, NO_TASK, NO_TASK);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
