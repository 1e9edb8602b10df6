/*
 * py-bytecode and py-release: real Python code in every task, through the
 * embedded CPython interpreter (py_interp.c), so that the GIL is the real
 * one and not the gil workload's emulation.
 *
 * The design is simple: setup compiles a small module whose task(i, n) is
 * a pure-Python FNV-1a-style loop of n rounds over 64-bit integers (held in
 * Python ints, masked to 64 bits), and keeps the function. A py-bytecode
 * task calls task(i, work) holding the GIL all along. A py-release task
 * calls task(i, (1 - release) * work), then hands the result to release(),
 * a C function of ours that drops the GIL, mixes the value and computes on
 * the CPU for as long as release * work Python rounds take on a quiet
 * machine, as hashlib does on a large buffer: PY_BURN_PER_ROUND rounds of
 * wl_burn per Python round, a constant (measured on the development VM:
 * about 120 ns per Python round, 2 ns per wl_burn round), so every
 * configuration and every run does the same work. (Version 1 timed a
 * Python round at setup in each configuration's process; under load that
 * gave one process 40% more work than the next.) `release` is therefore
 * the fraction of a task's CPU time spent without the GIL on a machine
 * like that one; the checksum does not depend on it.
 *
 * Each task's checksum is what the Python code returned; the expected hook
 * computes the same loop in C, so the driver verifies that the interpreter
 * really ran every task, without a serial Python pass for the reference.
 * While the driver arms it (its instrumented job only: the timed jobs do
 * not read the clocks), every task also records how long its thread
 * waited off-CPU (the GIL wait, see wl_py_offcpu_now) in a MAP_SHARED
 * array made at setup, adding to slot i, so forked workers' waits come
 * back too; the stat hook sums and clears it as gil_wait_s. The armed
 * flag sits in the same mapping, so workers forked earlier see it.
 *
 * Invariant: the GIL is never held between tasks, and a task's checksum
 * depends on its index and the parameters only.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "py_interp.h"
#include "wl_kernels.h"

#define FNV_OFFSET   0xcbf29ce484222325ULL
#define FNV_PRIME    0x100000001b3ULL
#define RELEASE_SALT 0x2545f4914f6cdd1dULL
/* wl_burn rounds as long as one Python round (see above). */
#define PY_BURN_PER_ROUND 60

/* The Python side. Changing it changes the work: bump the versions. */
static const char py_source[] = "M = (1 << 64) - 1\n"
				"P = 0x100000001b3\n"
				"def task(i, n):\n"
				"    h = 0xcbf29ce484222325 ^ i\n"
				"    for k in range(n):\n"
				"        h = ((h ^ (i + k)) * P) & M\n"
				"    return h\n";

enum { P_WORK, P_SWITCH, P_RELEASE };

#define WORK_PARAM                                                             \
	{                                                                      \
		.name = "work",                                                \
		.help = "Python loop rounds per task (about 0.1 us each)",     \
		.unit = WL_UNIT_COUNT, .def = 10000, .min = 1, .max = 1e10,    \
		.integer = true                                                \
	}
#define SWITCH_PARAM                                                           \
	{                                                                      \
		.name = "switch",                                              \
		.help = "sys.setswitchinterval: how long a thread may keep "   \
			"the GIL "                                             \
			"while another waits",                                 \
		.unit = WL_UNIT_SECONDS, .def = 0.005, .min = 1e-6, .max = 1   \
	}

static const struct wl_param bytecode_params[] = {
    [P_WORK] = WORK_PARAM,
    [P_SWITCH] = SWITCH_PARAM,
    {.name = NULL},
};

static const struct wl_param release_params[] = {
    [P_WORK] = WORK_PARAM,
    [P_SWITCH] = SWITCH_PARAM,
    [P_RELEASE] = {.name = "release",
		   .help = "fraction of each task's CPU time spent in C with "
			   "the GIL released, 0 to 1",
		   .unit = WL_UNIT_RATIO,
		   .def = 0.5,
		   .min = 0,
		   .max = 1},
    {.name = NULL},
};

struct py_state {
	PyObject *task;		 /* the module's task(i, n) */
	PyObject *release;	 /* our C function, or NULL (py-bytecode) */
	uint64_t python_rounds;	 /* rounds of task() per task */
	uint64_t release_rounds; /* wl_burn rounds per task in release() */
	uint64_t ntasks;
	struct py_shared *shared; /* MAP_SHARED */
	size_t shared_bytes;
};

/* Shared with every forked worker. */
struct py_shared {
	_Atomic bool armed;  /* tasks measure their GIL wait */
	double gil_wait_s[]; /* one slot per task */
};

/* The C reference of task(i, n). */
static uint64_t fnv_rounds(uint64_t index, uint64_t rounds)
{
	uint64_t h = FNV_OFFSET ^ index;

	for (uint64_t k = 0; k < rounds; k++)
		h = (h ^ (index + k)) * FNV_PRIME;
	return h;
}

static uint64_t release_mix(uint64_t h)
{
	return wl_mix64(h ^ RELEASE_SALT);
}

/* release(h, rounds): without the GIL, mixes h (the checksum) and burns. */
static PyObject *py_release(PyObject *self, PyObject *const *args,
			    Py_ssize_t nargs)
{
	unsigned long long h, rounds;
	uint64_t x, sink;

	(void)self;
	if (nargs != 2) {
		PyErr_SetString(PyExc_TypeError, "release(h, rounds)");
		return NULL;
	}
	h = PyLong_AsUnsignedLongLongMask(args[0]);
	rounds = PyLong_AsUnsignedLongLongMask(args[1]);
	if (PyErr_Occurred())
		return NULL;
	Py_BEGIN_ALLOW_THREADS;
	x = release_mix(h);
	sink = wl_burn(x, rounds);
	__asm__ volatile("" : "+r"(sink));
	Py_END_ALLOW_THREADS;
	return PyLong_FromUnsignedLongLong(x);
}

static PyMethodDef release_def = {
    "release", (PyCFunction)(void (*)(void))py_release, METH_FASTCALL,
    "release(h, rounds): mix h without the GIL, then burn rounds"};

/* Calls task(i, rounds) (GIL held); returns its value, or NULL. */
static PyObject *call_task(struct py_state *st, uint64_t index, uint64_t rounds)
{
	PyObject *args[2], *value;

	args[0] = PyLong_FromUnsignedLongLong(index);
	args[1] = PyLong_FromUnsignedLongLong(rounds);
	value = args[0] && args[1]
		    ? PyObject_Vectorcall(st->task, args, 2, NULL)
		    : NULL;
	Py_XDECREF(args[0]);
	Py_XDECREF(args[1]);
	return value;
}

static void py_free(struct py_state *st)
{
	if (st->task || st->release) {
		wl_py_enter();
		Py_XDECREF(st->task);
		Py_XDECREF(st->release);
		wl_py_leave();
	}
	if (st->shared)
		munmap(st->shared, st->shared_bytes);
	free(st);
}

/* Compiles the module and keeps task (GIL held). Returns 0 or -EIO. */
static int load_module(struct py_state *st, bool with_release, char *err,
		       size_t errlen)
{
	PyObject *code, *globals, *module = NULL;
	int ret = -EIO;

	globals = PyDict_New();
	code = Py_CompileString(py_source, "<procthread py-bytecode>",
				Py_file_input);
	if (globals && code &&
	    PyDict_SetItemString(globals, "__builtins__",
				 PyEval_GetBuiltins()) == 0)
		module = PyEval_EvalCode(code, globals, globals);
	if (module) {
		st->task = PyDict_GetItemString(globals, "task");
		Py_XINCREF(st->task);
	}
	if (st->task && with_release)
		st->release = PyCFunction_New(&release_def, NULL);
	if (st->task && (!with_release || st->release))
		ret = 0;
	else
		snprintf(err, errlen, "cannot load the Python task");
	PyErr_Clear();
	Py_XDECREF(module);
	Py_XDECREF(code);
	Py_XDECREF(globals);
	return ret;
}

static int py_setup(const double *params, uint64_t ntasks, bool with_release,
		    void **state, char *err, size_t errlen)
{
	double release = with_release ? params[P_RELEASE] : 0;
	uint64_t work = (uint64_t)params[P_WORK];
	struct py_state *st;
	int rc;

	*state = NULL;
	rc = wl_py_init(params[P_SWITCH], err, errlen);
	if (rc)
		return rc;
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	st->ntasks = ntasks;
	st->shared_bytes = sizeof(*st->shared) + ntasks * sizeof(double);
	st->shared = mmap(NULL, st->shared_bytes, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st->shared == MAP_FAILED) {
		st->shared = NULL;
		snprintf(err, errlen, "cannot map the GIL wait slots: %s",
			 strerror(errno));
		py_free(st);
		return -ENOMEM;
	}
	st->python_rounds = (uint64_t)llround((1 - release) * (double)work);
	wl_py_enter();
	rc = load_module(st, with_release, err, errlen);
	wl_py_leave();
	if (rc) {
		py_free(st);
		return rc;
	}
	st->release_rounds =
	    (uint64_t)llround(release * (double)work * PY_BURN_PER_ROUND);
	*state = st;
	return 0;
}

static int bytecode_setup(const double *params, uint64_t ntasks, void **state,
			  char *err, size_t errlen)
{
	return py_setup(params, ntasks, false, state, err, errlen);
}

static int release_setup(const double *params, uint64_t ntasks, void **state,
			 char *err, size_t errlen)
{
	return py_setup(params, ntasks, true, state, err, errlen);
}

static uint64_t py_run(void *state, uint64_t index, unsigned worker)
{
	struct py_state *st = state;
	bool armed =
	    atomic_load_explicit(&st->shared->armed, memory_order_relaxed);
	double offcpu = armed ? wl_py_offcpu_now() : 0;
	PyObject *value, *ns = NULL, *args[2];
	uint64_t sum = 0;

	(void)worker;
	wl_py_enter();
	value = call_task(st, index, st->python_rounds);
	if (value && st->release) {
		args[0] = value;
		args[1] = ns = PyLong_FromUnsignedLongLong(st->release_rounds);
		value =
		    ns ? PyObject_Vectorcall(st->release, args, 2, NULL) : NULL;
		Py_DECREF(args[0]);
		Py_XDECREF(ns);
	}
	/* A Python error gives checksum 0, which the driver reports. */
	if (value)
		sum = PyLong_AsUnsignedLongLongMask(value);
	Py_XDECREF(value);
	PyErr_Clear();
	wl_py_leave();
	if (!armed)
		return sum;
	offcpu = wl_py_offcpu_now() - offcpu;
	/* Slot i is task i's alone in a job; jobs add up until taken. */
	if (index < st->ntasks && offcpu > 0)
		st->shared->gil_wait_s[index] += offcpu;
	return sum;
}

static enum wl_expect py_expected(void *state, uint64_t index, uint64_t *sum)
{
	const struct py_state *st = state;

	*sum = fnv_rounds(index, st->python_rounds);
	if (st->release)
		*sum = release_mix(*sum);
	return WL_EXPECT_SUM;
}

static void py_gil_wait_arm(void *state, bool on)
{
	struct py_state *st = state;

	atomic_store_explicit(&st->shared->armed, on, memory_order_relaxed);
}

static double py_gil_wait_take(void *state)
{
	struct py_state *st = state;
	double total = 0;

	for (uint64_t i = 0; i < st->ntasks; i++) {
		total += st->shared->gil_wait_s[i];
		st->shared->gil_wait_s[i] = 0;
	}
	return total;
}

static void py_teardown(void *state)
{
	if (state)
		py_free(state);
}

const struct workload wl_py_bytecode = {
    .name = "py-bytecode",
    .summary = "a pure-Python loop in the embedded CPython: the real GIL, "
	       "held all along",
    .kind = WL_CONTENTION,
    .params = bytecode_params,
    .default_tasks = 200,
    .setup = bytecode_setup,
    .run_task = py_run,
    .expected = py_expected,
    .teardown = py_teardown,
    .stat_name = "gil_wait_s",
    .stat_arm = py_gil_wait_arm,
    .stat_take = py_gil_wait_take,
};

const struct workload wl_py_release = {
    .name = "py-release",
    .version = 2, /* 1: release() ran for a time measured at setup */
    .summary = "Python, then C with the GIL released for the fraction "
	       "`release` of each task",
    .kind = WL_CONTENTION,
    .params = release_params,
    .default_tasks = 200,
    .setup = release_setup,
    .run_task = py_run,
    .expected = py_expected,
    .teardown = py_teardown,
    .stat_name = "gil_wait_s",
    .stat_arm = py_gil_wait_arm,
    .stat_take = py_gil_wait_take,
};
