"""Tell a stalled running minimum at a floor from one left behind by a moving trajectory.

Theorem 1's quantity Q(T) = min_{t<T} ‖∇f(θ_t)‖² stops falling whenever the iterates leave
the point where the minimum was reached. That happens at a floor, where the iterates hover
and the claim fails. It also happens in a transient. Gradient descent on Rosenbrock's
function passes a flat stretch early, then climbs to larger gradients along the curved
valley for thousands of steps before it converges. An O(1/√T) bound with a large constant
allows a flat Q over any finite stretch, so a flat Q of a trajectory that is still moving
decides nothing.

A deterministic run counts as moving when both conditions are true at the last horizon, on
every seed:

* ‖∇f(θ_T)‖² is at least :data:`RISE_FACTOR` times Q(T), so the iterate has left the
  point of the minimum;
* f(θ_T) − f* is at least :data:`PROGRESS` (relatively) below its value where Q stalled,
  so the run still descends. A run that hovers at a floor or cycles makes no such progress.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from curvature.rates import RateAssessment
from curvature.trajectory import Trajectory

RISE_FACTOR = 4.0
"""The minimum ratio ‖∇f(θ_T)‖² / Q(T) of a trajectory that has left its minimum."""

PROGRESS = 0.01
"""The minimum relative fall of f − f* over the stall of a trajectory that still descends."""

SETTLE_FACTOR = 10
"""How many times the last horizon the settling run should reach."""


def transient_stall(
    assessment: RateAssessment,
    trajectories: Sequence[Trajectory],
    lower_bound: float | None,
) -> str | None:
    """Return why a failing stall is a transient, or None when it may be a floor.

    Args:
        assessment: the engine's verdict on Q(T) = min_{t<T} ‖∇f(θ_t)‖².
        trajectories: one deterministic run per seed, each covering the whole grid.
        lower_bound: f*, or None when f is not known to be bounded below.

    Only a ``fails`` verdict on a plateau qualifies, and only for runs that did not diverge
    on an objective with a known f*: an unbounded f can also leave its minimum behind.
    """
    if assessment.verdict != "fails" or assessment.plateau is None or lower_bound is None:
        return None
    if any(trajectory.diverged_at is not None for trajectory in trajectories):
        return None

    stall_start = int(assessment.plateau["from"])
    last = int(assessment.horizons[1])
    rises, falls = [], []
    for trajectory in trajectories:
        gradients = np.asarray(trajectory.grad_norms_sq[:last], dtype=np.float64)
        losses = np.asarray(trajectory.losses[:last], dtype=np.float64) - lower_bound
        if gradients.size < last or stall_start < 1 or stall_start > last:
            return None

        best = gradients.min()
        rises.append(gradients[-1] / best if best > 0 else np.inf)
        start_gap = losses[stall_start - 1]
        falls.append(1.0 - losses[-1] / start_gap if start_gap > 0 else 0.0)

    if min(rises) < RISE_FACTOR or min(falls) < PROGRESS:
        return None
    return (
        f"Q stalls from T = {stall_start}, but the runs are still moving, not at a floor: at "
        f"T = {last}, ||grad f||^2 is {_span(rises, '.3g')} times Q on every seed, and "
        f"f - f* fell by {_span(falls, '.1%')} since the stall began. A running minimum may "
        "stay flat through such a transient under an O(1/sqrt(T)) rate with a large "
        "constant, so the data do not decide; a run to "
        f"T = {SETTLE_FACTOR * last} would (engine: {assessment.summary})"
    )


def _span(values: list[float], spec: str) -> str:
    # "at least a" over seeds, or one figure when every seed gives the same.
    low, high = format(min(values), spec), format(max(values), spec)
    return low if low == high else f"{low} to {high}"
