#!/usr/bin/python3
"""Deterministic benchmark inputs for genomics (fixed seed).

    make_inputs.py pairs N LEN [RATE] > pairs.txt   N lines `seqA,seqB`; B is A
                                                    mutated at RATE (default:
                                                    unrelated, random)
    make_inputs.py fasta N LEN > seqs.fa            N records of random DNA
"""
import random
import sys


def rand_seq(rng, n):
    return "".join(rng.choice("acgt") for _ in range(n))


def mutate(rng, s, rate):
    out = []
    for c in s:
        r = rng.random()
        if r < rate / 3:
            continue  # deletion
        if r < 2 * rate / 3:
            out.append(rng.choice("acgt"))  # substitution
        elif r < rate:
            out.append(c + rng.choice("acgt"))  # insertion
        else:
            out.append(c)
    return "".join(out)


def main():
    rng = random.Random(20261125)
    kind, n, length = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rate = float(sys.argv[4]) if len(sys.argv) > 4 else None
    w = sys.stdout.write
    for i in range(n):
        a = rand_seq(rng, length)
        if kind == "pairs":
            b = mutate(rng, a, rate) if rate is not None else rand_seq(rng, length)
            w(f"{a},{b}\n")
        else:
            w(f">s{i}\n{a}\n")


if __name__ == "__main__":
    main()
