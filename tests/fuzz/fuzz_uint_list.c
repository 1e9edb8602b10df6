/*
 * libFuzzer target: the list and range parser behind --workers
 * (pt_parse_uint_list), and the strict number and duration parsers.
 *
 * The design is simple: the input is the text of one list. Whatever it
 * is, the parser either refuses it with a reason or returns at most max
 * values, each within [lo, hi], none twice. Two ranges are tried: the one
 * --workers uses and the whole of uint64_t, where overflow lurks.
 */
#include <errno.h>

#include "cli.h"
#include "fuzz_input.h"

static void parse(const char *text, uint64_t lo, uint64_t hi)
{
	uint64_t values[PT_MAX_LIST];
	char why[256] = "";
	int n = pt_parse_uint_list(text, lo, hi, values, PT_MAX_LIST, why,
				   sizeof(why));

	if (n < 0) {
		if (!why[0] || (n != -EINVAL && n != -ERANGE))
			abort();
		return;
	}
	if (n > PT_MAX_LIST)
		abort();
	for (int i = 0; i < n; i++) {
		if (values[i] < lo || values[i] > hi)
			abort();
		for (int k = 0; k < i; k++)
			if (values[k] == values[i])
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	uint64_t v;
	double s;

	parse(text, 1, PT_MAX_WORKERS);
	parse(text, 0, UINT64_MAX);
	if (!pt_parse_u64(text, 1, PT_MAX_WORKERS, &v) &&
	    (v < 1 || v > PT_MAX_WORKERS))
		abort();
	if (!pt_parse_seconds(text, &s) && !(s > 0 && s <= 1e7))
		abort();
	free(text);
	return 0;
}
