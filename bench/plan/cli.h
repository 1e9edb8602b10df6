/*
 * The bench command line: one pass over argv that fills struct pt_options,
 * and the list/range parser behind --workers. Every problem is reported as a
 * single line "bench: <what>: <why>" and exit status 2 by the caller; nothing
 * here prints or exits.
 */
#ifndef PT_CLI_H
#define PT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "executor.h"
#include "gbw.h"
#include "transport.h"
#include "workload.h"

#define PT_MAX_WORKERS	  100000u
#define PT_MAX_TASKS	  100000000ull
#define PT_MAX_LIST	  256  /* entries in one expanded list */
#define PT_CI_REPETITIONS 3    /* --ci without --repetitions */
#define PT_MIN_TIMEOUT	  0.01 /* seconds: less cannot even start a child */
#define PT_MAX_ITERATIONS 1000000000ull

/* One --param K=V[,V...]: the values parsed per workload that has K. */
struct pt_param_arg {
	const char *text;  /* as given, for messages */
	char workload[64]; /* "cpu-hash" in cpu-hash.work=..., or "" */
	char key[64];
	const char *values; /* the text after '=' */
};

struct pt_options {
	const struct executor_ops *executors[16];
	unsigned nexecutors;
	const struct workload *workloads[64];
	unsigned nworkloads;
	unsigned workers[PT_MAX_LIST];
	/* T of an RxT entry (workers[k] is then R x T); 0 for a plain W. */
	unsigned worker_threads[PT_MAX_LIST];
	unsigned nworkers;
	uint64_t tasks; /* 0: each workload's default */
	struct pt_param_arg params[32];
	unsigned nparams;
	enum ex_schedule schedule;
	uint64_t chunk;
	enum ex_wait wait;
	enum ex_pin pin;
	enum pt_transport_kind transports[2]; /* --transport, in order */
	unsigned ntransports;
	bool transport_given;
	enum ex_start starts[3]; /* --start, in order */
	unsigned nstarts;
	bool start_given;
	double timeout;
	enum ex_on_failure on_failure; /* process executors */
	unsigned retries;	       /* with EX_ON_FAILURE_RETRY */
	double task_timeout;	       /* seconds; 0: none */
	enum gb_format format;
	bool console_full; /* --format=console-full: Google Benchmark's rows */
	bool ci;	   /* --ci: one entry per configuration, no errors */
	bool dry_run;	   /* --dry-run: parse, validate, print the plan */
	const char *out_path;
	struct pt_counter_list counters; /* --counters; n 0: none */
	bool counters_given;
	const char *trace_path; /* --trace */
	int trace_fd; /* set by main: the unlinked file children append to */

	/* Arguments handed to Google Benchmark (argv[0] first). */
	char *gb_argv[64];
	int gb_argc;
	char gb_storage[2][64]; /* the translated --repetitions, --min-time */

	bool list, help, version;
	bool repetitions_given; /* --repetitions or --benchmark_repetitions */
	uint64_t iterations;	/* --iterations; 0: Google Benchmark decides */
};

/*
 * Parses argv into opts (defaults first). Returns 0, or -EINVAL with a
 * one-line message (without the "bench: " prefix) in err.
 */
int pt_parse_args(int argc, char **argv, struct pt_options *opts, char *err,
		  size_t errlen);

/*
 * Parses "1,2,4", "1..16", "1..16:x2", "2..10:+2" (also "2..10:2") into at most
 * max values within [lo, hi], duplicates dropped, order kept. Returns the
 * count, or -EINVAL / -ERANGE with a reason in err.
 */
int pt_parse_uint_list(const char *text, uint64_t lo, uint64_t hi,
		       uint64_t *out, unsigned max, char *err, size_t errlen);

/*
 * --workers: a list as pt_parse_uint_list's whose elements may also be
 * "RxT" (R ranks of T threads: mpi+thread-pool). Fills workers[k] (R x T
 * for RxT) and threads[k] (T, or 0 for a plain element); returns the count
 * or a negative errno code with the reason in err.
 */
int pt_parse_workers(const char *text, unsigned *workers, unsigned *threads,
		     unsigned max, char *err, size_t errlen);

/* Strict unsigned and positive real parsers (whole string, no junk). */
int pt_parse_u64(const char *text, uint64_t lo, uint64_t hi, uint64_t *out);
int pt_parse_seconds(const char *text, double *out);

/* --help of a run, after the usage lines main() prints from its table. */
void pt_print_usage(void);

/* The flags of a run, NULL-terminated: those taking a value, and the rest
 * (what the shell completion offers). */
const char *const *pt_cli_value_flags(void);
const char *const *pt_cli_switch_flags(void);

#endif
