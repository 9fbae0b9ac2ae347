"""The quantities Q(T) whose decay the rate engine measures, read off recorded runs.

For a run θ_0, θ_1, … with squared gradient norms g_t = ‖∇f(θ_t)‖² and losses f(θ_t), the
quantity at horizon T is one of

* ``best``: min_{t<T} g_t, the quantity of Theorem 1 of "Adaptive Learning Rate Scheduling for
  Large-Scale Neural Networks" (ICML 2024);
* ``average``: (1/T) Σ_{t<T} g_t;
* ``random-iterate``: g_R with R drawn uniformly from {0, …, T−1}, the output rule of the
  randomized stochastic gradient method, whose bound E‖∇f(θ_R)‖² = O(1/√T) is the standard
  non-convex SGD rate (Ghadimi and Lan, "Stochastic first- and zeroth-order methods for
  nonconvex stochastic programming", 2013). Its expectation over R is
  ``average``. One draw per run and horizon shows the spread that the output rule has;
* ``loss-gap``: f(θ_T) − f*, with f* a lower bound of f.

A run that diverged before θ_T has no value there: ``best`` keeps its best value so far, and
the other quantities are +inf from then on, so the engine reports the divergence.
"""

from __future__ import annotations

import enum

import numpy as np

from curvature._validation import check_finite


class Quantity(str, enum.Enum):
    """A quantity Q(T) measured at horizon T."""

    BEST = "best"
    AVERAGE = "average"
    RANDOM_ITERATE = "random-iterate"
    LOSS_GAP = "loss-gap"

    @property
    def formula(self) -> str:
        """The quantity in plain text, for reports."""
        return {
            Quantity.BEST: "min_{t<T} ||grad f(theta_t)||^2",
            Quantity.AVERAGE: "(1/T) sum_{t<T} ||grad f(theta_t)||^2",
            Quantity.RANDOM_ITERATE: "||grad f(theta_R)||^2, R uniform on {0..T-1}",
            Quantity.LOSS_GAP: "f(theta_T) - f*",
        }[self]


def best_so_far(grad_norms_sq: np.ndarray, horizons: np.ndarray) -> np.ndarray:
    """Return min_{t<T} g_t at each horizon T; a stopped run keeps its best value."""
    values = _as_series("grad_norms_sq", grad_norms_sq)
    grid = _as_horizons(horizons)
    best = np.minimum.accumulate(values)
    return best[np.minimum(grid, values.size) - 1]


def running_average(grad_norms_sq: np.ndarray, horizons: np.ndarray) -> np.ndarray:
    """Return (1/T) Σ_{t<T} g_t at each horizon T, +inf where the run stopped before T."""
    values = _as_series("grad_norms_sq", grad_norms_sq)
    grid = _as_horizons(horizons)
    totals = np.cumsum(values)
    result = np.full(grid.size, np.inf)
    reached = grid <= values.size
    result[reached] = totals[grid[reached] - 1] / grid[reached]
    return result


def random_iterate(
    grad_norms_sq: np.ndarray, horizons: np.ndarray, generator: np.random.Generator
) -> np.ndarray:
    """Return g_R with R uniform on {0, …, T−1}, one independent draw per horizon T.

    A draw beyond the end of a stopped run is +inf.
    """
    values = _as_series("grad_norms_sq", grad_norms_sq)
    grid = _as_horizons(horizons)
    draws = generator.integers(0, grid)
    result = np.full(grid.size, np.inf)
    reached = draws < values.size
    result[reached] = values[draws[reached]]
    return result


def loss_gap(losses: np.ndarray, lower_bound: float, horizons: np.ndarray) -> np.ndarray:
    """Return f(θ_T) − f* at each horizon T, +inf where the run stopped before θ_T.

    ``losses`` contains f(θ_0), f(θ_1), …, so f(θ_T) is ``losses[T]``. Rounding can push f(θ_T)
    a few ulps below f* where f* is attained; such gaps are returned as 0.
    """
    values = _as_series("losses", losses)
    f_star = check_finite("lower_bound", lower_bound)
    grid = _as_horizons(horizons)
    result = np.full(grid.size, np.inf)
    reached = grid < values.size
    result[reached] = np.maximum(values[grid[reached]] - f_star, 0.0)
    return result


def _as_series(name: str, values: np.ndarray) -> np.ndarray:
    series = np.asarray(values, dtype=np.float64)
    if series.ndim != 1 or series.size == 0:
        raise ValueError(f"`{name}` must be a non-empty 1-D array, got shape {series.shape}")
    return series


def _as_horizons(horizons: np.ndarray) -> np.ndarray:
    grid = np.asarray(horizons)
    if grid.ndim != 1 or grid.size == 0 or not np.issubdtype(grid.dtype, np.integer):
        raise ValueError(
            f"`horizons` must be a non-empty 1-D integer array, got {grid.dtype} of shape "
            f"{grid.shape}"
        )
    if np.any(grid < 1):
        raise ValueError(f"`horizons` must be at least 1, got minimum {int(grid.min())}")
    return grid.astype(np.int64)
