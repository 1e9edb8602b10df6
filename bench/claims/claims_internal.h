/*
 * What bench claims' two halves share (claims.c measures and decides,
 * claims_print.c prints): the session, its cache of measured
 * configurations, one row per claim. Internal to bench/claims/.
 */
#ifndef PT_CLAIMS_INTERNAL_H
#define PT_CLAIMS_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "claims_rules.h"
#include "gbw.h"

#define CL_NCLAIMS   13
#define CL_MAX_CACHE 256
/* cl_get keeps up to 64 values of a configuration. */
#define CL_MAX_REPETITIONS 64

/* One configuration measured: its entries and the command behind them. */
struct cl_meas {
	char args[256];
	json_t *entries; /* iteration entries (and error entries), owned */
};

struct cl_session {
	bool quick;
	unsigned cpus;
	enum gb_format format;
	const char *min_time, *repetitions; /* the Google Benchmark flags */
	char reps_buf[8];		    /* --repetitions, or "" */
	json_t *doc;			    /* every entry measured */
	struct cl_meas cache[CL_MAX_CACHE];
	unsigned ncache;
	int interrupted; /* the signal that stopped the run, or 0 */
};

struct cl_row {
	unsigned id;
	const char *claim;
	const char *experiment;
	struct cl_decision d;
	json_t *commands; /* strings: how to reproduce each figure */
	json_t *entries;  /* run names the figures came from */
};

/* One row as JSON (the --format=json document's "claims" entries). */
json_t *cl_row_json(const struct cl_row *r);

/* The table of the n rows on standard output: console or Markdown. */
void cl_print_console(const struct cl_row *rows, unsigned n,
		      const struct cl_session *s);
void cl_print_markdown(const struct cl_row *rows, unsigned n,
		       const struct cl_session *s);

#endif
