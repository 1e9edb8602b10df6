/*
 * The mpi executors: W ranks of Open MPI as workers (mpi), or R ranks each
 * running a thread pool of T (mpi+thread-pool, W = R x T).
 *
 * The design is simple: the calling process (bench's configuration child)
 * becomes an MPI singleton on its first start() (MPI_Init happens at most
 * once per process, so it is never paired with stop()), and every start()
 * spawns the ranks with MPI_Comm_spawn of this program in its hidden worker
 * mode (ex_mpi.h) and merges the intercommunicator: rank 0 is the caller,
 * the coordinator, which runs no task (as the process pool's caller waits
 * beside its workers); ranks 1..R are the workers. Each rank rebuilds the
 * job from ex_config.spawn_spec once, at start, as process-spawn's children
 * do per task, and then serves any number of jobs, as a pool's worker does.
 *
 * A job: the coordinator resets the claim counter, which lives in an MPI
 * window on rank 0, and sends the job's header to every rank. Ranks
 * claim tasks as the pools do: static needs no counter; dynamic takes chunk
 * tasks (chunk x T for a hybrid rank) per MPI_Fetch_and_op; guided takes
 * max(chunk, remaining / R) per MPI_Compare_and_swap (mpi_claim.h). A rank
 * sends the (task, checksum) pairs it ran in one message at the end of the
 * job; the coordinator receives R of them and writes job->results, and a
 * task that arrives twice, or never, fails the job with its number.
 *
 * Waiting: blocking MPI waits busy-poll, which on a small machine takes a
 * CPU from the ranks. Every wait here is a test loop under the wait policy
 * (spin, spin then sleep, sleep), and the coordinator sleeps in ppoll() on
 * pidfds of the ranks, so that a rank that dies is noticed at once: the job
 * then fails with the rank named (Open MPI 4.1 has no ULFM: a dead rank
 * cannot be replaced, and orted kills the rest of the spawned job). Each
 * rank has a watcher thread that exits the rank when the coordinator dies,
 * since the ranks are children of orted, in its own session, out of reach
 * of the supervisor's process-group kill.
 *
 * Accounting: the ranks are not this process's children, so each one sends
 * its getrusage() and peak RSS at stop and the coordinator adds them to
 * ex_config.foreign_usage.
 *
 * Invariant: between jobs every rank waits in its header broadcast; the
 * coordinator touches the counter only then.
 */
#include "core.h"
#include "ex_mpi.h"
#include "mpi_claim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef PT_HAVE_MPI

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <mpi.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { CMD_JOB = 1, CMD_STOP = 2 };
enum { TAG_RESULTS = 17, TAG_HEADER = 18, TAG_LIST = 19 };

/* Words of the job header: command, generation, ntasks, times wanted, a
 * task list follows (TAG_LIST: the job's ntasks task numbers), each task
 * reported apart (--on-task-failure continue or retry). */
#define HEADER_WORDS 6
/* Words before the entries of a result message: generation, rank, count,
 * the rank's last message of the job. */
#define RESULT_HEAD 4
/* Words of an entry: task, checksum; with times also start, end, and the
 * worker index with the pid in the high half. */
#define TIMED_STRIDE 5

/* What each rank says once it has started (gathered at start). */
struct mpi_hello {
	int32_t pid;
	int32_t status; /* 0, or the setup's negative errno code */
	char host[64];
	char msg[184];
};

/* What each rank says at stop (gathered): its whole life's accounting. */
enum { U_USER, U_SYS, U_VOL, U_INVOL, U_MINFLT, U_MAJFLT, U_PEAK, U_WORDS };

/* Adaptive waits spin this long, then sleep; sleeps grow to the cap. */
#define MPI_SPIN_NS	 50000u
#define MPI_SLEEP_MIN_NS 10000u
#define MPI_SLEEP_MAX_NS 200000u

struct mpi_ex {
	struct executor base; /* first: the executor is an mpi_ex */
	MPI_Comm inter, world;
	MPI_Win win;
	uint64_t *counter; /* the window's memory on rank 0 */
	unsigned ranks, threads;
	pid_t *pids;
	int *pidfds;
	uint64_t generation;
	uint64_t *scratch; /* one result message */
	size_t scratch_words;
	uint64_t *seen;	       /* per task: generation it arrived in */
	MPI_Request *requests; /* one per rank */
	/* --on-task-failure continue or retry: per rank the task it runs + 1
	 * (0: none), in the shared window after the counter; per task its
	 * failed runs in this job, and the generation it failed for good;
	 * the tasks a replacement set of ranks runs. */
	bool each;
	char *spec; /* the job's description, for replacement ranks */
	uint64_t *slots;
	uint32_t *attempts;
	uint64_t *failed;
	uint64_t *list;
	unsigned hosts;
	bool connected;	  /* the ranks are ours to stop collectively */
	bool have_window; /* win exists */
	bool locked;	  /* the window's lock_all is held */
	bool broken;	  /* a rank died: no collective call any more */
};

/* The wait policy's spin-then-sleep state for one wait. */
struct mpi_spin {
	enum ex_wait policy;
	uint64_t rounds, spin_until_ns, sleep_ns;
};

static void mpi_describe(int rc, char *buf, size_t len)
{
	int n = 0;

	if (MPI_Error_string(rc, buf, &n) != MPI_SUCCESS || len == 0)
		snprintf(buf, len, "MPI error %d", rc);
	else
		buf[(size_t)n < len ? (size_t)n : len - 1] = '\0';
}

/*
 * One round of a wait: returns after spinning (the caller tests again), or
 * after a sleep in ppoll() on fds, which ends early when one of them
 * becomes readable (a rank's pidfd: it died). *dead is then its index.
 */
static void mpi_spin_round(struct mpi_spin *spin, const int *fds, unsigned n,
			   int *dead)
{
	struct pollfd pfd[64];
	struct timespec ts;
	uint64_t now;
	unsigned k;

	spin->rounds++;
	if (spin->policy == EX_WAIT_SPIN) {
		if (spin->rounds % 64 == 0)
			sched_yield();
		if (fds && spin->rounds % 1024 == 0)
			goto check; /* a zero sleep: only looks */
		return;
	}
	if (spin->policy == EX_WAIT_ADAPTIVE) {
		now = pt_now_ns();
		if (spin->spin_until_ns == 0)
			spin->spin_until_ns = now + MPI_SPIN_NS;
		if (now < spin->spin_until_ns) {
			if (spin->rounds % 64 == 0)
				sched_yield();
			return;
		}
	}
	spin->sleep_ns = spin->sleep_ns ? spin->sleep_ns * 2 : MPI_SLEEP_MIN_NS;
	if (spin->sleep_ns > MPI_SLEEP_MAX_NS)
		spin->sleep_ns = MPI_SLEEP_MAX_NS;
check:
	ts.tv_sec = 0;
	ts.tv_nsec = spin->policy == EX_WAIT_SPIN ? 0 : (long)spin->sleep_ns;
	/* More ranks than fit one poll: look at them 64 at a time. */
	k = n > 64 ? (unsigned)(spin->rounds % ((n + 63) / 64)) * 64 : 0;
	n = n - k > 64 ? 64 : n - k;
	for (unsigned i = 0; i < n; i++)
		pfd[i] = (struct pollfd){.fd = fds[k + i], .events = POLLIN};
	if (ppoll(n ? pfd : NULL, n, &ts, NULL) > 0) {
		for (unsigned i = 0; i < n; i++)
			if (pfd[i].revents) {
				*dead = (int)(k + i);
				return;
			}
	}
}

/* Waits for nreq requests under the policy; -ECHILD with *dead if a rank
 * died. */
static int mpi_wait_requests(MPI_Request *req, int nreq, enum ex_wait policy,
			     const int *fds, unsigned n, int *dead, char *err,
			     size_t errlen)
{
	struct mpi_spin spin = {.policy = policy};
	int flag = 0, rc;

	*dead = -1;
	for (;;) {
		rc = MPI_Testall(nreq, req, &flag, MPI_STATUSES_IGNORE);
		if (rc != MPI_SUCCESS) {
			char why[MPI_MAX_ERROR_STRING];

			mpi_describe(rc, why, sizeof(why));
			snprintf(err, errlen, "mpi: %.200s", why);
			return -EIO;
		}
		if (flag)
			return 0;
		mpi_spin_round(&spin, fds, n, dead);
		if (*dead >= 0)
			return -ECHILD;
	}
}

static int mpi_wait_request(MPI_Request *req, enum ex_wait policy,
			    const int *fds, unsigned n, int *dead, char *err,
			    size_t errlen)
{
	return mpi_wait_requests(req, 1, policy, fds, n, dead, err, errlen);
}

/*
 * The job header to every rank, one message each rather than a broadcast:
 * a broadcast's tree would make a rank that is still running tasks (and
 * so not in MPI) hold back the ranks below it.
 */
static int mpi_post_header(struct mpi_ex *ex, uint64_t *header, char *err,
			   size_t errlen, int *dead)
{
	MPI_Request *req = ex->requests;

	for (unsigned r = 0; r < ex->ranks; r++)
		if (MPI_Isend(header, HEADER_WORDS, MPI_UINT64_T, (int)r + 1,
			      TAG_HEADER, ex->world, &req[r]) != MPI_SUCCESS) {
			snprintf(err, errlen,
				 "mpi: sending the job to rank %u "
				 "failed",
				 r + 1);
			for (unsigned k = 0; k < r; k++)
				MPI_Request_free(&req[k]);
			return -EIO;
		}
	return mpi_wait_requests(req, (int)ex->ranks, ex->base.config.wait,
				 ex->pidfds, ex->ranks, dead, err, errlen);
}

/* A rank died in this process's life: MPI_Finalize could wait for it. */
static bool mpi_rank_lost;

/* "rank 2 (pid 4242) died": the job's error when a rank's pidfd fired. */
static void mpi_rank_died(struct mpi_ex *ex, int index, const char *when)
{
	uint64_t task = 0, sig = 0;
	char what[96] = "killed or crashed";

	ex->broken = true;
	mpi_rank_lost = true;
	if (ex->slots) {
		task = __atomic_load_n(&ex->slots[2 * index], __ATOMIC_SEQ_CST);
		sig = __atomic_load_n(&ex->slots[2 * index + 1],
				      __ATOMIC_SEQ_CST);
	}
	if (sig > 0 && sig < 65)
		snprintf(what, sizeof(what), "%s", strsignal((int)sig));
	if (task)
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
			 " in task %" PRIu64, task - 1);
	snprintf(ex->base.error, sizeof(ex->base.error),
		 "mpi: rank %d (pid %d) died %s (%s; without "
		 "--on-task-failure=continue or retry:N the configuration "
		 "fails)",
		 index + 1, (int)ex->pids[index], when, what);
}

/*
 * Open MPI's settings that make the singleton and its ranks work without
 * the user setting anything: as root (containers, CI), with more ranks
 * than CPUs, yielding when idle, on the ob1 messaging layer (so that the
 * BTL named in the label is the one in use). What the user set stays.
 */
static void mpi_prepare_environment(void)
{
	if (geteuid() == 0) {
		setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
		setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
	}
	setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 0);
	setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
	setenv("OMPI_MCA_pml", "ob1", 0);
	/* A singleton has no shared-memory peer when it initialises, so
	 * vader cannot serve it: its messages to the ranks need tcp. */
	setenv("OMPI_MCA_btl", "self,vader,tcp", 0);
	/* Windows: osc/sm on one host, osc/pt2pt (messages, which the
	 * polling coordinator progresses) across hosts; osc/rdma and osc/ucx
	 * fail to make a window over tcp. Ranks go round-robin over the
	 * hosts of a hostfile, the same way at every start. */
	setenv("OMPI_MCA_osc", "sm,pt2pt", 0);
	setenv("OMPI_MCA_rmaps_base_mapping_policy", "node", 0);
}

/*
 * Every descriptor this process has is closed on exec before MPI_Init:
 * the singleton forks Open MPI's orted, which would otherwise inherit
 * them (bench's result pipe among them) and hold them open after this
 * process has exited, until orted notices and leaves, seconds later.
 */
static void mpi_close_on_exec(void)
{
	DIR *d;
	struct dirent *e;

	if (syscall(SYS_close_range, 3u, ~0u, 4u /* CLOEXEC */) == 0)
		return;
	d = opendir("/proc/self/fd");
	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (fd > 2 && fd != dirfd(d))
			fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	}
	if (d)
		closedir(d);
}

static int mpi_init_once(char *err, size_t errlen)
{
	int initialized = 0, provided, rc;

	MPI_Initialized(&initialized);
	if (initialized)
		return 0;
	mpi_prepare_environment();
	mpi_close_on_exec();
	rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
	if (rc != MPI_SUCCESS) {
		snprintf(err, errlen, "mpi: MPI_Init_thread failed (%d)", rc);
		return -EIO;
	}
	MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
	return 0;
}

/* Kills what is left of the ranks and waits for them (broken or not). */
static void mpi_reap_ranks(struct mpi_ex *ex, int timeout_ms)
{
	uint64_t deadline = pt_now_ns() + (uint64_t)timeout_ms * 1000000u;

	for (unsigned r = 0; ex->pidfds && r < ex->ranks; r++) {
		struct pollfd pfd = {.fd = ex->pidfds[r], .events = POLLIN};
		uint64_t now = pt_now_ns();
		int left =
		    now < deadline ? (int)((deadline - now) / 1000000u) + 1 : 0;

		if (pfd.fd < 0)
			continue;
		if (poll(&pfd, 1, left) <= 0) {
			syscall(SYS_pidfd_send_signal, pfd.fd, SIGKILL, NULL,
				0);
			poll(&pfd, 1, 1000);
		}
		close(pfd.fd);
		ex->pidfds[r] = -1;
	}
}

static void mpi_destroy(struct mpi_ex *ex)
{
	mpi_reap_ranks(ex, 5000);
	free(ex->pidfds);
	free(ex->pids);
	free(ex->scratch);
	free(ex->seen);
	free(ex->requests);
	free(ex->attempts);
	free(ex->failed);
	free(ex->list);
	free(ex->spec);
	free(ex);
}

/* The collective end: stop header, accounting, window, communicators. */
static void mpi_disconnect(struct mpi_ex *ex)
{
	uint64_t header[HEADER_WORDS] = {CMD_STOP, 0, 0, 0};
	double mine[U_WORDS] = {0}, *all;
	MPI_Request req;
	char err[128];
	int dead;

	if (!ex->connected || ex->broken)
		return;
	all = calloc((size_t)(ex->ranks + 1) * U_WORDS, sizeof(*all));
	if (mpi_post_header(ex, header, err, sizeof(err), &dead) || !all ||
	    MPI_Igather(mine, U_WORDS, MPI_DOUBLE, all, U_WORDS, MPI_DOUBLE, 0,
			ex->world, &req) != MPI_SUCCESS ||
	    mpi_wait_request(&req, ex->base.config.wait, ex->pidfds, ex->ranks,
			     &dead, err, sizeof(err))) {
		/* A rank died at the very end: leave MPI alone. */
		free(all);
		ex->broken = true;
		return;
	}
	if (ex->base.config.foreign_usage) {
		struct ex_usage *u = ex->base.config.foreign_usage;

		for (unsigned r = 1; r <= ex->ranks; r++) {
			const double *v = all + (size_t)r * U_WORDS;

			u->user_s += v[U_USER];
			u->sys_s += v[U_SYS];
			u->vol_ctxsw += v[U_VOL];
			u->invol_ctxsw += v[U_INVOL];
			u->minflt += v[U_MINFLT];
			u->majflt += v[U_MAJFLT];
			u->peak_rss_bytes += v[U_PEAK];
			u->processes++;
		}
	}
	free(all);
	if (ex->locked)
		MPI_Win_unlock_all(ex->win);
	if (ex->have_window)
		MPI_Win_free(&ex->win);
	MPI_Comm_free(&ex->world);
	MPI_Comm_disconnect(&ex->inter);
	ex->connected = false;
}

/* Distinct host names among the coordinator's and the ranks'. */
static unsigned mpi_count_hosts(const struct mpi_hello *hello, unsigned n)
{
	unsigned hosts = 0;

	for (unsigned i = 0; i < n; i++) {
		bool before = false;

		for (unsigned j = 0; j < i && !before; j++)
			before = !strcmp(hello[i].host, hello[j].host);
		hosts += !before;
	}
	return hosts;
}

/*
 * What carries the job: the coordinator's messages (job headers, results)
 * always go over the tcp BTL, since a singleton has no shared-memory peer
 * when it initialises and Open MPI's vader then declines it; claims go
 * through the window, shared memory (osc/sm) on one host.
 */
static void mpi_label(struct mpi_ex *ex, unsigned hosts)
{
	ex->hosts = hosts;
	snprintf(ex->base.label, sizeof(ex->base.label),
		 "btl=tcp osc=%s hosts=%u", hosts == 1 ? "sm" : "pt2pt", hosts);
}

/* The worker argv, as ex_mpi.h spells it (pointers into texts). */
static void mpi_worker_argv(const struct ex_config *c, unsigned threads,
			    char texts[4][24], char *argv[8])
{
	snprintf(texts[0], sizeof(texts[0]), "%" PRIu64, c->chunk);
	snprintf(texts[1], sizeof(texts[1]), "%u", threads);
	snprintf(texts[2], sizeof(texts[2]), "%d", (int)getpid());
	argv[0] = EX_MPI_WORKER_FLAG;
	argv[1] = (char *)c->spawn_spec;
	argv[2] = (char *)ex_schedule_name(c->schedule);
	argv[3] = texts[0];
	argv[4] = texts[1];
	argv[5] = (char *)ex_pin_name(c->pin);
	argv[6] = texts[2];
	argv[7] = NULL;
}

/* Spawns the ranks and merges: rank 0 is us. */
static int mpi_spawn(struct mpi_ex *ex, char *err, size_t errlen)
{
	char exe[PATH_MAX], texts[4][24], *argv[8], why[MPI_MAX_ERROR_STRING];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int *codes = calloc(ex->ranks, sizeof(*codes));
	int rc;

	if (len < 0 || !codes) {
		free(codes);
		snprintf(err, errlen, "mpi: cannot name this program: %s",
			 strerror(len < 0 ? errno : ENOMEM));
		return -EIO;
	}
	exe[len] = '\0';
	/*
	 * This program replaced on disk while it runs (a rebuild): its name
	 * is "PATH (deleted)", which orted cannot start, and Open MPI 4.1's
	 * spawn then never returns. The /proc link still reaches the file
	 * on this host.
	 */
	if (len > 10 && !strcmp(exe + len - 10, " (deleted)"))
		snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)getpid());
	if (access(exe, X_OK)) {
		free(codes);
		snprintf(err, errlen, "mpi: cannot execute %.200s: %s", exe,
			 strerror(errno));
		return -EIO;
	}
	mpi_worker_argv(&ex->base.config, ex->threads, texts, argv);
	rc = MPI_Comm_spawn(exe, argv, (int)ex->ranks, MPI_INFO_NULL, 0,
			    MPI_COMM_SELF, &ex->inter, codes);
	for (unsigned r = 0; rc == MPI_SUCCESS && r < ex->ranks; r++)
		if (codes[r] != MPI_SUCCESS)
			rc = codes[r];
	free(codes);
	if (rc != MPI_SUCCESS) {
		mpi_describe(rc, why, sizeof(why));
		snprintf(err, errlen, "mpi: MPI_Comm_spawn of %u ranks: %s",
			 ex->ranks, why);
		return -EIO;
	}
	MPI_Comm_set_errhandler(ex->inter, MPI_ERRORS_RETURN);
	rc = MPI_Intercomm_merge(ex->inter, 0, &ex->world);
	if (rc != MPI_SUCCESS) {
		mpi_describe(rc, why, sizeof(why));
		snprintf(err, errlen, "mpi: merging the ranks: %s", why);
		return -EIO;
	}
	MPI_Comm_set_errhandler(ex->world, MPI_ERRORS_RETURN);
	return 0;
}

/* The ranks' hellos: pids (and pidfds), hosts, setup failures. */
static int mpi_greet(struct mpi_ex *ex, char *err, size_t errlen)
{
	struct mpi_hello *hello = calloc(ex->ranks + 1, sizeof(*hello));
	int ret = 0;

	if (!hello) {
		snprintf(err, errlen, "mpi: out of memory");
		return -ENOMEM;
	}
	gethostname(hello[0].host, sizeof(hello[0].host) - 1);
	/* Blocking: pidfds come from this; a rank that fails its setup still
	 * says hello, with the reason. */
	if (MPI_Gather(&hello[0], sizeof(hello[0]), MPI_BYTE, hello,
		       sizeof(hello[0]), MPI_BYTE, 0,
		       ex->world) != MPI_SUCCESS) {
		snprintf(err, errlen, "mpi: the ranks did not report");
		free(hello);
		return -EIO;
	}
	for (unsigned r = 0; r < ex->ranks; r++) {
		const struct mpi_hello *h = &hello[r + 1];

		ex->pids[r] = h->pid;
		ex->pidfds[r] = pt_pidfd_open(h->pid);
		if (h->status && ret == 0) {
			snprintf(err, errlen, "mpi: rank %u: %.*s", r + 1,
				 (int)sizeof(h->msg), h->msg);
			ret = h->status == -EAGAIN ? -EAGAIN : -EINVAL;
		}
		if (ex->pidfds[r] < 0 && ret == 0) {
			snprintf(err, errlen, "mpi: pidfd of rank %u: %s",
				 r + 1, strerror(errno));
			ret = -EIO;
		}
	}
	mpi_label(ex, mpi_count_hosts(hello, ex->ranks + 1));
	free(hello);
	return ret;
}

/*
 * The claim counter's window, made by every rank (also after a failed
 * setup, which the ranks learn only at stop). On one host it is a shared
 * memory window (MPI_Win_allocate_shared, which only osc/sm serves): a
 * claim is then an atomic in shared memory that needs no progress from
 * rank 0. Across hosts MPI_Win_allocate lets Open MPI choose (osc/rdma or
 * osc/pt2pt, whose claims rank 0 serves while it polls).
 */
static int mpi_make_window(struct mpi_ex *ex)
{
	int shared = ex->hosts == 1, rc;
	MPI_Aint words = shared ? 1 + 2 * (MPI_Aint)ex->ranks : 1;

	if (MPI_Bcast(&shared, 1, MPI_INT, 0, ex->world) != MPI_SUCCESS)
		return -EIO;
	rc = shared
		 ? MPI_Win_allocate_shared(words * (MPI_Aint)sizeof(uint64_t),
					   sizeof(uint64_t), MPI_INFO_NULL,
					   ex->world, &ex->counter, &ex->win)
		 : MPI_Win_allocate(sizeof(uint64_t), sizeof(uint64_t),
				    MPI_INFO_NULL, ex->world, &ex->counter,
				    &ex->win);
	if (rc != MPI_SUCCESS)
		return -EIO;
	memset(ex->counter, 0, (size_t)words * sizeof(uint64_t));
	ex->slots = shared ? ex->counter + 1 : NULL;
	ex->have_window = true;
	return 0;
}

/*
 * Spawn, hellos, window: a set of ranks ready for jobs (at start, and
 * again after a rank died under --on-task-failure continue or retry).
 */
static int mpi_launch(struct mpi_ex *ex, const char *spec, char *err,
		      size_t errlen)
{
	int ret;

	for (unsigned r = 0; r < ex->ranks; r++)
		ex->pidfds[r] = -1;
	/* A spawn that fails leaves no rank of ours. */
	ex->base.config.spawn_spec = spec;
	ret = mpi_spawn(ex, err, errlen);
	ex->base.config.spawn_spec = NULL;
	if (ret)
		return ret;
	ex->connected = true;
	ret = mpi_greet(ex, err, errlen);
	if (mpi_make_window(ex) && ret == 0) {
		snprintf(err, errlen, "mpi: the claim counter's window failed");
		ret = -EIO;
	}
	if (ret == 0 && ex->each && !ex->slots) {
		snprintf(err, errlen,
			 "%s: --on-task-failure continue or retry needs every "
			 "rank on this host (the ranks span %u)",
			 ex->base.ops->name, ex->hosts);
		ret = -ENOTSUP;
	}
	if (ret == 0 &&
	    MPI_Win_lock_all(MPI_MODE_NOCHECK, ex->win) == MPI_SUCCESS)
		ex->locked = true;
	if (ret)
		mpi_disconnect(ex); /* the ranks wait for the stop header */
	return ret;
}

static int mpi_start_common(const struct ex_config *config, unsigned threads,
			    const struct executor_ops *ops,
			    struct executor **out, char *err, size_t errlen)
{
	struct mpi_ex *ex = NULL;
	size_t slots = config->max_tasks ? config->max_tasks : 1;
	int ret;

	*out = NULL;
	if (config->workers == 0 || threads == 0 || config->workers % threads) {
		snprintf(err, errlen, "%s: needs R x T workers", ops->name);
		return -EINVAL;
	}
	if (!config->spawn_spec) {
		snprintf(err, errlen,
			 "%s: no job description (spawn_spec): a rank cannot "
			 "receive a function pointer",
			 ops->name);
		return -EINVAL;
	}
	if (config->spawn_channels) {
		snprintf(err, errlen,
			 "%s: payload workloads cannot reach the ranks yet",
			 ops->name);
		return -ENOTSUP;
	}
	if (config->task_timeout_ns) {
		snprintf(err, errlen,
			 "%s: --task-timeout is not done for ranks yet",
			 ops->name);
		return -ENOTSUP;
	}
	if (config->on_failure != EX_ON_FAILURE_ABORT && threads > 1) {
		snprintf(err, errlen,
			 "%s: --on-task-failure continue or retry needs one "
			 "task per rank at a time (a rank's death cannot name "
			 "which of its threads' tasks crashed): use mpi",
			 ops->name);
		return -ENOTSUP;
	}
	ret = mpi_init_once(err, errlen);
	if (ret)
		return ret;
	ex = calloc(1, sizeof(*ex));
	if (!ex) {
		snprintf(err, errlen, "%s: out of memory", ops->name);
		return -ENOMEM;
	}
	ex->base.ops = ops;
	ex->base.config = *config;
	ex->base.config.spawn_spec = NULL; /* the ranks have it */
	ex->ranks = config->workers / threads;
	ex->threads = threads;
	ex->scratch_words = RESULT_HEAD + TIMED_STRIDE * slots;
	ex->pids = calloc(ex->ranks, sizeof(*ex->pids));
	ex->pidfds = malloc(ex->ranks * sizeof(*ex->pidfds));
	ex->scratch = malloc(ex->scratch_words * sizeof(*ex->scratch));
	ex->seen = calloc(slots, sizeof(*ex->seen));
	ex->requests = calloc(ex->ranks, sizeof(*ex->requests));
	ex->each = config->on_failure != EX_ON_FAILURE_ABORT;
	if (ex->each) {
		ex->attempts = calloc(slots, sizeof(*ex->attempts));
		ex->failed = calloc(slots, sizeof(*ex->failed));
		ex->list = malloc(slots * sizeof(*ex->list));
	}
	if (!ex->pids || !ex->pidfds || !ex->scratch || !ex->seen ||
	    !ex->requests ||
	    (ex->each && (!ex->attempts || !ex->failed || !ex->list))) {
		free(ex->pids);
		free(ex->pidfds);
		ex->pids = NULL;
		ex->pidfds = NULL;
		snprintf(err, errlen, "%s: out of memory", ops->name);
		mpi_destroy(ex);
		return -ENOMEM;
	}
	for (unsigned r = 0; r < ex->ranks; r++)
		ex->pidfds[r] = -1;
	/* The replacement ranks need the job's description again. */
	ex->spec = strdup(config->spawn_spec);
	ret = ex->spec ? mpi_launch(ex, ex->spec, err, errlen) : -ENOMEM;
	if (ret) {
		if (ret == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", ops->name);
		mpi_destroy(ex);
		return ret;
	}
	*out = &ex->base;
	return 0;
}

/* Applies one rank's result message; -EIO with the reason on a bad one. */
static int mpi_apply(struct mpi_ex *ex, const struct ex_job *job, int count,
		     bool times, int source, unsigned *dones)
{
	const uint64_t *m = ex->scratch;
	size_t stride = times ? TIMED_STRIDE : 2;
	uint64_t n;

	if (count < RESULT_HEAD || m[0] != ex->generation ||
	    (n = m[2]) > ((size_t)count - RESULT_HEAD) / stride) {
		snprintf(ex->base.error, sizeof(ex->base.error),
			 "mpi: rank %d sent a malformed result message",
			 source);
		return -EIO;
	}
	*dones += m[3] != 0;
	for (uint64_t k = 0; k < n; k++) {
		const uint64_t *e = m + RESULT_HEAD + k * stride;
		uint64_t task = e[0];

		if (task >= job->ntasks) {
			snprintf(ex->base.error, sizeof(ex->base.error),
				 "mpi: rank %d returned task %" PRIu64
				 ", not a task of this job",
				 source, task);
			return -EIO;
		}
		if (ex->seen[task] == ex->generation) {
			snprintf(ex->base.error, sizeof(ex->base.error),
				 "mpi: task %" PRIu64
				 " ran twice (again on rank %d)",
				 task, source);
			return -EIO;
		}
		ex->seen[task] = ex->generation;
		job->results[task] = e[1];
		if (times) {
			job->times[task].start_ns = e[2];
			job->times[task].end_ns = e[3];
			job->times[task].worker = (uint32_t)e[4];
			job->times[task].pid = (int32_t)(e[4] >> 32);
		}
	}
	return 0;
}

/*
 * Receives result messages until every rank has sent its last of the job
 * (or, when drain is set, until none has come for a while: the messages
 * of ranks that are gone). -ECHILD with *dead when a rank's pidfd fired.
 */
static int mpi_receive(struct mpi_ex *ex, const struct ex_job *job, bool drain,
		       int *dead)
{
	struct mpi_spin spin = {.policy = EX_WAIT_ADAPTIVE};
	struct executor *base = &ex->base;
	bool times = job->times != NULL;
	unsigned dones = 0, idle = 0;
	int rc = 0;

	if (!drain)
		spin.policy = base->config.wait;
	while (drain ? idle < 200 : dones < ex->ranks) {
		MPI_Status status;
		int flag = 0, count = 0;

		if (MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULTS, ex->world, &flag,
			       &status) != MPI_SUCCESS) {
			if (drain)
				return 0; /* the connections are gone */
			snprintf(base->error, sizeof(base->error),
				 "mpi: MPI_Iprobe failed");
			return -EIO;
		}
		if (!flag) {
			if (drain) {
				idle++;
				nanosleep(&(struct timespec){0, 100000}, NULL);
				continue;
			}
			mpi_spin_round(&spin, ex->pidfds, ex->ranks, dead);
			if (*dead >= 0)
				return -ECHILD;
			continue;
		}
		idle = 0;
		MPI_Get_count(&status, MPI_UINT64_T, &count);
		if (count < 0 || (size_t)count > ex->scratch_words) {
			snprintf(base->error, sizeof(base->error),
				 "mpi: rank %d sent %d words, more than a job "
				 "can have",
				 status.MPI_SOURCE, count);
			return -EIO;
		}
		if (MPI_Recv(ex->scratch, count, MPI_UINT64_T,
			     status.MPI_SOURCE, TAG_RESULTS, ex->world,
			     MPI_STATUS_IGNORE) != MPI_SUCCESS) {
			if (drain)
				return 0;
			snprintf(base->error, sizeof(base->error),
				 "mpi: receiving rank %d's results failed",
				 status.MPI_SOURCE);
			return -EIO;
		}
		rc =
		    mpi_apply(ex, job, count, times, status.MPI_SOURCE, &dones);
		if (rc)
			return rc;
	}
	return 0;
}

/* Resets the claim counter (and the slots), posts the job (and its list). */
static int mpi_post_job(struct mpi_ex *ex, const struct ex_job *job,
			uint64_t ntasks, bool listed, int *dead)
{
	uint64_t header[HEADER_WORDS], zero = 0;
	struct executor *base = &ex->base;
	int rc;

	MPI_Accumulate(&zero, 1, MPI_UINT64_T, 0, 0, 1, MPI_UINT64_T,
		       MPI_REPLACE, ex->win);
	MPI_Win_flush(0, ex->win);
	if (ex->slots)
		for (unsigned r = 0; r < ex->ranks; r++)
			__atomic_store_n(&ex->slots[2 * r], 0,
					 __ATOMIC_SEQ_CST);
	header[0] = CMD_JOB;
	header[1] = ex->generation;
	header[2] = ntasks;
	header[3] = job->times != NULL;
	header[4] = listed;
	header[5] = ex->each;
	rc =
	    mpi_post_header(ex, header, base->error, sizeof(base->error), dead);
	if (rc || !listed)
		return rc;
	for (unsigned r = 0; r < ex->ranks; r++)
		if (MPI_Isend(ex->list, (int)ntasks, MPI_UINT64_T, (int)r + 1,
			      TAG_LIST, ex->world,
			      &ex->requests[r]) != MPI_SUCCESS) {
			snprintf(base->error, sizeof(base->error),
				 "mpi: sending the task list failed");
			return -EIO;
		}
	return mpi_wait_requests(ex->requests, (int)ex->ranks,
				 base->config.wait, ex->pidfds, ex->ranks, dead,
				 base->error, sizeof(base->error));
}

/*
 * A rank died under --on-task-failure continue or retry: every rank of the
 * set goes (Open MPI aborts the spawned job anyway), what they sent is
 * taken, the task the dead rank ran (its slot) is run again or recorded as
 * failed, and a new set of ranks is spawned for the tasks no rank returned.
 * Returns 0 with *left (the tasks of the next pass, in ex->list), or a
 * negative errno code with the reason.
 */
static int mpi_recover(struct mpi_ex *ex, const struct ex_job *job, int dead,
		       uint64_t *left)
{
	struct ex_failures *f = job->failures;
	uint64_t slot = __atomic_load_n(&ex->slots[2 * dead], __ATOMIC_SEQ_CST);
	uint64_t sig =
	    __atomic_load_n(&ex->slots[2 * dead + 1], __ATOMIC_SEQ_CST);
	pid_t pid = ex->pids[dead];
	uint64_t t = pt_now_ns();
	int ignored = -1, rc;

	mpi_rank_lost = true; /* MPI_Finalize could wait for the dead */
	f->detections++;
	mpi_reap_ranks(ex, 0);
	rc = mpi_receive(ex, job, true, &ignored);
	if (rc)
		return rc;
	if (slot > 0 && slot - 1 < job->ntasks &&
	    ex->seen[slot - 1] != ex->generation) {
		uint64_t task = slot - 1;
		uint32_t runs = ++ex->attempts[task];

		if (ex->base.config.on_failure == EX_ON_FAILURE_RETRY &&
		    runs <= ex->base.config.retries) {
			f->retried++;
		} else {
			ex->failed[task] = ex->generation;
			if (f->count < f->capacity)
				f->list[f->count] = (struct ex_failure){
				    .task = task,
				    .worker = (unsigned)dead,
				    .pid = pid,
				    /* A wait status: the signal it said it
				     * died of, or unknown (orted reaps). */
				    .status =
					sig > 0 && sig < 65 ? (int)sig : -1,
				    .attempts = runs};
			f->count++;
		}
	}
	f->detect_s += (double)(pt_now_ns() - t) * 1e-9;
	/* The dead set's communicators and window are left as they are:
	 * freeing them would wait for ranks that are gone. */
	ex->connected = ex->have_window = ex->locked = false;
	*left = 0;
	for (uint64_t i = 0; i < job->ntasks; i++)
		if (ex->seen[i] != ex->generation &&
		    ex->failed[i] != ex->generation)
			ex->list[(*left)++] = i;
	t = pt_now_ns();
	rc = mpi_launch(ex, ex->spec, ex->base.error, sizeof(ex->base.error));
	if (rc) {
		ex->broken = true;
		return rc;
	}
	f->replacements++;
	f->replace_s += (double)(pt_now_ns() - t) * 1e-9;
	return 0;
}

static int mpi_failure_order(const void *a, const void *b)
{
	const struct ex_failure *x = a, *y = b;

	return (x->task > y->task) - (x->task < y->task);
}

static int mpi_map(struct executor *base, const struct ex_job *job)
{
	struct mpi_ex *ex = (struct mpi_ex *)base;
	bool recover = ex->each && job->failures && ex->slots;
	uint64_t ntasks = job->ntasks;
	bool listed = false;
	int dead = -1, rc;

	if (ex->broken) {
		snprintf(base->error, sizeof(base->error),
			 "mpi: a rank died earlier: the executor is broken");
		return -ECHILD;
	}
	if (job->ntasks >
	    (base->config.max_tasks ? base->config.max_tasks : 1)) {
		snprintf(base->error, sizeof(base->error),
			 "mpi: a job of %" PRIu64 " tasks exceeds max_tasks",
			 job->ntasks);
		return -EINVAL;
	}
	ex->generation++;
	if (job->failures) {
		struct ex_failures *f = job->failures;

		f->count = f->retried = 0;
		f->detections = f->replacements = 0;
		f->detect_s = f->replace_s = 0;
	}
	if (ex->attempts)
		memset(ex->attempts, 0, job->ntasks * sizeof(*ex->attempts));
	for (;;) {
		rc = mpi_post_job(ex, job, ntasks, listed, &dead);
		if (rc == 0)
			rc = mpi_receive(ex, job, false, &dead);
		if (rc != -ECHILD || dead < 0 || !recover)
			break;
		rc = mpi_recover(ex, job, dead, &ntasks);
		if (rc || ntasks == 0)
			break;
		listed = true;
		dead = -1;
	}
	if (rc == -ECHILD && dead >= 0) {
		mpi_rank_died(ex, dead, "during the job");
		return -ECHILD;
	}
	if (rc)
		return rc;
	if (job->failures && job->failures->count > 1)
		qsort(job->failures->list,
		      job->failures->count < job->failures->capacity
			  ? job->failures->count
			  : job->failures->capacity,
		      sizeof(*job->failures->list), mpi_failure_order);
	for (uint64_t i = 0; i < job->ntasks; i++) {
		if (ex->seen[i] != ex->generation &&
		    !(ex->failed && ex->failed[i] == ex->generation)) {
			snprintf(base->error, sizeof(base->error),
				 "mpi: task %" PRIu64 " never ran (no rank "
				 "returned it)",
				 i);
			return -EIO;
		}
	}
	return 0;
}

static void mpi_stop(struct executor *base)
{
	struct mpi_ex *ex = (struct mpi_ex *)base;

	mpi_disconnect(ex);
	mpi_destroy(ex);
}

static int mpi_start(const struct ex_config *config, struct executor **out,
		     char *err, size_t errlen)
{
	return mpi_start_common(config, 1, &ex_mpi, out, err, errlen);
}

static int mpi_hybrid_start(const struct ex_config *config,
			    struct executor **out, char *err, size_t errlen)
{
	return mpi_start_common(config, config->threads ? config->threads : 1,
				&ex_mpi_thread_pool, out, err, errlen);
}

/*
 * The rank's side.
 */

/* What a rank knows of its job and of itself. */
struct mpi_rank {
	MPI_Comm parent, world;
	MPI_Win win;
	int rank;	/* 1..R */
	unsigned ranks; /* R */
	unsigned threads;
	enum ex_schedule schedule;
	uint64_t chunk;
	enum ex_wait wait;
	ex_task_fn fn;
	void *arg;
	struct executor *pool; /* mpi+thread-pool: T threads, or NULL */
	uint64_t *message;     /* the result message being built */
	size_t message_words;
	uint64_t *range_results; /* the pool's results for one range */
	struct ex_task_time *range_times;
	bool times;
	/* A listed job: claim k is task list[k]. Each: every task is its own
	 * message, and the rank's slots (slots[2 (rank - 1)], in rank 0's
	 * shared window) names the task it runs. */
	bool listed, each;
	uint64_t *list;
	uint64_t *slots;
	uint64_t generation;
};

/* Sends the message (count entries; last: the rank's last of the job). */
static int mpi_send_message(struct mpi_rank *r, bool last)
{
	uint64_t *m = r->message;
	MPI_Request req;
	char err[128];
	int dead;

	m[0] = r->generation;
	m[1] = (uint64_t)r->rank;
	m[3] = last;
	if (MPI_Isend(
		m, (int)(RESULT_HEAD + m[2] * (r->times ? TIMED_STRIDE : 2)),
		MPI_UINT64_T, 0, TAG_RESULTS, r->world, &req) != MPI_SUCCESS)
		return -EIO;
	return mpi_wait_request(&req, r->wait, NULL, 0, &dead, err,
				sizeof(err));
}

/* The task function of a range run by the rank's pool. */
struct mpi_range {
	struct mpi_rank *r;
	uint64_t begin;
};

static uint64_t mpi_range_task(void *arg, uint64_t index, unsigned worker)
{
	struct mpi_range *range = arg;
	struct mpi_rank *r = range->r;
	uint64_t start = r->times ? pt_now_ns() : 0;
	uint64_t sum = r->fn(r->arg, range->begin + index,
			     (unsigned)(r->rank - 1) * r->threads + worker);

	if (r->times) {
		r->range_times[index].start_ns = start;
		r->range_times[index].end_ns = pt_now_ns();
		r->range_times[index].worker =
		    (uint32_t)(r->rank - 1) * r->threads + worker;
	}
	return sum;
}

/* Runs tasks [begin, end) and appends them to the message. */
static int mpi_run_range(struct mpi_rank *r, uint64_t begin, uint64_t end)
{
	size_t stride = r->times ? TIMED_STRIDE : 2;
	uint64_t *m = r->message;
	uint64_t pid = (uint64_t)getpid() << 32;

	if (!r->pool) {
		for (uint64_t i = begin; i < end; i++) {
			uint64_t task = r->listed ? r->list[i] : i;
			uint64_t *e = m + RESULT_HEAD + m[2]++ * stride;
			uint64_t start;
			int rc;

			if (r->slots)
				__atomic_store_n(&r->slots[2 * (r->rank - 1)],
						 task + 1, __ATOMIC_SEQ_CST);
			start = r->times ? pt_now_ns() : 0;
			e[1] = r->fn(r->arg, task, (unsigned)r->rank - 1);
			e[0] = task;
			if (r->times) {
				e[2] = start;
				e[3] = pt_now_ns();
				e[4] = pid | (unsigned)(r->rank - 1);
			}
			if (!r->each)
				continue;
			rc = mpi_send_message(r, false);
			m[2] = 0;
			if (rc)
				return rc;
		}
		return 0;
	}
	struct mpi_range range = {.r = r, .begin = begin};
	struct ex_job job = {.fn = mpi_range_task,
			     .arg = &range,
			     .ntasks = end - begin,
			     .results = r->range_results};
	int rc = r->pool->ops->map(r->pool, &job);

	if (rc)
		return rc;
	for (uint64_t i = begin; i < end; i++) {
		uint64_t *e = m + RESULT_HEAD + m[2]++ * stride;

		e[0] = i;
		e[1] = r->range_results[i - begin];
		if (r->times) {
			e[2] = r->range_times[i - begin].start_ns;
			e[3] = r->range_times[i - begin].end_ns;
			e[4] = pid | r->range_times[i - begin].worker;
		}
	}
	return 0;
}

/* One job: claims, runs, and sends the message. */
static int mpi_serve_job(struct mpi_rank *r, uint64_t generation,
			 uint64_t ntasks)
{
	unsigned w = (unsigned)r->rank - 1;
	uint64_t begin, end, got, step = r->chunk * r->threads;
	MPI_Request req;
	int rc = 0, dead;
	char err[128];

	r->generation = generation;
	r->message[2] = 0;
	if (r->listed &&
	    (MPI_Irecv(r->list, (int)ntasks, MPI_UINT64_T, 0, TAG_LIST,
		       r->world, &req) != MPI_SUCCESS ||
	     mpi_wait_request(&req, r->wait, NULL, 0, &dead, err, sizeof(err))))
		return -EIO;
	switch (r->schedule) {
	case EX_SCHED_STATIC:
		for (uint64_t k = 0;
		     rc == 0 && ex_claim_static(ntasks, r->ranks, w, step, k,
						&begin, &end);
		     k++)
			rc = mpi_run_range(r, begin, end);
		break;
	case EX_SCHED_DYNAMIC:
		for (;;) {
			MPI_Fetch_and_op(&step, &got, MPI_UINT64_T, 0, 0,
					 MPI_SUM, r->win);
			MPI_Win_flush(0, r->win);
			if (rc || !ex_claim_dynamic(ntasks, step, got, &end))
				break;
			rc = mpi_run_range(r, got, end);
		}
		break;
	case EX_SCHED_GUIDED: {
		uint64_t next = 0, size, seen;

		MPI_Fetch_and_op(NULL, &next, MPI_UINT64_T, 0, 0, MPI_NO_OP,
				 r->win);
		MPI_Win_flush(0, r->win);
		while (rc == 0 && (size = ex_claim_guided_size(
				       ntasks, next, r->ranks, step)) > 0) {
			uint64_t want = next + size;

			MPI_Compare_and_swap(&want, &next, &seen, MPI_UINT64_T,
					     0, 0, r->win);
			MPI_Win_flush(0, r->win);
			if (seen == next) {
				rc = mpi_run_range(r, next, want);
				MPI_Fetch_and_op(NULL, &next, MPI_UINT64_T, 0,
						 0, MPI_NO_OP, r->win);
				MPI_Win_flush(0, r->win);
			} else {
				next = seen;
			}
		}
		break;
	}
	}
	if (rc)
		return rc;
	if (r->slots && !r->pool)
		__atomic_store_n(&r->slots[2 * (r->rank - 1)], 0,
				 __ATOMIC_SEQ_CST);
	return mpi_send_message(r, true);
}

/*
 * The rank's fatal signal, written into its second slot before it dies
 * of it, so that a failed task names its signal although orted, not the
 * coordinator, reaps the rank (SIGKILL cannot be caught: unknown then).
 */
static uint64_t *mpi_fatal_slot;

static void mpi_on_fatal(int sig)
{
	__atomic_store_n(mpi_fatal_slot, (uint64_t)sig, __ATOMIC_SEQ_CST);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void mpi_catch_fatal(void)
{
	static const int fatal[] = {SIGSEGV, SIGBUS,  SIGFPE,
				    SIGILL,  SIGABRT, SIGTERM};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = mpi_on_fatal;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
}

/* Exits the rank when the coordinator is gone (pidfd readable). */
static void *mpi_watch_coordinator(void *arg)
{
	struct pollfd pfd = {.fd = (int)(intptr_t)arg, .events = POLLIN};

	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	_exit(3);
	return NULL;
}

static double mpi_tv(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

/* VmHWM of this process in bytes (0 if unknown). */
static double mpi_peak_rss(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	double value = 0;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			value = strtod(line + 6, NULL) * 1024;
	if (f)
		fclose(f);
	return value;
}

static void mpi_usage(double *u)
{
	struct rusage self, children;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	u[U_USER] = mpi_tv(self.ru_utime) + mpi_tv(children.ru_utime);
	u[U_SYS] = mpi_tv(self.ru_stime) + mpi_tv(children.ru_stime);
	u[U_VOL] = (double)(self.ru_nvcsw + children.ru_nvcsw);
	u[U_INVOL] = (double)(self.ru_nivcsw + children.ru_nivcsw);
	u[U_MINFLT] = (double)(self.ru_minflt + children.ru_minflt);
	u[U_MAJFLT] = (double)(self.ru_majflt + children.ru_majflt);
	u[U_PEAK] = mpi_peak_rss();
}

/* A whole number in [lo, hi], or -EINVAL. */
static int mpi_parse_number(const char *text, unsigned long long hi,
			    unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(text, &end, 10);
	return errno || end == text || *end || *text == '-' || *out > hi
		   ? -EINVAL
		   : 0;
}

static int mpi_parse_worker(int argc, char **argv, struct mpi_rank *r,
			    enum ex_pin *pin, pid_t *parent, char *err,
			    size_t errlen)
{
	unsigned long long chunk, threads, pid;

	if (argc != 8 || strcmp(argv[1], EX_MPI_WORKER_FLAG) ||
	    ex_schedule_parse(argv[3], &r->schedule) ||
	    mpi_parse_number(argv[4], UINT64_MAX, &chunk) ||
	    mpi_parse_number(argv[5], 4096, &threads) || threads == 0 ||
	    ex_pin_parse(argv[6], pin) ||
	    mpi_parse_number(argv[7], INT32_MAX, &pid) || pid == 0) {
		snprintf(err, errlen,
			 "%s: expected SPEC SCHEDULE CHUNK THREADS PIN PARENT",
			 EX_MPI_WORKER_FLAG);
		return -EINVAL;
	}
	r->chunk = ex_claim_chunk(r->schedule, chunk);
	r->threads = (unsigned)threads;
	*parent = (pid_t)pid;
	return 0;
}

/* Setup of the rank's side: the tasks, the pool, the buffers. */
static int mpi_rank_setup(struct mpi_rank *r, const struct ex_mpi_tasks *tasks,
			  const char *spec, enum ex_pin pin, char *err,
			  size_t errlen)
{
	uint64_t ntasks;
	const char *field = strstr(spec, "/tasks=");
	int rc;

	if (!field || sscanf(field + 7, "%" SCNu64, &ntasks) != 1) {
		snprintf(err, errlen, "no task count in '%s'", spec);
		return -EINVAL;
	}
	if (ntasks == 0)
		ntasks = 1;
	if (pt_pin_prepare(pin) == 0)
		pt_pin_self((unsigned)r->rank - 1);
	rc = tasks->setup(tasks->ctx, spec, &r->fn, &r->arg, err, errlen);
	if (rc)
		return rc;
	r->message_words = RESULT_HEAD + TIMED_STRIDE * ntasks;
	r->message = malloc(r->message_words * sizeof(*r->message));
	r->list = malloc(ntasks * sizeof(*r->list));
	if (!r->message || !r->list) {
		snprintf(err, errlen, "out of memory for %" PRIu64 " tasks",
			 ntasks);
		return -ENOMEM;
	}
	if (r->threads > 1) {
		struct ex_config pool = {.workers = r->threads,
					 .schedule = EX_SCHED_DYNAMIC,
					 .chunk = 1,
					 .max_tasks = ntasks,
					 .wait = r->wait};

		r->range_results = malloc(ntasks * sizeof(*r->range_results));
		r->range_times = calloc(ntasks, sizeof(*r->range_times));
		if (!r->range_results || !r->range_times) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		rc = ex_thread_pool.start(&pool, &r->pool, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

int ex_mpi_worker_main(int argc, char **argv, const struct ex_mpi_tasks *tasks)
{
	struct mpi_rank r = {.wait = EX_WAIT_ADAPTIVE};
	struct mpi_hello hello = {0};
	double usage[U_WORDS];
	uint64_t header[HEADER_WORDS], *window;
	enum ex_pin pin = EX_PIN_NONE;
	pthread_t watcher;
	MPI_Request req;
	pid_t parent = 0;
	char err[256];
	int provided, size, dead, status = 1, pidfd, shared = 0;

	if (mpi_parse_worker(argc, argv, &r, &pin, &parent, err, sizeof(err))) {
		fprintf(stderr, "bench: mpi worker: %s\n", err);
		return 2;
	}
	/* Gone already: nobody waits for this rank. */
	pidfd = pt_pidfd_open(parent);
	if (pidfd < 0)
		return 1;
	pthread_create(&watcher, NULL, mpi_watch_coordinator,
		       (void *)(intptr_t)pidfd);
	if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) !=
	    MPI_SUCCESS)
		return 1;
	MPI_Comm_get_parent(&r.parent);
	if (r.parent == MPI_COMM_NULL) {
		fprintf(stderr, "bench: mpi worker: not started by "
				"MPI_Comm_spawn\n");
		MPI_Finalize();
		return 2;
	}
	MPI_Comm_set_errhandler(r.parent, MPI_ERRORS_RETURN);
	MPI_Intercomm_merge(r.parent, 1, &r.world);
	MPI_Comm_set_errhandler(r.world, MPI_ERRORS_RETURN);
	MPI_Comm_rank(r.world, &r.rank);
	MPI_Comm_size(r.world, &size);
	r.ranks = (unsigned)size - 1;
	hello.pid = getpid();
	gethostname(hello.host, sizeof(hello.host) - 1);
	err[0] = '\0';
	hello.status =
	    mpi_rank_setup(&r, tasks, argv[2], pin, err, sizeof(err));
	if (hello.status)
		snprintf(hello.msg, sizeof(hello.msg), "%s",
			 err[0] ? err : strerror(-hello.status));
	MPI_Gather(&hello, sizeof(hello), MPI_BYTE, NULL, 0, MPI_BYTE, 0,
		   r.world);
	MPI_Bcast(&shared, 1, MPI_INT, 0, r.world);
	if ((shared
		 ? MPI_Win_allocate_shared(0, sizeof(uint64_t), MPI_INFO_NULL,
					   r.world, &window, &r.win)
		 : MPI_Win_allocate(0, sizeof(uint64_t), MPI_INFO_NULL, r.world,
				    &window, &r.win)) != MPI_SUCCESS)
		goto out;
	if (shared) {
		MPI_Aint bytes;
		int unit;
		uint64_t *base = NULL;

		if (MPI_Win_shared_query(r.win, 0, &bytes, &unit, &base) !=
			MPI_SUCCESS ||
		    (size_t)bytes < (1 + 2 * r.ranks) * sizeof(uint64_t))
			goto out;
		r.slots = base + 1;
		mpi_fatal_slot = &r.slots[2 * (r.rank - 1) + 1];
		mpi_catch_fatal();
	}
	MPI_Win_lock_all(MPI_MODE_NOCHECK, r.win);
	for (;;) {
		if (MPI_Irecv(header, HEADER_WORDS, MPI_UINT64_T, 0, TAG_HEADER,
			      r.world, &req) != MPI_SUCCESS ||
		    mpi_wait_request(&req, r.wait, NULL, 0, &dead, err,
				     sizeof(err)))
			goto out;
		if (header[0] != CMD_JOB)
			break;
		r.times = header[3] != 0;
		r.listed = header[4] != 0;
		r.each = header[5] != 0;
		if (r.each && (!r.slots || r.pool))
			goto out; /* the coordinator refuses this */
		if (hello.status || header[2] + RESULT_HEAD > r.message_words ||
		    mpi_serve_job(&r, header[1], header[2]))
			goto out; /* the coordinator sees a rank gone */
	}
	mpi_usage(usage);
	MPI_Igather(usage, U_WORDS, MPI_DOUBLE, NULL, 0, MPI_DOUBLE, 0, r.world,
		    &req);
	if (mpi_wait_request(&req, r.wait, NULL, 0, &dead, err, sizeof(err)))
		goto out;
	MPI_Win_unlock_all(r.win);
	MPI_Win_free(&r.win);
	MPI_Comm_free(&r.world);
	MPI_Comm_disconnect(&r.parent);
	status = 0;
out:
	if (r.pool)
		r.pool->ops->stop(r.pool);
	if (hello.status == 0 && tasks->teardown)
		tasks->teardown(tasks->ctx, r.arg);
	free(r.message);
	free(r.list);
	free(r.range_results);
	free(r.range_times);
	if (status == 0)
		MPI_Finalize();
	return status;
}

void ex_mpi_finalize(void)
{
	int initialized = 0, finalized = 0;

	MPI_Initialized(&initialized);
	MPI_Finalized(&finalized);
	/* After a lost rank orted tears the job down itself. */
	if (initialized && !finalized && !mpi_rank_lost)
		MPI_Finalize();
}

#define MPI_START	 mpi_start
#define MPI_HYBRID_START mpi_hybrid_start
#define MPI_MAP		 mpi_map
#define MPI_STOP	 mpi_stop
#define MPI_UNAVAILABLE	 NULL

#else /* !PT_HAVE_MPI */

static int mpi_unavailable_start(const struct ex_config *config,
				 struct executor **out, char *err,
				 size_t errlen)
{
	(void)config;
	*out = NULL;
	snprintf(err, errlen, "mpi: built without MPI");
	return -ENOSYS;
}

static int mpi_unavailable_map(struct executor *base, const struct ex_job *job)
{
	(void)job;
	snprintf(base->error, sizeof(base->error), "mpi: built without MPI");
	return -ENOSYS;
}

static void mpi_unavailable_stop(struct executor *base)
{
	free(base);
}

void ex_mpi_finalize(void)
{
}

int ex_mpi_worker_main(int argc, char **argv, const struct ex_mpi_tasks *tasks)
{
	(void)argc;
	(void)argv;
	(void)tasks;
	fprintf(stderr, "bench: mpi worker: built without MPI\n");
	return 2;
}

#define MPI_START	 mpi_unavailable_start
#define MPI_HYBRID_START mpi_unavailable_start
#define MPI_MAP		 mpi_unavailable_map
#define MPI_STOP	 mpi_unavailable_stop
#define MPI_UNAVAILABLE	 "built without MPI"

#endif /* PT_HAVE_MPI */

extern char **environ;

bool ex_mpi_launched_rank_exits(void)
{
	const char *rank = getenv("OMPI_COMM_WORLD_RANK");
	size_t k = 0;

	if (!rank || !getenv("OMPI_COMM_WORLD_SIZE"))
		return false;
	if (strcmp(rank, "0") != 0)
		return true;
	/* Rank 0 forgets the launcher's job: no OMPI_* or PMIX_* variable
	 * may make its configuration children join it. Collect the names
	 * first, since unsetenv() moves environ's entries. */
	while (environ[k]) {
		const char *v = environ[k];
		const char *eq = strchr(v, '=');

		if (eq && (!strncmp(v, "OMPI_", 5) || !strncmp(v, "PMIX_", 5) ||
			   !strncmp(v, "OPAL_", 5))) {
			char name[256];

			snprintf(name, sizeof(name), "%.*s", (int)(eq - v), v);
			unsetenv(name);
			k = 0;
			continue;
		}
		k++;
	}
	return false;
}

const struct executor_ops ex_mpi = {
    .name = "mpi",
    .alias = NULL,
    .summary = "W ranks of Open MPI spawned by bench (MPI_Comm_spawn), "
	       "claiming tasks with MPI_Fetch_and_op",
    .uses_workers = true,
    .uses_schedule = true,
    .processes = true,
    .runs_spec = true,
    .times_tasks = true,
    .named_only = true,
    .start = MPI_START,
    .map = MPI_MAP,
    .stop = MPI_STOP,
    .unavailable = MPI_UNAVAILABLE,
};

const struct executor_ops ex_mpi_thread_pool = {
    .name = "mpi+thread-pool",
    .alias = NULL,
    .summary = "R ranks of Open MPI (--workers=RxT), each a thread pool of T "
	       "threads; a rank claims T x chunk tasks at a time",
    .uses_workers = true,
    .uses_schedule = true,
    .processes = true,
    .runs_spec = true,
    .times_tasks = true,
    .named_only = true,
    .threads_per_worker = true,
    .start = MPI_HYBRID_START,
    .map = MPI_MAP,
    .stop = MPI_STOP,
    .unavailable = MPI_UNAVAILABLE,
};
