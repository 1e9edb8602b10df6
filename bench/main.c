/*
 * bench: the command-line entry point.
 *
 * `bench [OPTIONS]` expands the options into a plan, runs every
 * configuration under the supervisor, and writes one Google Benchmark JSON
 * document. Errors in the input are refused before anything runs: one line
 * "bench: <what>: <why>" on standard error and exit status 2.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ci.h"
#include "claims.h"
#include "cli.h"
#include "commands.h"
#include "complete.h"
#include "console.h"
#include "ex_mpi.h"
#include "gate.h"
#include "gbw.h"
#include "info.h"
#include "overhead.h"
#include "plan.h"
#include "probe.h"
#include "progress.h"
#include "pt_config.h"
#include "pt_exit.h"
#include "pyref.h"
#include "report.h"
#include "results.h"
#include "spawn_worker.h"
#include "supervise.h"
#include "trace.h"

static const char *unit_name(enum wl_unit u)
{
	switch (u) {
	case WL_UNIT_BYTES:
		return "bytes";
	case WL_UNIT_SECONDS:
		return "seconds";
	case WL_UNIT_CHOICE:
		return "choice";
	case WL_UNIT_RATIO:
		return "number";
	case WL_UNIT_COUNT:
		break;
	}
	return "count";
}

static void print_list(void)
{
	printf("Workloads (--workload=NAME, parameters with --param "
	       "KEY=VALUE):\n");
	for (unsigned i = 0; wl_all[i]; i++) {
		const struct workload *w = wl_all[i];

		printf("  %-16s %-10s %s (default %llu tasks)\n", w->name,
		       wl_kind_name(w->kind), w->summary,
		       (unsigned long long)w->default_tasks);
		if (w->unavailable)
			printf("  %-16s unavailable: %s\n", "", w->unavailable);
		for (unsigned k = 0; w->params[k].name; k++) {
			const struct wl_param *p = &w->params[k];
			char def[64], lo[64], hi[64], range[160];

			wl_param_format(p, p->def, def, sizeof(def));
			if (p->unit == WL_UNIT_CHOICE) {
				size_t used = 0;

				range[0] = '\0';
				for (unsigned c = 0; p->choices[c]; c++)
					used += (size_t)snprintf(
					    range + used, sizeof(range) - used,
					    "%s%s", c ? "|" : "",
					    p->choices[c]);
			} else {
				wl_param_format(p, p->min, lo, sizeof(lo));
				wl_param_format(p, p->max, hi, sizeof(hi));
				snprintf(range, sizeof(range), "%s %s..%s",
					 unit_name(p->unit), lo, hi);
			}
			printf("      %-14s %s [%s, default %s]\n", p->name,
			       p->help, range, def);
		}
	}
	printf("\nExecutors (--executor=NAME):\n");
	for (unsigned i = 0; ex_all[i]; i++) {
		const struct executor_ops *e = ex_all[i];
		char name[64];

		snprintf(name, sizeof(name), "%s%s%s%s", e->name,
			 e->alias ? " (" : "", e->alias ? e->alias : "",
			 e->alias ? ")" : "");
		printf("  %-24s %s\n", name, e->summary);
		if (e->unavailable)
			printf("  %-24s unavailable: %s\n", "", e->unavailable);
		else if (e->named_only)
			printf("  %-24s only when named: --executor=all leaves "
			       "it out\n",
			       "");
	}
	printf("\nSchedules (--schedule): static, dynamic, guided. "
	       "Wait policies (--wait): adaptive, spin, block.\n");
	printf("Transports (--transport; ipc-payload under process "
	       "executors): shm, pipe.\n");
	printf("Start methods (--start; process-pool, process-per-task): "
	       "fork, forkserver, spawn (process-per-task by spawn is "
	       "process-spawn).\n");
}

/* --task-timeout and --on-task-failure act on process executors only. */
static void warn_thread_executors(const struct pt_options *o)
{
	const char *flag = o->task_timeout > 0 ? "--task-timeout"
			   : o->on_failure != EX_ON_FAILURE_ABORT
			       ? "--on-task-failure"
			       : NULL;

	for (unsigned i = 0; flag && i < o->nexecutors; i++) {
		if (o->executors[i]->processes)
			continue;
		fprintf(stderr,
			"bench: warning: %s applies to process executors only; "
			"a crash or hang under %s ends its configuration "
			"(--timeout bounds it)\n",
			flag, o->executors[i]->name);
		break;
	}
}

/*
 * --counters: which events count here, resolved once for every
 * configuration; recorded in the context, one warning for the unavailable.
 */
static int add_counters_context(struct pt_options *o)
{
	char unavailable[1024], warning[1200], err[256], counted[600] = "";
	int rc =
	    pt_counters_resolve(&o->counters, unavailable, sizeof(unavailable),
				warning, sizeof(warning), err, sizeof(err));

	if (rc) {
		fprintf(stderr, "bench: %s\n", err);
		return rc;
	}
	if (warning[0])
		fprintf(stderr, "bench: %s\n", warning);
	for (unsigned i = 0; i < o->counters.n; i++)
		snprintf(counted + strlen(counted),
			 sizeof(counted) - strlen(counted), "%s%s",
			 i ? ", " : "", o->counters.names[i]);
	gb_add_context("papi_counters", counted);
	gb_add_context("papi_counters_domain",
		       o->counters.user_only ? "user" : "user+kernel");
	if (unavailable[0])
		gb_add_context("papi_counters_unavailable", unavailable);
	return 0;
}

/* The last --benchmark_repetitions=N handed to Google Benchmark, or 1. */
static unsigned repetitions(const struct pt_options *o)
{
	unsigned n = 1;

	for (int i = 1; i < o->gb_argc; i++)
		if (!strncmp(o->gb_argv[i], "--benchmark_repetitions=", 24))
			n = (unsigned)strtoul(o->gb_argv[i] + 24, NULL, 10);
	return n ? n : 1;
}

/*
 * --dry-run: everything is parsed and validated (the plan is built, the
 * output paths are checked by creating and removing their temporary
 * files), the plan is printed, and nothing runs.
 */
static int dry_run(const struct pt_options *o, const struct pt_plan *plan)
{
	const char *format = o->format == GB_FORMAT_JSON  ? "json"
			     : o->format == GB_FORMAT_CSV ? "csv"
			     : o->console_full		  ? "console-full"
							  : "console";

	printf("bench: dry run: %zu configuration%s, %u repetition%s each, "
	       "nothing run\n",
	       plan->n, plan->n == 1 ? "" : "s", repetitions(o),
	       repetitions(o) == 1 ? "" : "s");
	for (size_t i = 0; i < plan->n; i++)
		printf("  %s\n", plan->configs[i].name);
	printf("output: %s on standard output", format);
	if (o->out_path)
		printf("; results (JSON%s) to %s", o->ci ? ", --ci" : "",
		       o->out_path);
	if (o->trace_path)
		printf("; trace to %s", o->trace_path);
	printf("\n");
	return 0;
}

/* --dry-run: path (of flag; NULL: none) could be written, as a run would. */
static int check_writable(const char *flag, const char *path)
{
	struct pt_outfile probe = {.fd = -1};
	int rc = path ? pt_outfile_open(&probe, path) : 0;

	pt_outfile_abort(&probe);
	free(probe.path);
	if (rc)
		fprintf(stderr, "bench: %s %s: %s\n", flag, path,
			strerror(-rc));
	return rc;
}

/* --trace: merges the configurations' parts into FILE, atomically. */
static int write_trace(const struct pt_options *o, struct pt_outfile *of)
{
	unsigned sampled = 0;
	json_t *trace = pt_trace_merge(o->trace_fd, &sampled);
	int rc = trace ? pt_outfile_commit(of, trace) : -ENOMEM;

	json_decref(trace);
	if (rc)
		fprintf(stderr, "bench: --trace %s: %s\n", o->trace_path,
			strerror(-rc));
	else if (sampled)
		fprintf(stderr,
			"bench: --trace: %u configuration%s had more than %d "
			"tasks: the trace keeps every k-th task "
			"(otherData.configurations[].record_every)\n",
			sampled, sampled > 1 ? "s" : "", PT_PROBE_MAX_RECORDS);
	return rc;
}

/* The usage lines of --help: a run, then each subcommand of the table. */
static void print_usage_lines(void)
{
	printf("Usage: bench [OPTIONS] [--benchmark_*...]\n");
	for (unsigned i = 0; pt_commands[i].name; i++)
		printf("       bench %s %s\n", pt_commands[i].name,
		       pt_commands[i].usage);
}

static int run(int argc, char **argv)
{
	struct pt_options *o = calloc(1, sizeof(*o));
	struct pt_outfile out = {.fd = -1}, trace_out = {.fd = -1};
	struct pt_plan plan = {0};
	struct pt_summary sum = {0};
	struct pt_env env;
	unsigned max_workers = 0;
	json_t *doc = NULL;
	const char *bad = NULL;
	char err[512];
	int rc, status = EXIT_USAGE;

	if (!o) {
		fprintf(stderr, "bench: out of memory\n");
		return EXIT_USAGE;
	}
	pt_supervise_init();
	rc = pt_parse_args(argc, argv, o, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "bench: %s\n", err);
		goto out;
	}
	if (o->help) {
		print_usage_lines();
		pt_print_usage();
		status = 0;
		goto out;
	}
	if (o->version) {
		printf("bench (procthread) %s, libbenchmark %s\n", PT_VERSION,
		       gb_library_version());
		status = 0;
		goto out;
	}
	if (o->list) {
		print_list();
		status = 0;
		goto out;
	}
	if (gb_init(o->gb_argc, o->gb_argv, &bad)) {
		fprintf(stderr,
			"bench: %s: not a Google Benchmark flag, or a bad "
			"value for one\n",
			bad ? bad : "?");
		goto out;
	}
	rc = pt_plan_build(o, &plan, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "bench: %s\n", err);
		goto out;
	}
	if (o->dry_run && (check_writable("--out", o->out_path) ||
			   check_writable("--trace", o->trace_path)))
		goto out;
	if (o->dry_run) {
		status = dry_run(o, &plan);
		goto out;
	}
	if (o->out_path) {
		rc = pt_outfile_open(&out, o->out_path);
		if (rc) {
			fprintf(stderr, "bench: --out %s: %s\n", o->out_path,
				strerror(-rc));
			goto out;
		}
	}
	if (o->trace_path) {
		rc = pt_outfile_open(&trace_out, o->trace_path);
		if (rc >= 0)
			rc = o->trace_fd = pt_trace_parts_open();
		if (rc < 0) {
			fprintf(stderr, "bench: --trace %s: %s\n",
				o->trace_path, strerror(-rc));
			goto out;
		}
	}
	pt_results_add_context(argc, argv);
	pt_env_read(&env, true);
	pt_env_add_context(&env);
	if (o->counters_given && add_counters_context(o))
		goto out;
	for (unsigned i = 0; i < o->nworkers; i++)
		max_workers =
		    o->workers[i] > max_workers ? o->workers[i] : max_workers;
	pt_env_warn(&env, max_workers);
	warn_thread_executors(o);
	doc = pt_results_new();
	if (!doc) {
		fprintf(stderr, "bench: out of memory\n");
		goto out;
	}

	pt_progress_begin(plan.n, repetitions(o));
	pt_supervise(o, &plan, doc, &sum);

	if (sum.interrupted)
		pt_results_mark_incomplete(doc, sum.interrupted == SIGINT
						    ? "interrupted by SIGINT"
						    : "interrupted by SIGTERM");
	if (o->format == GB_FORMAT_CONSOLE && !o->console_full &&
	    pt_console_render(doc, stdout) < 0)
		fprintf(stderr, "bench: out of memory for the console table\n");
	if (o->ci && pt_ci_reduce(doc) < 0) {
		fprintf(stderr, "bench: --ci: out of memory\n");
		status = EXIT_USAGE;
		goto out;
	}
	if (o->format == GB_FORMAT_JSON) {
		json_dumpf(doc, stdout,
			   JSON_INDENT(2) | JSON_REAL_PRECISION(17));
		putchar('\n');
	}
	status = sum.interrupted ? 128 + sum.interrupted : sum.failed ? 1 : 0;
	/* Out of processes or threads: exit 2, whatever else happened. */
	if (sum.resource_limited && !sum.interrupted)
		status = EXIT_USAGE;
	/* Interrupted before anything was measured: an empty file would only
	 * destroy the previous results, so they stay as they were. */
	if (o->out_path && sum.interrupted &&
	    !json_array_size(json_object_get(doc, "benchmarks"))) {
		fprintf(stderr,
			"bench: interrupted before any result: --out %s "
			"left as it was\n",
			o->out_path);
	} else if (o->out_path) {
		rc = pt_outfile_commit(&out, doc);
		if (rc) {
			fprintf(stderr, "bench: --out %s: %s\n", o->out_path,
				strerror(-rc));
			status = EXIT_USAGE;
		}
	}
	if (o->trace_path && write_trace(o, &trace_out))
		status = EXIT_USAGE;
	if (sum.resource_limited && !sum.interrupted)
		fprintf(stderr, "bench: %s (%u of %zu configurations failed)\n",
			sum.resource_error, sum.failed, plan.n);
	else if (sum.failed && !sum.interrupted)
		fprintf(stderr,
			"bench: %u of %zu configurations failed (error entries "
			"in the results)\n",
			sum.failed, plan.n);
out:
	pt_outfile_abort(&out);
	free(out.path);
	pt_outfile_abort(&trace_out);
	if (o->trace_fd >= 0)
		close(o->trace_fd);
	json_decref(doc);
	pt_plan_free(&plan);
	free(o);
	fflush(stdout);
	return status;
}

/* bench pyref: a run with other defaults (pyref.h). */
static int pyref_command(int argc, char **argv)
{
	return pyref_main(argc, argv, run);
}

/* The subcommands (commands.h), in --help's order. */
const struct pt_command pt_commands[] = {
    {"report", "RESULTS.json [MORE.json...] -o DIR", rep_main},
    {"compare", "BASE.json NEW.json [OPTIONS]", gate_main},
    {"ab", "--baseline=OTHER_BENCH [--preset=3pct] [OPTIONS] [BENCH ARGS...]",
     gate_ab_main},
    {"gate-power",
     "[--preset=3pct] [--sessions=N] [--effects=LIST] [AB OPTIONS] [BENCH "
     "ARGS...]",
     gate_power_main},
    {"info", "[--format=json]", info_main},
    {"overhead", "[--quick] [--only=TEXT] [--format=console|json] [--out FILE]",
     overhead_main},
    {"claims",
     "[--quick] [--only=LIST] [--format=console|md|json] [--out=FILE]",
     claims_main},
    {"pyref", "[OPTIONS]  py-* workloads, ours next to Python's own pools",
     pyref_command},
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
	/* A process-spawn child: nothing else of bench may run first. */
	if (argc > 1 && !strcmp(argv[1], EX_SPAWN_WORKER_FLAG))
		return pt_spawn_worker_main(argc, argv);
	/* A rank of the mpi executors, likewise. */
	if (argc > 1 && !strcmp(argv[1], EX_MPI_WORKER_FLAG))
		return pt_mpi_worker_main(argc, argv);
	/* Under a user's mpiexec: rank 0 runs bench, the others exit. */
	if (ex_mpi_launched_rank_exits())
		return 0;
	if (argc == 2 && (!strcmp(argv[1], "--completion=bash") ||
			  !strcmp(argv[1], "--completion")))
		return pt_print_bash_completion(stdout) || fflush(stdout)
			   ? EXIT_USAGE
			   : 0;
	if (argc > 1 && !strcmp(argv[1], EX_POOL_WORKER_FLAG))
		return pt_pool_worker_main(argc, argv);
	for (unsigned i = 0; argc > 1 && pt_commands[i].name; i++)
		if (!strcmp(argv[1], pt_commands[i].name))
			return pt_commands[i].fn(argc - 1, argv + 1);
	if (argc > 1 && argv[1][0] != '-') {
		fprintf(stderr,
			"bench: unknown command '%s' (see bench --help)\n",
			argv[1]);
		return EXIT_USAGE;
	}
	return run(argc, argv);
}
