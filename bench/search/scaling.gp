# search_scaling.png: wall time of genomics -A -k 2 -w 2 against N (30-mers).
set terminal pngcairo size 800,500
set output dir.'/search_scaling.png'
set title 'genomics -A -k 2, 2 workers: whole process'
set xlabel 'sequences (millions)'
set ylabel 'wall seconds (median; bars: min..max)'
set key top left
set grid
plot dir.'/search_scaling.tsv' using ($1/1e6):2:3:4 with yerrorlines title 'workq (indexed)', \
     dir.'/search_scaling.tsv' using ($1/1e6):($2/($1/1e6)) axes x1y1 with lines dt 2 title 'seconds per million'
