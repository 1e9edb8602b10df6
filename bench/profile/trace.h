/*
 * --trace: the parent's side. Configuration children append their trace
 * parts (one JSON line each, see pt_probe_write_trace) to one unlinked
 * temporary file; after the run the parent merges the parts into one Chrome
 * trace-event document, which Perfetto and chrome://tracing open.
 */
#ifndef PT_TRACE_H
#define PT_TRACE_H

#include <jansson.h>

/*
 * An unlinked temporary file (in TMPDIR, else /tmp) opened for appending,
 * so nothing is left behind whatever happens. Returns the fd or -errno.
 */
int pt_trace_parts_open(void);

/*
 * The merged document: {"traceEvents": [...], "displayTimeUnit": "ms",
 * "otherData": {"procthread_trace_version", "configurations": [{"name",
 * "tasks", "recorded", "record_every"}]}}. A part that does not parse (a
 * child killed while writing) is skipped. *sampled counts configurations
 * whose tasks were sampled. NULL when out of memory.
 */
json_t *pt_trace_merge(int fd, unsigned *sampled);

#endif
