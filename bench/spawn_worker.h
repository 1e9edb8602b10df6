/*
 * bench's side of the process-spawn executor: the job written as text
 * (ex_config.spawn_spec) and the hidden worker mode that runs one task of it
 * in a freshly spawned bench.
 */
#ifndef PT_SPAWN_WORKER_H
#define PT_SPAWN_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "workload.h"

/*
 * Writes "WORKLOAD/tasks=N/KEY=VALUE/..." for workload w with parameter
 * values params (each as wl_param_format writes it, which wl_param_parse
 * reads back exactly). Returns 0, or -ENAMETOOLONG if buf is too small.
 */
int pt_spawn_spec(const struct workload *w, const double *params,
		  uint64_t ntasks, char *buf, size_t len);

/*
 * The worker mode: argv[1] is EX_SPAWN_WORKER_FLAG. Rebuilds the job from
 * the spec, runs its task, sends the checksum and returns 0, printing
 * nothing. A malformed argv or spec: one line "bench: ..." and 2. A
 * workload whose setup fails: one line and 1.
 */
int pt_spawn_worker_main(int argc, char **argv);

/*
 * The mpi executors' rank mode: argv[1] is EX_MPI_WORKER_FLAG (ex_mpi.h).
 * Each rank sets the job of its SPEC up once and serves every task it is
 * handed; returns the rank's exit status.
 */
int pt_mpi_worker_main(int argc, char **argv);

#endif
