# Capacity C(W) = T(executor, 1) / T(executor, W): measured points, the
# fitted Universal Scalability Law curve (solid) and Amdahl curve (dotted)
# of each executor. Columns of fitfile: 1 series 2 workers 3 usl_capacity
# 4 amdahl_capacity (empty where that model was not fitted).
set xlabel 'workers W'
set ylabel 'capacity C(W) = T(1) / T(W)  (x)'
set yrange [0:(maxcap > ncpus ? maxcap : ncpus) * 1.3]
set xrange [0.5:maxw * 1.5 + 0.5]
fsel(c) = (strcol(1) eq word(series_ns, i) ? column(c) : NaN)
plot x with lines dt 2 lc rgb 'gray30' title 'linear', \
     for [i=1:words(series_ns)] datafile skip 1 \
       using 2:(strcol(1) eq word(series_ns, i) ? $15 : NaN) \
       with points pt 7 ps 1.3 lc (i + lcoff) title word(series_ns, i).' measured', \
     for [i=1:words(series_ns)] fitfile skip 1 using 2:(fsel(3)) \
       with lines lw 2 lc (i + lcoff) title word(series_ns, i).' USL', \
     for [i=1:words(series_ns)] fitfile skip 1 using 2:(fsel(4)) \
       with lines lw 1.5 dt 3 lc (i + lcoff) title word(series_ns, i).' Amdahl'
