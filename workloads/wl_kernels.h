/*
 * Private to workloads/: the descriptors that registry.c lists, and helpers
 * the kernels share. Code outside workloads/ uses workload.h and wl_all[];
 * the unit tests include this header to reach constants such as the fault
 * workload's exit code.
 */
#ifndef PT_WL_KERNELS_H
#define PT_WL_KERNELS_H

#include <sys/types.h>

#include "workload.h"

extern const struct workload wl_cpu_hash;
extern const struct workload wl_cpu_float;
extern const struct workload wl_mem_stream;
extern const struct workload wl_io_sleep;
extern const struct workload wl_io_file;
extern const struct workload wl_fault;
extern const struct workload wl_gil;
extern const struct workload wl_lock_contention;
extern const struct workload wl_false_sharing;
extern const struct workload wl_malloc_churn;
extern const struct workload wl_cpu_skewed;
extern const struct workload wl_fork_footprint;
extern const struct workload wl_io_net;
extern const struct workload wl_page_touch;
extern const struct workload wl_ipc_payload;
/* The CPython workloads; without -Dpython, unavailable stand-ins that
 * wl_find() knows but wl_all[] does not list. */
extern const struct workload wl_py_bytecode;
extern const struct workload wl_py_release;

/* Exit status of a task of the fault workload in mode "exit". */
#define WL_FAULT_EXIT_CODE 3

/*
 * false-sharing keeps one counter per worker slot, for this many slots;
 * worker w updates counter w % WL_FALSE_SHARING_SLOTS.
 */
#define WL_FALSE_SHARING_SLOTS 4096

/*
 * For tests: lock-contention's shared counter (every increment of every task
 * run since setup, in any process), and false-sharing's sum of all counters.
 */
uint64_t wl_lock_contention_total(void *state);
uint64_t wl_false_sharing_total(void *state);

/* For tests: the TCP port io-net's echo server listens on. */
unsigned wl_io_net_port(void *state);

/*
 * A dependency chain of `rounds` multiply-xorshift steps starting from x,
 * about 2 ns a round (the cpu-hash step): CPU work the compiler can neither
 * vectorise nor shorten. Kernels use it as their unit of compute.
 */
static inline uint64_t wl_burn(uint64_t x, uint64_t rounds)
{
	for (uint64_t round = 0; round < rounds; round++) {
		x ^= x >> 29;
		x = x * 0xd6e8feb86659fd93ULL + round;
	}
	return x;
}

/*
 * A read(2)- or write(2)-like call: wl_read_op, wl_write_op, and for sockets
 * wl_recv_op and wl_send_op (MSG_NOSIGNAL: a closed peer is an error, not a
 * SIGPIPE that kills the worker).
 */
typedef ssize_t (*wl_io_op)(int fd, void *buf, size_t len);
ssize_t wl_read_op(int fd, void *buf, size_t len);
ssize_t wl_write_op(int fd, void *buf, size_t len);
ssize_t wl_recv_op(int fd, void *buf, size_t len);
ssize_t wl_send_op(int fd, void *buf, size_t len);

/*
 * Moves all len bytes with op, retrying after EINTR and short transfers.
 * Returns 0, or -1 on an error or an early end of file.
 */
int wl_transfer_all(int fd, void *buf, size_t len, wl_io_op op);

#endif
