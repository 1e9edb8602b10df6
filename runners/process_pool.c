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
 * the task the dead worker was running from its slot, cancels the job, waits
 * for the surviving workers to check in, forks replacements into the empty
 * slots and fails the job with -ECHILD; the pool stays usable. The handler is
 * installed when the first pool starts and the previous disposition is
 * restored when the last one stops; it chains to a previous handler.
 *
 * Caveats, all outside the fast path: the caller must not block SIGCHLD (a
 * death would then go unnoticed until the supervisor's timeout); a
 * waitpid(-1) elsewhere in the caller can steal a worker's status (the job
 * then fails with "was reaped by someone else"); PR_SET_PDEATHSIG follows the
 * thread that forked, so start() and map() should run on the same thread.
 *
 * Invariant: pids[w] > 0 exactly when slot w has a live (unreaped) worker.
 */
#include "core.h"

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
	pid_t *pids; /* per slot: live worker, or 0 */
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
	pid_t pid = fork();

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
	free(pool->pids);
	free(pool);
}

/* Reaps any worker that ended; returns how many, and names the first. */
static unsigned process_pool_reap_dead(struct process_pool *pool,
				       unsigned deaths_so_far)
{
	unsigned deaths = 0;

	for (unsigned w = 0; w < pool->base.config.workers; w++) {
		uint64_t task;
		char why[96];
		int status = 0;
		pid_t reaped;

		if (pool->pids[w] <= 0)
			continue;
		reaped = waitpid(pool->pids[w], &status, WNOHANG);
		/* ECHILD: someone's waitpid(-1) took our worker; dead too. */
		if (reaped == 0 || (reaped < 0 && errno != ECHILD))
			continue;
		if (deaths_so_far + deaths++ > 0) {
			pool->pids[w] = 0;
			continue;
		}
		task = atomic_load_explicit(&pool->ctl->slots[w].current_task,
					    memory_order_relaxed);
		if (reaped < 0)
			snprintf(why, sizeof(why),
				 "was reaped by someone else");
		else
			pt_describe_status(status, why, sizeof(why));
		if (task != PT_NO_TASK)
			snprintf(pool->base.error, sizeof(pool->base.error),
				 "task %llu: worker %u (pid %d) %s",
				 (unsigned long long)task, w,
				 (int)pool->pids[w], why);
		else
			snprintf(pool->base.error, sizeof(pool->base.error),
				 "worker %u (pid %d) %s while idle", w,
				 (int)pool->pids[w], why);
		pool->pids[w] = 0;
	}
	return deaths;
}

static bool process_pool_survivors_finished(struct process_pool *pool,
					    uint32_t generation)
{
	for (unsigned w = 0; w < pool->base.config.workers; w++) {
		if (pool->pids[w] > 0 &&
		    !pt_slot_finished(pool->ctl, w, generation))
			return false;
	}
	return true;
}

/*
 * Waits until every worker runs; -ECHILD if one died first (naming it in the
 * error unless deaths_so_far says an earlier death is already named). Child
 * events about other children of the caller are ignored.
 */
static int process_pool_wait_running(struct process_pool *pool,
				     unsigned deaths_so_far)
{
	struct pt_control *ctl = pool->ctl;
	int ret;

	for (;;) {
		ret = pt_wait_count(ctl, &ctl->workers_running,
				    pool->base.config.workers);
		if (ret == 0)
			break;
		atomic_store(&ctl->child_event, 0);
		if (process_pool_reap_dead(pool, deaths_so_far) > 0)
			break;
	}
	return ret;
}

/* Forks a fresh worker into every empty slot and waits until it runs. */
static int process_pool_replace_dead(struct process_pool *pool,
				     uint32_t generation)
{
	struct pt_control *ctl = pool->ctl;
	int ret = 0;

	for (unsigned w = 0; w < pool->base.config.workers; w++) {
		if (pool->pids[w] > 0)
			continue;
		/* The newcomer must wait for the next job, not this one. */
		atomic_store(&ctl->slots[w].finished_generation, generation);
		atomic_store(&ctl->slots[w].current_task, PT_NO_TASK);
		atomic_fetch_sub(&ctl->workers_running, 1);
		ret = process_pool_spawn(pool, w);
		if (ret != 0)
			goto out;
	}
	ret = process_pool_wait_running(pool, 1);
out:
	return ret;
}

/*
 * The slow path, entered when the wait saw a child event during the job of
 * this generation. Returns 0 if no worker of ours died (the event was about
 * another child of the caller) and the job completed, else -ECHILD with the
 * error set, once the survivors are idle and the dead are replaced.
 */
static int process_pool_recover(struct process_pool *pool, uint32_t generation)
{
	struct pt_control *ctl = pool->ctl;
	unsigned deaths = 0;
	int ret = 0;

	for (;;) {
		uint32_t seen = pt_done_word(ctl);
		unsigned new_deaths;

		atomic_store(&ctl->child_event, 0);
		new_deaths = process_pool_reap_dead(pool, deaths);
		if (new_deaths > 0 && deaths == 0)
			pt_fail_job(ctl);
		deaths += new_deaths;
		if (deaths == 0) {
			ret = pt_wait_job(ctl);
			if (ret == 0)
				goto out;
			continue;
		}
		if (process_pool_survivors_finished(pool, generation))
			break;
		pt_sleep_until_done_changes(ctl, seen);
	}
	atomic_store(&ctl->job_failed, 0);
	if (deaths > 1) {
		size_t used = strlen(pool->base.error);

		snprintf(pool->base.error + used,
			 sizeof(pool->base.error) - used,
			 " (and %u more workers died)", deaths - 1);
	}
	if (process_pool_replace_dead(pool, generation) != 0)
		pool->broken = true;
	ret = -ECHILD;
out:
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
	if (workers == 0) {
		snprintf(err, errlen, "process-pool needs at least one worker");
		ret = -EINVAL;
		goto out;
	}
	if (pt_pin_prepare(config->pin)) {
		snprintf(err, errlen, "%s: cannot read the allowed CPUs to pin",
			 "process-pool");
		ret = -EINVAL;
		goto out;
	}
	pool = calloc(1, sizeof(*pool));
	if (!pool || !(pool->pids = calloc(workers, sizeof(*pool->pids)))) {
		snprintf(err, errlen, "process-pool: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	pool->base.ops = &ex_process_pool;
	pool->base.config = *config;
	pool->parent = getpid();
	pool->mapping_size = pt_control_size(workers, config->max_tasks);
	mapping = mmap(NULL, pool->mapping_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mapping == MAP_FAILED) {
		ret = -errno;
		snprintf(err, errlen, "process-pool: mapping %zu bytes: %s",
			 pool->mapping_size, strerror(-ret));
		goto out;
	}
	pool->ctl = mapping;
	pt_control_init(pool->ctl, config, config->max_tasks, true);
	ret = process_pool_watch(pool);
	if (ret != 0) {
		snprintf(err, errlen, "process-pool: watching SIGCHLD: %s",
			 strerror(-ret));
		goto out;
	}
	for (unsigned w = 0; w < workers; w++) {
		ret = process_pool_spawn(pool, w);
		if (ret != 0) {
			snprintf(err, errlen,
				 "process-pool: forking worker %u: %s", w,
				 strerror(-ret));
			goto out;
		}
	}
	ret = process_pool_wait_running(pool, 0);
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
	generation = pt_post_job(ctl, job->fn, job->arg, job->ntasks,
				 ctl->shared_results);
	ret = pt_wait_job(ctl);
	if (ret == -ECHILD)
		ret = process_pool_recover(pool, generation);
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
