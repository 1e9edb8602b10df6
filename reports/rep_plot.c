/*
 * Plots: one gnuplot script per plot, all run in a few batched gnuplot
 * processes.
 *
 * The templates live in reports/plots/ (one .gp file per kind) and are compiled
 * into the binary (reports/embed.py), so bench needs no data files at run time.
 * For each plot the report writes DIR/plots/NAME.gp: a few variable definitions
 * (data file, series, online CPUs, size), then common.gp, then the plot's
 * template. The script draws the SVG and then the PNG, reading the CSV files in
 * ../data, so a user can edit it and re-run `gnuplot NAME.gp` inside DIR/plots.
 * Only the first --plot-groups groups get plots (a plot costs about 20 ms of
 * gnuplot's CPU, mostly the PNG). Once every script is written, they are
 * split into at most one contiguous batch per online CPU (up to 8), each run
 * by one gnuplot process (so its start-up and font set-up are paid once, not
 * per plot) from a driver that loads each script from a clean session
 * (`reset session`) and appends its index to a done file when it finished.
 * gnuplot stops at the first error: the plot after the last one done
 * failed; it is removed and warned about, and the rest of its batch is run
 * again by a new process. gnuplot runs with its working directory in plots/
 * and its messages appended to plots/gnuplot.log (removed when empty). Each
 * batch is bounded (a minute plus a second per plot, then SIGKILL); every
 * child is in rep_children until reaped, so a signal handler can kill them
 * (rep_plot_kill_children), and a SIGINT, SIGTERM or SIGHUP held pending by
 * report.c ends the run at once: children killed and reaped, -EINTR.
 */
#include "rep_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *rep_template(const char *name);

/* The comparison plot shows at most this many configurations, worst
 * first. */
#define REP_COMPARE_ROWS 80

const char *const rep_plot_kinds[] = {"speedup",   "efficiency", "walltime",
				      "breakdown", "overhead",	 "creation",
				      "usl",	   "memory",	 NULL};

int rep_find_gnuplot(char *path, size_t size)
{
	const char *env = getenv("PATH");
	char *dirs = rep_strdup(env ? env : "/usr/bin:/bin"), *save = NULL;
	if (!dirs)
		return -ENOMEM;
	int ret = -ENOENT;
	for (char *d = strtok_r(dirs, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(path, size, "%s/gnuplot", *d ? d : ".");
		if (access(path, X_OK) == 0) {
			ret = 0;
			break;
		}
	}
	free(dirs);
	return ret;
}

/* The plots of a report: every script is written first (rep_plot), then
 * all of them run in a few gnuplot processes (rep_run_queue). */
struct rep_plot_queue {
	char **bases; /* plot file base names, in report order */
	size_t n, cap;
};

/* The gnuplot children running now (0: free slot), so that a signal
 * handler can end them: see rep_plot_kill_children(). */
#define REP_MAX_GNUPLOTS 8
static volatile pid_t rep_children[REP_MAX_GNUPLOTS];

void rep_plot_kill_children(int sig)
{
	for (int i = 0; i < REP_MAX_GNUPLOTS; i++)
		if (rep_children[i] > 0)
			kill(rep_children[i], sig);
}

static bool rep_nonempty(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && st.st_size > 0;
}

/* Writes plots/BASE.gp from the variables and the template and queues it. */
static int rep_plot(struct rep_report *report, struct rep_plot_queue *q,
		    const char *base, const char *kind, const char *vars)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/plots/%s.gp", report->dir, base);
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"# %s plot of the procthread report; run `gnuplot %s.gp` "
		"in this directory.\n%sout = '%s'\n",
		kind, base, vars, base);
	if (strcmp(kind, "compare"))
		fputs(rep_template("common"), f);
	fprintf(f, "set terminal svg size width,height dynamic font "
		   "'Sans,12' background rgb 'white' noenhanced\n"
		   "set output out.'.svg'\n");
	fputs(rep_template(kind), f);
	fprintf(
	    f,
	    "set terminal pngcairo size width,height font 'Sans,10' noenhanced "
	    "background rgb 'white'\n"
	    "set output out.'.png'\n"
	    "replot\nset output\n");
	if (fclose(f))
		return -EIO;
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 64;
		char **grown = realloc(q->bases, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		q->bases = grown;
		q->cap = cap;
	}
	if (!(q->bases[q->n] = rep_strdup(base)))
		return -ENOMEM;
	q->n++;
	return 0;
}

/* Both outputs of plot i are there. */
static bool rep_plot_done(const struct rep_report *report,
			  const struct rep_plot_queue *q, size_t i)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/plots/%s.svg", report->dir,
		 q->bases[i]);
	if (!rep_nonempty(path))
		return false;
	snprintf(path, sizeof(path), "%s/plots/%s.png", report->dir,
		 q->bases[i]);
	return rep_nonempty(path);
}

static void rep_plot_failed(struct rep_report *report,
			    const struct rep_plot_queue *q, size_t i,
			    const char *why)
{
	char path[4200];
	static const char *const ext[] = {"svg", "png"};
	for (int k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s/plots/%s.%s", report->dir,
			 q->bases[i], ext[k]);
		unlink(path);
	}
	rep_report_warn(report,
			"gnuplot %s on plots/%s.gp (see "
			"plots/gnuplot.log)",
			why, q->bases[i]);
}

/* One gnuplot process running the scripts [from, to) of the queue, one
 * after the other, each from a clean session (`reset session`). */
struct rep_batch {
	pid_t pid;
	size_t from, to;
	double deadline;
	char driver[64]; /* plots/.batch-N.gp; its done file .batch-N.gp.done */
};

static double rep_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int rep_batch_start(const struct rep_report *report, const char *gnuplot,
			   const struct rep_plot_queue *q, struct rep_batch *b,
			   int slot, unsigned seq)
{
	char path[4200];
	snprintf(b->driver, sizeof(b->driver), ".batch-%u.gp", seq);
	snprintf(path, sizeof(path), "%s/plots/%s", report->dir, b->driver);
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	/* after each plot, a line in the done file: which ones finished */
	for (size_t i = b->from; i < b->to; i++)
		fprintf(f,
			"reset session\nload '%s.gp'\nset print '%s.done' "
			"append\nprint %zu\nset print\n",
			q->bases[i], b->driver, i);
	if (fclose(f))
		return -EIO;
	pid_t pid = fork();
	if (pid < 0) {
		int err = -errno;
		unlink(path);
		return err;
	}
	snprintf(path, sizeof(path), "%s/plots", report->dir);
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (chdir(path) != 0)
			_exit(127);
		int log =
		    open("gnuplot.log", O_WRONLY | O_CREAT | O_APPEND, 0644);
		int null = open("/dev/null", O_RDWR);
		if (log >= 0)
			dup2(log, 2);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		execl(gnuplot, "gnuplot", b->driver, (char *)NULL);
		_exit(127);
	}
	b->pid = pid;
	rep_children[slot] = pid;
	/* a minute for gnuplot, plus a second per plot */
	b->deadline = rep_clock() + 60 + (double)(b->to - b->from);
	return 0;
}

/* A batch ended (ok: exited 0). The plots its done file lists finished:
 * each is done if both its outputs are there. With an error, gnuplot
 * stopped in the first plot not listed: that one failed, and the rest of
 * the batch goes back on the pending list. */
static void rep_batch_end(struct rep_report *report,
			  const struct rep_plot_queue *q, struct rep_batch *b,
			  bool ok, bool timed_out, size_t *pending,
			  size_t *npending)
{
	char path[4200];
	size_t i = b->from, line;
	snprintf(path, sizeof(path), "%s/plots/%s.done", report->dir,
		 b->driver);
	FILE *done = fopen(path, "r");
	while (done && i < b->to && fscanf(done, "%zu", &line) == 1 &&
	       line == i) {
		if (!rep_plot_done(report, q, i))
			rep_plot_failed(report, q, i, "failed");
		i++;
	}
	if (done)
		fclose(done);
	unlink(path);
	snprintf(path, sizeof(path), "%s/plots/%s", report->dir, b->driver);
	unlink(path);
	if (i == b->to)
		return;
	rep_plot_failed(report, q, i,
			ok	    ? "failed"
			: timed_out ? "timed out"
				    : "failed");
	if (++i < b->to) {
		pending[2 * *npending] = i;
		pending[2 * *npending + 1] = b->to;
		++*npending;
	}
}

/* A stop signal (SIGINT, SIGTERM, SIGHUP) is waiting: report.c holds them
 * while the report is written. */
static bool rep_stop_pending(void)
{
	sigset_t set;
	sigpending(&set);
	return sigismember(&set, SIGINT) == 1 ||
	       sigismember(&set, SIGTERM) == 1 ||
	       sigismember(&set, SIGHUP) == 1;
}

/* Runs every queued script in at most min(online CPUs, 8) gnuplot processes
 * at once, the queue split in as many contiguous batches. Returns 0, or
 * -EINTR when a stop signal came (the children are killed and reaped). */
static int rep_run_queue(struct rep_report *report, const char *gnuplot,
			 const struct rep_plot_queue *q)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t procs = cpus > 0 ? (size_t)cpus : 1;
	if (procs > REP_MAX_GNUPLOTS)
		procs = REP_MAX_GNUPLOTS;
	if (procs > q->n)
		procs = q->n;
	if (!procs)
		return 0;
	/* pending ranges [from, to): at most one per failed plot plus the
	 * first split */
	size_t *pending = calloc(2 * (q->n + procs), sizeof(*pending));
	if (!pending)
		return -ENOMEM;
	size_t npending = 0, per = (q->n + procs - 1) / procs;
	for (size_t from = q->n; from > 0;) {
		size_t to = from;
		from = from > per ? from - per : 0;
		pending[2 * npending] = from;
		pending[2 * npending + 1] = to;
		npending++;
	}
	struct rep_batch batches[REP_MAX_GNUPLOTS] = {0};
	unsigned seq = 0;
	int ret = 0;
	for (;;) {
		size_t running = 0;
		for (size_t k = 0; k < procs; k++) {
			struct rep_batch *b = &batches[k];
			if (!b->pid && npending && !ret) {
				npending--;
				b->from = pending[2 * npending];
				b->to = pending[2 * npending + 1];
				int err = rep_batch_start(report, gnuplot, q, b,
							  (int)k, seq++);
				if (err) {
					for (size_t i = b->from; i < b->to; i++)
						rep_plot_failed(
						    report, q, i,
						    "could not be started");
					b->pid = 0;
				}
			}
			running += b->pid > 0;
		}
		if (!running)
			break;
		if (!ret && rep_stop_pending()) {
			ret = -EINTR;
			rep_plot_kill_children(SIGKILL);
		}
		double now = rep_clock();
		for (size_t k = 0; k < procs; k++) {
			struct rep_batch *b = &batches[k];
			int status;
			if (!b->pid)
				continue;
			bool timed_out = !ret && now > b->deadline;
			if (timed_out)
				kill(b->pid, SIGKILL);
			pid_t r =
			    waitpid(b->pid, &status, timed_out ? 0 : WNOHANG);
			if (r == 0 || (r < 0 && errno == EINTR))
				continue;
			rep_children[k] = 0;
			b->pid = 0;
			if (r < 0 || ret)
				continue;
			rep_batch_end(report, q, b,
				      WIFEXITED(status) &&
					  WEXITSTATUS(status) == 0,
				      timed_out, pending, &npending);
		}
		nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
	}
	free(pending);
	return ret;
}

/* Copies s for a single-quoted gnuplot string, where ' is written ''. */
static const char *rep_gp_quote(char *buf, size_t size, const char *s)
{
	size_t n = 0;
	for (; *s && n + 3 < size; s++) {
		if (*s == '\'')
			buf[n++] = '\'';
		buf[n++] = *s;
	}
	buf[n] = 0;
	return buf;
}

/* Appends " word" to a space-separated list; names never contain spaces. */
static void rep_words_add(char *list, size_t size, const char *word)
{
	size_t len = strlen(list);
	snprintf(list + len, size - len, "%s%s", len ? " " : "", word);
}

static int rep_memory_column(const struct rep_file *file)
{
	for (size_t i = 0; i < file->ncounter_names; i++) {
		char lower[256];
		size_t k = 0;
		for (; file->counter_names[i][k] && k < sizeof(lower) - 1; k++)
			lower[k] = (char)tolower(
			    (unsigned char)file->counter_names[i][k]);
		lower[k] = 0;
		if (strstr(lower, "rss") || strstr(lower, "pss") ||
		    strstr(lower, "mem"))
			return (int)(20 + i);
	}
	return 0;
}

static bool rep_has_creation(const struct rep_group *g)
{
	for (size_t i = 0; i < g->nseries; i++)
		for (size_t k = 0; k < g->series[i].npoints; k++)
			if (strcmp(g->series[i].name, "serial") &&
			    rep_point_counter(g->series[i].points[k],
					      "create_per_worker_s"))
				return true;
	return false;
}

static int rep_group_has_gil(const struct rep_group *g)
{
	struct rep_breakdown b;
	for (size_t i = 0; i < g->nseries; i++)
		for (size_t k = 0; k < g->series[i].npoints; k++)
			if (rep_point_breakdown(g->series[i].points[k], &b) &&
			    isfinite(b.gil_wait))
				return 1;
	return 0;
}

static int rep_plot_group(struct rep_report *report, struct rep_plot_queue *q,
			  const struct rep_file *file,
			  const struct rep_group *g)
{
	char series[2048] = "", series_ns[2048] = "", vars[16384], base[1024];
	char qkey[2048], qseries[4096], qseries_ns[4096];
	bool any_fit = false, any_speedup = g->serial != NULL;
	size_t measured = 0;
	double maxcap = 1;
	for (size_t i = 0; i < g->nseries; i++) {
		for (size_t k = 0; k < g->series[i].npoints; k++) {
			const struct rep_point *p = g->series[i].points[k];
			measured += p->ntimes > 0 &&
				    strcmp(g->series[i].name, "serial");
			if (isfinite(p->capacity) && p->capacity > maxcap)
				maxcap = p->capacity;
		}
		rep_words_add(series, sizeof(series), g->series[i].name);
		if (strcmp(g->series[i].name, "serial"))
			rep_words_add(series_ns, sizeof(series_ns),
				      g->series[i].name);
		any_fit |= g->series[i].usl.status == 0 ||
			   g->series[i].amdahl.status == 0;
	}
	if (!measured)
		return 0; /* every configuration failed: nothing to draw */
	int memcol = rep_memory_column(file);
	snprintf(vars, sizeof(vars),
		 "datafile = '../data/%s.csv'\nfitfile = '../data/%s-fit.csv'\n"
		 "title = '%s'\nseries = '%s'\nseries_ns = '%s'\nncpus = %u\n"
		 "maxw = %u\nwidth = 800\nheight = 500\nmemcol = %d\n"
		 "memname = '%s'\nmaxcap = %.6g\nlcoff = %d\n"
		 "bdfile = '../data/%s-breakdown.csv'\nhasgil = %d\n",
		 g->slug, g->slug, rep_gp_quote(qkey, sizeof(qkey), g->key),
		 rep_gp_quote(qseries, sizeof(qseries), series),
		 rep_gp_quote(qseries_ns, sizeof(qseries_ns), series_ns),
		 file->online_cpus ? file->online_cpus : 1, g->max_workers,
		 memcol, memcol ? file->counter_names[memcol - 20] : "", maxcap,
		 g->nseries && !strcmp(g->series[0].name, "serial"), g->slug,
		 rep_group_has_gil(g));
	for (size_t k = 0; rep_plot_kinds[k]; k++) {
		const char *kind = rep_plot_kinds[k];
		bool needs_speedup = !strcmp(kind, "speedup") ||
				     !strcmp(kind, "efficiency") ||
				     !strcmp(kind, "overhead");
		if ((needs_speedup && !any_speedup) ||
		    (!strcmp(kind, "usl") && !any_fit) ||
		    (!strcmp(kind, "memory") && !memcol) ||
		    (!strcmp(kind, "creation") && !rep_has_creation(g)) ||
		    (!strcmp(kind, "breakdown") && !rep_group_has_breakdown(g)))
			continue;
		snprintf(base, sizeof(base), "%s-%s", g->slug, kind);
		int ret = rep_plot(report, q, base, kind, vars);
		if (ret)
			return ret;
	}
	return 0;
}

static int rep_plot_compare(struct rep_report *report, struct rep_plot_queue *q,
			    size_t fi)
{
	char vars[4096], base[256];
	const struct rep_ratio *ratios;
	size_t n;
	int ret = rep_report_ratios(report, fi, &ratios, &n);
	if (ret)
		return ret;
	if (!n)
		return 0;
	/* the worst rows only, past a readable height (the CSV has all) */
	size_t shown = n < REP_COMPARE_ROWS ? n : REP_COMPARE_ROWS;
	char worst[64] = "";
	if (shown < n)
		snprintf(worst, sizeof(worst), " (worst %zu of %zu)", shown, n);
	snprintf(base, sizeof(base), "compare-%s", report->files[fi].label);
	snprintf(vars, sizeof(vars),
		 "datafile = '../data/%s.csv'\ntitle = '%s / %s: job time "
		 "ratio%s'\nnrows = %zu\nwidth = 900\nheight = %zu\n",
		 base, report->files[fi].label, report->files[0].label, worst,
		 shown, 160 + 22 * shown);
	return rep_plot(report, q, base, "compare", vars);
}

int rep_write_plots(struct rep_report *report, const char *gnuplot)
{
	char path[4096];
	struct rep_plot_queue q = {0};
	size_t groups = 0, skipped = 0;
	int ret = 0;
	for (size_t fi = 0; fi < report->nfiles && !ret; fi++)
		for (size_t gi = 0; gi < report->files[fi].ngroups && !ret;
		     gi++) {
			if (groups++ >= report->plot_groups) {
				skipped++;
				continue;
			}
			ret = rep_plot_group(report, &q, &report->files[fi],
					     &report->files[fi].groups[gi]);
		}
	for (size_t fi = 1; fi < report->nfiles && !ret; fi++)
		ret = rep_plot_compare(report, &q, fi);
	if (skipped)
		rep_report_warn(report,
				"%zu groups: plots drawn for the first %zu, "
				"not for the other %zu (--plot-groups=all "
				"draws them all)",
				groups, report->plot_groups, skipped);
	if (ret)
		rep_report_warn(report, "plots not drawn: %s", strerror(-ret));
	else
		ret = rep_run_queue(report, gnuplot, &q);
	for (size_t i = 0; i < q.n; i++)
		free(q.bases[i]);
	free(q.bases);
	snprintf(path, sizeof(path), "%s/plots/gnuplot.log", report->dir);
	if (!rep_nonempty(path))
		unlink(path);
	return ret == -EINTR ? ret : 0;
}
