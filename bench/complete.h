/*
 * Shell completion: `bench --completion=bash` writes a bash completion
 * script for bench, built from the same tables as --list and the parser
 * (executors and their aliases, workloads and their parameters, the flags
 * of a run and the choices of each). meson runs it at build time and
 * installs the script; the subcommands' own flags are read from their
 * --help when completing, so they never go stale.
 */
#ifndef PT_COMPLETE_H
#define PT_COMPLETE_H

#include <stdio.h>

/* Writes the bash script to out; 0, or -EIO if writing failed. */
int pt_print_bash_completion(FILE *out);

#endif
