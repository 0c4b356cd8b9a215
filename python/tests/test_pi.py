"""workq.pi: bit-identical to the pi program, whatever the workers."""
import os
import subprocess

import pytest

import workq
from conftest import tool_env

PI = os.environ.get("WORKQ_PI")


def cli_pi(n, chunks=None):
    assert PI, "WORKQ_PI must name the pi program (ctest sets it)"
    argv = [PI, str(n)] + ([f"--chunks={chunks}"] if chunks else [])
    out = subprocess.run(argv, check=True, capture_output=True, text=True, env=tool_env()).stdout
    return out.splitlines()[0]


def line(pi):
    import math
    return "PI is approximately %.16f, Error is %.16f" % (pi, abs(pi - math.pi))


@pytest.mark.parametrize("n, chunks", [(1, None), (1000, None), (10_000_019, None),
                                       (10_000_019, 7), (20_000_000, 3), (5, 5)])
def test_pi_matches_cli(n, chunks):
    want = cli_pi(n, chunks)
    for workers in (1, 2, 3):
        assert line(workq.pi(n, workers=workers, chunks=chunks)) == want


def test_pi_independent_of_workers():
    n = 12_345_677
    values = {workq.pi(n, workers=w, chunks=9).hex() for w in (1, 2, 4)}
    with workq.Pool(2) as p:
        values.add(p.pi(n, chunks=9).hex())
    assert len(values) == 1


def test_pi_value():
    import math
    assert abs(workq.pi(1_000_000) - (math.pi - 1e-6)) < 1e-12
