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
# The programs, in the order of each round: NAME|N|THREADS|COMMAND.
programs=(
    "pi -w 1|1e9|1|$pi -w 1 1000000000"
    "pi -w 2|1e9|2|$pi -w 2 1000000000"
    "OpenMP loop|1e9|2|env OMP_NUM_THREADS=2 $omp 1000000000"
    "lesson's Python|1e8|Pool(4)|$py $here/lesson_pi.py 100000000"
)

# bench/timeit.py runs them in alternating rounds; per program one line:
# NAME, wall median (2), ..., own "Time =" median (6), first output line (7).
load_before=$(cut -d' ' -f1 /proc/loadavg)
timed=()
for p in "${programs[@]}"; do
    IFS='|' read -r name n threads cmd <<<"$p"
    timed+=("$name=$cmd")
done
raw=$($py "$here/../timeit.py" -r "$rounds" --self-time '^Time = ([0-9.]+) sec$' "${timed[@]}")

# median NAME FIELD: the median of NAME's runs (2 = wall, 6 = own time).
median() { awk -F'\t' -v n="$1" -v f="$2" '$1 == n { print $f }' <<<"$raw"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
fmt() { awk -v a="$1" 'BEGIN { printf "%.4f", a }'; }
pi_of() { awk -F'\t' -v n="$1" '$1 == n { sub(/^PI is approximately /, "", $7); sub(/,.*/, "", $7); print $7 }' <<<"$raw"; }

w1=$(median "pi -w 1" 6) w2=$(median "pi -w 2" 6)
om=$(median "OpenMP loop" 6) py3=$(median "lesson's Python" 6)
printf '1\t%s\n2\t%s\n' "$w1" "$w2" >"$out/pi_workers.tsv" # for bench/plots.gp
md=$out/pi.md
{
    echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs, $(uname -sr), $(gcc --version | head -1), $($py --version)."
    echo
    echo "| program | intervals | threads | time (s) | wall (s) | pi printed | vs pi -w 2 |"
    echo "|---|---|---|---|---|---|---|"
    for p in "${programs[@]}"; do
        IFS='|' read -r name n threads cmd <<<"$p"
        t=$(median "$name" 6)
        rel=$(ratio "$t" "$w2")x
        [ "$n" = 1e8 ] && rel="$(ratio "$(awk -v t="$t" 'BEGIN { print t * 10 }')" "$w2")x per term"
        echo "| $name | $n | $threads | $(fmt "$t") | $(fmt "$(median "$name" 2)") | $(pi_of "$name") | $rel |"
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
