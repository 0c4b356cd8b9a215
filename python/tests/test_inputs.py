"""How inputs reach the engine: every item's bytes are copied before the GIL is
released, into one block per argument (from 16 KiB up a mapping the module
keeps for the next call, up to 128 MiB in all and 32 MiB each, wiped in a
forked child; on huge pages from 2 MiB up). The caller's objects are only
read: another thread may replace or free them during the call, their
reference counts never change, and the block is traced by tracemalloc while
it lives."""
import os
import subprocess
import sys
import threading
import time
import tracemalloc

import Levenshtein
import pytest

import workq
from conftest import rand_seq


def during(call, action):
    """Runs call() (a lambda whose body is one workq call) on this thread and
    action() on another once this one is inside the call: with a huge switch
    interval the other thread runs only when this one gives up the GIL,
    which it does only inside the engine. Returns call()'s result and
    whether action() ran."""
    main, over, ran = threading.get_ident(), threading.Event(), []

    def watch():
        while not over.is_set():
            if sys._current_frames()[main].f_code is call.__code__:
                action()
                ran.append(True)
                return
            time.sleep(0.0005)

    t = threading.Thread(target=watch)
    t.start()
    try:
        result = call()
    finally:
        over.set()
        t.join()
    return result, ran == [True]


def test_big_block_vs_levenshtein(rng):
    # 120,000 pairs: 16 bytes of views a pair plus the bytes, over 2 MiB a side
    a = [rand_seq(rng, rng.randint(0, 20)) for _ in range(120_000)]
    b = [rand_seq(rng, rng.randint(0, 20)).encode() for _ in range(120_000)]
    d = workq.distances(a, b, workers=2)
    assert list(d) == [Levenshtein.distance(x, y.decode()) for x, y in zip(a, b)]


def test_item_kinds_and_lengths(rng):
    class S(str):
        pass
    a = ["", "a" * 8, "acgt" * 4, "t" * 17, S("gattaca"), b"ac" * 300, bytes(7), S("c" * 9)]
    b = ["acgt", "", "acgt" * 4 + "a", b"t" * 16, "gatta", "ca" * 299, b"\0" * 6, "c" * 15]
    want = [Levenshtein.distance(x if isinstance(x, str) else x.decode("latin-1"),
                                 y if isinstance(y, str) else y.decode("latin-1"))
            for x, y in zip(a, b)]
    assert list(workq.distances(a, b)) == want
    assert list(workq.distances(tuple(a), iter(b), workers=1)) == want


def test_items_replaced_during_the_call(rng, no_switching):
    # long pairs, so that the call outlives the other thread's replacements
    a = [rand_seq(rng, 2000) for _ in range(400)]
    b = [rand_seq(rng, 2000) for _ in range(400)]
    want = [Levenshtein.distance(x, y) for x, y in zip(a, b)]

    def replace_all():
        for k in range(len(a)):
            a[k] = "x"  # the original str is freed here
            b[k] = b"y" * 3

    d, ran = during(lambda: workq.distances(a, b, workers=2), replace_all)
    assert ran
    assert list(d) == want
    assert list(workq.distances(a, b)) == [3] * len(a)


def test_reference_counts_untouched_during_the_call(rng, no_switching):
    a = [rand_seq(rng, 2000) for _ in range(400)]
    b = [rand_seq(rng, 2000) for _ in range(400)]
    before = [sys.getrefcount(x) for x in a[:50]] + [sys.getrefcount(x) for x in b[:50]]
    seen = []

    def look():
        seen.extend([sys.getrefcount(x) for x in a[:50]] + [sys.getrefcount(x) for x in b[:50]])

    _, ran = during(lambda: workq.distances(a, b, workers=2), look)
    assert ran
    assert seen == before
    assert [sys.getrefcount(x) for x in a[:50]] + [sys.getrefcount(x) for x in b[:50]] == before


def test_block_traced_while_it_lives(rng, no_switching):
    # 1000 items of 2500 bytes a side: the mapped path, and a long call
    a = [rand_seq(rng, 2500)] * 1000
    b = [rand_seq(rng, 2500)] * 1000
    seen = []
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        d, ran = during(lambda: workq.distances(a, b),
                        lambda: seen.append(tracemalloc.get_traced_memory()[0] - before))
        after = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert ran
    assert list(d) == [Levenshtein.distance(a[0], b[0])] * 1000
    assert seen[0] >= 2 * 2500 * 1000
    assert after < 64 * 1024


def test_bad_last_item_of_a_big_list_frees_everything(rng):
    a = [rand_seq(rng, 20) for _ in range(150_000)]
    b = list(a)
    b[-1] = 7
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        with pytest.raises(TypeError, match=r"seqs_b\[149999\]: expected str or bytes, not int"):
            workq.distances(a, b)
        b[-1] = "é"
        with pytest.raises(ValueError, match=r"targets\[149999\]: str is not ASCII"):
            workq.cdist(a[:3], b)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 64 * 1024


def pairs_of(rng, n, length):
    """n pairs of lengths length/2 to length: slices of one random text (fast
    to make), a as str and b as bytes, with their distances."""
    text = rand_seq(rng, 4 * length + 64)

    def piece():
        k = rng.randint(length // 2, length)
        at = rng.randint(0, len(text) - k)
        return text[at:at + k]
    a = [piece() for _ in range(n)]
    b = [piece().encode() for _ in range(n)]
    return a, b, [Levenshtein.distance(x, y.decode()) for x, y in zip(a, b)]


def test_kept_blocks_across_sizes(rng):
    # blocks from 16 KiB to about 3 MiB, growing and shrinking, so that
    # calls take kept mappings larger than they need, map new ones and
    # give back more than the module keeps slots for
    for n, length in [(40, 500), (400, 500), (4000, 50), (3000, 100), (40, 500),
                      (20000, 30), (30, 1000), (3, 20)]:
        a, b, want = pairs_of(rng, n, length)
        assert list(workq.distances(a, b, workers=2)) == want
        assert list(workq.distances(b, a, workers=1)) == want


def test_kept_blocks_from_threads_at_once(rng):
    sets = [pairs_of(rng, n, length)
            for n, length in [(300, 400), (60, 900), (1000, 60), (200, 200)]]
    got = [[] for _ in range(8)]

    def run(k):
        a, b, _ = sets[k % 4]
        for _ in range(4):
            got[k].append(list(workq.distances(a, b, workers=2)))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(8):
        assert got[k] == [sets[k % 4][2]] * 4


def test_block_too_big_to_keep(rng):
    big = b"ac" * (20 << 20)  # 40 MiB: over what the module keeps, so unmapped
    small_a, small_b, want = pairs_of(rng, 300, 400)
    # max_distance: the lengths alone settle the long pair, so only the copy costs
    assert list(workq.distances([big, b"ca"], [b"ca", big[:5]], max_distance=3)) == [4, 3]
    assert all(size <= 32 << 20 for _, size in workq._workq._kept())
    assert list(workq.distances(small_a, small_b)) == want


def test_kept_blocks_serve_the_next_call_whole(rng):
    # 600,000 pairs of 24 bytes: four blocks of 10 and 16 MiB, over the
    # 32 MiB the module once kept in all (so every such call mapped two
    # afresh). Now the next call takes all four: it maps and unmaps nothing,
    # and its results are the same.
    text = rand_seq(rng, 1 << 16).encode()
    n, k = 600_000, 24
    at = [rng.randrange(len(text) - k) for _ in range(2 * n)]
    a = [text[i:i + k] for i in at[:n]]
    b = [text[i:i + k].decode() for i in at[n:]]
    want = [Levenshtein.distance(x.decode(), y) for x, y in zip(a, b)]
    assert list(workq.distances(a, b, workers=2)) == want
    kept = workq._workq._kept()
    assert sum(size for _, size in kept) > 32 << 20
    for _ in range(3):
        assert list(workq.distances(a, b, workers=2)) == want
        assert workq._workq._kept() == kept
    assert list(workq.distances(b, a, max_distance=3, workers=1)) == [min(d, 4) for d in want]
    assert workq._workq._kept() == kept


class Str(str):
    pass


class Bytes(bytes):
    pass


def at_once_inputs(rng, n, subclasses=True):
    """Two arguments long enough to be copied at once (one on the calling
    thread, one on a worker): a's first item is the longest, so a's first
    block holds it all; b's is empty, so b's fills at once and the rest of b
    is copied with every check. Both mix str, bytes and (with subclasses)
    their subclasses, which only the checked copy takes, and lengths 0 to
    40."""
    text = rand_seq(rng, 4096)
    kinds = [str, str, str, lambda x: x.encode()]
    if subclasses:
        kinds += [Str, lambda x: Bytes(x.encode())]

    def item(k):
        at = rng.randrange(len(text) - k)
        return rng.choice(kinds)(text[at:at + k])
    a = [text[:40]] + [item(rng.randint(0, 40)) for _ in range(n - 1)]
    b = [b""] + [item(rng.randint(0, 40)) for _ in range(n - 1)]
    plain = [x.decode() if isinstance(x, bytes) else str(x) for x in a + b]
    want = [Levenshtein.distance(x, y) for x, y in zip(plain[:n], plain[n:])]
    return a, b, want


def test_copy_at_once_vs_levenshtein(rng):
    a, b, want = at_once_inputs(rng, 40_000)
    assert list(workq.distances(a, b)) == want
    assert list(workq.distances(tuple(b), a, workers=2)) == want
    assert list(workq.distances(a, tuple(b), workers=1)) == want  # one after the other
    assert list(workq.distances(iter(a), b, workers=2)) == want  # not a list: the same
    for workers in (1, 2):
        with workq.Pool(workers) as pool:
            assert list(pool.distances(a, b)) == want
            assert list(pool.distances(b, a, max_distance=5)) == [min(d, 6) for d in want]
    # str and bytes only: a is copied whole by the fast copy (on either thread)
    a, b, want = at_once_inputs(rng, 40_000, subclasses=False)
    assert list(workq.distances(a, b, workers=2)) == want
    assert list(workq.distances(a, a, workers=2)) == [0] * len(a)


# Run in a fresh interpreter, which keeps no mappings yet, so that the data
# blocks are sized as the first items ask (a kept block would be larger).
SPILL_SCRIPT = r"""
import random
import Levenshtein
import workq
class Str(str): pass
class Bytes(bytes): pass
rng = random.Random(15)
text = "".join(rng.choice("acgt") for _ in range(4096))
def piece(k):
    at = rng.randrange(len(text) - k)
    return text[at:at + k]
n = 16 * 2048 + 1000  # over COPY_AT_ONCE_MIN (32768)
a = [piece(20)] + [piece(rng.randint(0, 48)) for _ in range(n - 1)]
b = [""] + [piece(24) for _ in range(n - 1)]
for i in (2047, 2048, 2 * 2048 - 1, n - 1):
    a[i], b[i] = Str(a[i]), Bytes(b[i].encode())
want = [Levenshtein.distance(str(x), y.decode() if isinstance(y, bytes) else y)
        for x, y in zip(a, b)]
assert workq._workq._kept() == []
assert list(workq.distances(a, b, workers=2)) == want
kept = len(workq._workq._kept())  # views and data of each side, and the spill blocks
for _ in range(3):
    assert list(workq.distances(a, b, workers=2)) == want
    assert list(workq.distances(tuple(b), a, workers=2)) == want
with workq.Pool(2) as pool:
    assert list(pool.distances(a, b)) == want
assert list(workq.distances(a, b, workers=1)) == want  # one after the other
for x, y in ((a, b + b[:5000]), (a + a[:5000], b)):  # more chunks on one side
    try:
        workq.distances(x, y, workers=2)
    except ValueError as e:
        assert "differ in length" in str(e)
    else:
        raise AssertionError("no ValueError")
print(kept)
"""


def test_copy_at_once_chunks_that_fit_and_chunks_that_spill():
    # Copied at once, each side is cut in chunks of 2048 items, and every
    # chunk claims room for its bytes in a block sized for n items like the
    # first. a's first item is 20 bytes and the rest 0 to 48 (24 on
    # average): the block runs out part way, and the chunks that find no
    # room are copied after, into what is left of it and then into spill
    # blocks; b's first item is empty and the rest 24 bytes, so that b's
    # whole chunks find no room and go to spill blocks of growing size.
    # Items the fast copy does not take (str and bytes subclasses) sit at
    # the edges of chunks: the first and last items of a chunk, and the last
    # item of all. Which chunks fit depends on the order the threads claim
    # room in; the distances never do.
    out = subprocess.run([sys.executable, "-c", SPILL_SCRIPT], timeout=120, check=True,
                         capture_output=True, text=True).stdout
    assert int(out) > 4  # spill blocks were used, and given back


# Run in a fresh interpreter, as SPILL_SCRIPT is: a's first item is 10
# bytes, so a's data block is sized for 11 bytes an item and the long items
# fill it part way.
STAGE_SCRIPT = r"""
import random
import Levenshtein
import workq
rng = random.Random(16)
text = "".join(rng.choice("acgt") for _ in range(50_000))
def piece(k):
    at = rng.randrange(len(text) - k)
    return text[at:at + k]
n = 20 * 2048  # over COPY_AT_ONCE_MIN (32768)
a = [piece(10)] + [piece(rng.randint(0, 30)) for _ in range(n - 1)]
b = [piece(rng.randint(10, 40)) for _ in range(n)]
# longer than a thread's room (32 KiB) alone, at the first, a middle and
# the last item of chunks, and two in a row; a long item of a beside a
# short one of b, and the other way round
for i in (2048, 2048 + 700, 2 * 2048 - 1, 5 * 2048 + 3, 5 * 2048 + 4, n - 1):
    a[i] = piece(40_000 + i % 7)
for i in (1, 3 * 2048 + 1000, 3 * 2048 + 1001):
    b[i] = piece(33_000 + i % 5)
# chunks whose bytes fill a room several times
for i in range(7 * 2048, 8 * 2048):
    a[i], b[i] = piece(200), piece(150)
want = [Levenshtein.distance(x, y) for x, y in zip(a, b)]
assert workq._workq._kept() == []
for _ in range(3):  # in fresh blocks, then in the kept ones
    assert list(workq.distances(a, b, workers=2)) == want
    assert list(workq.distances(b, a, workers=3)) == want
print("ok")
"""


def test_copy_at_once_items_longer_than_a_room():
    # A thread copies its chunks' items straight into room it claims 32 KiB
    # at a time, a new room whenever the next item does not fit in what is
    # left; an item longer than 32 KiB gets room claimed for it alone, or,
    # when the block has no such room left, is copied after with the items
    # that follow it in its chunk.
    out = subprocess.run([sys.executable, "-c", STAGE_SCRIPT], timeout=120, check=True,
                         capture_output=True, text=True).stdout
    assert out == "ok\n"


def test_copy_at_once_errors_as_one_after_the_other(rng):
    a, b, _ = at_once_inputs(rng, 40_000)
    bad_a, bad_b, bad_b2, longer_b = list(a), list(b), list(b), b + ["a"]
    bad_a[35_000], bad_b[100] = 3.5, None  # a's error comes first, as a is copied first
    bad_b2[39_999] = "ü"
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        with pytest.raises(TypeError, match=r"seqs_a\[35000\]: expected str or bytes, not float"):
            workq.distances(bad_a, bad_b, workers=2)
        with pytest.raises(ValueError, match=r"seqs_b\[39999\]: str is not ASCII"):
            workq.distances(a, bad_b2, workers=2)
        with pytest.raises(ValueError, match=r"differ in length \(40000 and 40001\)"):
            workq.distances(a, longer_b, workers=2)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 64 * 1024


def test_forked_child_reads_its_own_copies(rng):
    # the kept mappings are wiped in a child: its calls copy afresh (20 KB
    # a side, mapped, but one block of pairs, computed on the calling
    # thread: no pool in the child)
    a, b, want = pairs_of(rng, 2000, 10)
    assert list(workq.distances(a, b, workers=1)) == want
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        ok = b"0"
        try:
            ok = b"1" if list(workq.distances(b, a, workers=1)) == want else b"2"
        finally:
            os.write(w, ok)
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        said = f.read()
    assert os.waitpid(pid, 0)[1] == 0
    assert said == b"1"
    assert list(workq.distances(a, b, workers=1)) == want
