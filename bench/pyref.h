/*
 * bench pyref: the py-* workloads under our executors and Python's own
 * pools, in one run and one results file (see pyref.c).
 */
#ifndef PT_PYREF_H
#define PT_PYREF_H

/*
 * argv[0] is "pyref"; the rest are ordinary run flags. Calls run (bench's
 * ordinary run) with the defaults of pyref for the flags not given.
 */
int pyref_main(int argc, char **argv, int (*run)(int, char **));

#endif
