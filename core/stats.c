/*
 * Statistics of the regression gate.
 *
 * The design is simple: the gate asks two questions of two samples (the
 * repetitions of one benchmark in BASE and in NEW). Is there a shift at
 * all? The two-sided Mann-Whitney U test answers, without assuming any
 * distribution: benchmark times are skewed and have outliers, so a t-test
 * would lie. How large is the shift? The Hodges-Lehmann estimate (the
 * median of all pairwise differences) and its confidence interval, built
 * from the same U distribution, so the interval excludes zero exactly when
 * the exact test rejects.
 *
 * For paired samples (bench ab runs A and B side by side, so a drift of
 * the machine hits both members of a pair) the same two questions go to
 * the Wilcoxon signed-rank test and the Hodges-Lehmann estimate of the
 * Walsh averages, whose null distribution counts the subsets of ranks
 * 1..n with a given sum (exact in doubles up to n = 50: 2^50 < 2^53).
 *
 * The exact null distribution of U is the coefficient list of the Gaussian
 * binomial coefficient [m+n choose m]_q, built as the product over i of
 * (1 - q^(n+i)) / (1 - q^i): each step multiplies then divides, so every
 * intermediate value is an integer count no larger than C(m+n, m), exact in
 * a double up to m + n = 50 (C(50, 25) < 2^53). Ties, or larger samples,
 * use the normal approximation with tie and continuity corrections. The
 * normal tail comes from erfc; its inverse is found by bisection on it,
 * which is slow but needs no table and is accurate to the last bit that
 * matters here.
 *
 * Nothing is quadratic in the sample sizes, so that a file of thousands of
 * repetitions compares in well under a second: U comes from the ranks of
 * the pooled sample, and the order statistics of the m x n pairwise
 * differences (or the n(n+1)/2 Walsh averages) that the Hodges-Lehmann
 * estimate and interval need are found without forming them. Both kinds of
 * value are computed in floating point by an operation that is monotone in
 * each argument (rounding is monotone), so over sorted samples the number
 * of values <= t is a staircase that two pointers count in O(m + n); a
 * bisection over the 64-bit ordering of doubles then finds the k-th value
 * exactly, the same double a sort of all m x n values would give, in at
 * most 64 counts. Cost: O((m + n) log(m + n)) for the sorts plus
 * 64 x O(m + n) per order statistic, with O(m + n) memory.
 */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int pt_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double pt_quantile_sorted(const double *sorted, size_t n, double p)
{
	if (n == 0)
		return NAN;
	double h = (double)(n - 1) * p;
	size_t lo = (size_t)floor(h);
	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + (h - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

/* A key whose unsigned order is the order of the doubles (finite or
 * infinite; -0 sorts just below +0). */
static uint64_t order_key(double x)
{
	uint64_t bits;

	memcpy(&bits, &x, sizeof(bits));
	return bits >> 63 ? ~bits : bits | (1ull << 63);
}

static double from_order_key(uint64_t key)
{
	uint64_t bits = key >> 63 ? key & ~(1ull << 63) : ~key;
	double x;

	memcpy(&x, &bits, sizeof(x));
	return x;
}

/* The smallest double v in [lo, hi] with count_le(v) > k, where count_le
 * is non-decreasing and count_le(hi) > k: the k-th (0-based) smallest of
 * the values it counts. */
static double kth_by_bisection(double lo, double hi, size_t k,
			       size_t (*count_le)(const void *, double),
			       const void *ctx)
{
	uint64_t a = order_key(lo), b = order_key(hi);

	while (a < b) {
		uint64_t mid = a + (b - a) / 2;

		if (count_le(ctx, from_order_key(mid)) > k)
			b = mid;
		else
			a = mid + 1;
	}
	return from_order_key(a);
}

struct diff_ctx {
	const double *x, *y; /* sorted */
	size_t m, n;
};

/* #{(i, j): y[j] - x[i] <= t}: for each j a suffix of i qualifies, and
 * the suffix starts later as y[j] grows. */
static size_t diff_count_le(const void *ctx, double t)
{
	const struct diff_ctx *c = ctx;
	size_t count = 0, i = 0;

	for (size_t j = 0; j < c->n; j++) {
		while (i < c->m && c->y[j] - c->x[i] > t)
			i++;
		count += c->m - i;
	}
	return count;
}

double gate_kth_diff(const double *x, size_t m, const double *y, size_t n,
		     size_t k)
{
	struct diff_ctx c = {.x = x, .y = y, .m = m, .n = n};

	if (!m || !n || k >= m * n)
		return NAN;
	return kth_by_bisection(y[0] - x[m - 1], y[n - 1] - x[0], k,
				diff_count_le, &c);
}

struct walsh_ctx {
	const double *d; /* sorted */
	size_t n;
};

/* #{(i, j), i <= j: (d[i] + d[j]) / 2 <= t}: row i qualifies for j in
 * [i, q), and q only shrinks as i grows. */
static size_t walsh_count_le(const void *ctx, double t)
{
	const struct walsh_ctx *c = ctx;
	size_t count = 0, q = c->n;

	for (size_t i = 0; i < c->n; i++) {
		while (q > i && (c->d[i] + c->d[q - 1]) / 2 > t)
			q--;
		if (q <= i)
			break; /* every later row starts above t */
		count += q - i;
	}
	return count;
}

double gate_kth_walsh(const double *d, size_t n, size_t k)
{
	struct walsh_ctx c = {.d = d, .n = n};

	if (!n || k >= n * (n + 1) / 2)
		return NAN;
	return kth_by_bisection(d[0], d[n - 1], k, walsh_count_le, &c);
}

/* Sorted copy of v[0..n-1], or NULL. */
static double *sorted_copy(const double *v, size_t n)
{
	double *s = malloc((n ? n : 1) * sizeof(*s));

	if (!s)
		return NULL;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), pt_cmp_double);
	return s;
}

double gate_median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), pt_cmp_double);
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

double gate_norm_sf(double z)
{
	return 0.5 * erfc(z / M_SQRT2);
}

double gate_norm_isf(double p)
{
	double lo = -40, hi = 40;

	for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
		double mid = (lo + hi) / 2;

		if (gate_norm_sf(mid) > p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

int gate_u_counts(size_t m, size_t n, double *counts)
{
	size_t len = m * n + m + n + 1;
	double *c;

	if (m + n > GATE_EXACT_MAX_N)
		return -EINVAL;
	c = calloc(len, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c[0] = 1;
	for (size_t i = 1; i <= m; i++) {
		size_t up = n + i;

		for (size_t k = len - 1; k >= up; k--)
			c[k] -= c[k - up];
		for (size_t k = i; k < len; k++)
			c[k] += c[k - i];
	}
	for (size_t u = 0; u <= m * n; u++)
		counts[u] = c[u];
	free(c);
	return 0;
}

double gate_min_p(size_t m, size_t n)
{
	double total = 1;

	/* C(m+n, m) as a running product; exact enough for a threshold. */
	for (size_t i = 1; i <= m; i++)
		total = total * (double)(n + i) / (double)i;
	return fmin(1.0, 2.0 / total);
}

/* Whether the pooled sample has two equal values. */
static bool has_ties(const double *base, size_t m, const double *new_, size_t n)
{
	double *all = malloc((m + n) * sizeof(*all));
	bool tie = false;

	if (!all)
		return true; /* the approximation needs no memory */
	for (size_t i = 0; i < m; i++)
		all[i] = base[i];
	for (size_t j = 0; j < n; j++)
		all[m + j] = new_[j];
	qsort(all, m + n, sizeof(*all), pt_cmp_double);
	for (size_t i = 1; i < m + n; i++)
		if (all[i] == all[i - 1])
			tie = true;
	free(all);
	return tie;
}

/* sum over groups of tied values of (t^3 - t). */
static double tie_term(const double *base, size_t m, const double *new_,
		       size_t n)
{
	size_t N = m + n;
	double *all = malloc(N * sizeof(*all)), sum = 0;

	if (!all)
		return 0;
	for (size_t i = 0; i < m; i++)
		all[i] = base[i];
	for (size_t j = 0; j < n; j++)
		all[m + j] = new_[j];
	qsort(all, N, sizeof(*all), pt_cmp_double);
	for (size_t i = 0; i < N;) {
		size_t k = i;

		while (k < N && all[k] == all[i])
			k++;
		double t = (double)(k - i);
		sum += t * t * t - t;
		i = k;
	}
	free(all);
	return sum;
}

/* U of NEW = (sum of NEW's average ranks in the pooled sample) -
 * n(n + 1)/2, the number of pairs NEW > BASE with ties counting 1/2. */
static int u_statistic(const double *base, size_t m, const double *new_,
		       size_t n, double *u)
{
	double *x = sorted_copy(base, m), *y = sorted_copy(new_, n);
	size_t i = 0, j = 0;

	if (!x || !y) {
		free(x);
		free(y);
		return -ENOMEM;
	}
	/* Walks both sorted samples as one: for each group of equal
	 * values, NEW's members count the BASE values below and half of
	 * the BASE values equal. */
	*u = 0;
	while (j < n) {
		size_t j_end = j, below, equal;

		while (i < m && x[i] < y[j])
			i++;
		below = i;
		while (i < m && x[i] == y[j])
			i++;
		equal = i - below;
		while (j_end < n && y[j_end] == y[j])
			j_end++;
		*u +=
		    (double)(j_end - j) * ((double)below + 0.5 * (double)equal);
		j = j_end;
	}
	free(x);
	free(y);
	return 0;
}

int gate_mwu_test(const double *base, size_t m, const double *new_, size_t n,
		  struct gate_mwu *out)
{
	double u = 0, mn = (double)m * (double)n, umax;
	int err;

	if (!m || !n)
		return -EINVAL;
	err = u_statistic(base, m, new_, n, &u);
	if (err)
		return err;
	out->u_new = u;
	umax = fmax(u, mn - u);
	out->exact = m + n <= GATE_EXACT_MAX_N && !has_ties(base, m, new_, n);
	if (out->exact) {
		double *counts = malloc(((size_t)mn + 1) * sizeof(*counts));
		double total = 0, tail = 0;

		if (!counts)
			return -ENOMEM;
		err = gate_u_counts(m, n, counts);
		if (err) {
			free(counts);
			return err;
		}
		for (size_t k = 0; k <= (size_t)mn; k++) {
			total += counts[k];
			if ((double)k >= umax)
				tail += counts[k];
		}
		free(counts);
		out->p_value = fmin(1.0, 2 * tail / total);
		return 0;
	}
	double N = (double)(m + n);
	double var =
	    mn / 12 * ((N + 1) - tie_term(base, m, new_, n) / (N * (N - 1)));
	if (!(var > 0)) {
		out->p_value =
		    1; /* every value equal: no evidence of a shift */
		return 0;
	}
	double z = (umax - mn / 2 - 0.5) / sqrt(var);
	out->p_value = fmin(1.0, 2 * gate_norm_sf(z));
	return 0;
}

int gate_hl_shift(const double *base, size_t m, const double *new_, size_t n,
		  double alpha, double *estimate, double *low, double *high)
{
	size_t mn = m * n;
	double *x, *y;
	long c = -1;
	int err = 0;

	if (!m || !n)
		return -EINVAL;
	x = sorted_copy(base, m);
	y = sorted_copy(new_, n);
	if (!x || !y) {
		err = -ENOMEM;
		goto out;
	}
	*estimate = gate_kth_diff(x, m, y, n, (mn - 1) / 2);
	if (mn % 2 == 0)
		*estimate = (*estimate + gate_kth_diff(x, m, y, n, mn / 2)) / 2;
	if (m + n <= GATE_EXACT_MAX_N && !has_ties(base, m, new_, n)) {
		double *counts = malloc((mn + 1) * sizeof(*counts));
		double total = 0, cum = 0;

		if (!counts) {
			err = -ENOMEM;
			goto out;
		}
		err = gate_u_counts(m, n, counts);
		if (err) {
			free(counts);
			goto out;
		}
		for (size_t k = 0; k <= mn; k++)
			total += counts[k];
		for (size_t k = 0; k <= mn; k++) {
			cum += counts[k];
			if (cum / total > alpha / 2)
				break;
			c = (long)k;
		}
		free(counts);
	} else {
		double sigma = sqrt((double)mn * (double)(m + n + 1) / 12);

		c = (long)floor((double)mn / 2 -
				gate_norm_isf(alpha / 2) * sigma);
	}
	if (c < 0 || (size_t)c >= mn - (size_t)c) {
		*low = -INFINITY;
		*high = INFINITY;
	} else {
		*low = gate_kth_diff(x, m, y, n, (size_t)c);
		*high = gate_kth_diff(x, m, y, n, mn - 1 - (size_t)c);
	}
out:
	free(x);
	free(y);
	return err;
}

int gate_signed_rank_counts(size_t n, double *counts)
{
	size_t top = n * (n + 1) / 2;

	if (n > GATE_EXACT_MAX_N)
		return -EINVAL;
	for (size_t t = 0; t <= top; t++)
		counts[t] = t == 0;
	/* Adds rank r: each subset either leaves it out or takes it. */
	for (size_t r = 1; r <= n; r++)
		for (size_t t = r * (r + 1) / 2; t >= r; t--)
			counts[t] += counts[t - r];
	return 0;
}

double gate_min_p_paired(size_t n)
{
	return fmin(1.0, 2.0 / pow(2.0, (double)n));
}

static int cmp_abs_index(const void *a, const void *b, void *values)
{
	const double *d = values;
	double x = fabs(d[*(const size_t *)a]), y = fabs(d[*(const size_t *)b]);

	return (x > y) - (x < y);
}

/* Ranks of |d| (average ranks for ties), and whether there were ties. */
static int abs_ranks(const double *d, size_t n, double *rank, bool *ties,
		     double *tie_sum)
{
	size_t *order = malloc((n ? n : 1) * sizeof(*order));

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), cmp_abs_index, (void *)d);
	*ties = false;
	*tie_sum = 0;
	for (size_t i = 0; i < n;) {
		size_t k = i;

		while (k < n && fabs(d[order[k]]) == fabs(d[order[i]]))
			k++;
		double t = (double)(k - i);
		for (size_t j = i; j < k; j++)
			rank[order[j]] = (double)(i + k + 1) / 2;
		if (k - i > 1)
			*ties = true;
		*tie_sum += t * t * t - t;
		i = k;
	}
	free(order);
	return 0;
}

int gate_wilcoxon_test(const double *d, size_t n, struct gate_wsr *out)
{
	double *nz = malloc((n ? n : 1) * sizeof(*nz)), *rank = NULL;
	double tie_sum, top, t_minus;
	size_t m = 0;
	bool ties;
	int err = 0;

	if (!nz)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (d[i] != 0)
			nz[m++] = d[i];
	out->n_used = m;
	out->t_plus = 0;
	out->p_value = 1;
	out->exact = true;
	if (m == 0)
		goto out; /* no difference at all */
	rank = malloc(m * sizeof(*rank));
	if (!rank) {
		err = -ENOMEM;
		goto out;
	}
	err = abs_ranks(nz, m, rank, &ties, &tie_sum);
	if (err)
		goto out;
	for (size_t i = 0; i < m; i++)
		if (nz[i] > 0)
			out->t_plus += rank[i];
	top = (double)m * (double)(m + 1) / 2;
	t_minus = top - out->t_plus;
	out->exact = !ties && m <= GATE_EXACT_MAX_N;
	if (out->exact) {
		double *counts = malloc(((size_t)top + 1) * sizeof(*counts));
		double total = 0, low = 0, tmin = fmin(out->t_plus, t_minus);

		if (!counts) {
			err = -ENOMEM;
			goto out;
		}
		gate_signed_rank_counts(m, counts);
		for (size_t t = 0; t <= (size_t)top; t++) {
			total += counts[t];
			if ((double)t <= tmin)
				low += counts[t];
		}
		free(counts);
		out->p_value = fmin(1.0, 2 * low / total);
		goto out;
	}
	double mean = top / 2;
	double var =
	    ((double)m * (double)(m + 1) * (double)(2 * m + 1) - tie_sum / 2) /
	    24;
	double tmin = fmin(out->t_plus, t_minus);
	double corr = tmin > mean ? 0.5 : tmin < mean ? -0.5 : 0;

	if (var > 0)
		out->p_value = fmin(
		    1.0,
		    2 * gate_norm_sf(fabs((tmin - mean - corr) / sqrt(var))));
out:
	free(rank);
	free(nz);
	return err;
}

int gate_hl_paired(const double *d, size_t n, double alpha, double *estimate,
		   double *low, double *high)
{
	size_t N = n * (n + 1) / 2;
	double *w, *rank = NULL, tie_sum;
	bool ties = false;
	long c = -1;
	int err = 0;

	if (!n)
		return -EINVAL;
	w = sorted_copy(d, n);
	if (!w)
		return -ENOMEM;
	*estimate = gate_kth_walsh(w, n, (N - 1) / 2);
	if (N % 2 == 0)
		*estimate = (*estimate + gate_kth_walsh(w, n, N / 2)) / 2;
	rank = malloc(n * sizeof(*rank));
	if (!rank) {
		err = -ENOMEM;
		goto out;
	}
	err = abs_ranks(d, n, rank, &ties, &tie_sum);
	if (err)
		goto out;
	for (size_t i = 0; i < n; i++)
		ties = ties || d[i] == 0;
	if (!ties && n <= GATE_EXACT_MAX_N) {
		double *counts = malloc((N + 1) * sizeof(*counts));
		double total = 0, cum = 0;

		if (!counts) {
			err = -ENOMEM;
			goto out;
		}
		gate_signed_rank_counts(n, counts);
		for (size_t t = 0; t <= N; t++)
			total += counts[t];
		for (size_t t = 0; t <= N; t++) {
			cum += counts[t];
			if (cum / total > alpha / 2)
				break;
			c = (long)t;
		}
		free(counts);
	} else {
		double sigma = sqrt((double)n * (double)(n + 1) *
				    (double)(2 * n + 1) / 24);

		c = (long)floor((double)N / 2 -
				gate_norm_isf(alpha / 2) * sigma);
	}
	if (c < 0 || (size_t)c >= N - (size_t)c) {
		*low = -INFINITY;
		*high = INFINITY;
	} else {
		*low = gate_kth_walsh(w, n, (size_t)c);
		*high = gate_kth_walsh(w, n, N - 1 - (size_t)c);
	}
out:
	free(rank);
	free(w);
	return err;
}
