"""Pool.imap_distances: results against python3-levenshtein in both orders,
lazy bounded reading, input errors raised after the results before them,
early close (close(), break, garbage collection, Pool.close()) freeing
everything, and the argument errors."""
import gc
import itertools
import sys

import Levenshtein
import pytest

import workq
from conftest import rand_seq

BATCH = 16384  # the documented batch size: at most two are read ahead


def rand_pairs(rng, n, top=200):
    return [(rand_seq(rng, rng.randint(0, top)), rand_seq(rng, rng.randint(0, top)))
            for _ in range(n)]


@pytest.mark.parametrize("ordered", [True, False])
def test_imap_matches_levenshtein(rng, ordered):
    pairs = rand_pairs(rng, 40000, top=60)
    want = [(k, Levenshtein.distance(a, b)) for k, (a, b) in enumerate(pairs)]
    pairs[7] = [pairs[7][0].encode(), pairs[7][1]]  # bytes and lists are pairs too
    with workq.Pool(2) as p:
        got = list(p.imap_distances(iter(pairs), ordered=ordered))
    if ordered:
        assert got == want
    else:
        assert len(got) == len(want) and sorted(got) == want


def test_imap_unordered_positional():
    """ordered may be given by position; every index comes once."""
    pairs = [("a" * 3000, "b" * 3000)] + [("ab", "ba")] * 5000
    with workq.Pool(1) as p:
        got = dict(p.imap_distances(pairs, False))
    assert got == {0: 3000, **{k: 2 for k in range(1, 5001)}}


@pytest.mark.parametrize("mode", ["global", "prefix", "infix"])
@pytest.mark.parametrize("max_distance", [None, 0, 5])
def test_imap_max_distance_and_mode(rng, mode, max_distance):
    pairs = rand_pairs(rng, 3000, top=40)
    want = [(k, workq.distance(a, b, max_distance=max_distance, mode=mode))
            for k, (a, b) in enumerate(pairs)]
    with workq.Pool(2) as p:
        assert list(p.imap_distances(pairs, max_distance=max_distance, mode=mode)) == want


def test_imap_empty_input():
    with workq.Pool(1) as p:
        it = p.imap_distances([])
        assert iter(it) is it
        assert list(it) == []
        assert list(it) == []


def test_imap_reads_lazily_with_bounded_lookahead():
    read = itertools.count()

    def endless():
        while True:
            next(read)
            yield ("kitten", "sitting")
    with workq.Pool(2) as p:
        it = p.imap_distances(endless())
        assert next(read) == 0  # nothing is read before the first next()
        first = list(itertools.islice(it, 10))
        assert first == [(k, 3) for k in range(10)]
        assert next(read) <= 2 * BATCH + 2
        it.close()
        with pytest.raises(StopIteration):
            next(it)


@pytest.mark.parametrize("ordered", [True, False])
def test_imap_input_exception_after_earlier_results(ordered):
    def source():
        for k in range(5):
            yield ("a" * k, "b")
        raise LookupError("source broke")
    with workq.Pool(2) as p:
        it = p.imap_distances(source(), ordered=ordered)
        got = []
        with pytest.raises(LookupError, match="source broke"):
            for r in it:
                got.append(r)
        assert sorted(got) == [(0, 1), (1, 1), (2, 2), (3, 3), (4, 4)]
        with pytest.raises(StopIteration):
            next(it)


@pytest.mark.parametrize("bad, exc, msg", [
    (("a",), ValueError, "pairs[40000]: expected 2 items, not 1"),
    ("ab", TypeError, "pairs[40000]: expected a pair (a, b), not str"),
    (("a", 3), TypeError, "pairs[40000][1]: expected str or bytes, not int"),
    (("é", "a"), ValueError, "pairs[40000][0]: str is not ASCII"),
])
def test_imap_bad_pair_after_earlier_results(bad, exc, msg):
    pairs = [("ab", "b")] * 40000 + [bad] + [("a", "b")] * 10
    got = []
    with workq.Pool(2) as p:
        with pytest.raises(exc) as info:
            for r in p.imap_distances(pairs):
                got.append(r)
    assert msg in str(info.value)
    assert got == [(k, 1) for k in range(40000)]


@pytest.mark.parametrize("call, exc, msg", [
    (lambda p: p.imap_distances(7), TypeError, "pairs: expected an iterable of (a, b) pairs, not int"),
    (lambda p: p.imap_distances("ab"), TypeError, "not a str"),
    (lambda p: p.imap_distances([], mode="local"), ValueError, "mode: expected"),
    (lambda p: p.imap_distances([], max_distance=-1), ValueError, "max_distance: must be >= 0"),
    (lambda p: p.imap_distances([], max_distance="3"), TypeError, "max_distance: expected"),
    (lambda p: p.imap_distances([], True, True), TypeError, "at most 2 positional"),
])
def test_imap_argument_errors(call, exc, msg):
    with workq.Pool(1) as p:
        with pytest.raises(exc) as info:
            call(p)
        assert msg in str(info.value)


def test_imap_on_closed_pool():
    p = workq.Pool(1)
    p.close()
    with pytest.raises(ValueError, match="Pool is closed"):
        p.imap_distances([("a", "b")])


def test_iterator_not_constructible():
    with pytest.raises(TypeError):
        workq.DistanceIterator()


def long_pairs(rng, tag):
    """Pairs that each hold a reference to `tag`, long enough that a job is
    still running when the test stops the iterator."""
    a, b = rand_seq(rng, 2000), rand_seq(rng, 2000)
    return [(a, tag)] + [(a, b)] * 3000


@pytest.mark.parametrize("how", ["close", "break", "del", "cycle"])
def test_imap_early_stop_frees_everything(rng, how):
    tag = b"".join([b"x", b"y" * 2000])  # a fresh object: its refcount is ours
    pairs = long_pairs(rng, tag)
    base = sys.getrefcount(tag)
    with workq.Pool(2) as p:
        it = p.imap_distances(iter(pairs))
        if how == "close":
            assert next(it)[0] == 0
            it.close()
            it.close()  # idempotent
            with pytest.raises(StopIteration):
                next(it)
        elif how == "break":
            for k, _ in it:
                break
            del it
        elif how == "del":
            next(it)
            del it
        else:  # only the garbage collector can free a cycle through the input
            holder = []

            def source():
                yield from pairs
                holder.append(None)
            src = source()
            it = p.imap_distances(src)
            holder.append(it)
            holder.append(src)
            next(it)
            del it, src, holder
            gc.collect()
        # the batches' references to the inputs are gone before the pool
        # closes (which would stop a live iterator itself)
        assert sys.getrefcount(tag) == base
        assert p.distance("ab", "b") == 1


def test_pool_close_stops_live_iterators(rng):
    tag = b"".join([b"t", b"z" * 100])
    base = sys.getrefcount(tag)
    p = workq.Pool(2)
    it = p.imap_distances(iter(long_pairs(rng, tag)))
    next(it)
    p.close()
    with pytest.raises(ValueError, match="the Pool was closed"):
        next(it)
    del it
    assert sys.getrefcount(tag) == base


def test_imap_reentrant_next_is_refused():
    holder = []

    def source():
        yield ("a", "b")
        next(holder[0])
    with workq.Pool(1) as p:
        it = p.imap_distances(source())
        holder.append(it)
        assert next(it) == (0, 1)
        with pytest.raises(ValueError, match="already executing"):
            next(it)
        holder.clear()


def test_close_while_in_use_is_refused():
    with workq.Pool(1) as p:
        holder = []

        def source():
            yield ("a", "b")
            p.close()
        it = p.imap_distances(source())
        holder.append(it)
        with pytest.raises(RuntimeError, match="in use"):
            list(it)


def test_map_async_mode(rng):
    pairs = rand_pairs(rng, 2000, top=60)
    with workq.Pool(2) as p:
        for mode in ("prefix", "infix"):
            got = p.map_async(pairs, mode=mode, max_distance=10).get()
            assert list(got) == [workq.distance(a, b, mode=mode, max_distance=10)
                                 for a, b in pairs]
        with pytest.raises(ValueError, match="mode: expected"):
            p.map_async(pairs, mode="local")


@pytest.mark.parametrize("mode", ["prefix", "infix"])
def test_cdist_mode(rng, mode):
    q = [rand_seq(rng, rng.randint(0, 30)) for _ in range(25)]
    t = [rand_seq(rng, rng.randint(0, 60)) for _ in range(30)]
    want = [[workq.distance(a, b, mode=mode) for b in t] for a in q]
    assert workq.cdist(q, t, mode=mode).tolist() == want
    with workq.Pool(2) as p:
        assert p.cdist(q, t, mode=mode).tolist() == want
        with pytest.raises(ValueError, match="'global' mode only"):
            p.cdist(q, t, max_distance=3, mode=mode)
    with pytest.raises(ValueError, match="mode: expected"):
        workq.cdist(q, t, mode="local")
