"""all_pairs, clusters, cdist with max_distance (workq's search index),
distances in prefix and infix modes, and align, against brute force."""
import Levenshtein
import pytest

import workq
from conftest import rand_seq


def mutate(rng, s, edits):
    s = list(s)
    for _ in range(edits):
        k = rng.randrange(len(s) + 1)
        op = rng.randrange(3)
        if op == 0 and k < len(s):
            s[k] = rng.choice("acgt")
        elif op == 1 and k < len(s):
            del s[k]
        else:
            s.insert(k, rng.choice("acgt"))
    return "".join(s)


def family(rng, n=300, length=40):
    """Sequences in related groups, with exact duplicates."""
    roots = [rand_seq(rng, length) for _ in range(n // 10)]
    seqs = [mutate(rng, rng.choice(roots), rng.randint(0, 5)) for _ in range(n)]
    seqs += seqs[:15]
    return seqs


def brute_pairs(seqs, k):
    return [(i, j, d) for i in range(len(seqs)) for j in range(i + 1, len(seqs))
            if (d := Levenshtein.distance(seqs[i], seqs[j])) <= k]


@pytest.mark.parametrize("k", [0, 2, 5])
def test_all_pairs_vs_brute_force(rng, k):
    seqs = family(rng)
    i, j, d = workq.all_pairs(seqs, k, workers=2)
    assert list(zip(i, j, d)) == brute_pairs(seqs, k)
    with workq.Pool(2) as p:
        assert p.all_pairs(seqs, k) == (i, j, d)


def test_clusters_vs_brute_force(rng):
    seqs = family(rng)
    parent = list(range(len(seqs)))

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x
    for i, j, _ in brute_pairs(seqs, 3):
        a, b = find(i), find(j)
        parent[max(a, b)] = min(a, b)
    want = {}
    for x in range(len(seqs)):
        want.setdefault(find(x), []).append(x)
    got = workq.clusters(seqs, 3)
    assert got == [want[r] for r in sorted(want)]
    with workq.Pool(1) as p:
        assert p.clusters(seqs, 3) == got


def test_cdist_with_max_distance(rng):
    seqs = family(rng, n=200)
    q, t = seqs[:60], seqs[60:]
    i, j, d = workq.cdist(q, t, max_distance=4, workers=2)
    want = [(a, b, x) for a in range(len(q)) for b in range(len(t))
            if (x := Levenshtein.distance(q[a], t[b])) <= 4]
    assert list(zip(i, j, d)) == want


def test_search_empty():
    assert workq.all_pairs([], 3) == (workq.distances([], []),) * 3
    assert workq.clusters([], 3) == []
    assert workq.clusters(["a"], 0) == [[0]]


def mode_ref(a, b, mode):
    """The textbook DP with the mode's first and last rows."""
    prev = [0 if mode == "infix" else j for j in range(len(b) + 1)]
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j - 1] + (x != y), prev[j] + 1, cur[j - 1] + 1)
        prev = cur
    return prev[-1] if mode == "global" else min(prev)


@pytest.mark.parametrize("mode", ["global", "prefix", "infix"])
def test_modes_vs_reference(rng, mode):
    a = [rand_seq(rng, rng.randint(0, 30)) for _ in range(300)]
    b = [rand_seq(rng, rng.randint(0, 60)) for _ in range(300)]
    want = [mode_ref(x, y, mode) for x, y in zip(a, b)]
    assert list(workq.distances(a, b, mode=mode, workers=2)) == want
    assert [workq.distance(x, y, mode=mode) for x, y in zip(a, b)] == want
    assert list(workq.distances(a, b, mode=mode, max_distance=3)) == [min(w, 4) for w in want]


def apply_cigar(cigar, a, b):
    """Checks the CIGAR walks a whole and b[start:end]; returns its edits."""
    import re
    ia = ib = edits = 0
    for count, op in re.findall(r"(\d+)([=XID])", cigar):
        for _ in range(int(count)):
            if op in "=X":
                assert (a[ia] == b[ib]) == (op == "=")
                ia, ib = ia + 1, ib + 1
            elif op == "I":
                ia += 1
            else:
                ib += 1
            edits += op != "="
    assert ia == len(a) and ib == len(b)
    return edits


@pytest.mark.parametrize("mode", ["global", "prefix", "infix"])
def test_align(rng, mode):
    for _ in range(200):
        a = rand_seq(rng, rng.randint(0, 40))
        b = mutate(rng, "g" * rng.randint(0, 5) + a + "t" * rng.randint(0, 5), 3) \
            if a else rand_seq(rng, 5)
        al = workq.align(a, b, mode=mode)
        assert al.distance == mode_ref(a, b, mode)
        assert apply_cigar(al.cigar, a, b[al.start:al.end]) == al.distance
        if mode == "global":
            assert (al.start, al.end) == (0, len(b))
        if mode == "prefix":
            assert al.start == 0
    assert workq.align("kitten", "sitting") == (3, "1X3=1X1=1D", 0, 7)
    assert tuple(workq.align(b"", b"")) == (0, "", 0, 0)
