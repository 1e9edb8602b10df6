/*
 * The process pool: W persistent worker processes running the dispatch core
 * on a control block in one anonymous MAP_SHARED mapping (futexes without
 * FUTEX_PRIVATE_FLAG), so that it runs the very scheduling code the thread
 * pool runs.
 *
 * The design is simple: start() maps the control block and the results
 * array, then forks the workers (before any thread exists; each dies with
 * its parent through PR_SET_PDEATHSIG), which run pt_worker_loop() and
 * _exit(0): they never return into the caller's code. map() posts a job,
 * waits, and copies the results out of the shared array into job->results;
 * that copy is the honest cost of results crossing a process boundary.
 *
 * A dead worker is noticed at once, without polling: a SIGCHLD handler marks
 * every watched pool's child_event and futex-wakes its done word, and the
 * caller's wait returns -ECHILD. The caller then reaps its own workers with
 * waitpid(WNOHANG) (never waitpid(-1): other children are not ours), reads
 * the task the dead worker was running from its slot and forks a
 * replacement into the empty slot at once (it joins at the next
 * generation). What happens to the job is the failure policy's call:
 * - abort: the job is cancelled (claims stop), the survivors check in, and
 *   map() fails with -ECHILD and the error naming the task and the signal
 *   or exit status; the pool stays usable.
 * - continue, retry:N: the survivors finish the job; then the tasks that
 *   never completed (the core's per-task completion stamps say which: the
 *   dead worker's task, the rest of its chunk or static share, a chunk it
 *   claimed but never began) run again as a subset job on every worker,
 *   replacements included, until none is left. The task a dead worker was
 *   running failed once; it is run again while retries are left, else
 *   recorded in job->failures. Every schedule is handled the same way.
 * A task timeout gives the caller's futex wait a deadline: the earliest
 * task start (stamped by workers only then) plus the timeout. An overdue
 * worker is SIGKILLed and handled as a death whose reason is the timeout.
 * Deaths, their detection and the replacements' start-up are timed (see
 * struct ex_failures).
 *
 * Caveats, all outside the fast path: the caller must not block SIGCHLD (a
 * death would then go unnoticed until the supervisor's timeout); a
 * waitpid(-1) elsewhere in the caller can steal a worker's status (the job
 * then fails with "was reaped by someone else"); PR_SET_PDEATHSIG follows the
 * thread that forked, so start() and map() should run on the same thread.
 *
 * Under --start=forkserver (ex_config.start) the workers are forked by the
 * fork server (forkserver.h) instead, and under --start=spawn each is an
 * exec of the program in its pool worker mode (EX_POOL_WORKER_FLAG):
 * children of ours all the same, so everything above holds; the control
 * block is then a memfd's mapping, which they map at our address (its
 * pointers hold there), and each worker runs jobs on its own copy of the
 * workload (pt_worker_set_task).
 *
 * Invariant: pids[w] > 0 exactly when slot w has a live (unreaped) worker.
 */
#include "core.h"
#include "forkserver.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* Pools alive at once in one process (tests start a few; the driver one). */
#define PROCESS_POOL_MAX_WATCHED 16

/* How long stop() lets a worker exit by itself before SIGKILL. */
#define PROCESS_POOL_STOP_TIMEOUT_MS 1000

struct process_pool {
	struct executor base;	/* first: the executor is a process_pool */
	struct pt_control *ctl; /* the shared mapping */
	size_t mapping_size;
	int ctl_fd; /* forkserver: the mapping's memfd, or -1 */
	struct pt_forkserver *server; /* forkserver, or NULL */
	pid_t *pids;		      /* per slot: live worker, or 0 */
	/* Per slot, for the failure path: the task its worker was killed for
	 * (PT_NO_TASK: not killed) and that task's deadline; when a dead
	 * worker was reaped (0: no replacement pending). */
	uint64_t *killed_for;
	uint64_t *kill_deadline;
	uint64_t *reaped_ns;
	pid_t parent;
	bool watched; /* registered with the SIGCHLD handler */
	bool broken;  /* a dead worker could not be replaced */
};

/*
 * SIGCHLD bookkeeping. watched_pools is read by the handler (any thread, any
 * time) and written by start/stop; an entry is cleared before its mapping is
 * unmapped. watch_users and previous_sigchld are touched by start/stop only.
 */
static _Atomic(struct pt_control *) watched_pools[PROCESS_POOL_MAX_WATCHED];
static unsigned watch_users;
static struct sigaction previous_sigchld;

static void process_pool_on_sigchld(int sig, siginfo_t *info, void *context)
{
	int saved_errno = errno;

	for (size_t i = 0; i < PROCESS_POOL_MAX_WATCHED; i++) {
		struct pt_control *ctl = atomic_load(&watched_pools[i]);

		if (ctl)
			pt_note_child_event(ctl);
	}
	/* Someone else's handler still deserves its signal. */
	if (previous_sigchld.sa_handler != SIG_DFL &&
	    previous_sigchld.sa_handler != SIG_IGN) {
		if (previous_sigchld.sa_flags & SA_SIGINFO)
			previous_sigchld.sa_sigaction(sig, info, context);
		else
			previous_sigchld.sa_handler(sig);
	}
	errno = saved_errno;
}

static int process_pool_watch(struct process_pool *pool)
{
	size_t free_entry = PROCESS_POOL_MAX_WATCHED;

	for (size_t i = 0; i < PROCESS_POOL_MAX_WATCHED; i++) {
		if (!atomic_load(&watched_pools[i])) {
			free_entry = i;
			break;
		}
	}
	if (free_entry == PROCESS_POOL_MAX_WATCHED)
		return -EBUSY;
	if (watch_users == 0) {
		struct sigaction action = {
		    .sa_sigaction = process_pool_on_sigchld,
		    .sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP,
		};

		sigemptyset(&action.sa_mask);
		if (sigaction(SIGCHLD, &action, &previous_sigchld) != 0)
			return -errno;
	}
	watch_users++;
	atomic_store(&watched_pools[free_entry], pool->ctl);
	pool->watched = true;
	return 0;
}

static void process_pool_unwatch(struct process_pool *pool)
{
	if (!pool->watched)
		return;
	for (size_t i = 0; i < PROCESS_POOL_MAX_WATCHED; i++) {
		if (atomic_load(&watched_pools[i]) == pool->ctl)
			atomic_store(&watched_pools[i], NULL);
	}
	pool->watched = false;
	if (--watch_users == 0)
		sigaction(SIGCHLD, &previous_sigchld, NULL);
}

/* Forks the worker of slot w; the child never returns from here. */
static int process_pool_spawn(struct process_pool *pool, unsigned w)
{
	pid_t pid;

	if (pool->server) {
		char ignored[256]; /* callers describe the code */

		pid = pt_forkserver_fork(pool->server, w, 0, ignored,
					 sizeof(ignored));
		if (pid < 0)
			return (int)pid;
		pool->pids[w] = pid;
		return 0;
	}
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		pt_child_setup(pool->parent);
		pt_pin_self(w);
		pt_worker_loop(pool->ctl, w);
		_exit(0);
	}
	pool->pids[w] = pid;
	return 0;
}

/* Shuts down and reaps every worker, unmaps, frees; start's cleanup too. */
static void process_pool_destroy(struct process_pool *pool)
{
	if (pool->ctl) {
		pt_shutdown(pool->ctl);
		for (unsigned w = 0; w < pool->base.config.workers; w++) {
			int status;

			if (pool->pids[w] <= 0)
				continue;
			pt_reap_child(pool->pids[w],
				      PROCESS_POOL_STOP_TIMEOUT_MS, &status);
			pool->pids[w] = 0;
		}
		process_pool_unwatch(pool);
		munmap(pool->ctl, pool->mapping_size);
	}
	pt_forkserver_close(pool->server);
	if (pool->ctl_fd >= 0)
		close(pool->ctl_fd);
	free(pool->pids);
	free(pool->killed_for);
	free(pool->kill_deadline);
	free(pool->reaped_ns);
	free(pool);
}

/* The worker that died in slot w, as reaped. */
struct pool_death {
	unsigned worker;
	pid_t pid;
	int status;	 /* waitpid status, or -1: reaped by someone else */
	uint64_t task;	 /* the task it was running, or PT_NO_TASK */
	bool timed_out;	 /* we killed it past the task timeout */
	uint64_t notice; /* ns: when we learnt of it (or its deadline) */
};

/* Names a death in the executor's error (the first of a failed job). */
static void process_pool_name_death(struct process_pool *pool,
				    const struct pool_death *death)
{
	char why[96];

	pt_describe_end(death->status, death->timed_out,
			pool->base.config.task_timeout_ns, why, sizeof(why));
	if (death->task != PT_NO_TASK)
		snprintf(pool->base.error, sizeof(pool->base.error),
			 "task %llu: worker %u (pid %d) %s",
			 (unsigned long long)death->task, death->worker,
			 (int)death->pid, why);
	else
		snprintf(pool->base.error, sizeof(pool->base.error),
			 "worker %u (pid %d) %s while idle", death->worker,
			 (int)death->pid, why);
}

/*
 * Reaps the worker of slot w if it ended; true if it did, with *death
 * filled. The task it was running failed unless completion tracking says
 * the task completed (the worker died between two tasks).
 */
static bool process_pool_reap_slot(struct process_pool *pool, unsigned w,
				   uint64_t notice, struct pool_death *death)
{
	struct pt_control *ctl = pool->ctl;
	int status = 0;
	pid_t reaped = waitpid(pool->pids[w], &status, WNOHANG);

	/* ECHILD: someone's waitpid(-1) took our worker; dead too. */
	if (reaped == 0 || (reaped < 0 && errno != ECHILD))
		return false;
	*death = (struct pool_death){
	    .worker = w,
	    .pid = pool->pids[w],
	    .status = reaped < 0 ? -1 : status,
	    .task = atomic_load_explicit(&ctl->slots[w].current_task,
					 memory_order_relaxed),
	    .notice = notice,
	};
	if (death->task != PT_NO_TASK && ctl->task_done &&
	    pt_task_done(ctl, death->task))
		death->task = PT_NO_TASK;
	if (pool->killed_for[w] != PT_NO_TASK) {
		death->timed_out = death->task == pool->killed_for[w];
		death->notice = pool->kill_deadline[w];
		pool->killed_for[w] = PT_NO_TASK;
	}
	pool->pids[w] = 0;
	return true;
}

/* Forks a fresh worker into slot w, to join after generation. */
static int process_pool_respawn(struct process_pool *pool, unsigned w,
				uint32_t generation)
{
	struct pt_control *ctl = pool->ctl;

	/* The newcomer must wait for the next job, not this one. */
	atomic_store(&ctl->slots[w].finished_generation, generation);
	atomic_store(&ctl->slots[w].current_task, PT_NO_TASK);
	atomic_fetch_sub(&ctl->workers_running, 1);
	return process_pool_spawn(pool, w);
}

/*
 * Waits until every worker runs (at start); -ECHILD, with the error naming
 * the death, if one died first. Events about other children are ignored.
 */
static int process_pool_wait_running(struct process_pool *pool)
{
	struct pt_control *ctl = pool->ctl;
	struct pool_death death;
	int ret;

	for (;;) {
		ret = pt_wait_running(ctl, pool->base.config.workers);
		if (ret == 0)
			break;
		atomic_store(&ctl->child_event, 0);
		for (unsigned w = 0; w < pool->base.config.workers; w++) {
			if (pool->pids[w] > 0 &&
			    process_pool_reap_slot(pool, w, 0, &death)) {
				process_pool_name_death(pool, &death);
				return ret;
			}
		}
	}
	return ret;
}

/* The failure policy's view of one map() in the slow path. */
struct pool_run {
	const struct ex_job *job;
	uint32_t generation;
	bool tolerant;		  /* continue or retry, with a failure record */
	bool cancelled;		  /* claims stopped: the job fails */
	int error;		  /* what map() returns when cancelled */
	unsigned deaths;	  /* in this map() */
	unsigned idle_deaths;	  /* deaths with no failed task */
	unsigned replacing;	  /* replacements not yet counted as running */
	struct ex_failure *tried; /* tasks that failed at least once */
	size_t ntried, tried_cap;
};

/* The record of task in run->tried, or NULL. */
static struct ex_failure *process_pool_tried(struct pool_run *run,
					     uint64_t task)
{
	for (size_t i = run->ntried; i-- > 0;)
		if (run->tried[i].task == task)
			return &run->tried[i];
	return NULL;
}

/* Whether a failed task is done failing: no retry is left for it. */
static bool process_pool_final(const struct process_pool *pool,
			       const struct ex_failure *tried)
{
	const struct ex_config *config = &pool->base.config;

	return config->on_failure != EX_ON_FAILURE_RETRY ||
	       tried->attempts > config->retries;
}

/* Records one failed run of death->task; 0, or -ENOMEM. */
static int process_pool_note_failure(struct process_pool *pool,
				     struct pool_run *run,
				     const struct pool_death *death)
{
	struct ex_failure *tried = process_pool_tried(run, death->task);

	if (!tried) {
		if (run->ntried == run->tried_cap) {
			size_t cap = run->tried_cap ? run->tried_cap * 2 : 16;
			struct ex_failure *grown =
			    realloc(run->tried, cap * sizeof(*grown));

			if (!grown)
				return -ENOMEM;
			run->tried = grown;
			run->tried_cap = cap;
		}
		tried = &run->tried[run->ntried++];
		*tried = (struct ex_failure){.task = death->task};
	}
	tried->worker = death->worker;
	tried->pid = death->pid;
	tried->status = death->status;
	tried->timed_out = death->timed_out;
	tried->attempts++;
	if (!process_pool_final(pool, tried))
		run->job->failures->retried++;
	return 0;
}

/*
 * Handles a child event: reaps every dead worker, records what it was
 * running, applies the failure policy and forks replacements.
 */
static void process_pool_handle_deaths(struct process_pool *pool,
				       struct pool_run *run)
{
	struct pt_control *ctl = pool->ctl;
	struct ex_failures *failures = run->job->failures;
	uint64_t notice = atomic_load(&ctl->child_event_ns);

	atomic_store(&ctl->child_event, 0);
	for (unsigned w = 0; w < pool->base.config.workers; w++) {
		struct pool_death death;
		uint64_t now;
		int ret = 0;

		if (pool->pids[w] <= 0 ||
		    !process_pool_reap_slot(pool, w, notice, &death))
			continue;
		now = pt_now_ns();
		if (failures) {
			failures->detections++;
			if (death.notice && now > death.notice)
				failures->detect_s +=
				    (double)(now - death.notice) * 1e-9;
		}
		if (run->deaths++ == 0 || !run->cancelled)
			process_pool_name_death(pool, &death);
		if (death.task == PT_NO_TASK)
			run->idle_deaths++;
		else if (run->tolerant)
			ret = process_pool_note_failure(pool, run, &death);
		/* Any death fails the job under abort: without completion
		 * tracking nobody knows which tasks are left. Workers that
		 * keep dying idle (at start) would loop forever. */
		if (!run->tolerant || ret != 0 ||
		    run->idle_deaths > 4 * pool->base.config.workers + 16) {
			if (!run->cancelled) {
				pt_fail_job(ctl);
				run->error = ret ? ret : -ECHILD;
			}
			run->cancelled = true;
		}
		/* Check-ins wake the caller, who now counts them per slot. */
		atomic_store(&ctl->job_failed, 1);
		pool->reaped_ns[w] = now;
		ret = process_pool_respawn(pool, w, run->generation);
		if (ret != 0) {
			pool->broken = true;
			char why[128];

			pt_describe_spawn_error(ret, why, sizeof(why));
			snprintf(pool->base.error, sizeof(pool->base.error),
				 "process-pool: replacing worker %u: fork: %s",
				 w, why);
			if (!run->cancelled)
				pt_fail_job(ctl);
			run->cancelled = true;
			run->error = ret;
			continue;
		}
		run->replacing++;
	}
}

/*
 * Kills every worker whose task has run past the task timeout; returns the
 * next deadline. A task that starts after now has a deadline later than
 * now + timeout, so no deadline is missed by sleeping until the result.
 */
static uint64_t process_pool_kill_overdue(struct process_pool *pool,
					  uint64_t now)
{
	struct pt_control *ctl = pool->ctl;
	uint64_t timeout = pool->base.config.task_timeout_ns;
	uint64_t next = now + timeout;

	for (unsigned w = 0; w < pool->base.config.workers; w++) {
		struct pt_slot *slot = &ctl->slots[w];
		uint64_t task, deadline;

		if (pool->pids[w] <= 0)
			continue;
		task = atomic_load_explicit(&slot->current_task,
					    memory_order_acquire);
		if (task == PT_NO_TASK || pool->killed_for[w] == task ||
		    (ctl->task_done && pt_task_done(ctl, task)))
			continue;
		deadline = atomic_load_explicit(&slot->task_started_ns,
						memory_order_relaxed) +
			   timeout;
		if (deadline > now) {
			if (deadline < next)
				next = deadline;
			continue;
		}
		pool->killed_for[w] = task;
		pool->kill_deadline[w] = deadline;
		kill(pool->pids[w], SIGKILL);
	}
	return next;
}

/* Whether every live worker has checked in for generation. */
static bool process_pool_generation_done(struct process_pool *pool,
					 uint32_t generation)
{
	struct pt_control *ctl = pool->ctl;

	if (!atomic_load(&ctl->job_failed))
		return atomic_load(&ctl->workers_done) >= ctl->workers;
	for (unsigned w = 0; w < pool->base.config.workers; w++) {
		if (pool->pids[w] > 0 && !pt_slot_finished(ctl, w, generation))
			return false;
	}
	return true;
}

/* Counts replacements as started once every slot runs a worker. */
static bool process_pool_all_running(struct process_pool *pool,
				     struct pool_run *run)
{
	struct pt_control *ctl = pool->ctl;
	struct ex_failures *failures = run->job->failures;
	uint64_t now;

	if (atomic_load(&ctl->workers_running) < ctl->workers)
		return false;
	if (run->replacing == 0)
		return true;
	now = pt_now_ns();
	for (unsigned w = 0; failures && w < ctl->workers; w++) {
		if (pool->reaped_ns[w] == 0)
			continue;
		failures->replacements++;
		failures->replace_s +=
		    (double)(now - pool->reaped_ns[w]) * 1e-9;
	}
	memset(pool->reaped_ns, 0, ctl->workers * sizeof(*pool->reaped_ns));
	run->replacing = 0;
	return true;
}

/*
 * Waits until the generation in flight is over: every live worker checked
 * in and every replacement runs (or none can be made). Deaths, task
 * timeouts and other children's events are handled on the way.
 */
static void process_pool_finish_generation(struct process_pool *pool,
					   struct pool_run *run)
{
	struct pt_control *ctl = pool->ctl;
	uint64_t deadline = 0;

	for (;;) {
		uint32_t seen = pt_done_word(ctl);
		bool running;

		if (atomic_load(&ctl->child_event))
			process_pool_handle_deaths(pool, run);
		if (ctl->timed)
			deadline = process_pool_kill_overdue(pool, pt_now_ns());
		/* Replacements are counted as soon as they run. */
		running = pool->broken || process_pool_all_running(pool, run);
		if (running &&
		    process_pool_generation_done(pool, run->generation))
			break;
		pt_sleep_until_done_changes(ctl, seen, deadline);
	}
	atomic_store(&ctl->job_failed, 0);
}

/*
 * Puts the tasks still to run (never completed, not failed for good) in
 * task_map; returns how many.
 */
static uint64_t process_pool_collect_rest(struct process_pool *pool,
					  struct pool_run *run)
{
	struct pt_control *ctl = pool->ctl;
	uint64_t count = 0;

	for (uint64_t i = 0; i < run->job->ntasks; i++) {
		const struct ex_failure *tried;

		if (pt_task_done(ctl, i))
			continue;
		tried = process_pool_tried(run, i);
		if (!tried || !process_pool_final(pool, tried))
			ctl->task_map[count++] = i;
	}
	return count;
}

static int process_pool_compare_failures(const void *a, const void *b)
{
	const struct ex_failure *x = a, *y = b;

	return x->task < y->task ? -1 : x->task > y->task;
}

/* Copies the tasks that failed for good into the caller's record. */
static void process_pool_report(struct process_pool *pool, struct pool_run *run)
{
	struct ex_failures *failures = run->job->failures;

	if (run->ntried == 0)
		return; /* an idle death: no task failed */
	qsort(run->tried, run->ntried, sizeof(*run->tried),
	      process_pool_compare_failures);
	for (size_t i = 0; i < run->ntried; i++) {
		if (pt_task_done(pool->ctl, run->tried[i].task))
			continue;
		if (failures->count < failures->capacity)
			failures->list[failures->count] = run->tried[i];
		failures->count++;
	}
}

/*
 * The slow path, entered when the wait saw a child event or a task
 * deadline during the job of generation. Under abort the first death
 * cancels the job (-ECHILD, the error names it) once the survivors are idle
 * and the dead replaced. Under continue and retry the job goes on: once a
 * generation is over, the tasks that never completed (and are not failed
 * for good) run again as a subset job, until none is left; then 0.
 */
static int process_pool_recover(struct process_pool *pool,
				const struct ex_job *job, uint32_t generation)
{
	struct pool_run run = {
	    .job = job,
	    .generation = generation,
	    .tolerant = job->failures && pool->ctl->task_done,
	};
	int ret = 0;

	for (;;) {
		uint64_t rest;

		process_pool_finish_generation(pool, &run);
		if (run.cancelled || pool->broken) {
			if (run.deaths > 1 && run.error == -ECHILD) {
				size_t used = strlen(pool->base.error);

				snprintf(pool->base.error + used,
					 sizeof(pool->base.error) - used,
					 " (and %u more workers died)",
					 run.deaths - 1);
			}
			ret = run.error ? run.error : -ECHILD;
			goto out;
		}
		if (run.deaths == 0 || !run.tolerant)
			goto out; /* another child's event: no harm done */
		rest = process_pool_collect_rest(pool, &run);
		if (rest == 0)
			break;
		run.generation = pt_post_subset(pool->ctl, rest);
	}
	process_pool_report(pool, &run);
out:
	free(run.tried);
	return ret;
}

static int process_pool_start(const struct ex_config *config,
			      struct executor **out, char *err, size_t errlen)
{
	struct process_pool *pool = NULL;
	unsigned workers = config->workers;
	void *mapping;
	int ret = 0;

	*out = NULL;
	ret = pt_start_check("process-pool", config, err, errlen);
	if (ret)
		goto out;
	pool = calloc(1, sizeof(*pool));
	if (pool)
		pool->ctl_fd = -1;
	if (!pool || !(pool->pids = calloc(workers, sizeof(*pool->pids))) ||
	    !(pool->killed_for = calloc(workers, sizeof(uint64_t))) ||
	    !(pool->kill_deadline = calloc(workers, sizeof(uint64_t))) ||
	    !(pool->reaped_ns = calloc(workers, sizeof(uint64_t)))) {
		snprintf(err, errlen, "process-pool: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned w = 0; w < workers; w++)
		pool->killed_for[w] = PT_NO_TASK;
	pool->base.ops = &ex_process_pool;
	pool->base.config = *config;
	pool->base.config.spawn_spec = NULL; /* the server has its copy */
	pool->base.config.spawn_channels = NULL;
	pool->parent = getpid();
	pool->mapping_size = pt_control_size(config, config->max_tasks);
	ret = pt_shared_map(config->start != EX_START_FORK, pool->mapping_size,
			    &mapping, &pool->ctl_fd);
	if (ret) {
		snprintf(err, errlen, "process-pool: mapping %zu bytes: %s",
			 pool->mapping_size, strerror(-ret));
		goto out;
	}
	pool->ctl = mapping;
	pt_control_init(pool->ctl, config, config->max_tasks, true);
	if (config->start != EX_START_FORK) {
		ret = pt_forkserver_open(
		    config, "process-pool", PT_FORKSERVER_POOL, pool->ctl_fd,
		    mapping, pool->mapping_size, &pool->server, err, errlen);
		if (ret)
			goto out;
	}
	ret = process_pool_watch(pool);
	if (ret != 0) {
		snprintf(err, errlen, "process-pool: watching SIGCHLD: %s",
			 strerror(-ret));
		goto out;
	}
	for (unsigned w = 0; w < workers; w++) {
		ret = process_pool_spawn(pool, w);
		if (ret != 0) {
			char why[128];

			pt_describe_spawn_error(ret, why, sizeof(why));
			snprintf(err, errlen,
				 "process-pool: forking worker %u of %u: %s", w,
				 workers, why);
			goto out;
		}
	}
	ret = process_pool_wait_running(pool);
	if (ret != 0) {
		snprintf(err, errlen, "process-pool: at start: %s",
			 pool->base.error);
		goto out;
	}
	*out = &pool->base;
out:
	if (ret != 0 && pool)
		process_pool_destroy(pool);
	return ret;
}

static int process_pool_map(struct executor *ex, const struct ex_job *job)
{
	struct process_pool *pool = (struct process_pool *)ex;
	struct pt_control *ctl = pool->ctl;
	uint32_t generation;
	int ret = 0;

	if (pool->broken) {
		snprintf(ex->error, sizeof(ex->error),
			 "process-pool: lost a worker it could not replace");
		ret = -ECHILD;
		goto out;
	}
	if (job->ntasks > ctl->results_capacity) {
		snprintf(ex->error, sizeof(ex->error),
			 "process-pool: job of %llu tasks exceeds max_tasks "
			 "%llu",
			 (unsigned long long)job->ntasks,
			 (unsigned long long)ctl->results_capacity);
		ret = -EINVAL;
		goto out;
	}
	if (job->failures) {
		struct ex_failure *list = job->failures->list;
		size_t capacity = job->failures->capacity;

		*job->failures =
		    (struct ex_failures){.list = list, .capacity = capacity};
	}
	generation = pt_post_job(ctl, job->fn, job->arg, job->ntasks,
				 ctl->shared_results);
	/* With a task timeout no task can be overdue before post + timeout. */
	ret = pt_wait_count_until(
	    ctl, &ctl->workers_done, ctl->workers,
	    ctl->timed ? pt_now_ns() + ex->config.task_timeout_ns : 0);
	if (ret != 0)
		ret = process_pool_recover(pool, job, generation);
	if (ret == 0 && job->ntasks > 0)
		memcpy(job->results, ctl->shared_results,
		       job->ntasks * sizeof(*job->results));
out:
	return ret;
}

static void process_pool_stop(struct executor *ex)
{
	process_pool_destroy((struct process_pool *)ex);
}

const struct executor_ops ex_process_pool = {
    .name = "process-pool",
    .alias = "pool",
    .summary = "W persistent forked processes sharing one job queue "
	       "(shared futex)",
    .uses_workers = true,
    .uses_schedule = true,
    .processes = true,
    .start = process_pool_start,
    .map = process_pool_map,
    .stop = process_pool_stop,
};
