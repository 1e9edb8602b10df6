/*
 * Child slots for the one-process-per-task executors; see children.h for
 * the design and the invariant.
 */
#include "children.h"

#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int pt_children_init(struct pt_children *ch, unsigned slots)
{
	memset(ch, 0, sizeof(*ch));
	ch->slots = slots;
	ch->pids = calloc(slots, sizeof(*ch->pids));
	ch->tasks = calloc(slots, sizeof(*ch->tasks));
	ch->pidfds = calloc(slots, sizeof(*ch->pidfds));
	if (!ch->pids || !ch->tasks || !ch->pidfds) {
		pt_children_free(ch);
		return -ENOMEM;
	}
	for (unsigned s = 0; s < slots; s++)
		ch->pidfds[s] = (struct pollfd){.fd = -1, .events = POLLIN};
	return 0;
}

void pt_children_free(struct pt_children *ch)
{
	free(ch->pids);
	free(ch->tasks);
	free(ch->pidfds);
	memset(ch, 0, sizeof(*ch));
}

/* What one job's loop carries. */
struct pt_children_run {
	struct pt_children *ch;
	pt_child_reaped_fn reaped;
	void *ctx;
	char *err;
	size_t errlen;
	int ret; /* the first failure, or 0 */
};

/* Reaps slot's child; records the first failure of the job. */
static void pt_children_reap(struct pt_children_run *run, unsigned slot)
{
	struct pt_children *ch = run->ch;
	int status = 0, verdict = 0;
	char why[160] = "";
	pid_t reaped;

	do {
		reaped = waitpid(ch->pids[slot], &status, 0);
	} while (reaped < 0 && errno == EINTR);
	if (reaped < 0)
		snprintf(why, sizeof(why), "was reaped by someone else (%s)",
			 strerror(errno));
	else if (!pt_status_clean(status))
		pt_describe_status(status, why, sizeof(why));
	if (run->reaped)
		verdict = run->reaped(run->ctx, slot, ch->tasks[slot],
				      reaped >= 0 && pt_status_clean(status),
				      why, sizeof(why));
	if ((why[0] || verdict != 0) && run->ret == 0) {
		snprintf(run->err, run->errlen,
			 "task %llu: worker %u (pid %d) %s",
			 (unsigned long long)ch->tasks[slot], slot,
			 (int)ch->pids[slot], why);
		run->ret = -ECHILD;
	}
	if (ch->pidfds[slot].fd >= 0)
		close(ch->pidfds[slot].fd);
	ch->pidfds[slot].fd = -1;
	ch->pids[slot] = 0;
}

/* Waits for at least one running child to end; returns how many ended. */
static unsigned pt_children_wait_any(struct pt_children_run *run)
{
	struct pt_children *ch = run->ch;
	unsigned reaped = 0;
	int ready;

	/* Without pidfds (old kernel) a slot is reaped by a blocking
	 * waitpid instead; slower, still correct. */
	for (unsigned s = 0; s < ch->slots; s++) {
		if (ch->pids[s] > 0 && ch->pidfds[s].fd < 0) {
			pt_children_reap(run, s);
			return 1;
		}
	}
	do {
		ready = poll(ch->pidfds, ch->slots, -1);
	} while (ready < 0 && errno == EINTR);
	for (unsigned s = 0; ready > 0 && s < ch->slots; s++) {
		if (ch->pids[s] > 0 && ch->pidfds[s].revents != 0) {
			pt_children_reap(run, s);
			reaped++;
		}
	}
	return reaped;
}

int pt_children_run(struct pt_children *ch, uint64_t ntasks,
		    pt_child_start_fn start, pt_child_reaped_fn reaped,
		    void *ctx, char *err, size_t errlen)
{
	struct pt_children_run run = {
	    .ch = ch,
	    .reaped = reaped,
	    .ctx = ctx,
	    .err = err,
	    .errlen = errlen,
	};
	unsigned running = 0;

	for (uint64_t i = 0; i < ntasks && run.ret == 0; i++) {
		unsigned slot = 0;
		pid_t pid;

		while (running == ch->slots)
			running -= pt_children_wait_any(&run);
		if (run.ret != 0)
			break;
		while (ch->pids[slot] > 0)
			slot++;
		pid = start(ctx, slot, i, err, errlen);
		if (pid < 0) {
			run.ret = (int)pid;
			break;
		}
		ch->pids[slot] = pid;
		ch->tasks[slot] = i;
		ch->pidfds[slot].fd = pt_pidfd_open(pid);
		ch->pidfds[slot].revents = 0;
		running++;
	}
	while (running > 0)
		running -= pt_children_wait_any(&run);
	return run.ret;
}
