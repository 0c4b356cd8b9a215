#!/usr/bin/python3
"""genomics's default job in Python with workq: reads `seqA,seqB` lines from
FILE, computes the distances on WORKERS threads (default 2), and prints the
lesson's `Edit_Distance(seqA, seqB) = D` lines, byte for byte what
`genomics -w WORKERS FILE` prints (checked by bench/python/run.sh).

    pairs_file.py FILE [WORKERS] [--compute-only]

With --compute-only it prints nothing and reports on stderr the seconds of
the workq.distances call alone.
"""
import sys
import time

import workq


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    workers = int(args[1]) if len(args) > 1 else 2
    with open(args[0], "rb") as f:
        lines = f.read().decode("ascii").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    pairs = [line.split(",", 1) for line in lines]
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    t0 = time.perf_counter()
    d = workq.distances(a, b, workers=workers)
    t1 = time.perf_counter()
    if "--compute-only" in sys.argv:
        print(f"{t1 - t0:.6f}", file=sys.stderr)
        return
    sys.stdout.writelines(f"Edit_Distance({x}, {y}) = {k}\n" for x, y, k in zip(a, b, d))


if __name__ == "__main__":
    main()
