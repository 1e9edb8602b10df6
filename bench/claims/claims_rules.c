/*
 * The decision rules of `bench claims` (see claims_rules.h). Thresholds are
 * named constants next to the rule that uses them, and each rule's text
 * quotes them, so what the table says and what the code does cannot drift.
 */
#include "claims_rules.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Claim 1: a parallel run "scales" when it reaches 80% of the ideal. */
#define SCALING_GOOD 0.8
#define SCALING_NONE 1.2 /* below this speedup nothing was gained */
/* Claim 5: "costs more" when the ratio is clearly above one. */
#define CREATION_MORE 1.5
#define CREATION_SAME 1.1
/* Claim 6: growth "like copying" when at least half the copy cost. */
#define FOOTPRINT_LIKE_COPY 0.5
#define FOOTPRINT_FLAT	    0.1 /* growth under 10% over the range: flat */
/* Claim 7: "better" needs equal throughput and a clear resource saving. */
#define IO_SAME_THROUGHPUT 0.9
#define IO_SAVING	   1.5
/* Claim 8: processes "pay" when their throughput is 80% or less. */
#define IPC_PAYS      0.8
#define IPC_DOMINATES 0.5 /* transport dominates: half the throughput */
/* Claim 9: "right" when within 5% of the best worker count. */
#define POOLSIZE_NEAR 1.05
#define POOLSIZE_FAR  1.20
/* Claim 11: a schedule "balances" when 5% faster than static. */
#define BALANCE_GAIN 0.95

const char *cl_verdict_name(enum cl_verdict verdict)
{
	switch (verdict) {
	case CL_HOLDS:
		return "holds";
	case CL_DOES_NOT_HOLD:
		return "does not hold";
	case CL_HOLDS_ONLY_WHEN:
		return "holds only when";
	case CL_NO_DATA:
		break;
	}
	return "no data";
}

bool cl_have(double x)
{
	return isfinite(x) && x > 0;
}

static void put(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void put(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

#define PUT(field, ...) put(d->field, sizeof(d->field), __VA_ARGS__)

static void reset(struct cl_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->verdict = CL_NO_DATA;
}

static unsigned min_u(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

void cl_fmt_seconds(double s, char *buf, size_t len)
{
	if (!isfinite(s))
		snprintf(buf, len, "n/a");
	else if (s >= 1)
		snprintf(buf, len, "%.3g s", s);
	else if (s >= 1e-3)
		snprintf(buf, len, "%.3g ms", s * 1e3);
	else if (s >= 1e-6)
		snprintf(buf, len, "%.3g us", s * 1e6);
	else
		snprintf(buf, len, "%.3g ns", s * 1e9);
}

void cl_fmt_bytes(double bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	unsigned u = 0;

	if (!isfinite(bytes)) {
		snprintf(buf, len, "n/a");
		return;
	}
	while (bytes >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, len, "%.3g %s", bytes, units[u]);
}

void cl_decide_scaling(const struct cl_scaling *f, struct cl_decision *d)
{
	unsigned ideal = min_u(f->workers, f->cpus);
	double speedup;

	reset(d);
	PUT(rule,
	    "holds if the process pool's speedup over serial at W = CPUs is at "
	    "least %.1f x min(W, CPUs); does not hold below %.1f",
	    SCALING_GOOD, SCALING_NONE);
	if (ideal < 2)
		PUT(limit, "%u CPU: nothing to scale on", f->cpus);
	if (!cl_have(f->serial_s) || !cl_have(f->pool_s) || ideal < 2)
		return;
	speedup = f->serial_s / f->pool_s;
	PUT(figures, "speedup %.2f with %u processes on %u CPUs (ideal %u)",
	    speedup, f->workers, f->cpus, ideal);
	if (speedup >= SCALING_GOOD * ideal) {
		d->verdict = CL_HOLDS;
	} else if (speedup < SCALING_NONE) {
		d->verdict = CL_DOES_NOT_HOLD;
	} else {
		d->verdict = CL_HOLDS_ONLY_WHEN;
		PUT(condition,
		    "in part: speedup %.2f is below %.1f x %u; something "
		    "other than CPUs limits it",
		    speedup, SCALING_GOOD, ideal);
	}
	if (f->cpus <= 2)
		PUT(limit, "%u CPUs: proportionality is shown over 1..%u only",
		    f->cpus, f->cpus);
}

void cl_decide_gil(const struct cl_gil *f, struct cl_decision *d)
{
	unsigned ideal = min_u(f->workers, f->cpus);
	double thread_full, process_full, thread_half, process_half, cap;

	reset(d);
	PUT(rule,
	    "holds if, with the lock held for the whole task, the thread "
	    "pool's speedup stays below %.1f while the process pool's reaches "
	    "%.1f x min(W, CPUs); holds only when the lock is held throughout "
	    "if threads also speed up past %.1f at hold = 0.5",
	    SCALING_NONE, SCALING_GOOD, SCALING_NONE);
	if (ideal < 2)
		PUT(limit, "%u CPU: nothing runs in parallel anyway", f->cpus);
	if (!cl_have(f->serial_full_s) || !cl_have(f->thread_full_s) ||
	    !cl_have(f->process_full_s) || ideal < 2)
		return;
	thread_full = f->serial_full_s / f->thread_full_s;
	process_full = f->serial_full_s / f->process_full_s;
	thread_half = cl_have(f->serial_half_s) && cl_have(f->thread_half_s)
			  ? f->serial_half_s / f->thread_half_s
			  : NAN;
	process_half = cl_have(f->serial_half_s) && cl_have(f->process_half_s)
			   ? f->serial_half_s / f->process_half_s
			   : NAN;
	/* A lock held for half of all work lets at most two workers' worth
	 * run (one holds it, the others compute outside it): the speedup is
	 * at most min(1 / hold, CPUs). (Not Amdahl's 1 / (h + (1 - h) / P):
	 * the unlocked work of one thread overlaps the locked work of
	 * another.) */
	cap = fmin(1 / 0.5, ideal);
	PUT(figures,
	    "hold=1: threads x%.2f, processes x%.2f; hold=0.5: threads x%.2f "
	    "(the lock caps it at x%.2f), processes x%.2f; W=%u, %u CPUs",
	    thread_full, process_full, thread_half, cap, process_half,
	    f->workers, f->cpus);
	if (thread_full >= SCALING_NONE ||
	    process_full < SCALING_GOOD * ideal) {
		d->verdict = CL_DOES_NOT_HOLD;
	} else if (isfinite(thread_half) && thread_half >= SCALING_NONE) {
		d->verdict = CL_HOLDS_ONLY_WHEN;
		PUT(condition,
		    "the lock is held for the whole task: at hold = 0.5 "
		    "threads reach x%.2f (the lock's cap: x%.2f)",
		    thread_half, cap);
	} else {
		d->verdict = CL_HOLDS;
	}
}

/* Speedups that differ by at most this fraction of the real one agree. */
#define GIL_REAL_AGREE 0.15

static bool gil_agree(double emulated, double real)
{
	return fabs(emulated / real - 1) <= GIL_REAL_AGREE;
}

static bool have_speedup(const struct cl_speedup *x)
{
	return cl_have(x->mid) && cl_have(x->lo) && cl_have(x->hi);
}

/*
 * One pair: whether the medians agree, the ratio emulated / real with its
 * interval (from the extremes of the two speedups' intervals), and whether
 * the whole interval falls on the medians' side of the bound (settled).
 */
struct gil_pair {
	bool agree, settled;
	double ratio, lo, hi;
};

static struct gil_pair gil_compare(const struct cl_speedup *emulated,
				   const struct cl_speedup *real)
{
	struct gil_pair p = {.agree = gil_agree(emulated->mid, real->mid),
			     .ratio = emulated->mid / real->mid,
			     .lo = emulated->lo / real->hi,
			     .hi = emulated->hi / real->lo};

	if (p.agree)
		p.settled = fabs(p.lo - 1) <= GIL_REAL_AGREE &&
			    fabs(p.hi - 1) <= GIL_REAL_AGREE;
	else
		p.settled =
		    p.lo > 1 + GIL_REAL_AGREE || p.hi < 1 - GIL_REAL_AGREE;
	return p;
}

void cl_decide_gil_real(const struct cl_gil_real *f, struct cl_decision *d)
{
	unsigned ideal = min_u(f->workers, f->cpus);
	struct gil_pair full, part;

	reset(d);
	PUT(rule,
	    "holds if the gil workload's thread-pool speedup (median over "
	    "repetitions) is within %.0f%% of the real interpreter's both at "
	    "hold = 1 (py-bytecode) and at hold = %.2g (py-release, release "
	    "= %.2g); holds only when one of them agrees; noisy when a ratio's "
	    "10-90%% interval crosses the bound or an entry was noisy",
	    GIL_REAL_AGREE * 100, f->hold, 1 - f->hold);
	if (!f->python)
		PUT(limit, "built without Python: no real interpreter to "
			   "compare with");
	else if (ideal < 2)
		PUT(limit, "%u CPU: nothing runs in parallel anyway", f->cpus);
	if (!f->python || ideal < 2 || !have_speedup(&f->emulated_full) ||
	    !have_speedup(&f->real_full) || !have_speedup(&f->emulated_part) ||
	    !have_speedup(&f->real_part))
		return;
	full = gil_compare(&f->emulated_full, &f->real_full);
	part = gil_compare(&f->emulated_part, &f->real_part);
	PUT(figures,
	    "hold=1: gil x%.2f, py-bytecode x%.2f, ratio %.2f [%.2f, %.2f]; "
	    "hold=%.2g: gil x%.2f, py-release x%.2f, ratio %.2f [%.2f, %.2f]; "
	    "thread pool, W=%u, %u CPUs",
	    f->emulated_full.mid, f->real_full.mid, full.ratio, full.lo,
	    full.hi, f->hold, f->emulated_part.mid, f->real_part.mid,
	    part.ratio, part.lo, part.hi, f->workers, f->cpus);
	if (!full.settled || !part.settled || f->noisy)
		PUT(limit,
		    "noisy: %s%s%s; rerun on a quiet machine "
		    "(bench claims --only=13)",
		    f->noisy ? "entries marked noisy" : "",
		    f->noisy && (!full.settled || !part.settled) ? ", " : "",
		    !full.settled && !part.settled
			? "both ratios' intervals cross the bound"
		    : !full.settled ? "the hold=1 ratio's interval crosses "
				      "the bound"
		    : !part.settled ? "the partial hold's ratio interval "
				      "crosses the bound"
				    : "");
	if (full.agree && part.agree) {
		d->verdict = CL_HOLDS;
	} else if (full.agree || part.agree) {
		d->verdict = CL_HOLDS_ONLY_WHEN;
		PUT(condition,
		    "the lock is held %s: at hold = %.2g the "
		    "emulation gives x%.2f, the interpreter x%.2f",
		    full.agree ? "for the whole task" : "for part of the task",
		    full.agree ? f->hold : 1.0,
		    full.agree ? f->emulated_part.mid : f->emulated_full.mid,
		    full.agree ? f->real_part.mid : f->real_full.mid);
	} else {
		d->verdict = CL_DOES_NOT_HOLD;
	}
}

void cl_decide_isolation(const struct cl_isolation *f, struct cl_decision *d)
{
	reset(d);
	PUT(rule, "holds if the parent sees none of the process workers' "
		  "writes to a global and all of the thread workers' writes");
	if (!cl_have(f->writes) || !isfinite(f->thread_visible) ||
	    !isfinite(f->process_visible))
		return;
	PUT(figures,
	    "of %.0f writes to a global: parent sees %.0f from threads, %.0f "
	    "from processes; workers saw %.0f (threads) and %.0f (processes) "
	    "of their siblings' writes",
	    f->writes, f->thread_visible, f->process_visible, f->sibling_thread,
	    f->sibling_process);
	if (f->process_visible == 0 && f->thread_visible == f->writes)
		d->verdict = CL_HOLDS;
	else
		d->verdict = CL_DOES_NOT_HOLD;
}

void cl_decide_crash(const struct cl_crash *f, struct cl_decision *d)
{
	reset(d);
	PUT(rule, "holds if the process pool finishes the job with only the "
		  "crashing task failed while the thread pool's configuration "
		  "dies");
	if (!isfinite(f->process_tasks) || f->process_tasks <= 0)
		return;
	PUT(figures,
	    "process pool: %s, %.0f of %.0f tasks failed; thread pool: %s",
	    f->process_completed ? "job finished" : "job did not finish",
	    f->process_failed, f->process_tasks,
	    f->thread_crashed ? f->thread_reason : "survived");
	if (f->process_completed && f->process_failed == 1 && f->thread_crashed)
		d->verdict = CL_HOLDS;
	else
		d->verdict = CL_DOES_NOT_HOLD;
}

void cl_decide_creation(const struct cl_creation *f, struct cl_decision *d)
{
	char p[32], t[32];
	double ratio;

	reset(d);
	PUT(rule,
	    "holds if creating a pool process costs at least %.1fx creating a "
	    "pool thread; does not hold below %.1fx",
	    CREATION_MORE, CREATION_SAME);
	if (!cl_have(f->process_per_worker_s) ||
	    !cl_have(f->thread_per_worker_s))
		return;
	ratio = f->process_per_worker_s / f->thread_per_worker_s;
	cl_fmt_seconds(f->process_per_worker_s, p, sizeof(p));
	cl_fmt_seconds(f->thread_per_worker_s, t, sizeof(t));
	PUT(figures,
	    "per one created (W=%u): process %s, thread %s, ratio %.1f",
	    f->workers, p, t, ratio);
	if (ratio >= CREATION_MORE) {
		d->verdict = CL_HOLDS;
	} else if (ratio < CREATION_SAME) {
		d->verdict = CL_DOES_NOT_HOLD;
	} else {
		d->verdict = CL_HOLDS_ONLY_WHEN;
		PUT(condition, "by a small margin: ratio %.2f", ratio);
	}
}

/* Least-squares slope of y over x. */
static double slope(unsigned n, const double *x, const double *y)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0;

	for (unsigned i = 0; i < n; i++) {
		mx += x[i] / n;
		my += y[i] / n;
	}
	for (unsigned i = 0; i < n; i++) {
		sxx += (x[i] - mx) * (x[i] - mx);
		sxy += (x[i] - mx) * (y[i] - my);
	}
	return sxx > 0 ? sxy / sxx : NAN;
}

/*
 * Appends the other start methods' per-task cost at the smallest and the
 * largest parent, where measured: a fork server's and a spawned child's
 * cost should not follow the parent's size.
 */
static void footprint_start_methods(const struct cl_footprint *f,
				    struct cl_decision *d)
{
	static const char *const names[] = {"forkserver", "spawn"};
	const double *series[] = {f->forkserver_task_s, f->spawn_task_s};
	size_t used = strlen(d->figures);

	for (unsigned k = 0; k < 2; k++) {
		char lo[32], hi[32];

		if (!cl_have(series[k][0]) || !cl_have(series[k][f->n - 1]))
			continue;
		cl_fmt_seconds(series[k][0], lo, sizeof(lo));
		cl_fmt_seconds(series[k][f->n - 1], hi, sizeof(hi));
		used += (size_t)snprintf(
		    d->figures + used,
		    used < sizeof(d->figures) ? sizeof(d->figures) - used : 0,
		    "; %s per task %s -> %s", names[k], lo, hi);
		if (used >= sizeof(d->figures))
			used = sizeof(d->figures) - 1;
	}
}

void cl_decide_footprint(const struct cl_footprint *f, struct cl_decision *d)
{
	const double gib = 1024.0 * 1024 * 1024;
	char grow[32], copy[32], base[32], top[32], size[32], thr[32];
	double per_gib, copy_per_gib, growth;

	reset(d);
	PUT(rule,
	    "holds if fork's cost grows with the parent's size at least %.1fx "
	    "as fast as copying that memory would (memcpy bandwidth measured "
	    "in this run); does not hold if it grows by less than %.0f%% over "
	    "the range; otherwise holds only in part",
	    FOOTPRINT_LIKE_COPY, FOOTPRINT_FLAT * 100);
	if (f->n < 2 || !cl_have(f->copy_bytes_per_s))
		return;
	for (unsigned i = 0; i < f->n; i++)
		if (!cl_have(f->fork_task_s[i]) ||
		    !isfinite(f->parent_bytes[i]))
			return;
	per_gib = slope(f->n, f->parent_bytes, f->fork_task_s) * gib;
	copy_per_gib = gib / f->copy_bytes_per_s;
	growth = f->fork_task_s[f->n - 1] / f->fork_task_s[0] - 1;
	cl_fmt_seconds(per_gib, grow, sizeof(grow));
	cl_fmt_seconds(copy_per_gib, copy, sizeof(copy));
	cl_fmt_seconds(f->fork_task_s[0], base, sizeof(base));
	cl_fmt_seconds(f->fork_task_s[f->n - 1], top, sizeof(top));
	cl_fmt_bytes(f->parent_bytes[f->n - 1], size, sizeof(size));
	cl_fmt_seconds(f->thread_task_s[f->n - 1], thr, sizeof(thr));
	PUT(figures,
	    "fork per task %s -> %s at a %s parent (+%s per GiB); copying "
	    "would add %s per GiB; a thread per task: %s",
	    base, top, size, grow, copy, thr);
	footprint_start_methods(f, d);
	if (per_gib >= FOOTPRINT_LIKE_COPY * copy_per_gib) {
		d->verdict = CL_HOLDS;
	} else if (growth < FOOTPRINT_FLAT) {
		d->verdict = CL_DOES_NOT_HOLD;
	} else {
		d->verdict = CL_HOLDS_ONLY_WHEN;
		PUT(condition,
		    "in part: cost grows with the parent (page tables, %s per "
		    "GiB) but at %.0f%% of what copying would cost",
		    grow, 100 * per_gib / copy_per_gib);
	}
}

void cl_decide_io(const struct cl_io *f, struct cl_decision *d)
{
	unsigned better = 0, worse = 0, used = 0, judged = 0;
	char list_better[160] = "", list_worse[160] = "";

	reset(d);
	PUT(rule,
	    "per workload, threads are better if their throughput is at least "
	    "%.1fx the processes' and they use %.1fx less memory (PSS) or CPU "
	    "time; worse if their throughput is below %.1fx",
	    IO_SAME_THROUGHPUT, IO_SAVING, IO_SAME_THROUGHPUT);
	for (unsigned i = 0; i < f->n && i < CL_MAX_IO; i++) {
		const struct cl_io_case *c = &f->c[i];
		double tput, mem, cpu;
		char pm[32], tm[32];

		if (!cl_have(c->thread_items_per_s) ||
		    !cl_have(c->process_items_per_s))
			continue;
		judged++;
		tput = c->thread_items_per_s / c->process_items_per_s;
		mem = cl_have(c->thread_pss) ? c->process_pss / c->thread_pss
					     : NAN;
		cpu = cl_have(c->thread_cpu_s)
			  ? c->process_cpu_s / c->thread_cpu_s
			  : NAN;
		cl_fmt_bytes(c->thread_pss, tm, sizeof(tm));
		cl_fmt_bytes(c->process_pss, pm, sizeof(pm));
		used += (size_t)snprintf(
		    d->figures + used,
		    used < sizeof(d->figures) ? sizeof(d->figures) - used : 0,
		    "%s%s: throughput threads/processes %.2f, PSS %s vs %s, "
		    "CPU processes/threads %.2f",
		    used ? "; " : "", c->workload, tput, tm, pm, cpu);
		if (used >= sizeof(d->figures))
			used = sizeof(d->figures) - 1;
		if (tput < IO_SAME_THROUGHPUT) {
			worse++;
			strncat(list_worse, c->workload,
				sizeof(list_worse) - strlen(list_worse) - 2);
			strcat(list_worse, " ");
		} else if ((isfinite(mem) && mem >= IO_SAVING) ||
			   (isfinite(cpu) && cpu >= IO_SAVING)) {
			better++;
			strncat(list_better, c->workload,
				sizeof(list_better) - strlen(list_better) - 2);
			strcat(list_better, " ");
		}
	}
	if (!judged)
		return;
	if (better == judged) {
		d->verdict = CL_HOLDS;
	} else if (better == 0) {
		d->verdict = CL_DOES_NOT_HOLD;
	} else {
		d->verdict = CL_HOLDS_ONLY_WHEN;
		PUT(condition,
		    "the work is like %s(threads better); not for %s%s",
		    list_better, worse ? list_worse : "the rest",
		    worse ? "(threads slower)" : "(no clear saving)");
	}
	PUT(limit, "W = %u workers on this machine", f->workers);
}

void cl_decide_ipc(const struct cl_ipc *f, struct cl_decision *d)
{
	char big[32], dom[32] = "none measured";
	double shm, pipe_ratio;
	unsigned last;

	reset(d);
	PUT(rule,
	    "holds if at the largest payload both process transports reach at "
	    "most %.1fx the threads' bytes per second; the transport dominates "
	    "from the smallest size where the slower transport is below %.1fx",
	    IPC_PAYS, IPC_DOMINATES);
	if (f->n == 0)
		return;
	last = f->n - 1;
	if (!cl_have(f->thread_bps[last]) || !cl_have(f->shm_bps[last]) ||
	    !cl_have(f->pipe_bps[last]))
		return;
	for (unsigned i = 0; i < f->n; i++) {
		double worst = fmin(f->shm_bps[i], f->pipe_bps[i]);

		if (cl_have(f->thread_bps[i]) && cl_have(worst) &&
		    worst < IPC_DOMINATES * f->thread_bps[i]) {
			cl_fmt_bytes(f->size[i], dom, sizeof(dom));
			break;
		}
	}
	shm = f->shm_bps[last] / f->thread_bps[last];
	pipe_ratio = f->pipe_bps[last] / f->thread_bps[last];
	cl_fmt_bytes(f->size[last], big, sizeof(big));
	PUT(figures,
	    "at %s per task, processes reach %.2fx (shm) and %.2fx (pipe) of "
	    "the threads' bytes per second; transport dominates from %s",
	    big, shm, pipe_ratio, dom);
	if (shm <= IPC_PAYS && pipe_ratio <= IPC_PAYS) {
		d->verdict = CL_HOLDS;
	} else if (shm > IPC_PAYS && pipe_ratio > IPC_PAYS) {
		d->verdict = CL_DOES_NOT_HOLD;
	} else {
		d->verdict = CL_HOLDS_ONLY_WHEN;
		PUT(condition, "the transport is %s (%.2fx); %s keeps up",
		    shm <= IPC_PAYS ? "shared memory" : "a pipe",
		    fmin(shm, pipe_ratio),
		    shm <= IPC_PAYS ? "the pipe" : "shared memory");
	}
}

void cl_decide_poolsize(const struct cl_poolsize *f, struct cl_decision *d)
{
	unsigned best = 0, at_cpus = f->n;

	reset(d);
	PUT(rule,
	    "holds if the wall time at W = CPUs is within %.0f%% of the best W "
	    "measured; does not hold if more than %.0f%% slower",
	    (POOLSIZE_NEAR - 1) * 100, (POOLSIZE_FAR - 1) * 100);
	for (unsigned i = 0; i < f->n; i++) {
		if (!cl_have(f->wall_s[i]))
			return;
		if (f->wall_s[i] < f->wall_s[best])
			best = i;
		if (f->workers[i] == f->cpus)
			at_cpus = i;
	}
	if (f->n == 0 || at_cpus == f->n)
		return;
	PUT(figures, "best W = %.0f (%.4g s); W = CPUs = %u: %.4g s (%.3fx)",
	    f->workers[best], f->wall_s[best], f->cpus, f->wall_s[at_cpus],
	    f->wall_s[at_cpus] / f->wall_s[best]);
	if (f->wall_s[at_cpus] <= POOLSIZE_NEAR * f->wall_s[best]) {
		d->verdict = CL_HOLDS;
	} else if (f->wall_s[at_cpus] > POOLSIZE_FAR * f->wall_s[best]) {
		d->verdict = CL_DOES_NOT_HOLD;
	} else {
		d->verdict = CL_HOLDS_ONLY_WHEN;
		PUT(condition, "within %.0f%%: W = %.0f is %.1f%% faster",
		    (POOLSIZE_FAR - 1) * 100, f->workers[best],
		    100 * (1 - f->wall_s[best] / f->wall_s[at_cpus]));
	}
	if (f->cpus <= 2)
		PUT(limit, "%u CPUs: few points below the CPU count", f->cpus);
}

void cl_decide_order(const struct cl_order *f, struct cl_decision *d)
{
	reset(d);
	PUT(rule, "holds if every task result of every job of this run was in "
		  "its task's slot (the driver compares each slot with the "
		  "task's reference checksum)");
	if (!cl_have(f->tasks_checked))
		return;
	PUT(figures,
	    "%.0f task results in %.0f jobs checked, %.0f out of place; the "
	    "executors store result i in slot i, so ordering needs no "
	    "reordering buffer",
	    f->tasks_checked, f->jobs_checked, f->misplaced);
	d->verdict = f->misplaced == 0 ? CL_HOLDS : CL_DOES_NOT_HOLD;
}

void cl_decide_balance(const struct cl_balance *f, struct cl_decision *d)
{
	double best;

	reset(d);
	PUT(rule,
	    "holds only when tasks are handed out on demand if dynamic or "
	    "guided scheduling is at least %.0f%% faster than static (fixed "
	    "shares); holds if all are within that of each other; does not "
	    "hold if static is faster",
	    (1 - BALANCE_GAIN) * 100);
	if (!cl_have(f->static_s) || !cl_have(f->dynamic_s) ||
	    !cl_have(f->guided_s))
		return;
	best = fmin(f->dynamic_s, f->guided_s);
	PUT(figures,
	    "wall per job: static %.4g s, dynamic %.4g s, guided %.4g s; "
	    "perfect balance %.4g s (W=%u)",
	    f->static_s, f->dynamic_s, f->guided_s, f->ideal_s, f->workers);
	if (best <= BALANCE_GAIN * f->static_s) {
		d->verdict = CL_HOLDS_ONLY_WHEN;
		PUT(condition,
		    "the pool hands tasks out on demand (dynamic or guided): "
		    "static shares are %.0f%% slower",
		    100 * (f->static_s / best - 1));
	} else if (best * BALANCE_GAIN > f->static_s) {
		d->verdict = CL_DOES_NOT_HOLD;
	} else {
		d->verdict = CL_HOLDS;
	}
}

double cl_breakeven_point(unsigned n, const double *task_s,
			  const double *speedup)
{
	if (n == 0)
		return INFINITY;
	if (speedup[0] >= 1)
		return 0;
	for (unsigned i = 1; i < n; i++) {
		double a, b, t;

		if (speedup[i] < 1)
			continue;
		a = log(task_s[i - 1]);
		b = log(task_s[i]);
		t = (1 - speedup[i - 1]) / (speedup[i] - speedup[i - 1]);
		return exp(a + t * (b - a));
	}
	return INFINITY;
}

void cl_decide_breakeven(const struct cl_breakeven *f, struct cl_decision *d)
{
	char small[32], large[32], pe[32], te[32];
	double process_even, thread_even;
	unsigned last;

	reset(d);
	PUT(rule, "holds if the process pool is slower than serial for the "
		  "smallest tasks and faster for the largest; the break-even "
		  "task duration is interpolated between the measured sizes");
	if (f->n < 2)
		return;
	for (unsigned i = 0; i < f->n; i++)
		if (!cl_have(f->task_s[i]) || !cl_have(f->process_speedup[i]))
			return;
	last = f->n - 1;
	process_even = cl_breakeven_point(f->n, f->task_s, f->process_speedup);
	thread_even = cl_breakeven_point(f->n, f->task_s, f->thread_speedup);
	cl_fmt_seconds(f->task_s[0], small, sizeof(small));
	cl_fmt_seconds(f->task_s[last], large, sizeof(large));
	cl_fmt_seconds(process_even, pe, sizeof(pe));
	cl_fmt_seconds(thread_even, te, sizeof(te));
	PUT(figures,
	    "speedup at %s per task: processes x%.2f, threads x%.2f; at %s: "
	    "x%.2f, x%.2f; break-even: processes %s, threads %s (W=%u)",
	    small, f->process_speedup[0], f->thread_speedup[0], large,
	    f->process_speedup[last], f->thread_speedup[last],
	    process_even == 0 ? "below the smallest size" : pe,
	    thread_even == 0 ? "below the smallest size" : te, f->workers);
	if (f->process_speedup[0] < 1 && f->process_speedup[last] > 1)
		d->verdict = CL_HOLDS;
	else if (f->process_speedup[last] <= 1)
		d->verdict = CL_DOES_NOT_HOLD;
	else {
		d->verdict = CL_HOLDS_ONLY_WHEN;
		PUT(condition,
		    "tasks are shorter than measured: even %s tasks pay off",
		    small);
	}
}
