/*
 * The fork server: the executor's side (open, fork, close) and the server's
 * loop (serve). See forkserver.h for the design and the invariant.
 *
 * The socket is a SOCK_SEQPACKET pair: one request or reply per message, so
 * neither side ever parses a stream, and a server that dies shows as end of
 * file. Requests carry the slot's payload channel descriptors (at most
 * EX_SPAWN_MAX_CHANNEL_FDS) as SCM_RIGHTS; the server closes its copies as
 * soon as the child is forked.
 */
#include "forkserver.h"

#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long close() lets the server exit by itself before SIGKILL. */
#define FORKSERVER_STOP_TIMEOUT_MS 1000

/* Descriptors handed to the server are first moved at least this high. */
#define FORKSERVER_FIRST_FREE_FD (PT_FORKSERVER_MAP_FD + 1)

struct pt_forkserver {
	pid_t pid; /* the server, a child of ours */
	int sock;
	unsigned slots;
	unsigned per_slot; /* channel descriptors per slot; 0: none */
	int *channel_fds;  /* slots x per_slot, our duplicates */
	char who[32];
	/* process-pool --start=spawn: no server; each worker is an exec of
	 * this program in its pool worker mode (EX_POOL_WORKER_FLAG). */
	bool spawn;
	char *spec, *attach; /* copies; attach NULL without channels */
	int map_fd;	     /* a duplicate of the control block's memfd */
	void *map_addr;
	size_t map_len;
};

static const char *const start_names[] = {
    [EX_START_FORK] = "fork",
    [EX_START_FORKSERVER] = "forkserver",
    [EX_START_SPAWN] = "spawn",
};

const char *ex_start_name(enum ex_start start)
{
	return (unsigned)start < 3 ? start_names[start] : "?";
}

int ex_start_parse(const char *text, enum ex_start *out)
{
	for (unsigned k = 0; k < 3; k++) {
		if (!strcmp(text, start_names[k])) {
			*out = (enum ex_start)k;
			return 0;
		}
	}
	return -EINVAL;
}

int pt_shared_map(bool memfd, size_t len, void **addr, int *fd)
{
	void *map;

	*addr = NULL;
	*fd = -1;
	if (memfd) {
		*fd = memfd_create("pt-forkserver", MFD_CLOEXEC);
		if (*fd < 0 || ftruncate(*fd, (off_t)len) != 0) {
			int ret = -errno;

			if (*fd >= 0)
				close(*fd);
			*fd = -1;
			return ret;
		}
	}
	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   memfd ? MAP_SHARED : MAP_SHARED | MAP_ANONYMOUS, *fd, 0);
	if (map == MAP_FAILED) {
		int ret = -errno;

		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return ret;
	}
	*addr = map;
	return 0;
}

/*
 * The server program: config's, or beside /proc/self/exe; with the py
 * suffix for a py-* workload (the spec starts with the workload's name).
 */
static int forkserver_path(const struct ex_config *config, char *buf,
			   size_t len)
{
	const char *suffix = strncmp(config->spawn_spec, "py-", 3)
				 ? ""
				 : PT_FORKSERVER_PY_SUFFIX;
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (config->forkserver_path) {
		if ((size_t)snprintf(buf, len, "%s%s", config->forkserver_path,
				     suffix) >= len)
			return -ENAMETOOLONG;
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	if ((size_t)snprintf(buf, len, "%s/%s%s", self, PT_FORKSERVER_PROGRAM,
			     suffix) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Receives one message of up to len bytes; its length, or -errno. */
static ssize_t forkserver_recv(int sock, void *buf, size_t len)
{
	ssize_t n;

	do {
		n = recv(sock, buf, len, 0);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* Sends one message, with nfds descriptors attached; 0 or -errno. */
static int forkserver_send(int sock, const void *buf, size_t len,
			   const int *fds, unsigned nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * EX_SPAWN_MAX_CHANNEL_FDS)];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (nfds > 0) {
		struct cmsghdr *cmsg;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
	}
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

/* A close-on-exec duplicate of fd at FORKSERVER_FIRST_FREE_FD or above. */
static int forkserver_dup_high(int fd)
{
	int moved = fcntl(fd, F_DUPFD_CLOEXEC, FORKSERVER_FIRST_FREE_FD);

	return moved < 0 ? -errno : moved;
}

/* posix_spawns the server with sock as its socket and map_fd as its map. */
static int forkserver_spawn(struct pt_forkserver *fs, const char *path,
			    int sock, int map_fd, char *const argv[])
{
	const int from[] = {sock, map_fd};
	const int to[] = {PT_FORKSERVER_SOCKET_FD, PT_FORKSERVER_MAP_FD};

	return pt_posix_spawn(&fs->pid, path, from, to, 2, argv);
}

/* Copies config->spawn_channels (duplicates, out of the way). */
static int forkserver_take_channels(struct pt_forkserver *fs,
				    const struct ex_config *config)
{
	const struct ex_spawn_channels *ch = config->spawn_channels;
	size_t count;

	if (!ch)
		return 0;
	if (ch->per_slot == 0 || ch->per_slot > EX_SPAWN_MAX_CHANNEL_FDS ||
	    !ch->fds || !ch->attach)
		return -EINVAL;
	count = (size_t)ch->per_slot * fs->slots;
	fs->channel_fds = malloc(count * sizeof(*fs->channel_fds));
	if (!fs->channel_fds)
		return -ENOMEM;
	fs->per_slot = ch->per_slot;
	for (size_t i = 0; i < count; i++)
		fs->channel_fds[i] = -1;
	for (size_t i = 0; i < count; i++) {
		fs->channel_fds[i] = forkserver_dup_high(ch->fds[i]);
		if (fs->channel_fds[i] < 0)
			return fs->channel_fds[i];
	}
	return 0;
}

/* process-pool --start=spawn: keeps what each spawned worker is handed. */
static int launcher_spawn_open(struct pt_forkserver *fs,
			       const struct ex_config *config, int map_fd,
			       void *map_addr, size_t map_len, char *err,
			       size_t errlen)
{
	int ret;

	fs->spawn = true;
	fs->map_addr = map_addr;
	fs->map_len = map_len;
	fs->spec = strdup(config->spawn_spec);
	fs->attach = config->spawn_channels
			 ? strdup(config->spawn_channels->attach)
			 : NULL;
	if (!fs->spec || (config->spawn_channels && !fs->attach)) {
		snprintf(err, errlen, "%s: out of memory", fs->who);
		return -ENOMEM;
	}
	ret = forkserver_take_channels(fs, config);
	if (ret == 0)
		ret = fs->map_fd = forkserver_dup_high(map_fd);
	if (ret < 0) {
		snprintf(err, errlen, "%s: --start=spawn: descriptors: %s",
			 fs->who, strerror(-ret));
		return ret;
	}
	return 0;
}

/* Spawns the pool worker of slot; its pid, or a negative errno code. */
static pid_t launcher_spawn_worker(struct pt_forkserver *fs, unsigned slot,
				   char *err, size_t errlen)
{
	char slot_text[16], cpu_text[16], parent_text[16], addr_text[32],
	    len_text[32];
	char *argv[] = {program_invocation_name,
			EX_POOL_WORKER_FLAG,
			fs->spec,
			slot_text,
			cpu_text,
			parent_text,
			addr_text,
			len_text,
			fs->attach, /* NULL without channels */
			NULL};
	int from[1 + EX_SPAWN_MAX_CHANNEL_FDS],
	    to[1 + EX_SPAWN_MAX_CHANNEL_FDS];
	pid_t pid = -1;
	int ret;

	snprintf(slot_text, sizeof(slot_text), "%u", slot);
	snprintf(cpu_text, sizeof(cpu_text), "%d", pt_pin_cpu(slot) + 1);
	snprintf(parent_text, sizeof(parent_text), "%d", (int)getpid());
	snprintf(addr_text, sizeof(addr_text), "%" PRIuPTR,
		 (uintptr_t)fs->map_addr);
	snprintf(len_text, sizeof(len_text), "%zu", fs->map_len);
	from[0] = fs->map_fd;
	to[0] = EX_POOL_WORKER_MAP_FD;
	for (unsigned k = 0; k < fs->per_slot; k++) {
		from[1 + k] = fs->channel_fds[(size_t)slot * fs->per_slot + k];
		to[1 + k] = EX_SPAWN_CHANNEL_FD + (int)k;
	}
	ret = pt_posix_spawn(&pid, "/proc/self/exe", from, to, 1 + fs->per_slot,
			     argv);
	if (ret) {
		char why[128];

		pt_describe_spawn_error(ret, why, sizeof(why));
		snprintf(err, errlen, "%s: spawning worker %u: %s", fs->who,
			 slot, why);
		return ret;
	}
	return pid;
}

int pt_forkserver_open(const struct ex_config *config, const char *who,
		       enum pt_forkserver_kind kind, int map_fd, void *map_addr,
		       size_t map_len, struct pt_forkserver **out, char *err,
		       size_t errlen)
{
	struct pt_forkserver *fs = calloc(1, sizeof(*fs));
	char path[PATH_MAX], addr_text[32], len_text[32], parent_text[16];
	char reply[256];
	int pair[2] = {-1, -1}, high_map = -1, ret;
	ssize_t n;

	*out = NULL;
	if (!fs) {
		snprintf(err, errlen, "%s: out of memory", who);
		return -ENOMEM;
	}
	fs->pid = -1;
	fs->sock = -1;
	fs->map_fd = -1;
	fs->slots = config->workers;
	snprintf(fs->who, sizeof(fs->who), "%s", who);
	if (!config->spawn_spec) {
		snprintf(err, errlen,
			 "%s: --start=%s needs the job's description "
			 "(spawn_spec)",
			 who, ex_start_name(config->start));
		ret = -EINVAL;
		goto out;
	}
	if (config->start == EX_START_SPAWN) {
		ret = kind == PT_FORKSERVER_POOL
			  ? launcher_spawn_open(fs, config, map_fd, map_addr,
						map_len, err, errlen)
			  : -EINVAL;
		if (ret == -EINVAL)
			snprintf(err, errlen, "%s: --start=spawn: no pool",
				 who);
		if (ret == 0)
			*out = fs;
		goto out;
	}
	ret = forkserver_take_channels(fs, config);
	if (ret) {
		snprintf(err, errlen, "%s: forkserver: channels: %s", who,
			 strerror(-ret));
		goto out;
	}
	path[0] = '\0';
	ret = forkserver_path(config, path, sizeof(path));
	if (ret)
		path[0] = '\0';
	if (ret == 0 && access(path, X_OK) != 0)
		ret = -errno;
	if (ret) {
		snprintf(err, errlen, "%s: forkserver: %s: %s", who,
			 path[0] ? path : PT_FORKSERVER_PROGRAM,
			 strerror(-ret));
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: forkserver: socketpair: %s", who,
			 strerror(-ret));
		goto out;
	}
	/* The sources of the dup2s must not be their targets' numbers. */
	ret = forkserver_dup_high(pair[1]);
	if (ret >= 0) {
		close(pair[1]);
		pair[1] = ret;
		ret = high_map = forkserver_dup_high(map_fd);
	}
	if (ret < 0) {
		snprintf(err, errlen, "%s: forkserver: descriptors: %s", who,
			 strerror(-ret));
		goto out;
	}
	snprintf(addr_text, sizeof(addr_text), "%" PRIuPTR,
		 (uintptr_t)map_addr);
	snprintf(len_text, sizeof(len_text), "%zu", map_len);
	snprintf(parent_text, sizeof(parent_text), "%d", (int)getpid());
	{
		char *argv[] = {PT_FORKSERVER_PROGRAM,
				(char *)config->spawn_spec,
				kind == PT_FORKSERVER_POOL ? "pool" : "task",
				addr_text,
				len_text,
				parent_text,
				config->spawn_channels
				    ? (char *)config->spawn_channels->attach
				    : NULL,
				NULL};

		ret = forkserver_spawn(fs, path, pair[1], high_map, argv);
	}
	close(pair[1]);
	pair[1] = -1;
	if (ret) {
		char why[128];

		pt_describe_spawn_error(ret, why, sizeof(why));
		snprintf(err, errlen, "%s: forkserver: spawning %s: %s", who,
			 path, why);
		fs->pid = -1;
		goto out;
	}
	fs->sock = pair[0];
	pair[0] = -1;
	/* Ready: a status, then the reason of a failure. */
	n = forkserver_recv(fs->sock, reply, sizeof(reply) - 1);
	if (n < (ssize_t)sizeof(int32_t)) {
		ret = n < 0 ? (int)n : -EPIPE;
		snprintf(err, errlen, "%s: forkserver: the server %s", who,
			 n < 0 ? strerror(-ret) : "exited at start");
		goto out;
	}
	reply[n] = '\0';
	memcpy(&ret, reply, sizeof(int32_t));
	if (ret != 0) {
		snprintf(err, errlen, "%s: forkserver: %s", who,
			 reply + sizeof(int32_t));
		ret = ret < 0 ? ret : -EIO;
		goto out;
	}
	*out = fs;
out:
	if (pair[0] >= 0)
		close(pair[0]);
	if (pair[1] >= 0)
		close(pair[1]);
	if (high_map >= 0)
		close(high_map);
	if (ret != 0)
		pt_forkserver_close(fs);
	return ret;
}

pid_t pt_forkserver_fork(struct pt_forkserver *fs, unsigned slot, uint64_t task,
			 char *err, size_t errlen)
{
	struct pt_forkserver_request req = {
	    .task = task, .slot = slot, .cpu = pt_pin_cpu(slot)};
	const int *fds =
	    fs->per_slot ? fs->channel_fds + (size_t)slot * fs->per_slot : NULL;
	int32_t reply;
	ssize_t n;
	int ret;

	if (fs->spawn)
		return launcher_spawn_worker(fs, slot, err, errlen);
	ret = forkserver_send(fs->sock, &req, sizeof(req), fds, fs->per_slot);
	if (ret == 0) {
		n = forkserver_recv(fs->sock, &reply, sizeof(reply));
		ret = n == (ssize_t)sizeof(reply) ? 0 : n < 0 ? (int)n : -EPIPE;
	}
	if (ret != 0) {
		snprintf(err, errlen,
			 "%s: forkserver: the server is gone (%s) at task "
			 "%llu",
			 fs->who, strerror(-ret), (unsigned long long)task);
		return ret;
	}
	if (reply < 0) {
		char why[128];

		pt_describe_spawn_error(reply, why, sizeof(why));
		snprintf(err, errlen, "%s: forkserver: forking task %llu: %s",
			 fs->who, (unsigned long long)task, why);
		return reply;
	}
	return reply;
}

void pt_forkserver_close(struct pt_forkserver *fs)
{
	int status;

	if (!fs)
		return;
	if (fs->sock >= 0)
		close(fs->sock);
	if (fs->pid > 0)
		pt_reap_child(fs->pid, FORKSERVER_STOP_TIMEOUT_MS, &status);
	for (size_t i = 0;
	     fs->channel_fds && i < (size_t)fs->per_slot * fs->slots; i++)
		if (fs->channel_fds[i] >= 0)
			close(fs->channel_fds[i]);
	free(fs->channel_fds);
	if (fs->map_fd >= 0)
		close(fs->map_fd);
	free(fs->spec);
	free(fs->attach);
	free(fs);
}

int pt_forkserver_ready(int sock, int status, const char *why)
{
	char msg[256];
	int32_t code = status;
	size_t len = sizeof(code);

	memcpy(msg, &code, sizeof(code));
	if (status != 0) {
		size_t text = strlen(why);

		if (text > sizeof(msg) - sizeof(code) - 1)
			text = sizeof(msg) - sizeof(code) - 1;
		memcpy(msg + sizeof(code), why, text);
		len += text;
	}
	return forkserver_send(sock, msg, len, NULL, 0);
}

/* Moves the received descriptors to EX_SPAWN_CHANNEL_FD on, in a child. */
static void forkserver_place_fds(int *fds, unsigned nfds)
{
	/* Out of the way first, so no dup2 overwrites a later source. */
	for (unsigned k = 0; k < nfds; k++) {
		if (fds[k] < FORKSERVER_FIRST_FREE_FD) {
			int moved = forkserver_dup_high(fds[k]);

			if (moved < 0)
				_exit(127);
			close(fds[k]);
			fds[k] = moved;
		}
	}
	for (unsigned k = 0; k < nfds; k++) {
		if (dup2(fds[k], EX_SPAWN_CHANNEL_FD + (int)k) < 0)
			_exit(127);
		close(fds[k]);
	}
}

int pt_forkserver_serve(int sock, pt_forkserver_child_fn child, void *ctx)
{
	for (;;) {
		union {
			char buf[CMSG_SPACE(sizeof(int) *
					    EX_SPAWN_MAX_CHANNEL_FDS)];
			struct cmsghdr align;
		} control;
		struct pt_forkserver_request req;
		struct iovec iov = {.iov_base = &req, .iov_len = sizeof(req)};
		struct msghdr msg = {.msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = control.buf,
				     .msg_controllen = sizeof(control.buf)};
		int fds[EX_SPAWN_MAX_CHANNEL_FDS];
		unsigned nfds = 0;
		struct cmsghdr *cmsg;
		int32_t reply;
		ssize_t n;
		long pid;
		int ret;

		do {
			n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
		} while (n < 0 && errno == EINTR);
		if (n == 0)
			return 0; /* the executor closed the socket */
		if (n < 0)
			return -errno;
		for (cmsg = CMSG_FIRSTHDR(&msg); cmsg;
		     cmsg = CMSG_NXTHDR(&msg, cmsg)) {
			if (cmsg->cmsg_level == SOL_SOCKET &&
			    cmsg->cmsg_type == SCM_RIGHTS) {
				nfds =
				    (unsigned)((cmsg->cmsg_len - CMSG_LEN(0)) /
					       sizeof(int));
				if (nfds > EX_SPAWN_MAX_CHANNEL_FDS)
					nfds = EX_SPAWN_MAX_CHANNEL_FDS;
				memcpy(fds, CMSG_DATA(cmsg),
				       nfds * sizeof(int));
			}
		}
		if (n != (ssize_t)sizeof(req) || (msg.msg_flags & MSG_CTRUNC))
			return -EPROTO;
		/* The child is the executor's, as if it had forked it. */
		pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL,
			      NULL, NULL);
		if (pid == 0) {
			close(sock);
			forkserver_place_fds(fds, nfds);
			child(ctx, &req, nfds);
			_exit(127);
		}
		reply = pid < 0 ? -errno : (int32_t)pid;
		for (unsigned k = 0; k < nfds; k++)
			close(fds[k]);
		ret = forkserver_send(sock, &reply, sizeof(reply), NULL, 0);
		if (ret)
			return ret;
	}
}
