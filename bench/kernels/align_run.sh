#!/usr/bin/env bash
# Alignments (wq_align, global mode) against edlib with a path
# (EDLIB_TASK_PATH, edlibAlignmentToCigar extended) and exact WFA2
# (compute_alignment, no heuristic, BiWFA above 20 kb): one thread, one
# process per tool (align_pairs), the same pairs files, alternating rounds
# (timeit.py: median, min, max wall seconds, peak RSS). Before timing, each
# set's distances are checked equal across the three tools.
#   sets        1M pairs x 14 (unrelated), 4000 x 500 unrelated and at 2%,
#               200 x 10 kb at 5%, 20 x 100 kb at 1%, 1 x 1 Mb at 1%,
#               4 x 30 kb unrelated (bigger than the stored bit-vectors)
#   throughput  2 Mb of pairs at 1% in pairs of 100 to 100000: Mb/s per tool
# Usage: bench/kernels/align_run.sh BUILD_DIR OUT_DIR
#        (writes OUT_DIR/align.md, align_throughput.tsv, align_throughput.png)
set -euo pipefail
build=$(realpath "$1") out=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
py=/usr/bin/python3
ap=$build/bench/kernels/align_pairs
data=$build/bench-data
export WORKQ_SEQGEN=$build/bench/common/seqgen # make_inputs.py, make_set.py
rounds=${ROUNDS:-3}
mkdir -p "$data" "$out"

input() { # input NAME ARGS...: cached deterministic input file
    local f=$data/$1
    shift
    [ -s "$f" ] || $py "$here/../genomics/make_inputs.py" "$@" >"$f"
    echo "$f"
}
timeit() { $py "$here/../timeit.py" -r "${TR:-$rounds}" "$@"; }
field() { awk -F'\t' -v n="$1" -v k="$2" '$1 == n { print $k }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

check() { # check FILE: the three tools' distances agree, pair by pair
    local w
    w=$("$ap" workq "$1" | cut -f1 | md5sum)
    for t in edlib wfa2; do
        [ "$("$ap" $t "$1" | cut -f1 | md5sum)" = "$w" ] ||
            { echo "align_run: $t's distances differ from workq's on $1" >&2; exit 1; }
    done
}

sets=(
    "1M x 14, unrelated|$(input pairs14.txt pairs 1000000 14)"
    "4000 x 500, unrelated|$(input pairs500.txt pairs 4000 500)"
    "4000 x 500, 2%|$(input align500_2.txt pairs 4000 500 0.02)"
    "200 x 10 kb, 5%|$(input align10k_5.txt pairs 200 10000 0.05)"
    "20 x 100 kb, 1%|$(input align100k_1.txt pairs 20 100000 0.01)"
    "1 x 1 Mb, 1%|$(input align1m_1.txt pairs 1 1000000 0.01)"
    "4 x 30 kb, unrelated|$(input align30k_u.txt pairs 4 30000)"
)

md=$out/align.md
{
    echo "Seconds for the whole process (median of $rounds alternating rounds, [min, max]);"
    echo "peak RSS in MB. Ratios: the peer's median over workq's."
    echo
    echo "| pairs | workq (s) | edlib (s) | WFA2 exact (s) | vs edlib | vs WFA2 | peak MB workq / edlib / WFA2 |"
    echo "|---|---|---|---|---|---|---|"
    for s in "${sets[@]}"; do
        name=${s%%|*} f=${s#*|}
        check "$f"
        r=$(timeit "workq=$ap workq $f" "edlib=$ap edlib $f" "wfa2=$ap wfa2 $f")
        cell() { echo "$r" | awk -F'\t' -v n="$1" '$1 == n { printf "%.3g [%.3g, %.3g]", $2, $3, $4 }'; }
        mb() { echo "$r" | awk -F'\t' -v n="$1" '$1 == n { printf "%.0f", $5 / 1024 }'; }
        a=$(echo "$r" | field workq 2) b=$(echo "$r" | field edlib 2) c=$(echo "$r" | field wfa2 2)
        echo "| $name | $(cell workq) | $(cell edlib) | $(cell wfa2) | $(ratio "$b" "$a")x |" \
            "$(ratio "$c" "$a")x | $(mb workq) / $(mb edlib) / $(mb wfa2) |"
    done
} | tee "$md"

# Throughput against length: 2 Mb of A in each set, 1% edits.
: >"$out/align_throughput.tsv"
for len in 100 1000 10000 100000; do
    n=$((2000000 / len))
    f=$(input "alignlen$len.txt" pairs $n $len 0.01)
    check "$f"
    r=$(TR=${TR:-$rounds} timeit "workq=$ap workq $f" "edlib=$ap edlib $f" "wfa2=$ap wfa2 $f")
    printf '%s\t%s\t%s\t%s\n' "$len" "$(echo "$r" | field workq 2)" \
        "$(echo "$r" | field edlib 2)" "$(echo "$r" | field wfa2 2)" >>"$out/align_throughput.tsv"
done
{
    echo
    echo "Throughput, Mb of A aligned per second (2 Mb per set, 1% edits, whole process):"
    echo
    echo "| length | workq | edlib | WFA2 exact |"
    echo "|---|---|---|---|"
    awk -F'\t' '{ printf "| %d | %.2f | %.2f | %.2f |\n", $1, 2 / $2, 2 / $3, 2 / $4 }' \
        "$out/align_throughput.tsv"
} | tee -a "$md"

gnuplot <<EOF
set terminal pngcairo size 800,500
set output '$out/align_throughput.png'
set title 'Alignment with a path, one thread: 2 Mb of pairs at 1% edits'
set xlabel 'pair length (bases)'
set ylabel 'Mb aligned per second'
set logscale xy
set key top left
set grid
plot '$out/align_throughput.tsv' using 1:(2/\$2) with linespoints title 'workq wq\_align', \
     '' using 1:(2/\$3) with linespoints title 'edlib (EDLIB\_TASK\_PATH)', \
     '' using 1:(2/\$4) with linespoints title 'WFA2 exact'
EOF
