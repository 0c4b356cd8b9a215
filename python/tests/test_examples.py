"""The lesson's programs rewritten with workq print the lesson's lines."""
import math
import os
import subprocess
import sys

import workq
from conftest import tool_env

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")


def run(script, *args):
    return subprocess.run([sys.executable, os.path.join(EXAMPLES, script), *map(str, args)],
                          check=True, capture_output=True, text=True).stdout


def test_baby_genomics_prints_the_lessons_lines():
    assert run("baby_genomics.py") == (
        "Edit_Distance(attctg, accagt) = 4\n"
        "Edit_Distance(ccat, agcattacg) = 6\n"
        "Edit_Distance(tacagg, cctgac) = 5\n"
        "Edit_Distance(gttcatgga, tccg) = 6\n"
        "Edit_Distance(catgcg, gagtac) = 4\n"
        "Edit_Distance(tcac, tgcatgcgg) = 5\n")


def test_baby_genomics_reads_a_pairs_file(tmp_path):
    f = tmp_path / "pairs.txt"
    f.write_text("kitten,sitting\n\nacgt,acgt\n")
    assert run("baby_genomics.py", f) == (
        "Edit_Distance(kitten, sitting) = 3\nEdit_Distance(acgt, acgt) = 0\n")


def test_approx_pi_matches_the_pi_program():
    out = run("approx_pi.py", 10_000_000, 3).splitlines()
    pi = workq.pi(10_000_000)
    assert out[0] == "PI is approximately %.16f, Error is %.16f" % (pi, abs(pi - math.pi))
    assert out[1].startswith("Time = ") and out[1].endswith(" sec")
    cli = os.environ.get("WORKQ_PI")
    assert cli, "WORKQ_PI must name the pi program (ctest sets it)"
    want = subprocess.run([cli, "10000000"], check=True, capture_output=True, text=True,
                          env=tool_env()).stdout.splitlines()[0]
    assert out[0] == want


def test_approx_pi_usage():
    p = subprocess.run([sys.executable, os.path.join(EXAMPLES, "approx_pi.py")],
                       capture_output=True, text=True)
    assert p.returncode == 1 and p.stderr.startswith("usage: ")
