"""workq.distance, distances and cdist against python3-levenshtein, and every
argument error."""
import array

import Levenshtein
import pytest

import workq
from conftest import rand_seq


def test_version_is_the_projects():
    import os
    import re
    root = os.environ.get("WORKQ_SOURCE_DIR")
    if root is None:
        root = os.path.join(os.path.dirname(__file__), "..", "..")
    with open(os.path.join(root, "CMakeLists.txt")) as f:
        version = re.search(r"project\(workq VERSION ([0-9.]+)", f.read()).group(1)
    assert workq.__version__ == version


def test_distance_known_values():
    assert workq.distance("kitten", "sitting") == 3
    assert workq.distance("", "") == 0
    assert workq.distance("", "acgt") == 4
    assert workq.distance(b"attctg", b"accagt") == 4
    assert workq.distance("ccat", b"agcattacg") == 6


def test_distance_random_vs_levenshtein(rng):
    for _ in range(2000):
        a = rand_seq(rng, rng.randint(0, 200))
        b = rand_seq(rng, rng.randint(0, 200))
        assert workq.distance(a, b) == Levenshtein.distance(a, b)


def test_distance_long_vs_levenshtein(rng):
    a, b = rand_seq(rng, 3000), rand_seq(rng, 2500)
    assert workq.distance(a, b) == Levenshtein.distance(a, b)


def test_distance_max_distance(rng):
    for _ in range(500):
        a = rand_seq(rng, rng.randint(0, 80))
        b = rand_seq(rng, rng.randint(0, 80))
        k = rng.randint(0, 60)
        d = Levenshtein.distance(a, b)
        assert workq.distance(a, b, max_distance=k) == (d if d <= k else k + 1)


def test_distances_random_vs_levenshtein(rng):
    a = [rand_seq(rng, rng.randint(0, 300)) for _ in range(3000)]
    b = [rand_seq(rng, rng.randint(0, 300)) for _ in range(3000)]
    for workers in (None, 1, 2, 3):
        d = workq.distances(a, b, workers=workers)
        assert isinstance(d, array.array)
        assert list(d) == [Levenshtein.distance(x, y) for x, y in zip(a, b)]


def test_distances_max_distance_and_iterables(rng):
    a = [rand_seq(rng, rng.randint(0, 40)).encode() for _ in range(1000)]
    b = [rand_seq(rng, rng.randint(0, 40)).encode() for _ in range(1000)]
    d = workq.distances(iter(a), (x for x in b), max_distance=7, workers=2)
    want = [min(Levenshtein.distance(x, y), 8) for x, y in zip(a, b)]
    assert list(d) == want


def test_distances_empty():
    assert list(workq.distances([], [])) == []


def test_distances_buffer_protocol():
    d = workq.distances(["abc", "abcd"], ["abd", ""])
    m = memoryview(d)
    assert m.itemsize == array.array(d.typecode).itemsize and m.tolist() == [1, 4]


def test_cdist_dense_vs_levenshtein(rng):
    q = [rand_seq(rng, rng.randint(0, 100)) for _ in range(40)]
    t = [rand_seq(rng, rng.randint(0, 100)) for _ in range(300)]
    m = workq.cdist(q, t, workers=2)
    assert m.shape == (40, 300)
    assert m.tolist() == [[Levenshtein.distance(x, y) for y in t] for x in q]


def test_cdist_empty():
    assert workq.cdist([], ["a"]).tolist() == []
    assert workq.cdist(["a"], []).tolist() == []


@pytest.mark.parametrize("call, exc, msg", [
    (lambda: workq.distance("a", 1), TypeError, "b: expected str or bytes, not int"),
    (lambda: workq.distance("é", "a"), ValueError, "a: str is not ASCII"),
    (lambda: workq.distance(bytearray(b"a"), "a"), TypeError, "a: expected str or bytes"),
    (lambda: workq.distance("a", "b", max_distance=-1), ValueError, "max_distance: must be >= 0"),
    (lambda: workq.distance("a", "b", max_distance="3"), TypeError, "max_distance: expected an int"),
    (lambda: workq.distance("a", "b", max_distance=True), TypeError, "max_distance: expected"),
    (lambda: workq.distance("a", "b", mode="local"), ValueError,
     "mode: expected 'global', 'prefix' or 'infix', not 'local'"),
    (lambda: workq.distances(["a"], ["b"], mode="semi"), ValueError, "mode: expected"),
    (lambda: workq.align("a", "b", mode="local"), ValueError, "mode: expected"),
    (lambda: workq.align("a", 3), TypeError, "b: expected str or bytes"),
    (lambda: workq.all_pairs(["a"], None), TypeError, "max_distance: expected an int, not None"),
    (lambda: workq.all_pairs(["a"], -1), ValueError, "max_distance: must be >= 0"),
    (lambda: workq.all_pairs("abc", 1), TypeError, "seqs: expected an iterable"),
    (lambda: workq.clusters([b"a", 1], 1), TypeError, "seqs[1]: expected str or bytes"),
    (lambda: workq.cdist(["a"], [1], max_distance=1), TypeError, "targets[0]: expected str"),
    (lambda: workq.all_pairs(["a"], 1, workers=0), ValueError, "workers: must be between"),
    (lambda: workq.distance("a", "b", 3), TypeError, "positional"),
    (lambda: workq.distances(["a"], ["b", "c"]), ValueError, "differ in length (1 and 2)"),
    (lambda: workq.distances("ab", ["a", "b"]), TypeError, "not a single str"),
    (lambda: workq.distances(["a"], b"b"), TypeError, "not a single bytes"),
    (lambda: workq.distances(5, ["a"]), TypeError, "seqs_a: expected an iterable"),
    (lambda: workq.distances(["a", 5], ["b", "c"]), TypeError, "seqs_a[1]: expected str or bytes"),
    (lambda: workq.distances(["a"], ["ü"]), ValueError, "seqs_b[0]: str is not ASCII"),
    (lambda: workq.distances(["a"], ["b"], workers=0), ValueError, "workers: must be between"),
    (lambda: workq.distances(["a"], ["b"], workers=2.0), TypeError, "workers: expected an int"),
    (lambda: workq.cdist(["a"], "b"), TypeError, "targets: expected an iterable"),
    (lambda: workq.pi(0), ValueError, "intervals: must be between"),
    (lambda: workq.pi(2**60), ValueError, "intervals: must be between"),
    (lambda: workq.pi(-1), ValueError, "intervals: must be between"),
    (lambda: workq.pi(1.5), TypeError, "must be int"),
    (lambda: workq.pi(10, chunks=11), ValueError, "chunks: expected an int"),
    (lambda: workq.pi(10, chunks=0), ValueError, "chunks: expected an int"),
])
def test_errors(call, exc, msg):
    with pytest.raises(exc) as info:
        call()
    assert msg in str(info.value)


def test_generator_error_propagates():
    def gen():
        yield "a"
        raise KeyError("boom")
    with pytest.raises(KeyError):
        workq.distances(gen(), ["a", "b"])
