/*
 * Quiet-machine verdicts; see noise.h for the design and the thresholds.
 *
 * Accounting, all in CPU-seconds over the window between two samples:
 * capacity = (busy + idle + steal) ticks / ticks-per-second, others = busy
 * ticks / ticks-per-second minus our children's CPU time. /proc/stat counts
 * in clock ticks (10 ms at USER_HZ 100) and rusage in microseconds, so a
 * window shorter than a few ticks per CPU gives a rough share: it is
 * clamped to [0, 1] and read as a hint, never as a measurement.
 */
#include "noise.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int pt_noise_parse_stat(const char *text, struct pt_noise_sample *s)
{
	unsigned long long f[10] = {0};
	const char *line = text;
	int fields;

	s->valid = false;
	s->runnable = 0;
	while (line && strncmp(line, "cpu ", 4) != 0) {
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	if (!line)
		return -EINVAL;
	fields = sscanf(line + 4, "%llu %llu %llu %llu %llu %llu %llu %llu",
			&f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]);
	if (fields < 4)
		return -EINVAL;
	/* user nice system idle iowait irq softirq steal (guest time is
	 * already in user). */
	s->busy_ticks = (double)(f[0] + f[1] + f[2] + f[5] + f[6]);
	s->idle_ticks = (double)(f[3] + f[4]);
	s->steal_ticks = (double)f[7];
	line = strstr(text, "\nprocs_running ");
	if (line) {
		unsigned running = 0;

		if (sscanf(line + 15, "%u", &running) == 1 && running > 0)
			s->runnable = running - 1; /* not the sampler */
	}
	s->valid = true;
	return 0;
}

/* Reads a small /proc file whole into buf; its length, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t got;

	if (!f)
		return -1;
	got = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[got] = '\0';
	return (ssize_t)got;
}

void pt_noise_sample_now(struct pt_noise_sample *s)
{
	/* /proc/stat grows with CPUs and interrupts; the cpu line is first
	 * and procs_running near the end, so read it all. */
	static char text[1 << 17];
	struct rusage children;
	char load[128];

	memset(s, 0, sizeof(*s));
	if (read_small("/proc/stat", text, sizeof(text)) > 0)
		(void)pt_noise_parse_stat(text, s);
	if (read_small("/proc/loadavg", load, sizeof(load)) > 0)
		s->load1 = strtod(load, NULL);
	if (getrusage(RUSAGE_CHILDREN, &children) == 0)
		s->own_cpu_s = (double)children.ru_utime.tv_sec +
			       (double)children.ru_utime.tv_usec * 1e-6 +
			       (double)children.ru_stime.tv_sec +
			       (double)children.ru_stime.tv_usec * 1e-6;
}

static double clamp01(double x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* Appends one reason to out->reasons. */
static void add_reason(struct pt_noise *out, const char *fmt, double value,
		       double limit)
{
	size_t used = strlen(out->reasons);

	out->noisy = true;
	if (used)
		used += (size_t)snprintf(out->reasons + used,
					 sizeof(out->reasons) - used, "; ");
	if (used < sizeof(out->reasons))
		snprintf(out->reasons + used, sizeof(out->reasons) - used, fmt,
			 value, limit);
}

void pt_noise_judge(const struct pt_noise_sample *a,
		    const struct pt_noise_sample *b, double cv, unsigned cpus,
		    double ticks_per_s, struct pt_noise *out)
{
	memset(out, 0, sizeof(*out));
	out->cv = cv;
	out->load1 = a->load1 > b->load1 ? a->load1 : b->load1;
	out->runnable = a->runnable < b->runnable ? a->runnable : b->runnable;
	out->known = a->valid && b->valid && ticks_per_s > 0;
	if (out->known) {
		double busy = b->busy_ticks - a->busy_ticks;
		double steal = b->steal_ticks - a->steal_ticks;
		double total = busy + steal + (b->idle_ticks - a->idle_ticks);
		double ours = b->own_cpu_s - a->own_cpu_s;

		if (total > 0) {
			out->steal = clamp01(steal / total);
			out->foreign_cpu = clamp01((busy / ticks_per_s - ours) /
						   (total / ticks_per_s));
		}
		if (out->foreign_cpu > PT_NOISE_MAX_FOREIGN_CPU)
			add_reason(out,
				   "others used %.0f%% of the CPUs (> %.0f%%)",
				   100 * out->foreign_cpu,
				   100 * PT_NOISE_MAX_FOREIGN_CPU);
		if (out->steal > PT_NOISE_MAX_STEAL)
			add_reason(out, "steal %.1f%% (> %.0f%%)",
				   100 * out->steal, 100 * PT_NOISE_MAX_STEAL);
	}
	if (isfinite(cv) && cv > PT_NOISE_MAX_CV)
		add_reason(out, "cv %.1f%% (> %.0f%%)", 100 * cv,
			   100 * PT_NOISE_MAX_CV);
	if (out->runnable >= PT_NOISE_MAX_RUNNABLE)
		add_reason(out, "%.0f other runnable tasks (>= %.0f)",
			   (double)out->runnable, PT_NOISE_MAX_RUNNABLE);
	if (cpus > 0 && out->load1 > PT_NOISE_MAX_LOAD_PER_CPU * cpus)
		add_reason(out, "load average %.1f (> %.0f)", out->load1,
			   PT_NOISE_MAX_LOAD_PER_CPU * cpus);
}

double pt_noise_cv(const double *v, size_t n)
{
	double mean = 0, ss = 0;

	if (n < 3)
		return NAN;
	for (size_t i = 0; i < n; i++)
		mean += v[i];
	mean /= (double)n;
	if (!(mean > 0))
		return NAN;
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - mean) * (v[i] - mean);
	return sqrt(ss / (double)(n - 1)) / mean;
}

static json_t *real_or_null(double v, bool known)
{
	return known && isfinite(v) ? json_real(v) : json_null();
}

void pt_noise_to_json(const struct pt_noise *n, json_t *obj)
{
	json_object_set_new(obj, "noisy", json_integer(n->noisy ? 1 : 0));
	json_object_set_new(obj, "noisy_reasons", json_string(n->reasons));
	json_object_set_new(obj, "noise_foreign_cpu",
			    real_or_null(n->foreign_cpu, n->known));
	json_object_set_new(obj, "noise_steal",
			    real_or_null(n->steal, n->known));
	json_object_set_new(obj, "noise_load1", json_real(n->load1));
	json_object_set_new(obj, "noise_runnable",
			    json_integer((json_int_t)n->runnable));
	json_object_set_new(obj, "noise_cv", real_or_null(n->cv, true));
}
