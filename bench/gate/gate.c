/*
 * bench compare: the statistical regression gate over two results files.
 *
 * The design is simple: benchmarks are paired by run name; for each pair
 * the repetitions of BASE and NEW are two samples of the chosen metric. A
 * benchmark regresses only when two things hold at once: the two-sided
 * Mann-Whitney U test finds a shift (p < alpha), and the median ratio
 * NEW/BASE, turned so that above 1 means worse, exceeds 1 + threshold. It
 * improves symmetrically (below 1 / (1 + threshold)). Too few repetitions
 * for the test to ever reach alpha give "inconclusive", never a verdict by
 * default. The confidence interval printed for the ratio is the
 * Hodges-Lehmann interval of the log ratio at level 1 - alpha, which is
 * consistent with the test. The threshold of a benchmark is the flag, or
 * the first matching line of the thresholds file, raised to k x noise when
 * an A/A run gave that benchmark's noise.
 *
 * Every input error (unreadable, malformed or foreign JSON, no common
 * benchmark, different schema versions or parameters) ends in one message
 * "bench: compare: <what>: <why>" and exit status 2; a regression is 1;
 * anything else 0.
 */
#include "gate.h"

#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gate_cmp.h"
#include "gate_internal.h"
#include "gate_load.h"
#include "pt_exit.h"
#include "pt_json.h"
#include "pt_threshold.h"
#include "results.h"
#include "stats.h"

#define EXIT_REGRESSED 1

void gate_options_default(struct gate_options *o)
{
	memset(o, 0, sizeof(*o));
	o->alpha = 0.01;
	o->threshold = 0.05;
	o->metric = "real_time";
	o->direction = GATE_AUTO;
	o->format = GATE_CONSOLE;
	o->noise_k = 2;
}

void gate_print_option_help(FILE *f)
{
	fputs("  --alpha=A          significance level of the test "
	      "(default 0.01)\n"
	      "  --threshold=T      smallest change that counts: 5% or 0.05; a "
	      "bare number\n"
	      "                     is a fraction below 1 (default 5%)\n"
	      "  --thresholds=FILE  per-benchmark thresholds: lines "
	      "\"GLOB THRESHOLD\",\n"
	      "                     first match wins, # comments\n"
	      "  --metric=M         real_time, cpu_time, any counter, or a sum "
	      "of counters\n"
	      "                     such as cpu_user_s+cpu_sys_s (default "
	      "real_time)\n"
	      "  --direction=D      auto, lower or higher is better (auto: "
	      "*_per_second\n"
	      "                     counters are higher-is-better)\n"
	      "  --format=F         console, md or json (default console)\n"
	      "  --noise=FILE       an A/A run (results JSON or a compare "
	      "--format=json\n"
	      "                     output): threshold = max(T, K x noise)\n"
	      "  --noise-k=K        the K above (default 2)\n"
	      "  --out=FILE         also write the comparison to FILE\n",
	      f);
}

static void usage(FILE *f)
{
	fputs("usage: bench compare [OPTIONS] BASE.json NEW.json\n"
	      "Compares two Google Benchmark results files; exit status 0 no "
	      "regression,\n1 a regression, 2 usage or input error.\n",
	      f);
	gate_print_option_help(f);
}

int gate_parse_option(struct gate_options *o, int argc, char **argv, int *i)
{
	static const char *const names[] = {
	    "--alpha", "--threshold", "--thresholds", "--metric", "--format",
	    "--noise", "--noise-k",   "--direction",  "--out",
	};
	const char *arg = argv[*i], *value = NULL;
	size_t which, len = strcspn(arg, "=");
	char *end;

	for (which = 0; which < sizeof(names) / sizeof(names[0]); which++)
		if (strlen(names[which]) == len &&
		    !strncmp(arg, names[which], len))
			break;
	if (which == sizeof(names) / sizeof(names[0]))
		return 0;
	if (arg[len] == '=') {
		value = arg + len + 1;
	} else if (*i + 1 < argc) {
		value = argv[++*i];
	} else {
		fprintf(stderr, "bench: compare: %s: needs a value\n", arg);
		return -EINVAL;
	}
	if (o->given & (1u << which)) {
		fprintf(stderr,
			"bench: compare: %s is given twice (give it once)\n",
			names[which]);
		return -EINVAL;
	}
	o->given |= 1u << which;
	switch (which) {
	case 0:
		errno = 0;
		o->alpha = strtod(value, &end);
		if (end == value || *end || errno || !(o->alpha > 0) ||
		    !(o->alpha <= 0.5))
			goto bad;
		break;
	case 1:
		if (pt_parse_threshold(value, &o->threshold))
			goto bad;
		break;
	case 2:
		if (!*value)
			goto bad;
		o->thresholds_path = value;
		break;
	case 3:
		if (!*value)
			goto bad;
		o->metric = value;
		break;
	case 4:
		if (!strcmp(value, "console"))
			o->format = GATE_CONSOLE;
		else if (!strcmp(value, "md"))
			o->format = GATE_MD;
		else if (!strcmp(value, "json"))
			o->format = GATE_JSON;
		else
			goto bad;
		break;
	case 5:
		if (!*value)
			goto bad;
		o->noise_path = value;
		break;
	case 6:
		errno = 0;
		o->noise_k = strtod(value, &end);
		if (end == value || *end || errno || !(o->noise_k >= 0) ||
		    !isfinite(o->noise_k))
			goto bad;
		break;
	case 7:
		if (!strcmp(value, "auto"))
			o->direction = GATE_AUTO;
		else if (!strcmp(value, "lower"))
			o->direction = GATE_LOWER;
		else if (!strcmp(value, "higher"))
			o->direction = GATE_HIGHER;
		else
			goto bad;
		break;
	case 8:
		if (!*value)
			goto bad;
		o->out_path = value;
		break;
	}
	return 1;
bad:
	fprintf(stderr, "bench: compare: %s: invalid value '%s'%s%s%s\n",
		names[which], value, which == 1 ? " (" : "",
		which == 1 ? PT_THRESHOLD_HINT : "", which == 1 ? ")" : "");
	return -EINVAL;
}

static int load_thresholds(struct gate_ctx *c, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int lineno = 0, err = 0;

	if (!f) {
		snprintf(c->why, sizeof(c->why), "%s: %s", path,
			 strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char pattern[512], value[64], extra[2];
		struct threshold_rule *r;
		double t;
		int got;

		lineno++;
		line[strcspn(line, "#\n")] = '\0';
		got = sscanf(line, "%511s %63s %1s", pattern, value, extra);
		if (got <= 0)
			continue;
		if (got != 2 || pt_parse_threshold(value, &t)) {
			snprintf(c->why, sizeof(c->why),
				 "%s: line %d: expected \"GLOB THRESHOLD\" "
				 "(e.g. \"io-*/* 10%%\")",
				 path, lineno);
			err = -EINVAL;
			break;
		}
		r = realloc(c->rules, (c->n_rules + 1) * sizeof(*r));
		if (!r) {
			err = -ENOMEM;
			break;
		}
		c->rules = r;
		r[c->n_rules].pattern = strdup(pattern);
		r[c->n_rules].threshold = t;
		if (!r[c->n_rules].pattern) {
			err = -ENOMEM;
			break;
		}
		c->n_rules++;
	}
	if (!err && ferror(f)) {
		snprintf(c->why, sizeof(c->why), "%s: read error", path);
		err = -EIO;
	}
	fclose(f);
	return err;
}

static int add_noise(struct gate_ctx *c, const char *name, double noise)
{
	struct noise_entry *n =
	    realloc(c->noise, (c->n_noise + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	c->noise = n;
	n[c->n_noise].name = strdup(name);
	if (!n[c->n_noise].name)
		return -ENOMEM;
	n[c->n_noise++].noise = noise;
	return 0;
}

/* The noise of a benchmark from an A/A run: from a compare JSON output,
 * the widest side of its ratio interval (how far from 1 an A/A comparison
 * may wander); from a results file, the robust coefficient of variation
 * 1.4826 MAD / median of its repetitions. */
static int load_noise(struct gate_ctx *c, const char *path)
{
	struct gate_set set;
	int err;
	json_t *root =
	    pt_json_load(path, JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES,
			 &err, c->why, sizeof(c->why));

	if (!root)
		return err == -ENOMEM ? -ENOMEM : -EINVAL;
	if (json_is_object(root) &&
	    json_object_get(root, "procthread_compare_version")) {
		json_t *list = json_object_get(root, "benchmarks");

		for (size_t i = 0; i < json_array_size(list) && !err; i++) {
			json_t *e = json_array_get(list, i);
			json_t *name = json_object_get(e, "name");
			json_t *lo = json_object_get(e, "ci_low");
			json_t *hi = json_object_get(e, "ci_high");

			if (!json_is_string(name) || !json_is_number(lo) ||
			    !json_is_number(hi))
				continue;
			err = add_noise(c, json_string_value(name),
					fmax(json_number_value(hi) - 1,
					     1 - json_number_value(lo)));
		}
		json_decref(root);
		return err;
	}
	json_decref(root);
	err = gate_load(path, &c->metric, &set, c->why, sizeof(c->why));
	for (size_t i = 0; i < set.n && !err; i++) {
		struct gate_bench *b = &set.bench[i];
		double med, *dev;

		if (b->n < 3)
			continue;
		med = gate_median(b->samples, b->n);
		dev = malloc(b->n * sizeof(*dev));
		if (!dev) {
			err = -ENOMEM;
			break;
		}
		for (size_t k = 0; k < b->n; k++)
			dev[k] = fabs(b->samples[k] - med);
		if (med != 0)
			err = add_noise(c, b->name,
					1.4826 * gate_median(dev, b->n) /
					    fabs(med));
		free(dev);
	}
	gate_set_free(&set);
	return err;
}

static double threshold_for(const struct gate_ctx *c, const char *name)
{
	double t = c->o->threshold;

	for (size_t i = 0; i < c->n_rules; i++)
		if (!fnmatch(c->rules[i].pattern, name, 0)) {
			t = c->rules[i].threshold;
			break;
		}
	for (size_t i = 0; i < c->n_noise; i++)
		if (!strcmp(c->noise[i].name, name)) {
			t = fmax(t, c->o->noise_k * c->noise[i].noise);
			break;
		}
	return t;
}

/* The smallest number of repetitions per side for which the exact test can
 * reach alpha. */
static size_t reps_needed(double alpha)
{
	size_t k = 2;

	while (k < 1000 && gate_min_p(k, k) >= alpha)
		k++;
	return k;
}

/* Orders sample indices by pair number, then by index. */
static int cmp_pair(const void *a, const void *b, void *pairs)
{
	const double *pair = pairs;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (pair[i] != pair[j])
		return pair[i] < pair[j] ? -1 : 1;
	return (i > j) - (i < j);
}

/* bench ab runs: sample k of BASE and the NEW sample with the same pair
 * number ran side by side, so the per-pair ratios cancel the drift of the
 * machine; the Wilcoxon signed-rank test and its Hodges-Lehmann interval
 * judge them, and the ratio shown is the median of the per-pair ratios. */
static int decide_paired(struct gate_ctx *c, const struct gate_bench *base,
			 const struct gate_bench *nw, bool positive,
			 struct gate_row *r)
{
	double *d = malloc(base->n * sizeof(*d)), est, lo, hi, med;
	struct gate_wsr t;
	size_t k = 0;
	int err = 0;

	size_t *by_pair = malloc((nw->n ? nw->n : 1) * sizeof(*by_pair));

	if (!d || !by_pair) {
		free(d);
		free(by_pair);
		return -ENOMEM;
	}
	/* NEW's samples in pair order (the first of equal pairs first), so
	 * that each BASE sample finds its partner by bisection. */
	for (size_t j = 0; j < nw->n; j++)
		by_pair[j] = j;
	qsort_r(by_pair, nw->n, sizeof(*by_pair), cmp_pair, nw->pair);
	for (size_t i = 0; i < base->n; i++) {
		size_t lo = 0, hi = nw->n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (nw->pair[by_pair[mid]] < base->pair[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < nw->n && nw->pair[by_pair[lo]] == base->pair[i]) {
			double b = base->samples[i];
			double x = nw->samples[by_pair[lo]];

			d[k++] = positive ? log(x) - log(b) : x - b;
		}
	}
	free(by_pair);
	r->pairs = k;
	if (k < 2 || gate_min_p_paired(k) >= c->o->alpha) {
		size_t need = 2;

		while (need < 1000 && gate_min_p_paired(need) >= c->o->alpha)
			need++;
		r->verdict = V_INCONCLUSIVE;
		snprintf(r->note, sizeof(r->note),
			 "too few run pairs (%zu): at alpha %g the paired test "
			 "needs %zu",
			 k, c->o->alpha, need);
		goto out;
	}
	err = gate_wilcoxon_test(d, k, &t);
	if (!err)
		err = gate_hl_paired(d, k, c->o->alpha, &est, &lo, &hi);
	if (err)
		goto out;
	med = gate_median(d, k); /* sorts d, after its last use */
	r->p_value = t.p_value;
	r->u_new = t.t_plus;
	r->exact = t.exact;
	if (positive) {
		r->ratio = exp(med);
		r->ci_low = exp(lo);
		r->ci_high = exp(hi);
	} else if (r->median_base != 0) {
		r->ratio = 1 + med / fabs(r->median_base);
		r->ci_low = 1 + lo / fabs(r->median_base);
		r->ci_high = 1 + hi / fabs(r->median_base);
	}
out:
	free(d);
	return err;
}

static int decide(struct gate_ctx *c, const struct gate_bench *base,
		  const struct gate_bench *nw, struct gate_row *r)
{
	size_t m = base->n, n = nw->n;
	double *lb = NULL, *ln = NULL, est, lo, hi, bad;
	bool positive = true;
	struct gate_mwu t;
	int err = 0;

	r->threshold = threshold_for(c, r->name);
	r->n_base = m;
	r->n_new = n;
	if (base->error || nw->error) {
		r->verdict = V_ERROR;
		snprintf(r->note, sizeof(r->note), "%s: %s",
			 base->error ? "BASE" : "NEW",
			 base->error ? base->error : nw->error);
		return 0;
	}
	if (!m || !n) {
		r->verdict = V_INCONCLUSIVE;
		snprintf(r->note, sizeof(r->note),
			 "no repetition entries in %s (aggregates only)",
			 m ? "NEW" : "BASE");
		return 0;
	}
	lb = malloc(m * sizeof(*lb));
	ln = malloc(n * sizeof(*ln));
	if (!lb || !ln) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < m; i++)
		positive = positive && base->samples[i] > 0;
	for (size_t j = 0; j < n; j++)
		positive = positive && nw->samples[j] > 0;
	memcpy(lb, base->samples, m * sizeof(*lb));
	memcpy(ln, nw->samples, n * sizeof(*ln));
	r->median_base = gate_median(lb, m);
	r->median_new = gate_median(ln, n);
	if (r->median_base != 0)
		r->ratio = r->median_new / r->median_base;
	else
		r->ratio = r->median_new == 0 ? 1 : NAN;
	if (c->same_session && base->paired && nw->paired) {
		err = decide_paired(c, base, nw, positive, r);
		if (err || r->verdict == V_INCONCLUSIVE)
			goto out;
		goto verdict;
	}
	if (m < 2 || n < 2 || gate_min_p(m, n) >= c->o->alpha) {
		r->verdict = V_INCONCLUSIVE;
		snprintf(r->note, sizeof(r->note),
			 "too few repetitions (%zu and %zu): at alpha %g the "
			 "test needs %zu of each",
			 m, n, c->o->alpha, reps_needed(c->o->alpha));
		goto out;
	}
	/* The shift is estimated on log values, so that it is a ratio;
	 * counters that may be zero or negative fall back to differences. */
	for (size_t i = 0; i < m; i++)
		lb[i] = positive ? log(base->samples[i]) : base->samples[i];
	for (size_t j = 0; j < n; j++)
		ln[j] = positive ? log(nw->samples[j]) : nw->samples[j];
	err = gate_mwu_test(lb, m, ln, n, &t);
	if (!err)
		err = gate_hl_shift(lb, m, ln, n, c->o->alpha, &est, &lo, &hi);
	if (err)
		goto out;
	r->p_value = t.p_value;
	r->u_new = t.u_new;
	r->exact = t.exact;
	if (positive) {
		r->ci_low = exp(lo);
		r->ci_high = exp(hi);
	} else if (r->median_base != 0) {
		r->ci_low = 1 + lo / fabs(r->median_base);
		r->ci_high = 1 + hi / fabs(r->median_base);
	}
verdict:
	if (isnan(r->ratio)) {
		r->verdict = V_INCONCLUSIVE;
		snprintf(r->note, sizeof(r->note), "BASE median is 0");
		goto out;
	}
	bad = c->higher_is_better ? 1 / r->ratio : r->ratio;
	if (r->p_value < c->o->alpha && bad > 1 + r->threshold)
		r->verdict = V_REGRESSED;
	else if (r->p_value < c->o->alpha && bad < 1 / (1 + r->threshold))
		r->verdict = V_IMPROVED;
	else
		r->verdict = V_UNCHANGED;
	if (r->verdict == V_UNCHANGED && r->p_value < c->o->alpha)
		snprintf(r->note, sizeof(r->note),
			 "significant but within the threshold");
out:
	free(lb);
	free(ln);
	return err;
}

static struct gate_row *add_row(struct gate_ctx *c, const char *name)
{
	struct gate_row *r = realloc(c->rows, (c->n_rows + 1) * sizeof(*r));

	if (!r)
		return NULL;
	c->rows = r;
	r = &c->rows[c->n_rows++];
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->verdict = V_UNCHANGED;
	r->median_base = r->median_new = r->ratio = NAN;
	r->ci_low = r->ci_high = r->p_value = r->u_new = NAN;
	return r;
}

static bool same_param(double a, double b)
{
	return isnan(a) || isnan(b) || a == b;
}

static bool is_rate(const char *metric)
{
	size_t len = strlen(metric), suffix = strlen("_per_second");

	return len >= suffix && !strcmp(metric + len - suffix, "_per_second");
}

bool gate_higher_is_better(const struct gate_options *o)
{
	return o->direction == GATE_HIGHER ||
	       (o->direction == GATE_AUTO && is_rate(o->metric));
}

static void ctx_free(struct gate_ctx *c)
{
	for (size_t i = 0; i < c->n_rules; i++)
		free(c->rules[i].pattern);
	free(c->rules);
	for (size_t i = 0; i < c->n_noise; i++)
		free(c->noise[i].name);
	free(c->noise);
	free(c->rows);
}

/* --out FILE: written beside FILE and renamed over it when complete, so
 * an existing FILE is never left truncated. */
static int write_out(const char *path, const struct gate_ctx *c,
		     const char *base_path, const char *new_path)
{
	struct pt_outfile of;
	FILE *f;
	int fd, err = pt_outfile_open(&of, path);

	if (err)
		return err;
	fd = dup(of.fd);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		err = -errno;
		if (fd >= 0)
			close(fd);
	} else if (gate_print_all(c, base_path, new_path, f)) {
		err = errno ? -errno : -EIO;
		fclose(f);
	} else if (fclose(f)) {
		err = errno ? -errno : -EIO;
	}
	if (err) {
		pt_outfile_abort(&of);
		free(of.path);
		return err;
	}
	return pt_outfile_finish(&of);
}

int gate_compare_files(const struct gate_options *o, const char *base_path,
		       const char *new_path)
{
	struct gate_ctx c = {.o = o};
	struct gate_set base = {0}, nw = {0};
	size_t common = 0;
	int status = EXIT_USAGE, err;

	c.metric.name = o->metric;
	c.metric.is_time =
	    !strcmp(o->metric, "real_time") || !strcmp(o->metric, "cpu_time");
	c.higher_is_better = gate_higher_is_better(o);
	err = gate_load(base_path, &c.metric, &base, c.why, sizeof(c.why));
	if (!err)
		err = gate_load(new_path, &c.metric, &nw, c.why, sizeof(c.why));
	if (!err && base.schema_version && nw.schema_version &&
	    strcmp(base.schema_version, nw.schema_version)) {
		snprintf(c.why, sizeof(c.why),
			 "procthread schema versions differ: %s in %s, %s in "
			 "%s",
			 base.schema_version, base_path, nw.schema_version,
			 new_path);
		err = -EINVAL;
	}
	c.same_session = !err && base.ab_session && nw.ab_session &&
			 !strcmp(base.ab_session, nw.ab_session);
	if (!err && o->thresholds_path)
		err = load_thresholds(&c, o->thresholds_path);
	if (!err && o->noise_path)
		err = load_noise(&c, o->noise_path);
	for (size_t i = 0; !err && i < base.n; i++) {
		const struct gate_bench *b = &base.bench[i];
		const struct gate_bench *n = gate_find(&nw, b->name);
		struct gate_row *r = add_row(&c, b->name);

		if (!r) {
			err = -ENOMEM;
			break;
		}
		if (!n) {
			r->verdict = V_MISSING;
			r->n_base = b->n;
			snprintf(r->note, sizeof(r->note), "not in NEW");
			continue;
		}
		common++;
		if (!same_param(b->tasks, n->tasks) ||
		    !same_param(b->workers, n->workers) ||
		    !same_param(b->threads, n->threads)) {
			snprintf(c.why, sizeof(c.why),
				 "%s: BASE and NEW measured different "
				 "parameters under one name (tasks, workers "
				 "or threads)",
				 b->name);
			err = -EINVAL;
			break;
		}
		if (!same_param(b->workload_version, n->workload_version)) {
			snprintf(c.why, sizeof(c.why),
				 "%s: workload versions differ (BASE %g, NEW "
				 "%g): the kernel changed, its times are not "
				 "comparable",
				 b->name, b->workload_version,
				 n->workload_version);
			err = -EINVAL;
			break;
		}
		err = decide(&c, b, n, r);
	}
	for (size_t i = 0; !err && i < nw.n; i++) {
		struct gate_row *r;

		if (gate_find(&base, nw.bench[i].name))
			continue;
		r = add_row(&c, nw.bench[i].name);
		if (!r) {
			err = -ENOMEM;
			break;
		}
		r->verdict = V_NEW;
		r->n_new = nw.bench[i].n;
		snprintf(r->note, sizeof(r->note), "not in BASE");
	}
	if (!err && !common) {
		snprintf(c.why, sizeof(c.why),
			 "no common benchmarks between %s and %s", base_path,
			 new_path);
		err = -EINVAL;
	}
	if (err) {
		if (err == -ENOMEM)
			fprintf(stderr, "bench: compare: out of memory\n");
		else
			fprintf(stderr, "bench: compare: %s\n", c.why);
		goto out;
	}
	if (o->out_path) {
		err = write_out(o->out_path, &c, base_path, new_path);
		if (err) {
			fprintf(stderr, "bench: compare: --out %s: %s\n",
				o->out_path, strerror(-err));
			goto out;
		}
	}
	if (!o->quiet && gate_print_all(&c, base_path, new_path, stdout)) {
		fprintf(stderr, "bench: compare: writing the output failed\n");
		goto out;
	}
	if ((base.incomplete || nw.incomplete) && !o->quiet)
		fprintf(stderr,
			"bench: compare: warning: %s is an incomplete "
			"run (interrupted)\n",
			base.incomplete ? base_path : new_path);
	status = gate_count(&c, V_REGRESSED) ? EXIT_REGRESSED : 0;
out:
	fflush(stdout);
	ctx_free(&c);
	gate_set_free(&base);
	gate_set_free(&nw);
	return status;
}

int gate_main(int argc, char **argv)
{
	struct gate_options o;
	const char *files[2];
	int n_files = 0;

	gate_options_default(&o);
	for (int i = 1; i < argc; i++) {
		int got;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		got = gate_parse_option(&o, argc, argv, &i);
		if (got < 0)
			return EXIT_USAGE;
		if (got)
			continue;
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr,
				"bench: compare: %s: unknown option (see "
				"bench compare --help)\n",
				argv[i]);
			return EXIT_USAGE;
		}
		if (n_files == 2) {
			fprintf(stderr,
				"bench: compare: %s: only two files "
				"(BASE.json NEW.json)\n",
				argv[i]);
			return EXIT_USAGE;
		}
		files[n_files++] = argv[i];
	}
	if (n_files != 2) {
		fprintf(stderr,
			"bench: compare: usage: bench compare [OPTIONS] "
			"BASE.json NEW.json\n");
		return EXIT_USAGE;
	}
	return gate_compare_files(&o, files[0], files[1]);
}
