/*
 * The --ci reduction (see ci.h). Entries are grouped by run_name in the
 * order they first appear; each group becomes one entry or none. The new
 * list replaces the old one in place, so the document keeps its context
 * and every other key as they were.
 */
#include "ci.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_json.h"

static const char *run_name(json_t *e)
{
	const char *n = json_string_value(json_object_get(e, "run_name"));

	return n ? n : json_string_value(json_object_get(e, "name"));
}

static double real_time(json_t *e)
{
	return json_number_value(json_object_get(e, "real_time"));
}

static int cmp_real(const void *a, const void *b)
{
	double x = real_time(*(json_t *const *)a);
	double y = real_time(*(json_t *const *)b);

	return (x > y) - (x < y);
}

/* The entry standing for one configuration's entries (all of one group). */
static json_t *reduce_group(json_t **group, size_t n)
{
	json_t *median = NULL, *first = NULL, *out;
	json_t **iters = calloc(n, sizeof(*iters));
	size_t niters = 0;
	char label[512];
	const char *old;

	if (!iters)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (pt_gb_is_aggregate(group[i])) {
			if (pt_gb_aggregate_is(group[i], "median"))
				median = group[i];
			continue;
		}
		if (!first)
			first = group[i];
		iters[niters++] = group[i];
	}
	if (!median && niters > 1) {
		/* No median aggregate (left out by a filter): the entry of
		 * the lower median job time. */
		qsort(iters, niters, sizeof(*iters), cmp_real);
		median = iters[(niters - 1) / 2];
	}
	out = json_deep_copy(median ? median : first);
	if (out && median && niters != 1) {
		json_int_t reps =
		    json_integer_value(json_object_get(out, "repetitions"));

		json_object_set_new(out, "name", json_string(run_name(out)));
		json_object_set_new(out, "run_type", json_string("iteration"));
		json_object_del(out, "aggregate_name");
		json_object_del(out, "aggregate_unit");
		json_object_set_new(out, "repetition_index", json_integer(0));
		if (first)
			json_object_set(out, "iterations",
					json_object_get(first, "iterations"));
		old = json_string_value(json_object_get(out, "label"));
		snprintf(label, sizeof(label), "%s%smedian of %lld repetitions",
			 old ? old : "", old ? "; " : "", (long long)reps);
		json_object_set_new(out, "label", json_string(label));
	}
	free(iters);
	return out;
}

int pt_ci_reduce(json_t *doc)
{
	json_t *all = json_object_get(doc, "benchmarks");
	json_t *ctx = json_object_get(doc, "context");
	size_t n = json_array_size(all), dropped = 0, used = 0;
	json_t **group = calloc(n ? n : 1, sizeof(*group));
	json_t *kept = json_array();
	char *done = calloc(n ? n : 1, 1);
	char errors[4096] = "";
	int rc = -ENOMEM;

	if (!group || !kept || !done)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const char *name = run_name(json_array_get(all, i));
		const char *error = NULL;
		size_t ng = 0;
		json_t *one;

		if (done[i] || !name)
			continue;
		for (size_t k = i; k < n; k++) {
			json_t *e = json_array_get(all, k);
			const char *other = run_name(e);

			if (done[k] || !other || strcmp(other, name))
				continue;
			done[k] = 1;
			group[ng++] = e;
			if (!error && pt_gb_failed(e))
				error = json_string_value(
				    json_object_get(e, "error_message"));
			if (!error && pt_gb_failed(e))
				error = "error";
		}
		if (error) {
			dropped++;
			if (used < sizeof(errors))
				used += (size_t)snprintf(
				    errors + used, sizeof(errors) - used,
				    "%s%s: %s", used ? "; " : "", name, error);
			continue;
		}
		one = reduce_group(group, ng);
		if (!one || json_array_append_new(kept, one))
			goto out;
	}
	if (json_is_object(ctx)) {
		json_object_set_new(
		    ctx, "procthread_ci",
		    json_string("one entry per configuration, named as the "
				"configuration: the median of its repetitions; "
				"errored configurations left out"));
		if (dropped)
			json_object_set_new(ctx, "procthread_ci_errors",
					    json_string(errors));
	}
	json_object_set(doc, "benchmarks", kept);
	rc = (int)dropped;
out:
	json_decref(kept);
	free(group);
	free(done);
	return rc;
}
