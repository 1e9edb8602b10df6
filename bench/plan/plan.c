/*
 * Plan expansion. Parameter values are parsed here, per workload, so that an
 * unknown key or a bad value is refused before anything runs. A --param with
 * a list of values sweeps: the plan holds the cartesian product of every
 * parameter's values, for every executor and worker count. Serial runs once
 * per parameter combination, at workers:1, whatever --workers says.
 */
#include "plan.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALUES 64

struct value_set {
	double v[WL_MAX_PARAMS][MAX_VALUES];
	unsigned n[WL_MAX_PARAMS];
};

static void param_names(const struct workload *w, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; w->params[i].name && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i ? ", " : "", w->params[i].name);
}

/* Parses "v1,v2,..." for parameter p of workload w into vs. */
static int parse_values(const struct workload *w, int idx,
			const struct pt_param_arg *arg, struct value_set *vs,
			char *err, size_t errlen)
{
	const struct wl_param *p = &w->params[idx];
	const char *s = arg->values;

	vs->n[idx] = 0;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char text[64], why[160];
		double value;

		if (len == 0 || len >= sizeof(text)) {
			snprintf(err, errlen, "--param %s: bad value list",
				 arg->text);
			return -EINVAL;
		}
		memcpy(text, s, len);
		text[len] = '\0';
		if (wl_param_parse(p, text, &value, why, sizeof(why))) {
			snprintf(err, errlen, "--param %s: %s: %s", arg->text,
				 w->name, why);
			return -EINVAL;
		}
		if (vs->n[idx] == MAX_VALUES) {
			snprintf(err, errlen, "--param %s: more than %d values",
				 arg->text, MAX_VALUES);
			return -EINVAL;
		}
		vs->v[idx][vs->n[idx]++] = value;
		if (!comma)
			break;
		s = comma + 1;
	}
	return 0;
}

/* Checks every --param against the selected workloads. */
static int check_params(const struct pt_options *o, char *err, size_t errlen)
{
	for (unsigned k = 0; k < o->nparams; k++) {
		const struct pt_param_arg *a = &o->params[k];
		bool used = false;

		if (a->workload[0]) {
			const struct workload *w = wl_find(a->workload);
			bool selected = false;

			if (!w) {
				snprintf(err, errlen,
					 "--param %s: unknown workload '%s'",
					 a->text, a->workload);
				return -EINVAL;
			}
			for (unsigned i = 0; i < o->nworkloads; i++)
				selected |= o->workloads[i] == w;
			if (!selected) {
				snprintf(err, errlen,
					 "--param %s: workload '%s' is not "
					 "selected (--workload)",
					 a->text, a->workload);
				return -EINVAL;
			}
		}
		for (unsigned i = 0; i < o->nworkloads; i++) {
			const struct workload *w = o->workloads[i];

			if (a->workload[0] && strcmp(a->workload, w->name))
				continue;
			used |= wl_param_index(w, a->key) >= 0;
		}
		if (!used) {
			char names[256] = "";
			size_t n = 0;

			for (unsigned i = 0; i < o->nworkloads && n < 200;
			     i++) {
				char list[160];

				param_names(o->workloads[i], list,
					    sizeof(list));
				n += (size_t)snprintf(
				    names + n, sizeof(names) - n, "%s%s: %s",
				    i ? "; " : "", o->workloads[i]->name,
				    *list ? list : "none");
			}
			snprintf(err, errlen,
				 "--param %s: unknown parameter '%s' (%s)",
				 a->text, a->key, names);
			return -EINVAL;
		}
	}
	return 0;
}

/* A reference executor (Python's pools) runs its own workloads only. */
static int check_workload_prefix(const struct pt_options *o, char *err,
				 size_t errlen)
{
	for (unsigned e = 0; e < o->nexecutors; e++) {
		const char *prefix = o->executors[e]->workload_prefix;

		for (unsigned i = 0; prefix && i < o->nworkloads; i++) {
			if (strncmp(o->workloads[i]->name, prefix,
				    strlen(prefix)) == 0)
				continue;
			snprintf(err, errlen,
				 "--executor=%s runs only the %s* workloads, "
				 "not '%s'",
				 o->executors[e]->name, prefix,
				 o->workloads[i]->name);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * --transport means something only for a payload workload (ipc-payload)
 * under a process executor; given where no configuration has both, it is
 * refused rather than silently ignored.
 */
static int check_transport(const struct pt_options *o, char *err, size_t errlen)
{
	bool payload = false, processes = false;

	if (!o->transport_given)
		return 0;
	for (unsigned i = 0; i < o->nworkloads; i++)
		payload |= o->workloads[i]->payload != NULL;
	for (unsigned e = 0; e < o->nexecutors; e++)
		processes |= o->executors[e]->processes;
	if (payload && processes)
		return 0;
	snprintf(err, errlen,
		 "--transport: applies only to payload workloads (ipc-payload) "
		 "under process executors, and %s",
		 payload ? "every selected executor is threads or serial"
			 : "no selected workload moves payloads");
	return -EINVAL;
}

/* Whether --start chooses how ex makes its processes. */
static bool start_applies(const struct executor_ops *ex)
{
	return ex->processes && ex->uses_workers && !ex->runs_spec;
}

static bool selected(const struct pt_options *o, const struct executor_ops *ex)
{
	for (unsigned e = 0; e < o->nexecutors; e++)
		if (o->executors[e] == ex)
			return true;
	return false;
}

/*
 * --start chooses how process-pool and process-per-task make processes;
 * given where neither is selected it is refused.
 */
static int check_start(const struct pt_options *o, char *err, size_t errlen)
{
	bool applies = false;

	if (!o->start_given)
		return 0;
	for (unsigned e = 0; e < o->nexecutors; e++)
		applies |= start_applies(o->executors[e]);
	if (!applies) {
		snprintf(err, errlen,
			 "--start: applies only to process-pool and "
			 "process-per-task (process-spawn is spawn), and no "
			 "selected executor is one");
		return -EINVAL;
	}
	return 0;
}

static void build_name(struct pt_config *c, const struct pt_options *o)
{
	const struct workload *w = c->wl;
	char *p = c->name;
	size_t left = sizeof(c->name), n;
	double defaults[WL_MAX_PARAMS];

#define APPEND(...)                                                            \
	do {                                                                   \
		n = (size_t)snprintf(p, left, __VA_ARGS__);                    \
		n = n < left ? n : left - 1;                                   \
		p += n;                                                        \
		left -= n;                                                     \
	} while (0)

	/* RxT: W = R x T workers in R ranks ("threads:" is Google
	 * Benchmark's own suffix). */
	APPEND("%s/%s/workers:%u", w->name, c->ex->name, c->exc.workers);
	if (c->exc.threads)
		APPEND("/ranks:%u", c->exc.workers / c->exc.threads);
	if (c->tasks != w->default_tasks)
		APPEND("/tasks:%llu", (unsigned long long)c->tasks);
	wl_param_defaults(w, defaults);
	for (unsigned i = 0; w->params[i].name; i++) {
		char value[64];

		if (c->params[i] == defaults[i])
			continue;
		wl_param_format(&w->params[i], c->params[i], value,
				sizeof(value));
		APPEND("/%s:%s", w->params[i].name, value);
	}
	if (c->ex->uses_schedule) {
		if (o->schedule != EX_SCHED_DYNAMIC)
			APPEND("/schedule:%s", ex_schedule_name(o->schedule));
		if (o->chunk)
			APPEND("/chunk:%llu", (unsigned long long)o->chunk);
		if (o->wait != EX_WAIT_ADAPTIVE)
			APPEND("/wait:%s", ex_wait_name(o->wait));
	}
	if (c->ex->uses_workers && o->pin != EX_PIN_NONE)
		APPEND("/pin:%s", ex_pin_name(o->pin));
	if (c->ex->processes && o->on_failure != EX_ON_FAILURE_ABORT) {
		char policy[32];

		ex_on_failure_format(o->on_failure, o->retries, policy,
				     sizeof(policy));
		APPEND("/on-task-failure:%s", policy);
	}
	if (c->ex->processes && o->task_timeout > 0)
		APPEND("/task-timeout:%gs", o->task_timeout);
	if (c->wl->payload && c->ex->processes &&
	    c->transport != PT_TRANSPORT_SHM)
		APPEND("/transport:%s", pt_transport_name(c->transport));
	if (c->exc.start != EX_START_FORK)
		APPEND("/start:%s", ex_start_name(c->exc.start));
#undef APPEND
}

static int add_config(struct pt_plan *plan, size_t *cap,
		      const struct pt_config *c, char *err, size_t errlen)
{
	if (plan->n == PT_MAX_CONFIGS) {
		snprintf(err, errlen,
			 "the plan has more than %d configurations",
			 PT_MAX_CONFIGS);
		return -E2BIG;
	}
	if (plan->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct pt_config *n = realloc(plan->configs, ncap * sizeof(*n));

		if (!n) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		plan->configs = n;
		*cap = ncap;
	}
	plan->configs[plan->n++] = *c;
	return 0;
}

/* Adds every executor x worker count for one parameter combination. */
static int add_executors(const struct pt_options *o, struct pt_config *c,
			 struct pt_plan *plan, size_t *cap, char *err,
			 size_t errlen)
{
	const struct executor_ops *spawn = ex_find("process-spawn");

	for (unsigned e = 0, st = 0; e < o->nexecutors; e++) {
		c->ex = o->executors[e];
		c->exc.start = EX_START_FORK;
		if (start_applies(c->ex)) {
			/* One pass per start method (the same e again until
			 * the last); process-per-task by spawn is
			 * process-spawn, run once if that is named too; the
			 * pool by spawn execs its workers. */
			c->exc.start = o->starts[st++];
			if (st < o->nstarts)
				e--;
			else
				st = 0;
			if (c->exc.start == EX_START_SPAWN &&
			    c->ex != ex_find("process-pool")) {
				c->ex = spawn;
				c->exc.start = EX_START_FORK;
				if (selected(o, spawn))
					continue;
			}
		}
		/* Transports sweep only where bytes cross processes. */
		unsigned ntransports =
		    c->wl->payload && c->ex->processes ? o->ntransports : 1;

		for (unsigned k = 0; k < o->nworkers; k++) {
			/* RxT is W = R x T elsewhere: once per W (and W is
			 * Wx1 for the hybrid). */
			bool again = false;

			for (unsigned j = 0; j < k; j++)
				again |=
				    o->workers[j] == o->workers[k] &&
				    (!c->ex->threads_per_worker ||
				     (o->worker_threads[j]
					  ? o->worker_threads[j]
					  : 1) == (o->worker_threads[k]
						       ? o->worker_threads[k]
						       : 1));
			if (again)
				continue;
			for (unsigned tr = 0; tr < ntransports; tr++) {
				size_t len;
				int rc;

				c->exc.workers =
				    c->ex->uses_workers ? o->workers[k] : 1;
				/* Ranks x threads: RxT as given, W as Wx1. */
				c->exc.threads =
				    c->ex->threads_per_worker
					? (o->worker_threads[k]
					       ? o->worker_threads[k]
					       : 1)
					: 0;
				c->transport = o->transports[tr];
				build_name(c, o);
				rc = add_config(plan, cap, c, err, errlen);
				if (rc)
					return rc;
				len = strlen(c->name) + strlen(PT_NAME_SUFFIX);
				if (len > plan->name_width)
					plan->name_width = len;
			}
			if (!c->ex->uses_workers)
				break;
		}
	}
	return 0;
}

/*
 * glibc compiles a bounded repetition by copying its operand, so stacked
 * repetitions ("a++++++++", "(a{1,255}){1,255}{1,255}") take memory
 * exponential in their count: bench would die compiling its own filter.
 * Such patterns are refused: a repetition right after another (undefined
 * in POSIX anyway), a bound above 255 (POSIX's RE_DUP_MAX), and bounds
 * whose product exceeds 65536.
 */
static bool filter_too_costly(const char *spec)
{
	double product = 1;
	bool after_repeat = false;

	for (const char *p = spec; *p; p++) {
		bool repeat = false;

		if (*p == '\\' && p[1]) {
			p++;
		} else if (*p == '*' || *p == '+' || *p == '?') {
			repeat = true;
		} else if (*p == '{') {
			char *end;
			unsigned long lo = strtoul(p + 1, &end, 10);
			unsigned long hi = lo;

			if (*end == ',')
				hi = end[1] == '}' ? lo
						   : strtoul(end + 1, &end, 10);
			if (hi > 255 || lo > 255)
				return true;
			product *= hi > 1 ? (double)hi : 1;
			repeat = true;
		}
		if (repeat && after_repeat)
			return true;
		after_repeat = repeat;
		if (*p == '{')
			while (p[1] && *p != '}')
				p++;
	}
	return product > 65536;
}

/*
 * Applies --benchmark_filter here too, so that a configuration nobody asked
 * for costs no fork, no setup and no reference pass. The syntax is Google
 * Benchmark's: a POSIX extended regex searched in the full name, negated by
 * a leading '-'. The child still applies Google Benchmark's own filter.
 */
static int apply_filter(const struct pt_options *o, struct pt_plan *plan,
			char *err, size_t errlen)
{
	const char *spec = NULL;
	bool negate = false;
	regex_t re;
	size_t kept = 0;

	for (int i = 1; i < o->gb_argc; i++)
		if (!strncmp(o->gb_argv[i], "--benchmark_filter=", 19))
			spec = o->gb_argv[i] + 19;
	if (!spec || !*spec || !strcmp(spec, "all") || !strcmp(spec, "."))
		return 0;
	if (*spec == '-') {
		negate = true;
		spec++;
	}
	if (filter_too_costly(spec)) {
		snprintf(err, errlen,
			 "--benchmark_filter=%s: stacked or large repetitions "
			 "(at most {255}, none right after another)",
			 spec);
		return -EINVAL;
	}
	if (regcomp(&re, spec, REG_EXTENDED | REG_NOSUB)) {
		snprintf(err, errlen,
			 "--benchmark_filter=%s: not a valid regex", spec);
		return -EINVAL;
	}
	plan->name_width = 0;
	for (size_t i = 0; i < plan->n; i++) {
		char full[PT_NAME_MAX + 32];
		size_t len;

		snprintf(full, sizeof(full), "%s%s", plan->configs[i].name,
			 PT_NAME_SUFFIX);
		if ((regexec(&re, full, 0, NULL, 0) == 0) == negate)
			continue;
		plan->configs[kept++] = plan->configs[i];
		len = strlen(full);
		if (len > plan->name_width)
			plan->name_width = len;
	}
	regfree(&re);
	plan->n = kept;
	if (kept == 0) {
		snprintf(err, errlen,
			 "--benchmark_filter=%s%s matches no configuration",
			 negate ? "-" : "", spec);
		return -EINVAL;
	}
	return 0;
}

static bool same_job(const struct pt_config *a, const struct pt_config *b)
{
	return a->wl == b->wl && a->tasks == b->tasks &&
	       !memcmp(a->params, b->params, sizeof(a->params));
}

/* Marks the configurations that time a serial reference (see plan.h). */
static void mark_serial_refs(struct pt_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		struct pt_config *c = &plan->configs[i];
		bool covered = false;

		for (size_t k = 0; k < plan->n && !covered; k++) {
			const struct pt_config *o = &plan->configs[k];

			covered = same_job(c, o) && (!o->ex->uses_workers ||
						     (k < i && o->serial_ref));
		}
		c->serial_ref = !covered;
	}
}

int pt_plan_build(const struct pt_options *o, struct pt_plan *plan, char *err,
		  size_t errlen)
{
	size_t cap = 0;
	int rc;

	memset(plan, 0, sizeof(*plan));
	rc = check_params(o, err, errlen);
	if (rc)
		return rc;
	rc = check_workload_prefix(o, err, errlen);
	if (!rc)
		rc = check_transport(o, err, errlen);
	if (rc)
		return rc;
	rc = check_start(o, err, errlen);
	if (rc)
		return rc;
	for (unsigned i = 0; i < o->nworkloads; i++) {
		const struct workload *w = o->workloads[i];
		unsigned np = wl_param_count(w), idx[WL_MAX_PARAMS] = {0};
		struct value_set vs;
		struct pt_config c;

		memset(&c, 0, sizeof(c));
		c.wl = w;
		c.tasks = o->tasks == UINT64_MAX ? 0
			  : o->tasks		 ? o->tasks
						 : w->default_tasks;
		c.exc.schedule = o->schedule;
		c.exc.chunk = o->chunk;
		c.exc.wait = o->wait;
		c.exc.pin = o->pin;
		c.exc.on_failure = o->on_failure;
		c.exc.retries = o->retries;
		c.exc.task_timeout_ns = (uint64_t)(o->task_timeout * 1e9 + 0.5);
		c.exc.max_tasks = c.tasks;
		wl_param_defaults(w, c.params);
		for (unsigned p = 0; p < np; p++) {
			vs.v[p][0] = c.params[p];
			vs.n[p] = 1;
		}
		const struct pt_param_arg *given[WL_MAX_PARAMS] = {0};

		for (unsigned k = 0; k < o->nparams; k++) {
			const struct pt_param_arg *a = &o->params[k];
			int pi = wl_param_index(w, a->key);

			if (pi < 0 ||
			    (a->workload[0] && strcmp(a->workload, w->name)))
				continue;
			/* Two values for one parameter: a sweep is one list. */
			if (given[pi]) {
				snprintf(err, errlen,
					 "--param %s: %s's %s is already set "
					 "by --param %s (sweep with one list: "
					 "%s=A,B)",
					 a->text, w->name, a->key,
					 given[pi]->text, a->key);
				rc = -EINVAL;
				goto fail;
			}
			given[pi] = a;
			rc = parse_values(w, pi, a, &vs, err, errlen);
			if (rc)
				goto fail;
		}
		/* Odometer over the value lists: the last parameter varies
		 * fastest. */
		for (;;) {
			int p;

			for (unsigned q = 0; q < np; q++)
				c.params[q] = vs.v[q][idx[q]];
			rc = add_executors(o, &c, plan, &cap, err, errlen);
			if (rc)
				goto fail;
			for (p = (int)np - 1; p >= 0; p--) {
				if (++idx[p] < vs.n[p])
					break;
				idx[p] = 0;
			}
			if (p < 0)
				break;
		}
	}
	if (plan->n == 0) {
		snprintf(err, errlen, "nothing to run");
		return -EINVAL;
	}
	rc = apply_filter(o, plan, err, errlen);
	if (rc)
		goto fail;
	mark_serial_refs(plan);
	return 0;
fail:
	pt_plan_free(plan);
	return rc;
}

void pt_plan_free(struct pt_plan *plan)
{
	free(plan->configs);
	plan->configs = NULL;
	plan->n = 0;
}
