#!/usr/bin/python3
"""The same work as a Python user and as a shell user has it, in alternating
rounds (median, min, max):

    call_vs_cli.py FILE GENOMICS [ROUNDS] [WORKERS]

  call   workq.distances(a, b, workers=WORKERS) on the pairs of FILE, held
         in memory as two lists of str (as a Python program has them once
         read); the time of the call alone
  cli    GENOMICS -w WORKERS -q FILE, the whole process (it reads FILE,
         computes, and prints the lesson's lines to /dev/null), timed from
         spawn to exit

WORKERS defaults to 2. With WORKQ_ROUNDS_OUT set, a last line `rounds`
gives every round's seconds, the call's then the CLI's (ab_busy.sh). The call's distances are checked against the
numbers the CLI prints, once. Prints one TSV line per contender: name,
median seconds, min, max, then the median CPU seconds (all threads; the
CLI's from RUSAGE_CHILDREN) and the median page faults of one round, which
a loaded machine changes far less than the wall time.
"""
import os
import resource
import statistics
import subprocess
import sys
import time

import workq


def load(path):
    with open(path, "rb") as f:
        lines = f.read().decode("ascii").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    pairs = [line.split(",", 1) for line in lines]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def main():
    path, gen = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    workers = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    a, b = load(path)
    cli = [gen, "-w", str(workers), "-q", path]
    printed = subprocess.run(cli, stdout=subprocess.PIPE, check=True).stdout.decode()
    want = [int(line.rsplit(" = ", 1)[1]) for line in printed.splitlines()]
    if list(workq.distances(a, b, workers=workers)) != want:
        sys.exit("call_vs_cli: workq.distances disagrees with the CLI")
    times = {"call": [], "cli": []}
    cpu = {"call": [], "cli": []}
    faults = {"call": [], "cli": []}

    def usage(who):
        r = resource.getrusage(who)
        return r.ru_utime + r.ru_stime, r.ru_minflt + r.ru_majflt

    def timed(name, who, run):
        c0, f0 = usage(who)
        t0 = time.perf_counter()
        run()
        times[name].append(time.perf_counter() - t0)
        c1, f1 = usage(who)
        cpu[name].append(c1 - c0)
        faults[name].append(f1 - f0)

    for _ in range(rounds):
        timed("cli", resource.RUSAGE_CHILDREN,
              lambda: subprocess.run(cli, stdout=subprocess.DEVNULL, check=True))
        timed("call", resource.RUSAGE_SELF, lambda: workq.distances(a, b, workers=workers))
    for name, ts in times.items():
        print(f"{name}\t{statistics.median(ts):.6f}\t{min(ts):.6f}\t{max(ts):.6f}"
              f"\t{statistics.median(cpu[name]):.6f}\t{statistics.median(faults[name]):.0f}")
    if os.environ.get("WORKQ_ROUNDS_OUT"):  # every round: the call's, then the CLI's
        print("rounds\t" + "\t".join(f"{t:.6f}" for t in times["call"] + times["cli"]))


if __name__ == "__main__":
    main()
