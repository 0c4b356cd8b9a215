#!/usr/bin/python3
"""The lesson's approx_pi_multiprocessing.py, rewritten with workq.

    approx_pi.py INTERVALS [WORKERS]

The lesson splits [0, INTERVALS) into 4 intervals by hand and sums
Pool(4).map(approx_pi, intervals). Here workq.Pool does the splitting, the
map and the reduction (a compensated sum in a fixed order), so the printed
value is bit-identical to `pi INTERVALS` whatever WORKERS is (default 4).
"""
import math
import sys
import time

import workq

if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        print("usage: {0} <intervals> [workers]".format(sys.argv[0]), file=sys.stderr)
        sys.exit(1)
    n = int(sys.argv[1])
    workers = int(sys.argv[2]) if len(sys.argv) == 3 else 4
    t1 = time.time()
    with workq.Pool(workers) as p:
        pi = p.pi(n)
    t2 = time.time()
    print("PI is approximately %.16f, Error is %.16f" % (pi, abs(pi - math.pi)))
    print("Time = %.16f sec" % (t2 - t1))
