# Wall time of one job vs workers (median, interquartile range).
set xlabel 'workers W'
set ylabel 'wall time per job (us)'
set yrange [0:*]
plot for [i=1:words(series)] datafile skip 1 using 2:(sel(4)):(sel(5)):(sel(6)) \
       with yerrorlines lw 2 pt 7 lc i title word(series, i)
