/*
 * Child slots for the one-process-per-task executors; see children.h for
 * the design and the invariant.
 */
#include "children.h"

#include "core.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int pt_children_init(struct pt_children *ch, unsigned slots)
{
	memset(ch, 0, sizeof(*ch));
	ch->slots = slots;
	ch->pids = calloc(slots, sizeof(*ch->pids));
	ch->tasks = calloc(slots, sizeof(*ch->tasks));
	ch->pidfds = calloc(slots, sizeof(*ch->pidfds));
	ch->attempts = calloc(slots, sizeof(*ch->attempts));
	ch->started_ns = calloc(slots, sizeof(*ch->started_ns));
	ch->killed = calloc(slots, sizeof(*ch->killed));
	if (!ch->pids || !ch->tasks || !ch->pidfds || !ch->attempts ||
	    !ch->started_ns || !ch->killed) {
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
	free(ch->attempts);
	free(ch->started_ns);
	free(ch->killed);
	memset(ch, 0, sizeof(*ch));
}

/* What one job's loop carries: the failure policy's bookkeeping. */
struct pt_children_run {
	struct pt_children *ch;
	const struct ex_config *config;
	const struct ex_job *job;
	pt_child_reaped_fn reaped;
	void *ctx;
	char *err;
	size_t errlen;
	bool tolerant;	       /* continue or retry, with a failure record */
	bool stop;	       /* start nothing more: the job fails */
	int ret;	       /* the first failure, or 0 */
	uint64_t next_task;    /* the next task never started */
	uint64_t *retry_tasks; /* failed tasks to run again (retry:N) */
	unsigned *retry_attempts;
	size_t nretry, retry_cap;
};

/* Fails the job with code and why, unless it already failed. */
static void pt_children_fail(struct pt_children_run *run, unsigned slot,
			     int code, const char *why)
{
	struct pt_children *ch = run->ch;

	run->stop = true;
	if (run->ret != 0)
		return;
	snprintf(run->err, run->errlen, "task %llu: worker %u (pid %d) %s",
		 (unsigned long long)ch->tasks[slot], slot, (int)ch->pids[slot],
		 why);
	run->ret = code;
}

/* Queues task for another run; false when out of memory. */
static bool pt_children_queue_retry(struct pt_children_run *run, uint64_t task,
				    unsigned attempts)
{
	if (run->nretry == run->retry_cap) {
		size_t cap = run->retry_cap ? run->retry_cap * 2 : 16;
		uint64_t *tasks =
		    realloc(run->retry_tasks, cap * sizeof(*tasks));
		unsigned *counts;

		if (!tasks)
			return false;
		run->retry_tasks = tasks;
		counts = realloc(run->retry_attempts, cap * sizeof(*counts));
		if (!counts)
			return false;
		run->retry_attempts = counts;
		run->retry_cap = cap;
	}
	run->retry_tasks[run->nretry] = task;
	run->retry_attempts[run->nretry++] = attempts;
	return true;
}

/* What slot's failed run means under the failure policy. */
static void pt_children_failed(struct pt_children_run *run, unsigned slot,
			       int status)
{
	const struct ex_config *config = run->config;
	struct pt_children *ch = run->ch;
	struct ex_failure failure = {
	    .task = ch->tasks[slot],
	    .worker = slot,
	    .pid = ch->pids[slot],
	    .status = status,
	    .timed_out = ch->killed[slot],
	    .attempts = ch->attempts[slot],
	};
	struct ex_failures *failures = run->job->failures;
	char why[128];

	if (run->tolerant) {
		if (config->on_failure == EX_ON_FAILURE_RETRY &&
		    failure.attempts <= config->retries) {
			if (pt_children_queue_retry(run, failure.task,
						    failure.attempts))
				return;
		} else {
			if (failures->count < failures->capacity)
				failures->list[failures->count] = failure;
			failures->count++;
			return;
		}
	}
	pt_describe_end(status, failure.timed_out, config->task_timeout_ns, why,
			sizeof(why));
	pt_children_fail(run, slot, -ECHILD, why);
}

/*
 * Reaps slot's child, noticed ended at notice (ns, 0: unknown), hands it to
 * the reaped callback and applies the failure policy to an abnormal end.
 */
static void pt_children_reap(struct pt_children_run *run, unsigned slot,
			     uint64_t notice)
{
	struct pt_children *ch = run->ch;
	struct ex_failures *failures = run->job->failures;
	int status = 0, verdict = 0;
	char why[160] = "";
	pid_t reaped;
	bool clean;

	do {
		reaped = waitpid(ch->pids[slot], &status, 0);
	} while (reaped < 0 && errno == EINTR);
	clean = reaped >= 0 && pt_status_clean(status);
	if (run->reaped)
		verdict = run->reaped(run->ctx, slot, ch->tasks[slot], clean,
				      why, sizeof(why));
	if (!clean) {
		if (failures) {
			uint64_t now = pt_now_ns();

			if (ch->killed[slot])
				notice = ch->started_ns[slot] +
					 run->config->task_timeout_ns;
			failures->detections++;
			if (notice && now > notice)
				failures->detect_s +=
				    (double)(now - notice) * 1e-9;
		}
		pt_children_failed(run, slot, reaped < 0 ? -1 : status);
	} else if (verdict != 0) {
		pt_children_fail(run, slot, -ECHILD, why);
	}
	if (ch->pidfds[slot].fd >= 0)
		close(ch->pidfds[slot].fd);
	ch->pidfds[slot].fd = -1;
	ch->pids[slot] = 0;
	ch->killed[slot] = false;
}

/*
 * Kills the children whose task has run past the task timeout; returns the
 * earliest deadline of the others (ns), or 0 without a timeout.
 */
static uint64_t pt_children_kill_overdue(struct pt_children_run *run)
{
	struct pt_children *ch = run->ch;
	uint64_t timeout = run->config->task_timeout_ns;
	uint64_t now, next = 0;

	if (timeout == 0)
		return 0;
	now = pt_now_ns();
	for (unsigned s = 0; s < ch->slots; s++) {
		uint64_t deadline = ch->started_ns[s] + timeout;

		if (ch->pids[s] <= 0 || ch->killed[s])
			continue;
		if (deadline <= now) {
			ch->killed[s] = true;
			kill(ch->pids[s], SIGKILL);
		} else if (next == 0 || deadline < next) {
			next = deadline;
		}
	}
	return next;
}

/* Waits for at least one running child to end; returns how many ended. */
static unsigned pt_children_wait_any(struct pt_children_run *run)
{
	struct pt_children *ch = run->ch;
	unsigned reaped = 0, used = 0;
	uint64_t notice;
	int ready;

	/* Without pidfds (old kernel) a slot is reaped by a blocking
	 * waitpid instead; slower, still correct. Only slots up to the last
	 * one in use are polled: ppoll refuses more entries than
	 * RLIMIT_NOFILE. */
	for (unsigned s = 0; s < ch->slots; s++) {
		if (ch->pids[s] > 0 && ch->pidfds[s].fd < 0) {
			pt_children_reap(run, s, 0);
			return 1;
		}
		if (ch->pids[s] > 0)
			used = s + 1;
	}
	do {
		uint64_t deadline = pt_children_kill_overdue(run);
		struct timespec left, *timeout = NULL;

		if (deadline) {
			uint64_t wait = deadline - pt_now_ns();

			if (wait > deadline) /* the deadline just passed */
				wait = 0;
			left.tv_sec = (time_t)(wait / 1000000000u);
			left.tv_nsec = (long)(wait % 1000000000u);
			timeout = &left;
		}
		ready = ppoll(ch->pidfds, used, timeout, NULL);
	} while (ready == 0 || (ready < 0 && errno == EINTR));
	/* ppoll failed: never spin on it, wait for one child instead. */
	for (unsigned s = 0; ready < 0 && s < used; s++) {
		if (ch->pids[s] > 0) {
			pt_children_reap(run, s, 0);
			return 1;
		}
	}
	notice = pt_now_ns();
	for (unsigned s = 0; ready > 0 && s < ch->slots; s++) {
		if (ch->pids[s] > 0 && ch->pidfds[s].revents != 0) {
			pt_children_reap(run, s, notice);
			reaped++;
		}
	}
	return reaped;
}

/* The next task to start and its run number; false if none is waiting. */
static bool pt_children_next(struct pt_children_run *run, uint64_t *task,
			     unsigned *attempt)
{
	if (run->nretry > 0) {
		run->nretry--;
		*task = run->retry_tasks[run->nretry];
		*attempt = run->retry_attempts[run->nretry] + 1;
		run->job->failures->retried++;
		return true;
	}
	if (run->next_task < run->job->ntasks) {
		*task = run->next_task++;
		*attempt = 1;
		return true;
	}
	return false;
}

static int pt_children_compare_failures(const void *a, const void *b)
{
	const struct ex_failure *x = a, *y = b;

	return x->task < y->task ? -1 : x->task > y->task;
}

int pt_children_run(struct pt_children *ch, const struct ex_config *config,
		    const struct ex_job *job, pt_child_start_fn start,
		    pt_child_reaped_fn reaped, void *ctx, char *err,
		    size_t errlen)
{
	struct pt_children_run run = {
	    .ch = ch,
	    .config = config,
	    .job = job,
	    .reaped = reaped,
	    .ctx = ctx,
	    .err = err,
	    .errlen = errlen,
	    .tolerant =
		job->failures && config->on_failure != EX_ON_FAILURE_ABORT,
	};
	struct ex_failures *failures = job->failures;
	unsigned running = 0;
	size_t listed;

	if (failures)
		*failures = (struct ex_failures){
		    .list = failures->list, .capacity = failures->capacity};
	for (;;) {
		uint64_t task;
		unsigned attempt, slot = 0;
		pid_t pid;

		/* Nothing to start now: a child that ends may queue a retry. */
		if (run.stop || !pt_children_next(&run, &task, &attempt)) {
			if (running == 0)
				break;
			running -= pt_children_wait_any(&run);
			continue;
		}
		while (running == ch->slots)
			running -= pt_children_wait_any(&run);
		if (run.stop)
			break;
		while (ch->pids[slot] > 0)
			slot++;
		pid = start(ctx, slot, task, err, errlen);
		if (pid < 0) {
			run.ret = (int)pid;
			run.stop = true;
			break;
		}
		ch->pids[slot] = pid;
		ch->tasks[slot] = task;
		ch->attempts[slot] = attempt;
		/* The clock only with a task timeout. */
		if (config->task_timeout_ns)
			ch->started_ns[slot] = pt_now_ns();
		ch->pidfds[slot].fd = pt_pidfd_open(pid);
		ch->pidfds[slot].revents = 0;
		running++;
		/* Out of descriptors: the limit, once, not a slow crawl. */
		if (ch->pidfds[slot].fd < 0 &&
		    (errno == EMFILE || errno == ENFILE)) {
			int code = -errno;
			char why[128];

			kill(pid, SIGKILL); /* reaped below */
			run.stop = true;
			if (run.ret == 0) {
				pt_describe_spawn_error(code, why, sizeof(why));
				snprintf(err, errlen,
					 "task %llu: cannot watch its process "
					 "(pidfd_open): %s",
					 (unsigned long long)task, why);
				run.ret = code;
			}
			break;
		}
	}
	while (running > 0)
		running -= pt_children_wait_any(&run);
	free(run.retry_tasks);
	free(run.retry_attempts);
	listed = !failures				? 0
		 : failures->count < failures->capacity ? failures->count
							: failures->capacity;
	if (listed > 0)
		qsort(failures->list, listed, sizeof(*failures->list),
		      pt_children_compare_failures);
	return run.ret;
}
