/*
 * Statistics of the regression gate: medians, the Mann-Whitney U test and the
 * Hodges-Lehmann confidence interval for a shift. Pure functions over arrays
 * of doubles; no I/O, no JSON.
 */
#ifndef PT_GATE_STATS_H
#define PT_GATE_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* Samples above this total size (m + n), or with ties, use the normal
 * approximation instead of the exact distribution of U. */
#define GATE_EXACT_MAX_N 50

struct gate_mwu {
	double
	    u_new; /* U of the NEW sample: pairs new > base, ties count 1/2 */
	double p_value; /* two-sided */
	bool exact;	/* exact distribution (true) or normal approximation */
};

/* qsort's comparison of two doubles, ascending. */
int pt_cmp_double(const void *a, const void *b);

/* Quantile p of sorted[0..n-1], interpolating linearly between order
 * statistics (Hyndman and Fan type 7, numpy's default); NAN when n is 0. */
double pt_quantile_sorted(const double *sorted, size_t n, double p);

/* Median of v[0..n-1]; sorts v in place. NAN when n is 0. */
double gate_median(double *v, size_t n);

/* Upper tail of the standard normal distribution, P(Z > z). */
double gate_norm_sf(double z);

/* z such that P(Z > z) = p, for 0 < p < 1. */
double gate_norm_isf(double p);

/* counts[u] = number of arrangements of m and n observations whose U is u,
 * for u in 0..m*n (the coefficients of the Gaussian binomial coefficient).
 * Returns 0 or -ENOMEM / -EINVAL. */
int gate_u_counts(size_t m, size_t n, double *counts);

/* Two-sided Mann-Whitney U test of NEW against BASE: exact when there are
 * no ties and m + n <= GATE_EXACT_MAX_N, otherwise the normal approximation
 * with tie and continuity corrections (as scipy.stats.mannwhitneyu with
 * method "exact" or "asymptotic"). Returns 0, -EINVAL or -ENOMEM. */
int gate_mwu_test(const double *base, size_t m, const double *new_, size_t n,
		  struct gate_mwu *out);

/* The smallest two-sided p-value the exact test can reach with m and n
 * observations: 2 / C(m + n, m). */
double gate_min_p(size_t m, size_t n);

/* Hodges-Lehmann estimate of the shift new - base (median of the m * n
 * pairwise differences, found without forming them: O((m + n) log(m + n))
 * time and O(m + n) memory) and its distribution-free confidence interval at
 * level 1 - alpha: [d(c+1), d(mn-c)] of the sorted differences, c the
 * largest value with P(U <= c) <= alpha/2 (exact distribution when the test
 * is exact, else c = floor(mn/2 - z(1-alpha/2) * sqrt(mn(m+n+1)/12))).
 * When no such c exists the interval is unbounded (-inf, +inf). */
int gate_hl_shift(const double *base, size_t m, const double *new_, size_t n,
		  double alpha, double *estimate, double *low, double *high);

/* The k-th (0-based) smallest of the m * n differences y[j] - x[i], x and y
 * sorted ascending, exactly as a sort of all of them would give, in
 * O(64 (m + n)) time and no extra memory. NAN when k >= m * n. */
double gate_kth_diff(const double *x, size_t m, const double *y, size_t n,
		     size_t k);

/* The k-th (0-based) smallest Walsh average (d[i] + d[j]) / 2, i <= j, of
 * d sorted ascending, likewise. NAN when k >= n(n + 1)/2. */
double gate_kth_walsh(const double *d, size_t n, size_t k);

struct gate_wsr {
	double t_plus;	/* sum of the ranks of the positive differences */
	double p_value; /* two-sided */
	size_t n_used;	/* differences that were not zero */
	bool exact;
};

/* counts[t] = number of sign assignments of ranks 1..n whose positive
 * ranks sum to t, for t in 0..n(n+1)/2. Returns 0, -EINVAL or -ENOMEM. */
int gate_signed_rank_counts(size_t n, double *counts);

/* Two-sided Wilcoxon signed-rank test of the paired differences d: zeros
 * dropped ("wilcox"), exact when no ties remain and n <= GATE_EXACT_MAX_N,
 * else the normal approximation with tie and continuity corrections (as
 * scipy.stats.wilcoxon with method "exact", or "approx" and
 * correction=True). Returns 0, -EINVAL or -ENOMEM. */
int gate_wilcoxon_test(const double *d, size_t n, struct gate_wsr *out);

/* The smallest two-sided p-value of the exact signed-rank test with n
 * pairs: 2 / 2^n. */
double gate_min_p_paired(size_t n);

/* Hodges-Lehmann estimate for paired differences (the median of the Walsh
 * averages (d[i] + d[j]) / 2, i <= j) and its confidence interval at level
 * 1 - alpha: [w(c+1), w(N-c)], N = n(n+1)/2, c the largest value with
 * P(T+ <= c) <= alpha/2 (exact when the test is exact, else
 * c = floor(N/2 - z(1-alpha/2) * sqrt(n(n+1)(2n+1)/24))). */
int gate_hl_paired(const double *d, size_t n, double alpha, double *estimate,
		   double *low, double *high);

#endif
