# Plots for `make bench`, run by bench/run.sh in the output directory.
# latency.png: per-call ticks against the fraction of calls slower (a tail plot).
# scaling.png: the adversarial worst case against the arena's orders, and the
#              steady-state free against the number of free blocks.
# One colour per allocator in every panel of both plots: glibc malloc grey,
# chopalloc's bitmap mode blue, its free-list mode orange.  Where a panel shows
# both calls of one allocator, allocate is a solid line and free a dashed one.
set terminal pngcairo size 1100,480 font ",10" dashed
set datafile separator whitespace

c_malloc   = "#666666"
c_bitmap   = "#1f77b4"
c_freelist = "#ff7f0e"
set style line 1 lc rgb c_malloc   lw 2 dt 1
set style line 2 lc rgb c_bitmap   lw 2 dt 1
set style line 3 lc rgb c_freelist lw 2 dt 1
set style line 12 lc rgb c_bitmap   lw 2 dt 2
set style line 13 lc rgb c_freelist lw 2 dt 2

set output "latency.png"
set multiplot layout 1,2 title "Per-call latency, churn workload (1 MiB arena, 1024 slots)"
set logscale xy
set xrange [1:1e-7]
set xlabel "fraction of calls slower"
set ylabel "TSC ticks per call"
set format x "10^{%L}"
set key top left
set title "allocate"
plot "latency-malloc-allocate.dat" using 1:2 with lines ls 1 title "glibc malloc", \
     "latency-chop-bitmap-allocate.dat" using 1:2 with lines ls 2 title "chopalloc, bitmap mode", \
     "latency-chop-freelist-allocate.dat" using 1:2 with lines ls 3 title "chopalloc, free-list mode"
set title "free"
plot "latency-malloc-free.dat" using 1:2 with lines ls 1 title "glibc malloc", \
     "latency-chop-bitmap-free.dat" using 1:2 with lines ls 2 title "chopalloc, bitmap mode", \
     "latency-chop-freelist-free.dat" using 1:2 with lines ls 3 title "chopalloc, free-list mode"
unset multiplot

set output "scaling.png"
set multiplot layout 1,2 title "Scaling with the arena (chopalloc only: malloc has no arena)"
unset logscale
set xrange [*:*]
set format x "%g"
set title "Adversarial worst case (one split/merge per order)"
set xlabel "log2(arena bytes) = largest order"
set ylabel "TSC ticks (median of 101)"
set key top left
plot "< grep ' chop-bitmap ' scaling.dat" using 1:3 with linespoints ls 2 title "bitmap mode, allocate", \
     "< grep ' chop-bitmap ' scaling.dat" using 1:4 with linespoints ls 12 title "bitmap mode, free", \
     "< grep ' chop-freelist ' scaling.dat" using 1:3 with linespoints ls 3 title "free-list mode, allocate", \
     "< grep ' chop-freelist ' scaling.dat" using 1:4 with linespoints ls 13 title "free-list mode, free"
set title "Steady state: median ticks per free against free blocks"
set logscale xy
set xlabel "free blocks in the heap"
set ylabel "median TSC ticks per free"
plot "< grep ' chop-bitmap ' scaling.dat" using 5:8 with linespoints ls 12 title "bitmap mode, free", \
     "< grep ' chop-freelist ' scaling.dat" using 5:8 with linespoints ls 13 title "free-list mode, free"
unset multiplot
