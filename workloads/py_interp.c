/*
 * The embedded interpreter's life cycle, in every executor.
 *
 * The design is simple: the first wl_py_init() of a process makes the one
 * interpreter (isolated from PYTHON* variables, without Python's signal
 * handlers, so SIGINT and SIGTERM stay the supervisor's), registers fork
 * handlers and releases the GIL; it is never finalised. Each executor then
 * gets a working interpreter this way:
 *   - Threads (thread-pool, thread-per-task, omp, the serial caller): a
 *     thread's first wl_py_enter() gives it a thread state (the main
 *     thread's from Py_Initialize, or a new one by PyGILState_Ensure) and
 *     keeps it in a thread-local; later tasks only take and drop the GIL
 *     with it (PyEval_RestoreThread/SaveThread), so a pool thread does not
 *     make and delete a thread state per task. A thread that made its
 *     state deletes it when it exits (a pthread key destructor):
 *     thread-per-task pays that per task, as threading.Thread does.
 *   - Forks (process-pool, process-per-task): what os.fork() does. The
 *     prepare handler takes the GIL in the forking thread and CPython's
 *     fork locks (PyOS_BeforeFork), so nobody holds the GIL at the fork;
 *     the parent then releases both; the child runs PyOS_AfterFork_Child
 *     (a fresh GIL, thread states of threads that do not exist any more
 *     deleted) and releases the GIL, so each worker process has an
 *     interpreter of its own: a GIL of its own.
 *   - process-spawn: the child execs bench, whose workload setup makes a
 *     new interpreter, as multiprocessing's spawn start method does
 *     (posix_spawn runs no fork handlers).
 *
 * Invariant: between tasks no thread holds the GIL, and a fork happens with
 * the GIL held by the forking thread (the prepare handler), never by a
 * thread that will not exist in the child.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "py_interp.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Per thread: its thread state and its schedstat file. */
struct py_thread {
	PyThreadState *ts; /* NULL until the first wl_py_enter() */
	bool owned;	   /* made here: delete at thread exit */
	bool keyed;	   /* registered with thread_key */
	int schedstat_fd;  /* -1: not open; opened by pid schedstat_pid */
	pid_t schedstat_pid;
};

static _Thread_local struct py_thread this_thread = {.schedstat_fd = -1};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_key_t thread_key; /* destructor: thread_exit */
static PyStatus init_status;
static bool interpreter_ready;
static PyGILState_STATE fork_gil; /* written under the GIL, at fork */

/* Thread exit: the thread state it made goes, as a Python thread's does. */
static void thread_exit(void *arg)
{
	struct py_thread *t = arg;

	if (t->owned && t->ts) {
		PyEval_RestoreThread(t->ts);
		PyThreadState_Clear(t->ts);
		PyThreadState_DeleteCurrent();
	}
	if (t->schedstat_fd >= 0)
		close(t->schedstat_fd);
	t->ts = NULL;
	t->owned = false;
	t->schedstat_fd = -1;
}

static void fork_prepare(void)
{
	if (!interpreter_ready)
		return;
	fork_gil = PyGILState_Ensure();
	PyOS_BeforeFork();
}

static void fork_parent(void)
{
	if (!interpreter_ready)
		return;
	PyOS_AfterFork_Parent();
	PyGILState_Release(fork_gil);
}

static void fork_child(void)
{
	if (!interpreter_ready)
		return;
	PyOS_AfterFork_Child();
	PyGILState_Release(fork_gil);
}

static void init_interpreter(void)
{
	PyPreConfig preconfig;
	PyConfig config;

	PyPreConfig_InitIsolatedConfig(&preconfig);
#if defined(__SANITIZE_ADDRESS__)
	/* Objects in malloc's heap, where LeakSanitizer sees the pointers
	 * between them (pymalloc's arenas are mmap'd, unscanned). */
	preconfig.allocator = PYMEM_ALLOCATOR_MALLOC;
#endif
	init_status = Py_PreInitialize(&preconfig);
	if (PyStatus_Exception(init_status))
		return;
	PyConfig_InitIsolatedConfig(&config);
	config.install_signal_handlers = 0;
	init_status = Py_InitializeFromConfig(&config);
	PyConfig_Clear(&config);
	if (PyStatus_Exception(init_status))
		return;
	if (pthread_key_create(&thread_key, thread_exit) ||
	    pthread_atfork(fork_prepare, fork_parent, fork_child)) {
		init_status = PyStatus_Error("cannot register thread and fork "
					     "handlers");
		return;
	}
	/* This thread's state stays the main one; nobody holds the GIL. */
	this_thread.ts = PyEval_SaveThread();
	interpreter_ready = true;
}

int wl_py_init(double switch_s, char *err, size_t errlen)
{
	PyObject *sys, *rc;
	int ret = 0;

	pthread_once(&init_once, init_interpreter);
	if (!interpreter_ready) {
		snprintf(err, errlen, "cannot start the Python interpreter: %s",
			 init_status.err_msg ? init_status.err_msg : "failed");
		return -EIO;
	}
	wl_py_enter();
	sys = PyImport_ImportModule("sys");
	rc = sys ? PyObject_CallMethod(sys, "setswitchinterval", "d", switch_s)
		 : NULL;
	if (!rc) {
		PyErr_Clear();
		snprintf(err, errlen, "sys.setswitchinterval(%g) failed",
			 switch_s);
		ret = -EIO;
	}
	Py_XDECREF(rc);
	Py_XDECREF(sys);
	wl_py_leave();
	return ret;
}

void wl_py_enter(void)
{
	struct py_thread *t = &this_thread;

	if (t->ts) {
		PyEval_RestoreThread(t->ts);
		return;
	}
	/* A thread Python knows already (the main thread, or the one that
	 * forked this worker) keeps its state; any other gets one. */
	t->ts = PyGILState_GetThisThreadState();
	if (t->ts) {
		PyEval_RestoreThread(t->ts);
	} else {
		(void)PyGILState_Ensure();
		t->ts = PyThreadState_Get();
		t->owned = true;
	}
	if (!t->keyed)
		t->keyed = pthread_setspecific(thread_key, t) == 0;
}

void wl_py_leave(void)
{
	(void)PyEval_SaveThread();
}

/* Run-queue wait of the calling thread so far, in ns (0 if unknown). */
static uint64_t run_delay_ns(void)
{
	struct py_thread *t = &this_thread;
	unsigned long long on_cpu, waited;
	char buf[96];
	ssize_t n;
	pid_t pid = getpid();

	/* A forked child inherits the fd of its parent's thread. */
	if (t->schedstat_fd >= 0 && t->schedstat_pid != pid) {
		close(t->schedstat_fd);
		t->schedstat_fd = -1;
	}
	if (t->schedstat_fd < 0) {
		t->schedstat_fd =
		    open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
		t->schedstat_pid = pid;
		if (t->schedstat_fd < 0)
			return 0;
		if (!t->keyed)
			t->keyed = pthread_setspecific(thread_key, t) == 0;
	}
	n = pread(t->schedstat_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &on_cpu, &waited) != 2)
		return 0;
	return waited;
}

double wl_py_offcpu_now(void)
{
	struct timespec wall, cpu;

	clock_gettime(CLOCK_MONOTONIC, &wall);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	return (double)(wall.tv_sec - cpu.tv_sec) +
	       (double)(wall.tv_nsec - cpu.tv_nsec) * 1e-9 -
	       (double)run_delay_ns() * 1e-9;
}
