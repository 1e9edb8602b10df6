/*
 * procthread-minfork: the raw anchor of --start=forkserver in bench
 * overhead, a minimal C process (libc only) that forks children which exit
 * at once.
 *
 * The design is simple: `procthread-minfork N` times N rounds of fork(),
 * _exit(0) in the child and waitpid() in the parent, one child at a time,
 * and prints the mean seconds per round on standard output. That is the
 * least a process per task can cost on this machine: no page tables but a
 * small program's, no dispatch. bench overhead runs it as a child of its
 * own and compares process-per-task's cost per task under each start
 * method with it.
 *
 * Invariant: every child is reaped before the next is forked; any failure
 * is one line on standard error and exit status 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	char *end;
	unsigned long n;
	double t;

	errno = 0;
	n = argc == 2 ? strtoul(argv[1], &end, 10) : 0;
	if (argc != 2 || errno || *end || n == 0 || n > 1000000) {
		fprintf(stderr, "bench: minfork: expected N (1..1000000)\n");
		return 2;
	}
	t = now();
	for (unsigned long i = 0; i < n; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			fprintf(stderr, "bench: minfork: fork: %s\n",
				strerror(errno));
			return 1;
		}
		if (pid == 0)
			_exit(0);
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				fprintf(stderr, "bench: minfork: waitpid: %s\n",
					strerror(errno));
				return 1;
			}
		}
	}
	printf("%.9f\n", (now() - t) / (double)n);
	return 0;
}
