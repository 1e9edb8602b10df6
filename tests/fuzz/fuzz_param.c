/*
 * libFuzzer target: --param values (wl_param_parse, for every parameter of
 * every workload) and the --param splitting and value lists of the command
 * line (pt_parse_args and pt_plan_build).
 *
 * The design is simple: the first byte of the input picks a parameter, the
 * rest is the text. A value that parses lies within the parameter's range,
 * and formatting it gives text that parses back to the same value (what
 * wl_param_format promises). The same text, as `--param TEXT` for every
 * workload, must be refused with a reason or expand into a plan.
 */
#include <math.h>

#include "cli.h"
#include "fuzz_input.h"
#include "plan.h"

static const struct wl_param *pick(unsigned n)
{
	unsigned total = 0;

	for (unsigned i = 0; wl_all[i]; i++)
		total += wl_param_count(wl_all[i]);
	n %= total;
	for (unsigned i = 0; wl_all[i]; i++) {
		unsigned c = wl_param_count(wl_all[i]);

		if (n < c)
			return &wl_all[i]->params[n];
		n -= c;
	}
	abort();
}

static void value(const struct wl_param *p, const char *text)
{
	char why[256] = "", shown[64];
	double v, again;

	if (wl_param_parse(p, text, &v, why, sizeof(why))) {
		if (!why[0])
			abort();
		return;
	}
	if (!isfinite(v) || v < p->min || v > p->max)
		abort();
	wl_param_format(p, v, shown, sizeof(shown));
	if (wl_param_parse(p, shown, &again, why, sizeof(why)) || again != v)
		abort();
}

static void command_line(char *text)
{
	char *argv[] = {(char *)"bench",
			(char *)"--workload=all",
			(char *)"--executor=serial,pool",
			(char *)"--param",
			text,
			NULL};
	struct pt_options *o = calloc(1, sizeof(*o));
	struct pt_plan plan = {0};
	char err[512] = "";

	if (!o)
		abort();
	if (!pt_parse_args(5, argv, o, err, sizeof(err))) {
		err[0] = '\0';
		if (pt_plan_build(o, &plan, err, sizeof(err)))
			plan.n = 0;
		else if (plan.n == 0)
			abort();
	}
	if (!plan.n && !err[0])
		abort(); /* refused without a reason */
	pt_plan_free(&plan);
	free(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size == 0)
		return 0;
	text = fuzz_text(data + 1, size - 1);
	value(pick(data[0]), text);
	command_line(text);
	free(text);
	return 0;
}
