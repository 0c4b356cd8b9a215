"""Finds bench/common/seqgen, the benchmarks' one generator of sequences
(tests/common/test_seq.h, built with the benchmarks), and runs it in place
of the calling script. WORKQ_SEQGEN names it; else the Release and Debug
build trees of this checkout are tried."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))


def find():
    env = os.environ.get("WORKQ_SEQGEN")
    if env:
        return env
    for preset in ("release", "debug"):
        path = os.path.join(ROOT, "build", preset, "bench", "common", "seqgen")
        if os.access(path, os.X_OK):
            return path
    sys.exit(f"{os.path.basename(sys.argv[0])}: seqgen not found: build the benchmarks "
             "(make bench) or set WORKQ_SEQGEN")


def per_mille(rate):
    """A rate such as 0.125 as a whole per mille (125), or exit 2."""
    pm = round(float(rate) * 1000)
    if abs(pm - float(rate) * 1000) > 1e-6 or not 0 <= pm <= 1000:
        print(f"{os.path.basename(sys.argv[0])}: rate {rate} is not a whole per mille "
              "in [0, 1]", file=sys.stderr)
        sys.exit(2)
    return pm


def run(args):
    """Replaces this process with seqgen ARGS (its output is ours)."""
    exe = find()
    sys.stdout.flush()
    try:
        os.execv(exe, [exe] + [str(a) for a in args])
    except OSError as e:
        sys.exit(f"{os.path.basename(sys.argv[0])}: {exe}: {e.strerror}")
