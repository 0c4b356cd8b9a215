#!/usr/bin/env bash
# Rank 0's share under MPI (issue 17): "with -np 2 -w 2 on 2 cores, rank 0
# keeps at least 90% of one process's throughput". Compares, in alternating
# rounds (bench/timeit.py), on the same machine:
#   alone   genomics -w 2 FILE
#   mpi     mpirun -np 2 genomics -w 2 FILE     (2 ranks x 2 workers)
#   empty   mpirun -np 2 genomics -w 2 EMPTY    (mpirun's fixed start-up)
# on two inputs:
#   io      40,000 pairs of 1,000 bp at 12.5% edits (80 MB): reading,
#           packing and shipping half the bytes to rank 1 weigh most
#   cpu     2,000 pairs of 8,000 bp at 12.5% edits (32 MB): each pair costs
#           far more than its bytes
# Throughput = pairs / seconds of work; for mpirun the seconds of work are
# its wall time less the empty run's median (start-up and shut-down, which
# no input changes). Share = mpi throughput / alone throughput, at the
# medians, and at mpi's slowest round. Both runs' stdout must be the same
# bytes (checked once before timing).
# Usage: bench/genomics/mpi_rank0.sh MPI_BUILD_DIR [OUT_DIR]
#   MPI_BUILD_DIR: a Release build with WORKQ_WITH_MPI=ON (preset
#   mpi-release); the inputs come from bench/common/seqgen (WORKQ_SEQGEN,
#   else build/release or build/debug of this checkout). ROUNDS (default 7).
set -euo pipefail
build=$(realpath "$1")
out=$(realpath -m "${2:-$build/bench-mpi}")
here=$(dirname "$(realpath "$0")")
gen=$build/apps/genomics/genomics
rounds=${ROUNDS:-7}
mkdir -p "$out"
mpirun=(mpirun -np 2)
[ "$(id -u)" = 0 ] && mpirun+=(--allow-run-as-root)
export OMPI_MCA_orte_execute_quiet=1

input() { # input NAME ARGS...: cached deterministic input file
    local f=$out/$1
    shift
    [ -s "$f" ] || /usr/bin/python3 "$here/make_inputs.py" "$@" >"$f"
    echo "$f"
}
field() { awk -F'\t' -v n="$1" -v k="$2" '$1 == n { print $k }'; }

io=$(input mpi_io.txt pairs 40000 1000 0.125)
cpu=$(input mpi_cpu.txt pairs 2000 8000 0.125)
empty=$out/empty.txt
: >"$empty"

echo "| input | pairs | alone -w 2 (s) | mpirun -np 2 -w 2 (s) | start-up (s) | share, median | share, slowest round |"
echo "|---|---|---|---|---|---|---|"
for name in io cpu; do
    f=${!name}
    n=$(wc -l <"$f")
    a=$("$gen" -w 2 "$f" | md5sum)
    b=$("${mpirun[@]}" "$gen" -w 2 "$f" | md5sum)
    [ "$a" = "$b" ] || { echo "mpi_rank0.sh: $name: mpirun's output differs" >&2; exit 1; }
    t=$(/usr/bin/python3 "$here/../timeit.py" -r "$rounds" "alone=$gen -w 2 $f" \
        "mpi=${mpirun[*]} $gen -w 2 $f" "empty=${mpirun[*]} $gen -w 2 $empty")
    al=$(field alone 2 <<<"$t") amin=$(field alone 3 <<<"$t") amax=$(field alone 4 <<<"$t")
    mp=$(field mpi 2 <<<"$t") mmin=$(field mpi 3 <<<"$t") mmax=$(field mpi 4 <<<"$t")
    em=$(field empty 2 <<<"$t") emin=$(field empty 3 <<<"$t") emax=$(field empty 4 <<<"$t")
    awk -v name="$name" -v n="$n" -v al="$al" -v amin="$amin" -v amax="$amax" -v mp="$mp" \
        -v mmin="$mmin" -v mmax="$mmax" -v em="$em" -v emin="$emin" -v emax="$emax" 'BEGIN {
        printf "| %s | %d | %.3f (%.3f .. %.3f) | %.3f (%.3f .. %.3f) | %.3f (%.3f .. %.3f) | %.0f%% | %.0f%% |\n",
            name, n, al, amin, amax, mp, mmin, mmax, em, emin, emax,
            100 * al / (mp - em), 100 * al / (mmax - em) }'
done
