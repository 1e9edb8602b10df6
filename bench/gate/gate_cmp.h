/*
 * The comparison shared by `bench compare` and `bench ab`: options, the
 * per-benchmark decision and the three output formats.
 */
#ifndef PT_GATE_CMP_H
#define PT_GATE_CMP_H

#include <stdbool.h>
#include <stdio.h>

enum gate_format { GATE_CONSOLE, GATE_MD, GATE_JSON };
enum gate_direction { GATE_AUTO, GATE_LOWER, GATE_HIGHER };

struct gate_options {
	double alpha;	  /* significance level of the U test */
	double threshold; /* smallest slowdown that counts, as a fraction */
	const char *thresholds_path; /* per-benchmark thresholds, or NULL */
	const char *metric;
	enum gate_direction direction;
	enum gate_format format;
	const char *noise_path; /* an A/A run, or NULL */
	double noise_k;
	const char *out_path; /* also write the output there, or NULL */
	bool quiet;	      /* write out_path only, nothing on stdout */
	unsigned given;	      /* options seen, one bit each: none twice */
};

void gate_options_default(struct gate_options *o);

/* Parses one option at argv[*i] (either --name=value or --name value);
 * returns 1 if it was a compare option (advancing *i past a separate
 * value), 0 if not, or -EINVAL after printing a message. */
int gate_parse_option(struct gate_options *o, int argc, char **argv, int *i);

/* Compares two results files and prints the outcome in the chosen format
 * on standard output (and out_path). Returns the exit status: 0, 1 or 2. */
int gate_compare_files(const struct gate_options *o, const char *base_path,
		       const char *new_path);

/* Whether a larger value of the compared metric is better. */
bool gate_higher_is_better(const struct gate_options *o);

/* The usage text of the compare options. */
void gate_print_option_help(FILE *f);

#endif
