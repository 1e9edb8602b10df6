/*
 * The fork server behind --start=forkserver (Python's multiprocessing
 * forkserver start method), internal to runners/.
 *
 * The design is simple: at start() a process executor (process-pool,
 * process-per-task) posix_spawns the small server program
 * (procthread-forkserver, bench/driver/forkserver_main.c), which links the
 * workloads and libc but none of bench's libraries, and never had the
 * caller's heap or the workload's memory. The server rebuilds the job from
 * its text description (ex_config.spawn_spec, as a process-spawn child
 * does), sets the workload up once (the "preload" of Python's forkserver:
 * what its children inherit), maps the one shared mapping the executor
 * hands it (a memfd: process-per-task's results array, or the process
 * pool's control block, at the caller's own address so that its pointers
 * hold), says it is ready, and then serves requests on a unix socket.
 *
 * A request names a worker slot, a task and a CPU, and carries the slot's
 * payload channel descriptors (SCM_RIGHTS). The server forks the child with
 * clone(CLONE_PARENT): the child is a child of the executor's process, not
 * of the server, so the executor waits for it with a pidfd, reaps it by
 * its pid, gets SIGCHLD for it and kills it past the task timeout exactly
 * as it does a forked child, and the failure policies work unchanged. The
 * server replies with the pid. The child closes the socket, dies with the
 * executor's process (PR_SET_PDEATHSIG), pins itself, and runs its task
 * (writing the checksum into the results array) or the pool's worker loop
 * on the shared control block, with its own copy of the workload.
 *
 * Both sides block on the socket for the other's message. (Polling it for
 * a while first, as the pools spin before they sleep, was measured: on
 * this project's 2-CPU machine under load it made a task 1.7 times
 * dearer, since the spinners took the CPU the child needed.)
 *
 * The server dies with the executor's process (PR_SET_PDEATHSIG), and exits
 * when the socket is closed: pt_forkserver_close() closes it and reaps the
 * server (SIGKILL after a second). Verification stays exact: the server's
 * parameters are the caller's bit for bit (the spec's round trip is exact),
 * so every checksum the caller verifies came from a task that ran.
 *
 * Invariant: the server has no child of its own (except what the workload's
 * setup makes, io-net's echo server); every process it forks belongs to the
 * executor's process, which reaps it.
 */
#ifndef PT_FORKSERVER_H
#define PT_FORKSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "executor.h"

/*
 * The server program's name, looked up beside /proc/self/exe. It links no
 * CPython (a process with libpython forks about 1.5 times slower); the
 * py-* workloads' server is the same name with PT_FORKSERVER_PY_SUFFIX.
 */
#define PT_FORKSERVER_PROGRAM	"procthread-forkserver"
#define PT_FORKSERVER_PY_SUFFIX "-py"

/* Descriptors of the server: its socket, and the shared mapping's memfd. */
#define PT_FORKSERVER_SOCKET_FD 3
#define PT_FORKSERVER_MAP_FD	6

/* What the server's children are. */
enum pt_forkserver_kind {
	PT_FORKSERVER_TASK, /* one task, checksum into the results array */
	PT_FORKSERVER_POOL, /* a pool worker on the control block */
};

/* One request on the socket (with 0..2 descriptors attached). */
struct pt_forkserver_request {
	uint64_t task;
	uint32_t slot;
	int32_t cpu; /* -1: do not pin */
};

struct pt_forkserver;

/*
 * Starts the server for config (spawn_spec, spawn_channels,
 * forkserver_path) and waits until it is ready. map_fd is the memfd of the
 * shared mapping, which the caller has mapped at map_addr (map_len bytes);
 * the server maps it at the same address for PT_FORKSERVER_POOL. who names
 * the executor in messages. Returns 0 and *out, or a negative errno code
 * and a one-line reason in err.
 */
int pt_forkserver_open(const struct ex_config *config, const char *who,
		       enum pt_forkserver_kind kind, int map_fd, void *map_addr,
		       size_t map_len, struct pt_forkserver **out, char *err,
		       size_t errlen);

/*
 * Forks the child of task in slot through the server; returns its pid (a
 * child of the calling process), or a negative errno code and why in err
 * (-EAGAIN stays -EAGAIN: fork hit a limit).
 */
pid_t pt_forkserver_fork(struct pt_forkserver *fs, unsigned slot, uint64_t task,
			 char *err, size_t errlen);

/* Closes the socket and reaps the server; NULL is fine. */
void pt_forkserver_close(struct pt_forkserver *fs);

/*
 * A shared mapping of len bytes: a memfd's (*fd set, close-on-exec) for
 * the forkserver, else anonymous (*fd -1). Returns 0 or a negative errno.
 */
int pt_shared_map(bool memfd, size_t len, void **addr, int *fd);

/*
 * The server's side, in the server program. serve() answers requests on
 * sock until it is closed (returns 0) or breaks (a negative errno code):
 * for each it forks with CLONE_PARENT, and the child, with the request's
 * descriptors moved to EX_SPAWN_CHANNEL_FD on and the socket closed,
 * calls child(ctx, req), which must not return.
 */
typedef void (*pt_forkserver_child_fn)(void *ctx,
				       const struct pt_forkserver_request *req,
				       unsigned nfds);

int pt_forkserver_serve(int sock, pt_forkserver_child_fn child, void *ctx);

/* The server's first message: 0 and "", or a negative errno and why. */
int pt_forkserver_ready(int sock, int status, const char *why);

#endif
