/*
 * io-file: file I/O through the kernel, one private file per task.
 *
 * The design is simple: setup makes a private directory with mkdtemp under
 * $TMPDIR (or /tmp). Task i creates the file "task-<i>" there, writes `size`
 * bytes of content generated from i, optionally fsyncs it, reads it back,
 * compares it with the content it meant to write, closes and unlinks it, and
 * returns a hash of the bytes it read. Tasks never share a file, so any
 * executor may run them in any order; a task index is never run twice at
 * once within a job. The read usually comes from the page cache: what is
 * measured is the write path, fsync and the system-call cost, not the disk's
 * read speed.
 *
 * A task that fails (cannot create, write, sync, read or remove its file, or
 * reads back different bytes) returns wl_task_error() with the step and
 * errno instead of its checksum (workload.h), and the driver reports that
 * error ("open: Too many open files"), not a wrong checksum. Teardown removes
 * whatever files a crashed task left behind and then the directory itself.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wl_kernels.h"

enum { P_SIZE, P_FSYNC };

static const struct wl_param io_file_params[] = {
    [P_SIZE] = {.name = "size",
		.help = "bytes each task writes to its file and reads back",
		.unit = WL_UNIT_BYTES,
		.def = 64 * 1024,
		.min = 0,
		.max = 1024.0 * 1024 * 1024,
		.integer = true},
    [P_FSYNC] = {.name = "fsync",
		 .help = "1: fsync the file before reading it back; 0: don't",
		 .unit = WL_UNIT_COUNT,
		 .def = 1,
		 .min = 0,
		 .max = 1,
		 .integer = true},
    {.name = NULL},
};

/* Tasks move data in chunks of this size (a multiple of 8). */
#define IO_CHUNK (64 * 1024)

struct io_file_state {
	uint64_t size;
	bool sync;
	char dir[PATH_MAX];
};

static int io_file_setup(const double *params, uint64_t ntasks, void **state,
			 char *err, size_t errlen)
{
	struct io_file_state *st;
	const char *tmp = getenv("TMPDIR");
	int rc;

	(void)ntasks;
	if (!tmp || !*tmp)
		tmp = "/tmp";
	st = malloc(sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	st->size = (uint64_t)params[P_SIZE];
	st->sync = params[P_FSYNC] != 0;
	/* Room for "/task-<20 digits>" after the directory name. */
	if ((size_t)snprintf(st->dir, sizeof(st->dir),
			     "%s/procthread-io-file-XXXXXX",
			     tmp) >= sizeof(st->dir) - 32) {
		snprintf(err, errlen, "TMPDIR is too long");
		free(st);
		return -EINVAL;
	}
	if (!mkdtemp(st->dir)) {
		rc = -errno;
		snprintf(err, errlen, "cannot create a directory in %s: %s",
			 tmp, strerror(errno));
		free(st);
		return rc;
	}
	*state = st;
	return 0;
}

/* Content of the file of the task with this seed, at byte offset. */
static void fill_chunk(unsigned char *buf, size_t len, uint64_t seed,
		       uint64_t offset)
{
	uint64_t word_index = offset / 8;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t word = wl_mix64(seed + word_index++);

		memcpy(buf + i, &word, 8);
	}
	if (i < len) {
		uint64_t word = wl_mix64(seed + word_index);

		memcpy(buf + i, &word, len - i);
	}
}

static uint64_t hash_chunk(uint64_t hash, const unsigned char *buf, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t word;

		memcpy(&word, buf + i, 8);
		hash = (hash ^ word) * 0x100000001b3ULL;
	}
	for (; i < len; i++)
		hash = (hash ^ buf[i]) * 0x100000001b3ULL;
	return hash;
}

/* The error of a read or write that failed (0 bytes: the file is short). */
static uint64_t io_error(enum wl_task_op op)
{
	return wl_task_error(op, errno ? errno : EIO);
}

/* Writes, syncs, reads back and checks one file; returns 0 or a task
 * error (wl_task_error). */
static uint64_t write_and_verify(const struct io_file_state *st, int fd,
				 uint64_t seed, unsigned char *wbuf,
				 unsigned char *rbuf, uint64_t *hash)
{
	unsigned char extra;

	for (uint64_t off = 0; off < st->size; off += IO_CHUNK) {
		size_t len =
		    st->size - off < IO_CHUNK ? st->size - off : IO_CHUNK;

		fill_chunk(wbuf, len, seed, off);
		errno = 0;
		if (wl_transfer_all(fd, wbuf, len, wl_write_op))
			return io_error(WL_OP_WRITE);
	}
	if (st->sync && fsync(fd))
		return io_error(WL_OP_SYNC);
	if (lseek(fd, 0, SEEK_SET) != 0)
		return io_error(WL_OP_READ);
	for (uint64_t off = 0; off < st->size; off += IO_CHUNK) {
		size_t len =
		    st->size - off < IO_CHUNK ? st->size - off : IO_CHUNK;

		errno = 0;
		if (wl_transfer_all(fd, rbuf, len, wl_read_op))
			return io_error(WL_OP_READ);
		fill_chunk(wbuf, len, seed, off);
		if (memcmp(wbuf, rbuf, len) != 0)
			return wl_task_error(WL_OP_CHECK, EBADMSG);
		*hash = hash_chunk(*hash, rbuf, len);
	}
	/* The file must end where the task stopped writing. */
	if (read(fd, &extra, 1) != 0)
		return wl_task_error(WL_OP_CHECK, EBADMSG);
	return 0;
}

static uint64_t io_file_run(void *state, uint64_t index, unsigned worker)
{
	const struct io_file_state *st = state;
	const uint64_t seed = wl_mix64(index ^ 0xa54ff53a5f1d36f1ULL);
	char path[PATH_MAX + 32];
	unsigned char *wbuf = malloc(IO_CHUNK), *rbuf = malloc(IO_CHUNK);
	uint64_t hash = seed, error = wl_task_error(WL_OP_MEMORY, ENOMEM);
	int fd = -1;

	(void)worker;
	snprintf(path, sizeof(path), "%s/task-%" PRIu64, st->dir, index);
	if (!wbuf || !rbuf)
		goto out;
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		error = wl_task_error(WL_OP_OPEN, errno);
		goto out;
	}
	error = write_and_verify(st, fd, seed, wbuf, rbuf, &hash);
out:
	if (fd >= 0) {
		if (close(fd) != 0 && !error)
			error = wl_task_error(WL_OP_CLOSE, errno);
		if (unlink(path) != 0 && !error)
			error = wl_task_error(WL_OP_CLOSE, errno);
	}
	free(wbuf);
	free(rbuf);
	return error ? error : wl_mix64(hash ^ st->size);
}

/* Removes files left by tasks that died half-way, then the directory. */
static void io_file_teardown(void *state)
{
	struct io_file_state *st = state;
	DIR *dir;

	if (!st)
		return;
	dir = opendir(st->dir);
	if (dir) {
		struct dirent *entry;

		while ((entry = readdir(dir)) != NULL) {
			if (strcmp(entry->d_name, ".") == 0 ||
			    strcmp(entry->d_name, "..") == 0)
				continue;
			unlinkat(dirfd(dir), entry->d_name, 0);
		}
		closedir(dir);
	}
	rmdir(st->dir);
	free(st);
}

const struct workload wl_io_file = {
    .name = "io-file",
    .summary = "write, fsync, read back and unlink one file per task",
    .kind = WL_IO,
    .params = io_file_params,
    .default_tasks = 32,
    .setup = io_file_setup,
    .run_task = io_file_run,
    .teardown = io_file_teardown,
};
