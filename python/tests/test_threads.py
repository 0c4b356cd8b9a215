"""The GIL is released while the engine computes; Ctrl-C (SIGINT) cancels a
running call with KeyboardInterrupt and leaves the module usable; nothing
leaks over 10^6 calls."""
import os
import signal
import sys
import threading
import time
import tracemalloc

import pytest

import workq
from conftest import rand_seq


def long_inputs(rng, n=2000, length=3000):
    """n pairs of length `length`: a second or more of work on two threads in a
    debug build (the signal normally stops it in a few milliseconds)."""
    a, b = rand_seq(rng, length), rand_seq(rng, length)
    return [a] * n, [b] * n


def test_gil_released_during_distances(rng, no_switching):
    a, b = long_inputs(rng, n=1000)
    main = threading.get_ident()
    steps = []
    stop = threading.Event()
    call_line = sys._getframe().f_lineno + 10

    def other():
        while not stop.is_set():
            if sys._current_frames()[main].f_lineno == call_line:
                steps.append(1)  # this thread runs Python while main is in workq
            time.sleep(0.001)

    t = threading.Thread(target=other)
    t.start()
    d = workq.distances(a, b, workers=2)  # call_line
    stop.set()
    t.join()
    assert len(d) == len(a)
    assert len(steps) > 0


def send_sigint_during(main_ident, code, sent):
    """SIGINT once the main thread runs `code` (a lambda whose body is one
    workq call). With a huge switch interval this thread only runs when the
    main thread gives up the GIL, so when it sees that frame, the main
    thread is inside the workq call."""
    while sys._current_frames()[main_ident].f_code is not code:
        time.sleep(0.001)
    sent.append(time.monotonic())
    signal.pthread_kill(main_ident, signal.SIGINT)


@pytest.mark.parametrize("how", ["distances", "cdist", "pool", "pi", "all_pairs", "clusters",
                                 "query", "imap", "imap_unordered"])
def test_keyboard_interrupt_cancels(rng, no_switching, how):
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    a, b = long_inputs(rng)
    many = [rand_seq(rng, 200) for _ in range(500)]  # K = 80: no filter helps
    calls = {
        "distances": lambda: workq.distances(a, b, workers=2),
        "cdist": lambda: workq.cdist(a[:150], b[:150]),
        "pool": lambda: pool.distances(a, b),
        "pi": lambda: pool.pi(2**44),
        "all_pairs": lambda: workq.all_pairs(many, 80, workers=2),
        "clusters": lambda: pool.clusters(many, 80),
        "query": lambda: workq.cdist(many, many, max_distance=80),
        "imap": lambda: list(pool.imap_distances(zip(a, b))),
        "imap_unordered": lambda: list(pool.imap_distances(zip(a, b), ordered=False)),
    }
    pool = workq.Pool(2)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        sent = []
        main = threading.get_ident()
        call = calls[how]
        t = threading.Thread(target=send_sigint_during, args=(main, call.__code__, sent))
        t.start()
        with pytest.raises(KeyboardInterrupt):
            call()
        t.join()
        assert len(sent) == 1
        # the job's buffers are gone; the pool and module still work
        assert tracemalloc.get_traced_memory()[0] - before < 64 * 1024
        assert list(pool.distances(["kitten"], ["sitting"])) == [3]
        assert list(workq.distances(["kitten"], ["sitting"], workers=2)) == [3]
    finally:
        tracemalloc.stop()
        pool.close()
        signal.signal(signal.SIGINT, old)


@pytest.mark.slow
def test_no_leak_over_a_million_calls():
    a, b = "attctgacgt", b"accagtacga"
    for _ in range(1000):
        workq.distance(a, b)
    ra, rb = sys.getrefcount(a), sys.getrefcount(b)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(1_000_000):
            workq.distance(a, b, max_distance=5)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert (sys.getrefcount(a), sys.getrefcount(b)) == (ra, rb)
    assert grown < 64 * 1024


@pytest.mark.slow
def test_no_leak_batches_errors_and_pools():
    seqs = ["acgt" * 5, "ttga" * 4, "gattaca"]
    with workq.Pool(2) as p:
        for _ in range(200):  # warm up caches and freelists
            p.distances(seqs, seqs)
        refs = [sys.getrefcount(s) for s in seqs]
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(20000):
                workq.distances(seqs, seqs)
                p.distances(seqs, seqs, max_distance=2)
                workq.cdist(seqs, seqs)
                try:
                    workq.distances(seqs, seqs + ["x"])
                except ValueError:
                    pass
                try:
                    workq.distance("a", 5)
                except TypeError:
                    pass
            for _ in range(2000):
                p.map_async(list(zip(seqs, seqs))).get()
                list(p.imap_distances(zip(seqs, seqs), ordered=False))
                it = p.imap_distances(zip(seqs, seqs))
                next(it)
                it.close()
            p.join()
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
    assert [sys.getrefcount(s) for s in seqs] == refs
    assert grown < 64 * 1024
