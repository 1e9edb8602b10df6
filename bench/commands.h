/*
 * The subcommands of bench: one table, in main.c, is the one place that
 * lists them. main() dispatches from it, `bench --help` prints its usage
 * lines from it, and the bash completion offers its names. A new
 * subcommand is one room under bench/ and one row here
 * (docs/architecture.md).
 */
#ifndef PT_COMMANDS_H
#define PT_COMMANDS_H

struct pt_command {
	const char *name;  /* bench NAME ... */
	const char *usage; /* what follows the name on --help's usage line */
	int (*fn)(int argc, char **argv); /* argv[0] is NAME */
};

/* NULL-terminated (main.c). */
extern const struct pt_command pt_commands[];

#endif
