#!/usr/bin/env bash
# The 1.2x goal's worst case (issue 15), run after run: call_vs_cli.py's
# alternating rounds (workq.distances on the pairs in memory against
# genomics -w WORKERS on the pairs file), with BUSY busy loops beside each
# run (0: none), and per run the call's median against the CLI's median and
# the call's slowest round against the CLI's fastest round.
# Usage: bench/python/busy_rounds.sh BUILD_DIR PAIRS_FILE [RUNS] [ROUNDS] [BUSY] [WORKERS]
#   e.g. bench/python/busy_rounds.sh build/release build/release/bench-data/pairs14.txt 6 7 1
#   (bench/python/run.sh, or `make bench`, makes the pairs file.)
set -euo pipefail
build=$(realpath "$1") file=$2 runs=${3:-6} rounds=${4:-7} busy=${5:-1} workers=${6:-2}
here=$(dirname "$(realpath "$0")")
pids=()
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }
trap stop EXIT
printf 'run\tcall median (s)\tcall max\tCLI median\tCLI min\tmedian ratio\tslowest call / fastest CLI\tload\n'
for r in $(seq "$runs"); do
    for _ in $(seq "$busy"); do
        timeout 300 sh -c 'while :; do :; done' &
        pids+=($!)
    done
    out=$(PYTHONPATH=$build/python timeout 600 /usr/bin/python3 "$here/call_vs_cli.py" "$file" \
          "$build/apps/genomics/genomics" "$rounds" "$workers")
    stop
    echo "$out" | awk -F'\t' -v r="$r" -v load="$(cut -d' ' -f1 /proc/loadavg)" '
        { med[$1] = $2; min[$1] = $3; max[$1] = $4 }
        END { printf "%d\t%.4f\t%.4f\t%.4f\t%.4f\t%.2fx\t%.2fx\t%s\n", r, med["call"], max["call"],
              med["cli"], min["cli"], med["call"] / med["cli"], max["call"] / min["cli"], load }'
done
