# Per-task overhead, (T(W) - T(serial) / min(W, CPUs)) / tasks, log scale.
# Non-positive overheads (faster than the ideal share) cannot be drawn.
set xlabel 'workers W'
set ylabel 'overhead per task (us, log scale)'
set logscale y
set yrange [*:*]
plot for [i=1:words(series_ns)] datafile skip 1 \
       using 2:(strcol(1) eq word(series_ns, i) ? pos($13) : NaN) \
       with linespoints lw 2 pt 7 lc (i + lcoff) title word(series_ns, i)
