/*
 * Supervision of configuration children.
 *
 * The design is simple: for each configuration the parent forks a child that
 * becomes the leader of a new process group, so that the child and every
 * worker it creates can be killed with one kill(-pgid). The child streams
 * Google Benchmark's JSON through a pipe (opened as /dev/fd/N); the parent
 * waits with ppoll() on that pipe and on a pidfd of the child, with the
 * configuration's deadline as the timeout. SIGINT and SIGTERM stay blocked
 * except inside ppoll(), so a signal is noticed exactly there; a second one
 * kills the current child's group and exits at once. The parent is a child
 * subreaper, so worker processes orphaned by a crashed child come back to us
 * and are reaped.
 *
 * A configuration killed by SIGKILL that the supervisor did not send is
 * checked against the kernel's out-of-memory kill counters, read before and
 * after it ran: the memory cgroup's oom_kill (cgroup v2 memory.events, v1
 * memory.oom_control) and the system's (/proc/vmstat); if one rose, the
 * entry says the OOM killer killed it.
 *
 * Invariant: when pt_supervise() returns, no process it started is alive or
 * unreaped.
 */
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core.h"
#include "driver.h"
#include "noise.h"
#include "progress.h"
#include "results.h"

#define MAX_CHILD_OUTPUT (256u << 20)

/* How long past --timeout the child kills its own group (s). */
#define PT_CHILD_GRACE(timeout) (1.0 + 0.05 * (timeout))

static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t current_pgid;
static sigset_t run_mask; /* the mask inside ppoll: signals deliverable */

static void on_signal(int sig)
{
	if (got_signal) {
		/* Second signal: give up at once, but leave nothing behind. */
		if (current_pgid > 0)
			kill(-current_pgid, SIGKILL);
		_exit(128 + sig);
	}
	got_signal = sig;
}

void pt_supervise_init(void)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &run_mask);
	sigdelset(&run_mask, SIGINT);
	sigdelset(&run_mask, SIGTERM);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

/* The value of "key N" in a file of such lines; -1 if absent. */
static long long keyed_count(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	size_t klen = strlen(key);
	char line[256];
	long long value = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			value = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return value;
}

/*
 * The oom_kill counter of this process's memory cgroup: cgroup v2
 * memory.events, or v1 memory.oom_control; -1 if neither is readable.
 * The configuration child inherits our cgroup.
 */
static long long cgroup_oom_kills(void)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[512], path[1024];
	long long value = -1;

	if (!f)
		return -1;
	while (value < 0 && fgets(line, sizeof(line), f)) {
		char *group = strchr(line, ':');
		char *rel;

		if (!group || !(rel = strchr(group + 1, ':')))
			continue;
		rel[strcspn(rel, "\n")] = '\0';
		if (!strncmp(group, "::", 2)) {
			snprintf(path, sizeof(path),
				 "/sys/fs/cgroup%s/memory.events", rel + 1);
			value = keyed_count(path, "oom_kill");
		} else if (!strncmp(group, ":memory:", 8)) {
			snprintf(path, sizeof(path),
				 "/sys/fs/cgroup/memory%s/memory.oom_control",
				 rel + 1);
			value = keyed_count(path, "oom_kill");
		}
	}
	fclose(f);
	return value;
}

struct oom_counts {
	long long cgroup, system; /* -1: not readable */
};

static void oom_counts_now(struct oom_counts *c)
{
	c->cgroup = cgroup_oom_kills();
	c->system = keyed_count("/proc/vmstat", "oom_kill");
}

static void describe_status(const siginfo_t *si, const struct oom_counts *a,
			    const struct oom_counts *b, char *buf, size_t len)
{
	if (si->si_code == CLD_EXITED) {
		snprintf(buf, len, "exited with status %d", si->si_status);
	} else {
		const char *abbrev = sigabbrev_np(si->si_status);
		const char *oom = "";

		if (si->si_status == SIGKILL) {
			if (a->cgroup >= 0 && b->cgroup > a->cgroup)
				oom = ": out of memory (the OOM killer acted "
				      "in bench's memory cgroup)";
			else if (a->system >= 0 && b->system > a->system)
				oom = ": out of memory (the kernel's OOM "
				      "killer acted during this configuration)";
			else if (a->system < 0)
				oom = " (out of memory?)";
			else
				oom = " (not by the OOM killer: from outside)";
		}
		snprintf(buf, len, "crashed: killed by SIG%s (%s)%s",
			 abbrev ? abbrev : "?", strsignal(si->si_status), oom);
	}
}

/* Reaps orphans handed to us as subreaper (workers of a killed child). */
static void reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* The readable console (the default) prints its table at the end, from the
 * results: configuration children print nothing on standard output. */
static bool children_quiet(const struct pt_options *o)
{
	return o->format == GB_FORMAT_JSON ||
	       (o->format == GB_FORMAT_CONSOLE && !o->console_full);
}

static void print_error_line(const struct pt_options *o, size_t width,
			     const char *name, const char *msg)
{
	if (children_quiet(o))
		return;
	pt_progress_clear();
	if (o->format == GB_FORMAT_CONSOLE)
		printf("%-*s ERROR OCCURRED: '%s'\n", (int)width, name, msg);
	else if (o->format == GB_FORMAT_CSV)
		printf("\"%s\",,,,,,,,true,\"%s\"\n", name, msg);
	fflush(stdout);
}

/* The configuration child's own deadline: its whole group dies. */
static void on_child_deadline(int sig)
{
	(void)sig;
	kill(0, SIGKILL);
	_exit(128 + SIGKILL);
}

/* Arms the child's deadline, timeout plus the grace, as SIGALRM. */
static void child_deadline(double timeout)
{
	double s = timeout + PT_CHILD_GRACE(timeout);
	struct sigaction sa;
	struct itimerval it = {
	    .it_value = {.tv_sec = (time_t)s,
			 .tv_usec =
			     (suseconds_t)((s - (double)(time_t)s) * 1e6)},
	};

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_child_deadline;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

_Noreturn static void child_main(const struct pt_config *c,
				 const struct pt_options *o, int fd,
				 bool header, size_t width, pid_t parent)
{
	struct sigaction sa;
	sigset_t none;
	char path[32];
	int status, rc;
	struct pt_child_io io = {
	    .json_path = path,
	    .display = children_quiet(o) ? GB_FORMAT_JSON : o->format,
	    .print_header = header,
	    .name_width = width,
	    .counters = o->counters_given ? &o->counters : NULL,
	    .trace_fd = o->trace_fd,
	    .iterations = o->iterations,
	};

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	setpgid(0, 0);
	pt_child_setup(parent); /* dies with us, or exits if we are gone */
	child_deadline(o->timeout);
	if (children_quiet(o)) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
	}
	snprintf(path, sizeof(path), "/dev/fd/%d", fd);
	status = pt_run_config(c, &io);
	/* Google Benchmark's rows on standard output: did they get there? */
	if (!children_quiet(o) && (rc = pt_stdout_close()) && -rc < 128)
		status = PT_EXIT_STDOUT - rc;
	_exit(status);
}

struct child_run {
	pid_t pid;
	int pipe_fd;
	int pidfd;
	char *buf;
	size_t len, cap;
	bool eof, exited, timed_out;
};

/* Reads what the pipe has; false on EOF or error. */
static bool drain(struct child_run *r)
{
	for (;;) {
		ssize_t n;

		if (r->cap - r->len < 65536) {
			size_t ncap = r->cap ? r->cap * 2 : 1 << 17;
			char *nb;

			if (ncap > MAX_CHILD_OUTPUT)
				return false;
			nb = realloc(r->buf, ncap);
			if (!nb)
				return false;
			r->buf = nb;
			r->cap = ncap;
		}
		n = read(r->pipe_fd, r->buf + r->len, r->cap - r->len - 1);
		if (n > 0) {
			r->len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		return false; /* EOF or error */
	}
}

/* Waits for the child to finish, the deadline to pass or a signal. */
static void watch(struct child_run *r, double timeout)
{
	double deadline = pt_now() + timeout;

	while (!(r->eof && r->exited) && !got_signal) {
		struct pollfd fds[2] = {
		    {.fd = r->eof ? -1 : r->pipe_fd, .events = POLLIN},
		    {.fd = r->exited ? -1 : r->pidfd, .events = POLLIN},
		};
		double left = deadline - pt_now();
		struct timespec ts;
		int n;

		if (left <= 0) {
			r->timed_out = true;
			return;
		}
		/* Without a pidfd, look at the child every 50 ms. */
		if (r->pidfd < 0 && left > 0.05)
			left = 0.05;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		n = ppoll(fds, 2, &ts, &run_mask);
		if (n < 0 && errno != EINTR)
			return;
		if (n > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
			r->eof = !drain(r);
		if ((n > 0 && fds[1].revents) ||
		    (r->pidfd < 0 &&
		     waitid(P_PID, (id_t)r->pid, &(siginfo_t){0},
			    WEXITED | WNOHANG | WNOWAIT) == 0)) {
			r->exited = true;
			/* A worker that outlived the child would hold the
			 * pipe open: clear the group, then read the rest. */
			kill(-r->pid, SIGKILL);
			while (!r->eof)
				r->eof = !drain(r);
		}
	}
}

/*
 * Runs configuration i; returns the entries merged, or -1 when it was
 * recorded as an error (by us, or by the child through Google Benchmark).
 */
/*
 * Counts a configuration whose workers could not be created, keeping the
 * first one's name and error (its last entry's error_message).
 */
static void note_resource_limit(json_t *doc, const char *name,
				struct pt_summary *sum)
{
	json_t *all = json_object_get(doc, "benchmarks");
	json_t *last = json_array_get(all, json_array_size(all) - 1);
	const char *error =
	    json_string_value(json_object_get(last, "error_message"));

	if (sum->resource_limited++ == 0)
		snprintf(sum->resource_error, sizeof(sum->resource_error),
			 "%s: %s", name, error ? error : "out of processes");
}

/*
 * Adds the quiet-machine verdict of one configuration (noise.h) to each of
 * its entries, all[first..]: the window is the child's whole life, the cv
 * that of its repetitions' real times (iteration entries).
 */
static void note_noise(json_t *doc, size_t first,
		       const struct pt_noise_sample *before,
		       const struct pt_noise_sample *after)
{
	json_t *all = json_object_get(doc, "benchmarks");
	size_t n = json_array_size(all), count = 0;
	double *times = calloc(n > first ? n - first : 1, sizeof(double));
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct pt_noise noise;

	for (size_t i = first; times && i < n; i++) {
		json_t *e = json_array_get(all, i);
		const char *type =
		    json_string_value(json_object_get(e, "run_type"));

		if (type && !strcmp(type, "iteration") &&
		    !json_is_true(json_object_get(e, "error_occurred")))
			times[count++] =
			    json_number_value(json_object_get(e, "real_time"));
	}
	pt_noise_judge(before, after, times ? pt_noise_cv(times, count) : NAN,
		       cpus > 0 ? (unsigned)cpus : 1,
		       (double)sysconf(_SC_CLK_TCK), &noise);
	for (size_t i = first; i < n; i++)
		pt_noise_to_json(&noise, json_array_get(all, i));
	free(times);
}

static int run_one(const struct pt_options *o, const struct pt_plan *plan,
		   size_t i, bool header, json_t *doc, struct pt_summary *sum)
{
	unsigned errors = 0;
	const struct pt_config *c = &plan->configs[i];
	struct child_run r = {.pidfd = -1};
	char full_name[PT_NAME_MAX + 32], msg[256];
	int fds[2], merged = -1;
	struct oom_counts oom_before, oom_after;
	struct pt_noise_sample quiet_before, quiet_after;
	size_t first = json_array_size(json_object_get(doc, "benchmarks"));
	siginfo_t si;
	pid_t self = getpid();
	double started;

	snprintf(full_name, sizeof(full_name), "%s%s", c->name, PT_NAME_SUFFIX);
	if (pipe2(fds, O_CLOEXEC)) {
		snprintf(msg, sizeof(msg), "pipe: %s", strerror(errno));
		goto error;
	}
	pt_progress_config(i, c->name);
	fflush(NULL);
	oom_counts_now(&oom_before);
	pt_noise_sample_now(&quiet_before);
	started = pt_now();
	r.pid = fork();
	if (r.pid < 0) {
		snprintf(msg, sizeof(msg), "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		goto error;
	}
	if (r.pid == 0) {
		close(fds[0]);
		child_main(c, o, fds[1], header, plan->name_width, self);
	}
	setpgid(r.pid, r.pid); /* also done by the child: no race either way */
	current_pgid = r.pid;
	close(fds[1]);
	r.pipe_fd = fds[0];
	fcntl(r.pipe_fd, F_SETFL, O_NONBLOCK);
	r.pidfd = (int)syscall(SYS_pidfd_open, r.pid, 0);

	watch(&r, o->timeout);
	if (r.timed_out || got_signal)
		kill(-r.pid, SIGKILL);
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)r.pid, &si, WEXITED) < 0 && errno == EINTR)
		;
	/* Killed by its own deadline: we were late, it timed out all the same.
	 */
	if (!r.timed_out && !got_signal && si.si_code == CLD_KILLED &&
	    si.si_status == SIGKILL && pt_now() - started >= o->timeout)
		r.timed_out = true;
	kill(-r.pid, SIGKILL); /* stray workers, if any */
	current_pgid = 0;
	reap_orphans();
	pt_noise_sample_now(&quiet_after);
	if (!r.eof)
		drain(&r);

	if (got_signal) {
		merged = 0;
		goto out;
	}
	if (r.timed_out) {
		snprintf(msg, sizeof(msg), "timed out after %g s (--timeout)",
			 o->timeout);
	} else if (si.si_code != CLD_EXITED ||
		   (si.si_status != 0 && si.si_status != PT_EXIT_RESOURCE &&
		    !(si.si_status > PT_EXIT_STDOUT &&
		      si.si_status < PT_EXIT_STDOUT + 128))) {
		oom_counts_now(&oom_after);
		describe_status(&si, &oom_before, &oom_after, msg, sizeof(msg));
	} else {
		if (si.si_status > PT_EXIT_STDOUT)
			sum->stdout_errno = si.si_status - PT_EXIT_STDOUT;
		merged = pt_results_merge(doc, r.buf ? r.buf : "", r.len, i,
					  &errors);
		if (merged >= 0) {
			if (errors)
				merged = -1;
			if (si.si_status == PT_EXIT_RESOURCE)
				note_resource_limit(doc, full_name, sum);
			note_noise(doc, first, &quiet_before, &quiet_after);
			goto out;
		}
		snprintf(msg, sizeof(msg),
			 "the configuration produced no valid results");
	}
error:
	pt_results_add_error(doc, full_name, i, msg);
	print_error_line(o, plan->name_width, full_name, msg);
	merged = -1;
out:
	if (r.pidfd >= 0)
		close(r.pidfd);
	if (r.pipe_fd > 0)
		close(r.pipe_fd);
	free(r.buf);
	return merged;
}

void pt_supervise(const struct pt_options *o, const struct pt_plan *plan,
		  json_t *doc, struct pt_summary *sum)
{
	bool header_done = false;

	memset(sum, 0, sizeof(*sum));
	/* Standard output failing (a full disk, a closed pipe) ends the
	 * run: what it measured is kept for --out, marked incomplete. */
	for (size_t i = 0; i < plan->n && !got_signal && !sum->stdout_errno;
	     i++) {
		const struct pt_config *c = &plan->configs[i];
		size_t from =
		    json_array_size(json_object_get(doc, "benchmarks"));
		int n = run_one(o, plan, i, !header_done, doc, sum);

		/* How the configuration's processes were made (issue 17). */
		if (c->ex->processes)
			pt_results_tag(doc, from, "start_method",
				       c->ex->start_name
					   ? c->ex->start_name
					   : ex_start_name(c->ex->runs_spec
							       ? EX_START_SPAWN
							       : c->exc.start));

		/* Google Benchmark printed the header with the first
		 * entries, whether they are errors or not. */
		header_done |= n != 0;
		if (n > 0)
			sum->ran++;
		else if (n < 0)
			sum->failed++;
	}
	sum->interrupted = got_signal;
	pt_progress_clear();
}
