# Speedup over serial vs workers, one line per executor, error bars from the
# interquartile ranges, the ideal min(W, CPUs), online CPUs marked.
set xlabel 'workers W'
set ylabel 'speedup T(serial) / T(W)  (x)'
set yrange [0:*]
ideal(x) = (x < ncpus ? x : ncpus)
plot ideal(x) with lines dt 2 lc rgb 'gray30' title 'ideal min(W, CPUs)', \
     for [i=1:words(series)] datafile skip 1 using 2:(sel(7)):(sel(8)):(sel(9)) \
       with yerrorlines lw 2 pt 7 lc i title word(series, i)
