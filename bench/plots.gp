# gnuplot script for bench/run.sh: reads the TSV files in the results
# directory (variable dir) and writes the PNG plots next to them.
set terminal pngcairo size 800,520 font "DejaVu Sans,11" noenhanced
set grid
set key top left

# Speed-up against workers, pi and genomics, with the ideal line.
set output dir."/speedup.png"
set title "Speed-up against number of workers"
set xlabel "workers"
set ylabel "speed-up over 1 worker"
set xrange [0.8:2.2]
set xtics 1
set yrange [0:2.4]
plot dir."/pi_workers.tsv" using 1:(first_pi/$2) with linespoints lw 2 pt 7 title "pi 1e9", \
     dir."/genomics_workers.tsv" using 1:(first_gx/$2) with linespoints lw 2 pt 5 title "genomics, 40,000 pairs x 500", \
     x with lines dt 2 lc rgb "gray" title "ideal"

# Genomics GCUPS against sequence length, beside edlib.
set output dir."/gcups.png"
set title "Edit distance throughput, one thread (GCUPS)"
set xlabel "sequence length"
set ylabel "GCUPS (10^9 DP cells per second)"
set logscale x
set autoscale x
set autoscale y
set yrange [0:*]
set xtics auto
plot dir."/genomics_gcups.tsv" using 1:2 with linespoints lw 2 pt 7 title "workq genomics -w 1", \
     dir."/genomics_gcups.tsv" using 1:3 with linespoints lw 2 pt 5 title "edlib"
unset logscale x

# Engine throughput beside GLib and OpenMP tasks.
set output dir."/engine.png"
set title "Empty tasks per second (1M tasks)"
set xlabel "threads"
set ylabel "tasks per second"
set logscale y
set autoscale x
set xtics 1
set yrange [*:*]
plot dir."/engine.tsv" using 1:2 with linespoints lw 2 pt 7 title "workq wq_submit", \
     dir."/engine.tsv" using 1:3 with linespoints lw 2 pt 5 title "GLib GThreadPool", \
     dir."/engine.tsv" using 1:4 with linespoints lw 2 pt 9 title "OpenMP tasks", \
     dir."/engine_bounded.tsv" using 1:2 with linespoints lw 2 pt 11 title "workq bounded caller-runs"
