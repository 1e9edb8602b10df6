/*
 * The payload transport (transport.h says what it is for): direct pointers
 * for threads, shared-memory slots or pipes for processes, and the mover
 * thread that serves the workers while a job runs.
 *
 * The design is simple: the caller and the mover meet on four words in
 * private memory. posted is the caller's job generation, published after
 * the job fields; ended is set to that generation once the executor's map()
 * returned, after map_rc; finished is set by the mover once it is idle
 * again, after its own outcome; shutdown ends the mover. The caller kicks
 * the mover after writing posted or ended: it rings the shared mover bell
 * (shm) or writes an eventfd (pipe), which is what the mover waits on
 * anyway, and it sleeps on done_bell for finished. Invariant: the mover
 * touches a channel only between posted and finished, the caller (reset
 * after a failed job) only outside.
 *
 * A worker's side of a channel runs in the worker process, on that
 * process's copy of struct pt_transport; only the channels (the shared
 * mapping, the pipes) connect it to the parent.
 */
#include "transport.h"

#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

enum transport_mode { MODE_DIRECT, MODE_SHM, MODE_PIPE };

/*
 * A worker's output buffer starts this far past a page boundary relative to
 * its input: streams that share their page offset thrash the L1 way
 * predictor of some CPUs (AMD), which would charge the transport for a
 * layout accident.
 */
#define TRANSPORT_SKEW (33u * 64u)

/* ---- shared memory ------------------------------------------------------ */

/* A slot's state: who owns its buffers now. */
enum shm_state {
	SHM_IDLE,	  /* nobody: the worker may post a request */
	SHM_REQUEST,	  /* the worker wants the input of task */
	SHM_INPUT_READY,  /* the input is in the slot: the worker runs */
	SHM_OUTPUT_READY, /* the output is in the slot: the mover copies */
};

struct shm_slot {
	/* seq_cst stores; the one who moves it on reads task and the
	 * buffers after its acquire load. */
	alignas(PT_CACHE_LINE) _Atomic uint32_t state;
	uint64_t task;		    /* written by the worker before REQUEST */
	struct pt_bell worker_bell; /* rung by the mover */
};

struct shm_header {
	alignas(PT_CACHE_LINE) struct pt_bell mover_bell; /* rung by workers */
	struct shm_slot slots[];
};

/* ---- pipes -------------------------------------------------------------- */

#define MSG_REQUEST 0x51525450u /* "PTRQ": worker wants task's input */
#define MSG_INPUT   0x4e495450u /* "PTIN": length bytes of input follow */
#define MSG_OUTPUT  0x554f5450u /* "PTOU": length bytes of output follow */

struct msg_header {
	uint32_t type;
	uint32_t slot;
	uint64_t task;
	uint64_t length;
};

/* The mover's view of one slot's pair of pipes. */
struct pipe_slot {
	int up[2];   /* worker -> parent; up[0] is non-blocking */
	int down[2]; /* parent -> worker; down[1] is non-blocking */

	/* Receiving on up[0]: a header, then (output) its body. */
	struct msg_header rx;
	size_t rx_got;	  /* header bytes so far */
	uint8_t *rx_dest; /* body destination, or NULL while in a header */
	size_t rx_left;	  /* body bytes still to read */

	/* Sending on down[1]: the header, then input(task). */
	struct msg_header tx;
	size_t tx_sent;	 /* of sizeof(tx) + tx_length */
	size_t tx_total; /* 0: nothing to send */
	const uint8_t *tx_data;
};

/* ---- the transport ------------------------------------------------------ */

struct pt_transport {
	enum transport_mode mode;
	struct pt_payload payload;
	unsigned slots;
	char error[256];

	/* shm */
	struct shm_header *shm;
	size_t shm_size;
	size_t out_offset; /* of a slot's output from its input */
	size_t stride;	   /* bytes of one slot's pair of buffers */
	uint8_t *shm_data;

	/* pipe */
	struct pipe_slot *pipes;
	struct pollfd *pfds; /* kick_fd, then per slot up[0], down[1] */
	int kick_fd;	     /* eventfd the caller writes to wake the mover */

	/* A pipe worker's private buffers, mapped in the worker on first use
	 * (each process has its own copy of these fields). */
	uint8_t *worker_buf;

	/* process-spawn: the shm mapping's memfd (else -1), and what the
	 * executor hands each child (pt_transport_spawn_channels). */
	int shm_fd;
	int *channel_fds;
	struct ex_spawn_channels channels;
	char attach[EX_SPAWN_MAX_ATTACH + 1];

	/* The mover and its handshake with the caller. */
	pthread_t mover;
	bool mover_running;
	struct pt_bell done_bell;
	_Atomic uint32_t posted, ended, finished, shutdown;
	_Atomic int map_rc;
	uint64_t ntasks;  /* written before posted */
	uint64_t outputs; /* the mover's count of outputs delivered */
	int mover_rc;	  /* written before finished */
	char mover_error[200];
};

static const char *const transport_names[] = {
    [PT_TRANSPORT_SHM] = "shm",
    [PT_TRANSPORT_PIPE] = "pipe",
};

const char *pt_transport_name(enum pt_transport_kind kind)
{
	if ((size_t)kind >= sizeof(transport_names) / sizeof(*transport_names))
		return "unknown";
	return transport_names[kind];
}

int pt_transport_parse(const char *text, enum pt_transport_kind *out)
{
	for (size_t k = 0;
	     text && k < sizeof(transport_names) / sizeof(*transport_names);
	     k++) {
		if (strcmp(text, transport_names[k]) == 0) {
			*out = (enum pt_transport_kind)k;
			return 0;
		}
	}
	return -EINVAL;
}

bool pt_transport_moves(const struct pt_transport *t)
{
	return t->mode != MODE_DIRECT;
}

const char *pt_transport_error(const struct pt_transport *t)
{
	return t->error;
}

/* A broken invariant of this file's own protocol: not a user error. */
static _Noreturn void transport_broken(const char *what, uint64_t task)
{
	fprintf(stderr, "bench: transport: %s (task %llu)\n", what,
		(unsigned long long)task);
	abort();
}

/* ---- worker side: runs in the worker process ---------------------------- */

/* The worker cannot go on: its pipe broke (the parent is gone) or it could
 * not map its buffers. The executor reports the exit status. */
static _Noreturn void worker_give_up(void)
{
	_exit(PT_TRANSPORT_WORKER_EXIT);
}

static uint8_t *shm_in(const struct pt_transport *t, unsigned slot)
{
	return t->shm_data + (size_t)slot * t->stride;
}

static uint8_t *shm_out(const struct pt_transport *t, unsigned slot)
{
	return shm_in(t, slot) + t->out_offset;
}

static void shm_await(struct shm_slot *s, uint32_t want)
{
	for (;;) {
		uint32_t seen = pt_bell_read(&s->worker_bell);

		if (atomic_load(&s->state) == want)
			return;
		pt_bell_wait(&s->worker_bell, seen);
	}
}

static uint64_t shm_task(struct pt_transport *t, uint64_t index,
			 unsigned worker)
{
	struct shm_slot *s = &t->shm->slots[worker];
	uint64_t sum;

	s->task = index;
	atomic_store(&s->state, SHM_REQUEST);
	pt_bell_ring(&t->shm->mover_bell);
	shm_await(s, SHM_INPUT_READY);
	sum = t->payload.run(t->payload.arg, index, worker, shm_in(t, worker),
			     shm_out(t, worker));
	atomic_store(&s->state, SHM_OUTPUT_READY);
	pt_bell_ring(&t->shm->mover_bell);
	/* The slot's buffers are ours again only once the output is out. */
	shm_await(s, SHM_IDLE);
	return sum;
}

static void write_all(int fd, const void *head, size_t head_len,
		      const void *body, size_t body_len)
{
	struct iovec iov[2] = {{(void *)head, head_len},
			       {(void *)body, body_len}};
	int first = 0;

	while (first < 2) {
		ssize_t n = writev(fd, iov + first, 2 - first);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			worker_give_up();
		while (first < 2 && (size_t)n >= iov[first].iov_len) {
			n -= (ssize_t)iov[first].iov_len;
			first++;
		}
		if (first < 2) {
			iov[first].iov_base = (char *)iov[first].iov_base + n;
			iov[first].iov_len -= (size_t)n;
		}
	}
}

static void read_all(int fd, void *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			worker_give_up();
		buf = (char *)buf + n;
		len -= (size_t)n;
	}
}

static uint64_t pipe_task(struct pt_transport *t, uint64_t index,
			  unsigned worker)
{
	const struct pipe_slot *p = &t->pipes[worker];
	size_t bytes = t->payload.bytes;
	struct msg_header msg = {
	    .type = MSG_REQUEST, .slot = worker, .task = index};
	uint8_t empty[8];
	uint8_t *in = empty, *out = empty;
	uint64_t sum;

	if (bytes > 0) {
		/* One input and one output buffer per worker process, kept
		 * for its life (process-per-task: for its one task). */
		if (!t->worker_buf) {
			void *map = mmap(NULL, t->out_offset + bytes,
					 PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (map == MAP_FAILED)
				worker_give_up();
			t->worker_buf = map;
		}
		in = t->worker_buf;
		out = t->worker_buf + t->out_offset;
	}
	write_all(p->up[1], &msg, sizeof(msg), NULL, 0);
	read_all(p->down[0], &msg, sizeof(msg));
	if (msg.type != MSG_INPUT || msg.task != index || msg.length != bytes)
		transport_broken("worker got a malformed input message", index);
	read_all(p->down[0], in, bytes);
	sum = t->payload.run(t->payload.arg, index, worker, in, out);
	msg = (struct msg_header){
	    .type = MSG_OUTPUT, .slot = worker, .task = index, .length = bytes};
	write_all(p->up[1], &msg, sizeof(msg), out, bytes);
	return sum;
}

/* The task function every executor runs: ex_job.fn with arg = t. */
static uint64_t transport_task(void *arg, uint64_t index, unsigned worker)
{
	struct pt_transport *t = arg;

	switch (t->mode) {
	case MODE_SHM:
		return shm_task(t, index, worker);
	case MODE_PIPE:
		return pipe_task(t, index, worker);
	case MODE_DIRECT:
		break;
	}
	return t->payload.run(t->payload.arg, index, worker,
			      t->payload.input(t->payload.arg, index),
			      t->payload.output(t->payload.arg, index));
}

uint64_t pt_transport_task(struct pt_transport *t, uint64_t index,
			   unsigned worker)
{
	return transport_task(t, index, worker);
}

/* ---- mover side: a thread in the parent --------------------------------- */

static void mover_fail(struct pt_transport *t, const char *fmt,
		       unsigned long long a, unsigned long long b)
{
	if (t->mover_rc)
		return;
	t->mover_rc = -EPROTO;
	snprintf(t->mover_error, sizeof(t->mover_error), fmt, a, b);
}

/* Moves every slot that asks for it once; true if any moved. */
static bool shm_serve_slots(struct pt_transport *t)
{
	size_t bytes = t->payload.bytes;
	bool moved = false;

	for (unsigned w = 0; w < t->slots; w++) {
		struct shm_slot *s = &t->shm->slots[w];
		uint32_t state = atomic_load(&s->state);
		uint64_t task;

		if (state != SHM_REQUEST && state != SHM_OUTPUT_READY)
			continue;
		task = s->task;
		if (task >= t->ntasks)
			transport_broken("a worker named a task outside the "
					 "job",
					 task);
		if (state == SHM_REQUEST) {
			if (bytes)
				memcpy(shm_in(t, w),
				       t->payload.input(t->payload.arg, task),
				       bytes);
			atomic_store(&s->state, SHM_INPUT_READY);
		} else {
			if (bytes)
				memcpy(t->payload.output(t->payload.arg, task),
				       shm_out(t, w), bytes);
			t->outputs++;
			atomic_store(&s->state, SHM_IDLE);
		}
		pt_bell_ring(&s->worker_bell);
		moved = true;
	}
	return moved;
}

static void shm_serve(struct pt_transport *t, uint32_t generation)
{
	for (;;) {
		uint32_t seen = pt_bell_read(&t->shm->mover_bell);

		if (shm_serve_slots(t))
			continue;
		if (atomic_load(&t->ended) == generation)
			break;
		pt_bell_wait(&t->shm->mover_bell, seen);
	}
}

/* Sets up the message that streams task's input down to slot w. */
static void pipe_start_input(struct pt_transport *t, unsigned w, uint64_t task)
{
	struct pipe_slot *p = &t->pipes[w];

	if (p->tx_total != 0)
		transport_broken("a worker asked for two inputs at once", task);
	p->tx = (struct msg_header){.type = MSG_INPUT,
				    .slot = w,
				    .task = task,
				    .length = t->payload.bytes};
	p->tx_data = t->payload.input(t->payload.arg, task);
	p->tx_sent = 0;
	p->tx_total = sizeof(p->tx) + t->payload.bytes;
}

/* Acts on a complete header received from slot w. */
static void pipe_header(struct pt_transport *t, unsigned w)
{
	struct pipe_slot *p = &t->pipes[w];

	p->rx_got = 0;
	if (p->rx.task >= t->ntasks || p->rx.slot != w)
		transport_broken("a worker named a task outside the job",
				 p->rx.task);
	if (p->rx.type == MSG_REQUEST && p->rx.length == 0) {
		pipe_start_input(t, w, p->rx.task);
		return;
	}
	if (p->rx.type != MSG_OUTPUT || p->rx.length != t->payload.bytes)
		transport_broken("a worker sent a malformed message",
				 p->rx.task);
	p->rx_dest = t->payload.output(t->payload.arg, p->rx.task);
	p->rx_left = t->payload.bytes;
	if (p->rx_left == 0) {
		p->rx_dest = NULL;
		t->outputs++;
	}
}

/* Reads what slot w's up pipe holds now; true if it read anything. */
static bool pipe_receive(struct pt_transport *t, unsigned w)
{
	struct pipe_slot *p = &t->pipes[w];
	bool moved = false;

	for (;;) {
		ssize_t n;

		if (p->rx_dest)
			n = read(p->up[0], p->rx_dest, p->rx_left);
		else
			n = read(p->up[0], (uint8_t *)&p->rx + p->rx_got,
				 sizeof(p->rx) - p->rx_got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EAGAIN: drained for now */
		moved = true;
		if (p->rx_dest) {
			p->rx_dest += n;
			p->rx_left -= (size_t)n;
			if (p->rx_left == 0) {
				p->rx_dest = NULL;
				t->outputs++;
			}
		} else {
			p->rx_got += (size_t)n;
			if (p->rx_got == sizeof(p->rx))
				pipe_header(t, w);
		}
	}
	return moved;
}

/* Writes as much of slot w's pending input as its pipe takes now. */
static void pipe_send(struct pt_transport *t, unsigned w)
{
	struct pipe_slot *p = &t->pipes[w];

	while (p->tx_total > p->tx_sent) {
		struct iovec iov[2];
		int n = 0;
		ssize_t sent;

		if (p->tx_sent < sizeof(p->tx))
			iov[n++] =
			    (struct iovec){(uint8_t *)&p->tx + p->tx_sent,
					   sizeof(p->tx) - p->tx_sent};
		if (p->tx.length > 0) {
			size_t done = p->tx_sent > sizeof(p->tx)
					  ? p->tx_sent - sizeof(p->tx)
					  : 0;

			iov[n++] = (struct iovec){(void *)(p->tx_data + done),
						  p->tx.length - done};
		}
		sent = writev(p->down[1], iov, n);
		if (sent < 0 && errno == EINTR)
			continue;
		if (sent <= 0)
			return; /* EAGAIN: the pipe is full */
		p->tx_sent += (size_t)sent;
	}
	p->tx_total = 0;
}

static void drain_kick(struct pt_transport *t)
{
	uint64_t count;

	while (read(t->kick_fd, &count, sizeof(count)) < 0 && errno == EINTR)
		;
}

static void pipe_serve(struct pt_transport *t, uint32_t generation)
{
	for (;;) {
		bool ended = atomic_load(&t->ended) == generation;
		int ready;

		if (ended &&
		    (atomic_load(&t->map_rc) != 0 || t->outputs == t->ntasks))
			break;
		for (unsigned w = 0; w < t->slots; w++) {
			const struct pipe_slot *p = &t->pipes[w];

			t->pfds[2 + 2 * w].fd = p->tx_total ? p->down[1] : -1;
		}
		/* Once the job ended well every output was written: what is
		 * missing must already be in the pipes. */
		ready = poll(t->pfds, 1 + 2 * (nfds_t)t->slots, ended ? 0 : -1);
		if (ready < 0)
			continue; /* EINTR */
		if (ready == 0) {
			mover_fail(t, "%llu of %llu outputs arrived",
				   t->outputs, t->ntasks);
			break;
		}
		if (t->pfds[0].revents)
			drain_kick(t);
		for (unsigned w = 0; w < t->slots; w++) {
			if (t->pfds[1 + 2 * w].revents)
				pipe_receive(t, w);
			if (t->pfds[2 + 2 * w].fd >= 0 &&
			    t->pfds[2 + 2 * w].revents)
				pipe_send(t, w);
		}
	}
}

/* Wakes the mover, wherever it waits. */
static void mover_kick(struct pt_transport *t)
{
	uint64_t one = 1;

	if (t->mode == MODE_SHM) {
		pt_bell_ring(&t->shm->mover_bell);
		return;
	}
	while (write(t->kick_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

/* Waits for a job after generation, or shutdown. */
static void mover_idle(struct pt_transport *t, uint32_t generation)
{
	for (;;) {
		uint32_t seen =
		    t->mode == MODE_SHM ? pt_bell_read(&t->shm->mover_bell) : 0;

		if (atomic_load(&t->posted) != generation ||
		    atomic_load(&t->shutdown))
			return;
		if (t->mode == MODE_SHM) {
			pt_bell_wait(&t->shm->mover_bell, seen);
		} else {
			struct pollfd kick = {.fd = t->kick_fd,
					      .events = POLLIN};

			if (poll(&kick, 1, -1) > 0)
				drain_kick(t);
		}
	}
}

static void *mover_main(void *arg)
{
	struct pt_transport *t = arg;
	uint32_t generation = 0;

	for (;;) {
		mover_idle(t, generation);
		if (atomic_load(&t->shutdown))
			break;
		generation = atomic_load(&t->posted);
		t->outputs = 0;
		t->mover_rc = 0;
		if (t->mode == MODE_SHM)
			shm_serve(t, generation);
		else
			pipe_serve(t, generation);
		if (atomic_load(&t->map_rc) == 0 && !t->mover_rc &&
		    t->outputs != t->ntasks)
			mover_fail(t, "%llu of %llu outputs arrived",
				   t->outputs, t->ntasks);
		atomic_store(&t->finished, generation);
		pt_bell_ring(&t->done_bell);
	}
	return NULL;
}

/*
 * After a failed job, while no worker runs a task: forgets half-done
 * transfers (a dead worker's request, a partial message in a pipe).
 */
static void transport_reset(struct pt_transport *t)
{
	uint8_t scratch[4096];

	for (unsigned w = 0; w < t->slots; w++) {
		if (t->mode == MODE_SHM) {
			atomic_store(&t->shm->slots[w].state, SHM_IDLE);
			continue;
		}
		struct pipe_slot *p = &t->pipes[w];
		struct pollfd down = {.fd = p->down[0], .events = POLLIN};

		while (read(p->up[0], scratch, sizeof(scratch)) > 0)
			;
		/* down[0] is the workers' blocking end: read only what
		 * poll says is there. */
		while (poll(&down, 1, 0) > 0 &&
		       read(p->down[0], scratch, sizeof(scratch)) > 0)
			;
		p->rx_got = 0;
		p->rx_dest = NULL;
		p->tx_total = 0;
	}
}

int pt_transport_map(struct pt_transport *t, struct executor *ex,
		     uint64_t ntasks, uint64_t *results)
{
	const struct ex_job job = {.fn = transport_task,
				   .arg = t,
				   .ntasks = ntasks,
				   .results = results};
	uint32_t generation;
	int rc;

	t->error[0] = '\0';
	if (t->mode == MODE_DIRECT) {
		rc = ex->ops->map(ex, &job);
		if (rc)
			snprintf(t->error, sizeof(t->error), "%s",
				 ex_error(ex));
		return rc;
	}
	if (!t->mover_running) {
		snprintf(t->error, sizeof(t->error),
			 "transport: map before begin");
		return -EINVAL;
	}
	t->ntasks = ntasks;
	generation = atomic_load(&t->posted) + 1;
	atomic_store(&t->posted, generation);
	mover_kick(t);

	rc = ex->ops->map(ex, &job);
	if (rc)
		snprintf(t->error, sizeof(t->error), "%s", ex_error(ex));

	atomic_store(&t->map_rc, rc);
	atomic_store(&t->ended, generation);
	mover_kick(t);
	for (;;) {
		uint32_t seen = pt_bell_read(&t->done_bell);

		if (atomic_load(&t->finished) == generation)
			break;
		pt_bell_wait(&t->done_bell, seen);
	}
	if (rc == 0 && t->mover_rc) {
		rc = t->mover_rc;
		snprintf(t->error, sizeof(t->error), "transport %s: %s",
			 t->mode == MODE_SHM ? "shm" : "pipe", t->mover_error);
	}
	if (rc)
		transport_reset(t);
	return rc;
}

int pt_transport_begin(struct pt_transport *t, char *err, size_t errlen)
{
	sigset_t all, saved;
	int rc;

	if (t->mode == MODE_DIRECT || t->mover_running)
		return 0;
	/* Signals (SIGCHLD above all) go to the caller's thread, not here. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	rc = -pthread_create(&t->mover, NULL, mover_main, t);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (rc) {
		snprintf(err, errlen, "transport: starting the mover: %s",
			 strerror(-rc));
		return rc;
	}
	pthread_setname_np(t->mover, "pt-mover");
	t->mover_running = true;
	return 0;
}

void pt_transport_end(struct pt_transport *t)
{
	if (!t || !t->mover_running)
		return;
	atomic_store(&t->shutdown, 1);
	mover_kick(t);
	pthread_join(t->mover, NULL);
	t->mover_running = false;
}

void pt_transport_destroy(struct pt_transport *t)
{
	if (!t)
		return;
	pt_transport_end(t);
	if (t->shm)
		munmap(t->shm, t->shm_size);
	for (unsigned w = 0; t->pipes && w < t->slots; w++) {
		for (int e = 0; e < 2; e++) {
			if (t->pipes[w].up[e] >= 0)
				close(t->pipes[w].up[e]);
			if (t->pipes[w].down[e] >= 0)
				close(t->pipes[w].down[e]);
		}
	}
	if (t->kick_fd >= 0)
		close(t->kick_fd);
	if (t->shm_fd >= 0)
		close(t->shm_fd);
	free(t->channel_fds);
	free(t->pipes);
	free(t->pfds);
	free(t);
}

static size_t page_round(size_t bytes)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (bytes + page - 1) / page * page;
}

static size_t shm_header_size(unsigned slots)
{
	return page_round(sizeof(struct shm_header) +
			  (size_t)slots * sizeof(struct shm_slot));
}

/*
 * Checks t->slots and t->payload.bytes against the limits and derives the
 * layout from them alone, so a spawned worker that attaches finds every
 * buffer where the parent put it.
 */
static int transport_shape(struct pt_transport *t, char *err, size_t errlen)
{
	uint64_t channel_bytes;

	if (t->slots == 0) {
		snprintf(err, errlen, "transport: no worker slots");
		return -EINVAL;
	}
	if (__builtin_mul_overflow((uint64_t)t->payload.bytes,
				   2 * (uint64_t)t->slots, &channel_bytes) ||
	    channel_bytes > PT_TRANSPORT_MAX_BYTES) {
		snprintf(err, errlen,
			 "transport %s: %u workers x 2 x %zu bytes exceed "
			 "the limit of %llu GiB of channel buffers",
			 t->mode == MODE_PIPE ? "pipe" : "shm", t->slots,
			 t->payload.bytes,
			 (unsigned long long)(PT_TRANSPORT_MAX_BYTES >> 30));
		return -E2BIG;
	}
	t->out_offset = page_round(t->payload.bytes) + TRANSPORT_SKEW;
	t->stride = page_round(t->out_offset + t->payload.bytes);
	t->shm_size = shm_header_size(t->slots) + t->stride * t->slots;
	return 0;
}

/* Maps the shm channels: of fd (a memfd) when fd >= 0, else anonymous. */
static int shm_map(struct pt_transport *t, int fd, char *err, size_t errlen)
{
	void *map =
	    mmap(NULL, t->shm_size, PROT_READ | PROT_WRITE,
		 fd >= 0 ? MAP_SHARED : MAP_SHARED | MAP_ANONYMOUS, fd, 0);

	if (map == MAP_FAILED) {
		int rc = -errno;

		snprintf(err, errlen, "transport shm: mapping %zu bytes: %s",
			 t->shm_size, strerror(-rc));
		return rc;
	}
	t->shm = map;
	t->shm_data = (uint8_t *)map + shm_header_size(t->slots);
	return 0;
}

static int shm_create(struct pt_transport *t, const struct ex_config *config,
		      bool spawned, char *err, size_t errlen)
{
	int rc;

	/* Forked workers inherit an anonymous mapping; spawned ones map the
	 * memfd they are handed. */
	if (spawned) {
		t->shm_fd = memfd_create("pt-transport", MFD_CLOEXEC);
		if (t->shm_fd < 0 || ftruncate(t->shm_fd, (off_t)t->shm_size)) {
			rc = -errno;
			snprintf(err, errlen,
				 "transport shm: a memfd of %zu bytes: %s",
				 t->shm_size, strerror(-rc));
			return rc;
		}
	}
	rc = shm_map(t, t->shm_fd, err, errlen);
	if (rc)
		return rc;
	/* Workers, the mover and the waiting caller may all spin. */
	pt_bell_init(&t->shm->mover_bell, config->wait, t->slots + 2, true);
	for (unsigned w = 0; w < t->slots; w++) {
		atomic_init(&t->shm->slots[w].state, SHM_IDLE);
		pt_bell_init(&t->shm->slots[w].worker_bell, config->wait,
			     t->slots + 2, true);
	}
	return 0;
}

static int pipe_create(struct pt_transport *t, char *err, size_t errlen)
{
	int rc = 0;

	t->pipes = calloc(t->slots, sizeof(*t->pipes));
	t->pfds = calloc(1 + 2 * (size_t)t->slots, sizeof(*t->pfds));
	if (!t->pipes || !t->pfds) {
		snprintf(err, errlen, "transport pipe: out of memory");
		return -ENOMEM;
	}
	for (unsigned w = 0; w < t->slots; w++) {
		struct pipe_slot *p = &t->pipes[w];

		p->up[0] = p->up[1] = p->down[0] = p->down[1] = -1;
	}
	t->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->kick_fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "transport pipe: eventfd: %s",
			 strerror(-rc));
		return rc;
	}
	t->pfds[0] = (struct pollfd){.fd = t->kick_fd, .events = POLLIN};
	for (unsigned w = 0; w < t->slots; w++) {
		struct pipe_slot *p = &t->pipes[w];

		if (pipe2(p->up, O_CLOEXEC) || pipe2(p->down, O_CLOEXEC) ||
		    fcntl(p->up[0], F_SETFL, O_NONBLOCK) ||
		    fcntl(p->down[1], F_SETFL, O_NONBLOCK)) {
			char why[128];

			rc = -errno;
			pt_describe_spawn_error(rc, why, sizeof(why));
			snprintf(err, errlen,
				 "transport pipe: pipes of worker %u: %s", w,
				 why);
			return rc;
		}
		t->pfds[1 + 2 * w] =
		    (struct pollfd){.fd = p->up[0], .events = POLLIN};
		t->pfds[2 + 2 * w] =
		    (struct pollfd){.fd = -1, .events = POLLOUT};
	}
	return 0;
}

/* What process-spawn hands each child: see pt_transport_spawn_channels. */
static int spawn_channels_create(struct pt_transport *t, char *err,
				 size_t errlen)
{
	unsigned per_slot = t->mode == MODE_SHM ? 1 : 2;

	t->channel_fds = calloc((size_t)t->slots * per_slot, sizeof(int));
	if (!t->channel_fds) {
		snprintf(err, errlen, "transport: out of memory");
		return -ENOMEM;
	}
	for (unsigned w = 0; w < t->slots; w++) {
		int *fds = t->channel_fds + (size_t)w * per_slot;

		if (t->mode == MODE_SHM) {
			fds[0] = t->shm_fd;
		} else {
			fds[0] = t->pipes[w].up[1];
			fds[1] = t->pipes[w].down[0];
		}
	}
	snprintf(t->attach, sizeof(t->attach), "%s:%u:%zu",
		 t->mode == MODE_SHM ? "shm" : "pipe", t->slots,
		 t->payload.bytes);
	t->channels = (struct ex_spawn_channels){
	    .attach = t->attach, .per_slot = per_slot, .fds = t->channel_fds};
	return 0;
}

const struct ex_spawn_channels *pt_transport_spawn_channels(
    const struct pt_transport *t)
{
	return t && t->channel_fds ? &t->channels : NULL;
}

/* A whole decimal number of at most max, then stop; or -EINVAL. */
static int attach_number(const char **text, char stop, uint64_t max,
			 uint64_t *out)
{
	char *end;

	if (**text < '0' || **text > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(*text, &end, 10);
	if (errno || *end != stop || *out > max)
		return -EINVAL;
	*text = end + (stop != '\0');
	return 0;
}

/* A transport with no channel yet: nothing open, nothing mapped. */
static struct pt_transport *transport_new(const struct pt_payload *payload,
					  char *err, size_t errlen)
{
	struct pt_transport *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(err, errlen, "transport: out of memory");
		return NULL;
	}
	t->payload = *payload;
	t->kick_fd = t->shm_fd = -1;
	return t;
}

int pt_transport_attach(const char *channel, unsigned worker,
			const struct pt_payload *payload,
			struct pt_transport **out, char *err, size_t errlen)
{
	struct pt_transport *t = transport_new(payload, err, errlen);
	const char *text = channel;
	uint64_t slots, bytes;
	struct stat st;
	int rc = 0;

	*out = NULL;
	if (!t) {
		rc = -ENOMEM;
		goto out;
	}
	if (strncmp(text, "shm:", 4) == 0) {
		t->mode = MODE_SHM;
		text += 4;
	} else if (strncmp(text, "pipe:", 5) == 0) {
		t->mode = MODE_PIPE;
		text += 5;
	}
	if (t->mode == MODE_DIRECT ||
	    attach_number(&text, ':', UINT32_MAX, &slots) ||
	    attach_number(&text, '\0', SIZE_MAX, &bytes) || worker >= slots) {
		snprintf(err, errlen,
			 "transport: bad channel '%s' for worker %u "
			 "(expected shm|pipe:SLOTS:BYTES)",
			 channel, worker);
		rc = -EINVAL;
		goto out;
	}
	if (bytes != payload->bytes) {
		snprintf(err, errlen,
			 "transport: the channel moves %llu bytes a task, "
			 "the job %zu",
			 (unsigned long long)bytes, payload->bytes);
		rc = -EINVAL;
		goto out;
	}
	t->slots = (unsigned)slots;
	rc = transport_shape(t, err, errlen);
	if (rc)
		goto out;
	if (t->mode == MODE_SHM) {
		/* The mapping must be the parent's, whole: one layout. */
		if (fstat(EX_SPAWN_CHANNEL_FD, &st) || !S_ISREG(st.st_mode) ||
		    (size_t)st.st_size != t->shm_size) {
			snprintf(err, errlen,
				 "transport shm: descriptor %d is not a "
				 "channel of %zu bytes",
				 EX_SPAWN_CHANNEL_FD, t->shm_size);
			rc = -EBADF;
			goto out;
		}
		rc = shm_map(t, EX_SPAWN_CHANNEL_FD, err, errlen);
		close(EX_SPAWN_CHANNEL_FD); /* the mapping stays */
		goto out;
	}
	t->pipes = calloc(t->slots, sizeof(*t->pipes));
	if (!t->pipes) {
		snprintf(err, errlen, "transport: out of memory");
		rc = -ENOMEM;
		goto out;
	}
	for (unsigned w = 0; w < t->slots; w++)
		t->pipes[w].up[0] = t->pipes[w].up[1] = t->pipes[w].down[0] =
		    t->pipes[w].down[1] = -1;
	for (int k = 0; k < 2; k++) {
		int fd = EX_SPAWN_CHANNEL_FD + k;

		if (fstat(fd, &st) || !S_ISFIFO(st.st_mode)) {
			snprintf(err, errlen,
				 "transport pipe: descriptor %d is not a pipe",
				 fd);
			rc = -EBADF;
			goto out;
		}
	}
	t->pipes[worker].up[1] = EX_SPAWN_CHANNEL_FD;
	t->pipes[worker].down[0] = EX_SPAWN_CHANNEL_FD + 1;
out:
	if (rc) {
		pt_transport_destroy(t);
		t = NULL;
	}
	*out = t;
	return rc;
}

int pt_transport_create(enum pt_transport_kind kind,
			const struct executor_ops *ops,
			const struct ex_config *config,
			const struct pt_payload *payload,
			struct pt_transport **out, char *err, size_t errlen)
{
	struct pt_transport *t = transport_new(payload, err, errlen);
	int rc = 0;

	*out = NULL;
	if (!t) {
		rc = -ENOMEM;
		goto out;
	}
	t->slots = ops->uses_workers ? config->workers : 1;
	t->mode = !ops->processes	      ? MODE_DIRECT
		  : kind == PT_TRANSPORT_PIPE ? MODE_PIPE
					      : MODE_SHM;
	pt_bell_init(&t->done_bell, config->wait, 2, false);
	if (t->mode == MODE_DIRECT)
		goto out;
	/* The channels reach workers by fork (process-pool, -per-task) or
	 * are handed to spawned ones (process-spawn, runs_spec): an executor
	 * whose workers are made otherwise has no way to them. */
	if (ops != &ex_process_pool && ops != &ex_process_per_task &&
	    !ex_runs_spec(ops, config)) {
		snprintf(err, errlen,
			 "transport: %s workers can neither inherit the "
			 "channels (fork) nor be handed them (spawn)",
			 ops->name);
		rc = -ENOTSUP;
		goto out;
	}
	rc = transport_shape(t, err, errlen);
	if (rc)
		goto out;
	if (t->mode == MODE_SHM)
		rc = shm_create(t, config, ex_runs_spec(ops, config), err,
				errlen);
	else
		rc = pipe_create(t, err, errlen);
	if (rc == 0 && ex_runs_spec(ops, config))
		rc = spawn_channels_create(t, err, errlen);
out:
	if (rc) {
		pt_transport_destroy(t);
		t = NULL;
	}
	*out = t;
	return rc;
}
