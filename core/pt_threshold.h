/*
 * One rule for --threshold in every subcommand (bench compare, bench ab,
 * bench gate-power, bench report, and the lines of a --thresholds file).
 *
 * The design is simple: "2%" is a percentage and "0.02" is a fraction, both
 * the same 2%. A bare number must be below 1, so that "--threshold=2" is
 * refused with a hint instead of silently meaning either 2% or 200%
 * depending on the subcommand (bench report used to read it as 2%, bench
 * compare refused it). Percentages run from 0% to below 1000%. Hex, inf,
 * nan, signs and blanks are refused, as strtod would take them.
 * It is header-only because bench/ and reports/ are two libraries that do
 * not link each other (as pt_json.h).
 */
#ifndef PT_THRESHOLD_H
#define PT_THRESHOLD_H

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* How to write a threshold, for messages: "bench: X: --threshold: invalid
 * value '2' (PT_THRESHOLD_HINT)". */
#define PT_THRESHOLD_HINT                                                      \
	"a percentage such as 2% or a fraction below 1 such as 0.02"

/* Parses TEXT into a fraction (2% and 0.02 both give 0.02). Returns 0, or
 * -EINVAL when TEXT is not a threshold. */
static inline int pt_parse_threshold(const char *text, double *out)
{
	const char *p;
	char *end;
	double v;

	if (!text || !*text)
		return -EINVAL;
	for (p = text; *p; p++)
		if (!strchr("0123456789.%", *p))
			return -EINVAL; /* signs, blanks, hex, exponents, inf */
	errno = 0;
	v = strtod(text, &end);
	if (end == text || errno || !isfinite(v) || v < 0)
		return -EINVAL;
	if (!strcmp(end, "%")) {
		if (!(v < 1000))
			return -EINVAL;
		*out = v / 100;
		return 0;
	}
	if (*end || !(v < 1))
		return -EINVAL;
	*out = v;
	return 0;
}

#endif
