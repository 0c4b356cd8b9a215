#!/usr/bin/env bash
# bench/search/run.sh BUILD_DIR OUT_DIR: the indexed all-vs-all of issue 13.
#   - the issue's table: whole-process wall time and peak RSS of
#     `genomics -A -k K -w 2` on generated inputs (make_set.py);
#   - clusters at K=1 beside swarm -d 1 -n -t 2 (Debian's swarm, on the
#     same distinct sequences as dereplicated FASTA with _1 abundances),
#     alternating rounds (timeit.py), and the two partitions compared;
#   - time against N (100k .. 4M 30-mers, K=2): search_scaling.tsv and
#     search_scaling.png.
# starcode is not packaged in Debian: its figures in the README are quoted
# from issue 13 (measured on this machine). SEARCH_N sets the table's input
# size (default 1000000), SEARCH_MAX_N caps the scaling run (default
# 4000000), SEARCH_ROUNDS the rounds (default 3).
set -euo pipefail
build=$(realpath "$1")
mkdir -p "$2"
out=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
gx=$build/apps/genomics/genomics
rounds=${SEARCH_ROUNDS:-3}
max_n=${SEARCH_MAX_N:-4000000}
n=${SEARCH_N:-1000000}
export WORKQ_SEQGEN=$build/bench/common/seqgen # make_inputs.py, make_set.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gen() { # gen FILE N LEN [make_set options]: generated once per run
    [ -s "$1" ] || python3 "$here/make_set.py" "$2" "$3" 1 "${@:4}" >"$1"
}

# row LABEL FILE K: one row of the table (median of rounds, with min/max)
row() {
    label=$1 file=$2 k=$3
    line=$(python3 "$here/../timeit.py" -r "$rounds" "workq=$gx -A -k $k -w 2 -q $file" | head -1)
    pairs=$("$gx" -A -k "$k" -w 2 -q "$file" | wc -l)
    echo "$line" | awk -F'\t' -v l="$label" -v k="$k" -v p="$pairs" \
        '{ printf "| %s | %s | %s | %.2f s (%.2f .. %.2f) | %.0f MB |\n", l, k, p, $2, $3, $4, $5 / 1024 }'
}

echo "Whole process, 2 workers (\`genomics -A -k K -w 2\`), median of $rounds rounds (min .. max), peak RSS:"
echo
echo "| input | K | pairs found | workq wall | workq peak RSS |"
echo "|---|---|---|---|---|"
gen "$tmp/m30.txt" "$n" 30
row "$n 30-mers, 10% planted neighbours (1-2 edits)" "$tmp/m30.txt" 2
gen "$tmp/r40.txt" "$n" 40 --planted 0
row "$n random 40-mers" "$tmp/r40.txt" 3
gen "$tmp/m150.txt" "$n" 150 --edits 4
row "$n 150 bp reads, 10% planted neighbours (1-4 edits)" "$tmp/m150.txt" 4

echo
echo "Clusters at K=1 on the distinct sequences of the $n 30-mers (10% planted neighbours), beside swarm:"
echo
# distinct sequences, and the same as swarm's dereplicated FASTA
awk '!seen[$0]++' "$tmp/m30.txt" >"$tmp/d30.txt"
awk '{ printf ">s%d_1\n%s\n", NR, $0 }' "$tmp/d30.txt" >"$tmp/d30.fa"
python3 "$here/../timeit.py" -r "$rounds" \
    "workq=$gx --cluster -k 1 -w 2 -q -f tsv $tmp/d30.fa" \
    "swarm=swarm -d 1 -n -t 2 -o /dev/null -l /dev/null $tmp/d30.fa" >"$tmp/cl.tsv"
echo "| tool | wall, median (min .. max) | peak RSS |"
echo "|---|---|---|"
awk -F'\t' '{ printf "| %s | %.2f s (%.2f .. %.2f) | %.0f MB |\n", $1, $2, $3, $4, $5 / 1024 }' "$tmp/cl.tsv"
# the same partition
"$gx" --cluster -k 1 -w 2 -q -f tsv "$tmp/d30.fa" >"$tmp/ours.tsv"
swarm -d 1 -n -t 2 -o "$tmp/swarm.txt" -l /dev/null "$tmp/d30.fa" 2>/dev/null
echo
if count=$(python3 "$here/same_partition.py" "$tmp/ours.tsv" "$tmp/swarm.txt"); then
    echo "Same partition as swarm -d 1 -n: $count clusters, identical."
else
    echo "PARTITIONS DIFFER from swarm's"
    exit 1
fi

echo
echo "Time against N (30-mers, 10% planted, K=2, 2 workers): search_scaling.tsv, search_scaling.png"
: >"$out/search_scaling.tsv"
for sn in 100000 250000 500000 1000000 2000000 4000000; do
    [ "$sn" -le "$max_n" ] || break
    gen "$tmp/s$sn.txt" "$sn" 30
    python3 "$here/../timeit.py" -r "$rounds" "workq=$gx -A -k 2 -w 2 -q $tmp/s$sn.txt" |
        awk -F'\t' -v n="$sn" '{ printf "%d\t%s\t%s\t%s\t%s\n", n, $2, $3, $4, $5 }' >>"$out/search_scaling.tsv"
    rm -f "$tmp/s$sn.txt"
done
gnuplot -e "dir='$out'" "$here/scaling.gp"
echo
echo '| N | wall median (s) | min | max | peak RSS (MB) |'
echo '|---|---|---|---|---|'
awk -F'\t' '{ printf "| %d | %.2f | %.2f | %.2f | %.0f |\n", $1, $2, $3, $4, $5 / 1024 }' "$out/search_scaling.tsv"
