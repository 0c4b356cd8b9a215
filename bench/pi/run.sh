#!/usr/bin/env bash
# pi against its peers, in one run, alternating repetitions, medians:
#   pi (workq) at 1e9 on 1 and 2 workers, the lesson's loop as an OpenMP
#   reduction (bench_pi_omp, gcc -O3 -march=native -fopenmp) at 1e9 on 2
#   threads, and the lesson's Python program (Pool(4), Debian's python3) at
#   1e8. Each round runs every program once, in turn, so a noisy machine
#   slows them all alike. Prints a Markdown table (also OUT_DIR/pi.md) with
#   each program's own "Time =" (the computation) and the process's wall
#   time, and the ratios against the goals (>= 8x OpenMP, >= 1.8x 1 -> 2).
# Usage: bench/pi/run.sh BUILD_DIR [OUT_DIR]   (ROUNDS=5 by default)
#   writes OUT_DIR/pi.md and OUT_DIR/pi_workers.tsv (workers, seconds).
#   BUILD_DIR is a Release build configured with -DWORKQ_BUILD_BENCH=ON.
set -euo pipefail
build=$(realpath "$1")
out=$(realpath -m "${2:-$build/bench-results}")
here=$(dirname "$(realpath "$0")")
rounds=${ROUNDS:-5}
py=/usr/bin/python3
pi=$build/apps/pi/pi
omp=$build/bench/pi/bench_pi_omp
for exe in "$pi" "$omp"; do
    [ -x "$exe" ] || { echo "run.sh: $exe: not built (-DWORKQ_BUILD_BENCH=ON?)" >&2; exit 1; }
done
mkdir -p "$out"
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

# The programs, in the order of each round: NAME|N|THREADS|COMMAND.
programs=(
    "pi -w 1|1e9|1|$pi -w 1 1000000000"
    "pi -w 2|1e9|2|$pi -w 2 1000000000"
    "OpenMP loop|1e9|2|env OMP_NUM_THREADS=2 $omp 1000000000"
    "lesson's Python|1e8|Pool(4)|$py $here/lesson_pi.py 100000000"
)

# run_once NAME COMMAND: one run; appends "NAME<TAB>self<TAB>wall<TAB>pi line".
run_once() {
    local name=$1 cmd=$2 t0 t1 output self line
    t0=$(date +%s%N)
    output=$($cmd)
    t1=$(date +%s%N)
    self=$(sed -n 's/^Time = \([0-9.]*\) sec$/\1/p' <<<"$output")
    line=$(head -1 <<<"$output")
    [ -n "$self" ] || { echo "run.sh: '$cmd' printed no time" >&2; exit 1; }
    printf '%s\t%s\t%s\t%s\n' "$name" "$self" "$(((t1 - t0) / 1000))e-6" "$line" >>"$raw"
}

load_before=$(cut -d' ' -f1 /proc/loadavg)
for ((r = 0; r < rounds; r++)); do
    for p in "${programs[@]}"; do
        IFS='|' read -r name n threads cmd <<<"$p"
        run_once "$name" "$cmd"
    done
done

# median NAME FIELD: the median of a field (2 = own time, 3 = wall) of NAME.
median() {
    awk -F'\t' -v n="$1" -v f="$2" '$1 == n { printf "%.9f\n", $f }' "$raw" | sort -g |
        awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
fmt() { awk -v a="$1" 'BEGIN { printf "%.4f", a }'; }
pi_of() { awk -F'\t' -v n="$1" '$1 == n { sub(/^PI is approximately /, "", $4); sub(/,.*/, "", $4); print $4; exit }' "$raw"; }

w1=$(median "pi -w 1" 2) w2=$(median "pi -w 2" 2)
om=$(median "OpenMP loop" 2) py3=$(median "lesson's Python" 2)
printf '1\t%s\n2\t%s\n' "$w1" "$w2" >"$out/pi_workers.tsv" # for bench/plots.gp
md=$out/pi.md
{
    echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs, $(uname -sr), $(gcc --version | head -1), $($py --version)."
    echo
    echo "| program | intervals | threads | time (s) | wall (s) | pi printed | vs pi -w 2 |"
    echo "|---|---|---|---|---|---|---|"
    for p in "${programs[@]}"; do
        IFS='|' read -r name n threads cmd <<<"$p"
        t=$(median "$name" 2)
        rel=$(ratio "$t" "$w2")x
        [ "$n" = 1e8 ] && rel="$(ratio "$(awk -v t="$t" 'BEGIN { print t * 10 }')" "$w2")x per term"
        echo "| $name | $n | $threads | $(fmt "$t") | $(fmt "$(median "$name" 3)") | $(pi_of "$name") | $rel |"
    done
    echo
    echo "Medians of $rounds alternating rounds. time: the program's own \"Time =\" line (the computation);"
    echo "wall: the whole process, start-up included. Load average (1 min) before the run: $load_before,"
    echo "after: $(cut -d' ' -f1 /proc/loadavg); other work on the machine skews the 1 -> 2 workers ratio first."
    echo
    echo "- pi -w 2 against the OpenMP loop: $(ratio "$om" "$w2")x faster (goal: >= 8x)."
    echo "- pi from 1 to 2 workers: $(ratio "$w1" "$w2")x (goal: >= 1.8x)."
    echo "- The lesson's Python at 1e8 takes $(fmt "$py3") s: $(ratio "$(awk -v t="$py3" 'BEGIN { print t * 10 }')" "$w2")x pi -w 2's time per term."
} | tee "$md"
