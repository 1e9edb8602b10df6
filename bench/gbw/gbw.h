/*
 * gbw: a thin C API over Google Benchmark (libbenchmark), so that every
 * measurement in procthread goes through Google Benchmark's iteration loop,
 * repetitions, aggregates, filters and reporters, while the rest of the suite
 * stays C17. The implementation is the one C++ file of the project (gbw.cc);
 * this header includes no C++.
 *
 * Usage, in order: gb_init() with the --benchmark_* arguments, gb_add_context()
 * for extra context keys, gb_register() one or more benchmarks, gb_run(), then
 * gb_shutdown(). A benchmark function loops `while (gb_keep_running(st))` and
 * may report manual iteration times, counters, a label, or an error.
 */
#ifndef PT_GBW_H
#define PT_GBW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gb_state gb_state; /* wraps benchmark::State */
typedef struct gb_bench gb_bench; /* wraps benchmark::internal::Benchmark */

typedef void (*gb_fn)(gb_state *st, void *arg);

enum gb_unit { GB_NS, GB_US, GB_MS, GB_S };

enum gb_format { GB_FORMAT_CONSOLE, GB_FORMAT_JSON, GB_FORMAT_CSV };

/* Counter flags, mirroring benchmark::Counter::Flags. */
enum gb_counter_flags {
	GB_COUNTER_DEFAULT = 0,
	GB_COUNTER_RATE = 1,	       /* value / real time */
	GB_COUNTER_AVG_ITERATIONS = 2, /* value / iterations */
};

/*
 * Passes argv to benchmark::Initialize, which consumes the --benchmark_*
 * flags it knows. Returns 0, or -EINVAL if an argument other than argv[0]
 * was not recognised; then *bad points at it.
 */
int gb_init(int argc, char **argv, const char **bad);

/* Adds a key to the "context" object of every report. */
void gb_add_context(const char *key, const char *value);

/* Registers fn(st, arg) under name. arg must outlive gb_run(). */
gb_bench *gb_register(const char *name, gb_fn fn, void *arg);
void gb_bench_use_real_time(gb_bench *b);
void gb_bench_use_manual_time(gb_bench *b);
void gb_bench_unit(gb_bench *b, enum gb_unit unit);
void gb_bench_iterations(gb_bench *b, int64_t n);
void gb_bench_repetitions(gb_bench *b, int n);

/* The iteration loop: true while Google Benchmark wants more iterations. */
bool gb_keep_running(gb_state *st);
int64_t gb_iterations(const gb_state *st); /* iterations of this run */
void gb_pause_timing(gb_state *st);
void gb_resume_timing(gb_state *st);
void gb_set_iteration_time(gb_state *st, double seconds); /* manual time */
void gb_set_items_processed(gb_state *st, int64_t items);
void gb_set_bytes_processed(gb_state *st, int64_t bytes);
void gb_set_counter(gb_state *st, const char *name, double value,
		    unsigned flags);
void gb_set_label(gb_state *st, const char *label);
/* Marks the run as failed; the caller must leave the loop afterwards. */
void gb_skip_with_error(gb_state *st, const char *message);

struct gb_run_options {
	enum gb_format display; /* what goes to standard output */
	const char *out_path;	/* file report (JSON), or NULL */
	/*
	 * For runs split over several processes: print the console context and
	 * the CSV header only when true, and align console names to name_width
	 * (0: Google Benchmark's own width).
	 */
	bool print_header;
	size_t name_width;
	/* Called before the display reporter writes anything (a progress
	 * line on the terminal gets erased there), or NULL. */
	void (*before_output)(void);
};

/*
 * Runs every registered benchmark that matches --benchmark_filter, printing
 * to standard output in opts->display format and, if out_path is set,
 * writing Google Benchmark's JSON there. Returns the number of benchmarks run,
 * or a negative errno code if the output could not be opened.
 */
long gb_run(const struct gb_run_options *opts);

/*
 * Google Benchmark's JSON "context" object for this machine and process,
 * including keys added with gb_add_context(), as a malloc'd JSON text of the
 * form {"context": {...}}. NULL on allocation failure.
 */
char *gb_context_json(void);

/* The libbenchmark version this binary was built against. */
const char *gb_library_version(void);

void gb_shutdown(void);

#ifdef __cplusplus
}
#endif

#endif
