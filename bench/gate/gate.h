/*
 * bench compare: the statistical regression gate over two results files.
 */
#ifndef PT_GATE_H
#define PT_GATE_H

/* `bench compare ARGS...`: argv[0] is "compare". Returns the exit status:
 * 0 no regression, 1 a regression, 2 usage or input error. */
int gate_main(int argc, char **argv);

/* `bench ab ARGS...`: argv[0] is "ab". Runs a baseline binary and this one
 * alternately and compares them; same exit status as gate_main(). */
int gate_ab_main(int argc, char **argv);

/* `bench gate-power ARGS...`: the false-alarm and detection rates of
 * bench ab on this machine. Exit status 0, 2 on error, 128 + signal. */
int gate_power_main(int argc, char **argv);

#endif
