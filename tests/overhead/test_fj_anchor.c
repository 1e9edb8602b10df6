/*
 * The raw fork-join anchor (bench/fj_anchor.c): every variant meets and
 * times, at one and several workers, and leaves no child; bad arguments
 * are refused; a worker killed mid-run fails the measurement with -ECHILD
 * instead of hanging it, and the others are reaped too. No speed asserted.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fj_anchor.h"

static bool no_child_left(void)
{
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static void test_every_variant(void **state)
{
	(void)state;
	for (unsigned v = 0; v < PT_FJ_VARIANTS; v++) {
		for (unsigned w = 1; w <= 3; w++) {
			double seconds = -1;

			assert_int_equal(pt_fj_anchor_time(v, w, 200, &seconds),
					 0);
			assert_true(seconds > 0);
			assert_true(no_child_left());
		}
	}
	assert_string_equal(pt_fj_variant_name(PT_FJ_SLEEP), "sleep");
	assert_string_equal(pt_fj_variant_name(PT_FJ_SPIN), "spin");
	assert_string_equal(pt_fj_variant_name(PT_FJ_YIELD), "yield");
	assert_string_equal(pt_fj_variant_name(PT_FJ_BARRIER), "barrier");
}

static void test_bad_arguments(void **state)
{
	double seconds;

	(void)state;
	assert_int_equal(pt_fj_anchor_time(PT_FJ_SLEEP, 0, 10, &seconds),
			 -EINVAL);
	assert_int_equal(pt_fj_anchor_time(PT_FJ_SLEEP, 2, 0, &seconds),
			 -EINVAL);
	assert_int_equal(pt_fj_anchor_time(PT_FJ_VARIANTS, 2, 10, &seconds),
			 -EINVAL);
	assert_true(no_child_left());
}

struct long_run {
	enum pt_fj_variant variant;
	pid_t tid;
	int ret;
};

static void *long_run_main(void *opaque)
{
	struct long_run *run = opaque;
	double seconds;

	run->tid = gettid();
	/* Far more meetings than the test waits for. */
	run->ret = pt_fj_anchor_time(run->variant, 2, 2000000000u, &seconds);
	return NULL;
}

/* The first child of thread tid, from /proc; 0 while it has none. */
static pid_t first_child(pid_t tid)
{
	char path[64];
	FILE *f;
	int pid = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid;
}

static void test_killed_worker(void **state)
{
	(void)state;
	for (unsigned v = 0; v < PT_FJ_VARIANTS; v++) {
		struct long_run run = {.variant = v, .ret = 1};
		pthread_t thread;
		pid_t victim = 0;

		assert_int_equal(
		    pthread_create(&thread, NULL, long_run_main, &run), 0);
		for (int tries = 0; victim == 0 && tries < 10000; tries++) {
			nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
			if (__atomic_load_n(&run.tid, __ATOMIC_SEQ_CST))
				victim = first_child(run.tid);
		}
		assert_true(victim > 0);
		kill(victim, SIGKILL);
		pthread_join(thread, NULL);
		assert_int_equal(run.ret, -ECHILD);
		assert_true(no_child_left());
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_variant),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_killed_worker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
