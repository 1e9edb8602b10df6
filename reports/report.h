/*
 * bench report: turns results files into an HTML page, a Markdown file,
 * CSV data and gnuplot plots.
 */
#ifndef PT_REPORT_H
#define PT_REPORT_H

/* `bench report ARGS...`: argv[0] is "report". Returns the exit status. */
int rep_main(int argc, char **argv);

#endif
