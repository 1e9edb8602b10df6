/*
 * The report's writers: CSV data, Markdown and self-contained HTML.
 *
 * The Markdown and HTML documents have the same content, so it is written
 * once, against a tiny document interface (heading, paragraph, table, plot)
 * with two back ends. A plot is referenced only if its file exists in the
 * output directory: Markdown links the PNG, HTML inlines the SVG (with its
 * element ids made unique per plot, since gnuplot reuses the same ids in
 * every file) while the page's inlined SVG stays under 2 MiB, and links the
 * SVG file (<img>) after that, so a report of many groups stays small. Numbers
 * are formatted in one place; a value that cannot be computed (no serial
 * baseline, a failed configuration) is written "n/a" in the documents and left
 * empty in the CSV files, never invented.
 */
#include "rep_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int rep_report_warn(struct rep_report *report, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	char **grown =
	    realloc(report->warnings, (report->nwarnings + 1) * sizeof(*grown));
	if (!grown) {
		free(msg);
		return -ENOMEM;
	}
	report->warnings = grown;
	grown[report->nwarnings++] = msg;
	return 0;
}

/* Formats a number with 4 significant digits (whole numbers from 10^4 up),
 * or "n/a" (empty for CSV). */
static const char *rep_num(char *buf, size_t size, double v, bool csv)
{
	if (!isfinite(v))
		snprintf(buf, size, "%s", csv ? "" : "n/a");
	else if (csv)
		snprintf(buf, size, "%.9g", v);
	else if (fabs(v) >= 1e4 && fabs(v) < 1e12)
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, "%.4g", v);
	return buf;
}

static double rep_counter_median(const struct rep_point *p, const char *name)
{
	const struct rep_counter *c = rep_point_counter(p, name);
	return c ? c->median : NAN;
}

static FILE *rep_open(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "w");
}

static int rep_close(FILE *f)
{
	int bad = ferror(f);
	if (fclose(f) || bad)
		return -EIO;
	return 0;
}

static bool rep_exists(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 && st.st_size > 0;
}

/* --- CSV ---------------------------------------------------------------- */

static int rep_write_group_csv(const struct rep_report *report,
			       const struct rep_file *file,
			       const struct rep_group *g)
{
	char name[1024], b[64];
	snprintf(name, sizeof(name), "data/%s.csv", g->slug);
	FILE *f = rep_open(report->dir, name);
	if (!f)
		return -errno;
	fprintf(f, "series,workers,repetitions,time_us,time_q1_us,time_q3_us,"
		   "speedup,speedup_lo,speedup_hi,efficiency,"
		   "efficiency_per_worker,overhead_job_us,overhead_task_us,"
		   "time_per_task_us,capacity,create_us,create_per_worker_us,"
		   "stop_us,items_per_second");
	for (size_t i = 0; i < file->ncounter_names; i++)
		fprintf(f, ",%s", file->counter_names[i]);
	fputc('\n', f);
	for (size_t si = 0; si < g->nseries; si++) {
		const struct rep_series *s = &g->series[si];
		for (size_t k = 0; k < s->npoints; k++) {
			const struct rep_point *p = s->points[k];
			if (!p->ntimes)
				continue;
			double v[] = {
			    p->median_us,
			    p->q1_us,
			    p->q3_us,
			    p->speedup,
			    p->speedup_lo,
			    p->speedup_hi,
			    p->efficiency,
			    p->efficiency_per_worker,
			    p->overhead_job_us,
			    p->overhead_task_us,
			    p->time_per_task_us,
			    p->capacity,
			    rep_counter_median(p, "create_s") * 1e6,
			    rep_counter_median(p, "create_per_worker_s") * 1e6,
			    rep_counter_median(p, "stop_s") * 1e6,
			    rep_counter_median(p, "items_per_second")};
			fprintf(f, "%s,%u,%zu", s->name, p->workers, p->ntimes);
			for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
				fprintf(f, ",%s",
					rep_num(b, sizeof(b), v[i], 1));
			for (size_t i = 0; i < file->ncounter_names; i++)
				fprintf(f, ",%s",
					rep_num(b, sizeof(b),
						rep_counter_median(
						    p, file->counter_names[i]),
						1));
			fputc('\n', f);
		}
	}
	int ret = rep_close(f);
	if (ret)
		return ret;

	/* The fitted curves, densely sampled, for the USL plot. */
	snprintf(name, sizeof(name), "data/%s-fit.csv", g->slug);
	if (!(f = rep_open(report->dir, name)))
		return -errno;
	fprintf(f, "series,workers,usl_capacity,amdahl_capacity\n");
	double top = g->max_workers * 1.5 + 1;
	for (size_t si = 0; si < g->nseries; si++) {
		const struct rep_series *s = &g->series[si];
		if (s->usl.status && s->amdahl.status)
			continue;
		for (double n = 1; n <= top + 1e-9; n += 0.1) {
			char b2[64];
			fprintf(f, "%s,%.2f,%s,%s\n", s->name, n,
				rep_num(b, sizeof(b),
					s->usl.status
					    ? NAN
					    : rep_usl_capacity(s->usl.sigma,
							       s->usl.kappa, n),
					1),
				rep_num(b2, sizeof(b2),
					s->amdahl.status
					    ? NAN
					    : rep_amdahl_speedup(
						  s->amdahl.serial_fraction, n),
					1));
		}
	}
	if ((ret = rep_close(f)) || !rep_group_has_breakdown(g))
		return ret;

	/* One job start to stop, per configuration, for the breakdown plot. */
	snprintf(name, sizeof(name), "data/%s-breakdown.csv", g->slug);
	if (!(f = rep_open(report->dir, name)))
		return -errno;
	fprintf(f, "label,series,workers,create_us,dispatch_us,compute_us,"
		   "gil_wait_us,idle_us,return_us,stop_us,total_us\n");
	for (size_t si = 0; si < g->nseries; si++)
		for (size_t k = 0; k < g->series[si].npoints; k++) {
			const struct rep_point *p = g->series[si].points[k];
			struct rep_breakdown bd;
			if (!rep_point_breakdown(p, &bd))
				continue;
			fprintf(f, "%s W=%u,%s,%u", p->series, p->workers,
				p->series, p->workers);
			for (int i = 0; i < REP_BREAKDOWN_PARTS; i++)
				fprintf(f, ",%s",
					rep_num(b, sizeof(b),
						rep_breakdown_part(&bd, i), 1));
			fprintf(f, ",%s\n", rep_num(b, sizeof(b), bd.total, 1));
		}
	return rep_close(f);
}

/* Length of a name without Google Benchmark's "/manual_time" suffix. */
static int rep_short_len(const char *name)
{
	size_t len = strlen(name);
	const char *suffix = "/manual_time";
	if (len > strlen(suffix) &&
	    !strcmp(name + len - strlen(suffix), suffix))
		len -= strlen(suffix);
	return (int)len;
}

/* Best series at each worker count of a group, or NULL. */
static const struct rep_point *rep_best_at(const struct rep_group *g,
					   unsigned workers)
{
	const struct rep_point *best = NULL;
	for (size_t si = 0; si < g->nseries; si++)
		for (size_t k = 0; k < g->series[si].npoints; k++) {
			const struct rep_point *p = g->series[si].points[k];
			if (p->workers != workers || !p->ntimes ||
			    !strcmp(p->executor, "serial"))
				continue;
			if (!best || p->median_us < best->median_us)
				best = p;
		}
	return best;
}

int rep_report_ratios(const struct rep_report *report, size_t fi,
		      const struct rep_ratio **ratios, size_t *n)
{
	struct rep_file *f = &report->files[fi];
	if (!f->compared) {
		int ret = rep_compare(&report->files[0], f, report->threshold,
				      &f->ratios, &f->nratios);
		if (ret)
			return ret;
		f->compared = true;
	}
	*ratios = f->ratios;
	*n = f->nratios;
	return 0;
}

int rep_write_csv(const struct rep_report *report)
{
	int ret;
	char b[6][64];
	FILE *sum = rep_open(report->dir, "data/summary.csv");
	FILE *fits = rep_open(report->dir, "data/fits.csv");
	if (!sum || !fits) {
		ret = -errno;
		goto out;
	}
	fprintf(sum, "file,group,workers,best_series,time_us,speedup,"
		     "efficiency\n");
	fprintf(fits, "file,group,series,amdahl_serial_fraction,amdahl_r2,"
		      "usl_sigma,usl_kappa,usl_peak_workers,usl_r2\n");
	for (size_t fi = 0; fi < report->nfiles; fi++) {
		const struct rep_file *file = &report->files[fi];
		for (size_t gi = 0; gi < file->ngroups; gi++) {
			const struct rep_group *g = &file->groups[gi];
			if ((ret = rep_write_group_csv(report, file, g)))
				goto out;
			for (unsigned w = 1; w <= g->max_workers; w++) {
				const struct rep_point *p = rep_best_at(g, w);
				if (!p)
					continue;
				fprintf(sum, "%s,%s,%u,%s,%s,%s,%s\n",
					file->label, g->key, w, p->series,
					rep_num(b[0], 64, p->median_us, 1),
					rep_num(b[1], 64, p->speedup, 1),
					rep_num(b[2], 64, p->efficiency, 1));
			}
			for (size_t si = 0; si < g->nseries; si++) {
				const struct rep_series *s = &g->series[si];
				if (!strcmp(s->name, "serial"))
					continue;
				fprintf(
				    fits, "%s,%s,%s,%s,%s,%s,%s,%s,%s\n",
				    file->label, g->key, s->name,
				    rep_num(b[0], 64, s->amdahl.serial_fraction,
					    1),
				    rep_num(b[1], 64, s->amdahl.r2, 1),
				    rep_num(b[2], 64, s->usl.sigma, 1),
				    rep_num(b[3], 64, s->usl.kappa, 1),
				    rep_num(b[4], 64, s->usl.peak_workers, 1),
				    rep_num(b[5], 64, s->usl.r2, 1));
			}
		}
	}
	for (size_t fi = 1; fi < report->nfiles; fi++) {
		const struct rep_ratio *r;
		size_t n;
		char name[256];
		if ((ret = rep_report_ratios(report, fi, &r, &n)))
			goto out;
		snprintf(name, sizeof(name), "data/compare-%s.csv",
			 report->files[fi].label);
		FILE *f = rep_open(report->dir, name);
		if (!f) {
			ret = -errno;
			goto out;
		}
		fprintf(f, "rank,name,base_us,other_us,ratio,ratio_lo,ratio_hi,"
			   "verdict,short_name\n");
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%zu,%s,%s,%s,%s,%s,%s,%s,%.*s\n", i + 1,
				r[i].other->name,
				rep_num(b[0], 64, r[i].base->median_us, 1),
				rep_num(b[1], 64, r[i].other->median_us, 1),
				rep_num(b[2], 64, r[i].ratio, 1),
				rep_num(b[3], 64, r[i].lo, 1),
				rep_num(b[4], 64, r[i].hi, 1),
				r[i].regression	   ? "regression"
				: r[i].improvement ? "improvement"
						   : "same",
				rep_short_len(r[i].other->name),
				r[i].other->name);
		if ((ret = rep_close(f)))
			goto out;
	}
	ret = 0;
out:
	if (sum && rep_close(sum) && !ret)
		ret = -EIO;
	if (fits && rep_close(fits) && !ret)
		ret = -EIO;
	return ret;
}

/* --- the document interface -------------------------------------------- */

struct rep_doc {
	FILE *f;
	bool html;
	const char *dir;
	int plot_index;
	size_t columns;
	size_t inlined; /* bytes of SVG inlined so far (HTML) */
};

/* index.html inlines its plots' SVG up to this many bytes, in page order,
 * and links the rest (<img src="plots/...svg">). */
#define REP_INLINE_SVG_BYTES (2u << 20)

static void rep_doc_text(struct rep_doc *d, const char *s)
{
	for (; *s; s++) {
		if (d->html && *s == '<')
			fputs("&lt;", d->f);
		else if (d->html && *s == '>')
			fputs("&gt;", d->f);
		else if (d->html && *s == '&')
			fputs("&amp;", d->f);
		else if (d->html && *s == '"')
			fputs("&quot;", d->f);
		else if (!d->html && (*s == '|' || *s == '*' || *s == '_'))
			fprintf(d->f, "\\%c", *s);
		else
			fputc(*s, d->f);
	}
}

static void rep_doc_heading(struct rep_doc *d, int level, const char *text,
			    const char *anchor)
{
	if (d->html) {
		fprintf(d->f, "<h%d", level);
		if (anchor)
			fprintf(d->f, " id=\"%s\"", anchor);
		fputc('>', d->f);
		rep_doc_text(d, text);
		fprintf(d->f, "</h%d>\n", level);
	} else {
		fprintf(d->f, "\n%.*s ", level, "######");
		rep_doc_text(d, text);
		fputs("\n\n", d->f);
	}
}

static void rep_doc_para(struct rep_doc *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void rep_doc_para(struct rep_doc *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = rep_vprintf(fmt, ap);
	va_end(ap);
	if (!s)
		return;
	fputs(d->html ? "<p>" : "", d->f);
	rep_doc_text(d, s);
	fputs(d->html ? "</p>\n" : "\n\n", d->f);
	free(s);
}

static void rep_doc_table(struct rep_doc *d, const char *const *headers)
{
	size_t n = 0;
	fputs(d->html ? "<table>\n<tr>" : "|", d->f);
	for (; headers[n]; n++) {
		fputs(d->html ? "<th>" : " ", d->f);
		rep_doc_text(d, headers[n]);
		fputs(d->html ? "</th>" : " |", d->f);
	}
	d->columns = n;
	if (d->html) {
		fputs("</tr>\n", d->f);
		return;
	}
	fputs("\n|", d->f);
	for (size_t i = 0; i < n; i++)
		fputs(i ? "---:|" : "---|", d->f);
	fputc('\n', d->f);
}

/* One row; cls marks it ("bad", "good") in HTML and bold in Markdown. */
static void rep_doc_row(struct rep_doc *d, const char *cls,
			const char *const *cells)
{
	if (d->html)
		fprintf(d->f, cls ? "<tr class=\"%s\">" : "<tr>", cls);
	else
		fputc('|', d->f);
	for (size_t i = 0; i < d->columns; i++) {
		fputs(d->html ? "<td>" : " ", d->f);
		bool bold = !d->html && cls && !strcmp(cls, "bad") &&
			    cells[i] && *cells[i];
		if (bold)
			fputs("**", d->f);
		rep_doc_text(d, cells[i] ? cells[i] : "");
		if (bold)
			fputs("**", d->f);
		fputs(d->html ? "</td>" : " |", d->f);
	}
	fputs(d->html ? "</tr>\n" : "\n", d->f);
}

static void rep_doc_table_end(struct rep_doc *d)
{
	fputs(d->html ? "</table>\n" : "\n", d->f);
}

/* Copies an SVG file inline, from its <svg element on, renaming its ids. */
static int rep_doc_inline_svg(struct rep_doc *d, const char *path)
{
	FILE *in = fopen(path, "r");
	if (!in)
		return -errno;
	char *text = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);
	char buf[8192];
	size_t n;
	while (mem && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(in);
	if (!mem || fclose(mem))
		return -ENOMEM;
	char *s = strstr(text, "<svg");
	int id = ++d->plot_index;
	/* Every id and every local reference to one gets the plot's prefix:
	 * id='X' -> id='pN_X', url(#X) and href='#X' -> #pN_X. */
	static const char *const marks[] = {"id='",    "id=\"",	   "url(#",
					    "href='#", "href=\"#", NULL};
	while (s && *s) {
		size_t k = 0;
		for (; marks[k]; k++)
			if (!strncmp(s, marks[k], strlen(marks[k])))
				break;
		if (marks[k]) {
			fprintf(d->f, "%sp%d_", marks[k], id);
			s += strlen(marks[k]);
		} else {
			fputc(*s++, d->f);
		}
	}
	free(text);
	return 0;
}

/* A plot: the PNG link in Markdown, the SVG inline in HTML. */
static void rep_doc_plot(struct rep_doc *d, const char *base,
			 const char *caption)
{
	char name[1024], path[4096];
	snprintf(name, sizeof(name), "plots/%s.%s", base,
		 d->html ? "svg" : "png");
	if (!rep_exists(d->dir, name))
		return;
	if (!d->html) {
		fputs("![", d->f);
		rep_doc_text(d, caption);
		fprintf(d->f, "](%s)\n\n", name);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", d->dir, name);
	struct stat st;
	fputs("<figure>", d->f);
	if (stat(path, &st) == 0 &&
	    d->inlined + (size_t)st.st_size <= REP_INLINE_SVG_BYTES) {
		d->inlined += (size_t)st.st_size;
		rep_doc_inline_svg(d, path);
	} else {
		/* past the page's budget: linked, so the page stays small */
		fprintf(d->f, "<img src=\"%s\" alt=\"", name);
		rep_doc_text(d, caption);
		fputs("\">", d->f);
	}
	fputs("<figcaption>", d->f);
	rep_doc_text(d, caption);
	fputs("</figcaption></figure>\n", d->f);
}

/* --- the document ------------------------------------------------------- */

static const char *rep_ctx(const struct rep_file *file, const char *key)
{
	json_t *v = json_object_get(file->context, key);
	static char buf[4][64];
	static int next;
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		char *b = buf[next++ % 4];
		snprintf(b, 64, "%lld", (long long)json_integer_value(v));
		return b;
	}
	return "n/a";
}

static void rep_doc_inputs(struct rep_doc *d, const struct rep_report *r)
{
	static const char *const h[] = {"input",  "file",    "date",
					"host",	  "CPU",     "online CPUs",
					"commit", "command", NULL};
	rep_doc_heading(d, 2, "Inputs", "inputs");
	rep_doc_table(d, h);
	for (size_t i = 0; i < r->nfiles; i++) {
		const struct rep_file *f = &r->files[i];
		char cpus[32];
		snprintf(cpus, sizeof(cpus), "%u", f->online_cpus);
		const char *cells[] = {f->label,
				       f->path,
				       rep_ctx(f, "date"),
				       rep_ctx(f, "host_name"),
				       rep_ctx(f, "cpu_model"),
				       cpus,
				       rep_ctx(f, "procthread_git_commit"),
				       rep_ctx(f, "procthread_command")};
		rep_doc_row(d, NULL, cells);
	}
	rep_doc_table_end(d);
}

/* --- the answer ---------------------------------------------------------- */

/* A duration in microseconds as "850 us", "12.3 ms" or "1.52 s". */
static const char *rep_dur(char *buf, size_t size, double us)
{
	if (!isfinite(us))
		snprintf(buf, size, "n/a");
	else if (fabs(us) < 1e3)
		snprintf(buf, size, "%.3g us", us);
	else if (fabs(us) < 1e6)
		snprintf(buf, size, "%.3g ms", us / 1e3);
	else
		snprintf(buf, size, "%.3g s", us / 1e6);
	return buf;
}

/* The fastest measured point of a group (any worker count, serial
 * excluded), or of one series when series is not NULL; except is a series
 * to leave out. */
static const struct rep_point *rep_fastest(const struct rep_group *g,
					   const char *series,
					   const char *except)
{
	const struct rep_point *best = NULL;
	for (size_t si = 0; si < g->nseries; si++) {
		const struct rep_series *s = &g->series[si];
		if (!strcmp(s->name, "serial") ||
		    (series && strcmp(s->name, series)) ||
		    (except && !strcmp(s->name, except)))
			continue;
		for (size_t k = 0; k < s->npoints; k++) {
			const struct rep_point *p = s->points[k];
			if (p->ntimes && !p->error &&
			    (!best || p->median_us < best->median_us))
				best = p;
		}
	}
	return best;
}

/* The largest part of a breakdown other than compute, as an index. */
static int rep_largest_overhead(const struct rep_breakdown *b)
{
	int top = -1;
	for (int i = 0; i < REP_BREAKDOWN_PARTS; i++) {
		double v = rep_breakdown_part(b, i);
		if (i != 2 && isfinite(v) &&
		    (top < 0 || v > rep_breakdown_part(b, top)))
			top = i;
	}
	return top;
}

/* Appends to a growing sentence; on failure the text stays as it was. */
static void rep_cat(char **text, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void rep_cat(char **text, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *part = rep_vprintf(fmt, ap);
	va_end(ap);
	if (!part)
		return;
	char *joined = rep_printf("%s%s", *text ? *text : "", part);
	free(part);
	if (joined) {
		free(*text);
		*text = joined;
	}
}

/* Why p beats the runner-up q (q may be NULL), from their breakdowns where
 * both have one, else from the per-task overhead. */
static void rep_answer_why(char **text, const struct rep_point *p,
			   const struct rep_point *q)
{
	struct rep_breakdown bp, bq;
	char b[4][64];
	bool have_p = rep_point_breakdown(p, &bp);
	if (have_p && bp.total > 0)
		rep_cat(text,
			"; of its instrumented job, start to stop, %.0f%% is "
			"compute and the largest overhead is %s (%.0f%%)",
			100 * bp.compute / bp.total,
			rep_breakdown_names[rep_largest_overhead(&bp)],
			100 *
			    rep_breakdown_part(&bp, rep_largest_overhead(&bp)) /
			    bp.total);
	if (!q)
		return;
	rep_cat(text, ". Next: %s at W=%u, %.2fx slower (%s)", q->series,
		q->workers, q->median_us / p->median_us,
		rep_dur(b[0], 64, q->median_us));
	if (have_p && rep_point_breakdown(q, &bq) && bq.total > 0) {
		/* the part where q loses most time against p */
		int i = -1;
		for (int k = 0; k < REP_BREAKDOWN_PARTS; k++) {
			double dk = rep_breakdown_part(&bq, k) -
				    rep_breakdown_part(&bp, k);
			if (isfinite(dk) && dk > 0 &&
			    (i < 0 || dk > rep_breakdown_part(&bq, i) -
					       rep_breakdown_part(&bp, i)))
				i = k;
		}
		if (i >= 0)
			rep_cat(text,
				": its %s takes %s (%.0f%% of its job) "
				"against %s",
				rep_breakdown_names[i],
				rep_dur(b[1], 64, rep_breakdown_part(&bq, i)),
				100 * rep_breakdown_part(&bq, i) / bq.total,
				rep_dur(b[2], 64, rep_breakdown_part(&bp, i)));
	} else if (isfinite(p->overhead_task_us) &&
		   isfinite(q->overhead_task_us)) {
		rep_cat(text, ": overhead %s per task against %s",
			rep_dur(b[1], 64, q->overhead_task_us),
			rep_dur(b[2], 64, p->overhead_task_us));
	}
}

/* One sentence per workload of a file: the executor fastest in most of its
 * groups, with its speedup, and why, from the numbers. */
static char *rep_answer_text(const struct rep_file *file)
{
	char *text = NULL, b[4][64];
	size_t n = file->ngroups;
	const char **winner = calloc(n + 1, sizeof(*winner));
	double *speedups = calloc(n + 1, sizeof(*speedups));
	bool *done = calloc(n + 1, sizeof(*done));
	if (!winner || !speedups || !done)
		goto out;
	for (size_t gi = 0; gi < n; gi++) {
		const struct rep_point *p =
		    rep_fastest(&file->groups[gi], NULL, NULL);
		winner[gi] = p ? p->series : NULL;
	}
	for (size_t gi = 0; gi < n; gi++) {
		const char *wl = file->groups[gi].workload;
		size_t ngroups = 0, best_count = 0;
		const char *best = NULL;
		if (done[gi])
			continue;
		/* The series that wins most of this workload's groups. */
		for (size_t k = gi; k < n; k++) {
			if (strcmp(file->groups[k].workload, wl))
				continue;
			done[k] = true;
			ngroups++;
			if (!winner[k])
				continue;
			size_t count = 0;
			for (size_t j = gi; j < n; j++)
				count +=
				    winner[j] &&
				    !strcmp(file->groups[j].workload, wl) &&
				    !strcmp(winner[j], winner[k]);
			if (count > best_count) {
				best_count = count;
				best = winner[k];
			}
		}
		if (!best)
			continue;
		size_t first = n, ns = 0;
		for (size_t k = gi; k < n; k++)
			if (winner[k] && !strcmp(winner[k], best) &&
			    !strcmp(file->groups[k].workload, wl)) {
				const struct rep_point *p =
				    rep_fastest(&file->groups[k], best, NULL);
				if (first == n)
					first = k;
				if (isfinite(p->speedup))
					speedups[ns++] = p->speedup;
			}
		const struct rep_group *g = &file->groups[first];
		const struct rep_point *p = rep_fastest(g, best, NULL);
		const struct rep_point *q = rep_fastest(g, NULL, best);
		double median = NAN, q1, q3;
		if (ns)
			rep_median_iqr(speedups, ns, &median, &q1, &q3);
		if (ngroups == 1)
			rep_cat(&text, "%s%s: fastest is %s at W=%u, %s a job",
				text ? " " : "", g->key, p->series, p->workers,
				rep_dur(b[0], 64, p->median_us));
		else
			rep_cat(&text,
				"%s%s: fastest is %s in %zu of %zu parameter "
				"sets; in %s, at W=%u, %s a job",
				text ? " " : "", wl, best, best_count, ngroups,
				g->key, p->workers,
				rep_dur(b[0], 64, p->median_us));
		if (isfinite(p->speedup))
			rep_cat(&text, ", %.2fx serial (efficiency %.2f)",
				p->speedup, p->efficiency);
		else
			rep_cat(&text, ", speedup n/a (no serial baseline)");
		if (ngroups > 1 && ns)
			rep_cat(&text,
				"; median speedup over the %zu sets %.2fx", ns,
				median);
		rep_answer_why(&text, p, q);
		rep_cat(&text, ".");
		(void)b;
	}
out:
	free(winner);
	free(speedups);
	free(done);
	return text;
}

/* The answer first: one paragraph, from the first input. */
static void rep_doc_answer(struct rep_doc *d, const struct rep_report *r)
{
	if (!r->nfiles)
		return;
	char *text = rep_answer_text(&r->files[0]);
	fputs(d->html ? "<p class=\"answer\" id=\"answer\"><strong>Answer."
			"</strong> "
		      : "**Answer.** ",
	      d->f);
	if (r->nfiles > 1)
		fprintf(d->f, "From %s: ", r->files[0].label);
	rep_doc_text(d, text ? text
			     : "no configuration besides serial was measured: "
			       "nothing to compare.");
	fputs(d->html ? "</p>\n" : "\n\n", d->f);
	free(text);
}

static void rep_doc_summary(struct rep_doc *d, const struct rep_report *r)
{
	static const char *const h[] = {
	    "input",	     "workload",     "workers",
	    "best executor", "time (us)",    "speedup",
	    "efficiency",    "all speedups", NULL};
	char b[3][64];
	rep_doc_heading(d, 2, "Summary", "summary");
	rep_doc_para(d, "Best executor (lowest median job time) per workload "
			"and worker count. Speedup = T(serial) / T(executor, "
			"W); efficiency = speedup / min(W, online CPUs).");
	rep_doc_table(d, h);
	for (size_t fi = 0; fi < r->nfiles; fi++) {
		const struct rep_file *file = &r->files[fi];
		for (size_t gi = 0; gi < file->ngroups; gi++) {
			const struct rep_group *g = &file->groups[gi];
			for (unsigned w = 1; w <= g->max_workers; w++) {
				const struct rep_point *best =
				    rep_best_at(g, w);
				if (!best)
					continue;
				char *all = rep_strdup("");
				for (size_t si = 0; si < g->nseries && all;
				     si++)
					for (size_t k = 0;
					     k < g->series[si].npoints; k++) {
						const struct rep_point *p =
						    g->series[si].points[k];
						if (p->workers != w ||
						    !p->ntimes ||
						    !strcmp(p->executor,
							    "serial"))
							continue;
						char *next = rep_printf(
						    "%s%s%s %s", all,
						    *all ? ", " : "", p->series,
						    rep_num(b[0], 64,
							    p->speedup, 0));
						free(all);
						all = next;
						if (!all)
							break;
					}
				char ws[16];
				snprintf(ws, sizeof(ws), "%u", w);
				const char *cells[] = {
				    file->label,
				    g->key,
				    ws,
				    best->series,
				    rep_num(b[0], 64, best->median_us, 0),
				    rep_num(b[1], 64, best->speedup, 0),
				    rep_num(b[2], 64, best->efficiency, 0),
				    all};
				rep_doc_row(d, NULL, cells);
				free(all);
			}
		}
	}
	rep_doc_table_end(d);
}

/* Appends "; text" to a note. */
static void rep_note_add(char *note, size_t size, const char *text)
{
	size_t len = strlen(note);
	snprintf(note + len, size - len, "%s%s", len ? "; " : "", text);
}

/* Says why a fit is missing, or what makes it doubtful. */
static void rep_fit_note(char *note, size_t size, const struct rep_series *s,
			 unsigned cpus)
{
	char text[200];
	if (s->amdahl.status) {
		snprintf(text, sizeof(text), "not fitted: %s",
			 s->amdahl.reason);
		rep_note_add(note, size, text);
		return;
	}
	if (s->amdahl.serial_fraction < 0 || s->amdahl.serial_fraction > 1)
		rep_note_add(note, size,
			     "Amdahl s outside [0, 1]: the model does not "
			     "describe this series");
	if (s->usl.status) {
		snprintf(text, sizeof(text), "USL not fitted: %s",
			 s->usl.reason);
		rep_note_add(note, size, text);
	} else {
		if (s->usl.sigma < 0)
			rep_note_add(note, size,
				     "sigma < 0: superlinear at first (noise "
				     "or cache effects)");
		if (!isfinite(s->usl.peak_workers))
			rep_note_add(note, size,
				     "kappa <= 0: no retrograde scaling "
				     "measured");
	}
	unsigned top = 0;
	for (size_t k = 0; k < s->npoints; k++)
		if (s->points[k]->ntimes && s->points[k]->workers > top)
			top = s->points[k]->workers;
	if (cpus && top > cpus) {
		snprintf(text, sizeof(text),
			 "includes W up to %u > %u online CPUs "
			 "(oversubscribed)",
			 top, cpus);
		rep_note_add(note, size, text);
	}
}

static void rep_doc_group(struct rep_doc *d, const struct rep_report *r,
			  const struct rep_file *file,
			  const struct rep_group *g)
{
	static const char *const h[] = {"executor",
					"workers",
					"reps",
					"time (us)",
					"IQR (us)",
					"speedup",
					"speedup range",
					"efficiency",
					"eff./worker",
					"overhead/job (us)",
					"overhead/task (us)",
					"create/worker (us)",
					"stop (us)",
					"tasks/s",
					NULL};
	char title[1024], base[1024], b[16][64];
	(void)r;
	snprintf(title, sizeof(title), "%s%s%s", g->key,
		 r->nfiles > 1 ? " - " : "", r->nfiles > 1 ? file->label : "");
	rep_doc_heading(d, 2, title, g->slug);
	if (!g->serial)
		rep_doc_para(d, "No serial baseline in this input: speedup, "
				"efficiency and overhead are unavailable.");
	static const struct {
		const char *kind, *caption;
	} plots[] = {
	    {"speedup", "Speedup over serial vs workers (median, error "
			"bars from the interquartile ranges); dashed: "
			"ideal; vertical line: online CPUs."},
	    {"efficiency", "Efficiency = speedup / min(W, online CPUs)."},
	    {"walltime", "Wall time of one job vs workers (median, IQR)."},
	    {"breakdown",
	     "Where one job's time goes, start to stop, per executor and "
	     "worker count: executor start (create), then the instrumented "
	     "job's per-worker means of dispatch, compute (less GIL wait, "
	     "where measured), idle and return, then stop (medians over "
	     "repetitions; data/*-breakdown.csv)."},
	    {"overhead", "Per-task overhead: (T(W) - T(serial) / min(W, "
			 "CPUs)) / tasks, log scale; non-positive values "
			 "are not drawn."},
	    {"creation", "Executor start-up cost per worker vs workers "
			 "(create_per_worker_s), log scale."},
	    {"usl", "Capacity C(W) = T(executor, 1) / T(executor, W): "
		    "measured points, fitted USL (solid) and Amdahl (dotted) "
		    "curves."},
	    {"memory", "Memory footprint vs workers (the first counter "
		       "whose name has rss, pss or mem)."},
	};
	for (size_t i = 0; i < sizeof(plots) / sizeof(plots[0]); i++) {
		snprintf(base, sizeof(base), "%s-%s", g->slug, plots[i].kind);
		rep_doc_plot(d, base, plots[i].caption);
	}
	rep_doc_table(d, h);
	for (size_t si = 0; si < g->nseries; si++) {
		const struct rep_series *s = &g->series[si];
		for (size_t k = 0; k < s->npoints; k++) {
			const struct rep_point *p = s->points[k];
			char ws[16], reps[16], iqr[140], range[140];
			snprintf(ws, sizeof(ws), "%u", p->workers);
			snprintf(reps, sizeof(reps), "%zu", p->ntimes);
			if (p->error) {
				const char *cells[] = {s->name, ws, reps,
						       "failed",
						       p->error_message};
				const char *row[14] = {0};
				memcpy(row, cells, sizeof(cells));
				rep_doc_row(d, "bad", row);
				continue;
			}
			snprintf(iqr, sizeof(iqr), "%s - %s",
				 rep_num(b[0], 64, p->q1_us, 0),
				 rep_num(b[1], 64, p->q3_us, 0));
			if (isfinite(p->speedup_lo))
				snprintf(range, sizeof(range), "%s - %s",
					 rep_num(b[2], 64, p->speedup_lo, 0),
					 rep_num(b[3], 64, p->speedup_hi, 0));
			else
				snprintf(range, sizeof(range), "n/a");
			const char *cells[] = {
			    s->name,
			    ws,
			    reps,
			    rep_num(b[4], 64, p->median_us, 0),
			    iqr,
			    rep_num(b[5], 64, p->speedup, 0),
			    range,
			    rep_num(b[6], 64, p->efficiency, 0),
			    rep_num(b[7], 64, p->efficiency_per_worker, 0),
			    rep_num(b[8], 64, p->overhead_job_us, 0),
			    rep_num(b[9], 64, p->overhead_task_us, 0),
			    rep_num(
				b[10], 64,
				rep_counter_median(p, "create_per_worker_s") *
				    1e6,
				0),
			    rep_num(b[11], 64,
				    rep_counter_median(p, "stop_s") * 1e6, 0),
			    rep_num(b[12], 64,
				    rep_counter_median(p, "items_per_second"),
				    0)};
			rep_doc_row(d, NULL, cells);
		}
	}
	rep_doc_table_end(d);

	static const char *const fh[] = {
	    "executor",	 "Amdahl serial fraction", "Amdahl R^2", "USL sigma",
	    "USL kappa", "USL peak workers",	   "USL R^2",	 "note",
	    NULL};
	rep_doc_para(d, "Scaling fits on each executor's own capacity C(W) = "
			"T(executor, 1) / T(executor, W), by least squares on "
			"the linearised models (Gunther's method).");
	rep_doc_table(d, fh);
	for (size_t si = 0; si < g->nseries; si++) {
		const struct rep_series *s = &g->series[si];
		if (!strcmp(s->name, "serial"))
			continue;
		char note[600] = "";
		rep_fit_note(note, sizeof(note), s, file->online_cpus);
		const char *cells[] = {
		    s->name,
		    rep_num(b[0], 64, s->amdahl.serial_fraction, 0),
		    rep_num(b[1], 64, s->amdahl.r2, 0),
		    rep_num(b[2], 64, s->usl.sigma, 0),
		    rep_num(b[3], 64, s->usl.kappa, 0),
		    rep_num(b[4], 64, s->usl.peak_workers, 0),
		    rep_num(b[5], 64, s->usl.r2, 0),
		    note};
		rep_doc_row(d, NULL, cells);
	}
	rep_doc_table_end(d);

	if (!file->ncounter_names)
		return;
	/* Counters the report has no column for, shown as they are. */
	const char **ch = calloc(file->ncounter_names + 3, sizeof(*ch));
	const char **cells = calloc(file->ncounter_names + 3, sizeof(*cells));
	char(*cb)[64] = calloc(file->ncounter_names + 1, sizeof(*cb));
	if (!ch || !cells || !cb)
		goto out;
	ch[0] = "executor";
	ch[1] = "workers";
	for (size_t i = 0; i < file->ncounter_names; i++)
		ch[i + 2] = file->counter_names[i];
	rep_doc_para(d, "Other counters (medians over repetitions).");
	rep_doc_table(d, ch);
	for (size_t si = 0; si < g->nseries; si++)
		for (size_t k = 0; k < g->series[si].npoints; k++) {
			const struct rep_point *p = g->series[si].points[k];
			char ws[16];
			if (!p->ntimes)
				continue;
			snprintf(ws, sizeof(ws), "%u", p->workers);
			cells[0] = p->series;
			cells[1] = ws;
			for (size_t i = 0; i < file->ncounter_names; i++)
				cells[i + 2] =
				    rep_num(cb[i], 64,
					    rep_counter_median(
						p, file->counter_names[i]),
					    0);
			rep_doc_row(d, NULL, cells);
		}
	rep_doc_table_end(d);
out:
	free(ch);
	free(cells);
	free(cb);
}

static void rep_doc_errors(struct rep_doc *d, const struct rep_report *r)
{
	static const char *const h[] = {"input", "configuration", "error",
					NULL};
	size_t n = 0;
	for (size_t fi = 0; fi < r->nfiles; fi++)
		n += r->files[fi].nerrors;
	if (!n)
		return;
	rep_doc_heading(d, 2, "Failed configurations", "errors");
	rep_doc_table(d, h);
	for (size_t fi = 0; fi < r->nfiles; fi++)
		for (size_t i = 0; i < r->files[fi].npoints; i++) {
			const struct rep_point *p = &r->files[fi].points[i];
			if (!p->error)
				continue;
			const char *cells[] = {r->files[fi].label, p->name,
					       p->error_message};
			rep_doc_row(d, "bad", cells);
		}
	rep_doc_table_end(d);
}

/* A string field of a claims row, "" when absent or not a string. */
static const char *rep_claim_field(json_t *row, const char *key)
{
	const char *s = json_string_value(json_object_get(row, key));

	return s ? s : "";
}

/* The table `bench claims --out` stores: claim, figures, verdict, rule. */
static void rep_doc_claims(struct rep_doc *d, const struct rep_report *r)
{
	static const char *const h[] = {"#",	   "claim", "figures",
					"verdict", "rule",  NULL};

	for (size_t fi = 0; fi < r->nfiles; fi++) {
		json_t *claims = r->files[fi].claims, *row;
		size_t i;

		if (!claims || !json_array_size(claims))
			continue;
		rep_doc_heading(d, 2, "Claims", "claims");
		rep_doc_para(d,
			     "From %s: each textbook claim decided by its rule "
			     "from the figures measured in that run (bench "
			     "claims).",
			     r->files[fi].path);
		rep_doc_table(d, h);
		json_array_foreach(claims, i, row)
		{
			char id[16], verdict[400];
			const char *v = rep_claim_field(row, "verdict");
			const char *cells[5];

			snprintf(id, sizeof(id), "%lld",
				 (long long)json_integer_value(
				     json_object_get(row, "id")));
			if (!strcmp(v, "holds only when") &&
			    !strncmp(rep_claim_field(row, "condition"),
				     "in part", 7))
				snprintf(verdict, sizeof(verdict),
					 "holds only %s",
					 rep_claim_field(row, "condition"));
			else if (!strcmp(v, "holds only when"))
				snprintf(verdict, sizeof(verdict), "%s %s", v,
					 rep_claim_field(row, "condition"));
			else
				snprintf(verdict, sizeof(verdict), "%s", v);
			cells[0] = id;
			cells[1] = rep_claim_field(row, "claim");
			cells[2] = rep_claim_field(row, "figures");
			cells[3] = verdict;
			cells[4] = rep_claim_field(row, "rule");
			rep_doc_row(d,
				    !strcmp(v, "holds")	    ? "good"
				    : !strcmp(v, "no data") ? "bad"
							    : NULL,
				    cells);
		}
		rep_doc_table_end(d);
	}
}

static int rep_doc_compare(struct rep_doc *d, const struct rep_report *r)
{
	static const char *const h[] = {
	    "configuration", "base (us)", "other (us)", "ratio",
	    "95% CI",	     "verdict",	  NULL};
	char b[6][64], title[256], range[140], base[256];
	for (size_t fi = 1; fi < r->nfiles; fi++) {
		const struct rep_ratio *ratios;
		size_t n;
		int ret = rep_report_ratios(r, fi, &ratios, &n);
		if (ret)
			return ret;
		snprintf(title, sizeof(title), "Comparison: %s against %s",
			 r->files[fi].label, r->files[0].label);
		rep_doc_heading(d, 2, title, r->files[fi].label);
		rep_doc_para(d,
			     "Ratio of median job times, %s / %s, for every "
			     "configuration in both files, worst first, with a "
			     "95%% bootstrap confidence interval (2000 "
			     "resamples of the repetitions, fixed seed). A "
			     "regression is a ratio above %.0f%% whose whole "
			     "interval is above 1.",
			     r->files[fi].label, r->files[0].label,
			     100 * (1 + r->threshold));
		snprintf(base, sizeof(base), "compare-%s", r->files[fi].label);
		rep_doc_plot(
		    d, base,
		    "Ratio of median job times with 95% bootstrap CIs; red: "
		    "regressions, green: improvements.");
		rep_doc_table(d, h);
		for (size_t i = 0; i < n; i++) {
			snprintf(range, sizeof(range), "%s - %s",
				 rep_num(b[0], 64, ratios[i].lo, 0),
				 rep_num(b[1], 64, ratios[i].hi, 0));
			const char *cells[] = {
			    ratios[i].other->name,
			    rep_num(b[2], 64, ratios[i].base->median_us, 0),
			    rep_num(b[3], 64, ratios[i].other->median_us, 0),
			    rep_num(b[4], 64, ratios[i].ratio, 0),
			    range,
			    ratios[i].regression    ? "regression"
			    : ratios[i].improvement ? "improvement"
						    : "same"};
			rep_doc_row(d,
				    ratios[i].regression    ? "bad"
				    : ratios[i].improvement ? "good"
							    : NULL,
				    cells);
		}
		if (!n)
			rep_doc_para(d, "No configuration appears in both.");
		rep_doc_table_end(d);
	}
	return 0;
}

static void rep_doc_context(struct rep_doc *d, const struct rep_report *r)
{
	static const char *const h[] = {"key", "value", NULL};
	rep_doc_heading(d, 2, "Machine context", "context");
	for (size_t fi = 0; fi < r->nfiles; fi++) {
		const struct rep_file *f = &r->files[fi];
		rep_doc_para(d, "%s: %s", f->label, f->path);
		rep_doc_table(d, h);
		const char *key;
		json_t *v;
		json_object_foreach(f->context, key, v)
		{
			char *text =
			    json_is_string(v)
				? rep_strdup(json_string_value(v))
				: json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			const char *cells[] = {key, text};
			rep_doc_row(d, NULL, cells);
			free(text);
		}
		rep_doc_table_end(d);
	}
}

/* HTML only: links to every section, in page order. */
static void rep_doc_toc(struct rep_doc *d, const struct rep_report *r)
{
	size_t nerrors = 0;
	fputs("<nav><a href=\"#summary\">Summary</a>", d->f);
	for (size_t fi = 0; fi < r->nfiles; fi++) {
		if (r->files[fi].claims &&
		    json_array_size(r->files[fi].claims)) {
			fputs(" | <a href=\"#claims\">Claims</a>", d->f);
			break;
		}
	}
	for (size_t fi = 0; fi < r->nfiles; fi++) {
		nerrors += r->files[fi].nerrors;
		for (size_t gi = 0; gi < r->files[fi].ngroups; gi++) {
			const struct rep_group *g = &r->files[fi].groups[gi];
			fprintf(d->f, " | <a href=\"#%s\">", g->slug);
			rep_doc_text(d, g->key);
			if (r->nfiles > 1)
				fprintf(d->f, " (%s)", r->files[fi].label);
			fputs("</a>", d->f);
		}
	}
	if (nerrors)
		fputs(" | <a href=\"#errors\">Failed configurations</a>", d->f);
	for (size_t fi = 1; fi < r->nfiles; fi++)
		fprintf(d->f, " | <a href=\"#%s\">Comparison %s / %s</a>",
			r->files[fi].label, r->files[fi].label,
			r->files[0].label);
	fputs(" | <a href=\"#inputs\">Inputs</a> | <a href=\"#context\">"
	      "Machine context</a></nav>\n",
	      d->f);
}

static const char rep_css[] =
    "body{font-family:sans-serif;max-width:1100px;margin:1em auto;"
    "padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:90%}"
    "th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}"
    "th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}"
    "tr.bad{background:#fdd}tr.good{background:#dfd}"
    "figure{margin:1em 0}figure svg,figure img{max-width:100%;height:auto}"
    "figcaption{font-size:90%;color:#555}nav{margin:0.5em 0 1em}"
    ".warn{background:#ffe;border:1px solid #cc8;padding:4px 8px}"
    ".answer{background:#eef5ff;border:1px solid #9bd;padding:6px 10px}";

static int rep_write_doc(const struct rep_report *r, bool html)
{
	struct rep_doc d = {.html = html, .dir = r->dir};
	int ret;
	if (!(d.f = rep_open(r->dir, html ? "index.html" : "report.md")))
		return -errno;
	if (html)
		fprintf(d.f,
			"<!DOCTYPE html>\n<html lang=\"en\"><head>"
			"<meta charset=\"utf-8\"><title>procthread "
			"report</title><style>%s</style></head><body>\n",
			rep_css);
	rep_doc_heading(&d, 1, "procthread report", NULL);
	for (size_t i = 0; i < r->nwarnings; i++) {
		if (html) {
			fputs("<p class=\"warn\">Warning: ", d.f);
			rep_doc_text(&d, r->warnings[i]);
			fputs("</p>\n", d.f);
		} else {
			rep_doc_para(&d, "Warning: %s", r->warnings[i]);
		}
	}
	if (!r->have_gnuplot)
		rep_doc_para(&d, "gnuplot was not found: no plots.");
	rep_doc_answer(&d, r);
	if (html)
		rep_doc_toc(&d, r);
	rep_doc_summary(&d, r);
	rep_doc_claims(&d, r);
	for (size_t fi = 0; fi < r->nfiles; fi++)
		for (size_t gi = 0; gi < r->files[fi].ngroups; gi++)
			rep_doc_group(&d, r, &r->files[fi],
				      &r->files[fi].groups[gi]);
	rep_doc_errors(&d, r);
	if ((ret = rep_doc_compare(&d, r))) {
		fclose(d.f);
		return ret;
	}
	rep_doc_inputs(&d, r);
	rep_doc_context(&d, r);
	rep_doc_para(&d, "Numbers behind every plot: data/*.csv; gnuplot "
			 "scripts: plots/*.gp.");
	if (html)
		fputs("</body></html>\n", d.f);
	return rep_close(d.f);
}

int rep_write_markdown(const struct rep_report *report)
{
	return rep_write_doc(report, false);
}

int rep_write_html(const struct rep_report *report)
{
	return rep_write_doc(report, true);
}
