#!/usr/bin/python3
"""How long Ctrl-C takes to stop a running workq call: a thread sends SIGINT
while the main thread is inside the call (found as in the pytest suite: a
huge switch interval, and the main thread's frame), and the time from the
signal to the KeyboardInterrupt is measured.

    interrupt_latency.py [ROUNDS]    prints: call, median ms, min, max
"""
import random
import signal
import statistics
import sys
import threading
import time

import workq


def measure(call):
    main = threading.get_ident()
    sent = []

    def sender():
        while sys._current_frames()[main].f_code is not call.__code__:
            time.sleep(0.001)
        sent.append(time.perf_counter())
        signal.pthread_kill(main, signal.SIGINT)

    t = threading.Thread(target=sender)
    t.start()
    try:
        call()
        raise SystemExit("interrupt_latency: the call finished before the signal")
    except KeyboardInterrupt:
        caught = time.perf_counter()
    t.join()
    return (caught - sent[0]) * 1000


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    rng = random.Random(7)
    a = "".join(rng.choices("acgt", k=5000))
    b = "".join(rng.choices("acgt", k=5000))
    many = ["".join(rng.choices("acgt", k=150)) for _ in range(20000)]
    sys.setswitchinterval(100.0)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with workq.Pool(2) as pool:
        calls = {
            "distances 200k pairs of 5000": lambda: pool.distances([a] * 200000, [b] * 200000),
            "pi 2^50": lambda: pool.pi(2**50),
            "all_pairs 20000 x 150, K=40": lambda: pool.all_pairs(many, 40),
            "clusters 20000 x 150, K=40": lambda: pool.clusters(many, 40),
            "cdist 20000 x 20000 x 150, K=40": lambda: pool.cdist(many, many, max_distance=40),
            "imap_distances 200k pairs of 5000":
                lambda: list(pool.imap_distances(zip([a] * 200000, [b] * 200000))),
        }
        for name, call in calls.items():
            ms = [measure(call) for _ in range(rounds)]
            print(f"{name}\t{statistics.median(ms):.1f}\t{min(ms):.1f}\t{max(ms):.1f}")


if __name__ == "__main__":
    main()
