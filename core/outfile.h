/*
 * One routine for every file bench writes (--out, --trace, compare --out,
 * claims and overhead --out, ab's and gate-power's files): it looks at
 * what the path is before anything is measured, and then
 *   - a missing path or a regular file: written to a temporary file beside
 *     it and renamed over it when complete (fsync first), keeping an
 *     existing file's mode and, where allowed, its owner and group;
 *   - a symbolic link: resolved (also a dangling one) and its target
 *     written as above, the link left as it is;
 *   - a character device or a FIFO (/dev/null, /dev/stdout on a pipe):
 *     written in place, in one stream; a FIFO without a reader yet is
 *     opened when the content is ready (waiting for a reader, as a shell
 *     redirection does);
 *   - anything else (a directory, a socket, a block device): refused.
 * Functions return 0 or -errno; pt_outfile_strerror() says why, for the
 * message formed at the edge.
 */
#ifndef PT_OUTFILE_H
#define PT_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

struct pt_outfile {
	char *path;	/* the destination as given */
	char *target;	/* path with its symbolic links resolved */
	char *tmp_path; /* the temporary beside target, while open */
	int fd;		/* -1: not open (yet) */
	bool in_place;	/* a character device or a FIFO */
	bool replace;	/* target is an existing regular file */
	mode_t mode;	/* the replaced file's mode, owner and group */
	uid_t uid;
	gid_t gid;
	int signal;	 /* a signal ended the wait for a FIFO's reader */
	const char *why; /* the reason of the last refusal, or NULL */
};

/*
 * Looks at path and opens it (the temporary file beside it, or the device
 * or FIFO itself), so that an unusable destination is refused before
 * anything runs. Returns 0 or -errno.
 */
int pt_outfile_open(struct pt_outfile *of, const char *path);
/*
 * The same checks, keeping nothing open and opening no device or FIFO (a
 * FIFO's reader would see the end of its input). *why as for
 * pt_outfile_strerror(). Returns 0 or -errno.
 */
int pt_outfile_check(const char *path, const char **why);
/* The descriptor to write to (a FIFO opened now if it was not). */
int pt_outfile_ready(struct pt_outfile *of);
/* Writes len bytes of buf, all of them or an error. 0 or -errno. */
int pt_outfile_write(struct pt_outfile *of, const void *buf, size_t len);
/* Writes doc as indented JSON and a newline, then finishes. 0 or -errno. */
int pt_outfile_commit(struct pt_outfile *of, json_t *doc);
/* For content written by the caller: fsyncs, keeps the mode and owner,
 * renames into place (a device or FIFO: closes it). 0 or -errno. */
int pt_outfile_finish(struct pt_outfile *of);
/* Closes, removes the temporary file, frees; safe to call twice. */
void pt_outfile_abort(struct pt_outfile *of);
/* Why rc (from one of the above on of) failed: one phrase. */
const char *pt_outfile_strerror(const struct pt_outfile *of, int rc);

/*
 * path with the symbolic links of its last component followed, a dangling
 * one too (where a writer of path should write): malloc'd, or NULL with
 * errno (ELOOP after 40 hops).
 */
char *pt_resolve_links(const char *path);

/*
 * fopen(path, "w") whose failed writes keep their errno: pt_fclose() then
 * returns it (-ENOSPC, -EFBIG) where fclose() and ferror() say only "an
 * error". NULL with errno on failure.
 */
FILE *pt_fopen_write(const char *path);
/* Closes f: 0, or -errno of its first failed write or of the close. */
int pt_fclose(FILE *f);

/*
 * Replaces stdout by a stream over descriptor 1 that keeps the errno of a
 * failed write for pt_stdout_close(). Call first thing. 0 or -errno.
 */
int pt_stdout_install(void);
/*
 * Standard output's final check: its error flag, the flush and the close.
 * Returns 0 or -errno (-EIO where the error's errno is gone).
 */
int pt_stdout_close(void);
/* Records a failure (an errno) of standard output seen elsewhere (by a
 * child that shares it): pt_stdout_close() returns it. */
void pt_stdout_note(int err);

#endif
