/*
 * bench's side of the process-spawn executor: the job written as text
 * (ex_config.spawn_spec) and the hidden worker mode that runs one task of it
 * in a freshly spawned bench.
 */
#ifndef PT_SPAWN_WORKER_H
#define PT_SPAWN_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "executor.h"
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

/* A job as a spec describes it; wl is NULL for the noop job. */
struct pt_spawn_job {
	const struct workload *wl;
	uint64_t ntasks;
	double params[WL_MAX_PARAMS];
};

/*
 * Parses a spec (not modified) into job. Returns 0, or -EINVAL and a
 * one-line reason in err.
 */
int pt_spawn_parse(const char *spec, struct pt_spawn_job *job, char *err,
		   size_t errlen);

/*
 * Sets job's workload up in a process that does not inherit the parent's
 * memory (a spawned child, the fork server): with the workload's
 * fresh_params applied, and for one task where the input comes from the
 * parent (payload workloads). Returns 0, or a negative errno code and a
 * one-line reason in err.
 */
int pt_spawn_setup(const struct pt_spawn_job *job, void **state, char *err,
		   size_t errlen);

/*
 * In a worker process with its own copy of the job (the fork server's
 * children, a spawned pool worker): the function and argument that run a
 * task of slot as a forked worker would. A payload job attaches to the
 * slot's channel (CHANNEL text, descriptors from EX_SPAWN_CHANNEL_FD on);
 * when it cannot, the process exits PT_TRANSPORT_WORKER_EXIT.
 */
void pt_spawn_task_fn(const struct pt_spawn_job *job, void *state,
		      const char *channel, unsigned slot, ex_task_fn *fn,
		      void **arg);

/*
 * The pool worker mode of process-pool --start=spawn: argv[1] is
 * EX_POOL_WORKER_FLAG (see executor.h). Rebuilds the job, maps the
 * control block at the caller's address and runs the worker loop until
 * the pool shuts down; 0. A malformed argv: one line and 2; a failure to
 * set up: one line and 1.
 */
int pt_pool_worker_main(int argc, char **argv);
/*
 * The mpi executors' rank mode: argv[1] is EX_MPI_WORKER_FLAG (ex_mpi.h).
 * Each rank sets the job of its SPEC up once and serves every task it is
 * handed; returns the rank's exit status.
 */
int pt_mpi_worker_main(int argc, char **argv);

#endif
