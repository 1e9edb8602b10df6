/*
 * The report generator's internal model, shared by its files and its tests.
 *
 * The design is simple: rep_load() reads one Google Benchmark results file
 * into a flat list of points (one per configuration name, with the real times
 * of every repetition and the values of every counter), then groups them.
 * A group is one workload with one set of parameters (the name without its
 * executor, workers, schedule, chunk and wait parts); a series inside a group
 * is one executor with its schedule, chunk and wait. serial's point
 * (workers:1) is the group's baseline. rep_analyse() fills the derived
 * figures (speedup, efficiency, overhead, fits) from medians; the writers
 * only format what is in the model. Nothing here prints: functions return 0
 * or a negative errno and fill a reason buffer that the CLI edge prints.
 */
#ifndef PT_REP_INTERNAL_H
#define PT_REP_INTERNAL_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define REP_REASON_MAX 512
/* Groups that get plots unless --plot-groups says otherwise: drawing costs
 * about 20 ms of CPU per plot, seven plots a group. */
#define REP_PLOT_GROUPS_DEFAULT 25

/* One counter (a user counter of Google Benchmark) over the repetitions. */
struct rep_counter {
	char *name;
	double *values;
	size_t nvalues;
	double median;
};

struct rep_point {
	char *name;	/* the run name, without aggregate suffixes */
	char *workload; /* first part of the name */
	char *executor; /* second part */
	char *series;	/* executor plus schedule/chunk/wait parts */
	char *group;	/* workload plus tasks and parameters */
	unsigned workers;
	double tasks; /* tasks per job (counter or name), 0 if unknown */
	bool error;
	char *error_message;
	/* Real time of one job in microseconds, one value per repetition. */
	double *times_us;
	size_t ntimes;
	double median_us, q1_us, q3_us;
	struct rep_counter *counters;
	size_t ncounters;
	/* Derived by rep_analyse(); NAN when unavailable. */
	double speedup, speedup_lo, speedup_hi;
	double efficiency, efficiency_per_worker;
	double overhead_job_us, overhead_task_us, time_per_task_us;
	double
	    capacity; /* T(series, 1) / T(series, W): the series' own scaling */
};

struct rep_amdahl {
	int status; /* 0 fitted, else negative errno; reason says why */
	double serial_fraction, r2;
	size_t npoints;
	char reason[128];
};

struct rep_usl {
	int status;
	double sigma, kappa, peak_workers, r2; /* peak NAN if kappa <= 0 */
	size_t npoints;
	char reason[128];
};

struct rep_series {
	char *name;
	struct rep_point **points; /* sorted by workers */
	size_t npoints;
	struct rep_amdahl amdahl;
	struct rep_usl usl;
};

struct rep_group {
	char *key;
	char *workload;
	char *slug; /* file-name-safe version of key */
	struct rep_point *serial;
	struct rep_series *series; /* serial first, then in file order */
	size_t nseries;
	unsigned max_workers;
};

/* A map from strings (owned elsewhere, never moved) to indices: open
 * addressing, FNV-1a; lookups by name stay O(1) at thousands of groups. */
struct rep_map {
	const char **keys;
	size_t *values;
	size_t cap, n;
};
#define REP_MAP_NONE ((size_t)-1)
size_t rep_map_get(const struct rep_map *m, const char *key);
int rep_map_put(struct rep_map *m, const char *key, size_t value);
void rep_map_free(struct rep_map *m);

struct rep_file {
	char *path;
	char *label; /* f1, f2, ... */
	json_t *context;
	unsigned online_cpus;
	struct rep_point *points;
	size_t npoints;
	struct rep_group *groups;
	size_t ngroups;
	size_t nerrors;
	size_t nskipped;      /* entries whose names are not procthread's */
	json_t *claims;	      /* bench claims' "claims" array, or NULL */
	char **counter_names; /* counters seen, beyond the known ones */
	size_t ncounter_names;
	struct rep_map point_index; /* point name -> index in points */
	/* This file against the first (rep_report_ratios), computed once. */
	struct rep_ratio *ratios;
	size_t nratios;
	bool compared;
};

/* rep_stats.c: small numerics. */
int rep_median_iqr(const double *values, size_t n, double *median, double *q1,
		   double *q3);
int rep_fit_amdahl(const double *workers, const double *speedup, size_t n,
		   struct rep_amdahl *fit);
int rep_fit_usl(const double *workers, const double *capacity, size_t n,
		struct rep_usl *fit);
/* Percentile bootstrap CI of median(other) / median(base). */
#define REP_BOOTSTRAP_ROUNDS 2000
#define REP_BOOTSTRAP_SEED   20261126u
int rep_bootstrap_ratio(const double *base, size_t nbase, const double *other,
			size_t nother, size_t rounds, uint64_t seed,
			double level, double *lo, double *hi);
double rep_usl_capacity(double sigma, double kappa, double workers);
double rep_amdahl_speedup(double serial_fraction, double workers);

/* rep_model.c: reading and analysing one file. */
int rep_parse_name(const char *name, char **workload, char **executor,
		   unsigned *workers, char **series, char **group);
int rep_load(const char *path, struct rep_file *file, char *reason,
	     size_t reason_size);
int rep_load_json(json_t *root, struct rep_file *file, char *reason,
		  size_t reason_size);
void rep_analyse(struct rep_file *file);
void rep_file_free(struct rep_file *file);
const struct rep_counter *rep_point_counter(const struct rep_point *point,
					    const char *name);
bool rep_counter_is_known(const char *name);

/* Where one job of a configuration goes, in microseconds, start to stop:
 * medians over the repetitions of create_s, of the instrumented job's
 * per-worker means dispatch_s, compute_s, idle_s and return_s (see
 * docs/profiling.md), and of stop_s. gil_wait is gil_wait_s / workers (the
 * per-worker mean GIL wait of a timed job), taken out of compute, so the
 * parts still add up; NAN where not measured. total is the sum of the
 * parts. */
struct rep_breakdown {
	double create, dispatch, compute, gil_wait, idle, ret, stop, total;
};
#define REP_BREAKDOWN_PARTS 7
/* Part i (0..6: create, dispatch, compute, gil_wait, idle, return, stop) of
 * b, and its name. */
double rep_breakdown_part(const struct rep_breakdown *b, int i);
extern const char *const rep_breakdown_names[REP_BREAKDOWN_PARTS];
/* Fills b; false if p has no instrumented job's phase counters. */
bool rep_point_breakdown(const struct rep_point *p, struct rep_breakdown *b);
bool rep_group_has_breakdown(const struct rep_group *g);

/* Comparison of a later file against the first. */
struct rep_ratio {
	const struct rep_point *base, *other;
	double ratio, lo, hi; /* other / base of median times, 95% CI */
	bool regression, improvement;
};
int rep_compare(const struct rep_file *base, const struct rep_file *other,
		double threshold, struct rep_ratio **ratios, size_t *nratios);

/* rep_write.c: tables. */
struct rep_plot_set;
struct rep_report {
	struct rep_file *files;
	size_t nfiles;
	const char *dir; /* the temporary output directory */
	bool have_gnuplot;
	char **warnings;
	size_t nwarnings;
	double threshold;
	size_t
	    plot_groups; /* groups with plots, in order; the rest have none */
};
/* The comparison of file fi (>= 1) with the first, computed on first use
 * and kept in the file (freed with it). */
int rep_report_ratios(const struct rep_report *report, size_t fi,
		      const struct rep_ratio **ratios, size_t *n);
int rep_write_csv(const struct rep_report *report);
int rep_write_markdown(const struct rep_report *report);
int rep_write_html(const struct rep_report *report);
int rep_report_warn(struct rep_report *report, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* rep_plot.c: gnuplot. */
int rep_find_gnuplot(char *path, size_t size);
/* Writes every plot's script, then runs them all in a few batched gnuplot
 * processes; 0, or -EINTR when a stop signal is pending (report.c holds
 * SIGINT, SIGTERM and SIGHUP): the gnuplot children are then killed and
 * reaped before it returns. */
int rep_write_plots(struct rep_report *report, const char *gnuplot);
/* Sends sig to every gnuplot child running now; async-signal-safe. */
void rep_plot_kill_children(int sig);
/* Plot file base names (without extension) for one group, in the order the
 * report shows them; the caller checks which files exist. */
extern const char *const rep_plot_kinds[];

/* Shared helpers. */
char *rep_strdup(const char *s);
char *rep_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *rep_vprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));
double rep_time_us(double value, const char *unit);

#endif
