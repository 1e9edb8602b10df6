/*
 * `bench report RESULTS.json [MORE.json ...] -o DIR`: the command's edge.
 *
 * The design is simple: load and check every input first (any bad input
 * stops everything with one `bench: report: ...` line and exit status 2,
 * before a file is written), analyse, then write the whole report into a
 * fresh temporary directory beside DIR (CSV data, plots, report.md,
 * index.html) and rename it onto DIR at the end. So DIR holds either the
 * previous report or the complete new one, never a mix; a DIR that exists
 * and does not look like a report (no index.html or report.md) is refused
 * rather than replaced. Problems that do not stop the report (no serial
 * baseline, mixed machines, failed configurations, gnuplot missing or
 * failing) are collected as warnings, printed one line each on standard
 * error and shown at the top of the report.
 */
#include "report.h"
#include "pt_threshold.h"
#include "rep_internal.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char rep_usage[] =
    "usage: bench report RESULTS.json [MORE.json ...] -o DIR "
    "[--threshold=T] [--plot-groups=N|all]\n"
    "  Writes DIR/index.html (self-contained), DIR/report.md, DIR/data/*.csv\n"
    "  and DIR/plots/*.{svg,png,gp}. With several files, each later file is\n"
    "  compared with the first: a job time ratio above 1 + T (5% or 0.05,\n"
    "  the default; a bare number is a fraction below 1)\n"
    "  whose whole 95% bootstrap confidence interval is above 1 is a\n"
    "  regression. Plots are drawn for the first N groups (default 25;\n"
    "  all: every group).\n";

static int rep_unlink_cb(const char *path, const struct stat *st, int flag,
			 struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rep_remove_tree(const char *path)
{
	nftw(path, rep_unlink_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static bool rep_is_report_dir(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/index.html", dir);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof(path), "%s/report.md", dir);
	return access(path, F_OK) == 0;
}

static bool rep_is_empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	struct dirent *e;
	bool empty = true;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = false;
	closedir(d);
	return empty;
}

static const char *rep_ctx_str(const struct rep_file *f, const char *key,
			       char *buf, size_t size)
{
	json_t *v = json_object_get(f->context, key);
	if (json_is_string(v))
		snprintf(buf, size, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
	else
		snprintf(buf, size, "?");
	return buf;
}

static int rep_collect_warnings(struct rep_report *r)
{
	static const char *const machine_keys[] = {
	    "host_name", "cpu_model", "online_cpus", "kernel", NULL};
	char a[256], b[256];
	for (size_t fi = 0; fi < r->nfiles; fi++) {
		const struct rep_file *f = &r->files[fi];
		if (f->nskipped)
			rep_report_warn(r,
					"%s: %zu entries skipped (names not "
					"WORKLOAD/EXECUTOR/workers:W/...)",
					f->path, f->nskipped);
		if (f->nerrors)
			rep_report_warn(r, "%s: %zu configurations failed",
					f->path, f->nerrors);
		if (!f->online_cpus)
			rep_report_warn(r,
					"%s: no online_cpus or num_cpus in "
					"context: efficiency assumes 1 CPU",
					f->path);
		if (json_object_get(f->context, "procthread_incomplete"))
			rep_report_warn(r,
					"%s: the run was interrupted: results "
					"are incomplete",
					f->path);
		for (size_t gi = 0; gi < f->ngroups; gi++)
			if (!f->groups[gi].serial)
				rep_report_warn(r,
						"%s: %s: no serial baseline: "
						"speedup unavailable",
						f->path, f->groups[gi].key);
		for (size_t k = 0; fi > 0 && machine_keys[k]; k++) {
			rep_ctx_str(&r->files[0], machine_keys[k], a,
				    sizeof(a));
			rep_ctx_str(f, machine_keys[k], b, sizeof(b));
			if (strcmp(a, b))
				rep_report_warn(r,
						"mixed machines: %s is %s in "
						"%s, %s in %s",
						machine_keys[k], a,
						r->files[0].path, b, f->path);
		}
	}
	return 0;
}

/* Writes everything into tmp; returns 0 or a negative errno. */
static int rep_write_all(struct rep_report *r, char *reason, size_t size)
{
	char path[4096], gnuplot[4096];
	int ret;
	snprintf(path, sizeof(path), "%s/data", r->dir);
	if (mkdir(path, 0777)) {
		snprintf(reason, size, "%.300s: %s", path, strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/plots", r->dir);
	if (mkdir(path, 0777)) {
		snprintf(reason, size, "%.300s: %s", path, strerror(errno));
		return -errno;
	}
	if ((ret = rep_write_csv(r))) {
		snprintf(reason, size, "writing CSV: %s", strerror(-ret));
		return ret;
	}
	r->have_gnuplot = rep_find_gnuplot(gnuplot, sizeof(gnuplot)) == 0;
	if (r->have_gnuplot) {
		if ((ret = rep_write_plots(r, gnuplot)))
			return ret; /* -EINTR: a stop signal is pending */
	} else
		rep_report_warn(r, "gnuplot not found in PATH: no plots "
				   "(install gnuplot-nox); tables and CSV "
				   "written");
	if ((ret = rep_write_markdown(r)) || (ret = rep_write_html(r))) {
		snprintf(reason, size, "writing the report: %s",
			 strerror(-ret));
		return ret;
	}
	return 0;
}

/* --plot-groups=N|all: how many groups get plots. */
static int rep_parse_plot_groups(const char *s, size_t *n)
{
	char *end;
	if (!strcmp(s, "all")) {
		*n = SIZE_MAX;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > SIZE_MAX)
		return -EINVAL;
	*n = (size_t)v;
	return 0;
}

/* Prints why a repeated option is refused; returns true for the caller's
 * `goto out`. */
static bool rep_given_twice(const char *arg)
{
	fprintf(stderr,
		"bench: report: %s: this option is given twice (give it "
		"once)\n",
		arg);
	return true;
}

int rep_main(int argc, char **argv)
{
	struct rep_report r = {.threshold = 0.05,
			       .plot_groups = REP_PLOT_GROUPS_DEFAULT};
	const char *out = NULL;
	char **inputs = calloc((size_t)argc + 1, sizeof(*inputs));
	size_t ninputs = 0;
	char reason[REP_REASON_MAX] = "";
	char *tmp = NULL, *old = NULL, *parent_copy = NULL, *base_copy = NULL;
	char *out_copy = NULL;
	int status = 2;
	sigset_t stop_signals, saved_mask;
	bool masked = false;
	unsigned threshold_given = 0, plot_groups_given = 0;

	if (!inputs)
		return 2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(rep_usage, stdout);
			status = 0;
			goto out;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
			if (++i >= argc) {
				fprintf(stderr,
					"bench: report: %s needs a "
					"directory\n",
					a);
				goto out;
			}
			if (out && rep_given_twice(a))
				goto out;
			out = argv[i];
		} else if (!strncmp(a, "--out=", 6) || !strncmp(a, "-o=", 3)) {
			if (out && rep_given_twice(a))
				goto out;
			out = strchr(a, '=') + 1;
		} else if (!strncmp(a, "--threshold=", 12)) {
			if (threshold_given++ && rep_given_twice(a))
				goto out;
			if (pt_parse_threshold(a + 12, &r.threshold)) {
				fprintf(stderr,
					"bench: report: --threshold: invalid "
					"value '%s' (%s)\n",
					a + 12, PT_THRESHOLD_HINT);
				goto out;
			}
		} else if (!strncmp(a, "--plot-groups=", 14)) {
			if (plot_groups_given++ && rep_given_twice(a))
				goto out;
			if (rep_parse_plot_groups(a + 14, &r.plot_groups)) {
				fprintf(stderr,
					"bench: report: --plot-groups: invalid "
					"value '%s' (a whole number, or all)\n",
					a + 14);
				goto out;
			}
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr,
				"bench: report: unknown option %s (see bench "
				"report --help)\n",
				a);
			goto out;
		} else {
			inputs[ninputs++] = argv[i];
		}
	}
	if (out) {
		/* "report/" and "report" are the same directory */
		size_t len = strlen(out);
		while (len > 1 && out[len - 1] == '/')
			len--;
		if (!(out_copy = strndup(out, len)))
			goto out;
		out = out_copy;
	}
	if (!ninputs || !out || !*out) {
		fprintf(stderr,
			"bench: report: %s (usage: bench report RESULTS.json "
			"[MORE.json ...] -o DIR)\n",
			!ninputs ? "no results file given" : "no -o DIR given");
		goto out;
	}

	if (!(r.files = calloc(ninputs, sizeof(*r.files))))
		goto out;
	for (size_t i = 0; i < ninputs; i++) {
		r.files[i].label = rep_printf("f%zu", i + 1);
		r.nfiles = i + 1;
		if (rep_load(inputs[i], &r.files[i], reason, sizeof(reason))) {
			fprintf(stderr, "bench: report: %s\n", reason);
			goto out;
		}
		rep_analyse(&r.files[i]);
	}

	struct stat st;
	bool exists = stat(out, &st) == 0;
	if (exists && !S_ISDIR(st.st_mode)) {
		fprintf(stderr,
			"bench: report: %s: exists and is not a "
			"directory\n",
			out);
		goto out;
	}
	if (exists && !rep_is_empty_dir(out) && !rep_is_report_dir(out)) {
		fprintf(stderr,
			"bench: report: %s: exists and is not a report "
			"(no index.html or report.md); not replacing it\n",
			out);
		goto out;
	}
	parent_copy = rep_strdup(out);
	base_copy = rep_strdup(out);
	if (!parent_copy || !base_copy)
		goto out;
	const char *parent = dirname(parent_copy);
	const char *base = basename(base_copy);
	/* From here on SIGINT, SIGTERM and SIGHUP wait: they are checked
	 * before the rename, and delivered once the temporary directory is
	 * gone. gnuplot children get the default mask back. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop_signals, &saved_mask);
	masked = true;
	tmp = rep_printf("%s/.%s.tmp-XXXXXX", parent, base);
	if (!tmp || !mkdtemp(tmp)) {
		fprintf(stderr,
			"bench: report: %s: cannot create a directory "
			"beside it: %s\n",
			out, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	mode_t mask = umask(0);
	umask(mask);
	chmod(tmp, 0777 & ~mask);
	r.dir = tmp;
	rep_collect_warnings(&r);
	int written = rep_write_all(&r, reason, sizeof(reason));
	if (written && written != -EINTR) {
		fprintf(stderr, "bench: report: %s\n", reason);
		goto out;
	}
	sigset_t pending;
	sigpending(&pending);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&stop_signals, sig) &&
		    sigismember(&pending, sig)) {
			fprintf(stderr,
				"bench: report: interrupted by %s: "
				"nothing written\n",
				sigabbrev_np(sig));
			status = 128 + sig;
			goto out;
		}
	if (written) /* interrupted, yet no signal pending: never expected */
		goto out;
	if (exists) {
		/* rename() replaces an empty directory: park the old report
		 * in one, then put the new one in place. */
		old = rep_printf("%s/.%s.old-XXXXXX", parent, base);
		if (!old || !mkdtemp(old) || rename(out, old)) {
			fprintf(stderr,
				"bench: report: %s: cannot replace: %s\n", out,
				strerror(errno));
			if (old && access(old, F_OK) != 0) {
				free(old);
				old = NULL;
			}
			goto out;
		}
	}
	if (rename(tmp, out)) {
		fprintf(stderr, "bench: report: %s: %s\n", out,
			strerror(errno));
		if (old)
			rename(old, out);
		goto out;
	}
	free(tmp);
	tmp = NULL;
	for (size_t i = 0; i < r.nwarnings; i++)
		fprintf(stderr, "bench: report: warning: %s\n", r.warnings[i]);
	printf("bench: report: wrote %s/index.html and %s/report.md\n", out,
	       out);
	status = 0;
out:
	if (tmp)
		rep_remove_tree(tmp);
	if (old)
		rep_remove_tree(old);
	free(tmp);
	free(old);
	free(parent_copy);
	free(base_copy);
	free(out_copy);
	for (size_t i = 0; i < r.nfiles; i++)
		rep_file_free(&r.files[i]);
	free(r.files);
	for (size_t i = 0; i < r.nwarnings; i++)
		free(r.warnings[i]);
	free(r.warnings);
	free(inputs);
	if (masked)
		sigprocmask(SIG_SETMASK, &saved_mask, NULL);
	return status;
}
