#!/usr/bin/env python3
"""make_set.py N LEN [SEED] [--planted FRAC] [--edits MAX]: N random DNA
sequences of length LEN, one per line; a fraction FRAC (default 0.1) of them
are copies of an earlier line with 1..MAX (default 2) random edits
(substitution, insertion or deletion), so they have neighbours within MAX.
Deterministic for a given seed."""
import argparse
import random
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("length", type=int)
    ap.add_argument("seed", type=int, nargs="?", default=1)
    ap.add_argument("--planted", type=float, default=0.1)
    ap.add_argument("--edits", type=int, default=2)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    seqs = []
    out = sys.stdout
    for i in range(a.n):
        if i > 0 and rnd.random() < a.planted:
            s = list(seqs[rnd.randrange(i)])
            for _ in range(rnd.randint(1, a.edits)):
                at = rnd.randrange(len(s) + 1)
                kind = rnd.randrange(3)
                if kind == 0:
                    s.insert(at, rnd.choice("ACGT"))
                elif at < len(s) and kind == 1:
                    del s[at]
                elif at < len(s):
                    s[at] = rnd.choice("ACGT".replace(s[at], ""))
            s = "".join(s)
        else:
            s = "".join(rnd.choices("ACGT", k=a.length))
        seqs.append(s)
        out.write(s + "\n")


if __name__ == "__main__":
    main()
