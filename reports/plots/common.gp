# Shared setup, prepended (after the variables) to every plot script.
# The report writes, before this: datafile, fitfile, out, title, series,
# series_ns (series without serial), lcoff (1 if serial is series 1: keeps
# each executor's colour the same in every plot), ncpus, maxw, maxcap (largest capacity), width, height, memcol,
# memname. Columns of datafile (CSV, one header line):
#  1 series  2 workers  3 repetitions  4 time_us  5 time_q1_us  6 time_q3_us
#  7 speedup  8 speedup_lo  9 speedup_hi  10 efficiency
# 11 efficiency_per_worker  12 overhead_job_us  13 overhead_task_us
# 14 time_per_task_us  15 capacity  16 create_us  17 create_per_worker_us
# 18 stop_us  19 items_per_second  20... other counters
set datafile separator comma
set termoption noenhanced
set grid lc rgb '#dddddd'
set key outside right top vertical noenhanced
set offsets 0, 0, graph 0.08, 0
set border lc rgb '#444444'
set xrange [0.5:maxw + 0.5]
if (maxw <= 16) { set xtics 1 }
set arrow 1 from ncpus, graph 0 to ncpus, graph 1 nohead dt 3 lc rgb 'gray50'
set title sprintf('%s    (dotted line: %d online CPUs)', title, ncpus) noenhanced
sel(c) = (strcol(1) eq word(series, i) ? column(c) : NaN)
pos(v) = (v > 0 ? v : NaN)
# Colours by series position (serial first), readable on white.
set linetype 1 lc rgb '#7b3294'
set linetype 2 lc rgb '#009e73'
set linetype 3 lc rgb '#0072b2'
set linetype 4 lc rgb '#e69f00'
set linetype 5 lc rgb '#a6761d'
set linetype 6 lc rgb '#56b4e9'
set linetype 7 lc rgb '#d55e00'
set linetype 8 lc rgb '#cc79a7'
set linetype cycle 8
