/*
 * The readable console table and its conclusions (see console.h).
 *
 * The design is simple: the entries of the results document are grouped by
 * run_name into rows, one per configuration (repetitions and Google
 * Benchmark's aggregates of one configuration land in the same row). A
 * row's name, WORKLOAD/EXECUTOR/workers:W[/key:value...], is split into a
 * workload label (the workload, the task count and its own parameters: the
 * group within which speedups compare) and an executor label (the executor
 * and its settings). Every figure comes from the entries: the job time is
 * the median of the repetitions' real_time (or the median aggregate when
 * only aggregates were kept), counters are medians over repetitions. The
 * cells are formatted first, so that column widths fit the content; when
 * the labels would push a line past PT_CONSOLE_WIDTH they are shortened,
 * marked with '~'.
 *
 * Invariant: nothing here measures or estimates: a figure that the entries
 * do not hold is shown as '-', never guessed.
 */
#include "console.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "pt_json.h"
#include "stats.h"
#include "workload.h"

#define LABEL_MAX 192

struct row {
	char name[LABEL_MAX * 2]; /* run_name, less /manual_time */
	char workload[64];
	char group[LABEL_MAX];	 /* workload label: the speedup group */
	char exlabel[LABEL_MAX]; /* executor label */
	char executor[64];
	unsigned workers;
	bool uses_workers;
	json_t **iters; /* iteration entries (borrowed from the document) */
	size_t niters, cap;
	json_t *agg_median, *agg_cv, *agg_stddev;
	const char *error; /* the first error_message, or NULL */

	/* Derived. */
	double time_s;	/* median job time; NAN if none */
	double spread;	/* half IQR (or stddev) / median; NAN if unknown */
	double cv;	/* NAN if unknown */
	size_t reps;	/* repetitions behind time_s */
	double speedup; /* NAN: no reference */
	double efficiency;
	double overhead_per_task_s;
	const struct row *ref; /* the serial row of the group, or NULL */
	double ref_s;	       /* its job time, or the serial reference job's */
};

struct table {
	struct row *rows;
	size_t n, cap;
	long cpus;
	double load; /* the 1-minute load average when the run began */
};

/* The median of key over the row's repetitions, else its median aggregate. */
static double counter(const struct row *r, const char *key)
{
	double v[r->niters ? r->niters : 1];
	size_t n = 0;
	json_t *x;

	for (size_t i = 0; i < r->niters; i++) {
		x = json_object_get(r->iters[i], key);
		if (json_is_number(x))
			v[n++] = json_number_value(x);
	}
	if (n) {
		qsort(v, n, sizeof(v[0]), pt_cmp_double);
		return pt_quantile_sorted(v, n, 0.5);
	}
	x = json_object_get(r->agg_median, key);
	return json_is_number(x) ? json_number_value(x) : NAN;
}

static bool is_workload_key(const struct workload *w, const char *key,
			    size_t len)
{
	if (len == 5 && !strncmp(key, "tasks", 5))
		return true;
	for (unsigned i = 0; w && w->params[i].name; i++)
		if (strlen(w->params[i].name) == len &&
		    !strncmp(w->params[i].name, key, len))
			return true;
	return false;
}

static void append(char *buf, size_t size, const char *sep, const char *s,
		   size_t len)
{
	size_t used = strlen(buf);

	if (used + 1 >= size)
		return;
	snprintf(buf + used, size - used, "%s%.*s", used ? sep : "", (int)len,
		 s);
}

/* Splits r->name into its labels. */
static void split_name(struct row *r)
{
	const char *p = r->name, *slash;
	const struct workload *w;
	const struct executor_ops *ex;
	unsigned part = 0;

	for (;; part++) {
		size_t len;

		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (part == 0) {
			snprintf(r->workload, sizeof(r->workload), "%.*s",
				 (int)len, p);
			append(r->group, sizeof(r->group), " ", p, len);
		} else if (part == 1) {
			snprintf(r->executor, sizeof(r->executor), "%.*s",
				 (int)len, p);
			append(r->exlabel, sizeof(r->exlabel), " ", p, len);
		} else if (part == 2 && !strncmp(p, "workers:", 8)) {
			r->workers = (unsigned)strtoul(p + 8, NULL, 10);
		} else {
			const char *colon = memchr(p, ':', len);
			size_t klen = colon ? (size_t)(colon - p) : len;

			w = wl_find(r->workload);
			if (is_workload_key(w, p, klen))
				append(r->group, sizeof(r->group), " ", p, len);
			else
				append(r->exlabel, sizeof(r->exlabel), " ", p,
				       len);
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	ex = ex_find(r->executor);
	r->uses_workers = ex ? ex->uses_workers : r->workers > 1;
	if (!r->workers)
		r->workers = 1;
}

static struct row *row_for(struct table *t, const char *run_name)
{
	char name[sizeof(t->rows[0].name)];
	size_t len = strlen(run_name), suffix = strlen("/manual_time");
	struct row *r;

	if (len >= suffix && !strcmp(run_name + len - suffix, "/manual_time"))
		len -= suffix;
	snprintf(name, sizeof(name), "%.*s", (int)len, run_name);
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->rows[i].name, name))
			return &t->rows[i];
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 32;
		struct row *nr = realloc(t->rows, ncap * sizeof(*nr));

		if (!nr)
			return NULL;
		t->rows = nr;
		t->cap = ncap;
	}
	r = &t->rows[t->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	split_name(r);
	return r;
}

static int add_entry(struct table *t, json_t *e)
{
	const char *run_name =
	    json_string_value(json_object_get(e, "run_name"));
	struct row *r;

	if (!run_name)
		run_name = json_string_value(json_object_get(e, "name"));
	if (!run_name)
		return 0;
	r = row_for(t, run_name);
	if (!r)
		return -ENOMEM;
	if (pt_gb_failed(e)) {
		if (!r->error)
			r->error = json_string_value(
			    json_object_get(e, "error_message"));
		if (!r->error)
			r->error = "error";
		return 0;
	}
	if (pt_gb_is_aggregate(e)) {
		if (pt_gb_aggregate_is(e, "median"))
			r->agg_median = e;
		else if (pt_gb_aggregate_is(e, "cv"))
			r->agg_cv = e;
		else if (pt_gb_aggregate_is(e, "stddev"))
			r->agg_stddev = e;
		return 0;
	}
	if (r->niters == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 4;
		json_t **n = realloc(r->iters, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->iters = n;
		r->cap = ncap;
	}
	r->iters[r->niters++] = e;
	return 0;
}

static void derive_times(struct row *r)
{
	double v[r->niters ? r->niters : 1];
	size_t n = 0;

	r->time_s = r->spread = r->cv = NAN;
	for (size_t i = 0; i < r->niters; i++) {
		double s = pt_gb_real_time_s(r->iters[i]);

		if (isfinite(s))
			v[n++] = s;
	}
	r->reps = n;
	if (n) {
		double mean = 0, var = 0;

		qsort(v, n, sizeof(v[0]), pt_cmp_double);
		r->time_s = pt_quantile_sorted(v, n, 0.5);
		if (n < 2)
			return;
		for (size_t i = 0; i < n; i++)
			mean += v[i] / (double)n;
		for (size_t i = 0; i < n; i++)
			var += (v[i] - mean) * (v[i] - mean) / (double)(n - 1);
		r->cv = mean > 0 ? sqrt(var) / mean : NAN;
		if (r->time_s > 0)
			r->spread = (pt_quantile_sorted(v, n, 0.75) -
				     pt_quantile_sorted(v, n, 0.25)) /
				    2 / r->time_s;
		return;
	}
	if (!r->agg_median)
		return;
	r->time_s = pt_gb_real_time_s(r->agg_median);
	r->reps = (size_t)json_integer_value(
	    json_object_get(r->agg_median, "repetitions"));
	/* A percentage aggregate's real_time is the ratio itself. */
	if (r->agg_cv &&
	    json_is_number(json_object_get(r->agg_cv, "real_time")))
		r->cv =
		    json_number_value(json_object_get(r->agg_cv, "real_time"));
	if (r->agg_stddev && r->time_s > 0)
		r->spread = pt_gb_real_time_s(r->agg_stddev) / r->time_s;
}

static void derive(struct table *t, struct row *r)
{
	double wall = counter(r, "probe_wall_s");
	double compute = counter(r, "compute_s");
	double tasks = counter(r, "tasks");
	double usable;

	r->speedup = r->efficiency = r->overhead_per_task_s = NAN;
	/* Worker time outside tasks, per task, in the instrumented job:
	 * compute_s and the rest are means over the worker slots. */
	if (isfinite(wall) && isfinite(compute) && tasks > 0)
		r->overhead_per_task_s =
		    fmax(wall - compute, 0) * r->workers / tasks;
	r->ref_s = NAN;
	for (size_t i = 0; i < t->n; i++) {
		const struct row *s = &t->rows[i];

		if (strcmp(s->group, r->group))
			continue;
		if (!strcmp(s->executor, "serial"))
			r->ref = s;
		else if (!isfinite(r->ref_s))
			r->ref_s = counter(s, "serial_ref_s");
	}
	if (r->ref)
		r->ref_s = r->ref->error ? NAN : r->ref->time_s;
	if (r->error || !(r->ref_s > 0) || !(r->time_s > 0))
		return;
	r->speedup = r->ref_s / r->time_s;
	usable = r->uses_workers ? r->workers : 1;
	if (t->cpus > 0 && usable > (double)t->cpus)
		usable = (double)t->cpus;
	r->efficiency = r->speedup / usable;
}

/* 3 significant digits in ns, us, ms or s. */
static void fmt_time(double s, char *buf, size_t len)
{
	static const char *const units[] = {"ns", "us", "ms", "s"};
	double v = s * 1e9;
	unsigned u = 0;

	if (!isfinite(s)) {
		snprintf(buf, len, "-");
		return;
	}
	while (u < 3 && fabs(v) >= 999.5) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len,
		 fabs(v) >= 99.95   ? "%.0f%s"
		 : fabs(v) >= 9.995 ? "%.1f%s"
				    : "%.2f%s",
		 v, units[u]);
}

static void fmt_percent(double f, char *buf, size_t len)
{
	if (!isfinite(f))
		snprintf(buf, len, "-");
	else if (f < 0.0995)
		snprintf(buf, len, "%.1f%%", f * 100);
	else
		snprintf(buf, len, "%.0f%%", f * 100);
}

enum {
	C_WORKLOAD,
	C_EXECUTOR,
	C_W,
	C_TIME,
	C_SPEEDUP,
	C_EFFIC,
	C_OVH,
	C_CREATE,
	C_CPU,
	C_FLAGS,
	NCOLS
};

static const char *const headers[NCOLS] = {
    "workload", "executor", "W",	"job time", "speedup",
    "effic",	"ovh/task", "create/w", "cpu",	    "flags"};

#define CELL LABEL_MAX

static bool noisy(const struct row *r)
{
	return isfinite(r->cv) && r->cv > PT_CONSOLE_NOISY_CV;
}

static bool oversubscribed(const struct row *r, long cpus)
{
	const char *label =
	    r->niters ? json_string_value(json_object_get(r->iters[0], "label"))
		      : NULL;

	if (label && strstr(label, "oversubscribed"))
		return true;
	return r->uses_workers && cpus > 0 && r->workers > (unsigned)cpus;
}

static void make_cells(const struct table *t, const struct row *r,
		       char cells[NCOLS][CELL])
{
	char a[32], b[32];
	double failed = counter(r, "tasks_failed");
	size_t used = 0;

	snprintf(cells[C_WORKLOAD], CELL, "%s", r->group);
	snprintf(cells[C_EXECUTOR], CELL, "%s", r->exlabel);
	snprintf(cells[C_W], CELL, "%u", r->workers);
	if (r->error) {
		snprintf(cells[C_TIME], CELL, "error");
	} else {
		fmt_time(r->time_s, a, sizeof(a));
		if (isfinite(r->spread)) {
			fmt_percent(r->spread, b, sizeof(b));
			snprintf(cells[C_TIME], CELL, "%s ±%s", a, b);
		} else {
			snprintf(cells[C_TIME], CELL, "%s", a);
		}
	}
	if (isfinite(r->speedup))
		snprintf(cells[C_SPEEDUP], CELL,
			 r->speedup >= 9.995 ? "%.1fx" : "%.2fx", r->speedup);
	else
		snprintf(cells[C_SPEEDUP], CELL, "-");
	fmt_percent(r->efficiency, cells[C_EFFIC], CELL);
	if (r->error) {
		snprintf(cells[C_OVH], CELL, "-");
		snprintf(cells[C_CREATE], CELL, "-");
		snprintf(cells[C_CPU], CELL, "-");
	} else {
		fmt_time(r->overhead_per_task_s, cells[C_OVH], CELL);
		fmt_time(counter(r, "create_per_worker_s"), cells[C_CREATE],
			 CELL);
		fmt_percent(counter(r, "cpu_util"), cells[C_CPU], CELL);
	}
	cells[C_FLAGS][0] = '\0';
#define FLAG(s)                                                                \
	used += (size_t)snprintf(cells[C_FLAGS] + used, CELL - used, "%s%s",   \
				 used ? "," : "", s)
	if (r->error)
		FLAG("ERROR");
	if (!r->error && failed > 0)
		FLAG("failed");
	if (oversubscribed(r, t->cpus))
		FLAG("over");
	if (noisy(r))
		FLAG("noisy");
#undef FLAG
}

/* Display width of UTF-8 text: its code points (the '±' is two bytes). */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* Shortens a cell to width columns, marking it with '~' (ASCII labels). */
static void shorten(char *cell, size_t width)
{
	if (strlen(cell) > width && width > 0) {
		cell[width - 1] = '~';
		cell[width] = '\0';
	}
}

static void print_cell(FILE *out, const char *s, size_t width, bool right)
{
	size_t w = text_width(s);
	size_t pad = width > w ? width - w : 0;

	if (right)
		fprintf(out, "%*s%s", (int)pad, "", s);
	else
		fprintf(out, "%s%*s", s, (int)pad, "");
}

/* Writes text wrapped at PT_CONSOLE_WIDTH, continuation lines indented. */
static void print_wrapped(FILE *out, const char *text, const char *indent)
{
	const char *p = text;
	size_t first = PT_CONSOLE_WIDTH,
	       rest = PT_CONSOLE_WIDTH - strlen(indent);
	bool cont = false;

	while (*p) {
		size_t limit = cont ? rest : first;
		size_t len = strlen(p), cut = len;

		if (text_width(p) > limit) {
			/* The last space within the limit (bytes suffice: the
			 * conclusions are ASCII but for the odd '±'). */
			cut = 0;
			for (size_t i = 0; i < len && i <= limit; i++)
				if (p[i] == ' ')
					cut = i;
			if (cut == 0)
				cut = limit;
		}
		fprintf(out, "%s%.*s\n", cont ? indent : "", (int)cut, p);
		p += cut;
		while (*p == ' ')
			p++;
		cont = true;
	}
}

static void print_table(FILE *out, const struct table *t)
{
	size_t width[NCOLS], total, sep = 2;
	char(*cells)[NCOLS][CELL] = calloc(t->n ? t->n : 1, sizeof(*cells));

	if (!cells)
		return;
	for (unsigned c = 0; c < NCOLS; c++)
		width[c] = strlen(headers[c]);
	for (size_t i = 0; i < t->n; i++) {
		make_cells(t, &t->rows[i], cells[i]);
		for (unsigned c = 0; c < NCOLS; c++)
			if (text_width(cells[i][c]) > width[c])
				width[c] = text_width(cells[i][c]);
	}
	total = 0;
	for (unsigned c = 0; c < NCOLS; c++)
		total += width[c];
	if (total + sep * (NCOLS - 1) > PT_CONSOLE_WIDTH)
		sep = 1;
	total += sep * (NCOLS - 1);
	/* Labels too long: shorten the wider of the two, down to 8. */
	while (total > PT_CONSOLE_WIDTH &&
	       (width[C_WORKLOAD] > 8 || width[C_EXECUTOR] > 8)) {
		unsigned c = width[C_WORKLOAD] >= width[C_EXECUTOR]
				 ? C_WORKLOAD
				 : C_EXECUTOR;

		width[c]--;
		total--;
	}
	for (size_t i = 0; i < t->n; i++) {
		shorten(cells[i][C_WORKLOAD], width[C_WORKLOAD]);
		shorten(cells[i][C_EXECUTOR], width[C_EXECUTOR]);
	}
	for (unsigned c = 0; c < NCOLS; c++) {
		bool right = c != C_WORKLOAD && c != C_EXECUTOR && c != C_FLAGS;

		if (c == C_FLAGS) {
			fprintf(out, "%*s%s", (int)sep, "", headers[c]);
			break;
		}
		fprintf(out, "%*s", c ? (int)sep : 0, "");
		print_cell(out, headers[c], width[c], right);
	}
	fputc('\n', out);
	for (size_t i = 0; i < t->n; i++) {
		for (unsigned c = 0; c < NCOLS; c++) {
			bool right =
			    c != C_WORKLOAD && c != C_EXECUTOR && c != C_FLAGS;

			if (c == C_FLAGS) {
				if (cells[i][c][0])
					fprintf(out, "%*s%s", (int)sep, "",
						cells[i][c]);
				break;
			}
			fprintf(out, "%*s", c ? (int)sep : 0, "");
			print_cell(out, cells[i][c], width[c], right);
		}
		fputc('\n', out);
	}
	free(cells);
}

static void fmt_speedup(double s, char *buf, size_t len)
{
	snprintf(buf, len, s >= 9.995 ? "%.1fx" : "%.2fx", s);
}

/* Why row r is much slower than its serial reference, in numbers. */
static void explain_slow(const struct table *t, const struct row *r, char *buf,
			 size_t len)
{
	double tasks = counter(r, "tasks");
	double task_s = tasks > 0 ? r->ref_s / tasks : NAN;
	char a[32], b[32];

	bool known = isfinite(r->overhead_per_task_s) && isfinite(task_s);

	if (known) {
		fmt_time(r->overhead_per_task_s, a, sizeof(a));
		fmt_time(task_s, b, sizeof(b));
	}
	if (known && r->overhead_per_task_s > task_s)
		snprintf(buf, len,
			 "each task costs %s of overhead against %s of work: "
			 "the tasks are too short for it",
			 a, b);
	else if (oversubscribed(r, t->cpus))
		snprintf(buf, len, "%u workers share %ld CPUs", r->workers,
			 t->cpus);
	else if (known)
		snprintf(buf, len,
			 "overhead %s per task against %s of work; see bench "
			 "report for where the time goes",
			 a, b);
	else
		snprintf(buf, len, "see bench report for where the time goes");
}

/*
 * An efficiency above 120%: tasks that wait (an io workload) can, compute
 * cannot, so there the serial time is the suspect. Empty when not so.
 */
static void superlinear(const struct table *t, const struct row *r, char *buf,
			size_t len)
{
	const struct workload *w = wl_find(r->workload);

	buf[0] = '\0';
	if (!isfinite(r->efficiency) || r->efficiency <= 1.2)
		return;
	if (w && w->kind == WL_IO)
		snprintf(buf, len,
			 "efficiency %.0f%% on %ld CPUs: its tasks wait more "
			 "than they compute",
			 r->efficiency * 100, t->cpus);
	else
		snprintf(buf, len,
			 "efficiency %.0f%% on %ld CPUs, more than the CPUs "
			 "can give: the serial time was slowed, a noisy "
			 "figure (--repetitions=5 tells)",
			 r->efficiency * 100, t->cpus);
}

/*
 * One line per group: the fastest configuration and its speedup, the best
 * of the other executors, and the configurations much slower than serial
 * with the reason in numbers. At most max_lines lines in all.
 */
static void print_conclusions(FILE *out, const struct table *t)
{
	const unsigned max_groups = 4;
	unsigned groups = 0, skipped = 0;
	char line[1024], a[32], b[32], why[256], busy[96] = "";
	const char *serial;

	/* A busy machine explains a low efficiency: the load at the start. */
	if (t->load > 0.5 * (double)t->cpus && t->cpus > 0)
		snprintf(busy, sizeof(busy),
			 "; the machine was busy: load %.2f on %ld CPUs",
			 t->load, t->cpus);
	for (size_t g = 0; g < t->n; g++) {
		const struct row *best = NULL, *second = NULL, *slowest = NULL;
		size_t used;
		bool first_of_group = true, has_ref = false;

		for (size_t k = 0; k < g && first_of_group; k++)
			first_of_group =
			    strcmp(t->rows[k].group, t->rows[g].group) != 0;
		if (!first_of_group)
			continue;
		if (groups == max_groups) {
			skipped++;
			continue;
		}
		groups++;
		for (size_t i = g; i < t->n; i++) {
			const struct row *r = &t->rows[i];

			if (strcmp(r->group, t->rows[g].group) || r->error ||
			    !(r->time_s > 0))
				continue;
			has_ref |= r->ref != NULL;
			if (!strcmp(r->executor, "serial"))
				continue;
			if (!best || r->time_s < best->time_s)
				best = r;
			if (isfinite(r->speedup) && r->speedup < 0.67 &&
			    (!slowest || r->speedup < slowest->speedup))
				slowest = r;
		}
		for (size_t i = g; best && i < t->n; i++) {
			const struct row *r = &t->rows[i];

			if (strcmp(r->group, t->rows[g].group) || r->error ||
			    !(r->time_s > 0) ||
			    !strcmp(r->executor, "serial") ||
			    !strcmp(r->executor, best->executor))
				continue;
			if (!second || r->time_s < second->time_s)
				second = r;
		}
		if (!best) {
			snprintf(line, sizeof(line),
				 "%s: nothing but serial measured",
				 t->rows[g].group);
			print_wrapped(out, line, "  ");
			continue;
		}
		fmt_time(best->time_s, a, sizeof(a));
		if (!isfinite(best->speedup)) {
			snprintf(line, sizeof(line),
				 "%s: fastest %s at W=%u (%s a job); no serial "
				 "time in this run, so no speedup: add serial "
				 "to --executor (e.g. --executor=serial,%s)",
				 best->group, best->exlabel, best->workers, a,
				 best->executor);
			print_wrapped(out, line, "  ");
			continue;
		}
		serial = has_ref ? "serial" : "a serial reference job";
		if (best->speedup < 1) {
			/* Nothing beats serial: say by how much, and why. */
			explain_slow(t, best, why, sizeof(why));
			fmt_speedup(1 / best->speedup, b, sizeof(b));
			used = (size_t)snprintf(
			    line, sizeof(line),
			    "%s: serial is fastest; the best of the others, %s "
			    "at W=%u, is %s slower than %s: %s%s",
			    best->group, best->exlabel, best->workers, b,
			    serial, why, busy);
			if (slowest == best)
				slowest = NULL;
		} else {
			fmt_speedup(best->speedup, b, sizeof(b));
			used = (size_t)snprintf(line, sizeof(line),
						"%s: fastest %s at W=%u, %s %s",
						best->group, best->exlabel,
						best->workers, b, serial);
			superlinear(t, best, why, sizeof(why));
			if (why[0])
				used += (size_t)snprintf(line + used,
							 sizeof(line) - used,
							 " (%s)", why);
			else if (isfinite(best->efficiency))
				used += (size_t)snprintf(
				    line + used, sizeof(line) - used,
				    " (%.0f%% efficient%s)",
				    best->efficiency * 100,
				    best->efficiency < 0.8 ? busy : "");
		}
		if (second && isfinite(second->speedup) &&
		    used < sizeof(line)) {
			fmt_speedup(second->speedup, b, sizeof(b));
			used += (size_t)snprintf(
			    line + used, sizeof(line) - used,
			    "; next %s %s at W=%u", second->exlabel, b,
			    second->workers);
		}
		if (slowest && used < sizeof(line)) {
			explain_slow(t, slowest, why, sizeof(why));
			fmt_speedup(1 / slowest->speedup, b, sizeof(b));
			snprintf(line + used, sizeof(line) - used,
				 "; %s at W=%u %s slower than %s: %s",
				 slowest->exlabel, slowest->workers, b, serial,
				 why);
		}
		print_wrapped(out, line, "  ");
	}
	if (skipped)
		fprintf(out,
			"(%u more workload group%s: bench report gives every "
			"one)\n",
			skipped, skipped > 1 ? "s" : "");
}

static void print_legend(FILE *out, const struct table *t)
{
	char line[1024];
	size_t reps = 0, used;
	bool by_job = false, none = false;

	for (size_t i = 0; i < t->n; i++) {
		const struct row *r = &t->rows[i];

		reps = r->reps > reps ? r->reps : reps;
		by_job |= !r->ref && isfinite(r->speedup);
		none |= !r->error && !isfinite(r->speedup);
	}
	used = (size_t)snprintf(
	    line, sizeof(line),
	    "speedup: serial job time / this one (same workload and "
	    "parameters%s%s); effic: speedup / min(W, %ld CPUs); ",
	    by_job ? "; with no serial row, a serial reference job timed "
		     "beside it, serial_ref_s"
		   : "",
	    none ? "; '-': no serial time" : "", t->cpus);
	if (reps > 1)
		used += (size_t)snprintf(
		    line + used, sizeof(line) - used,
		    "job time: median of %zu repetitions ± half the IQR; ",
		    reps);
	snprintf(line + used, sizeof(line) - used,
		 "ovh/task: worker time outside tasks per task; create/w: "
		 "start-up per worker; cpu: CPU time / (wall x CPUs used); "
		 "over: W above the CPUs; noisy: cv above %.0f%%%s",
		 PT_CONSOLE_NOISY_CV * 100,
		 reps > 1 ? "" : " (needs --repetitions)");
	print_wrapped(out, line, "  ");
}

static void print_errors(FILE *out, const struct table *t)
{
	char line[1200];

	for (size_t i = 0; i < t->n; i++) {
		if (!t->rows[i].error)
			continue;
		snprintf(line, sizeof(line), "error: %s: %s", t->rows[i].name,
			 t->rows[i].error);
		print_wrapped(out, line, "    ");
	}
}

static long context_cpus(json_t *doc)
{
	json_t *ctx = json_object_get(doc, "context");
	const char *online =
	    json_string_value(json_object_get(ctx, "online_cpus"));
	json_t *num = json_object_get(ctx, "num_cpus");

	if (online && atol(online) > 0)
		return atol(online);
	if (json_is_integer(num))
		return (long)json_integer_value(num);
	return 0;
}

int pt_console_render(json_t *doc, FILE *out)
{
	struct table t = {.cpus = context_cpus(doc)};
	json_t *load = json_array_get(
	    json_object_get(json_object_get(doc, "context"), "load_avg"), 0);
	json_t *list = json_object_get(doc, "benchmarks"), *e;
	size_t i;
	int rc = 0;

	t.load = json_is_number(load) ? json_number_value(load) : 0;
	json_array_foreach(list, i, e)
	{
		rc = add_entry(&t, e);
		if (rc)
			goto out;
	}
	for (i = 0; i < t.n; i++)
		derive_times(&t.rows[i]);
	for (i = 0; i < t.n; i++)
		derive(&t, &t.rows[i]);
	if (t.n == 0) {
		fprintf(out, "no configuration was measured\n");
		goto out;
	}
	print_table(out, &t);
	print_errors(out, &t);
	fputc('\n', out);
	print_conclusions(out, &t);
	print_legend(out, &t);
	rc = (int)t.n;
out:
	for (i = 0; i < t.n; i++)
		free(t.rows[i].iters);
	free(t.rows);
	fflush(out);
	return rc;
}
