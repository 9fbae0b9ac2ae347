"""Log-log slopes of a quantity against a horizon T, with a confidence interval."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import theilslopes

from curvature._validation import check_positive_int, check_probability


@dataclass(frozen=True)
class PowerLawFit:
    """A fitted exponent of Q(T) ≈ C·T^slope.

    Attributes:
        slope: the Theil–Sen estimate of d log Q / d log T.
        slope_low, slope_high: its confidence interval.
        confidence: the interval's confidence level.
        horizons: the T values used in the fit.
        num_points: number of (T, Q) pairs, pooled over seeds.
    """

    slope: float
    slope_low: float
    slope_high: float
    confidence: float
    horizons: list[int]
    num_points: int


def geometric_grid(start: int, stop: int, points_per_decade: int = 10) -> np.ndarray:
    """Return distinct integers from ``start`` to ``stop`` spaced evenly on a log scale."""
    check_positive_int("start", start)
    check_positive_int("points_per_decade", points_per_decade)
    if stop < start:
        raise ValueError(f"`stop` must be at least `start` ({start}), got {stop}")
    decades = np.log10(stop / start)
    count = max(2, int(np.ceil(decades * points_per_decade)) + 1)
    return np.unique(np.round(np.geomspace(start, stop, count)).astype(np.int64))


def running_minimum(values: np.ndarray) -> np.ndarray:
    """Return min_{s ≤ t} values[s] for every t."""
    return np.minimum.accumulate(np.asarray(values, dtype=np.float64))


def fit_power_law(
    horizons: np.ndarray, values: np.ndarray, confidence: float = 0.95
) -> PowerLawFit:
    """Fit log Q = a + slope·log T by Theil–Sen over all seeds pooled.

    Args:
        horizons: the T values, shape (k,).
        values: Q at each T, shape (k,) for one seed or (seeds, k); all entries must be
            positive and finite.
        confidence: level of the slope's interval (``scipy.stats.theilslopes``).

    The interval assumes independent points; points of one trajectory are correlated, so it
    is narrower than a bootstrap over seeds would give.
    """
    check_probability("confidence", confidence)
    grid = np.asarray(horizons, dtype=np.float64)
    table = np.atleast_2d(np.asarray(values, dtype=np.float64))
    if table.shape[1] != grid.size:
        raise ValueError(
            f"`values` must have one column per horizon ({grid.size}), got shape {table.shape}"
        )
    if grid.size < 3:
        raise ValueError(f"a slope needs at least 3 horizons, got {grid.size}")
    if not np.all(np.isfinite(table)) or np.any(table <= 0):
        raise ValueError("`values` must be positive and finite to take logarithms")

    x = np.tile(np.log(grid), table.shape[0])
    y = np.log(table).ravel()
    if np.ptp(y) == 0:
        # A constant sequence: the slope is exactly zero and scipy's interval would be NaN.
        slope = low = high = 0.0
    else:
        slope, _, low, high = theilslopes(y, x, alpha=confidence)
    return PowerLawFit(
        slope=float(slope),
        slope_low=float(low),
        slope_high=float(high),
        confidence=confidence,
        horizons=[int(value) for value in grid],
        num_points=int(y.size),
    )
