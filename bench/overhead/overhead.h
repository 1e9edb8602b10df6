/*
 * `bench overhead`: the harness measuring itself against the physical
 * limits of the machine (issue 9's figures and targets).
 */
#ifndef PT_OVERHEAD_H
#define PT_OVERHEAD_H

/*
 * `bench overhead [--quick] [--format=console|json] [--out FILE]`; argv[0]
 * is "overhead". Returns 0 when every row was measured (met targets or
 * not), 1 when a measurement failed, 2 for bad arguments.
 */
int overhead_main(int argc, char **argv);

#endif
