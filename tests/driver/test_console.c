/*
 * The readable console table and the --ci reduction on fixture documents:
 * speedup and efficiency against the serial row, the median and spread of
 * repetitions, the flags (over, noisy, ERROR), the serial reference job
 * when there is no serial row, '-' when there is neither, aggregates-only
 * documents, labels shortened to fit, and every line within 100 columns.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ci.h"
#include "console.h"

/* An iteration entry: time in us, counters as "k":v pairs in extra. */
static json_t *entry(const char *name, double us, const char *extra)
{
	char text[2048];
	json_t *e;

	snprintf(
	    text, sizeof(text),
	    "{\"name\": \"%s/manual_time\", \"run_name\": "
	    "\"%s/manual_time\", \"run_type\": \"iteration\", "
	    "\"repetitions\": 1, \"iterations\": 10, \"real_time\": %.17g, "
	    "\"cpu_time\": 1, \"time_unit\": \"us\"%s%s}",
	    name, name, us, extra && *extra ? ", " : "", extra ? extra : "");
	e = json_loads(text, 0, NULL);
	assert_non_null(e);
	return e;
}

static json_t *doc_with_cpus(const char *cpus)
{
	json_t *d =
	    json_pack("{s:{s:s, s:[f]}, s:[]}", "context", "online_cpus", cpus,
		      "load_avg", 0.1, "benchmarks");

	assert_non_null(d);
	return d;
}

static void add(json_t *doc, json_t *e)
{
	json_array_append_new(json_object_get(doc, "benchmarks"), e);
}

/* Renders doc; the caller frees the text. */
static char *render(json_t *doc, int expect_rows)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(pt_console_render(doc, f), expect_rows);
	fclose(f);
	return text;
}

/* The text with wrapped lines joined again ("\n" plus indent: a space). */
static char *flat(char *text)
{
	char *out = strdup(text), *o = out;

	assert_non_null(out);
	for (const char *p = text; *p; p++) {
		if (p[0] == '\n' && p[1] == ' ') {
			*o++ = ' ';
			while (p[1] == ' ')
				p++;
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	free(text);
	return out;
}

/* Every line within PT_CONSOLE_WIDTH columns (code points). */
static void assert_fits(const char *text)
{
	size_t col = 0;

	for (const char *p = text; *p; p++) {
		if (*p == '\n') {
			col = 0;
			continue;
		}
		if (((unsigned char)*p & 0xc0) != 0x80)
			col++;
		if (col > PT_CONSOLE_WIDTH)
			fail_msg("line longer than %d columns in:\n%s",
				 PT_CONSOLE_WIDTH, text);
	}
}

/* The table line of configuration "WORKLOAD EXECUTOR W". */
static const char *row_line(const char *text, const char *executor,
			    const char *workers, char *line, size_t len)
{
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char w[64], ex[128], wk[16];

		snprintf(line, len, "%.*s", (int)n, p);
		if (sscanf(line, "%63s %127s %15s", w, ex, wk) == 3 &&
		    !strcmp(ex, executor) && !strcmp(wk, workers))
			return line;
		p = eol ? eol + 1 : p + n;
	}
	fail_msg("no row for %s W=%s in:\n%s", executor, workers, text);
	return NULL;
}

static void speedup_efficiency_flags(void **unused)
{
	json_t *doc = doc_with_cpus("2");
	const char *c = "\"tasks\": 100, \"probe_wall_s\": 0.0001, "
			"\"compute_s\": 0.00005, \"cpu_util\": 0.5, "
			"\"create_per_worker_s\": 0.00002";
	char line[512], *text;

	(void)unused;
	for (int i = 0; i < 3; i++)
		add(doc, entry("cpu-hash/serial/workers:1", 100, c));
	for (int i = 0; i < 3; i++)
		add(doc, entry("cpu-hash/thread-pool/workers:2", 50, c));
	add(doc, entry("cpu-hash/process-pool/workers:4", 50, c));
	add(doc, entry("cpu-hash/process-pool/workers:4", 60, c));
	add(doc, entry("cpu-hash/process-pool/workers:4", 70, c));
	add(doc, json_pack("{s:s, s:s, s:s, s:b, s:s, s:f, s:s}", "name",
			   "cpu-hash/thread-per-task/workers:2/manual_time",
			   "run_name",
			   "cpu-hash/thread-per-task/workers:2/manual_time",
			   "run_type", "iteration", "error_occurred", 1,
			   "error_message", "crashed: killed by SIGSEGV",
			   "real_time", 0.0, "time_unit", "us"));
	text = render(doc, 4);
	assert_fits(text);
	assert_non_null(strstr(text, "speedup"));
	assert_non_null(strstr(text, "effic"));

	row_line(text, "serial", "1", line, sizeof(line));
	assert_non_null(strstr(line, "100us"));
	assert_non_null(strstr(line, "1.00x"));
	assert_non_null(strstr(line, "100%"));

	row_line(text, "thread-pool", "2", line, sizeof(line));
	assert_non_null(strstr(line, "50.0us ±0.0%"));
	assert_non_null(strstr(line, "2.00x"));
	assert_non_null(strstr(line, "100%"));
	assert_null(strstr(line, "noisy"));
	assert_null(strstr(line, "over"));
	/* (wall - compute) x W / tasks = 50 us x 2 / 100 = 1 us. */
	assert_non_null(strstr(line, "1.00us"));
	assert_non_null(strstr(line, "20.0us")); /* create per worker */
	assert_non_null(strstr(line, "50%"));	 /* cpu */

	/* Median 60 us: 100/60 = 1.67x, on min(4, 2) CPUs 83%; cv 16.7%,
	 * half the IQR (65 - 55) / 2 = 5 us = 8.3% of the median. */
	row_line(text, "process-pool", "4", line, sizeof(line));
	assert_non_null(strstr(line, "60.0us ±8.3%"));
	assert_non_null(strstr(line, "1.67x"));
	assert_non_null(strstr(line, "83%"));
	assert_non_null(strstr(line, "over,noisy"));

	row_line(text, "thread-per-task", "2", line, sizeof(line));
	assert_non_null(strstr(line, "error"));
	assert_non_null(strstr(line, "ERROR"));
	assert_non_null(
	    strstr(text, "error: cpu-hash/thread-per-task/workers:2: crashed"));

	free(text);
	text = flat(render(doc, 4));
	assert_non_null(strstr(
	    text, "cpu-hash: fastest thread-pool at W=2, 2.00x serial (100% "
		  "efficient); next process-pool 1.67x at W=4"));
	assert_non_null(strstr(text, "median of 3 repetitions"));
	assert_non_null(strstr(text, "noisy: cv above 5%"));
	free(text);
	json_decref(doc);
}

static void no_serial_row(void **unused)
{
	json_t *doc = doc_with_cpus("2");
	char line[512], *text;

	(void)unused;
	/* The serial reference job of the first configuration. */
	add(doc, entry("cpu-hash/process-pool/workers:16", 25,
		       "\"serial_ref_s\": 0.0001"));
	add(doc, entry("cpu-hash/process-pool/workers:2", 50, ""));
	/* Neither a serial row nor a reference: '-'. */
	add(doc, entry("io-sleep/process-pool/workers:16", 2000, ""));
	text = render(doc, 3);
	assert_fits(text);
	row_line(text, "process-pool", "16", line, sizeof(line));
	assert_non_null(strstr(line, "4.00x"));
	assert_non_null(strstr(line, "200%")); /* 4 / min(16, 2) */
	assert_non_null(strstr(line, "over"));
	row_line(text, "process-pool", "2", line, sizeof(line));
	assert_non_null(strstr(line, "2.00x"));
	free(text);
	text = flat(render(doc, 3));
	assert_non_null(strstr(text, "4.00x a serial reference job"));
	assert_non_null(strstr(text, "serial_ref_s"));
	assert_non_null(strstr(text, "io-sleep: fastest process-pool at W=16 "
				     "(2.00ms a job); no serial time"));
	assert_non_null(strstr(text, "'-': no serial time"));
	free(text);
	json_decref(doc);
}

static void aggregates_only(void **unused)
{
	json_t *doc = doc_with_cpus("4");
	const char *names[] = {"mean", "median", "stddev", "cv"};
	const double us[] = {41, 40, 2, 0.1}; /* cv: a ratio, not a time */
	char line[512], *text;

	(void)unused;
	add(doc, entry("cpu-hash/serial/workers:1", 160, ""));
	for (int i = 0; i < 4; i++) {
		json_t *e = entry("cpu-hash/omp/workers:4", us[i],
				  "\"aggregate_name\": \"x\"");
		char name[128];

		snprintf(name, sizeof(name),
			 "cpu-hash/omp/workers:4/manual_time_%s", names[i]);
		json_object_set_new(e, "name", json_string(name));
		json_object_set_new(e, "run_type", json_string("aggregate"));
		json_object_set_new(e, "aggregate_name", json_string(names[i]));
		json_object_set_new(e, "repetitions", json_integer(5));
		add(doc, e);
	}
	text = render(doc, 2);
	row_line(text, "omp", "4", line, sizeof(line));
	assert_non_null(strstr(line, "40.0us ±5.0%")); /* stddev 2 / 40 */
	assert_non_null(strstr(line, "4.00x"));
	assert_non_null(strstr(line, "100%"));
	assert_non_null(strstr(line, "noisy")); /* cv 10% */
	free(text);
	json_decref(doc);
}

static void long_labels_fit(void **unused)
{
	json_t *doc = doc_with_cpus("2");
	char *text;

	(void)unused;
	add(doc, entry("lock-contention/serial/workers:1/tasks:123456/"
		       "increments:1000/cs:5000/outside:100000",
		       1e6, ""));
	add(doc, entry("lock-contention/process-per-task/workers:1000/"
		       "tasks:123456/increments:1000/cs:5000/outside:100000/"
		       "on-task-failure:retry:3/task-timeout:10s",
		       2e6, ""));
	text = render(doc, 2);
	assert_fits(text);
	assert_non_null(strstr(text, "~"));
	assert_non_null(strstr(text, "0.50x"));
	free(text);
	json_decref(doc);
}

static void ci_one_entry_per_configuration(void **unused)
{
	json_t *doc = doc_with_cpus("2");
	json_t *list, *e;
	size_t i;

	(void)unused;
	for (int k = 0; k < 3; k++)
		add(doc, entry("a/serial/workers:1", 10 + k, ""));
	e = entry("a/serial/workers:1", 11, "");
	json_object_set_new(
	    e, "name", json_string("a/serial/workers:1/manual_time_median"));
	json_object_set_new(e, "run_type", json_string("aggregate"));
	json_object_set_new(e, "aggregate_name", json_string("median"));
	json_object_set_new(e, "repetitions", json_integer(3));
	json_object_set_new(e, "iterations", json_integer(3));
	add(doc, e);
	e = entry("a/serial/workers:1", 0.1, "");
	json_object_set_new(e, "name",
			    json_string("a/serial/workers:1/manual_time_cv"));
	json_object_set_new(e, "run_type", json_string("aggregate"));
	json_object_set_new(e, "aggregate_name", json_string("cv"));
	add(doc, e);
	add(doc, entry("a/thread-pool/workers:2", 7, ""));
	e = entry("a/process-pool/workers:2", 0, "");
	json_object_set_new(e, "error_occurred", json_true());
	json_object_set_new(e, "error_message", json_string("timed out"));
	add(doc, e);

	assert_int_equal(pt_ci_reduce(doc), 1);
	list = json_object_get(doc, "benchmarks");
	assert_int_equal(json_array_size(list), 2);
	json_array_foreach(list, i, e)
	{
		assert_false(
		    json_is_true(json_object_get(e, "error_occurred")));
		assert_string_equal(
		    json_string_value(json_object_get(e, "run_type")),
		    "iteration");
		assert_true(json_number_value(json_object_get(e, "real_time")) >
			    0);
	}
	e = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(e, "name")),
			    "a/serial/workers:1/manual_time");
	assert_true(json_number_value(json_object_get(e, "real_time")) == 11);
	assert_int_equal(json_integer_value(json_object_get(e, "iterations")),
			 10);
	assert_null(json_object_get(e, "aggregate_name"));
	assert_non_null(strstr(json_string_value(json_object_get(e, "label")),
			       "median of 3 repetitions"));
	assert_non_null(strstr(
	    json_string_value(json_object_get(json_object_get(doc, "context"),
					      "procthread_ci_errors")),
	    "a/process-pool/workers:2/manual_time: timed out"));
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(speedup_efficiency_flags),
	    cmocka_unit_test(no_serial_row),
	    cmocka_unit_test(aggregates_only),
	    cmocka_unit_test(long_labels_fit),
	    cmocka_unit_test(ci_one_entry_per_configuration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
