/*
 * The payload transport: how a task's input reaches its worker and its
 * result comes back, for workloads that move bytes (ipc-payload).
 *
 * The design is simple: the transport wraps a job's task function. Under
 * thread executors and serial it passes the parent's pointers (no copy: the
 * point of threads). Under process executors it owns one channel per worker
 * slot, made before the executor starts so forked workers inherit them, and
 * one mover thread in the parent, started after the executor (workers are
 * forked before any thread exists) and stopped before it. During map() the
 * mover serves the workers concurrently, as the task and result handler
 * threads of Python's multiprocessing.Pool do:
 *
 * - shm (the default): each slot has an input and an output buffer in one
 *   MAP_SHARED mapping. A worker posts "task i" in its slot and rings the
 *   mover; the mover copies input i into the slot and rings the worker,
 *   which runs the kernel on the shared buffers, posts "output ready" and
 *   waits until the mover has copied the output into the parent's buffer.
 *   Rings are the dispatch core's spin-then-futex bells (core.h).
 * - pipe: each slot has a pipe to the worker and one back. A worker writes
 *   a request, reads the length-prefixed input into its private buffer,
 *   runs, and writes the length-prefixed output; the mover multiplexes
 *   every pipe with poll(), streaming inputs and reading outputs straight
 *   into the parent's buffers as bytes arrive (pipe buffers hold 64 KiB).
 *
 * Workers reach their slot's channels in one of two ways, and then run the
 * same worker-side code. Forked workers (process-pool, process-per-task)
 * inherit them. Spawned ones (process-spawn) are handed them: the transport
 * then backs the shm mapping with a memfd instead of anonymous memory, and
 * pt_transport_spawn_channels() says what the executor passes each child
 * (ex_spawn_channels: per slot the memfd, or the worker's ends of its two
 * pipes; and the text "shm:SLOTS:BYTES" or "pipe:SLOTS:BYTES"). The child
 * rebuilds its workload from the job's description, calls
 * pt_transport_attach() with that text, and runs its task through
 * pt_transport_task(): its input comes from the parent through the
 * channel, never from its own copy of the workload.
 *
 * The caller's map() is still the executor's map(): the transport posts the
 * job to the mover, calls it, then tells the mover the job ended and waits
 * until it is idle, so when pt_transport_map() returns 0 every output is in
 * the parent's memory. Invariant: the mover only ever blocks in poll() or
 * on its bell, never on one worker, so a worker that dies mid-transfer
 * costs the job (the executor reports -ECHILD) but never hangs the caller;
 * after a failed job every channel is drained and reset while no worker
 * runs a task.
 */
#ifndef PT_TRANSPORT_H
#define PT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "executor.h"

enum pt_transport_kind { PT_TRANSPORT_SHM, PT_TRANSPORT_PIPE };

/* Channel memory (input and output per slot, all slots) at most. */
#define PT_TRANSPORT_MAX_BYTES (UINT64_C(4) << 30)

/* Exit status of a process worker whose pipe to the parent broke or who
 * could not map its buffers. */
#define PT_TRANSPORT_WORKER_EXIT 125

/*
 * What moves: task i reads bytes of input(i) and writes bytes of output(i),
 * both in the caller's (parent's) memory; run() is the kernel on buffers
 * wherever they are. input() and output() are called from the mover thread
 * while the job runs, so they must be safe for distinct indices.
 */
struct pt_payload {
	void *arg;
	size_t bytes;
	const void *(*input)(void *arg, uint64_t index);
	void *(*output)(void *arg, uint64_t index);
	uint64_t (*run)(void *arg, uint64_t index, unsigned worker,
			const void *in, void *out);
};

struct pt_transport;

const char *pt_transport_name(enum pt_transport_kind kind);
int pt_transport_parse(const char *text, enum pt_transport_kind *out);

/*
 * Before ops->start(config): makes the channels (process executors) or
 * nothing (others). Process executors must fork their workers from the
 * caller (process-pool, process-per-task) or spawn them with channels
 * (runs_spec: process-spawn): others get -ENOTSUP. Returns 0 and *out, or
 * a negative errno code and a one-line reason in err.
 */
int pt_transport_create(enum pt_transport_kind kind,
			const struct executor_ops *ops,
			const struct ex_config *config,
			const struct pt_payload *payload,
			struct pt_transport **out, char *err, size_t errlen);

/*
 * For an executor that runs_spec: what to put in ex_config.spawn_channels
 * before ops->start(); NULL for every other executor. Valid until
 * pt_transport_destroy().
 */
const struct ex_spawn_channels *pt_transport_spawn_channels(
    const struct pt_transport *t);

/*
 * In a spawned worker (worker slot worker): attaches to the channel the
 * CHANNEL argument describes, whose descriptors are open from
 * EX_SPAWN_CHANNEL_FD on, for payload (only bytes and run are used: the
 * input comes through the channel). Takes over those descriptors. Returns
 * 0 and *out, or a negative errno code and a one-line reason in err.
 */
int pt_transport_attach(const char *channel, unsigned worker,
			const struct pt_payload *payload,
			struct pt_transport **out, char *err, size_t errlen);

/*
 * In a worker: task index as slot worker, through the channel, as forked
 * workers run it; returns its checksum. Exits the process with
 * PT_TRANSPORT_WORKER_EXIT if the channel broke.
 */
uint64_t pt_transport_task(struct pt_transport *t, uint64_t index,
			   unsigned worker);

/* Whether bytes really cross (process executors) or pointers are passed. */
bool pt_transport_moves(const struct pt_transport *t);

/* After the executor started: starts the mover (process executors). */
int pt_transport_begin(struct pt_transport *t, char *err, size_t errlen);

/*
 * One job of ntasks through ex (the executor the transport was made for):
 * results as ex_job. Returns 0 once every output is in the parent's
 * buffers, or a negative errno code (the executor's, or -EPROTO from the
 * transport) with pt_transport_error() saying why.
 */
int pt_transport_map(struct pt_transport *t, struct executor *ex,
		     uint64_t ntasks, uint64_t *results);
const char *pt_transport_error(const struct pt_transport *t);

/* Before the executor stops: stops and joins the mover. */
void pt_transport_end(struct pt_transport *t);

/* Ends if needed, closes every channel, frees t (NULL is fine). */
void pt_transport_destroy(struct pt_transport *t);

#endif
