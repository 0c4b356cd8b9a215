"""workq.Pool: methods, map_async callbacks (serialized, with the GIL held,
in input order), close/join, and errors."""
import sys
import threading

import Levenshtein
import pytest

import workq
from conftest import rand_seq


def test_pool_methods(rng):
    a = [rand_seq(rng, rng.randint(0, 120)) for _ in range(2000)]
    b = [rand_seq(rng, rng.randint(0, 120)) for _ in range(2000)]
    with workq.Pool(2) as p:
        assert p.workers == 2
        assert p.distance("kitten", "sitting") == 3
        assert list(p.distances(a, b)) == [Levenshtein.distance(x, y) for x, y in zip(a, b)]
        assert list(p.distances(a, b, max_distance=3)) == [
            min(Levenshtein.distance(x, y), 4) for x, y in zip(a, b)]
        assert p.cdist(a[:20], b[:30]).tolist() == [
            [Levenshtein.distance(x, y) for y in b[:30]] for x in a[:20]]


def test_pool_default_workers():
    with workq.Pool() as p:
        assert p.workers >= 1


def test_closed_pool_raises():
    p = workq.Pool(1)
    p.close()
    p.close()  # idempotent
    for call in (lambda: p.distances(["a"], ["b"]), lambda: p.map_async([("a", "b")]),
                 lambda: p.workers, lambda: p.pi(10)):
        with pytest.raises(ValueError, match="Pool is closed"):
            call()


def test_map_async_callback_gets_ordered_results(rng):
    pairs = [(rand_seq(rng, rng.randint(0, 200)), rand_seq(rng, rng.randint(0, 200)))
             for _ in range(20000)]
    got = []
    with workq.Pool(2) as p:
        r = p.map_async(pairs, callback=got.append)
        d = r.get()
        assert r.ready() and r.successful()
    assert len(got) == 1 and got[0] is d
    assert list(d) == [Levenshtein.distance(x, y) for x, y in pairs]


def test_map_async_callbacks_serialized_with_gil(rng):
    """Many jobs: the callbacks never overlap, and run on one thread that is
    not the caller, with the GIL (they run Python code)."""
    inside = threading.Lock()
    overlaps, threads, results = [], set(), {}

    def make_cb(k):
        def cb(d):
            if not inside.acquire(blocking=False):
                overlaps.append(k)
                return
            try:
                threads.add(threading.get_ident())
                results[k] = sum(d)  # Python code: the GIL is held
                for _ in range(1000):  # give another callback a chance to overlap
                    pass
            finally:
                inside.release()
        return cb

    jobs = []
    with workq.Pool(2) as p:
        for k in range(40):
            pairs = [(rand_seq(rng, 30), rand_seq(rng, 30)) for _ in range(300)]
            jobs.append((k, pairs, p.map_async(pairs, callback=make_cb(k))))
        p.join()
        assert all(r.ready() for _, _, r in jobs)
    assert overlaps == []
    assert len(threads) == 1 and threading.get_ident() not in threads
    for k, pairs, _ in jobs:
        assert results[k] == sum(Levenshtein.distance(x, y) for x, y in pairs)


def test_map_async_empty_and_lists():
    with workq.Pool(1) as p:
        got = []
        assert list(p.map_async([], callback=got.append).get()) == []
        assert list(p.map_async([["ab", "b"]]).get()) == [1]
        p.join()
    assert [list(x) for x in got] == [[]]


def test_map_async_callback_exception_is_reported(monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(u.exc_value))

    def bad(_):
        raise RuntimeError("callback failed")
    with workq.Pool(1) as p:
        r = p.map_async([("a", "b")], callback=bad)
        assert list(r.get()) == [1]
    assert [str(e) for e in seen] == ["callback failed"]


def test_map_async_cancel_runs_error_callback(rng):
    pairs = [(rand_seq(rng, 2000), rand_seq(rng, 2000))] * 3000
    errors = []
    with workq.Pool(1) as p:
        r = p.map_async(pairs, error_callback=errors.append)
        r.cancel()
        assert r.wait() is True
        if r.successful():  # it may have finished before the cancel
            assert errors == []
        else:
            with pytest.raises(RuntimeError, match="cancelled"):
                r.get()
            assert len(errors) == 1 and isinstance(errors[0], RuntimeError)


def test_async_result_timeout(rng):
    pairs = [(rand_seq(rng, 3000), rand_seq(rng, 3000))] * 400
    with workq.Pool(1) as p:
        r = p.map_async(pairs)
        assert r.wait(0) in (False, True)
        if not r.ready():
            with pytest.raises(TimeoutError):
                r.get(timeout=0)
            with pytest.raises(ValueError, match="not ready"):
                r.successful()
        r.cancel()
        p.join()


def test_callback_may_not_wait():
    seen = []
    with workq.Pool(1) as p:
        def cb(_):
            try:
                p.join()
            except RuntimeError as e:
                seen.append(str(e))
        p.map_async([("a", "b")], callback=cb).get()
    assert seen == ["join: cannot wait from a map_async callback"]


@pytest.mark.parametrize("pairs, exc, msg", [
    ([("a",)], ValueError, "pairs[0]: expected 2 items, not 1"),
    ([("a", "b"), "ab"], TypeError, "pairs[1]: expected a pair (a, b), not str"),
    ([("a", 3)], TypeError, "pairs[0][1]: expected str or bytes, not int"),
    ([("é", "a")], ValueError, "pairs[0][0]: str is not ASCII"),
    (7, TypeError, "not iterable"),
])
def test_map_async_errors(pairs, exc, msg):
    with workq.Pool(1) as p:
        with pytest.raises(exc) as info:
            p.map_async(pairs)
        assert msg in str(info.value)
        with pytest.raises(TypeError, match="callable"):
            p.map_async([("a", "b")], callback=3)


def test_async_result_not_constructible():
    with pytest.raises(TypeError):
        workq.AsyncResult()
