/*
 * The probe's wrapper, its shared mapping, and what the caller computes from
 * it after the job.
 *
 * The design is simple: one mapping holds a header (the wrapped function,
 * the job's post time, the mode), one 128-byte slot per worker and one
 * record per recorded task. probe_task() reads the clock around the task,
 * adds the dispatch latency and the duration to its slot's sums and fills
 * the task's record; per-job sums need no record, so they cover every task
 * however many are sampled. The caller derives the breakdown, the counts
 * and the trace from slots and records once map() has returned. Invariants
 * are in probe.h; the one kept here is that dispatch + compute of a worker's
 * tasks telescopes to its last task end minus post, which is what makes the
 * breakdown add up exactly.
 */
#include "probe.h"
#include "pt_clock.h"

#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* One per worker, written only by the worker that owns the index. */
struct probe_slot {
	alignas(128) uint64_t tasks;
	uint64_t dispatch_ns, compute_ns, last_end_ns;
	long long counts[PT_COUNTERS_MAX];
	int32_t counter_failed; /* this worker could not count */
};

/* One per recorded task; end_ns 0: the task did not run. */
struct probe_record {
	uint64_t start_ns, end_ns, dispatch_ns;
	int32_t pid, tid;
	uint32_t worker;
};

/* The head of the mapping; written by the caller between jobs only. */
struct probe_shared {
	ex_task_fn fn;
	void *arg;
	uint64_t post_ns;
	uint64_t record_every, max_records;
	unsigned workers;
	unsigned mode;
	uint32_t generation;
	struct pt_counter_list counters;
	atomic_int counter_error_claimed;
	char counter_error[128];
	struct probe_slot slots[];
};

struct pt_probe {
	struct probe_shared *shared;
	size_t size;
	struct probe_record *records;
	uint64_t ntasks;
	uint64_t done_ns;
	pid_t caller_pid, caller_tid;
};

/* Jobs begun by any probe of this process (the caller's side). */
static uint32_t probe_jobs;

/* The thread's counts at its first task of the job (or its last task). */
static _Thread_local struct {
	const struct probe_shared *shared;
	uint32_t generation;
	pid_t pid, tid;
	long long base[PT_COUNTERS_MAX];
} thread_base;

static void counter_failure(struct probe_shared *sh, struct probe_slot *slot,
			    const char *why)
{
	int unclaimed = 0;

	slot->counter_failed = 1;
	if (atomic_compare_exchange_strong(&sh->counter_error_claimed,
					   &unclaimed, 1))
		snprintf(sh->counter_error, sizeof(sh->counter_error), "%s",
			 why);
}

/*
 * The thread's counts before its first task of this job: a thread is new to
 * the job when it is another thread, process, probe or generation than the
 * one thread_base remembers (forked workers inherit thread_base).
 */
static void counters_before(struct probe_shared *sh, struct probe_slot *slot)
{
	char why[96];

	if (thread_base.shared == sh &&
	    thread_base.generation == sh->generation &&
	    thread_base.pid == getpid() && thread_base.tid == gettid())
		return;
	thread_base.shared = sh;
	thread_base.generation = sh->generation;
	thread_base.pid = getpid();
	thread_base.tid = gettid();
	if (pt_counters_thread_read(&sh->counters, thread_base.base, why,
				    sizeof(why)))
		counter_failure(sh, slot, why);
}

/* Adds what the thread counted since its last read to its slot. */
static void counters_after(struct probe_shared *sh, struct probe_slot *slot)
{
	long long now[PT_COUNTERS_MAX];
	char why[96];

	if (slot->counter_failed)
		return;
	if (pt_counters_thread_read(&sh->counters, now, why, sizeof(why))) {
		counter_failure(sh, slot, why);
		return;
	}
	for (unsigned e = 0; e < sh->counters.n; e++) {
		slot->counts[e] += now[e] - thread_base.base[e];
		thread_base.base[e] = now[e];
	}
}

static struct probe_record *record_of(struct probe_shared *sh, uint64_t index)
{
	uint64_t r = index / sh->record_every;

	if (index % sh->record_every || r >= sh->max_records)
		return NULL;
	return (struct probe_record *)(sh->slots + sh->workers) + r;
}

/* Adds one task that ran on worker from start to end to the slot and its
 * record: a worker's tasks must come in the order it ran them. */
static void probe_account(struct probe_shared *sh, uint64_t index,
			  unsigned worker, uint64_t start, uint64_t end,
			  pid_t pid, pid_t tid)
{
	struct probe_slot *slot = &sh->slots[worker];
	struct probe_record *rec;
	uint64_t prev;

	prev = slot->tasks && slot->last_end_ns > sh->post_ns
		   ? slot->last_end_ns
		   : sh->post_ns;
	slot->dispatch_ns += start > prev ? start - prev : 0;
	slot->compute_ns += end - start;
	slot->last_end_ns = end;
	slot->tasks++;
	rec = record_of(sh, index);
	if (rec) {
		rec->start_ns = start;
		rec->dispatch_ns = start > prev ? start - prev : 0;
		rec->pid = pid;
		rec->tid = tid;
		rec->worker = worker;
		rec->end_ns = end;
	}
}

/* The task function executors run in an instrumented job. */
static uint64_t probe_task(void *arg, uint64_t index, unsigned worker)
{
	struct probe_shared *sh = arg;
	struct probe_slot *slot;
	uint64_t sum, start, end;

	if (worker >= sh->workers)
		abort(); /* an executor broke its worker-index contract */
	slot = &sh->slots[worker];
	if (sh->mode & PT_PROBE_COUNTERS)
		counters_before(sh, slot);
	if (!(sh->mode & PT_PROBE_TIMES)) {
		sum = sh->fn(sh->arg, index, worker);
		counters_after(sh, slot);
		slot->tasks++;
		return sum;
	}
	start = pt_now_ns();
	sum = sh->fn(sh->arg, index, worker);
	end = pt_now_ns();
	if (sh->mode & PT_PROBE_COUNTERS)
		counters_after(sh, slot);
	probe_account(sh, index, worker, start, end, getpid(), gettid());
	return sum;
}

int pt_probe_create(unsigned workers, uint64_t max_tasks,
		    const struct pt_counter_list *counters,
		    struct pt_probe **out, char *err, size_t errlen)
{
	struct pt_probe *p = calloc(1, sizeof(*p));
	uint64_t records =
	    max_tasks < PT_PROBE_MAX_RECORDS ? max_tasks : PT_PROBE_MAX_RECORDS;
	void *mapping;
	int rc = 0;

	*out = NULL;
	if (!p || workers == 0) {
		rc = p ? -EINVAL : -ENOMEM;
		snprintf(err, errlen, "probe: %s", strerror(-rc));
		goto out;
	}
	p->size = sizeof(struct probe_shared) +
		  workers * sizeof(struct probe_slot) +
		  records * sizeof(struct probe_record) + 1;
	mapping = mmap(NULL, p->size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mapping == MAP_FAILED) {
		rc = -errno;
		snprintf(err, errlen, "probe: mapping %zu bytes: %s", p->size,
			 strerror(-rc));
		goto out;
	}
	p->shared = mapping;
	p->shared->workers = workers;
	p->shared->max_records = records;
	p->shared->record_every = 1;
	if (counters)
		p->shared->counters = *counters;
	p->records = (struct probe_record *)(p->shared->slots + workers);
	*out = p;
out:
	if (rc)
		free(p);
	return rc;
}

void pt_probe_destroy(struct pt_probe *p)
{
	if (!p)
		return;
	munmap(p->shared, p->size);
	free(p);
}

void pt_probe_wrap(struct pt_probe *p, const struct ex_job *inner,
		   struct ex_job *outer)
{
	struct probe_shared *sh = p->shared;

	sh->fn = inner->fn;
	sh->arg = inner->arg;
	p->ntasks = inner->ntasks;
	sh->record_every = 1;
	if (sh->max_records && inner->ntasks > sh->max_records)
		sh->record_every =
		    (inner->ntasks + sh->max_records - 1) / sh->max_records;
	*outer = *inner;
	outer->fn = probe_task;
	outer->arg = sh;
}

void pt_probe_begin(struct pt_probe *p, unsigned mode)
{
	struct probe_shared *sh = p->shared;

	memset(sh->slots, 0, sh->workers * sizeof(sh->slots[0]));
	if (mode & PT_PROBE_TIMES)
		pt_probe_release_pages(p);
	atomic_store(&sh->counter_error_claimed, 0);
	sh->counter_error[0] = '\0';
	sh->mode = mode;
	/* Unique over every probe of this process: a later probe may get the
	 * same mapping address, and its first job must not look like the
	 * previous probe's to a thread that ran both (the thread pool's
	 * caller is its worker 0). */
	sh->generation = ++probe_jobs;
	p->done_ns = 0;
	sh->post_ns = pt_now_ns();
}

void pt_probe_end(struct pt_probe *p)
{
	p->done_ns = pt_now_ns();
	p->caller_pid = getpid();
	p->caller_tid = gettid();
}

/*
 * Zeroes the records without the caller touching their pages: the part on
 * the slots' last page by hand, whole pages by giving them back.
 */
void pt_probe_release_pages(struct pt_probe *p)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t begin = ((uintptr_t)p->records + page - 1) & ~(page - 1);
	uintptr_t end = (uintptr_t)p->shared + p->size;

	memset(p->records, 0, begin - (uintptr_t)p->records);
	if (end <= begin || !madvise((void *)begin, end - begin, MADV_REMOVE))
		return;
	/* Without MADV_REMOVE (an old kernel): zero them by hand. */
	memset((void *)begin, 0, end - begin);
}

/* Sort order of pt_probe_feed(): by worker, then by start. */
static const struct ex_task_time *feed_times;

static int compare_feed(const void *a, const void *b)
{
	const struct ex_task_time *x = &feed_times[*(const uint64_t *)a];
	const struct ex_task_time *y = &feed_times[*(const uint64_t *)b];

	if (x->worker != y->worker)
		return x->worker < y->worker ? -1 : 1;
	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

int pt_probe_feed(struct pt_probe *p, const struct ex_job *job)
{
	struct probe_shared *sh = p->shared;
	uint64_t *order =
	    malloc((job->ntasks ? job->ntasks : 1) * sizeof(*order));
	uint64_t n = 0;

	if (!order)
		return -ENOMEM;
	p->ntasks = job->ntasks;
	sh->record_every = 1;
	if (sh->max_records && job->ntasks > sh->max_records)
		sh->record_every =
		    (job->ntasks + sh->max_records - 1) / sh->max_records;
	for (uint64_t i = 0; i < job->ntasks; i++)
		if (job->times[i].end_ns && job->times[i].worker < sh->workers)
			order[n++] = i;
	feed_times = job->times;
	qsort(order, n, sizeof(*order), compare_feed);
	for (uint64_t k = 0; k < n; k++) {
		const struct ex_task_time *t = &job->times[order[k]];

		/* A rank's own clock: its tid is its pid (one thread). */
		probe_account(sh, order[k], t->worker, t->start_ns, t->end_ns,
			      t->pid, t->pid);
	}
	free(order);
	return 0;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank quantile q of n sorted values. */
static uint64_t quantile(const uint64_t *sorted, uint64_t n, double q)
{
	uint64_t rank = (uint64_t)(q * (double)n + 0.999999999);

	if (rank < 1)
		rank = 1;
	return sorted[(rank > n ? n : rank) - 1];
}

int pt_probe_breakdown(const struct pt_probe *p, struct pt_breakdown *out)
{
	const struct probe_shared *sh = p->shared;
	uint64_t post = sh->post_ns, last = post, max_compute = 0;
	uint64_t dispatch = 0, compute = 0, idle = 0, n = 0;
	uint64_t used = (p->ntasks + sh->record_every - 1) / sh->record_every;
	uint64_t *latencies;
	double workers = sh->workers;

	memset(out, 0, sizeof(*out));
	for (unsigned w = 0; w < sh->workers; w++)
		if (sh->slots[w].tasks && sh->slots[w].last_end_ns > last)
			last = sh->slots[w].last_end_ns;
	for (unsigned w = 0; w < sh->workers; w++) {
		const struct probe_slot *s = &sh->slots[w];

		out->tasks += s->tasks;
		dispatch += s->dispatch_ns;
		compute += s->compute_ns;
		idle += last - (s->tasks ? s->last_end_ns : post);
		if (s->compute_ns > max_compute)
			max_compute = s->compute_ns;
	}
	out->wall_s = (double)(p->done_ns - post) * 1e-9;
	out->dispatch_s = (double)dispatch / workers * 1e-9;
	out->compute_s = (double)compute / workers * 1e-9;
	out->idle_s = (double)idle / workers * 1e-9;
	out->return_s = (double)(p->done_ns - last) * 1e-9;
	if (compute)
		out->load_imbalance =
		    (double)max_compute / ((double)compute / workers);
	out->record_every = sh->record_every;

	if (used > sh->max_records)
		used = sh->max_records;
	latencies = malloc((used ? used : 1) * sizeof(*latencies));
	if (!latencies)
		return -ENOMEM;
	for (uint64_t r = 0; r < used; r++)
		if (p->records[r].end_ns)
			latencies[n++] = p->records[r].dispatch_ns;
	out->recorded = n;
	if (n) {
		qsort(latencies, n, sizeof(*latencies), compare_u64);
		out->dispatch_median_s =
		    (double)quantile(latencies, n, 0.5) * 1e-9;
		out->dispatch_p99_s =
		    (double)quantile(latencies, n, 0.99) * 1e-9;
	}
	free(latencies);
	return 0;
}

int pt_probe_counts(const struct pt_probe *p, double *sums, char *err,
		    size_t errlen)
{
	const struct probe_shared *sh = p->shared;

	for (unsigned e = 0; e < sh->counters.n; e++)
		sums[e] = 0;
	for (unsigned w = 0; w < sh->workers; w++) {
		if (sh->slots[w].counter_failed) {
			snprintf(err, errlen, "worker %u could not count: %s",
				 w, sh->counter_error);
			return -EIO;
		}
		for (unsigned e = 0; e < sh->counters.n; e++)
			sums[e] += (double)sh->slots[w].counts[e];
	}
	return 0;
}

/* A worker's thread, for the trace's name metadata. */
struct track {
	int32_t pid, tid;
	uint32_t worker;
};

static int compare_track(const void *a, const void *b)
{
	const struct track *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* name as a JSON string body (configuration names are plain, but still). */
static void put_escaped(FILE *f, const char *name)
{
	for (const char *c = name; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if ((unsigned char)*c < 0x20)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
}

static void put_name_event(FILE *f, const char *kind, int32_t pid, int32_t tid,
			   const char *prefix, const char *name,
			   const char *suffix)
{
	fprintf(f,
		",{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%d,"
		"\"tid\":%d,\"args\":{\"name\":\"%s",
		kind, pid, tid, prefix);
	put_escaped(f, name);
	fprintf(f, "%s\"}}", suffix);
}

int pt_probe_write_trace(const struct pt_probe *p, FILE *f, const char *name,
			 bool process_workers)
{
	const struct probe_shared *sh = p->shared;
	uint64_t used = (p->ntasks + sh->record_every - 1) / sh->record_every;
	struct track *tracks;
	uint64_t ntracks = 0, recorded = 0;
	char label[64];

	if (used > sh->max_records)
		used = sh->max_records;
	tracks = malloc((used + 1) * sizeof(*tracks));
	if (!tracks)
		return -ENOMEM;
	for (uint64_t r = 0; r < used; r++) {
		if (!p->records[r].end_ns)
			continue;
		recorded++;
		tracks[ntracks++] = (struct track){
		    p->records[r].pid, p->records[r].tid, p->records[r].worker};
	}
	qsort(tracks, ntracks, sizeof(*tracks), compare_track);

	fprintf(f, "{\"config\":\"");
	put_escaped(f, name);
	fprintf(f,
		"\",\"tasks\":%llu,\"recorded\":%llu,\"record_every\":%llu,"
		"\"events\":[",
		(unsigned long long)p->ntasks, (unsigned long long)recorded,
		(unsigned long long)sh->record_every);
	fprintf(f,
		"{\"name\":\"instrumented job\",\"cat\":\"job\",\"ph\":\"X\","
		"\"ts\":%.3f,\"dur\":%.3f,\"pid\":%d,\"tid\":%d,\"args\":{"
		"\"tasks\":%llu,\"recorded\":%llu,\"record_every\":%llu}}",
		(double)sh->post_ns / 1e3,
		(double)(p->done_ns - sh->post_ns) / 1e3, (int)p->caller_pid,
		(int)p->caller_tid, (unsigned long long)p->ntasks,
		(unsigned long long)recorded,
		(unsigned long long)sh->record_every);
	put_name_event(f, "process_name", p->caller_pid, p->caller_tid, "",
		       name, "");
	put_name_event(f, "thread_name", p->caller_pid, p->caller_tid, "",
		       "caller (map)", "");
	for (uint64_t t = 0; t < ntracks; t++) {
		const struct track *k = &tracks[t];

		if (t && !compare_track(k, &tracks[t - 1]))
			continue;
		snprintf(label, sizeof(label), " worker %u", k->worker);
		if (process_workers && k->pid != p->caller_pid &&
		    (!t || k->pid != tracks[t - 1].pid))
			put_name_event(f, "process_name", k->pid, k->tid, "",
				       name, label);
		if (k->pid == p->caller_pid && k->tid == p->caller_tid)
			continue; /* the caller runs the tasks (serial) */
		put_name_event(f, "thread_name", k->pid, k->tid, "", label + 1,
			       "");
	}
	for (uint64_t r = 0; r < used; r++) {
		const struct probe_record *rec = &p->records[r];

		if (!rec->end_ns)
			continue;
		fprintf(f,
			",{\"name\":\"task\",\"cat\":\"task\",\"ph\":\"X\","
			"\"ts\":%.3f,\"dur\":%.3f,\"pid\":%d,\"tid\":%d,"
			"\"args\":{\"index\":%llu,\"worker\":%u,"
			"\"dispatch_us\":%.3f}}",
			(double)rec->start_ns / 1e3,
			(double)(rec->end_ns - rec->start_ns) / 1e3, rec->pid,
			rec->tid, (unsigned long long)(r * sh->record_every),
			rec->worker, (double)rec->dispatch_ns / 1e3);
	}
	fprintf(f, "]}\n");
	free(tracks);
	return ferror(f) ? -EIO : 0;
}

void pt_probe_report_breakdown(gb_state *st, const struct pt_breakdown *b)
{
	gb_set_counter(st, "probe_wall_s", b->wall_s, GB_COUNTER_DEFAULT);
	gb_set_counter(st, "dispatch_s", b->dispatch_s, GB_COUNTER_DEFAULT);
	gb_set_counter(st, "dispatch_median_s", b->dispatch_median_s,
		       GB_COUNTER_DEFAULT);
	gb_set_counter(st, "dispatch_p99_s", b->dispatch_p99_s,
		       GB_COUNTER_DEFAULT);
	gb_set_counter(st, "compute_s", b->compute_s, GB_COUNTER_DEFAULT);
	gb_set_counter(st, "idle_s", b->idle_s, GB_COUNTER_DEFAULT);
	gb_set_counter(st, "return_s", b->return_s, GB_COUNTER_DEFAULT);
	gb_set_counter(st, "load_imbalance", b->load_imbalance,
		       GB_COUNTER_DEFAULT);
}

void pt_probe_report_counts(gb_state *st, const struct pt_counter_list *list,
			    const double *sums)
{
	char name[PT_COUNTER_NAME + 8];

	for (unsigned e = 0; e < list->n; e++) {
		snprintf(name, sizeof(name), "papi_%s", list->names[e]);
		gb_set_counter(st, name, sums[e], GB_COUNTER_DEFAULT);
	}
}

int pt_probe_write_part(int fd, const char *text, size_t len)
{
	while (len) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		text += n;
		len -= (size_t)n;
	}
	return 0;
}
