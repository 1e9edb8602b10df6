/*
 * Task claiming for workers that share no memory with each other (MPI
 * ranks), as plain arithmetic over a claim counter, so that it can be
 * tested without MPI.
 *
 * The design is simple: the schedules mean what they mean in the dispatch
 * core (core.c) and in OpenMP. Static needs no counter: worker w of W takes
 * one contiguous block (chunk 0) or every W-th chunk from its own. Dynamic
 * takes chunk tasks per fetch-and-add on the counter. Guided takes
 * max(chunk, ceil(remaining / W)) tasks per compare-and-swap, so the size
 * depends on the counter's value. The MPI executor applies these to a
 * counter in an MPI window (MPI_Fetch_and_op, MPI_Compare_and_swap).
 *
 * Invariant: over any interleaving of claims, every task 0..ntasks-1 is in
 * exactly one claimed range (tests/test_mpi_claim.c checks it).
 */
#ifndef PT_MPI_CLAIM_H
#define PT_MPI_CLAIM_H

#include <stdbool.h>
#include <stdint.h>

#include "executor.h"

/* The chunk a schedule uses: chunk as given, or its default (static: 0,
 * one block per worker; dynamic and guided: 1). */
uint64_t ex_claim_chunk(enum ex_schedule schedule, uint64_t chunk);

/*
 * Static schedule: the k-th range (k = 0, 1, ...) of worker w of W in a job
 * of ntasks. Returns false once the worker has no k-th range.
 */
bool ex_claim_static(uint64_t ntasks, unsigned workers, unsigned w,
		     uint64_t chunk, uint64_t k, uint64_t *begin,
		     uint64_t *end);

/* Dynamic: the range claimed when the counter read begin; false if none. */
bool ex_claim_dynamic(uint64_t ntasks, uint64_t chunk, uint64_t begin,
		      uint64_t *end);

/*
 * Guided: how many tasks a claim takes when the counter reads next (0 when
 * next >= ntasks).
 */
uint64_t ex_claim_guided_size(uint64_t ntasks, uint64_t next, unsigned workers,
			      uint64_t chunk);

#endif
