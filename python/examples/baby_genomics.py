#!/usr/bin/python3
"""The lesson's "baby genomics" exercise with its map_async bonus, in workq.

    baby_genomics.py [PAIRS_FILE]

As in the lesson's solution: a pool of 2 workers, map_async over the pairs,
and printRes as the callback, called once with every result in input order,
printing one `Edit_Distance(seqA, seqB) = D` line per pair. The pairs are
the lesson's six, or the `seqA,seqB` lines of PAIRS_FILE.
"""
import sys

import workq

LESSON_PAIRS = [["attctg", "accagt"], ["ccat", "agcattacg"], ["tacagg", "cctgac"],
                ["gttcatgga", "tccg"], ["catgcg", "gagtac"], ["tcac", "tgcatgcgg"]]


def main():
    if len(sys.argv) > 1:
        with open(sys.argv[1]) as f:
            seqPairs = [line.strip().split(",", 1) for line in f if line.strip()]
    else:
        seqPairs = LESSON_PAIRS

    def printRes(results):
        for (seqA, seqB), d in zip(seqPairs, results):
            print("Edit_Distance(%s, %s) = %s" % (seqA, seqB, d))

    with workq.Pool(2) as workers:
        workers.map_async(seqPairs, callback=printRes)
        workers.join()


if __name__ == "__main__":
    main()
