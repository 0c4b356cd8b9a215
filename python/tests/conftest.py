"""Shared fixtures: deterministic random sequences."""
import random

import pytest


def rand_seq(rng, n, alphabet="acgt"):
    return "".join(rng.choices(alphabet, k=n))


@pytest.fixture
def rng():
    return random.Random(20261129)
