/*
 * PAPI counters (--counters): the list the user asked for, which of those
 * events this machine can count, and the per-thread event sets that worker
 * threads and worker processes count with.
 *
 * The design is simple: the bench process resolves the list once, before any
 * configuration runs (each event is added to one trial event set, started and
 * stopped, so "exists but cannot count here" is found out before the run,
 * once, with one warning). Configuration children then count only the events
 * that worked. Inside a configuration, every thread that runs tasks creates
 * its own event set lazily, on its first counted task, because perf events
 * count the thread that opened them. The set is keyed on pid and tid: a
 * forked worker inherits the forking thread's thread-locals, and a set it
 * inherited counts its parent, not itself. A thread's set is released when
 * the thread exits (a pthread key destructor), or by
 * pt_counters_thread_release() for the calling thread.
 *
 * Without PAPI (-Dpapi=disabled) every entry point fails with -ENOTSUP and
 * --counters is refused as "built without PAPI".
 */
#ifndef PT_COUNTERS_H
#define PT_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>

#define PT_COUNTERS_MAX 8
#define PT_COUNTER_NAME 64

struct pt_counter_list {
	unsigned n;
	bool is_default; /* --counters=default: resolve picks the events */
	bool user_only;	 /* the kernel's share cannot be counted here */
	char names[PT_COUNTERS_MAX][PT_COUNTER_NAME];
};

/*
 * Parses the text of --counters (names separated by commas, or "default")
 * into list; syntax only. Returns 0, or -EINVAL / -ENOTSUP (built without
 * PAPI) with a one-line reason in err.
 */
int pt_counters_parse(const char *text, struct pt_counter_list *list, char *err,
		      size_t errlen);

/*
 * Tries the events of list on this machine (for "default": the hardware
 * events, else the software ones) and keeps in list those that count.
 * Writes "NAME (why), ..." for the events that cannot count to unavailable
 * ("" when all can) and, then, one warning line (no "bench:" prefix) to
 * warning. Events count in user and kernel mode (context switches and
 * faults happen in the kernel) where the kernel allows it, else in user mode
 * only, and then list->user_only is set. Returns 0, or -EINVAL when a name is
 * no PAPI event at all on this machine (a typo: err says which), or -ENOTSUP
 * when PAPI cannot start.
 */
int pt_counters_resolve(struct pt_counter_list *list, char *unavailable,
			size_t unavailablelen, char *warning, size_t warninglen,
			char *err, size_t errlen);

/*
 * In a configuration child, before any worker exists: initialises PAPI and
 * its thread support, counting in user mode only or in both modes (as
 * resolved). Returns 0 or -ENOTSUP with the reason in err.
 */
int pt_counters_init(bool user_only, char *err, size_t errlen);
void pt_counters_shutdown(void);

/*
 * Reads the calling thread's counts of list's events into values (creating
 * and starting its event set first if this thread has none). The counts run
 * from the set's start, so callers subtract two reads. Returns 0, or a
 * negative code and the PAPI reason in err (errlen bytes).
 */
int pt_counters_thread_read(const struct pt_counter_list *list,
			    long long *values, char *err, size_t errlen);

/* Stops and frees the calling thread's event set, if it has one. */
void pt_counters_thread_release(void);

#endif
