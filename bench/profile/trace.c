/*
 * Merging the trace parts. The design is simple: every configuration child
 * appends exactly one line (its part) to the shared unlinked file, children
 * run one at a time, and the parent reads the file once at the end, line by
 * line, keeping the events and noting each configuration in otherData. The
 * parts file is unlinked from birth, so it disappears with its last fd.
 */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"

#define TRACE_VERSION 1

int pt_trace_parts_open(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	/* Filesystems without O_TMPFILE: create, then unlink at once. */
	snprintf(path, sizeof(path), "%s/.procthread-trace.XXXXXX", dir);
	fd = mkostemp(path, O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

/* The whole file, NUL-terminated; NULL on error. */
static char *read_all(int fd, size_t *len)
{
	size_t cap = 1 << 16;
	char *buf = malloc(cap);
	bool ok = false;
	ssize_t n;

	*len = 0;
	if (!buf || lseek(fd, 0, SEEK_SET) < 0)
		goto out;
	for (;;) {
		if (cap - *len < 4096) {
			char *grown = realloc(buf, cap * 2);

			if (!grown)
				goto out;
			buf = grown;
			cap *= 2;
		}
		n = read(fd, buf + *len, cap - *len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	buf[*len] = '\0';
	ok = true;
out:
	if (!ok) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

/* Appends one part's events to events and its summary to configs. */
static void merge_part(json_t *part, json_t *events, json_t *configs,
		       unsigned *sampled)
{
	json_t *list = json_object_get(part, "events");
	json_t *every = json_object_get(part, "record_every");
	json_t *event;
	size_t i;

	if (!json_is_array(list))
		return;
	json_array_foreach(list, i, event) json_array_append(events, event);
	if (json_integer_value(every) > 1)
		(*sampled)++;
	json_array_append_new(
	    configs, json_pack("{s:O?,s:O?,s:O?,s:O?}", "name",
			       json_object_get(part, "config"), "tasks",
			       json_object_get(part, "tasks"), "recorded",
			       json_object_get(part, "recorded"),
			       "record_every", every));
}

json_t *pt_trace_merge(int fd, unsigned *sampled)
{
	json_t *events = json_array(), *configs = json_array();
	json_t *doc = NULL;
	size_t len;
	char *text = read_all(fd, &len);

	*sampled = 0;
	if (!text || !events || !configs)
		goto out;
	for (char *line = text, *end; *line; line = end) {
		json_t *part;

		end = strchr(line, '\n');
		end = end ? end + 1 : line + strlen(line);
		part = json_loadb(line, (size_t)(end - line), 0, NULL);
		if (part)
			merge_part(part, events, configs, sampled);
		json_decref(part);
	}
	doc = json_pack("{s:O,s:s,s:{s:i,s:O,s:i}}", "traceEvents", events,
			"displayTimeUnit", "ms", "otherData",
			"procthread_trace_version", TRACE_VERSION,
			"configurations", configs, "task_limit",
			PT_PROBE_MAX_RECORDS);
out:
	json_decref(events);
	json_decref(configs);
	free(text);
	return doc;
}
