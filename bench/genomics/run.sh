#!/usr/bin/env bash
# genomics against its peers, one run, alternating rounds, medians:
#   edlib (edlib_pairs, one thread) on 1M pairs of length 14, and pairs of
#   length 500 and 10000; 1 vs 2 workers at length 500; all-vs-all of
#   20,000 sequences of length 150 (pairs/s, peak RSS); the lesson's Python
#   program on 8 pairs of length 500; GCUPS against length beside edlib.
# Usage: bench/genomics/run.sh BUILD_DIR OUT_DIR   (writes OUT_DIR/genomics*.{md,tsv})
set -euo pipefail
build=$(realpath "$1") out=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
py=/usr/bin/python3
gen=$build/apps/genomics/genomics
edl=$build/bench/genomics/edlib_pairs
data=$build/bench-data
export WORKQ_SEQGEN=$build/bench/common/seqgen # make_inputs.py, make_set.py
rounds=${ROUNDS:-5}
mkdir -p "$data" "$out"

input() { # input NAME ARGS...: cached deterministic input file
    local f=$data/$1; shift
    [ -s "$f" ] || $py "$here/make_inputs.py" "$@" >"$f"
    echo "$f"
}
timeit() { $py "$here/../timeit.py" -r "${TR:-$rounds}" "$@"; }
field() { awk -F'\t' -v n="$1" -v k="$2" '$1 == n { print $k }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

p14=$(input pairs14.txt pairs 1000000 14)
p500=$(input pairs500.txt pairs 4000 500)
w500=$(input workers500.txt pairs 40000 500) # long enough to amortize start-up
p10k=$(input pairs10k.txt pairs 100 10000)
l500=$(input lesson500.txt pairs 8 500)
fa=$(input ava150.fa fasta 20000 150)

md=$out/genomics.md
{
echo "| input | genomics -w 1 (s) | edlib (s) | genomics speed-up |"
echo "|---|---|---|---|"
for f in "$p14" "$p500" "$p10k"; do
    r=$(timeit "workq=$gen -w 1 -q $f" "edlib=$edl $f")
    a=$(echo "$r" | field workq 2) b=$(echo "$r" | field edlib 2)
    echo "| $(wc -l <"$f") pairs of $(basename "$f" .txt | tr -dc 0-9k) | $a | $b | $(ratio "$b" "$a")x |"
done
echo
r=$(timeit "w1=$gen -w 1 -q $w500" "w2=$gen -w 2 -q $w500")
a=$(echo "$r" | field w1 2) b=$(echo "$r" | field w2 2)
echo "Workers on 40,000 pairs of length 500: 1 worker $a s, 2 workers $b s: $(ratio "$a" "$b")x."
printf '1\t%s\n2\t%s\n' "$a" "$b" >"$out/genomics_workers.tsv"
echo
r=$(TR=1 timeit "ava=$gen --all-vs-all -k 40 -w 2 -q $fa")
t=$(echo "$r" | field ava 2) m=$(echo "$r" | field ava 5)
echo "All-vs-all, 20,000 sequences of length 150 (199,990,000 pairs, -k 40, 2 workers):"
echo "$t s, $(awk -v t="$t" 'BEGIN { printf "%.3g", 199990000 / t }') pairs/s, peak RSS $((m / 1024)) MiB."
echo
r=$(TR=3 timeit "python=$py $here/lesson_genomics.py $l500" "workq=$gen -w 2 -q $l500")
a=$(echo "$r" | field python 2) b=$(echo "$r" | field workq 2)
echo "The lesson's Python (Pool of 2, numpy) on its 8 pairs of length 500: $a s;"
echo "genomics -w 2: $b s ($(ratio "$a" "$b")x)."
} | tee "$md"

# GCUPS against length, genomics -w 1 beside edlib, for the plot.
: >"$out/genomics_gcups.tsv"
for len in 50 100 500 2000 10000; do
    f=$(input "gc$len.txt" pairs $((1000000000 / len / len)) "$len")
    cells=$($py -c "print(sum(len(l.split(',')[0]) * len(l.split(',')[1].strip()) for l in open('$f')))")
    r=$(TR=3 timeit "workq=$gen -w 1 -q $f" "edlib=$edl $f")
    a=$(echo "$r" | field workq 2) b=$(echo "$r" | field edlib 2)
    printf '%s\t%s\t%s\n' "$len" "$(awk -v c="$cells" -v t="$a" 'BEGIN{print c/t/1e9}')" \
        "$(awk -v c="$cells" -v t="$b" 'BEGIN{print c/t/1e9}')" >>"$out/genomics_gcups.tsv"
done
