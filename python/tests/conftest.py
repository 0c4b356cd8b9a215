"""Shared fixtures: deterministic random sequences."""
import os
import random

import pytest


def rand_seq(rng, n, alphabet="acgt"):
    return "".join(rng.choices(alphabet, k=n))


@pytest.fixture
def rng():
    return random.Random(20261129)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: a long loop left out under the sanitizers (make test-asan/test-tsan)")


def tool_env():
    """The environment for workq's C programs: without the sanitizer runtime
    preloaded for the interpreter (a sanitized program carries its own)."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
