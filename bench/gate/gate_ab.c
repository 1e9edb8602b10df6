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
 * one sample per benchmark (its median when it ran --repetitions, or its
 * best repetition with --run-statistic=min: runs, not repetitions inside
 * one process, are the independent observations the tests need); the
 * samples of all A runs are merged into one results file, those of all B
 * runs into another, each entry numbered with its pair
 * (procthread_ab_pair), and the two are compared as `bench compare` does:
 * seeing the pair numbers, it uses the paired test (Wilcoxon signed-rank
 * on the per-pair ratios), which cancels a drift of the machine during
 * the session that would drown a 5% change in an unpaired test. A pair
 * enters the files only when both of its runs are done.
 *
 * --sequential adds pairs until every benchmark is decided: regressed or
 * improved, or unchanged with its whole interval inside the threshold. It
 * looks at the data after a fixed, geometric schedule of pair counts
 * (about x1.25 each, up to --runs), and every look tests at alpha / K,
 * K the number of planned looks (one more with --budget, whose end is an
 * unplanned look): a Bonferroni split of alpha, so that however often it
 * looks, the chance of a false verdict over the session stays below
 * alpha. --budget starts no pair that would end after it (judged by the
 * mean pair so far) and stops a run still going at its end (SIGTERM,
 * then SIGKILL), whose pair does not count: a session ends within the
 * budget, plus the comparison, however the load changes.
 *
 * SIGINT and SIGTERM stop the running child (SIGTERM, then SIGKILL after
 * 3 s), compare the complete pairs, mark both files incomplete
 * (context.procthread_incomplete) and exit 128 + the signal; with no
 * complete pair nothing is written. A session starts by removing what a
 * previous session left in --ab-dir (base.json, new.json, compare.*,
 * look.json, and runs/NNN-A|B.json|log), so no stale file stands beside
 * new ones; other files there are left alone.
 *
 * Layout of --ab-dir (default bench-ab): base.json, new.json, compare.txt
 * (or .md, .json after --format), look.json (the last sequential look),
 * and runs/ with each run's results file and its standard error. Exit
 * status as bench compare: 0, 1 or 2; 130 or 143 when interrupted.
 */
#include "gate_ab.h"
#include "gate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
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
#include "gate_load.h"
#include "plan.h"
#include "pt_clock.h"
#include "pt_exit.h"
#include "pt_json.h"
#include "results.h"
#include "stats.h"

#define LOOK_GROWTH  1.25
#define MAX_LOOKS    64
#define KILL_AFTER_S 3.0

static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
	caught_signal = sig;
}

void gate_ab_catch_signals(void)
{
	struct sigaction sa = {0};

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: waitpid returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int gate_ab_signal(void)
{
	return caught_signal;
}

/* splitmix64: small, seedable, and the same on every platform. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static const char *entry_run_name(json_t *e)
{
	json_t *name = json_object_get(e, "run_name");

	if (!json_is_string(name))
		name = json_object_get(e, "name");
	return json_string_value(name);
}

void gate_ab_defaults(struct gate_ab_session *s)
{
	memset(s, 0, sizeof(*s));
	s->dir = "bench-ab";
	s->runs = 10;
	s->seed = 1;
	s->run_stat = GATE_RUN_MEDIAN;
}

int gate_ab_preset(struct gate_ab_session *s, struct gate_options *o,
		   const char *who, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *v = argv[i] + 9;

		if (strncmp(argv[i], "--preset", 8) ||
		    (argv[i][8] && argv[i][8] != '='))
			continue;
		if (argv[i][8] != '=' || strcmp(v, "3pct")) {
			fprintf(stderr,
				"bench: %s: --preset: invalid value '%s' "
				"(3pct, as --preset=3pct)\n",
				who, argv[i][8] ? v : "");
			return -EINVAL;
		}
		if (s->preset) {
			fprintf(stderr,
				"bench: %s: --preset is given twice "
				"(give it once)\n",
				who);
			return -EINVAL;
		}
		s->preset = "3pct";
		s->sequential = true;
		s->budget_s = 120;
		s->run_stat = GATE_RUN_MIN;
		o->metric = "cpu_user_s+cpu_sys_s";
		o->threshold = 0.01;
	}
	return 0;
}

/* Whether ARGS hold one of the flags of NAMES (--flag=V or --flag V). */
static bool has_flag(char **args, int n, const char *const *names)
{
	for (int i = 0; i < n; i++)
		for (const char *const *f = names; *f; f++)
			if (!strncmp(args[i], *f, strlen(*f)) &&
			    (!args[i][strlen(*f)] ||
			     args[i][strlen(*f)] == '='))
				return true;
	return false;
}

void gate_ab_preset_args(const struct gate_ab_session *s, char **args,
			 int *n_args)
{
	static const char *const reps[] = {"--repetitions",
					   "--benchmark_repetitions", NULL};
	static const char *const count[] = {"--iterations", "--min-time",
					    "--benchmark_min_time", NULL};

	if (!s->preset)
		return;
	if (!has_flag(args, *n_args, reps))
		args[(*n_args)++] = (char *)"--repetitions=3";
	if (!has_flag(args, *n_args, count))
		args[(*n_args)++] = (char *)"--iterations=8";
}

void gate_ab_print_option_help(FILE *f)
{
	fputs("  --preset=3pct      the gate measured to see 3% on a shared "
	      "machine: --sequential\n"
	      "                     --budget=2m --run-statistic=min "
	      "--threshold=1%\n"
	      "                     --metric=cpu_user_s+cpu_sys_s, and bench "
	      "arguments\n"
	      "                     --repetitions=3 --iterations=8 unless "
	      "given; options\n"
	      "                     given override it\n",
	      f);
	fputs("  --runs=N           pairs of runs, A and B once each per pair "
	      "(default 10;\n"
	      "                     the paired test needs 8 at alpha 0.01); "
	      "with\n"
	      "                     --sequential the most pairs (default 100)\n"
	      "  --sequential       add pairs until every benchmark is decided "
	      "(alpha split\n"
	      "                     over the planned looks)\n"
	      "  --budget=DUR       start no pair that would end after DUR "
	      "(e.g. 2m, 90s)\n"
	      "  --run-statistic=S  median (default) or min: what a run of "
	      "--repetitions\n"
	      "                     contributes (min: its best repetition)\n"
	      "  --seed=S           seed of the order within each pair "
	      "(default 1)\n",
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

int gate_ab_parse_option(struct gate_ab_session *s, const char *who, int argc,
			 char **argv, int *i)
{
	unsigned long long v;
	const char *value;

	if (!strncmp(argv[*i], "--preset=", 9))
		return 1; /* applied by gate_ab_preset() */
	if (!strcmp(argv[*i], "--sequential")) {
		s->sequential = true;
		return 1;
	}
	if (ab_value(argc, argv, i, "--runs", &value)) {
		if (parse_unsigned(value, GATE_AB_MAX_RUNS, &v) || v == 0) {
			fprintf(stderr,
				"bench: %s: --runs: invalid value '%s' "
				"(1..%d)\n",
				who, value, GATE_AB_MAX_RUNS);
			return -EINVAL;
		}
		s->runs = (unsigned)v;
		s->runs_given = true;
		return 1;
	}
	if (ab_value(argc, argv, i, "--seed", &value)) {
		if (parse_unsigned(value, ULLONG_MAX, &v)) {
			fprintf(stderr,
				"bench: %s: --seed: invalid value '%s'\n", who,
				value);
			return -EINVAL;
		}
		s->seed = v;
		return 1;
	}
	if (ab_value(argc, argv, i, "--budget", &value)) {
		if (pt_parse_seconds(value, &s->budget_s)) {
			fprintf(stderr,
				"bench: %s: --budget: invalid value '%s' "
				"(a duration such as 2m or 90s)\n",
				who, value);
			return -EINVAL;
		}
		return 1;
	}
	if (ab_value(argc, argv, i, "--run-statistic", &value)) {
		if (!strcmp(value, "median")) {
			s->run_stat = GATE_RUN_MEDIAN;
		} else if (!strcmp(value, "min")) {
			s->run_stat = GATE_RUN_MIN;
		} else {
			fprintf(stderr,
				"bench: %s: --run-statistic: invalid value "
				"'%s' (median or min)\n",
				who, value);
			return -EINVAL;
		}
		return 1;
	}
	return 0;
}

int gate_ab_plan(char **args, int n_args, const char *who, struct pt_plan *plan)
{
	struct pt_options *opts = calloc(1, sizeof(*opts));
	char **argv = calloc((size_t)n_args + 2, sizeof(*argv));
	char err[512];
	int rc = -ENOMEM;

	memset(plan, 0, sizeof(*plan));
	if (!opts || !argv) {
		fprintf(stderr, "bench: %s: out of memory\n", who);
		goto out;
	}
	argv[0] = (char *)"bench";
	for (int i = 0; i < n_args; i++)
		argv[i + 1] = args[i];
	rc = pt_parse_args(n_args + 1, argv, opts, err, sizeof(err));
	if (!rc)
		rc = pt_plan_build(opts, plan, err, sizeof(err));
	if (rc)
		fprintf(stderr, "bench: %s: %s\n", who, err);
out:
	free(argv);
	free(opts);
	return rc;
}

/* The --budget's end (monotonic seconds; 0: none): a run still going
 * then is stopped as on a signal, and its pair does not count. */
static double deadline;
static bool deadline_stopped; /* a run was stopped at the deadline */

static bool past_deadline(void)
{
	return deadline > 0 && pt_now() > deadline;
}

/* Waits for the child; stops one that the session no longer waits for
 * (a signal, or the budget's end): SIGTERM, and SIGKILL when it has not
 * ended KILL_AFTER_S later. Reaps it. */
static int wait_child(pid_t pid, int *status)
{
	double term_at = 0;
	bool killed = false;

	for (;;) {
		bool stop = caught_signal || past_deadline();
		pid_t got =
		    waitpid(pid, status, stop || deadline > 0 ? WNOHANG : 0);

		if (got == pid)
			return 0;
		if (got < 0 && errno != EINTR)
			return -errno;
		if (!stop) {
			if (deadline > 0) /* poll the clock */
				nanosleep(
				    &(struct timespec){.tv_nsec = 2000000},
				    NULL);
			continue;
		}
		if (!term_at) {
			deadline_stopped = !caught_signal;
			kill(pid, SIGTERM);
			term_at = pt_now();
		} else if (!killed && pt_now() - term_at > KILL_AFTER_S) {
			kill(pid, SIGKILL);
			killed = true;
		}
		nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
	}
}

/* Runs one bench process: BINARY ARGS --out=OUT, standard output
 * discarded, standard error into LOG. Returns its exit status, or a
 * negative errno when it could not run or died of a signal. */
static int run_one(const struct gate_ab_side *side, const char *out,
		   const char *log)
{
	char **argv = calloc((size_t)side->n_args + 3, sizeof(char *));
	char *out_arg = NULL;
	int status, err = 0;
	pid_t pid;

	if (!argv || asprintf(&out_arg, "--out=%s", out) < 0) {
		free(argv);
		return -ENOMEM;
	}
	argv[0] = (char *)side->binary;
	for (int i = 0; i < side->n_args; i++)
		argv[i + 1] = side->args[i];
	argv[side->n_args + 1] = out_arg;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		struct sigaction dfl = {.sa_handler = SIG_DFL};

		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		execv(side->binary, argv);
		fprintf(stderr, "bench: ab: %s: %s\n", side->binary,
			strerror(errno));
		_exit(127);
	}
	err = wait_child(pid, &status);
	if (err)
		goto out;
	if (WIFEXITED(status))
		err = WEXITSTATUS(status);
	else
		err = -EINTR;
out:
	free(out_arg);
	free(argv);
	return err;
}

/* The value of the compared metric in entry e, turned so that smaller is
 * better; NAN when absent. */
static double badness(json_t *e, const char *metric, bool higher_is_better)
{
	double v;

	if (gate_metric_value(e, metric, &v))
		return NAN;
	return higher_is_better ? -v : v;
}

/* The new name of run name NAME under RENAME (configuration name ->
 * configuration name): the longest key that is NAME or a prefix of it
 * up to a '/', so that what Google Benchmark appends (/iterations:8,
 * /manual_time) stays; NULL when none matches. */
static json_t *renamed(json_t *rename, const char *name)
{
	const char *key, *best = NULL;
	size_t best_len = 0;
	char *text;
	json_t *v, *out;

	json_object_foreach(rename, key, v)
	{
		size_t len = strlen(key);

		if (json_is_string(v) && len >= best_len &&
		    !strncmp(name, key, len) &&
		    (name[len] == '/' || !name[len])) {
			best = json_string_value(v);
			best_len = len;
		}
	}
	if (!best || asprintf(&text, "%s%s", best, name + best_len) < 0)
		return NULL;
	out = json_string(text);
	free(text);
	return out;
}

/* Appends one sample per benchmark of the results file PATH to the merged
 * document: the run is the independent unit, so repetitions inside one run
 * (--repetitions) are collapsed to their median aggregate, or with
 * GATE_RUN_MIN to the repetition with the best value of the metric; a run
 * without repetitions gives its single iteration entry; error entries are
 * kept. Names found in s->rename are replaced (gate-power's B runs carry
 * their own work parameter in the name). repetition_index is renumbered
 * per run name. */
static int merge_run(const struct gate_ab_session *s,
		     const struct gate_options *o, json_t *merged,
		     const char *path, unsigned pair, char *why, size_t why_len)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, JSON_DECODE_INT_AS_REAL, &jerr);
	json_t *list = json_object_get(doc, "benchmarks");
	json_t *all = json_object_get(merged, "benchmarks");
	json_t *counts = json_object_get(merged, "_counts");
	json_t *chosen = json_object(); /* name -> the entry that stands */
	bool higher = gate_higher_is_better(o);
	size_t i;
	json_t *e;

	if (!json_is_array(list) || !chosen) {
		snprintf(why, why_len, "%s: %s", path,
			 !chosen ? "out of memory"
			 : doc	 ? "no \"benchmarks\" array"
				 : jerr.text);
		json_decref(chosen);
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
		const char *name = json_is_object(e) ? entry_run_name(e) : NULL;
		json_t *best;

		if (!name || pt_gb_failed(e))
			continue;
		if (s->run_stat == GATE_RUN_MEDIAN) {
			if (pt_gb_aggregate_is(e, "median"))
				json_object_set(chosen, name, e);
			continue;
		}
		if (!pt_gb_is_iteration(e))
			continue;
		best = json_object_get(chosen, name);
		if (!best || badness(e, o->metric, higher) <
				 badness(best, o->metric, higher))
			json_object_set(chosen, name, e);
	}
	json_array_foreach(list, i, e)
	{
		json_t *to;
		const char *name;
		json_int_t n;

		if (!json_is_object(e) || !(name = entry_run_name(e)))
			continue;
		if (pt_gb_failed(e)) {
			/* kept as it is */
		} else if (json_object_get(chosen, name)) {
			if (json_object_get(chosen, name) != e)
				continue;
			json_object_set_new(e, "name", json_string(name));
			json_object_set_new(e, "run_type",
					    json_string("iteration"));
			json_object_del(e, "aggregate_name");
			json_object_del(e, "aggregate_unit");
		} else if (!pt_gb_is_iteration(e)) {
			continue;
		}
		to = renamed(s->rename, name);
		if (to) {
			json_object_set_new(e, "name", to);
			json_object_set(e, "run_name", to);
			name = json_string_value(to);
		}
		n = json_integer_value(json_object_get(counts, name));
		json_object_set_new(e, "repetition_index", json_integer(n));
		json_object_set_new(e, "procthread_ab_pair",
				    json_integer((json_int_t)pair));
		json_object_set_new(counts, name, json_integer(n + 1));
		json_array_append(all, e);
	}
	json_decref(chosen);
	json_decref(doc);
	return 0;
}

/* Writes a copy of the merged document (so that merging can go on):
 * repetitions fixed up, session marks set, then written to a temporary
 * file renamed into place. */
static int write_merged(json_t *merged, const char *path, const char *order,
			const char *session, const char *binary,
			const char *incomplete)
{
	json_t *doc = json_deep_copy(merged);
	json_t *counts = json_object_get(doc, "_counts");
	json_t *ctx = json_object_get(doc, "context");
	char *tmp = NULL;
	size_t i;
	json_t *e;
	int err = 0;

	if (!doc)
		return -ENOMEM;
	json_array_foreach(json_object_get(doc, "benchmarks"), i, e)
	{
		json_t *name = json_object_get(e, "run_name");

		if (!json_is_string(name))
			name = json_object_get(e, "name");
		json_object_set(
		    e, "repetitions",
		    json_object_get(counts, json_string_value(name)));
	}
	json_object_del(doc, "_counts");
	if (json_is_object(ctx)) {
		json_object_set_new(ctx, "procthread_ab_order",
				    json_string(order));
		json_object_set_new(ctx, "procthread_ab_session",
				    json_string(session));
		json_object_set_new(ctx, "procthread_ab_binary",
				    json_string(binary));
	}
	if (incomplete)
		pt_results_mark_incomplete(doc, incomplete);
	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		json_decref(doc);
		return -ENOMEM;
	}
	if (json_dump_file(doc, tmp, JSON_INDENT(2)) || rename(tmp, path)) {
		err = -EIO;
		unlink(tmp);
	}
	free(tmp);
	json_decref(doc);
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

/* A run file of a session: NNN-A.json, NNN-B.log and the like. */
static bool is_run_file(const char *name)
{
	size_t digits = strspn(name, "0123456789");

	return digits > 0 && name[digits] == '-' &&
	       (name[digits + 1] == 'A' || name[digits + 1] == 'B') &&
	       (!strcmp(name + digits + 2, ".json") ||
		!strcmp(name + digits + 2, ".log"));
}

/* Removes what a previous session left in DIR; returns 0 or -errno. */
static int clean_dir(const char *dir)
{
	static const char *const files[] = {
	    "base.json",    "new.json",	 "compare.txt",	  "compare.md",
	    "compare.json", "look.json", "base.json.tmp", "new.json.tmp",
	};
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (unlink(path) && errno != ENOENT)
			return -errno;
	}
	snprintf(path, sizeof(path), "%s/runs", dir);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!is_run_file(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/runs/%s", dir, de->d_name);
		if (unlink(path) && errno != ENOENT) {
			int err = -errno;

			closedir(d);
			return err;
		}
	}
	closedir(d);
	return 0;
}

void gate_ab_remove_runs(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/runs", dir);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!is_run_file(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/runs/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/runs", dir);
	rmdir(path);
}

/* The planned looks of the sequential test: pair counts growing by about
 * LOOK_GROWTH up to runs, the first the smallest for which the paired
 * test can reach alpha / K at all. Returns K (looks[0..K-1]). */
static unsigned plan_looks(unsigned runs, double alpha, unsigned extra,
			   unsigned *looks)
{
	unsigned k = 0;

	for (unsigned first = 2; first <= runs; first++) {
		double n = first;

		k = 0;
		while ((unsigned)n < runs && k < MAX_LOOKS - 1) {
			looks[k++] = (unsigned)n;
			n = fmax(n + 1, ceil(n * LOOK_GROWTH));
		}
		looks[k++] = runs;
		if (gate_min_p_paired(first) < alpha / (k + extra))
			return k;
	}
	looks[0] = runs;
	return 1;
}

/* Reads a compare --format=json output; *decided: every benchmark has a
 * verdict that more pairs would not change (regressed, improved, error,
 * missing, new, or unchanged with its interval inside the threshold). */
static int read_look(const char *path, bool *decided)
{
	json_t *root = json_load_file(path, 0, NULL);
	json_t *list = json_object_get(root, "benchmarks"), *e;
	size_t i;

	if (!json_is_array(list)) {
		json_decref(root);
		return -EINVAL;
	}
	*decided = true;
	json_array_foreach(list, i, e)
	{
		const char *v =
		    json_string_value(json_object_get(e, "verdict"));
		double lo = json_number_value(json_object_get(e, "ci_low"));
		double hi = json_number_value(json_object_get(e, "ci_high"));
		double t = json_number_value(json_object_get(e, "threshold"));

		if (!v || !strcmp(v, "inconclusive"))
			*decided = false;
		else if (!strcmp(v, "unchanged") &&
			 !(json_is_number(json_object_get(e, "ci_low")) &&
			   lo >= 1 / (1 + t) && hi <= 1 + t))
			*decided = false;
	}
	json_decref(root);
	return 0;
}

int gate_ab_run(struct gate_ab_session *s, const struct gate_options *o_in)
{
	struct gate_options o = *o_in, look_o;
	json_t *merged[2] = {NULL, NULL};
	char path[PATH_MAX], log[PATH_MAX], why[3 * PATH_MAX];
	char run_path[2][PATH_MAX];
	char *order = NULL, *files[2] = {NULL, NULL}, *look = NULL;
	unsigned looks[MAX_LOOKS], n_looks = 0, next_look = 0;
	char session[64], incomplete[64] = "";
	const char *ext;
	double start = pt_now();
	uint64_t state;
	int status = EXIT_USAGE, err;

	s->pairs = 0;
	s->budget_spent = false;
	deadline = s->budget_s > 0 ? start + s->budget_s : 0;
	deadline_stopped = false;
	s->interrupted = 0;
	s->compare_path[0] = '\0';
	snprintf(path, sizeof(path), "%s/runs", s->dir);
	err = make_dir(s->dir);
	if (!err)
		err = make_dir(path);
	if (!err)
		err = clean_dir(s->dir);
	if (err) {
		fprintf(stderr, "bench: ab: --ab-dir %s: %s\n", s->dir,
			strerror(-err));
		goto out;
	}
	order = calloc(2 * (size_t)s->runs + 1, 1);
	merged[0] = new_merged();
	merged[1] = new_merged();
	ext = o.format == GATE_JSON ? "json"
	      : o.format == GATE_MD ? "md"
				    : "txt";
	if (!order || !merged[0] || !merged[1] ||
	    asprintf(&files[0], "%s/base.json", s->dir) < 0 ||
	    asprintf(&files[1], "%s/new.json", s->dir) < 0 ||
	    asprintf(&look, "%s/look.json", s->dir) < 0) {
		fprintf(stderr, "bench: ab: out of memory\n");
		goto out;
	}
	snprintf(s->compare_path, sizeof(s->compare_path), "%s/compare.%s",
		 s->dir, ext);
	s->alpha_used = o.alpha;
	if (s->sequential) {
		n_looks = plan_looks(s->runs, o.alpha, s->budget_s > 0, looks);
		s->looks = n_looks + (s->budget_s > 0);
		s->alpha_used = o.alpha / s->looks;
		o.alpha = s->alpha_used;
	}
	look_o = o;
	look_o.format = GATE_JSON;
	look_o.out_path = look;
	look_o.quiet = true;
	/* Marks both files as one session: only then are pairs pairs. */
	snprintf(session, sizeof(session), "%lld-%d-%llu",
		 (long long)time(NULL), (int)getpid(),
		 (unsigned long long)s->seed);
	state = s->seed;
	for (unsigned pair = 0; pair < s->runs; pair++) {
		bool b_first = next_random(&state) >> 63;

		order[2 * pair] = b_first ? 'B' : 'A';
		order[2 * pair + 1] = b_first ? 'A' : 'B';
	}
	for (unsigned pair = 0; pair < s->runs; pair++) {
		double spent = pt_now() - start;

		if (caught_signal)
			break;
		if (s->budget_s > 0 && pair > 0 &&
		    spent + spent / pair > s->budget_s) {
			s->budget_spent = true;
			break;
		}
		for (size_t k = 0; k < 2; k++) {
			size_t run = 2 * (size_t)pair + k;
			int side = order[run] == 'B';
			int rc;

			snprintf(run_path[side], sizeof(run_path[side]),
				 "%s/runs/%03zu-%c.json", s->dir, run + 1,
				 order[run]);
			snprintf(log, sizeof(log), "%s/runs/%03zu-%c.log",
				 s->dir, run + 1, order[run]);
			if (!s->quiet)
				fprintf(stderr,
					"bench: ab: run %zu/%u (%c: %s)\n",
					run + 1, 2 * s->runs, order[run],
					s->side[side].binary);
			rc = run_one(&s->side[side], run_path[side], log);
			if (caught_signal || deadline_stopped)
				break;
			if (rc < 0 || rc > 1) {
				fprintf(stderr,
					"bench: ab: run %zu (%s): %s (see "
					"%s)\n",
					run + 1, s->side[side].binary,
					rc < 0 ? "did not finish"
					       : "exited with an error",
					log);
				goto out;
			}
		}
		if (caught_signal)
			break;
		if (deadline_stopped) {
			s->budget_spent = true;
			break;
		}
		for (int side = 0; side < 2; side++) {
			err = merge_run(s, &o, merged[side], run_path[side],
					pair, why, sizeof(why));
			if (err) {
				fprintf(stderr, "bench: ab: %s\n", why);
				goto out;
			}
		}
		s->pairs = pair + 1;
		if (s->sequential && next_look < n_looks &&
		    s->pairs == looks[next_look]) {
			char after = order[2 * s->pairs];
			bool decided = false;

			next_look++;
			order[2 * s->pairs] = '\0'; /* the pairs done */
			for (int side = 0; side < 2 && !err; side++)
				err = write_merged(merged[side], files[side],
						   order, session,
						   s->side[side].binary, NULL);
			if (!err && gate_compare_files(&look_o, files[0],
						       files[1]) == EXIT_USAGE)
				err = -EINVAL;
			if (!err)
				err = read_look(look, &decided);
			order[2 * s->pairs] = after;
			if (err) {
				fprintf(stderr,
					"bench: ab: the look after %u pairs "
					"failed\n",
					s->pairs);
				goto out;
			}
			if (decided)
				break;
		}
	}
	s->interrupted = caught_signal;
	s->seconds = pt_now() - start;
	if (s->interrupted)
		snprintf(incomplete, sizeof(incomplete),
			 "bench ab interrupted by %s after %u pairs",
			 s->interrupted == SIGINT ? "SIGINT" : "SIGTERM",
			 s->pairs);
	if (!s->pairs) {
		fprintf(stderr,
			"bench: ab: %s before the first pair was "
			"complete: nothing compared\n",
			s->interrupted ? "interrupted" : "--budget spent");
		status = s->interrupted ? 128 + s->interrupted : EXIT_USAGE;
		goto out;
	}
	order[2 * s->pairs] = '\0';
	for (int side = 0; side < 2; side++) {
		err = write_merged(merged[side], files[side], order, session,
				   s->side[side].binary,
				   *incomplete ? incomplete : NULL);
		if (err) {
			fprintf(stderr, "bench: ab: %s: %s\n", files[side],
				strerror(-err));
			goto out;
		}
	}
	if (!s->quiet) {
		fprintf(stderr, "bench: ab: order %s (seed %llu)\n", order,
			(unsigned long long)s->seed);
		if (s->sequential)
			fprintf(stderr,
				"bench: ab: sequential: %u pairs, alpha %g "
				"per look (%g over %u planned looks)\n",
				s->pairs, s->alpha_used, o_in->alpha, s->looks);
		if (s->budget_spent)
			fprintf(stderr,
				"bench: ab: --budget spent after %u pairs "
				"(%.1f s)\n",
				s->pairs, s->seconds);
	}
	if (!o.out_path)
		o.out_path = s->compare_path;
	else
		snprintf(s->compare_path, sizeof(s->compare_path), "%s",
			 o.out_path);
	o.quiet = o.quiet || s->quiet;
	status = gate_compare_files(&o, files[0], files[1]);
	if (s->interrupted) {
		fprintf(stderr, "bench: ab: %s\n", incomplete);
		status = 128 + s->interrupted;
	}
out:
	json_decref(merged[0]);
	json_decref(merged[1]);
	free(files[0]);
	free(files[1]);
	free(look);
	free(order);
	return status;
}

static void usage(FILE *f)
{
	fputs("usage: bench ab --baseline=BENCH_BINARY [OPTIONS] "
	      "[BENCH ARGS...]\n"
	      "Runs BENCH_BINARY (A) and this bench (B) alternately with the "
	      "same\narguments, each run a fresh process, then compares A "
	      "against B as\nbench compare does. Exit status 0 no regression, "
	      "1 a regression, 2 error,\n130/143 interrupted (SIGINT/SIGTERM: "
	      "the complete pairs are compared,\nmarked incomplete).\n"
	      "  --baseline=PATH    the baseline bench binary (required)\n"
	      "  --ab-dir=DIR       where to write base.json, new.json, "
	      "compare.*, runs/\n"
	      "                     (default bench-ab; a previous session's "
	      "files there\n"
	      "                     are removed first)\n",
	      f);
	gate_ab_print_option_help(f);
	fputs("compare options:\n", f);
	gate_print_option_help(f);
	fputs("Any other argument goes to both binaries (--out and --format "
	      "are set by ab).\n",
	      f);
}

static int parse_args(int argc, char **argv, struct gate_ab_session *s,
		      struct gate_options *o, char **bench_args, int *n_args)
{
	const char *value;
	struct pt_plan plan;
	int rc;

	if (gate_ab_preset(s, o, "ab", argc, argv))
		return -EINVAL;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		int got;

		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			return 1;
		}
		if (ab_value(argc, argv, &i, "--baseline", &value)) {
			s->side[0].binary = value;
			continue;
		}
		if (ab_value(argc, argv, &i, "--ab-dir", &value)) {
			s->dir = value;
			continue;
		}
		got = gate_ab_parse_option(s, "ab", argc, argv, &i);
		if (!got) /* --format and --out belong to the comparison */
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
		bench_args[(*n_args)++] = argv[i];
	}
	if (s->sequential && !s->runs_given)
		s->runs = 100;
	gate_ab_preset_args(s, bench_args, n_args);
	if (!s->side[0].binary) {
		fprintf(stderr, "bench: ab: --baseline=BENCH_BINARY is "
				"required (see bench ab --help)\n");
		return -EINVAL;
	}
	if (access(s->side[0].binary, X_OK)) {
		fprintf(stderr, "bench: ab: --baseline %s: %s\n",
			s->side[0].binary, strerror(errno));
		return -EINVAL;
	}
	rc = gate_ab_plan(bench_args, *n_args, "ab", &plan);
	pt_plan_free(&plan);
	return rc;
}

int gate_ab_self(char *self, size_t len)
{
	ssize_t got = readlink("/proc/self/exe", self, len - 1);

	if (got < 0) {
		fprintf(stderr, "bench: /proc/self/exe: %s\n", strerror(errno));
		return -errno;
	}
	self[got] = '\0';
	return 0;
}

int gate_ab_main(int argc, char **argv)
{
	struct gate_options o;
	struct gate_ab_session s;
	char self[PATH_MAX];
	char **bench_args =
	    calloc((size_t)argc + 1 + GATE_AB_PRESET_ARGS, sizeof(char *));
	int n_args = 0, status = EXIT_USAGE, err;

	gate_options_default(&o);
	gate_ab_defaults(&s);
	if (!bench_args) {
		fprintf(stderr, "bench: ab: out of memory\n");
		return EXIT_USAGE;
	}
	err = parse_args(argc, argv, &s, &o, bench_args, &n_args);
	if (err) {
		status = err > 0 ? 0 : EXIT_USAGE;
		goto out;
	}
	if (gate_ab_self(self, sizeof(self)))
		goto out;
	s.side[0].args = s.side[1].args = bench_args;
	s.side[0].n_args = s.side[1].n_args = n_args;
	s.side[1].binary = self;
	if (s.preset)
		fprintf(stderr,
			"bench: ab: --preset=%s: --sequential --budget=2m "
			"--run-statistic=min --metric=cpu_user_s+cpu_sys_s "
			"--threshold=1%%, unless given; bench arguments "
			"--repetitions=3 --iterations=8 where absent\n",
			s.preset);
	gate_ab_catch_signals();
	status = gate_ab_run(&s, &o);
out:
	free(bench_args);
	return status;
}
