/*
 * The serial executor: every task runs in the calling thread, in index
 * order, as worker 0. It is the baseline speedups are computed against, so
 * it does nothing but the loop: no workers, no schedule, no copies.
 */
#include "core.h"

#include <errno.h>
#include <stdlib.h>

static int serial_start(const struct ex_config *config, struct executor **out,
			char *err, size_t errlen)
{
	struct executor *ex = calloc(1, sizeof(*ex));

	(void)err;
	(void)errlen;
	*out = NULL;
	if (!ex)
		return -ENOMEM;
	ex->ops = &ex_serial;
	ex->config = *config;
	*out = ex;
	return 0;
}

static int serial_map(struct executor *ex, const struct ex_job *job)
{
	(void)ex;
	for (uint64_t i = 0; i < job->ntasks; i++)
		job->results[i] = job->fn(job->arg, i, 0);
	return 0;
}

static void serial_stop(struct executor *ex)
{
	free(ex);
}

const struct executor_ops ex_serial = {
    .name = "serial",
    .alias = NULL,
    .summary = "every task in the calling thread, in order (the baseline)",
    .uses_workers = false,
    .uses_schedule = false,
    .processes = false,
    .start = serial_start,
    .map = serial_map,
    .stop = serial_stop,
};
