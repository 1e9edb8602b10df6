/*
 * The mpi executors' claim arithmetic (runners/mpi_claim.h), without MPI:
 * whatever the schedule, chunk, worker count and interleaving of claims,
 * every task of a job lands in exactly one claimed range, and a worker's
 * ranges are what the schedule promises (static: its block or its
 * round-robin chunks; dynamic: chunk tasks; guided: shrinking, never below
 * chunk but for the last).
 */
#include "mpi_claim.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAX_TASKS 200

static unsigned ran[MAX_TASKS];

static void take(uint64_t begin, uint64_t end, uint64_t ntasks)
{
	assert_true(begin < end);
	assert_true(end <= ntasks);
	for (uint64_t i = begin; i < end; i++)
		ran[i]++;
}

static void assert_each_once(uint64_t ntasks)
{
	for (uint64_t i = 0; i < ntasks; i++)
		assert_int_equal(ran[i], 1);
}

static void test_static(void **state)
{
	(void)state;
	for (uint64_t n = 0; n <= 37; n++)
		for (unsigned w = 1; w <= 6; w++)
			for (uint64_t chunk = 0; chunk <= 5; chunk++) {
				uint64_t begin, end;

				memset(ran, 0, sizeof(ran));
				for (unsigned me = 0; me < w; me++)
					for (uint64_t k = 0;
					     ex_claim_static(n, w, me, chunk, k,
							     &begin, &end);
					     k++) {
						take(begin, end, n);
						if (chunk)
							assert_true(end -
									begin <=
								    chunk);
						else
							assert_int_equal(k, 0);
					}
				assert_each_once(n);
			}
}

/* Workers claim in a pseudo-random order, as ranks racing would. */
static void test_dynamic_and_guided(void **state)
{
	(void)state;
	srand(7);
	for (uint64_t n = 0; n <= 61; n++)
		for (unsigned w = 1; w <= 5; w++)
			for (uint64_t c = 0; c <= 4; c++) {
				uint64_t chunk =
				    ex_claim_chunk(EX_SCHED_DYNAMIC, c);
				uint64_t counter = 0, end, size, last = n;

				assert_true(chunk >= 1);
				memset(ran, 0, sizeof(ran));
				/* Dynamic: fetch-and-add, past the end too. */
				for (;;) {
					uint64_t begin = counter;

					counter += chunk;
					if (!ex_claim_dynamic(n, chunk, begin,
							      &end))
						break;
					take(begin, end, n);
				}
				assert_each_once(n);
				/* Guided: sizes shrink, >= chunk but the
				 * last. */
				memset(ran, 0, sizeof(ran));
				counter = 0;
				while ((size = ex_claim_guided_size(
					    n, counter, w, chunk)) > 0) {
					assert_true(size <= last);
					assert_true(size >= chunk ||
						    counter + size == n);
					take(counter, counter + size, n);
					last = size;
					counter += size;
				}
				assert_each_once(n);
			}
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(ex_claim_chunk(EX_SCHED_STATIC, 0), 0);
	assert_int_equal(ex_claim_chunk(EX_SCHED_DYNAMIC, 0), 1);
	assert_int_equal(ex_claim_chunk(EX_SCHED_GUIDED, 0), 1);
	assert_int_equal(ex_claim_chunk(EX_SCHED_DYNAMIC, 9), 9);
	assert_true(ex_claim_chunk(EX_SCHED_DYNAMIC, UINT64_MAX) <
		    UINT64_MAX / 4);
	assert_false(
	    ex_claim_static(10, 0, 0, 0, 0, &(uint64_t){0}, &(uint64_t){0}));
	assert_int_equal(ex_claim_guided_size(10, 10, 2, 1), 0);
	assert_int_equal(ex_claim_guided_size(10, 0, 2, 1), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_static),
	    cmocka_unit_test(test_dynamic_and_guided),
	    cmocka_unit_test(test_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
