/*
 * The readable console: what `bench` prints by default (--format=console).
 *
 * The parent gathers every configuration's Google Benchmark entries into the
 * results document; at the end of the run this module turns that document
 * into one table row per configuration (job time as the median of the
 * repetitions, speedup against the serial row of the same workload and
 * parameters, efficiency, overhead per task, creation per worker, CPU use,
 * flags) that fits 100 columns, and a few conclusions computed from the
 * same numbers. Google Benchmark's own rows stay available as
 * --format=console-full; the JSON and CSV outputs do not pass through here.
 */
#ifndef PT_CONSOLE_H
#define PT_CONSOLE_H

#include <jansson.h>
#include <stdio.h>

/* The widest line the table and the conclusions may take. */
#define PT_CONSOLE_WIDTH 100

/* A configuration whose job times vary more than this (coefficient of
 * variation over its repetitions) is flagged "noisy". */
#define PT_CONSOLE_NOISY_CV 0.05

/*
 * Writes the table and the conclusions for doc (a results document in
 * Google Benchmark's schema) to out. Returns the number of configurations
 * shown, or a negative errno code (-ENOMEM).
 */
int pt_console_render(json_t *doc, FILE *out);

#endif
