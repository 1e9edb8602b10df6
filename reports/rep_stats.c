/*
 * Small numerics for the report: quantiles and the two scaling-model fits.
 *
 * Quantiles (pt_quantile_sorted, core/stats.h) interpolate linearly
 * between order statistics (Hyndman and Fan type 7, numpy's default), so a
 * median of an even count is the mean of the two middle values and the
 * tests can check against numpy.
 *
 * Both models are fitted by linear least squares on their linearised form,
 * as in Gunther's method, on the capacity C(N) = T(1) / T(N) of one series:
 *   Amdahl:  1/C - 1/N = s (1 - 1/N)                 (one slope, no intercept)
 *   USL:     N/C - 1   = sigma (N - 1) + kappa N (N - 1)   (two slopes)
 * Points at N = 1 carry no information in either form (both sides are 0);
 * they are kept in the goodness of fit, R^2 = 1 - SS_res / SS_tot, which is
 * computed on C itself, the quantity plotted. A fit needs at least two
 * (Amdahl) or three (USL) worker counts above 1, so that R^2 means something;
 * otherwise it fails with -EDOM and says why.
 *
 * The comparison's confidence interval is a percentile bootstrap of the
 * ratio of medians: each round resamples both sets of repetitions with
 * replacement (base first, then other) from splitmix64 with a fixed seed, so
 * a report is reproducible and the tests can replay the same draws.
 */
#include "rep_internal.h"
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int rep_median_iqr(const double *values, size_t n, double *median, double *q1,
		   double *q3)
{
	*median = *q1 = *q3 = NAN;
	if (n == 0)
		return -EINVAL;
	double *sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, values, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), pt_cmp_double);
	*median = pt_quantile_sorted(sorted, n, 0.5);
	*q1 = pt_quantile_sorted(sorted, n, 0.25);
	*q3 = pt_quantile_sorted(sorted, n, 0.75);
	free(sorted);
	return 0;
}

double rep_amdahl_speedup(double serial_fraction, double workers)
{
	return 1.0 / (serial_fraction + (1.0 - serial_fraction) / workers);
}

double rep_usl_capacity(double sigma, double kappa, double workers)
{
	return workers / (1.0 + sigma * (workers - 1.0) +
			  kappa * workers * (workers - 1.0));
}

/* Counts the distinct worker counts above 1 among valid points. */
static size_t rep_count_above_one(const double *workers, const double *value,
				  size_t n)
{
	size_t distinct = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(workers[i] > 1.0) || !isfinite(value[i]) || value[i] <= 0)
			continue;
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			if (workers[j] == workers[i] && isfinite(value[j]) &&
			    value[j] > 0)
				seen = true;
		distinct += !seen;
	}
	return distinct;
}

/* R^2 of a model on the valid points; model is Amdahl (kappa NAN) or USL. */
static double rep_r2(const double *workers, const double *value, size_t n,
		     double a, double kappa)
{
	double sum = 0, ss_res = 0, ss_tot = 0;
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(value[i]) || value[i] <= 0)
			continue;
		sum += value[i];
		count++;
	}
	double mean = sum / (double)count;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(value[i]) || value[i] <= 0)
			continue;
		double predicted = isnan(kappa)
				       ? rep_amdahl_speedup(a, workers[i])
				       : rep_usl_capacity(a, kappa, workers[i]);
		ss_res += (value[i] - predicted) * (value[i] - predicted);
		ss_tot += (value[i] - mean) * (value[i] - mean);
	}
	return ss_tot > 0 ? 1.0 - ss_res / ss_tot : NAN;
}

int rep_fit_amdahl(const double *workers, const double *speedup, size_t n,
		   struct rep_amdahl *fit)
{
	memset(fit, 0, sizeof(*fit));
	fit->serial_fraction = fit->r2 = NAN;
	size_t above = rep_count_above_one(workers, speedup, n);
	fit->npoints = above;
	if (above < 2) {
		snprintf(fit->reason, sizeof(fit->reason),
			 "needs 2 worker counts above 1, has %zu", above);
		return fit->status = -EDOM;
	}
	double sxy = 0, sxx = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(workers[i] > 1.0) || !isfinite(speedup[i]) ||
		    speedup[i] <= 0)
			continue;
		double x = 1.0 - 1.0 / workers[i];
		double y = 1.0 / speedup[i] - 1.0 / workers[i];
		sxy += x * y;
		sxx += x * x;
	}
	fit->serial_fraction = sxy / sxx;
	fit->r2 = rep_r2(workers, speedup, n, fit->serial_fraction, NAN);
	return 0;
}

int rep_fit_usl(const double *workers, const double *capacity, size_t n,
		struct rep_usl *fit)
{
	memset(fit, 0, sizeof(*fit));
	fit->sigma = fit->kappa = fit->peak_workers = fit->r2 = NAN;
	size_t above = rep_count_above_one(workers, capacity, n);
	fit->npoints = above;
	if (above < 3) {
		snprintf(fit->reason, sizeof(fit->reason),
			 "needs 3 worker counts above 1, has %zu", above);
		return fit->status = -EDOM;
	}
	/* Normal equations of y = sigma x1 + kappa x2. */
	double s11 = 0, s12 = 0, s22 = 0, s1y = 0, s2y = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(workers[i] > 1.0) || !isfinite(capacity[i]) ||
		    capacity[i] <= 0)
			continue;
		double w = workers[i];
		double x1 = w - 1.0, x2 = w * (w - 1.0);
		double y = w / capacity[i] - 1.0;
		s11 += x1 * x1;
		s12 += x1 * x2;
		s22 += x2 * x2;
		s1y += x1 * y;
		s2y += x2 * y;
	}
	double det = s11 * s22 - s12 * s12;
	if (!(fabs(det) > 1e-12 * s11 * s22)) {
		snprintf(fit->reason, sizeof(fit->reason),
			 "singular system (worker counts too few)");
		return fit->status = -EDOM;
	}
	fit->sigma = (s1y * s22 - s2y * s12) / det;
	fit->kappa = (s11 * s2y - s12 * s1y) / det;
	if (fit->kappa > 0 && fit->sigma < 1)
		fit->peak_workers = sqrt((1.0 - fit->sigma) / fit->kappa);
	fit->r2 = rep_r2(workers, capacity, n, fit->sigma, fit->kappa);
	return 0;
}

static uint64_t rep_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Median of n draws with replacement from values, into scratch. */
static double rep_resample_median(const double *values, size_t n,
				  double *scratch, uint64_t *state)
{
	for (size_t i = 0; i < n; i++)
		scratch[i] = values[rep_splitmix64(state) % n];
	qsort(scratch, n, sizeof(*scratch), pt_cmp_double);
	return pt_quantile_sorted(scratch, n, 0.5);
}

int rep_bootstrap_ratio(const double *base, size_t nbase, const double *other,
			size_t nother, size_t rounds, uint64_t seed,
			double level, double *lo, double *hi)
{
	*lo = *hi = NAN;
	if (!nbase || !nother || !rounds || !(level > 0 && level < 1))
		return -EINVAL;
	double *ratios = malloc(rounds * sizeof(*ratios));
	double *scratch =
	    malloc((nbase > nother ? nbase : nother) * sizeof(*scratch));
	int ret = -ENOMEM;
	if (!ratios || !scratch)
		goto out;
	uint64_t state = seed;
	for (size_t r = 0; r < rounds; r++) {
		double mb = rep_resample_median(base, nbase, scratch, &state);
		double mo = rep_resample_median(other, nother, scratch, &state);
		ratios[r] = mo / mb;
	}
	qsort(ratios, rounds, sizeof(*ratios), pt_cmp_double);
	*lo = pt_quantile_sorted(ratios, rounds, (1 - level) / 2);
	*hi = pt_quantile_sorted(ratios, rounds, 1 - (1 - level) / 2);
	ret = 0;
out:
	free(ratios);
	free(scratch);
	return ret;
}
