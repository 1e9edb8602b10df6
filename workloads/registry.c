/*
 * The workload registry: one explicit, NULL-terminated table.
 *
 * The design is simple: every kernel file exports one const descriptor and
 * this table names each of them, in --list order. An explicit table rather
 * than constructor self-registration, because the linker drops objects of a
 * static library that nothing references, and an entry would vanish without
 * a word. Adding a workload is one file plus one line here.
 */
#include <string.h>

#include "wl_kernels.h"

const struct workload *const wl_all[] = {
    &wl_cpu_hash,
    &wl_cpu_float,
    &wl_mem_stream,
    &wl_io_sleep,
    &wl_io_file,
    &wl_fault,
    &wl_gil,
    &wl_lock_contention,
    &wl_false_sharing,
    &wl_malloc_churn,
    &wl_cpu_skewed,
    &wl_fork_footprint,
    &wl_io_net,
    &wl_page_touch,
    &wl_ipc_payload,
#ifdef PT_HAVE_PYTHON
    &wl_py_bytecode,
    &wl_py_release,
#endif
    NULL,
};

/* Known by name but not listed: what this build lacks (named, a workload
 * here is refused with its reason). */
static const struct workload *const absent[] = {
#ifndef PT_HAVE_PYTHON
    &wl_py_bytecode,
    &wl_py_release,
#endif
    NULL,
};

const struct workload *wl_find(const char *name)
{
	for (unsigned i = 0; name && wl_all[i]; i++)
		if (strcmp(wl_all[i]->name, name) == 0)
			return wl_all[i];
	for (unsigned i = 0; name && absent[i]; i++)
		if (strcmp(absent[i]->name, name) == 0)
			return absent[i];
	return NULL;
}

const char *wl_kind_name(enum wl_kind kind)
{
	switch (kind) {
	case WL_CPU:
		return "cpu";
	case WL_MEMORY:
		return "memory";
	case WL_IO:
		return "io";
	case WL_IPC:
		return "ipc";
	case WL_CONTENTION:
		return "contention";
	case WL_FAULT:
		return "fault";
	}
	return "unknown";
}

int wl_setup(const struct workload *w, const double *params, uint64_t ntasks,
	     void **state, char *err, size_t errlen)
{
	int rc = wl_param_check_all(w, params, err, errlen);

	if (rc)
		return rc;
	return w->setup(params, ntasks, state, err, errlen);
}
