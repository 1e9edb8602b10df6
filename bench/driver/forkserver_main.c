/*
 * procthread-forkserver: the fork server of --start=forkserver, a program of
 * its own so that what it forks is small: libc and the workload kernels,
 * none of bench's libraries (libbenchmark, libstdc++, jansson, PAPI,
 * libgomp), none of bench's heap, none of the workload memory the caller
 * made. See runners/forkserver.h for the protocol.
 *
 * The design is simple: started by an executor as
 *   procthread-forkserver SPEC KIND ADDR LEN PARENT [CHANNEL]
 * with its socket on descriptor 3 and the shared mapping's memfd on 6, it
 * dies with PARENT, rebuilds the job from SPEC exactly as a spawned worker
 * does (driver/spawn_worker.c: same parser, fresh_params, setup), maps the
 * memfd (KIND "task": the results array, anywhere; "pool": the control
 * block, at ADDR), says it is ready, and serves. Its children inherit its
 * copy of the workload (as Python's forkserver children inherit what the
 * server preloaded); a payload workload's input comes from the parent
 * through the slot's channel, handed over with each request, and CHANNEL
 * describes it. Task children store the checksum in the results array and
 * exit 0; pool children run the worker loop. The server's teardown runs
 * when the executor closes the socket.
 *
 * Invariant: nothing is printed on success; a failure at start is one line
 * sent to the executor (which reports it) and a non-zero exit.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "core.h"
#include "forkserver.h"
#include "spawn_worker.h"
#include "transport.h"

struct server {
	struct pt_spawn_job job;
	void *state;
	enum pt_forkserver_kind kind;
	void *map;
	pid_t parent;
	const char *channel; /* payload: the attach text, else NULL */
};

static void child(void *ctx, const struct pt_forkserver_request *req,
		  unsigned nfds)
{
	struct server *s = ctx;
	ex_task_fn fn;
	void *arg;

	pt_child_setup(s->parent);
	if (req->cpu >= 0) {
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(req->cpu, &one);
		/* Failing to pin is not fatal, as for the other workers. */
		(void)sched_setaffinity(0, sizeof(one), &one);
	}
	if (s->job.wl && s->job.wl->payload && nfds == 0)
		_exit(PT_TRANSPORT_WORKER_EXIT);
	pt_spawn_task_fn(&s->job, s->state, s->channel, req->slot, &fn, &arg);
	if (s->kind == PT_FORKSERVER_TASK) {
		uint64_t *results = s->map;

		results[req->task] = fn(arg, req->task, req->slot);
		_exit(0);
	}
	pt_worker_set_task(fn, arg);
	pt_worker_loop(s->map, req->slot);
	_exit(0);
}

/* A whole decimal number, or -EINVAL. */
static int number(const char *text, uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || *out > max)
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	struct server s = {0};
	char err[256] = "";
	uint64_t addr, len, parent;
	int rc = -EINVAL, sock = PT_FORKSERVER_SOCKET_FD;

	if (argc != 6 && argc != 7) {
		fprintf(stderr,
			"bench: forkserver: expected SPEC KIND ADDR LEN PARENT "
			"[CHANNEL] (started by bench --start=forkserver)\n");
		return 2;
	}
	if (number(argv[3], UINTPTR_MAX, &addr) ||
	    number(argv[4], SIZE_MAX, &len) || len == 0 ||
	    number(argv[5], INT32_MAX, &parent) || parent == 0 ||
	    (strcmp(argv[2], "task") && strcmp(argv[2], "pool"))) {
		fprintf(stderr, "bench: forkserver: malformed arguments\n");
		return 2;
	}
	s.kind =
	    strcmp(argv[2], "pool") ? PT_FORKSERVER_TASK : PT_FORKSERVER_POOL;
	s.parent = (pid_t)parent;
	s.channel = argc == 7 ? argv[6] : NULL;
	/* Die with the executor; it may already be gone. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != s.parent)
		return 1;
	rc = pt_spawn_parse(argv[1], &s.job, err, sizeof(err));
	if (rc == 0 && s.job.wl && !s.job.wl->payload != !s.channel) {
		snprintf(err, sizeof(err), "%s: %s", s.job.wl->name,
			 s.channel ? "takes no CHANNEL" : "needs its CHANNEL");
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = pt_spawn_setup(&s.job, &s.state, err, sizeof(err));
	if (rc == 0) {
		int flags = MAP_SHARED;
		void *want = NULL;

		if (s.kind == PT_FORKSERVER_POOL) {
			flags |= MAP_FIXED_NOREPLACE;
			want = (void *)(uintptr_t)addr;
		}
		s.map = mmap(want, (size_t)len, PROT_READ | PROT_WRITE, flags,
			     PT_FORKSERVER_MAP_FD, 0);
		if (s.map == MAP_FAILED || (want && s.map != want)) {
			rc = s.map == MAP_FAILED ? -errno : -EEXIST;
			snprintf(err, sizeof(err),
				 "mapping the %s at %#" PRIx64 ": %s",
				 s.kind == PT_FORKSERVER_POOL ? "control block"
							      : "results",
				 addr, strerror(-rc));
		}
		close(PT_FORKSERVER_MAP_FD);
	}
	if (pt_forkserver_ready(sock, rc, err) != 0 || rc != 0) {
		if (s.state && s.job.wl->teardown)
			s.job.wl->teardown(s.state);
		return 1;
	}
	rc = pt_forkserver_serve(sock, child, &s);
	if (s.job.wl && s.job.wl->teardown)
		s.job.wl->teardown(s.state);
	return rc ? 1 : 0;
}
