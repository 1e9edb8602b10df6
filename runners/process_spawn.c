/*
 * The process-spawn executor: one fresh process per task, created with
 * posix_spawn() of the program itself, at most W at once. This is Python's
 * multiprocessing "spawn" start method: the child inherits no heap and no
 * pointer, so it costs an exec, the dynamic loading of the program and its
 * libraries, and the workload's setup, on top of the process creation.
 *
 * The design is simple: map() runs the job through the shared child slots
 * (children.h). For task i in slot s it makes a pipe and spawns
 *   /proc/self/exe --procthread-spawn-worker SPEC i s 3 CPU PARENT
 * with the pipe's write end as descriptor 3 and default signal dispositions.
 * The program's worker mode (driver/spawn_worker.c) rebuilds the job from
 * SPEC (ex_config.spawn_spec, copied at start), runs task i, writes the
 * 8-byte checksum to descriptor 3 and exits 0. When the child is reaped its
 * checksum is read from the pipe into job->results[i]. A child that dies,
 * or runs past the task timeout, is a failed task for the failure policy
 * (abort, continue, retry:N), exactly as under process-per-task, since both
 * share the loop; one that exits 0 without a checksum fails the job with
 * -ECHILD. job->fn is never called: nothing of the caller's address space
 * reaches the child except the text of SPEC and, given
 * ex_config.spawn_channels (the payload transport's), slot s's channel
 * descriptors, dup2'd to 4, 5, ... by the same file actions, and their
 * attach text as a last argument.
 *
 * Invariant: between map() calls no child exists and no result pipe is
 * open; result_fds[s] >= 0 exactly while slot s holds an unreaped child.
 * Every descriptor the file actions dup2 is >= SPAWN_FIRST_FREE_FD, so no
 * action overwrites the source of a later one.
 */
#include "children.h"
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* The child's end of its result pipe. */
#define SPAWN_RESULT_FD 3

/* Descriptors the parent hands over are first moved at least this high, so
 * that no dup2 of the file actions overwrites another's source. */
#define SPAWN_FIRST_FREE_FD (EX_SPAWN_CHANNEL_FD + EX_SPAWN_MAX_CHANNEL_FDS)

struct process_spawn {
	struct executor base; /* first: the executor is a process_spawn */
	char *spec;	      /* copy of config->spawn_spec, or NULL */
	pid_t parent;
	struct pt_children children;
	int *result_fds;   /* per slot: read end of the child's pipe, or -1 */
	uint64_t *results; /* job->results during map() */
	/* spawn_channels, our copies: per_slot descriptors per slot, all
	 * O_CLOEXEC and >= SPAWN_FIRST_FREE_FD; none when per_slot is 0. */
	char *attach;
	unsigned per_slot;
	int *channel_fds;
};

static void process_spawn_destroy(struct process_spawn *ex)
{
	for (size_t i = 0;
	     ex->channel_fds && i < (size_t)ex->per_slot * ex->children.slots;
	     i++)
		if (ex->channel_fds[i] >= 0)
			close(ex->channel_fds[i]);
	free(ex->channel_fds);
	free(ex->attach);
	pt_children_free(&ex->children);
	free(ex->result_fds);
	free(ex->spec);
	free(ex);
}

/* Copies config->spawn_channels into ex, descriptors moved out of the way. */
static int process_spawn_take_channels(struct process_spawn *ex,
				       const struct ex_config *config,
				       unsigned workers, char *err,
				       size_t errlen)
{
	const struct ex_spawn_channels *ch = config->spawn_channels;
	size_t count;

	if (!ch)
		return 0;
	if (!ch->attach || strlen(ch->attach) > EX_SPAWN_MAX_ATTACH ||
	    strchr(ch->attach, ' ') || ch->per_slot == 0 ||
	    ch->per_slot > EX_SPAWN_MAX_CHANNEL_FDS || !ch->fds) {
		snprintf(err, errlen, "process-spawn: malformed channels");
		return -EINVAL;
	}
	count = (size_t)ch->per_slot * workers;
	ex->attach = strdup(ch->attach);
	ex->channel_fds = malloc(count * sizeof(*ex->channel_fds));
	if (!ex->attach || !ex->channel_fds) {
		snprintf(err, errlen, "process-spawn: out of memory");
		return -ENOMEM;
	}
	ex->per_slot = ch->per_slot;
	for (size_t i = 0; i < count; i++)
		ex->channel_fds[i] = -1;
	for (size_t i = 0; i < count; i++) {
		ex->channel_fds[i] =
		    fcntl(ch->fds[i], F_DUPFD_CLOEXEC, SPAWN_FIRST_FREE_FD);
		if (ex->channel_fds[i] < 0) {
			int ret = -errno;

			snprintf(err, errlen,
				 "process-spawn: channel descriptor %d: %s",
				 ch->fds[i], strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int process_spawn_start(const struct ex_config *config,
			       struct executor **out, char *err, size_t errlen)
{
	struct process_spawn *ex = NULL;
	unsigned workers = config->workers;
	int ret = 0;

	*out = NULL;
	ret = pt_start_check("process-spawn", config, err, errlen);
	if (ret)
		goto out;
	ex = calloc(1, sizeof(*ex));
	if (!ex || pt_children_init(&ex->children, workers) != 0 ||
	    !(ex->result_fds = calloc(workers, sizeof(*ex->result_fds))) ||
	    (config->spawn_spec && !(ex->spec = strdup(config->spawn_spec)))) {
		snprintf(err, errlen, "process-spawn: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	ret = process_spawn_take_channels(ex, config, workers, err, errlen);
	if (ret != 0)
		goto out;
	ex->base.ops = &ex_process_spawn;
	ex->base.config = *config;
	ex->base.config.spawn_spec = ex->spec;
	ex->base.config.spawn_channels = NULL; /* ours are in ex */
	ex->parent = getpid();
	for (unsigned s = 0; s < workers; s++)
		ex->result_fds[s] = -1;
	*out = &ex->base;
out:
	if (ret != 0 && ex)
		process_spawn_destroy(ex);
	return ret;
}

/*
 * A pipe whose write end is at least SPAWN_FIRST_FREE_FD, both O_CLOEXEC:
 * not one of the child's own numbers, which the file actions dup2 onto.
 */
static int process_spawn_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -errno;
	if (fds[1] < SPAWN_FIRST_FREE_FD) {
		/* dup2 onto itself would leave FD_CLOEXEC set on old C
		 * libraries, and a channel may be dup2'd onto a low number;
		 * move it out of the way instead. */
		int moved = fcntl(fds[1], F_DUPFD_CLOEXEC, SPAWN_FIRST_FREE_FD);
		int ret = moved < 0 ? -errno : 0;

		close(fds[1]);
		fds[1] = moved;
		if (ret != 0) {
			close(fds[0]);
			return ret;
		}
	}
	return 0;
}

/*
 * posix_spawn with fd as SPAWN_RESULT_FD, the slot's nchannels channel
 * descriptors from EX_SPAWN_CHANNEL_FD on, and default signal handling.
 */
static int process_spawn_exec(pid_t *pid, int fd, const int *channels,
			      unsigned nchannels, char *const argv[])
{
	int from[1 + EX_SPAWN_MAX_CHANNEL_FDS],
	    to[1 + EX_SPAWN_MAX_CHANNEL_FDS];

	from[0] = fd;
	to[0] = SPAWN_RESULT_FD;
	for (unsigned k = 0; k < nchannels; k++) {
		from[1 + k] = channels[k];
		to[1 + k] = EX_SPAWN_CHANNEL_FD + (int)k;
	}
	return pt_posix_spawn(pid, "/proc/self/exe", from, to, 1 + nchannels,
			      argv);
}

static pid_t process_spawn_child(void *ctx, unsigned slot, uint64_t task,
				 char *err, size_t errlen)
{
	struct process_spawn *ex = ctx;
	char task_text[24], slot_text[16], fd_text[16], cpu_text[16],
	    parent_text[16];
	char *argv[] = {program_invocation_name,
			EX_SPAWN_WORKER_FLAG,
			ex->spec,
			task_text,
			slot_text,
			fd_text,
			cpu_text,
			parent_text,
			ex->attach, /* NULL when there are no channels */
			NULL};
	int fds[2];
	pid_t pid = -1;
	int ret;

	snprintf(task_text, sizeof(task_text), "%" PRIu64, task);
	snprintf(slot_text, sizeof(slot_text), "%u", slot);
	snprintf(fd_text, sizeof(fd_text), "%d", SPAWN_RESULT_FD);
	snprintf(cpu_text, sizeof(cpu_text), "%d", pt_pin_cpu(slot));
	snprintf(parent_text, sizeof(parent_text), "%d", (int)ex->parent);
	ret = process_spawn_pipe(fds);
	if (ret == 0) {
		ret = process_spawn_exec(&pid, fds[1],
					 ex->channel_fds
					     ? ex->channel_fds +
						   (size_t)slot * ex->per_slot
					     : NULL,
					 ex->per_slot, argv);
		close(fds[1]);
		if (ret != 0)
			close(fds[0]);
	}
	if (ret != 0) {
		char why[128];

		/* -EAGAIN stays -EAGAIN: the driver exits 2 on a limit. */
		pt_describe_spawn_error(ret, why, sizeof(why));
		snprintf(err, errlen, "process-spawn: spawning task %llu: %s",
			 (unsigned long long)task, why);
		return ret;
	}
	ex->result_fds[slot] = fds[0];
	return pid;
}

/* Reads the reaped child's checksum; closes its pipe in any case. */
static int process_spawn_collect(void *ctx, unsigned slot, uint64_t task,
				 bool clean, char *why, size_t whylen)
{
	struct process_spawn *ex = ctx;
	uint64_t checksum;
	ssize_t got;
	int ret = 0;

	if (clean) {
		do {
			got = read(ex->result_fds[slot], &checksum,
				   sizeof(checksum));
		} while (got < 0 && errno == EINTR);
		if (got == (ssize_t)sizeof(checksum)) {
			ex->results[task] = checksum;
		} else {
			snprintf(why, whylen,
				 "exited with status 0 without sending its "
				 "checksum");
			ret = -EPROTO;
		}
	}
	close(ex->result_fds[slot]);
	ex->result_fds[slot] = -1;
	return ret;
}

static int process_spawn_map(struct executor *base, const struct ex_job *job)
{
	struct process_spawn *ex = (struct process_spawn *)base;
	int ret;

	if (!ex->spec) {
		snprintf(base->error, sizeof(base->error),
			 "process-spawn: no job description (spawn_spec): "
			 "a spawned process cannot receive a function "
			 "pointer");
		return -EINVAL;
	}
	ex->results = job->results;
	ret = pt_children_run(&ex->children, &base->config, job,
			      process_spawn_child, process_spawn_collect, ex,
			      base->error, sizeof(base->error));
	ex->results = NULL;
	return ret;
}

static void process_spawn_stop(struct executor *base)
{
	process_spawn_destroy((struct process_spawn *)base);
}

/* A whole decimal number in [lo, hi], or -EINVAL. */
static int parse_number(const char *text, long long lo, long long hi,
			long long *out)
{
	char *end;
	long long value;

	errno = 0;
	value = strtoll(text, &end, 10);
	if (errno || end == text || *end || value < lo || value > hi)
		return -EINVAL;
	*out = value;
	return 0;
}

int ex_spawn_parse(int argc, char **argv, struct ex_spawn_request *req,
		   char *err, size_t errlen)
{
	static const char *const names[] = {"TASK", "WORKER", "FD", "CPU",
					    "PARENT"};
	static const long long highest[] = {INT64_MAX, UINT32_MAX, INT32_MAX,
					    CPU_SETSIZE - 1, INT32_MAX};
	static const long long lowest[] = {0, 0, 0, -1, 1};
	long long value[5];

	if ((argc != 8 && argc != 9) ||
	    strcmp(argv[1], EX_SPAWN_WORKER_FLAG) != 0) {
		snprintf(
		    err, errlen,
		    "%s: expected SPEC TASK WORKER FD CPU PARENT [CHANNEL]",
		    EX_SPAWN_WORKER_FLAG);
		return -EINVAL;
	}
	for (int i = 0; i < 5; i++) {
		if (parse_number(argv[3 + i], lowest[i], highest[i],
				 &value[i])) {
			snprintf(err, errlen, "%s: bad %s '%s'",
				 EX_SPAWN_WORKER_FLAG, names[i], argv[3 + i]);
			return -EINVAL;
		}
	}
	*req = (struct ex_spawn_request){
	    .spec = argv[2],
	    .task = (uint64_t)value[0],
	    .worker = (unsigned)value[1],
	    .result_fd = (int)value[2],
	    .cpu = (int)value[3],
	    .parent = (int)value[4],
	    .channel = argc == 9 ? argv[8] : NULL,
	};
	return 0;
}

int ex_spawn_begin(const struct ex_spawn_request *req)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		return -errno;
	/* The spawner died before the prctl: nobody wants the result. */
	if (getppid() != req->parent)
		return -ESRCH;
	if (req->cpu >= 0) {
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(req->cpu, &one);
		/* Failing to pin is not fatal, as for the other workers. */
		(void)sched_setaffinity(0, sizeof(one), &one);
	}
	return 0;
}

int ex_spawn_reply(const struct ex_spawn_request *req, uint64_t checksum)
{
	const char *bytes = (const char *)&checksum;
	size_t sent = 0;
	int ret = 0;

	while (sent < sizeof(checksum)) {
		ssize_t n = write(req->result_fd, bytes + sent,
				  sizeof(checksum) - sent);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		sent += (size_t)n;
	}
	if (close(req->result_fd) != 0 && ret == 0)
		ret = -errno;
	return ret;
}

const struct executor_ops ex_process_spawn = {
    .name = "process-spawn",
    .alias = "spawn",
    .summary = "one posix_spawn() of this program per task (Python's spawn), "
	       "at most W at once",
    .uses_workers = true,
    .uses_schedule = false,
    .processes = true,
    .runs_spec = true,
    .start = process_spawn_start,
    .map = process_spawn_map,
    .stop = process_spawn_stop,
};
