/*
 * The payload transport (runners/transport.c) and the ipc-payload workload.
 *
 * The transport is tested directly with a payload of its own: every task's
 * input is drawn afresh per job, outputs are poisoned, and after each job
 * every output byte and every checksum must be right, for sizes 0, 1,
 * 4095, 4096, 65536 and 1 MiB, both transports, every executor. The run
 * hook also checks where its buffers are: the parent's own buffers under
 * threads (pointers passed), never them under processes (bytes moved).
 * Worker deaths in the middle of a transfer must fail the job without
 * hanging, and the next job must run cleanly on the same channels.
 *
 * process-spawn re-executes this program: main() hands the hidden worker
 * mode to spawn_worker(), which rebuilds the test payload from the job's
 * description ("tp/BYTES/PIDS_FD": no inputs of its own), attaches to the
 * channel it was handed and runs the task through the transport.
 *
 * The workload is tested as the driver uses it: parameters, its size x
 * tasks limit, prepare/expected/check, and correct checksums and outputs
 * under every executor and transport.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "core.h"
#include "transport.h"
#include "wl_kernels.h"
#include "wl_testing.h"

#define TASKS	7
#define WORKERS 3

static const size_t test_sizes[] = {0, 1, 4095, 4096, 65536, 1 << 20};
static const enum pt_transport_kind kinds[] = {PT_TRANSPORT_SHM,
					       PT_TRANSPORT_PIPE};

/*
 * The test payload. Task i's output is its input with every byte plus
 * (i + 1); its checksum sums the input bytes it saw (and flags buffers in
 * the wrong place). pids, in a shared page, records which process ran each
 * task, so hooks called in the parent's mover can kill that worker.
 */
struct test_payload {
	size_t bytes;
	uint8_t *in, *out; /* TASKS * bytes each, private */
	uint64_t expected[TASKS];
	bool processes; /* executor under test moves bytes */
	pid_t parent;
	_Atomic pid_t *pids; /* shared: TASKS entries */
	int pids_fd;	     /* its memfd, inherited by spawned workers */
	char spec[64];	     /* the job's description, for process-spawn */
	int kill_at_output;  /* task whose worker dies at output, or -1 */
	int kill_at_input;   /* task whose input kills task 0's worker, or -1 */
};

static uint8_t empty_buffer[1];

static const void *tp_input(void *arg, uint64_t index)
{
	struct test_payload *p = arg;

	if (index == (uint64_t)p->kill_at_input)
		kill(atomic_load(&p->pids[0]), SIGKILL);
	return p->bytes ? p->in + index * p->bytes : empty_buffer;
}

static void *tp_output(void *arg, uint64_t index)
{
	struct test_payload *p = arg;

	if (index == (uint64_t)p->kill_at_output)
		kill(atomic_load(&p->pids[index]), SIGKILL);
	return p->bytes ? p->out + index * p->bytes : empty_buffer;
}

#define WRONG_PLACE 0xbad0bad0bad0bad0ULL

static uint64_t tp_run(void *arg, uint64_t index, unsigned worker,
		       const void *in_buf, void *out_buf)
{
	struct test_payload *p = arg;
	const uint8_t *in = in_buf;
	uint8_t *out = out_buf;
	bool parents = p->bytes && in == p->in + index * p->bytes;
	uint64_t sum = index;

	(void)worker;
	atomic_store(&p->pids[index], getpid());
	/* Threads get the parent's buffers; processes never do. */
	if (p->bytes && parents != !p->processes)
		return WRONG_PLACE;
	if (p->processes && getpid() == p->parent)
		return WRONG_PLACE;
	for (size_t j = 0; j < p->bytes; j++) {
		sum = sum * 31 + in[j];
		out[j] = (uint8_t)(in[j] + index + 1);
	}
	return sum;
}

static void tp_init(struct test_payload *p, size_t bytes)
{
	memset(p, 0, sizeof(*p));
	p->bytes = bytes;
	p->parent = getpid();
	p->kill_at_output = p->kill_at_input = -1;
	p->in = malloc(TASKS * bytes + 1);
	p->out = malloc(TASKS * bytes + 1);
	/* Not close-on-exec: spawned workers find it by number, which must
	 * not be one the spawn's file actions dup2 onto (3 and up). */
	int fd = memfd_create("tp-pids", 0);

	assert_true(fd >= 0);
	p->pids_fd = fcntl(fd, F_DUPFD, 10);
	close(fd);
	assert_true(p->pids_fd >= 10);
	assert_int_equal(ftruncate(p->pids_fd, TASKS * sizeof(*p->pids)), 0);
	p->pids = mmap(NULL, TASKS * sizeof(*p->pids), PROT_READ | PROT_WRITE,
		       MAP_SHARED, p->pids_fd, 0);
	snprintf(p->spec, sizeof(p->spec), "tp/%zu/%d", bytes, p->pids_fd);
	assert_non_null(p->in);
	assert_non_null(p->out);
	assert_true(p->pids != MAP_FAILED);
}

/*
 * The hidden worker mode: as bench's, but for the test payload. Exit 2: a
 * malformed argv; 1: the channel or the reply failed.
 */
static int spawn_worker(int argc, char **argv)
{
	struct ex_spawn_request req;
	struct test_payload p = {.processes = true};
	struct pt_transport *t = NULL;
	char err[256] = "";
	uint64_t sum;
	int rc = 2;

	if (ex_spawn_parse(argc, argv, &req, err, sizeof(err)) ||
	    sscanf(req.spec, "tp/%zu/%d", &p.bytes, &p.pids_fd) != 2 ||
	    !req.channel)
		goto out;
	rc = 1;
	p.parent = req.parent;
	p.kill_at_input = p.kill_at_output = -1;
	p.pids = mmap(NULL, TASKS * sizeof(*p.pids), PROT_READ | PROT_WRITE,
		      MAP_SHARED, p.pids_fd, 0);
	if (p.pids == MAP_FAILED || ex_spawn_begin(&req)) {
		snprintf(err, sizeof(err), "cannot start");
		goto out;
	}
	const struct pt_payload payload = {
	    .arg = &p, .bytes = p.bytes, .run = tp_run};

	if (pt_transport_attach(req.channel, req.worker, &payload, &t, err,
				sizeof(err)))
		goto out;
	sum = pt_transport_task(t, req.task, req.worker);
	pt_transport_destroy(t);
	if (ex_spawn_reply(&req, sum) == 0)
		rc = 0;
out:
	if (rc)
		fprintf(stderr, "test_ipc: spawn worker: %s\n", err);
	return rc;
}

static void tp_free(struct test_payload *p)
{
	free(p->in);
	free(p->out);
	munmap((void *)p->pids, TASKS * sizeof(*p->pids));
	close(p->pids_fd);
}

/* Fresh inputs for job number job, poisoned outputs, expected sums. */
static void tp_prepare(struct test_payload *p, unsigned job)
{
	for (uint64_t i = 0; i < TASKS; i++) {
		uint64_t sum = i;

		for (size_t j = 0; j < p->bytes; j++) {
			uint8_t b =
			    (uint8_t)wl_mix64(job * 1000003u + i * 7919u + j);

			p->in[i * p->bytes + j] = b;
			p->out[i * p->bytes + j] = (uint8_t) ~(b + i + 1);
			sum = sum * 31 + b;
		}
		p->expected[i] = sum;
	}
}

/* Every checksum and every output byte of the job is right. */
static void tp_expect_exact(const struct test_payload *p, const uint64_t *got,
			    const char *what)
{
	for (uint64_t i = 0; i < TASKS; i++) {
		if (got[i] != p->expected[i]) {
			print_error("%s: task %llu checksum 0x%llx, want "
				    "0x%llx\n",
				    what, (unsigned long long)i,
				    (unsigned long long)got[i],
				    (unsigned long long)p->expected[i]);
			fail();
		}
		for (size_t j = 0; j < p->bytes; j++) {
			uint8_t want =
			    (uint8_t)(p->in[i * p->bytes + j] + i + 1);

			if (p->out[i * p->bytes + j] != want) {
				print_error("%s: task %llu byte %zu differs\n",
					    what, (unsigned long long)i, j);
				fail();
			}
		}
	}
}

struct rig {
	struct executor *ex;
	struct pt_transport *t;
};

static void rig_start(struct rig *r, const struct executor_ops *ops,
		      enum pt_transport_kind kind, unsigned workers,
		      struct test_payload *p)
{
	struct ex_config config = {.workers = workers,
				   .schedule = EX_SCHED_DYNAMIC,
				   .max_tasks = TASKS,
				   .wait = EX_WAIT_ADAPTIVE,
				   .spawn_spec = p->spec};
	const struct pt_payload payload = {.arg = p,
					   .bytes = p->bytes,
					   .input = tp_input,
					   .output = tp_output,
					   .run = tp_run};
	char err[256] = "";

	p->processes = ops->processes;
	if (pt_transport_create(kind, ops, &config, &payload, &r->t, err,
				sizeof(err)) ||
	    (config.spawn_channels = pt_transport_spawn_channels(r->t),
	     ops->start(&config, &r->ex, err, sizeof(err))) ||
	    pt_transport_begin(r->t, err, sizeof(err))) {
		print_error("%s: %s\n", ops->name, err);
		fail();
	}
	assert_int_equal(pt_transport_moves(r->t), ops->processes);
}

static void rig_stop(struct rig *r)
{
	pt_transport_end(r->t);
	r->ex->ops->stop(r->ex);
	pt_transport_destroy(r->t);
}

/* Every byte crosses intact, every size, both kinds, every executor. */
static void test_transport_exact(void **state)
{
	(void)state;
	for (size_t s = 0; s < sizeof(test_sizes) / sizeof(*test_sizes); s++) {
		for (size_t k = 0; k < 2; k++) {
			for (unsigned e = 0; ex_all[e]; e++) {
				const struct executor_ops *ops = ex_all[e];
				struct test_payload p;
				uint64_t got[TASKS];
				struct rig r;
				char what[128];

				/* Python's pools run py-* workloads only; mpi
				 * refuses payloads (tested in mpi.sh). */
				if (ops->unavailable || ops->workload_prefix ||
				    !strncmp(ops->name, "mpi", 3))
					continue;
				snprintf(what, sizeof(what), "%s/%s/%zu",
					 ops->name, pt_transport_name(kinds[k]),
					 test_sizes[s]);
				tp_init(&p, test_sizes[s]);
				rig_start(&r, ops, kinds[k], WORKERS, &p);
				/* Two jobs: the channels are reused. */
				for (unsigned job = 1; job <= 2; job++) {
					tp_prepare(&p, job);
					memset(got, 0, sizeof(got));
					if (pt_transport_map(r.t, r.ex, TASKS,
							     got)) {
						print_error(
						    "%s: %s\n", what,
						    pt_transport_error(r.t));
						fail();
					}
					tp_expect_exact(&p, got, what);
				}
				rig_stop(&r);
				tp_free(&p);
			}
		}
	}
}

/* An empty job crosses nothing and succeeds. */
static void test_transport_empty_job(void **state)
{
	(void)state;
	for (size_t k = 0; k < 2; k++) {
		struct test_payload p;
		struct rig r;

		tp_init(&p, 4096);
		rig_start(&r, &ex_process_pool, kinds[k], 2, &p);
		assert_int_equal(pt_transport_map(r.t, r.ex, 0, NULL), 0);
		tp_prepare(&p, 1);
		uint64_t got[TASKS];

		assert_int_equal(pt_transport_map(r.t, r.ex, TASKS, got), 0);
		tp_expect_exact(&p, got, "after an empty job");
		rig_stop(&r);
		tp_free(&p);
	}
}

/*
 * A worker killed while its output streams back (pipe: the mover has the
 * header, most of 1 MiB is still to come; shm: the worker waits for its
 * output to be copied), or while its input streams in: the job fails, the
 * caller does not hang, and the next job is exact.
 */
static void test_transport_worker_death(void **state)
{
	static const struct {
		const struct executor_ops *ops;
		unsigned workers;
		bool at_input;
	} cases[] = {
	    {&ex_process_pool, 2, false},
	    {&ex_process_per_task, 2, false},
	    {&ex_process_spawn, 2, false},
	    {&ex_process_pool, 1, true},
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(*cases); c++) {
		for (size_t k = 0; k < 2; k++) {
			struct test_payload p;
			uint64_t got[TASKS];
			struct rig r;
			int rc;

			tp_init(&p, 1 << 20);
			rig_start(&r, cases[c].ops, kinds[k], cases[c].workers,
				  &p);
			if (cases[c].at_input)
				p.kill_at_input = 1; /* kills task 0's worker */
			else
				p.kill_at_output = 2;
			tp_prepare(&p, 1);
			alarm(60); /* a hang fails the test, not the suite */
			rc = pt_transport_map(r.t, r.ex, TASKS, got);
			alarm(0);
			if (rc != -ECHILD) {
				print_error("%s/%s: map returned %d (%s)\n",
					    cases[c].ops->name,
					    pt_transport_name(kinds[k]), rc,
					    pt_transport_error(r.t));
				fail();
			}
			assert_non_null(
			    strstr(pt_transport_error(r.t), "SIGKILL"));
			p.kill_at_input = p.kill_at_output = -1;
			for (unsigned job = 2; job <= 3; job++) {
				tp_prepare(&p, job);
				alarm(60);
				rc = pt_transport_map(r.t, r.ex, TASKS, got);
				alarm(0);
				if (rc) {
					print_error("after a death: %s\n",
						    pt_transport_error(r.t));
					fail();
				}
				tp_expect_exact(&p, got, "after a death");
			}
			rig_stop(&r);
			tp_free(&p);
		}
	}
}

static void test_transport_names_and_limits(void **state)
{
	const struct ex_config config = {.workers = 16, .max_tasks = 1};
	struct test_payload p = {.bytes = 256u << 20};
	const struct pt_payload payload = {.arg = &p,
					   .bytes = p.bytes,
					   .input = tp_input,
					   .output = tp_output,
					   .run = tp_run};
	enum pt_transport_kind kind;
	struct pt_transport *t = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(pt_transport_parse("shm", &kind), 0);
	assert_int_equal(kind, PT_TRANSPORT_SHM);
	assert_int_equal(pt_transport_parse("pipe", &kind), 0);
	assert_int_equal(kind, PT_TRANSPORT_PIPE);
	assert_int_equal(pt_transport_parse("socket", &kind), -EINVAL);
	assert_int_equal(pt_transport_parse("", &kind), -EINVAL);
	assert_int_equal(pt_transport_parse(NULL, &kind), -EINVAL);
	assert_string_equal(pt_transport_name(PT_TRANSPORT_PIPE), "pipe");

	/* 16 x 2 x 256 MiB = 8 GiB of channels: refused, named. */
	assert_int_equal(pt_transport_create(PT_TRANSPORT_SHM, &ex_process_pool,
					     &config, &payload, &t, err,
					     sizeof(err)),
			 -E2BIG);
	assert_null(t);
	assert_non_null(strstr(err, "16 workers"));
	/* Process workers neither forked nor spawned cannot get channels. */
	struct executor_ops spawned = ex_process_pool;

	spawned.name = "spawned";
	assert_int_equal(pt_transport_create(PT_TRANSPORT_PIPE, &spawned,
					     &config, &payload, &t, err,
					     sizeof(err)),
			 -ENOTSUP);
	assert_null(t);
	assert_non_null(strstr(err, "spawned"));
	/* Only process-spawn is handed channels: the memfd (shm) or the
	 * worker's two pipe ends (pipe) per slot, and their shape as text. */
	for (size_t k = 0; k < 2; k++) {
		const struct ex_config two = {.workers = 2, .max_tasks = 1};
		const struct pt_payload small = {.arg = &p, .bytes = 100};
		const struct ex_spawn_channels *ch;

		assert_int_equal(pt_transport_create(kinds[k], &ex_process_pool,
						     &two, &small, &t, err,
						     sizeof(err)),
				 0);
		assert_null(pt_transport_spawn_channels(t));
		pt_transport_destroy(t);
		assert_int_equal(
		    pt_transport_create(kinds[k], &ex_process_spawn, &two,
					&small, &t, err, sizeof(err)),
		    0);
		ch = pt_transport_spawn_channels(t);
		assert_non_null(ch);
		assert_int_equal(ch->per_slot, k == 0 ? 1 : 2);
		assert_string_equal(ch->attach,
				    k == 0 ? "shm:2:100" : "pipe:2:100");
		pt_transport_destroy(t);
	}
	/* A worker refuses a channel that is malformed, is not its slot's,
	 * or moves other sizes than its job, before touching a descriptor. */
	static const char *const bad_channels[] = {"",
						   "shm",
						   "socket:2:100",
						   "shm:2",
						   "shm:x:100",
						   "shm:2:100:",
						   "pipe:-1:100",
						   "shm:1:100",
						   "shm:2:99",
						   "pipe:2:1e2",
						   NULL};
	for (unsigned i = 0; bad_channels[i]; i++) {
		const struct pt_payload small = {.arg = &p, .bytes = 100};

		err[0] = '\0';
		assert_int_equal(pt_transport_attach(bad_channels[i], 1, &small,
						     &t, err, sizeof(err)),
				 -EINVAL);
		assert_null(t);
		assert_true(err[0] != '\0');
	}
	/* Threads move nothing, so nothing to bound. */
	assert_int_equal(pt_transport_create(PT_TRANSPORT_SHM, &ex_thread_pool,
					     &config, &payload, &t, err,
					     sizeof(err)),
			 0);
	assert_false(pt_transport_moves(t));
	pt_transport_destroy(t);
}

/* map() before begin() is refused, not hung. */
static void test_transport_map_before_begin(void **state)
{
	const struct ex_config config = {.workers = 1, .max_tasks = TASKS};
	struct test_payload p;
	struct pt_transport *t = NULL;
	struct executor *ex = NULL;
	uint64_t got[TASKS];
	char err[256] = "";

	(void)state;
	tp_init(&p, 64);
	const struct pt_payload payload = {.arg = &p,
					   .bytes = p.bytes,
					   .input = tp_input,
					   .output = tp_output,
					   .run = tp_run};

	assert_int_equal(pt_transport_create(PT_TRANSPORT_PIPE,
					     &ex_process_pool, &config,
					     &payload, &t, err, sizeof(err)),
			 0);
	assert_int_equal(ex_process_pool.start(&config, &ex, err, sizeof(err)),
			 0);
	assert_int_equal(pt_transport_map(t, ex, TASKS, got), -EINVAL);
	ex_process_pool.stop(ex);
	pt_transport_destroy(t);
	tp_free(&p);
}

/* ---- the ipc-payload workload ------------------------------------------ */

static void *ipc_setup(const char *size, uint64_t ntasks)
{
	const struct param_setting set[] = {{"size", size}, {NULL, NULL}};
	double values[WL_MAX_PARAMS];
	char err[256] = "";
	void *st = NULL;

	parse_settings(&wl_ipc_payload, set, values);
	if (wl_setup(&wl_ipc_payload, values, ntasks, &st, err, sizeof(err))) {
		print_error("ipc-payload size=%s: %s\n", size, err);
		fail();
	}
	return st;
}

static void test_ipc_params(void **state)
{
	const struct wl_param *p = &wl_ipc_payload.params[0];
	static const char *const bad[] = {"-1", "2GiB", "1.5", "abc", "", NULL};
	double values[WL_MAX_PARAMS], v;
	char err[256] = "";
	void *st = NULL;

	(void)state;
	assert_string_equal(p->name, "size");
	assert_int_equal(wl_param_parse(p, "64MiB", &v, err, sizeof(err)), 0);
	assert_true(v == 64.0 * 1024 * 1024);
	assert_int_equal(wl_param_parse(p, "0", &v, err, sizeof(err)), 0);
	for (unsigned i = 0; bad[i]; i++)
		assert_int_not_equal(
		    wl_param_parse(p, bad[i], &v, err, sizeof(err)), 0);
	/* 64 MiB x 17 tasks > 1 GiB of inputs: refused with the limit. */
	wl_param_defaults(&wl_ipc_payload, values);
	values[0] = 64.0 * 1024 * 1024;
	assert_int_equal(
	    wl_setup(&wl_ipc_payload, values, 17, &st, err, sizeof(err)),
	    -E2BIG);
	assert_null(st);
	assert_non_null(strstr(err, "1GiB"));
	/* ... and 64 MiB x 2 is fine. */
	assert_int_equal(
	    wl_setup(&wl_ipc_payload, values, 2, &st, err, sizeof(err)), 0);
	wl_ipc_payload.teardown(st);
}

/*
 * Serially, as the driver's hooks are called: the checksums follow the
 * seed, an output left poisoned fails check(), a run fixes it, and one
 * flipped byte is found and named.
 */
static void test_ipc_prepare_check(void **state)
{
	const struct wl_payload *h = wl_ipc_payload.payload;
	static const char *const sizes[] = {"0", "1", "4095", "4096", "1MiB"};

	(void)state;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(*sizes); s++) {
		void *st = ipc_setup(sizes[s], 4);
		size_t bytes = h->bytes(st);
		uint64_t before, after, sum;
		char err[256] = "";

		h->prepare(st, 7);
		wl_ipc_payload.expected(st, 2, &before);
		if (bytes > 0)
			assert_int_equal(h->check(st, 2, err, sizeof(err)),
					 -EIO);
		assert_int_equal(wl_ipc_payload.run_task(st, 2, 0), before);
		assert_int_equal(h->check(st, 2, err, sizeof(err)), 0);
		if (bytes > 0) {
			uint8_t *out = h->output(st, 2);

			out[bytes - 1] ^= 0x10;
			assert_int_equal(h->check(st, 2, err, sizeof(err)),
					 -EIO);
			assert_non_null(strstr(err, "task 2"));
			out[bytes - 1] ^= 0x10;
			/* Another seed, other inputs, other checksums. */
			h->prepare(st, 8);
			wl_ipc_payload.expected(st, 2, &after);
			assert_int_not_equal(before, after);
			/* A received input's digest is what run returns. */
			sum =
			    h->run(st, 2, 1, h->input(st, 2), h->output(st, 2));
			assert_int_equal(sum, after);
		}
		wl_ipc_payload.teardown(st);
	}
}

/* Under every executor and transport, as the driver runs it. */
static void test_ipc_under_executors(void **state)
{
	const struct wl_payload *h = wl_ipc_payload.payload;

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		for (unsigned e = 0; ex_all[e]; e++) {
			const struct executor_ops *ops = ex_all[e];
			/* omp takes its wait policy from OMP_WAIT_POLICY
			 * only, and refuses any other. */
			const struct ex_config config = {
			    .workers = 2,
			    .max_tasks = 9,
			    .wait = strcmp(ops->name, "omp")
					? EX_WAIT_BLOCK
					: EX_WAIT_ADAPTIVE};
			void *st = ipc_setup("10000", 9);
			const struct pt_payload payload = {.arg = st,
							   .bytes =
							       h->bytes(st),
							   .input = h->input,
							   .output = h->output,
							   .run = h->run};
			struct pt_transport *t = NULL;
			struct executor *ex = NULL;
			uint64_t got[9];
			char err[256] = "";

			if (ops->unavailable || ops->runs_spec) {
				wl_ipc_payload.teardown(st);
				continue;
			}
			assert_int_equal(
			    pt_transport_create(kinds[k], ops, &config,
						&payload, &t, err, sizeof(err)),
			    0);
			assert_int_equal(
			    ops->start(&config, &ex, err, sizeof(err)), 0);
			assert_int_equal(
			    pt_transport_begin(t, err, sizeof(err)), 0);
			for (uint64_t job = 1; job <= 2; job++) {
				h->prepare(st, job);
				assert_int_equal(
				    pt_transport_map(t, ex, 9, got), 0);
				for (uint64_t i = 0; i < 9; i++) {
					uint64_t want;

					wl_ipc_payload.expected(st, i, &want);
					assert_int_equal(got[i], want);
					if (h->check(st, i, err, sizeof(err))) {
						print_error("%s: %s\n",
							    ops->name, err);
						fail();
					}
				}
			}
			pt_transport_end(t);
			ops->stop(ex);
			pt_transport_destroy(t);
			wl_ipc_payload.teardown(st);
		}
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_transport_names_and_limits),
	    cmocka_unit_test(test_transport_map_before_begin),
	    cmocka_unit_test(test_transport_exact),
	    cmocka_unit_test(test_transport_empty_job),
	    cmocka_unit_test(test_transport_worker_death),
	    cmocka_unit_test(test_ipc_params),
	    cmocka_unit_test(test_ipc_prepare_check),
	    cmocka_unit_test(test_ipc_under_executors),
	};

	if (argc > 1 && !strcmp(argv[1], EX_SPAWN_WORKER_FLAG))
		return spawn_worker(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
