/*
 * The fork-join anchor: see fj_anchor.h for the design and the invariant.
 *
 * A parent's sleep has a 100 ms timeout, after which it looks whether a
 * worker died (waitid WNOHANG | WNOWAIT), so that a killed worker fails
 * the measurement instead of hanging it. Each worker takes part in
 * exactly the untimed meeting and the timed ones, then exits (a flag read
 * after a meeting would let one worker leave before the others' last
 * meeting).
 */
#include "fj_anchor.h"

#include "core.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FJ_SPIN_NS     50000u /* the pools' adaptive spin */
#define FJ_CLOCK_EVERY 64u
#define FJ_LINE	       128
#define FJ_CHECK_MS    100

struct fj_page {
	/* Generation (sleep, spin): posted by the parent. */
	alignas(FJ_LINE) _Atomic uint32_t go;
	_Atomic uint32_t go_sleepers;
	/* Check-ins (sleep, spin): the last wakes the parent. */
	alignas(FJ_LINE) _Atomic uint32_t arrived;
	_Atomic uint32_t done;
	_Atomic uint32_t done_sleepers;
	/* The sense-reversing barrier of workers + 1. */
	alignas(FJ_LINE) _Atomic uint32_t count;
	_Atomic uint32_t sense;
	_Atomic uint32_t sense_sleepers;
	unsigned workers;  /* read-only after fork */
	unsigned meetings; /* each worker's: the untimed one, then the jobs */
};

static const char *const variant_names[] = {
    [PT_FJ_SLEEP] = "sleep",
    [PT_FJ_SPIN] = "spin",
    [PT_FJ_YIELD] = "yield",
    [PT_FJ_BARRIER] = "barrier",
};

const char *pt_fj_variant_name(enum pt_fj_variant v)
{
	return (unsigned)v < PT_FJ_VARIANTS ? variant_names[v] : "?";
}

/* Sleeps while *word == expected, at most ms milliseconds (0: no bound). */
static void fj_futex_wait(_Atomic uint32_t *word, uint32_t expected, int ms)
{
	struct timespec bound = {.tv_sec = ms / 1000,
				 .tv_nsec = (long)(ms % 1000) * 1000000};

	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expected,
		ms ? &bound : NULL, NULL, 0);
}

static void fj_futex_wake(_Atomic uint32_t *word)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT_MAX, NULL, NULL,
		0);
}

/* How a waiter spins before it sleeps. */
enum fj_spin { FJ_NO_SPIN, FJ_PAUSE, FJ_YIELD };

/* Spins (pause, or sched_yield) up to FJ_SPIN_NS while *word == seen. */
static bool fj_spin_while(_Atomic uint32_t *word, uint32_t seen,
			  enum fj_spin how)
{
	uint64_t deadline = 0;

	for (unsigned r = 1;; r++) {
		if (atomic_load_explicit(word, memory_order_acquire) != seen)
			return true;
		if (how == FJ_YIELD)
			sched_yield();
		else
			pt_cpu_relax();
		if (r % FJ_CLOCK_EVERY == 0) {
			uint64_t now = pt_now_ns();

			if (deadline == 0)
				deadline = now + FJ_SPIN_NS;
			else if (now >= deadline)
				return false;
		}
	}
}

/* The parent's workers, to notice one that died. */
struct fj_watch {
	const pid_t *pids;
	unsigned n;
};

/* Whether a worker ended other than by finishing its meetings. */
static bool fj_worker_died(const struct fj_watch *watch)
{
	for (unsigned w = 0; w < watch->n; w++) {
		siginfo_t info = {0};

		if (waitid(P_PID, (id_t)watch->pids[w], &info,
			   WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    info.si_pid != 0 &&
		    !(info.si_code == CLD_EXITED && info.si_status == 0))
			return true;
	}
	return false;
}

/*
 * Waits until *word != seen: spins first when spin, then sleeps
 * (registered in *sleepers, the Dekker pair of the waker's store then
 * load). With watch (the parent) the sleep is bounded and false is
 * returned when a worker died meanwhile.
 */
static bool fj_wait_change(_Atomic uint32_t *word, _Atomic uint32_t *sleepers,
			   uint32_t seen, enum fj_spin spin,
			   const struct fj_watch *watch)
{
	if (spin != FJ_NO_SPIN && fj_spin_while(word, seen, spin))
		return true;
	while (atomic_load(word) == seen) {
		atomic_fetch_add(sleepers, 1);
		fj_futex_wait(word, seen, watch ? FJ_CHECK_MS : 0);
		atomic_fetch_sub(sleepers, 1);
		if (watch && atomic_load(word) == seen && fj_worker_died(watch))
			return false;
	}
	return true;
}

/* Bumps *word and wakes its sleepers, if any may be asleep. */
static void fj_ring(_Atomic uint32_t *word, _Atomic uint32_t *sleepers)
{
	atomic_fetch_add(word, 1);
	if (atomic_load(sleepers) != 0)
		fj_futex_wake(word);
}

/* One barrier episode of workers + 1; false if a worker died (parent). */
static bool fj_barrier(struct fj_page *p, uint32_t *local_sense,
		       const struct fj_watch *watch)
{
	uint32_t mine = *local_sense ^ 1u;

	*local_sense = mine;
	if (atomic_fetch_sub(&p->count, 1) == 1) {
		atomic_store_explicit(&p->count, p->workers + 1,
				      memory_order_relaxed);
		atomic_store(&p->sense, mine);
		if (atomic_load(&p->sense_sleepers) != 0)
			fj_futex_wake(&p->sense);
		return true;
	}
	/* The sense is either mine (done) or its complement. */
	return fj_wait_change(&p->sense, &p->sense_sleepers, mine ^ 1u,
			      FJ_PAUSE, watch);
}

static void fj_worker(struct fj_page *p, enum pt_fj_variant variant)
{
	uint32_t seen = 0, sense = 0;

	for (unsigned k = 0; k < p->meetings; k++) {
		if (variant == PT_FJ_BARRIER) {
			fj_barrier(p, &sense, NULL);
			continue;
		}
		fj_wait_change(&p->go, &p->go_sleepers, seen,
			       variant == PT_FJ_YIELD ? FJ_YIELD : FJ_PAUSE,
			       NULL);
		seen = atomic_load_explicit(&p->go, memory_order_acquire);
		if (atomic_fetch_add(&p->arrived, 1) + 1 == p->workers)
			fj_ring(&p->done, &p->done_sleepers);
	}
	_exit(0);
}

/* One fork-join as the parent; false if a worker died. */
static bool fj_parent_job(struct fj_page *p, enum pt_fj_variant variant,
			  uint32_t *sense, const struct fj_watch *watch)
{
	uint32_t done;

	if (variant == PT_FJ_BARRIER)
		return fj_barrier(p, sense, watch);
	done = atomic_load(&p->done);
	atomic_store_explicit(&p->arrived, 0, memory_order_relaxed);
	fj_ring(&p->go, &p->go_sleepers);
	/* The done word changes exactly once per job: the last check-in. */
	return fj_wait_change(&p->done, &p->done_sleepers, done,
			      variant == PT_FJ_SLEEP   ? FJ_NO_SPIN
			      : variant == PT_FJ_YIELD ? FJ_YIELD
						       : FJ_PAUSE,
			      watch);
}

int pt_fj_anchor_time(enum pt_fj_variant variant, unsigned workers,
		      unsigned jobs, double *seconds)
{
	struct fj_page *p;
	pid_t *pids, parent = getpid();
	unsigned forked = 0;
	struct fj_watch watch;
	uint32_t sense = 0;
	int ret = 0;
	uint64_t t;

	if (workers == 0 || jobs == 0 || (unsigned)variant >= PT_FJ_VARIANTS)
		return -EINVAL;
	pids = calloc(workers, sizeof(*pids));
	p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!pids || p == MAP_FAILED) {
		free(pids);
		if (p != MAP_FAILED)
			munmap(p, sizeof(*p));
		return -ENOMEM;
	}
	memset(p, 0, sizeof(*p));
	p->workers = workers;
	p->meetings = jobs + 1;
	atomic_store(&p->count, workers + 1);
	for (; forked < workers; forked++) {
		pid_t pid = fork();

		if (pid < 0) {
			ret = -errno;
			break;
		}
		if (pid == 0) {
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 ||
			    getppid() != parent)
				_exit(127);
			fj_worker(p, variant);
		}
		pids[forked] = pid;
	}
	/* One untimed meeting: every worker has started. */
	watch = (struct fj_watch){.pids = pids, .n = forked};
	if (ret == 0 && !fj_parent_job(p, variant, &sense, &watch))
		ret = -ECHILD;
	t = pt_now_ns();
	for (unsigned k = 0; ret == 0 && k < jobs; k++)
		if (!fj_parent_job(p, variant, &sense, &watch))
			ret = -ECHILD;
	if (ret == 0)
		*seconds = (double)(pt_now_ns() - t) * 1e-9 / jobs;
	/* The workers leave after their last meeting, or are killed. */
	for (unsigned w = 0; w < forked; w++) {
		int status;

		if (ret != 0)
			kill(pids[w], SIGKILL);
		while (waitpid(pids[w], &status, 0) < 0 && errno == EINTR)
			;
	}
	free(pids);
	munmap(p, sizeof(*p));
	return ret;
}
