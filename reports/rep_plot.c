/*
 * Plots: one gnuplot script per plot kind, run as a child process.
 *
 * The templates live in reports/plots/ (one .gp file per kind) and are compiled
 * into the binary (reports/embed.py), so bench needs no data files at run time.
 * For each plot the report writes DIR/plots/NAME.gp: a few variable definitions
 * (data file, series, online CPUs, size), then common.gp, then the plot's
 * template. The script draws the SVG and then the PNG, reading the CSV files in
 * ../data, so a user can edit it and re-run `gnuplot NAME.gp` inside DIR/plots.
 * gnuplot runs with its working directory in plots/ and its messages appended
 * to plots/gnuplot.log (removed when empty). A plot that fails is removed and
 * warned about; the rest of the report goes on. Each step is bounded: a
 * gnuplot that has not finished within a minute is killed.
 */
#include "outfile.h"
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

const char *const rep_plot_kinds[] = {"speedup",  "efficiency", "walltime",
				      "overhead", "creation",	"usl",
				      "memory",	  NULL};

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

/* Runs `gnuplot SCRIPT` in DIR; returns 0 if it exited 0. */
static int rep_run_gnuplot(const char *gnuplot, const char *dir,
			   const char *script)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (chdir(dir) != 0)
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
		execl(gnuplot, "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	int status;
	for (int waited_ms = 0;; waited_ms += 10) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (waited_ms > 60000) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static bool rep_nonempty(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && st.st_size > 0;
}

/* Writes plots/BASE.gp from the variables and the template, runs it and
 * checks its outputs. */
static int rep_plot(struct rep_report *report, const char *gnuplot,
		    const char *base, const char *kind, const char *vars)
{
	char plots[4096], path[4200];
	snprintf(plots, sizeof(plots), "%s/plots", report->dir);
	snprintf(path, sizeof(path), "%s/%s.gp", plots, base);
	FILE *f = pt_fopen_write(path);
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
	int ret = pt_fclose(f);
	if (ret)
		return ret;
	ret = rep_run_gnuplot(gnuplot, plots, path + strlen(plots) + 1);
	char svg[4200], png[4200];
	snprintf(svg, sizeof(svg), "%s/%s.svg", plots, base);
	snprintf(png, sizeof(png), "%s/%s.png", plots, base);
	if (!ret && (!rep_nonempty(svg) || !rep_nonempty(png)))
		ret = -EIO;
	if (ret) {
		unlink(svg);
		unlink(png);
		rep_report_warn(report,
				"gnuplot failed on plots/%s.gp (see "
				"plots/gnuplot.log)",
				base);
	}
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

static int rep_plot_group(struct rep_report *report, const char *gnuplot,
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
		 "memname = '%s'\nmaxcap = %.6g\nlcoff = %d\n",
		 g->slug, g->slug, rep_gp_quote(qkey, sizeof(qkey), g->key),
		 rep_gp_quote(qseries, sizeof(qseries), series),
		 rep_gp_quote(qseries_ns, sizeof(qseries_ns), series_ns),
		 file->online_cpus ? file->online_cpus : 1, g->max_workers,
		 memcol, memcol ? file->counter_names[memcol - 20] : "", maxcap,
		 g->nseries && !strcmp(g->series[0].name, "serial"));
	for (size_t k = 0; rep_plot_kinds[k]; k++) {
		const char *kind = rep_plot_kinds[k];
		bool needs_speedup = !strcmp(kind, "speedup") ||
				     !strcmp(kind, "efficiency") ||
				     !strcmp(kind, "overhead");
		if ((needs_speedup && !any_speedup) ||
		    (!strcmp(kind, "usl") && !any_fit) ||
		    (!strcmp(kind, "memory") && !memcol) ||
		    (!strcmp(kind, "creation") && !rep_has_creation(g)))
			continue;
		snprintf(base, sizeof(base), "%s-%s", g->slug, kind);
		rep_plot(report, gnuplot, base, kind, vars);
	}
	return 0;
}

static int rep_plot_compare(struct rep_report *report, const char *gnuplot,
			    size_t fi)
{
	char vars[4096], base[256];
	struct rep_ratio *ratios;
	size_t n;
	int ret = rep_compare(&report->files[0], &report->files[fi],
			      report->threshold, &ratios, &n);
	if (ret)
		return ret;
	free(ratios);
	if (!n)
		return 0;
	snprintf(base, sizeof(base), "compare-%s", report->files[fi].label);
	snprintf(vars, sizeof(vars),
		 "datafile = '../data/%s.csv'\ntitle = '%s / %s: job time "
		 "ratio'\nnrows = %zu\nwidth = 900\nheight = %zu\n",
		 base, report->files[fi].label, report->files[0].label, n,
		 160 + 22 * n);
	return rep_plot(report, gnuplot, base, "compare", vars);
}

int rep_write_plots(struct rep_report *report, const char *gnuplot)
{
	char path[4096];
	for (size_t fi = 0; fi < report->nfiles; fi++)
		for (size_t gi = 0; gi < report->files[fi].ngroups; gi++)
			rep_plot_group(report, gnuplot, &report->files[fi],
				       &report->files[fi].groups[gi]);
	for (size_t fi = 1; fi < report->nfiles; fi++)
		rep_plot_compare(report, gnuplot, fi);
	snprintf(path, sizeof(path), "%s/plots/gnuplot.log", report->dir);
	if (!rep_nonempty(path))
		unlink(path);
	return 0;
}
