/*
 * `bench claims`: puts the textbook claims about processes and threads to
 * the test on this machine.
 *
 * The design is simple: each claim has one experiment function that runs
 * ordinary bench configurations, exactly as the command line would (the
 * argument text goes through pt_parse_args, pt_plan_build and the
 * supervisor, so every figure comes from the same measured code path and
 * every row can print the command that reproduces it), picks the figures it
 * needs from the entries, and hands them to the claim's pure decision rule
 * (claims_rules.c). Identical configurations are measured once per run and
 * shared between claims. One claim (own memory) needs a direct test no
 * workload can express, and runs a job on the executors in this process.
 *
 * Output: a console table, or Markdown, or JSON; --out writes a Google
 * Benchmark document holding every entry measured plus a "claims" array
 * (so `bench report` and `bench compare` read it), atomically.
 *
 * Invariant: a verdict is only ever computed from figures measured in this
 * run; a failed experiment gives "no data", never a guess.
 */
#include "claims.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "claims_internal.h"
#include "claims_rules.h"
#include "cli.h"
#include "gbw.h"
#include "info.h"
#include "plan.h"
#include "pt_clock.h"
#include "pt_exit.h"
#include "pt_json.h"
#include "results.h"
#include "stats.h"
#include "supervise.h"

/*
 * The median over a configuration's iteration entries of a figure: "wall"
 * is real_time in seconds, anything else a counter. NAN when the
 * configuration failed or the figure is absent.
 */
static double cl_get(const struct cl_meas *m, const char *key)
{
	double values[64];
	size_t n = 0, i;
	json_t *e;

	if (!m || !m->entries)
		return NAN;
	json_array_foreach(m->entries, i, e)
	{
		json_t *v = json_object_get(e, key);
		double x;

		if (pt_gb_failed(e))
			return NAN;
		if (!strcmp(key, "wall"))
			x = pt_gb_real_time_s(e);
		else
			x = json_is_number(v) ? json_number_value(v) : NAN;
		if (isnan(x) || n == 64)
			continue;
		values[n++] = x;
	}
	return gate_median(values, n);
}

/* The error message of a failed configuration, or NULL. */
static const char *cl_error(const struct cl_meas *m)
{
	size_t i;
	json_t *e;

	if (!m || !m->entries)
		return "not run";
	json_array_foreach(m->entries, i, e)
	{
		if (pt_gb_failed(e))
			return json_string_value(
			    json_object_get(e, "error_message"));
	}
	return NULL;
}

static void cl_link(struct cl_session *s, struct cl_row *r,
		    const struct cl_meas *m)
{
	char cmd[400];
	size_t i;
	json_t *e;

	snprintf(cmd, sizeof(cmd), "bench %s --min-time=%s --repetitions=%s",
		 m->args, s->min_time, s->repetitions);
	json_array_append_new(r->commands, json_string(cmd));
	json_array_foreach(m->entries, i, e)
	{
		json_t *name = json_object_get(e, "run_name");

		if (!name)
			name = json_object_get(e, "name");
		if (json_is_string(name)) {
			json_array_append(r->entries, name);
			break;
		}
	}
}

/*
 * Runs the configuration the arguments describe (one configuration: one
 * workload, one executor, one worker count) unless this run measured it
 * already, and links it to the row. NULL when it could not run at all
 * (bad arguments are a bug in this file, said once on stderr).
 */
static const struct cl_meas *cl_run(struct cl_session *s, struct cl_row *r,
				    const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static const struct cl_meas *cl_run(struct cl_session *s, struct cl_row *r,
				    const char *fmt, ...)
{
	char args[256], copy[300], err[512];
	char *argv[32];
	int argc = 0;
	struct pt_options *o = NULL;
	struct pt_plan plan = {0};
	struct pt_summary sum = {0};
	struct cl_meas *m = NULL;
	json_t *doc = NULL, *benches, *e;
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	for (unsigned k = 0; k < s->ncache; k++) {
		if (!strcmp(s->cache[k].args, args)) {
			m = &s->cache[k];
			goto out;
		}
	}
	if (s->interrupted || s->ncache == CL_MAX_CACHE)
		goto out;
	snprintf(copy, sizeof(copy), "%s --format=json", args);
	argv[argc++] = (char *)"bench";
	for (char *tok = strtok(copy, " "); tok && argc < 31;
	     tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	o = calloc(1, sizeof(*o));
	if (!o || pt_parse_args(argc, argv, o, err, sizeof(err)) ||
	    pt_plan_build(o, &plan, err, sizeof(err))) {
		fprintf(stderr, "bench: claims: cannot run '%s': %s\n", args,
			o ? err : "out of memory");
		goto out;
	}
	doc = pt_results_new();
	if (!doc)
		goto out;
	if (s->format == GB_FORMAT_CONSOLE && isatty(STDERR_FILENO))
		fprintf(stderr, "  running %s\n", args);
	pt_supervise(o, &plan, doc, &sum);
	if (sum.interrupted) {
		s->interrupted = sum.interrupted;
		goto out;
	}
	m = &s->cache[s->ncache++];
	snprintf(m->args, sizeof(m->args), "%s", args);
	m->entries = json_array();
	benches = json_object_get(doc, "benchmarks");
	json_array_foreach(benches, i, e)
	{
		json_array_append(json_object_get(s->doc, "benchmarks"), e);
		if (pt_gb_is_iteration(e))
			json_array_append(m->entries, e);
	}
out:
	if (m && r)
		cl_link(s, r, m);
	json_decref(doc);
	pt_plan_free(&plan);
	free(o);
	return m;
}

/* A size as the workload's own parameter reads it ("256MiB"), in bytes. */
static double cl_param_value(const char *workload, const char *param,
			     const char *text)
{
	const struct workload *w = wl_find(workload);
	int k = w ? wl_param_index(w, param) : -1;
	char err[200];
	double value;

	if (k < 0 ||
	    wl_param_parse(&w->params[k], text, &value, err, sizeof(err)))
		return NAN;
	return value;
}

static double cl_wall(struct cl_session *s, struct cl_row *r, const char *fmt,
		      ...) __attribute__((format(printf, 3, 4)));

/* Shorthand: the median wall time of one job of a configuration. */
static double cl_wall(struct cl_session *s, struct cl_row *r, const char *fmt,
		      ...)
{
	char args[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return cl_get(cl_run(s, r, "%s", args), "wall");
}

/*
 * The experiments, one per claim.
 */

static void claim_scaling(struct cl_session *s, struct cl_row *r)
{
	struct cl_scaling f = {.cpus = s->cpus, .workers = s->cpus};

	f.serial_s = cl_wall(s, r, "--workload=cpu-hash --executor=serial");
	f.pool_s = cl_wall(s, r,
			   "--workload=cpu-hash --executor=pool "
			   "--workers=%u",
			   s->cpus);
	cl_decide_scaling(&f, &r->d);
}

static void claim_gil(struct cl_session *s, struct cl_row *r)
{
	struct cl_gil f = {.cpus = s->cpus, .workers = s->cpus};
	const char *gil = "--workload=gil --param=work=20000";

	f.serial_full_s = cl_wall(s, r, "%s --executor=serial", gil);
	f.thread_full_s = cl_wall(
	    s, r, "%s --executor=thread-pool --workers=%u", gil, s->cpus);
	f.process_full_s =
	    cl_wall(s, r, "%s --executor=pool --workers=%u", gil, s->cpus);
	f.serial_half_s =
	    cl_wall(s, r, "%s --param=hold=0.5 --executor=serial", gil);
	f.thread_half_s = cl_wall(
	    s, r, "%s --param=hold=0.5 --executor=thread-pool --workers=%u",
	    gil, s->cpus);
	f.process_half_s =
	    cl_wall(s, r, "%s --param=hold=0.5 --executor=pool --workers=%u",
		    gil, s->cpus);
	cl_decide_gil(&f, &r->d);
}

/*
 * Claim 3 needs a direct test: every task writes its worker's mark into a
 * global array and counts the marks of other workers it can see; the parent
 * then counts the marks it sees. Relaxed atomics: threads race on purpose.
 */
#define ISOLATION_TASKS 4096
static _Atomic unsigned isolation_marks[ISOLATION_TASKS];

static uint64_t isolation_task(void *arg, uint64_t index, unsigned worker)
{
	uint64_t seen = 0;

	(void)arg;
	atomic_store_explicit(&isolation_marks[index], worker + 1,
			      memory_order_relaxed);
	for (unsigned i = 0; i < ISOLATION_TASKS; i++) {
		unsigned mark = atomic_load_explicit(&isolation_marks[i],
						     memory_order_relaxed);

		seen += mark != 0 && mark != worker + 1;
	}
	return seen;
}

/* Runs the isolation job on one executor; -1 on failure. */
static int isolation_run(const char *executor, unsigned workers,
			 double *visible, double *sibling)
{
	const struct executor_ops *ops = ex_find(executor);
	struct ex_config config = {
	    .workers = workers,
	    .schedule = EX_SCHED_DYNAMIC,
	    .chunk = 16,
	    .max_tasks = ISOLATION_TASKS,
	};
	static uint64_t results[ISOLATION_TASKS];
	struct ex_job job = {
	    .fn = isolation_task,
	    .ntasks = ISOLATION_TASKS,
	    .results = results,
	};
	struct executor *ex = NULL;
	char err[256];
	int rc;

	for (unsigned i = 0; i < ISOLATION_TASKS; i++)
		atomic_store(&isolation_marks[i], 0);
	if (!ops || ops->start(&config, &ex, err, sizeof(err)))
		return -1;
	rc = ops->map(ex, &job);
	ops->stop(ex);
	if (rc)
		return -1;
	*visible = 0;
	*sibling = 0;
	for (unsigned i = 0; i < ISOLATION_TASKS; i++) {
		*visible += atomic_load(&isolation_marks[i]) != 0;
		*sibling += (double)results[i];
	}
	return 0;
}

static void claim_isolation(struct cl_session *s, struct cl_row *r)
{
	struct cl_isolation f = {.writes = ISOLATION_TASKS};
	unsigned workers = s->cpus > 1 ? s->cpus : 2;
	char cmd[200];

	if (isolation_run("thread-pool", workers, &f.thread_visible,
			  &f.sibling_thread) ||
	    isolation_run("process-pool", workers, &f.process_visible,
			  &f.sibling_process)) {
		f.thread_visible = NAN;
		f.process_visible = NAN;
	}
	snprintf(cmd, sizeof(cmd),
		 "in-process job: %u tasks each write a global, thread-pool "
		 "and process-pool, W=%u",
		 ISOLATION_TASKS, workers);
	json_array_append_new(r->commands, json_string(cmd));
	cl_decide_isolation(&f, &r->d);
}

static void claim_crash(struct cl_session *s, struct cl_row *r)
{
	struct cl_crash f = {0};
	const struct cl_meas *pool, *threads;
	const char *why;

	pool = cl_run(s, r,
		      "--workload=fault --param=at=7 --executor=pool "
		      "--workers=%u --on-task-failure=continue",
		      s->cpus);
	threads = cl_run(s, r,
			 "--workload=fault --param=at=7 --executor=thread-pool "
			 "--workers=%u",
			 s->cpus);
	f.process_tasks = cl_get(pool, "tasks");
	f.process_failed = cl_get(pool, "tasks_failed");
	f.process_completed =
	    pool && !cl_error(pool) && isfinite(f.process_failed);
	why = cl_error(threads);
	f.thread_crashed = threads && why && strstr(why, "killed by");
	snprintf(f.thread_reason, sizeof(f.thread_reason), "%s",
		 why ? why : "");
	cl_decide_crash(&f, &r->d);
}

static void claim_creation(struct cl_session *s, struct cl_row *r)
{
	struct cl_creation f = {.workers = 8};

	/* The process pool forks W workers; the thread pool creates W - 1
	 * threads (its caller is worker 0): each cost is per one created. */
	f.process_per_worker_s =
	    cl_get(cl_run(s, r,
			  "--workload=cpu-hash --executor=pool "
			  "--workers=8 --param=work=1000"),
		   "create_s") /
	    8;
	f.thread_per_worker_s =
	    cl_get(cl_run(s, r,
			  "--workload=cpu-hash --executor=thread-pool "
			  "--workers=8 --param=work=1000"),
		   "create_s") /
	    7;
	cl_decide_creation(&f, &r->d);
}

/* memcpy bandwidth of this machine, best of a few copies of 256 MiB. */
static double copy_bandwidth(void)
{
	const size_t size = (size_t)256 << 20;
	char *a = malloc(size), *b = malloc(size);
	double best = INFINITY;

	if (!a || !b) {
		free(a);
		free(b);
		return NAN;
	}
	memset(a, 1, size);
	memset(b, 2, size);
	for (int k = 0; k < 3; k++) {
		double t0 = pt_now(), t;

		memcpy(b, a, size);
		__asm__ volatile("" : : "r"(b) : "memory");
		t = pt_now() - t0;
		best = t < best ? t : best;
	}
	free(a);
	free(b);
	return (double)size / best;
}

static void claim_footprint(struct cl_session *s, struct cl_row *r)
{
	static const char *const quick[] = {"0", "256MiB", "1GiB"};
	static const char *const full[] = {"0", "256MiB", "1GiB", "2GiB"};
	const char *const *sizes = s->quick ? quick : full;
	unsigned n = s->quick ? 3 : 4;
	struct cl_footprint f = {.n = n};

	for (unsigned i = 0; i < n; i++) {
		const char *fp = "--workload=fork-footprint --param=work=1000 "
				 "--tasks=100 --workers=1";
		double tasks;
		const struct cl_meas *m;

		f.parent_bytes[i] =
		    cl_param_value("fork-footprint", "rss", sizes[i]);
		m = cl_run(s, r,
			   "%s --param=rss=%s --executor=process-per-task", fp,
			   sizes[i]);
		tasks = cl_get(m, "tasks");
		f.fork_task_s[i] = cl_get(m, "wall") / tasks;
		m = cl_run(s, r, "%s --param=rss=%s --executor=thread-per-task",
			   fp, sizes[i]);
		f.thread_task_s[i] = cl_get(m, "wall") / cl_get(m, "tasks");
		/* The start methods whose children never had the parent's
		 * memory (issue 17). */
		m = cl_run(s, r,
			   "%s --param=rss=%s --executor=process-per-task "
			   "--start=forkserver",
			   fp, sizes[i]);
		f.forkserver_task_s[i] = cl_get(m, "wall") / cl_get(m, "tasks");
		m = cl_run(s, r, "%s --param=rss=%s --executor=process-spawn",
			   fp, sizes[i]);
		f.spawn_task_s[i] = cl_get(m, "wall") / cl_get(m, "tasks");
	}
	f.copy_bytes_per_s = copy_bandwidth();
	json_array_append_new(r->commands,
			      json_string("in-process memcpy of 256 MiB, best "
					  "of 3: the copy bandwidth"));
	cl_decide_footprint(&f, &r->d);
}

static void claim_io(struct cl_session *s, struct cl_row *r)
{
	static const char *const quick[] = {"io-sleep", "io-net"};
	static const char *const full[] = {"io-sleep", "io-net", "io-file"};
	const char *const *wls = s->quick ? quick : full;
	struct cl_io f = {.workers = 32, .n = s->quick ? 2 : 3};

	for (unsigned i = 0; i < f.n; i++) {
		struct cl_io_case *c = &f.c[i];
		const struct cl_meas *t, *p;

		snprintf(c->workload, sizeof(c->workload), "%s", wls[i]);
		t = cl_run(s, r,
			   "--workload=%s --tasks=256 --executor=thread-pool "
			   "--workers=32",
			   wls[i]);
		p = cl_run(s, r,
			   "--workload=%s --tasks=256 --executor=pool "
			   "--workers=32",
			   wls[i]);
		c->thread_items_per_s = cl_get(t, "items_per_second");
		c->process_items_per_s = cl_get(p, "items_per_second");
		c->thread_cpu_s =
		    cl_get(t, "cpu_user_s") + cl_get(t, "cpu_sys_s");
		c->process_cpu_s =
		    cl_get(p, "cpu_user_s") + cl_get(p, "cpu_sys_s");
		c->thread_pss = cl_get(t, "mem_pss_bytes");
		c->process_pss = cl_get(p, "mem_pss_bytes");
	}
	cl_decide_io(&f, &r->d);
}

static void claim_ipc(struct cl_session *s, struct cl_row *r)
{
	static const char *const quick[] = {"4KiB", "1MiB", "16MiB"};
	static const char *const full[] = {"64",   "4KiB",  "64KiB",
					   "1MiB", "16MiB", "64MiB"};
	const char *const *sizes = s->quick ? quick : full;
	struct cl_ipc f = {.n = s->quick ? 3 : 6};

	for (unsigned i = 0; i < f.n; i++) {
		const char *ipc = "--workload=ipc-payload --tasks=16";

		f.size[i] = cl_param_value("ipc-payload", "size", sizes[i]);
		f.thread_bps[i] =
		    cl_get(cl_run(s, r,
				  "%s --param=size=%s --executor=thread-pool "
				  "--workers=%u",
				  ipc, sizes[i], s->cpus),
			   "bytes_per_second");
		f.shm_bps[i] =
		    cl_get(cl_run(s, r,
				  "%s --param=size=%s --executor=pool "
				  "--workers=%u --transport=shm",
				  ipc, sizes[i], s->cpus),
			   "bytes_per_second");
		f.pipe_bps[i] = cl_get(
		    cl_run(s, r,
			   "%s --param=size=%s --executor=pool --workers=%u "
			   "--transport=pipe",
			   ipc, sizes[i], s->cpus),
		    "bytes_per_second");
	}
	cl_decide_ipc(&f, &r->d);
}

static void claim_poolsize(struct cl_session *s, struct cl_row *r)
{
	struct cl_poolsize f = {.cpus = s->cpus};
	unsigned candidates[] = {1,	      s->cpus / 2, s->cpus - 1, s->cpus,
				 s->cpus + 1, 2 * s->cpus, 4 * s->cpus};

	for (unsigned i = 0; i < sizeof(candidates) / sizeof(*candidates);
	     i++) {
		unsigned w = candidates[i];
		bool dup = w == 0;

		for (unsigned k = 0; k < f.n && !dup; k++)
			dup = f.workers[k] == w;
		if (dup || f.n == CL_MAX_POINTS)
			continue;
		f.workers[f.n] = w;
		f.wall_s[f.n++] = cl_wall(s, r,
					  "--workload=cpu-hash --executor=pool "
					  "--workers=%u",
					  w);
	}
	cl_decide_poolsize(&f, &r->d);
}

/* Claim 10 counts every job of the run, so it is decided last. */
static void claim_order(struct cl_session *s, struct cl_row *r)
{
	struct cl_order f = {0};
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(s->doc, "benchmarks"), i, e)
	{
		const char *msg =
		    json_string_value(json_object_get(e, "error_message"));
		double iters =
		    json_number_value(json_object_get(e, "iterations"));
		double tasks = json_number_value(json_object_get(e, "tasks"));

		if (msg && strstr(msg, "returned checksum"))
			f.misplaced++;
		if (!pt_gb_is_iteration(e) || pt_gb_failed(e))
			continue;
		f.jobs_checked += iters;
		f.tasks_checked += iters * tasks;
	}
	json_array_append_new(r->commands,
			      json_string("every job of every configuration "
					  "above, verified by the driver"));
	cl_decide_order(&f, &r->d);
}

static void claim_balance(struct cl_session *s, struct cl_row *r)
{
	struct cl_balance f = {.workers = s->cpus};
	const char *sk = "--workload=cpu-skewed --chunk=1";
	double serial;

	serial = cl_wall(s, r, "--workload=cpu-skewed --executor=serial");
	f.ideal_s = serial / (s->cpus ? s->cpus : 1);
	f.static_s = cl_wall(s, r,
			     "%s --executor=pool --workers=%u "
			     "--schedule=static",
			     sk, s->cpus);
	f.dynamic_s = cl_wall(s, r,
			      "%s --executor=pool --workers=%u "
			      "--schedule=dynamic",
			      sk, s->cpus);
	f.guided_s = cl_wall(s, r,
			     "%s --executor=pool --workers=%u "
			     "--schedule=guided",
			     sk, s->cpus);
	cl_decide_balance(&f, &r->d);
}

static void claim_breakeven(struct cl_session *s, struct cl_row *r)
{
	static const char *const quick[] = {"10", "300", "10000", "300000"};
	static const char *const full[] = {"10",    "100",    "1000",
					   "10000", "100000", "1000000"};
	const char *const *works = s->quick ? quick : full;
	struct cl_breakeven f = {.n = s->quick ? 4 : 6, .workers = s->cpus};

	for (unsigned i = 0; i < f.n; i++) {
		const char *ch = "--workload=cpu-hash --tasks=200";
		const struct cl_meas *m;
		double serial;

		m = cl_run(s, r, "%s --param=work=%s --executor=serial", ch,
			   works[i]);
		serial = cl_get(m, "wall");
		f.task_s[i] = serial / cl_get(m, "tasks");
		f.process_speedup[i] =
		    serial / cl_wall(s, r,
				     "%s --param=work=%s --executor=pool "
				     "--workers=%u",
				     ch, works[i], s->cpus);
		f.thread_speedup[i] =
		    serial /
		    cl_wall(s, r,
			    "%s --param=work=%s --executor=thread-pool "
			    "--workers=%u",
			    ch, works[i], s->cpus);
	}
	cl_decide_breakeven(&f, &r->d);
}

/*
 * A configuration's wall time per repetition (iteration entries), in
 * seconds, and whether any of its entries was marked noisy. Returns how
 * many; 0 when it failed.
 */
static size_t cl_walls(const struct cl_meas *m, double *walls, size_t max,
		       bool *noisy)
{
	size_t n = 0, i;
	json_t *e;

	if (!m || !m->entries || cl_error(m))
		return 0;
	json_array_foreach(m->entries, i, e)
	{
		json_t *v = json_object_get(e, "real_time");

		*noisy |= json_number_value(json_object_get(e, "noisy")) > 0;
		if (json_is_number(v) && n < max)
			walls[n++] = json_number_value(v) *
				     pt_json_unit_seconds(json_string_value(
					 json_object_get(e, "time_unit")));
	}
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Thread-pool speedup over serial at W = CPUs, for one workload's args,
 * over the session's repetitions (struct cl_speedup).
 */
static struct cl_speedup thread_speedup(struct cl_session *s, struct cl_row *r,
					const char *args, bool *noisy)
{
	struct cl_speedup x = {NAN, NAN, NAN};
	double serial[64], pool[64], ratios[64 * 64];
	size_t ns, np, n = 0;

	ns = cl_walls(cl_run(s, r, "%s --executor=serial", args), serial, 64,
		      noisy);
	np = cl_walls(cl_run(s, r, "%s --executor=thread-pool --workers=%u",
			     args, s->cpus),
		      pool, 64, noisy);
	if (!ns || !np)
		return x;
	for (size_t i = 0; i < ns; i++)
		for (size_t k = 0; k < np; k++)
			ratios[n++] = serial[i] / pool[k];
	qsort(ratios, n, sizeof(ratios[0]), cmp_double);
	x.lo = ratios[(size_t)floor(0.1 * (double)(n - 1))];
	x.hi = ratios[(size_t)ceil(0.9 * (double)(n - 1))];
	x.mid = gate_median(serial, ns) / gate_median(pool, np);
	return x;
}

static void claim_gil_real(struct cl_session *s, struct cl_row *r)
{
	const struct workload *py = wl_find("py-bytecode");
	struct cl_gil_real f = {.cpus = s->cpus,
				.workers = s->cpus,
				.python = py && !py->unavailable,
				.hold = 0.5};
	/* Like for like: 200 tasks of about 1.2 ms, as py-*'s defaults; at
	 * the partial hold one locked stretch per task, as py-release holds
	 * the GIL for its Python part, then releases it once for its C part
	 * (the default slice of 2 us hands the lock over 2500 times as
	 * often: docs/python.md). */
	const char *gil = "--workload=gil --tasks=200 --param=work=600000";

	if (f.python) {
		f.emulated_full = thread_speedup(s, r, gil, &f.noisy);
		f.emulated_part =
		    thread_speedup(s, r,
				   "--workload=gil --tasks=200 "
				   "--param=work=600000 --param=hold=0.5 "
				   "--param=slice=600000",
				   &f.noisy);
		f.real_full =
		    thread_speedup(s, r, "--workload=py-bytecode", &f.noisy);
		f.real_part = thread_speedup(
		    s, r, "--workload=py-release --param=release=0.5",
		    &f.noisy);
	}
	cl_decide_gil_real(&f, &r->d);
}

struct cl_claim {
	const char *claim;
	const char *experiment;
	void (*run)(struct cl_session *s, struct cl_row *r);
};

static const struct cl_claim claims[CL_NCLAIMS] = {
    {"Running CPU-bound work in several processes makes it faster, roughly "
     "in proportion to the cores available",
     "cpu-hash: serial vs process pool at W = CPUs", claim_scaling},
    {"An interpreter lock stops threads from running CPU-bound code in "
     "parallel; separate processes get around it",
     "gil with hold = 1 and 0.5: serial, thread pool, process pool", claim_gil},
    {"Each process has its own memory: a worker's change to global data is "
     "invisible to the others and the parent; threads see each other's",
     "tasks write a global array; the parent and the workers count the "
     "writes they see",
     claim_isolation},
    {"If one process crashes the others keep running; a crash in one thread "
     "brings the whole program down",
     "fault (segv at task 7) under the process pool with "
     "--on-task-failure=continue and under the thread pool",
     claim_crash},
    {"Creating a process costs more than creating a thread",
     "pool start-up per process forked vs per thread created, W = 8 (8 "
     "processes; 7 threads, the caller being worker 0)",
     claim_creation},
    {"Creating a process duplicates the parent's whole memory, so it is "
     "expensive for a big parent",
     "fork-footprint: fork per task as the parent grows, vs a thread per "
     "task and vs copying that memory; forkserver and spawn alongside",
     claim_footprint},
    {"Threads are the better choice for I/O-bound work",
     "io workloads at W = 32: throughput, CPU time and memory (PSS), "
     "threads vs processes",
     claim_io},
    {"Processes must move data through IPC, which costs time threads don't "
     "pay",
     "ipc-payload across sizes: thread pool vs process pool with shm and "
     "pipe transports",
     claim_ipc},
    {"A pool should have as many workers as CPU cores for CPU-bound work",
     "cpu-hash under the process pool, W around the CPU count", claim_poolsize},
    {"A pool returns results in the order the tasks were submitted",
     "every job of this run checked slot by slot against the reference",
     claim_order},
    {"A pool balances load by handing tasks to whichever worker is idle",
     "cpu-skewed (heavy-tailed) under static, dynamic and guided schedules",
     claim_balance},
    {"Multiprocessing adds overhead that only pays off for big enough tasks",
     "cpu-hash across task sizes: process and thread pool speedup over "
     "serial",
     claim_breakeven},
    {"The gil workload's emulated lock behaves like CPython's real GIL",
     "thread pool at W = CPUs, 200 tasks of about 1.2 ms: gil at hold = 1 "
     "and 0.5 (one locked stretch per task) vs py-bytecode and py-release "
     "(release = 0.5) in the embedded interpreter",
     claim_gil_real},
};

/* Claim 10 last: it counts the jobs every other experiment ran. */
static const unsigned run_order[CL_NCLAIMS] = {0, 1, 2,	 3,  4,	 5, 6,
					       7, 8, 10, 11, 12, 9};

static void usage(void)
{
	printf(
	    "usage: bench claims [--quick] [--repetitions=N] "
	    "[--only=LIST] [--format=console|md|json] [--out=FILE]\n"
	    "  Runs one experiment per textbook claim about processes and "
	    "threads and\n"
	    "  decides each from the figures measured in this run.\n"
	    "  --quick        fewer sizes, 3 repetitions of 0.05 s (about two "
	    "minutes on 2 CPUs)\n"
	    "  --repetitions=N  repetitions of each configuration "
	    "(default 3 quick, 9 full)\n"
	    "  --only=LIST    claim numbers to run, e.g. 1,3,5 or 1..4\n"
	    "  --format=F     console (default), md or json on standard "
	    "output\n"
	    "  --out=FILE     also write every entry measured and the "
	    "claims (JSON)\n");
}

static int parse_claims_args(int argc, char **argv, struct cl_session *s,
			     bool *selected, const char **out_path)
{
	for (unsigned i = 0; i < CL_NCLAIMS; i++)
		selected[i] = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--quick")) {
			s->quick = true;
		} else if (!strncmp(a, "--repetitions=", 14)) {
			uint64_t n;
			char err[200];

			if (pt_parse_uint_list(a + 14, 1, CL_MAX_REPETITIONS,
					       &n, 1, err, sizeof(err)) != 1) {
				fprintf(stderr,
					"bench: claims: %s: expected one "
					"count from 1 to %d\n",
					a, CL_MAX_REPETITIONS);
				return -EINVAL;
			}
			snprintf(s->reps_buf, sizeof(s->reps_buf), "%" PRIu64,
				 n);
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage();
			return 1;
		} else if (!strncmp(a, "--format=", 9)) {
			if (!strcmp(a + 9, "console"))
				s->format = GB_FORMAT_CONSOLE;
			else if (!strcmp(a + 9, "json"))
				s->format = GB_FORMAT_JSON;
			else if (!strcmp(a + 9, "md"))
				s->format = GB_FORMAT_CSV; /* Markdown here */
			else {
				fprintf(stderr,
					"bench: claims: --format=%s: expected "
					"console, md or json\n",
					a + 9);
				return -EINVAL;
			}
		} else if (!strncmp(a, "--out=", 6) && a[6]) {
			*out_path = a + 6;
		} else if (!strncmp(a, "--only=", 7)) {
			uint64_t list[CL_NCLAIMS];
			char err[200];
			int n =
			    pt_parse_uint_list(a + 7, 1, CL_NCLAIMS, list,
					       CL_NCLAIMS, err, sizeof(err));

			if (n <= 0) {
				fprintf(stderr, "bench: claims: %s: %s\n", a,
					n ? err : "empty list");
				return -EINVAL;
			}
			for (unsigned k = 0; k < CL_NCLAIMS; k++)
				selected[k] = false;
			for (int k = 0; k < n; k++)
				selected[list[k] - 1] = true;
		} else {
			fprintf(stderr,
				"bench: claims: %s: unknown option (see bench "
				"claims --help)\n",
				a);
			return -EINVAL;
		}
	}
	return 0;
}

int claims_main(int argc, char **argv)
{
	struct cl_session s = {.format = GB_FORMAT_CONSOLE};
	struct cl_row rows[CL_NCLAIMS];
	struct pt_outfile out = {.fd = -1};
	struct pt_env env;
	bool selected[CL_NCLAIMS];
	const char *out_path = NULL, *bad = NULL;
	char min_time[64], reps[64];
	char *gb_argv[4];
	json_t *list = NULL;
	unsigned n = 0;
	long cpus;
	int rc, status = EXIT_USAGE;

	memset(rows, 0, sizeof(rows));
	rc = parse_claims_args(argc, argv, &s, selected, &out_path);
	if (rc)
		return rc > 0 ? 0 : EXIT_USAGE;
	pt_supervise_init();
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	s.cpus = cpus > 0 ? (unsigned)cpus : 1;
	s.min_time = s.quick ? "0.05" : "0.3";
	s.repetitions = s.reps_buf[0] ? s.reps_buf : s.quick ? "3" : "9";
	snprintf(min_time, sizeof(min_time), "--benchmark_min_time=%s",
		 s.min_time);
	snprintf(reps, sizeof(reps), "--benchmark_repetitions=%s",
		 s.repetitions);
	gb_argv[0] = (char *)"bench";
	gb_argv[1] = min_time;
	gb_argv[2] = reps;
	gb_argv[3] = NULL;
	if (gb_init(3, gb_argv, &bad)) {
		fprintf(stderr,
			"bench: claims: %s: refused by Google "
			"Benchmark\n",
			bad ? bad : "?");
		goto out;
	}
	if (out_path) {
		rc = pt_outfile_open(&out, out_path);
		if (rc) {
			fprintf(stderr, "bench: claims: --out %s: %s\n",
				out_path, pt_outfile_strerror(&out, rc));
			goto out;
		}
	}
	pt_results_add_context(argc, argv);
	pt_env_read(&env, true);
	pt_env_add_context(&env);
	pt_env_warn(&env, s.cpus); /* oversubscribing is on purpose */
	s.doc = pt_results_new();
	list = json_array();
	if (!s.doc || !list) {
		fprintf(stderr, "bench: claims: out of memory\n");
		goto out;
	}
	for (unsigned k = 0; k < CL_NCLAIMS && !s.interrupted; k++) {
		unsigned c = run_order[k];
		struct cl_row *r;

		if (!selected[c])
			continue;
		r = &rows[n++];
		r->id = c + 1;
		r->claim = claims[c].claim;
		r->experiment = claims[c].experiment;
		r->commands = json_array();
		r->entries = json_array();
		claims[c].run(&s, r);
	}
	/* Rows in claim order, whatever order they ran in. */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && rows[j - 1].id > rows[j].id;
		     j--) {
			struct cl_row t = rows[j];

			rows[j] = rows[j - 1];
			rows[j - 1] = t;
		}
	for (unsigned i = 0; i < n; i++)
		json_array_append_new(list, cl_row_json(&rows[i]));
	json_object_set(s.doc, "claims", list);
	json_object_set_new(json_object_get(s.doc, "context"),
			    "procthread_claims_mode",
			    json_string(s.quick ? "quick" : "full"));
	/* Interrupted: what was measured is kept (marked incomplete), the
	 * claim cut short says no data; nothing is printed. */
	if (s.interrupted) {
		const char *why = s.interrupted == SIGINT
				      ? "interrupted by SIGINT"
				      : "interrupted by SIGTERM";

		fprintf(stderr, "bench: claims: %s\n", why);
		status = 128 + s.interrupted;
		pt_results_mark_incomplete(s.doc, why);
		if (out_path && pt_outfile_commit(&out, s.doc))
			fprintf(stderr,
				"bench: claims: --out %s: not written\n",
				out_path);
		goto out;
	}
	if (s.format == GB_FORMAT_CONSOLE)
		cl_print_console(rows, n, &s);
	else if (s.format == GB_FORMAT_CSV)
		cl_print_markdown(rows, n, &s);
	else {
		json_t *only = json_pack("{s:O, s:O}", "context",
					 json_object_get(s.doc, "context"),
					 "claims", list);

		json_dumpf(only, stdout,
			   JSON_INDENT(2) | JSON_REAL_PRECISION(17));
		putchar('\n');
		json_decref(only);
	}
	status = 0;
	if (out_path) {
		rc = pt_outfile_commit(&out, s.doc);
		if (rc) {
			fprintf(stderr, "bench: claims: --out %s: %s\n",
				out_path, pt_outfile_strerror(&out, rc));
			status = EXIT_USAGE;
		}
	}
out:
	pt_outfile_abort(&out);
	for (unsigned i = 0; i < n; i++) {
		json_decref(rows[i].commands);
		json_decref(rows[i].entries);
	}
	for (unsigned k = 0; k < s.ncache; k++)
		json_decref(s.cache[k].entries);
	json_decref(list);
	json_decref(s.doc);
	fflush(stdout);
	return status;
}
