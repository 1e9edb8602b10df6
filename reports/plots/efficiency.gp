# Efficiency = speedup / min(W, online CPUs), one line per executor.
set xlabel 'workers W'
set ylabel 'efficiency  speedup / min(W, CPUs)'
set yrange [0:*]
plot 1 with lines dt 2 lc rgb 'gray30' title 'ideal', \
     for [i=1:words(series)] datafile skip 1 using 2:(sel(10)) \
       with linespoints lw 2 pt 7 lc i title word(series, i)
