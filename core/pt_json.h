/*
 * Reading an untrusted JSON file with bounded time and memory.
 *
 * The design is simple: results files are input from anywhere (another
 * program, a truncated download, /dev/zero, a named pipe), so both readers
 * (bench compare's gate_load and bench report's rep_load) go through this
 * one function. It refuses a regular file above PT_MAX_JSON_BYTES from its
 * size, before reading a byte, and reads anything else through a callback
 * that counts bytes and stops at the same limit, so an endless stream is
 * refused too. Deep nesting is bounded by jansson itself (2048 levels).
 * Invariant: at most PT_MAX_JSON_BYTES bytes are ever read from one path.
 * It is header-only because the two readers live in two libraries that do
 * not link each other.
 *
 * Below it, the questions every reader of Google Benchmark entries asks
 * (gate, ab, claims, the console table, --ci, the report), answered once:
 * is an entry a repetition ("iteration", or no run_type: old versions), an
 * aggregate, which aggregate, a failure, and its real time in seconds.
 */
#ifndef PT_JSON_H
#define PT_JSON_H

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Far above any results file bench writes (10000 configurations with
 * their aggregates are about 30 MiB), far below this machine's memory. */
#define PT_MAX_JSON_BYTES (64ull << 20)

struct pt_json_source {
	FILE *file;
	unsigned long long read;
	bool too_big;
};

static inline size_t pt_json_read(void *buffer, size_t len, void *data)
{
	struct pt_json_source *src = data;
	size_t got;

	if (src->read >= PT_MAX_JSON_BYTES) {
		/* At the limit: the end of the input, or one byte too many. */
		if (fgetc(src->file) == EOF)
			return ferror(src->file) ? (size_t)-1 : 0;
		src->too_big = true;
		return (size_t)-1;
	}
	if (len > PT_MAX_JSON_BYTES - src->read)
		len = (size_t)(PT_MAX_JSON_BYTES - src->read);
	got = fread(buffer, 1, len, src->file);
	src->read += got;
	return ferror(src->file) ? (size_t)-1 : got;
}

/*
 * Loads path with jansson flags. Returns the document, or NULL with *err
 * set (-errno when the file cannot be opened or read, -EISDIR, -EFBIG
 * above PT_MAX_JSON_BYTES, -EINVAL when it is not JSON) and a one-line
 * reason that starts with path in why.
 */
static inline json_t *pt_json_load(const char *path, size_t flags, int *err,
				   char *why, size_t why_len)
{
	struct pt_json_source src = {.file = fopen(path, "r")};
	json_error_t jerr;
	struct stat st;
	json_t *root = NULL;

	*err = 0;
	if (!src.file) {
		*err = -errno;
		goto out;
	}
	if (fstat(fileno(src.file), &st)) {
		*err = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		*err = -EISDIR;
		goto out;
	}
	if (S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size > PT_MAX_JSON_BYTES) {
		*err = -EFBIG;
		goto out;
	}
	root = json_load_callback(pt_json_read, &src, flags, &jerr);
	if (!root)
		*err = src.too_big ? -EFBIG : ferror(src.file) ? -EIO : -EINVAL;
out:
	if (*err == -EFBIG)
		snprintf(why, why_len,
			 "%s: larger than %llu MiB: not a results file", path,
			 PT_MAX_JSON_BYTES >> 20);
	else if (*err == -EINVAL)
		snprintf(why, why_len, "%s: malformed JSON at line %d: %s",
			 path, jerr.line, jerr.text);
	else if (*err)
		snprintf(why, why_len, "%s: %s", path, strerror(-*err));
	if (src.file)
		fclose(src.file);
	return root;
}

/* Seconds per unit of a Google Benchmark "time_unit" (ns when absent). */
static inline double pt_json_unit_seconds(const char *unit)
{
	if (!unit || !strcmp(unit, "ns"))
		return 1e-9;
	if (!strcmp(unit, "us"))
		return 1e-6;
	if (!strcmp(unit, "ms"))
		return 1e-3;
	return 1;
}

/* Google Benchmark entries: a repetition (run_type "iteration", or no
 * run_type at all). */
static inline bool pt_gb_is_iteration(json_t *entry)
{
	json_t *type = json_object_get(entry, "run_type");

	return !json_is_string(type) ||
	       !strcmp(json_string_value(type), "iteration");
}

/* An aggregate (run_type "aggregate"). */
static inline bool pt_gb_is_aggregate(json_t *entry)
{
	json_t *type = json_object_get(entry, "run_type");

	return json_is_string(type) &&
	       !strcmp(json_string_value(type), "aggregate");
}

/* The aggregate called name ("median", "cv", ...). */
static inline bool pt_gb_aggregate_is(json_t *entry, const char *name)
{
	json_t *agg = json_object_get(entry, "aggregate_name");

	return pt_gb_is_aggregate(entry) && json_is_string(agg) &&
	       !strcmp(json_string_value(agg), name);
}

/* An entry of a failed run (error_occurred true). */
static inline bool pt_gb_failed(json_t *entry)
{
	return json_is_true(json_object_get(entry, "error_occurred"));
}

/* real_time in seconds (time_unit, ns when absent); NAN when absent. */
static inline double pt_gb_real_time_s(json_t *entry)
{
	json_t *t = json_object_get(entry, "real_time");

	if (!json_is_number(t))
		return NAN;
	return json_number_value(t) * pt_json_unit_seconds(json_string_value(
					  json_object_get(entry, "time_unit")));
}

#endif
