/*
 * Reading a results file into the report's model, and the analysis.
 *
 * A results file is Google Benchmark's JSON: a context object and a list of
 * entries. Entries with run_type "iteration" are repetitions; those with the
 * same run name are gathered into one point, whose median and quartiles come
 * from the repetitions themselves, not from Google Benchmark's aggregate
 * entries (which are skipped), except for a configuration that has only
 * aggregates (--benchmark_report_aggregates_only), where its median aggregate
 * stands for a single repetition. Every numeric field beyond Google
 * Benchmark's own is a counter; counters the report does not know are carried
 * along and shown as they are. Entries whose names do not follow procthread's
 * grammar (WORKLOAD/EXECUTOR/workers:W/...) are skipped and counted; a file
 * with none is refused, so a foreign file cannot produce an empty report.
 *
 * Invariant: after rep_load() every point with ntimes > 0 has finite, positive
 * times; every group has its series sorted by workers, serial first.
 */
#include "pt_json.h"
#include "rep_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const rep_gb_fields[] = {"family_index",
					    "per_family_instance_index",
					    "repetitions",
					    "repetition_index",
					    "threads",
					    "iterations",
					    "real_time",
					    "cpu_time",
					    NULL};

/* Counters with their own columns in the tables. */
static const char *const rep_known_counters[] = {
    "workers",		"tasks", "create_s", "create_per_worker_s", "stop_s",
    "items_per_second", NULL};

/* Name parts that belong to the series (executor options) not the group. */
static const char *const rep_series_keys[] = {
    "schedule:", "chunk:", "wait:", "start:", "ranks:", NULL};

/* Google Benchmark's own name suffixes, which are not configuration. */
static const char *const rep_gb_suffixes[] = {
    "manual_time", "real_time", "process_time",	    "threads:", "iterations:",
    "repeats:",	   "min_time:", "min_warmup_time:", NULL};

char *rep_strdup(const char *s)
{
	return strdup(s ? s : "");
}

char *rep_vprintf(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	return s;
}

char *rep_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = rep_vprintf(fmt, ap);
	va_end(ap);
	return s;
}

double rep_time_us(double value, const char *unit)
{
	if (!unit || !strcmp(unit, "ns"))
		return value / 1e3;
	if (!strcmp(unit, "us"))
		return value;
	if (!strcmp(unit, "ms"))
		return value * 1e3;
	if (!strcmp(unit, "s"))
		return value * 1e6;
	return NAN;
}

static bool rep_in_list(const char *const *list, const char *s, bool prefix)
{
	for (size_t i = 0; list[i]; i++)
		if (prefix ? !strncmp(s, list[i], strlen(list[i]))
			   : !strcmp(s, list[i]))
			return true;
	return false;
}

bool rep_counter_is_known(const char *name)
{
	return rep_in_list(rep_known_counters, name, false);
}

/* Appends "/part" to a growing string. */
static int rep_append(char **s, const char *part)
{
	char *joined = rep_printf("%s/%s", *s, part);
	if (!joined)
		return -ENOMEM;
	free(*s);
	*s = joined;
	return 0;
}

int rep_parse_name(const char *name, char **workload, char **executor,
		   unsigned *workers, char **series, char **group)
{
	int ret = -EINVAL;
	char *copy = rep_strdup(name), *save = NULL;
	char *parts[64];
	size_t nparts = 0;
	*workload = *executor = *series = *group = NULL;
	if (!copy)
		return -ENOMEM;
	for (char *p = strtok_r(copy, "/", &save); p && nparts < 64;
	     p = strtok_r(NULL, "/", &save))
		parts[nparts++] = p;
	if (nparts < 3 || strncmp(parts[2], "workers:", 8))
		goto out;
	char *end;
	errno = 0;
	unsigned long w = strtoul(parts[2] + 8, &end, 10);
	if (errno || *end || w == 0 || w > 1u << 20)
		goto out;
	*workers = (unsigned)w;
	ret = -ENOMEM;
	*workload = rep_strdup(parts[0]);
	*executor = rep_strdup(parts[1]);
	*series = rep_strdup(parts[1]);
	*group = rep_strdup(parts[0]);
	if (!*workload || !*executor || !*series || !*group)
		goto out;
	for (size_t i = 3; i < nparts; i++) {
		if (rep_in_list(rep_gb_suffixes, parts[i], true))
			continue;
		if (rep_append(rep_in_list(rep_series_keys, parts[i], true)
				   ? series
				   : group,
			       parts[i]))
			goto out;
	}
	ret = 0;
out:
	if (ret) {
		free(*workload);
		free(*executor);
		free(*series);
		free(*group);
		*workload = *executor = *series = *group = NULL;
	}
	free(copy);
	return ret;
}

static int rep_push_double(double **values, size_t *n, double value)
{
	double *grown = realloc(*values, (*n + 1) * sizeof(**values));
	if (!grown)
		return -ENOMEM;
	grown[(*n)++] = value;
	*values = grown;
	return 0;
}

static size_t rep_hash(const char *s)
{
	uint64_t h = 1469598103934665603u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return (size_t)h;
}

size_t rep_map_get(const struct rep_map *m, const char *key)
{
	if (!m->cap)
		return REP_MAP_NONE;
	for (size_t i = rep_hash(key) & (m->cap - 1);;
	     i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i])
			return REP_MAP_NONE;
		if (!strcmp(m->keys[i], key))
			return m->values[i];
	}
}

int rep_map_put(struct rep_map *m, const char *key, size_t value)
{
	if (2 * (m->n + 1) > m->cap) {
		struct rep_map grown = {.cap = m->cap ? 2 * m->cap : 64};
		grown.keys = calloc(grown.cap, sizeof(*grown.keys));
		grown.values = calloc(grown.cap, sizeof(*grown.values));
		if (!grown.keys || !grown.values) {
			rep_map_free(&grown);
			return -ENOMEM;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i])
				rep_map_put(&grown, m->keys[i], m->values[i]);
		rep_map_free(m);
		*m = grown;
	}
	size_t i = rep_hash(key) & (m->cap - 1);
	while (m->keys[i] && strcmp(m->keys[i], key))
		i = (i + 1) & (m->cap - 1);
	if (!m->keys[i])
		m->n++;
	m->keys[i] = key;
	m->values[i] = value;
	return 0;
}

void rep_map_free(struct rep_map *m)
{
	free(m->keys);
	free(m->values);
	*m = (struct rep_map){0};
}

static struct rep_point *rep_find_point(struct rep_file *file, const char *name)
{
	size_t i = rep_map_get(&file->point_index, name);
	return i == REP_MAP_NONE ? NULL : &file->points[i];
}

static int rep_note_counter_name(struct rep_file *file, const char *name)
{
	for (size_t i = 0; i < file->ncounter_names; i++)
		if (!strcmp(file->counter_names[i], name))
			return 0;
	char **grown = realloc(file->counter_names,
			       (file->ncounter_names + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	file->counter_names = grown;
	if (!(grown[file->ncounter_names] = rep_strdup(name)))
		return -ENOMEM;
	file->ncounter_names++;
	return 0;
}

static int rep_add_counter(struct rep_point *point, const char *name,
			   double value)
{
	struct rep_counter *c = NULL;
	for (size_t i = 0; i < point->ncounters; i++)
		if (!strcmp(point->counters[i].name, name))
			c = &point->counters[i];
	if (!c) {
		struct rep_counter *grown = realloc(
		    point->counters, (point->ncounters + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		point->counters = grown;
		c = &grown[point->ncounters];
		memset(c, 0, sizeof(*c));
		if (!(c->name = rep_strdup(name)))
			return -ENOMEM;
		point->ncounters++;
	}
	return rep_push_double(&c->values, &c->nvalues, value);
}

const struct rep_counter *rep_point_counter(const struct rep_point *point,
					    const char *name)
{
	for (size_t i = 0; i < point->ncounters; i++)
		if (!strcmp(point->counters[i].name, name))
			return &point->counters[i];
	return NULL;
}

/* The configuration name of an entry: run_name, or name without the
 * aggregate suffix. */
static char *rep_entry_run_name(json_t *entry)
{
	const char *run_name =
	    json_string_value(json_object_get(entry, "run_name"));
	if (run_name)
		return rep_strdup(run_name);
	const char *name = json_string_value(json_object_get(entry, "name"));
	const char *agg =
	    json_string_value(json_object_get(entry, "aggregate_name"));
	size_t len = strlen(name);
	if (agg && len > strlen(agg) + 1 &&
	    !strcmp(name + len - strlen(agg), agg) &&
	    name[len - strlen(agg) - 1] == '_')
		return strndup(name, len - strlen(agg) - 1);
	return rep_strdup(name);
}

/* Adds one entry to its point; *skipped is set for foreign names. */
static int rep_add_entry(struct rep_file *file, json_t *entry, size_t index,
			 bool aggregates, char *reason, size_t reason_size)
{
	int ret;
	bool is_aggregate = pt_gb_is_aggregate(entry);
	if (is_aggregate != aggregates)
		return 0;
	if (is_aggregate && !pt_gb_aggregate_is(entry, "median"))
		return 0;
	char *name = rep_entry_run_name(entry);
	char *workload = NULL, *executor = NULL, *series = NULL, *group = NULL;
	unsigned workers = 0;
	if (!name)
		return -ENOMEM;
	ret = rep_parse_name(name, &workload, &executor, &workers, &series,
			     &group);
	if (ret == -EINVAL) {
		if (!aggregates)
			file->nskipped++;
		ret = 0;
		goto out;
	}
	if (ret)
		goto out;
	struct rep_point *point = rep_find_point(file, name);
	if (point && aggregates && point->ntimes > 0)
		goto out; /* repetitions exist: the aggregate is not needed */
	if (!point) {
		struct rep_point *grown =
		    realloc(file->points, (file->npoints + 1) * sizeof(*grown));
		ret = -ENOMEM;
		if (!grown)
			goto out;
		file->points = grown;
		point = &grown[file->npoints++];
		memset(point, 0, sizeof(*point));
		point->name = name;
		if ((ret = rep_map_put(&file->point_index, point->name,
				       file->npoints - 1))) {
			point->name = NULL;
			file->npoints--;
			goto out;
		}
		point->workload = workload;
		point->executor = executor;
		point->series = series;
		point->group = group;
		point->workers = workers;
		name = workload = executor = series = group = NULL;
	}
	if (pt_gb_failed(entry)) {
		if (!point->error) {
			const char *msg = json_string_value(
			    json_object_get(entry, "error_message"));
			point->error = true;
			point->error_message = rep_strdup(msg ? msg : "error");
			file->nerrors++;
		}
		ret = 0;
		goto out;
	}
	json_t *real = json_object_get(entry, "real_time");
	json_t *unit_value = json_object_get(entry, "time_unit");
	const char *unit = json_string_value(unit_value);
	double us = json_is_number(real) && (!unit_value || unit)
			? rep_time_us(json_number_value(real), unit)
			: NAN;
	if (!isfinite(us) || us <= 0) {
		snprintf(reason, reason_size,
			 "entry %zu (%s): no valid real_time/time_unit", index,
			 point->name);
		ret = -EINVAL;
		goto out;
	}
	if ((ret = rep_push_double(&point->times_us, &point->ntimes, us)))
		goto out;
	const char *key;
	json_t *value;
	json_object_foreach(entry, key, value)
	{
		if (!json_is_number(value) ||
		    rep_in_list(rep_gb_fields, key, false))
			continue;
		if ((ret =
			 rep_add_counter(point, key, json_number_value(value))))
			goto out;
		if (!rep_counter_is_known(key) &&
		    (ret = rep_note_counter_name(file, key)))
			goto out;
	}
	ret = 0;
out:
	free(name);
	free(workload);
	free(executor);
	free(series);
	free(group);
	return ret;
}

static int rep_cmp_point_workers(const void *a, const void *b)
{
	const struct rep_point *x = *(struct rep_point *const *)a;
	const struct rep_point *y = *(struct rep_point *const *)b;
	return (x->workers > y->workers) - (x->workers < y->workers);
}

static char *rep_slug(const char *key, const char *label)
{
	char *slug = rep_printf("%s-%s", label, key);
	if (!slug)
		return NULL;
	for (char *p = slug; *p; p++) {
		if (*p == '/')
			*p = '_';
		else if (!(isalnum((unsigned char)*p) || *p == '.' ||
			   *p == '-' || *p == '_'))
			*p = '-';
	}
	return slug;
}

static int rep_group_points_indexed(struct rep_file *file,
				    struct rep_map *by_key);

static int rep_group_points(struct rep_file *file)
{
	struct rep_map by_key = {0}; /* group key -> index in groups */
	int ret = rep_group_points_indexed(file, &by_key);
	rep_map_free(&by_key);
	return ret;
}

static int rep_group_points_indexed(struct rep_file *file,
				    struct rep_map *by_key)
{
	for (size_t i = 0; i < file->npoints; i++) {
		struct rep_point *p = &file->points[i];
		struct rep_group *g = NULL;
		size_t gi = rep_map_get(by_key, p->group);
		if (gi != REP_MAP_NONE)
			g = &file->groups[gi];
		if (!g) {
			struct rep_group *grown = realloc(
			    file->groups, (file->ngroups + 1) * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			file->groups = grown;
			g = &grown[file->ngroups++];
			memset(g, 0, sizeof(*g));
			g->key = rep_strdup(p->group);
			g->workload = rep_strdup(p->workload);
			g->slug = rep_slug(p->group, file->label);
			if (!g->key || !g->workload || !g->slug ||
			    rep_map_put(by_key, g->key, file->ngroups - 1))
				return -ENOMEM;
		}
		if (p->workers > g->max_workers)
			g->max_workers = p->workers;
		struct rep_series *s = NULL;
		for (size_t j = 0; j < g->nseries; j++)
			if (!strcmp(g->series[j].name, p->series))
				s = &g->series[j];
		if (!s) {
			struct rep_series *grown = realloc(
			    g->series, (g->nseries + 1) * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			g->series = grown;
			s = &grown[g->nseries++];
			memset(s, 0, sizeof(*s));
			if (!(s->name = rep_strdup(p->series)))
				return -ENOMEM;
		}
		struct rep_point **pts =
		    realloc(s->points, (s->npoints + 1) * sizeof(*pts));
		if (!pts)
			return -ENOMEM;
		s->points = pts;
		pts[s->npoints++] = p;
		if (!strcmp(p->executor, "serial") && p->workers == 1 &&
		    !g->serial && p->ntimes > 0)
			g->serial = p;
	}
	for (size_t i = 0; i < file->ngroups; i++) {
		struct rep_group *g = &file->groups[i];
		for (size_t j = 0; j < g->nseries; j++)
			qsort(g->series[j].points, g->series[j].npoints,
			      sizeof(struct rep_point *),
			      rep_cmp_point_workers);
		/* serial first: it is the baseline the others are read against
		 */
		for (size_t j = 1; j < g->nseries; j++) {
			if (strcmp(g->series[j].name, "serial"))
				continue;
			struct rep_series serial = g->series[j];
			memmove(&g->series[1], &g->series[0],
				j * sizeof(serial));
			g->series[0] = serial;
		}
	}
	return 0;
}

static unsigned rep_context_cpus(json_t *context)
{
	const char *keys[] = {"online_cpus", "num_cpus"};
	for (size_t i = 0; i < 2; i++) {
		json_t *v = json_object_get(context, keys[i]);
		double n = NAN;
		if (json_is_number(v))
			n = json_number_value(v);
		else if (json_is_string(v))
			n = strtod(json_string_value(v), NULL);
		if (n >= 1 && n < 1e6)
			return (unsigned)n;
	}
	return 0;
}

int rep_load_json(json_t *root, struct rep_file *file, char *reason,
		  size_t reason_size)
{
	int ret;
	json_t *context = json_object_get(root, "context");
	json_t *entries = json_object_get(root, "benchmarks");
	if (!json_is_object(root) || !json_is_object(context) ||
	    !json_is_array(entries)) {
		snprintf(reason, reason_size,
			 "not Google Benchmark results (needs a \"context\" "
			 "object and a \"benchmarks\" array)");
		return -EINVAL;
	}
	file->context = json_incref(context);
	if (json_is_array(json_object_get(root, "claims")))
		file->claims = json_incref(json_object_get(root, "claims"));
	file->online_cpus = rep_context_cpus(context);
	for (int pass = 0; pass < 2; pass++) {
		size_t i;
		json_t *entry;
		json_array_foreach(entries, i, entry)
		{
			if (!json_is_object(entry) ||
			    !json_is_string(json_object_get(entry, "name"))) {
				snprintf(reason, reason_size,
					 "entry %zu is not an object with a "
					 "\"name\"",
					 i);
				return -EINVAL;
			}
			if ((ret = rep_add_entry(file, entry, i, pass == 1,
						 reason, reason_size)))
				return ret;
		}
	}
	if (file->npoints == 0) {
		snprintf(reason, reason_size,
			 "no procthread entries (names must look like "
			 "WORKLOAD/EXECUTOR/workers:W/...)");
		return -EINVAL;
	}
	for (size_t i = 0; i < file->npoints; i++) {
		struct rep_point *p = &file->points[i];
		if (p->ntimes)
			rep_median_iqr(p->times_us, p->ntimes, &p->median_us,
				       &p->q1_us, &p->q3_us);
		else
			p->median_us = p->q1_us = p->q3_us = NAN;
		for (size_t j = 0; j < p->ncounters; j++) {
			double q1, q3;
			rep_median_iqr(p->counters[j].values,
				       p->counters[j].nvalues,
				       &p->counters[j].median, &q1, &q3);
		}
		const struct rep_counter *tasks = rep_point_counter(p, "tasks");
		const char *t = strstr(p->group, "/tasks:");
		p->tasks = tasks && tasks->median > 0 ? tasks->median
			   : t			      ? strtod(t + 7, NULL)
						      : 0;
	}
	return rep_group_points(file);
}

int rep_load(const char *path, struct rep_file *file, char *reason,
	     size_t reason_size)
{
	char *label = file->label; /* the caller may name the file */
	memset(file, 0, sizeof(*file));
	file->label = label ? label : rep_strdup("f1");
	if (!(file->path = rep_strdup(path)) || !file->label)
		return -ENOMEM;
	int err;
	json_t *root = pt_json_load(path, JSON_REJECT_DUPLICATES, &err, reason,
				    reason_size);
	if (!root)
		return err;
	char inner[REP_REASON_MAX - 64];
	int ret = rep_load_json(root, file, inner, sizeof(inner));
	json_decref(root);
	if (ret)
		snprintf(reason, reason_size, "%s: %s", path, inner);
	return ret;
}

void rep_analyse(struct rep_file *file)
{
	unsigned cpus = file->online_cpus ? file->online_cpus : 1;
	for (size_t gi = 0; gi < file->ngroups; gi++) {
		struct rep_group *g = &file->groups[gi];
		const struct rep_point *base = g->serial;
		for (size_t si = 0; si < g->nseries; si++) {
			struct rep_series *s = &g->series[si];
			const struct rep_point *own1 = NULL;
			for (size_t k = 0; k < s->npoints; k++)
				if (s->points[k]->workers == 1 &&
				    s->points[k]->ntimes)
					own1 = s->points[k];
			double *w = calloc(s->npoints + 1, sizeof(*w));
			double *c = calloc(s->npoints + 1, sizeof(*c));
			for (size_t k = 0; k < s->npoints; k++) {
				struct rep_point *p = s->points[k];
				double t = p->median_us;
				double used =
				    p->workers < cpus ? p->workers : cpus;
				p->speedup = p->speedup_lo = p->speedup_hi =
				    NAN;
				p->efficiency = p->efficiency_per_worker = NAN;
				p->overhead_job_us = p->overhead_task_us = NAN;
				p->time_per_task_us = p->capacity = NAN;
				if (!p->ntimes)
					continue;
				if (p->tasks > 0)
					p->time_per_task_us = t / p->tasks;
				if (own1)
					p->capacity = own1->median_us / t;
				if (w && c) {
					w[k] = p->workers;
					c[k] = p->capacity;
				}
				if (!base)
					continue;
				p->speedup = base->median_us / t;
				p->speedup_lo = base->q1_us / p->q3_us;
				p->speedup_hi = base->q3_us / p->q1_us;
				p->efficiency = p->speedup / used;
				p->efficiency_per_worker =
				    p->speedup / p->workers;
				p->overhead_job_us = t - base->median_us / used;
				if (p->tasks > 0)
					p->overhead_task_us =
					    p->overhead_job_us / p->tasks;
			}
			if (!own1) {
				s->amdahl.status = s->usl.status = -EDOM;
				s->amdahl.serial_fraction = s->amdahl.r2 = NAN;
				s->usl.sigma = s->usl.kappa = NAN;
				s->usl.peak_workers = s->usl.r2 = NAN;
				snprintf(s->amdahl.reason,
					 sizeof(s->amdahl.reason),
					 "no successful workers:1 run");
				snprintf(s->usl.reason, sizeof(s->usl.reason),
					 "no successful workers:1 run");
			} else if (w && c) {
				rep_fit_amdahl(w, c, s->npoints, &s->amdahl);
				rep_fit_usl(w, c, s->npoints, &s->usl);
			}
			free(w);
			free(c);
		}
	}
}

static int rep_cmp_ratio(const void *a, const void *b)
{
	const struct rep_ratio *x = a, *y = b;
	return (x->ratio < y->ratio) - (x->ratio > y->ratio);
}

int rep_compare(const struct rep_file *base, const struct rep_file *other,
		double threshold, struct rep_ratio **ratios, size_t *nratios)
{
	*ratios = NULL;
	*nratios = 0;
	struct rep_ratio *list = calloc(other->npoints + 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < other->npoints; i++) {
		const struct rep_point *o = &other->points[i];
		size_t j = rep_map_get(&base->point_index, o->name);
		const struct rep_point *b =
		    j == REP_MAP_NONE ? NULL : &base->points[j];
		if (!b || !b->ntimes || !o->ntimes)
			continue;
		struct rep_ratio *r = &list[n++];
		r->base = b;
		r->other = o;
		r->ratio = o->median_us / b->median_us;
		int ret = rep_bootstrap_ratio(
		    b->times_us, b->ntimes, o->times_us, o->ntimes,
		    REP_BOOTSTRAP_ROUNDS, REP_BOOTSTRAP_SEED, 0.95, &r->lo,
		    &r->hi);
		if (ret) {
			free(list);
			return ret;
		}
		r->regression = r->ratio > 1 + threshold && r->lo > 1;
		r->improvement = r->ratio < 1 / (1 + threshold) && r->hi < 1;
	}
	qsort(list, n, sizeof(*list), rep_cmp_ratio);
	*ratios = list;
	*nratios = n;
	return 0;
}

void rep_file_free(struct rep_file *file)
{
	rep_map_free(&file->point_index);
	free(file->ratios);
	for (size_t i = 0; i < file->npoints; i++) {
		struct rep_point *p = &file->points[i];
		free(p->name);
		free(p->workload);
		free(p->executor);
		free(p->series);
		free(p->group);
		free(p->error_message);
		free(p->times_us);
		for (size_t j = 0; j < p->ncounters; j++) {
			free(p->counters[j].name);
			free(p->counters[j].values);
		}
		free(p->counters);
	}
	for (size_t i = 0; i < file->ngroups; i++) {
		struct rep_group *g = &file->groups[i];
		for (size_t j = 0; j < g->nseries; j++) {
			free(g->series[j].name);
			free(g->series[j].points);
		}
		free(g->series);
		free(g->key);
		free(g->workload);
		free(g->slug);
	}
	for (size_t i = 0; i < file->ncounter_names; i++)
		free(file->counter_names[i]);
	free(file->counter_names);
	free(file->groups);
	free(file->points);
	free(file->path);
	free(file->label);
	json_decref(file->context);
	json_decref(file->claims);
	memset(file, 0, sizeof(*file));
}

const char *const rep_breakdown_names[REP_BREAKDOWN_PARTS] = {
    "create", "dispatch", "compute", "gil wait", "idle", "return", "stop"};

double rep_breakdown_part(const struct rep_breakdown *b, int i)
{
	const double parts[REP_BREAKDOWN_PARTS] = {
	    b->create, b->dispatch, b->compute, b->gil_wait,
	    b->idle,   b->ret,	    b->stop};
	return i >= 0 && i < REP_BREAKDOWN_PARTS ? parts[i] : NAN;
}

/* Median of a counter in microseconds, or fallback when absent. */
static double rep_counter_us(const struct rep_point *p, const char *name,
			     double fallback)
{
	const struct rep_counter *c = rep_point_counter(p, name);
	return c && isfinite(c->median) ? c->median * 1e6 : fallback;
}

bool rep_point_breakdown(const struct rep_point *p, struct rep_breakdown *b)
{
	*b = (struct rep_breakdown){.gil_wait = NAN};
	if (!p->ntimes || p->error || !rep_point_counter(p, "probe_wall_s"))
		return false;
	b->dispatch = rep_counter_us(p, "dispatch_s", NAN);
	b->compute = rep_counter_us(p, "compute_s", NAN);
	b->idle = rep_counter_us(p, "idle_s", NAN);
	b->ret = rep_counter_us(p, "return_s", NAN);
	if (!isfinite(b->dispatch) || !isfinite(b->compute) ||
	    !isfinite(b->idle) || !isfinite(b->ret))
		return false;
	b->create = rep_counter_us(p, "create_s", 0);
	b->stop = rep_counter_us(p, "stop_s", 0);
	double gil = rep_counter_us(p, "gil_wait_s", NAN);
	if (isfinite(gil)) {
		gil /= p->workers ? p->workers : 1;
		b->gil_wait =
		    gil < b->compute ? (gil > 0 ? gil : 0) : b->compute;
		b->compute -= b->gil_wait;
	}
	b->total = 0;
	for (int i = 0; i < REP_BREAKDOWN_PARTS; i++)
		if (isfinite(rep_breakdown_part(b, i)))
			b->total += rep_breakdown_part(b, i);
	return true;
}

bool rep_group_has_breakdown(const struct rep_group *g)
{
	struct rep_breakdown b;
	for (size_t i = 0; i < g->nseries; i++)
		for (size_t k = 0; k < g->series[i].npoints; k++)
			if (rep_point_breakdown(g->series[i].points[k], &b))
				return true;
	return false;
}
