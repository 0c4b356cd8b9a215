#!/usr/bin/env bash
# make bench: every comparison of bench/, side by side with its peers, in
# one run, on the same inputs; writes bench/results/results.md (the tables)
# and the PNG plots beside it (gnuplot).
#   engine    workq's pool against GLib's GThreadPool and OpenMP tasks, and
#             one submit's cost against libgomp's inline task
#   kernels   Leibniz ns/term; Levenshtein against edlib and WFA2-lib
#   align     alignments with a path against edlib and exact WFA2-lib
#   pi        against the lesson's loop in OpenMP and the lesson's Python
#   genomics  against edlib and the lesson's Python; all-vs-all; GCUPS
#   python    import workq against Pool.map over Levenshtein, edlib and the
#             lesson's DP, and against the genomics CLI
#   search    the indexed all-vs-all (issue 13), clusters beside swarm
# Usage: bench/run.sh BUILD_DIR     (a Release build with WORKQ_BUILD_BENCH=ON)
set -euo pipefail
build=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
out=$here/results
mkdir -p "$out"
md=$out/results.md

section() { printf '\n## %s\n\n' "$1"; }

engine() {
    : >"$out/engine.tsv"
    : >"$out/engine_bounded.tsv"
    for t in 1 2 4; do
        "$build/bench/engine/bench_engine" 1000000 "$t" 7 10000000 >"$out/engine_$t.txt"
        grep '^#tsv engine' "$out/engine_$t.txt" | cut -f2- >>"$out/engine.tsv"
        grep '^#tsv bounded' "$out/engine_$t.txt" | cut -f2- >>"$out/engine_bounded.tsv"
    done
    for t in 1 2 4; do
        sed -n '/empty tasks/,/bounded caller-runs speed-up/p' "$out/engine_$t.txt"
        echo
    done
    grep -v '^#tsv' "$out/engine_2.txt" | grep -vi '^cpu:' | sed -n '/trivial items/,$p'
    echo
    echo "One submit's floor, against libgomp's inline task (bench_submit):"
    echo
    "$build/bench/engine/bench_submit" | grep -vi '^cpu:'
    echo
    echo "| threads | workq tasks/s | GLib tasks/s | OpenMP tasks/s | workq / GLib, median (worst round) | workq / OpenMP, median (worst round) |"
    echo "|---|---|---|---|---|---|"
    awk -F'\t' '{ printf "| %d | %.3g | %.3g | %.3g | %.2fx (%.2fx) | %.2fx (%.2fx) |\n", $1, $2, $3, $4, $5, $6, $7, $8 }' \
        "$out/engine.tsv"
    echo
    echo "| threads | workq bounded caller-runs tasks/s | bounded / GLib, median (worst round) | bounded / OpenMP, median (worst round) |"
    echo "|---|---|---|---|"
    awk -F'\t' '{ printf "| %d | %.3g | %.2fx (%.2fx) | %.2fx (%.2fx) |\n", $1, $2, $3, $4, $5, $6 }' \
        "$out/engine_bounded.tsv"
}

kernels() {
    echo '```'
    "$build/bench/kernels/bench_leibniz" 5 | grep -vi '^cpu:'
    echo '```'
    echo
    echo '```'
    "$build/bench/kernels/bench_levenshtein" 5 | grep -vi '^cpu:'
    echo '```'
}

{
    echo "# workq benchmarks"
    echo
    echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs,"
    echo "$(uname -sr), $(gcc --version | head -1). Every figure is the median of alternating"
    echo "rounds against its peers in the same run."
    section "Engine: tasks through the pool"
    engine
    section "Kernels, one thread"
    kernels
    section "Alignments (CIGAR), one thread"
    "$here/kernels/align_run.sh" "$build" "$out"
    section "pi"
    "$here/pi/run.sh" "$build" "$out" | grep -v '^Machine'
    section "genomics"
    "$here/genomics/run.sh" "$build" "$out"
    section "Python: import workq"
    "$here/python/run.sh" "$build" "$out"
    section "genomics: every pair within K, through the index"
    "$here/search/run.sh" "$build" "$out"
} | tee "$md"

gnuplot -e "dir='$out'" \
    -e "first_pi=$(head -1 "$out/pi_workers.tsv" | cut -f2)" \
    -e "first_gx=$(head -1 "$out/genomics_workers.tsv" | cut -f2)" "$here/plots.gp"
echo "bench: wrote $md and $(cd "$out" && ls ./*.png | tr '\n' ' ')"
