/*
 * The executor registry: one explicit, NULL-terminated table of every
 * executor (no self-registration, which static libraries would silently
 * drop), lookup by name or alias, the names of schedules, wait and failure
 * policies as the command line spells them, and how a failed task reads.
 */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct executor_ops *const ex_all[] = {
    &ex_serial,
    &ex_thread_pool,
    &ex_process_pool,
    &ex_thread_per_task,
    &ex_process_per_task,
    &ex_omp,
    &ex_process_spawn,
    &ex_mpi,
    &ex_mpi_thread_pool,
    &ex_python_serial,
    &ex_python_threads,
    &ex_python_processes,
    NULL,
};

static const char *const schedule_names[] = {
    [EX_SCHED_STATIC] = "static",
    [EX_SCHED_DYNAMIC] = "dynamic",
    [EX_SCHED_GUIDED] = "guided",
};

static const char *const wait_names[] = {
    [EX_WAIT_ADAPTIVE] = "adaptive",
    [EX_WAIT_SPIN] = "spin",
    [EX_WAIT_BLOCK] = "block",
};

static const char *const pin_names[] = {
    [EX_PIN_NONE] = "none",
    [EX_PIN_COMPACT] = "compact",
    [EX_PIN_SPREAD] = "spread",
};

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

const struct executor_ops *ex_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; ex_all[i]; i++) {
		if (strcmp(ex_all[i]->name, name) == 0 ||
		    (ex_all[i]->alias && strcmp(ex_all[i]->alias, name) == 0))
			return ex_all[i];
	}
	return NULL;
}

/* Index of text in names, or -1; shared by both parsers. */
static int find_name(const char *const *names, size_t count, const char *text)
{
	if (!text)
		return -1;
	for (size_t i = 0; i < count; i++) {
		if (strcmp(names[i], text) == 0)
			return (int)i;
	}
	return -1;
}

const char *ex_schedule_name(enum ex_schedule schedule)
{
	if ((size_t)schedule >= COUNT_OF(schedule_names))
		return "unknown";
	return schedule_names[schedule];
}

int ex_schedule_parse(const char *text, enum ex_schedule *out)
{
	int index = find_name(schedule_names, COUNT_OF(schedule_names), text);

	if (index < 0)
		return -EINVAL;
	*out = (enum ex_schedule)index;
	return 0;
}

const char *ex_wait_name(enum ex_wait wait)
{
	if ((size_t)wait >= COUNT_OF(wait_names))
		return "unknown";
	return wait_names[wait];
}

int ex_wait_parse(const char *text, enum ex_wait *out)
{
	int index = find_name(wait_names, COUNT_OF(wait_names), text);

	if (index < 0)
		return -EINVAL;
	*out = (enum ex_wait)index;
	return 0;
}

const char *ex_pin_name(enum ex_pin pin)
{
	if ((size_t)pin >= COUNT_OF(pin_names))
		return "unknown";
	return pin_names[pin];
}

int ex_pin_parse(const char *text, enum ex_pin *out)
{
	int index = find_name(pin_names, COUNT_OF(pin_names), text);

	if (index < 0)
		return -EINVAL;
	*out = (enum ex_pin)index;
	return 0;
}

int ex_on_failure_parse(const char *text, enum ex_on_failure *out,
			unsigned *retries)
{
	char *end;
	unsigned long count;

	if (!text)
		return -EINVAL;
	if (strcmp(text, "abort") == 0 || strcmp(text, "continue") == 0) {
		*out = text[0] == 'a' ? EX_ON_FAILURE_ABORT
				      : EX_ON_FAILURE_CONTINUE;
		*retries = 0;
		return 0;
	}
	if (strncmp(text, "retry:", 6) != 0 || text[6] < '1' || text[6] > '9')
		return -EINVAL;
	errno = 0;
	count = strtoul(text + 6, &end, 10);
	if (*end || errno == ERANGE || count > 1000000)
		return -EINVAL;
	*out = EX_ON_FAILURE_RETRY;
	*retries = (unsigned)count;
	return 0;
}

void ex_on_failure_format(enum ex_on_failure policy, unsigned retries,
			  char *buf, size_t len)
{
	if (policy == EX_ON_FAILURE_RETRY)
		snprintf(buf, len, "retry:%u", retries);
	else
		snprintf(buf, len, "%s",
			 policy == EX_ON_FAILURE_CONTINUE ? "continue"
							  : "abort");
}

void ex_failure_describe(const struct ex_failure *failure,
			 uint64_t task_timeout_ns, char *buf, size_t len)
{
	char why[96], tries[32] = "";

	pt_describe_end(failure->status, failure->timed_out, task_timeout_ns,
			why, sizeof(why));
	if (failure->attempts > 1)
		snprintf(tries, sizeof(tries), ", %u attempts",
			 failure->attempts);
	snprintf(buf, len, "task %llu (worker %u, pid %d): %s%s",
		 (unsigned long long)failure->task, failure->worker,
		 failure->pid, why, tries);
}
