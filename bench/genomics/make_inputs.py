#!/usr/bin/python3
"""Deterministic benchmark inputs for genomics (fixed seed), drawn by
bench/common/seqgen from the tests' generator (tests/common/test_seq.h).

    make_inputs.py pairs N LEN [RATE] > pairs.txt   N lines `seqA,seqB`; B is A
                                                    with edits at RATE of its
                                                    positions (a whole per
                                                    mille; a third each
                                                    substitutions, insertions,
                                                    deletions), or without
                                                    RATE unrelated, random
    make_inputs.py fasta N LEN > seqs.fa            N records of random DNA
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "common"))
import seqgen  # noqa: E402

SEED = 20261125


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[1] not in ("pairs", "fasta") or \
            (sys.argv[1] == "fasta" and len(sys.argv) == 5):
        sys.exit(__doc__)
    args = [sys.argv[1], int(sys.argv[2]), int(sys.argv[3])]
    if len(sys.argv) == 5:
        args.append(seqgen.per_mille(sys.argv[4]))
    seqgen.run(args + ["-s", SEED])


if __name__ == "__main__":
    main()
