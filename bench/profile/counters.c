/*
 * PAPI counters: parsing --counters, resolving the events in the bench
 * process, and the per-thread event sets of workers.
 *
 * The design is simple: the bench process tries the events once (one trial
 * event set, started and stopped) and hands the configurations the list
 * that counts; in a configuration, each thread keeps its own event set in a
 * thread-local, made at its first read and freed at thread exit by a
 * pthread key destructor (or explicitly for the calling thread). The
 * invariant is that a thread only ever reads, stops or frees an event set it
 * created itself: same pid, same tid, since forked workers inherit the
 * thread-local of the thread that forked them.
 */
#include "counters.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pt_config.h"

#if PT_HAVE_PAPI
#include <papi.h>
#include <pthread.h>
#include <unistd.h>
#endif

int pt_counters_parse(const char *text, struct pt_counter_list *list, char *err,
		      size_t errlen)
{
	const char *p = text;

	memset(list, 0, sizeof(*list));
#if !PT_HAVE_PAPI
	(void)p;
	snprintf(err, errlen, "--counters: built without PAPI");
	return -ENOTSUP;
#else
	if (!strcmp(text, "default")) {
		list->is_default = true;
		return 0;
	}
	for (;;) {
		size_t len = strcspn(p, ",");

		if (len == 0 || len >= PT_COUNTER_NAME) {
			snprintf(err, errlen,
				 "--counters=%s: expected event names "
				 "separated by commas, or 'default'",
				 text);
			return -EINVAL;
		}
		if (list->n == PT_COUNTERS_MAX) {
			snprintf(err, errlen,
				 "--counters: at most %d events at once",
				 PT_COUNTERS_MAX);
			return -EINVAL;
		}
		memcpy(list->names[list->n], p, len);
		list->names[list->n][len] = '\0';
		for (unsigned i = 0; i < list->n; i++) {
			if (!strcmp(list->names[i], list->names[list->n])) {
				snprintf(err, errlen,
					 "--counters: '%s' is listed twice",
					 list->names[i]);
				return -EINVAL;
			}
		}
		list->n++;
		if (!p[len])
			return 0;
		p += len + 1;
	}
#endif
}

#if PT_HAVE_PAPI

/* Instructions, cycles, cache misses; else the kernel's software events. */
static const char *const hardware_events[] = {
    "PAPI_TOT_INS", "PAPI_TOT_CYC", "PAPI_L1_DCM", "PAPI_L3_TCM", NULL};
static const char *const software_events[] = {
    "perf::PAGE-FAULTS", "perf::CONTEXT-SWITCHES", "perf::CPU-MIGRATIONS",
    "perf::TASK-CLOCK", NULL};

/* Appends "sep text" to buf, truncating cleanly. */
static void append(char *buf, size_t len, const char *sep, const char *text)
{
	size_t used = strlen(buf);

	if (used < len)
		snprintf(buf + used, len - used, "%s%s", used ? sep : "", text);
}

/*
 * Adds the candidates to one trial event set, one by one, then starts and
 * stops it: what is kept can be counted together. Unavailable events go to
 * unavailable as "NAME (why)".
 */
static void trial(const char *const *candidates, unsigned ncandidates,
		  struct pt_counter_list *keep, char *unavailable,
		  size_t unavailablelen)
{
	int set = PAPI_NULL;
	long long values[PT_COUNTERS_MAX];
	char item[PT_COUNTER_NAME + 96];
	int rc;

	keep->n = 0;
	rc = PAPI_create_eventset(&set);
	for (unsigned i = 0; i < ncandidates; i++) {
		int add = rc == PAPI_OK
			      ? PAPI_add_named_event(set, candidates[i])
			      : rc;

		if (add == PAPI_OK) {
			snprintf(keep->names[keep->n++], PT_COUNTER_NAME, "%s",
				 candidates[i]);
			continue;
		}
		snprintf(item, sizeof(item), "%s (%s)", candidates[i],
			 PAPI_strerror(add));
		append(unavailable, unavailablelen, ", ", item);
	}
	if (keep->n) {
		rc = PAPI_start(set);
		if (rc == PAPI_OK)
			rc = PAPI_stop(set, values);
		if (rc != PAPI_OK) {
			for (unsigned i = 0; i < keep->n; i++) {
				snprintf(item, sizeof(item), "%s (%s)",
					 keep->names[i], PAPI_strerror(rc));
				append(unavailable, unavailablelen, ", ", item);
			}
			keep->n = 0;
		}
	}
	if (set != PAPI_NULL) {
		PAPI_cleanup_eventset(set);
		PAPI_destroy_eventset(&set);
	}
}

int pt_counters_resolve(struct pt_counter_list *list, char *unavailable,
			size_t unavailablelen, char *warning, size_t warninglen,
			char *err, size_t errlen)
{
	const char *names[PT_COUNTERS_MAX + 1];
	struct pt_counter_list keep = {0};
	char counted[PT_COUNTERS_MAX * PT_COUNTER_NAME] = "";
	int rc = PAPI_library_init(PAPI_VER_CURRENT);

	unavailable[0] = warning[0] = '\0';
	if (rc != PAPI_VER_CURRENT) {
		snprintf(err, errlen, "--counters: PAPI cannot start: %s",
			 rc > 0 ? "library version mismatch"
				: PAPI_strerror(rc));
		return -ENOTSUP;
	}
	if (!list->is_default) {
		for (unsigned i = 0; i < list->n; i++) {
			int code;

			names[i] = list->names[i];
			if (PAPI_event_name_to_code(list->names[i], &code) !=
			    PAPI_OK) {
				snprintf(err, errlen,
					 "--counters: '%s' is not a PAPI "
					 "event on this machine (papi_avail "
					 "and papi_native_avail list them)",
					 list->names[i]);
				PAPI_shutdown();
				return -EINVAL;
			}
		}
	}
	/* Kernel and user mode first; user mode only if the kernel says no. */
	for (int domain = 0; domain < 2 && !keep.n; domain++) {
		unavailable[0] = '\0';
		keep.user_only = domain == 1;
		PAPI_set_domain(domain ? PAPI_DOM_USER : PAPI_DOM_ALL);
		if (!list->is_default) {
			trial(names, list->n, &keep, unavailable,
			      unavailablelen);
			continue;
		}
		trial(hardware_events, 4, &keep, unavailable, unavailablelen);
		if (!keep.n)
			trial(software_events, 4, &keep, unavailable,
			      unavailablelen);
	}
	keep.user_only = keep.user_only && keep.n;
	keep.is_default = list->is_default;
	*list = keep;
	PAPI_shutdown();
	for (unsigned i = 0; i < list->n; i++)
		append(counted, sizeof(counted), ", ", list->names[i]);
	if (unavailable[0])
		snprintf(warning, warninglen,
			 "warning: --counters: unavailable here: %s; %s%s",
			 unavailable, list->n ? "counting " : "counting none",
			 counted);
	return 0;
}

static pthread_key_t thread_key;
static bool thread_key_made;

/* The calling thread's event set; pid 0: none made by this thread. */
struct counter_thread {
	pid_t pid, tid;
	int set;
	int failed; /* the PAPI error that stopped this thread, or 0 */
};

static _Thread_local struct counter_thread me = {.set = PAPI_NULL};

static unsigned long thread_id(void)
{
	return (unsigned long)gettid();
}

static void release(struct counter_thread *t)
{
	long long values[PT_COUNTERS_MAX];

	if (t->set != PAPI_NULL) {
		PAPI_stop(t->set, values);
		PAPI_cleanup_eventset(t->set);
		PAPI_destroy_eventset(&t->set);
		PAPI_unregister_thread();
	}
	t->set = PAPI_NULL;
}

/* A thread that exits with an event set frees it here. */
static void on_thread_exit(void *opaque)
{
	struct counter_thread *t = opaque;

	if (t->pid == getpid() && t->tid == gettid())
		release(t);
}

int pt_counters_init(bool user_only, char *err, size_t errlen)
{
	int rc = PAPI_library_init(PAPI_VER_CURRENT);

	if (rc != PAPI_VER_CURRENT) {
		snprintf(err, errlen, "PAPI cannot start: %s",
			 rc > 0 ? "library version mismatch"
				: PAPI_strerror(rc));
		return -ENOTSUP;
	}
	rc = PAPI_thread_init(thread_id);
	if (rc == PAPI_OK)
		rc = PAPI_set_domain(user_only ? PAPI_DOM_USER : PAPI_DOM_ALL);
	if (rc != PAPI_OK) {
		snprintf(err, errlen, "PAPI thread support: %s",
			 PAPI_strerror(rc));
		PAPI_shutdown();
		return -ENOTSUP;
	}
	if (!thread_key_made && pthread_key_create(&thread_key, on_thread_exit))
		return -EAGAIN;
	thread_key_made = true;
	return 0;
}

void pt_counters_shutdown(void)
{
	pt_counters_thread_release();
	if (PAPI_is_initialized() != PAPI_NOT_INITED)
		PAPI_shutdown();
}

/*
 * PAPI's lookup of native event names (libpfm4 underneath) is not safe to
 * run in several threads at once: with 16 threads making their sets
 * together, one saw "Event does not exist" for an event the others counted.
 * Making sets is rare (once per thread per job) and outside any timing.
 */
static pthread_mutex_t make_set_lock = PTHREAD_MUTEX_INITIALIZER;

/* Creates and starts this thread's event set. */
static int make_set(const struct pt_counter_list *list)
{
	int rc;

	pthread_mutex_lock(&make_set_lock);
	rc = PAPI_create_eventset(&me.set);
	for (unsigned i = 0; rc == PAPI_OK && i < list->n; i++)
		rc = PAPI_add_named_event(me.set, list->names[i]);
	pthread_mutex_unlock(&make_set_lock);
	if (rc == PAPI_OK)
		rc = PAPI_start(me.set);
	if (rc != PAPI_OK && me.set != PAPI_NULL) {
		PAPI_cleanup_eventset(me.set);
		PAPI_destroy_eventset(&me.set);
		me.set = PAPI_NULL;
	}
	if (rc == PAPI_OK && thread_key_made)
		pthread_setspecific(thread_key, &me);
	return rc;
}

int pt_counters_thread_read(const struct pt_counter_list *list,
			    long long *values, char *err, size_t errlen)
{
	int rc;

	if (me.pid != getpid() || me.tid != gettid()) {
		/* Inherited through fork: the parent's, not ours. */
		me = (struct counter_thread){
		    .pid = getpid(), .tid = gettid(), .set = PAPI_NULL};
	}
	if (me.failed) {
		rc = me.failed;
		goto out;
	}
	if (me.set == PAPI_NULL) {
		rc = make_set(list);
		if (rc != PAPI_OK) {
			me.failed = rc;
			goto out;
		}
	}
	rc = PAPI_read(me.set, values);
out:
	if (rc == PAPI_OK)
		return 0;
	snprintf(err, errlen, "%s", PAPI_strerror(rc));
	return -EIO;
}

void pt_counters_thread_release(void)
{
	if (me.pid != getpid() || me.tid != gettid())
		return;
	release(&me);
	me.failed = 0;
	if (thread_key_made)
		pthread_setspecific(thread_key, NULL);
}

#else /* !PT_HAVE_PAPI */

int pt_counters_resolve(struct pt_counter_list *list, char *unavailable,
			size_t unavailablelen, char *warning, size_t warninglen,
			char *err, size_t errlen)
{
	(void)list;
	(void)unavailablelen;
	(void)warninglen;
	unavailable[0] = warning[0] = '\0';
	snprintf(err, errlen, "--counters: built without PAPI");
	return -ENOTSUP;
}

int pt_counters_init(bool user_only, char *err, size_t errlen)
{
	(void)user_only;
	snprintf(err, errlen, "built without PAPI");
	return -ENOTSUP;
}

void pt_counters_shutdown(void)
{
}

int pt_counters_thread_read(const struct pt_counter_list *list,
			    long long *values, char *err, size_t errlen)
{
	(void)list;
	(void)values;
	snprintf(err, errlen, "built without PAPI");
	return -ENOTSUP;
}

void pt_counters_thread_release(void)
{
}

#endif
