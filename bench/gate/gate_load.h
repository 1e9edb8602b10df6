/*
 * Reading Google Benchmark JSON for the regression gate: one results file
 * becomes a list of benchmarks, each with the samples of one metric.
 */
#ifndef PT_GATE_LOAD_H
#define PT_GATE_LOAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct gate_bench {
	char *name;	 /* run_name (or name when there is none) */
	double *samples; /* the metric of each iteration entry */
	double *pair;	 /* its procthread_ab_pair (bench ab), or NAN */
	size_t n;
	bool paired;	     /* every sample has a pair number */
	size_t n_aggregates; /* aggregate entries seen (not used as samples) */
	char *error;	     /* error_message when an entry failed, else NULL */
	double tasks, workers, threads; /* NAN when absent: the parameters */
	double workload_version;	/* NAN when absent (foreign files) */
};

struct gate_set {
	char *path;
	struct gate_bench *bench;
	size_t n;
	char *schema_version; /* context.procthread_schema_version or NULL */
	bool incomplete;      /* context.procthread_incomplete */
	char *ab_session;     /* context.procthread_ab_session or NULL */
	void *index;	      /* name -> position in bench (a json_t) */
};

/* Which figure of an entry the samples hold. */
struct gate_metric {
	const char *name; /* real_time, cpu_time or a counter */
	bool is_time;	  /* real_time or cpu_time: converted to nanoseconds */
};

/* The metric of one results entry: a field ("real_time", a counter) or a
 * sum of fields ("cpu_user_s+cpu_sys_s"). Returns 0, or -EINVAL when a
 * field is missing or not a number. No unit conversion. */
int gate_metric_value(json_t *entry, const char *metric, double *out);

/* Loads PATH. On failure returns a negative errno-style code and writes a
 * message (without the "bench: compare:" prefix) into why. */
int gate_load(const char *path, const struct gate_metric *metric,
	      struct gate_set *set, char *why, size_t why_len);

const struct gate_bench *gate_find(const struct gate_set *set,
				   const char *name);

void gate_set_free(struct gate_set *set);

#endif
