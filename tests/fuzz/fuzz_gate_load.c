/*
 * libFuzzer target: bench compare's results reader (gate_load).
 *
 * The design is simple: each input is a results file, read for two
 * metrics (a time, converted by time_unit, and a counter). A file is either
 * refused with a reason or loaded; what is loaded must hold the reader's
 * promises: every benchmark has a name, finite samples, and a time sample
 * is positive. Every allocation is freed either way (LeakSanitizer checks).
 */
#include <math.h>

#include "fuzz_input.h"
#include "gate_load.h"

static void load(const char *path, const struct gate_metric *metric)
{
	struct gate_set set;
	char why[1024] = "";
	int err = gate_load(path, metric, &set, why, sizeof(why));

	if (err && !why[0])
		abort(); /* a refusal always says why */
	for (size_t i = 0; !err && i < set.n; i++) {
		const struct gate_bench *b = &set.bench[i];

		if (!b->name || gate_find(&set, b->name) != b)
			abort();
		for (size_t k = 0; k < b->n; k++)
			if (!isfinite(b->samples[k]) ||
			    (metric->is_time && b->samples[k] <= 0))
				abort();
	}
	gate_set_free(&set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct gate_metric real_time = {"real_time", true};
	static const struct gate_metric rate = {"items_per_second", false};
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof(path));

	load(path, &real_time);
	load(path, &rate);
	close(fd);
	return 0;
}
