/*
 * bench claims' output (see claims.c for the design): the table of
 * verdicts on the console or in Markdown, and each row as JSON.
 */
#include <stdio.h>
#include <string.h>

#include "claims_internal.h"

json_t *cl_row_json(const struct cl_row *r)
{
	return json_pack(
	    "{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:O}", "id",
	    (int)r->id, "claim", r->claim, "experiment", r->experiment,
	    "verdict", cl_verdict_name(r->d.verdict), "condition",
	    r->d.condition, "figures", r->d.figures, "rule", r->d.rule, "limit",
	    r->d.limit, "commands", r->commands, "entries", r->entries);
}

static void verdict_text(const struct cl_row *r, char *buf, size_t len)
{
	/* "in part: ..." conditions read as "holds only in part: ...". */
	if (r->d.verdict == CL_HOLDS_ONLY_WHEN &&
	    !strncmp(r->d.condition, "in part", 7))
		snprintf(buf, len, "holds only %s", r->d.condition);
	else if (r->d.verdict == CL_HOLDS_ONLY_WHEN)
		snprintf(buf, len, "holds only when %s", r->d.condition);
	else
		snprintf(buf, len, "%s", cl_verdict_name(r->d.verdict));
}

void cl_print_console(const struct cl_row *rows, unsigned n,
		      const struct cl_session *s)
{
	printf("bench claims (%s mode, %u online CPUs)\n\n",
	       s->quick ? "quick" : "full", s->cpus);
	for (unsigned i = 0; i < n; i++) {
		const struct cl_row *r = &rows[i];
		char verdict[400];

		verdict_text(r, verdict, sizeof(verdict));
		printf("%2u. %s\n", r->id, r->claim);
		printf("    experiment: %s\n", r->experiment);
		printf("    figures:    %s\n",
		       r->d.figures[0] ? r->d.figures : "(none measured)");
		printf("    verdict:    %s\n", verdict);
		printf("    rule:       %s\n", r->d.rule);
		if (r->d.limit[0])
			printf("    limit:      %s\n", r->d.limit);
		printf("\n");
	}
}

/* Markdown cells: pipes escaped, no newlines. */
static void md_cell(const char *text)
{
	for (const char *p = text; *p; p++) {
		if (*p == '|')
			fputs("\\|", stdout);
		else if (*p == '\n')
			putchar(' ');
		else
			putchar(*p);
	}
}

void cl_print_markdown(const struct cl_row *rows, unsigned n,
		       const struct cl_session *s)
{
	printf("| # | claim | experiment | figures | verdict |\n");
	printf("|---|---|---|---|---|\n");
	for (unsigned i = 0; i < n; i++) {
		const struct cl_row *r = &rows[i];
		char verdict[400];

		verdict_text(r, verdict, sizeof(verdict));
		printf("| %u | ", r->id);
		md_cell(r->claim);
		printf(" | ");
		md_cell(r->experiment);
		printf(" | ");
		md_cell(r->d.figures[0] ? r->d.figures : "none measured");
		printf(" | **");
		md_cell(verdict);
		printf("** |\n");
	}
	printf("\nRules (%s mode, %u online CPUs):\n\n",
	       s->quick ? "quick" : "full", s->cpus);
	for (unsigned i = 0; i < n; i++) {
		printf("%u. ", rows[i].id);
		md_cell(rows[i].d.rule);
		if (rows[i].d.limit[0]) {
			printf(" (limit: ");
			md_cell(rows[i].d.limit);
			printf(")");
		}
		printf("\n");
	}
}
