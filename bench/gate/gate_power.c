/*
 * bench gate-power: how often the A/B gate catches a known slowdown, and
 * how often it cries wolf, measured on this machine as it is.
 *
 * The design is simple: side B of each bench ab session is this very
 * binary with the workload's `work` parameter raised by a known fraction
 * (1%, 2%, 3%, 5%, 10% by default), so the true effect is known, and
 * effect 0 is an A/A session (the same binary and arguments on both
 * sides). B's run names carry its own work value, so they are renamed to
 * A's before the comparison, configuration by configuration. Sessions go
 * round the effects (session 1 of every effect, then session 2, ...), so
 * that a change of the machine's load during the measurement falls on
 * every effect alike. Each benchmark of each session is one comparison:
 * at effect 0 a "regressed" verdict is a false alarm, above 0 it is a
 * detection. The table gives the rate per effect with its 95% Wilson
 * interval (few sessions give wide intervals: the table says so instead
 * of hiding it), the median measured ratio (the effect the work change
 * really had), the pairs used and the seconds per session. Every ab
 * option (--sequential, --budget, --run-statistic, --runs) and compare
 * option (--metric, --threshold, --alpha) applies to every session, so the
 * table measures exactly the gate those options make.
 *
 * Layout of --power-dir (default bench-gate-power): power.json (the
 * table, machine-readable), power.md, and one folder per session with
 * its base.json, new.json and compare.json (the runs themselves are
 * removed after each session). SIGINT/SIGTERM stop the running session;
 * the table of the sessions completed is printed, exit 128 + signal.
 */
#include "gate.h"
#include "gate_ab.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gate_cmp.h"
#include "plan.h"
#include "pt_clock.h"
#include "pt_exit.h"
#include "pt_threshold.h"
#include "stats.h"

#define MAX_EFFECTS  16
#define MAX_SESSIONS 1000

struct effect_row {
	double effect; /* asked: the fraction of extra work */
	double work;   /* B's work parameter */
	char **b_args; /* B's bench arguments */
	int n_b_args;
	json_t *rename;	   /* B run name -> A run name */
	unsigned sessions; /* completed */
	unsigned flagged;  /* sessions with a "regressed" verdict */
	unsigned comparisons, regressed, improved, unchanged, inconclusive,
	    other;
	double pairs, seconds, max_seconds;
	double *ratios; /* one per comparison with a ratio */
	size_t n_ratios;
};

struct power {
	struct gate_ab_session ab; /* the settings of every session */
	struct gate_options o;
	const char *dir;
	unsigned sessions;
	struct effect_row rows[MAX_EFFECTS];
	unsigned n_rows;
	char **a_args;
	int n_a_args;
	const char *workload;
	double work; /* A's */
	double wall_s;
};

static void usage(FILE *f)
{
	fputs("usage: bench gate-power [OPTIONS] [BENCH ARGS...]\n"
	      "Measures the A/B gate: runs bench ab sessions of this binary "
	      "against itself\n(A/A) and against itself with the workload's "
	      "work parameter raised by each\neffect (A/B), and prints the "
	      "false-alarm rate and the detection rate.\n"
	      "  --sessions=N       sessions per effect (default 10)\n"
	      "  --effects=LIST     extra work, e.g. 0,1%,2%,3%,5%,10% (the "
	      "default; 0 is A/A)\n"
	      "  --power-dir=DIR    where sessions and power.json/power.md go "
	      "(default\n"
	      "                     bench-gate-power)\n"
	      "ab options (each session):\n",
	      f);
	gate_ab_print_option_help(f);
	fputs("compare options (--format and --out are set by gate-power):\n",
	      f);
	gate_print_option_help(f);
	fputs("The bench arguments must select one workload with a `work` "
	      "parameter\n(cpu-hash, cpu-float, ...) at one value.\n",
	      f);
}

static int parse_effects(struct power *p, const char *text)
{
	char buf[512], *save = NULL, *tok;

	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	p->n_rows = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		double e;

		if (p->n_rows == MAX_EFFECTS || pt_parse_threshold(tok, &e))
			return -EINVAL;
		p->rows[p->n_rows++].effect = e;
	}
	return p->n_rows ? 0 : -EINVAL;
}

/* Whether argument text "K=V" (or "WL.K=V") sets the work parameter. */
static bool sets_work(const char *kv)
{
	const char *eq = strchr(kv, '='),
		   *dot = memchr(kv, '.', eq ? (size_t)(eq - kv) : 0);
	const char *key = dot ? dot + 1 : kv;

	return eq && (size_t)(eq - key) == 4 && !strncmp(key, "work", 4);
}

/* B's arguments: A's without their work parameter, then --param with
 * B's work. */
static int make_b_args(struct power *p, struct effect_row *r)
{
	char *param = NULL;
	int n = 0;

	r->b_args = calloc((size_t)p->n_a_args + 3, sizeof(char *));
	if (!r->b_args ||
	    asprintf(&param, "%s.work=%.17g", p->workload, r->work) < 0)
		return -ENOMEM;
	for (int i = 0; i < p->n_a_args; i++) {
		const char *a = p->a_args[i];

		if ((!strcmp(a, "--param") || !strcmp(a, "-p")) &&
		    i + 1 < p->n_a_args && sets_work(p->a_args[i + 1])) {
			i++;
			continue;
		}
		if (!strncmp(a, "--param=", 8) && sets_work(a + 8))
			continue;
		r->b_args[n++] = p->a_args[i];
	}
	r->b_args[n++] = (char *)"--param";
	r->b_args[n++] = param;
	r->n_b_args = n;
	return 0;
}

/* Finds the workload and its work value in A's plan, then each effect's
 * B arguments and the names of B's configurations under A's. */
static int prepare(struct power *p)
{
	struct pt_plan a, b;
	int idx, err;

	err = gate_ab_plan(p->a_args, p->n_a_args, "gate-power", &a);
	if (err)
		return err;
	idx = wl_param_index(a.configs[0].wl, "work");
	for (size_t i = 0; i < a.n && idx >= 0; i++)
		if (a.configs[i].wl != a.configs[0].wl ||
		    a.configs[i].params[idx] != a.configs[0].params[idx])
			idx = -2;
	if (idx < 0) {
		fprintf(stderr,
			"bench: gate-power: the bench arguments must select "
			"one workload with a `work` parameter at one value "
			"(e.g. --workload=cpu-hash)\n");
		pt_plan_free(&a);
		return -EINVAL;
	}
	p->workload = a.configs[0].wl->name;
	p->work = a.configs[0].params[idx];
	for (unsigned k = 0; k < p->n_rows && !err; k++) {
		struct effect_row *r = &p->rows[k];
		const struct wl_param *wp = &a.configs[0].wl->params[idx];

		r->work = p->work * (1 + r->effect);
		if (wp->integer)
			r->work = round(r->work);
		if (r->effect > 0 &&
		    (r->work == p->work || r->work > wp->max)) {
			fprintf(stderr,
				"bench: gate-power: --effects: %g%% of work "
				"%g is not a different valid work value\n",
				100 * r->effect, p->work);
			err = -EINVAL;
			break;
		}
		if (r->effect == 0) {
			r->b_args = NULL; /* A/A: B runs A's arguments */
			continue;
		}
		err = make_b_args(p, r);
		if (err == -ENOMEM)
			fprintf(stderr, "bench: gate-power: out of memory\n");
		if (!err)
			err = gate_ab_plan(r->b_args, r->n_b_args, "gate-power",
					   &b);
		if (err)
			break;
		r->rename = json_object();
		for (size_t i = 0; i < a.n && i < b.n && r->rename; i++)
			json_object_set_new(r->rename, b.configs[i].name,
					    json_string(a.configs[i].name));
		if (!r->rename || a.n != b.n) {
			fprintf(stderr, "bench: gate-power: B's plan differs "
					"from A's\n");
			err = -EINVAL;
		}
		pt_plan_free(&b);
	}
	pt_plan_free(&a);
	return err;
}

/* Adds one session's compare.json to its effect's row. */
static int tally(struct effect_row *r, const char *path,
		 const struct gate_ab_session *s)
{
	json_t *root = json_load_file(path, 0, NULL), *e;
	json_t *list = json_object_get(root, "benchmarks");
	unsigned regressed = r->regressed;
	size_t i;

	if (!json_is_array(list)) {
		fprintf(stderr, "bench: gate-power: %s: not a comparison\n",
			path);
		json_decref(root);
		return -EINVAL;
	}
	json_array_foreach(list, i, e)
	{
		const char *v =
		    json_string_value(json_object_get(e, "verdict"));
		json_t *ratio = json_object_get(e, "ratio");
		double *grown;

		r->comparisons++;
		if (!v)
			r->other++;
		else if (!strcmp(v, "regressed"))
			r->regressed++;
		else if (!strcmp(v, "improved"))
			r->improved++;
		else if (!strcmp(v, "unchanged"))
			r->unchanged++;
		else if (!strcmp(v, "inconclusive"))
			r->inconclusive++;
		else
			r->other++;
		if (!json_is_number(ratio))
			continue;
		grown = realloc(r->ratios, (r->n_ratios + 1) * sizeof(*grown));
		if (!grown) {
			json_decref(root);
			return -ENOMEM;
		}
		r->ratios = grown;
		r->ratios[r->n_ratios++] = json_number_value(ratio);
	}
	r->sessions++;
	r->flagged += r->regressed > regressed;
	r->pairs += s->pairs;
	r->seconds += s->seconds;
	r->max_seconds = fmax(r->max_seconds, s->seconds);
	json_decref(root);
	return 0;
}

/* 95% Wilson score interval of k successes in n. */
static void wilson(unsigned k, unsigned n, double *lo, double *hi)
{
	const double z = 1.959963984540054;
	double p, c, h;

	if (!n) {
		*lo = 0;
		*hi = 1;
		return;
	}
	p = (double)k / n;
	c = (p + z * z / (2.0 * n)) / (1 + z * z / n);
	h = z * sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / (1 + z * z / n);
	*lo = fmax(0, c - h);
	*hi = fmin(1, c + h);
}

static double median_ratio(struct effect_row *r)
{
	return gate_median(r->ratios, r->n_ratios);
}

static void print_settings(const struct power *p, FILE *f, bool md)
{
	char pairs[64] = "";

	if (p->ab.budget_s > 0)
		snprintf(pairs, sizeof(pairs), ", budget %g s", p->ab.budget_s);
	fprintf(f,
		"%sbench gate-power%s: %s work %g, metric %s, threshold %g%%, "
		"alpha %g, %s%u pairs%s, %s of each run; %.0f s in all\n",
		md ? "`" : "", md ? "`" : "", p->workload, p->work, p->o.metric,
		100 * p->o.threshold, p->o.alpha,
		p->ab.sequential ? "sequential, at most " : "", p->ab.runs,
		pairs, p->ab.run_stat == GATE_RUN_MIN ? "min" : "median",
		p->wall_s);
}

static void print_table(struct power *p, FILE *f, bool md)
{
	print_settings(p, f, md);
	fputc('\n', f);
	if (md)
		fputs("| effect | work | sessions | comparisons | regressed | "
		      "rate | 95% CI | improved | inconclusive | measured "
		      "ratio | pairs/session | s/session (max) | sessions "
		      "flagged |\n"
		      "|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|"
		      "---:|---:|\n",
		      f);
	else
		fprintf(f,
			"%6s %10s %8s %11s %9s %6s %15s %8s %12s %8s %6s "
			"%15s %7s\n",
			"effect", "work", "sessions", "comparisons",
			"regressed", "rate", "95% CI", "improved",
			"inconclusive", "ratio", "pairs", "s/session (max)",
			"flagged");
	for (unsigned k = 0; k < p->n_rows; k++) {
		struct effect_row *r = &p->rows[k];
		double lo, hi,
		    rate = r->comparisons
			       ? (double)r->regressed / r->comparisons
			       : NAN;
		char ci[32], eff[32], secs[48];

		wilson(r->regressed, r->comparisons, &lo, &hi);
		snprintf(ci, sizeof(ci), "[%.0f%%, %.0f%%]", 100 * lo,
			 100 * hi);
		snprintf(eff, sizeof(eff), "%g%%%s", 100 * r->effect,
			 r->effect == 0 ? " A/A" : "");
		snprintf(secs, sizeof(secs), "%.1f (%.1f)",
			 r->sessions ? r->seconds / r->sessions : NAN,
			 r->max_seconds);
		fprintf(f,
			md ? "| %s | %g | %u | %u | %u | %.0f%% | %s | %u | %u "
			     "| %.4f | %.1f | %s | %u |\n"
			   : "%6s %10g %8u %11u %9u %5.0f%% %15s %8u %12u "
			     "%8.4f %6.1f %15s %7u\n",
			eff, r->work, r->sessions, r->comparisons, r->regressed,
			100 * rate, ci, r->improved, r->inconclusive,
			median_ratio(r),
			r->sessions ? r->pairs / r->sessions : NAN, secs,
			r->flagged);
	}
	fputs(md ? "\nrate: false alarms (regressed) at 0%, detections "
		   "above; ratio: the median measured NEW/BASE; flagged: "
		   "sessions with at least one regressed benchmark (what fails "
		   "a CI gate).\n"
		 : "\nrate: false alarms (regressed) at 0%, detections above; "
		   "ratio: the median\nmeasured NEW/BASE, the effect the work "
		   "change really had; flagged: sessions\nwith at least one "
		   "regressed benchmark (what fails a CI gate).\n",
	      f);
}

static int write_json(struct power *p, const char *path)
{
	json_t *root = json_object(), *list = json_array();
	int err = 0;

	if (!root || !list) {
		json_decref(root);
		json_decref(list);
		return -ENOMEM;
	}
	json_object_set_new(root, "procthread_gate_power_version",
			    json_integer(1));
	json_object_set_new(root, "workload", json_string(p->workload));
	json_object_set_new(root, "work", json_real(p->work));
	json_object_set_new(root, "metric", json_string(p->o.metric));
	json_object_set_new(root, "threshold", json_real(p->o.threshold));
	json_object_set_new(root, "alpha", json_real(p->o.alpha));
	json_object_set_new(root, "sequential", json_boolean(p->ab.sequential));
	json_object_set_new(root, "runs", json_integer(p->ab.runs));
	json_object_set_new(root, "budget_s", json_real(p->ab.budget_s));
	json_object_set_new(
	    root, "run_statistic",
	    json_string(p->ab.run_stat == GATE_RUN_MIN ? "min" : "median"));
	json_object_set_new(root, "wall_s", json_real(p->wall_s));
	for (unsigned k = 0; k < p->n_rows; k++) {
		struct effect_row *r = &p->rows[k];
		double lo, hi, med = median_ratio(r);

		wilson(r->regressed, r->comparisons, &lo, &hi);
		json_array_append_new(
		    list,
		    json_pack(
			"{s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
			"s:o, s:f, s:f, s:o, s:f, s:f, s:f}",
			"effect", r->effect, "work", r->work, "sessions",
			(json_int_t)r->sessions, "sessions_flagged",
			(json_int_t)r->flagged, "comparisons",
			(json_int_t)r->comparisons, "regressed",
			(json_int_t)r->regressed, "improved",
			(json_int_t)r->improved, "unchanged",
			(json_int_t)r->unchanged, "inconclusive",
			(json_int_t)r->inconclusive, "other",
			(json_int_t)r->other, "rate",
			r->comparisons
			    ? json_real((double)r->regressed / r->comparisons)
			    : json_null(),
			"rate_low", lo, "rate_high", hi, "median_ratio",
			isfinite(med) ? json_real(med) : json_null(),
			"mean_pairs",
			r->sessions ? r->pairs / r->sessions : 0.0,
			"mean_seconds",
			r->sessions ? r->seconds / r->sessions : 0.0,
			"max_seconds", r->max_seconds));
	}
	json_object_set_new(root, "effects", list);
	if (json_dump_file(root, path,
			   JSON_INDENT(2) | JSON_REAL_PRECISION(10)))
		err = -EIO;
	json_decref(root);
	return err;
}

static int parse_args(struct power *p, int argc, char **argv)
{
	unsigned long long v;

	p->a_args =
	    calloc((size_t)argc + 1 + GATE_AB_PRESET_ARGS, sizeof(char *));
	if (!p->a_args) {
		fprintf(stderr, "bench: gate-power: out of memory\n");
		return -ENOMEM;
	}
	if (gate_ab_preset(&p->ab, &p->o, "gate-power", argc, argv))
		return -EINVAL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *end;
		int got;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 1;
		}
		if (!strncmp(a, "--sessions=", 11)) {
			errno = 0;
			v = strtoull(a + 11, &end, 10);
			if (!a[11] || *end || errno || a[11] == '-' || !v ||
			    v > MAX_SESSIONS) {
				fprintf(
				    stderr,
				    "bench: gate-power: --sessions: invalid "
				    "value '%s' (1..%d)\n",
				    a + 11, MAX_SESSIONS);
				return -EINVAL;
			}
			p->sessions = (unsigned)v;
			continue;
		}
		if (!strncmp(a, "--effects=", 10)) {
			if (parse_effects(p, a + 10)) {
				fprintf(stderr,
					"bench: gate-power: --effects: invalid "
					"value '%s' (a list such as "
					"0,1%%,3%%; at most %d)\n",
					a + 10, MAX_EFFECTS);
				return -EINVAL;
			}
			continue;
		}
		if (!strncmp(a, "--power-dir=", 12) && a[12]) {
			p->dir = a + 12;
			continue;
		}
		if (!strncmp(a, "--format", 8) || !strncmp(a, "--out", 5) ||
		    !strncmp(a, "--baseline", 10) ||
		    !strncmp(a, "--ab-dir", 8) ||
		    !strncmp(a, "--benchmark_out", 15) ||
		    !strncmp(a, "--benchmark_format", 18)) {
			fprintf(stderr,
				"bench: gate-power: %s: set by gate-power\n",
				a);
			return -EINVAL;
		}
		got =
		    gate_ab_parse_option(&p->ab, "gate-power", argc, argv, &i);
		if (!got)
			got = gate_parse_option(&p->o, argc, argv, &i);
		if (got < 0)
			return -EINVAL;
		if (got)
			continue;
		p->a_args[p->n_a_args++] = argv[i];
	}
	if (p->ab.sequential && !p->ab.runs_given)
		p->ab.runs = 100;
	gate_ab_preset_args(&p->ab, p->a_args, &p->n_a_args);
	return prepare(p);
}

static void free_power(struct power *p)
{
	for (unsigned k = 0; k < p->n_rows; k++) {
		if (p->rows[k].n_b_args)
			free(p->rows[k].b_args[p->rows[k].n_b_args - 1]);
		free(p->rows[k].b_args);
		json_decref(p->rows[k].rename);
		free(p->rows[k].ratios);
	}
	free(p->a_args);
}

int gate_power_main(int argc, char **argv)
{
	struct power p = {.dir = "bench-gate-power", .sessions = 10};
	char self[PATH_MAX], dir[PATH_MAX], path[PATH_MAX + 32];
	double start;
	int status = EXIT_USAGE, err;
	FILE *md;

	gate_ab_defaults(&p.ab);
	gate_options_default(&p.o);
	parse_effects(&p, "0,1%,2%,3%,5%,10%");
	err = parse_args(&p, argc, argv);
	if (err) {
		status = err > 0 ? 0 : EXIT_USAGE;
		goto out;
	}
	if (gate_ab_self(self, sizeof(self)))
		goto out;
	if (mkdir(p.dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "bench: gate-power: --power-dir %s: %s\n",
			p.dir, strerror(errno));
		goto out;
	}
	p.o.format = GATE_JSON;
	p.o.quiet = true;
	p.ab.quiet = true;
	gate_ab_catch_signals();
	start = pt_now();
	for (unsigned s = 0; s < p.sessions && !gate_ab_signal(); s++) {
		for (unsigned j = 0; j < p.n_rows && !gate_ab_signal(); j++) {
			/* each round starts at another effect */
			unsigned k = (j + s) % p.n_rows;
			struct effect_row *r = &p.rows[k];
			struct gate_ab_session ab = p.ab;
			int rc;

			snprintf(dir, sizeof(dir), "%s/s%03u-e%g", p.dir, s + 1,
				 100 * r->effect);
			ab.dir = dir;
			ab.seed = p.ab.seed + s;
			ab.side[0] =
			    (struct gate_ab_side){self, p.a_args, p.n_a_args};
			ab.side[1] =
			    r->b_args ? (struct gate_ab_side){self, r->b_args,
							      r->n_b_args}
				      : ab.side[0];
			ab.rename = r->rename;
			rc = gate_ab_run(&ab, &p.o);
			gate_ab_remove_runs(dir);
			if (ab.interrupted)
				break;
			if (rc != 0 && rc != 1)
				goto out;
			if (tally(r, ab.compare_path, &ab))
				goto out;
			fprintf(stderr,
				"bench: gate-power: session %u/%u, effect "
				"%g%%: %u pairs, %.1f s\n",
				s + 1, p.sessions, 100 * r->effect, ab.pairs,
				ab.seconds);
		}
	}
	p.wall_s = pt_now() - start;
	print_table(&p, stdout, false);
	snprintf(path, sizeof(path), "%s/power.json", p.dir);
	if (write_json(&p, path))
		fprintf(stderr, "bench: gate-power: %s: write failed\n", path);
	snprintf(path, sizeof(path), "%s/power.md", p.dir);
	md = fopen(path, "w");
	if (md) {
		print_table(&p, md, true);
		fclose(md);
	}
	status = gate_ab_signal() ? 128 + gate_ab_signal() : 0;
	if (status)
		fprintf(stderr,
			"bench: gate-power: interrupted: the table holds the "
			"sessions completed\n");
out:
	free_power(&p);
	return status;
}
