/*
 * Was the machine quiet? A small module that `bench overhead` rows and
 * every configuration of a run use to say so, with the reasons when not.
 *
 * The design is simple: a sample (pt_noise_sample_now) is taken before a
 * configuration's child is forked and another after it was reaped; between
 * the two, /proc/stat says how much CPU time the whole machine spent busy,
 * idle and stolen (by the hypervisor), and getrusage(RUSAGE_CHILDREN) how
 * much of it was ours (the child and every descendant it reaped). What is
 * left is other processes' work. With the repetitions' cv and the load
 * average, pt_noise_judge() decides whether the configuration ran on a
 * quiet machine; the thresholds are below, and docs name them.
 */
#ifndef PT_NOISE_H
#define PT_NOISE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Others' CPU time above this share of the machine's capacity: noisy. */
#define PT_NOISE_MAX_FOREIGN_CPU 0.05
/* Stolen time above this share of the machine's time: noisy. */
#define PT_NOISE_MAX_STEAL 0.02
/* Repetitions' coefficient of variation above this: noisy (>= 3 reps). */
#define PT_NOISE_MAX_CV 0.03
/* Other runnable tasks at both samples at least this: noisy. */
#define PT_NOISE_MAX_RUNNABLE 1
/* 1-minute load average above this many times the online CPUs: noisy. */
#define PT_NOISE_MAX_LOAD_PER_CPU 2.0

struct pt_noise_sample {
	/* /proc/stat "cpu" line, in clock ticks summed over every CPU. */
	double busy_ticks, idle_ticks, steal_ticks;
	unsigned runnable; /* procs_running, the sampler itself excluded */
	double load1;	   /* /proc/loadavg, first field */
	double own_cpu_s;  /* our reaped children's user + system time */
	bool valid;	   /* /proc/stat was readable */
};

struct pt_noise {
	double foreign_cpu; /* others' share of the machine's CPU capacity */
	double steal;	    /* stolen share of the machine's time */
	double load1;	    /* the larger of the two samples' */
	unsigned runnable;  /* the smaller of the two samples' */
	double cv;	    /* of the repetitions; NAN: fewer than 3 */
	bool known;	    /* /proc/stat was readable at both samples */
	bool noisy;
	char reasons[192]; /* "; "-separated, empty when quiet */
};

/* Reads /proc/stat, /proc/loadavg and our children's usage now. */
void pt_noise_sample_now(struct pt_noise_sample *s);

/*
 * Parses the text of /proc/stat (its "cpu" and "procs_running" lines) into
 * s; 0, or -EINVAL when the cpu line is missing. For tests and
 * pt_noise_sample_now().
 */
int pt_noise_parse_stat(const char *text, struct pt_noise_sample *s);

/*
 * The verdict over [a, b] for cv (NAN if unknown), on a machine of cpus
 * online CPUs and ticks_per_s clock ticks a second.
 */
void pt_noise_judge(const struct pt_noise_sample *a,
		    const struct pt_noise_sample *b, double cv, unsigned cpus,
		    double ticks_per_s, struct pt_noise *out);

/* Coefficient of variation (sample stddev / mean); NAN when n < 3. */
double pt_noise_cv(const double *v, size_t n);

/*
 * Adds the verdict to a JSON object: "noisy" (0 or 1, a number so that
 * every counter reader takes it), "noisy_reasons" (string), and
 * "noise_foreign_cpu", "noise_steal", "noise_load1", "noise_runnable",
 * "noise_cv" (null when unknown).
 */
void pt_noise_to_json(const struct pt_noise *n, json_t *obj);

#endif
