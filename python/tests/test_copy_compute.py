"""distances() on two lists or tuples of one length, long enough to be
copied at once (COPY_AT_ONCE_MIN, 32768 items), with a pool of two or more:
the copy and the distances are one job (fuse_distances in _workq.c). Every
thread copies chunk pairs of 2048 pairs while the calling thread holds the
GIL; then the distances are claimed in parts of bounded work (a chunk pair
of short pairs whole, long pairs a few at a time, items of 64 KiB or more,
and items copied after the chunks, by a pass over their lengths), by the
pool's workers and the calling thread.

Scripts run in a fresh interpreter with a timeout: a part never computed
would leave the call waiting for it."""
import signal
import subprocess
import sys
import threading
import tracemalloc

import Levenshtein
import pytest

import workq
from conftest import rand_seq
from test_search import mode_ref
from test_threads import send_sigint_during

N = 17 * 2048  # over COPY_AT_ONCE_MIN: 17 chunk pairs


def run_script(script):
    out = subprocess.run([sys.executable, "-c", script], timeout=120, check=True,
                         capture_output=True, text=True).stdout
    assert out == "ok\n"


PARTS_SCRIPT = r"""
import random
import Levenshtein
import workq
class Str(str): pass
rng = random.Random(18)
text = "".join(rng.choice("acgt") for _ in range(200_000))
def piece(k):
    at = rng.randrange(len(text) - k)
    return text[at:at + k]
def mutate(s, edits):
    s = list(s)
    for _ in range(edits):
        at = rng.randrange(len(s) + 1)
        op = rng.randrange(3)
        if op == 0:
            s.insert(at, rng.choice("acgt"))
        elif at < len(s):
            if op == 1:
                del s[at]
            else:
                s[at] = rng.choice("acgt")
    return "".join(s)
n = 17 * 2048
a = [piece(rng.randint(0, 30)) for _ in range(n)]
b = [piece(rng.randint(0, 30)) for _ in range(n)]
# chunk pair 3: pairs of 600 bytes, cut in parts of a few dozen pairs
for i in range(3 * 2048, 4 * 2048):
    a[i] = piece(600)
    b[i] = mutate(a[i], rng.randint(0, 40))
# chunk pair 5: items of 64 KiB and more (the parts are cut by a pass over
# the lengths), beside short ones, at its first, a middle and its last pair
for i in (5 * 2048, 5 * 2048 + 999, 6 * 2048 - 1):
    a[i], b[i] = piece(66_000 + i % 5), piece(rng.randint(0, 90))
b[5 * 2048 + 1000] = piece(70_000)
# chunk pair 8: a long str subclass, copied after the chunks (its chunk's
# lengths are then unknown to the parts), and pairs of 300 bytes after it
a[8 * 2048 + 7] = Str(piece(5000))
for i in range(8 * 2048 + 8, 8 * 2048 + 600):
    a[i], b[i] = piece(300), piece(300)
# the last chunk pair, short of 2048 pairs: long ones
for i in range(n - 50, n):
    a[i], b[i] = piece(900), piece(900)
want = [Levenshtein.distance(x, y) for x, y in zip(a, b)]
for _ in range(2):
    assert list(workq.distances(a, b, workers=2)) == want
    assert list(workq.distances(tuple(b), tuple(a), workers=3)) == want
    assert list(workq.distances(a, b, workers=2, max_distance=7)) == [min(d, 8) for d in want]
with workq.Pool(2) as pool:
    assert list(pool.distances(a, b)) == want
print("ok")
"""


def test_parts_of_long_pairs_vs_levenshtein():
    run_script(PARTS_SCRIPT)


@pytest.mark.parametrize("mode", ["prefix", "infix"])
def test_modes_vs_reference(rng, mode):
    # the reference DP is slow: 300 distinct pairs, repeated over N pairs
    a = [rand_seq(rng, rng.randint(0, 20)) for _ in range(300)]
    b = [rand_seq(rng, rng.randint(0, 40)) for _ in range(300)]
    want = [mode_ref(x, y, mode) for x, y in zip(a, b)]
    reps = N // 300 + 1
    a, b, want = (a * reps)[:N], (b * reps)[:N], (want * reps)[:N]
    assert list(workq.distances(a, b, mode=mode, workers=2)) == want
    assert list(workq.distances(a, b, mode=mode, workers=2, max_distance=2)) == \
        [min(w, 3) for w in want]


def test_workers_busy_with_another_job(rng):
    # The pool's two workers run a map_async job's blocks; the distances'
    # runners wait behind them in the queue, so the calling thread copies
    # and computes alone (or with a runner that starts late), and returns
    # without waiting for the others: they find the job over.
    a = [rand_seq(rng, rng.randint(0, 30)) for _ in range(N)]
    b = [rand_seq(rng, rng.randint(0, 30)) for _ in range(N)]
    want = [Levenshtein.distance(x, y) for x, y in zip(a, b)]
    long_a = [rand_seq(rng, 3000) for _ in range(40)]
    long_b = [rand_seq(rng, 3000) for _ in range(40)]
    with workq.Pool(2) as pool:
        for _ in range(3):
            job = pool.map_async(list(zip(long_a * 10, long_b * 10)))
            assert list(pool.distances(a, b)) == want
            assert list(job.get()) == [Levenshtein.distance(x, y)
                                       for x, y in zip(long_a, long_b)] * 10
    assert list(workq.distances(a, b, workers=2)) == want


def test_errors_after_the_chunks_leave_nothing(rng):
    # The chunks copy the str and bytes items; the rest is copied after them,
    # where errors are raised. Nothing has been computed yet, and nothing is
    # kept.
    a = [rand_seq(rng, 14) for _ in range(N)]
    b = [rand_seq(rng, 14) for _ in range(N)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for k in (0, 2048, N - 1):
            bad = list(b)
            bad[k] = 14
            with pytest.raises(TypeError, match=rf"seqs_b\[{k}\]: expected str or bytes, not int"):
                workq.distances(a, bad, workers=2)
            del bad
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 64 * 1024
    assert list(workq.distances(a, b, workers=2)) == \
        [Levenshtein.distance(x, y) for x, y in zip(a, b)]


def test_keyboard_interrupt_while_computing(rng, no_switching):
    # The other thread runs only once the calling thread releases the GIL,
    # which it does after the copy: SIGINT comes while the pairs are
    # computed (long pairs: seconds of work), and cancels them.
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    x, y = rand_seq(rng, 1000), rand_seq(rng, 1000)
    a, b = [x] * N, [y] * N
    call = lambda: workq.distances(a, b, workers=2)  # noqa: E731
    try:
        for _ in range(2):
            sent = []
            t = threading.Thread(target=send_sigint_during,
                                 args=(threading.get_ident(), call.__code__, sent))
            t.start()
            with pytest.raises(KeyboardInterrupt):
                call()
            t.join()
            assert len(sent) == 1
        d = Levenshtein.distance(x, y)
        assert list(workq.distances(a[:N // 8] * 8, b[:N // 8] * 8, workers=2)) == [d] * N
    finally:
        signal.signal(signal.SIGINT, old)
