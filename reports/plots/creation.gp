# Start-up cost of the executor per worker (create_per_worker_s), log scale.
set xlabel 'workers W'
set ylabel 'creation cost per worker (us, log scale)'
set logscale y
set yrange [*:*]
plot for [i=1:words(series_ns)] datafile skip 1 \
       using 2:(strcol(1) eq word(series_ns, i) ? pos($17) : NaN) \
       with linespoints lw 2 pt 7 lc (i + lcoff) title word(series_ns, i)
