#!/bin/sh
# The benchmarks' smoke test (part of `make test` when WORKQ_BUILD_BENCH is
# on): every peer still builds and starts, on tiny inputs, and the lesson's
# Python programs and the edlib peer agree with workq's own output.
# Usage: smoke.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py=/usr/bin/python3
gen=$build/apps/genomics/genomics
export WORKQ_SEQGEN=$build/bench/common/seqgen # make_inputs.py, make_set.py

"$build/bench/engine/bench_engine" 2000 2 1 20000 | grep -q 'workq wq_submit speed-up, per round'
"$build/bench/pi/bench_pi_omp" 1000 | grep -q '^PI is approximately 3.14059265383979'
$py "$src/bench/pi/lesson_pi.py" 1000 | grep -q '^PI is approximately 3.14059265383979'

# The lesson's six pairs through edlib and the lesson's own program.
"$gen" --demo >"$tmp/demo"
sed -n 's/^Edit_Distance(\(.*\), \(.*\)) = .*/\1,\2/p' "$tmp/demo" >"$tmp/pairs"
"$build/bench/genomics/edlib_pairs" "$tmp/pairs" | diff "$tmp/demo" -
$py "$src/bench/genomics/lesson_genomics.py" "$tmp/pairs" | diff "$tmp/demo" -
$py "$src/bench/genomics/make_inputs.py" pairs 3 20 0.1 | wc -l | grep -qx 3
$py "$src/bench/genomics/make_inputs.py" fasta 2 20 | grep -c '^>s' | grep -qx 2
$py "$src/bench/search/make_set.py" 5 30 --planted 0.5 | grep -cx '[ACGT]*' | grep -qx 5
echo "bench smoke: engine, OpenMP pi, lesson pi, edlib pairs, lesson genomics, seqgen all start and agree"
