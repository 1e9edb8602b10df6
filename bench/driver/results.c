/*
 * Results: merging the JSON that each configuration child streamed to us
 * into one Google Benchmark document, and writing it so that a crash or a
 * signal never leaves a truncated file: the output goes to a temporary file
 * in the destination's directory (created before the run starts, so a bad
 * path fails early), which is renamed over the destination only when
 * complete.
 */
#include "results.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "gbw.h"
#include "pt_config.h"

const char *pt_git_commit(void);

void pt_results_add_context(int argc, char **argv)
{
	char buf[1024];
	struct utsname u;
	size_t used = 0;

	if (uname(&u) == 0) {
		snprintf(buf, sizeof(buf), "%s %s %s", u.sysname, u.release,
			 u.machine);
		gb_add_context("kernel", buf);
	}
	gb_add_context("compiler", PT_COMPILER);
	gb_add_context("build_flags", PT_BUILD_FLAGS);
	gb_add_context("libbenchmark_version", gb_library_version());
	gb_add_context("procthread_version", PT_VERSION);
	gb_add_context("procthread_git_commit", pt_git_commit());
	snprintf(buf, sizeof(buf), "%d", PT_SCHEMA_VERSION);
	gb_add_context("procthread_schema_version", buf);
	buf[0] = '\0';
	for (int i = 0; i < argc && used < sizeof(buf); i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s",
					 i ? " " : "", argv[i]);
	gb_add_context("procthread_command", buf);
}

json_t *pt_results_new(void)
{
	char *text = gb_context_json();
	json_t *doc = NULL;

	if (text)
		doc = json_loads(text, 0, NULL);
	free(text);
	if (!doc)
		doc = json_pack("{s:{}, s:[]}", "context", "benchmarks");
	return doc;
}

/*
 * Google Benchmark writes a non-finite double as NaN or Infinity (the cv of
 * a counter that is always 0 is 0/0), or as the C library prints it. That is
 * not JSON; such values become null, which every JSON reader accepts. Returns a
 * malloc'd copy, or NULL.
 */
static char *nonfinite_to_null(const char *text, size_t len, size_t *outlen)
{
	static const char *const words[] = {
	    "-Infinity", "Infinity", "NaN", "-nan", "nan", "-inf", "inf"};
	char *out = malloc(2 * len + 1); /* "nan" grows into "null" */
	bool in_string = false;
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		bool replaced = false;

		if (in_string) {
			if (text[i] == '\\' && i + 1 < len)
				out[o++] = text[i++];
			else if (text[i] == '"')
				in_string = false;
			out[o++] = text[i++];
			continue;
		}
		if (text[i] == '"')
			in_string = true;
		for (unsigned w = 0; w < 7 && !replaced; w++) {
			size_t wl = strlen(words[w]);

			if (i + wl <= len && !strncmp(text + i, words[w], wl)) {
				memcpy(out + o, "null", 4);
				o += 4;
				i += wl;
				replaced = true;
			}
		}
		if (!replaced)
			out[o++] = text[i++];
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

int pt_results_merge(json_t *doc, const char *text, size_t len,
		     size_t family_index, unsigned *errors)
{
	size_t clean_len = 0;
	char *clean = nonfinite_to_null(text, len, &clean_len);
	json_t *child = clean ? json_loadb(clean, clean_len, 0, NULL) : NULL;
	json_t *list, *all = json_object_get(doc, "benchmarks");
	json_t *entry;
	size_t i;
	int n = 0;

	free(clean);
	*errors = 0;
	list = child ? json_object_get(child, "benchmarks") : NULL;
	if (!json_is_array(list)) {
		json_decref(child);
		return -EBADMSG;
	}
	json_array_foreach(list, i, entry)
	{
		if (!json_is_object(entry))
			continue;
		json_object_set_new(entry, "family_index",
				    json_integer((json_int_t)family_index));
		json_array_append(all, entry);
		if (json_is_true(json_object_get(entry, "error_occurred")))
			(*errors)++;
		n++;
	}
	json_decref(child);
	return n;
}

void pt_results_tag(json_t *doc, size_t from, const char *key,
		    const char *value)
{
	json_t *all = json_object_get(doc, "benchmarks");

	for (size_t i = from; i < json_array_size(all); i++)
		json_object_set_new(json_array_get(all, i), key,
				    json_string(value));
}

void pt_results_add_error(json_t *doc, const char *name, size_t family_index,
			  const char *message)
{
	json_t *e = json_object();

	json_object_set_new(e, "name", json_string(name));
	json_object_set_new(e, "family_index",
			    json_integer((json_int_t)family_index));
	json_object_set_new(e, "per_family_instance_index", json_integer(0));
	json_object_set_new(e, "run_name", json_string(name));
	json_object_set_new(e, "run_type", json_string("iteration"));
	json_object_set_new(e, "repetitions", json_integer(1));
	json_object_set_new(e, "repetition_index", json_integer(0));
	json_object_set_new(e, "threads", json_integer(1));
	json_object_set_new(e, "error_occurred", json_true());
	json_object_set_new(e, "error_message", json_string(message));
	json_object_set_new(e, "iterations", json_integer(0));
	json_object_set_new(e, "real_time", json_real(0));
	json_object_set_new(e, "cpu_time", json_real(0));
	json_object_set_new(e, "time_unit", json_string("us"));
	json_array_append_new(json_object_get(doc, "benchmarks"), e);
}

void pt_results_mark_incomplete(json_t *doc, const char *why)
{
	json_t *ctx = json_object_get(doc, "context");

	if (json_is_object(ctx))
		json_object_set_new(ctx, "procthread_incomplete",
				    json_string(why));
}

int pt_outfile_open(struct pt_outfile *of, const char *path)
{
	char *copy, *dir;
	int rc = 0;

	memset(of, 0, sizeof(*of));
	of->fd = -1;
	copy = strdup(path);
	of->path = strdup(path);
	if (!copy || !of->path) {
		rc = -ENOMEM;
		goto out;
	}
	dir = dirname(copy);
	if (asprintf(&of->tmp_path, "%s/.procthread-results.XXXXXX", dir) < 0) {
		of->tmp_path = NULL;
		rc = -ENOMEM;
		goto out;
	}
	of->fd = mkostemp(of->tmp_path, O_CLOEXEC);
	if (of->fd < 0) {
		rc = -errno;
		free(of->tmp_path);
		of->tmp_path = NULL;
		goto out;
	}
	/* The destination itself must not be a directory. */
	if (access(path, F_OK) == 0) {
		int probe = open(path, O_WRONLY | O_CLOEXEC);

		if (probe < 0) {
			rc = -errno;
			goto out;
		}
		close(probe);
	}
out:
	free(copy);
	if (rc) {
		pt_outfile_abort(of);
		free(of->path);
		of->path = NULL;
	}
	return rc;
}

int pt_outfile_commit(struct pt_outfile *of, json_t *doc)
{
	if (json_dumpfd(doc, of->fd,
			JSON_INDENT(2) | JSON_REAL_PRECISION(17)) ||
	    write(of->fd, "\n", 1) != 1) {
		int rc = errno ? -errno : -EIO;

		pt_outfile_abort(of);
		free(of->path);
		of->path = NULL;
		return rc;
	}
	return pt_outfile_finish(of);
}

int pt_outfile_finish(struct pt_outfile *of)
{
	int rc = 0;

	/* mkstemp made it 0600; give it the mode a plain create would. */
	mode_t mask = umask(022);

	umask(mask);
	if (fsync(of->fd) || fchmod(of->fd, 0666 & ~mask)) {
		rc = -errno;
		goto out;
	}
	if (close(of->fd)) {
		of->fd = -1;
		rc = -errno;
		goto out;
	}
	of->fd = -1;
	if (rename(of->tmp_path, of->path)) {
		rc = -errno;
		goto out;
	}
	free(of->tmp_path);
	of->tmp_path = NULL;
out:
	if (rc)
		pt_outfile_abort(of);
	free(of->path);
	of->path = NULL;
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
}
