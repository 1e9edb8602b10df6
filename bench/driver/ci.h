/*
 * --ci: a results document that CI trackers read right.
 *
 * github-action-benchmark (tool: googlecpp) and Bencher (adapter
 * cpp_google) read Google Benchmark JSON, but key every series by the
 * entry's name and read real_time as the measurement: repetitions under
 * one name collide (the first or the last wins), the cv aggregate becomes
 * a time, and an errored configuration a value of 0. pt_ci_reduce() leaves
 * one entry per configuration, named as the configuration (so that a series
 * keeps its name whatever --repetitions says): the median of the
 * repetitions as a plain iteration entry, and no entry at all for an
 * errored configuration; those are listed in the context instead
 * (procthread_ci_errors), and the run still exits 1.
 */
#ifndef PT_CI_H
#define PT_CI_H

#include <jansson.h>

/* Returns the number of errored configurations left out, or -ENOMEM. */
int pt_ci_reduce(json_t *doc);

#endif
