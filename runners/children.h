/*
 * Child slots: the one loop shared by the executors that start one process
 * per task (process-per-task forks, process-spawn execs), with the failure
 * policies and the task timeout. Internal to runners/.
 *
 * The design is simple: pt_children_run() starts a child for the next task
 * as soon as one of the W slots is free, through the executor's start
 * callback, and waits for any of its own children with ppoll() on their
 * pidfds, then reaps exactly that pid, so it never steals another part of
 * the program's children as waitpid(-1) would. Every reaped child is handed
 * to the executor's reaped callback (to collect its result, close its
 * descriptors). A child that ends abnormally is a failed task, handled by
 * the failure policy of the executor's ex_config: abort fails the job with
 * -ECHILD once every other child of the job is reaped, the first failure
 * naming the task, the slot, the pid and why; continue records it in
 * job->failures and goes on; retry:N queues the task to run again in a
 * fresh child, up to N more times, then records it. With a task timeout
 * the loop remembers each child's start time and ppoll() has the earliest
 * deadline as its timeout; an overdue child is SIGKILLed and its task fails
 * as "timed out". Each failure is timed from the moment the loop learnt of
 * it (ppoll returned, or the deadline) to the reaping; there is no worker
 * to replace, as every task gets a fresh process anyway. A child that exits
 * cleanly but whose result the reaped callback refuses is no task fault but
 * a broken protocol: it fails the job whatever the policy.
 *
 * Invariant: between pt_children_run() calls no child exists; pids[s] > 0
 * exactly while slot s holds an unreaped child.
 */
#ifndef PT_CHILDREN_H
#define PT_CHILDREN_H

#include "executor.h"

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pt_children {
	unsigned slots;
	pid_t *pids;	       /* per slot: running child, or 0 */
	uint64_t *tasks;       /* per slot: the child's task */
	struct pollfd *pidfds; /* per slot: its pidfd, or fd -1 */
	unsigned *attempts;    /* per slot: the run number of its task */
	uint64_t *started_ns;  /* per slot: when it started (task timeout) */
	bool *killed;	       /* per slot: killed past the task timeout */
};

/*
 * Starts the child of task in slot. Returns its pid, or a negative errno
 * code after writing a one-line reason to err.
 */
typedef pid_t (*pt_child_start_fn)(void *ctx, unsigned slot, uint64_t task,
				   char *err, size_t errlen);

/*
 * Called once per reaped child; clean says whether it exited with status 0.
 * Returns 0, or (only when clean) a negative errno code after writing why
 * the child's result is unusable to why. May be NULL.
 */
typedef int (*pt_child_reaped_fn)(void *ctx, unsigned slot, uint64_t task,
				  bool clean, char *why, size_t whylen);

/* Returns 0 or -ENOMEM. */
int pt_children_init(struct pt_children *ch, unsigned slots);
void pt_children_free(struct pt_children *ch);

/*
 * Runs tasks 0..job->ntasks-1, one child each, at most ch->slots at once,
 * under config's failure policy and task timeout; resets and fills
 * job->failures when given (its list sorted by task). Returns 0 when every
 * task succeeded or its failure was recorded, else a negative errno code
 * (-ECHILD for a failed child, the start callback's code) with the reason
 * in err.
 */
int pt_children_run(struct pt_children *ch, const struct ex_config *config,
		    const struct ex_job *job, pt_child_start_fn start,
		    pt_child_reaped_fn reaped, void *ctx, char *err,
		    size_t errlen);

#endif
