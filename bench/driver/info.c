/*
 * Environment preflight. Everything here is read from /proc, /sys, CPUID
 * and PAPI, and nothing fails: a fact that cannot be read is "unknown". PAPI
 * events are tried for real (added to an event set, started and stopped),
 * because on a virtual machine the presets exist by name but cannot count.
 */
#include "info.h"

#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "gbw.h"
#include "pt_config.h"

#if PT_HAVE_PAPI
#include <papi.h>
#endif

static const char *const default_events[PT_PAPI_EVENTS] = {
    "PAPI_TOT_INS",	    "PAPI_TOT_CYC",	      "PAPI_L1_DCM",
    "PAPI_L3_TCM",	    "perf::CONTEXT-SWITCHES", "perf::PAGE-FAULTS",
    "perf::CPU-MIGRATIONS", "perf::TASK-CLOCK",
};

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	else
		snprintf(buf, len, "unknown");
	fclose(f);
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon || strncmp(line, "model name", 10))
			continue;
		colon++;
		colon += strspn(colon, " \t");
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

/* The hypervisor's vendor from CPUID leaf 0x40000000, if any. */
static void virtualization(char *buf, size_t len)
{
	snprintf(buf, len, "unknown");
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;
	char vendor[13];

	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 31))) {
		snprintf(buf, len, "none");
		return;
	}
	__cpuid(0x40000000, a, b, c, d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &c, 4);
	memcpy(vendor + 8, &d, 4);
	vendor[12] = '\0';
	snprintf(buf, len, "%s", vendor[0] ? vendor : "yes");
#endif
}

static void probe_papi_events(struct pt_env *env)
{
	env->papi_events = PT_PAPI_EVENTS;
	for (unsigned i = 0; i < PT_PAPI_EVENTS; i++)
		env->papi_event[i] = default_events[i];
#if PT_HAVE_PAPI
	int rc = PAPI_library_init(PAPI_VER_CURRENT);

	if (rc != PAPI_VER_CURRENT) {
		snprintf(env->papi, sizeof(env->papi), "PAPI init failed: %s",
			 rc > 0 ? "version mismatch" : PAPI_strerror(rc));
		for (unsigned i = 0; i < PT_PAPI_EVENTS; i++)
			snprintf(env->papi_status[i],
				 sizeof(env->papi_status[i]), "unavailable");
		return;
	}
	snprintf(env->papi, sizeof(env->papi), "%d.%d.%d",
		 PAPI_VERSION_MAJOR(PAPI_VERSION),
		 PAPI_VERSION_MINOR(PAPI_VERSION),
		 PAPI_VERSION_REVISION(PAPI_VERSION));
	for (unsigned i = 0; i < PT_PAPI_EVENTS; i++) {
		int set = PAPI_NULL;
		long long value;

		rc = PAPI_create_eventset(&set);
		if (rc == PAPI_OK)
			rc = PAPI_add_named_event(set, default_events[i]);
		if (rc == PAPI_OK)
			rc = PAPI_start(set);
		if (rc == PAPI_OK)
			rc = PAPI_stop(set, &value);
		snprintf(env->papi_status[i], sizeof(env->papi_status[i]), "%s",
			 rc == PAPI_OK ? "available" : PAPI_strerror(rc));
		if (set != PAPI_NULL) {
			PAPI_cleanup_eventset(set);
			PAPI_destroy_eventset(&set);
		}
	}
	PAPI_shutdown();
#else
	snprintf(env->papi, sizeof(env->papi), "built without PAPI");
	for (unsigned i = 0; i < PT_PAPI_EVENTS; i++)
		snprintf(env->papi_status[i], sizeof(env->papi_status[i]),
			 "built without PAPI");
#endif
}

void pt_env_read(struct pt_env *env, bool probe_papi)
{
	cpu_set_t set;
	char buf[64];

	memset(env, 0, sizeof(*env));
	cpu_model(env->cpu_model, sizeof(env->cpu_model));
	env->online_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	env->allowed_cpus = sched_getaffinity(0, sizeof(set), &set) == 0
				? CPU_COUNT(&set)
				: (int)env->online_cpus;
	read_line("/sys/devices/system/cpu/smt/active", buf, sizeof(buf));
	env->smt = !strcmp(buf, "1") ? 1 : !strcmp(buf, "0") ? 0 : -1;
	read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
		  env->governor, sizeof(env->governor));
	read_line("/proc/sys/kernel/randomize_va_space", buf, sizeof(buf));
	env->aslr = !strcmp(buf, "unknown") ? -1 : atoi(buf);
	virtualization(env->virt, sizeof(env->virt));
	if (getloadavg(env->load, 3) != 3)
		env->load[0] = env->load[1] = env->load[2] = -1;
	if (probe_papi)
		probe_papi_events(env);
	else
		snprintf(env->papi, sizeof(env->papi), "not probed");
}

static const char *smt_name(int smt)
{
	return smt == 1 ? "on" : smt == 0 ? "off" : "unknown";
}

static const char *aslr_name(int aslr)
{
	return aslr == 0 ? "off" : aslr > 0 ? "on" : "unknown";
}

void pt_env_add_context(const struct pt_env *env)
{
	char buf[1024];
	size_t used = 0;

	gb_add_context("cpu_model", env->cpu_model);
	snprintf(buf, sizeof(buf), "%ld", env->online_cpus);
	gb_add_context("online_cpus", buf);
	snprintf(buf, sizeof(buf), "%d", env->allowed_cpus);
	gb_add_context("allowed_cpus", buf);
	gb_add_context("smt", smt_name(env->smt));
	gb_add_context("cpufreq_governor", env->governor);
	gb_add_context("aslr", aslr_name(env->aslr));
	gb_add_context("virtualization", env->virt);
	gb_add_context("papi", env->papi);
	buf[0] = '\0';
	for (unsigned i = 0; i < env->papi_events && used < sizeof(buf); i++)
		used += (size_t)snprintf(
		    buf + used, sizeof(buf) - used, "%s%s=%s", i ? ", " : "",
		    env->papi_event[i], env->papi_status[i]);
	if (env->papi_events)
		gb_add_context("papi_events", buf);
}

void pt_env_warn(const struct pt_env *env, unsigned max_workers)
{
	if (env->load[0] >= 0.5 * (double)env->online_cpus + 0.25)
		fprintf(stderr,
			"bench: warning: load average %.2f on %ld CPUs: the "
			"machine is busy, figures will be noisy\n",
			env->load[0], env->online_cpus);
	if (max_workers > (unsigned)env->allowed_cpus)
		fprintf(stderr,
			"bench: warning: up to %u workers on %d allowed CPUs: "
			"those configurations oversubscribe\n",
			max_workers, env->allowed_cpus);
}

int info_main(int argc, char **argv)
{
	struct pt_env env;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--format=json")) {
			json = true;
		} else if (!strcmp(argv[i], "--format=console")) {
			json = false;
		} else {
			fprintf(stderr,
				"bench: info: unknown argument '%s' (usage: "
				"bench info [--format=console|json])\n",
				argv[i]);
			return 2;
		}
	}
	pt_env_read(&env, true);
	if (json) {
		json_t *doc = json_object(), *events = json_object();

		json_object_set_new(doc, "cpu_model",
				    json_string(env.cpu_model));
		json_object_set_new(doc, "online_cpus",
				    json_integer(env.online_cpus));
		json_object_set_new(doc, "allowed_cpus",
				    json_integer(env.allowed_cpus));
		json_object_set_new(doc, "smt", json_string(smt_name(env.smt)));
		json_object_set_new(doc, "cpufreq_governor",
				    json_string(env.governor));
		json_object_set_new(doc, "aslr",
				    json_string(aslr_name(env.aslr)));
		json_object_set_new(doc, "virtualization",
				    json_string(env.virt));
		json_object_set_new(
		    doc, "load_avg",
		    json_pack("[fff]", env.load[0], env.load[1], env.load[2]));
		json_object_set_new(doc, "papi", json_string(env.papi));
		for (unsigned i = 0; i < env.papi_events; i++)
			json_object_set_new(events, env.papi_event[i],
					    json_string(env.papi_status[i]));
		json_object_set_new(doc, "papi_events", events);
		json_dumpf(doc, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(doc);
		return 0;
	}
	printf("CPU model        %s\n", env.cpu_model);
	printf("CPUs             %ld online, %d allowed to bench\n",
	       env.online_cpus, env.allowed_cpus);
	printf("SMT              %s\n", smt_name(env.smt));
	printf("governor         %s\n", env.governor);
	printf("ASLR             %s\n", aslr_name(env.aslr));
	printf("virtualization   %s\n", env.virt);
	printf("load average     %.2f %.2f %.2f\n", env.load[0], env.load[1],
	       env.load[2]);
	printf("PAPI             %s\n", env.papi);
	for (unsigned i = 0; i < env.papi_events; i++)
		printf("  %-24s %s\n", env.papi_event[i], env.papi_status[i]);
	return 0;
}
