/*
 * bench pyref: "should my Python code use threads or processes?", answered
 * by our executors and by Python's own pools side by side.
 *
 * The design is simple: pyref is an ordinary run whose defaults differ. It
 * hands run() the user's flags plus, for each of --workload, --executor and
 * --workers the user did not give, the pyref default: py-bytecode and
 * py-release; serial, thread-pool and process-pool next to python-serial,
 * python-threads and python-processes (runners/python_pool.c); W = 1, 2, 4.
 * Every entry lands in the one results file under the usual names
 * (py-bytecode/python-threads/workers:2), so report and compare place the
 * reference pools next to ours.
 */
#include "pyref.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const defaults[][2] = {
    {"--workload", "--workload=py-bytecode,py-release"},
    {"--executor", "--executor=serial,thread-pool,process-pool,"
		   "python-serial,python-threads,python-processes"},
    {"--workers", "--workers=1,2,4"},
};
#define NDEFAULTS (sizeof(defaults) / sizeof(defaults[0]))

/* Whether arg is flag (or its plural), as "--flag=V" or "--flag". */
static bool is_flag(const char *arg, const char *flag)
{
	size_t n = strlen(flag);

	if (strncmp(arg, flag, n))
		return false;
	if (arg[n] == 's' && strcmp(flag, "--workers"))
		n++;
	return arg[n] == '=' || arg[n] == '\0';
}

int pyref_main(int argc, char **argv, int (*run)(int, char **))
{
	char **args = calloc((size_t)argc + NDEFAULTS + 2, sizeof(*args));
	int n = 0, rc;

	if (!args) {
		fprintf(stderr, "bench: pyref: out of memory\n");
		return 2;
	}
	args[n++] = "bench";
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	for (size_t d = 0; d < NDEFAULTS; d++) {
		bool given = false;

		for (int i = 1; i < argc; i++)
			given |= is_flag(argv[i], defaults[d][0]);
		if (!given)
			args[n++] = (char *)defaults[d][1];
	}
	args[n] = NULL;
	rc = run(n, args);
	free(args);
	return rc;
}
