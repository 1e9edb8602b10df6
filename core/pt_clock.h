/*
 * The monotonic clock, one definition for every room: pt_now_ns() in
 * nanoseconds (the dispatch core, the probe), pt_now() in seconds (the
 * driver, the gate, claims, overhead, the progress line). Both read
 * CLOCK_MONOTONIC; header-only, so runners/ may use it without a library.
 */
#ifndef PT_CLOCK_H
#define PT_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t pt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline double pt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
