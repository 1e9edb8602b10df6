/*
 * The raw anchor of the process pool's fork-join (issue 17): W forked
 * processes and the waiting parent meeting in shared memory, with nothing
 * of an executor around them (no job fields, no claim counter, no slots,
 * no SIGCHLD handling), so that `bench overhead` can say how close to the
 * physical limit of that structure the pool's 0-task job is.
 *
 * The design is simple: one anonymous MAP_SHARED page, W children forked
 * before the timing (each dies with the parent, PR_SET_PDEATHSIG), and one
 * of four ways to meet, each a complete fork-join per job:
 * - sleep: the parent posts a generation and sleeps on a futex at once;
 *   the workers spin (pause, bounded, then futex) for the generation and
 *   check in on a counter, the last one to check in wakes the parent. The
 *   parent never competes for a CPU with the workers.
 * - spin: the same, but the parent spins (pause, bounded) before it sleeps.
 * - yield: the same, every spin round (parent's and workers') a
 *   sched_yield() instead of a pause, as the pools spin when the workers
 *   and the waiting caller outnumber the CPUs.
 * - barrier: a sense-reversing barrier of W + 1 (the parent included),
 *   one episode per job: the last to arrive resets the count and flips the
 *   sense; the others spin on the sense (pause, bounded, then futex).
 * Only the yield variant calls sched_yield(); the bound of every spin is
 * the pools' adaptive spin (50 us). The figure is the mean time of one meeting
 * over `jobs` back-to- back meetings, after one untimed meeting that every
 * worker has reached.
 *
 * Invariant: every child is reaped before pt_fj_anchor_time() returns, on
 * success and on error, and the page is unmapped.
 */
#ifndef PT_FJ_ANCHOR_H
#define PT_FJ_ANCHOR_H

enum pt_fj_variant {
	PT_FJ_SLEEP,
	PT_FJ_SPIN,
	PT_FJ_YIELD,
	PT_FJ_BARRIER,
	PT_FJ_VARIANTS
};

/* "sleep", "spin", "yield", "barrier". */
const char *pt_fj_variant_name(enum pt_fj_variant v);

/*
 * Forks workers (>= 1) processes, times jobs (>= 1) meetings of them and
 * the parent under variant, reaps them. Returns 0 and the seconds per
 * meeting, or a negative errno code (a fork failed, a worker died).
 */
int pt_fj_anchor_time(enum pt_fj_variant variant, unsigned workers,
		      unsigned jobs, double *seconds);

#endif
