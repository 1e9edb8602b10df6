/*
 * The supervisor: runs every configuration of the plan in its own child
 * process (its own process group), with a timeout, and gathers the JSON the
 * child streams back. A crash, an exit or a hang loses that configuration
 * only: it is recorded as an error entry and the run goes on.
 */
#ifndef PT_SUPERVISE_H
#define PT_SUPERVISE_H

#include <jansson.h>

#include "cli.h"
#include "plan.h"

struct pt_summary {
	unsigned ran;	 /* configurations that produced entries */
	unsigned failed; /* configurations recorded as errors */
	int interrupted; /* the signal that stopped the run, or 0 */
	/* Configurations that could not create their processes or threads
	 * (EAGAIN), and the first one's name and error. */
	unsigned resource_limited;
	char resource_error[512];
};

/* Must be called once, before any thread exists, before pt_supervise. */
void pt_supervise_init(void);

void pt_supervise(const struct pt_options *opts, const struct pt_plan *plan,
		  json_t *doc, struct pt_summary *sum);

#endif
