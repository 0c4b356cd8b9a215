"""Ctrl-C while a call copies its arguments' items (issue 15). The copy holds
the GIL, so no Python thread can time a signal into it: the module's test
hook, workq._workq._trip_sigint_in_copy(k), makes the next copy act as if
SIGINT arrived as it reaches item k of its items, counted over its first
argument's then its second's (it calls
PyErr_SetInterruptEx(SIGINT), as Python's C signal handler does; on an engine
thread when the items are copied at once).

How the tests know the copy stopped: the last item of the last argument is
not a str, so a copy that ran to its end would raise TypeError there; a copy
that checks for SIGINT raises KeyboardInterrupt first."""
import signal
import sys
import tracemalloc

import Levenshtein
import pytest

import workq
from conftest import rand_seq

N = 20 * 2048  # over COPY_AT_ONCE_MIN (32768): 20 chunks of 2048 a side
TRIP = 3 * 2048 + 5  # in a's fourth chunk


def inputs(rng, n=N, length=12):
    """Two lists of n str of one length (so that the copies' blocks are the
    same from call to call and come back to the module's kept mappings)."""
    return [rand_seq(rng, length) for _ in range(n)], [rand_seq(rng, length) for _ in range(n)]


def want(a, b):
    return [Levenshtein.distance(x, y) for x, y in zip(a, b)]


# Each call copies a (list), then b, whose last item is bad: not a str.
CALLS = {
    "at_once": lambda a, b, pool: workq.distances(a, b, workers=2),
    "at_once_tuple": lambda a, b, pool: workq.distances(tuple(a), b, workers=2),
    "at_once_pool": lambda a, b, pool: pool.distances(a, b),
    "serial": lambda a, b, pool: workq.distances(a, b, workers=1),
    "iterable": lambda a, b, pool: workq.distances(iter(a), b, workers=2),
    "cdist": lambda a, b, pool: workq.cdist(a, b, max_distance=1),
    "all_pairs": lambda a, b, pool: workq.all_pairs(a + b, 1, workers=2),
    "map_async": lambda a, b, pool: pool.map_async(list(zip(a, b))),
}


@pytest.fixture
def default_sigint():
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)


def spin():
    """Bytecode enough for a pending signal's handler to run."""
    total = 0
    for i in range(10000):
        total += i
    return total


@pytest.mark.parametrize("how", sorted(set(CALLS) - {"map_async"}))
def test_sigint_in_copy_raises_keyboard_interrupt_once(rng, default_sigint, how):
    a, b = inputs(rng)
    call = CALLS[how]
    with workq.Pool(2) as pool:
        call(a, b[:-1] + ["x" * 12], pool)  # the same blocks, kept for the calls below
        kept = workq._workq._kept()
        b[-1] = 5
        refs = [sys.getrefcount(x) for x in (a[0], a[TRIP], b[0], b[-2])]
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(3):
                workq._workq._trip_sigint_in_copy(TRIP)
                with pytest.raises(KeyboardInterrupt):
                    call(a, b, pool)
                spin()  # no second KeyboardInterrupt is pending
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        # without a signal the copy runs to b's last item
        with pytest.raises(TypeError, match=r"\]: expected str or bytes, not int"):
            call(a, b, pool)
        assert [sys.getrefcount(x) for x in (a[0], a[TRIP], b[0], b[-2])] == refs
        assert grown < 64 * 1024
        if how.startswith(("at_once", "serial", "iterable")):
            assert workq._workq._kept() == kept  # every block given back
        b[-1] = "acgt"
        assert list(pool.distances(a[-2:], b[-2:])) == want(a[-2:], b[-2:])
        assert list(workq.distances(a, b, workers=2)) == want(a, b)


def test_sigint_in_map_async_copy(rng, default_sigint):
    # map_async checks every item before it copies them (no bad item can
    # show where the copy stopped): the call raises, queues no job, and the
    # pool goes on.
    a, b = inputs(rng)
    with workq.Pool(2) as pool:
        workq._workq._trip_sigint_in_copy(TRIP)
        with pytest.raises(KeyboardInterrupt):
            CALLS["map_async"](a, b, pool)
        spin()
        pool.join()  # nothing pending
        assert list(CALLS["map_async"](a, b, pool).get()) == want(a, b)


@pytest.mark.parametrize("how", ["at_once", "serial", "iterable", "map_async"])
def test_sigint_handler_that_returns_lets_the_copy_start_over(rng, how):
    a, b = inputs(rng)
    calls = []

    def handler(signum, frame):
        calls.append(signum)

    old = signal.signal(signal.SIGINT, handler)
    try:
        with workq.Pool(2) as pool:
            workq._workq._trip_sigint_in_copy(TRIP)
            d = CALLS[how](a, b, pool)
            if how == "map_async":
                d = d.get()
            assert calls == [signal.SIGINT]  # the handler ran once, as for one signal
            assert list(d) == want(a, b)
            spin()
            assert calls == [signal.SIGINT]
    finally:
        signal.signal(signal.SIGINT, old)


@pytest.mark.parametrize("how", ["at_once", "serial"])
@pytest.mark.parametrize("n", [N - 5000, 1000])
def test_sigint_handler_may_change_the_inputs(rng, how, n):
    # The handler replaces every item (the old ones are freed: under ASan,
    # with PYTHONMALLOC=malloc, a copy that read them would be caught) and
    # shortens both lists (to 1000 items: too few to be copied at once); the
    # copy starts over on what they hold then.
    a, b = inputs(rng)
    new_a, new_b = inputs(rng, n=n, length=9)

    def handler(signum, frame):
        a[:] = new_a
        b[:] = new_b

    old = signal.signal(signal.SIGINT, handler)
    try:
        workq._workq._trip_sigint_in_copy(TRIP)
        d = workq.distances(a, b, workers=2 if how == "at_once" else 1)
    finally:
        signal.signal(signal.SIGINT, old)
    assert list(d) == want(new_a, new_b)


@pytest.mark.parametrize("how", ["serial", "cdist", "cdist_hits"])
def test_sigint_in_the_second_copy_starts_both_over(rng, how):
    # The signal comes in b's copy, after a's is made, and the handler
    # replaces the items of both: a is copied again too, so every distance
    # is the new a's against the new b's (not the old a's).
    n = 3000 if how == "serial" else 200
    a, b = inputs(rng, n=n)
    new_a, new_b = inputs(rng, n=n, length=9)
    calls = []

    def handler(signum, frame):
        calls.append(signum)
        a[:] = new_a
        b[:] = new_b

    old = signal.signal(signal.SIGINT, handler)
    try:
        workq._workq._trip_sigint_in_copy(n + 5)
        if how == "serial":
            got = list(workq.distances(a, b, workers=1))
        elif how == "cdist":
            got = workq.cdist(a, b).tolist()
        else:
            got = sorted(zip(*(list(c) for c in workq.cdist(a, b, max_distance=6))))
    finally:
        signal.signal(signal.SIGINT, old)
    assert calls == [signal.SIGINT]
    if how == "serial":
        assert got == want(new_a, new_b)
        return
    full = [[Levenshtein.distance(x, y) for y in new_b] for x in new_a]
    if how == "cdist":
        assert got == full
    else:
        hits = [(i, j, d) for i, row in enumerate(full) for j, d in enumerate(row) if d <= 6]
        assert hits and got == hits


@pytest.mark.parametrize("how", ["at_once", "serial"])
def test_sigint_handler_exception_propagates(rng, how):
    a, b = inputs(rng)
    b[-1] = 5

    def handler(signum, frame):
        raise ValueError("from the handler")

    old = signal.signal(signal.SIGINT, handler)
    try:
        workq._workq._trip_sigint_in_copy(TRIP)
        with pytest.raises(ValueError, match="from the handler"):
            workq.distances(a, b, workers=2 if how == "at_once" else 1)
        spin()
    finally:
        signal.signal(signal.SIGINT, old)


def test_sigint_in_copy_with_sigint_ignored(rng):
    # SIG_IGN: Python's C handler is not installed, PyErr_SetInterruptEx
    # ignores the signal, and the copy runs to its end.
    a, b = inputs(rng)
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        workq._workq._trip_sigint_in_copy(TRIP)
        assert list(workq.distances(a, b, workers=2)) == want(a, b)
    finally:
        signal.signal(signal.SIGINT, old)


def test_trip_hook_arguments():
    with pytest.raises(ValueError):
        workq._workq._trip_sigint_in_copy(-1)
    with pytest.raises(TypeError):
        workq._workq._trip_sigint_in_copy("3")
