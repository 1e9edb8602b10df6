# Memory footprint counter (column memcol, named memname) vs workers; a
# counter in bytes (name ending in _bytes) is drawn in MiB.
set xlabel 'workers W'
isbytes = (strstrt(memname, '_bytes') == strlen(memname) - 5)
memscale = (isbytes ? 1048576.0 : 1.0)
set ylabel memname.(isbytes ? '  (MiB)' : '  (as recorded)')
set yrange [0:*]
plot for [i=1:words(series)] datafile skip 1 using 2:(sel(memcol) / memscale) \
       with linespoints lw 2 pt 7 lc i title word(series, i)
