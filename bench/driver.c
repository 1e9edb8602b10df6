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
 * Invariant: the timed region contains map() and nothing else; clearing and
 * verifying the result slots happen outside it.
 */
#include "driver.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POISON 0xdeadbeefdeadbeefULL

struct child_ctx {
	const struct pt_config *c;
	void *state;	    /* the workload's, from setup */
	uint64_t *results;  /* written by the executor */
	uint64_t *expected; /* reference checksums */
	uint8_t *must_fail; /* tasks designed to fail (fault workload) */
	char setup_error[256];
	long online_cpus;
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
	char msg[512];
	double t, create, stop;
	int rc;

	if (x->setup_error[0]) {
		gb_skip_with_error(st, x->setup_error);
		return;
	}
	t = pt_now();
	rc = c->ex->start(&c->exc, &ex, msg, sizeof(msg));
	create = pt_now() - t;
	if (rc) {
		char full[600];

		snprintf(full, sizeof(full),
			 "cannot start %s with %u workers: %s", c->ex->name,
			 c->exc.workers, msg);
		gb_skip_with_error(st, full);
		return;
	}
	while (gb_keep_running(st)) {
		for (uint64_t i = 0; i < c->tasks; i++)
			x->results[i] = POISON;
		t = pt_now();
		rc = c->ex->map(ex, &job);
		t = pt_now() - t;
		if (rc) {
			gb_skip_with_error(st, ex_error(ex));
			break;
		}
		if (verify(x, msg, sizeof(msg))) {
			gb_skip_with_error(st, msg);
			break;
		}
		gb_set_iteration_time(st, t);
	}
	t = pt_now();
	c->ex->stop(ex);
	stop = pt_now() - t;

	gb_set_items_processed(st, gb_iterations(st) * (int64_t)c->tasks);
	gb_set_counter(st, "workers", c->exc.workers, GB_COUNTER_DEFAULT);
	gb_set_counter(st, "tasks", (double)c->tasks, GB_COUNTER_DEFAULT);
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
		rc = c->wl->setup(c->params, c->tasks, &x.state, x.setup_error,
				  sizeof(x.setup_error));
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
