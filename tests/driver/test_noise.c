/*
 * The quiet-machine verdict (bench/driver/noise.c): /proc/stat parsing, the
 * accounting of others' CPU time and steal, and each threshold's reason.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "noise.h"

static const char stat_a[] = "cpu  1000 0 500 8000 100 0 0 0 0 0\n"
			     "cpu0 500 0 250 4000 50 0 0 0 0 0\n"
			     "procs_running 1\nprocs_blocked 0\n";
/* 1 s later on 2 CPUs at 100 ticks/s: 200 ticks, 100 busy, 10 stolen. */
static const char stat_b[] = "cpu  1080 0 520 8090 100 0 0 10 0 0\n"
			     "procs_running 3\n";

static void test_parse(void **state)
{
	struct pt_noise_sample s;

	(void)state;
	assert_int_equal(pt_noise_parse_stat(stat_a, &s), 0);
	assert_true(s.valid);
	assert_true(s.busy_ticks == 1500 && s.idle_ticks == 8100);
	assert_int_equal(s.runnable, 0);
	assert_int_equal(pt_noise_parse_stat("intr 1 2\n", &s), -EINVAL);
	assert_false(s.valid);
}

static void test_quiet_and_noisy(void **state)
{
	struct pt_noise_sample a, b;
	struct pt_noise n;

	(void)state;
	pt_noise_parse_stat(stat_a, &a);
	pt_noise_parse_stat(stat_b, &b);
	a.load1 = b.load1 = 0.5;
	/* Ours was all the busy time: quiet but for steal (5%). */
	a.own_cpu_s = 0;
	b.own_cpu_s = 1.0;
	b.runnable = 0;
	pt_noise_judge(&a, &b, 0.01, 2, 100, &n);
	assert_true(n.known);
	assert_true(fabs(n.foreign_cpu) < 1e-9);
	assert_true(fabs(n.steal - 0.05) < 1e-9);
	assert_true(n.noisy);
	assert_non_null(strstr(n.reasons, "steal"));
	assert_null(strstr(n.reasons, "others"));
	/* Others used half of the busy time: 0.5 s of 2 CPU-s = 25%. */
	b.steal_ticks = a.steal_ticks;
	b.idle_ticks += 10;
	b.own_cpu_s = 0.5;
	pt_noise_judge(&a, &b, NAN, 2, 100, &n);
	assert_true(fabs(n.foreign_cpu - 0.25) < 1e-9);
	assert_non_null(strstr(n.reasons, "others used 25%"));
	/* Quiet: all ours, small cv, nothing runnable, low load. */
	b.own_cpu_s = 1.0;
	pt_noise_judge(&a, &b, 0.01, 2, 100, &n);
	assert_false(n.noisy);
	assert_string_equal(n.reasons, "");
	/* cv, runnable at both samples, load: one reason each. */
	a.runnable = b.runnable = 2;
	a.load1 = 9;
	pt_noise_judge(&a, &b, 0.2, 2, 100, &n);
	assert_non_null(strstr(n.reasons, "cv 20.0%"));
	assert_non_null(strstr(n.reasons, "2 other runnable"));
	assert_non_null(strstr(n.reasons, "load average 9.0"));
}

static void test_cv(void **state)
{
	const double v[] = {1, 2, 3};

	(void)state;
	assert_true(isnan(pt_noise_cv(v, 2)));
	assert_true(fabs(pt_noise_cv(v, 3) - 0.5) < 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_quiet_and_noisy),
	    cmocka_unit_test(test_cv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
