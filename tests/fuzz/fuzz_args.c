/*
 * libFuzzer target: the whole bench command line (pt_parse_args, then
 * pt_plan_build as bench runs them before anything is measured).
 *
 * The design is simple: the input, split on NUL bytes, is argv after
 * "bench". Whatever it holds, the command line is refused with a reason or
 * gives options whose lists are within bounds and a plan of at least one
 * configuration, each named. Nothing is run.
 */
#include "cli.h"
#include "fuzz_input.h"
#include "plan.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	char *argv[MAX_ARGS + 2] = {(char *)"bench"};
	int argc = 1;
	struct pt_options *o = calloc(1, sizeof(*o));
	struct pt_plan plan = {0};
	char err[512] = "";

	if (!o)
		abort();
	/* size + 1 bytes: the last argument ends at the added NUL. */
	for (size_t start = 0; start <= size && argc <= MAX_ARGS;) {
		argv[argc++] = text + start;
		start += strlen(text + start) + 1;
	}
	argv[argc] = NULL;
	if (pt_parse_args(argc, argv, o, err, sizeof(err))) {
		if (!err[0])
			abort();
		goto out;
	}
	if (o->nworkers > PT_MAX_LIST || o->nexecutors > 16 ||
	    o->nworkloads > 64 || o->nparams > 32 || o->gb_argc >= 64)
		abort();
	if (pt_plan_build(o, &plan, err, sizeof(err))) {
		if (!err[0])
			abort();
		goto out;
	}
	if (plan.n == 0)
		abort();
	for (size_t i = 0; i < plan.n; i++)
		if (!plan.configs[i].name[0])
			abort();
out:
	pt_plan_free(&plan);
	free(o);
	free(text);
	return 0;
}
