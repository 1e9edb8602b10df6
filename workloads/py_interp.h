/*
 * Private to workloads/: the embedded CPython interpreter's life cycle, for
 * the py-* workloads (py_bytecode.c). Built only with -Dpython
 * (PT_HAVE_PYTHON).
 *
 * One interpreter per process, made by the first wl_py_init() (in a
 * workload's setup, before any worker exists) and never finalised: CPython
 * cannot be finalised and made again reliably, and a forked worker, a
 * thread and the parent all keep using the one they have. Between tasks no
 * thread holds the GIL. See py_interp.c for how threads, forks and spawned
 * children each get a working interpreter.
 */
#ifndef PT_PY_INTERP_H
#define PT_PY_INTERP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Makes the interpreter if this process has none, sets its switch interval
 * (sys.setswitchinterval) and leaves the GIL released. Returns 0, or -EIO
 * and a one-line reason in err.
 */
int wl_py_init(double switch_s, char *err, size_t errlen);

/*
 * Takes the GIL for the calling thread (any thread, in any process: the
 * parent, a pool thread, a forked worker), giving it a thread state on its
 * first call; wl_py_leave() releases it. A thread that got a thread state
 * here gives it back when it exits.
 */
void wl_py_enter(void);
void wl_py_leave(void);

/*
 * A clock of the calling thread for the GIL wait: wall time, minus the
 * time it ran on a CPU, minus the time it waited for a CPU (run queue, from
 * /proc/thread-self/schedstat; 0 where that file is missing). Between two
 * readings around a task, what is left is the time the thread was off-CPU
 * of its own accord: for a py-* task, waiting for the GIL.
 */
double wl_py_offcpu_now(void);

#endif
