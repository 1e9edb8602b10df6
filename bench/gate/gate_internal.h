/*
 * What bench compare's two halves share (gate.c decides, gate_print.c
 * prints): the verdicts, one row per benchmark, and the comparison's
 * context. Internal to bench/gate/.
 */
#ifndef PT_GATE_INTERNAL_H
#define PT_GATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "gate_cmp.h"
#include "gate_load.h"

enum gate_verdict {
	V_REGRESSED,
	V_IMPROVED,
	V_UNCHANGED,
	V_INCONCLUSIVE,
	V_ERROR,
	V_MISSING,
	V_NEW,
};

struct gate_row {
	const char *name;
	enum gate_verdict verdict;
	size_t n_base, n_new;
	double median_base, median_new; /* NAN when not measured */
	double ratio, ci_low, ci_high;	/* NEW / BASE of the metric */
	double p_value, u_new;		/* u_new: U of NEW, or T+ when paired */
	bool exact;
	size_t pairs;	  /* > 0: the paired test on this many run pairs */
	double threshold; /* the effective one */
	char note[256];
};

struct threshold_rule {
	char *pattern;
	double threshold;
};

struct noise_entry {
	char *name;
	double noise;
};

struct gate_ctx {
	const struct gate_options *o;
	struct gate_metric metric;
	bool higher_is_better;
	bool same_session; /* both files come from one bench ab session */
	struct threshold_rule *rules;
	size_t n_rules;
	struct noise_entry *noise;
	size_t n_noise;
	struct gate_row *rows;
	size_t n_rows;
	char why[1024];
};

/* How many rows have verdict v. */
size_t gate_count(const struct gate_ctx *c, enum gate_verdict v);

/* The table (text or Markdown) or the JSON document, per c->o->format. */
int gate_print_all(const struct gate_ctx *c, const char *base_path,
		   const char *new_path, FILE *f);

#endif
