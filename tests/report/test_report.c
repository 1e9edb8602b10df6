/*
 * Unit tests of the report generator's numerics and model: quantiles, the
 * Amdahl and USL fits, name parsing, reading Google Benchmark JSON (with
 * repetitions, aggregates only, errors, unknown counters), and the figures
 * computed from the committed fixture tests/report/fixtures/cpu-hash.json.
 *
 * Every expected number was computed independently with numpy 1.24
 * (/usr/bin/python3): np.median / np.quantile (linear interpolation) over the
 * iteration entries' real_time, and np.linalg.lstsq on the linearised models
 *   Amdahl: 1/C - 1/N = s (1 - 1/N),   USL: N/C - 1 = sigma (N-1) + kappa
 * N(N-1) with R^2 = 1 - SS_res/SS_tot on C over all points. The script is
 * quoted in tests/report/expected.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rep_internal.h"

static const char *fixtures = "tests/report/fixtures";

#define assert_close(a, b, rel)                                                \
	assert_true(fabs((double)(a) - (double)(b)) <=                         \
		    (rel)*fabs((double)(b)) + 1e-12)

static void test_quantiles(void **state)
{
	(void)state;
	double v[] = {5, 1, 4, 2, 3, 10}, med, q1, q3;
	assert_int_equal(rep_median_iqr(v, 6, &med, &q1, &q3), 0);
	/* numpy: median 3.5, quantile .25 -> 2.25, .75 -> 4.75 */
	assert_close(med, 3.5, 1e-12);
	assert_close(q1, 2.25, 1e-12);
	assert_close(q3, 4.75, 1e-12);
	double one = 7.5;
	assert_int_equal(rep_median_iqr(&one, 1, &med, &q1, &q3), 0);
	assert_close(med, 7.5, 0);
	assert_close(q1, 7.5, 0);
	assert_close(q3, 7.5, 0);
	assert_int_equal(rep_median_iqr(v, 0, &med, &q1, &q3), -EINVAL);
	assert_true(isnan(med));
}

static void test_fits_synthetic(void **state)
{
	(void)state;
	double n[] = {1, 2, 4, 8, 16}, c[] = {1, 1.9, 3.3, 5.0, 5.6};
	struct rep_amdahl a;
	struct rep_usl u;
	assert_int_equal(rep_fit_amdahl(n, c, 5, &a), 0);
	/* numpy lstsq: s 0.092539558174233108, R^2 0.91796998225187332 */
	assert_close(a.serial_fraction, 0.092539558174233108, 1e-9);
	assert_close(a.r2, 0.91796998225187332, 1e-9);
	assert_int_equal(rep_fit_usl(n, c, 5, &u), 0);
	/* numpy lstsq: sigma 0.04894216347877068, kappa 0.0046765666611620297,
	 * peak sqrt((1-sigma)/kappa) 14.260668994828098,
	 * R^2 0.99993941554703902 */
	assert_close(u.sigma, 0.04894216347877068, 1e-9);
	assert_close(u.kappa, 0.0046765666611620297, 1e-9);
	assert_close(u.peak_workers, 14.260668994828098, 1e-9);
	assert_close(u.r2, 0.99993941554703902, 1e-9);
}

static void test_fits_exact(void **state)
{
	(void)state;
	/* Points generated from the models themselves come back exactly. */
	double n[] = {1, 2, 3, 4, 6, 8, 12}, c[7], s[7];
	for (int i = 0; i < 7; i++) {
		c[i] = rep_usl_capacity(0.05, 0.002, n[i]);
		s[i] = rep_amdahl_speedup(0.2, n[i]);
	}
	struct rep_usl u;
	struct rep_amdahl a;
	assert_int_equal(rep_fit_usl(n, c, 7, &u), 0);
	assert_close(u.sigma, 0.05, 1e-9);
	assert_close(u.kappa, 0.002, 1e-9);
	assert_close(u.peak_workers, sqrt(0.95 / 0.002), 1e-9);
	assert_close(u.r2, 1, 1e-12);
	assert_int_equal(rep_fit_amdahl(n, s, 7, &a), 0);
	assert_close(a.serial_fraction, 0.2, 1e-12);
}

static void test_fits_too_few(void **state)
{
	(void)state;
	double n[] = {1, 2, 2, 3}, c[] = {1, 1.8, 1.9, NAN};
	struct rep_usl u;
	struct rep_amdahl a;
	/* Only one distinct valid worker count above 1 (3 is NaN). */
	assert_int_equal(rep_fit_amdahl(n, c, 4, &a), -EDOM);
	assert_non_null(strstr(a.reason, "has 1"));
	assert_int_equal(rep_fit_usl(n, c, 4, &u), -EDOM);
	assert_non_null(strstr(u.reason, "needs 3"));
	assert_true(isnan(u.sigma));
	/* No retrograde scaling: kappa <= 0 gives no peak. */
	double n2[] = {1, 2, 3, 4}, c2[4];
	for (int i = 0; i < 4; i++)
		c2[i] = n2[i] / (1 + 0.1 * (n2[i] - 1));
	assert_int_equal(rep_fit_usl(n2, c2, 4, &u), 0);
	assert_true(fabs(u.kappa) < 1e-12);
	assert_true(isnan(u.peak_workers) || u.peak_workers > 1e5);
}

static void test_bootstrap(void **state)
{
	(void)state;
	double base[] = {10, 11, 12, 13, 30}, other[] = {12, 12.5, 14, 15};
	double lo, hi, lo2, hi2;
	assert_int_equal(
	    rep_bootstrap_ratio(base, 5, other, 4, REP_BOOTSTRAP_ROUNDS,
				REP_BOOTSTRAP_SEED, 0.95, &lo, &hi),
	    0);
	/* expected.py's replay of the same splitmix64 draws:
	 * 0.44166666666666665 1.375 */
	assert_close(lo, 0.44166666666666665, 1e-12);
	assert_close(hi, 1.375, 1e-12);
	/* The same seed gives the same interval. */
	assert_int_equal(
	    rep_bootstrap_ratio(base, 5, other, 4, REP_BOOTSTRAP_ROUNDS,
				REP_BOOTSTRAP_SEED, 0.95, &lo2, &hi2),
	    0);
	assert_true(lo == lo2 && hi == hi2);
	/* One repetition each: the interval is the ratio itself. */
	double one = 4, two = 6;
	assert_int_equal(
	    rep_bootstrap_ratio(&one, 1, &two, 1, 100, 1, 0.95, &lo, &hi), 0);
	assert_close(lo, 1.5, 1e-12);
	assert_close(hi, 1.5, 1e-12);
	assert_int_equal(
	    rep_bootstrap_ratio(&one, 0, &two, 1, 100, 1, 0.95, &lo, &hi),
	    -EINVAL);
}

static void test_parse_name(void **state)
{
	(void)state;
	char *wl, *ex, *series, *group;
	unsigned w;
	assert_int_equal(rep_parse_name("cpu-hash/process-pool/workers:4/"
					"tasks:40/work:2000/schedule:static/"
					"chunk:4/wait:spin/manual_time",
					&wl, &ex, &w, &series, &group),
			 0);
	assert_string_equal(wl, "cpu-hash");
	assert_string_equal(ex, "process-pool");
	assert_int_equal(w, 4);
	assert_string_equal(series,
			    "process-pool/schedule:static/chunk:4/wait:spin");
	assert_string_equal(group, "cpu-hash/tasks:40/work:2000");
	free(wl);
	free(ex);
	free(series);
	free(group);
	/* A start method is a series of its executor, in the serial's group. */
	assert_int_equal(rep_parse_name("fork-footprint/process-per-task/"
					"workers:2/rss:64MiB/start:forkserver/"
					"manual_time",
					&wl, &ex, &w, &series, &group),
			 0);
	assert_string_equal(series, "process-per-task/start:forkserver");
	assert_string_equal(group, "fork-footprint/rss:64MiB");
	free(wl);
	free(ex);
	free(series);
	free(group);
	assert_int_equal(
	    rep_parse_name("serial/workers:1", &wl, &ex, &w, &series, &group),
	    -EINVAL);
	assert_int_equal(
	    rep_parse_name("BM_Foo/threads:2", &wl, &ex, &w, &series, &group),
	    -EINVAL);
	assert_int_equal(
	    rep_parse_name("a/b/workers:0", &wl, &ex, &w, &series, &group),
	    -EINVAL);
	assert_int_equal(
	    rep_parse_name("a/b/workers:2x", &wl, &ex, &w, &series, &group),
	    -EINVAL);
}

static int load_string(const char *text, struct rep_file *file, char *reason)
{
	json_error_t error;
	json_t *root = json_loads(text, 0, &error);
	assert_non_null(root);
	memset(file, 0, sizeof(*file));
	file->label = strdup("f1");
	int ret = rep_load_json(root, file, reason, REP_REASON_MAX);
	json_decref(root);
	return ret;
}

static void test_load_json(void **state)
{
	(void)state;
	char reason[REP_REASON_MAX] = "";
	struct rep_file f;
	/* Repetitions in ns, an unknown counter, an aggregate that must be
	 * ignored, an aggregates-only configuration, an error entry, and a
	 * foreign entry. */
	const char *text =
	    "{\"context\":{\"online_cpus\":\"2\"},\"benchmarks\":["
	    "{\"name\":\"w/serial/workers:1/manual_time\","
	    "\"run_name\":\"w/serial/workers:1/manual_time\","
	    "\"run_type\":\"iteration\",\"real_time\":4000,"
	    "\"time_unit\":\"ns\",\"tasks\":8,\"mystery\":3},"
	    "{\"name\":\"w/serial/workers:1/manual_time\","
	    "\"run_name\":\"w/serial/workers:1/manual_time\","
	    "\"run_type\":\"iteration\",\"real_time\":6000,"
	    "\"time_unit\":\"ns\",\"tasks\":8,\"mystery\":5},"
	    "{\"name\":\"w/serial/workers:1/manual_time_median\","
	    "\"run_name\":\"w/serial/workers:1/manual_time\","
	    "\"run_type\":\"aggregate\",\"aggregate_name\":\"median\","
	    "\"real_time\":99999,\"time_unit\":\"ns\"},"
	    "{\"name\":\"w/thread-pool/workers:2/manual_time_median\","
	    "\"run_type\":\"aggregate\",\"aggregate_name\":\"median\","
	    "\"real_time\":2.5,\"time_unit\":\"us\",\"tasks\":8},"
	    "{\"name\":\"w/thread-pool/workers:2/manual_time_mean\","
	    "\"run_type\":\"aggregate\",\"aggregate_name\":\"mean\","
	    "\"real_time\":777,\"time_unit\":\"us\"},"
	    "{\"name\":\"w/process-pool/workers:2/manual_time\","
	    "\"run_type\":\"iteration\",\"error_occurred\":true,"
	    "\"error_message\":\"boom\"},"
	    "{\"name\":\"BM_other\",\"run_type\":\"iteration\","
	    "\"real_time\":1,\"time_unit\":\"ns\"}]}";
	assert_int_equal(load_string(text, &f, reason), 0);
	rep_analyse(&f);
	assert_int_equal(f.online_cpus, 2);
	assert_int_equal(f.npoints, 3);
	assert_int_equal(f.nskipped, 1);
	assert_int_equal(f.nerrors, 1);
	assert_int_equal(f.ngroups, 1);
	assert_int_equal(f.ncounter_names, 1);
	assert_string_equal(f.counter_names[0], "mystery");
	const struct rep_group *g = &f.groups[0];
	assert_non_null(g->serial);
	assert_string_equal(g->series[0].name, "serial");
	assert_close(g->serial->median_us, 5.0, 1e-12);
	assert_close(rep_point_counter(g->serial, "mystery")->median, 4, 0);
	const struct rep_point *tp = NULL, *pp = NULL;
	for (size_t i = 0; i < f.npoints; i++) {
		if (!strcmp(f.points[i].executor, "thread-pool"))
			tp = &f.points[i];
		if (!strcmp(f.points[i].executor, "process-pool"))
			pp = &f.points[i];
	}
	assert_non_null(tp);
	assert_non_null(pp);
	assert_int_equal(tp->ntimes, 1);
	assert_close(tp->median_us, 2.5, 1e-12);
	assert_close(tp->speedup, 2.0, 1e-12);
	assert_close(tp->efficiency, 1.0, 1e-12);
	/* overhead = 2.5 - 5/2 = 0 per job */
	assert_close(tp->overhead_job_us, 0, 1e-12);
	assert_true(pp->error);
	assert_string_equal(pp->error_message, "boom");
	assert_true(isnan(pp->speedup));
	rep_file_free(&f);

	/* No serial: speedup unavailable, never invented. */
	assert_int_equal(
	    load_string("{\"context\":{\"num_cpus\":4},\"benchmarks\":[{"
			"\"name\":\"w/thread-pool/workers:2\","
			"\"real_time\":3,\"time_unit\":\"ms\"}]}",
			&f, reason),
	    0);
	rep_analyse(&f);
	assert_int_equal(f.online_cpus, 4);
	assert_null(f.groups[0].serial);
	assert_close(f.points[0].median_us, 3000, 1e-12);
	assert_true(isnan(f.points[0].speedup));
	assert_true(isnan(f.points[0].efficiency));
	rep_file_free(&f);

	/* Foreign or malformed documents are refused with a reason. */
	const char *bad[] = {
	    "[]",
	    "{\"benchmarks\":[]}",
	    "{\"context\":{},\"benchmarks\":{}}",
	    "{\"context\":{},\"benchmarks\":[]}",
	    "{\"context\":{},\"benchmarks\":[{\"name\":\"BM_x\","
	    "\"real_time\":1}]}",
	    "{\"context\":{},\"benchmarks\":[3]}",
	    "{\"context\":{},\"benchmarks\":[{\"name\":\"a/b/workers:1\","
	    "\"real_time\":-1,\"time_unit\":\"us\"}]}",
	    "{\"context\":{},\"benchmarks\":[{\"name\":\"a/b/workers:1\","
	    "\"real_time\":1,\"time_unit\":\"fortnights\"}]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reason[0] = 0;
		assert_int_equal(load_string(bad[i], &f, reason), -EINVAL);
		assert_true(strlen(reason) > 0);
		rep_file_free(&f);
	}
}

static const struct rep_point *find(const struct rep_file *f, const char *name)
{
	for (size_t i = 0; i < f->npoints; i++)
		if (!strcmp(f->points[i].name, name))
			return &f->points[i];
	fail_msg("no point %s", name);
	return NULL;
}

static const struct rep_series *find_series(const struct rep_group *g,
					    const char *name)
{
	for (size_t i = 0; i < g->nseries; i++)
		if (!strcmp(g->series[i].name, name))
			return &g->series[i];
	fail_msg("no series %s", name);
	return NULL;
}

static void test_fixture(void **state)
{
	(void)state;
	char path[4096], reason[REP_REASON_MAX];
	struct rep_file f = {0};
	snprintf(path, sizeof(path), "%s/cpu-hash.json", fixtures);
	assert_int_equal(rep_load(path, &f, reason, sizeof(reason)), 0);
	rep_analyse(&f);
	assert_int_equal(f.online_cpus, 2);
	assert_int_equal(f.ngroups, 1);
	assert_int_equal(f.npoints, 9);
	assert_int_equal(f.nerrors, 0);
	const struct rep_point *s =
	    find(&f, "cpu-hash/serial/workers:1/tasks:100/manual_time");
	const struct rep_point *t2 =
	    find(&f, "cpu-hash/thread-pool/workers:2/tasks:100/manual_time");
	const struct rep_point *p4 =
	    find(&f, "cpu-hash/process-pool/workers:4/tasks:100/manual_time");
	/* numpy medians and quartiles of the three repetitions */
	assert_int_equal(s->ntimes, 3);
	assert_close(s->median_us, 2353.8275293717829, 1e-12);
	assert_close(s->q1_us, 2260.4199999905713, 1e-12);
	assert_close(s->q3_us, 3190.9090588241643, 1e-12);
	assert_close(t2->median_us, 1728.9755862042637, 1e-12);
	/* speedup, its range, efficiency and per-task overhead */
	assert_close(t2->speedup, 1.3614000961918142, 1e-12);
	assert_close(t2->speedup_lo, 1.1687835655331604, 1e-12);
	assert_close(t2->speedup_hi, 1.9946600052443324, 1e-12);
	assert_close(t2->efficiency, 0.68070004809590712, 1e-12);
	assert_close(t2->overhead_task_us, 5.5206182151837222, 1e-9);
	assert_close(p4->speedup, 1.4130700119935733, 1e-12);
	assert_close(p4->efficiency, 0.70653500599678665, 1e-12);
	assert_close(p4->efficiency_per_worker, 1.4130700119935733 / 4, 1e-12);
	assert_close(p4->overhead_task_us, 4.8884059241845286, 1e-9);
	/* fits on each executor's own capacity */
	const struct rep_series *tp = find_series(&f.groups[0], "thread-pool");
	const struct rep_series *pp = find_series(&f.groups[0], "process-pool");
	assert_int_equal(tp->amdahl.status, 0);
	assert_close(tp->amdahl.serial_fraction, 0.68703376425078067, 1e-9);
	assert_close(tp->amdahl.r2, 0.39096251891575595, 1e-9);
	assert_close(tp->usl.sigma, 0.10918882315998958, 1e-9);
	assert_close(tp->usl.kappa, 0.17654036411804297, 1e-9);
	assert_close(tp->usl.peak_workers, 2.2463158407177941, 1e-9);
	assert_close(tp->usl.r2, 0.94552770330618363, 1e-9);
	assert_close(pp->amdahl.serial_fraction, 0.94636799017934048, 1e-9);
	assert_close(pp->usl.sigma, 0.91046135828402019, 1e-9);
	assert_close(pp->usl.kappa, 0.010977155532910992, 1e-9);
	assert_close(pp->usl.peak_workers, 2.8560140666609093, 1e-9);
	assert_close(pp->usl.r2, 0.99509477763806953, 1e-9);
	rep_file_free(&f);
}

static void test_breakdown(void **state)
{
	(void)state;
	char path[4096], reason[REP_REASON_MAX];
	struct rep_file f = {0};
	struct rep_breakdown b;
	snprintf(path, sizeof(path), "%s/breakdown.json", fixtures);
	assert_int_equal(rep_load(path, &f, reason, sizeof(reason)), 0);
	rep_analyse(&f);
	assert_int_equal(f.ngroups, 1);
	assert_true(rep_group_has_breakdown(&f.groups[0]));
	/* numpy medians of each phase counter over the three repetitions
	 * (tests/report/expected.py), in microseconds */
	const struct rep_point *t2 =
	    find(&f, "cpu-hash/thread-pool/workers:2/tasks:200/manual_time");
	assert_true(rep_point_breakdown(t2, &b));
	assert_close(b.create, 3584.7330000251532, 1e-9);
	assert_close(b.dispatch, 114.32000000000001, 1e-9);
	assert_close(b.compute, 6489.5970000000007, 1e-9);
	assert_true(isnan(b.gil_wait));
	assert_close(b.idle, 121.88300000000001, 1e-9);
	assert_close(b.ret, 3044.9220000000005, 1e-9);
	assert_close(b.stop, 45.173999978942447, 1e-9);
	assert_close(b.total, 13400.629000004097, 1e-9);
	const struct rep_point *pt = find(
	    &f, "cpu-hash/thread-per-task/workers:2/tasks:200/manual_time");
	assert_true(rep_point_breakdown(pt, &b));
	assert_close(b.dispatch, 33206.659999999996, 1e-9);
	assert_close(b.total, 36080.393499868929, 1e-9);
	for (int i = 0; i < REP_BREAKDOWN_PARTS; i++)
		assert_non_null(rep_breakdown_names[i]);
	assert_true(isnan(rep_breakdown_part(&b, REP_BREAKDOWN_PARTS)));
	rep_file_free(&f);

	/* gil_wait_s / workers is taken out of compute, never more than it;
	 * without probe_wall_s there is no breakdown. */
	struct rep_file g = {0};
	const struct rep_point *p;
	assert_int_equal(
	    load_string("{\"context\": {}, \"benchmarks\": ["
			"{\"name\": \"py/thread-pool/workers:2\", "
			"\"real_time\": 10, \"time_unit\": \"ms\", "
			"\"probe_wall_s\": 0.01, \"dispatch_s\": 0.001, "
			"\"compute_s\": 0.008, \"idle_s\": 0.0005, "
			"\"return_s\": 0.0005, \"create_s\": 0.002, "
			"\"stop_s\": 0.001, \"gil_wait_s\": 0.006},"
			"{\"name\": \"py/process-pool/workers:2\", "
			"\"real_time\": 10, \"time_unit\": \"ms\", "
			"\"probe_wall_s\": 0.01, \"dispatch_s\": 0.001, "
			"\"compute_s\": 0.002, \"idle_s\": 0.0065, "
			"\"return_s\": 0.0005, \"gil_wait_s\": 0.05},"
			"{\"name\": \"py/serial/workers:1\", "
			"\"real_time\": 10, \"time_unit\": \"ms\", "
			"\"compute_s\": 0.01}]}",
			&g, reason),
	    0);
	p = find(&g, "py/thread-pool/workers:2");
	assert_true(rep_point_breakdown(p, &b));
	assert_close(b.gil_wait, 3000, 1e-12);
	assert_close(b.compute, 5000, 1e-12);
	assert_close(b.total, 2000 + 1000 + 5000 + 3000 + 500 + 500 + 1000,
		     1e-12);
	p = find(&g, "py/process-pool/workers:2");
	assert_true(rep_point_breakdown(p, &b));
	assert_close(b.gil_wait, 2000, 1e-12);
	assert_close(b.compute, 0, 0);
	assert_close(b.create, 0, 0);
	assert_close(b.total, 10000, 1e-12);
	assert_false(rep_point_breakdown(find(&g, "py/serial/workers:1"), &b));
	rep_file_free(&g);
}

static void test_compare(void **state)
{
	(void)state;
	char a[4096], b[4096], reason[REP_REASON_MAX];
	struct rep_file fa = {0}, fb = {0};
	snprintf(a, sizeof(a), "%s/cpu-hash.json", fixtures);
	snprintf(b, sizeof(b), "%s/cpu-hash-b.json", fixtures);
	assert_int_equal(rep_load(a, &fa, reason, sizeof(reason)), 0);
	assert_int_equal(rep_load(b, &fb, reason, sizeof(reason)), 0);
	struct rep_ratio *r;
	size_t n;
	assert_int_equal(rep_compare(&fa, &fb, 0.05, &r, &n), 0);
	assert_int_equal(n, 9);
	/* expected.py: thread-pool W=2, ratio 0.96572655866613499, CI
	 * 0.77665430626909004 .. 1.139900277206666 */
	bool seen = false;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(r[i].other->name, "cpu-hash/thread-pool/workers:2/"
					     "tasks:100/manual_time"))
			continue;
		seen = true;
		assert_close(r[i].ratio, 0.96572655866613499, 1e-12);
		assert_close(r[i].lo, 0.77665430626909004, 1e-12);
		assert_close(r[i].hi, 1.139900277206666, 1e-12);
		assert_false(r[i].regression || r[i].improvement);
	}
	assert_true(seen);
	for (size_t i = 0; i < n; i++) {
		assert_close(r[i].ratio,
			     r[i].other->median_us / r[i].base->median_us,
			     1e-12);
		assert_true(r[i].lo <= r[i].ratio && r[i].ratio <= r[i].hi);
		if (i)
			assert_true(r[i - 1].ratio >= r[i].ratio);
		assert_false(r[i].regression && r[i].improvement);
	}
	free(r);
	/* A file against itself: all ratios 1, nothing flagged. */
	assert_int_equal(rep_compare(&fa, &fa, 0.05, &r, &n), 0);
	for (size_t i = 0; i < n; i++) {
		assert_close(r[i].ratio, 1, 1e-12);
		assert_false(r[i].regression || r[i].improvement);
	}
	free(r);
	rep_file_free(&fa);
	rep_file_free(&fb);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		fixtures = argv[1];
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quantiles),
	    cmocka_unit_test(test_fits_synthetic),
	    cmocka_unit_test(test_fits_exact),
	    cmocka_unit_test(test_fits_too_few),
	    cmocka_unit_test(test_bootstrap),
	    cmocka_unit_test(test_parse_name),
	    cmocka_unit_test(test_load_json),
	    cmocka_unit_test(test_fixture),
	    cmocka_unit_test(test_compare),
	    cmocka_unit_test(test_breakdown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
