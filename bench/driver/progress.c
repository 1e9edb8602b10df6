/*
 * The progress line (see progress.h). Everything is one write(2) of
 * "\r<text>\033[K" to standard error, shortened to the terminal's width so
 * that the line never wraps (a wrapped line cannot be rewritten with '\r').
 * State is process-global: the parent sets it, each configuration child
 * inherits a copy through fork() and updates only its own copy.
 */
#include "progress.h"
#include "pt_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static struct {
	bool shown;
	size_t total, index;
	unsigned repetitions, rep;
	int64_t last_iterations;
	double start, config_start, eta_at_config; /* eta < 0: unknown */
	char name[256];
} pg;

void pt_progress_begin(size_t total, unsigned repetitions)
{
	const char *ci = getenv("CI");

	memset(&pg, 0, sizeof(pg));
	pg.shown = isatty(STDERR_FILENO) && !ci;
	pg.total = total;
	pg.repetitions = repetitions ? repetitions : 1;
	pg.start = pt_now();
}

bool pt_progress_shown(void)
{
	return pg.shown;
}

static void format_eta(double s, char *buf, size_t len)
{
	long t = (long)(s + 0.5);

	if (s < 0)
		snprintf(buf, len, "ETA --");
	else if (t >= 3600)
		snprintf(buf, len, "ETA %ldh%02ldm", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(buf, len, "ETA %ldm%02lds", t / 60, t % 60);
	else
		snprintf(buf, len, "ETA %lds", t);
}

static void draw(void)
{
	struct winsize ws;
	size_t cols = 80, len;
	char line[512], rep[32] = "", eta[32];
	double left = pg.eta_at_config;

	if (!pg.shown)
		return;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
		cols = ws.ws_col;
	if (left >= 0) {
		left -= pt_now() - pg.config_start;
		if (left < 0)
			left = 0;
	}
	format_eta(left, eta, sizeof(eta));
	if (pg.repetitions > 1 && pg.rep)
		snprintf(rep, sizeof(rep), " rep %u/%u", pg.rep,
			 pg.repetitions);
	len = (size_t)snprintf(line, sizeof(line), "\r[%zu/%zu] %s%s  %s",
			       pg.index + 1, pg.total, pg.name, rep, eta);
	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	/* "\r" is not a column; leave the last column free. */
	if (len > cols)
		len = cols;
	memcpy(line + len, "\033[K", 4);
	if (write(STDERR_FILENO, line, len + 3) < 0)
		pg.shown = false;
}

void pt_progress_config(size_t index, const char *name)
{
	double t = pt_now();

	pg.index = index;
	pg.rep = 0;
	pg.last_iterations = 0;
	pg.config_start = t;
	pg.eta_at_config =
	    index ? (t - pg.start) / (double)index * (double)(pg.total - index)
		  : -1;
	snprintf(pg.name, sizeof(pg.name), "%s", name);
	draw();
}

void pt_progress_run(int64_t iterations)
{
	if (!pg.shown)
		return;
	if (pg.rep == 0)
		pg.rep = 1;
	else if (iterations == pg.last_iterations && pg.rep < pg.repetitions)
		pg.rep++;
	pg.last_iterations = iterations;
	draw();
}

void pt_progress_clear(void)
{
	if (pg.shown && write(STDERR_FILENO, "\r\033[K", 4) < 0)
		pg.shown = false;
}
