/*
 * Exit statuses shared by every subcommand (docs/usage.md): 0 success, 1 a
 * failed run or a regression (each command says which), EXIT_USAGE for
 * bad flags or input refused before anything runs.
 */
#ifndef PT_EXIT_H
#define PT_EXIT_H

#define EXIT_USAGE 2

#endif
