#!/usr/bin/python3
"""Times shell commands side by side: alternating rounds, medians.

    timeit.py [-r ROUNDS] [-i INPUT] NAME=COMMAND [NAME=COMMAND ...]

Each round runs every command once, in turn, so a noisy machine slows them
all alike. A command's stdout goes to /dev/null (stdin from INPUT when
given); a non-zero exit aborts. Prints one TSV line per command:
NAME, median wall seconds, min, max, median peak RSS in KiB (measured by
/usr/bin/time around the command: a child forked from Python itself would
report Python's own size as its peak).
"""
import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

RSS_FILE = os.path.join(tempfile.gettempdir(), f"timeit-rss-{os.getpid()}")


def run_once(cmd, stdin_path):
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    t0 = time.monotonic()
    argv = ["/usr/bin/time", "-f", "%M", "-o", RSS_FILE] + shlex.split(cmd)
    proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.DEVNULL)
    _, status, _ = os.wait4(proc.pid, 0)
    elapsed = time.monotonic() - t0
    with open(RSS_FILE) as f:
        peak = int(f.read().split()[-1])
    if stdin_path:
        stdin.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"timeit: '{cmd}' exited with {proc.returncode}")
    return elapsed, peak


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-r", "--rounds", type=int, default=5)
    ap.add_argument("-i", "--input")
    ap.add_argument("commands", nargs="+")
    args = ap.parse_args()
    named = [c.split("=", 1) for c in args.commands]
    times = {n: [] for n, _ in named}
    rss = {n: [] for n, _ in named}
    for _ in range(args.rounds):
        for name, cmd in named:
            t, m = run_once(cmd, args.input)
            times[name].append(t)
            rss[name].append(m)
    for name, _ in named:
        ts = times[name]
        print(f"{name}\t{statistics.median(ts):.6f}\t{min(ts):.6f}\t{max(ts):.6f}"
              f"\t{int(statistics.median(rss[name]))}")


if __name__ == "__main__":
    main()
