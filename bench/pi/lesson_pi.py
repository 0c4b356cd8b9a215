#!/usr/bin/python3
"""The lesson's program, ported from Python 2 to Python 3 for bench/pi/run.sh.

Unchanged: Pool(4) over 4 intervals, the same loop, the same two lines.
Ported: n / 4 becomes n // 4 (Python 2 divided ints by flooring), print is a
function, and the __main__ guard that multiprocessing needs in Python 3.
The timer spans the pool's creation and map, as in the lesson.
"""
import math
import sys
import time
from multiprocessing import Pool


def approx_pi(intervals):
    pi = 0.0
    for i in range(intervals[0], intervals[1]):
        pi += (4 - 8 * (i % 2)) / (float)(2 * i + 1)
    return pi


if __name__ == "__main__":
    n = int(sys.argv[1])
    chunk_size = n // 4
    intervals = [[p * chunk_size, p * chunk_size + chunk_size] for p in range(4)]
    intervals[-1][1] = max(intervals[-1][1], n)
    t1 = time.time()
    p = Pool(4)
    pi = sum(p.map(approx_pi, intervals))
    t2 = time.time()
    print("PI is approximately %.16f, Error is %.16f" % (pi, abs(pi - math.pi)))
    print("Time = %.16f sec" % (t2 - t1))
