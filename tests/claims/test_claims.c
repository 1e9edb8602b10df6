/*
 * The decision rules of `bench claims` on fixture figures: for each claim, a
 * case that holds, one that does not, one that holds only when (where the
 * rule has that outcome), and one with a figure missing (no data).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "claims_rules.h"

#define EXPECT(d, v)                                                           \
	do {                                                                   \
		assert_string_equal(cl_verdict_name((d).verdict),              \
				    cl_verdict_name(v));                       \
		assert_true((d).rule[0] != '\0');                              \
		if ((v) != CL_NO_DATA)                                         \
			assert_true((d).figures[0] != '\0');                   \
		if ((v) == CL_HOLDS_ONLY_WHEN)                                 \
			assert_true((d).condition[0] != '\0');                 \
	} while (0)

static void scaling(void **unused)
{
	struct cl_decision d;
	struct cl_scaling f = {.cpus = 4, .workers = 4, .serial_s = 4};

	(void)unused;
	f.pool_s = 1.1; /* x3.6 of 4 */
	cl_decide_scaling(&f, &d);
	EXPECT(d, CL_HOLDS);
	assert_non_null(strstr(d.figures, "3.64"));
	f.pool_s = 3.9; /* x1.03 */
	cl_decide_scaling(&f, &d);
	EXPECT(d, CL_DOES_NOT_HOLD);
	f.pool_s = 2; /* x2 of 4 */
	cl_decide_scaling(&f, &d);
	EXPECT(d, CL_HOLDS_ONLY_WHEN);
	f.pool_s = NAN;
	cl_decide_scaling(&f, &d);
	EXPECT(d, CL_NO_DATA);
	/* One CPU cannot show scaling at all, and says why. */
	f = (struct cl_scaling){
	    .cpus = 1, .workers = 1, .serial_s = 1, .pool_s = 1};
	cl_decide_scaling(&f, &d);
	EXPECT(d, CL_NO_DATA);
	assert_true(d.limit[0] != '\0');
}

static void gil(void **unused)
{
	struct cl_decision d;
	struct cl_gil f = {.cpus = 2,
			   .workers = 2,
			   .serial_full_s = 1,
			   .thread_full_s = 1.02,
			   .process_full_s = 0.52,
			   .serial_half_s = 1,
			   .thread_half_s = 0.98,
			   .process_half_s = 0.52};

	(void)unused;
	cl_decide_gil(&f, &d);
	EXPECT(d, CL_HOLDS);
	f.thread_half_s = 0.7; /* x1.43: threads gain at a partial hold */
	cl_decide_gil(&f, &d);
	EXPECT(d, CL_HOLDS_ONLY_WHEN);
	assert_non_null(strstr(d.condition, "1.43"));
	f.thread_full_s = 0.55; /* threads scale with the lock held */
	cl_decide_gil(&f, &d);
	EXPECT(d, CL_DOES_NOT_HOLD);
	f.process_full_s = NAN;
	cl_decide_gil(&f, &d);
	EXPECT(d, CL_NO_DATA);
}

/* A speedup measured without spread (one repetition each). */
static struct cl_speedup exact(double x)
{
	return (struct cl_speedup){x, x, x};
}

static void gil_real(void **unused)
{
	struct cl_decision d;
	struct cl_gil_real f = {.cpus = 2,
				.workers = 2,
				.python = true,
				.hold = 0.5,
				.emulated_full = exact(0.80),
				.real_full = exact(0.90),
				.emulated_part = exact(1.70),
				.real_part = exact(1.85)};

	(void)unused;
	cl_decide_gil_real(&f, &d);
	EXPECT(d, CL_HOLDS);
	assert_non_null(strstr(d.figures, "py-bytecode x0.90"));
	assert_string_equal(d.limit, "");
	f.emulated_part = exact(1.2); /* 35% below the interpreter at 0.5 */
	cl_decide_gil_real(&f, &d);
	EXPECT(d, CL_HOLDS_ONLY_WHEN);
	assert_non_null(strstr(d.condition, "whole task"));
	f.emulated_full = exact(0.5); /* and 44% below at hold 1 */
	cl_decide_gil_real(&f, &d);
	EXPECT(d, CL_DOES_NOT_HOLD);
	f.emulated_part = exact(1.85); /* the partial hold alone agrees */
	cl_decide_gil_real(&f, &d);
	EXPECT(d, CL_HOLDS_ONLY_WHEN);
	assert_non_null(strstr(d.condition, "part of the task"));
	assert_string_equal(d.limit, "");

	/* Medians agree, but the spread reaches past the 15% bound: the
	 * verdict stands and the row says it is noisy. */
	f.emulated_full = (struct cl_speedup){0.88, 0.70, 0.95};
	f.real_full = exact(0.90);
	cl_decide_gil_real(&f, &d);
	EXPECT(d, CL_HOLDS);
	assert_non_null(strstr(d.limit, "noisy: the hold=1 ratio"));
	assert_non_null(strstr(d.figures, "ratio 0.98 [0.78, 1.06]"));
	/* Medians differ, but not beyond the spread: noisy too. */
	f.emulated_part = (struct cl_speedup){1.20, 1.10, 1.80};
	cl_decide_gil_real(&f, &d);
	EXPECT(d, CL_HOLDS_ONLY_WHEN);
	assert_non_null(strstr(d.limit, "both ratios"));
	/* A settled difference, and a settled agreement: quiet. */
	f.emulated_full = (struct cl_speedup){0.88, 0.86, 0.90};
	f.emulated_part = (struct cl_speedup){1.00, 0.95, 1.05};
	f.real_part = (struct cl_speedup){1.85, 1.80, 1.90};
	cl_decide_gil_real(&f, &d);
	EXPECT(d, CL_HOLDS_ONLY_WHEN);
	assert_string_equal(d.limit, "");
	/* Entries the supervisor marked noisy. */
	f.noisy = true;
	cl_decide_gil_real(&f, &d);
	EXPECT(d, CL_HOLDS_ONLY_WHEN);
	assert_non_null(strstr(d.limit, "noisy: entries marked noisy"));
	f.noisy = false;

	f.python = false;
	cl_decide_gil_real(&f, &d);
	EXPECT(d, CL_NO_DATA);
	assert_non_null(strstr(d.limit, "without Python"));
	f.python = true;
	f.real_part.mid = NAN;
	cl_decide_gil_real(&f, &d);
	EXPECT(d, CL_NO_DATA);
}

static void isolation(void **unused)
{
	struct cl_decision d;
	struct cl_isolation f = {
	    .writes = 100, .thread_visible = 100, .process_visible = 0};

	(void)unused;
	cl_decide_isolation(&f, &d);
	EXPECT(d, CL_HOLDS);
	f.process_visible = 3;
	cl_decide_isolation(&f, &d);
	EXPECT(d, CL_DOES_NOT_HOLD);
	f.thread_visible = NAN;
	cl_decide_isolation(&f, &d);
	EXPECT(d, CL_NO_DATA);
}

static void crash(void **unused)
{
	struct cl_decision d;
	struct cl_crash f = {.process_completed = true,
			     .process_failed = 1,
			     .process_tasks = 100,
			     .thread_crashed = true,
			     .thread_reason = "killed by SIGSEGV"};

	(void)unused;
	cl_decide_crash(&f, &d);
	EXPECT(d, CL_HOLDS);
	assert_non_null(strstr(d.figures, "SIGSEGV"));
	f.process_completed = false;
	cl_decide_crash(&f, &d);
	EXPECT(d, CL_DOES_NOT_HOLD);
	f.process_completed = true;
	f.thread_crashed = false;
	cl_decide_crash(&f, &d);
	EXPECT(d, CL_DOES_NOT_HOLD);
	f.process_tasks = NAN;
	cl_decide_crash(&f, &d);
	EXPECT(d, CL_NO_DATA);
}

static void creation(void **unused)
{
	struct cl_decision d;
	struct cl_creation f = {.workers = 8,
				.process_per_worker_s = 200e-6,
				.thread_per_worker_s = 30e-6};

	(void)unused;
	cl_decide_creation(&f, &d);
	EXPECT(d, CL_HOLDS);
	f.process_per_worker_s = 31e-6;
	cl_decide_creation(&f, &d);
	EXPECT(d, CL_DOES_NOT_HOLD);
	f.process_per_worker_s = 39e-6; /* 1.3x */
	cl_decide_creation(&f, &d);
	EXPECT(d, CL_HOLDS_ONLY_WHEN);
	f.thread_per_worker_s = 0;
	cl_decide_creation(&f, &d);
	EXPECT(d, CL_NO_DATA);
}

static void footprint(void **unused)
{
	const double gib = 1024.0 * 1024 * 1024;
	struct cl_decision d;
	/* Copying runs at 4 GiB/s: 250 ms per GiB. */
	struct cl_footprint f = {.n = 3,
				 .parent_bytes = {0, gib, 2 * gib},
				 .fork_task_s = {200e-6, 2e-3, 3.8e-3},
				 .thread_task_s = {30e-6, 30e-6, 30e-6},
				 .copy_bytes_per_s = 4 * gib};

	(void)unused;
	/* Page tables: +1.8 ms per GiB, far below 250 ms: in part. */
	cl_decide_footprint(&f, &d);
	EXPECT(d, CL_HOLDS_ONLY_WHEN);
	assert_non_null(strstr(d.condition, "page tables"));
	assert_null(strstr(d.figures, "forkserver"));
	/* The other start methods, where measured, are in the figures. */
	f.forkserver_task_s[0] = 150e-6;
	f.forkserver_task_s[2] = 160e-6;
	f.spawn_task_s[0] = 3e-3;
	f.spawn_task_s[2] = 3.1e-3;
	cl_decide_footprint(&f, &d);
	EXPECT(d, CL_HOLDS_ONLY_WHEN);
	assert_non_null(strstr(d.figures, "; forkserver per task 150 us -> "
					  "160 us; spawn per task 3"));
	/* Grows like a copy would. */
	f.fork_task_s[1] = 0.25;
	f.fork_task_s[2] = 0.5;
	cl_decide_footprint(&f, &d);
	EXPECT(d, CL_HOLDS);
	/* Flat. */
	f.fork_task_s[1] = 201e-6;
	f.fork_task_s[2] = 202e-6;
	cl_decide_footprint(&f, &d);
	EXPECT(d, CL_DOES_NOT_HOLD);
	f.copy_bytes_per_s = NAN;
	cl_decide_footprint(&f, &d);
	EXPECT(d, CL_NO_DATA);
}

static void io(void **unused)
{
	struct cl_decision d;
	struct cl_io f = {
	    .workers = 32,
	    .n = 2,
	    .c = {{"io-sleep", 1000, 1000, 0.01, 0.05, 10e6, 80e6},
		  {"io-net", 5000, 5000, 0.2, 0.35, 12e6, 90e6}},
	};

	(void)unused;
	cl_decide_io(&f, &d);
	EXPECT(d, CL_HOLDS);
	f.c[1].thread_items_per_s = 3000; /* threads slower on io-net */
	cl_decide_io(&f, &d);
	EXPECT(d, CL_HOLDS_ONLY_WHEN);
	assert_non_null(strstr(d.condition, "io-sleep"));
	f.c[0].thread_items_per_s = 100;
	cl_decide_io(&f, &d);
	EXPECT(d, CL_DOES_NOT_HOLD);
	f.c[0].thread_items_per_s = NAN;
	f.c[1].thread_items_per_s = NAN;
	cl_decide_io(&f, &d);
	EXPECT(d, CL_NO_DATA);
}

static void ipc(void **unused)
{
	struct cl_decision d;
	struct cl_ipc f = {.n = 3,
			   .size = {4096, 1 << 20, 16 << 20},
			   .thread_bps = {1e9, 8e9, 8e9},
			   .shm_bps = {0.9e9, 3e9, 3e9},
			   .pipe_bps = {0.3e9, 1e9, 1e9}};

	(void)unused;
	cl_decide_ipc(&f, &d);
	EXPECT(d, CL_HOLDS);
	assert_non_null(strstr(d.figures, "dominates from 4 KiB"));
	f.shm_bps[2] = 7.9e9; /* shared memory keeps up */
	cl_decide_ipc(&f, &d);
	EXPECT(d, CL_HOLDS_ONLY_WHEN);
	f.pipe_bps[2] = 7.9e9;
	cl_decide_ipc(&f, &d);
	EXPECT(d, CL_DOES_NOT_HOLD);
	f.pipe_bps[2] = NAN;
	cl_decide_ipc(&f, &d);
	EXPECT(d, CL_NO_DATA);
}

static void poolsize(void **unused)
{
	struct cl_decision d;
	struct cl_poolsize f = {.cpus = 2,
				.n = 4,
				.workers = {1, 2, 4, 8},
				.wall_s = {2, 1.0, 1.01, 1.05}};

	(void)unused;
	cl_decide_poolsize(&f, &d);
	EXPECT(d, CL_HOLDS);
	f.wall_s[3] = 0.9; /* W = 8 10% faster */
	cl_decide_poolsize(&f, &d);
	EXPECT(d, CL_HOLDS_ONLY_WHEN);
	f.wall_s[3] = 0.5;
	cl_decide_poolsize(&f, &d);
	EXPECT(d, CL_DOES_NOT_HOLD);
	f.workers[1] = 3; /* W = CPUs not measured */
	cl_decide_poolsize(&f, &d);
	EXPECT(d, CL_NO_DATA);
}

static void order(void **unused)
{
	struct cl_decision d;
	struct cl_order f = {.tasks_checked = 1000, .jobs_checked = 10};

	(void)unused;
	cl_decide_order(&f, &d);
	EXPECT(d, CL_HOLDS);
	f.misplaced = 1;
	cl_decide_order(&f, &d);
	EXPECT(d, CL_DOES_NOT_HOLD);
	f.tasks_checked = 0;
	cl_decide_order(&f, &d);
	EXPECT(d, CL_NO_DATA);
}

static void balance(void **unused)
{
	struct cl_decision d;
	struct cl_balance f = {.workers = 2,
			       .static_s = 1.5,
			       .dynamic_s = 1.0,
			       .guided_s = 1.1,
			       .ideal_s = 0.98};

	(void)unused;
	cl_decide_balance(&f, &d);
	EXPECT(d, CL_HOLDS_ONLY_WHEN);
	assert_non_null(strstr(d.condition, "50%"));
	f.static_s = 1.02;
	cl_decide_balance(&f, &d);
	EXPECT(d, CL_HOLDS);
	f.static_s = 0.8;
	cl_decide_balance(&f, &d);
	EXPECT(d, CL_DOES_NOT_HOLD);
	f.guided_s = NAN;
	cl_decide_balance(&f, &d);
	EXPECT(d, CL_NO_DATA);
}

static void breakeven(void **unused)
{
	struct cl_decision d;
	struct cl_breakeven f = {.n = 3,
				 .workers = 2,
				 .task_s = {1e-6, 100e-6, 10e-3},
				 .process_speedup = {0.1, 0.8, 1.9},
				 .thread_speedup = {0.3, 1.5, 1.95}};
	double even;

	(void)unused;
	cl_decide_breakeven(&f, &d);
	EXPECT(d, CL_HOLDS);
	/* Speedup 1 is 2/11 of the way from 100 us to 10 ms, in log. */
	even = cl_breakeven_point(3, f.task_s, f.process_speedup);
	assert_float_equal(even, exp(log(100e-6) + 0.2 / 1.1 * log(100)),
			   1e-12);
	assert_true(cl_breakeven_point(3, f.task_s, f.thread_speedup) < 100e-6);
	f.process_speedup[0] = 1.2;
	cl_decide_breakeven(&f, &d);
	EXPECT(d, CL_HOLDS_ONLY_WHEN);
	assert_true(cl_breakeven_point(3, f.task_s, f.process_speedup) == 0);
	f.process_speedup[2] = 0.9;
	f.process_speedup[0] = 0.1;
	cl_decide_breakeven(&f, &d);
	EXPECT(d, CL_DOES_NOT_HOLD);
	assert_true(isinf(cl_breakeven_point(3, f.task_s, f.process_speedup)));
	f.task_s[1] = NAN;
	cl_decide_breakeven(&f, &d);
	EXPECT(d, CL_NO_DATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(scaling),	 cmocka_unit_test(gil),
	    cmocka_unit_test(gil_real),	 cmocka_unit_test(isolation),
	    cmocka_unit_test(crash),	 cmocka_unit_test(creation),
	    cmocka_unit_test(footprint), cmocka_unit_test(io),
	    cmocka_unit_test(ipc),	 cmocka_unit_test(poolsize),
	    cmocka_unit_test(order),	 cmocka_unit_test(balance),
	    cmocka_unit_test(breakeven),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
