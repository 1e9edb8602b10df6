/*
 * Output targets (outfile.h): what a path is decides how it is written.
 *
 * The design is simple: stat() the path first. A character device or a
 * FIFO is opened and written in place: renaming a file over /dev/full or a
 * FIFO would destroy the node and give its reader nothing. A regular file,
 * or a path that does not exist yet, is written through a temporary file in
 * the directory of the path's final target (symbolic links followed one hop
 * at a time, so a dangling link is followed too), which is renamed over the
 * target once complete and synced: a reader never sees a partial document.
 * The replaced file's mode, owner and group go to the new one (where the
 * owner cannot be kept, set-user-ID and set-group-ID bits are dropped); other
 * hard links to the old file keep the old content. Everything else is
 * refused before anything runs. Writes loop over short writes so that the
 * real errno (ENOSPC, EFBIG) is what the message names.
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The hops of symbolic links followed before giving up, as the kernel. */
#define MAX_LINK_HOPS 40

static char *resolve_links(const char *path, bool *via_fd);

/*
 * path with its last component's symbolic links followed, a dangling one
 * too: malloc'd, or NULL with errno set. *via_fd: a link of /proc/PID/fd
 * was followed (/dev/stdout): its target's name may not be a real path.
 */
char *pt_resolve_links(const char *path)
{
	bool via_fd;

	return resolve_links(path, &via_fd);
}

static char *resolve_links(const char *path, bool *via_fd)
{
	char *cur = strdup(path);

	*via_fd = false;
	for (int hops = 0; cur; hops++) {
		char buf[PATH_MAX], *next, *copy;
		struct stat st;
		ssize_t n;

		if (lstat(cur, &st) || !S_ISLNK(st.st_mode))
			return cur; /* missing, or no link: the target */
		if (hops == MAX_LINK_HOPS) {
			free(cur);
			errno = ELOOP;
			return NULL;
		}
		n = readlink(cur, buf, sizeof(buf) - 1);
		if (n < 0) {
			free(cur);
			return NULL;
		}
		buf[n] = '\0';
		if (!strncmp(cur, "/proc/", 6) && strstr(cur, "/fd/"))
			*via_fd = true;
		copy = strdup(cur);
		if (!copy) {
			free(cur);
			return NULL;
		}
		if (buf[0] == '/') {
			next = strdup(buf);
		} else if (asprintf(&next, "%s/%s", dirname(copy), buf) < 0) {
			next = NULL;
		}
		free(copy);
		free(cur);
		cur = next;
	}
	return NULL;
}

/* Opens a device or FIFO in place; a FIFO without a reader waits (fd -1). */
static int open_in_place(struct pt_outfile *of, bool fifo, int extra)
{
	int fd = open(of->path,
		      O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | extra);
	int flags;

	if (fd < 0)
		return fifo && errno == ENXIO ? 0 : -errno;
	/* Blocking from here on: a reader that is slow is waited for. */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	of->fd = fd;
	return 0;
}

/* A temporary file beside of->target; an existing target must be ours to
 * write (a read-only file is refused, as a shell redirection refuses it). */
static int open_beside(struct pt_outfile *of, bool keep)
{
	char *copy = strdup(of->target);
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	if (asprintf(&of->tmp_path, "%s/.procthread-out.XXXXXX",
		     dirname(copy)) < 0) {
		of->tmp_path = NULL;
		free(copy);
		return -ENOMEM;
	}
	free(copy);
	of->fd = mkostemp(of->tmp_path, O_CLOEXEC);
	if (of->fd < 0) {
		rc = -errno;
		free(of->tmp_path);
		of->tmp_path = NULL;
		return rc;
	}
	if (of->replace) {
		int probe = open(of->target,
				 O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

		if (probe < 0)
			return -errno;
		close(probe);
	}
	if (!keep)
		pt_outfile_abort(of);
	return rc;
}

static int outfile_open(struct pt_outfile *of, const char *path, bool keep)
{
	struct stat st;
	bool via_fd = false;
	int rc;

	memset(of, 0, sizeof(*of));
	of->fd = -1;
	if (!*path) {
		of->why = "empty path";
		return -EINVAL;
	}
	if (!(of->path = strdup(path)))
		return -ENOMEM;
	if (stat(path, &st) == 0) {
		if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
			of->in_place = true;
			if (!keep)
				return access(path, W_OK) ? -errno : 0;
			return open_in_place(of, S_ISFIFO(st.st_mode), 0);
		}
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (!S_ISREG(st.st_mode)) {
			of->why = S_ISSOCK(st.st_mode)
				      ? "Is a socket (bench writes a file, a "
					"FIFO or a character device)"
				      : "Is a block device or a special file "
					"(bench writes a file, a FIFO or a "
					"character device)";
			return -EINVAL;
		}
		of->replace = true;
		of->mode = st.st_mode & 07777;
		of->uid = st.st_uid;
		of->gid = st.st_gid;
	} else if (errno != ENOENT) {
		return -errno;
	}
	of->target = resolve_links(path, &via_fd);
	if (!of->target)
		return -errno;
	if (of->replace) {
		struct stat t;

		/* /dev/stdout on a file: that file, in place (its name
		 * under /proc may be no path: "x (deleted)"). */
		if (via_fd || stat(of->target, &t) || t.st_dev != st.st_dev ||
		    t.st_ino != st.st_ino) {
			of->in_place = true;
			of->replace = false;
			if (!keep)
				return access(path, W_OK) ? -errno : 0;
			return open_in_place(of, false, O_APPEND);
		}
	}
	rc = open_beside(of, keep);
	if (rc)
		pt_outfile_abort(of);
	return rc;
}

int pt_outfile_open(struct pt_outfile *of, const char *path)
{
	int rc = outfile_open(of, path, true);

	if (rc)
		pt_outfile_abort(of);
	return rc;
}

int pt_outfile_check(const char *path, const char **why)
{
	struct pt_outfile of;
	int rc = outfile_open(&of, path, false);

	*why = rc ? pt_outfile_strerror(&of, rc) : NULL;
	pt_outfile_abort(&of);
	return rc;
}

int pt_outfile_ready(struct pt_outfile *of)
{
	sigset_t held, stop;
	int rc;

	if (of->fd >= 0)
		return of->fd;
	if (!of->in_place || !of->path)
		return -EBADF;
	/* A FIFO without a reader: wait for one. Stop signals that the
	 * caller holds blocked would never end the wait: they are taken
	 * here, and the wait ends with -EINTR. */
	sigprocmask(SIG_SETMASK, NULL, &held);
	sigemptyset(&stop);
	if (sigismember(&held, SIGINT))
		sigaddset(&stop, SIGINT);
	if (sigismember(&held, SIGTERM))
		sigaddset(&stop, SIGTERM);
	if (sigismember(&held, SIGHUP))
		sigaddset(&stop, SIGHUP);
	for (;;) {
		struct timespec pause = {0, 50 * 1000 * 1000};
		int sig;

		rc = open_in_place(of, true, 0);
		if (rc)
			return rc;
		if (of->fd >= 0)
			return of->fd;
		sig = sigtimedwait(&stop, NULL, &pause);
		if (sig > 0) {
			of->signal = sig;
			of->why = "interrupted while waiting for a reader";
			return -EINTR;
		}
	}
}

int pt_outfile_write(struct pt_outfile *of, const void *buf, size_t len)
{
	const char *p = buf;
	int fd = pt_outfile_ready(of);

	if (fd < 0)
		return fd;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		/* A short write: the next one says why (ENOSPC, EFBIG). */
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

struct dump_ctx {
	struct pt_outfile *of;
	int rc;
};

static int dump_cb(const char *buf, size_t size, void *data)
{
	struct dump_ctx *d = data;

	d->rc = pt_outfile_write(d->of, buf, size);
	return d->rc ? -1 : 0;
}

int pt_outfile_commit(struct pt_outfile *of, json_t *doc)
{
	struct dump_ctx d = {.of = of};

	if (json_dump_callback(doc, dump_cb, &d,
			       JSON_INDENT(2) | JSON_REAL_PRECISION(17)) ||
	    (d.rc = pt_outfile_write(of, "\n", 1))) {
		int rc = d.rc ? d.rc : -ENOMEM;

		pt_outfile_abort(of);
		return rc;
	}
	return pt_outfile_finish(of);
}

int pt_outfile_finish(struct pt_outfile *of)
{
	int rc = pt_outfile_ready(of);

	if (rc < 0)
		goto out;
	rc = 0;
	if (of->in_place) {
		/* A pipe or device: nothing to sync or rename. */
		rc = close(of->fd) && errno != EINTR ? -errno : 0;
		of->fd = -1;
		goto out;
	}
	if (fsync(of->fd)) {
		rc = -errno;
		goto out;
	}
	if (of->replace) {
		mode_t mode = of->mode;

		/* The owner first: chown clears the set-ID bits. Where it
		 * cannot be kept, the new file is ours, without them. */
		if ((of->uid != geteuid() || of->gid != getegid()) &&
		    fchown(of->fd, of->uid, of->gid))
			mode &= ~(mode_t)(S_ISUID | S_ISGID);
		if (fchmod(of->fd, mode)) {
			rc = -errno;
			goto out;
		}
	} else {
		/* mkstemp made it 0600; give it the mode a plain create
		 * would. */
		mode_t mask = umask(022);

		umask(mask);
		if (fchmod(of->fd, 0666 & ~mask)) {
			rc = -errno;
			goto out;
		}
	}
	if (close(of->fd)) {
		of->fd = -1;
		rc = -errno;
		goto out;
	}
	of->fd = -1;
	if (rename(of->tmp_path, of->target)) {
		rc = -errno;
		goto out;
	}
	free(of->tmp_path);
	of->tmp_path = NULL;
out:
	pt_outfile_abort(of);
	return rc;
}

void pt_outfile_abort(struct pt_outfile *of)
{
	if (of->fd >= 0)
		close(of->fd);
	of->fd = -1;
	if (of->tmp_path) {
		unlink(of->tmp_path);
		free(of->tmp_path);
		of->tmp_path = NULL;
	}
	free(of->target);
	of->target = NULL;
	free(of->path);
	of->path = NULL;
}

const char *pt_outfile_strerror(const struct pt_outfile *of, int rc)
{
	static char buf[64];

	if (of && of->why) {
		if (of->signal) {
			snprintf(buf, sizeof(buf),
				 "interrupted by SIG%s while waiting for a "
				 "reader",
				 sigabbrev_np(of->signal));
			return buf;
		}
		return of->why;
	}
	return strerror(rc < 0 ? -rc : rc);
}

static int stdout_noted;

void pt_stdout_note(int err)
{
	if (!stdout_noted)
		stdout_noted = err;
}

/* A stream's descriptor and the errno of its first failed write: stdio
 * keeps only a flag, and drops the buffer that failed. */
struct fd_stream {
	int fd;
	int err;
	bool is_stdout;
};

static ssize_t fds_write(void *cookie, const char *buf, size_t size)
{
	struct fd_stream *s = cookie;
	size_t done = 0;

	while (done < size) {
		ssize_t n = write(s->fd, buf + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			if (!s->err)
				s->err = e;
			if (s->is_stdout)
				pt_stdout_note(e);
			break;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static int fds_close(void *cookie)
{
	struct fd_stream *s = cookie;
	int err = s->err;

	if (close(s->fd) && errno != EBADF && errno != EINTR && !err)
		err = errno;
	if (s->is_stdout && err)
		pt_stdout_note(err);
	free(s);
	errno = err;
	return err ? -1 : 0;
}

static FILE *fd_stream(int fd, bool is_stdout)
{
	cookie_io_functions_t io = {.write = fds_write, .close = fds_close};
	struct fd_stream *s = calloc(1, sizeof(*s));
	FILE *f;

	if (!s)
		return NULL;
	s->fd = fd;
	s->is_stdout = is_stdout;
	f = fopencookie(s, "w", io);
	if (!f)
		free(s);
	return f;
}

FILE *pt_fopen_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fd_stream(fd, false);
	if (!f) {
		close(fd);
		errno = ENOMEM;
	}
	return f;
}

int pt_fclose(FILE *f)
{
	bool bad = ferror(f);

	errno = 0;
	if (fclose(f) || bad)
		return errno ? -errno : -EIO;
	return 0;
}

int pt_stdout_install(void)
{
	FILE *f;

	fflush(stdout);
	f = fd_stream(STDOUT_FILENO, true);
	if (!f)
		return -errno;
	/* As stdio would: lines on a terminal, blocks elsewhere. */
	if (isatty(STDOUT_FILENO))
		setvbuf(f, NULL, _IOLBF, 0);
	stdout = f;
	return 0;
}

int pt_stdout_close(void)
{
	bool failed = ferror(stdout);
	int rc = stdout_noted ? -stdout_noted : 0;

	/* The error flag is sticky but its errno is gone: flushing again
	 * what is left says it again (ENOSPC, EPIPE). */
	clearerr(stdout);
	errno = 0;
	if ((fflush(stdout) || failed) && !rc)
		rc = errno ? -errno : -EIO;
	errno = 0;
	if (fclose(stdout) && !rc && errno != EBADF)
		rc = errno ? -errno : -EIO;
	return rc;
}
