/*
 * The progress line: on a terminal, one line on standard error that
 * rewrites itself while a run goes on,
 *   [12/48] cpu-hash/process-pool/workers:4 rep 3/5  ETA 1m20s
 * and disappears at the end. Never written when standard error is not a
 * terminal or the CI environment variable is set, so it never lands in a
 * file or a CI log.
 *
 * The parent announces each configuration before it forks the child; the
 * child, which inherits the state, updates the repetition from the driver.
 * The ETA is the mean time of the configurations done so far times those
 * left, counted down while the current one runs.
 */
#ifndef PT_PROGRESS_H
#define PT_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decides once whether progress is shown; total configurations, and the
 * repetitions each makes (Google Benchmark's --benchmark_repetitions). */
void pt_progress_begin(size_t total, unsigned repetitions);

/* Configuration index (0-based) named name starts now. */
void pt_progress_config(size_t index, const char *name);

/*
 * In the child, at the start of every Google Benchmark run of the
 * configuration, with the iterations planned for it: runs that repeat the
 * previous run's iteration count are the repetitions after the first (the
 * first repetition's runs grow the count while the library calibrates).
 */
void pt_progress_run(int64_t iterations);

/* Erases the line (before other output, and at the end). */
void pt_progress_clear(void);

/* True when the line is shown (for tests and callers that print). */
bool pt_progress_shown(void);

#endif
