# Plots for `make bench`, run by bench/run.sh in the output directory.
# latency.png: per-call ticks against the fraction of calls slower (a tail plot).
# scaling.png: the adversarial worst case against the arena's orders, and the
#              steady-state free against the number of free blocks.
set terminal pngcairo size 1100,480 font ",10"
set datafile separator whitespace

set output "latency.png"
set multiplot layout 1,2 title "Per-call latency, churn workload (1 MiB arena, 1024 slots)"
set logscale xy
set xrange [1:1e-7]
set xlabel "fraction of calls slower"
set ylabel "TSC ticks per call"
set format x "10^{%L}"
set key top left
set title "allocate"
plot "latency-malloc-allocate.dat" using 1:2 with lines lw 2 title "glibc malloc", \
     "latency-chop-bitmap-allocate.dat" using 1:2 with lines lw 2 title "chopalloc bitmap", \
     "latency-chop-freelist-allocate.dat" using 1:2 with lines lw 2 title "chopalloc free-list"
set title "free"
plot "latency-malloc-free.dat" using 1:2 with lines lw 2 title "glibc malloc", \
     "latency-chop-bitmap-free.dat" using 1:2 with lines lw 2 title "chopalloc bitmap", \
     "latency-chop-freelist-free.dat" using 1:2 with lines lw 2 title "chopalloc free-list"
unset multiplot

set output "scaling.png"
set multiplot layout 1,2 title "Scaling"
unset logscale
set xrange [*:*]
set format x "%g"
set title "Adversarial worst case (one split/merge per order)"
set xlabel "log2(arena bytes) = largest order"
set ylabel "TSC ticks (median of 101)"
set key top left
plot "< grep ' chop-bitmap ' scaling.dat" using 1:3 with linespoints lw 2 title "bitmap allocate", \
     "< grep ' chop-bitmap ' scaling.dat" using 1:4 with linespoints lw 2 title "bitmap free", \
     "< grep ' chop-freelist ' scaling.dat" using 1:3 with linespoints lw 2 title "free-list allocate", \
     "< grep ' chop-freelist ' scaling.dat" using 1:4 with linespoints lw 2 title "free-list free"
set title "Steady state: median ticks per free against free blocks"
set logscale xy
set xlabel "free blocks in the heap"
set ylabel "median TSC ticks per free"
plot "< grep ' chop-bitmap ' scaling.dat" using 5:8 with linespoints lw 2 title "bitmap", \
     "< grep ' chop-freelist ' scaling.dat" using 5:8 with linespoints lw 2 title "free-list"
unset multiplot
