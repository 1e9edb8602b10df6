/*
 * The environment preflight: facts about the machine that change how
 * figures should be read (CPUs allowed, SMT, frequency governor, ASLR,
 * virtualisation, load, which PAPI events work). `bench info` prints them;
 * every results file records them in its context; bench warns before a run
 * on a busy machine or when workers exceed the CPUs it may use.
 */
#ifndef PT_INFO_H
#define PT_INFO_H

#include <stdbool.h>

#define PT_PAPI_EVENTS 8

struct pt_env {
	char cpu_model[256];
	long online_cpus;
	int allowed_cpus;  /* in this process's affinity mask */
	int smt;	   /* 1 on, 0 off, -1 unknown */
	char governor[64]; /* cpufreq governor of cpu0, or "unknown" */
	int aslr;	   /* /proc/sys/kernel/randomize_va_space, or -1 */
	char virt[64];	   /* hypervisor vendor, "none", or "unknown" */
	double load[3];	   /* 1, 5, 15 minute load averages */
	char papi[64];	   /* PAPI version, or why there is none */
	const char *papi_event[PT_PAPI_EVENTS];
	char papi_status[PT_PAPI_EVENTS][96]; /* "available" or the error */
	unsigned papi_events;
};

/* Reads the machine; probe_papi also tries every default event. */
void pt_env_read(struct pt_env *env, bool probe_papi);

/* Adds the facts to Google Benchmark's context (for every results file). */
void pt_env_add_context(const struct pt_env *env);

/* Warns on stderr about a busy machine or more workers than allowed CPUs. */
void pt_env_warn(const struct pt_env *env, unsigned max_workers);

/* `bench info [--format=console|json]`; argv[0] is "info". */
int info_main(int argc, char **argv);

#endif
