/*
 * `bench claims`: one small experiment per textbook claim about processes
 * and threads, run on this machine, each decided by a stated rule
 * (claims_rules.h) from figures measured in the same run.
 */
#ifndef PT_CLAIMS_H
#define PT_CLAIMS_H

/* argv[0] is "claims". Returns the process exit status. */
int claims_main(int argc, char **argv);

#endif
