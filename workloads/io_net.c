/*
 * io-net: real network I/O over loopback TCP, against an echo server.
 *
 * The design is simple: setup binds a listening socket to 127.0.0.1 on an
 * ephemeral port in the calling process (so the port is known before
 * anything else happens), then forks the echo server, a process (workers
 * are forked later, and the project forks before any thread exists), and
 * closes its own copy of the listening socket, so that only the server holds
 * it and no worker inherits it. The server is one event loop (epoll, non-
 * blocking sockets): it accepts, reads, and writes back what it read, holding
 * back further reads of a connection until its pending echo is written; like
 * a single-threaded server (redis, nginx with one worker), it is one core's
 * worth of capacity shared by all clients. It asks the kernel to kill it if
 * the process that made it dies (PR_SET_PDEATHSIG), so it cannot outlive a
 * crashed run; teardown kills and reaps it.
 *
 * Task i connects (reuse=0) or takes its worker's cached connection
 * (reuse=1), and sends `size` bytes generated from i in chunks of at most
 * NET_CHUNK bytes, reading each chunk's echo back before sending the next
 * (so neither side ever blocks on a full buffer), compares the echo with what
 * it sent, and returns a hash of it. TCP_NODELAY on both sides, so Nagle's
 * algorithm never holds back a chunk's tail. A connection belongs to the
 * process that opened it: a forked child inherits the parent's cache but must
 * not talk on its sockets, so a cache entry is keyed by worker slot and pid
 * and an entry of another pid is dropped (its fd closed in this process
 * only) and reopened lazily. Worker slots beyond NET_CACHE_SLOTS do not cache.
 *
 * Bounded: SO_SNDTIMEO and SO_RCVTIMEO (`timeout`) bound connect, every send
 * and every receive, so a task never hangs on a dead server. A task that
 * fails returns wl_task_error() with the step and errno (workload.h), so
 * the user reads "socket: Too many open files", not a wrong checksum.
 *
 * Invariant: the checksum depends on i and `size` only. After teardown no
 * listening socket and no server process is left.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wl_kernels.h"

enum { P_SIZE, P_REUSE, P_TIMEOUT };

static const struct wl_param io_net_params[] = {
    [P_SIZE] = {.name = "size",
		.help = "bytes each task sends and reads back",
		.unit = WL_UNIT_BYTES,
		.def = 4096,
		.min = 0,
		.max = 1024.0 * 1024 * 1024,
		.integer = true},
    [P_REUSE] = {.name = "reuse",
		 .help = "0: connect per task; 1: one connection per worker",
		 .unit = WL_UNIT_COUNT,
		 .def = 0,
		 .min = 0,
		 .max = 1,
		 .integer = true},
    [P_TIMEOUT] = {.name = "timeout",
		   .help = "limit for connect and every send and receive",
		   .unit = WL_UNIT_SECONDS,
		   .def = 10,
		   .min = 0.001,
		   .max = 3600},
    {.name = NULL},
};

#define NET_CHUNK	(32 * 1024) /* bytes per send before reading the echo */
#define NET_CACHE_SLOTS 1024	    /* worker slots with a cached connection */
#define SERVER_BUF	(64 * 1024)

struct cached_conn {
	pid_t pid; /* process that opened fd; 0: empty */
	int fd;
};

struct io_net_state {
	uint64_t size;
	bool reuse;
	struct timeval timeout;
	struct sockaddr_in addr; /* the server's */
	pid_t server;
	struct cached_conn cache[NET_CACHE_SLOTS];
};

/* ---- the server (runs in its own process) ------------------------------ */

struct echo_conn {
	int fd;
	size_t pending, sent; /* echo bytes buffered, and already written */
	bool writing;	      /* registered for EPOLLOUT (and not EPOLLIN) */
	unsigned char buf[SERVER_BUF];
};

static void close_conn(int ep, struct echo_conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

/* Registers c for reading or (while an echo is pending) for writing. */
static int watch(int ep, struct echo_conn *c, bool writing)
{
	struct epoll_event ev = {.events = writing ? EPOLLOUT : EPOLLIN,
				 .data.ptr = c};

	if (c->writing == writing)
		return 0;
	c->writing = writing;
	return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Reads or writes what it can; returns -1 when the connection is done. */
static int serve_conn(int ep, struct echo_conn *c)
{
	for (;;) {
		if (c->pending == c->sent) {
			ssize_t n = read(c->fd, c->buf, sizeof(c->buf));

			if (n == 0)
				return -1;
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return watch(ep, c, false);
			if (n < 0)
				return -1;
			c->pending = (size_t)n;
			c->sent = 0;
		}
		while (c->sent < c->pending) {
			ssize_t n = send(c->fd, c->buf + c->sent,
					 c->pending - c->sent, MSG_NOSIGNAL);

			if (n < 0 && errno == EINTR)
				continue;
			/* Full: wait until writable, read no more meanwhile. */
			if (n < 0 && errno == EAGAIN)
				return watch(ep, c, true);
			if (n <= 0)
				return -1;
			c->sent += (size_t)n;
		}
	}
}

static void accept_all(int ep, int listener)
{
	const int one = 1;

	for (;;) {
		int fd =
		    accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct echo_conn *c;

		if (fd < 0)
			return; /* EAGAIN, or a client that gave up */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = malloc(sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->pending = c->sent = 0;
		c->writing = false;
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
		}
	}
}

static _Noreturn void run_server(int listener, pid_t parent)
{
	struct epoll_event events[64];
	int ep, null_fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0); /* the parent died before prctl */
	/*
	 * Hold nothing of the parent's open but the listener: a pipe the
	 * supervisor reads must see its end of file when the parent is done.
	 * The server never prints; its standard streams go to /dev/null.
	 */
	if (listener < 3)
		listener = fcntl(listener, F_DUPFD_CLOEXEC, 3);
	null_fd = open("/dev/null", O_RDWR);
	if (listener < 0 || null_fd < 0)
		_exit(1);
	for (int fd = 0; fd < 3; fd++)
		dup2(null_fd, fd);
	if (listener > 3)
		close_range(3, (unsigned)listener - 1, 0);
	close_range((unsigned)listener + 1, ~0U, 0);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_IGN); /* the parent decides when we stop */
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		_exit(1);
	struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, listener, &lev))
		_exit(1);
	for (;;) {
		int n = epoll_wait(ep, events, 64, -1);

		for (int i = 0; i < n; i++) {
			struct echo_conn *c = events[i].data.ptr;

			if (!c)
				accept_all(ep, listener);
			else if (serve_conn(ep, c))
				close_conn(ep, c);
		}
		if (n < 0 && errno != EINTR)
			_exit(1);
	}
}

/* ---- setup and teardown ------------------------------------------------ */

static void stop_server(struct io_net_state *st)
{
	if (st->server <= 0)
		return;
	kill(st->server, SIGKILL);
	while (waitpid(st->server, NULL, 0) < 0 && errno == EINTR)
		;
	st->server = 0;
}

static int io_net_setup(const double *params, uint64_t ntasks, void **state,
			char *err, size_t errlen)
{
	struct io_net_state *st;
	socklen_t len = sizeof(st->addr);
	int listener = -1, rc;
	double timeout;

	(void)ntasks;
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	st->size = (uint64_t)params[P_SIZE];
	st->reuse = params[P_REUSE] != 0;
	timeout = params[P_TIMEOUT];
	st->timeout.tv_sec = (time_t)timeout;
	st->timeout.tv_usec =
	    (suseconds_t)((timeout - (double)st->timeout.tv_sec) * 1e6);
	if (st->timeout.tv_sec == 0 && st->timeout.tv_usec == 0)
		st->timeout.tv_usec = 1; /* 0 would mean "no limit" */

	st->addr.sin_family = AF_INET;
	st->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	st->addr.sin_port = 0;
	listener =
	    socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listener < 0 ||
	    bind(listener, (struct sockaddr *)&st->addr, sizeof(st->addr)) ||
	    listen(listener, SOMAXCONN) ||
	    getsockname(listener, (struct sockaddr *)&st->addr, &len)) {
		rc = -errno;
		snprintf(err, errlen,
			 "cannot listen on 127.0.0.1 (ephemeral port): %s",
			 strerror(errno));
		goto out;
	}
	pid_t parent = getpid();
	st->server = fork();
	if (st->server < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot fork the echo server: %s",
			 strerror(errno));
		st->server = 0;
		goto out;
	}
	if (st->server == 0)
		run_server(listener, parent);
	rc = 0;
out:
	if (listener >= 0)
		close(listener);
	if (rc) {
		free(st);
		return rc;
	}
	*state = st;
	return 0;
}

static void io_net_teardown(void *state)
{
	struct io_net_state *st = state;
	pid_t self = getpid();

	if (!st)
		return;
	for (unsigned w = 0; w < NET_CACHE_SLOTS; w++)
		if (st->cache[w].pid == self)
			close(st->cache[w].fd);
	stop_server(st);
	free(st);
}

unsigned wl_io_net_port(void *state)
{
	const struct io_net_state *st = state;

	return ntohs(st->addr.sin_port);
}

/* ---- the client (a task) ----------------------------------------------- */

/* A connected socket, or a task error (wl_task_error) in *error. */
static int open_conn(const struct io_net_state *st, uint64_t *error)
{
	const int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		*error = wl_task_error(WL_OP_SOCKET, errno);
		return -1;
	}
	/* On Linux, SO_SNDTIMEO bounds connect() too. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &st->timeout,
		       sizeof(st->timeout)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &st->timeout,
		       sizeof(st->timeout)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one))) {
		*error = wl_task_error(WL_OP_SOCKET, errno);
		close(fd);
		return -1;
	}
	while (
	    connect(fd, (const struct sockaddr *)&st->addr, sizeof(st->addr))) {
		if (errno != EINTR) {
			*error = wl_task_error(WL_OP_CONNECT, errno);
			close(fd);
			return -1;
		}
	}
	return fd;
}

static void fill_chunk(unsigned char *buf, size_t len, uint64_t seed,
		       uint64_t offset)
{
	uint64_t word_index = offset / 8;

	for (size_t i = 0; i < len; i += 8) {
		uint64_t word = wl_mix64(seed + word_index++);

		memcpy(buf + i, &word, len - i < 8 ? len - i : 8);
	}
}

/*
 * The error of a send or receive that failed: 0 bytes is the peer leaving,
 * EAGAIN is SO_SNDTIMEO or SO_RCVTIMEO expiring (no process limit).
 */
static uint64_t transfer_error(enum wl_task_op op)
{
	int err = errno ? errno : ECONNRESET;

	return wl_task_error(op, err == EAGAIN || err == EWOULDBLOCK ? ETIMEDOUT
								     : err);
}

/* One echo of size bytes on fd; returns 0 and the hash, or a task error. */
static uint64_t echo(const struct io_net_state *st, int fd, uint64_t seed,
		     uint64_t *hash)
{
	unsigned char *out = malloc(NET_CHUNK), *in = malloc(NET_CHUNK);
	uint64_t error = wl_task_error(WL_OP_MEMORY, ENOMEM);

	if (!out || !in)
		goto out;
	for (uint64_t off = 0; off < st->size; off += NET_CHUNK) {
		size_t len =
		    st->size - off < NET_CHUNK ? st->size - off : NET_CHUNK;

		fill_chunk(out, len, seed, off);
		errno = 0;
		if (wl_transfer_all(fd, out, len, wl_send_op)) {
			error = transfer_error(WL_OP_SEND);
			goto out;
		}
		errno = 0;
		if (wl_transfer_all(fd, in, len, wl_recv_op)) {
			error = transfer_error(WL_OP_RECV);
			goto out;
		}
		if (memcmp(out, in, len) != 0) {
			error = wl_task_error(WL_OP_ECHO, EBADMSG);
			goto out;
		}
		for (size_t i = 0; i < len; i++)
			*hash = (*hash ^ in[i]) * 0x100000001b3ULL;
	}
	error = 0;
out:
	free(out);
	free(in);
	return error;
}

static uint64_t io_net_run(void *state, uint64_t index, unsigned worker)
{
	struct io_net_state *st = state;
	const uint64_t seed = wl_mix64(index ^ 0x9b05688c2b3e6c1fULL);
	struct cached_conn *slot = NULL;
	uint64_t hash = seed;
	pid_t self = getpid();
	uint64_t error = 0;
	int fd = -1;

	if (st->reuse && worker < NET_CACHE_SLOTS) {
		slot = &st->cache[worker];
		if (slot->pid == self) {
			fd = slot->fd;
		} else if (slot->pid != 0) {
			/* Inherited over fork: the parent's socket. */
			close(slot->fd);
			slot->pid = 0;
		}
	}
	if (fd < 0)
		fd = open_conn(st, &error);
	if (fd < 0)
		return error;
	error = echo(st, fd, seed, &hash);
	if (slot && error == 0) {
		slot->pid = self;
		slot->fd = fd;
	} else {
		if (slot)
			slot->pid = 0;
		close(fd);
	}
	return error ? error : wl_mix64(hash ^ st->size);
}

const struct workload wl_io_net = {
    .name = "io-net",
    .summary = "loopback TCP echo: connect (or reuse), send `size` bytes, "
	       "read them back",
    .kind = WL_IO,
    .params = io_net_params,
    .default_tasks = 200,
    .setup = io_net_setup,
    .run_task = io_net_run,
    .teardown = io_net_teardown,
};
