"""Pools across calls and forks: workers=N keeps its pool for the next call
with N (calls at once on other threads make their own); a child forked
after calls (multiprocessing forks the interpreter) computes on pools of
its own, since the parent's threads are not in it, and refuses a
workq.Pool made before the fork."""
import os
import subprocess
import sys
import threading
import time

import Levenshtein

import workq
from conftest import rand_seq

# Run in a fresh interpreter: it forks with engine threads running, and the
# child starts threads of its own, which TSan refuses unless told otherwise.
CHILD_SCRIPT = r"""
import os, sys, workq
a = ["acgt" * 125] * 4000                  # 8 blocks: the engine, not inline
b = ["tgca" * 100 + "acgt" * 25] * 4000
want = list(workq.distances(a, b))          # the module's pool, made here
assert list(workq.distances(a, b, workers=2)) == want  # a kept pool of 2
c = ["acgtacgtac"[k % 7:] for k in range(40000)]  # long lists: copied at once,
d = [b"tgcatgca"[k % 5:] for k in range(40000)]   # on the calling thread and a worker
want_cd = list(workq.distances(c, d, workers=2))
pi = workq.pi(10**6)
p = workq.Pool(2)
pid = os.fork()
if pid == 0:
    code = 0
    try:
        code = 1 if list(workq.distances(a, b)) != want else code
        code = 2 if list(workq.distances(a, b, workers=2)) != want else code
        code = 3 if workq.pi(10**6) != pi else code
        code = 6 if list(workq.distances(c, d, workers=2)) != want_cd else code
        code = 7 if list(workq.distances(d, c)) != want_cd else code
        try:
            p.distances(a, b)
            code = 4
        except RuntimeError as e:
            code = 5 if "another process" not in str(e) else code
        p.close()
    finally:
        os._exit(code)
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status), want[0], sum(want_cd))
assert list(p.distances(a, b)) == want and list(workq.distances(a, b, workers=2)) == want
p.close()
"""


def test_forked_child_makes_its_own_pools():
    env = dict(os.environ)
    if "TSAN_OPTIONS" in env:
        env["TSAN_OPTIONS"] += ":die_after_fork=0"
    out = subprocess.run([sys.executable, "-c", CHILD_SCRIPT], env=env, timeout=120,
                         check=True, capture_output=True, text=True).stdout
    c = ["acgtacgtac"[k % 7:] for k in range(40000)]
    d = ["tgcatgca"[k % 5:] for k in range(40000)]
    total = sum(Levenshtein.distance(x, y) for x, y in zip(c, d))
    assert out == f"0 {Levenshtein.distance('acgt' * 125, 'tgca' * 100 + 'acgt' * 25)} {total}\n"


def tasks():
    return len(os.listdir("/proc/self/task"))


def test_workers_n_keeps_its_pool(rng, no_switching):
    x, y = rand_seq(rng, 600), rand_seq(rng, 600)
    a, b = [x] * 1000, [y] * 1000  # several blocks: runs on a pool
    want = [Levenshtein.distance(x, y)] * 1000
    assert list(workq.distances(a, b, workers=5)) == want
    kept = tasks()
    seen = []
    main, over = threading.get_ident(), threading.Event()

    def watch():  # on another thread, while the next call computes
        while not over.is_set():
            if sys._current_frames()[main].f_code is call.__code__:
                seen.append(tasks())
            time.sleep(0.0005)

    def call():
        return list(workq.distances(a, b, workers=5))

    t = threading.Thread(target=watch)
    t.start()
    try:
        got = call()
    finally:
        over.set()
        t.join()
    assert got == want
    # the watcher is one thread more; a new pool of 5 would be 5 more
    assert seen and max(seen) <= kept + 1


def test_kept_pools_from_threads_at_once(rng):
    xs = [rand_seq(rng, 300) for _ in range(6)]
    ys = [rand_seq(rng, 300) for _ in range(6)]
    a, b = xs * 100, ys * 100
    want = [Levenshtein.distance(x, y) for x, y in zip(xs, ys)] * 100
    got = [[] for _ in range(6)]

    def run(k):
        for n in (2, 3, 2, 1, 2):
            got[k].append(list(workq.distances(a, b, workers=n if k % 2 else 2)))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [[want] * 5] * 6
