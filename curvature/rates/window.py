"""Where a rate is read: the precision floor, the initial transient and the fit window.

A measured Q(T) is a power law only asymptotically. Early horizons carry a transient (the
decay has not settled), late horizons can reach the floor of floating-point precision, and a
curve approaching a noise floor bends in log-log coordinates before it levels off. The fit
window is the longest stretch [T_j, T_end] of at least ``window_decades`` decades on which
log Q is straight in log T: a quadratic is fitted per seed, and the two-sided Student-t
interval of the mean quadratic coefficient over seeds, at level ``curvature_confidence``,
must contain zero. Horizons before T_j are the transient. When no window is straight, the
last ``window_decades`` decades are used and the curve is reported as bending.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from curvature.rates.seeds import fit_log_log

SLOPE_ROUNDING = 1e-6
"""A change of the log-log slope across a window smaller than this is rounding, not bending."""


@dataclass(frozen=True)
class FitWindow:
    """The horizons a rate is fitted on.

    Attributes:
        start, stop: the window is ``horizons[start:stop]``.
        straight: whether log Q is straight in log T on the window (no significant bending).
        curvature: the mean over seeds of the quadratic coefficient c of
            log Q ≈ a + b·x + c·x², x = log T − log T_end, on the window; the slope changes by
            2c per unit of log T, so c > 0 means flattening and c < 0 steepening.
    """

    start: int
    stop: int
    straight: bool
    curvature: float


def floor_index(table: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Return, per seed, the index of the first horizon where Q ≤ floor (K if none).

    Args:
        table: Q, shape (S, K).
        floor: the floor of each seed, shape (S,).
    """
    at_floor = table <= floor[:, None]
    first = np.argmax(at_floor, axis=1)
    return np.where(at_floor.any(axis=1), first, table.shape[1])


def select_window(
    horizons: np.ndarray,
    log_table: np.ndarray,
    *,
    window_decades: float,
    min_points: int,
    curvature_confidence: float,
) -> FitWindow | None:
    """Return the longest straight window ending at the last horizon, else the shortest one.

    Args:
        horizons: T, shape (K,), increasing.
        log_table: log Q, shape (S, K), finite.
        window_decades: the shortest window, in decades of T.
        min_points: the fewest horizons in a window.
        curvature_confidence: level of the two-sided test of bending.

    Returns:
        None when no window of ``window_decades`` decades and ``min_points`` horizons fits.
    """
    x = np.log(horizons.astype(np.float64))
    stop = horizons.size
    candidates = [
        start
        for start in range(stop - min_points + 1)
        if x[-1] - x[start] >= window_decades * math.log(10) - 1e-12
    ]
    if not candidates:
        return None

    curvature = 0.0
    for start in candidates:
        curvature, straight = _bending(x[start:], log_table[:, start:], curvature_confidence)
        if straight:
            return FitWindow(start, stop, True, curvature)
    return FitWindow(candidates[-1], stop, False, curvature)


def _bending(x: np.ndarray, log_values: np.ndarray, confidence: float) -> tuple[float, bool]:
    # One quadratic per seed; the seeds' quadratic coefficients are independent draws.
    coefficients = fit_log_log(x - x[-1], log_values, 2)
    curvatures = coefficients[:, 2]
    mean = float(np.mean(curvatures))

    # Bending too small to change the slope visibly over the window is rounding.
    if abs(2 * mean * (x[-1] - x[0])) < SLOPE_ROUNDING:
        return mean, True
    if curvatures.size < 2:
        return mean, False
    spread = float(np.std(curvatures, ddof=1))
    if spread == 0.0:
        return mean, False
    critical = stats.t.ppf(0.5 + confidence / 2, curvatures.size - 1)
    return mean, abs(mean) <= critical * spread / math.sqrt(curvatures.size)
