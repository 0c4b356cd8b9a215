#!/usr/bin/env bash
# Two builds of the module, A and B, against the same genomics CLI under the
# same load: RUNS alternating runs (A, B, A, B, ...), each call_vs_cli.py
# with ROUNDS rounds beside BUSY busy loops, then, per build, every call
# round's time against the CLI's fastest round of the same run (the
# slowest-round ratio of issue 15's 1.2x goal) and the medians.
# Usage: bench/python/ab_busy.sh A_PYTHONPATH B_PYTHONPATH GENOMICS PAIRS_FILE [RUNS] [ROUNDS] [BUSY]
#   e.g. bench/python/ab_busy.sh /tmp/old/build/python build/release/python \
#          build/release/apps/genomics/genomics build/release/bench-data/pairs14.txt 6 7 1
set -euo pipefail
a=$1 b=$2 gen=$3 file=$4 runs=${5:-6} rounds=${6:-7} busy=${7:-1}
here=$(dirname "$(realpath "$0")")
pids=()
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }
trap stop EXIT
out=$(mktemp)
for r in $(seq "$runs"); do
    for build in A B; do
        path=$a
        [ "$build" = B ] && path=$b
        for _ in $(seq "$busy"); do
            timeout 300 sh -c 'while :; do :; done' &
            pids+=($!)
        done
        PYTHONPATH=$path WORKQ_ROUNDS_OUT=1 timeout 600 /usr/bin/python3 "$here/call_vs_cli.py" \
            "$file" "$gen" "$rounds" 2 | awk -v b="$build" -v r="$r" '{ print b "\t" r "\t" $0 }' >>"$out"
        stop
    done
done
/usr/bin/python3 - "$out" <<'EOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    build, run, kind, *vals = line.split()
    if kind == "rounds":
        runs.setdefault(build, []).append([float(v) for v in vals])
print("build\tcall/CLI-fastest per round: min\tp50\tp90\tmax\tover 1.2x\tcall median / CLI median (per run)")
for build, rs in sorted(runs.items()):
    ratios, medians = [], []
    for calls_and_cli in rs:
        n = len(calls_and_cli) // 2
        call, cli = calls_and_cli[:n], calls_and_cli[n:]
        ratios += [c / min(cli) for c in call]
        medians.append(statistics.median(call) / statistics.median(cli))
    ratios.sort()
    q = lambda p: ratios[min(len(ratios) - 1, int(p * len(ratios)))]
    print(f"{build}\t{ratios[0]:.2f}x\t{q(0.5):.2f}x\t{q(0.9):.2f}x\t{ratios[-1]:.2f}x"
          f"\t{sum(r > 1.2 for r in ratios)} of {len(ratios)}"
          f"\t{' '.join(f'{m:.2f}x' for m in medians)}")
EOF
rm -f "$out"
