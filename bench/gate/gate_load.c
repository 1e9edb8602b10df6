/*
 * Reading Google Benchmark JSON for the regression gate.
 *
 * Any program's Google Benchmark output is accepted: a root object with a
 * "benchmarks" array of objects, each with a string "name". Repetitions are
 * the entries with run_type "iteration" (or no run_type: old versions) that
 * share a run_name; they are the samples. Aggregate entries (mean, median,
 * stddev, cv) are counted and otherwise ignored, except that a benchmark
 * run with aggregates only gets its median aggregate as a single sample.
 * An entry with error_occurred is recorded with its message and never
 * sampled. Files written by bench ab number each sample's run pair
 * (procthread_ab_pair), which lets the gate use a paired test. Everything
 * else is checked before use: the input is untrusted,
 * and a wrong type or a missing field is an error with a message, never a
 * crash. Times are converted to nanoseconds using time_unit.
 */
#include "gate_load.h"
#include "pt_json.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Files from other programs may hold many thousands of entries: names are
 * found through a jansson object used as a hash table. */
static struct gate_bench *find_or_add(struct gate_set *set, const char *name)
{
	json_t *at = json_object_get(set->index, name);
	struct gate_bench *b;

	if (at)
		return &set->bench[json_integer_value(at)];
	if (json_object_set_new(set->index, name,
				json_integer((json_int_t)set->n)))
		return NULL;
	b = realloc(set->bench, (set->n + 1) * sizeof(*b));
	if (!b)
		return NULL;
	set->bench = b;
	b = &set->bench[set->n];
	memset(b, 0, sizeof(*b));
	b->name = strdup(name);
	if (!b->name)
		return NULL;
	b->tasks = b->workers = b->threads = b->workload_version = NAN;
	set->n++;
	return b;
}

static double time_scale(const char *unit)
{
	if (!unit || !strcmp(unit, "ns"))
		return 1;
	if (!strcmp(unit, "us"))
		return 1e3;
	if (!strcmp(unit, "ms"))
		return 1e6;
	if (!strcmp(unit, "s"))
		return 1e9;
	return 0;
}

/* Records a parameter; a second, different value under one name is an
 * error (the same name measured two different things). */
static int set_param(double *slot, json_t *entry, const char *key)
{
	json_t *v = json_object_get(entry, key);
	double x;

	if (!v)
		return 0;
	if (!json_is_number(v))
		return -EINVAL;
	x = json_number_value(v);
	if (isnan(*slot))
		*slot = x;
	else if (*slot != x)
		return -EDOM;
	return 0;
}

static int add_sample(struct gate_bench *b, double x, double pair)
{
	double *s = realloc(b->samples, (b->n + 1) * sizeof(*s));
	double *p;

	if (!s)
		return -ENOMEM;
	b->samples = s;
	p = realloc(b->pair, (b->n + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	b->pair = p;
	b->pair[b->n] = pair;
	b->samples[b->n++] = x;
	return 0;
}

/* bench ab numbers the run pair of each entry; anything else has none. */
static double pair_of(json_t *entry)
{
	json_t *v = json_object_get(entry, "procthread_ab_pair");

	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return NAN;
	return json_number_value(v);
}

static int read_entry(struct gate_set *set, json_t *entry, size_t index,
		      const struct gate_metric *metric, char *why,
		      size_t why_len)
{
	json_t *name = json_object_get(entry, "name");
	json_t *run_name, *run_type;
	const char *type = "iteration", *key;
	struct gate_bench *b;
	double x, scale = 1;

	if (!json_is_object(entry) || !json_is_string(name)) {
		snprintf(why, why_len, "benchmarks[%zu]: no string \"name\"",
			 index);
		return -EINVAL;
	}
	run_name = json_object_get(entry, "run_name");
	if (!json_is_string(run_name))
		run_name = name;
	run_type = json_object_get(entry, "run_type");
	if (json_is_string(run_type))
		type = json_string_value(run_type);
	b = find_or_add(set, json_string_value(run_name));
	if (!b)
		return -ENOMEM;
	if (pt_gb_failed(entry)) {
		json_t *msg = json_object_get(entry, "error_message");

		if (!b->error) {
			b->error =
			    strdup(json_is_string(msg) ? json_string_value(msg)
						       : "error (no message)");
			if (!b->error)
				return -ENOMEM;
		}
		return 0;
	}
	bool aggregate = !strcmp(type, "aggregate");
	if (!aggregate) {
		/* Aggregates carry aggregated counters (a stddev of tasks is
		 * 0): only repetitions tell the parameters. */
		const char *param_keys[] = {"tasks", "workers", "threads",
					    "workload_version"};
		double *param_slots[] = {&b->tasks, &b->workers, &b->threads,
					 &b->workload_version};
		for (size_t k = 0; k < 4; k++) {
			int err =
			    set_param(param_slots[k], entry, param_keys[k]);

			if (err) {
				snprintf(why, why_len, "%s: %s", b->name,
					 err == -EDOM
					     ? "different parameters under "
					       "one name ("
					     : "not a number (");
				size_t used = strlen(why);
				snprintf(why + used, why_len - used, "%s)",
					 param_keys[k]);
				return -EINVAL;
			}
		}
	}
	if (aggregate) {
		json_t *agg = json_object_get(entry, "aggregate_name");

		b->n_aggregates++;
		/* A median aggregate stands in only when there are no
		 * iterations at all (--benchmark_report_aggregates_only). */
		if (!json_is_string(agg) ||
		    strcmp(json_string_value(agg), "median"))
			return 0;
	} else if (strcmp(type, "iteration")) {
		return 0; /* an unknown run_type: not a sample */
	}
	key = metric->name;
	if (gate_metric_value(entry, key, &x)) {
		snprintf(why, why_len, "%s: no numeric \"%s\"", b->name, key);
		return -EINVAL;
	}
	if (metric->is_time) {
		json_t *unit = json_object_get(entry, "time_unit");

		if (unit && !json_is_string(unit))
			scale = 0;
		else
			scale =
			    time_scale(unit ? json_string_value(unit) : NULL);
		if (!scale) {
			snprintf(why, why_len, "%s: unknown \"time_unit\"",
				 b->name);
			return -EINVAL;
		}
	}
	x *= scale;
	if (!isfinite(x)) {
		snprintf(why, why_len, "%s: \"%s\" is not finite", b->name,
			 key);
		return -EINVAL;
	}
	if (metric->is_time && x <= 0) {
		snprintf(why, why_len, "%s: \"%s\" is not a positive time",
			 b->name, key);
		return -EINVAL;
	}
	if (aggregate) {
		/* Kept in samples[0] without counting it: it becomes the one
		 * sample only if no iteration entry shows up (gate_load()),
		 * and the first iteration sample overwrites it. */
		if (b->n == 0) {
			int err = add_sample(b, x, NAN);

			b->n = 0;
			return err;
		}
		return 0;
	}
	return add_sample(b, x, pair_of(entry));
}

int gate_metric_value(json_t *entry, const char *metric, double *out)
{
	const char *part = metric;

	*out = 0;
	for (;;) {
		size_t len = strcspn(part, "+");
		char key[256];
		json_t *v;

		if (!len || len >= sizeof(key))
			return -EINVAL;
		memcpy(key, part, len);
		key[len] = '\0';
		v = json_object_get(entry, key);
		if (!json_is_number(v))
			return -EINVAL;
		*out += json_number_value(v);
		if (!part[len])
			return 0;
		part += len + 1;
	}
}

int gate_load(const char *path, const struct gate_metric *metric,
	      struct gate_set *set, char *why, size_t why_len)
{
	json_t *root, *list, *context;
	int err = 0;

	memset(set, 0, sizeof(*set));
	set->path = strdup(path);
	set->index = json_object();
	if (!set->path || !set->index)
		return -ENOMEM;
	/* Duplicated keys are refused: which value counts is a guess. */
	root =
	    pt_json_load(path, JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES,
			 &err, why, why_len);
	if (!root)
		return err == -ENOMEM ? -ENOMEM : -EINVAL;
	list = json_object_get(root, "benchmarks");
	if (!json_is_object(root) || !json_is_array(list)) {
		snprintf(why, why_len,
			 "%s: not Google Benchmark JSON (no \"benchmarks\" "
			 "array)",
			 path);
		err = -EINVAL;
		goto out;
	}
	context = json_object_get(root, "context");
	if (json_is_object(context)) {
		json_t *v =
		    json_object_get(context, "procthread_schema_version");
		char buf[64];

		if (json_is_string(v))
			snprintf(buf, sizeof(buf), "%s", json_string_value(v));
		else if (json_is_number(v))
			snprintf(buf, sizeof(buf), "%g", json_number_value(v));
		if (v) {
			if (!json_is_string(v) && !json_is_number(v))
				snprintf(buf, sizeof(buf), "(not a number)");
			set->schema_version = strdup(buf);
			if (!set->schema_version) {
				err = -ENOMEM;
				goto out;
			}
		}
		v = json_object_get(context, "procthread_ab_session");
		if (json_is_string(v)) {
			set->ab_session = strdup(json_string_value(v));
			if (!set->ab_session) {
				err = -ENOMEM;
				goto out;
			}
		}
		set->incomplete =
		    json_object_get(context, "procthread_incomplete") != NULL;
	}
	for (size_t i = 0; i < json_array_size(list); i++) {
		char inner[512] = "";

		err = read_entry(set, json_array_get(list, i), i, metric, inner,
				 sizeof(inner));
		if (err) {
			if (err == -ENOMEM)
				snprintf(why, why_len, "%s: out of memory",
					 path);
			else
				snprintf(why, why_len, "%s: %s", path, inner);
			goto out;
		}
	}
	/* Aggregates-only benchmarks: their median is their one sample. */
	for (size_t i = 0; i < set->n; i++) {
		struct gate_bench *b = &set->bench[i];

		if (b->n == 0 && b->samples)
			b->n = 1;
		b->paired = b->n > 0;
		for (size_t k = 0; k < b->n; k++)
			if (isnan(b->pair[k]))
				b->paired = false;
	}
	if (set->n == 0) {
		snprintf(why, why_len, "%s: no benchmarks", path);
		err = -EINVAL;
	}
out:
	json_decref(root);
	return err;
}

const struct gate_bench *gate_find(const struct gate_set *set, const char *name)
{
	json_t *at = json_object_get(set->index, name);

	return at ? &set->bench[json_integer_value(at)] : NULL;
}

void gate_set_free(struct gate_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->bench[i].name);
		free(set->bench[i].samples);
		free(set->bench[i].pair);
		free(set->bench[i].error);
	}
	free(set->bench);
	free(set->path);
	free(set->schema_version);
	free(set->ab_session);
	json_decref(set->index);
	memset(set, 0, sizeof(*set));
}
