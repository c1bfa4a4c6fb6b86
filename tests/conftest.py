"""Shared fixtures: reproducible random networks for the gradient checks."""

import os

import numpy as np
import pytest
from hypothesis import settings

from helpers import Network

# In CI every run draws the same examples (a failure can be reproduced); locally each run explores new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def build_case(seed, sizes, activations, cost, with_bias, batch, scale=1.0):
    """(net, x, y) with weights, biases and inputs drawn from N(0, scale^2) by ``seed``.

    sizes = (n_in, n_1, ..., n_out); with_bias has one bool per layer, or is None for a
    network built with ``biases=None``. Targets are in [0, 1] for cross_entropy and
    standard normal for mse.
    """
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0.0, scale, (n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    biases = None
    if with_bias is not None:
        biases = [rng.normal(0.0, scale, n_out) if on else None for n_out, on in zip(sizes[1:], with_bias)]
    x = rng.normal(0.0, 1.0, (batch, sizes[0]))
    shape = (batch, sizes[-1])
    y = rng.uniform(0.0, 1.0, shape) if cost == "cross_entropy" else rng.normal(0.0, 1.0, shape)
    return Network(weights, biases, activations, cost), x, y


@pytest.fixture(scope="session")
def make_case():
    """The ``build_case`` function (session scope, so hypothesis tests may use it)."""
    return build_case


# The largest error of each independent check, printed after the run (what the checks measured).
_LARGEST_ERRORS = {}


def scaled_error(actual, expected, floor):
    """max |actual - expected| / max(|expected|, floor), elementwise then the largest."""
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if actual.size == 0:
        return 0.0
    return float(np.max(np.abs(actual - expected) / np.maximum(np.abs(expected), floor)))


@pytest.fixture(scope="session")
def compare():
    """compare(check, actual, expected, floor) -> scaled error, remembered per check for the summary."""

    def record(check, actual, expected, floor):
        error = scaled_error(actual, expected, floor)
        _LARGEST_ERRORS[check] = max(_LARGEST_ERRORS.get(check, 0.0), error)
        return error

    return record


def pytest_terminal_summary(terminalreporter):
    if _LARGEST_ERRORS:
        terminalreporter.section("largest errors of the gradient checks")
        for check, error in sorted(_LARGEST_ERRORS.items()):
            terminalreporter.write_line(f"{check:<60} {error:.1e}")
