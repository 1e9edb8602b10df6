/*
 * The program's side of the mpi executors: the hidden worker mode every
 * rank runs, and what a program started by a user's mpiexec does.
 *
 * A rank is started by MPI_Comm_spawn as
 *   PROGRAM --procthread-mpi-worker SPEC SCHEDULE CHUNK THREADS PIN PARENT
 * SPEC is ex_config.spawn_spec (the job as text, as for process-spawn),
 * SCHEDULE and PIN as the command line spells them, CHUNK the chunk (0:
 * the schedule's default), THREADS the threads per rank (1: mpi; T:
 * mpi+thread-pool), PARENT the coordinator's pid. The program checks argv[1]
 * against the flag first thing in main() and hands the rank to
 * ex_mpi_worker_main() with a way to turn SPEC into a task function.
 */
#ifndef PT_EX_MPI_H
#define PT_EX_MPI_H

#include <stdbool.h>
#include <stddef.h>

#include "executor.h"

#define EX_MPI_WORKER_FLAG "--procthread-mpi-worker"

/* How a rank makes its tasks from SPEC (bench: spawn_worker.c's parser). */
struct ex_mpi_tasks {
	/* Returns 0 with *fn and *arg, or a negative errno code and why. */
	int (*setup)(void *ctx, const char *spec, ex_task_fn *fn, void **arg,
		     char *err, size_t errlen);
	void (*teardown)(void *ctx, void *arg); /* after the last job */
	void *ctx;
};

/*
 * The worker mode: joins the coordinator that spawned this process, serves
 * its jobs until it is told to stop, finalizes MPI. Returns the exit
 * status: 0, or 1 with one line "bench: mpi worker: ..." on standard error
 * (a malformed argv: 2).
 */
int ex_mpi_worker_main(int argc, char **argv, const struct ex_mpi_tasks *tasks);

/*
 * The end of a process that ran mpi executors (bench's configuration
 * child, after its last stop()): finalizes the MPI singleton, so that
 * Open MPI's orted leaves at once. Nothing when MPI was never initialized.
 */
void ex_mpi_finalize(void);

/*
 * First thing in main(), before any thread exists: whether this program
 * was started by a user's mpiexec (Open MPI's OMPI_COMM_WORLD_* variables).
 * Then rank 0 forgets that job (its configuration children start their own
 * ranks as singletons) and goes on; every other rank returns true: it has
 * nothing to do and should exit 0 at once. See docs/mpi.md.
 */
bool ex_mpi_launched_rank_exits(void);

#endif
