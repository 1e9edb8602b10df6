/*
 * py-bytecode and py-release in a build without CPython (-Dpython=disabled
 * or no python3-dev): stand-ins that registry.c keeps out of wl_all[] and
 * wl_find() still knows, so that naming one is refused with the reason
 * instead of "unknown name". Never set up: the CLI refuses them first.
 */
#include <errno.h>
#include <stdio.h>

#include "wl_kernels.h"

#define WHY "built without Python (needs python3-dev, meson -Dpython)"

static const struct wl_param no_params[] = {{.name = NULL}};

static int absent_setup(const double *params, uint64_t ntasks, void **state,
			char *err, size_t errlen)
{
	(void)params;
	(void)ntasks;
	*state = NULL;
	snprintf(err, errlen, "%s", WHY);
	return -ENOTSUP;
}

static uint64_t absent_run(void *state, uint64_t index, unsigned worker)
{
	(void)state;
	(void)worker;
	return index;
}

const struct workload wl_py_bytecode = {
    .name = "py-bytecode",
    .summary = "a pure-Python loop in the embedded CPython",
    .kind = WL_CONTENTION,
    .params = no_params,
    .default_tasks = 200,
    .setup = absent_setup,
    .run_task = absent_run,
    .unavailable = WHY,
};

const struct workload wl_py_release = {
    .name = "py-release",
    .summary = "Python, then C with the GIL released",
    .kind = WL_CONTENTION,
    .params = no_params,
    .default_tasks = 200,
    .setup = absent_setup,
    .run_task = absent_run,
    .unavailable = WHY,
};
