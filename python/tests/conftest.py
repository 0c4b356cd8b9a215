"""Shared fixtures: deterministic random sequences, and a thread switch
interval long enough that another thread runs only when a call releases
the GIL."""
import os
import random
import sys

import pytest


def rand_seq(rng, n, alphabet="acgt"):
    return "".join(rng.choices(alphabet, k=n))


@pytest.fixture
def rng():
    return random.Random(20261129)


@pytest.fixture
def no_switching():
    old = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    yield
    sys.setswitchinterval(old)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: a long loop left out under the sanitizers (make test-asan/test-tsan)")


def tool_env():
    """The environment for workq's C programs: without the sanitizer runtime
    preloaded for the interpreter (a sanitized program carries its own)."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
