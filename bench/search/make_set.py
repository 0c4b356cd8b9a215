#!/usr/bin/env python3
"""make_set.py N LEN [SEED] [--planted FRAC] [--edits MAX]: N random DNA
sequences of length LEN, one per line; a fraction FRAC (default 0.1, a
whole per mille) of them are copies of an earlier line with 1..MAX (default
2) random edits (substitution, insertion or deletion), so they have
neighbours within MAX. Deterministic for a given seed: drawn by
bench/common/seqgen from the tests' generator (tests/common/test_seq.h)."""
import argparse
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "common"))
import seqgen  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("length", type=int)
    ap.add_argument("seed", type=int, nargs="?", default=1)
    ap.add_argument("--planted", type=float, default=0.1)
    ap.add_argument("--edits", type=int, default=2)
    a = ap.parse_args()
    seqgen.run(["set", a.n, a.length, "-s", a.seed, "-p", seqgen.per_mille(a.planted),
                "-e", a.edits])


if __name__ == "__main__":
    main()
