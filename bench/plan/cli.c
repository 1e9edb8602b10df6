/*
 * Command-line parsing for bench.
 *
 * Options are GNU style (--name=value or --name value). Our friendly flags
 * (--repetitions, --min-time) are translated into Google Benchmark's flags,
 * and any --benchmark_* flag passes through untouched, except --benchmark_out
 * and --benchmark_format, which are the same as --out and --format (the
 * results file is written by the parent process, not by Google Benchmark).
 * Nothing is printed here: errors come back as one line in err.
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const default_workloads[] = {"cpu-hash", "io-sleep", NULL};

int pt_parse_u64(const char *text, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!text || !*text || *text == '-' || *text == '+' || *text == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

int pt_parse_seconds(const char *text, double *out)
{
	char *end;
	double v;
	double scale = 1;

	if (!text || !*text || *text == ' ' || strpbrk(text, "xX"))
		return -EINVAL; /* strtod would take hex: 0x10 is not 10 */
	errno = 0;
	v = strtod(text, &end);
	if (end == text)
		return -EINVAL;
	if (!strcmp(end, "ms"))
		scale = 1e-3;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		scale = 60;
	else if (*end && strcmp(end, "s"))
		return -EINVAL;
	if (errno == ERANGE || !isfinite(v) || v <= 0 || v * scale > 1e7)
		return -ERANGE;
	*out = v * scale;
	return 0;
}

/* One element of a list: "N" or "A..B" or "A..B:xF" or "A..B:+S". */
static int parse_list_item(const char *item, uint64_t lo, uint64_t hi,
			   uint64_t *out, unsigned max, unsigned *n, char *err,
			   size_t errlen)
{
	char buf[128];
	char *dots, *step;
	uint64_t a, b, s = 1;
	bool mul = false;
	int rc;

	if (strlen(item) >= sizeof(buf)) {
		snprintf(err, errlen, "'%.20s...' is too long", item);
		return -EINVAL;
	}
	strcpy(buf, item);
	dots = strstr(buf, "..");
	if (!dots) {
		rc = pt_parse_u64(buf, lo, hi, &a);
		if (rc) {
			snprintf(err, errlen,
				 rc == -ERANGE
				     ? "'%s' is out of range %llu..%llu"
				     : "'%s' is not a whole number",
				 buf, (unsigned long long)lo,
				 (unsigned long long)hi);
			return rc;
		}
		b = a;
	} else {
		*dots = '\0';
		step = strchr(dots + 2, ':');
		if (step) {
			*step++ = '\0';
			if (*step == 'x' || *step == '*') {
				mul = true;
				step++;
			} else if (*step == '+') {
				step++;
			}
			if (pt_parse_u64(step, mul ? 2 : 1, UINT32_MAX, &s)) {
				snprintf(err, errlen,
					 "'%s': the step must be %s", item,
					 mul ? "x2 or more" : "1 or more");
				return -EINVAL;
			}
		}
		rc = pt_parse_u64(buf, lo, hi, &a);
		if (!rc)
			rc = pt_parse_u64(dots + 2, lo, hi, &b);
		if (rc) {
			snprintf(err, errlen,
				 rc == -ERANGE
				     ? "'%s': bounds must be within %llu..%llu"
				     : "'%s' is not a range like 1..16 or "
				       "1..16:x2",
				 item, (unsigned long long)lo,
				 (unsigned long long)hi);
			return rc;
		}
		if (a > b) {
			snprintf(err, errlen, "'%s': the range runs backwards",
				 item);
			return -EINVAL;
		}
		if (mul && a == 0) { /* 0, 0, 0, ... */
			snprintf(err, errlen,
				 "'%s': a multiplying range cannot start at 0",
				 item);
			return -EINVAL;
		}
	}
	for (uint64_t v = a; v <= b;) {
		bool seen = false;

		for (unsigned i = 0; i < *n; i++)
			seen |= out[i] == v;
		if (!seen) {
			if (*n == max) {
				snprintf(err, errlen,
					 "more than %u values in the list",
					 max);
				return -ERANGE;
			}
			out[(*n)++] = v;
		}
		if (mul ? v > b / s : b - v < s)
			break;
		v = mul ? v * s : v + s;
	}
	return 0;
}

int pt_parse_uint_list(const char *text, uint64_t lo, uint64_t hi,
		       uint64_t *out, unsigned max, char *err, size_t errlen)
{
	unsigned n = 0;
	const char *p = text;

	if (!text || !*text) {
		snprintf(err, errlen, "the list is empty");
		return -EINVAL;
	}
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char item[128];
		int rc;

		if (len == 0) {
			snprintf(err, errlen, "empty element in list '%s'",
				 text);
			return -EINVAL;
		}
		if (len >= sizeof(item)) {
			snprintf(err, errlen, "element too long in list");
			return -EINVAL;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		rc = parse_list_item(item, lo, hi, out, max, &n, err, errlen);
		if (rc)
			return rc;
		if (!comma)
			break;
		p = comma + 1;
	}
	return (int)n;
}

/* Whether item is "RxT" (two whole numbers joined by x). */
static bool is_rxt(const char *item, uint64_t *r, uint64_t *t)
{
	const char *x = strchr(item, 'x');
	char left[32];

	if (!x || x == item || (size_t)(x - item) >= sizeof(left) ||
	    strspn(item, "0123456789") != (size_t)(x - item) || !x[1] ||
	    strspn(x + 1, "0123456789") != strlen(x + 1))
		return false;
	memcpy(left, item, (size_t)(x - item));
	left[x - item] = '\0';
	return pt_parse_u64(left, 1, PT_MAX_WORKERS, r) == 0 &&
	       pt_parse_u64(x + 1, 1, PT_MAX_WORKERS, t) == 0;
}

int pt_parse_workers(const char *text, unsigned *workers, unsigned *threads,
		     unsigned max, char *err, size_t errlen)
{
	uint64_t list[PT_MAX_LIST], r, t;
	unsigned n = 0;
	const char *p = text;

	if (!text || !*text) {
		snprintf(err, errlen, "the list is empty");
		return -EINVAL;
	}
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char item[128];
		int got = 1;

		if (len == 0 || len >= sizeof(item)) {
			snprintf(err, errlen, "%s element in list '%s'",
				 len ? "too long an" : "empty", text);
			return -EINVAL;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (is_rxt(item, &r, &t)) {
			if (r * t > PT_MAX_WORKERS) {
				snprintf(err, errlen,
					 "'%s': R x T must be at most %u", item,
					 PT_MAX_WORKERS);
				return -ERANGE;
			}
			list[0] = r * t;
		} else if (strchr(item, 'x') && !strchr(item, ':')) {
			snprintf(err, errlen,
				 "'%s' is not RxT (R ranks x T threads, each "
				 "1 or more)",
				 item);
			return -EINVAL;
		} else {
			t = 0;
			got = pt_parse_uint_list(item, 1, PT_MAX_WORKERS, list,
						 PT_MAX_LIST, err, errlen);
			if (got < 0)
				return got;
		}
		for (int k = 0; k < got; k++) {
			bool seen = false;

			for (unsigned i = 0; i < n; i++)
				seen |= workers[i] == list[k] &&
					threads[i] == (unsigned)t;
			if (seen)
				continue;
			if (n == max) {
				snprintf(err, errlen,
					 "more than %u values in the list",
					 max);
				return -ERANGE;
			}
			workers[n] = (unsigned)list[k];
			threads[n++] = (unsigned)t;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return (int)n;
}

/* Splits "a,b,c" and resolves each name with find(); "all" takes every
 * entry of table that is available. */
static int parse_names(const char *flag, const char *text, const void **table,
		       const void *(*find)(const char *),
		       const char *(*unavailable)(const void *),
		       const void **out, unsigned max, unsigned *n, char *err,
		       size_t errlen)
{
	const char *p = text;

	*n = 0;
	if (!*text) {
		snprintf(err, errlen, "%s: the list is empty", flag);
		return -EINVAL;
	}
	if (!strcmp(text, "all")) {
		for (unsigned i = 0; table[i] && *n < max; i++)
			if (!unavailable(table[i]))
				out[(*n)++] = table[i];
		return 0;
	}
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char name[64];
		const void *entry;
		bool dup = false;

		if (len == 0 || len >= sizeof(name)) {
			snprintf(err, errlen, "%s: bad list '%s'", flag, text);
			return -EINVAL;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		entry = find(name);
		if (!entry) {
			snprintf(err, errlen,
				 "%s: unknown name '%s' (see bench --list)",
				 flag, name);
			return -EINVAL;
		}
		if (unavailable(entry)) {
			/* "--executor=mpi: built without MPI" */
			snprintf(err, errlen,
				 table == (const void **)ex_all
				     ? "%s=%s: %s"
				     : "%s: '%s' is unavailable: %s",
				 flag, name, unavailable(entry));
			return -EINVAL;
		}
		for (unsigned i = 0; i < *n; i++)
			dup |= out[i] == entry;
		if (!dup) {
			if (*n == max) {
				snprintf(err, errlen, "%s: too many names",
					 flag);
				return -EINVAL;
			}
			out[(*n)++] = entry;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

static const void *find_executor(const char *name)
{
	return ex_find(name);
}

static const void *find_workload(const char *name)
{
	return wl_find(name);
}

static const char *executor_unavailable(const void *e)
{
	return ((const struct executor_ops *)e)->unavailable;
}

static const char *workload_unavailable(const void *w)
{
	return ((const struct workload *)w)->unavailable;
}

static int parse_param(const char *text, struct pt_param_arg *p, char *err,
		       size_t errlen)
{
	const char *eq = strchr(text, '=');
	const char *dot;
	size_t keylen;

	p->text = text;
	p->workload[0] = '\0';
	if (!eq) {
		snprintf(err, errlen, "--param '%s': expected KEY=VALUE", text);
		return -EINVAL;
	}
	dot = memchr(text, '.', (size_t)(eq - text));
	if (dot) {
		size_t wlen = (size_t)(dot - text);

		if (wlen == 0 || wlen >= sizeof(p->workload)) {
			snprintf(err, errlen, "--param '%s': bad workload name",
				 text);
			return -EINVAL;
		}
		memcpy(p->workload, text, wlen);
		p->workload[wlen] = '\0';
		text = dot + 1;
	}
	keylen = (size_t)(eq - text);
	if (keylen == 0 || keylen >= sizeof(p->key)) {
		snprintf(err, errlen, "--param '%s': bad parameter name",
			 p->text);
		return -EINVAL;
	}
	memcpy(p->key, text, keylen);
	p->key[keylen] = '\0';
	p->values = eq + 1;
	if (!*p->values) {
		snprintf(err, errlen, "--param '%s': the value is empty",
			 p->text);
		return -EINVAL;
	}
	return 0;
}

static int gb_push(struct pt_options *o, char *arg, char *err, size_t errlen)
{
	if (o->gb_argc >=
	    (int)(sizeof(o->gb_argv) / sizeof(o->gb_argv[0])) - 1) {
		snprintf(err, errlen, "too many --benchmark_* flags");
		return -EINVAL;
	}
	o->gb_argv[o->gb_argc++] = arg;
	o->gb_argv[o->gb_argc] = NULL;
	return 0;
}

static int parse_format(const char *flag, const char *v, struct pt_options *o,
			char *err, size_t errlen)
{
	enum gb_format *out = &o->format;

	/* Google Benchmark's own flag means its own console rows. */
	o->console_full = !strcmp(flag, "--benchmark_format");
	if (!strcmp(v, "console"))
		*out = GB_FORMAT_CONSOLE;
	else if (!strcmp(v, "console-full") && !o->console_full)
		*out = GB_FORMAT_CONSOLE, o->console_full = true;
	else if (!strcmp(v, "json"))
		*out = GB_FORMAT_JSON;
	else if (!strcmp(v, "csv"))
		*out = GB_FORMAT_CSV;
	else {
		snprintf(err, errlen, "%s: '%s' is not one of %s", flag, v,
			 o->console_full ? "console, json, csv"
					 : "console, console-full, json, csv");
		return -EINVAL;
	}
	return 0;
}

/*
 * "a,b,c": at most max names, each once, each read by parse into values
 * in the order given. Returns the count, or -EINVAL.
 */
static int parse_choices(const char *val, int (*parse)(const char *, int *),
			 int *values, unsigned max)
{
	const char *s = val;
	unsigned n = 0;

	for (;;) {
		size_t len = strcspn(s, ",");
		char name[16];
		int value;

		if (len == 0 || len >= sizeof(name) || n == max)
			return -EINVAL;
		memcpy(name, s, len);
		name[len] = '\0';
		if (parse(name, &value))
			return -EINVAL;
		for (unsigned k = 0; k < n; k++)
			if (values[k] == value)
				return -EINVAL;
		values[n++] = value;
		if (!s[len])
			return (int)n;
		s += len + 1;
	}
}

static int transport_choice(const char *name, int *value)
{
	enum pt_transport_kind kind;
	int rc = pt_transport_parse(name, &kind);

	*value = (int)kind;
	return rc;
}

static int start_choice(const char *name, int *value)
{
	enum ex_start start;
	int rc = ex_start_parse(name, &start);

	*value = (int)start;
	return rc;
}

/* --transport=shm,pipe: each once, in the order given. */
static int parse_transports(const char *val, struct pt_options *o, char *err,
			    size_t errlen)
{
	int values[2], n = parse_choices(val, transport_choice, values, 2);

	o->transport_given = true;
	if (n < 0) {
		snprintf(err, errlen,
			 "--transport=%s: expected shm, pipe or shm,pipe "
			 "(each once)",
			 val);
		return -EINVAL;
	}
	o->ntransports = (unsigned)n;
	for (int k = 0; k < n; k++)
		o->transports[k] = (enum pt_transport_kind)values[k];
	return 0;
}

/* --start=fork,forkserver,spawn: each once, in the order given. */
static int parse_starts(const char *val, struct pt_options *o, char *err,
			size_t errlen)
{
	int values[3], n = parse_choices(val, start_choice, values, 3);

	o->start_given = true;
	if (n < 0) {
		snprintf(err, errlen,
			 "--start=%s: expected a list of fork, forkserver, "
			 "spawn (each once)",
			 val);
		return -EINVAL;
	}
	o->nstarts = (unsigned)n;
	for (int k = 0; k < n; k++)
		o->starts[k] = (enum ex_start)values[k];
	return 0;
}

static void set_defaults(struct pt_options *o, char *argv0)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(o, 0, sizeof(*o));
	o->schedule = EX_SCHED_DYNAMIC;
	o->wait = EX_WAIT_ADAPTIVE;
	o->transports[o->ntransports++] = PT_TRANSPORT_SHM;
	o->starts[o->nstarts++] = EX_START_FORK;
	o->timeout = 120;
	o->format = GB_FORMAT_CONSOLE;
	o->trace_fd = -1;
	o->gb_argv[o->gb_argc++] = argv0;
	for (unsigned i = 0; ex_all[i] && o->nexecutors < 16; i++)
		if (!ex_all[i]->unavailable && !ex_all[i]->workload_prefix &&
		    !ex_all[i]->named_only)
			o->executors[o->nexecutors++] = ex_all[i];
	for (unsigned i = 0; default_workloads[i]; i++) {
		const struct workload *w = wl_find(default_workloads[i]);

		if (w && !w->unavailable)
			o->workloads[o->nworkloads++] = w;
	}
	if (cpus < 1)
		cpus = 1;
	for (long w = 1; w <= cpus && o->nworkers < PT_MAX_LIST; w++)
		o->workers[o->nworkers++] = (unsigned)w;
}

/*
 * Flags that take a value, in --flag=value or --flag value form. Not
 * reformatted, so that adding a flag is a one-line change.
 */
/* clang-format off */
static const char *const value_flags[] = {
    "--executor",  "--workload",    "--workers",  "--tasks",   "--param",
    "--schedule",  "--chunk",	    "--wait",	  "--timeout", "--format",
    "--out",	   "--repetitions", "--min-time", "-p",	       "--executors",
    "--workloads", "--pin",
    "--on-task-failure", "--task-timeout", "--counters", "--trace",
    "--transport", "--start", "--iterations",
    NULL,
};
/* clang-format on */

/* Flags without a value (the completion script lists them). */
static const char *const switch_flags[] = {
    "--help", "-h", "--version", "--list", "--dry-run", "--ci", NULL,
};

const char *const *pt_cli_value_flags(void)
{
	return value_flags;
}

const char *const *pt_cli_switch_flags(void)
{
	return switch_flags;
}

/* Flags that may be given more than once (each adds to the run). */
static const char *const repeatable_flags[] = {"--param", "-p", NULL};

/*
 * A flag that takes one value, given twice, is refused: which value was
 * meant is a guess, and a benchmark measured with the wrong one looks
 * right. Aliases count as the same flag.
 */
static int note_flag(const char **seen, unsigned *nseen, unsigned max,
		     const char *name, char *err, size_t errlen)
{
	static const char *const aliases[][2] = {
	    {"--executors", "--executor"},
	    {"--workloads", "--workload"},
	    {"--benchmark_out", "--out"},
	    {"--benchmark_format", "--format"},
	};

	for (unsigned k = 0; repeatable_flags[k]; k++)
		if (!strcmp(name, repeatable_flags[k]))
			return 0;
	for (unsigned k = 0; k < sizeof(aliases) / sizeof(aliases[0]); k++)
		if (!strcmp(name, aliases[k][0]))
			name = aliases[k][1];
	for (unsigned k = 0; k < *nseen; k++) {
		if (strcmp(seen[k], name))
			continue;
		snprintf(err, errlen, "%s is given twice (give it once)", name);
		return -EINVAL;
	}
	if (*nseen < max)
		seen[(*nseen)++] = name;
	return 0;
}

/* The same Google Benchmark flag twice, also through --repetitions or
 * --min-time, which are translated into it. */
static int check_gb_repeats(const struct pt_options *o, char *err,
			    size_t errlen)
{
	for (int i = 2; i < o->gb_argc; i++) {
		const char *a = o->gb_argv[i];
		size_t len = strcspn(a, "=");

		for (int j = 1; j < i; j++) {
			const char *b = o->gb_argv[j];
			const char *via = "";

			if (strcspn(b, "=") != len || strncmp(a, b, len))
				continue;
			if (a == o->gb_storage[0] || b == o->gb_storage[0])
				via = " (--repetitions sets it too)";
			else if (a == o->gb_storage[1] || b == o->gb_storage[1])
				via = " (--min-time sets it too)";
			snprintf(err, errlen, "%.*s is given twice%s", (int)len,
				 a, via);
			return -EINVAL;
		}
	}
	return 0;
}

int pt_parse_args(int argc, char **argv, struct pt_options *o, char *err,
		  size_t errlen)
{
	const char *seen[64];
	unsigned nseen = 0;
	uint64_t v;
	int n, rc;

	set_defaults(o, argc > 0 ? argv[0] : (char *)"bench");
	for (int i = 1; i < argc; i++) {
		char *arg = argv[i];
		char name[64];
		const char *val = NULL;
		char *eq = strchr(arg, '=');
		size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
		const char *value_flag = NULL; /* static: kept in seen */
		bool takes_value;

		if (!strncmp(arg, "--benchmark_", 12)) {
			if (!strncmp(arg, "--benchmark_out=", 16) &&
			    (rc = note_flag(seen, &nseen, 64, "--benchmark_out",
					    err, errlen)))
				return rc;
			if (!strncmp(arg, "--benchmark_format=", 19) &&
			    (rc = note_flag(seen, &nseen, 64,
					    "--benchmark_format", err, errlen)))
				return rc;
			if (!strncmp(arg, "--benchmark_out=", 16)) {
				o->out_path = arg + 16;
			} else if (!strncmp(arg,
					    "--benchmark_out_format=", 23)) {
				if (strcmp(arg + 23, "json")) {
					snprintf(err, errlen,
						 "%s: results files are "
						 "always JSON",
						 arg);
					return -EINVAL;
				}
			} else if (!strncmp(arg, "--benchmark_format=", 19)) {
				rc = parse_format("--benchmark_format",
						  arg + 19, o, err, errlen);
				if (rc)
					return rc;
			} else if ((rc = gb_push(o, arg, err, errlen))) {
				return rc;
			}
			o->repetitions_given |=
			    !strncmp(arg, "--benchmark_repetitions=", 24);
			continue;
		}
		if (nlen >= sizeof(name)) {
			snprintf(err, errlen, "unknown option '%.40s...'", arg);
			return -EINVAL;
		}
		memcpy(name, arg, nlen);
		name[nlen] = '\0';
		for (unsigned k = 0; value_flags[k]; k++)
			if (!strcmp(name, value_flags[k]))
				value_flag = value_flags[k];
		takes_value = value_flag != NULL;
		if (takes_value) {
			if (eq) {
				val = eq + 1;
			} else if (i + 1 < argc) {
				val = argv[++i];
			} else {
				snprintf(err, errlen, "%s needs a value", name);
				return -EINVAL;
			}
		} else if (eq) {
			snprintf(err, errlen, "%s takes no value", name);
			return -EINVAL;
		}
		if (takes_value &&
		    (rc = note_flag(seen, &nseen, 64, value_flag, err, errlen)))
			return rc;

		if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
			o->help = true;
		} else if (!strcmp(name, "--version")) {
			o->version = true;
		} else if (!strcmp(name, "--list")) {
			o->list = true;
		} else if (!strcmp(name, "--dry-run")) {
			o->dry_run = true;
		} else if (!strcmp(name, "--ci")) {
			o->ci = true;
		} else if (!strcmp(name, "--executor") ||
			   !strcmp(name, "--executors")) {
			rc = parse_names("--executor", val,
					 (const void **)ex_all, find_executor,
					 executor_unavailable,
					 (const void **)o->executors, 16,
					 &o->nexecutors, err, errlen);
			if (rc)
				return rc;
			/* "all": the reference executors and mpi only when
			 * named. */
			if (!strcmp(val, "all")) {
				unsigned kept = 0;

				for (unsigned k = 0; k < o->nexecutors; k++)
					if (!o->executors[k]->workload_prefix &&
					    !o->executors[k]->named_only)
						o->executors[kept++] =
						    o->executors[k];
				o->nexecutors = kept;
			}
		} else if (!strcmp(name, "--workload") ||
			   !strcmp(name, "--workloads")) {
			rc = parse_names("--workload", val,
					 (const void **)wl_all, find_workload,
					 workload_unavailable,
					 (const void **)o->workloads, 64,
					 &o->nworkloads, err, errlen);
			if (rc)
				return rc;
		} else if (!strcmp(name, "--workers")) {
			char why[160];

			n = pt_parse_workers(val, o->workers, o->worker_threads,
					     PT_MAX_LIST, why, sizeof(why));
			if (n < 0) {
				snprintf(err, errlen, "--workers=%s: %s", val,
					 why);
				return n;
			}
			o->nworkers = (unsigned)n;
		} else if (!strcmp(name, "--tasks")) {
			rc = pt_parse_u64(val, 0, PT_MAX_TASKS, &v);
			if (rc) {
				snprintf(err, errlen,
					 "--tasks=%s: expected a whole number "
					 "0..%llu",
					 val, (unsigned long long)PT_MAX_TASKS);
				return -EINVAL;
			}
			/* 0 tasks is a legitimate (empty) job: keep it
			 * distinguishable from "not given". */
			o->tasks = v == 0 ? UINT64_MAX : v;
		} else if (!strcmp(name, "--param") || !strcmp(name, "-p")) {
			if (o->nparams ==
			    sizeof(o->params) / sizeof(o->params[0])) {
				snprintf(err, errlen, "too many --param");
				return -EINVAL;
			}
			rc = parse_param(val, &o->params[o->nparams], err,
					 errlen);
			if (rc)
				return rc;
			o->nparams++;
		} else if (!strcmp(name, "--schedule")) {
			if (ex_schedule_parse(val, &o->schedule)) {
				snprintf(err, errlen,
					 "--schedule=%s: expected static, "
					 "dynamic or guided",
					 val);
				return -EINVAL;
			}
		} else if (!strcmp(name, "--chunk")) {
			if (pt_parse_u64(val, 0, PT_MAX_TASKS, &o->chunk)) {
				snprintf(err, errlen,
					 "--chunk=%s: expected a whole number "
					 "0..%llu (0: the schedule's default)",
					 val, (unsigned long long)PT_MAX_TASKS);
				return -EINVAL;
			}
		} else if (!strcmp(name, "--wait")) {
			if (ex_wait_parse(val, &o->wait)) {
				snprintf(err, errlen,
					 "--wait=%s: expected adaptive, spin "
					 "or block",
					 val);
				return -EINVAL;
			}
		} else if (!strcmp(name, "--pin")) {
			if (ex_pin_parse(val, &o->pin)) {
				snprintf(err, errlen,
					 "--pin=%s: expected none, compact or "
					 "spread",
					 val);
				return -EINVAL;
			}
		} else if (!strcmp(name, "--counters")) {
			rc = pt_counters_parse(val, &o->counters, err, errlen);
			if (rc)
				return rc;
			o->counters_given = true;
		} else if (!strcmp(name, "--trace")) {
			if (!*val) {
				snprintf(err, errlen, "--trace: empty path");
				return -EINVAL;
			}
			o->trace_path = val;
		} else if (!strcmp(name, "--transport")) {
			rc = parse_transports(val, o, err, errlen);
			if (rc)
				return rc;
		} else if (!strcmp(name, "--start")) {
			rc = parse_starts(val, o, err, errlen);
			if (rc)
				return rc;
		} else if (!strcmp(name, "--timeout")) {
			if (pt_parse_seconds(val, &o->timeout) ||
			    o->timeout < PT_MIN_TIMEOUT) {
				snprintf(err, errlen,
					 "--timeout=%s: expected a duration of "
					 "at least 10ms such as 30, 30s, 500ms",
					 val);
				return -EINVAL;
			}
		} else if (!strcmp(name, "--on-task-failure")) {
			if (ex_on_failure_parse(val, &o->on_failure,
						&o->retries)) {
				snprintf(err, errlen,
					 "--on-task-failure=%s: expected "
					 "abort, continue or retry:N "
					 "(N 1..1000000)",
					 val);
				return -EINVAL;
			}
		} else if (!strcmp(name, "--task-timeout")) {
			if (pt_parse_seconds(val, &o->task_timeout)) {
				snprintf(err, errlen,
					 "--task-timeout=%s: expected a "
					 "positive duration such as 2s, 500ms",
					 val);
				return -EINVAL;
			}
		} else if (!strcmp(name, "--format")) {
			rc = parse_format("--format", val, o, err, errlen);
			if (rc)
				return rc;
		} else if (!strcmp(name, "--out")) {
			if (!*val) {
				snprintf(err, errlen, "--out: empty path");
				return -EINVAL;
			}
			o->out_path = val;
		} else if (!strcmp(name, "--repetitions")) {
			if (pt_parse_u64(val, 1, 100000, &v)) {
				snprintf(err, errlen,
					 "--repetitions=%s: expected a whole "
					 "number 1..100000",
					 val);
				return -EINVAL;
			}
			snprintf(o->gb_storage[0], sizeof(o->gb_storage[0]),
				 "--benchmark_repetitions=%llu",
				 (unsigned long long)v);
			o->repetitions_given = true;
			if ((rc = gb_push(o, o->gb_storage[0], err, errlen)))
				return rc;
		} else if (!strcmp(name, "--min-time")) {
			double s;

			if (pt_parse_seconds(val, &s)) {
				snprintf(err, errlen,
					 "--min-time=%s: expected a positive "
					 "duration in seconds",
					 val);
				return -EINVAL;
			}
			snprintf(o->gb_storage[1], sizeof(o->gb_storage[1]),
				 "--benchmark_min_time=%.9g", s);
			if ((rc = gb_push(o, o->gb_storage[1], err, errlen)))
				return rc;
		} else if (!strcmp(name, "--iterations")) {
			if (pt_parse_u64(val, 1, PT_MAX_ITERATIONS, &v)) {
				snprintf(err, errlen,
					 "--iterations=%s: expected a whole "
					 "number 1..%llu",
					 val,
					 (unsigned long long)PT_MAX_ITERATIONS);
				return -EINVAL;
			}
			o->iterations = v;
		} else if (arg[0] != '-') {
			snprintf(err, errlen,
				 "unexpected argument '%s' (see bench --help)",
				 arg);
			return -EINVAL;
		} else {
			snprintf(err, errlen,
				 "unknown option '%s' (see bench --help)", arg);
			return -EINVAL;
		}
	}
	/* A fixed count needs no time: Google Benchmark would drop one. */
	for (int i = 1; o->iterations && i < o->gb_argc; i++)
		if (!strncmp(o->gb_argv[i], "--benchmark_min_time=", 21)) {
			snprintf(err, errlen,
				 "--iterations and --min-time exclude each "
				 "other (a fixed count of iterations takes "
				 "the time it takes)");
			return -EINVAL;
		}
	/* --ci takes the median of three repetitions unless told. */
	if (o->ci && !o->repetitions_given) {
		snprintf(o->gb_storage[0], sizeof(o->gb_storage[0]),
			 "--benchmark_repetitions=%d", PT_CI_REPETITIONS);
		if ((rc = gb_push(o, o->gb_storage[0], err, errlen)))
			return rc;
	}
	return check_gb_repeats(o, err, errlen);
}

void pt_print_usage(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	printf(
	    "Measure workloads under process and thread executors, through "
	    "Google Benchmark.\n"
	    "\n"
	    "What to run (each LIST is comma-separated; 'all' takes every "
	    "entry):\n"
	    "  --executor=LIST|all   executors (default: all)\n"
	    "  --workload=LIST|all   workloads (default: cpu-hash,io-sleep)\n"
	    "  --workers=LIST        worker counts: 1,2,4 or 1..16 or 1..16:x2 "
	    "or 2..8:+2\n"
	    "                        (default: 1..%ld, the online CPUs); RxT: "
	    "R "
	    "ranks x T\n"
	    "                        threads (mpi+thread-pool)\n"
	    "  --tasks=N             tasks per job (default: per workload)\n"
	    "  --param K=V[,V...]    workload parameter, or WORKLOAD.K=V; a "
	    "list sweeps\n"
	    "  --schedule=S          static, dynamic (default) or guided, as "
	    "in OpenMP\n"
	    "  --chunk=N             tasks claimed at a time (default 0: the "
	    "schedule's)\n"
	    "  --wait=P              adaptive (default), spin or block: how "
	    "idle workers wait\n"
	    "  --pin=P               none (default), compact or spread: bind "
	    "worker w to a CPU\n"
	    "  --transport=LIST      shm (default) or pipe: how ipc-payload "
	    "bytes reach\n"
	    "                        process workers; shm,pipe runs both\n"
	    "  --start=LIST          fork (default), forkserver, spawn: how "
	    "process-pool and\n"
	    "                        process-per-task make processes; a list "
	    "runs each\n"
	    "\n"
	    "How to measure:\n"
	    "  --repetitions=N       repeat each benchmark N times, with "
	    "aggregates\n"
	    "  --min-time=S          run each benchmark at least S seconds\n"
	    "  --iterations=N        exactly N jobs per repetition, whatever "
	    "they take\n"
	    "                        (instead of --min-time; steadier CPU "
	    "per job for bench ab)\n"
	    "  --timeout=S           per configuration (default 120s); a "
	    "hang is recorded\n"
	    "  --on-task-failure=P   abort (default), continue or retry:N: "
	    "what a crashed\n"
	    "                        task means (process executors)\n"
	    "  --task-timeout=S      kill a task running longer (process "
	    "executors)\n"
	    "  --benchmark_*         any Google Benchmark flag, e.g. "
	    "--benchmark_filter=pool\n"
	    "\n"
	    "Output:\n"
	    "  --format=F            console (default: a table with speedup, "
	    "efficiency and\n"
	    "                        conclusions), console-full (Google "
	    "Benchmark's rows),\n"
	    "                        json or csv, on standard output\n"
	    "  --out=FILE            write the results (Google Benchmark "
	    "JSON) to FILE\n"
	    "  --counters=LIST       PAPI events counted in every worker "
	    "(names, or default)\n"
	    "  --trace=FILE          write a Chrome trace-event timeline of "
	    "one job per config\n"
	    "  --ci                  results fit for CI trackers: one entry "
	    "per configuration\n"
	    "                        (median of %d repetitions unless "
	    "--repetitions), no errors\n"
	    "  --dry-run             check everything and print the plan; "
	    "run nothing\n"
	    "  --list                list workloads, parameters and "
	    "executors\n"
	    "  --completion=bash     print a bash completion script\n"
	    "  --help, --version\n"
	    "\n"
	    "Exit status: 0 all configurations measured, 1 some "
	    "configuration failed\n"
	    "(recorded as an error entry), 2 bad usage or input.\n"
	    "On a terminal a progress line is shown on standard error "
	    "(not when CI is set).\n",
	    cpus, PT_CI_REPETITIONS);
}
