#!/usr/bin/python3
"""How long Ctrl-C takes to stop a running workq call: a thread sends SIGINT
while the main thread is inside the call (found as in the pytest suite: a
huge switch interval, and the main thread's frame), and the time from the
signal to the KeyboardInterrupt is measured.

A call's copy of its arguments holds the GIL, so no thread of this process
can send a signal during it: for the huge copies (2 x 200k distinct str of
5000 bytes, about 2 GB, copied at once on the pool's threads or on the
calling thread alone) another process sends it, DELAY seconds (default
0.15; the copy takes about 0.6 s when the memory is not fresh) after it is
told the call starts (time.monotonic is the system's clock, the same in
both processes).

    interrupt_latency.py [ROUNDS] [DELAY]   prints: call, median ms, min, max
"""
import os
import subprocess
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


# The sending process: waits for a byte on stdin, sleeps, sends SIGINT to
# the pid it is given, prints when it sent it.
SENDER = ("import os, signal, sys, time\n"
          "sys.stdin.buffer.read(1)\n"
          "time.sleep(float(sys.argv[1]))\n"
          "t = time.monotonic()\n"
          "os.kill(int(sys.argv[2]), signal.SIGINT)\n"
          "print(t, flush=True)\n")


def measure_from_outside(call, delay):
    """SIGINT from another process delay s after call starts; ms from the
    signal to the KeyboardInterrupt."""
    p = subprocess.Popen([sys.executable, "-c", SENDER, str(delay), str(os.getpid())],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        p.stdin.write(b"g")
        p.stdin.flush()
        call()
        raise SystemExit("interrupt_latency: the call finished before the signal")
    except KeyboardInterrupt:
        caught = time.monotonic()
    sent = float(p.stdout.read())
    p.wait()
    return (caught - sent) * 1000


def huge_copies(rounds, delay):
    rng = random.Random(8)
    text = "".join(rng.choices("acgt", k=1 << 20))
    starts = [rng.randrange(len(text) - 5000) for _ in range(400000)]
    # distinct objects (a list of one object repeated reads that one only)
    a = [text[s:s + 5000] for s in starts[:200000]]
    b = [text[s:s + 5000] for s in starts[200000:]]
    calls = {
        "distances copy at once 2 x 200k x 5000": lambda: workq.distances(a, b, workers=2),
        "distances copy alone 2 x 200k x 5000": lambda: workq.distances(a, b, workers=1),
    }
    for name, call in calls.items():
        ms = [measure_from_outside(call, delay) for _ in range(rounds)]
        print(f"{name}\t{statistics.median(ms):.1f}\t{min(ms):.1f}\t{max(ms):.1f}")


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0.15
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
    huge_copies(rounds, delay)


if __name__ == "__main__":
    main()
