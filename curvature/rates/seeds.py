"""Per-seed log-log fits and confidence bounds over independent seeds.

Points of one run are correlated: a good or bad stretch of a run moves many horizons at once,
so an interval that treats the points of a run as independent is too narrow. Here every seed
contributes one number (its own fitted slope), and the bounds come from the spread of those
numbers across seeds, which are independent by construction.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import polynomial
from scipy import stats

from curvature._validation import check_positive_int, check_probability

BOOTSTRAP_RESAMPLES = 2000
"""Resamples of the bootstrap over seeds."""


@dataclass(frozen=True)
class SeedBounds:
    """One-sided confidence bounds on the mean of a per-seed statistic.

    Attributes:
        mean: the mean over seeds.
        lower: a lower bound, valid with probability ``lower_confidence``.
        upper: an upper bound, valid with probability ``upper_confidence``.
        lower_confidence, upper_confidence: the levels of the two bounds.
        spread: the sample standard deviation over seeds (0 for one seed).
        seeds: the number of seeds.
    """

    mean: float
    lower: float
    upper: float
    lower_confidence: float
    upper_confidence: float
    spread: float
    seeds: int

    def to_dict(self) -> dict[str, float | int]:
        """Return the bounds as a JSON-ready dict."""
        return {
            "mean": self.mean,
            "lower": self.lower,
            "upper": self.upper,
            "lower_confidence": self.lower_confidence,
            "upper_confidence": self.upper_confidence,
            "spread": self.spread,
            "seeds": self.seeds,
        }


def fit_log_log(log_horizons: np.ndarray, log_values: np.ndarray, degree: int) -> np.ndarray:
    """Fit log Q = Σ_k c_k·x^k by least squares, one polynomial per seed.

    Args:
        log_horizons: x, shape (K,); centre it where the coefficients should be read (with
            x = log T − log T_end, c_1 is the slope at T_end).
        log_values: log Q, shape (S, K).
        degree: the polynomial degree (1 for a power law, 2 to measure bending).

    Returns:
        The coefficients c_0, …, c_degree of each seed, shape (S, degree + 1).
    """
    check_positive_int("degree", degree)
    if log_values.ndim != 2 or log_values.shape[1] != log_horizons.size:
        raise ValueError(
            f"`log_values` must have shape (seeds, {log_horizons.size}), got {log_values.shape}"
        )
    if log_horizons.size <= degree:
        raise ValueError(
            f"a degree-{degree} fit needs more than {degree} horizons, got {log_horizons.size}"
        )
    coefficients = polynomial.polyfit(log_horizons, log_values.T, degree)
    return np.asarray(coefficients).T


def seed_bounds(
    samples: np.ndarray,
    *,
    lower_confidence: float,
    upper_confidence: float,
    generator: np.random.Generator,
) -> SeedBounds:
    """Bound the mean of a per-seed statistic from below and above, over independent seeds.

    Each bound is the more conservative of two: the Student-t bound
    mean ± t_{S−1}(confidence)·s/√S, exact when the per-seed values are normal, and the
    percentile bootstrap over seeds (``scipy.stats.bootstrap``), which needs no normality but
    is too narrow for few seeds. With one seed, or seeds that agree exactly, both bounds are
    the mean.

    Args:
        samples: one value per seed, shape (S,).
        lower_confidence: level of the one-sided lower bound, in (0, 1).
        upper_confidence: level of the one-sided upper bound, in (0, 1).
        generator: the randomness of the bootstrap.
    """
    check_probability("lower_confidence", lower_confidence)
    check_probability("upper_confidence", upper_confidence)
    values = np.asarray(samples, dtype=np.float64)
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"`samples` must be a non-empty 1-D finite array, got {values!r}")

    mean = float(np.mean(values))
    count = values.size
    if count < 2 or np.ptp(values) == 0:
        return SeedBounds(mean, mean, mean, lower_confidence, upper_confidence, 0.0, count)

    # Student-t bounds from the spread over seeds.
    spread = float(np.std(values, ddof=1))
    standard_error = spread / math.sqrt(count)
    t_lower = mean - stats.t.ppf(lower_confidence, count - 1) * standard_error
    t_upper = mean + stats.t.ppf(upper_confidence, count - 1) * standard_error

    # Percentile bootstrap bounds over seeds.
    boot_lower = _bootstrap_bound(values, lower_confidence, "greater", generator)
    boot_upper = _bootstrap_bound(values, upper_confidence, "less", generator)

    return SeedBounds(
        mean=mean,
        lower=float(min(t_lower, boot_lower)),
        upper=float(max(t_upper, boot_upper)),
        lower_confidence=lower_confidence,
        upper_confidence=upper_confidence,
        spread=spread,
        seeds=count,
    )


def seeds_needed(
    bounds: SeedBounds, target: float, confidence: float, most: int = 10_000
) -> int | None:
    """Estimate how many seeds would put a one-sided bound on the far side of ``target``.

    With the current spread s, the Student-t bound excludes ``target`` once
    t_{S−1}(confidence)·s/√S < |mean − target|. Returns None when even ``most`` seeds would
    not, for example when the mean lies on the target. An estimate: the spread of more seeds
    differs from the current one.
    """
    distance = abs(bounds.mean - target)
    if bounds.spread == 0.0 or distance == 0.0:
        return None
    counts = np.arange(max(bounds.seeds + 1, 2), most + 1)
    half_widths = stats.t.ppf(confidence, counts - 1) * bounds.spread / np.sqrt(counts)
    enough = np.flatnonzero(half_widths < distance)
    return int(counts[enough[0]]) if enough.size else None


def _bootstrap_bound(
    values: np.ndarray, confidence: float, alternative: str, generator: np.random.Generator
) -> float:
    with warnings.catch_warnings():
        # Few distinct seeds make scipy warn that the bootstrap distribution is degenerate;
        # the Student-t bound covers that case.
        warnings.simplefilter("ignore", category=stats.DegenerateDataWarning)
        result = stats.bootstrap(
            (values,),
            np.mean,
            n_resamples=BOOTSTRAP_RESAMPLES,
            confidence_level=confidence,
            alternative=alternative,
            method="percentile",
            vectorized=True,
            random_state=generator,
        )
    interval = result.confidence_interval
    bound = interval.low if alternative == "greater" else interval.high
    return float(bound) if math.isfinite(bound) else float(np.mean(values))
