#!/usr/bin/env python3
"""same_partition.py OURS.tsv SWARM.txt: exits 0 when genomics --cluster -f tsv
(members in column 3, comma-separated FASTA ids, which carry the _1) and swarm's OTU list (one
line per OTU, members `id_abundance` separated by spaces) are the same
partition of the same records; prints the cluster count."""
import sys


def ours(path):
    with open(path) as f:
        return {frozenset(line.rstrip("\n").split("\t")[2].split(",")) for line in f}


def swarm(path):
    with open(path) as f:
        return {frozenset(line.split()) for line in f if line.strip()}


a, b = ours(sys.argv[1]), swarm(sys.argv[2])
print(len(a))
sys.exit(0 if a == b else 1)
