#!/usr/bin/python3
"""workq.distances against what a Python reader would otherwise use, with 2
workers on the same pairs, in alternating rounds (median, min, max):

    bench_python.py FILE [ROUNDS] [LESSON_PAIRS]

  workq      workq.distances(a, b, workers=2)
  lev        multiprocessing.Pool(2).map over Levenshtein.distance
  edlib      Pool(2).map over edlib.align(a, b)["editDistance"]
  lesson     Pool(2).map over the lesson's edProxy (numpy DP, imported from
             bench/genomics/lesson_genomics.py), on the first
             LESSON_PAIRS pairs only (default 2000; it runs at a few thousand
             pairs per second), its time scaled to the whole file

Each timing includes starting the pool, as the lesson's timer does (workq
keeps the pool of its first call for the next with the same workers).
Every contender's distances are checked against workq's. Prints one TSV
line per contender: name, median seconds, min, max, pairs/s (from the
median), pairs timed, and the median of this process's minor page faults
during a round (resource.getrusage: for workq, the call's own; a peer's
workers are other processes).
"""
import os
import resource
import statistics
import sys
import time
from multiprocessing import Pool

import edlib
import Levenshtein

import workq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "genomics"))
import lesson_genomics  # noqa: E402  (the lesson's program, bench/genomics)


def lev_pair(p):
    return Levenshtein.distance(p[0], p[1])


def edlib_pair(p):
    return edlib.align(p[0], p[1])["editDistance"]


def lesson_pair(p):
    """The lesson's edProxy (one copy, in bench/genomics/lesson_genomics.py),
    its line 'Edit_Distance(a, b) = D' read back as D."""
    return int(lesson_genomics.edProxy(p).rsplit(" = ", 1)[1])


def pool_map(fn, pairs):
    with Pool(processes=2) as p:
        return p.map(fn, pairs)


def main():
    path = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    lesson_n = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    with open(path) as f:
        pairs = [line.rstrip("\n").split(",", 1) for line in f if line.strip()]
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    lesson_pairs = pairs[:lesson_n]
    want = list(workq.distances(a, b, workers=2))
    runs = {
        "workq": (lambda: workq.distances(a, b, workers=2), len(pairs)),
        "lev": (lambda: pool_map(lev_pair, pairs), len(pairs)),
        "edlib": (lambda: pool_map(edlib_pair, pairs), len(pairs)),
        "lesson": (lambda: pool_map(lesson_pair, lesson_pairs), len(lesson_pairs)),
    }
    times = {name: [] for name in runs}
    faults = {name: [] for name in runs}
    for _ in range(rounds):
        for name, (fn, n) in runs.items():
            f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            t0 = time.perf_counter()
            got = fn()
            times[name].append(time.perf_counter() - t0)
            faults[name].append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
            if list(got) != want[:n]:
                sys.exit(f"bench_python: {name} disagrees with workq")
    for name, (_, n) in runs.items():
        ts = times[name]
        med = statistics.median(ts)
        # the lesson's time, scaled from its n pairs to the whole file
        scale = len(pairs) / n
        print(f"{name}\t{med * scale:.6f}\t{min(ts) * scale:.6f}\t{max(ts) * scale:.6f}"
              f"\t{n / med:.4g}\t{n}\t{statistics.median(faults[name]):.0f}")


if __name__ == "__main__":
    main()
