/*
 * Unit tests of workloads/: the registry, parameter parsing and formatting,
 * and the behaviour (not the speed) of every kernel.
 *
 * Kernels are run with small parameters, each task twice in different
 * orders, to check the invariant of workload.h: a task's checksum depends on
 * its parameters and index only. Tasks that must kill their process (the
 * fault workload) run in forked children, with cmocka's signal handlers
 * reset so the child dies the way a worker would. The whole suite points
 * TMPDIR at a fresh directory and checks at the end that nothing is left in
 * it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wl_kernels.h"
#include "wl_testing.h"
#include "workload.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* The directory TMPDIR points at for the whole run. */
static char test_tmpdir[] = "/tmp/test_workloads-XXXXXX";

static unsigned count_entries(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *entry;
	unsigned n = 0;

	if (!dir)
		return 0;
	while ((entry = readdir(dir)) != NULL)
		if (strcmp(entry->d_name, ".") && strcmp(entry->d_name, ".."))
			n++;
	closedir(dir);
	return n;
}

static int group_setup(void **state)
{
	(void)state;
	if (!mkdtemp(test_tmpdir))
		return -1;
	return setenv("TMPDIR", test_tmpdir, 1);
}

static int group_teardown(void **state)
{
	unsigned left = count_entries(test_tmpdir);

	(void)state;
	if (left)
		fprintf(stderr, "%u entries left in %s\n", left, test_tmpdir);
	return rmdir(test_tmpdir) == 0 && left == 0 ? 0 : -1;
}

/* ---- registry ---------------------------------------------------------- */

static void test_registry_complete(void **state)
{
	unsigned n = 0;

	(void)state;
	for (; wl_all[n]; n++) {
		const struct workload *w = wl_all[n];

		assert_non_null(w->name);
		assert_true(strlen(w->name) > 0);
		for (const char *c = w->name; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') ||
				    (*c >= '0' && *c <= '9') || *c == '-');
		assert_non_null(w->summary);
		assert_true(strlen(w->summary) > 0);
		assert_string_not_equal(wl_kind_name(w->kind), "unknown");
		assert_non_null(w->params);
		assert_non_null(w->setup);
		assert_non_null(w->run_task);
		assert_true(w->default_tasks > 0);
		assert_null(w->unavailable);
		assert_true(wl_param_count(w) <= WL_MAX_PARAMS);
		for (unsigned m = 0; m < n; m++)
			assert_string_not_equal(w->name, wl_all[m]->name);

		for (unsigned i = 0; w->params[i].name; i++) {
			const struct wl_param *p = &w->params[i];
			unsigned nchoices = 0;

			assert_true(strlen(p->name) > 0);
			assert_non_null(p->help);
			assert_true(strlen(p->help) > 0);
			assert_true(p->min <= p->def && p->def <= p->max);
			if (p->integer)
				assert_true(p->def == floor(p->def));
			assert_int_equal(p->unit == WL_UNIT_CHOICE,
					 p->choices != NULL);
			while (p->choices && p->choices[nchoices])
				nchoices++;
			if (p->unit == WL_UNIT_CHOICE) {
				assert_true(nchoices > 0);
				assert_true(p->integer);
				assert_true(p->min == 0);
				assert_true(p->max == nchoices - 1);
			}
			for (unsigned j = 0; j < i; j++)
				assert_string_not_equal(p->name,
							w->params[j].name);
			assert_int_equal(wl_param_index(w, p->name), (int)i);
		}
		assert_int_equal(wl_param_index(w, "no-such-param"), -1);
	}
	assert_true(n >= 6);
}

static void test_registry_find(void **state)
{
	(void)state;
	for (unsigned i = 0; wl_all[i]; i++)
		assert_ptr_equal(wl_find(wl_all[i]->name), wl_all[i]);
	assert_ptr_equal(wl_find("cpu-hash"), &wl_cpu_hash);
	assert_null(wl_find("no-such-workload"));
	assert_null(wl_find(""));
	assert_null(wl_find("CPU-HASH"));
	assert_null(wl_find("cpu-has"));
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(wl_kind_name(WL_CPU), "cpu");
	assert_string_equal(wl_kind_name(WL_MEMORY), "memory");
	assert_string_equal(wl_kind_name(WL_IO), "io");
	assert_string_equal(wl_kind_name(WL_IPC), "ipc");
	assert_string_equal(wl_kind_name(WL_CONTENTION), "contention");
	assert_string_equal(wl_kind_name(WL_FAULT), "fault");
}

static void test_param_defaults(void **state)
{
	double values[WL_MAX_PARAMS];

	(void)state;
	for (unsigned i = 0; wl_all[i]; i++) {
		const struct workload *w = wl_all[i];
		char err[256] = "";

		wl_param_defaults(w, values);
		for (unsigned j = 0; j < wl_param_count(w); j++)
			assert_true(values[j] == w->params[j].def);
		assert_int_equal(
		    wl_param_check_all(w, values, err, sizeof(err)), 0);
	}
}

/* ---- parameters -------------------------------------------------------- */

static const char *const test_modes[] = {"segv", "abort", "exit", "hang", NULL};

static const struct wl_param p_count = {.name = "n",
					.help = "a count",
					.unit = WL_UNIT_COUNT,
					.def = 1,
					.min = 0,
					.max = 1e12,
					.integer = true};
static const struct wl_param p_work = {.name = "work",
				       .help = "rounds",
				       .unit = WL_UNIT_COUNT,
				       .def = 1,
				       .min = 1,
				       .max = 1e9,
				       .integer = true};
static const struct wl_param p_bytes = {.name = "size",
					.help = "bytes",
					.unit = WL_UNIT_BYTES,
					.def = 0,
					.min = 0,
					.max = 1099511627776.0, /* 1 TiB */
					.integer = true};
static const struct wl_param p_seconds = {.name = "sleep",
					  .help = "time",
					  .unit = WL_UNIT_SECONDS,
					  .def = 0,
					  .min = 0,
					  .max = 1e6};
static const struct wl_param p_ratio = {.name = "r",
					.help = "fraction",
					.unit = WL_UNIT_RATIO,
					.def = 0,
					.min = 0,
					.max = 1};
static const struct wl_param p_choice = {.name = "mode",
					 .help = "how",
					 .unit = WL_UNIT_CHOICE,
					 .def = 0,
					 .min = 0,
					 .max = 3,
					 .integer = true,
					 .choices = test_modes};

struct good_case {
	const struct wl_param *p;
	const char *text;
	double value;
};

static const struct good_case good_cases[] = {
    {&p_count, "0", 0},
    {&p_count, "10", 10},
    {&p_count, "007", 7},
    {&p_count, "+7", 7},
    {&p_count, "10k", 10000},
    {&p_count, "1.5k", 1500},
    {&p_count, "1.1k", 1100},
    {&p_count, "2M", 2e6},
    {&p_count, "0.001M", 1000},
    {&p_count, "1G", 1e9},
    {&p_count, "1e3", 1000},
    {&p_count, "1E3", 1000},
    {&p_count, "2.5e2k", 250000},
    {&p_count, "1000000000000", 1e12},
    {&p_count, "-0", 0},
    {&p_bytes, "0", 0},
    {&p_bytes, "512", 512},
    {&p_bytes, "512B", 512},
    {&p_bytes, "1K", 1024},
    {&p_bytes, "1KiB", 1024},
    {&p_bytes, "64KiB", 65536},
    {&p_bytes, "1.5K", 1536},
    {&p_bytes, "0.5KiB", 512},
    {&p_bytes, "2M", 2097152},
    {&p_bytes, "2MiB", 2097152},
    {&p_bytes, "1G", 1073741824},
    {&p_bytes, "1GiB", 1073741824},
    {&p_bytes, "1024GiB", 1099511627776.0},
    {&p_seconds, "0", 0},
    {&p_seconds, "1", 1},
    {&p_seconds, "1s", 1},
    {&p_seconds, "0.5", 0.5},
    {&p_seconds, "1ms", 0.001},
    {&p_seconds, "1.5ms", 0.0015},
    {&p_seconds, "250us", 0.00025},
    {&p_seconds, "100ns", 1e-7},
    {&p_seconds, "2e-3", 0.002},
    {&p_seconds, "3e3ms", 3},
    {&p_ratio, "0.5", 0.5},
    {&p_ratio, ".25", 0.25},
    {&p_ratio, "1.", 1},
    {&p_ratio, "0", 0},
    {&p_ratio, "1", 1},
    {&p_ratio, "0.1", 0.1},
    {&p_choice, "segv", 0},
    {&p_choice, "abort", 1},
    {&p_choice, "exit", 2},
    {&p_choice, "hang", 3},
    {&p_work, "1", 1},
    {&p_work, "1G", 1e9},
};

static void test_parse_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]);
	     i++) {
		const struct good_case *c = &good_cases[i];
		char err[256] = "";
		double value = -12345;
		int rc =
		    wl_param_parse(c->p, c->text, &value, err, sizeof(err));

		if (rc != 0 || value != c->value || signbit(value)) {
			print_error("%s=\"%s\": rc %d value %.17g (want %.17g)"
				    " err \"%s\"\n",
				    c->p->name, c->text, rc, value, c->value,
				    err);
			fail();
		}
	}
}

struct bad_case {
	const struct wl_param *p;
	const char *text;
	int rc;
};

static const struct bad_case bad_cases[] = {
    {&p_count, "", -EINVAL},
    {&p_count, NULL, -EINVAL},
    {&p_count, "abc", -EINVAL},
    {&p_count, "10x", -EINVAL},
    {&p_count, " 10", -EINVAL},
    {&p_count, "10 ", -EINVAL},
    {&p_count, "1 0", -EINVAL},
    {&p_count, "1.5", -EINVAL},
    {&p_count, "0.0001k", -EINVAL},
    {&p_count, "-1", -ERANGE},
    {&p_count, "99999999999999999999", -ERANGE},
    {&p_count, "1e400", -ERANGE},
    {&p_count, "1e99999999999999999999", -ERANGE},
    {&p_count, "nan", -EINVAL},
    {&p_count, "NaN", -EINVAL},
    {&p_count, "inf", -EINVAL},
    {&p_count, "-inf", -EINVAL},
    {&p_count, "infinity", -EINVAL},
    {&p_count, "0x10", -EINVAL},
    {&p_count, "10K", -EINVAL},
    {&p_count, "10kk", -EINVAL},
    {&p_count, "10KiB", -EINVAL},
    {&p_count, "1e", -EINVAL},
    {&p_count, "1e+", -EINVAL},
    {&p_count, "e5", -EINVAL},
    {&p_count, ".", -EINVAL},
    {&p_count, "+", -EINVAL},
    {&p_count, "-", -EINVAL},
    {&p_count, "1,000", -EINVAL},
    {&p_count, "--1", -EINVAL},
    {&p_work, "0", -ERANGE},
    {&p_work, "2G", -ERANGE},
    {&p_work, "99999999999999999999", -ERANGE},
    {&p_bytes, "1.3", -EINVAL},
    {&p_bytes, "0.1K", -EINVAL},
    {&p_bytes, "1T", -EINVAL},
    {&p_bytes, "1Kib", -EINVAL},
    {&p_bytes, "1kB", -EINVAL},
    {&p_bytes, "1k", -EINVAL},
    {&p_bytes, "-1K", -ERANGE},
    {&p_bytes, "2048G", -ERANGE},
    {&p_bytes, "1e400K", -ERANGE},
    {&p_bytes, "K", -EINVAL},
    {&p_bytes, "inf", -EINVAL},
    {&p_seconds, "1h", -EINVAL},
    {&p_seconds, "1min", -EINVAL},
    {&p_seconds, "1sec", -EINVAL},
    {&p_seconds, "ms", -EINVAL},
    {&p_seconds, "1 ms", -EINVAL},
    {&p_seconds, "-1ms", -ERANGE},
    {&p_seconds, "2e6", -ERANGE},
    {&p_seconds, "1e-400", -ERANGE},
    {&p_seconds, "nan", -EINVAL},
    {&p_seconds, "", -EINVAL},
    {&p_ratio, "1.5", -ERANGE},
    {&p_ratio, "-0.1", -ERANGE},
    {&p_ratio, "50%", -EINVAL},
    {&p_ratio, "0.5s", -EINVAL},
    {&p_ratio, "1k", -EINVAL},
    {&p_choice, "SEGV", -EINVAL},
    {&p_choice, "seg", -EINVAL},
    {&p_choice, "segv ", -EINVAL},
    {&p_choice, " segv", -EINVAL},
    {&p_choice, "0", -EINVAL},
    {&p_choice, "segvx", -EINVAL},
    {&p_choice, "", -EINVAL},
};

static void test_parse_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		char err[256] = "";
		double value = -12345;
		int rc =
		    wl_param_parse(c->p, c->text, &value, err, sizeof(err));

		if (rc != c->rc || value != -12345 ||
		    strstr(err, c->p->name) != err) {
			print_error("%s=\"%s\": rc %d (want %d) value %g err "
				    "\"%s\"\n",
				    c->p->name, c->text ? c->text : "(null)",
				    rc, c->rc, value, err);
			fail();
		}
	}
}

/* The messages a user sees: name, value and what is allowed. */
static void test_parse_messages(void **state)
{
	char err[256];
	double value;

	(void)state;
	assert_int_equal(wl_param_parse(&p_work, "0", &value, err, sizeof(err)),
			 -ERANGE);
	assert_string_equal(err, "work=0 is out of range: allowed 1 to 1G");
	assert_int_equal(
	    wl_param_parse(&p_work, "1.5", &value, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "work=1.5 must be a whole number");
	assert_int_equal(wl_param_parse(&p_work, "99999999999999999999", &value,
					err, sizeof(err)),
			 -ERANGE);
	assert_string_equal(err, "work=99999999999999999999 is out of range: "
				 "allowed 1 to 1G");
	assert_int_equal(
	    wl_param_parse(&p_choice, "bus", &value, err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err, "mode=bus is not one of: segv, abort, exit, "
				 "hang");
	assert_int_equal(wl_param_parse(&p_count, "", &value, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "n: empty value");
	assert_int_equal(
	    wl_param_parse(&p_seconds, "1h", &value, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "sleep=1h"));
	assert_non_null(strstr(err, "ms"));
	assert_int_equal(
	    wl_param_parse(&p_bytes, "2048G", &value, err, sizeof(err)),
	    -ERANGE);
	assert_string_equal(err,
			    "size=2048G is out of range: allowed 0 to 1024GiB");
	{
		const struct wl_param huge = {.name = "huge",
					      .help = "no upper bound",
					      .unit = WL_UNIT_COUNT,
					      .max = 1e300,
					      .integer = true};

		assert_int_equal(
		    wl_param_parse(&huge, "1e20", &value, err, sizeof(err)),
		    -ERANGE);
		assert_string_equal(err, "huge=1e20 is too large to be exact");
	}
	/* A tiny error buffer truncates; it must not overflow. */
	assert_int_equal(wl_param_parse(&p_work, "0", &value, err, 5), -ERANGE);
	assert_string_equal(err, "work");
	assert_int_equal(wl_param_parse(&p_work, "0", &value, NULL, 0),
			 -ERANGE);
}

struct format_case {
	const struct wl_param *p;
	double value;
	const char *text;
};

static const struct format_case format_cases[] = {
    {&p_bytes, 0, "0"},
    {&p_bytes, 512, "512"},
    {&p_bytes, 1024, "1KiB"},
    {&p_bytes, 1536, "1536"},
    {&p_bytes, 65536, "64KiB"},
    {&p_bytes, 3 * 1048576.0, "3MiB"},
    {&p_bytes, 1073741824.0, "1GiB"},
    {&p_bytes, 4 * 1073741824.0, "4GiB"},
    {&p_bytes, 1099511627776.0, "1024GiB"},
    {&p_seconds, 0, "0"},
    {&p_seconds, 1, "1s"},
    {&p_seconds, 1.5, "1.5s"},
    {&p_seconds, 120, "120s"},
    {&p_seconds, 0.5, "500ms"},
    {&p_seconds, 0.001, "1ms"},
    {&p_seconds, 0.0015, "1.5ms"},
    {&p_seconds, 0.00025, "250us"},
    {&p_seconds, 1e-7, "100ns"},
    {&p_seconds, 1e-10, "0.1ns"},
    {&p_count, 0, "0"},
    {&p_count, 7, "7"},
    {&p_count, 10000, "10000"},
    {&p_count, 999999, "999999"},
    {&p_count, 1e6, "1M"},
    {&p_count, 2.5e6, "2.5M"},
    {&p_count, 1234567, "1234567"},
    {&p_count, 1e9, "1G"},
    {&p_count, 1.5e9, "1.5G"},
    {&p_count, 999e9, "999G"},
    {&p_count, 1e12, "1e12"},
    {&p_count, 1.5e15, "1.5e15"},
    {&p_ratio, 0.5, "0.5"},
    {&p_ratio, 0.1, "0.1"},
    {&p_ratio, 1, "1"},
    {&p_ratio, 0.001, "0.001"},
    {&p_ratio, 1e-9, "1e-9"},
    {&p_ratio, 1.0 / 3, "0.3333333333333333"},
    {&p_choice, 0, "segv"},
    {&p_choice, 3, "hang"},
};

static void test_format(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]);
	     i++) {
		const struct format_case *c = &format_cases[i];
		char buf[64];

		wl_param_format(c->p, c->value, buf, sizeof(buf));
		if (strcmp(buf, c->text) != 0) {
			print_error("%s %.17g: \"%s\" (want \"%s\")\n",
				    c->p->name, c->value, buf, c->text);
			fail();
		}
	}
}

/* Parameters with no practical range, to round-trip any value. */
static const struct wl_param wide_count = {.name = "n",
					   .help = "count",
					   .unit = WL_UNIT_COUNT,
					   .min = -DBL_MAX,
					   .max = DBL_MAX};
static const struct wl_param wide_seconds = {.name = "t",
					     .help = "time",
					     .unit = WL_UNIT_SECONDS,
					     .min = -DBL_MAX,
					     .max = DBL_MAX};
static const struct wl_param wide_ratio = {.name = "r",
					   .help = "ratio",
					   .unit = WL_UNIT_RATIO,
					   .min = -DBL_MAX,
					   .max = DBL_MAX};
static const struct wl_param wide_bytes = {.name = "b",
					   .help = "bytes",
					   .unit = WL_UNIT_BYTES,
					   .min = -DBL_MAX,
					   .max = DBL_MAX};

static void check_round_trip(const struct wl_param *p, double value)
{
	char buf[64], err[256] = "";
	double back = -12345;
	int rc;

	wl_param_format(p, value, buf, sizeof(buf));
	rc = wl_param_parse(p, buf, &back, err, sizeof(err));
	if (rc != 0 || back != value) {
		print_error("%s %.17g -> \"%s\" -> rc %d %.17g %s\n", p->name,
			    value, buf, rc, back, err);
		fail();
	}
}

static void test_round_trip(void **state)
{
	static const double specials[] = {
	    0,
	    1,
	    0.1,
	    0.5,
	    1.0 / 3,
	    2.0 / 3,
	    1e-9,
	    1e-10,
	    1e-300,
	    5e-324,
	    1e-7,
	    1e6,
	    1e9,
	    1e12,
	    1e15,
	    1e21,
	    1e22,
	    1e300,
	    1.7976931348623157e308,
	    123456789.123,
	    9007199254740992.0,
	    0.001,
	    0.0015,
	    0.00025,
	    65536,
	    1536,
	    1048575,
	    3.14159265358979,
	};
	uint64_t x = 1;

	(void)state;
	for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		for (int sign = 1; sign >= -1; sign -= 2) {
			double v = sign * specials[i];

			check_round_trip(&wide_count, v);
			check_round_trip(&wide_seconds, v);
			check_round_trip(&wide_ratio, v);
			check_round_trip(&wide_bytes, v);
		}
	}
	/* Pseudo-random values over many magnitudes, and whole numbers. */
	for (int i = 0; i < 20000; i++) {
		double mant, v;

		x = wl_mix64(x + (uint64_t)i);
		mant = (double)(x >> 11) / 9007199254740992.0;
		v = ldexp(mant, (int)(x % 200) - 100);
		check_round_trip(&wide_count, v);
		check_round_trip(&wide_seconds, v);
		check_round_trip(&wide_ratio, v);
		check_round_trip(&wide_bytes, v);
		v = (double)((x >> 20) << (x % 20));
		check_round_trip(&wide_count, v);
		check_round_trip(&wide_bytes, v);
		check_round_trip(&wide_seconds, v * 1e-9);
	}
	for (double v = 0; v < 4; v++)
		check_round_trip(&p_choice, v);
}

/* ---- kernels ----------------------------------------------------------- */

struct small_job {
	const char *workload;
	uint64_t ntasks;
	struct param_setting set[WL_MAX_PARAMS + 1];
};

static const struct small_job small_jobs[] = {
    {"cpu-hash", 16, {{"work", "1000"}}},
    {"cpu-float", 16, {{"width", "64"}, {"iters", "64"}}},
    {"mem-stream", 16, {{"size", "1KiB"}}},
    {"io-sleep", 16, {{"sleep", "0"}}},
    {"io-sleep", 4, {{"sleep", "100us"}}},
    {"io-file", 8, {{"size", "1000"}, {"fsync", "0"}}},
    {"io-file", 3, {{"size", "200000"}, {"fsync", "1"}}},
    {"io-file", 3, {{"size", "0"}}},
    {"fault", 8, {{"at", "3"}, {"mode", "segv"}, {"work", "100"}}},
    {"fault", 8, {{"at", "0"}, {"mode", "hang"}, {"work", "0"}}},
};

static bool must_fail(const struct workload *w, void *st, uint64_t i,
		      uint64_t *sum)
{
	return w->expected && w->expected(st, i, sum) == WL_EXPECT_FAILURE;
}

static void run_small_job(const struct small_job *job)
{
	const struct workload *w = wl_find(job->workload);
	double values[WL_MAX_PARAMS];
	uint64_t first[64], second[64];
	char err[256] = "";
	void *st = NULL;
	bool differ = false;
	unsigned failing = 0;
	const uint64_t n = job->ntasks;

	assert_non_null(w);
	assert_true(n <= 64);
	parse_settings(w, job->set, values);
	if (wl_setup(w, values, n, &st, err, sizeof(err))) {
		print_error("%s setup: %s\n", w->name, err);
		fail();
	}
	/* Forward on worker 0, then backward on other worker numbers. */
	for (uint64_t i = 0; i < n; i++) {
		uint64_t sum;

		if (!must_fail(w, st, i, &sum))
			first[i] = w->run_task(st, i, 0);
	}
	for (uint64_t k = 0; k < n; k++) {
		uint64_t i = n - 1 - k, sum;

		if (!must_fail(w, st, i, &sum))
			second[i] = w->run_task(st, i, (unsigned)(k % 3) + 1);
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t sum = 0;

		if (must_fail(w, st, i, &sum)) {
			failing++;
			continue;
		}
		if (first[i] != second[i]) {
			print_error("%s task %llu: %llx then %llx\n", w->name,
				    (unsigned long long)i,
				    (unsigned long long)first[i],
				    (unsigned long long)second[i]);
			fail();
		}
		if (w->expected) {
			assert_int_equal(w->expected(st, i, &sum),
					 WL_EXPECT_SUM);
			assert_true(sum == first[i]);
		}
		if (w == &wl_io_file)
			assert_true(first[i] != WL_IO_FILE_POISON);
		for (uint64_t j = 0; j < i; j++)
			if (first[j] != first[i])
				differ = true;
	}
	assert_true(differ || n - failing < 2);
	assert_int_equal(failing, w->kind == WL_FAULT ? 1 : 0);
	if (w->teardown)
		w->teardown(st);
}

static void test_kernels_deterministic(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(small_jobs) / sizeof(small_jobs[0]); i++)
		run_small_job(&small_jobs[i]);
}

/* Every workload at its defaults sets up and tears down cleanly. */
static void test_default_setup(void **state)
{
	(void)state;
	for (unsigned i = 0; wl_all[i]; i++) {
		const struct workload *w = wl_all[i];
		double values[WL_MAX_PARAMS];
		char err[256] = "";
		void *st = NULL;
		int rc;

		wl_param_defaults(w, values);
		rc = wl_setup(w, values, w->default_tasks, &st, err,
			      sizeof(err));
		if (rc) {
			print_error("%s: %s\n", w->name, err);
			fail();
		}
		if (w->teardown)
			w->teardown(st);
	}
}

/* Setups re-check ranges: callers may bypass the parser. */
static void test_setup_rejects_out_of_range(void **state)
{
	(void)state;
	for (unsigned i = 0; wl_all[i]; i++) {
		const struct workload *w = wl_all[i];

		for (unsigned j = 0; j < wl_param_count(w); j++) {
			double values[WL_MAX_PARAMS];
			char err[256] = "";
			void *st = NULL;

			wl_param_defaults(w, values);
			values[j] = w->params[j].max + 1e6;
			assert_int_equal(wl_setup(w, values, w->default_tasks,
						  &st, err, sizeof(err)),
					 -ERANGE);
			assert_non_null(strstr(err, w->params[j].name));
			assert_null(st);
			wl_param_defaults(w, values);
			values[j] = NAN;
			assert_int_equal(wl_setup(w, values, w->default_tasks,
						  &st, err, sizeof(err)),
					 -EINVAL);
			assert_null(st);
		}
	}
}

/* The checksum from the formula documented at the top of mem_stream.c. */
static uint64_t stream_reference(uint64_t index, uint64_t per_task)
{
	uint64_t sum = 0;

	for (uint64_t g = index * per_task; g < (index + 1) * per_task; g++)
		sum += g % 1021 + 3 * ((7 * g) % 509);
	return wl_mix64(sum ^ wl_mix64(index));
}

static void test_mem_stream_exact(void **state)
{
	static const uint64_t sizes[] = {8, 24, 64, 8184, 8192};

	(void)state;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		double values[WL_MAX_PARAMS];
		char err[256] = "";
		void *st = NULL;
		const uint64_t ntasks = 5;

		wl_param_defaults(&wl_mem_stream, values);
		values[wl_param_index(&wl_mem_stream, "size")] =
		    (double)sizes[k];
		assert_int_equal(wl_setup(&wl_mem_stream, values, ntasks, &st,
					  err, sizeof(err)),
				 0);
		for (uint64_t i = 0; i < ntasks; i++) {
			uint64_t want = stream_reference(i, sizes[k] / 8);

			assert_true(wl_mem_stream.run_task(st, i, 0) == want);
			/* Again: a is overwritten with the same values. */
			assert_true(wl_mem_stream.run_task(st, i, 1) == want);
		}
		wl_mem_stream.teardown(st);
	}
}

static void test_mem_stream_rejects(void **state)
{
	double values[WL_MAX_PARAMS];
	char err[256] = "";
	void *st = NULL;
	const int size = wl_param_index(&wl_mem_stream, "size");

	(void)state;
	wl_param_defaults(&wl_mem_stream, values);
	values[size] = 100;
	assert_int_equal(
	    wl_setup(&wl_mem_stream, values, 4, &st, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "size=100"));
	assert_null(st);

	/* 3 x 2^40 tasks x 64 GiB overflows 64 bits; 3 x 1M x 64 GiB does
	 * not, but no machine has that much memory. */
	values[size] = 64.0 * 1024 * 1024 * 1024;
	err[0] = '\0';
	assert_int_equal(
	    wl_setup(&wl_mem_stream, values, 1ULL << 40, &st, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "physical memory"));
	err[0] = '\0';
	assert_int_equal(
	    wl_setup(&wl_mem_stream, values, 1u << 20, &st, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "physical memory"));
	assert_null(st);
}

static void test_io_sleep_sleeps(void **state)
{
	double values[WL_MAX_PARAMS];
	char err[256] = "";
	void *st = NULL;
	struct timespec t0, t1;
	uint64_t sum;

	(void)state;
	wl_param_defaults(&wl_io_sleep, values);
	assert_true(values[0] == 0.001);
	values[0] = 0.005;
	assert_int_equal(
	    wl_setup(&wl_io_sleep, values, 1, &st, err, sizeof(err)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sum = wl_io_sleep.run_task(st, 0, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true((double)(t1.tv_sec - t0.tv_sec) +
			1e-9 * (double)(t1.tv_nsec - t0.tv_nsec) >=
		    0.005);
	wl_io_sleep.teardown(st);
	assert_true(sum != 0);
}

/* The one entry of directory path, as a full path in out. */
static void only_entry(const char *path, char *out, size_t outlen)
{
	DIR *d = opendir(path);
	struct dirent *entry;

	assert_non_null(d);
	do {
		entry = readdir(d);
		assert_non_null(entry);
	} while (strcmp(entry->d_name, ".") == 0 ||
		 strcmp(entry->d_name, "..") == 0);
	snprintf(out, outlen, "%s/%s", path, entry->d_name);
	closedir(d);
}

static void test_io_file_cleans_up(void **state)
{
	char dir[] = "/tmp/test_workloads-io-XXXXXX";
	char *saved = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
	double values[WL_MAX_PARAMS];
	char err[256] = "";
	void *st = NULL;
	char leftover[512];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(setenv("TMPDIR", dir, 1), 0);
	wl_param_defaults(&wl_io_file, values);
	values[wl_param_index(&wl_io_file, "size")] = 4096;
	assert_int_equal(
	    wl_setup(&wl_io_file, values, 4, &st, err, sizeof(err)), 0);
	/* Exactly one private directory, initially empty. */
	assert_int_equal(count_entries(dir), 1);
	only_entry(dir, leftover, sizeof(leftover));
	assert_int_equal(count_entries(leftover), 0);
	for (uint64_t i = 0; i < 4; i++)
		assert_true(wl_io_file.run_task(st, i, 0) != WL_IO_FILE_POISON);
	assert_int_equal(count_entries(leftover), 0);
	/* What a task that crashed half-way would leave behind. */
	strncat(leftover, "/task-2", sizeof(leftover) - strlen(leftover) - 1);
	f = fopen(leftover, "w");
	assert_non_null(f);
	fclose(f);
	wl_io_file.teardown(st);
	assert_int_equal(count_entries(dir), 0);
	assert_int_equal(rmdir(dir), 0);
	if (saved)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	free(saved);
}

/* Without its directory a task cannot do its I/O: it must say so. */
static void test_io_file_poison(void **state)
{
	double values[WL_MAX_PARAMS];
	char err[256] = "", dir[512];
	void *st = NULL;

	(void)state;
	wl_param_defaults(&wl_io_file, values);
	values[wl_param_index(&wl_io_file, "size")] = 100;
	assert_int_equal(count_entries(test_tmpdir), 0);
	assert_int_equal(
	    wl_setup(&wl_io_file, values, 2, &st, err, sizeof(err)), 0);
	assert_true(wl_io_file.run_task(st, 0, 0) != WL_IO_FILE_POISON);
	only_entry(test_tmpdir, dir, sizeof(dir));
	assert_int_equal(rmdir(dir), 0);
	assert_true(wl_io_file.run_task(st, 0, 0) == WL_IO_FILE_POISON);
	assert_true(wl_io_file.run_task(st, 1, 0) == WL_IO_FILE_POISON);
	wl_io_file.teardown(st);
	assert_int_equal(count_entries(test_tmpdir), 0);
}

static void test_io_file_bad_tmpdir(void **state)
{
	char *saved = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
	double values[WL_MAX_PARAMS];
	char err[256] = "";
	void *st = NULL;

	(void)state;
	setenv("TMPDIR", "/nonexistent/procthread-test", 1);
	wl_param_defaults(&wl_io_file, values);
	assert_int_equal(
	    wl_setup(&wl_io_file, values, 2, &st, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/procthread-test"));
	assert_null(st);
	if (saved)
		setenv("TMPDIR", saved, 1);
	free(saved);
}

/* ---- fault ------------------------------------------------------------- */

/* Starts a child that runs tasks 1 and then 2 (`at`) of the fault workload. */
static pid_t start_fault_child(const char *mode)
{
	const struct param_setting set[] = {
	    {"at", "2"}, {"mode", mode}, {"work", "10"}, {NULL, NULL}};
	double values[WL_MAX_PARAMS];
	pid_t pid;

	parse_settings(&wl_fault, set, values);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static const int signals[] = {SIGSEGV, SIGABRT, SIGBUS,
					      SIGILL,  SIGFPE,	SIGSYS};
		struct rlimit no_core = {0, 0};
		char err[256];
		void *st;
		sigset_t none;

		/* Die as a worker would, not through cmocka's handlers. */
		for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]);
		     i++)
			signal(signals[i], SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setrlimit(RLIMIT_CORE, &no_core);
		if (wl_setup(&wl_fault, values, 5, &st, err, sizeof(err)))
			_exit(100);
		wl_fault.run_task(st, 1, 0); /* a healthy task returns */
		wl_fault.run_task(st, 2, 0);
		_exit(101);
	}
	return pid;
}

static void test_fault_modes(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = start_fault_child("segv");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (UNDER_ASAN && WIFEXITED(status))
		assert_true(WEXITSTATUS(status) != 0 &&
			    WEXITSTATUS(status) < 100);
	else
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);

	pid = start_fault_child("abort");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);

	pid = start_fault_child("exit");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), WL_FAULT_EXIT_CODE);
	assert_int_equal(WL_FAULT_EXIT_CODE, 3);

	pid = start_fault_child("hang");
	for (int ms = 0; ms < 200; ms += 10) {
		struct timespec tick = {0, 10 * 1000 * 1000};

		assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
		nanosleep(&tick, NULL);
	}
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static void test_fault_rejects_at(void **state)
{
	double values[WL_MAX_PARAMS];
	char err[256] = "";
	void *st = NULL;
	const int at = wl_param_index(&wl_fault, "at");

	(void)state;
	wl_param_defaults(&wl_fault, values);
	values[at] = 10;
	assert_int_equal(wl_setup(&wl_fault, values, 10, &st, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "at=10"));
	assert_non_null(strstr(err, "0..9"));
	assert_null(st);
	values[at] = 0;
	assert_int_equal(wl_setup(&wl_fault, values, 0, &st, err, sizeof(err)),
			 -EINVAL);
	assert_null(st);
	values[at] = 9;
	assert_int_equal(wl_setup(&wl_fault, values, 10, &st, err, sizeof(err)),
			 0);
	wl_fault.teardown(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registry_complete),
	    cmocka_unit_test(test_registry_find),
	    cmocka_unit_test(test_kind_names),
	    cmocka_unit_test(test_param_defaults),
	    cmocka_unit_test(test_parse_good),
	    cmocka_unit_test(test_parse_bad),
	    cmocka_unit_test(test_parse_messages),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_kernels_deterministic),
	    cmocka_unit_test(test_default_setup),
	    cmocka_unit_test(test_setup_rejects_out_of_range),
	    cmocka_unit_test(test_mem_stream_exact),
	    cmocka_unit_test(test_mem_stream_rejects),
	    cmocka_unit_test(test_io_sleep_sleeps),
	    cmocka_unit_test(test_io_file_cleans_up),
	    cmocka_unit_test(test_io_file_poison),
	    cmocka_unit_test(test_io_file_bad_tmpdir),
	    cmocka_unit_test(test_fault_modes),
	    cmocka_unit_test(test_fault_rejects_at),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
