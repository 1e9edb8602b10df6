/*
 * Workload parameters: strict parsing and round-trip formatting.
 *
 * The design is simple: a value is a decimal number followed by an optional
 * unit suffix, with nothing else around it (no spaces, no "inf", no "nan", no
 * hex). The number is scanned by hand, so that only plain decimal syntax gets
 * through, and then converted by strtod. Decimal suffixes (k, M, G for counts;
 * ms, us, ns for seconds) are applied by shifting the decimal exponent of the
 * text before conversion, and binary suffixes (KiB, MiB, GiB) by an exact
 * multiplication by a power of two. Either way the value is the correctly
 * rounded double of the decimal the user wrote, never a product with an extra
 * rounding.
 *
 * Invariant: wl_param_parse(p, wl_param_format(p, v)) == v for every finite
 * v. The formatter finds the shortest decimal digits that read back to v and
 * then only moves the decimal point or picks a power-of-two suffix that
 * divides v exactly, so the text it writes denotes the same decimal number.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wl_kernels.h"

/* A suffix multiplies by 10^shift (decimal units) or 2^shift (bytes). */
struct suffix {
	const char *text;
	int shift;
};

static const struct suffix count_suffixes[] = {
    {"", 0}, {"k", 3}, {"M", 6}, {"G", 9}, {NULL, 0},
};

static const struct suffix seconds_suffixes[] = {
    {"", 0}, {"s", 0}, {"ms", -3}, {"us", -6}, {"ns", -9}, {NULL, 0},
};

static const struct suffix bytes_suffixes[] = {
    {"", 0},	 {"B", 0},  {"K", 10},	 {"KiB", 10}, {"M", 20},
    {"MiB", 20}, {"G", 30}, {"GiB", 30}, {NULL, 0},
};

static const struct suffix ratio_suffixes[] = {{"", 0}, {NULL, 0}};

/* The longest number text we convert; longer input is rejected. */
#define MAX_NUMBER_TEXT 128

/* Exponents beyond this overflow or underflow any double anyway. */
#define MAX_EXPONENT 100000L

/* Every integer up to 2^53 is exact in a double; beyond, whole-ness lies. */
#define MAX_EXACT_INTEGER 9007199254740992.0

__attribute__((format(printf, 3, 4))) static void set_err(char *err,
							  size_t errlen,
							  const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

unsigned wl_param_count(const struct workload *w)
{
	unsigned n = 0;

	while (w->params && w->params[n].name)
		n++;
	return n;
}

int wl_param_index(const struct workload *w, const char *name)
{
	for (unsigned i = 0; w->params && w->params[i].name; i++)
		if (strcmp(w->params[i].name, name) == 0)
			return (int)i;
	return -1;
}

void wl_param_defaults(const struct workload *w, double *values)
{
	for (unsigned i = 0; w->params && w->params[i].name; i++)
		values[i] = w->params[i].def;
}

static const struct suffix *suffixes_of(enum wl_unit unit)
{
	switch (unit) {
	case WL_UNIT_COUNT:
		return count_suffixes;
	case WL_UNIT_SECONDS:
		return seconds_suffixes;
	case WL_UNIT_BYTES:
		return bytes_suffixes;
	case WL_UNIT_RATIO:
	case WL_UNIT_CHOICE:
		break;
	}
	return ratio_suffixes;
}

/* For error messages: the suffixes a user may write for this unit. */
static const char *suffix_help(enum wl_unit unit)
{
	switch (unit) {
	case WL_UNIT_COUNT:
		return "a plain number or k, M, G (powers of 1000)";
	case WL_UNIT_SECONDS:
		return "s, ms, us or ns (a bare number means seconds)";
	case WL_UNIT_BYTES:
		return "B, K/KiB, M/MiB or G/GiB (powers of 1024)";
	case WL_UNIT_RATIO:
	case WL_UNIT_CHOICE:
		break;
	}
	return "no unit";
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Splits text into [sign] digits [. digits] [e [sign] digits] and a suffix.
 * Hand-written because strtod also accepts spaces, hex, "inf" and "nan",
 * none of which a parameter should be. mant_len is the length of the part
 * before the exponent.
 */
static int split_number(const char *text, size_t *mant_len, long *exp10,
			const char **suffix)
{
	const char *s = text;
	size_t digits = 0;

	if (*s == '+' || *s == '-')
		s++;
	for (; is_digit(*s); s++)
		digits++;
	if (*s == '.')
		for (s++; is_digit(*s); s++)
			digits++;
	if (digits == 0)
		return -EINVAL;
	*mant_len = (size_t)(s - text);
	*exp10 = 0;
	if ((*s == 'e' || *s == 'E') &&
	    (is_digit(s[1]) ||
	     ((s[1] == '+' || s[1] == '-') && is_digit(s[2])))) {
		bool negative = s[1] == '-';
		long e = 0;

		s += (s[1] == '+' || s[1] == '-') ? 2 : 1;
		for (; is_digit(*s); s++)
			if (e < MAX_EXPONENT)
				e = e * 10 + (*s - '0');
		*exp10 = negative ? -e : e;
	}
	*suffix = s;
	return 0;
}

/* Checks a value that is already a number against p's constraints. */
static int check_value(const struct wl_param *p, double value,
		       const char *shown, char *err, size_t errlen)
{
	char lo[48], hi[48];

	if (!isfinite(value)) {
		set_err(err, errlen, "%s=%s is not a finite number", p->name,
			shown);
		return -EINVAL;
	}
	if (value < p->min || value > p->max) {
		wl_param_format(p, p->min, lo, sizeof(lo));
		wl_param_format(p, p->max, hi, sizeof(hi));
		set_err(err, errlen, "%s=%s is out of range: allowed %s to %s",
			p->name, shown, lo, hi);
		return -ERANGE;
	}
	if (p->integer && fabs(value) > MAX_EXACT_INTEGER) {
		set_err(err, errlen, "%s=%s is too large to be exact", p->name,
			shown);
		return -ERANGE;
	}
	if (p->integer && value != floor(value)) {
		set_err(err, errlen, "%s=%s must be a whole number", p->name,
			shown);
		return -EINVAL;
	}
	return 0;
}

static int parse_choice(const struct wl_param *p, const char *text,
			double *value, char *err, size_t errlen)
{
	char list[160] = "";
	size_t used = 0;

	for (unsigned i = 0; p->choices && p->choices[i]; i++) {
		if (strcmp(p->choices[i], text) == 0) {
			*value = i;
			return 0;
		}
		used += (size_t)snprintf(
		    list + used, used < sizeof(list) ? sizeof(list) - used : 0,
		    "%s%s", i ? ", " : "", p->choices[i]);
		if (used >= sizeof(list))
			used = sizeof(list) - 1;
	}
	set_err(err, errlen, "%s=%s is not one of: %s", p->name, text, list);
	return -EINVAL;
}

int wl_param_parse(const struct wl_param *p, const char *text, double *value,
		   char *err, size_t errlen)
{
	const struct suffix *sfx;
	const char *suffix;
	char number[MAX_NUMBER_TEXT + 32];
	size_t mant_len;
	long exp10;
	double v;
	int shift = 0;
	bool found = false;

	if (!text || !*text) {
		set_err(err, errlen, "%s: empty value", p->name);
		return -EINVAL;
	}
	if (p->unit == WL_UNIT_CHOICE)
		return parse_choice(p, text, value, err, errlen);
	if (split_number(text, &mant_len, &exp10, &suffix)) {
		set_err(err, errlen, "%s=%s is not a number", p->name, text);
		return -EINVAL;
	}
	if (mant_len > MAX_NUMBER_TEXT) {
		set_err(err, errlen, "%s: value has too many digits", p->name);
		return -EINVAL;
	}
	sfx = suffixes_of(p->unit);
	for (unsigned i = 0; sfx[i].text; i++) {
		if (strcmp(sfx[i].text, suffix) == 0) {
			shift = sfx[i].shift;
			found = true;
			break;
		}
	}
	if (!found) {
		set_err(err, errlen, "%s=%s: bad unit \"%s\"; use %s", p->name,
			text, suffix, suffix_help(p->unit));
		return -EINVAL;
	}

	if (p->unit != WL_UNIT_BYTES)
		exp10 += shift;
	snprintf(number, sizeof(number), "%.*se%ld", (int)mant_len, text,
		 exp10);
	errno = 0;
	v = strtod(number, NULL);
	/* ERANGE also flags subnormal results, which are fine values. */
	if (errno == ERANGE && (v == 0 || isinf(v))) {
		set_err(err, errlen, "%s=%s is too %s", p->name, text,
			v == 0 ? "small" : "large");
		return -ERANGE;
	}
	if (p->unit == WL_UNIT_BYTES)
		v = ldexp(v, shift); /* exact unless it overflows */
	if (isinf(v)) {
		set_err(err, errlen, "%s=%s is too large", p->name, text);
		return -ERANGE;
	}
	v += 0.0; /* turns -0 into 0 */

	int rc = check_value(p, v, text, err, errlen);
	if (rc)
		return rc;
	*value = v;
	return 0;
}

int wl_param_check_all(const struct workload *w, const double *values,
		       char *err, size_t errlen)
{
	for (unsigned i = 0; w->params && w->params[i].name; i++) {
		const struct wl_param *p = &w->params[i];
		char shown[48];
		int rc;

		wl_param_format(p, values[i], shown, sizeof(shown));
		rc = check_value(p, values[i], shown, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * The shortest decimal that reads back to v: v = d1.d2...dn * 10^exp10 with
 * digits "d1d2...dn" and no trailing zeros. v must be finite and non-zero.
 */
static void shortest_digits(double v, char digits[20], int *exp10)
{
	char text[40];
	size_t n = 0;

	for (int precision = 0; precision < 17; precision++) {
		snprintf(text, sizeof(text), "%.*e", precision, fabs(v));
		if (strtod(text, NULL) == fabs(v))
			break;
	}
	const char *s = text;
	for (; *s && *s != 'e'; s++)
		if (is_digit(*s))
			digits[n++] = *s;
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	*exp10 = atoi(s + 1);
}

/* Writes d1.d2...dn * 10^exp10 as "d1.d2...dne<exp10>". */
static void exponent_form(bool negative, const char *digits, int exp10,
			  char *out, size_t outlen)
{
	int n = (int)strlen(digits);

	snprintf(out, outlen, "%s%c%s%.*se%d", negative ? "-" : "", digits[0],
		 n > 1 ? "." : "", n - 1, digits + 1, exp10);
}

/*
 * Writes digits * 10^(exp10 - shift), i.e. the value in units of 10^shift,
 * as a plain decimal ("250", "1.5", "0.001"), or in exponent form when the
 * plain one would be absurdly long. Returns the number of fraction digits.
 */
static int place_point(bool negative, const char *digits, int exp10, int shift,
		       char *out, size_t outlen)
{
	int point = exp10 - shift; /* digits before the point, minus one */
	int n = (int)strlen(digits);
	int fraction = n - 1 - point > 0 ? n - 1 - point : 0;
	char text[64];
	int len = 0;

	if (point > 21 || point < -7) {
		exponent_form(negative, digits, point, out, outlen);
		return fraction;
	}
	if (negative)
		text[len++] = '-';
	if (point < 0) {
		text[len++] = '0';
		text[len++] = '.';
		for (int i = -1; i > point; i--)
			text[len++] = '0';
		for (int i = 0; i < n; i++)
			text[len++] = digits[i];
	} else {
		for (int i = 0; i <= point; i++)
			text[len++] = i < n ? digits[i] : '0';
		if (n > point + 1) {
			text[len++] = '.';
			for (int i = point + 1; i < n; i++)
				text[len++] = digits[i];
		}
	}
	text[len] = '\0';
	snprintf(out, outlen, "%s", text);
	return fraction;
}

static void format_seconds(double v, char *buf, size_t buflen)
{
	static const struct suffix order[] = {
	    {"s", 0}, {"ms", -3}, {"us", -6}, {"ns", -9}};
	char digits[20], num[64];
	int exp10;
	unsigned u = 0;

	shortest_digits(v, digits, &exp10);
	/* The largest unit in which the value is at least one. */
	while (u < 3 && exp10 < order[u].shift)
		u++;
	place_point(v < 0, digits, exp10, order[u].shift, num, sizeof(num));
	snprintf(buf, buflen, "%s%s", num, order[u].text);
}

/*
 * Counts read best as plain digits up to a million ("10000"); above that a
 * suffix helps, but only when the mantissa stays short ("2.5M", not
 * "1.234567M"); from 10^12 on, the exponent says it best ("1e15").
 */
static void format_count(double v, char *buf, size_t buflen)
{
	char digits[20], num[64];
	int exp10;

	shortest_digits(v, digits, &exp10);
	if (fabs(v) >= 1e12) {
		exponent_form(v < 0, digits, exp10, buf, buflen);
		return;
	}
	if (v == floor(v) && fabs(v) >= 1e6) {
		int shift = exp10 >= 9 ? 9 : 6;
		int fraction =
		    place_point(v < 0, digits, exp10, shift, num, sizeof(num));

		if (fraction <= 3) {
			snprintf(buf, buflen, "%s%s", num,
				 shift == 9 ? "G" : "M");
			return;
		}
	}
	place_point(v < 0, digits, exp10, 0, buf, buflen);
}

/* Whole multiples of a power of 1024 get their binary suffix ("64KiB"). */
static void format_bytes(double v, char *buf, size_t buflen)
{
	static const char *const names[] = {"GiB", "MiB", "KiB"};
	char digits[20], num[64];
	int exp10;

	if (v == floor(v)) {
		for (int i = 0; i < 3; i++) {
			double unit = ldexp(1.0, 10 * (3 - i));

			if (fmod(v, unit) == 0) {
				shortest_digits(v / unit, digits, &exp10);
				place_point(v < 0, digits, exp10, 0, num,
					    sizeof(num));
				snprintf(buf, buflen, "%s%s", num, names[i]);
				return;
			}
		}
	}
	shortest_digits(v, digits, &exp10);
	place_point(v < 0, digits, exp10, 0, buf, buflen);
}

void wl_param_format(const struct wl_param *p, double value, char *buf,
		     size_t buflen)
{
	char digits[20];
	int exp10;

	if (!buf || buflen == 0)
		return;
	if (p->unit == WL_UNIT_CHOICE) {
		unsigned n = 0;

		while (p->choices && p->choices[n])
			n++;
		if (value >= 0 && value < n && value == floor(value))
			snprintf(buf, buflen, "%s",
				 p->choices[(unsigned)value]);
		else
			snprintf(buf, buflen, "%g", value);
		return;
	}
	if (!isfinite(value)) {
		snprintf(buf, buflen, "%g", value);
		return;
	}
	if (value == 0) {
		snprintf(buf, buflen, "0");
		return;
	}
	switch (p->unit) {
	case WL_UNIT_SECONDS:
		format_seconds(value, buf, buflen);
		return;
	case WL_UNIT_COUNT:
		format_count(value, buf, buflen);
		return;
	case WL_UNIT_BYTES:
		format_bytes(value, buf, buflen);
		return;
	case WL_UNIT_RATIO:
	case WL_UNIT_CHOICE:
		break;
	}
	shortest_digits(value, digits, &exp10);
	place_point(value < 0, digits, exp10, 0, buf, buflen);
}
