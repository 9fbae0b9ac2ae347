"""Series evidence for reports: per-step curves, thinned so that ``verdicts.json`` stays small.

A claim stores a long series (η_t along a run, a loss curve) at no more than
:data:`MAX_SERIES_POINTS` evenly spaced steps, the first and the last included. It also
records how many steps the series had, so that a report can state that it was thinned.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from curvature.trajectory import Trajectory

MAX_SERIES_POINTS = 500
"""The maximum number of points of one series stored in ``verdicts.json``."""


def thinned_steps(length: int, limit: int = MAX_SERIES_POINTS) -> np.ndarray:
    """Return at most ``limit`` evenly spaced steps of 0, …, length − 1, first and last included."""
    if length <= limit:
        return np.arange(length)
    return np.unique(np.linspace(0, length - 1, limit).round().astype(np.int64))


def thinned_series(values: dict[str, np.ndarray], length: int) -> dict[str, Any]:
    """Return the named series of one run at the steps of :func:`thinned_steps`.

    Args:
        values: series of ``length`` values each, indexed by step.
        length: the number of steps of the run.

    Returns:
        ``{"steps": [...], name: [...], ..., "total_steps": length, "thinned": bool}``.
    """
    steps = thinned_steps(length)
    series: dict[str, Any] = {"steps": steps.tolist()}
    for name, value in values.items():
        series[name] = np.asarray(value, dtype=np.float64)[steps].tolist()
    series["total_steps"] = length
    series["thinned"] = bool(steps.size < length)
    return series


def learning_rate_series(trajectory: Trajectory) -> dict[str, Any]:
    """Return η_t along a run and the steps where the policy for 1 + λ·tr(H_t) ≤ 0 fired.

    The η_t curve is thinned to :data:`MAX_SERIES_POINTS` steps. The policy events are kept
    in full up to that many, because a thinned curve can skip them.
    """
    series = thinned_series({"eta": trajectory.lrs}, trajectory.steps)
    events = trajectory.undefined[:MAX_SERIES_POINTS]
    series["undefined"] = {
        "steps": [event.step for event in events],
        "eta": [event.lr for event in events],
        "denominator": [event.denominator for event in events],
        "policy": events[0].policy if events else None,
        "count": len(trajectory.undefined),
    }
    return series
