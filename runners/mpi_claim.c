/*
 * Claim arithmetic for the mpi executors (see mpi_claim.h): the same
 * schedules as the dispatch core, written as pure functions of the claim
 * counter's value.
 */
#include "mpi_claim.h"

/* As in the dispatch core: larger chunks gain nothing, and could overflow
 * the counter's arithmetic. */
#define CLAIM_MAX_CHUNK (UINT64_C(1) << 32)

uint64_t ex_claim_chunk(enum ex_schedule schedule, uint64_t chunk)
{
	if (chunk > CLAIM_MAX_CHUNK)
		chunk = CLAIM_MAX_CHUNK;
	if (chunk == 0 && schedule != EX_SCHED_STATIC)
		chunk = 1;
	return chunk;
}

bool ex_claim_static(uint64_t ntasks, unsigned workers, unsigned w,
		     uint64_t chunk, uint64_t k, uint64_t *begin, uint64_t *end)
{
	if (workers == 0 || w >= workers)
		return false;
	if (chunk == 0) {
		uint64_t share = ntasks / workers, extra = ntasks % workers;

		if (k > 0)
			return false;
		*begin = w * share + (w < extra ? w : extra);
		*end = *begin + share + (w < extra ? 1 : 0);
		return *end > *begin;
	}
	/* Chunk k of worker w is chunk number k * W + w of the job. */
	if (k > ntasks / chunk / workers + 1)
		return false;
	*begin = (k * workers + w) * chunk;
	if (*begin >= ntasks)
		return false;
	*end = ntasks - *begin < chunk ? ntasks : *begin + chunk;
	return true;
}

bool ex_claim_dynamic(uint64_t ntasks, uint64_t chunk, uint64_t begin,
		      uint64_t *end)
{
	if (begin >= ntasks)
		return false;
	*end = ntasks - begin < chunk ? ntasks : begin + chunk;
	return true;
}

uint64_t ex_claim_guided_size(uint64_t ntasks, uint64_t next, unsigned workers,
			      uint64_t chunk)
{
	uint64_t remaining, size;

	if (next >= ntasks || workers == 0)
		return 0;
	remaining = ntasks - next;
	size = (remaining + workers - 1) / workers;
	if (size < chunk)
		size = chunk;
	return size > remaining ? remaining : size;
}
