/*
 * One bench ab session as a function, shared by `bench ab` and
 * `bench gate-power`: side A and side B (a binary and its arguments each)
 * run alternately in pairs into DIR/runs/, their samples are merged into
 * DIR/base.json and DIR/new.json, and the two are compared.
 */
#ifndef PT_GATE_AB_H
#define PT_GATE_AB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "gate_cmp.h"
#include "plan.h"

#define GATE_AB_MAX_RUNS 1000

/* What one run contributes per benchmark when it ran --repetitions. */
enum gate_run_stat {
	GATE_RUN_MEDIAN, /* Google Benchmark's median aggregate */
	GATE_RUN_MIN,	 /* the best repetition of the compared metric */
};

struct gate_ab_side {
	const char *binary;
	char **args; /* bench arguments, without --out */
	int n_args;
};

struct gate_ab_session {
	struct gate_ab_side side[2]; /* A (baseline), B (new) */
	const char *dir;
	unsigned runs; /* pairs; with sequential, the most pairs */
	bool runs_given;
	uint64_t seed;
	bool sequential;
	double budget_s; /* 0: none; else no pair starts that would end later */
	enum gate_run_stat run_stat;
	const char *preset; /* --preset, or NULL */
	json_t *rename;	    /* B configuration name -> A's (a prefix of the run
			     * name up to a '/'), or NULL */
	bool quiet;	    /* no progress lines, no comparison on stdout */

	/* Filled in by gate_ab_run(). */
	unsigned pairs;		 /* complete pairs compared */
	unsigned looks;		 /* planned looks of the sequential test */
	double alpha_used;	 /* the alpha of the final comparison */
	double seconds;		 /* wall time of the session */
	bool budget_spent;	 /* stopped by --budget */
	int interrupted;	 /* the signal that stopped it, or 0 */
	char compare_path[4096]; /* the comparison written into dir */
};

void gate_ab_defaults(struct gate_ab_session *s);

/* Parses one option shared by ab and gate-power (--runs, --seed,
 * --sequential, --budget, --run-statistic) at argv[*i]; returns 1, 0 (not
 * one of them) or -EINVAL after printing "bench: WHO: ...". */
int gate_ab_parse_option(struct gate_ab_session *s, const char *who, int argc,
			 char **argv, int *i);

/*
 * --preset=NAME, looked for in argv[1..argc-1] before any other option
 * is parsed: it sets defaults of s and o that explicit options then
 * override. 3pct: --sequential --budget=2m --run-statistic=min
 * --metric=cpu_user_s+cpu_sys_s --threshold=1%. Returns 0, or -EINVAL
 * after printing "bench: WHO: ...". gate_ab_parse_option() then skips it.
 */
int gate_ab_preset(struct gate_ab_session *s, struct gate_options *o,
		   const char *who, int argc, char **argv);

/* The bench arguments the preset adds where ARGS lack them (--repetitions
 * and --iterations): appended to args, which has room for
 * GATE_AB_PRESET_ARGS more. */
#define GATE_AB_PRESET_ARGS 2
void gate_ab_preset_args(const struct gate_ab_session *s, char **args,
			 int *n_args);

/* The usage lines of those options. */
void gate_ab_print_option_help(FILE *f);

/* SIGINT and SIGTERM stop the session (the running child is stopped, the
 * complete pairs are compared and marked incomplete) instead of the
 * process. */
void gate_ab_catch_signals(void);

/* The signal caught since gate_ab_catch_signals(), or 0. */
int gate_ab_signal(void);

/* Checks bench arguments as bench itself would and builds their plan
 * (free it with pt_plan_free()); prints "bench: WHO: ..." on error. */
int gate_ab_plan(char **args, int n_args, const char *who,
		 struct pt_plan *plan);

/* Removes DIR/runs/ and the run files in it (other files stay). */
void gate_ab_remove_runs(const char *dir);

/* The path of this binary, for side B. */
int gate_ab_self(char *self, size_t len);

/* Runs the session; returns the comparison's exit status (0, 1 or 2), or
 * 128 + the signal when interrupted. Messages go to stderr as
 * "bench: ab: ...". */
int gate_ab_run(struct gate_ab_session *s, const struct gate_options *o);

#endif
