/*
 * bench ab: the A/B gate on one noisy machine.
 *
 * The design is simple: the baseline binary (A) and this binary (B) run
 * the same bench arguments alternately, each run a fresh process writing
 * its own results file, so that slow drifts of the machine (heat, other
 * tenants, frequency) fall on both sides instead of on one. Runs come in
 * pairs, and a pseudo-random generator seeded by --seed decides for each
 * pair whether A or B goes first, so a periodic disturbance cannot line up
 * with one side either; the same seed gives the same order. Each run gives
 * one sample per benchmark (its median when it ran --repetitions: runs,
 * not repetitions inside one process, are the independent observations the
 * tests need); the samples of all A runs are merged into one results file,
 * those of all B runs into another, each entry numbered with its pair
 * (procthread_ab_pair), and the two are compared as `bench compare` does:
 * seeing the pair numbers, it uses the paired test (Wilcoxon signed-rank
 * on the per-pair ratios), which cancels a drift of the machine during
 * the session that would drown a 5% change in an unpaired test.
 *
 * Layout of --ab-dir (default bench-ab): base.json, new.json, compare.txt
 * (or .md, .json after --format), and runs/ with each run's results file
 * and its standard error. Exit status as bench compare: 0, 1 or 2.
 */
#include "gate.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "gate_cmp.h"
#include "plan.h"

#define EXIT_USAGE 2
#define MAX_RUNS   1000

struct ab_options {
	const char *baseline;
	const char *dir;
	unsigned runs; /* pairs of runs */
	uint64_t seed;
	char **bench_args; /* passed to both binaries */
	int n_bench_args;
};

/* splitmix64: small, seedable, and the same on every platform. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void usage(FILE *f)
{
	fputs("usage: bench ab --baseline=BENCH_BINARY [OPTIONS] "
	      "[BENCH ARGS...]\n"
	      "Runs BENCH_BINARY (A) and this bench (B) alternately with the "
	      "same\narguments, each run a fresh process, then compares A "
	      "against B as\nbench compare does. Exit status 0 no regression, "
	      "1 a regression, 2 error.\n"
	      "  --baseline=PATH    the baseline bench binary (required)\n"
	      "  --runs=N           pairs of runs, A and B once each per pair "
	      "(default 10;\n"
	      "                     the paired test needs 8 at alpha 0.01)\n"
	      "  --seed=S           seed of the order within each pair "
	      "(default 1)\n"
	      "  --ab-dir=DIR       where to write base.json, new.json, "
	      "compare.*, runs/\n"
	      "                     (default bench-ab)\n"
	      "compare options:\n",
	      f);
	gate_print_option_help(f);
	fputs("Any other argument goes to both binaries (--out and --format "
	      "are set by ab).\n",
	      f);
}

/* --name=value or --name value; advances *i past a separate value. */
static int ab_value(int argc, char **argv, int *i, const char *name,
		    const char **value)
{
	const char *arg = argv[*i];
	size_t len = strlen(name);

	if (strncmp(arg, name, len))
		return 0;
	if (arg[len] == '=') {
		*value = arg + len + 1;
		return 1;
	}
	if (arg[len] || *i + 1 >= argc)
		return 0;
	*value = argv[++*i];
	return 1;
}

static int parse_unsigned(const char *s, unsigned long long max,
			  unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (end == s || *end || errno || *out > max || s[0] == '-')
		return -EINVAL;
	return 0;
}

/*
 * The bench arguments are checked as this binary's bench would check them,
 * so that a typo is one line now, not a failed first run after the output
 * directory exists.
 */
static int check_bench_args(const struct ab_options *ab)
{
	struct pt_options *opts = calloc(1, sizeof(*opts));
	char **args = calloc((size_t)ab->n_bench_args + 2, sizeof(*args));
	struct pt_plan plan = {0};
	char err[512];
	int rc = -ENOMEM;

	if (!opts || !args) {
		fprintf(stderr, "bench: ab: out of memory\n");
		goto out;
	}
	args[0] = (char *)"bench";
	for (int i = 0; i < ab->n_bench_args; i++)
		args[i + 1] = ab->bench_args[i];
	rc = pt_parse_args(ab->n_bench_args + 1, args, opts, err, sizeof(err));
	if (!rc)
		rc = pt_plan_build(opts, &plan, err, sizeof(err));
	if (rc)
		fprintf(stderr, "bench: ab: %s\n", err);
out:
	pt_plan_free(&plan);
	free(args);
	free(opts);
	return rc;
}

static int parse_args(int argc, char **argv, struct ab_options *ab,
		      struct gate_options *o)
{
	unsigned long long v;
	const char *value;

	ab->dir = "bench-ab";
	ab->runs = 10;
	ab->seed = 1;
	ab->bench_args = calloc((size_t)argc + 1, sizeof(char *));
	if (!ab->bench_args) {
		fprintf(stderr, "bench: ab: out of memory\n");
		return -ENOMEM;
	}
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		int got;

		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			return 1;
		}
		if (ab_value(argc, argv, &i, "--baseline", &value)) {
			ab->baseline = value;
			continue;
		}
		if (ab_value(argc, argv, &i, "--ab-dir", &value)) {
			ab->dir = value;
			continue;
		}
		if (ab_value(argc, argv, &i, "--runs", &value)) {
			if (parse_unsigned(value, MAX_RUNS, &v) || v == 0) {
				fprintf(stderr,
					"bench: ab: --runs: invalid value "
					"'%s' (1..%d)\n",
					value, MAX_RUNS);
				return -EINVAL;
			}
			ab->runs = (unsigned)v;
			continue;
		}
		if (ab_value(argc, argv, &i, "--seed", &value)) {
			if (parse_unsigned(value, ULLONG_MAX, &v)) {
				fprintf(stderr,
					"bench: ab: --seed: invalid value "
					"'%s'\n",
					value);
				return -EINVAL;
			}
			ab->seed = v;
			continue;
		}
		/* --format and --out belong to the comparison here. */
		got = gate_parse_option(o, argc, argv, &i);
		if (got < 0)
			return -EINVAL;
		if (got)
			continue;
		if (!strncmp(arg, "--benchmark_out", 15) ||
		    !strncmp(arg, "--benchmark_format", 18)) {
			fprintf(stderr,
				"bench: ab: %s: set by bench ab (see --ab-dir "
				"and --format)\n",
				arg);
			return -EINVAL;
		}
		ab->bench_args[ab->n_bench_args++] = argv[i];
	}
	if (!ab->baseline) {
		fprintf(stderr, "bench: ab: --baseline=BENCH_BINARY is "
				"required (see bench ab --help)\n");
		return -EINVAL;
	}
	if (access(ab->baseline, X_OK)) {
		fprintf(stderr, "bench: ab: --baseline %s: %s\n", ab->baseline,
			strerror(errno));
		return -EINVAL;
	}
	return check_bench_args(ab);
}

/* Runs one bench process: BINARY BENCH_ARGS --out=OUT, standard output
 * discarded, standard error into LOG. Returns its exit status, or a
 * negative errno when it could not run or died of a signal. */
static int run_one(const char *binary, const struct ab_options *ab,
		   const char *out, const char *log)
{
	char **argv = calloc((size_t)ab->n_bench_args + 3, sizeof(char *));
	char *out_arg = NULL;
	int status, err = 0;
	pid_t pid;

	if (!argv || asprintf(&out_arg, "--out=%s", out) < 0) {
		free(argv);
		return -ENOMEM;
	}
	argv[0] = (char *)binary;
	for (int i = 0; i < ab->n_bench_args; i++)
		argv[i + 1] = ab->bench_args[i];
	argv[ab->n_bench_args + 1] = out_arg;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		execv(binary, argv);
		fprintf(stderr, "bench: ab: %s: %s\n", binary, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			err = -errno;
			goto out;
		}
	if (WIFEXITED(status))
		err = WEXITSTATUS(status);
	else
		err = -EINTR;
out:
	free(out_arg);
	free(argv);
	return err;
}

static const char *entry_run_name(json_t *e)
{
	json_t *name = json_object_get(e, "run_name");

	if (!json_is_string(name))
		name = json_object_get(e, "name");
	return json_string_value(name);
}

static bool is_median(json_t *e)
{
	json_t *type = json_object_get(e, "run_type");
	json_t *agg = json_object_get(e, "aggregate_name");

	return json_is_string(type) &&
	       !strcmp(json_string_value(type), "aggregate") &&
	       json_is_string(agg) && !strcmp(json_string_value(agg), "median");
}

/* Appends one sample per benchmark of the results file PATH to the merged
 * document: the run is the independent unit, so repetitions inside one run
 * (--repetitions) are collapsed to their median aggregate; a run without
 * repetitions gives its single iteration entry; error entries are kept.
 * repetition_index is renumbered per run name. */
static int merge_run(json_t *merged, const char *path, unsigned pair, char *why,
		     size_t why_len)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, JSON_DECODE_INT_AS_REAL, &jerr);
	json_t *list = json_object_get(doc, "benchmarks");
	json_t *all = json_object_get(merged, "benchmarks");
	json_t *counts = json_object_get(merged, "_counts");
	json_t *medians = json_object();
	size_t i;
	json_t *e;

	if (!json_is_array(list) || !medians) {
		snprintf(why, why_len, "%s: %s", path,
			 !medians ? "out of memory"
			 : doc	  ? "no \"benchmarks\" array"
				  : jerr.text);
		json_decref(medians);
		json_decref(doc);
		return -EINVAL;
	}
	if (!json_object_get(merged, "context")) {
		json_t *ctx = json_object_get(doc, "context");

		json_object_set_new(merged, "context",
				    json_is_object(ctx) ? json_copy(ctx)
							: json_object());
	}
	json_array_foreach(list, i, e)
	{
		if (json_is_object(e) && entry_run_name(e) && is_median(e))
			json_object_set(medians, entry_run_name(e), e);
	}
	json_array_foreach(list, i, e)
	{
		json_t *type = json_object_get(e, "run_type");
		const char *name;
		json_int_t n;

		if (!json_is_object(e) || !(name = entry_run_name(e)))
			continue;
		if (json_is_true(json_object_get(e, "error_occurred"))) {
			/* kept as it is */
		} else if (json_object_get(medians, name)) {
			if (!is_median(e))
				continue;
			json_object_set_new(e, "name", json_string(name));
			json_object_set_new(e, "run_type",
					    json_string("iteration"));
			json_object_del(e, "aggregate_name");
			json_object_del(e, "aggregate_unit");
		} else if (json_is_string(type) &&
			   strcmp(json_string_value(type), "iteration")) {
			continue;
		}
		n = json_integer_value(json_object_get(counts, name));
		json_object_set_new(e, "repetition_index", json_integer(n));
		json_object_set_new(e, "procthread_ab_pair",
				    json_integer((json_int_t)pair));
		json_object_set_new(counts, name, json_integer(n + 1));
		json_array_append(all, e);
	}
	json_decref(medians);
	json_decref(doc);
	return 0;
}

/* Writes the merged document: repetitions fixed up, then written to a
 * temporary file renamed into place. */
static int write_merged(json_t *merged, const char *path, const char *order,
			const char *session, const char *binary)
{
	json_t *counts = json_object_get(merged, "_counts");
	json_t *ctx = json_object_get(merged, "context");
	char *tmp = NULL;
	size_t i;
	json_t *e;
	int err = 0;

	json_array_foreach(json_object_get(merged, "benchmarks"), i, e)
	{
		json_t *name = json_object_get(e, "run_name");

		if (!json_is_string(name))
			name = json_object_get(e, "name");
		json_object_set(
		    e, "repetitions",
		    json_object_get(counts, json_string_value(name)));
	}
	json_object_del(merged, "_counts");
	if (json_is_object(ctx)) {
		json_object_set_new(ctx, "procthread_ab_order",
				    json_string(order));
		json_object_set_new(ctx, "procthread_ab_session",
				    json_string(session));
		json_object_set_new(ctx, "procthread_ab_binary",
				    json_string(binary));
	}
	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	if (json_dump_file(merged, tmp, JSON_INDENT(2)) || rename(tmp, path)) {
		err = -EIO;
		unlink(tmp);
	}
	free(tmp);
	return err;
}

static json_t *new_merged(void)
{
	json_t *m = json_object();

	if (m && (json_object_set_new(m, "benchmarks", json_array()) ||
		  json_object_set_new(m, "_counts", json_object()))) {
		json_decref(m);
		return NULL;
	}
	return m;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int gate_ab_main(int argc, char **argv)
{
	struct gate_options o;
	struct ab_options ab = {0};
	json_t *merged[2] = {NULL, NULL};
	char self[PATH_MAX], path[PATH_MAX], log[PATH_MAX], why[PATH_MAX + 512];
	char *order = NULL, *files[2] = {NULL, NULL}, *cmp = NULL;
	char session[64];
	const char *ext;
	uint64_t state;
	ssize_t len;
	int status = EXIT_USAGE, err;

	gate_options_default(&o);
	err = parse_args(argc, argv, &ab, &o);
	if (err) {
		status = err > 0 ? 0 : EXIT_USAGE;
		goto out;
	}
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0) {
		fprintf(stderr, "bench: ab: /proc/self/exe: %s\n",
			strerror(errno));
		goto out;
	}
	self[len] = '\0';
	snprintf(path, sizeof(path), "%s/runs", ab.dir);
	err = make_dir(ab.dir);
	if (!err)
		err = make_dir(path);
	if (err) {
		fprintf(stderr, "bench: ab: --ab-dir %s: %s\n", ab.dir,
			strerror(-err));
		goto out;
	}
	order = calloc(2 * (size_t)ab.runs + 1, 1);
	merged[0] = new_merged();
	merged[1] = new_merged();
	ext = o.format == GATE_JSON ? "json"
	      : o.format == GATE_MD ? "md"
				    : "txt";
	if (!order || !merged[0] || !merged[1] ||
	    asprintf(&files[0], "%s/base.json", ab.dir) < 0 ||
	    asprintf(&files[1], "%s/new.json", ab.dir) < 0 ||
	    asprintf(&cmp, "%s/compare.%s", ab.dir, ext) < 0) {
		fprintf(stderr, "bench: ab: out of memory\n");
		goto out;
	}
	/* Marks both files as one session: only then are pairs pairs. */
	snprintf(session, sizeof(session), "%lld-%d-%llu",
		 (long long)time(NULL), (int)getpid(),
		 (unsigned long long)ab.seed);
	state = ab.seed;
	for (unsigned pair = 0; pair < ab.runs; pair++) {
		bool b_first = next_random(&state) >> 63;

		order[2 * pair] = b_first ? 'B' : 'A';
		order[2 * pair + 1] = b_first ? 'A' : 'B';
	}
	for (size_t run = 0; run < 2 * (size_t)ab.runs; run++) {
		int side = order[run] == 'B';
		const char *binary = side ? self : ab.baseline;
		int rc;

		snprintf(path, sizeof(path), "%s/runs/%03zu-%c.json", ab.dir,
			 run + 1, order[run]);
		snprintf(log, sizeof(log), "%s/runs/%03zu-%c.log", ab.dir,
			 run + 1, order[run]);
		fprintf(stderr, "bench: ab: run %zu/%u (%c: %s)\n", run + 1,
			2 * ab.runs, order[run], binary);
		unlink(path); /* a stale file must not stand in for a run */
		rc = run_one(binary, &ab, path, log);
		if (rc < 0 || rc > 1) {
			fprintf(
			    stderr, "bench: ab: run %zu (%s): %s (see %s)\n",
			    run + 1, binary,
			    rc < 0 ? "did not finish" : "exited with an error",
			    log);
			status = rc == 130 || rc == 143 ? rc : EXIT_USAGE;
			goto out;
		}
		err = merge_run(merged[side], path, (unsigned)(run / 2), why,
				sizeof(why));
		if (err) {
			fprintf(stderr, "bench: ab: %s\n", why);
			goto out;
		}
	}
	for (int side = 0; side < 2; side++) {
		err = write_merged(merged[side], files[side], order, session,
				   side ? self : ab.baseline);
		if (err) {
			fprintf(stderr, "bench: ab: %s: %s\n", files[side],
				strerror(-err));
			goto out;
		}
	}
	fprintf(stderr, "bench: ab: order %s (seed %llu)\n", order,
		(unsigned long long)ab.seed);
	if (!o.out_path)
		o.out_path = cmp;
	status = gate_compare_files(&o, files[0], files[1]);
out:
	json_decref(merged[0]);
	json_decref(merged[1]);
	free(files[0]);
	free(files[1]);
	free(cmp);
	free(order);
	free(ab.bench_args);
	return status;
}
