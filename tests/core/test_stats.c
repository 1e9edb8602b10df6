/*
 * Unit tests of the gate's statistics (core/stats.c).
 *
 * Every expected number below was computed independently with Python 3.11
 * and scipy 1.10.1 (/usr/bin/python3), by tests/core/expected_stats.py
 * (run it to see them): U and p-values by scipy.stats.mannwhitneyu(new, base,
 * alternative="two-sided") with method="exact", or method="asymptotic" and
 * use_continuity=True (tie-corrected variance) when the samples have ties;
 * the null distribution of U by brute-force enumeration of every
 * arrangement (itertools.combinations), not by our recurrence; the normal
 * quantiles by scipy.stats.norm; the Hodges-Lehmann intervals from the
 * sorted pairwise differences with the critical value taken from that
 * brute-force distribution (exact) or from norm.isf (approximation). The
 * paired (signed-rank) values likewise come from scipy.stats.wilcoxon(d,
 * alternative="two-sided") with method="exact", or method="approx",
 * zero_method="wilcox" and correction=True, and from a brute-force
 * signed-rank distribution (itertools.product) for the intervals.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "stats.h"

/* Sample A: no ties, a clear upward shift (m = 6, n = 7). */
static const double a_base[] = {10.1, 10.4, 9.8, 10.0, 10.3, 10.2};
static const double a_new[] = {10.9, 11.2, 10.6, 11.0, 10.7, 10.5, 11.4};
/* Sample B: ties, so the normal approximation (m = 6, n = 8). */
static const double b_base[] = {1, 2, 2, 3, 4, 5};
static const double b_new[] = {3, 4, 4, 5, 6, 7, 7, 8};
/* Sample C: overlapping, no shift (m = n = 5). */
static const double c_base[] = {5.0, 6.1, 7.2, 5.5, 6.8};
static const double c_new[] = {5.2, 6.0, 7.5, 6.6, 5.9};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* This cmocka has no assert_double_equal: a macro that prints both. */
#define assert_near(got, want, tol) near_at((got), (want), (tol), __LINE__)

static void near_at(double got, double want, double tol, int line)
{
	if (!(fabs(got - want) <= tol)) {
		print_error("line %d: got %.17g, want %.17g (+- %g)\n", line,
			    got, want, tol);
		fail();
	}
}

static void test_median(void **state)
{
	double odd[] = {3, 1, 2}, even[] = {4, 1, 3, 2};

	(void)state;
	assert_near(gate_median(odd, 3), 2, 0);
	assert_near(gate_median(even, 4), 2.5, 0);
}

static void test_normal(void **state)
{
	(void)state;
	/* scipy.stats.norm.sf / norm.isf */
	assert_near(gate_norm_sf(1.5), 0.06680720126885807, 1e-15);
	assert_near(gate_norm_sf(-2), 0.9772498680518208, 1e-15);
	assert_near(gate_norm_isf(0.005), 2.575829303548901, 1e-12);
	assert_near(gate_norm_isf(0.3), 0.5244005127080409, 1e-12);
}

static void test_u_counts(void **state)
{
	/* brute force over itertools.combinations(range(7), 4) */
	static const double expect[] = {1, 1, 2, 3, 4, 4, 5, 4, 4, 3, 2, 1, 1};
	double counts[13], big[26], total = 0;

	(void)state;
	assert_int_equal(gate_u_counts(3, 4, counts), 0);
	for (size_t u = 0; u < 13; u++)
		assert_near(counts[u], expect[u], 0);
	/* m = n = 5: C(10, 5) = 252 arrangements, first ones 1 1 2 3 5 7 */
	assert_int_equal(gate_u_counts(5, 5, big), 0);
	for (size_t u = 0; u < 26; u++)
		total += big[u];
	assert_near(total, 252, 0);
	assert_near(big[4], 5, 0);
	assert_near(big[5], 7, 0);
	assert_int_equal(gate_u_counts(30, 30, big), -EINVAL);
}

static void test_min_p(void **state)
{
	(void)state;
	/* 2 / math.comb(10, 5) and 2 / math.comb(8, 4) */
	assert_near(gate_min_p(5, 5), 0.007936507936507936, 1e-15);
	assert_near(gate_min_p(4, 4), 0.02857142857142857, 1e-15);
	assert_near(gate_min_p(1, 1), 1, 0);
}

static void test_mwu_exact(void **state)
{
	struct gate_mwu t;

	(void)state;
	assert_int_equal(gate_mwu_test(a_base, N(a_base), a_new, N(a_new), &t),
			 0);
	assert_true(t.exact);
	/* mannwhitneyu(a_new, a_base, method="exact"): U=42, p=0.0011655... */
	assert_near(t.u_new, 42, 0);
	assert_near(t.p_value, 0.0011655011655011655, 1e-12);
	assert_int_equal(gate_mwu_test(c_base, 5, c_new, 5, &t), 0);
	assert_near(t.u_new, 13, 0);
	assert_near(t.p_value, 1.0, 1e-12);
}

static void test_mwu_exact_large(void **state)
{
	double base[25], nw[25];
	struct gate_mwu t;

	(void)state;
	for (int i = 0; i < 25; i++) {
		base[i] = 100 + i * 0.37;
		nw[i] = 103.05 + i * 0.43;
	}
	assert_int_equal(gate_mwu_test(base, 25, nw, 25, &t), 0);
	assert_true(t.exact);
	/* method="exact": U=504, p=0.00011809441013441493 */
	assert_near(t.u_new, 504, 0);
	assert_near(t.p_value, 0.00011809441013441493, 1e-12);
}

static void test_mwu_ties(void **state)
{
	struct gate_mwu t;
	double same[] = {2, 2, 2};

	(void)state;
	assert_int_equal(gate_mwu_test(b_base, N(b_base), b_new, N(b_new), &t),
			 0);
	assert_false(t.exact);
	/* method="asymptotic", use_continuity=True: U=42,
	 * p=0.022645225907363002 */
	assert_near(t.u_new, 42, 0);
	assert_near(t.p_value, 0.022645225907363002, 1e-12);
	/* every value equal: no evidence at all */
	assert_int_equal(gate_mwu_test(same, 3, same, 3, &t), 0);
	assert_near(t.p_value, 1, 0);
}

static void test_hl(void **state)
{
	double est, lo, hi;

	(void)state;
	/* exact critical value: A at 0.01 -> (0.75, [0.3, 1.3]),
	 * at 0.05 -> (0.75, [0.4, 1.2]) */
	assert_int_equal(gate_hl_shift(a_base, N(a_base), a_new, N(a_new), 0.01,
				       &est, &lo, &hi),
			 0);
	assert_near(est, 0.75, 1e-9);
	assert_near(lo, 0.3, 1e-9);
	assert_near(hi, 1.3, 1e-9);
	assert_int_equal(gate_hl_shift(a_base, N(a_base), a_new, N(a_new), 0.05,
				       &est, &lo, &hi),
			 0);
	assert_near(lo, 0.4, 1e-9);
	assert_near(hi, 1.2, 1e-9);
	/* C at 0.05: (0.2, [-1.3, 1.6]): contains 0, as the test says */
	assert_int_equal(
	    gate_hl_shift(c_base, 5, c_new, 5, 0.05, &est, &lo, &hi), 0);
	assert_near(est, 0.2, 1e-9);
	assert_near(lo, -1.3, 1e-9);
	assert_near(hi, 1.6, 1e-9);
	/* B (ties: normal critical value) at 0.05: (3, [1, 5]) */
	assert_int_equal(gate_hl_shift(b_base, N(b_base), b_new, N(b_new), 0.05,
				       &est, &lo, &hi),
			 0);
	assert_near(est, 3, 1e-9);
	assert_near(lo, 1, 1e-9);
	assert_near(hi, 5, 1e-9);
	/* two of each can never reach 0.01: the interval is unbounded */
	assert_int_equal(
	    gate_hl_shift(a_base, 2, a_new, 2, 0.01, &est, &lo, &hi), 0);
	assert_true(isinf(lo) && lo < 0);
	assert_true(isinf(hi) && hi > 0);
}

/* Paired differences E: no ties, no zeros (n = 10); G: ties and a zero. */
static const double e_diff[] = {0.061, 0.048, 0.093, -0.012, 0.071,
				0.055, 0.102, 0.039, 0.066,  0.024};
static const double g_diff[] = {0.5, -0.5, 1.0, 1.0, 2.0, 0.0, -1.0, 3.0, 2.0};

static void test_signed_rank_counts(void **state)
{
	/* brute force over itertools.product([0, 1], repeat=4) */
	static const double expect[] = {1, 1, 1, 2, 2, 2, 2, 2, 1, 1, 1};
	double counts[11];

	(void)state;
	assert_int_equal(gate_signed_rank_counts(4, counts), 0);
	for (size_t t = 0; t < 11; t++)
		assert_near(counts[t], expect[t], 0);
	assert_near(gate_min_p_paired(8), 0.0078125, 1e-15);
}

static void test_wilcoxon(void **state)
{
	struct gate_wsr t;

	(void)state;
	/* scipy.stats.wilcoxon(E, method="exact"): T = min(T+, T-) = 1,
	 * p = 0.00390625; T+ = 54 */
	assert_int_equal(gate_wilcoxon_test(e_diff, N(e_diff), &t), 0);
	assert_true(t.exact);
	assert_near(t.t_plus, 54, 0);
	assert_near(t.p_value, 0.00390625, 1e-12);
	/* wilcoxon(G, method="approx", zero_method="wilcox",
	 * correction=True): T = 5.5, p = 0.09048792993126759 */
	assert_int_equal(gate_wilcoxon_test(g_diff, N(g_diff), &t), 0);
	assert_false(t.exact);
	assert_int_equal(t.n_used, 8);
	assert_near(36 - t.t_plus, 5.5, 0);
	assert_near(t.p_value, 0.09048792993126759, 1e-12);
}

static void test_hl_paired(void **state)
{
	double est, lo, hi;

	(void)state;
	/* Walsh averages; exact critical value from the brute-force
	 * signed-rank distribution: E at 0.01 -> (0.057, [0.018, 0.0865]) */
	assert_int_equal(
	    gate_hl_paired(e_diff, N(e_diff), 0.01, &est, &lo, &hi), 0);
	assert_near(est, 0.057, 1e-12);
	assert_near(lo, 0.018, 1e-12);
	assert_near(hi, 0.0865, 1e-12);
	/* G (ties): normal critical value, 0.05 -> (1.0, [-0.25, 2.0]) */
	assert_int_equal(
	    gate_hl_paired(g_diff, N(g_diff), 0.05, &est, &lo, &hi), 0);
	assert_near(est, 1.0, 1e-12);
	assert_near(lo, -0.25, 1e-12);
	assert_near(hi, 2.0, 1e-12);
}

/*
 * The fast order statistics against brute force: every pairwise difference
 * (or Walsh average) formed and sorted, as the quadratic estimator did,
 * on many small random samples with ties, negatives and mixed scales.
 */
static uint64_t rng_state = 42;

static double random_value(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	switch (z % 4) {
	case 0:
		return (double)(int)(z >> 40 & 7) - 3; /* small ints: ties */
	case 1:
		return (double)(z >> 11) / 9007199254740992.0 * 20 - 10;
	case 2:
		return log((double)(z >> 11 | 1)); /* log-scale values */
	default:
		return -0.0 + (double)(z >> 60) * 1e-3;
	}
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The interval's critical value as gate_hl_shift computes it. */
static long ref_critical(size_t m, size_t n, const double *x, const double *y,
			 double alpha)
{
	size_t mn = m * n;
	double all[64];
	bool ties = false;
	long c = -1;

	for (size_t i = 0; i < m; i++)
		all[i] = x[i];
	for (size_t j = 0; j < n; j++)
		all[m + j] = y[j];
	qsort(all, m + n, sizeof(*all), cmp_d);
	for (size_t i = 1; i < m + n; i++)
		ties = ties || all[i] == all[i - 1];
	if (!ties) {
		double counts[32 * 32 + 1], total = 0, cum = 0;

		assert_int_equal(gate_u_counts(m, n, counts), 0);
		for (size_t k = 0; k <= mn; k++)
			total += counts[k];
		for (size_t k = 0; k <= mn; k++) {
			cum += counts[k];
			if (cum / total > alpha / 2)
				break;
			c = (long)k;
		}
	} else {
		double sigma = sqrt((double)mn * (double)(m + n + 1) / 12);

		c = (long)floor((double)mn / 2 -
				gate_norm_isf(alpha / 2) * sigma);
	}
	return c;
}

static void test_fast_matches_brute_force(void **state)
{
	(void)state;
	for (int round = 0; round < 400; round++) {
		size_t m = 1 + (size_t)(round % 13),
		       n = 1 + (size_t)(round / 13 % 11);
		double x[16], y[16], xs[16], ys[16], all[16 * 16], est, lo, hi;
		double u = 0;
		struct gate_mwu t;
		size_t k = 0, mn = m * n;
		long c;

		for (size_t i = 0; i < m; i++)
			xs[i] = x[i] = random_value();
		for (size_t j = 0; j < n; j++)
			ys[j] = y[j] = random_value();
		qsort(xs, m, sizeof(*xs), cmp_d);
		qsort(ys, n, sizeof(*ys), cmp_d);
		for (size_t j = 0; j < n; j++)
			for (size_t i = 0; i < m; i++) {
				all[k++] = y[j] - x[i];
				u += y[j] > x[i] ? 1 : y[j] == x[i] ? 0.5 : 0;
			}
		qsort(all, mn, sizeof(*all), cmp_d);
		for (k = 0; k < mn; k++)
			assert_true(gate_kth_diff(xs, m, ys, n, k) == all[k]);
		assert_true(isnan(gate_kth_diff(xs, m, ys, n, mn)));
		assert_int_equal(gate_mwu_test(x, m, y, n, &t), 0);
		assert_near(t.u_new, u, 0);
		assert_int_equal(
		    gate_hl_shift(x, m, y, n, 0.05, &est, &lo, &hi), 0);
		assert_near(est,
			    mn % 2 ? all[mn / 2]
				   : (all[mn / 2 - 1] + all[mn / 2]) / 2,
			    0);
		c = ref_critical(m, n, x, y, 0.05);
		if (c < 0 || (size_t)c >= mn - (size_t)c) {
			assert_true(isinf(lo) && isinf(hi));
		} else {
			assert_near(lo, all[c], 0);
			assert_near(hi, all[mn - 1 - (size_t)c], 0);
		}
	}
}

static void test_fast_walsh_matches_brute_force(void **state)
{
	(void)state;
	for (int round = 0; round < 200; round++) {
		size_t n = 1 + (size_t)(round % 23), k = 0;
		double d[24], ds[24], w[24 * 25 / 2], est, lo, hi;

		for (size_t i = 0; i < n; i++)
			ds[i] = d[i] = random_value();
		qsort(ds, n, sizeof(*ds), cmp_d);
		for (size_t i = 0; i < n; i++)
			for (size_t j = i; j < n; j++)
				w[k++] = (d[i] + d[j]) / 2;
		qsort(w, k, sizeof(*w), cmp_d);
		for (size_t q = 0; q < k; q++)
			assert_true(gate_kth_walsh(ds, n, q) == w[q]);
		assert_true(isnan(gate_kth_walsh(ds, n, k)));
		assert_int_equal(gate_hl_paired(d, n, 0.05, &est, &lo, &hi), 0);
		assert_near(
		    est, k % 2 ? w[k / 2] : (w[k / 2 - 1] + w[k / 2]) / 2, 0);
		assert_true(isinf(lo) || lo == w[0] ||
			    bsearch(&lo, w, k, sizeof(*w), cmp_d));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_median),
	    cmocka_unit_test(test_normal),
	    cmocka_unit_test(test_u_counts),
	    cmocka_unit_test(test_min_p),
	    cmocka_unit_test(test_mwu_exact),
	    cmocka_unit_test(test_mwu_exact_large),
	    cmocka_unit_test(test_mwu_ties),
	    cmocka_unit_test(test_hl),
	    cmocka_unit_test(test_signed_rank_counts),
	    cmocka_unit_test(test_wilcoxon),
	    cmocka_unit_test(test_hl_paired),
	    cmocka_unit_test(test_fast_matches_brute_force),
	    cmocka_unit_test(test_fast_walsh_matches_brute_force),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
