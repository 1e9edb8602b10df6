/*
 * bench compare's output (see gate.c for the design): the verdict table as
 * text or Markdown, with its summary line, and the JSON document. Values
 * are formatted here: times with a readable unit, ratios, intervals and
 * p-values.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gate_internal.h"

static const char *const verdict_names[] = {
    [V_REGRESSED] = "regressed",
    [V_IMPROVED] = "improved",
    [V_UNCHANGED] = "unchanged",
    [V_INCONCLUSIVE] = "inconclusive",
    [V_ERROR] = "error",
    [V_MISSING] = "missing",
    [V_NEW] = "new",
};

/* Formats a metric value: times (in ns) with a readable unit. */
static void fmt_value(const struct gate_ctx *c, double v, char *buf, size_t len)
{
	static const char *const units[] = {"ns", "us", "ms", "s"};
	size_t u = 0;

	if (isnan(v)) {
		snprintf(buf, len, "-");
		return;
	}
	if (!c->metric.is_time) {
		snprintf(buf, len, "%.4g", v);
		return;
	}
	while (u < 3 && fabs(v) >= 1000) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, "%.4g %s", v, units[u]);
}

static void fmt_ratio(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (isinf(v))
		snprintf(buf, len, v > 0 ? "inf" : "-inf");
	else
		snprintf(buf, len, "%.3f", v);
}

static void fmt_ci(const struct gate_row *r, char *buf, size_t len)
{
	char lo[32], hi[32];

	if (isnan(r->ci_low)) {
		snprintf(buf, len, "-");
		return;
	}
	fmt_ratio(r->ci_low, lo, sizeof(lo));
	fmt_ratio(r->ci_high, hi, sizeof(hi));
	snprintf(buf, len, "[%s, %s]", lo, hi);
}

static void fmt_p(double p, char *buf, size_t len)
{
	if (isnan(p))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2g", p);
}

size_t gate_count(const struct gate_ctx *c, enum gate_verdict v)
{
	size_t k = 0;

	for (size_t i = 0; i < c->n_rows; i++)
		k += c->rows[i].verdict == v;
	return k;
}

static void print_summary(const struct gate_ctx *c, FILE *f, bool md)
{
	size_t reg = gate_count(c, V_REGRESSED);

	fprintf(f,
		"%s%s: %zu regressed, %zu improved, %zu unchanged, %zu "
		"inconclusive, %zu error, %zu missing, %zu new%s\n",
		md ? "**" : "", reg ? "REGRESSION" : "no regression", reg,
		gate_count(c, V_IMPROVED), gate_count(c, V_UNCHANGED),
		gate_count(c, V_INCONCLUSIVE), gate_count(c, V_ERROR),
		gate_count(c, V_MISSING), gate_count(c, V_NEW), md ? "**" : "");
}

/* Text inside a Markdown table cell: a '|' would end the cell, a backtick
 * the code span, a newline the row. */
static void put_md(FILE *f, const char *text)
{
	for (; *text; text++) {
		if (*text == '|')
			fputs("\\|", f);
		else if (*text == '`')
			fputc('\'', f);
		else if (*text == '\n' || *text == '\r')
			fputc(' ', f);
		else
			fputc(*text, f);
	}
}

static void print_text(const struct gate_ctx *c, const char *base_path,
		       const char *new_path, FILE *f, bool md)
{
	const char *dir = c->higher_is_better ? "higher" : "lower";
	int w = 9;
	char ci_head[32];

	snprintf(ci_head, sizeof(ci_head), "%.10g%% CI",
		 100 * (1 - c->o->alpha));
	for (size_t i = 0; i < c->n_rows; i++)
		if ((int)strlen(c->rows[i].name) > w)
			w = (int)strlen(c->rows[i].name);
	if (md) {
		fprintf(f,
			"### bench compare: `%s` vs `%s`\n\nmetric `%s` (%s "
			"is better), alpha %g, threshold %g%%\n\n",
			base_path, new_path, c->o->metric, dir, c->o->alpha,
			100 * c->o->threshold);
		fprintf(f,
			"| benchmark | base | new | ratio | %s | p | n | "
			"verdict | note |\n|---|---:|---:|---:|---|---:|"
			"---:|---|---|\n",
			ci_head);
	} else {
		fprintf(f,
			"bench compare: %s vs %s\nmetric %s (%s is better), "
			"alpha %g, threshold %g%%\n\n",
			base_path, new_path, c->o->metric, dir, c->o->alpha,
			100 * c->o->threshold);
		fprintf(f, "%-*s %10s %10s %7s %16s %8s %9s  %s\n", w,
			"benchmark", "base", "new", "ratio", ci_head, "p", "n",
			"verdict");
	}
	for (size_t i = 0; i < c->n_rows; i++) {
		const struct gate_row *r = &c->rows[i];
		char b[32], n[32], ratio[32], ci[96], p[32], reps[48];
		const char *verdict = verdict_names[r->verdict];

		fmt_value(c, r->median_base, b, sizeof(b));
		fmt_value(c, r->median_new, n, sizeof(n));
		fmt_ratio(r->ratio, ratio, sizeof(ratio));
		fmt_ci(r, ci, sizeof(ci));
		fmt_p(r->p_value, p, sizeof(p));
		if (r->pairs)
			snprintf(reps, sizeof(reps), "%zu pairs", r->pairs);
		else
			snprintf(reps, sizeof(reps), "%zu/%zu", r->n_base,
				 r->n_new);
		if (md) {
			fputs("| `", f);
			put_md(f, r->name);
			fprintf(f,
				"` | %s | %s | %s | %s | %s | %s | %s%s%s | ",
				b, n, ratio, ci, p, reps,
				r->verdict == V_REGRESSED ? "**" : "", verdict,
				r->verdict == V_REGRESSED ? "**" : "");
			put_md(f, r->note);
			fputs(" |\n", f);
		} else {
			fprintf(f, "%-*s %10s %10s %7s %16s %8s %9s  %s%s%s\n",
				w, r->name, b, n, ratio, ci, p, reps,
				r->verdict == V_REGRESSED ? "REGRESSED"
							  : verdict,
				*r->note ? ": " : "", r->note);
		}
	}
	fputc('\n', f);
	print_summary(c, f, md);
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static int print_json(const struct gate_ctx *c, const char *base_path,
		      const char *new_path, FILE *f)
{
	json_t *root = json_object(), *list = json_array();
	int err = 0;

	if (!root || !list) {
		json_decref(list);
		err = -ENOMEM;
		goto out;
	}
	json_object_set_new(root, "procthread_compare_version",
			    json_integer(1));
	json_object_set_new(root, "base", json_string(base_path));
	json_object_set_new(root, "new", json_string(new_path));
	json_object_set_new(root, "metric", json_string(c->o->metric));
	/* times are converted from each entry's time_unit */
	json_object_set_new(
	    root, "unit", c->metric.is_time ? json_string("ns") : json_null());
	json_object_set_new(root, "higher_is_better",
			    json_boolean(c->higher_is_better));
	json_object_set_new(root, "alpha", json_real(c->o->alpha));
	json_object_set_new(root, "threshold", json_real(c->o->threshold));
	json_object_set_new(root, "regression",
			    json_boolean(gate_count(c, V_REGRESSED) > 0));
	for (size_t i = 0; i < c->n_rows; i++) {
		const struct gate_row *r = &c->rows[i];
		const char *test = "";
		json_t *e;

		if (!isnan(r->p_value))
			test = r->pairs	  ? (r->exact ? "signed-rank exact"
						      : "signed-rank normal")
			       : r->exact ? "mann-whitney exact"
					  : "mann-whitney normal";
		e = json_pack(
		    "{s:s, s:s, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, "
		    "s:o, s:o, s:s, s:s}",
		    "name", r->name, "verdict", verdict_names[r->verdict],
		    "n_base", (json_int_t)r->n_base, "n_new",
		    (json_int_t)r->n_new, "pairs", (json_int_t)r->pairs,
		    "median_base", num_or_null(r->median_base), "median_new",
		    num_or_null(r->median_new), "ratio", num_or_null(r->ratio),
		    "ci_low", num_or_null(r->ci_low), "ci_high",
		    num_or_null(r->ci_high), "p_value", num_or_null(r->p_value),
		    "statistic", num_or_null(r->u_new), "threshold",
		    num_or_null(r->threshold), "test", test, "note", r->note);

		if (!e || json_array_append_new(list, e)) {
			err = -ENOMEM;
			break;
		}
	}
	json_object_set_new(root, "benchmarks", list);
	if (!err &&
	    (json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(12)) ||
	     fputc('\n', f) == EOF))
		err = -EIO;
out:
	json_decref(root);
	return err;
}

int gate_print_all(const struct gate_ctx *c, const char *base_path,
		   const char *new_path, FILE *f)
{
	if (c->o->format == GATE_JSON)
		return print_json(c, base_path, new_path, f);
	print_text(c, base_path, new_path, f, c->o->format == GATE_MD);
	return 0;
}
