"""A stalled running minimum: a floor fails, a still-moving trajectory is inconclusive."""

from __future__ import annotations

import numpy as np
import pytest

from curvature.claims.stall import PROGRESS, RISE_FACTOR, transient_stall
from curvature.rates import assess_rate, geometric_grid
from curvature.trajectory import Trajectory

STEPS = 2000
STALL = 300


def trajectory(grad_norms_sq, losses, diverged_at=None):
    steps = len(grad_norms_sq)
    return Trajectory(
        losses=np.asarray(losses, dtype=float),
        grad_norms_sq=np.asarray(grad_norms_sq, dtype=float),
        lrs=np.full(steps, 1e-3),
        traces=np.zeros(steps),
        in_region=np.ones(steps, dtype=bool),
        undefined=[],
        diverged_at=diverged_at,
    )


def stalled_runs(rise, fall, seeds=3):
    # ‖∇f‖² falls as 1/t until STALL, then climbs linearly to `rise` times its minimum at the
    # last step, while f − f* falls by the fraction `fall` over the stall.
    t = np.arange(1, STEPS + 1, dtype=float)
    runs = []
    for seed in range(seeds):
        gradients = 1.0 / np.minimum(t, STALL)
        after = t > STALL
        gradients[after] = (1.0 / STALL) * (
            1.0 + (rise - 1.0) * (t[after] - STALL) / (STEPS - STALL)
        )
        gradients *= 1.0 + 0.001 * seed
        losses = np.full(STEPS, 10.0)
        losses[after] = 10.0 * (1.0 - fall * (t[after] - STALL) / (STEPS - STALL))
        runs.append(trajectory(gradients, losses))
    return runs


def assess(runs):
    grid = geometric_grid(10, STEPS, 10)
    table = np.array([[np.min(run.grad_norms_sq[:T]) for T in grid] for run in runs])
    return assess_rate(grid, table, 0.5, deterministic=True)


def test_moving_run_stall_inconclusive():
    runs = stalled_runs(rise=10.0, fall=0.05)
    assessment = assess(runs)
    assert assessment.verdict == "fails"

    note = transient_stall(assessment, runs, lower_bound=0.0)

    assert note is not None
    assert "still moving" in note
    assert f"T = {10 * STEPS}" in note


@pytest.mark.parametrize(
    ("rise", "fall"),
    [
        (1.0, 0.05),  # the gradient stays at its minimum: a floor
        (10.0, 0.0),  # f makes no progress: a cycle
        (RISE_FACTOR * 0.9, 0.05),
        (10.0, PROGRESS * 0.5),
    ],
)
def test_floor_or_cycle_keeps_failing(rise, fall):
    runs = stalled_runs(rise, fall)
    assessment = assess(runs)
    assert assessment.verdict == "fails"

    assert transient_stall(assessment, runs, lower_bound=0.0) is None


def test_unbounded_or_diverged_keeps_failing():
    runs = stalled_runs(rise=10.0, fall=0.05)
    assessment = assess(runs)

    assert transient_stall(assessment, runs, lower_bound=None) is None
    diverged = [*runs[:-1], trajectory(runs[-1].grad_norms_sq, runs[-1].losses, diverged_at=5)]
    assert transient_stall(assessment, diverged, lower_bound=0.0) is None


def test_holding_verdict_left_alone():
    t = np.arange(1, STEPS + 1, dtype=float)
    runs = [trajectory(1.0 / t * (1 + 0.01 * seed), 10.0 / t) for seed in range(3)]

    assert transient_stall(assess(runs), runs, lower_bound=0.0) is None
