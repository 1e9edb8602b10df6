/*
 * test_gbw: unit tests of the Google Benchmark wrapper (bench/gbw/gbw.h).
 *
 * The tests check behaviour, never speed: which flags gb_init() takes, what
 * the JSON written to out_path contains (Google Benchmark's own schema), and
 * what the display reporters print or leave out. Times are only compared
 * where they are manual, hence exact.
 *
 * libbenchmark keeps its flags and registered benchmarks in globals that
 * nothing can reset, so the benchmarks are registered once, by the group
 * setup, and every run happens in a forked child that sets its own flags
 * (--benchmark_filter picks the benchmarks) and reports through its exit
 * status, its captured output and the files it writes. Children never call
 * cmocka: an assertion there would unwind into the parent's copy of the test
 * runner.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "gbw.h"
#include "pt_config.h"

#define PROGRAM_NAME	"test_gbw"
#define MIN_TIME_FLAG	"--benchmark_min_time=0.01"
#define CONTEXT_KEY	"gbw_test_key"
#define CONTEXT_VALUE	"gbw-test-value"
#define CHILD_OK	42 /* exit status of a child whose checks passed */
#define CHILD_INIT_FAIL 251
#define NAME_WIDTH	40
#define MAX_CHILD_FLAGS 8

enum { FEATURE_ITERATIONS = 10 };
static const double feature_iteration_seconds = 1e-3;

/* Set by bm_sentinel, so a child can tell whether anything ran. */
static volatile int sentinel_ran;

static void bm_features(gb_state *st, void *arg)
{
	int64_t planned = gb_iterations(st);

	(void)arg;
	while (gb_keep_running(st)) {
		gb_pause_timing(st);
		gb_resume_timing(st);
		gb_set_iteration_time(st, feature_iteration_seconds);
	}
	gb_set_items_processed(st, 1000);
	gb_set_bytes_processed(st, 2048);
	gb_set_counter(st, "plain", 42.0, GB_COUNTER_DEFAULT);
	gb_set_counter(st, "rate", 50.0, GB_COUNTER_RATE);
	gb_set_counter(st, "per_iteration", 100.0, GB_COUNTER_AVG_ITERATIONS);
	gb_set_counter(st, "planned", (double)planned, GB_COUNTER_DEFAULT);
	gb_set_label(st, "feature-label");
}

static void bm_error(gb_state *st, void *arg)
{
	(void)arg;
	gb_skip_with_error(st, "deliberate failure");
	while (gb_keep_running(st)) {
	}
}

/* A loop with a side effect the compiler must keep. */
static void bm_busy(gb_state *st, void *arg)
{
	volatile unsigned *sink = arg;

	while (gb_keep_running(st))
		(*sink)++;
}

static void bm_sentinel(gb_state *st, void *arg)
{
	(void)arg;
	sentinel_ran = 1;
	while (gb_keep_running(st)) {
	}
}

static volatile unsigned busy_sink;

static int register_benchmarks(void **state)
{
	char *argv[] = {PROGRAM_NAME, MIN_TIME_FLAG, "--benchmark_color=false",
			NULL};
	const char *bad = NULL;
	gb_bench *b;

	(void)state;
	if (gb_init(3, argv, &bad) != 0)
		return -1;
	gb_add_context(CONTEXT_KEY, CONTEXT_VALUE);

	b = gb_register("BM_features", bm_features, NULL);
	if (b == NULL)
		return -1;
	gb_bench_use_manual_time(b);
	gb_bench_iterations(b, FEATURE_ITERATIONS);
	gb_bench_unit(b, GB_MS);

	if (gb_register("BM_error", bm_error, NULL) == NULL)
		return -1;
	if (gb_register("BM_plain", bm_busy, (void *)&busy_sink) == NULL)
		return -1;

	b = gb_register("BM_reps", bm_busy, (void *)&busy_sink);
	if (b == NULL)
		return -1;
	gb_bench_use_real_time(b);
	b = gb_register("BM_reps2", bm_busy, (void *)&busy_sink);
	if (b == NULL)
		return -1;
	gb_bench_repetitions(b, 2);

	if (gb_register("BM_sentinel", bm_sentinel, NULL) == NULL)
		return -1;
	return 0;
}

static int shutdown_benchmarks(void **state)
{
	(void)state;
	gb_shutdown();
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

struct temp_files {
	char out[64];	  /* the JSON file of a run */
	char capture[64]; /* a child's stdout and stderr */
};

static int make_temp(char *path, size_t size)
{
	int fd;

	snprintf(path, size, "/tmp/test_gbw.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int temp_setup(void **state)
{
	struct temp_files *files = calloc(1, sizeof(*files));

	if (files == NULL)
		return -1;
	if (make_temp(files->out, sizeof(files->out)) != 0 ||
	    make_temp(files->capture, sizeof(files->capture)) != 0) {
		unlink(files->out);
		free(files);
		return -1;
	}
	*state = files;
	return 0;
}

static int temp_teardown(void **state)
{
	struct temp_files *files = *state;

	unlink(files->out);
	unlink(files->capture);
	free(files);
	return 0;
}

typedef int (*child_fn)(void *ctx);

/*
 * Runs fn(ctx) in a forked child with standard output and error sent to
 * capture (or /dev/null) and returns the child's exit status, or -1 if it
 * did not exit normally.
 */
static int run_in_child(child_fn fn, void *ctx, const char *capture)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd =
		    open(capture ? capture : "/dev/null", O_WRONLY | O_TRUNC);
		int code;

		if (fd < 0)
			_exit(CHILD_INIT_FAIL);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		code = fn(ctx);
		fflush(stdout);
		fflush(stderr);
		_exit(code);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A gb_init() plus gb_run() to do in a child. */
struct child_run {
	const char *flags[MAX_CHILD_FLAGS]; /* after argv[0], NULL-ended */
	struct gb_run_options opts;
};

/* gb_run()'s result as an exit status: n >= 0 as is, -errno as 128+errno. */
static int run_status(long ran)
{
	if (ran < 0)
		return ran < -120 ? 250 : 128 + (int)-ran;
	return ran > 120 ? 120 : (int)ran;
}

static int child_gb_run(void *ctx)
{
	struct child_run *run = ctx;
	char *argv[MAX_CHILD_FLAGS + 2] = {PROGRAM_NAME};
	const char *bad = NULL;
	int argc = 1;

	for (int i = 0; i < MAX_CHILD_FLAGS && run->flags[i]; i++)
		argv[argc++] = (char *)run->flags[i];
	if (gb_init(argc, argv, &bad) != 0)
		return CHILD_INIT_FAIL;
	return run_status(gb_run(&run->opts));
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t size = 0;
	FILE *mem;
	int c;

	assert_non_null(f);
	mem = open_memstream(&text, &size);
	assert_non_null(mem);
	while ((c = fgetc(f)) != EOF)
		fputc(c, mem);
	fclose(mem);
	fclose(f);
	return text;
}

static json_t *load_json(const char *path)
{
	json_error_t error;
	json_t *root = json_load_file(path, 0, &error);

	if (root == NULL)
		fail_msg("%s: line %d: %s", path, error.line, error.text);
	return root;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void assert_close(double actual, double expected)
{
	double diff = actual > expected ? actual - expected : expected - actual;
	double scale = expected < 0 ? -expected : expected;

	if (diff > 1e-6 * scale)
		fail_msg("%.9g is not %.9g", actual, expected);
}

static double number_field(json_t *object, const char *key)
{
	json_t *value = json_object_get(object, key);

	if (!json_is_number(value))
		fail_msg("\"%s\" is missing or not a number", key);
	return json_number_value(value);
}

static const char *string_field(json_t *object, const char *key)
{
	json_t *value = json_object_get(object, key);

	if (!json_is_string(value))
		fail_msg("\"%s\" is missing or not a string", key);
	return json_string_value(value);
}

/* The fields Google Benchmark's compare.py and CI tools rely on. */
static void assert_required_fields(json_t *run)
{
	static const char *const strings[] = {"name", "run_name", "run_type",
					      "time_unit"};
	static const char *const numbers[] = {"iterations", "real_time",
					      "cpu_time"};

	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		string_field(run, strings[i]);
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		number_field(run, numbers[i]);
}

/* The entry of benchmarks named name (first match), or NULL. */
static json_t *find_run(json_t *benchmarks, const char *prefix)
{
	size_t i;
	json_t *run;

	json_array_foreach(benchmarks, i, run)
	{
		const char *name =
		    json_string_value(json_object_get(run, "name"));
		if (name && strncmp(name, prefix, strlen(prefix)) == 0)
			return run;
	}
	return NULL;
}

/* ---- gb_init ------------------------------------------------------------ */

static void test_init_rejects_unknown_argument(void **state)
{
	char *argv[] = {PROGRAM_NAME, MIN_TIME_FLAG, "--no_such_flag",
			"--benchmark_color=false", NULL};
	const char *bad = NULL;

	(void)state;
	assert_int_equal(gb_init(4, argv, &bad), -EINVAL);
	assert_ptr_equal(bad, argv[2]);
	/* The caller's array is left as it was. */
	assert_string_equal(argv[1], MIN_TIME_FLAG);
	assert_string_equal(argv[3], "--benchmark_color=false");
}

static void test_init_accepts_benchmark_flags(void **state)
{
	char *argv[] = {PROGRAM_NAME,
			MIN_TIME_FLAG,
			"--benchmark_color=false",
			"--benchmark_counters_tabular=false",
			"--benchmark_time_unit=ns",
			NULL};
	const char *bad = "untouched";

	(void)state;
	assert_int_equal(gb_init(5, argv, &bad), 0);
	assert_null(bad);
	/* Again, as the driver's children do. */
	assert_int_equal(gb_init(5, argv, &bad), 0);
	assert_null(bad);
}

/* Arguments on which libbenchmark would print its usage and exit(0). */
static int child_init_exiting_flags(void *ctx)
{
	static const char *const flags[] = {
	    "--help", "--benchmark_format=xml", "--benchmark_out_format=yaml",
	    "--benchmark_time_unit=days", "--benchmark_color="};

	(void)ctx;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		char *argv[] = {PROGRAM_NAME, (char *)flags[i], NULL};
		const char *bad = NULL;

		if (gb_init(2, argv, &bad) != -EINVAL || bad != argv[1])
			return 1 + (int)i;
	}
	return CHILD_OK;
}

static void test_init_never_exits(void **state)
{
	(void)state;
	assert_int_equal(run_in_child(child_init_exiting_flags, NULL, NULL),
			 CHILD_OK);
}

/*
 * Initialising again with the same --benchmark_context (as the driver's
 * children do) keeps the key once and says nothing on stderr, where the
 * library alone complains about every key; gb_add_context() replaces.
 */
static int child_init_context_twice(void *ctx)
{
	char *argv[] = {PROGRAM_NAME, "--benchmark_context=gbw_flag_key=one",
			NULL};
	const char *bad;
	json_t *root, *context, *flag_value, *added_value;
	char *text;
	int code = CHILD_OK;

	(void)ctx;
	if (gb_init(2, argv, &bad) != 0 || gb_init(2, argv, &bad) != 0)
		return 1;
	gb_add_context("gbw_added_key", "first");
	gb_add_context("gbw_added_key", "second");
	text = gb_context_json();
	if (text == NULL)
		return 2;
	root = json_loads(text, 0, NULL);
	free(text);
	context = json_object_get(root, "context");
	flag_value = json_object_get(context, "gbw_flag_key");
	added_value = json_object_get(context, "gbw_added_key");
	if (!json_is_string(flag_value) ||
	    strcmp(json_string_value(flag_value), "one") != 0)
		code = 3;
	else if (!json_is_string(added_value) ||
		 strcmp(json_string_value(added_value), "second") != 0)
		code = 4;
	json_decref(root);
	return code;
}

static void test_init_twice_is_quiet(void **state)
{
	struct temp_files *files = *state;
	char *captured;

	assert_int_equal(
	    run_in_child(child_init_context_twice, NULL, files->capture),
	    CHILD_OK);
	captured = read_text(files->capture);
	assert_string_equal(captured, "");
	free(captured);
}

/* ---- gb_run: the JSON file ---------------------------------------------- */

static void test_run_writes_google_benchmark_json(void **state)
{
	struct temp_files *files = *state;
	struct child_run run = {
	    .flags = {"--benchmark_filter=^BM_(features|error)"},
	    .opts = {.display = GB_FORMAT_JSON, .out_path = files->out},
	};
	json_t *root, *context, *benchmarks, *features, *error;
	const char *name;
	double seconds = FEATURE_ITERATIONS * feature_iteration_seconds;

	assert_int_equal(run_in_child(child_gb_run, &run, NULL), 2);
	root = load_json(files->out);

	context = json_object_get(root, "context");
	assert_true(json_is_object(context));
	assert_string_equal(string_field(context, CONTEXT_KEY), CONTEXT_VALUE);
	assert_string_equal(string_field(context, "executable"), PROGRAM_NAME);

	benchmarks = json_object_get(root, "benchmarks");
	assert_true(json_is_array(benchmarks));
	assert_int_equal(json_array_size(benchmarks), 2);

	features = find_run(benchmarks, "BM_features");
	assert_non_null(features);
	assert_required_fields(features);
	name = string_field(features, "name");
	assert_true(ends_with(name, "/manual_time"));
	assert_string_equal(string_field(features, "run_name"), name);
	assert_string_equal(string_field(features, "run_type"), "iteration");
	assert_int_equal(number_field(features, "iterations"),
			 FEATURE_ITERATIONS);
	/* Manual time, so exact: 1 ms per iteration, reported in ms. */
	assert_string_equal(string_field(features, "time_unit"), "ms");
	assert_close(number_field(features, "real_time"), 1.0);
	assert_close(number_field(features, "plain"), 42.0);
	assert_close(number_field(features, "rate"), 50.0 / seconds);
	assert_close(number_field(features, "per_iteration"),
		     100.0 / FEATURE_ITERATIONS);
	assert_close(number_field(features, "planned"), FEATURE_ITERATIONS);
	assert_close(number_field(features, "items_per_second"),
		     1000.0 / seconds);
	assert_close(number_field(features, "bytes_per_second"),
		     2048.0 / seconds);
	assert_string_equal(string_field(features, "label"), "feature-label");
	assert_null(json_object_get(features, "error_occurred"));

	error = find_run(benchmarks, "BM_error");
	assert_non_null(error);
	assert_required_fields(error);
	assert_true(json_is_true(json_object_get(error, "error_occurred")));
	assert_string_equal(string_field(error, "error_message"),
			    "deliberate failure");

	json_decref(root);
}

static int count_runs(json_t *benchmarks, const char *run_name,
		      const char *run_type, const char *aggregate_name)
{
	size_t i;
	json_t *run;
	int count = 0;

	json_array_foreach(benchmarks, i, run)
	{
		const char *rn =
		    json_string_value(json_object_get(run, "run_name"));
		const char *rt =
		    json_string_value(json_object_get(run, "run_type"));
		const char *an =
		    json_string_value(json_object_get(run, "aggregate_name"));

		if (!rn || !rt || strcmp(rn, run_name) || strcmp(rt, run_type))
			continue;
		if (aggregate_name && (!an || strcmp(an, aggregate_name)))
			continue;
		assert_required_fields(run);
		count++;
	}
	return count;
}

static void test_repetitions_produce_aggregates(void **state)
{
	struct temp_files *files = *state;
	struct child_run run = {
	    .flags = {"--benchmark_repetitions=3",
		      "--benchmark_filter=^BM_reps"},
	    .opts = {.display = GB_FORMAT_CONSOLE,
		     .out_path = files->out,
		     .print_header = true},
	};
	static const char *const aggregates[] = {"mean", "median", "stddev",
						 "cv"};
	json_t *root, *benchmarks;

	assert_int_equal(run_in_child(child_gb_run, &run, NULL), 2);
	root = load_json(files->out);
	benchmarks = json_object_get(root, "benchmarks");
	assert_true(json_is_array(benchmarks));

	/* The flag sets 3 repetitions; gb_bench_repetitions() overrides it. */
	assert_int_equal(
	    count_runs(benchmarks, "BM_reps/real_time", "iteration", NULL), 3);
	assert_int_equal(
	    count_runs(benchmarks, "BM_reps2/repeats:2", "iteration", NULL), 2);
	for (size_t i = 0; i < sizeof(aggregates) / sizeof(aggregates[0]);
	     i++) {
		assert_int_equal(count_runs(benchmarks, "BM_reps/real_time",
					    "aggregate", aggregates[i]),
				 1);
		assert_int_equal(count_runs(benchmarks, "BM_reps2/repeats:2",
					    "aggregate", aggregates[i]),
				 1);
	}
	json_decref(root);
}

/* A file name nothing matches still gets a complete, empty document. */
static void test_no_match_writes_empty_report(void **state)
{
	struct temp_files *files = *state;
	struct child_run run = {
	    .flags = {"--benchmark_filter=^no_such_benchmark$"},
	    .opts = {.display = GB_FORMAT_CONSOLE, .out_path = files->out},
	};
	json_t *root;

	assert_int_equal(run_in_child(child_gb_run, &run, NULL), 0);
	root = load_json(files->out);
	assert_true(json_is_object(json_object_get(root, "context")));
	assert_int_equal(json_array_size(json_object_get(root, "benchmarks")),
			 0);
	json_decref(root);
}

static int child_missing_directory(void *ctx)
{
	char *argv[] = {PROGRAM_NAME, "--benchmark_filter=^BM_sentinel$", NULL};
	struct gb_run_options opts = {
	    .display = GB_FORMAT_CONSOLE,
	    .out_path = ctx,
	    .print_header = true,
	};
	const char *bad;
	long ran;

	if (gb_init(2, argv, &bad) != 0)
		return CHILD_INIT_FAIL;
	ran = gb_run(&opts);
	if (ran != -ENOENT)
		return run_status(ran);
	return sentinel_ran ? 1 : CHILD_OK;
}

static void test_out_path_in_missing_directory(void **state)
{
	struct temp_files *files = *state;
	char *captured;

	assert_int_equal(run_in_child(child_missing_directory,
				      "/nonexistent-gbw-test-dir/sub/out.json",
				      files->capture),
			 CHILD_OK);
	/* Nothing ran, so nothing was printed either. */
	captured = read_text(files->capture);
	assert_string_equal(captured, "");
	free(captured);
}

/* The driver's children stream their JSON to the parent through a pipe. */
static void test_out_path_pipe(void **state)
{
	char out_path[32];
	struct child_run run = {
	    .flags = {"--benchmark_filter=^BM_plain$"},
	    .opts = {.display = GB_FORMAT_CONSOLE, .out_path = out_path},
	};
	int pipe_fds[2], status;
	json_error_t error;
	json_t *root, *benchmarks;
	FILE *in;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(pipe_fds), 0);
	snprintf(out_path, sizeof(out_path), "/dev/fd/%d", pipe_fds[1]);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null_fd = open("/dev/null", O_WRONLY);

		close(pipe_fds[0]);
		dup2(null_fd, STDOUT_FILENO);
		dup2(null_fd, STDERR_FILENO);
		_exit(child_gb_run(&run));
	}
	close(pipe_fds[1]);
	in = fdopen(pipe_fds[0], "r");
	assert_non_null(in);
	root = json_loadf(in, 0, &error); /* reads to EOF: the child closed */
	fclose(in);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	if (root == NULL)
		fail_msg("pipe: line %d: %s", error.line, error.text);
	benchmarks = json_object_get(root, "benchmarks");
	assert_int_equal(json_array_size(benchmarks), 1);
	assert_non_null(find_run(benchmarks, "BM_plain"));
	json_decref(root);
}

/* ---- gb_run: what the display prints ------------------------------------ */

/* Runs BM_plain in a child with display and header; returns its output. */
static char *display_output(struct temp_files *files, enum gb_format display,
			    bool print_header, size_t name_width)
{
	struct child_run run = {
	    .flags = {"--benchmark_filter=^BM_plain$",
		      "--benchmark_color=false"},
	    .opts = {.display = display,
		     .print_header = print_header,
		     .name_width = name_width},
	};

	assert_int_equal(run_in_child(child_gb_run, &run, files->capture), 1);
	return read_text(files->capture);
}

/* The line of text that starts with prefix, or NULL. */
static const char *line_starting(const char *text, const char *prefix)
{
	for (const char *line = text; line && *line;) {
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			return line;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NULL;
}

static void test_csv_header_only_when_asked(void **state)
{
	struct temp_files *files = *state;
	char *with = display_output(files, GB_FORMAT_CSV, true, 0);
	char *without = display_output(files, GB_FORMAT_CSV, false, 0);
	const char *eol;

	assert_non_null(line_starting(with, "name,iterations,real_time"));
	assert_non_null(line_starting(with, "\"BM_plain\","));
	assert_non_null(strstr(with, "Run on ("));

	/* No context, no header: exactly the one data line. */
	assert_null(line_starting(without, "name,"));
	assert_null(strstr(without, "Run on ("));
	assert_ptr_equal(line_starting(without, "\"BM_plain\","), without);
	eol = strchr(without, '\n');
	assert_non_null(eol);
	assert_string_equal(eol, "\n");

	free(with);
	free(without);
}

/* True if line has the name padded to width, then the column separator. */
static bool name_padded_to(const char *line, const char *name, size_t width)
{
	size_t n = strlen(name);

	if (strncmp(line, name, n) != 0)
		return false;
	for (size_t i = n; i <= width; i++)
		if (line[i] != ' ')
			return false;
	return true;
}

static void test_console_header_only_when_asked(void **state)
{
	struct temp_files *files = *state;
	char *with = display_output(files, GB_FORMAT_CONSOLE, true, NAME_WIDTH);
	char *without =
	    display_output(files, GB_FORMAT_CONSOLE, false, NAME_WIDTH);
	char *own_width = display_output(files, GB_FORMAT_CONSOLE, true, 0);
	const char *header, *time;

	/* With the header: context, header line, and the caller's width. */
	assert_non_null(strstr(with, "Run on ("));
	header = line_starting(with, "Benchmark ");
	assert_non_null(header);
	assert_non_null(line_starting(with, "-----"));
	time = strstr(header, "Time");
	assert_non_null(time);
	/* "%-*s %13s": Time ends in column width + 1 + 13. */
	assert_int_equal(time - header + 4, NAME_WIDTH + 1 + 13);
	assert_true(name_padded_to(line_starting(with, "BM_plain"), "BM_plain",
				   NAME_WIDTH));

	/* Without: the result line only, still at the caller's width. */
	assert_null(strstr(without, "Run on ("));
	assert_null(line_starting(without, "Benchmark"));
	assert_null(line_starting(without, "-----"));
	assert_ptr_equal(line_starting(without, "BM_plain"), without);
	assert_true(name_padded_to(without, "BM_plain", NAME_WIDTH));

	/* name_width 0: Google Benchmark's own (narrower) width. */
	assert_false(name_padded_to(line_starting(own_width, "BM_plain"),
				    "BM_plain", NAME_WIDTH));

	free(with);
	free(without);
	free(own_width);
}

/* ---- context and version ------------------------------------------------ */

static void test_context_json(void **state)
{
	char *text = gb_context_json();
	json_error_t error;
	json_t *root, *context;

	(void)state;
	assert_non_null(text);
	root = json_loads(text, 0, &error);
	if (root == NULL)
		fail_msg("line %d: %s", error.line, error.text);
	free(text);
	context = json_object_get(root, "context");
	assert_true(json_is_object(context));
	assert_true(json_is_integer(json_object_get(context, "num_cpus")));
	assert_true(json_integer_value(json_object_get(context, "num_cpus")) >
		    0);
	assert_string_equal(string_field(context, CONTEXT_KEY), CONTEXT_VALUE);
	string_field(context, "executable");
	assert_int_equal(json_array_size(json_object_get(root, "benchmarks")),
			 0);
	json_decref(root);
}

static void test_library_version(void **state)
{
	(void)state;
	assert_string_equal(gb_library_version(), PT_BENCHMARK_VERSION);
	assert_true(gb_library_version()[0] >= '0' &&
		    gb_library_version()[0] <= '9');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_rejects_unknown_argument),
	    cmocka_unit_test(test_init_accepts_benchmark_flags),
	    cmocka_unit_test(test_init_never_exits),
	    cmocka_unit_test_setup_teardown(test_init_twice_is_quiet,
					    temp_setup, temp_teardown),
	    cmocka_unit_test_setup_teardown(
		test_run_writes_google_benchmark_json, temp_setup,
		temp_teardown),
	    cmocka_unit_test_setup_teardown(test_repetitions_produce_aggregates,
					    temp_setup, temp_teardown),
	    cmocka_unit_test_setup_teardown(test_no_match_writes_empty_report,
					    temp_setup, temp_teardown),
	    cmocka_unit_test_setup_teardown(test_out_path_in_missing_directory,
					    temp_setup, temp_teardown),
	    cmocka_unit_test(test_out_path_pipe),
	    cmocka_unit_test_setup_teardown(test_csv_header_only_when_asked,
					    temp_setup, temp_teardown),
	    cmocka_unit_test_setup_teardown(test_console_header_only_when_asked,
					    temp_setup, temp_teardown),
	    cmocka_unit_test(test_context_json),
	    cmocka_unit_test(test_library_version),
	};

	return cmocka_run_group_tests(tests, register_benchmarks,
				      shutdown_benchmarks);
}
