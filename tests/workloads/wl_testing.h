/*
 * Shared by the workload unit tests (include after cmocka.h): parameter
 * values built the way the command line builds them, defaults first, then
 * each NAME=VALUE through wl_param_parse, so the tests exercise the parser.
 */
#ifndef PT_WL_TESTING_H
#define PT_WL_TESTING_H

#include "workload.h"

struct param_setting {
	const char *name;
	const char *value;
};

/* Fills values with w's defaults overridden by set (NULL-name ended). */
static inline void parse_settings(const struct workload *w,
				  const struct param_setting *set,
				  double *values)
{
	wl_param_defaults(w, values);
	for (; set && set->name; set++) {
		int i = wl_param_index(w, set->name);
		char err[256] = "";

		assert_true(i >= 0);
		if (wl_param_parse(&w->params[i], set->value, &values[i], err,
				   sizeof(err))) {
			print_error("%s: %s\n", w->name, err);
			fail();
		}
	}
}

#endif
