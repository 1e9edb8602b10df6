/*
 * libFuzzer target: bench report's results reader (rep_load) and the
 * analysis that runs on whatever it accepts (rep_analyse: medians,
 * speedups, the Amdahl and USL fits).
 *
 * The design is simple: each input is a results file. A refusal must say
 * why; an accepted file must keep rep_load's invariant (every point with
 * times has finite, positive times, every series is sorted by workers), and
 * the analysis must not crash on it. Everything is freed either way.
 */
#include <math.h>

#include "fuzz_input.h"
#include "rep_internal.h"

static void check_invariant(const struct rep_file *file)
{
	for (size_t i = 0; i < file->npoints; i++)
		for (size_t k = 0; k < file->points[i].ntimes; k++)
			if (!isfinite(file->points[i].times_us[k]) ||
			    file->points[i].times_us[k] <= 0)
				abort();
	for (size_t g = 0; g < file->ngroups; g++)
		for (size_t s = 0; s < file->groups[g].nseries; s++) {
			const struct rep_series *series =
			    &file->groups[g].series[s];

			for (size_t k = 1; k < series->npoints; k++)
				if (series->points[k - 1]->workers >
				    series->points[k]->workers)
					abort();
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rep_file file = {0};
	char path[64], reason[REP_REASON_MAX] = "";
	int fd = fuzz_file(data, size, path, sizeof(path));
	int err = rep_load(path, &file, reason, sizeof(reason));

	if (err && !reason[0])
		abort();
	if (!err) {
		check_invariant(&file);
		rep_analyse(&file);
	}
	rep_file_free(&file);
	close(fd);
	return 0;
}
