# Where one job's time goes, start to stop: one stacked bar per executor and
# worker count. Columns of bdfile (CSV, one header line): 1 label 2 series
# 3 workers 4 create_us 5 dispatch_us 6 compute_us 7 gil_wait_us (empty
# where not measured) 8 idle_us 9 return_us 10 stop_us 11 total_us.
# dispatch, compute, idle and return are the instrumented job's per-worker
# means; create and stop are the executor's start and stop.
unset arrow
set xrange [*:*]
set title sprintf('%s: one job, start to stop (per-worker means)', title) noenhanced
set style data histograms
set style histogram rowstacked
set style fill solid 0.9 border rgb 'white'
set boxwidth 0.7
set xtics rotate by 30 right nomirror noenhanced
set grid noxtics ytics
set xlabel ''
set ylabel 'time (ms)'
set yrange [0:*]
ms(c) = (valid(c) ? column(c) / 1000.0 : 0)
plot bdfile skip 1 using (ms(4)):xtic(1) title 'create' lc rgb '#999999', \
     '' skip 1 using (ms(5)) title 'dispatch' lc rgb '#e69f00', \
     '' skip 1 using (ms(6)) title 'compute' lc rgb '#0072b2', \
     '' skip 1 using (ms(7)) title (hasgil ? 'gil wait' : '') lc rgb '#cc79a7', \
     '' skip 1 using (ms(8)) title 'idle' lc rgb '#56b4e9', \
     '' skip 1 using (ms(9)) title 'return' lc rgb '#d55e00', \
     '' skip 1 using (ms(10)) title 'stop' lc rgb '#444444'
