/*
 * The results document: Google Benchmark's JSON schema, one "context" object
 * and one "benchmarks" array, gathered by the parent from the configuration
 * children and written once, atomically (temporary file, then rename).
 */
#ifndef PT_RESULTS_H
#define PT_RESULTS_H

#include <jansson.h>
#include <stddef.h>

struct pt_outfile {
	char *path;	/* the destination */
	char *tmp_path; /* the temporary beside it, while open */
	int fd;
};

/*
 * Adds procthread's own context keys (kernel, build, command) to Google
 * Benchmark's context; call before any configuration runs so that every
 * child reports them too.
 */
void pt_results_add_context(int argc, char **argv);

/* A new document with Google Benchmark's context and no benchmarks. */
json_t *pt_results_new(void);

/*
 * Appends the benchmark entries of one child's JSON text, renumbering
 * family_index. Returns the number of entries, or -EBADMSG if the text is
 * not a Google Benchmark document. *errors counts entries that carry
 * error_occurred.
 */
int pt_results_merge(json_t *doc, const char *text, size_t len,
		     size_t family_index, unsigned *errors);

/* Appends an error entry in Google Benchmark's own shape. */
void pt_results_add_error(json_t *doc, const char *name, size_t family_index,
			  const char *message);

/*
 * Sets the string field key to value in every benchmark entry from index
 * from on (the entries of the configuration just merged).
 */
void pt_results_tag(json_t *doc, size_t from, const char *key,
		    const char *value);

/* Marks the document as cut short (interrupted by a signal). */
void pt_results_mark_incomplete(json_t *doc, const char *why);

/*
 * Creates the temporary file beside path now, so that an unwritable
 * destination is refused before anything runs. Returns 0 or -errno.
 */
int pt_outfile_open(struct pt_outfile *of, const char *path);
/* Writes doc, fsyncs, renames over the destination. 0 or -errno. */
int pt_outfile_commit(struct pt_outfile *of, json_t *doc);
/* For content written to of->fd by the caller: fsyncs, renames. */
int pt_outfile_finish(struct pt_outfile *of);
/* Removes the temporary file (on error or interrupt). */
void pt_outfile_abort(struct pt_outfile *of);

#endif
