# Ratio of median job times (other / base) per configuration, worst first,
# with its 95% bootstrap CI; red regressions, green improvements. Columns of
# datafile: 1 rank 2 name 3 base_us 4 other_us 5 ratio 6 ratio_lo
# 7 ratio_hi 8 verdict 9 short_name.
set datafile separator comma
set termoption noenhanced
set grid xtics lc rgb '#dddddd'
set title title noenhanced
set xlabel 'job time ratio other / base (x; above 1 is slower)'
set offsets graph 0.05, graph 0.05, 0, 0
set yrange [nrows + 0.5:0.5]
set ytics font ',9'
set key outside right top vertical
set arrow 1 from 1, graph 0 to 1, graph 1 nohead dt 2 lc rgb 'gray30'
v(s) = (strcol(8) eq s ? $5 : NaN)
plot datafile skip 1 using (v('regression')):1:6:7:ytic(9) with xerrorbars pt 7 lc rgb '#cc2222' title 'regression', \
     datafile skip 1 using (v('improvement')):1:6:7 with xerrorbars pt 7 lc rgb '#228822' title 'improvement', \
     datafile skip 1 using (v('same')):1:6:7 with xerrorbars pt 7 lc rgb '#555555' title 'same'
