/*
 * One configuration, measured. The design is simple: the workload's inputs
 * are made first (setup), then the reference checksum of every task is known
 * (from the workload's cheap expected hook, or by running each task once in
 * this thread), then Google Benchmark calls bench_config() as often as it
 * needs. Each call starts the executor (timed apart: the creation cost),
 * loops over jobs timing only executor.map() with manual time, and stops the
 * executor. After every job the results are checked against the reference,
 * so a lost, duplicated or misplaced task fails the run instead of skewing it.
 *
 * Failed tasks (process executors under --on-task-failure=continue or
 * retry:N) are recorded by map() in a failure record; the verification skips
 * their slots, and for a workload that designs tasks to fail (fault) checks
 * that the recorded failures are exactly those tasks. The entry carries the
 * failures (label) and counters: tasks_failed, tasks_retried per job, and
 * fault_detect_s, fault_replace_s (means over the run's deaths). A start or
 * map() that fails for want of a resource (a process, thread or descriptor
 * limit: ex_out_of_resources) makes the child
 * exit with PT_EXIT_RESOURCE, so that bench exits 2.
 *
 * Invariant: the timed region contains map() and nothing else (for payload
 * workloads the transport's map, whose bytes must move during the job);
 * clearing and verifying the result slots happen outside it.
 */
#include "driver.h"
#include "core.h"
#include "ex_mpi.h"
#include "spawn_worker.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"
#include "progress.h"
#include "transport.h"

#define POISON 0xdeadbeefdeadbeefULL

/* Failures listed per job; more are counted, and their slots unchecked. */
#define MAX_LISTED_FAILURES 4096

struct child_ctx {
	const struct pt_config *c;
	struct ex_config exc; /* c->exc, with the spawn spec */
	char spawn_spec[1024];
	void *state;	    /* the workload's, from setup */
	uint64_t *results;  /* written by the executor */
	uint64_t *expected; /* reference checksums */
	uint8_t *must_fail; /* tasks designed to fail (fault workload) */
	uint64_t designed_failures;  /* how many must_fail */
	struct ex_failures failures; /* of the last job */
	char setup_error[256];
	long online_cpus;
	bool resource_limited; /* start or map ran out of a resource */
	const struct pt_counter_list *counters; /* NULL: no --counters */
	struct pt_probe *probe;			/* the instrumented job's */
	char *trace;				/* its trace part, or NULL */
	size_t trace_len;
	bool want_trace;
	uint64_t payload_jobs; /* jobs prepared so far: the next seed */
	double serial_ref_s;   /* the serial reference job; 0: not yet */
};

/* Totals over the jobs of one benchmark run, for the counters. */
struct fault_totals {
	uint64_t jobs, failed, retried;
	unsigned detections, replacements;
	double detect_s, replace_s;
	uint64_t last_count; /* failures of the last job that had some */
	char last[400];	     /* and the first three of them, described */
};

static int cmp_seconds(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Checks the recorded failures against the tasks designed to fail: with
 * such tasks (fault workload) they must be exactly those, in a policy that
 * records failures. Without, any failure is a finding, reported in the
 * entry, not an error.
 */
static int verify_failures(const struct child_ctx *x, char *msg, size_t len)
{
	const struct ex_failures *f = &x->failures;
	size_t listed = f->count < f->capacity ? f->count : f->capacity;

	if (x->designed_failures == 0 || f->count > f->capacity)
		return 0;
	for (size_t k = 0; k < listed; k++) {
		if (!x->must_fail[f->list[k].task]) {
			char what[200];

			ex_failure_describe(&f->list[k],
					    x->c->exc.task_timeout_ns, what,
					    sizeof(what));
			snprintf(msg, len,
				 "%s, but the workload did not "
				 "design it to fail",
				 what);
			return -EIO;
		}
	}
	if (f->count != x->designed_failures) {
		for (uint64_t i = 0, k = 0; i < x->c->tasks; i++) {
			if (!x->must_fail[i])
				continue;
			while (k < listed && f->list[k].task < i)
				k++;
			if (k == listed || f->list[k].task != i) {
				snprintf(msg, len,
					 "task %" PRIu64 " was designed to "
					 "fail but was not recorded as failed",
					 i);
				break;
			}
		}
		return -EIO;
	}
	return 0;
}

/*
 * Finds the first task whose result differs from the reference; -EIO, or
 * the task's own error code when it is a resource limit (ex_out_of_resources).
 */
static int verify(const struct child_ctx *x, char *msg, size_t len)
{
	const struct ex_failures *f = &x->failures;
	size_t listed = f->count < f->capacity ? f->count : f->capacity;
	size_t k = 0;
	enum wl_task_op op;
	char why[128];
	int err;

	for (uint64_t i = 0; i < x->c->tasks; i++) {
		while (k < listed && f->list[k].task < i)
			k++;
		if (x->must_fail[i] || x->results[i] == x->expected[i] ||
		    (k < listed && f->list[k].task == i) ||
		    f->count > f->capacity)
			continue;
		if (x->results[i] == POISON) {
			snprintf(msg, len,
				 "task %" PRIu64 " has no result: the executor "
				 "did not run it",
				 i);
		} else if (wl_task_failed(x->results[i], &op, &err)) {
			/* The task's own error, as such (workload.h). */
			pt_describe_spawn_error(-err, why, sizeof(why));
			snprintf(msg, len, "task %" PRIu64 " failed: %s: %s", i,
				 wl_task_op_name(op), why);
			return ex_out_of_resources(-err) ? -err : -EIO;
		} else {
			snprintf(msg, len,
				 "task %" PRIu64
				 " returned checksum 0x%016" PRIx64
				 ", expected 0x%016" PRIx64,
				 i, x->results[i], x->expected[i]);
		}
		return -EIO;
	}
	return 0;
}

/*
 * CPU and scheduler accounting of this process, every thread of it (also
 * those that have exited: thread-per-task), and every child it has reaped
 * (process-pool workers once stop() has reaped them, process-per-task
 * children as each ends). Taken before start() and after stop(), so it
 * covers every worker's whole life, the caller's waiting and verification
 * included; Google Benchmark's own CPU timer sees only the calling thread.
 */
struct usage {
	double user, sys;
	double vol_ctxsw, invol_ctxsw, minflt, majflt;
};

static double tv_seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

static void usage_now(struct usage *u)
{
	struct rusage self, children;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	u->user = tv_seconds(self.ru_utime) + tv_seconds(children.ru_utime);
	u->sys = tv_seconds(self.ru_stime) + tv_seconds(children.ru_stime);
	u->vol_ctxsw = (double)(self.ru_nvcsw + children.ru_nvcsw);
	u->invol_ctxsw = (double)(self.ru_nivcsw + children.ru_nivcsw);
	u->minflt = (double)(self.ru_minflt + children.ru_minflt);
	u->majflt = (double)(self.ru_majflt + children.ru_majflt);
}

static void report_usage(gb_state *st, const struct usage *a,
			 const struct usage *b, double wall, double cpus)
{
	double cpu = (b->user - a->user) + (b->sys - a->sys);

	gb_set_counter(st, "cpu_user_s", b->user - a->user,
		       GB_COUNTER_AVG_ITERATIONS);
	gb_set_counter(st, "cpu_sys_s", b->sys - a->sys,
		       GB_COUNTER_AVG_ITERATIONS);
	gb_set_counter(st, "ctx_switches_vol", b->vol_ctxsw - a->vol_ctxsw,
		       GB_COUNTER_AVG_ITERATIONS);
	gb_set_counter(st, "ctx_switches_invol",
		       b->invol_ctxsw - a->invol_ctxsw,
		       GB_COUNTER_AVG_ITERATIONS);
	gb_set_counter(st, "faults_minor", b->minflt - a->minflt,
		       GB_COUNTER_AVG_ITERATIONS);
	gb_set_counter(st, "faults_major", b->majflt - a->majflt,
		       GB_COUNTER_AVG_ITERATIONS);
	if (wall > 0)
		gb_set_counter(st, "cpu_util", cpu / (wall * cpus),
			       GB_COUNTER_DEFAULT);
}

/*
 * Workers that are not this process's children (mpi ranks): stop() says
 * what they used, and their peak RSS joins the memory figure.
 */
static void usage_add_foreign(struct usage *u, const struct ex_usage *f,
			      gb_state *st, double peak)
{
	if (!f->processes)
		return;
	u->user += f->user_s;
	u->sys += f->sys_s;
	u->vol_ctxsw += f->vol_ctxsw;
	u->invol_ctxsw += f->invol_ctxsw;
	u->minflt += f->minflt;
	u->majflt += f->majflt;
	gb_set_counter(st, "mem_peak_rss_bytes", peak + f->peak_rss_bytes,
		       GB_COUNTER_DEFAULT);
}

/* The value in kB of "Key:" in a /proc file, in bytes; 0 if absent. */
static double proc_kb(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	size_t klen = strlen(key);
	char line[256];
	double value = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			value = strtod(line + klen + 1, NULL) * 1024;
			break;
		}
	}
	fclose(f);
	return value;
}

/*
 * Each call of bench_config starts a new executor: its peak RSS starts from
 * what is resident now, not from an earlier call's (or its instrumented
 * jobs') high-water mark. Writing 5 to clear_refs resets VmHWM.
 */
static void reset_peak_rss(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	if (f) {
		fputs("5", f);
		fclose(f);
	}
}

/*
 * Memory of the executor as it stands: this process plus every live child
 * it created (the pool's workers), summed; returns the peak. Peak RSS (VmHWM)
 * counts shared pages once per process, as the kernel's RSS does; PSS divides
 * each shared page among the processes that map it, so it sums to what the
 * executor really occupies. Read from /proc, outside the timed region.
 */
static double report_memory(gb_state *st)
{
	char path[64];
	double peak = proc_kb("/proc/self/status", "VmHWM");
	double pss = proc_kb("/proc/self/smaps_rollup", "Pss");
	FILE *f;
	long pid;

	/* Read pid by pid: 1024 workers' pids do not fit a small buffer. */
	snprintf(path, sizeof(path), "/proc/self/task/%d/children",
		 (int)gettid());
	f = fopen(path, "r");
	while (f && fscanf(f, "%ld", &pid) == 1) {
		snprintf(path, sizeof(path), "/proc/%ld/status", pid);
		peak += proc_kb(path, "VmHWM");
		snprintf(path, sizeof(path), "/proc/%ld/smaps_rollup", pid);
		pss += proc_kb(path, "Pss");
	}
	if (f)
		fclose(f);
	gb_set_counter(st, "mem_peak_rss_bytes", peak, GB_COUNTER_DEFAULT);
	gb_set_counter(st, "mem_pss_bytes", pss, GB_COUNTER_DEFAULT);
	return peak;
}

/*
 * Adds the failures of the last job to the totals; a job with failures
 * also leaves its first three, described, for the label.
 */
static void fault_add(struct fault_totals *t, const struct ex_failures *f,
		      uint64_t task_timeout_ns)
{
	size_t listed = f->count < f->capacity ? f->count : f->capacity;
	size_t used = 0;

	t->jobs++;
	t->failed += f->count;
	t->retried += f->retried;
	t->detections += f->detections;
	t->detect_s += f->detect_s;
	t->replacements += f->replacements;
	t->replace_s += f->replace_s;
	if (f->count == 0)
		return;
	t->last_count = f->count;
	for (size_t k = 0; k < listed && k < 3 && used < sizeof(t->last); k++) {
		char what[200];

		ex_failure_describe(&f->list[k], task_timeout_ns, what,
				    sizeof(what));
		used += (size_t)snprintf(t->last + used, sizeof(t->last) - used,
					 "%s %s", k ? "," : "", what);
	}
	if (f->count > 3 && used < sizeof(t->last))
		snprintf(t->last + used, sizeof(t->last) - used,
			 ", and %" PRIu64 " more", f->count - 3);
}

/*
 * The failure counters (only where failures can be recorded: a process
 * executor with a failure policy or a task timeout) and the label: "1
 * failed per job: task 3 (...): killed by SIGSEGV" when every job lost the
 * same number, else "2 failed in 41 jobs, last: ...".
 */
static void report_faults(gb_state *st, const struct child_ctx *x,
			  const struct fault_totals *t, char *label, size_t len)
{
	const struct pt_config *c = x->c;
	size_t used = strlen(label);

	if (!c->ex->processes || (c->exc.on_failure == EX_ON_FAILURE_ABORT &&
				  c->exc.task_timeout_ns == 0))
		return;
	gb_set_counter(st, "tasks_failed", (double)t->failed,
		       GB_COUNTER_AVG_ITERATIONS);
	gb_set_counter(st, "tasks_retried", (double)t->retried,
		       GB_COUNTER_AVG_ITERATIONS);
	if (t->detections)
		gb_set_counter(st, "fault_detect_s",
			       t->detect_s / t->detections, GB_COUNTER_DEFAULT);
	if (t->replacements)
		gb_set_counter(st, "fault_replace_s",
			       t->replace_s / t->replacements,
			       GB_COUNTER_DEFAULT);
	if (t->failed == 0)
		return;
	if (t->failed == t->last_count * t->jobs)
		snprintf(label + used, len - used,
			 "%s%" PRIu64 " failed per job:%s", used ? "; " : "",
			 t->last_count, t->last);
	else
		snprintf(label + used, len - used,
			 "%s%" PRIu64 " failed in %" PRIu64 " jobs, last:%s",
			 used ? "; " : "", t->failed, t->jobs, t->last);
}

/*
 * The instrumented jobs (see probe.h): after the timed executor instance has
 * stopped and its accounting is taken, a second instance of the same
 * configuration runs one job with clock reads around every task (the
 * breakdown and the trace) and, with --counters, one job counting PAPI
 * events in every worker. A second instance rather than the timed one,
 * because process workers' rusage is only seen when they are reaped: on the
 * timed instance the instrumented jobs would leak into cpu_*_s and faults_*.
 * Figures land as counters of the same entry (the workload's own figure,
 * stat_take, among them: armed for the timing job only); nothing here is
 * timed.
 */
/* The workload's own figure (stat_take) is measured in this job only. */
static void arm_stat(struct child_ctx *x, bool on)
{
	if (x->c->wl->stat_arm) {
		x->c->wl->stat_arm(x->state, on);
		if (on)
			(void)x->c->wl->stat_take(x->state); /* from 0 */
	}
}

static void run_instrumented(gb_state *st, struct child_ctx *x,
			     const struct ex_job *plain)
{
	const struct pt_config *c = x->c;
	struct executor *ex = NULL;
	struct pt_breakdown b;
	struct ex_job job;
	double sums[PT_COUNTERS_MAX];
	char msg[512];
	FILE *f;
	int rc, bad;

	if ((rc = c->ex->start(&x->exc, &ex, msg, sizeof(msg)))) {
		gb_skip_with_error(st, msg);
		x->resource_limited |= ex_out_of_resources(rc);
		return;
	}
	/* Ranks cannot run the wrapper: they report when each task ran, and
	 * the probe takes those times as its own (no PAPI counts then). */
	if (c->ex->times_tasks) {
		job = *plain;
		job.times = calloc(c->tasks ? c->tasks : 1, sizeof(*job.times));
	} else {
		pt_probe_wrap(x->probe, plain, &job);
	}
	for (unsigned mode = PT_PROBE_TIMES; mode <= PT_PROBE_COUNTERS;
	     mode++) {
		if ((mode == PT_PROBE_COUNTERS && !x->counters) ||
		    (c->ex->times_tasks &&
		     (mode == PT_PROBE_COUNTERS || !job.times)))
			break;
		for (uint64_t i = 0; i < c->tasks; i++)
			x->results[i] = POISON;
		arm_stat(x, mode == PT_PROBE_TIMES);
		pt_probe_begin(x->probe, mode);
		rc = c->ex->map(ex, &job);
		pt_probe_end(x->probe);
		arm_stat(x, false);
		/* The workload's own figure, from this job's tasks. */
		if (!rc && mode == PT_PROBE_TIMES && c->wl->stat_take)
			gb_set_counter(st, c->wl->stat_name,
				       c->wl->stat_take(x->state),
				       GB_COUNTER_DEFAULT);
		bad = rc ? rc : verify(x, msg, sizeof(msg));
		if (bad) {
			gb_skip_with_error(st, rc ? ex_error(ex) : msg);
			x->resource_limited |= ex_out_of_resources(bad);
			break;
		}
		if (job.times && pt_probe_feed(x->probe, &job))
			break;
		if (mode == PT_PROBE_TIMES && !pt_probe_breakdown(x->probe, &b))
			pt_probe_report_breakdown(st, &b);
		if (mode == PT_PROBE_TIMES && x->want_trace) {
			free(x->trace);
			x->trace = NULL;
			f = open_memstream(&x->trace, &x->trace_len);
			if (f) {
				pt_probe_write_trace(x->probe, f, c->name,
						     c->ex->processes);
				fclose(f);
			}
		}
		if (mode == PT_PROBE_COUNTERS &&
		    pt_probe_counts(x->probe, sums, msg, sizeof(msg)) == 0)
			pt_probe_report_counts(st, x->counters, sums);
		else if (mode == PT_PROBE_COUNTERS)
			fprintf(stderr, "bench: warning: %s: --counters: %s\n",
				c->name, msg);
	}
	pt_counters_thread_release();
	pt_probe_release_pages(x->probe);
	free(job.times);
	c->ex->stop(ex);
}

/*
 * Payload workloads (ipc-payload). Their jobs go through a transport
 * (runners/transport.h), made before the executor starts and begun after
 * it, which passes pointers to thread executors and moves the bytes for
 * process executors. Outside the timed region, every job gets fresh inputs
 * and poisoned outputs (prepare, with the job number as seed) and the
 * reference checksums follow them; after it, every output in this
 * process's memory must be right (check): the checksums alone would not
 * prove that the results came back.
 */
static int payload_open(struct child_ctx *x, struct pt_transport **t, char *msg,
			size_t len)
{
	const struct wl_payload *p = x->c->wl->payload;
	struct pt_payload moved;

	*t = NULL;
	if (!p)
		return 0;
	if (x->c->ex->processes &&
	    (x->c->exc.on_failure != EX_ON_FAILURE_ABORT ||
	     x->c->exc.task_timeout_ns)) {
		snprintf(msg, len,
			 "%s: --on-task-failure and --task-timeout do not "
			 "work with the payload transport yet",
			 x->c->wl->name);
		return -ENOTSUP;
	}
	moved = (struct pt_payload){.arg = x->state,
				    .bytes = p->bytes(x->state),
				    .input = p->input,
				    .output = p->output,
				    .run = p->run};
	return pt_transport_create(x->c->transport, x->c->ex, &x->c->exc,
				   &moved, t, msg, len);
}

static void payload_prepare(struct child_ctx *x)
{
	x->c->wl->payload->prepare(x->state, ++x->payload_jobs);
	for (uint64_t i = 0; i < x->c->tasks; i++)
		x->c->wl->expected(x->state, i, &x->expected[i]);
}

static int payload_check(const struct child_ctx *x, char *msg, size_t len)
{
	for (uint64_t i = 0; i < x->c->tasks; i++) {
		int rc = x->c->wl->payload->check(x->state, i, msg, len);

		if (rc)
			return rc;
	}
	return 0;
}

/*
 * The serial reference (plan.h, serial_ref): where the plan has no serial
 * configuration of this job, the same job is also run by the serial
 * executor in this thread, so that a speedup can still be given. It runs
 * after the timed jobs and the accounting, so it changes no other figure:
 * three jobs (one if a job takes more than a second), the median kept, its
 * results verified like any job's; once per child, although Google
 * Benchmark calls bench_config several times. Not for payload workloads
 * (their jobs need a transport) nor tasks designed to fail.
 */
static void serial_reference(gb_state *st, struct child_ctx *x,
			     const struct ex_job *job)
{
	const struct executor_ops *serial = ex_find("serial");
	struct ex_config exc = x->c->exc;
	struct executor *ex = NULL;
	double t[3], begin;
	char msg[256];
	unsigned n = 0;

	if (!x->c->serial_ref || x->c->wl->payload || x->designed_failures ||
	    !serial)
		return;
	if (x->serial_ref_s <= 0) {
		exc.workers = 1;
		if (serial->start(&exc, &ex, msg, sizeof(msg)))
			return;
		while (n < 3) {
			for (uint64_t i = 0; i < x->c->tasks; i++)
				x->results[i] = POISON;
			x->failures.count = 0;
			begin = pt_now();
			if (serial->map(ex, job))
				break;
			t[n] = pt_now() - begin;
			if (verify(x, msg, sizeof(msg)))
				break;
			if (t[n++] > 1)
				break;
		}
		serial->stop(ex);
		if (n == 0 || (n < 3 && t[n - 1] <= 1))
			return; /* failed: no reference rather than a wrong one
				 */
		qsort(t, n, sizeof(t[0]), cmp_seconds);
		x->serial_ref_s = t[n / 2];
	}
	gb_set_counter(st, "serial_ref_s", x->serial_ref_s, GB_COUNTER_DEFAULT);
}

static void bench_config(gb_state *st, void *arg)
{
	struct child_ctx *x = arg;
	const struct pt_config *c = x->c;
	struct ex_job job = {
	    .fn = c->wl->run_task,
	    .arg = x->state,
	    .ntasks = c->tasks,
	    .results = x->results,
	    .failures = &x->failures,
	};
	struct fault_totals faults = {0};
	struct executor *ex = NULL;
	char msg[512], label[512] = "";
	double t, create, stop, begin, peak;
	struct usage before, after;
	struct ex_usage foreign;
	unsigned usable;
	bool failed = false, ready;
	struct pt_transport *tr = NULL;
	int rc;

	pt_progress_run(gb_iterations(st));
	if (x->setup_error[0]) {
		gb_skip_with_error(st, x->setup_error);
		return;
	}
	reset_peak_rss();
	if ((rc = payload_open(x, &tr, msg, sizeof(msg)))) {
		gb_skip_with_error(st, msg);
		x->resource_limited |= ex_out_of_resources(rc);
		return;
	}
	/* process-spawn hands each child its slot's channel. */
	x->exc.spawn_channels = pt_transport_spawn_channels(tr);
	memset(&foreign, 0, sizeof(foreign));
	x->exc.foreign_usage = &foreign;
	usage_now(&before);
	begin = t = pt_now();
	rc = c->ex->start(&x->exc, &ex, msg, sizeof(msg));
	create = pt_now() - t;
	if (rc) {
		char full[600];

		snprintf(full, sizeof(full),
			 "cannot start %s with %u workers: %s", c->ex->name,
			 c->exc.workers, msg);
		gb_skip_with_error(st, full);
		x->resource_limited |= ex_out_of_resources(rc);
		pt_transport_destroy(tr);
		return;
	}
	ready = !tr || pt_transport_begin(tr, msg, sizeof(msg)) == 0;
	if (!ready)
		gb_skip_with_error(st, msg);
	while (ready && gb_keep_running(st)) {
		for (uint64_t i = 0; i < c->tasks; i++)
			x->results[i] = POISON;
		if (tr)
			payload_prepare(x);
		t = pt_now();
		rc = tr ? pt_transport_map(tr, ex, c->tasks, x->results)
			: c->ex->map(ex, &job);
		t = pt_now() - t;
		if (rc) {
			gb_skip_with_error(st, tr ? pt_transport_error(tr)
						  : ex_error(ex));
			x->resource_limited |= ex_out_of_resources(rc);
			failed = true;
			break;
		}
		fault_add(&faults, &x->failures, c->exc.task_timeout_ns);
		if (verify_failures(x, msg, sizeof(msg)) ||
		    (rc = verify(x, msg, sizeof(msg))) ||
		    (tr && payload_check(x, msg, sizeof(msg)))) {
			gb_skip_with_error(st, msg);
			x->resource_limited |= ex_out_of_resources(rc);
			failed = true;
			break;
		}
		gb_set_iteration_time(st, t);
	}
	peak = report_memory(st);
	if (ex->label[0])
		snprintf(label, sizeof(label), "%s", ex->label);
	pt_transport_end(tr);
	t = pt_now();
	c->ex->stop(ex);
	stop = pt_now() - t;
	pt_transport_destroy(tr);
	usage_now(&after);
	usage_add_foreign(&after, &foreign, st, peak);
	usable = c->ex->uses_workers ? c->exc.workers : 1;
	if (usable > x->online_cpus)
		usable = (unsigned)x->online_cpus;
	report_usage(st, &before, &after, pt_now() - begin, usable);

	gb_set_items_processed(st, gb_iterations(st) * (int64_t)c->tasks);
	if (c->wl->payload)
		gb_set_bytes_processed(
		    st, gb_iterations(st) * (int64_t)c->tasks * 2 *
			    (int64_t)c->wl->payload->bytes(x->state));
	gb_set_counter(st, "workers", c->exc.workers, GB_COUNTER_DEFAULT);
	gb_set_counter(st, "tasks", (double)c->tasks, GB_COUNTER_DEFAULT);
	gb_set_counter(st, "workload_version",
		       c->wl->version ? c->wl->version : 1, GB_COUNTER_DEFAULT);
	gb_set_counter(st, "create_s", create, GB_COUNTER_DEFAULT);
	gb_set_counter(st, "create_per_worker_s", create / c->exc.workers,
		       GB_COUNTER_DEFAULT);
	gb_set_counter(st, "stop_s", stop, GB_COUNTER_DEFAULT);
	if (c->ex->uses_workers && c->exc.workers > x->online_cpus)
		snprintf(label + strlen(label), sizeof(label) - strlen(label),
			 "%soversubscribed", label[0] ? " " : "");
	report_faults(st, x, &faults, label, sizeof(label));
	if (label[0])
		gb_set_label(st, label);
	/* A spawned child runs its task from the job's description, not the
	 * wrapped function: process-spawn and --start=forkserver have no
	 * instrumented job; nor have
	 * payload workloads, whose tasks run inside the transport. */
	if (!failed)
		serial_reference(st, x, &job);
	if (!failed && x->probe &&
	    (!ex_runs_spec(c->ex, &c->exc) || c->ex->times_tasks) &&
	    !c->wl->payload)
		run_instrumented(st, x, &job);
}

/* Reference checksums: cheap when the workload can tell, else one serial
 * pass in this thread (before any worker exists). */
static void learn_reference(struct child_ctx *x)
{
	const struct workload *w = x->c->wl;

	for (uint64_t i = 0; i < x->c->tasks; i++) {
		if (w->expected) {
			x->must_fail[i] =
			    w->expected(x->state, i, &x->expected[i]) ==
			    WL_EXPECT_FAILURE;
			x->designed_failures += x->must_fail[i];
		} else {
			x->expected[i] = w->run_task(x->state, i, 0);
		}
	}
}

/*
 * The probe's mapping and PAPI, before any worker exists. Without them the
 * configuration is still measured, without the instrumented figures.
 */
static int probe_setup(struct child_ctx *x)
{
	const struct pt_config *c = x->c;
	char why[200];
	int rc;

	if (x->counters &&
	    pt_counters_init(x->counters->user_only, why, sizeof(why))) {
		snprintf(x->setup_error, sizeof(x->setup_error),
			 "--counters: %s", why);
		x->counters = NULL;
	}
	rc = pt_probe_create(c->exc.workers ? c->exc.workers : 1, c->tasks,
			     x->counters, &x->probe, why, sizeof(why));
	if (rc)
		snprintf(x->setup_error, sizeof(x->setup_error), "%s", why);
	return rc || x->setup_error[0] ? -EIO : 0;
}

int pt_run_config(const struct pt_config *c, const struct pt_child_io *io)
{
	struct child_ctx x = {.c = c};
	int display_errno = 0;
	struct gb_run_options ro = {
	    .display = io->display,
	    .out_path = io->json_path,
	    .print_header = io->print_header,
	    .name_width = io->name_width,
	    .before_output = pt_progress_clear,
	    .display_errno = &display_errno,
	};
	size_t n = c->tasks ? c->tasks : 1;
	gb_bench *b;
	long ran;
	int rc;

	x.online_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	x.exc = c->exc;
	if (ex_runs_spec(c->ex, &c->exc)) {
		/* Spawned children and the fork server rebuild the job from
		 * this text. */
		if (pt_spawn_spec(c->wl, c->params, c->tasks, x.spawn_spec,
				  sizeof(x.spawn_spec)) == 0)
			x.exc.spawn_spec = x.spawn_spec;
		else
			snprintf(x.setup_error, sizeof(x.setup_error),
				 "%s: the job's description exceeds %zu bytes",
				 c->ex->name, sizeof(x.spawn_spec));
	}
	x.counters = io->counters && io->counters->n ? io->counters : NULL;
	x.want_trace = io->trace_fd >= 0;
	x.results = calloc(n, sizeof(*x.results));
	x.expected = calloc(n, sizeof(*x.expected));
	x.must_fail = calloc(n, 1);
	x.failures.capacity = n < MAX_LISTED_FAILURES ? n : MAX_LISTED_FAILURES;
	x.failures.list = calloc(x.failures.capacity, sizeof(*x.failures.list));
	if (!x.results || !x.expected || !x.must_fail || !x.failures.list) {
		snprintf(x.setup_error, sizeof(x.setup_error),
			 "out of memory for %" PRIu64 " tasks", c->tasks);
	} else if (!x.setup_error[0]) {
		rc = wl_setup(c->wl, c->params, c->tasks, &x.state,
			      x.setup_error, sizeof(x.setup_error));
		if (rc && !x.setup_error[0])
			snprintf(x.setup_error, sizeof(x.setup_error),
				 "%s setup failed: %s", c->wl->name,
				 strerror(-rc));
		if (!rc)
			learn_reference(&x);
	}
	if (!x.setup_error[0]) {
		rc = probe_setup(&x);
		if (rc)
			fprintf(stderr, "bench: warning: %s: %s\n", c->name,
				x.setup_error);
		x.setup_error[0] = '\0';
	}

	b = gb_register(c->name, bench_config, &x);
	gb_bench_use_manual_time(b);
	gb_bench_unit(b, GB_US);
	if (io->iterations)
		gb_bench_iterations(b, (int64_t)io->iterations);
	ran = gb_run(&ro);
	ex_mpi_finalize();

	if (x.trace && io->trace_fd >= 0)
		pt_probe_write_part(io->trace_fd, x.trace, x.trace_len);
	free(x.trace);
	pt_probe_destroy(x.probe);
	if (x.counters)
		pt_counters_shutdown();
	if (!x.setup_error[0] && c->wl->teardown)
		c->wl->teardown(x.state);
	free(x.results);
	free(x.expected);
	free(x.must_fail);
	free(x.failures.list);
	fflush(stdout);
	if (display_errno > 0 && display_errno < 128)
		return PT_EXIT_STDOUT + display_errno;
	if (ran >= 0 && x.resource_limited)
		return PT_EXIT_RESOURCE;
	return ran < 0 ? 3 : 0;
}
