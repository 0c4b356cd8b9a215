#!/usr/bin/python3
"""Times commands side by side: alternating rounds, medians.

    timeit.py [-r ROUNDS] [-i INPUT] [--self-time REGEX] NAME=COMMAND ...

Each round runs every command once, in turn, so a noisy machine slows them
all alike. A command's stdout goes to /dev/null (stdin from INPUT when
given); a non-zero exit aborts. Prints one TSV line per command:
NAME, median wall seconds, min, max, median peak RSS in KiB (measured by
/usr/bin/time around the command: a child forked from Python itself would
report Python's own size as its peak).

With --self-time, stdout is read instead and REGEX's first group is the
time the program reports for its own computation (pi's "Time = ... sec");
two more columns follow: its median, and the first line of the output.
"""
import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

RSS_FILE = os.path.join(tempfile.gettempdir(), f"timeit-rss-{os.getpid()}")


def run_once(cmd, stdin_path, self_time):
    """One run: (wall seconds, peak RSS KiB, self-reported seconds, first line)."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    stdout = subprocess.PIPE if self_time else subprocess.DEVNULL
    t0 = time.monotonic()
    argv = ["/usr/bin/time", "-f", "%M", "-o", RSS_FILE] + shlex.split(cmd)
    proc = subprocess.Popen(argv, stdin=stdin, stdout=stdout)
    out = proc.stdout.read().decode() if self_time else ""
    _, status, _ = os.wait4(proc.pid, 0)
    elapsed = time.monotonic() - t0
    with open(RSS_FILE) as f:
        peak = int(f.read().split()[-1])
    if stdin_path:
        stdin.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"timeit: '{cmd}' exited with {code}")
    own = None
    if self_time:
        m = re.search(self_time, out, re.M)
        if not m:
            sys.exit(f"timeit: '{cmd}' printed no match for {self_time!r}")
        own = float(m.group(1))
    return elapsed, peak, own, out.split("\n", 1)[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-r", "--rounds", type=int, default=5)
    ap.add_argument("-i", "--input")
    ap.add_argument("--self-time")
    ap.add_argument("commands", nargs="+")
    args = ap.parse_args()
    named = [c.split("=", 1) for c in args.commands]
    runs = {n: [] for n, _ in named}
    for _ in range(args.rounds):
        for name, cmd in named:
            runs[name].append(run_once(cmd, args.input, args.self_time))
    for name, _ in named:
        ts = [r[0] for r in runs[name]]
        line = (f"{name}\t{statistics.median(ts):.6f}\t{min(ts):.6f}\t{max(ts):.6f}"
                f"\t{int(statistics.median(r[1] for r in runs[name]))}")
        if args.self_time:
            line += f"\t{statistics.median(r[2] for r in runs[name]):.9f}\t{runs[name][-1][3]}"
        print(line)


if __name__ == "__main__":
    main()
