/*
 * Private to workloads/: the descriptors that registry.c lists, and helpers
 * the kernels share. Code outside workloads/ uses workload.h and wl_all[];
 * the unit tests include this header to reach constants such as the fault
 * workload's exit code.
 */
#ifndef PT_WL_KERNELS_H
#define PT_WL_KERNELS_H

#include "workload.h"

extern const struct workload wl_cpu_hash;
extern const struct workload wl_cpu_float;
extern const struct workload wl_mem_stream;
extern const struct workload wl_io_sleep;
extern const struct workload wl_io_file;
extern const struct workload wl_fault;

/* Exit status of a task of the fault workload in mode "exit". */
#define WL_FAULT_EXIT_CODE 3

/*
 * Checksum an io-file task returns when it could not write, read back or
 * verify its file. It is never a valid checksum (short of a 2^-64 accident),
 * so the driver's verification reports the task as wrong.
 */
#define WL_IO_FILE_POISON 0

/*
 * Checks that values[] (one per parameter of w) are finite, whole where
 * required and within range, as wl_param_parse would. Setups call it first
 * because a caller may hand them values that never went through the parser.
 * Returns 0, or -EINVAL / -ERANGE and a one-line reason in err.
 */
int wl_param_check_all(const struct workload *w, const double *values,
		       char *err, size_t errlen);

#endif
