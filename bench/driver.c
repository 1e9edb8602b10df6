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
 * Invariant: the timed region contains map() and nothing else (for payload
 * workloads the transport's map, whose bytes must move during the job);
 * clearing and verifying the result slots happen outside it.
 */
#include "driver.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "transport.h"

#define POISON 0xdeadbeefdeadbeefULL

struct child_ctx {
	const struct pt_config *c;
	void *state;	    /* the workload's, from setup */
	uint64_t *results;  /* written by the executor */
	uint64_t *expected; /* reference checksums */
	uint8_t *must_fail; /* tasks designed to fail (fault workload) */
	char setup_error[256];
	long online_cpus;
	uint64_t payload_jobs; /* jobs prepared so far: the next seed */
};

double pt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Finds the first task whose result differs from the reference. */
static int verify(const struct child_ctx *x, char *msg, size_t len)
{
	for (uint64_t i = 0; i < x->c->tasks; i++) {
		if (x->must_fail[i] || x->results[i] == x->expected[i])
			continue;
		if (x->results[i] == POISON)
			snprintf(msg, len,
				 "task %" PRIu64 " has no result: the executor "
				 "did not run it",
				 i);
		else
			snprintf(msg, len,
				 "task %" PRIu64
				 " returned checksum 0x%016" PRIx64
				 ", expected 0x%016" PRIx64,
				 i, x->results[i], x->expected[i]);
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
 * Memory of the executor as it stands: this process plus every live child
 * it created (the pool's workers), summed. Peak RSS (VmHWM) counts shared
 * pages once per process, as the kernel's RSS does; PSS divides each shared
 * page among the processes that map it, so it sums to what the executor
 * really occupies. Read from /proc, outside the timed region.
 */
static void report_memory(gb_state *st)
{
	char path[64], children[4096];
	double peak = proc_kb("/proc/self/status", "VmHWM");
	double pss = proc_kb("/proc/self/smaps_rollup", "Pss");
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children",
		 (int)gettid());
	f = fopen(path, "r");
	if (f) {
		n = fread(children, 1, sizeof(children) - 1, f);
		fclose(f);
	}
	children[n] = '\0';
	for (char *p = children, *end; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		snprintf(path, sizeof(path), "/proc/%ld/status", pid);
		peak += proc_kb(path, "VmHWM");
		snprintf(path, sizeof(path), "/proc/%ld/smaps_rollup", pid);
		pss += proc_kb(path, "Pss");
	}
	gb_set_counter(st, "mem_peak_rss_bytes", peak, GB_COUNTER_DEFAULT);
	gb_set_counter(st, "mem_pss_bytes", pss, GB_COUNTER_DEFAULT);
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

static void bench_config(gb_state *st, void *arg)
{
	struct child_ctx *x = arg;
	const struct pt_config *c = x->c;
	struct ex_job job = {
	    .fn = c->wl->run_task,
	    .arg = x->state,
	    .ntasks = c->tasks,
	    .results = x->results,
	};
	struct executor *ex = NULL;
	struct pt_transport *tr = NULL;
	char msg[512];
	double t, create, stop, begin;
	struct usage before, after;
	unsigned usable;
	bool ready;
	int rc;

	if (x->setup_error[0]) {
		gb_skip_with_error(st, x->setup_error);
		return;
	}
	if (payload_open(x, &tr, msg, sizeof(msg))) {
		gb_skip_with_error(st, msg);
		return;
	}
	usage_now(&before);
	begin = t = pt_now();
	rc = c->ex->start(&c->exc, &ex, msg, sizeof(msg));
	create = pt_now() - t;
	if (rc) {
		char full[600];

		snprintf(full, sizeof(full),
			 "cannot start %s with %u workers: %s", c->ex->name,
			 c->exc.workers, msg);
		gb_skip_with_error(st, full);
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
			break;
		}
		if (verify(x, msg, sizeof(msg)) ||
		    (tr && payload_check(x, msg, sizeof(msg)))) {
			gb_skip_with_error(st, msg);
			break;
		}
		gb_set_iteration_time(st, t);
	}
	report_memory(st);
	pt_transport_end(tr);
	t = pt_now();
	c->ex->stop(ex);
	stop = pt_now() - t;
	pt_transport_destroy(tr);
	usage_now(&after);
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
		gb_set_label(st, "oversubscribed");
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
		} else {
			x->expected[i] = w->run_task(x->state, i, 0);
		}
	}
}

int pt_run_config(const struct pt_config *c, const struct pt_child_io *io)
{
	struct child_ctx x = {.c = c};
	struct gb_run_options ro = {
	    .display = io->display,
	    .out_path = io->json_path,
	    .print_header = io->print_header,
	    .name_width = io->name_width,
	};
	size_t n = c->tasks ? c->tasks : 1;
	gb_bench *b;
	long ran;
	int rc;

	x.online_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	x.results = calloc(n, sizeof(*x.results));
	x.expected = calloc(n, sizeof(*x.expected));
	x.must_fail = calloc(n, 1);
	if (!x.results || !x.expected || !x.must_fail) {
		snprintf(x.setup_error, sizeof(x.setup_error),
			 "out of memory for %" PRIu64 " tasks", c->tasks);
	} else {
		rc = wl_setup(c->wl, c->params, c->tasks, &x.state,
			      x.setup_error, sizeof(x.setup_error));
		if (rc && !x.setup_error[0])
			snprintf(x.setup_error, sizeof(x.setup_error),
				 "%s setup failed: %s", c->wl->name,
				 strerror(-rc));
		if (!rc)
			learn_reference(&x);
	}

	b = gb_register(c->name, bench_config, &x);
	gb_bench_use_manual_time(b);
	gb_bench_unit(b, GB_US);
	ran = gb_run(&ro);

	if (!x.setup_error[0] && c->wl->teardown)
		c->wl->teardown(x.state);
	free(x.results);
	free(x.expected);
	free(x.must_fail);
	fflush(stdout);
	return ran < 0 ? 3 : 0;
}
