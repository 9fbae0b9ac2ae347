"""The smallest counterexamples that hypothesis finds, against their closed forms."""

from __future__ import annotations

import math

import pytest

from curvature.errors import UndefinedLearningRateError
from curvature.optim import adaptive_learning_rate
from curvature.testing import counterexamples
from curvature.testing.counterexamples import (
    DEFAULT_SETTINGS,
    diverges,
    smallest_diverging_curvature,
    smallest_undefined_input,
)
from curvature.testing.reference import literal_learning_rate


@pytest.fixture(scope="module")
def undefined_input():
    return smallest_undefined_input()


def test_smallest_undefined_input_is_one_by_one(undefined_input):
    found = undefined_input

    assert found.matrix.n == 1
    assert found.denominator <= 0.0
    assert found.denominator == 1.0 + found.settings.curvature_scale * found.trace
    with pytest.raises((ZeroDivisionError, ValueError)):
        literal_learning_rate(found.settings.lr, found.settings.curvature_scale, found.trace)


def test_toolkit_rate_is_finite_on_smallest_undefined_input(undefined_input):
    found = undefined_input
    lr, scale = found.settings.lr, found.settings.curvature_scale

    for policy in ("positive-part", "absolute", "previous"):
        rate = adaptive_learning_rate(lr, scale, found.trace, policy=policy)
        assert math.isfinite(rate.value)
        assert rate.value > 0
        assert not rate.defined
    with pytest.raises(UndefinedLearningRateError):
        adaptive_learning_rate(lr, scale, found.trace, policy="raise")


@pytest.mark.parametrize(
    "run", DEFAULT_SETTINGS, ids=lambda run: f"lr{run.lr:g}-lambda{run.curvature_scale:g}"
)
def test_smallest_diverging_curvature_matches_threshold(run):
    found = smallest_diverging_curvature(run)

    assert found.matches, counterexamples.format_diverging(found)
    assert diverges(found.L, run)
    assert not diverges(found.L - found.resolution, run)
    assert found.eta_times_curvature > 2.0


def test_finer_grid_narrows_the_threshold():
    found = smallest_diverging_curvature(DEFAULT_SETTINGS[0], resolution=1e-3)

    assert found.matches
    assert found.L - found.threshold < 1e-3


def test_command_line_prints_both(capsys):
    from curvature.cli import main as curvature_main

    status = curvature_main(["counterexamples", "--lr", "1", "--lambda", "0"])

    output = capsys.readouterr().out
    assert status == 0
    assert "n = 1, eigenvalues [-1]" in output
    assert "shrunk L = 3 (grid 1)" in output
    assert "closed form L* = 2: matches" in output


def test_command_line_needs_lr_and_lambda_together(capsys):
    assert counterexamples.main(["--lr", "1"]) == 2
    assert "give --lr and --lambda together" in capsys.readouterr().err


def test_command_line_reports_a_grid_without_divergence(capsys):
    # Grid points k * 1e-12 with k <= 1e9 stay below 1e-3, far below L* = 401.
    status = counterexamples.main(["--lr", "0.1", "--lambda", "1", "--resolution", "1e-12"])

    assert status == 2
    assert "no diverging L was found on the grid of step --resolution 1e-12" in (
        capsys.readouterr().err
    )
